/* mlkem768: ML-KEM-768 written from FIPS 203 (August 2024), algorithm
 * numbers as there.  Coefficients are kept fully reduced in [0, q) and
 * reduced with multiply-and-shift (Barrett) steps, never with a division
 * or a branch, so secret values take no data-dependent path; the only
 * data-dependent loop is the rejection sampling of the public matrix. */
#include <string.h>

#include "algo.h"
#include "keccak.h"
#include "mlkem768.h"

#define MLKEM_N 256
#define MLKEM_Q 3329
#define MLKEM_K 3
#define MLKEM_DU 10
#define MLKEM_DV 4
#define MLKEM_POLYBYTES 384 /* ByteEncode12 of one polynomial */
#define MLKEM_VECBYTES (MLKEM_K * MLKEM_POLYBYTES)
#define MLKEM_INV128 3303 /* 128^-1 mod q, the last step of NTT^-1 */

typedef struct {
	uint16_t c[MLKEM_N];
} poly;

typedef struct {
	poly p[MLKEM_K];
} polyvec;

/* 17^BitRev7(i) mod q (section 4.3). */
static const uint16_t mlkem_zetas[128] = {
    1,	  1729, 2580, 3289, 2642, 630,	1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746,
    296,  2447, 1339, 1476, 3046, 56,	2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,
    289,  331,	3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865, 33,	1320, 1915,
    2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,  2474, 3110, 1227, 910,
    17,	  2761, 583,  2649, 1637, 723,	2288, 1100, 1409, 2662, 3281, 233,  756,  2156, 3015, 3050,
    1703, 1651, 2789, 1789, 1847, 952,	1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,  641,
    1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063, 319,	2773, 757,  2099, 561,	2466, 2594,
    2804, 1092, 403,  1026, 1143, 2150, 2775, 886,  1722, 1212, 1874, 1029, 2110, 2935, 885,  2154,
};

/* 17^(2 BitRev7(i) + 1) mod q, the gammas of MultiplyNTTs (section 4.3.1). */
static const uint16_t mlkem_gammas[128] = {
    17,	  3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100, 2229,
    1409, 1920, 2662, 667,  3281, 48,	233,  3096, 756,  2573, 2156, 1173, 3015, 314,	3050, 279,
    1703, 1626, 1651, 1678, 2789, 540,	1789, 1540, 1847, 1482, 952,  2377, 1461, 1868, 2687, 642,
    939,  2390, 2308, 1021, 2437, 892,	2388, 941,  733,  2596, 2337, 992,  268,  3061, 641,  2688,
    1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549, 780,  2090, 1239, 1645, 1684,
    1063, 2266, 319,  3010, 2773, 556,	757,  2572, 2099, 1230, 561,  2768, 2466, 863,	2594, 735,
    2804, 525,	1092, 2237, 403,  2926, 1026, 2303, 1143, 2186, 2150, 1179, 2775, 554,	886,  2443,
    1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300, 2110, 1219, 2935, 394,  885,  2444, 2154, 1175,
};

/* x mod q for x < 2^26: 20159 = ceil(2^26/q) overestimates x/q by less
 * than 1, so one conditional add (a mask, not a branch) finishes it. */
static inline uint16_t fq_reduce(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * 20159) >> 26);
	uint32_t r = x - t * MLKEM_Q;
	r += MLKEM_Q & (0U - (r >> 31));
	return (uint16_t)r;
}

/* x - q when x >= q, for x < 2q. */
static inline uint16_t fq_csub(uint32_t x)
{
	uint32_t r = x - MLKEM_Q;
	r += MLKEM_Q & (0U - (r >> 31));
	return (uint16_t)r;
}

/* floor(v / q) for v < 2^22 without a division instruction, whose
 * running time may depend on v (KyberSlash): 20642679 = ceil(2^36/q). */
static inline uint32_t fq_divq(uint32_t v)
{
	return (uint32_t)(((uint64_t)v * 20642679) >> 36);
}

/* Compress_d and Decompress_d (section 4.2.1), rounding half up. */
static inline uint32_t fq_compress(uint32_t x, unsigned int d)
{
	return fq_divq((x << d) + MLKEM_Q / 2) & ((1U << d) - 1);
}

static inline uint16_t fq_decompress(uint32_t y, unsigned int d)
{
	return (uint16_t)((y * MLKEM_Q + (1U << (d - 1))) >> d);
}

/* Algorithm 9. */
static void poly_ntt(poly *f)
{
	unsigned int len, start, j, i = 1;
	for (len = 128; len >= 2; len >>= 1) {
		for (start = 0; start < MLKEM_N; start += 2 * len) {
			uint32_t zeta = mlkem_zetas[i++];
			for (j = start; j < start + len; j++) {
				uint16_t t = fq_reduce(zeta * f->c[j + len]);
				f->c[j + len] = fq_csub(f->c[j] + MLKEM_Q - t);
				f->c[j] = fq_csub(f->c[j] + t);
			}
		}
	}
}

/* Algorithm 10. */
static void poly_invntt(poly *f)
{
	unsigned int len, start, j, i = 127;
	for (len = 2; len <= 128; len <<= 1) {
		for (start = 0; start < MLKEM_N; start += 2 * len) {
			uint32_t zeta = mlkem_zetas[i--];
			for (j = start; j < start + len; j++) {
				uint16_t t = f->c[j];
				f->c[j] = fq_csub(t + f->c[j + len]);
				f->c[j + len] = fq_reduce(zeta * (f->c[j + len] + MLKEM_Q - t));
			}
		}
	}
	for (j = 0; j < MLKEM_N; j++)
		f->c[j] = fq_reduce((uint32_t)f->c[j] * MLKEM_INV128);
}

/* Accumulates the products of Algorithms 11 and 12 unreduced: each term
 * is below 2q^2, so k = 3 of them stay below 2^26 for fq_reduce. */
struct poly_acc {
	uint32_t c[MLKEM_N];
};

static void poly_acc_mul(struct poly_acc *acc, const poly *a, const poly *b)
{
	unsigned int i;
	for (i = 0; i < MLKEM_N / 2; i++) {
		uint32_t a0 = a->c[2 * i], a1 = a->c[2 * i + 1];
		uint32_t b0 = b->c[2 * i], b1 = b->c[2 * i + 1];
		acc->c[2 * i] += a0 * b0 + (uint32_t)fq_reduce(a1 * b1) * mlkem_gammas[i];
		acc->c[2 * i + 1] += a0 * b1 + a1 * b0;
	}
}

static void poly_acc_reduce(poly *r, const struct poly_acc *acc)
{
	unsigned int i;
	for (i = 0; i < MLKEM_N; i++)
		r->c[i] = fq_reduce(acc->c[i]);
}

static void poly_add(poly *r, const poly *a)
{
	unsigned int i;
	for (i = 0; i < MLKEM_N; i++)
		r->c[i] = fq_csub(r->c[i] + a->c[i]);
}

static void poly_sub(poly *r, const poly *a)
{
	unsigned int i;
	for (i = 0; i < MLKEM_N; i++)
		r->c[i] = fq_csub(r->c[i] + MLKEM_Q - a->c[i]);
}

/* ByteEncode12 (Algorithm 5) of reduced coefficients. */
static void poly_encode12(unsigned char *out, const poly *f)
{
	unsigned int i;
	for (i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a = f->c[2 * i], b = f->c[2 * i + 1];
		out[3 * i] = (unsigned char)a;
		out[3 * i + 1] = (unsigned char)((a >> 8) | (b << 4));
		out[3 * i + 2] = (unsigned char)(b >> 4);
	}
}

/* ByteDecode12 (Algorithm 6) without the reduction; 1 when every
 * coefficient is below q.  Callers that hold their own keys reduce with
 * poly_decode12_reduced instead. */
static int poly_decode12(poly *f, const unsigned char *in)
{
	unsigned int i;
	uint32_t bad = 0;
	for (i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a = in[3 * i] | ((uint16_t)(in[3 * i + 1] & 0x0f) << 8);
		uint16_t b = (in[3 * i + 1] >> 4) | ((uint16_t)in[3 * i + 2] << 4);
		f->c[2 * i] = a;
		f->c[2 * i + 1] = b;
		bad |= (uint32_t)(MLKEM_Q - 1 - a) | (uint32_t)(MLKEM_Q - 1 - b);
	}
	return (bad >> 31) == 0;
}

static void poly_decode12_reduced(poly *f, const unsigned char *in)
{
	unsigned int i;
	poly_decode12(f, in);
	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = fq_csub(f->c[i]);
}

/* SampleNTT (Algorithm 7): rejection sampling from SHAKE128(rho || j || i).
 * The matrix is public, so the variable number of reads leaks nothing. */
static void poly_sample_ntt(poly *a, const unsigned char rho[32], unsigned char j, unsigned char i)
{
	struct keccak xof;
	unsigned char seed[34], buf[KECCAK_SHAKE128_RATE];
	unsigned int n = 0, k;

	memcpy(seed, rho, 32);
	seed[32] = j;
	seed[33] = i;
	keccak_init(&xof, KECCAK_SHAKE128_RATE);
	keccak_absorb(&xof, seed, sizeof seed);
	keccak_finish(&xof, 0x1f);
	while (n < MLKEM_N) {
		keccak_squeeze(&xof, buf, sizeof buf);
		for (k = 0; k + 3 <= sizeof buf && n < MLKEM_N; k += 3) {
			uint16_t d1 = buf[k] | ((uint16_t)(buf[k + 1] & 0x0f) << 8);
			uint16_t d2 = (buf[k + 1] >> 4) | ((uint16_t)buf[k + 2] << 4);
			if (d1 < MLKEM_Q) a->c[n++] = d1;
			if (d2 < MLKEM_Q && n < MLKEM_N) a->c[n++] = d2;
		}
	}
}

/* SamplePolyCBD_2 (Algorithm 8) of PRF_2(s, b) = SHAKE256(s || b, 128). */
static void poly_sample_cbd2(poly *f, const unsigned char s[32], unsigned char b)
{
	unsigned char in[33], buf[128];
	unsigned int i;

	memcpy(in, s, 32);
	in[32] = b;
	keccak_shake256(buf, sizeof buf, in, sizeof in);
	for (i = 0; i < MLKEM_N; i++) {
		unsigned int bits = buf[i / 2] >> (4 * (i % 2));
		uint32_t x = (bits & 1) + ((bits >> 1) & 1);
		uint32_t y = ((bits >> 2) & 1) + ((bits >> 3) & 1);
		f->c[i] = fq_csub(x + MLKEM_Q - y);
	}
	algo_wipe(buf, sizeof buf);
	algo_wipe(in, sizeof in);
}

static void matrix_expand(polyvec a[MLKEM_K], const unsigned char rho[32])
{
	unsigned int i, j;
	for (i = 0; i < MLKEM_K; i++)
		for (j = 0; j < MLKEM_K; j++)
			poly_sample_ntt(&a[i].p[j], rho, (unsigned char)j, (unsigned char)i);
}

/* r = sum_j a[j] * b[j] in the NTT domain. */
static void polyvec_dot(poly *r, const polyvec *a, const polyvec *b)
{
	struct poly_acc acc;
	unsigned int j;
	memset(&acc, 0, sizeof acc);
	for (j = 0; j < MLKEM_K; j++)
		poly_acc_mul(&acc, &a->p[j], &b->p[j]);
	poly_acc_reduce(r, &acc);
}

/* The working state of one operation, in one place so that it is wiped
 * in one place. */
struct mlkem_work {
	polyvec a[MLKEM_K]; /* the matrix A-hat, row i = a[i] */
	polyvec s, e, t, u;
	poly v, w;
	unsigned char buf[64];
	unsigned char ct[MLKEM768_CIPHERTEXTBYTES];
};

/* K-PKE.KeyGen (Algorithm 13): ek = t-hat || rho, dk_PKE = s-hat. */
static void kpke_keygen(struct mlkem_work *w, unsigned char *ek, unsigned char *dkpke,
			const unsigned char d[32])
{
	unsigned char *rho = w->buf, *sigma = w->buf + 32;
	unsigned int i;

	memcpy(w->buf, d, 32);
	w->buf[32] = MLKEM_K;
	keccak_sha3_512(w->buf, w->buf, 33);
	matrix_expand(w->a, rho);
	for (i = 0; i < MLKEM_K; i++)
		poly_sample_cbd2(&w->s.p[i], sigma, (unsigned char)i);
	for (i = 0; i < MLKEM_K; i++)
		poly_sample_cbd2(&w->e.p[i], sigma, (unsigned char)(MLKEM_K + i));
	for (i = 0; i < MLKEM_K; i++) {
		poly_ntt(&w->s.p[i]);
		poly_ntt(&w->e.p[i]);
	}
	for (i = 0; i < MLKEM_K; i++) {
		polyvec_dot(&w->t.p[i], &w->a[i], &w->s);
		poly_add(&w->t.p[i], &w->e.p[i]);
		poly_encode12(ek + i * MLKEM_POLYBYTES, &w->t.p[i]);
		poly_encode12(dkpke + i * MLKEM_POLYBYTES, &w->s.p[i]);
	}
	memcpy(ek + MLKEM_VECBYTES, rho, 32);
}

/* Compresses u (d = 10) and v (d = 4) into the ciphertext (Algorithm 14,
 * steps 22-23); ByteEncode_d packs little-endian bit strings. */
static void ct_encode(unsigned char *c, const polyvec *u, const poly *v)
{
	unsigned int i, j, k;
	for (i = 0; i < MLKEM_K; i++) {
		for (j = 0; j < MLKEM_N; j += 4) {
			uint32_t t[4];
			for (k = 0; k < 4; k++)
				t[k] = fq_compress(u->p[i].c[j + k], MLKEM_DU);
			c[0] = (unsigned char)t[0];
			c[1] = (unsigned char)((t[0] >> 8) | (t[1] << 2));
			c[2] = (unsigned char)((t[1] >> 6) | (t[2] << 4));
			c[3] = (unsigned char)((t[2] >> 4) | (t[3] << 6));
			c[4] = (unsigned char)(t[3] >> 2);
			c += 5;
		}
	}
	for (j = 0; j < MLKEM_N; j += 2)
		*c++ = (unsigned char)(fq_compress(v->c[j], MLKEM_DV) |
				       (fq_compress(v->c[j + 1], MLKEM_DV) << 4));
}

static void ct_decode(polyvec *u, poly *v, const unsigned char *c)
{
	unsigned int i, j;
	for (i = 0; i < MLKEM_K; i++) {
		for (j = 0; j < MLKEM_N; j += 4) {
			uint32_t t0 = c[0] | ((uint32_t)(c[1] & 0x03) << 8);
			uint32_t t1 = (c[1] >> 2) | ((uint32_t)(c[2] & 0x0f) << 6);
			uint32_t t2 = (c[2] >> 4) | ((uint32_t)(c[3] & 0x3f) << 4);
			uint32_t t3 = (c[3] >> 6) | ((uint32_t)c[4] << 2);
			u->p[i].c[j] = fq_decompress(t0, MLKEM_DU);
			u->p[i].c[j + 1] = fq_decompress(t1, MLKEM_DU);
			u->p[i].c[j + 2] = fq_decompress(t2, MLKEM_DU);
			u->p[i].c[j + 3] = fq_decompress(t3, MLKEM_DU);
			c += 5;
		}
	}
	for (j = 0; j < MLKEM_N; j += 2) {
		v->c[j] = fq_decompress(*c & 0x0f, MLKEM_DV);
		v->c[j + 1] = fq_decompress(*c >> 4, MLKEM_DV);
		c++;
	}
}

/* K-PKE.Encrypt (Algorithm 14) with t-hat already decoded into w->t and
 * A-hat already expanded into w->a. */
static void kpke_encrypt(struct mlkem_work *w, unsigned char *c, const unsigned char m[32],
			 const unsigned char r[32])
{
	struct poly_acc acc;
	unsigned int i, j;

	for (i = 0; i < MLKEM_K; i++)
		poly_sample_cbd2(&w->s.p[i], r, (unsigned char)i); /* y */
	for (i = 0; i < MLKEM_K; i++)
		poly_sample_cbd2(&w->e.p[i], r, (unsigned char)(MLKEM_K + i)); /* e1 */
	poly_sample_cbd2(&w->w, r, 2 * MLKEM_K);			       /* e2 */
	for (i = 0; i < MLKEM_K; i++)
		poly_ntt(&w->s.p[i]);
	/* u = NTT^-1(A-hat^T y-hat) + e1: column i of A-hat. */
	for (i = 0; i < MLKEM_K; i++) {
		memset(&acc, 0, sizeof acc);
		for (j = 0; j < MLKEM_K; j++)
			poly_acc_mul(&acc, &w->a[j].p[i], &w->s.p[j]);
		poly_acc_reduce(&w->u.p[i], &acc);
		poly_invntt(&w->u.p[i]);
		poly_add(&w->u.p[i], &w->e.p[i]);
	}
	/* v = NTT^-1(t-hat^T y-hat) + e2 + Decompress_1(m). */
	polyvec_dot(&w->v, &w->t, &w->s);
	poly_invntt(&w->v);
	poly_add(&w->v, &w->w);
	for (i = 0; i < MLKEM_N; i++) {
		uint32_t bit = (m[i / 8] >> (i % 8)) & 1;
		w->w.c[i] = (uint16_t)((0U - bit) & ((MLKEM_Q + 1) / 2));
	}
	poly_add(&w->v, &w->w);
	ct_encode(c, &w->u, &w->v);
	algo_wipe(&acc, sizeof acc);
}

/* K-PKE.Decrypt (Algorithm 15). */
static void kpke_decrypt(struct mlkem_work *w, unsigned char m[32], const unsigned char *dkpke,
			 const unsigned char *c)
{
	unsigned int i;

	ct_decode(&w->u, &w->v, c);
	for (i = 0; i < MLKEM_K; i++) {
		poly_decode12_reduced(&w->s.p[i], dkpke + i * MLKEM_POLYBYTES);
		poly_ntt(&w->u.p[i]);
	}
	polyvec_dot(&w->w, &w->s, &w->u);
	poly_invntt(&w->w);
	poly_sub(&w->v, &w->w);
	memset(m, 0, 32);
	for (i = 0; i < MLKEM_N; i++)
		m[i / 8] |= (unsigned char)(fq_compress(w->v.c[i], 1) << (i % 8));
}

/* Decodes ek into w->t and expands A-hat from its rho; 0 when a
 * coefficient is q or more (the modulus check of section 7.2). */
static int ek_load(struct mlkem_work *w, const unsigned char *ek)
{
	unsigned int i;
	int good = 1;
	for (i = 0; i < MLKEM_K; i++)
		good &= poly_decode12(&w->t.p[i], ek + i * MLKEM_POLYBYTES);
	if (!good) return 0;
	matrix_expand(w->a, ek + MLKEM_VECBYTES);
	return 1;
}

int mlkem768_keypair_derand(unsigned char *pk, unsigned char *sk, const unsigned char d[32],
			    const unsigned char z[32])
{
	struct mlkem_work w;
	unsigned char *p = sk + MLKEM_VECBYTES;

	/* Algorithm 16: dk = dk_PKE || ek || H(ek) || z. */
	kpke_keygen(&w, pk, sk, d);
	memcpy(p, pk, MLKEM768_PUBLICKEYBYTES);
	keccak_sha3_256(p + MLKEM768_PUBLICKEYBYTES, pk, MLKEM768_PUBLICKEYBYTES);
	memcpy(p + MLKEM768_PUBLICKEYBYTES + 32, z, 32);
	algo_wipe(&w, sizeof w);
	return 1;
}

int mlkem768_keypair(unsigned char pk[MLKEM768_PUBLICKEYBYTES],
		     unsigned char sk[MLKEM768_SECRETKEYBYTES])
{
	unsigned char seed[64];
	int r;
	algo_random(seed, sizeof seed);
	r = mlkem768_keypair_derand(pk, sk, seed, seed + 32);
	algo_wipe(seed, sizeof seed);
	return r;
}

int mlkem768_encaps_derand(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
			   const unsigned char m[32])
{
	struct mlkem_work w;
	unsigned char kr[64];

	if (!ek_load(&w, pk)) return 0;
	/* Algorithm 17: (K, r) = G(m || H(ek)). */
	memcpy(w.buf, m, 32);
	keccak_sha3_256(w.buf + 32, pk, MLKEM768_PUBLICKEYBYTES);
	keccak_sha3_512(kr, w.buf, 64);
	kpke_encrypt(&w, ct, m, kr + 32);
	memcpy(ss, kr, 32);
	algo_wipe(kr, sizeof kr);
	algo_wipe(&w, sizeof w);
	return 1;
}

int mlkem768_encaps(unsigned char ct[MLKEM768_CIPHERTEXTBYTES],
		    unsigned char ss[MLKEM768_SHAREDBYTES],
		    const unsigned char pk[MLKEM768_PUBLICKEYBYTES])
{
	unsigned char m[32];
	int r;
	algo_random(m, sizeof m);
	r = mlkem768_encaps_derand(ct, ss, pk, m);
	algo_wipe(m, sizeof m);
	return r;
}

int mlkem768_decaps(unsigned char ss[MLKEM768_SHAREDBYTES],
		    const unsigned char ct[MLKEM768_CIPHERTEXTBYTES],
		    const unsigned char sk[MLKEM768_SECRETKEYBYTES])
{
	struct mlkem_work w;
	const unsigned char *ek = sk + MLKEM_VECBYTES;
	const unsigned char *h = ek + MLKEM768_PUBLICKEYBYTES;
	const unsigned char *z = h + 32;
	unsigned char kr[64], kbar[32];
	struct keccak j;
	unsigned int i;
	unsigned char diff = 0, mask;

	/* Algorithm 18. */
	kpke_decrypt(&w, w.buf, sk, ct);
	memcpy(w.buf + 32, h, 32);
	keccak_sha3_512(kr, w.buf, 64);
	/* K-bar = J(z || c) = SHAKE256(z || c, 32). */
	keccak_init(&j, KECCAK_SHAKE256_RATE);
	keccak_absorb(&j, z, 32);
	keccak_absorb(&j, ct, MLKEM768_CIPHERTEXTBYTES);
	keccak_finish(&j, 0x1f);
	keccak_squeeze(&j, kbar, sizeof kbar);
	keccak_wipe(&j);
	/* Re-encrypt under our own ek (no modulus check needed: we made it,
	 * and its coefficients are reduced on decoding). */
	for (i = 0; i < MLKEM_K; i++)
		poly_decode12_reduced(&w.t.p[i], ek + i * MLKEM_POLYBYTES);
	matrix_expand(w.a, ek + MLKEM_VECBYTES);
	kpke_encrypt(&w, w.ct, w.buf, kr + 32);
	/* Constant-time compare and select: mask is 0xff when c != c'. */
	for (i = 0; i < MLKEM768_CIPHERTEXTBYTES; i++)
		diff |= w.ct[i] ^ ct[i];
	mask = (unsigned char)(0U - ((0U - (unsigned int)diff) >> 31));
	for (i = 0; i < 32; i++)
		ss[i] = (unsigned char)(kr[i] ^ (mask & (kr[i] ^ kbar[i])));
	algo_wipe(kr, sizeof kr);
	algo_wipe(kbar, sizeof kbar);
	algo_wipe(&w, sizeof w);
	return 1;
}
