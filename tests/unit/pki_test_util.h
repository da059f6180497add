/*
 * pki_test_util.h - helpers of the PKI, registry and enrollment tests:
 * scratch directories removed afterwards, and certificate requests made
 * with OpenSSL directly (as an agent would).
 */
#ifndef VG_PKI_TEST_UTIL_H
#define VG_PKI_TEST_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static int pt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a directory tree. */
static inline void pt_rmtree(const char *dir)
{
	nftw(dir, pt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates a fresh scratch directory into out (char[64]). */
static inline int pt_tmpdir(char *out)
{
	snprintf(out, 64, "/tmp/vg_pki_test_XXXXXX");
	return mkdtemp(out) ? 0 : -1;
}

/* A PEM CSR for a new EC key (curve) with subject CN cn; *key is the caller's. */
static inline char *pt_make_csr(const char *curve, const char *cn, EVP_PKEY **key)
{
	*key = curve ? EVP_EC_gen(curve) : EVP_RSA_gen(2048);
	X509_REQ *req = X509_REQ_new();
	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_pubkey(req, *key);
	X509_REQ_sign(req, *key, EVP_sha256());
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509_REQ(b, req);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out = strndup(data, (size_t)n);
	BIO_free(b);
	X509_REQ_free(req);
	return out;
}

/* Writes a text file. */
static inline int pt_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Writes key as PEM into path. */
static inline int pt_write_key(const char *path, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return ok ? 0 : -1;
}

#endif
