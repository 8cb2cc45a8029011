/* fuzz_ftp_mlst: the OPTS MLST fact list parser. */
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
	unsigned m;
	if (ftp_parse_mlst_facts(arg, &m) && (m & ~FTP_FACTS_ALL)) __builtin_trap();
	return 0;
}
