# vigil fim: FIM changes recorded by the manager, one-off scans (docs/fim.md).
list(APPEND VG_CLI_SOURCES src/cli/cmd_fim.c)
