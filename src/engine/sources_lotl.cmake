# engine/lotl: LOLBAS, GTFOBins and Atomic Red Team commands scored against the
# built-in ruleset and SigmaHQ's rules (docs/lotl-fixtures.md).
list(APPEND VG_UNIT_TESTS test_lotl_fixtures)
