/* priv: process hardening and dropping privileges. */
#ifndef SLUICE_PRIV_H
#define SLUICE_PRIV_H

#include <sys/types.h>

/* No core dumps, not ptrace-able (PR_SET_DUMPABLE 0). */
int priv_harden(void);
/* Limits file size/open files etc. are left to the operator; this only
 * sets PR_SET_NO_NEW_PRIVS. */
int priv_no_new_privs(void);
/* When root: setgroups (initgroups for user when non-NULL, else only gid),
 * setgid, setuid, then checks that root cannot be regained.  When not root:
 * does nothing and returns 1.  0 + errno on failure. */
int priv_drop(uid_t uid, gid_t gid, const char *user);
int priv_is_root(void);

#endif
