/* fuzz_authorized_keys: key_authorized_find over a whole authorized-keys
 * text, and key_parse_authorized_line on its first line. */
#include <stdint.h>
#include <string.h>
#include "key/key.h"

static void fuzz_warn(const char *reason, unsigned lineno)
{
	(void)reason;
	(void)lineno;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The key looked for: a fixed ed25519 key. */
	static const unsigned char blob[] = {
	    0,	0,  0,	11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0,  0,
	    0,	32, 1,	2,  3,	 4,   5,   6,	7,   8,	  9,   10,  11,	 12,  13,  14, 15,
	    16, 17, 18, 19, 20,	 21,  22,  23,	24,  25,  26,  27,  28,	 29,  30,  31, 32};
	struct key_public want, k;
	char why[128];
	if (!key_public_from_blob(&want, blob, sizeof blob)) return 0;
	key_authorized_find((const char *)data, size, &want, fuzz_warn);
	const uint8_t *nl = memchr(data, '\n', size);
	key_parse_authorized_line((const char *)data, nl ? (size_t)(nl - data) : size, &k, why,
				  sizeof why);
	key_parse_public_any((const char *)data, size, &k);
	return 0;
}
