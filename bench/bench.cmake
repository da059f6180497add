# Benchmarks: programs that print figures; never run as tests.
if(EXISTS "${CMAKE_SOURCE_DIR}/src/engine/sources.cmake")
  add_executable(bench_engine bench/bench_engine.c)
  target_link_libraries(bench_engine PRIVATE vigil)
endif()
