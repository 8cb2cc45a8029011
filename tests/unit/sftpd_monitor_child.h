/* sftpd_monitor_child.h: a real monitor (monitor.c) in a forked child, for
 * unit tests of the protocol code that asks it for signatures and verdicts
 * (authority.c).  The child answers over a SOCK_SEQPACKET socketpair until
 * the test closes its end (exit 0) or it refuses a request (exit 1, after
 * logging why), as sftpd's monitor ends the connection then. */
#ifndef SFTPD_MONITOR_CHILD_H
#define SFTPD_MONITOR_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"
#include "../../sftpd/monitor.h"

#define MONITOR_CHILD_EOF 0
#define MONITOR_CHILD_REFUSED 1
#define MONITOR_CHILD_MAX 8 /* monitors a test has running at once */

/* The test's ends of the running monitors' sockets: a new child closes
 * them, or a monitor would never see end of file while a later one runs. */
static int monitor_child_fds[MONITOR_CHILD_MAX] = {-1, -1, -1, -1, -1, -1, -1, -1};
static pid_t monitor_child_pids[MONITOR_CHILD_MAX];

static void monitor_child_serve(int fd, const struct conf_value *cf,
				struct key_private *const *keys, unsigned nkeys)
{
	static unsigned char rec[MON_RECORD_MAX];
	struct monitor m;

	for (unsigned i = 0; i < MONITOR_CHILD_MAX; i++)
		if (monitor_child_fds[i] >= 0) close(monitor_child_fds[i]);
	monitor_init(&m, fd, cf, keys, nkeys);
	for (;;) {
		long n = priv_record_recv(fd, rec, sizeof rec, -1);
		if (n <= 0) _exit(MONITOR_CHILD_EOF);
		if (!monitor_request(&m, rec, (size_t)n)) {
			log_warn("test monitor: %s", m.why);
			_exit(MONITOR_CHILD_REFUSED);
		}
	}
}

/* Forks a monitor for cf and the host keys; returns the test's end of its
 * socket (for session.mon).  Bails out when it cannot. */
static int monitor_child_start(const struct conf_value *cf, struct key_private *const *keys,
			       unsigned nkeys)
{
	int sv[2];
	unsigned slot = 0;
	pid_t pid;

	while (slot < MONITOR_CHILD_MAX && monitor_child_fds[slot] >= 0)
		slot++;
	if (slot == MONITOR_CHILD_MAX) {
		printf("Bail out! more than %d test monitors at once\n", MONITOR_CHILD_MAX);
		exit(1);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		printf("Bail out! socketpair: %s\n", strerror(errno));
		exit(1);
	}
	fflush(stdout); /* the child must not repeat buffered TAP lines */
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		close(sv[0]);
		monitor_child_serve(sv[1], cf, keys, nkeys);
	}
	close(sv[1]);
	monitor_child_fds[slot] = sv[0];
	monitor_child_pids[slot] = pid;
	return sv[0];
}

static int monitor_child_slot(int fd)
{
	for (int i = 0; i < MONITOR_CHILD_MAX; i++)
		if (fd >= 0 && monitor_child_fds[i] == fd) return i;
	return -1;
}

/* Reaps the monitor of slot i: see monitor_child_stop. */
static int monitor_child_wait(int i)
{
	int status = 0;
	pid_t pid = monitor_child_pids[i];

	if (pid <= 0) return -1;
	monitor_child_pids[i] = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Kills the monitor behind fd and keeps fd open, as when the monitor dies
 * while the session still holds its socket. */
static void monitor_child_kill(int fd)
{
	int i = monitor_child_slot(fd);
	if (i < 0 || monitor_child_pids[i] <= 0) return;
	kill(monitor_child_pids[i], SIGKILL);
	monitor_child_wait(i);
}

/* Closes the test's end and waits for the monitor: MONITOR_CHILD_EOF when
 * it refused nothing, MONITOR_CHILD_REFUSED when it had given up, -1 when
 * it ended otherwise (killed, or fd is no monitor's). */
static int monitor_child_stop(int fd)
{
	int i = monitor_child_slot(fd);
	if (i < 0) return -1;
	monitor_child_fds[i] = -1;
	close(fd);
	return monitor_child_wait(i);
}

#endif
