list(APPEND VG_CLI_SOURCES
  src/cli/commands.c
  src/cli/cmd_logtest.c
  src/cli/cmd_ruleset.c
  src/cli/cmd_run.c
  src/cli/ruleset_args.c)
# Subcommands contributed by other modules list themselves in sources_*.cmake.
file(GLOB _vg_cli_parts "${CMAKE_SOURCE_DIR}/src/cli/sources_*.cmake")
foreach(part IN LISTS _vg_cli_parts)
  include(${part})
endforeach()
