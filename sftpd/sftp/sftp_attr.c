/* sftp_attr: SFTP file attributes, v3 and v4 to v6 — parsing, encoding, the "ls -l"
 * longname of READDIR, uid/gid names (cached; unknown inside a chroot is
 * fine) and applying SETSTAT-style changes to a path or a descriptor. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "sftp_internal.h"

#define SFTP_NAME_CACHE 8
#define SFTP_NAME_LEN 33
#define SFTP_SIX_MONTHS_SECS (182 * 24 * 3600L)

int sftp_attr_get(struct wire_in *in, struct sftp_attr *a)
{
	uint32_t n, i;
	const unsigned char *p;
	uint32_t len;

	memset(a, 0, sizeof *a);
	if (!wire_get_u32(in, &a->flags)) return 0;
	if (a->flags & SSH_FILEXFER_ATTR_SIZE) wire_get_u64(in, &a->size);
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID) {
		wire_get_u32(in, &a->uid);
		wire_get_u32(in, &a->gid);
	}
	if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) wire_get_u32(in, &a->perm);
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		wire_get_u32(in, &a->atime);
		wire_get_u32(in, &a->mtime);
	}
	if (a->flags & SSH_FILEXFER_ATTR_EXTENDED) {
		/* extended pairs are parsed and ignored; a bad count fails
		 * on the first missing string */
		if (wire_get_u32(in, &n))
			for (i = 0; i < n && !in->bad; i++) {
				wire_get_string(in, &p, &len);
				wire_get_string(in, &p, &len);
			}
	}
	/* bits v3 does not define announce nothing (and are not internal ones) */
	a->flags &= SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID |
		    SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
	return !in->bad;
}

int sftp_attr_put(struct wire_out *out, const struct sftp_attr *a)
{
	uint32_t f = a->flags & ~SSH_FILEXFER_ATTR_EXTENDED;

	wire_put_u32(out, f);
	if (f & SSH_FILEXFER_ATTR_SIZE) wire_put_u64(out, a->size);
	if (f & SSH_FILEXFER_ATTR_UIDGID) {
		wire_put_u32(out, a->uid);
		wire_put_u32(out, a->gid);
	}
	if (f & SSH_FILEXFER_ATTR_PERMISSIONS) wire_put_u32(out, a->perm);
	if (f & SSH_FILEXFER_ATTR_ACMODTIME) {
		wire_put_u32(out, a->atime);
		wire_put_u32(out, a->mtime);
	}
	return !out->bad;
}

void sftp_attr_from_stat(struct sftp_attr *a, const struct stat *st)
{
	a->flags = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID |
		   SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
	a->size = st->st_size < 0 ? 0 : (uint64_t)st->st_size;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->perm = st->st_mode;
	a->atime = (uint32_t)st->st_atime;
	a->mtime = (uint32_t)st->st_mtime;
	a->atime_ns = (uint32_t)st->st_atim.tv_nsec;
	a->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	a->ctime = st->st_ctime < 0 ? 0 : (uint64_t)st->st_ctime;
	a->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
	a->nlink = (uint32_t)st->st_nlink;
	a->alloc_size = st->st_blocks < 0 ? 0 : (uint64_t)st->st_blocks * 512;
	a->type = SSH_FILEXFER_TYPE_SPECIAL;
	a->special = 0;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		a->type = SSH_FILEXFER_TYPE_REGULAR;
		break;
	case S_IFDIR:
		a->type = SSH_FILEXFER_TYPE_DIRECTORY;
		break;
	case S_IFLNK:
		a->type = SSH_FILEXFER_TYPE_SYMLINK;
		break;
	case S_IFSOCK:
		a->special = SSH_FILEXFER_TYPE_SOCKET;
		break;
	case S_IFCHR:
		a->special = SSH_FILEXFER_TYPE_CHAR_DEVICE;
		break;
	case S_IFBLK:
		a->special = SSH_FILEXFER_TYPE_BLOCK_DEVICE;
		break;
	case S_IFIFO:
		a->special = SSH_FILEXFER_TYPE_FIFO;
		break;
	default:
		break;
	}
}

/* A v4 owner/group string as a number ("1000"); names other than
 * numbers are not mapped (no NSS in the confined session). */
static int sftp_attr_numeric_id(const unsigned char *p, uint32_t len, uint32_t *id)
{
	uint64_t v = 0;
	uint32_t i;

	if (len == 0 || len > 10) return 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9') return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX) return 0;
	*id = (uint32_t)v;
	return 1;
}

/* An int64 time (and its nanoseconds when SUBSECOND_TIMES is set). */
static void sftp_attr_get_time4(struct wire_in *in, uint32_t f, uint32_t *t, int *fits)
{
	uint64_t v = 0;
	uint32_t ns;

	wire_get_u64(in, &v);
	if (f & SSH_FILEXFER4_ATTR_SUBSECOND_TIMES) wire_get_u32(in, &ns);
	if (v > UINT32_MAX) *fits = 0;
	*t = (uint32_t)v;
}

/* The v5/v6 fields after the ACL (draft-ietf-secsh-filexfer-13, 7):
 * attrib-bits that set a flag cannot be applied; the hints, the link
 * count and the untranslated name are information only. */
static void sftp_attr_get_tail5(struct wire_in *in, uint32_t f, unsigned version,
				struct sftp_attr *a)
{
	const unsigned char *p;
	uint32_t bits = 0, valid = UINT32_MAX, len, n;
	uint8_t hint;

	if (f & SSH_FILEXFER5_ATTR_BITS) {
		wire_get_u32(in, &bits);
		if (version >= 6) wire_get_u32(in, &valid);
		if (bits & valid) a->flags |= SFTP_ATTR_UNMAPPED;
	}
	if (version < 6) return;
	if (f & SSH_FILEXFER6_ATTR_TEXT_HINT) wire_get_u8(in, &hint);
	if (f & SSH_FILEXFER6_ATTR_MIME_TYPE) wire_get_string(in, &p, &len);
	if (f & SSH_FILEXFER6_ATTR_LINK_COUNT) wire_get_u32(in, &n);
	if (f & SSH_FILEXFER6_ATTR_UNTRANSLATED_NAME) wire_get_string(in, &p, &len);
}

static void sftp_attr_get_extended(struct wire_in *in)
{
	const unsigned char *p;
	uint32_t len, n, i;

	if (wire_get_u32(in, &n))
		for (i = 0; i < n && !in->bad; i++) {
			wire_get_string(in, &p, &len);
			wire_get_string(in, &p, &len);
		}
}

/* v4 to v6 attributes; a field only the version defines is read only in
 * that version.  What v3 attributes cannot carry (a time alone,
 * createtime, ctime, an ACL, an owner by name) marks them UNMAPPED. */
static int sftp_attr_get4(struct wire_in *in, struct sftp_attr *a, unsigned version)
{
	const unsigned char *o, *g, *p;
	uint32_t f, olen, glen, len, n, ct;
	uint64_t alloc;
	uint8_t type;
	int fits = 1;

	memset(a, 0, sizeof *a);
	if (!wire_get_u32(in, &f) || !wire_get_u8(in, &type)) return 0;
	if (version < 6)
		f &= ~(uint32_t)(SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_CTIME);
	if (version < 5) f &= ~(uint32_t)SSH_FILEXFER5_ATTR_BITS;
	if (f & SSH_FILEXFER4_ATTR_SIZE) {
		wire_get_u64(in, &a->size);
		a->flags |= SSH_FILEXFER_ATTR_SIZE;
	}
	if (f & SSH_FILEXFER6_ATTR_ALLOCATION_SIZE) wire_get_u64(in, &alloc); /* a hint */
	if (f & SSH_FILEXFER4_ATTR_OWNERGROUP) {
		wire_get_string(in, &o, &olen);
		wire_get_string(in, &g, &glen);
		if (!in->bad && sftp_attr_numeric_id(o, olen, &a->uid) &&
		    sftp_attr_numeric_id(g, glen, &a->gid))
			a->flags |= SSH_FILEXFER_ATTR_UIDGID;
		else
			a->flags |= SFTP_ATTR_UNMAPPED;
	}
	if (f & SSH_FILEXFER4_ATTR_PERMISSIONS) {
		wire_get_u32(in, &a->perm);
		a->flags |= SSH_FILEXFER_ATTR_PERMISSIONS;
	}
	if (f & SSH_FILEXFER4_ATTR_ACCESSTIME) sftp_attr_get_time4(in, f, &a->atime, &fits);
	if (f & SSH_FILEXFER4_ATTR_CREATETIME) sftp_attr_get_time4(in, f, &ct, &fits);
	if (f & SSH_FILEXFER4_ATTR_MODIFYTIME) sftp_attr_get_time4(in, f, &a->mtime, &fits);
	if (f & SSH_FILEXFER6_ATTR_CTIME) sftp_attr_get_time4(in, f, &ct, &fits);
	if (f & SSH_FILEXFER4_ATTR_ACL) wire_get_string(in, &p, &len);
	if (version >= 5) sftp_attr_get_tail5(in, f, version, a);
	if (f & SSH_FILEXFER_ATTR_EXTENDED) sftp_attr_get_extended(in);
	n = f & (SSH_FILEXFER4_ATTR_ACCESSTIME | SSH_FILEXFER4_ATTR_MODIFYTIME);
	if (n == (SSH_FILEXFER4_ATTR_ACCESSTIME | SSH_FILEXFER4_ATTR_MODIFYTIME) && fits)
		a->flags |= SSH_FILEXFER_ATTR_ACMODTIME;
	else if (n || (f & (SSH_FILEXFER4_ATTR_CREATETIME | SSH_FILEXFER4_ATTR_ACL |
			    SSH_FILEXFER6_ATTR_CTIME)))
		a->flags |= SFTP_ATTR_UNMAPPED;
	return !in->bad;
}

/* An owner or group as v4 sends it: the session's name, else the number. */
static void sftp_attr_put_id4(struct wire_out *out, const char *name, uint32_t id)
{
	char num[16];

	if (*name) {
		wire_put_cstring(out, name);
		return;
	}
	snprintf(num, sizeof num, "%u", (unsigned)id);
	wire_put_cstring(out, num);
}

static void sftp_attr_put_time4(struct wire_out *out, uint64_t t, uint32_t ns)
{
	wire_put_u64(out, t);
	wire_put_u32(out, ns);
}

/* v4 to v6: v5 names special files by kind; v6 adds the allocation size,
 * ctime and the link count. */
static int sftp_attr_put4(struct wire_out *out, const struct sftp_attr *a, unsigned version)
{
	uint32_t f = 0;
	uint8_t type = a->type ? a->type : SSH_FILEXFER_TYPE_UNKNOWN;

	if (version >= 5 && type == SSH_FILEXFER_TYPE_SPECIAL && a->special) type = a->special;
	if (a->flags & SSH_FILEXFER_ATTR_SIZE) f |= SSH_FILEXFER4_ATTR_SIZE;
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID) f |= SSH_FILEXFER4_ATTR_OWNERGROUP;
	if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) f |= SSH_FILEXFER4_ATTR_PERMISSIONS;
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME)
		f |= SSH_FILEXFER4_ATTR_ACCESSTIME | SSH_FILEXFER4_ATTR_MODIFYTIME |
		     SSH_FILEXFER4_ATTR_SUBSECOND_TIMES;
	/* the v6 fields come from a stat, as the size does */
	if (version >= 6 && (a->flags & SSH_FILEXFER_ATTR_SIZE))
		f |= SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_LINK_COUNT;
	if (version >= 6 && (a->flags & SSH_FILEXFER_ATTR_ACMODTIME)) f |= SSH_FILEXFER6_ATTR_CTIME;
	wire_put_u32(out, f);
	wire_put_u8(out, type);
	if (f & SSH_FILEXFER4_ATTR_SIZE) wire_put_u64(out, a->size);
	if (f & SSH_FILEXFER6_ATTR_ALLOCATION_SIZE) wire_put_u64(out, a->alloc_size);
	if (f & SSH_FILEXFER4_ATTR_OWNERGROUP) {
		sftp_attr_put_id4(out, sftp_attr_user_name(a->uid), a->uid);
		sftp_attr_put_id4(out, sftp_attr_group_name(a->gid), a->gid);
	}
	if (f & SSH_FILEXFER4_ATTR_PERMISSIONS) wire_put_u32(out, a->perm);
	if (f & SSH_FILEXFER4_ATTR_ACCESSTIME) {
		sftp_attr_put_time4(out, a->atime, a->atime_ns);
		sftp_attr_put_time4(out, a->mtime, a->mtime_ns);
	}
	if (f & SSH_FILEXFER6_ATTR_CTIME) sftp_attr_put_time4(out, a->ctime, a->ctime_ns);
	if (f & SSH_FILEXFER6_ATTR_LINK_COUNT) wire_put_u32(out, a->nlink);
	return !out->bad;
}

int sftp_attr_get_v(struct wire_in *in, struct sftp_attr *a, unsigned version)
{
	return version >= 4 ? sftp_attr_get4(in, a, version) : sftp_attr_get(in, a);
}

int sftp_attr_put_v(struct wire_out *out, const struct sftp_attr *a, unsigned version)
{
	return version >= 4 ? sftp_attr_put4(out, a, version) : sftp_attr_put(out, a);
}

static char sftp_mode_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR:
		return 'd';
	case S_IFLNK:
		return 'l';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	case S_IFSOCK:
		return 's';
	default:
		return '-';
	}
}

/* "drwxr-xr-x" with s/S, t/T. */
static void sftp_mode_string(char out[11], mode_t m)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = sftp_mode_type(m);
	for (i = 0; i < 9; i++)
		out[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID) out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID) out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX) out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = 0;
}

struct sftp_name_cache {
	unsigned id[SFTP_NAME_CACHE];
	char name[SFTP_NAME_CACHE][SFTP_NAME_LEN];
	unsigned n, next;
};

static struct sftp_name_cache sftp_users, sftp_groups;
/* After chroot() the name service would read files, and load libraries,
 * from inside the client's root: a way to root.  So no NSS (and no local
 * time zone file) once any server has been made over a chrooted root
 * (sticky, like chroot). */
static int sftp_names_off;

void sftp_attr_names_allow(int on)
{
	if (!on) sftp_names_off = 1;
}

static const char *sftp_cache_find(struct sftp_name_cache *c, unsigned id)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (c->id[i] == id) return c->name[i];
	return 0;
}

static const char *sftp_cache_add(struct sftp_name_cache *c, unsigned id, const char *name)
{
	unsigned i = c->next;

	c->id[i] = id;
	if (!name || strlen(name) >= SFTP_NAME_LEN) name = "";
	strcpy(c->name[i], name);
	c->next = (i + 1) % SFTP_NAME_CACHE;
	if (c->n < SFTP_NAME_CACHE) c->n++;
	return c->name[i];
}

const char *sftp_attr_user_name(uid_t uid)
{
	const char *n = sftp_cache_find(&sftp_users, uid);
	struct passwd *pw;

	if (n) return n;
	if (sftp_names_off) return "";
	pw = getpwuid(uid);
	return sftp_cache_add(&sftp_users, uid, pw ? pw->pw_name : 0);
}

const char *sftp_attr_group_name(gid_t gid)
{
	const char *n = sftp_cache_find(&sftp_groups, gid);
	struct group *gr;

	if (n) return n;
	if (sftp_names_off) return "";
	gr = getgrgid(gid);
	return sftp_cache_add(&sftp_groups, gid, gr ? gr->gr_name : 0);
}

static void sftp_time_string(char *out, size_t cap, time_t t, time_t now)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	/* after chroot the local zone file would come from the client's
	 * root: show UTC instead */
	if (!(sftp_names_off ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
		snprintf(out, cap, "%s", "Jan  1  1970");
		return;
	}
	if (t > now - SFTP_SIX_MONTHS_SECS && t <= now + SFTP_SIX_MONTHS_SECS)
		snprintf(out, cap, "%s %2d %02d:%02d", months[tm.tm_mon % 12], tm.tm_mday,
			 tm.tm_hour, tm.tm_min);
	else
		snprintf(out, cap, "%s %2d  %d", months[tm.tm_mon % 12], tm.tm_mday,
			 tm.tm_year + 1900);
}

void sftp_attr_longname(char *buf, size_t cap, const char *name, const struct stat *st, time_t now)
{
	char mode[11], when[32], uidbuf[16], gidbuf[16];
	const char *user = sftp_attr_user_name(st->st_uid);
	const char *group = sftp_attr_group_name(st->st_gid);

	if (!*user) {
		snprintf(uidbuf, sizeof uidbuf, "%u", (unsigned)st->st_uid);
		user = uidbuf;
	}
	if (!*group) {
		snprintf(gidbuf, sizeof gidbuf, "%u", (unsigned)st->st_gid);
		group = gidbuf;
	}
	sftp_mode_string(mode, st->st_mode);
	sftp_time_string(when, sizeof when, st->st_mtime, now);
	snprintf(buf, cap, "%s %4u %-8s %-8s %8llu %s %s", mode, (unsigned)st->st_nlink, user,
		 group, (unsigned long long)st->st_size, when, name);
}

static void sftp_attr_times(struct timespec ts[2], const struct sftp_attr *a)
{
	ts[0].tv_sec = a->atime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = a->mtime;
	ts[1].tv_nsec = 0;
}

/* Both apply functions follow OpenSSH's order: size, mode, times, owner. */
int sftp_attr_apply_path(struct sftp_server *s, const char *path, const struct sftp_attr *a,
			 int follow)
{
	const char *lp = sftp_log_str(s->logbuf1, path);
	struct timespec ts[2];

	if (a->flags & SFTP_ATTR_UNMAPPED) return (errno = EOPNOTSUPP), 0;

	if (a->flags & SSH_FILEXFER_ATTR_SIZE) {
		if (a->size > (uint64_t)INT64_MAX) return (errno = EINVAL), 0;
		log_info("set \"%s\" size %llu", lp, (unsigned long long)a->size);
		if (!fs_truncate(s->root, path, (off_t)a->size)) return 0;
	}
	if ((a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) && s->force_mode) {
		log_info("mode %04o for \"%s\" ignored: the account's policy forces modes",
			 (unsigned)(a->perm & 07777), lp);
	} else if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
		log_info("set \"%s\" mode %04o", lp, (unsigned)(a->perm & 07777));
		if (!fs_chmod(s->root, path, a->perm & 07777, follow)) return 0;
	}
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		sftp_attr_times(ts, a);
		log_info("set \"%s\" modtime %lu", lp, (unsigned long)a->mtime);
		if (!fs_utimens(s->root, path, ts, follow)) return 0;
	}
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID) {
		log_info("set \"%s\" owner %u group %u", lp, (unsigned)a->uid, (unsigned)a->gid);
		if (!fs_chown(s->root, path, a->uid, a->gid, follow)) return 0;
	}
	return 1;
}

int sftp_attr_apply_fd(struct sftp_server *s, int fd, const char *logname,
		       const struct sftp_attr *a)
{
	const char *lp = sftp_log_str(s->logbuf1, logname);
	struct timespec ts[2];

	if (a->flags & SFTP_ATTR_UNMAPPED) return (errno = EOPNOTSUPP), 0;

	if (a->flags & SSH_FILEXFER_ATTR_SIZE) {
		if (a->size > (uint64_t)INT64_MAX) return (errno = EINVAL), 0;
		log_info("set \"%s\" size %llu", lp, (unsigned long long)a->size);
		if (ftruncate(fd, (off_t)a->size) < 0) return 0;
	}
	if ((a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) && s->force_mode) {
		log_info("mode %04o for \"%s\" ignored: the account's policy forces modes",
			 (unsigned)(a->perm & 07777), lp);
	} else if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
		log_info("set \"%s\" mode %04o", lp, (unsigned)(a->perm & 07777));
		if (fchmod(fd, a->perm & 07777) < 0) return 0;
	}
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		sftp_attr_times(ts, a);
		log_info("set \"%s\" modtime %lu", lp, (unsigned long)a->mtime);
		if (futimens(fd, ts) < 0) return 0;
	}
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID) {
		log_info("set \"%s\" owner %u group %u", lp, (unsigned)a->uid, (unsigned)a->gid);
		if (fchown(fd, a->uid, a->gid) < 0) return 0;
	}
	return 1;
}
