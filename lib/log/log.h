/* log: human log lines "prog addr: level: message" on stderr, or on syslog
 * when stderr is the client socket (classic inetd).  Never to the client. */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Longest line written, including the newline; longer ones end in "...". */
#define LOG_LINE_MAX 1024
/* Longest peer text kept (as PEER_TEXT_MAX in peer.h). */
#define LOG_PEER_MAX 64

/* prog is the program name; peer the client address text ("192.0.2.7:51234"). */
void log_init(const char *prog, const char *peer);
void log_set_debug(int on);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs "fatal: ..." and exits with code. */
void log_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* A privilege-separated child that cannot reach syslog hands its lines to
 * its monitor: with a sink set, each formatted line (as this process would
 * have written it, newline included) goes to sink instead.  NULL: none. */
typedef void log_sink_fn(int prio, const char *line, size_t len);
void log_set_sink(log_sink_fn *sink);
/* Writes a line that another process formatted (what its sink got), with
 * control characters escaped again: the other process is not trusted. */
void log_write_formatted(int prio, const char *line, size_t len);

/* 1 if lines go to syslog (fd 2 closed or the same file as fd 0). */
int log_uses_syslog(void);
/* The peer text given to log_init. */
const char *log_peer_text(void);

/* --- transfer records (log_transfer.c) ---------------------------------- */

/* One line per completed or aborted file transfer, at info level, in a
 * stable form for log processors (documented in sftpd.8 and ftpsd.8):
 *   transfer proto=sftp direction=upload result=ok user=alice
 *   client=192.0.2.7:51234 bytes=300000 seconds=0.012 path="/in/a.bin"
 * path comes last; in it '"', '\', control characters and DEL are
 * written as \xHH, other bytes (UTF-8 names) as they are. */
struct log_transfer {
	const char *proto; /* "sftp", "scp", "ftp" */
	const char *user;
	const char *path; /* as the client named it */
	int upload;	  /* 1: to the server, 0: from it */
	int ok;		  /* 0: aborted (connection lost, error, client gave up) */
	unsigned long long bytes;
	double seconds;
};
void log_transfer(const struct log_transfer *t);
/* Escapes path into out (cap bytes, always terminated) as log_transfer
 * does; returns out. */
char *log_transfer_path(const char *path, char *out, size_t cap);

#endif
