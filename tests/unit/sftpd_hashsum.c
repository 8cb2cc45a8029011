/* sftpd_hashsum: md5sum, sha1sum and sha256sum over exec — which commands
 * are hash commands, refused words (options, wildcards, shell syntax, "-"
 * among names), digests of files, of the input and of nothing against
 * known values, coreutils' escaping of odd names, a missing file, a
 * directory and a FIFO (status 1, the other names still answered), and a
 * file larger than one slice. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fs/fs.h"
#include "../../sftpd/hashsum/hashsum.h"
#include "../../sftpd/scp/scp.h"

static char rootdir[] = "/tmp/sftpd_hashsum.XXXXXX";
static struct fs_root root = FS_ROOT_ZERO;
static char err[8192]; /* the stderr text of the last run */

static void bail_out(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static void put_file(const char *rel, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) bail_out("cannot write a test file");
}

/* Runs cmd to its end, input (may be NULL) as the channel's data; the
 * output into out, the status returned (-1: refused, -2: never ended). */
static int run(const char *cmd, const char *input, char *out, size_t cap, const char **why)
{
	struct hashsum *h = hashsum_new(&root, cmd, strlen(cmd), why);
	size_t got = 0, errlen = 0;
	uint32_t status;
	int rounds;

	if (!h) bail_out("out of memory");
	if (input) hashsum_input(h, (const unsigned char *)input, strlen(input));
	for (rounds = 0; rounds < 10000; rounds++) {
		enum hashsum_run_result r = hashsum_run(h, 1);
		if (r == HASHSUM_FAILED) break;
		got += hashsum_output(h, (unsigned char *)out + got, cap - 1 - got);
		errlen +=
		    hashsum_err_output(h, (unsigned char *)err + errlen, sizeof err - 1 - errlen);
		if (hashsum_finished(h, &status)) break;
	}
	out[got] = 0;
	err[errlen] = 0;
	if (*why) { /* it points into h */
		static char kept[SCP_CMD_ERROR_MAX];
		snprintf(kept, sizeof kept, "%s", *why);
		*why = kept;
	}
	hashsum_free(h);
	return rounds == 10000 ? -2 : (int)status;
}

static void expect(const char *cmd, const char *input, int status, const char *want)
{
	static char out[16384];
	const char *why;
	int st = run(cmd, input, out, sizeof out, &why);

	is_int(st, status, "%s: status", cmd);
	is_str(out, want, "%s: output", cmd);
}

static void refused(const char *cmd, const char *want)
{
	char out[64];
	const char *why = 0;
	int st = run(cmd, 0, out, sizeof out, &why);

	ok(st == 1 && !out[0] && why && strstr(why, want) && !strncmp(err, "sftpd: refused: ", 16),
	   "%s: refused (%s), said on stderr", cmd, why ? why : "accepted");
}

static void test_is_hashsum(void)
{
	ok(hashsum_cmd_is_hashsum("md5sum f", 8), "md5sum f is a hash command");
	ok(hashsum_cmd_is_hashsum("  sha1sum", 9), "leading blanks");
	ok(hashsum_cmd_is_hashsum("sha256sum\tf", 11), "a tab after the name");
	ok(!hashsum_cmd_is_hashsum("sha512sum f", 11), "sha512sum is not one");
	ok(!hashsum_cmd_is_hashsum("md5sumx f", 9), "md5sumx is not one");
	ok(!hashsum_cmd_is_hashsum("md5 -r", 6), "md5 -r (BSD) is not one");
	ok(!hashsum_cmd_is_hashsum("", 0), "the empty command is not one");
}

static void test_refused(void)
{
	refused("md5sum -c sums", "options");
	refused("md5sum --check sums", "options");
	refused("md5sum *.txt", "wildcards");
	refused("md5sum a; rm -rf /", "unsupported shell syntax");
	refused("md5sum $(id)", "unsupported");
	refused("md5sum a | sh", "unsupported shell syntax");
	refused("md5sum 'unterminated", "unterminated");
	refused("md5sum a - b", "together with names");
}

/* A file beside the root, named through "..": not reached. */
static void confined(void)
{
	char outside[600], cmd[700];
	FILE *f;

	snprintf(outside, sizeof outside, "%s.outside", rootdir);
	f = fopen(outside, "w");
	if (!f || fclose(f)) bail_out("cannot write the file outside");
	snprintf(cmd, sizeof cmd, "md5sum ../%s", strrchr(outside, '/') + 1);
	expect(cmd, 0, 1, "");
	unlink(outside);
}

static void test_digests(void)
{
	expect("md5sum", 0, 0, "d41d8cd98f00b204e9800998ecf8427e  -\n");
	expect("md5sum -", "hello", 0, "5d41402abc4b2a76b9719d911017c592  -\n");
	expect("sha1sum --", "hello", 0, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d  -\n");
	expect("sha256sum abc.txt", 0, 0,
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc.txt\n");
	expect("md5sum abc.txt 'two words'", 0, 0,
	       "900150983cd24fb0d6963f7d28e17f72  abc.txt\n"
	       "d41d8cd98f00b204e9800998ecf8427e  two words\n");
	expect("md5sum -- -dash", 0, 0, "d41d8cd98f00b204e9800998ecf8427e  -dash\n");
	expect("md5sum 'back\\slash'", 0, 0, "\\d41d8cd98f00b204e9800998ecf8427e  back\\\\slash\n");
	expect("md5sum missing abc.txt", 0, 1, "900150983cd24fb0d6963f7d28e17f72  abc.txt\n");
	is_str(err, "md5sum: missing: No such file or directory\n", "the client's stderr names it");
	expect("md5sum dir abc.txt", 0, 1, "900150983cd24fb0d6963f7d28e17f72  abc.txt\n");
	expect("md5sum fifo", 0, 1, "");
	confined();
}

/* A file of several slices: the digest is the same as one read in one go,
 * and the work came back as "more" rather than in one call. */
static void test_slices(void)
{
	size_t len = 3 * HASHSUM_SLICE + 12345;
	unsigned char *data = malloc(len);
	const char *why;
	struct hashsum *h;
	unsigned more = 0;
	char out[256];
	size_t got = 0;
	uint32_t status = 9;

	if (!data) bail_out("out of memory");
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 13));
	put_file("big", data, len);
	free(data);
	h = hashsum_new(&root, "sha1sum big", 11, &why);
	if (!h) bail_out("out of memory");
	for (int i = 0; i < 100 && !hashsum_finished(h, &status); i++) {
		if (hashsum_run(h, 0) == HASHSUM_MORE) more++;
		got += hashsum_output(h, (unsigned char *)out + got, sizeof out - 1 - got);
	}
	out[got] = 0;
	hashsum_free(h);
	ok(more >= 4, "a %zu-byte file took %u slices", len, more);
	ok(status == 0 && got == 40 + 2 + 3 + 1 && !strcmp(out + 40, "  big\n"),
	   "one line for it: %s", out);
}

int main(void)
{
	char p[600];

	tap_logs_aside();
	if (!mkdtemp(rootdir)) bail_out("mkdtemp");
	put_file("abc.txt", "abc", 3);
	put_file("two words", "", 0);
	put_file("-dash", "", 0);
	put_file("back\\slash", "", 0);
	snprintf(p, sizeof p, "%s/dir", rootdir);
	if (mkdir(p, 0755) < 0) bail_out("mkdir");
	snprintf(p, sizeof p, "%s/fifo", rootdir);
	if (mkfifo(p, 0600) < 0) bail_out("mkfifo");
	if (!fs_root_open(&root, rootdir, 0)) bail_out("fs_root_open");

	test_is_hashsum();
	test_refused();
	test_digests();
	test_slices();

	tap_rm_tree(rootdir);
	return tap_done();
}
