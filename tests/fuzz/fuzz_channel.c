/* fuzz_channel: the connection protocol (channel.c) with the sftp
 * subsystem or scp (exec requests) behind it, for an authenticated session over a temporary root
 * made once (emptied now and then).  The input is a list of payloads, each
 * with a 2-byte big-endian length; each goes to channel_handle, then the
 * channels are pumped and the output dropped. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/log.h"
#include "../../sftpd/ssh/ssh.h"

#define FUZZ_CHANNEL_CLEAN_EVERY 4096
#define FUZZ_CHANNEL_FINAL_PUMPS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_env[] = {"SFTPD_USERS_FILE=/nonexistent/users", "SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_AUTH_METHODS=publickey", "SFTPD_MAX_SESSIONS=4", 0};
static char fuzz_dir[] = "/tmp/fuzz_channel.XXXXXX";
static struct conf_value fuzz_cf[CF_COUNT];
static struct fs_root fuzz_root = FS_ROOT_ZERO;
static unsigned long fuzz_runs;
static struct session fuzz_s;

/* Unreachable: the session starts authenticated (and confined, as the
 * session process is after privsep.c's session_confine). */
void session_confine(struct session *s, const struct account *a)
{
	(void)s;
	(void)a;
	abort();
}

static int fuzz_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level == 0) return 0; /* keep the root itself */
	remove(path);
	return 0;
}

static void fuzz_setup(void)
{
	char err[256];

	if (fuzz_root.fd >= 0) return;
	log_init("fuzz_channel", "fuzz");
	if (!algo_init()) abort();
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, fuzz_env, err, sizeof err))
		abort();
	if (!mkdtemp(fuzz_dir) || !fs_root_open(&fuzz_root, fuzz_dir, 0)) abort();
}

static void session_start(struct session *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->kex.done_once = 1;
	s->authed = 1;
	s->mon = -1; /* the signer, needed only for a rekey, which never starts here */
	strcpy(s->user, "fuzz");
	s->root = fuzz_root;
	strcpy(s->home_in_root, "/");
	s->sftp_opt.umask = 022;
	s->sftp_opt.max_handles = 8;
	s->sftp_opt.user = s->user;
	s->sftp_opt.home = s->home_in_root;
}

static void session_end(struct session *s)
{
	for (unsigned i = 0; i < s->max_channels; i++) {
		struct channel *ch = &s->channels[i];
		if (ch->state == CHANNEL_FREE) {
			if (ch->app || ch->in.p) abort(); /* a free channel holds nothing */
			continue;
		}
		if (ch->app) ch->app->free(ch->ctx);
		buf_free(&ch->in);
	}
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
}

/* Drops what the session sent; checks it stayed within its ceilings. */
static void drop_output(struct session *s)
{
	if (buf_used(&s->t.tx) > SSH_TX_MAX || buf_used(&s->t.deferred)) abort();
	buf_consume(&s->t.tx, buf_used(&s->t.tx));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_s;

	fuzz_setup();
	if (++fuzz_runs % FUZZ_CHANNEL_CLEAN_EVERY == 0)
		nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
	session_start(s);
	while (size >= 2 && !s->closing) {
		size_t n = (size_t)data[0] << 8 | data[1];
		unsigned char *p;
		int ok;
		data += 2, size -= 2;
		if (n > size) n = size;
		if (!n) continue;
		/* a copy of exactly n bytes, so any over-read is caught */
		p = malloc(n);
		if (!p) abort();
		memcpy(p, data, n);
		data += n, size -= n;
		/* connection.c's dispatch sends only these types here */
		ok = p[0] < SSH_MSG_GLOBAL_REQUEST || p[0] > SSH_MSG_CHANNEL_FAILURE ||
		     channel_handle(s, p[0], p, n);
		free(p);
		if (!ok) break;
		if (!channel_pump(s)) break;
		drop_output(s);
		if (channel_any_open(s) > (int)s->cf[CF_MAX_SESSIONS].num) abort();
	}
	for (int i = 0; i < FUZZ_CHANNEL_FINAL_PUMPS && channel_pump(s); i++)
		drop_output(s);
	session_end(s);
	return 0;
}
