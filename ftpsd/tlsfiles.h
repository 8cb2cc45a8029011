/* tlsfiles: what ftpsd reads for TLS besides what libtls reads itself, at
 * start: an encrypted private key is refused with a message that says so,
 * and the CRLs of a hashed directory (plus FTPSD_TLS_CRL_FILE) become one
 * PEM blob for tls_config_set_crl_mem, since libtls takes no CRL directory.
 * The checks on bytes are pure (unit tested, fuzzed); the loaders do I/O. */
#ifndef FTPSD_TLSFILES_H
#define FTPSD_TLSFILES_H

#include <stddef.h>
#include <time.h>

#define FTP_TLS_KEY_MAX_BYTES (1u << 20) /* a private key file (a 16384-bit RSA PEM is 13 KiB) */
#define FTP_CRL_MAX_FILES 256		 /* hashed CRL files read from FTPSD_TLS_CRL_DIR */
#define FTP_CRL_MAX_BYTES (32u << 20)	 /* the CRL file and every CRL of the directory */

/* 1 when the PEM text holds an encrypted private key: a PKCS#8 block
 * ("BEGIN ENCRYPTED PRIVATE KEY") or a legacy block ("BEGIN ... PRIVATE
 * KEY" with a "Proc-Type: 4,ENCRYPTED" header); 0 otherwise. */
int ftp_pem_key_encrypted(const char *pem, size_t len);

/* 1 when name is a hashed CRL name as `openssl rehash` makes them:
 * 8 lower-case hex digits, ".r", a decimal number (1a2b3c4d.r0). */
int ftp_crl_name_hashed(const char *name);

/* Checks that buf holds at least one PEM "X509 CRL" block, that every PEM
 * block in it is one, and that each decodes to a CRL (DER, nothing after
 * it).  *count gets the number of CRLs, *expired how many have a next
 * update before now.  0 + EPROTO otherwise (errno EMSGSIZE over INT_MAX). */
int ftp_crl_pem_check(const unsigned char *buf, size_t len, time_t now, unsigned *count,
		      unsigned *expired);

/* The CRLs handed to libtls: PEM, each file's text followed by a newline. */
struct ftp_crl_blob {
	unsigned char *pem;
	size_t len;
	unsigned files, crls, expired;
};
#define FTP_CRL_BLOB_ZERO                                                                          \
	{                                                                                          \
		NULL, 0, 0, 0, 0                                                                   \
	}

/* Reads file (when not "") and then the hashed CRL files of dir (when not
 * ""), in strcmp order of their names, into b.  On error returns 0 with a
 * message in err that names FTPSD_TLS_CRL_FILE or FTPSD_TLS_CRL_DIR. */
int ftp_crl_load(const char *file, const char *dir, struct ftp_crl_blob *b, char *err,
		 size_t errlen);
void ftp_crl_blob_free(struct ftp_crl_blob *b);

/* Gives libtls its CRLs: with dir (FTPSD_TLS_CRL_DIR) the blob b, which
 * holds the file's CRLs too, and fails closed when b was not read; else
 * the file (when not "") for libtls to read itself. */
struct tls_config;
int ftp_crl_configure(struct tls_config *c, const char *file, const char *dir,
		      const struct ftp_crl_blob *b, char *err, size_t errlen);

/* 0 with a message naming FTPSD_TLS_KEY when the key file at path is
 * encrypted or too large; 1 when it is not, or cannot be opened (then
 * the readability check or libtls says why). */
int ftp_tls_key_check(const char *path, char *err, size_t errlen);

#endif
