# Script-driven tests. Unit tests are registered by the modules' sources.cmake.
add_test(NAME style/format-check COMMAND ${CMAKE_SOURCE_DIR}/scripts/format-check.sh)
set_tests_properties(style/format-check PROPERTIES LABELS style)
