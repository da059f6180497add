# vigil coverage: ATT&CK coverage of the loaded rules.
list(APPEND VG_CLI_SOURCES src/cli/cmd_coverage.c)
