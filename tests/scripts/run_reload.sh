#!/bin/sh
# Ruleset reload on a running `vigil run`: a rule added to a configured rule
# directory takes effect after `vigil reload`; a broken rule file makes the
# reload fail and the running ruleset keeps working. Waits are bounded.
# usage: run_reload.sh VIGIL_BIN
set -u
bin=$1
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
mkdir -p "$dir/rules"
: >"$dir/app.log"
cat >"$dir/vigil.yml" <<YML
data_dir: $dir/state
log_dir: $dir/alerts
ruleset:
  rule_dirs: [$dir/rules]
inputs:
  - type: file
    path: $dir/app.log
YML

wait_for() { # file pattern what
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then echo "FAIL: $3"; cat "$dir/out.log"; exit 1; fi
		sleep 0.1
	done
}
emit() { echo "$(date '+%b %e %H:%M:%S') testhost myapp[7]: VIGILMARK $1" >>"$dir/app.log"; }

"$bin" run -c "$dir/vigil.yml" >"$dir/out.log" 2>&1 &
pid=$!
wait_for "$dir/out.log" "running" "vigil run did not start"

emit one
wait_for "$dir/state/collector.pos" "app.log" "line one was not read"
sleep 0.5
if grep -q "VIGILMARK one" "$dir/alerts/alerts.json" 2>/dev/null; then
	echo "FAIL: an alert for a line no rule covers"; exit 1
fi

cat >"$dir/rules/local_rules.xml" <<'XML'
<group name="local,">
  <rule id="100100" level="7">
    <match>VIGILMARK</match>
    <description>test marker seen</description>
  </rule>
</group>
XML
"$bin" reload -c "$dir/vigil.yml" || { echo "FAIL: vigil reload"; exit 1; }
wait_for "$dir/out.log" "reload: " "no reload logged"
emit two
wait_for "$dir/alerts/alerts.json" "VIGILMARK two" "the new rule did not fire after reload"
grep "VIGILMARK two" "$dir/alerts/alerts.json" | grep -q '"id":"100100"' ||
	{ echo "FAIL: wrong rule for line two"; exit 1; }

printf '<group name="x,">\n  <rule id="100101" level="3">\n    <match>oops\n' >"$dir/rules/broken_rules.xml"
kill -HUP $pid
wait_for "$dir/out.log" "keeping the running" "the broken reload was not refused"
grep -q "broken_rules.xml:" "$dir/out.log" || { echo "FAIL: error does not name the file"; exit 1; }
emit three
wait_for "$dir/alerts/alerts.json" "VIGILMARK three" "the old ruleset stopped working"
echo "ok: reload applied a new rule and refused a broken one"
