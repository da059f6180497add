# PKI, TLS, the agent registry and enrollment (docs/enrollment.md).
pkg_check_modules(VG_PKI_SSL REQUIRED IMPORTED_TARGET openssl)
pkg_check_modules(VG_PKI_SQLITE REQUIRED IMPORTED_TARGET sqlite3)
list(APPEND VG_EXTRA_LIBS PkgConfig::VG_PKI_SSL PkgConfig::VG_PKI_SQLITE)
list(APPEND VG_SOURCES
  src/transport/enroll_client.c
  src/transport/enroll_handle.c
  src/transport/enroll_server.c
  src/transport/pki.c
  src/transport/registry.c
  src/transport/registry_agent.c
  src/transport/registry_token.c
  src/transport/tls.c)
list(APPEND VG_UNIT_TESTS test_pki test_registry test_enroll)
list(APPEND VG_FUZZ_TARGETS fuzz_enroll)
