/* sftp_status: the one table that maps errno values to SFTP v3 status codes,
 * and the human messages sent with each status. */
#include <errno.h>

#include "sftp_internal.h"

static const struct {
	int err;
	int status;
} sftp_errno_table[] = {
    {ENOENT, SSH_FX_NO_SUCH_FILE},
    {ENOTDIR, SSH_FX_NO_SUCH_FILE},
    {EBADF, SSH_FX_FAILURE},
    {ELOOP, SSH_FX_NO_SUCH_FILE},
    {EXDEV, SSH_FX_NO_SUCH_FILE},
    {EACCES, SSH_FX_PERMISSION_DENIED},
    {EPERM, SSH_FX_PERMISSION_DENIED},
    {EROFS, SSH_FX_PERMISSION_DENIED},
    {ENAMETOOLONG, SSH_FX_BAD_MESSAGE},
    {EINVAL, SSH_FX_BAD_MESSAGE},
    {EPROTO, SSH_FX_BAD_MESSAGE},
    {ENOSYS, SSH_FX_OP_UNSUPPORTED},
    {EOPNOTSUPP, SSH_FX_OP_UNSUPPORTED},
};

int sftp_status_from_errno(int e)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(sftp_errno_table); i++)
		if (sftp_errno_table[i].err == e) return sftp_errno_table[i].status;
	return SSH_FX_FAILURE;
}

static const char *const sftp_status_text[] = {
    "Success",	   "End of file",   "No such file",    "Permission denied",	"Failure",
    "Bad message", "No connection", "Connection lost", "Operation unsupported",
};

const char *sftp_status_message(int status)
{
	if (status < 0 || (size_t)status >= ARRAY_LEN(sftp_status_text)) return "Unknown error";
	return sftp_status_text[status];
}
