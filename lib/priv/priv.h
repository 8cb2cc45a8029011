/* priv: process hardening and dropping privileges. */
#ifndef SLUICE_PRIV_H
#define SLUICE_PRIV_H

#include <stddef.h>
#include <sys/types.h>
#include "base/base.h"

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
/* Stores n groups given by the caller (a policy's groups=) for a later
 * priv_drop(uid, gid, user), as priv_groups_load would.  0 + EMSGSIZE
 * over PRIV_MAX_GROUPS. */
int priv_groups_set(const char *user, uid_t uid, gid_t gid, const gid_t *list, int n);
/* Called by fs_root_open after chroot(): from then on, no NSS. */
void priv_note_chroot(void);

/* Privilege separation: the unprivileged account and the empty directory
 * that the processes talking to the client before login run as and in. */
struct priv_sep {
	int as_root; /* 0: no chroot and no uid switch, only limits and sandboxes */
	uid_t uid;
	gid_t gid;
	char dir[SLUICE_MAX_PATH];
};

/* Looks up user (when root) and makes sure dir is an empty-looking
 * directory owned by root and writable by no one else, creating it (mode
 * 0555, its parent 0755) when missing.  what names the settings in err
 * ("SFTPD_PRIVSEP").  1, or 0 with a message in err. */
int priv_sep_prepare(const char *user, const char *dir, const char *what, struct priv_sep *ids,
		     char *err, size_t errlen);
/* Names the process (prctl), then as root chroots to ids->dir and becomes
 * ids->uid/gid for good; then no forks (RLIMIT_NPROC 0), no core dumps,
 * not ptrace-able.  The sandbox is the caller's last step.  0 + errno. */
int priv_sep_confine(const struct priv_sep *ids, const char *procname);

/* priv_pages_note, before a sandbox closes /proc: remembers where the
 * stack is mapped; priv_pages_release: hands back the resident pages of the
 * code and read-only data of everything loaded (found from the program
 * headers when called), the dead stack and the free heap (for a process
 * that will sit idle: what it uses again faults back in). */
void priv_pages_note(void);
void priv_pages_release(void);
/* All the code loaded mapped in at once, for a process about to run much
 * of it (start-up, a key exchange, a TLS handshake); priv_pages_release
 * hands it back later. */
void priv_pages_map_code(void);
/* The whole pages inside [p, p + n), a buffer whose bytes are no longer
 * needed, go back to the kernel; they read as zeros when touched again. */
void priv_pages_discard(void *p, size_t n);

/* One record of a SOCK_SEQPACKET socket between the processes of one
 * connection: reads at most cap bytes, waiting at most timeout_ms (-1:
 * forever).  Its length; 0 at end of file; -1 with errno (EMSGSIZE over
 * cap, ETIMEDOUT, or the system's). */
long priv_record_recv(int fd, unsigned char *buf, size_t cap, int timeout_ms);
/* Sends one record whole; 0 + errno. */
int priv_record_send(int fd, const unsigned char *rec, size_t len);

#endif
