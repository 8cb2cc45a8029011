/* account_policy.c: unit tests for the users file's policy field
 * (lib/account/account_policy.c): every key with good values, malformed
 * items (unknown, repeated, empty, unquoted commas, bad quoting, values out
 * of range, cert= with blanks or bytes outside printable ASCII), the limits
 * of each list and value, and whole lines with the field. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "account/account.h"
#include "../tap.h"

static struct account_policy pol;
static const char *why;

static int pp(const char *s)
{
	why = 0;
	return account_policy_parse(s, strlen(s), &pol, &why);
}

static void each_key(void)
{
	ok(pp("ro") && pol.keys == ACCOUNT_POL_RO, "ro");
	ok(pp("wo") && pol.keys == ACCOUNT_POL_WO, "wo");
	ok(pp("root=/srv/sftp/%u") && !strcmp(pol.root, "/srv/sftp/%u"), "root= absolute with %%u");
	ok(pp("root=~/pub") && pp("root=~") && pp("root=%h/in") && pp("root=\"/a b,c\""),
	   "root= ~, ~/x, %%h, quoted with a space and a comma");
	ok(pp("umask=027") && pol.umask == 027 && pp("umask=0") && pol.umask == 0, "umask=");
	ok(pp("mode=0640") && pol.mode == 0640 && pp("mode=600") && pol.mode == 0600, "mode=");
	ok(pp("deny=remove") && pol.deny == ACCOUNT_DENY_REMOVE, "deny= one operation");
	ok(pp("deny=\"remove,rename,mkdir,rmdir,setstat,symlink,link\"") && pol.deny == 0x7f,
	   "deny= every operation");
	ok(pp("maxsize=1") && pol.maxsize == 1, "maxsize=1");
	ok(pp("maxsize=10K") && pol.maxsize == 10240, "maxsize=10K");
	ok(pp("maxsize=3M") && pol.maxsize == 3ull << 20, "maxsize=3M");
	ok(pp("maxsize=2G") && pol.maxsize == 2ull << 30, "maxsize=2G");
	ok(pp("maxsize=1T") && pol.maxsize == 1ull << 40, "maxsize=1T");
	ok(pp("from=127.0.0.0/8") && pol.n_from == 1, "from= one prefix");
	ok(pp("from=\"10.0.0.0/8,192.168.1.7,2001:db8::/32\"") && pol.n_from == 3,
	   "from= quoted list with IPv6");
	ok(pp("from=::1") && pol.n_from == 1,
	   "from= bare IPv6 (colons are fine in the last field)");
	ok(pp("auth=publickey") && !strcmp(pol.auth, "publickey"), "auth= one method");
	ok(pp("auth=\"publickey,password publickey keyboard-interactive\""), "auth= chains");
	ok(pp("auth=any"), "auth=any");
	ok(pp("scp=no") && (pol.keys & ACCOUNT_POL_SCP) && !pol.scp, "scp=no");
	ok(pp("scp=yes") && pol.scp, "scp=yes");
	ok(pp("groups=adm") && pol.n_groups == 1 && !strcmp(pol.groups[0], "adm"),
	   "groups= a name");
	ok(pp("groups=\"adm,4321,www-data\"") && pol.n_groups == 3 &&
	       !strcmp(pol.groups[1], "4321"),
	   "groups= names and numbers");
	ok(pp("tls=optional") && pol.tls_optional, "tls=optional");
	ok(pp("tls=required") && !pol.tls_optional && (pol.keys & ACCOUNT_POL_TLS), "tls=required");
	ok(pp("cert=alice@other.example") && (pol.keys & ACCOUNT_POL_CERT) &&
	       !strcmp(pol.cert, "alice@other.example"),
	   "cert= an e-mail address");
	ok(pp("cert=\"Alice Smith, Accounts\"") && !strcmp(pol.cert, "Alice Smith, Accounts"),
	   "cert= a quoted CN with a space and a comma");
	ok(pp("cert=\"a:b=c;d'e!~\"") && !strcmp(pol.cert, "a:b=c;d'e!~"),
	   "cert= any printable ASCII but '\"' when quoted");
	ok(pp("ro") && !(pol.keys & ACCOUNT_POL_CERT) && !pol.cert[0], "no cert=: empty");
	ok(pp("ro,umask=027,deny=remove,maxsize=1G,from=10.0.0.0/8,scp=no,groups=adm,tls=optional,"
	      "root=/x,mode=0600,auth=password,cert=a@b.example") &&
	       pol.keys == (0x1fff & ~(unsigned)ACCOUNT_POL_WO),
	   "every key but wo together");
	ok(pp("ro") && pol.scp == 1 && !pol.deny && !pol.n_from, "unset keys keep their defaults");
}

static void malformed(void)
{
	static const char *const bad[] = {
	    "",
	    ",",
	    "ro,",
	    ",ro",
	    "ro,,wo",
	    "ro,wo",
	    "ro,ro",
	    "RO",
	    "rw",
	    "ro=yes",
	    "wo=1",
	    "umask",
	    "umask=",
	    "umask=\"\"",
	    "umask=0999",
	    "umask=01000",
	    "umask=00000",
	    "umask=-1",
	    "mode=1777",
	    "mode=abc",
	    "umask=027,umask=022",
	    "root=relative/path",
	    "root=%x/y",
	    "root=/a%",
	    "root=~user",
	    "root=/a/~b",
	    "root=/a b",
	    "root=\"/a\"b",
	    "root=\"/a",
	    "root=/a\"b",
	    "root=\"/a\tb\"",
	    "deny=remove,rename",
	    "deny=\"remove,remove\"",
	    "deny=\"remove,\"",
	    "deny=delete",
	    "deny=\"\"",
	    "maxsize=0",
	    "maxsize=0K",
	    "maxsize=01",
	    "maxsize=1k",
	    "maxsize=1KB",
	    "maxsize=K",
	    "maxsize=-5",
	    "maxsize=99999999999999999999",
	    "maxsize=2000000000T",
	    "from=10.0.0.0/33",
	    "from=10.0.0.1/8",
	    "from=host.example",
	    "from=\"10.0.0.0/8, 192.168.0.0/16\"",
	    "from=\"10.0.0.0/8,,::1\"",
	    "auth=pubkey",
	    "auth=\"publickey,\"",
	    "auth=\"any password\"",
	    "auth=\"password,password,password,password,password\"",
	    "auth=\"a b c d e f g h i\"",
	    "auth=\" \"",
	    "scp=off",
	    "scp",
	    "groups=0",
	    "groups=\"adm,\"",
	    "groups=-adm",
	    "groups=4294967295",
	    "groups=a/b",
	    "tls=no",
	    "tls",
	    "cert",
	    "cert=",
	    "cert=\"\"",
	    "cert=Alice Smith",
	    "cert=alice,bob",
	    "cert=a\"b",
	    "cert=\"a\"b\"",
	    "cert=\"alice",
	    "cert=\" alice\"",
	    "cert=\"alice \"",
	    "cert=\"al\tice\"",
	    "cert=al\x7fice",
	    "cert=al\xc3\xa9",
	    "cert=a\r",
	    "cert=a@b,cert=a@b",
	    "unknown=1",
	    "ro wo",
	    " ro",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		errno = 0;
		ok(!pp(bad[i]) && errno == EPROTO && why && *why, "malformed: '%s' (%s)", bad[i],
		   why ? why : "?");
	}
	ok(!account_policy_parse("ro\0wo", 5, &pol, &why) && errno == EPROTO, "NUL inside: EPROTO");
}

static void limits(void)
{
	char buf[ACCOUNT_POLICY_MAX + 64];
	size_t n;

	n = (size_t)snprintf(buf, sizeof buf, "from=\"");
	for (int i = 0; i < ACCOUNT_POLICY_MAX_FROM; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s10.0.%d.0/24", i ? "," : "", i);
	snprintf(buf + n, sizeof buf - n, "\"");
	ok(pp(buf) && pol.n_from == ACCOUNT_POLICY_MAX_FROM, "from= with the most prefixes");
	snprintf(buf + n, sizeof buf - n, ",10.1.0.0/16\"");
	ok(!pp(buf), "from= with one prefix too many");

	n = (size_t)snprintf(buf, sizeof buf, "groups=\"");
	for (int i = 0; i < ACCOUNT_POLICY_MAX_GROUPS; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%sg%d", i ? "," : "", i);
	snprintf(buf + n, sizeof buf - n, "\"");
	ok(pp(buf) && pol.n_groups == ACCOUNT_POLICY_MAX_GROUPS, "groups= with the most groups");
	snprintf(buf + n, sizeof buf - n, ",gx\"");
	ok(!pp(buf), "groups= with one group too many");

	ok(pp("maxsize=1048576T") && pol.maxsize == ACCOUNT_POLICY_MAX_BYTES,
	   "maxsize= at its ceiling");
	ok(!pp("maxsize=1048577T"), "maxsize= over its ceiling");

	memset(buf, 0, sizeof buf);
	memcpy(buf, "cert=", 5);
	memset(buf + 5, 'c', ACCOUNT_POLICY_MAX_CERT);
	ok(pp(buf) && strlen(pol.cert) == ACCOUNT_POLICY_MAX_CERT, "cert= of %d bytes",
	   ACCOUNT_POLICY_MAX_CERT);
	buf[5 + ACCOUNT_POLICY_MAX_CERT] = 'c';
	ok(!pp(buf) && errno == EPROTO && why && strstr(why, "cert="), "cert= one byte longer (%s)",
	   why ? why : "?");

	memset(buf, 0, sizeof buf);
	memcpy(buf, "root=/", 6);
	memset(buf + 6, 'a', ACCOUNT_POLICY_MAX - 6);
	ok(pp(buf) && strlen(pol.root) == ACCOUNT_POLICY_MAX - 5,
	   "a field of ACCOUNT_POLICY_MAX bytes");
	buf[ACCOUNT_POLICY_MAX] = 'a';
	ok(!pp(buf) && errno == EPROTO, "a field one byte longer: EPROTO");
}

static void lines(void)
{
	struct account a;
	char out[ACCOUNT_MAX_LINE + 1];
	const char *l = "al:*:1:1:/h:ro,from=\"::1,10.0.0.0/8\",root=/srv/%u";

	ok(account_parse_line(l, strlen(l), &a) && (a.policy.keys & ACCOUNT_POL_RO) &&
	       a.policy.n_from == 2 && !strcmp(a.home, "/h"),
	   "a six-field line: the policy is the rest, colons included");
	ok(account_format_line(&a, out, sizeof out) && !strcmp(out, l), "it formats back the same");
	l = "al:*:1:1:/h:cert=\"Alice Smith\",ro";
	ok(account_parse_line(l, strlen(l), &a) && !strcmp(a.policy.cert, "Alice Smith") &&
	       account_format_line(&a, out, sizeof out) && !strcmp(out, l),
	   "a line with cert= parses and formats back the same");
	l = "al:*:1:1:/h";
	ok(account_parse_line(l, strlen(l), &a) && !a.policy.keys && !a.policy_text[0] &&
	       a.policy.scp,
	   "a five-field line: no policy");
	ok(account_format_line(&a, out, sizeof out) && !strcmp(out, l),
	   "formats back as five fields");
	l = "al:*:1:1:/h:ro,bogus";
	account_policy_why = 0;
	ok(!account_parse_line(l, strlen(l), &a) && errno == EPROTO && account_policy_why &&
	       !strcmp(account_policy_why, "an unknown key"),
	   "a bad policy makes the line malformed, with why");
	l = "al:*:1:1:/h:";
	ok(!account_parse_line(l, strlen(l), &a) && errno == EPROTO,
	   "an empty sixth field: EPROTO");
}

int main(void)
{
	each_key();
	malformed();
	limits();
	lines();
	return tap_done();
}
