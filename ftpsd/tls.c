/* tls: libtls set-up for ftpsd.  One long-lived server context serves the
 * control connection and every data connection, so a data connection can
 * resume the control session; whether the linked libtls can resume at all
 * is probed, never assumed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <tls.h>

#include "algo/algo.h"
#include "ftpsd.h"
#include "log/log.h"

static int cfg_fail(struct ftp_session *s, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what,
		 s->tlscfg ? tls_config_error(s->tlscfg) : "out of memory");
	return 0;
}

/* One random ticket key for this connection, made before the fork: the
 * network process (control connection) and the session process (data
 * connections) share it, so a ticket from one is accepted by the other,
 * and it dies with the connection.  libtls stops rotating keys then. */
static int tls_ticket_key(struct ftp_session *s, struct tls_config *c, char *err, size_t errlen)
{
	unsigned char key[TLS_TICKET_KEY_SIZE];
	int r;
	algo_random(key, sizeof key);
	r = tls_config_add_ticket_key(c, 1, key, sizeof key);
	algo_wipe(key, sizeof key);
	return r < 0 ? cfg_fail(s, err, errlen, "TLS session ticket key") : 1;
}

static int tls_config_fill(struct ftp_session *s, struct tls_config *c, char *err, size_t errlen)
{
	uint32_t protos;
	const struct conf_value *v = s->cf;
	if (tls_config_parse_protocols(&protos, v[FC_TLS_PROTOCOLS].str) < 0) {
		snprintf(err, errlen, "FTPSD_TLS_PROTOCOLS=%s: not a protocol list",
			 v[FC_TLS_PROTOCOLS].str);
		return 0;
	}
	if (tls_config_set_protocols(c, protos) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_PROTOCOLS");
	if (tls_config_set_ciphers(c, v[FC_TLS_CIPHERS].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_CIPHERS");
	if (tls_config_set_ecdhecurves(c, v[FC_TLS_ECDHE_CURVES].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_ECDHE_CURVES");
	if (tls_config_set_dheparams(c, v[FC_TLS_DHE_PARAMS].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_DHE_PARAMS");
	tls_config_prefer_ciphers_server(c);
	if (tls_config_set_cert_file(c, v[FC_TLS_CERT].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_CERT");
	if (tls_config_set_key_file(c, v[FC_TLS_KEY].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_KEY");
	if (*v[FC_TLS_OCSP_STAPLE].str &&
	    tls_config_set_ocsp_staple_file(c, v[FC_TLS_OCSP_STAPLE].str) < 0)
		return cfg_fail(s, err, errlen, "FTPSD_TLS_OCSP_STAPLE");
	if (tls_config_set_alpn(c, "ftp") < 0) return cfg_fail(s, err, errlen, "ALPN");
	if (v[FC_TLS_SESSION_LIFETIME].num) {
		if (v[FC_TLS_SESSION_LIFETIME].num < 4) {
			snprintf(err, errlen,
				 "FTPSD_TLS_SESSION_LIFETIME=%s: 0 or 4..86400 seconds",
				 v[FC_TLS_SESSION_LIFETIME].str);
			return 0;
		}
		if (tls_config_set_session_lifetime(c, (int)v[FC_TLS_SESSION_LIFETIME].num) < 0)
			return cfg_fail(s, err, errlen, "FTPSD_TLS_SESSION_LIFETIME");
		if (!tls_ticket_key(s, c, err, errlen)) return 0;
	}
	const char *verify = v[FC_TLS_VERIFY_CLIENT].str;
	if (strcmp(verify, "off")) {
		if (!*v[FC_TLS_CA_FILE].str && !*v[FC_TLS_CA_DIR].str) {
			snprintf(err, errlen,
				 "FTPSD_TLS_VERIFY_CLIENT=%s needs FTPSD_TLS_CA_FILE or "
				 "FTPSD_TLS_CA_DIR",
				 verify);
			return 0;
		}
		if (*v[FC_TLS_CA_FILE].str && tls_config_set_ca_file(c, v[FC_TLS_CA_FILE].str) < 0)
			return cfg_fail(s, err, errlen, "FTPSD_TLS_CA_FILE");
		if (*v[FC_TLS_CA_DIR].str && tls_config_set_ca_path(c, v[FC_TLS_CA_DIR].str) < 0)
			return cfg_fail(s, err, errlen, "FTPSD_TLS_CA_DIR");
		if (!ftp_crl_configure(c, v[FC_TLS_CRL_FILE].str, v[FC_TLS_CRL_DIR].str, &s->crl,
				       err, errlen))
			return 0;
		if (tls_config_set_verify_depth(c, (int)v[FC_TLS_VERIFY_DEPTH].num) < 0)
			return cfg_fail(s, err, errlen, "FTPSD_TLS_VERIFY_DEPTH");
		if (!strcmp(verify, "required"))
			tls_config_verify_client(c);
		else
			tls_config_verify_client_optional(c);
	}
	return 1;
}

/* OpenSSL 3 sends TLS 1.3 session tickets even when libtls has sessions
 * off.  A client that never reads its upload data connection (curl) then
 * closes it with the ticket unread, the kernel sends RST, and the tail of
 * the upload is lost.  libtls has no knob for the ticket count, so when
 * tickets are not wanted, OpenSSL's own configuration sets NumTickets = 0
 * for every SSL_CTX before libtls creates one.  It also refuses TLS 1.2
 * renegotiation (a CPU sink a client could start).  LibreSSL sends no TLS 1.3
 * tickets and needs none of this. */
void ftp_tls_openssl_conf(const struct ftp_session *s)
{
#ifndef LIBRESSL_VERSION_NUMBER
	static int done; /* OpenSSL reads its configuration once per process */
	if (done) return;
	done = 1;
	char cnf[512];
	int n = snprintf(cnf, sizeof cnf,
			 "openssl_conf = ftpsd_init\n[ftpsd_init]\nssl_conf = ftpsd_ssl\n"
			 "[ftpsd_ssl]\nsystem_default = ftpsd_sys\n[ftpsd_sys]\n"
			 "Options = NoRenegotiation,ServerPreference\n"
			 "Ciphersuites = TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
			 "TLS_AES_256_GCM_SHA384\n%s",
			 s->cf[FC_TLS_SESSION_LIFETIME].num ? "" : "NumTickets = 0\n");
	if (n <= 0 || (size_t)n >= sizeof cnf || getenv("OPENSSL_CONF")) return;
	int fd = memfd_create("ftpsd-openssl.cnf", MFD_CLOEXEC);
	if (fd < 0) return;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (write(fd, cnf, (size_t)n) == n && setenv("OPENSSL_CONF", path, 1) == 0) {
		OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
		unsetenv("OPENSSL_CONF");
	}
	close(fd);
#endif
}

/* libretls loads every OpenSSL error text, 3700 of them in a hash table:
 * some 120 KiB of heap and 0.4 ms of CPU per connection (README,
 * Benchmark).  A serving process loads libssl's only, which say what went
 * wrong in a TLS handshake or record; a libcrypto error, rare once the
 * configuration has been checked, is logged by its code (in words by
 * `ftpsd -t`, which loads them all, or `openssl errstr CODE`). */
void ftp_tls_lean_errors(void)
{
#ifdef OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
#endif
}

int ftp_tls_setup(struct ftp_session *s, char *err, size_t errlen)
{
	if (s->tls_ready) return 1;
	ftp_tls_openssl_conf(s);
	if (tls_init() < 0) {
		snprintf(err, errlen, "tls_init failed");
		return 0;
	}
	s->tlscfg = tls_config_new();
	if (!s->tlscfg) return cfg_fail(s, err, errlen, "tls_config_new");
	if (!tls_config_fill(s, s->tlscfg, err, errlen)) return 0;
	s->tls_srv = tls_server();
	if (!s->tls_srv) {
		snprintf(err, errlen, "tls_server: out of memory");
		return 0;
	}
	if (tls_configure(s->tls_srv, s->tlscfg) < 0) {
		snprintf(err, errlen, "TLS configuration: %s", tls_error(s->tls_srv));
		return 0;
	}
	ftp_crl_blob_free(&s->crl); /* libtls keeps its own copy */
	s->tls_ready = 1;
	return 1;
}

int ftp_tls_handshake(struct ftp_session *s, struct tls *ctx, int fd, int64_t deadline_ms)
{
	for (;;) {
		int r = tls_handshake(ctx);
		if (r == 0) return 1;
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			/* libtls puts why a client certificate failed verification
			 * (revoked, chain too long ...) on the server context */
			const char *why = tls_error(ctx);
			const char *cert =
			    why && strstr(why, "certificate verify failed") && s->tls_srv
				? tls_error(s->tls_srv)
				: NULL;
			log_info("TLS handshake: %s%s%s", why ? why : "failed", cert ? "; " : "",
				 cert ? cert : "");
			return 0;
		}
		if (!ftp_wait_fd(fd, r == TLS_WANT_POLLIN ? POLLIN : POLLOUT, deadline_ms)) {
			log_info("TLS handshake timed out");
			return 0;
		}
	}
}

const unsigned char *ftp_tls_peer_chain(struct ftp_session *s, size_t *len)
{
	if (!s->tls || !tls_peer_cert_provided(s->tls)) return NULL;
	return tls_peer_cert_chain_pem(s->tls, len);
}

int ftp_tls_start_ctrl(struct ftp_session *s)
{
	if (!s->tls_ready) {
		log_error("%s", s->tls_err);
		return 0;
	}
	if (tls_accept_fds(s->tls_srv, &s->tls, s->fd_in, s->fd_out) < 0) {
		log_error("tls_accept_fds: %s", tls_error(s->tls_srv));
		return 0;
	}
	int64_t deadline = ftp_now_ms() + (int64_t)s->cf[FC_DATA_TIMEOUT].num * 1000;
	if (s->login_deadline_ms && s->login_deadline_ms < deadline)
		deadline = s->login_deadline_ms;
	if (!ftp_tls_handshake(s, s->tls, s->fd_in, deadline)) ftp_exit(s, EXIT_PEER);
	log_info("TLS %s %s on control connection", tls_conn_version(s->tls),
		 tls_conn_cipher(s->tls));
	snprintf(s->tls_version, sizeof s->tls_version, "%s", tls_conn_version(s->tls));
	s->ctrl_protected = 1;
	return 1;
}

/* Drives a client and a server handshake over a socketpair in this process. */
static int probe_pair(struct ftp_session *s, struct tls_config *ccfg, int *resumed)
{
	int sv[2], ok = 0;
	struct tls *cli = NULL, *srv = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) return 0;
	cli = tls_client();
	if (!cli || tls_configure(cli, ccfg) < 0 || tls_connect_socket(cli, sv[0], "localhost") < 0)
		goto out;
	if (tls_accept_socket(s->tls_srv, &srv, sv[1]) < 0) goto out;
	int cdone = 0, sdone = 0;
	for (int i = 0; i < 200 && !(cdone && sdone); i++) {
		if (!cdone) {
			int r = tls_handshake(cli);
			if (r == 0)
				cdone = 1;
			else if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
				goto out;
		}
		if (!sdone) {
			int r = tls_handshake(srv);
			if (r == 0)
				sdone = 1;
			else if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
				goto out;
		}
	}
	if (!(cdone && sdone)) goto out;
	/* let the client take in post-handshake tickets (TLS 1.3) */
	char b;
	if (tls_write(srv, "x", 1) != 1) goto out;
	for (int i = 0; i < 20; i++)
		if (tls_read(cli, &b, 1) == 1) break;
	*resumed = tls_conn_session_resumed(srv);
	ok = 1;
out:
	if (srv) {
		tls_close(srv);
		tls_free(srv);
	}
	if (cli) {
		tls_close(cli);
		tls_free(cli);
	}
	close(sv[0]);
	close(sv[1]);
	return ok;
}

int ftp_tls_probe_resumption(struct ftp_session *s)
{
	int works = 0, r1 = 0, r2 = 0;
	if (!s->tls_ready || !s->cf[FC_TLS_SESSION_LIFETIME].num) return 0;
	struct tls_config *ccfg = tls_config_new();
	int mfd = memfd_create("ftpsd-probe", MFD_CLOEXEC);
	if (!ccfg || mfd < 0) goto out;
	tls_config_insecure_noverifycert(ccfg);
	tls_config_insecure_noverifyname(ccfg);
	uint32_t protos;
	if (tls_config_parse_protocols(&protos, s->cf[FC_TLS_PROTOCOLS].str) == 0)
		tls_config_set_protocols(ccfg, protos);
	if (tls_config_set_session_fd(ccfg, mfd) < 0) goto out;
	if (probe_pair(s, ccfg, &r1) && probe_pair(s, ccfg, &r2)) works = r2;
out:
	if (ccfg) tls_config_free(ccfg);
	if (mfd >= 0) close(mfd);
	return works;
}

void ftp_tls_check_resumption(struct ftp_session *s)
{
	if (!s->resume_checked && s->tls_ready && s->cf[FC_TLS_REQUIRE_REUSE].num)
		s->resume_works = ftp_tls_probe_resumption(s);
	s->resume_checked = 1;
}

int ftp_tls_resume_works(struct ftp_session *s)
{
	if (!s->resume_works && !s->resume_warned && s->cf[FC_TLS_REQUIRE_REUSE].num) {
		s->resume_warned = 1;
		log_warn("TLS session reuse on data connections NOT enforced: the linked libtls "
			 "does not resume sessions%s; data connections are accepted only from the "
			 "client's address",
			 s->cf[FC_TLS_SESSION_LIFETIME].num ? ""
							    : " (FTPSD_TLS_SESSION_LIFETIME=0)");
	}
	return s->resume_checked && s->resume_works;
}

/* CCC: close TLS on the control connection, keep the TCP connection. */
void ftp_tls_ccc(struct ftp_session *s)
{
	int64_t deadline = ftp_now_ms() + 5000;
	int r;
	while ((r = tls_close(s->tls)) == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)
		if (!ftp_wait_fd(r == TLS_WANT_POLLIN ? s->fd_in : s->fd_out,
				 r == TLS_WANT_POLLIN ? POLLIN : POLLOUT, deadline))
			break;
	tls_free(s->tls);
	s->tls = NULL;
	s->ctrl_protected = 0;
	/* swallow the client's close_notify record, if it sends one */
	unsigned char hdr[5];
	if (ftp_wait_fd(s->fd_in, POLLIN, ftp_now_ms() + 1000) &&
	    recv(s->fd_in, hdr, sizeof hdr, MSG_PEEK) == (ssize_t)sizeof hdr &&
	    (hdr[0] == 0x15 || hdr[0] == 0x17) && hdr[1] == 3) {
		size_t n = sizeof hdr + ((size_t)hdr[3] << 8 | hdr[4]);
		char junk[512];
		while (n) {
			ssize_t k = recv(s->fd_in, junk, n < sizeof junk ? n : sizeof junk, 0);
			if (k <= 0) {
				if (k < 0 && errno == EAGAIN &&
				    ftp_wait_fd(s->fd_in, POLLIN, deadline))
					continue;
				break;
			}
			n -= (size_t)k;
		}
	}
}
