# The agent's disk spool (spool*.c), its tests, and the fuzz targets of the
# frame codec and of spool recovery.
list(APPEND VG_SOURCES
  src/transport/spool.c
  src/transport/spool_crc.c
  src/transport/spool_read.c
  src/transport/spool_scan.c)
list(APPEND VG_UNIT_TESTS test_spool test_frame)
list(APPEND VG_FUZZ_TARGETS fuzz_frame fuzz_spool)
if(NOT VG_FUZZ)
  add_executable(bench_spool bench/bench_spool.c)
  target_link_libraries(bench_spool PRIVATE vigil)
endif()
