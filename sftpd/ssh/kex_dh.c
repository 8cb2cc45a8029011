/* kex_dh: finite-field Diffie-Hellman (RFC 4253 s8) over the RFC 3526
 * groups 14, 16 and 18 (diffie-hellman-group14-sha256, group16-sha512,
 * group18-sha512: RFC 8268), and the arithmetic that group exchange
 * (kex_dhgex.c) shares.  e, f and K are mpints.  The client's e must lie
 * in 1 < e < p-1; the exponentiations with the secret exponent are
 * libcrypto's constant-time ones. */
#include <errno.h>
#include <string.h>
#include <openssl/bn.h>
#include "log/log.h"
#include "kex.h"

#define DH_GROUP_MAX_BYTES (KEX_GEX_MAX_BITS / 8)

int kex_dh_group_rfc3526(struct kex_dh_group *grp, unsigned number)
{
	BIGNUM *p = 0;
	switch (number) {
	case 14:
		p = BN_get_rfc3526_prime_2048(0);
		break;
	case 16:
		p = BN_get_rfc3526_prime_4096(0);
		break;
	case 18:
		p = BN_get_rfc3526_prime_8192(0);
		break;
	default:
		return (errno = EINVAL, 0);
	}
	if (!p) return (errno = ENOMEM, 0);
	grp->p = p;
	grp->g = 2;
	grp->bits = (unsigned)BN_num_bits(p);
	return 1;
}

int kex_dh_group_hex(struct kex_dh_group *grp, const char *hex, size_t hexlen, uint32_t g)
{
	char text[2 * DH_GROUP_MAX_BYTES + 1];
	BIGNUM *p = 0;
	if (hexlen >= sizeof text || g < 2) return (errno = EINVAL, 0);
	memcpy(text, hex, hexlen);
	text[hexlen] = 0;
	if (BN_hex2bn(&p, text) != (int)hexlen) {
		BN_free(p);
		return (errno = EINVAL, 0);
	}
	grp->p = p;
	grp->g = g;
	grp->bits = (unsigned)BN_num_bits(p);
	return 1;
}

void kex_dh_group_free(struct kex_dh_group *grp)
{
	BN_free(grp->p);
	memset(grp, 0, sizeof *grp);
}

size_t kex_dh_group_bytes(const struct kex_dh_group *grp)
{
	return (grp->bits + 7) / 8;
}

int kex_dh_group_put(const struct kex_dh_group *grp, struct wire_out *w)
{
	unsigned char p[DH_GROUP_MAX_BYTES], g[4];
	size_t n = kex_dh_group_bytes(grp);
	if (n > sizeof p || BN_bn2binpad(grp->p, p, (int)n) != (int)n) return (errno = EINVAL, 0);
	wire_store_u32(g, grp->g);
	return wire_put_mpint(w, p, n) && wire_put_mpint(w, g, sizeof g);
}

/* A fresh secret exponent of KEX_DH_EXPONENT_BITS bits, top bit set. */
static BIGNUM *random_exponent(void)
{
	unsigned char x[KEX_DH_EXPONENT_BITS / 8];
	BIGNUM *b;
	algo_random(x, sizeof x);
	x[0] |= 0x80;
	b = BN_bin2bn(x, sizeof x, 0);
	algo_wipe(x, sizeof x);
	return b;
}

int kex_dh_compute(const struct kex_dh_group *grp, const unsigned char *x, size_t xlen,
		   const unsigned char *e, size_t elen, unsigned char *f, unsigned char *k)
{
	const BIGNUM *p = grp->p;
	size_t n = kex_dh_group_bytes(grp);
	BN_CTX *ctx = BN_CTX_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	BIGNUM *be = BN_bin2bn(e, (int)elen, 0),
	       *bx = x ? BN_bin2bn(x, (int)xlen, 0) : random_exponent();
	BIGNUM *pm1 = BN_dup(p), *g = BN_new(), *bf = BN_new(), *bk = BN_new();
	int ok = 0;

	errno = ENOMEM;
	if (!ctx || !mont || !be || !bx || !pm1 || !g || !bf || !bk || !BN_sub_word(pm1, 1) ||
	    !BN_set_word(g, grp->g))
		goto out;
	if (BN_cmp(be, BN_value_one()) <= 0 || BN_cmp(be, pm1) >= 0) {
		errno = EPROTO;
		goto out;
	}
	BN_set_flags(bx, BN_FLG_CONSTTIME);
	errno = EIO;
	ok = BN_MONT_CTX_set(mont, p, ctx) && BN_mod_exp_mont_consttime(bf, g, bx, p, ctx, mont) &&
	     BN_mod_exp_mont_consttime(bk, be, bx, p, ctx, mont) &&
	     BN_bn2binpad(bf, f, (int)n) == (int)n && BN_bn2binpad(bk, k, (int)n) == (int)n;
out:
	BN_free(be);
	BN_clear_free(bx);
	BN_clear_free(bk);
	BN_free(bf);
	BN_free(g);
	BN_free(pm1);
	BN_MONT_CTX_free(mont);
	BN_CTX_free(ctx);
	return ok;
}

int kex_dh_exchange(const struct kex_dh_group *grp, struct wire_in *in, struct kex_result *r)
{
	unsigned char f[DH_GROUP_MAX_BYTES], k[DH_GROUP_MAX_BYTES];
	size_t n = kex_dh_group_bytes(grp);
	const unsigned char *e;
	uint32_t elen;

	wire_get_mpint(in, &e, &elen);
	if (!wire_done(in) || elen > n || n > sizeof f) {
		log_warn("malformed DH init message");
		return (errno = EPROTO, 0);
	}
	if (!kex_dh_compute(grp, 0, 0, e, elen, f, k)) {
		if (errno == EPROTO) log_warn("client's DH value is out of range (1 < e < p-1)");
		return 0;
	}
	wire_put_mpint(&r->hash, e, elen);
	wire_put_mpint(&r->hash, f, n);
	wire_put_mpint(&r->reply, f, n);
	wire_put_mpint(&r->secret, k, n);
	algo_wipe(k, sizeof k);
	return 1;
}

static int dh_exchange(struct kex *k, struct wire_in *in, struct kex_result *r)
{
	struct kex_dh_group grp;
	int ok;
	if (!kex_dh_group_rfc3526(&grp, k->method->param)) return 0;
	ok = kex_dh_exchange(&grp, in, r);
	kex_dh_group_free(&grp);
	return ok;
}

const struct kex_family kex_family_dh = {
    .init_msg = SSH_MSG_KEX_ECDH_INIT, /* SSH_MSG_KEXDH_INIT */
    .reply_msg = SSH_MSG_KEX_ECDH_REPLY,
    .exchange = dh_exchange,
};
