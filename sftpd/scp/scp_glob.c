/* scp_glob: the one expansion sftpd does for a download, where OpenSSH's
 * server leaves it to the account's shell: unquoted *, ? and [...] in the
 * last component of a path, matched with fnmatch(3) (a leading dot only
 * by a leading dot, as sh does) against the entries of its directory,
 * opened through the confined filesystem.  The names come out sorted.
 * Wildcards in earlier components are refused, not expanded. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "scp_internal.h"

void scp_glob_free(struct scp *s)
{
	free(s->glob_store);
	free(s->glob_off);
	s->glob_store = 0;
	s->glob_off = 0;
	s->glob_used = s->glob_n = s->glob_next = 0;
}

/* The directory part: escapes removed; a wildcard there is refused. */
static int glob_dir(const char *pattern, size_t len, char *out)
{
	size_t i, n = 0;
	for (i = 0; i < len; i++) {
		if (pattern[i] == '\\' && i + 1 < len)
			i++;
		else if (strchr("*?[", pattern[i]))
			return (errno = EINVAL, 0);
		out[n++] = pattern[i];
	}
	out[n] = 0;
	return 1;
}

static int glob_add(struct scp *s, const char *dir, const char *name, size_t *cap, size_t *ncap)
{
	size_t dl = strlen(dir), nl = strlen(name), need = dl + nl + 1;

	if (s->glob_n == SCP_GLOB_MAX_NAMES || s->glob_used + need > SCP_GLOB_MAX_BYTES)
		return (errno = E2BIG, 0);
	if (s->glob_used + need > *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		char *p;
		while (c < s->glob_used + need)
			c *= 2;
		if (c > SCP_GLOB_MAX_BYTES) c = SCP_GLOB_MAX_BYTES;
		if (!(p = realloc(s->glob_store, c))) return (errno = ENOMEM, 0);
		s->glob_store = p;
		*cap = c;
	}
	if (s->glob_n == *ncap) {
		size_t c = *ncap ? *ncap * 2 : 64, *p;
		if (!(p = realloc(s->glob_off, c * sizeof *p))) return (errno = ENOMEM, 0);
		s->glob_off = p;
		*ncap = c;
	}
	s->glob_off[s->glob_n++] = s->glob_used;
	memcpy(s->glob_store + s->glob_used, dir, dl);
	memcpy(s->glob_store + s->glob_used + dl, name, nl + 1);
	s->glob_used += need;
	return 1;
}

static int glob_cmp(const void *a, const void *b, void *store)
{
	const char *base = store;
	return strcmp(base + *(const size_t *)a, base + *(const size_t *)b);
}

long scp_glob(struct scp *s, const char *pattern)
{
	const char *slash = strrchr(pattern, '/');
	const char *base = slash ? slash + 1 : pattern;
	size_t dlen = (size_t)(base - pattern), cap = 0, ncap = 0;
	char dir[SLUICE_MAX_PATH];
	struct dirent *de;
	DIR *d;

	scp_glob_free(s);
	if (dlen >= sizeof dir) return (errno = ENAMETOOLONG, -1);
	if (!glob_dir(pattern, dlen, dir)) return -1;
	d = fs_opendir(s->root, *dir ? dir : ".");
	if (!d) return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		if (fnmatch(base, de->d_name, FNM_PERIOD)) continue;
		if (!glob_add(s, dir, de->d_name, &cap, &ncap)) {
			int e = errno;
			closedir(d);
			scp_glob_free(s);
			return (errno = e, -1);
		}
	}
	closedir(d);
	if (s->glob_n)
		qsort_r(s->glob_off, s->glob_n, sizeof *s->glob_off, glob_cmp, s->glob_store);
	return (long)s->glob_n;
}
