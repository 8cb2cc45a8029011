/* list: directory entries as text: `ls -l` lines for LIST, bare names for
 * NLST, RFC 3659 fact lines for MLSD/MLST. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ftpsd.h"

static void mode_text(mode_t m, char out[11])
{
	out[0] = S_ISDIR(m)    ? 'd'
		 : S_ISLNK(m)  ? 'l'
		 : S_ISCHR(m)  ? 'c'
		 : S_ISBLK(m)  ? 'b'
		 : S_ISFIFO(m) ? 'p'
		 : S_ISSOCK(m) ? 's'
			       : '-';
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & S_ISUID) out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID) out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX) out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = 0;
}

/* Names with CR or LF cannot be sent in a line-based listing. */
static int name_ok(const char *name)
{
	return !strpbrk(name, "\r\n");
}

size_t ftp_list_format(const struct ftp_session *s, int kind, const char *name,
		       const struct stat *st, char *buf, size_t cap)
{
	if (!name_ok(name)) return 0;
	int n;
	if (kind == FTP_LIST_NAMES) {
		n = snprintf(buf, cap, "%s\r\n", name);
	} else if (kind == FTP_LIST_MLSD) {
		return ftp_list_facts(s, name, st, 0, buf, cap);
	} else {
		char m[11], when[32];
		struct tm tm;
		time_t now = time(NULL);
		mode_text(st->st_mode, m);
		gmtime_r(&st->st_mtime, &tm);
		if (st->st_mtime > now - 180 * 86400 && st->st_mtime < now + 86400)
			strftime(when, sizeof when, "%b %e %H:%M", &tm);
		else
			strftime(when, sizeof when, "%b %e  %Y", &tm);
		n = snprintf(buf, cap, "%s %3lu %-8u %-8u %12llu %s %s\r\n", m,
			     (unsigned long)st->st_nlink, (unsigned)st->st_uid,
			     (unsigned)st->st_gid, (unsigned long long)st->st_size, when, name);
	}
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t ftp_list_facts(const struct ftp_session *s, const char *name, const struct stat *st,
		      int is_cdir, char *buf, size_t cap)
{
	if (!name_ok(name)) return 0;
	unsigned f = s->mlst_facts;
	int ro = s->cf[FC_READ_ONLY].num || s->anonymous;
	size_t n = 0;
	char tmp[64];
	struct tm tm;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		int k_ = snprintf(buf + n, cap - n, __VA_ARGS__);                                  \
		if (k_ < 0 || (size_t)k_ >= cap - n) return 0;                                     \
		n += (size_t)k_;                                                                   \
	} while (0)
	if (f & FTP_FACT_TYPE) {
		const char *t = S_ISDIR(st->st_mode)   ? (is_cdir ? "cdir" : "dir")
				: S_ISREG(st->st_mode) ? "file"
				: S_ISLNK(st->st_mode) ? "OS.unix=symlink"
						       : "OS.unix=special";
		ADD("type=%s;", t);
	}
	if ((f & FTP_FACT_SIZE) && !S_ISDIR(st->st_mode))
		ADD("size=%llu;", (unsigned long long)st->st_size);
	if (f & FTP_FACT_MODIFY) {
		gmtime_r(&st->st_mtime, &tm);
		strftime(tmp, sizeof tmp, "%Y%m%d%H%M%S", &tm);
		ADD("modify=%s;", tmp);
	}
	if (f & FTP_FACT_PERM) {
		if (S_ISDIR(st->st_mode))
			ADD("perm=%s;", ro ? "el" : "cdeflmp");
		else
			ADD("perm=%s;", ro ? "r" : "adfrw");
	}
	if (f & FTP_FACT_UNIQUE)
		ADD("unique=%llxU%llx;", (unsigned long long)st->st_dev,
		    (unsigned long long)st->st_ino);
	if (f & FTP_FACT_UNIX_MODE) ADD("UNIX.mode=0%o;", (unsigned)(st->st_mode & 07777));
	if (f & FTP_FACT_UNIX_OWNER) ADD("UNIX.owner=%u;", (unsigned)st->st_uid);
	if (f & FTP_FACT_UNIX_GROUP) ADD("UNIX.group=%u;", (unsigned)st->st_gid);
	ADD(" %s\r\n", name);
#undef ADD
	return n;
}
