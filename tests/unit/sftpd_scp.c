/* sftpd_scp: legacy SCP — the exec-command parser (quoting, options,
 * refused shell syntax), the control-line parser (malformed lines,
 * sizes, names), and the sink and source driven byte by byte over a
 * temporary root (not chrooted): files, trees, times and modes,
 * wildcards, and the warning and fatal answers. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fs/fs.h"
#include "../../sftpd/scp/scp_internal.h"

static char rootdir[] = "/tmp/sftpd_scp.XXXXXX";
static struct fs_root root = FS_ROOT_ZERO;
static struct scp_cmd cmd;

/* --- the exec command ---------------------------------------------------- */

static int parse(const char *c)
{
	return scp_cmd_parse(c, strlen(c), &cmd);
}

/* The command parses and its paths, joined by '|', are want. */
static void cmd_paths(const char *c, const char *want, const char *name)
{
	char got[1024] = "";
	if (!parse(c)) {
		ok(0, "%s (refused: %s)", name, cmd.error);
		return;
	}
	for (unsigned i = 0; i < cmd.npaths; i++) {
		if (i) strcat(got, "|");
		strcat(got, scp_cmd_path(&cmd, i));
	}
	is_str(got, want, "%s", name);
}

/* The command is refused with an error that contains want. */
static void cmd_refused(const char *c, size_t len, const char *want, const char *name)
{
	int r = scp_cmd_parse(c, len, &cmd);
	ok(!r && strstr(cmd.error, want), "%s: refused (%s)", name, r ? "accepted" : cmd.error);
}

static void test_cmd(void)
{
	static char big[SCP_MAX_COMMAND + 16];

	ok(scp_cmd_is_scp("scp -t x", 8), "is_scp: scp -t x");
	ok(scp_cmd_is_scp("  scp\t-f x", 10), "is_scp: leading blanks, tab");
	ok(scp_cmd_is_scp("scp", 3), "is_scp: scp alone");
	ok(!scp_cmd_is_scp("scpx -t a", 9), "is_scp: scpx is not scp");
	ok(!scp_cmd_is_scp("ls -l", 5), "is_scp: ls is not scp");
	ok(!scp_cmd_is_scp("sc", 2), "is_scp: too short");
	ok(!scp_cmd_is_scp("/usr/bin/scp -t x", 17), "is_scp: a path to scp is not taken");

	cmd_paths("scp -t dst", "dst", "scp -t dst");
	ok(cmd.sink && cmd.flags == 0, "-t: a sink, no flags");
	cmd_paths("scp -r -p -d -t -- path", "path", "OpenSSH's scp -r -p -d -t -- path");
	ok(cmd.sink && cmd.flags == (SCP_RECURSIVE | SCP_PRESERVE | SCP_TARGET_DIR),
	   "-r -p -d: all three flags");
	cmd_paths("scp -v -r -t ptree", "ptree", "PuTTY's scp -v -r -t");
	ok(cmd.flags & SCP_VERBOSE, "-v accepted");
	cmd_paths("scp -rpt dir", "dir", "clustered options -rpt");
	ok(cmd.sink && (cmd.flags & SCP_RECURSIVE) && (cmd.flags & SCP_PRESERVE), "-rpt: r, p, t");
	cmd_paths("scp -f -- -x", "-x", "-- before a path starting with -");
	ok(!cmd.sink, "-f: a source");
	cmd_paths("scp -f a b c", "a|b|c", "-f takes several paths");
	cmd_paths("scp -f 'my file' \"x y\"", "my file|x y", "single and double quotes");
	cmd_paths("scp -f a\\ b", "a b", "an escaped blank");
	cmd_paths("scp -f 'it'\\''s'", "it's", "quotes joined in one word");
	cmd_paths("scp -f \"a\\\"b\\\\c\\$d\"", "a\"b\\c$d", "backslash escapes in double quotes");
	cmd_paths("scp -f \"a\\nb\"", "a\\nb", "other backslashes in double quotes stay");
	cmd_paths("scp -f ''", "", "an empty quoted word");
	cmd_paths("scp -f ~", ".", "~ is the start directory");
	cmd_paths("scp -f ~/in/x", "./in/x", "~/ is the start directory");
	cmd_paths("scp -f a~b", "a~b", "~ inside a word is literal");
	cmd_paths("scp -f \"~/x\"", "~/x", "a quoted ~ is literal");
	cmd_paths("scp -f a#b", "a#b", "# inside a word is literal");
	cmd_paths("scp -f a=b%c^d!e", "a=b%c^d!e", "other punctuation is literal");
	cmd_paths("scp -f \xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "UTF-8 names");
	cmd_paths("scp -t dir\\\nname", "dirname", "backslash-newline joins lines");

	ok(parse("scp -f *.txt") && scp_cmd_pattern(&cmd, 0) &&
	       !strcmp(scp_cmd_pattern(&cmd, 0), "*.txt") &&
	       !strcmp(scp_cmd_path(&cmd, 0), "*.txt"),
	   "an unquoted * makes a pattern");
	ok(parse("scp -f '*.txt'") && !scp_cmd_pattern(&cmd, 0), "a quoted * is no pattern");
	ok(parse("scp -f a\\*b* c") && scp_cmd_pattern(&cmd, 0) &&
	       !strcmp(scp_cmd_pattern(&cmd, 0), "a\\*b*") &&
	       !strcmp(scp_cmd_path(&cmd, 0), "a*b*") && !scp_cmd_pattern(&cmd, 1),
	   "an escaped * is escaped in the pattern, literal in the path");
	ok(parse("scp -f \"x[1]\"?") && !strcmp(scp_cmd_pattern(&cmd, 0), "x\\[1\\]?"),
	   "quoted brackets escaped, unquoted ? kept");

	cmd_refused("scp -t a b", 10, "one target", "-t with two paths");
	cmd_refused("scp -f", 6, "a path", "-f without a path");
	cmd_refused("scp -t", 6, "a path", "-t without a path");
	cmd_refused("scp a", 5, "exactly one of -t and -f", "neither -t nor -f");
	cmd_refused("scp -t -f a", 11, "exactly one of -t and -f", "both -t and -f");
	cmd_refused("scp -x -t a", 11, "unsupported scp option -x", "unknown option");
	cmd_refused("scp -tS a", 9, "option", "unknown option in a cluster");
	cmd_refused("ls -t a", 7, "not an scp command", "another command");
	ok(!scp_cmd_is_scp("'scp' -t a", 10), "is_scp: a quoted scp is not recognised");
	cmd_refused("scp -t a; rm -rf /", 18, "';'", "; (a second command)");
	cmd_refused("scp -t a && id", 14, "'&'", "&&");
	cmd_refused("scp -t a | id", 13, "'|'", "a pipe");
	cmd_refused("scp -t a > b", 12, "'>'", "redirection");
	cmd_refused("scp -t <a", 9, "'<'", "input redirection");
	cmd_refused("scp -t $(id)", 12, "'$'", "command substitution");
	cmd_refused("scp -t `id`", 11, "'`'", "backquotes");
	cmd_refused("scp -t $HOME", 12, "'$'", "a variable");
	cmd_refused("scp -t \"$HOME\"", 14, "'$'", "a variable in double quotes");
	cmd_refused("scp -t \"`id`\"", 13, "'`'", "backquotes in double quotes");
	cmd_refused("scp -t (a)", 10, "'('", "a subshell");
	cmd_refused("scp -t {a,b}", 12, "brace", "brace expansion");
	cmd_refused("scp -t #x", 9, "comment", "a comment");
	cmd_refused("scp -t ~root/x", 14, "~user", "~user");
	cmd_refused("scp -t a\nrm x", 13, "newline", "a newline");
	cmd_refused("scp -t 'a", 9, "unterminated single", "an open single quote");
	cmd_refused("scp -t \"a", 9, "unterminated double", "an open double quote");
	cmd_refused("scp -t a\\", 9, "backslash at the end", "a trailing backslash");
	cmd_refused("scp -t a\001b", 10, "control character", "a control character");
	cmd_refused("scp -t 'a\033b'", 12, "control character", "a quoted control character");
	cmd_refused("scp -t \"a\nb\"", 12, "control character", "a quoted newline");
	cmd_paths("scp -t 'a\tb'", "a\tb", "a quoted tab is allowed");
	cmd_refused("scp -t a\0b", 10, "NUL", "a NUL byte");
	memset(big, 'a', sizeof big);
	memcpy(big, "scp -t ", 7);
	cmd_refused(big, SCP_MAX_COMMAND + 1, "too long", "a command over the limit");
	ok(scp_cmd_parse(big, SCP_MAX_COMMAND, &cmd), "a command at the limit parses");
	{
		char many[4 * SCP_MAX_WORDS + 16] = "scp -f";
		for (int i = 0; i < SCP_MAX_WORDS; i++)
			strcat(many, " a");
		cmd_refused(many, strlen(many), "too many words", "more words than the limit");
	}
	{
		/* the worst case for the store: every byte doubles in the pattern */
		static char stars[SCP_MAX_COMMAND];
		memset(stars, '[', sizeof stars);
		memcpy(stars, "scp -f *", 8);
		for (size_t i = 8; i + 2 < sizeof stars; i += 2)
			stars[i + 1] = '\\';
		ok(scp_cmd_parse(stars, sizeof stars, &cmd) && scp_cmd_pattern(&cmd, 0),
		   "a command of escaped brackets fits the store");
	}
}

/* --- control lines -------------------------------------------------------- */

static struct scp_line ln;
static const char *why;

static int line(const char *l)
{
	return scp_line_parse(l, strlen(l), &ln, &why);
}

static void line_bad(const char *l, const char *name)
{
	int r = line(l);
	ok(!r, "%s: refused (%s)", name, r ? "accepted" : why);
}

static void test_line(void)
{
	static char huge[SCP_MAX_LINE + 8];

	ok(line("C0644 123 name.txt") && ln.kind == SCP_LINE_FILE && ln.mode == 0644 &&
	       ln.size == 123 && !strcmp(ln.name, "name.txt"),
	   "C line");
	ok(line("D0755 0 dir") && ln.kind == SCP_LINE_DIR && ln.mode == 0755 &&
	       !strcmp(ln.name, "dir"),
	   "D line");
	ok(line("C7777 0 x") && ln.mode == 07777, "C with every mode bit");
	ok(line("C0644 9223372036854775807 big") && ln.size == INT64_MAX, "size 2^63-1");
	ok(line("C0644 00000000000000000000000000001 x") && ln.size == 1, "leading zeros");
	ok(line("C0644 1  x") && !strcmp(ln.name, " x"), "a name starting with a blank");
	ok(line("C0644 1 .hidden") && !strcmp(ln.name, ".hidden"), "a dot file");
	ok(line("C0644 1 ...") && !strcmp(ln.name, "..."), "three dots are a name");
	ok(line("E") && ln.kind == SCP_LINE_END, "E line");
	ok(line("T1234567890 0 1234567891 999999") && ln.kind == SCP_LINE_TIMES &&
	       ln.mtime == 1234567890 && ln.atime == 1234567891 && ln.atime_usec == 999999,
	   "T line");
	ok(line("\001scp: oops") && ln.kind == SCP_LINE_WARNING && !strcmp(ln.text, "scp: oops"),
	   "\\1 warning");
	ok(line("\002fatal") && ln.kind == SCP_LINE_FATAL && !strcmp(ln.text, "fatal"),
	   "\\2 fatal");

	line_bad("", "an empty line");
	line_bad("X0644 1 x", "an unknown line");
	line_bad("Ex", "E with more");
	line_bad("C644 1 x", "three mode digits");
	line_bad("C06440 1 x", "five mode digits");
	line_bad("C0648 1 x", "an 8 in the mode");
	line_bad("C-644 1 x", "a signed mode");
	line_bad("C0644 -1 x", "a negative size");
	line_bad("C0644 +1 x", "a size with a plus");
	line_bad("C0644 9223372036854775808 x", "size 2^63");
	line_bad("C0644 18446744073709551616 x", "size 2^64");
	line_bad("C0644 99999999999999999999999999 x", "a size far over");
	line_bad("C0644 0x10 x", "a hex size");
	line_bad("C0644  1 x", "two blanks before the size");
	line_bad("C0644 1", "no name");
	line_bad("C0644 1 ", "an empty name");
	line_bad("C0644 1x", "size not delimited");
	line_bad("C0644 1 ..", "name ..");
	line_bad("C0644 1 .", "name .");
	line_bad("C0644 1 ../etc/passwd", "a name climbing out");
	line_bad("C0644 1 a/b", "a name with a slash");
	line_bad("C0644 1 /etc/passwd", "an absolute name");
	line_bad("C0644 1 x/", "a name ending in a slash");
	line_bad("D0755 0 ..", "a directory named ..");
	line_bad("D0755 0 a/..", "a directory name with a slash");
	line_bad("T1 0 2", "T with three numbers");
	line_bad("T1 1000000 2 0", "T usec over 999999");
	line_bad("T-1 0 2 0", "T negative");
	line_bad("T9223372036854775808 0 1 0", "T over 2^63-1");
	line_bad("T1 0 2 0 ", "T with a trailing blank");
	ok(!scp_line_parse("C0644 1 a\0b", 11, &ln, &why), "a NUL inside a line: refused");
	memset(huge, 'a', sizeof huge - 1);
	memcpy(huge, "C0644 1 ", 8);
	huge[SCP_MAX_LINE] = 0;
	ok(!scp_line_parse(huge, SCP_MAX_LINE, &ln, &why) && !strcmp(why, "line too long"),
	   "a line of SCP_MAX_LINE bytes (no room for its newline): refused");
	huge[SCP_MAX_LINE - 1] = 0;
	ok(scp_line_parse(huge, SCP_MAX_LINE - 1, &ln, &why), "one byte shorter: accepted");
}

/* --- transfers ------------------------------------------------------------ */

static struct scp *sc;
static unsigned char got[1 << 20];
static size_t ngot;

/* Runs and collects everything it sends (in small pieces). */
static void pull(void)
{
	size_t n;
	scp_run(sc);
	while ((n = scp_output_pending(sc)) > 0) {
		if (n > 1000) n = 1000;
		if (ngot + n > sizeof got) abort();
		n = scp_output(sc, got + ngot, n);
		if (!n) break;
		ngot += n;
		scp_run(sc);
	}
}

/* Gives the client's bytes, in pieces of up to step; returns bytes taken. */
static size_t push_step(const void *p, size_t n, size_t step)
{
	size_t t = 0;
	pull();
	while (t < n) {
		size_t k = n - t < step ? n - t : step;
		k = scp_input(sc, (const unsigned char *)p + t, k);
		if (!k) break;
		t += k;
		pull();
	}
	return t;
}

static size_t push(const void *p, size_t n)
{
	return push_step(p, n, 7);
}

static size_t pushs(const char *s)
{
	return push(s, strlen(s));
}

/* What was sent since the last call equals want[0..n). */
static void sent(const void *want, size_t n, const char *name)
{
	int same = ngot == n && !memcmp(got, want, n);
	ok(same, "%s", name);
	if (!same) {
		printf("#   got %zu bytes: '", ngot);
		for (size_t i = 0; i < ngot && i < 200; i++)
			printf(got[i] < 32 ? "\\%o" : "%c", got[i]);
		printf("'\n");
	}
	ngot = 0;
}

static void sents(const char *want, const char *name)
{
	sent(want, strlen(want), name);
}

/* The answer sent is a warning (\1) or fatal (\2) line containing text. */
static void sent_msg(char kind, const char *text, const char *name)
{
	int r = ngot > 2 && got[0] == (unsigned char)kind && got[ngot - 1] == '\n' &&
		memmem(got, ngot, text, strlen(text));
	ok(r, "%s", name);
	if (!r) printf("#   got %zu bytes: '%.*s'\n", ngot, (int)ngot, (const char *)got + 1);
	ngot = 0;
}

/* A transfer for command c; what it sends at once stays in got. */
static void start(const char *c, int read_only)
{
	struct scp_options o = {022, read_only, "alice", 0, 0, 0, 0};
	if (!parse(c)) abort();
	sc = scp_new(&root, &o, &cmd);
	if (!sc) abort();
	ngot = 0;
	pull();
}

/* The same, its first answer dropped. */
static void start_quiet(const char *c)
{
	start(c, 0);
	ngot = 0;
}

static int end_status(int eof)
{
	uint32_t st = 99;
	pull();
	if (!scp_finished(sc, eof, &st)) st = 98;
	scp_free(sc);
	sc = 0;
	return (int)st;
}

static char *in_root(const char *rel)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", rootdir, rel);
	return p;
}

static int file_is(const char *rel, const char *want)
{
	char buf[256];
	int fd = open(in_root(rel), O_RDONLY);
	ssize_t n;
	if (fd < 0) return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

static unsigned mode_of(const char *rel)
{
	struct stat st;
	return stat(in_root(rel), &st) ? 0 : (unsigned)st.st_mode & 07777;
}

static long long mtime_of(const char *rel)
{
	struct stat st;
	return stat(in_root(rel), &st) ? -1 : (long long)st.st_mtime;
}

static void test_sink(void)
{
	start("scp -t up", 0);
	sent("", 1, "sink: ready (\\0) at the start");
	pushs("C0640 5 whatever\n");
	sent("", 1, "sink: C line acknowledged");
	push("hello\0", 6);
	sent("", 1, "sink: data and its status acknowledged");
	is_int(end_status(1), 0, "sink: EOF between lines ends with status 0");
	ok(file_is("up", "hello"), "sink: a target that does not exist is the file's name");
	is_int(mode_of("up"), 0640, "sink: mode 0640 (umask 022)");

	/* over an existing file: same inode, shorter content, mode unchanged */
	chmod(in_root("up"), 0604);
	start("scp -t up", 0);
	pushs("C0777 2 x\n");
	push("ab\0", 3);
	sent("\0\0\0", 3, "sink: overwrite acknowledged");
	is_int(end_status(1), 0, "sink: overwrite status 0");
	ok(file_is("up", "ab"), "sink: an existing file is truncated to the new size");
	is_int(mode_of("up"), 0604, "sink: without -p an existing file keeps its mode");

	/* -r -p into the start directory: times and modes */
	start("scp -r -p -d -t .", 0);
	pushs("T1000000000 0 1000000001 0\n");
	pushs("D0750 0 tree\n");
	pushs("T1100000000 0 1100000000 0\n");
	pushs("C0600 3 a\n");
	push("abc\0", 4);
	pushs("D0700 0 sub\n");
	pushs("C0664 0 empty\n");
	push("\0", 1);
	pushs("E\n");
	pushs("E\n");
	sent("\0\0\0\0\0\0\0\0\0\0\0", 11, "sink -r -p: every line acknowledged");
	is_int(end_status(1), 0, "sink -r -p: status 0");
	ok(file_is("tree/a", "abc") && file_is("tree/sub/empty", ""), "sink -r: the tree's files");
	is_int(mode_of("tree"), 0750, "sink -p: directory mode");
	is_int(mode_of("tree/a"), 0600, "sink -p: file mode");
	is_int(mode_of("tree/sub/empty"), 0664, "sink -p: mode kept exactly (no umask)");
	is_int(mtime_of("tree"), 1000000000, "sink -p: directory mtime, set after its files");
	is_int(mtime_of("tree/a"), 1100000000, "sink -p: file mtime");

	/* a directory without -r, a bad name, an overlong line: fatal */
	start_quiet("scp -t .");
	pushs("D0755 0 d\n");
	sent_msg(2, "without -r", "sink: D without -r is fatal");
	is_int(end_status(0), 1, "sink: status 1 after a fatal error");
	start_quiet("scp -t .");
	pushs("C0644 1 ../escape\n");
	sent_msg(2, "unexpected file name", "sink: a name with .. is fatal");
	is_int(end_status(0), 1, "sink: status 1");
	ok(access(in_root("../escape"), F_OK) != 0, "sink: nothing written outside");
	start_quiet("scp -t .");
	{
		static char longline[SCP_MAX_LINE + 10];
		memset(longline, 'x', sizeof longline);
		longline[0] = 'C';
		ok(push(longline, sizeof longline) == sizeof longline,
		   "sink: an overlong line is read (and dropped)");
	}
	sent_msg(2, "longer than", "sink: an overlong line is fatal");
	is_int(end_status(0), 1, "sink: status 1");

	/* the client's own warning and fatal lines */
	start("scp -t .", 0);
	pushs("\001scp: local: Permission denied\n");
	pushs("C0644 1 w\n");
	push("w\0", 2);
	sent("\0\0\0", 3, "sink: a warning from the client needs no answer");
	is_int(end_status(1), 1, "sink: the client's warning makes the status 1");
	start("scp -t .", 0);
	pushs("\002scp: giving up\n");
	is_int(end_status(0), 1, "sink: a fatal line from the client ends with status 1");

	/* the client's \1 instead of the file's status: the file stays */
	start("scp -t .", 0);
	pushs("C0644 3 partial\n");
	push("xyz\001scp: read error\n", 20);
	sent("\0\0\0", 3, "sink: \\1 after the data: the file is still answered");
	is_int(end_status(1), 1, "sink: and the status is 1");

	/* cut short: EOF in the middle of a file */
	start("scp -t .", 0);
	pushs("C0644 9223372036854775807 huge\n");
	push("abc", 3);
	sent("\0\0", 2, "sink: a 2^63-1 byte file is accepted");
	is_int(end_status(1), 1, "sink: EOF inside a file is status 1");

	/* target checks */
	start("scp -d -t up", 0);
	sent_msg(2, "Not a directory", "sink -d: a file as the target is fatal");
	is_int(end_status(0), 1, "sink -d: status 1");
	start("scp -t .", 1);
	sent_msg(2, "read-only", "sink: read-only session refuses uploads");
	is_int(end_status(0), 1, "sink: read-only status 1");
	mkfifo(in_root("fifo"), 0644);
	start_quiet("scp -t fifo");
	pushs("C0644 1 x\n");
	sent_msg(1, "not a regular file", "sink: a FIFO target is refused, not opened");
	pushs("C0644 1 x2\n"); /* the target is no directory: x2 is the fifo too */
	sent_msg(1, "not a regular file", "sink: and the session goes on");
	is_int(end_status(1), 1, "sink: status 1");
	mkdir(in_root("dir"), 0755);
	start_quiet("scp -r -t .");
	pushs("D0755 0 up\n");
	sent_msg(1, "Not a directory", "sink: D over an existing file: warning");
	pushs("C0644 0 dir\n");
	sent_msg(1, "Is a directory", "sink: C over an existing directory: warning");
	is_int(end_status(1), 1, "sink: status 1");
	start("scp -t .", 0);
	pushs("C0644 0 nodir\n");
	push("\0", 1);
	pushs("E\n");
	sent("\0\0\0\0", 4, "sink: E at the top is acknowledged");
	is_int(end_status(0), 0, "sink: and ends the transfer");
}

static void test_source(void)
{
	char want[256];
	int n;

	tap_write_file(in_root("s.txt"), "hello", 0640);
	start("scp -f s.txt", 0);
	sents("", "source: waits for the client's first \\0");
	push("", 1);
	sents("C0640 5 s.txt\n", "source: C line");
	push("", 1);
	sent("hello\0", 6, "source: the bytes and a \\0");
	push("", 1);
	is_int(end_status(0), 0, "source: status 0");

	start("scp -p -f ./s.txt", 0);
	push("", 1);
	n = snprintf(want, sizeof want, "T%lld 0 ", mtime_of("s.txt"));
	ok(ngot > (size_t)n && !memcmp(got, want, (size_t)n), "source -p: T line first");
	ngot = 0;
	push("", 1);
	sents("C0640 5 s.txt\n", "source -p: then C, named by the last component");
	push("", 1);
	push("", 1);
	is_int(end_status(0), 0, "source -p: status 0");

	start("scp -f nope s.txt", 0);
	push("", 1);
	ok(ngot > 0 && got[0] == 1 && memmem(got, ngot, "nope: No such file", 18) &&
	       memmem(got, ngot, "\nC0640 5 s.txt\n", 15),
	   "source: a missing path is a warning, the next one goes on");
	ngot = 0;
	push("", 1);
	push("", 1);
	is_int(end_status(0), 1, "source: status 1 after a missing path");

	start("scp -f tree", 0);
	push("", 1);
	sent_msg(1, "tree: not a regular file", "source: a directory without -r");
	is_int(end_status(0), 1, "source: status 1");

	start("scp -r -f tree/sub", 0);
	push("", 1);
	sents("D0700 0 sub\n", "source -r: D line");
	push("", 1);
	sents("C0664 0 empty\n", "source -r: its file");
	push("", 1);
	sent("\0", 1, "source -r: an empty file is just its status");
	push("", 1);
	sents("E\n", "source -r: E line");
	push("", 1);
	is_int(end_status(0), 0, "source -r: status 0");

	tap_write_file(in_root("g1.txt"), "1", 0644);
	tap_write_file(in_root("g2.txt"), "22", 0644);
	tap_write_file(in_root(".g3.txt"), "333", 0644);
	start("scp -f g*.txt *.nomatch", 0);
	push("", 1);
	sents("C0644 1 g1.txt\n", "source: a wildcard, first match (sorted)");
	push("", 1);
	push("", 1);
	sent("1\0C0644 2 g2.txt\n", 17, "source: second match, no dot file");
	push("", 1);
	sent("22\0", 3, "source: its bytes");
	push("", 1);
	sent_msg(1, "*.nomatch: No such file", "source: a pattern matching nothing stays literal");
	is_int(end_status(0), 1, "source: status 1");
	start("scp -f .g*", 0);
	push("", 1);
	sents("C0644 3 .g3.txt\n", "source: a leading dot matches dot files");
	push("", 1);
	push("", 1);
	is_int(end_status(0), 0, "source: status 0");
	start("scp -f t*/a", 0);
	push("", 1);
	sent_msg(1, "last component only", "source: a wildcard in a directory is refused");
	is_int(end_status(0), 1, "source: status 1");

	start("scp -f s.txt g1.txt", 0);
	push("", 1);
	ngot = 0;
	pushs("\001scp: s.txt: Permission denied\n");
	sents("C0644 1 g1.txt\n", "source: the client's warning skips that file");
	push("", 1);
	push("", 1);
	is_int(end_status(0), 1, "source: status 1 after the client's warning");

	start("scp -f s.txt g1.txt", 0);
	push("", 1);
	pushs("\002scp: giving up\n");
	is_int(end_status(0), 1, "source: the client's fatal line ends with status 1");

	start("scp -f s.txt", 0);
	push("", 1);
	is_int(end_status(1), 1, "source: EOF while an answer is due is status 1");

	start("scp -f .", 0);
	push("", 1);
	sent_msg(1, "not a regular file", "source: . without -r");
	end_status(0);

	/* a large file is read into the caller's buffer as asked, no more */
	{
		static unsigned char blob[3 * 100000 + 7];
		int fd = open(in_root("big"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
		size_t total = 0, k, max = 0;
		unsigned char buf[32768];
		int same = 1;
		for (size_t i = 0; i < sizeof blob; i++)
			blob[i] = (unsigned char)(i * 7 + 3);
		if (write(fd, blob, sizeof blob) != (ssize_t)sizeof blob) abort();
		close(fd);
		start("scp -f big", 0);
		push("", 1);
		ngot = 0;
		scp_input(sc, (const unsigned char *)"", 1);
		while ((k = scp_output_pending(sc)) > 0 && total < sizeof blob) {
			if (k > max) max = k;
			k = scp_output(sc, buf, sizeof buf);
			if (total + k > sizeof blob) k = sizeof blob - total;
			same &= !memcmp(buf, blob + total, k);
			total += k;
		}
		ok(same && total == sizeof blob, "source: %zu bytes read through 32 KiB windows",
		   total);
		ok(max >= sizeof blob, "source: pending is what is left of the file (%zu)", max);
		pull();
		sent("\0", 1, "source: its status after the last byte");
		push("", 1);
		is_int(end_status(0), 0, "source: status 0");
	}

	sc = scp_new_refused("unsupported shell syntax ';'");
	ngot = 0;
	pull();
	sents("\002scp: unsupported shell syntax ';'\n", "refused command: one fatal line");
	ok(scp_input(sc, (const unsigned char *)"abc", 3) == 3, "refused: input is dropped");
	is_int(end_status(0), 1, "refused command: status 1");
}

int main(void)
{
	tap_logs_aside();
	umask(022);
	test_cmd();
	test_line();
	if (!mkdtemp(rootdir) || !fs_root_open(&root, rootdir, 0)) {
		printf("Bail out! no temporary root: %s\n", strerror(errno));
		return 1;
	}
	test_sink();
	test_source();
	fs_root_close(&root);
	tap_rm_tree(rootdir);
	return tap_done();
}
