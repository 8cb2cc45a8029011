/* sftpd_kex: the key exchange families against known answers computed
 * independently (sftpd_kex_vectors.py: Python integers, textbook curve
 * arithmetic, hashlib): the RFC 3526 primes, DH and group exchange shared
 * secrets, ECDH on P-256/384/521, X25519, the key derivation with each
 * hash; the hybrid methods (sftpd_kex_hybrid_vectors.py: the KEM halves
 * from NIST's ACVP answers and OpenSSH's sntrup761.c, K, the exchange hash
 * and a derived key by hashlib) and their round trips with a client made
 * here.  Then every malformed or invalid client message each family must
 * refuse (wrong lengths, trailing bytes, e = 0, 1, p-1, p, points off the
 * curve, low-order X25519 points, ML-KEM keys failing the modulus check,
 * GEX requests out of range) and the moduli file's filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "log/log.h"
#include "../../sftpd/ssh/kex.h"
#include "sftpd_kex_vectors.h"
#include "sftpd_kex_hybrid_vectors.h"

static const struct kex_method m_x25519 = {"curve25519-sha256", KEX_X25519, ALGO_SHA256, 0};
static const struct kex_method m_p256 = {"ecdh-sha2-nistp256", KEX_ECDH, ALGO_SHA256, 256};
static const struct kex_method m_p521 = {"ecdh-sha2-nistp521", KEX_ECDH, ALGO_SHA512, 521};
static const struct kex_method m_dh14 = {"diffie-hellman-group14-sha256", KEX_DH, ALGO_SHA256, 14};
static const struct kex_method m_gex = {"diffie-hellman-group-exchange-sha256", KEX_DHGEX,
					ALGO_SHA256, 0};
static const struct kex_method m_mlkem = {"mlkem768x25519-sha256", KEX_HYBRID, ALGO_SHA256,
					  KEM_MLKEM768};
static const struct kex_method m_sntrup = {"sntrup761x25519-sha512@openssh.com", KEX_HYBRID,
					   ALGO_SHA512, KEM_SNTRUP761};

static unsigned char mem[3][8192];
static struct kex_result res;

static struct kex_result *result(void)
{
	wire_out_init(&res.hash, mem[0], sizeof mem[0]);
	wire_out_init(&res.reply, mem[1], sizeof mem[1]);
	wire_out_init(&res.secret, mem[2], sizeof mem[2]);
	return &res;
}

/* Runs a family's exchange on msg (the init message after its type byte). */
static int exchange(const struct kex_family *f, struct kex *k, const unsigned char *msg, size_t len)
{
	struct wire_in in;
	wire_in_init(&in, msg, len);
	errno = 0;
	return f->exchange(k, &in, result());
}

/* --- known answers ----------------------------------------------------- */

static void test_rfc3526(void)
{
	static const struct {
		unsigned number;
		const unsigned char *p;
		size_t len;
	} g[] = {
	    {14, dh14_p, sizeof dh14_p}, {16, dh16_p, sizeof dh16_p}, {18, dh18_p, sizeof dh18_p}};
	for (size_t i = 0; i < ARRAY_LEN(g); i++) {
		struct kex_dh_group grp;
		unsigned char w[2 * KEX_MPINT_MAX], want[2 * KEX_MPINT_MAX], two = 2;
		struct wire_out a, b;
		ok(kex_dh_group_rfc3526(&grp, g[i].number) && grp.g == 2 &&
		       grp.bits == g[i].len * 8 && kex_dh_group_bytes(&grp) == g[i].len,
		   "group %u: %zu bits, generator 2", g[i].number, g[i].len * 8);
		wire_out_init(&a, w, sizeof w);
		wire_out_init(&b, want, sizeof want);
		kex_dh_group_put(&grp, &a);
		wire_put_mpint(&b, g[i].p, g[i].len);
		wire_put_mpint(&b, &two, 1);
		ok(!a.bad && a.len == b.len && !memcmp(w, want, a.len),
		   "group %u: p is RFC 3526's (from its formula)", g[i].number);
		kex_dh_group_free(&grp);
	}
	ok(!kex_dh_group_rfc3526(&(struct kex_dh_group){0}, 15) && errno == EINVAL, "no group 15");
}

static void test_dh_known(void)
{
	static const struct {
		unsigned number;
		const unsigned char *x, *e, *f, *k;
		size_t n;
	} v[] = {{14, dh14_x, dh14_e, dh14_f, dh14_k, sizeof dh14_p},
		 {16, dh16_x, dh16_e, dh16_f, dh16_k, sizeof dh16_p},
		 {18, dh18_x, dh18_e, dh18_f, dh18_k, sizeof dh18_p}};
	static unsigned char f[1024], k[1024];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		struct kex_dh_group grp;
		if (!kex_dh_group_rfc3526(&grp, v[i].number)) abort();
		ok(kex_dh_compute(&grp, v[i].x, 64, v[i].e, v[i].n, f, k) &&
		       !memcmp(f, v[i].f, v[i].n) && !memcmp(k, v[i].k, v[i].n),
		   "group %u: f = g^x and K = e^x mod p as computed independently", v[i].number);
		/* a fresh exponent: f differs, K is what the client computes */
		ok(kex_dh_compute(&grp, 0, 0, v[i].e, v[i].n, f, k) && memcmp(f, v[i].f, v[i].n),
		   "group %u: a random exponent makes another f", v[i].number);
		kex_dh_group_free(&grp);
	}
}

static void test_gex_known(void)
{
	struct moduli mf = {0, gex_line, sizeof gex_line - 1};
	struct kex_dh_group grp = {0};
	static unsigned char f[256], k[256];

	ok(moduli_count(&mf) == 1, "moduli: the line is usable");
	ok(moduli_choose(&mf, 2048, 2048, 8192, &grp) && grp.bits == 2048 && grp.g == 5,
	   "moduli: the 2048-bit group with generator 5 chosen");
	ok(grp.p && kex_dh_compute(&grp, gex_x, sizeof gex_x, gex_e, sizeof gex_e, f, k) &&
	       !memcmp(f, gex_f, sizeof f) && !memcmp(k, gex_k, sizeof k),
	   "group exchange: f and K as computed independently");
	kex_dh_group_free(&grp);
}

static void test_ecdh_known(void)
{
	static const struct {
		unsigned bits;
		const unsigned char *d, *qc, *qs, *z, *off;
		size_t n;
	} v[] = {{256, ec256_d, ec256_qc, ec256_qs, ec256_z, ec256_off, 32},
		 {384, ec384_d, ec384_qc, ec384_qs, ec384_z, ec384_off, 48},
		 {521, ec521_d, ec521_qc, ec521_qs, ec521_z, ec521_off, 66}};
	unsigned char qs[1 + 2 * 66], z[66], bad[1 + 2 * 66];
	size_t qslen, zlen;
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		size_t plen = 1 + 2 * v[i].n;
		ok(kex_ecdh_point_len(v[i].bits) == plen, "P-%u: points of %zu bytes", v[i].bits,
		   plen);
		ok(kex_ecdh_compute(v[i].bits, v[i].d, v[i].n, v[i].qc, plen, qs, &qslen, z,
				    &zlen) &&
		       qslen == plen && !memcmp(qs, v[i].qs, plen) && zlen == v[i].n &&
		       !memcmp(z, v[i].z, zlen),
		   "P-%u: Q_S and the shared x as computed independently", v[i].bits);
		ok(!kex_ecdh_compute(v[i].bits, 0, 0, v[i].off, plen, qs, &qslen, z, &zlen) &&
		       errno == EPROTO,
		   "P-%u: a point off the curve is refused", v[i].bits);
		memcpy(bad, v[i].qc, plen);
		bad[0] = 0x02;
		ok(!kex_ecdh_compute(v[i].bits, 0, 0, bad, plen, qs, &qslen, z, &zlen) &&
		       errno == EPROTO,
		   "P-%u: a point that is not uncompressed is refused", v[i].bits);
		memset(bad + 1, 0, plen - 1);
		bad[0] = 0x04;
		ok(!kex_ecdh_compute(v[i].bits, 0, 0, bad, plen, qs, &qslen, z, &zlen) &&
		       errno == EPROTO,
		   "P-%u: (0, 0) is refused", v[i].bits);
		ok(!kex_ecdh_compute(v[i].bits, 0, 0, v[i].qc, plen - 1, qs, &qslen, z, &zlen) &&
		       errno == EPROTO,
		   "P-%u: a short point is refused", v[i].bits);
	}
}

static void test_x25519_known(void)
{
	unsigned char pk[32], z[32], zero[32] = {0};
	crypto_scalarmult_curve25519_base(pk, x25519_s);
	ok(!memcmp(pk, x25519_qs, 32), "X25519: Q_S as computed independently");
	ok(algo_x25519_shared(z, x25519_s, x25519_qc) && !memcmp(z, x25519_z, 32),
	   "X25519: the shared secret as computed independently");
	ok(!algo_x25519_shared(z, x25519_s, zero), "X25519: the zero point is refused");
}

static void test_derive(void)
{
	static const struct {
		enum algo_hash h;
		const char *name;
		const unsigned char *hh, *sid, *a, *c, *f;
		size_t hlen;
	} v[] = {
	    {ALGO_SHA256, "SHA-256", drv_h_sha256, drv_sid_sha256, drv_sha256_A, drv_sha256_C,
	     drv_sha256_F, 32},
	    {ALGO_SHA384, "SHA-384", drv_h_sha384, drv_sid_sha384, drv_sha384_A, drv_sha384_C,
	     drv_sha384_F, 48},
	    {ALGO_SHA512, "SHA-512", drv_h_sha512, drv_sid_sha512, drv_sha512_A, drv_sha512_C,
	     drv_sha512_F, 64},
	};
	unsigned char out[64];
	static unsigned char big[KEX_SECRET_MAX + 1];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		int good = 1;
		good &= kex_derive(v[i].h, drv_k, sizeof drv_k, v[i].hh, v[i].hlen, 'A', v[i].sid,
				   v[i].hlen, out, 64) &&
			!memcmp(out, v[i].a, 64);
		good &= kex_derive(v[i].h, drv_k, sizeof drv_k, v[i].hh, v[i].hlen, 'C', v[i].sid,
				   v[i].hlen, out, 64) &&
			!memcmp(out, v[i].c, 64);
		good &= kex_derive(v[i].h, drv_k, sizeof drv_k, v[i].hh, v[i].hlen, 'F', v[i].sid,
				   v[i].hlen, out, 20) &&
			!memcmp(out, v[i].f, 20);
		ok(good, "derivation with %s: keys A, C (64 bytes) and F (20) as hashlib computes",
		   v[i].name);
	}
	ok(!kex_derive(ALGO_SHA256, drv_k, sizeof drv_k, drv_h_sha256, 32, 'A', drv_sid_sha256, 32,
		       out, 65) &&
	       errno == EINVAL,
	   "derivation: more than 64 bytes refused");
	ok(!kex_derive(ALGO_SHA256, big, sizeof big, drv_h_sha256, 32, 'A', drv_sid_sha256, 32, out,
		       64) &&
	       errno == EINVAL,
	   "derivation: a K beyond the ceiling refused");
	ok(!kex_derive(ALGO_SHA256, drv_k, sizeof drv_k, drv_h_sha256, 65, 'A', drv_sid_sha256, 32,
		       out, 64) &&
	       errno == EINVAL,
	   "derivation: an H beyond the ceiling refused");
}

/* --- what the families refuse ------------------------------------------ */

static size_t msg_string(unsigned char *buf, size_t cap, const void *p, size_t n, size_t extra)
{
	struct wire_out w;
	wire_out_init(&w, buf, cap);
	wire_put_string(&w, p, n);
	for (size_t i = 0; i < extra; i++)
		wire_put_u8(&w, 0);
	return w.len;
}

static size_t msg_mpint(unsigned char *buf, size_t cap, const void *p, size_t n)
{
	struct wire_out w;
	wire_out_init(&w, buf, cap);
	wire_put_mpint(&w, p, n);
	return w.len;
}

static void test_x25519_refusals(void)
{
	struct kex k = {.method = &m_x25519};
	unsigned char msg[128], pt[33] = {9}, zero[32] = {0};
	size_t n;

	n = msg_string(msg, sizeof msg, x25519_qc, 32, 0);
	ok(exchange(&kex_family_x25519, &k, msg, n) && res.reply.len == 36 && res.hash.len == 72 &&
	       res.secret.len >= 4,
	   "curve25519: a good Q_C is answered (reply Q_S, hash Q_C Q_S, K an mpint)");
	n = msg_string(msg, sizeof msg, pt, 31, 0);
	ok(!exchange(&kex_family_x25519, &k, msg, n) && errno == EPROTO,
	   "curve25519: a 31-byte Q_C is refused");
	n = msg_string(msg, sizeof msg, pt, 33, 0);
	ok(!exchange(&kex_family_x25519, &k, msg, n) && errno == EPROTO,
	   "curve25519: a 33-byte Q_C is refused");
	n = msg_string(msg, sizeof msg, x25519_qc, 32, 1);
	ok(!exchange(&kex_family_x25519, &k, msg, n) && errno == EPROTO,
	   "curve25519: a trailing byte is refused");
	n = msg_string(msg, sizeof msg, zero, 32, 0);
	ok(!exchange(&kex_family_x25519, &k, msg, n) && errno == EPROTO,
	   "curve25519: a low-order point is refused");
	ok(!exchange(&kex_family_x25519, &k, msg, 3) && errno == EPROTO,
	   "curve25519: a truncated length is refused");
}

static void test_ecdh_refusals(void)
{
	struct kex k = {.method = &m_p256}, k521 = {.method = &m_p521};
	unsigned char msg[256];
	size_t n;

	n = msg_string(msg, sizeof msg, ec256_qc, sizeof ec256_qc, 0);
	ok(exchange(&kex_family_ecdh, &k, msg, n) && res.reply.len == 4 + 65,
	   "nistp256: a good Q_C is answered");
	n = msg_string(msg, sizeof msg, ec521_qc, sizeof ec521_qc, 0);
	ok(exchange(&kex_family_ecdh, &k521, msg, n) && res.reply.len == 4 + 133,
	   "nistp521: a good Q_C is answered");
	ok(!exchange(&kex_family_ecdh, &k, msg, n) && errno == EPROTO,
	   "nistp256: a P-521 point (wrong length) is refused");
	n = msg_string(msg, sizeof msg, ec256_off, sizeof ec256_off, 0);
	ok(!exchange(&kex_family_ecdh, &k, msg, n) && errno == EPROTO,
	   "nistp256: a point off the curve is refused");
	n = msg_string(msg, sizeof msg, ec256_qc, sizeof ec256_qc, 2);
	ok(!exchange(&kex_family_ecdh, &k, msg, n) && errno == EPROTO,
	   "nistp256: trailing bytes are refused");
	n = msg_string(msg, sizeof msg, ec256_qc, 33, 0);
	ok(!exchange(&kex_family_ecdh, &k, msg, n) && errno == EPROTO,
	   "nistp256: a compressed-size point is refused");
}

static void test_dh_refusals(void)
{
	struct kex k = {.method = &m_dh14};
	static unsigned char msg[2048], v[257];
	size_t n;

	n = msg_mpint(msg, sizeof msg, dh14_e, sizeof dh14_e);
	ok(exchange(&kex_family_dh, &k, msg, n) && res.reply.len >= 4 + 255,
	   "group14: a good e is answered with f");
	v[0] = 0;
	n = msg_mpint(msg, sizeof msg, v, 0);
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO, "group14: e = 0 is refused");
	v[0] = 1;
	n = msg_mpint(msg, sizeof msg, v, 1);
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO, "group14: e = 1 is refused");
	memcpy(v, dh14_p, 256);
	v[255]--; /* p ends in ...ff: p-1 */
	n = msg_mpint(msg, sizeof msg, v, 256);
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO, "group14: e = p-1 is refused");
	n = msg_mpint(msg, sizeof msg, dh14_p, 256);
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO, "group14: e = p is refused");
	v[0] = 1;
	memset(v + 1, 0, 256);
	n = msg_mpint(msg, sizeof msg, v, 257);
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO,
	   "group14: e wider than p is refused");
	memcpy(v, dh14_p, 256);
	v[255] -= 2; /* p-2: the largest valid e */
	n = msg_mpint(msg, sizeof msg, v, 256);
	ok(exchange(&kex_family_dh, &k, msg, n), "group14: e = p-2 is accepted");
	n = msg_mpint(msg, sizeof msg, dh14_e, sizeof dh14_e);
	msg[4] |= 0x80; /* the sign bit of an mpint whose top byte has it clear */
	msg[3]--, memmove(msg + 4, msg + 5, n - 5), n--;
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO,
	   "group14: a negative e is refused");
	n = msg_mpint(msg, sizeof msg, dh14_e, sizeof dh14_e);
	msg[n++] = 0;
	ok(!exchange(&kex_family_dh, &k, msg, n) && errno == EPROTO,
	   "group14: a trailing byte is refused");
}

static int gex_request(struct kex *k, const struct moduli *mf, uint32_t min, uint32_t n,
		       uint32_t max, size_t extra)
{
	unsigned char msg[32], ans[2 * KEX_MPINT_MAX + 16];
	struct wire_out w, a;
	struct wire_in in;
	wire_out_init(&w, msg, sizeof msg);
	wire_put_u32(&w, min);
	wire_put_u32(&w, n);
	wire_put_u32(&w, max);
	for (size_t i = 0; i < extra; i++)
		wire_put_u8(&w, 0);
	wire_in_init(&in, msg, w.len);
	wire_out_init(&a, ans, sizeof ans);
	kex_dh_group_free(&k->gex_group);
	errno = 0;
	return kex_family_dhgex.request(k, mf, &in, &a);
}

static void test_gex_refusals(void)
{
	struct kex k = {.method = &m_gex};
	struct moduli none = MODULI_ZERO, one = {0, gex_line, sizeof gex_line - 1};
	unsigned char msg[300];
	size_t n;

	ok(gex_request(&k, &one, 2048, 2048, 8192, 0) && k.gex_group.bits == 2048,
	   "GEX: 2048/2048/8192 gets the file's 2048-bit group");
	n = msg_mpint(msg, sizeof msg, gex_e, sizeof gex_e);
	ok(exchange(&kex_family_dhgex, &k, msg, n) && res.hash.len > 12 + 256 + 256,
	   "GEX: e answered; the hash has min, n, max, p, g, e and f");
	ok(gex_request(&k, &none, 1024, 3072, 8192, 0) && k.gex_group.bits == 4096,
	   "GEX: no file: RFC 3526 group 16 for n = 3072");
	ok(gex_request(&k, &none, 2048, 8192, 8192, 0) && k.gex_group.bits == 8192,
	   "GEX: no file: RFC 3526 group 18 for n = 8192");
	ok(gex_request(&k, &one, 1024, 1024, 2048, 0) && k.gex_group.bits == 2048,
	   "GEX: a request below 2048 bits is raised to 2048, as sshd does");
	ok(!gex_request(&k, &one, 4096, 2048, 3072, 0) && errno == EPROTO,
	   "GEX: min > max is refused");
	ok(!gex_request(&k, &one, 512, 1024, 1536, 0) && errno == EPROTO,
	   "GEX: max below 2048 bits is refused (ssh-audit's small-modulus probe)");
	ok(!gex_request(&k, &one, 3072, 2048, 8192, 0) && errno == EPROTO,
	   "GEX: n below min is refused");
	ok(!gex_request(&k, &one, 2048, 8192, 4096, 0) && errno == EPROTO,
	   "GEX: n above max is refused");
	ok(!gex_request(&k, &none, 3000, 3000, 3500, 0) && errno == EPROTO,
	   "GEX: no group in 3000..3500 bits is refused");
	ok(!gex_request(&k, &one, 2048, 2048, 8192, 1) && errno == EPROTO,
	   "GEX: a trailing byte is refused");
	ok(gex_request(&k, &one, 2048, 2048, 8192, 0), "GEX: a group again");
	n = msg_mpint(msg, sizeof msg, (const unsigned char[]){1}, 1);
	ok(!exchange(&kex_family_dhgex, &k, msg, n) && errno == EPROTO, "GEX: e = 1 is refused");
	kex_dh_group_free(&k.gex_group);
}

/* --- hybrid methods ------------------------------------------------------ */

/* ML-KEM's fixed m: the 32 bytes at ctx. */
static void fixed_m(void *ctx, unsigned char *out, size_t n)
{
	if (n != 32) abort();
	memcpy(out, ctx, n);
}

/* The ChaCha20 key stream (nonce 0) of a seed from its start, as
 * tests/crosscheck/sntrup761_openssh.c feeds OpenSSH's randombytes. */
struct chacha_stream {
	unsigned char key[32];
	uint64_t pos;
};

static void chacha_random(void *ctx, unsigned char *out, size_t n)
{
	struct chacha_stream *cs = ctx;
	static const unsigned char nonce[8];
	unsigned char block[64], zero[64] = {0};
	for (size_t i = 0; i < n; i++) {
		uint64_t pos = cs->pos + i;
		if (i == 0 || pos % 64 == 0)
			crypto_stream_chacha20_xor_ic(block, zero, 64, nonce, pos / 64, cs->key);
		out[i] = block[pos % 64];
	}
	cs->pos += n;
}

/* The result against the expected S_REPLY, K, exchange hash and key A. */
static void check_hybrid(const char *name, enum algo_hash hh, const unsigned char *c_init,
			 size_t c_len, const unsigned char *s_reply, size_t s_len,
			 const unsigned char *k, size_t klen, const unsigned char *h,
			 const unsigned char *key_a)
{
	static unsigned char want[4096];
	struct kex_hash_input in = {.v_c = hy_v_c,
				    .v_s = hy_v_s,
				    .i_c = hy_i_c,
				    .i_c_len = sizeof hy_i_c,
				    .i_s = hy_i_s,
				    .i_s_len = sizeof hy_i_s,
				    .k_s = hy_k_s,
				    .k_s_len = sizeof hy_k_s};
	unsigned char got_h[64], key[64];
	size_t hlen = algo_hash_len(hh);
	struct wire_out w;

	wire_out_init(&w, want, sizeof want);
	wire_put_string(&w, s_reply, s_len);
	ok(res.reply.len == w.len && !memcmp(res.reply.p, want, w.len),
	   "%s: S_REPLY is the independent ciphertext || the server's X25519 key", name);
	ok(res.secret.len == klen && !memcmp(res.secret.p, k, klen),
	   "%s: K is string(HASH(KEM secret || X25519 secret)) as computed independently", name);
	wire_out_init(&w, want, sizeof want);
	wire_put_string(&w, c_init, c_len);
	wire_put_string(&w, s_reply, s_len);
	ok(res.hash.len == w.len && !memcmp(res.hash.p, want, w.len),
	   "%s: the hash fields are string C_INIT, string S_REPLY", name);
	ok(kex_exchange_hash(hh, &in, &res, got_h) && !memcmp(got_h, h, hlen),
	   "%s: exchange hash as computed independently", name);
	ok(kex_derive(hh, res.secret.p, res.secret.len, got_h, hlen, 'A', got_h, hlen, key, hlen) &&
	       !memcmp(key, key_a, hlen),
	   "%s: key A derived from the string K as computed independently", name);
}

static void test_hybrid_known(void)
{
	static unsigned char pk[SNTRUP761_PUBLICKEYBYTES], sk[SNTRUP761_SECRETKEYBYTES];
	struct kex_hybrid_fixed fx = {hy_xs, fixed_m, (void *)hy_mlkem_m};
	struct chacha_stream cs = {{0}, 0};

	result();
	ok(kex_hybrid_compute(KEM_MLKEM768, ALGO_SHA256, hy_mlkem_c_init, sizeof hy_mlkem_c_init,
			      &fx, &res),
	   "mlkem768x25519: ACVP's ek with a fixed X25519 key is accepted");
	check_hybrid("mlkem768x25519", ALGO_SHA256, hy_mlkem_c_init, sizeof hy_mlkem_c_init,
		     hy_mlkem_s_reply, sizeof hy_mlkem_s_reply, hy_mlkem_k, sizeof hy_mlkem_k,
		     hy_mlkem_h, hy_mlkem_key_a);

	memcpy(cs.key, hy_sntrup_seed, 32);
	sntrup761_keypair_derand(pk, sk, chacha_random, &cs);
	ok(!memcmp(pk, hy_sntrup_c_init, sizeof pk),
	   "sntrup761x25519: the client's key from the seed is OpenSSH's");
	fx = (struct kex_hybrid_fixed){hy_xs, chacha_random, &cs};
	result();
	ok(kex_hybrid_compute(KEM_SNTRUP761, ALGO_SHA512, hy_sntrup_c_init, sizeof hy_sntrup_c_init,
			      &fx, &res),
	   "sntrup761x25519: OpenSSH's key with a fixed X25519 key is accepted");
	check_hybrid("sntrup761x25519", ALGO_SHA512, hy_sntrup_c_init, sizeof hy_sntrup_c_init,
		     hy_sntrup_s_reply, sizeof hy_sntrup_s_reply, hy_sntrup_k, sizeof hy_sntrup_k,
		     hy_sntrup_h, hy_sntrup_key_a);
	algo_wipe(sk, sizeof sk);
}

/* A client made here: its key pair, the init message through the family,
 * then the client's own K from the reply. */
static void test_hybrid_roundtrip(const struct kex_method *m)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES + 32], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char msg[8 + MLKEM768_PUBLICKEYBYTES + 32];
	unsigned char xsk[32], sec[64], k[64];
	int ml = m->param == KEM_MLKEM768, good = 1;
	size_t pklen = ml ? MLKEM768_PUBLICKEYBYTES : SNTRUP761_PUBLICKEYBYTES;
	size_t ctlen = ml ? MLKEM768_CIPHERTEXTBYTES : SNTRUP761_CIPHERTEXTBYTES;
	size_t hlen = algo_hash_len(m->hash), n;
	struct kex kx = {.method = m};

	for (int i = 0; i < 3; i++) {
		const unsigned char *ct, *spk;
		if (ml)
			mlkem768_keypair(pk, sk);
		else
			sntrup761_keypair(pk, sk);
		algo_x25519_keypair(pk + pklen, xsk);
		n = msg_string(msg, sizeof msg, pk, pklen + 32, 0);
		good &=
		    exchange(&kex_family_hybrid, &kx, msg, n) && res.reply.len == 4 + ctlen + 32;
		ct = res.reply.p + 4;
		spk = ct + ctlen;
		if (ml)
			mlkem768_decaps(sec, ct, sk);
		else
			sntrup761_dec(sec, ct, sk);
		good &= algo_x25519_shared(sec + 32, xsk, spk);
		algo_hash(m->hash, sec, 64, k);
		good &= res.secret.len == 4 + hlen && res.secret.p[3] == hlen &&
			!memcmp(res.secret.p + 4, k, hlen);
	}
	ok(good, "%s: 3 client key pairs: the client's K equals the server's", m->name);
}

static void test_hybrid_refusals(void)
{
	struct kex km = {.method = &m_mlkem}, ks = {.method = &m_sntrup};
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES + 40], msg[MLKEM768_PUBLICKEYBYTES + 64];
	size_t n, mlen = MLKEM768_PUBLICKEYBYTES + 32, slen = SNTRUP761_PUBLICKEYBYTES + 32;

	memcpy(pk, hy_mlkem_c_init, mlen);
	n = msg_string(msg, sizeof msg, pk, mlen - 1, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a C_INIT of 1215 bytes is refused");
	n = msg_string(msg, sizeof msg, pk, mlen + 1, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a C_INIT of 1217 bytes is refused");
	n = msg_string(msg, sizeof msg, pk, 0, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: an empty C_INIT is refused");
	n = msg_string(msg, sizeof msg, pk, mlen, 1);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a trailing byte is refused");
	ok(!exchange(&kex_family_hybrid, &km, msg, 3) && errno == EPROTO,
	   "mlkem768x25519: a truncated length is refused");
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n - 1) && errno == EPROTO,
	   "mlkem768x25519: a string longer than the message is refused");
	n = msg_string(msg, sizeof msg, pk, slen, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: an sntrup761-sized C_INIT is refused");

	/* FIPS 203's modulus check: every 12-bit coefficient of t-hat < q. */
	memset(pk, 0, sizeof pk);
	memcpy(pk + MLKEM768_PUBLICKEYBYTES, hy_mlkem_c_init + MLKEM768_PUBLICKEYBYTES, 32);
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(exchange(&kex_family_hybrid, &km, msg, n), "mlkem768x25519: an all-zero ek is valid");
	pk[0] = 0x00, pk[1] = 0x0d; /* 3328 = 0xd00 */
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(exchange(&kex_family_hybrid, &km, msg, n),
	   "mlkem768x25519: a coefficient of q-1 = 3328 is accepted");
	pk[0] = 0x01; /* 3329 */
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a first coefficient of q = 3329 is refused");
	pk[0] = pk[1] = 0;
	pk[3 * 384 - 1] = 0xff, pk[3 * 384 - 2] = 0xf0; /* the last one: 4095 */
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a last coefficient of 4095 is refused");
	memset(pk, 0, sizeof pk);
	n = msg_string(msg, sizeof msg, pk, mlen, 0);
	ok(!exchange(&kex_family_hybrid, &km, msg, n) && errno == EPROTO,
	   "mlkem768x25519: a low-order (zero) X25519 key is refused");

	memcpy(pk, hy_sntrup_c_init, slen);
	n = msg_string(msg, sizeof msg, pk, slen, 0);
	ok(exchange(&kex_family_hybrid, &ks, msg, n) && res.reply.len == 4 + 1039 + 32 &&
	       res.secret.len == 4 + 64 && res.hash.len == 8 + slen + 1039 + 32,
	   "sntrup761x25519: a good C_INIT: S_REPLY 1071 bytes, K a 64-byte string");
	n = msg_string(msg, sizeof msg, pk, slen - 1, 0);
	ok(!exchange(&kex_family_hybrid, &ks, msg, n) && errno == EPROTO,
	   "sntrup761x25519: a C_INIT of 1189 bytes is refused");
	n = msg_string(msg, sizeof msg, pk, slen + 1, 0);
	ok(!exchange(&kex_family_hybrid, &ks, msg, n) && errno == EPROTO,
	   "sntrup761x25519: a C_INIT of 1191 bytes is refused");
	n = msg_string(msg, sizeof msg, pk, slen, 2);
	ok(!exchange(&kex_family_hybrid, &ks, msg, n) && errno == EPROTO,
	   "sntrup761x25519: trailing bytes are refused");
	n = msg_string(msg, sizeof msg, hy_mlkem_c_init, mlen, 0);
	ok(!exchange(&kex_family_hybrid, &ks, msg, n) && errno == EPROTO,
	   "sntrup761x25519: an ML-KEM-sized C_INIT is refused");
	memset(pk + SNTRUP761_PUBLICKEYBYTES, 0, 32);
	pk[SNTRUP761_PUBLICKEYBYTES] = 1; /* u = 1: order 1 */
	n = msg_string(msg, sizeof msg, pk, slen, 0);
	ok(!exchange(&kex_family_hybrid, &ks, msg, n) && errno == EPROTO,
	   "sntrup761x25519: a low-order X25519 key (u = 1) is refused");
}

/* moduli(5) lines sshd skips are skipped here too. */
static void test_moduli_filter(void)
{
	static char text[16384];
	const char *hex = strrchr(gex_line, ' ') + 1;
	static const char *bad[] = {
	    "20220714110357 1 6 100 2047 5 ",	/* not a safe prime */
	    "20220714110357 2 7 100 2047 5 ",	/* composite found */
	    "20220714110357 2 0 100 2047 5 ",	/* no test */
	    "20220714110357 2 6 0 2047 5 ",	/* no trial */
	    "20220714110357 2 6 100 2048 5 ",	/* size is not bits - 1 */
	    "20220714110357 2 6 100 2047 1 ",	/* generator 1 */
	    "20220714110357 2 6 100 2047 1G ",	/* not hex */
	    "# 20220714110357 2 6 100 2047 5 ", /* comment */
	    "20220714110357 2 6 100 2047 5 X",	/* modulus not hex */
	};
	struct moduli mf;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%s\n", bad[i],
				      strchr(bad[i], 'X') ? "" : hex);
	n += (size_t)snprintf(text + n, sizeof text - n, "%s extra\n", gex_line);
	mf = (struct moduli){0, text, n};
	ok(moduli_count(&mf) == 0, "moduli: none of %zu bad lines is used", ARRAY_LEN(bad) + 1);
	n += (size_t)snprintf(text + n, sizeof text - n, "  %s\r\n", gex_line);
	mf.len = n;
	ok(moduli_count(&mf) == 1, "moduli: a good line with CRLF and leading blanks is used");
	memset(text, 'a', 9000);
	text[9000] = '\n';
	n = 9001 + (size_t)snprintf(text + 9001, sizeof text - 9001, "%s", gex_line);
	mf.len = n;
	ok(moduli_count(&mf) == 1, "moduli: a line beyond 8 KiB is skipped, the next one read");
}

int main(void)
{
	tap_logs_aside();
	if (!algo_init()) return 1;
	test_rfc3526();
	test_dh_known();
	test_gex_known();
	test_ecdh_known();
	test_x25519_known();
	test_derive();
	test_x25519_refusals();
	test_ecdh_refusals();
	test_dh_refusals();
	test_gex_refusals();
	test_hybrid_known();
	test_hybrid_roundtrip(&m_mlkem);
	test_hybrid_roundtrip(&m_sntrup);
	test_hybrid_refusals();
	test_moduli_filter();
	return tap_done();
}
