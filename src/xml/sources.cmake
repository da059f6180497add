# The lenient XML reader for Wazuh ruleset files.
list(APPEND VG_SOURCES
  src/xml/xml_read.c
  src/xml/xml_vars.c)
list(APPEND VG_UNIT_TESTS test_xml)
list(APPEND VG_FUZZ_TARGETS fuzz_xml)
