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
exec "$bin" ruleset test --wazuh "$root" --wazuh-testing --no-builtin \
	--min-rate "${VIGIL_COMPAT_MIN:-97}" "$root/testing/tests"
