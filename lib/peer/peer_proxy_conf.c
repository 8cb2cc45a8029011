/* peer_proxy_conf: what both servers share around the PROXY protocol
 * besides the header itself: the two settings, and the record in which
 * the network process (which reads the header) tells the monitor (which
 * never parses network bytes) the client's address. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "peer.h"
#include "priv/priv.h"

int peer_proxy_settings(const char *mode, const char *list, unsigned *versions,
			struct peer_cidr *trusted, size_t *n, const char **why)
{
	*versions = !strcmp(mode, "v1")	   ? PEER_PROXY_V1
		    : !strcmp(mode, "v2")  ? PEER_PROXY_V2
		    : !strcmp(mode, "any") ? PEER_PROXY_V1 | PEER_PROXY_V2
					   : 0;
	*n = 0;
	if (list[0] && !peer_cidr_parse(list, trusted, PEER_CIDR_MAX, n, why)) return 0;
	if (*versions && !*n) return (*why = "the proxies must be listed when it is on", 0);
	return 1;
}

void peer_proxy_put(struct wire_out *w, const struct peer *client)
{
	int family = client->addr.ss_family;

	if (family == AF_INET6) {
		wire_put_u8(w, 6);
		wire_put_string(w, &((const struct sockaddr_in6 *)&client->addr)->sin6_addr, 16);
	} else if (family == AF_INET) {
		wire_put_u8(w, 4);
		wire_put_string(w, &((const struct sockaddr_in *)&client->addr)->sin_addr, 4);
	} else {
		wire_put_u8(w, 0);
		wire_put_string(w, "", 0);
	}
	wire_put_u32(w, family == AF_INET || family == AF_INET6 ? client->port : 0);
}

int peer_proxy_get(struct wire_in *in, struct peer *client, int *named)
{
	const unsigned char *addr;
	uint32_t len, port;
	uint8_t family;

	wire_get_u8(in, &family);
	wire_get_string(in, &addr, &len);
	wire_get_u32(in, &port);
	if (!wire_done(in) || port > 65535 ||
	    !(family == 4   ? len == 4
	      : family == 6 ? len == 16
			    : family == 0 && len == 0 && !port))
		return 0;
	*named = family != 0;
	if (*named) peer_assign(client, family == 4 ? AF_INET : AF_INET6, addr, port);
	return 1;
}

int peer_proxy_forward(int fd, unsigned versions, int timeout_ms, int mon, uint8_t type,
		       struct peer *client, const char **why)
{
	unsigned char rec[64];
	struct wire_out w;

	memset(client, 0, sizeof *client); /* stays so for a LOCAL or UNKNOWN header */
	if (!peer_proxy_read(fd, versions, timeout_ms, client, why)) return 0;
	*why = 0;
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, type);
	peer_proxy_put(&w, client);
	if (w.bad) return (errno = EMSGSIZE, 0);
	return priv_record_send(mon, rec, w.len);
}
