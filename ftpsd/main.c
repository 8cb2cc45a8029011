/* main: ftpsd serves one FTP control connection on fds 0/1 (inetd style):
 * reads the FTPSD_* settings, then becomes the monitor of a
 * privilege-separated connection (privsep.c): an unprivileged network
 * process greets, speaks TLS and parses commands until a login the monitor
 * accepts; the monitor then becomes the confined session process.  -t
 * prints the effective settings and TLS facts; -M prints the man page
 * variable list. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "ftpsd.h"
#include "log/log.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "priv/priv.h"
#include "privsep.h"

extern char **environ;

static unsigned policy_bits(const char *p)
{
	static const struct {
		const char *name;
		unsigned bits;
	} map[] = {
	    {"off", 0},
	    {"on", FTP_TLS_REQ_CTRL | FTP_TLS_REQ_DATA},
	    {"ctrl", FTP_TLS_REQ_CTRL},
	    {"data", FTP_TLS_REQ_DATA},
	    {"auth", FTP_TLS_REQ_AUTH},
	    {"auth+data", FTP_TLS_REQ_AUTH | FTP_TLS_REQ_DATA},
	    {"ctrl+data", FTP_TLS_REQ_CTRL | FTP_TLS_REQ_DATA},
	    {"!data", FTP_TLS_FORBID_DATA},
	    {"ctrl+!data", FTP_TLS_REQ_CTRL | FTP_TLS_FORBID_DATA},
	    {"auth+!data", FTP_TLS_REQ_AUTH | FTP_TLS_FORBID_DATA},
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (!strcmp(map[i].name, p)) return map[i].bits;
	return 0;
}

static int check_settings(struct ftp_session *s, char *err, size_t errlen)
{
	const struct conf_value *v = s->cf;
	if (*v[FC_PASV_PORTS].str &&
	    !ftp_parse_port_range(v[FC_PASV_PORTS].str, &s->pasv_lo, &s->pasv_hi)) {
		snprintf(err, errlen,
			 "FTPSD_PASV_PORTS=%s: expected lo-hi with 1024 <= lo <= hi <= 65535",
			 v[FC_PASV_PORTS].str);
		return 0;
	}
	if (v[FC_ANONYMOUS].num && !*v[FC_ANON_ROOT].str) {
		snprintf(err, errlen, "FTPSD_ANONYMOUS=yes needs FTPSD_ANON_ROOT");
		return 0;
	}
	unsigned long long life = v[FC_TLS_SESSION_LIFETIME].num;
	if (life && life < 4) {
		snprintf(err, errlen, "FTPSD_TLS_SESSION_LIFETIME=%s: 0 or 4..86400",
			 v[FC_TLS_SESSION_LIFETIME].str);
		return 0;
	}
	const char *why;
	if (!peer_proxy_settings(v[FC_PROXY_PROTOCOL].str, v[FC_PROXY_TRUSTED].str,
				 &s->proxy_versions, s->proxy_trusted, &s->n_proxy_trusted, &why)) {
		snprintf(err, errlen, "FTPSD_PROXY_TRUSTED=%s: %s", v[FC_PROXY_TRUSTED].str, why);
		return 0;
	}
	if (v[FC_PAM_SERVICE].str[0] && v[FC_USERS_FILE].str[0]) {
		snprintf(err, errlen,
			 "FTPSD_PAM_SERVICE=%s: PAM serves system accounts; FTPSD_USERS_FILE must "
			 "be empty",
			 v[FC_PAM_SERVICE].str);
		return 0;
	}
	if (strcmp(v[FC_TLS_USER_FROM_CERT].str, "off") &&
	    !strcmp(v[FC_TLS_VERIFY_CLIENT].str, "off")) {
		snprintf(err, errlen,
			 "FTPSD_TLS_USER_FROM_CERT=%s needs FTPSD_TLS_VERIFY_CLIENT=optional or "
			 "required (a certificate nobody verified names nobody)",
			 v[FC_TLS_USER_FROM_CERT].str);
		return 0;
	}
	if (strchr(v[FC_TLS_USER_DOMAIN].str, '@')) {
		snprintf(err, errlen,
			 "FTPSD_TLS_USER_DOMAIN=%s: a mail domain, without @ (its addresses' "
			 "local parts are accounts)",
			 v[FC_TLS_USER_DOMAIN].str);
		return 0;
	}
	s->policy = policy_bits(v[FC_TLS_REQUIRED].str);
	int need_tls = s->policy & (FTP_TLS_REQ_CTRL | FTP_TLS_REQ_AUTH | FTP_TLS_REQ_DATA) ||
		       v[FC_IMPLICIT_TLS].num;
	if (need_tls &&
	    (access(v[FC_TLS_CERT].str, R_OK) < 0 || access(v[FC_TLS_KEY].str, R_OK) < 0)) {
		snprintf(err, errlen,
			 "FTPSD_TLS_REQUIRED=%s%s needs a readable FTPSD_TLS_CERT=%s and "
			 "FTPSD_TLS_KEY=%s",
			 v[FC_TLS_REQUIRED].str,
			 v[FC_IMPLICIT_TLS].num ? " / FTPSD_IMPLICIT_TLS=yes" : "",
			 v[FC_TLS_CERT].str, v[FC_TLS_KEY].str);
		return 0;
	}
	return ftp_settings_resolve(s, err, errlen);
}

static int print_test(struct ftp_session *s)
{
	char err[SLUICE_MAX_PATH + 256];
	struct priv_sep ids;
	conf_print(1, ftpsd_conf_table, FC_COUNT, s->cf);
	if (!priv_sep_prepare(s->cf[FC_PRIVSEP_USER].str, s->cf[FC_PRIVSEP_DIR].str,
			      "FTPSD_PRIVSEP", &ids, err, sizeof err)) {
		dprintf(2, "ftpsd: fatal: %s\n", err);
		return EXIT_USAGE;
	}
	if (ids.as_root)
		dprintf(1, "# privilege separation: network process as %s (%u:%u) in %s\n",
			s->cf[FC_PRIVSEP_USER].str, (unsigned)ids.uid, (unsigned)ids.gid, ids.dir);
	else
		dprintf(1, "# privilege separation: not root, so no chroot and no uid switch\n");
	if (!ftp_tls_setup(s, err, sizeof err)) {
		dprintf(1, "# TLS: NOT available: %s\n", err);
		return s->policy ? EXIT_USAGE : EXIT_OK;
	}
	dprintf(1, "# TLS: certificate and key ok\n");
	int works = ftp_tls_probe_resumption(s);
	if (works)
		dprintf(1,
			"# TLS session resumption: works; data connections %s resume the control "
			"session\n",
			s->cf[FC_TLS_REQUIRE_REUSE].num ? "MUST" : "need not");
	else
		dprintf(1,
			"# TLS session resumption: does NOT work with the linked libtls%s; "
			"FTPSD_TLS_REQUIRE_REUSE is NOT enforced (data connections are accepted "
			"only from "
			"the control connection's address)\n",
			s->cf[FC_TLS_SESSION_LIFETIME].num ? ""
							   : " (FTPSD_TLS_SESSION_LIFETIME=0)");
	return EXIT_OK;
}

static void session_init(struct ftp_session *s)
{
	memset(s, 0, sizeof *s);
	s->fd_in = 0;
	s->fd_out = 1;
	s->pasv_fd = -1;
	s->xferlog_fd = -1;
	s->type = 'A';
	s->mlst_facts = FTP_FACTS_DEFAULT;
	struct fs_root r = FS_ROOT_ZERO;
	s->root = r;
}

static void session_sockets(struct ftp_session *s)
{
	int one = 1;
	peer_describe(s->fd_in, &s->peer);
	s->locallen = sizeof s->local;
	if (getsockname(s->fd_in, (struct sockaddr *)&s->local, &s->locallen) < 0) s->locallen = 0;
	setsockopt(s->fd_in, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
	/* replies are written whole: Nagle would only hold them back for the
	 * client's delayed ACK (up to 200 ms per command) */
	if (peer_fd_is_tcp(s->fd_out))
		setsockopt(s->fd_out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(s->fd_in, F_SETFL, fcntl(s->fd_in, F_GETFL) | O_NONBLOCK);
	fcntl(s->fd_out, F_SETFL, fcntl(s->fd_out, F_GETFL) | O_NONBLOCK);
}

/* The network process greets (after implicit TLS); either process then
 * reads and dispatches commands until the connection ends. */
void ftp_serve(struct ftp_session *s)
{
	if (!s->logged_in) {
		if (s->cf[FC_IMPLICIT_TLS].num) {
			if (!ftp_tls_start_ctrl(s)) ftp_exit(s, EXIT_PEER);
			s->pbsz = 1;
			s->prot_p = !(s->policy & FTP_TLS_FORBID_DATA);
		}
		ftp_reply(s, 220, "%s", s->cf[FC_BANNER].str);
	}
	for (;;) {
		int64_t now = ftp_now_ms();
		int64_t deadline = now + (int64_t)s->cf[FC_IDLE_TIMEOUT].num * 1000;
		if (!s->logged_in && s->login_deadline_ms < deadline)
			deadline = s->login_deadline_ms;
		ftp_privsep_idle(s);
		ftp_ctrl_read_line(s, deadline);
		s->has_pending = 0;
		ftp_dispatch(s, s->pending, s->pending_len);
		sodium_memzero(s->pending, sizeof s->pending);
		if (s->quit) ftp_exit(s, EXIT_OK);
	}
}

/* The monitor no longer holds the control connection: its 0 and 1 (and 2
 * when that is the client socket, classic inetd) become /dev/null. */
static void monitor_drop_connection(pid_t child)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0) {
		kill(child, SIGKILL);
		log_die(EXIT_SYSTEM, "unable to open /dev/null: %s", strerror(errno));
	}
	dup2(null_fd, 0);
	dup2(null_fd, 1);
	if (log_uses_syslog()) dup2(null_fd, 2);
	if (null_fd > 2) close(null_fd);
}

/* The monitor: sets up TLS, forks the network process, answers it until a
 * login, then becomes the session process (privsep.c). */
static void serve_connection(struct ftp_session *s)
{
	struct priv_sep ids;
	struct ftp_monitor m;
	char err[SLUICE_MAX_PATH + 256];
	pid_t child;
	int fd;

	/* Behind a load balancer only a listed proxy may connect; its header
	 * is read by the network process (privsep.c), never here. */
	if (s->proxy_versions && !peer_cidr_match(s->proxy_trusted, s->n_proxy_trusted, &s->peer)) {
		log_error("PROXY protocol: connection from %s, which FTPSD_PROXY_TRUSTED does not "
			  "list; closed",
			  s->peer.text);
		exit(EXIT_PEER);
	}
	if (!priv_sep_prepare(s->cf[FC_PRIVSEP_USER].str, s->cf[FC_PRIVSEP_DIR].str,
			      "FTPSD_PRIVSEP", &ids, err, sizeof err)) {
		log_error("configuration: %s", err);
		ftp_reply(s, 421, "Service not available (configuration error)");
		exit(EXIT_USAGE);
	}
	if (!ids.as_root)
		log_info("not started as root: the network process keeps this uid and gets no "
			 "chroot (limits and sandboxes still apply)");
	priv_pages_note();
	priv_pages_map_code(); /* OpenSSL's set-up runs much of it */
	ftp_tls_lean_errors();
	/* Before the fork: both processes use this context and its ticket key. */
	s->tls_ready = ftp_tls_setup(s, s->tls_err, sizeof s->tls_err);
	s->login_deadline_ms = ftp_now_ms() + (int64_t)s->cf[FC_LOGIN_TIMEOUT].num * 1000;
	/* behind a proxy the monitor says it once it knows the client */
	if (!s->proxy_versions) log_info("connect");
	fd = ftp_privsep_fork_network(s, &ids, &child);
	if (fd < 0)
		log_die(EXIT_SYSTEM, "unable to start the network process: %s", strerror(errno));
	monitor_drop_connection(child);
	ftp_tls_check_resumption(s);
	/* System accounts: an unknown name must cost what a wrong password
	 * costs against their hashes (yescrypt, sha512crypt), not argon2id's. */
	if (!s->cf[FC_USERS_FILE].str[0]) account_system_dummy();
	ftp_mon_init(&m, fd, s->cf);
	m.peer = &s->peer;
	ftp_privsep_monitor(&m, child);
	ftp_privsep_become_session(s, &m);
}

int main(int argc, char **argv)
{
	static struct ftp_session sess;
	struct ftp_session *s = &sess;
	char err[512];
	int test = 0;
	session_init(s);
	if (argc > 1) {
		if (!strcmp(argv[1], "-t"))
			test = 1;
		else if (!strcmp(argv[1], "-M")) {
			conf_print_mdoc(1, ftpsd_conf_table, FC_COUNT);
			return EXIT_OK;
		} else {
			dprintf(2, "usage: ftpsd [-t | -M]\n");
			return EXIT_USAGE;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (!test) session_sockets(s);
	log_init("ftpsd", test ? "-t" : s->peer.text);
	if (sodium_init() < 0) log_die(EXIT_SYSTEM, "sodium_init failed");
	if (!conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, s->cf, environ, err, sizeof err) ||
	    !check_settings(s, err, sizeof err)) {
		if (test) {
			dprintf(2, "ftpsd: fatal: %s\n", err);
			return EXIT_USAGE;
		}
		log_error("configuration: %s", err);
		ftp_reply(s, 421, "Service not available (configuration error)");
		return EXIT_USAGE;
	}
	log_set_debug(!strcmp(s->cf[FC_LOG_LEVEL].str, "debug"));
	if (test && !login_users_file_check("FTPSD_USERS_FILE", s->cf[FC_USERS_FILE].str))
		return EXIT_USAGE;
	if (test && s->cf[FC_PAM_SERVICE].str[0] &&
	    !login_pam_ready(s->cf[FC_PAM_SERVICE].str, err, sizeof err)) {
		dprintf(2, "ftpsd: fatal: FTPSD_PAM_SERVICE=%s: %s\n", s->cf[FC_PAM_SERVICE].str,
			err);
		return EXIT_USAGE;
	}
	if (test) return print_test(s);
	priv_harden();
	serve_connection(s);
	return EXIT_OK;
}
