/* kex: between the key exchange driver (kex.c: negotiation, exchange hash,
 * signature, reply, keys) and the families of methods (kex_*.c).  A family
 * computes the server's side of its methods: from the client's message it
 * makes the server's value, the shared secret K encoded as its
 * specification says (mpint or string) and its fields of the exchange hash.
 * One row per method in algorithms.h names the family, hash and parameter. */
#ifndef SFTPD_KEX_H
#define SFTPD_KEX_H

#include "ssh.h"
#include "algo/mlkem768.h"
#include "algo/sntrup761.h"

enum kex_family_id { KEX_X25519, KEX_ECDH, KEX_DH, KEX_DHGEX, KEX_HYBRID };
/* The KEM of a hybrid method (its parameter). */
enum kex_kem { KEM_MLKEM768 = 1, KEM_SNTRUP761 };

struct kex_method {
	const char *name;
	enum kex_family_id family;
	enum algo_hash hash;
	unsigned param; /* ECDH: the curve's bits; DH: the RFC 3526 group number; hybrid: kex_kem */
};

/* An 8192-bit value as an mpint: the largest e, f, p and K. */
#define KEX_MPINT_MAX (4 + 1 + 1024)
#define KEX_SECRET_MAX KEX_MPINT_MAX
/* The hybrid methods' messages, as strings: the client's KEM public key
 * and X25519 key (ML-KEM-768's 1184 + 32 the largest), the server's
 * ciphertext and X25519 key (1088 + 32). */
#define KEX_HYBRID_INIT_MAX (4 + MLKEM768_PUBLICKEYBYTES + 32)
#define KEX_HYBRID_REPLY_MAX (4 + MLKEM768_CIPHERTEXTBYTES + 32)
#define KEX_REPLY_MAX (KEX_HYBRID_REPLY_MAX > KEX_MPINT_MAX ? KEX_HYBRID_REPLY_MAX : KEX_MPINT_MAX)
/* GEX hashes min, n, max, p, g, e and f; the hybrids C_INIT and S_REPLY. */
#define KEX_HASH_PART_MAX (12 + 4 * KEX_MPINT_MAX)
/* RFC 4419 s3 and OpenSSH: groups from 2048 to 8192 bits. */
#define KEX_GEX_MIN_BITS 2048
#define KEX_GEX_MAX_BITS 8192
/* The DH private exponent: twice the 256-bit strength of the strongest
 * cipher (NIST SP 800-56A; OpenSSH uses at least as many). */
#define KEX_DH_EXPONENT_BITS 512
#define KEX_DERIVE_MAX 64 /* bytes of each key derived */

struct kex_result {
	struct wire_out hash;	/* the method's fields of H after K_S, before K */
	struct wire_out reply;	/* the server's value, as the reply carries it after K_S */
	struct wire_out secret; /* K, as it enters H and the key derivation */
};

struct kex_family {
	uint8_t init_msg, reply_msg;
	/* A request answered before the init message (GEX: the group), or 0. */
	uint8_t request_msg, group_msg;
	int (*request)(struct kex *k, const struct moduli *mf, struct wire_in *in,
		       struct wire_out *answer);
	/* Reads the client's init message (after its type byte) and fills r.
	 * 0 with errno EPROTO on a malformed or invalid value (logged). */
	int (*exchange)(struct kex *k, struct wire_in *in, struct kex_result *r);
};

extern const struct kex_family kex_family_x25519, kex_family_ecdh, kex_family_dh, kex_family_dhgex,
    kex_family_hybrid;

/* What the exchange hash covers besides the method's fields and K. */
struct kex_hash_input {
	const char *v_c, *v_s;		      /* version lines without CR LF */
	const unsigned char *i_c, *i_s, *k_s; /* the KEXINIT payloads, the host key blob */
	size_t i_c_len, i_s_len, k_s_len;
};
/* H = HASH(V_C || V_S || I_C || I_S || K_S || r's hash fields || K) into
 * h (algo_hash_len(hash) bytes).  0 with ENOMEM or EMSGSIZE. */
int kex_exchange_hash(enum algo_hash hash, const struct kex_hash_input *in,
		      const struct kex_result *r, unsigned char *h);

/* RFC 4253 s7.2: need bytes of key material for letter (A..F) from K (as
 * encoded), H and the session id, with the method's hash.  0 (EINVAL) when
 * an input or the output is beyond the ceilings above. */
int kex_derive(enum algo_hash h, const unsigned char *k, size_t klen, const unsigned char *hh,
	       size_t hlen, char letter, const unsigned char *sid, size_t sidlen,
	       unsigned char *out, size_t need);

/* kex_ecdh.c: the server's half of ECDH on NIST P-bits.  priv (big-endian
 * scalar, privlen bytes) fixes the server's key for known-answer tests;
 * NULL makes a fresh one.  qc and qs are uncompressed points; z gets the
 * x coordinate of the shared point (the field's size).  0 with EPROTO when
 * qc is no point of the curve. */
int kex_ecdh_compute(unsigned bits, const unsigned char *priv, size_t privlen,
		     const unsigned char *qc, size_t qclen, unsigned char *qs, size_t *qslen,
		     unsigned char *z, size_t *zlen);
size_t kex_ecdh_point_len(unsigned bits);

/* kex_hybrid.c: the server's side of a hybrid method with the given KEM
 * and hash, from C_INIT (the len bytes of the client's string).  fixed
 * (known-answer tests) gives the server's X25519 secret and the KEM's
 * random bytes: ML-KEM-768 asks for its 32-byte m, sntrup761 as
 * sntrup761.h says; NULL draws fresh ones.  0 with EPROTO
 * (logged) for a wrong length, an ML-KEM key that fails FIPS 203's
 * modulus check or a low-order X25519 key. */
struct kex_hybrid_fixed {
	const unsigned char *x25519_sk;
	sntrup761_random *kem_random;
	void *ctx;
};
int kex_hybrid_compute(enum kex_kem kem, enum algo_hash hash, const unsigned char *c_init,
		       size_t len, const struct kex_hybrid_fixed *fixed, struct kex_result *r);

/* kex_dh.c: finite-field DH groups (struct kex_dh_group, ssh.h). */
int kex_dh_group_rfc3526(struct kex_dh_group *grp, unsigned number);
/* p as big-endian bytes (hexlen hex digits) and g. */
int kex_dh_group_hex(struct kex_dh_group *grp, const char *hex, size_t hexlen, uint32_t g);
void kex_dh_group_free(struct kex_dh_group *grp);
/* f = g^x mod p and K = e^x mod p, each as bytes(p) big-endian bytes.  x
 * (xlen bytes) fixes the exponent for known-answer tests; NULL draws
 * KEX_DH_EXPONENT_BITS random bits.  0 with EPROTO unless 1 < e < p-1. */
int kex_dh_compute(const struct kex_dh_group *grp, const unsigned char *x, size_t xlen,
		   const unsigned char *e, size_t elen, unsigned char *f, unsigned char *k);
size_t kex_dh_group_bytes(const struct kex_dh_group *grp);
/* Puts mpint p and mpint g. */
int kex_dh_group_put(const struct kex_dh_group *grp, struct wire_out *w);
/* The exchange shared by the DH families: e from in, f to reply, K to
 * secret, and "mpint e, mpint f" to hash. */
int kex_dh_exchange(const struct kex_dh_group *grp, struct wire_in *in, struct kex_result *r);

/* moduli.c: safe primes in OpenSSH's moduli(5) format, chosen as sshd
 * does: the size nearest above n within [min, max] (else the largest
 * below), one of that size at random; the RFC 3526 groups when the file
 * has none in range.  0 with ENOENT when no group fits. */
int moduli_choose(const struct moduli *mf, uint32_t min, uint32_t n, uint32_t max,
		  struct kex_dh_group *grp);
/* Usable groups in the file (for -t and tests). */
unsigned moduli_count(const struct moduli *mf);

#endif
