/* fuzz_kbdint: keyboard-interactive (RFC 4256) in userauth.c.  The input's
 * first byte chooses whether alice's keyboard-interactive request comes
 * first (bit 0: a prompt is then pending) and whether PAM's conversation
 * is relayed (bit 1: SFTPD_PAM_SERVICE set, the stand-in asking a password
 * then a code), and the rest is a sequence of
 * messages, each a 2-byte big-endian length and that many bytes, handed to
 * userauth_handle: INFO_RESPONSEs, and requests that start or abandon a
 * prompt.  The verdicts come from the stand-ins of fuzz_authority.h.
 * Checked: a response is taken only while a prompt is pending and never
 * leaves one pending; one that the parser (userauth_parse_info_response,
 * also run on its own) finds malformed is refused without a reply or a
 * verdict; only the stand-in monitor's complete chain authenticates. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_authority.h"

#define FUZZ_MAX_MESSAGES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_env[] = {"SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_AUTH_METHODS=keyboard-interactive,keyboard-interactive "
			   "password,keyboard-interactive publickey",
			   "SFTPD_MAX_AUTH_TRIES=3", 0};
static struct session fuzz_s;

/* The parser alone: its results lie inside the input. */
static void parse_alone(const uint8_t *p, size_t n)
{
	uint32_t count, len;
	const unsigned char *first;
	if (!userauth_parse_info_response(p, n, &count, &first, &len)) return;
	if (count && (!first || first < p || first + len > p + n)) abort();
	if (!count && (first || len)) abort();
}

/* alice's keyboard-interactive request, as a client sends it. */
static int start_prompt(struct session *s)
{
	unsigned char m[128];
	struct wire_out w;
	wire_out_init(&w, m, sizeof m);
	wire_put_u8(&w, SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&w, "alice");
	wire_put_cstring(&w, "ssh-connection");
	wire_put_cstring(&w, "keyboard-interactive");
	wire_put_cstring(&w, "");
	wire_put_cstring(&w, "");
	return userauth_handle(s, m[0], m, w.len);
}

/* One message; 0 when the connection would end. */
static int one(struct session *s, unsigned char *p, size_t n)
{
	int pending = s->kbdint_pending, authed = s->authed, r;
	unsigned failures = fuzz_mon.failures;
	size_t tx = buf_used(&s->t.tx);
	uint32_t count, len;
	const unsigned char *first;
	int well_formed = n > 0 && userauth_parse_info_response(p + 1, n - 1, &count, &first, &len);

	if (!n || (p[0] != SSH_MSG_USERAUTH_INFO_RESPONSE && p[0] != SSH_MSG_USERAUTH_REQUEST &&
		   p[0] != SSH_MSG_SERVICE_REQUEST))
		return 1;
	r = userauth_handle(s, p[0], p, n);
	if (s->authed != fuzz_mon.accepted) abort(); /* only the monitor lets in */
	if (buf_used(&s->t.deferred)) abort();	     /* no key exchange is running */
	if (p[0] == SSH_MSG_USERAUTH_INFO_RESPONSE && !authed) {
		/* only the relay's next question leaves a prompt pending */
		if (s->kbdint_pending != (s->kbd_relay && fuzz_kbd_step == 2)) abort();
		if (s->kbd_relay && (!pending || !well_formed || !r)) abort();
		/* without a prompt, or malformed: refused, no reply, no verdict */
		if ((!pending || !well_formed) &&
		    (r || buf_used(&s->t.tx) != tx || fuzz_mon.failures != failures))
			abort();
		/* a verdict always brings a reply */
		if (pending && well_formed && r && buf_used(&s->t.tx) == tx) abort();
	}
	if (authed && buf_used(&s->t.tx) != tx) abort(); /* ignored after success */
	return r && !s->closing;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_s;
	size_t pos = 1;

	fuzz_setup_authority("fuzz_kbdint", fuzz_env);
	if (size < 1) return 0;
	parse_alone(data + 1, size - 1);
	fuzz_session_init(s);
	if (data[0] & 2) s->cf[CF_PAM_SERVICE].str = "fuzz";
	if ((data[0] & 1) && (!start_prompt(s) || !s->kbdint_pending)) abort();
	for (unsigned i = 0; i < FUZZ_MAX_MESSAGES && size - pos >= 2; i++) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		unsigned char *m;
		int go;
		pos += 2;
		if (len > size - pos) len = size - pos;
		/* exactly len bytes, so a read past the message is caught; and
		 * userauth wipes answers in place */
		m = malloc(len ? len : 1);
		if (!m) abort();
		memcpy(m, data + pos, len);
		pos += len;
		go = one(s, m, len);
		free(m);
		if (!go) break;
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
	}
	fuzz_session_free(s);
	return 0;
}
