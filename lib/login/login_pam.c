/* login_pam.c: PAM through libpam.so.0, loaded with dlopen (login_pam.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <sodium.h>
#include "log/log.h"
#include "login/login_pam.h"

#define PAM_LIBRARY "libpam.so.0"
#define PAM_SERVICE_MAX 64

struct pam_api {
	int (*start)(const char *, const char *, const struct pam_conv *, pam_handle_t **);
	int (*end)(pam_handle_t *, int);
	int (*authenticate)(pam_handle_t *, int);
	int (*acct_mgmt)(pam_handle_t *, int);
	int (*setcred)(pam_handle_t *, int);
	int (*open_session)(pam_handle_t *, int);
	int (*close_session)(pam_handle_t *, int);
	int (*set_item)(pam_handle_t *, int, const void *);
	const char *(*strerror)(pam_handle_t *, int);
};

static struct pam_api api;
static pam_handle_t *handle;
static int session_open, creds_set;
/* What the conversation answers password prompts with, during
 * login_pam_password only. */
static const char *secret;
static size_t secret_len;
/* Or who answers every question, during login_pam_interactive only. */
static login_pam_relay relay;
static void *relay_ctx;

static int load(void)
{
	const struct {
		const char *name;
		void **slot;
	} syms[] = {
	    {"pam_start", (void **)&api.start},
	    {"pam_end", (void **)&api.end},
	    {"pam_authenticate", (void **)&api.authenticate},
	    {"pam_acct_mgmt", (void **)&api.acct_mgmt},
	    {"pam_setcred", (void **)&api.setcred},
	    {"pam_open_session", (void **)&api.open_session},
	    {"pam_close_session", (void **)&api.close_session},
	    {"pam_set_item", (void **)&api.set_item},
	    {"pam_strerror", (void **)&api.strerror},
	};
	void *lib;

	if (api.start) return 1;
	lib = dlopen(PAM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!lib) return (errno = ENOSYS, 0);
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
		if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
			memset(&api, 0, sizeof api);
			return (errno = ENOSYS, 0);
		}
	return 1;
}

static int service_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= PAM_SERVICE_MAX || s[0] == '.') return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int login_pam_service_check(const char *service, char *why, size_t whylen)
{
	if (!service[0] || service_name_valid(service)) return 1;
	snprintf(why, whylen, "expected a PAM service name (letters, digits, . _ -)");
	return 0;
}

int login_pam_ready(const char *service, char *why, size_t whylen)
{
	char path[sizeof "/usr/lib/pam.d/" + PAM_SERVICE_MAX];
	struct stat st;

	if (!load()) {
		snprintf(why, whylen, "unable to load %s (Debian: libpam0g)", PAM_LIBRARY);
		return 0;
	}
	snprintf(path, sizeof path, "/etc/pam.d/%s", service);
	if (!stat(path, &st)) return 1;
	snprintf(path, sizeof path, "/usr/lib/pam.d/%s", service);
	if (!stat(path, &st)) return 1;
	snprintf(why, whylen,
		 "no PAM service %s in /etc/pam.d or /usr/lib/pam.d (PAM would use "
		 "\"other\")",
		 service);
	return 0;
}

static void drop_responses(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i].resp) {
			sodium_memzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

static void add_info(struct login_pam_query *q, const char *text)
{
	size_t have = strlen(q->info);
	if (!text) return;
	snprintf(q->info + have, sizeof q->info - have, "%s%s", have ? "\n" : "", text);
}

/* One conversation call as one query for the client: its prompts in
 * order, its messages as the query's text. */
static int converse_relayed(int n, const struct pam_message **msg, struct pam_response *r)
{
	struct login_pam_query q;
	char *answer[LOGIN_PAM_MAX_PROMPTS] = {0};
	unsigned k = 0;

	memset(&q, 0, sizeof q);
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG) {
			add_info(&q, msg[i]->msg);
			continue;
		}
		if ((style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) ||
		    q.n == LOGIN_PAM_MAX_PROMPTS)
			return PAM_CONV_ERR;
		q.prompt[q.n] = msg[i]->msg ? msg[i]->msg : "";
		q.echo[q.n++] = style == PAM_PROMPT_ECHO_ON;
	}
	if (!q.n && !q.info[0]) return PAM_SUCCESS;
	if (!relay(relay_ctx, &q, answer)) return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = answer[k++];
	return PAM_SUCCESS;
}

/* Password prompts get the password; messages are logged; a question
 * that echoes (a user name, a one-time code) has no answer here.  With a
 * relay (keyboard-interactive), the client answers everything. */
static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;
	int ret;

	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (!r) return PAM_BUF_ERR;
	if (relay) {
		ret = converse_relayed(n, msg, r);
		if (ret != PAM_SUCCESS) goto fail_with;
		*resp = r;
		return PAM_SUCCESS;
	}
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (!secret || !(r[i].resp = malloc(secret_len + 1))) goto fail;
			memcpy(r[i].resp, secret, secret_len);
			r[i].resp[secret_len] = 0;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			log_info("PAM: %.200s", msg[i]->msg ? msg[i]->msg : "");
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	ret = PAM_CONV_ERR;
fail_with:
	drop_responses(r, n);
	return ret;
}

/* The servers sleep after a failure themselves (_FAIL_DELAY_MS). */
static void no_delay(int status, unsigned usec, void *data)
{
	(void)status, (void)usec, (void)data;
}

static void end_transaction(void)
{
	if (!handle) return;
	api.end(handle, PAM_SUCCESS);
	handle = 0;
	session_open = creds_set = 0;
}

int login_pam_start(const char *service, const char *user, const char *rhost, const char *tty)
{
	static const struct pam_conv conv = {converse, 0};
	int r;

	end_transaction();
	if (!load()) {
		log_error("PAM: unable to load %s", PAM_LIBRARY);
		return 0;
	}
	r = api.start(service, user, &conv, &handle);
	if (r != PAM_SUCCESS) {
		log_error("PAM: unable to start service %s: %s", service, api.strerror(handle, r));
		handle = 0;
		return 0;
	}
	/* "local": no client address (a pipe, not a socket) */
	if (rhost && rhost[0] && strcmp(rhost, "local")) r = api.set_item(handle, PAM_RHOST, rhost);
	if (r != PAM_SUCCESS || (r = api.set_item(handle, PAM_TTY, tty)) != PAM_SUCCESS ||
	    (r = api.set_item(handle, PAM_FAIL_DELAY, (const void *)no_delay)) != PAM_SUCCESS) {
		log_error("PAM: unable to set an item: %s", api.strerror(handle, r));
		end_transaction();
		return 0;
	}
	return 1;
}

int login_pam_started(void)
{
	return handle != 0;
}

int login_pam_account(void)
{
	int r;
	if (!handle) return 0;
	r = api.acct_mgmt(handle, PAM_SILENT);
	if (r == PAM_SUCCESS) return 1;
	/* No way to change a password here, as with OpenSSH's sftp-only use. */
	log_warn("PAM account management refused: %s", api.strerror(handle, r));
	return 0;
}

int login_pam_password(const char *pw, size_t len)
{
	int r;
	if (!handle) return 0;
	secret = pw;
	secret_len = len;
	r = api.authenticate(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	secret = 0;
	secret_len = 0;
	if (r != PAM_SUCCESS) {
		log_info("PAM authentication failed: %s", api.strerror(handle, r));
		return 0;
	}
	return login_pam_account();
}

int login_pam_interactive(login_pam_relay ask, void *ctx)
{
	int r;
	if (!handle) return 0;
	relay = ask;
	relay_ctx = ctx;
	r = api.authenticate(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	relay = 0;
	relay_ctx = 0;
	if (r != PAM_SUCCESS) {
		log_info("PAM authentication failed: %s", api.strerror(handle, r));
		return 0;
	}
	return login_pam_account();
}

int login_pam_open_session(void)
{
	int r;
	if (!handle) return 0;
	r = api.setcred(handle, PAM_ESTABLISH_CRED);
	if (r != PAM_SUCCESS) {
		log_error("PAM: unable to establish credentials: %s", api.strerror(handle, r));
		return 0;
	}
	creds_set = 1;
	r = api.open_session(handle, PAM_SILENT);
	if (r != PAM_SUCCESS) {
		log_error("PAM: unable to open the session: %s", api.strerror(handle, r));
		return 0;
	}
	session_open = 1;
	return 1;
}

static int keeper_fd = -1;

pid_t login_pam_fork_keeper(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		keeper_fd = p[0];
		return 0;
	}
	/* Held until this process and its copies end: that end of file is
	 * the keeper's signal. */
	close(p[0]);
	handle = 0; /* the keeper's now; this copy must not end it */
	return pid;
}

void login_pam_keep(const char *process_name)
{
	char c;
	ssize_t n;

	prctl(PR_SET_NAME, process_name, 0, 0, 0);
	/* The super-server may signal the whole group when the session ends
	 * (systemd's KillMode=control-group): the session is closed first. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing but the pipe and the log: a copy of the client's socket or
	 * of a relay socket would keep the other end from seeing it close. */
	close(0);
	close(1);
	if (keeper_fd > 3) close_range(3, (unsigned)keeper_fd - 1, 0);
	close_range((unsigned)keeper_fd + 1, ~0u, 0);
	do
		n = read(keeper_fd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (session_open) {
		int r = api.close_session(handle, PAM_SILENT);
		if (r != PAM_SUCCESS)
			log_warn("PAM: unable to close the session: %s", api.strerror(handle, r));
	}
	if (creds_set) api.setcred(handle, PAM_DELETE_CRED | PAM_SILENT);
	end_transaction();
	_exit(0);
}
