/* priv.c: process hardening (no core dumps, not ptrace-able, no new
 * privileges through exec) and dropping root for good: groups, gid, uid,
 * then a check that root cannot be taken back. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "priv/priv.h"

int priv_harden(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return 0;
	if (setrlimit(RLIMIT_CORE, &rl) < 0) return 0;
	return 1;
}

int priv_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
}

int priv_is_root(void)
{
	return geteuid() == 0;
}

/* Supplementary groups: the user's from the system database when it has
 * an entry, else only gid. */
static int priv_set_groups(gid_t gid, const char *user)
{
	if (user) {
		errno = 0;
		if (getpwnam(user)) return initgroups(user, gid) == 0;
	}
	return setgroups(1, &gid) == 0;
}

/* 1 if every id is the target and root (uid and gid 0) cannot come back. */
static int priv_check_dropped(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0) return 0;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) return (errno = EPERM, 0);
	if (setuid(0) == 0 || seteuid(0) == 0) return (errno = EPERM, 0);
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0)) return (errno = EPERM, 0);
	return 1;
}

int priv_drop(uid_t uid, gid_t gid, const char *user)
{
	if (!priv_is_root()) return 1;
	if (uid == 0 || uid == (uid_t)-1 || gid == (gid_t)-1) return (errno = EINVAL, 0);
	if (!priv_set_groups(gid, user)) return 0;
	if (setresgid(gid, gid, gid) < 0) return 0;
	if (setresuid(uid, uid, uid) < 0) return 0;
	return priv_check_dropped(uid, gid);
}
