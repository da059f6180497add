#!/bin/sh
# Runs the benchmarks: generates the engine's input logs (never committed)
# with the shared generator, then measures throughput over Wazuh's ruleset.
# usage: bench.sh BUILD_DIR SHARED_DIR
set -eu
build=$1
shared=$2
data=$build/bench-data
if [ ! -f "$data/mix.log" ]; then
	mkdir -p "$data"
	python3 "$shared/bench/gen_logs.py" 200000 20000 "$data" 42
fi
"$build/bench_engine" -w "$shared/data/wazuh-ruleset" "$data/mix.log" "$data/winevt_flat.jsonl"
