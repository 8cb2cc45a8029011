/* fuzz_pqkem: arbitrary bytes as ML-KEM-768 and sntrup761 public keys
 * (to encapsulation) and ciphertexts (to decapsulation, with fixed key
 * pairs), and as the randomness of an encapsulation whose ciphertext must
 * then decapsulate to the same key.  ML-KEM's encaps must refuse exactly
 * the keys with a 12-bit coefficient of q or more; decapsulation always
 * succeeds (implicit rejection). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algo/algo.h"
#include "algo/mlkem768.h"
#include "algo/sntrup761.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char mk_pk[MLKEM768_PUBLICKEYBYTES], mk_sk[MLKEM768_SECRETKEYBYTES];
static unsigned char sn_pk[SNTRUP761_PUBLICKEYBYTES], sn_sk[SNTRUP761_SECRETKEYBYTES];

/* The input, repeated as often as needed, as a random source. */
struct cycle {
	const uint8_t *p;
	size_t n, pos;
};

static void cycle_fill(unsigned char *out, size_t n, const uint8_t *p, size_t len)
{
	size_t i;
	for (i = 0; i < n; i++)
		out[i] = len ? p[i % len] : 0;
}

static void cycle_random(void *ctx, unsigned char *out, size_t n)
{
	struct cycle *c = ctx;
	size_t i;
	for (i = 0; i < n; i++)
		out[i] = c->n ? c->p[(c->pos + i) % c->n] : (unsigned char)(c->pos + i);
	c->pos += n;
}

static void setup(void)
{
	static int done;
	struct cycle c = {(const uint8_t *)"fuzz_pqkem fixed keys", 21, 0};
	unsigned char d[32], z[32];
	if (done) return;
	done = 1;
	if (!algo_init()) abort();
	memset(d, 1, sizeof d);
	memset(z, 2, sizeof z);
	mlkem768_keypair_derand(mk_pk, mk_sk, d, z);
	sntrup761_keypair_derand(sn_pk, sn_sk, cycle_random, &c);
}

/* 1 when every 12-bit coefficient of ek is below q, by the definition. */
static int mlkem_key_valid(const unsigned char *ek)
{
	size_t i;
	for (i = 0; i < 384 * 3; i += 3) {
		unsigned a = ek[i] | ((ek[i + 1] & 0x0fu) << 8);
		unsigned b = (ek[i + 1] >> 4) | ((unsigned)ek[i + 2] << 4);
		if (a >= 3329 || b >= 3329) return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], ct[MLKEM768_CIPHERTEXTBYTES];
	static unsigned char spk[SNTRUP761_PUBLICKEYBYTES], sct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char ss[32], ss2[32], m[32];
	struct cycle c;

	setup();
	if (size < 1) return 0;
	c.p = data + 1;
	c.n = size - 1;
	c.pos = 0;
	switch (data[0] % 6) {
	case 0: /* ML-KEM public key */
		cycle_fill(pk, sizeof pk, data + 1, size - 1);
		cycle_fill(m, sizeof m, data + 1, size - 1);
		if (mlkem768_encaps_derand(ct, ss, pk, m) != mlkem_key_valid(pk)) abort();
		break;
	case 1: /* ML-KEM ciphertext */
		cycle_fill(ct, sizeof ct, data + 1, size - 1);
		if (mlkem768_decaps(ss, ct, mk_sk) != 1) abort();
		break;
	case 2: /* ML-KEM round trip */
		cycle_fill(m, sizeof m, data + 1, size - 1);
		if (mlkem768_encaps_derand(ct, ss, mk_pk, m) != 1) abort();
		if (mlkem768_decaps(ss2, ct, mk_sk) != 1 || memcmp(ss, ss2, 32)) abort();
		break;
	case 3: /* sntrup761 public key */
		cycle_fill(spk, sizeof spk, data + 1, size - 1);
		if (sntrup761_enc_derand(sct, ss, spk, cycle_random, &c) != 1) abort();
		break;
	case 4: /* sntrup761 ciphertext */
		cycle_fill(sct, sizeof sct, data + 1, size - 1);
		if (sntrup761_dec(ss, sct, sn_sk) != 1) abort();
		break;
	default: /* sntrup761 round trip */
		if (sntrup761_enc_derand(sct, ss, sn_pk, cycle_random, &c) != 1) abort();
		if (sntrup761_dec(ss2, sct, sn_sk) != 1 || memcmp(ss, ss2, 32)) abort();
		break;
	}
	return 0;
}
