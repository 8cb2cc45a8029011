/* account_file.c: reading the sluice users file.  The file is streamed
 * through a fixed buffer (no whole-file allocation).  A broken line is
 * skipped and logged with its number: it costs its own account, not every
 * other one. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "account/account_internal.h"
#include "log/log.h"

#define ACCOUNT_READ_CHUNK 16384

unsigned account_error_line;

struct account_reader {
	char buf[ACCOUNT_READ_CHUNK + ACCOUNT_MAX_LINE + 1];
	size_t start, end;
	unsigned long long total;
	unsigned lineno;
	int skipping; /* inside an over-long line, already reported */
};

/* Hands every complete line in the buffer to fn; keeps the partial tail.
 * An over-long line is reported once (line NULL) and its bytes dropped. */
static int account_reader_lines(struct account_reader *rd, account_line_fn *fn, void *ctx)
{
	for (;;) {
		char *nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start);
		size_t len;
		if (!nl) break;
		len = (size_t)(nl - (rd->buf + rd->start));
		if (rd->skipping) {
			rd->skipping = 0;
		} else {
			rd->lineno++;
			if (len > ACCOUNT_MAX_LINE
				? !fn(ctx, 0, 0, 1, rd->lineno)
				: !fn(ctx, rd->buf + rd->start, len, 1, rd->lineno))
				return 0;
		}
		rd->start += len + 1;
	}
	if (rd->end - rd->start > ACCOUNT_MAX_LINE) {
		if (!rd->skipping && !fn(ctx, 0, 0, 1, ++rd->lineno)) return 0;
		rd->skipping = 1;
		rd->start = rd->end;
	}
	memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
	rd->end -= rd->start;
	rd->start = 0;
	return 1;
}

static int account_reader_fill(struct account_reader *rd, int fd, int *eof)
{
	ssize_t n;
	do
		n = read(fd, rd->buf + rd->end, sizeof rd->buf - rd->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) return 0;
	*eof = n == 0;
	rd->end += (size_t)n;
	rd->total += (unsigned long long)n;
	if (rd->total > ACCOUNT_FILE_MAX_BYTES) return (errno = EMSGSIZE, 0);
	return 1;
}

/* The buffer holds other accounts' hashes: wiped before returning, so a
 * process forked later (sftpd's session process) does not inherit them. */
int account_file_each(int fd, account_line_fn *fn, void *ctx)
{
	struct account_reader rd; /* 20 KiB */
	int eof = 0, ok = 1, e;

	rd.start = rd.end = 0;
	rd.total = 0;
	rd.lineno = 0;
	rd.skipping = 0;
	account_error_line = 0;
	while (ok && !eof)
		ok = account_reader_fill(&rd, fd, &eof) && account_reader_lines(&rd, fn, ctx);
	if (ok && rd.end && !rd.skipping) ok = fn(ctx, rd.buf, rd.end, 0, ++rd.lineno);
	e = errno;
	sodium_memzero(rd.buf, sizeof rd.buf);
	errno = e;
	return ok;
}

struct account_find {
	const char *path;
	const char *name;
	struct account *out;
	int found;
	unsigned dup_line;
};

/* A malformed line costs its own account only: it is skipped and said. */
static int account_find_line(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno)
{
	struct account_find *f = ctx;
	struct account a;

	(void)has_nl;
	if (!line) {
		log_warn("users file %s line %u: longer than %u bytes, skipped", f->path, lineno,
			 ACCOUNT_MAX_LINE);
		return 1;
	}
	if (!account_parse_line(line, len, &a)) {
		if (errno != ENOENT)
			log_warn("users file %s line %u: malformed%s%s, skipped", f->path, lineno,
				 account_policy_why ? ": policy: " : "",
				 account_policy_why ? account_policy_why : "");
		return 1;
	}
	if (!strcmp(a.name, f->name)) {
		if (f->found) {
			f->dup_line = lineno;
		} else {
			*f->out = a;
			f->found = 1;
		}
	}
	/* other accounts' hashes (and this one's copy) leave no trace on the
	 * stack of a process that later becomes a session */
	sodium_memzero(&a, sizeof a);
	return 1;
}

int account_lookup_file(const char *path, const char *name, struct account *a)
{
	struct account_find f;
	struct account tmp;
	int fd, rc;

	char cdbpath[SLUICE_MAX_PATH];

	account_error_line = 0;
	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	if (account_cdb_current(path, cdbpath, sizeof cdbpath))
		return account_lookup_cdb(cdbpath, name, a);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	f.path = path;
	f.name = name;
	f.out = &tmp;
	f.found = 0;
	f.dup_line = 0;
	rc = account_file_each(fd, account_find_line, &f);
	{
		int e = errno;
		close(fd);
		errno = e;
	}
	if (rc && f.found && !f.dup_line) *a = tmp;
	sodium_memzero(&tmp, sizeof tmp);
	if (!rc) return 0;
	if (f.dup_line) {
		/* Which line would win is not for us to guess: the account is refused. */
		log_warn("users file %s line %u: %s appears again; the account is refused", path,
			 f.dup_line, name);
		return (account_error_line = f.dup_line, errno = EPROTO, 0);
	}
	if (!f.found) return (errno = ENOENT, 0);
	a->from_system = 0;
	return 1;
}

struct account_check {
	const char *path;
	unsigned bad;
	char (*names)[SLUICE_MAX_USERNAME + 1];
	unsigned *lines;
	size_t n, cap;
};

static int account_check_line(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno)
{
	struct account_check *c = ctx;
	struct account a;

	(void)has_nl;
	if (!line) {
		log_error("users file %s line %u: longer than %u bytes", c->path, lineno,
			  ACCOUNT_MAX_LINE);
		c->bad++;
		return 1;
	}
	if (!account_parse_line(line, len, &a)) {
		if (errno != ENOENT) {
			log_error("users file %s line %u: malformed%s%s", c->path, lineno,
				  account_policy_why ? ": policy: " : "",
				  account_policy_why ? account_policy_why : "");
			c->bad++;
		}
		return 1;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *nn = realloc(c->names, cap * sizeof *c->names);
		if (!nn) return (errno = ENOMEM, 0);
		c->names = nn;
		nn = realloc(c->lines, cap * sizeof *c->lines);
		if (!nn) return (errno = ENOMEM, 0);
		c->lines = nn;
		c->cap = cap;
	}
	memcpy(c->names[c->n], a.name, sizeof a.name);
	c->lines[c->n++] = lineno;
	sodium_memzero(&a, sizeof a);
	return 1;
}

/* Duplicates: an index sorted by name (then line), neighbours compared. */
static int account_check_cmp(const void *x, const void *y, void *ctx)
{
	const struct account_check *c = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int r = strcmp(c->names[i], c->names[j]);
	return r ? r : (c->lines[i] > c->lines[j]) - (c->lines[i] < c->lines[j]);
}

static unsigned account_check_duplicates(struct account_check *c)
{
	size_t *idx = c->n ? malloc(c->n * sizeof *idx) : 0;
	unsigned dups = 0;

	if (c->n && !idx) return (errno = ENOMEM, 0);
	for (size_t i = 0; i < c->n; i++)
		idx[i] = i;
	qsort_r(idx, c->n, sizeof *idx, account_check_cmp, c);
	for (size_t i = 1; i < c->n; i++)
		if (!strcmp(c->names[idx[i]], c->names[idx[i - 1]])) {
			log_error("users file %s line %u: %s already on line %u", c->path,
				  c->lines[idx[i]], c->names[idx[i]], c->lines[idx[i - 1]]);
			dups++;
		}
	free(idx);
	return dups;
}

int account_file_check(const char *path, unsigned *bad)
{
	struct account_check c;
	int fd, rc, e;

	memset(&c, 0, sizeof c);
	c.path = path;
	*bad = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	rc = account_file_each(fd, account_check_line, &c);
	e = errno;
	close(fd);
	if (rc) {
		errno = 0;
		c.bad += account_check_duplicates(&c);
		rc = !errno;
		e = errno;
	}
	free(c.names);
	free(c.lines);
	*bad = c.bad;
	errno = e;
	return rc;
}
