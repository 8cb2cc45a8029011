/* sftpd_userauth: the authentication protocol (userauth.c, authority.c)
 * driven with hand-built messages after a finished key exchange; replies
 * are read back through a receiving session.  Every verdict comes from a
 * real monitor (monitor.c) in a child process, with a real users file and
 * authorized_keys file, as in sftpd's network child.  Covers the service
 * request, "none", publickey queries and signatures, passwords, user name
 * changes, malformed requests, the banner, the session's own limit, the
 * monitor's "last", a monitor that refuses or dies, and unknown users
 * answered exactly like known ones; keyboard-interactive (the prompt, the
 * answer, malformed and unexpected responses) and SFTPD_AUTH_METHODS chains
 * (partial success, what is offered next, the monitor's word over the
 * session's). */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "log/log.h"
#include "wire/wire.h"
#include "../../sftpd/ssh/ssh.h"
#include "sftpd_monitor_child.h"

static char tmpdir[] = "/tmp/sftpd_userauth.XXXXXX";
static char users_env[SLUICE_MAX_PATH + 128];
static char home[SLUICE_MAX_PATH];
/* SFTPD_PAM_SERVICE: set for the keyboard-interactive relay's test, whose
 * unknown user never reaches PAM (so no service file is needed). */
static char pam_env[64] = "SFTPD_PAM_SERVICE=";
static struct key_private *host_key, *key_ok, *key_other, *key_ecdsa;

/* conf_load keeps pointers into the environment strings: they live with
 * the session.  The monitor may be configured apart from the session, to
 * see which of the two decides. */
struct test_session {
	struct session s;
	char methods[128], tries[64];
	char mon_methods[128], mon_tries[64];
	struct conf_value mon_cf[CF_COUNT];
};

static void load(struct conf_value *cf, char *m, size_t mcap, char *t, size_t tcap,
		 const char *methods, const char *tries)
{
	char *env[] = {users_env, "SFTPD_AUTH_FAIL_DELAY_MS=0", m, t, pam_env, 0}, err[256];
	snprintf(m, mcap, "SFTPD_AUTH_METHODS=%s", methods);
	snprintf(t, tcap, "SFTPD_MAX_AUTH_TRIES=%s", tries);
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf, env, err, sizeof err)) {
		printf("Bail out! configuration: %s\n", err);
		exit(1);
	}
}

/* A session after its first key exchange, whose exchange hash (the
 * session id) the monitor signed, so the monitor knows the session id
 * that signed publickey requests must cover.  No monitor when mon_methods
 * is null. */
static struct session *session_split(const char *methods, const char *tries,
				     const char *mon_methods, const char *mon_tries)
{
	struct test_session *ts = calloc(1, sizeof *ts);
	struct session *s = &ts->s;
	unsigned char sig[KEY_SIG_MAX];
	size_t siglen;

	if (!ts) abort();
	load(s->cf, ts->methods, sizeof ts->methods, ts->tries, sizeof ts->tries, methods, tries);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->kex.done_once = 1;
	for (unsigned i = 0; i < 32; i++)
		s->kex.session_id[i] = (unsigned char)(0xa0 + i);
	s->kex.session_id_len = 32;
	s->mon = -1;
	if (!mon_methods) return s;
	load(ts->mon_cf, ts->mon_methods, sizeof ts->mon_methods, ts->mon_tries,
	     sizeof ts->mon_tries, mon_methods, mon_tries);
	s->host_pub[0] = *key_private_public(host_key);
	s->n_host_keys = 1;
	s->mon = monitor_child_start(ts->mon_cf, &host_key, 1);
	s->kex.number = 1;
	if (!authority_sign(s->mon, 1, 0, "ssh-ed25519", s->kex.session_id, s->kex.session_id_len,
			    sig, &siglen) ||
	    !key_verify(&s->host_pub[0], "ssh-ed25519", sig, siglen, s->kex.session_id,
			s->kex.session_id_len)) {
		printf("Bail out! the monitor did not sign the exchange hash: %s\n",
		       strerror(errno));
		exit(1);
	}
	return s;
}

/* Session and monitor configured alike, as in sftpd. */
static struct session *session_new(const char *methods, const char *tries)
{
	return session_split(methods, tries, methods, tries);
}

/* Ends the session's monitor: MONITOR_CHILD_EOF if it refused nothing. */
static int monitor_end(struct session *s)
{
	int r = monitor_child_stop(s->mon);
	s->mon = -1;
	return r;
}

/* The reply reader: a plain session that receives what s sent. */
static struct session *reader;
static unsigned char reply[8192];
static size_t reply_len;
static struct wire_in rin;

/* Type of the next packet s has queued (0 when none); the rest of its
 * payload is left in rin. */
static int next_reply(struct session *s)
{
	const unsigned char *p;
	size_t len;
	uint8_t type = 0;

	if (buf_used(&s->t.tx)) {
		buf_append(&reader->t.rx, buf_data(&s->t.tx), buf_used(&s->t.tx));
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
	}
	if (!packet_next(reader, &p, &len)) return 0;
	reply_len = len < sizeof reply ? len : sizeof reply;
	memcpy(reply, p, reply_len);
	packet_consume(reader);
	wire_in_init(&rin, reply, reply_len);
	wire_get_u8(&rin, &type);
	return type;
}

static void drop_replies(struct session *s)
{
	while (next_reply(s))
		;
}

static int no_reply(struct session *s)
{
	return buf_used(&s->t.tx) == 0 && buf_used(&reader->t.rx) == 0;
}

static void session_free(struct session *s)
{
	if (s != reader) drop_replies(s);
	if (s->mon >= 0) monitor_end(s);
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	free(s); /* the start of its struct test_session */
}

/* Message builder. */
static unsigned char msg[16384];
static struct wire_out mw;

static void begin(uint8_t type)
{
	wire_out_init(&mw, msg, sizeof msg);
	wire_put_u8(&mw, type);
}

static void request(const char *user, const char *service, const char *method)
{
	begin(SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&mw, user);
	wire_put_cstring(&mw, service);
	wire_put_cstring(&mw, method);
}

static int handle(struct session *s)
{
	errno = 0;
	return userauth_handle(s, msg[0], msg, mw.len);
}

static void pk_request(const char *user, const struct key_private *k, const char *alg, int with_sig,
		       const unsigned char *sid, size_t sidlen)
{
	const struct key_public *pub = key_private_public(k);
	request(user, "ssh-connection", "publickey");
	wire_put_bool(&mw, with_sig);
	wire_put_cstring(&mw, alg);
	wire_put_string(&mw, pub->blob, pub->bloblen);
	if (with_sig) {
		unsigned char data[KEY_BLOB_MAX + 512], sig[KEY_SIG_MAX];
		size_t siglen = 0;
		struct wire_out d;
		wire_out_init(&d, data, sizeof data);
		wire_put_string(&d, sid, sidlen);
		wire_put_u8(&d, SSH_MSG_USERAUTH_REQUEST);
		wire_put_cstring(&d, user);
		wire_put_cstring(&d, "ssh-connection");
		wire_put_cstring(&d, "publickey");
		wire_put_bool(&d, 1);
		wire_put_cstring(&d, alg);
		wire_put_string(&d, pub->blob, pub->bloblen);
		if (!key_sign(k, key_type_name(pub->type), data, d.len, sig, &siglen)) abort();
		wire_put_string(&mw, sig, siglen);
	}
}

static int failure_says(const char *methods, int want_partial)
{
	char list[256];
	int partial = -1;
	if (!wire_get_cstring(&rin, list, sizeof list) || !wire_get_bool(&rin, &partial) ||
	    !wire_done(&rin))
		return 0;
	if (!strcmp(list, methods) && partial == want_partial) return 1;
	printf("#   FAILURE lists \"%s\", partial %d (want \"%s\", %d)\n", list, partial, methods,
	       want_partial);
	return 0;
}

static int failure_lists(const char *methods)
{
	return failure_says(methods, 0);
}

static uint32_t disconnect_reason(void)
{
	uint32_t reason = 0;
	wire_get_u32(&rin, &reason);
	return reason;
}

static void test_service(void)
{
	struct session *s = session_new("publickey password", "6");
	char name[64];

	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_cstring(&mw, "ssh-userauth");
	ok(handle(s) == 1, "SERVICE_REQUEST ssh-userauth handled");
	is_int(next_reply(s), SSH_MSG_SERVICE_ACCEPT, "SERVICE_ACCEPT sent");
	ok(wire_get_cstring(&rin, name, sizeof name) && wire_done(&rin) &&
	       !strcmp(name, "ssh-userauth"),
	   "SERVICE_ACCEPT names ssh-userauth");

	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_cstring(&mw, "ssh-userauth");
	wire_put_u8(&mw, 0);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "SERVICE_REQUEST with a trailing byte: EPROTO");
	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_u32(&mw, 12);
	wire_put_bytes(&mw, "ssh-user", 8);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "SERVICE_REQUEST truncated: EPROTO");
	begin(SSH_MSG_SERVICE_REQUEST);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "SERVICE_REQUEST without a name: EPROTO");
	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_cstring(&mw, "ssh-userauth-and-a-name-longer-than-32");
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "SERVICE_REQUEST with an over-long name: EPROTO");
	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_string(&mw, "ssh-userauth\0x", 14);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "SERVICE_REQUEST with an embedded NUL: EPROTO");

	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_cstring(&mw, "ssh-connection");
	ok(handle(s) == 1 && s->closing, "SERVICE_REQUEST ssh-connection: closing");
	ok(next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
	   "  DISCONNECT service not available");
	session_free(s);

	s = session_new("publickey password", "6");
	s->authed = 1;
	begin(SSH_MSG_SERVICE_REQUEST);
	wire_put_cstring(&mw, "ssh-userauth");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_DISCONNECT,
	   "SERVICE_REQUEST after authentication: DISCONNECT");
	session_free(s);
}

static void password(struct session *s, const char *user, const char *pw, size_t pwlen, int change)
{
	request(user, "ssh-connection", "password");
	wire_put_bool(&mw, change);
	wire_put_string(&mw, pw, pwlen);
}

static void kbdint_request(const char *user)
{
	request(user, "ssh-connection", "keyboard-interactive");
	wire_put_cstring(&mw, "");    /* language tag */
	wire_put_cstring(&mw, "pam"); /* submethods: a hint the server may ignore */
}

/* An INFO_RESPONSE with count answers, each the given one. */
static void kbdint_answers(uint32_t count, const char *answer, size_t len)
{
	begin(SSH_MSG_USERAUTH_INFO_RESPONSE);
	wire_put_u32(&mw, count);
	for (uint32_t i = 0; i < count; i++)
		wire_put_string(&mw, answer, len);
}

static void test_none_and_unknown(void)
{
	struct session *s = session_new("publickey password", "6");

	request("nobody", "ssh-connection", "none");
	ok(handle(s) == 1, "none for an unknown user handled");
	ok(next_reply(s) == SSH_MSG_USERAUTH_FAILURE && failure_lists("publickey,password"),
	   "none: FAILURE listing publickey,password, partial false");
	is_int(s->auth_failures, 0, "none is not counted as a failure");
	ok(s->user_set && !strcmp(s->user, "nobody"), "the first request names the user");

	pk_request("nobody", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("publickey,password"),
	   "unknown user, publickey query: FAILURE");
	pk_request("nobody", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "unknown user, signed publickey: FAILURE");
	password(s, "nobody", "secret", 6, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "unknown user, password: FAILURE");
	request("nobody", "ssh-connection", "keyboard-interactive");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "keyboard-interactive: FAILURE");
	is_int(s->auth_failures, 4, "four failures counted");
	ok(!s->authed && !s->closing, "not authenticated, still open");
	is_int(monitor_end(s), MONITOR_CHILD_EOF,
	       "the monitor answered an unknown user without giving up");
	session_free(s);

	s = session_new("publickey", "6");
	request("nobody", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("publickey"),
	   "publickey only: FAILURE lists publickey");
	password(s, "nobody", "secret", 6, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 1,
	   "publickey only: password refused and counted");
	is_int(monitor_end(s), MONITOR_CHILD_EOF,
	       "publickey only: the password never reached the monitor");
	session_free(s);

	s = session_new("publickey password", "6");
	request("../../etc", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "invalid user name: FAILURE");
	pk_request("../../etc", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "invalid user name, publickey: FAILURE");
	password(s, "../../etc", "secret", 6, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->closing,
	   "invalid user name, password: FAILURE");
	session_free(s);
}

/* What a client sees for one user: the replies to a wrong password, a
 * query for a key not listed and a signature by it, as bytes. */
static size_t replies_for(const char *user, unsigned char *out, size_t cap)
{
	struct session *s = session_new("publickey password keyboard-interactive", "6");
	size_t n = 0;

	password(s, user, "wrong", 5, 0);
	handle(s);
	kbdint_request(user);
	handle(s);
	kbdint_answers(1, "wrong", 5);
	handle(s);
	pk_request(user, key_other, "ssh-ed25519", 0, 0, 0);
	handle(s);
	pk_request(user, key_other, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	handle(s);
	while (next_reply(s) && n + 4 + reply_len <= cap) {
		wire_store_u32(out + n, (uint32_t)reply_len);
		memcpy(out + n + 4, reply, reply_len);
		n += 4 + reply_len;
	}
	if (s->closing || monitor_end(s) != MONITOR_CHILD_EOF) n = 0;
	session_free(s);
	return n;
}

/* The monitor looks users up, not the network child; either way a client
 * must not learn from the answers whether a user exists. */
static void test_unknown_alike(void)
{
	static const char *users[] = {"nobody", "../../etc", "locked"};
	unsigned char known[1024], other[1024];
	size_t kn = replies_for("alice", known, sizeof known);

	ok(kn > 0, "alice: wrong password and keyboard-interactive answer, unlisted key and its "
		   "signature answered");
	for (size_t i = 0; i < ARRAY_LEN(users); i++) {
		size_t on = replies_for(users[i], other, sizeof other);
		ok(on == kn && !memcmp(known, other, kn),
		   "%s: the same bytes as for alice, whose account exists", users[i]);
	}
}

static void test_malformed(void)
{
	struct session *s = session_new("publickey password", "6");
	char longname[100];
	const struct key_public *pub = key_private_public(key_ok);

	memset(longname, 'u', sizeof longname);
	longname[SLUICE_MAX_USERNAME + 1] = 0;
	request(longname, "ssh-connection", "none");
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "user name of 65 bytes: EPROTO");
	longname[SLUICE_MAX_USERNAME] = 0;
	request(longname, "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "user name of 64 bytes accepted");
	session_free(s);

	s = session_new("publickey password", "6");
	begin(SSH_MSG_USERAUTH_REQUEST);
	ok(handle(s) == 0 && errno == EPROTO, "empty request: EPROTO");
	begin(SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&mw, "alice");
	wire_put_cstring(&mw, "ssh-connection");
	ok(handle(s) == 0 && errno == EPROTO, "request without a method: EPROTO");
	begin(SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&mw, "alice");
	wire_put_u32(&mw, 0x7fffffff);
	ok(handle(s) == 0 && errno == EPROTO, "service length past the end: EPROTO");
	request("alice", "ssh-connection", "a-method-name-that-is-longer-than-32-bytes");
	ok(handle(s) == 0 && errno == EPROTO, "over-long method name: EPROTO");
	begin(SSH_MSG_USERAUTH_REQUEST);
	wire_put_string(&mw, "alice\0root", 10);
	wire_put_cstring(&mw, "ssh-connection");
	wire_put_cstring(&mw, "none");
	ok(handle(s) == 0 && errno == EPROTO, "user name with an embedded NUL: EPROTO");
	ok(no_reply(s) && !s->closing && s->auth_failures == 0, "nothing sent, nothing counted");

	request("alice", "ssh-connection", "publickey");
	ok(handle(s) == 0 && errno == EPROTO, "publickey without fields: EPROTO");
	request("alice", "ssh-connection", "publickey");
	wire_put_bool(&mw, 0);
	wire_put_cstring(&mw, "ssh-ed25519");
	ok(handle(s) == 0 && errno == EPROTO, "publickey without a blob: EPROTO");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	wire_put_u8(&mw, 0);
	ok(handle(s) == 0 && errno == EPROTO, "publickey query with a trailing byte: EPROTO");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	msg[mw.len - pub->bloblen - 4 - 15 - 1] = 1; /* has_sig set, but no signature follows */
	ok(handle(s) == 0 && errno == EPROTO, "publickey with has_sig but no signature: EPROTO");
	request("alice", "ssh-connection", "publickey");
	wire_put_bool(&mw, 0);
	wire_put_cstring(&mw, "an-algorithm-name-longer-than-sixty-four-bytes-is-refused-here-xx");
	wire_put_string(&mw, pub->blob, pub->bloblen);
	ok(handle(s) == 0 && errno == EPROTO, "publickey with an over-long algorithm: EPROTO");
	request("alice", "ssh-connection", "password");
	ok(handle(s) == 0 && errno == EPROTO, "password without fields: EPROTO");
	request("alice", "ssh-connection", "password");
	wire_put_bool(&mw, 0);
	wire_put_cstring(&mw, "pw");
	wire_put_u8(&mw, 7);
	ok(handle(s) == 0 && errno == EPROTO, "password with a trailing byte: EPROTO");
	ok(s->auth_failures == 0 && !s->authed,
	   "malformed requests are not counted and never authenticate");
	session_free(s);

	s = session_new("publickey password", "6");
	request("alice", "ssh-connection", "publickey");
	wire_put_bool(&mw, 0);
	wire_put_cstring(&mw, "ssh-ed25519");
	wire_put_string(&mw, "\0\0\0\x0bssh-ed25519\0\0\0\x05short", 24);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 1,
	   "malformed key blob: FAILURE, counted");
	pk_request("alice", key_ok, "ecdsa-sha2-nistp256", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 2,
	   "algorithm that does not fit the key: FAILURE, counted");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_PK_OK,
	   "same user, authorized key: PK_OK");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "the monitor saw only the well-formed query");
	session_free(s);
}

static void test_user_change_and_service(void)
{
	struct session *s = session_new("publickey password", "6");

	request("alice", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE, "alice: none");
	request("bob", "ssh-connection", "none");
	ok(handle(s) == 1 && s->closing, "user name changed: closing");
	ok(next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_PROTOCOL_ERROR,
	   "  DISCONNECT protocol error");
	is_str(s->user, "alice", "  the first user name is kept");
	session_free(s);

	s = session_new("publickey password", "6");
	password(s, "alice", "wrong", 5, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE, "alice: wrong password");
	password(s, "bob", "secret", 6, 0);
	ok(handle(s) == 1 && s->closing && next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_PROTOCOL_ERROR,
	   "then a password for bob: DISCONNECT protocol error");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  bob never reached the monitor");
	session_free(s);

	s = session_new("publickey password", "6");
	request("alice", "ssh-userauth", "none");
	ok(handle(s) == 1 && s->closing && next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
	   "request for a service other than ssh-connection: DISCONNECT service not available");
	session_free(s);
}

static void test_max_tries(void)
{
	struct session *s = session_new("publickey password", "3");
	int r1, r2, r3;

	request("nobody", "ssh-connection", "hostbased");
	r1 = handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE;
	request("nobody", "ssh-connection", "hostbased");
	r2 = handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE;
	ok(r1 && r2 && !s->closing, "SFTPD_MAX_AUTH_TRIES=3: two failures answered with FAILURE");
	request("nobody", "ssh-connection", "hostbased");
	r3 = handle(s);
	ok(r3 == 1 && s->closing && s->exit_code == EXIT_PEER,
	   "third failure: closing, exit code EXIT_PEER");
	ok(next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	   "  DISCONNECT reason 14 (no more auth methods)");
	ok(next_reply(s) == 0, "  and no FAILURE after it");
	session_free(s);

	s = session_new("publickey password", "2");
	pk_request("nobody", key_ok, "ssh-ed25519", 0, 0, 0);
	handle(s);
	pk_request("nobody", key_ok, "ssh-ed25519", 0, 0, 0);
	handle(s);
	ok(next_reply(s) == SSH_MSG_USERAUTH_FAILURE && next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	   "publickey queries count toward the limit too");
	session_free(s);
}

static void test_banner(void)
{
	static const char text[] = "Authorized use only.\r\n";
	struct session *s = session_new("publickey password", "6");
	const unsigned char *p;
	uint32_t n;

	s->banner = text; /* from the monitor's MON_INIT in sftpd */
	s->banner_len = sizeof text - 1;
	request("nobody", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_BANNER,
	   "banner before the first reply");
	ok(wire_get_string(&rin, &p, &n) && n == sizeof text - 1 && !memcmp(p, text, n),
	   "  banner text");
	ok(next_reply(s) == SSH_MSG_USERAUTH_FAILURE, "  then FAILURE");
	request("nobody", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "no banner the second time");
	session_free(s);

	s = session_new("publickey password", "6");
	request("nobody", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->banner_sent,
	   "no banner configured: FAILURE only");
	session_free(s);
}

static void test_publickey(void)
{
	struct session *s = session_new("publickey password", "6");
	const struct key_public *pub = key_private_public(key_ok);
	char alg[64];
	const unsigned char *blob;
	uint32_t bloblen;
	unsigned char wrong_sid[32];

	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1, "authorized key query for alice handled");
	is_int(next_reply(s), SSH_MSG_USERAUTH_PK_OK, "authorized key query: PK_OK");
	ok(wire_get_cstring(&rin, alg, sizeof alg) && wire_get_string(&rin, &blob, &bloblen) &&
	       wire_done(&rin) && !strcmp(alg, "ssh-ed25519") && bloblen == pub->bloblen &&
	       !memcmp(blob, pub->blob, bloblen),
	   "  PK_OK echoes algorithm and blob");
	is_int(s->auth_failures, 0, "  not a failure");
	pk_request("alice", key_other, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "another ed25519 key: FAILURE");
	pk_request("alice", key_ecdsa, "ecdsa-sha2-nistp256", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "an ecdsa key not listed: FAILURE");
	pk_request("alice", key_other, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "signed by a key not listed: FAILURE");
	memset(wrong_sid, 0x55, sizeof wrong_sid);
	pk_request("alice", key_ok, "ssh-ed25519", 1, wrong_sid, sizeof wrong_sid);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "signature over another session id: FAILURE");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	msg[mw.len - 1] ^= 0x80;
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "corrupted signature: FAILURE");
	ok(!s->authed && s->auth_failures == 5 && !s->closing, "five failures, not authenticated");

	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && s->authed, "valid signature: authenticated");
	is_int(next_reply(s), SSH_MSG_USERAUTH_SUCCESS, "  USERAUTH_SUCCESS");
	ok(reply_len == 1, "  with nothing after the type");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && no_reply(s), "requests after success are ignored");
	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 1 && no_reply(s), "  a password too");
	is_int(monitor_end(s), MONITOR_CHILD_EOF,
	       "  and never reach the monitor (which refuses them after success)");
	session_free(s);

	s = session_new("password", "6");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->authed,
	   "publickey disabled: even a valid signature fails");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  without asking the monitor");
	session_free(s);
}

static void test_password(void)
{
	struct session *s = session_new("publickey password", "6");
	char big[SLUICE_MAX_PASSWORD + 2];
	int wiped = 1;

	password(s, "alice", "wrong", 5, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE, "wrong password: FAILURE");
	for (size_t i = mw.len - 5; i < mw.len; i++)
		wiped &= msg[i] == 0;
	ok(wiped, "  the password is wiped from the request");
	password(s, "alice", "secret\0x", 8, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "password with an embedded NUL: FAILURE");
	memset(big, 'a', sizeof big);
	password(s, "alice", big, sizeof big, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "over-long password: FAILURE");
	password(s, "alice", "secret", 6, 1);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "password change request: FAILURE");
	ok(!s->authed && s->auth_failures == 4, "four failures counted");
	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 1 && s->authed && next_reply(s) == SSH_MSG_USERAUTH_SUCCESS,
	   "right password: USERAUTH_SUCCESS");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor refused nothing");
	session_free(s);

	s = session_new("publickey password", "6");
	password(s, "locked", "secret", 6, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->authed,
	   "account with hash '!': password refused");
	session_free(s);
}

/* The monitor counts failures itself and says when none is left; the
 * session obeys even when its own count (configured higher here) is not
 * there yet. */
static void test_monitor_last(void)
{
	struct session *s = session_split("publickey password", "6", "publickey password", "2");

	password(s, "alice", "wrong", 5, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->closing,
	   "monitor limit 2: first wrong password: FAILURE");
	password(s, "alice", "wrong", 5, 0);
	ok(handle(s) == 1 && s->closing && s->exit_code == EXIT_PEER && s->auth_failures == 2,
	   "second: the monitor says last: closing, exit code EXIT_PEER, at 2 of the session's 6");
	ok(next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	   "  DISCONNECT reason 14 (no more auth methods)");
	ok(next_reply(s) == 0, "  and no FAILURE after it");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor refused nothing");
	session_free(s);

	s = session_split("publickey password", "6", "publickey password", "1");
	pk_request("alice", key_other, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && s->closing && next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	   "monitor limit 1: a query for an unlisted key: the monitor says last, DISCONNECT");
	session_free(s);

	s = session_split("publickey password", "6", "publickey password", "1");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_PK_OK && !s->closing,
	   "monitor limit 1: an authorized key query is no failure: PK_OK");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && s->authed && next_reply(s) == SSH_MSG_USERAUTH_SUCCESS,
	   "  then its signature: USERAUTH_SUCCESS");
	session_free(s);
}

/* --- keyboard-interactive ----------------------------------------------- */

/* The INFO_REQUEST in rin: one prompt "Password: ", not echoed. */
static int info_request_ok(void)
{
	char name[32], instr[32], lang[32], prompt[32];
	uint32_t n = 0;
	int echo = -1;
	return wire_get_cstring(&rin, name, sizeof name) &&
	       wire_get_cstring(&rin, instr, sizeof instr) &&
	       wire_get_cstring(&rin, lang, sizeof lang) && wire_get_u32(&rin, &n) && n == 1 &&
	       wire_get_cstring(&rin, prompt, sizeof prompt) && wire_get_bool(&rin, &echo) &&
	       wire_done(&rin) && !name[0] && !instr[0] && !lang[0] &&
	       !strcmp(prompt, "Password: ") && echo == 0;
}

static void test_kbdint(void)
{
	struct session *s = session_new("keyboard-interactive", "6");
	int wiped = 1;

	request("alice", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("keyboard-interactive"),
	   "keyboard-interactive only: none gets FAILURE listing keyboard-interactive");
	kbdint_request("alice");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_INFO_REQUEST && s->kbdint_pending,
	   "keyboard-interactive request: INFO_REQUEST, a response pending");
	ok(info_request_ok(),
	   "  no name, instruction or language; one prompt \"Password: \", echo off");
	ok(s->auth_failures == 0, "  not a failure");
	kbdint_answers(1, "wrong", 5);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("keyboard-interactive") && s->auth_failures == 1 && !s->kbdint_pending,
	   "a wrong answer: FAILURE, counted, nothing pending");
	kbdint_answers(1, "secret", 6);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s) && !s->authed,
	   "the right answer with no request pending: EPROTO, nothing sent");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(2, "secret", 6);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 2,
	   "two answers to one prompt (the right one twice): FAILURE, counted (RFC 4256 s3.4)");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(0, "", 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 3,
	   "no answer: FAILURE, counted");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	{
		char big[SLUICE_MAX_PASSWORD + 1];
		memset(big, 'a', sizeof big);
		kbdint_answers(1, big, sizeof big);
		ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
		       s->auth_failures == 4,
		   "an answer of SLUICE_MAX_PASSWORD + 1 bytes: FAILURE, counted");
	}
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	request("alice", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->kbdint_pending,
	   "a new request abandons the pending prompt (RFC 4256 s3.2)");
	kbdint_answers(1, "secret", 6);
	ok(handle(s) == 0 && errno == EPROTO && !s->authed, "  so a late answer is refused");
	session_free(s);

	s = session_new("keyboard-interactive", "6");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(1, "secret", 6);
	ok(handle(s) == 1 && s->authed && next_reply(s) == SSH_MSG_USERAUTH_SUCCESS,
	   "the password as the answer: USERAUTH_SUCCESS");
	for (size_t i = mw.len - 6; i < mw.len; i++)
		wiped &= msg[i] == 0;
	ok(wiped, "  the answer is wiped from the message");
	kbdint_answers(1, "secret", 6);
	ok(handle(s) == 1 && no_reply(s), "  a response after success is ignored");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor refused nothing");
	session_free(s);

	s = session_new("publickey password", "6");
	kbdint_request("alice");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("publickey,password") && !s->kbdint_pending && s->auth_failures == 1,
	   "keyboard-interactive not configured: FAILURE, counted, no prompt");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor was never asked");
	session_free(s);

	s = session_split("keyboard-interactive", "6", "keyboard-interactive", "2");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(1, "wrong", 5);
	handle(s);
	drop_replies(s);
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(1, "wrong", 5);
	ok(handle(s) == 1 && s->closing && next_reply(s) == SSH_MSG_DISCONNECT &&
	       disconnect_reason() == SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	   "monitor limit 2: the second wrong answer: DISCONNECT (no more methods)");
	session_free(s);

	s = session_split("password keyboard-interactive", "6", "password keyboard-interactive",
			  "2");
	password(s, "alice", "wrong", 5, 0);
	handle(s);
	drop_replies(s);
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(2, "x", 1);
	ok(handle(s) == 1 && s->closing && next_reply(s) == SSH_MSG_DISCONNECT,
	   "a wrong password and a wrong count share the monitor's limit of 2: DISCONNECT");
	session_free(s);
}

static void test_kbdint_malformed(void)
{
	struct session *s = session_new("keyboard-interactive", "6");
	uint32_t count, n;
	const unsigned char *first;

	request("alice", "ssh-connection", "keyboard-interactive");
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "request without fields: EPROTO");
	request("alice", "ssh-connection", "keyboard-interactive");
	wire_put_cstring(&mw, "");
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "request without submethods: EPROTO");
	kbdint_request("alice");
	wire_put_u8(&mw, 0);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s) && !s->kbdint_pending,
	   "request with a trailing byte: EPROTO, no prompt");

	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	begin(SSH_MSG_USERAUTH_INFO_RESPONSE);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "response without a count: EPROTO");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(1, "secret", 6);
	wire_put_u8(&mw, 0);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s) && !s->authed,
	   "the right answer with a trailing byte: EPROTO, not authenticated");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	begin(SSH_MSG_USERAUTH_INFO_RESPONSE);
	wire_put_u32(&mw, 1);
	wire_put_u32(&mw, 100);
	wire_put_bytes(&mw, "secret", 6);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s), "answer length past the end: EPROTO");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(2, "secret", 6);
	wire_patch_u32(&mw, 1, 0xffffffffu);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "a count of 2^32-1 with two answers: EPROTO (the packet ends first)");
	ok(s->auth_failures == 0 && !s->authed, "malformed messages are not counted");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "the monitor saw none of them");
	session_free(s);

	/* the parser alone */
	kbdint_answers(3, "abc", 3);
	ok(userauth_parse_info_response(msg + 1, mw.len - 1, &count, &first, &n) && count == 3 &&
	       n == 3 && !memcmp(first, "abc", 3),
	   "parser: three answers, the first returned");
	kbdint_answers(0, "", 0);
	ok(userauth_parse_info_response(msg + 1, mw.len - 1, &count, &first, &n) && count == 0 &&
	       !first && n == 0,
	   "parser: no answer");
	ok(!userauth_parse_info_response(msg + 1, 3, &count, &first, &n) && errno == EPROTO,
	   "parser: a count cut short: EPROTO");
	kbdint_answers(1, "abc", 3);
	ok(!userauth_parse_info_response(msg + 1, mw.len - 2, &count, &first, &n),
	   "parser: the answer cut short");
}

/* --- SFTPD_AUTH_METHODS chains ------------------------------------------ */

static void test_chains(void)
{
	struct session *s = session_new("publickey,password", "6");

	request("alice", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("publickey"),
	   "publickey,password: none: FAILURE lists publickey only");
	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("publickey") && s->auth_failures == 1 && !s->authed,
	   "  the right password first: FAILURE, counted (not offered yet)");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_PK_OK, "  key query: PK_OK");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("password", 1) && !s->authed && s->auth_failures == 1,
	   "  its signature: FAILURE with partial success, password next; not counted");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("password", 0) && s->auth_failures == 2,
	   "  the key again: FAILURE, counted (publickey is done)");
	password(s, "alice", "wrong", 5, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("password", 0) && s->auth_failures == 3,
	   "  a wrong password: FAILURE, password still next");
	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 1 && s->authed && next_reply(s) == SSH_MSG_USERAUTH_SUCCESS,
	   "  the password: USERAUTH_SUCCESS");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor refused nothing");
	session_free(s);

	s = session_new("publickey,keyboard-interactive publickey,password", "6");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("password,keyboard-interactive", 1),
	   "publickey,keyboard-interactive publickey,password: the key: partial, both next");
	kbdint_request("alice");
	handle(s);
	drop_replies(s);
	kbdint_answers(1, "secret", 6);
	ok(handle(s) == 1 && s->authed && next_reply(s) == SSH_MSG_USERAUTH_SUCCESS,
	   "  keyboard-interactive: USERAUTH_SUCCESS");
	session_free(s);

	s = session_new("publickey,publickey", "6");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("publickey", 1),
	   "publickey,publickey: the first key: partial, publickey next");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 1,
	   "  a query for the same key: FAILURE, counted");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && !s->authed &&
	       s->auth_failures == 2,
	   "  its signature again: FAILURE, counted, not authenticated");
	is_int(monitor_end(s), MONITOR_CHILD_EOF, "  the monitor refused nothing");
	session_free(s);

	/* A session configured for any key alone, its monitor for a chain:
	 * the monitor's word holds. */
	s = session_split("publickey", "6", "publickey,password", "6");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 1 && !s->authed && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_says("", 1),
	   "session publickey, monitor publickey,password: a good key is only a partial success");
	session_free(s);
}

/* A monitor that gives up (here: asked for a method it does not allow)
 * or dies ends the connection: the request fails, nothing is sent. */
static void test_monitor_gone(void)
{
	struct session *s = session_split("publickey password", "6", "publickey", "6");

	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s) && !s->authed,
	   "monitor refuses a method it does not allow: request fails (EPROTO), nothing sent");
	is_int(monitor_end(s), MONITOR_CHILD_REFUSED, "  the monitor gave up");
	session_free(s);

	s = session_new("publickey password", "6");
	request("alice", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE,
	   "none before the monitor dies");
	monitor_child_kill(s->mon);
	password(s, "alice", "secret", 6, 0);
	ok(handle(s) == 0 && no_reply(s) && !s->authed,
	   "monitor dead: the right password fails, nothing sent");
	pk_request("alice", key_ok, "ssh-ed25519", 0, 0, 0);
	ok(handle(s) == 0 && no_reply(s), "  and so does an authorized key query");
	pk_request("alice", key_ok, "ssh-ed25519", 1, s->kex.session_id, s->kex.session_id_len);
	ok(handle(s) == 0 && no_reply(s) && !s->authed, "  and a valid signature");
	session_free(s);
}

static int setup(void)
{
	char path[SLUICE_MAX_PATH + 64], line[2 * KEY_BLOB_MAX + 256], hash[ACCOUNT_MAX_HASH];
	char *text;

	if (!mkdtemp(tmpdir)) return 0;
	snprintf(home, sizeof home, "%s/home", tmpdir);
	snprintf(path, sizeof path, "%s/.ssh", home);
	if (mkdir(home, 0700) || mkdir(path, 0700)) return 0;
	if (!key_generate(&host_key, KEY_ED25519, 0) || !key_generate(&key_ok, KEY_ED25519, 0) ||
	    !key_generate(&key_other, KEY_ED25519, 0) ||
	    !key_generate(&key_ecdsa, KEY_ECDSA_P256, 0))
		return 0;
	if (!key_public_format_openssh(key_private_public(key_ok), "alice@test", line, sizeof line))
		return 0;
	text = malloc(strlen(line) + 200);
	if (!text) return 0;
	sprintf(text, "# a comment\n\nnot a key line\n%s", line);
	snprintf(path, sizeof path, "%s/.ssh/authorized_keys", home);
	if (!tap_write_file(path, text, 0600)) return 0;
	free(text);
	if (!account_hash_password("secret", 6, hash, sizeof hash)) return 0;
	text = malloc(3 * SLUICE_MAX_PATH);
	if (!text) return 0;
	snprintf(text, 3 * SLUICE_MAX_PATH, "alice:%s:1000:1000:%s\nlocked:!%s:1001:1001:%s\n",
		 hash, home, hash, home);
	snprintf(path, sizeof path, "%s/users", tmpdir);
	if (!tap_write_file(path, text, 0600)) return 0;
	free(text);
	snprintf(users_env, sizeof users_env, "SFTPD_USERS_FILE=%s", path);
	return 1;
}

/* keyboard-interactive through PAM, for a name that does not exist: the
 * monitor asks what pam_unix would ask, through the network side's relay,
 * and refuses whatever the answer. */
static void test_kbd_relay(void)
{
	struct session *s;

	snprintf(pam_env, sizeof pam_env, "SFTPD_PAM_SERVICE=sluice-unit-test");
	s = session_new("keyboard-interactive", "6");
	kbdint_request("mallory");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_INFO_REQUEST && s->kbdint_pending &&
	       s->kbd_relay && s->kbd_prompts == 1,
	   "PAM relay: the request gets the monitor's query as an INFO_REQUEST");
	ok(info_request_ok(), "  one prompt \"Password: \", echo off, as pam_unix asks");
	kbdint_answers(1, "guess", 5);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE &&
	       failure_lists("keyboard-interactive") && s->auth_failures == 1 && !s->kbd_relay,
	   "PAM relay: the answer for an unknown name: FAILURE, counted, nothing pending");
	kbdint_request("mallory");
	handle(s);
	drop_replies(s);
	kbdint_answers(2, "guess", 5);
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && s->auth_failures == 2,
	   "PAM relay: two answers to one prompt: FAILURE, counted");
	kbdint_request("mallory");
	handle(s);
	drop_replies(s);
	request("mallory", "ssh-connection", "none");
	ok(handle(s) == 1 && next_reply(s) == SSH_MSG_USERAUTH_FAILURE && no_reply(s) &&
	       s->auth_failures == 3 && !s->kbd_relay,
	   "PAM relay: another request abandons the query: counted, one FAILURE (the new "
	   "request's)");
	kbdint_answers(1, "guess", 5);
	ok(handle(s) == 0 && errno == EPROTO && no_reply(s),
	   "PAM relay: an answer with no query open: EPROTO");
	session_free(s);
	s = session_new("keyboard-interactive", "6");
	kbdint_request("mallory");
	handle(s);
	drop_replies(s);
	begin(SSH_MSG_USERAUTH_INFO_RESPONSE);
	wire_put_u32(&mw, 1);
	wire_put_u32(&mw, 99); /* a string longer than the packet */
	ok(handle(s) == 0 && no_reply(s), "PAM relay: a malformed response ends the connection");
	ok(monitor_end(s) != MONITOR_CHILD_EOF, "  and the monitor, waiting for answers, gives up "
						"(it does not wait for the grace time)");
	session_free(s);
	snprintf(pam_env, sizeof pam_env, "SFTPD_PAM_SERVICE=");
}

int main(void)
{
	tap_logs_aside();
	log_init("sftpd_userauth", "test");
	if (!algo_init() || !setup()) {
		printf("Bail out! setup: %s\n", strerror(errno));
		return 1;
	}
	reader = session_split("publickey", "6", 0, 0);
	test_service();
	test_none_and_unknown();
	test_unknown_alike();
	test_malformed();
	test_user_change_and_service();
	test_max_tries();
	test_banner();
	test_publickey();
	test_password();
	test_monitor_last();
	test_monitor_gone();
	test_kbdint();
	test_kbdint_malformed();
	test_kbd_relay();
	test_chains();
	session_free(reader);
	key_private_free(host_key);
	key_private_free(key_ok);
	key_private_free(key_other);
	key_private_free(key_ecdsa);
	if (!getenv("SFTPD_TEST_KEEP")) tap_rm_tree(tmpdir);
	return tap_done();
}
