/* key_generate: new key pairs for keytools: ed25519 through libsodium,
 * RSA (e = 65537) and ECDSA on the NIST curves through libcrypto. */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_RSA_DEFAULT_BITS 3072

static int key_gen_ed25519(struct key_private *k)
{
	unsigned char pk[KEY_ED25519_PK_BYTES];
	struct key_pubparts pp = {.type = KEY_ED25519, .ed_pk = pk};
	k->ed_sk = sodium_malloc(KEY_ED25519_SK_BYTES);
	if (!k->ed_sk) return errno = ENOMEM, 0;
	crypto_sign_keypair(pk, k->ed_sk);
	return key_public_build(&k->pub, &pp);
}

/* Public blob from a BIGNUM pair through wiped temporaries. */
static int key_rsa_pub_from(struct key_private *k, const BIGNUM *n, const BIGNUM *e)
{
	unsigned char nb[KEY_RSA_MAX_BITS / 8], eb[KEY_RSA_E_MAX_BYTES];
	if (BN_num_bytes(n) > (int)sizeof nb || BN_num_bytes(e) > (int)sizeof eb)
		return errno = EINVAL, 0;
	struct key_pubparts pp = {.type = KEY_RSA, .rsa_n = nb, .rsa_e = eb};
	pp.rsa_nlen = (uint32_t)BN_bn2bin(n, nb);
	pp.rsa_elen = (uint32_t)BN_bn2bin(e, eb);
	return key_public_build(&k->pub, &pp);
}

static int key_gen_rsa(struct key_private *k, unsigned bits)
{
	if (!bits) bits = KEY_RSA_DEFAULT_BITS;
	if (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS) return errno = EINVAL, 0;
	RSA *rsa = RSA_new();
	BIGNUM *e = BN_new();
	int ok = rsa && e && BN_set_word(e, RSA_F4) == 1 &&
		 RSA_generate_key_ex(rsa, (int)bits, e, 0) == 1;
	BN_free(e);
	if (ok) {
		const BIGNUM *bn, *be;
		RSA_get0_key(rsa, &bn, &be, 0);
		ok = key_rsa_pub_from(k, bn, be) && (k->rsa = EVP_PKEY_new()) &&
		     EVP_PKEY_assign_RSA(k->rsa, rsa) == 1;
	}
	if (!ok) {
		if (!k->rsa || EVP_PKEY_get0_RSA(k->rsa) != rsa) RSA_free(rsa);
		return errno = EIO, 0;
	}
	return 1;
}

static int key_gen_ec(struct key_private *k, enum key_type t)
{
	unsigned char q[1 + 2 * 66];
	struct key_pubparts pp = {.type = t, .ec_q = q};
	k->ec = EC_KEY_new_by_curve_name(key_ec_nid(t));
	if (!k->ec || EC_KEY_generate_key(k->ec) != 1) return errno = EIO, 0;
	size_t n = EC_POINT_point2oct(EC_KEY_get0_group(k->ec), EC_KEY_get0_public_key(k->ec),
				      POINT_CONVERSION_UNCOMPRESSED, q, sizeof q, 0);
	if (n != 1 + 2 * key_ec_field_bytes(t)) return errno = EIO, 0;
	pp.ec_qlen = (uint32_t)n;
	return key_public_build(&k->pub, &pp);
}

int key_generate(struct key_private **out, enum key_type t, unsigned bits)
{
	int ok;
	*out = 0;
	struct key_private *k = key_private_alloc();
	if (!k) return 0;
	switch (t) {
	case KEY_ED25519:
		ok = key_gen_ed25519(k);
		break;
	case KEY_RSA:
		ok = key_gen_rsa(k, bits);
		break;
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		ok = key_gen_ec(k, t);
		break;
	default:
		ok = 0;
		errno = EINVAL;
		break;
	}
	if (!ok) {
		int e = errno;
		key_private_free(k);
		errno = e;
		return 0;
	}
	k->built = 1;
	*out = k;
	return 1;
}
