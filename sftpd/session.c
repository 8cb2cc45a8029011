/* session: confinement after authentication: choose the account's root
 * and start directory, chroot or open it for openat2, drop privileges and
 * set the SFTP options. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "log/log.h"
#include "priv/priv.h"
#include "ssh/ssh.h"

/* Expands ~ (the account's home) and %u (the user name) in a path pattern. */
int session_expand_path(const char *pattern, const struct account *a, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		const char *add = 0;
		char one[2] = {*p, 0};
		if (p == pattern && *p == '~')
			add = a->home;
		else if (*p == '%' && p[1] == 'u')
			add = a->name, p++;
		else if (*p == '%' && p[1] == 'h')
			add = a->home, p++;
		else if (*p == '%' && p[1] == '%')
			add = "%", p++;
		else
			add = one;
		if (strlen(add) >= cap - n) return (errno = ENAMETOOLONG, 0);
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
	}
	out[n] = 0;
	return 1;
}

/* Chooses the account's root and start directory, chroots or opens it,
 * then drops to the account's uid/gid.  Any failure ends the connection. */
void session_confine(struct session *s, const struct account *a)
{
	char dir[SLUICE_MAX_PATH];
	const char *pattern = s->cf[CF_ROOT].str;
	int as_root = priv_is_root();
	size_t dl;

	if (pattern[0]) {
		if (!session_expand_path(pattern, a, dir, sizeof dir))
			log_die(EXIT_SYSTEM, "root path too long");
	} else {
		snprintf(dir, sizeof dir, "%s", a->home);
	}
	/* Start in the home directory when it lies inside the root. */
	dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dir[--dl] = 0;
	if (!strncmp(a->home, dir, dl) && (a->home[dl] == '/' || !a->home[dl]) && dl > 1)
		snprintf(s->home_in_root, sizeof s->home_in_root, "%s",
			 a->home[dl] ? a->home + dl : "/");
	else if (!strcmp(dir, "/"))
		snprintf(s->home_in_root, sizeof s->home_in_root, "%s", a->home);
	else
		strcpy(s->home_in_root, "/");
	/* Group lookups need NSS, which must not run inside the client's root. */
	if (as_root && a->from_system && !priv_groups_load(a->name, a->uid, a->gid))
		log_warn("unable to read the groups of %s: %s", a->name, strerror(errno));
	s->root = (struct fs_root)FS_ROOT_ZERO;
	if (!fs_root_open(&s->root, dir, as_root))
		log_die(EXIT_SYSTEM, "unable to open root %s: %s", dir, strerror(errno));
	if (strcmp(s->home_in_root, "/") && !fs_root_set_cwd(&s->root, s->home_in_root)) {
		log_warn("home %s missing inside root %s; starting at /", s->home_in_root, dir);
		strcpy(s->home_in_root, "/");
	}
	if (as_root && (a->uid == 0 || a->gid == 0))
		log_die(EXIT_PEER,
			"refusing to serve %s: uid or gid 0 (files are never served as root)",
			a->name);
	if (as_root && !priv_drop(a->uid, a->gid, a->from_system ? a->name : 0))
		log_die(EXIT_SYSTEM, "unable to drop privileges to %u:%u: %s", (unsigned)a->uid,
			(unsigned)a->gid, strerror(errno));
	if (!priv_no_new_privs())
		log_die(EXIT_SYSTEM, "unable to set no_new_privs: %s", strerror(errno));
	umask((mode_t)s->cf[CF_UMASK].num);
	s->sftp_opt.umask = (mode_t)s->cf[CF_UMASK].num;
	s->sftp_opt.read_only = (int)s->cf[CF_READ_ONLY].num;
	s->sftp_opt.max_handles = (unsigned)s->cf[CF_MAX_HANDLES].num;
	s->sftp_opt.user = s->user;
	s->sftp_opt.home = s->home_in_root;
	log_info("confined to %s%s as %u:%u", dir, as_root ? " (chroot)" : "", (unsigned)a->uid,
		 (unsigned)a->gid);
}

/* SFTPD_MAX_UPLOAD_BYTES as the kernel's file size limit: every way of
 * growing a file (write, copy-data, truncate) stops there with EFBIG. */
void session_limit_uploads(const struct session *s)
{
	unsigned long long max = s->cf[CF_MAX_UPLOAD_BYTES].num;
	struct rlimit r = {(rlim_t)max, (rlim_t)max};

	if (!max) return;
	/* EFBIG from write instead of a SIGXFSZ that would end the session. */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &r) < 0)
		log_die(EXIT_SYSTEM, "unable to limit file sizes: %s", strerror(errno));
}
