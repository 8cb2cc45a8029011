/* sftp_open: decodes an OPEN request of any version into v3-style pflags.
 * The dispatcher's policy check and the open handler both call
 * sftp_open_decode on the same bytes, so a v5/v6 access mask or flags word
 * cannot ask the kernel for more than the policy was shown. */
#include "sftp_internal.h"

/* Access bits that change a file other than through its data. */
#define SFTP_ACE_META_WRITE                                                                        \
	(ACE4_WRITE_NAMED_ATTRS | ACE4_DELETE_CHILD | ACE4_WRITE_ATTRIBUTES | ACE4_DELETE |        \
	 ACE4_WRITE_ACL | ACE4_WRITE_OWNER)
#define SFTP_V3_PFLAGS                                                                             \
	(SSH_FXF_READ | SSH_FXF_WRITE | SSH_FXF_APPEND | SSH_FXF_CREAT | SSH_FXF_TRUNC |           \
	 SSH_FXF_EXCL)
/* Flags that are served (TEXT_MODE: our newline is "\n", nothing to
 * translate; AUDIT_ALARM_INFO: there is no audit alarm to raise). */
#define SFTP_OPEN5_SERVED                                                                          \
	(SSH_FXF_ACCESS_DISPOSITION | SSH_FXF_APPEND_DATA | SSH_FXF_APPEND_DATA_ATOMIC |           \
	 SSH_FXF_TEXT_MODE)
#define SFTP_OPEN6_SERVED (SFTP_OPEN5_SERVED | SSH_FXF_NOFOLLOW | SSH_FXF_ACCESS_AUDIT_ALARM_INFO)
#define SFTP_OPEN_BLOCK                                                                            \
	(SSH_FXF_BLOCK_READ | SSH_FXF_BLOCK_WRITE | SSH_FXF_BLOCK_DELETE | SSH_FXF_BLOCK_ADVISORY)

static int sftp_open_refuse(struct sftp_open_req *o, int status, const char *why)
{
	o->status = status;
	o->why = why;
	return 1;
}

static uint32_t sftp_open_disposition(uint32_t flags)
{
	switch (flags & SSH_FXF_ACCESS_DISPOSITION) {
	case SSH_FXF_CREATE_NEW:
		return SSH_FXF_CREAT | SSH_FXF_EXCL;
	case SSH_FXF_CREATE_TRUNCATE:
		return SSH_FXF_CREAT | SSH_FXF_TRUNC;
	case SSH_FXF_OPEN_EXISTING:
		return 0;
	case SSH_FXF_OPEN_OR_CREATE:
		return SSH_FXF_CREAT;
	default: /* SSH_FXF_TRUNCATE_EXISTING */
		return SSH_FXF_TRUNC;
	}
}

/* Every bit that asks for a change becomes WRITE (or the internal
 * META_WRITE): a creating or truncating disposition, write or append
 * access, the append flags.  Append access without write access is
 * append-only (O_APPEND); the append flags ask for it too.  No data
 * access at all (only READ_ATTRIBUTES, say) opens read-only, as v3
 * pflags 0 does, and the policy sees it as the read it is. */
static int sftp_open_decode5(uint32_t access, uint32_t flags, unsigned version,
			     struct sftp_open_req *o)
{
	uint32_t served = version >= 6 ? SFTP_OPEN6_SERVED : SFTP_OPEN5_SERVED;
	uint32_t pf;

	if ((flags & SSH_FXF_ACCESS_DISPOSITION) > SSH_FXF_TRUNCATE_EXISTING)
		return sftp_open_refuse(o, SSH_FX_INVALID_PARAMETER, "unknown open disposition");
	if (flags & SFTP_OPEN_BLOCK)
		return sftp_open_refuse(o, SSH_FX_OP_UNSUPPORTED, "byte-range locks not supported");
	if (flags & ~served)
		return sftp_open_refuse(o, SSH_FX_OP_UNSUPPORTED, "open flags not supported");
	pf = sftp_open_disposition(flags);
	if (access & ACE4_READ_DATA) pf |= SSH_FXF_READ;
	if (access & ACE4_WRITE_DATA) pf |= SSH_FXF_WRITE;
	if ((access & ACE4_APPEND_DATA) && !(access & ACE4_WRITE_DATA))
		pf |= SSH_FXF_WRITE | SSH_FXF_APPEND;
	if (flags & (SSH_FXF_APPEND_DATA | SSH_FXF_APPEND_DATA_ATOMIC))
		pf |= SSH_FXF_WRITE | SSH_FXF_APPEND;
	if (access & SFTP_ACE_META_WRITE) pf |= SFTP_PF_META_WRITE;
	if (flags & SSH_FXF_NOFOLLOW) pf |= SFTP_PF_NOFOLLOW;
	o->pflags = pf;
	return 1;
}

int sftp_open_decode(struct wire_in *in, unsigned version, struct sftp_open_req *o)
{
	uint32_t pflags = 0, access = 0;

	o->pflags = 0;
	o->status = SSH_FX_OK;
	o->why = 0;
	if (version < 5) {
		if (!wire_get_u32(in, &pflags)) return 0;
		/* undefined bits are ignored (OpenSSH does), v4's TEXT too */
		o->pflags = pflags & SFTP_V3_PFLAGS;
		return 1;
	}
	if (!wire_get_u32(in, &access) || !wire_get_u32(in, &pflags)) return 0;
	return sftp_open_decode5(access, pflags, version, o);
}

uint32_t sftp_open_flags_served(unsigned version)
{
	return version >= 6 ? SFTP_OPEN6_SERVED : SFTP_OPEN5_SERVED;
}

uint32_t sftp_open_access_served(void)
{
	return ACE4_READ_DATA | ACE4_WRITE_DATA | ACE4_APPEND_DATA | ACE4_READ_ATTRIBUTES |
	       ACE4_WRITE_ATTRIBUTES;
}
