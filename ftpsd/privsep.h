/* privsep: the processes of one connection (see privsep.c). */
#ifndef FTPSD_PRIVSEP_H
#define FTPSD_PRIVSEP_H

#include <sys/types.h>
#include "ftpsd.h"
#include "monitor.h"
#include "priv/priv.h"

/* Forks the network process, which confines itself and serves s until a
 * login.  Returns the monitor's end of their socket, or -1. */
int ftp_privsep_fork_network(struct ftp_session *s, const struct priv_sep *ids, pid_t *child);
/* Answers the network process until a login is accepted and handed over;
 * exits when it ends first, breaks the protocol or the login timeout
 * passes. */
void ftp_privsep_monitor(struct ftp_monitor *m, pid_t child);
/* The monitor becomes the session process: confinement, sandbox, the
 * login reply, then the command loop.  Never returns. */
__attribute__((noreturn)) void ftp_privsep_become_session(struct ftp_session *s,
							  struct ftp_monitor *m);

#endif
