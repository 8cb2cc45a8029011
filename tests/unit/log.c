/* Unit tests for lib/log: line format on fd 2, debug switch, sanitizing of
 * control characters, truncation, syslog choice, log_die exit code. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "log/log.h"

static int saved2;
static char tmpl[] = "/tmp/sluice-log-test-XXXXXX";
static int tfd;

/* Points fd 2 at an emptied temp file. */
static void capture(void)
{
	if (ftruncate(tfd, 0) < 0 || lseek(tfd, 0, SEEK_SET) < 0) abort();
	if (dup2(tfd, 2) < 0) abort();
}

static const char *captured(void)
{
	static char buf[4096];
	ssize_t r = pread(tfd, buf, sizeof buf - 1, 0);

	buf[r > 0 ? r : 0] = 0;
	return buf;
}

static void test_format(void)
{
	capture();
	log_init("sftpd", "192.0.2.7:51234");
	ok(!log_uses_syslog(), "stderr chosen");
	log_info("user %s logged in", "bob");
	log_warn("slow");
	log_error("broken: %d", 5);
	log_debug("hidden");
	is_str(captured(),
	       "sftpd 192.0.2.7:51234: info: user bob logged in\n"
	       "sftpd 192.0.2.7:51234: warning: slow\n"
	       "sftpd 192.0.2.7:51234: error: broken: 5\n",
	       "lines and levels");
	capture();
	log_set_debug(1);
	log_debug("shown %u", 1u);
	log_set_debug(0);
	log_debug("hidden again");
	is_str(captured(), "sftpd 192.0.2.7:51234: debug: shown 1\n", "debug switch");
	capture();
	log_init("ftpsd", 0);
	log_info("no peer");
	is_str(captured(), "ftpsd: info: no peer\n", "no peer text");
}

static void test_sanitize(void)
{
	capture();
	log_init("sftpd", "peer\n1");
	log_info("user %s", "evil\nsftpd x: info: forged\r\x1b[31m\x7f\\ok");
	is_str(
	    captured(),
	    "sftpd peer\\x0a1: info: user evil\\x0asftpd x: info: forged\\x0d\\x1b[31m\\x7f\\ok\n",
	    "control characters escaped");
	capture();
	log_info("caf\xc3\xa9");
	is_str(captured(), "sftpd peer\\x0a1: info: caf\xc3\xa9\n", "UTF-8 kept");
}

static void test_truncate(void)
{
	char big[3000];
	const char *out;
	size_t len;

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	capture();
	log_init("p", "q");
	log_info("%s", big);
	out = captured();
	len = strlen(out);
	is_int(len, LOG_LINE_MAX, "truncated to LOG_LINE_MAX");
	ok(len >= 4 && !strcmp(out + len - 4, "...\n"), "ends in ...");
	ok(!strncmp(out, "p q: info: aaa", 14), "prefix kept");

	memset(big, '\x01', sizeof big - 1);
	capture();
	log_info("%s", big);
	out = captured();
	len = strlen(out);
	ok(len <= LOG_LINE_MAX && !strcmp(out + len - 4, "...\n"), "escaped overflow truncated");
	ok(!strncmp(out + len - 8, "\\x01...\n", 8), "escape not cut in half");

	/* exactly fits: prefix "p q: info: " is 11 bytes, + 1012 + "\n" = 1024 */
	memset(big, 'b', 1012);
	big[1012] = 0;
	capture();
	log_info("%s", big);
	out = captured();
	is_int(strlen(out), LOG_LINE_MAX, "exact fit length");
	ok(strstr(out, "...") == 0, "exact fit not marked truncated");
	big[1012] = 'b';
	big[1013] = 0;
	capture();
	log_info("%s", big);
	ok(strstr(captured(), "...\n") != 0, "one more byte is truncated");
}

static void test_syslog_choice(void)
{
	int saved0 = dup(0);

	capture();
	if (dup2(tfd, 0) < 0) abort();
	log_init("sftpd", "x");
	ok(log_uses_syslog(), "fd 2 same file as fd 0: syslog");
	log_info("to syslog, not the client");
	is_str(captured(), "", "nothing written on fd 2");
	dup2(saved0, 0);
	close(saved0);
	close(2);
	log_init("sftpd", "x");
	ok(log_uses_syslog(), "fd 2 closed: syslog");
	log_info("still fine");
	capture();
	log_init("sftpd", "x");
	ok(!log_uses_syslog(), "back to stderr");
}

static void test_die(void)
{
	int st = 0;
	pid_t pid;

	capture();
	pid = fork();
	if (pid == 0) {
		log_init("sftpd", "x");
		log_die(111, "cannot %s", "go on");
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 111, "log_die exit code");
	is_str(captured(), "sftpd x: fatal: cannot go on\n", "fatal line");
}

/* log_transfer_path: the escaped form of a path in a transfer record. */
static void test_transfer_path(void)
{
	char out[64];
	is_str(log_transfer_path("/in/a b.bin", out, sizeof out), "/in/a b.bin",
	       "transfer path: plain names as they are");
	is_str(log_transfer_path("q\"b\\t\tn\n\x7f", out, sizeof out),
	       "q\\x22b\\x5ct\\x09n\\x0a\\x7f",
	       "transfer path: quote, backslash, controls, DEL as \\xHH");
	is_str(log_transfer_path("caf\xc3\xa9", out, sizeof out), "caf\xc3\xa9",
	       "transfer path: UTF-8 bytes kept");
	is_str(log_transfer_path("abc\n", out, 6), "abc",
	       "transfer path: an escape never cut in half");
	is_str(log_transfer_path("abcdefgh", out, 4), "abc", "transfer path: truncated to fit");
	is_str(log_transfer_path("x", out, 1), "", "transfer path: room for nothing but the end");
}

int main(void)
{
	int r;

	saved2 = dup(2);
	tfd = mkstemp(tmpl);
	if (tfd < 0) return 111;
	unlink(tmpl);
	test_format();
	test_sanitize();
	test_truncate();
	test_syslog_choice();
	test_die();
	test_transfer_path();
	dup2(saved2, 2);
	r = tap_done();
	return r;
}
