/* kex_curve25519: curve25519-sha256 (RFC 8731) through libsodium.  Q_C and
 * Q_S are 32-byte strings; K is the shared secret read as a big-endian
 * integer and encoded as an mpint (RFC 8731 s3.1). */
#include <errno.h>
#include "log/log.h"
#include "kex.h"

#define X25519_BYTES 32

static int x25519_exchange(struct kex *k, struct wire_in *in, struct kex_result *r)
{
	const unsigned char *qc;
	uint32_t qclen;
	unsigned char pk[X25519_BYTES], sk[X25519_BYTES], shared[X25519_BYTES];
	int good;

	(void)k;
	wire_get_string(in, &qc, &qclen);
	if (!wire_done(in) || qclen != X25519_BYTES) {
		log_warn("malformed curve25519 ECDH_INIT");
		return (errno = EPROTO, 0);
	}
	algo_x25519_keypair(pk, sk);
	good = algo_x25519_shared(shared, sk, qc);
	algo_wipe(sk, sizeof sk);
	if (!good) {
		log_warn("client sent a low-order curve25519 point");
		return (errno = EPROTO, 0);
	}
	wire_put_string(&r->hash, qc, X25519_BYTES);
	wire_put_string(&r->hash, pk, X25519_BYTES);
	wire_put_string(&r->reply, pk, X25519_BYTES);
	wire_put_mpint(&r->secret, shared, X25519_BYTES);
	algo_wipe(shared, sizeof shared);
	return 1;
}

const struct kex_family kex_family_x25519 = {
    .init_msg = SSH_MSG_KEX_ECDH_INIT,
    .reply_msg = SSH_MSG_KEX_ECDH_REPLY,
    .exchange = x25519_exchange,
};
