# engine/benign: false positives of the built-in ruleset on benign logs and
# ordinary admin commands (docs/false-positives.md).
list(APPEND VG_UNIT_TESTS test_benign)
