# fim: file integrity monitoring (agent monitor, syscheck decoder, manager
# store). See docs/fim.md.
pkg_check_modules(FIM_SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(FIM_SSL REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(FIM_AUDIT REQUIRED IMPORTED_TARGET audit)
list(APPEND VG_EXTRA_LIBS PkgConfig::FIM_SQLITE PkgConfig::FIM_SSL PkgConfig::FIM_AUDIT)
list(APPEND VG_SOURCES
  src/fim/fim.c
  src/fim/fim_attrs.c
  src/fim/fim_db.c
  src/fim/fim_decode.c
  src/fim/fim_diff.c
  src/fim/fim_event.c
  src/fim/fim_fan.c
  src/fim/fim_rt.c
  src/fim/fim_scan.c
  src/fim/fim_store.c
  src/fim/fim_table.c
  src/fim/fim_walk.c
  src/fim/fim_who.c)
list(APPEND VG_UNIT_TESTS test_fim)
add_executable(bench_fim bench/bench_fim.c)
target_link_libraries(bench_fim PRIVATE vigil)
list(APPEND VG_FUZZ_TARGETS fuzz_fim_decode)
