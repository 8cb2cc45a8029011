/* conf: configuration from environment variables, driven by a table.
 * Each program declares a table of its variables (name, type, default,
 * range, one-line doc); conf_load validates every variable with the
 * program's prefix and refuses unknown or malformed ones.  The same table
 * feeds `-t` output and the man page list. */
#ifndef SLUICE_CONF_H
#define SLUICE_CONF_H

#include <stddef.h>

enum conf_type {
	CONF_BOOL,    /* yes/no, true/false, on/off, 1/0 */
	CONF_UINT,    /* decimal, within [min, max] */
	CONF_SECONDS, /* decimal seconds, or with suffix s m h; within [min, max] */
	CONF_BYTES,   /* decimal bytes, or with suffix K M G (binary); within [min, max] */
	CONF_OCTAL,   /* octal mode like 022, within [min, max] */
	CONF_STRING,  /* any non-empty string without control characters */
	CONF_PATH,    /* absolute path (may contain %u and ~ where documented) */
	CONF_ENUM,    /* one word out of `allowed` (comma-separated) */
	CONF_LIST,    /* comma-separated, each item out of `allowed`, no repeats */
	CONF_CHECKED, /* text without control characters that `check` accepts;
			 `allowed` says in words what that is */
};

struct conf_var {
	const char *name; /* full variable name, e.g. "SFTPD_MAX_AUTH_TRIES" */
	enum conf_type type;
	const char *def; /* default as text; NULL or "" = unset */
	unsigned long long min, max;
	const char *allowed; /* CONF_ENUM / CONF_LIST: comma-separated words */
	const char *doc;     /* one line */
	/* CONF_CHECKED: 1 when s is valid, else 0 with why filled */
	int (*check)(const char *s, char *why, size_t whylen);
};

struct conf_value {
	const char *str;	/* effective text value (default or from env); "" if unset */
	unsigned long long num; /* parsed number for BOOL/UINT/SECONDS/BYTES/OCTAL */
	int from_env;		/* 1 when set in the environment */
};

/* Reads every table entry from envp, and refuses any variable that starts
 * with prefix but is not in the table.  On error returns 0, errno EINVAL and
 * writes a message naming variable, value and what is accepted into err. */
int conf_load(const char *prefix, const struct conf_var *table, size_t n, struct conf_value *values,
	      char *const *envp, char *err, size_t errlen);

/* Prints "NAME=value" for every variable, one per line (for -t). */
void conf_print(int fd, const struct conf_var *table, size_t n, const struct conf_value *values);

/* Prints the table as a man page fragment (mdoc .It lines). */
void conf_print_mdoc(int fd, const struct conf_var *table, size_t n);

/* For CONF_LIST: 1 if word is in the list value. */
int conf_list_has(const char *list, const char *word);

#endif
