/* buf: a byte queue with a hard ceiling, for the SSH input and output
 * streams and channel data.  Data lives at p[off..len); the consumed prefix
 * is reclaimed only when it is large, so the hot path never memmoves small
 * amounts. */
#ifndef SFTPD_BUF_H
#define SFTPD_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *p;
	size_t off, len, cap, max;
};
#define BUF_ZERO(ceiling)                                                                          \
	{                                                                                          \
		0, 0, 0, 0, (ceiling)                                                              \
	}

static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}
static inline unsigned char *buf_data(const struct buf *b)
{
	return b->p + b->off;
}
/* Makes room for n more bytes at the end; 0 + EMSGSIZE over the ceiling. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);

#endif
