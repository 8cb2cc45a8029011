/* keytools: the sluice-keytool program: host keys, fingerprints, public
 * key conversion, users-file accounts and password hashes.  Each
 * subcommand is one row of the table in main.c. */
#ifndef SLUICE_KEYTOOLS_H
#define SLUICE_KEYTOOLS_H

#include <stddef.h>

/* One subcommand: argv[0] is the subcommand's name; returns an exit code
 * or dies through strerr. */
struct keytool_cmd {
	const char *name;
	int (*run)(int argc, char const *const *argv);
	const char *usage; /* arguments after the name */
};

extern const char *PROG;

/* kt_util.c */
void keytool_die_usage(const char *name) __attribute__((noreturn));
/* A readable reason for errno after a lib/key or lib/account failure. */
const char *keytool_reason(int err);
/* Whole file into a sodium_malloc'd buffer (NUL-terminated, at most cap
 * bytes); 0 + EMSGSIZE if larger. */
int keytool_read_file(const char *path, size_t cap, char **text, size_t *len);
void keytool_free_text(char *text);
/* Writes s atomically (temporary file, fsync, rename) with mode; when
 * force is 0 an existing path is never replaced (EEXIST). */
int keytool_write_file(const char *path, const char *s, size_t n, unsigned mode, int force);
/* Password from /dev/tty, asked twice without echo (from_stdin 0), or one
 * line from stdin (from_stdin 1).  *pw is sodium_malloc'd: free with
 * keytool_free_password, which wipes it. */
int keytool_read_password(int from_stdin, char **pw, size_t *len);
void keytool_free_password(char *pw);
int keytool_scan_u32(const char *s, unsigned *u);

/* kt_key.c */
int keytool_hostkey(int argc, char const *const *argv);
int keytool_fingerprint(int argc, char const *const *argv);
int keytool_convert(int argc, char const *const *argv);

/* kt_user.c */
int keytool_useradd(int argc, char const *const *argv);
int keytool_usermod(int argc, char const *const *argv);
int keytool_passwd(int argc, char const *const *argv);
int keytool_userdel(int argc, char const *const *argv);
int keytool_userscdb(int argc, char const *const *argv);
int keytool_hash(int argc, char const *const *argv);

/* kt_tls.c */
#define KEYTOOL_TLS_MAX_NAMES 32       /* -n names in one certificate */
#define KEYTOOL_TLS_MAX_NAME_BYTES 253 /* a DNS name */
#define KEYTOOL_TLS_MAX_CN_BYTES 64    /* X.520 ub-common-name */
#define KEYTOOL_TLS_RSA_BITS 3072      /* default for -t rsa */
#define KEYTOOL_TLS_DAYS 365	       /* default validity */
#define KEYTOOL_TLS_MAX_DAYS 36500
#define KEYTOOL_TLS_BACKDATE_SECS 3600L /* notBefore: now - 1 h (clock skew) */
#define KEYTOOL_TLS_CERT_MAX_BYTES (1024 * 1024)
int keytool_tls_cert(int argc, char const *const *argv);
int keytool_tls_fingerprint(int argc, char const *const *argv);

#endif
