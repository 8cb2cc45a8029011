/* peer: describe the other end of the connection for logs and policy —
 * getpeername on the socket, else the ucspi-tcp (TCPREMOTEIP/TCPREMOTEPORT)
 * or systemd (REMOTE_ADDR/REMOTE_PORT) environment, else "local".
 * Environment values are validated and canonicalised; garbage is ignored. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peer.h"

int peer_fd_is_tcp(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	struct sockaddr_storage ss;
	socklen_t slen = sizeof ss;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) return 0;
	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0) return 0;
	return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

/* An IPv4-mapped IPv6 address is shown as IPv4. */
void peer_assign(struct peer *p, int family, const void *bin, unsigned port)
{
	const unsigned char *b = bin;
	struct in6_addr a6;

	if (family == AF_INET6) {
		memcpy(&a6, bin, sizeof a6); /* bin may be unaligned (a wire record) */
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			family = AF_INET;
			b += 12;
		}
	}
	if (!inet_ntop(family, b, p->ip, sizeof p->ip)) {
		snprintf(p->ip, sizeof p->ip, "local");
		snprintf(p->text, sizeof p->text, "local");
		p->port = 0;
		return;
	}
	p->port = port;
	memset(&p->addr, 0, sizeof p->addr);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, b, 16);
		s6->sin6_port = htons((uint16_t)port);
		p->addrlen = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, b, 4);
		s4->sin_port = htons((uint16_t)port);
		p->addrlen = sizeof *s4;
	}
	if (family == AF_INET6)
		snprintf(p->text, sizeof p->text, "[%s]:%u", p->ip, port);
	else
		snprintf(p->text, sizeof p->text, "%s:%u", p->ip, port);
}

static int peer_from_socket(int fd, struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (!peer_fd_is_tcp(fd)) return 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) return 0;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		peer_assign(p, AF_INET, &s4->sin_addr, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		peer_assign(p, AF_INET6, &s6->sin6_addr, ntohs(s6->sin6_port));
	} else {
		return 0;
	}
	/* The socket's own form (an IPv4-mapped address stays one), which
	 * callers compare with other sockets' addresses. */
	p->addr = ss;
	p->addrlen = len;
	p->is_socket = 1;
	return 1;
}

/* Strict port: 1 to 5 digits, 1..65535, nothing else. */
static int peer_scan_port(const char *s, unsigned *port)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5) return 0;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (!i || !n || n > 65535) return 0;
	*port = n;
	return 1;
}

static int peer_from_env(struct peer *p, const char *ipvar, const char *portvar)
{
	const char *ip = getenv(ipvar), *port = getenv(portvar);
	unsigned char bin[sizeof(struct in6_addr)];
	unsigned n;

	if (!ip || !port || !peer_scan_port(port, &n)) return 0;
	if (inet_pton(AF_INET, ip, bin) == 1)
		peer_assign(p, AF_INET, bin, n);
	else if (inet_pton(AF_INET6, ip, bin) == 1)
		peer_assign(p, AF_INET6, bin, n);
	else
		return 0;
	return 1;
}

void peer_describe(int fd, struct peer *p)
{
	memset(p, 0, sizeof *p);
	if (peer_from_socket(fd, p)) return;
	memset(p, 0, sizeof *p);
	if (peer_from_env(p, "TCPREMOTEIP", "TCPREMOTEPORT")) return;
	if (peer_from_env(p, "REMOTE_ADDR", "REMOTE_PORT")) return;
	snprintf(p->ip, sizeof p->ip, "local");
	snprintf(p->text, sizeof p->text, "local");
}
