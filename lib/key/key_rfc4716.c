/* key_rfc4716: "SSH Public Key File Format" blocks (RFC 4716): BEGIN
 * line, "Tag: value" headers with '\' continuations, base64 body, END
 * line.  Only the Comment header is kept; others are skipped. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_RFC4716_LINE_MAX 1024   /* RFC 4716 s3: lines are at most 1024 bytes */
#define KEY_RFC4716_HEADER_MAX 4096 /* one header, continuations joined */
#define KEY_RFC4716_TAG_MAX 64
#define KEY_RFC4716_B64_MAX (KEY_BLOB_MAX / 3 * 4 + 8)

static const char key_rfc_begin[] = "---- BEGIN SSH2 PUBLIC KEY ----";
static const char key_rfc_end[] = "---- END SSH2 PUBLIC KEY ----";

struct key_lines {
	const char *text;
	size_t len, pos;
};

/* Next line without its newline and surrounding blanks; 0 at the end. */
static int key_next_line(struct key_lines *ls, const char **l, size_t *n)
{
	if (ls->pos >= ls->len) return 0;
	const char *s = ls->text + ls->pos, *e = memchr(s, '\n', ls->len - ls->pos);
	if (!e) e = ls->text + ls->len;
	ls->pos = (size_t)(e - ls->text) + (e < ls->text + ls->len);
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && key_is_space((unsigned char)e[-1]))
		e--;
	*l = s;
	*n = (size_t)(e - s);
	return 1;
}

static int key_line_is(const char *l, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(l, want, n);
}

/* One header, joined over '\' continuations; keeps a Comment value. */
static int key_read_header(struct key_lines *ls, const char *l, size_t n, char *comment, size_t cap)
{
	char val[KEY_RFC4716_HEADER_MAX];
	size_t vlen = 0;
	const char *colon = memchr(l, ':', n);
	size_t taglen = (size_t)(colon - l);
	if (!taglen || taglen > KEY_RFC4716_TAG_MAX || memchr(l, ' ', taglen))
		return errno = EPROTO, 0;
	int is_comment = taglen == 7 && !strncasecmp(l, "Comment", 7);
	const char *v = colon + 1;
	size_t vn = n - taglen - 1;
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	for (;;) {
		int more = vn && v[vn - 1] == '\\';
		if (more) vn--;
		if (vn > sizeof val - 1 - vlen) return errno = EPROTO, 0;
		memcpy(val + vlen, v, vn);
		vlen += vn;
		if (!more) break;
		if (!key_next_line(ls, &v, &vn) || vn > KEY_RFC4716_LINE_MAX)
			return errno = EPROTO, 0;
	}
	if (!is_comment || !comment || !cap) return 1;
	const char *c = val;
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') c++, vlen -= 2;
	if (memchr(c, 0, vlen)) return errno = EPROTO, 0;
	if (vlen >= cap) vlen = cap - 1;
	memcpy(comment, c, vlen);
	comment[vlen] = 0;
	return 1;
}

static int key_rfc4716_body(struct key_lines *ls, struct key_public *k, char *comment, size_t cap,
			    int *end_seen)
{
	char b64[KEY_RFC4716_B64_MAX];
	size_t blen = 0, n;
	const char *l;
	int header = 1;
	for (;;) {
		if (!key_next_line(ls, &l, &n) || n > KEY_RFC4716_LINE_MAX)
			return errno = EPROTO, 0;
		if (key_line_is(l, n, key_rfc_end)) {
			*end_seen = 1;
			break;
		}
		if (header && memchr(l, ':', n)) {
			if (!key_read_header(ls, l, n, comment, cap)) return 0;
			continue;
		}
		header = 0;
		if (n > sizeof b64 - blen) return errno = EMSGSIZE, 0;
		memcpy(b64 + blen, l, n);
		blen += n;
	}
	unsigned char blob[KEY_BLOB_MAX];
	size_t bloblen;
	const char *stop = 0;
	if (sodium_base642bin(blob, sizeof blob, b64, blen, 0, &bloblen, &stop,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    stop != b64 + blen)
		return errno = EPROTO, 0;
	return key_public_from_blob(k, blob, bloblen);
}

int key_parse_rfc4716_c(const char *text, size_t len, size_t *used, struct key_public *k,
			char *comment, size_t cap)
{
	struct key_lines ls = {text, len, 0};
	const char *l = text;
	size_t n = 0;
	int ok = 0, end_seen = 0;
	if (comment && cap) comment[0] = 0;
	while (key_next_line(&ls, &l, &n) && !n) {
	}
	size_t after_begin = ls.pos;
	if (!n || !key_line_is(l, n, key_rfc_begin))
		errno = EPROTO;
	else
		ok = key_rfc4716_body(&ls, k, comment, cap, &end_seen);
	/* A block without its END line: only the BEGIN line is consumed, so
	 * that a scan of a whole file goes on with the next line. */
	*used = ok || end_seen ? ls.pos : after_begin;
	return ok;
}

int key_parse_rfc4716(const char *text, size_t len, size_t *used, struct key_public *k)
{
	return key_parse_rfc4716_c(text, len, used, k, 0, 0);
}
