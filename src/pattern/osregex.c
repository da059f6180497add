/*
 * osregex.c - Wazuh's OS_Regex dialect, reproduced behaviour for behaviour.
 *
 * OS_Regex is not a regular-expression engine in the textbook sense: it scans
 * the subject once, left to right, with a handful of remembered restart
 * points, so it can miss matches a backtracking engine would find and it
 * reports oddly placed captures in some cases. Rules and decoders are written
 * against exactly that behaviour, so this file implements the same state
 * machine (facts taken from Wazuh's os_regex_compile.c / os_regex_execute.c,
 * code written anew). A compiled alternative is a byte string in which a
 * backslash is followed by a class code, '(' marks both ends of a group,
 * literals are lower-cased, and '+'/'*' after a class are quantifiers.
 * Speed comes from a per-alternative literal that every match must contain,
 * checked with memchr before the state machine runs; matching never
 * allocates.
 */
#include "pattern/pattern_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

/* Class codes stored after a backslash (kept below 16 so they never collide
 * with '(' , '|' , '$' or a quantifier). */
enum orx_class {
	ORX_DIGIT = 1,
	ORX_WORD,
	ORX_SPACE,
	ORX_PUNCT,
	ORX_LPAREN,
	ORX_RPAREN,
	ORX_BSLASH,
	ORX_NDIGIT,
	ORX_NWORD,
	ORX_NSPACE,
	ORX_ANY,
	ORX_TAB,
	ORX_DOLLAR,
	ORX_PIPE,
	ORX_LT,
};

#define ORX_NONE       PTRDIFF_MIN /* "NULL" position: no match / not recorded */
#define ORX_MAX_BT     4           /* Wazuh remembers at most four restart points */
#define ORX_MAX_PARENS (2 * VG_PATTERN_MAX_GROUPS)

struct orx_alt {
	unsigned char *code; /* NUL-terminated token string */
	unsigned char *slot; /* slot[i]: index of the '(' at code[i] in this alternative */
	unsigned nparens;
	bool begin, end; /* '^' and '$' of this alternative */
	size_t lit_off;  /* required literal run: code[lit_off .. lit_off + lit_len) */
	size_t lit_len;
	size_t lit_anchor; /* index in the run searched for with memchr */
	size_t pf_off;     /* most selective required run (for the prefilter) */
	size_t pf_len;
	size_t lead_len;    /* unanchored: literal bytes the alternative starts with */
	size_t lead_anchor; /* index of the rarest of them (searched with memchr) */
	/* A window every match contains (see orx_pick_window()): literal
	 * win_g, bytes of the classes in win_cls, literal win_f; win_cls 0
	 * when there is none. win_fwd: search win_g and walk forward (else
	 * search win_f and walk back). */
	unsigned char win_g, win_f;
	bool win_fwd;
	uint16_t win_cls;
};

struct vg_osregex {
	size_t nalts;
	unsigned ngroups;
	bool has_groups; /* any alternative has a group (Wazuh's prts_closure) */
	unsigned char *buf;
	struct orx_alt alts[];
};

/* Per-match state of one alternative; lives on the stack. */
struct orx_state {
	const struct orx_alt *a;
	const unsigned char *s;
	ptrdiff_t *marks;
	const unsigned char *pt;
	ptrdiff_t st, last, restart;
	bool greedy;
	bool fast;      /* take the shortcuts (the reference matcher does not) */
	ptrdiff_t slen; /* the subject's length (when fast) */
	const unsigned char *bt_pt[ORX_MAX_BT];
	ptrdiff_t bt_st[ORX_MAX_BT];
};

enum { ORX_NEXT, ORX_FAIL, ORX_MATCH };

#define ORX_LO(c)   (((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c))
#define ORX_LO4(b)  ORX_LO(b), ORX_LO((b) + 1), ORX_LO((b) + 2), ORX_LO((b) + 3)
#define ORX_LO16(b) ORX_LO4(b), ORX_LO4((b) + 4), ORX_LO4((b) + 8), ORX_LO4((b) + 12)
#define ORX_LO64(b) ORX_LO16(b), ORX_LO16((b) + 16), ORX_LO16((b) + 32), ORX_LO16((b) + 48)

/* ASCII lower case of every byte. */
static const unsigned char orx_lower_tab[256] = { ORX_LO64(0), ORX_LO64(64), ORX_LO64(128),
	                                          ORX_LO64(192) };

static inline unsigned char orx_lower(unsigned char c)
{
	return orx_lower_tab[c];
}

static inline bool orx_is_quant(unsigned char c)
{
	return c == '+' || c == '*';
}

/* Class membership of every byte: bit k of orx_class_bits[c] is set when
 * class code k accepts c (\w is letters, digits, '_', '-' and '@'; \p is
 * Wazuh's punctuation set). Built by the compiler from these macros. */
#define ORX_D(c) ((c) >= '0' && (c) <= '9')
#define ORX_W(c)                                                                                   \
	(ORX_D(c) || ((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || (c) == '_' ||     \
	 (c) == '-' || (c) == '@')
#define ORX_P(c)                                                                                   \
	(((c) >= '!' && (c) <= '.') || ((c) >= ':' && (c) <= '?') || (c) == '[' || (c) == ']' ||   \
	 (c) == '{' || (c) == '|' || (c) == '}')
#define ORX_BIT(cond, code) ((unsigned)(cond) << (code))
#define ORX_BITS(c)                                                                                \
	(ORX_BIT(ORX_D(c), ORX_DIGIT) | ORX_BIT(ORX_W(c), ORX_WORD) |                              \
	 ORX_BIT((c) == ' ', ORX_SPACE) | ORX_BIT(ORX_P(c), ORX_PUNCT) |                           \
	 ORX_BIT((c) == '(', ORX_LPAREN) | ORX_BIT((c) == ')', ORX_RPAREN) |                       \
	 ORX_BIT((c) == '\\', ORX_BSLASH) | ORX_BIT(!ORX_D(c), ORX_NDIGIT) |                       \
	 ORX_BIT(!ORX_W(c), ORX_NWORD) | ORX_BIT((c) != ' ', ORX_NSPACE) | ORX_BIT(1, ORX_ANY) |   \
	 ORX_BIT((c) == '\t', ORX_TAB) | ORX_BIT((c) == '$', ORX_DOLLAR) |                         \
	 ORX_BIT((c) == '|', ORX_PIPE) | ORX_BIT((c) == '<', ORX_LT))
#define ORX_R4(b)  ORX_BITS(b), ORX_BITS((b) + 1), ORX_BITS((b) + 2), ORX_BITS((b) + 3)
#define ORX_R16(b) ORX_R4(b), ORX_R4((b) + 4), ORX_R4((b) + 8), ORX_R4((b) + 12)
#define ORX_R64(b) ORX_R16(b), ORX_R16((b) + 16), ORX_R16((b) + 32), ORX_R16((b) + 48)

static const uint16_t orx_class_bits[256] = { ORX_R64(0), ORX_R64(64), ORX_R64(128), ORX_R64(192) };

/* code is always a class code (below 16): it follows a backslash. */
static inline bool orx_class_has(unsigned char code, unsigned char c)
{
	return (orx_class_bits[c] >> code) & 1u;
}

/* What a literal pattern byte is compared with: the lower-cased byte, or 0
 * (equal to no literal) for a non-ASCII one. */
#define ORX_LF(c)   ((c) >= 0x80 ? 0 : ((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c))
#define ORX_LF4(b)  ORX_LF(b), ORX_LF((b) + 1), ORX_LF((b) + 2), ORX_LF((b) + 3)
#define ORX_LF16(b) ORX_LF4(b), ORX_LF4((b) + 4), ORX_LF4((b) + 8), ORX_LF4((b) + 12)
#define ORX_LF64(b) ORX_LF16(b), ORX_LF16((b) + 16), ORX_LF16((b) + 32), ORX_LF16((b) + 48)

static const unsigned char orx_lit_fold[256] = { ORX_LF64(0), ORX_LF64(64), ORX_LF64(128),
	                                         ORX_LF64(192) };

/*
 * A literal pattern byte against a subject byte. Wazuh compares a plain
 * (signed on x86) char with an unsigned lower-cased byte, so a non-ASCII
 * literal never matches; we keep that (Wazuh bug, reproduced on purpose).
 */
static inline bool orx_lit_eq(unsigned char lit, unsigned char c)
{
	return lit == orx_lit_fold[c]; /* a table value is below 0x80 */
}

static unsigned char orx_escape_code(char c)
{
	switch (c) {
	case 'd': return ORX_DIGIT;
	case 'w': return ORX_WORD;
	case 's': return ORX_SPACE;
	case 'p': return ORX_PUNCT;
	case '(': return ORX_LPAREN;
	case ')': return ORX_RPAREN;
	case '\\': return ORX_BSLASH;
	case 'D': return ORX_NDIGIT;
	case 'W': return ORX_NWORD;
	case 'S': return ORX_NSPACE;
	case '.': return ORX_ANY;
	case 't': return ORX_TAB;
	case '$': return ORX_DOLLAR;
	case '|': return ORX_PIPE;
	case '<': return ORX_LT;
	default: return 0;
	}
}

/* ---- compilation ------------------------------------------------------ */

/* Encodes src into buf and counts the alternatives; checks escapes and groups. */
static int orx_encode(const char *src, unsigned char *buf, size_t *nalts, char *err, size_t errlen)
{
	size_t o = 0, n = 1;
	int depth = 0;

	for (size_t i = 0; src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '\\') {
			unsigned char code = orx_escape_code(src[i + 1]);
			if (src[i + 1] == '\0')
				return vg_pattern_fail(err, errlen,
				                       "trailing backslash at offset %zu", i);
			if (!code)
				return vg_pattern_fail(err, errlen,
				                       "invalid escape '\\%c' at offset %zu",
				                       src[i + 1], i);
			buf[o++] = '\\';
			buf[o++] = code;
			i++;
			continue;
		}
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			c = '(';
			depth--;
		}
		if (depth != 0 && depth != 1)
			return vg_pattern_fail(err, errlen,
			                       "unbalanced or nested parenthesis at offset %zu", i);
		c = orx_lower(c);
		if (c == '|') {
			if (depth != 0)
				return vg_pattern_fail(err, errlen,
				                       "'|' inside a group at offset %zu", i);
			n++;
		}
		buf[o++] = c;
	}
	if (depth != 0)
		return vg_pattern_fail(err, errlen, "unclosed parenthesis");
	buf[o] = '\0';
	*nalts = n;
	return 0;
}

/* How much a literal run narrows the search: rarer bytes weigh more, so a
 * lone '%' beats a lone ':' and "20" beats " ". */
static int orx_run_score(const unsigned char *run, size_t len)
{
	int score = 0;
	for (size_t i = 0; i < len; i++)
		score += 110 - vg_pattern_byte_cost(run[i]);
	return score;
}

/*
 * Picks the most selective run of literal bytes that every match of the
 * alternative must contain: literals are only ever consumed, never skipped,
 * except the very last byte when it directly follows an unquantified class
 * (Wazuh can then report a match without it). Runs stop at group marks.
 */
static void orx_pick_literal(struct orx_alt *a)
{
	const unsigned char *c = a->code;
	size_t n = strlen((const char *)c), i = 0, start = 0, len = 0;
	int best = 0;

	if (n >= 3 && c[n - 3] == '\\')
		n--;
	a->lit_len = 0;
	while (i <= n) {
		bool lit = i < n && c[i] != '\\' && c[i] != '(' && c[i] < 0x80;
		if (lit) {
			if (len == 0)
				start = i;
			len++;
			i++;
			continue;
		}
		if (len && orx_run_score(c + start, len) > best) {
			best = orx_run_score(c + start, len);
			a->lit_off = start;
			a->lit_len = len;
		}
		len = 0;
		if (i < n && c[i] == '\\') {
			i += 2;
			if (i < n && orx_is_quant(c[i]))
				i++;
		} else {
			i++;
		}
	}
	a->pf_off = a->lit_off;
	a->pf_len = a->lit_len;
	if (a->begin && n && c[0] != '\\' && c[0] != '(' && c[0] < 0x80) {
		/* '^' and a leading literal: checking it in place is cheaper. */
		a->lit_off = 0;
		for (a->lit_len = 0; a->lit_len < n; a->lit_len++)
			if (c[a->lit_len] == '\\' || c[a->lit_len] == '(' || c[a->lit_len] >= 0x80)
				break;
	}
	a->lit_anchor = 0;
	for (size_t k = 1; k < a->lit_len; k++)
		if (vg_pattern_byte_cost(c[a->lit_off + k]) <
		    vg_pattern_byte_cost(c[a->lit_off + a->lit_anchor]))
			a->lit_anchor = k;
}

/*
 * The literal bytes an unanchored alternative starts with. While the matcher
 * stands at the start of the pattern, it can only move on where all of them
 * match, so it may jump there (see orx_lead_find()).
 */
static void orx_pick_lead(struct orx_alt *a)
{
	const unsigned char *c = a->code;
	a->lead_len = 0;
	a->lead_anchor = 0;
	if (a->begin)
		return;
	while (c[a->lead_len] != '\0' && c[a->lead_len] != '\\' && c[a->lead_len] != '(' &&
	       c[a->lead_len] < 0x80)
		a->lead_len++;
	for (size_t k = 1; k < a->lead_len; k++)
		if (vg_pattern_byte_cost(c[k]) < vg_pattern_byte_cost(c[a->lead_anchor]))
			a->lead_anchor = k;
}

/*
 * A window of the alternative: two literal bytes g and f with only classes
 * (and group marks) between them. Every match consumes both literals
 * (orx_pick_literal(): all but a last byte right after an unquantified
 * class) and the bytes between them one by one, each by a token between
 * them that accepts it (a quantified class takes zero or more bytes, an
 * unquantified one exactly one): so the subject holds g, then bytes of
 * those classes, then f. Kept for unanchored alternatives when it says
 * more than the literal runs (some class between) and one end is a rare
 * byte (cost 10: one memchr that seldom stops); the rarest wins. It rules
 * out the cisco-ios prematch "\p*\w+...:\s+%" on web logs with a '%'.
 */
static void orx_pick_window(struct orx_alt *a)
{
	const unsigned char *c = a->code;
	size_t n = strlen((const char *)c);
	int best = 1000;
	uint16_t cls = 0;
	bool have_g = false;
	unsigned char g = 0;

	a->win_cls = 0;
	if (a->begin)
		return; /* anchored ones mostly fail or match early: not worth a scan */
	if (n >= 3 && c[n - 3] == '\\')
		n--; /* that last byte may go unconsumed */
	for (size_t i = 0; i < n; i++) {
		if (c[i] == '(')
			continue;
		if (c[i] == '\\') {
			cls |= (uint16_t)(1u << c[i + 1]);
			i++;
			if (i + 1 < n && orx_is_quant(c[i + 1]))
				i++;
			continue;
		}
		if (c[i] >= 0x80) {
			have_g = false; /* never matches: no window needed */
			continue;
		}
		bool gl = g >= 'a' && g <= 'z', fl = c[i] >= 'a' && c[i] <= 'z';
		if (have_g && cls != 0 && !(gl && fl)) {
			/* Search the rarer non-letter end; the other adds a little. */
			bool fwd =
			    fl || (!gl && vg_pattern_byte_cost(g) < vg_pattern_byte_cost(c[i]));
			unsigned char key = fwd ? g : c[i], other = fwd ? c[i] : g;
			int score = 4 * vg_pattern_byte_cost(key) + vg_pattern_byte_cost(other);
			if (score < best && vg_pattern_byte_cost(key) <= 10) {
				best = score;
				a->win_g = g;
				a->win_f = c[i];
				a->win_fwd = fwd;
				a->win_cls = cls;
			}
		}
		have_g = true;
		g = c[i];
		cls = 0;
	}
}

/* Splits off one alternative [beg, endp) of the encoded buffer. */
static int orx_init_alt(struct orx_alt *a, unsigned char *beg, unsigned char *endp, char *err,
                        size_t errlen)
{
	unsigned np = 0;

	*endp = '\0';
	if (*beg == '^') {
		beg++;
		a->begin = true;
	}
	if (endp > beg && endp[-1] == '$') {
		endp[-1] = '\0';
		endp--;
		a->end = true;
	}
	a->code = beg;
	for (unsigned char *p = beg; p < endp; p++)
		if (*p == '(')
			np++;
	if (np > ORX_MAX_PARENS)
		return vg_pattern_fail(err, errlen, "too many groups (at most %d)",
		                       VG_PATTERN_MAX_GROUPS);
	a->nparens = np;
	a->slot = calloc((size_t)(endp - beg) + 1, 1);
	if (!a->slot)
		return VG_ENOMEM;
	np = 0;
	for (unsigned char *p = beg; p < endp; p++)
		if (*p == '(')
			a->slot[p - beg] = (unsigned char)np++;
	orx_pick_literal(a);
	orx_pick_lead(a);
	orx_pick_window(a);
	return 0;
}

int vg_osregex_compile(const char *src, struct vg_osregex **out, char *err, size_t errlen)
{
	size_t len = strlen(src), nalts = 0;
	struct vg_osregex *rx = NULL;
	unsigned char *buf, *beg;
	int rc;

	*out = NULL;
	if (len > VG_PATTERN_MAX_LEN)
		return vg_pattern_fail(err, errlen, "pattern longer than %d bytes",
		                       VG_PATTERN_MAX_LEN);
	buf = malloc(len + 1);
	if (!buf)
		return VG_ENOMEM;
	rc = orx_encode(src, buf, &nalts, err, errlen);
	if (rc < 0)
		goto fail;
	rx = calloc(1, sizeof(*rx) + nalts * sizeof(rx->alts[0]));
	rc = VG_ENOMEM;
	if (!rx)
		goto fail;
	rx->buf = buf;
	rx->nalts = nalts;
	beg = buf;
	for (size_t i = 0; i < nalts; i++) {
		unsigned char *endp = beg;
		while (*endp != '\0' && *endp != '|')
			endp++;
		rc = orx_init_alt(&rx->alts[i], beg, endp, err, errlen);
		if (rc < 0)
			goto fail;
		if (rx->alts[i].nparens)
			rx->has_groups = true;
		if (rx->alts[i].nparens / 2 > rx->ngroups)
			rx->ngroups = rx->alts[i].nparens / 2;
		beg = endp + 1;
	}
	*out = rx;
	return 0;
fail:
	if (rx)
		vg_osregex_destroy(rx);
	else
		free(buf);
	return rc;
}

void vg_osregex_destroy(struct vg_osregex *rx)
{
	if (!rx)
		return;
	for (size_t i = 0; i < rx->nalts; i++)
		free(rx->alts[i].slot);
	free(rx->buf);
	free(rx);
}

unsigned vg_osregex_groups(const struct vg_osregex *rx)
{
	return rx->ngroups;
}

/* ---- literal pre-filter ----------------------------------------------- */

/* The per-alternative required literals, for the multi-pattern prefilter:
 * if one alternative has none, any subject may match. */
size_t vg_osregex_literal_count(const struct vg_osregex *rx)
{
	bool anchored = true;
	for (size_t i = 0; i < rx->nalts; i++) {
		const struct orx_alt *a = &rx->alts[i];
		if (a->pf_len == 0)
			return 0;
		if (!a->begin || a->lit_off != 0 || a->lit_len == 0)
			anchored = false;
	}
	/* '^' and a leading literal everywhere: the in-place check is cheaper. */
	return anchored ? 0 : rx->nalts;
}

/*
 * Every required literal run of alternative alt (at most max of them), the
 * same runs orx_pick_literal() chooses from: literal bytes are always
 * consumed by a match, except a last byte right after an unquantified class.
 */
size_t vg_osregex_alt_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max)
{
	const struct vg_osregex *rx = obj;
	const unsigned char *c = rx->alts[alt].code;
	size_t n = strlen((const char *)c), i = 0, start = 0, len = 0, nr = 0;

	if (n >= 3 && c[n - 3] == '\\')
		n--;
	while (i <= n) {
		if (i < n && c[i] != '\\' && c[i] != '(' && c[i] < 0x80) {
			if (len == 0)
				start = i;
			len++;
			i++;
			continue;
		}
		if (len && nr < max)
			runs[nr++] = (struct vg_lit_run){ c + start, len };
		len = 0;
		if (i < n && c[i] == '\\') {
			i += 2;
			if (i < n && orx_is_quant(c[i]))
				i++;
		} else {
			i++;
		}
	}
	return nr;
}

size_t vg_osregex_alt_count(const struct vg_osregex *rx)
{
	return rx->nalts;
}

bool vg_osregex_start_bytes(const struct vg_osregex *rx, size_t at, uint64_t set[4])
{
	memset(set, 0, 4 * sizeof(set[0]));
	for (size_t i = 0; i < rx->nalts; i++) {
		const struct orx_alt *a = &rx->alts[i];
		/* orx_exec() checks this leading literal in place (orx_ci_equal). */
		if (!a->begin || a->lit_off != 0 || a->lit_len <= at)
			return false;
		for (unsigned c = 0; c < 256; c++)
			if (orx_lower((unsigned char)c) == a->code[at])
				set[c / 64] |= UINT64_C(1) << (c % 64);
	}
	return rx->nalts > 0;
}

bool vg_osregex_single_literal(const struct vg_osregex *rx)
{
	const struct orx_alt *a = &rx->alts[0];
	return rx->nalts == 1 && !a->begin && a->code[0] != '\0' &&
	       strpbrk((const char *)a->code, "\\(") == NULL;
}

const char *vg_osregex_literal(const struct vg_osregex *rx, size_t i, size_t *len)
{
	*len = rx->alts[i].pf_len;
	return (const char *)rx->alts[i].code + rx->alts[i].pf_off;
}

static bool orx_ci_equal(const unsigned char *p, const unsigned char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (orx_lower(p[i]) != lit[i])
			return false;
	return true;
}

/* Does s (length slen) contain the alternative's required literal, ignoring case? */
static bool orx_has_literal(const struct orx_alt *a, const unsigned char *s, size_t slen)
{
	const unsigned char *lit = a->code + a->lit_off;
	size_t n = a->lit_len, k = a->lit_anchor;
	unsigned char lo = lit[k];

	if (slen < n)
		return false;
	/* The anchor byte may sit at positions k .. slen - n + k. */
	const unsigned char *p = s + k, *lim = s + slen - n + k + 1;
	if (lo < 'a' || lo > 'z') {
		while (p < lim && (p = memchr(p, lo, (size_t)(lim - p))) != NULL) {
			if (orx_ci_equal(p - k, lit, n))
				return true;
			p++;
		}
		return false;
	}
	const unsigned char *pl = memchr(p, lo, (size_t)(lim - p));
	const unsigned char *pu = memchr(p, lo - 32, (size_t)(lim - p));
	while (pl || pu) {
		const unsigned char *c = (!pu || (pl && pl < pu)) ? pl : pu;
		if (orx_ci_equal(c - k, lit, n))
			return true;
		if (c == pl)
			pl = c + 1 < lim ? memchr(c + 1, lo, (size_t)(lim - c - 1)) : NULL;
		else
			pu = c + 1 < lim ? memchr(c + 1, lo - 32, (size_t)(lim - c - 1)) : NULL;
	}
	return false;
}

/*
 * "^literal$" alternatives match exactly that text, ignoring case: the
 * matcher consumes the literal byte by byte from the start and '$' rejects
 * anything left over.
 */
size_t vg_osregex_exact_count(const struct vg_osregex *rx)
{
	for (size_t i = 0; i < rx->nalts; i++) {
		const struct orx_alt *a = &rx->alts[i];
		if (!a->begin || !a->end || a->code[0] == '\0' ||
		    strpbrk((const char *)a->code, "\\(") != NULL)
			return 0;
	}
	return rx->nalts;
}

const char *vg_osregex_exact(const struct vg_osregex *rx, size_t i, size_t *len)
{
	*len = strlen((const char *)rx->alts[i].code);
	return (const char *)rx->alts[i].code;
}

/* Does s (length slen) hold the alternative's window: win_g, bytes its
 * classes accept, win_f (literals compared as orx_lit_eq())? */
static bool orx_has_window(const struct orx_alt *a, const unsigned char *s, size_t slen)
{
	const unsigned char *end = s + slen;
	uint16_t cls = a->win_cls;
	if (a->win_fwd) {
		for (const unsigned char *p = s;
		     p < end && (p = memchr(p, a->win_g, (size_t)(end - p))); p++)
			for (const unsigned char *q = p + 1; q < end; q++) {
				if (orx_lit_eq(a->win_f, *q))
					return true;
				if (!(orx_class_bits[*q] & cls))
					break;
			}
		return false;
	}
	for (const unsigned char *p = s; p < end && (p = memchr(p, a->win_f, (size_t)(end - p)));
	     p++)
		for (const unsigned char *q = p; q > s; q--) {
			if (orx_lit_eq(a->win_g, q[-1]))
				return true;
			if (!(orx_class_bits[q[-1]] & cls))
				break;
		}
	return false;
}

/* ---- the matcher ------------------------------------------------------- */

static inline void orx_mark(struct orx_state *x, const unsigned char *p, ptrdiff_t pos)
{
	x->marks[x->a->slot[p - x->a->code]] = pos;
}

static void orx_push(struct orx_state *x)
{
	for (int i = 0; i < ORX_MAX_BT; i++) {
		if (!x->bt_pt[i]) {
			x->bt_pt[i] = x->pt;
			x->bt_st[i] = x->st;
			return;
		}
	}
}

/*
 * A quantified class matched again while already repeating: peek at the
 * token after it. If that token accepts the current byte, remember where we
 * are and move on to it. Returns true when the pattern ends right there, in
 * which case Wazuh skips updating the match position.
 */
static bool orx_lookahead(struct orx_state *x, const unsigned char *nx)
{
	unsigned char c = x->s[x->st];
	int ok = -1;

	if (*nx == '(')
		nx++;
	if (*nx == '\0') {
		ok = 1;
	} else if (*nx == '\\') {
		if (orx_class_has(nx[1], c))
			ok = orx_is_quant(nx[2]) ? 0 : 2;
	} else if (orx_lit_eq(*nx, c)) {
		x->greedy = false;
		ok = 1;
	}
	if (ok < 0)
		return false;
	if (nx[-1] == '(')
		orx_mark(x, nx - 1, (x->greedy && ok == 1) ? x->st + 1 : x->st);
	if (*nx == '\0')
		return true;
	orx_push(x);
	x->pt = nx + ok;
	return false;
}

/*
 * A quantified class is repeating (greedy) and the token after it, nx
 * (maybe behind a group mark), has just refused the current byte. Each
 * following byte the class accepts and nx refuses would take the same
 * path one step at a time: match, look ahead in vain, remember it as the
 * last matched byte. Skips over all of them at once, leaving x->st on the
 * last; the caller records it in x->last.
 */
static void orx_repeat(struct orx_state *x, unsigned char cls, const unsigned char *nx)
{
	if (*nx == '(')
		nx++;
	if (*nx == '\0')
		return; /* the pattern ends after the class: handled by the lookahead */
	const unsigned char *s = x->s;
	ptrdiff_t st = x->st, lim = x->slen - 1; /* the subject has no NUL before slen */
	unsigned have = 1u << cls;
	if (*nx == '\\') {
		/* The class accepts, the token's class refuses: one mask test. */
		unsigned want = have | 1u << nx[1];
		if (want != have)
			while (st < lim && (orx_class_bits[s[st + 1]] & want) == have)
				st++;
	} else {
		while (st < lim && (orx_class_bits[s[st + 1]] & have) &&
		       orx_lit_fold[s[st + 1]] != *nx)
			st++;
	}
	x->st = st;
}

/* The current token is a class (x->pt points at its backslash). */
static int orx_step_class(struct orx_state *x)
{
	const unsigned char *pt = x->pt;

	if (orx_class_has(pt[1], x->s[x->st])) {
		const unsigned char *nx = pt + 2;
		if (!orx_is_quant(*nx)) {
			x->pt = nx;
			if (x->restart == ORX_NONE)
				x->restart = x->st;
			x->last = x->st;
			return ORX_NEXT;
		}
		if (*nx == '*')
			x->greedy = true;
		if (x->greedy) {
			if (orx_lookahead(x, nx + 1))
				return ORX_NEXT;
			if (x->fast && x->pt == pt)
				orx_repeat(x, pt[1], nx + 1);
		} else {
			nx++;
			if (*nx == '(')
				orx_mark(x, nx, x->s[x->st + 1] == '\0' ? x->st + 1 : x->st);
			x->greedy = true;
		}
		x->last = x->st;
		return ORX_NEXT;
	}
	if ((pt[2] == '\0' || pt[3] == '\0') && x->greedy && x->last != ORX_NONE) {
		x->last = x->st;
		if (!x->a->end)
			return ORX_MATCH;
	} else if (pt[2] == '+' && x->greedy) {
		x->pt = pt + 3;
		x->st--;
		x->greedy = false;
		return ORX_NEXT;
	} else if (pt[2] == '*') {
		x->pt = pt + 3;
		x->st--;
		x->last = x->st;
		x->greedy = false;
		return ORX_NEXT;
	}
	x->greedy = false;
	return ORX_FAIL;
}

/* A token failed: resume from the newest restart point, or start over. */
static bool orx_recover(struct orx_state *x)
{
	for (int i = ORX_MAX_BT - 1; i >= 0; i--) {
		if (x->bt_pt[i]) {
			x->pt = x->bt_pt[i];
			x->st = x->bt_st[i];
			x->bt_pt[i] = NULL;
			return true;
		}
	}
	if (x->a->begin)
		return false; /* '^' never retries further along */
	if (x->restart != ORX_NONE) {
		x->st = x->restart;
		x->restart = ORX_NONE;
	}
	x->pt = x->a->code;
	x->last = ORX_NONE;
	return true;
}

/* Skips one group mark, then tells whether the pattern is exhausted. */
static bool orx_at_end(const unsigned char **p)
{
	if (**p == '(')
		(*p)++;
	return **p == '\0';
}

/* Subject exhausted: accept if only optional tokens remain (Wazuh's rules). */
static ptrdiff_t orx_finish(struct orx_state *x, bool has_groups)
{
	const unsigned char *p = x->pt;

	if (has_groups) {
		while (*p == '\\' && p[2] == '*')
			p += 3;
		if (*p == '(')
			orx_mark(x, p, x->st);
	}
	if (orx_at_end(&p))
		return x->last;
	if (*p == '\\' && x->greedy) {
		p += 2;
		if (orx_is_quant(*p)) {
			p++;
			if (orx_at_end(&p))
				return x->last;
			if (*p == '\\') {
				p += 2;
				if (*p == '*') {
					p++;
					if (orx_at_end(&p))
						return x->last;
				}
			}
		}
	}
	if (*p == '\\') {
		p += 2;
		if (*p == '*') {
			p++;
			if (orx_at_end(&p))
				return x->last;
		}
	}
	return ORX_NONE;
}

/*
 * Where the next search for an alternative's leading literal may start:
 * the subject (length slen) and, per case of the anchor byte, the last
 * position searched from and the first occurrence found there (a position
 * at or past the search limit when none). Searches only move forward, so
 * one attempt costs O(slen) in memchr however often the matcher restarts.
 */
struct orx_lead {
	const unsigned char *s;
	size_t slen;
	ptrdiff_t from[2], at[2];
};

/* Next position at or after from of the byte (lower case b, or b - 32 when
 * upper is set) within [from, lim). */
static ptrdiff_t orx_lead_next(struct orx_lead *l, int upper, unsigned char b, ptrdiff_t from,
                               ptrdiff_t lim)
{
	if (l->from[upper] < 0 || from < l->from[upper] || from > l->at[upper]) {
		const unsigned char *p =
		    memchr(l->s + from, upper ? b - 32 : b, (size_t)(lim - from));
		l->from[upper] = from;
		l->at[upper] = p ? p - l->s : lim;
	}
	return l->at[upper];
}

/*
 * The first position at or after from where the whole leading literal of a
 * matches (ignoring case, as orx_lit_eq()), or -1. Standing at the start of
 * its pattern, the matcher fails and restarts one byte further at every
 * other position, and consumes the literal where it matches, so jumping
 * there changes nothing but the time taken.
 */
static ptrdiff_t orx_lead_find(const struct orx_alt *a, struct orx_lead *l, ptrdiff_t from)
{
	const unsigned char *lit = a->code;
	size_t n = a->lead_len, k = a->lead_anchor;
	unsigned char b = lit[k];
	bool letter = b >= 'a' && b <= 'z';
	if (l->slen < n)
		return -1;
	ptrdiff_t lim = (ptrdiff_t)(l->slen - n + k + 1); /* anchor positions < lim */
	for (;;) {
		ptrdiff_t p0 = from + (ptrdiff_t)k;
		if (p0 >= lim)
			return -1;
		ptrdiff_t c = orx_lead_next(l, 0, b, p0, lim);
		if (letter) {
			ptrdiff_t u = orx_lead_next(l, 1, b, p0, lim);
			if (u < c)
				c = u;
		}
		if (c >= lim)
			return -1;
		if (orx_ci_equal(l->s + c - k, lit, n))
			return c - (ptrdiff_t)k;
		from = c - (ptrdiff_t)k + 1;
	}
}

/* Runs one alternative; returns the position of the last matched byte
 * (-1 is possible, as in Wazuh) or ORX_NONE. With slen (the subject's
 * length, else SIZE_MAX: the plain reference matcher) it takes shortcuts:
 * jumps between candidate start positions and over class repetitions. */
static ptrdiff_t orx_run(const struct orx_alt *a, const unsigned char *s, size_t slen,
                         ptrdiff_t *marks, bool has_groups)
{
	struct orx_state x = {
		.a = a, .s = s, .marks = marks, .pt = a->code, .last = 0, .restart = ORX_NONE
	};
	struct orx_lead lead = { s, slen, { -1, -1 }, { 0, 0 } };
	bool jump = a->lead_len && slen != SIZE_MAX;
	x.fast = slen != SIZE_MAX;
	x.slen = x.fast ? (ptrdiff_t)slen : 0;

	for (x.st = 0; s[x.st] != '\0'; x.st++) {
		int r;
		if (jump && x.pt == a->code) {
			/* At the start of the pattern (no restart point, no
			 * remembered positions): go to the next place where the
			 * leading literal matches, as if consumed byte by byte. */
			ptrdiff_t q = orx_lead_find(a, &lead, x.st);
			if (q < 0)
				return ORX_NONE;
			x.restart = q;
			x.st = q + (ptrdiff_t)a->lead_len - 1;
			x.last = x.st;
			x.pt = a->code + a->lead_len;
			continue;
		}
		if (*x.pt == '\0') {
			if (!a->end)
				return x.last;
		} else if (*x.pt == '(') {
			orx_mark(&x, x.pt, x.st);
			x.pt++;
			if (*x.pt == '\0' && !a->end)
				return x.last;
		}
		if (*x.pt == '\\') {
			r = orx_step_class(&x);
		} else if (*x.pt != '\0' && orx_lit_eq(*x.pt, s[x.st])) {
			x.pt++;
			if (x.restart == ORX_NONE)
				x.restart = x.st;
			x.last = x.st;
			r = ORX_NEXT;
		} else {
			r = ORX_FAIL;
		}
		if (r == ORX_MATCH)
			return x.last;
		if (r == ORX_FAIL && !orx_recover(&x))
			return ORX_NONE;
	}
	return orx_finish(&x, has_groups);
}

/* Turns recorded group marks into captures, pairwise, as Wazuh does. */
static bool orx_fill(const struct orx_alt *a, const char *subject, const ptrdiff_t *marks,
                     ptrdiff_t pos, struct vg_match *m)
{
	unsigned k = 0;

	for (unsigned j = 0; j + 1 < a->nparens; j += 2) {
		if (marks[j] == ORX_NONE || marks[j + 1] == ORX_NONE)
			break;
		/* Wazuh would malloc a huge length here and fail (or crash). */
		if (marks[j + 1] < marks[j])
			return false;
		m->groups[k].start = subject + marks[j];
		m->groups[k].len = (size_t)(marks[j + 1] - marks[j]);
		k++;
	}
	m->ngroups = k;
	m->last = subject + (pos < 0 ? 0 : pos);
	if (pos < 0)
		m->end = subject;
	else
		m->end = subject[pos] != '\0' ? subject + pos + 1 : subject + pos;
	return true;
}

static bool orx_exec(const struct vg_osregex *rx, const char *subject, size_t slen,
                     struct vg_match *m, bool prefilter)
{
	const unsigned char *s = (const unsigned char *)subject;
	ptrdiff_t marks[ORX_MAX_PARENS];

	for (size_t i = 0; i < rx->nalts; i++) {
		const struct orx_alt *a = &rx->alts[i];
		if (prefilter && a->begin && a->lit_off == 0 && a->lit_len) {
			/* '^' plus a leading literal: it must sit at the start (a
			 * mismatch stops at the subject's NUL). */
			if (!orx_ci_equal(s, a->code, a->lit_len))
				continue;
		} else if (prefilter && a->lit_len) {
			if (slen == SIZE_MAX)
				slen = strlen(subject);
			if (!orx_has_literal(a, s, slen))
				continue;
		}
		if (prefilter && slen == SIZE_MAX)
			slen = strlen(subject);
		if (prefilter && a->win_cls && !orx_has_window(a, s, slen))
			continue;
		for (unsigned j = 0; j < a->nparens; j++)
			marks[j] = ORX_NONE;
		ptrdiff_t pos = orx_run(a, s, prefilter ? slen : SIZE_MAX, marks, rx->has_groups);
		if (pos == ORX_NONE)
			continue;
		if (!m)
			return true;
		return orx_fill(a, subject, marks, pos, m);
	}
	return false;
}

bool vg_osregex_exec(const struct vg_osregex *rx, const char *subject, struct vg_match *m)
{
	return orx_exec(rx, subject, SIZE_MAX, m, true);
}

bool vg_osregex_exec_len(const struct vg_osregex *rx, const char *subject, size_t len,
                         struct vg_match *m)
{
	return orx_exec(rx, subject, len, m, true);
}

bool vg_osregex_exec_nofilter(const struct vg_osregex *rx, const char *subject, struct vg_match *m)
{
	return orx_exec(rx, subject, SIZE_MAX, m, false);
}
