/*
 * ruleset_spec.c - the files that make a ruleset: directories, single files,
 * lists, a Wazuh ruleset root, and the preparation Wazuh's test runner makes
 * of its ruleset (see vigil/ruleset_spec.h).
 */
#include "vigil/ruleset_spec.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/buf.h"
#include "vigil/file.h"

static char *own(struct vg_ruleset_spec *ra, char *s)
{
	if (s && ra->nowned < sizeof(ra->owned) / sizeof(ra->owned[0]))
		ra->owned[ra->nowned++] = s;
	else if (s) {
		free(s);
		s = NULL;
	}
	return s;
}

static char *joinpath(struct vg_ruleset_spec *ra, const char *a, const char *b)
{
	struct vg_buf buf;
	vg_buf_init(&buf, 0);
	if (vg_buf_printf(&buf, "%s/%s", a, b) != VG_OK) {
		vg_buf_free(&buf);
		return NULL;
	}
	return own(ra, vg_buf_detach(&buf));
}

/* Declares every list file under root/lists as "etc/lists/<relative path>",
 * the names Wazuh's rules use. */
static void add_wazuh_lists(struct vg_ruleset_spec *ra, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && ra->nlists < VG_SPEC_MAX) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".cdb"))
			continue;
		char *path = joinpath(ra, dir, de->d_name);
		char *name = joinpath(ra, rel, de->d_name);
		struct stat st;
		if (!path || !name || stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			add_wazuh_lists(ra, path, name);
		} else if (S_ISREG(st.st_mode)) {
			ra->lists[ra->nlists].name = name;
			ra->lists[ra->nlists].path = path;
			ra->nlists++;
		}
	}
	closedir(d);
}

static char *read_text(const char *path)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	if (vg_file_read(path, &b) != VG_OK) {
		vg_buf_free(&b);
		return NULL;
	}
	return vg_buf_detach(&b);
}

/* Rule 60000 as Wazuh's runner prepares it: no <category>, decoded as json. */
static char *prepare_win_base(const char *text)
{
	const char *start = strstr(text, "<rule id=\"60000\"");
	const char *end = start ? strstr(start, "</rule>") : NULL;
	if (!end)
		return NULL;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	vg_buf_add(&b, text, (size_t)(start - text));
	const char *p = start;
	while (p < end) {
		const char *cat = strstr(p, "<category>");
		const char *dec = strstr(p, "<decoded_as>");
		const char *next = NULL;
		if (cat && cat < end && (!dec || cat < dec)) {
			vg_buf_add(&b, p, (size_t)(cat - p));
			const char *ce = strstr(cat, "</category>");
			next = ce ? ce + strlen("</category>") : end;
		} else if (dec && dec < end) {
			vg_buf_add(&b, p, (size_t)(dec - p));
			vg_buf_addstr(&b, "<decoded_as>json</decoded_as>");
			const char *de = strstr(dec, "</decoded_as>");
			next = de ? de + strlen("</decoded_as>") : end;
		} else {
			vg_buf_add(&b, p, (size_t)(end - p));
			next = end;
		}
		p = next;
	}
	vg_buf_addstr(&b, end);
	return vg_buf_detach(&b);
}

static int add_testing_files(struct vg_ruleset_spec *ra, const char *root)
{
	char *dir = joinpath(ra, root, "testing/ruleset");
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return VG_ENOENT;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (strncmp(n, "test_", 5) != 0 || len < 5 || strcmp(n + len - 4, ".xml") != 0)
			continue;
		char *path = joinpath(ra, dir, n);
		char *name = own(ra, strdup(n));
		struct vg_ruleset_file f = { .name = name, .path = path, .text = NULL };
		if (!path || !name)
			continue;
		if (len > 13 && strcmp(n + len - 13, "_decoders.xml") == 0 &&
		    ra->ndecf < VG_SPEC_MAX)
			ra->decoder_files[ra->ndecf++] = f;
		else if (len > 10 && strcmp(n + len - 10, "_rules.xml") == 0 &&
		         ra->nrulf < VG_SPEC_MAX)
			ra->rule_files[ra->nrulf++] = f;
	}
	closedir(d);
	return VG_OK;
}

static int add_windows_as_json(struct vg_ruleset_spec *ra, const char *root)
{
	char *rules = joinpath(ra, root, "rules/0575-win-base_rules.xml");
	char *text = rules ? read_text(rules) : NULL;
	char *prepared = text ? own(ra, prepare_win_base(text)) : NULL;
	free(text);
	if (prepared && ra->nrulf < VG_SPEC_MAX && ra->nexcl < VG_SPEC_MAX) {
		ra->exclude[ra->nexcl++] = "0575-win-base_rules.xml";
		struct vg_ruleset_file f = { .name = "0575-win-base_rules.xml",
			                     .path = rules,
			                     .text = prepared };
		ra->rule_files[ra->nrulf++] = f;
		return VG_OK;
	}
	return VG_ENOENT;
}

int vg_ruleset_spec_add_decoder_dir(struct vg_ruleset_spec *s, const char *dir)
{
	if (s->ndec == VG_SPEC_MAX)
		return VG_ELIMIT;
	s->decoder_dirs[s->ndec++] = dir;
	return VG_OK;
}

int vg_ruleset_spec_add_rule_dir(struct vg_ruleset_spec *s, const char *dir)
{
	if (s->nrul == VG_SPEC_MAX)
		return VG_ELIMIT;
	s->rule_dirs[s->nrul++] = dir;
	return VG_OK;
}

int vg_ruleset_spec_add_sigma_dir(struct vg_ruleset_spec *s, const char *dir)
{
	if (s->nsigma == VG_SPEC_MAX)
		return VG_ELIMIT;
	s->sigma_dirs[s->nsigma++] = dir;
	return VG_OK;
}

int vg_ruleset_spec_add_list(struct vg_ruleset_spec *s, const char *name, const char *path)
{
	if (s->nlists == VG_SPEC_MAX)
		return VG_ELIMIT;
	s->lists[s->nlists].name = name;
	s->lists[s->nlists].path = path;
	s->nlists++;
	return VG_OK;
}

int vg_ruleset_spec_add_wazuh(struct vg_ruleset_spec *s, const char *root, unsigned flags)
{
	char *dec = joinpath(s, root, "decoders"), *rul = joinpath(s, root, "rules");
	char *lists = joinpath(s, root, "lists");
	if (!dec || !rul || !lists)
		return VG_ENOMEM;
	int rc = vg_ruleset_spec_add_decoder_dir(s, dec);
	if (rc == VG_OK)
		rc = vg_ruleset_spec_add_rule_dir(s, rul);
	if (rc == VG_OK)
		add_wazuh_lists(s, lists, "etc/lists");
	if (rc == VG_OK && (flags & VG_WAZUH_TEST_RULESET))
		rc = add_testing_files(s, root);
	if (rc == VG_OK && (flags & VG_WAZUH_WINDOWS_AS_JSON))
		rc = add_windows_as_json(s, root);
	return rc;
}

int vg_ruleset_spec_load(const struct vg_ruleset_spec *s, struct vg_ruleset **out,
                         struct vg_diag *diag)
{
	struct vg_ruleset_opts o = {
		.decoder_dirs = s->decoder_dirs,
		.ndecoder_dirs = s->ndec,
		.rule_dirs = s->rule_dirs,
		.nrule_dirs = s->nrul,
		.decoder_files = s->decoder_files,
		.ndecoder_files = s->ndecf,
		.rule_files = s->rule_files,
		.nrule_files = s->nrulf,
		.exclude = s->exclude,
		.nexclude = s->nexcl,
		.lists = s->lists,
		.nlists = s->nlists,
		.builtin = !s->no_builtin,
		.sigma_dirs = s->sigma_dirs,
		.nsigma_dirs = s->nsigma,
	};
	return vg_ruleset_load(&o, out, diag);
}

void vg_ruleset_spec_free(struct vg_ruleset_spec *s)
{
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	s->nowned = 0;
}
