/* account: who may log in, and how their password is checked.
 * Two sources: a sluice users file and the system databases
 * (passwd/shadow, needs root).  Users file lines:
 *     name:hash:uid:gid:home[:policy]
 * '#' starts a comment line; blank lines are skipped; any other line
 * that does not parse is skipped with a log line naming the file and line
 * (it costs its own account only; -t lists them all and fails).  A name
 * may appear once: a lookup of a name that has a second line fails
 * (EPROTO).  hash is an argon2id
 * string from libsodium ($argon2id$...) or any crypt(3) hash ($y$, $6$,
 * ...), or "!" / "*" for "no password login" ("!" before a hash locks it).  home is the account's
 * directory (its default root). */
#ifndef SLUICE_ACCOUNT_H
#define SLUICE_ACCOUNT_H

#include <stddef.h>
#include <sys/types.h>
#include "base/base.h"
#include "peer/peer.h"

#define ACCOUNT_MAX_HASH 256
#define ACCOUNT_POLICY_MAX 1024 /* bytes of the policy field */
#define ACCOUNT_MAX_LINE (4600 + 1 + ACCOUNT_POLICY_MAX)
#define ACCOUNT_FILE_MAX_BYTES (64u << 20)

/* argon2id parameters for new hashes: each login attempt is one process,
 * so memory x concurrent attempts is a denial-of-service budget.  12 MiB and
 * 3 passes (an OWASP-recommended pair) cost ~25 ms here (measured: one
 * verify 23-28 ms on a 2-vCPU AMD EPYC VM, libsodium 1.0.18). */
#define ACCOUNT_ARGON2_MEMLIMIT (12u << 20)
#define ACCOUNT_ARGON2_OPSLIMIT 3u

/* --- per-account policy (account_policy.c) ------------------------------
 * The users file's optional sixth field: items separated by commas, each a
 * key alone (ro) or key=value; a value holding a comma or a space is
 * written in double quotes (from="10.0.0.0/8,::1/128"), as in
 * OpenSSH's authorized_keys options.  Lists inside a value are
 * comma-separated.  A quoted value may hold any printable ASCII but '"';
 * a bare one neither '"', ',' nor a space. */
#define ACCOUNT_POLICY_MAX_FROM 16
#define ACCOUNT_POLICY_MAX_GROUPS 16
#define ACCOUNT_POLICY_MAX_AUTH 256
#define ACCOUNT_POLICY_MAX_BYTES (1ull << 60) /* largest maxsize= */
/* Longest cert= value: RFC 5280's ub-emailaddress-length (255) holds every
 * e-mail address; its ub-common-name is 64. */
#define ACCOUNT_POLICY_MAX_CERT 255

/* deny= operations */
enum account_deny {
	ACCOUNT_DENY_REMOVE = 1 << 0,
	ACCOUNT_DENY_RENAME = 1 << 1,
	ACCOUNT_DENY_MKDIR = 1 << 2,
	ACCOUNT_DENY_RMDIR = 1 << 3,
	ACCOUNT_DENY_SETSTAT = 1 << 4,
	ACCOUNT_DENY_SYMLINK = 1 << 5,
	ACCOUNT_DENY_LINK = 1 << 6,
};

/* Which keys a policy sets (the rest keep the global settings). */
enum account_policy_key {
	ACCOUNT_POL_ROOT = 1 << 0,
	ACCOUNT_POL_RO = 1 << 1,
	ACCOUNT_POL_WO = 1 << 2,
	ACCOUNT_POL_UMASK = 1 << 3,
	ACCOUNT_POL_MODE = 1 << 4,
	ACCOUNT_POL_DENY = 1 << 5,
	ACCOUNT_POL_MAXSIZE = 1 << 6,
	ACCOUNT_POL_FROM = 1 << 7,
	ACCOUNT_POL_AUTH = 1 << 8,
	ACCOUNT_POL_SCP = 1 << 9,
	ACCOUNT_POL_GROUPS = 1 << 10,
	ACCOUNT_POL_TLS = 1 << 11,
	ACCOUNT_POL_CERT = 1 << 12,
};

struct account_policy {
	unsigned keys; /* enum account_policy_key: the keys given */
	char root[SLUICE_MAX_PATH];
	mode_t umask;
	mode_t mode;		    /* forced mode of created files */
	unsigned deny;		    /* enum account_deny */
	unsigned long long maxsize; /* bytes */
	struct peer_cidr from[ACCOUNT_POLICY_MAX_FROM];
	size_t n_from;
	char auth[ACCOUNT_POLICY_MAX_AUTH]; /* SFTPD_AUTH_METHODS syntax */
	int scp;			    /* scp=yes / scp=no */
	char groups[ACCOUNT_POLICY_MAX_GROUPS][SLUICE_MAX_USERNAME + 1]; /* names or numbers */
	size_t n_groups;
	int tls_optional; /* tls=optional (1) / tls=required (0) */
	/* ftpsd: the client certificate identity (whole e-mail address or CN)
	 * that logs in as this account; "" none.  Printable ASCII, no '"', no
	 * blank at either end. */
	char cert[ACCOUNT_POLICY_MAX_CERT + 1];
};

/* Parses a policy field (len bytes, no NUL).  1, or 0 + EPROTO with what
 * is wrong in why (a static string) when any item is unknown, repeated,
 * malformed or out of range: a users file is security configuration, so
 * nothing is guessed.  An empty field is malformed. */
int account_policy_parse(const char *text, size_t len, struct account_policy *p, const char **why);

struct account {
	char name[SLUICE_MAX_USERNAME + 1];
	char hash[ACCOUNT_MAX_HASH];
	uid_t uid;
	gid_t gid;
	char home[SLUICE_MAX_PATH];
	int from_system; /* 1 when it came from passwd/shadow */
	/* shadow says so (system accounts): locked ('!' before the hash),
	 * expired (sp_expire passed) or inactive (password expired longer
	 * than sp_inact days) */
	int locked, expired;
	char policy_text[ACCOUNT_POLICY_MAX + 1]; /* the sixth field as written; "" none */
	struct account_policy policy;		  /* parsed from it */
};

/* 1 if name is acceptable as a user name: [A-Za-z0-9._-], 1..64, no leading
 * '-'; "." and ".." are refused too (names end up in paths via %u). */
int account_name_valid(const char *name);

/* 1 found; 0 + ENOENT not found; 0 + other errno (EPROTO malformed file, I/O). */
int account_lookup_file(const char *path, const char *name, struct account *a);
int account_lookup_system(const char *name, struct account *a);

/* Checks pw against a's hash in constant time.  a may be NULL (unknown
 * user, refused account): then the same work is done against dummy
 * hashes and 0 is returned, so an unknown user cannot be told from a wrong
 * password (see account_dummy_like). */
int account_verify_password(const struct account *a, const char *pw, size_t pwlen);

/* Makes every attempt cost one check of each crypt scheme in use (method
 * and cost): account_dummy_like adds crypt settings with hash's scheme and
 * a random salt (no part of hash is kept) unless a dummy of that scheme
 * exists; then account_verify_password checks the real hash and a dummy
 * of every other scheme, or every dummy when there is no real hash (an
 * unknown name, a refused account).  An account whose scheme has no dummy
 * (over ACCOUNT_MAX_DUMMIES) costs one check more than the others.  0 +
 * EINVAL for an argon2 or non-crypt hash (the argon2id dummy then stays
 * while no dummy is added), 0 + ENOSPC when ACCOUNT_MAX_DUMMIES are
 * there. */
#define ACCOUNT_MAX_DUMMIES 4
int account_dummy_like(const char *hash);
/* account_dummy_like on every crypt hash of the shadow database (as root;
 * locked ones excluded: they never reach a real check); 0 + ENOENT when
 * there is none. */
int account_system_dummy(void);

/* New argon2id hash string into out (cap >= ACCOUNT_MAX_HASH). */
int account_hash_password(const char *pw, size_t pwlen, char *out, size_t cap);

/* Add or replace a's line in the users file, atomically (write + rename),
 * holding an exclusive lock on FILE.lock so that concurrent edits queue.
 * Creates the file (mode 0600) if missing. */
int account_file_set(const char *path, const struct account *a);
/* Remove name's line; 0 + ENOENT if absent. */
int account_file_remove(const char *path, const char *name);

/* The users file compiled to FILE.cdb (account_cdb.c).  Lookups use
 * FILE.cdb instead of FILE when it is newer; edits (account_file_set,
 * account_file_remove) rebuild it when it exists. */
int account_cdb_build(const char *path, unsigned *accounts, unsigned *skipped);
/* 1 when path.cdb exists and is newer than path; its name in cdbpath. */
int account_cdb_current(const char *path, char *cdbpath, size_t cap);
int account_lookup_cdb(const char *cdbpath, const char *name, struct account *a);

/* Reads the whole users file and logs (at error level) every line that a
 * lookup would skip: malformed, over-long, or a name already seen (such an
 * account is refused).  1 with their count in *bad; 0 + errno when the file
 * cannot be read. */
int account_file_check(const char *path, unsigned *bad);

/* Parses one users-file line (without newline) into a; 0 + EPROTO if malformed.
 * A comment or blank line (empty, only blanks, or '#' first) gives 0 + ENOENT.
 * Strict: 5 fields, or 6 with a valid policy (the sixth is the rest of the
 * line, colons included); uid/gid decimal, no sign, no leading zero, not
 * (uid_t)-1; hash printable ASCII without blanks; home absolute, no control
 * characters; no NUL anywhere; at most ACCOUNT_MAX_LINE bytes. */
int account_parse_line(const char *line, size_t len, struct account *a);

/* Additions. */

/* After account_lookup_file fails with EPROTO: the 1-based number of the
 * offending line (so the operator can be told); 0 otherwise. */
extern unsigned account_error_line;

/* After account_parse_line fails on a bad policy field: what is wrong
 * with it (a static string, no account data); 0 otherwise. */
extern const char *account_policy_why;

/* Formats a as a users-file line without newline; 0 + EPROTO if a would not
 * parse back, 0 + EMSGSIZE if cap is too small.  Returns 1. */
int account_format_line(const struct account *a, char *out, size_t cap);

#endif
