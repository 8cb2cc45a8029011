/* algorithms: the one list of each kind of algorithm name sftpd knows, with
 * what each name means.  The configuration's accepted values, negotiation
 * and the cipher tables are all built from these lists. */
#ifndef SFTPD_ALGORITHMS_H
#define SFTPD_ALGORITHMS_H

/* X(name) */
#define SSH_KEX_LIST(X) X("curve25519-sha256") X("curve25519-sha256@libssh.org")

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
#define SSH_CIPHER_NAMES (SSH_CIPHER_LIST(SSH_NAME_COMMA) + 1)
#define SSH_MAC_NAMES (SSH_MAC_LIST(SSH_NAME_COMMA) + 1)

#endif
