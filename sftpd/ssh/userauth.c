/* userauth: the SSH authentication protocol (RFC 4252): publickey (query
 * then signature, RFC 4252 s7) and password.  Every verdict comes from the
 * monitor, which also counts failures, delays after each and treats unknown
 * users exactly as wrong passwords; this side only speaks the protocol and
 * keeps its own count for a polite disconnect. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "log/log.h"
#include "ssh.h"

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
	return send_failure(s);
}

/* The monitor accepted: USERAUTH_SUCCESS leaves, and the caller hands the
 * transport over to the session process (zlib@openssh.com starts there). */
static int succeed(struct session *s)
{
	unsigned char m = SSH_MSG_USERAUTH_SUCCESS;
	s->authed = 1;
	return packet_send(s, &m, 1);
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
		if (!accepted) return fail(s, "publickey", last);
		if (!packet_begin(s, &w, SSH_MSG_USERAUTH_PK_OK, 128 + bloblen)) return 0;
		wire_put_cstring(&w, alg);
		wire_put_string(&w, blob, bloblen);
		return packet_end(s, &w);
	}
	if (!authority_key_verify(s->mon, s->user, alg, blob, bloblen, sig, siglen, &accepted,
				  &last))
		return 0;
	return accepted ? succeed(s) : fail(s, "publickey", last);
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
	return accepted ? succeed(s) : fail(s, "password", last);
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
	if (!s->user_set) {
		strcpy(s->user, user);
		s->user_set = 1;
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
	return handle_request(s, p, len);
}
