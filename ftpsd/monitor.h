/* monitor: the protocol between ftpsd's privileged monitor and its network
 * process, and after login between the session process and the network
 * process (the same socket: the monitor becomes the session process).  One
 * message per SOCK_SEQPACKET record: a type byte, then fields in SSH wire
 * encoding (lib/wire).  The monitor trusts nothing it receives: every
 * request is a row of a table with the states it is allowed in and a size
 * ceiling, and it keeps its own count of failed logins. */
#ifndef FTPSD_MONITOR_H
#define FTPSD_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include "account/account.h"
#include "conf/conf.h"
#include "peer/peer.h"
#include "parse.h"

enum ftp_mon_type {
	/* from a SIGSYS handler, to the other process: u32 system call number */
	FM_VIOLATION = 1,
	/* network -> monitor: string user, string password -> FM_ANSWER */
	FM_PASSWORD,
	/* network -> monitor: string user, string the client's verified
	 * certificate chain (PEM) -> FM_ANSWER */
	FM_CERT_LOGIN,
	/* network -> monitor after an accepted login, then it relays:
	 * u8 control channel protected, string TLS version, u8 PBSZ done,
	 * u8 PROT P, u32 MLST facts, u8 line reader discarding, u8 inside an
	 * IAC sequence, string client input not yet taken as a line */
	FM_HANDOVER,
	/* monitor -> network: u8 accepted, u8 last (no attempt is left) */
	FM_ANSWER,
	/* after login, both ways: control channel bytes (1..FM_DATA_MAX) */
	FM_DATA,
	/* session -> network, no fields: end TLS on the control connection
	 * once the bytes sent before are out (CCC) */
	FM_CCC,
	/* network -> monitor, its first request with FTPSD_PROXY_PROTOCOL on:
	 * the client the PROXY header named (peer_proxy_put's record) */
	FM_PROXY,
};

enum ftp_mon_state {
	FM_PRELOGIN = 1 << 0,	 /* the network process talks to the client */
	FM_ACCEPTED = 1 << 1,	 /* a login succeeded; waiting for the hand-over */
	FM_HANDED_OVER = 1 << 2, /* the session process takes over */
};

#define FM_RECORD_MAX (48u << 10)
#define FM_DATA_MAX 4096
#define FM_CERT_MAX (32u << 10) /* PEM chain of a client certificate */
#define FM_TLS_VERSION_MAX 32
#define FM_MAX_CERT_TRIES 4 /* certificate logins tried per connection */

/* How the login was accepted. */
enum ftp_mon_how { FM_HOW_NONE, FM_HOW_PASSWORD, FM_HOW_ANONYMOUS, FM_HOW_CERT };

/* What the monitor knows and decides; the account's hash never leaves it. */
struct ftp_monitor {
	int fd;			       /* the socket to the network process */
	struct timespec attempt_start; /* a failed login is padded from here */
	const struct conf_value *cf;
	const struct peer *peer; /* the socket's peer, for the account's from= (behind a
				  * proxy: client, once FM_PROXY named it) */
	enum ftp_mon_state state;
	unsigned failures, cert_tries;
	/* the accepted login */
	enum ftp_mon_how how;
	char user[SLUICE_MAX_USERNAME + 1];
	struct account account;
	/* the hand-over */
	int ctrl_protected, pbsz, prot_p;
	char tls_version[FM_TLS_VERSION_MAX + 1];
	unsigned mlst_facts;
	struct ftp_linebuf lb;
	/* FTPSD_PROXY_PROTOCOL: FM_PROXY must come first; the client it named */
	int proxy_pending, proxied;
	struct peer client;
	/* set when a request is refused: why the monitor gives up */
	char why[160];
	long violation; /* system call number from FM_VIOLATION, -1 none */
};

/* Prepares m for a new connection in state FM_PRELOGIN. */
void ftp_mon_init(struct ftp_monitor *m, int fd, const struct conf_value *cf);
/* Handles one record read from m->fd and writes any reply to m->fd.
 * 1: carry on.  0: the peer broke the protocol or its sandbox (m->why says
 * how) or the reply could not be sent. */
int ftp_mon_request(struct ftp_monitor *m, const unsigned char *rec, size_t len);
void ftp_mon_free(struct ftp_monitor *m);

/* certmap.c: whether a client certificate chain logs in as user, checked
 * again in the monitor against FTPSD_TLS_CA_FILE / _CA_DIR / _CRL_FILE (the
 * network process's TLS stack is not trusted to have done it).  certval is
 * the account's cert= item (NULL when it has none): then the chain's
 * identity per FTPSD_TLS_USER_FROM_CERT (its CN, or one of its e-mail
 * subjectAltNames, the domain compared without case) must be exactly
 * certval; without it, the CN or the local part of the first e-mail
 * subjectAltName in FTPSD_TLS_USER_DOMAIN must be user.  1 with the
 * subject for the log; 0 + EPROTO (no certificate), EACCES (not verified),
 * ENOENT (it names someone else). */
int ftp_cert_names(const struct conf_value *cf, const unsigned char *pem, size_t len,
		   const char *user, const char *certval, char *subject, size_t subjcap);

#endif
