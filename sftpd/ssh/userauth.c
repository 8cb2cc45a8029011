/* userauth: the SSH authentication protocol (RFC 4252): publickey (query
 * then signature, RFC 4252 s7) and password, with a limit on failures, a
 * delay after each, and unknown users treated exactly as wrong passwords. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "log/log.h"
#include "ssh.h"

static const char *banner_text;
static size_t banner_len;

void userauth_set_banner(const char *text, size_t len)
{
	banner_text = text;
	banner_len = len;
}

static int method_enabled(const struct session *s, const char *m)
{
	return conf_list_has(s->cf[CF_AUTH_METHODS].str, m);
}

static int send_failure(struct session *s)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_FAILURE, 128)) return 0;
	wire_put_cstring(&w, s->cf[CF_AUTH_METHODS].str);
	wire_put_bool(&w, 0);
	return packet_end(s, &w);
}

static void failure_delay(const struct session *s)
{
	unsigned long long ms = s->cf[CF_AUTH_FAIL_DELAY_MS].num;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A counted failure: reply, delay, and disconnect when the limit is hit. */
static int fail(struct session *s, const char *method, int delay)
{
	s->auth_failures++;
	log_info("failed %s for %s%s (%u of %llu)", method, s->user_known ? "" : "unknown user ",
		 s->user, s->auth_failures, s->cf[CF_MAX_AUTH_TRIES].num);
	if (delay) failure_delay(s);
	if (s->auth_failures >= s->cf[CF_MAX_AUTH_TRIES].num) {
		log_warn("too many authentication failures for %s", s->user);
		ssh_disconnect(s, SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
			       "Too many authentication failures");
		s->exit_code = EXIT_PEER;
		return 1;
	}
	return send_failure(s);
}

static int succeed(struct session *s, const char *method, const char *detail)
{
	unsigned char m = SSH_MSG_USERAUTH_SUCCESS;
	log_info("accepted %s for %s%s%s", method, s->user, detail ? " " : "",
		 detail ? detail : "");
	session_confine(s);
	s->authed = 1;
	if (!packet_send(s, &m, 1)) return 0;
	/* zlib@openssh.com starts here, in both directions. */
	return compress_after_auth(&s->t.comp_out, 1) && compress_after_auth(&s->t.comp_in, 0);
}

static void lookup_user(struct session *s)
{
	const char *file = s->cf[CF_USERS_FILE].str;
	int found = file[0] ? account_lookup_file(file, s->user, &s->account)
			    : account_lookup_system(s->user, &s->account);
	if (!found && errno != ENOENT)
		log_error("unable to look up user %s: %s", s->user, strerror(errno));
	s->user_known = found;
	s->user_checked = 1;
}

static int send_banner(struct session *s)
{
	struct wire_out w;
	s->banner_sent = 1;
	if (!banner_len) return 1;
	if (!packet_begin(s, &w, SSH_MSG_USERAUTH_BANNER, banner_len + 16)) return 0;
	wire_put_string(&w, banner_text, banner_len);
	wire_put_cstring(&w, "");
	return packet_end(s, &w);
}

static int auth_publickey(struct session *s, struct wire_in *in)
{
	int has_sig;
	char alg[64];
	const unsigned char *blob, *sig = 0;
	uint32_t bloblen, siglen = 0;
	struct key_public k;
	char fp[KEY_FP_MAX];

	wire_get_bool(in, &has_sig);
	wire_get_cstring(in, alg, sizeof alg);
	wire_get_string(in, &blob, &bloblen);
	if (has_sig) wire_get_string(in, &sig, &siglen);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	if (!key_public_from_blob(&k, blob, bloblen) || !key_sigalg_fits(k.type, alg)) {
		log_info("refused key of algorithm %s for %s", alg, s->user);
		return fail(s, "publickey", 0);
	}
	key_fingerprint(&k, fp);
	if (!authority_check_key(s, s->user, &k)) return fail(s, "publickey", has_sig);
	if (!has_sig) {
		struct wire_out w;
		if (!packet_begin(s, &w, SSH_MSG_USERAUTH_PK_OK, 128 + bloblen)) return 0;
		wire_put_cstring(&w, alg);
		wire_put_string(&w, blob, bloblen);
		return packet_end(s, &w);
	}
	{
		/* RFC 4252 s7: the signature covers the session id and the request. */
		struct wire_out d;
		unsigned char data[KEY_BLOB_MAX + 512];
		wire_out_init(&d, data, sizeof data);
		wire_put_string(&d, s->kex.session_id, s->kex.session_id_len);
		wire_put_u8(&d, SSH_MSG_USERAUTH_REQUEST);
		wire_put_cstring(&d, s->user);
		wire_put_cstring(&d, "ssh-connection");
		wire_put_cstring(&d, "publickey");
		wire_put_bool(&d, 1);
		wire_put_cstring(&d, alg);
		wire_put_string(&d, blob, bloblen);
		if (d.bad || !key_verify(&k, alg, sig, siglen, data, d.len))
			return fail(s, "publickey", 1);
	}
	return succeed(s, "publickey", fp);
}

static int auth_password(struct session *s, struct wire_in *in)
{
	int change, ok;
	const unsigned char *pw;
	uint32_t pwlen;
	char buf[SLUICE_MAX_PASSWORD + 1];

	wire_get_bool(in, &change);
	wire_get_string(in, &pw, &pwlen);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	if (change || pwlen > SLUICE_MAX_PASSWORD || memchr(pw, 0, pwlen)) {
		algo_wipe((void *)pw, pwlen);
		/* Burn the same time as a real check so nothing is told apart. */
		account_verify_password(0, "", 0);
		return fail(s, "password", 1);
	}
	memcpy(buf, pw, pwlen);
	buf[pwlen] = 0;
	algo_wipe((void *)pw, pwlen);
	ok = authority_check_password(s, s->user, buf, pwlen);
	algo_wipe(buf, sizeof buf);
	return ok ? succeed(s, "password", 0) : fail(s, "password", 1);
}

static int handle_request(struct session *s, const unsigned char *p, size_t len)
{
	struct wire_in in;
	char user[SLUICE_MAX_USERNAME + 1], service[32], method[32];

	if (s->authed) return 1; /* RFC 4252 s5.1: ignore requests after success */
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
	if (!s->user_checked) {
		strcpy(s->user, user);
		if (account_name_valid(user))
			lookup_user(s);
		else
			s->user_checked = 1;
	} else if (strcmp(user, s->user)) {
		log_warn("client changed user name from %s to %s", s->user, user);
		ssh_disconnect(s, SSH_DISCONNECT_PROTOCOL_ERROR, "change of user name not allowed");
		return 1;
	}
	if (!s->banner_sent && !send_banner(s)) return 0;
	if (!strcmp(method, "none")) return send_failure(s);
	if (!strcmp(method, "publickey") && method_enabled(s, "publickey"))
		return auth_publickey(s, &in);
	if (!strcmp(method, "password") && method_enabled(s, "password"))
		return auth_password(s, &in);
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
	return handle_request(s, p, len);
}
