/* monitor: the privileged side of ftpsd's privilege separation.  It holds
 * the account sources and decides every login; the network process that
 * parses the client's commands asks it, one request at a time, and it
 * answers from a table: allowed states, a size ceiling, one handler each.
 * It never sees a byte from the client except the strings inside these
 * requests, and counts failed logins itself whatever the network process
 * claims. */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "algo/algo.h"
#include "config.h"
#include "log/log.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "monitor.h"
#include "priv/priv.h"
#include "wire/wire.h"

struct fm_request {
	enum ftp_mon_type type;
	unsigned states; /* enum ftp_mon_state bits */
	size_t max_len;
	int (*answer)(struct ftp_monitor *m, struct wire_in *in);
};

static int refuse(struct ftp_monitor *m, const char *why)
{
	size_t n = strlen(why);
	if (n >= sizeof m->why) n = sizeof m->why - 1;
	memcpy(m->why, why, n);
	m->why[n] = 0;
	return 0;
}

static int reply_answer(struct ftp_monitor *m, int accepted, int last)
{
	unsigned char r[3] = {FM_ANSWER, (unsigned char)!!accepted, (unsigned char)!!last};
	return priv_record_send(m->fd, r, sizeof r) ? 1 : refuse(m, "unable to answer");
}

static int last_attempt(const struct ftp_monitor *m)
{
	return m->failures >= m->cf[FC_MAX_LOGIN_ATTEMPTS].num;
}

static int accepted(struct ftp_monitor *m, enum ftp_mon_how how, const char *user)
{
	m->how = how;
	memcpy(m->user, user, strlen(user) + 1);
	m->state = FM_ACCEPTED;
	return reply_answer(m, 1, 0);
}

/* The account anonymous logins run as: ftp, else nobody (as root);
 * without root, this process's own ids. */
static int anon_account(struct account *a)
{
	struct passwd *pw = NULL;
	memset(a, 0, sizeof *a);
	memcpy(a->name, "ftp", 4);
	if (priv_is_root()) {
		pw = getpwnam("ftp");
		if (!pw) pw = getpwnam("nobody");
		if (!pw) return 0;
	}
	a->uid = pw ? pw->pw_uid : getuid();
	a->gid = pw ? pw->pw_gid : getgid();
	snprintf(a->home, sizeof a->home, "/");
	return 1;
}

static int is_anonymous_name(const char *name)
{
	return !strcasecmp(name, "anonymous") || !strcasecmp(name, "ftp");
}

static int failed(struct ftp_monitor *m, const char *user, int known)
{
	m->failures++;
	log_info("login failed for %s%s (%u of %llu)", known ? "" : "unknown user ", user,
		 m->failures, m->cf[FC_MAX_LOGIN_ATTEMPTS].num);
	login_fail_pad(&m->attempt_start, m->cf[FC_LOGIN_FAIL_DELAY_MS].num);
	return reply_answer(m, 0, last_attempt(m));
}

/* Refused by its policy (from=, an auth= without the password alone) or by
 * the allow and deny lists (or locked, expired): from then on exactly an
 * unknown name. */
static int policy_admits(struct ftp_monitor *m, const char *user)
{
	const char *why = "";
	const struct login_access rules = {m->cf[FC_ALLOW_USERS].str, m->cf[FC_DENY_USERS].str,
					   m->cf[FC_ALLOW_GROUPS].str, m->cf[FC_DENY_GROUPS].str};
	login_group_policy(&m->account, m->cf[FC_GROUP_POLICY].str);
	if (!login_policy_password_alone(&m->account))
		why = "its auth= has no list that is a password alone";
	else if (login_policy_admits(&m->account, m->proxied ? &m->client : m->peer, &why) &&
		 login_access_admits(&m->account, &rules, &why))
		return 1;
	log_warn("account %s refused: %s", user, why);
	algo_wipe(&m->account, sizeof m->account);
	return 0;
}

/* FTPSD_PAM_SERVICE: a transaction for this user (each USER/PASS pair may
 * name another). */
static int pam_start(struct ftp_monitor *m, const char *user)
{
	const struct peer *p = m->proxied ? &m->client : m->peer;
	if (!m->cf[FC_PAM_SERVICE].str[0]) return 1;
	if (login_pam_start(m->cf[FC_PAM_SERVICE].str, user, p ? p->ip : "", "ftp")) return 1;
	algo_wipe(&m->account, sizeof m->account);
	return 0;
}

static int answer_password(struct ftp_monitor *m, struct wire_in *in)
{
	char user[SLUICE_MAX_USERNAME + 1], pw[SLUICE_MAX_PASSWORD + 1];
	const unsigned char *p;
	uint32_t n;
	int known = 0, ok;

	login_attempt_begin(&m->attempt_start);
	wire_get_cstring(in, user, sizeof user);
	wire_get_string(in, &p, &n);
	if (!wire_done(in)) return refuse(m, "malformed password request");
	if (last_attempt(m)) return refuse(m, "login attempt after the limit");
	if (m->cf[FC_ANONYMOUS].num && is_anonymous_name(user)) {
		if (!anon_account(&m->account)) {
			log_error("anonymous login: no account ftp or nobody");
			return failed(m, user, 0);
		}
		return accepted(m, FM_HOW_ANONYMOUS, "anonymous");
	}
	if (n > SLUICE_MAX_PASSWORD || memchr(p, 0, n)) {
		account_verify_password(NULL, "", 0); /* the same cost as a real check */
		return failed(m, user, 0);
	}
	memcpy(pw, p, n);
	pw[n] = 0;
	known = login_lookup(m->cf[FC_USERS_FILE].str, user, &m->account);
	if (!known && errno != ENOENT)
		log_error("account lookup for %s: %s", user, strerror(errno));
	known = known && policy_admits(m, user) && pam_start(m, user);
	if (known && login_pam_started())
		ok = login_pam_password(pw, n);
	else
		ok = account_verify_password(known ? &m->account : NULL, pw, n);
	algo_wipe(pw, sizeof pw);
	algo_wipe(m->account.hash, sizeof m->account.hash);
	if (!ok) return failed(m, user, known);
	return accepted(m, FM_HOW_PASSWORD, user);
}

/* A certificate that does not name this user is no failed guess: the
 * client is asked for a password, as without a certificate.  The account is
 * looked up before the chain is matched, since its cert= item (users file
 * only: group policies may not carry one) decides what the chain must
 * name; the chain is verified whether or not the account exists. */
static int answer_cert_login(struct ftp_monitor *m, struct wire_in *in)
{
	char user[SLUICE_MAX_USERNAME + 1], subject[256];
	const unsigned char *pem;
	const char *certval = NULL;
	uint32_t n;
	int known;

	login_attempt_begin(&m->attempt_start);
	wire_get_cstring(in, user, sizeof user);
	wire_get_string(in, &pem, &n);
	if (!wire_done(in)) return refuse(m, "malformed certificate login");
	if (!strcmp(m->cf[FC_TLS_USER_FROM_CERT].str, "off"))
		return refuse(m, "certificate login not enabled");
	if (n > FM_CERT_MAX) return refuse(m, "certificate chain too long");
	if (++m->cert_tries > FM_MAX_CERT_TRIES) return refuse(m, "too many certificate logins");
	known = login_lookup(m->cf[FC_USERS_FILE].str, user, &m->account);
	if (!known && errno != ENOENT)
		log_error("account lookup for %s: %s", user, strerror(errno));
	if (known && (m->account.policy.keys & ACCOUNT_POL_CERT)) certval = m->account.policy.cert;
	if (!ftp_cert_names(m->cf, pem, n, user, certval, subject, sizeof subject)) {
		int e = errno;
		algo_wipe(&m->account, sizeof m->account);
		/* the network process's TLS stack accepted what fails here */
		if (e != ENOENT) return refuse(m, "client certificate does not verify");
		log_info("client certificate %s does not name user %s%s", subject, user,
			 certval ? " (its cert= item)" : "");
		return reply_answer(m, 0, 0);
	}
	if (!known) {
		log_info("client certificate %s names user %s, who does not exist", subject, user);
		return reply_answer(m, 0, 0);
	}
	if (!policy_admits(m, user) || !pam_start(m, user) ||
	    (login_pam_started() && !login_pam_account()))
		return reply_answer(m, 0, 0);
	algo_wipe(m->account.hash, sizeof m->account.hash);
	log_info("client certificate %s maps to user %s%s", subject, user,
		 certval ? " by its cert= item" : "");
	return accepted(m, FM_HOW_CERT, user);
}

static int answer_handover(struct ftp_monitor *m, struct wire_in *in)
{
	uint8_t prot, pbsz, protp, disc, iac;
	uint32_t facts, vlen, ilen;
	const unsigned char *v, *input;

	wire_get_u8(in, &prot);
	wire_get_string(in, &v, &vlen);
	wire_get_u8(in, &pbsz);
	wire_get_u8(in, &protp);
	wire_get_u32(in, &facts);
	wire_get_u8(in, &disc);
	wire_get_u8(in, &iac);
	wire_get_string(in, &input, &ilen);
	if (!wire_done(in)) return refuse(m, "malformed hand-over");
	if (prot > 1 || pbsz > 1 || protp > 1 || disc > 1 || iac > 1 || facts > FTP_FACTS_ALL ||
	    vlen > FM_TLS_VERSION_MAX || memchr(v, 0, vlen) || ilen > sizeof m->lb.buf)
		return refuse(m, "hand-over out of range");
	m->ctrl_protected = prot;
	memcpy(m->tls_version, v, vlen);
	m->tls_version[vlen] = 0;
	m->pbsz = pbsz;
	m->prot_p = protp;
	m->mlst_facts = facts;
	memcpy(m->lb.buf, input, ilen);
	m->lb.len = ilen;
	m->lb.discarding = disc;
	m->lb.iac = iac;
	m->state = FM_HANDED_OVER;
	return 1;
}

static int answer_violation(struct ftp_monitor *m, struct wire_in *in)
{
	uint32_t nr;
	wire_get_u32(in, &nr);
	if (!wire_done(in)) return refuse(m, "malformed sandbox report");
	m->violation = (long)nr;
	return refuse(m, "forbidden system call");
}

static int answer_proxy(struct ftp_monitor *m, struct wire_in *in)
{
	struct peer client;
	int named;

	memset(&client, 0, sizeof client);
	if (!peer_proxy_get(in, &client, &named)) return refuse(m, "malformed PROXY address");
	if (!m->proxy_pending) return refuse(m, "unexpected PROXY address");
	m->proxy_pending = 0;
	if (!named) {
		log_info("PROXY protocol: the proxy speaks for itself");
		log_info("connect");
		return 1;
	}
	m->client = client;
	m->proxied = 1;
	log_init("ftpsd", client.text);
	log_info("PROXY protocol: client %s through the proxy", client.text);
	log_info("connect");
	return 1;
}

static const struct fm_request requests[] = {
    {FM_VIOLATION, ~0u, 4, answer_violation},
    {FM_PROXY, FM_PRELOGIN, 32, answer_proxy},
    {FM_PASSWORD, FM_PRELOGIN, 8 + SLUICE_MAX_USERNAME + SLUICE_MAX_PASSWORD, answer_password},
    {FM_CERT_LOGIN, FM_PRELOGIN, 8 + SLUICE_MAX_USERNAME + FM_CERT_MAX, answer_cert_login},
    {FM_HANDOVER, FM_ACCEPTED, 32 + FM_TLS_VERSION_MAX + FTP_MAX_LINE + 2, answer_handover},
};

int ftp_mon_request(struct ftp_monitor *m, const unsigned char *rec, size_t len)
{
	struct wire_in in;
	m->why[0] = 0;
	if (!len) return refuse(m, "empty request");
	for (size_t i = 0; i < ARRAY_LEN(requests); i++) {
		const struct fm_request *r = &requests[i];
		if (r->type != rec[0]) continue;
		if (!(r->states & m->state)) return refuse(m, "request out of order");
		if (m->proxy_pending && r->type != FM_PROXY && r->type != FM_VIOLATION)
			return refuse(m, "request before the PROXY address");
		if (len - 1 > r->max_len) return refuse(m, "request too long");
		wire_in_init(&in, rec + 1, len - 1);
		return r->answer(m, &in);
	}
	return refuse(m, "unknown request");
}

void ftp_mon_init(struct ftp_monitor *m, int fd, const struct conf_value *cf)
{
	memset(m, 0, sizeof *m);
	m->fd = fd;
	m->cf = cf;
	m->state = FM_PRELOGIN;
	m->violation = -1;
	m->proxy_pending = strcmp(cf[FC_PROXY_PROTOCOL].str, "off") != 0;
}

void ftp_mon_free(struct ftp_monitor *m)
{
	algo_wipe(&m->account, sizeof m->account);
	algo_wipe(&m->lb, sizeof m->lb);
}
