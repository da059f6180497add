# engine/coverage: ATT&CK coverage of a ruleset (vigil coverage).
list(APPEND VG_SOURCES src/engine/coverage.c)
list(APPEND VG_UNIT_TESTS test_coverage)
