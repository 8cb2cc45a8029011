/* sandbox_build.c: the seccomp-bpf filter of a process role, built by
 * libseccomp from system call names (it knows each architecture's numbers):
 * installed at once (sandbox_install) or exported for the build
 * (sandbox_export, loaded later by sandbox_load). */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <seccomp.h>
#include "base/base.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_internal.h"

/* Largest errno a filter can return (the kernel's MAX_ERRNO). */
#define SANDBOX_MAX_ERRNO 4095

/* What the SIGSYS handler needs to write a report and end the process
 * (_exit is exit_group; exit for a thread; rt_sigreturn for any handler). */
static const char *const sandbox_handler_calls[] = {"write", "exit_group", "exit", "rt_sigreturn"};

#ifdef SANDBOX_SANITIZER
#include <sys/syscall.h>

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
#endif

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

/* The filter of p, checked, or NULL with errno set; seccomp_release it. */
static scmp_filter_ctx sandbox_build(const struct sandbox_policy *p)
{
	scmp_filter_ctx ctx;
	int rc, e;

	if (!sandbox_check(p)) return NULL;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) return (errno = ENOMEM, NULL);
	/* Real errno values from the kernel, not ECANCELED; no new privileges
	 * set by sandbox_arm itself, before the load. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree of system call numbers instead of a list: loading a
	 * filter makes the kernel run it once per system call number to cache
	 * the always-allowed ones, which for a 60-entry list cost 180 us. */
	if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0) {
		errno = -rc;
		goto fail;
	}
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, sandbox_handler_calls,
			 ARRAY_LEN(sandbox_handler_calls)))
		goto fail;
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, p->allow, p->n_allow)) goto fail;
	if (!sandbox_add(ctx, SCMP_ACT_ERRNO((uint32_t)p->fail_errno), p->fail, p->n_fail))
		goto fail;
#ifdef SANDBOX_SANITIZER
	if (!sandbox_add(ctx, SCMP_ACT_ALLOW, sandbox_sanitizer_calls,
			 ARRAY_LEN(sandbox_sanitizer_calls)))
		goto fail;
#endif
	return ctx;
fail:
	e = errno;
	seccomp_release(ctx);
	errno = e;
	return NULL;
}

int sandbox_install(const struct sandbox_policy *p, sandbox_report_fn *report)
{
	struct sandbox_saved old;
	scmp_filter_ctx ctx = sandbox_build(p);
	int rc, e;

	if (!ctx) return 0;
	if (!sandbox_arm(report, &old)) goto fail;
	rc = seccomp_load(ctx);
	if (rc < 0) {
		errno = -rc;
		sandbox_disarm(&old);
		goto fail;
	}
	/* Only free() from here on: glibc's makes no system call for blocks
	 * this small (libseccomp frees its BPF program inside seccomp_load
	 * too, after loading it). */
	seccomp_release(ctx);
	return 1;
fail:
	e = errno;
	seccomp_release(ctx);
	errno = e;
	return 0;
}

int sandbox_export(const struct sandbox_policy *p, int fd)
{
	scmp_filter_ctx ctx = sandbox_build(p);
	int rc;

	if (!ctx) return 0;
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0) return (errno = -rc, 0);
	return 1;
}
