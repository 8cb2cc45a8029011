/* Unit tests for the post-quantum KEMs in lib/algo: Keccak against
 * OpenSSL's SHA-3, ML-KEM-768 against NIST's ACVP answers, C2SP's
 * accumulated FIPS 203 vectors and @noble/post-quantum, sntrup761 against
 * the first NIST KAT entry and OpenSSH's own code; round trips, implicit
 * rejection and the encapsulation key check.  Vector files are read from
 * tests/vectors/ (found from argv[0]); with "--noble FILE" only that file
 * of tests/crosscheck/mlkem768_noble.mjs output is checked. */
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>

#include "../tap.h"
#include "algo/algo.h"
#include "algo/keccak.h"
#include "algo/mlkem768.h"
#include "algo/sntrup761.h"

#define MAX_LINE 16384

static char vector_dir[4096];

static int unhex(unsigned char *out, size_t n, const char *hex)
{
	size_t i;
	unsigned int b;
	if (strlen(hex) != 2 * n) return 0;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1) return 0;
		out[i] = (unsigned char)b;
	}
	return 1;
}

static void tohex(char *out, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void sha256_hex(char out[65], const unsigned char *p, size_t n)
{
	unsigned char h[32];
	crypto_hash_sha256(h, p, n);
	tohex(out, h, 32);
}

static FILE *open_vectors(const char *name)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", vector_dir, name);
	return fopen(path, "r");
}

/* The value of "name hex" in an open vector file (from the start). */
static int vector_get(FILE *f, const char *name, unsigned char *out, size_t n)
{
	static char line[MAX_LINE];
	size_t len = strlen(name);
	rewind(f);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, name, len) && line[len] == ' ')
			return unhex(out, n, line + len + 1);
	}
	return 0;
}

/* ---- Keccak against libcrypto's EVP SHA-3 */

static void evp_digest(const char *alg, unsigned char *out, size_t outlen, const unsigned char *p,
		       size_t n)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_get_digestbyname(alg);
	EVP_DigestInit_ex(c, md, 0);
	EVP_DigestUpdate(c, p, n);
	if (EVP_MD_flags(md) & EVP_MD_FLAG_XOF)
		EVP_DigestFinalXOF(c, out, outlen);
	else
		EVP_DigestFinal_ex(c, out, 0);
	EVP_MD_CTX_free(c);
}

static void test_keccak(void)
{
	static const size_t lens[] = {0, 1, 71, 72, 73, 135, 136, 137, 167, 168, 169, 500, 1184};
	static const size_t outs[] = {1, 32, 167, 168, 169, 600};
	unsigned char in[1184], a[600], b[600];
	size_t i, j, bad = 0;
	struct keccak k;

	for (i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		keccak_sha3_256(a, in, lens[i]);
		evp_digest("SHA3-256", b, 32, in, lens[i]);
		bad += memcmp(a, b, 32) != 0;
		keccak_sha3_512(a, in, lens[i]);
		evp_digest("SHA3-512", b, 64, in, lens[i]);
		bad += memcmp(a, b, 64) != 0;
		for (j = 0; j < sizeof outs / sizeof outs[0]; j++) {
			keccak_shake256(a, outs[j], in, lens[i]);
			evp_digest("SHAKE256", b, outs[j], in, lens[i]);
			bad += memcmp(a, b, outs[j]) != 0;
			/* SHAKE128 absorbed in two pieces, squeezed in two. */
			keccak_init(&k, KECCAK_SHAKE128_RATE);
			keccak_absorb(&k, in, lens[i] / 3);
			keccak_absorb(&k, in + lens[i] / 3, lens[i] - lens[i] / 3);
			keccak_finish(&k, 0x1f);
			keccak_squeeze(&k, a, outs[j] / 2);
			keccak_squeeze(&k, a + outs[j] / 2, outs[j] - outs[j] / 2);
			evp_digest("SHAKE128", b, outs[j], in, lens[i]);
			bad += memcmp(a, b, outs[j]) != 0;
		}
	}
	is_int(bad, 0,
	       "SHA3-256/512 and SHAKE128/256 equal OpenSSL's for 13 lengths and 6 outputs");
}

/* ---- ML-KEM-768 */

static void test_mlkem_acvp(void)
{
	FILE *f = open_vectors("mlkem768_acvp.txt");
	static unsigned char ek[MLKEM768_PUBLICKEYBYTES], dk[MLKEM768_SECRETKEYBYTES];
	static unsigned char c[MLKEM768_CIPHERTEXTBYTES], ct[MLKEM768_CIPHERTEXTBYTES];
	unsigned char m[32], k[32], ss[32], kbar[32], zc[32 + MLKEM768_CIPHERTEXTBYTES];

	ok(f != 0, "mlkem768_acvp.txt opens");
	if (!f) return;
	ok(vector_get(f, "ek", ek, sizeof ek) && vector_get(f, "dk", dk, sizeof dk) &&
	       vector_get(f, "m", m, 32) && vector_get(f, "c", c, sizeof c) &&
	       vector_get(f, "k", k, 32),
	   "ACVP tcId 26 read");
	fclose(f);
	ok(mlkem768_encaps_derand(ct, ss, ek, m), "ACVP encaps accepts ek");
	ok(!memcmp(ct, c, sizeof c), "ACVP encaps: ciphertext");
	ok(!memcmp(ss, k, 32), "ACVP encaps: shared secret");
	memset(ss, 0, sizeof ss);
	ok(mlkem768_decaps(ss, c, dk) && !memcmp(ss, k, 32), "ACVP decaps: shared secret");

	/* Implicit rejection: K-bar = J(z || c') = SHAKE256(z || c', 32) with
	 * z the last 32 bytes of dk, computed here by OpenSSL. */
	c[100] ^= 0x40;
	memcpy(zc, dk + MLKEM768_SECRETKEYBYTES - 32, 32);
	memcpy(zc + 32, c, sizeof c);
	evp_digest("SHAKE256", kbar, 32, zc, sizeof zc);
	ok(mlkem768_decaps(ss, c, dk), "decaps of a modified ciphertext returns 1");
	ok(!memcmp(ss, kbar, 32), "... and the implicit-rejection key J(z || c')");
	ok(memcmp(ss, k, 32) != 0, "... which is not the encapsulated key");
}

/* C2SP CCTV "accumulated pq-crystals vectors" (github.com/C2SP/CCTV,
 * ML-KEM/README.md): d, z, m and a random ct from SHAKE128(""), outputs
 * into a running SHAKE128; 10 000 FIPS 203 tests of ML-KEM-768 hash to
 * f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1. */
static void test_mlkem_cctv(void)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char ct[MLKEM768_CIPHERTEXTBYTES], rct[MLKEM768_CIPHERTEXTBYTES];
	unsigned char d[32], z[32], m[32], ss[32], ss2[32], out[32];
	char hex[65];
	struct keccak rng, acc;
	int i, mismatches = 0;

	keccak_init(&rng, KECCAK_SHAKE128_RATE);
	keccak_finish(&rng, 0x1f);
	keccak_init(&acc, KECCAK_SHAKE128_RATE);
	for (i = 0; i < 10000; i++) {
		keccak_squeeze(&rng, d, 32);
		keccak_squeeze(&rng, z, 32);
		keccak_squeeze(&rng, m, 32);
		keccak_squeeze(&rng, rct, sizeof rct);
		mlkem768_keypair_derand(pk, sk, d, z);
		mlkem768_encaps_derand(ct, ss, pk, m);
		mlkem768_decaps(ss2, ct, sk);
		mismatches += memcmp(ss, ss2, 32) != 0;
		keccak_absorb(&acc, pk, sizeof pk);
		keccak_absorb(&acc, sk, sizeof sk);
		keccak_absorb(&acc, ct, sizeof ct);
		keccak_absorb(&acc, ss, 32);
		mlkem768_decaps(ss2, rct, sk);
		keccak_absorb(&acc, ss2, 32);
	}
	keccak_finish(&acc, 0x1f);
	keccak_squeeze(&acc, out, 32);
	tohex(hex, out, 32);
	is_int(mismatches, 0, "C2SP accumulated: decaps(encaps) agrees 10 000 times");
	is_str(hex, "f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1",
	       "C2SP accumulated: 10 000 keygen/encaps/decaps/rejections hash as FIPS 203 says");
}

/* Lines of tests/crosscheck/mlkem768_noble.mjs: d z m sha256(ek)
 * sha256(dk) sha256(ct) ss pos ss_rejected. */
static int check_noble_line(char *line)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char ct[MLKEM768_CIPHERTEXTBYTES];
	unsigned char d[32], z[32], m[32], ss[32], want[32], rej[32];
	char hek[65], hdk[65], hct[65], sd[65], sz[65], sm[65], sek[65], sdk[65], sct[65], sss[65],
	    srej[65];
	unsigned int pos;

	if (sscanf(line, "%64s %64s %64s %64s %64s %64s %64s %u %64s", sd, sz, sm, sek, sdk, sct,
		   sss, &pos, srej) != 9 ||
	    pos >= MLKEM768_CIPHERTEXTBYTES)
		return 0;
	if (!unhex(d, 32, sd) || !unhex(z, 32, sz) || !unhex(m, 32, sm) || !unhex(want, 32, sss) ||
	    !unhex(rej, 32, srej))
		return 0;
	mlkem768_keypair_derand(pk, sk, d, z);
	if (!mlkem768_encaps_derand(ct, ss, pk, m)) return 0;
	sha256_hex(hek, pk, sizeof pk);
	sha256_hex(hdk, sk, sizeof sk);
	sha256_hex(hct, ct, sizeof ct);
	if (strcmp(hek, sek) || strcmp(hdk, sdk) || strcmp(hct, sct) || memcmp(ss, want, 32))
		return 0;
	ct[pos] ^= 1;
	mlkem768_decaps(ss, ct, sk);
	return !memcmp(ss, rej, 32);
}

static void test_mlkem_noble(const char *path)
{
	static char line[MAX_LINE];
	FILE *f = path ? fopen(path, "r") : open_vectors("mlkem768_noble.txt");
	int n = 0, bad = 0;

	ok(f != 0, "%s opens", path ? path : "mlkem768_noble.txt");
	if (!f) return;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		n++;
		if (!check_noble_line(line)) {
			bad++;
			printf("# differs from noble: %.64s\n", line);
		}
	}
	fclose(f);
	ok(n > 0, "noble vectors: %d cases", n);
	is_int(bad, 0, "noble vectors: ek, dk, ct, ss and the rejection key all equal");
}

/* FIPS 203 section 7.2: every 12-bit coefficient of ek below q. */
static void test_mlkem_modulus(void)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char bad[MLKEM768_PUBLICKEYBYTES], ct[MLKEM768_CIPHERTEXTBYTES];
	static const unsigned int coeffs[] = {0, 1, 255, 256, 511, 767};
	static const unsigned int values[] = {3329, 3330, 4095};
	unsigned char ss[32];
	size_t i, j, refused = 0, tried = 0;

	mlkem768_keypair(pk, sk);
	for (i = 0; i < sizeof coeffs / sizeof coeffs[0]; i++) {
		for (j = 0; j < sizeof values / sizeof values[0]; j++) {
			unsigned char *p = bad + 3 * (coeffs[i] / 2);
			memcpy(bad, pk, sizeof bad);
			if (coeffs[i] % 2 == 0) {
				p[0] = (unsigned char)values[j];
				p[1] = (unsigned char)((p[1] & 0xf0) | (values[j] >> 8));
			} else {
				p[1] = (unsigned char)((p[1] & 0x0f) | ((values[j] & 0x0f) << 4));
				p[2] = (unsigned char)(values[j] >> 4);
			}
			tried++;
			memset(ct, 0xaa, sizeof ct);
			refused += mlkem768_encaps(ct, ss, bad) == 0;
		}
	}
	is_int(refused, tried, "encaps refuses ek with a coefficient of q, q+1 or 4095 (%zu cases)",
	       tried);
	/* q - 1 everywhere is a valid key. */
	for (i = 0; i < 384; i++) {
		bad[3 * i] = 3328 & 0xff;
		bad[3 * i + 1] = (unsigned char)((3328 >> 8) | ((3328 & 0x0f) << 4));
		bad[3 * i + 2] = 3328 >> 4;
	}
	ok(mlkem768_encaps(ct, ss, bad) == 1, "encaps accepts ek with every coefficient q - 1");
}

static void test_mlkem_roundtrip(void)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char ct[MLKEM768_CIPHERTEXTBYTES];
	unsigned char ss[32], ss2[32], ss3[32];
	int i, same = 0, differ = 0;

	for (i = 0; i < 20; i++) {
		ok(mlkem768_keypair(pk, sk), "keypair %d", i);
		mlkem768_encaps(ct, ss, pk);
		mlkem768_decaps(ss2, ct, sk);
		same += !memcmp(ss, ss2, 32);
		ct[(i * 53) % sizeof ct] ^= (unsigned char)(1 << (i % 8));
		mlkem768_decaps(ss3, ct, sk);
		differ += memcmp(ss, ss3, 32) != 0;
	}
	is_int(same, 20, "20 random key pairs: decaps(encaps) gives the same secret");
	is_int(differ, 20, "a modified ciphertext gives another secret every time");
}

/* ---- sntrup761 */

/* NIST's AES-256 CTR DRBG as in the submission package's PQCgenKAT_kem
 * (rng.c), through libcrypto's AES. */
struct nist_drbg {
	unsigned char key[32], v[16];
};

static void drbg_aes(const unsigned char key[32], const unsigned char in[16], unsigned char out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len;
	EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), 0, key, 0);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, out, &len, in, 16);
	EVP_CIPHER_CTX_free(c);
}

static void drbg_increment(unsigned char v[16])
{
	int j;
	for (j = 15; j >= 0; j--)
		if (++v[j]) break;
}

static void drbg_update(struct nist_drbg *d, const unsigned char *provided)
{
	unsigned char t[48];
	int i;
	for (i = 0; i < 3; i++) {
		drbg_increment(d->v);
		drbg_aes(d->key, d->v, t + 16 * i);
	}
	if (provided)
		for (i = 0; i < 48; i++)
			t[i] ^= provided[i];
	memcpy(d->key, t, 32);
	memcpy(d->v, t + 32, 16);
}

static void drbg_init(struct nist_drbg *d, const unsigned char entropy[48])
{
	memset(d, 0, sizeof *d);
	drbg_update(d, entropy);
}

static void drbg_random(void *ctx, unsigned char *out, size_t n)
{
	struct nist_drbg *d = ctx;
	unsigned char block[16];
	while (n > 0) {
		size_t k = n < 16 ? n : 16;
		drbg_increment(d->v);
		drbg_aes(d->key, d->v, block);
		memcpy(out, block, k);
		out += k;
		n -= k;
	}
	drbg_update(d, 0);
}

static void hash_kat_field(crypto_hash_sha256_state *st, const char *name, const unsigned char *p,
			   size_t n)
{
	char b[3];
	size_t i;
	crypto_hash_sha256_update(st, (const unsigned char *)name, strlen(name));
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%02X", p[i]);
		crypto_hash_sha256_update(st, (const unsigned char *)b, 2);
	}
	crypto_hash_sha256_update(st, (const unsigned char *)"\n", 1);
}

/* The first entry (count = 0) of the NTRU Prime submission's KAT file,
 * printed as PQCgenKAT_kem prints it, hashes to PQClean's
 * crypto_kem/sntrup761/META.yml "nistkat-sha256" (github.com/PQClean/
 * PQClean): afc42c3a5b10f4ef69654250097ebda9b9564570f4086744b24a6daf2bd1f89a. */
static void test_sntrup_nistkat(void)
{
	static unsigned char pk[SNTRUP761_PUBLICKEYBYTES], sk[SNTRUP761_SECRETKEYBYTES];
	static unsigned char ct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char entropy[48], seed[48], ss[32], ss2[32], h[32];
	char hex[65];
	crypto_hash_sha256_state st;
	struct nist_drbg d;
	int i;

	for (i = 0; i < 48; i++)
		entropy[i] = (unsigned char)i;
	drbg_init(&d, entropy);
	drbg_random(&d, seed, sizeof seed);
	drbg_init(&d, seed);
	ok(sntrup761_keypair_derand(pk, sk, drbg_random, &d), "NIST KAT 0: keypair");
	ok(sntrup761_enc_derand(ct, ss, pk, drbg_random, &d), "NIST KAT 0: enc");
	ok(sntrup761_dec(ss2, ct, sk) && !memcmp(ss, ss2, 32), "NIST KAT 0: dec gives ss");
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"count = 0\n", 10);
	hash_kat_field(&st, "seed = ", seed, sizeof seed);
	hash_kat_field(&st, "pk = ", pk, sizeof pk);
	hash_kat_field(&st, "sk = ", sk, sizeof sk);
	hash_kat_field(&st, "ct = ", ct, sizeof ct);
	hash_kat_field(&st, "ss = ", ss, sizeof ss);
	crypto_hash_sha256_final(&st, h);
	tohex(hex, h, 32);
	is_str(hex, "afc42c3a5b10f4ef69654250097ebda9b9564570f4086744b24a6daf2bd1f89a",
	       "NIST KAT 0 (seed, pk, sk, ct, ss) hashes to PQClean's nistkat-sha256");
}

/* The key stream of ChaCha20(seed, nonce 0) from its start, as
 * tests/crosscheck/sntrup761_openssh.c feeds OpenSSH's randombytes. */
struct chacha_stream {
	unsigned char key[32];
	uint64_t pos;
};

static void chacha_random(void *ctx, unsigned char *out, size_t n)
{
	struct chacha_stream *s = ctx;
	static const unsigned char nonce[8];
	unsigned char block[64], zero[64] = {0};
	size_t i;
	for (i = 0; i < n; i++) {
		uint64_t pos = s->pos + i;
		if (i == 0 || pos % 64 == 0)
			crypto_stream_chacha20_xor_ic(block, zero, 64, nonce, pos / 64, s->key);
		out[i] = block[pos % 64];
	}
	s->pos += n;
}

static void test_sntrup_openssh(void)
{
	static char line[MAX_LINE];
	static unsigned char pk[SNTRUP761_PUBLICKEYBYTES], sk[SNTRUP761_SECRETKEYBYTES];
	static unsigned char ct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char ss[32];
	char name[32], want[80], got[65];
	struct chacha_stream s;
	FILE *f = open_vectors("sntrup761_openssh.txt");
	int cases = 0, bad = 0;

	ok(f != 0, "sntrup761_openssh.txt opens");
	if (!f) return;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || sscanf(line, "%31s %79s", name, want) != 2) continue;
		if (!strcmp(name, "seed")) {
			cases++;
			memset(&s, 0, sizeof s);
			if (!unhex(s.key, 32, want)) bad++;
			sntrup761_keypair_derand(pk, sk, chacha_random, &s);
			sntrup761_enc_derand(ct, ss, pk, chacha_random, &s);
			continue;
		}
		if (!strcmp(name, "pk"))
			sha256_hex(got, pk, sizeof pk);
		else if (!strcmp(name, "sk"))
			sha256_hex(got, sk, sizeof sk);
		else if (!strcmp(name, "ct"))
			sha256_hex(got, ct, sizeof ct);
		else if (!strcmp(name, "ss"))
			sha256_hex(got, ss, sizeof ss);
		else if (!strcmp(name, "ss_rejected")) {
			ct[(s.key[0] * 4) % sizeof ct] ^= 1;
			sntrup761_dec(ss, ct, sk);
			sha256_hex(got, ss, sizeof ss);
		} else
			continue;
		if (strcmp(got, want)) {
			bad++;
			printf("# case %d: %s differs from OpenSSH's\n", cases, name);
		}
	}
	fclose(f);
	ok(cases >= 8, "OpenSSH vectors: %d cases", cases);
	is_int(bad, 0, "OpenSSH vectors: pk, sk, ct, ss and the rejection key all equal");
}

static void test_sntrup_roundtrip(void)
{
	static unsigned char pk[SNTRUP761_PUBLICKEYBYTES], sk[SNTRUP761_SECRETKEYBYTES];
	static unsigned char ct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char ss[32], ss2[32], ss3[32];
	int i, same = 0, differ = 0, garbage = 0;

	for (i = 0; i < 5; i++) {
		ok(sntrup761_keypair(pk, sk), "sntrup761 keypair %d", i);
		sntrup761_enc(ct, ss, pk);
		sntrup761_dec(ss2, ct, sk);
		same += !memcmp(ss, ss2, 32);
		/* Both halves: the rounded polynomial and the confirmation hash. */
		ct[(i * 211) % sizeof ct] ^= 0x10;
		sntrup761_dec(ss3, ct, sk);
		differ += memcmp(ss, ss3, 32) != 0;
		ct[(i * 211) % sizeof ct] ^= 0x10;
		ct[SNTRUP761_CIPHERTEXTBYTES - 1 - i] ^= 1;
		sntrup761_dec(ss3, ct, sk);
		differ += memcmp(ss, ss3, 32) != 0;
	}
	is_int(same, 5, "5 random sntrup761 key pairs: dec(enc) gives the same secret");
	is_int(differ, 10, "a modified ciphertext (either part) gives another secret");
	memset(ct, 0xff, sizeof ct);
	garbage += sntrup761_dec(ss, ct, sk);
	memset(ct, 0, sizeof ct);
	garbage += sntrup761_dec(ss, ct, sk);
	memset(pk, 0xff, sizeof pk);
	garbage += sntrup761_enc(ct, ss, pk);
	is_int(garbage, 3,
	       "all-ones and all-zero ciphertexts and an all-ones public key are handled");
}

int main(int argc, char **argv)
{
	char self[4096];

	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(vector_dir, sizeof vector_dir, "%s/../vectors", dirname(self));
	if (!algo_init()) return 111;
	if (argc == 3 && !strcmp(argv[1], "--noble")) {
		test_mlkem_noble(argv[2]);
		return tap_done();
	}
	test_keccak();
	test_mlkem_acvp();
	test_mlkem_modulus();
	test_mlkem_roundtrip();
	test_mlkem_noble(0);
	test_mlkem_cctv();
	test_sntrup_nistkat();
	test_sntrup_openssh();
	test_sntrup_roundtrip();
	return tap_done();
}
