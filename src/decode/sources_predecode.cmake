# The pre-decoder: input framing, agent locations and syslog headers.
list(APPEND VG_SOURCES
  src/decode/predecode.c
  src/decode/predecode_time.c)
list(APPEND VG_UNIT_TESTS test_predecode)
list(APPEND VG_FUZZ_TARGETS fuzz_predecode)
