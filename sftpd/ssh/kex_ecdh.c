/* kex_ecdh: ecdh-sha2-nistp256/384/521 (RFC 5656 s4) through libcrypto,
 * which is started only when one of them is negotiated.  Q_C and Q_S are
 * uncompressed points (strings); K is the shared point's x coordinate as
 * an mpint.  The client's point must be on the curve and not at infinity;
 * the NIST curves have cofactor 1, so that is the whole check. */
#define OPENSSL_API_COMPAT 0x10100000L
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include "log/log.h"
#include "kex.h"

#define ECDH_FIELD_MAX 66 /* P-521 */

static int curve_nid(unsigned bits)
{
	switch (bits) {
	case 256:
		return NID_X9_62_prime256v1;
	case 384:
		return NID_secp384r1;
	case 521:
		return NID_secp521r1;
	}
	return NID_undef;
}

size_t kex_ecdh_point_len(unsigned bits)
{
	return curve_nid(bits) == NID_undef ? 0 : 1 + 2 * (size_t)((bits + 7) / 8);
}

/* The client's point, checked. */
static EC_KEY *peer_key(int nid, const unsigned char *q, size_t qlen)
{
	EC_KEY *ec = EC_KEY_new_by_curve_name(nid);
	const EC_GROUP *g = ec ? EC_KEY_get0_group(ec) : 0;
	EC_POINT *pt = g ? EC_POINT_new(g) : 0;
	int good = pt && EC_POINT_oct2point(g, pt, q, qlen, 0) == 1 &&
		   !EC_POINT_is_at_infinity(g, pt) && EC_POINT_is_on_curve(g, pt, 0) == 1 &&
		   EC_KEY_set_public_key(ec, pt) == 1;
	EC_POINT_free(pt);
	if (good) return ec;
	EC_KEY_free(ec);
	return 0;
}

/* The server's key: from a fixed scalar (tests) or a fresh one. */
static EC_KEY *own_key(int nid, const unsigned char *priv, size_t privlen)
{
	EC_KEY *ec = EC_KEY_new_by_curve_name(nid);
	const EC_GROUP *g = ec ? EC_KEY_get0_group(ec) : 0;
	BIGNUM *d = 0;
	EC_POINT *pub = 0;
	int good;

	if (!g) goto fail;
	if (!priv) {
		if (EC_KEY_generate_key(ec) == 1) return ec;
		goto fail;
	}
	d = BN_bin2bn(priv, (int)privlen, 0);
	pub = EC_POINT_new(g);
	good = d && pub && EC_POINT_mul(g, pub, d, 0, 0, 0) == 1 &&
	       EC_KEY_set_private_key(ec, d) == 1 && EC_KEY_set_public_key(ec, pub) == 1;
	BN_clear_free(d);
	EC_POINT_free(pub);
	if (good) return ec;
fail:
	EC_KEY_free(ec);
	return 0;
}

static EVP_PKEY *wrap(EC_KEY *ec)
{
	EVP_PKEY *pk = ec ? EVP_PKEY_new() : 0;
	if (pk && EVP_PKEY_set1_EC_KEY(pk, ec) == 1) return pk;
	EVP_PKEY_free(pk);
	return 0;
}

static int derive(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char *z, size_t *zlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, 0);
	size_t want = *zlen;
	int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && !defined(LIBRESSL_VERSION_NUMBER)
		 /* peer_key has checked the point; OpenSSL 3 would check it again */
		 EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 &&
#else
		 EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
#endif
		 EVP_PKEY_derive(ctx, z, zlen) == 1 && *zlen == want;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int kex_ecdh_compute(unsigned bits, const unsigned char *priv, size_t privlen,
		     const unsigned char *qc, size_t qclen, unsigned char *qs, size_t *qslen,
		     unsigned char *z, size_t *zlen)
{
	int nid = curve_nid(bits);
	size_t plen = kex_ecdh_point_len(bits);
	EC_KEY *peer = 0, *mine = 0;
	EVP_PKEY *pp = 0, *pm = 0;
	int ok = 0;

	if (nid == NID_undef) return (errno = EINVAL, 0);
	if (qclen != plen || qc[0] != POINT_CONVERSION_UNCOMPRESSED ||
	    !(peer = peer_key(nid, qc, qclen))) {
		errno = EPROTO;
		goto out;
	}
	errno = EIO;
	mine = own_key(nid, priv, privlen);
	if (!mine || EC_POINT_point2oct(EC_KEY_get0_group(mine), EC_KEY_get0_public_key(mine),
					POINT_CONVERSION_UNCOMPRESSED, qs, plen, 0) != plen)
		goto out;
	*qslen = plen;
	*zlen = (bits + 7) / 8;
	pp = wrap(peer);
	pm = wrap(mine);
	ok = pp && pm && derive(pm, pp, z, zlen);
out:
	EVP_PKEY_free(pp);
	EVP_PKEY_free(pm);
	EC_KEY_free(peer);
	EC_KEY_free(mine);
	return ok;
}

static int ecdh_exchange(struct kex *k, struct wire_in *in, struct kex_result *r)
{
	const unsigned char *qc;
	uint32_t qclen;
	unsigned char qs[1 + 2 * ECDH_FIELD_MAX], z[ECDH_FIELD_MAX];
	size_t qslen, zlen;
	unsigned bits = k->method->param;

	wire_get_string(in, &qc, &qclen);
	if (!wire_done(in) || qclen != kex_ecdh_point_len(bits)) {
		log_warn("malformed ECDH_INIT for %s", k->method->name);
		return (errno = EPROTO, 0);
	}
	if (!kex_ecdh_compute(bits, 0, 0, qc, qclen, qs, &qslen, z, &zlen)) {
		if (errno == EPROTO)
			log_warn("client sent no point of the %s curve", k->method->name);
		return 0;
	}
	wire_put_string(&r->hash, qc, qclen);
	wire_put_string(&r->hash, qs, qslen);
	wire_put_string(&r->reply, qs, qslen);
	wire_put_mpint(&r->secret, z, zlen);
	algo_wipe(z, sizeof z);
	return 1;
}

const struct kex_family kex_family_ecdh = {
    .init_msg = SSH_MSG_KEX_ECDH_INIT,
    .reply_msg = SSH_MSG_KEX_ECDH_REPLY,
    .exchange = ecdh_exchange,
};
