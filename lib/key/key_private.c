/* key_private: unencrypted OpenSSH private key files (openssh-key-v1,
 * PROTOCOL.key): PEM armour, the outer container, the private section with
 * its check ints and padding.  Secrets stay in sodium_malloc memory. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "key/key_internal.h"

#define KEY_MAGIC "openssh-key-v1"
#define KEY_MAGIC_LEN 15 /* including the NUL */

struct key_private *key_private_alloc(void)
{
	if (sodium_init() < 0) return errno = EIO, (struct key_private *)0;
	struct key_private *k = sodium_malloc(sizeof *k);
	if (!k) return errno = ENOMEM, (struct key_private *)0;
	memset(k, 0, sizeof *k);
	return k;
}

void key_private_free(struct key_private *k)
{
	if (!k) return;
	if (k->ed_sk) sodium_free(k->ed_sk);
	if (k->rsa) EVP_PKEY_free(k->rsa);
	if (k->ec) EC_KEY_free(k->ec);
	if (k->raw) sodium_free(k->raw);
	sodium_memzero(k, sizeof *k);
	sodium_free(k);
}

const struct key_public *key_private_public(const struct key_private *k)
{
	return &k->pub;
}

const char *key_private_comment(const struct key_private *k)
{
	return k->comment;
}

/* Ed25519 private part: string pk, string seed||pk. */
static int key_read_ed25519(struct wire_in *in, struct key_private *k, struct key_pubparts *pp)
{
	const unsigned char *pk, *sk;
	uint32_t pklen, sklen;
	unsigned char pk2[KEY_ED25519_PK_BYTES];
	if (!wire_get_string(in, &pk, &pklen) || !wire_get_string(in, &sk, &sklen)) return 0;
	if (pklen != KEY_ED25519_PK_BYTES || sklen != KEY_ED25519_SK_BYTES)
		return errno = EPROTO, 0;
	if (memcmp(sk + 32, pk, 32)) return errno = EPROTO, 0;
	k->ed_sk = sodium_malloc(KEY_ED25519_SK_BYTES);
	if (!k->ed_sk) return errno = ENOMEM, 0;
	memcpy(k->ed_sk, sk, KEY_ED25519_SK_BYTES);
	/* The seed must really produce this public key. */
	unsigned char *tmp = sodium_malloc(KEY_ED25519_SK_BYTES);
	if (!tmp) return errno = ENOMEM, 0;
	crypto_sign_seed_keypair(pk2, tmp, sk);
	sodium_free(tmp);
	if (memcmp(pk2, pk, sizeof pk2)) return errno = EPROTO, 0;
	pp->type = KEY_ED25519;
	pp->ed_pk = pk;
	return 1;
}

static int key_read_private_fields(struct wire_in *in, struct key_private *k,
				   struct key_pubparts *pp)
{
	const unsigned char *name;
	uint32_t nlen;
	if (!wire_get_string(in, &name, &nlen)) return 0;
	enum key_type t = key_type_from_name((const char *)name, nlen);
	if (t == KEY_NONE) return errno = ENOTSUP, 0;
	if (t != k->pub.type) return errno = EPROTO, 0;
	memset(pp, 0, sizeof *pp);
	pp->type = t;
	size_t start = in->pos;
	switch (t) {
	case KEY_ED25519:
		k->built = 1;
		return key_read_ed25519(in, k, pp);
	case KEY_RSA:
		if (!key_read_rsa_private(in, k, pp, 0)) return 0;
		break;
	default:
		if (!key_read_ec_private(in, k, pp, 0)) return 0;
		break;
	}
	/* Keep the fields for key_private_check; no libcrypto yet. */
	k->rawlen = in->pos - start;
	k->raw = sodium_malloc(k->rawlen ? k->rawlen : 1);
	if (!k->raw) return errno = ENOMEM, 0;
	memcpy(k->raw, in->p + start, k->rawlen);
	return 1;
}

int key_private_check(const struct key_private *kc)
{
	struct key_private *k = (struct key_private *)kc; /* the objects are a cache */
	struct wire_in in;
	struct key_pubparts pp;
	if (k->built) return 1;
	if (k->broken || !k->raw) return errno = EPROTO, 0;
	memset(&pp, 0, sizeof pp);
	pp.type = k->pub.type;
	wire_in_init(&in, k->raw, k->rawlen);
	int ok = k->pub.type == KEY_RSA ? key_read_rsa_private(&in, k, &pp, 1)
					: key_read_ec_private(&in, k, &pp, 1);
	if (!ok || !wire_done(&in)) {
		k->broken = 1;
		return errno = EPROTO, 0;
	}
	k->built = 1;
	sodium_free(k->raw);
	k->raw = 0;
	k->rawlen = 0;
	return 1;
}

/* uint32 check, uint32 check, key fields, string comment, padding 1,2,3... */
static int key_parse_section(struct key_private *k, const unsigned char *p, size_t len)
{
	struct wire_in in;
	struct key_pubparts pp;
	struct key_public again;
	uint32_t c1, c2;
	if (len % 8) return errno = EPROTO, 0;
	wire_in_init(&in, p, len);
	if (!wire_get_u32(&in, &c1) || !wire_get_u32(&in, &c2)) return 0;
	if (c1 != c2) return errno = EPROTO, 0;
	if (!key_read_private_fields(&in, k, &pp)) return 0;
	if (!key_public_build(&again, &pp) || !key_public_equal(&again, &k->pub))
		return errno = EPROTO, 0;
	if (!wire_get_cstring(&in, k->comment, sizeof k->comment)) return errno = EPROTO, 0;
	size_t left = wire_left(&in);
	if (left >= 8) return errno = EPROTO, 0;
	for (size_t i = 1; i <= left; i++) {
		uint8_t b;
		if (!wire_get_u8(&in, &b) || b != i) return errno = EPROTO, 0;
	}
	return wire_done(&in) ? 1 : (errno = EPROTO, 0);
}

static int key_expect_string(struct wire_in *in, const char *want, int err)
{
	const unsigned char *s;
	uint32_t n;
	if (!wire_get_string(in, &s, &n)) return 0;
	if (n != strlen(want) || memcmp(s, want, n)) return errno = err, 0;
	return 1;
}

static int key_parse_container(struct key_private *k, const unsigned char *p, size_t len)
{
	struct wire_in in;
	const unsigned char *magic, *pub, *sec;
	uint32_t n, publen, seclen;
	wire_in_init(&in, p, len);
	if (!wire_get_bytes(&in, &magic, KEY_MAGIC_LEN) || memcmp(magic, KEY_MAGIC, KEY_MAGIC_LEN))
		return errno = EPROTO, 0;
	if (!key_expect_string(&in, "none", ENOTSUP)) return 0; /* cipher: encrypted keys refused */
	if (!key_expect_string(&in, "none", ENOTSUP)) return 0; /* kdf */
	if (!key_expect_string(&in, "", EPROTO)) return 0;	/* kdf options */
	if (!wire_get_u32(&in, &n)) return 0;
	if (n != 1) return errno = (n ? ENOTSUP : EPROTO), 0;
	if (!wire_get_string(&in, &pub, &publen) || !wire_get_string(&in, &sec, &seclen)) return 0;
	if (!wire_done(&in)) return errno = EPROTO, 0;
	if (!key_public_from_blob_lazy(&k->pub, pub, publen)) return 0;
	return key_parse_section(k, sec, seclen);
}

/* Finds the PEM armour and decodes the base64 between into a secret buffer. */
static int key_pem_decode(const char *text, size_t len, unsigned char *bin, size_t cap,
			  size_t *binlen)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char end[] = "-----END OPENSSH PRIVATE KEY-----";
	size_t i = 0;
	while (i < len && key_is_space((unsigned char)text[i]))
		i++;
	if (len - i < sizeof begin - 1 || memcmp(text + i, begin, sizeof begin - 1))
		return errno = EPROTO, 0;
	i += sizeof begin - 1;
	const char *e = memmem(text + i, len - i, end, sizeof end - 1);
	if (!e) return errno = EPROTO, 0;
	for (const char *t = e + sizeof end - 1; t < text + len; t++)
		if (!key_is_space((unsigned char)*t)) return errno = EPROTO, 0;
	const char *stop = 0;
	if (sodium_base642bin(bin, cap, text + i, (size_t)(e - (text + i)), " \t\r\n", binlen,
			      &stop, sodium_base64_VARIANT_ORIGINAL) ||
	    stop != e)
		return errno = EPROTO, 0;
	return 1;
}

int key_private_parse(struct key_private **out, const char *text, size_t len)
{
	*out = 0;
	if (len > KEY_PRIVATE_TEXT_MAX) return errno = EMSGSIZE, 0;
	struct key_private *k = key_private_alloc();
	if (!k) return 0;
	unsigned char *bin = sodium_malloc(KEY_PRIVBLOB_MAX);
	size_t binlen = 0;
	int ok = bin ? key_pem_decode(text, len, bin, KEY_PRIVBLOB_MAX, &binlen) &&
			   key_parse_container(k, bin, binlen)
		     : (errno = ENOMEM, 0);
	int e = errno;
	if (bin) sodium_free(bin);
	if (!ok) {
		key_private_free(k);
		errno = e;
		return 0;
	}
	*out = k;
	return 1;
}

static int key_read_file(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR) continue;
			return 0;
		}
		if (!r) break;
		n += (size_t)r;
		if (n == cap) return errno = EMSGSIZE, 0;
	}
	*len = n;
	return 1;
}

int key_private_load(struct key_private **out, const char *path)
{
	*out = 0;
	if (sodium_init() < 0) return errno = EIO, 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	char *buf = sodium_malloc(KEY_PRIVATE_TEXT_MAX + 1);
	size_t n = 0;
	int ok = buf ? key_read_file(fd, buf, KEY_PRIVATE_TEXT_MAX + 1, &n) : (errno = ENOMEM, 0);
	int e = errno;
	close(fd);
	if (ok) {
		ok = key_private_parse(out, buf, n);
		e = errno;
	}
	if (buf) sodium_free(buf);
	errno = e;
	return ok;
}
