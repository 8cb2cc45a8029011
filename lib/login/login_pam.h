/* login_pam: PAM for the monitors of both servers (root, never a process
 * that parses network input).  One handle per process: a connection logs in
 * one account.  libpam is loaded at run time, and only when a service is
 * configured: a server without PAM maps none of it.
 *
 * A session opened here is closed by a small process forked for that
 * purpose (login_pam_fork_keeper): the process that opened it goes on to
 * drop its privileges and serve files, and could not close it. */
#ifndef SLUICE_LOGIN_PAM_H
#define SLUICE_LOGIN_PAM_H

#include <stddef.h>
#include <sys/types.h>

/* The _PAM_SERVICE value at start: empty, or a name PAM can look up
 * (letters, digits, '.', '_', '-').  1, or 0 with why. */
int login_pam_service_check(const char *service, char *why, size_t whylen);

/* -t: libpam loads and the service has a file in /etc/pam.d or
 * /usr/lib/pam.d.  1, or 0 with why. */
int login_pam_ready(const char *service, char *why, size_t whylen);

/* Starts a transaction for user (ending any earlier one): rhost the
 * client's address, tty a name for pam_access and pam_time ("ssh",
 * "ftp").  1, or 0 logged. */
int login_pam_start(const char *service, const char *user, const char *rhost, const char *tty);
int login_pam_started(void);

/* The stack's auth with pw as the answer to its password prompts, then its
 * account management.  1 accepted; 0 refused (logged with PAM's reason). */
int login_pam_password(const char *pw, size_t len);

/* keyboard-interactive: each call of PAM's conversation that has prompts
 * or messages becomes one query for the client. */
#define LOGIN_PAM_MAX_PROMPTS 16
#define LOGIN_PAM_INFO_MAX 1024
struct login_pam_query {
	char info[LOGIN_PAM_INFO_MAX]; /* PAM's messages (PAM_TEXT_INFO, PAM_ERROR_MSG) */
	unsigned n;
	const char *prompt[LOGIN_PAM_MAX_PROMPTS];
	int echo[LOGIN_PAM_MAX_PROMPTS];
};
/* Puts q to the client and waits for its answers: 1 with answer[i] a
 * malloc'd string for each prompt, 0 when there are none (the client gave
 * up, or the relay failed): the attempt then fails. */
typedef int (*login_pam_relay)(void *ctx, const struct login_pam_query *q, char **answer);

/* The stack's auth with every question relayed by ask, then its account
 * management.  1 accepted; 0 refused. */
int login_pam_interactive(login_pam_relay ask, void *ctx);

/* Account management alone (a login by key or certificate). */
int login_pam_account(void);

/* As root, before privileges are dropped: credentials and the session.
 * 1, or 0 logged (the login must then fail). */
int login_pam_open_session(void);

/* Forks the keeper, which closes the session when this process and every
 * copy of it have ended.  Returns the keeper's pid in the caller and 0 in
 * the keeper, which must drop whatever secrets it inherited and then call
 * login_pam_keep (no return); -1 on failure. */
pid_t login_pam_fork_keeper(void);
__attribute__((noreturn)) void login_pam_keep(const char *process_name);

#endif
