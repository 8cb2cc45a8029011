/* keccak: the Keccak-f[1600] permutation and the FIPS 202 sponge on top
 * of it (SHA3-256/512, SHAKE128/256), lanes little-endian as FIPS 202
 * orders them. */
#include <string.h>

#include "keccak.h"
#include "algo.h"

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL64(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* One round is written out lane by lane (generated from FIPS 202 section
 * 3.2: theta, then rho and pi as "lane x+5y, rotated by its rho offset,
 * moves to lane y+5(2x+3y mod 5)", then chi and iota), so that the 25 lanes
 * live in registers rather than in a loop over an array. */
void keccak_f1600(uint64_t st[25])
{
	uint64_t s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17,
	    s18, s19, s20, s21, s22, s23, s24;
	uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17,
	    b18, b19, b20, b21, b22, b23, b24;
	uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
	int round;

	s0 = st[0];
	s1 = st[1];
	s2 = st[2];
	s3 = st[3];
	s4 = st[4];
	s5 = st[5];
	s6 = st[6];
	s7 = st[7];
	s8 = st[8];
	s9 = st[9];
	s10 = st[10];
	s11 = st[11];
	s12 = st[12];
	s13 = st[13];
	s14 = st[14];
	s15 = st[15];
	s16 = st[16];
	s17 = st[17];
	s18 = st[18];
	s19 = st[19];
	s20 = st[20];
	s21 = st[21];
	s22 = st[22];
	s23 = st[23];
	s24 = st[24];
	for (round = 0; round < 24; round++) {
		c0 = s0 ^ s5 ^ s10 ^ s15 ^ s20;
		c1 = s1 ^ s6 ^ s11 ^ s16 ^ s21;
		c2 = s2 ^ s7 ^ s12 ^ s17 ^ s22;
		c3 = s3 ^ s8 ^ s13 ^ s18 ^ s23;
		c4 = s4 ^ s9 ^ s14 ^ s19 ^ s24;
		d0 = c4 ^ ROL64(c1, 1);
		d1 = c0 ^ ROL64(c2, 1);
		d2 = c1 ^ ROL64(c3, 1);
		d3 = c2 ^ ROL64(c4, 1);
		d4 = c3 ^ ROL64(c0, 1);
		b0 = s0 ^ d0;
		b16 = ROL64(s5 ^ d0, 36);
		b7 = ROL64(s10 ^ d0, 3);
		b23 = ROL64(s15 ^ d0, 41);
		b14 = ROL64(s20 ^ d0, 18);
		b10 = ROL64(s1 ^ d1, 1);
		b1 = ROL64(s6 ^ d1, 44);
		b17 = ROL64(s11 ^ d1, 10);
		b8 = ROL64(s16 ^ d1, 45);
		b24 = ROL64(s21 ^ d1, 2);
		b20 = ROL64(s2 ^ d2, 62);
		b11 = ROL64(s7 ^ d2, 6);
		b2 = ROL64(s12 ^ d2, 43);
		b18 = ROL64(s17 ^ d2, 15);
		b9 = ROL64(s22 ^ d2, 61);
		b5 = ROL64(s3 ^ d3, 28);
		b21 = ROL64(s8 ^ d3, 55);
		b12 = ROL64(s13 ^ d3, 25);
		b3 = ROL64(s18 ^ d3, 21);
		b19 = ROL64(s23 ^ d3, 56);
		b15 = ROL64(s4 ^ d4, 27);
		b6 = ROL64(s9 ^ d4, 20);
		b22 = ROL64(s14 ^ d4, 39);
		b13 = ROL64(s19 ^ d4, 8);
		b4 = ROL64(s24 ^ d4, 14);
		s0 = b0 ^ (~b1 & b2);
		s1 = b1 ^ (~b2 & b3);
		s2 = b2 ^ (~b3 & b4);
		s3 = b3 ^ (~b4 & b0);
		s4 = b4 ^ (~b0 & b1);
		s5 = b5 ^ (~b6 & b7);
		s6 = b6 ^ (~b7 & b8);
		s7 = b7 ^ (~b8 & b9);
		s8 = b8 ^ (~b9 & b5);
		s9 = b9 ^ (~b5 & b6);
		s10 = b10 ^ (~b11 & b12);
		s11 = b11 ^ (~b12 & b13);
		s12 = b12 ^ (~b13 & b14);
		s13 = b13 ^ (~b14 & b10);
		s14 = b14 ^ (~b10 & b11);
		s15 = b15 ^ (~b16 & b17);
		s16 = b16 ^ (~b17 & b18);
		s17 = b17 ^ (~b18 & b19);
		s18 = b18 ^ (~b19 & b15);
		s19 = b19 ^ (~b15 & b16);
		s20 = b20 ^ (~b21 & b22);
		s21 = b21 ^ (~b22 & b23);
		s22 = b22 ^ (~b23 & b24);
		s23 = b23 ^ (~b24 & b20);
		s24 = b24 ^ (~b20 & b21);
		s0 ^= keccak_rc[round];
	}
	st[0] = s0;
	st[1] = s1;
	st[2] = s2;
	st[3] = s3;
	st[4] = s4;
	st[5] = s5;
	st[6] = s6;
	st[7] = s7;
	st[8] = s8;
	st[9] = s9;
	st[10] = s10;
	st[11] = s11;
	st[12] = s12;
	st[13] = s13;
	st[14] = s14;
	st[15] = s15;
	st[16] = s16;
	st[17] = s17;
	st[18] = s18;
	st[19] = s19;
	st[20] = s20;
	st[21] = s21;
	st[22] = s22;
	st[23] = s23;
	st[24] = s24;
}

static inline void keccak_xor_byte(struct keccak *k, unsigned int i, unsigned char v)
{
	k->s[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

void keccak_init(struct keccak *k, unsigned int rate)
{
	memset(k->s, 0, sizeof k->s);
	k->rate = rate;
	k->pos = 0;
}

void keccak_absorb(struct keccak *k, const void *p, size_t n)
{
	const unsigned char *in = p;
	while (n > 0) {
		if (k->pos == 0 && n >= k->rate) {
			unsigned int i;
			for (i = 0; i < k->rate / 8; i++) {
				uint64_t lane = 0;
				int j;
				for (j = 7; j >= 0; j--)
					lane = (lane << 8) | in[8 * i + j];
				k->s[i] ^= lane;
			}
			keccak_f1600(k->s);
			in += k->rate;
			n -= k->rate;
			continue;
		}
		keccak_xor_byte(k, k->pos++, *in++);
		n--;
		if (k->pos == k->rate) {
			keccak_f1600(k->s);
			k->pos = 0;
		}
	}
}

void keccak_finish(struct keccak *k, unsigned char domain)
{
	keccak_xor_byte(k, k->pos, domain);
	keccak_xor_byte(k, k->rate - 1, 0x80);
	keccak_f1600(k->s);
	k->pos = 0;
}

void keccak_squeeze(struct keccak *k, unsigned char *out, size_t n)
{
	while (n > 0) {
		if (k->pos == k->rate) {
			keccak_f1600(k->s);
			k->pos = 0;
		}
		if (k->pos % 8 == 0 && n >= 8) {
			uint64_t lane = k->s[k->pos / 8];
			int j;
			for (j = 0; j < 8; j++)
				out[j] = (unsigned char)(lane >> (8 * j));
			out += 8;
			k->pos += 8;
			n -= 8;
			continue;
		}
		*out++ = (unsigned char)(k->s[k->pos / 8] >> (8 * (k->pos % 8)));
		k->pos++;
		n--;
	}
}

void keccak_wipe(struct keccak *k)
{
	algo_wipe(k, sizeof *k);
}

static void keccak_oneshot(unsigned int rate, unsigned char domain, unsigned char *out,
			   size_t outlen, const void *p, size_t n)
{
	struct keccak k;
	keccak_init(&k, rate);
	keccak_absorb(&k, p, n);
	keccak_finish(&k, domain);
	keccak_squeeze(&k, out, outlen);
	keccak_wipe(&k);
}

void keccak_sha3_256(unsigned char out[32], const void *p, size_t n)
{
	keccak_oneshot(KECCAK_SHA3_256_RATE, 0x06, out, 32, p, n);
}

void keccak_sha3_512(unsigned char out[64], const void *p, size_t n)
{
	keccak_oneshot(KECCAK_SHA3_512_RATE, 0x06, out, 64, p, n);
}

void keccak_shake256(unsigned char *out, size_t outlen, const void *p, size_t n)
{
	keccak_oneshot(KECCAK_SHAKE256_RATE, 0x1f, out, outlen, p, n);
}
