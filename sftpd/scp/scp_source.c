/* scp_source: `scp -f PATH...`, the client downloads.  For each path (a
 * wildcard in its last component expanded by scp_glob.c), and with -r
 * each directory entry below it, the T (with -p), C or D line goes out and
 * the client's answer is awaited; a file's bytes are read straight into
 * the outgoing packets as the channel window allows.  A read error turns
 * the rest of the file into zeros, as the size was promised, and the
 * file's status into a warning, as OpenSSH's scp does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log/log.h"
#include "scp_internal.h"

#define SRC_SHRANK (-1) /* file_errno: the file ended before its size */

void scp_source_start(struct scp *s)
{
	char pr[SCP_MAX_MESSAGE];

	log_info("scp: download of \"%s\"%s%s%s",
		 scp_printable(pr, sizeof pr, scp_cmd_path(&s->cmd, 0)),
		 s->cmd.npaths > 1 ? " and more" : "",
		 s->cmd.flags & SCP_RECURSIVE ? " (recursive)" : "",
		 s->cmd.flags & SCP_PRESERVE ? " (times and modes kept)" : "");
	if (scp_policy_refuses(s, SCP_ACT_DOWNLOAD)) {
		scp_fatal(s, "%s", scp_policy_refuses(s, SCP_ACT_DOWNLOAD));
		return;
	}
	s->state = SCP_SRC_WAIT;
	s->wait = SCP_WAIT_START;
}

static void src_pop(struct scp *s)
{
	closedir(s->dirs[--s->depth].dir);
}

void scp_source_close(struct scp *s)
{
	if (s->fd >= 0) {
		char pr[SCP_MAX_MESSAGE];
		log_info("scp: \"%s\" cut short after %llu of %llu bytes",
			 scp_printable(pr, sizeof pr, s->path),
			 (unsigned long long)(s->size - s->left), (unsigned long long)s->size);
		close(s->fd);
		s->fd = -1;
		if (s->state == SCP_SRC_DATA) scp_log_transfer(s, s->path, 0, 0);
	}
	while (s->depth)
		src_pop(s);
}

static void src_line(struct scp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void src_line(struct scp *s, const char *fmt, ...)
{
	char line[SCP_MAX_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof line) scp_queue(s, line, (size_t)n);
}

static void src_times(struct scp *s, const struct stat *st)
{
	src_line(s, "T%llu 0 %llu 0\n", (unsigned long long)(st->st_mtime < 0 ? 0 : st->st_mtime),
		 (unsigned long long)(st->st_atime < 0 ? 0 : st->st_atime));
}

static void src_entry(struct scp *s, char kind)
{
	src_line(s, "%c%04o %llu %s\n", kind, s->mode,
		 (unsigned long long)(kind == 'C' ? s->size : 0), s->name);
}

/* The name a path given by the client goes by: its last component, or,
 * for ".", ".." and the like, that of the directory they stand for. */
static const char *src_top_name(struct scp *s, char *buf, size_t cap)
{
	const char *last;

	while (s->pathlen > 1 && s->path[s->pathlen - 1] == '/')
		s->path[--s->pathlen] = 0;
	last = strrchr(s->path, '/');
	last = last ? last + 1 : s->path;
	if (*last && strcmp(last, ".") && strcmp(last, "..")) return last;
	if (fs_realpath(s->root, s->path, buf, cap) < 0) return 0;
	last = strrchr(buf, '/');
	last = last ? last + 1 : buf;
	return *last ? last : 0;
}

static void src_dir(struct scp *s, int fd, const struct stat *st, const char *pr)
{
	struct scp_dir *d;
	DIR *dir;

	if (s->depth == SCP_MAX_DEPTH) {
		close(fd);
		scp_warn(s, "%s: directories nested too deeply", pr);
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		scp_warn(s, "%s: %s", pr, strerror(e));
		return;
	}
	d = &s->dirs[s->depth++];
	d->dir = dir;
	d->len = s->pathlen;
	s->state = SCP_SRC_WAIT;
	if (s->cmd.flags & SCP_PRESERVE) {
		src_times(s, st);
		s->wait = SCP_WAIT_DIR_TIMES;
	} else {
		src_entry(s, 'D');
		s->wait = SCP_WAIT_DIR;
	}
}

/* Starts sending s->path, named entry (NULL: a path from the command). */
static void src_item(struct scp *s, const char *entry)
{
	char pr[SCP_MAX_MESSAGE], canon[SLUICE_MAX_PATH];
	const char *name, *bad = 0;
	struct stat st;
	int fd, fl;

	scp_printable(pr, sizeof pr, s->path);
	fd = fs_open(s->root, s->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0) close(fd);
		scp_warn(s, "%s: %s", pr, strerror(e));
		return;
	}
	name = entry ? entry : src_top_name(s, canon, sizeof canon);
	if (S_ISDIR(st.st_mode) ? !(s->cmd.flags & SCP_RECURSIVE) : !S_ISREG(st.st_mode))
		bad = "not a regular file";
	else if (!name)
		bad = "the root directory has no name to be sent by";
	else if (strchr(name, '\n') || strlen(name) >= sizeof s->name)
		bad = "a name that cannot be sent";
	if (bad) {
		close(fd);
		scp_warn(s, "%s: %s", pr, bad);
		return;
	}
	strcpy(s->name, name);
	s->mode = (unsigned)st.st_mode & 07777;
	if (S_ISDIR(st.st_mode)) {
		src_dir(s, fd, &st, pr);
		return;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	s->fd = fd;
	s->size = (uint64_t)st.st_size;
	s->state = SCP_SRC_WAIT;
	if (s->cmd.flags & SCP_PRESERVE) {
		src_times(s, &st);
		s->wait = SCP_WAIT_FILE_TIMES;
	} else {
		src_entry(s, 'C');
		s->wait = SCP_WAIT_FILE;
	}
}

/* The next path of the command: 1 with s->path set, 0 after a warning
 * (call again), -1 when there is none left. */
static int src_next_top(struct scp *s)
{
	const char *p, *pat;
	unsigned i;
	long r;

	if (s->glob_next < s->glob_n) {
		p = s->glob_store + s->glob_off[s->glob_next++];
	} else {
		scp_glob_free(s);
		if (s->next_word == s->cmd.npaths) return -1;
		i = s->next_word++;
		p = scp_cmd_path(&s->cmd, i);
		pat = scp_cmd_pattern(&s->cmd, i);
		r = pat ? scp_glob(s, pat) : 0;
		if (r > 0) return src_next_top(s);
		if (r < 0) {
			char pr[SCP_MAX_MESSAGE];
			scp_warn(s, "%s: %s", scp_printable(pr, sizeof pr, p),
				 errno == EINVAL
				     ? "wildcards are expanded in the last component only"
				 : errno == E2BIG ? "too many names match"
						  : strerror(errno));
			return 0;
		}
	}
	if (!*p || strlen(p) >= sizeof s->path) {
		char pr[SCP_MAX_MESSAGE];
		scp_warn(s, "%s: %s", scp_printable(pr, sizeof pr, p),
			 strerror(*p ? ENAMETOOLONG : ENOENT));
		return 0;
	}
	s->pathlen = strlen(p);
	memcpy(s->path, p, s->pathlen + 1);
	return 1;
}

/* The next entry of the directory being sent, or its end. */
static void src_next_entry(struct scp *s)
{
	struct scp_dir *d = &s->dirs[s->depth - 1];
	struct dirent *de;
	char pr[SCP_MAX_MESSAGE];

	errno = 0;
	de = readdir(d->dir);
	if (!de) {
		s->path[d->len] = 0;
		if (errno)
			scp_warn(s, "%s: %s", scp_printable(pr, sizeof pr, s->path),
				 strerror(errno));
		src_pop(s);
		scp_queue(s, "E\n", 2);
		s->state = SCP_SRC_WAIT;
		s->wait = SCP_WAIT_DIR_END;
		return;
	}
	if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) return;
	if (!scp_join(s->path, sizeof s->path, s->path, d->len, de->d_name)) {
		s->path[d->len] = 0;
		scp_warn(s, "%s/%s: %s", scp_printable(pr, sizeof pr, s->path), de->d_name,
			 strerror(errno));
		return;
	}
	s->pathlen = strlen(s->path);
	src_item(s, de->d_name);
}

int scp_source_run(struct scp *s)
{
	while (s->state == SCP_SRC_NEXT && scp_out_room(s) >= SCP_OUT_ROOM) {
		int r;
		if (s->depth) {
			src_next_entry(s);
			continue;
		}
		r = src_next_top(s);
		if (r < 0)
			scp_end(s, 0);
		else if (r > 0)
			src_item(s, 0);
	}
	return 1;
}

static void src_end_file(struct scp *s)
{
	char pr[SCP_MAX_MESSAGE];

	close(s->fd);
	s->fd = -1;
	s->state = SCP_SRC_WAIT;
	s->wait = SCP_WAIT_FILE_END;
	scp_printable(pr, sizeof pr, s->path);
	scp_log_transfer(s, s->path, 0, !s->file_errno);
	if (s->file_errno) {
		scp_warn(s, "%s: %s", pr,
			 s->file_errno == SRC_SHRANK ? "the file shrank while it was sent"
						     : strerror(s->file_errno));
		return;
	}
	s->files++;
	log_info("scp: sent \"%s\" %llu bytes", pr, (unsigned long long)s->size);
	scp_ack(s);
}

size_t scp_source_data(struct scp *s, unsigned char *dst, size_t cap)
{
	size_t k = cap < s->left ? cap : (size_t)s->left;
	ssize_t r = 0;

	if (!s->file_errno) {
		do
			r = read(s->fd, dst, k);
		while (r < 0 && errno == EINTR);
		if (r > 0) k = (size_t)r;
		if (r <= 0) s->file_errno = r < 0 ? errno : SRC_SHRANK;
	}
	if (r <= 0) {
		memset(dst, 0, k);
	} else {
		s->bytes += k;
		s->moved += k;
	}
	s->left -= k;
	if (!s->left) src_end_file(s);
	return k;
}

/* The client's answer: \1 skips what it was for, \2 ends everything. */
static void src_answer(struct scp *s, enum scp_answer a)
{
	int ok = a == SCP_ANSWER_OK;
	char pr[SCP_MAX_MESSAGE];

	if (a == SCP_ANSWER_FATAL) {
		scp_source_close(s);
		scp_end(s, 1);
		return;
	}
	s->state = SCP_SRC_NEXT;
	switch (s->wait) {
	case SCP_WAIT_FILE_TIMES:
	case SCP_WAIT_DIR_TIMES:
		if (!ok) break;
		src_entry(s, s->wait == SCP_WAIT_FILE_TIMES ? 'C' : 'D');
		s->state = SCP_SRC_WAIT;
		s->wait = s->wait == SCP_WAIT_FILE_TIMES ? SCP_WAIT_FILE : SCP_WAIT_DIR;
		return;
	case SCP_WAIT_FILE:
		if (!ok) break;
		log_info("scp: send \"%s\" mode %04o size %llu",
			 scp_printable(pr, sizeof pr, s->path), s->mode,
			 (unsigned long long)s->size);
		s->state = SCP_SRC_DATA;
		s->left = s->size;
		s->file_errno = 0;
		s->moved = 0;
		clock_gettime(CLOCK_MONOTONIC, &s->opened);
		if (!s->left) src_end_file(s);
		return;
	default: /* the start, and the ends of files and directories */
		return;
	}
	/* refused by the client: skip that file or directory */
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	} else if (s->wait == SCP_WAIT_DIR || s->wait == SCP_WAIT_DIR_TIMES) {
		src_pop(s);
	}
}

size_t scp_source_input(struct scp *s, const unsigned char *p, size_t n)
{
	size_t taken = 0;

	/* an answer may be followed by a line: room for it first */
	while (taken < n && s->state == SCP_SRC_WAIT && scp_out_room(s) >= SCP_OUT_ROOM) {
		int complete;
		enum scp_answer a;
		taken += scp_take_answer(s, p + taken, n - taken, &complete, &a);
		if (complete) src_answer(s, a);
	}
	return s->state == SCP_DONE ? n : taken;
}
