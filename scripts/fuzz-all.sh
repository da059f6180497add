#!/bin/sh
# Runs every libFuzzer target for SECONDS on its corpus (fuzz/corpus/<target>),
# one after another, then merges what it found back into that directory,
# minimised (only inputs that add coverage are kept).
# usage: fuzz-all.sh FUZZ_BUILD_DIR SECONDS [TARGET...]
set -eu
build=$1
secs=$2
shift 2
cd "$(dirname "$0")/.."
targets=${*:-$(ls "$build" | grep '^fuzz_' || true)}
status=0
for t in $targets; do
	[ -x "$build/$t" ] || continue
	mkdir -p "fuzz/corpus/$t"
	work="$build/corpus-$t"
	rm -rf "$work" && mkdir -p "$work"
	echo "== $t: ${secs}s"
	if ! "$build/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 "$work" "fuzz/corpus/$t" >"$build/$t.log" 2>&1; then
		echo "FINDING in $t: see $build/$t.log"
		status=1
	fi
	grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$build/$t.log" | tail -2
	"$build/$t" -merge=1 "fuzz/corpus/$t" "$work" >"$build/$t.merge.log" 2>&1 || true
done
exit $status
