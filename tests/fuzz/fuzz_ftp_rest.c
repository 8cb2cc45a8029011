/* fuzz_ftp_rest: REST, TYPE, EPSV, MFMT time and SITE CHMOD arguments. */
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
	uint64_t off;
	char t;
	int w;
	time_t tt;
	unsigned m, lo, hi;
	const char *p;
	if (ftp_parse_rest(arg, &off) && off >> 63) __builtin_trap();
	ftp_parse_type(arg, &t);
	ftp_parse_epsv(arg, &w);
	ftp_parse_time(arg, strlen(arg), &tt);
	ftp_parse_port_range(arg, &lo, &hi);
	if (ftp_parse_chmod(arg, &m, &p) && m > 07777) __builtin_trap();
	return 0;
}
