/* fuzz_ftp_port: the PORT and EPRT argument parsers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../ftpsd/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char arg[512];
	if (size >= sizeof arg) return 0;
	memcpy(arg, data, size);
	arg[size] = 0;
	struct ftp_hostport hp;
	ftp_parse_port(arg, &hp);
	ftp_parse_eprt(arg, &hp);
	return 0;
}
