/* client_match: SFTPD_CLIENT_MATCH, per-client tuning (client_match.c). */
#ifndef SFTPD_CLIENT_MATCH_H
#define SFTPD_CLIENT_MATCH_H

#include <stddef.h>
#include <stdint.h>

#define CLIENT_MATCH_PATTERN_MAX 128
#define CLIENT_MATCH_DISABLE_MAX 512

/* What a matching rule changes; zeros and an empty list: the defaults. */
struct client_tuning {
	uint32_t window, packet;
	unsigned sftp_version; /* the highest SFTP version offered, 3 to 6 */
	char disable[CLIENT_MATCH_DISABLE_MAX];
};

/* The configuration check: 1, or 0 with why naming the bad part. */
int client_match_check(const char *spec, char *why, size_t whylen);
/* The first rule matching the client's version line (with or without
 * "SSH-2.0-"): 1 and *t, or 0 and *t all defaults. */
int client_match_find(const char *spec, const char *version_line, struct client_tuning *t);
/* The comma-separated list without the names in drop, into out. */
void client_match_filter(const char *list, const char *drop, char *out, size_t cap);

struct session;
/* Looks the client up (its version line is in s->kex.v_c) and keeps the
 * tuning in s->tuning, with a log line when a rule matched. */
void client_match_apply(struct session *s);
/* The channel window and largest channel packet for this client. */
uint32_t client_window(const struct session *s);
uint32_t client_packet(const struct session *s);
/* The highest SFTP version this client is offered. */
unsigned client_sftp_version(const struct session *s);

#endif
