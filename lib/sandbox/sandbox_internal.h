/* sandbox_internal.h: shared by sandbox.c (the SIGSYS handler, loading a
 * compiled filter) and sandbox_build.c (building one with libseccomp);
 * not for callers of lib/sandbox. */
#ifndef SLUICE_SANDBOX_INTERNAL_H
#define SLUICE_SANDBOX_INTERNAL_H

#include <signal.h>
#include "sandbox/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

/* What sandbox_arm replaced, for sandbox_disarm. */
struct sandbox_saved {
	struct sigaction sa;
	sandbox_report_fn *report;
};

/* Everything before the filter itself: in sanitizer builds the symbolizer's
 * warm-up, then the SIGSYS handler (SIGSYS unblocked) and
 * PR_SET_NO_NEW_PRIVS.  Returns 1, or 0 with errno set and the handler
 * restored. */
int sandbox_arm(sandbox_report_fn *report, struct sandbox_saved *old);

/* Puts back the handler and report that sandbox_arm replaced (after a
 * failed load); keeps errno. */
void sandbox_disarm(const struct sandbox_saved *old);

#endif
