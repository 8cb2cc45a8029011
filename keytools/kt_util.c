/* kt_util: what the keytool subcommands share: reading files into wiped
 * memory, atomic writes that never replace a file by accident, reading a
 * password without echo, error reasons. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include <skalibs/uint32.h>
#include <skalibs/allreadwrite.h>
#include "base/base.h"
#include "keytools.h"

const char *keytool_reason(int err)
{
	switch (err) {
	case EPROTO:
		return "malformed key or file";
	case ENOTSUP:
		return "unsupported key type, or the key is encrypted";
	case EMSGSIZE:
		return "too large";
	default:
		return strerror(err);
	}
}

int keytool_scan_u32(const char *s, unsigned *u)
{
	uint32_t v;
	size_t n = uint320_scan(s, &v);
	if (!n || s[n]) return 0;
	*u = v;
	return 1;
}

int keytool_read_file(const char *path, size_t cap, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return 0;
	char *buf = sodium_malloc(cap + 1);
	size_t n = 0;
	if (!buf) {
		close(fd);
		return errno = ENOMEM, 0;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, cap + 1 - n);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0 || (n += (size_t)(r > 0 ? r : 0)) > cap) {
			int e = r < 0 ? errno : EMSGSIZE;
			close(fd);
			sodium_free(buf);
			return errno = e, 0;
		}
		if (!r) break;
	}
	close(fd);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 1;
}

void keytool_free_text(char *text)
{
	if (text) sodium_free(text);
}

int keytool_write_file(const char *path, const char *s, size_t n, unsigned mode, int force)
{
	char tmp[SLUICE_MAX_PATH];
	size_t plen = strlen(path);
	if (plen + 8 >= sizeof tmp) return errno = ENAMETOOLONG, 0;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	int fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0) return 0;
	int ok = fchmod(fd, mode) == 0 && allwrite(fd, s, n) == n && fsync(fd) == 0;
	if (close(fd) < 0) ok = 0;
	/* link() refuses an existing target: no window where it is replaced. */
	if (ok) ok = force ? rename(tmp, path) == 0 : link(tmp, path) == 0;
	int e = errno;
	unlink(tmp);
	errno = e;
	return ok;
}

/* One line (without '\n') from fd into pw; 0 + EMSGSIZE if too long. */
static int keytool_read_line(int fd, char *pw, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return 0;
		if (!r) {
			if (!n) return errno = ENODATA, 0;
			break;
		}
		if (c == '\n') break;
		if (n + 1 >= cap) return errno = EMSGSIZE, 0;
		pw[n++] = c;
	}
	pw[n] = 0;
	*len = n;
	return 1;
}

/* Prompts on the terminal with echo off; signals wait until it is back on. */
static int keytool_ask(int tty, const char *prompt, char *pw, size_t cap, size_t *len)
{
	struct termios old, quiet;
	sigset_t block, saved;
	if (tcgetattr(tty, &old) < 0) return 0;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ECHONL;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &saved);
	int ok = allwrite(tty, prompt, strlen(prompt)) == strlen(prompt) &&
		 tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	if (ok) ok = keytool_read_line(tty, pw, cap, len);
	int e = errno;
	tcsetattr(tty, TCSAFLUSH, &old);
	sigprocmask(SIG_SETMASK, &saved, 0);
	errno = e;
	return ok;
}

static int keytool_ask_twice(char *pw, size_t cap, size_t *len)
{
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) return 0;
	char *again = sodium_malloc(cap);
	size_t alen = 0;
	int ok = again && keytool_ask(tty, "Password: ", pw, cap, len) &&
		 keytool_ask(tty, "Password again: ", again, cap, &alen);
	int e = again ? errno : ENOMEM;
	if (ok && (alen != *len || sodium_memcmp(pw, again, alen))) ok = 0, e = EINVAL;
	if (again) sodium_free(again);
	close(tty);
	if (!ok && e == EINVAL) fputs("sluice-keytool: passwords differ\n", stderr);
	errno = e;
	return ok;
}

int keytool_read_password(int from_stdin, char **pw, size_t *len)
{
	size_t cap = SLUICE_MAX_PASSWORD + 1;
	char *p = sodium_malloc(cap);
	if (!p) return errno = ENOMEM, 0;
	int ok = from_stdin ? keytool_read_line(0, p, cap, len) : keytool_ask_twice(p, cap, len);
	if (ok && !*len) ok = 0, errno = EINVAL;
	if (!ok) {
		int e = errno;
		sodium_free(p);
		errno = e;
		return 0;
	}
	*pw = p;
	return 1;
}

void keytool_free_password(char *pw)
{
	if (pw) sodium_free(pw);
}
