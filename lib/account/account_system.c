/* account_system.c: accounts from the system databases (passwd, and
 * shadow when readable, i.e. as root).  The hash comes from shadow when
 * available, else from passwd's own field ("x" there never verifies). */
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <time.h>
#include <string.h>
#include "account/account.h"

static int account_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) return (errno = EMSGSIZE, 0);
	memcpy(dst, src, n + 1);
	return 1;
}

/* As OpenSSH's auth_shadow_acctexpired and its password-age check
 * without PAM: the account's own end date, or a password older than its
 * maximum age plus the inactivity allowance (days since the epoch).  An
 * end date of 0 (chage -E 0) is 1 January 1970, long past, for OpenSSH and
 * pam_unix too; no end date reads as -1. */
static int shadow_expired(const struct spwd *sp, long today)
{
	if (sp->sp_expire >= 0 && today >= sp->sp_expire) return 1;
	return sp->sp_lstchg > 0 && sp->sp_max >= 0 && sp->sp_inact >= 0 &&
	       today > sp->sp_lstchg + sp->sp_max + sp->sp_inact;
}

int account_lookup_system(const char *name, struct account *a)
{
	struct account t;
	struct passwd *pw;
	struct spwd *sp;
	const char *hash;

	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		if (!errno || errno == ENOENT || errno == ESRCH || errno == EBADF || errno == EPERM)
			errno = ENOENT;
		return 0;
	}
	memset(&t, 0, sizeof t);
	if (!account_copy(t.name, sizeof t.name, name)) return 0;
	if (!pw->pw_dir || !account_copy(t.home, sizeof t.home, pw->pw_dir)) return 0;
	t.uid = pw->pw_uid;
	t.gid = pw->pw_gid;
	sp = getspnam(name);
	hash = sp && sp->sp_pwdp ? sp->sp_pwdp : pw->pw_passwd ? pw->pw_passwd : "*";
	if (!account_copy(t.hash, sizeof t.hash, hash)) return 0;
	t.from_system = 1;
	t.locked = hash[0] == '!';
	t.expired = sp && shadow_expired(sp, time(0) / 86400);
	*a = t;
	return 1;
}

int account_system_dummy(void)
{
	struct spwd *sp;
	int added = 0;

	setspent();
	while ((sp = getspent()))
		if (sp->sp_pwdp && sp->sp_pwdp[0] == '$' && account_dummy_like(sp->sp_pwdp))
			added = 1;
	endspent();
	return added ? 1 : (errno = ENOENT, 0);
}
