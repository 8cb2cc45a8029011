/* ctrl: control channel I/O, clear or TLS, non-blocking with deadlines.
 * Replies are built in the session's buffer and written whole; command
 * lines come through the bounded line reader in parse.c. */
#include <errno.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <tls.h>

#include "ftpsd.h"
#include "log/log.h"
#include "sandbox/sandbox.h"

int64_t ftp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ftp_wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - ftp_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		struct pollfd p = {fd, events, 0};
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0) return 1;
		if (r < 0 && errno != EINTR) return 0;
	}
}

__attribute__((noreturn)) void ftp_exit(struct ftp_session *s, int code)
{
	if (s->tls) {
		tls_close(s->tls);
	}
	_exit(code);
}

/* Session process: replies go to the network process as FM_DATA records. */
static void relay_write_all(struct ftp_session *s, const char *p, size_t n, int64_t deadline)
{
	unsigned char rec[1 + FM_DATA_MAX];
	while (n) {
		size_t k = n < FM_DATA_MAX ? n : FM_DATA_MAX;
		rec[0] = FM_DATA;
		memcpy(rec + 1, p, k);
		ssize_t w = send(s->fd_out, rec, k + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!ftp_wait_fd(s->fd_out, POLLOUT, deadline)) {
				log_info("control write timed out");
				_exit(EXIT_PEER);
			}
			continue;
		}
		if (w != (ssize_t)(k + 1)) _exit(EXIT_PEER); /* the network process is gone */
		p += k;
		n -= k;
	}
}

static void ctrl_write_all(struct ftp_session *s, const char *p, size_t n)
{
	int64_t deadline = ftp_now_ms() + (int64_t)s->cf[FC_STALL_TIMEOUT].num * 1000;
	if (s->relay) {
		relay_write_all(s, p, n, deadline);
		return;
	}
	while (n) {
		ssize_t w;
		short ev = POLLOUT;
		if (s->tls) {
			w = tls_write(s->tls, p, n);
			if (w == TLS_WANT_POLLIN || w == TLS_WANT_POLLOUT) {
				ev = w == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
				w = -2;
			} else if (w < 0) {
				log_info("control write: %s", tls_error(s->tls));
				_exit(EXIT_PEER);
			}
		} else {
			w = write(s->fd_out, p, n);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				w = -2;
			else if (w < 0) {
				log_info("control write: %s", strerror(errno));
				_exit(EXIT_PEER);
			}
		}
		if (w == -2) {
			if (!ftp_wait_fd(ev == POLLIN ? s->fd_in : s->fd_out, ev, deadline)) {
				log_info("control write timed out");
				_exit(EXIT_PEER);
			}
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void out_flush(struct ftp_session *s)
{
	if (s->outlen) ctrl_write_all(s, s->out, s->outlen);
	s->outlen = 0;
}

/* Appends "prefix text\r\n"; text is cut at a line break so a file name
 * with CR/LF cannot inject reply lines. */
static void out_add(struct ftp_session *s, const char *prefix, const char *fmt, va_list ap)
{
	char text[FTP_REPLY_MAX - 16];
	int n = vsnprintf(text, sizeof text, fmt, ap);
	if (n < 0) n = 0;
	if ((size_t)n >= sizeof text) n = (int)sizeof text - 1;
	for (int i = 0; i < n; i++)
		if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0') text[i] = ' ';
	size_t pl = strlen(prefix);
	if (s->outlen + pl + (size_t)n + 2 > sizeof s->out) out_flush(s);
	memcpy(s->out + s->outlen, prefix, pl);
	s->outlen += pl;
	memcpy(s->out + s->outlen, text, (size_t)n);
	s->outlen += (size_t)n;
	memcpy(s->out + s->outlen, "\r\n", 2);
	s->outlen += 2;
}

/* One reply line "NNN text" (last) or "NNN-text" (more follow). */
static void reply_line(struct ftp_session *s, int code, char sep, const char *fmt, va_list ap)
{
	char prefix[8];
	snprintf(prefix, sizeof prefix, "%03d%c", code, sep);
	out_add(s, prefix, fmt, ap);
	if (sep == ' ') out_flush(s);
}

void ftp_reply(struct ftp_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_line(s, code, ' ', fmt, ap);
	va_end(ap);
}

void ftp_reply_begin(struct ftp_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_line(s, code, '-', fmt, ap);
	va_end(ap);
}

void ftp_reply_line(struct ftp_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_add(s, " ", fmt, ap);
	va_end(ap);
}

void ftp_reply_end(struct ftp_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_line(s, code, ' ', fmt, ap);
	va_end(ap);
}

void ftp_reply_errno(struct ftp_session *s, int code, const char *what)
{
	const char *why;
	switch (errno) {
	case ENOENT:
		why = "No such file or directory";
		break;
	case EACCES:
	case EPERM:
		why = "Permission denied";
		break;
	case EEXIST:
		why = "File exists";
		break;
	case ENOTDIR:
		why = "Not a directory";
		break;
	case EISDIR:
		why = "Is a directory";
		break;
	case ENOTEMPTY:
		why = "Directory not empty";
		break;
	case ENOSPC:
	case EDQUOT:
		why = "No space left";
		break;
	case EROFS:
		why = "Read-only file system";
		break;
	case ENAMETOOLONG:
		why = "File name too long";
		break;
	case EXDEV:
		why = "Path leaves the root";
		break;
	case ELOOP:
		why = "Too many symbolic links";
		break;
	default:
		why = "Failed";
		break;
	}
	ftp_reply(s, code, "%s: %s", what, why);
}

void ftp_ctrl_pollfd(const struct ftp_session *s, int *fd, short *events)
{
	*fd = s->fd_in;
	*events = POLLIN;
}

/* Session process: the next record from the network process.  1 a record
 * was handled, 0 none yet, -1 end (the network process is gone, or said
 * something it must not). */
static int relay_take_record(struct ftp_session *s)
{
	unsigned char rec[1 + FM_DATA_MAX + 8];
	char name[64];
	ssize_t n = recv(s->fd_in, rec, sizeof rec, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
	if (n <= 0) return -1;
	if ((size_t)n > sizeof rec) {
		log_error("network process: control record too long");
		return -1;
	}
	if (rec[0] == FM_DATA && n > 1 && (size_t)n <= 1 + FM_DATA_MAX) {
		memcpy(s->rin, rec + 1, (size_t)n - 1);
		s->rin_len = (size_t)n - 1;
		s->rin_off = 0;
		sodium_memzero(rec, (size_t)n);
		return 1;
	}
	if (rec[0] == FM_VIOLATION && n == 5) {
		long nr = (long)((uint32_t)rec[1] << 24 | (uint32_t)rec[2] << 16 |
				 (uint32_t)rec[3] << 8 | rec[4]);
		log_error("network process: forbidden system call %s; connection closed",
			  sandbox_syscall_name(nr, name, sizeof name));
		return -1;
	}
	log_error("network process: unexpected record %u; connection closed", rec[0]);
	return -1;
}

/* Session process: control bytes from the network process. */
static int relay_read_some(struct ftp_session *s, size_t room)
{
	if (s->rin_off == s->rin_len) {
		int r = relay_take_record(s);
		if (r <= 0) return r;
	}
	size_t k = s->rin_len - s->rin_off;
	if (k > room) k = room;
	ftp_line_feed(&s->lb, (const char *)s->rin + s->rin_off, k);
	sodium_memzero(s->rin + s->rin_off, k);
	s->rin_off += k;
	return 1;
}

/* One non-blocking read into the line buffer: 1 read something, 0 would
 * block, -1 EOF or error.  *want gets the poll event to wait for. */
static int ctrl_read_some(struct ftp_session *s, short *want)
{
	char tmp[4096];
	size_t room = ftp_line_room(&s->lb);
	if (room > sizeof tmp) room = sizeof tmp;
	if (!room) return 1;
	ssize_t r;
	*want = POLLIN;
	if (s->relay) return relay_read_some(s, room);
	if (s->tls) {
		r = tls_read(s->tls, tmp, room);
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			*want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
			return 0;
		}
		if (r < 0) {
			log_info("control read: %s", tls_error(s->tls));
			return -1;
		}
	} else {
		r = read(s->fd_in, tmp, room);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
		if (r < 0) {
			log_info("control read: %s", strerror(errno));
			return -1;
		}
	}
	if (r == 0) return -1;
	ftp_line_feed(&s->lb, tmp, (size_t)r);
	sodium_memzero(tmp, (size_t)r);
	return 1;
}

int ftp_ctrl_poll_input(struct ftp_session *s)
{
	short want;
	for (int i = 0; i < 4; i++) {
		int r = ctrl_read_some(s, &want);
		if (r < 0) return 0;
		if (r == 0) break;
	}
	return 1;
}

int ftp_ctrl_take_line(struct ftp_session *s)
{
	int r = ftp_line_next(&s->lb, s->pending, sizeof s->pending, &s->pending_len);
	if (r > 0) {
		s->has_pending = 1;
		return 1;
	}
	if (r < 0) {
		if (errno == EMSGSIZE)
			ftp_reply(s, 500, "Command line too long");
		else
			ftp_reply(s, 500, "Malformed command line (bare LF, CR or NUL)");
		return -1;
	}
	return 0;
}

void ftp_ctrl_read_line(struct ftp_session *s, int64_t deadline_ms)
{
	if (s->has_pending) return;
	for (;;) {
		int t;
		while ((t = ftp_ctrl_take_line(s)) != 0)
			if (t > 0) return;
		short want;
		int r = ctrl_read_some(s, &want);
		if (r < 0) ftp_exit(s, EXIT_OK);
		if (r > 0) continue;
		if (!ftp_wait_fd(want == POLLOUT ? s->fd_out : s->fd_in, want, deadline_ms)) {
			ftp_reply(s, 421, "Timeout, closing control connection");
			log_info("timeout");
			ftp_exit(s, EXIT_PEER);
		}
	}
}
