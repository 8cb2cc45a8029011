/* sntrup761: Streamlined NTRU Prime 761 written from the NTRU Prime
 * round-3 specification (KeyGen, Encap and Decap of section 1.10 with the
 * Encode/Decode of section 1.9, hashes with prefix bytes).  Polynomials
 * live in R = Z[x]/(x^p - x - 1); "small" ones have coefficients in
 * {-1, 0, 1}, Rq ones are centred in [-(q-1)/2, (q-1)/2].
 *
 * Constant time: reductions are multiply-and-shift, selections are masks,
 * inversions run a fixed number of division steps, the short-polynomial
 * sampler sorts with a fixed network.  Only the key generation's retry
 * (g not invertible mod 3, a discarded random g) and the decoding of
 * public keys and ciphertexts (public data) take data-dependent paths. */
#include <string.h>

#include "algo.h"
#include "sntrup761.h"

#define SNTRUP_P 761
#define SNTRUP_Q 4591
#define SNTRUP_W 286
#define SNTRUP_Q12 ((SNTRUP_Q - 1) / 2)
#define SNTRUP_SMALLBYTES ((SNTRUP_P + 3) / 4)	/* 191 */
#define SNTRUP_RQBYTES SNTRUP761_PUBLICKEYBYTES /* 1158 */
#define SNTRUP_ROUNDEDBYTES 1007		/* Encode of (q+2)/3 ranges */
#define SNTRUP_HASHBYTES 32			/* SHA-512 cut to 32 bytes */
#define SNTRUP_RANDBYTES (4 * SNTRUP_P)		/* one list of 32-bit words */
#define SNTRUP_ENCODE_LIMIT 16384		/* Encode keeps ranges below 2^14 */
#define SNTRUP_LEVELS 12			/* 761 halves to 1 in 11 steps */

typedef int8_t small;
typedef int16_t fq;

/* ---- arithmetic in Z/q and Z/3, branch-free */

/* x mod q, centred, for |x| < 2^25: shifted to a positive u < 2^27,
 * then floor(u/q) exactly from ceil(2^40/q) (the error stays below 1/q). */
static inline fq fq_freeze(int32_t x)
{
	const uint64_t m = ((1ULL << 40) + SNTRUP_Q - 1) / SNTRUP_Q;
	uint32_t u = (uint32_t)(x + SNTRUP_Q12 + SNTRUP_Q * 8192);
	uint32_t t = (uint32_t)((u * m) >> 40);
	return (fq)((int32_t)(u - t * SNTRUP_Q) - SNTRUP_Q12);
}

/* x mod 3 in {-1, 0, 1} for |x| < 2^20, the same way with 2^34. */
static inline small f3_freeze(int32_t x)
{
	const uint64_t m = ((1ULL << 34) + 2) / 3;
	uint32_t u = (uint32_t)(x + 1 + 3 * (1 << 20));
	uint32_t t = (uint32_t)((u * m) >> 34);
	return (small)((int32_t)(u - t * 3) - 1);
}

/* -1 when x != 0, else 0. */
static inline int32_t nonzero_mask(int32_t x)
{
	uint32_t u = (uint32_t)x;
	return -(int32_t)((u | (0U - u)) >> 31);
}

/* -1 when x < 0, else 0. */
static inline int32_t negative_mask(int32_t x)
{
	return -(int32_t)((uint32_t)x >> 31);
}

/* a^(q-2) = 1/a mod q; the exponent is public. */
static fq fq_recip(fq a)
{
	int32_t r = a, e;
	for (e = 1; e < SNTRUP_Q - 2; e++)
		r = fq_freeze(r * a);
	return (fq)r;
}

/* ---- polynomial products modulo x^p - x - 1 */

/* Folds a product of degree 2p-2: x^(p+i) = x^(i+1) + x^i. */
static void fold(int32_t prod[2 * SNTRUP_P - 1])
{
	int i;
	for (i = 2 * SNTRUP_P - 2; i >= SNTRUP_P; i--) {
		prod[i - SNTRUP_P] += prod[i];
		prod[i - SNTRUP_P + 1] += prod[i];
	}
}

/* h = f * g in Rq with g small: each sum is below 761 * 2295 < 2^21,
 * below 2^23 after folding. */
static void rq_mult_small(fq *h, const fq *f, const small *g)
{
	int32_t prod[2 * SNTRUP_P - 1];
	int i, j;

	memset(prod, 0, sizeof prod);
	for (i = 0; i < SNTRUP_P; i++)
		for (j = 0; j < SNTRUP_P; j++)
			prod[i + j] += (int32_t)f[i] * g[j];
	fold(prod);
	for (i = 0; i < SNTRUP_P; i++)
		h[i] = fq_freeze(prod[i]);
	algo_wipe(prod, sizeof prod);
}

/* h = f * g in R/3. */
static void r3_mult(small *h, const small *f, const small *g)
{
	int32_t prod[2 * SNTRUP_P - 1];
	int i, j;

	memset(prod, 0, sizeof prod);
	for (i = 0; i < SNTRUP_P; i++)
		for (j = 0; j < SNTRUP_P; j++)
			prod[i + j] += (int32_t)f[i] * g[j];
	fold(prod);
	for (i = 0; i < SNTRUP_P; i++)
		h[i] = f3_freeze(prod[i]);
	algo_wipe(prod, sizeof prod);
}

/* ---- inversion by constant-time division steps (Bernstein-Yang, "Fast
 * constant-time gcd computation and modular inversion", 2019, section 6):
 * 2p-1 steps on the reversed polynomials of x^p - x - 1 and the input
 * always suffice; the input is invertible exactly when delta ends at 0.
 * f, g hold the reversed polynomials (index 0 the leading coefficient of
 * the original), v, r the Bezout coefficients; each step conditionally
 * swaps (mask) and cancels g's constant term against f's. */

struct divstep_state {
	int16_t f[SNTRUP_P + 1], g[SNTRUP_P + 1], v[SNTRUP_P + 1], r[SNTRUP_P + 1];
};

static void divstep_start(struct divstep_state *s, const small *in)
{
	int i;
	memset(s, 0, sizeof *s);
	s->f[0] = 1;
	s->f[SNTRUP_P - 1] = -1;
	s->f[SNTRUP_P] = -1;
	for (i = 0; i < SNTRUP_P; i++)
		s->g[SNTRUP_P - 1 - i] = in[i];
}

/* v = x v; conditional swap when delta > 0 and g(0) != 0; returns the
 * new delta. */
static int32_t divstep_swap(struct divstep_state *s, int32_t delta)
{
	int32_t swap, t;
	int i;

	for (i = SNTRUP_P; i > 0; i--)
		s->v[i] = s->v[i - 1];
	s->v[0] = 0;
	swap = negative_mask(-delta) & nonzero_mask(s->g[0]);
	delta ^= swap & (delta ^ -delta);
	for (i = 0; i <= SNTRUP_P; i++) {
		t = swap & (s->f[i] ^ s->g[i]);
		s->f[i] = (int16_t)(s->f[i] ^ t);
		s->g[i] = (int16_t)(s->g[i] ^ t);
		t = swap & (s->v[i] ^ s->r[i]);
		s->v[i] = (int16_t)(s->v[i] ^ t);
		s->r[i] = (int16_t)(s->r[i] ^ t);
	}
	return delta + 1;
}

/* g = g / x after its constant term was cancelled. */
static void divstep_shift(struct divstep_state *s)
{
	memmove(s->g, s->g + 1, SNTRUP_P * sizeof s->g[0]);
	s->g[SNTRUP_P] = 0;
}

/* out = 1/in in R/3; 0 when in is invertible, -1 otherwise. */
static int r3_recip(small *out, const small *in)
{
	struct divstep_state s;
	int32_t delta = 1, c;
	int loop, i;

	divstep_start(&s, in);
	s.r[0] = 1;
	for (loop = 0; loop < 2 * SNTRUP_P - 1; loop++) {
		delta = divstep_swap(&s, delta);
		/* f(0) is +-1, its own inverse mod 3. */
		c = -s.g[0] * s.f[0];
		for (i = 0; i <= SNTRUP_P; i++) {
			s.g[i] = f3_freeze(s.g[i] + c * s.f[i]);
			s.r[i] = f3_freeze(s.r[i] + c * s.v[i]);
		}
		divstep_shift(&s);
	}
	for (i = 0; i < SNTRUP_P; i++)
		out[i] = (small)(s.f[0] * s.v[SNTRUP_P - 1 - i]);
	c = nonzero_mask(delta);
	algo_wipe(&s, sizeof s);
	return c;
}

/* out = 1/(3 in) in Rq (r starts at 1/3); 0 when invertible. */
static int rq_recip3(fq *out, const small *in)
{
	struct divstep_state s;
	int32_t delta = 1, f0, g0, scale;
	int loop, i;

	divstep_start(&s, in);
	s.r[0] = fq_recip(3);
	for (loop = 0; loop < 2 * SNTRUP_P - 1; loop++) {
		delta = divstep_swap(&s, delta);
		f0 = s.f[0];
		g0 = s.g[0];
		for (i = 0; i <= SNTRUP_P; i++) {
			s.g[i] = fq_freeze(f0 * s.g[i] - g0 * s.f[i]);
			s.r[i] = fq_freeze(f0 * s.r[i] - g0 * s.v[i]);
		}
		divstep_shift(&s);
	}
	scale = fq_recip(s.f[0]);
	for (i = 0; i < SNTRUP_P; i++)
		out[i] = fq_freeze(scale * s.v[SNTRUP_P - 1 - i]);
	f0 = nonzero_mask(delta);
	algo_wipe(&s, sizeof s);
	return f0;
}

/* ---- Encode and Decode (specification section 1.9): a list of integers
 * 0 <= R[i] < M[i] as one mixed-radix number, written a pair at a time,
 * low bytes out while the pair's range is 2^14 or more, the rest carried
 * to the next level.  The ranges M, hence the shape of the output, depend
 * only on the parameters. */

/* Writes the bytes of level after level; r, m are overwritten. */
static void encode(unsigned char *out, uint32_t *r, uint32_t *m, int len)
{
	int i;
	while (len > 1) {
		for (i = 0; i + 1 < len; i += 2) {
			uint32_t rr = r[i] + r[i + 1] * m[i], mm = m[i] * m[i + 1];
			while (mm >= SNTRUP_ENCODE_LIMIT) {
				*out++ = (unsigned char)rr;
				rr >>= 8;
				mm = (mm + 255) >> 8;
			}
			r[i / 2] = rr;
			m[i / 2] = mm;
		}
		if (len & 1) {
			r[len / 2] = r[len - 1];
			m[len / 2] = m[len - 1];
		}
		len = (len + 1) / 2;
	}
	while (m[0] > 1) {
		*out++ = (unsigned char)r[0];
		r[0] >>= 8;
		m[0] = (m[0] + 255) >> 8;
	}
}

/* The ranges of every level (all of them, since decoding runs from the
 * top level down) and where each level's bytes start. */
struct decode_plan {
	uint32_t m[2 * SNTRUP_P + SNTRUP_LEVELS]; /* 761 + 381 + ... + 1 = 1525 */
	int start[SNTRUP_LEVELS];		  /* index of the level's first range in m */
	int len[SNTRUP_LEVELS];
	int bytes[SNTRUP_LEVELS + 1]; /* offset of the level's bytes */
	int levels;
};

static int pair_bytes(uint32_t *mm)
{
	int n = 0;
	while (*mm >= SNTRUP_ENCODE_LIMIT) {
		*mm = (*mm + 255) >> 8;
		n++;
	}
	return n;
}

static void decode_plan(struct decode_plan *d, uint32_t m0, int len)
{
	int lv = 0, pos = len, i;
	for (i = 0; i < len; i++)
		d->m[i] = m0;
	d->start[0] = 0;
	d->len[0] = len;
	d->bytes[0] = 0;
	while (d->len[lv] > 1) {
		const uint32_t *m = d->m + d->start[lv];
		uint32_t *next = d->m + pos;
		int n = d->len[lv], nbytes = 0;
		for (i = 0; i + 1 < n; i += 2) {
			next[i / 2] = m[i] * m[i + 1];
			nbytes += pair_bytes(&next[i / 2]);
		}
		if (n & 1) next[n / 2] = m[n - 1];
		d->bytes[lv + 1] = d->bytes[lv] + nbytes;
		lv++;
		d->start[lv] = pos;
		d->len[lv] = (n + 1) / 2;
		pos += d->len[lv];
	}
	d->levels = lv;
}

/* Inverse of encode for n values all in [0, m0); out of range input (not
 * made by encode) still gives values below their ranges.  Reads only
 * public data (keys and ciphertexts), so the divisions are harmless. */
static void decode(uint32_t *out, const unsigned char *in, uint32_t m0, int n)
{
	struct decode_plan d;
	uint32_t r = 0, mm;
	int lv, i, k, b, pos;

	decode_plan(&d, m0, n);
	lv = d.levels;
	pos = d.bytes[lv];
	mm = d.m[d.start[lv]];
	for (k = 0; mm > 1; k++) {
		r |= (uint32_t)in[pos + k] << (8 * k);
		mm = (mm + 255) >> 8;
	}
	out[0] = r % d.m[d.start[lv]];
	/* Level lv-1 from level lv, in place, last pair first. */
	for (lv = lv - 1; lv >= 0; lv--) {
		const uint32_t *m = d.m + d.start[lv];
		int len = d.len[lv];
		pos = d.bytes[lv + 1];
		if (len & 1) out[len - 1] = out[len / 2];
		for (i = (len & ~1) - 2; i >= 0; i -= 2) {
			uint32_t top = out[i / 2], low = 0, t = 1, pm = m[i] * m[i + 1];
			b = pair_bytes(&pm);
			pos -= b;
			for (k = 0; k < b; k++) {
				low |= (uint32_t)in[pos + k] << (8 * k);
				t <<= 8;
			}
			r = low + t * top;
			out[i] = r % m[i];
			out[i + 1] = (r / m[i]) % m[i + 1];
		}
	}
}

/* ---- the byte formats */

static void small_encode(unsigned char *s, const small *f)
{
	int i;
	for (i = 0; i < SNTRUP_P / 4; i++)
		s[i] = (unsigned char)((f[4 * i] + 1) | ((f[4 * i + 1] + 1) << 2) |
				       ((f[4 * i + 2] + 1) << 4) | ((f[4 * i + 3] + 1) << 6));
	s[i] = (unsigned char)(f[4 * i] + 1);
}

static void small_decode(small *f, const unsigned char *s)
{
	int i, j;
	for (i = 0; i < SNTRUP_P / 4; i++)
		for (j = 0; j < 4; j++)
			f[4 * i + j] = (small)(((s[i] >> (2 * j)) & 3) - 1);
	f[4 * i] = (small)((s[i] & 3) - 1);
}

static void rq_encode(unsigned char *s, const fq *h)
{
	uint32_t r[SNTRUP_P], m[SNTRUP_P];
	int i;
	for (i = 0; i < SNTRUP_P; i++) {
		r[i] = (uint32_t)(h[i] + SNTRUP_Q12);
		m[i] = SNTRUP_Q;
	}
	encode(s, r, m, SNTRUP_P);
}

static void rq_decode(fq *h, const unsigned char *s)
{
	uint32_t r[SNTRUP_P];
	int i;
	decode(r, s, SNTRUP_Q, SNTRUP_P);
	for (i = 0; i < SNTRUP_P; i++)
		h[i] = (fq)((int32_t)r[i] - SNTRUP_Q12);
}

/* Rounded polynomials (multiples of 3) as values in [0, (q+2)/3);
 * (x * 10923) >> 15 is x/3 for the multiples of 3 below 2^15. */
static void rounded_encode(unsigned char *s, const fq *c)
{
	uint32_t r[SNTRUP_P], m[SNTRUP_P];
	int i;
	for (i = 0; i < SNTRUP_P; i++) {
		r[i] = ((uint32_t)(c[i] + SNTRUP_Q12) * 10923) >> 15;
		m[i] = (SNTRUP_Q + 2) / 3;
	}
	encode(s, r, m, SNTRUP_P);
	algo_wipe(r, sizeof r);
}

static void rounded_decode(fq *c, const unsigned char *s)
{
	uint32_t r[SNTRUP_P];
	int i;
	decode(r, s, (SNTRUP_Q + 2) / 3, SNTRUP_P);
	for (i = 0; i < SNTRUP_P; i++)
		c[i] = (fq)((int32_t)r[i] * 3 - SNTRUP_Q12);
}

/* ---- randomness */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* A uniform small polynomial: ((L mod 2^30) * 3) >> 30 is uniform enough
 * in {0, 1, 2}. */
static void small_random(small *g, sntrup761_random *rnd, void *ctx)
{
	unsigned char buf[SNTRUP_RANDBYTES];
	int i;
	rnd(ctx, buf, sizeof buf);
	for (i = 0; i < SNTRUP_P; i++)
		g[i] = (small)((((le32(buf + 4 * i) & 0x3fffffff) * 3) >> 30) - 1);
	algo_wipe(buf, sizeof buf);
}

/* Compare-exchange without a branch: after it, *a <= *b. */
static inline void minmax(uint32_t *a, uint32_t *b)
{
	uint32_t x = *a, y = *b;
	uint32_t swap = 0U - (uint32_t)(((uint64_t)y - x) >> 63);
	uint32_t t = swap & (x ^ y);
	*a = x ^ t;
	*b = y ^ t;
}

/* Batcher's merge exchange (Knuth, TAOCP vol. 3, 5.2.2, Algorithm M):
 * the comparisons made depend only on n. */
static void sort_u32(uint32_t *x, int n)
{
	int t = 0, p, q, r, d, i;
	while ((1 << t) < n)
		t++;
	for (p = 1 << (t - 1); p > 0; p >>= 1) {
		q = 1 << (t - 1);
		r = 0;
		d = p;
		for (;;) {
			for (i = 0; i < n - d; i++)
				if ((i & p) == r) minmax(&x[i], &x[i + d]);
			if (q == p) break;
			d = q - p;
			q >>= 1;
			r = p;
		}
	}
}

/* A short polynomial (exactly w coefficients +-1): w words forced even
 * (coefficient +-1 after the sort), the rest forced to 1 mod 4
 * (coefficient 0); sorting shuffles them by the random high bits. */
static void short_random(small *f, sntrup761_random *rnd, void *ctx)
{
	unsigned char buf[SNTRUP_RANDBYTES];
	uint32_t l[SNTRUP_P];
	int i;
	rnd(ctx, buf, sizeof buf);
	for (i = 0; i < SNTRUP_P; i++) {
		l[i] = le32(buf + 4 * i);
		l[i] = i < SNTRUP_W ? l[i] & ~1U : (l[i] & ~3U) | 1;
	}
	sort_u32(l, SNTRUP_P);
	for (i = 0; i < SNTRUP_P; i++)
		f[i] = (small)((l[i] & 3) - 1);
	algo_wipe(buf, sizeof buf);
	algo_wipe(l, sizeof l);
}

/* ---- hashes: the first 32 bytes of SHA-512(b || in || in2) */

static void hash_prefix(unsigned char out[SNTRUP_HASHBYTES], unsigned char b,
			const unsigned char *in, size_t n, const unsigned char *in2, size_t n2)
{
	crypto_hash_sha512_state st;
	unsigned char h[64];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, &b, 1);
	crypto_hash_sha512_update(&st, in, n);
	if (n2) crypto_hash_sha512_update(&st, in2, n2);
	crypto_hash_sha512_final(&st, h);
	memcpy(out, h, SNTRUP_HASHBYTES);
	algo_wipe(h, sizeof h);
	algo_wipe(&st, sizeof st);
}

/* HashConfirm(r, pk) = Hash2(Hash3(r) || Hash4(pk)), cache = Hash4(pk). */
static void hash_confirm(unsigned char *out, const unsigned char *r_enc, const unsigned char *cache)
{
	unsigned char h[SNTRUP_HASHBYTES];
	hash_prefix(h, 3, r_enc, SNTRUP_SMALLBYTES, 0, 0);
	hash_prefix(out, 2, h, sizeof h, cache, SNTRUP_HASHBYTES);
	algo_wipe(h, sizeof h);
}

/* HashSession(b, r, C) = Hash_b(Hash3(r) || C): b = 1 for a valid
 * ciphertext, 0 (with r = rho) for a rejected one. */
static void hash_session(unsigned char *out, unsigned char b, const unsigned char *r_enc,
			 const unsigned char *ct)
{
	unsigned char h[SNTRUP_HASHBYTES];
	hash_prefix(h, 3, r_enc, SNTRUP_SMALLBYTES, 0, 0);
	hash_prefix(out, b, h, sizeof h, ct, SNTRUP761_CIPHERTEXTBYTES);
	algo_wipe(h, sizeof h);
}

/* ---- the KEM */

struct sntrup_work {
	fq h[SNTRUP_P], c[SNTRUP_P], t[SNTRUP_P];
	small f[SNTRUP_P], g[SNTRUP_P], v[SNTRUP_P], r[SNTRUP_P];
	unsigned char r_enc[SNTRUP_SMALLBYTES];
	unsigned char cache[SNTRUP_HASHBYTES];
	unsigned char ct[SNTRUP761_CIPHERTEXTBYTES];
};

/* c = Round(h r): each coefficient to the nearest multiple of 3. */
static void encrypt(struct sntrup_work *w, const small *r)
{
	int i;
	rq_mult_small(w->c, w->h, r);
	for (i = 0; i < SNTRUP_P; i++)
		w->c[i] = (fq)(w->c[i] - f3_freeze(w->c[i]));
}

/* Hide: ciphertext of r under the public key in w->h, then its
 * confirmation hash; r_enc = the encoding of r. */
static void hide(struct sntrup_work *w, unsigned char *ct, const small *r)
{
	small_encode(w->r_enc, r);
	encrypt(w, r);
	rounded_encode(ct, w->c);
	hash_confirm(ct + SNTRUP_ROUNDEDBYTES, w->r_enc, w->cache);
}

int sntrup761_keypair_derand(unsigned char *pk, unsigned char *sk, sntrup761_random *rnd, void *ctx)
{
	struct sntrup_work w;

	do
		small_random(w.g, rnd, ctx);
	while (r3_recip(w.v, w.g) != 0);
	short_random(w.f, rnd, ctx);
	rq_recip3(w.t,
		  w.f); /* f is short, so 3f is invertible in Rq (q prime, x^p-x-1 irreducible) */
	rq_mult_small(w.h, w.t, w.g);
	rq_encode(pk, w.h);
	/* sk = f || 1/g || pk || rho || Hash4(pk) */
	small_encode(sk, w.f);
	small_encode(sk + SNTRUP_SMALLBYTES, w.v);
	memcpy(sk + 2 * SNTRUP_SMALLBYTES, pk, SNTRUP761_PUBLICKEYBYTES);
	rnd(ctx, sk + 2 * SNTRUP_SMALLBYTES + SNTRUP761_PUBLICKEYBYTES, SNTRUP_SMALLBYTES);
	hash_prefix(sk + 3 * SNTRUP_SMALLBYTES + SNTRUP761_PUBLICKEYBYTES, 4, pk,
		    SNTRUP761_PUBLICKEYBYTES, 0, 0);
	algo_wipe(&w, sizeof w);
	return 1;
}

int sntrup761_enc_derand(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
			 sntrup761_random *rnd, void *ctx)
{
	struct sntrup_work w;

	hash_prefix(w.cache, 4, pk, SNTRUP761_PUBLICKEYBYTES, 0, 0);
	rq_decode(w.h, pk);
	short_random(w.r, rnd, ctx);
	hide(&w, ct, w.r);
	hash_session(ss, 1, w.r_enc, ct);
	algo_wipe(&w, sizeof w);
	return 1;
}

/* r = the short polynomial in c, or (1,...,1,0,...,0) of weight w when
 * what comes out is not short. */
static void decrypt(struct sntrup_work *w, const unsigned char *sk)
{
	int32_t weight = 0, mask;
	int i;

	small_decode(w->f, sk);
	small_decode(w->v, sk + SNTRUP_SMALLBYTES);
	rq_mult_small(w->t, w->c, w->f);
	for (i = 0; i < SNTRUP_P; i++)
		w->g[i] = f3_freeze(fq_freeze(3 * w->t[i])); /* e = 3fc mod 3 */
	r3_mult(w->r, w->g, w->v);
	for (i = 0; i < SNTRUP_P; i++)
		weight += w->r[i] & 1;
	mask = nonzero_mask(weight - SNTRUP_W);
	for (i = 0; i < SNTRUP_W; i++)
		w->r[i] = (small)(((w->r[i] ^ 1) & ~mask) ^ 1);
	for (i = SNTRUP_W; i < SNTRUP_P; i++)
		w->r[i] = (small)(w->r[i] & ~mask);
}

int sntrup761_dec(unsigned char *ss, const unsigned char *ct, const unsigned char *sk)
{
	struct sntrup_work w;
	const unsigned char *pk = sk + 2 * SNTRUP_SMALLBYTES;
	const unsigned char *rho = pk + SNTRUP761_PUBLICKEYBYTES;
	const unsigned char *cache = rho + SNTRUP_SMALLBYTES;
	unsigned char diff = 0, mask;
	int i;

	rounded_decode(w.c, ct);
	decrypt(&w, sk);
	memcpy(w.cache, cache, SNTRUP_HASHBYTES);
	rq_decode(w.h, pk);
	hide(&w, w.ct, w.r);
	/* mask = 0xff when the re-encryption differs: then session key from
	 * rho with prefix 0 (implicit rejection), chosen without a branch. */
	for (i = 0; i < SNTRUP761_CIPHERTEXTBYTES; i++)
		diff |= w.ct[i] ^ ct[i];
	mask = (unsigned char)(0U - ((0U - (unsigned int)diff) >> 31));
	for (i = 0; i < SNTRUP_SMALLBYTES; i++)
		w.r_enc[i] = (unsigned char)(w.r_enc[i] ^ (mask & (w.r_enc[i] ^ rho[i])));
	hash_session(ss, (unsigned char)(1 & ~mask), w.r_enc, ct);
	algo_wipe(&w, sizeof w);
	return 1;
}

static void system_random(void *ctx, unsigned char *buf, size_t n)
{
	(void)ctx;
	algo_random(buf, n);
}

int sntrup761_keypair(unsigned char *pk, unsigned char *sk)
{
	return sntrup761_keypair_derand(pk, sk, system_random, 0);
}

int sntrup761_enc(unsigned char *ct, unsigned char *ss, const unsigned char *pk)
{
	return sntrup761_enc_derand(ct, ss, pk, system_random, 0);
}
