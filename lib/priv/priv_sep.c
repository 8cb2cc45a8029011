/* priv_sep.c: the unprivileged side of privilege separation, shared by
 * sftpd and ftpsd: the privsep account and its empty root, confining a
 * process to them, and the record socket between a connection's processes. */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "priv/priv.h"

int priv_sep_prepare(const char *user, const char *dir, const char *what, struct priv_sep *ids,
		     char *err, size_t errlen)
{
	struct passwd *pw;
	struct stat st;

	memset(ids, 0, sizeof *ids);
	ids->as_root = priv_is_root();
	snprintf(ids->dir, sizeof ids->dir, "%s", dir);
	if (!ids->as_root) return 1;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen,
			 "%s_USER: no account %s; create it with: useradd --system "
			 "--no-create-home --home-dir %s --shell /usr/sbin/nologin %s",
			 what, user, dir, user);
		return 0;
	}
	if (!pw->pw_uid || !pw->pw_gid) {
		snprintf(err, errlen, "%s_USER: %s has uid or gid 0", what, user);
		return 0;
	}
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	if (stat(dir, &st) < 0 && errno == ENOENT) {
		char parent[SLUICE_MAX_PATH];
		char *slash;
		snprintf(parent, sizeof parent, "%s", dir);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			if (mkdir(parent, 0755) < 0 && errno != EEXIST) goto fail;
		}
		if (mkdir(dir, 0555) < 0 && errno != EEXIST) goto fail;
		if (chmod(dir, 0555) < 0) goto fail;
	}
	if (stat(dir, &st) < 0) goto fail;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022)) {
		snprintf(err, errlen,
			 "%s_DIR %s must be a directory owned by root and writable by no one else",
			 what, dir);
		return 0;
	}
	return 1;
fail:
	snprintf(err, errlen, "%s_DIR %s: %s", what, dir, strerror(errno));
	return 0;
}

int priv_sep_confine(const struct priv_sep *ids, const char *procname)
{
	struct rlimit zero = {0, 0};
	prctl(PR_SET_NAME, procname, 0, 0, 0);
	if (ids->as_root) {
		if (chroot(ids->dir) < 0 || chdir("/") < 0) return 0;
		priv_note_chroot();
		if (!priv_drop(ids->uid, ids->gid, 0)) return 0;
	}
	return setrlimit(RLIMIT_NPROC, &zero) == 0 && priv_harden();
}

long priv_record_recv(int fd, unsigned char *buf, size_t cap, int timeout_ms)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t n;
	int reset = 0;
	for (;;) {
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return -1;
		if (!r) return (errno = ETIMEDOUT, -1);
		n = recv(fd, buf, cap, MSG_TRUNC);
		if (n < 0 && errno == EINTR) continue;
		/* A peer that exits with our records unread makes the next recv
		 * fail once with ECONNRESET, even when its last records (such as
		 * a sandbox report) are still queued: read on to them. */
		if (n < 0 && errno == ECONNRESET && !reset) {
			reset = 1;
			continue;
		}
		if (n < 0) return -1;
		if ((size_t)n > cap) return (errno = EMSGSIZE, -1);
		return (long)n;
	}
}

int priv_record_send(int fd, const unsigned char *rec, size_t len)
{
	ssize_t n;
	do
		n = send(fd, rec, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0 && (size_t)n != len) errno = EMSGSIZE;
	return n == (ssize_t)len;
}
