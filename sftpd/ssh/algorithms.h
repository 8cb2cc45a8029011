/* algorithms: the one list of each kind of algorithm name sftpd knows, with
 * what each name means.  The configuration's accepted values, negotiation
 * and the cipher tables are all built from these lists. */
#ifndef SFTPD_ALGORITHMS_H
#define SFTPD_ALGORITHMS_H

/* X(name, family, hash, parameter, offered by default)
 * family: the kex_*.c file that implements it (kex.h); parameter: the
 * curve's bits (ECDH), the RFC 3526 group number (DH) or the KEM (hybrid).
 * The order is the default order of preference: OpenSSH 10's (the hybrid
 * post-quantum methods first), less the NIST curves, which ssh-audit fails
 * ("weak elliptic curves") and which stay available by name, then the
 * finite-field groups that OpenSSH 10's client still offers. */
#define SSH_KEX_LIST(X)                                                                            \
	X("mlkem768x25519-sha256", KEX_HYBRID, ALGO_SHA256, KEM_MLKEM768, 1)                       \
	X("sntrup761x25519-sha512", KEX_HYBRID, ALGO_SHA512, KEM_SNTRUP761, 1)                     \
	X("sntrup761x25519-sha512@openssh.com", KEX_HYBRID, ALGO_SHA512, KEM_SNTRUP761, 1)         \
	X("curve25519-sha256", KEX_X25519, ALGO_SHA256, 0, 1)                                      \
	X("curve25519-sha256@libssh.org", KEX_X25519, ALGO_SHA256, 0, 1)                           \
	X("ecdh-sha2-nistp256", KEX_ECDH, ALGO_SHA256, 256, 0)                                     \
	X("ecdh-sha2-nistp384", KEX_ECDH, ALGO_SHA384, 384, 0)                                     \
	X("ecdh-sha2-nistp521", KEX_ECDH, ALGO_SHA512, 521, 0)                                     \
	X("diffie-hellman-group-exchange-sha256", KEX_DHGEX, ALGO_SHA256, 0, 1)                    \
	X("diffie-hellman-group16-sha512", KEX_DH, ALGO_SHA512, 16, 1)                             \
	X("diffie-hellman-group18-sha512", KEX_DH, ALGO_SHA512, 18, 1)                             \
	X("diffie-hellman-group14-sha256", KEX_DH, ALGO_SHA256, 14, 1)

/* X(name, kind, key bytes, iv bytes, block bytes, tag bytes) */
#define SSH_CIPHER_LIST(X)                                                                         \
	X("chacha20-poly1305@openssh.com", CIPHER_CHACHAPOLY, 64, 0, 8, 16)                        \
	X("aes128-gcm@openssh.com", CIPHER_GCM, 16, 12, 16, 16)                                    \
	X("aes256-gcm@openssh.com", CIPHER_GCM, 32, 12, 16, 16)                                    \
	X("aes128-ctr", CIPHER_CTR, 16, 16, 16, 0)                                                 \
	X("aes256-ctr", CIPHER_CTR, 32, 16, 16, 0)

/* X(name, uses SHA-512, encrypt-then-MAC, key bytes, MAC bytes) */
#define SSH_MAC_LIST(X)                                                                            \
	X("hmac-sha2-256-etm@openssh.com", 0, 1, 32, 32)                                           \
	X("hmac-sha2-512-etm@openssh.com", 1, 1, 64, 64)                                           \
	X("hmac-sha2-256", 0, 0, 32, 32)                                                           \
	X("hmac-sha2-512", 1, 0, 64, 64)

#define SSH_COMPRESSION_NAMES "none,zlib@openssh.com"

/* "a,b,c": each name with a comma before it, then the first comma skipped. */
#define SSH_NAME_COMMA(name, ...) "," name
#define SSH_KEX_NAMES (SSH_KEX_LIST(SSH_NAME_COMMA) + 1)
/* The same for the rows offered by default (last column 1). */
#define SSH_KEX_DEFAULT_0(name)
#define SSH_KEX_DEFAULT_1(name) "," name
#define SSH_KEX_DEFAULT_ITEM(name, family, hash, param, dflt) SSH_KEX_DEFAULT_##dflt(name)
#define SSH_KEX_DEFAULT_NAMES (SSH_KEX_LIST(SSH_KEX_DEFAULT_ITEM) + 1)
#define SSH_CIPHER_NAMES (SSH_CIPHER_LIST(SSH_NAME_COMMA) + 1)
#define SSH_MAC_NAMES (SSH_MAC_LIST(SSH_NAME_COMMA) + 1)

#endif
