/* data: one data connection (clear or TLS) and the transfer engine. */
#ifndef FTPSD_DATA_H
#define FTPSD_DATA_H

#include "ftpsd.h"

struct ftp_dconn {
	int fd;
	struct tls *tls;
};

/* 1 if a data connection was prepared (PASV/PORT) and policy allows a
 * transfer; otherwise replies 425/522. */
int ftp_data_ready(struct ftp_session *s);
/* Accepts or connects, then TLS when PROT P; replies 425 on failure. */
int ftp_data_open(struct ftp_session *s, struct ftp_dconn *dc);
void ftp_data_close(struct ftp_session *s, struct ftp_dconn *dc, int graceful);

#endif
