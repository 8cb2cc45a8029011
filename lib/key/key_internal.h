/* key_internal: what the lib/key source files share and nothing else
 * includes.  OpenSSL headers are included here but OpenSSL is only called
 * for RSA and ECDSA keys, never on the ed25519 path. */
#ifndef SLUICE_KEY_INTERNAL_H
#define SLUICE_KEY_INTERNAL_H

#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include "key/key.h"

#define KEY_ED25519_PK_BYTES 32
#define KEY_ED25519_SK_BYTES 64
#define KEY_ED25519_SIG_BYTES 64
#define KEY_COMMENT_MAX 1024
#define KEY_RSA_E_MAX_BYTES 8
/* openssh-key-v1 decoded blob ceiling (RSA-8192 private is ~4.7 KiB). */
#define KEY_PRIVBLOB_MAX 16384

struct key_private {
	struct key_public pub;
	unsigned char *ed_sk; /* sodium_malloc'd 64 bytes: seed || pk */
	EVP_PKEY *rsa;	      /* RSA key with private parts */
	EC_KEY *ec;	      /* ECDSA key with private scalar */
	/* RSA/ECDSA keys read from a file keep their private fields here and
	 * become libcrypto objects at first use (key_private_check), so that
	 * loading an unused RSA or ECDSA host key never starts OpenSSL. */
	unsigned char *raw; /* sodium_malloc'd wire fields after the type string */
	size_t rawlen;
	int built;  /* rsa/ec made (or ed25519: nothing to make) */
	int broken; /* a build failed: the fields are inconsistent */
	char comment[KEY_COMMENT_MAX];
};

/* Parsed public parts, pointers into the blob they came from. */
struct key_pubparts {
	enum key_type type;
	const unsigned char *ed_pk; /* 32 bytes */
	const unsigned char *rsa_e, *rsa_n;
	uint32_t rsa_elen, rsa_nlen;
	const unsigned char *ec_q;
	uint32_t ec_qlen;
};

/* key_blob.c: reads the type-specific public fields after the type string;
 * checks them (RSA size, EC point on curve). */
int key_read_pubparts(struct wire_in *in, enum key_type t, struct key_pubparts *pp);
/* key_public_from_blob without the on-curve check of an ECDSA point (a
 * private key file's own public half; checked when the key is built). */
int key_public_from_blob_lazy(struct key_public *k, const unsigned char *blob, size_t len);
/* Decomposes a whole public blob k->blob. */
int key_pubparts_of(const struct key_public *k, struct key_pubparts *pp);
/* Writes a public blob for pp into k. */
int key_public_build(struct key_public *k, const struct key_pubparts *pp);

/* key_ossl.c: OpenSSL helpers, used only for RSA and ECDSA. */
int key_ec_nid(enum key_type t);
const char *key_ec_curve_name(enum key_type t);
size_t key_ec_field_bytes(enum key_type t);
/* 1 when q is an uncompressed point on t's curve (not infinity). */
int key_ec_point_valid(enum key_type t, const unsigned char *q, size_t qlen);
EC_KEY *key_ec_from_point(enum key_type t, const unsigned char *q, size_t qlen);
EVP_PKEY *key_rsa_public_pkey(const unsigned char *n, size_t nlen, const unsigned char *e,
			      size_t elen);
/* Number of significant bits in a big-endian magnitude. */
unsigned key_mag_bits(const unsigned char *p, size_t n);
/* Writes bn as an SSH mpint (through a wiped temporary). */
int key_put_bn(struct wire_out *out, const BIGNUM *bn);
/* hash for the ECDSA curve: SHA-256/384/512; out >= 64 bytes. */
int key_ec_hash(enum key_type t, const unsigned char *data, size_t len, unsigned char *out,
		size_t *outlen);

/* key_private.c */
struct key_private *key_private_alloc(void);

/* key_private_ossl.c: private fields after the type string. */
/* build 0: read and size-check the fields only (no libcrypto); build 1:
 * also make and check the libcrypto object into k. */
int key_read_rsa_private(struct wire_in *in, struct key_private *k, struct key_pubparts *pp,
			 int build);
int key_read_ec_private(struct wire_in *in, struct key_private *k, struct key_pubparts *pp,
			int build);
int key_sign_rsa(const struct key_private *k, const char *sigalg, const unsigned char *data,
		 size_t datalen, struct wire_out *out);
int key_sign_ec(const struct key_private *k, const unsigned char *data, size_t datalen,
		struct wire_out *out);

/* key_type.c */
int key_is_space(int c);

/* key_authline.c / key_rfc4716.c: parsers that also return the comment. */
int key_parse_authorized_line_c(const char *line, size_t len, struct key_public *k, char *why,
				size_t whylen, char *comment, size_t cap);
int key_parse_rfc4716_c(const char *text, size_t len, size_t *used, struct key_public *k,
			char *comment, size_t cap);

#endif
