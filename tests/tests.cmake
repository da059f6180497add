# Script-driven tests. Unit tests are registered by the modules' sources.cmake.
add_test(NAME style/format-check COMMAND ${CMAKE_SOURCE_DIR}/scripts/format-check.sh)
set_tests_properties(style/format-check PROPERTIES LABELS style)

if(TARGET vigil-bin AND EXISTS "${CMAKE_SOURCE_DIR}/src/engine/sources.cmake")
  # Wazuh's own test suite against Wazuh's ruleset (>= 97% must pass).
  add_test(NAME compat/wazuh-ruleset
           COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/wazuh_compat.sh $<TARGET_FILE:vigil-bin>)
  # Vigil's own ruleset with its declarative detection tests (all must pass).
  add_test(NAME detection/builtin-ruleset
           COMMAND vigil-bin ruleset test ${CMAKE_SOURCE_DIR}/tests/detection)
  # vigil run, end to end on a real file.
  add_test(NAME e2e/run-failed-ssh-login
           COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/run_e2e.sh $<TARGET_FILE:vigil-bin>)
  add_test(NAME e2e/run-reload
           COMMAND ${CMAKE_SOURCE_DIR}/tests/scripts/run_reload.sh $<TARGET_FILE:vigil-bin>)
  set_tests_properties(compat/wazuh-ruleset detection/builtin-ruleset e2e/run-failed-ssh-login
                       e2e/run-reload PROPERTIES ENVIRONMENT "${VG_TEST_ENV}" SKIP_RETURN_CODE 77)
  set_tests_properties(compat/wazuh-ruleset PROPERTIES LABELS compat TIMEOUT 1200)
  set_tests_properties(detection/builtin-ruleset PROPERTIES LABELS detection)
  set_tests_properties(e2e/run-failed-ssh-login e2e/run-reload PROPERTIES LABELS e2e TIMEOUT 60)
endif()

# Agents and manager as real processes on loopback (tests/integration).
if(TARGET vigil-bin AND EXISTS "${CMAKE_SOURCE_DIR}/src/manager/sources.cmake")
  foreach(it exactly_once fim_sca groups_failover process_exec rotation run_sigma security
             spool_full syslog_receiver winevt_input)
    add_test(NAME integration/${it}
             COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/tests/integration/test_${it}.py)
    set_tests_properties(integration/${it} PROPERTIES ENVIRONMENT "${VG_TEST_ENV}"
                         SKIP_RETURN_CODE 77 LABELS integration TIMEOUT 900)
  endforeach()
endif()

# One process at a time can be the kernel's audit daemon.
if(TEST unit/test_procmon AND TEST integration/process_exec)
  set_tests_properties(unit/test_procmon integration/process_exec PROPERTIES
                       RESOURCE_LOCK kernel_audit)
endif()
