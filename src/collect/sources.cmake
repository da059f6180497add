# collect: file tailing, read positions, systemd journal.
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
list(APPEND VG_EXTRA_LIBS PkgConfig::SYSTEMD)
list(APPEND VG_SOURCES
  src/collect/collector.c
  src/collect/file_tail.c
  src/collect/inputs.c
  src/collect/journal.c
  src/collect/positions.c)
list(APPEND VG_UNIT_TESTS test_file_tail test_positions test_journal)
list(APPEND VG_FUZZ_TARGETS fuzz_positions)
