/* sandbox: a seccomp-bpf allow-list per process role, with libseccomp, built
 * at run time (sandbox_install) or at build time (sandbox_export, sandbox_load). */
#ifndef SLUICE_SANDBOX_H
#define SLUICE_SANDBOX_H

#include <stddef.h>

/* A process role's system calls, by name.  A name both allowed and failed,
 * or a failed write/exit/exit_group/rt_sigreturn (the report needs them),
 * is refused with EINVAL. */
struct sandbox_policy {
	const char *const *allow; /* system call names allowed with any arguments */
	size_t n_allow;
	const char *const *fail; /* names that fail with errno fail_errno instead (harmless probes,
				    e.g. openat in an empty chroot) */
	size_t n_fail;
	int fail_errno; /* 1..4095 when n_fail > 0 */
};

/* Called from the SIGSYS handler with the number of the forbidden system call
 * (-1 for a SIGSYS sent with kill(2)); must be async-signal-safe (e.g. one
 * write(2)); a forbidden call in it kills the process by SIGSYS. May be NULL. */
typedef void sandbox_report_fn(long nr);

/* Sets PR_SET_NO_NEW_PRIVS and installs the filter for the native architecture;
 * any other architecture's calls kill the process.  A system call that is neither allowed nor
 * in fail is not executed: the kernel sends SIGSYS (SCMP_ACT_TRAP), the handler calls
 * report(nr), then _exit(EXIT_BUG) (lib/base/base.h).  Names unknown on this architecture are
 * skipped (some exist only on some arches).  Always allowed besides the policy: write, exit,
 * exit_group and rt_sigreturn (the handler's), and in sanitizer builds what the sanitizers
 * need at exit and for a report (listed in sandbox.c).  Returns 1, or 0 with errno set (nothing
 * installed on failure; PR_SET_NO_NEW_PRIVS may stay set, it cannot be undone). */
int sandbox_install(const struct sandbox_policy *p, sandbox_report_fn *report);

/* Writes to fd the BPF program sandbox_install would load for p (same rules
 * and attributes, the handler's calls, the sanitizer's in sanitizer builds):
 * an array of struct sock_filter for this architecture, for sandbox_load in
 * a program built the same way.  For a build-time generator: it allocates.
 * Returns 1, or 0 with errno set (EINVAL for a policy install refuses). */
int sandbox_export(const struct sandbox_policy *p, int fd);

/* sandbox_install for a filter exported by sandbox_export (len bytes, a
 * multiple of 8, else EINVAL): the same SIGSYS handler and report, then
 * PR_SET_NO_NEW_PRIVS and PR_SET_SECCOMP.  Allocates nothing; no libseccomp
 * at run time.  Returns 1, or 0 with errno set (nothing loaded). */
int sandbox_load(const void *bpf, size_t len, sandbox_report_fn *report);

/* The name of system call nr on this architecture, into buf ("socket"), or "syscall N" when
 * unknown.  Allocates: for the process that receives a report, not for the signal handler. */
const char *sandbox_syscall_name(long nr, char *buf, size_t cap);

/* For the build-time generator (lib/sandbox/gen/gen_filters.c): a
 * program's sandbox_policy.c defines these, one row per filter. */
struct sandbox_gen {
	const char *name; /* the C array gen_filters writes */
	const struct sandbox_policy *policy;
};
extern const struct sandbox_gen sandbox_gen_filters[];
extern const size_t sandbox_gen_count;
extern const char sandbox_gen_source[]; /* named in its first comment */

#endif
