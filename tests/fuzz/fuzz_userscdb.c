/* fuzz_userscdb: arbitrary bytes as a compiled users file (FILE.cdb): a
 * lookup of a few names must fail cleanly or return an account whose name
 * is the one asked for, never read outside the file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account/account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static const char *names[] = {"alice", "bob", "a", "user1"};
	struct account a;
	FILE *f;

	if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_userscdb.%ld.cdb", (long)getpid());
	f = fopen(path, "wb");
	if (!f) return 0;
	if (size && fwrite(data, 1, size, f) != size) abort();
	fclose(f);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (account_lookup_cdb(path, names[i], &a) && strcmp(a.name, names[i])) abort();
	return 0;
}
