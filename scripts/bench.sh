#!/bin/sh
# Runs the benchmarks: generates the engine's input logs (never committed)
# with the shared generator, then measures throughput over Wazuh's ruleset.
# Then FIM (bench_fim) and SCA (cis_debian12.yml) timings.
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
# File integrity monitoring on a generated tree of 100,000 small files
# (removed afterwards): baseline, unchanged rescan, real-time latency, RSS.
"$build/bench_fim"
# Configuration assessment: Wazuh's CIS Debian 12 policy on this host.
if [ -f "$shared/data/sca/debian/cis_debian12.yml" ]; then
	"$build/vigil" sca scan "$shared/data/sca/debian/cis_debian12.yml" | tail -1
fi
