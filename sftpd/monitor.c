/* monitor: the privileged side of privilege separation.  It holds the host
 * private keys and the account sources and answers a handful of requests
 * from the unprivileged process that talks to the client; it never sees a
 * byte from the network except inside these requests, which it treats as
 * hostile: one table row per request, allowed states, a size ceiling, and
 * its own count of authentication failures whatever the child claims. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include "fs/fs.h"
#include "log/log.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "monitor.h"
#include "ssh/ssh.h"

#define AUTHORIZED_KEYS_MAX_BYTES (1u << 20)
#define SIGALG_MAX 64
/* pam_unix's prompt: what a name that never reaches PAM is asked */
#define KBDINT_PAM_DUMMY_PROMPT "Password: "

struct mon_request {
	enum mon_type type;
	unsigned states; /* enum mon_state bits */
	size_t max_len;
	int (*answer)(struct monitor *m, struct wire_in *in);
};

static int refuse(struct monitor *m, const char *why)
{
	size_t n = strlen(why);
	if (n >= sizeof m->why) n = sizeof m->why - 1;
	memcpy(m->why, why, n);
	m->why[n] = 0;
	return 0;
}

static int reply_answer(struct monitor *m, enum mon_verdict verdict, int last)
{
	unsigned char r[3] = {MON_ANSWER, (unsigned char)verdict, (unsigned char)!!last};
	return priv_record_send(m->fd, r, sizeof r) ? 1 : refuse(m, "unable to answer");
}

/* --- signatures -------------------------------------------------------- */

/* Before authentication a client has no reason for more than a few key
 * exchanges; after it, each rekey needs one signature. */
static int sign_allowed(const struct monitor *m)
{
	return m->state == MON_SIGNER || m->kex_number < MON_PREAUTH_MAX_KEX;
}

static int answer_sign(struct monitor *m, struct wire_in *in)
{
	uint32_t kexno, idx, hlen;
	char alg[SIGALG_MAX];
	const unsigned char *h;
	unsigned char rec[1 + 4 + KEY_SIG_MAX];
	size_t siglen;
	struct wire_out w;

	wire_get_u32(in, &kexno);
	wire_get_u32(in, &idx);
	wire_get_cstring(in, alg, sizeof alg);
	wire_get_string(in, &h, &hlen);
	if (!wire_done(in)) return refuse(m, "malformed sign request");
	if (kexno != m->kex_number + 1) return refuse(m, "signature out of key exchange order");
	if (hlen != 32 && hlen != 48 && hlen != 64)
		return refuse(m, "signature request is not an exchange hash");
	if (idx >= m->n_host_keys ||
	    !key_sigalg_fits(key_private_public(m->host_keys[idx])->type, alg))
		return refuse(m, "signature request for no such host key");
	if (!sign_allowed(m)) return refuse(m, "too many key exchanges");
	m->kex_number = kexno;
	if (!m->session_id_len) {
		memcpy(m->session_id, h, hlen);
		m->session_id_len = hlen;
	}
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_SIGNATURE);
	wire_put_u32(&w, 0);
	if (!key_sign(m->host_keys[idx], alg, h, hlen, rec + w.len, &siglen)) {
		log_error("unable to sign the exchange hash: %s", strerror(errno));
		return refuse(m, "signing failed");
	}
	wire_patch_u32(&w, 1, (uint32_t)siglen);
	return priv_record_send(m->fd, rec, w.len + siglen) ? 1 : refuse(m, "unable to answer");
}

/* hostkeys-prove-00@openssh.com (OpenSSH's PROTOCOL, 2.5): the signed data
 * is built here, so the session cannot make the key sign anything else. */
static int answer_prove(struct monitor *m, struct wire_in *in)
{
	static const char name[] = "hostkeys-prove-00@openssh.com";
	unsigned char data[64 + ALGO_HASH_MAX + KEY_BLOB_MAX], rec[1 + 4 + KEY_SIG_MAX];
	const struct key_public *pub;
	struct wire_out d, w;
	char alg[SIGALG_MAX];
	uint32_t idx;
	size_t siglen;

	wire_get_u32(in, &idx);
	wire_get_cstring(in, alg, sizeof alg);
	if (!wire_done(in)) return refuse(m, "malformed prove request");
	if (idx >= m->n_host_keys ||
	    !key_sigalg_fits((pub = key_private_public(m->host_keys[idx]))->type, alg))
		return refuse(m, "prove request for no such host key");
	if (m->proved & (1u << idx)) return refuse(m, "host key proved twice");
	if (!m->session_id_len) return refuse(m, "prove request before a key exchange");
	m->proved |= 1u << idx;
	wire_out_init(&d, data, sizeof data);
	wire_put_cstring(&d, name);
	wire_put_string(&d, m->session_id, m->session_id_len);
	wire_put_string(&d, pub->blob, pub->bloblen);
	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_SIGNATURE);
	wire_put_u32(&w, 0);
	if (d.bad || !key_sign(m->host_keys[idx], alg, data, d.len, rec + w.len, &siglen)) {
		log_error("unable to sign a host key proof: %s", strerror(errno));
		return refuse(m, "signing failed");
	}
	wire_patch_u32(&w, 1, (uint32_t)siglen);
	return priv_record_send(m->fd, rec, w.len + siglen) ? 1 : refuse(m, "unable to answer");
}

/* --- authentication ---------------------------------------------------- */

/* The first request names the user for the whole connection. */
static int take_user(struct monitor *m, const char *user)
{
	const char *file = m->cf[CF_USERS_FILE].str;
	const char *why = "";
	const struct login_access rules = {m->cf[CF_ALLOW_USERS].str, m->cf[CF_DENY_USERS].str,
					   m->cf[CF_ALLOW_GROUPS].str, m->cf[CF_DENY_GROUPS].str};
	if (m->user_set) return strcmp(user, m->user) ? refuse(m, "change of user name") : 1;
	m->user_set = 1;
	memcpy(m->user, user, strlen(user) + 1);
	m->user_known = login_lookup(file, user, &m->account);
	/* EPROTO (a name on two lines) was logged with the line by the lookup. */
	if (!m->user_known && errno != ENOENT && errno != EPROTO)
		log_error("unable to look up user %s: %s", user, strerror(errno));
	/* Refused by its policy: from now on exactly an unknown name (the
	 * same answers, the same dummy hash work, the same delay). */
	if (m->user_known) login_group_policy(&m->account, m->cf[CF_GROUP_POLICY].str);
	if (m->user_known && (!login_policy_admits(&m->account, &m->client, &why) ||
			      !login_access_admits(&m->account, &rules, &why))) {
		log_warn("account %s refused: %s", user, why);
		algo_wipe(&m->account, sizeof m->account);
		m->user_known = 0;
	}
	if (m->user_known && (m->account.policy.keys & ACCOUNT_POL_AUTH)) {
		char bad[128];
		m->has_account_chains =
		    authmethods_parse(&m->account_chains, m->account.policy.auth, bad, sizeof bad);
		if (!m->has_account_chains) { /* the users-file parser checks the same */
			log_warn("account %s refused: its auth= %s", user, bad);
			algo_wipe(&m->account, sizeof m->account);
			m->user_known = 0;
		}
	}
	if (m->user_known && m->cf[CF_PAM_SERVICE].str[0] &&
	    !login_pam_start(m->cf[CF_PAM_SERVICE].str, user, m->client.ip, "ssh")) {
		algo_wipe(&m->account, sizeof m->account);
		m->user_known = 0;
	}
	return 1;
}

/* The network child offers the client only what may come next, so a
 * request for anything else is the child's lie. */
static int attempt_allowed(struct monitor *m, enum auth_method method, const char *user)
{
	if (!authmethods_named(&m->chains, method))
		return refuse(m, "authentication method not enabled");
	if (!authmethods_allowed(&m->chains, method))
		return refuse(m, "authentication method out of order");
	if (m->failures >= m->cf[CF_MAX_AUTH_TRIES].num)
		return refuse(m, "authentication attempt after the limit");
	login_attempt_begin(&m->attempt_start);
	return take_user(m, user);
}

static int failed(struct monitor *m, enum auth_method method, int delay)
{
	m->failures++;
	log_info("failed %s for %s%s (%u of %llu)", authmethods_name(method),
		 m->user_known ? "" : "unknown user ", m->user, m->failures,
		 m->cf[CF_MAX_AUTH_TRIES].num);
	if (m->failures >= m->cf[CF_MAX_AUTH_TRIES].num)
		log_warn("too many authentication failures for %s", m->user);
	if (delay) login_fail_pad(&m->attempt_start, m->cf[CF_AUTH_FAIL_DELAY_MS].num);
	return reply_answer(m, MON_REFUSED, m->failures >= m->cf[CF_MAX_AUTH_TRIES].num);
}

/* A method succeeded: authentication is complete when it ends one of the
 * lists of SFTPD_AUTH_METHODS; otherwise the client goes on (not a
 * failure, as with OpenSSH). */
static int succeeded(struct monitor *m, enum auth_method method, const char *detail)
{
	const char *name = authmethods_name(method);
	char next[AUTHMETHODS_NAMES_MAX];
	enum authmethods_step step;

	/* Checked after the method's own work, so that it costs what a wrong
	 * password costs; before any progress is recorded, so that the
	 * network child's mirror of SFTPD_AUTH_METHODS stays in step. */
	if (m->has_account_chains && !authmethods_allowed(&m->account_chains, method)) {
		log_info("%s for %s is not next in the account's auth=", name, m->user);
		return failed(m, method, 1);
	}
	step = authmethods_passed(&m->chains, method);
	if (step == AUTHMETHODS_OUT_OF_ORDER)
		return refuse(m, "authentication method out of order");
	if (m->has_account_chains &&
	    authmethods_passed(&m->account_chains, method) != AUTHMETHODS_COMPLETE)
		step = AUTHMETHODS_PARTIAL;
	if (step == AUTHMETHODS_PARTIAL) {
		authmethods_next(&m->chains, next);
		log_info("partial %s for %s%s%s; next: %s", name, m->user, detail ? " " : "",
			 detail ? detail : "", next);
		return reply_answer(m, MON_PARTIAL, 0);
	}
	/* PAM's account management, when the password did not run it. */
	if (login_pam_started() && method != AUTH_PASSWORD && method != AUTH_KBDINT &&
	    !login_pam_account())
		return failed(m, method, 1);
	log_info("accepted %s for %s%s%s", name, m->user, detail ? " " : "", detail ? detail : "");
	snprintf(m->method, sizeof m->method, "%s", name);
	m->state = MON_AUTHED;
	return reply_answer(m, MON_ACCEPTED, 0);
}

/* password and keyboard-interactive: the same check, counted alike. */
static int answer_secret(struct monitor *m, struct wire_in *in, enum auth_method method)
{
	char user[SLUICE_MAX_USERNAME + 1], pw[SLUICE_MAX_PASSWORD + 1];
	const unsigned char *p;
	uint32_t n;
	int ok;

	wire_get_cstring(in, user, sizeof user);
	wire_get_string(in, &p, &n);
	if (!wire_done(in)) return refuse(m, "malformed password request");
	if (!attempt_allowed(m, method, user)) return 0;
	if (n > SLUICE_MAX_PASSWORD || memchr(p, 0, n)) {
		account_verify_password(0, "", 0); /* the same cost as a real check */
		return failed(m, method, 1);
	}
	memcpy(pw, p, n);
	pw[n] = 0;
	if (login_pam_started())
		ok = login_pam_password(pw, n);
	else
		ok = account_verify_password(m->user_known ? &m->account : 0, pw, n);
	algo_wipe(pw, sizeof pw);
	return ok ? succeeded(m, method, 0) : failed(m, method, 1);
}

static int answer_password(struct monitor *m, struct wire_in *in)
{
	return answer_secret(m, in, AUTH_PASSWORD);
}

static int answer_kbdint(struct monitor *m, struct wire_in *in)
{
	return answer_secret(m, in, AUTH_KBDINT);
}

/* --- keyboard-interactive through PAM ----------------------------------- */

static int relay_broken(struct monitor *m, const char *why)
{
	m->kbd_broken = 1;
	return refuse(m, why);
}

static int send_query(struct monitor *m, const struct login_pam_query *q)
{
	unsigned char rec[1 + 4 + LOGIN_PAM_INFO_MAX + 4 +
			  MON_KBD_MAX_PROMPTS * (4 + MON_KBD_PROMPT_MAX + 1)];
	struct wire_out w;

	wire_out_init(&w, rec, sizeof rec);
	wire_put_u8(&w, MON_KBD_QUERY);
	wire_put_cstring(&w, q->info);
	wire_put_u32(&w, q->n);
	for (unsigned i = 0; i < q->n; i++) {
		size_t len = strlen(q->prompt[i]);
		wire_put_string(&w, q->prompt[i],
				len < MON_KBD_PROMPT_MAX ? len : MON_KBD_PROMPT_MAX);
		wire_put_bool(&w, q->echo[i]);
	}
	if (w.bad || !priv_record_send(m->fd, rec, w.len)) return relay_broken(m, "unable to ask");
	return 1;
}

/* The client's answers, as malloc'd strings; 0 when it gave up. */
static int take_answers(struct monitor *m, struct wire_in *in, unsigned n, char **answer)
{
	const unsigned char *p;
	uint32_t count, len;
	int gave_up;
	unsigned i;

	wire_get_bool(in, &gave_up);
	wire_get_u32(in, &count);
	if (in->bad) return relay_broken(m, "malformed answers");
	if (gave_up || count != n) return (m->kbd_gave_up = 1, 0);
	for (i = 0; i < n; i++) {
		if (!wire_get_string(in, &p, &len) || len > SLUICE_MAX_PASSWORD ||
		    memchr(p, 0, len) || !(answer[i] = malloc(len + 1)))
			break;
		memcpy(answer[i], p, len);
		answer[i][len] = 0;
	}
	if (i == n && wire_done(in)) return 1;
	while (i--) {
		algo_wipe(answer[i], strlen(answer[i]));
		free(answer[i]);
		answer[i] = 0;
	}
	return relay_broken(m, "malformed answers");
}

/* login_pam_relay: the query goes to the network child, which puts it to
 * the client; while it waits, the child may only log. */
static int relay_ask(void *ctx, const struct login_pam_query *q, char **answer)
{
	static unsigned char rec[MON_RECORD_MAX];
	struct monitor *m = ctx;
	struct wire_in in;
	long n;
	int ok;

	if (m->kbd_gave_up || m->kbd_broken || !send_query(m, q)) return 0;
	for (;;) {
		time_t now = time(0);
		n = priv_record_recv(m->fd, rec, sizeof rec,
				     now >= m->deadline ? 0 : (int)(m->deadline - now) * 1000);
		if (n <= 0)
			return relay_broken(m, n < 0 && errno == ETIMEDOUT
						   ? "login grace time exceeded"
						   : "no answers");
		if (rec[0] != MON_LOG && rec[0] != MON_VIOLATION) break;
		if (!monitor_request(m, rec, (size_t)n)) return relay_broken(m, m->why);
	}
	if (rec[0] != MON_KBD_ANSWERS) return relay_broken(m, "request during a conversation");
	/* The client's time to answer is its own: the padding counts from here. */
	login_attempt_begin(&m->attempt_start);
	wire_in_init(&in, rec + 1, (size_t)n - 1);
	ok = take_answers(m, &in, q->n, answer);
	algo_wipe(rec, (size_t)n);
	return ok;
}

/* An unknown or refused name gets the exchange pam_unix would have had,
 * and its cost. */
static int relay_dummy(struct monitor *m)
{
	struct login_pam_query q = {.n = 1, .prompt = {KBDINT_PAM_DUMMY_PROMPT}};
	char *answer = 0;

	if (relay_ask(m, &q, &answer)) {
		account_verify_password(0, answer, strlen(answer));
		algo_wipe(answer, strlen(answer));
		free(answer);
	} else {
		account_verify_password(0, "", 0);
	}
	return 0;
}

static int answer_kbd_start(struct monitor *m, struct wire_in *in)
{
	char user[SLUICE_MAX_USERNAME + 1];
	int ok;

	wire_get_cstring(in, user, sizeof user);
	if (!wire_done(in)) return refuse(m, "malformed keyboard-interactive request");
	if (!m->cf[CF_PAM_SERVICE].str[0])
		return refuse(m, "keyboard-interactive relay without PAM");
	if (!attempt_allowed(m, AUTH_KBDINT, user)) return 0;
	m->kbd_gave_up = m->kbd_broken = 0;
	ok = login_pam_started() ? login_pam_interactive(relay_ask, m) : relay_dummy(m);
	if (m->kbd_broken) return 0;
	return ok ? succeeded(m, AUTH_KBDINT, "(PAM)") : failed(m, AUTH_KBDINT, 1);
}

static unsigned warn_count;
static void warn_entry(const char *reason, unsigned lineno)
{
	if (warn_count++ < 10) log_warn("authorized keys line %u skipped: %s", lineno, reason);
}

/* The authorized keys file, opened as SFTPD_STRICT_MODES says: -1 after
 * logging why when it may not be trusted. */
static int open_authorized_keys(const struct monitor *m, const char *path)
{
	char bad[SLUICE_MAX_PATH];
	const char *why;
	int fd;

	if (!m->cf[CF_STRICT_MODES].num) return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	fd = fs_open_strict(path, m->account.uid, bad, sizeof bad, &why);
	if (fd < 0 && why)
		log_warn("authorized keys %s refused: %s is %s (SFTPD_STRICT_MODES)", path, bad,
			 why);
	return fd;
}

static char *read_small_file(int fd, size_t max, size_t *len)
{
	char *p = 0;
	size_t n = 0;
	if (fd < 0) return 0;
	p = malloc(max + 1);
	if (!p) goto fail;
	for (;;) {
		ssize_t r = read(fd, p + n, max + 1 - n);
		if (r < 0) goto fail;
		if (!r) break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	p[n] = 0;
	*len = n;
	return p;
fail:
	free(p);
	close(fd);
	return 0;
}

/* 1 if the blob is, byte for byte, a key of the user's authorized keys that
 * may sign with sigalg.  The blob is not parsed here: it is compared with
 * keys parsed from the trusted file, so k then describes a trusted key. */
static int authorized(struct monitor *m, const char *sigalg, const unsigned char *blob,
		      uint32_t len, struct key_public *k)
{
	char path[SLUICE_MAX_PATH];
	char *text;
	size_t tlen;
	int found;

	if (!m->user_known || len > KEY_BLOB_MAX) return 0;
	k->type = KEY_NONE;
	for (enum key_type t = KEY_ED25519; t <= KEY_ECDSA_P521; t++)
		if (key_sigalg_fits(t, sigalg)) k->type = t;
	if (k->type == KEY_NONE) return 0;
	memcpy(k->blob, blob, len);
	k->bloblen = len;
	if (!login_expand_path(m->cf[CF_AUTHORIZED_KEYS].str, &m->account, path, sizeof path))
		return 0;
	text = read_small_file(open_authorized_keys(m, path), AUTHORIZED_KEYS_MAX_BYTES, &tlen);
	if (!text) {
		if (errno != ENOENT && errno != EPERM)
			log_warn("unable to read %s: %s", path, strerror(errno));
		return 0;
	}
	warn_count = 0;
	found = key_authorized_find(text, tlen, k, warn_entry);
	free(text);
	return found;
}

/* A key that already passed a step of the chain passes no other (as
 * OpenSSH: "publickey,publickey" asks for two keys).  Keys are compared by
 * their blob, which for an authorized key is the trusted file's. */
static int key_used(const struct monitor *m, const unsigned char *blob, uint32_t len)
{
	unsigned char h[32];
	int used = 0;
	algo_hash(ALGO_SHA256, blob, len, h);
	for (unsigned i = 0; i < m->n_used_keys; i++)
		used |= algo_memeq(h, m->used_keys[i], sizeof h);
	return used;
}

static void key_record(struct monitor *m, const struct key_public *k)
{
	if (m->n_used_keys < ARRAY_LEN(m->used_keys))
		algo_hash(ALGO_SHA256, k->blob, k->bloblen, m->used_keys[m->n_used_keys++]);
}

static int refuse_used_key(struct monitor *m, int delay)
{
	log_info("refused for %s a key that already passed a step", m->user);
	return failed(m, AUTH_PUBLICKEY, delay);
}

static int answer_key_query(struct monitor *m, struct wire_in *in)
{
	char user[SLUICE_MAX_USERNAME + 1], alg[SIGALG_MAX];
	const unsigned char *blob;
	uint32_t bloblen;
	struct key_public k;

	wire_get_cstring(in, user, sizeof user);
	wire_get_cstring(in, alg, sizeof alg);
	wire_get_string(in, &blob, &bloblen);
	if (!wire_done(in)) return refuse(m, "malformed key query");
	if (!attempt_allowed(m, AUTH_PUBLICKEY, user)) return 0;
	if (key_used(m, blob, bloblen)) return refuse_used_key(m, 0);
	if (!authorized(m, alg, blob, bloblen, &k)) return failed(m, AUTH_PUBLICKEY, 0);
	return reply_answer(m, MON_ACCEPTED, 0);
}

static int answer_key_verify(struct monitor *m, struct wire_in *in)
{
	char user[SLUICE_MAX_USERNAME + 1], alg[SIGALG_MAX], fp[KEY_FP_MAX];
	const unsigned char *blob, *sig;
	uint32_t bloblen, siglen;
	struct key_public k;
	unsigned char data[KEY_BLOB_MAX + 512];
	struct wire_out d;

	wire_get_cstring(in, user, sizeof user);
	wire_get_cstring(in, alg, sizeof alg);
	wire_get_string(in, &blob, &bloblen);
	wire_get_string(in, &sig, &siglen);
	if (!wire_done(in)) return refuse(m, "malformed key verification");
	if (!attempt_allowed(m, AUTH_PUBLICKEY, user)) return 0;
	if (!m->session_id_len) return refuse(m, "key verification before key exchange");
	if (key_used(m, blob, bloblen)) return refuse_used_key(m, 1);
	if (!authorized(m, alg, blob, bloblen, &k)) return failed(m, AUTH_PUBLICKEY, 1);
	/* RFC 4252 s7: what the client signed, rebuilt from what the monitor
	 * knows, so it starts with the session identifier the monitor signed. */
	wire_out_init(&d, data, sizeof data);
	wire_put_string(&d, m->session_id, m->session_id_len);
	wire_put_u8(&d, SSH_MSG_USERAUTH_REQUEST);
	wire_put_cstring(&d, m->user);
	wire_put_cstring(&d, "ssh-connection");
	wire_put_cstring(&d, "publickey");
	wire_put_bool(&d, 1);
	wire_put_cstring(&d, alg);
	wire_put_string(&d, k.blob, k.bloblen);
	if (d.bad || !key_verify(&k, alg, sig, siglen, data, d.len))
		return failed(m, AUTH_PUBLICKEY, 1);
	key_fingerprint(&k, fp);
	key_record(m, &k);
	return succeeded(m, AUTH_PUBLICKEY, fp);
}

/* --- the hand-over ----------------------------------------------------- */

static int answer_handover(struct monitor *m, struct wire_in *in)
{
	const unsigned char *st;
	uint32_t stlen, inlen;

	wire_get_string(in, &st, &stlen);
	wire_get_u32(in, &inlen);
	if (!wire_done(in)) return refuse(m, "malformed hand-over");
	if (stlen > MON_STATE_MAX || inlen > MON_INPUT_MAX) return refuse(m, "hand-over too large");
	m->handover = malloc(stlen ? stlen : 1);
	m->input = malloc(inlen ? inlen : 1);
	if (!m->handover || !m->input) return refuse(m, "out of memory");
	memcpy(m->handover, st, stlen);
	m->handover_len = stlen;
	m->input_len = inlen;
	m->input_got = 0;
	m->state = inlen ? MON_RECEIVING : MON_HANDED_OVER;
	return 1;
}

static int answer_handover_data(struct monitor *m, struct wire_in *in)
{
	size_t n = wire_left(in);
	const unsigned char *p;
	if (!n || n > m->input_len - m->input_got)
		return refuse(m, "hand-over data beyond its length");
	wire_get_bytes(in, &p, n);
	memcpy(m->input + m->input_got, p, n);
	m->input_got += n;
	if (m->input_got == m->input_len) m->state = MON_HANDED_OVER;
	return 1;
}

/* --- what the children say --------------------------------------------- */

static int answer_log(struct monitor *m, struct wire_in *in)
{
	uint8_t prio;
	const unsigned char *line;
	uint32_t n;

	wire_get_u8(in, &prio);
	wire_get_string(in, &line, &n);
	/* Not above LOG_CRIT (what log_die uses): emergency lines reach every
	 * terminal under a default syslog configuration. */
	if (!wire_done(in) || prio < LOG_CRIT || prio > LOG_DEBUG || n > LOG_LINE_MAX)
		return refuse(m, "malformed log line");
	log_write_formatted(prio, (const char *)line, n);
	return 1;
}

static int answer_violation(struct monitor *m, struct wire_in *in)
{
	uint32_t nr;
	wire_get_u32(in, &nr);
	if (!wire_done(in)) return refuse(m, "malformed sandbox report");
	m->violation = (long)nr;
	return refuse(m, "forbidden system call");
}

/* The client's address from the PROXY header the network child read. */
static int answer_proxy(struct monitor *m, struct wire_in *in)
{
	struct peer client = m->client;
	int named;

	if (!peer_proxy_get(in, &client, &named)) return refuse(m, "malformed PROXY address");
	if (!m->proxy_pending) return refuse(m, "unexpected PROXY address");
	m->proxy_pending = 0;
	if (!named) {
		log_info("PROXY protocol: the proxy %s speaks for itself", m->client.text);
	} else {
		log_init("sftpd", client.text);
		log_info("PROXY protocol: client %s through proxy %s", client.text, m->client.text);
		m->client = client;
	}
	log_info("connection from %s", m->client.text);
	return 1;
}

static const struct mon_request requests[] = {
    {MON_LOG, ~0u, 8 + LOG_LINE_MAX, answer_log},
    {MON_VIOLATION, ~0u, 8, answer_violation},
    {MON_SIGN, MON_PREAUTH | MON_SIGNER, 16 + SIGALG_MAX + ALGO_HASH_MAX, answer_sign},
    {MON_PROVE, MON_SIGNER, 8 + SIGALG_MAX, answer_prove},
    {MON_PROXY, MON_PREAUTH, 32, answer_proxy},
    {MON_PASSWORD, MON_PREAUTH, 16 + SLUICE_MAX_USERNAME + SLUICE_MAX_PASSWORD, answer_password},
    {MON_KBDINT, MON_PREAUTH, 16 + SLUICE_MAX_USERNAME + SLUICE_MAX_PASSWORD, answer_kbdint},
    {MON_KBD_START, MON_PREAUTH, 8 + SLUICE_MAX_USERNAME, answer_kbd_start},
    {MON_KEY_QUERY, MON_PREAUTH, 16 + SLUICE_MAX_USERNAME + SIGALG_MAX + KEY_BLOB_MAX,
     answer_key_query},
    {MON_KEY_VERIFY, MON_PREAUTH,
     24 + SLUICE_MAX_USERNAME + SIGALG_MAX + KEY_BLOB_MAX + KEY_SIG_MAX, answer_key_verify},
    {MON_HANDOVER, MON_AUTHED, 16 + MON_STATE_MAX, answer_handover},
    {MON_HANDOVER_DATA, MON_RECEIVING, MON_RECORD_MAX, answer_handover_data},
};

int monitor_request(struct monitor *m, const unsigned char *rec, size_t len)
{
	struct wire_in in;
	m->why[0] = 0;
	if (!len) return refuse(m, "empty request");
	for (size_t i = 0; i < ARRAY_LEN(requests); i++) {
		const struct mon_request *r = &requests[i];
		if (r->type != rec[0]) continue;
		if (!(r->states & m->state)) return refuse(m, "request out of order");
		if (m->proxy_pending && r->type != MON_PROXY && r->type != MON_LOG &&
		    r->type != MON_VIOLATION)
			return refuse(m, "request before the PROXY address");
		if (len - 1 > r->max_len) return refuse(m, "request too long");
		wire_in_init(&in, rec + 1, len - 1);
		return r->answer(m, &in);
	}
	return refuse(m, "unknown request");
}

void monitor_init(struct monitor *m, int fd, const struct conf_value *cf,
		  struct key_private *const *keys, unsigned nkeys)
{
	memset(m, 0, sizeof *m);
	m->fd = fd;
	m->cf = cf;
	m->host_keys = keys;
	m->n_host_keys = nkeys;
	m->state = MON_PREAUTH;
	m->violation = -1;
	m->deadline = time(0) + (time_t)cf[CF_LOGIN_GRACE_TIME].num + MON_GRACE_MARGIN_SECS;
	m->proxy_pending = strcmp(cf[CF_PROXY_PROTOCOL].str, "off") != 0;
	peer_describe(0, &m->client);
	/* Checked at start (config.c); should it fail here, nothing is allowed. */
	authmethods_parse(&m->chains, cf[CF_AUTH_METHODS].str, m->why, sizeof m->why);
	m->why[0] = 0;
}

void monitor_forget_account(struct monitor *m)
{
	/* Checked before wiping: a wipe writes, and a page written after the
	 * fork becomes a private copy in that process. */
	if (!sodium_is_zero((const unsigned char *)m->account.hash, sizeof m->account.hash))
		algo_wipe(m->account.hash, sizeof m->account.hash);
	m->user_known = 0;
}

void monitor_free(struct monitor *m)
{
	monitor_forget_account(m);
	if (m->handover) algo_wipe(m->handover, m->handover_len);
	free(m->handover);
	if (m->input) algo_wipe(m->input, m->input_len);
	free(m->input);
	m->handover = 0;
	m->input = 0;
}
