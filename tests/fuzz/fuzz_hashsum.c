/* fuzz_hashsum: the input is an exec command for the hash commands, then
 * (after the first newline, if any) the channel's data; run to the end
 * over a small temporary root made once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "log/log.h"
#include "../../sftpd/hashsum/hashsum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_hashsum.XXXXXX";
static struct fs_root fuzz_root = FS_ROOT_ZERO;

static void fuzz_cleanup(void)
{
	char p[64];
	snprintf(p, sizeof p, "%s/a", fuzz_dir);
	unlink(p);
	rmdir(fuzz_dir);
}

static int fuzz_setup(void)
{
	char p[64];
	FILE *f;

	if (fuzz_root.fd >= 0) return 1;
	log_init("fuzz_hashsum", "fuzz");
	if (!mkdtemp(fuzz_dir)) return 0;
	atexit(fuzz_cleanup);
	snprintf(p, sizeof p, "%s/a", fuzz_dir);
	f = fopen(p, "w");
	if (!f || fputs("abc", f) < 0 || fclose(f)) return 0;
	return fs_root_open(&fuzz_root, fuzz_dir, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t cmdlen = nl ? (size_t)(nl - data) : size;
	unsigned char out[512];
	const char *why;
	struct hashsum *h;
	uint32_t status;

	if (!fuzz_setup()) abort();
	if (!hashsum_cmd_is_hashsum((const char *)data, cmdlen)) return 0;
	h = hashsum_new(&fuzz_root, (const char *)data, cmdlen, &why);
	if (!h) return 0;
	if (nl) hashsum_input(h, nl + 1, size - cmdlen - 1);
	for (int i = 0; i < 1000 && !hashsum_finished(h, &status); i++) {
		if (hashsum_run(h, 1) == HASHSUM_FAILED) break;
		while (hashsum_pending(h))
			if (hashsum_output(h, out, sizeof out) == 0) abort();
		while (hashsum_err_pending(h))
			if (hashsum_err_output(h, out, sizeof out) == 0) abort();
	}
	hashsum_free(h);
	return 0;
}
