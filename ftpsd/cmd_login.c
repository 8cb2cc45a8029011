/* cmd_login: USER, PASS, REIN and the RFC 4217 security commands AUTH,
 * PBSZ, PROT, CCC.  USER and PASS run in the network process, which asks
 * the monitor; an accepted login hands the connection over (privsep.c). */
#include <string.h>
#include <strings.h>

#include "algo/algo.h"
#include "cmd.h"
#include "log/log.h"
#include "wire/wire.h"

const char *ftp_tls_version(struct ftp_session *s)
{
	return s->ctrl_protected ? s->tls_version : "clear";
}

static int is_anonymous_name(const char *name)
{
	return !strcasecmp(name, "anonymous") || !strcasecmp(name, "ftp");
}

/* Asks the monitor (network process); builds the request in req. */
static void ask_login(struct ftp_session *s, enum ftp_mon_type type, const void *p, size_t n,
		      int *accepted, int *last)
{
	static unsigned char req[16 + SLUICE_MAX_USERNAME + FM_CERT_MAX];
	struct wire_out w;
	wire_out_init(&w, req, sizeof req);
	wire_put_u8(&w, (uint8_t)type);
	wire_put_cstring(&w, s->user);
	wire_put_string(&w, p, n);
	if (w.bad) {
		*accepted = *last = 0;
		return;
	}
	ftp_privsep_ask(s, req, w.len, accepted, last);
	algo_wipe(req, w.len);
}

/* A verified client certificate may log its user in without a password;
 * the monitor checks the chain again and decides. */
static int cert_login(struct ftp_session *s)
{
	size_t len;
	int accepted, last;
	const unsigned char *pem;
	if (!strcmp(s->cf[FC_TLS_USER_FROM_CERT].str, "off") || !s->tls ||
	    !account_name_valid(s->user))
		return 0;
	pem = ftp_tls_peer_chain(s, &len);
	if (!pem || len > FM_CERT_MAX) return 0;
	ask_login(s, FM_CERT_LOGIN, pem, len, &accepted, &last);
	return accepted;
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
	if (cert_login(s)) ftp_privsep_hand_over(s);
	ftp_reply(s, 331, "Password required for %s", s->user);
}

void ftp_cmd_pass(struct ftp_session *s, const char *arg)
{
	int accepted, last;
	if (s->logged_in) {
		ftp_reply(s, 503, "Already logged in");
		return;
	}
	if (!s->have_user) {
		ftp_reply(s, 503, "Send USER first");
		return;
	}
	ask_login(s, FM_PASSWORD, arg, strlen(arg), &accepted, &last);
	if (accepted) ftp_privsep_hand_over(s);
	if (last) {
		ftp_reply(s, 421, "Too many failed logins, closing");
		ftp_exit(s, EXIT_PEER);
	}
	s->have_user = 0;
	s->anonymous = 0;
	ftp_reply(s, 530, "Login incorrect");
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
	if (s->ctrl_protected) {
		ftp_reply(s, 503, "TLS already active");
		return;
	}
	if (strcasecmp(arg, "TLS") && strcasecmp(arg, "SSL") && strcasecmp(arg, "TLS-C") &&
	    strcasecmp(arg, "TLS-P")) {
		ftp_reply(s, 504, "AUTH TLS only");
		return;
	}
	if (!s->tls_ready) {
		log_error("%s", s->tls_err);
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
	if (!s->ctrl_protected) {
		ftp_reply(s, 503, "PBSZ needs AUTH TLS first");
		return;
	}
	s->pbsz = 1;
	ftp_reply(s, 200, "PBSZ=0");
}

void ftp_cmd_prot(struct ftp_session *s, const char *arg)
{
	if (!s->ctrl_protected) {
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
	if (!s->ctrl_protected) {
		ftp_reply(s, 533, "Control channel is not protected");
		return;
	}
	if (!s->cf[FC_ALLOW_CCC].num || (s->policy & FTP_TLS_REQ_CTRL)) {
		ftp_reply(s, 534, "CCC refused by policy");
		return;
	}
	ftp_privsep_ccc(s, "200 Control channel cleared\r\n");
}
