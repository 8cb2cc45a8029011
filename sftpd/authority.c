/* authority: the three operations that need secrets (the host key, the
 * password database, the authorized keys) behind one narrow interface.
 * Today they are plain calls; the interface is shaped so that they can move
 * into a separate privileged process later without protocol changes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log/log.h"
#include "ssh/ssh.h"

#define AUTHORIZED_KEYS_MAX_BYTES (1u << 20)

int authority_sign(struct session *s, unsigned key_index, const char *sigalg,
		   const unsigned char *data, size_t len, unsigned char *sig, size_t *siglen)
{
	if (key_index >= s->n_host_keys) return (errno = EINVAL, 0);
	return key_sign(s->host_keys[key_index], sigalg, data, len, sig, siglen);
}

int authority_check_password(struct session *s, const char *user, const char *pw, size_t pwlen)
{
	const struct account *a = s->user_known && !strcmp(user, s->user) ? &s->account : 0;
	return account_verify_password(a, pw, pwlen);
}

/* Expands ~ (the account's home) and %u (the user name) in a path pattern. */
static int expand_path(const char *pattern, const struct account *a, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		const char *add = 0;
		char one[2] = {*p, 0};
		if (p == pattern && *p == '~')
			add = a->home;
		else if (*p == '%' && p[1] == 'u')
			add = a->name, p++;
		else if (*p == '%' && p[1] == 'h')
			add = a->home, p++;
		else if (*p == '%' && p[1] == '%')
			add = "%", p++;
		else
			add = one;
		if (strlen(add) >= cap - n) return (errno = ENAMETOOLONG, 0);
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
	}
	out[n] = 0;
	return 1;
}

static unsigned warn_count;
static void warn_entry(const char *reason, unsigned lineno)
{
	if (warn_count++ < 10) log_warn("authorized keys line %u skipped: %s", lineno, reason);
}

static char *read_small_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *p = 0;
	size_t n = 0;
	if (fd < 0) return 0;
	p = malloc(max + 1);
	if (!p) goto fail;
	for (;;) {
		ssize_t r = read(fd, p + n, max + 1 - n);
		if (r < 0) goto fail;
		if (!r) break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	p[n] = 0;
	*len = n;
	return p;
fail:
	free(p);
	close(fd);
	return 0;
}

int authority_check_key(struct session *s, const char *user, const struct key_public *k)
{
	char path[SLUICE_MAX_PATH];
	char *text;
	size_t len;
	int found;

	if (!s->user_known || strcmp(user, s->user)) return 0;
	if (!expand_path(s->cf[CF_AUTHORIZED_KEYS].str, &s->account, path, sizeof path)) return 0;
	text = read_small_file(path, AUTHORIZED_KEYS_MAX_BYTES, &len);
	if (!text) {
		if (errno != ENOENT) log_warn("unable to read %s: %s", path, strerror(errno));
		return 0;
	}
	warn_count = 0;
	found = key_authorized_find(text, len, k, warn_entry);
	free(text);
	return found;
}

int authority_expand_path(const char *pattern, const struct account *a, char *out, size_t cap)
{
	return expand_path(pattern, a, out, cap);
}
