/* key: SSH public and private keys.  Public key blobs (RFC 4253 s6.6),
 * signatures (RFC 8332 rsa-sha2-*, RFC 5656 ecdsa, RFC 8709 ed25519),
 * OpenSSH private key files (openssh-key-v1, unencrypted), authorized_keys
 * lines, RFC 4716 public key blocks, SHA256 fingerprints as ssh-keygen -l
 * prints them, and key generation for keytools. */
#ifndef SLUICE_KEY_H
#define SLUICE_KEY_H

#include <stddef.h>
#include "wire/wire.h"

enum key_type {
	KEY_NONE = 0,
	KEY_ED25519,
	KEY_RSA,
	KEY_ECDSA_P256,
	KEY_ECDSA_P384,
	KEY_ECDSA_P521,
};

#define KEY_BLOB_MAX 2048 /* fits RSA up to 8192 bits */
#define KEY_SIG_MAX 1100  /* SSH signature blob: string alg + string sig */
#define KEY_FP_MAX 64	  /* "SHA256:" + 43 base64 chars + NUL */
#define KEY_RSA_MIN_BITS 2048
#define KEY_RSA_MAX_BITS 8192
#define KEY_PRIVATE_TEXT_MAX 32768 /* openssh-key-v1 PEM file ceiling */
#define KEY_LINE_MAX 16384	   /* one authorized_keys line */

struct key_public {
	enum key_type type;
	size_t bloblen;
	unsigned char blob[KEY_BLOB_MAX];
};

struct key_private; /* opaque; secret parts in sodium_malloc memory */

/* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ... */
const char *key_type_name(enum key_type t);
enum key_type key_type_from_name(const char *name, size_t len);

/* Parses and fully validates a public key blob.  0 + EPROTO when malformed,
 * 0 + ENOTSUP for unknown types, RSA below KEY_RSA_MIN_BITS refused (EACCES). */
int key_public_from_blob(struct key_public *k, const unsigned char *blob, size_t len);
int key_public_equal(const struct key_public *a, const struct key_public *b);

/* 1 if sigalg may be used with key type t ("rsa-sha2-256"/"rsa-sha2-512"
 * for RSA (never SHA-1 "ssh-rsa"), the type name for the others). */
int key_sigalg_fits(enum key_type t, const char *sigalg);

/* Verifies an SSH signature blob (string alg, string sig) over data.  The
 * blob's algorithm must equal sigalg and fit the key.  1 valid, 0 invalid. */
int key_verify(const struct key_public *k, const char *sigalg, const unsigned char *sig,
	       size_t siglen, const unsigned char *data, size_t datalen);

/* Private keys.  key_private_load reads an unencrypted openssh-key-v1 PEM
 * file; 0 + errno (EPROTO malformed, ENOTSUP encrypted or unknown type). */
int key_private_load(struct key_private **out, const char *path);
int key_private_parse(struct key_private **out, const char *text, size_t len);
void key_private_free(struct key_private *k);
const struct key_public *key_private_public(const struct key_private *k);
/* Writes an SSH signature blob (string alg, string sig) into sig (capacity
 * KEY_SIG_MAX); *siglen set.  sigalg as in key_sigalg_fits. */
int key_sign(const struct key_private *k, const char *sigalg, const unsigned char *data,
	     size_t datalen, unsigned char *sig, size_t *siglen);

/* Generation (bits only for RSA; 0 = 3072). */
int key_generate(struct key_private **out, enum key_type t, unsigned bits);
/* openssh-key-v1 PEM text, malloc'd; caller wipes and frees. */
int key_private_format(const struct key_private *k, const char *comment, char **text, size_t *len);

/* "ssh-ed25519 AAAA... comment\n" into buf. */
int key_public_format_openssh(const struct key_public *k, const char *comment, char *buf,
			      size_t cap);
/* RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block into buf. */
int key_public_format_rfc4716(const struct key_public *k, const char *comment, char *buf,
			      size_t cap);
/* "SHA256:<base64 without padding>" exactly as ssh-keygen -l prints. */
void key_fingerprint(const struct key_public *k, char out[KEY_FP_MAX]);

/* One authorized_keys line.  1 = key parsed into k.  0 with errno:
 * ENOENT blank or comment line; EPROTO malformed; EACCES the line has an
 * option sluice does not enforce (the key is then unusable; why says which). */
int key_parse_authorized_line(const char *line, size_t len, struct key_public *k, char *why,
			      size_t whylen);
/* One RFC 4716 block starting at text; *used = bytes consumed (on failure
 * too: through the END line, or just the BEGIN line when END is missing). */
int key_parse_rfc4716(const char *text, size_t len, size_t *used, struct key_public *k);
/* Reads a public key in either format (first key of the text). */
int key_parse_public_any(const char *text, size_t len, struct key_public *k);
/* Scans a whole authorized-keys text (OpenSSH lines and RFC 4716 blocks
 * mixed) for k.  1 found; 0 not found.  Malformed or refused entries are
 * skipped, each reported through warn (may be NULL) with a reason. */
int key_authorized_find(const char *text, size_t len, const struct key_public *k,
			void (*warn)(const char *reason, unsigned lineno));

/* Added for keytools and logging. */
/* Key size in bits as ssh-keygen -l shows it (256 for ed25519). */
unsigned key_public_bits(const struct key_public *k);
/* RSA and ECDSA private keys from a file are checked at load only as far
 * as libcrypto is not needed (structure, check ints, padding, public half
 * equal to the public key); their libcrypto objects are made and checked
 * (n = p*q, e*d, point on the curve, d*G = Q) at first key_sign, so that
 * loading an unused RSA/ECDSA host key does not start OpenSSL.
 * key_private_check does that now: 1 ok, 0 + EPROTO inconsistent key. */
int key_private_check(const struct key_private *k);
/* The comment stored in a private key file ("" when none). */
const char *key_private_comment(const struct key_private *k);
/* "ED25519", "RSA", "ECDSA" as ssh-keygen -l prints in parentheses. */
const char *key_type_label(enum key_type t);
/* As key_parse_public_any, also returning the comment (RFC 4716 Comment
 * header, or the text after the base64 of an OpenSSH line). */
int key_parse_public_any_comment(const char *text, size_t len, struct key_public *k, char *comment,
				 size_t cap);

#endif
