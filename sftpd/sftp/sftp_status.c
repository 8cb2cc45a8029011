/* sftp_status: the one table that maps errno values to SFTP v4 status codes
 * (mapped down for v3 sessions) and the human messages sent with each. */
#include <errno.h>

#include "sftp_internal.h"

static const struct {
	int err;
	int status;
} sftp_errno_table[] = {
    {ENOENT, SSH_FX_NO_SUCH_FILE},	  {ENOTDIR, SSH_FX_NO_SUCH_PATH},
    {EEXIST, SSH_FX_FILE_ALREADY_EXISTS}, {EBADF, SSH_FX_FAILURE},
    {ELOOP, SSH_FX_NO_SUCH_FILE},	  {EXDEV, SSH_FX_NO_SUCH_FILE},
    {EACCES, SSH_FX_PERMISSION_DENIED},	  {EPERM, SSH_FX_PERMISSION_DENIED},
    {EROFS, SSH_FX_WRITE_PROTECT},	  {ENAMETOOLONG, SSH_FX_BAD_MESSAGE},
    {EINVAL, SSH_FX_BAD_MESSAGE},	  {EPROTO, SSH_FX_BAD_MESSAGE},
    {ENOSYS, SSH_FX_OP_UNSUPPORTED},	  {EOPNOTSUPP, SSH_FX_OP_UNSUPPORTED},
};

int sftp_status_from_errno(int e)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(sftp_errno_table); i++)
		if (sftp_errno_table[i].err == e) return sftp_errno_table[i].status;
	return SSH_FX_FAILURE;
}

static const char *const sftp_status_text[] = {
    "Success",		 "End of file",	    "No such file",
    "Permission denied", "Failure",	    "Bad message",
    "No connection",	 "Connection lost", "Operation unsupported",
    "Invalid handle",	 "No such path",    "File already exists",
    "Write protected",	 "No media",
};

const char *sftp_status_message(int status)
{
	if (status < 0 || (size_t)status >= ARRAY_LEN(sftp_status_text)) return "Unknown error";
	return sftp_status_text[status];
}

int sftp_status_for_version(int status, unsigned version)
{
	if (version >= 4) return status;
	switch (status) {
	case SSH_FX_NO_SUCH_PATH:
		return SSH_FX_NO_SUCH_FILE;
	case SSH_FX_WRITE_PROTECT:
		return SSH_FX_PERMISSION_DENIED;
	case SSH_FX_INVALID_HANDLE:
	case SSH_FX_FILE_ALREADY_EXISTS:
	case SSH_FX_NO_MEDIA:
		return SSH_FX_FAILURE;
	default:
		return status;
	}
}
