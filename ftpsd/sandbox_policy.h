/* sandbox_policy: the system calls of ftpsd's two sandboxed roles, for the
 * build-time generator (lib/sandbox/gen/gen_filters.c), which compiles them
 * into ftpsd/filters.h; ftpsd itself loads those filters. */
#ifndef FTPSD_SANDBOX_POLICY_H
#define FTPSD_SANDBOX_POLICY_H

#include "sandbox/sandbox.h"

extern const struct sandbox_policy ftpsd_policy_network, ftpsd_policy_session;

#endif
