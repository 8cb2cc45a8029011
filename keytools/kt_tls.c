/* kt_tls: the TLS subcommands of sluice-keytool: tls-cert (a private key and
 * a self-signed server certificate for ftpsd, written as PEM) and
 * tls-fingerprint (a certificate's SHA-256 fingerprint as openssl prints it).
 * Only EVP/X509 interfaces that both LibreSSL and OpenSSL 3 offer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include "base/base.h"
#include "key/key.h"
#include "keytools.h"

struct keytool_tls_opts {
	int rsa;       /* 0: EC */
	unsigned bits; /* RSA modulus or EC curve size */
	unsigned days;
	const char *names[KEYTOOL_TLS_MAX_NAMES];
	size_t nnames;
	const char *keyfile, *certfile;
	int force;
};

/* The most recent libcrypto error, readable, or a generic phrase. */
static const char *keytool_tls_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());
	return r ? r : "libcrypto failure";
}

/* A host name (letters, digits, '-', '_', '.', a leading "*." wildcard). */
static int keytool_tls_dns_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > KEYTOOL_TLS_MAX_NAME_BYTES) return 0;
	if (!strncmp(s, "*.", 2)) s += 2;
	if (!*s || *s == '.' || *s == '-') return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* Address bytes of name when it is an IPv4/IPv6 literal: 4, 16, or 0. */
static size_t keytool_tls_ip(const char *name, unsigned char ip[16])
{
	if (inet_pton(AF_INET, name, ip) == 1) return 4;
	if (inet_pton(AF_INET6, name, ip) == 1) return 16;
	return 0;
}

static void keytool_tls_parse(int argc, char const *const *argv, struct keytool_tls_opts *o)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *t = "ec";
	int opt;
	while ((opt = subgetopt_r(argc, argv, "t:b:d:n:k:c:F", &l)) != -1) {
		switch (opt) {
		case 't':
			t = l.arg;
			break;
		case 'b':
			if (!keytool_scan_u32(l.arg, &o->bits)) keytool_die_usage("tls-cert");
			break;
		case 'd':
			if (!keytool_scan_u32(l.arg, &o->days) || !o->days)
				keytool_die_usage("tls-cert");
			break;
		case 'n':
			if (o->nnames >= KEYTOOL_TLS_MAX_NAMES)
				strerr_dief(EXIT_USAGE, "too many names (-n)");
			o->names[o->nnames++] = l.arg;
			break;
		case 'k':
			o->keyfile = l.arg;
			break;
		case 'c':
			o->certfile = l.arg;
			break;
		case 'F':
			o->force = 1;
			break;
		default:
			keytool_die_usage("tls-cert");
		}
	}
	if (!o->keyfile || !o->certfile || l.ind != argc) keytool_die_usage("tls-cert");
	if (!strcmp(o->keyfile, o->certfile))
		strerr_dief(EXIT_USAGE, "the key and the certificate need two different files");
	if (!strcmp(t, "rsa"))
		o->rsa = 1;
	else if (strcmp(t, "ec"))
		strerr_dief(EXIT_USAGE, "unsupported key type: ", t, " (ec or rsa)");
	if (!o->bits) o->bits = o->rsa ? KEYTOOL_TLS_RSA_BITS : 256;
	if (o->rsa && (o->bits < KEY_RSA_MIN_BITS || o->bits > KEY_RSA_MAX_BITS))
		strerr_dief(EXIT_USAGE, "RSA keys must have 2048 to 8192 bits");
	if (!o->rsa && o->bits != 256 && o->bits != 384 && o->bits != 521)
		strerr_dief(EXIT_USAGE, "EC keys have 256, 384 or 521 bits");
	if (!o->days) o->days = KEYTOOL_TLS_DAYS;
	if (o->days > KEYTOOL_TLS_MAX_DAYS) strerr_dief(EXIT_USAGE, "at most 36500 days (-d)");
}

/* Every name is an IP literal or a host name; the first also fits a CN. */
static void keytool_tls_check_names(const struct keytool_tls_opts *o)
{
	unsigned char ip[16];
	for (size_t i = 0; i < o->nnames; i++)
		if (!keytool_tls_ip(o->names[i], ip) && !keytool_tls_dns_ok(o->names[i]))
			strerr_dief(EXIT_USAGE, "not a host name nor an IP address: ", o->names[i]);
	if (strlen(o->names[0]) > KEYTOOL_TLS_MAX_CN_BYTES)
		strerr_dief(EXIT_USAGE, "the first name is longer than 64 bytes: ", o->names[0]);
}

static EVP_PKEY *keytool_tls_keygen(const struct keytool_tls_opts *o)
{
	EVP_PKEY *pkey = 0;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(o->rsa ? EVP_PKEY_RSA : EVP_PKEY_EC, 0);
	int nid = o->bits == 521   ? NID_secp521r1
		  : o->bits == 384 ? NID_secp384r1
				   : NID_X9_62_prime256v1;
	int ok = ctx && EVP_PKEY_keygen_init(ctx) > 0;
	if (ok && o->rsa) ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)o->bits) > 0;
	if (ok && !o->rsa)
		ok = EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, nid) > 0 &&
		     EVP_PKEY_CTX_set_ec_param_enc(ctx, OPENSSL_EC_NAMED_CURVE) > 0;
	if (ok && EVP_PKEY_keygen(ctx, &pkey) <= 0) pkey = 0;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* A positive random 128-bit serial number. */
static int keytool_tls_serial(X509 *x)
{
	unsigned char r[16];
	randombytes_buf(r, sizeof r);
	r[0] |= 0x01; /* never zero */
	BIGNUM *bn = BN_bin2bn(r, sizeof r, 0);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != 0;
	BN_free(bn);
	return ok;
}

static int keytool_tls_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(0, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* One subjectAltName entry: an iPAddress for IP literals, else a dNSName. */
static GENERAL_NAME *keytool_tls_general_name(const char *name)
{
	unsigned char ip[16];
	size_t n = keytool_tls_ip(name, ip);
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *s = n ? ASN1_OCTET_STRING_new() : 0;
	ASN1_IA5STRING *d = n ? 0 : ASN1_IA5STRING_new();
	if (!g || (!s && !d)) goto fail;
	if (n) {
		if (!ASN1_OCTET_STRING_set(s, ip, (int)n)) goto fail;
		GENERAL_NAME_set0_value(g, GEN_IPADD, s);
	} else {
		if (!ASN1_STRING_set(d, name, (int)strlen(name))) goto fail;
		GENERAL_NAME_set0_value(g, GEN_DNS, d);
	}
	return g;
fail:
	GENERAL_NAME_free(g);
	ASN1_OCTET_STRING_free(s);
	ASN1_IA5STRING_free(d);
	return 0;
}

static int keytool_tls_add_san(X509 *x, const struct keytool_tls_opts *o)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int ok = gens != 0;
	for (size_t i = 0; ok && i < o->nnames; i++) {
		GENERAL_NAME *g = keytool_tls_general_name(o->names[i]);
		ok = g && sk_GENERAL_NAME_push(gens, g) > 0;
		if (!ok) GENERAL_NAME_free(g);
	}
	if (ok) ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND) == 1;
	sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free);
	return ok;
}

static int keytool_tls_add_exts(X509 *x, const struct keytool_tls_opts *o)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, x, x, 0, 0, 0);
	return keytool_tls_add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
	       keytool_tls_add_ext(x, &ctx, NID_key_usage,
				   o->rsa ? "critical,digitalSignature,keyEncipherment"
					  : "critical,digitalSignature") &&
	       keytool_tls_add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") &&
	       keytool_tls_add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
	       keytool_tls_add_san(x, o);
}

/* The self-signed certificate for pkey, or 0 (libcrypto error queued). */
static X509 *keytool_tls_selfsign(EVP_PKEY *pkey, const struct keytool_tls_opts *o)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	int ok = x && name && X509_set_version(x, 2) && keytool_tls_serial(x) &&
		 X509_gmtime_adj(X509_getm_notBefore(x), -KEYTOOL_TLS_BACKDATE_SECS) &&
		 X509_time_adj_ex(X509_getm_notAfter(x), (int)o->days, 0, 0) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					    (const unsigned char *)o->names[0], -1, -1, 0) &&
		 X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
		 X509_set_pubkey(x, pkey) && keytool_tls_add_exts(x, o) &&
		 X509_sign(x, pkey, EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return 0;
	}
	return x;
}

/* The key as PKCS#8 PEM, mode 0600; the PEM text is wiped afterwards. */
static void keytool_tls_write_key(EVP_PKEY *pkey, const struct keytool_tls_opts *o)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	if (!b || !PEM_write_bio_PrivateKey(b, pkey, 0, 0, 0, 0, 0))
		strerr_diefu(EXIT_SYSTEM, "format private key: ", keytool_tls_reason());
	long n = BIO_get_mem_data(b, &pem);
	int ok = n > 0 && keytool_write_file(o->keyfile, pem, (size_t)n, 0600, o->force);
	int e = n > 0 ? errno : EIO;
	if (n > 0) sodium_memzero(pem, (size_t)n);
	BIO_free(b);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "write ", o->keyfile);
}

static void keytool_tls_write_cert(X509 *x, const struct keytool_tls_opts *o)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	if (!b || !PEM_write_bio_X509(b, x))
		strerr_diefu(EXIT_SYSTEM, "format certificate: ", keytool_tls_reason());
	long n = BIO_get_mem_data(b, &pem);
	int ok = n > 0 && keytool_write_file(o->certfile, pem, (size_t)n, 0644, o->force);
	int e = n > 0 ? errno : EIO;
	BIO_free(b);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "write ", o->certfile);
}

/* Prints "sha256 Fingerprint=AA:BB:..." (what OpenSSL 3 prints). */
static int keytool_tls_print_fp(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!X509_digest(x, EVP_sha256(), md, &n)) return 0;
	fputs("sha256 Fingerprint=", stdout);
	for (unsigned i = 0; i < n; i++)
		printf("%02X%s", md[i], i + 1 < n ? ":" : "\n");
	return 1;
}

int keytool_tls_cert(int argc, char const *const *argv)
{
	struct keytool_tls_opts o = {0};
	char host[256];
	struct stat st;
	keytool_tls_parse(argc, argv, &o);
	if (!o.nnames) {
		if (gethostname(host, sizeof host) < 0) host[0] = 0;
		host[sizeof host - 1] = 0;
		if (!host[0]) strerr_dief(EXIT_USAGE, "no host name: give one with -n");
		o.names[o.nnames++] = host;
	}
	keytool_tls_check_names(&o);
	if (!o.force && !lstat(o.keyfile, &st))
		strerr_dief(EXIT_SYSTEM, "unable to write ", o.keyfile, ": file exists (use -F)");
	if (!o.force && !lstat(o.certfile, &st))
		strerr_dief(EXIT_SYSTEM, "unable to write ", o.certfile, ": file exists (use -F)");
	EVP_PKEY *pkey = keytool_tls_keygen(&o);
	if (!pkey) strerr_diefu(EXIT_SYSTEM, "generate key: ", keytool_tls_reason());
	X509 *x = keytool_tls_selfsign(pkey, &o);
	if (!x) strerr_diefu(EXIT_SYSTEM, "make the certificate: ", keytool_tls_reason());
	keytool_tls_write_key(pkey, &o);
	EVP_PKEY_free(pkey);
	keytool_tls_write_cert(x, &o);
	int ok = keytool_tls_print_fp(x);
	X509_free(x);
	if (!ok) strerr_diefu(EXIT_SYSTEM, "compute the fingerprint: ", keytool_tls_reason());
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}

/* The first certificate of text: PEM, else DER. */
static X509 *keytool_tls_load_cert(const char *text, size_t len)
{
	BIO *b = BIO_new_mem_buf(text, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, 0, 0, 0) : 0;
	BIO_free(b);
	if (!x) {
		const unsigned char *p = (const unsigned char *)text;
		x = d2i_X509(0, &p, (long)len);
	}
	return x;
}

int keytool_tls_fingerprint(int argc, char const *const *argv)
{
	char *text;
	size_t len;
	if (argc != 2) keytool_die_usage("tls-fingerprint");
	if (!keytool_read_file(argv[1], KEYTOOL_TLS_CERT_MAX_BYTES, &text, &len))
		strerr_diefu(EXIT_SYSTEM, "read certificate from ", argv[1], ": ",
			     keytool_reason(errno));
	X509 *x = keytool_tls_load_cert(text, len);
	keytool_free_text(text);
	if (!x)
		strerr_diefu(EXIT_SYSTEM, "read certificate from ", argv[1],
			     ": not a PEM or DER certificate");
	int ok = keytool_tls_print_fp(x);
	X509_free(x);
	if (!ok) strerr_diefu(EXIT_SYSTEM, "compute the fingerprint: ", keytool_tls_reason());
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}
