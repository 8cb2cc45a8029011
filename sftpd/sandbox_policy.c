/* sandbox_policy.c: the system call allow-lists of the network child, the
 * signer and the session process (sftpd/privsep.c says what each does).
 * Compiled into BPF at build time by lib/sandbox/gen/gen_filters.c, which
 * this file is linked with; not linked into sftpd. */
#include <errno.h>
#include "base/base.h"
#include "sandbox_policy.h"

/* What every role needs: memory, time, its sockets, signals, exit.
 * restart_syscall is the kernel resuming a poll or sleep with a timeout
 * after SIGSTOP/SIGCONT, a debugger or a cgroup freeze. */
#define BASE_CALLS                                                                                 \
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "poll",    \
	    "ppoll", "close", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "mlock",   \
	    "munlock", "getrandom", "clock_gettime", "gettimeofday", "time", "nanosleep",          \
	    "clock_nanosleep", "rt_sigreturn", "rt_sigprocmask", "restart_syscall", "getpid",      \
	    "exit", "exit_group", "fstat", "newfstatat", "futex"

/* The network child: the SSH transport before authentication; pread64
 * reads the moduli file (group exchange) on the descriptor the monitor
 * opened before the chroot. */
static const char *const network_calls[] = {BASE_CALLS, "pread64"};
/* libcrypto looks for its configuration on first use; nothing is there. */
static const char *const network_probes[] = {"open", "openat", "stat", "access", "readlink"};

/* The signer: reads requests, signs, waits for the session process. */
static const char *const signer_calls[] = {BASE_CALLS, "wait4", "kill"};
/* syslog(3) reconnects after a lost connection; it may not. */
static const char *const signer_probes[] = {"open", "openat", "socket",	 "connect",
					    "stat", "access", "readlink"};

/* The session process: SFTP's file system calls on its two descriptors.
 * Legacy scp (sftpd/scp) needs none beyond them: it uses the same fs_*
 * calls, read/write/ftruncate/fchmod/utimensat on its file and getdents64
 * (readdir) for -r and wildcards. */
static const char *const session_calls[] = {
    BASE_CALLS,	 "openat",    "openat2",	 "lseek",    "pread64",	  "pwrite64",	"fsync",
    "fdatasync", "ftruncate", "fstatfs",	 "statfs",   "statx",	  "getdents64", "mkdirat",
    "unlinkat",	 "renameat",  "renameat2",	 "linkat",   "symlinkat", "readlinkat", "fchmod",
    "fchmodat",	 "fchmodat2", "fchown",		 "fchownat", "utimensat", "fchdir",	"getcwd",
    "umask",	 "fcntl",     "copy_file_range", "dup",	     "lstat",	  "stat",	"readlink",
    "getuid",	 "getgid",    "geteuid",	 "getegid"};
/* The name service, asked for owner names, tries nscd's socket first. */
static const char *const session_probes[] = {"socket", "connect"};

#define POLICY(calls, probes, e)                                                                   \
	{                                                                                          \
		calls, ARRAY_LEN(calls), probes, ARRAY_LEN(probes), e                              \
	}

const struct sandbox_policy sftpd_policy_network = POLICY(network_calls, network_probes, EACCES);
const struct sandbox_policy sftpd_policy_signer = POLICY(signer_calls, signer_probes, EACCES);
const struct sandbox_policy sftpd_policy_session = POLICY(session_calls, session_probes, EACCES);

const struct sandbox_gen sandbox_gen_filters[] = {
    {"filter_network", &sftpd_policy_network},
    {"filter_signer", &sftpd_policy_signer},
    {"filter_session", &sftpd_policy_session},
};
const size_t sandbox_gen_count = ARRAY_LEN(sandbox_gen_filters);
const char sandbox_gen_source[] = "sftpd/sandbox_policy.c";
