/* scp_internal: what the scp_*.c files share — the control-line parser,
 * the state of one transfer (sink or source), the queue of control bytes
 * to send and the helpers that report errors to the client and the log. */
#ifndef SLUICE_SCP_INTERNAL_H
#define SLUICE_SCP_INTERNAL_H

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include "base/base.h"
#include "scp.h"

/* A control line with its '\n': OpenSSH's scp reads them into a buffer of
 * this size, so nothing longer may ever be sent to it either. */
#define SCP_MAX_LINE 2048
#define SCP_MAX_MESSAGE 1024		/* text of a warning or fatal line sent */
#define SCP_OUT_CAP (4 * SCP_MAX_LINE)	/* queued control bytes */
#define SCP_OUT_ROOM (SCP_MAX_LINE + 8) /* free room before a step that may queue one line */
#define SCP_MAX_DEPTH 64		/* nested directories, either direction */
#define SCP_GLOB_MAX_NAMES 10000	/* names one wildcard may expand to */
#define SCP_GLOB_MAX_BYTES (1024u * 1024)

/* --- control lines (scp_line.c) --- */
enum scp_line_kind {
	SCP_LINE_FILE,	  /* Cmmmm size name */
	SCP_LINE_DIR,	  /* Dmmmm size name */
	SCP_LINE_END,	  /* E */
	SCP_LINE_TIMES,	  /* Tmtime usec atime usec */
	SCP_LINE_WARNING, /* \1 text */
	SCP_LINE_FATAL,	  /* \2 text */
};

struct scp_line {
	enum scp_line_kind kind;
	unsigned mode;	       /* C, D: permission bits (07777) */
	uint64_t size;	       /* C, D: at most INT64_MAX */
	const char *name;      /* C, D: one path component, inside the parsed line */
	uint64_t mtime, atime; /* T: seconds, at most INT64_MAX */
	unsigned mtime_usec, atime_usec;
	const char *text; /* \1, \2: the message, inside the parsed line */
};

/* Parses line[0..len) (the '\n' removed, line[len] == 0): 1, or 0 with
 * *why saying what is wrong. */
int scp_line_parse(const char *line, size_t len, struct scp_line *out, const char **why);

/* --- one transfer --- */
enum scp_state {
	SCP_IDLE = 0, /* not started */
	SCP_DONE,
	SCP_SINK_LINE,	 /* a control line is due */
	SCP_SINK_DATA,	 /* bytes of the file being received */
	SCP_SINK_STATUS, /* the answer that ends that file */
	SCP_SRC_NEXT,	 /* the next file or directory entry to send */
	SCP_SRC_WAIT,	 /* an answer from the client is due (see wait) */
	SCP_SRC_DATA,	 /* bytes of the file being sent */
};

/* What the source's pending answer is for. */
enum scp_wait {
	SCP_WAIT_START,
	SCP_WAIT_FILE_TIMES,
	SCP_WAIT_FILE,
	SCP_WAIT_FILE_END,
	SCP_WAIT_DIR_TIMES,
	SCP_WAIT_DIR,
	SCP_WAIT_DIR_END,
};

enum scp_answer { SCP_ANSWER_OK, SCP_ANSWER_WARNING, SCP_ANSWER_FATAL };

/* One directory level: the sink's directory being filled, or the
 * source's directory being listed. */
struct scp_dir {
	size_t len;    /* of s->path: sink, the directory above it; source, its own */
	DIR *dir;      /* source: its remaining entries */
	unsigned mode; /* sink: set when it is left, if set_mode */
	int set_mode, set_times;
	struct timespec times[2];
};

/* What a transfer is about to do, for the account's policy. */
enum scp_action {
	SCP_ACT_UPLOAD = 1, /* scp -t */
	SCP_ACT_DOWNLOAD,   /* scp -f */
	SCP_ACT_OVERWRITE,  /* write into a file that exists */
	SCP_ACT_MKDIR,
	SCP_ACT_PRESERVE, /* -p: set modes and times */
};

struct scp;
/* The account's policy for one action (scp.c): NULL when allowed, else
 * why not (logged by the caller with the client's answer). */
const char *scp_policy_refuses(const struct scp *s, enum scp_action act);

struct scp {
	const struct fs_root *root;
	mode_t umask;
	int read_only;
	int write_only;
	unsigned deny;
	int force_mode;
	mode_t forced_mode;
	char user[SLUICE_MAX_USERNAME + 1];
	enum scp_state state;
	enum scp_wait wait;
	unsigned errors;
	uint32_t status;

	unsigned char out[SCP_OUT_CAP]; /* control bytes to send */
	size_t out_start, out_end;
	char line[SCP_MAX_LINE + 1]; /* the line or answer being read */
	size_t line_len;

	/* the file being transferred */
	int fd;
	uint64_t size, left;
	int file_errno; /* first read or write error: the bytes still flow */
	uint64_t moved; /* bytes written or read for this file */
	struct timespec opened;
	int created;
	unsigned mode;
	int times_set; /* sink: a T line came for the next file or directory */
	struct timespec times[2];
	char file[SLUICE_MAX_PATH]; /* sink: the file or directory a line names */
	char name[NAME_MAX + 1];    /* source: its name in the C or D line */

	/* sink: the target directory (or file); source: the item at hand */
	char path[SLUICE_MAX_PATH];
	size_t pathlen;
	int target_is_dir; /* sink, top level */
	struct scp_dir dirs[SCP_MAX_DEPTH];
	unsigned depth;

	/* source: the command's paths and the names a wildcard gave */
	unsigned next_word;
	char *glob_store;
	size_t *glob_off;
	size_t glob_used, glob_n, glob_next;

	uint64_t files, bytes; /* for the log */
	struct scp_cmd cmd;
};

/* scp.c: queue and answers */
size_t scp_out_room(const struct scp *s);
void scp_queue(struct scp *s, const void *p, size_t n);
void scp_ack(struct scp *s);
/* Sends "\1scp: ..." (the client goes on) and logs it; counts an error. */
void scp_warn(struct scp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends "\2scp: ...", logs it and ends the transfer with status 1. */
void scp_fatal(struct scp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the transfer (status from the errors counted). */
void scp_end(struct scp *s, int failed);
/* Reads a line into s->line; returns bytes taken, *complete when the
 * '\n' came (s->line then holds the line without it, NUL-terminated). */
size_t scp_take_line(struct scp *s, const unsigned char *p, size_t n, int *complete);
/* Reads an answer (one 0 byte, or 1/2 and a line); returns bytes taken,
 * *complete and *answer when it is whole. */
size_t scp_take_answer(struct scp *s, const unsigned char *p, size_t n, int *complete,
		       enum scp_answer *answer);
/* The file's transfer record (log_transfer): path as the client named
 * it, ok 0 when it failed or was cut short. */
void scp_log_transfer(const struct scp *s, const char *path, int upload, int ok);
/* Printable copy of a path for messages and logs. */
const char *scp_printable(char *buf, size_t cap, const char *s);
/* Joins dir and name into out ("dir/name", or "name" when dir is "."). */
int scp_join(char *out, size_t cap, const char *dir, size_t dirlen, const char *name);

/* scp_sink.c */
void scp_sink_start(struct scp *s);
size_t scp_sink_input(struct scp *s, const unsigned char *p, size_t n);
void scp_sink_close(struct scp *s);

/* scp_source.c */
void scp_source_start(struct scp *s);
size_t scp_source_input(struct scp *s, const unsigned char *p, size_t n);
int scp_source_run(struct scp *s);
size_t scp_source_data(struct scp *s, unsigned char *dst, size_t cap);
void scp_source_close(struct scp *s);

/* scp_glob.c: expands a pattern whose last component holds wildcards into
 * s->glob_*, sorted; returns the number of names, 0 when none matched,
 * -1 + errno (EINVAL: a wildcard before the last component; E2BIG: too
 * many names; opendir's errno). */
long scp_glob(struct scp *s, const char *pattern);
void scp_glob_free(struct scp *s);

#endif
