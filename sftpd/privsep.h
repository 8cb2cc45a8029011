/* privsep: the processes of one connection (see privsep.c). */
#ifndef SFTPD_PRIVSEP_H
#define SFTPD_PRIVSEP_H

#include <sys/types.h>
#include "monitor.h"
#include "priv/priv.h"
#include "ssh/ssh.h"

/* Looks up SFTPD_PRIVSEP_USER and makes sure SFTPD_PRIVSEP_DIR is an empty
 * root-owned directory (creating it when missing).  0 after logging why. */
int privsep_prepare(const struct conf_value *cf, struct priv_sep *ids);
/* Forks the network child, which confines itself and serves s until
 * authentication.  Returns the monitor's end of their socket, or -1. */
int privsep_fork_network(struct session *s, const struct priv_sep *ids, pid_t *child);
/* The first message to the network child: host public keys and banner. */
int privsep_send_init(int fd, struct key_private *const *keys, unsigned n, const char *banner,
		      size_t banner_len);
/* Answers the network child until it hands the transport over; exits when
 * it ends first or breaks the protocol. */
void privsep_monitor(struct monitor *m, pid_t child);
/* Forks the session process and becomes the signer.  Never returns. */
void privsep_start_session(struct session *s, struct monitor *m, struct key_private **keys,
			   unsigned nkeys, const struct priv_sep *ids) __attribute__((noreturn));
/* sftpd -S: the session process's system calls, reported on stderr. */
void privsep_sandbox_sftp_only(void);

#endif
