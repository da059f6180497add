/*
 * sigma_index.c - one index over the gate literals of a run of Sigma rules
 * that share a logsource, so that an event visits only the rules whose gate
 * it can pass instead of testing every rule's gate in turn.
 *
 * Each gate literal (sigma_gate.c: a field, and byte pairs its value must
 * all contain) is filed under one of its byte pairs: the one the fewest
 * literals of the run have, so that common pairs ("ex" of ".exe") select
 * few rules. For an event, every pair present in an indexed field (the same
 * per-event bigram sets the gates use) marks the rules filed under it; rules
 * without a gate are always marked. A rule whose gate passes has a literal
 * whose every pair is present, the filed one included, so marking never
 * drops a rule the gate would let through; the gate and the detection still
 * decide for the marked ones.
 */
#include "sigma/sigma_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct idx_field {
	const char *name;
	uint32_t hash;
	uint32_t *start; /* VG_SIGMA_BGBITS + 1 offsets into rule */
	uint16_t *rule;  /* positions in the run, filed by byte pair */
};

struct vg_sigma_index {
	size_t nrules;
	uint64_t *always; /* rules without a gate */
	struct idx_field *f;
	size_t nf;
};

size_t vg_sigma_index_words(size_t nrules)
{
	return (nrules + 63) / 64;
}

void vg_sigma_index_free(struct vg_sigma_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nf; i++) {
		free(x->f[i].start);
		free(x->f[i].rule);
	}
	free(x->f);
	free(x->always);
	free(x);
}

/* The slot of field (name, hash), added when new; -1 when out of memory. */
static long field_slot(struct vg_sigma_index *x, const char *name, uint32_t hash)
{
	for (size_t i = 0; i < x->nf; i++)
		if (x->f[i].name == name ||
		    (x->f[i].hash == hash && strcasecmp(x->f[i].name, name) == 0))
			return (long)i;
	struct idx_field *nf = realloc(x->f, (x->nf + 1) * sizeof(*nf));
	if (!nf)
		return -1;
	x->f = nf;
	struct idx_field *f = &x->f[x->nf];
	*f = (struct idx_field){ .name = name, .hash = hash };
	f->start = calloc(VG_SIGMA_BGBITS + 1, sizeof(*f->start));
	if (!f->start)
		return -1;
	return (long)x->nf++;
}

/* The byte pair of g that the fewest literals of the run have. */
static unsigned rarest(const struct sg_gate_lit *g, const uint32_t *freq)
{
	unsigned best = g->bg[0];
	for (unsigned k = 1; k < g->nbg; k++)
		if (freq[g->bg[k]] < freq[best])
			best = g->bg[k];
	return best;
}

/* Calls file() for every literal of every gated rule; marks the others. */
static int walk(struct vg_sigma_index *x, const struct vg_sigma_rule *const *rules,
                const uint32_t *freq, bool fill, uint32_t *cursor)
{
	for (size_t k = 0; k < x->nrules; k++) {
		const struct vg_sigma_rule *r = rules[k];
		bool always = r->ngate == 0;
		for (size_t i = 0; i < r->ngate && !always; i++)
			always = r->gate[i].nbg == 0;
		if (always) {
			x->always[k / 64] |= 1ull << (k % 64);
			continue;
		}
		for (size_t i = 0; i < r->ngate; i++) {
			const struct sg_gate_lit *g = &r->gate[i];
			long s = field_slot(x, g->field, g->fhash);
			if (s < 0)
				return VG_ENOMEM;
			struct idx_field *f = &x->f[s];
			unsigned b = rarest(g, freq);
			if (!fill)
				f->start[b + 1]++;
			else
				f->rule[cursor[s * (VG_SIGMA_BGBITS + 1) + b]++] = (uint16_t)k;
		}
	}
	return VG_OK;
}

int vg_sigma_index_build(const struct vg_sigma_rule *const *rules, size_t n,
                         struct vg_sigma_index **out)
{
	*out = NULL;
	if (n == 0 || n > VG_SIGMA_INDEX_MAX)
		return VG_OK; /* such a run is scanned rule by rule */
	uint32_t *freq = calloc(VG_SIGMA_BGBITS, sizeof(*freq));
	struct vg_sigma_index *x = calloc(1, sizeof(*x));
	if (!freq || !x) {
		free(freq);
		free(x);
		return VG_ENOMEM;
	}
	x->nrules = n;
	x->always = calloc(vg_sigma_index_words(n), sizeof(*x->always));
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < rules[k]->ngate; i++)
			for (unsigned j = 0; j < rules[k]->gate[i].nbg; j++)
				freq[rules[k]->gate[i].bg[j]]++;
	int rc = x->always ? walk(x, rules, freq, false, NULL) : VG_ENOMEM;
	uint32_t *cursor = NULL;
	if (rc == VG_OK) {
		cursor = calloc(x->nf * (VG_SIGMA_BGBITS + 1) + 1, sizeof(*cursor));
		rc = cursor ? VG_OK : VG_ENOMEM;
	}
	for (size_t s = 0; rc == VG_OK && s < x->nf; s++) {
		struct idx_field *f = &x->f[s];
		for (unsigned b = 0; b < VG_SIGMA_BGBITS; b++)
			f->start[b + 1] += f->start[b];
		memcpy(cursor + s * (VG_SIGMA_BGBITS + 1), f->start,
		       VG_SIGMA_BGBITS * sizeof(*cursor));
		f->rule = malloc((f->start[VG_SIGMA_BGBITS] + 1) * sizeof(*f->rule));
		if (!f->rule)
			rc = VG_ENOMEM;
	}
	if (rc == VG_OK) {
		memset(x->always, 0, vg_sigma_index_words(n) * sizeof(*x->always));
		rc = walk(x, rules, freq, true, cursor);
	}
	free(cursor);
	free(freq);
	if (rc != VG_OK) {
		vg_sigma_index_free(x);
		return rc;
	}
	*out = x;
	return VG_OK;
}

void vg_sigma_index_mark(const struct vg_sigma_index *x, struct vg_sigma_view *v, uint64_t *mark)
{
	memcpy(mark, x->always, vg_sigma_index_words(x->nrules) * sizeof(*mark));
	for (size_t s = 0; s < x->nf; s++) {
		const struct idx_field *f = &x->f[s];
		const uint64_t *bits = sg_field_bigrams(v, f->name, f->hash);
		for (unsigned w = 0; bits && w < VG_SIGMA_BGBITS / 64; w++) {
			for (uint64_t m = bits[w]; m; m &= m - 1) {
				unsigned b = w * 64 + (unsigned)__builtin_ctzll(m);
				for (uint32_t j = f->start[b]; j < f->start[b + 1]; j++)
					mark[f->rule[j] / 64] |= 1ull << (f->rule[j] % 64);
			}
		}
	}
}
