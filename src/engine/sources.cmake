# The built-in ruleset (ruleset/decoders, ruleset/rules) is embedded in the library.
vg_embed(builtin_decoders "${CMAKE_SOURCE_DIR}/ruleset/decoders/*.xml" "Embedding the built-in decoders")
vg_embed(builtin_rules "${CMAKE_SOURCE_DIR}/ruleset/rules/*.xml" "Embedding the built-in rules")
list(APPEND VG_SOURCES
  src/engine/ruleset.c
  src/engine/analyzer.c
  src/engine/rtest.c
  src/engine/ruleset_spec.c)
list(APPEND VG_FUZZ_TARGETS fuzz_engine)
list(APPEND VG_UNIT_TESTS test_rtest test_indexes)
