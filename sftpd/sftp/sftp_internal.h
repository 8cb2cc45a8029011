/* sftp_internal: what the sftp_*.c files share — protocol numbers, the
 * server state (queues, handle table), the request handler table and the
 * helpers that build replies in place in the output queue. */
#ifndef SLUICE_SFTP_INTERNAL_H
#define SLUICE_SFTP_INTERNAL_H

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "base/base.h"
#include "fs/fs.h"
#include "wire/wire.h"
#include "sftp.h"

#define SFTP_VERSION 3
/* Highest version served (draft-ietf-secsh-filexfer-13). */
#define SFTP_VERSION_MAX SFTP_HIGHEST_VERSION

/* Packet types (draft-ietf-secsh-filexfer-02 section 3). */
enum sftp_type {
	SSH_FXP_INIT = 1,
	SSH_FXP_VERSION = 2,
	SSH_FXP_OPEN = 3,
	SSH_FXP_CLOSE = 4,
	SSH_FXP_READ = 5,
	SSH_FXP_WRITE = 6,
	SSH_FXP_LSTAT = 7,
	SSH_FXP_FSTAT = 8,
	SSH_FXP_SETSTAT = 9,
	SSH_FXP_FSETSTAT = 10,
	SSH_FXP_OPENDIR = 11,
	SSH_FXP_READDIR = 12,
	SSH_FXP_REMOVE = 13,
	SSH_FXP_MKDIR = 14,
	SSH_FXP_RMDIR = 15,
	SSH_FXP_REALPATH = 16,
	SSH_FXP_STAT = 17,
	SSH_FXP_RENAME = 18,
	SSH_FXP_READLINK = 19,
	SSH_FXP_SYMLINK = 20,
	SSH_FXP_LINK = 21, /* v6 */
	SSH_FXP_BLOCK = 22,
	SSH_FXP_UNBLOCK = 23,
	SSH_FXP_STATUS = 101,
	SSH_FXP_HANDLE = 102,
	SSH_FXP_DATA = 103,
	SSH_FXP_NAME = 104,
	SSH_FXP_ATTRS = 105,
	SSH_FXP_EXTENDED = 200,
	SSH_FXP_EXTENDED_REPLY = 201,
};

enum sftp_status {
	SSH_FX_OK = 0,
	SSH_FX_EOF = 1,
	SSH_FX_NO_SUCH_FILE = 2,
	SSH_FX_PERMISSION_DENIED = 3,
	SSH_FX_FAILURE = 4,
	SSH_FX_BAD_MESSAGE = 5,
	SSH_FX_NO_CONNECTION = 6,
	SSH_FX_CONNECTION_LOST = 7,
	SSH_FX_OP_UNSUPPORTED = 8,
	/* v4 (draft-ietf-secsh-filexfer-04, 7); v3 sessions get them mapped
	 * down by sftp_status_for_version */
	SSH_FX_INVALID_HANDLE = 9,
	SSH_FX_NO_SUCH_PATH = 10,
	SSH_FX_FILE_ALREADY_EXISTS = 11,
	SSH_FX_WRITE_PROTECT = 12,
	SSH_FX_NO_MEDIA = 13,
	/* v5 (draft-ietf-secsh-filexfer-05, 9.1) */
	SSH_FX_NO_SPACE_ON_FILESYSTEM = 14,
	SSH_FX_QUOTA_EXCEEDED = 15,
	SSH_FX_UNKNOWN_PRINCIPAL = 16,
	SSH_FX_LOCK_CONFLICT = 17,
	/* v6 (draft-ietf-secsh-filexfer-13, 9.1) */
	SSH_FX_DIR_NOT_EMPTY = 18,
	SSH_FX_NOT_A_DIRECTORY = 19,
	SSH_FX_INVALID_FILENAME = 20,
	SSH_FX_LINK_LOOP = 21,
	SSH_FX_CANNOT_DELETE = 22,
	SSH_FX_INVALID_PARAMETER = 23,
	SSH_FX_FILE_IS_A_DIRECTORY = 24,
	SSH_FX_BYTE_RANGE_LOCK_CONFLICT = 25,
	SSH_FX_BYTE_RANGE_LOCK_REFUSED = 26,
	SSH_FX_DELETE_PENDING = 27,
	SSH_FX_FILE_CORRUPT = 28,
	SSH_FX_OWNER_INVALID = 29,
	SSH_FX_GROUP_INVALID = 30,
	SSH_FX_NO_MATCHING_BYTE_RANGE_LOCK = 31,
	SFTP_REPLIED = -1, /* handler result: the reply is already built */
};

enum sftp_pflags {
	SSH_FXF_READ = 0x01,
	SSH_FXF_WRITE = 0x02,
	SSH_FXF_APPEND = 0x04,
	SSH_FXF_CREAT = 0x08,
	SSH_FXF_TRUNC = 0x10,
	SSH_FXF_EXCL = 0x20,
};

/* v5/v6 OPEN (draft-ietf-secsh-filexfer-05, 6.3; -13, 8.1.1): the
 * desired-access mask (NFSv4 ACE bits) and the flags word. */
enum sftp_ace_mask {
	ACE4_READ_DATA = 0x00000001,
	ACE4_WRITE_DATA = 0x00000002,
	ACE4_APPEND_DATA = 0x00000004,
	ACE4_READ_NAMED_ATTRS = 0x00000008,
	ACE4_WRITE_NAMED_ATTRS = 0x00000010,
	ACE4_EXECUTE = 0x00000020,
	ACE4_DELETE_CHILD = 0x00000040,
	ACE4_READ_ATTRIBUTES = 0x00000080,
	ACE4_WRITE_ATTRIBUTES = 0x00000100,
	ACE4_DELETE = 0x00010000,
	ACE4_READ_ACL = 0x00020000,
	ACE4_WRITE_ACL = 0x00040000,
	ACE4_WRITE_OWNER = 0x00080000,
	ACE4_SYNCHRONIZE = 0x00100000,
};

enum sftp_open5_flags {
	SSH_FXF_ACCESS_DISPOSITION = 0x00000007,
	SSH_FXF_CREATE_NEW = 0x00000000,
	SSH_FXF_CREATE_TRUNCATE = 0x00000001,
	SSH_FXF_OPEN_EXISTING = 0x00000002,
	SSH_FXF_OPEN_OR_CREATE = 0x00000003,
	SSH_FXF_TRUNCATE_EXISTING = 0x00000004,
	SSH_FXF_APPEND_DATA = 0x00000008,
	SSH_FXF_APPEND_DATA_ATOMIC = 0x00000010,
	SSH_FXF_TEXT_MODE = 0x00000020,
	SSH_FXF_BLOCK_READ = 0x00000040,
	SSH_FXF_BLOCK_WRITE = 0x00000080,
	SSH_FXF_BLOCK_DELETE = 0x00000100,
	SSH_FXF_BLOCK_ADVISORY = 0x00000200, /* v6 from here */
	SSH_FXF_NOFOLLOW = 0x00000400,
	SSH_FXF_DELETE_ON_CLOSE = 0x00000800,
	SSH_FXF_ACCESS_AUDIT_ALARM_INFO = 0x00001000,
	SSH_FXF_ACCESS_BACKUP = 0x00002000,
	SSH_FXF_BACKUP_STREAM = 0x00004000,
	SSH_FXF_OVERRIDE_OWNER = 0x00008000,
};

/* v6 REALPATH control byte (draft-ietf-secsh-filexfer-13, 8.9). */
enum sftp_realpath_control {
	SSH_FXP_REALPATH_NO_CHECK = 1,
	SSH_FXP_REALPATH_STAT_IF = 2,
	SSH_FXP_REALPATH_STAT_ALWAYS = 3,
};

/* v5+ RENAME flags (draft-ietf-secsh-filexfer-05, 6.5). */
enum sftp_rename_flags {
	SSH_FXF_RENAME_OVERWRITE = 0x00000001,
	SSH_FXF_RENAME_ATOMIC = 0x00000002,
	SSH_FXF_RENAME_NATIVE = 0x00000004,
};

/* Internal bits an OPEN decodes to beside the v3 ones (never taken from
 * a v3/v4 pflags word): O_NOFOLLOW, and an access mask that asks to change
 * attributes, ACLs or the owner, or to delete (a write for the policy). */
enum sftp_pflags_internal {
	SFTP_PF_NOFOLLOW = 0x00010000,
	SFTP_PF_META_WRITE = 0x00020000,
};

/* An OPEN request decoded, whatever its version, into v3-style pflags
 * (plus the internal bits).  status is SSH_FX_OK, or why it is refused
 * before any open (BAD_MESSAGE, INVALID_PARAMETER, OP_UNSUPPORTED). */
struct sftp_open_req {
	uint32_t pflags;
	int status;
	const char *why; /* for the log and the status message */
};

/* Reads OPEN's pflags (v3/v4) or desired-access and flags (v5+) after the
 * filename: the one decoder that both the policy check and the open use.
 * 0 when the fields are missing. */
int sftp_open_decode(struct wire_in *in, unsigned version, struct sftp_open_req *o);
/* The v5/v6 flags and access bits an OPEN is served with (supported2). */
uint32_t sftp_open_flags_served(unsigned version);
uint32_t sftp_open_access_served(void);

enum sftp_attr_flags {
	SSH_FILEXFER_ATTR_SIZE = 0x01,
	SSH_FILEXFER_ATTR_UIDGID = 0x02,
	SSH_FILEXFER_ATTR_PERMISSIONS = 0x04,
	SSH_FILEXFER_ATTR_ACMODTIME = 0x08,
	SSH_FILEXFER_ATTR_EXTENDED = 0x80000000u,
};

/* v4 attribute flags (draft-ietf-secsh-filexfer-04, 5.1). */
enum sftp_attr4_flags {
	SSH_FILEXFER4_ATTR_SIZE = 0x01,
	SSH_FILEXFER4_ATTR_PERMISSIONS = 0x04,
	SSH_FILEXFER4_ATTR_ACCESSTIME = 0x08,
	SSH_FILEXFER4_ATTR_CREATETIME = 0x10,
	SSH_FILEXFER4_ATTR_MODIFYTIME = 0x20,
	SSH_FILEXFER4_ATTR_ACL = 0x40,
	SSH_FILEXFER4_ATTR_OWNERGROUP = 0x80,
	SSH_FILEXFER4_ATTR_SUBSECOND_TIMES = 0x100,
	SSH_FILEXFER5_ATTR_BITS = 0x200,	    /* v5 */
	SSH_FILEXFER6_ATTR_ALLOCATION_SIZE = 0x400, /* v6 from here (-13, 7.1) */
	SSH_FILEXFER6_ATTR_TEXT_HINT = 0x800,
	SSH_FILEXFER6_ATTR_MIME_TYPE = 0x1000,
	SSH_FILEXFER6_ATTR_LINK_COUNT = 0x2000,
	SSH_FILEXFER6_ATTR_UNTRANSLATED_NAME = 0x4000,
	SSH_FILEXFER6_ATTR_CTIME = 0x8000,
};

enum sftp_file_type {
	SSH_FILEXFER_TYPE_REGULAR = 1,
	SSH_FILEXFER_TYPE_DIRECTORY = 2,
	SSH_FILEXFER_TYPE_SYMLINK = 3,
	SSH_FILEXFER_TYPE_SPECIAL = 4,
	SSH_FILEXFER_TYPE_UNKNOWN = 5,
	SSH_FILEXFER_TYPE_SOCKET = 6, /* v5 from here */
	SSH_FILEXFER_TYPE_CHAR_DEVICE = 7,
	SSH_FILEXFER_TYPE_BLOCK_DEVICE = 8,
	SSH_FILEXFER_TYPE_FIFO = 9,
};

/* Internal: a v4 request asked for a change v3 attributes cannot carry
 * (an owner by name, one time alone, createtime, an ACL); applying it
 * fails with EOPNOTSUPP rather than doing part of it. */
#define SFTP_ATTR_UNMAPPED 0x40000000u

#define SFTP_HANDLE_LEN 4
#define SFTP_MAX_HANDLES_CEILING 65535u
#define SFTP_READDIR_MAX_NAMES 100
#define SFTP_READDIR_MAX_BYTES (32u * 1024)
#define SFTP_IN_CAP (4 * (SFTP_MAX_PACKET + 4)) /* compaction moves < 1/3 of the input */
/* Unwrapped, A ends below start + high water with start below one reply,
 * so a buffer this big always has room at its tail. */
#define SFTP_OUT_CEILING (SFTP_OUT_HIGH_WATER + 2 * (SFTP_MAX_PACKET + 4))
/* Room for the first reply without growing: the queue used to start at
 * 64 KiB and be copied into a bigger one at the first reply.  malloc maps
 * a block this large on its own, so pages never written cost nothing. */
#define SFTP_OUT_INITIAL (2 * (SFTP_MAX_PACKET + 4))
#define SFTP_COPY_CHUNK (64u * 1024)
#define SFTP_LOG_PATH 512
#define SFTP_LOG_NAME 64 /* bytes of an extension name in a log line */

/* --- attributes (sftp_attr.c) --- */
struct sftp_attr {
	uint32_t flags;
	uint64_t size;
	uint32_t uid, gid;
	uint32_t perm;
	uint32_t atime, mtime;
	uint32_t atime_ns, mtime_ns; /* v4+ replies only */
	uint8_t type;		     /* v4+: SSH_FILEXFER_TYPE_* */
	uint8_t special;	     /* v5+: SOCKET, CHAR_DEVICE, ... for SPECIAL */
	uint64_t alloc_size;	     /* v6 replies: st_blocks * 512 */
	uint32_t nlink;		     /* v6 replies */
	uint64_t ctime;		     /* v6 replies */
	uint32_t ctime_ns;
};

int sftp_attr_get(struct wire_in *in, struct sftp_attr *a);
int sftp_attr_put(struct wire_out *out, const struct sftp_attr *a);
/* The same for a session's negotiated version (3 to 6). */
int sftp_attr_get_v(struct wire_in *in, struct sftp_attr *a, unsigned version);
int sftp_attr_put_v(struct wire_out *out, const struct sftp_attr *a, unsigned version);
void sftp_attr_from_stat(struct sftp_attr *a, const struct stat *st);
/* "ls -l" style line as OpenSSH's sftp-server writes it. */
void sftp_attr_longname(char *buf, size_t cap, const char *name, const struct stat *st, time_t now);
/* Whether uid/gid names may be asked from NSS; 0 is for good (chroot). */
void sftp_attr_names_allow(int on);
/* Name of a uid/gid or "" when unknown (cached). */
const char *sftp_attr_user_name(uid_t uid);
const char *sftp_attr_group_name(gid_t gid);

/* --- status (sftp_status.c) --- */
int sftp_status_from_errno(int e);
const char *sftp_status_message(int status);
/* The code a session of that version knows: v4 codes become v3 ones. */
int sftp_status_for_version(int status, unsigned version);

/* --- handles (sftp_handle.c) --- */
enum sftp_handle_kind { SFTP_HANDLE_FREE = 0, SFTP_HANDLE_FILE, SFTP_HANDLE_DIR };

struct sftp_handle {
	enum sftp_handle_kind kind;
	uint16_t gen;
	int fd;
	DIR *dir;
	char *path;
	uint32_t pflags;
	uint64_t bytes_read, bytes_written;
	struct timespec opened; /* CLOCK_MONOTONIC, for the transfer record */
	int write_failed;	/* a write was refused: the upload is not whole */
};

struct sftp_handles {
	struct sftp_handle *v;
	unsigned cap;
	unsigned used;
};

int sftp_handles_init(struct sftp_handles *t, unsigned max);
void sftp_handles_free(struct sftp_handles *t);
/* Takes ownership of fd/dir; on failure (0 + EMFILE/ENOMEM) the caller
 * still owns them. */
int sftp_handle_new(struct sftp_handles *t, enum sftp_handle_kind kind, int fd, DIR *dir,
		    const char *path, unsigned char id[SFTP_HANDLE_LEN], struct sftp_handle **hp);
/* NULL unless p/len names a live handle of that kind (FREE = any kind). */
struct sftp_handle *sftp_handle_find(struct sftp_handles *t, const unsigned char *p, uint32_t len,
				     enum sftp_handle_kind kind);
/* Closes and frees the slot; 1, or 0 + errno from close(). */
int sftp_handle_close(struct sftp_handles *t, struct sftp_handle *h);
/* The descriptor behind a handle (dirfd for directories). */
int sftp_handle_fd(const struct sftp_handle *h);

/* --- the server (sftp_server.c) --- */
struct sftp_server {
	const struct fs_root *root;
	mode_t umask;
	int read_only;
	int write_only;
	unsigned deny; /* enum account_deny */
	int force_mode;
	mode_t mode;
	char user[SLUICE_MAX_USERNAME + 1];
	char home[SLUICE_MAX_PATH];
	int initialised;
	unsigned version;     /* negotiated by INIT (or version-select) */
	unsigned max_version; /* the highest offered, SFTP_VERSION..SFTP_VERSION_MAX */
	unsigned requests;    /* requests after INIT, up to 2 */
	int fatal;

	unsigned char *in; /* SFTP_IN_CAP bytes */
	size_t in_start, in_end;
	unsigned char *out;
	size_t out_start, out_end, out_cap; /* region A */
	size_t out_wrap;		    /* region B is [0, out_wrap) */
	int out_wrapped;

	struct wire_out reply; /* the reply being built at sftp_out_tail() */
	const char *msg;       /* status message override for this request */

	struct sftp_handles handles;
	char path1[SLUICE_MAX_PATH];
	char path2[SLUICE_MAX_PATH];
	char pathout[SLUICE_MAX_PATH];
	char logbuf1[SFTP_LOG_PATH];
	char logbuf2[SFTP_LOG_PATH];
};

struct sftp_req {
	uint8_t type;
	uint32_t id;
	struct wire_in in; /* positioned after the id (after the name for EXTENDED) */
};

/* A handler parses its request, acts, and returns an SSH_FX_* status for
 * the dispatcher to send, or SFTP_REPLIED when it built its own reply. */
typedef int sftp_handler(struct sftp_server *s, struct sftp_req *rq);

enum sftp_writes {
	SFTP_READS = 0,
	SFTP_WRITES = 1,
	SFTP_WRITES_IF_OPEN_FLAGS = 2, /* OPEN: decided by its pflags */
};

/* What an operation does, for the account's policy (sftp_policy_check). */
enum sftp_class {
	SFTP_CL_NONE = 0, /* session bookkeeping, paths, metadata */
	SFTP_CL_OPEN,	  /* decided by its pflags */
	SFTP_CL_READ,	  /* file contents */
	SFTP_CL_WRITE,	  /* into a handle */
	SFTP_CL_LIST,	  /* directory listings */
	SFTP_CL_READLINK,
	SFTP_CL_SETSTAT, /* on a path */
	SFTP_CL_FSETSTAT,
	SFTP_CL_REMOVE,
	SFTP_CL_RENAME,
	SFTP_CL_MKDIR,
	SFTP_CL_RMDIR,
	SFTP_CL_SYMLINK,
	SFTP_CL_LINK,
	SFTP_CL_LINK6, /* v6 LINK: SYMLINK or LINK by its flag byte */
};

struct sftp_op {
	unsigned type;	  /* packet type (0 for extensions) */
	const char *name; /* for logs; the extension name for extensions */
	sftp_handler *fn;
	enum sftp_writes writes;
	const char *version; /* extensions: the version data in VERSION */
	enum sftp_class cls;
};

extern const struct sftp_op sftp_ext_table[];
extern const size_t sftp_ext_count;

/* Where the next reply goes; SFTP_MAX_PACKET + 4 bytes are free there
 * while a request is being handled (usable as scratch space). */
unsigned char *sftp_out_tail(struct sftp_server *s);
/* Reply helpers: start a reply of type (with the request id). */
struct wire_out *sftp_reply_start(struct sftp_server *s, uint8_t type);
struct wire_out *sftp_reply_begin(struct sftp_server *s, uint8_t type, uint32_t id);
/* A NAME reply with one entry whose name and longname are path. */
int sftp_reply_one_name(struct sftp_server *s, uint32_t id, const char *path);
/* The same with attributes (a == 0: none). */
int sftp_reply_name_attrs(struct sftp_server *s, uint32_t id, const char *path,
			  const struct sftp_attr *a);
/* Printable, truncated copy of a client string for log lines. */
const char *sftp_log_str(char *buf, const char *str);
/* The transfer record of file handle h (log_transfer), ok 0 when aborted. */
void sftp_log_transfer(const struct sftp_server *s, const struct sftp_handle *h, int ok);
/* Gets a C-string path from the request; 0 when malformed. */
int sftp_get_path(struct wire_in *in, char *buf);
/* Gets a handle of the given kind; NULL when absent/invalid (s->msg set). */
struct sftp_handle *sftp_get_handle(struct sftp_server *s, struct wire_in *in,
				    enum sftp_handle_kind kind);
int sftp_reply_handle(struct sftp_server *s, uint32_t id, const unsigned char h[SFTP_HANDLE_LEN]);

/* The account's policy for one decoded request (sftp_policy.c):
 * SSH_FX_OK, or SSH_FX_PERMISSION_DENIED after logging why. */
int sftp_policy_check(const struct sftp_server *s, const struct sftp_op *op,
		      const struct sftp_req *rq);

/* fs_realpath into s->pathout ("" or "." = the start directory). */
int sftp_canonical(struct sftp_server *s, const char *path);

/* Applies attributes (size, mode, times, owner) to a path or to an fd. */
int sftp_attr_apply_path(struct sftp_server *s, const char *path, const struct sftp_attr *a,
			 int follow);
int sftp_attr_apply_fd(struct sftp_server *s, int fd, const char *logname,
		       const struct sftp_attr *a);

/* Handlers (sftp_file.c, sftp_path.c, sftp_ext.c). */
sftp_handler sftp_op_open, sftp_op_close, sftp_op_read, sftp_op_write, sftp_op_fstat,
    sftp_op_fsetstat, sftp_op_opendir, sftp_op_readdir;
sftp_handler sftp_op_lstat, sftp_op_stat, sftp_op_setstat, sftp_op_remove, sftp_op_mkdir,
    sftp_op_rmdir, sftp_op_realpath, sftp_op_rename, sftp_op_readlink, sftp_op_symlink,
    sftp_op_link, sftp_op_block;
sftp_handler sftp_op_check_file_handle, sftp_op_check_file_name; /* sftp_check.c */

#endif
