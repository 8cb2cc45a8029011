/* sandbox.c: the seccomp-bpf filter of a process role, built by libseccomp
 * from system call names (it knows each architecture's numbers), and the
 * SIGSYS handler that reports a forbidden call and ends the process. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <seccomp.h>
#include "base/base.h"
#include "sandbox/sandbox.h"

/* Largest errno a filter can return (the kernel's MAX_ERRNO). */
#define SANDBOX_MAX_ERRNO 4095

/* What the SIGSYS handler needs to write a report and end the process
 * (_exit is exit_group; exit for a thread; rt_sigreturn for any handler). */
static const char *const sandbox_handler_calls[] = {"write", "exit_group", "exit", "rt_sigreturn"};

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

#ifdef SANDBOX_SANITIZER
#include <sys/syscall.h>
#include <sanitizer/common_interface_defs.h>

/* Sanitizer builds only (make SANITIZE=1), found by experiment with gcc 12
 * and clang 14 on x86_64: strace -f, and SCMP_ACT_LOG as the default action
 * with dmesg for LeakSanitizer's tracer (CLONE_UNTRACED hides it from
 * strace).  Without them every sandboxed exit would end in SIGSYS, or hang:
 * LeakSanitizer checks the heap at exit from a tracer task (a clone that
 * shares memory, most signals blocked) that ptraces this one and reads
 * /proc/self/task and /proc/self/maps; when that task dies of SIGSYS, this
 * one waits for it for ever.  Added after the policy, so a name the policy
 * fails keeps failing and the sanitizer does less (LeakSanitizer unable to
 * open /proc ends the process with a fatal error). */
#ifdef __NR_open
#define SANDBOX_SANITIZER_FILES "open", "getdents", "readlink"
#else /* only the *at and 64 forms (arm64, riscv64): what the runtime uses there */
#define SANDBOX_SANITIZER_FILES "openat", "getdents64", "readlinkat"
#endif
static const char *const sandbox_sanitizer_calls[] = {
    /* LeakSanitizer at exit */
    "clone", "ptrace", "wait4", "prctl", "sched_yield", "getpid", "getppid", "gettid",
    "rt_sigprocmask", "rt_sigaction", "sigaltstack", "mmap", "munmap", "mprotect", "read", "close",
    "lseek", SANDBOX_SANITIZER_FILES,
    /* reports: is stderr a terminal, a lock, pipe2 to probe memory before dumping it */
    "ioctl", "futex", "pipe2"};

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

/* The number of name on this architecture, or -1: libseccomp gives
 * negative pseudo numbers to names that exist only elsewhere. */
static int sandbox_resolve(const char *name)
{
	int nr = name ? seccomp_syscall_resolve_name(name) : -1;
	return nr < 0 ? -1 : nr;
}

static int sandbox_names_have(const char *const *names, size_t n, int nr)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (sandbox_resolve(names[i]) == nr) return 1;
	return 0;
}

/* libseccomp keeps the first rule for a system call and silently ignores a
 * later one with another action, so conflicts are refused here. */
static int sandbox_check(const struct sandbox_policy *p)
{
	size_t i;
	int nr;

	if (!p || (p->n_allow && !p->allow) || (p->n_fail && !p->fail)) return (errno = EINVAL, 0);
	if (p->n_fail && (p->fail_errno < 1 || p->fail_errno > SANDBOX_MAX_ERRNO))
		return (errno = EINVAL, 0);
	for (i = 0; i < p->n_fail; i++) {
		nr = sandbox_resolve(p->fail[i]);
		if (nr < 0) continue;
		if (sandbox_names_have(p->allow, p->n_allow, nr) ||
		    sandbox_names_have(sandbox_handler_calls, ARRAY_LEN(sandbox_handler_calls), nr))
			return (errno = EINVAL, 0);
	}
	return 1;
}

/* Names unknown on this architecture are skipped. */
static int sandbox_add(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
	size_t i;
	int nr, rc;

	for (i = 0; i < n; i++) {
		nr = sandbox_resolve(names[i]);
		if (nr < 0) continue;
		rc = seccomp_rule_add(ctx, action, nr, 0);
		if (rc < 0) return (errno = -rc, 0);
	}
	return 1;
}

static int sandbox_build(scmp_filter_ctx ctx, const struct sandbox_policy *p)
{
	int rc;

	/* Real errno values from the kernel, not ECANCELED; no new privileges
	 * set by sandbox_install itself, before the load. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0) return (errno = -rc, 0);
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, sandbox_handler_calls,
			 ARRAY_LEN(sandbox_handler_calls)))
		return 0;
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, p->allow, p->n_allow)) return 0;
	if (!sandbox_add(ctx, SCMP_ACT_ERRNO((uint32_t)p->fail_errno), p->fail, p->n_fail))
		return 0;
#ifdef SANDBOX_SANITIZER
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, sandbox_sanitizer_calls,
			 ARRAY_LEN(sandbox_sanitizer_calls)))
		return 0;
#endif
	return 1;
}

/* The handler (all signals blocked while it runs), SIGSYS unblocked: were
 * it blocked, the kernel would kill the process without a report.  A
 * forbidden call inside report does the same (SIGSYS is blocked then). */
static int sandbox_handler_set(sandbox_report_fn *report, struct sigaction *old,
			       sandbox_report_fn **old_report)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sandbox_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	*old_report = sandbox_report;
	sandbox_report = report;
	if (sigaction(SIGSYS, &sa, old) < 0) goto fail;
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		sigaction(SIGSYS, old, NULL);
		goto fail;
	}
	return 1;
fail:
	sandbox_report = *old_report;
	return 0;
}

int sandbox_install(const struct sandbox_policy *p, sandbox_report_fn *report)
{
	struct sigaction old;
	sandbox_report_fn *old_report;
	scmp_filter_ctx ctx;
	int rc, e;

	if (!sandbox_check(p)) return 0;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) return (errno = ENOMEM, 0);
	if (!sandbox_build(ctx, p)) goto fail;
#ifdef SANDBOX_SANITIZER
	sandbox_sanitizer_prepare();
#endif
	if (!sandbox_handler_set(report, &old, &old_report)) goto fail;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) goto restore;
	rc = seccomp_load(ctx);
	if (rc < 0) {
		errno = -rc;
		goto restore;
	}
	/* Only free() from here on: glibc's makes no system call for blocks
	 * this small (libseccomp frees its BPF program inside seccomp_load
	 * too, after loading it). */
	seccomp_release(ctx);
	return 1;
restore:
	e = errno;
	sigaction(SIGSYS, &old, NULL);
	sandbox_report = old_report;
	errno = e;
fail:
	e = errno;
	seccomp_release(ctx);
	errno = e;
	return 0;
}

const char *sandbox_syscall_name(long nr, char *buf, size_t cap)
{
	char *name = NULL;

	if (!cap) return "";
	if (nr >= 0 && nr <= INT_MAX)
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
	if (name)
		snprintf(buf, cap, "%s", name);
	else
		snprintf(buf, cap, "syscall %ld", nr);
	free(name);
	return buf;
}
