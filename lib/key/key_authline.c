/* key_authline: one OpenSSH authorized_keys line (sshd(8) AUTHORIZED_KEYS
 * FILE FORMAT): [options] keytype base64 [comment].  Only options that
 * restrict what sluice never offers anyway are accepted; any other option
 * makes the key unusable, since sluice would not enforce it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_OPT_VALUE_MAX 1024
#define KEY_B64_MAX (KEY_BLOB_MAX / 3 * 4 + 8)

static const char *const key_opts_noop[] = {
    "restrict",		 "no-pty",     "no-port-forwarding", "no-agent-forwarding",
    "no-x11-forwarding", "no-user-rc",
};

struct key_opt {
	char name[65];
	int has_value;
	int value_long; /* value did not fit in value[] */
	char value[KEY_OPT_VALUE_MAX];
};

/* Reads name[="value"]; inside quotes only \" is an escape (as sshd does). */
static int key_opt_read(const char **pp, const char *end, struct key_opt *o)
{
	const char *p = *pp;
	size_t n = 0, v = 0;
	o->has_value = o->value_long = 0;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_')) {
		if (n >= sizeof o->name - 1) return errno = EPROTO, 0;
		o->name[n++] = *p++;
	}
	o->name[n] = 0;
	if (!n) return errno = EPROTO, 0;
	o->value[0] = 0;
	if (p < end && *p == '=') {
		if (++p >= end || *p != '"') return errno = EPROTO, 0;
		p++;
		o->has_value = 1;
		for (;;) {
			if (p >= end) return errno = EPROTO, 0;
			if (*p == '"') break;
			if (*p == '\\' && p + 1 < end && p[1] == '"') p++;
			if (v < sizeof o->value - 1)
				o->value[v++] = *p;
			else
				o->value_long = 1;
			p++;
		}
		o->value[v] = 0;
		p++;
	}
	*pp = p;
	return 1;
}

static int key_opt_allowed(const struct key_opt *o)
{
	if (!strcasecmp(o->name, "command"))
		return o->has_value && !o->value_long && !strcmp(o->value, "internal-sftp");
	if (o->has_value) return 0;
	for (size_t i = 0; i < sizeof key_opts_noop / sizeof key_opts_noop[0]; i++)
		if (!strcasecmp(o->name, key_opts_noop[i])) return 1;
	return 0;
}

/* Parses the comma-separated option list; *refused set (and why filled)
 * at the first option sluice does not enforce.  0 + EPROTO if malformed. */
static int key_opts_parse(const char **pp, const char *end, int *refused, char *why, size_t whylen)
{
	struct key_opt o;
	for (;;) {
		if (!key_opt_read(pp, end, &o)) return 0;
		if (!key_opt_allowed(&o) && !*refused) {
			*refused = 1;
			if (why && whylen)
				snprintf(why, whylen, "option %s%s is not supported by sluice",
					 o.name, o.has_value ? "=" : "");
		}
		if (*pp < end && **pp == ',') {
			(*pp)++;
			continue;
		}
		if (*pp == end || **pp == ' ' || **pp == '\t') return 1;
		return errno = EPROTO, 0;
	}
}

static const char *key_skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *key_token_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/* An unknown key type rather than options: a bare word followed by base64. */
static int key_looks_like_type(const char *p, const char *tend, const char *end)
{
	if (memchr(p, '=', (size_t)(tend - p)) || memchr(p, ',', (size_t)(tend - p)) ||
	    memchr(p, '"', (size_t)(tend - p)))
		return 0;
	const char *b = key_skip_space(tend, end);
	return end - b >= 4 && !memcmp(b, "AAAA", 4);
}

/* keytype base64 [comment] */
static int key_read_keypart(const char *p, const char *end, struct key_public *k, char *comment,
			    size_t cap)
{
	unsigned char blob[KEY_BLOB_MAX];
	size_t bloblen;
	const char *tend = key_token_end(p, end);
	enum key_type t = key_type_from_name(p, (size_t)(tend - p));
	if (t == KEY_NONE) return errno = (tend > p ? ENOTSUP : EPROTO), 0;
	const char *b = key_skip_space(tend, end);
	const char *bend = key_token_end(b, end);
	if (b == tend || bend == b) return errno = EPROTO, 0;
	if ((size_t)(bend - b) > KEY_B64_MAX) return errno = EMSGSIZE, 0;
	const char *stop = 0;
	if (sodium_base642bin(blob, sizeof blob, b, (size_t)(bend - b), 0, &bloblen, &stop,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    stop != bend)
		return errno = EPROTO, 0;
	if (!key_public_from_blob(k, blob, bloblen)) return 0;
	if (k->type != t) return errno = EPROTO, 0;
	if (comment && cap) {
		const char *c = key_skip_space(bend, end);
		size_t n = (size_t)(end - c);
		if (n >= cap) n = cap - 1;
		memcpy(comment, c, n);
		comment[n] = 0;
	}
	return 1;
}

int key_parse_authorized_line_c(const char *line, size_t len, struct key_public *k, char *why,
				size_t whylen, char *comment, size_t cap)
{
	const char *p = line, *end = line + len;
	int refused = 0;
	if (why && whylen) why[0] = 0;
	if (comment && cap) comment[0] = 0;
	if (len > KEY_LINE_MAX) return errno = EMSGSIZE, 0;
	while (end > p && key_is_space((unsigned char)end[-1]))
		end--;
	p = key_skip_space(p, end);
	if (p == end || *p == '#') return errno = ENOENT, 0;
	if (memchr(p, 0, (size_t)(end - p)) || memchr(p, '\n', (size_t)(end - p)))
		return errno = EPROTO, 0;
	const char *tend = key_token_end(p, end);
	if (key_type_from_name(p, (size_t)(tend - p)) == KEY_NONE &&
	    !key_looks_like_type(p, tend, end)) {
		if (!key_opts_parse(&p, end, &refused, why, whylen)) return 0;
		p = key_skip_space(p, end);
	}
	if (!key_read_keypart(p, end, k, comment, cap)) {
		if (why && whylen && errno == ENOTSUP)
			snprintf(why, whylen, "unsupported key type");
		return 0;
	}
	if (refused) return errno = EACCES, 0;
	return 1;
}

int key_parse_authorized_line(const char *line, size_t len, struct key_public *k, char *why,
			      size_t whylen)
{
	return key_parse_authorized_line_c(line, len, k, why, whylen, 0, 0);
}
