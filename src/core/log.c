/*
 * log.c - the programs' own diagnostics on stderr. When stderr is not a
 * terminal each line starts with the "<N>" priority that journald reads.
 * Debug messages are printed only when VIGIL_DEBUG is set.
 */
#include "vigil/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void vg_log(enum vg_log_level level, const char *fmt, ...)
{
	if (level == VG_LOG_DEBUG && !getenv("VIGIL_DEBUG"))
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (isatty(STDERR_FILENO)) {
		static const char *const names[] = { "",        "",       "",     "error",
			                             "warning", "notice", "info", "debug" };
		fprintf(stderr, "vigil: %s: %s\n", names[level], line);
	} else {
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	}
}
