# collect/procmon: process executions from kernel audit (procmon*) and
# listening ports from sock_diag (portmon*). See docs/procmon.md.
pkg_check_modules(AUDIT REQUIRED IMPORTED_TARGET audit)
list(APPEND VG_EXTRA_LIBS PkgConfig::AUDIT)
list(APPEND VG_SOURCES
  src/collect/procmon.c
  src/collect/procmon_audit.c
  src/collect/procmon_auditlog.c
  src/collect/procmon_json.c
  src/collect/procmon_lineage.c
  src/collect/procmon_proc.c
  src/collect/portmon.c
  src/collect/portmon_diag.c
  src/collect/portmon_snap.c)
list(APPEND VG_UNIT_TESTS test_procmon test_portmon)
list(APPEND VG_FUZZ_TARGETS fuzz_procmon)
