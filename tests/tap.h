/* tap.h: a tiny TAP producer for unit tests, run by prove. */
#ifndef SLUICE_TAP_H
#define SLUICE_TAP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tap_count;
static int tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		int ok_c_ = !!(cond);                                                              \
		tap_count++;                                                                       \
		if (!ok_c_) tap_failed++;                                                          \
		printf("%sok %d - ", ok_c_ ? "" : "not ", tap_count);                              \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!ok_c_) printf("#   failed at %s:%d\n", __FILE__, __LINE__);                   \
	} while (0)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		ok(g_ == w_, __VA_ARGS__);                                                         \
		if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_);                         \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int e_ = g_ && w_ && !strcmp(g_, w_);                                              \
		ok(e_, __VA_ARGS__);                                                               \
		if (!e_)                                                                           \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)",                    \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

/* The code under test logs to stderr: into an unlinked temporary file
 * rather than prove's output, unless SFTPD_TEST_VERBOSE is set. */
static inline void tap_logs_aside(void)
{
	char name[] = "/tmp/sluice_test_log.XXXXXX";
	int fd;
	if (getenv("SFTPD_TEST_VERBOSE")) return;
	fd = mkstemp(name);
	if (fd < 0) return;
	unlink(name);
	dup2(fd, 2);
	close(fd);
}

static inline int tap_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* Writes text to path (created or truncated) with mode; 1 on success. */
static inline int tap_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f) return 0;
	fputs(text, f);
	if (fclose(f)) return 0;
	return chmod(path, mode) == 0;
}

/* Removes a temporary tree (nothing outside it: no symlinks followed). */
static inline int tap_rm_tree(const char *dir)
{
	return nftw(dir, tap_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
