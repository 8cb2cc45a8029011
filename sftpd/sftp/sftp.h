/* sftp: the SFTP server (draft-ietf-secsh-filexfer-02, version 3, plus the
 * OpenSSH extensions; versions 4 to 6 as draft-ietf-secsh-filexfer-04, -05
 * and -13 describe them, when the client asks).  Transport-agnostic: the SSH channel layer (or a
 * pipe, for `sftpd -S`) feeds it the byte stream from the client and drains
 * the bytes it answers with.  It never blocks on the client: it processes
 * requests only while its output queue is below SFTP_OUT_HIGH_WATER, so the
 * caller's flow control reaches the file reads. */
#ifndef SLUICE_SFTP_H
#define SLUICE_SFTP_H

#include <stddef.h>
#include <sys/types.h>
#include "fs/fs.h"

#define SFTP_MAX_PACKET (256u * 1024)	       /* one request or reply, length field excluded */
#define SFTP_MAX_READ (SFTP_MAX_PACKET - 1024) /* advertised in "limits" */
#define SFTP_MAX_WRITE (SFTP_MAX_PACKET - 1024)
#define SFTP_OUT_HIGH_WATER (1024u * 1024)
#define SFTP_DEFAULT_MAX_HANDLES 256
#define SFTP_HIGHEST_VERSION 6 /* offered unless sftp_options.max_version says less */

struct sftp_options {
	mode_t umask;
	int read_only;
	unsigned max_handles;
	const char *user; /* for logging and home-directory */
	const char *home; /* path inside the root reported by home-directory ext, e.g. "/" */
	/* the account's policy (account.h): a drop box (new files only, no
	 * reads, listings, removals), operations refused (enum account_deny),
	 * the mode of created files */
	int write_only;
	unsigned deny;
	int force_mode;
	mode_t mode;
	/* the highest SFTP version offered, 3 to 6 (0: 6); SFTPD_CLIENT_MATCH's
	 * sftp=N for clients that misbehave at higher ones */
	unsigned max_version;
};

struct sftp_server;

struct sftp_server *sftp_server_new(const struct fs_root *root, const struct sftp_options *opt);
void sftp_server_free(struct sftp_server *s);
/* While idle: the pages of its empty input and output queues go back. */
void sftp_server_release_idle(struct sftp_server *s);

/* Appends client bytes.  0 + EMSGSIZE if more than SFTP_MAX_PACKET+4 bytes
 * would be queued unprocessed (the caller should stop reading instead:
 * see sftp_server_input_room). */
int sftp_server_input(struct sftp_server *s, const unsigned char *p, size_t n);
size_t sftp_server_input_room(const struct sftp_server *s);
/* Zero-copy alternative to sftp_server_input: up to *room bytes may be
 * written at the returned pointer, then committed with
 * sftp_server_input_commit (n <= *room). */
unsigned char *sftp_server_input_space(struct sftp_server *s, size_t *room);
void sftp_server_input_commit(struct sftp_server *s, size_t n);
/* Handles every complete request while output stays below the high water
 * mark.  0 + errno on a fatal protocol error (EPROTO: malformed framing or
 * a packet over SFTP_MAX_PACKET): the caller closes the channel. */
int sftp_server_run(struct sftp_server *s);
/* Output queue: pointer and length of pending reply bytes; consume n. */
void sftp_server_output(const struct sftp_server *s, const unsigned char **p, size_t *n);
void sftp_server_consume(struct sftp_server *s, size_t n);
/* 1 while requests are waiting that sftp_server_run could not handle yet. */
int sftp_server_pending(const struct sftp_server *s);

/* Serves SFTP on fds in/out until EOF (a blocking loop, for `sftpd -S`,
 * usable as OpenSSH's Subsystem or `sftp -D`).  Returns exit code. */
int sftp_serve_stdio(const struct fs_root *root, const struct sftp_options *opt, int in, int out);

#endif
