/* pqkem_ctgrind: runs one post-quantum KEM operation with its secrets
 * marked undefined for valgrind's memcheck (the "ctgrind" technique), so
 * that memcheck reports every branch and every memory index that depends
 * on a secret.  tests/integration/pqkem_consttime.sh runs each mode under
 * valgrind --error-exitcode.  Key generation is left out: ML-KEM's public
 * matrix seed and sntrup761's retry on a non-invertible g are derived from
 * secret randomness but are public or discarded by design.
 * Modes: mlkem-encaps, mlkem-decaps, sntrup-enc, sntrup-dec; "probe" exits
 * 77 with the reason when this build cannot be checked. */
#include <stdio.h>
#include <string.h>

#include "algo/algo.h"
#include "algo/mlkem768.h"
#include "algo/sntrup761.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK 1
#endif
#endif
#ifndef HAVE_MEMCHECK
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

static void secret(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

static void secret_random(void *ctx, unsigned char *buf, size_t n)
{
	(void)ctx;
	algo_random(buf, n);
	secret(buf, n);
}

int main(int argc, char **argv)
{
	static unsigned char pk[MLKEM768_PUBLICKEYBYTES], sk[MLKEM768_SECRETKEYBYTES];
	static unsigned char ct[MLKEM768_CIPHERTEXTBYTES];
	static unsigned char spk[SNTRUP761_PUBLICKEYBYTES], ssk[SNTRUP761_SECRETKEYBYTES];
	static unsigned char sct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char ss[32], m[32];
	const char *mode = argc > 1 ? argv[1] : "";

#ifndef HAVE_MEMCHECK
	puts("built without valgrind/memcheck.h");
	return 77;
#endif
#ifdef __SANITIZE_ADDRESS__
	puts("built with AddressSanitizer, which valgrind cannot run");
	return 77;
#endif
	if (!strcmp(mode, "probe")) return 0;
	if (!algo_init()) return 111;
	if (!strcmp(mode, "mlkem-encaps") || !strcmp(mode, "mlkem-decaps")) {
		mlkem768_keypair(pk, sk);
		algo_random(m, sizeof m);
		if (!strcmp(mode, "mlkem-encaps")) {
			secret(m, sizeof m);
			return !mlkem768_encaps_derand(ct, ss, pk, m);
		}
		mlkem768_encaps(ct, ss, pk);
		/* dk_PKE and z; the rest of dk is the public key and its hash. */
		secret(sk, 384 * 3);
		secret(sk + MLKEM768_SECRETKEYBYTES - 32, 32);
		mlkem768_decaps(ss, ct, sk);
		ct[7] ^= 1; /* the implicit-rejection path too */
		mlkem768_decaps(ss, ct, sk);
		return 0;
	}
	if (!strcmp(mode, "sntrup-enc") || !strcmp(mode, "sntrup-dec")) {
		sntrup761_keypair(spk, ssk);
		if (!strcmp(mode, "sntrup-enc"))
			return !sntrup761_enc_derand(sct, ss, spk, secret_random, 0);
		sntrup761_enc(sct, ss, spk);
		/* f, 1/g and rho; the rest is the public key and its hash. */
		secret(ssk, 2 * 191);
		secret(ssk + 2 * 191 + SNTRUP761_PUBLICKEYBYTES, 191);
		sntrup761_dec(ss, sct, ssk);
		sct[7] ^= 1;
		sntrup761_dec(ss, sct, ssk);
		return 0;
	}
	fprintf(stderr, "usage: pqkem_ctgrind mlkem-encaps|mlkem-decaps|sntrup-enc|sntrup-dec\n");
	return 100;
}
