/* algo_sodium: hashing, HMAC, X25519, ChaCha20/Poly1305 and randomness,
 * all through libsodium (no OpenSSL start-up cost on this path). */
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>
#include "algo.h"

int algo_init(void)
{
	if (sodium_init() < 0) {
		errno = ENOSYS;
		return 0;
	}
	return 1;
}

void algo_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}

uint32_t algo_random_uniform(uint32_t n)
{
	return randombytes_uniform(n);
}

void algo_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

int algo_memeq(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

size_t algo_hash_len(enum algo_hash h)
{
	switch (h) {
	case ALGO_SHA256:
		return 32;
	case ALGO_SHA384:
		return 48;
	case ALGO_SHA512:
		return 64;
	}
	return 0;
}

void algo_hash(enum algo_hash h, const void *p, size_t n, unsigned char *out)
{
	unsigned int len;
	switch (h) {
	case ALGO_SHA256:
		crypto_hash_sha256(out, p, n);
		break;
	case ALGO_SHA512:
		crypto_hash_sha512(out, p, n);
		break;
	case ALGO_SHA384:
		EVP_Digest(p, n, out, &len, EVP_sha384(), 0);
		break;
	}
}

void algo_hmac_init(struct algo_hmac *m, enum algo_hash h, const unsigned char *key, size_t keylen)
{
	m->h = h;
	if (h == ALGO_SHA512)
		crypto_auth_hmacsha512_init(&m->u.s512, key, keylen);
	else
		crypto_auth_hmacsha256_init(&m->u.s256, key, keylen);
}

void algo_hmac2(const struct algo_hmac *m, const void *a, size_t alen, const void *b, size_t blen,
		unsigned char *out)
{
	if (m->h == ALGO_SHA512) {
		crypto_auth_hmacsha512_state st = m->u.s512;
		crypto_auth_hmacsha512_update(&st, a, alen);
		crypto_auth_hmacsha512_update(&st, b, blen);
		crypto_auth_hmacsha512_final(&st, out);
		sodium_memzero(&st, sizeof st);
	} else {
		crypto_auth_hmacsha256_state st = m->u.s256;
		crypto_auth_hmacsha256_update(&st, a, alen);
		crypto_auth_hmacsha256_update(&st, b, blen);
		crypto_auth_hmacsha256_final(&st, out);
		sodium_memzero(&st, sizeof st);
	}
}

void algo_x25519_keypair(unsigned char pk[32], unsigned char sk[32])
{
	randombytes_buf(sk, 32);
	crypto_scalarmult_base(pk, sk);
}

void algo_x25519_public(unsigned char pk[32], const unsigned char sk[32])
{
	crypto_scalarmult_base(pk, sk);
}

int algo_x25519_shared(unsigned char shared[32], const unsigned char sk[32],
		       const unsigned char peer[32])
{
	/* libsodium returns -1 when the result is all zero (low-order point). */
	return crypto_scalarmult(shared, sk, peer) == 0;
}

void algo_chacha20_xor(unsigned char *out, const unsigned char *in, size_t n,
		       const unsigned char nonce[8], uint64_t counter, const unsigned char key[32])
{
	crypto_stream_chacha20_xor_ic(out, in, n, nonce, counter, key);
}

void algo_poly1305(unsigned char tag[16], const unsigned char *in, size_t n,
		   const unsigned char key[32])
{
	crypto_onetimeauth_poly1305(tag, in, n, key);
}

int algo_poly1305_verify(const unsigned char tag[16], const unsigned char *in, size_t n,
			 const unsigned char key[32])
{
	return crypto_onetimeauth_poly1305_verify(tag, in, n, key) == 0;
}
