/* parse: pure parsers for FTP command lines and their arguments.
 * No I/O, no state: every function here is unit tested and fuzzed. */
#ifndef FTPSD_PARSE_H
#define FTPSD_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest command line accepted, without CRLF (RFC 959 has no limit;
 * a path of SLUICE_MAX_PATH plus a verb fits). */
#define FTP_MAX_LINE 4200
#define FTP_MAX_VERB 8

/* Bounded line reader: bytes in, CRLF-terminated lines out. */
struct ftp_linebuf {
	char buf[FTP_MAX_LINE + 2];
	size_t len;
	int discarding; /* after an over-long line: drop up to the next LF */
	int iac;	/* inside a Telnet IAC sequence */
};
#define FTP_LINEBUF_ZERO                                                                           \
	{                                                                                          \
		{0}, 0, 0, 0                                                                       \
	}

/* Room for more input (0 when full). */
size_t ftp_line_room(const struct ftp_linebuf *lb);
/* Appends n bytes (n <= room), dropping Telnet IAC x sequences. */
void ftp_line_feed(struct ftp_linebuf *lb, const char *p, size_t n);
/* 1: a line (NUL-terminated, no CRLF) copied into out (cap > FTP_MAX_LINE);
 * 0: need more input; -1: a bad line was consumed, errno EMSGSIZE (too
 * long), EPROTO (bare LF or NUL byte). */
int ftp_line_next(struct ftp_linebuf *lb, char *out, size_t cap, size_t *outlen);

/* A split command: verb upper-cased; arg points into the line (may be ""). */
struct ftp_cmdline {
	char verb[FTP_MAX_VERB + 1];
	const char *arg;
	int has_arg;
};
/* 0 + EPROTO when the verb is not 1..8 letters or a control byte occurs. */
int ftp_parse_cmdline(const char *line, size_t len, struct ftp_cmdline *c);

/* Host-port as given by PORT/EPRT. */
struct ftp_hostport {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};
/* PORT h1,h2,h3,h4,p1,p2 */
int ftp_parse_port(const char *arg, struct ftp_hostport *hp);
/* EPRT |1|132.235.1.2|6275|  (any printable delimiter, 33..126) */
int ftp_parse_eprt(const char *arg, struct ftp_hostport *hp);
/* REST n: decimal, no sign, < 2^63. */
int ftp_parse_rest(const char *arg, uint64_t *off);
/* TYPE A | A N | I | L 8 -> 'A' or 'I'; 0 + EPROTO / ENOTSUP otherwise. */
int ftp_parse_type(const char *arg, char *type);
/* EPSV argument: "" -> 0, "1"/"2" -> family number, "ALL" -> -1. */
int ftp_parse_epsv(const char *arg, int *what);

/* FTPSD_PASV_ADDRESS: 1 for a dotted-quad IPv4 address (in ip); 2 for a
 * host name to resolve (RFC 1123 labels, underscores allowed, the last one
 * starting with a letter, at most 253 bytes, one final dot allowed);
 * 0 + EPROTO otherwise: no inet_aton shorthand (1.2.3, 0x7f.1). */
#define FTP_MAX_HOSTNAME 253
int ftp_parse_pasv_address(const char *s, uint8_t ip[4]);

/* MLST facts. */
enum ftp_fact {
	FTP_FACT_TYPE = 1u << 0,
	FTP_FACT_SIZE = 1u << 1,
	FTP_FACT_MODIFY = 1u << 2,
	FTP_FACT_PERM = 1u << 3,
	FTP_FACT_UNIQUE = 1u << 4,
	FTP_FACT_UNIX_MODE = 1u << 5,
	FTP_FACT_UNIX_OWNER = 1u << 6,
	FTP_FACT_UNIX_GROUP = 1u << 7,
};
#define FTP_FACTS_ALL 0xffu
#define FTP_FACTS_DEFAULT 0xffu
/* Names in RFC 3659 spelling, in bit order. */
extern const char *const ftp_fact_names[8];
/* "type;size;modify;" -> mask; unknown facts are ignored (RFC 3659 7.9);
 * 0 + EPROTO on a malformed list (empty fact names other than a final ';'). */
int ftp_parse_mlst_facts(const char *arg, unsigned *mask);

/* YYYYMMDDHHMMSS[.sss] (UTC) -> time_t; 0 + EPROTO. */
int ftp_parse_time(const char *s, size_t len, time_t *t);
/* "lo-hi" port range, 1024 <= lo <= hi <= 65535. */
int ftp_parse_port_range(const char *s, unsigned *lo, unsigned *hi);
/* SITE CHMOD mode path: octal mode <= 07777, then one space, then path. */
int ftp_parse_chmod(const char *arg, unsigned *mode, const char **path);

#endif
