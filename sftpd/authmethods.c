/* authmethods: the lists of SFTPD_AUTH_METHODS and a connection's progress
 * through them, as OpenSSH's AuthenticationMethods: a success moves on
 * every list whose next step is that method and leaves the others as they
 * are; the first list to run out authenticates. */
#include <stdio.h>
#include <string.h>
#include "authmethods.h"

static const char *const method_names[AUTH_METHOD_COUNT] = {
    [AUTH_PUBLICKEY] = "publickey",
    [AUTH_PASSWORD] = "password",
    [AUTH_KBDINT] = "keyboard-interactive",
};

#define WORD_SHOW_MAX 40 /* bytes of a bad word quoted in a message */

enum auth_method authmethods_id(const char *name)
{
	for (int m = AUTH_PUBLICKEY; m < AUTH_METHOD_COUNT; m++)
		if (!strcmp(name, method_names[m])) return (enum auth_method)m;
	return AUTH_NONE;
}

const char *authmethods_name(enum auth_method m)
{
	return m > AUTH_NONE && m < AUTH_METHOD_COUNT ? method_names[m] : "none";
}

static enum auth_method method_of(const char *p, size_t n)
{
	for (int m = AUTH_PUBLICKEY; m < AUTH_METHOD_COUNT; m++)
		if (strlen(method_names[m]) == n && !memcmp(p, method_names[m], n))
			return (enum auth_method)m;
	return AUTH_NONE;
}

/* Empties a and says what is wrong with the word p[0..n), if any. */
static int bad(struct authmethods *a, char *why, size_t whylen, const char *what, const char *p,
	       size_t n, const char *then)
{
	int show = n > WORD_SHOW_MAX ? WORD_SHOW_MAX : (int)n;
	memset(a, 0, sizeof *a);
	if (p)
		snprintf(why, whylen, "%s \"%.*s%s\"%s", what, show, p,
			 n > WORD_SHOW_MAX ? "..." : "", then);
	else
		snprintf(why, whylen, "%s", what);
	return 0;
}

static int too_many(struct authmethods *a, char *why, size_t whylen, const char *what, int max)
{
	memset(a, 0, sizeof *a);
	snprintf(why, whylen, "more than %d %s", max, what);
	return 0;
}

/* One list, p[0..n): methods separated by commas. */
static int parse_list(struct authmethods *a, const char *p, size_t n, char *why, size_t whylen)
{
	unsigned i = a->n;
	const char *list = p, *end = p + n;

	if (a->n == AUTHMETHODS_MAX_LISTS)
		return too_many(a, why, whylen, "alternatives", AUTHMETHODS_MAX_LISTS);
	a->len[i] = 0;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t k = c ? (size_t)(c - p) : (size_t)(end - p);
		enum auth_method m = method_of(p, k);
		if (!k) return bad(a, why, whylen, "empty method in", list, n, "");
		if (m == AUTH_NONE && memchr(p, ':', k))
			return bad(a, why, whylen, "method", p, k,
				   ": submethods are not supported");
		if (m == AUTH_NONE)
			return bad(a, why, whylen, "unknown method", p, k,
				   "; accepted: publickey, password, keyboard-interactive");
		if (a->len[i] == AUTHMETHODS_MAX_STEPS)
			return too_many(a, why, whylen, "methods in one list",
					AUTHMETHODS_MAX_STEPS);
		a->method[i][a->len[i]++] = (unsigned char)m;
		if (!c) break;
		p = c + 1;
	}
	a->n++;
	return 1;
}

int authmethods_parse(struct authmethods *a, const char *spec, char *why, size_t whylen)
{
	const char *p = spec;

	memset(a, 0, sizeof *a);
	if (!strcmp(spec, "any")) spec = p = AUTHMETHODS_DEFAULT;
	for (;;) {
		size_t n;
		while (*p == ' ')
			p++;
		if (!*p) break;
		n = strcspn(p, " ");
		if (n == 3 && !memcmp(p, "any", 3))
			return bad(a, why, whylen, "any stands alone", 0, 0, "");
		if (!parse_list(a, p, n, why, whylen)) return 0;
		p += n;
	}
	if (!a->n) return bad(a, why, whylen, "no method", 0, 0, "");
	return 1;
}

int authmethods_check(const char *spec, char *why, size_t whylen)
{
	struct authmethods a;
	return authmethods_parse(&a, spec, why, whylen);
}

int authmethods_named(const struct authmethods *a, enum auth_method m)
{
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < a->len[i]; j++)
			if (a->method[i][j] == m) return 1;
	return 0;
}

int authmethods_allowed(const struct authmethods *a, enum auth_method m)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->done[i] < a->len[i] && a->method[i][a->done[i]] == m) return 1;
	return 0;
}

enum authmethods_step authmethods_passed(struct authmethods *a, enum auth_method m)
{
	enum authmethods_step r = AUTHMETHODS_OUT_OF_ORDER;

	if (m == AUTH_NONE) return r;
	for (unsigned i = 0; i < a->n; i++) {
		if (a->done[i] >= a->len[i] || a->method[i][a->done[i]] != m) continue;
		if (++a->done[i] == a->len[i]) return AUTHMETHODS_COMPLETE;
		r = AUTHMETHODS_PARTIAL;
	}
	return r;
}

void authmethods_next(const struct authmethods *a, char out[AUTHMETHODS_NAMES_MAX])
{
	size_t n = 0;

	out[0] = 0;
	for (int m = AUTH_PUBLICKEY; m < AUTH_METHOD_COUNT; m++) {
		size_t k = strlen(method_names[m]);
		if (!authmethods_allowed(a, (enum auth_method)m)) continue;
		if (n) out[n++] = ',';
		memcpy(out + n, method_names[m], k + 1);
		n += k;
	}
}
