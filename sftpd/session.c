/* session: confinement after authentication: the account's root and start
 * directory, chroot or openat2, privileges dropped (lib/login, the same
 * steps as ftpsd's), then the SFTP options. */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include "log/log.h"
#include "login/login.h"
#include "ssh/ssh.h"

/* The account's policy over the global settings (login_confine took
 * root=, umask= and groups=). */
static void session_apply_policy(struct session *s, const struct account_policy *p)
{
	if (p->keys & ACCOUNT_POL_RO) s->sftp_opt.read_only = 1;
	s->sftp_opt.write_only = (p->keys & ACCOUNT_POL_WO) != 0;
	s->sftp_opt.deny = p->deny;
	s->sftp_opt.force_mode = (p->keys & ACCOUNT_POL_MODE) != 0;
	s->sftp_opt.mode = p->mode;
	s->scp_refused = (p->keys & ACCOUNT_POL_SCP) && !p->scp;
	if ((p->keys & ACCOUNT_POL_MAXSIZE) &&
	    (!s->cf[CF_MAX_UPLOAD_BYTES].num || p->maxsize < s->cf[CF_MAX_UPLOAD_BYTES].num))
		s->max_upload_bytes = p->maxsize;
}

/* Any failure ends the connection. */
void session_confine(struct session *s, const struct account *a)
{
	struct login_place place;
	char err[SLUICE_MAX_PATH + 128];

	login_set_strict_modes((int)s->cf[CF_STRICT_MODES].num);
	if (!login_confine(a, s->cf[CF_ROOT].str, (mode_t)s->cf[CF_UMASK].num, &s->root, &place,
			   err, sizeof err))
		log_die(errno == EACCES ? EXIT_PEER : EXIT_SYSTEM, "%s", err);
	memcpy(s->home_in_root, place.home_in_root, sizeof s->home_in_root);
	s->sftp_opt.umask =
	    (a->policy.keys & ACCOUNT_POL_UMASK) ? a->policy.umask : (mode_t)s->cf[CF_UMASK].num;
	s->sftp_opt.read_only = (int)s->cf[CF_READ_ONLY].num;
	session_apply_policy(s, &a->policy);
	s->sftp_opt.max_handles = (unsigned)s->cf[CF_MAX_HANDLES].num;
	s->sftp_opt.user = s->user;
	s->sftp_opt.home = s->home_in_root;
	log_info("confined to %s%s as %u:%u", place.dir, place.chrooted ? " (chroot)" : "",
		 (unsigned)a->uid, (unsigned)a->gid);
}

/* SFTPD_MAX_UPLOAD_BYTES (or the account's smaller maxsize=) as the kernel's file size limit: every
 * way of growing a file (write, copy-data, truncate) stops there with EFBIG. */
void session_limit_uploads(const struct session *s)
{
	unsigned long long max =
	    s->max_upload_bytes ? s->max_upload_bytes : s->cf[CF_MAX_UPLOAD_BYTES].num;
	struct rlimit r = {(rlim_t)max, (rlim_t)max};

	if (!max) return;
	/* EFBIG from write instead of a SIGXFSZ that would end the session. */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &r) < 0)
		log_die(EXIT_SYSTEM, "unable to limit file sizes: %s", strerror(errno));
}
