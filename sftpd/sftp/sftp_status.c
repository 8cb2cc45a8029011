/* sftp_status: the one table that maps errno values to SFTP v6 status codes,
 * mapped down for older sessions to the codes they know (v3 and v4 sessions
 * get exactly the codes they got before v5/v6 existed here), and the human
 * messages sent with each. */
#include <errno.h>

#include "sftp_internal.h"

static const struct {
	int err;
	int status;
} sftp_errno_table[] = {
    {ENOENT, SSH_FX_NO_SUCH_FILE},
    {ENOTDIR, SSH_FX_NOT_A_DIRECTORY},
    {EEXIST, SSH_FX_FILE_ALREADY_EXISTS},
    {EBADF, SSH_FX_FAILURE},
    {ELOOP, SSH_FX_LINK_LOOP},
    {EXDEV, SSH_FX_NO_SUCH_FILE},
    {EACCES, SSH_FX_PERMISSION_DENIED},
    {EPERM, SSH_FX_PERMISSION_DENIED},
    {EROFS, SSH_FX_WRITE_PROTECT},
    {ENAMETOOLONG, SSH_FX_INVALID_FILENAME},
    {EINVAL, SSH_FX_INVALID_PARAMETER},
    {EPROTO, SSH_FX_BAD_MESSAGE},
    {ENOSYS, SSH_FX_OP_UNSUPPORTED},
    {EOPNOTSUPP, SSH_FX_OP_UNSUPPORTED},
    {ENOSPC, SSH_FX_NO_SPACE_ON_FILESYSTEM},
    {EDQUOT, SSH_FX_QUOTA_EXCEEDED},
    {ENOTEMPTY, SSH_FX_DIR_NOT_EMPTY},
    {EISDIR, SSH_FX_FILE_IS_A_DIRECTORY},
};

int sftp_status_from_errno(int e)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(sftp_errno_table); i++)
		if (sftp_errno_table[i].err == e) return sftp_errno_table[i].status;
	return SSH_FX_FAILURE;
}

static const char *const sftp_status_text[] = {
    "Success",
    "End of file",
    "No such file",
    "Permission denied",
    "Failure",
    "Bad message",
    "No connection",
    "Connection lost",
    "Operation unsupported",
    "Invalid handle",
    "No such path",
    "File already exists",
    "Write protected",
    "No media",
    "No space on file system",
    "Quota exceeded",
    "Unknown principal",
    "Lock conflict",
    "Directory not empty",
    "Not a directory",
    "Invalid file name",
    "Too many symbolic links",
    "Cannot delete",
    "Invalid parameter",
    "File is a directory",
    "Byte range lock conflict",
    "Byte range lock refused",
    "Delete pending",
    "File corrupt",
    "Owner invalid",
    "Group invalid",
    "No matching byte range lock",
};

const char *sftp_status_message(int status)
{
	if (status < 0 || (size_t)status >= ARRAY_LEN(sftp_status_text)) return "Unknown error";
	return sftp_status_text[status];
}

/* A v6 code as v5 knows it; the errno behind each decides (ENOTDIR was
 * NO_SUCH_PATH, ELOOP NO_SUCH_FILE, EINVAL and ENAMETOOLONG BAD_MESSAGE). */
static int sftp_status_v6_down(int status)
{
	switch (status) {
	case SSH_FX_NOT_A_DIRECTORY:
		return SSH_FX_NO_SUCH_PATH;
	case SSH_FX_LINK_LOOP:
		return SSH_FX_NO_SUCH_FILE;
	case SSH_FX_INVALID_FILENAME:
	case SSH_FX_INVALID_PARAMETER:
		return SSH_FX_BAD_MESSAGE;
	case SSH_FX_OWNER_INVALID:
	case SSH_FX_GROUP_INVALID:
		return SSH_FX_UNKNOWN_PRINCIPAL;
	case SSH_FX_BYTE_RANGE_LOCK_CONFLICT:
		return SSH_FX_LOCK_CONFLICT;
	default:
		return status > SSH_FX_LOCK_CONFLICT ? SSH_FX_FAILURE : status;
	}
}

static int sftp_status_v4_down(int status)
{
	return status > SSH_FX_NO_MEDIA ? SSH_FX_FAILURE : status;
}

static int sftp_status_v3_down(int status)
{
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

int sftp_status_for_version(int status, unsigned version)
{
	if (version >= 6) return status;
	status = sftp_status_v6_down(status);
	if (version == 5) return status;
	status = sftp_status_v4_down(status);
	if (version == 4) return status;
	return sftp_status_v3_down(status);
}
