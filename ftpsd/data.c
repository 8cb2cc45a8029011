/* data: data connections.  PASV/EPSV listen on a port from the range and
 * accept exactly one connection, only from the control connection's
 * address; PORT/EPRT connect only to the client's own address on a port
 * >= 1024.  PROT P data connections are TLS-accepted on the control
 * connection's long-lived server context. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>
#include <tls.h>

#include "cmd.h"
#include "data.h"
#include "log/log.h"

void ftp_data_reset(struct ftp_session *s)
{
	if (s->pasv_fd >= 0) close(s->pasv_fd);
	s->pasv_fd = -1;
	s->have_active = 0;
}

/* The IP bytes of a sockaddr (IPv4-mapped IPv6 as IPv4): family, 4 or 16 bytes. */
static int sa_ip(const struct sockaddr_storage *ss, uint8_t out[16])
{
	if (ss->ss_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return AF_INET;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, a->s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(out, a->s6_addr, 16);
		return AF_INET6;
	}
	return 0;
}

static int same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	uint8_t x[16], y[16];
	int fa = sa_ip(a, x), fb = sa_ip(b, y);
	return fa && fa == fb && !memcmp(x, y, fa == AF_INET ? 4 : 16);
}

static void sa_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static int pasv_listen(struct ftp_session *s)
{
	struct sockaddr_storage a = s->local;
	int fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	unsigned lo = s->pasv_lo, hi = s->pasv_hi;
	unsigned span = lo ? hi - lo + 1 : 1;
	unsigned start = lo ? randombytes_uniform(span) : 0;
	for (unsigned i = 0; i < span; i++) {
		sa_set_port(&a, lo ? lo + (start + i) % span : 0);
		if (bind(fd, (struct sockaddr *)&a, s->locallen) == 0 && listen(fd, 1) == 0) {
			socklen_t l = sizeof a;
			getsockname(fd, (struct sockaddr *)&a, &l);
			s->pasv_fd = fd;
			return ntohs(a.ss_family == AF_INET
					 ? ((struct sockaddr_in *)&a)->sin_port
					 : ((struct sockaddr_in6 *)&a)->sin6_port);
		}
		if (errno != EADDRINUSE) break;
	}
	close(fd);
	return -1;
}

void ftp_cmd_pasv(struct ftp_session *s, const char *arg)
{
	if (s->epsv_all) {
		ftp_reply(s, 501, "EPSV ALL in effect: use EPSV");
		return;
	}
	ftp_data_reset(s);
	uint8_t ip[16];
	const char *masq = s->ctrl_protected && *s->cf[FC_TLS_PASV_ADDRESS].str
			       ? s->cf[FC_TLS_PASV_ADDRESS].str
			       : s->cf[FC_PASV_ADDRESS].str;
	if (*masq) {
		ftp_pasv_resolved(s, masq, ip);
	} else if (sa_ip(&s->local, ip) != AF_INET) {
		ftp_reply(s, 522, "PASV needs IPv4: use EPSV");
		return;
	}
	int port = pasv_listen(s);
	if (port < 0) {
		log_error("passive listen: %s", strerror(errno));
		ftp_reply(s, 425, "No passive port available");
		return;
	}
	ftp_reply(s, 227, "Entering Passive Mode (%u,%u,%u,%u,%d,%d)", ip[0], ip[1], ip[2], ip[3],
		  port >> 8, port & 255);
}

void ftp_cmd_epsv(struct ftp_session *s, const char *arg)
{
	int what;
	if (!ftp_parse_epsv(arg, &what)) {
		ftp_reply(s, 522, "Network protocol not supported, use (1,2)");
		return;
	}
	if (what < 0) {
		s->epsv_all = 1;
		ftp_reply(s, 200, "EPSV ALL ok");
		return;
	}
	uint8_t ip[16];
	int fam = sa_ip(&s->local, ip);
	if (what && ((what == 1) != (fam == AF_INET))) {
		ftp_reply(s, 522, "Network protocol not supported, use (%d)",
			  fam == AF_INET ? 1 : 2);
		return;
	}
	ftp_data_reset(s);
	int port = pasv_listen(s);
	if (port < 0) {
		log_error("passive listen: %s", strerror(errno));
		ftp_reply(s, 425, "No passive port available");
		return;
	}
	ftp_reply(s, 229, "Entering Extended Passive Mode (|||%d|)", port);
}

/* Bounce protection: the address must be the client's own, port >= 1024. */
static void active_set(struct ftp_session *s, const struct ftp_hostport *hp)
{
	if (s->epsv_all) {
		ftp_reply(s, 501, "EPSV ALL in effect: use EPSV");
		return;
	}
	if (!s->cf[FC_ALLOW_ACTIVE].num) {
		ftp_reply(s, 502, "Active mode disabled: use PASV or EPSV");
		return;
	}
	uint8_t ip[16];
	int fam = sa_ip(&s->peer.addr, ip);
	if (!s->peer.is_socket || fam != hp->family ||
	    memcmp(ip, hp->addr, fam == AF_INET ? 4 : 16)) {
		log_warn("refused active data connection to a foreign address (bounce attempt)");
		ftp_reply(s, 504, "Refused: data address must be your own");
		return;
	}
	if (hp->port < 1024) {
		log_warn("refused active data connection to privileged port %u", hp->port);
		ftp_reply(s, 504, "Refused: data port must be 1024 or above");
		return;
	}
	ftp_data_reset(s);
	s->active = *hp;
	s->have_active = 1;
	ftp_reply(s, 200, "Active mode ok");
}

void ftp_cmd_port(struct ftp_session *s, const char *arg)
{
	struct ftp_hostport hp;
	if (!ftp_parse_port(arg, &hp)) {
		ftp_reply(s, 501, "Malformed PORT");
		return;
	}
	active_set(s, &hp);
}

void ftp_cmd_eprt(struct ftp_session *s, const char *arg)
{
	struct ftp_hostport hp;
	if (!ftp_parse_eprt(arg, &hp)) {
		ftp_reply(s, 501, "Malformed EPRT");
		return;
	}
	active_set(s, &hp);
}

static int accept_passive(struct ftp_session *s, int64_t deadline)
{
	for (;;) {
		if (!ftp_wait_fd(s->pasv_fd, POLLIN, deadline)) return -1;
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		int fd = accept4(s->pasv_fd, (struct sockaddr *)&from, &fl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) continue;
			return -1;
		}
		if (s->peer.is_socket && !same_ip(&from, &s->peer.addr)) {
			log_warn("refused data connection from a foreign address");
			close(fd);
			continue;
		}
		return fd;
	}
}

static int connect_active(struct ftp_session *s, int64_t deadline)
{
	struct sockaddr_storage to, from = s->local;
	memset(&to, 0, sizeof to);
	socklen_t tl;
	if (s->active.family == AF_INET && s->local.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&to;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, s->active.addr, 4);
		a->sin_port = htons(s->active.port);
		tl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
		a->sin6_family = AF_INET6;
		if (s->active.family == AF_INET) {
			a->sin6_addr.s6_addr[10] = a->sin6_addr.s6_addr[11] = 0xff;
			memcpy(a->sin6_addr.s6_addr + 12, s->active.addr, 4);
		} else {
			memcpy(a->sin6_addr.s6_addr, s->active.addr, 16);
		}
		a->sin6_port = htons(s->active.port);
		tl = sizeof *a;
	}
	int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	sa_set_port(&from, 0);
	if (from.ss_family == to.ss_family) bind(fd, (struct sockaddr *)&from, s->locallen);
	if (connect(fd, (struct sockaddr *)&to, tl) < 0 && errno != EINPROGRESS) goto fail;
	if (!ftp_wait_fd(fd, POLLOUT, deadline)) goto fail;
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
		errno = err ? err : errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int ftp_data_ready(struct ftp_session *s)
{
	if (s->pasv_fd < 0 && !s->have_active) {
		ftp_reply(s, 425, "Use PASV, EPSV, PORT or EPRT first");
		return 0;
	}
	if ((s->policy & FTP_TLS_REQ_DATA) && !s->prot_p) {
		ftp_reply(s, 522, "Data connections must be protected: use PROT P");
		return 0;
	}
	return 1;
}

int ftp_data_open(struct ftp_session *s, struct ftp_dconn *dc)
{
	int64_t deadline = ftp_now_ms() + (int64_t)s->cf[FC_DATA_TIMEOUT].num * 1000;
	dc->tls = NULL;
	dc->tb = NULL;
	dc->fd = s->pasv_fd >= 0 ? accept_passive(s, deadline) : connect_active(s, deadline);
	ftp_data_reset(s);
	if (dc->fd < 0) {
		log_info("data connection failed: %s", strerror(errno));
		ftp_reply(s, 425, "Cannot open data connection");
		return 0;
	}
	if (!s->prot_p) return 1;
	if (!s->tls_ready || !ftp_tlsbuf_accept(s, dc) || !ftp_data_handshake(dc, deadline)) {
		ftp_reply(s, 425, "TLS negotiation on the data connection failed");
		ftp_data_close(s, dc, 0);
		return 0;
	}
	int resumed = tls_conn_session_resumed(dc->tls);
	log_debug("data TLS %s, session %s", tls_conn_version(dc->tls),
		  resumed ? "resumed" : "new");
	if (!resumed && s->cf[FC_TLS_REQUIRE_REUSE].num && ftp_tls_resume_works(s)) {
		log_warn("refused data connection that did not resume the control TLS session");
		ftp_reply(s, 425, "TLS session of data connection not resumed");
		ftp_data_close(s, dc, 0);
		return 0;
	}
	return 1;
}

/* The TLS handshake on a data connection, flushing the batch buffer. */
int ftp_data_handshake(struct ftp_dconn *dc, int64_t deadline)
{
	for (;;) {
		int r = tls_handshake(dc->tls);
		if (!ftp_tlsbuf_drain(dc->tb, deadline)) return 0;
		if (r == 0) return 1;
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			log_info("TLS handshake on data connection: %s", tls_error(dc->tls));
			return 0;
		}
		if (!ftp_wait_fd(dc->fd, r == TLS_WANT_POLLIN ? POLLIN : POLLOUT, deadline)) {
			log_info("TLS handshake on data connection timed out");
			return 0;
		}
	}
}

void ftp_data_close(struct ftp_session *s, struct ftp_dconn *dc, int graceful)
{
	if (dc->tls) {
		if (graceful) {
			int64_t deadline = ftp_now_ms() + 5000;
			int r;
			ftp_tlsbuf_drain(dc->tb, deadline);
			while ((r = tls_close(dc->tls)) == TLS_WANT_POLLIN ||
			       r == TLS_WANT_POLLOUT) {
				ftp_tlsbuf_drain(dc->tb, deadline);
				if (!ftp_wait_fd(dc->fd, r == TLS_WANT_POLLIN ? POLLIN : POLLOUT,
						 deadline))
					break;
			}
			ftp_tlsbuf_drain(dc->tb, deadline);
		}
		tls_free(dc->tls);
		dc->tls = NULL;
	}
	free(dc->tb);
	dc->tb = NULL;
	if (dc->fd >= 0) {
		if (graceful) shutdown(dc->fd, SHUT_WR);
		close(dc->fd);
	}
	dc->fd = -1;
}
