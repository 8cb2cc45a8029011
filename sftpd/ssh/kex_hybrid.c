/* kex_hybrid: the hybrid post-quantum methods, a KEM beside X25519
 * (draft-ietf-sshm-mlkem-hybrid-kex; sntrup761x25519-sha512 has the same
 * shape).  The client's ECDH_INIT carries the string C_INIT = its KEM
 * public key || its X25519 key; the server encapsulates to the first and
 * answers with S_REPLY = the ciphertext || its own X25519 key.  Both
 * strings enter the exchange hash; K = HASH(KEM secret || X25519 secret)
 * is encoded as a string, not an mpint.  OpenSSH checks the ML-KEM key
 * (FIPS 203's modulus check) and refuses a low-order X25519 key; so does
 * this. */
#include <errno.h>
#include <string.h>
#include "log/log.h"
#include "kex.h"

#define X25519_BYTES 32
#define KEM_SECRET_BYTES 32

struct kem {
	const char *name;
	size_t pk_bytes, ct_bytes;
	int (*enc)(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
		   const struct kex_hybrid_fixed *fixed);
};

static int mlkem_enc(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
		     const struct kex_hybrid_fixed *fixed)
{
	unsigned char m[32];
	int good;
	if (fixed)
		fixed->kem_random(fixed->ctx, m, sizeof m);
	else
		algo_random(m, sizeof m);
	good = mlkem768_encaps_derand(ct, ss, pk, m);
	algo_wipe(m, sizeof m);
	return good;
}

static int sntrup_enc(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
		      const struct kex_hybrid_fixed *fixed)
{
	if (fixed) return sntrup761_enc_derand(ct, ss, pk, fixed->kem_random, fixed->ctx);
	return sntrup761_enc(ct, ss, pk);
}

static const struct kem kems[] = {
    [KEM_MLKEM768] = {"ML-KEM-768", MLKEM768_PUBLICKEYBYTES, MLKEM768_CIPHERTEXTBYTES, mlkem_enc},
    [KEM_SNTRUP761] = {"sntrup761", SNTRUP761_PUBLICKEYBYTES, SNTRUP761_CIPHERTEXTBYTES,
		       sntrup_enc},
};

_Static_assert(MLKEM768_SHAREDBYTES == KEM_SECRET_BYTES && SNTRUP761_BYTES == KEM_SECRET_BYTES,
	       "both KEMs share 32 bytes");
_Static_assert(MLKEM768_PUBLICKEYBYTES >= SNTRUP761_PUBLICKEYBYTES &&
		   MLKEM768_CIPHERTEXTBYTES >= SNTRUP761_CIPHERTEXTBYTES,
	       "ML-KEM-768's messages are the largest");
_Static_assert(KEX_HYBRID_INIT_MAX + KEX_HYBRID_REPLY_MAX <= KEX_HASH_PART_MAX,
	       "C_INIT and S_REPLY fit the hash fields");

int kex_hybrid_compute(enum kex_kem kem, enum algo_hash hash, const unsigned char *c_init,
		       size_t len, const struct kex_hybrid_fixed *fixed, struct kex_result *r)
{
	const struct kem *km = kem == KEM_MLKEM768 || kem == KEM_SNTRUP761 ? &kems[kem] : 0;
	unsigned char s_reply[MLKEM768_CIPHERTEXTBYTES + X25519_BYTES];
	unsigned char sk[X25519_BYTES], secrets[KEM_SECRET_BYTES + X25519_BYTES];
	unsigned char k[ALGO_HASH_MAX];
	unsigned char *pk;
	int good = 0;

	if (!km) return (errno = EINVAL, 0);
	if (len != km->pk_bytes + X25519_BYTES) {
		log_warn("%s hybrid ECDH_INIT of %zu bytes (want %zu)", km->name, len,
			 km->pk_bytes + X25519_BYTES);
		return (errno = EPROTO, 0);
	}
	pk = s_reply + km->ct_bytes;
	if (fixed) {
		memcpy(sk, fixed->x25519_sk, sizeof sk);
		algo_x25519_public(pk, sk);
	} else {
		algo_x25519_keypair(pk, sk);
	}
	if (!algo_x25519_shared(secrets + KEM_SECRET_BYTES, sk, c_init + km->pk_bytes)) {
		log_warn("client sent a low-order curve25519 point (%s hybrid)", km->name);
		goto out;
	}
	if (!km->enc(s_reply, secrets, c_init, fixed)) {
		log_warn("client's %s public key fails the modulus check", km->name);
		goto out;
	}
	algo_hash(hash, secrets, sizeof secrets, k);
	wire_put_string(&r->hash, c_init, len);
	wire_put_string(&r->hash, s_reply, km->ct_bytes + X25519_BYTES);
	wire_put_string(&r->reply, s_reply, km->ct_bytes + X25519_BYTES);
	wire_put_string(&r->secret, k, algo_hash_len(hash));
	good = 1;
out:
	algo_wipe(sk, sizeof sk);
	algo_wipe(secrets, sizeof secrets);
	algo_wipe(k, sizeof k);
	return good ? 1 : (errno = EPROTO, 0);
}

static int hybrid_exchange(struct kex *k, struct wire_in *in, struct kex_result *r)
{
	const unsigned char *c_init;
	uint32_t len;

	wire_get_string(in, &c_init, &len);
	if (!wire_done(in)) {
		log_warn("malformed %s ECDH_INIT", k->method->name);
		return (errno = EPROTO, 0);
	}
	return kex_hybrid_compute((enum kex_kem)k->method->param, k->method->hash, c_init, len, 0,
				  r);
}

const struct kex_family kex_family_hybrid = {
    .init_msg = SSH_MSG_KEX_ECDH_INIT,
    .reply_msg = SSH_MSG_KEX_ECDH_REPLY,
    .exchange = hybrid_exchange,
};
