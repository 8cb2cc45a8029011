/* sftp_server: the SFTP v3 request loop — input and output queues, packet
 * framing, the handler table and the dispatcher that checks policy (init
 * state, the account's policy) in one place and turns handler results into replies.
 * Replies are built in place at the tail of the output queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "priv/priv.h"
#include "sftp_internal.h"

static sftp_handler sftp_op_init;

static const struct sftp_op sftp_op_table[] = {
    {SSH_FXP_INIT, "init", sftp_op_init, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_OPEN, "open", sftp_op_open, SFTP_WRITES_IF_OPEN_FLAGS, 0, SFTP_CL_OPEN},
    {SSH_FXP_CLOSE, "close", sftp_op_close, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_READ, "read", sftp_op_read, SFTP_READS, 0, SFTP_CL_READ},
    {SSH_FXP_WRITE, "write", sftp_op_write, SFTP_WRITES, 0, SFTP_CL_WRITE},
    {SSH_FXP_LSTAT, "lstat", sftp_op_lstat, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_FSTAT, "fstat", sftp_op_fstat, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_SETSTAT, "setstat", sftp_op_setstat, SFTP_WRITES, 0, SFTP_CL_SETSTAT},
    {SSH_FXP_FSETSTAT, "fsetstat", sftp_op_fsetstat, SFTP_WRITES, 0, SFTP_CL_FSETSTAT},
    {SSH_FXP_OPENDIR, "opendir", sftp_op_opendir, SFTP_READS, 0, SFTP_CL_LIST},
    {SSH_FXP_READDIR, "readdir", sftp_op_readdir, SFTP_READS, 0, SFTP_CL_LIST},
    {SSH_FXP_REMOVE, "remove", sftp_op_remove, SFTP_WRITES, 0, SFTP_CL_REMOVE},
    {SSH_FXP_MKDIR, "mkdir", sftp_op_mkdir, SFTP_WRITES, 0, SFTP_CL_MKDIR},
    {SSH_FXP_RMDIR, "rmdir", sftp_op_rmdir, SFTP_WRITES, 0, SFTP_CL_RMDIR},
    {SSH_FXP_REALPATH, "realpath", sftp_op_realpath, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_STAT, "stat", sftp_op_stat, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_RENAME, "rename", sftp_op_rename, SFTP_WRITES, 0, SFTP_CL_RENAME},
    {SSH_FXP_READLINK, "readlink", sftp_op_readlink, SFTP_READS, 0, SFTP_CL_READLINK},
    {SSH_FXP_SYMLINK, "symlink", sftp_op_symlink, SFTP_WRITES, 0, SFTP_CL_SYMLINK},
    {SSH_FXP_LINK, "link", sftp_op_link, SFTP_WRITES, 0, SFTP_CL_LINK6},
    {SSH_FXP_BLOCK, "block", sftp_op_block, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_UNBLOCK, "unblock", sftp_op_block, SFTP_READS, 0, SFTP_CL_NONE},
    {SSH_FXP_EXTENDED, "extended", 0, SFTP_READS, 0, SFTP_CL_NONE}, /* resolved to sftp_ext_table */
};

struct sftp_server *sftp_server_new(const struct fs_root *root, const struct sftp_options *opt)
{
	static const struct sftp_options defaults = {.umask = 022,
						     .max_handles = SFTP_DEFAULT_MAX_HANDLES};
	struct sftp_server *s = calloc(1, sizeof *s);

	if (!s) return 0;
	if (!opt) opt = &defaults;
	s->root = root;
	sftp_attr_names_allow(!root->chrooted);
	s->umask = opt->umask & 0777;
	s->read_only = opt->read_only;
	s->write_only = opt->write_only;
	s->deny = opt->deny;
	s->force_mode = opt->force_mode;
	s->mode = opt->mode & 0777;
	s->max_version = opt->max_version ? opt->max_version : SFTP_VERSION_MAX;
	if (s->max_version < SFTP_VERSION) s->max_version = SFTP_VERSION;
	if (s->max_version > SFTP_VERSION_MAX) s->max_version = SFTP_VERSION_MAX;
	if (opt->user && strlen(opt->user) < sizeof s->user) strcpy(s->user, opt->user);
	strcpy(s->home, "/");
	if (opt->home && *opt->home && strlen(opt->home) < sizeof s->home)
		strcpy(s->home, opt->home);
	s->in = malloc(SFTP_IN_CAP);
	s->out_cap = SFTP_OUT_INITIAL;
	s->out = malloc(s->out_cap);
	if (!s->in || !s->out || !sftp_handles_init(&s->handles, opt->max_handles)) {
		sftp_server_free(s);
		errno = ENOMEM;
		return 0;
	}
	return s;
}

void sftp_log_transfer(const struct sftp_server *s, const struct sftp_handle *h, int ok)
{
	struct timespec now;
	struct log_transfer t = {"sftp", s->user, h->path, 0, ok, 0, 0};

	if (h->kind != SFTP_HANDLE_FILE) return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t.upload = (h->pflags & SSH_FXF_WRITE) != 0;
	t.bytes = t.upload ? h->bytes_written : h->bytes_read;
	t.seconds = (double)(now.tv_sec - h->opened.tv_sec) +
		    (double)(now.tv_nsec - h->opened.tv_nsec) / 1e9;
	log_transfer(&t);
}

/* Logs the handles the client left open (they are closed by the caller). */
static void sftp_log_forced_closes(struct sftp_server *s)
{
	unsigned i;
	const struct sftp_handle *h;

	for (i = 0; s->handles.v && i < s->handles.cap; i++) {
		h = &s->handles.v[i];
		if (h->kind != SFTP_HANDLE_FILE) continue;
		log_info("forced close \"%s\" bytes read %llu written %llu",
			 sftp_log_str(s->logbuf1, h->path), (unsigned long long)h->bytes_read,
			 (unsigned long long)h->bytes_written);
		sftp_log_transfer(s, h, 0);
	}
}

void sftp_server_free(struct sftp_server *s)
{
	if (!s) return;
	if (s->initialised) {
		sftp_log_forced_closes(s);
		log_info("session end");
	}
	sftp_handles_free(&s->handles);
	free(s->in);
	free(s->out);
	free(s);
}

size_t sftp_server_input_room(const struct sftp_server *s)
{
	return (SFTP_MAX_PACKET + 4) - (s->in_end - s->in_start);
}

/* Moves the unprocessed input to the front when the tail cannot take n
 * more bytes; with SFTP_IN_CAP several packets long this is rare. */
static void sftp_in_make_room(struct sftp_server *s, size_t n)
{
	if (n <= SFTP_IN_CAP - s->in_end) return;
	memmove(s->in, s->in + s->in_start, s->in_end - s->in_start);
	s->in_end -= s->in_start;
	s->in_start = 0;
}

int sftp_server_input(struct sftp_server *s, const unsigned char *p, size_t n)
{
	if (n > sftp_server_input_room(s)) {
		errno = EMSGSIZE;
		return 0;
	}
	sftp_in_make_room(s, n);
	if (n) memcpy(s->in + s->in_end, p, n);
	s->in_end += n;
	return 1;
}

unsigned char *sftp_server_input_space(struct sftp_server *s, size_t *room)
{
	*room = sftp_server_input_room(s);
	sftp_in_make_room(s, *room);
	return s->in + s->in_end;
}

void sftp_server_input_commit(struct sftp_server *s, size_t n)
{
	size_t room = sftp_server_input_room(s);

	if (n > room) n = room;
	if (n > SFTP_IN_CAP - s->in_end) n = SFTP_IN_CAP - s->in_end;
	s->in_end += n;
}

/* The output queue is a two-region ring (a "bip buffer"): region A is
 * [out_start, out_end); once the tail has no room for a maximal reply but
 * the consumed head does, new replies go to region B = [0, out_wrap) and A
 * drains first.  Replies are never moved once built. */
static size_t sftp_out_pending(const struct sftp_server *s)
{
	return (s->out_end - s->out_start) + (s->out_wrapped ? s->out_wrap : 0);
}

void sftp_server_output(const struct sftp_server *s, const unsigned char **p, size_t *n)
{
	*p = s->out + s->out_start;
	*n = s->out_end - s->out_start;
}

void sftp_server_release_idle(struct sftp_server *s)
{
	if (s->in_start == s->in_end) {
		s->in_start = s->in_end = 0;
		priv_pages_discard(s->in, SFTP_IN_CAP);
	}
	if (s->out_start == s->out_end && !s->out_wrapped) {
		s->out_start = s->out_end = 0;
		priv_pages_discard(s->out, s->out_cap);
	}
}

void sftp_server_consume(struct sftp_server *s, size_t n)
{
	if (n > s->out_end - s->out_start) n = s->out_end - s->out_start;
	s->out_start += n;
	if (s->out_start < s->out_end) return;
	/* A is empty: B (if any) becomes A */
	s->out_start = 0;
	s->out_end = s->out_wrapped ? s->out_wrap : 0;
	s->out_wrap = 0;
	s->out_wrapped = 0;
}

/* 1 if a complete packet (or a framing error) is waiting. */
static int sftp_have_packet(const struct sftp_server *s, uint32_t *len)
{
	size_t avail = s->in_end - s->in_start;

	if (avail < 4) return 0;
	*len = wire_load_u32(s->in + s->in_start);
	if (*len == 0 || *len > SFTP_MAX_PACKET) return 1;
	return avail - 4 >= *len;
}

int sftp_server_pending(const struct sftp_server *s)
{
	uint32_t len;

	return sftp_have_packet(s, &len);
}

unsigned char *sftp_out_tail(struct sftp_server *s)
{
	return s->out + (s->out_wrapped ? s->out_wrap : s->out_end);
}

/* Makes room for one maximal reply at the tail of the output queue: the
 * tail of A, else wrap to the consumed head, else grow (up to the ceiling).
 * 1 done; 0 no room until output drains; -1 out of memory. */
static int sftp_out_reserve(struct sftp_server *s)
{
	size_t need = SFTP_MAX_PACKET + 4;
	size_t cap;
	unsigned char *p;

	if (s->out_wrapped) return s->out_start - s->out_wrap >= need;
	if (s->out_cap - s->out_end >= need) return 1;
	if (s->out_start >= need) {
		s->out_wrapped = 1;
		s->out_wrap = 0;
		return 1;
	}
	if (s->out_cap >= SFTP_OUT_CEILING) return 0; /* not reached: see the ceiling */
	cap = s->out_cap;
	while (cap - s->out_end < need)
		cap *= 2;
	p = realloc(s->out, cap);
	if (!p) return -1;
	s->out = p;
	s->out_cap = cap;
	return 1;
}

struct wire_out *sftp_reply_start(struct sftp_server *s, uint8_t type)
{
	wire_out_init(&s->reply, sftp_out_tail(s), SFTP_MAX_PACKET + 4);
	wire_put_u32(&s->reply, 0);
	wire_put_u8(&s->reply, type);
	return &s->reply;
}

struct wire_out *sftp_reply_begin(struct sftp_server *s, uint8_t type, uint32_t id)
{
	struct wire_out *w = sftp_reply_start(s, type);

	wire_put_u32(w, id);
	return w;
}

static void sftp_reply_status(struct sftp_server *s, uint32_t id, int status)
{
	struct wire_out *w = sftp_reply_begin(s, SSH_FXP_STATUS, id);

	status = sftp_status_for_version(status, s->version);
	wire_put_u32(w, (uint32_t)status);
	wire_put_cstring(w, s->msg ? s->msg : sftp_status_message(status));
	wire_put_cstring(w, "");
}

/* Seals the reply built at the queue tail: patch its length, queue it. */
static void sftp_reply_finish(struct sftp_server *s)
{
	wire_patch_u32(&s->reply, 0, (uint32_t)(s->reply.len - 4));
	if (s->out_wrapped)
		s->out_wrap += s->reply.len;
	else
		s->out_end += s->reply.len;
}

int sftp_reply_name_attrs(struct sftp_server *s, uint32_t id, const char *path,
			  const struct sftp_attr *a)
{
	struct wire_out *w = sftp_reply_begin(s, SSH_FXP_NAME, id);
	struct sftp_attr none;

	memset(&none, 0, sizeof none);
	wire_put_u32(w, 1);
	wire_put_cstring(w, path);
	if (s->version < 4) wire_put_cstring(w, path); /* longname: v3 only */
	sftp_attr_put_v(w, a ? a : &none, s->version);
	return SFTP_REPLIED;
}

int sftp_reply_one_name(struct sftp_server *s, uint32_t id, const char *path)
{
	return sftp_reply_name_attrs(s, id, path, 0);
}

int sftp_reply_handle(struct sftp_server *s, uint32_t id, const unsigned char h[SFTP_HANDLE_LEN])
{
	struct wire_out *w = sftp_reply_begin(s, SSH_FXP_HANDLE, id);

	wire_put_string(w, h, SFTP_HANDLE_LEN);
	return SFTP_REPLIED;
}

const char *sftp_log_str(char *buf, const char *str)
{
	size_t i;

	for (i = 0; str[i] && i < SFTP_LOG_PATH - 1; i++) {
		unsigned char c = (unsigned char)str[i];
		buf[i] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
	}
	buf[i] = 0;
	return buf;
}

/* Printable copy of the first bytes of a client string, in logbuf1. */
static const char *sftp_log_bytes(struct sftp_server *s, const unsigned char *p, uint32_t len)
{
	size_t n = len < SFTP_LOG_NAME ? len : SFTP_LOG_NAME;

	memcpy(s->logbuf2, p, n);
	s->logbuf2[n] = 0;
	return sftp_log_str(s->logbuf1, s->logbuf2);
}

int sftp_get_path(struct wire_in *in, char *buf)
{
	return wire_get_cstring(in, buf, SLUICE_MAX_PATH);
}

struct sftp_handle *sftp_get_handle(struct sftp_server *s, struct wire_in *in,
				    enum sftp_handle_kind kind)
{
	const unsigned char *p;
	uint32_t len;
	struct sftp_handle *h;

	if (!wire_get_string(in, &p, &len)) return 0;
	h = sftp_handle_find(&s->handles, p, len, kind);
	if (!h) s->msg = "invalid handle";
	return h;
}

/* INIT may carry the client's extension pairs (OpenSSH's server ignores
 * them): named in the debug log.  What does not parse as pairs is left
 * for the dispatcher to report as trailing bytes. */
static void sftp_init_extensions(struct sftp_server *s, struct wire_in *in)
{
	const unsigned char *name, *data;
	uint32_t nlen, dlen;
	struct wire_in at;

	while (wire_left(in)) {
		at = *in;
		if (!wire_get_string(in, &name, &nlen) || !wire_get_string(in, &data, &dlen)) {
			*in = at;
			return;
		}
		log_debug("client extension \"%s\" with %lu bytes of data",
			  sftp_log_bytes(s, name, nlen), (unsigned long)dlen);
	}
}

/* Our vendor-id (draft-ietf-secsh-filexfer-extensions-00, 3), its data a
 * string of: vendor, product, version, build number. */
static void sftp_put_vendor_id(struct wire_out *w)
{
	unsigned char data[96];
	struct wire_out d;

	wire_out_init(&d, data, sizeof data);
	wire_put_cstring(&d, "sluice");
	wire_put_cstring(&d, "sftpd");
	wire_put_cstring(&d, SLUICE_VERSION);
	wire_put_u64(&d, 0);
	wire_put_cstring(w, "vendor-id");
	wire_put_string(w, data, d.len);
}

/* supported2 (draft-ietf-secsh-filexfer-13, 5.4): what this server does
 * of v6: the attributes it sends, the open flags and access bits it
 * honours, no byte-range locks, the extension requests. */
static void sftp_put_supported2(struct wire_out *w)
{
	unsigned char data[1024];
	struct wire_out d;
	size_t i, n = 0;

	wire_out_init(&d, data, sizeof data);
	wire_put_u32(&d, SSH_FILEXFER4_ATTR_SIZE | SSH_FILEXFER4_ATTR_PERMISSIONS |
			     SSH_FILEXFER4_ATTR_ACCESSTIME | SSH_FILEXFER4_ATTR_MODIFYTIME |
			     SSH_FILEXFER4_ATTR_OWNERGROUP | SSH_FILEXFER4_ATTR_SUBSECOND_TIMES |
			     SSH_FILEXFER6_ATTR_ALLOCATION_SIZE | SSH_FILEXFER6_ATTR_LINK_COUNT |
			     SSH_FILEXFER6_ATTR_CTIME);
	wire_put_u32(&d, 0); /* attrib-bits */
	wire_put_u32(&d, sftp_open_flags_served(6));
	wire_put_u32(&d, sftp_open_access_served());
	wire_put_u32(&d, SFTP_MAX_READ);
	wire_put_u8(&d, 0); /* uint16 open-block-vector: only "no locks" */
	wire_put_u8(&d, 1);
	wire_put_u8(&d, 0); /* uint16 block-vector: BLOCK is not served */
	wire_put_u8(&d, 0);
	wire_put_u32(&d, 0); /* attrib-extension names */
	for (i = 0; i < sftp_ext_count; i++)
		if (sftp_ext_table[i].version) n++;
	wire_put_u32(&d, (uint32_t)n);
	for (i = 0; i < sftp_ext_count; i++)
		if (sftp_ext_table[i].version) wire_put_cstring(&d, sftp_ext_table[i].name);
	wire_put_cstring(w, "supported2");
	wire_put_string(w, data, d.len);
}

static int sftp_op_init(struct sftp_server *s, struct sftp_req *rq)
{
	struct wire_out *w;
	size_t i;

	if (s->initialised) {
		log_warn("SSH_FXP_INIT received twice");
		errno = EPROTO;
		s->fatal = 1;
		return SFTP_REPLIED;
	}
	s->initialised = 1;
	log_info("session start: client version %u%s%s", (unsigned)rq->id, *s->user ? " user " : "",
		 s->user);
	sftp_init_extensions(s, &rq->in);
	/* v3 unless the client asks for more: then the highest both speak */
	s->version = rq->id <= SFTP_VERSION    ? SFTP_VERSION
		     : rq->id > s->max_version ? s->max_version
					       : rq->id;
	log_info("session speaks SFTP version %u", s->version);
	w = sftp_reply_start(s, SSH_FXP_VERSION);
	wire_put_u32(w, s->version);
	for (i = 0; i < sftp_ext_count; i++) {
		if (!sftp_ext_table[i].version) continue; /* a request only */
		wire_put_cstring(w, sftp_ext_table[i].name);
		wire_put_cstring(w, sftp_ext_table[i].version);
	}
	sftp_put_vendor_id(w);
	if (s->version >= 5) {
		sftp_put_supported2(w);
		wire_put_cstring(w, "newline");
		wire_put_cstring(w, "\n");
	}
	if (s->version == SFTP_VERSION && s->max_version > SFTP_VERSION) {
		/* what version-select may choose: "3,4,5,6" at most */
		char versions[16];
		unsigned v;
		for (v = SFTP_VERSION; v <= s->max_version; v++) {
			versions[2 * (v - SFTP_VERSION)] = (char)('0' + v);
			versions[2 * (v - SFTP_VERSION) + 1] = ',';
		}
		versions[2 * (s->max_version - SFTP_VERSION) + 1] = 0;
		wire_put_cstring(w, "versions");
		wire_put_cstring(w, versions);
	}
	return SFTP_REPLIED;
}

static const struct sftp_op *sftp_find_op(unsigned type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(sftp_op_table); i++)
		if (sftp_op_table[i].type == type) return &sftp_op_table[i];
	return 0;
}

static const struct sftp_op *sftp_find_ext(const unsigned char *name, uint32_t len)
{
	size_t i;

	for (i = 0; i < sftp_ext_count; i++)
		if (strlen(sftp_ext_table[i].name) == len &&
		    !memcmp(sftp_ext_table[i].name, name, len))
			return &sftp_ext_table[i];
	return 0;
}

/* Finds the handler for rq; returns a status when there is none to run. */
static int sftp_resolve(struct sftp_server *s, struct sftp_req *rq, const struct sftp_op **opp)
{
	const struct sftp_op *op = sftp_find_op(rq->type);
	const unsigned char *name;
	uint32_t len;

	/* v6's own requests do not exist for older sessions: refused as
	 * before they were served, ahead of any policy check */
	if (!op || (rq->type >= SSH_FXP_LINK && rq->type <= SSH_FXP_UNBLOCK && s->version < 6)) {
		log_warn("unsupported request type %u", (unsigned)rq->type);
		return SSH_FX_OP_UNSUPPORTED;
	}
	if (rq->type == SSH_FXP_EXTENDED) {
		if (!wire_get_string(&rq->in, &name, &len)) return SSH_FX_BAD_MESSAGE;
		op = sftp_find_ext(name, len);
		if (!op) {
			log_warn("unsupported extension \"%s\"", sftp_log_bytes(s, name, len));
			return SSH_FX_OP_UNSUPPORTED;
		}
	}
	*opp = op;
	return SFTP_REPLIED;
}

/* Bytes after a request's last field are skipped, as OpenSSH's sftp-server
 * does: Debian 12's rclone 1.60 (built with pkg/sftp 1.13.5) frames the last
 * WRITE of a file as a full 32 KiB one, the stale rest of its buffer after
 * the data.  A field that runs past the end is still a bad message. */
static void sftp_skip_trailing(const struct sftp_op *op, const struct sftp_req *rq)
{
	size_t n = wire_left(&rq->in);

	if (!n) return;
	if (rq->type == SSH_FXP_INIT)
		log_debug("init: %zu trailing bytes ignored", n);
	else
		log_debug("%s request %lu: %zu trailing bytes ignored", op->name,
			  (unsigned long)rq->id, n);
}

static void sftp_dispatch(struct sftp_server *s, const unsigned char *pkt, uint32_t len)
{
	struct sftp_req rq;
	const struct sftp_op *op = 0;
	int st;

	s->msg = 0;
	if (s->initialised && s->requests < 2) s->requests++; /* for version-select */
	wire_in_init(&rq.in, pkt, len);
	wire_get_u8(&rq.in, &rq.type);
	rq.id = 0;
	if (!wire_get_u32(&rq.in, &rq.id)) {
		st = SSH_FX_BAD_MESSAGE;
	} else if (!s->initialised && rq.type != SSH_FXP_INIT) {
		log_warn("request type %u before SSH_FXP_INIT refused", (unsigned)rq.type);
		s->msg = "session not initialised";
		st = SSH_FX_FAILURE;
	} else if ((st = sftp_resolve(s, &rq, &op)) == SFTP_REPLIED) {
		if ((st = sftp_policy_check(s, op, &rq)) != SSH_FX_OK) {
			/* refused: logged by the check */
		} else {
			st = op->fn(s, &rq);
			if (st == SSH_FX_BAD_MESSAGE) {
				log_warn("malformed %s request", op->name);
				s->msg = 0;
			} else {
				if (st == SSH_FX_PERMISSION_DENIED)
					log_warn("%s refused: permission denied", op->name);
				if (!s->fatal) sftp_skip_trailing(op, &rq);
			}
		}
	}
	if (s->fatal) return;
	if (st != SFTP_REPLIED || s->reply.bad) {
		if (st == SFTP_REPLIED) {
			s->msg = "reply too large";
			st = SSH_FX_FAILURE;
		}
		sftp_reply_status(s, rq.id, st);
	}
	sftp_reply_finish(s);
}

int sftp_server_run(struct sftp_server *s)
{
	uint32_t len;
	int r;

	if (s->fatal) {
		errno = EPROTO;
		return 0;
	}
	while (sftp_out_pending(s) < SFTP_OUT_HIGH_WATER && sftp_have_packet(s, &len)) {
		if (len == 0 || len > SFTP_MAX_PACKET) {
			log_warn("bad packet length %lu", (unsigned long)len);
			s->fatal = 1;
			errno = EPROTO;
			return 0;
		}
		r = sftp_out_reserve(s);
		if (r < 0) return 0;
		if (r == 0) break; /* no contiguous room until output drains */
		sftp_dispatch(s, s->in + s->in_start + 4, len);
		s->in_start += 4 + (size_t)len;
		if (s->in_start == s->in_end) s->in_start = s->in_end = 0;
		if (s->fatal) {
			errno = EPROTO;
			return 0;
		}
	}
	return 1;
}
