/* account_file.c: reading the sluice users file.  The file is streamed
 * through a fixed buffer (no whole-file allocation); every line is parsed
 * so that a broken line is reported, with its number, rather than skipped. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "account/account_internal.h"

#define ACCOUNT_READ_CHUNK 16384

unsigned account_error_line;

struct account_reader {
	char buf[ACCOUNT_READ_CHUNK + ACCOUNT_MAX_LINE + 1];
	size_t start, end;
	unsigned long long total;
	unsigned lineno;
};

/* Hands every complete line in the buffer to fn; keeps the partial tail. */
static int account_reader_lines(struct account_reader *rd, account_line_fn *fn, void *ctx)
{
	for (;;) {
		char *nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start);
		size_t len;
		if (!nl) break;
		len = (size_t)(nl - (rd->buf + rd->start));
		rd->lineno++;
		if (len > ACCOUNT_MAX_LINE)
			return (account_error_line = rd->lineno, errno = EPROTO, 0);
		if (!fn(ctx, rd->buf + rd->start, len, 1, rd->lineno)) return 0;
		rd->start += len + 1;
	}
	if (rd->end - rd->start > ACCOUNT_MAX_LINE)
		return (account_error_line = rd->lineno + 1, errno = EPROTO, 0);
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
	account_error_line = 0;
	while (ok && !eof)
		ok = account_reader_fill(&rd, fd, &eof) && account_reader_lines(&rd, fn, ctx);
	if (ok && rd.end) ok = fn(ctx, rd.buf, rd.end, 0, ++rd.lineno);
	e = errno;
	sodium_memzero(rd.buf, sizeof rd.buf);
	errno = e;
	return ok;
}

struct account_find {
	const char *name;
	struct account *out;
	int found;
};

static int account_find_line(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno)
{
	struct account_find *f = ctx;
	struct account a;

	(void)has_nl;
	if (!account_parse_line(line, len, &a)) {
		if (errno == ENOENT) return 1; /* comment or blank */
		return (account_error_line = lineno, errno = EPROTO, 0);
	}
	if (strcmp(a.name, f->name)) return 1;
	if (f->found) return (account_error_line = lineno, errno = EPROTO, 0);
	*f->out = a;
	f->found = 1;
	return 1;
}

int account_lookup_file(const char *path, const char *name, struct account *a)
{
	struct account_find f;
	struct account tmp;
	int fd, rc;

	account_error_line = 0;
	if (!account_name_valid(name)) return (errno = ENOENT, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	f.name = name;
	f.out = &tmp;
	f.found = 0;
	rc = account_file_each(fd, account_find_line, &f);
	{
		int e = errno;
		close(fd);
		errno = e;
	}
	if (!rc) return 0;
	if (!f.found) return (errno = ENOENT, 0);
	*a = tmp;
	a->from_system = 0;
	return 1;
}
