/* sftp_stdio: serves SFTP over a pair of blocking descriptors (sftpd -S,
 * OpenSSH's Subsystem, `sftp -D`): read what is there, answer, write all,
 * repeat until the client closes its side. */
#include <errno.h>
#include <unistd.h>

#include "base/base.h"
#include "log/log.h"
#include "sftp.h"

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

static int sftp_stdio_loop(struct sftp_server *s, int in, int out)
{
	unsigned char *space;
	size_t room;
	ssize_t r;

	for (;;) {
		if (!sftp_server_run(s)) return EXIT_PEER;
		if (!sftp_stdio_flush(s, out)) return EXIT_PEER;
		if (sftp_server_pending(s)) continue;
		/* read straight into the server's input queue */
		space = sftp_server_input_space(s, &room);
		r = read(in, space, room);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return EXIT_PEER;
		if (r == 0)
			return sftp_server_input_room(s) == SFTP_MAX_PACKET + 4 ? EXIT_OK
										: EXIT_PEER;
		sftp_server_input_commit(s, (size_t)r);
	}
}

int sftp_serve_stdio(const struct fs_root *root, const struct sftp_options *opt, int in, int out)
{
	struct sftp_server *s = sftp_server_new(root, opt);
	int rc;

	if (!s) {
		log_error("sftp: out of memory");
		return EXIT_SYSTEM;
	}
	rc = sftp_stdio_loop(s, in, out);
	sftp_server_free(s);
	return rc;
}
