/* fuzz_ftp_cmd: the bounded line reader and command splitter on arbitrary
 * control-channel bytes, fed in uneven chunks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../ftpsd/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ftp_linebuf lb;
	static char line[FTP_MAX_LINE + 1];
	memset(&lb, 0, sizeof lb);
	size_t off = 0, step = size ? (size_t)data[0] % 97 + 1 : 1;
	while (off < size) {
		size_t n = size - off;
		if (n > step) n = step;
		if (n > ftp_line_room(&lb)) n = ftp_line_room(&lb);
		ftp_line_feed(&lb, (const char *)data + off, n);
		off += n;
		size_t len;
		int r;
		while ((r = ftp_line_next(&lb, line, sizeof line, &len)) != 0) {
			if (r < 0) continue;
			if (strlen(line) != len) __builtin_trap();
			struct ftp_cmdline c;
			if (ftp_parse_cmdline(line, len, &c) && strlen(c.verb) > FTP_MAX_VERB)
				__builtin_trap();
		}
	}
	return 0;
}
