/* xfer: the transfer engine.  One loop moves bytes between a file (or a
 * directory listing) and the data connection, with ASCII conversion and
 * MODE Z (zlib) as stages, while it watches the control connection for
 * ABOR and STAT and enforces the stall timeout and upload ceiling. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include <tls.h>

#include "cmd.h"
#include "data.h"
#include "log/log.h"

#define XFER_WIRE (FTP_XFER_CHUNK * 2 + 64)

enum xfer_end { XFER_OK, XFER_ABORTED, XFER_NET, XFER_LOCAL, XFER_STALL, XFER_TOOBIG };

struct xfer {
	struct ftp_session *s;
	struct ftp_dconn dc;
	int sending;
	/* a file transfer's name as the client gave it (copied: the command
	 * line is reused for ABOR and STAT during the transfer); "" for listings */
	char path[SLUICE_MAX_PATH];
	/* source (send) or sink (receive) */
	int fd;
	DIR *dir;
	const char *mem; /* a prepared listing of one entry */
	size_t memlen;
	const char *dirpath;
	const char *pattern; /* NLST/LIST glob on the last component, or NULL */
	int list_kind;
	uint64_t start;
	/* stages */
	int ascii, zmode, z_open, src_eof, z_end, cr_pending;
	z_stream z;
	char *a, *b, *w; /* a: raw, b: converted, w: wire */
	size_t wlen, woff;
	int ctrl_blocked;
	int64_t stall_ms, deadline;
};

/* ---- sources ---- */

static size_t list_fill(struct xfer *x, char *out, size_t cap)
{
	size_t n = 0;
	struct dirent *de;
	while (cap - n > 2 * SLUICE_MAX_PATH + 256 && (de = readdir(x->dir))) {
		if (x->list_kind != FTP_LIST_MLSD && de->d_name[0] == '.') continue;
		if (x->pattern && fnmatch(x->pattern, de->d_name, FNM_PERIOD) != 0) continue;
		char path[SLUICE_MAX_PATH];
		struct stat st;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dirpath, de->d_name) >=
		    sizeof path)
			continue;
		if (!fs_lstat(&x->s->root, path, &st)) continue;
		int cdir = x->list_kind == FTP_LIST_MLSD &&
			   (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."));
		if (x->list_kind == FTP_LIST_MLSD && !strcmp(de->d_name, "..")) continue;
		if (cdir)
			n += ftp_list_facts(x->s, de->d_name, &st, 1, out + n, cap - n);
		else
			n += ftp_list_format(x->s, x->list_kind, de->d_name, &st, out + n, cap - n);
	}
	return n;
}

/* Plain (network-form) bytes: a file read, LF -> CRLF in ASCII, or listing lines. */
static ssize_t plain_fill(struct xfer *x, char *out, size_t cap)
{
	if (x->dir) return (ssize_t)list_fill(x, out, cap);
	if (x->mem) {
		size_t n = x->memlen < cap ? x->memlen : cap;
		memcpy(out, x->mem, n);
		x->mem += n;
		x->memlen -= n;
		return (ssize_t)n;
	}
	if (!x->ascii) return read(x->fd, out, cap);
	ssize_t r = read(x->fd, x->a, cap / 2);
	if (r <= 0) return r;
	size_t n = 0;
	for (ssize_t i = 0; i < r; i++) {
		if (x->a[i] == '\n') out[n++] = '\r';
		out[n++] = x->a[i];
	}
	return (ssize_t)n;
}

/* Fills x->w with wire bytes; 1 ok (wlen may be 0 at the end), 0 local error. */
static int wire_fill(struct xfer *x)
{
	x->woff = x->wlen = 0;
	if (!x->zmode) {
		ssize_t r = plain_fill(x, x->w, FTP_XFER_CHUNK * 2);
		if (r < 0) return 0;
		x->wlen = (size_t)r;
		return 1;
	}
	while (!x->wlen && !x->z_end) {
		if (x->z.avail_in == 0 && !x->src_eof) {
			ssize_t r = plain_fill(x, x->b, FTP_XFER_CHUNK * 2);
			if (r < 0) return 0;
			if (r == 0) x->src_eof = 1;
			x->z.next_in = (Bytef *)x->b;
			x->z.avail_in = (uInt)r;
		}
		x->z.next_out = (Bytef *)x->w;
		x->z.avail_out = XFER_WIRE;
		int zr = deflate(&x->z, x->src_eof ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			x->z_end = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return 0;
		x->wlen = XFER_WIRE - x->z.avail_out;
	}
	return 1;
}

/* ---- sink ---- */

static int sink_write(struct xfer *x, const char *p, size_t n)
{
	uint64_t max = x->s->max_upload;
	if (max && x->start + x->s->xfer_bytes + n > max) {
		errno = EFBIG;
		return 0;
	}
	while (n) {
		ssize_t w = write(x->fd, p, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return 0;
		}
		p += w;
		n -= (size_t)w;
		x->s->xfer_bytes += (uint64_t)w;
	}
	return 1;
}

/* CRLF -> LF in ASCII mode, keeping a CR that ends one chunk for the next. */
static int plain_put(struct xfer *x, const char *p, size_t n)
{
	if (!x->ascii) return sink_write(x, p, n);
	size_t k = 0;
	char *o = x->a;
	if (x->cr_pending) {
		if (n && p[0] != '\n') o[k++] = '\r';
		x->cr_pending = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r') {
			if (i + 1 == n) {
				x->cr_pending = 1;
				break;
			}
			if (p[i + 1] == '\n') continue;
		}
		o[k++] = p[i];
		if (k == FTP_XFER_CHUNK) {
			if (!sink_write(x, o, k)) return 0;
			k = 0;
		}
	}
	return sink_write(x, o, k);
}

static int wire_put(struct xfer *x, const char *p, size_t n)
{
	if (!x->zmode) return plain_put(x, p, n);
	x->z.next_in = (Bytef *)p;
	x->z.avail_in = (uInt)n;
	while (x->z.avail_in && !x->z_end) {
		x->z.next_out = (Bytef *)x->b;
		x->z.avail_out = FTP_XFER_CHUNK * 2;
		int zr = inflate(&x->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			x->z_end = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			errno = EPROTO;
			return 0;
		}
		if (!plain_put(x, x->b, FTP_XFER_CHUNK * 2 - x->z.avail_out)) return 0;
		if (zr == Z_BUF_ERROR) break;
	}
	return 1;
}

/* ---- data connection I/O: >0 bytes, 0 EOF, -1 error, -2 would block (*ev set) ---- */

static ssize_t dc_io(struct xfer *x, char *p, size_t n, short *ev)
{
	ssize_t r;
	if (x->dc.tls) {
		r = x->sending ? tls_write(x->dc.tls, p, n) : tls_read(x->dc.tls, p, n);
		/* sending, records gather in the batch buffer, which tb_write
		 * flushes when full; flush here only before waiting */
		int waits = r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT;
		if ((waits || !x->sending) && ftp_tlsbuf_flush(x->dc.tb) < 0) return -1;
		if (waits) {
			*ev = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
			return -2;
		}
		if (r < 0) log_info("data connection: %s", tls_error(x->dc.tls));
		return r < 0 ? -1 : r;
	}
	r = x->sending ? write(x->dc.fd, p, n) : read(x->dc.fd, p, n);
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		*ev = x->sending ? POLLOUT : POLLIN;
		return -2;
	}
	return r;
}

/* Handles control input during a transfer: 1 go on, 0 aborted (ABOR or
 * the control connection closed). */
static int xfer_control(struct xfer *x)
{
	struct ftp_session *s = x->s;
	if (!ftp_ctrl_poll_input(s)) return 0;
	int t;
	while (!s->has_pending && (t = ftp_ctrl_take_line(s)) != 0) {
		if (t < 0) continue;
		struct ftp_cmdline c;
		if (!ftp_parse_cmdline(s->pending, s->pending_len, &c)) continue;
		if (!strcmp(c.verb, "ABOR")) {
			s->has_pending = 0;
			return 0;
		}
		if (!strcmp(c.verb, "STAT") && !*c.arg) {
			s->has_pending = 0;
			ftp_reply(s, 213, "Status: %llu bytes transferred",
				  (unsigned long long)s->xfer_bytes);
			continue;
		}
		if (!strcmp(c.verb, "NOOP")) {
			s->has_pending = 0;
			ftp_reply(s, 200, "NOOP ok");
			continue;
		}
		/* anything else waits until the transfer ends */
		x->ctrl_blocked = 1;
	}
	return 1;
}

/* Waits for the data connection (ev) and control input; 0 on stall/abort. */
static enum xfer_end xfer_wait(struct xfer *x, short ev)
{
	for (;;) {
		int64_t left = x->deadline - ftp_now_ms();
		if (left <= 0) return XFER_STALL;
		int out = ftp_tlsbuf_pending(x->dc.tb);
		struct pollfd p[2] = {{x->dc.fd, (short)(ev | (out ? POLLOUT : 0)), 0},
				      {x->s->fd_in, POLLIN, 0}};
		int np = x->ctrl_blocked ? 1 : 2;
		int r = poll(p, (nfds_t)np, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR) return XFER_NET;
		if (r <= 0) continue;
		if (np == 2 && p[1].revents) {
			if (!xfer_control(x)) return XFER_ABORTED;
		}
		if (p[0].revents) {
			if (out && ftp_tlsbuf_flush(x->dc.tb) < 0) return XFER_NET;
			if (!out || (p[0].revents & ~POLLOUT) || ev == POLLOUT) return XFER_OK;
		}
	}
}

static enum xfer_end xfer_send(struct xfer *x)
{
	for (;;) {
		if (x->woff == x->wlen) {
			if (!wire_fill(x)) return XFER_LOCAL;
			if (!x->wlen) return XFER_OK;
		}
		short ev = POLLOUT;
		ssize_t r = dc_io(x, x->w + x->woff, x->wlen - x->woff, &ev);
		if (r > 0) {
			x->woff += (size_t)r;
			x->s->xfer_bytes += (uint64_t)r;
			x->deadline = ftp_now_ms() + x->stall_ms;
			continue;
		}
		if (r != -2) return XFER_NET;
		enum xfer_end e = xfer_wait(x, ev);
		if (e != XFER_OK) return e;
	}
}

/* Receives: TLS hands out one record per read, so reads gather in x->w
 * until it is full or the socket runs dry, then go to the file at once. */
static enum xfer_end xfer_recv(struct xfer *x)
{
	size_t have = 0;
	for (;;) {
		short ev = POLLIN;
		ssize_t r = dc_io(x, x->w + have, FTP_XFER_CHUNK - have, &ev);
		if (r > 0) {
			have += (size_t)r;
			x->deadline = ftp_now_ms() + x->stall_ms;
			if (have < FTP_XFER_CHUNK) continue;
		}
		if (have) {
			if (!wire_put(x, x->w, have))
				return errno == EFBIG ? XFER_TOOBIG : XFER_LOCAL;
			have = 0;
		}
		if (r > 0) continue;
		if (r == 0) {
			if (x->cr_pending) {
				x->cr_pending = 0;
				if (!sink_write(x, "\r", 1)) return XFER_LOCAL;
			}
			return XFER_OK;
		}
		if (r != -2) return XFER_NET;
		enum xfer_end e = xfer_wait(x, ev);
		if (e != XFER_OK) return e;
	}
}

static int xfer_setup(struct xfer *x)
{
	struct ftp_session *s = x->s;
	x->ascii = s->type == 'A' && !x->dir && !x->mem;
	x->zmode = s->mode_z;
	x->stall_ms = (int64_t)s->cf[FC_STALL_TIMEOUT].num * 1000;
	x->deadline = ftp_now_ms() + x->stall_ms;
	x->a = malloc(FTP_XFER_CHUNK);
	x->b = malloc(FTP_XFER_CHUNK * 2);
	x->w = malloc(XFER_WIRE);
	if (!x->a || !x->b || !x->w) return 0;
	if (x->zmode) {
		memset(&x->z, 0, sizeof x->z);
		int zr = x->sending ? deflateInit(&x->z, Z_BEST_SPEED) : inflateInit(&x->z);
		if (zr != Z_OK) return 0;
		x->z_open = 1;
	}
	return 1;
}

static void xfer_free(struct xfer *x)
{
	if (x->z_open) {
		if (x->sending)
			deflateEnd(&x->z);
		else
			inflateEnd(&x->z);
	}
	free(x->a);
	free(x->b);
	free(x->w);
}

static void xfer_run(struct xfer *x, const char *what)
{
	struct ftp_session *s = x->s;
	struct timespec t0, t1;
	x->dc.fd = -1;
	if (!ftp_data_ready(s)) return;
	if (!xfer_setup(x)) {
		xfer_free(x);
		ftp_reply(s, 451, "Local error: out of memory");
		return;
	}
	ftp_reply(s, 150, "Opening %s mode data connection for %s",
		  s->type == 'A' ? "ASCII" : "BINARY", what);
	s->xfer_bytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!ftp_data_open(s, &x->dc)) {
		xfer_free(x);
		if (x->path[0]) ftp_transfer_record(s, x->path, !x->sending, 0, 0, 0);
		return;
	}
	s->in_xfer = 1;
	s->busy_pages = 1;
	enum xfer_end e = x->sending ? xfer_send(x) : xfer_recv(x);
	s->in_xfer = 0;
	ftp_data_close(s, &x->dc, e == XFER_OK);
	xfer_free(x);
	switch (e) {
	case XFER_OK:
		ftp_reply(s, 226, "Transfer complete (%llu bytes)",
			  (unsigned long long)s->xfer_bytes);
		break;
	case XFER_ABORTED:
		ftp_reply(s, 426, "Transfer aborted");
		ftp_reply(s, 226, "ABOR ok");
		break;
	case XFER_STALL:
		ftp_reply(s, 426, "Transfer stalled, aborted");
		break;
	case XFER_TOOBIG:
		ftp_reply(s, 552, "Upload exceeds the maximum file size");
		break;
	case XFER_LOCAL:
		ftp_reply_errno(s, 451, "Local error");
		break;
	case XFER_NET:
		ftp_reply(s, 426, "Data connection failed, transfer aborted");
		break;
	}
	log_info("%s %s: %s, %llu bytes", x->sending ? "sent" : "received", what,
		 e == XFER_OK ? "complete" : "incomplete", (unsigned long long)s->xfer_bytes);
	if (x->path[0]) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ftp_transfer_record(
		    s, x->path, !x->sending, e == XFER_OK, (unsigned long long)s->xfer_bytes,
		    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
}

void ftp_data_send_file(struct ftp_session *s, int fd, uint64_t offset, const char *path)
{
	struct xfer x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.sending = 1;
	x.fd = fd;
	snprintf(x.path, sizeof x.path, "%s", path);
	x.start = offset;
	xfer_run(&x, "file");
	close(fd);
}

void ftp_data_send_list(struct ftp_session *s, const char *path, const char *pattern, int kind)
{
	struct xfer x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.sending = 1;
	x.fd = -1;
	x.dirpath = path;
	x.pattern = pattern;
	x.list_kind = kind;
	x.dir = fs_opendir(&s->root, path);
	if (!x.dir) {
		ftp_reply_errno(s, 550, path);
		return;
	}
	xfer_run(&x, "listing");
	closedir(x.dir);
}

void ftp_data_send_mem(struct ftp_session *s, const char *p, size_t n)
{
	struct xfer x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.sending = 1;
	x.fd = -1;
	x.mem = p;
	x.memlen = n;
	xfer_run(&x, "listing");
}

void ftp_data_recv_file(struct ftp_session *s, int fd, uint64_t start, const char *name,
			const char *path)
{
	struct xfer x;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.sending = 0;
	x.fd = fd;
	snprintf(x.path, sizeof x.path, "%s", path);
	x.start = start;
	xfer_run(&x, name);
	close(fd);
}
