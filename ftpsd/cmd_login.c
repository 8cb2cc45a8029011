/* cmd_login: USER, PASS, REIN and the RFC 4217 security commands AUTH,
 * PBSZ, PROT, CCC.  A login confines the session (chroot or openat2 root)
 * and drops privileges before any file is served. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <tls.h>

#include "cmd.h"
#include "log/log.h"
#include "priv/priv.h"

const char *ftp_tls_version(struct ftp_session *s)
{
	return s->tls ? tls_conn_version(s->tls) : "clear";
}

static int is_anonymous_name(const char *name)
{
	return !strcasecmp(name, "anonymous") || !strcasecmp(name, "ftp");
}

/* Expands %u in FTPSD_ROOT; empty root means the account's home. */
static int login_root_path(struct ftp_session *s, char *out, size_t cap)
{
	const char *t = s->anonymous ? s->cf[FC_ANON_ROOT].str : s->cf[FC_ROOT].str;
	if (!*t) t = s->acct.home;
	size_t n = 0;
	for (const char *p = t; *p; p++) {
		const char *add = p;
		size_t al = 1;
		if (p[0] == '%' && p[1] == 'u') {
			add = s->user;
			al = strlen(s->user);
			p++;
		}
		if (n + al >= cap) return 0;
		memcpy(out + n, add, al);
		n += al;
	}
	out[n] = 0;
	return n > 0;
}

static int login_confine(struct ftp_session *s)
{
	char dir[SLUICE_MAX_PATH];
	if (!login_root_path(s, dir, sizeof dir)) {
		log_error("no root directory for %s", s->user);
		return 0;
	}
	if (priv_is_root() && !s->anonymous)
		priv_groups_load(s->acct.name, s->acct.uid, s->acct.gid);
	if (!fs_root_open(&s->root, dir, priv_is_root())) {
		log_error("unable to open root %s for %s: %s", dir, s->user, strerror(errno));
		return 0;
	}
	if (!priv_drop(s->acct.uid, s->acct.gid, s->anonymous ? NULL : s->acct.name)) {
		log_error("unable to drop privileges to %s: %s", s->user, strerror(errno));
		return 0;
	}
	priv_no_new_privs();
	umask((mode_t)s->cf[FC_UMASK].num);
	return 1;
}

static void login_success(struct ftp_session *s, int code, const char *how)
{
	if (!login_confine(s)) {
		ftp_reply(s, 421, "Login failed: server error");
		ftp_exit(s, EXIT_SYSTEM);
	}
	s->logged_in = 1;
	log_info("login %s (%s) control %s", s->user, how, ftp_tls_version(s));
	ftp_reply(s, code, "User %s logged in%s", s->user, s->anonymous ? ", read-only" : "");
}

static void login_failure(struct ftp_session *s)
{
	s->login_failures++;
	log_info("login failed for %s (%u of %llu)", s->user, s->login_failures,
		 s->cf[FC_MAX_LOGIN_ATTEMPTS].num);
	unsigned long long ms = s->cf[FC_LOGIN_FAIL_DELAY_MS].num;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
	if (s->login_failures >= s->cf[FC_MAX_LOGIN_ATTEMPTS].num) {
		ftp_reply(s, 421, "Too many failed logins, closing");
		ftp_exit(s, EXIT_PEER);
	}
	s->have_user = 0;
	ftp_reply(s, 530, "Login incorrect");
}

void ftp_cmd_user(struct ftp_session *s, const char *arg)
{
	if (s->logged_in) {
		ftp_reply(s, 530, "Already logged in (use REIN)");
		return;
	}
	size_t n = strlen(arg);
	if (n > SLUICE_MAX_USERNAME) n = SLUICE_MAX_USERNAME;
	memcpy(s->user, arg, n);
	s->user[n] = 0;
	s->have_user = 1;
	s->anonymous = 0;
	if (s->cf[FC_ANONYMOUS].num && is_anonymous_name(arg)) {
		s->anonymous = 1;
		ftp_reply(s, 331, "Anonymous login ok, send your e-mail address as password");
		return;
	}
	if (s->cert_user[0] && !strcmp(s->cert_user, s->user) && account_name_valid(s->user)) {
		int found = *s->cf[FC_USERS_FILE].str
				? account_lookup_file(s->cf[FC_USERS_FILE].str, s->user, &s->acct)
				: account_lookup_system(s->user, &s->acct);
		if (found) {
			login_success(s, 232, "client certificate");
			return;
		}
	}
	ftp_reply(s, 331, "Password required for %s", s->user);
}

static void anon_account(struct ftp_session *s)
{
	memset(&s->acct, 0, sizeof s->acct);
	memcpy(s->acct.name, "ftp", 4);
	struct passwd *pw = priv_is_root() ? getpwnam("ftp") : NULL;
	if (!pw && priv_is_root()) pw = getpwnam("nobody");
	s->acct.uid = pw ? pw->pw_uid : getuid();
	s->acct.gid = pw ? pw->pw_gid : getgid();
}

void ftp_cmd_pass(struct ftp_session *s, const char *arg)
{
	if (s->logged_in) {
		ftp_reply(s, 503, "Already logged in");
		return;
	}
	if (!s->have_user) {
		ftp_reply(s, 503, "Send USER first");
		return;
	}
	if (s->anonymous) {
		memcpy(s->user, "anonymous", 10);
		anon_account(s);
		login_success(s, 230, "anonymous");
		return;
	}
	struct account *a = &s->acct;
	int found = 0;
	if (account_name_valid(s->user)) {
		found = *s->cf[FC_USERS_FILE].str
			    ? account_lookup_file(s->cf[FC_USERS_FILE].str, s->user, a)
			    : account_lookup_system(s->user, a);
		if (!found && errno != ENOENT)
			log_error("account lookup for %s: %s", s->user, strerror(errno));
	}
	int good = account_verify_password(found ? a : NULL, arg, strlen(arg));
	if (found) sodium_memzero(a->hash, sizeof a->hash);
	if (!good) {
		login_failure(s);
		return;
	}
	login_success(s, 230, "password");
}

void ftp_cmd_rein(struct ftp_session *s, const char *arg)
{
	if (s->logged_in) {
		/* privileges and the root are gone for good: a new login needs a new process */
		ftp_reply(s, 421, "REIN after login: please reconnect");
		ftp_exit(s, EXIT_OK);
	}
	s->have_user = 0;
	s->anonymous = 0;
	s->rest = 0;
	s->type = 'A';
	s->mode_z = 0;
	ftp_data_reset(s);
	ftp_reply(s, 220, "Ready for new user");
}

void ftp_cmd_auth(struct ftp_session *s, const char *arg)
{
	if (s->tls) {
		ftp_reply(s, 503, "TLS already active");
		return;
	}
	if (strcasecmp(arg, "TLS") && strcasecmp(arg, "SSL") && strcasecmp(arg, "TLS-C") &&
	    strcasecmp(arg, "TLS-P")) {
		ftp_reply(s, 504, "AUTH TLS only");
		return;
	}
	char err[256];
	if (!ftp_tls_setup(s, err, sizeof err)) {
		log_error("%s", err);
		ftp_reply(s, 431, "TLS not available");
		return;
	}
	ftp_reply(s, 234, "AUTH %s ok, starting TLS", arg);
	if (!ftp_tls_start_ctrl(s)) ftp_exit(s, EXIT_PEER);
	if (!strcasecmp(arg, "SSL") || !strcasecmp(arg, "TLS-P")) s->prot_p = 1;
	s->have_user = 0; /* RFC 4217: AUTH resets the login state */
}

void ftp_cmd_pbsz(struct ftp_session *s, const char *arg)
{
	if (!s->tls) {
		ftp_reply(s, 503, "PBSZ needs AUTH TLS first");
		return;
	}
	s->pbsz = 1;
	ftp_reply(s, 200, "PBSZ=0");
}

void ftp_cmd_prot(struct ftp_session *s, const char *arg)
{
	if (!s->tls) {
		ftp_reply(s, 503, "PROT needs AUTH TLS first");
		return;
	}
	s->pbsz = 1; /* PROT without PBSZ: PBSZ 0 is the only size anyway */
	if (!strcasecmp(arg, "C")) {
		if (s->policy & FTP_TLS_REQ_DATA) {
			ftp_reply(s, 534, "PROT C refused: data connections must be protected");
			return;
		}
		s->prot_p = 0;
		ftp_reply(s, 200, "Protection level C");
	} else if (!strcasecmp(arg, "P")) {
		if (s->policy & FTP_TLS_FORBID_DATA) {
			ftp_reply(s, 534, "PROT P refused by policy: data connections stay clear");
			return;
		}
		s->prot_p = 1;
		ftp_reply(s, 200, "Protection level P");
	} else if (!strcasecmp(arg, "S") || !strcasecmp(arg, "E")) {
		ftp_reply(s, 536, "Protection level not supported");
	} else {
		ftp_reply(s, 504, "PROT C or P");
	}
}

void ftp_cmd_ccc(struct ftp_session *s, const char *arg)
{
	if (!s->tls) {
		ftp_reply(s, 533, "Control channel is not protected");
		return;
	}
	if (!s->cf[FC_ALLOW_CCC].num || (s->policy & FTP_TLS_REQ_CTRL)) {
		ftp_reply(s, 534, "CCC refused by policy");
		return;
	}
	ftp_reply(s, 200, "Control channel cleared");
	ftp_tls_ccc(s);
	log_info("CCC: control channel now clear");
}
