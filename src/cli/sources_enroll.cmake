# vigil enroll (agent side) and vigil agents (the manager's registry).
list(APPEND VG_CLI_SOURCES
  src/cli/cmd_agents.c
  src/cli/cmd_enroll.c)
