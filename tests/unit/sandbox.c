/* sandbox.c: unit tests for lib/sandbox.  Each filter is installed in a
 * forked child (a filter cannot be removed) that reports a bit mask of
 * failed checks through its exit status; a forbidden call's number comes
 * back through a pipe, written by the report callback in the SIGSYS handler. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "base/base.h"
#include "sandbox/sandbox.h"
#include "../tap.h"

#define CHILD_MAX_SECS 30

static int report_fd = -1;

/* Async-signal-safe: one write(2) of the number. */
static void report_to_pipe(long nr)
{
	if (write(report_fd, &nr, sizeof nr) < 0) return;
}

/* Runs fn in a child that ends with exit() (so LeakSanitizer runs inside
 * the sandbox in SANITIZE=1 builds); returns its wait status, or -1. */
static int in_child_status(int (*fn)(void))
{
	int st;
	pid_t pid;

	fflush(NULL); /* else the child's exit() writes our TAP lines again */
	pid = fork();
	if (pid < 0) return -1;
	if (!pid) {
		alarm(CHILD_MAX_SECS); /* a hung child fails the test, not the run */
		exit(fn());
	}
	if (waitpid(pid, &st, 0) != pid) return -1;
	return st;
}

/* in_child_status with a report pipe: the child's wait status (-1 when no
 * pipe or no child), the number reported into *got, the bytes read into *n. */
static int in_child_reported(int (*fn)(void), long *got, ssize_t *n)
{
	int fds[2], st;

	*n = 0;
	if (pipe(fds) < 0) return -1;
	report_fd = fds[1];
	st = in_child_status(fn);
	close(fds[1]);
	*n = read(fds[0], got, sizeof *got);
	close(fds[0]);
	return st;
}

/* For a failed check: how the child ended, unless as expected (EXIT_BUG). */
static void print_status(int st)
{
	if (st < 0)
		printf("#   no child\n");
	else if (WIFSIGNALED(st))
		printf("#   killed by signal %d\n", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != EXIT_BUG)
		printf("#   exit status %d\n", WEXITSTATUS(st));
}

/* The child's exit code (0 = all good), or -1 when it did not exit. */
static int in_child(int (*fn)(void))
{
	int st = in_child_status(fn);
	if (st < 0 || !WIFEXITED(st)) return -1;
	return WEXITSTATUS(st);
}

static const char *const only_getpid[] = {"getpid"};

static int child_allowed(void)
{
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), NULL, 0, 0};
	long before = syscall(SYS_getpid);

	if (!sandbox_install(&p, report_to_pipe)) return 1;
	if (syscall(SYS_getpid) != before) return 2;
	return 0;
}

/* Ends with _exit: with open/openat failing, LeakSanitizer could not read
 * /proc at exit() in SANITIZE=1 builds (a fatal LeakSanitizer error). */
static int child_fail(void)
{
	static const char *const probes[] = {"open", "openat", "socket"};
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), probes, ARRAY_LEN(probes),
				   EACCES};
	int bad = 0;

	if (!sandbox_install(&p, report_to_pipe)) _exit(1);
	errno = 0;
	if (open("/", O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES) bad |= 2;
	errno = 0;
	if (socket(AF_UNIX, SOCK_DGRAM, 0) != -1 || errno != EACCES) bad |= 4;
	_exit(bad);
}

static int forbidden_call;

/* Never returns when the sandbox works: 1 install failed, 2 the call ran.
 * Not getppid: sanitizer builds allow it (LeakSanitizer's tracer). */
static int child_forbidden(void)
{
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), NULL, 0, 0};

	if (!sandbox_install(&p, report_to_pipe)) return 1;
	if (forbidden_call == SYS_socket)
		socket(AF_INET, SOCK_STREAM, 0);
	else
		syscall(forbidden_call);
	return 2;
}

static int child_forbidden_no_report(void)
{
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), NULL, 0, 0};

	if (!sandbox_install(&p, NULL)) return 1;
	syscall(SYS_getuid);
	return 2;
}

/* SIGSYS from kill(2): reported as -1, then EXIT_BUG. */
static int child_killed(void)
{
	static const char *const allow[] = {"getpid", "kill"};
	struct sandbox_policy p = {allow, ARRAY_LEN(allow), NULL, 0, 0};

	if (!sandbox_install(&p, report_to_pipe)) return 1;
	syscall(SYS_kill, syscall(SYS_getpid), SIGSYS);
	return 2;
}

static void test_killed(void)
{
	int st;
	long got = 0;
	ssize_t r;

	st = in_child_reported(child_killed, &got, &r);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_BUG && r == sizeof got && got == -1,
	   "SIGSYS from kill(2): reported as -1, EXIT_BUG");
	print_status(st);
}

static void test_forbidden(int nr, const char *want)
{
	char name[64];
	int st;
	long got = -1;
	ssize_t r;

	forbidden_call = nr;
	st = in_child_reported(child_forbidden, &got, &r);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_BUG,
	   "%s forbidden: exit %d (EXIT_BUG)", want, EXIT_BUG);
	print_status(st);
	is_int(r, sizeof got, "%s forbidden: one report", want);
	is_str(sandbox_syscall_name(got, name, sizeof name), want, "%s forbidden: reported by name",
	       want);
}

static int child_unknown_names(void)
{
	/* socketcall exists only on some 32-bit architectures. */
	static const char *const allow[] = {"getpid", "no_such_call_sluice", "socketcall"};
	static const char *const fail[] = {"no_such_probe_sluice"};
	struct sandbox_policy p = {allow, ARRAY_LEN(allow), fail, ARRAY_LEN(fail), EPERM};

	if (!sandbox_install(&p, report_to_pipe)) return 1;
	if (syscall(SYS_getpid) != getpid()) return 2;
	return 0;
}

/* Bit 1: "NoNewPrivs:\t1"; 2: "Seccomp:\t2"; 4: unreadable. */
static int proc_status_flags(void)
{
	char buf[4096];
	ssize_t n, len = 0;
	int fd = open("/proc/self/status", O_RDONLY), flags = 0;

	if (fd < 0) return 4;
	while (len < (ssize_t)sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	if (strstr(buf, "\nNoNewPrivs:\t1\n")) flags |= 1;
	if (strstr(buf, "\nSeccomp:\t2\n")) flags |= 2;
	return flags;
}

static int child_status(void)
{
	static const char *const allow[] = {"openat", "read", "close"};
	struct sandbox_policy p = {allow, ARRAY_LEN(allow), NULL, 0, 0};

	if (proc_status_flags() != 0) return 8;
	if (!sandbox_install(&p, report_to_pipe)) return 16;
	return proc_status_flags() ^ 3;
}

/* Refused policies install nothing: 0 + EINVAL, and no filter, no NNP. */
static int child_refused(void)
{
	static const char *const allow[] = {"getpid", "openat"};
	static const char *const fail_openat[] = {"openat"};
	static const char *const fail_write[] = {"write"};
	struct sandbox_policy both = {allow, ARRAY_LEN(allow), fail_openat, 1, EACCES};
	struct sandbox_policy report = {allow, 1, fail_write, 1, EACCES};
	struct sandbox_policy no_errno = {allow, 1, fail_openat, 1, 0};
	struct sandbox_policy big_errno = {allow, 1, fail_openat, 1, 4096};
	int bad = 0;

	if (sandbox_install(&both, NULL) || errno != EINVAL) bad |= 1;
	if (sandbox_install(&report, NULL) || errno != EINVAL) bad |= 2;
	if (sandbox_install(&no_errno, NULL) || errno != EINVAL) bad |= 4;
	if (sandbox_install(&big_errno, NULL) || errno != EINVAL) bad |= 8;
	if (sandbox_install(NULL, NULL) || errno != EINVAL) bad |= 16;
	if (proc_status_flags() != 0) bad |= 32;
	return bad;
}

/* A filter exported by the parent (as gen_filters does at build time),
 * loaded in children with sandbox_load. */
#define EXPORT_MAX_BYTES 65536
static unsigned char exported[EXPORT_MAX_BYTES];
static size_t exported_len;

/* Exports getpid allowed, open/openat/socket failing with EACCES, into a
 * pipe (sandbox_export writes; a pipe holds this much); 1 or 0. */
static int export_policy(void)
{
	static const char *const probes[] = {"open", "openat", "socket"};
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), probes, ARRAY_LEN(probes),
				   EACCES};
	int fds[2], good;
	ssize_t n;

	if (pipe(fds) < 0) return 0;
	good = sandbox_export(&p, fds[1]);
	close(fds[1]);
	exported_len = 0;
	while (good && exported_len < sizeof exported &&
	       (n = read(fds[0], exported + exported_len, sizeof exported - exported_len)) > 0)
		exported_len += (size_t)n;
	close(fds[0]);
	return good && exported_len > 0 && exported_len < sizeof exported;
}

/* Checks fail with _exit(bit); when all pass, the forbidden getuid ends the
 * child with EXIT_BUG after a report. */
static int child_loaded(void)
{
	long before = syscall(SYS_getpid);
	int bad = 0;

	if (!sandbox_load(exported, exported_len, report_to_pipe)) _exit(1);
	if (proc_status_flags() != 4) bad |= 2; /* open fails: status unreadable */
	if (syscall(SYS_getpid) != before) bad |= 4;
	errno = 0;
	if (open("/", O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES) bad |= 8;
	errno = 0;
	if (socket(AF_UNIX, SOCK_DGRAM, 0) != -1 || errno != EACCES) bad |= 16;
	if (bad) _exit(bad);
	syscall(SYS_getuid);
	_exit(32);
}

static void test_export_load(void)
{
	char name[64];
	int st;
	long got = -1;
	ssize_t r;

	ok(export_policy(), "sandbox_export: a program of %zu bytes", exported_len);
	is_int((int)(exported_len % 8), 0, "exported length: whole sock_filter instructions");
	st = in_child_reported(child_loaded, &got, &r);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_BUG,
	   "sandbox_load: getpid works, open and socket fail with EACCES, getuid forbidden");
	print_status(st);
	is_int(r, sizeof got, "sandbox_load: one report");
	is_str(sandbox_syscall_name(got, name, sizeof name), "getuid",
	       "sandbox_load: getuid reported by name");
}

/* Bad lengths load nothing: 0 + EINVAL, and no filter, no NNP. */
static int child_load_refused(void)
{
	int bad = 0;

	if (sandbox_load(exported, exported_len - 1, NULL) || errno != EINVAL) bad |= 1;
	if (sandbox_load(exported, 4, NULL) || errno != EINVAL) bad |= 2;
	if (sandbox_load(exported, 0, NULL) || errno != EINVAL) bad |= 4;
	if (sandbox_load(NULL, 8, NULL) || errno != EINVAL) bad |= 8;
	if (proc_status_flags() != 0) bad |= 16;
	return bad;
}

/* child_status with sandbox_load: NoNewPrivs and the filter. */
static int child_load_status(void)
{
	static const char *const allow[] = {"openat", "read", "close"};
	struct sandbox_policy p = {allow, ARRAY_LEN(allow), NULL, 0, 0};
	int fds[2];
	ssize_t n;

	if (pipe(fds) < 0 || !sandbox_export(&p, fds[1])) return 8;
	close(fds[1]);
	n = read(fds[0], exported, sizeof exported);
	if (n <= 0 || proc_status_flags() != 0) return 16;
	if (!sandbox_load(exported, (size_t)n, report_to_pipe)) return 32;
	return proc_status_flags() ^ 3;
}

#if defined(__x86_64__)
/* getpid through the i386 entry (int 0x80): another architecture. */
static int child_other_arch(void)
{
	struct sandbox_policy p = {only_getpid, ARRAY_LEN(only_getpid), NULL, 0, 0};
	struct rlimit rl = {0, 0};
	long ret;

	setrlimit(RLIMIT_CORE, &rl);
	/* a kernel without i386 emulation answers SIGSEGV, which must kill
	 * (AddressSanitizer's handler would report it and exit 1) */
	signal(SIGSEGV, SIG_DFL);
	if (!sandbox_install(&p, report_to_pipe)) return 1;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return 2;
}

static void test_other_arch(void)
{
	int st = in_child_status(child_other_arch);

	if (st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) {
		ok(1, "# SKIP no i386 system calls in this kernel (int 0x80 gave SIGSEGV)");
		return;
	}
	ok(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	   "an i386 call (int 0x80) kills the process with SIGSYS");
	if (!(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)) print_status(st);
}
#endif

int main(void)
{
	char name[64];
	int st;

	is_int(in_child(child_allowed), 0, "allowed call works after install, then exit()");
	is_int(in_child(child_fail), 0,
	       "calls in fail (openat, socket): -1 with fail_errno (EACCES)");
	test_forbidden(SYS_getuid, "getuid");
	test_forbidden(SYS_socket, "socket");
	test_killed();
	st = in_child_status(child_forbidden_no_report);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_BUG,
	   "forbidden, no report: EXIT_BUG");
	print_status(st);
	is_int(in_child(child_unknown_names), 0, "unknown and other-arch names are skipped");
	is_int(in_child(child_status), 0, "/proc/self/status: NoNewPrivs 1, Seccomp 2");
	is_int(in_child(child_refused), 0,
	       "conflicting or bad policies: EINVAL, nothing installed");
	test_export_load();
	is_int(in_child(child_load_refused), 0,
	       "sandbox_load: length not a multiple of 8, 0 or NULL: EINVAL, nothing loaded");
	is_int(in_child(child_load_status), 0, "sandbox_load: NoNewPrivs 1, Seccomp 2");
#if defined(__x86_64__)
	test_other_arch();
#endif
	is_str(sandbox_syscall_name(SYS_getppid, name, sizeof name), "getppid",
	       "name of SYS_getppid");
	is_str(sandbox_syscall_name(100000, name, sizeof name), "syscall 100000",
	       "impossible number: syscall N");
	is_str(sandbox_syscall_name(-1, name, sizeof name), "syscall -1", "negative: syscall N");
	is_str(sandbox_syscall_name(100000, name, 8), "syscall", "truncated to cap");
	return tap_done();
}
