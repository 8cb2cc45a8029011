/* channel_app: what a session channel runs, behind one interface (struct
 * channel_app): the sftp subsystem, scp for an exec request whose command
 * is scp's (SFTPD_SCP), and md5sum, sha1sum and sha256sum computed in
 * place (SFTPD_HASH_COMMANDS).  Any other exec request is refused: nothing
 * is ever executed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log/log.h"
#include "../client_match.h"
#include "../hashsum/hashsum.h"
#include "../scp/scp.h"
#include "ssh.h"

#define EXEC_LOG_MAX 200 /* bytes of a command shown in the log */

/* --- sftp ------------------------------------------------------------- */

static size_t sftp_app_input(void *ctx, const unsigned char *p, size_t n)
{
	size_t room = sftp_server_input_room(ctx);
	if (n > room) n = room;
	if (!n || !sftp_server_input(ctx, p, n)) return 0;
	return n;
}

static int sftp_app_run(void *ctx, int eof)
{
	(void)eof;
	if (sftp_server_run(ctx)) return 1;
	log_warn("sftp protocol error: %s", strerror(errno));
	return 0;
}

static size_t sftp_app_pending(const void *ctx)
{
	const unsigned char *p;
	size_t n;
	sftp_server_output(ctx, &p, &n);
	return n;
}

static size_t sftp_app_output(void *ctx, unsigned char *dst, size_t cap)
{
	const unsigned char *p;
	size_t n;
	sftp_server_output(ctx, &p, &n);
	if (n > cap) n = cap;
	memcpy(dst, p, n);
	sftp_server_consume(ctx, n);
	return n;
}

static const unsigned char *sftp_app_view(const void *ctx, size_t *n)
{
	const unsigned char *p;
	sftp_server_output(ctx, &p, n);
	return p;
}

static void sftp_app_consume(void *ctx, size_t n)
{
	sftp_server_consume(ctx, n);
}

static int sftp_app_finished(void *ctx, int eof, uint32_t *status)
{
	if (!eof || sftp_server_pending(ctx)) return 0;
	*status = 0;
	return 1;
}

static void sftp_app_free(void *ctx)
{
	sftp_server_free(ctx);
}

static void sftp_app_idle(void *ctx)
{
	sftp_server_release_idle(ctx);
}

static const struct channel_app channel_app_sftp = {
    .name = "sftp",
    .idle = sftp_app_idle,
    .view = sftp_app_view,
    .consume = sftp_app_consume,
    .input = sftp_app_input,
    .run = sftp_app_run,
    .pending = sftp_app_pending,
    .output = sftp_app_output,
    .finished = sftp_app_finished,
    .free = sftp_app_free,
};

int channel_start_sftp(struct session *s, struct channel *ch)
{
	if (ch->app) return 0;
	s->sftp_opt.max_version = client_sftp_version(s);
	ch->ctx = sftp_server_new(&s->root, &s->sftp_opt);
	if (!ch->ctx) {
		log_error("unable to start the sftp subsystem: %s", strerror(errno));
		return 0;
	}
	ch->app = &channel_app_sftp;
	log_info("sftp session started for %s", s->user);
	return 1;
}

/* --- scp -------------------------------------------------------------- */

static size_t scp_app_input(void *ctx, const unsigned char *p, size_t n)
{
	return scp_input(ctx, p, n);
}

static int scp_app_run(void *ctx, int eof)
{
	(void)eof;
	if (scp_run(ctx)) return 1;
	log_error("scp: %s", strerror(errno));
	return 0;
}

static size_t scp_app_pending(const void *ctx)
{
	return scp_output_pending(ctx);
}

static size_t scp_app_output(void *ctx, unsigned char *dst, size_t cap)
{
	return scp_output(ctx, dst, cap);
}

static int scp_app_finished(void *ctx, int eof, uint32_t *status)
{
	return scp_finished(ctx, eof, status);
}

static void scp_app_free(void *ctx)
{
	scp_free(ctx);
}

static const struct channel_app channel_app_scp = {
    .name = "scp",
    .input = scp_app_input,
    .run = scp_app_run,
    .pending = scp_app_pending,
    .output = scp_app_output,
    .finished = scp_app_finished,
    .free = scp_app_free,
};

/* --- md5sum, sha1sum, sha256sum ----------------------------------------- */

static size_t hashsum_app_input(void *ctx, const unsigned char *p, size_t n)
{
	return hashsum_input(ctx, p, n);
}

static int hashsum_app_run(void *ctx, int eof)
{
	return (int)hashsum_run(ctx, eof);
}

static size_t hashsum_app_pending(const void *ctx)
{
	return hashsum_pending(ctx);
}

static size_t hashsum_app_output(void *ctx, unsigned char *dst, size_t cap)
{
	return hashsum_output(ctx, dst, cap);
}

static int hashsum_app_finished(void *ctx, int eof, uint32_t *status)
{
	(void)eof;
	return hashsum_finished(ctx, status);
}

static void hashsum_app_free(void *ctx)
{
	hashsum_free(ctx);
}

static size_t hashsum_app_err_pending(const void *ctx)
{
	return hashsum_err_pending(ctx);
}

static size_t hashsum_app_err_output(void *ctx, unsigned char *dst, size_t cap)
{
	return hashsum_err_output(ctx, dst, cap);
}

static const struct channel_app channel_app_hashsum = {
    .name = "hashsum",
    .input = hashsum_app_input,
    .run = hashsum_app_run,
    .pending = hashsum_app_pending,
    .output = hashsum_app_output,
    .finished = hashsum_app_finished,
    .free = hashsum_app_free,
    .err_pending = hashsum_app_err_pending,
    .err_output = hashsum_app_err_output,
};

/* A printable, shortened copy of a client's command for the log. */
static const char *exec_printable(char *buf, size_t cap, const char *cmd, size_t len)
{
	size_t i, n = len < cap - 4 ? len : cap - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)cmd[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	strcpy(buf + n, n < len ? "..." : "");
	return buf;
}

/* A hash command is accepted even when malformed, like scp's: the client
 * learns from the exit status, the log says why. */
static int start_hashsum(struct session *s, struct channel *ch, const char *cmd, size_t len,
			 const char *shown)
{
	const char *why;

	ch->ctx = hashsum_new(&s->root, cmd, len, &why);
	if (!ch->ctx) {
		log_error("unable to start %s: %s", shown, strerror(errno));
		return 0;
	}
	if (why)
		log_warn("refused hash command %s: %s", shown, why);
	else
		log_info("hash command for %s: %s", s->user, shown);
	ch->app = &channel_app_hashsum;
	return 1;
}

int channel_start_exec(struct session *s, struct channel *ch, const char *cmd, size_t len)
{
	char shown[EXEC_LOG_MAX + 4];
	struct scp_options o = {
	    s->sftp_opt.umask, s->sftp_opt.read_only,  s->user,		s->sftp_opt.write_only,
	    s->sftp_opt.deny,  s->sftp_opt.force_mode, s->sftp_opt.mode};
	struct scp_cmd *c;

	exec_printable(shown, sizeof shown, cmd, len);
	if (!ch->app && s->cf[CF_HASH_COMMANDS].num && hashsum_cmd_is_hashsum(cmd, len)) {
		/* a checksum reads the file: not for a drop box */
		if (s->sftp_opt.write_only) {
			log_info("refused exec request: %s (drop box: no reading)", shown);
			return 0;
		}
		return start_hashsum(s, ch, cmd, len, shown);
	}
	if (ch->app || !s->cf[CF_SCP].num || s->scp_refused || !scp_cmd_is_scp(cmd, len)) {
		log_info("refused exec request: %s%s", shown,
			 s->scp_refused ? " (the account's policy says scp=no)" : "");
		return 0;
	}
	c = malloc(sizeof *c);
	if (!c) {
		log_error("unable to start scp: %s", strerror(errno));
		return 0;
	}
	if (scp_cmd_parse(cmd, len, c)) {
		log_info("scp session started for %s: %s", s->user, shown);
		ch->ctx = scp_new(&s->root, &o, c);
	} else {
		/* Accepted, to say why on the channel: a failed request tells the
		 * user nothing. */
		log_warn("scp: refused command %s: %s", shown, c->error);
		ch->ctx = scp_new_refused(c->error);
	}
	free(c);
	if (!ch->ctx) {
		log_error("unable to start scp: %s", strerror(errno));
		return 0;
	}
	ch->app = &channel_app_scp;
	return 1;
}
