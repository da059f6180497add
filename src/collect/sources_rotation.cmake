# collect, rotation: recognising the copy a copytruncate rotation made.
list(APPEND VG_SOURCES src/collect/tail_rescue.c)
