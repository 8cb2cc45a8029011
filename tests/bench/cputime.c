/* cputime: runs a command and appends its CPU time, peak memory and page
 * faults, every descendant included, to a file: "user_s sys_s maxrss_kib
 * status minor_faults".
 * Used by bench.sh to measure a server launched as a ProxyCommand.  It is a
 * child subreaper, so processes the server forks and never waits for
 * (OpenSSH's post-auth child) are reaped and counted too; it ignores the
 * SIGHUP ssh sends its ProxyCommand so that the line is still written. */
#include <signal.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_hup(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	struct sigaction sa;
	FILE *f;
	pid_t pid;
	int st = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: cputime outfile command [arg...]\n");
		return 100;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return 111;
	pid = fork();
	if (pid < 0) return 111;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	sa.sa_handler = on_hup;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, 0);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int wst;
		pid_t w = wait(&wst);
		if (w < 0 && errno == ECHILD) break;
		if (w == pid) st = wst;
	}
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0) return 111;
	f = fopen(argv[1], "a");
	if (!f) return 111;
	fprintf(f, "%ld.%06ld %ld.%06ld %ld %d %ld\n", (long)ru.ru_utime.tv_sec,
		(long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
		ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ru.ru_minflt);
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
