list(APPEND VG_CLI_SOURCES
  src/cli/commands.c)
# Subcommands contributed by other modules list themselves in sources_*.cmake.
file(GLOB _vg_cli_parts "${CMAKE_SOURCE_DIR}/src/cli/sources_*.cmake")
foreach(part IN LISTS _vg_cli_parts)
  include(${part})
endforeach()
