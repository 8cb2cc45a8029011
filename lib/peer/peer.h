/* peer: who is on the other end of the connection. */
#ifndef SLUICE_PEER_H
#define SLUICE_PEER_H

#include <stddef.h>
#include <sys/socket.h>
#include "wire/wire.h"

#define PEER_TEXT_MAX 64

struct peer {
	int is_socket;		      /* fd is a TCP socket */
	struct sockaddr_storage addr; /* valid when is_socket */
	socklen_t addrlen;
	char ip[48]; /* "192.0.2.7" or "2001:db8::1", or "local" */
	unsigned port;
	char text[PEER_TEXT_MAX]; /* "192.0.2.7:51234" or "[2001:db8::1]:51234" or "local" */
};

/* getpeername(fd), else TCPREMOTEIP/TCPREMOTEPORT, else REMOTE_ADDR, else "local". */
void peer_describe(int fd, struct peer *p);
/* Sets ip, port and text from a binary address (4 or 16 bytes). */
void peer_assign(struct peer *p, int family, const void *bin, unsigned port);

/* --- address lists (peer_cidr.c) ---------------------------------------- */

#define PEER_CIDR_MAX 64
struct peer_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
};
/* "192.0.2.0/24,2001:db8::/32,198.51.100.7": 1, or 0 with why set (an
 * address that does not parse, a prefix too long, host bits set, more than
 * max entries).  Spaces around items are allowed. */
int peer_cidr_parse(const char *list, struct peer_cidr *out, size_t max, size_t *n,
		    const char **why);
/* 1 when p's address is inside one of the n entries. */
int peer_cidr_match(const struct peer_cidr *list, size_t n, const struct peer *p);

/* --- the PROXY protocol (peer_proxy.c) ------------------------------------ */

enum { PEER_PROXY_V1 = 1, PEER_PROXY_V2 = 2 };
/* The longest header read: version 2's 16 bytes and its address block with
 * room for TLVs; version 1 lines are at most 107 bytes. */
#define PEER_PROXY_MAX (16 + 2048)

/* Parses a header at the start of buf.  Returns its length once complete,
 * with the client's address in *client when the header carries one (a
 * LOCAL or UNKNOWN header leaves *client untouched); 0 when more bytes are
 * needed; -1 when malformed or of a version not in versions, with why. */
long peer_proxy_parse(const unsigned char *buf, size_t len, unsigned versions, struct peer *client,
		      const char **why);
/* Reads exactly one header from socket fd (nothing past it) within
 * timeout_ms and puts the client's address in *p.  0 with why on failure. */
int peer_proxy_read(int fd, unsigned versions, int timeout_ms, struct peer *p, const char **why);
/* --- shared by the servers (peer_proxy_conf.c) ------------------------- */

/* The _PROXY_PROTOCOL (off, v1, v2, any) and _PROXY_TRUSTED settings: the
 * header versions to accept (0: off) and the proxies; 0 with why when the
 * list is malformed, or empty while the protocol is on. */
int peer_proxy_settings(const char *mode, const char *list, unsigned *versions,
			struct peer_cidr *trusted, size_t *n, const char **why);
/* The record by which the network process tells its monitor the client a
 * header named: u8 4 or 6, string address, u32 port; u8 0, an empty
 * string and port 0 for a LOCAL or UNKNOWN header (the proxy itself). */
void peer_proxy_put(struct wire_out *w, const struct peer *client);
/* Reads it back: 1 with *named and, when it names one, *client; 0 when
 * malformed. */
int peer_proxy_get(struct wire_in *in, struct peer *client, int *named);
/* The network process's part: reads the header from fd and sends the
 * client it names to its monitor (socket mon) as a record of this type.
 * 1 and *client (address family 0 for a LOCAL or UNKNOWN header); 0 with
 * why for a bad header, or with why NULL and errno when the record could
 * not be sent. */
int peer_proxy_forward(int fd, unsigned versions, int timeout_ms, int mon, uint8_t type,
		       struct peer *client, const char **why);

/* 1 if fd is a TCP socket (for TCP_NODELAY). */
int peer_fd_is_tcp(int fd);

#endif
