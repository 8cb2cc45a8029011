/* ftpsd_tlsfiles: the encrypted-key detector, the hashed CRL names, the
 * CRL PEM check (malformed input included) and the loaders of the CRL
 * directory and the key file, on real files in a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "../tap.h"
#include "../../ftpsd/tlsfiles.h"

/* Two empty CRLs of two test CAs (P-256, next update in 2126) and the
 * first CA's certificate, made with openssl ca -gencrl. */
static const char crl1[] = "-----BEGIN X509 CRL-----\n"
			   "MIGrMFQCAQEwCgYIKoZIzj0EAwIwEzERMA8GA1UEAwwIdW5pdC1jYTEXDTI2MTIw\n"
			   "NDE2MjMzMloYDzIxMjYxMTEwMTYyMzMyWqAOMAwwCgYDVR0UBAMCAQEwCgYIKoZI\n"
			   "zj0EAwIDRwAwRAIgU7Nefay9TcXg1+QG+Pxv4zNQUhRV8EhyncsBK3+UpXcCIHNd\n"
			   "RCrC4INvbyMT+QYdisFZLSJe+zEPbpFaCqRlmvsS\n"
			   "-----END X509 CRL-----\n";
static const char crl2[] = "-----BEGIN X509 CRL-----\n"
			   "MIGsMFQCAQEwCgYIKoZIzj0EAwIwEzERMA8GA1UEAwwIdW5pdC1jYTIXDTI2MTIw\n"
			   "NDE2MjMzM1oYDzIxMjYxMTEwMTYyMzMzWqAOMAwwCgYDVR0UBAMCAQEwCgYIKoZI\n"
			   "zj0EAwIDSAAwRQIgWZvPRHGjt5QvgeYYgrdngHTIC84wC2I8gmq4BQgApPkCIQDh\n"
			   "jXgS/F0E/LqGIjy8UFPTiBdT6bvEPSyGuJTzJBZ3FA==\n"
			   "-----END X509 CRL-----\n";
static const char cert1[] = "-----BEGIN CERTIFICATE-----\n"
			    "MIIBfTCCASOgAwIBAgIUbmoJc+gySE5WgNdz/YMR4cheXh4wCgYIKoZIzj0EAwIw\n"
			    "EzERMA8GA1UEAwwIdW5pdC1jYTEwIBcNMjYxMjA0MTYyMzMyWhgPMjEyNjExMTAx\n"
			    "NjIzMzJaMBMxETAPBgNVBAMMCHVuaXQtY2ExMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
			    "AQcDQgAEL1LNllYm9Kf8t91TwBGT5uMsypwV8uzpAv4wxzKKYlTAANTsBHEldEMK\n"
			    "7c4xLlY9irvmf9ZGqveFzYMjhc1JaqNTMFEwHQYDVR0OBBYEFIhIctCQ/os93oM2\n"
			    "z6Ij0vq6636cMB8GA1UdIwQYMBaAFIhIctCQ/os93oM2z6Ij0vq6636cMA8GA1Ud\n"
			    "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgRDgzTq814VdNKCZQhTVIu1eH\n"
			    "o7vUYvM5egje16ds40YCIQDQGFI17sNIvYDgzY+lE9Cjot8p6ukVFABZzlfGfkBY\n"
			    "Jw==\n"
			    "-----END CERTIFICATE-----\n";

static int enc(const char *s)
{
	return ftp_pem_key_encrypted(s, strlen(s));
}

static void test_key_encrypted(void)
{
	is_int(enc("-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n"), 0,
	       "plain PKCS#8 key");
	is_int(enc("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"), 0,
	       "plain legacy EC key");
	is_int(enc("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHs\n-----END ENCRYPTED PRIVATE "
		   "KEY-----\n"),
	       1, "PKCS#8 encrypted key");
	is_int(enc("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
		   "AES-128-CBC,00\n\nMIIE\n-----END RSA PRIVATE KEY-----\n"),
	       1, "legacy RSA key with Proc-Type 4,ENCRYPTED");
	is_int(enc("-----BEGIN EC PRIVATE KEY-----\r\nProc-Type:  4, ENCRYPTED\r\n\r\nMHc\r\n"
		   "-----END EC PRIVATE KEY-----\r\n"),
	       1, "legacy EC key, CRLF and extra spaces");
	is_int(enc("-----BEGIN ENCRYPTED PRIVATE KEY----- \r\n"), 1,
	       "PKCS#8 BEGIN line with trailing blanks");
	is_int(enc("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,MIC-ONLY\n-----END RSA PRIVATE "
		   "KEY-----\n"),
	       0, "Proc-Type other than ENCRYPTED");
	is_int(
	    enc("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n-----END "
		"CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----\n"),
	    0, "Proc-Type in a certificate block does not count");
	is_int(enc("-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----\nProc-Type: "
		   "4,ENCRYPTED\n"),
	       0, "Proc-Type after the key block does not count");
	is_int(enc("-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n-----BEGIN "
		   "ENCRYPTED PRIVATE KEY-----\nMIH\n"),
	       1, "encrypted key after a certificate in the same file");
	is_int(enc(""), 0, "empty file");
	is_int(enc("-----BEGIN "), 0, "truncated BEGIN line");
	is_int(enc("-----BEGIN -----\nProc-Type: 4,ENCRYPTED\n"), 0, "empty label");
	is_int(ftp_pem_key_encrypted("\0\xff-----BEGIN ENCRYPTED PRIVATE KEY-----", 10), 0,
	       "binary bytes, length respected");
	is_int(enc("xx-----BEGIN ENCRYPTED PRIVATE KEY-----\n"), 0, "BEGIN not at line start");
}

static void test_crl_names(void)
{
	ok(ftp_crl_name_hashed("1a2b3c4d.r0"), "hashed CRL name");
	ok(ftp_crl_name_hashed("00000000.r12"), "hashed CRL name, two digits");
	ok(ftp_crl_name_hashed("ffffffff.r99999"), "hashed CRL name, five digits");
	ok(!ftp_crl_name_hashed("1A2B3C4D.r0"), "upper-case hash refused (OpenSSL looks up lower)");
	ok(!ftp_crl_name_hashed("1a2b3c4d.0"), "certificate link is not a CRL");
	ok(!ftp_crl_name_hashed("1a2b3c4.r0"), "seven hex digits");
	ok(!ftp_crl_name_hashed("1a2b3c4d5.r0"), "nine hex digits");
	ok(!ftp_crl_name_hashed("1a2b3c4d.r"), "no number");
	ok(!ftp_crl_name_hashed("1a2b3c4d.r0x"), "junk after the number");
	ok(!ftp_crl_name_hashed("1a2b3c4d.r123456"), "six-digit number");
	ok(!ftp_crl_name_hashed(""), "empty name");
	ok(!ftp_crl_name_hashed(".r0"), "no hash");
	ok(!ftp_crl_name_hashed("crl.pem"), "plain file name");
}

static int check(const char *s, unsigned *count, unsigned *expired)
{
	return ftp_crl_pem_check((const unsigned char *)s, strlen(s), time(NULL), count, expired);
}

/* crl1 re-encoded with one extra byte after its DER. */
static char *crl_with_trailing_byte(void)
{
	BIO *in = BIO_new_mem_buf(crl1, -1), *out = BIO_new(BIO_s_mem());
	char *name = NULL, *header = NULL, *text = NULL;
	unsigned char *data = NULL;
	long len = 0;
	if (PEM_read_bio(in, &name, &header, &data, &len)) {
		unsigned char *more = OPENSSL_malloc((size_t)len + 1);
		memcpy(more, data, (size_t)len);
		more[len] = 0;
		PEM_write_bio(out, "X509 CRL", "", more, len + 1);
		OPENSSL_free(more);
		char *p;
		long n = BIO_get_mem_data(out, &p);
		text = strndup(p, (size_t)n);
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(in);
	BIO_free(out);
	return text;
}

static void test_crl_check(void)
{
	unsigned count = 9, expired = 9;
	char buf[4096];
	ok(check(crl1, &count, &expired), "one CRL");
	is_int(count, 1, "count 1");
	is_int(expired, 0, "not expired");
	snprintf(buf, sizeof buf, "%s%s", crl1, crl2);
	ok(check(buf, &count, &expired) && count == 2, "two CRLs");
	snprintf(buf, sizeof buf, "text before\n%stext between\n%stext after\n", crl1, crl2);
	ok(check(buf, &count, &expired) && count == 2, "text around the blocks is allowed");
	time_t later = time(NULL) + (time_t)200 * 365 * 86400;
	ok(ftp_crl_pem_check((const unsigned char *)crl1, strlen(crl1), later, &count, &expired),
	   "a CRL past its next update still parses");
	is_int(expired, 1, "and counts as expired");
	errno = 0;
	ok(!check("", &count, &expired) && errno == EPROTO, "empty: EPROTO");
	ok(!check("no pem here\n", &count, &expired), "no PEM block");
	snprintf(buf, sizeof buf, "%s%s", crl1, cert1);
	ok(!check(buf, &count, &expired), "a certificate among the CRLs is refused");
	ok(!check(cert1, &count, &expired), "a certificate alone is refused");
	snprintf(buf, sizeof buf, "%.*s", (int)(strlen(crl1) - 10), crl1);
	ok(!check(buf, &count, &expired), "truncated block");
	snprintf(buf, sizeof buf, "%s", crl1);
	buf[40] = '!';
	ok(!check(buf, &count, &expired), "bad base64");
	snprintf(buf, sizeof buf, "%s", crl1);
	buf[60] = buf[60] == 'A' ? 'B' : 'A';
	ok(!check(buf, &count, &expired), "corrupted DER");
	ok(!check("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n", &count, &expired),
	   "empty CRL block");
	char *trail = crl_with_trailing_byte();
	ok(trail && !check(trail, &count, &expired), "a byte after the CRL's DER is refused");
	free(trail);
	snprintf(buf, sizeof buf,
		 "-----BEGIN X509 CRL-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n%s",
		 strchr(crl1, '\n') + 1);
	ok(!check(buf, &count, &expired), "a CRL block with PEM headers is refused");
}

static char dir[] = "/tmp/ftpsd_tlsfiles.XXXXXX";

static const char *at(const char *name)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static int load(const char *file, const char *d, struct ftp_crl_blob *b, char *err, size_t n)
{
	err[0] = 0;
	return ftp_crl_load(file, d, b, err, n);
}

static void test_crl_load(void)
{
	struct ftp_crl_blob b = FTP_CRL_BLOB_ZERO;
	char err[512], path[512], sub[256], expect[2048];
	snprintf(sub, sizeof sub, "%s", at("crls"));
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/0000000b.r0", sub);
	tap_write_file(path, crl1, 0644);
	snprintf(path, sizeof path, "%s/0000000a.r0", sub);
	tap_write_file(path, crl2, 0644);
	snprintf(path, sizeof path, "%s/notes.txt", sub);
	tap_write_file(path, "not a CRL, and not hashed: ignored\n", 0644);
	snprintf(path, sizeof path, "%s/0000000a.0", sub);
	tap_write_file(path, cert1, 0644);
	ok(load("", sub, &b, err, sizeof err), "directory of two hashed CRLs loads");
	is_int(b.files, 2, "two files (others ignored)");
	is_int(b.crls, 2, "two CRLs");
	snprintf(expect, sizeof expect, "%s%s", crl2, crl1);
	ok(b.len == strlen(expect) && !memcmp(b.pem, expect, b.len),
	   "in name order: 0000000a.r0 before 0000000b.r0");
	ftp_crl_blob_free(&b);
	ok(b.pem == NULL && b.len == 0, "blob freed");

	/* the CRL file first, a missing final newline added */
	char noeol[1024];
	snprintf(noeol, sizeof noeol, "%.*s", (int)strlen(crl1) - 1, crl1);
	tap_write_file(at("file.pem"), noeol, 0644);
	ok(load(at("file.pem"), sub, &b, err, sizeof err), "CRL file and directory load");
	is_int(b.files, 3, "three files");
	snprintf(expect, sizeof expect, "%s%s%s", crl1, crl2, crl1);
	ok(b.len == strlen(expect) && !memcmp(b.pem, expect, b.len),
	   "file first, newline added after its last line");
	ftp_crl_blob_free(&b);

	ok(!load("", at("nonexistent"), &b, err, sizeof err), "missing directory refused");
	ok(strstr(err, "FTPSD_TLS_CRL_DIR=") != NULL, "message names FTPSD_TLS_CRL_DIR: %s", err);
	ok(!load(at("nonexistent.pem"), "", &b, err, sizeof err), "missing CRL file refused");
	ok(strstr(err, "FTPSD_TLS_CRL_FILE=") != NULL, "message names FTPSD_TLS_CRL_FILE: %s", err);
	ok(b.pem == NULL, "nothing kept after a failure");

	snprintf(sub, sizeof sub, "%s", at("empty"));
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/crl.pem", sub);
	tap_write_file(path, crl1, 0644);
	ok(!load("", sub, &b, err, sizeof err), "directory without hashed names refused");
	ok(strstr(err, "no hashed CRL files") != NULL, "and says so: %s", err);

	snprintf(sub, sizeof sub, "%s", at("bad"));
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/12345678.r0", sub);
	tap_write_file(path, cert1, 0644);
	ok(!load("", sub, &b, err, sizeof err), "hashed file that is not a CRL refused");
	ok(strstr(err, "12345678.r0") && strstr(err, "FTPSD_TLS_CRL_DIR"),
	   "message names the variable and the file: %s", err);

	snprintf(sub, sizeof sub, "%s", at("fifo"));
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/12345678.r0", sub);
	mkfifo(path, 0644);
	ok(!load("", sub, &b, err, sizeof err), "a FIFO is refused without blocking");
	ok(strstr(err, "not a regular file") != NULL, "as not a regular file: %s", err);

	snprintf(sub, sizeof sub, "%s", at("big"));
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/12345678.r0", sub);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && ftruncate(fd, (off_t)FTP_CRL_MAX_BYTES + 1) == 0,
	   "sparse file over the ceiling");
	if (fd >= 0) close(fd);
	ok(!load("", sub, &b, err, sizeof err), "CRLs over the ceiling refused");
	ok(strstr(err, "larger than") != NULL, "and says so: %s", err);

	snprintf(sub, sizeof sub, "%s", at("many"));
	mkdir(sub, 0755);
	for (int i = 0; i <= FTP_CRL_MAX_FILES; i++) {
		snprintf(path, sizeof path, "%s/%08x.r0", sub, (unsigned)i);
		tap_write_file(path, crl1, 0644);
	}
	ok(!load("", sub, &b, err, sizeof err), "more than %d hashed files refused",
	   FTP_CRL_MAX_FILES);
	ok(strstr(err, "more than") != NULL, "and says so: %s", err);
	snprintf(path, sizeof path, "%s/%08x.r0", sub, (unsigned)FTP_CRL_MAX_FILES);
	unlink(path);
	ok(load("", sub, &b, err, sizeof err) && b.files == FTP_CRL_MAX_FILES,
	   "exactly %d hashed files load", FTP_CRL_MAX_FILES);
	ftp_crl_blob_free(&b);
}

static void test_key_check(void)
{
	char err[512] = "";
	tap_write_file(at("plain.key"),
		       "-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----\n", 0600);
	ok(ftp_tls_key_check(at("plain.key"), err, sizeof err), "plain key accepted");
	tap_write_file(at("enc.key"),
		       "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIH\n-----END ENCRYPTED PRIVATE "
		       "KEY-----\n",
		       0600);
	ok(!ftp_tls_key_check(at("enc.key"), err, sizeof err), "encrypted key refused");
	ok(strstr(err, "FTPSD_TLS_KEY=") && strstr(err, "encrypted"),
	   "message names FTPSD_TLS_KEY and says encrypted: %s", err);
	ok(ftp_tls_key_check(at("nonexistent.key"), err, sizeof err),
	   "unreadable key left to the other checks");
	int fd = open(at("huge.key"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && ftruncate(fd, (off_t)FTP_TLS_KEY_MAX_BYTES + 1) == 0, "sparse huge key");
	if (fd >= 0) close(fd);
	ok(!ftp_tls_key_check(at("huge.key"), err, sizeof err), "key over the ceiling refused");
}

int main(void)
{
	tap_logs_aside();
	if (!mkdtemp(dir)) return 111;
	test_key_encrypted();
	test_crl_names();
	test_crl_check();
	test_crl_load();
	test_key_check();
	tap_rm_tree(dir);
	return tap_done();
}
