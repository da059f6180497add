list(APPEND VG_SOURCES
  src/core/arena.c
  src/core/array.c
  src/core/buf.c
  src/core/error.c
  src/core/file.c
  src/core/event.c
  src/core/log.c)
list(APPEND VG_UNIT_TESTS test_core)
