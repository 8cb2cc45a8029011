/* algo: thin wrappers over libsodium and libcrypto for the primitives the
 * SSH transport needs.  OpenSSL is only touched when an algorithm that
 * libsodium lacks is negotiated (AES-CTR, AES-128-GCM), so the common path
 * never pays its start-up cost. */
#ifndef SLUICE_ALGO_H
#define SLUICE_ALGO_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

enum algo_hash { ALGO_SHA256, ALGO_SHA384, ALGO_SHA512 };
#define ALGO_HASH_MAX 64

int algo_init(void);
/* libcrypto never reads OpenSSL's configuration file and leaves nothing
 * to do at exit (algo_crypto.c); before any other use of it.  0 on
 * failure. */
int algo_crypto_own_config(void);
void algo_random(void *p, size_t n);
/* Uniform in [0, n), n > 0. */
uint32_t algo_random_uniform(uint32_t n);
void algo_wipe(void *p, size_t n);
/* 1 when equal; constant time in n. */
int algo_memeq(const void *a, const void *b, size_t n);

size_t algo_hash_len(enum algo_hash h);
void algo_hash(enum algo_hash h, const void *p, size_t n, unsigned char *out);

/* HMAC with a precomputed keyed state (copied per message). */
struct algo_hmac {
	enum algo_hash h;
	union {
		crypto_auth_hmacsha256_state s256;
		crypto_auth_hmacsha512_state s512;
	} u;
};
void algo_hmac_init(struct algo_hmac *m, enum algo_hash h, const unsigned char *key, size_t keylen);
/* out gets algo_hash_len(h) bytes: HMAC(key, a || b). */
void algo_hmac2(const struct algo_hmac *m, const void *a, size_t alen, const void *b, size_t blen,
		unsigned char *out);

/* X25519: 0 on a low-order peer key (shared secret all zero). */
void algo_x25519_keypair(unsigned char pk[32], unsigned char sk[32]);
/* The public key of a given secret (known-answer tests). */
void algo_x25519_public(unsigned char pk[32], const unsigned char sk[32]);
int algo_x25519_shared(unsigned char shared[32], const unsigned char sk[32],
		       const unsigned char peer[32]);

/* ChaCha20 (64-bit nonce, 64-bit counter, as OpenSSH uses) and Poly1305. */
void algo_chacha20_xor(unsigned char *out, const unsigned char *in, size_t n,
		       const unsigned char nonce[8], uint64_t counter, const unsigned char key[32]);
void algo_poly1305(unsigned char tag[16], const unsigned char *in, size_t n,
		   const unsigned char key[32]);
int algo_poly1305_verify(const unsigned char tag[16], const unsigned char *in, size_t n,
			 const unsigned char key[32]);

/* The same through libcrypto (algo_chacha_evp.c): faster in bulk, dearer
 * to start.  0 on failure (the caller keeps the libsodium path). */
struct algo_chacha_evp {
	void *cipher; /* EVP_CIPHER_CTX */
	void *mac;    /* EVP_MAC_CTX */
};
int algo_chacha_evp_init(struct algo_chacha_evp *e);
void algo_chacha_evp_free(struct algo_chacha_evp *e);
int algo_chacha20_xor_evp(struct algo_chacha_evp *e, unsigned char *out, const unsigned char *in,
			  size_t n, const unsigned char nonce[8], uint64_t counter,
			  const unsigned char key[32]);
int algo_poly1305_evp(struct algo_chacha_evp *e, unsigned char tag[16], const unsigned char *in,
		      size_t n, const unsigned char key[32]);

/* AES-GCM with a 12-byte nonce, AES-256 through libsodium when the CPU has
 * AES-NI, otherwise (and AES-128 always) through libcrypto. */
struct algo_gcm {
	int use_sodium;
	crypto_aead_aes256gcm_state st; /* sodium */
	void *evp;			/* EVP_CIPHER_CTX */
	size_t keylen;
};
int algo_gcm_init(struct algo_gcm *g, const unsigned char *key, size_t keylen, int encrypt);
int algo_gcm_seal(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		  size_t aadlen, unsigned char *buf, size_t n, unsigned char tag[16]);
/* As algo_gcm_seal over buf[0..n), except that the srclen bytes at
 * buf + at are taken from src: the result is that of copying them there
 * first, without the copy where the library allows it. */
int algo_gcm_seal_from(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		       size_t aadlen, unsigned char *buf, size_t n, size_t at,
		       const unsigned char *src, size_t srclen, unsigned char tag[16]);
/* 0 when the tag does not verify; buf is then undefined. */
int algo_gcm_open(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		  size_t aadlen, unsigned char *buf, size_t n, const unsigned char tag[16]);
void algo_gcm_free(struct algo_gcm *g);

/* AES-CTR through libcrypto, stream state kept between calls. */
struct algo_ctr {
	void *evp;
};
int algo_ctr_init(struct algo_ctr *c, const unsigned char *key, size_t keylen,
		  const unsigned char iv[16]);
int algo_ctr_xor(struct algo_ctr *c, unsigned char *buf, size_t n);
void algo_ctr_free(struct algo_ctr *c);

#endif
