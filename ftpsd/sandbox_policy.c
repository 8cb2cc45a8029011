/* sandbox_policy.c: the system call allow-lists of ftpsd's network process
 * and session process (ftpsd/privsep.c says what each does).  Compiled into
 * BPF at build time by lib/sandbox/gen/gen_filters.c, which this file is
 * linked with; not linked into ftpsd.  Neither list has execve, ptrace,
 * fork or clone: such a call ends the process with a report. */
#include <errno.h>
#include "base/base.h"
#include "sandbox_policy.h"

/* What both roles need: memory, time, their sockets, signals, exit; log
 * lines go to stderr or to the syslog socket the monitor connected.
 * restart_syscall is the kernel resuming a poll or sleep with a timeout
 * after SIGSTOP/SIGCONT, a debugger or a cgroup freeze. */
#define BASE_CALLS                                                                                 \
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "poll",    \
	    "ppoll", "close", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect",            \
	    "getrandom", "clock_gettime", "gettimeofday", "time", "nanosleep", "clock_nanosleep",  \
	    "rt_sigreturn", "rt_sigprocmask", "restart_syscall", "getpid", "exit", "exit_group",   \
	    "fstat", "newfstatat", "futex"

/* Probes that fail harmlessly: libcrypto looks for its configuration, and
 * syslog(3) reconnects after a lost connection; neither may. */
#define BASE_PROBES "open", "openat", "stat", "access", "readlink", "socket", "connect"

/* The network process: the control connection and its TLS session, every
 * command before login, then the relay. */
static const char *const network_calls[] = {BASE_CALLS};
static const char *const network_probes[] = {BASE_PROBES};

/* The session process: the account's files, data connections (passive:
 * socket, bind, listen, accept; active: socket, bind, connect) and their
 * TLS, zlib for MODE Z. */
static const char *const session_calls[] = {
    BASE_CALLS,	  "openat",	"openat2",   "lseek",	   "pread64", "pwrite64",    "fsync",
    "fdatasync",  "ftruncate",	"fstatfs",   "statfs",	   "statx",   "getdents64",  "mkdirat",
    "unlinkat",	  "renameat",	"renameat2", "readlinkat", "fchmod",  "fchmodat",    "fchmodat2",
    "utimensat",  "fchdir",	"getcwd",    "umask",	   "fcntl",   "dup",	     "lstat",
    "stat",	  "readlink",	"getuid",    "getgid",	   "geteuid", "getegid",     "socket",
    "bind",	  "listen",	"accept",    "accept4",	   "connect", "getsockname", "getpeername",
    "getsockopt", "setsockopt", "shutdown"};
/* Owner names in listings would ask the name service; it answers nothing
 * in the chroot. */
static const char *const session_probes[] = {"access"};

#define POLICY(calls, probes, e)                                                                   \
	{                                                                                          \
		calls, ARRAY_LEN(calls), probes, ARRAY_LEN(probes), e                              \
	}

const struct sandbox_policy ftpsd_policy_network = POLICY(network_calls, network_probes, EACCES);
const struct sandbox_policy ftpsd_policy_session = POLICY(session_calls, session_probes, EACCES);

const struct sandbox_gen sandbox_gen_filters[] = {
    {"filter_network", &ftpsd_policy_network},
    {"filter_session", &ftpsd_policy_session},
};
const size_t sandbox_gen_count = ARRAY_LEN(sandbox_gen_filters);
const char sandbox_gen_source[] = "ftpsd/sandbox_policy.c";
