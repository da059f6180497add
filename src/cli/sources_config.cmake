# vigil config: check a configuration file, print the built-in one.
list(APPEND VG_CLI_SOURCES
  src/cli/cmd_config.c)
