/* authority: the unprivileged side of the monitor protocol.  What needs the
 * host private keys or the account sources is asked of the monitor (before
 * authentication) or of the signer (after it), one request and one reply at
 * a time.  Nothing here trusts that the monitor will say yes. */
#include <errno.h>
#include <string.h>
#include "monitor.h"
#include "ssh/ssh.h"

/* Sends a request and reads the reply, which must be of type want. */
static int ask(int mon, const struct wire_out *req, enum mon_type want, unsigned char *reply,
	       size_t cap, size_t *len)
{
	long n;
	if (req->bad) return (errno = EMSGSIZE, 0);
	if (!priv_record_send(mon, req->p, req->len)) return 0;
	n = priv_record_recv(mon, reply, cap, -1);
	if (n <= 0 || reply[0] != want) return (errno = EPROTO, 0);
	*len = (size_t)n;
	return 1;
}

static int ask_verdict(int mon, const struct wire_out *req, int *accepted, int *last)
{
	unsigned char r[3];
	size_t n;
	if (!ask(mon, req, MON_ANSWER, r, sizeof r, &n)) return 0;
	if (n != 3 || r[1] > MON_PARTIAL || r[2] > 1) return (errno = EPROTO, 0);
	*accepted = r[1];
	*last = r[2];
	return 1;
}

/* Sends req, expects MON_SIGNATURE, copies the signature blob out. */
static int ask_signature(int mon, const struct wire_out *req, unsigned char *sig, size_t *siglen)
{
	unsigned char reply[1 + 4 + KEY_SIG_MAX];
	struct wire_in in;
	const unsigned char *p;
	uint32_t n;
	size_t got;

	if (!ask(mon, req, MON_SIGNATURE, reply, sizeof reply, &got)) return 0;
	wire_in_init(&in, reply + 1, got - 1);
	wire_get_string(&in, &p, &n);
	if (!wire_done(&in) || n > KEY_SIG_MAX) return (errno = EPROTO, 0);
	memcpy(sig, p, n);
	*siglen = n;
	return 1;
}

int authority_sign(int mon, uint32_t kex_number, unsigned key_index, const char *sigalg,
		   const unsigned char *hash, size_t len, unsigned char *sig, size_t *siglen)
{
	unsigned char req[256];
	struct wire_out w;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_SIGN);
	wire_put_u32(&w, kex_number);
	wire_put_u32(&w, key_index);
	wire_put_cstring(&w, sigalg);
	wire_put_string(&w, hash, len);
	return ask_signature(mon, &w, sig, siglen);
}

int authority_prove(int mon, unsigned key_index, const char *sigalg, unsigned char *sig,
		    size_t *siglen)
{
	unsigned char req[128];
	struct wire_out w;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_PROVE);
	wire_put_u32(&w, key_index);
	wire_put_cstring(&w, sigalg);
	return ask_signature(mon, &w, sig, siglen);
}

static int ask_secret(int mon, enum mon_type type, const char *user, const char *pw, size_t pwlen,
		      int *accepted, int *last)
{
	unsigned char req[64 + SLUICE_MAX_USERNAME + SLUICE_MAX_PASSWORD];
	struct wire_out w;
	int ok;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, (uint8_t)type);
	wire_put_cstring(&w, user);
	wire_put_string(&w, pw, pwlen);
	ok = ask_verdict(mon, &w, accepted, last);
	algo_wipe(req, sizeof req);
	return ok;
}

int authority_password(int mon, const char *user, const char *pw, size_t pwlen, int *accepted,
		       int *last)
{
	return ask_secret(mon, MON_PASSWORD, user, pw, pwlen, accepted, last);
}

int authority_kbdint(int mon, const char *user, const char *response, size_t len, int *accepted,
		     int *last)
{
	return ask_secret(mon, MON_KBDINT, user, response, len, accepted, last);
}

/* A reply of either kind, checked. */
static int ask_kbd(int mon, const struct wire_out *req, unsigned char *reply, size_t cap,
		   size_t *len)
{
	long n;
	if (req->bad) return (errno = EMSGSIZE, 0);
	if (!priv_record_send(mon, req->p, req->len)) return 0;
	n = priv_record_recv(mon, reply, cap, -1);
	if (n <= 0) return (errno = EPROTO, 0);
	*len = (size_t)n;
	if (reply[0] == MON_KBD_QUERY) return 1;
	if (reply[0] == MON_ANSWER && n == 3 && reply[1] <= MON_PARTIAL && reply[2] <= 1) return 1;
	return (errno = EPROTO, 0);
}

int authority_kbd_start(int mon, const char *user, unsigned char *reply, size_t cap, size_t *len)
{
	unsigned char req[16 + SLUICE_MAX_USERNAME];
	struct wire_out w;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_KBD_START);
	wire_put_cstring(&w, user);
	return ask_kbd(mon, &w, reply, cap, len);
}

int authority_kbd_answers(int mon, int gave_up, const unsigned char *const *answer,
			  const uint32_t *answer_len, uint32_t n, unsigned char *reply, size_t cap,
			  size_t *len)
{
	static unsigned char req[16 + MON_KBD_MAX_PROMPTS * (4 + SLUICE_MAX_PASSWORD)];
	struct wire_out w;
	int ok;

	if (n > MON_KBD_MAX_PROMPTS) return (errno = EMSGSIZE, 0);
	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_KBD_ANSWERS);
	wire_put_bool(&w, gave_up);
	wire_put_u32(&w, n);
	for (uint32_t i = 0; i < n; i++)
		wire_put_string(&w, answer[i], answer_len[i]);
	ok = ask_kbd(mon, &w, reply, cap, len);
	algo_wipe(req, w.len);
	return ok;
}

int authority_key_query(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			size_t bloblen, int *accepted, int *last)
{
	unsigned char req[64 + SLUICE_MAX_USERNAME + 64 + KEY_BLOB_MAX];
	struct wire_out w;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_KEY_QUERY);
	wire_put_cstring(&w, user);
	wire_put_cstring(&w, sigalg);
	wire_put_string(&w, blob, bloblen);
	return ask_verdict(mon, &w, accepted, last);
}

int authority_key_verify(int mon, const char *user, const char *sigalg, const unsigned char *blob,
			 size_t bloblen, const unsigned char *sig, size_t siglen, int *accepted,
			 int *last)
{
	unsigned char req[64 + SLUICE_MAX_USERNAME + 64 + KEY_BLOB_MAX + KEY_SIG_MAX];
	struct wire_out w;

	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_KEY_VERIFY);
	wire_put_cstring(&w, user);
	wire_put_cstring(&w, sigalg);
	wire_put_string(&w, blob, bloblen);
	wire_put_string(&w, sig, siglen);
	return ask_verdict(mon, &w, accepted, last);
}

int authority_handover(int mon, const unsigned char *state, size_t len, const unsigned char *input,
		       size_t inlen)
{
	unsigned char req[16 + MON_STATE_MAX];
	struct wire_out w;
	size_t off = 0;
	int ok;

	if (len > MON_STATE_MAX || inlen > MON_INPUT_MAX) return (errno = EMSGSIZE, 0);
	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, MON_HANDOVER);
	wire_put_string(&w, state, len);
	wire_put_u32(&w, (uint32_t)inlen);
	ok = !w.bad && priv_record_send(mon, req, w.len);
	algo_wipe(req, sizeof req);
	while (ok && off < inlen) {
		size_t n = inlen - off > MON_RECORD_MAX - 1 ? MON_RECORD_MAX - 1 : inlen - off;
		/* static: on the stack, -fstack-clash-protection would touch all
		 * 16 pages of it on entry, 16 page faults however little is sent */
		static unsigned char rec[MON_RECORD_MAX];
		rec[0] = MON_HANDOVER_DATA;
		memcpy(rec + 1, input + off, n);
		ok = priv_record_send(mon, rec, n + 1);
		off += n;
	}
	return ok;
}
