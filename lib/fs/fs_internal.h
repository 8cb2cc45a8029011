/* fs_internal.h: helpers shared by the fs_*.c files: joining a client path
 * to the start directory, openat2(RESOLVE_IN_ROOT) against the root, and
 * splitting a path into a resolved parent directory plus a last name. */
#ifndef SLUICE_FS_INTERNAL_H
#define SLUICE_FS_INTERNAL_H

#include "fs/fs.h"

/* Last component of a path split off for the *at() calls. */
struct fs_split {
	int dirfd;		    /* O_PATH descriptor of the parent, or -1 */
	int trailing_slash;	    /* path ended in '/' */
	int kind;		    /* enum fs_last_kind */
	char name[SLUICE_MAX_PATH]; /* last component, no slashes */
};

enum fs_last_kind {
	FS_LAST_NAME = 0, /* an ordinary name */
	FS_LAST_DOT,	  /* "." */
	FS_LAST_DOTDOT,	  /* ".." */
	FS_LAST_ROOT,	  /* the path names the root itself ("/", "//") */
};

/* Joins path to r->cwd unless absolute; 0 + ENAMETOOLONG if it does not fit. */
int fs_path_join(const struct fs_root *r, const char *path, char *out, size_t cap);
/* openat2(r->fd, full, flags, mode, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS)
 * on an already joined path; retries EAGAIN a few times.  -1 + errno. */
int fs_openat2_joined(const struct fs_root *r, const char *full, int flags, mode_t mode);
/* fs_path_join + fs_openat2_joined. */
int fs_resolve(const struct fs_root *r, const char *path, int flags, mode_t mode);
/* Splits path; opens the parent unless kind is FS_LAST_ROOT.  The caller
 * acts on kind (dot, dotdot and root are refused like Linux does). */
int fs_split_open(const struct fs_root *r, const char *path, struct fs_split *s);
void fs_split_close(struct fs_split *s);

#endif
