/* fs_strict: opening a file the way OpenSSH's StrictModes trusts one.  The
 * path is walked from "/" one component at a time with O_NOFOLLOW, so a
 * symbolic link anywhere refuses it, and every directory on the way must
 * belong to root or to the account and be writable by neither its group
 * nor others (a root-owned sticky directory such as /tmp excepted); the
 * file itself as well.  The file is opened through the
 * descriptor of the last checked directory, so what was checked is what
 * is read. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static int fs_strict_owner_ok(const struct stat *st, uid_t owner, const char **why)
{
	if (st->st_uid != 0 && st->st_uid != owner)
		return (*why = "owned by another user", errno = EPERM, 0);
	/* A root-owned sticky directory (/tmp): others may add entries but not
	 * replace ours, and the walk below it checks every component anyway. */
	if (S_ISDIR(st->st_mode) && st->st_uid == 0 && (st->st_mode & S_ISVTX)) return 1;
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return (*why = "writable by its group or by others", errno = EPERM, 0);
	return 1;
}

/* Walks path from "/" to the directory that holds its last component,
 * checking every directory on the way (not the last component): its
 * descriptor, and that component's name in last.  -1 + errno, why. */
static int fs_strict_walk(const char *path, uid_t owner, char *last, char *bad, size_t badcap,
			  const char **why)
{
	const char *p = path;
	struct stat st;
	int dir, fd;

	*why = 0;
	if (bad && badcap) snprintf(bad, badcap, "/");
	if (path[0] != '/') return (*why = "not an absolute path", errno = EINVAL, -1);
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) return -1;
	for (;;) {
		const char *slash;
		size_t n;
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (fstat(dir, &st) < 0 || !fs_strict_owner_ok(&st, owner, why)) goto fail;
		if (!n) {
			*why = "names a directory";
			errno = EISDIR;
			goto fail;
		}
		if (n >= SLUICE_MAX_PATH) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(last, p, n);
		last[n] = 0;
		if (bad && badcap)
			snprintf(bad, badcap, "%.*s", (int)(p - path + (ptrdiff_t)n), path);
		p += n;
		while (*p == '/')
			p++;
		if (!*p) return dir;
		fd = openat(dir, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ELOOP || errno == ENOTDIR) {
				struct stat l;
				if (fstatat(dir, last, &l, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(l.st_mode))
					*why = "a symbolic link";
			}
			goto fail;
		}
		close(dir);
		dir = fd;
	}
fail : {
	int e = errno;
	close(dir);
	errno = e;
	return -1;
}
}

int fs_open_strict(const char *path, uid_t owner, char *bad, size_t badcap, const char **why)
{
	char comp[SLUICE_MAX_PATH];
	struct stat st;
	int dir = fs_strict_walk(path, owner, comp, bad, badcap, why), fd;

	if (dir < 0) return -1;
	fd = openat(dir, comp, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (errno == ELOOP) *why = "a symbolic link";
		close(dir);
		return (errno = e, -1);
	}
	close(dir);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (!*why) *why = "not a regular file";
		close(fd);
		return (errno = EPERM, -1);
	}
	if (!fs_strict_owner_ok(&st, owner, why)) {
		close(fd);
		return -1;
	}
	return fd;
}

int fs_strict_parents(const char *path, char *bad, size_t badcap, const char **why)
{
	char comp[SLUICE_MAX_PATH];
	int dir = fs_strict_walk(path, 0, comp, bad, badcap, why);

	if (dir < 0) return 0;
	close(dir);
	return 1;
}
