/* privsep: the processes of one FTP connection and what confines each.
 *
 *   monitor (as executed; root): configuration, TLS certificate and key,
 *       account sources; forks, then answers login requests only
 *     --fork--> network process (FTPSD_PRIVSEP_USER, chroot to the empty
 *       FTPSD_PRIVSEP_DIR, rlimits, seccomp): owns the control connection
 *       and its TLS session for the whole connection and parses every
 *       command before login
 *   after a login the monitor accepted, the monitor becomes the session
 *   process (the account's ids and root, its own seccomp list); the network
 *   process relays the decrypted control channel to it over their socket
 *   (FM_DATA records); data connections and their TLS are the session's.
 *
 * libtls cannot move a TLS session to another process, hence the relay.
 * Both children inherit the TLS context the monitor configured, with one
 * ticket key per connection, so data connections can resume the control
 * session across the two processes.  Without root, chroot and the uid
 * switch are skipped; limits and sandboxes still apply. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <tls.h>

#include "cmd.h"
#include "log/log.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "privsep.h"
#include "sandbox/sandbox.h"
#include "wire/wire.h"
#include "filters.h"

#define NETWORK_NOFILE 4    /* 0, 1, 2 and the monitor socket; poll needs nfds <= it */
#define LOGIN_MARGIN_SECS 5 /* the monitor's own deadline, after the network process's */
#define RELAY_FLUSH_SECS 10 /* for the last replies once the session process is gone */

/* The socket a SIGSYS report goes to (the handler can reach no other state). */
static int report_fd = -1;

static void report_violation(long nr)
{
	unsigned char rec[5] = {FM_VIOLATION, (unsigned char)(nr >> 24), (unsigned char)(nr >> 16),
				(unsigned char)(nr >> 8), (unsigned char)nr};
	if (report_fd >= 0) send(report_fd, rec, sizeof rec, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void sandbox_or_die(const unsigned char *bpf, size_t len, const char *role)
{
	if (!sandbox_load(bpf, len, report_violation))
		log_die(EXIT_SYSTEM, "unable to install the %s sandbox: %s", role, strerror(errno));
}

/* A test build makes one forbidden call right after a sandbox is loaded:
 * 1 in the network process, 2 in the session process. */
static void test_forbidden_call(int role)
{
#ifdef FTPSD_TEST_FORBIDDEN_SYSCALL
	static char *const argv[] = {"sh", NULL};
	if (role == FTPSD_TEST_FORBIDDEN_SYSCALL) execve("/bin/sh", argv, argv + 1);
#else
	(void)role;
#endif
}

/* --- the network process ---------------------------------------------- */

void ftp_privsep_ask(struct ftp_session *s, const unsigned char *req, size_t len, int *accepted,
		     int *last)
{
	unsigned char r[8];
	long n;
	if (!priv_record_send(s->mon, req, len)) log_die(EXIT_SYSTEM, "the monitor is gone");
	n = priv_record_recv(s->mon, r, sizeof r, -1);
	if (n != 3 || r[0] != FM_ANSWER || r[1] > 1 || r[2] > 1)
		log_die(EXIT_SYSTEM, "no answer from the monitor");
	*accepted = r[1];
	*last = r[2];
}

/* Behind a load balancer: the PROXY header before the greeting (or the
 * implicit TLS handshake), read exactly, and the client it names told to
 * the monitor as the first request (FM_PROXY). */
static void read_proxy_header(struct ftp_session *s)
{
	struct peer client;
	const char *why;

	if (!peer_proxy_forward(s->fd_in, s->proxy_versions,
				(int)s->cf[FC_LOGIN_TIMEOUT].num * 1000, s->mon, FM_PROXY, &client,
				&why)) {
		if (!why) log_die(EXIT_SYSTEM, "unable to tell the monitor: %s", strerror(errno));
		log_error("PROXY protocol: from %s: %s; closed", s->peer.text, why);
		exit(EXIT_PEER);
	}
	if (!client.addr.ss_family) return; /* the proxy speaks for itself */
	client.is_socket = s->peer.is_socket;
	s->peer = client;
	log_init("ftpsd", s->peer.text);
}

static void run_network(struct ftp_session *s, const struct priv_sep *ids, int fd)
{
	struct rlimit nofile = {NETWORK_NOFILE, NETWORK_NOFILE};
	s->mon = report_fd = fd;
	priv_pages_map_code(); /* a fork copies no page-table entry of code */
	if (!priv_sep_confine(ids, "ftpsd-net") || setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		log_die(EXIT_SYSTEM, "unable to confine the network process: %s", strerror(errno));
	sandbox_or_die(filter_network, sizeof filter_network, "network");
	test_forbidden_call(1);
	if (s->proxy_versions) read_proxy_header(s);
	ftp_serve(s);
}

int ftp_privsep_fork_network(struct ftp_session *s, const struct priv_sep *ids, pid_t *child)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
	*child = fork();
	if (*child < 0) return -1;
	if (*child == 0) {
		close(sv[0]);
		run_network(s, ids, sv[1]);
	}
	close(sv[1]);
	return sv[0];
}

/* --- the relay (network process, after login) -------------------------- */

/* Client I/O, clear or TLS: >0 bytes, 0 end, -1 error, -2 wait for *ev. */
static ssize_t client_io(struct ftp_session *s, void *p, size_t n, int writing, short *ev)
{
	ssize_t r;
	if (s->tls) {
		r = writing ? tls_write(s->tls, p, n) : tls_read(s->tls, p, n);
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			*ev = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
			return -2;
		}
		if (r < 0) log_info("control connection: %s", tls_error(s->tls));
		return r < 0 ? -1 : r;
	}
	r = writing ? write(s->fd_out, p, n) : read(s->fd_in, p, n);
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		*ev = writing ? POLLOUT : POLLIN;
		return -2;
	}
	if (r < 0) log_info("control connection: %s", strerror(errno));
	return r;
}

/* What goes to the client: replies, and CCC's reply before TLS ends. */
struct relay_down {
	unsigned char buf[FM_DATA_MAX];
	size_t len, off;
	int ccc; /* end TLS once buf is out */
};

/* Takes one record from the session process: 1 taken, 0 none yet, -1 the
 * session process is gone (or broke the protocol: said why). */
static int relay_take(struct ftp_session *s, struct relay_down *d)
{
	unsigned char rec[1 + FM_DATA_MAX + 8];
	char name[64];
	ssize_t n = recv(s->mon, rec, sizeof rec, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
	if (n <= 0) return -1;
	if ((size_t)n <= 1 + FM_DATA_MAX && (rec[0] == FM_DATA || rec[0] == FM_CCC) &&
	    (n > 1 || rec[0] == FM_CCC) && (rec[0] != FM_CCC || s->tls)) {
		memcpy(d->buf, rec + 1, (size_t)n - 1);
		d->len = (size_t)n - 1;
		d->off = 0;
		d->ccc = rec[0] == FM_CCC;
		return 1;
	}
	if (rec[0] == FM_VIOLATION && n == 5) {
		long nr = (long)((uint32_t)rec[1] << 24 | (uint32_t)rec[2] << 16 |
				 (uint32_t)rec[3] << 8 | rec[4]);
		log_error("session process: forbidden system call %s; connection closed",
			  sandbox_syscall_name(nr, name, sizeof name));
	} else {
		log_error("session process: unexpected record %u; connection closed", rec[0]);
	}
	return -1;
}

/* The session process is gone: the replies already taken go out, within a
 * deadline, then the connection ends. */
static __attribute__((noreturn)) void relay_end(struct ftp_session *s, struct relay_down *d)
{
	int64_t deadline = ftp_now_ms() + RELAY_FLUSH_SECS * 1000;
	while (d->off < d->len) {
		short ev = POLLOUT;
		ssize_t w = client_io(s, d->buf + d->off, d->len - d->off, 1, &ev);
		if (w > 0)
			d->off += (size_t)w;
		else if (w != -2 || !ftp_wait_fd(ev == POLLIN ? s->fd_in : s->fd_out, ev, deadline))
			break;
	}
	ftp_exit(s, EXIT_OK);
}

static __attribute__((noreturn)) void relay_run(struct ftp_session *s)
{
	static struct relay_down d;
	unsigned char up[1 + FM_DATA_MAX];
	size_t up_len = 0;

	for (;;) {
		short want_in = 0, want_out = 0, ev;
		int mon_in = 0, mon_out = 0, progress;
		do {
			progress = 0;
			want_in = want_out = 0;
			mon_in = mon_out = 0;
			if (d.off < d.len) {
				ssize_t w = client_io(s, d.buf + d.off, d.len - d.off, 1, &ev);
				if (w > 0) {
					d.off += (size_t)w;
					progress = 1;
				} else if (w == -2) {
					*(ev == POLLIN ? &want_in : &want_out) |= ev;
				} else {
					ftp_exit(s, EXIT_OK);
				}
			}
			if (d.off == d.len && d.ccc) {
				d.ccc = 0;
				ftp_tls_ccc(s);
				log_info("CCC: control channel now clear");
				progress = 1;
			}
			if (d.off == d.len) {
				int t = relay_take(s, &d);
				if (t < 0) relay_end(s, &d);
				if (t > 0) progress = 1;
				if (t == 0) mon_in = 1;
			}
			if (!up_len) {
				ssize_t r = client_io(s, up + 1, FM_DATA_MAX, 0, &ev);
				if (r > 0) {
					up_len = (size_t)r;
					progress = 1;
				} else if (r == -2) {
					*(ev == POLLIN ? &want_in : &want_out) |= ev;
				} else {
					ftp_exit(s, EXIT_OK); /* the client is gone */
				}
			}
			if (up_len) {
				up[0] = FM_DATA;
				ssize_t w =
				    send(s->mon, up, up_len + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
				if (w == (ssize_t)(up_len + 1)) {
					sodium_memzero(up, up_len + 1);
					up_len = 0;
					progress = 1;
				} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
					mon_out = 1;
				} else {
					relay_end(s, &d);
				}
			}
		} while (progress);
		struct pollfd p[3] = {
		    {s->fd_in, want_in, 0},
		    {s->fd_out, want_out, 0},
		    {s->mon, (short)((mon_in ? POLLIN : 0) | (mon_out ? POLLOUT : 0)), 0}};
		if (poll(p, 3, -1) < 0 && errno != EINTR) ftp_exit(s, EXIT_SYSTEM);
	}
}

void ftp_privsep_hand_over(struct ftp_session *s)
{
	static unsigned char rec[64 + FM_TLS_VERSION_MAX + FTP_MAX_LINE + 2];
	struct wire_out w;
	const char *v = s->ctrl_protected ? s->tls_version : "";

	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, FM_HANDOVER);
	wire_put_u8(&w, (uint8_t) !!s->ctrl_protected);
	wire_put_string(&w, v, strlen(v));
	wire_put_u8(&w, (uint8_t) !!s->pbsz);
	wire_put_u8(&w, (uint8_t) !!s->prot_p);
	wire_put_u32(&w, s->mlst_facts);
	wire_put_u8(&w, (uint8_t) !!s->lb.discarding);
	wire_put_u8(&w, (uint8_t) !!s->lb.iac);
	wire_put_string(&w, s->lb.buf, s->lb.len);
	if (w.bad || !priv_record_send(s->mon, rec, w.len))
		log_die(EXIT_SYSTEM, "unable to hand over: %s", strerror(errno));
	sodium_memzero(rec, w.len);
	sodium_memzero(&s->lb, sizeof s->lb);
	sodium_memzero(s->pending, sizeof s->pending);
	priv_pages_release();
	relay_run(s);
}

/* --- the monitor ------------------------------------------------------- */

/* Kills the network process, says why, and ends. */
static __attribute__((noreturn)) void give_up(struct ftp_monitor *m, pid_t child, const char *who)
{
	char name[64];
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

/* The network process ended on its own: end with its status. */
static __attribute__((noreturn)) void child_ended(pid_t child)
{
	int st = 0;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st)) exit(WEXITSTATUS(st));
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		log_error("network process: killed by the sandbox (forbidden system call)");
	else if (WIFSIGNALED(st))
		log_error("network process: killed by signal %d", WTERMSIG(st));
	exit(EXIT_PEER);
}

void ftp_privsep_monitor(struct ftp_monitor *m, pid_t child)
{
	static unsigned char rec[FM_RECORD_MAX];
	int64_t deadline =
	    ftp_now_ms() + ((int64_t)m->cf[FC_LOGIN_TIMEOUT].num + LOGIN_MARGIN_SECS) * 1000;
	size_t used = 0;

	while (m->state != FM_HANDED_OVER) {
		int64_t left = deadline - ftp_now_ms();
		long n = priv_record_recv(m->fd, rec, sizeof rec, left > 0 ? (int)left : 0);
		if (n == 0) child_ended(child);
		if (n < 0 && errno == ETIMEDOUT) {
			snprintf(m->why, sizeof m->why, "login timeout exceeded");
			give_up(m, child, "monitor");
		}
		if (n < 0) {
			snprintf(m->why, sizeof m->why, "%s", strerror(errno));
			give_up(m, child, "network process");
		}
		if ((size_t)n > used) used = (size_t)n;
		if (!ftp_mon_request(m, rec, (size_t)n)) give_up(m, child, "network process");
	}
	sodium_memzero(rec, used);
}

/* --- the session process ------------------------------------------------ */

static const char *how_text(enum ftp_mon_how how)
{
	return how == FM_HOW_CERT	 ? "client certificate"
	       : how == FM_HOW_ANONYMOUS ? "anonymous"
					 : "password";
}

/* The account's tls=: required refuses a login on a clear control channel
 * whatever FTPSD_TLS_REQUIRED says; optional, with
 * FTPSD_TLS_ALLOW_PER_USER, lifts FTPSD_TLS_REQUIRED for the session.
 * With per-user exemptions allowed the network process took USER and PASS
 * in clear, so the global requirement for login is checked here. */
static void session_tls_policy(struct ftp_session *s, const struct ftp_monitor *m)
{
	const struct account_policy *p = &m->account.policy;
	int exempt =
	    s->cf[FC_TLS_ALLOW_PER_USER].num && (p->keys & ACCOUNT_POL_TLS) && p->tls_optional;
	const char *why = 0;

	if ((p->keys & ACCOUNT_POL_TLS) && !p->tls_optional && !m->ctrl_protected)
		why = "its policy says tls=required";
	else if (!exempt && !m->ctrl_protected &&
		 (s->policy & (FTP_TLS_REQ_CTRL | FTP_TLS_REQ_AUTH)))
		why = "FTPSD_TLS_REQUIRED and no tls=optional exemption";
	if (why) {
		log_warn("login %s refused: %s, and the control channel is clear", s->user, why);
		ftp_reply(s, 530, "TLS required for this account: use AUTH TLS first");
		exit(EXIT_PEER);
	}
	if (exempt && (s->policy & (FTP_TLS_REQ_CTRL | FTP_TLS_REQ_AUTH | FTP_TLS_REQ_DATA))) {
		log_info("login %s: exempt from FTPSD_TLS_REQUIRED (tls=optional)", s->user);
		s->policy &= ~(unsigned)(FTP_TLS_REQ_CTRL | FTP_TLS_REQ_AUTH | FTP_TLS_REQ_DATA);
	}
}

/* FTPSD_PAM_SERVICE: the session is opened as root, here, and closed by a
 * keeper that serves nothing and reads nothing from the network. */
static void open_pam_session(struct ftp_session *s, struct ftp_monitor *m)
{
	pid_t pid;

	if (!login_pam_started() || m->how == FM_HOW_ANONYMOUS) return;
	if (!login_pam_open_session()) {
		ftp_reply(s, 421, "Login failed: server error");
		exit(EXIT_PEER);
	}
	pid = login_pam_fork_keeper();
	if (pid < 0) log_die(EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid > 0) return;
	ftp_mon_free(m);
	login_pam_keep("ftpsd-pam");
}

void ftp_privsep_become_session(struct ftp_session *s, struct ftp_monitor *m)
{
	struct login_place place;
	struct rlimit zero = {0, 0};
	char err[SLUICE_MAX_PATH + 128];
	int anon = m->how == FM_HOW_ANONYMOUS;
	const char *pattern = anon ? s->cf[FC_ANON_ROOT].str : s->cf[FC_ROOT].str;

	priv_pages_note();
	ftp_xferlog_open(s);
	if (m->proxied) { /* the client the PROXY header named */
		m->client.is_socket = s->peer.is_socket;
		s->peer = m->client;
	}
	s->relay = 1;
	s->fd_in = s->fd_out = report_fd = m->fd;
	fcntl(m->fd, F_SETFL, fcntl(m->fd, F_GETFL) | O_NONBLOCK);
	memcpy(s->user, m->user, sizeof s->user);
	s->anonymous = anon;
	session_tls_policy(s, m);
	s->pol = m->account.policy;
	s->max_upload = s->cf[FC_MAX_UPLOAD_BYTES].num;
	if ((s->pol.keys & ACCOUNT_POL_MAXSIZE) &&
	    (!s->max_upload || s->pol.maxsize < s->max_upload))
		s->max_upload = s->pol.maxsize;
	login_set_strict_modes((int)s->cf[FC_STRICT_MODES].num);
	open_pam_session(s, m);
	if (!login_confine(&m->account, pattern, (mode_t)s->cf[FC_UMASK].num, &s->root, &place, err,
			   sizeof err)) {
		int refused = errno == EACCES;
		log_error("login %s: %s", s->user, err);
		ftp_reply(s, 421, "Login failed: server error");
		exit(refused ? EXIT_PEER : EXIT_SYSTEM);
	}
	prctl(PR_SET_NAME, "ftpsd-session", 0, 0, 0);
	if (setrlimit(RLIMIT_NPROC, &zero) < 0 || !priv_harden())
		log_die(EXIT_SYSTEM, "unable to set limits: %s", strerror(errno));
	sandbox_or_die(filter_session, sizeof filter_session, "session");
	test_forbidden_call(2);
	s->ctrl_protected = m->ctrl_protected;
	memcpy(s->tls_version, m->tls_version, sizeof s->tls_version);
	s->pbsz = m->pbsz;
	s->prot_p = m->prot_p;
	s->mlst_facts = m->mlst_facts;
	s->lb = m->lb;
	s->logged_in = 1;
	log_info("login %s (%s) control %s, confined to %s%s as %u:%u", s->user, how_text(m->how),
		 ftp_tls_version(s), place.dir, place.chrooted ? " (chroot)" : "",
		 (unsigned)m->account.uid, (unsigned)m->account.gid);
	ftp_reply(s, m->how == FM_HOW_CERT ? 232 : 230, "User %s logged in%s", s->user,
		  anon ? ", read-only" : "");
	ftp_mon_free(m);
	/* The login's code and heap go back once the session is quiet
	 * (ftp_privsep_idle), not now: its first commands would fault back
	 * in much of the code. */
	s->busy_pages = 1;
	ftp_serve(s);
}

void ftp_privsep_idle(struct ftp_session *s)
{
	if (!s->relay || !s->busy_pages || s->has_pending || s->lb.len || s->rin_off < s->rin_len)
		return;
	if (ftp_wait_fd(s->fd_in, POLLIN, ftp_now_ms() + FTP_IDLE_RELEASE_MS)) return;
	priv_pages_release();
	s->busy_pages = 0;
}

void ftp_privsep_ccc(struct ftp_session *s, const char *reply)
{
	unsigned char rec[1 + 128];
	size_t n = strlen(reply);
	if (n > sizeof rec - 1) n = sizeof rec - 1;
	rec[0] = FM_CCC;
	memcpy(rec + 1, reply, n);
	if (!priv_record_send(s->fd_out, rec, n + 1)) _exit(EXIT_PEER);
	s->ctrl_protected = 0;
}
