/* certmap: a client certificate chain, as the network process forwards it
 * for a certificate login, verified again in the monitor against the
 * operator's CA and CRL and mapped to a user name (FTPSD_TLS_USER_FROM_CERT).
 * The chain is hostile input here: size-capped by the caller, parsed by
 * libcrypto, trusted only after X509_verify_cert. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "account/account.h"
#include "config.h"
#include "monitor.h"

static int store_load(X509_STORE *st, const struct conf_value *cf)
{
	const char *file = cf[FC_TLS_CA_FILE].str, *dir = cf[FC_TLS_CA_DIR].str;
	const char *crl = cf[FC_TLS_CRL_FILE].str;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && !defined(LIBRESSL_VERSION_NUMBER)
	if (*file && !X509_STORE_load_file(st, file)) return 0;
	if (*dir && !X509_STORE_load_path(st, dir)) return 0;
#else
	if ((*file || *dir) &&
	    !X509_STORE_load_locations(st, *file ? file : NULL, *dir ? dir : NULL))
		return 0;
#endif
	if (!*file && !*dir) return 0;
	if (*crl) {
		X509_LOOKUP *lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());
		if (!lk || X509_load_crl_file(lk, crl, X509_FILETYPE_PEM) <= 0) return 0;
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	}
	return 1;
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

static int name_cn(X509 *x, char *out, size_t cap)
{
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)cap);
	return n > 0 && (size_t)n < cap && strlen(out) == (size_t)n;
}

/* The local part of the first e-mail subjectAltName in the domain (case
 * aside): alice@example.org is alice only when the domain is example.org,
 * so a CA that also certifies other domains' addresses maps none of them. */
static int name_email(X509 *x, const char *domain, char *out, size_t cap)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t dlen = strlen(domain);
	int found = 0;
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if (g->type != GEN_EMAIL) continue;
		const char *e = (const char *)ASN1_STRING_get0_data(g->d.rfc822Name);
		int el = ASN1_STRING_length(g->d.rfc822Name);
		const char *at = e && el > 0 ? memchr(e, '@', (size_t)el) : NULL;
		if (!at || at == e || (size_t)(at - e) >= cap) continue;
		if ((size_t)(e + el - at - 1) != dlen || strncasecmp(at + 1, domain, dlen))
			continue;
		memcpy(out, e, (size_t)(at - e));
		out[at - e] = 0;
		found = strlen(out) == (size_t)(at - e);
	}
	GENERAL_NAMES_free(names);
	return found;
}

int ftp_cert_user(const struct conf_value *cf, const unsigned char *pem, size_t len, char *user,
		  size_t cap, char *subject, size_t subjcap)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest = NULL;
	char name[SLUICE_MAX_USERNAME + 2];
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
	if (!strcmp(cf[FC_TLS_USER_FROM_CERT].str, "cn")
		? !name_cn(leaf, name, sizeof name)
		: !name_email(leaf, cf[FC_TLS_USER_DOMAIN].str, name, sizeof name))
		goto out;
	if (!account_name_valid(name) || strlen(name) >= cap) goto out;
	memcpy(user, name, strlen(name) + 1);
	ok = 1;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	if (!ok) errno = err;
	return ok;
}
