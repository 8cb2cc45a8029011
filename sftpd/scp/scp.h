/* scp: the legacy SCP protocol (the rcp protocol over an SSH exec
 * request, as `scp -O`, OpenSSH before 9.0 and PuTTY's pscp -scp speak
 * it).  sftpd parses the exec command itself (scp_cmd.c: a shell's
 * quoting for the words it accepts, nothing it does not) and runs the sink
 * (`scp -t`, uploads) or the source (`scp -f`, downloads) inside the
 * session process, on the same confined filesystem as SFTP.
 *
 * Like the SFTP server it never blocks on the client: the channel layer
 * offers it the client's bytes (scp_input takes what it can) and asks it
 * for bytes to send (scp_output writes file data straight into the
 * outgoing packet), so the channel windows reach the file reads and
 * writes and nothing is buffered beyond a few control lines. */
#ifndef SLUICE_SCP_H
#define SLUICE_SCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fs/fs.h"

#define SCP_MAX_COMMAND 8192 /* exec command string */
#define SCP_MAX_WORDS 64     /* words in it, "scp" and options included */
#define SCP_CMD_ERROR_MAX 160

enum scp_cmd_flags {
	SCP_RECURSIVE = 1,  /* -r */
	SCP_PRESERVE = 2,   /* -p: times and modes */
	SCP_TARGET_DIR = 4, /* -d: the target must be a directory */
	SCP_VERBOSE = 8,    /* -v: accepted, changes nothing */
};

/* A parsed exec command.  Each path has a literal form (what the shell
 * would pass: quotes removed, ~ replaced) and, when it holds an unquoted
 * wildcard, a pattern form for fnmatch(3) in which every quoted special
 * character is escaped with a backslash.  Both are offsets into store, so
 * the structure may be copied. */
struct scp_cmd {
	int sink; /* 1: -t (the client uploads), 0: -f (the client downloads) */
	unsigned flags;
	unsigned npaths;
	unsigned path[SCP_MAX_WORDS];
	int pattern[SCP_MAX_WORDS];    /* -1: no wildcard */
	char error[SCP_CMD_ERROR_MAX]; /* why parsing failed */
	char store[3 * SCP_MAX_COMMAND + 2 * SCP_MAX_WORDS + 2];
};

/* 1 when the command's first word is scp: the exec request is an scp
 * request, to be parsed (and refused with a clear error when malformed);
 * 0 for any other command. */
int scp_cmd_is_scp(const char *cmd, size_t len);
/* 1 and *out filled, or 0 with out->error saying why. */
int scp_cmd_parse(const char *cmd, size_t len, struct scp_cmd *out);
/* Any command's words in the same subset of the shell, all of them (the
 * program's name too) as "paths": 1, or 0 with out->error saying why. */
int scp_cmd_split(const char *cmd, size_t len, struct scp_cmd *out);
/* Path i in its literal form, and its pattern form (NULL: no wildcard). */
const char *scp_cmd_path(const struct scp_cmd *c, unsigned i);
const char *scp_cmd_pattern(const struct scp_cmd *c, unsigned i);

struct scp;

/* What the session sets for every transfer. */
struct scp_options {
	mode_t umask;
	int read_only;
	const char *user; /* for the transfer records */
	/* the account's policy, as for SFTP (sftp.h) */
	int write_only;
	unsigned deny; /* enum account_deny */
	int force_mode;
	mode_t mode;
};

/* A transfer for a parsed command.  NULL + ENOMEM. */
struct scp *scp_new(const struct fs_root *root, const struct scp_options *opt,
		    const struct scp_cmd *cmd);
/* A transfer that only tells the client why its command was refused (a
 * fatal protocol line) and ends with status 1. */
struct scp *scp_new_refused(const char *why);
void scp_free(struct scp *s);

/* Takes up to n bytes from the client; returns how many it took (fewer
 * when it must send something first). */
size_t scp_input(struct scp *s, const unsigned char *p, size_t n);
/* Does the work that needs no input (the next file of a download).
 * 0 + errno only on a system failure (ENOMEM). */
int scp_run(struct scp *s);
/* How many bytes it could send now (the next scp_output call writes up
 * to that many). */
size_t scp_output_pending(const struct scp *s);
/* Writes up to cap bytes to send at dst; returns how many. */
size_t scp_output(struct scp *s, unsigned char *dst, size_t cap);
/* 1 when the transfer is over and everything has been sent; *status is
 * the exit status for the client.  eof: the client has sent EOF and
 * scp_input has taken all its bytes. */
int scp_finished(struct scp *s, int eof, uint32_t *status);

#endif
