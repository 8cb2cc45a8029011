/* log_transfer: the key=value record of one file transfer (log.h). */
#include <stdio.h>

#include "log.h"

char *log_transfer_path(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!cap) return out;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		int plain = *p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\';
		if (o + (plain ? 1 : 4) >= cap) break;
		if (plain) {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 15];
	}
	out[o] = 0;
	return out;
}

void log_transfer(const struct log_transfer *t)
{
	char path[LOG_LINE_MAX / 2];
	const char *peer = log_peer_text();

	log_info("transfer proto=%s direction=%s result=%s user=%s client=%s bytes=%llu "
		 "seconds=%.3f path=\"%s\"",
		 t->proto, t->upload ? "upload" : "download", t->ok ? "ok" : "aborted",
		 t->user && t->user[0] ? t->user : "-", peer[0] ? peer : "local", t->bytes,
		 t->seconds, log_transfer_path(t->path, path, sizeof path));
}
