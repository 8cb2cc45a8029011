/* key_blob: SSH public key blobs (RFC 4253 s6.6, RFC 5656 s3.1, RFC 8709):
 * parsing with full validation, building, comparing, key sizes. */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include "key/key_internal.h"

static int key_read_rsa(struct wire_in *in, struct key_pubparts *pp)
{
	if (!wire_get_mpint(in, &pp->rsa_e, &pp->rsa_elen)) return 0;
	if (!wire_get_mpint(in, &pp->rsa_n, &pp->rsa_nlen)) return 0;
	if (!pp->rsa_elen || pp->rsa_elen > KEY_RSA_E_MAX_BYTES ||
	    !(pp->rsa_e[pp->rsa_elen - 1] & 1))
		return errno = EPROTO, 0;
	if (pp->rsa_elen == 1 && pp->rsa_e[0] < 3) return errno = EPROTO, 0;
	if (!pp->rsa_nlen || !(pp->rsa_n[pp->rsa_nlen - 1] & 1)) return errno = EPROTO, 0;
	unsigned bits = key_mag_bits(pp->rsa_n, pp->rsa_nlen);
	if (bits < KEY_RSA_MIN_BITS) return errno = EACCES, 0;
	if (bits > KEY_RSA_MAX_BITS) return errno = EMSGSIZE, 0;
	return 1;
}

static int key_read_ec(struct wire_in *in, enum key_type t, struct key_pubparts *pp, int check)
{
	const unsigned char *curve;
	uint32_t clen;
	const char *want = key_ec_curve_name(t);
	if (!wire_get_string(in, &curve, &clen)) return 0;
	if (clen != strlen(want) || memcmp(curve, want, clen)) return errno = EPROTO, 0;
	if (!wire_get_string(in, &pp->ec_q, &pp->ec_qlen)) return 0;
	if (pp->ec_qlen != 1 + 2 * key_ec_field_bytes(t)) return errno = EPROTO, 0;
	if (pp->ec_q[0] != 0x04) return errno = EPROTO, 0;
	if (check && !key_ec_point_valid(t, pp->ec_q, pp->ec_qlen)) return errno = EPROTO, 0;
	return 1;
}

static int key_read_pubparts_c(struct wire_in *in, enum key_type t, struct key_pubparts *pp,
			       int check)
{
	uint32_t n;
	memset(pp, 0, sizeof *pp);
	pp->type = t;
	switch (t) {
	case KEY_ED25519:
		if (!wire_get_string(in, &pp->ed_pk, &n)) return 0;
		if (n != KEY_ED25519_PK_BYTES) return errno = EPROTO, 0;
		return 1;
	case KEY_RSA:
		return key_read_rsa(in, pp);
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		return key_read_ec(in, t, pp, check);
	default:
		return errno = ENOTSUP, 0;
	}
}

int key_read_pubparts(struct wire_in *in, enum key_type t, struct key_pubparts *pp)
{
	return key_read_pubparts_c(in, t, pp, 1);
}

static int key_read_type(struct wire_in *in, enum key_type *t)
{
	const unsigned char *name;
	uint32_t nlen;
	if (!wire_get_string(in, &name, &nlen)) return 0;
	*t = key_type_from_name((const char *)name, nlen);
	if (*t == KEY_NONE) return errno = ENOTSUP, 0;
	return 1;
}

static int key_public_from_blob_c(struct key_public *k, const unsigned char *blob, size_t len,
				  int check)
{
	struct wire_in in;
	struct key_pubparts pp;
	enum key_type t;
	if (len > KEY_BLOB_MAX) return errno = EMSGSIZE, 0;
	wire_in_init(&in, blob, len);
	if (!key_read_type(&in, &t)) return 0;
	if (!key_read_pubparts_c(&in, t, &pp, check)) return 0;
	if (!wire_done(&in)) return errno = EPROTO, 0;
	k->type = t;
	k->bloblen = len;
	memcpy(k->blob, blob, len);
	return 1;
}

int key_public_from_blob(struct key_public *k, const unsigned char *blob, size_t len)
{
	return key_public_from_blob_c(k, blob, len, 1);
}

int key_public_from_blob_lazy(struct key_public *k, const unsigned char *blob, size_t len)
{
	return key_public_from_blob_c(k, blob, len, 0);
}

int key_pubparts_of(const struct key_public *k, struct key_pubparts *pp)
{
	struct wire_in in;
	enum key_type t;
	if (k->bloblen > KEY_BLOB_MAX) return errno = EPROTO, 0;
	wire_in_init(&in, k->blob, k->bloblen);
	if (!key_read_type(&in, &t) || t != k->type) return errno = EPROTO, 0;
	memset(pp, 0, sizeof *pp);
	pp->type = t;
	/* Fully validated when k was made: pick the fields out, recheck sizes. */
	switch (t) {
	case KEY_ED25519: {
		uint32_t n = 0;
		return wire_get_string(&in, &pp->ed_pk, &n) && wire_done(&in) &&
		       n == KEY_ED25519_PK_BYTES;
	}
	case KEY_RSA:
		return wire_get_mpint(&in, &pp->rsa_e, &pp->rsa_elen) &&
		       wire_get_mpint(&in, &pp->rsa_n, &pp->rsa_nlen) && wire_done(&in) &&
		       pp->rsa_nlen <= KEY_RSA_MAX_BITS / 8 && pp->rsa_elen <= KEY_RSA_E_MAX_BYTES;
	default: {
		const unsigned char *c;
		uint32_t cl;
		return wire_get_string(&in, &c, &cl) &&
		       wire_get_string(&in, &pp->ec_q, &pp->ec_qlen) && wire_done(&in) &&
		       pp->ec_qlen == 1 + 2 * key_ec_field_bytes(t);
	}
	}
}

int key_public_build(struct key_public *k, const struct key_pubparts *pp)
{
	struct wire_out out;
	wire_out_init(&out, k->blob, sizeof k->blob);
	wire_put_cstring(&out, key_type_name(pp->type));
	switch (pp->type) {
	case KEY_ED25519:
		wire_put_string(&out, pp->ed_pk, KEY_ED25519_PK_BYTES);
		break;
	case KEY_RSA:
		wire_put_mpint(&out, pp->rsa_e, pp->rsa_elen);
		wire_put_mpint(&out, pp->rsa_n, pp->rsa_nlen);
		break;
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		wire_put_cstring(&out, key_ec_curve_name(pp->type));
		wire_put_string(&out, pp->ec_q, pp->ec_qlen);
		break;
	default:
		return errno = ENOTSUP, 0;
	}
	if (out.bad) return errno = EMSGSIZE, 0;
	k->type = pp->type;
	k->bloblen = out.len;
	return 1;
}

int key_public_equal(const struct key_public *a, const struct key_public *b)
{
	return a->type == b->type && a->bloblen == b->bloblen && a->bloblen <= KEY_BLOB_MAX &&
	       !sodium_memcmp(a->blob, b->blob, a->bloblen);
}

unsigned key_public_bits(const struct key_public *k)
{
	struct key_pubparts pp;
	switch (k->type) {
	case KEY_ED25519:
		return 256;
	case KEY_ECDSA_P256:
		return 256;
	case KEY_ECDSA_P384:
		return 384;
	case KEY_ECDSA_P521:
		return 521;
	case KEY_RSA:
		if (!key_pubparts_of(k, &pp)) return 0;
		return key_mag_bits(pp.rsa_n, pp.rsa_nlen);
	default:
		return 0;
	}
}
