/* ftpsd: the session of one FTP control connection and the functions the
 * command handlers, the data channel and the TLS layer share. */
#ifndef FTPSD_FTPSD_H
#define FTPSD_FTPSD_H

#include <stdint.h>
#include <sys/socket.h>

#include "account/account.h"
#include "base/base.h"
#include "config.h"
#include "fs/fs.h"
#include "monitor.h"
#include "parse.h"
#include "peer/peer.h"
#include "tlsfiles.h"

#define FTP_REPLY_MAX 8192	    /* one buffered reply (multi-line flushed as it fills) */
#define FTP_XFER_CHUNK (128u << 10) /* bytes per read on the bulk path */

/* TLS policy bits from FTPSD_TLS_REQUIRED. */
enum ftp_tls_policy {
	FTP_TLS_REQ_CTRL = 1u << 0,   /* every command but a few needs TLS on control */
	FTP_TLS_REQ_AUTH = 1u << 1,   /* USER/PASS need TLS on control */
	FTP_TLS_REQ_DATA = 1u << 2,   /* transfers need PROT P */
	FTP_TLS_FORBID_DATA = 1u << 3 /* PROT P refused */
};

struct tls;
struct tls_config;

struct ftp_session {
	struct conf_value cf[FC_COUNT];
	struct peer peer;
	struct sockaddr_storage local;
	socklen_t locallen;
	int fd_in, fd_out;
	/* TLS */
	struct tls_config *tlscfg;
	struct tls *tls_srv; /* long-lived server context: control and data */
	struct tls *tls;     /* control connection, NULL when clear (network process) */
	int tls_ready;	     /* tls_srv configured (by the monitor, before the fork) */
	char tls_err[256];   /* why not, for the log when a client asks for TLS */
	int resume_checked, resume_works, resume_warned;
	/* the control channel is protected: TLS in the network process (the
	 * session process is told at the hand-over and by CCC) */
	int ctrl_protected;
	char tls_version[FM_TLS_VERSION_MAX + 1];
	unsigned policy;
	unsigned proxy_versions; /* FTPSD_PROXY_PROTOCOL: PEER_PROXY_V1/V2 bits, 0 off */
	struct peer_cidr proxy_trusted[PEER_CIDR_MAX];
	size_t n_proxy_trusted;
	int pbsz, prot_p;
	char cert_user[SLUICE_MAX_USERNAME + 1];
	struct ftp_crl_blob crl; /* read at start, until libtls has it (tlsfiles.c) */
	/* login */
	struct account_policy pol; /* the account's policy (users file), decided at login */
	uint64_t max_upload;	   /* FTPSD_MAX_UPLOAD_BYTES or the smaller maxsize=; 0 none */
	int logged_in, anonymous, have_user;
	char user[SLUICE_MAX_USERNAME + 1];
	struct account acct;
	unsigned login_failures;
	struct fs_root root;
	/* transfer parameters */
	char type; /* 'A' or 'I' */
	int mode_z;
	uint64_t rest;
	unsigned mlst_facts;
	char rnfr[SLUICE_MAX_PATH];
	int have_rnfr;
	int pasv_fd;
	uint8_t pasv_ip[4], tls_pasv_ip[4]; /* FTPSD_(TLS_)PASV_ADDRESS, resolved at start */
	struct ftp_hostport active;
	int have_active, epsv_all;
	unsigned pasv_lo, pasv_hi;
	/* privilege separation: the network process's socket to the monitor;
	 * in the session process, relay = 1 and fd_in = fd_out = its socket to
	 * the network process, which carries the control channel as FM_DATA */
	int mon;
	int relay;
	unsigned char rin[FM_DATA_MAX];
	size_t rin_len, rin_off;
	int busy_pages; /* login or transfer since the code pages were handed back */
	int xferlog_fd; /* FTPSD_XFERLOG, opened by the monitor, or -1 */
	/* control input */
	struct ftp_linebuf lb;
	char pending[FTP_MAX_LINE + 1];
	size_t pending_len;
	int has_pending;
	int64_t login_deadline_ms;
	int quit;
	/* the reply being built */
	char out[FTP_REPLY_MAX];
	size_t outlen;
	/* the transfer in progress (for STAT/ABOR) */
	uint64_t xfer_bytes;
	int in_xfer;
};

/* ctrl.c: control channel I/O */
int64_t ftp_now_ms(void);
/* poll(fd, events) until ready (1) or deadline (0 + ETIMEDOUT). */
int ftp_wait_fd(int fd, short events, int64_t deadline_ms);
void ftp_reply(struct ftp_session *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ftp_reply_begin(struct ftp_session *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ftp_reply_line(struct ftp_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ftp_reply_end(struct ftp_session *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ftp_reply_errno(struct ftp_session *s, int code, const char *what);
/* Next command line into s->pending (NUL-terminated), waiting until
 * deadline_ms (monotonic); exits on EOF, timeout or I/O failure. */
void ftp_ctrl_read_line(struct ftp_session *s, int64_t deadline_ms);
/* Reads what is available on the control channel without blocking;
 * 0 on EOF/error, 1 otherwise. */
int ftp_ctrl_poll_input(struct ftp_session *s);
/* 1 line in s->pending, 0 none yet, -1 a bad line was consumed and answered. */
int ftp_ctrl_take_line(struct ftp_session *s);
/* fd and events to poll for control input. */
void ftp_ctrl_pollfd(const struct ftp_session *s, int *fd, short *events);
__attribute__((noreturn)) void ftp_exit(struct ftp_session *s, int code);

/* tls.c */
/* The long-lived server context, in the monitor before the fork: both
 * processes inherit it, with one random ticket key per connection when
 * FTPSD_TLS_SESSION_LIFETIME is set, so that a data connection in the
 * session process can resume the control session of the network process. */
int ftp_tls_setup(struct ftp_session *s, char *err, size_t errlen);
/* Before ftp_tls_setup, in a process that serves a connection: libcrypto's
 * error texts are not loaded (libssl's are). */
void ftp_tls_lean_errors(void);
/* The client's certificate chain (PEM) when it sent one, else NULL. */
const unsigned char *ftp_tls_peer_chain(struct ftp_session *s, size_t *len);
int ftp_tls_start_ctrl(struct ftp_session *s);
int ftp_tls_handshake(struct ftp_session *s, struct tls *ctx, int fd, int64_t deadline_ms);
/* Monitor, after the fork: probes once whether the linked libtls resumes
 * sessions (when FTPSD_TLS_REQUIRE_REUSE), and says so in the log if not. */
void ftp_tls_check_resumption(struct ftp_session *s);
int ftp_tls_resume_works(struct ftp_session *s);
/* For -t: 1 if the linked libtls resumes sessions with this configuration. */
int ftp_tls_probe_resumption(struct ftp_session *s);
void ftp_tls_ccc(struct ftp_session *s);

/* privsep.c: the processes of one connection */
/* The network process's request to the monitor; exits when it cannot ask. */
void ftp_privsep_ask(struct ftp_session *s, const unsigned char *req, size_t len, int *accepted,
		     int *last);
/* After an accepted login: hands the state to the monitor and relays the
 * control channel to the session process until either end closes. */
__attribute__((noreturn)) void ftp_privsep_hand_over(struct ftp_session *s);
/* Session process, before it waits for a command: once no command has come
 * for FTP_IDLE_RELEASE_MS after the login or a transfer, it hands back the
 * code pages and free heap they used (an idle session keeps only what
 * waiting needs; the next transfer faults them back in). */
#define FTP_IDLE_RELEASE_MS 1000
void ftp_privsep_idle(struct ftp_session *s);
/* Session process: CCC's reply goes with the request to end TLS, so that
 * the network process sends it under TLS and then clears the channel. */
void ftp_privsep_ccc(struct ftp_session *s, const char *reply);
/* main.c: the command loop (network process before login, session process
 * after it); ends the process. */
__attribute__((noreturn)) void ftp_serve(struct ftp_session *s);

/* cmd.c */
void ftp_dispatch(struct ftp_session *s, const char *line, size_t len);
void ftp_cmd_feat(struct ftp_session *s, const char *arg);

/* data.c */
int ftp_data_pasv(struct ftp_session *s, int extended);
int ftp_data_active(struct ftp_session *s, const struct ftp_hostport *hp);
void ftp_data_reset(struct ftp_session *s);
/* Sends a file (fd >= 0) or a listing (list_path != NULL). */
/* path: the file as the client named it, for the transfer record */
void ftp_data_send_file(struct ftp_session *s, int fd, uint64_t offset, const char *path);
void ftp_data_send_list(struct ftp_session *s, const char *path, const char *pattern, int kind);
void ftp_data_send_mem(struct ftp_session *s, const char *p, size_t n);
void ftp_data_recv_file(struct ftp_session *s, int fd, uint64_t start, const char *name,
			const char *path);

/* xferlog.c: FTPSD_XFERLOG opened (before confinement), and the record of
 * one file transfer (the log's key=value line, the xferlog line). */
void ftp_xferlog_open(struct ftp_session *s);
void ftp_transfer_record(const struct ftp_session *s, const char *path, int upload, int ok,
			 unsigned long long bytes, double seconds);

/* list.c */
enum ftp_list_kind { FTP_LIST_LONG, FTP_LIST_NAMES, FTP_LIST_MLSD };
/* Formats one entry into buf (cap >= 2*SLUICE_MAX_PATH); returns length. */
size_t ftp_list_format(const struct ftp_session *s, int kind, const char *name,
		       const struct stat *st, char *buf, size_t cap);
size_t ftp_list_facts(const struct ftp_session *s, const char *name, const struct stat *st,
		      int is_cdir, char *buf, size_t cap);

/* settings.c: the checks at start that read files or resolve names */
/* FTPSD_PASV_ADDRESS and FTPSD_TLS_PASV_ADDRESS into s (a name resolved
 * once, the result logged); the TLS key is not encrypted; the CRLs of
 * FTPSD_TLS_CRL_FILE and FTPSD_TLS_CRL_DIR read into s->crl.  0 with a
 * message naming the variable otherwise. */
int ftp_settings_resolve(struct ftp_session *s, char *err, size_t errlen);
/* The IPv4 address that value, the text of FTPSD_PASV_ADDRESS or of
 * FTPSD_TLS_PASV_ADDRESS, resolved to at start. */
void ftp_pasv_resolved(const struct ftp_session *s, const char *value, uint8_t ip[4]);
/* tls.c: ftpsd's OpenSSL settings (no renegotiation, the TLS 1.3 suites,
 * no tickets unless FTPSD_TLS_SESSION_LIFETIME), loaded before the first
 * use of OpenSSL in the process, after which OpenSSL reads no more. */
void ftp_tls_openssl_conf(const struct ftp_session *s);

#endif
