# Decoders: load, compile and apply Wazuh <decoder> files, plus plugins.
# The pre-decoder lists itself in sources_predecode.cmake.
list(APPEND VG_SOURCES
  src/decode/decoder_cache.c
  src/decode/decoder_load.c
  src/decode/decoder_match.c
  src/decode/decoder_pname.c
  src/decode/plugin_json.c
  src/decode/plugin_list.c)
list(APPEND VG_UNIT_TESTS test_decoder)
list(APPEND VG_FUZZ_TARGETS fuzz_decode)
