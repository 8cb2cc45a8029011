/* fs_resolve.c: every path a client names reaches the kernel through here.
 * Paths are joined to the start directory as strings only; confinement is
 * left to openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) on the root fd,
 * which also resolves "..", absolute paths and symlinks inside the root. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "fs/fs_internal.h"

/* openat2 says EAGAIN when a concurrent rename could have let ".." escape. */
#define FS_OPENAT2_RETRIES 16

int fs_path_join(const struct fs_root *r, const char *path, char *out, size_t cap)
{
	size_t plen = strlen(path);
	size_t clen = strlen(r->cwd);

	if (path[0] == '/' || !plen) {
		const char *src = plen ? path : r->cwd;
		size_t n = plen ? plen : clen;
		if (n >= cap) return (errno = ENAMETOOLONG, 0);
		memcpy(out, src, n + 1);
		return 1;
	}
	if (clen && r->cwd[clen - 1] == '/') clen--;
	if (clen + 1 + plen >= cap) return (errno = ENAMETOOLONG, 0);
	memcpy(out, r->cwd, clen);
	out[clen] = '/';
	memcpy(out + clen + 1, path, plen + 1);
	return 1;
}

int fs_openat2_joined(const struct fs_root *r, const char *full, int flags, mode_t mode)
{
	struct open_how how;
	int tries;

	if (r->fd < 0) return (errno = EBADF, -1);
	memset(&how, 0, sizeof how);
	how.flags = (unsigned long long)(unsigned)(flags | O_CLOEXEC);
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) how.mode = mode & 07777;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	for (tries = 0; tries < FS_OPENAT2_RETRIES; tries++) {
		long fd = syscall(SYS_openat2, r->fd, full, &how, sizeof how);
		if (fd >= 0) return (int)fd;
		if (errno != EAGAIN && errno != EINTR) return -1;
	}
	return -1;
}

int fs_resolve(const struct fs_root *r, const char *path, int flags, mode_t mode)
{
	char full[SLUICE_MAX_PATH];

	if (!fs_path_join(r, path, full, sizeof full)) return -1;
	return fs_openat2_joined(r, full, flags, mode);
}

static int fs_last_kind(const char *name)
{
	if (!strcmp(name, ".")) return FS_LAST_DOT;
	if (!strcmp(name, "..")) return FS_LAST_DOTDOT;
	return FS_LAST_NAME;
}

int fs_split_open(const struct fs_root *r, const char *path, struct fs_split *s)
{
	char full[SLUICE_MAX_PATH];
	size_t len, slash;

	s->dirfd = -1;
	s->trailing_slash = 0;
	s->kind = FS_LAST_NAME;
	s->name[0] = 0;
	if (!fs_path_join(r, path, full, sizeof full)) return 0;
	len = strlen(full);
	while (len && full[len - 1] == '/') {
		len--;
		s->trailing_slash = 1;
	}
	if (!len) return (s->kind = FS_LAST_ROOT, 1);
	full[len] = 0;
	slash = len;
	while (slash && full[slash - 1] != '/')
		slash--;
	memcpy(s->name, full + slash, len - slash + 1);
	s->kind = fs_last_kind(s->name);
	if (s->kind != FS_LAST_NAME) {
		/* "missing/.." is ENOENT, as Linux says, before any EBUSY etc. */
		int fd = fs_openat2_joined(r, full, O_PATH | O_DIRECTORY, 0);
		if (fd < 0) return 0;
		close(fd);
		return 1;
	}
	/* slash > 0 always: joined paths are absolute.  Keep the '/' so that
	 * "/x" has parent "/". */
	full[slash] = 0;
	s->dirfd = fs_openat2_joined(r, full, O_PATH | O_DIRECTORY, 0);
	return s->dirfd >= 0;
}

void fs_split_close(struct fs_split *s)
{
	if (s->dirfd >= 0) {
		int e = errno;
		close(s->dirfd);
		errno = e;
	}
	s->dirfd = -1;
}
