/*
 * array.c - doubling growth of heap arrays (see vigil/array.h).
 */
#include "vigil/array.h"

#include <stdint.h>
#include <stdlib.h>

#include "vigil/error.h"

int vg_grow(void **items, size_t *cap, size_t need, size_t elem_size, size_t min_cap)
{
	if (need <= *cap)
		return VG_OK;
	size_t ncap = *cap ? *cap : (min_cap ? min_cap : 1);
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return VG_ELIMIT;
		ncap *= 2;
	}
	if (elem_size && ncap > SIZE_MAX / elem_size)
		return VG_ELIMIT;
	void *n = realloc(*items, ncap * elem_size);
	if (!n)
		return VG_ENOMEM;
	*items = n;
	*cap = ncap;
	return VG_OK;
}
