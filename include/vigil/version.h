/* version.h - Vigil's version. */
#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H
#define VG_VERSION "0.1.0"
#endif
