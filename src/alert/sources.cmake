# Alert module: ATT&CK table and Wazuh-compatible alert documents.
# The ATT&CK table is generated C (never committed) made from the committed
# data file share/attack/attack.tsv.
set(VG_ATTACK_TSV ${CMAKE_SOURCE_DIR}/share/attack/attack.tsv)
set(VG_ATTACK_C ${CMAKE_BINARY_DIR}/generated/attack_table.c)
add_custom_command(
  OUTPUT ${VG_ATTACK_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/scripts/gen_attack.py csource
          ${VG_ATTACK_TSV} ${VG_ATTACK_C}
  DEPENDS ${VG_ATTACK_TSV} ${CMAKE_SOURCE_DIR}/scripts/gen_attack.py
  COMMENT "Generating ATT&CK table"
  VERBATIM)
list(APPEND VG_SOURCES
  src/alert/alert_fields.c
  src/alert/alert_json.c
  src/alert/alert_log.c
  src/alert/alert_writer.c
  src/alert/attack.c
  ${VG_ATTACK_C})
list(APPEND VG_UNIT_TESTS test_attack test_alert)
