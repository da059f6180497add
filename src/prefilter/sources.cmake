# Multi-pattern literal prefilter over the event's log (Vectorscan).
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
list(APPEND VG_SOURCES src/prefilter/prefilter.c)
list(APPEND VG_EXTRA_LIBS PkgConfig::HS)
list(APPEND VG_UNIT_TESTS test_prefilter test_indexes)
