/* fuzz_userauth: the input is one SERVICE_REQUEST or USERAUTH_REQUEST
 * payload for a session after its key exchange, handled up to three times.
 * The verdicts come from stand-ins for the monitor (authority.c's
 * requests, so neither authority.o nor a monitor process is involved):
 * "alice" has one fixed ed25519 key, so publickey queries can be answered
 * with PK_OK, and the password FUZZ_PASSWORD; nobody can sign for the key.
 * The stand-ins abort on what the real monitor would refuse (monitor.c:
 * an attempt after success or after its limit, a change of user, a method
 * not enabled, a key blob userauth.c has not validated), and count
 * failures to a limit below the session's own, so "last" is exercised. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "../../sftpd/ssh/ssh.h"

#define FUZZ_AUTH_KEY                                                                              \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINxWD0O5ERq19mHUBACnhQlJI3fLN301MAGeg7BnGW2e fuzz\n"
#define FUZZ_PASSWORD "fuzz-password"
#define FUZZ_MON_MAX_TRIES 2 /* the monitor's limit; the session's is 3 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_env[] = {"SFTPD_AUTH_FAIL_DELAY_MS=0", "SFTPD_AUTH_METHODS=publickey,password",
			   "SFTPD_MAX_AUTH_TRIES=3", 0};
static struct conf_value fuzz_cf[CF_COUNT];
static struct key_public fuzz_auth_key;
static int fuzz_ready;
static struct session fuzz_s;

/* The stand-in monitor's state for the current input. */
static struct {
	char user[SLUICE_MAX_USERNAME + 1];
	int user_set, accepted;
	unsigned failures;
} fuzz_mon;

/* Confinement follows the hand-over, in another process. */
void session_confine(struct session *s, const struct account *a)
{
	(void)s;
	(void)a;
	abort();
}

/* What the monitor checks before any verdict (attempt_allowed, take_user). */
static void fuzz_mon_attempt(const char *user, const char *method)
{
	if (fuzz_mon.accepted || fuzz_mon.failures >= FUZZ_MON_MAX_TRIES) abort();
	if (!conf_list_has(fuzz_cf[CF_AUTH_METHODS].str, method)) abort();
	if (strlen(user) > SLUICE_MAX_USERNAME) abort();
	if (fuzz_mon.user_set && strcmp(user, fuzz_mon.user)) abort();
	strcpy(fuzz_mon.user, user);
	fuzz_mon.user_set = 1;
}

/* userauth.c parses the blob and checks the algorithm before asking. */
static void fuzz_mon_key(const char *sigalg, const unsigned char *blob, size_t bloblen,
			 struct key_public *k)
{
	if (bloblen > KEY_BLOB_MAX || !key_public_from_blob(k, blob, bloblen) ||
	    !key_sigalg_fits(k->type, sigalg))
		abort();
}

static int fuzz_mon_answer(int good, int success, int *accepted, int *last)
{
	*accepted = good;
	*last = 0;
	if (good) {
		fuzz_mon.accepted |= success;
		return 1;
	}
	fuzz_mon.failures++;
	*last = fuzz_mon.failures >= FUZZ_MON_MAX_TRIES;
	return 1;
}

int authority_password(int mon, const char *user, const char *pw, size_t pwlen, int *accepted,
		       int *last)
{
	(void)mon;
	fuzz_mon_attempt(user, "password");
	if (pwlen > SLUICE_MAX_PASSWORD) abort();
	return fuzz_mon_answer(!strcmp(user, "alice") && pwlen == strlen(FUZZ_PASSWORD) &&
				   !memcmp(pw, FUZZ_PASSWORD, pwlen),
			       1, accepted, last);
}

int authority_key_query(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			size_t bloblen, int *accepted, int *last)
{
	struct key_public k;
	(void)mon;
	fuzz_mon_attempt(user, "publickey");
	fuzz_mon_key(sigalg, blob, bloblen, &k);
	return fuzz_mon_answer(!strcmp(user, "alice") && key_public_equal(&k, &fuzz_auth_key), 0,
			       accepted, last);
}

int authority_key_verify(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			 size_t bloblen, const unsigned char *sig, size_t siglen, int *accepted,
			 int *last)
{
	struct key_public k;
	(void)mon;
	(void)sig;
	(void)siglen;
	fuzz_mon_attempt(user, "publickey");
	fuzz_mon_key(sigalg, blob, bloblen, &k);
	return fuzz_mon_answer(0, 0, accepted, last);
}

static void fuzz_setup(void)
{
	char err[256];

	if (fuzz_ready) return;
	log_init("fuzz_userauth", "fuzz");
	if (!algo_init()) abort();
	/* conf_load keeps pointers into env: its strings are literals */
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, fuzz_env, err, sizeof err))
		abort();
	if (!key_parse_public_any(FUZZ_AUTH_KEY, strlen(FUZZ_AUTH_KEY), &fuzz_auth_key)) abort();
	fuzz_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_s;
	unsigned char *p;

	fuzz_setup();
	if (size < 1 || size > SSH_MAX_PAYLOAD) return 0;
	if (data[0] != SSH_MSG_SERVICE_REQUEST && data[0] != SSH_MSG_USERAUTH_REQUEST) return 0;
	/* userauth wipes passwords in place: give it a writable copy */
	p = malloc(size);
	if (!p) abort();
	memcpy(p, data, size);
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->kex.done_once = 1;
	s->kex.number = 1;
	memset(s->kex.session_id, 0x5a, 32);
	s->kex.session_id_len = 32;
	s->mon = -1; /* the authority_* functions are stand-ins */
	memset(&fuzz_mon, 0, sizeof fuzz_mon);
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
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	free(p);
	return 0;
}
