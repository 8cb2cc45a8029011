/* procfloor [FORKS]: the least a per-connection server with privilege
 * separation costs on this machine before it does any work: its own exec
 * (charged by cputime, as a server's is), the dynamic linking of libc, and
 * FORKS forks (default 2), each waited for before the next, as sftpd's
 * monitor forks the network process and then the session (ftpsd forks
 * once).  Built like the servers (PIE, libc shared), it does nothing else:
 * bench.sh and bench_ftps.sh run it under cputime beside the per-session
 * figures. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int fork_and_wait(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0) return 0;
	if (pid == 0) _exit(0);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st);
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 2;

	while (forks-- > 0)
		if (!fork_and_wait()) return 1;
	return 0;
}
