/* priv.c: process hardening (no core dumps, not ptrace-able, no new
 * privileges through exec) and dropping root for good: groups, gid, uid,
 * then a check that root cannot be taken back.  The name service is never
 * asked after chroot (see priv.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "base/base.h"
#include "priv/priv.h"

int priv_harden(void)
{
	struct rlimit rl = {0, 0};

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

static struct {
	int valid;
	char user[SLUICE_MAX_USERNAME + 1];
	uid_t uid;
	gid_t gid;
	int n;
	gid_t list[PRIV_MAX_GROUPS];
} priv_groups;
static int priv_chrooted;

void priv_note_chroot(void)
{
	priv_chrooted = 1;
}

int priv_groups_load(const char *user, uid_t uid, gid_t gid)
{
	struct passwd *pw;
	size_t len = strlen(user);
	int n = PRIV_MAX_GROUPS;

	if (priv_chrooted) return (errno = EPERM, 0); /* keeps what was loaded */
	priv_groups.valid = 0;
	if (len > SLUICE_MAX_USERNAME) return (errno = ENOENT, 0);
	errno = 0;
	pw = getpwnam(user);
	if (!pw || pw->pw_uid != uid) return (errno = ENOENT, 0);
	if (getgrouplist(user, gid, priv_groups.list, &n) < 0) return (errno = EMSGSIZE, 0);
	memcpy(priv_groups.user, user, len + 1);
	priv_groups.uid = uid;
	priv_groups.gid = gid;
	priv_groups.n = n;
	priv_groups.valid = 1;
	return 1;
}

int priv_groups_set(const char *user, uid_t uid, gid_t gid, const gid_t *list, int n)
{
	size_t len = strlen(user);

	priv_groups.valid = 0;
	if (n < 0 || n > PRIV_MAX_GROUPS) return (errno = EMSGSIZE, 0);
	if (len > SLUICE_MAX_USERNAME) return (errno = ENOENT, 0);
	memcpy(priv_groups.list, list, (size_t)n * sizeof *list);
	memcpy(priv_groups.user, user, len + 1);
	priv_groups.uid = uid;
	priv_groups.gid = gid;
	priv_groups.n = n;
	priv_groups.valid = 1;
	return 1;
}

/* Supplementary groups: the user's (loaded now if no chroot happened yet),
 * else only gid. */
static int priv_set_groups(uid_t uid, gid_t gid, const char *user)
{
	if (user && !(priv_groups.valid && priv_groups.uid == uid && priv_groups.gid == gid &&
		      !strcmp(priv_groups.user, user)))
		if (priv_chrooted || !priv_groups_load(user, uid, gid)) user = NULL;
	if (user) return setgroups((size_t)priv_groups.n, priv_groups.list) == 0;
	return setgroups(1, &gid) == 0;
}

/* 1 if every id is the target and root (uid and gid 0) cannot come back. */
static int priv_check_dropped(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0) return 0;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return (errno = EPERM, 0);
	if (setuid(0) == 0 || seteuid(0) == 0) return (errno = EPERM, 0);
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0)) return (errno = EPERM, 0);
	return 1;
}

int priv_drop(uid_t uid, gid_t gid, const char *user)
{
	if (!priv_is_root()) return 1;
	if (uid == 0 || uid == (uid_t)-1 || gid == (gid_t)-1) return (errno = EINVAL, 0);
	if (!priv_set_groups(uid, gid, user)) return 0;
	if (setresgid(gid, gid, gid) < 0) return 0;
	if (setresuid(uid, uid, uid) < 0) return 0;
	return priv_check_dropped(uid, gid);
}
