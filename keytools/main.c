/* main: sluice-keytool's entry point: picks the subcommand from the
 * table and runs it.  Exit codes: 0 ok, 100 usage, 111 system failure. */
#include <string.h>
#include <sodium.h>
#include <skalibs/strerr.h>
#include "base/base.h"
#include "keytools.h"

const char *PROG = "sluice-keytool";

static const struct keytool_cmd keytool_cmds[] = {
    {"hostkey", keytool_hostkey, "[-t ed25519|rsa|ecdsa] [-b bits] [-C comment] [-F] -f file"},
    {"fingerprint", keytool_fingerprint, "file..."},
    {"convert", keytool_convert, "-e file | -i file"},
    {"useradd", keytool_useradd,
     "-f usersfile [-s] [-u uid] [-g gid] [-d home] [-p|--policy policy] name"},
    {"usermod", keytool_usermod,
     "-f usersfile [-u uid] [-g gid] [-d home] [-p|--policy policy] name"},
    {"passwd", keytool_passwd, "-f usersfile [-s] name"},
    {"userdel", keytool_userdel, "-f usersfile name"},
    {"users-cdb", keytool_userscdb, "-f usersfile"},
    {"hash", keytool_hash, "[-s]"},
    {"tls-cert", keytool_tls_cert,
     "[-t ec|rsa] [-b bits] [-d days] [-n name]... [-F] -k keyfile -c certfile"},
    {"tls-fingerprint", keytool_tls_fingerprint, "certfile"},
};

void keytool_die_usage(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keytool_cmds); i++)
		if (name && !strcmp(name, keytool_cmds[i].name))
			strerr_die(EXIT_USAGE, PROG, ": usage: ", PROG, " ", keytool_cmds[i].name,
				   " ", keytool_cmds[i].usage);
	strerr_die(EXIT_USAGE, PROG, ": usage: ", PROG,
		   " hostkey|fingerprint|convert|useradd|usermod|passwd|userdel|users-cdb|hash|tls-"
		   "cert|tls-fingerprint"
		   " [options] [args]");
}

int main(int argc, char const *const *argv)
{
	if (argc < 2) keytool_die_usage(0);
	if (sodium_init() < 0) strerr_diefu(EXIT_SYSTEM, "initialise libsodium");
	for (size_t i = 0; i < ARRAY_LEN(keytool_cmds); i++)
		if (!strcmp(argv[1], keytool_cmds[i].name))
			return keytool_cmds[i].run(argc - 1, argv + 1);
	keytool_die_usage(0);
}
