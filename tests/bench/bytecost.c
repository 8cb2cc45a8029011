/* bytecost: what moving a download's bytes costs one process on this
 * machine with no server, no protocol and no cipher: the floor under a
 * server's CPU per GiB.  Prints seconds of CPU (user + system) per GiB.
 *   bytecost read FILE    pread(2) of FILE from the page cache, 64 KiB at
 *                         a time (read it once before to have it cached)
 *   bytecost pipe BYTES   write(2) of BYTES into a pipe, 32 KiB at a time,
 *                         emptied by a child: how bench.sh's servers send
 *                         (stdout is ssh's ProxyCommand pipe), widened to
 *                         1 MiB as sftpd widens it
 *   bytecost tcp BYTES    the same into a loopback TCP connection: how
 *                         bench_ftps.sh's servers send a data connection
 * Only the sending process is charged, as cputime charges a server; on
 * loopback the kernel may do the receiver's TCP work in the sender.  Each
 * figure is the median of three runs: on a busy VM single runs stray. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define GIB 1073741824.0
#define READ_CHUNK (64 * 1024)
#define WRITE_CHUNK (32 * 1024)

static double cpu_seconds(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static int usage(void)
{
	fputs("usage: bytecost read FILE | pipe BYTES | tcp BYTES\n", stderr);
	return 2;
}

static double read_file(const char *path)
{
	static char buf[READ_CHUNK];
	int fd = open(path, O_RDONLY);
	off_t at = 0;
	ssize_t n;
	double t0;

	if (fd < 0) return perror(path), -1;
	t0 = cpu_seconds();
	while ((n = pread(fd, buf, sizeof buf, at)) > 0)
		at += n;
	close(fd);
	if (n < 0 || at == 0) return perror(path), -1;
	return (cpu_seconds() - t0) * GIB / (double)at;
}

/* The child that empties fd, 64 KiB at a time; it closes the sending end
 * it inherits, or it would never see end of file. */
static pid_t drain(int fd, int sending_end)
{
	pid_t pid = fork();
	if (pid == 0) {
		static char buf[64 * 1024];
		close(sending_end);
		while (read(fd, buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	return pid;
}

static double send_all(int fd, long long bytes)
{
	static char buf[WRITE_CHUNK];
	long long left = bytes;
	double t0;

	memset(buf, 0x5a, sizeof buf);
	t0 = cpu_seconds();
	while (left > 0) {
		ssize_t w = write(fd, buf, left < WRITE_CHUNK ? (size_t)left : WRITE_CHUNK);
		if (w <= 0) return perror("write"), -1;
		left -= w;
	}
	return (cpu_seconds() - t0) * GIB / (double)bytes;
}

static double to_pipe(long long bytes)
{
	int p[2];
	double rc;
	pid_t child;

	if (pipe(p) < 0) return perror("pipe"), -1;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	child = drain(p[0], p[1]);
	if (child < 0) return perror("fork"), -1;
	close(p[0]);
	rc = send_all(p[1], bytes);
	close(p[1]);
	waitpid(child, 0, 0);
	return rc;
}

static double to_tcp(long long bytes)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;
	double rc;
	pid_t child;

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return perror("listen"), -1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0) return perror("connect"), -1;
	s = accept(l, 0, 0);
	if (s < 0) return perror("accept"), -1;
	close(l);
	child = drain(c, s);
	if (child < 0) return perror("fork"), -1;
	close(c);
	rc = send_all(s, bytes);
	close(s);
	waitpid(child, 0, 0);
	return rc;
}

static double once(const char *mode, const char *arg)
{
	long long bytes;

	if (!strcmp(mode, "read")) return read_file(arg);
	bytes = atoll(arg);
	if (bytes <= 0) return -2;
	if (!strcmp(mode, "pipe")) return to_pipe(bytes);
	if (!strcmp(mode, "tcp")) return to_tcp(bytes);
	return -2;
}

int main(int argc, char **argv)
{
	double run[3], t;

	if (argc != 3) return usage();
	for (int i = 0; i < 3; i++) {
		run[i] = once(argv[1], argv[2]);
		if (run[i] == -2) return usage();
		if (run[i] < 0) return 1;
	}
	for (int i = 1; i < 3; i++)
		for (int j = i; j > 0 && run[j - 1] > run[j]; j--)
			t = run[j], run[j] = run[j - 1], run[j - 1] = t;
	printf("%.3f\n", run[1]);
	return 0;
}
