/* xferlog: one record per file transfer, in two forms: the stable
 * key=value line every sluice server writes to its log (log_transfer),
 * and, with FTPSD_XFERLOG, a line in the xferlog(5) format of wu-ftpd and
 * ProFTPD for the tools that read it:
 *   current-time transfer-time remote-host file-size filename transfer-type
 *   special-action-flag direction access-mode username service-name
 *   authentication-method authenticated-user-id completion-status
 * The file is opened by the monitor before the session is confined, and
 * only the session process has it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "ftpsd.h"

void ftp_xferlog_open(struct ftp_session *s)
{
	const char *path = s->cf[FC_XFERLOG].str;
	time_t now = time(0);
	struct tm tm;

	if (!path[0]) return;
	/* the time zone is read now: after the chroot it could not be */
	tzset();
	localtime_r(&now, &tm);
	s->xferlog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (s->xferlog_fd < 0)
		log_error("FTPSD_XFERLOG=%s: %s (transfers are still in this log)", path,
			  strerror(errno));
}

/* The name as xferlog readers split it: one field, so white space and
 * control characters become '_' (as ProFTPD writes them). */
static void field_name(const char *path, char *out, size_t cap)
{
	size_t i;
	for (i = 0; path[i] && i + 1 < cap; i++)
		out[i] = (unsigned char)path[i] <= ' ' || path[i] == 0x7f ? '_' : path[i];
	out[i] = 0;
}

static void xferlog_line(const struct ftp_session *s, const char *path, int upload, int ok,
			 unsigned long long bytes, double seconds)
{
	char when[64], name[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + 512];
	time_t now = time(0);
	struct tm tm;
	int n;

	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
	field_name(path, name, sizeof name);
	n = snprintf(line, sizeof line, "%s %lld %s %llu %s %c _ %c %c %s ftp 0 * %c\n", when,
		     (long long)(seconds + 0.999), s->peer.ip, bytes, name,
		     s->type == 'A' ? 'a' : 'b', upload ? 'i' : 'o', s->anonymous ? 'a' : 'r',
		     s->user, ok ? 'c' : 'i');
	if (n < 0 || (size_t)n >= sizeof line) return;
	if (write(s->xferlog_fd, line, (size_t)n) != n)
		log_error("FTPSD_XFERLOG: %s", strerror(errno));
}

void ftp_transfer_record(const struct ftp_session *s, const char *path, int upload, int ok,
			 unsigned long long bytes, double seconds)
{
	struct log_transfer t = {"ftp", s->user, path, upload, ok, bytes, seconds};

	log_transfer(&t);
	if (s->xferlog_fd >= 0) xferlog_line(s, path, upload, ok, bytes, seconds);
}
