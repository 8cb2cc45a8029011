/* userauth: the SSH authentication protocol (RFC 4252): publickey (query
 * then signature, RFC 4252 s7), password, and keyboard-interactive (RFC
 * 4256) with one password prompt, or PAM's questions relayed.  Every verdict comes from the
 * monitor, which also counts failures, delays after each, treats unknown users exactly as wrong
 * passwords and keeps the authoritative progress through SFTPD_AUTH_METHODS; this side only speaks
 * the protocol, mirrors that progress to tell the client what may come next, and keeps its own
 * count for a polite disconnect. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "log/log.h"
#include "../monitor.h"
#include "ssh.h"

#define KBDINT_PROMPT "Password: "

/* The methods that may come next; partial: the last one succeeded but
 * SFTPD_AUTH_METHODS asks for more. */
static int send_failure(struct session *s, int partial)
{
	char next[AUTHMETHODS_NAMES_MAX];
	struct wire_out w;
	authmethods_next(&s->chains, next);
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_FAILURE, 16 + sizeof next)) return 0;
	wire_put_cstring(&w, next);
	wire_put_bool(&w, partial);
	return packet_end(s, &w);
}

/* A counted failure: reply, and disconnect when the limit is hit (last:
 * the monitor says so, whatever this side counted). */
static int fail(struct session *s, const char *method, int last)
{
	s->auth_failures++;
	log_debug("%s refused for %s", method, s->user);
	if (last || s->auth_failures >= s->cf[CF_MAX_AUTH_TRIES].num) {
		ssh_disconnect(s, SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
			       "Too many authentication failures");
		s->exit_code = EXIT_PEER;
		return 1;
	}
	return send_failure(s, 0);
}

/* The monitor accepted: USERAUTH_SUCCESS leaves, and the caller hands the
 * transport over to the session process (zlib@openssh.com starts there). */
static int succeed(struct session *s)
{
	unsigned char m = SSH_MSG_USERAUTH_SUCCESS;
	s->authed = 1;
	return packet_send(s, &m, 1);
}

/* What the monitor said of a method that was tried to the end. */
static int verdict(struct session *s, enum auth_method m, int v, int last)
{
	if (v == MON_ACCEPTED) return succeed(s);
	if (v != MON_PARTIAL) return fail(s, authmethods_name(m), last);
	authmethods_passed(&s->chains, m);
	log_debug("%s passed for %s; more is needed", authmethods_name(m), s->user);
	return send_failure(s, 1);
}

static int send_banner(struct session *s)
{
	struct wire_out w;
	s->banner_sent = 1;
	if (!s->banner_len) return 1;
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_BANNER, s->banner_len + 16)) return 0;
	wire_put_string(&w, s->banner, s->banner_len);
	wire_put_cstring(&w, "");
	return packet_end(s, &w);
}

static int auth_publickey(struct session *s, struct wire_in *in)
{
	int has_sig, accepted, last;
	char alg[64];
	const unsigned char *blob, *sig = 0;
	uint32_t bloblen, siglen = 0;
	struct key_public k;

	wire_get_bool(in, &has_sig);
	wire_get_cstring(in, alg, sizeof alg);
	wire_get_string(in, &blob, &bloblen);
	if (has_sig) wire_get_string(in, &sig, &siglen);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	if (!key_public_from_blob(&k, blob, bloblen) || !key_sigalg_fits(k.type, alg)) {
		log_info("refused key of algorithm %s for %s", alg, s->user);
		return fail(s, "publickey", 0);
	}
	if (!has_sig) {
		struct wire_out w;
		if (!authority_key_query(s->mon, s->user, alg, blob, bloblen, &accepted, &last))
			return 0;
		if (accepted != MON_ACCEPTED) return fail(s, "publickey", last);
		if (!packet_begin(s, &w, SSH_MSG_USERAUTH_PK_OK, 128 + bloblen)) return 0;
		wire_put_cstring(&w, alg);
		wire_put_string(&w, blob, bloblen);
		return packet_end(s, &w);
	}
	if (!authority_key_verify(s->mon, s->user, alg, blob, bloblen, sig, siglen, &accepted,
				  &last))
		return 0;
	return verdict(s, AUTH_PUBLICKEY, accepted, last);
}

static int auth_password(struct session *s, struct wire_in *in)
{
	int change, accepted, last, dummy, ok;
	const unsigned char *pw;
	uint32_t pwlen;

	wire_get_bool(in, &change);
	wire_get_string(in, &pw, &pwlen);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	/* A change request or an over-long password goes to the monitor as a
	 * lone NUL, which it refuses after the same work as a real check. */
	dummy = change || pwlen > SLUICE_MAX_PASSWORD;
	ok = authority_password(s->mon, s->user, dummy ? "" : (const char *)pw, dummy ? 1 : pwlen,
				&accepted, &last);
	algo_wipe((void *)pw, pwlen);
	if (!ok) return 0;
	return verdict(s, AUTH_PASSWORD, accepted, last);
}

int userauth_parse_info_answers(const unsigned char *p, size_t len, uint32_t max,
				const unsigned char **answer, uint32_t *answer_len, uint32_t *count)
{
	struct wire_in in;
	const unsigned char *a;
	uint32_t n;

	wire_in_init(&in, p, len);
	wire_get_u32(&in, count);
	/* each answer takes 4 bytes at least: the loop ends with the packet */
	for (uint32_t i = 0; i < *count && !in.bad; i++) {
		if (!wire_get_string(&in, &a, &n) || i >= max) continue;
		answer[i] = a;
		answer_len[i] = n;
	}
	return wire_done(&in) ? 1 : (errno = EPROTO, 0);
}

int userauth_parse_info_response(const unsigned char *p, size_t len, uint32_t *count,
				 const unsigned char **first, uint32_t *first_len)
{
	*first = 0;
	*first_len = 0;
	return userauth_parse_info_answers(p, len, 1, first, first_len, count);
}

/* --- keyboard-interactive through PAM (SFTPD_PAM_SERVICE) --------------
 * The monitor runs PAM's conversation; each of its queries becomes an
 * INFO_REQUEST here and each INFO_RESPONSE its answers, until a verdict. */

static int kbd_query_valid(const unsigned char *r, size_t len, uint32_t *n)
{
	struct wire_in in;
	const unsigned char *p;
	uint32_t plen;
	int echo;

	wire_in_init(&in, r + 1, len - 1);
	wire_get_string(&in, &p, &plen);
	wire_get_u32(&in, n);
	if (in.bad || *n > MON_KBD_MAX_PROMPTS) return 0;
	for (uint32_t i = 0; i < *n; i++) {
		wire_get_string(&in, &p, &plen);
		wire_get_bool(&in, &echo);
	}
	return wire_done(&in);
}

/* The monitor's reply to a start or to answers: a query for the client,
 * or the verdict. */
static int kbd_relay_reply(struct session *s, const unsigned char *r, size_t len)
{
	struct wire_in in;
	struct wire_out w;
	const unsigned char *p;
	uint32_t n, plen;
	int echo;

	s->kbdint_pending = s->kbd_relay = 0;
	if (r[0] == MON_ANSWER) return verdict(s, AUTH_KBDINT, r[1], r[2]);
	if (!kbd_query_valid(r, len, &n)) return (errno = EPROTO, 0);
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_INFO_REQUEST, len + 64)) return 0;
	wire_in_init(&in, r + 1, len - 1);
	wire_get_string(&in, &p, &plen);
	wire_get_u32(&in, &n);
	wire_put_cstring(&w, ""); /* name */
	wire_put_string(&w, p, plen);
	wire_put_cstring(&w, ""); /* language tag */
	wire_put_u32(&w, n);
	for (uint32_t i = 0; i < n; i++) {
		wire_get_string(&in, &p, &plen);
		wire_get_bool(&in, &echo);
		wire_put_string(&w, p, plen);
		wire_put_bool(&w, echo);
	}
	if (!packet_end(s, &w)) return 0;
	s->kbdint_pending = s->kbd_relay = 1;
	s->kbd_prompts = n;
	return 1;
}

static int kbd_relay_start(struct session *s)
{
	unsigned char r[MON_KBD_REPLY_MAX];
	size_t len;
	if (!authority_kbd_start(s->mon, s->user, r, sizeof r, &len)) return 0;
	return kbd_relay_reply(s, r, len);
}

/* Answers of the wrong number or size fail the attempt (the monitor is
 * told the client gave up); malformed ones end the connection. */
static int kbd_relay_response(struct session *s, const unsigned char *p, size_t len)
{
	const unsigned char *answer[MON_KBD_MAX_PROMPTS];
	uint32_t alen[MON_KBD_MAX_PROMPTS], count;
	unsigned char r[MON_KBD_REPLY_MAX];
	size_t rlen;
	int gave_up, ok;

	s->kbdint_pending = s->kbd_relay = 0;
	if (!userauth_parse_info_answers(p + 1, len - 1, MON_KBD_MAX_PROMPTS, answer, alen,
					 &count)) {
		log_warn("malformed keyboard-interactive response");
		return 0;
	}
	gave_up = count != s->kbd_prompts;
	for (uint32_t i = 0; i < count && !gave_up; i++)
		gave_up = alen[i] > SLUICE_MAX_PASSWORD;
	ok = authority_kbd_answers(s->mon, gave_up, answer, alen, gave_up ? 0 : count, r, sizeof r,
				   &rlen);
	algo_wipe((void *)(p + 1), len - 1);
	return ok && kbd_relay_reply(s, r, rlen);
}

/* Another request while a query is open abandons it (RFC 4256 s3.2): the
 * monitor counts a failure; no reply goes to the client.  0 on error, -1
 * when that failure was the last allowed. */
static int kbd_relay_abandon(struct session *s)
{
	unsigned char r[MON_KBD_REPLY_MAX];
	size_t rlen;

	s->kbdint_pending = s->kbd_relay = 0;
	if (!authority_kbd_answers(s->mon, 1, 0, 0, 0, r, sizeof r, &rlen)) return 0;
	if (r[0] != MON_ANSWER || r[1] != MON_REFUSED) return (errno = EPROTO, 0);
	s->auth_failures++;
	if (!r[2] && s->auth_failures < s->cf[CF_MAX_AUTH_TRIES].num) return 1;
	ssh_disconnect(s, SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
		       "Too many authentication failures");
	s->exit_code = EXIT_PEER;
	return -1;
}

/* keyboard-interactive (RFC 4256 s3.1): the language tag and submethods
 * are ignored; the one prompt asks for the password, not echoed. */
static int auth_kbdint(struct session *s, struct wire_in *in)
{
	const unsigned char *p;
	uint32_t n;
	struct wire_out w;

	wire_get_string(in, &p, &n);
	wire_get_string(in, &p, &n);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	if (s->cf[CF_PAM_SERVICE].str[0]) return kbd_relay_start(s);
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_INFO_REQUEST, 64)) return 0;
	wire_put_cstring(&w, ""); /* name */
	wire_put_cstring(&w, ""); /* instruction */
	wire_put_cstring(&w, ""); /* language tag */
	wire_put_u32(&w, 1);
	wire_put_cstring(&w, KBDINT_PROMPT);
	wire_put_bool(&w, 0);
	if (!packet_end(s, &w)) return 0;
	s->kbdint_pending = 1;
	return 1;
}

/* The answer to our one prompt (RFC 4256 s3.4).  A count other than one
 * is a failure, and so is an over-long answer: either goes to the monitor
 * as a lone NUL, refused after the same work as a real check. */
static int kbdint_response(struct session *s, const unsigned char *p, size_t len)
{
	const unsigned char *resp;
	uint32_t count, n;
	int dummy, ok, accepted, last;

	if (s->authed) return 1;
	if (!s->kbdint_pending) {
		log_warn("keyboard-interactive response without a request");
		return (errno = EPROTO, 0);
	}
	if (s->kbd_relay) return kbd_relay_response(s, p, len);
	s->kbdint_pending = 0;
	ok = userauth_parse_info_response(p + 1, len - 1, &count, &resp, &n);
	if (!ok) log_warn("malformed keyboard-interactive response");
	dummy = count != 1 || n > SLUICE_MAX_PASSWORD;
	if (ok)
		ok = authority_kbdint(s->mon, s->user, dummy ? "" : (const char *)resp,
				      dummy ? 1 : n, &accepted, &last);
	algo_wipe((void *)(p + 1), len - 1); /* the answers */
	if (!ok) return 0;
	return verdict(s, AUTH_KBDINT, accepted, last);
}

static int handle_request(struct session *s, const unsigned char *p, size_t len)
{
	struct wire_in in;
	char user[SLUICE_MAX_USERNAME + 1], service[32], method[32], why[128];
	enum auth_method m;

	if (s->authed) return 1; /* RFC 4252 s5.1: ignore requests after success */
	if (s->kbdint_pending && s->kbd_relay) {
		int r = kbd_relay_abandon(s);
		if (r <= 0) return r < 0;
	}
	s->kbdint_pending = 0; /* RFC 4256 s3.2: a new request abandons it */
	wire_in_init(&in, p + 1, len - 1);
	if (!wire_get_cstring(&in, user, sizeof user) ||
	    !wire_get_cstring(&in, service, sizeof service) ||
	    !wire_get_cstring(&in, method, sizeof method)) {
		log_warn("malformed or over-long authentication request");
		return (errno = EPROTO, 0);
	}
	if (strcmp(service, "ssh-connection")) {
		ssh_disconnect(s, SSH_DISCONNECT_SERVICE_NOT_AVAILABLE, "unknown service");
		return 1;
	}
	if (!s->user_set) {
		strcpy(s->user, user);
		s->user_set = 1;
		/* checked at start; should it fail here, nothing is offered */
		authmethods_parse(&s->chains, s->cf[CF_AUTH_METHODS].str, why, sizeof why);
	} else if (strcmp(user, s->user)) {
		log_warn("client changed user name from %s to %s", s->user, user);
		ssh_disconnect(s, SSH_DISCONNECT_PROTOCOL_ERROR, "change of user name not allowed");
		return 1;
	}
	if (!s->banner_sent && !send_banner(s)) return 0;
	if (!strcmp(method, "none")) return send_failure(s, 0);
	m = authmethods_id(method);
	if (m == AUTH_PUBLICKEY && authmethods_allowed(&s->chains, m))
		return auth_publickey(s, &in);
	if (m == AUTH_PASSWORD && authmethods_allowed(&s->chains, m)) return auth_password(s, &in);
	if (m == AUTH_KBDINT && authmethods_allowed(&s->chains, m)) return auth_kbdint(s, &in);
	log_info("refused method %s for %s", method, s->user);
	return fail(s, method, 0);
}

int userauth_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len)
{
	if (type == SSH_MSG_SERVICE_REQUEST) {
		struct wire_in in;
		char service[32];
		struct wire_out w;
		wire_in_init(&in, p + 1, len - 1);
		wire_get_cstring(&in, service, sizeof service);
		if (!wire_done(&in)) return (errno = EPROTO, 0);
		if (strcmp(service, "ssh-userauth") || s->authed) {
			ssh_disconnect(s, SSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
				       "service not available");
			return 1;
		}
		if (!packet_begin(s, &w, SSH_MSG_SERVICE_ACCEPT, 32)) return 0;
		wire_put_cstring(&w, service);
		return packet_end(s, &w);
	}
	if (type == SSH_MSG_USERAUTH_INFO_RESPONSE) return kbdint_response(s, p, len);
	return handle_request(s, p, len);
}
