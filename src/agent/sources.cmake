# agent: `vigil agent` (collection into the spool, the link to a manager).
list(APPEND VG_SOURCES
  src/agent/agent.c
  src/agent/agent_collect.c
  src/agent/agent_link.c)
