/* authmethods: SFTPD_AUTH_METHODS, in the syntax of OpenSSH's
 * AuthenticationMethods, and one connection's progress through it.  The
 * value is lists separated by spaces; each list is methods separated by
 * commas that must all succeed, in that order; completing any one list
 * authenticates.  "publickey,password publickey": a key then a password,
 * or a key alone.  Pure (no I/O): the monitor keeps one to decide, the
 * network child one to tell the client what may come next. */
#ifndef SFTPD_AUTHMETHODS_H
#define SFTPD_AUTHMETHODS_H

#include <stddef.h>

enum auth_method {
	AUTH_NONE = 0,
	AUTH_PUBLICKEY,
	AUTH_PASSWORD,
	AUTH_KBDINT, /* keyboard-interactive (RFC 4256), a password prompt */
	AUTH_METHOD_COUNT
};

#define AUTHMETHODS_MAX_LISTS 8
#define AUTHMETHODS_MAX_STEPS 4 /* methods in one list */
/* "publickey,password,keyboard-interactive" and a NUL */
#define AUTHMETHODS_NAMES_MAX 48
#define AUTHMETHODS_DEFAULT "publickey password keyboard-interactive"
#define AUTHMETHODS_ACCEPTED                                                                       \
	"space-separated alternatives, each a comma-separated sequence of publickey, password, "   \
	"keyboard-interactive (\"publickey,password publickey\": a key and then a password, or a " \
	"key alone); any: each method alone"

struct authmethods {
	unsigned n;				   /* lists */
	unsigned char len[AUTHMETHODS_MAX_LISTS];  /* methods in each */
	unsigned char done[AUTHMETHODS_MAX_LISTS]; /* of them already passed */
	unsigned char method[AUTHMETHODS_MAX_LISTS][AUTHMETHODS_MAX_STEPS];
};

enum authmethods_step {
	AUTHMETHODS_OUT_OF_ORDER = 0, /* the method is next in no list */
	AUTHMETHODS_PARTIAL,	      /* one step done; more is needed */
	AUTHMETHODS_COMPLETE	      /* a list is complete: authenticated */
};

/* Parses spec into a (progress reset).  0 with why filled when it is not
 * valid; a is then empty and allows nothing. */
int authmethods_parse(struct authmethods *a, const char *spec, char *why, size_t whylen);
/* The configuration check (struct conf_var.check). */
int authmethods_check(const char *spec, char *why, size_t whylen);
/* The method of a protocol name, AUTH_NONE when none of ours. */
enum auth_method authmethods_id(const char *name);
const char *authmethods_name(enum auth_method m);
/* 1 when m appears anywhere in the configuration. */
int authmethods_named(const struct authmethods *a, enum auth_method m);
/* 1 when m is the next step of a list: it may be tried now. */
int authmethods_allowed(const struct authmethods *a, enum auth_method m);
/* Records a success of m: every list whose next step is m moves on. */
enum authmethods_step authmethods_passed(struct authmethods *a, enum auth_method m);
/* The methods that may be tried now, comma-separated in a fixed order
 * (publickey, password, keyboard-interactive), for USERAUTH_FAILURE. */
void authmethods_next(const struct authmethods *a, char out[AUTHMETHODS_NAMES_MAX]);

#endif
