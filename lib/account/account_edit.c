/* account_edit.c: adding, replacing and removing users-file lines.  The
 * file is rewritten whole into a temporary file in the same directory
 * (mode 0600, or the old file's mode and owner), fsync()ed and renamed over
 * the old one; every other line is kept byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <skalibs/allreadwrite.h>
#include "account/account_internal.h"
#include "log/log.h"

struct account_edit {
	const char *name;    /* whose line to replace or drop */
	const char *newline; /* replacement line (no '\n'), NULL to remove */
	size_t newlen;
	int matched;
	char *out;
	size_t len, cap;
};

static int account_out_put(struct account_edit *e, const char *s, size_t n)
{
	if (n > ACCOUNT_FILE_MAX_BYTES - e->len) return (errno = EMSGSIZE, 0);
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : 4096;
		char *p;
		while (cap < e->len + n)
			cap *= 2;
		p = realloc(e->out, cap);
		if (!p) return 0;
		e->out = p;
		e->cap = cap;
	}
	memcpy(e->out + e->len, s, n);
	e->len += n;
	return 1;
}

/* 1 if line's first field (up to ':') is name; comments never match. */
static int account_line_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && !memcmp(line, name, n) && line[0] != '#';
}

static int account_edit_line(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno)
{
	struct account_edit *e = ctx;

	if (!line) /* over-long: it cannot be copied through, and is not ours to drop */
		return (account_error_line = lineno, errno = EPROTO, 0);
	if (!account_line_is(line, len, e->name))
		return account_out_put(e, line, len) && (!has_nl || account_out_put(e, "\n", 1));
	if (e->newline && !e->matched)
		if (!account_out_put(e, e->newline, e->newlen) || !account_out_put(e, "\n", 1))
			return 0;
	e->matched = 1;
	return 1;
}

static void account_sync_dir(const char *path)
{
	char dir[SLUICE_MAX_PATH];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	int fd;

	if (!slash)
		memcpy(dir, ".", 2);
	else if (!n)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes s to a temporary next to path and renames it over path. */
static int account_replace_file(const char *path, const char *s, size_t n, const struct stat *old)
{
	char tmp[SLUICE_MAX_PATH];
	size_t plen = strlen(path);
	int fd, e;

	if (plen + 8 >= sizeof tmp) return (errno = ENAMETOOLONG, 0);
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) return 0;
	if (old) {
		if (fchown(fd, old->st_uid, old->st_gid) < 0 && geteuid() == 0) goto fail;
		if (fchmod(fd, old->st_mode & 0777) < 0) goto fail;
	}
	if (allwrite(fd, s, n) != n || fsync(fd) < 0) goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) goto fail;
	account_sync_dir(path);
	return 1;
fail:
	e = errno;
	if (fd >= 0) close(fd);
	unlink(tmp);
	errno = e;
	return 0;
}

/* Reads path through account_edit_line into e->out; *existed tells if it was there. */
static int account_edit_read(const char *path, struct account_edit *e, struct stat *st,
			     int *existed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc, err;

	*existed = 0;
	if (fd < 0) return errno == ENOENT;
	*existed = 1;
	rc = fstat(fd, st) == 0 && account_file_each(fd, account_edit_line, e);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* FILE.lock, held exclusively for a whole read-modify-write: two edits at
 * once (two sluice-keytool runs) queue instead of one losing the other's
 * line.  The lock file stays: removing it would let a third edit lock a
 * new file while the second still holds the old one. */
static int account_edit_lock(const char *path)
{
	char lock[SLUICE_MAX_PATH];
	int fd;

	if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock)
		return (errno = ENAMETOOLONG, -1);
	fd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return (errno = e, -1);
		}
	return fd;
}

/* After an edit, a compiled FILE.cdb is brought up to date (lookups would
 * otherwise fall back to the slower FILE, which is now newer). */
static void account_edit_refresh_cdb(const char *path)
{
	char cdbpath[SLUICE_MAX_PATH];
	struct stat st;

	if (snprintf(cdbpath, sizeof cdbpath, "%s.cdb", path) >= (int)sizeof cdbpath) return;
	if (stat(cdbpath, &st) == 0 && !account_cdb_build(path, 0, 0))
		log_warn("users file %s: unable to rebuild %s: %s", path, cdbpath, strerror(errno));
}

static int account_edit_run(const char *path, struct account_edit *e)
{
	struct stat st;
	int existed, rc = 0, lock = account_edit_lock(path);

	if (lock < 0) return 0;
	if (!account_edit_read(path, e, &st, &existed)) goto done;
	if (!e->newline && !e->matched) {
		errno = ENOENT;
		goto done;
	}
	if (e->newline && !e->matched) {
		if (e->len && e->out[e->len - 1] != '\n' && !account_out_put(e, "\n", 1)) goto done;
		if (!account_out_put(e, e->newline, e->newlen) || !account_out_put(e, "\n", 1))
			goto done;
	}
	rc = account_replace_file(path, e->out ? e->out : "", e->len, existed ? &st : NULL);
	if (rc) account_edit_refresh_cdb(path);
done : {
	int err = errno;
	free(e->out);
	close(lock);
	errno = err;
}
	return rc;
}

int account_file_set(const char *path, const struct account *a)
{
	char line[ACCOUNT_MAX_LINE + 1];
	struct account_edit e;
	int n;

	if (!account_format_line(a, line, sizeof line)) return 0;
	n = (int)strlen(line);
	memset(&e, 0, sizeof e);
	e.name = a->name;
	e.newline = line;
	e.newlen = (size_t)n;
	return account_edit_run(path, &e);
}

int account_file_remove(const char *path, const char *name)
{
	struct account_edit e;

	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	memset(&e, 0, sizeof e);
	e.name = name;
	return account_edit_run(path, &e);
}
