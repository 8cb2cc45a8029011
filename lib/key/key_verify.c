/* key_verify: checks SSH signature blobs (string alg, string sig) made by
 * ed25519 (RFC 8709), RSA with SHA-2 (RFC 8332) and ECDSA (RFC 5656). */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include "key/key_internal.h"

static int key_verify_ed25519(const struct key_pubparts *pp, const unsigned char *s, size_t slen,
			      const unsigned char *data, size_t datalen)
{
	if (slen != KEY_ED25519_SIG_BYTES) return errno = EPROTO, 0;
	if (sodium_init() < 0) return errno = EIO, 0;
	if (crypto_sign_verify_detached(s, data, datalen, pp->ed_pk)) return errno = EACCES, 0;
	return 1;
}

static int key_verify_rsa(const struct key_pubparts *pp, const char *sigalg, const unsigned char *s,
			  size_t slen, const unsigned char *data, size_t datalen)
{
	unsigned char padded[KEY_RSA_MAX_BITS / 8];
	size_t nbytes = pp->rsa_nlen;
	int ok = 0;
	if (!slen || slen > nbytes || nbytes > sizeof padded) return errno = EPROTO, 0;
	/* Some signers drop leading zero bytes; restore the modulus length. */
	memset(padded, 0, nbytes - slen);
	memcpy(padded + (nbytes - slen), s, slen);
	const EVP_MD *md = !strcmp(sigalg, "rsa-sha2-512") ? EVP_sha512() : EVP_sha256();
	EVP_PKEY *pk = key_rsa_public_pkey(pp->rsa_n, pp->rsa_nlen, pp->rsa_e, pp->rsa_elen);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (pk && ctx && EVP_DigestVerifyInit(ctx, 0, md, 0, pk) == 1)
		ok = EVP_DigestVerify(ctx, padded, nbytes, data, datalen) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (!ok) errno = EACCES;
	return ok;
}

static int key_verify_ecdsa(const struct key_pubparts *pp, const unsigned char *s, size_t slen,
			    const unsigned char *data, size_t datalen)
{
	struct wire_in in;
	const unsigned char *r, *ss;
	uint32_t rlen, sslen;
	unsigned char h[EVP_MAX_MD_SIZE];
	size_t hlen;
	size_t fb = key_ec_field_bytes(pp->type);
	int ok = 0;
	wire_in_init(&in, s, slen);
	wire_get_mpint(&in, &r, &rlen);
	wire_get_mpint(&in, &ss, &sslen);
	if (!wire_done(&in) || !rlen || !sslen || rlen > fb || sslen > fb) return errno = EPROTO, 0;
	if (!key_ec_hash(pp->type, data, datalen, h, &hlen)) return 0;
	EC_KEY *ec = key_ec_from_point(pp->type, pp->ec_q, pp->ec_qlen);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)rlen, 0), *bs = BN_bin2bn(ss, (int)sslen, 0);
	if (ec && sig && br && bs && ECDSA_SIG_set0(sig, br, bs) == 1) {
		br = bs = 0;
		ok = ECDSA_do_verify(h, (int)hlen, sig, ec) == 1;
	}
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	EC_KEY_free(ec);
	if (!ok) errno = EACCES;
	return ok;
}

int key_verify(const struct key_public *k, const char *sigalg, const unsigned char *sig,
	       size_t siglen, const unsigned char *data, size_t datalen)
{
	struct wire_in in;
	struct key_pubparts pp;
	const unsigned char *alg, *s;
	uint32_t alglen, slen;
	if (!key_sigalg_fits(k->type, sigalg)) return errno = EACCES, 0;
	if (siglen > KEY_SIG_MAX) return errno = EMSGSIZE, 0;
	wire_in_init(&in, sig, siglen);
	wire_get_string(&in, &alg, &alglen);
	wire_get_string(&in, &s, &slen);
	if (!wire_done(&in)) return errno = EPROTO, 0;
	if (alglen != strlen(sigalg) || memcmp(alg, sigalg, alglen)) return errno = EPROTO, 0;
	if (!key_pubparts_of(k, &pp)) return errno = EPROTO, 0;
	switch (k->type) {
	case KEY_ED25519:
		return key_verify_ed25519(&pp, s, slen, data, datalen);
	case KEY_RSA:
		return key_verify_rsa(&pp, sigalg, s, slen, data, datalen);
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		return key_verify_ecdsa(&pp, s, slen, data, datalen);
	default:
		return errno = ENOTSUP, 0;
	}
}
