/* key_privfmt: writes a private key as an unencrypted openssh-key-v1 PEM
 * text (PROTOCOL.key) that ssh-keygen and ssh read.  The binary form is
 * built in sodium_malloc memory and wiped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_PEM_LINE 70
static const char key_pem_begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
static const char key_pem_end[] = "-----END OPENSSH PRIVATE KEY-----\n";

static int key_put_rsa_private(struct wire_out *w, const struct key_private *k)
{
	const RSA *rsa = EVP_PKEY_get0_RSA(k->rsa);
	const BIGNUM *n, *e, *d, *p, *q, *iqmp;
	if (!rsa) return errno = EINVAL, 0;
	RSA_get0_key(rsa, &n, &e, &d);
	RSA_get0_factors(rsa, &p, &q);
	RSA_get0_crt_params(rsa, 0, 0, &iqmp);
	if (!n || !e || !d || !p || !q || !iqmp) return errno = EINVAL, 0;
	return key_put_bn(w, n) && key_put_bn(w, e) && key_put_bn(w, d) && key_put_bn(w, iqmp) &&
	       key_put_bn(w, p) && key_put_bn(w, q);
}

static int key_put_private_fields(struct wire_out *w, const struct key_private *k)
{
	struct key_pubparts pp;
	if (!key_pubparts_of(&k->pub, &pp)) return errno = EINVAL, 0;
	wire_put_cstring(w, key_type_name(k->pub.type));
	switch (k->pub.type) {
	case KEY_ED25519:
		wire_put_string(w, pp.ed_pk, KEY_ED25519_PK_BYTES);
		return wire_put_string(w, k->ed_sk, KEY_ED25519_SK_BYTES);
	case KEY_RSA:
		return key_put_rsa_private(w, k);
	default: {
		const BIGNUM *d = k->ec ? EC_KEY_get0_private_key(k->ec) : 0;
		if (!d) return errno = EINVAL, 0;
		wire_put_cstring(w, key_ec_curve_name(k->pub.type));
		wire_put_string(w, pp.ec_q, pp.ec_qlen);
		return key_put_bn(w, d);
	}
	}
}

static int key_build_blob(const struct key_private *k, const char *comment, struct wire_out *w)
{
	uint32_t check;
	randombytes_buf(&check, sizeof check);
	wire_put_bytes(w, "openssh-key-v1", 15);
	wire_put_cstring(w, "none");
	wire_put_cstring(w, "none");
	wire_put_cstring(w, "");
	wire_put_u32(w, 1);
	wire_put_string(w, k->pub.blob, k->pub.bloblen);
	size_t at = w->len;
	wire_put_u32(w, 0);
	size_t start = w->len;
	wire_put_u32(w, check);
	wire_put_u32(w, check);
	if (!key_put_private_fields(w, k)) return 0;
	wire_put_cstring(w, comment ? comment : "");
	for (uint8_t i = 1; (w->len - start) % 8; i++)
		wire_put_u8(w, i);
	if (w->bad) return errno = EMSGSIZE, 0;
	wire_patch_u32(w, at, (uint32_t)(w->len - start));
	return 1;
}

/* PEM armour with 70-column base64 lines into a malloc'd text. */
static int key_armour(const unsigned char *bin, size_t n, char **text, size_t *len)
{
	size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = sodium_malloc(b64len);
	if (!b64) return errno = ENOMEM, 0;
	sodium_bin2base64(b64, b64len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	size_t l = strlen(b64),
	       cap = sizeof key_pem_begin + sizeof key_pem_end + l + l / KEY_PEM_LINE + 2;
	char *t = malloc(cap), *p = t;
	if (t) {
		memcpy(p, key_pem_begin, sizeof key_pem_begin - 1);
		p += sizeof key_pem_begin - 1;
		for (size_t i = 0; i < l; i += KEY_PEM_LINE) {
			size_t c = l - i < KEY_PEM_LINE ? l - i : KEY_PEM_LINE;
			memcpy(p, b64 + i, c);
			p += c;
			*p++ = '\n';
		}
		memcpy(p, key_pem_end, sizeof key_pem_end);
		p += sizeof key_pem_end - 1;
		*text = t;
		*len = (size_t)(p - t);
	}
	sodium_free(b64);
	return t ? 1 : (errno = ENOMEM, 0);
}

int key_private_format(const struct key_private *k, const char *comment, char **text, size_t *len)
{
	struct wire_out w;
	*text = 0;
	*len = 0;
	if (comment && (strlen(comment) >= KEY_COMMENT_MAX || strpbrk(comment, "\r\n")))
		return errno = EINVAL, 0;
	if (!key_private_check(k)) return 0;
	unsigned char *bin = sodium_malloc(KEY_PRIVBLOB_MAX);
	if (!bin) return errno = ENOMEM, 0;
	wire_out_init(&w, bin, KEY_PRIVBLOB_MAX);
	int ok = key_build_blob(k, comment, &w) && key_armour(bin, w.len, text, len);
	int e = errno;
	sodium_free(bin);
	errno = e;
	return ok;
}
