/* sftp_path: the requests on path names — LSTAT, STAT, SETSTAT, REMOVE,
 * MKDIR, RMDIR, REALPATH, RENAME, READLINK, SYMLINK.  Every path goes to the
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

int sftp_op_realpath(struct sftp_server *s, struct sftp_req *rq)
{
	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!sftp_canonical(s, s->path1)) return sftp_status_from_errno(errno);
	return sftp_reply_one_name(s, rq->id, s->pathout);
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
