/* sftpd_client_match: SFTPD_CLIENT_MATCH's parser and matcher — good and
 * malformed rules (missing colon or pattern, unknown keys and algorithms,
 * sizes out of range or with junk), the first matching rule winning,
 * "SSH-2.0-" stripped or not, and the list filter. */
#include <string.h>

#include "../tap.h"
#include "../../sftpd/client_match.h"

static void good(const char *spec)
{
	char why[160] = "";
	ok(client_match_check(spec, why, sizeof why), "accepted: %s %s", spec, why);
}

static void bad(const char *spec, const char *want)
{
	char why[160] = "";
	int r = client_match_check(spec, why, sizeof why);
	ok(!r && strstr(why, want), "refused: %s (%s)", spec, r ? "accepted" : why);
}

int main(void)
{
	struct client_tuning t;
	char out[256];

	good("");
	good("OpenSSH_*: window=64K");
	good(" PuTTY* : packet=32768 disable=aes128-ctr,hmac-sha2-256 ;WinSCP*: window=4M");
	good("a:");
	bad("nocolon", "expected PATTERN");
	bad(": window=64K", "bad pattern");
	bad("x: window", "expected KEY=VALUE");
	bad("x: window=8K", "16K to 4M");
	bad("x: window=5M", "16K to 4M");
	bad("x: window=64Q", "16K to 4M");
	bad("x: window=", "16K to 4M");
	bad("x: packet=2K", "4K to 128K");
	bad("x: packet=256K", "4K to 128K");
	bad("x: disable=", "needs a list");
	bad("x: disable=aes128-ctr,,hmac-sha2-256", "unknown algorithm");
	bad("x: disable=3des-cbc", "unknown algorithm");
	bad("x: colour=blue", "unknown key");
	bad("x: sftp=2", "3 to 6");
	bad("x: sftp=7", "3 to 6");
	bad("x: sftp=", "3 to 6");
	bad("x: sftp=33", "3 to 6");
	bad("x: sftp=4x", "3 to 6");
	bad("ok: window=64K; broken", "expected PATTERN");

	ok(client_match_find("Open*: window=64K; *: window=32K", "SSH-2.0-OpenSSH_9.2p1 Debian",
			     &t) &&
	       t.window == 65536,
	   "the first matching rule wins");
	ok(client_match_find("Open*: window=64K; *: window=32K", "PuTTY_Release_0.78", &t) &&
	       t.window == 32768,
	   "a later rule for another client, without the SSH-2.0- prefix");
	ok(!client_match_find("Open*: window=64K", "SSH-2.0-paramiko_3.0", &t) && t.window == 0 &&
	       !t.disable[0],
	   "no rule matches: the defaults");
	ok(client_match_find("*: disable=zlib@openssh.com packet=4K", "SSH-2.0-x", &t) &&
	       t.packet == 4096 && !strcmp(t.disable, "zlib@openssh.com"),
	   "packet and disable kept");
	ok(client_match_find("WinSCP*: sftp=3 window=64K; *: sftp=5", "SSH-2.0-WinSCP_release_6",
			     &t) &&
	       t.sftp_version == 3 && t.window == 65536,
	   "sftp=3 with another item");
	ok(client_match_find("WinSCP*: sftp=3; *: sftp=5", "SSH-2.0-net_ssh_7", &t) &&
	       t.sftp_version == 5,
	   "sftp=5 for the rest");
	ok(!client_match_find("WinSCP*: sftp=3", "SSH-2.0-net_ssh_7", &t) && t.sftp_version == 0,
	   "no rule: no cap");
	client_match_filter("a,b,c,bb", "b,c", out, sizeof out);
	is_str(out, "a,bb", "filter drops whole names only");
	client_match_filter("a,b", "a,b", out, sizeof out);
	is_str(out, "", "filter may leave nothing");
	return tap_done();
}
