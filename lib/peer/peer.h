/* peer: who is on the other end of the connection. */
#ifndef SLUICE_PEER_H
#define SLUICE_PEER_H

#include <stddef.h>
#include <sys/socket.h>

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
/* 1 if fd is a TCP socket (for TCP_NODELAY). */
int peer_fd_is_tcp(int fd);

#endif
