/* hashsum: `md5sum`, `sha1sum` and `sha256sum` as an exec request asks for
 * them (rclone runs them to check transfers without downloading).  sftpd
 * computes the digests itself, in the session process, over the same
 * confined file system as SFTP, and answers in coreutils' format; no
 * program is run.  The command is split as scp's is (scp_cmd_split: a
 * shell's quoting, nothing a shell would act on); options other than
 * "--" and wildcards are refused.  Without a path, or for "-", the
 * channel's input is hashed, as the tools hash their standard input.
 *
 * Like the other channel apps it never blocks on the client, and a large
 * file is read a slice at a time: hashsum_run returns HASHSUM_MORE while
 * it has work that needs no input, and the event loop comes back at once
 * after serving the connection. */
#ifndef SLUICE_HASHSUM_H
#define SLUICE_HASHSUM_H

#include <stddef.h>
#include <stdint.h>
#include "fs/fs.h"

#define HASHSUM_SLICE (1024 * 1024) /* bytes read per hashsum_run */

enum hashsum_run_result { HASHSUM_FAILED = 0, HASHSUM_IDLE = 1, HASHSUM_MORE = 2 };

struct hashsum;

/* 1 when the command's first word is md5sum, sha1sum or sha256sum. */
int hashsum_cmd_is_hashsum(const char *cmd, size_t len);
/* A run of the command; a malformed one gives an instance that logs why
 * and ends with status 1 (*why says it, for the caller's log; it points
 * into the instance and lives as long as it does).  NULL +
 * errno only when out of memory. */
struct hashsum *hashsum_new(const struct fs_root *root, const char *cmd, size_t len,
			    const char **why);
void hashsum_free(struct hashsum *h);

/* Takes up to n bytes of the client's input; returns how many. */
size_t hashsum_input(struct hashsum *h, const unsigned char *p, size_t n);
/* Works on the next slice; eof: the client's input has ended. */
enum hashsum_run_result hashsum_run(struct hashsum *h, int eof);
size_t hashsum_pending(const struct hashsum *h);
size_t hashsum_output(struct hashsum *h, unsigned char *dst, size_t cap);
/* Error lines for the client's stderr ("md5sum: NAME: No such file or
 * directory", a refusal's reason). */
size_t hashsum_err_pending(const struct hashsum *h);
size_t hashsum_err_output(struct hashsum *h, unsigned char *dst, size_t cap);
/* 1 + *status (0, or 1 when any file failed) once all is sent. */
int hashsum_finished(const struct hashsum *h, uint32_t *status);

#endif
