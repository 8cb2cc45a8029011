/* sftp_ext: the SSH_FXP_EXTENDED requests, one table row each, as OpenSSH's
 * PROTOCOL file and draft-ietf-secsh-filexfer-extensions describe them.
 * The table is also what VERSION advertises. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log/log.h"
#include "sftp_internal.h"

#define SFTP_STATVFS_RDONLY 0x1
#define SFTP_STATVFS_NOSUID 0x2
#define SFTP_MAX_ID_LOOKUPS 1024

static sftp_handler sftp_op_posix_rename, sftp_op_statvfs, sftp_op_fstatvfs, sftp_op_hardlink,
    sftp_op_fsync, sftp_op_lsetstat, sftp_op_limits, sftp_op_expand_path, sftp_op_copy_data,
    sftp_op_home_directory, sftp_op_users_groups, sftp_op_space_available, sftp_op_vendor_id,
    sftp_op_version_select;

const struct sftp_op sftp_ext_table[] = {
    {0, "posix-rename@openssh.com", sftp_op_posix_rename, SFTP_WRITES, "1", SFTP_CL_RENAME},
    {0, "statvfs@openssh.com", sftp_op_statvfs, SFTP_READS, "2", SFTP_CL_NONE},
    {0, "fstatvfs@openssh.com", sftp_op_fstatvfs, SFTP_READS, "2", SFTP_CL_NONE},
    {0, "hardlink@openssh.com", sftp_op_hardlink, SFTP_WRITES, "1", SFTP_CL_LINK},
    {0, "fsync@openssh.com", sftp_op_fsync, SFTP_READS, "1", SFTP_CL_NONE},
    {0, "lsetstat@openssh.com", sftp_op_lsetstat, SFTP_WRITES, "1", SFTP_CL_SETSTAT},
    {0, "limits@openssh.com", sftp_op_limits, SFTP_READS, "1", SFTP_CL_NONE},
    {0, "expand-path@openssh.com", sftp_op_expand_path, SFTP_READS, "1", SFTP_CL_NONE},
    {0, "copy-data", sftp_op_copy_data, SFTP_WRITES, "1", SFTP_CL_WRITE},
    {0, "home-directory", sftp_op_home_directory, SFTP_READS, "1", SFTP_CL_NONE},
    {0, "users-groups-by-id@openssh.com", sftp_op_users_groups, SFTP_READS, "1", SFTP_CL_NONE},
    {0, "check-file-handle", sftp_op_check_file_handle, SFTP_READS, "1", SFTP_CL_READ},
    {0, "check-file-name", sftp_op_check_file_name, SFTP_READS, "1", SFTP_CL_READ},
    {0, "check-file", sftp_op_check_file_handle, SFTP_READS, "1",
     SFTP_CL_READ}, /* paramiko's name */
    {0, "space-available", sftp_op_space_available, SFTP_READS, "1", SFTP_CL_NONE},
    /* the client's own vendor-id request; ours goes in VERSION (sftp_server.c) */
    {0, "vendor-id", sftp_op_vendor_id, SFTP_READS, 0, SFTP_CL_NONE},
    /* offered through "versions" in VERSION (sftp_server.c) */
    {0, "version-select", sftp_op_version_select, SFTP_READS, 0, SFTP_CL_NONE},
};
const size_t sftp_ext_count = ARRAY_LEN(sftp_ext_table);

static int sftp_op_posix_rename(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	sftp_get_path(&rq->in, s->path2);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("posix-rename \"%s\" to \"%s\"", sftp_log_str(s->logbuf1, s->path1),
		 sftp_log_str(s->logbuf2, s->path2));
	if (!fs_rename(s->root, s->path1, s->path2, 0)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

static int sftp_reply_statvfs(struct sftp_server *s, uint32_t id, const struct statvfs *sv)
{
	struct wire_out *w = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, id);
	uint64_t flag = 0;

	if (sv->f_flag & ST_RDONLY) flag |= SFTP_STATVFS_RDONLY;
	if (sv->f_flag & ST_NOSUID) flag |= SFTP_STATVFS_NOSUID;
	wire_put_u64(w, sv->f_bsize);
	wire_put_u64(w, sv->f_frsize);
	wire_put_u64(w, sv->f_blocks);
	wire_put_u64(w, sv->f_bfree);
	wire_put_u64(w, sv->f_bavail);
	wire_put_u64(w, sv->f_files);
	wire_put_u64(w, sv->f_ffree);
	wire_put_u64(w, sv->f_favail);
	wire_put_u64(w, sv->f_fsid);
	wire_put_u64(w, flag);
	wire_put_u64(w, sv->f_namemax);
	return SFTP_REPLIED;
}

static int sftp_op_statvfs(struct sftp_server *s, struct sftp_req *rq)
{
	struct statvfs sv;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!fs_statvfs(s->root, s->path1, &sv)) return sftp_status_from_errno(errno);
	return sftp_reply_statvfs(s, rq->id, &sv);
}

static int sftp_op_fstatvfs(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FREE);
	struct statvfs sv;

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (fstatvfs(sftp_handle_fd(h), &sv) < 0) return sftp_status_from_errno(errno);
	return sftp_reply_statvfs(s, rq->id, &sv);
}

/* draft-ietf-secsh-filexfer-extensions-00, 4: the space of the file
 * system holding path, in bytes, and its allocation unit. */
static int sftp_op_space_available(struct sftp_server *s, struct sftp_req *rq)
{
	struct statvfs sv;
	struct wire_out *w;
	uint64_t frsize;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!fs_statvfs(s->root, s->path1, &sv)) return sftp_status_from_errno(errno);
	frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	w = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, rq->id);
	wire_put_u64(w, (uint64_t)sv.f_blocks * frsize); /* bytes on the device */
	wire_put_u64(w, (uint64_t)sv.f_bfree * frsize);	 /* unused bytes on it */
	wire_put_u64(w, (uint64_t)sv.f_blocks * frsize); /* available to the user */
	wire_put_u64(w, (uint64_t)sv.f_bavail * frsize); /* unused, available to the user */
	wire_put_u32(w, frsize > UINT32_MAX ? UINT32_MAX : (uint32_t)frsize);
	return SFTP_REPLIED;
}

/* version-select (draft-ietf-secsh-filexfer-13, 5.5): only as the first
 * request after INIT, else the session ends as the draft asks. */
static int sftp_op_version_select(struct sftp_server *s, struct sftp_req *rq)
{
	char v[8];

	wire_get_cstring(&rq->in, v, sizeof v);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (s->requests != 1) {
		log_warn("version-select after other requests: session closed");
		errno = EPROTO;
		s->fatal = 1;
		return SFTP_REPLIED;
	}
	if (strlen(v) != 1 || v[0] < '0' + SFTP_VERSION ||
	    (unsigned)(v[0] - '0') > s->max_version) {
		s->msg = "version not offered";
		return SSH_FX_OP_UNSUPPORTED;
	}
	s->version = (unsigned)(v[0] - '0');
	log_info("version-select: session speaks SFTP version %u", s->version);
	return SSH_FX_OK;
}

/* A client's vendor-id: its names and version, for the log. */
static int sftp_op_vendor_id(struct sftp_server *s, struct sftp_req *rq)
{
	char vendor[64], product[64], version[64];
	uint64_t build;

	wire_get_cstring(&rq->in, vendor, sizeof vendor);
	wire_get_cstring(&rq->in, product, sizeof product);
	wire_get_cstring(&rq->in, version, sizeof version);
	wire_get_u64(&rq->in, &build);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("client vendor-id: \"%s\" \"%s\" \"%s\" build %llu",
		 sftp_log_str(s->logbuf1, vendor), sftp_log_str(s->logbuf2, product),
		 sftp_log_str(s->pathout, version), (unsigned long long)build);
	return SSH_FX_OK;
}

static int sftp_op_hardlink(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	sftp_get_path(&rq->in, s->path2);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("hardlink \"%s\" to \"%s\"", sftp_log_str(s->logbuf1, s->path1),
		 sftp_log_str(s->logbuf2, s->path2));
	if (!fs_link(s->root, s->path1, s->path2)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

static int sftp_op_fsync(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (fsync(h->fd) < 0) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

static int sftp_op_lsetstat(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_attr a;

	sftp_get_path(&rq->in, s->path1);
	sftp_attr_get_v(&rq->in, &a, s->version);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (a.flags & SSH_FILEXFER_ATTR_SIZE)
		return SSH_FX_BAD_MESSAGE; /* nonsensical for a link */
	if (!sftp_attr_apply_path(s, s->path1, &a, 0)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

static int sftp_op_limits(struct sftp_server *s, struct sftp_req *rq)
{
	struct wire_out *w;

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	w = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, rq->id);
	wire_put_u64(w, SFTP_MAX_PACKET);
	wire_put_u64(w, SFTP_MAX_READ);
	wire_put_u64(w, SFTP_MAX_WRITE);
	wire_put_u64(w, s->handles.cap);
	return SFTP_REPLIED;
}

/* "~", "~/x", "~user/x" (only our own user) relative to the home. */
static int sftp_expand_tilde(struct sftp_server *s, const char *in, char *out)
{
	const char *rest = in + 1;
	size_t ulen = strcspn(rest, "/");

	if (ulen > 0 && (ulen != strlen(s->user) || memcmp(rest, s->user, ulen))) {
		errno = ENOENT;
		return 0;
	}
	rest += ulen;
	while (*rest == '/')
		rest++;
	if ((size_t)snprintf(out, SLUICE_MAX_PATH, "%s%s%s", s->home, *rest ? "/" : "", rest) >=
	    SLUICE_MAX_PATH) {
		errno = ENAMETOOLONG;
		return 0;
	}
	return 1;
}

static int sftp_op_expand_path(struct sftp_server *s, struct sftp_req *rq)
{
	const char *p = s->path1;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (s->path1[0] == '~') {
		if (!sftp_expand_tilde(s, s->path1, s->path2)) return sftp_status_from_errno(errno);
		p = s->path2;
	}
	if (!sftp_canonical(s, p)) return sftp_status_from_errno(errno);
	return sftp_reply_one_name(s, rq->id, s->pathout);
}

static int sftp_copy_range(struct sftp_server *s, struct sftp_handle *rh, uint64_t roff,
			   uint64_t len, struct sftp_handle *wh, uint64_t woff)
{
	unsigned char *buf = sftp_out_tail(s); /* the reserved reply space */
	uint64_t done = 0;
	ssize_t n, m, k;

	while (done < len) {
		size_t want = SFTP_COPY_CHUNK;
		if (len - done < want) want = (size_t)(len - done);
		do
			n = pread(rh->fd, buf, want, (off_t)(roff + done));
		while (n < 0 && errno == EINTR);
		if (n < 0) return 0;
		if (n == 0) break;
		for (m = 0; m < n; m += k) {
			k = pwrite(wh->fd, buf + m, (size_t)(n - m),
				   (off_t)(woff + done + (uint64_t)m));
			if (k < 0 && errno == EINTR)
				k = 0;
			else if (k <= 0)
				return 0;
		}
		done += (uint64_t)n;
		rh->bytes_read += (uint64_t)n;
		wh->bytes_written += (uint64_t)n;
	}
	return 1;
}

/* Limits a copy to the source as it is now ("to the end" when len is 0),
 * so no copy can chase its own tail, whether the two handles are one or
 * two opens of the same file, and refuses an overlap within one file.
 * Returns SSH_FX_OK or the status to answer. */
static int sftp_copy_bounds(struct sftp_server *s, struct sftp_handle *rh, uint64_t roff,
			    uint64_t *len, struct sftp_handle *wh, uint64_t woff)
{
	struct stat rst, wst;
	uint64_t left;

	if (fstat(rh->fd, &rst) < 0 || fstat(wh->fd, &wst) < 0)
		return sftp_status_from_errno(errno);
	left = (uint64_t)rst.st_size > roff ? (uint64_t)rst.st_size - roff : 0;
	if (*len == 0 || *len > left) *len = left;
	if (rst.st_dev == wst.st_dev && rst.st_ino == wst.st_ino && roff < woff + *len &&
	    woff < roff + *len) {
		s->msg = "overlapping copy";
		return SSH_FX_FAILURE;
	}
	return SSH_FX_OK;
}

static int sftp_op_copy_data(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *rh, *wh;
	uint64_t roff, len, woff;
	int st;

	rh = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);
	wire_get_u64(&rq->in, &roff);
	wire_get_u64(&rq->in, &len);
	wh = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);
	wire_get_u64(&rq->in, &woff);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!rh || !wh) return SSH_FX_FAILURE;
	if (roff > (uint64_t)INT64_MAX / 2 || woff > (uint64_t)INT64_MAX / 2 ||
	    len > (uint64_t)INT64_MAX / 2)
		return SSH_FX_BAD_MESSAGE;
	if (!(wh->pflags & (SSH_FXF_WRITE | SSH_FXF_APPEND))) {
		s->msg = "destination not opened for writing";
		return SSH_FX_FAILURE;
	}
	if ((st = sftp_copy_bounds(s, rh, roff, &len, wh, woff)) != SSH_FX_OK) return st;
	log_info("copy-data \"%s\" offset %llu length %llu to \"%s\" offset %llu",
		 sftp_log_str(s->logbuf1, rh->path), (unsigned long long)roff,
		 (unsigned long long)len, sftp_log_str(s->logbuf2, wh->path),
		 (unsigned long long)woff);
	if (!sftp_copy_range(s, rh, roff, len, wh, woff)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

static int sftp_op_home_directory(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (s->path1[0] && strcmp(s->path1, s->user)) {
		s->msg = "unknown user";
		return SSH_FX_FAILURE;
	}
	if (!sftp_canonical(s, s->home)) return sftp_status_from_errno(errno);
	return sftp_reply_one_name(s, rq->id, s->pathout);
}

/* Writes a string holding one name string per id in list (packed u32s). */
static void sftp_put_names(struct wire_out *w, const unsigned char *list, uint32_t len, int groups)
{
	size_t at = w->len;
	uint32_t i, v;

	wire_put_u32(w, 0);
	for (i = 0; i + 4 <= len; i += 4) {
		v = wire_load_u32(list + i);
		wire_put_cstring(w, groups ? sftp_attr_group_name(v) : sftp_attr_user_name(v));
	}
	if (!w->bad) wire_patch_u32(w, at, (uint32_t)(w->len - at - 4));
}

static int sftp_op_users_groups(struct sftp_server *s, struct sftp_req *rq)
{
	const unsigned char *uids, *gids;
	uint32_t ulen, glen;
	struct wire_out *w;

	wire_get_string(&rq->in, &uids, &ulen);
	wire_get_string(&rq->in, &gids, &glen);
	if (!wire_ok(&rq->in) || ulen % 4 || glen % 4) return SSH_FX_BAD_MESSAGE;
	if (ulen / 4 + glen / 4 > SFTP_MAX_ID_LOOKUPS) {
		s->msg = "too many ids";
		return SSH_FX_FAILURE;
	}
	w = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, rq->id);
	sftp_put_names(w, uids, ulen, 0);
	sftp_put_names(w, gids, glen, 1);
	return SFTP_REPLIED;
}
