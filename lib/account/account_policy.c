/* account_policy.c: the users file's sixth field, per-account policy
 * (account.h says the syntax).  Strict like the rest of the line: an
 * unknown, repeated or malformed item makes the whole line malformed, so a
 * typo never widens what an account may do. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "account/account.h"

#define POLICY_AUTH_MAX_LISTS 8 /* sftpd's AUTHMETHODS_MAX_LISTS */
#define POLICY_AUTH_MAX_STEPS 4 /* sftpd's AUTHMETHODS_MAX_STEPS */

struct policy_item {
	const char *key;
	size_t keylen;
	char value[ACCOUNT_POLICY_MAX + 1];
	int has_value;
};

static int policy_bad(const char **why, const char *what)
{
	*why = what;
	errno = EPROTO;
	return 0;
}

/* A ',' separated list in value: calls each(ctx, item, len) per item;
 * empty items are malformed. */
typedef int policy_list_fn(struct account_policy *p, const char *s, size_t n, const char **why);

static int policy_each(struct account_policy *p, const char *value, policy_list_fn *each,
		       const char **why)
{
	for (const char *s = value;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (!n) return policy_bad(why, "empty item in a list");
		if (!each(p, s, n, why)) return 0;
		if (!c) return 1;
		s = c + 1;
	}
}

static int policy_octal(const char *v, mode_t *out)
{
	unsigned m = 0;
	size_t n = strlen(v);

	if (!n || n > 4) return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '7') return 0;
		m = m * 8 + (unsigned)(v[i] - '0');
	}
	if (m > 0777) return 0;
	*out = (mode_t)m;
	return 1;
}

/* Decimal, no sign, no leading zero, at most max. */
static int policy_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 19 || (n > 1 && s[0] == '0')) return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max) return 0;
	*out = v;
	return 1;
}

static int policy_size(const char *v, unsigned long long *out)
{
	size_t n = strlen(v);
	unsigned shift = 0;
	uint64_t num;

	if (n && strchr("KMGT", v[n - 1])) {
		shift = v[n - 1] == 'K' ? 10 : v[n - 1] == 'M' ? 20 : v[n - 1] == 'G' ? 30 : 40;
		n--;
	}
	if (!policy_decimal(v, n, ACCOUNT_POLICY_MAX_BYTES >> shift, &num) || !num) return 0;
	*out = (unsigned long long)(num << shift);
	return 1;
}

/* A root pattern as SFTPD_ROOT takes them: absolute, or starting with ~ or
 * %h; % only before u, h or %. */
static int policy_root(const char *v, char *out)
{
	size_t n = strlen(v);

	if (!n || n >= SLUICE_MAX_PATH) return 0;
	if (v[0] != '/' && v[0] != '~' && strncmp(v, "%h", 2)) return 0;
	if (v[0] == '~' && v[1] && v[1] != '/') return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '~' && i) return 0;
		if (v[i] != '%') continue;
		if (v[i + 1] != 'u' && v[i + 1] != 'h' && v[i + 1] != '%') return 0;
		i++;
	}
	memcpy(out, v, n + 1);
	return 1;
}

static const struct {
	const char *name;
	unsigned bit;
} policy_deny_names[] = {
    {"remove", ACCOUNT_DENY_REMOVE},   {"rename", ACCOUNT_DENY_RENAME},
    {"mkdir", ACCOUNT_DENY_MKDIR},     {"rmdir", ACCOUNT_DENY_RMDIR},
    {"setstat", ACCOUNT_DENY_SETSTAT}, {"symlink", ACCOUNT_DENY_SYMLINK},
    {"link", ACCOUNT_DENY_LINK},
};

static int policy_deny_one(struct account_policy *p, const char *s, size_t n, const char **why)
{
	for (size_t i = 0; i < ARRAY_LEN(policy_deny_names); i++) {
		if (strlen(policy_deny_names[i].name) != n ||
		    memcmp(s, policy_deny_names[i].name, n))
			continue;
		if (p->deny & policy_deny_names[i].bit)
			return policy_bad(why, "deny= names an operation twice");
		p->deny |= policy_deny_names[i].bit;
		return 1;
	}
	return policy_bad(why, "deny= takes remove, rename, mkdir, rmdir, setstat, symlink, link");
}

static int policy_group_one(struct account_policy *p, const char *s, size_t n, const char **why)
{
	char name[SLUICE_MAX_USERNAME + 1];
	uint64_t id;

	if (p->n_groups == ACCOUNT_POLICY_MAX_GROUPS) return policy_bad(why, "too many groups");
	if (n > SLUICE_MAX_USERNAME) return policy_bad(why, "group name too long");
	memcpy(name, s, n);
	name[n] = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		if (!policy_decimal(s, n, 4294967294u, &id))
			return policy_bad(why, "group number out of range");
		if (!id) return policy_bad(why, "group 0 is never given");
	} else if (!account_name_valid(name)) {
		return policy_bad(why, "not a group name");
	}
	memcpy(p->groups[p->n_groups++], name, n + 1);
	return 1;
}

static int policy_auth_word(const char *s, size_t n)
{
	static const char *const methods[] = {"publickey", "password", "keyboard-interactive"};
	for (size_t i = 0; i < ARRAY_LEN(methods); i++)
		if (strlen(methods[i]) == n && !memcmp(s, methods[i], n)) return 1;
	return 0;
}

/* SFTPD_AUTH_METHODS syntax: "any", or lists separated by spaces, each of
 * methods separated by commas, within sftpd's limits. */
static int policy_auth(const char *v, char *out, const char **why)
{
	unsigned lists = 0;
	const char *s = v;

	if (strlen(v) >= ACCOUNT_POLICY_MAX_AUTH) return policy_bad(why, "auth= too long");
	if (!strcmp(v, "any")) return (strcpy(out, v), 1);
	for (;;) {
		unsigned steps = 0;
		size_t n;
		while (*s == ' ')
			s++;
		if (!*s) break;
		n = strcspn(s, " ");
		if (++lists > POLICY_AUTH_MAX_LISTS)
			return policy_bad(why, "auth= has too many lists");
		for (const char *m = s, *end = s + n; m <= end;) {
			const char *c = memchr(m, ',', (size_t)(end - m));
			size_t k = c ? (size_t)(c - m) : (size_t)(end - m);
			if (!policy_auth_word(m, k))
				return policy_bad(
				    why, "auth= takes publickey, password, keyboard-interactive");
			if (++steps > POLICY_AUTH_MAX_STEPS)
				return policy_bad(why, "auth= has too many methods in one list");
			m += k + 1;
		}
		s += n;
	}
	if (!lists) return policy_bad(why, "auth= names no method");
	strcpy(out, v);
	return 1;
}

static int policy_yes_no(const char *v, const char *yes, const char *no, int *out)
{
	if (!strcmp(v, yes)) return (*out = 1, 1);
	if (!strcmp(v, no)) return (*out = 0, 1);
	return 0;
}

/* A certificate identity as FTPSD_TLS_USER_FROM_CERT extracts it: the
 * item syntax already keeps it printable and free of '"'; a blank at an
 * end would never be meant (and CN or address text rarely has one). */
static int policy_cert(const char *v, char *out, const char **why)
{
	size_t n = strlen(v);

	if (n > ACCOUNT_POLICY_MAX_CERT) return policy_bad(why, "cert= is longer than 255 bytes");
	if (v[0] == ' ' || v[n - 1] == ' ')
		return policy_bad(why, "cert= starts or ends with a space");
	memcpy(out, v, n + 1);
	return 1;
}

static int policy_key_is(const struct policy_item *it, const char *key)
{
	return strlen(key) == it->keylen && !memcmp(it->key, key, it->keylen);
}

/* The key's bit, 0 when unknown; *valued: whether it takes a value. */
static unsigned policy_key_bit(const struct policy_item *it, int *valued)
{
	static const struct {
		const char *key;
		unsigned bit;
		int valued;
	} keys[] = {
	    {"root", ACCOUNT_POL_ROOT, 1},	 {"ro", ACCOUNT_POL_RO, 0},
	    {"wo", ACCOUNT_POL_WO, 0},		 {"umask", ACCOUNT_POL_UMASK, 1},
	    {"mode", ACCOUNT_POL_MODE, 1},	 {"deny", ACCOUNT_POL_DENY, 1},
	    {"maxsize", ACCOUNT_POL_MAXSIZE, 1}, {"from", ACCOUNT_POL_FROM, 1},
	    {"auth", ACCOUNT_POL_AUTH, 1},	 {"scp", ACCOUNT_POL_SCP, 1},
	    {"groups", ACCOUNT_POL_GROUPS, 1},	 {"tls", ACCOUNT_POL_TLS, 1},
	    {"cert", ACCOUNT_POL_CERT, 1},
	};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (policy_key_is(it, keys[i].key)) return (*valued = keys[i].valued, keys[i].bit);
	return 0;
}

static int policy_apply(struct account_policy *p, unsigned bit, const char *v, const char **why)
{
	const char *cidr_why = 0;

	switch (bit) {
	case ACCOUNT_POL_ROOT:
		return policy_root(v, p->root) ||
		       policy_bad(why, "root= must start with /, ~ or %h; % only before u, h, %");
	case ACCOUNT_POL_UMASK:
		return policy_octal(v, &p->umask) || policy_bad(why, "umask= takes octal 0..0777");
	case ACCOUNT_POL_MODE:
		return policy_octal(v, &p->mode) || policy_bad(why, "mode= takes octal 0..0777");
	case ACCOUNT_POL_DENY:
		return policy_each(p, v, policy_deny_one, why);
	case ACCOUNT_POL_MAXSIZE:
		return policy_size(v, &p->maxsize) ||
		       policy_bad(why,
				  "maxsize= takes a number of bytes from 1, with K, M, G or T");
	case ACCOUNT_POL_FROM:
		if (strchr(v, ' ')) return policy_bad(why, "from= takes no spaces");
		if (!peer_cidr_parse(v, p->from, ACCOUNT_POLICY_MAX_FROM, &p->n_from, &cidr_why))
			return policy_bad(why, "from= is not a list of addresses or prefixes");
		return 1;
	case ACCOUNT_POL_AUTH:
		return policy_auth(v, p->auth, why);
	case ACCOUNT_POL_SCP:
		return policy_yes_no(v, "yes", "no", &p->scp) ||
		       policy_bad(why, "scp= takes yes or no");
	case ACCOUNT_POL_GROUPS:
		return policy_each(p, v, policy_group_one, why);
	case ACCOUNT_POL_TLS:
		return policy_yes_no(v, "optional", "required", &p->tls_optional) ||
		       policy_bad(why, "tls= takes optional or required");
	case ACCOUNT_POL_CERT:
		return policy_cert(v, p->cert, why);
	}
	return 1; /* ro, wo: no value */
}

/* Reads one item at text[*at]: key, then '=' and a bare or quoted value. */
static int policy_next_item(const char *text, size_t len, size_t *at, struct policy_item *it,
			    const char **why)
{
	size_t i = *at, n = 0;

	it->key = text + i;
	while (i < len && text[i] >= 'a' && text[i] <= 'z')
		i++;
	it->keylen = (size_t)(text + i - it->key);
	if (!it->keylen) return policy_bad(why, "an item has no key");
	it->has_value = i < len && text[i] == '=';
	if (it->has_value) {
		int quoted = ++i < len && text[i] == '"';
		i += (size_t)quoted;
		for (; i < len && (quoted ? text[i] != '"' : text[i] != ','); i++) {
			unsigned char c = (unsigned char)text[i];
			if (c < 0x20 || c > 0x7e || (!quoted && (c == ' ' || c == '"')))
				return policy_bad(why, "a value holds a character it may not");
			it->value[n++] = (char)c;
		}
		if (quoted && i++ == len) return policy_bad(why, "a quoted value is not closed");
		if (!n) return policy_bad(why, "an empty value");
	}
	it->value[n] = 0;
	if (i < len && text[i] != ',') return policy_bad(why, "items are separated by commas");
	if (i < len && i + 1 == len) return policy_bad(why, "a comma ends the field");
	*at = i < len ? i + 1 : i;
	return 1;
}

int account_policy_parse(const char *text, size_t len, struct account_policy *p, const char **why)
{
	struct policy_item it;
	size_t at = 0;

	memset(p, 0, sizeof *p);
	p->scp = 1;
	if (!len) return policy_bad(why, "an empty policy field");
	if (len > ACCOUNT_POLICY_MAX) return policy_bad(why, "the policy field is too long");
	if (memchr(text, 0, len)) return policy_bad(why, "a NUL byte");
	while (at < len) {
		int valued = 0;
		unsigned bit;
		if (!policy_next_item(text, len, &at, &it, why)) return 0;
		bit = policy_key_bit(&it, &valued);
		if (!bit) return policy_bad(why, "an unknown key");
		if (p->keys & bit) return policy_bad(why, "a key given twice");
		if (valued != it.has_value)
			return policy_bad(why, valued ? "a key without its value"
						      : "ro and wo take no value");
		if (!policy_apply(p, bit, it.value, why)) return 0;
		p->keys |= bit;
	}
	if ((p->keys & ACCOUNT_POL_RO) && (p->keys & ACCOUNT_POL_WO))
		return policy_bad(why, "ro and wo together");
	return 1;
}
