/* fuzz_sftp: the input is a client byte stream for the SFTP server, over a
 * temporary root directory made once (and emptied now and then); fed in
 * as the server accepts it, with replies drained, until the end or a fatal
 * protocol error.  A last byte 0xff makes the session read-only, 0xfe a
 * drop box: then no handle may ever be open for writing, or for reading
 * (whatever the version and the OPEN's flags or access mask). */
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include "fs/fs.h"
#include "log/log.h"
#include "../../sftpd/sftp/sftp_internal.h"

#define FUZZ_SFTP_CLEAN_EVERY 4096
/* what a file may grow to: a SETSTAT size or a WRITE far out fails with
 * EFBIG, as under SFTPD_MAX_UPLOAD_BYTES, instead of filling /tmp */
#define FUZZ_SFTP_MAX_FILE (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_sftp.XXXXXX";
static struct fs_root fuzz_root = FS_ROOT_ZERO;
static unsigned long fuzz_runs;

static int fuzz_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level == 0) return 0; /* keep the root itself */
	remove(path);
	return 0;
}

static void fuzz_cleanup(void)
{
	nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(fuzz_dir);
}

static int fuzz_setup(void)
{
	struct rlimit fsize = {FUZZ_SFTP_MAX_FILE, FUZZ_SFTP_MAX_FILE};

	if (fuzz_root.fd >= 0) return 1;
	log_init("fuzz_sftp", "fuzz");
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0) return 0;
	if (!mkdtemp(fuzz_dir)) return 0;
	atexit(fuzz_cleanup);
	return fs_root_open(&fuzz_root, fuzz_dir, 0);
}

static void fuzz_drain(struct sftp_server *s)
{
	const unsigned char *p;
	size_t n;

	sftp_server_output(s, &p, &n);
	sftp_server_consume(s, n);
}

/* The policy, checked on what the kernel was asked for. */
static void fuzz_check_handles(const struct sftp_server *s)
{
	unsigned i;
	int fl;

	for (i = 0; i < s->handles.cap; i++) {
		if (s->handles.v[i].kind != SFTP_HANDLE_FILE) continue;
		fl = fcntl(s->handles.v[i].fd, F_GETFL) & O_ACCMODE;
		if (s->read_only && fl != O_RDONLY) abort();
		if (s->write_only && fl != O_WRONLY) abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sftp_options opt = {.umask = 022, .max_handles = 8, .user = "fuzz", .home = "/"};
	struct sftp_server *s;

	if (!fuzz_setup()) abort();
	if (++fuzz_runs % FUZZ_SFTP_CLEAN_EVERY == 0)
		nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
	opt.read_only = size > 0 && data[size - 1] == 0xff;
	opt.write_only = size > 0 && data[size - 1] == 0xfe;
	s = sftp_server_new(&fuzz_root, &opt);
	if (!s) return 0;
	for (;;) {
		size_t room = sftp_server_input_room(s);
		size_t k = size < room ? size : room;
		if (k && !sftp_server_input(s, data, k)) abort();
		data += k;
		size -= k;
		if (!sftp_server_run(s)) break;
		fuzz_check_handles(s);
		fuzz_drain(s);
		if (size == 0 && !sftp_server_pending(s)) break;
		if (k == 0 && !sftp_server_pending(s)) break;
	}
	sftp_server_free(s);
	return 0;
}
