# Decoders: load, compile and apply Wazuh <decoder> files, plus plugins.
include(${CMAKE_SOURCE_DIR}/src/decode/sources_predecode.cmake OPTIONAL)
list(APPEND VG_SOURCES
  src/decode/decoder_load.c
  src/decode/decoder_match.c
  src/decode/decoder_pname.c
  src/decode/plugin_json.c
  src/decode/plugin_list.c)
# The unit test needs the pre-decoder, which another module file registers.
if("src/decode/predecode.c" IN_LIST VG_SOURCES)
  list(APPEND VG_UNIT_TESTS test_decoder)
endif()
list(APPEND VG_FUZZ_TARGETS fuzz_decode)
