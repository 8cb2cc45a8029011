/* fuzz_keyblob: public key blobs and signature verification with junk:
 * the input is split into a blob, a signature blob and the signed data. */
#include <stdint.h>
#include <string.h>
#include "key/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const algs[] = {
	    "ssh-ed25519",	   "rsa-sha2-256",	  "rsa-sha2-512",	"ssh-rsa",
	    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"};
	struct key_public k;
	char fp[KEY_FP_MAX], line[4096];
	if (size < 3) return 0;
	size_t bloblen = (size_t)data[0] << 8 | data[1];
	unsigned alg = data[2] % (sizeof algs / sizeof algs[0]);
	data += 3;
	size -= 3;
	if (bloblen > size) bloblen = size;
	if (!key_public_from_blob(&k, data, bloblen)) return 0;
	key_fingerprint(&k, fp);
	key_public_format_openssh(&k, "c", line, sizeof line);
	key_public_bits(&k);
	const uint8_t *rest = data + bloblen;
	size_t rlen = size - bloblen;
	size_t siglen = rlen / 2;
	key_verify(&k, algs[alg], rest, siglen, rest + siglen, rlen - siglen);
	key_verify(&k, key_type_name(k.type), rest, rlen, (const unsigned char *)"", 0);
	return 0;
}
