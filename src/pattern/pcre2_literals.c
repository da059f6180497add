/*
 * pcre2_literals.c - the literal runs every match of a PCRE2 pattern holds,
 * for the log gate (pattern_gate.c).
 *
 * A conservative reading of the pattern text: it is split at top-level '|'
 * into alternatives, and in each one the plain characters that stand at the
 * top level, unquantified or quantified with a minimum of one, are runs the
 * match must contain (the pattern is compiled without options, and the
 * gate ignores case anyway). Everything else - groups (skipped whole),
 * character classes, escapes that are not a plain punctuation character,
 * '.', anchors - only ends a run. Constructs this reader is not sure of
 * (option settings with x, \Q, escapes with braces, a '{' that is not a
 * quantifier, unbalanced parentheses) make it give up: no runs, no gate.
 */
#include "pattern/pattern_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct vg_pcre2_lits {
	unsigned char *bytes; /* the runs' bytes, lower-cased */
	size_t *off, *len;    /* run i */
	size_t *first;        /* alternative a: runs first[a] .. first[a + 1] */
	size_t nalts;
};

struct lit_reader {
	const char *s;
	size_t i;
	struct vg_pcre2_lits *l;
	size_t nbytes, nruns, run_start;
	bool in_run;
};

static void run_end(struct lit_reader *r)
{
	if (r->in_run && r->nbytes > r->run_start) {
		r->l->off[r->nruns] = r->run_start;
		r->l->len[r->nruns++] = r->nbytes - r->run_start;
	}
	r->in_run = false;
}

static void run_add(struct lit_reader *r, unsigned char c)
{
	if (!r->in_run) {
		r->in_run = true;
		r->run_start = r->nbytes;
	}
	r->l->bytes[r->nbytes++] = (unsigned char)tolower(c);
}

/* Length of a quantifier at s ("", "*", "+?", "{2,5}" ...), with min_one
 * telling whether it requires at least one repetition; -1 when s holds a
 * '{' that is not a quantifier. */
static int quant_len(const char *s, bool *min_one)
{
	int n = 0;
	*min_one = true;
	if (*s == '*' || *s == '?') {
		*min_one = false;
		n = 1;
	} else if (*s == '+') {
		n = 1;
	} else if (*s == '{') {
		n = 1;
		if (!isdigit((unsigned char)s[n]))
			return -1;
		bool nonzero = false;
		for (; isdigit((unsigned char)s[n]); n++)
			nonzero |= s[n] != '0';
		*min_one = nonzero;
		while (isdigit((unsigned char)s[n]) || s[n] == ',')
			n++;
		if (s[n] != '}')
			return -1;
		n++;
	} else {
		return 0;
	}
	if (s[n] == '+' || s[n] == '?')
		n++; /* possessive or lazy */
	return n;
}

/* Skips a character class starting at s[i] == '['; returns the index after
 * its ']' or 0 when it does not end. */
static size_t skip_class(const char *s, size_t i)
{
	i++;
	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++;
	for (; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1])
			i++;
		else if (s[i] == '[' && s[i + 1] == ':' && strstr(s + i + 2, ":]"))
			i = (size_t)(strstr(s + i + 2, ":]") - s) + 1;
		else if (s[i] == ']')
			return i + 1;
	}
	return 0;
}

/* Skips a group starting at s[i] == '('; returns the index after its ')' or
 * 0 when unsure (no end, or an option setting with x). */
static size_t skip_group(const char *s, size_t i)
{
	if (s[i + 1] == '?') {
		size_t j = i + 2;
		while (isalpha((unsigned char)s[j]) || s[j] == '-' || s[j] == '^')
			if (s[j++] == 'x')
				return 0; /* extended: whitespace stops being literal */
	}
	int depth = 0;
	for (; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1]) {
			i++;
		} else if (s[i] == '[') {
			size_t e = skip_class(s, i);
			if (!e)
				return 0;
			i = e - 1;
		} else if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')' && --depth == 0) {
			return i + 1;
		}
	}
	return 0;
}

/* One atom at r->i: adds its byte to the run or ends the run. false: give up. */
static bool read_atom(struct lit_reader *r)
{
	const char *s = r->s;
	size_t i = r->i, next;
	int lit = -1; /* the atom's plain byte, -1 for none */
	if (s[i] == '\\') {
		unsigned char e = (unsigned char)s[i + 1];
		if (!e || e == 'Q' || e == 'E' || strchr("xpPNogkcu", e))
			return false;
		if (!isalnum(e))
			lit = e;
		next = i + 2;
		while (isdigit(e) && isdigit((unsigned char)s[next]))
			next++; /* back reference */
	} else if (s[i] == '[') {
		next = skip_class(s, i);
	} else if (s[i] == '(') {
		next = skip_group(s, i);
	} else if (s[i] == ')' || s[i] == '*' || s[i] == '+' || s[i] == '?' || s[i] == '{') {
		return false;
	} else {
		if (s[i] != '.' && s[i] != '^' && s[i] != '$')
			lit = (unsigned char)s[i];
		next = i + 1;
	}
	if (!next)
		return false;
	bool min_one;
	int q = quant_len(s + next, &min_one);
	if (q < 0)
		return false;
	if (lit >= 0 && (q == 0 || min_one))
		run_add(r, (unsigned char)lit);
	if (lit < 0 || q > 0)
		run_end(r); /* a repeated byte may be followed by more of it */
	r->i = next + (size_t)q;
	return true;
}

void vg_pcre2_lits_free(struct vg_pcre2_lits *l)
{
	if (!l)
		return;
	free(l->bytes);
	free(l->off);
	free(l->len);
	free(l->first);
	free(l);
}

struct vg_pcre2_lits *vg_pcre2_lits_parse(const char *src)
{
	size_t n = strlen(src);
	if (strstr(src, "(*"))
		return NULL; /* verbs such as (*ACCEPT) can end a match early */
	struct vg_pcre2_lits *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->bytes = malloc(n + 1);
	l->off = malloc((n + 1) * sizeof(*l->off));
	l->len = malloc((n + 1) * sizeof(*l->len));
	l->first = malloc((n + 2) * sizeof(*l->first));
	struct lit_reader r = { .s = src, .l = l };
	if (!l->bytes || !l->off || !l->len || !l->first)
		goto fail;
	l->first[0] = 0;
	while (src[r.i]) {
		if (src[r.i] == '|') {
			run_end(&r);
			l->first[++l->nalts] = r.nruns;
			r.i++;
		} else if (!read_atom(&r)) {
			goto fail;
		}
	}
	run_end(&r);
	l->first[++l->nalts] = r.nruns;
	return l;
fail:
	vg_pcre2_lits_free(l);
	return NULL;
}

size_t vg_pcre2_lits_alts(const struct vg_pcre2_lits *l)
{
	return l->nalts;
}

size_t vg_pcre2_lits_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max)
{
	const struct vg_pcre2_lits *l = obj;
	size_t n = 0;
	for (size_t k = l->first[alt]; k < l->first[alt + 1] && n < max; k++)
		runs[n++] = (struct vg_lit_run){ l->bytes + l->off[k], l->len[k] };
	return n;
}
