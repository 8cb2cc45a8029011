/* mlkem768: ML-KEM-768, the module-lattice key encapsulation of FIPS 203,
 * as the hybrid key exchange mlkem768x25519-sha256 needs it.  Constant
 * time in every secret; no allocation. */
#ifndef SLUICE_MLKEM768_H
#define SLUICE_MLKEM768_H

#define MLKEM768_PUBLICKEYBYTES 1184
#define MLKEM768_SECRETKEYBYTES 2400
#define MLKEM768_CIPHERTEXTBYTES 1088
#define MLKEM768_SHAREDBYTES 32

/* 1 on success.  keypair/encaps draw randomness from algo_random. */
int mlkem768_keypair(unsigned char pk[MLKEM768_PUBLICKEYBYTES],
		     unsigned char sk[MLKEM768_SECRETKEYBYTES]);
/* ML-KEM.KeyGen_internal: the key pair is a function of the seeds d and z. */
int mlkem768_keypair_derand(unsigned char *pk, unsigned char *sk, const unsigned char d[32],
			    const unsigned char z[32]);
/* 0 when pk fails FIPS 203's encapsulation key check (coefficients < q). */
int mlkem768_encaps(unsigned char ct[MLKEM768_CIPHERTEXTBYTES],
		    unsigned char ss[MLKEM768_SHAREDBYTES],
		    const unsigned char pk[MLKEM768_PUBLICKEYBYTES]);
/* ML-KEM.Encaps_internal with the message m given. */
int mlkem768_encaps_derand(unsigned char *ct, unsigned char *ss, const unsigned char *pk,
			   const unsigned char m[32]);
/* Implicit rejection as FIPS 203 says: always 1 for well-sized input. */
int mlkem768_decaps(unsigned char ss[MLKEM768_SHAREDBYTES],
		    const unsigned char ct[MLKEM768_CIPHERTEXTBYTES],
		    const unsigned char sk[MLKEM768_SECRETKEYBYTES]);

#endif
