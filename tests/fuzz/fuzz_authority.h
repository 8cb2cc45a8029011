/* fuzz_authority.h: stand-ins for the monitor's verdicts (authority.c's
 * requests), for the userauth fuzz targets, so neither authority.o nor a
 * monitor process is involved.  "alice" has one fixed ed25519 key, so
 * publickey queries can be answered with PK_OK, and the password
 * FUZZ_PASSWORD; nobody can sign for the key.  The stand-ins keep their own
 * progress through SFTPD_AUTH_METHODS as the monitor does, abort on what
 * the real monitor would refuse (monitor.c: an attempt after success or
 * after its limit, a change of user, a method that may not come now, a key
 * blob userauth.c has not validated), and count failures to a limit below
 * the session's own, so "last" is exercised. */
#ifndef FUZZ_AUTHORITY_H
#define FUZZ_AUTHORITY_H

#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "../../sftpd/monitor.h"
#include "../../sftpd/ssh/ssh.h"

#define FUZZ_AUTH_KEY                                                                              \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINxWD0O5ERq19mHUBACnhQlJI3fLN301MAGeg7BnGW2e fuzz\n"
#define FUZZ_PASSWORD "fuzz-password"
#define FUZZ_MON_MAX_TRIES 2 /* the monitor's limit; the session's is 3 */

static struct conf_value fuzz_cf[CF_COUNT];
static struct key_public fuzz_auth_key;
static int fuzz_ready;

/* The stand-in monitor's state for the current input. */
static struct {
	char user[SLUICE_MAX_USERNAME + 1];
	int user_set, accepted;
	unsigned failures;
	struct authmethods chains;
} fuzz_mon;

/* keyboard-interactive through PAM: 0 no query open, 1 the password
 * asked, 2 the code asked */
static int fuzz_kbd_step;

/* Confinement follows the hand-over, in another process. */
void session_confine(struct session *s, const struct account *a)
{
	(void)s;
	(void)a;
	abort();
}

static void fuzz_mon_reset(void)
{
	char why[128];
	memset(&fuzz_mon, 0, sizeof fuzz_mon);
	fuzz_kbd_step = 0;
	if (!authmethods_parse(&fuzz_mon.chains, fuzz_cf[CF_AUTH_METHODS].str, why, sizeof why))
		abort();
}

/* What the monitor checks before any verdict (attempt_allowed, take_user). */
static void fuzz_mon_attempt(const char *user, enum auth_method method)
{
	if (fuzz_mon.accepted || fuzz_mon.failures >= FUZZ_MON_MAX_TRIES) abort();
	if (!authmethods_allowed(&fuzz_mon.chains, method)) abort();
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

/* good: the credential holds; step: it completes a method (not a query). */
static int fuzz_mon_answer(int good, int step, enum auth_method m, int *verdict, int *last)
{
	*verdict = MON_REFUSED;
	*last = 0;
	if (good && !step) {
		*verdict = MON_ACCEPTED;
		return 1;
	}
	if (good) {
		enum authmethods_step r = authmethods_passed(&fuzz_mon.chains, m);
		fuzz_mon.accepted = r == AUTHMETHODS_COMPLETE;
		*verdict = fuzz_mon.accepted ? MON_ACCEPTED : MON_PARTIAL;
		return 1;
	}
	fuzz_mon.failures++;
	*last = fuzz_mon.failures >= FUZZ_MON_MAX_TRIES;
	return 1;
}

static int fuzz_mon_secret(const char *user, const char *pw, size_t pwlen, enum auth_method m,
			   int *verdict, int *last)
{
	fuzz_mon_attempt(user, m);
	if (pwlen > SLUICE_MAX_PASSWORD) abort();
	return fuzz_mon_answer(!strcmp(user, "alice") && pwlen == strlen(FUZZ_PASSWORD) &&
				   !memcmp(pw, FUZZ_PASSWORD, pwlen),
			       1, m, verdict, last);
}

int authority_password(int mon, const char *user, const char *pw, size_t pwlen, int *accepted,
		       int *last)
{
	(void)mon;
	return fuzz_mon_secret(user, pw, pwlen, AUTH_PASSWORD, accepted, last);
}

int authority_kbdint(int mon, const char *user, const char *response, size_t len, int *accepted,
		     int *last)
{
	(void)mon;
	return fuzz_mon_secret(user, response, len, AUTH_KBDINT, accepted, last);
}

/* keyboard-interactive through PAM (SFTPD_PAM_SERVICE): the stand-in asks
 * "Password: ", then, for alice's password, "Code: " (echoed); "4242"
 * completes the method.  It aborts on answers with no query open, and on
 * a count or a size that userauth.c should have turned into "gave up". */
static int fuzz_kbd_query(const char *prompt, int echo, unsigned char *r, size_t cap, size_t *len)
{
	struct wire_out w;
	wire_out_init(&w, r, cap);
	wire_put_u8(&w, MON_KBD_QUERY);
	wire_put_cstring(&w, echo ? "one more question" : "");
	wire_put_u32(&w, 1);
	wire_put_cstring(&w, prompt);
	wire_put_bool(&w, echo);
	if (w.bad) abort();
	*len = w.len;
	return 1;
}

static int fuzz_kbd_verdict(int good, unsigned char *r, size_t cap, size_t *len)
{
	int v, last;
	if (cap < 3) abort();
	fuzz_mon_answer(good, 1, AUTH_KBDINT, &v, &last);
	r[0] = MON_ANSWER;
	r[1] = (unsigned char)v;
	r[2] = (unsigned char)last;
	*len = 3;
	return 1;
}

int authority_kbd_start(int mon, const char *user, unsigned char *reply, size_t cap, size_t *len)
{
	(void)mon;
	fuzz_mon_attempt(user, AUTH_KBDINT);
	if (fuzz_kbd_step) abort(); /* the open query was not abandoned first */
	fuzz_kbd_step = 1;
	return fuzz_kbd_query("Password: ", 0, reply, cap, len);
}

int authority_kbd_answers(int mon, int gave_up, const unsigned char *const *answer,
			  const uint32_t *answer_len, uint32_t n, unsigned char *reply, size_t cap,
			  size_t *len)
{
	int step = fuzz_kbd_step;
	(void)mon;
	if (!step || (!gave_up && n != 1) || (gave_up && n)) abort();
	if (n && answer_len[0] > SLUICE_MAX_PASSWORD) abort();
	fuzz_kbd_step = 0;
	if (gave_up) return fuzz_kbd_verdict(0, reply, cap, len);
	if (step == 1 && !strcmp(fuzz_mon.user, "alice") &&
	    answer_len[0] == strlen(FUZZ_PASSWORD) &&
	    !memcmp(answer[0], FUZZ_PASSWORD, answer_len[0])) {
		fuzz_kbd_step = 2;
		return fuzz_kbd_query("Code: ", 1, reply, cap, len);
	}
	return fuzz_kbd_verdict(step == 2 && answer_len[0] == 4 && !memcmp(answer[0], "4242", 4),
				reply, cap, len);
}

int authority_key_query(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			size_t bloblen, int *accepted, int *last)
{
	struct key_public k;
	(void)mon;
	fuzz_mon_attempt(user, AUTH_PUBLICKEY);
	fuzz_mon_key(sigalg, blob, bloblen, &k);
	return fuzz_mon_answer(!strcmp(user, "alice") && key_public_equal(&k, &fuzz_auth_key), 0,
			       AUTH_PUBLICKEY, accepted, last);
}

int authority_key_verify(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			 size_t bloblen, const unsigned char *sig, size_t siglen, int *accepted,
			 int *last)
{
	struct key_public k;
	(void)mon;
	(void)sig;
	(void)siglen;
	fuzz_mon_attempt(user, AUTH_PUBLICKEY);
	fuzz_mon_key(sigalg, blob, bloblen, &k);
	return fuzz_mon_answer(0, 1, AUTH_PUBLICKEY, accepted, last);
}

/* env: literals (conf_load keeps pointers into it). */
static void fuzz_setup_authority(const char *name, char **env)
{
	char err[256];

	if (fuzz_ready) return;
	log_init(name, "fuzz");
	if (!algo_init()) abort();
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, env, err, sizeof err))
		abort();
	if (!key_parse_public_any(FUZZ_AUTH_KEY, strlen(FUZZ_AUTH_KEY), &fuzz_auth_key)) abort();
	fuzz_ready = 1;
}

/* A session after its key exchange, talking to the stand-ins. */
static void fuzz_session_init(struct session *s)
{
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
	fuzz_mon_reset();
}

static void fuzz_session_free(struct session *s)
{
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
}

#endif
