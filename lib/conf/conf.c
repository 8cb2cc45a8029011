/* conf: load and validate configuration from the environment using the
 * program's table.  Every value (including defaults) goes through the same
 * strict parsers; an unknown prefixed variable or a malformed value is an
 * error whose text names the variable, the value and what is accepted. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_internal.h"

#define CONF_SHOW_MAX 64 /* at most this many bytes of a bad value in messages */

unsigned long long conf_max(const struct conf_var *v)
{
	return v->max ? v->max : ULLONG_MAX;
}

/* Strict decimal (base 10) or octal (base 8): digits only, no sign, no
 * whitespace, no overflow.  Returns the number of digits read, 0 on error. */
static size_t conf_scan_digits(const char *s, unsigned base, unsigned long long *out)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] < (char)('0' + base); i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (n > (ULLONG_MAX - d) / base) return 0;
		n = n * base + d;
	}
	*out = n;
	return i;
}

static int conf_mul(unsigned long long *n, unsigned long long m)
{
	if (*n > ULLONG_MAX / m) return 0;
	*n *= m;
	return 1;
}

/* Number with an optional one-letter unit suffix from `units` with the
 * matching multipliers. */
static int conf_scan_unit(const char *s, const char *units, const unsigned long long *mult,
			  unsigned long long *out)
{
	size_t k = conf_scan_digits(s, 10, out);
	const char *u;

	if (!k) return 0;
	if (!s[k]) return 1;
	if (s[k + 1]) return 0;
	u = strchr(units, s[k]);
	if (!u) return 0;
	return conf_mul(out, mult[u - units]);
}

static int conf_scan_bool(const char *s, unsigned long long *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcasecmp(s, yes[i])) return *out = 1, 1;
		if (!strcasecmp(s, no[i])) return *out = 0, 1;
	}
	return 0;
}

static int conf_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
	return 0;
}

/* 1 if word (len bytes) is one of the comma-separated words in list. */
static int conf_word_in(const char *list, const char *word, size_t len)
{
	const char *p = list;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n == len && !memcmp(p, word, len)) return 1;
		p = c ? c + 1 : 0;
	}
	return 0;
}

int conf_list_has(const char *list, const char *word)
{
	return list && word && *word && !strchr(word, ',') &&
	       conf_word_in(list, word, strlen(word));
}

/* Copies at most CONF_SHOW_MAX bytes of s into buf for messages, with
 * control characters as \xNN and "..." when clipped. */
static void conf_show(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; s[i] && i < CONF_SHOW_MAX && o + 8 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
}

/* Shows the item at p (n bytes) like conf_show. */
static void conf_show_item(char *buf, size_t len, const char *p, size_t n)
{
	char item[CONF_SHOW_MAX + 2];
	size_t k = n < CONF_SHOW_MAX + 1 ? n : CONF_SHOW_MAX + 1;

	memcpy(item, p, k);
	item[k] = 0;
	conf_show(buf, len, item);
}

/* 1 if the item at p (n bytes) already occurred among the items of s before p. */
static int conf_seen_before(const char *s, const char *p, size_t n)
{
	while (s < p) {
		const char *c = strchr(s, ',');
		if ((size_t)(c - s) == n && !memcmp(s, p, n)) return 1;
		s = c + 1;
	}
	return 0;
}

static int conf_check_list(const struct conf_var *v, const char *s, char *why, size_t whylen)
{
	const char *p = s;
	char show[4 * CONF_SHOW_MAX + 8];

	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (!n) {
			snprintf(why, whylen, "empty item; accepted: %s",
				 v->allowed ? v->allowed : "");
			return 0;
		}
		if (!conf_word_in(v->allowed, p, n)) {
			conf_show_item(show, sizeof show, p, n);
			snprintf(why, whylen, "unknown item \"%s\"; accepted: %s", show,
				 v->allowed ? v->allowed : "");
			return 0;
		}
		if (conf_seen_before(s, p, n)) {
			conf_show_item(show, sizeof show, p, n);
			snprintf(why, whylen, "item \"%s\" repeated", show);
			return 0;
		}
		if (!c) return 1;
		p = c + 1;
	}
}

/* Parses s for v into *num; on failure writes why into why. */
static int conf_parse(const struct conf_var *v, const char *s, unsigned long long *num, char *why,
		      size_t whylen)
{
	static const unsigned long long smult[] = {1, 60, 3600};
	static const unsigned long long bmult[] = {1ULL << 10, 1ULL << 20, 1ULL << 30};
	int good = 0;

	*num = 0;
	switch (v->type) {
	case CONF_BOOL:
		good = conf_scan_bool(s, num);
		break;
	case CONF_UINT:
		good = *s && conf_scan_digits(s, 10, num) == strlen(s);
		break;
	case CONF_SECONDS:
		good = conf_scan_unit(s, "smh", smult, num);
		break;
	case CONF_BYTES:
		good = conf_scan_unit(s, "KMG", bmult, num);
		break;
	case CONF_OCTAL:
		good = *s && conf_scan_digits(s, 8, num) == strlen(s);
		break;
	case CONF_STRING:
		good = *s && !conf_has_ctl(s);
		break;
	case CONF_PATH:
		good = (*s == '/' || *s == '~' || *s == '%') && !conf_has_ctl(s);
		break;
	case CONF_ENUM:
		good = *s && !strchr(s, ',') && conf_word_in(v->allowed, s, strlen(s));
		break;
	case CONF_LIST:
		if (!*s) break;
		return conf_check_list(v, s, why, whylen);
	case CONF_CHECKED:
		if (!*s || conf_has_ctl(s) || !v->check) break;
		return v->check(s, why, whylen);
	}
	if (good && conf_type_is_number(v->type) && (*num < v->min || *num > conf_max(v))) good = 0;
	if (!good) {
		char what[256];
		conf_describe(v, what, sizeof what);
		snprintf(why, whylen, "expected %s", what);
	}
	return good;
}

/* The value of name in envp, or NULL. The first occurrence wins, as with getenv. */
static const char *conf_env_find(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
	return 0;
}

/* Refuses variables with the prefix that are not in the table. */
static int conf_check_unknown(const char *prefix, const struct conf_var *table, size_t n,
			      char *const *envp, char *err, size_t errlen)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!plen) return 1;
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq = strchr(e, '=');
		size_t len = eq ? (size_t)(eq - e) : strlen(e), i;
		if (strncmp(e, prefix, plen)) continue;
		for (i = 0; i < n; i++)
			if (strlen(table[i].name) == len && !memcmp(table[i].name, e, len)) break;
		if (i == n) {
			char show[4 * CONF_SHOW_MAX + 8], name[CONF_SHOW_MAX + 1];
			size_t k = len < CONF_SHOW_MAX ? len : CONF_SHOW_MAX;
			memcpy(name, e, k);
			name[k] = 0;
			conf_show(show, sizeof show, name);
			snprintf(err, errlen, "%s%s: unknown variable", show, len > k ? "..." : "");
			return 0;
		}
	}
	return 1;
}

static int conf_load_one(const struct conf_var *v, struct conf_value *val, char *const *envp,
			 char *err, size_t errlen)
{
	char why[512], show[4 * CONF_SHOW_MAX + 8];
	const char *s = conf_env_find(envp, v->name);

	val->from_env = !!s;
	val->num = 0;
	if (!s) {
		s = v->def ? v->def : "";
		val->str = s;
		if (!*s) return 1;
		if (conf_parse(v, s, &val->num, why, sizeof why)) return 1;
		snprintf(err, errlen, "bad default %s=%s: %s", v->name, s, why);
		return 0;
	}
	val->str = s;
	/* VAR= where the default is "unset" says "unset", as the manuals
	 * document (SFTPD_USERS_FILE= for system accounts). */
	if (!*s && (!v->def || !*v->def) &&
	    (v->type == CONF_PATH || v->type == CONF_STRING || v->type == CONF_CHECKED))
		return 1;
	if (conf_parse(v, s, &val->num, why, sizeof why)) return 1;
	conf_show(show, sizeof show, s);
	snprintf(err, errlen, "%s=%s: %s", v->name, show, why);
	return 0;
}

int conf_load(const char *prefix, const struct conf_var *table, size_t n, struct conf_value *values,
	      char *const *envp, char *err, size_t errlen)
{
	size_t i;

	if (err && errlen) err[0] = 0;
	if (!err) errlen = 0;
	for (i = 0; i < n; i++) {
		if (!conf_load_one(table + i, values + i, envp, err, errlen)) {
			errno = EINVAL;
			return 0;
		}
	}
	if (!conf_check_unknown(prefix, table, n, envp, err, errlen)) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}
