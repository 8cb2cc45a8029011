/* scp: one legacy SCP transfer — creation, the public interface the
 * channel layer drives, the queue of control bytes, reading lines and
 * answers from the client, and the warning (\1) and fatal (\2) lines that
 * report errors to the client and to the log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "account/account.h"
#include "log/log.h"
#include "scp_internal.h"

static struct scp *scp_alloc(void)
{
	struct scp *s = calloc(1, sizeof *s);
	if (!s) return 0;
	s->fd = -1;
	return s;
}

struct scp *scp_new(const struct fs_root *root, const struct scp_options *opt,
		    const struct scp_cmd *cmd)
{
	struct scp *s = scp_alloc();
	if (!s) return (errno = ENOMEM, (struct scp *)0);
	s->root = root;
	s->umask = opt->umask & 0777;
	s->read_only = opt->read_only;
	s->write_only = opt->write_only;
	s->deny = opt->deny;
	s->force_mode = opt->force_mode;
	s->forced_mode = opt->mode & 0777;
	if (opt->user && strlen(opt->user) < sizeof s->user) strcpy(s->user, opt->user);
	s->cmd = *cmd;
	if (scp_policy_refuses(s, SCP_ACT_PRESERVE)) s->cmd.flags &= ~(unsigned)SCP_PRESERVE;
	if (cmd->sink)
		scp_sink_start(s);
	else
		scp_source_start(s);
	return s;
}

const char *scp_policy_refuses(const struct scp *s, enum scp_action act)
{
	switch (act) {
	case SCP_ACT_UPLOAD:
		return s->read_only ? "uploads are refused: the session is read-only" : 0;
	case SCP_ACT_DOWNLOAD:
		return s->write_only ? "downloads are refused: the account is a drop box" : 0;
	case SCP_ACT_OVERWRITE:
		return s->write_only ? "drop box: existing files are not changed" : 0;
	case SCP_ACT_MKDIR:
		return s->deny & ACCOUNT_DENY_MKDIR ? "mkdir denied by the account's policy" : 0;
	case SCP_ACT_PRESERVE:
		return s->write_only || (s->deny & ACCOUNT_DENY_SETSTAT)
			   ? "setting modes and times is denied by the account's policy"
			   : 0;
	}
	return 0;
}

struct scp *scp_new_refused(const char *why)
{
	struct scp *s = scp_alloc();
	if (!s) return (errno = ENOMEM, (struct scp *)0);
	scp_fatal(s, "%s", why);
	return s;
}

void scp_free(struct scp *s)
{
	if (!s) return;
	if (s->cmd.sink)
		scp_sink_close(s);
	else
		scp_source_close(s);
	scp_glob_free(s);
	free(s);
}

size_t scp_input(struct scp *s, const unsigned char *p, size_t n)
{
	if (s->state == SCP_DONE) return n; /* nothing more is read: let it flow */
	return s->cmd.sink ? scp_sink_input(s, p, n) : scp_source_input(s, p, n);
}

int scp_run(struct scp *s)
{
	if (s->state == SCP_DONE || s->cmd.sink) return 1;
	return scp_source_run(s);
}

size_t scp_output_pending(const struct scp *s)
{
	if (s->out_end > s->out_start) return s->out_end - s->out_start;
	if (s->state != SCP_SRC_DATA) return 0;
	return s->left > SIZE_MAX ? SIZE_MAX : (size_t)s->left;
}

size_t scp_output(struct scp *s, unsigned char *dst, size_t cap)
{
	size_t n = s->out_end - s->out_start;
	if (n) {
		if (n > cap) n = cap;
		memcpy(dst, s->out + s->out_start, n);
		s->out_start += n;
		if (s->out_start == s->out_end) s->out_start = s->out_end = 0;
		return n;
	}
	if (s->state == SCP_SRC_DATA) return scp_source_data(s, dst, cap);
	return 0;
}

int scp_finished(struct scp *s, int eof, uint32_t *status)
{
	if (s->state != SCP_DONE && eof) {
		/* Between lines the client's EOF is the end of an upload; any
		 * other time a download or upload was cut short. */
		if (s->state == SCP_SINK_LINE && !s->line_len) {
			scp_end(s, 0);
		} else if (s->state != SCP_SRC_DATA && s->state != SCP_SRC_NEXT) {
			log_warn("scp: the client ended the transfer early");
			scp_end(s, 1);
		}
	}
	if (s->state != SCP_DONE || scp_output_pending(s)) return 0;
	*status = s->status;
	return 1;
}

/* --- the queue of control bytes ---------------------------------------- */

size_t scp_out_room(const struct scp *s)
{
	return SCP_OUT_CAP - (s->out_end - s->out_start);
}

void scp_queue(struct scp *s, const void *p, size_t n)
{
	if (n > SCP_OUT_CAP - s->out_end && s->out_start) {
		memmove(s->out, s->out + s->out_start, s->out_end - s->out_start);
		s->out_end -= s->out_start;
		s->out_start = 0;
	}
	if (n > SCP_OUT_CAP - s->out_end) {
		/* callers keep SCP_OUT_ROOM free before each step */
		log_error("scp: control queue full");
		return;
	}
	memcpy(s->out + s->out_end, p, n);
	s->out_end += n;
}

void scp_ack(struct scp *s)
{
	scp_queue(s, "", 1);
}

void scp_log_transfer(const struct scp *s, const char *path, int upload, int ok)
{
	struct log_transfer t = {"scp", s->user, path, upload, ok, s->moved, 0};
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t.seconds = (double)(now.tv_sec - s->opened.tv_sec) +
		    (double)(now.tv_nsec - s->opened.tv_nsec) / 1e9;
	log_transfer(&t);
}

const char *scp_printable(char *buf, size_t cap, const char *str)
{
	size_t i;
	for (i = 0; str[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)str[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[i] = 0;
	return buf;
}

/* "\1scp: text\n" or "\2scp: text\n", control characters replaced: a
 * newline inside would end the line early for the client. */
static void scp_message(struct scp *s, char kind, const char *fmt, va_list ap)
{
	char text[SCP_MAX_MESSAGE], line[SCP_MAX_MESSAGE + 8];
	int n;

	vsnprintf(text, sizeof text, fmt, ap);
	n = snprintf(line, sizeof line, "%cscp: ", kind);
	scp_printable(line + n, sizeof line - (size_t)n - 1, text);
	log_warn("%s", line + 1);
	strcat(line, "\n");
	scp_queue(s, line, strlen(line));
}

void scp_warn(struct scp *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scp_message(s, 1, fmt, ap);
	va_end(ap);
	s->errors++;
}

void scp_fatal(struct scp *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scp_message(s, 2, fmt, ap);
	va_end(ap);
	scp_end(s, 1);
}

void scp_end(struct scp *s, int failed)
{
	if (s->state == SCP_DONE) return;
	s->state = SCP_DONE;
	s->status = failed || s->errors ? 1 : 0;
	if (s->cmd.npaths) /* not for a refused command */
		log_info("scp: %s %llu file%s, %llu bytes; exit status %u",
			 s->cmd.sink ? "received" : "sent", (unsigned long long)s->files,
			 s->files == 1 ? "" : "s", (unsigned long long)s->bytes,
			 (unsigned)s->status);
}

/* --- reading from the client ------------------------------------------- */

size_t scp_take_line(struct scp *s, const unsigned char *p, size_t n, int *complete)
{
	const unsigned char *nl = memchr(p, '\n', n);
	size_t k = nl ? (size_t)(nl - p) + 1 : n;

	*complete = 0;
	if (s->line_len + k > SCP_MAX_LINE) {
		s->line_len = 0;
		scp_fatal(s, "protocol error: control line longer than %u bytes", SCP_MAX_LINE);
		return n;
	}
	memcpy(s->line + s->line_len, p, k);
	s->line_len += k;
	if (nl) {
		s->line[--s->line_len] = 0;
		*complete = 1;
	}
	return k;
}

size_t scp_take_answer(struct scp *s, const unsigned char *p, size_t n, int *complete,
		       enum scp_answer *answer)
{
	size_t k;

	*complete = 0;
	if (!n) return 0;
	if (!s->line_len && p[0] == 0) {
		*complete = 1;
		*answer = SCP_ANSWER_OK;
		return 1;
	}
	k = scp_take_line(s, p, n, complete);
	if (!*complete) return k;
	/* Anything but \0 and \1 is fatal, as for OpenSSH's scp. */
	*answer = s->line[0] == 1 ? SCP_ANSWER_WARNING : SCP_ANSWER_FATAL;
	{
		char text[SCP_MAX_MESSAGE];
		const char *t = s->line[0] == 1 || s->line[0] == 2 ? s->line + 1 : s->line;
		log_warn("scp: the client reports%s: %s",
			 *answer == SCP_ANSWER_FATAL ? " a fatal error" : "",
			 scp_printable(text, sizeof text, t));
	}
	s->line_len = 0;
	if (*answer == SCP_ANSWER_WARNING) s->errors++;
	return k;
}

int scp_join(char *out, size_t cap, const char *dir, size_t dirlen, const char *name)
{
	size_t nl = strlen(name);
	int slash = dirlen && dir[dirlen - 1] != '/';

	if (dirlen + (size_t)slash + nl >= cap) return (errno = ENAMETOOLONG, 0);
	memmove(out, dir, dirlen);
	if (slash) out[dirlen] = '/';
	memcpy(out + dirlen + (size_t)slash, name, nl + 1);
	return 1;
}
