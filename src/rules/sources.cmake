list(APPEND VG_SOURCES
  src/rules/cdb_list.c
  src/rules/compiled_rules.c
  src/rules/correlation.c
  src/rules/rule_expr.c
  src/rules/rule_index.c
  src/rules/rule_load.c
  src/rules/rule_load_corr.c
  src/rules/rule_match.c
  src/rules/rule_sigma.c
  src/rules/rule_tree.c)
list(APPEND VG_UNIT_TESTS test_rules test_cdb)
list(APPEND VG_FUZZ_TARGETS fuzz_rules)
