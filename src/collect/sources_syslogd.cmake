# collect/syslogd: the manager's remote syslog receiver (UDP/TCP, RFC 3164/5424,
# RFC 6587 framing) and the Windows event-channel input conversion (winevt).
list(APPEND VG_SOURCES
  src/collect/syslogd.c
  src/collect/syslogd_acl.c
  src/collect/syslogd_format.c
  src/collect/syslogd_frame.c)
list(APPEND VG_UNIT_TESTS test_syslogd)
list(APPEND VG_FUZZ_TARGETS fuzz_syslogd)
list(APPEND VG_SOURCES
  src/collect/winevt.c
  src/collect/winevt_render.c)
list(APPEND VG_UNIT_TESTS test_winevt)
list(APPEND VG_FUZZ_TARGETS fuzz_winevt)
