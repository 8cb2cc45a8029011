/* tlsfiles: start-time reads for TLS that libtls does not do itself: the
 * encrypted-key refusal (libtls would fail with "failed to load private
 * key" or, with another password callback, prompt on a terminal) and the
 * CRL directory, read whole into one PEM blob because libtls takes CRLs
 * only as a file or in memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tls.h>

#include "algo/algo.h"
#include "tlsfiles.h"

#define PEM_BEGIN "-----BEGIN "
#define PEM_DASHES "-----"

static int has_prefix(const char *p, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && !memcmp(p, pre, k);
}

static int has_suffix(const char *p, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(p + n - k, suf, k);
}

/* RFC 1421 4.6.1.1: "Proc-Type: 4,ENCRYPTED" (spaces tolerated). */
static int proc_type_encrypted(const char *p, size_t n)
{
	static const char key[] = "Proc-Type:";
	if (!has_prefix(p, n, key)) return 0;
	size_t i = sizeof key - 1;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (!has_prefix(p + i, n - i, "4,")) return 0;
	i += 2;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return has_prefix(p + i, n - i, "ENCRYPTED");
}

int ftp_pem_key_encrypted(const char *pem, size_t len)
{
	int in_key = 0;
	size_t off = 0;
	while (off < len) {
		const char *line = pem + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		off += n + (nl != NULL);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (has_prefix(line, n, PEM_BEGIN) && has_suffix(line, n, PEM_DASHES)) {
			const char *label = line + strlen(PEM_BEGIN);
			size_t ln = n - strlen(PEM_BEGIN) - strlen(PEM_DASHES);
			if (n < strlen(PEM_BEGIN) + strlen(PEM_DASHES)) ln = 0;
			if (ln == strlen("ENCRYPTED PRIVATE KEY") &&
			    !memcmp(label, "ENCRYPTED PRIVATE KEY", ln))
				return 1;
			in_key = has_suffix(label, ln, "PRIVATE KEY");
		} else if (has_prefix(line, n, "-----END ")) {
			in_key = 0;
		} else if (in_key && proc_type_encrypted(line, n)) {
			return 1;
		}
	}
	return 0;
}

int ftp_crl_name_hashed(const char *name)
{
	size_t i = 0;
	for (; i < 8; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	if (name[i++] != '.' || name[i++] != 'r') return 0;
	size_t digits = strspn(name + i, "0123456789");
	return digits >= 1 && digits <= 5 && name[i + digits] == 0;
}

/* One PEM block: a CRL whose DER fills the block exactly. */
static int crl_block_ok(const char *name, const char *header, const unsigned char *data, long dlen,
			time_t now, unsigned *expired)
{
	if (strcmp(name, "X509 CRL") || *header) return 0;
	const unsigned char *p = data;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, dlen);
	int ok = crl && p == data + dlen;
	if (ok) {
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
		if (next && X509_cmp_time(next, &now) < 0) (*expired)++;
	}
	X509_CRL_free(crl);
	return ok;
}

int ftp_crl_pem_check(const unsigned char *buf, size_t len, time_t now, unsigned *count,
		      unsigned *expired)
{
	*count = *expired = 0;
	if (len > INT_MAX) {
		errno = EMSGSIZE;
		return 0;
	}
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	int ok = bio != NULL;
	while (ok) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;
		if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			/* no further "-----BEGIN" line: the end of the text */
			ok = ERR_GET_LIB(e) == ERR_LIB_PEM &&
			     ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
			break;
		}
		ok = crl_block_ok(name, header, data, dlen, now, expired);
		if (ok) (*count)++;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	ERR_clear_error();
	BIO_free(bio);
	if (ok && *count) return 1;
	errno = EPROTO;
	return 0;
}

/* The whole regular file fd into a new buffer, at most max bytes;
 * 0 + EMSGSIZE when larger, EINVAL when not a regular file. */
static int read_whole(int fd, size_t max, unsigned char **out, size_t *outlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0) return 0;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return 0;
	}
	if ((unsigned long long)st.st_size > max) {
		errno = EMSGSIZE;
		return 0;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	unsigned char *b = malloc(cap);
	if (!b) return 0;
	for (;;) {
		ssize_t k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR) continue;
		if (k < 0) {
			free(b);
			return 0;
		}
		if (k == 0) break;
		n += (size_t)k;
		if (n == cap) { /* it grew since fstat */
			free(b);
			errno = EMSGSIZE;
			return 0;
		}
	}
	*out = b;
	*outlen = n;
	return 1;
}

static void crl_fail(char *err, size_t errlen, const char *var, const char *path, const char *file,
		     const char *why)
{
	snprintf(err, errlen, "%s=%s: %s%s%s", var, path, file ? file : "", file ? ": " : "", why);
}

static const char *read_why(char *buf, size_t cap)
{
	if (errno == EMSGSIZE)
		snprintf(buf, cap, "the CRLs together are larger than %u MiB",
			 FTP_CRL_MAX_BYTES >> 20);
	else
		snprintf(buf, cap, "%s", errno == EINVAL ? "not a regular file" : strerror(errno));
	return buf;
}

/* Reads one CRL file (at dirfd/name, or the path name when dirfd < 0),
 * checks it and appends it to b. */
static int crl_append(struct ftp_crl_blob *b, int dirfd, const char *name, const char *var,
		      const char *path, char *err, size_t errlen)
{
	const char *shown = dirfd < 0 ? NULL : name;
	int fd = dirfd < 0 ? open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
			   : openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	unsigned char *data = NULL;
	size_t n = 0;
	unsigned crls, expired;
	char why[96];
	if (fd < 0 || !read_whole(fd, FTP_CRL_MAX_BYTES - b->len, &data, &n)) {
		crl_fail(err, errlen, var, path, shown, read_why(why, sizeof why));
		if (fd >= 0) close(fd);
		return 0;
	}
	close(fd);
	if (!ftp_crl_pem_check(data, n, time(NULL), &crls, &expired)) {
		free(data);
		crl_fail(err, errlen, var, path, shown,
			 "not a PEM file of certificate revocation lists (X509 CRL)");
		return 0;
	}
	unsigned char *grown = realloc(b->pem, b->len + n + 1);
	if (!grown) {
		free(data);
		crl_fail(err, errlen, var, path, shown, strerror(errno));
		return 0;
	}
	b->pem = grown;
	memcpy(b->pem + b->len, data, n);
	b->len += n;
	if (n == 0 || data[n - 1] != '\n') b->pem[b->len++] = '\n';
	free(data);
	b->files++;
	b->crls += crls;
	b->expired += expired;
	return 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The hashed names of dir, sorted, at most FTP_CRL_MAX_FILES. */
static int crl_dir_names(DIR *d, char **names, size_t *count)
{
	struct dirent *e;
	*count = 0;
	errno = 0;
	while ((e = readdir(d))) {
		if (!ftp_crl_name_hashed(e->d_name)) continue;
		if (*count == FTP_CRL_MAX_FILES) {
			errno = EMSGSIZE;
			return 0;
		}
		if (!(names[*count] = strdup(e->d_name))) return 0;
		(*count)++;
	}
	if (errno) return 0;
	qsort(names, *count, sizeof *names, name_cmp);
	return 1;
}

static int crl_load_dir(const char *dir, struct ftp_crl_blob *b, char *err, size_t errlen)
{
	static const char var[] = "FTPSD_TLS_CRL_DIR";
	char *names[FTP_CRL_MAX_FILES];
	size_t count = 0;
	char why[96];
	int ok = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		crl_fail(err, errlen, var, dir, NULL, strerror(errno));
		if (fd >= 0) close(fd);
		return 0;
	}
	if (!crl_dir_names(d, names, &count)) {
		if (errno == EMSGSIZE)
			snprintf(why, sizeof why, "more than %d hashed CRL files",
				 FTP_CRL_MAX_FILES);
		else
			snprintf(why, sizeof why, "%s", strerror(errno));
		crl_fail(err, errlen, var, dir, NULL, why);
	} else if (!count)
		crl_fail(err, errlen, var, dir, NULL,
			 "no hashed CRL files (HASH.rN, as `openssl rehash` names them)");
	else
		ok = 1;
	for (size_t i = 0; ok && i < count; i++)
		ok = crl_append(b, dirfd(d), names[i], var, dir, err, errlen);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	closedir(d);
	return ok;
}

int ftp_crl_load(const char *file, const char *dir, struct ftp_crl_blob *b, char *err,
		 size_t errlen)
{
	struct ftp_crl_blob z = FTP_CRL_BLOB_ZERO;
	*b = z;
	if ((*file && !crl_append(b, -1, file, "FTPSD_TLS_CRL_FILE", file, err, errlen)) ||
	    (*dir && !crl_load_dir(dir, b, err, errlen))) {
		ftp_crl_blob_free(b);
		return 0;
	}
	return 1;
}

void ftp_crl_blob_free(struct ftp_crl_blob *b)
{
	free(b->pem);
	struct ftp_crl_blob z = FTP_CRL_BLOB_ZERO;
	*b = z;
}

int ftp_crl_configure(struct tls_config *c, const char *file, const char *dir,
		      const struct ftp_crl_blob *b, char *err, size_t errlen)
{
	if (*dir) {
		if (!b->pem) {
			snprintf(err, errlen, "FTPSD_TLS_CRL_DIR=%s: CRLs not loaded", dir);
			return 0;
		}
		if (tls_config_set_crl_mem(c, b->pem, b->len) < 0) {
			snprintf(err, errlen, "FTPSD_TLS_CRL_DIR=%s: %s", dir, tls_config_error(c));
			return 0;
		}
	} else if (*file && tls_config_set_crl_file(c, file) < 0) {
		snprintf(err, errlen, "FTPSD_TLS_CRL_FILE: %s", tls_config_error(c));
		return 0;
	}
	return 1;
}

int ftp_tls_key_check(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	unsigned char *key = NULL;
	size_t n = 0;
	if (fd < 0) return 1;
	int r = read_whole(fd, FTP_TLS_KEY_MAX_BYTES, &key, &n);
	int saved = errno;
	close(fd);
	if (!r) {
		if (saved != EMSGSIZE) return 1;
		snprintf(err, errlen, "FTPSD_TLS_KEY=%s: larger than %u bytes, not a private key",
			 path, FTP_TLS_KEY_MAX_BYTES);
		return 0;
	}
	int encrypted = ftp_pem_key_encrypted((const char *)key, n);
	algo_wipe(key, n);
	free(key);
	if (!encrypted) return 1;
	snprintf(err, errlen,
		 "FTPSD_TLS_KEY=%s: the private key is encrypted (passphrase-protected) and "
		 "ftpsd cannot ask for a passphrase; store it unencrypted, readable by root only "
		 "(openssl pkey -in KEY -out NEWKEY)",
		 path);
	return 0;
}
