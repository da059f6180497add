/*
 * log.h - diagnostics of the programs themselves (not alerts).
 *
 * Messages go to stderr with the journald "<N>" level prefix when stderr is
 * not a terminal, so systemd records the right priority.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

enum vg_log_level {
	VG_LOG_ERR = 3,
	VG_LOG_WARNING = 4,
	VG_LOG_NOTICE = 5,
	VG_LOG_INFO = 6,
	VG_LOG_DEBUG = 7
};

void vg_log(enum vg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define vg_err(...)   vg_log(VG_LOG_ERR, __VA_ARGS__)
#define vg_warn(...)  vg_log(VG_LOG_WARNING, __VA_ARGS__)
#define vg_info(...)  vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_debug(...) vg_log(VG_LOG_DEBUG, __VA_ARGS__)

#endif
