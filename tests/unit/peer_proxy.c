/* Unit tests for lib/peer's PROXY protocol parser and reader and its
 * address lists: well-formed v1 and v2 headers, every way of getting them
 * wrong, partial input, and a reader that leaves the bytes after the
 * header in the socket. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "peer/peer.h"

static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				      0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

static void proxy_peer(struct peer *p)
{
	unsigned char lo[4] = {127, 0, 0, 1};
	memset(p, 0, sizeof *p);
	peer_assign(p, AF_INET, lo, 40000);
}

/* Parses text (v1) with both versions allowed: the return value, and the
 * client's text in out. */
static long v1(const char *text, char *out, size_t cap)
{
	struct peer p;
	const char *why;
	long r;
	proxy_peer(&p);
	r = peer_proxy_parse((const unsigned char *)text, strlen(text),
			     PEER_PROXY_V1 | PEER_PROXY_V2, &p, &why);
	snprintf(out, cap, "%s", p.text);
	return r;
}

static void test_v1(void)
{
	char t[PEER_TEXT_MAX];
	const char *h4 = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22\r\nSSH-2.0-x\r\n";
	const char *h6 = "PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n";

	is_int(v1(h4, t, sizeof t), 44, "v1 TCP4: the header's length, not a byte more");
	is_str(t, "192.0.2.7:56324", "v1 TCP4: the client's address and port");
	is_int(v1(h6, t, sizeof t), (long)strlen(h6), "v1 TCP6 parsed");
	is_str(t, "[2001:db8::7]:1", "v1 TCP6: the client's address");
	is_int(v1("PROXY UNKNOWN\r\n", t, sizeof t), 15, "v1 UNKNOWN accepted");
	is_str(t, "127.0.0.1:40000", "v1 UNKNOWN: the proxy's address stays");
	is_int(v1("PROXY UNKNOWN whatever follows\r\n", t, sizeof t), 32,
	       "v1 UNKNOWN: the rest of the line is ignored");

	is_int(v1("PROXY TCP4 192.0.2.7 198.51.1", t, sizeof t), 0, "v1 partial: more needed");
	is_int(v1("PRO", t, sizeof t), 0, "v1 first bytes: more needed");
	is_int(v1("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\r", t, sizeof t), 0,
	       "v1 ending in CR: more needed");

	static const char *bad[] = {
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22\n",	/* LF only */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22\rX",	/* CR without LF */
	    "PROXY TCP5 192.0.2.7 198.51.100.1 56324 22\r\n",	/* protocol */
	    "PROXY TCP4 2001:db8::7 198.51.100.1 56324 22\r\n", /* family */
	    "PROXY TCP6 192.0.2.7 2001:db8::1 56324 22\r\n",	/* family */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 65536 22\r\n",	/* port range */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 056324 22\r\n",	/* leading zero */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 -1 22\r\n",	/* sign */
	    "PROXY TCP4 192.0.2.7  198.51.100.1 56324 22\r\n",	/* double space */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22 \r\n",	/* trailing space */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56324\r\n",	/* field missing */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22 7\r\n", /* field extra */
	    "PROXY TCP4 192.0.2.7 198.51.100.1 56\t324 22\r\n", /* control character */
	    "PROXY \r\n",					/* nothing */
	    "proxy TCP4 192.0.2.7 198.51.100.1 56324 22\r\n",	/* case */
	    "SSH-2.0-OpenSSH_9.2\r\n",				/* no header at all */
	    "\x16\x03\x01\x02\x00",				/* a TLS ClientHello */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(v1(bad[i], t, sizeof t), -1, "v1 malformed %zu refused", i);

	char longline[200];
	memset(longline, 'a', sizeof longline);
	memcpy(longline, "PROXY UNKNOWN ", 14);
	longline[sizeof longline - 1] = 0;
	is_int(v1(longline, t, sizeof t), -1, "v1 without CRLF in 107 bytes refused");
}

/* A v2 header: cmd (0 LOCAL, 1 PROXY), family/transport byte, address
 * block of alen bytes, then extra TLV bytes. */
static size_t v2_header(unsigned char *b, unsigned cmd, unsigned char famtrans, size_t alen,
			size_t extra)
{
	size_t body = alen + extra;
	memcpy(b, sig, 12);
	b[12] = (unsigned char)(0x20 | cmd);
	b[13] = famtrans;
	b[14] = (unsigned char)(body >> 8);
	b[15] = (unsigned char)body;
	for (size_t i = 0; i < body; i++)
		b[16 + i] = (unsigned char)(i + 1);
	return 16 + body;
}

static long v2(const unsigned char *b, size_t n, unsigned versions, char *out, size_t cap)
{
	struct peer p;
	const char *why;
	long r;
	proxy_peer(&p);
	r = peer_proxy_parse(b, n, versions, &p, &why);
	snprintf(out, cap, "%s", p.text);
	return r;
}

static void test_v2(void)
{
	unsigned char b[PEER_PROXY_MAX + 64];
	char t[PEER_TEXT_MAX];
	size_t n;
	const unsigned both = PEER_PROXY_V1 | PEER_PROXY_V2;

	n = v2_header(b, 1, 0x11, 12, 0);
	b[16] = 192, b[17] = 0, b[18] = 2, b[19] = 9; /* source */
	b[24] = 0xc3, b[25] = 0x50;		      /* source port 50000 */
	is_int(v2(b, n, both, t, sizeof t), 28, "v2 INET/STREAM: 16 + 12 bytes");
	is_str(t, "192.0.2.9:50000", "v2 INET: the client's address and port");
	is_int(v2(b, n + 10, both, t, sizeof t), 28, "v2: the bytes after it are not taken");
	for (size_t cut = 0; cut < n; cut++)
		if (v2(b, cut, both, t, sizeof t) != 0) {
			ok(0, "v2 cut at %zu: more needed", cut);
			break;
		} else if (cut == n - 1)
			ok(1, "v2 cut anywhere before its end: more needed");
	is_int(v2(b, n, PEER_PROXY_V1, t, sizeof t), -1, "v2 refused when only v1 is accepted");

	n = v2_header(b, 1, 0x21, 36, 7);
	memset(b + 16, 0, 16);
	b[16] = 0x20, b[17] = 0x01, b[18] = 0x0d, b[19] = 0xb8, b[31] = 5;
	b[48] = 0, b[49] = 80;
	is_int(v2(b, n, both, t, sizeof t), 16 + 36 + 7, "v2 INET6 with TLVs: TLVs skipped");
	is_str(t, "[2001:db8::5]:80", "v2 INET6: the client's address");

	n = v2_header(b, 0, 0x00, 0, 0);
	is_int(v2(b, n, both, t, sizeof t), 16, "v2 LOCAL (a health check) accepted");
	is_str(t, "127.0.0.1:40000", "v2 LOCAL: the proxy's address stays");
	n = v2_header(b, 1, 0x00, 0, 0);
	is_int(v2(b, n, both, t, sizeof t), 16, "v2 PROXY UNSPEC accepted, proxy's address stays");
	n = v2_header(b, 1, 0x31, 216, 0);
	is_int(v2(b, n, both, t, sizeof t), 16 + 216, "v2 UNIX accepted, proxy's address stays");

	n = v2_header(b, 1, 0x11, 11, 0);
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 INET with an 11-byte block refused");
	n = v2_header(b, 1, 0x21, 12, 0);
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 INET6 with a 12-byte block refused");
	n = v2_header(b, 1, 0x12, 12, 0);
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 DGRAM refused");
	n = v2_header(b, 2, 0x11, 12, 0);
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 command 2 refused");
	n = v2_header(b, 1, 0x41, 12, 0);
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 family 4 refused");
	n = v2_header(b, 1, 0x11, 12, 0);
	b[12] = 0x11;
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 signature with version 1 refused");
	n = v2_header(b, 1, 0x11, 12, 0);
	b[7] ^= 1;
	is_int(v2(b, n, both, t, sizeof t), -1, "v2 damaged signature refused");
	is_int(v2(b, 3, both, t, sizeof t), 0,
	       "v2 first 3 bytes of a damaged signature: more needed");
	b[0] = 0x0d, b[1] = 0x0a, b[2] = 0x0d, b[3] = 0x0b;
	is_int(v2(b, 4, both, t, sizeof t), -1, "v2 signature wrong in byte 4: refused at once");
	n = v2_header(b, 1, 0x11, 12, 0);
	b[14] = 0xff, b[15] = 0xff;
	is_int(v2(b, 16, both, t, sizeof t), -1, "v2 length 65535 refused before waiting for it");
}

static void test_cidr(void)
{
	struct peer_cidr c[PEER_CIDR_MAX];
	size_t n;
	const char *why;
	struct peer p;
	unsigned char a[16];

	ok(peer_cidr_parse("192.0.2.0/24, 10.1.2.3 ,2001:db8::/32", c, PEER_CIDR_MAX, &n, &why) &&
	       n == 3,
	   "CIDR list of three parsed");
	memset(&p, 0, sizeof p);
	inet_pton(AF_INET, "192.0.2.200", a);
	peer_assign(&p, AF_INET, a, 1);
	ok(peer_cidr_match(c, n, &p), "192.0.2.200 in 192.0.2.0/24");
	inet_pton(AF_INET, "192.0.3.1", a);
	peer_assign(&p, AF_INET, a, 1);
	ok(!peer_cidr_match(c, n, &p), "192.0.3.1 in none");
	inet_pton(AF_INET, "10.1.2.3", a);
	peer_assign(&p, AF_INET, a, 1);
	ok(peer_cidr_match(c, n, &p), "10.1.2.3 matches the single address");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	peer_assign(&p, AF_INET6, a, 1);
	ok(peer_cidr_match(c, n, &p), "IPv4-mapped ::ffff:10.1.2.3 matches 10.1.2.3");
	inet_pton(AF_INET6, "2001:db8:ffff::1", a);
	peer_assign(&p, AF_INET6, a, 1);
	ok(peer_cidr_match(c, n, &p), "2001:db8:ffff::1 in 2001:db8::/32");
	inet_pton(AF_INET6, "2001:db9::1", a);
	peer_assign(&p, AF_INET6, a, 1);
	ok(!peer_cidr_match(c, n, &p), "2001:db9::1 in none");
	ok(peer_cidr_parse("0.0.0.0/0", c, PEER_CIDR_MAX, &n, &why) &&
	       peer_cidr_match(c, n, &p) == 0,
	   "0.0.0.0/0 holds no IPv6 address");
	ok(peer_cidr_parse("10.0.0.0/7", c, PEER_CIDR_MAX, &n, &why), "10.0.0.0/7 parsed");

	static const char *bad[] = {"",		  "10.0.0.1/8",	 "10.0.0.0/33", "::/129",
				    "10.0.0.0/",  "10.0.0.0/08", "example.com", "10.0.0.0/8,,::1",
				    "10.0.0.0/x", "1.2.3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!peer_cidr_parse(bad[i], c, PEER_CIDR_MAX, &n, &why), "CIDR '%s' refused (%s)",
		   bad[i], why ? why : "?");
	ok(!peer_cidr_parse("::1,::1,::1", c, 2, &n, &why), "more items than room refused");
}

/* The reader on a real socket: the header is consumed, the rest stays. */
static void test_read(void)
{
	int sv[2];
	struct peer p;
	const char *why;
	char rest[32];
	const char *msg = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 22\r\nSSH-2.0-rest\r\n";

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		ok(0, "socketpair");
		return;
	}
	if (write(sv[0], msg, 20) != 20) ok(0, "write");
	proxy_peer(&p);
	ok(!peer_proxy_read(sv[1], PEER_PROXY_V1, 100, &p, &why) && strstr(why, "in time"),
	   "a partial header times out (%s)", why ? why : "?");
	if (write(sv[0], msg + 20, strlen(msg) - 20) != (ssize_t)(strlen(msg) - 20)) ok(0, "write");
	ok(peer_proxy_read(sv[1], PEER_PROXY_V1, 1000, &p, &why), "the rest completes it");
	is_str(p.text, "192.0.2.7:56324", "the client's address from the header");
	memset(rest, 0, sizeof rest);
	ok(read(sv[1], rest, sizeof rest - 1) == 14 && !strcmp(rest, "SSH-2.0-rest\r\n"),
	   "the bytes after the header are left for the server");
	close(sv[0]);
	proxy_peer(&p);
	ok(!peer_proxy_read(sv[1], PEER_PROXY_V1, 1000, &p, &why) && strstr(why, "closed"),
	   "a connection closed before a header: refused (%s)", why ? why : "?");
	close(sv[1]);
}

int main(void)
{
	test_v1();
	test_v2();
	test_cidr();
	test_read();
	return tap_done();
}
