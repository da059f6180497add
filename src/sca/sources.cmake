# sca: Security Configuration Assessment (Wazuh SCA policies). See docs/sca.md.
pkg_check_modules(SCA_SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(SCA_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
list(APPEND VG_EXTRA_LIBS PkgConfig::SCA_SQLITE PkgConfig::SCA_CRYPTO)
list(APPEND VG_SOURCES
  src/sca/sca_cmdcache.c
  src/sca/sca_eval.c
  src/sca/sca_exec.c
  src/sca/sca_hash.c
  src/sca/sca_message.c
  src/sca/sca_policy.c
  src/sca/sca_proc.c
  src/sca/sca_rule.c
  src/sca/sca_run.c
  src/sca/sca_store.c)
list(APPEND VG_SOURCES src/sca/sca.c src/sca/sca_builtin.c src/sca/sca_decode.c)
# Vigil's own policies (ruleset/sca/*.yml) are embedded in the library.
vg_embed(builtin_sca "${CMAKE_SOURCE_DIR}/ruleset/sca/*.yml" "Embedding the built-in SCA policies")
list(APPEND VG_UNIT_TESTS test_sca test_sca_debian12 test_sca_keylog test_sca_load)
list(APPEND VG_FUZZ_TARGETS fuzz_sca_policy fuzz_sca_rule)
