/*
 * test_config.c - the YAML configuration: defaults, a full valid file, and
 * bad files whose errors must name the right line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigil/buf.h"
#include "vigil/config.h"
#include "vigil/error.h"

static int load(const char *text, struct vg_config *cfg, struct vg_diag *d)
{
	vg_diag_init(d);
	return vg_config_load_buffer(text, strlen(text), "t.yaml", cfg, d);
}

static void test_default(void **state)
{
	(void)state;
	struct vg_config cfg;
	assert_int_equal(vg_config_default(&cfg), 0);
	assert_int_equal(cfg.alerts.log_level, 3);
	assert_true(cfg.alerts.json);
	assert_true(cfg.alerts.log);
	assert_true(cfg.ruleset.include_builtin);
	assert_int_equal(cfg.ninputs, 7);
	assert_int_equal(cfg.inputs[0].type, VG_INPUT_FILE);
	assert_string_equal(cfg.inputs[0].path, "/var/log/auth.log");
	assert_string_equal(cfg.inputs[1].path, "/var/log/syslog");
	assert_int_equal(cfg.inputs[2].type, VG_INPUT_JOURNALD);
	assert_null(cfg.inputs[2].path);
	assert_int_equal(cfg.inputs[3].type, VG_INPUT_PROCESS);
	assert_int_equal(cfg.inputs[4].type, VG_INPUT_PORTS);
	assert_int_equal(cfg.inputs[5].type, VG_INPUT_FIM);
	assert_string_equal(cfg.inputs[5].fim->paths[0].path, "/etc");
	assert_true(cfg.inputs[5].fim->paths[0].realtime);
	assert_false(cfg.inputs[5].fim->paths[1].realtime); /* /usr/bin: scheduled scans */
	assert_int_equal(cfg.inputs[6].type, VG_INPUT_SCA);
	assert_true(cfg.inputs[6].sca->builtin);
	assert_null(cfg.manager_name);
	vg_config_destroy(&cfg);
	vg_config_destroy(&cfg); /* zeroed: harmless */
}

static const char full[] = "data_dir: /srv/vigil\n"
                           "log_dir: /srv/vigil/logs\n"
                           "manager_name: hub\n"
                           "alerts:\n"
                           "  log_level: 7\n"
                           "  json: yes\n"
                           "  log: false\n"
                           "ruleset:\n"
                           "  decoder_dirs: [/etc/vigil/decoders, /opt/d]\n"
                           "  rule_dirs:\n"
                           "    - /etc/vigil/rules\n"
                           "  lists:\n"
                           "    - {name: etc/lists/audit-keys, path: /etc/vigil/lists/audit-keys}\n"
                           "  include_builtin: false\n"
                           "  exclude_files: [0215-policy_rules.xml]\n"
                           "inputs:\n"
                           "  - type: file\n"
                           "    path: /var/log/*.json\n"
                           "    format: json\n"
                           "  - type: journald\n";

static void test_full(void **state)
{
	(void)state;
	struct vg_config cfg;
	struct vg_diag d;
	assert_int_equal(load(full, &cfg, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_string_equal(cfg.data_dir, "/srv/vigil");
	assert_string_equal(cfg.log_dir, "/srv/vigil/logs");
	assert_string_equal(cfg.manager_name, "hub");
	assert_int_equal(cfg.alerts.log_level, 7);
	assert_true(cfg.alerts.json);
	assert_false(cfg.alerts.log);
	assert_int_equal(cfg.ruleset.decoder_dirs.n, 2);
	assert_string_equal(cfg.ruleset.decoder_dirs.v[1], "/opt/d");
	assert_int_equal(cfg.ruleset.rule_dirs.n, 1);
	assert_string_equal(cfg.ruleset.rule_dirs.v[0], "/etc/vigil/rules");
	assert_int_equal(cfg.ruleset.nlists, 1);
	assert_string_equal(cfg.ruleset.lists[0].name, "etc/lists/audit-keys");
	assert_string_equal(cfg.ruleset.lists[0].path, "/etc/vigil/lists/audit-keys");
	assert_false(cfg.ruleset.include_builtin);
	assert_int_equal(cfg.ruleset.exclude_files.n, 1);
	assert_int_equal(cfg.ninputs, 2);
	assert_int_equal(cfg.inputs[0].format, VG_FORMAT_JSON);
	assert_string_equal(cfg.inputs[0].path, "/var/log/*.json");
	assert_int_equal(cfg.inputs[0].line, 17);
	assert_int_equal(cfg.inputs[1].type, VG_INPUT_JOURNALD);
	vg_config_destroy(&cfg);
	vg_diag_free(&d);
}

static void test_partial_keeps_defaults(void **state)
{
	(void)state;
	struct vg_config cfg;
	struct vg_diag d;
	assert_int_equal(load("alerts: {json: false}\n", &cfg, &d), 0);
	assert_false(cfg.alerts.json);
	assert_true(cfg.alerts.log);
	assert_int_equal(cfg.alerts.log_level, VG_CONFIG_DEFAULT_LOG_LEVEL);
	assert_string_equal(cfg.data_dir, "/var/lib/vigil");
	assert_int_equal(cfg.ninputs, 0);
	vg_config_destroy(&cfg);
	vg_diag_free(&d);
	assert_int_equal(load("", &cfg, &d), 0);
	assert_int_equal(cfg.alerts.log_level, 3);
	vg_config_destroy(&cfg);
	vg_diag_free(&d);
}

/* Loads text, expects failure and one error at line:col containing want. */
static void expect_error(const char *text, unsigned line, unsigned col, const char *want)
{
	struct vg_config cfg;
	struct vg_diag d;
	assert_int_equal(load(text, &cfg, &d), VG_EPARSE);
	assert_null(cfg.arena);
	assert_true(d.errors >= 1);
	int found = 0;
	for (size_t i = 0; i < d.count; i++) {
		if (d.msgs[i].line == line && d.msgs[i].col == col && strstr(d.msgs[i].text, want))
			found = 1;
	}
	if (!found)
		vg_diag_print(&d, stderr);
	assert_true(found);
	assert_string_equal(d.msgs[0].file, "t.yaml");
	vg_diag_free(&d);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("data_dir: /x\nalert:\n  json: true\n", 2, 1,
	             "unknown key 'alert' in the configuration; expected one of: data_dir, "
	             "log_dir, manager_name, alerts, ruleset, inputs, manager, agent");
	expect_error("ruleset:\n  sigma_dirs: /x\n", 2, 15,
	             "expected a list of strings for 'sigma_dirs'");
	expect_error("alerts:\n  log_level: 17\n", 2, 14,
	             "expected an integer from 0 to 16 for 'log_level', found '17'");
	expect_error("alerts:\n  log_level: three\n", 2, 14, "expected an integer");
	expect_error("alerts:\n  json: maybe\n", 2, 9, "expected true or false for 'json'");
	expect_error("alerts: [1, 2]\n", 1, 9, "expected a mapping for 'alerts', found a list");
	expect_error("ruleset:\n  rule_dirs: /etc/rules\n", 2, 14,
	             "expected a list of strings for 'rule_dirs'");
	expect_error("ruleset:\n  lists:\n    - name: x\n", 3, 7, "expected key 'path'");
	expect_error("inputs:\n  - type: file\n    format: syslog\n", 2, 5,
	             "expected key 'path' in a file input");
	expect_error(
	    "inputs:\n  - type: socket\n", 2, 11,
	    "expected input type file, journald, process, ports, fim or sca, found 'socket'");
	expect_error("inputs:\n  - type: file\n    path: /a\n    format: xml\n", 4, 13,
	             "expected format syslog, json or multiline");
	expect_error("inputs:\n  - type: journald\n    path: /a\n", 3, 11,
	             "expected no 'path' in a journald input");
	expect_error("inputs:\n  - {type: process, interval: 5}\n", 2, 31,
	             "expected no 'interval' in a process input");
	expect_error("inputs:\n  - {type: ports, interval: 0}\n", 2, 29,
	             "expected an integer from 1 to 86400 for 'interval'");
	expect_error("inputs:\n  - {type: file, path: /a, format: multiline}\n", 2, 5,
	             "expected key 'multiline_regex' with format multiline");
	expect_error("inputs:\n  - {type: file, path: /a, multiline_regex: x}\n", 2, 45,
	             "expected 'multiline_regex' only with format multiline");
	expect_error("manager:\n  port: 70000\n", 2, 9, "expected an integer from 1 to 65535");
	expect_error("manager:\n  syslog:\n    - {protocol: sctp}\n", 3, 18,
	             "expected protocol udp, tcp or both");
	expect_error("agent:\n  spool_max: 12X\n", 2, 14,
	             "expected a size such as 512M or 2G for 'spool_max'");
	expect_error("agent:\n  managers: host\n", 2, 13, "expected a list of strings");
	expect_error("inputs:\n  - {type: file, pth: /a}\n", 2, 18,
	             "unknown key 'pth' in an input");
	expect_error("log_dir: /a\nlog_dir: /b\n", 2, 1, "'log_dir' repeats");
	expect_error("data_dir:\n", 1, 10, "expected a value for 'data_dir'");
	expect_error("data_dir: [a]\n", 1, 11, "expected a string for 'data_dir', found a list");
	expect_error("- a\n- b\n", 1, 1, "expected a mapping for the configuration");
	expect_error("alerts:\n  json: true\n   log: true\n", 3, 7, "expected valid YAML");
	expect_error("log_dir: /a\n---\nlog_dir: /b\n", 3, 1, "expected a single YAML document");
}

/* The manager and agent sections, and the new input types. */
static void test_services(void **state)
{
	(void)state;
	struct vg_config cfg;
	struct vg_diag d;
	const char *text =
	    "manager:\n  listen: 127.0.0.1\n  port: 2514\n  enroll_port: 2515\n"
	    "  groups_dir: /g\n  fsync: no\n  syslog:\n"
	    "    - {port: 5514, protocol: both, allowed_ips: [10.0.0.0/8]}\n"
	    "agent:\n  managers: [a:1, b]\n  name: web\n  spool_max: 64M\n"
	    "inputs:\n  - {type: process}\n  - {type: ports, interval: 7}\n"
	    "  - {type: file, path: /x, format: multiline, multiline_regex: '^\\d'}\n";
	assert_int_equal(load(text, &cfg, &d), 0);
	assert_string_equal(cfg.manager.listen, "127.0.0.1");
	assert_int_equal(cfg.manager.port, 2514);
	assert_int_equal(cfg.manager.enroll_port, 2515);
	assert_false(cfg.manager.fsync);
	assert_int_equal(cfg.manager.nsyslog, 1);
	assert_true(cfg.manager.syslog[0].udp && cfg.manager.syslog[0].tcp);
	assert_int_equal(cfg.manager.syslog[0].port, 5514);
	assert_string_equal(cfg.manager.syslog[0].bind, "0.0.0.0");
	assert_string_equal(cfg.manager.syslog[0].allowed.v[0], "10.0.0.0/8");
	assert_int_equal(cfg.agent.managers.n, 2);
	assert_string_equal(cfg.agent.managers.v[1], "b");
	assert_int_equal(cfg.agent.spool_max, 64LL << 20);
	assert_true(cfg.agent.spool_fsync);
	assert_int_equal(cfg.ninputs, 3);
	assert_int_equal(cfg.inputs[0].type, VG_INPUT_PROCESS);
	assert_int_equal(cfg.inputs[1].type, VG_INPUT_PORTS);
	assert_int_equal(cfg.inputs[1].interval_ms, 7000);
	assert_int_equal(cfg.inputs[2].format, VG_FORMAT_MULTILINE);
	assert_string_equal(cfg.inputs[2].multiline_regex, "^\\d");

	/* What the manager sends an agent reads back to the same inputs. */
	struct vg_buf y;
	vg_buf_init(&y, 0);
	assert_int_equal(vg_config_inputs_yaml(cfg.inputs, cfg.ninputs, &y), 0);
	struct vg_config back;
	struct vg_diag d2;
	assert_int_equal(load(vg_buf_str(&y), &back, &d2), 0);
	assert_int_equal(back.ninputs, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(back.inputs[i].type, cfg.inputs[i].type);
		assert_int_equal(back.inputs[i].interval_ms, cfg.inputs[i].interval_ms);
	}
	assert_string_equal(back.inputs[2].path, "/x");
	assert_string_equal(back.inputs[2].multiline_regex, "^\\d");
	vg_buf_free(&y);
	vg_config_destroy(&back);
	vg_diag_free(&d2);
	vg_config_destroy(&cfg);
	vg_diag_free(&d);
}

/* The fim and sca inputs: defaults, every key, errors at their place, and
 * the text the manager pushes reading back to the same settings. */
static void test_fim_sca(void **state)
{
	(void)state;
	struct vg_config cfg;
	struct vg_diag d;
	const char *text =
	    "inputs:\n"
	    "  - type: fim\n"
	    "    paths:\n"
	    "      - /etc\n"
	    "      - {path: /usr/bin, realtime: false, whodata: true,\n"
	    "         report_changes: true, recursion: 3, attributes: [sha1, size],\n"
	    "         ignore: [/usr/bin/x], ignore_regex: ['\\.swp$'],\n"
	    "         restrict: ['^/usr/bin/s'], tags: 'bin,sys'}\n"
	    "    scan_interval: 2h\n"
	    "    files_per_second: 500\n"
	    "    diff_max_size: 64K\n"
	    "    nodiff: [/etc/shadow]\n"
	    "  - {type: sca, policies: [/p.yml], builtin: false, interval: 10m}\n";
	assert_int_equal(load(text, &cfg, &d), 0);
	assert_int_equal(cfg.ninputs, 2);
	const struct vg_config_fim *f = cfg.inputs[0].fim;
	assert_int_equal(cfg.inputs[0].type, VG_INPUT_FIM);
	assert_non_null(f);
	assert_int_equal(f->npaths, 2);
	assert_string_equal(f->paths[0].path, "/etc");
	assert_int_equal(f->paths[0].attrs, VG_FIM_ATTR_DEFAULT);
	assert_true(f->paths[0].realtime);
	assert_false(f->paths[0].whodata);
	assert_int_equal(f->paths[0].recursion, 256);
	assert_false(f->paths[1].realtime);
	assert_true(f->paths[1].whodata && f->paths[1].report_changes);
	assert_int_equal(f->paths[1].recursion, 3);
	assert_int_equal(f->paths[1].attrs, VG_FIM_SHA1 | VG_FIM_SIZE);
	assert_string_equal(f->paths[1].ignore_regex[0], "\\.swp$");
	assert_string_equal(f->paths[1].restrict_regex[0], "^/usr/bin/s");
	assert_string_equal(f->paths[1].tags, "bin,sys");
	assert_int_equal(f->scan_interval_s, 7200);
	assert_int_equal(f->files_per_second, 500);
	assert_int_equal(f->diff_max_size, 64 << 10);
	assert_int_equal(f->nnodiff, 1);
	assert_int_equal(f->nice, 10);
	const struct vg_config_sca *s = cfg.inputs[1].sca;
	assert_int_equal(cfg.inputs[1].type, VG_INPUT_SCA);
	assert_false(s->builtin);
	assert_int_equal(s->interval_s, 600);
	assert_int_equal(s->command_timeout_s, 30);
	assert_string_equal(s->policies[0], "/p.yml");

	struct vg_buf y;
	vg_buf_init(&y, 0);
	assert_int_equal(vg_config_inputs_yaml(cfg.inputs, cfg.ninputs, &y), 0);
	struct vg_config back;
	struct vg_diag d2;
	assert_int_equal(load(vg_buf_str(&y), &back, &d2), 0);
	const struct vg_config_fim *bf = back.inputs[0].fim;
	assert_int_equal(bf->npaths, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(bf->paths[i].path, f->paths[i].path);
		assert_int_equal(bf->paths[i].attrs, f->paths[i].attrs);
		assert_int_equal(bf->paths[i].realtime, f->paths[i].realtime);
		assert_int_equal(bf->paths[i].recursion, f->paths[i].recursion);
	}
	assert_string_equal(bf->paths[1].ignore[0], "/usr/bin/x");
	assert_string_equal(bf->paths[1].tags, "bin,sys");
	assert_int_equal(bf->diff_max_size, f->diff_max_size);
	assert_string_equal(bf->nodiff[0], "/etc/shadow");
	assert_int_equal(back.inputs[1].sca->interval_s, 600);
	assert_false(back.inputs[1].sca->builtin);
	vg_buf_free(&y);
	vg_config_destroy(&back);
	vg_diag_free(&d2);
	vg_config_destroy(&cfg);
	vg_diag_free(&d);

	expect_error("inputs:\n  - {type: fim}\n", 2, 5, "expected key 'paths' in a fim input");
	expect_error("inputs:\n  - {type: fim, paths: [etc]}\n", 2, 25,
	             "expected an absolute path for 'path'");
	expect_error("inputs:\n  - {type: fim, paths: [{path: /a, attributes: [crc]}]}\n", 2, 48,
	             "expected attributes among");
	expect_error("inputs:\n  - {type: fim, paths: [{path: /a, ignore_regex: ['(']}]}\n", 2, 50,
	             "expected a PCRE2 expression in 'ignore_regex'");
	expect_error("inputs:\n  - {type: fim, paths: [/a], scan_interval: 1y}\n", 2, 45,
	             "expected a duration");
	expect_error("inputs:\n  - {type: sca, builtin: false}\n", 2, 5,
	             "expected 'policies' or 'builtin: true'");
	expect_error("inputs:\n  - {type: sca, policy: [/a]}\n", 2, 17,
	             "unknown key 'policy' in an sca input");
}

static void test_several_errors_reported(void **state)
{
	(void)state;
	struct vg_config cfg;
	struct vg_diag d;
	assert_int_equal(load("alerts:\n  log_level: 99\n  json: 2\nfoo: 1\n", &cfg, &d),
	                 VG_EPARSE);
	assert_int_equal(d.errors, 3);
	assert_int_equal(d.msgs[0].line, 2);
	assert_int_equal(d.msgs[1].line, 3);
	assert_int_equal(d.msgs[2].line, 4);
	vg_diag_free(&d);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/vg_test_config_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, full, sizeof(full) - 1), (ssize_t)(sizeof(full) - 1));
	close(fd);
	struct vg_config cfg;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_config_load_file(path, &cfg, &d), 0);
	assert_string_equal(cfg.manager_name, "hub");
	vg_config_destroy(&cfg);
	unlink(path);
	assert_int_equal(vg_config_load_file(path, &cfg, &d), VG_ENOENT);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.msgs[0].file, path);
	vg_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_partial_keeps_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_fim_sca),
		cmocka_unit_test(test_several_errors_reported),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
