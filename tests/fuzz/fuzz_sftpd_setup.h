/* fuzz_sftpd_setup.h: what the transport fuzz targets share: a config with
 * no reachable account, one ed25519 host key made once, and a stand-in for
 * session_confine (nothing in these targets authenticates). */
#ifndef FUZZ_SFTPD_SETUP_H
#define FUZZ_SFTPD_SETUP_H

#include <stdlib.h>
#include "log/log.h"
#include "../../sftpd/ssh/ssh.h"

static char *fuzz_env[] = {"SFTPD_USERS_FILE=/nonexistent/users", "SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_AUTH_METHODS=publickey", 0};
static struct conf_value fuzz_cf[CF_COUNT];
static struct key_private *fuzz_host_key;

void session_confine(struct session *s)
{
	(void)s;
	abort();
}

static void fuzz_setup_named(const char *name)
{
	char err[256];

	if (fuzz_host_key) return;
	log_init(name, "fuzz");
	if (!algo_init()) abort();
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, fuzz_env, err, sizeof err)) abort();
	if (!key_generate(&fuzz_host_key, KEY_ED25519, 0)) abort();
}

#endif
