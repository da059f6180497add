list(APPEND VG_SOURCES
  src/pattern/osmatch.c
  src/pattern/osregex.c
  src/pattern/pattern.c
  src/pattern/pattern_gate.c
  src/pattern/pcre2.c
  src/pattern/pcre2_literals.c)
list(APPEND VG_UNIT_TESTS test_osmatch test_osregex test_osregex_fast test_pattern test_literals)
list(APPEND VG_FUZZ_TARGETS fuzz_osregex)
list(APPEND VG_UNIT_TESTS test_gate)
