/* ftpsd_parse: the FTP line reader, command splitter and argument parsers,
 * including malformed input. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../tap.h"
#include "../../ftpsd/parse.h"

static char out[FTP_MAX_LINE + 1];

static int feed_next(struct ftp_linebuf *lb, const char *s, size_t *n)
{
	ftp_line_feed(lb, s, strlen(s));
	return ftp_line_next(lb, out, sizeof out, n);
}

static void test_lines(void)
{
	struct ftp_linebuf lb = FTP_LINEBUF_ZERO;
	size_t n;
	is_int(feed_next(&lb, "USER bob\r\nPASS x\r\n", &n), 1, "first line");
	is_str(out, "USER bob", "line text");
	is_int(ftp_line_next(&lb, out, sizeof out, &n), 1, "pipelined second line");
	is_str(out, "PASS x", "second text");
	is_int(ftp_line_next(&lb, out, sizeof out, &n), 0, "no more");
	is_int(feed_next(&lb, "NOOP", &n), 0, "partial line waits");
	is_int(feed_next(&lb, "\r\n", &n), 1, "completed");
	is_str(out, "NOOP", "partial text");
	errno = 0;
	is_int(feed_next(&lb, "NOOP\nQUIT\r\n", &n), -1, "bare LF refused");
	is_int(errno, EPROTO, "bare LF is EPROTO");
	is_int(ftp_line_next(&lb, out, sizeof out, &n), 1, "line after bare LF still read");
	is_str(out, "QUIT", "after bare LF");
	ftp_line_feed(&lb, "NO\0OP\r\n", 7);
	is_int(ftp_line_next(&lb, out, sizeof out, &n), -1, "NUL refused");
	is_int(errno, EPROTO, "NUL is EPROTO");
	is_int(feed_next(&lb, "A\rB\r\n", &n), -1, "bare CR refused");
	/* Telnet IP + DM before ABOR */
	is_int(feed_next(&lb,
			 "\xff\xf4\xff\xf2"
			 "ABOR\r\n",
			 &n),
	       1, "telnet IAC dropped");
	is_str(out, "ABOR", "ABOR after IAC");
	/* over-long line */
	char big[10240];
	memset(big, 'A', sizeof big);
	int errs = 0, got = 0;
	size_t off = 0;
	while (off < sizeof big) {
		size_t k = ftp_line_room(&lb);
		if (k > sizeof big - off) k = sizeof big - off;
		ftp_line_feed(&lb, big + off, k);
		off += k;
		int r = ftp_line_next(&lb, out, sizeof out, &n);
		if (r < 0) errs++;
		if (r > 0) got++;
	}
	is_int(feed_next(&lb, "\r\nNOOP\r\n", &n), 1, "line after 10 KiB line");
	is_str(out, "NOOP", "recovered after long line");
	is_int(errs, 1, "one error for a 10 KiB line");
	is_int(got, 0, "no line from the 10 KiB line");
	char exact[FTP_MAX_LINE + 2];
	memset(exact, 'B', FTP_MAX_LINE);
	memcpy(exact + FTP_MAX_LINE, "\r\n", 2);
	struct ftp_linebuf lb2 = FTP_LINEBUF_ZERO;
	ftp_line_feed(&lb2, exact, sizeof exact);
	is_int(ftp_line_next(&lb2, out, sizeof out, &n), 1, "line of exactly FTP_MAX_LINE ok");
	is_int(n, FTP_MAX_LINE, "its length");
}

static void test_cmdline(void)
{
	struct ftp_cmdline c;
	const char *l = "retr some file.txt";
	ok(ftp_parse_cmdline(l, strlen(l), &c), "split");
	is_str(c.verb, "RETR", "verb upper-cased");
	is_str(c.arg, "some file.txt", "argument keeps spaces");
	ok(ftp_parse_cmdline("NOOP", 4, &c) && !c.has_arg, "no argument");
	ok(ftp_parse_cmdline("CWD ", 4, &c) && c.has_arg && !*c.arg, "empty argument");
	ok(!ftp_parse_cmdline("", 0, &c), "empty line refused");
	ok(!ftp_parse_cmdline(" NOOP", 5, &c), "leading space refused");
	ok(!ftp_parse_cmdline("TOOLONGVERB", 11, &c), "verb > 8 letters refused");
	ok(!ftp_parse_cmdline("NO1P", 4, &c), "digit in verb refused");
	ok(!ftp_parse_cmdline("CWD a\tb", 7, &c), "control byte refused");
	ok(ftp_parse_cmdline("XCWD /", 6, &c), "XCWD");
}

static void test_port(void)
{
	struct ftp_hostport hp;
	ok(ftp_parse_port("127,0,0,1,195,80", &hp), "PORT ok");
	ok(hp.family == AF_INET && hp.addr[0] == 127 && hp.addr[3] == 1, "PORT address");
	is_int(hp.port, 195 * 256 + 80, "PORT port");
	ok(!ftp_parse_port("127,0,0,1,195", &hp), "PORT 5 numbers");
	ok(!ftp_parse_port("127,0,0,1,195,80,1", &hp), "PORT 7 numbers");
	ok(!ftp_parse_port("256,0,0,1,1,1", &hp), "PORT byte > 255");
	ok(!ftp_parse_port("1,0,0,1,1,-1", &hp), "PORT negative");
	ok(!ftp_parse_port("1,0,0,1,1,1 ", &hp), "PORT trailing space");
	ok(!ftp_parse_port("", &hp), "PORT empty");
	ok(!ftp_parse_port("1,,0,1,1,1", &hp), "PORT empty field");
	ok(!ftp_parse_port("99999999999999999999999,0,0,1,1,1", &hp), "PORT overflow");
	ok(ftp_parse_eprt("|1|132.235.1.2|6275|", &hp), "EPRT v4");
	ok(hp.family == AF_INET && hp.addr[0] == 132 && hp.port == 6275, "EPRT v4 values");
	ok(ftp_parse_eprt("|2|::1|5282|", &hp), "EPRT v6");
	ok(hp.family == AF_INET6 && hp.addr[15] == 1 && hp.port == 5282, "EPRT v6 values");
	ok(ftp_parse_eprt("!1!10.0.0.1!21!", &hp), "EPRT other delimiter");
	ok(!ftp_parse_eprt("|3|1.2.3.4|1|", &hp), "EPRT proto 3");
	ok(!ftp_parse_eprt("|1|::1|1|", &hp), "EPRT v6 address with proto 1");
	ok(!ftp_parse_eprt("|1|1.2.3.4|65536|", &hp), "EPRT port too big");
	ok(!ftp_parse_eprt("|1|1.2.3.4|1", &hp), "EPRT missing delimiter");
	ok(!ftp_parse_eprt("|1|1.2.3.4|1|x", &hp), "EPRT trailing junk");
	ok(!ftp_parse_eprt("|1||1|", &hp), "EPRT empty address");
	ok(!ftp_parse_eprt("", &hp), "EPRT empty");
	ok(!ftp_parse_eprt("1|1|1.2.3.4|1|", &hp), "EPRT digit delimiter");
}

static void test_small(void)
{
	uint64_t off;
	char t;
	int w;
	unsigned m, lo, hi;
	const char *p;
	time_t tt;
	ok(ftp_parse_rest("0", &off) && off == 0, "REST 0");
	ok(ftp_parse_rest("1048583", &off) && off == 1048583, "REST n");
	ok(ftp_parse_rest("9223372036854775807", &off), "REST 2^63-1");
	ok(!ftp_parse_rest("9223372036854775808", &off), "REST 2^63 refused");
	ok(!ftp_parse_rest("-1", &off), "REST negative");
	ok(!ftp_parse_rest("", &off), "REST empty");
	ok(!ftp_parse_rest("12a", &off), "REST junk");
	ok(ftp_parse_type("I", &t) && t == 'I', "TYPE I");
	ok(ftp_parse_type("a", &t) && t == 'A', "TYPE a");
	ok(ftp_parse_type("A N", &t) && t == 'A', "TYPE A N");
	ok(ftp_parse_type("L 8", &t) && t == 'I', "TYPE L 8");
	ok(!ftp_parse_type("E", &t) && errno == ENOTSUP, "TYPE E unsupported");
	ok(!ftp_parse_type("A T", &t) && errno == ENOTSUP, "TYPE A T unsupported");
	ok(!ftp_parse_type("X", &t) && errno == EPROTO, "TYPE X malformed");
	ok(!ftp_parse_type("", &t), "TYPE empty");
	ok(!ftp_parse_type("IX", &t), "TYPE IX");
	ok(ftp_parse_epsv("", &w) && w == 0, "EPSV");
	ok(ftp_parse_epsv("all", &w) && w == -1, "EPSV ALL");
	ok(ftp_parse_epsv("2", &w) && w == 2, "EPSV 2");
	ok(!ftp_parse_epsv("3", &w), "EPSV 3");
	ok(ftp_parse_mlst_facts("type;size;", &m) && m == (FTP_FACT_TYPE | FTP_FACT_SIZE),
	   "MLST facts");
	ok(ftp_parse_mlst_facts("Modify;unix.MODE", &m) &&
	       m == (FTP_FACT_MODIFY | FTP_FACT_UNIX_MODE),
	   "MLST facts case-insensitive, no final ;");
	ok(ftp_parse_mlst_facts("", &m) && m == 0, "MLST no facts");
	ok(ftp_parse_mlst_facts("bogus;size;", &m) && m == FTP_FACT_SIZE, "unknown fact ignored");
	ok(!ftp_parse_mlst_facts("type;;size", &m), "empty fact refused");
	ok(!ftp_parse_mlst_facts("ty pe;", &m), "space in fact refused");
	ok(ftp_parse_time("20240229123456", 14, &tt) && tt == 1709210096, "time leap day");
	ok(ftp_parse_time("19700101000000.123", 18, &tt) && tt == 0, "time epoch with fraction");
	ok(!ftp_parse_time("20230229123456", 14, &tt), "time bad leap day");
	ok(!ftp_parse_time("2024022912345", 13, &tt), "time short");
	ok(!ftp_parse_time("20240229123456.", 15, &tt), "time empty fraction");
	ok(!ftp_parse_time("20241301000000", 14, &tt), "time month 13");
	ok(ftp_parse_port_range("50000-50100", &lo, &hi) && lo == 50000 && hi == 50100,
	   "port range");
	ok(!ftp_parse_port_range("100-200", &lo, &hi), "port range below 1024");
	ok(!ftp_parse_port_range("6000-5000", &lo, &hi), "port range reversed");
	ok(!ftp_parse_port_range("5000-70000", &lo, &hi), "port range > 65535");
	ok(ftp_parse_chmod("644 a b", &m, &p) && m == 0644 && !strcmp(p, "a b"), "CHMOD");
	ok(!ftp_parse_chmod("648 a", &m, &p), "CHMOD 8");
	ok(!ftp_parse_chmod("77777 a", &m, &p), "CHMOD 5 digits");
	ok(!ftp_parse_chmod("644", &m, &p), "CHMOD no path");
}

static void test_pasv_address(void)
{
	uint8_t ip[4] = {0};
	char name[300];
	is_int(ftp_parse_pasv_address("192.0.2.7", ip), 1, "dotted quad");
	ok(ip[0] == 192 && ip[1] == 0 && ip[2] == 2 && ip[3] == 7, "its bytes");
	is_int(ftp_parse_pasv_address("localhost", ip), 2, "host name");
	is_int(ftp_parse_pasv_address("ftp.example.org", ip), 2, "dotted host name");
	is_int(ftp_parse_pasv_address("ftp.example.org.", ip), 2, "one final dot");
	is_int(ftp_parse_pasv_address("node_1.internal", ip), 2, "underscore allowed");
	is_int(ftp_parse_pasv_address("1st.example", ip), 2, "label starting with a digit");
	errno = 0;
	is_int(ftp_parse_pasv_address("", ip), 0, "empty refused");
	is_int(errno, EPROTO, "EPROTO");
	is_int(ftp_parse_pasv_address("1.2.3", ip), 0, "inet_aton shorthand refused");
	is_int(ftp_parse_pasv_address("256.1.1.1", ip), 0, "octet over 255");
	is_int(ftp_parse_pasv_address("1.2.3.4.5", ip), 0, "five numbers");
	is_int(ftp_parse_pasv_address("1.2.3.4.", ip), 0, "address with a final dot");
	is_int(ftp_parse_pasv_address("0x7f.1", ip), 0, "hex shorthand refused");
	is_int(ftp_parse_pasv_address("0x7f000001", ip), 0, "one hex number refused");
	is_int(ftp_parse_pasv_address("ftp.123", ip), 0, "last label starting with a digit");
	is_int(ftp_parse_pasv_address("::1", ip), 0, "IPv6 refused");
	is_int(ftp_parse_pasv_address("a..b", ip), 0, "empty label");
	is_int(ftp_parse_pasv_address(".example", ip), 0, "leading dot");
	is_int(ftp_parse_pasv_address(".", ip), 0, "only a dot");
	is_int(ftp_parse_pasv_address("example..", ip), 0, "two final dots");
	is_int(ftp_parse_pasv_address("-a.example", ip), 0, "label starting with -");
	is_int(ftp_parse_pasv_address("a-.example", ip), 0, "label ending with -");
	is_int(ftp_parse_pasv_address("host name", ip), 0, "space");
	is_int(ftp_parse_pasv_address("host:21", ip), 0, "port suffix");
	is_int(ftp_parse_pasv_address("h\x01st", ip), 0, "control byte");
	is_int(ftp_parse_pasv_address("h\xc3\xa9.example", ip), 0,
	       "non-ASCII (IDN must be A-labels)");
	is_int(ftp_parse_pasv_address("x", ip), 2, "one-letter name");
	memset(name, 'a', 63);
	name[63] = 0;
	is_int(ftp_parse_pasv_address(name, ip), 2, "63-byte label");
	name[63] = 'a';
	name[64] = 0;
	is_int(ftp_parse_pasv_address(name, ip), 0, "64-byte label refused");
	for (int i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[253] = 0;
	name[252] = 'a';
	is_int(ftp_parse_pasv_address(name, ip), 2, "253-byte name");
	name[253] = '.';
	name[254] = 0;
	is_int(ftp_parse_pasv_address(name, ip), 2, "253 bytes and a final dot");
	name[253] = 'a';
	is_int(ftp_parse_pasv_address(name, ip), 0, "254-byte name refused");
}

int main(void)
{
	test_lines();
	test_cmdline();
	test_port();
	test_small();
	test_pasv_address();
	return tap_done();
}
