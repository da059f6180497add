/*
 * test_xml.c - unit tests of the lenient XML reader: Wazuh's relaxed syntax,
 * <var> substitution, error diagnostics with positions, and a sweep that
 * parses every shipped decoder, rule and test-ruleset file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_test.h"
#include "vigil/xml.h"

static struct vg_xml_doc *parse_ok(const char *text)
{
	struct vg_xml_doc *doc = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_xml_parse_buffer(text, strlen(text), "t.xml", &doc, &d);
	if (rc != VG_OK)
		vg_diag_print(&d, stderr);
	assert_int_equal(rc, VG_OK);
	assert_non_null(doc);
	assert_int_equal(d.errors, 0);
	vg_diag_free(&d);
	return doc;
}

/* Expects a parse error; checks its position and that msg occurs in the text. */
static void parse_err(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct vg_xml_doc *doc = (struct vg_xml_doc *)1;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_xml_parse_buffer(text, strlen(text), "bad.xml", &doc, &d);
	assert_int_equal(rc, VG_EPARSE);
	assert_null(doc);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.msgs[0].file, "bad.xml");
	if (!strstr(d.msgs[0].text, msg))
		fail_msg("message '%s' lacks '%s'", d.msgs[0].text, msg);
	assert_int_equal(d.msgs[0].line, line);
	assert_int_equal(d.msgs[0].col, col);
	vg_diag_free(&d);
}

static void test_several_roots_comments_prolog(void **state)
{
	(void)state;
	struct vg_xml_doc *doc = parse_ok("<?xml version=\"1.0\"?>\n"
	                                  "<!-- header -->\n"
	                                  "<decoder name=\"a\">\n"
	                                  "  <prematch>^foo</prematch><!-- inline -->\n"
	                                  "</decoder>\n"
	                                  "<decoder name='b'><parent>a</parent></decoder>\n"
	                                  "<!-- W3C and Wazuh's own end !>\n"
	                                  "<group name=\"x,\"/>\n");
	assert_int_equal(doc->nroots, 3);
	assert_string_equal(doc->roots[0].name, "decoder");
	assert_string_equal(vg_xml_attr(&doc->roots[0], "name"), "a");
	assert_null(vg_xml_attr(&doc->roots[0], "Name"));
	assert_int_equal(doc->roots[0].line, 3);
	assert_int_equal(doc->roots[0].col, 1);
	assert_int_equal(doc->roots[0].nchildren, 1);
	assert_string_equal(doc->roots[0].children[0].name, "prematch");
	assert_string_equal(doc->roots[0].children[0].content, "^foo");
	assert_int_equal(doc->roots[0].children[0].line, 4);
	assert_int_equal(doc->roots[0].children[0].col, 3);
	assert_string_equal(vg_xml_attr(&doc->roots[1], "name"), "b");
	assert_string_equal(doc->roots[1].children[0].content, "a");
	assert_string_equal(doc->roots[2].name, "group");
	assert_string_equal(doc->roots[2].content, "");
	assert_int_equal(doc->roots[2].nchildren, 0);
	assert_string_equal(vg_xml_attr(&doc->roots[2], "name"), "x,");
	vg_xml_doc_destroy(doc);
}

static void test_raw_text_is_kept(void **state)
{
	(void)state;
	struct vg_xml_doc *doc = parse_ok("<r>"
	                                  "<regex> a&b \\<tag> &amp; </regex>"
	                                  "<m>x\\\\</m>"
	                                  "<c>one<!-- gone -->two</c>"
	                                  "<e></e>"
	                                  "<f a = \"1\" b='x>y' />"
	                                  "</r>");
	const struct vg_xml_node *r = &doc->roots[0];
	assert_int_equal(r->nchildren, 5);
	/* Leading and trailing spaces matter for regexes: Wazuh keeps them. */
	assert_string_equal(r->children[0].content, " a&b \\<tag> &amp; ");
	/* An even run of backslashes does not escape the '<'. */
	assert_string_equal(r->children[1].content, "x\\\\");
	assert_string_equal(r->children[2].content, "onetwo");
	assert_string_equal(r->children[3].content, "");
	assert_string_equal(vg_xml_attr(&r->children[4], "a"), "1");
	assert_string_equal(vg_xml_attr(&r->children[4], "b"), "x>y");
	assert_int_equal(r->children[4].nattrs, 2);
	vg_xml_doc_destroy(doc);
}

static void test_mixed_content_keeps_text(void **state)
{
	(void)state;
	struct vg_xml_doc *doc = parse_ok("<a>\n  head <b>x</b>\n tail  \n</a>"
	                                  "<g>\n  <rule/>\n</g>");
	assert_string_equal(doc->roots[0].content, "head \n tail");
	assert_int_equal(doc->roots[0].nchildren, 1);
	assert_string_equal(doc->roots[1].content, "");
	vg_xml_doc_destroy(doc);
}

static void test_variables(void **state)
{
	(void)state;
	struct vg_xml_doc *doc =
	    parse_ok("<var name=\"BAD_WORDS\">core_dumped|failure</var>\n"
	             "<var name='ip'>10.0.0.1</var>\n"
	             "<group name=\"g\">\n"
	             "  <rule id=\"1\" level=\"$IP\">\n"
	             "    <match>$BAD_WORDS|error</match>\n"
	             "    <regex>^foo$|bar$</regex>\n"
	             "    <description>user $(srcuser) from $ip.</description>\n"
	             "    <x>$bad_words,$IP $$BAD_WORDS</x>\n"
	             "    <short>$A</short>\n"
	             "  </rule>\n"
	             "</group>\n"
	             "<var name=\"IP\">ignored: the first definition wins</var>\n"
	             "<y>$IP</y>\n");
	assert_int_equal(doc->nroots, 5);
	assert_string_equal(doc->roots[0].name, "var");
	assert_string_equal(doc->roots[0].content, "core_dumped|failure");
	const struct vg_xml_node *rule = &doc->roots[2].children[0];
	assert_string_equal(vg_xml_attr(rule, "level"), "10.0.0.1");
	assert_string_equal(rule->children[0].content, "core_dumped|failure|error");
	assert_string_equal(rule->children[1].content, "^foo$|bar$");
	assert_string_equal(rule->children[2].content, "user $(srcuser) from 10.0.0.1.");
	assert_string_equal(rule->children[3].content,
	                    "core_dumped|failure,10.0.0.1 $core_dumped|failure");
	/* Texts of two bytes or fewer are never substituted (Wazuh). */
	assert_string_equal(rule->children[4].content, "$A");
	assert_string_equal(doc->roots[4].content, "10.0.0.1");
	vg_xml_doc_destroy(doc);
}

static void test_variable_errors(void **state)
{
	(void)state;
	parse_err("<var name=\"A1\">x</var><a>\n <b>use $LATER</b></a><var name=\"LATER\">x</var>",
	          2, 2, "unknown variable '$LATER'");
	parse_err("<var id=\"x\">v</var>", 1, 1, "only a 'name' attribute");
	parse_err("<var>v</var>", 1, 1, "expected <var name=");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	parse_err("<a>\n  <b>text</a>", 2, 10, "mismatched closing tag </a>: expected </b>");
	parse_err("<a>\n<b>x</b>\n", 1, 1, "element <a> opened here is not closed");
	parse_err("<a>x</a>\n<!-- open", 2, 1, "end of file inside the comment");
	parse_err("<a x=1>", 1, 6, "expected a quote");
	parse_err("<a x>", 1, 4, "attribute 'x' has no value");
	parse_err("<a x=\"1\"y=\"2\">", 1, 9, "expected a space, '>' or '/>'");
	parse_err("<a x=\"1\" x='2'></a>", 1, 10, "defined twice");
	parse_err("<a\n x=\"never closed", 2, 4, "end of file inside the value");
	parse_err("</a>", 1, 1, "without an opening tag");
	parse_err("<>", 1, 1, "expected an element name");
	parse_err("<a", 1, 1, "end of file inside a tag");
}

static void test_limits_never_crash(void **state)
{
	(void)state;
	enum { DEPTH = 5000 };
	char *deep = malloc(DEPTH * 3 + 1);
	assert_non_null(deep);
	for (int i = 0; i < DEPTH; i++)
		memcpy(deep + i * 3, "<a>", 3);
	deep[DEPTH * 3] = '\0';
	struct vg_xml_doc *doc = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_xml_parse_buffer(deep, strlen(deep), NULL, &doc, &d), VG_EPARSE);
	assert_null(doc);
	assert_non_null(strstr(d.msgs[0].text, "deeper than"));
	vg_diag_free(&d);
	free(deep);

	/* An embedded NUL ends the text; an empty input has no roots. */
	const char nul[] = "<a>x</a>\0<b>";
	doc = NULL;
	assert_int_equal(vg_xml_parse_buffer(nul, sizeof(nul) - 1, "n", &doc, NULL), VG_OK);
	assert_int_equal(doc->nroots, 1);
	vg_xml_doc_destroy(doc);
	assert_int_equal(vg_xml_parse_buffer("", 0, "e", &doc, NULL), VG_OK);
	assert_int_equal(doc->nroots, 0);
	vg_xml_doc_destroy(doc);
	vg_xml_doc_destroy(NULL);
	assert_int_equal(vg_xml_parse_file("/nonexistent/x.xml", &doc, NULL), VG_ENOENT);
	assert_null(doc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parses every .xml file of one data directory; returns the number of files. */
static unsigned parse_dir(const char *rel, unsigned *roots, unsigned *failures)
{
	char dir[4096];
	vg_test_require_data(dir, sizeof(dir), rel);
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	char *names[1024];
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < 1024) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct vg_xml_doc *doc = NULL;
		struct vg_diag d;
		vg_diag_init(&d);
		if (vg_xml_parse_file(path, &doc, &d) != VG_OK) {
			vg_diag_print(&d, stderr);
			(*failures)++;
		} else {
			if (doc->nroots == 0) {
				fprintf(stderr, "%s: no root element\n", path);
				(*failures)++;
			}
			*roots += doc->nroots;
		}
		vg_xml_doc_destroy(doc);
		vg_diag_free(&d);
		free(names[i]);
	}
	return n;
}

static void test_whole_ruleset_parses(void **state)
{
	(void)state;
	unsigned roots = 0, failures = 0;
	unsigned nd = parse_dir("wazuh-ruleset/decoders", &roots, &failures);
	unsigned nr = parse_dir("wazuh-ruleset/rules", &roots, &failures);
	unsigned nt = parse_dir("wazuh-ruleset/testing/ruleset", &roots, &failures);
	printf("parsed %u decoder, %u rule and %u test-ruleset files: %u roots\n", nd, nr, nt,
	       roots);
	assert_true(nd > 100);
	assert_true(nr > 100);
	assert_true(nt > 0);
	assert_true(roots > nd + nr);
	assert_int_equal(failures, 0);
}

static void test_ruleset_content_sample(void **state)
{
	(void)state;
	char path[4096];
	vg_test_require_data(path, sizeof(path), "wazuh-ruleset/rules/0020-syslog_rules.xml");
	struct vg_xml_doc *doc = NULL;
	assert_int_equal(vg_xml_parse_file(path, &doc, NULL), VG_OK);
	/* The file defines $BAD_WORDS and uses it in a <match>. */
	const char *bad = NULL;
	int uses = 0;
	for (unsigned i = 0; i < doc->nroots; i++) {
		const struct vg_xml_node *n = &doc->roots[i];
		if (strcmp(n->name, "var") == 0 && strcmp(vg_xml_attr(n, "name"), "BAD_WORDS") == 0)
			bad = n->content;
		for (unsigned j = 0; n->nchildren && j < n->nchildren; j++)
			for (unsigned k = 0; k < n->children[j].nchildren; k++) {
				const char *c = n->children[j].children[k].content;
				assert_null(strstr(c, "$BAD_WORDS"));
				if (bad && strstr(c, bad))
					uses++;
			}
	}
	assert_non_null(bad);
	assert_true(uses > 0);
	vg_xml_doc_destroy(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_several_roots_comments_prolog),
		cmocka_unit_test(test_raw_text_is_kept),
		cmocka_unit_test(test_mixed_content_keeps_text),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_variable_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_limits_never_crash),
		cmocka_unit_test(test_whole_ruleset_parses),
		cmocka_unit_test(test_ruleset_content_sample),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
