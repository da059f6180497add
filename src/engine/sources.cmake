# The built-in ruleset (ruleset/decoders, ruleset/rules) is embedded in the library.
file(GLOB VG_BUILTIN_DECODERS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/ruleset/decoders/*.xml")
file(GLOB VG_BUILTIN_RULES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/ruleset/rules/*.xml")
list(SORT VG_BUILTIN_DECODERS)
list(SORT VG_BUILTIN_RULES)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/generated/builtin_decoders.c
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/scripts/embed_files.py
          ${CMAKE_BINARY_DIR}/generated/builtin_decoders.c vg_builtin_decoders ${VG_BUILTIN_DECODERS}
  DEPENDS ${VG_BUILTIN_DECODERS} ${CMAKE_SOURCE_DIR}/scripts/embed_files.py
  COMMENT "Embedding the built-in decoders")
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/generated/builtin_rules.c
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/scripts/embed_files.py
          ${CMAKE_BINARY_DIR}/generated/builtin_rules.c vg_builtin_rules ${VG_BUILTIN_RULES}
  DEPENDS ${VG_BUILTIN_RULES} ${CMAKE_SOURCE_DIR}/scripts/embed_files.py
  COMMENT "Embedding the built-in rules")
list(APPEND VG_SOURCES
  src/engine/ruleset.c
  src/engine/analyzer.c
  src/engine/rtest.c
  src/engine/ruleset_spec.c
  ${CMAKE_BINARY_DIR}/generated/builtin_decoders.c
  ${CMAKE_BINARY_DIR}/generated/builtin_rules.c)
list(APPEND VG_FUZZ_TARGETS fuzz_engine)
list(APPEND VG_UNIT_TESTS test_rtest test_indexes)
