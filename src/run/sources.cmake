# run: the single-host service (`vigil run`) and the analysis step it shares
# with the manager.
list(APPEND VG_SOURCES
  src/run/pipeline.c
  src/run/run.c)
