/* priv: process hardening and dropping privileges. */
#ifndef SLUICE_PRIV_H
#define SLUICE_PRIV_H

#include <sys/types.h>

/* No core dumps, not ptrace-able (PR_SET_DUMPABLE 0). */
int priv_harden(void);
/* Limits file size/open files etc. are left to the operator; this only
 * sets PR_SET_NO_NEW_PRIVS. */
int priv_no_new_privs(void);
/* When root: setgroups (the groups of user when non-NULL and its passwd
 * entry has this uid, see priv_groups_load; else only gid),
 * setgid, setuid, then checks that root cannot be regained.  When not root:
 * does nothing and returns 1.  0 + errno on failure. */
int priv_drop(uid_t uid, gid_t gid, const char *user);
int priv_is_root(void);

/* Additions. */

#define PRIV_MAX_GROUPS 1024

/* The user's groups come from the name service (NSS), which after chroot()
 * would read files, and load libraries, from inside the client's root: a
 * way to root.  So priv_drop asks NSS only before any chroot; after it,
 * it uses what priv_groups_load stored, or only gid.  Both servers drop
 * after fs_root_open(.., do_chroot=1), so call priv_groups_load first
 * when the account needs its supplementary groups. */

/* Stores user's groups (getgrouplist) for a later priv_drop(uid, gid,
 * user).  Only if the passwd entry of user has this uid: 0 + ENOENT
 * otherwise; 0 + EMSGSIZE over PRIV_MAX_GROUPS. */
int priv_groups_load(const char *user, uid_t uid, gid_t gid);
/* Called by fs_root_open after chroot(): from then on, no NSS. */
void priv_note_chroot(void);

#endif
