/* key_authfind: scans a whole authorized-keys text (OpenSSH lines and RFC
 * 4716 blocks mixed) for one key, and reads a single public key file in
 * either format. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "key/key_internal.h"

static const char key_begin_marker[] = "---- BEGIN SSH2 PUBLIC KEY ----";

static int key_starts_rfc4716(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	return n >= sizeof key_begin_marker - 1 &&
	       !memcmp(p, key_begin_marker, sizeof key_begin_marker - 1);
}

static unsigned key_count_lines(const char *p, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		c += p[i] == '\n';
	return c;
}

static void key_warn_line(void (*warn)(const char *, unsigned), int err, const char *why,
			  int matches, unsigned lineno)
{
	char msg[256];
	if (!warn || err == ENOENT) return;
	if (err == EACCES)
		snprintf(msg, sizeof msg, "%s: %s",
			 matches ? "matching key refused" : "key unusable", why);
	else if (err == ENOTSUP)
		snprintf(msg, sizeof msg, "unsupported key type");
	else if (err == EMSGSIZE)
		snprintf(msg, sizeof msg, "line too long");
	else
		snprintf(msg, sizeof msg, "malformed key line");
	warn(msg, lineno);
}

int key_authorized_find(const char *text, size_t len, const struct key_public *k,
			void (*warn)(const char *reason, unsigned lineno))
{
	size_t pos = 0;
	unsigned lineno = 1;
	struct key_public cand;
	char why[160];
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		if (key_starts_rfc4716(line, n)) {
			size_t used = 0;
			int r = key_parse_rfc4716(line, len - pos, &used, &cand);
			if (r && key_public_equal(&cand, k)) return 1;
			if (!r && warn)
				warn(errno == ENOTSUP ? "unsupported key type"
						      : "malformed RFC 4716 block",
				     lineno);
			if (!used) used = n + (nl != 0);
			lineno += key_count_lines(line, used);
			pos += used;
			continue;
		}
		cand.type = KEY_NONE;
		int r = key_parse_authorized_line(line, n, &cand, why, sizeof why);
		if (r && key_public_equal(&cand, k)) return 1;
		if (!r) {
			int e = errno;
			key_warn_line(warn, e, why, e == EACCES && key_public_equal(&cand, k),
				      lineno);
		}
		pos += n + (nl != 0);
		lineno++;
	}
	errno = ENOENT;
	return 0;
}

int key_parse_public_any_comment(const char *text, size_t len, struct key_public *k, char *comment,
				 size_t cap)
{
	size_t pos = 0;
	char why[160];
	if (comment && cap) comment[0] = 0;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		if (key_starts_rfc4716(line, n)) {
			size_t used;
			return key_parse_rfc4716_c(line, len - pos, &used, k, comment, cap);
		}
		if (key_parse_authorized_line_c(line, n, k, why, sizeof why, comment, cap))
			return 1;
		if (errno != ENOENT) return 0;
		pos += n + (nl != 0);
	}
	errno = ENOENT;
	return 0;
}

int key_parse_public_any(const char *text, size_t len, struct key_public *k)
{
	return key_parse_public_any_comment(text, len, k, 0, 0);
}
