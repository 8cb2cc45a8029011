/* data: one data connection (clear or TLS) and the transfer engine. */
#ifndef FTPSD_DATA_H
#define FTPSD_DATA_H

#include "ftpsd.h"

#define FTP_TLSBUF_BYTES (256u << 10)

/* Batching buffers between libtls and a data socket (tlsbuf.c). */
struct ftp_tlsbuf {
	int fd;
	size_t rlen, roff, wlen, woff;
	char r[FTP_TLSBUF_BYTES];
	char w[FTP_TLSBUF_BYTES];
};

struct ftp_dconn {
	int fd;
	struct tls *tls;
	struct ftp_tlsbuf *tb; /* with tls */
};

/* TLS server side of dc->fd through the batching callbacks. */
int ftp_tlsbuf_accept(struct ftp_session *s, struct ftp_dconn *dc);
/* Writes what is buffered: 1 all out, 0 socket full, -1 error. */
int ftp_tlsbuf_flush(struct ftp_tlsbuf *tb);
int ftp_tlsbuf_pending(const struct ftp_tlsbuf *tb);
/* Flushes, waiting for the socket until deadline: 1 done, 0 not. */
int ftp_tlsbuf_drain(struct ftp_tlsbuf *tb, int64_t deadline_ms);

/* 1 if a data connection was prepared (PASV/PORT) and policy allows a
 * transfer; otherwise replies 425/522. */
int ftp_data_ready(struct ftp_session *s);
/* Accepts or connects, then TLS when PROT P; replies 425 on failure. */
int ftp_data_open(struct ftp_session *s, struct ftp_dconn *dc);
int ftp_data_handshake(struct ftp_dconn *dc, int64_t deadline);
void ftp_data_close(struct ftp_session *s, struct ftp_dconn *dc, int graceful);

#endif
