/* hostkeys: host key rotation as OpenSSH does it (its PROTOCOL file,
 * section 2.5).  After authentication the server lists every host key it
 * has (hostkeys-00@openssh.com); a client that keeps known_hosts up to date
 * (UpdateHostKeys) asks for proof of the keys it did not know
 * (hostkeys-prove-00@openssh.com) and gets one signature per key, made by
 * the signer over data the signer builds itself.  So a new key can be
 * added beside the old one, learnt by clients, and the old one removed
 * later without any client seeing a changed key. */
#include <errno.h>
#include <string.h>

#include "log/log.h"
#include "../monitor.h"
#include "ssh.h"

int hostkeys_announce(struct session *s)
{
	struct wire_out w;

	if (!packet_begin(s, &w, SSH_MSG_GLOBAL_REQUEST, 64 + s->n_host_keys * (4 + KEY_BLOB_MAX)))
		return 0;
	wire_put_cstring(&w, "hostkeys-00@openssh.com");
	wire_put_bool(&w, 0);
	for (unsigned i = 0; i < s->n_host_keys; i++)
		wire_put_string(&w, s->host_pub[i].blob, s->host_pub[i].bloblen);
	return packet_end(s, &w);
}

/* The index of the host key whose blob this is, or -1. */
static int host_key_index(const struct session *s, const unsigned char *blob, uint32_t len)
{
	for (unsigned i = 0; i < s->n_host_keys; i++)
		if (s->host_pub[i].bloblen == len && !memcmp(s->host_pub[i].blob, blob, len))
			return (int)i;
	return -1;
}

/* 1 with the key indexes of the request in idx (*n of them), or 0 when a
 * blob is not one of ours, is repeated, or there are none. */
static int prove_keys(const struct session *s, struct wire_in *in, unsigned idx[], unsigned *n)
{
	unsigned seen = 0;

	*n = 0;
	while (wire_left(in)) {
		const unsigned char *blob;
		uint32_t len;
		int i;
		if (!wire_get_string(in, &blob, &len)) return 0;
		if ((i = host_key_index(s, blob, len)) < 0 || (seen & (1u << i))) return 0;
		seen |= 1u << i;
		idx[(*n)++] = (unsigned)i;
	}
	return *n > 0;
}

int hostkeys_prove(struct session *s, struct wire_in *in, int want)
{
	unsigned idx[SSH_MAX_HOST_KEYS], n;
	unsigned char sig[KEY_SIG_MAX], failure = SSH_MSG_REQUEST_FAILURE;
	struct wire_out w;
	size_t siglen;

	if (!want || !prove_keys(s, in, idx, &n)) {
		log_info("hostkeys-prove: refused (a key not ours, repeated, or no reply wanted)");
		return want ? packet_send(s, &failure, 1) : 1;
	}
	if (!packet_begin(s, &w, SSH_MSG_REQUEST_SUCCESS, 16 + n * (4 + KEY_SIG_MAX))) return 0;
	for (unsigned i = 0; i < n; i++) {
		enum key_type t = s->host_pub[idx[i]].type;
		const char *alg = t == KEY_RSA ? "rsa-sha2-512" : key_type_name(t);
		if (!authority_prove(s->mon, idx[i], alg, sig, &siglen))
			log_die(EXIT_SYSTEM, "the signer is gone: %s", strerror(errno));
		wire_put_string(&w, sig, siglen);
	}
	log_info("hostkeys-prove: proved %u host key%s", n, n == 1 ? "" : "s");
	return packet_end(s, &w);
}
