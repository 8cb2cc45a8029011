/* tlsbuf: buffered socket I/O under libtls for data connections.  libtls
 * over OpenSSL does one write(2) per 16 KiB TLS record and two read(2)s
 * per record; through tls_accept_cbs these callbacks batch records into
 * 256 KiB reads and writes, which cuts the system time of a bulk transfer
 * several times.  The session must flush after every libtls call. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tls.h>

#include "data.h"

static ssize_t tb_read(struct tls *ctx, void *buf, size_t len, void *arg)
{
	struct ftp_tlsbuf *tb = arg;
	if (tb->roff == tb->rlen) {
		ssize_t r = read(tb->fd, tb->r, sizeof tb->r);
		if (r < 0) return (errno == EAGAIN || errno == EINTR) ? TLS_WANT_POLLIN : -1;
		if (r == 0) return 0;
		tb->roff = 0;
		tb->rlen = (size_t)r;
	}
	size_t n = tb->rlen - tb->roff;
	if (n > len) n = len;
	memcpy(buf, tb->r + tb->roff, n);
	tb->roff += n;
	return (ssize_t)n;
}

static ssize_t tb_write(struct tls *ctx, const void *buf, size_t len, void *arg)
{
	struct ftp_tlsbuf *tb = arg;
	/* refill only once the socket took everything: each wake-up then
	 * writes as much as the socket accepts, never a sliver */
	if (tb->wlen == sizeof tb->w || tb->woff) {
		int f = ftp_tlsbuf_flush(tb);
		if (f < 0) return -1;
		if (f == 0) return TLS_WANT_POLLOUT;
	}
	size_t n = sizeof tb->w - tb->wlen;
	if (n > len) n = len;
	memcpy(tb->w + tb->wlen, buf, n);
	tb->wlen += n;
	return (ssize_t)n;
}

int ftp_tlsbuf_flush(struct ftp_tlsbuf *tb)
{
	while (tb->woff < tb->wlen) {
		ssize_t w = write(tb->fd, tb->w + tb->woff, tb->wlen - tb->woff);
		if (w < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) break;
			return -1;
		}
		tb->woff += (size_t)w;
	}
	if (tb->woff == tb->wlen) {
		tb->woff = tb->wlen = 0;
		return 1;
	}
	return 0;
}

int ftp_tlsbuf_pending(const struct ftp_tlsbuf *tb)
{
	return tb && tb->woff < tb->wlen;
}

int ftp_tlsbuf_drain(struct ftp_tlsbuf *tb, int64_t deadline_ms)
{
	int f;
	while ((f = ftp_tlsbuf_flush(tb)) == 0)
		if (!ftp_wait_fd(tb->fd, POLLOUT, deadline_ms)) return 0;
	return f > 0;
}

int ftp_tlsbuf_accept(struct ftp_session *s, struct ftp_dconn *dc)
{
	dc->tb = calloc(1, sizeof *dc->tb);
	if (!dc->tb) return 0;
	dc->tb->fd = dc->fd;
	return tls_accept_cbs(s->tls_srv, &dc->tls, tb_read, tb_write, dc->tb) == 0;
}
