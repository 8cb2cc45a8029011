/* wire_put: writing SSH wire values (RFC 4251 section 5) into caller-owned
 * memory with a hard capacity.  Overflow marks the buffer bad (sticky) and
 * sets errno EMSGSIZE; nothing is written past cap. */
#include <errno.h>
#include <string.h>

#include "wire.h"

void wire_out_init(struct wire_out *out, void *p, size_t cap)
{
	out->p = p;
	out->cap = p ? cap : 0;
	out->len = 0;
	out->bad = 0;
}

unsigned char *wire_put_reserve(struct wire_out *out, size_t n)
{
	unsigned char *q;

	if (out->bad || n > out->cap - out->len) {
		out->bad = 1;
		errno = EMSGSIZE;
		return 0;
	}
	q = out->p + out->len;
	out->len += n;
	return q;
}

int wire_put_u8(struct wire_out *out, uint8_t v)
{
	unsigned char *q = wire_put_reserve(out, 1);

	if (!q) return 0;
	q[0] = v;
	return 1;
}

int wire_put_bool(struct wire_out *out, int v)
{
	return wire_put_u8(out, v ? 1 : 0);
}

int wire_put_u32(struct wire_out *out, uint32_t v)
{
	unsigned char *q = wire_put_reserve(out, 4);

	if (!q) return 0;
	wire_store_u32(q, v);
	return 1;
}

int wire_put_u64(struct wire_out *out, uint64_t v)
{
	unsigned char *q = wire_put_reserve(out, 8);

	if (!q) return 0;
	wire_store_u32(q, (uint32_t)(v >> 32));
	wire_store_u32(q + 4, (uint32_t)v);
	return 1;
}

int wire_put_bytes(struct wire_out *out, const void *p, size_t n)
{
	unsigned char *q = wire_put_reserve(out, n);

	if (!q) return 0;
	if (n) memcpy(q, p, n);
	return 1;
}

int wire_put_string(struct wire_out *out, const void *p, size_t n)
{
	unsigned char *q;

	if (n > UINT32_MAX) {
		out->bad = 1;
		errno = EMSGSIZE;
		return 0;
	}
	q = wire_put_reserve(out, 4 + n);
	if (!q) return 0;
	wire_store_u32(q, (uint32_t)n);
	if (n) memcpy(q + 4, p, n);
	return 1;
}

int wire_put_cstring(struct wire_out *out, const char *s)
{
	return wire_put_string(out, s, strlen(s));
}

int wire_put_mpint(struct wire_out *out, const unsigned char *p, size_t n)
{
	size_t pad;
	unsigned char *q;

	while (n && !p[0]) {
		p++;
		n--;
	}
	pad = n && (p[0] & 0x80);
	if (n > UINT32_MAX - pad) {
		out->bad = 1;
		errno = EMSGSIZE;
		return 0;
	}
	q = wire_put_reserve(out, 4 + pad + n);
	if (!q) return 0;
	wire_store_u32(q, (uint32_t)(pad + n));
	if (pad) q[4] = 0;
	if (n) memcpy(q + 4 + pad, p, n);
	return 1;
}

void wire_patch_u32(struct wire_out *out, size_t at, uint32_t v)
{
	if (out->bad || at > out->len || out->len - at < 4) {
		out->bad = 1;
		errno = EMSGSIZE;
		return;
	}
	wire_store_u32(out->p + at, v);
}
