/* fuzz_fspath.c: libFuzzer target for path resolution in lib/fs.  Input is
 * a client path resolved in a fixed tree full of awkward symlinks; checks
 * that fs_realpath gives a clean absolute path and names the same object
 * the kernel (openat2 RESOLVE_IN_ROOT) finds, and that nothing crashes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include "fs/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fs_root root = FS_ROOT_ZERO;

static char base[] = "/tmp/sluice-fuzz-fs-XXXXXX";

static int fuzz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void fuzz_cleanup(void)
{
	fs_root_close(&root);
	nftw(base, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_tree(void)
{
	static const char *links[][2] = {
	    {"../outside", "esc"},    {"/a", "abs"},	   {"a/b/../..", "up"},
	    {"loop", "loop"},	      {"/", "top"},	   {"a/b/c", "deep"},
	    {"../../..", "a/b/dots"}, {"missing", "dang"}, {"../f", "a/f"},
	};
	char p[128];
	size_t i;

	if (!mkdtemp(base)) abort();
	atexit(fuzz_cleanup);
	snprintf(p, sizeof p, "%s/root/a/b/c", base);
	for (i = strlen(base) + 1; p[i]; i++)
		if (p[i] == '/') {
			p[i] = 0;
			mkdir(p, 0755);
			p[i] = '/';
		}
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/root/f", base);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	for (i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(p, sizeof p, "%s/root/%s", base, links[i][1]);
		if (symlink(links[i][0], p) < 0) abort();
	}
	snprintf(p, sizeof p, "%s/root", base);
	if (!fs_root_open(&root, p, 0)) abort();
}

static void fuzz_check_clean(const char *out)
{
	size_t n = strlen(out);
	if (out[0] != '/' || strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../"))
		abort();
	if (n > 1 && out[n - 1] == '/') abort();
	if ((n >= 2 && !strcmp(out + n - 2, "/.")) || (n >= 3 && !strcmp(out + n - 3, "/..")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[SLUICE_MAX_PATH + 64], out[SLUICE_MAX_PATH], buf[SLUICE_MAX_PATH];
	struct stat st, st2;
	int have;

	if (root.fd < 0) fuzz_tree();
	if (size >= sizeof path) return 0;
	memcpy(path, data, size);
	path[size] = 0;
	have = fs_stat(&root, path, &st);
	if (fs_realpath(&root, path, out, sizeof out) >= 0) {
		fuzz_check_clean(out);
		if (have && (!fs_stat(&root, out, &st2) || st.st_ino != st2.st_ino ||
			     st.st_dev != st2.st_dev))
			abort();
	} else if (have) {
		abort(); /* the kernel found it, realpath must too */
	}
	(void)fs_lstat(&root, path, &st);
	(void)fs_readlink(&root, path, buf, sizeof buf);
	{
		int fd = fs_open(&root, path, O_RDONLY | O_NONBLOCK, 0);
		if (fd >= 0) close(fd);
	}
	return 0;
}
