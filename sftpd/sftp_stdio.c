/* sftp_stdio: serves SFTP over a pair of blocking descriptors (sftpd -S,
 * OpenSSH's Subsystem, `sftp -D`): read what is there, answer, write all,
 * repeat until the client closes its side. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/base.h"
#include "log/log.h"
#include "sftp.h"

#define SFTP_STDIO_READ (SFTP_MAX_PACKET + 4)

static int sftp_stdio_flush(struct sftp_server *s, int out)
{
	const unsigned char *p;
	size_t n;
	ssize_t w;

	for (;;) {
		sftp_server_output(s, &p, &n);
		if (n == 0) return 1;
		w = write(out, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return 0;
		sftp_server_consume(s, (size_t)w);
	}
}

static int sftp_stdio_loop(struct sftp_server *s, unsigned char *buf, int in, int out)
{
	size_t room;
	ssize_t r;

	for (;;) {
		if (!sftp_server_run(s)) return EXIT_PEER;
		if (!sftp_stdio_flush(s, out)) return EXIT_PEER;
		if (sftp_server_pending(s)) continue;
		room = sftp_server_input_room(s);
		if (room > SFTP_STDIO_READ) room = SFTP_STDIO_READ;
		r = read(in, buf, room);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return EXIT_PEER;
		if (r == 0)
			return sftp_server_input_room(s) == SFTP_MAX_PACKET + 4 ? EXIT_OK
										: EXIT_PEER;
		if (!sftp_server_input(s, buf, (size_t)r)) return EXIT_PEER;
	}
}

int sftp_serve_stdio(const struct fs_root *root, const struct sftp_options *opt, int in, int out)
{
	struct sftp_server *s = sftp_server_new(root, opt);
	unsigned char *buf = malloc(SFTP_STDIO_READ);
	int rc;

	if (!s || !buf) {
		log_error("sftp: out of memory");
		sftp_server_free(s);
		free(buf);
		return EXIT_SYSTEM;
	}
	rc = sftp_stdio_loop(s, buf, in, out);
	sftp_server_free(s);
	free(buf);
	return rc;
}
