/*
 * pki.c - the manager's certificate authority (pki.h): creates the CA and
 * the manager's server certificate at first start, loads them afterwards,
 * computes the CA pin agents check, and signs agents' certificate requests
 * into client certificates. EC P-256 keys, SHA-256 signatures, OpenSSL 3.
 */
#include "vigil/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "transport/pki_internal.h"
#include "vigil/file.h"

#define CA_DAYS     3650
#define SERVER_DAYS 730
#define MAX_CSR     (64 << 10)

struct vg_pki_ca {
	char ca_crt[4096], ca_key[4096], srv_crt[4096], srv_key[4096];
	X509 *cert;
	EVP_PKEY *key;
	char *cert_pem;
	char pin[33];
};

struct ext_spec {
	int nid;
	const char *value;
};

/* ---- shared helpers (pki_internal.h) ---- */

int vg_pki_serial_hex(const X509 *x, char *out, size_t cap)
{
	if (cap)
		out[0] = '\0';
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (!bn)
		return VG_ENOMEM;
	char *hex = BN_bn2hex(bn);
	BN_free(bn);
	if (!hex)
		return VG_ENOMEM;
	size_t n = strlen(hex);
	int rc = VG_OK;
	if (n + 1 > cap) {
		rc = VG_ELIMIT;
	} else {
		for (size_t i = 0; i <= n; i++)
			out[i] =
			    (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
	}
	OPENSSL_free(hex);
	return rc;
}

void vg_pki_ossl_error(struct vg_diag *d, const char *what, const char *path)
{
	char msg[256] = "unknown error";
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "%s: %s", what, msg);
}

int vg_pki_write_file(const char *path, const void *data, size_t len, mode_t mode,
                      struct vg_diag *d)
{
	int rc = vg_file_replace(path, data, len, mode, true);
	if (rc == VG_EIO)
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "cannot write: %s", strerror(errno));
	return rc;
}

int vg_pki_cert_pin(const X509 *x, char pin[33])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		return VG_ENOMEM;
	unsigned char md[32];
	int ok = EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	if (!ok)
		return VG_ENOMEM;
	static const char hexd[] = "0123456789abcdef";
	for (int i = 0; i < VG_PKI_PIN_LEN / 2; i++) {
		pin[2 * i] = hexd[md[i] >> 4];
		pin[2 * i + 1] = hexd[md[i] & 15];
	}
	pin[VG_PKI_PIN_LEN] = '\0';
	return VG_OK;
}

int vg_pki_pem_pin(const char *pem, size_t len, char pin[33])
{
	pin[0] = '\0';
	if (len > MAX_CSR)
		return VG_EPARSE;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return VG_ENOMEM;
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!x)
		return VG_EPARSE;
	int rc = vg_pki_cert_pin(x, pin);
	X509_free(x);
	return rc;
}

/* ---- certificate making ---- */

static int random_serial(X509 *x)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1)
		return VG_EIO;
	b[0] &= 0x7f; /* positive */
	if (b[0] == 0)
		b[0] = 1; /* always 16 bytes, so the hex is 32 digits */
	BIGNUM *bn = BN_bin2bn(b, sizeof(b), NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? VG_OK : VG_ENOMEM;
}

static int add_exts(X509 *x, X509 *issuer, const struct ext_spec *exts, size_t n)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, exts[i].nid, exts[i].value);
		if (!e)
			return VG_EINVAL;
		int ok = X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		if (!ok)
			return VG_ENOMEM;
	}
	return VG_OK;
}

/*
 * A version 3 certificate for pub with subject name, signed by issuer_key
 * (issuer NULL: self-signed), valid from 5 minutes ago for days.
 */
static X509 *make_cert(EVP_PKEY *pub, const X509_NAME *name, X509 *issuer, EVP_PKEY *issuer_key,
                       unsigned days, const struct ext_spec *exts, size_t n_exts)
{
	X509 *x = X509_new();
	if (!x || !X509_set_version(x, X509_VERSION_3) || random_serial(x) != VG_OK)
		goto fail;
	if (!X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name))
		goto fail;
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL))
		goto fail;
	if (!X509_set_pubkey(x, pub) || add_exts(x, issuer, exts, n_exts) != VG_OK)
		goto fail;
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static X509_NAME *name_cn(const char *org, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	if (!n)
		return NULL;
	if ((org && !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org,
	                                        -1, -1, 0)) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                                0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int pem_key(EVP_PKEY *k, BIO **out)
{
	*out = BIO_new(BIO_s_mem());
	if (!*out || !PEM_write_bio_PrivateKey(*out, k, NULL, NULL, 0, NULL, NULL))
		return VG_ENOMEM;
	return VG_OK;
}

static int write_bio(BIO *b, const char *path, mode_t mode, struct vg_diag *d)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	return vg_pki_write_file(path, data, (size_t)n, mode, d);
}

/* Writes key (0600) and the PEM of each certificate in certs (one file). */
static int save_pair(EVP_PKEY *key, X509 *const *certs, size_t n, const char *crt_path,
                     const char *key_path, struct vg_diag *d)
{
	BIO *kb = NULL, *cb = BIO_new(BIO_s_mem());
	int rc = pem_key(key, &kb);
	for (size_t i = 0; rc == VG_OK && i < n; i++)
		if (!cb || !PEM_write_bio_X509(cb, certs[i]))
			rc = VG_ENOMEM;
	if (rc == VG_OK)
		rc = write_bio(kb, key_path, 0600, d);
	if (rc == VG_OK)
		rc = write_bio(cb, crt_path, 0644, d);
	BIO_free(kb);
	BIO_free(cb);
	return rc;
}

/* ---- opening the CA ---- */

static int create_ca(struct vg_pki_ca *ca, const char *manager_name, struct vg_diag *d)
{
	static const struct ext_spec exts[] = {
		{ NID_basic_constraints, "critical,CA:TRUE,pathlen:0" },
		{ NID_key_usage, "critical,keyCertSign,cRLSign" },
		{ NID_subject_key_identifier, "hash" },
	};
	char cn[64];
	snprintf(cn, sizeof(cn), "Vigil CA %.40s", manager_name);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *name = name_cn("Vigil", cn);
	X509 *x = NULL;
	int rc = VG_ENOMEM;
	if (key && name)
		x = make_cert(key, name, NULL, key, CA_DAYS, exts, sizeof(exts) / sizeof(exts[0]));
	if (x)
		rc = save_pair(key, &x, 1, ca->ca_crt, ca->ca_key, d);
	else
		vg_pki_ossl_error(d, "cannot create the CA", ca->ca_crt);
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int is_dns_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static int create_server(struct vg_pki_ca *ca, const char *manager_name, struct vg_diag *d)
{
	char san[300];
	struct ext_spec exts[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "serverAuth" },
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ NID_subject_alt_name, san },
	};
	size_t n_exts = sizeof(exts) / sizeof(exts[0]);
	if (is_dns_name(manager_name))
		snprintf(san, sizeof(san), "DNS:%s", manager_name);
	else
		n_exts--;
	char cn[65];
	snprintf(cn, sizeof(cn), "%.64s", manager_name[0] ? manager_name : "vigil-manager");
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *name = name_cn(NULL, cn);
	X509 *x = NULL;
	int rc = VG_ENOMEM;
	if (key && name)
		x = make_cert(key, name, ca->cert, ca->key, SERVER_DAYS, exts, n_exts);
	if (x) {
		X509 *chain[2] = { x, ca->cert };
		rc = save_pair(key, chain, 2, ca->srv_crt, ca->srv_key, d);
	} else {
		vg_pki_ossl_error(d, "cannot create the server certificate", ca->srv_crt);
	}
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int load_ca(struct vg_pki_ca *ca, struct vg_diag *d)
{
	FILE *f = fopen(ca->ca_crt, "r");
	if (!f)
		goto io;
	ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!(f = fopen(ca->ca_key, "r")))
		goto io;
	ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!ca->cert || !ca->key || X509_check_private_key(ca->cert, ca->key) != 1) {
		vg_pki_ossl_error(d, "bad CA certificate or key", ca->ca_crt);
		return VG_EPARSE;
	}
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	if (!b || !PEM_write_bio_X509(b, ca->cert)) {
		BIO_free(b);
		return VG_ENOMEM;
	}
	long n = BIO_get_mem_data(b, &data);
	ca->cert_pem = strndup(data, (size_t)n);
	BIO_free(b);
	if (!ca->cert_pem)
		return VG_ENOMEM;
	return vg_pki_cert_pin(ca->cert, ca->pin);
io:
	vg_diag_add(d, VG_DIAG_ERROR, f ? ca->ca_key : ca->ca_crt, 0, 0, "cannot read: %s",
	            strerror(errno));
	return VG_EIO;
}

static int set_paths(struct vg_pki_ca *ca, const char *dir)
{
	int n1 = snprintf(ca->ca_crt, sizeof(ca->ca_crt), "%s/ca.crt", dir);
	int n2 = snprintf(ca->ca_key, sizeof(ca->ca_key), "%s/ca.key", dir);
	int n3 = snprintf(ca->srv_crt, sizeof(ca->srv_crt), "%s/server.crt", dir);
	int n4 = snprintf(ca->srv_key, sizeof(ca->srv_key), "%s/server.key", dir);
	int lim = (int)sizeof(ca->ca_crt);
	return n1 < lim && n2 < lim && n3 < lim && n4 < lim ? VG_OK : VG_ELIMIT;
}

/* Creates whatever is missing, then loads the CA. Called with the lock held. */
static int open_locked(struct vg_pki_ca *ca, const char *manager_name, struct vg_diag *d)
{
	int rc = VG_OK;
	if (access(ca->ca_crt, F_OK) != 0 && access(ca->ca_key, F_OK) != 0) {
		unlink(ca->srv_crt); /* a server certificate of a lost CA is useless */
		rc = create_ca(ca, manager_name, d);
	}
	if (rc == VG_OK)
		rc = load_ca(ca, d);
	if (rc == VG_OK && (access(ca->srv_crt, F_OK) != 0 || access(ca->srv_key, F_OK) != 0))
		rc = create_server(ca, manager_name, d);
	return rc;
}

int vg_pki_ca_open(const char *dir, const char *manager_name, struct vg_pki_ca **out,
                   struct vg_diag *d)
{
	*out = NULL;
	if (!dir || !manager_name)
		return VG_EINVAL;
	struct vg_pki_ca *ca = calloc(1, sizeof(*ca));
	if (!ca)
		return VG_ENOMEM;
	int rc = set_paths(ca, dir);
	if (rc != VG_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, dir, 0, 0, "path too long");
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		vg_diag_add(d, VG_DIAG_ERROR, dir, 0, 0, "cannot create: %s", strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	char lock[4200];
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		vg_diag_add(d, VG_DIAG_ERROR, lock, 0, 0, "cannot lock: %s", strerror(errno));
		rc = VG_EIO;
	} else {
		rc = open_locked(ca, manager_name, d);
	}
	if (fd >= 0)
		close(fd);
out:
	if (rc != VG_OK)
		vg_pki_ca_close(ca);
	else
		*out = ca;
	return rc;
}

void vg_pki_ca_close(struct vg_pki_ca *ca)
{
	if (!ca)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca->cert_pem);
	free(ca);
}

const char *vg_pki_ca_cert_path(const struct vg_pki_ca *ca)
{
	return ca->ca_crt;
}

const char *vg_pki_server_cert_path(const struct vg_pki_ca *ca)
{
	return ca->srv_crt;
}

const char *vg_pki_server_key_path(const struct vg_pki_ca *ca)
{
	return ca->srv_key;
}

const char *vg_pki_ca_cert_pem(const struct vg_pki_ca *ca)
{
	return ca->cert_pem;
}

void vg_pki_ca_pin(const struct vg_pki_ca *ca, char pin[33])
{
	memcpy(pin, ca->pin, sizeof(ca->pin));
}

/* ---- signing requests ---- */

static int check_req_key(EVP_PKEY *k, struct vg_diag *d)
{
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		if (EVP_PKEY_get_bits(k) >= 2048)
			return VG_OK;
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "RSA key shorter than 2048 bits");
		return VG_EINVAL;
	}
	char group[64] = "";
	size_t glen = 0;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) == 1 &&
	    (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0))
		return VG_OK;
	vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "key type not accepted (EC P-256/P-384 or RSA)");
	return VG_EINVAL;
}

static int read_csr(const char *pem, size_t len, X509_REQ **out, struct vg_diag *d)
{
	*out = NULL;
	if (len == 0 || len > MAX_CSR) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "certificate request empty or too long");
		return VG_EPARSE;
	}
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return VG_ENOMEM;
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	EVP_PKEY *k = req ? X509_REQ_get0_pubkey(req) : NULL;
	if (!k || X509_REQ_verify(req, k) != 1) {
		vg_pki_ossl_error(d, "bad certificate request", NULL);
		X509_REQ_free(req);
		return VG_EPARSE;
	}
	int rc = check_req_key(k, d);
	if (rc != VG_OK)
		X509_REQ_free(req);
	else
		*out = req;
	return rc;
}

int vg_pki_sign_csr(struct vg_pki_ca *ca, const char *csr_pem, size_t len, const char *cn,
                    unsigned days, struct vg_buf *cert_pem, char serial_hex[41], struct vg_diag *d)
{
	static const struct ext_spec exts[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "clientAuth" },
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
	};
	serial_hex[0] = '\0';
	if (!cn || !*cn || strlen(cn) > 64 || days == 0 || days > CA_DAYS) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "bad certificate name or validity");
		return VG_EINVAL;
	}
	X509_REQ *req;
	int rc = read_csr(csr_pem, len, &req, d);
	if (rc != VG_OK)
		return rc;
	X509_NAME *name = name_cn(NULL, cn);
	X509 *x = NULL;
	BIO *b = NULL;
	rc = VG_ENOMEM;
	if (name)
		x = make_cert(X509_REQ_get0_pubkey(req), name, ca->cert, ca->key, days, exts,
		              sizeof(exts) / sizeof(exts[0]));
	if (!x) {
		vg_pki_ossl_error(d, "cannot sign the certificate request", NULL);
		goto out;
	}
	if (!(b = BIO_new(BIO_s_mem())) || !PEM_write_bio_X509(b, x))
		goto out;
	char *data;
	long n = BIO_get_mem_data(b, &data);
	rc = vg_buf_add(cert_pem, data, (size_t)n);
	if (rc == VG_OK)
		rc = vg_pki_serial_hex(x, serial_hex, 41);
out:
	BIO_free(b);
	X509_free(x);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return rc;
}
