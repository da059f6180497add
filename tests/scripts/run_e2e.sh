#!/bin/sh
# End to end, as a new user would see it: `vigil run` watching a log file;
# a failed ssh login appended to the file must show up in alerts.json.
# The wait is bounded (10 s) so the test never hangs; the latency itself is
# measured by bench/, not asserted here.
# usage: run_e2e.sh VIGIL_BIN
set -u
bin=$1
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
: >"$dir/auth.log"
cat >"$dir/vigil.yml" <<YML
data_dir: $dir/state
log_dir: $dir/alerts
inputs:
  - type: file
    path: $dir/auth.log
YML
"$bin" run -c "$dir/vigil.yml" >"$dir/out.log" 2>&1 &
pid=$!
# Wait until the service reports it is running.
i=0
while ! grep -q "running" "$dir/out.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "FAIL: vigil run did not start"; cat "$dir/out.log"; exit 1
	fi
	sleep 0.1
done
now=$(date '+%b %e %H:%M:%S')
echo "$now testhost sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 52113 ssh2" >>"$dir/auth.log"
i=0
while ! grep -q '203.0.113.9' "$dir/alerts/alerts.json" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "FAIL: no alert for the failed login"; cat "$dir/out.log"; exit 1
	fi
	sleep 0.1
done
line=$(grep '203.0.113.9' "$dir/alerts/alerts.json" | head -1)
echo "alert: $line"
# The alert must be a Wazuh-style document naming the sshd rule and the source IP.
echo "$line" | python3 -c '
import json, sys
a = json.loads(sys.stdin.read())
assert a["data"]["srcip"] == "203.0.113.9", a
assert a["rule"]["level"] >= 5, a
assert "authentication_failed" in a["rule"]["groups"] or "invalid_login" in a["rule"]["groups"], a
assert a["location"].endswith("auth.log"), a
print("ok: rule", a["rule"]["id"], a["rule"]["description"])
'
