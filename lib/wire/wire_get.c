/* wire_get: bounds-checked reading of SSH wire values (RFC 4251 section 5).
 * Every get checks the remaining length first; any failure marks the cursor
 * bad so that all later gets fail too and the caller can check once. */
#include <errno.h>
#include <string.h>

#include "wire.h"

void wire_in_init(struct wire_in *in, const void *p, size_t len)
{
	in->p = p;
	in->len = p ? len : 0;
	in->pos = 0;
	in->bad = 0;
}

static int wire_fail(struct wire_in *in, int e)
{
	in->bad = 1;
	errno = e;
	return 0;
}

/* Returns a pointer to the next n bytes and advances, or NULL (cursor bad). */
static const unsigned char *wire_take(struct wire_in *in, size_t n)
{
	const unsigned char *q;

	if (in->bad || n > in->len - in->pos) {
		wire_fail(in, EPROTO);
		return 0;
	}
	q = in->p + in->pos;
	in->pos += n;
	return q;
}

int wire_get_u8(struct wire_in *in, uint8_t *v)
{
	const unsigned char *q = wire_take(in, 1);

	if (!q) return 0;
	*v = q[0];
	return 1;
}

int wire_get_bool(struct wire_in *in, int *v)
{
	uint8_t b;

	if (!wire_get_u8(in, &b)) return 0;
	*v = b != 0;
	return 1;
}

int wire_get_u32(struct wire_in *in, uint32_t *v)
{
	const unsigned char *q = wire_take(in, 4);

	if (!q) return 0;
	*v = wire_load_u32(q);
	return 1;
}

int wire_get_u64(struct wire_in *in, uint64_t *v)
{
	const unsigned char *q = wire_take(in, 8);

	if (!q) return 0;
	*v = ((uint64_t)wire_load_u32(q) << 32) | wire_load_u32(q + 4);
	return 1;
}

int wire_get_bytes(struct wire_in *in, const unsigned char **p, size_t n)
{
	const unsigned char *q = wire_take(in, n);

	if (!q) return 0;
	*p = q;
	return 1;
}

int wire_get_string(struct wire_in *in, const unsigned char **p, uint32_t *len)
{
	uint32_t n;
	const unsigned char *q;

	if (!wire_get_u32(in, &n)) return 0;
	q = wire_take(in, n);
	if (!q) return 0;
	*p = q;
	*len = n;
	return 1;
}

int wire_get_cstring(struct wire_in *in, char *buf, size_t bufsize)
{
	const unsigned char *q;
	uint32_t n;

	if (!wire_get_string(in, &q, &n)) return 0;
	if (memchr(q, 0, n)) return wire_fail(in, EPROTO);
	if (bufsize == 0 || n > bufsize - 1) return wire_fail(in, EMSGSIZE);
	memcpy(buf, q, n);
	buf[n] = 0;
	return 1;
}

int wire_get_mpint(struct wire_in *in, const unsigned char **p, uint32_t *len)
{
	const unsigned char *q;
	uint32_t n;

	if (!wire_get_string(in, &q, &n)) return 0;
	if (n == 0) {
		*p = q;
		*len = 0;
		return 1;
	}
	if (q[0] & 0x80) return wire_fail(in, EPROTO);
	if (q[0] == 0) {
		/* a zero byte is only allowed to keep the next byte's top bit clear */
		if (n == 1 || !(q[1] & 0x80)) return wire_fail(in, EPROTO);
		q++;
		n--;
	}
	*p = q;
	*len = n;
	return 1;
}

int wire_done(const struct wire_in *in)
{
	return !in->bad && in->pos == in->len;
}

int wire_ok(const struct wire_in *in)
{
	return !in->bad;
}

size_t wire_left(const struct wire_in *in)
{
	return in->bad ? 0 : in->len - in->pos;
}
