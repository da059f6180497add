list(APPEND VG_CLI_SOURCES
  src/cli/commands.c)
