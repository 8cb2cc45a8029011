/* kex_cold: CPU time of the server's side of one key exchange in a fresh
 * process, as sftpd's network child does it once per connection: the
 * family's exchange (key pair, KEM, shared secret) and the exchange hash,
 * with cold caches and first-touch page faults.  Each round forks one
 * child per method, methods in turn; prints the median and mean per
 * method and the hybrids' cost over curve25519-sha256.  Run by
 * bench_kex.sh (make bench):  tests/bench/kex_cold [ROUNDS]  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "../../sftpd/ssh/kex.h"

#define ROUNDS_MAX 100000

static const struct kex_method methods[] = {
    {"curve25519-sha256", KEX_X25519, ALGO_SHA256, 0},
    {"mlkem768x25519-sha256", KEX_HYBRID, ALGO_SHA256, KEM_MLKEM768},
    {"sntrup761x25519-sha512", KEX_HYBRID, ALGO_SHA512, KEM_SNTRUP761},
};
enum { N_METHODS = sizeof methods / sizeof methods[0] };

static unsigned char c_init[N_METHODS][MLKEM768_PUBLICKEYBYTES + 32];
static size_t c_len[N_METHODS];

static long long cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A client's message for each method, made once in the parent. */
static void make_clients(void)
{
	static unsigned char sk[MLKEM768_SECRETKEYBYTES + SNTRUP761_SECRETKEYBYTES], xsk[32];
	for (size_t i = 0; i < N_METHODS; i++) {
		size_t kem = 0;
		if (methods[i].param == KEM_MLKEM768) {
			mlkem768_keypair(c_init[i], sk);
			kem = MLKEM768_PUBLICKEYBYTES;
		} else if (methods[i].param == KEM_SNTRUP761) {
			sntrup761_keypair(c_init[i], sk);
			kem = SNTRUP761_PUBLICKEYBYTES;
		}
		algo_x25519_keypair(c_init[i] + kem, xsk);
		c_len[i] = kem + 32;
	}
}

static const struct kex_family *family(const struct kex_method *m)
{
	return m->family == KEX_HYBRID ? &kex_family_hybrid : &kex_family_x25519;
}

/* In the child: one exchange and its hash; the nanoseconds, or -1. */
static long long one_exchange(size_t i)
{
	static unsigned char mem[3][KEX_HASH_PART_MAX], msg[8 + sizeof c_init[0]];
	static unsigned char i_c[1500], i_s[1100], k_s[51];
	/* KEXINIT and host key blob sizes as OpenSSH 10 and sftpd send them */
	struct kex_hash_input hi = {.v_c = "SSH-2.0-OpenSSH_10.0",
				    .v_s = "SSH-2.0-sluice_0.1",
				    .i_c = i_c,
				    .i_c_len = sizeof i_c,
				    .i_s = i_s,
				    .i_s_len = sizeof i_s,
				    .k_s = k_s,
				    .k_s_len = sizeof k_s};
	struct kex k = {.method = &methods[i]};
	unsigned char h[ALGO_HASH_MAX];
	struct kex_result r;
	struct wire_out w;
	struct wire_in in;
	long long t0;
	int good;

	wire_out_init(&w, msg, sizeof msg);
	wire_put_string(&w, c_init[i], c_len[i]);
	wire_out_init(&r.hash, mem[0], KEX_HASH_PART_MAX);
	wire_out_init(&r.reply, mem[1], KEX_REPLY_MAX);
	wire_out_init(&r.secret, mem[2], KEX_SECRET_MAX);
	wire_in_init(&in, msg, w.len);
	t0 = cpu_ns();
	good = family(&methods[i])->exchange(&k, &in, &r) &&
	       kex_exchange_hash(methods[i].hash, &hi, &r, h);
	return good ? cpu_ns() - t0 : -1;
}

static long long in_child(size_t i)
{
	long long ns = -1;
	int fd[2];
	pid_t pid;

	if (pipe(fd)) return -1;
	pid = fork();
	if (pid == 0) {
		ns = one_exchange(i);
		_exit(write(fd[1], &ns, sizeof ns) == sizeof ns ? 0 : 1);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &ns, sizeof ns) != sizeof ns) ns = -1;
	close(fd[0]);
	if (pid > 0) waitpid(pid, 0, 0);
	return ns;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	long long *t[N_METHODS], med[N_METHODS];
	double mean[N_METHODS];

	if (n < 1 || n > ROUNDS_MAX || !algo_init()) return 100;
	log_init("kex_cold", 0);
	make_clients();
	for (size_t i = 0; i < N_METHODS; i++)
		if (!(t[i] = calloc((size_t)n, sizeof *t[i]))) return 111;
	for (int r = 0; r < n; r++)
		for (size_t i = 0; i < N_METHODS; i++)
			if ((t[i][r] = in_child(i)) < 0) {
				fprintf(stderr, "kex_cold: %s failed\n", methods[i].name);
				return 111;
			}
	printf("one exchange + hash in a fresh process, %d rounds   median (ms)  mean (ms)\n", n);
	for (size_t i = 0; i < N_METHODS; i++) {
		long long sum = 0;
		for (int r = 0; r < n; r++)
			sum += t[i][r];
		qsort(t[i], (size_t)n, sizeof *t[i], cmp_ll);
		med[i] = t[i][n / 2];
		mean[i] = (double)sum / n;
		printf("%-46s %12.3f %10.3f\n", methods[i].name, med[i] / 1e6, mean[i] / 1e6);
	}
	for (size_t i = 1; i < N_METHODS; i++)
		printf("%s over curve25519-sha256: %+.3f ms (medians), %+.3f ms (means)\n",
		       methods[i].name, (med[i] - med[0]) / 1e6, (mean[i] - mean[0]) / 1e6);
	return 0;
}
