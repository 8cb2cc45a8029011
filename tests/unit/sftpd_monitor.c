/* sftpd_monitor: the privileged monitor's request table (monitor.c) driven
 * with hand-built records, as a hostile network child or session process
 * would send them; replies are read back over the socketpair.  Uses a real
 * users file (argon2id), real host keys and a real authorized_keys file.
 * Includes keyboard-interactive answers and SFTPD_AUTH_METHODS chains: a
 * child that claims a step it has not passed, or asks for the hand-over
 * after half a chain, is refused. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../tap.h"
#include "log/log.h"
#include "wire/wire.h"
#include "../../sftpd/monitor.h"
#include "../../sftpd/ssh/ssh.h"

/* The monitor's own ceilings (monitor.c), restated to test them. */
#define T_SIGALG_MAX 64
#define T_MAX_LOG (8 + LOG_LINE_MAX)
#define T_MAX_VIOLATION 8
#define T_MAX_SIGN (16 + T_SIGALG_MAX + ALGO_HASH_MAX)
#define T_MAX_PASSWORD (16 + SLUICE_MAX_USERNAME + SLUICE_MAX_PASSWORD)
#define T_MAX_KBDINT T_MAX_PASSWORD
#define T_MAX_KBD_START (8 + SLUICE_MAX_USERNAME)
#define T_MAX_KEY_QUERY (16 + SLUICE_MAX_USERNAME + T_SIGALG_MAX + KEY_BLOB_MAX)
#define T_MAX_KEY_VERIFY (24 + SLUICE_MAX_USERNAME + T_SIGALG_MAX + KEY_BLOB_MAX + KEY_SIG_MAX)
#define T_MAX_HANDOVER (16 + MON_STATE_MAX)
#define T_MAX_HANDOVER_DATA MON_RECORD_MAX

static char tmpdir[] = "/tmp/sftpd_monitor.XXXXXX";
static char users_env[2 * SLUICE_MAX_PATH], keys_env[SLUICE_MAX_PATH + 64];
/* conf_load keeps pointers into these strings: they stay for the run. */
static char *env_both[] = {users_env, keys_env, "SFTPD_AUTH_FAIL_DELAY_MS=0",
			   "SFTPD_MAX_AUTH_TRIES=3", 0};
static char *env_pk[] = {users_env,
			 keys_env,
			 "SFTPD_AUTH_FAIL_DELAY_MS=0",
			 "SFTPD_MAX_AUTH_TRIES=3",
			 "SFTPD_AUTH_METHODS=publickey",
			 0};
static char *env_pw[] = {users_env,
			 keys_env,
			 "SFTPD_AUTH_FAIL_DELAY_MS=0",
			 "SFTPD_MAX_AUTH_TRIES=3",
			 "SFTPD_AUTH_METHODS=password",
			 0};
/* SFTPD_AUTH_METHODS chains */
#define N_CHAIN_ENVS 6
static const char *chain_methods[N_CHAIN_ENVS] = {
    "publickey,password",   "publickey,password publickey",
    "publickey,publickey",  "password,publickey publickey,keyboard-interactive",
    "keyboard-interactive", "publickey,keyboard-interactive",
};
enum { CH_KEY_PW, CH_ALT, CH_TWO_KEYS, CH_CROSS, CH_KBD, CH_KEY_KBD };
static char chain_env[N_CHAIN_ENVS][128];
static char *env_chain[N_CHAIN_ENVS][6];
static struct conf_value cf_both[CF_COUNT], cf_pk[CF_COUNT], cf_pw[CF_COUNT];
static struct conf_value cf_chain[N_CHAIN_ENVS][CF_COUNT];

#define N_HOST_KEYS 2
static struct key_private *host_keys[N_HOST_KEYS]; /* ed25519, ecdsa-sha2-nistp256 */
static struct key_private *user_key, *other_key;
static struct key_private *second_key; /* alice's other authorized key */

/* --- one monitor and the other end of its socket ----------------------- */

static int peer = -1;

static void mon_open(struct monitor *m, const struct conf_value *cf)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		printf("Bail out! socketpair: %s\n", strerror(errno));
		exit(1);
	}
	monitor_init(m, sv[0], cf, host_keys, N_HOST_KEYS);
	peer = sv[1];
}

static void mon_close(struct monitor *m)
{
	close(m->fd);
	close(peer);
	monitor_free(m);
	peer = -1;
}

/* --- records ----------------------------------------------------------- */

static unsigned char rec[MON_RECORD_MAX + 64];
static struct wire_out rw;

static void begin(uint8_t type)
{
	wire_out_init(&rw, rec, sizeof rec);
	wire_put_u8(&rw, type);
}

static int send_rec(struct monitor *m)
{
	if (rw.bad) {
		printf("Bail out! record too large for the test buffer\n");
		exit(1);
	}
	return monitor_request(m, rec, rw.len);
}

/* 1 if the request was refused with exactly this reason. */
static int refused(struct monitor *m, size_t len, const char *why)
{
	int r = monitor_request(m, rec, len);
	if (r != 0 || strcmp(m->why, why)) {
		printf("#   returned %d, why '%s' (want 0, '%s')\n", r, m->why, why);
		return 0;
	}
	return 1;
}

static void sign_req(uint32_t kexno, uint32_t idx, const char *alg, const unsigned char *h,
		     size_t hlen)
{
	begin(MON_SIGN);
	wire_put_u32(&rw, kexno);
	wire_put_u32(&rw, idx);
	wire_put_cstring(&rw, alg);
	wire_put_string(&rw, h, hlen);
}

static void password_req(const char *user, const char *pw, size_t pwlen)
{
	begin(MON_PASSWORD);
	wire_put_cstring(&rw, user);
	wire_put_string(&rw, pw, pwlen);
}

static void kbdint_req(const char *user, const char *answer, size_t len)
{
	begin(MON_KBDINT);
	wire_put_cstring(&rw, user);
	wire_put_string(&rw, answer, len);
}

static void query_req(const char *user, const char *alg, const struct key_public *k)
{
	begin(MON_KEY_QUERY);
	wire_put_cstring(&rw, user);
	wire_put_cstring(&rw, alg);
	wire_put_string(&rw, k->blob, k->bloblen);
}

/* What the client signs (RFC 4252 s7), as answer_key_verify rebuilds it. */
static size_t signed_data(unsigned char *out, size_t cap, const unsigned char *sid, size_t sidlen,
			  const char *user, const char *alg, const struct key_public *k)
{
	struct wire_out d;
	wire_out_init(&d, out, cap);
	wire_put_string(&d, sid, sidlen);
	wire_put_u8(&d, SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&d, user);
	wire_put_cstring(&d, "ssh-connection");
	wire_put_cstring(&d, "publickey");
	wire_put_bool(&d, 1);
	wire_put_cstring(&d, alg);
	wire_put_string(&d, k->blob, k->bloblen);
	if (d.bad) abort();
	return d.len;
}

/* A MON_KEY_VERIFY for user with key k's public half, signed by signer over
 * the data built with sid. */
static void verify_req(const char *user, const struct key_private *k,
		       const struct key_private *signer, const unsigned char *sid, size_t sidlen)
{
	const struct key_public *pub = key_private_public(k);
	const char *alg = key_type_name(pub->type);
	unsigned char data[KEY_BLOB_MAX + 512], sig[KEY_SIG_MAX];
	size_t dlen = signed_data(data, sizeof data, sid, sidlen, user, alg, pub), siglen = 0;

	if (!key_sign(signer, alg, data, dlen, sig, &siglen)) abort();
	begin(MON_KEY_VERIFY);
	wire_put_cstring(&rw, user);
	wire_put_cstring(&rw, alg);
	wire_put_string(&rw, pub->blob, pub->bloblen);
	wire_put_string(&rw, sig, siglen);
}

static void handover_req(const unsigned char *st, size_t stlen, uint32_t inlen)
{
	begin(MON_HANDOVER);
	wire_put_string(&rw, st, stlen);
	wire_put_u32(&rw, inlen);
}

static void data_req(const unsigned char *p, size_t n)
{
	begin(MON_HANDOVER_DATA);
	wire_put_bytes(&rw, p, n);
}

static void log_req(uint8_t level, const char *line, size_t n)
{
	begin(MON_LOG);
	wire_put_u8(&rw, level);
	wire_put_string(&rw, line, n);
}

/* --- replies ----------------------------------------------------------- */

static unsigned char reply[MON_RECORD_MAX];
static long reply_len;

/* The next reply, waiting at most a second. */
static long next_reply(void)
{
	reply_len = priv_record_recv(peer, reply, sizeof reply, 1000);
	return reply_len;
}

/* 1 if nothing is waiting on the child's end. */
static int no_reply(void)
{
	long n = priv_record_recv(peer, reply, sizeof reply, 0);
	return n < 0 && errno == ETIMEDOUT;
}

/* 1 if the next reply is MON_ANSWER with these values. */
static int answer_is(int accepted, int last)
{
	if (next_reply() != 3 || reply[0] != MON_ANSWER) {
		printf("#   reply of %ld bytes, type %d\n", reply_len,
		       reply_len > 0 ? reply[0] : -1);
		return 0;
	}
	if (reply[1] != accepted || reply[2] != last) {
		printf("#   answer %d, last %d (want %d, %d)\n", reply[1], reply[2], accepted,
		       last);
		return 0;
	}
	return 1;
}

/* Signs h as key exchange kexno with host key idx; 1 if accepted and the
 * signature verifies with the host public key. */
static int sign_ok(struct monitor *m, uint32_t kexno, uint32_t idx, const unsigned char *h,
		   size_t hlen)
{
	const struct key_public *pub = key_private_public(host_keys[idx]);
	const char *alg = key_type_name(pub->type);
	struct wire_in in;
	const unsigned char *sig;
	uint32_t siglen;
	uint8_t type;

	sign_req(kexno, idx, alg, h, hlen);
	if (send_rec(m) != 1) {
		printf("#   refused: %s\n", m->why);
		return 0;
	}
	if (next_reply() <= 0) return 0;
	wire_in_init(&in, reply, (size_t)reply_len);
	wire_get_u8(&in, &type);
	wire_get_string(&in, &sig, &siglen);
	return wire_done(&in) && type == MON_SIGNATURE &&
	       key_verify(pub, alg, sig, siglen, h, hlen);
}

static unsigned char hash32[32], hash48[48], hash64[64];

/* --- framing ----------------------------------------------------------- */

static void test_framing(void)
{
	static const uint8_t unknown[] = {0,
					  MON_INIT,
					  MON_ANSWER,
					  MON_SIGNATURE,
					  MON_KBD_QUERY,
					  MON_KBD_ANSWERS,
					  MON_KBD_ANSWERS + 1,
					  99,
					  255};
	struct monitor m;
	int all = 1;

	mon_open(&m, cf_both);
	ok(refused(&m, 0, "empty request"), "empty record refused");
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
		begin(unknown[i]);
		wire_put_u32(&rw, 0);
		if (!refused(&m, rw.len, "unknown request")) all = 0;
		begin(unknown[i]);
		if (!refused(&m, rw.len, "unknown request")) all = 0;
	}
	ok(all, "unknown types (0, MON_INIT, MON_ANSWER, MON_SIGNATURE, MON_KBD_QUERY, "
		"MON_KBD_ANSWERS outside a conversation, the next, 99, 255) refused");
	ok(no_reply() && m.state == MON_PREAUTH && m.violation == -1,
	   "  nothing answered, nothing changed");
	begin(MON_KBD_START);
	wire_put_cstring(&rw, "alice");
	ok(refused(&m, rw.len, "keyboard-interactive relay without PAM") && no_reply(),
	   "MON_KBD_START without SFTPD_PAM_SERVICE refused");
	begin(MON_KBD_START);
	wire_put_cstring(&rw, "alice");
	wire_put_u8(&rw, 0);
	ok(refused(&m, rw.len, "malformed keyboard-interactive request"),
	   "MON_KBD_START with a trailing byte refused");
	mon_close(&m);
}

/* One row: a record of its type, ceiling + 1 payload bytes, is refused as
 * too long; at the ceiling it passes the size check. */
static void ceiling(enum mon_type type, enum mon_state state, size_t max, const char *name)
{
	struct monitor m;

	mon_open(&m, cf_both);
	m.state = state;
	memset(rec, 0, max + 2);
	rec[0] = (unsigned char)type;
	ok(refused(&m, 1 + max + 1, "request too long"), "%s of %zu bytes: too long", name,
	   max + 1);
	ok(monitor_request(&m, rec, 1 + max) == 0 && strcmp(m.why, "request too long"),
	   "  of %zu bytes: past the size check (%s)", max, m.why);
	ok(refused(&m, MON_RECORD_MAX, "request too long"), "  of a whole record: too long");
	mon_close(&m);
}

static void test_ceilings(void)
{
	char pw[SLUICE_MAX_PASSWORD];
	char user[SLUICE_MAX_USERNAME + 1];
	struct monitor m;

	ceiling(MON_LOG, MON_PREAUTH, T_MAX_LOG, "MON_LOG");
	ceiling(MON_VIOLATION, MON_PREAUTH, T_MAX_VIOLATION, "MON_VIOLATION");
	ceiling(MON_SIGN, MON_PREAUTH, T_MAX_SIGN, "MON_SIGN");
	ceiling(MON_PASSWORD, MON_PREAUTH, T_MAX_PASSWORD, "MON_PASSWORD");
	ceiling(MON_KBDINT, MON_PREAUTH, T_MAX_KBDINT, "MON_KBDINT");
	ceiling(MON_KBD_START, MON_PREAUTH, T_MAX_KBD_START, "MON_KBD_START");
	ceiling(MON_KEY_QUERY, MON_PREAUTH, T_MAX_KEY_QUERY, "MON_KEY_QUERY");
	ceiling(MON_KEY_VERIFY, MON_PREAUTH, T_MAX_KEY_VERIFY, "MON_KEY_VERIFY");
	ceiling(MON_HANDOVER, MON_AUTHED, T_MAX_HANDOVER, "MON_HANDOVER");

	/* MON_HANDOVER_DATA's ceiling is a whole record: priv_record_recv never
	 * hands over more. */
	mon_open(&m, cf_both);
	m.state = MON_RECEIVING;
	memset(rec, 0, sizeof rec);
	rec[0] = MON_HANDOVER_DATA;
	ok(refused(&m, 1 + T_MAX_HANDOVER_DATA + 1, "request too long"),
	   "MON_HANDOVER_DATA beyond a record: too long");
	ok(refused(&m, 1 + T_MAX_HANDOVER_DATA, "hand-over data beyond its length"),
	   "  a whole record: past the size check");
	mon_close(&m);

	/* The largest well-formed requests fit their rows. */
	mon_open(&m, cf_both);
	memset(user, 'u', SLUICE_MAX_USERNAME);
	user[SLUICE_MAX_USERNAME] = 0;
	memset(pw, 'p', sizeof pw);
	password_req(user, pw, sizeof pw);
	ok(send_rec(&m) == 1 && answer_is(0, 0),
	   "password request with a 64-byte name and a 1024-byte password fits");
	kbdint_req(user, pw, sizeof pw);
	ok(send_rec(&m) == 1 && answer_is(0, 0), "  and so does a keyboard-interactive answer");
	mon_close(&m);
}

/* --- malformed requests ------------------------------------------------ */

/* Every strict prefix of the record in rec (all but the type byte may be
 * cut) and the record with a byte appended are refused with why; nothing is
 * answered and the monitor's state does not move. */
static void cut_and_pad(struct monitor *m, const char *why, const char *name)
{
	size_t full = rw.len, bad = 0;
	enum mon_state st = m->state;
	unsigned fail = m->failures;

	for (size_t len = 1; len < full; len++)
		if (!refused(m, len, why)) bad++;
	ok(!bad, "%s truncated at each of %zu lengths: refused", name, full - 1);
	rec[full] = 0;
	ok(refused(m, full + 1, why), "%s with a trailing byte: refused", name);
	ok(no_reply() && m->state == st && m->failures == fail, "  nothing answered or counted");
}

static void test_malformed(void)
{
	struct monitor m;
	const struct key_public *upub = key_private_public(user_key);
	unsigned char sig[KEY_SIG_MAX];
	unsigned char st[64];
	char longuser[SLUICE_MAX_USERNAME + 2], longalg[T_SIGALG_MAX + 1];

	memset(sig, 7, sizeof sig);
	memset(st, 9, sizeof st);
	mon_open(&m, cf_both);

	sign_req(1, 0, "ssh-ed25519", hash32, sizeof hash32);
	cut_and_pad(&m, "malformed sign request", "MON_SIGN");
	password_req("alice", "secret", 6);
	cut_and_pad(&m, "malformed password request", "MON_PASSWORD");
	kbdint_req("alice", "secret", 6);
	cut_and_pad(&m, "malformed password request", "MON_KBDINT");
	query_req("alice", "ssh-ed25519", upub);
	cut_and_pad(&m, "malformed key query", "MON_KEY_QUERY");
	verify_req("alice", user_key, user_key, hash32, sizeof hash32);
	cut_and_pad(&m, "malformed key verification", "MON_KEY_VERIFY");
	log_req(LOG_INFO, "a line", 6);
	cut_and_pad(&m, "malformed log line", "MON_LOG");
	begin(MON_VIOLATION);
	wire_put_u32(&rw, 41);
	cut_and_pad(&m, "malformed sandbox report", "MON_VIOLATION");
	ok(m.violation == -1, "  a malformed sandbox report records no system call");

	/* C strings: embedded NUL, over-long */
	begin(MON_PASSWORD);
	wire_put_string(&rw, "alice\0root", 10);
	wire_put_string(&rw, "secret", 6);
	ok(refused(&m, rw.len, "malformed password request"), "user name with a NUL refused");
	memset(longuser, 'u', sizeof longuser);
	longuser[SLUICE_MAX_USERNAME + 1] = 0;
	password_req(longuser, "secret", 6);
	ok(refused(&m, rw.len, "malformed password request"), "user name of 65 bytes refused");
	memset(longalg, 'a', sizeof longalg);
	longalg[T_SIGALG_MAX] = 0;
	query_req("alice", longalg, upub);
	ok(refused(&m, rw.len, "malformed key query"), "algorithm name of 64 bytes refused");
	sign_req(1, 0, longalg, hash32, sizeof hash32);
	ok(refused(&m, rw.len, "malformed sign request"), "  in a sign request too");
	begin(MON_KEY_QUERY);
	wire_put_cstring(&rw, "alice");
	wire_put_string(&rw, "ssh-ed25519\0", 12);
	wire_put_string(&rw, upub->blob, upub->bloblen);
	ok(refused(&m, rw.len, "malformed key query"), "algorithm name with a NUL refused");
	begin(MON_PASSWORD);
	wire_put_cstring(&rw, "alice");
	wire_put_u32(&rw, 0x7fffffff);
	ok(refused(&m, rw.len, "malformed password request"), "string length past the end refused");
	ok(no_reply() && !m.user_set && m.failures == 0 && m.state == MON_PREAUTH,
	   "nothing answered, no user taken, nothing counted");

	/* MON_LOG: the level is a syslog priority; lines no longer than a log line */
	log_req(LOG_DEBUG + 1, "a line", 6);
	ok(refused(&m, rw.len, "malformed log line"), "MON_LOG with level LOG_DEBUG + 1 refused");
	log_req(255, "a line", 6);
	ok(refused(&m, rw.len, "malformed log line"), "MON_LOG with level 255 refused");
	log_req(LOG_ALERT, "a line", 6);
	ok(refused(&m, rw.len, "malformed log line"),
	   "MON_LOG with level LOG_ALERT refused (above what log_die uses)");
	log_req(LOG_CRIT, "a line", 6);
	ok(send_rec(&m) == 1 && no_reply(), "MON_LOG with level LOG_CRIT accepted");
	{
		char line[LOG_LINE_MAX + 1];
		memset(line, 'x', sizeof line);
		log_req(LOG_INFO, line, sizeof line);
		ok(refused(&m, rw.len, "malformed log line"),
		   "MON_LOG line of LOG_LINE_MAX + 1 bytes refused");
		log_req(LOG_INFO, line, LOG_LINE_MAX);
		ok(send_rec(&m) == 1, "MON_LOG line of LOG_LINE_MAX bytes accepted");
	}
	log_req(LOG_DEBUG, "debug line", 10);
	ok(send_rec(&m) == 1 && no_reply(), "MON_LOG with level LOG_DEBUG accepted, not answered");
	{
		static const char ctl[] = "line\nwith\x1b[31m control";
		log_req(LOG_ERR, ctl, sizeof ctl - 1);
		ok(send_rec(&m) == 1,
		   "MON_LOG with control characters accepted (the log escapes them)");
	}
	mon_close(&m);

	/* the hand-over record, in the state that allows it */
	mon_open(&m, cf_both);
	m.state = MON_AUTHED;
	handover_req(st, sizeof st, 100);
	cut_and_pad(&m, "malformed hand-over", "MON_HANDOVER");
	ok(!m.handover && !m.input, "  nothing allocated");
	mon_close(&m);
}

/* --- signatures -------------------------------------------------------- */

static void test_sign(void)
{
	struct monitor m;
	unsigned char h[65];
	static const size_t bad_lens[] = {0, 1, 20, 31, 33, 47, 49, 63, 65};
	int all = 1;

	memset(h, 0x42, sizeof h);
	mon_open(&m, cf_both);
	sign_req(0, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "key exchange number 0 refused");
	sign_req(2, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "key exchange number 2 first (skipping 1) refused");
	sign_req(0xffffffffu, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "key exchange number 2^32-1 refused");
	for (size_t i = 0; i < ARRAY_LEN(bad_lens); i++) {
		sign_req(1, 0, "ssh-ed25519", h, bad_lens[i]);
		if (!refused(&m, rw.len, "signature request is not an exchange hash")) all = 0;
	}
	ok(all, "hash sizes other than 32/48/64 refused");
	sign_req(1, N_HOST_KEYS, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"),
	   "key index %u of %u refused", N_HOST_KEYS, N_HOST_KEYS);
	sign_req(1, 0xffffffffu, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"),
	   "key index 2^32-1 refused");
	sign_req(1, 0, "ecdsa-sha2-nistp256", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"),
	   "ecdsa-sha2-nistp256 with the ed25519 key refused");
	sign_req(1, 1, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"),
	   "ssh-ed25519 with the ecdsa key refused");
	sign_req(1, 0, "ssh-rsa", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"), "ssh-rsa refused");
	sign_req(1, 0, "", hash32, 32);
	ok(refused(&m, rw.len, "signature request for no such host key"),
	   "an empty algorithm refused");
	ok(no_reply() && m.kex_number == 0 && m.session_id_len == 0,
	   "refusals answered nothing and recorded nothing");

	ok(sign_ok(&m, 1, 0, hash32, sizeof hash32),
	   "key exchange 1, ed25519, 32-byte hash: signature verifies with the host key");
	ok(m.kex_number == 1 && m.session_id_len == 32 && !memcmp(m.session_id, hash32, 32),
	   "  the first hash is the session id");
	sign_req(1, 0, "ssh-ed25519", hash48, 48);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "a second signature for key exchange 1 refused");
	sign_req(3, 0, "ssh-ed25519", hash48, 48);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "key exchange 3 after 1 refused");
	ok(sign_ok(&m, 2, 1, hash48, sizeof hash48),
	   "key exchange 2, ecdsa, 48-byte hash: signature verifies");
	ok(sign_ok(&m, 3, 0, hash64, sizeof hash64), "key exchange 3, 64-byte hash: verifies");
	ok(m.session_id_len == 32 && !memcmp(m.session_id, hash32, 32),
	   "  the session id stays the first hash");
	ok(sign_ok(&m, 4, 0, hash32, sizeof hash32), "key exchange %d (MON_PREAUTH_MAX_KEX) signed",
	   MON_PREAUTH_MAX_KEX);
	sign_req(MON_PREAUTH_MAX_KEX + 1, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "too many key exchanges"),
	   "key exchange %d before authentication refused", MON_PREAUTH_MAX_KEX + 1);
	ok(no_reply() && m.kex_number == MON_PREAUTH_MAX_KEX, "  not answered, not counted");

	m.state = MON_AUTHED;
	sign_req(MON_PREAUTH_MAX_KEX + 1, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "request out of order"), "MON_SIGN in state MON_AUTHED refused");
	m.state = MON_RECEIVING;
	ok(refused(&m, rw.len, "request out of order"), "MON_SIGN in state MON_RECEIVING refused");
	m.state = MON_HANDED_OVER;
	ok(refused(&m, rw.len, "request out of order"),
	   "MON_SIGN in state MON_HANDED_OVER refused");

	m.state = MON_SIGNER;
	snprintf(m.account.hash, sizeof m.account.hash, "$y$j9T$somesalt$somehash");
	m.user_known = 1;
	monitor_forget_account(&m);
	ok(sodium_is_zero((const unsigned char *)m.account.hash, sizeof m.account.hash) &&
	       !m.user_known,
	   "monitor_forget_account wipes the password hash");
	ok(sign_ok(&m, MON_PREAUTH_MAX_KEX + 1, 0, hash48, sizeof hash48),
	   "signer: key exchange %d accepted", MON_PREAUTH_MAX_KEX + 1);
	sign_req(MON_PREAUTH_MAX_KEX + 1, 0, "ssh-ed25519", hash48, 48);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "signer: the same number again refused");
	sign_req(MON_PREAUTH_MAX_KEX + 3, 0, "ssh-ed25519", hash48, 48);
	ok(refused(&m, rw.len, "signature out of key exchange order"),
	   "signer: skipping a number refused");
	all = 1;
	for (uint32_t n = MON_PREAUTH_MAX_KEX + 2; n < MON_PREAUTH_MAX_KEX + 12; n++)
		if (!sign_ok(&m, n, n % N_HOST_KEYS, hash32, sizeof hash32)) all = 0;
	ok(all, "signer: ten more key exchanges, each signed");
	ok(m.session_id_len == 32 && !memcmp(m.session_id, hash32, 32),
	   "signer: the session id never changes");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "request out of order"), "signer: MON_PASSWORD refused");
	query_req("alice", "ssh-ed25519", key_private_public(user_key));
	ok(refused(&m, rw.len, "request out of order"), "signer: MON_KEY_QUERY refused");
	handover_req(hash32, 32, 0);
	ok(refused(&m, rw.len, "request out of order"), "signer: MON_HANDOVER refused");
	mon_close(&m);
}

/* --- hostkeys-prove ------------------------------------------------------ */

static void prove_req(uint32_t idx, const char *alg)
{
	begin(MON_PROVE);
	wire_put_u32(&rw, idx);
	wire_put_cstring(&rw, alg);
}

/* The signer's proof of key idx verifies over the data OpenSSH's client
 * builds: the request name, the session id, the key's blob. */
static int prove_ok(struct monitor *m, uint32_t idx)
{
	const struct key_public *pub = key_private_public(host_keys[idx]);
	const char *alg = key_type_name(pub->type);
	unsigned char data[4096];
	struct wire_out d;
	struct wire_in in;
	const unsigned char *sig;
	uint32_t siglen;
	uint8_t type;

	prove_req(idx, alg);
	if (send_rec(m) != 1) {
		printf("#   refused: %s\n", m->why);
		return 0;
	}
	if (next_reply() <= 0) return 0;
	wire_out_init(&d, data, sizeof data);
	wire_put_cstring(&d, "hostkeys-prove-00@openssh.com");
	wire_put_string(&d, m->session_id, m->session_id_len);
	wire_put_string(&d, pub->blob, pub->bloblen);
	wire_in_init(&in, reply, (size_t)reply_len);
	wire_get_u8(&in, &type);
	wire_get_string(&in, &sig, &siglen);
	return wire_done(&in) && type == MON_SIGNATURE &&
	       key_verify(pub, alg, sig, siglen, data, d.len);
}

static void test_prove(void)
{
	struct monitor m;

	mon_open(&m, cf_both);
	prove_req(0, "ssh-ed25519");
	ok(refused(&m, rw.len, "request out of order"), "MON_PROVE before authentication refused");
	m.state = MON_SIGNER;
	ok(refused(&m, rw.len, "prove request before a key exchange"),
	   "MON_PROVE before any key exchange refused");
	m.state = MON_PREAUTH;
	ok(sign_ok(&m, 1, 0, hash32, sizeof hash32), "a key exchange signed (the session id)");
	m.state = MON_SIGNER;
	monitor_forget_account(&m);
	prove_req(N_HOST_KEYS, "ssh-ed25519");
	ok(refused(&m, rw.len, "prove request for no such host key"), "key index %u refused",
	   N_HOST_KEYS);
	prove_req(1, "ssh-ed25519");
	ok(refused(&m, rw.len, "prove request for no such host key"),
	   "ssh-ed25519 for the ecdsa key refused");
	prove_req(0, "ssh-rsa");
	ok(refused(&m, rw.len, "prove request for no such host key"), "ssh-rsa (SHA-1) refused");
	prove_req(0, "ssh-ed25519");
	ok(refused(&m, rw.len - 3, "malformed prove request"), "a cut request refused");
	ok(no_reply() && !m.proved, "refusals answered nothing and recorded nothing");
	ok(prove_ok(&m, 0), "signer: the ed25519 key's proof verifies over name, session id, blob");
	ok(prove_ok(&m, 1), "signer: the ecdsa key's proof verifies");
	prove_req(0, "ssh-ed25519");
	ok(refused(&m, rw.len, "host key proved twice"), "the same key proved twice refused");
	mon_close(&m);
}

/* --- PROXY addresses ----------------------------------------------------- */

static void proxy_req(uint8_t family, const void *addr, uint32_t len, uint32_t port)
{
	begin(MON_PROXY);
	wire_put_u8(&rw, family);
	wire_put_string(&rw, addr, len);
	wire_put_u32(&rw, port);
}

static void test_proxy(void)
{
	/* 16 bytes: it is also sent as an address too long for IPv4 */
	static const unsigned char a4[16] = {192, 0, 2, 7},
				   a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct conf_value cf_proxy[CF_COUNT];
	struct monitor m;

	mon_open(&m, cf_both);
	proxy_req(4, a4, 4, 1234);
	ok(refused(&m, rw.len, "unexpected PROXY address"),
	   "MON_PROXY without PROXY protocol refused");
	mon_close(&m);

	memcpy(cf_proxy, cf_both, sizeof cf_proxy);
	cf_proxy[CF_PROXY_PROTOCOL].str = "v2";
	mon_open(&m, cf_proxy);
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "request before the PROXY address"),
	   "with PROXY protocol on, a password before the address refused");
	proxy_req(4, a4, 16, 1234);
	ok(refused(&m, rw.len, "malformed PROXY address"), "family 4 with 16 bytes refused");
	proxy_req(6, a6, 4, 1234);
	ok(refused(&m, rw.len, "malformed PROXY address"), "family 6 with 4 bytes refused");
	proxy_req(5, a4, 4, 1234);
	ok(refused(&m, rw.len, "malformed PROXY address"), "family 5 refused");
	proxy_req(4, a4, 4, 65536);
	ok(refused(&m, rw.len, "malformed PROXY address"), "port 65536 refused");
	proxy_req(4, a4, 4, 1234);
	ok(refused(&m, rw.len - 2, "malformed PROXY address"), "a cut request refused");
	ok(m.proxy_pending, "  still waiting for the address");
	proxy_req(6, a6, 16, 40000);
	ok(send_rec(&m) == 1 && !m.proxy_pending && !strcmp(m.client.text, "[2001:db8::1]:40000"),
	   "an IPv6 address taken: the client is %s", m.client.text);
	ok(no_reply(), "  nothing answered");
	proxy_req(4, a4, 4, 1234);
	ok(refused(&m, rw.len, "unexpected PROXY address"), "a second MON_PROXY refused");
	mon_close(&m);

	mon_open(&m, cf_proxy);
	proxy_req(0, "", 0, 0);
	ok(send_rec(&m) == 1 && !m.proxy_pending, "family 0 (a LOCAL header) taken");
	m.state = MON_SIGNER;
	proxy_req(4, a4, 4, 1234);
	ok(refused(&m, rw.len, "request out of order"), "MON_PROXY in the signer refused");
	mon_close(&m);
}

/* --- passwords --------------------------------------------------------- */

static void test_password(void)
{
	struct monitor m;
	unsigned char first[3];
	char big[SLUICE_MAX_PASSWORD + 1];

	mon_open(&m, cf_both);
	password_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0), "wrong password: answer 0, not last");
	memcpy(first, reply, 3);
	ok(m.failures == 1 && m.user_set && m.user_known && m.state == MON_PREAUTH,
	   "  one failure counted; alice known");
	password_req("alice", "secret\0x", 8);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2,
	   "password with a NUL (the right one before it): answer 0, counted");
	password_req("alice", "wrong again", 11);
	ok(send_rec(&m) == 1 && answer_is(0, 1) && m.failures == 3,
	   "third failure with SFTPD_MAX_AUTH_TRIES=3: answer 0, last set");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication attempt after the limit"),
	   "the right password after the limit refused");
	query_req("alice", "ssh-ed25519", key_private_public(user_key));
	ok(refused(&m, rw.len, "authentication attempt after the limit"), "  and a key query too");
	ok(no_reply() && m.state == MON_PREAUTH && m.failures == 3, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_both);
	password_req("nobody", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && !memcmp(reply, first, 3),
	   "unknown user: the same answer as a wrong password");
	ok(m.failures == 1 && m.user_set && !m.user_known, "  counted; user unknown");
	password_req("nobody", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2,
	   "unknown user with alice's password: answer 0");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "change of user name"), "change of user name refused");
	is_str(m.user, "nobody", "  the first user name is kept");
	ok(no_reply() && m.failures == 2 && m.state == MON_PREAUTH, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_both);
	password_req("../etc", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1 && !m.user_known,
	   "invalid user name: answer 0, counted, never looked up");
	mon_close(&m);

	mon_open(&m, cf_both);
	memset(big, 's', sizeof big);
	password_req("alice", big, sizeof big);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "password of SLUICE_MAX_PASSWORD + 1 bytes: answer 0, counted");
	password_req("alice", "", 0);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2, "empty password: answer 0");
	password_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(1, 0), "right password: answer 1");
	ok(m.state == MON_AUTHED && !strcmp(m.method, "password") && m.failures == 2,
	   "  state MON_AUTHED, method password");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "request out of order"), "MON_PASSWORD after success refused");
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "request out of order"), "MON_KBDINT after success refused");
	query_req("alice", "ssh-ed25519", key_private_public(user_key));
	ok(refused(&m, rw.len, "request out of order"), "MON_KEY_QUERY after success refused");
	verify_req("alice", user_key, user_key, hash32, 32);
	ok(refused(&m, rw.len, "request out of order"), "MON_KEY_VERIFY after success refused");
	ok(no_reply() && m.state == MON_AUTHED, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_pk);
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "SFTPD_AUTH_METHODS=publickey: MON_PASSWORD refused");
	ok(no_reply() && m.state == MON_PREAUTH && !m.user_set, "  even the right one; no answer");
	mon_close(&m);
}

/* --- public keys ------------------------------------------------------- */

static void test_keys(void)
{
	struct monitor m;
	const struct key_public *upub = key_private_public(user_key);
	const struct key_public *opub = key_private_public(other_key);
	unsigned char other_sid[32];

	memset(other_sid, 0x77, sizeof other_sid);

	mon_open(&m, cf_both);
	query_req("alice", "ssh-ed25519", upub);
	ok(send_rec(&m) == 1 && answer_is(1, 0), "key query for alice's authorized key: answer 1");
	ok(m.failures == 0 && m.state == MON_PREAUTH, "  not counted, not authenticated");
	query_req("alice", "ssh-ed25519", opub);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "key query for a key not listed: answer 0, counted");
	query_req("alice", "ecdsa-sha2-nistp256", upub);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2,
	   "authorized key with an algorithm that does not fit it: answer 0, counted");
	verify_req("alice", user_key, user_key, hash32, 32);
	ok(refused(&m, rw.len, "key verification before key exchange"),
	   "MON_KEY_VERIFY before any MON_SIGN refused");
	ok(no_reply() && m.state == MON_PREAUTH && m.failures == 2, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_both);
	ok(sign_ok(&m, 1, 0, hash32, 32), "key exchange 1 signed (session id recorded)");
	verify_req("alice", user_key, user_key, other_sid, sizeof other_sid);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "signature over another session id: answer 0, counted");
	verify_req("alice", user_key, user_key, hash32, 32);
	rec[rw.len - 1] ^= 0x01;
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2,
	   "corrupted signature: answer 0, counted");
	verify_req("alice", user_key, other_key, hash32, 32);
	ok(send_rec(&m) == 1 && answer_is(0, 1) && m.failures == 3,
	   "signature by another key: answer 0, last");
	verify_req("alice", user_key, user_key, hash32, 32);
	ok(refused(&m, rw.len, "authentication attempt after the limit"),
	   "a good signature after the limit refused");
	ok(m.state == MON_PREAUTH, "  not authenticated");
	mon_close(&m);

	mon_open(&m, cf_both);
	ok(sign_ok(&m, 1, 1, hash48, 48), "key exchange 1 signed with a 48-byte hash");
	verify_req("alice", other_key, other_key, hash48, 48);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "good signature by a key not listed: answer 0");
	verify_req("alice", user_key, user_key, hash48, 48);
	ok(send_rec(&m) == 1 && answer_is(1, 0), "good signature by the authorized key: answer 1");
	ok(m.state == MON_AUTHED && !strcmp(m.method, "publickey"),
	   "  state MON_AUTHED, method publickey");
	mon_close(&m);

	mon_open(&m, cf_both);
	ok(sign_ok(&m, 1, 0, hash32, 32), "unknown user: key exchange 1 signed");
	verify_req("nobody", user_key, user_key, hash32, 32);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.state == MON_PREAUTH,
	   "unknown user, good signature: answer 0");
	verify_req("alice", user_key, user_key, hash32, 32);
	ok(refused(&m, rw.len, "change of user name"), "then alice: change of user name refused");
	mon_close(&m);

	mon_open(&m, cf_pw);
	query_req("alice", "ssh-ed25519", upub);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "SFTPD_AUTH_METHODS=password: MON_KEY_QUERY refused");
	ok(sign_ok(&m, 1, 0, hash32, 32), "  key exchange signed");
	verify_req("alice", user_key, user_key, hash32, 32);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "  a good MON_KEY_VERIFY refused");
	ok(no_reply() && m.state == MON_PREAUTH, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_both);
	password_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0), "password failure, then");
	query_req("alice", "ssh-ed25519", opub);
	ok(send_rec(&m) == 1 && answer_is(0, 0), "  key failure, then");
	password_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 1) && m.failures == 3,
	   "  password failure: both methods count toward one limit");
	mon_close(&m);
}

/* --- the hand-over ----------------------------------------------------- */

static void authenticate(struct monitor *m)
{
	password_req("alice", "secret", 6);
	if (send_rec(m) != 1 || !answer_is(1, 0)) {
		printf("Bail out! unable to authenticate alice\n");
		exit(1);
	}
}

static void test_handover(void)
{
	static unsigned char input[MON_INPUT_MAX + 1];
	unsigned char st[MON_STATE_MAX + 1];
	struct monitor m;
	size_t inlen = MON_RECORD_MAX + 4000, off, chunk = MON_RECORD_MAX - 1;
	int all;

	for (size_t i = 0; i < sizeof st; i++)
		st[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < sizeof input; i++)
		input[i] = (unsigned char)(i * 13 + 5);

	mon_open(&m, cf_both);
	handover_req(st, 100, 0);
	ok(refused(&m, rw.len, "request out of order"),
	   "MON_HANDOVER before authentication (forged) refused");
	data_req(input, 10);
	ok(refused(&m, rw.len, "request out of order"),
	   "MON_HANDOVER_DATA before authentication refused");
	ok(!m.handover && !m.input && m.state == MON_PREAUTH, "  nothing taken");
	ok(sign_ok(&m, 1, 0, hash32, 32), "key exchange signed");
	query_req("alice", "ssh-ed25519", key_private_public(user_key));
	ok(send_rec(&m) == 1 && answer_is(1, 0), "key query answered 1");
	handover_req(st, 100, 0);
	ok(refused(&m, rw.len, "request out of order"),
	   "MON_HANDOVER after a key query (not authenticated) refused");
	mon_close(&m);

	mon_open(&m, cf_both);
	authenticate(&m);
	handover_req(st, MON_STATE_MAX + 1, 0);
	ok(refused(&m, rw.len, "hand-over too large"), "state of MON_STATE_MAX + 1 bytes refused");
	handover_req(st, 100, MON_INPUT_MAX + 1);
	ok(refused(&m, rw.len, "hand-over too large"), "input of MON_INPUT_MAX + 1 bytes refused");
	handover_req(st, 100, 0xffffffffu);
	ok(refused(&m, rw.len, "hand-over too large"), "input of 2^32-1 bytes refused");
	ok(m.state == MON_AUTHED && !m.handover, "  still waiting");
	data_req(input, 10);
	ok(refused(&m, rw.len, "request out of order"),
	   "MON_HANDOVER_DATA before MON_HANDOVER refused");

	handover_req(st, 321, (uint32_t)inlen);
	ok(send_rec(&m) == 1 && no_reply(), "MON_HANDOVER with state and input length: accepted");
	ok(m.state == MON_RECEIVING && m.handover_len == 321 && !memcmp(m.handover, st, 321) &&
	       m.input_len == inlen && m.input_got == 0,
	   "  state MON_RECEIVING, the state bytes kept");
	handover_req(st, 321, (uint32_t)inlen);
	ok(refused(&m, rw.len, "request out of order"), "a second MON_HANDOVER refused");
	sign_req(2, 0, "ssh-ed25519", hash32, 32);
	ok(refused(&m, rw.len, "request out of order"), "MON_SIGN while receiving refused");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "request out of order"), "MON_PASSWORD while receiving refused");
	data_req(input, 0);
	ok(refused(&m, rw.len, "hand-over data beyond its length"),
	   "empty MON_HANDOVER_DATA refused");
	all = 1;
	for (off = 0; off < inlen; off += chunk) {
		size_t n = inlen - off < chunk ? inlen - off : chunk;
		data_req(input + off, n);
		if (send_rec(&m) != 1) all = 0;
		if (off + n < inlen && m.state != MON_RECEIVING) all = 0;
	}
	ok(all && no_reply(), "MON_HANDOVER_DATA records of up to a record each: accepted");
	ok(m.state == MON_HANDED_OVER && m.input_got == inlen && !memcmp(m.input, input, inlen),
	   "  state MON_HANDED_OVER; m.input holds the %zu bytes", inlen);
	ok(m.handover_len == 321 && !memcmp(m.handover, st, 321), "  m.handover holds the state");
	data_req(input, 1);
	ok(refused(&m, rw.len, "request out of order"), "MON_HANDOVER_DATA after the last refused");
	handover_req(st, 10, 0);
	ok(refused(&m, rw.len, "request out of order"), "MON_HANDOVER after the last refused");
	log_req(LOG_INFO, "still here", 10);
	ok(send_rec(&m) == 1, "MON_LOG still accepted");
	mon_close(&m);

	mon_open(&m, cf_both);
	authenticate(&m);
	handover_req(st, 40, 10);
	ok(send_rec(&m) == 1 && m.state == MON_RECEIVING, "hand-over announcing 10 bytes");
	data_req(input, 11);
	ok(refused(&m, rw.len, "hand-over data beyond its length"), "  11 bytes at once refused");
	data_req(input, 6);
	ok(send_rec(&m) == 1 && m.input_got == 6, "  6 bytes accepted");
	data_req(input + 6, 5);
	ok(refused(&m, rw.len, "hand-over data beyond its length"), "  5 more refused");
	ok(m.input_got == 6 && m.state == MON_RECEIVING, "  nothing taken");
	data_req(input + 6, 4);
	ok(send_rec(&m) == 1 && m.state == MON_HANDED_OVER && !memcmp(m.input, input, 10),
	   "  the last 4: handed over");
	mon_close(&m);

	mon_open(&m, cf_both);
	authenticate(&m);
	handover_req(st, MON_STATE_MAX, 0);
	ok(send_rec(&m) == 1 && m.state == MON_HANDED_OVER && m.input_len == 0 &&
	       m.handover_len == MON_STATE_MAX && !memcmp(m.handover, st, MON_STATE_MAX),
	   "MON_STATE_MAX bytes of state, no input: handed over at once");
	mon_close(&m);

	mon_open(&m, cf_both);
	authenticate(&m);
	handover_req(st, 0, 0);
	ok(send_rec(&m) == 1 && m.state == MON_HANDED_OVER && m.handover_len == 0,
	   "an empty state is the importer's to refuse");
	mon_close(&m);
}

/* --- keyboard-interactive ----------------------------------------------- */

static void test_kbdint(void)
{
	struct monitor m;
	char big[SLUICE_MAX_PASSWORD + 1];

	mon_open(&m, cf_both);
	kbdint_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "keyboard-interactive, wrong answer: answer 0, counted");
	kbdint_req("alice", "secret\0x", 8);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2,
	   "answer with a NUL (the password before it): answer 0, counted");
	kbdint_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(1, 0), "the password: answer 1");
	ok(m.state == MON_AUTHED && !strcmp(m.method, "keyboard-interactive"),
	   "  state MON_AUTHED, method keyboard-interactive");
	mon_close(&m);

	mon_open(&m, cf_both);
	memset(big, 's', sizeof big);
	kbdint_req("alice", big, sizeof big);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "answer of SLUICE_MAX_PASSWORD + 1 bytes: answer 0, counted");
	password_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 2, "  then a wrong password");
	kbdint_req("alice", "", 0);
	ok(send_rec(&m) == 1 && answer_is(0, 1) && m.failures == 3,
	   "  then an empty answer: last (password and keyboard-interactive share the limit)");
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication attempt after the limit"),
	   "  the right answer after the limit refused");
	mon_close(&m);

	mon_open(&m, cf_both);
	kbdint_req("nobody", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && !m.user_known,
	   "unknown user: answer 0, as a wrong answer");
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "change of user name"), "  then alice: change of user name refused");
	mon_close(&m);

	mon_open(&m, cf_pk);
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "SFTPD_AUTH_METHODS=publickey: MON_KBDINT refused");
	mon_close(&m);
	mon_open(&m, cf_pw);
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "SFTPD_AUTH_METHODS=password: MON_KBDINT refused (a method of its own)");
	mon_close(&m);
	mon_open(&m, cf_chain[CH_KBD]);
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "SFTPD_AUTH_METHODS=keyboard-interactive: MON_PASSWORD refused");
	ok(no_reply() && m.state == MON_PREAUTH, "  nothing answered");
	mon_close(&m);
}

/* --- chains: SFTPD_AUTH_METHODS ----------------------------------------- */

static int key_ok(struct monitor *m, const struct key_private *k, int verdict)
{
	verify_req("alice", k, k, hash32, 32);
	return send_rec(m) == 1 && answer_is(verdict, 0);
}

static void test_chains(void)
{
	static const unsigned char st[40] = {1};
	struct monitor m;
	const struct key_public *upub = key_private_public(user_key);

	/* publickey,password: a network child that lies */
	mon_open(&m, cf_chain[CH_KEY_PW]);
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method out of order"),
	   "publickey,password: the right password first refused (out of order)");
	ok(no_reply() && m.state == MON_PREAUTH && !m.user_set, "  nothing answered");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32), "publickey,password: key exchange signed");
	ok(key_ok(&m, user_key, MON_PARTIAL), "  a good key signature: MON_PARTIAL");
	ok(m.state == MON_PREAUTH && m.failures == 0 && !m.method[0],
	   "  still before authentication, no failure counted");
	handover_req(st, sizeof st, 0);
	ok(refused(&m, rw.len, "request out of order"),
	   "  MON_HANDOVER after half the chain refused");
	ok(no_reply() && !m.handover && m.state == MON_PREAUTH, "  nothing taken");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,password: key step passed");
	query_req("alice", "ssh-ed25519", key_private_public(second_key));
	ok(refused(&m, rw.len, "authentication method out of order"),
	   "  a key query now refused (publickey is done in the only list)");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,password: key step passed, then");
	kbdint_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "  keyboard-interactive in place of password refused");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,password: key step passed, then");
	password_req("alice", "wrong", 5);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1, "  a wrong password: counted");
	password_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(MON_ACCEPTED, 0) && m.state == MON_AUTHED &&
	       !strcmp(m.method, "password"),
	   "  the password: MON_ACCEPTED, state MON_AUTHED");
	handover_req(st, sizeof st, 0);
	ok(send_rec(&m) == 1 && m.state == MON_HANDED_OVER, "  MON_HANDOVER now accepted");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,password: key step passed for alice, then");
	password_req("bob", "secret", 6);
	ok(refused(&m, rw.len, "change of user name"),
	   "  a password for another user refused (the connection ends, as OpenSSH's)");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_PW]);
	ok(sign_ok(&m, 1, 0, hash32, 32), "publickey,password: key exchange signed");
	verify_req("alice", other_key, other_key, hash32, 32);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "  a key not listed: answer 0, counted");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method out of order"),
	   "  a failed key step does not open the password step");
	mon_close(&m);

	/* alternatives */
	mon_open(&m, cf_chain[CH_ALT]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_ACCEPTED) &&
	       m.state == MON_AUTHED,
	   "\"publickey,password publickey\": a key alone completes the second list");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_CROSS]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "\"password,publickey publickey,keyboard-interactive\": a key is a partial success");
	password_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(MON_PARTIAL, 0),
	   "  the first list, untouched, still starts with password: partial again");
	ok(key_ok(&m, user_key, MON_REFUSED) && m.failures == 1 && m.state == MON_PREAUTH,
	   "  the same key for the first list's second step: refused, counted");
	kbdint_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(MON_ACCEPTED, 0) && m.state == MON_AUTHED,
	   "  keyboard-interactive completes the second list");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_CROSS]);
	password_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(MON_PARTIAL, 0) && m.state == MON_PREAUTH,
	   "\"password,publickey publickey,keyboard-interactive\": the password: partial");
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_ACCEPTED) &&
	       m.state == MON_AUTHED,
	   "  then the key completes the first list");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_KEY_KBD]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,keyboard-interactive: key step passed");
	password_req("alice", "secret", 6);
	ok(refused(&m, rw.len, "authentication method not enabled"),
	   "  a child that says password instead of keyboard-interactive is refused");
	mon_close(&m);
	mon_open(&m, cf_chain[CH_KEY_KBD]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,keyboard-interactive: key step passed");
	kbdint_req("alice", "secret", 6);
	ok(send_rec(&m) == 1 && answer_is(MON_ACCEPTED, 0) && m.state == MON_AUTHED,
	   "  the keyboard-interactive answer completes it");
	mon_close(&m);

	/* a key passes one step only (OpenSSH refuses a previously used key) */
	mon_open(&m, cf_chain[CH_TWO_KEYS]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,publickey: the first key: partial");
	query_req("alice", "ssh-ed25519", upub);
	ok(send_rec(&m) == 1 && answer_is(0, 0) && m.failures == 1,
	   "  a query for the same key: answer 0, counted");
	ok(key_ok(&m, user_key, MON_REFUSED) && m.failures == 2 && m.state == MON_PREAUTH,
	   "  its signature again: answer 0, counted, not authenticated");
	handover_req(st, sizeof st, 0);
	ok(refused(&m, rw.len, "request out of order"), "  MON_HANDOVER refused");
	mon_close(&m);

	mon_open(&m, cf_chain[CH_TWO_KEYS]);
	ok(sign_ok(&m, 1, 0, hash32, 32) && key_ok(&m, user_key, MON_PARTIAL),
	   "publickey,publickey: the first key: partial");
	query_req("alice", "ssh-ed25519", key_private_public(second_key));
	ok(send_rec(&m) == 1 && answer_is(1, 0), "  a query for the second key: answer 1");
	ok(key_ok(&m, second_key, MON_ACCEPTED) && m.state == MON_AUTHED && m.failures == 0,
	   "  its signature: MON_ACCEPTED, authenticated");
	mon_close(&m);
}

/* --- what the children report ------------------------------------------ */

static void test_log_violation(void)
{
	static const enum mon_state states[] = {MON_PREAUTH, MON_AUTHED, MON_RECEIVING,
						MON_HANDED_OVER, MON_SIGNER};
	struct monitor m;
	int all = 1;

	for (size_t i = 0; i < ARRAY_LEN(states); i++) {
		mon_open(&m, cf_both);
		m.state = states[i];
		log_req(LOG_WARNING, "child says hello", 16);
		if (send_rec(&m) != 1) all = 0;
		begin(MON_VIOLATION);
		wire_put_u32(&rw, 41 + (uint32_t)i);
		if (!refused(&m, rw.len, "forbidden system call") || m.violation != 41 + (long)i)
			all = 0;
		if (!no_reply()) all = 0;
		mon_close(&m);
	}
	ok(all, "MON_LOG accepted and MON_VIOLATION recorded (returns 0) in every state");

	mon_open(&m, cf_both);
	begin(MON_VIOLATION);
	wire_put_u32(&rw, 0xffffffffu);
	ok(refused(&m, rw.len, "forbidden system call") && m.violation == 0xffffffffL,
	   "MON_VIOLATION with 2^32-1: recorded as a non-negative number");
	mon_close(&m);
}

/* --- set-up ------------------------------------------------------------ */

static int setup(void)
{
	char path[SLUICE_MAX_PATH + 64], line[2 * KEY_BLOB_MAX + 256], hash[ACCOUNT_MAX_HASH];
	char text[3 * SLUICE_MAX_PATH], line2[2 * KEY_BLOB_MAX + 256], err[256];

	if (!mkdtemp(tmpdir)) return 0;
	snprintf(path, sizeof path, "%s/home", tmpdir);
	if (mkdir(path, 0700)) return 0;
	snprintf(path, sizeof path, "%s/keys", tmpdir);
	if (mkdir(path, 0700)) return 0;
	if (!key_generate(&host_keys[0], KEY_ED25519, 0) ||
	    !key_generate(&host_keys[1], KEY_ECDSA_P256, 0) ||
	    !key_generate(&user_key, KEY_ED25519, 0) || !key_generate(&other_key, KEY_ED25519, 0) ||
	    !key_generate(&second_key, KEY_ED25519, 0))
		return 0;
	if (!key_public_format_openssh(key_private_public(user_key), "alice@test", line,
				       sizeof line) ||
	    !key_public_format_openssh(key_private_public(second_key), "alice2@test", line2,
				       sizeof line2))
		return 0;
	snprintf(text, sizeof text, "# alice's keys\n\nnot a key\n%s%s", line, line2);
	snprintf(path, sizeof path, "%s/keys/alice", tmpdir);
	if (!tap_write_file(path, text, 0600)) return 0;
	/* nobody has a key file too: only the users file makes a user known */
	snprintf(path, sizeof path, "%s/keys/nobody", tmpdir);
	if (!tap_write_file(path, text, 0600)) return 0;
	if (!account_hash_password("secret", 6, hash, sizeof hash)) return 0;
	snprintf(text, sizeof text, "alice:%s:1000:1000:%s/home\n", hash, tmpdir);
	snprintf(path, sizeof path, "%s/users", tmpdir);
	if (!tap_write_file(path, text, 0600)) return 0;
	snprintf(users_env, sizeof users_env, "SFTPD_USERS_FILE=%s", path);
	snprintf(keys_env, sizeof keys_env, "SFTPD_AUTHORIZED_KEYS=%s/keys/%%u", tmpdir);
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_both, env_both, err, sizeof err) ||
	    !conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_pk, env_pk, err, sizeof err) ||
	    !conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_pw, env_pw, err, sizeof err)) {
		printf("# configuration: %s\n", err);
		return 0;
	}
	for (int i = 0; i < N_CHAIN_ENVS; i++) {
		char **e = env_chain[i];
		snprintf(chain_env[i], sizeof chain_env[i], "SFTPD_AUTH_METHODS=%s",
			 chain_methods[i]);
		e[0] = users_env;
		e[1] = keys_env;
		e[2] = "SFTPD_AUTH_FAIL_DELAY_MS=0";
		e[3] = "SFTPD_MAX_AUTH_TRIES=3";
		e[4] = chain_env[i];
		e[5] = 0;
		if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_chain[i], e, err,
			       sizeof err)) {
			printf("# configuration: %s\n", err);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof hash32; i++)
		hash32[i] = (unsigned char)(0x10 + i);
	for (size_t i = 0; i < sizeof hash48; i++)
		hash48[i] = (unsigned char)(0x60 + i);
	for (size_t i = 0; i < sizeof hash64; i++)
		hash64[i] = (unsigned char)(0xa0 + i);
	return 1;
}

int main(void)
{
	tap_logs_aside();
	log_init("sftpd_monitor", "test");
	if (!algo_init() || !setup()) {
		printf("Bail out! setup: %s\n", strerror(errno));
		return 1;
	}
	test_framing();
	test_ceilings();
	test_malformed();
	test_sign();
	test_prove();
	test_proxy();
	test_password();
	test_keys();
	test_handover();
	test_kbdint();
	test_chains();
	test_log_violation();
	for (unsigned i = 0; i < N_HOST_KEYS; i++)
		key_private_free(host_keys[i]);
	key_private_free(user_key);
	key_private_free(other_key);
	key_private_free(second_key);
	if (!getenv("SFTPD_TEST_KEEP")) tap_rm_tree(tmpdir);
	return tap_done();
}
