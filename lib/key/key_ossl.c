/* key_ossl: the libcrypto side of RSA and ECDSA keys (curve tables, point
 * validation, building public key objects, bignum output).  Nothing here
 * runs for ed25519 keys, so OpenSSL stays uninitialised on that path. */
#include <errno.h>
#include <sodium.h>
#include "key/key_internal.h"

int key_ec_nid(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P256:
		return NID_X9_62_prime256v1;
	case KEY_ECDSA_P384:
		return NID_secp384r1;
	case KEY_ECDSA_P521:
		return NID_secp521r1;
	default:
		return NID_undef;
	}
}

const char *key_ec_curve_name(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P256:
		return "nistp256";
	case KEY_ECDSA_P384:
		return "nistp384";
	case KEY_ECDSA_P521:
		return "nistp521";
	default:
		return "";
	}
}

size_t key_ec_field_bytes(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P256:
		return 32;
	case KEY_ECDSA_P384:
		return 48;
	case KEY_ECDSA_P521:
		return 66;
	default:
		return 0;
	}
}

unsigned key_mag_bits(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && !p[i])
		i++;
	if (i == n) return 0;
	unsigned bits = (unsigned)(n - i - 1) * 8;
	for (unsigned c = p[i]; c; c >>= 1)
		bits++;
	return bits;
}

EC_KEY *key_ec_from_point(enum key_type t, const unsigned char *q, size_t qlen)
{
	size_t fb = key_ec_field_bytes(t);
	if (!fb || qlen != 1 + 2 * fb || q[0] != 0x04) return errno = EPROTO, (EC_KEY *)0;
	EC_KEY *ec = EC_KEY_new_by_curve_name(key_ec_nid(t));
	if (!ec) return errno = ENOMEM, (EC_KEY *)0;
	const EC_GROUP *g = EC_KEY_get0_group(ec);
	EC_POINT *pt = EC_POINT_new(g);
	int good = pt && EC_POINT_oct2point(g, pt, q, qlen, 0) == 1 &&
		   !EC_POINT_is_at_infinity(g, pt) && EC_POINT_is_on_curve(g, pt, 0) == 1 &&
		   EC_KEY_set_public_key(ec, pt) == 1 && EC_KEY_check_key(ec) == 1;
	EC_POINT_free(pt);
	if (!good) {
		EC_KEY_free(ec);
		errno = EPROTO;
		return 0;
	}
	return ec;
}

int key_ec_point_valid(enum key_type t, const unsigned char *q, size_t qlen)
{
	EC_KEY *ec = key_ec_from_point(t, q, qlen);
	if (!ec) return 0;
	EC_KEY_free(ec);
	return 1;
}

EVP_PKEY *key_rsa_public_pkey(const unsigned char *n, size_t nlen, const unsigned char *e,
			      size_t elen)
{
	RSA *rsa = RSA_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, 0), *be = BN_bin2bn(e, (int)elen, 0);
	EVP_PKEY *pk = EVP_PKEY_new();
	if (!rsa || !bn || !be || !pk) goto fail;
	if (RSA_set0_key(rsa, bn, be, 0) != 1) goto fail;
	bn = be = 0;
	if (EVP_PKEY_assign_RSA(pk, rsa) != 1) goto fail;
	return pk;
fail:
	BN_free(bn);
	BN_free(be);
	RSA_free(rsa);
	EVP_PKEY_free(pk);
	errno = ENOMEM;
	return 0;
}

int key_put_bn(struct wire_out *out, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	if (n < 0 || n > 1100) return errno = EMSGSIZE, 0;
	unsigned char *tmp = sodium_malloc((size_t)n + 1);
	if (!tmp) return errno = ENOMEM, 0;
	BN_bn2bin(bn, tmp);
	int r = wire_put_mpint(out, tmp, (size_t)n);
	sodium_free(tmp);
	return r;
}

int key_ec_hash(enum key_type t, const unsigned char *data, size_t len, unsigned char *out,
		size_t *outlen)
{
	switch (t) {
	case KEY_ECDSA_P256:
		crypto_hash_sha256(out, data, len);
		*outlen = 32;
		return 1;
	case KEY_ECDSA_P384: {
		unsigned int l = 0;
		if (EVP_Digest(data, len, out, &l, EVP_sha384(), 0) != 1) return errno = EIO, 0;
		*outlen = l;
		return 1;
	}
	case KEY_ECDSA_P521:
		crypto_hash_sha512(out, data, len);
		*outlen = 64;
		return 1;
	default:
		return errno = EINVAL, 0;
	}
}
