/* log: one line per message, "prog peer: level: message\n", written with a
 * single write(2) to fd 2, or to syslog when fd 2 is the client socket
 * (same file as fd 0) or closed.  Control characters in the formatted text
 * are shown as \xNN so client-supplied strings cannot forge log lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static char log_prog[64] = "sluice";
static char log_peer[LOG_PEER_MAX];
static int log_debug_on;
static int log_mode = -1; /* -1 undecided, 0 stderr, 1 syslog */
static log_sink_fn *log_sink;

static int log_pick_syslog(void)
{
	struct stat s0, s2;

	if (fstat(2, &s2) < 0) return 1;
	if (fstat(0, &s0) < 0) return 0;
	return s0.st_dev == s2.st_dev && s0.st_ino == s2.st_ino;
}

static void log_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len) n = len - 1;
	if (n) memcpy(dst, src, n);
	dst[n] = 0;
}

static void log_decide(void)
{
	log_mode = log_pick_syslog();
	if (log_mode) openlog(log_prog, LOG_PID, LOG_DAEMON);
}

const char *log_peer_text(void)
{
	return log_peer;
}

void log_init(const char *prog, const char *peer)
{
	if (prog && *prog) log_copy(log_prog, sizeof log_prog, prog);
	log_copy(log_peer, sizeof log_peer, peer);
	log_decide();
}

int log_uses_syslog(void)
{
	if (log_mode < 0) log_decide();
	return log_mode;
}

void log_set_debug(int on)
{
	log_debug_on = !!on;
}

/* Appends s to line at *len, escaping control characters, without passing
 * max; returns 0 if something did not fit. */
static int log_append(char *line, size_t *len, size_t max, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			if (max - *len < 4) return 0;
			line[(*len)++] = '\\';
			line[(*len)++] = 'x';
			line[(*len)++] = hex[c >> 4];
			line[(*len)++] = hex[c & 15];
		} else {
			if (max - *len < 1) return 0;
			line[(*len)++] = (char)c;
		}
	}
	return 1;
}

/* Appends "prog peer: level: msg" to line within max; 0 if it did not fit.
 * If withprog is 0 the "prog " part is left out (syslog adds it). */
static int log_build(char *line, size_t *len, size_t max, int withprog, const char *level,
		     const char *msg)
{
	if (withprog && !log_append(line, len, max, log_prog)) return 0;
	if (withprog && log_peer[0] && !log_append(line, len, max, " ")) return 0;
	if (!log_append(line, len, max, log_peer)) return 0;
	if (*len && !log_append(line, len, max, ": ")) return 0;
	return log_append(line, len, max, level) && log_append(line, len, max, ": ") &&
	       log_append(line, len, max, msg);
}

/* Builds the whole line (with "\n") into line[LOG_LINE_MAX]; returns its
 * length.  A line that does not fit is rebuilt shorter and ends in "...". */
static size_t log_format(char *line, int withprog, const char *level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	size_t len = 0;
	int n;

	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0) log_copy(msg, sizeof msg, "(bad log format)");
	if ((n >= 0 && (size_t)n >= sizeof msg) ||
	    !log_build(line, &len, LOG_LINE_MAX - 1, withprog, level, msg)) {
		len = 0;
		log_build(line, &len, LOG_LINE_MAX - 4, withprog, level, msg);
		memcpy(line + len, "...", 3);
		len += 3;
	}
	line[len++] = '\n';
	return len;
}

static void log_emit(int prio, const char *level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int e = errno;

	if (log_mode < 0) log_decide();
	len = log_format(line, !log_mode, level, fmt, ap);
	if (log_sink) {
		log_sink(prio, line, len);
	} else if (log_mode) {
		syslog(prio, "%.*s", (int)(len - 1), line);
	} else {
		while (write(2, line, len) < 0 && errno == EINTR) {
		}
	}
	errno = e;
}

void log_set_sink(log_sink_fn *sink)
{
	if (log_mode < 0) log_decide();
	log_sink = sink;
}

void log_write_formatted(int prio, const char *text, size_t n)
{
	char line[LOG_LINE_MAX + 1];
	size_t len = 0;

	if (log_mode < 0) log_decide();
	if (n > LOG_LINE_MAX) n = LOG_LINE_MAX;
	if (n && text[n - 1] == '\n') n--;
	for (size_t i = 0; i < n && len < LOG_LINE_MAX; i++) {
		unsigned char c = (unsigned char)text[i];
		line[len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (log_mode) {
		syslog(prio, "%.*s", (int)len, line);
	} else {
		line[len++] = '\n';
		while (write(2, line, len) < 0 && errno == EINTR) {
		}
	}
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, "info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on) return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, "debug", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}

void log_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "fatal", fmt, ap);
	va_end(ap);
	_exit(code);
}
