# Sigma evaluation benchmark (bench/bench_sigma.c).
if(NOT VG_FUZZ)
  add_executable(bench_sigma bench/bench_sigma.c)
  target_link_libraries(bench_sigma PRIVATE vigil)
endif()
