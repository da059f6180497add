/*
 * fuzz_enroll.c - libFuzzer target for the manager's enrollment handler
 * (vg_enroll_handle): any ENROLL_REQ payload must give an ENROLL_RESP or
 * an ERROR payload, without crashes or leaks. A CA and a registry with one
 * unlimited token are created once in a scratch directory; the text
 * "@TOKEN@" in an input is replaced by that token, so seeds reach the
 * certificate signing past the token check.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/enroll.h"
#include "vigil/error.h"
#include "vigil/frame.h"
#include "vigil/pki.h"
#include "vigil/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MARK "@TOKEN@"

struct fuzz_state {
	char dir[64];
	struct vg_pki_ca *ca;
	struct vg_registry *r;
	char token[48]; /* "<id>.<secret>" */
};

static struct fuzz_state *state; /* fuzz targets may keep state in statics */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (!state)
		return;
	vg_registry_close(state->r);
	vg_pki_ca_close(state->ca);
	nftw(state->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(state);
	state = NULL;
}

static int setup(void)
{
	state = calloc(1, sizeof(*state));
	if (!state)
		return -1;
	snprintf(state->dir, sizeof(state->dir), "/tmp/vg_fuzz_enroll_XXXXXX");
	if (!mkdtemp(state->dir))
		return -1;
	char path[128], pin[33];
	snprintf(path, sizeof(path), "%s/pki", state->dir);
	if (vg_pki_ca_open(path, "fuzz-manager", &state->ca, NULL) != VG_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/registry.db", state->dir);
	if (vg_registry_open(path, &state->r, NULL) != VG_OK)
		return -1;
	vg_pki_ca_pin(state->ca, pin);
	struct vg_buf tok;
	vg_buf_init(&tok, 0);
	if (vg_registry_token_create(state->r, 86400, 0, "fuzz", pin, &tok) != VG_OK)
		return -1;
	snprintf(state->token, sizeof(state->token), "%.41s", vg_buf_str(&tok));
	vg_buf_free(&tok);
	atexit(cleanup);
	return 0;
}

/* The input with every MARK replaced by the token. */
static int substitute(const uint8_t *data, size_t size, struct vg_buf *out)
{
	size_t mlen = strlen(MARK);
	for (size_t i = 0; i < size;) {
		if (size - i >= mlen && memcmp(data + i, MARK, mlen) == 0) {
			if (vg_buf_addstr(out, state->token) != VG_OK)
				return -1;
			i += mlen;
		} else {
			if (vg_buf_addc(out, (char)data[i]) != VG_OK)
				return -1;
			i++;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!state && setup() != 0) {
		fprintf(stderr, "fuzz_enroll: cannot create the CA and registry\n");
		abort();
	}
	struct vg_buf in, resp;
	vg_buf_init(&in, 0);
	vg_buf_init(&resp, 0);
	if (substitute(data, size, &in) == 0) {
		struct vg_diag d;
		vg_diag_init(&d);
		unsigned type = 0;
		int rc = vg_enroll_handle(state->r, state->ca, "198.51.100.1",
		                          in.data ? in.data : "", in.len, &type, &resp, &d);
		/* Every answer is a payload of the type announced, and refusals say why. */
		if ((rc == VG_OK) != (type == VG_FRAME_ENROLL_RESP) || resp.len == 0 ||
		    (rc != VG_OK && d.errors == 0))
			abort();
		vg_diag_free(&d);
	}
	vg_buf_free(&in);
	vg_buf_free(&resp);
	return 0;
}
