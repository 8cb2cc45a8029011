/* hashcost: the CPU one check of a password against a crypt(3) hash costs,
 * each in a fresh process as in a login (cold memory: yescrypt's 16 MiB are
 * mapped anew): "ROUNDS PASSWORD HASH" prints the median of ROUNDS checks
 * in milliseconds of CPU.  bench_ftps.sh compares a login's CPU with it
 * (issue 11: at most 6 ms above the hash alone), linking it as ftpsd is
 * linked (a static build populates the work area in one call). */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* One check in a child process; its CPU time in ms, or -1. */
static double one_check(const char *pw, const char *hash)
{
	int fd[2], st;
	double ms = -1;
	pid_t pid;

	if (pipe(fd) < 0) return -1;
	pid = fork();
	if (pid < 0) return -1;
	if (pid == 0) {
		struct crypt_data cd;
		const char *h;
		double t0 = cpu_ms();
		memset(&cd, 0, sizeof cd);
		h = crypt_r(pw, hash, &cd);
		ms = cpu_ms() - t0;
		if (!h || strcmp(h, hash)) ms = -1;
		_exit(write(fd[1], &ms, sizeof ms) == sizeof ms ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &ms, sizeof ms) != sizeof ms) ms = -1;
	close(fd[0]);
	waitpid(pid, &st, 0);
	return ms;
}

int main(int argc, char **argv)
{
	double *ms;
	int rounds = argc == 4 ? atoi(argv[1]) : 0;

	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: hashcost ROUNDS PASSWORD HASH\n");
		return 100;
	}
	ms = calloc((size_t)rounds, sizeof *ms);
	if (!ms) return 111;
	for (int i = 0; i < rounds; i++) {
		ms[i] = one_check(argv[2], argv[3]);
		if (ms[i] < 0) {
			fprintf(stderr, "hashcost: the password does not match the hash\n");
			return 1;
		}
	}
	qsort(ms, (size_t)rounds, sizeof *ms, by_value);
	printf("%.2f\n", ms[rounds / 2]);
	return 0;
}
