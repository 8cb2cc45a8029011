/* login.c: account lookup, failure delay, root patterns and confinement,
 * shared by sftpd and ftpsd (login.h says what each step does). */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "log/log.h"
#include "login/login.h"
#include "priv/priv.h"

int login_lookup(const char *users_file, const char *name, struct account *a)
{
	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	return users_file && users_file[0] ? account_lookup_file(users_file, name, a)
					   : account_lookup_system(name, a);
}

void login_attempt_begin(struct timespec *start)
{
	clock_gettime(CLOCK_MONOTONIC, start);
}

void login_fail_pad(const struct timespec *start, unsigned long long ms)
{
	struct timespec now, until;
	long long elapsed_ns, target_ns = (long long)ms * 1000000LL;

	if (!ms) return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed_ns =
	    (long long)(now.tv_sec - start->tv_sec) * 1000000000LL + (now.tv_nsec - start->tv_nsec);
	while (target_ns <= elapsed_ns)
		target_ns *= 2;
	until.tv_sec = start->tv_sec + (time_t)(target_ns / 1000000000LL);
	until.tv_nsec = start->tv_nsec + (long)(target_ns % 1000000000LL);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, 0) == EINTR)
		;
}

int login_expand_path(const char *pattern, const struct account *a, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		const char *add;
		char one[2] = {*p, 0};
		if (p == pattern && *p == '~')
			add = a->home;
		else if (*p == '%' && p[1] == 'u')
			add = a->name, p++;
		else if (*p == '%' && p[1] == 'h')
			add = a->home, p++;
		else if (*p == '%' && p[1] == '%')
			add = "%", p++;
		else
			add = one;
		if (strlen(add) >= cap - n) return (errno = ENAMETOOLONG, 0);
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
	}
	out[n] = 0;
	return 1;
}

int login_policy_admits(const struct account *a, const struct peer *p, const char **why)
{
	const struct account_policy *pol = &a->policy;

	if ((pol->keys & ACCOUNT_POL_FROM) && !(p && peer_cidr_match(pol->from, pol->n_from, p)))
		return (*why = "the client's address is not in its from= list", 0);
	return 1;
}

/* 1 if name matches one of the patterns of list (comma- or space-separated). */
static int login_list_matches(const char *list, const char *name)
{
	char pat[SLUICE_MAX_USERNAME * 2 + 1];

	while (*list) {
		size_t n = strcspn(list, ", ");
		if (n && n < sizeof pat) {
			memcpy(pat, list, n);
			pat[n] = 0;
			if (fnmatch(pat, name, 0) == 0) return 1;
		}
		list += n;
		while (*list == ',' || *list == ' ')
			list++;
	}
	return 0;
}

#define LOGIN_MAX_GROUPS 256

/* The names of a's groups: its own, and for a system account the
 * supplementary ones (the name service, asked by the monitor). */
static int login_group_names(const struct account *a, char names[][64], int max)
{
	gid_t gids[LOGIN_MAX_GROUPS];
	int n = 1, k = 0;

	gids[0] = a->gid;
	if (a->from_system) {
		n = LOGIN_MAX_GROUPS;
		if (getgrouplist(a->name, a->gid, gids, &n) < 0) n = 1;
	}
	for (int i = 0; i < n && k < max; i++) {
		struct group *g = getgrgid(gids[i]);
		if (g && g->gr_name) snprintf(names[k++], 64, "%s", g->gr_name);
	}
	return k;
}

static int login_groups_match(const char *list, char names[][64], int n)
{
	for (int i = 0; i < n; i++)
		if (login_list_matches(list, names[i])) return 1;
	return 0;
}

int login_access_admits(const struct account *a, const struct login_access *r, const char **why)
{
	static char groups[LOGIN_MAX_GROUPS][64];
	int n;

	if (a->locked) return (*why = "the account is locked", 0);
	if (a->expired) return (*why = "the account has expired", 0);
	if (r->deny_users[0] && login_list_matches(r->deny_users, a->name))
		return (*why = "the name is in the deny list of users", 0);
	if (r->allow_users[0] && !login_list_matches(r->allow_users, a->name))
		return (*why = "the name is not in the allow list of users", 0);
	if (!r->deny_groups[0] && !r->allow_groups[0]) return 1;
	n = login_group_names(a, groups, LOGIN_MAX_GROUPS);
	if (r->deny_groups[0] && login_groups_match(r->deny_groups, groups, n))
		return (*why = "one of its groups is in the deny list of groups", 0);
	if (r->allow_groups[0] && !login_groups_match(r->allow_groups, groups, n))
		return (*why = "none of its groups is in the allow list of groups", 0);
	return 1;
}

/* The next rule of a group-policy setting: "GROUP:POLICY" up to a ';'
 * outside double quotes.  *len its length; 0 at the end. */
static int next_rule(const char **p, size_t *len)
{
	const char *s = *p;
	int quoted = 0;

	while (*s == ';' || *s == ' ')
		s++;
	if (!*s) return 0;
	*p = s;
	for (*len = 0; s[*len] && (quoted || s[*len] != ';'); (*len)++)
		if (s[*len] == '"') quoted = !quoted;
	return 1;
}

/* Splits a rule into its group (into group) and its policy text. */
static int split_rule(const char *r, size_t len, char *group, size_t gcap, const char **pol,
		      size_t *plen, const char **why)
{
	const char *colon = memchr(r, ':', len);
	size_t glen = colon ? (size_t)(colon - r) : 0;

	if (!colon || !glen || glen >= gcap) return (*why = "expected GROUP:POLICY", 0);
	memcpy(group, r, glen);
	group[glen] = 0;
	*pol = colon + 1;
	*plen = len - glen - 1;
	while (*plen && (*pol)[*plen - 1] == ' ')
		(*plen)--;
	return 1;
}

/* cert= names one certificate: given to a group, that certificate would
 * log in as each of its members. */
static int group_policy_fits(struct account_policy *ap, const char **why)
{
	if (!(ap->keys & ACCOUNT_POL_CERT)) return 1;
	memset(ap, 0, sizeof *ap);
	ap->scp = 1;
	*why = "cert= belongs to one account (the users file), not to a group";
	return 0;
}

int login_group_policy_check(const char *spec, char *why, size_t whylen)
{
	const char *p = spec, *pol, *w = "";
	char group[SLUICE_MAX_USERNAME + 1];
	struct account_policy ap;
	size_t len, plen;

	while (next_rule(&p, &len)) {
		if (!split_rule(p, len, group, sizeof group, &pol, &plen, &w) ||
		    !account_policy_parse(pol, plen, &ap, &w) || !group_policy_fits(&ap, &w)) {
			snprintf(why, whylen, "%.*s: %s", (int)(len > 60 ? 60 : len), p, w);
			return 0;
		}
		p += len;
	}
	return 1;
}

int login_group_policy(struct account *a, const char *spec)
{
	static char groups[LOGIN_MAX_GROUPS][64];
	const char *p = spec, *pol, *why;
	char group[SLUICE_MAX_USERNAME + 1];
	size_t len, plen;
	int n;

	if (a->policy_text[0] || !spec[0]) return 0;
	n = login_group_names(a, groups, LOGIN_MAX_GROUPS);
	while (next_rule(&p, &len)) {
		if (split_rule(p, len, group, sizeof group, &pol, &plen, &why) &&
		    login_groups_match(group, groups, n) &&
		    account_policy_parse(pol, plen, &a->policy, &why) &&
		    group_policy_fits(&a->policy, &why)) {
			snprintf(a->policy_text, sizeof a->policy_text, "%.*s", (int)plen, pol);
			log_info("account %s: the policy of group %s: %s", a->name, group,
				 a->policy_text);
			return 1;
		}
		p += len;
	}
	return 0;
}

int login_users_file_check(const char *var, const char *file)
{
	unsigned bad;

	if (!file[0]) return 1; /* system accounts */
	if (!account_file_check(file, &bad)) {
		if (errno != ENOENT) {
			log_error("%s %s: %s", var, file, strerror(errno));
			return 0;
		}
		log_warn("%s %s does not exist (yet): no one can log in", var, file);
		return 1;
	}
	if (!bad) return 1;
	log_error("%s %s: %u line%s above would be skipped", var, file, bad, bad == 1 ? "" : "s");
	return 0;
}

int login_policy_password_alone(const struct account *a)
{
	const char *s = a->policy.auth;

	if (!(a->policy.keys & ACCOUNT_POL_AUTH) || !strcmp(s, "any")) return 1;
	for (;;) {
		size_t n;
		while (*s == ' ')
			s++;
		if (!*s) return 0;
		n = strcspn(s, " ");
		if ((n == 8 && !memcmp(s, "password", 8)) ||
		    (n == 20 && !memcmp(s, "keyboard-interactive", 20)))
			return 1;
		s += n;
	}
}

/* groups=: names through NSS (before any chroot), numbers as written; the
 * account's gid first, as getgrouplist gives it. */
static int login_policy_groups(const struct account *a, char *err, size_t errlen)
{
	gid_t list[ACCOUNT_POLICY_MAX_GROUPS + 1];
	const struct account_policy *pol = &a->policy;
	int n = 0;

	list[n++] = a->gid;
	for (size_t i = 0; i < pol->n_groups; i++) {
		const char *g = pol->groups[i];
		if (g[0] >= '0' && g[0] <= '9') {
			list[n++] = (gid_t)strtoul(g, 0, 10); /* checked by the parser */
			continue;
		}
		errno = 0;
		struct group *gr = getgrnam(g);
		if (!gr) {
			snprintf(err, errlen, "refusing to serve %s: group %s of its groups= %s",
				 a->name, g, errno ? strerror(errno) : "does not exist");
			return (errno = EACCES, 0);
		}
		if (gr->gr_gid == 0) {
			snprintf(err, errlen, "refusing to serve %s: its groups= names group 0",
				 a->name);
			return (errno = EACCES, 0);
		}
		list[n++] = gr->gr_gid;
	}
	if (!priv_groups_set(a->name, a->uid, a->gid, list, n)) {
		snprintf(err, errlen, "unable to set the groups of %s: %s", a->name,
			 strerror(errno));
		return 0;
	}
	return 1;
}

/* The home as a path inside dir, or "/" when it lies outside. */
static void login_start_dir(const char *dir, const char *home, char *out, size_t cap)
{
	size_t dl = strlen(dir);
	if (dl > 1 && !strncmp(home, dir, dl) && (home[dl] == '/' || !home[dl]))
		snprintf(out, cap, "%s", home[dl] ? home + dl : "/");
	else if (!strcmp(dir, "/"))
		snprintf(out, cap, "%s", home);
	else
		snprintf(out, cap, "/");
}

static int login_fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	int e = errno;
	snprintf(err, errlen, fmt, arg, strerror(e));
	errno = e;
	return 0;
}

static int login_strict_modes = 1;

void login_set_strict_modes(int on)
{
	login_strict_modes = on;
}

/* A chroot is only as safe as the directories above it: whoever may write
 * one of them may swap the root for a tree of their own (links to /etc
 * included).  They must belong to root and be writable by no one else,
 * as OpenSSH's ChrootDirectory requires. */
static int login_root_parents_safe(const char *dir, char *err, size_t errlen)
{
	char bad[SLUICE_MAX_PATH];
	const char *why = 0;

	if (fs_strict_parents(dir, bad, sizeof bad, &why)) return 1;
	snprintf(err, errlen, "root %s refused: %s is %s (the _STRICT_MODES check)", dir, bad,
		 why ? why : strerror(errno));
	return (errno = EACCES, 0);
}

int login_confine(const struct account *a, const char *root_pattern, mode_t mask,
		  struct fs_root *root, struct login_place *out, char *err, size_t errlen)
{
	int as_root = priv_is_root();
	int own_groups = (a->policy.keys & ACCOUNT_POL_GROUPS) != 0;
	size_t dl;

	if (a->policy.keys & ACCOUNT_POL_ROOT) root_pattern = a->policy.root;
	if (a->policy.keys & ACCOUNT_POL_UMASK) mask = a->policy.umask;
	if (root_pattern && root_pattern[0]) {
		if (!login_expand_path(root_pattern, a, out->dir, sizeof out->dir))
			return login_fail(err, errlen, "root pattern %s: %s", root_pattern);
	} else {
		snprintf(out->dir, sizeof out->dir, "%s", a->home);
	}
	dl = strlen(out->dir);
	while (dl > 1 && out->dir[dl - 1] == '/')
		out->dir[--dl] = 0;
	if (!out->dir[0] || out->dir[0] != '/') {
		errno = EINVAL;
		return login_fail(err, errlen, "root %s: %s", out->dir);
	}
	login_start_dir(out->dir, a->home, out->home_in_root, sizeof out->home_in_root);
	if (as_root && (a->uid == 0 || a->gid == 0)) {
		snprintf(err, errlen,
			 "refusing to serve %s: uid or gid 0 (files are never served "
			 "as root)",
			 a->name);
		return (errno = EACCES, 0);
	}
	/* Group lookups need NSS, which must not run inside the client's root. */
	if (as_root && own_groups && !login_policy_groups(a, err, errlen)) return 0;
	if (as_root && !own_groups && a->from_system && !priv_groups_load(a->name, a->uid, a->gid))
		log_warn("unable to read the groups of %s: %s", a->name, strerror(errno));
	if (as_root && login_strict_modes && !login_root_parents_safe(out->dir, err, errlen))
		return 0;
	*root = (struct fs_root)FS_ROOT_ZERO;
	if (!fs_root_open(root, out->dir, as_root))
		return login_fail(err, errlen, "unable to open root %s: %s", out->dir);
	out->chrooted = as_root;
	if (strcmp(out->home_in_root, "/") && !fs_root_set_cwd(root, out->home_in_root)) {
		log_warn("home %s missing inside root %s; starting at /", out->home_in_root,
			 out->dir);
		strcpy(out->home_in_root, "/");
	}
	if (as_root && !priv_drop(a->uid, a->gid, a->from_system || own_groups ? a->name : NULL))
		return login_fail(err, errlen, "unable to drop privileges to %s: %s", a->name);
	if (!priv_no_new_privs())
		return login_fail(err, errlen, "unable to set no_new_privs%s: %s", "");
	umask(mask);
	return 1;
}
