/* parse: the bounded line reader and every FTP argument parser.
 * Each parser consumes its whole argument or fails with EPROTO; nothing
 * here allocates or does I/O, so all of it is unit tested and fuzzed. */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define TELNET_IAC 0xff

size_t ftp_line_room(const struct ftp_linebuf *lb)
{
	return sizeof lb->buf - lb->len;
}

void ftp_line_feed(struct ftp_linebuf *lb, const char *p, size_t n)
{
	for (size_t i = 0; i < n && lb->len < sizeof lb->buf; i++) {
		unsigned char c = (unsigned char)p[i];
		if (lb->iac) {
			lb->iac = 0;
			if (c != TELNET_IAC) continue; /* IAC IP, IAC DM, ...: dropped */
		} else if (c == TELNET_IAC) {
			lb->iac = 1;
			continue;
		}
		lb->buf[lb->len++] = (char)c;
	}
}

/* Drops n bytes and clears the freed tail, so a PASS line does not linger. */
static void line_consume(struct ftp_linebuf *lb, size_t n)
{
	memmove(lb->buf, lb->buf + n, lb->len - n);
	lb->len -= n;
	memset(lb->buf + lb->len, 0, n);
}

int ftp_line_next(struct ftp_linebuf *lb, char *out, size_t cap, size_t *outlen)
{
	char *lf = memchr(lb->buf, '\n', lb->len);
	if (lb->discarding) {
		if (!lf) {
			memset(lb->buf, 0, lb->len);
			lb->len = 0;
			return 0;
		}
		line_consume(lb, (size_t)(lf - lb->buf) + 1);
		lb->discarding = 0;
		lf = memchr(lb->buf, '\n', lb->len);
	}
	if (!lf) {
		if (lb->len < sizeof lb->buf) return 0;
		memset(lb->buf, 0, lb->len);
		lb->len = 0;
		lb->discarding = 1;
		errno = EMSGSIZE;
		return -1;
	}
	size_t n = (size_t)(lf - lb->buf);
	if (n == 0 || lb->buf[n - 1] != '\r') {
		line_consume(lb, n + 1);
		errno = EPROTO;
		return -1;
	}
	n--;
	if (n > FTP_MAX_LINE || n >= cap) {
		line_consume(lb, n + 2);
		errno = EMSGSIZE;
		return -1;
	}
	if (memchr(lb->buf, '\0', n) || memchr(lb->buf, '\r', n)) {
		line_consume(lb, n + 2);
		errno = EPROTO;
		return -1;
	}
	memcpy(out, lb->buf, n);
	out[n] = 0;
	*outlen = n;
	line_consume(lb, n + 2);
	return 1;
}

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int ftp_parse_cmdline(const char *line, size_t len, struct ftp_cmdline *c)
{
	size_t i = 0;
	for (size_t k = 0; k < len; k++) {
		unsigned char b = (unsigned char)line[k];
		if (b < 0x20 || b == 0x7f) goto bad;
	}
	while (i < len && is_alpha(line[i])) {
		if (i >= FTP_MAX_VERB) goto bad;
		c->verb[i] = (char)(line[i] & ~0x20);
		i++;
	}
	if (i == 0) goto bad;
	c->verb[i] = 0;
	if (i == len) {
		c->arg = line + len;
		c->has_arg = 0;
		return 1;
	}
	if (line[i] != ' ') goto bad;
	c->arg = line + i + 1;
	c->has_arg = 1;
	return 1;
bad:
	errno = EPROTO;
	return 0;
}

/* Decimal number without sign or leading junk, at most max; advances *p. */
static int scan_dec(const char **p, unsigned long long max, unsigned long long *v)
{
	const char *s = *p;
	unsigned long long x = 0;
	if (*s < '0' || *s > '9') return 0;
	while (*s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (x > (max - d) / 10) return 0;
		x = x * 10 + d;
		s++;
	}
	*v = x;
	*p = s;
	return 1;
}

int ftp_parse_port(const char *arg, struct ftp_hostport *hp)
{
	unsigned long long v[6];
	const char *s = arg;
	for (int i = 0; i < 6; i++) {
		if (!scan_dec(&s, 255, &v[i])) goto bad;
		if (i < 5 && *s++ != ',') goto bad;
	}
	if (*s) goto bad;
	memset(hp, 0, sizeof *hp);
	hp->family = AF_INET;
	for (int i = 0; i < 4; i++)
		hp->addr[i] = (uint8_t)v[i];
	hp->port = (uint16_t)(v[4] << 8 | v[5]);
	return 1;
bad:
	errno = EPROTO;
	return 0;
}

int ftp_parse_eprt(const char *arg, struct ftp_hostport *hp)
{
	char d = arg[0];
	char ip[INET6_ADDRSTRLEN + 1];
	unsigned long long proto, port;
	const char *s = arg + 1;
	if (d < 33 || d > 126 || (d >= '0' && d <= '9')) goto bad;
	if (!scan_dec(&s, 2, &proto) || *s++ != d) goto bad;
	const char *end = strchr(s, d);
	if (!end || (size_t)(end - s) >= sizeof ip || end == s) goto bad;
	memcpy(ip, s, (size_t)(end - s));
	ip[end - s] = 0;
	s = end + 1;
	if (!scan_dec(&s, 65535, &port) || *s++ != d || *s) goto bad;
	memset(hp, 0, sizeof *hp);
	if (proto == 1 && inet_pton(AF_INET, ip, hp->addr) == 1)
		hp->family = AF_INET;
	else if (proto == 2 && inet_pton(AF_INET6, ip, hp->addr) == 1)
		hp->family = AF_INET6;
	else
		goto bad;
	hp->port = (uint16_t)port;
	return 1;
bad:
	errno = EPROTO;
	return 0;
}

int ftp_parse_rest(const char *arg, uint64_t *off)
{
	unsigned long long v;
	const char *s = arg;
	if (!scan_dec(&s, (1ull << 63) - 1, &v) || *s) {
		errno = EPROTO;
		return 0;
	}
	*off = v;
	return 1;
}

int ftp_parse_type(const char *arg, char *type)
{
	char t = (char)(arg[0] & ~0x20);
	const char *rest = arg[0] ? arg + 1 : arg;
	if (t == 'A') {
		if (!*rest || !strcmp(rest, " N") || !strcmp(rest, " n")) {
			*type = 'A';
			return 1;
		}
		if (!strcmp(rest, " T") || !strcmp(rest, " C") || !strcmp(rest, " t") ||
		    !strcmp(rest, " c")) {
			errno = ENOTSUP;
			return 0;
		}
	} else if (t == 'I') {
		if (!*rest) {
			*type = 'I';
			return 1;
		}
	} else if (t == 'L') {
		if (!strcmp(rest, " 8")) {
			*type = 'I';
			return 1;
		}
		if (rest[0] == ' ') {
			errno = ENOTSUP;
			return 0;
		}
	} else if (t == 'E') {
		errno = ENOTSUP;
		return 0;
	}
	errno = EPROTO;
	return 0;
}

int ftp_parse_epsv(const char *arg, int *what)
{
	if (!arg[0]) {
		*what = 0;
		return 1;
	}
	if (!strcasecmp(arg, "ALL")) {
		*what = -1;
		return 1;
	}
	if ((arg[0] == '1' || arg[0] == '2') && !arg[1]) {
		*what = arg[0] - '0';
		return 1;
	}
	errno = EPROTO;
	return 0;
}

/* A label: 1..63 letters, digits, '-' or '_', not starting or ending with '-'. */
static size_t host_label_len(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return 0;
	return n;
}

int ftp_parse_pasv_address(const char *s, uint8_t ip[4])
{
	size_t len = strnlen(s, FTP_MAX_HOSTNAME + 2);
	errno = EPROTO;
	if (len == 0 || len > FTP_MAX_HOSTNAME + (s[len - 1] == '.')) return 0;
	if (s[strspn(s, "0123456789.")] == 0) return inet_pton(AF_INET, s, ip) == 1;
	for (const char *p = s;;) {
		size_t n = host_label_len(p);
		if (!n) return 0;
		const char *label = p;
		p += n;
		/* a last label with a letter first cannot be read as inet_aton's
		 * number forms (0x7f.1), which getaddrinfo would accept */
		if (!*p || (p[0] == '.' && !p[1])) return isalpha((unsigned char)label[0]) ? 2 : 0;
		if (*p++ != '.') return 0;
	}
}

const char *const ftp_fact_names[8] = {"type",	 "size",      "modify",	    "perm",
				       "unique", "UNIX.mode", "UNIX.owner", "UNIX.group"};

int ftp_parse_mlst_facts(const char *arg, unsigned *mask)
{
	unsigned m = 0;
	const char *s = arg;
	while (*s) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0) goto bad;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] <= ' ' || s[i] == '=' ||
			    (unsigned char)s[i] >= 0x7f)
				goto bad;
		for (unsigned i = 0; i < 8; i++)
			if (strlen(ftp_fact_names[i]) == n && !strncasecmp(s, ftp_fact_names[i], n))
				m |= 1u << i;
		s += n;
		if (*s == ';') s++;
	}
	*mask = m;
	return 1;
bad:
	errno = EPROTO;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

static int dig(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int ftp_parse_time(const char *s, size_t len, time_t *t)
{
	if (len < 14) goto bad;
	if (len > 14) {
		if (s[14] != '.' || len == 15 || len > 18 || dig(s + 15, len - 15) < 0) goto bad;
	}
	int y = dig(s, 4), mo = dig(s + 4, 2), d = dig(s + 6, 2);
	int h = dig(s + 8, 2), mi = dig(s + 10, 2), se = dig(s + 12, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    se < 0 || se > 60)
		goto bad;
	if (d > days_in_month(y, mo)) goto bad;
	/* days since epoch, civil-from-days inverse */
	long long yy = y - (mo <= 2), era = yy / 400;
	long long yoe = yy - era * 400;
	long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = era * 146097 + doe - 719468;
	*t = (time_t)(days * 86400 + h * 3600 + mi * 60 + se);
	return 1;
bad:
	errno = EPROTO;
	return 0;
}

int ftp_parse_port_range(const char *s, unsigned *lo, unsigned *hi)
{
	unsigned long long a, b;
	if (!scan_dec(&s, 65535, &a) || *s++ != '-' || !scan_dec(&s, 65535, &b) || *s || a < 1024 ||
	    b < a) {
		errno = EINVAL;
		return 0;
	}
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 1;
}

int ftp_parse_chmod(const char *arg, unsigned *mode, const char **path)
{
	unsigned m = 0;
	const char *s = arg;
	int n = 0;
	while (*s >= '0' && *s <= '7') {
		if (++n > 4) goto bad;
		m = m * 8 + (unsigned)(*s - '0');
		s++;
	}
	if (n == 0 || *s != ' ' || !s[1]) goto bad;
	*mode = m;
	*path = s + 1;
	return 1;
bad:
	errno = EPROTO;
	return 0;
}
