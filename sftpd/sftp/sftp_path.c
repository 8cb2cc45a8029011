/* sftp_path: the requests on path names — LSTAT, STAT, SETSTAT, REMOVE,
 * MKDIR, RMDIR, REALPATH, RENAME, READLINK, SYMLINK, v6 LINK (and BLOCK,
 * UNBLOCK refused).  Every path goes to the
 * confined filesystem (fs_*) as the client sent it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "sftp_internal.h"

static int sftp_path_stat(struct sftp_server *s, struct sftp_req *rq, int follow)
{
	struct stat st;
	struct sftp_attr a;
	struct wire_out *w;
	int ok;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	ok = follow ? fs_stat(s->root, s->path1, &st) : fs_lstat(s->root, s->path1, &st);
	if (!ok) return sftp_status_from_errno(errno);
	w = sftp_reply_begin(s, SSH_FXP_ATTRS, rq->id);
	sftp_attr_from_stat(&a, &st);
	sftp_attr_put_v(w, &a, s->version);
	return SFTP_REPLIED;
}

int sftp_op_lstat(struct sftp_server *s, struct sftp_req *rq)
{
	return sftp_path_stat(s, rq, 0);
}

int sftp_op_stat(struct sftp_server *s, struct sftp_req *rq)
{
	return sftp_path_stat(s, rq, 1);
}

int sftp_op_setstat(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_attr a;

	sftp_get_path(&rq->in, s->path1);
	sftp_attr_get_v(&rq->in, &a, s->version);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!sftp_attr_apply_path(s, s->path1, &a, 1)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_remove(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("remove \"%s\"", sftp_log_str(s->logbuf1, s->path1));
	if (!fs_unlink(s->root, s->path1)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_mkdir(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_attr a;
	mode_t mode;

	sftp_get_path(&rq->in, s->path1);
	sftp_attr_get_v(&rq->in, &a, s->version);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	mode = (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) ? (a.perm & 07777) : 0777;
	mode &= ~s->umask;
	log_info("mkdir \"%s\" mode 0%o", sftp_log_str(s->logbuf1, s->path1), (unsigned)mode);
	if (!fs_mkdir(s->root, s->path1, mode)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_rmdir(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("rmdir \"%s\"", sftp_log_str(s->logbuf1, s->path1));
	if (!fs_rmdir(s->root, s->path1)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

/* fs_realpath into s->pathout; 1 or 0 + errno. */
int sftp_canonical(struct sftp_server *s, const char *path)
{
	int r;

	s->pathout[0] = 0;
	r = fs_realpath(s->root, *path ? path : ".", s->pathout, sizeof s->pathout);
	if (r < 0 || !s->pathout[0]) {
		if (r >= 0) errno = ENOENT;
		return 0;
	}
	return 1;
}

/* A v6 compose-path joined to s->path1: an absolute one replaces it. */
static int sftp_compose(struct sftp_server *s, const char *part)
{
	size_t n = strlen(s->path1);

	if (part[0] == '/' || n == 0) {
		strcpy(s->path1, part); /* both SLUICE_MAX_PATH */
		return 1;
	}
	if (n + 1 + strlen(part) >= sizeof s->path1) return (errno = ENAMETOOLONG), 0;
	if (s->path1[n - 1] != '/') s->path1[n++] = '/';
	strcpy(s->path1 + n, part);
	return 1;
}

/* v6: a control byte and compose-paths may follow the path. */
static int sftp_realpath_args(struct sftp_server *s, struct sftp_req *rq, uint8_t *control)
{
	*control = SSH_FXP_REALPATH_NO_CHECK;
	if (s->version < 6 || !wire_left(&rq->in)) return SSH_FX_OK;
	if (!wire_get_u8(&rq->in, control)) return SSH_FX_BAD_MESSAGE;
	while (wire_left(&rq->in)) {
		if (!sftp_get_path(&rq->in, s->path2)) return SSH_FX_BAD_MESSAGE;
		if (!sftp_compose(s, s->path2)) return sftp_status_from_errno(errno);
	}
	if (*control < SSH_FXP_REALPATH_NO_CHECK || *control > SSH_FXP_REALPATH_STAT_ALWAYS)
		return SSH_FX_INVALID_PARAMETER;
	return SSH_FX_OK;
}

/* The canonical name, with the file's attributes when the v6 control
 * byte asks: STAT_IF gives none for a missing file, STAT_ALWAYS fails. */
int sftp_op_realpath(struct sftp_server *s, struct sftp_req *rq)
{
	uint8_t control;
	struct stat st;
	struct sftp_attr a;
	int st_ok;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if ((st_ok = sftp_realpath_args(s, rq, &control)) != SSH_FX_OK) return st_ok;
	if (!sftp_canonical(s, s->path1)) return sftp_status_from_errno(errno);
	if (control == SSH_FXP_REALPATH_NO_CHECK) return sftp_reply_one_name(s, rq->id, s->pathout);
	st_ok = fs_stat(s->root, s->pathout, &st);
	if (!st_ok && control == SSH_FXP_REALPATH_STAT_ALWAYS) return sftp_status_from_errno(errno);
	if (!st_ok) return sftp_reply_one_name(s, rq->id, s->pathout);
	sftp_attr_from_stat(&a, &st);
	return sftp_reply_name_attrs(s, rq->id, s->pathout, &a);
}

/* v5+ RENAME flags (draft-ietf-secsh-filexfer-05, 6.5): OVERWRITE and
 * NATIVE replace the target as rename(2) does, atomically; without them
 * renameat2(RENAME_NOREPLACE) refuses an existing target, atomically too,
 * so ATOMIC asks for nothing more. */
int sftp_op_rename(struct sftp_server *s, struct sftp_req *rq)
{
	uint32_t flags = 0;
	unsigned how;

	sftp_get_path(&rq->in, s->path1);
	sftp_get_path(&rq->in, s->path2);
	if (s->version >= 5) wire_get_u32(&rq->in, &flags);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (flags &
	    ~(uint32_t)(SSH_FXF_RENAME_OVERWRITE | SSH_FXF_RENAME_ATOMIC | SSH_FXF_RENAME_NATIVE)) {
		s->msg = "rename flags not supported";
		return SSH_FX_OP_UNSUPPORTED;
	}
	how = flags & (SSH_FXF_RENAME_OVERWRITE | SSH_FXF_RENAME_NATIVE) ? 0 : RENAME_NOREPLACE;
	log_info("rename \"%s\" to \"%s\"%s", sftp_log_str(s->logbuf1, s->path1),
		 sftp_log_str(s->logbuf2, s->path2), how ? "" : " (overwrite)");
	if (!fs_rename(s->root, s->path1, s->path2, how)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_readlink(struct sftp_server *s, struct sftp_req *rq)
{
	ssize_t n;

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	n = fs_readlink(s->root, s->path1, s->pathout, sizeof s->pathout);
	if (n < 0) return sftp_status_from_errno(errno);
	s->pathout[(size_t)n < sizeof s->pathout ? (size_t)n : sizeof s->pathout - 1] = 0;
	return sftp_reply_one_name(s, rq->id, s->pathout);
}

/* OpenSSH's order (reversed from the draft): target first, then the link. */
int sftp_op_symlink(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	sftp_get_path(&rq->in, s->path2);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("symlink \"%s\" -> \"%s\"", sftp_log_str(s->logbuf2, s->path2),
		 sftp_log_str(s->logbuf1, s->path1));
	if (!fs_symlink(s->root, s->path1, s->path2)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

/* v6 LINK (draft-ietf-secsh-filexfer-13, 8.7): new link path first, then
 * the existing path, then whether the link is symbolic.  The policy
 * check decided by the same byte (sftp_policy.c); older sessions never
 * get here (sftp_resolve). */
int sftp_op_link(struct sftp_server *s, struct sftp_req *rq)
{
	uint8_t sym;
	int ok;

	sftp_get_path(&rq->in, s->path1);
	sftp_get_path(&rq->in, s->path2);
	wire_get_u8(&rq->in, &sym);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("%s \"%s\" -> \"%s\"", sym ? "symlink" : "hardlink",
		 sftp_log_str(s->logbuf1, s->path1), sftp_log_str(s->logbuf2, s->path2));
	ok = sym ? fs_symlink(s->root, s->path2, s->path1) : fs_link(s->root, s->path2, s->path1);
	return ok ? SSH_FX_OK : sftp_status_from_errno(errno);
}

/* v6 BLOCK and UNBLOCK: byte-range locks are not served (supported2 says
 * so); the request is not looked at (its bytes count as trailing). */
int sftp_op_block(struct sftp_server *s, struct sftp_req *rq)
{
	(void)rq;
	s->msg = "byte-range locks not supported";
	return SSH_FX_OP_UNSUPPORTED;
}
