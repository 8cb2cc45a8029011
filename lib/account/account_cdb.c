/* account_cdb.c: the users file compiled to a cdb (skalibs) for sites with
 * many accounts: FILE.cdb maps each name to its whole line, so a lookup
 * costs the same whatever the file's size and parses exactly what a
 * lookup in FILE would.  Names on two lines map to an empty value, which
 * refuses the account as the file does; malformed lines are left out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <skalibs/cdb.h>
#include <skalibs/cdbmake.h>
#include "account/account_internal.h"
#include "log/log.h"

struct account_cdb_entry {
	char name[SLUICE_MAX_USERNAME + 1];
	char *line; /* NULL: the name is on more than one line */
	size_t len;
};

struct account_cdb_build {
	const char *path;
	struct account_cdb_entry *v;
	size_t n, cap;
	unsigned skipped;
};

static int account_cdb_collect(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno)
{
	struct account_cdb_build *b = ctx;
	struct account a;

	(void)has_nl;
	if (!line || !account_parse_line(line, len, &a)) {
		if (line && errno == ENOENT) return 1; /* comment or blank */
		log_warn("users file %s line %u: malformed%s%s, left out", b->path, lineno,
			 account_policy_why ? ": policy: " : "",
			 account_policy_why ? account_policy_why : "");
		b->skipped++;
		return 1;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		void *p = realloc(b->v, cap * sizeof *b->v);
		if (!p) return (errno = ENOMEM, 0);
		b->v = p;
		b->cap = cap;
	}
	memcpy(b->v[b->n].name, a.name, sizeof a.name);
	b->v[b->n].line = malloc(len);
	if (!b->v[b->n].line) return (errno = ENOMEM, 0);
	memcpy(b->v[b->n].line, line, len);
	b->v[b->n].len = len;
	b->n++;
	sodium_memzero(&a, sizeof a);
	return 1;
}

static int account_cdb_cmp(const void *x, const void *y)
{
	return strcmp(((const struct account_cdb_entry *)x)->name,
		      ((const struct account_cdb_entry *)y)->name);
}

static void account_cdb_free(struct account_cdb_build *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].line) {
			sodium_memzero(b->v[i].line, b->v[i].len);
			free(b->v[i].line);
		}
	free(b->v);
}

/* Sorted entries into the cdb on fd; a name seen twice gets "".  The
 * number of names written goes to *names. */
static int account_cdb_write(struct account_cdb_build *b, int fd, unsigned *names)
{
	cdbmaker c = CDBMAKER_ZERO;

	*names = 0;
	qsort(b->v, b->n, sizeof *b->v, account_cdb_cmp);
	if (!cdbmake_start(&c, fd)) return 0;
	for (size_t i = 0; i < b->n;) {
		size_t j = i + 1;
		while (j < b->n && !strcmp(b->v[j].name, b->v[i].name))
			j++;
		if (j - i > 1)
			log_warn("users file %s: %s is on %zu lines: refused", b->path,
				 b->v[i].name, j - i);
		if (!cdbmake_add(&c, b->v[i].name, (unsigned)strlen(b->v[i].name),
				 j - i > 1 ? "" : b->v[i].line,
				 j - i > 1 ? 0 : (unsigned)b->v[i].len))
			return 0;
		(*names)++;
		i = j;
	}
	return cdbmake_finish(&c);
}

int account_cdb_build(const char *path, unsigned *accounts, unsigned *skipped)
{
	struct account_cdb_build b;
	char cdbpath[SLUICE_MAX_PATH], tmp[SLUICE_MAX_PATH];
	struct stat st;
	int fd, out = -1, ok = 0, e;
	unsigned names = 0;

	memset(&b, 0, sizeof b);
	b.path = path;
	if (snprintf(cdbpath, sizeof cdbpath, "%s.cdb", path) >= (int)sizeof cdbpath ||
	    snprintf(tmp, sizeof tmp, "%s.cdb.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return (errno = ENAMETOOLONG, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	if (fstat(fd, &st) < 0 || !account_file_each(fd, account_cdb_collect, &b)) goto done;
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) goto done;
	/* The same owner as the users file: a server reading one reads both. */
	if (fchown(out, st.st_uid, st.st_gid) < 0 && errno != EPERM) goto done;
	ok = account_cdb_write(&b, out, &names) && fsync(out) == 0 && rename(tmp, cdbpath) == 0;
done:
	e = errno;
	if (out >= 0) close(out);
	if (!ok && out >= 0) unlink(tmp);
	close(fd);
	if (ok && accounts) *accounts = names;
	if (ok && skipped) *skipped = b.skipped;
	account_cdb_free(&b);
	errno = e;
	return ok;
}

int account_cdb_current(const char *path, char *cdbpath, size_t cap)
{
	struct stat f, c;

	if (snprintf(cdbpath, cap, "%s.cdb", path) >= (int)cap) return 0;
	if (stat(cdbpath, &c) < 0 || stat(path, &f) < 0) return 0;
	return c.st_mtim.tv_sec > f.st_mtim.tv_sec ||
	       (c.st_mtim.tv_sec == f.st_mtim.tv_sec && c.st_mtim.tv_nsec > f.st_mtim.tv_nsec);
}

int account_lookup_cdb(const char *cdbpath, const char *name, struct account *a)
{
	cdb c = CDB_ZERO;
	cdb_data d;
	char line[ACCOUNT_MAX_LINE + 1];
	int r;

	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	if (!cdb_init(&c, cdbpath)) return 0;
	r = cdb_find(&c, &d, name, (uint32_t)strlen(name));
	if (r < 0) {
		cdb_free(&c);
		return (errno = EPROTO, 0);
	}
	if (!r) {
		cdb_free(&c);
		return (errno = ENOENT, 0);
	}
	if (!d.len) {
		cdb_free(&c);
		log_warn("users file %s: %s is on more than one line: the account is refused",
			 cdbpath, name);
		return (errno = EPROTO, 0);
	}
	if (d.len > ACCOUNT_MAX_LINE) {
		cdb_free(&c);
		return (errno = EPROTO, 0);
	}
	memcpy(line, d.s, d.len);
	r = account_parse_line(line, d.len, a) && !strcmp(a->name, name);
	sodium_memzero(line, sizeof line);
	cdb_free(&c);
	if (!r) return (errno = EPROTO, 0);
	a->from_system = 0;
	return 1;
}
