/* fuzz_userauth: the input is one SERVICE_REQUEST or USERAUTH_REQUEST
 * payload for a session after its key exchange.  A users file made once
 * knows "alice" (no password login) whose authorized_keys holds one fixed
 * ed25519 key, so publickey queries can be answered with PK_OK; nobody can
 * sign for it, so authentication must never succeed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/log.h"
#include "../../sftpd/ssh/ssh.h"

#define FUZZ_AUTH_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINxWD0O5ERq19mHUBACnhQlJI3fLN301MAGeg7BnGW2e fuzz\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_userauth.XXXXXX";
static char fuzz_users_env[SLUICE_MAX_PATH + 64];
static struct conf_value fuzz_cf[CF_COUNT];
static int fuzz_ready;
static struct session fuzz_s;

/* Only a valid signature leads here, and nobody holds the key. */
void session_confine(struct session *s)
{
	(void)s;
	abort();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) abort();
}

static void fuzz_setup(void)
{
	char path[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + 64], err[256];
	char *env[] = {fuzz_users_env, "SFTPD_AUTH_FAIL_DELAY_MS=0", "SFTPD_AUTH_METHODS=publickey",
		       "SFTPD_MAX_AUTH_TRIES=3", 0};

	if (fuzz_ready) return;
	log_init("fuzz_userauth", "fuzz");
	if (!algo_init() || !mkdtemp(fuzz_dir)) abort();
	snprintf(path, sizeof path, "%s/.ssh", fuzz_dir);
	if (mkdir(path, 0700)) abort();
	snprintf(path, sizeof path, "%s/.ssh/authorized_keys", fuzz_dir);
	write_file(path, "# fuzz\n" FUZZ_AUTH_KEY);
	snprintf(line, sizeof line, "alice:*:1000:1000:%s\n", fuzz_dir);
	snprintf(path, sizeof path, "%s/users", fuzz_dir);
	write_file(path, line);
	snprintf(fuzz_users_env, sizeof fuzz_users_env, "SFTPD_USERS_FILE=%s", path);
	/* conf_load keeps pointers into env: its strings are static or literals */
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, env, err, sizeof err)) abort();
	fuzz_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_s;
	unsigned char *p;

	fuzz_setup();
	if (size < 1 || size > SSH_MAX_PAYLOAD) return 0;
	if (data[0] != SSH_MSG_SERVICE_REQUEST && data[0] != SSH_MSG_USERAUTH_REQUEST) return 0;
	/* userauth wipes passwords in place: give it a writable copy */
	p = malloc(size);
	if (!p) abort();
	memcpy(p, data, size);
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->kex.done_once = 1;
	memset(s->kex.session_id, 0x5a, 32);
	s->kex.session_id_len = 32;
	/* the same request three times: the lookup, then repeats, then the limit */
	for (int i = 0; i < 3 && !s->closing; i++) {
		if (!userauth_handle(s, p[0], p, size)) break;
		if (s->authed) abort();
		if (buf_used(&s->t.deferred)) abort(); /* no key exchange is running */
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
		memcpy(p, data, size);
	}
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	free(p);
	return 0;
}
