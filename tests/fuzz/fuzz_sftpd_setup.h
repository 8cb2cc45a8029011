/* fuzz_sftpd_setup.h: what the transport fuzz targets share: a config with
 * no reachable account, the public half of one ed25519 host key made once,
 * a stand-in for the monitor's signature (authority_sign, so that
 * authority.o and the monitor protocol stay out of these targets), and one
 * for session_confine (nothing in these targets authenticates). */
#ifndef FUZZ_SFTPD_SETUP_H
#define FUZZ_SFTPD_SETUP_H

#include <stdlib.h>
#include <string.h>
#include "log/log.h"
#include "../../sftpd/ssh/ssh.h"

static char *fuzz_env[] = {"SFTPD_USERS_FILE=/nonexistent/users", "SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_AUTH_METHODS=publickey", 0};
static struct conf_value fuzz_cf[CF_COUNT];
static struct key_public fuzz_host_pub;
static int fuzz_ready;
/* Key exchanges signed for the current input; a target resets it. */
static uint32_t fuzz_signed;

/* Only after authentication, which these targets never reach. */
void session_confine(struct session *s, const struct account *a)
{
	(void)s;
	(void)a;
	abort();
}

/* The monitor's answer without a monitor.  What the monitor would refuse
 * (monitor.c answer_sign: an exchange number out of sequence, a hash that
 * is no exchange hash, no such host key, an algorithm that does not fit
 * it) is a bug of kex.c here.  The signature is a fixed, well-formed
 * ed25519 blob: nothing in these targets verifies it. */
int authority_sign(int mon, uint32_t kex_number, unsigned key_index, const char *sigalg,
		   const unsigned char *hash, size_t len, unsigned char *sig, size_t *siglen)
{
	static const unsigned char fixed[4 + 11 + 4 + 64] = {
	    0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 64, 0x5a};
	(void)mon;
	(void)hash;
	if (kex_number != fuzz_signed + 1 || (len != 32 && len != 48 && len != 64) ||
	    key_index != 0 || !key_sigalg_fits(fuzz_host_pub.type, sigalg))
		abort();
	fuzz_signed = kex_number;
	memcpy(sig, fixed, sizeof fixed);
	*siglen = sizeof fixed;
	return 1;
}

static void fuzz_setup_named(const char *name)
{
	struct key_private *k;
	char err[256];

	if (fuzz_ready) return;
	log_init(name, "fuzz");
	if (!algo_init()) abort();
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, fuzz_env, err, sizeof err))
		abort();
	if (!key_generate(&k, KEY_ED25519, 0)) abort();
	fuzz_host_pub = *key_private_public(k);
	key_private_free(k);
	fuzz_ready = 1;
}

#endif
