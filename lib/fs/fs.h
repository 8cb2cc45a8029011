/* fs: a filesystem confined to one directory by the kernel.
 * Either the process chroot()ed into the root (when started as root), or
 * every path is resolved with openat2(RESOLVE_IN_ROOT) against a descriptor
 * of the root.  Paths are never confined by string checks: "..", absolute
 * paths and symlinks are all resolved by the kernel inside the root.
 * Paths are as the client gives them: absolute ones are relative to the
 * root, relative ones to fs_root.cwd (the start directory). */
#ifndef SLUICE_FS_H
#define SLUICE_FS_H

#include <stddef.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include "base/base.h"

struct fs_root {
	int fd;			   /* O_PATH|O_DIRECTORY descriptor of the root */
	int chrooted;		   /* 1 after chroot(): fd is "/" */
	char cwd[SLUICE_MAX_PATH]; /* start directory inside the root, "/" by default */
};
#define FS_ROOT_ZERO                                                                               \
	{                                                                                          \
		-1, 0, "/"                                                                         \
	}

/* Opens dir as the root; chroot()s into it first when do_chroot (needs root).
 * cwd is set to "/". */
int fs_root_open(struct fs_root *r, const char *dir, int do_chroot);
void fs_root_close(struct fs_root *r);
/* Sets r->cwd (a path inside the root; must be an existing directory). */
int fs_root_set_cwd(struct fs_root *r, const char *path);

/* Like openat(2); -1 + errno on failure. */
int fs_open(const struct fs_root *r, const char *path, int flags, mode_t mode);
DIR *fs_opendir(const struct fs_root *r, const char *path);
int fs_stat(const struct fs_root *r, const char *path, struct stat *st);
int fs_lstat(const struct fs_root *r, const char *path, struct stat *st);
int fs_mkdir(const struct fs_root *r, const char *path, mode_t mode);
int fs_rmdir(const struct fs_root *r, const char *path);
int fs_unlink(const struct fs_root *r, const char *path);
/* flags: 0 or RENAME_NOREPLACE (SFTP v3 rename must not overwrite). */
int fs_rename(const struct fs_root *r, const char *from, const char *to, unsigned flags);
int fs_link(const struct fs_root *r, const char *oldpath, const char *newpath);
/* Creates linkpath pointing at target (stored verbatim). */
int fs_symlink(const struct fs_root *r, const char *target, const char *linkpath);
/* Returns length; the target verbatim, NUL-terminated. -1 + errno. */
ssize_t fs_readlink(const struct fs_root *r, const char *path, char *buf, size_t cap);
int fs_chmod(const struct fs_root *r, const char *path, mode_t mode, int follow);
int fs_chown(const struct fs_root *r, const char *path, uid_t uid, gid_t gid, int follow);
/* times[0] atime, times[1] mtime, as utimensat(2). */
int fs_utimens(const struct fs_root *r, const char *path, const struct timespec times[2],
	       int follow);
int fs_truncate(const struct fs_root *r, const char *path, off_t size);
int fs_statvfs(const struct fs_root *r, const char *path, struct statvfs *sv);
/* Canonical absolute path inside the root ("/a/b"), symlinks resolved,
 * "." and ".." removed.  The last component may not exist yet (scp -r needs
 * it); earlier ones must.  Returns the length of out; -1 + errno
 * (ENAMETOOLONG when out is too small, ELOOP after 40 symlinks). */
int fs_realpath(const struct fs_root *r, const char *path, char *out, size_t cap);

/* Opens path for reading only if it would pass OpenSSH's StrictModes:
 * no symbolic link on the way, every directory and the file owned by root
 * or owner and writable by neither group nor others (root-owned sticky
 * directories excepted), a regular file.  -1 + errno on failure, with why
 * (a phrase) and the offending path prefix in bad when the modes were the
 * reason. */
int fs_open_strict(const char *path, uid_t owner, char *bad, size_t badcap, const char **why);
/* The same walk for the directories above path (not path itself), which
 * must all belong to root: 1, or 0 with errno, why and bad. */
int fs_strict_parents(const char *path, char *bad, size_t badcap, const char **why);

#endif
