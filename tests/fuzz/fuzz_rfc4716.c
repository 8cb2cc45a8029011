/* fuzz_rfc4716: RFC 4716 public key blocks; a parsed key is formatted
 * again and must parse back to the same key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "key/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct key_public k, k2;
	size_t used = 0;
	char comment[256], out[4096];
	if (!key_parse_rfc4716((const char *)data, size, &used, &k)) return 0;
	if (used > size) abort();
	key_parse_public_any_comment((const char *)data, size, &k2, comment, sizeof comment);
	if (key_public_format_rfc4716(&k, comment, out, sizeof out)) {
		size_t u2;
		struct key_public k3;
		if (!key_parse_rfc4716(out, strlen(out), &u2, &k3) || !key_public_equal(&k, &k3))
			abort();
	}
	return 0;
}
