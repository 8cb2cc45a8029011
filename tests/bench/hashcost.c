/* hashcost: the CPU one check of a password against a crypt(3) hash costs,
 * in a process of its own: "ROUNDS PASSWORD HASH" prints the median of
 * ROUNDS checks in milliseconds of CPU.  bench_ftps.sh compares a login's
 * CPU with it (issue 11: at most 6 ms above the hash alone). */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct crypt_data cd;
	double *ms;
	int rounds = argc == 4 ? atoi(argv[1]) : 0;

	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: hashcost ROUNDS PASSWORD HASH\n");
		return 100;
	}
	ms = calloc((size_t)rounds, sizeof *ms);
	if (!ms) return 111;
	for (int i = 0; i < rounds; i++) {
		const char *h;
		double t0 = cpu_ms();
		memset(&cd, 0, sizeof cd);
		h = crypt_r(argv[2], argv[3], &cd);
		ms[i] = cpu_ms() - t0;
		if (!h || strcmp(h, argv[3])) {
			fprintf(stderr, "hashcost: the password does not match the hash\n");
			return 1;
		}
	}
	qsort(ms, (size_t)rounds, sizeof *ms, by_value);
	printf("%.2f\n", ms[rounds / 2]);
	return 0;
}
