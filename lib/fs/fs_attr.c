/* fs_attr.c: reading and changing attributes of a name in the root.
 * The whole path is resolved with openat2 (O_PATH, plus O_NOFOLLOW for the
 * lstat-like variants, which then yields the symlink itself) and the
 * operation uses the descriptor, so nothing needs /proc (absent after
 * chroot) and nothing resolves outside the kernel's confinement. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "fs/fs_internal.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6, same number on every architecture */
#endif

static int fs_object(const struct fs_root *r, const char *path, int follow)
{
	return fs_resolve(r, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
}

static int fs_close_rc(int fd, int rc)
{
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int fs_stat(const struct fs_root *r, const char *path, struct stat *st)
{
	int fd = fs_object(r, path, 1);
	if (fd < 0) return 0;
	return fs_close_rc(fd, fstat(fd, st) == 0);
}

int fs_lstat(const struct fs_root *r, const char *path, struct stat *st)
{
	int fd = fs_object(r, path, 0);
	if (fd < 0) return 0;
	return fs_close_rc(fd, fstat(fd, st) == 0);
}

ssize_t fs_readlink(const struct fs_root *r, const char *path, char *buf, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (!cap) return (errno = ENAMETOOLONG, -1);
	fd = fs_object(r, path, 0);
	if (fd < 0) return -1;
	if (fstat(fd, &st) < 0) return fs_close_rc(fd, -1);
	if (!S_ISLNK(st.st_mode)) return (errno = EINVAL, fs_close_rc(fd, -1));
	n = readlinkat(fd, "", buf, cap);
	if (n < 0) return fs_close_rc(fd, -1);
	if ((size_t)n >= cap) return (errno = ENAMETOOLONG, fs_close_rc(fd, -1));
	buf[n] = 0;
	return fs_close_rc(fd, (int)n);
}

/* Without fchmodat2 (Linux < 6.6): open the object itself and fchmod. */
static int fs_chmod_reopen(const struct fs_root *r, const char *path, mode_t mode, int follow)
{
	static const int modes[] = {O_RDONLY, O_WRONLY};
	size_t i;

	for (i = 0; i < ARRAY_LEN(modes); i++) {
		int fd = fs_resolve(
		    r, path, modes[i] | O_NONBLOCK | O_NOCTTY | (follow ? 0 : O_NOFOLLOW), 0);
		if (fd < 0) {
			if (errno == EACCES || errno == EISDIR) continue;
			return 0;
		}
		return fs_close_rc(fd, fchmod(fd, mode) == 0);
	}
	return 0;
}

int fs_chmod(const struct fs_root *r, const char *path, mode_t mode, int follow)
{
	struct stat st;
	int e, fd = fs_object(r, path, follow);

	if (fd < 0) return 0;
	if (fstat(fd, &st) < 0) return fs_close_rc(fd, 0);
	if (S_ISLNK(st.st_mode)) return (errno = EOPNOTSUPP, fs_close_rc(fd, 0));
	if (!syscall(SYS_fchmodat2, fd, "", mode & 07777, AT_EMPTY_PATH)) return fs_close_rc(fd, 1);
	if (errno != ENOSYS && errno != EPERM) return fs_close_rc(fd, 0);
	/* EPERM may be a seccomp filter refusing the new syscall: try the old
	 * way, but report the first answer if that fails for lack of access. */
	e = errno;
	close(fd);
	if (fs_chmod_reopen(r, path, mode & 07777, follow)) return 1;
	if (e == EPERM && errno == EACCES) errno = EPERM;
	return 0;
}

int fs_chown(const struct fs_root *r, const char *path, uid_t uid, gid_t gid, int follow)
{
	int fd = fs_object(r, path, follow);
	if (fd < 0) return 0;
	return fs_close_rc(fd, fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == 0);
}

int fs_utimens(const struct fs_root *r, const char *path, const struct timespec times[2],
	       int follow)
{
	int fd = fs_object(r, path, follow);
	if (fd < 0) return 0;
	return fs_close_rc(fd, utimensat(fd, "", times, AT_EMPTY_PATH) == 0);
}

int fs_truncate(const struct fs_root *r, const char *path, off_t size)
{
	int fd;
	if (size < 0) return (errno = EINVAL, 0);
	fd = fs_resolve(r, path, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) return 0;
	return fs_close_rc(fd, ftruncate(fd, size) == 0);
}

int fs_statvfs(const struct fs_root *r, const char *path, struct statvfs *sv)
{
	int fd = fs_object(r, path, 1);
	if (fd < 0) return 0;
	return fs_close_rc(fd, fstatvfs(fd, sv) == 0);
}
