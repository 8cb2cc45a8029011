/* fuzz_monitor: the privileged monitor's requests (monitor.c) as a hostile
 * network child or session process sends them.  The input is a sequence of
 * records, each a 2-byte big-endian length and that many bytes; the same
 * sequence goes to a monitor in each state (before authentication, after a
 * signed key exchange, authenticated, receiving the hand-over, handed over,
 * the signer) until a request is refused.  Made once: two ed25519 host
 * keys, a users file where alice has a random password, and her one
 * authorized key; SFTPD_AUTH_METHODS is a chain or keyboard-interactive
 * alone.
 * Checked: every reply is well formed, every signature verifies with the
 * host key, failures never pass the limit, and nobody authenticates. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "../../sftpd/monitor.h"
#include "../../sftpd/ssh/ssh.h"

#define FUZZ_AUTH_KEY                                                                              \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINxWD0O5ERq19mHUBACnhQlJI3fLN301MAGeg7BnGW2e fuzz\n"
#define FUZZ_MAX_RECORDS 64
#define FUZZ_MAX_TRIES 3
#define FUZZ_N_HOST_KEYS 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_monitor.XXXXXX";
static char fuzz_users_env[SLUICE_MAX_PATH + 64], fuzz_keys_env[SLUICE_MAX_PATH + 64];
static struct conf_value fuzz_cf[CF_COUNT];
static struct key_private *fuzz_keys[FUZZ_N_HOST_KEYS];
static int fuzz_ready;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) abort();
}

static void fuzz_setup(void)
{
	char path[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + ACCOUNT_MAX_HASH + 64], err[256];
	char hash[ACCOUNT_MAX_HASH];
	unsigned char pw[32];
	char *env[] = {fuzz_users_env,
		       fuzz_keys_env,
		       "SFTPD_AUTH_FAIL_DELAY_MS=0",
		       "SFTPD_MAX_AUTH_TRIES=3",
		       "SFTPD_AUTH_METHODS=publickey,password keyboard-interactive",
		       0};

	if (fuzz_ready) return;
	log_init("fuzz_monitor", "fuzz");
	if (!algo_init() || !mkdtemp(fuzz_dir)) abort();
	/* ed25519 only: libcrypto objects of an ECDSA key live in sodium_malloc
	 * memory, which LeakSanitizer does not scan, so they look leaked */
	if (!key_generate(&fuzz_keys[0], KEY_ED25519, 0) ||
	    !key_generate(&fuzz_keys[1], KEY_ED25519, 0))
		abort();
	snprintf(path, sizeof path, "%s/alice.keys", fuzz_dir);
	write_file(path, "# fuzz\n" FUZZ_AUTH_KEY);
	/* a password nobody knows: authentication must never succeed */
	algo_random(pw, sizeof pw);
	if (!account_hash_password((const char *)pw, sizeof pw, hash, sizeof hash)) abort();
	snprintf(line, sizeof line, "alice:%s:1000:1000:%s\n", hash, fuzz_dir);
	snprintf(path, sizeof path, "%s/users", fuzz_dir);
	write_file(path, line);
	snprintf(fuzz_users_env, sizeof fuzz_users_env, "SFTPD_USERS_FILE=%s", path);
	snprintf(fuzz_keys_env, sizeof fuzz_keys_env, "SFTPD_AUTHORIZED_KEYS=%s/%%u.keys",
		 fuzz_dir);
	/* conf_load keeps pointers into env: its strings are static or literals */
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, env, err, sizeof err))
		abort();
	fuzz_ready = 1;
}

/* The states a monitor is fuzzed in. */
enum fuzz_start {
	START_PREAUTH,
	START_KEX_DONE,
	START_AUTHED,
	START_RECEIVING,
	START_HANDED_OVER,
	START_SIGNER,
	START_COUNT
};

static const unsigned char fuzz_hash[32] = "fuzz-exchange-hash-0123456789ab";

/* Every reply waiting on the child's end must be well formed; a signature
 * must verify over the hash last asked for. */
static void drain(int fd, const unsigned char *hash, size_t hlen, uint32_t idx)
{
	static unsigned char r[MON_RECORD_MAX];
	for (;;) {
		ssize_t n = recv(fd, r, sizeof r, MSG_DONTWAIT);
		struct wire_in in;
		const unsigned char *sig;
		uint32_t siglen;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		if (n <= 0) abort();
		if (r[0] == MON_ANSWER) {
			if (n != 3 || r[1] > MON_PARTIAL || r[2] > 1) abort();
			continue;
		}
		if (r[0] != MON_SIGNATURE || !hash || idx >= FUZZ_N_HOST_KEYS) abort();
		wire_in_init(&in, r + 1, (size_t)n - 1);
		wire_get_string(&in, &sig, &siglen);
		if (!wire_done(&in)) abort();
		{
			const struct key_public *pub = key_private_public(fuzz_keys[idx]);
			if (!key_verify(pub, key_type_name(pub->type), sig, siglen, hash, hlen))
				abort();
		}
	}
}

/* A record built here must be accepted. */
static void must(struct monitor *m, const struct wire_out *w)
{
	if (w->bad || !monitor_request(m, w->p, w->len)) abort();
}

static void start(struct monitor *m, int fd, enum fuzz_start st)
{
	unsigned char rec[256];
	struct wire_out w;

	monitor_init(m, fd, fuzz_cf, fuzz_keys, FUZZ_N_HOST_KEYS);
	if (st == START_PREAUTH) return;
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_SIGN);
	wire_put_u32(&w, 1);
	wire_put_u32(&w, 0);
	wire_put_cstring(&w, "ssh-ed25519");
	wire_put_string(&w, fuzz_hash, sizeof fuzz_hash);
	must(m, &w);
	if (st == START_KEX_DONE) return;
	if (st == START_SIGNER) {
		monitor_forget_account(m);
		m->state = MON_SIGNER;
		return;
	}
	/* as after a successful authentication */
	m->user_set = 1;
	strcpy(m->user, "alice");
	strcpy(m->method, "password");
	m->state = MON_AUTHED;
	if (st == START_AUTHED) return;
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_HANDOVER);
	wire_put_string(&w, fuzz_hash, 16);
	wire_put_u32(&w, st == START_RECEIVING ? 1000 : 0);
	must(m, &w);
}

static void run(const uint8_t *data, size_t size, enum fuzz_start st)
{
	struct monitor m;
	int sv[2];
	size_t pos = 0;
	enum mon_state before;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) abort();
	start(&m, sv[0], st);
	drain(sv[1], fuzz_hash, sizeof fuzz_hash, 0);
	for (unsigned i = 0; i < FUZZ_MAX_RECORDS && size - pos >= 2; i++) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1], hlen = 0;
		unsigned char *rec;
		const unsigned char *hash = 0;
		uint32_t idx = 0;
		int r;

		pos += 2;
		if (len > size - pos) len = size - pos;
		if (len > MON_RECORD_MAX) len = MON_RECORD_MAX;
		/* exactly len bytes, so a read past the record is caught */
		rec = malloc(len ? len : 1);
		if (!rec) abort();
		memcpy(rec, data + pos, len);
		pos += len;
		/* what a signature reply must verify over */
		if (len >= 1 + 4 + 4 + 4 && rec[0] == MON_SIGN) {
			struct wire_in in;
			uint32_t skip, n;
			const unsigned char *alg;
			wire_in_init(&in, rec + 1, len - 1);
			wire_get_u32(&in, &skip);
			wire_get_u32(&in, &idx);
			wire_get_string(&in, &alg, &skip);
			if (wire_get_string(&in, &hash, &n)) hlen = n;
		}
		before = m.state;
		r = monitor_request(&m, rec, len);
		drain(sv[1], hash, hlen, idx);
		free(rec);
		if (m.failures > FUZZ_MAX_TRIES) abort();
		if (m.session_id_len != 0 && m.session_id_len != 32 && m.session_id_len != 48 &&
		    m.session_id_len != 64)
			abort();
		if (m.state != MON_SIGNER && m.kex_number > MON_PREAUTH_MAX_KEX) abort();
		/* nobody knows alice's password or holds her key */
		if (before == MON_PREAUTH && m.state != MON_PREAUTH) abort();
		if (m.state == MON_HANDED_OVER &&
		    (m.input_got != m.input_len || m.handover_len > MON_STATE_MAX))
			abort();
		if (m.input_got > m.input_len || m.input_len > MON_INPUT_MAX) abort();
		if (!r) {
			if (!m.why[0]) abort();
			break;
		}
	}
	close(sv[0]);
	close(sv[1]);
	monitor_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	for (int st = 0; st < START_COUNT; st++)
		run(data, size, (enum fuzz_start)st);
	return 0;
}
