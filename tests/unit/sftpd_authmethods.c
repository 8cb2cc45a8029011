/* sftpd_authmethods: SFTPD_AUTH_METHODS (authmethods.c): the syntax, with
 * every kind of bad value and its message, the ceilings, and a
 * connection's progress through the lists as OpenSSH's
 * AuthenticationMethods moves: which methods may come next, partial and
 * complete successes, lists that do not start with the method left as
 * they are.  Also the variable through conf_load, as sftpd reads it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../sftpd/authmethods.h"
#include "../../sftpd/config.h"

static struct authmethods a;
static char why[256];

static int parses(const char *spec)
{
	why[0] = 0;
	return authmethods_parse(&a, spec, why, sizeof why);
}

static void good(const char *spec, unsigned lists)
{
	ok(parses(spec) && a.n == lists, "\"%s\": %u list(s) (%s)", spec, lists, why);
}

static void bad(const char *spec, const char *msg)
{
	int r = parses(spec);
	ok(!r && a.n == 0, "\"%s\" refused", spec);
	is_str(why, msg, "  message");
	ok(!authmethods_allowed(&a, AUTH_PUBLICKEY) && !authmethods_allowed(&a, AUTH_PASSWORD) &&
	       !authmethods_allowed(&a, AUTH_KBDINT),
	   "  and allows nothing");
}

static const char *next(void)
{
	static char out[AUTHMETHODS_NAMES_MAX];
	authmethods_next(&a, out);
	return out;
}

static void test_syntax(void)
{
	char big[400];

	good("publickey", 1);
	good("publickey,password publickey", 2);
	good("  publickey    password  ", 2);
	good("keyboard-interactive", 1);
	good("publickey,publickey", 1);
	good("password,password", 1);
	good("any", 3);
	good(AUTHMETHODS_DEFAULT, 3);
	good("publickey publickey publickey publickey publickey publickey publickey publickey", 8);
	good("publickey,password,keyboard-interactive,publickey", 1);

	bad("", "no method");
	bad("   ", "no method");
	bad("foo", "unknown method \"foo\"; accepted: publickey, password, keyboard-interactive");
	bad("none", "unknown method \"none\"; accepted: publickey, password, keyboard-interactive");
	bad("hostbased publickey",
	    "unknown method \"hostbased\"; accepted: publickey, password, keyboard-interactive");
	bad("publickey,gssapi-with-mic",
	    "unknown method \"gssapi-with-mic\"; accepted: publickey, password, "
	    "keyboard-interactive");
	bad("Publickey", "unknown method \"Publickey\"; accepted: publickey, password, "
			 "keyboard-interactive");
	bad("publickey,,password", "empty method in \"publickey,,password\"");
	bad("publickey,", "empty method in \"publickey,\"");
	bad(",password", "empty method in \",password\"");
	bad("publickey ,password", "empty method in \",password\"");
	bad("keyboard-interactive:pam",
	    "method \"keyboard-interactive:pam\": submethods are not supported");
	bad("any publickey", "any stands alone");
	bad("publickey any", "any stands alone");
	bad("publickey,any", "unknown method \"any\"; accepted: publickey, password, "
			     "keyboard-interactive");
	bad("publickey,password,publickey,password,password", "more than 4 methods in one list");
	bad("publickey publickey publickey publickey publickey publickey publickey publickey "
	    "password",
	    "more than 8 alternatives");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	bad(big, "unknown method \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"; accepted: "
		 "publickey, password, keyboard-interactive");
	ok(authmethods_check("publickey,password publickey", why, sizeof why) &&
	       !authmethods_check("publickey,", why, sizeof why),
	   "authmethods_check: the same verdicts");
}

static void test_names(void)
{
	ok(authmethods_id("publickey") == AUTH_PUBLICKEY &&
	       authmethods_id("password") == AUTH_PASSWORD &&
	       authmethods_id("keyboard-interactive") == AUTH_KBDINT,
	   "method ids by name");
	ok(authmethods_id("none") == AUTH_NONE && authmethods_id("") == AUTH_NONE &&
	       authmethods_id("publickey ") == AUTH_NONE &&
	       authmethods_id("hostbased") == AUTH_NONE,
	   "none, empty, padded, hostbased: no method");
	is_str(authmethods_name(AUTH_KBDINT), "keyboard-interactive", "name of AUTH_KBDINT");
	is_str(authmethods_name(AUTH_NONE), "none", "name of AUTH_NONE");
	is_str(authmethods_name((enum auth_method)99), "none", "name of an out-of-range value");
}

static void test_progress(void)
{
	parses("any");
	is_str(next(), "publickey,password,keyboard-interactive", "any: all three may come");
	ok(authmethods_passed(&a, AUTH_KBDINT) == AUTHMETHODS_COMPLETE,
	   "  keyboard-interactive completes");

	parses("keyboard-interactive password,publickey publickey");
	is_str(next(), "publickey,password,keyboard-interactive",
	       "lists listed in a fixed order, whatever the configuration's");

	parses("publickey,password");
	is_str(next(), "publickey", "publickey,password: publickey first");
	ok(!authmethods_allowed(&a, AUTH_PASSWORD) && authmethods_named(&a, AUTH_PASSWORD) &&
	       !authmethods_named(&a, AUTH_KBDINT),
	   "  password named but not allowed yet; keyboard-interactive not named");
	ok(authmethods_passed(&a, AUTH_PASSWORD) == AUTHMETHODS_OUT_OF_ORDER,
	   "  a password success out of order: refused, nothing moves");
	is_str(next(), "publickey", "  still publickey");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_PARTIAL, "  publickey: partial");
	is_str(next(), "password", "  then password");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_OUT_OF_ORDER,
	   "  publickey again: out of order");
	ok(authmethods_passed(&a, AUTH_PASSWORD) == AUTHMETHODS_COMPLETE, "  password: complete");
	is_str(next(), "", "  nothing more");
	ok(authmethods_passed(&a, AUTH_NONE) == AUTHMETHODS_OUT_OF_ORDER, "AUTH_NONE never passes");

	parses("publickey,password publickey");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_COMPLETE,
	   "publickey,password publickey: a key alone completes");

	parses("password,publickey publickey,keyboard-interactive");
	is_str(next(), "publickey,password", "password,publickey publickey,keyboard-interactive");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_PARTIAL, "  publickey: partial");
	is_str(next(), "password,keyboard-interactive",
	       "  then password (the first list, untouched) or keyboard-interactive");
	ok(authmethods_passed(&a, AUTH_PASSWORD) == AUTHMETHODS_PARTIAL, "  password: partial");
	is_str(next(), "publickey,keyboard-interactive",
	       "  then publickey or keyboard-interactive");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_COMPLETE,
	   "  publickey: the first list is complete");

	parses("publickey,publickey,publickey,publickey");
	ok(authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_PARTIAL &&
	       authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_PARTIAL &&
	       authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_PARTIAL &&
	       authmethods_passed(&a, AUTH_PUBLICKEY) == AUTHMETHODS_COMPLETE,
	   "four keys: three partial successes, then complete");

	parses("publickey,password");
	authmethods_passed(&a, AUTH_PUBLICKEY);
	parses("publickey,password");
	is_str(next(), "publickey", "parsing again resets the progress");
}

static void test_conf(void)
{
	struct conf_value cf[CF_COUNT];
	char err[512];
	char *def[] = {0};
	char *chain[] = {"SFTPD_AUTH_METHODS=publickey,password publickey", 0};
	char *wrong[] = {"SFTPD_AUTH_METHODS=publickey,hostbased", 0};
	char *ctl[] = {"SFTPD_AUTH_METHODS=publickey\tpassword", 0};
	char *empty[] = {"SFTPD_AUTH_METHODS=", 0};

	ok(conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, def, err, sizeof err) &&
	       !strcmp(cf[CF_AUTH_METHODS].str, "publickey password keyboard-interactive"),
	   "default: publickey password keyboard-interactive (any one alone)");
	ok(conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, chain, err, sizeof err),
	   "SFTPD_AUTH_METHODS=publickey,password publickey accepted");
	ok(!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, wrong, err, sizeof err) &&
	       errno == EINVAL,
	   "SFTPD_AUTH_METHODS=publickey,hostbased refused");
	is_str(err,
	       "SFTPD_AUTH_METHODS=publickey,hostbased: unknown method \"hostbased\"; accepted: "
	       "publickey, password, keyboard-interactive",
	       "  the message names the variable, the value and the method");
	ok(!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, ctl, err, sizeof err) &&
	       strstr(err, "SFTPD_AUTH_METHODS=") && strstr(err, "space-separated alternatives"),
	   "a tab (control character) refused, saying what is accepted (%s)", err);
	ok(!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, empty, err, sizeof err),
	   "SFTPD_AUTH_METHODS= (empty) refused: no method would let anyone in");
}

int main(void)
{
	test_syntax();
	test_names();
	test_progress();
	test_conf();
	return tap_done();
}
