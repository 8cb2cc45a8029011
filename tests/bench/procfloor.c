/* procfloor: the least a per-connection server with privilege separation
 * costs on this machine before it does any work: its own exec (charged by
 * cputime, as a server's is), the dynamic linking of libc, and two forks
 * waited for, as sftpd's monitor forks the network process and then the
 * session.  Built like the servers (PIE, libc shared), it does nothing
 * else: bench.sh runs it under cputime next to the per-session figures. */
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

int main(void)
{
	return fork_and_wait() && fork_and_wait() ? 0 : 1;
}
