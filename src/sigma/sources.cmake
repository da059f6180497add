list(APPEND VG_SOURCES
  src/sigma/sigma_cond.c
  src/sigma/sigma_gate.c
  src/sigma/sigma_index.c
  src/sigma/sigma_load.c
  src/sigma/sigma_map.c
  src/sigma/sigma_match.c
  src/sigma/sigma_value.c
  src/sigma/sigma_yaml.c)
list(APPEND VG_UNIT_TESTS test_sigma test_sigma_regression test_sigma_load test_sigma_gate)
list(APPEND VG_FUZZ_TARGETS fuzz_sigma)
