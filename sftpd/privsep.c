/* privsep: the processes of one connection and what confines each.
 *
 *   monitor (as executed; root)  --fork-->  network child (privsep account,
 *       empty chroot, rlimits, seccomp): transport and userauth
 *   after the hand-over:
 *   monitor --fork--> signer (privsep account, empty chroot, seccomp):
 *       host keys only, signs rekey hashes for the session process
 *   monitor becomes the session process (the account's ids, its root,
 *       seccomp)
 *
 * The network child is forked before the host private keys are read, so
 * they are never in its memory; the session process frees its copy before
 * it reads a byte.  The signer is the child because a fresh child maps only
 * the pages it touches: the other way round, it kept every page of the
 * monitor's start-up mapped, and its copy of each one the session later
 * wrote.  Without root, chroot and the uid switch are skipped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log/log.h"
#include "login/login_pam.h"
#include "monitor.h"
#include "peer/peer.h"
#include "priv/priv.h"
#include "privsep.h"
#include "sandbox/sandbox.h"
#include "filters.h"

#define NETWORK_NOFILE 4 /* 0, 1, 2 and the monitor socket; poll needs nfds <= it */

/* The socket a SIGSYS report goes to (the handler can reach no other state). */
static int report_fd = -1;

/* --- sandboxes --------------------------------------------------------- */

/* Each role's seccomp filter, compiled at build time from
 * sandbox_policy.c (which lists the system calls and why) by gen_filters. */

/* sftpd -S has no monitor: the report goes to stderr, number only. */
static void report_to_stderr(long nr)
{
	char line[64] = "sftpd: forbidden system call ";
	size_t n = strlen(line), start = n;
	unsigned long v = (unsigned long)nr;
	do
		line[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof line - 2);
	for (size_t i = start, j = n - 1; i < j; i++, j--) {
		char c = line[i];
		line[i] = line[j];
		line[j] = c;
	}
	line[n++] = '\n';
	if (write(2, line, n) < 0) return;
}

static void report_violation(long nr)
{
	unsigned char rec[5] = {MON_VIOLATION, (unsigned char)(nr >> 24), (unsigned char)(nr >> 16),
				(unsigned char)(nr >> 8), (unsigned char)nr};
	if (report_fd >= 0) send(report_fd, rec, sizeof rec, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void sandbox_or_die(const unsigned char *bpf, size_t len, const char *role)
{
	if (!sandbox_load(bpf, len, report_violation))
		log_die(EXIT_SYSTEM, "unable to install the %s sandbox: %s", role, strerror(errno));
}

/* --- the privsep account and directory --------------------------------- */

int privsep_prepare(const struct conf_value *cf, struct priv_sep *ids)
{
	char err[SLUICE_MAX_PATH + 256];
	if (priv_sep_prepare(cf[CF_PRIVSEP_USER].str, cf[CF_PRIVSEP_DIR].str, "SFTPD_PRIVSEP", ids,
			     err, sizeof err))
		return 1;
	log_error("%s", err);
	return 0;
}

/* Chroot to the empty directory and become the privsep account (as root),
 * then the limits; the sandbox comes last, by the caller. */
static void confine_unprivileged(const struct priv_sep *ids, const char *name)
{
	if (!priv_sep_confine(ids, name))
		log_die(EXIT_SYSTEM, "unable to confine %s to %s as %u:%u: %s", name, ids->dir,
			(unsigned)ids->uid, (unsigned)ids->gid, strerror(errno));
}

/* --- the network child ------------------------------------------------- */

static void log_to_monitor(int prio, const char *line, size_t len)
{
	unsigned char rec[16 + LOG_LINE_MAX];
	struct wire_out w;
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_LOG);
	wire_put_u8(&w, (uint8_t)prio);
	wire_put_string(&w, line, len);
	if (!w.bad) priv_record_send(report_fd, rec, w.len);
}

/* The host public keys and the banner, from the monitor. */
static void receive_init(struct session *s, unsigned char *buf, size_t cap)
{
	long n = priv_record_recv(s->mon, buf, cap, -1);
	struct wire_in in;
	uint32_t count, len;
	const unsigned char *p;

	if (n <= 0) _exit(EXIT_SYSTEM); /* the monitor failed and said why */
	wire_in_init(&in, buf + 1, (size_t)n - 1);
	wire_get_u32(&in, &count);
	if (buf[0] != MON_INIT || count == 0 || count > SSH_MAX_HOST_KEYS)
		log_die(EXIT_BUG, "bad start message from the monitor");
	for (uint32_t i = 0; i < count; i++) {
		wire_get_string(&in, &p, &len);
		if (in.bad || !key_public_from_blob(&s->host_pub[i], p, len))
			log_die(EXIT_BUG, "bad host key from the monitor");
	}
	s->n_host_keys = count;
	wire_get_string(&in, &p, &len);
	if (!wire_done(&in) || len > MON_BANNER_MAX)
		log_die(EXIT_BUG, "bad start message from the monitor");
	s->banner = (const char *)p;
	s->banner_len = len;
}

/* Sends the transport state and unread input to the monitor, then ends. */
static void hand_over(struct session *s)
{
	unsigned char st[MON_STATE_MAX];
	struct wire_out w;

	wire_out_init(&w, st, sizeof st);
	if (!transport_export(s, &w))
		log_die(EXIT_BUG, "unable to export the transport state: %s", strerror(errno));
	if (!authority_handover(s->mon, st, w.len, buf_data(&s->t.rx), buf_used(&s->t.rx)))
		log_die(EXIT_SYSTEM, "unable to hand over: %s", strerror(errno));
	algo_wipe(st, sizeof st);
	_exit(EXIT_OK);
}

/* Behind a load balancer the connection starts with a PROXY header: read
 * here, in the sandbox, exactly (the version line after it stays unread),
 * and the client's address told to the monitor before anything else
 * (family 0: a LOCAL or UNKNOWN header, the proxy speaking for itself). */
static void read_proxy_header(struct session *s)
{
	struct peer client;
	const char *why;

	if (!peer_proxy_forward(0, s->proxy_versions, (int)s->cf[CF_LOGIN_GRACE_TIME].num * 1000,
				s->mon, MON_PROXY, &client, &why)) {
		if (!why) log_die(EXIT_SYSTEM, "unable to tell the monitor: %s", strerror(errno));
		log_error("PROXY protocol: from %s: %s; closed", s->peer, why);
		exit(EXIT_PEER);
	}
	if (client.addr.ss_family) log_init("sftpd", client.text);
}

static void run_network_child(struct session *s, const struct priv_sep *ids, int fd)
{
	static unsigned char init[MON_RECORD_MAX];
	struct rlimit nofile = {NETWORK_NOFILE, NETWORK_NOFILE}, zero = {0, 0};
	const char *v = kex_version_line();

	s->mon = report_fd = fd;
	s->until_auth = 1;
	/* All its lines go through the monitor: it can reach neither syslog
	 * nor, with RLIMIT_FSIZE 0, a log file on stderr. */
	log_set_sink(log_to_monitor);
	confine_unprivileged(ids, "sftpd-net");
	if (setrlimit(RLIMIT_FSIZE, &zero) < 0 || setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		log_die(EXIT_SYSTEM, "unable to set limits: %s", strerror(errno));
	sandbox_or_die(filter_network, sizeof filter_network, "network");
#ifdef SFTPD_TEST_FORBIDDEN_SYSCALL
	socket(AF_INET, SOCK_STREAM, 0); /* tests: the sandbox must stop this */
#endif
	receive_init(s, init, sizeof init);
	if (s->proxy_versions) read_proxy_header(s);
	/* Version line and first KEXINIT leave in one write, unless
	 * SFTPD_CLIENT_MATCH may change the offer: then KEXINIT waits for the
	 * client's version line (connection.c). */
	if (!buf_append(&s->t.tx, v, strlen(v)) ||
	    (!s->cf[CF_CLIENT_MATCH].str[0] && !kex_send_init(s)))
		log_die(EXIT_SYSTEM, "out of memory");
	connection_serve(s);
	hand_over(s);
}

int privsep_fork_network(struct session *s, const struct priv_sep *ids, pid_t *child)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
	*child = fork();
	if (*child < 0) return -1;
	if (*child == 0) {
		close(sv[0]);
		run_network_child(s, ids, sv[1]);
	}
	close(sv[1]);
	return sv[0];
}

int privsep_send_init(int fd, struct key_private *const *keys, unsigned n, const char *banner,
		      size_t banner_len)
{
	static unsigned char rec[MON_RECORD_MAX];
	struct wire_out w;
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_INIT);
	wire_put_u32(&w, n);
	for (unsigned i = 0; i < n; i++) {
		const struct key_public *k = key_private_public(keys[i]);
		wire_put_string(&w, k->blob, k->bloblen);
	}
	wire_put_string(&w, banner, banner_len);
	return !w.bad && priv_record_send(fd, rec, w.len);
}

/* --- the monitor's loops ----------------------------------------------- */

/* Kills the other process, says why, and ends. */
static void give_up(struct monitor *m, pid_t child, const char *who)
{
	char name[64];
	/* The session process runs under another uid than the signer, which
	 * then cannot kill it: closing the socket ends it at its next request
	 * (and at once when it waits for an answer). */
	close(m->fd);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, 0, 0);
	}
	if (m->violation >= 0)
		log_error("%s: forbidden system call %s; connection closed", who,
			  sandbox_syscall_name(m->violation, name, sizeof name));
	else
		log_error("%s: %s; connection closed", who, m->why);
	exit(EXIT_PEER);
}

/* The child ended on its own: end with its status. */
static void child_ended(pid_t child, const char *who)
{
	int st = 0;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st)) exit(WEXITSTATUS(st));
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		log_error("%s: killed by the sandbox (forbidden system call)", who);
	else if (WIFSIGNALED(st))
		log_error("%s: killed by signal %d", who, WTERMSIG(st));
	exit(EXIT_PEER);
}

void privsep_monitor(struct monitor *m, pid_t child)
{
	static unsigned char rec[MON_RECORD_MAX];
	time_t deadline = m->deadline;
	size_t used = 0; /* wiping only what records reached leaves the rest untouched */

	while (m->state != MON_HANDED_OVER) {
		time_t now = time(0);
		long n = priv_record_recv(m->fd, rec, sizeof rec,
					  now >= deadline ? 0 : (int)(deadline - now) * 1000);
		if (n == 0) child_ended(child, "network child");
		if (n < 0 && errno == ETIMEDOUT) {
			snprintf(m->why, sizeof m->why, "login grace time exceeded");
			give_up(m, child, "monitor");
		}
		if (n < 0) {
			snprintf(m->why, sizeof m->why, "%s", strerror(errno));
			give_up(m, child, "network child");
		}
		if ((size_t)n > used) used = (size_t)n;
		if (!monitor_request(m, rec, (size_t)n)) give_up(m, child, "network child");
	}
	algo_wipe(rec, used);
	/* The child ends after its last record; it has nothing more to say. */
	kill(child, SIGKILL);
	waitpid(child, 0, 0);
	close(m->fd);
}

void privsep_sandbox_sftp_only(void)
{
	if (!sandbox_load(filter_session, sizeof filter_session, report_to_stderr))
		log_die(EXIT_SYSTEM, "unable to install the session sandbox: %s", strerror(errno));
}

__attribute__((noreturn)) static void run_session(struct session *s, struct monitor *m,
						  struct key_private **keys, unsigned nkeys, int fd)
{
	for (unsigned i = 0; i < nkeys; i++) {
		s->host_pub[i] = *key_private_public(keys[i]);
		key_private_free(keys[i]);
		keys[i] = 0;
	}
	s->n_host_keys = nkeys;
	prctl(PR_SET_NAME, "sftpd-session", 0, 0, 0);
	s->mon = report_fd = fd;
	if (log_uses_syslog()) log_set_sink(log_to_monitor);
	memcpy(s->user, m->user, sizeof s->user);
	priv_pages_note(); /* /proc is out of sight after the chroot */
	session_confine(s, &m->account);
	session_limit_uploads(s);
	monitor_forget_account(m);
	sandbox_or_die(filter_session, sizeof filter_session, "session");
	s->authed = 1;
	if (!transport_import(s, m->handover, m->handover_len))
		log_die(EXIT_BUG, "bad transport state from the network child: %s",
			strerror(errno));
	if (!buf_append(&s->t.rx, m->input, m->input_len)) log_die(EXIT_SYSTEM, "out of memory");
	client_match_apply(s);
	monitor_free(m);
	/* The code of the key exchange, the login and the monitor, the heap
	 * and the stack they used go back once the session is quiet
	 * (connection.c), not now: its first requests would fault much of the
	 * code in again. */
	s->pages_busy = 1;
	s->last_activity = time(0);
	if (!hostkeys_announce(s)) log_die(EXIT_SYSTEM, "unable to send: %s", strerror(errno));
	connection_serve(s);
	log_die(EXIT_BUG, "the session's event loop returned");
}

/* The signer: host keys and nothing else, until the session hangs up. */
__attribute__((noreturn)) static void run_signer(struct monitor *m, const struct priv_sep *ids,
						 pid_t session, int fd)
{
	static unsigned char rec[MON_RECORD_MAX];

	monitor_forget_account(m);
	monitor_free(m);
	priv_pages_note();
	close(0);
	close(1);
	confine_unprivileged(ids, "sftpd-signer");
	/* The signer ends when the session does: the session holds the only
	 * other end of fd, so its death is an end of file here, read after the
	 * records it sent last (a violation report from its SIGSYS handler,
	 * which a parent-death signal would have cut off).  A session already
	 * gone before this point is seen the same way. */
	(void)session;
	report_fd = fd;
	sandbox_or_die(filter_signer, sizeof filter_signer, "signer");
	m->fd = fd;
	m->state = MON_SIGNER;
	/* It sleeps until a rekey: the heap it will never use again and the
	 * code it ran go back (every page it keeps that the session writes ends
	 * up counted twice). */
	priv_pages_release();
	for (;;) {
		long n = priv_record_recv(m->fd, rec, sizeof rec, -1);
		if (n == 0) _exit(0);
		if (n < 0) {
			snprintf(m->why, sizeof m->why, "%s", strerror(errno));
			give_up(m, 0, "session");
		}
		if (!monitor_request(m, rec, (size_t)n)) give_up(m, 0, "session");
	}
}

/* The monitor forks the signer and becomes the session process itself:
 * the pages it has touched stay its own, and the signer, a fresh child,
 * maps only what signing needs. */
/* SFTPD_PAM_SERVICE: the session is opened as root, here, and closed by a
 * keeper that holds nothing else (no host key, no account). */
static void open_pam_session(struct monitor *m, struct key_private **keys, unsigned nkeys)
{
	pid_t pid;

	if (!login_pam_started()) return;
	if (!login_pam_open_session()) exit(EXIT_PEER); /* as OpenSSH: the connection ends */
	pid = login_pam_fork_keeper();
	if (pid < 0) log_die(EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid > 0) return;
	for (unsigned i = 0; i < nkeys; i++)
		key_private_free(keys[i]);
	monitor_forget_account(m);
	monitor_free(m);
	login_pam_keep("sftpd-pam");
}

void privsep_start_session(struct session *s, struct monitor *m, struct key_private **keys,
			   unsigned nkeys, const struct priv_sep *ids)
{
	pid_t self = getpid(), pid;
	int sv[2];

	open_pam_session(m, keys, nkeys);
	monitor_forget_account(m); /* once, before the fork: shared by both */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		log_die(EXIT_SYSTEM, "socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) log_die(EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[1]);
		run_signer(m, ids, self, sv[0]);
	}
	close(sv[0]);
	run_session(s, m, keys, nkeys, sv[1]);
}
