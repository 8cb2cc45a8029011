/* main: ftpsd serves one FTP control connection on fds 0/1 (inetd style):
 * reads FTPSD_* settings, optionally starts implicit TLS, greets, then runs
 * one command loop with login and idle deadlines.  -t prints the effective
 * settings and TLS facts; -M prints the man page variable list. */
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
#include "priv/priv.h"

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
	char err[512];
	conf_print(1, ftpsd_conf_table, FC_COUNT, s->cf);
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

static void session_loop(struct ftp_session *s)
{
	for (;;) {
		int64_t now = ftp_now_ms();
		int64_t deadline = now + (int64_t)s->cf[FC_IDLE_TIMEOUT].num * 1000;
		if (!s->logged_in && s->login_deadline_ms < deadline)
			deadline = s->login_deadline_ms;
		ftp_ctrl_read_line(s, deadline);
		s->has_pending = 0;
		ftp_dispatch(s, s->pending, s->pending_len);
		sodium_memzero(s->pending, sizeof s->pending);
		if (s->quit) ftp_exit(s, EXIT_OK);
	}
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
	if (test) return print_test(s);
	priv_harden();
	s->login_deadline_ms = ftp_now_ms() + (int64_t)s->cf[FC_LOGIN_TIMEOUT].num * 1000;
	if (s->cf[FC_IMPLICIT_TLS].num) {
		if (!ftp_tls_start_ctrl(s)) return EXIT_PEER;
		s->pbsz = 1;
		s->prot_p = !(s->policy & FTP_TLS_FORBID_DATA);
	}
	log_info("connect%s", s->tls ? " (implicit TLS)" : "");
	ftp_reply(s, 220, "%s", s->cf[FC_BANNER].str);
	session_loop(s);
	return EXIT_OK;
}
