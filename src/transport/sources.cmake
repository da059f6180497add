# transport: agent/manager frames (frame.c); the spool, TLS, PKI and
# enrollment list themselves in sources_*.cmake.
list(APPEND VG_SOURCES src/transport/frame.c)
