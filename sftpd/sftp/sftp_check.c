/* sftp_check: the check-file extensions (draft-ietf-secsh-filexfer-
 * extensions-00, section 3; "check-file" is the name paramiko sends for
 * the handle form): digests of a range of a file, whole or per block,
 * computed by the server so a client can verify a transfer without
 * reading the data back.  The reply names the algorithm used, the first
 * of the client's list that is known here.  Work is bounded: at most
 * SFTP_CHECK_MAX_BYTES hashed per request (a client asks for ranges) and
 * as many block digests as one reply holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "log/log.h"
#include "sftp_internal.h"

#define SFTP_CHECK_MAX_BYTES (1ull << 30)
#define SFTP_CHECK_MIN_BLOCK 256 /* the draft's floor for a block size */
#define SFTP_CHECK_CHUNK (64u * 1024)
#define SFTP_CHECK_ALGS_MAX 256 /* bytes of the client's algorithm list */

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} check_algs[] = {{"md5", EVP_md5},	  {"sha1", EVP_sha1},	  {"sha224", EVP_sha224},
		  {"sha256", EVP_sha256}, {"sha384", EVP_sha384}, {"sha512", EVP_sha512}};

struct check_req {
	int fd;
	int alg;
	uint64_t start, length;
	uint32_t block;
};

/* The first algorithm of the comma-separated list known here, or -1. */
static int check_pick(const unsigned char *list, uint32_t len)
{
	uint32_t at = 0;

	while (at < len) {
		uint32_t end = at;
		while (end < len && list[end] != ',')
			end++;
		for (size_t i = 0; i < ARRAY_LEN(check_algs); i++)
			if (strlen(check_algs[i].name) == end - at &&
			    !memcmp(check_algs[i].name, list + at, end - at))
				return (int)i;
		at = end + 1;
	}
	return -1;
}

/* Hashes [start, start + length) in blocks of rq->block bytes (one block
 * when 0), appending each digest to w. */
static int check_hash(const struct check_req *rq, struct wire_out *w)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(SFTP_CHECK_CHUNK);
	uint64_t off = rq->start, end = rq->start + rq->length;
	int ok = ctx && buf;

	while (ok && off < end) {
		uint64_t block_end = rq->block ? off + rq->block : end;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen;
		if (block_end > end) block_end = end;
		ok = EVP_DigestInit_ex(ctx, check_algs[rq->alg].md(), 0);
		while (ok && off < block_end) {
			size_t want = SFTP_CHECK_CHUNK;
			ssize_t n;
			if (block_end - off < want) want = (size_t)(block_end - off);
			n = pread(rq->fd, buf, want, (off_t)off);
			if (n < 0 && errno == EINTR) continue;
			if (n <= 0) {
				if (n == 0) errno = EIO; /* the file shrank under us */
				ok = 0;
				break;
			}
			ok = EVP_DigestUpdate(ctx, buf, (size_t)n);
			off += (uint64_t)n;
		}
		if (ok) ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
		if (ok) wire_put_bytes(w, md, mdlen);
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ok && !w->bad;
}

/* Reads the fields after the file, checks the range against the file and
 * the ceilings, and answers. */
static int check_answer(struct sftp_server *s, struct sftp_req *rq, int fd)
{
	const unsigned char *algs;
	uint32_t algs_len, nblocks;
	struct check_req cr = {.fd = fd};
	struct wire_out *w;
	struct stat st;
	int mdlen;

	wire_get_string(&rq->in, &algs, &algs_len);
	wire_get_u64(&rq->in, &cr.start);
	wire_get_u64(&rq->in, &cr.length);
	wire_get_u32(&rq->in, &cr.block);
	if (!wire_ok(&rq->in) || algs_len > SFTP_CHECK_ALGS_MAX) return SSH_FX_BAD_MESSAGE;
	if ((cr.alg = check_pick(algs, algs_len)) < 0) {
		s->msg = "no known hash algorithm (md5, sha1, sha224, sha256, sha384, sha512)";
		return SSH_FX_OP_UNSUPPORTED;
	}
	if (cr.block && cr.block < SFTP_CHECK_MIN_BLOCK) {
		s->msg = "block size below 256";
		return SSH_FX_FAILURE;
	}
	if (fstat(fd, &st) < 0) return sftp_status_from_errno(errno);
	if (!S_ISREG(st.st_mode)) {
		s->msg = "not a regular file";
		return SSH_FX_FAILURE;
	}
	if (cr.start > (uint64_t)st.st_size) cr.start = (uint64_t)st.st_size;
	if (cr.length == 0 || cr.length > (uint64_t)st.st_size - cr.start)
		cr.length = (uint64_t)st.st_size - cr.start;
	mdlen = EVP_MD_size(check_algs[cr.alg].md());
	nblocks = cr.block ? (uint32_t)((cr.length + cr.block - 1) / cr.block) : 1;
	if (cr.length > SFTP_CHECK_MAX_BYTES ||
	    (uint64_t)nblocks * (uint64_t)mdlen > SFTP_MAX_PACKET - 1024) {
		s->msg = "range too large for one request (at most 1 GiB): ask for less";
		return SSH_FX_FAILURE;
	}
	w = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, rq->id);
	wire_put_cstring(w, "check-file");
	wire_put_cstring(w, check_algs[cr.alg].name);
	/* a status instead: it is built over this unfinished reply */
	if (!check_hash(&cr, w)) return sftp_status_from_errno(errno);
	return SFTP_REPLIED;
}

int sftp_op_check_file_handle(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);

	if (!h) return wire_ok(&rq->in) ? SSH_FX_FAILURE : SSH_FX_BAD_MESSAGE;
	if (!(h->pflags & SSH_FXF_READ)) {
		s->msg = "handle not opened for reading";
		return SSH_FX_PERMISSION_DENIED;
	}
	return check_answer(s, rq, h->fd);
}

int sftp_op_check_file_name(struct sftp_server *s, struct sftp_req *rq)
{
	int fd, st;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	fd = fs_open(s->root, s->path1, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0) return sftp_status_from_errno(errno);
	st = check_answer(s, rq, fd);
	close(fd);
	return st;
}
