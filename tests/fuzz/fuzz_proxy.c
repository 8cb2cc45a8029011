/* fuzz_proxy: arbitrary bytes as a PROXY protocol header (versions 1 and
 * 2, each allowed or not) and as a trusted-proxy address list.  A header
 * length never exceeds the input, an error always has a reason, and a
 * complete header parses the same with more bytes after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer/peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer p, q;
	struct peer_cidr list[PEER_CIDR_MAX];
	const char *why;
	size_t n;
	char *text;

	if (!size) return 0;
	unsigned versions = (data[0] & 3) ? (data[0] & 3) : 3;
	data++, size--;
	memset(&p, 0, sizeof p);
	long r = peer_proxy_parse(data, size, versions, &p, &why);
	if (r > (long)size || (r < 0 && !why)) abort();
	if (r > 0) {
		memset(&q, 0, sizeof q);
		unsigned char *more = malloc(size + 8);
		if (!more) return 0;
		memcpy(more, data, size);
		memset(more + size, 'x', 8);
		if (peer_proxy_parse(more, size + 8, versions, &q, &why) != r ||
		    strcmp(p.text, q.text))
			abort();
		free(more);
	}
	text = malloc(size + 1);
	if (!text) return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (peer_cidr_parse(text, list, PEER_CIDR_MAX, &n, &why)) {
		if (n > PEER_CIDR_MAX) abort();
		peer_cidr_match(list, n, &p);
	} else if (!why) {
		abort();
	}
	free(text);
	return 0;
}
