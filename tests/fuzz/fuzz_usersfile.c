/* fuzz_usersfile.c: libFuzzer target for the users-file parser.  Each
 * input line goes through account_parse_line; a line that parses must
 * format back to exactly the same bytes (the syntax has one spelling). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "account/account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_one_line(const char *line, size_t len)
{
	static char again[ACCOUNT_MAX_LINE + 1];
	struct account a;

	if (!account_parse_line(line, len, &a)) return;
	if (!account_format_line(&a, again, sizeof again)) abort();
	if (strlen(again) != len || memcmp(again, line, len)) abort();
	(void)account_name_valid(a.name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fuzz_one_line(p, len);
		p += len + (nl != NULL);
	}
	return 0;
}
