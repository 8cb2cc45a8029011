/* account.c: unit tests for lib/account: strict users-file parsing (many
 * malformed lines), lookups with line numbers on errors, argon2id and
 * sha512-crypt verification, and atomic set/remove keeping other lines. */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include "account/account.h"
#include "../tap.h"

static char dir[64];
static char path[128];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static char *read_file(void)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f) fclose(f);
	buf[n] = 0;
	return buf;
}

static int parses(const char *line)
{
	struct account a;
	return account_parse_line(line, strlen(line), &a);
}

static void test_names(void)
{
	char n65[66];

	memset(n65, 'a', 65);
	n65[65] = 0;
	ok(account_name_valid("alice"), "name alice");
	ok(account_name_valid("a.b_c-d9"), "name with . _ -");
	ok(account_name_valid("A"), "one-letter name");
	ok(account_name_valid(n65 + 1), "64-char name");
	ok(!account_name_valid(n65), "65-char name refused");
	ok(!account_name_valid(""), "empty name refused");
	ok(!account_name_valid(NULL), "NULL name refused");
	ok(!account_name_valid("-rf"), "leading - refused");
	ok(!account_name_valid(".") && !account_name_valid(".."), ". and .. refused");
	ok(!account_name_valid("a b") && !account_name_valid("a/b") && !account_name_valid("a:b") &&
	       !account_name_valid("\xc3\xa9"),
	   "space, slash, colon, non-ASCII refused");
}

static void test_parse_good(void)
{
	struct account a;
	const char *l = "alice:$argon2id$v=19$m=12288,t=3,p=1$c2FsdA$aGFzaA:1000:100:/home/alice";

	memset(&a, 0x55, sizeof a);
	ok(account_parse_line(l, strlen(l), &a), "good line parses");
	is_str(a.name, "alice", "name");
	is_str(a.hash, "$argon2id$v=19$m=12288,t=3,p=1$c2FsdA$aGFzaA", "hash");
	is_int(a.uid, 1000, "uid");
	is_int(a.gid, 100, "gid");
	is_str(a.home, "/home/alice", "home");
	is_int(a.from_system, 0, "from_system 0");
	ok(parses("bob:!:0:0:/"), "locked, uid 0, home /");
	ok(parses("max:*:4294967294:4294967294:/srv/ftp dir/x"), "largest ids, space in home");
	ok(parses("u:$6$salt$abc:1:2:/h\xc3\xa9"), "UTF-8 in home");
	ok(account_parse_line("bob:!:1:1:/hXXX", 12, &a) && !strcmp(a.home, "/h"),
	   "length, not NUL, ends the line");
}

static void test_parse_bad(void)
{
	static const char *bad[] = {
	    "alice:x:1:1",
	    "alice:x:1:1:/h:extra",
	    "alice",
	    ":x:1:1:/h",
	    "-al:x:1:1:/h",
	    "al ice:x:1:1:/h",
	    "a/b:x:1:1:/h",
	    "..:x:1:1:/h",
	    "al::1:1:/h",
	    "al:a b:1:1:/h",
	    "al:a\tb:1:1:/h",
	    "al:\x7f:1:1:/h",
	    "al:x:-1:1:/h",
	    "al:x:+1:1:/h",
	    "al:x:01:1:/h",
	    "al:x::1:/h",
	    "al:x:1a:1:/h",
	    "al:x:4294967295:1:/h",
	    "al:x:4294967296:1:/h",
	    "al:x:99999999999:1:/h",
	    "al:x: 1:1:/h",
	    "al:x:1 :1:/h",
	    "al:x:1:-1:/h",
	    "al:x:1::/h",
	    "al:x:1:0x10:/h",
	    "al:x:1:1:",
	    "al:x:1:1:home",
	    "al:x:1:1:/h\r",
	    "al:x:1:1:/h\x01",
	    " # not a comment",
	    " alice:x:1:1:/h",
	    "alice:x:1:1:/h:",
	    "al\xc3\xa9:x:1:1:/h",
	};
	char big[ACCOUNT_MAX_LINE + 10], hash[ACCOUNT_MAX_HASH + 20], name[80];
	struct account a;
	size_t i;
	int all = 1;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		errno = 0;
		if (parses(bad[i]) || errno != EPROTO) {
			printf("# accepted or wrong errno: '%s'\n", bad[i]);
			all = 0;
		}
	}
	ok(all, "%zu malformed lines refused with EPROTO", ARRAY_LEN(bad));
	ok(!account_parse_line("al:x:1:1:/h\0x", 13, &a) && errno == EPROTO,
	   "embedded NUL: EPROTO");
	memset(hash, 'h', sizeof hash);
	snprintf(hash + 3 + ACCOUNT_MAX_HASH, 17, ":1:1:/h");
	memcpy(hash, "al:", 3);
	ok(!parses(hash) && errno == EPROTO, "hash of ACCOUNT_MAX_HASH bytes: EPROTO");
	memset(name, 'n', sizeof name);
	snprintf(name + 65, 15, ":x:1:1:/h");
	ok(!parses(name) && errno == EPROTO, "65-byte name: EPROTO");
	memset(big, 'a', sizeof big);
	memcpy(big, "al:x:1:1:/", 10);
	big[sizeof big - 1] = 0;
	ok(!parses(big) && errno == EPROTO, "line over ACCOUNT_MAX_LINE: EPROTO");
	ok(!parses("") && errno == ENOENT, "empty line: ENOENT (blank)");
	ok(!parses("# comment: a:b:c:d") && errno == ENOENT, "comment: ENOENT");
	ok(!parses(" \t ") && errno == ENOENT, "blanks only: ENOENT");
}

static void test_lookup(void)
{
	struct account a;

	write_file("# users\n\nalice:!:1000:1000:/home/alice\n  "
		   "\n#bob:x:1:1:/nope\nbob:*:1001:1001:/srv/bob");
	ok(account_lookup_file(path, "alice", &a) && a.uid == 1000 &&
	       !strcmp(a.home, "/home/alice"),
	   "lookup alice");
	ok(account_lookup_file(path, "bob", &a) && a.uid == 1001 && !strcmp(a.hash, "*"),
	   "lookup bob on a last line without newline");
	ok(!account_lookup_file(path, "carol", &a) && errno == ENOENT, "unknown user: ENOENT");
	ok(!account_lookup_file(path, "../alice", &a) && errno == ENOENT, "invalid name: ENOENT");
	ok(!account_lookup_file(path, "#bob", &a) && errno == ENOENT, "commented-out user: ENOENT");
	write_file("alice:!:1000:1000:/home/alice\n# c\n\nbroken line\nzed:!:1:1:/z\n");
	ok(account_lookup_file(path, "alice", &a) && a.uid == 1000,
	   "a malformed line elsewhere: alice still found");
	ok(account_lookup_file(path, "zed", &a) && a.uid == 1, "and zed, after the malformed line");
	write_file("alice:!:10x0:1000:/home/alice\nbob:!:2:2:/b\n");
	ok(!account_lookup_file(path, "alice", &a) && errno == ENOENT,
	   "alice's own line malformed: alice refused (ENOENT)");
	ok(account_lookup_file(path, "bob", &a) && a.uid == 2,
	   "bob unaffected by alice's bad line");
	write_file("alice:!:1000:1000:/home/alice\r\n");
	ok(!account_lookup_file(path, "alice", &a) && errno == ENOENT,
	   "CRLF line: malformed, the account refused");
	write_file("alice:!:1:1:/a\nbob:!:2:2:/b\nalice:!:3:3:/c\n");
	ok(!account_lookup_file(path, "alice", &a) && errno == EPROTO && account_error_line == 3,
	   "duplicate name: EPROTO at the second one");
	ok(account_lookup_file(path, "bob", &a) && a.uid == 2,
	   "(duplicates of other names are not looked for)");
	{
		FILE *f = fopen(path, "w");
		int i;
		fputs("alice:!:1:1:/a\n", f);
		for (i = 0; i < ACCOUNT_MAX_LINE + 5; i++)
			fputc('#', f);
		fputs("\nbob:!:2:2:/b\n", f);
		fclose(f);
	}
	ok(account_lookup_file(path, "bob", &a) && a.uid == 2,
	   "an over-long line is skipped: bob after it found");
	ok(account_lookup_file(path, "alice", &a) && a.uid == 1, "and alice before it");
	{
		FILE *f = fopen(path, "w");
		int i;
		for (i = 0; i < 3 * ACCOUNT_MAX_LINE; i++)
			fputc('x', f);
		fputs("carol:!:3:3:/c\nbob:!:2:2:/b", f);
		fclose(f);
	}
	ok(!account_lookup_file(path, "carol", &a) && errno == ENOENT,
	   "a name at the end of an over-long line is not an account");
	ok(account_lookup_file(path, "bob", &a) && a.uid == 2,
	   "bob on the line after a line three times too long");
	write_file("alice:!:1:1:/a\n");
	ok(account_lookup_file(path, "alice", &a) && account_error_line == 0,
	   "good file again, error line reset");
	unlink(path);
	ok(!account_lookup_file(path, "alice", &a) && errno == ENOENT, "missing file: ENOENT");
}

static void test_system(void)
{
	struct account a;

	ok(account_lookup_system("root", &a) && a.uid == 0 && a.from_system == 1 &&
	       a.home[0] == '/',
	   "system lookup root");
	ok(!account_lookup_system("no-such-user-sluice", &a) && errno == ENOENT,
	   "system lookup unknown: ENOENT");
	ok(!account_lookup_system("bad name", &a) && errno == ENOENT,
	   "system lookup invalid name: ENOENT");
}

/* FILE.cdb answers as FILE does, and is used only while newer. */
static void test_cdb(void)
{
	struct account a;
	char cdbpath[512];
	unsigned n = 0, skipped = 0;
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

	write_file("# c\nalice:!:1:1:/a\nbroken\nbob:*:2:2:/b\ncarol:*:3:3:/c\nbob:*:4:4:/d\n");
	ok(account_cdb_build(path, &n, &skipped) && n == 3 && skipped == 1,
	   "cdb built: 3 names (bob's two lines count once), 1 malformed line left out");
	utimensat(AT_FDCWD, path, old, 0); /* the text file older than the cdb */
	ok(account_cdb_current(path, cdbpath, sizeof cdbpath), "the cdb is newer: current");
	ok(account_lookup_file(path, "alice", &a) && a.uid == 1 && !strcmp(a.home, "/a"),
	   "alice through the cdb");
	ok(!account_lookup_file(path, "bob", &a) && errno == EPROTO,
	   "bob, on two lines: refused through the cdb too");
	ok(!account_lookup_file(path, "dave", &a) && errno == ENOENT, "unknown name: ENOENT");
	ok(!account_lookup_file(path, "../x", &a) && errno == ENOENT, "invalid name: ENOENT");
	write_file("alice:!:7:7:/a\n");
	utimensat(AT_FDCWD, path, old, 0);
	ok(account_lookup_file(path, "carol", &a) && a.uid == 3,
	   "a text file older than the cdb is not read (carol still found)");
	write_file("alice:!:7:7:/a\n");
	ok(!account_cdb_current(path, cdbpath, sizeof cdbpath) &&
	       !account_lookup_file(path, "carol", &a) && errno == ENOENT &&
	       account_lookup_file(path, "alice", &a) && a.uid == 7,
	   "a newer text file wins over the cdb");
	ok(account_file_set(
	       path,
	       &(struct account){.name = "zed", .hash = "*", .uid = 9, .gid = 9, .home = "/z"}) &&
	       account_cdb_current(path, cdbpath, sizeof cdbpath) &&
	       account_lookup_cdb(cdbpath, "zed", &a) && a.uid == 9,
	   "an edit rebuilds the existing cdb");
	write_file("x");
	{
		FILE *f = fopen(cdbpath, "w");
		fputs("not a cdb at all", f);
		fclose(f);
	}
	ok(!account_lookup_cdb(cdbpath, "alice", &a), "a damaged cdb: refused, no crash");
	unlink(cdbpath);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The shortest of three timings of one check, in ms. */
static double check_ms(const struct account *a, const char *pw)
{
	double best = 1e9;

	for (int i = 0; i < 3; i++) {
		double t0 = now_ms();
		account_verify_password(a, pw, strlen(pw));
		if (now_ms() - t0 < best) best = now_ms() - t0;
	}
	return best;
}

/* The dummies for system accounts: crypt settings like the real hashes,
 * one per scheme, so that every attempt checks each scheme once. */
static void test_dummy_like(void)
{
	struct account a, b;
	char *real, *bcrypt;
	double t_sha, t_bcrypt, t_unknown;

	ok(!account_dummy_like("*") && errno == EINVAL, "dummy like '*': refused");
	ok(!account_dummy_like("$argon2id$v=19$m=12288,t=3,p=1$c2FsdA$aGFzaA") && errno == EINVAL,
	   "dummy like an argon2id hash: refused (the argon2id dummy stays)");
	ok(!account_dummy_like("$$") && !account_dummy_like("$6$") && !account_dummy_like("$6$$x"),
	   "dummy like a hash without a salt: refused");
	ok(!account_dummy_like("$2b$10$short"),
	   "dummy like a bcrypt hash without its salt: refused");
	real = strdup(crypt("pw", "$6$rounds=6000$abcdefgh$"));
	ok(real && account_dummy_like(real), "dummy like a sha512crypt hash with rounds");
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "x");
	snprintf(a.hash, sizeof a.hash, "%s", real ? real : "*");
	ok(account_verify_password(&a, "pw", 2), "the real hash still verifies");
	ok(!account_verify_password(0, "pw", 2) && errno == EACCES,
	   "an unknown name fails (against the dummy)");
	/* bcrypt: the salt follows the cost without a '$' */
	bcrypt = strdup(crypt("pw", "$2b$08$abcdefghijklmnopqrstuO"));
	ok(bcrypt && account_dummy_like(bcrypt), "dummy like a bcrypt hash");
	b = a;
	snprintf(b.hash, sizeof b.hash, "%s", bcrypt ? bcrypt : "*");
	ok(account_verify_password(&b, "pw", 2), "the real bcrypt hash verifies");
	t_sha = check_ms(&a, "wrong");
	t_bcrypt = check_ms(&b, "wrong");
	t_unknown = check_ms(0, "wrong");
	printf("# wrong password: sha512crypt %.1f ms, bcrypt %.1f ms; unknown name %.1f ms\n",
	       t_sha, t_bcrypt, t_unknown);
	ok(t_unknown > t_bcrypt / 2 && t_unknown > t_sha / 2 && t_sha > t_unknown / 2 &&
	       t_bcrypt > t_unknown / 2,
	   "two schemes in use: an unknown name and a wrong password for either cost one check "
	   "of each");
	ok(account_dummy_like("$6$rounds=6000$zyxwvuts$x") && account_dummy_like(bcrypt),
	   "a scheme seen before adds no dummy");
	ok(account_dummy_like("$5$abcdefgh$x") && account_dummy_like("$1$abcdefgh$x"),
	   "up to ACCOUNT_MAX_DUMMIES (4) schemes");
	ok(!account_dummy_like("$y$j9T$abcdefghijklmnopqrstu.$x") && errno == ENOSPC,
	   "a fifth scheme: ENOSPC");
	ok(account_dummy_like("$6$rounds=6000$abcdefgh$y"), "a scheme seen before still fits");
	free(real);
	free(bcrypt);
}

static void test_verify_argon2(void)
{
	struct account a;
	char small[16];
	double t0, t1, t2;

	memset(&a, 0, sizeof a);
	strcpy(a.name, "alice");
	ok(account_hash_password("s3cret pw", 9, a.hash, sizeof a.hash), "hash a password");
	ok(!strncmp(a.hash, "$argon2id$v=19$m=12288,t=3,p=1$", 31),
	   "argon2id with the header's cost: %s", a.hash);
	ok(!account_hash_password("x", 1, small, sizeof small) && errno == EMSGSIZE,
	   "small output: EMSGSIZE");
	t0 = now_ms();
	ok(account_verify_password(&a, "s3cret pw", 9), "right password");
	t1 = now_ms();
	ok(!account_verify_password(&a, "s3cret pX", 9) && errno == EACCES,
	   "wrong password: EACCES");
	ok(!account_verify_password(&a, "s3cret p", 8), "prefix of the password");
	ok(!account_verify_password(&a, "s3cret pw\0", 10), "password plus NUL");
	ok(!account_verify_password(NULL, "s3cret pw", 9) && errno == EACCES,
	   "unknown user: EACCES");
	t2 = now_ms();
	ok(!account_verify_password(NULL, "s3cret pw", 9), "unknown user again (dummy ready)");
	printf("# verify %.1f ms, unknown user %.1f ms\n", t1 - t0, now_ms() - t2);
	ok(!account_verify_password(&a, NULL, 3), "NULL password");
	{
		static char longpw[SLUICE_MAX_PASSWORD + 2];
		memset(longpw, 'p', sizeof longpw - 1);
		ok(!account_verify_password(&a, longpw, sizeof longpw - 1),
		   "over-long password refused");
	}
	memmove(a.hash + 1, a.hash, strlen(a.hash) + 1);
	a.hash[0] = '!';
	ok(!account_verify_password(&a, "s3cret pw", 9),
	   "locked (!) argon2id hash refuses the right password");
	strcpy(a.hash, "!");
	ok(!account_verify_password(&a, "", 0), "hash ! refuses even the empty password");
	strcpy(a.hash, "*");
	ok(!account_verify_password(&a, "*", 1), "hash * refuses");
	a.hash[0] = 0;
	ok(!account_verify_password(&a, "", 0), "empty hash refuses");
	strcpy(a.hash, "abJnggxhB/yWI"); /* DES crypt of "test" */
	ok(!account_verify_password(&a, "test", 4), "DES crypt not accepted");
}

static void test_verify_crypt(void)
{
	struct crypt_data cd;
	struct account a;
	const char *h;

	memset(&cd, 0, sizeof cd);
	memset(&a, 0, sizeof a);
	h = crypt_rn("hunter2", "$6$sluicesaltsalt$", &cd, (int)sizeof cd);
	ok(h && !strncmp(h, "$6$", 3), "made a sha512-crypt hash");
	if (!h) return;
	snprintf(a.hash, sizeof a.hash, "%s", h);
	ok(account_verify_password(&a, "hunter2", 7), "sha512-crypt right password");
	ok(!account_verify_password(&a, "hunter3", 7) && errno == EACCES,
	   "sha512-crypt wrong password");
	ok(!account_verify_password(&a, "hunter2\0x", 9),
	   "embedded NUL refused (crypt would truncate)");
	ok(!account_verify_password(&a, "", 0), "sha512-crypt empty password");
	memset(&cd, 0, sizeof cd);
	h = crypt_rn("hunter2", "$y$j9T$sluicesaltsaltsalt$", &cd, (int)sizeof cd);
	if (h && !strncmp(h, "$y$", 3)) {
		snprintf(a.hash, sizeof a.hash, "%s", h);
		ok(account_verify_password(&a, "hunter2", 7) &&
		       !account_verify_password(&a, "hunter", 6),
		   "yescrypt right and wrong");
	} else {
		ok(1, "# SKIP libcrypt without yescrypt");
	}
	snprintf(a.hash, sizeof a.hash, "!%s", h ? h : "");
	ok(!account_verify_password(&a, "hunter2", 7),
	   "locked crypt hash refuses the right password");
	strcpy(a.hash, "$6$broken");
	ok(!account_verify_password(&a, "x", 1), "malformed crypt hash refuses");
}

static int count_dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') n++;
	if (d) closedir(d);
	return n;
}

static struct account mk(const char *name, const char *hash, unsigned id, const char *home)
{
	struct account a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.hash, sizeof a.hash, "%s", hash);
	a.uid = id;
	a.gid = id;
	snprintf(a.home, sizeof a.home, "%s", home);
	return a;
}

static void test_edit(void)
{
	struct account a = mk("carol", "!", 7, "/c"), got;
	struct stat st;
	char line[ACCOUNT_MAX_LINE + 1];

	unlink(path);
	ok(account_file_set(path, &a), "set creates the file");
	is_str(read_file(), "carol:!:7:7:/c\n", "... with one line");
	ok(!stat(path, &st) && (st.st_mode & 0777) == 0600, "... mode 0600");
	write_file("# users\n\nalice:!:1:1:/a\n#  keep   me \nbob:*:2:2:/b\n  \n");
	a = mk("alice", "$6$x$y", 11, "/alice");
	ok(account_file_set(path, &a), "replace alice");
	is_str(read_file(),
	       "# users\n\nalice:$6$x$y:11:11:/alice\n#  keep   me \nbob:*:2:2:/b\n  \n",
	       "replaced in place, other lines byte for byte");
	a = mk("dave", "*", 4, "/d");
	ok(account_file_set(path, &a), "add dave");
	is_str(read_file(),
	       "# users\n\nalice:$6$x$y:11:11:/alice\n#  keep   me \nbob:*:2:2:/b\n  "
	       "\ndave:*:4:4:/d\n",
	       "appended at the end");
	ok(account_lookup_file(path, "dave", &got) && got.uid == 4, "lookup the added user");
	ok(account_file_remove(path, "bob"), "remove bob");
	is_str(read_file(),
	       "# users\n\nalice:$6$x$y:11:11:/alice\n#  keep   me \n  \ndave:*:4:4:/d\n",
	       "bob's line gone");
	ok(!account_file_remove(path, "bob") && errno == ENOENT, "remove again: ENOENT");
	ok(!account_file_remove(path, "../x") && errno == ENOENT, "remove invalid name: ENOENT");
	write_file("x:!:1:1:/x");
	a = mk("y", "!", 2, "/y");
	ok(account_file_set(path, &a), "add to a file without final newline");
	is_str(read_file(), "x:!:1:1:/x\ny:!:2:2:/y\n", "newline inserted before the new line");
	chmod(path, 0640);
	a = mk("bad:name", "!", 2, "/y");
	ok(!account_file_set(path, &a) && errno == EPROTO, "invalid name: EPROTO");
	a = mk("z", "!", 2, "relative");
	ok(!account_file_set(path, &a) && errno == EPROTO, "relative home: EPROTO");
	a = mk("z", "a b", 2, "/z");
	ok(!account_file_set(path, &a) && errno == EPROTO, "hash with space: EPROTO");
	a = mk("z", "!", 2, "/z\n");
	ok(!account_file_set(path, &a) && errno == EPROTO, "newline in home: EPROTO");
	a = mk("z", "!", 2, "/z");
	a.uid = (uid_t)-1;
	ok(!account_file_set(path, &a) && errno == EPROTO, "uid -1: EPROTO");
	is_str(read_file(), "x:!:1:1:/x\ny:!:2:2:/y\n", "file unchanged after refusals");
	a = mk("x", "*", 9, "/x9");
	ok(account_file_set(path, &a) && !stat(path, &st) && (st.st_mode & 0777) == 0640,
	   "existing mode kept");
	write_file("x:!:1:1:/x\nbroken\nx:*:2:2:/x2\n");
	a = mk("x", "!", 3, "/x3");
	ok(account_file_set(path, &a), "set over duplicates and a malformed line");
	is_str(read_file(), "x:!:3:3:/x3\nbroken\n",
	       "first replaced, duplicate dropped, other line kept");
	is_int(count_dir_entries(), 2, "no temporary files left behind (the file and FILE.lock)");
	a = mk("x", "!", 3, "/x3");
	ok(account_format_line(&a, line, sizeof line) && !strcmp(line, "x:!:3:3:/x3"),
	   "format_line");
	ok(!account_format_line(&a, line, 5) && errno == EMSGSIZE,
	   "format_line small buffer: EMSGSIZE");
}

/* STATIC=1 links with -Wl,--wrap=mmap (lib/account/account_prefault.c):
 * a big writable anonymous mapping comes back with its pages in, and the
 * hashes' work areas are among them.  Nothing to check in other builds. */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((weak));

static size_t resident_pages(void *at, size_t len)
{
	static unsigned char vec[(32 << 20) / 4096];
	size_t n = 0, pages = len / 4096;

	if (pages > sizeof vec || mincore(at, len, vec) < 0) return (size_t)-1;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/* Page faults taken through the exception path (perf's "page-faults"
 * event; getrusage also counts the pages a populate brings in), or -1
 * where perf events are not allowed. */
static int fault_counter(void)
{
	struct perf_event_attr pe;

	memset(&pe, 0, sizeof pe);
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof pe;
	pe.config = PERF_COUNT_SW_PAGE_FAULTS;
	pe.exclude_kernel = 1;
	return (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}

static long faults(int fd)
{
	long long n;
	return read(fd, &n, sizeof n) == sizeof n ? (long)n : -1;
}

static void test_prefault(void)
{
	const size_t big = 16 << 20, small = 1 << 20;
	struct crypt_data cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	void *m;
	long f0;
	int fd;

	if (!__wrap_mmap) {
		printf("# mmap not wrapped (STATIC=0 build): prefault not tested\n");
		return;
	}
	m = mmap(0, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(m != MAP_FAILED && resident_pages(m, big) == big / 4096,
	   "a 16 MiB writable anonymous mapping has all its pages at once");
	if (m != MAP_FAILED) munmap(m, big);
	m = mmap(0, small, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(m != MAP_FAILED && resident_pages(m, small) == 0, "a 1 MiB one is left alone");
	if (m != MAP_FAILED) munmap(m, small);
	m = mmap(0, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(m != MAP_FAILED && resident_pages(m, big) == 0, "a read-only one is left alone");
	if (m != MAP_FAILED) munmap(m, big);

	/* yescrypt's 16 MiB work area: 4100 faults when it is not populated
	 * in one call (libsodium's argon2id maps with MAP_POPULATE itself) */
	if (!crypt_gensalt_rn("$y$", 0, 0, 0, setting, sizeof setting)) {
		printf("# no yescrypt in this libcrypt: its work area not tested\n");
		return;
	}
	fd = fault_counter();
	if (fd < 0) {
		printf("# perf_event_open: %s: yescrypt's faults not counted\n", strerror(errno));
		return;
	}
	memset(&cd, 0, sizeof cd);
	f0 = faults(fd);
	ok(crypt_rn("pw", setting, &cd, (int)sizeof cd) && faults(fd) - f0 < 1000,
	   "a yescrypt check takes %ld page faults (4100 without the populate)", faults(fd) - f0);
	close(fd);
}

int main(void)
{
	char cmd[128];

	tap_logs_aside();
	strcpy(dir, "/tmp/sluice-account-XXXXXX");
	if (!mkdtemp(dir)) return 2;
	snprintf(path, sizeof path, "%s/users", dir);
	test_names();
	test_parse_good();
	test_parse_bad();
	test_lookup();
	test_system();
	test_cdb();
	test_verify_argon2();
	test_verify_crypt();
	test_edit();
	test_prefault();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0) printf("# could not remove %s\n", dir);
	test_dummy_like(); /* last: it replaces the dummy for the process */
	return tap_done();
}
