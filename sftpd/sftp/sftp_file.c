/* sftp_file: the requests on handles — OPEN, CLOSE, READ, WRITE, FSTAT,
 * FSETSTAT, OPENDIR, READDIR.  READ preads straight into the reply in the
 * output queue; WRITE pwrites straight from the request in the input queue. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "sftp_internal.h"

static int sftp_open_flags(uint32_t pf)
{
	int f;

	if ((pf & SSH_FXF_READ) && (pf & SSH_FXF_WRITE))
		f = O_RDWR;
	else if (pf & SSH_FXF_WRITE)
		f = O_WRONLY;
	else
		f = O_RDONLY;
	if (pf & SSH_FXF_APPEND) f |= O_APPEND;
	if (pf & SSH_FXF_CREAT) f |= O_CREAT;
	if (pf & SSH_FXF_TRUNC) f |= O_TRUNC;
	if (pf & SSH_FXF_EXCL) f |= O_EXCL;
	if (pf & SFTP_PF_NOFOLLOW) f |= O_NOFOLLOW;
	return f | O_CLOEXEC | O_NOCTTY;
}

static const char *sftp_pflags_text(char *buf, size_t cap, uint32_t pf)
{
	snprintf(buf, cap, "%s%s%s%s%s%s%s%s", pf & SSH_FXF_READ ? "READ," : "",
		 pf & SSH_FXF_WRITE ? "WRITE," : "", pf & SSH_FXF_APPEND ? "APPEND," : "",
		 pf & SSH_FXF_CREAT ? "CREATE," : "", pf & SSH_FXF_TRUNC ? "TRUNCATE," : "",
		 pf & SSH_FXF_EXCL ? "EXCL," : "", pf & SFTP_PF_NOFOLLOW ? "NOFOLLOW," : "",
		 pf & SFTP_PF_META_WRITE ? "ATTRIBUTES," : "");
	if (*buf) buf[strlen(buf) - 1] = 0;
	return buf;
}

/* Opens s->path1.  A drop box gets O_EXCL (new files only, the kernel
 * decides); with a forced mode (mode=) a file this open created gets it
 * exactly, whatever the client asked and the umask.  O_NONBLOCK so that a
 * FIFO cannot hang the session; cleared by the caller. */
static int sftp_open_policy(struct sftp_server *s, uint32_t pf, mode_t mode)
{
	int fl = sftp_open_flags(pf) | O_NONBLOCK, fd, created = 0;

	if (s->write_only) fl |= O_EXCL;
	if (s->force_mode && (fl & O_CREAT) && !(fl & O_EXCL)) {
		fd = fs_open(s->root, s->path1, fl | O_EXCL, mode);
		created = fd >= 0;
		if (fd < 0 && errno == EEXIST) fd = fs_open(s->root, s->path1, fl, mode);
	} else {
		fd = fs_open(s->root, s->path1, fl, mode);
		created = fd >= 0 && (fl & O_CREAT) && (fl & O_EXCL);
	}
	if (fd >= 0 && created && s->force_mode && fchmod(fd, s->mode) < 0)
		log_warn("unable to set the mode of \"%s\": %s", sftp_log_str(s->logbuf1, s->path1),
			 strerror(errno));
	return fd;
}

int sftp_op_open(struct sftp_server *s, struct sftp_req *rq)
{
	uint32_t pf;
	struct sftp_open_req o;
	struct sftp_attr a;
	mode_t mode;
	int fd, fl;
	char ftext[96];
	unsigned char hid[SFTP_HANDLE_LEN];
	struct sftp_handle *h;

	sftp_get_path(&rq->in, s->path1);
	if (!sftp_open_decode(&rq->in, s->version, &o)) return SSH_FX_BAD_MESSAGE;
	sftp_attr_get_v(&rq->in, &a, s->version);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (o.status != SSH_FX_OK) {
		log_warn("refused open \"%s\": %s", sftp_log_str(s->logbuf1, s->path1), o.why);
		s->msg = o.why;
		return o.status;
	}
	pf = o.pflags;
	mode = (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) ? (a.perm & 07777) : 0666;
	mode &= ~s->umask;
	if (pf & SSH_FXF_CREAT)
		log_info("open \"%s\" flags %s mode 0%o", sftp_log_str(s->logbuf1, s->path1),
			 sftp_pflags_text(ftext, sizeof ftext, pf), (unsigned)mode);
	else
		log_info("open \"%s\" flags %s", sftp_log_str(s->logbuf1, s->path1),
			 sftp_pflags_text(ftext, sizeof ftext, pf));
	if (s->handles.used >= s->handles.cap) {
		log_warn("refused open: too many open handles");
		s->msg = "too many open handles";
		return SSH_FX_FAILURE;
	}
	fd = sftp_open_policy(s, pf, mode);
	if (fd < 0)
		return errno == EEXIST && s->write_only ? SSH_FX_PERMISSION_DENIED
							: sftp_status_from_errno(errno);
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (!sftp_handle_new(&s->handles, SFTP_HANDLE_FILE, fd, 0, s->path1, hid, &h)) {
		int e = errno;
		close(fd);
		s->msg = e == EMFILE ? "too many open handles" : 0;
		return SSH_FX_FAILURE;
	}
	h->pflags = pf;
	return sftp_reply_handle(s, rq->id, hid);
}

int sftp_op_close(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FREE);
	const char *lp;

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	lp = sftp_log_str(s->logbuf1, h->path);
	if (h->kind == SFTP_HANDLE_DIR)
		log_info("closedir \"%s\"", lp);
	else
		log_info("close \"%s\" bytes read %llu written %llu", lp,
			 (unsigned long long)h->bytes_read, (unsigned long long)h->bytes_written);
	if (h->kind == SFTP_HANDLE_FILE) {
		/* A close that fails (a delayed write error): the upload is not done. */
		int r = close(h->fd), e = errno;
		h->fd = -1;
		sftp_log_transfer(s, h, r == 0 && !h->write_failed);
		sftp_handle_close(&s->handles, h);
		return r == 0 ? SSH_FX_OK : sftp_status_from_errno(e);
	}
	if (!sftp_handle_close(&s->handles, h)) return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_read(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);
	uint64_t off;
	uint32_t len;
	struct wire_out *w;
	size_t at;
	unsigned char *p;
	ssize_t n;

	wire_get_u64(&rq->in, &off);
	wire_get_u32(&rq->in, &len);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (off > (uint64_t)INT64_MAX) return SSH_FX_BAD_MESSAGE;
	if (len > SFTP_MAX_READ) len = SFTP_MAX_READ;
	w = sftp_reply_begin(s, SSH_FXP_DATA, rq->id);
	at = w->len;
	wire_put_u32(w, 0);
	p = wire_put_reserve(w, len);
	if (!p) return SSH_FX_FAILURE;
	do
		n = pread(h->fd, p, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0) return sftp_status_from_errno(errno);
	if (n == 0 && len > 0) return SSH_FX_EOF;
	w->len = at + 4 + (size_t)n;
	wire_patch_u32(w, at, (uint32_t)n);
	h->bytes_read += (uint64_t)n;
	return SFTP_REPLIED;
}

int sftp_op_write(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FILE);
	uint64_t off;
	const unsigned char *data;
	uint32_t len, done = 0;
	ssize_t n;

	wire_get_u64(&rq->in, &off);
	wire_get_string(&rq->in, &data, &len);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (off > (uint64_t)INT64_MAX - len) return SSH_FX_BAD_MESSAGE;
	while (done < len) {
		n = pwrite(h->fd, data + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && errno == EFBIG) s->msg = "file too large (upload size limit)";
		if (n < 0) {
			h->write_failed = 1;
			return sftp_status_from_errno(errno);
		}
		if (n == 0) return SSH_FX_FAILURE;
		done += (uint32_t)n;
	}
	h->bytes_written += len;
	return SSH_FX_OK;
}

static int sftp_reply_attrs(struct sftp_server *s, uint32_t id, const struct stat *st)
{
	struct wire_out *w = sftp_reply_begin(s, SSH_FXP_ATTRS, id);
	struct sftp_attr a;

	sftp_attr_from_stat(&a, st);
	sftp_attr_put_v(w, &a, s->version);
	return SFTP_REPLIED;
}

int sftp_op_fstat(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FREE);
	struct stat st;

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (fstat(sftp_handle_fd(h), &st) < 0) return sftp_status_from_errno(errno);
	return sftp_reply_attrs(s, rq->id, &st);
}

int sftp_op_fsetstat(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_FREE);
	struct sftp_attr a;

	sftp_attr_get_v(&rq->in, &a, s->version);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	if (!sftp_attr_apply_fd(s, sftp_handle_fd(h), h->path, &a))
		return sftp_status_from_errno(errno);
	return SSH_FX_OK;
}

int sftp_op_opendir(struct sftp_server *s, struct sftp_req *rq)
{
	DIR *d;
	unsigned char hid[SFTP_HANDLE_LEN];

	sftp_get_path(&rq->in, s->path1);
	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	log_info("opendir \"%s\"", sftp_log_str(s->logbuf1, s->path1));
	if (s->handles.used >= s->handles.cap) {
		log_warn("refused opendir: too many open handles");
		s->msg = "too many open handles";
		return SSH_FX_FAILURE;
	}
	d = fs_opendir(s->root, s->path1);
	if (!d) return sftp_status_from_errno(errno);
	if (!sftp_handle_new(&s->handles, SFTP_HANDLE_DIR, -1, d, s->path1, hid, 0)) {
		closedir(d);
		return SSH_FX_FAILURE;
	}
	return sftp_reply_handle(s, rq->id, hid);
}

/* lstat of one directory entry: "." and ".." go through the confined fs
 * (".." of the root must not reach outside); other names are single
 * components, looked up relative to the directory descriptor. */
static int sftp_entry_stat(struct sftp_server *s, struct sftp_handle *h, const char *name,
			   struct stat *st)
{
	if (strcmp(name, ".") && strcmp(name, ".."))
		return fstatat(dirfd(h->dir), name, st, AT_SYMLINK_NOFOLLOW) == 0;
	if ((size_t)snprintf(s->path2, sizeof s->path2, "%s/%s", h->path, name) >= sizeof s->path2)
		return 0;
	return fs_lstat(s->root, s->path2, st);
}

int sftp_op_readdir(struct sftp_server *s, struct sftp_req *rq)
{
	struct sftp_handle *h = sftp_get_handle(s, &rq->in, SFTP_HANDLE_DIR);
	struct wire_out *w;
	struct dirent *de;
	struct stat st;
	struct sftp_attr a;
	size_t at;
	uint32_t count = 0;
	time_t now = time(0);

	if (!wire_ok(&rq->in)) return SSH_FX_BAD_MESSAGE;
	if (!h) return SSH_FX_FAILURE;
	w = sftp_reply_begin(s, SSH_FXP_NAME, rq->id);
	at = w->len;
	wire_put_u32(w, 0);
	while (count < SFTP_READDIR_MAX_NAMES && w->len - at < SFTP_READDIR_MAX_BYTES) {
		errno = 0;
		de = readdir(h->dir);
		if (!de) {
			if (errno && count == 0) return sftp_status_from_errno(errno);
			break;
		}
		if (!sftp_entry_stat(s, h, de->d_name, &st)) continue;
		sftp_attr_from_stat(&a, &st);
		wire_put_cstring(w, de->d_name);
		if (s->version < 4) { /* v4+ names carry no longname */
			sftp_attr_longname(s->pathout, sizeof s->pathout, de->d_name, &st, now);
			wire_put_cstring(w, s->pathout);
		}
		sftp_attr_put_v(w, &a, s->version);
		count++;
	}
	if (count == 0) return SSH_FX_EOF;
	wire_patch_u32(w, at, count);
	return SFTP_REPLIED;
}
