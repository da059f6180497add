# vigil sca scan: run SCA policies once (src/sca, docs/sca.md).
list(APPEND VG_CLI_SOURCES src/cli/cmd_sca.c)
