/* sftp_stdio_driver: serves SFTP on stdin/stdout over a root directory,
 * for tests with OpenSSH's `sftp -D "sftp_stdio_driver ROOT [-r] [-c]"`.
 * Not installed; -r makes the session read-only, -c chroot()s (root only). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "fs/fs.h"
#include "log/log.h"
#include "../../sftpd/sftp/sftp.h"

int main(int argc, char **argv)
{
	struct fs_root root = FS_ROOT_ZERO;
	struct sftp_options opt = {
	    .umask = 022, .max_handles = SFTP_DEFAULT_MAX_HANDLES, .user = "", .home = "/"};
	int rc, i, do_chroot = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: sftp_stdio_driver root [-r] [-c]\n");
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-r")) opt.read_only = 1;
		if (!strcmp(argv[i], "-c")) do_chroot = 1;
	}
	signal(SIGPIPE, SIG_IGN);
	log_init("sftp_stdio_driver", "stdio");
	umask(0);
	if (!fs_root_open(&root, argv[1], do_chroot)) {
		log_error("unable to open root %s", argv[1]);
		return EXIT_SYSTEM;
	}
	rc = sftp_serve_stdio(&root, &opt, 0, 1);
	fs_root_close(&root);
	return rc;
}
