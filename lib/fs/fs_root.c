/* fs_root.c: opening and closing the confined root, and the start
 * directory that relative client paths are joined to.  With do_chroot the
 * process chroot()s into the directory first (needs root); either way the
 * root is kept as an O_PATH descriptor for openat2(RESOLVE_IN_ROOT). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "fs/fs_internal.h"
#include "priv/priv.h"

/* Fails early with ENOSYS on kernels without openat2 (before 5.6). */
static int fs_root_probe(const struct fs_root *r)
{
	int fd = fs_openat2_joined(r, "/", O_PATH | O_DIRECTORY, 0);
	if (fd < 0) return 0;
	close(fd);
	return 1;
}

int fs_root_open(struct fs_root *r, const char *dir, int do_chroot)
{
	int fd;

	r->fd = -1;
	r->chrooted = 0;
	memcpy(r->cwd, "/", 2);
	if (do_chroot) {
		if (chdir(dir) < 0 || chroot(".") < 0) return 0;
		priv_note_chroot(); /* no name service from here on */
		if (chdir("/") < 0) return 0;
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) return 0;
	r->fd = fd;
	r->chrooted = !!do_chroot;
	if (!fs_root_probe(r)) {
		fs_root_close(r);
		return 0;
	}
	return 1;
}

void fs_root_close(struct fs_root *r)
{
	if (r->fd >= 0) {
		int e = errno;
		close(r->fd);
		errno = e;
	}
	r->fd = -1;
}

int fs_root_set_cwd(struct fs_root *r, const char *path)
{
	char canon[SLUICE_MAX_PATH];
	int fd;

	if (fs_realpath(r, path, canon, sizeof canon) < 0) return 0;
	fd = fs_openat2_joined(r, canon, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) return 0;
	close(fd);
	memcpy(r->cwd, canon, strlen(canon) + 1);
	return 1;
}
