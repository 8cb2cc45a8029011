/* scp_sink: `scp -t TARGET`, the client uploads.  Control lines (T, C, D,
 * E) are answered one by one; a file's bytes go straight from the
 * client's packets to write(2).  After a write error the bytes are still
 * read (and dropped) to stay in step, and the error is the file's answer,
 * as OpenSSH's scp does.  Every name from the client is one path
 * component (scp_line.c) joined to the target; the kernel confines it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log/log.h"
#include "scp_internal.h"

void scp_sink_start(struct scp *s)
{
	const char *target = scp_cmd_path(&s->cmd, 0);
	char pr[SCP_MAX_MESSAGE];
	struct stat st;
	int e = ENOTDIR;

	s->state = SCP_SINK_LINE;
	if (!*target) target = "."; /* a shell passes '' as an empty word: the start directory */
	log_info("scp: upload to \"%s\"%s%s", scp_printable(pr, sizeof pr, target),
		 s->cmd.flags & SCP_RECURSIVE ? " (recursive)" : "",
		 s->cmd.flags & SCP_PRESERVE ? " (times and modes kept)" : "");
	if (scp_policy_refuses(s, SCP_ACT_UPLOAD)) {
		scp_fatal(s, "%s", scp_policy_refuses(s, SCP_ACT_UPLOAD));
		return;
	}
	if (strlen(target) >= sizeof s->path) {
		scp_fatal(s, "%s: %s", pr, strerror(ENAMETOOLONG));
		return;
	}
	strcpy(s->path, target);
	s->pathlen = strlen(target);
	if (fs_stat(s->root, target, &st))
		s->target_is_dir = S_ISDIR(st.st_mode);
	else
		e = errno;
	if ((s->cmd.flags & SCP_TARGET_DIR) && !s->target_is_dir) {
		scp_fatal(s, "%s: %s", pr, strerror(e));
		return;
	}
	scp_ack(s);
}

void scp_sink_close(struct scp *s)
{
	if (s->fd >= 0) {
		char pr[SCP_MAX_MESSAGE];
		log_info("scp: \"%s\" cut short after %llu of %llu bytes",
			 scp_printable(pr, sizeof pr, s->file),
			 (unsigned long long)(s->size - s->left), (unsigned long long)s->size);
		close(s->fd);
		s->fd = -1;
		scp_log_transfer(s, s->file, 1, 0);
	}
}

/* Where a name from a C or D line goes: into the target directory, or
 * the target itself when it is not one (scp file host:newname). */
static int sink_name(struct scp *s, const char *name)
{
	if (s->depth || s->target_is_dir)
		return scp_join(s->file, sizeof s->file, s->path, s->pathlen, name);
	memcpy(s->file, s->path, s->pathlen + 1);
	return 1;
}

/* The mode a C or D line asks for: exact with -p, else less the umask;
 * a file's is the account's mode= when its policy forces one. */
static unsigned sink_mode(const struct scp *s, unsigned mode, int file)
{
	mode &= 07777;
	if (file && s->force_mode) return s->forced_mode;
	return s->cmd.flags & SCP_PRESERVE ? mode : mode & ~(unsigned)s->umask;
}

static void sink_times(struct scp *s, const struct scp_line *ln)
{
	s->times[0].tv_sec = (time_t)ln->atime;
	s->times[0].tv_nsec = (long)ln->atime_usec * 1000;
	s->times[1].tv_sec = (time_t)ln->mtime;
	s->times[1].tv_nsec = (long)ln->mtime_usec * 1000;
	s->times_set = 1;
	scp_ack(s);
}

/* Opens the file without truncating it (like OpenSSH's scp: an existing
 * file keeps its inode and, without -p, its mode); O_EXCL tells whether
 * it was created.  O_NONBLOCK: a FIFO must not hang the session.
 * -1 + errno, or -2: not a regular file. */
static int sink_open(struct scp *s, unsigned mode)
{
	int fl = O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct stat st;
	int fd;

	s->created = 1;
	fd = fs_open(s->root, s->file, fl | O_CREAT | O_EXCL, (mode_t)(mode | S_IWUSR));
	if (fd < 0 && errno == EEXIST) {
		if (scp_policy_refuses(s, SCP_ACT_OVERWRITE)) {
			log_warn("scp: %s", scp_policy_refuses(s, SCP_ACT_OVERWRITE));
			return (errno = EACCES, -1);
		}
		s->created = 0;
		fd = fs_open(s->root, s->file, fl, 0);
	}
	if (fd < 0) return errno == ENXIO ? -2 : -1; /* a FIFO without a reader */
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return (errno = e, -1);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

static void sink_file(struct scp *s, const struct scp_line *ln)
{
	char pr[SCP_MAX_MESSAGE];
	unsigned mode = sink_mode(s, ln->mode, 1);

	if (!sink_name(s, ln->name)) {
		scp_warn(s, "%s: %s", scp_printable(pr, sizeof pr, ln->name), strerror(errno));
		return;
	}
	scp_printable(pr, sizeof pr, s->file);
	s->fd = sink_open(s, mode);
	if (s->fd < 0) {
		scp_warn(s, "%s: %s", pr, s->fd == -2 ? "not a regular file" : strerror(errno));
		s->fd = -1;
		s->times_set = 0;
		return;
	}
	log_info("scp: receive \"%s\" mode %04o size %llu", pr, mode, (unsigned long long)ln->size);
	s->mode = mode;
	s->size = s->left = ln->size;
	s->file_errno = 0;
	s->moved = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->opened);
	scp_ack(s);
	s->state = s->left ? SCP_SINK_DATA : SCP_SINK_STATUS;
}

static void sink_enter(struct scp *s, const struct scp_line *ln)
{
	char pr[SCP_MAX_MESSAGE];
	unsigned mode = sink_mode(s, ln->mode, 0);
	struct scp_dir *d;
	struct stat st;
	int created = 0, isdir = 0;

	if (!(s->cmd.flags & SCP_RECURSIVE)) {
		scp_fatal(s, "protocol error: received a directory without -r");
		return;
	}
	if (!sink_name(s, ln->name) || s->depth == SCP_MAX_DEPTH) {
		scp_warn(s, "%s: %s", scp_printable(pr, sizeof pr, ln->name),
			 s->depth == SCP_MAX_DEPTH ? "directories nested too deeply"
						   : strerror(errno));
		s->times_set = 0;
		return;
	}
	scp_printable(pr, sizeof pr, s->file);
	if (fs_stat(s->root, s->file, &st)) {
		isdir = S_ISDIR(st.st_mode);
		if (!isdir) errno = ENOTDIR;
	} else if (errno == ENOENT && scp_policy_refuses(s, SCP_ACT_MKDIR)) {
		log_warn("scp: %s", scp_policy_refuses(s, SCP_ACT_MKDIR));
		errno = EACCES;
	} else if (errno == ENOENT && fs_mkdir(s->root, s->file, (mode_t)(mode | S_IRWXU))) {
		created = isdir = 1;
		log_info("scp: mkdir \"%s\" mode %04o", pr, mode);
	}
	if (!isdir) {
		scp_warn(s, "%s: %s", pr, strerror(errno));
		s->times_set = 0;
		return;
	}
	d = &s->dirs[s->depth++];
	d->len = s->pathlen;
	d->mode = mode;
	/* The mode and times are set when the directory is left: writing into
	 * it changes its times, and a mode without u+w would stop the writes. */
	d->set_mode = created || (s->cmd.flags & SCP_PRESERVE);
	d->set_times = s->times_set;
	memcpy(d->times, s->times, sizeof d->times);
	s->times_set = 0;
	s->pathlen = strlen(s->file);
	memcpy(s->path, s->file, s->pathlen + 1);
	scp_ack(s);
}

static void sink_leave(struct scp *s)
{
	struct scp_dir *d;
	char pr[SCP_MAX_MESSAGE];
	const char *fail = 0;

	s->times_set = 0;
	if (!s->depth) { /* E at the top: the client is done (OpenSSH's scp ends too) */
		scp_ack(s);
		scp_end(s, 0);
		return;
	}
	d = &s->dirs[--s->depth];
	if (d->set_times && !fs_utimens(s->root, s->path, d->times, 1)) fail = "set times";
	if (d->set_mode && !fs_chmod(s->root, s->path, d->mode, 1) && !fail) fail = "set mode";
	if (fail)
		scp_warn(s, "%s: %s: %s", scp_printable(pr, sizeof pr, s->path), fail,
			 strerror(errno));
	else
		scp_ack(s);
	s->pathlen = d->len;
	s->path[s->pathlen] = 0;
}

static void sink_line(struct scp *s)
{
	struct scp_line ln;
	const char *why;
	char pr[SCP_MAX_MESSAGE];

	if (!scp_line_parse(s->line, s->line_len, &ln, &why)) {
		s->line_len = 0;
		scp_fatal(s, "protocol error: %s", why);
		return;
	}
	s->line_len = 0; /* ln points into s->line until the next read */
	switch (ln.kind) {
	case SCP_LINE_WARNING:
		log_warn("scp: the client reports: %s", scp_printable(pr, sizeof pr, ln.text));
		s->errors++;
		return;
	case SCP_LINE_FATAL:
		log_warn("scp: the client reports a fatal error: %s",
			 scp_printable(pr, sizeof pr, ln.text));
		scp_end(s, 1);
		return;
	case SCP_LINE_TIMES:
		sink_times(s, &ln);
		return;
	case SCP_LINE_FILE:
		sink_file(s, &ln);
		return;
	case SCP_LINE_DIR:
		sink_enter(s, &ln);
		return;
	case SCP_LINE_END:
		sink_leave(s);
		return;
	}
}

/* File bytes: written while no write has failed, dropped after. */
static size_t sink_data(struct scp *s, const unsigned char *p, size_t n)
{
	size_t k = n < s->left ? n : (size_t)s->left, done = 0;

	while (!s->file_errno && done < k) {
		ssize_t w = write(s->fd, p + done, k - done);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) {
			s->file_errno = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	s->left -= k;
	s->bytes += done;
	s->moved += done;
	if (!s->left) s->state = SCP_SINK_STATUS;
	return k;
}

/* The size, mode and times, in OpenSSH's order; the first failure is the
 * file's answer. */
static void sink_finish(struct scp *s)
{
	const char *step = 0;
	int e = s->file_errno;
	char pr[SCP_MAX_MESSAGE];

	if (!e && ftruncate(s->fd, (off_t)s->size) < 0) e = errno, step = "truncate";
	if (!e &&
	    ((s->cmd.flags & SCP_PRESERVE) ||
	     (s->created && (s->force_mode || !(s->mode & S_IWUSR)))) &&
	    fchmod(s->fd, (mode_t)s->mode) < 0)
		e = errno, step = "set mode";
	if (!e && s->times_set && futimens(s->fd, s->times) < 0) e = errno, step = "set times";
	if (close(s->fd) < 0 && !e) e = errno;
	s->fd = -1;
	s->times_set = 0;
	scp_printable(pr, sizeof pr, s->file);
	scp_log_transfer(s, s->file, 1, !e);
	if (e) {
		scp_warn(s, "%s: %s%s%s", pr, step ? step : "", step ? ": " : "", strerror(e));
		return;
	}
	s->files++;
	log_info("scp: received \"%s\" %llu bytes", pr, (unsigned long long)s->size);
	scp_ack(s);
}

/* The client's answer after a file: \0, or \1 (it could not read all of
 * it: the file is kept as received), or \2 (it gives up). */
static void sink_status(struct scp *s, enum scp_answer a)
{
	if (a == SCP_ANSWER_FATAL) {
		scp_sink_close(s);
		scp_end(s, 1);
		return;
	}
	sink_finish(s);
	if (s->state != SCP_DONE) s->state = SCP_SINK_LINE;
}

size_t scp_sink_input(struct scp *s, const unsigned char *p, size_t n)
{
	size_t taken = 0;

	while (taken < n && s->state != SCP_DONE) {
		int complete;
		enum scp_answer a;

		if (s->state == SCP_SINK_DATA) {
			taken += sink_data(s, p + taken, n - taken);
			continue;
		}
		/* a line or an answer may be answered: room for that first */
		if (scp_out_room(s) < SCP_OUT_ROOM) break;
		if (s->state == SCP_SINK_LINE) {
			taken += scp_take_line(s, p + taken, n - taken, &complete);
			if (complete) sink_line(s);
		} else {
			taken += scp_take_answer(s, p + taken, n - taken, &complete, &a);
			if (complete) sink_status(s, a);
		}
	}
	return s->state == SCP_DONE ? n : taken;
}
