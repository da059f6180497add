# transport: agent/manager frames (frame.c) and libevent glue (fdwatch.c);
# the spool, TLS, PKI and enrollment list themselves in sources_*.cmake.
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent libevent_openssl)
list(APPEND VG_EXTRA_LIBS PkgConfig::LIBEVENT)
list(APPEND VG_SOURCES
  src/transport/fdwatch.c
  src/transport/frame.c)
