# manager: `vigil manager` (agent sessions, checkpoint, groups, syslog).
list(APPEND VG_SOURCES
  src/manager/manager.c
  src/manager/manager_groups.c
  src/manager/manager_session.c
  src/manager/manager_state.c
  src/manager/manager_syslog.c)
