/* fuzz_client_match: the input is an SFTPD_CLIENT_MATCH value, then
 * (after the first newline) a client version line to match against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sftpd/client_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1), *version, why[160];
	struct client_tuning t;
	char out[256];

	if (!spec) return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	version = strchr(spec, '\n');
	if (version) *version++ = 0;
	if (client_match_check(spec, why, sizeof why)) {
		client_match_find(spec, version ? version : "SSH-2.0-OpenSSH_9.2", &t);
		client_match_filter("curve25519-sha256,aes128-ctr,zlib", t.disable, out,
				    sizeof out);
	}
	free(spec);
	return 0;
}
