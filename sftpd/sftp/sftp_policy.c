/* sftp_policy: the account's policy (read-only, drop box, denied
 * operations) checked once per request, in the dispatcher, on the decoded
 * request: its class in the handler table and, for OPEN, its flags as
 * sftp_open_decode reads them (v3 pflags or a v5/v6 access mask).  The
 * open handler adds O_EXCL for a drop box, so that "new files only" is
 * decided by the kernel, not by a lookup before the open. */
#include "account/account.h"
#include "log/log.h"
#include "sftp_internal.h"

/* Whether this request would change the filesystem. */
static int sftp_request_writes(const struct sftp_op *op, uint32_t pflags, int has_pflags)
{
	if (op->writes != SFTP_WRITES_IF_OPEN_FLAGS) return op->writes == SFTP_WRITES;
	return has_pflags && (pflags & (SSH_FXF_WRITE | SSH_FXF_APPEND | SSH_FXF_CREAT |
					SSH_FXF_TRUNC | SSH_FXF_EXCL | SFTP_PF_META_WRITE)) != 0;
}

static unsigned sftp_class_deny_bit(enum sftp_class cls)
{
	switch (cls) {
	case SFTP_CL_SETSTAT:
	case SFTP_CL_FSETSTAT:
		return ACCOUNT_DENY_SETSTAT;
	case SFTP_CL_REMOVE:
		return ACCOUNT_DENY_REMOVE;
	case SFTP_CL_RENAME:
		return ACCOUNT_DENY_RENAME;
	case SFTP_CL_MKDIR:
		return ACCOUNT_DENY_MKDIR;
	case SFTP_CL_RMDIR:
		return ACCOUNT_DENY_RMDIR;
	case SFTP_CL_SYMLINK:
		return ACCOUNT_DENY_SYMLINK;
	case SFTP_CL_LINK:
		return ACCOUNT_DENY_LINK;
	default:
		return 0;
	}
}

/* A drop box creates and writes new files (and directories): nothing that
 * reads, lists or changes what is already there. */
static const char *sftp_write_only_refuses(enum sftp_class cls, uint32_t pflags, int has_pflags)
{
	switch (cls) {
	case SFTP_CL_READ:
	case SFTP_CL_READLINK:
		return "drop box: no reading";
	case SFTP_CL_LIST:
		return "drop box: no listing";
	case SFTP_CL_REMOVE:
	case SFTP_CL_RENAME:
	case SFTP_CL_RMDIR:
	case SFTP_CL_SETSTAT:
	case SFTP_CL_SYMLINK:
	case SFTP_CL_LINK:
	case SFTP_CL_LINK6:
		return "drop box: existing files are not changed";
	case SFTP_CL_OPEN:
		if (!has_pflags) return 0; /* malformed: the handler says so */
		if (pflags & SSH_FXF_READ) return "drop box: no reading";
		if (!(pflags & SSH_FXF_WRITE) || !(pflags & SSH_FXF_CREAT) ||
		    (pflags & SSH_FXF_APPEND))
			return "drop box: only new files are written";
		return 0;
	default:
		return 0;
	}
}

/* v6 LINK is a symlink or a hard link by its flag byte; one that does
 * not parse is both (the handler refuses it as malformed). */
static unsigned sftp_link6_deny_bit(const struct sftp_req *rq)
{
	struct wire_in peek = rq->in;
	const unsigned char *p;
	uint32_t len;
	uint8_t sym;

	if (wire_get_string(&peek, &p, &len) && wire_get_string(&peek, &p, &len) &&
	    wire_get_u8(&peek, &sym))
		return sym ? ACCOUNT_DENY_SYMLINK : ACCOUNT_DENY_LINK;
	return ACCOUNT_DENY_SYMLINK | ACCOUNT_DENY_LINK;
}

int sftp_policy_check(const struct sftp_server *s, const struct sftp_op *op,
		      const struct sftp_req *rq)
{
	struct wire_in peek = rq->in;
	const unsigned char *p;
	uint32_t len, pflags = 0;
	struct sftp_open_req o;
	int has_pflags = 0;
	const char *why = 0;
	unsigned bit =
	    op->cls == SFTP_CL_LINK6 ? sftp_link6_deny_bit(rq) : sftp_class_deny_bit(op->cls);

	/* an OPEN that does not decode (malformed, refused flags) opens
	 * nothing: the handler answers it with the same decoder's status */
	if (op->cls == SFTP_CL_OPEN)
		has_pflags = wire_get_string(&peek, &p, &len) &&
			     sftp_open_decode(&peek, s->version, &o) && o.status == SSH_FX_OK;
	if (has_pflags) pflags = o.pflags;
	if (s->read_only && sftp_request_writes(op, pflags, has_pflags))
		why = "read-only session";
	else if (bit && (s->deny & bit))
		why = "denied by the account's policy";
	else if (s->write_only)
		why = sftp_write_only_refuses(op->cls, pflags, has_pflags);
	if (!why) return SSH_FX_OK;
	log_warn("refused %s: %s", op->name, why);
	return SSH_FX_PERMISSION_DENIED;
}
