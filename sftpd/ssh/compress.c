/* compress: SSH packet compression, OpenSSH's "zlib@openssh.com" (RFC 4253
 * s6.2 zlib started only after authentication), so that unauthenticated
 * clients never reach zlib and no stream has to survive the hand-over to
 * the session process.  Plain "zlib" is not offered (OpenSSH dropped it
 * too).  Like OpenSSH, each NEWKEYS starts fresh streams; every packet ends
 * with a partial flush. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ssh.h"

#define COMPRESS_SCRATCH (SSH_MAX_PACKET + 1024)

enum comp_kind compress_kind(const char *name)
{
	if (!strcmp(name, "zlib@openssh.com")) return COMP_ZLIB_DELAYED;
	return COMP_NONE;
}

static int start(struct compress *c, int out)
{
	compress_end(c, out);
	memset(&c->z, 0, sizeof c->z);
	if (out) {
		if (deflateInit(&c->z, Z_DEFAULT_COMPRESSION) != Z_OK) return (errno = ENOMEM, 0);
	} else {
		if (inflateInit(&c->z) != Z_OK) return (errno = ENOMEM, 0);
	}
	c->started = 1;
	if (!c->scratch && !(c->scratch = malloc(COMPRESS_SCRATCH))) {
		compress_end(c, out);
		return (errno = ENOMEM, 0);
	}
	return 1;
}

/* At NEWKEYS: (re)starts the stream the negotiated kind asks for now. */
int compress_activate(struct compress *c, int out, int after_auth)
{
	if (c->kind == COMP_ZLIB_DELAYED && after_auth) return start(c, out);
	compress_end(c, out);
	return 1;
}

/* After USERAUTH_SUCCESS: zlib@openssh.com begins. */
int compress_after_auth(struct compress *c, int out)
{
	return c->kind == COMP_ZLIB_DELAYED ? start(c, out) : 1;
}

int compress_payload(struct compress *c, const unsigned char *in, size_t n,
		     const unsigned char **out, size_t *outlen)
{
	c->z.next_in = (unsigned char *)in;
	c->z.avail_in = (unsigned)n;
	c->z.next_out = c->scratch;
	c->z.avail_out = COMPRESS_SCRATCH;
	if (deflate(&c->z, Z_PARTIAL_FLUSH) != Z_OK || c->z.avail_in || !c->z.avail_out)
		return (errno = EMSGSIZE, 0);
	*out = c->scratch;
	*outlen = COMPRESS_SCRATCH - c->z.avail_out;
	return 1;
}

int uncompress_payload(struct compress *c, const unsigned char *in, size_t n,
		       const unsigned char **out, size_t *outlen)
{
	int r;
	c->z.next_in = (unsigned char *)in;
	c->z.avail_in = (unsigned)n;
	c->z.next_out = c->scratch;
	c->z.avail_out = SSH_MAX_PAYLOAD;
	r = inflate(&c->z, Z_SYNC_FLUSH);
	/* Z_BUF_ERROR with nothing left to read means the packet was consumed. */
	if ((r != Z_OK && r != Z_BUF_ERROR) || c->z.avail_in)
		return (errno = r == Z_OK ? EMSGSIZE : EPROTO, 0);
	*out = c->scratch;
	*outlen = SSH_MAX_PAYLOAD - c->z.avail_out;
	if (!*outlen) return (errno = EPROTO, 0);
	return 1;
}

void compress_end(struct compress *c, int out)
{
	if (!c->started) return;
	if (out)
		deflateEnd(&c->z);
	else
		inflateEnd(&c->z);
	c->started = 0;
}

void compress_free(struct compress *c, int out)
{
	compress_end(c, out);
	free(c->scratch);
	c->scratch = 0;
}
