/* fuzz_privkey: openssh-key-v1 private key texts.  The input is used both
 * as PEM text and, wrapped in PEM armour, as the binary container. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "key/key.h"

static void fuzz_one(const char *text, size_t len)
{
	struct key_private *k;
	if (!key_private_parse(&k, text, len)) return;
	unsigned char sig[KEY_SIG_MAX];
	size_t siglen;
	const struct key_public *pub = key_private_public(k);
	const char *alg = pub->type == KEY_RSA ? "rsa-sha2-256" : key_type_name(pub->type);
	if (key_sign(k, alg, (const unsigned char *)"x", 1, sig, &siglen) &&
	    !key_verify(pub, alg, sig, siglen, (const unsigned char *)"x", 1))
		abort();
	key_private_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	static const char end[] = "\n-----END OPENSSH PRIVATE KEY-----\n";
	static char buf[3 * 8192];
	if (sodium_init() < 0) return 0;
	fuzz_one((const char *)data, size);
	if (size > 8192) return 0;
	memcpy(buf, begin, sizeof begin - 1);
	size_t n = sizeof begin - 1;
	sodium_bin2base64(buf + n, sizeof buf - n, data, size, sodium_base64_VARIANT_ORIGINAL);
	n += strlen(buf + n);
	memcpy(buf + n, end, sizeof end);
	fuzz_one(buf, n + sizeof end - 1);
	return 0;
}
