/* peer_cidr: lists of addresses and prefixes ("192.0.2.0/24, ::1"), for
 * the proxies allowed to send a PROXY protocol header. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "peer.h"

#define CIDR_ITEM_MAX 64 /* "ffff:...:ffff/128" fits with room to spare */

static int cidr_bits(const char *s, unsigned max, unsigned *bits)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3) return 0;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (!i || (i > 1 && s[0] == '0') || n > max) return 0;
	*bits = n;
	return 1;
}

static int cidr_host_bits_clear(const struct peer_cidr *c)
{
	unsigned len = c->family == AF_INET ? 4 : 16;
	for (unsigned i = c->bits / 8; i < len; i++) {
		unsigned keep = i == c->bits / 8 ? c->bits % 8 : 0;
		unsigned char mask = (unsigned char)(0xffu >> keep);
		if (c->addr[i] & mask) return 0;
	}
	return 1;
}

/* One item, already trimmed. */
static int cidr_item(const char *item, struct peer_cidr *c, const char **why)
{
	char text[CIDR_ITEM_MAX];
	char *slash;
	size_t len = strlen(item);

	if (!len || len >= sizeof text) return (*why = "not an address", 0);
	memcpy(text, item, len + 1);
	slash = strchr(text, '/');
	if (slash) *slash = 0;
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, text, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, text, c->addr) == 1)
		c->family = AF_INET6;
	else
		return (*why = "not an IPv4 or IPv6 address", 0);
	c->bits = c->family == AF_INET ? 32 : 128;
	if (slash && !cidr_bits(slash + 1, c->bits, &c->bits))
		return (*why = "prefix length out of range", 0);
	if (!cidr_host_bits_clear(c)) return (*why = "address has bits set past the prefix", 0);
	return 1;
}

int peer_cidr_parse(const char *list, struct peer_cidr *out, size_t max, size_t *n,
		    const char **why)
{
	const char *p = list;

	*n = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[CIDR_ITEM_MAX];
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len >= sizeof item) return (*why = "item too long", 0);
		memcpy(item, p, len);
		item[len] = 0;
		if (*n == max) return (*why = "too many items", 0);
		if (!cidr_item(item, &out[*n], why)) return 0;
		(*n)++;
		if (!end) return 1;
		p = end + 1;
	}
}

static int cidr_contains(const struct peer_cidr *c, const unsigned char *addr)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->addr, addr, full)) return 0;
	if (!rest) return 1;
	unsigned char mask = (unsigned char)(0xff00u >> rest);
	return (c->addr[full] & mask) == (addr[full] & mask);
}

int peer_cidr_match(const struct peer_cidr *list, size_t n, const struct peer *p)
{
	unsigned char a4[4], a6[16];
	int is4 = inet_pton(AF_INET, p->ip, a4) == 1;
	int is6 = !is4 && inet_pton(AF_INET6, p->ip, a6) == 1;

	for (size_t i = 0; i < n; i++) {
		if (is4 && list[i].family == AF_INET && cidr_contains(&list[i], a4)) return 1;
		if (is6 && list[i].family == AF_INET6 && cidr_contains(&list[i], a6)) return 1;
	}
	return 0;
}
