/* peer_proxy: the PROXY protocol header (versions 1 and 2, HAProxy's
 * proxy-protocol.txt) that a load balancer sends before the client's
 * bytes.  The header is read exactly: what follows it (an SSH version
 * line, a TLS ClientHello) stays in the socket for the server. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "peer.h"

#define V1_MAX 107 /* "PROXY TCP6 " + two full IPv6 addresses + ports + CRLF */
#define V2_FIXED 16
#define V2_INET_LEN 12
#define V2_INET6_LEN 36

static const unsigned char v2_signature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

/* --- version 1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n" ------- */

/* The next space-terminated field of line (no empty field). */
static int v1_field(const char **p, const char *end, char *out, size_t cap)
{
	const char *q = *p;
	size_t n = 0;
	while (q < end && *q != ' ')
		q++;
	n = (size_t)(q - *p);
	if (!n || n >= cap) return 0;
	memcpy(out, *p, n);
	out[n] = 0;
	*p = q < end ? q + 1 : q;
	return 1;
}

static int v1_port(const char *s, unsigned *port)
{
	unsigned n = 0;
	size_t i;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5) return 0;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (!i || (i > 1 && s[0] == '0') || n > 65535) return 0;
	*port = n;
	return 1;
}

/* line: the header without its CRLF. */
static long v1_parse_line(const char *line, size_t len, struct peer *client, const char **why)
{
	const char *p = line + 6, *end = line + len; /* after "PROXY " */
	char proto[8], src[48], dst[48], sport[8], dport[8];
	unsigned char sbin[16], dbin[16];
	unsigned sp, dp;
	int family;

	if (!v1_field(&p, end, proto, sizeof proto)) return (*why = "no protocol", -1);
	if (!strcmp(proto, "UNKNOWN")) return (long)len + 2; /* the rest is ignored */
	if (!strcmp(proto, "TCP4"))
		family = AF_INET;
	else if (!strcmp(proto, "TCP6"))
		family = AF_INET6;
	else
		return (*why = "unknown protocol", -1);
	if (!v1_field(&p, end, src, sizeof src) || !v1_field(&p, end, dst, sizeof dst) ||
	    !v1_field(&p, end, sport, sizeof sport) || !v1_field(&p, end, dport, sizeof dport) ||
	    p != end || end[-1] == ' ')
		return (*why = "fields missing, extra or not separated by single spaces", -1);
	if (inet_pton(family, src, sbin) != 1 || inet_pton(family, dst, dbin) != 1)
		return (*why = "address does not match the protocol", -1);
	if (!v1_port(sport, &sp) || !v1_port(dport, &dp)) return (*why = "bad port", -1);
	peer_assign(client, family, sbin, sp);
	return (long)len + 2;
}

static long v1_parse(const unsigned char *buf, size_t len, struct peer *client, const char **why)
{
	size_t scan = len < V1_MAX ? len : V1_MAX;
	for (size_t i = 0; i < scan; i++) {
		if (buf[i] == '\r') {
			if (i + 1 == len) return 0;
			if (buf[i + 1] != '\n') return (*why = "CR without LF", -1);
			return v1_parse_line((const char *)buf, i, client, why);
		}
		if (buf[i] < 0x20 || buf[i] > 0x7e) return (*why = "control character", -1);
	}
	if (len >= V1_MAX) return (*why = "version 1 line longer than 107 bytes", -1);
	return 0;
}

/* --- version 2: binary ------------------------------------------------- */

static long v2_parse(const unsigned char *buf, size_t len, struct peer *client, const char **why)
{
	size_t body, total;
	unsigned cmd, family, transport;

	if (len < V2_FIXED) return 0;
	if ((buf[12] >> 4) != 2) return (*why = "version 2 signature with another version", -1);
	cmd = buf[12] & 0x0f;
	family = buf[13] >> 4;
	transport = buf[13] & 0x0f;
	body = (size_t)buf[14] << 8 | buf[15];
	total = V2_FIXED + body;
	if (total > PEER_PROXY_MAX) return (*why = "version 2 header too long", -1);
	if (cmd > 1) return (*why = "unknown command", -1);
	if (family > 3 || transport > 2) return (*why = "unknown address family or transport", -1);
	if (len < total) return 0;
	if (cmd == 0) return (long)total; /* LOCAL: the proxy's own connection */
	if (family == 1 || family == 2) {
		size_t need = family == 1 ? V2_INET_LEN : V2_INET6_LEN;
		size_t alen = family == 1 ? 4 : 16;
		const unsigned char *a = buf + V2_FIXED;
		if (body < need) return (*why = "address block shorter than its family", -1);
		if (transport != 1) return (*why = "not a stream connection", -1);
		peer_assign(client, family == 1 ? AF_INET : AF_INET6, a,
			    (unsigned)a[2 * alen] << 8 | a[2 * alen + 1]);
	}
	/* UNSPEC or UNIX: nothing usable, the proxy's address stays. */
	return (long)total;
}

long peer_proxy_parse(const unsigned char *buf, size_t len, unsigned versions, struct peer *client,
		      const char **why)
{
	static const char v1_start[6] = "PROXY ";
	size_t n;

	*why = 0;
	if (!len) return 0;
	n = len < sizeof v2_signature ? len : sizeof v2_signature;
	if (buf[0] == v2_signature[0]) {
		if (memcmp(buf, v2_signature, n)) return (*why = "not a PROXY header", -1);
		if (!(versions & PEER_PROXY_V2))
			return (*why = "version 2 header not accepted", -1);
		return v2_parse(buf, len, client, why);
	}
	n = len < sizeof v1_start ? len : sizeof v1_start;
	if (memcmp(buf, v1_start, n)) return (*why = "not a PROXY header", -1);
	if (!(versions & PEER_PROXY_V1)) return (*why = "version 1 header not accepted", -1);
	if (len < sizeof v1_start) return 0;
	return v1_parse(buf, len, client, why);
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Peeks until a whole header is there: the bytes after it are never taken. */
int peer_proxy_read(int fd, unsigned versions, int timeout_ms, struct peer *p, const char **why)
{
	unsigned char buf[PEER_PROXY_MAX];
	struct timespec deadline;
	size_t seen = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
		long left = ms_left(&deadline);
		if (n == 0) return (*why = "connection closed before the PROXY header ended", 0);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return (*why = strerror(errno), 0);
		if (n > 0) {
			struct peer client = *p;
			long r = peer_proxy_parse(buf, (size_t)n, versions, &client, why);
			if (r < 0) return 0;
			if (r > 0) {
				if (recv(fd, buf, (size_t)r, MSG_WAITALL) != r)
					return (*why = "PROXY header lost while reading it", 0);
				*p = client;
				return 1;
			}
		}
		if (left <= 0) return (*why = "no complete PROXY header in time", 0);
		if (n > 0 && (size_t)n == seen) {
			/* A partial header already seen: poll would return at
			 * once, so wait a little for the rest. */
			struct timespec pause = {0, 2000000};
			nanosleep(&pause, 0);
			continue;
		}
		if (n > 0) seen = (size_t)n;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return (*why = strerror(errno), 0);
	}
}
