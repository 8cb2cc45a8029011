/* log: human log lines "prog addr: level: message" on stderr, or on syslog
 * when stderr is the client socket (classic inetd).  Never to the client. */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>

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

/* 1 if lines go to syslog (fd 2 closed or the same file as fd 0). */
int log_uses_syslog(void);

#endif
