/* sandbox_policy: the system calls of sftpd's three sandboxed roles, for
 * the build-time generator (lib/sandbox/gen/gen_filters.c), which compiles them
 * into sftpd/filters.h; sftpd itself loads those filters. */
#ifndef SFTPD_SANDBOX_POLICY_H
#define SFTPD_SANDBOX_POLICY_H

#include "sandbox/sandbox.h"

extern const struct sandbox_policy sftpd_policy_network, sftpd_policy_signer, sftpd_policy_session;

#endif
