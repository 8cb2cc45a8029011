/* keccak: SHA3-256, SHA3-512 and the SHAKE extendable-output functions
 * (FIPS 202), written here because ML-KEM calls them several dozen times
 * per operation and neither libsodium nor a per-call EVP context is cheap
 * enough for that.  No secret-dependent branches or table indices. */
#ifndef SLUICE_KECCAK_H
#define SLUICE_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK_SHAKE128_RATE 168
#define KECCAK_SHAKE256_RATE 136
#define KECCAK_SHA3_256_RATE 136
#define KECCAK_SHA3_512_RATE 72

/* A sponge: absorb any number of times, then finish once, then squeeze. */
struct keccak {
	uint64_t s[25];
	unsigned int rate; /* bytes */
	unsigned int pos;  /* next byte within the current block */
};

void keccak_f1600(uint64_t s[25]);
void keccak_init(struct keccak *k, unsigned int rate);
void keccak_absorb(struct keccak *k, const void *p, size_t n);
/* Pads with the domain byte (0x06 SHA3, 0x1f SHAKE) and switches to squeezing. */
void keccak_finish(struct keccak *k, unsigned char domain);
void keccak_squeeze(struct keccak *k, unsigned char *out, size_t n);
void keccak_wipe(struct keccak *k);

void keccak_sha3_256(unsigned char out[32], const void *p, size_t n);
void keccak_sha3_512(unsigned char out[64], const void *p, size_t n);
void keccak_shake256(unsigned char *out, size_t outlen, const void *p, size_t n);

#endif
