/*
 * ruleset_spec.h - describes which files make a ruleset, including a Wazuh
 * ruleset root laid out as Wazuh ships it (decoders/, rules/, lists/), and
 * the preparation Wazuh's own test runner makes of it (testing/ruleset/
 * test_* files added, rule 60000 taking Windows events as plain JSON).
 * Programs fill a spec from their options and load it.
 */
#ifndef VIGIL_RULESET_SPEC_H
#define VIGIL_RULESET_SPEC_H

#include <stdbool.h>

#include "vigil/engine.h"

#define VG_SPEC_MAX 64

struct vg_ruleset_spec {
	const char *decoder_dirs[VG_SPEC_MAX];
	const char *rule_dirs[VG_SPEC_MAX];
	struct vg_list_decl lists[VG_SPEC_MAX];
	struct vg_ruleset_file decoder_files[VG_SPEC_MAX];
	struct vg_ruleset_file rule_files[VG_SPEC_MAX];
	const char *exclude[VG_SPEC_MAX];
	const char *sigma_dirs[VG_SPEC_MAX]; /* Sigma rules (*.yml below each) */
	size_t ndec, nrul, nlists, ndecf, nrulf, nexcl, nsigma;
	bool no_builtin;
	char *owned[4 * VG_SPEC_MAX]; /* strings the spec allocated */
	size_t nowned;
};

/* Adds to the spec; the strings must outlive it. VG_ELIMIT when full. */
int vg_ruleset_spec_add_decoder_dir(struct vg_ruleset_spec *s, const char *dir);
int vg_ruleset_spec_add_rule_dir(struct vg_ruleset_spec *s, const char *dir);
int vg_ruleset_spec_add_list(struct vg_ruleset_spec *s, const char *name, const char *path);
int vg_ruleset_spec_add_sigma_dir(struct vg_ruleset_spec *s, const char *dir);

/* What vg_ruleset_spec_add_wazuh() adds beside decoders, rules and lists. */
enum vg_wazuh_flags {
	/* root/testing/ruleset/test_*_decoders.xml and test_*_rules.xml */
	VG_WAZUH_TEST_RULESET = 1u << 0,
	/* rule 60000 decoded as "json" without its category, so Windows
	 * event-channel events given as flattened JSON lines reach the Windows
	 * rules (Wazuh's test runner does the same) */
	VG_WAZUH_WINDOWS_AS_JSON = 1u << 1,
};

/*
 * Adds a Wazuh ruleset root: root/decoders, root/rules and every list under
 * root/lists, declared as "etc/lists/<relative path>" as Wazuh's default
 * configuration does, plus what flags ask for. VG_ENOENT when a requested
 * part cannot be found.
 */
int vg_ruleset_spec_add_wazuh(struct vg_ruleset_spec *s, const char *root, unsigned flags);

/* Loads the ruleset the spec describes; diagnostics go to diag. */
int vg_ruleset_spec_load(const struct vg_ruleset_spec *s, struct vg_ruleset **out,
                         struct vg_diag *diag);
/* Frees what the spec allocated (not the spec itself). */
void vg_ruleset_spec_free(struct vg_ruleset_spec *s);

#endif
