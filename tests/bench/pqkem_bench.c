/* pqkem_bench: CPU time per ML-KEM-768 and sntrup761 operation, by hand:
 *   make tests/bench/pqkem_bench && tests/bench/pqkem_bench [ROUNDS]
 * Each figure is the median over ROUNDS (default 200) of the thread CPU
 * time of one call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "algo/algo.h"
#include "algo/mlkem768.h"
#include "algo/sntrup761.h"

static long long cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static void report(const char *name, long long *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_ll);
	printf("%-18s %10lld ns (median), %10lld ns (fastest)\n", name, t[n / 2], t[0]);
}

int main(int argc, char **argv)
{
	static unsigned char mpk[MLKEM768_PUBLICKEYBYTES], msk[MLKEM768_SECRETKEYBYTES];
	static unsigned char mct[MLKEM768_CIPHERTEXTBYTES];
	static unsigned char spk[SNTRUP761_PUBLICKEYBYTES], ssk[SNTRUP761_SECRETKEYBYTES];
	static unsigned char sct[SNTRUP761_CIPHERTEXTBYTES];
	unsigned char ss[32];
	int n = argc > 1 ? atoi(argv[1]) : 200, i;
	long long *t, t0;

	if (n < 1 || !algo_init() || !(t = calloc((size_t)n, sizeof *t))) return 111;
#define MEASURE(name, call)                                                                        \
	do {                                                                                       \
		for (i = 0; i < n; i++) {                                                          \
			t0 = cpu_ns();                                                             \
			call;                                                                      \
			t[i] = cpu_ns() - t0;                                                      \
		}                                                                                  \
		report(name, t, n);                                                                \
	} while (0)
	MEASURE("mlkem768 keypair", mlkem768_keypair(mpk, msk));
	MEASURE("mlkem768 encaps", mlkem768_encaps(mct, ss, mpk));
	MEASURE("mlkem768 decaps", mlkem768_decaps(ss, mct, msk));
	MEASURE("sntrup761 keypair", sntrup761_keypair(spk, ssk));
	MEASURE("sntrup761 enc", sntrup761_enc(sct, ss, spk));
	MEASURE("sntrup761 dec", sntrup761_dec(ss, sct, ssk));
	free(t);
	return 0;
}
