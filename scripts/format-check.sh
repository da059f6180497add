#!/bin/sh
# Fails when a C file differs from what clang-format makes of it.
set -eu
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find src include tests fuzz bench -name '*.[ch]')
fi
status=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "needs formatting: $f (run 'make format')"
		status=1
	fi
done
exit $status
