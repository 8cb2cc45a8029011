/* account_internal.h: the bounded line reader shared by lookups and the
 * users-file editor. */
#ifndef SLUICE_ACCOUNT_INTERNAL_H
#define SLUICE_ACCOUNT_INTERNAL_H

#include <stddef.h>
#include "account/account.h"

/* Called for each line (without its newline).  has_nl: the line ended
 * with '\n' (only the last line of a file may not).  A line longer than
 * ACCOUNT_MAX_LINE comes as line NULL, len 0 (its bytes are skipped).
 * 1 = go on, 0 = stop with errno set. */
typedef int account_line_fn(void *ctx, const char *line, size_t len, int has_nl, unsigned lineno);

/* Reads fd to the end in bounded chunks; a file over
 * ACCOUNT_FILE_MAX_BYTES is EMSGSIZE.  1 at end of file, 0 + errno
 * otherwise. */
int account_file_each(int fd, account_line_fn *fn, void *ctx);

#endif
