/* certmap: a client certificate chain, as the network process forwards it
 * for a certificate login, verified again in the monitor against the
 * operator's CA and CRL and matched against the account the client names
 * (FTPSD_TLS_USER_FROM_CERT, the account's cert= item).
 * The chain is hostile input here: size-capped by the caller, parsed by
 * libcrypto, trusted only after X509_verify_cert. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "account/account.h"
#include "log/log.h"
#include "config.h"
#include "monitor.h"
#include "tlsfiles.h"

/* The CRLs the handshake uses (FTPSD_TLS_CRL_FILE and the hashed files of
 * FTPSD_TLS_CRL_DIR, read now as at start), checked as libtls checks
 * them: every certificate of the chain. */
static int store_add_crls(X509_STORE *st, const struct conf_value *cf)
{
	struct ftp_crl_blob b = FTP_CRL_BLOB_ZERO;
	const char *file = cf[FC_TLS_CRL_FILE].str, *dir = cf[FC_TLS_CRL_DIR].str;
	char err[256];
	unsigned added = 0, want;
	X509_CRL *crl;
	BIO *bio;

	if (!*file && !*dir) return 1;
	if (!ftp_crl_load(file, dir, &b, err, sizeof err) || b.len > INT_MAX) {
		log_error("certificate login: %s", b.len > INT_MAX ? "CRLs too large" : err);
		ftp_crl_blob_free(&b);
		return 0;
	}
	want = b.crls;
	bio = BIO_new_mem_buf(b.pem, (int)b.len);
	while (bio && (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL))) {
		int ok = X509_STORE_add_crl(st, crl);
		X509_CRL_free(crl);
		if (!ok) break;
		added++;
	}
	ERR_clear_error(); /* the end of the PEM text is an "error" */
	BIO_free(bio);
	ftp_crl_blob_free(&b);
	X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	return added && added == want;
}

static int store_load(X509_STORE *st, const struct conf_value *cf)
{
	const char *file = cf[FC_TLS_CA_FILE].str, *dir = cf[FC_TLS_CA_DIR].str;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && !defined(LIBRESSL_VERSION_NUMBER)
	if (*file && !X509_STORE_load_file(st, file)) return 0;
	if (*dir && !X509_STORE_load_path(st, dir)) return 0;
#else
	if ((*file || *dir) &&
	    !X509_STORE_load_locations(st, *file ? file : NULL, *dir ? dir : NULL))
		return 0;
#endif
	if (!*file && !*dir) return 0;
	return store_add_crls(st, cf);
}

/* The leaf and the rest of the chain, from PEM; 0 when there is no leaf. */
static int chain_read(const unsigned char *pem, size_t len, X509 **leaf, STACK_OF(X509) * *rest)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x;
	*leaf = NULL;
	*rest = sk_X509_new_null();
	if (!bio || !*rest) goto out;
	*leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	while (*leaf && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(*rest, x)) {
			X509_free(x);
			break;
		}
out:
	BIO_free(bio);
	return *leaf != NULL;
}

/* The first CN, when it is text without NUL that fits out. */
static int name_cn(X509 *x, char *out, size_t cap)
{
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)cap);
	return n > 0 && (size_t)n < cap && strlen(out) == (size_t)n;
}

static int ascii_case_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z') y = (unsigned char)(y - 'A' + 'a');
		if (x != y) return 0;
	}
	return 1;
}

/* addr (len bytes, from a certificate) is the whole address want: the
 * local part byte for byte, the domain without case, as RFC 5280 (7.5)
 * compares rfc822Names; split at the last '@' (a domain holds none). */
static int email_is(const char *addr, size_t len, const char *want)
{
	const char *wat = strrchr(want, '@'), *at = addr;
	size_t local;

	for (const char *p = addr; p < addr + len; p++)
		if (*p == '@') at = p;
	if (!wat || !len || *at != '@') return 0;
	local = (size_t)(at - addr);
	return local == (size_t)(wat - want) && !memcmp(addr, want, local) &&
	       len - local == strlen(wat) && ascii_case_equal(at, wat, len - local);
}

/* Whether the leaf logs in as user.  With the account's cert= (certval):
 * its CN is exactly certval, or (email) one of its e-mail subjectAltNames
 * is the address certval.  Without: its CN is user, or the local part of
 * its first e-mail subjectAltName in FTPSD_TLS_USER_DOMAIN (case aside) is
 * user, so a CA that also certifies other domains' addresses maps none of
 * them to accounts; with no domain set only cert= accounts are reached. */
static int leaf_names(X509 *x, const struct conf_value *cf, const char *user, const char *certval)
{
	const char *domain = cf[FC_TLS_USER_DOMAIN].str;
	size_t dlen = strlen(domain), ulen = strlen(user);
	char cn[ACCOUNT_POLICY_MAX_CERT + 2];
	GENERAL_NAMES *names;
	int found = 0;

	if (!strcmp(cf[FC_TLS_USER_FROM_CERT].str, "cn"))
		return name_cn(x, cn, sizeof cn) && !strcmp(cn, certval ? certval : user);
	if (!certval && !dlen) return 0;
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if (g->type != GEN_EMAIL) continue;
		const char *e = (const char *)ASN1_STRING_get0_data(g->d.rfc822Name);
		int el = ASN1_STRING_length(g->d.rfc822Name);
		if (!e || el <= 0) continue;
		if (certval) {
			found = email_is(e, (size_t)el, certval);
			continue;
		}
		const char *at = memchr(e, '@', (size_t)el);
		if (!at || at == e || (size_t)(e + el - at - 1) != dlen ||
		    !ascii_case_equal(at + 1, domain, dlen))
			continue;
		/* the first address in the domain decides */
		found = (size_t)(at - e) == ulen && !memcmp(e, user, ulen);
		break;
	}
	GENERAL_NAMES_free(names);
	return found;
}

int ftp_cert_names(const struct conf_value *cf, const unsigned char *pem, size_t len,
		   const char *user, const char *certval, char *subject, size_t subjcap)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = NULL;
	int ok = 0, err = EPROTO;

	snprintf(subject, subjcap, "(none)");
	if (len > FM_CERT_MAX || !chain_read(pem, len, &leaf, &rest)) goto out;
	X509_NAME_oneline(X509_get_subject_name(leaf), subject, (int)subjcap);
	err = EACCES;
	st = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!st || !ctx || !store_load(st, cf) || !X509_STORE_CTX_init(ctx, st, leaf, rest))
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	if (X509_verify_cert(ctx) != 1) goto out;
	err = ENOENT;
	ok = leaf_names(leaf, cf, user, certval);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	if (!ok) errno = err;
	return ok;
}
