/* sandbox.c: the SIGSYS handler that reports a forbidden call and ends the
 * process, and the loading of a filter compiled at build time
 * (sandbox_export); building one with libseccomp is in sandbox_build.c. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include "base/base.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_internal.h"

#ifdef SANDBOX_SANITIZER
#include <sanitizer/common_interface_defs.h>

/* Output unused: only the symbolizer's start matters. */
#define SANDBOX_SYMBOL_BYTES 128

/* Symbolizes one address before the filter, so that later reports find the
 * symbolizer ready: clang's runtime starts llvm-symbolizer (fork, execve)
 * at its first report, gcc's reads the program's debugging information
 * (openat, fstat); neither could inside the sandbox. */
static void sandbox_sanitizer_prepare(void)
{
	char buf[SANDBOX_SYMBOL_BYTES];
	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", buf, sizeof buf);
}
#endif

static sandbox_report_fn *sandbox_report;

/* si_code of a SIGSYS from a filter (SYS_SECCOMP in the kernel's
 * asm-generic/siginfo.h, which glibc does not define). */
#define SANDBOX_SI_SECCOMP 1

/* A SIGSYS sent by kill(2) ends the process too, reported as -1. */
static void sandbox_on_sigsys(int sig, siginfo_t *si, void *uc)
{
	if (sandbox_report) sandbox_report(si->si_code == SANDBOX_SI_SECCOMP ? si->si_syscall : -1);
	_exit(EXIT_BUG);
}

/* The handler (all signals blocked while it runs), SIGSYS unblocked: were
 * it blocked, the kernel would kill the process without a report.  A
 * forbidden call inside report does the same (SIGSYS is blocked then). */
int sandbox_arm(sandbox_report_fn *report, struct sandbox_saved *old)
{
	struct sigaction sa;
	sigset_t set;

#ifdef SANDBOX_SANITIZER
	sandbox_sanitizer_prepare();
#endif
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sandbox_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	old->report = sandbox_report;
	sandbox_report = report;
	if (sigaction(SIGSYS, &sa, &old->sa) < 0) {
		sandbox_report = old->report;
		return 0;
	}
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sandbox_disarm(old);
		return 0;
	}
	return 1;
}

void sandbox_disarm(const struct sandbox_saved *old)
{
	int e = errno;
	sigaction(SIGSYS, &old->sa, NULL);
	sandbox_report = old->report;
	errno = e;
}

int sandbox_load(const void *bpf, size_t len, sandbox_report_fn *report)
{
	struct sandbox_saved old;
	struct sock_fprog prog;

	if (!bpf || !len || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return (errno = EINVAL, 0);
	prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	/* The kernel copies the program; it is never written through. */
	prog.filter = (struct sock_filter *)(uintptr_t)bpf;
	if (!sandbox_arm(report, &old)) return 0;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		sandbox_disarm(&old);
		return 0;
	}
	return 1;
}

/* Generated at build time from <sys/syscall.h> (Makefile). */
static const struct {
	unsigned short nr;
	const char *name;
} syscall_names[] = {
#define SYSCALL_NAME(nr, name) {nr, name},
#include "sandbox/syscall_names.h"
#undef SYSCALL_NAME
};

const char *sandbox_syscall_name(long nr, char *buf, size_t cap)
{
	if (!cap) return "";
	for (size_t i = 0; i < sizeof syscall_names / sizeof syscall_names[0]; i++)
		if (syscall_names[i].nr == nr) {
			snprintf(buf, cap, "%s", syscall_names[i].name);
			return buf;
		}
	snprintf(buf, cap, "syscall %ld", nr);
	return buf;
}
