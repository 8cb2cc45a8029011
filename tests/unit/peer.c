/* Unit tests for lib/peer: socketpair is local, loopback TCP (v4 and v6),
 * environment fallbacks, and garbage environment values ignored. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "peer/peer.h"

static void clear_env(void)
{
	unsetenv("TCPREMOTEIP");
	unsetenv("TCPREMOTEPORT");
	unsetenv("REMOTE_ADDR");
	unsetenv("REMOTE_PORT");
}

/* Connects a client to a loopback listener; returns the accepted fd and the
 * client's port, or -1 if the family is unavailable. */
static int tcp_pair(int family, int *client, unsigned *cport)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l, c, a;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof *s6;
	}
	l = socket(family, SOCK_STREAM, 0);
	if (l < 0) return -1;
	if (bind(l, (struct sockaddr *)&ss, len) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&ss, &len) < 0) {
		close(l);
		return -1;
	}
	c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0) {
		close(l);
		return -1;
	}
	a = accept(l, 0, 0);
	close(l);
	len = sizeof ss;
	getsockname(c, (struct sockaddr *)&ss, &len);
	*cport = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	*client = c;
	return a;
}

static void test_local(void)
{
	struct peer p;
	int sv[2];

	clear_env();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) abort();
	peer_describe(sv[0], &p);
	ok(!p.is_socket, "unix socket is not TCP");
	is_str(p.text, "local", "socketpair is local");
	is_str(p.ip, "local", "ip local");
	is_int(p.port, 0, "port 0");
	ok(!peer_fd_is_tcp(sv[0]), "peer_fd_is_tcp false on socketpair");
	close(sv[0]);
	close(sv[1]);
	peer_describe(-1, &p);
	is_str(p.text, "local", "bad fd is local");
	ok(!peer_fd_is_tcp(-1), "bad fd not TCP");
}

static void test_tcp(void)
{
	struct peer p;
	unsigned port;
	int c, a;
	char want[64];

	clear_env();
	setenv("TCPREMOTEIP", "192.0.2.1", 1);
	setenv("TCPREMOTEPORT", "99", 1);
	a = tcp_pair(AF_INET, &c, &port);
	ok(a >= 0, "loopback v4 connection");
	if (a < 0) return;
	ok(peer_fd_is_tcp(a), "accepted fd is TCP");
	peer_describe(a, &p);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	ok(p.is_socket, "is_socket");
	is_str(p.text, want, "v4 text (socket wins over env)");
	is_str(p.ip, "127.0.0.1", "v4 ip");
	is_int(p.port, port, "v4 port");
	ok(p.addr.ss_family == AF_INET && p.addrlen == sizeof(struct sockaddr_in), "addr kept");
	close(a);
	close(c);

	a = tcp_pair(AF_INET6, &c, &port);
	if (a < 0) {
		ok(1, "# skip no IPv6 loopback");
		return;
	}
	peer_describe(a, &p);
	snprintf(want, sizeof want, "[::1]:%u", port);
	is_str(p.text, want, "v6 text in brackets");
	is_str(p.ip, "::1", "v6 ip");
	close(a);
	close(c);
}

static void test_env(void)
{
	struct peer p;
	static const char *const bad_ips[] = {"",    "1.2.3",	  "1.2.3.4 ", "evil\nline",
					      "::g", "localhost", "1.2.3.4:5"};
	static const char *const bad_ports[] = {
	    "", "0", "65536", "-1", "+80", " 80", "80x", "000000080", "99999999999999999999"};
	size_t i;

	clear_env();
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	setenv("TCPREMOTEPORT", "51234", 1);
	setenv("REMOTE_ADDR", "198.51.100.1", 1);
	setenv("REMOTE_PORT", "22", 1);
	peer_describe(-1, &p);
	is_str(p.text, "192.0.2.7:51234", "TCPREMOTEIP first");
	ok(!p.is_socket, "env is not is_socket");
	setenv("TCPREMOTEPORT", "x", 1);
	peer_describe(-1, &p);
	is_str(p.text, "198.51.100.1:22", "bad TCPREMOTEPORT falls back to REMOTE_ADDR");
	clear_env();
	setenv("REMOTE_ADDR", "2001:DB8:0:0::1", 1);
	setenv("REMOTE_PORT", "65535", 1);
	peer_describe(-1, &p);
	is_str(p.text, "[2001:db8::1]:65535", "v6 from env, canonical");
	setenv("REMOTE_ADDR", "::ffff:192.0.2.9", 1);
	peer_describe(-1, &p);
	is_str(p.text, "192.0.2.9:65535", "mapped v6 shown as v4");
	is_str(p.ip, "192.0.2.9", "mapped ip");
	clear_env();
	setenv("TCPREMOTEPORT", "80", 1);
	for (i = 0; i < sizeof bad_ips / sizeof bad_ips[0]; i++) {
		setenv("TCPREMOTEIP", bad_ips[i], 1);
		peer_describe(-1, &p);
		is_str(p.text, "local", "garbage ip %zu ignored", i);
	}
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	for (i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++) {
		setenv("TCPREMOTEPORT", bad_ports[i], 1);
		peer_describe(-1, &p);
		is_str(p.text, "local", "garbage port '%s' ignored", bad_ports[i]);
	}
	unsetenv("TCPREMOTEPORT");
	peer_describe(-1, &p);
	is_str(p.text, "local", "ip without port ignored");
	clear_env();
}

int main(void)
{
	test_local();
	test_tcp();
	test_env();
	return tap_done();
}
