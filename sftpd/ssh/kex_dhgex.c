/* kex_dhgex: diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270).
 * The client asks for a group of min <= n <= max bits; sftpd answers, as
 * sshd does, with a safe prime of the moduli file (moduli.c) after bringing
 * the request within 2048..8192 bits, and refuses a request that leaves
 * nothing in range.  The exchange is then kex_dh.c's; the hash also has
 * the request as the client sent it and the group. */
#include <errno.h>
#include "log/log.h"
#include "kex.h"

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int gex_request(struct kex *k, const struct moduli *mf, struct wire_in *in,
		       struct wire_out *answer)
{
	uint32_t min, n, max, lo, want, hi;

	wire_get_u32(in, &min);
	wire_get_u32(in, &n);
	wire_get_u32(in, &max);
	if (!wire_done(in)) {
		log_warn("malformed KEX_DH_GEX_REQUEST");
		return (errno = EPROTO, 0);
	}
	lo = min > KEX_GEX_MIN_BITS ? min : KEX_GEX_MIN_BITS;
	hi = max < KEX_GEX_MAX_BITS ? max : KEX_GEX_MAX_BITS;
	want = clamp(n, KEX_GEX_MIN_BITS, KEX_GEX_MAX_BITS);
	if (hi < lo || want < lo || want > hi) {
		log_warn("KEX_DH_GEX_REQUEST min %u n %u max %u: no size fits (%u..%u bits)",
			 (unsigned)min, (unsigned)n, (unsigned)max, KEX_GEX_MIN_BITS,
			 KEX_GEX_MAX_BITS);
		return (errno = EPROTO, 0);
	}
	if (!moduli_choose(mf, lo, want, hi, &k->gex_group)) {
		log_warn("no DH group of %u to %u bits", (unsigned)lo, (unsigned)hi);
		return (errno = errno == ENOMEM ? ENOMEM : EPROTO, 0);
	}
	log_debug("group exchange: %u bits for min %u n %u max %u", k->gex_group.bits,
		  (unsigned)min, (unsigned)n, (unsigned)max);
	k->gex_min = min, k->gex_n = n, k->gex_max = max;
	return kex_dh_group_put(&k->gex_group, answer);
}

static int gex_exchange(struct kex *k, struct wire_in *in, struct kex_result *r)
{
	wire_put_u32(&r->hash, k->gex_min);
	wire_put_u32(&r->hash, k->gex_n);
	wire_put_u32(&r->hash, k->gex_max);
	if (!kex_dh_group_put(&k->gex_group, &r->hash)) return 0;
	return kex_dh_exchange(&k->gex_group, in, r);
}

const struct kex_family kex_family_dhgex = {
    .init_msg = SSH_MSG_KEX_DH_GEX_INIT,
    .reply_msg = SSH_MSG_KEX_DH_GEX_REPLY,
    .request_msg = SSH_MSG_KEX_DH_GEX_REQUEST,
    .group_msg = SSH_MSG_KEX_ECDH_REPLY, /* SSH_MSG_KEX_DH_GEX_GROUP */
    .request = gex_request,
    .exchange = gex_exchange,
};
