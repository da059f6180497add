#!/bin/sh
# The Wazuh compatibility suite: every .ini case under Wazuh's
# testing/tests (geoip files excepted, as upstream) against Wazuh's own
# ruleset prepared as its runner does. Passes at >= VIGIL_COMPAT_MIN percent
# (default 97); every failure is printed with expected vs got.
# usage: wazuh_compat.sh VIGIL_BIN
set -u
bin=$1
shared=${VIGIL_SHARED:-../shared}
root=$shared/data/wazuh-ruleset
if [ ! -d "$root/testing/tests" ]; then
	echo "SKIP: $root/testing/tests not found (set VIGIL_SHARED)"
	exit 77
fi
# Wazuh's cases assume business hours: rule 17101 (<time>6 pm - 8:30 am</time>)
# turns successful logins at night into alerts. Run at local noon, whatever
# the hour, so the result does not depend on when the suite runs.
h=$(date -u +%H)
off=$((${h#0} - 12))
if [ "$off" -ge 0 ]; then TZ="VGT+$off"; else TZ="VGT$off"; fi
export TZ
exec "$bin" ruleset test --wazuh "$root" --wazuh-testing --no-builtin \
	--min-rate "${VIGIL_COMPAT_MIN:-97}" "$root/testing/tests"
