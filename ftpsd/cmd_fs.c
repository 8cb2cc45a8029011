/* cmd_fs: commands that touch the filesystem: directories, files, names,
 * times, listings and transfers.  Every access goes through lib/fs, so the
 * kernel keeps each path inside the session's root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "log/log.h"

static int writes_ok(struct ftp_session *s)
{
	if (s->cf[FC_READ_ONLY].num || s->anonymous) {
		ftp_reply(s, 550, "Permission denied: read-only");
		return 0;
	}
	return 1;
}

/* PWD-style quoting: '"' doubled (RFC 959 appendix II). */
static void reply_quoted(struct ftp_session *s, int code, const char *path, const char *tail)
{
	char q[2 * SLUICE_MAX_PATH + 1];
	size_t n = 0;
	for (const char *p = path; *p && n + 2 < sizeof q; p++) {
		if (*p == '"') q[n++] = '"';
		q[n++] = *p;
	}
	q[n] = 0;
	ftp_reply(s, code, "\"%s\" %s", q, tail);
}

void ftp_cmd_pwd(struct ftp_session *s, const char *arg)
{
	reply_quoted(s, 257, s->root.cwd, "is the current directory");
}

void ftp_cmd_cwd(struct ftp_session *s, const char *arg)
{
	char real[SLUICE_MAX_PATH];
	struct stat st;
	if (fs_realpath(&s->root, arg, real, sizeof real) < 0 || !fs_stat(&s->root, real, &st)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		ftp_reply(s, 550, "%s: Not a directory", arg);
		return;
	}
	if (!fs_root_set_cwd(&s->root, real)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	ftp_reply(s, 250, "Directory changed to %s", s->root.cwd);
}

void ftp_cmd_cdup(struct ftp_session *s, const char *arg)
{
	ftp_cmd_cwd(s, "..");
}

void ftp_cmd_mkd(struct ftp_session *s, const char *arg)
{
	char real[SLUICE_MAX_PATH];
	if (!fs_mkdir(&s->root, arg, 0777)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	if (fs_realpath(&s->root, arg, real, sizeof real) < 0)
		snprintf(real, sizeof real, "%s", arg);
	log_info("mkdir %s", real);
	reply_quoted(s, 257, real, "created");
}

void ftp_cmd_rmd(struct ftp_session *s, const char *arg)
{
	if (!fs_rmdir(&s->root, arg)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	log_info("rmdir %s", arg);
	ftp_reply(s, 250, "Directory removed");
}

void ftp_cmd_dele(struct ftp_session *s, const char *arg)
{
	if (!fs_unlink(&s->root, arg)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	log_info("delete %s", arg);
	ftp_reply(s, 250, "File deleted");
}

void ftp_cmd_rnfr(struct ftp_session *s, const char *arg)
{
	struct stat st;
	if (!fs_lstat(&s->root, arg, &st)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	snprintf(s->rnfr, sizeof s->rnfr, "%s", arg);
	s->have_rnfr = 1;
	ftp_reply(s, 350, "Ready for RNTO");
}

void ftp_cmd_rnto(struct ftp_session *s, const char *arg)
{
	if (!s->have_rnfr) {
		ftp_reply(s, 503, "Send RNFR first");
		return;
	}
	s->have_rnfr = 0;
	if (!fs_rename(&s->root, s->rnfr, arg, 0)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	log_info("rename %s to %s", s->rnfr, arg);
	ftp_reply(s, 250, "Renamed");
}

void ftp_cmd_size(struct ftp_session *s, const char *arg)
{
	struct stat st;
	if (!fs_stat(&s->root, arg, &st)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		ftp_reply(s, 550, "%s: not a regular file", arg);
		return;
	}
	ftp_reply(s, 213, "%llu", (unsigned long long)st.st_size);
}

static void time_text(time_t t, char out[16])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

void ftp_cmd_mdtm(struct ftp_session *s, const char *arg)
{
	struct stat st;
	char t[16];
	if (!fs_stat(&s->root, arg, &st)) {
		ftp_reply_errno(s, 550, arg);
		return;
	}
	time_text(st.st_mtime, t);
	ftp_reply(s, 213, "%s", t);
}

void ftp_cmd_mfmt(struct ftp_session *s, const char *arg)
{
	const char *sp = strchr(arg, ' ');
	time_t t;
	if (!sp || !sp[1] || !ftp_parse_time(arg, (size_t)(sp - arg), &t)) {
		ftp_reply(s, 501, "MFMT YYYYMMDDHHMMSS path");
		return;
	}
	struct timespec ts[2] = {{0, UTIME_OMIT}, {t, 0}};
	if (!fs_utimens(&s->root, sp + 1, ts, 1)) {
		ftp_reply_errno(s, 550, sp + 1);
		return;
	}
	char tt[16];
	time_text(t, tt);
	ftp_reply(s, 213, "Modify=%s; %s", tt, sp + 1);
}

void ftp_cmd_site(struct ftp_session *s, const char *arg)
{
	if (!strcasecmp(arg, "HELP")) {
		ftp_reply_begin(s, 214, "SITE commands:");
		ftp_reply_line(s, "CHMOD <octal mode> <path>");
		ftp_reply_end(s, 214, "HELP");
		return;
	}
	if (!strncasecmp(arg, "CHMOD ", 6)) {
		unsigned mode;
		const char *path;
		if (!writes_ok(s)) return;
		if (!ftp_parse_chmod(arg + 6, &mode, &path)) {
			ftp_reply(s, 501, "SITE CHMOD <octal mode> <path>");
			return;
		}
		if (!fs_chmod(&s->root, path, (mode_t)(mode & 0777), 1)) {
			ftp_reply_errno(s, 550, path);
			return;
		}
		ftp_reply(s, 200, "SITE CHMOD ok");
		return;
	}
	ftp_reply(s, 504, "SITE command not implemented (try SITE HELP)");
}

void ftp_cmd_rest(struct ftp_session *s, const char *arg)
{
	uint64_t off;
	if (!ftp_parse_rest(arg, &off)) {
		ftp_reply(s, 501, "REST needs a decimal byte offset");
		return;
	}
	s->rest = off;
	ftp_reply(s, 350, "Restarting at %llu", (unsigned long long)off);
}

void ftp_cmd_retr(struct ftp_session *s, const char *arg)
{
	uint64_t off = s->rest;
	s->rest = 0;
	int fd = fs_open(&s->root, arg, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		ftp_reply_errno(s, 550, arg);
		if (fd >= 0) close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		ftp_reply(s, 550, "%s: not a regular file", arg);
		return;
	}
	if (off && lseek(fd, (off_t)off, SEEK_SET) < 0) {
		close(fd);
		ftp_reply(s, 554, "Invalid REST offset");
		return;
	}
	ftp_data_send_file(s, fd, off, arg);
}

/* A drop box (wo) creates new files only: O_EXCL.  With mode= a file this
 * open created gets that mode exactly (whatever the umask). */
static int store_open(struct ftp_session *s, const char *path, int flags)
{
	int force = (s->pol.keys & ACCOUNT_POL_MODE) != 0, fd, created;

	if (s->pol.keys & ACCOUNT_POL_WO) flags |= O_EXCL;
	fd = fs_open(&s->root, path, force ? flags | O_EXCL : flags, 0666);
	created = fd >= 0 && (force || (flags & O_EXCL));
	if (fd < 0 && errno == EEXIST && force && !(flags & O_EXCL))
		fd = fs_open(&s->root, path, flags, 0666);
	if (fd >= 0 && created && force && fchmod(fd, s->pol.mode) < 0)
		log_warn("unable to set the mode of %s: %s", path, strerror(errno));
	return fd;
}

static void store(struct ftp_session *s, const char *path, int flags, const char *label)
{
	uint64_t off = s->rest;
	s->rest = 0;
	uint64_t max = s->max_upload;
	if (max && off > max) {
		ftp_reply(s, 552, "Offset beyond the maximum file size");
		return;
	}
	if (!off) flags |= (flags & O_APPEND) ? 0 : O_TRUNC;
	int fd = store_open(s, path, flags | O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 && errno == EEXIST && (s->pol.keys & ACCOUNT_POL_WO)) {
		log_warn("refused %s: drop box: existing files are not changed", label);
		ftp_reply(s, 550, "Permission denied: drop box: existing files are not changed");
		return;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		ftp_reply_errno(s, 550, path);
		if (fd >= 0) close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		ftp_reply(s, 550, "%s: not a regular file", path);
		return;
	}
	uint64_t start = (flags & O_APPEND) ? (uint64_t)st.st_size : off;
	if (off && (ftruncate(fd, (off_t)off) < 0 || lseek(fd, (off_t)off, SEEK_SET) < 0)) {
		close(fd);
		ftp_reply_errno(s, 554, "REST");
		return;
	}
	ftp_data_recv_file(s, fd, start, label, path);
}

void ftp_cmd_stor(struct ftp_session *s, const char *arg)
{
	store(s, arg, 0, arg);
}

void ftp_cmd_appe(struct ftp_session *s, const char *arg)
{
	s->rest = 0;
	store(s, arg, O_APPEND, arg);
}

void ftp_cmd_stou(struct ftp_session *s, const char *arg)
{
	char name[64];
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof name, "ftpsd.%08x", randombytes_random());
		int fd = store_open(s, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC);
		if (fd >= 0) {
			char label[80];
			snprintf(label, sizeof label, "FILE: %s", name);
			s->rest = 0;
			ftp_data_recv_file(s, fd, 0, label, name);
			return;
		}
		if (errno != EEXIST) break;
	}
	ftp_reply_errno(s, 550, "STOU");
}

/* LIST/NLST arguments may start with ls options ("-la"); they are skipped. */
static const char *list_path(const char *arg)
{
	while (arg[0] == '-') {
		const char *sp = strchr(arg, ' ');
		if (!sp) return ".";
		arg = sp + 1;
	}
	return *arg ? arg : ".";
}

/* A last component with * ? or [ (mget in classic clients): lists its
 * directory filtered by that pattern.
 * 1 if it was a pattern and got an answer. */
static int list_glob(struct ftp_session *s, const char *path, int kind)
{
	const char *slash = strrchr(path, '/');
	const char *pat = slash ? slash + 1 : path;
	char dir[SLUICE_MAX_PATH];
	struct stat st;
	if (!strpbrk(pat, "*?[")) return 0;
	if (!slash)
		memcpy(dir, ".", 2);
	else if (slash == path)
		memcpy(dir, "/", 2);
	else if ((size_t)(slash - path) < sizeof dir) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = 0;
	} else
		return 0;
	if (!fs_stat(&s->root, dir, &st) || !S_ISDIR(st.st_mode)) return 0;
	ftp_data_send_list(s, dir, pat, kind);
	return 1;
}

static void list_common(struct ftp_session *s, const char *arg, int kind)
{
	const char *path = kind == FTP_LIST_MLSD ? (*arg ? arg : ".") : list_path(arg);
	struct stat st;
	if (!fs_stat(&s->root, path, &st)) {
		int e = errno;
		if (kind != FTP_LIST_MLSD && list_glob(s, path, kind)) return;
		errno = e;
		ftp_reply_errno(s, 550, path);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		ftp_data_send_list(s, path, NULL, kind);
		return;
	}
	if (kind == FTP_LIST_MLSD) {
		ftp_reply(s, 501, "%s: not a directory", path);
		return;
	}
	char line[2 * SLUICE_MAX_PATH + 256];
	size_t n = ftp_list_format(s, kind, path, &st, line, sizeof line);
	ftp_data_send_mem(s, line, n);
}

void ftp_cmd_list(struct ftp_session *s, const char *arg)
{
	list_common(s, arg, FTP_LIST_LONG);
}

void ftp_cmd_nlst(struct ftp_session *s, const char *arg)
{
	list_common(s, arg, FTP_LIST_NAMES);
}

void ftp_cmd_mlsd(struct ftp_session *s, const char *arg)
{
	list_common(s, arg, FTP_LIST_MLSD);
}

void ftp_cmd_mlst(struct ftp_session *s, const char *arg)
{
	const char *path = *arg ? arg : ".";
	struct stat st;
	char real[SLUICE_MAX_PATH];
	if (!fs_stat(&s->root, path, &st) || fs_realpath(&s->root, path, real, sizeof real) < 0) {
		ftp_reply_errno(s, 550, path);
		return;
	}
	char line[2 * SLUICE_MAX_PATH + 256];
	size_t n = ftp_list_facts(s, real, &st, 0, line, sizeof line);
	if (n >= 2) line[n - 2] = 0;
	ftp_reply_begin(s, 250, "Listing %s", path);
	ftp_reply_line(s, "%s", n >= 2 ? line : "");
	ftp_reply_end(s, 250, "End");
}

void ftp_cmd_stat_path(struct ftp_session *s, const char *arg)
{
	const char *path = list_path(arg);
	struct stat st;
	if (!fs_stat(&s->root, path, &st)) {
		ftp_reply_errno(s, 550, path);
		return;
	}
	char line[2 * SLUICE_MAX_PATH + 256];
	ftp_reply_begin(s, 213, "Status of %s:", path);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = fs_opendir(&s->root, path);
		struct dirent *de;
		unsigned count = 0;
		while (d && (de = readdir(d)) && count < 10000) {
			char p[SLUICE_MAX_PATH];
			struct stat es;
			if ((size_t)snprintf(p, sizeof p, "%s/%s", path, de->d_name) >= sizeof p)
				continue;
			if (!fs_lstat(&s->root, p, &es)) continue;
			size_t n =
			    ftp_list_format(s, FTP_LIST_LONG, de->d_name, &es, line, sizeof line);
			if (n < 2) continue;
			line[n - 2] = 0;
			ftp_reply_line(s, "%s", line);
			count++;
		}
		if (d) closedir(d);
	} else {
		size_t n = ftp_list_format(s, FTP_LIST_LONG, path, &st, line, sizeof line);
		if (n >= 2) {
			line[n - 2] = 0;
			ftp_reply_line(s, "%s", line);
		}
	}
	ftp_reply_end(s, 213, "End of status");
}

void ftp_cmd_abor(struct ftp_session *s, const char *arg)
{
	ftp_data_reset(s);
	ftp_reply(s, 225, "No transfer in progress");
}
