/* fs_ops.c: opening, creating, removing and renaming names in the root.
 * Operations on a last component resolve its parent with openat2 and then
 * use the *at() call on the bare name; a last component of ".", ".." or
 * the root itself is refused with the errno Linux gives for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "fs/fs_internal.h"

int fs_open(const struct fs_root *r, const char *path, int flags, mode_t mode)
{
	return fs_resolve(r, path, flags, mode);
}

DIR *fs_opendir(const struct fs_root *r, const char *path)
{
	DIR *d;
	int fd = fs_resolve(r, path, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0) return NULL;
	d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

/* 1 if name exists in dirfd (not following a symlink), 0 if not, -1 on error. */
static int fs_name_exists(int dirfd, const char *name, struct stat *st)
{
	if (!fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW)) return 1;
	return errno == ENOENT ? 0 : -1;
}

/* Linux answer for a name given with a trailing slash that must be a
 * directory but is being created as something else (link, symlink). */
static int fs_slash_new_errno(int dirfd, const char *name)
{
	struct stat st;
	int e = fs_name_exists(dirfd, name, &st);
	if (e < 0) return errno;
	return e ? EEXIST : ENOENT;
}

/* A source given with a trailing slash must be a directory. */
static int fs_slash_dir_check(const struct fs_split *s)
{
	struct stat st;
	if (!s->trailing_slash) return 1;
	if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) < 0) return 0;
	if (!S_ISDIR(st.st_mode)) return (errno = ENOTDIR, 0);
	return 1;
}

static int fs_finish(struct fs_split *s, int rc)
{
	fs_split_close(s);
	return rc;
}

int fs_mkdir(const struct fs_root *r, const char *path, mode_t mode)
{
	struct fs_split s;
	if (!fs_split_open(r, path, &s)) return fs_finish(&s, 0);
	if (s.kind != FS_LAST_NAME) return (errno = EEXIST, 0);
	return fs_finish(&s, mkdirat(s.dirfd, s.name, mode) == 0);
}

int fs_rmdir(const struct fs_root *r, const char *path)
{
	struct fs_split s;
	if (!fs_split_open(r, path, &s)) return fs_finish(&s, 0);
	switch (s.kind) {
	case FS_LAST_ROOT:
		return (errno = EBUSY, 0);
	case FS_LAST_DOT:
		return (errno = EINVAL, 0);
	case FS_LAST_DOTDOT:
		return (errno = ENOTEMPTY, 0);
	default:
		break;
	}
	return fs_finish(&s, unlinkat(s.dirfd, s.name, AT_REMOVEDIR) == 0);
}

int fs_unlink(const struct fs_root *r, const char *path)
{
	struct fs_split s;
	struct stat st;
	if (!fs_split_open(r, path, &s)) return fs_finish(&s, 0);
	if (s.kind != FS_LAST_NAME) return (errno = EISDIR, 0);
	if (s.trailing_slash) {
		if (fstatat(s.dirfd, s.name, &st, AT_SYMLINK_NOFOLLOW) < 0) return fs_finish(&s, 0);
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR;
		return fs_finish(&s, 0);
	}
	return fs_finish(&s, unlinkat(s.dirfd, s.name, 0) == 0);
}

static int fs_rename_split(const struct fs_split *a, const struct fs_split *b, unsigned flags)
{
	if (a->kind != FS_LAST_NAME || b->kind != FS_LAST_NAME) return (errno = EBUSY, 0);
	if ((a->trailing_slash || b->trailing_slash)) {
		struct fs_split tmp = *a;
		tmp.trailing_slash = 1;
		if (!fs_slash_dir_check(&tmp)) return 0;
	}
	if (flags == RENAME_NOREPLACE)
		return renameat2(a->dirfd, a->name, b->dirfd, b->name, RENAME_NOREPLACE) == 0;
	return renameat(a->dirfd, a->name, b->dirfd, b->name) == 0;
}

int fs_rename(const struct fs_root *r, const char *from, const char *to, unsigned flags)
{
	struct fs_split a, b;
	int rc;

	if (flags != 0 && flags != RENAME_NOREPLACE) return (errno = EINVAL, 0);
	if (!fs_split_open(r, from, &a)) return fs_finish(&a, 0);
	if (!fs_split_open(r, to, &b)) {
		fs_split_close(&b);
		return fs_finish(&a, 0);
	}
	rc = fs_rename_split(&a, &b, flags);
	fs_split_close(&b);
	return fs_finish(&a, rc);
}

static int fs_link_split(const struct fs_split *a, const struct fs_split *b)
{
	if (a->kind != FS_LAST_NAME) return (errno = EPERM, 0);
	if (b->kind != FS_LAST_NAME) return (errno = EEXIST, 0);
	if (a->trailing_slash) {
		if (!fs_slash_dir_check(a)) return 0;
		return (errno = EPERM, 0); /* a directory: no hard links */
	}
	if (b->trailing_slash) return (errno = fs_slash_new_errno(b->dirfd, b->name), 0);
	return linkat(a->dirfd, a->name, b->dirfd, b->name, 0) == 0;
}

int fs_link(const struct fs_root *r, const char *oldpath, const char *newpath)
{
	struct fs_split a, b;
	int rc;

	if (!fs_split_open(r, oldpath, &a)) return fs_finish(&a, 0);
	if (!fs_split_open(r, newpath, &b)) {
		fs_split_close(&b);
		return fs_finish(&a, 0);
	}
	rc = fs_link_split(&a, &b);
	fs_split_close(&b);
	return fs_finish(&a, rc);
}

int fs_symlink(const struct fs_root *r, const char *target, const char *linkpath)
{
	struct fs_split s;
	if (!fs_split_open(r, linkpath, &s)) return fs_finish(&s, 0);
	if (s.kind != FS_LAST_NAME) return (errno = EEXIST, 0);
	if (s.trailing_slash) {
		errno = fs_slash_new_errno(s.dirfd, s.name);
		return fs_finish(&s, 0);
	}
	return fs_finish(&s, symlinkat(target, s.dirfd, s.name) == 0);
}
