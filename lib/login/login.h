/* login: the steps from "who is this" to "confined as them" that sftpd and
 * ftpsd share, so that both behave the same: account lookup (users file or
 * system accounts), the delay after a failed attempt, root patterns with
 * their % expansions, and confinement (groups, root, start directory,
 * uid/gid, no_new_privs, umask). */
#ifndef SLUICE_LOGIN_H
#define SLUICE_LOGIN_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "account/account.h"
#include "fs/fs.h"

/* Looks name up in the users file, or in the system accounts when
 * users_file is empty.  1 found; 0 + ENOENT (no such account, or a name
 * account_name_valid refuses); 0 + another errno (unreadable or malformed
 * source). */
int login_lookup(const char *users_file, const char *name, struct account *a);

/* The start of an authentication attempt (CLOCK_MONOTONIC). */
void login_attempt_begin(struct timespec *start);
/* After a failed attempt: sleeps until ms milliseconds after start, so
 * that every failure costs the client the same whatever work it took (an
 * unknown name, a refused account, a wrong password through any hash or
 * PAM stack), as OpenSSH's ensure_minimum_time_since; work longer than ms
 * doubles the target until it lies ahead.  0: no delay. */
void login_fail_pad(const struct timespec *start, unsigned long long ms);

/* Expands a path pattern for account a: a leading ~ is its home, %u its
 * name, %h its home, %% a percent sign; anything else is copied.  0 +
 * ENAMETOOLONG when out (cap bytes) is too small. */
int login_expand_path(const char *pattern, const struct account *a, char *out, size_t cap);

/* Whether a's policy lets it log in now: from= must list p's address
 * (a missing peer address never matches).  1, or 0 with the reason in
 * *why (for the log only: the client is told what a wrong password tells
 * it).  auth= is the server's to apply (sftpd's monitor). */
int login_policy_admits(const struct account *a, const struct peer *p, const char **why);

/* _ALLOW_USERS, _DENY_USERS, _ALLOW_GROUPS, _DENY_GROUPS: comma- or
 * space-separated glob(7) patterns; "" for none.  Evaluated as OpenSSH's
 * sshd does: a name matching a deny list, or matching no pattern of a
 * non-empty allow list, is refused; users first, then the groups (the
 * account's group and, for system accounts, its supplementary ones).  A
 * locked or expired system account is refused too.  1 admitted, or 0 and
 * why. */
struct login_access {
	const char *allow_users, *deny_users, *allow_groups, *deny_groups;
};
int login_access_admits(const struct account *a, const struct login_access *r, const char **why);

/* _GROUP_POLICY: rules GROUP:POLICY separated by ';' (outside double
 * quotes), POLICY in the users file's sixth-field syntax, GROUP a glob(7)
 * pattern.  An account without a policy of its own takes that of the first
 * rule naming one of its groups (as login_access_admits sees them): 1 and
 * a->policy set, logged; 0 when none applies.  check: the configuration
 * test (1, or 0 with why). */
int login_group_policy(struct account *a, const char *spec);
int login_group_policy_check(const char *spec, char *why, size_t whylen);

/* -t: the users file (the setting var names it) read as the servers read
 * it, every line that would cost its account logged with its number; 1
 * when none (a missing file is only a warning), 0 otherwise. */
int login_users_file_check(const char *var, const char *file);

/* _STRICT_MODES (default on): login_confine, as root, refuses a root whose
 * parent directories are not all root's and writable by no one else, or
 * include a symbolic link. */
void login_set_strict_modes(int on);
/* 1 when a's auth= (if any) has a list that is the password alone
 * (password or keyboard-interactive): what a server without other methods
 * (ftpsd) may accept. */
int login_policy_password_alone(const struct account *a);

/* Where a confined account ended up. */
struct login_place {
	char dir[SLUICE_MAX_PATH];	    /* its root, on the host */
	char home_in_root[SLUICE_MAX_PATH]; /* start directory, inside the root */
	int chrooted;
};

/* Confines this process to account a: the root is the policy's root= or
 * else root_pattern, expanded (empty: the home); the start directory is the home when it lies
 * inside the root, else "/".  As root: the supplementary groups of a system account are read
 * (before chroot: NSS must not run inside the client's root), chroot, uid/gid 0 refused (EACCES),
 * then groups, gid and uid for good.  Always: no_new_privs (its failure is a failure), umask.
 * Returns 1, or 0 with errno and a message in err. */
int login_confine(const struct account *a, const char *root_pattern, mode_t mask,
		  struct fs_root *root, struct login_place *out, char *err, size_t errlen);

#endif
