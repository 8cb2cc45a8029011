/* key_private_ossl: RSA and ECDSA private keys held in libcrypto objects:
 * building them from openssh-key-v1 fields with consistency checks, and
 * signing (RFC 8332 PKCS#1 v1.5 with SHA-2, RFC 5656 ECDSA). */
#include <errno.h>
#include <string.h>
#include "key/key_internal.h"

static BIGNUM *key_bn(const unsigned char *p, uint32_t n)
{
	return BN_bin2bn(p, (int)n, 0);
}

/* n == p*q, e*d == 1 mod p-1 and q-1, iqmp*q == 1 mod p; sets CRT values. */
static int key_rsa_consistent(BIGNUM *n, BIGNUM *e, BIGNUM *d, BIGNUM *iqmp, BIGNUM *p, BIGNUM *q,
			      BIGNUM *dmp1, BIGNUM *dmq1)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *t = BN_new(), *p1 = BN_new(), *q1 = BN_new();
	int ok = ctx && t && p1 && q1 && BN_mul(t, p, q, ctx) && !BN_cmp(t, n) &&
		 BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) &&
		 BN_mod_mul(t, e, d, p1, ctx) && BN_is_one(t) && BN_mod_mul(t, e, d, q1, ctx) &&
		 BN_is_one(t) && BN_mod_mul(t, iqmp, q, p, ctx) && BN_is_one(t) &&
		 BN_mod(dmp1, d, p1, ctx) && BN_mod(dmq1, d, q1, ctx);
	BN_clear_free(t);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_CTX_free(ctx);
	return ok;
}

static EVP_PKEY *key_rsa_assemble(BIGNUM *bn[6])
{
	/* bn: n e d iqmp p q; ownership passes to the RSA object on success. */
	BIGNUM *dmp1 = BN_new(), *dmq1 = BN_new();
	RSA *rsa = RSA_new();
	EVP_PKEY *pk = EVP_PKEY_new();
	if (!dmp1 || !dmq1 || !rsa || !pk) goto fail;
	if (!key_rsa_consistent(bn[0], bn[1], bn[2], bn[3], bn[4], bn[5], dmp1, dmq1)) goto fail;
	if (RSA_set0_key(rsa, bn[0], bn[1], bn[2]) != 1) goto fail;
	bn[0] = bn[1] = bn[2] = 0;
	if (RSA_set0_factors(rsa, bn[4], bn[5]) != 1) goto fail;
	bn[4] = bn[5] = 0;
	if (RSA_set0_crt_params(rsa, dmp1, dmq1, bn[3]) != 1) goto fail;
	dmp1 = dmq1 = bn[3] = 0;
	if (EVP_PKEY_assign_RSA(pk, rsa) != 1) goto fail;
	return pk;
fail:
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	RSA_free(rsa);
	EVP_PKEY_free(pk);
	return 0;
}

/* RSA private part: mpint n, e, d, iqmp, p, q. */
int key_read_rsa_private(struct wire_in *in, struct key_private *k, struct key_pubparts *pp,
			 int build)
{
	const unsigned char *v[6];
	uint32_t l[6];
	BIGNUM *bn[6] = {0};
	for (int i = 0; i < 6; i++)
		if (!wire_get_mpint(in, &v[i], &l[i])) return 0;
	pp->rsa_n = v[0], pp->rsa_nlen = l[0];
	pp->rsa_e = v[1], pp->rsa_elen = l[1];
	if (l[0] > KEY_RSA_MAX_BITS / 8 || l[1] > KEY_RSA_E_MAX_BYTES) return errno = EPROTO, 0;
	for (int i = 0; i < 6; i++)
		if (!l[i] || l[i] > KEY_RSA_MAX_BITS / 8) return errno = EPROTO, 0;
	if (!build) return 1;
	int ok = 1;
	for (int i = 0; i < 6; i++)
		if (!(bn[i] = key_bn(v[i], l[i]))) ok = 0;
	if (ok && !(k->rsa = key_rsa_assemble(bn))) ok = 0;
	for (int i = 0; i < 6; i++)
		BN_clear_free(bn[i]);
	return ok ? 1 : (errno = EPROTO, 0);
}

/* ECDSA private part: string curve, string Q, mpint d; d*G must be Q. */
int key_read_ec_private(struct wire_in *in, struct key_private *k, struct key_pubparts *pp,
			int build)
{
	const unsigned char *curve, *d;
	uint32_t clen, dlen;
	const char *want = key_ec_curve_name(pp->type);
	if (!wire_get_string(in, &curve, &clen) || !wire_get_string(in, &pp->ec_q, &pp->ec_qlen) ||
	    !wire_get_mpint(in, &d, &dlen))
		return 0;
	if (clen != strlen(want) || memcmp(curve, want, clen)) return errno = EPROTO, 0;
	if (!dlen || dlen > key_ec_field_bytes(pp->type)) return errno = EPROTO, 0;
	if (pp->ec_qlen != 1 + 2 * key_ec_field_bytes(pp->type)) return errno = EPROTO, 0;
	if (!build) return 1;
	EC_KEY *ec = key_ec_from_point(pp->type, pp->ec_q, pp->ec_qlen);
	if (!ec) return errno = EPROTO, 0;
	BIGNUM *bd = key_bn(d, dlen);
	const EC_GROUP *g = EC_KEY_get0_group(ec);
	EC_POINT *pt = EC_POINT_new(g);
	int ok = bd && pt && BN_cmp(bd, EC_GROUP_get0_order(g)) < 0 && !BN_is_zero(bd) &&
		 EC_POINT_mul(g, pt, bd, 0, 0, 0) == 1 &&
		 EC_POINT_cmp(g, pt, EC_KEY_get0_public_key(ec), 0) == 0 &&
		 EC_KEY_set_private_key(ec, bd) == 1;
	EC_POINT_free(pt);
	BN_clear_free(bd);
	if (!ok) {
		EC_KEY_free(ec);
		return errno = EPROTO, 0;
	}
	k->ec = ec;
	return 1;
}

int key_sign_rsa(const struct key_private *k, const char *sigalg, const unsigned char *data,
		 size_t datalen, struct wire_out *out)
{
	unsigned char s[KEY_RSA_MAX_BITS / 8];
	size_t slen = sizeof s;
	const EVP_MD *md = !strcmp(sigalg, "rsa-sha2-512") ? EVP_sha512() : EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, 0, md, 0, k->rsa) == 1 &&
		 EVP_DigestSign(ctx, 0, &slen, data, datalen) == 1 && slen <= sizeof s &&
		 EVP_DigestSign(ctx, s, &slen, data, datalen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) return errno = EIO, 0;
	wire_put_cstring(out, sigalg);
	wire_put_string(out, s, slen);
	return 1;
}

int key_sign_ec(const struct key_private *k, const unsigned char *data, size_t datalen,
		struct wire_out *out)
{
	unsigned char h[EVP_MAX_MD_SIZE], inner[2 * (4 + 67)];
	size_t hlen;
	struct wire_out w;
	const BIGNUM *r, *s;
	enum key_type t = k->pub.type;
	if (!key_ec_hash(t, data, datalen, h, &hlen)) return 0;
	ECDSA_SIG *sig = ECDSA_do_sign(h, (int)hlen, k->ec);
	if (!sig) return errno = EIO, 0;
	ECDSA_SIG_get0(sig, &r, &s);
	wire_out_init(&w, inner, sizeof inner);
	int ok = key_put_bn(&w, r) && key_put_bn(&w, s) && !w.bad;
	ECDSA_SIG_free(sig);
	if (!ok) return errno = EIO, 0;
	wire_put_cstring(out, key_type_name(t));
	wire_put_string(out, inner, w.len);
	return 1;
}
