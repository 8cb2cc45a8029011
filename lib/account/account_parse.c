/* account_parse.c: strict parsing and formatting of users-file lines
 * (name:hash:uid:gid:home[:policy], the policy in account_policy.c).  Anything unexpected is
 * EPROTO: a users file is security configuration, so a typo must not be guessed around. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include "account/account.h"

#define ACCOUNT_FIELDS 5
#define ACCOUNT_ID_MAX 4294967294u /* (uid_t)-1 means "unchanged" to the kernel */

const char *account_policy_why;

int account_name_valid(const char *name)
{
	size_t i, n;

	if (!name) return 0;
	n = strlen(name);
	if (!n || n > SLUICE_MAX_USERNAME || name[0] == '-') return 0;
	if (!strcmp(name, ".") || !strcmp(name, "..")) return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Decimal, digits only, no leading zero, at most ACCOUNT_ID_MAX. */
static int account_parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 10 || (len > 1 && s[0] == '0')) return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > ACCOUNT_ID_MAX) return 0;
	*out = (uint32_t)v;
	return 1;
}

static int account_hash_ok(const char *s, size_t len)
{
	size_t i;
	if (!len || len >= ACCOUNT_MAX_HASH) return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) return 0;
	return 1;
}

static int account_home_ok(const char *s, size_t len)
{
	size_t i;
	if (!len || len >= SLUICE_MAX_PATH || s[0] != '/') return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] == 0x7f) return 0;
	return 1;
}

static int account_line_blank(const char *line, size_t len)
{
	size_t i;
	if (len && line[0] == '#') return 1;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t') return 0;
	return 1;
}

/* Splits line at ':' into ACCOUNT_FIELDS fields and, after a fifth ':',
 * the policy field: the rest of the line (IPv6 prefixes hold colons). */
static int account_split(const char *line, size_t len, const char *f[], size_t flen[],
			 const char **policy, size_t *policy_len)
{
	size_t i, n = 0, start = 0;

	*policy = 0;
	*policy_len = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ':') continue;
		f[n] = line + start;
		flen[n++] = i - start;
		start = i + 1;
		if (n == ACCOUNT_FIELDS) break;
	}
	if (n != ACCOUNT_FIELDS) return 0;
	if (i < len) {
		*policy = line + i + 1;
		*policy_len = len - i - 1;
	}
	return 1;
}

static int account_fill_policy(const char *policy, size_t len, struct account *t)
{
	const char *why = 0;

	if (!policy) return 1;
	if (!account_policy_parse(policy, len, &t->policy, &why)) {
		account_policy_why = why;
		return 0;
	}
	memcpy(t->policy_text, policy, len);
	t->policy_text[len] = 0;
	return 1;
}

static int account_fill(const char *f[], const size_t flen[], struct account *t)
{
	uint32_t uid, gid;

	if (flen[0] > SLUICE_MAX_USERNAME) return 0;
	memcpy(t->name, f[0], flen[0]);
	t->name[flen[0]] = 0;
	if (!account_name_valid(t->name)) return 0;
	if (!account_hash_ok(f[1], flen[1])) return 0;
	memcpy(t->hash, f[1], flen[1]);
	t->hash[flen[1]] = 0;
	if (!account_parse_id(f[2], flen[2], &uid) || !account_parse_id(f[3], flen[3], &gid))
		return 0;
	t->uid = (uid_t)uid;
	t->gid = (gid_t)gid;
	if (!account_home_ok(f[4], flen[4])) return 0;
	memcpy(t->home, f[4], flen[4]);
	t->home[flen[4]] = 0;
	return 1;
}

int account_parse_line(const char *line, size_t len, struct account *a)
{
	struct account t; /* copied out only when the whole line is good */
	const char *f[ACCOUNT_FIELDS], *policy;
	size_t flen[ACCOUNT_FIELDS], policy_len;

	if (len > ACCOUNT_MAX_LINE || (len && memchr(line, 0, len))) return (errno = EPROTO, 0);
	if (account_line_blank(line, len)) return (errno = ENOENT, 0);
	int ok;

	memset(&t, 0, sizeof t);
	t.policy.scp = 1;
	account_policy_why = 0;
	ok = account_split(line, len, f, flen, &policy, &policy_len) && account_fill(f, flen, &t) &&
	     account_fill_policy(policy, policy_len, &t);
	if (ok) *a = t;
	/* no copy of a hash stays on the stack (a session process is forked
	 * from, or becomes, the process that looked the account up) */
	sodium_memzero(&t, sizeof t);
	if (!ok) errno = EPROTO;
	return ok;
}

int account_format_line(const struct account *a, char *out, size_t cap)
{
	struct account back;
	int n;

	if (!account_name_valid(a->name) || memchr(a->hash, 0, sizeof a->hash) == NULL ||
	    memchr(a->home, 0, sizeof a->home) == NULL ||
	    memchr(a->policy_text, 0, sizeof a->policy_text) == NULL)
		return (errno = EPROTO, 0);
	n = snprintf(out, cap, "%s:%s:%lu:%lu:%s%s%s", a->name, a->hash, (unsigned long)a->uid,
		     (unsigned long)a->gid, a->home, a->policy_text[0] ? ":" : "", a->policy_text);
	if (n < 0 || (size_t)n >= cap) return (errno = EMSGSIZE, 0);
	if (!account_parse_line(out, (size_t)n, &back)) return (errno = EPROTO, 0);
	return 1;
}
