/* key_pubfmt: public keys as text: OpenSSH one-line form, RFC 4716 blocks
 * and SHA256 fingerprints in the form ssh-keygen -l prints. */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_RFC4716_LINE 70

struct key_sbuf {
	char *p;
	size_t cap, len;
	int bad;
};

static void key_sbuf_put(struct key_sbuf *b, const char *s, size_t n)
{
	if (b->bad || n >= b->cap - b->len) {
		b->bad = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void key_sbuf_puts(struct key_sbuf *b, const char *s)
{
	key_sbuf_put(b, s, strlen(s));
}

static int key_sbuf_done(struct key_sbuf *b)
{
	if (b->bad) {
		if (b->cap) b->p[0] = 0;
		return errno = EMSGSIZE, 0;
	}
	return 1;
}

static int key_comment_ok(const char *c)
{
	return !c || !strpbrk(c, "\r\n");
}

/* The blob in base64 (original alphabet, padded); b64 >= 2800 bytes. */
static int key_blob_base64(const struct key_public *k, char *b64, size_t cap)
{
	if (k->bloblen > KEY_BLOB_MAX || !k->bloblen) return errno = EINVAL, 0;
	if (sodium_base64_ENCODED_LEN(k->bloblen, sodium_base64_VARIANT_ORIGINAL) > cap)
		return errno = EMSGSIZE, 0;
	sodium_bin2base64(b64, cap, k->blob, k->bloblen, sodium_base64_VARIANT_ORIGINAL);
	return 1;
}

#define KEY_B64_CAP (KEY_BLOB_MAX / 3 * 4 + 8)

int key_public_format_openssh(const struct key_public *k, const char *comment, char *buf,
			      size_t cap)
{
	char b64[KEY_B64_CAP];
	struct key_sbuf b = {buf, cap, 0, cap == 0};
	if (!key_comment_ok(comment)) return errno = EINVAL, 0;
	if (!key_blob_base64(k, b64, sizeof b64)) return 0;
	if (cap) buf[0] = 0;
	key_sbuf_puts(&b, key_type_name(k->type));
	key_sbuf_puts(&b, " ");
	key_sbuf_puts(&b, b64);
	if (comment && *comment) {
		key_sbuf_puts(&b, " ");
		key_sbuf_puts(&b, comment);
	}
	key_sbuf_puts(&b, "\n");
	return key_sbuf_done(&b);
}

/* Comment: "..." split with '\' continuations so no line passes 72 bytes. */
static void key_rfc4716_comment(struct key_sbuf *b, const char *comment)
{
	char line[KEY_COMMENT_MAX + 16];
	size_t n = strlen(comment);
	if (n > KEY_COMMENT_MAX) n = KEY_COMMENT_MAX;
	memcpy(line, "Comment: \"", 10);
	memcpy(line + 10, comment, n);
	line[10 + n] = '"';
	n += 11;
	for (size_t i = 0; i < n; i += KEY_RFC4716_LINE) {
		size_t chunk = n - i < KEY_RFC4716_LINE ? n - i : KEY_RFC4716_LINE;
		key_sbuf_put(b, line + i, chunk);
		key_sbuf_puts(b, i + chunk < n ? "\\\n" : "\n");
	}
}

int key_public_format_rfc4716(const struct key_public *k, const char *comment, char *buf,
			      size_t cap)
{
	char b64[KEY_B64_CAP];
	struct key_sbuf b = {buf, cap, 0, cap == 0};
	if (!key_comment_ok(comment)) return errno = EINVAL, 0;
	if (!key_blob_base64(k, b64, sizeof b64)) return 0;
	if (cap) buf[0] = 0;
	key_sbuf_puts(&b, "---- BEGIN SSH2 PUBLIC KEY ----\n");
	if (comment && *comment) key_rfc4716_comment(&b, comment);
	size_t n = strlen(b64);
	for (size_t i = 0; i < n; i += KEY_RFC4716_LINE) {
		key_sbuf_put(&b, b64 + i, n - i < KEY_RFC4716_LINE ? n - i : KEY_RFC4716_LINE);
		key_sbuf_puts(&b, "\n");
	}
	key_sbuf_puts(&b, "---- END SSH2 PUBLIC KEY ----\n");
	return key_sbuf_done(&b);
}

void key_fingerprint(const struct key_public *k, char out[KEY_FP_MAX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t n = k->bloblen <= KEY_BLOB_MAX ? k->bloblen : 0;
	crypto_hash_sha256(h, k->blob, n);
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, KEY_FP_MAX - 7, h, sizeof h,
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}
