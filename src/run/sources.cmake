list(APPEND VG_SOURCES
  src/run/run.c)
