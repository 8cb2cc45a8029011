/* Unit tests for lib/conf: defaults, every type, malformed values with their
 * messages, unknown variables, printing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "conf/conf.h"

/* CONF_CHECKED's check: words of lowercase letters only. */
static int lower_words(const char *s, char *why, size_t whylen)
{
	for (; *s; s++)
		if (*s != ' ' && (*s < 'a' || *s > 'z')) {
			snprintf(why, whylen, "'%c' is not a lowercase letter", *s);
			return 0;
		}
	return 1;
}

static const struct conf_var table[] = {
    {"T_DEBUG", CONF_BOOL, "no", 0, 1, 0, "Debug output.", 0},
    {"T_MAX_AUTH_TRIES", CONF_UINT, "6", 1, 100, 0, "Authentication attempts.", 0},
    {"T_TIMEOUT", CONF_SECONDS, "2m", 1, 86400, 0, "Idle timeout.", 0},
    {"T_MAX_FILE", CONF_BYTES, "1G", 0, 0, 0, "Largest upload.", 0},
    {"T_UMASK", CONF_OCTAL, "022", 0, 0777, 0, "File creation mask.", 0},
    {"T_BANNER", CONF_STRING, "", 0, 0, 0, "Banner text.", 0},
    {"T_KEYS", CONF_PATH, "~/.ssh/authorized_keys", 0, 0, 0, "Key file.", 0},
    {"T_LEVEL", CONF_ENUM, "info", 0, 0, "error,info,debug", "Log level.", 0},
    {"T_CIPHERS", CONF_LIST, "a,b", 0, 0, "a,b,c", "Ciphers.", 0},
    {"T_WORDS", CONF_CHECKED, "some words", 0, 0, "lowercase words", "Words.", lower_words},
};
#define NVARS (sizeof table / sizeof table[0])

static struct conf_value vals[NVARS];
static char err[512];

static int load1(const char *entry)
{
	char *envp[3];

	envp[0] = (char *)"PATH=/bin";
	envp[1] = (char *)entry;
	envp[2] = 0;
	err[0] = 0;
	errno = 0;
	return conf_load("T_", table, NVARS, vals, envp, err, sizeof err);
}

static void bad(const char *entry, const char *msg)
{
	ok(!load1(entry) && errno == EINVAL, "refused: %s", entry);
	if (msg)
		is_str(err, msg, "message for %s", entry);
	else
		ok(err[0] && !strncmp(err, entry, strcspn(entry, "=")),
		   "message names variable: %s", err);
}

static void test_defaults(void)
{
	char *envp[] = {(char *)"HOME=/root", (char *)"TX=1", 0};

	ok(conf_load("T_", table, NVARS, vals, envp, err, sizeof err), "defaults load (%s)", err);
	is_int(vals[0].num, 0, "bool default");
	is_int(vals[1].num, 6, "uint default");
	is_int(vals[2].num, 120, "2m = 120 s");
	is_int(vals[3].num, 1ULL << 30, "1G");
	is_int(vals[4].num, 022, "umask octal");
	is_str(vals[5].str, "", "unset string is empty");
	is_str(vals[6].str, "~/.ssh/authorized_keys", "path default");
	is_str(vals[7].str, "info", "enum default");
	ok(!vals[7].from_env, "not from env");
	ok(conf_list_has(vals[8].str, "a") && conf_list_has(vals[8].str, "b"), "list has a, b");
	ok(!conf_list_has(vals[8].str, "c") && !conf_list_has(vals[8].str, "") &&
	       !conf_list_has(vals[8].str, "a,b"),
	   "list lacks c, empty, a,b");
	ok(conf_load("T_", table, NVARS, vals, 0, err, sizeof err), "NULL envp is empty env");
}

static void test_values(void)
{
	ok(load1("T_DEBUG=yes") && vals[0].num == 1 && vals[0].from_env, "bool yes");
	ok(load1("T_DEBUG=Off") && vals[0].num == 0, "bool Off");
	ok(load1("T_MAX_AUTH_TRIES=100") && vals[1].num == 100, "uint max");
	ok(load1("T_MAX_AUTH_TRIES=1") && vals[1].num == 1, "uint min");
	ok(load1("T_TIMEOUT=90") && vals[2].num == 90, "seconds plain");
	ok(load1("T_TIMEOUT=30s") && vals[2].num == 30, "seconds s");
	ok(load1("T_TIMEOUT=24h") && vals[2].num == 86400, "seconds h");
	ok(load1("T_MAX_FILE=3K") && vals[3].num == 3072, "bytes K");
	ok(load1("T_MAX_FILE=2M") && vals[3].num == 2097152, "bytes M");
	ok(load1("T_MAX_FILE=0") && vals[3].num == 0, "bytes 0");
	ok(load1("T_UMASK=0777") && vals[4].num == 0777, "octal 0777");
	ok(load1("T_UMASK=7") && vals[4].num == 7, "octal 7");
	ok(load1("T_BANNER=hello world") && !strcmp(vals[5].str, "hello world"), "string");
	ok(load1("T_KEYS=/etc/keys/%u") && vals[6].from_env, "absolute path");
	ok(load1("T_KEYS=%h/.ssh/keys"), "path %%h");
	ok(load1("T_LEVEL=debug") && !strcmp(vals[7].str, "debug"), "enum");
	ok(load1("T_CIPHERS=c") && conf_list_has(vals[8].str, "c"), "list one");
	ok(load1("T_CIPHERS=c,a,b"), "list all");
	ok(load1("TX_UNRELATED=1"), "other prefix ignored");
	ok(load1("T_DEBUG=1") && vals[0].num == 1, "bool 1");
	ok(load1("T_WORDS=other words") && !strcmp(vals[9].str, "other words"),
	   "checked: accepted by its check");
}

static void test_bad(void)
{
	bad("T_MAX_AUTH_TRIES=abc", "T_MAX_AUTH_TRIES=abc: expected an integer from 1 to 100");
	bad("T_MAX_AUTH_TRIES=0", "T_MAX_AUTH_TRIES=0: expected an integer from 1 to 100");
	bad("T_MAX_AUTH_TRIES=101", 0);
	bad("T_MAX_AUTH_TRIES=", 0);
	bad("T_MAX_AUTH_TRIES=+5", 0);
	bad("T_MAX_AUTH_TRIES=-5", 0);
	bad("T_MAX_AUTH_TRIES= 5", 0);
	bad("T_MAX_AUTH_TRIES=5 ", 0);
	bad("T_MAX_AUTH_TRIES=5x", 0);
	bad("T_MAX_AUTH_TRIES=0x10", 0);
	bad("T_MAX_AUTH_TRIES=99999999999999999999999", 0);
	bad("T_DEBUG=maybe", "T_DEBUG=maybe: expected yes or no");
	bad("T_DEBUG=", 0);
	bad("T_TIMEOUT=0", 0);
	bad("T_TIMEOUT=25h", 0);
	bad("T_TIMEOUT=5d", 0);
	bad("T_TIMEOUT=5ss", 0);
	bad("T_TIMEOUT=s", 0);
	bad("T_TIMEOUT=1.5m", 0);
	bad("T_TIMEOUT=18446744073709551615h", 0);
	bad("T_MAX_FILE=1k", 0);
	bad("T_MAX_FILE=1T", 0);
	bad("T_MAX_FILE=18446744073709551615G", 0);
	bad("T_UMASK=8", 0);
	bad("T_UMASK=1000", "T_UMASK=1000: expected an octal number from 0 to 0777");
	bad("T_UMASK=-1", 0);
	ok(load1("T_BANNER=") && !strcmp(vals[5].str, ""),
	   "VAR= for a string whose default is unset: unset, accepted");
	bad("T_BANNER=a\tb", 0);
	bad("T_BANNER=a\x7f", 0);
	bad("T_KEYS=relative/path", 0);
	bad("T_KEYS=", 0);
	bad("T_KEYS=/a\nb", 0);
	bad("T_LEVEL=verbose", "T_LEVEL=verbose: expected one of error,info,debug");
	bad("T_LEVEL=info,debug", 0);
	bad("T_LEVEL=inf", 0);
	bad("T_LEVEL=", 0);
	bad("T_CIPHERS=foo", "T_CIPHERS=foo: unknown item \"foo\"; accepted: a,b,c");
	bad("T_CIPHERS=a,,b", "T_CIPHERS=a,,b: empty item; accepted: a,b,c");
	bad("T_CIPHERS=a,b,a", "T_CIPHERS=a,b,a: item \"a\" repeated");
	bad("T_CIPHERS=a,", 0);
	bad("T_CIPHERS=", 0);
	bad("T_CIPHERS=ab", 0);
	bad("T_CIPHER=a", "T_CIPHER: unknown variable");
	bad("T_", "T_: unknown variable");
	bad("T_NOEQUALS", "T_NOEQUALS: unknown variable");
	bad("T_LEVEL=a\nb", "T_LEVEL=a\\x0ab: expected one of error,info,debug");
	bad("T_CIPHERS=a,\x1b[0m",
	    "T_CIPHERS=a,\\x1b[0m: unknown item \"\\x1b[0m\"; accepted: a,b,c");
	bad("T_X\x01=1", "T_X\\x01: unknown variable");
	bad("T_WORDS=Capital", "T_WORDS=Capital: 'C' is not a lowercase letter");
	bad("T_WORDS=", "T_WORDS=: expected lowercase words");
	bad("T_WORDS=a\tb", "T_WORDS=a\\x09b: expected lowercase words");
}

static void test_long_value(void)
{
	char entry[300];

	memset(entry, 'x', sizeof entry - 1);
	entry[sizeof entry - 1] = 0;
	memcpy(entry, "T_LEVEL=", 8);
	ok(!load1(entry) && strstr(err, "...: expected one of") && strlen(err) < 150,
	   "long value clipped");
	memcpy(entry, "T_CIPHERS=a,", 12);
	ok(!load1(entry) && strstr(err, "xxx...\"; accepted: a,b,c") && strlen(err) < 300,
	   "long item clipped: %s", err);
}

static void test_bad_default(void)
{
	static const struct conf_var t2[] = {
	    {"U_N", CONF_UINT, "200", 1, 100, 0, "n", 0},
	};
	struct conf_value v2[1];
	char *envp[] = {0};

	ok(!conf_load("U_", t2, 1, v2, envp, err, sizeof err) && errno == EINVAL,
	   "bad default refused");
	is_str(err, "bad default U_N=200: expected an integer from 1 to 100",
	       "bad default message");
	ok(!conf_load("U_", t2, 1, v2, envp, 0, 0), "NULL err buffer is fine");
}

static void read_fd(int fd, char *buf, size_t len)
{
	ssize_t r;
	size_t got = 0;

	while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = 0;
}

static void test_print(void)
{
	static const struct conf_var t3[] = {
	    {"P_N", CONF_UINT, "5", 1, 10, 0, "Count.", 0},
	    {"P_L", CONF_LIST, "", 0, 0, "x,y", "Items.", 0},
	    {"P_C", CONF_CHECKED, "ok", 0, 0, "what the check accepts", "Checked.", lower_words},
	};
	struct conf_value v3[3];
	char *envp[] = {(char *)"P_L=y,x", 0};
	char buf[1024];
	int pfd[2];

	ok(conf_load("P_", t3, 3, v3, envp, err, sizeof err), "load for print");
	if (pipe(pfd)) return;
	conf_print(pfd[1], t3, 3, v3);
	close(pfd[1]);
	read_fd(pfd[0], buf, sizeof buf);
	close(pfd[0]);
	is_str(buf, "P_N=5\nP_L=y,x\nP_C=ok\n", "conf_print");
	if (pipe(pfd)) return;
	conf_print_mdoc(pfd[1], t3, 3);
	close(pfd[1]);
	read_fd(pfd[0], buf, sizeof buf);
	close(pfd[0]);
	is_str(buf,
	       ".It Ev P_N\nCount.\nDefault: 5.\nAccepted: an integer from 1 to 10.\n"
	       ".It Ev P_L\nItems.\nDefault: unset.\n"
	       "Accepted: a comma-separated list of distinct items from x,y.\n"
	       ".It Ev P_C\nChecked.\nDefault: ok.\nAccepted: what the check accepts.\n",
	       "conf_print_mdoc");
}

/* "VAR=" for a variable whose default is unset means unset, whatever its
 * type takes (the manuals document "empty: ..." values); with a default, a
 * checked value must pass its check. */
static void test_empty_checked(void)
{
	static const struct conf_var t[] = {
	    {"E_UNSET", CONF_CHECKED, "", 0, 0, "lowercase words", "Words.", lower_words},
	    {"E_SET", CONF_CHECKED, "ok", 0, 0, "lowercase words", "Words.", lower_words},
	};
	struct conf_value v[2];
	char *unset_empty[] = {(char *)"E_UNSET=", 0};
	char *set_empty[] = {(char *)"E_SET=", 0};
	char *bad_value[] = {(char *)"E_UNSET=Upper", 0};

	ok(conf_load("E_", t, 2, v, unset_empty, err, sizeof err) && !v[0].str[0] && v[0].from_env,
	   "an empty checked value whose default is unset: accepted, empty");
	ok(!conf_load("E_", t, 2, v, set_empty, err, sizeof err) && strstr(err, "E_SET="),
	   "an empty checked value with a default goes through its check (%s)", err);
	ok(!conf_load("E_", t, 2, v, bad_value, err, sizeof err) && strstr(err, "E_UNSET=Upper"),
	   "a non-empty one still does");
}

int main(void)
{
	test_defaults();
	test_empty_checked();
	test_values();
	test_bad();
	test_long_value();
	test_bad_default();
	test_print();
	return tap_done();
}
