/* sntrup761_openssh: writes sntrup761 vectors made by OpenSSH's own
 * sntrup761.c (from Debian's openssh source package), which this program
 * compiles inside itself only; sluice's lib/ never contains that code.
 * Run by sntrup761_openssh.sh; the output is committed as
 * tests/vectors/sntrup761_openssh.txt and checked by tests/unit/pqkem.c.
 *
 * Randomness: OpenSSH's randombytes() reads the ChaCha20 key stream
 * (libsodium, nonce 0) of the case's 32-byte seed from its start, key
 * generation first, then encapsulation.  Output per case: the seed and the
 * SHA-256 of pk, sk, ct, ss, and of the key that dec gives for ct with
 * byte (seed[0] * 4 mod 1039) flipped (implicit rejection).  With "full"
 * after the count: pk, ct and ss themselves in hex instead (for the hybrid
 * key exchange's known answers, tests/unit/sftpd_kex_hybrid_vectors.py). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* What OpenSSH's sntrup761.c expects from includes.h and crypto_api.h. */
#define USE_SNTRUP761X25519 1
typedef int8_t crypto_int8;
typedef uint8_t crypto_uint8;
typedef int16_t crypto_int16;
typedef uint16_t crypto_uint16;
typedef int32_t crypto_int32;
typedef uint32_t crypto_uint32;
typedef int64_t crypto_int64;
typedef uint64_t crypto_uint64;
#define crypto_kem_sntrup761_PUBLICKEYBYTES 1158
#define crypto_kem_sntrup761_SECRETKEYBYTES 1763
#define crypto_kem_sntrup761_CIPHERTEXTBYTES 1039
#define crypto_kem_sntrup761_BYTES 32
int crypto_kem_sntrup761_enc(unsigned char *cstr, unsigned char *k, const unsigned char *pk);
int crypto_kem_sntrup761_dec(unsigned char *k, const unsigned char *cstr, const unsigned char *sk);
int crypto_kem_sntrup761_keypair(unsigned char *pk, unsigned char *sk);

static unsigned char stream_key[32];
static uint64_t stream_pos;

/* The next n bytes of the ChaCha20 key stream. */
static void stream_read(unsigned char *buf, unsigned long long n)
{
	unsigned char block[64];
	unsigned long long i;
	static const unsigned char nonce[8];
	for (i = 0; i < n; i++) {
		uint64_t pos = stream_pos + i;
		if (i == 0 || pos % 64 == 0)
			crypto_stream_chacha20_xor_ic(block, (const unsigned char[64]){0}, 64,
						      nonce, pos / 64, stream_key);
		buf[i] = block[pos % 64];
	}
	stream_pos += n;
}
#define randombytes(buf, n) stream_read((unsigned char *)(buf), (n))

#include OPENSSH_SNTRUP761_C
#undef p
#undef q
#undef w

static int full;

static void put(const char *name, const unsigned char *data, size_t len)
{
	unsigned char h[32];
	size_t i;
	if (full) {
		printf("%s ", name);
		for (i = 0; i < len; i++)
			printf("%02x", data[i]);
		printf("\n");
		return;
	}
	crypto_hash_sha256(h, data, len);
	printf("%s ", name);
	for (i = 0; i < 32; i++)
		printf("%02x", h[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned char pk[1158], sk[1763], ct[1039], ss[32], ss2[32];
	int n = argc > 1 ? atoi(argv[1]) : 8, c;
	size_t i;

	if (sodium_init() < 0) return 111;
	full = argc > 2 && !strcmp(argv[2], "full");
	printf("# sntrup761 vectors from OpenSSH 9.2p1's sntrup761.c (Debian openssh source),\n"
	       "# made by tests/crosscheck/sntrup761_openssh.sh; see sntrup761_openssh.c.\n");
	for (c = 0; c < n; c++) {
		crypto_hash_sha256(stream_key, (const unsigned char *)&c, sizeof c);
		stream_pos = 0;
		crypto_kem_sntrup761_keypair(pk, sk);
		crypto_kem_sntrup761_enc(ct, ss, pk);
		crypto_kem_sntrup761_dec(ss2, ct, sk);
		if (memcmp(ss, ss2, 32)) return 1;
		printf("seed ");
		for (i = 0; i < 32; i++)
			printf("%02x", stream_key[i]);
		printf("\n");
		put("pk", pk, sizeof pk);
		if (!full) put("sk", sk, sizeof sk);
		put("ct", ct, sizeof ct);
		put("ss", ss, sizeof ss);
		if (full) continue;
		ct[(stream_key[0] * 4) % sizeof ct] ^= 1;
		crypto_kem_sntrup761_dec(ss2, ct, sk);
		put("ss_rejected", ss2, sizeof ss2);
	}
	return 0;
}
