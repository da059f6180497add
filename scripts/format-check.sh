#!/bin/sh
# Fails when a C file differs from what clang-format makes of it.
set -eu
cd "$(dirname "$0")/.."
status=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "needs formatting: $f (run 'make format')"
		status=1
	fi
done
exit $status
