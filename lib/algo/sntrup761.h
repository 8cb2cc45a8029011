/* sntrup761: Streamlined NTRU Prime with p = 761, q = 4591, w = 286, the
 * key encapsulation of sntrup761x25519-sha512, byte for byte in the
 * formats of the NTRU Prime round-3 specification (as OpenSSH uses them).
 * Constant time in every secret; no allocation. */
#ifndef SLUICE_SNTRUP761_H
#define SLUICE_SNTRUP761_H

#include <stddef.h>

#define SNTRUP761_PUBLICKEYBYTES 1158
#define SNTRUP761_SECRETKEYBYTES 1763
#define SNTRUP761_CIPHERTEXTBYTES 1039
#define SNTRUP761_BYTES 32

int sntrup761_keypair(unsigned char *pk, unsigned char *sk); /* 1 on success */
int sntrup761_enc(unsigned char *ct, unsigned char *ss, const unsigned char *pk);
/* Implicit rejection: a bad ciphertext gives an unrelated key; 1 always. */
int sntrup761_dec(unsigned char *ss, const unsigned char *ct, const unsigned char *sk);

/* Deterministic variants for tests: every random byte comes from rnd.
 * The library asks for each list of 761 random 32-bit words (read
 * little-endian) in one call of 3044 bytes, and for the 191-byte rho of
 * the secret key in one call, as the implementation behind the NIST KAT
 * file does: fed NIST's DRBG, these reproduce its entries. */
typedef void sntrup761_random(void *ctx, unsigned char *buf, size_t n);
int sntrup761_keypair_derand(unsigned char *pk, unsigned char *sk, sntrup761_random *rnd,
			     void *ctx);
int sntrup761_enc_derand(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
			 sntrup761_random *rnd, void *ctx);

#endif
