/* fs_realpath.c: canonical absolute path of a name inside the root.
 * Walks the path one component at a time through the root descriptor
 * (fs_lstat / fs_readlink), expanding symlinks itself, so it works after
 * chroot without /proc.  ".." at the root stays at the root. */
#include <errno.h>
#include <string.h>
#include "fs/fs_internal.h"

#define FS_MAX_SYMLINKS 40 /* as Linux: then ELOOP */

struct fs_walk {
	char out[SLUICE_MAX_PATH]; /* canonical prefix, "" for the root */
	size_t olen;
	char rest[SLUICE_MAX_PATH]; /* what is left to walk */
	char tmp[SLUICE_MAX_PATH];
	unsigned links;
};

static void fs_walk_up(struct fs_walk *w)
{
	while (w->olen && w->out[w->olen - 1] != '/')
		w->olen--;
	if (w->olen) w->olen--;
	w->out[w->olen] = 0;
}

/* Replaces the walk with target + remaining; returns the new cursor or NULL. */
static const char *fs_walk_link(const struct fs_root *r, struct fs_walk *w, const char *remaining)
{
	ssize_t n;
	size_t rlen = strlen(remaining);

	if (++w->links > FS_MAX_SYMLINKS) return (errno = ELOOP, NULL);
	n = fs_readlink(r, w->out, w->tmp, sizeof w->tmp);
	if (n < 0) return NULL;
	if (!n) return (errno = ENOENT, NULL);
	if ((size_t)n + rlen >= sizeof w->tmp) return (errno = ENAMETOOLONG, NULL);
	memcpy(w->tmp + n, remaining, rlen + 1);
	memcpy(w->rest, w->tmp, (size_t)n + rlen + 1);
	if (w->rest[0] == '/') w->olen = 0;
	w->out[w->olen] = 0;
	return w->rest;
}

static int fs_only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return !*s;
}

/* Steps over one component at p; returns the new cursor, or NULL + errno,
 * or sets *done when the walk ended on a missing last component. */
static const char *fs_walk_step(const struct fs_root *r, struct fs_walk *w, const char *p,
				int *done)
{
	const char *q = p;
	size_t clen, olen = w->olen;
	struct stat st;

	while (*q && *q != '/')
		q++;
	clen = (size_t)(q - p);
	if (clen == 1 && p[0] == '.') return q;
	if (clen == 2 && p[0] == '.' && p[1] == '.') return (fs_walk_up(w), q);
	if (olen + 1 + clen >= sizeof w->out) return (errno = ENAMETOOLONG, NULL);
	w->out[olen] = '/';
	memcpy(w->out + olen + 1, p, clen);
	w->out[olen + 1 + clen] = 0;
	if (!fs_lstat(r, w->out, &st)) {
		if (errno != ENOENT || !fs_only_slashes(q)) return NULL;
		w->olen = olen + 1 + clen;
		*done = 1;
		return q;
	}
	if (S_ISLNK(st.st_mode)) return fs_walk_link(r, w, q);
	if (*q && !S_ISDIR(st.st_mode)) return (errno = ENOTDIR, NULL);
	w->olen = olen + 1 + clen;
	return q;
}

static int fs_walk_output(const struct fs_walk *w, char *out, size_t cap)
{
	const char *s = w->olen ? w->out : "/";
	size_t n = w->olen ? w->olen : 1;

	if (n >= cap) return (errno = ENAMETOOLONG, -1);
	memcpy(out, s, n);
	out[n] = 0;
	return (int)n;
}

int fs_realpath(const struct fs_root *r, const char *path, char *out, size_t cap)
{
	struct fs_walk w;
	const char *p;
	int done = 0;

	w.olen = 0;
	w.out[0] = 0;
	w.links = 0;
	if (!fs_path_join(r, path, w.rest, sizeof w.rest)) return -1;
	p = w.rest;
	while (!done) {
		while (*p == '/')
			p++;
		if (!*p) break;
		p = fs_walk_step(r, &w, p, &done);
		if (!p) return -1;
	}
	return fs_walk_output(&w, out, cap);
}
