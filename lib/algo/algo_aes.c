/* algo_aes: AES-GCM and AES-CTR.  AES-256-GCM goes through libsodium when
 * the CPU supports it; everything else through libcrypto's EVP, which is
 * only initialised when such a cipher is actually negotiated. */
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>
#include "algo.h"

static const EVP_CIPHER *gcm_cipher(size_t keylen)
{
	return keylen == 16 ? EVP_aes_128_gcm() : keylen == 32 ? EVP_aes_256_gcm() : 0;
}

int algo_gcm_init(struct algo_gcm *g, const unsigned char *key, size_t keylen, int encrypt)
{
	const EVP_CIPHER *c = gcm_cipher(keylen);
	EVP_CIPHER_CTX *ctx;

	g->keylen = keylen;
	g->evp = 0;
	g->use_sodium = keylen == 32 && crypto_aead_aes256gcm_is_available();
	if (g->use_sodium) return crypto_aead_aes256gcm_beforenm(&g->st, key) == 0;
	if (!c) return (errno = EINVAL, 0);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) return (errno = ENOMEM, 0);
	if (!EVP_CipherInit_ex(ctx, c, 0, key, 0, encrypt) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, 0)) {
		EVP_CIPHER_CTX_free(ctx);
		return (errno = EIO, 0);
	}
	g->evp = ctx;
	return 1;
}

int algo_gcm_seal(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		  size_t aadlen, unsigned char *buf, size_t n, unsigned char tag[16])
{
	int len;
	if (g->use_sodium) {
		unsigned long long taglen;
		return crypto_aead_aes256gcm_encrypt_detached_afternm(
			   buf, tag, &taglen, buf, n, aad, aadlen, 0, nonce, &g->st) == 0;
	}
	if (!EVP_CipherInit_ex(g->evp, 0, 0, 0, nonce, 1)) return 0;
	if (aadlen && !EVP_CipherUpdate(g->evp, 0, &len, aad, (int)aadlen)) return 0;
	if (!EVP_CipherUpdate(g->evp, buf, &len, buf, (int)n)) return 0;
	if (!EVP_CipherFinal_ex(g->evp, buf + len, &len)) return 0;
	return EVP_CIPHER_CTX_ctrl(g->evp, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}

/* libsodium's AES-256-GCM is one call over contiguous bytes: the gap is
 * filled first.  libcrypto's takes the packet in three updates, the middle
 * one reading src and writing the packet. */
int algo_gcm_seal_from(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		       size_t aadlen, unsigned char *buf, size_t n, size_t at,
		       const unsigned char *src, size_t srclen, unsigned char tag[16])
{
	size_t after = at + srclen;
	int len;

	if (g->use_sodium) {
		memcpy(buf + at, src, srclen);
		return algo_gcm_seal(g, nonce, aad, aadlen, buf, n, tag);
	}
	if (!EVP_CipherInit_ex(g->evp, 0, 0, 0, nonce, 1)) return 0;
	if (aadlen && !EVP_CipherUpdate(g->evp, 0, &len, aad, (int)aadlen)) return 0;
	if (at && !EVP_CipherUpdate(g->evp, buf, &len, buf, (int)at)) return 0;
	if (srclen && !EVP_CipherUpdate(g->evp, buf + at, &len, src, (int)srclen)) return 0;
	if (n > after &&
	    !EVP_CipherUpdate(g->evp, buf + after, &len, buf + after, (int)(n - after)))
		return 0;
	if (!EVP_CipherFinal_ex(g->evp, buf + n, &len)) return 0;
	return EVP_CIPHER_CTX_ctrl(g->evp, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}

int algo_gcm_open(struct algo_gcm *g, const unsigned char nonce[12], const unsigned char *aad,
		  size_t aadlen, unsigned char *buf, size_t n, const unsigned char tag[16])
{
	int len;
	if (g->use_sodium)
		return crypto_aead_aes256gcm_decrypt_detached_afternm(buf, 0, buf, n, tag, aad,
								      aadlen, nonce, &g->st) == 0;
	if (!EVP_CipherInit_ex(g->evp, 0, 0, 0, nonce, 0)) return 0;
	if (aadlen && !EVP_CipherUpdate(g->evp, 0, &len, aad, (int)aadlen)) return 0;
	if (!EVP_CipherUpdate(g->evp, buf, &len, buf, (int)n)) return 0;
	if (!EVP_CIPHER_CTX_ctrl(g->evp, EVP_CTRL_GCM_SET_TAG, 16, (void *)tag)) return 0;
	return EVP_CipherFinal_ex(g->evp, buf + len, &len) == 1;
}

void algo_gcm_free(struct algo_gcm *g)
{
	if (g->evp) EVP_CIPHER_CTX_free(g->evp);
	g->evp = 0;
	sodium_memzero(&g->st, sizeof g->st);
}

int algo_ctr_init(struct algo_ctr *c, const unsigned char *key, size_t keylen,
		  const unsigned char iv[16])
{
	const EVP_CIPHER *ci = keylen == 16   ? EVP_aes_128_ctr()
			       : keylen == 32 ? EVP_aes_256_ctr()
					      : 0;
	EVP_CIPHER_CTX *ctx;
	if (!ci) return (errno = EINVAL, 0);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) return (errno = ENOMEM, 0);
	if (!EVP_EncryptInit_ex(ctx, ci, 0, key, iv)) {
		EVP_CIPHER_CTX_free(ctx);
		return (errno = EIO, 0);
	}
	c->evp = ctx;
	return 1;
}

int algo_ctr_xor(struct algo_ctr *c, unsigned char *buf, size_t n)
{
	int len;
	while (n) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
		if (!EVP_EncryptUpdate(c->evp, buf, &len, buf, chunk)) return (errno = EIO, 0);
		buf += chunk;
		n -= chunk;
	}
	return 1;
}

void algo_ctr_free(struct algo_ctr *c)
{
	if (c->evp) EVP_CIPHER_CTX_free(c->evp);
	c->evp = 0;
}
