/* kt_user: the account subcommands of sluice-keytool: useradd, passwd,
 * userdel on a sluice users file, and hash (print a new password hash).
 * Passwords live in sodium_malloc memory and are wiped after hashing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include "account/account.h"
#include "base/base.h"
#include "keytools.h"

/* Reads a password and hashes it into out (ACCOUNT_MAX_HASH). */
static void keytool_new_hash(int from_stdin, char *out)
{
	char *pw;
	size_t len;
	if (!keytool_read_password(from_stdin, &pw, &len)) {
		if (errno == EINVAL)
			strerr_dief(EXIT_USAGE, "no password given, or the two differ");
		strerr_diefusys(EXIT_SYSTEM, "read password");
	}
	int ok = account_hash_password(pw, len, out, ACCOUNT_MAX_HASH);
	int e = errno;
	keytool_free_password(pw);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "hash password");
}

static void keytool_check_name(const char *name)
{
	if (!account_name_valid(name)) strerr_dief(EXIT_USAGE, "invalid user name: ", name);
}

/* Asks for a new password, stores a's line with its hash, wipes the hash. */
static int keytool_store_with_new_password(const char *file, struct account *a, int from_stdin)
{
	keytool_new_hash(from_stdin, a->hash);
	int ok = account_file_set(file, a);
	int e = errno;
	sodium_memzero(a->hash, sizeof a->hash);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "write ", file);
	return EXIT_OK;
}

/* The policy field of a, from -p (the users file's sixth field; "" none). */
static void keytool_set_policy(struct account *a, const char *policy)
{
	const char *why = "";
	size_t n = strlen(policy);

	memset(&a->policy, 0, sizeof a->policy);
	a->policy.scp = 1;
	a->policy_text[0] = 0;
	if (!n) return;
	if (!account_policy_parse(policy, n, &a->policy, &why))
		strerr_dief(EXIT_USAGE, "invalid policy: ", why, ": ", policy);
	memcpy(a->policy_text, policy, n + 1);
}

/* argv with --policy X and --policy=X written as -p X (skalibs' option
 * parser has short options only).  out has room for argc + 1 entries. */
static int keytool_long_options(int argc, char const *const *argv, const char **out)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--policy")) {
			out[n++] = "-p";
		} else if (!strncmp(argv[i], "--policy=", 9)) {
			out[n++] = "-p";
			out[n++] = argv[i] + 9;
		} else {
			out[n++] = argv[i];
		}
	}
	out[n] = 0;
	return n;
}

#define KEYTOOL_MAX_ARGS 64

int keytool_useradd(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0, *home = 0, *policy = "";
	const char *args[2 * KEYTOOL_MAX_ARGS + 1];
	unsigned uid = getuid(), gid = getgid();
	int from_stdin = 0, opt;
	struct account a;
	if (argc > KEYTOOL_MAX_ARGS) keytool_die_usage("useradd");
	argc = keytool_long_options(argc, argv, args);
	argv = args;
	while ((opt = subgetopt_r(argc, argv, "f:u:g:d:sp:", &l)) != -1) {
		switch (opt) {
		case 'f':
			file = l.arg;
			break;
		case 'p':
			policy = l.arg;
			break;
		case 'u':
			if (!keytool_scan_u32(l.arg, &uid)) keytool_die_usage("useradd");
			break;
		case 'g':
			if (!keytool_scan_u32(l.arg, &gid)) keytool_die_usage("useradd");
			break;
		case 'd':
			home = l.arg;
			break;
		case 's':
			from_stdin = 1;
			break;
		default:
			keytool_die_usage("useradd");
		}
	}
	if (!file || l.ind + 1 != argc) keytool_die_usage("useradd");
	if (uid == (unsigned)-1 || gid == (unsigned)-1)
		strerr_dief(EXIT_USAGE, "uid and gid must not be -1");
	const char *name = argv[l.ind];
	keytool_check_name(name);
	memset(&a, 0, sizeof a);
	if (account_lookup_file(file, name, &a))
		strerr_dief(EXIT_USAGE, "user already exists: ", name);
	if (errno != ENOENT) strerr_diefusys(EXIT_SYSTEM, "read ", file);
	memset(&a, 0, sizeof a);
	int n = home ? snprintf(a.home, sizeof a.home, "%s", home)
		     : snprintf(a.home, sizeof a.home, "/home/%s", name);
	if (n < 0 || (size_t)n >= sizeof a.home || a.home[0] != '/')
		strerr_dief(EXIT_USAGE, "home must be an absolute path: ", a.home);
	memcpy(a.name, name, strlen(name) + 1);
	a.uid = uid;
	a.gid = gid;
	keytool_set_policy(&a, policy);
	return keytool_store_with_new_password(file, &a, from_stdin);
}

/* usermod: changes the policy, ids or home of an existing account and
 * keeps its password. */
int keytool_usermod(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0, *home = 0, *policy = 0;
	const char *args[2 * KEYTOOL_MAX_ARGS + 1];
	unsigned uid = 0, gid = 0;
	int set_uid = 0, set_gid = 0, opt, ok, e;
	struct account a;
	if (argc > KEYTOOL_MAX_ARGS) keytool_die_usage("usermod");
	argc = keytool_long_options(argc, argv, args);
	argv = args;
	while ((opt = subgetopt_r(argc, argv, "f:u:g:d:p:", &l)) != -1) {
		switch (opt) {
		case 'f':
			file = l.arg;
			break;
		case 'u':
			if (!keytool_scan_u32(l.arg, &uid) || uid == (unsigned)-1)
				keytool_die_usage("usermod");
			set_uid = 1;
			break;
		case 'g':
			if (!keytool_scan_u32(l.arg, &gid) || gid == (unsigned)-1)
				keytool_die_usage("usermod");
			set_gid = 1;
			break;
		case 'd':
			home = l.arg;
			break;
		case 'p':
			policy = l.arg;
			break;
		default:
			keytool_die_usage("usermod");
		}
	}
	if (!file || l.ind + 1 != argc) keytool_die_usage("usermod");
	const char *name = argv[l.ind];
	keytool_check_name(name);
	if (!account_lookup_file(file, name, &a)) {
		if (errno == ENOENT) strerr_dief(EXIT_USAGE, "no such user in ", file, ": ", name);
		strerr_diefusys(EXIT_SYSTEM, "read ", file);
	}
	if (home) {
		if (home[0] != '/' || strlen(home) >= sizeof a.home || strchr(home, ':'))
			strerr_dief(EXIT_USAGE, "home must be an absolute path: ", home);
		memcpy(a.home, home, strlen(home) + 1);
	}
	if (set_uid) a.uid = uid;
	if (set_gid) a.gid = gid;
	if (policy) keytool_set_policy(&a, policy);
	ok = account_file_set(file, &a);
	e = errno;
	sodium_memzero(&a, sizeof a);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "write ", file);
	return EXIT_OK;
}

int keytool_passwd(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0;
	int from_stdin = 0, opt;
	struct account a;
	while ((opt = subgetopt_r(argc, argv, "f:s", &l)) != -1) {
		switch (opt) {
		case 'f':
			file = l.arg;
			break;
		case 's':
			from_stdin = 1;
			break;
		default:
			keytool_die_usage("passwd");
		}
	}
	if (!file || l.ind + 1 != argc) keytool_die_usage("passwd");
	const char *name = argv[l.ind];
	keytool_check_name(name);
	if (!account_lookup_file(file, name, &a)) {
		if (errno == ENOENT) strerr_dief(EXIT_USAGE, "no such user in ", file, ": ", name);
		strerr_diefusys(EXIT_SYSTEM, "read ", file);
	}
	return keytool_store_with_new_password(file, &a, from_stdin);
}

int keytool_userdel(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0;
	int opt;
	while ((opt = subgetopt_r(argc, argv, "f:", &l)) != -1) {
		if (opt != 'f') keytool_die_usage("userdel");
		file = l.arg;
	}
	if (!file || l.ind + 1 != argc) keytool_die_usage("userdel");
	const char *name = argv[l.ind];
	keytool_check_name(name);
	if (!account_file_remove(file, name)) {
		if (errno == ENOENT) strerr_dief(EXIT_USAGE, "no such user in ", file, ": ", name);
		strerr_diefusys(EXIT_SYSTEM, "write ", file);
	}
	return EXIT_OK;
}

/* users-cdb: FILE compiled to FILE.cdb, which the servers then read
 * instead of FILE (as long as it is newer) and edits keep current. */
int keytool_userscdb(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0;
	unsigned n = 0, skipped = 0;
	int opt;
	while ((opt = subgetopt_r(argc, argv, "f:", &l)) != -1) {
		if (opt != 'f') keytool_die_usage("users-cdb");
		file = l.arg;
	}
	if (!file || l.ind != argc) keytool_die_usage("users-cdb");
	if (!account_cdb_build(file, &n, &skipped)) strerr_diefusys(EXIT_SYSTEM, "compile ", file);
	printf("%s.cdb: %u account%s%s\n", file, n, n == 1 ? "" : "s",
	       skipped ? " (malformed lines left out: see above)" : "");
	return skipped ? EXIT_USAGE : EXIT_OK;
}

int keytool_hash(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	int from_stdin = 0, opt;
	char hash[ACCOUNT_MAX_HASH];
	while ((opt = subgetopt_r(argc, argv, "s", &l)) != -1) {
		if (opt != 's') keytool_die_usage("hash");
		from_stdin = 1;
	}
	if (l.ind != argc) keytool_die_usage("hash");
	keytool_new_hash(from_stdin, hash);
	puts(hash);
	sodium_memzero(hash, sizeof hash);
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}
