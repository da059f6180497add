/*
 * fuzz_procmon.c - libFuzzer target for the process monitor's audit record
 * assembler: the input is lines, either audit.log lines (first byte odd) or
 * netlink records "<type index byte><audit(...): text>" (first byte even).
 * Every execution assembled is formatted as JSON, which must parse.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procmon_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int types[] = { VG_AUDIT_SYSCALL,   VG_AUDIT_EXECVE, VG_AUDIT_CWD, VG_AUDIT_PATH,
	                     VG_AUDIT_PROCTITLE, VG_AUDIT_EOE,    1400,         1112 };

static void feed(struct vg_audit_asm *a, bool log_lines, const char *s, size_t n, uint64_t now)
{
	if (log_lines) {
		(void)vg_audit_asm_add_line(a, s, n, now);
	} else if (n > 0) {
		int type = types[(unsigned char)s[0] % (sizeof(types) / sizeof(types[0]))];
		(void)vg_audit_asm_add(a, type, s + 1, n - 1, now);
	}
}

static void drain(struct vg_audit_asm *a)
{
	struct vg_proc_info parent = { 1, 0, 0, (char *)"/sbin/init", (char *)"init \"x\"" };
	struct vg_exec_event *ev;
	struct vg_buf out;
	vg_buf_init(&out, 0);
	while ((ev = vg_audit_asm_next(a)) != NULL) {
		vg_buf_reset(&out);
		if (vg_procmon_format(ev, &parent, &out) == 0) {
			json_t *doc = json_loadb(vg_buf_str(&out), out.len, 0, NULL);
			if (!doc)
				abort();
			json_decref(doc);
		}
		vg_exec_event_free(ev);
	}
	vg_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_audit_asm *a;
	if (size == 0 || vg_audit_asm_create(&a) != 0)
		return 0;
	bool log_lines = data[0] & 1;
	const char *s = (const char *)data + 1, *end = (const char *)data + size;
	uint64_t now = 1000;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		feed(a, log_lines, s, n, now);
		if (vg_audit_asm_wait_ms(a, now, 500) == 0)
			abort(); /* the clock stands still: nothing is due */
		drain(a);
		s += n + 1;
	}
	vg_audit_asm_flush(a, now + 1000, 500);
	drain(a);
	vg_audit_asm_destroy(a);
	return 0;
}
