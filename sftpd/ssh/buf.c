/* buf: byte queues with ceilings (see buf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

int buf_reserve(struct buf *b, size_t n)
{
	size_t used = buf_used(b), want;
	unsigned char *np;

	if (b->cap - b->len >= n) return 1;
	if (n > b->max || used > b->max - n) return (errno = EMSGSIZE, 0);
	/* Reclaim the consumed prefix when that moves no more bytes than it
	 * frees (amortised: each byte moves at most once), or when the
	 * ceiling leaves no other way. */
	if (b->off && b->cap - used >= n && (used <= b->off || b->cap >= b->max)) {
		memmove(b->p, b->p + b->off, used);
		b->len = used;
		b->off = 0;
		return 1;
	}
	want = b->cap ? b->cap : 4096;
	while (want < used + n)
		want *= 2;
	if (want > b->max) want = b->max;
	if (b->off) {
		memmove(b->p, b->p + b->off, used);
		b->len = used;
		b->off = 0;
	}
	np = realloc(b->p, want);
	if (!np) return (errno = ENOMEM, 0);
	b->p = np;
	b->cap = want;
	return 1;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (!n) return 1; /* b->p may still be NULL: no memcpy(NULL, p, 0) */
	if (!buf_reserve(b, n)) return 0;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 1;
}

void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len) b->off = b->len = 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = 0;
	b->off = b->len = b->cap = 0;
}
