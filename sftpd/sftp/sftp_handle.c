/* sftp_handle: the table of open files and directories.  A handle on the
 * wire is 4 opaque bytes: a slot index and a generation counter, so that a
 * stale or forged handle never reaches another file; checked on every use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sftp_internal.h"

int sftp_handles_init(struct sftp_handles *t, unsigned max)
{
	if (max == 0) max = SFTP_DEFAULT_MAX_HANDLES;
	if (max > SFTP_MAX_HANDLES_CEILING) max = SFTP_MAX_HANDLES_CEILING;
	t->v = calloc(max, sizeof *t->v);
	if (!t->v) return 0;
	t->cap = max;
	t->used = 0;
	return 1;
}

void sftp_handles_free(struct sftp_handles *t)
{
	unsigned i;

	if (!t->v) return;
	for (i = 0; i < t->cap; i++)
		if (t->v[i].kind != SFTP_HANDLE_FREE) sftp_handle_close(t, &t->v[i]);
	free(t->v);
	t->v = 0;
	t->cap = t->used = 0;
}

int sftp_handle_new(struct sftp_handles *t, enum sftp_handle_kind kind, int fd, DIR *dir,
		    const char *path, unsigned char id[SFTP_HANDLE_LEN], struct sftp_handle **hp)
{
	struct sftp_handle *h = 0;
	unsigned i;
	char *copy;

	if (t->used >= t->cap) {
		errno = EMFILE;
		return 0;
	}
	for (i = 0; i < t->cap; i++) {
		if (t->v[i].kind == SFTP_HANDLE_FREE) {
			h = &t->v[i];
			break;
		}
	}
	if (!h) {
		errno = EMFILE;
		return 0;
	}
	copy = strdup(path);
	if (!copy) return 0;
	h->kind = kind;
	h->gen++;
	h->fd = fd;
	h->dir = dir;
	h->path = copy;
	h->pflags = 0;
	h->bytes_read = h->bytes_written = 0;
	h->write_failed = 0;
	clock_gettime(CLOCK_MONOTONIC, &h->opened);
	t->used++;
	id[0] = i >> 8;
	id[1] = i & 0xff;
	id[2] = h->gen >> 8;
	id[3] = h->gen & 0xff;
	if (hp) *hp = h;
	return 1;
}

struct sftp_handle *sftp_handle_find(struct sftp_handles *t, const unsigned char *p, uint32_t len,
				     enum sftp_handle_kind kind)
{
	struct sftp_handle *h;
	unsigned i;

	if (len != SFTP_HANDLE_LEN) return 0;
	i = ((unsigned)p[0] << 8) | p[1];
	if (i >= t->cap) return 0;
	h = &t->v[i];
	if (h->kind == SFTP_HANDLE_FREE) return 0;
	if (h->gen != (uint16_t)(((unsigned)p[2] << 8) | p[3])) return 0;
	if (kind != SFTP_HANDLE_FREE && h->kind != kind) return 0;
	return h;
}

int sftp_handle_close(struct sftp_handles *t, struct sftp_handle *h)
{
	int r = 0;

	if (h->kind == SFTP_HANDLE_DIR && h->dir)
		r = closedir(h->dir);
	else if (h->fd >= 0)
		r = close(h->fd);
	free(h->path);
	h->path = 0;
	h->dir = 0;
	h->fd = -1;
	h->kind = SFTP_HANDLE_FREE;
	t->used--;
	return r == 0;
}

int sftp_handle_fd(const struct sftp_handle *h)
{
	if (h->kind == SFTP_HANDLE_DIR) return h->dir ? dirfd(h->dir) : -1;
	return h->fd;
}
