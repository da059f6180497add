# Config module: the YAML configuration of vigil run.
list(APPEND VG_SOURCES
  src/config/config_default.c
  src/config/config_load.c
  src/config/config_yaml.c
  src/config/config_inputs_ext.c
  src/config/config_write.c)
list(APPEND VG_UNIT_TESTS test_config)
list(APPEND VG_FUZZ_TARGETS fuzz_config)
