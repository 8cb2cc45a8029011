/* fuzz_userauth: the input is one SERVICE_REQUEST or USERAUTH_REQUEST
 * payload for a session after its key exchange, handled up to three times.
 * The verdicts come from the stand-ins of fuzz_authority.h (alice, her one
 * key nobody can sign with, FUZZ_PASSWORD), which abort on what the real
 * monitor would refuse.  SFTPD_AUTH_METHODS is a chain (password then
 * keyboard-interactive) or a key alone, so a right password is a partial
 * success: the three rounds reach the chain's second step. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_authority.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_env[] = {"SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_AUTH_METHODS=password,keyboard-interactive publickey password,"
			   "password",
			   "SFTPD_MAX_AUTH_TRIES=3", 0};
static struct session fuzz_s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_s;
	unsigned char *p;

	fuzz_setup_authority("fuzz_userauth", fuzz_env);
	if (size < 1 || size > SSH_MAX_PAYLOAD) return 0;
	if (data[0] != SSH_MSG_SERVICE_REQUEST && data[0] != SSH_MSG_USERAUTH_REQUEST) return 0;
	/* userauth wipes passwords in place: give it a writable copy */
	p = malloc(size);
	if (!p) abort();
	memcpy(p, data, size);
	fuzz_session_init(s);
	/* the same request three times: a first verdict, repeats, the limits */
	for (int i = 0; i < 3 && !s->closing; i++) {
		int was_authed = s->authed;
		if (!userauth_handle(s, p[0], p, size)) break;
		if (s->authed != fuzz_mon.accepted) abort(); /* only the monitor lets in */
		if (was_authed && p[0] == SSH_MSG_USERAUTH_REQUEST && buf_used(&s->t.tx))
			abort();		       /* requests after success are ignored */
		if (buf_used(&s->t.deferred)) abort(); /* no key exchange is running */
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
		memcpy(p, data, size);
	}
	fuzz_session_free(s);
	free(p);
	return 0;
}
