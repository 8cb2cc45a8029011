/* fs.c: unit tests for lib/fs: a temporary tree with a secret file next to
 * the root and symlinks that try to reach it; no operation may touch it.
 * Runs in non-chroot mode (openat2 RESOLVE_IN_ROOT), as root or not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "fs/fs.h"
#include "../tap.h"

static char base[64];
static char pbuf[256];

static const char *at(const char *rel)
{
	snprintf(pbuf, sizeof pbuf, "%s/%s", base, rel);
	return pbuf;
}

static void put(const char *rel, const char *text)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(rel);
		exit(2);
	}
	close(fd);
}

static void slink(const char *target, const char *rel)
{
	if (symlink(target, at(rel)) < 0) {
		perror(rel);
		exit(2);
	}
}

static int exists(const char *rel)
{
	struct stat st;
	return lstat(at(rel), &st) == 0;
}

static void build_tree(void)
{
	strcpy(base, "/tmp/sluice-fs-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		exit(2);
	}
	put("outside", "SECRET");
	chmod(at("outside"), 0600);
	mkdir(at("root"), 0755);
	mkdir(at("root/dir"), 0755);
	mkdir(at("root/dir/sub"), 0755);
	put("root/file.txt", "hello");
	slink("../outside", "root/esc");
	slink("../../outside", "root/dir/up");
	slink("/etc/passwd", "root/passwd");
	slink("/dir", "root/adir");
	slink("../../../../../../file.txt", "root/dir/deep");
	slink("loop2", "root/loop1");
	slink("loop1", "root/loop2");
}

/* Reads a file through the confined root; "" on failure. */
static const char *fs_slurp(const struct fs_root *r, const char *path)
{
	static char buf[64];
	ssize_t n;
	int fd = fs_open(r, path, O_RDONLY, 0);
	buf[0] = 0;
	if (fd < 0) return "";
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static void outside_intact(const char *when)
{
	struct stat st;
	char buf[16] = {0};
	int fd = open(at("outside"), O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0) close(fd);
	ok(n == 6 && !strcmp(buf, "SECRET") && !stat(at("outside"), &st) &&
	       (st.st_mode & 07777) == 0600,
	   "outside file untouched %s", when);
	ok(!exists("x") && !exists("x2") && !exists("made"), "nothing created next to the root %s",
	   when);
}

static void test_escape_open(const struct fs_root *r)
{
	struct stat st;
	int fd;

	errno = 0;
	ok(fs_open(r, "../outside", O_RDONLY, 0) < 0 && errno == ENOENT, "open ../outside: ENOENT");
	ok(fs_open(r, "/../../outside", O_RDONLY, 0) < 0 && errno == ENOENT,
	   "open /../../outside: ENOENT");
	ok(fs_open(r, "esc", O_RDONLY, 0) < 0 && errno == ENOENT,
	   "open relative escaping symlink: ENOENT");
	ok(fs_open(r, "dir/up", O_RDONLY, 0) < 0 && errno == ENOENT,
	   "open dir/up -> ../../outside: ENOENT");
	ok(fs_open(r, "passwd", O_RDONLY, 0) < 0 && errno == ENOENT,
	   "absolute symlink /etc/passwd stays inside");
	ok(!fs_stat(r, "esc", &st) && errno == ENOENT, "stat follows symlink only inside");
	ok(!fs_stat(r, "../outside", &st) && errno == ENOENT, "stat ../outside: ENOENT");
	ok(fs_lstat(r, "esc", &st) && S_ISLNK(st.st_mode), "lstat esc: the symlink itself");
	is_str(fs_slurp(r, "dir/deep"), "hello", "many .. in a symlink stop at the root");
	is_str(fs_slurp(r, "/../file.txt"), "hello", "/../file.txt is the root's file.txt");
	mkdir(at("root/etc"), 0755);
	put("root/etc/passwd", "fake");
	is_str(fs_slurp(r, "passwd"), "fake", "absolute symlink target is resolved under the root");
	ok(fs_open(r, "loop1", O_RDONLY, 0) < 0 && errno == ELOOP, "open symlink loop: ELOOP");
	fd = fs_open(r, "esc", O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0, "O_CREAT through dangling escaping symlink creates inside the root");
	if (fd >= 0) close(fd);
	ok(exists("root/outside"), "... as root/outside");
	fs_unlink(r, "/outside");
	outside_intact("after opens");
}

static void test_escape_ops(const struct fs_root *r)
{
	struct stat st;
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};

	ok(fs_mkdir(r, "../x", 0755), "mkdir ../x succeeds ...");
	ok(exists("root/x") && !exists("x"), "... inside the root");
	ok(fs_rename(r, "file.txt", "../x2", 0), "rename to ../x2 succeeds ...");
	ok(exists("root/x2") && !exists("x2"), "... inside the root");
	ok(fs_rename(r, "/x2", "/file.txt", 0), "rename back");
	ok(fs_symlink(r, "../../outside", "s2"), "symlink to ../../outside created");
	ok(fs_open(r, "s2", O_RDONLY, 0) < 0 && errno == ENOENT, "open of that symlink: ENOENT");
	ok(!fs_mkdir(r, "esc/made", 0755) && errno == ENOENT,
	   "mkdir under escaping symlink: ENOENT");
	ok(!fs_chmod(r, "esc", 0777, 1) && errno == ENOENT,
	   "chmod through escaping symlink: ENOENT");
	ok(!fs_chown(r, "esc", getuid(), getgid(), 1) && errno == ENOENT,
	   "chown through escaping symlink: ENOENT");
	ok(!fs_utimens(r, "esc", ts, 1) && errno == ENOENT,
	   "utimens through escaping symlink: ENOENT");
	ok(!fs_truncate(r, "esc", 0) && errno == ENOENT,
	   "truncate through escaping symlink: ENOENT");
	ok(!fs_truncate(r, "../outside", 0) && errno == ENOENT, "truncate ../outside: ENOENT");
	ok(!fs_unlink(r, "../outside") && errno == ENOENT, "unlink ../outside: ENOENT");
	ok(!fs_rename(r, "../outside", "stolen", 0) && errno == ENOENT,
	   "rename ../outside: ENOENT");
	ok(!fs_link(r, "../outside", "hl") && errno == ENOENT, "link ../outside: ENOENT");
	ok(fs_link(r, "esc", "hl"), "hard link of escaping symlink links the symlink");
	ok(fs_lstat(r, "hl", &st) && S_ISLNK(st.st_mode), "... which stays a symlink");
	ok(fs_open(r, "hl", O_RDONLY, 0) < 0 && errno == ENOENT, "... and resolves inside");
	ok(!fs_rmdir(r, "dir/..") && errno == ENOTEMPTY, "rmdir dir/..: ENOTEMPTY");
	ok(!fs_rmdir(r, "..") && errno == ENOTEMPTY, "rmdir ..: ENOTEMPTY");
	ok(!fs_rmdir(r, ".") && errno == EINVAL, "rmdir .: EINVAL");
	ok(!fs_rmdir(r, "/") && errno == EBUSY, "rmdir /: EBUSY");
	ok(!fs_unlink(r, "dir/.") && errno == EISDIR, "unlink dir/.: EISDIR");
	ok(!fs_rename(r, "dir/..", "zz", 0) && errno == EBUSY, "rename dir/..: EBUSY");
	ok(!fs_rename(r, "file.txt", "..", 0) && errno == EBUSY, "rename onto ..: EBUSY");
	ok(!fs_mkdir(r, "/", 0755) && errno == EEXIST, "mkdir /: EEXIST");
	ok(!fs_mkdir(r, "dir/.", 0755) && errno == EEXIST, "mkdir dir/.: EEXIST");
	ok(!fs_rmdir(r, "missing/..") && errno == ENOENT, "rmdir missing/..: ENOENT");
	ok(!fs_mkdir(r, "missing/.", 0755) && errno == ENOENT, "mkdir missing/.: ENOENT");
	ok(!fs_unlink(r, "file.txt/.") && errno == ENOTDIR, "unlink file.txt/.: ENOTDIR");
	ok(fs_unlink(r, "s2") && fs_unlink(r, "hl"), "cleanup symlinks");
	outside_intact("after path operations");
}

static void test_realpath(struct fs_root *r)
{
	char out[SLUICE_MAX_PATH];

#define RP(in, want, what)                                                                         \
	do {                                                                                       \
		int n_ = fs_realpath(r, in, out, sizeof out);                                      \
		is_str(n_ >= 0 ? out : "(error)", want, "realpath %s: %s", in, what);              \
	} while (0)
	RP("../../..", "/", "stays at the root");
	RP("", "/", "empty is cwd");
	RP("/", "/", "the root");
	RP("dir//sub/./../..//file.txt", "/file.txt", "dots and double slashes");
	RP("dir/deep", "/file.txt", "symlink with many ..");
	RP("esc", "/outside", "escaping symlink resolves inside (missing last)");
	RP("adir/sub/", "/dir/sub", "absolute symlink to a directory");
	RP("dir/newname", "/dir/newname", "missing last component");
	RP("passwd", "/etc/passwd", "absolute target relative to the root");
	errno = 0;
	ok(fs_realpath(r, "nodir/newname", out, sizeof out) < 0 && errno == ENOENT,
	   "missing parent: ENOENT");
	ok(fs_realpath(r, "loop1", out, sizeof out) < 0 && errno == ELOOP, "symlink loop: ELOOP");
	ok(fs_realpath(r, "loop1/x", out, sizeof out) < 0 && errno == ELOOP,
	   "loop in the middle: ELOOP");
	ok(fs_realpath(r, "file.txt/x", out, sizeof out) < 0 && errno == ENOTDIR,
	   "file as directory: ENOTDIR");
	ok(fs_realpath(r, "dir", out, 3) < 0 && errno == ENAMETOOLONG,
	   "small buffer: ENAMETOOLONG");
	ok(fs_root_set_cwd(r, "adir/sub"), "set cwd through a symlink");
	is_str(r->cwd, "/dir/sub", "cwd is canonical");
	RP("..", "/dir", "relative to the cwd");
	RP("../../../../x", "/x", "relative .. stops at the root");
	is_str(fs_slurp(r, "../../file.txt"), "hello", "open relative to cwd");
	ok(!fs_root_set_cwd(r, "/file.txt") && errno == ENOTDIR, "cwd on a file: ENOTDIR");
	ok(!fs_root_set_cwd(r, "/missing") && errno == ENOENT, "cwd on a missing dir: ENOENT");
	ok(fs_root_set_cwd(r, "/"), "cwd back to /");
#undef RP
}

static void test_normal(const struct fs_root *r)
{
	struct stat st;
	struct statvfs sv;
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};
	char buf[64];
	DIR *d;
	int fd, names = 0;

	ok(fs_mkdir(r, "new/", 0750) && fs_stat(r, "new", &st) && S_ISDIR(st.st_mode),
	   "mkdir with trailing slash");
	ok(!fs_mkdir(r, "new", 0750) && errno == EEXIST, "mkdir existing: EEXIST");
	fd = fs_open(r, "/new/f", O_WRONLY | O_CREAT | O_EXCL, 0640);
	ok(fd >= 0 && write(fd, "0123456789", 10) == 10, "create and write a file");
	if (fd >= 0) close(fd);
	ok(fs_stat(r, "new/f", &st) && st.st_size == 10, "stat sees size 10");
	ok(fs_truncate(r, "new/f", 4) && fs_stat(r, "new/f", &st) && st.st_size == 4,
	   "truncate to 4");
	ok(fs_chmod(r, "new/f", 0604, 1) && fs_stat(r, "new/f", &st) &&
	       (st.st_mode & 07777) == 0604,
	   "chmod");
	ok(fs_symlink(r, "f", "new/l"), "symlink new/l -> f");
	ok(fs_chmod(r, "new/l", 0600, 1) && fs_stat(r, "new/f", &st) &&
	       (st.st_mode & 07777) == 0600,
	   "chmod follow");
	ok(!fs_chmod(r, "new/l", 0600, 0) && errno == EOPNOTSUPP,
	   "chmod nofollow on symlink: EOPNOTSUPP");
	ok(fs_chown(r, "new/f", getuid(), getgid(), 1), "chown to self");
	ok(fs_chown(r, "new/l", getuid(), getgid(), 0), "lchown to self");
	ok(fs_utimens(r, "new/l", ts, 1) && fs_stat(r, "new/f", &st) && st.st_mtime == 2000 &&
	       st.st_atime == 1000,
	   "utimens follow");
	ok(fs_utimens(r, "new/l", ts, 0) && fs_lstat(r, "new/l", &st) && st.st_mtime == 2000 &&
	       S_ISLNK(st.st_mode),
	   "utimens nofollow sets the symlink's times");
	ok(fs_readlink(r, "new/l", buf, sizeof buf) == 1 && !strcmp(buf, "f"), "readlink");
	ok(fs_readlink(r, "esc", buf, sizeof buf) == 10 && !strcmp(buf, "../outside"),
	   "readlink returns target verbatim");
	ok(fs_readlink(r, "esc", buf, 5) < 0 && errno == ENAMETOOLONG,
	   "readlink small buffer: ENAMETOOLONG");
	ok(fs_readlink(r, "new/f", buf, sizeof buf) < 0 && errno == EINVAL,
	   "readlink of a file: EINVAL");
	ok(fs_link(r, "new/f", "new/h") && fs_stat(r, "new/h", &st) && st.st_nlink == 2,
	   "hard link");
	ok(fs_unlink(r, "new/h") && fs_stat(r, "new/f", &st) && st.st_nlink == 1,
	   "unlink the hard link");
	ok(!fs_link(r, "new", "new2") && errno == EPERM, "hard link of a directory: EPERM");
	ok(!fs_rename(r, "new/f", "new/l", RENAME_NOREPLACE) && errno == EEXIST,
	   "rename NOREPLACE onto existing: EEXIST");
	ok(fs_rename(r, "new/f", "new/g", RENAME_NOREPLACE), "rename NOREPLACE to a new name");
	ok(fs_rename(r, "new/g", "new/h", 0) && fs_rename(r, "new/h", "new/l", 0),
	   "plain rename, and one that overwrites");
	ok(fs_lstat(r, "new/l", &st) && S_ISREG(st.st_mode) && st.st_size == 4,
	   "new/l is now the file");
	ok(!fs_rename(r, "new/l", "new/i", 7) && errno == EINVAL, "rename bad flags: EINVAL");
	ok(!fs_unlink(r, "new/l/") && errno == ENOTDIR, "unlink file/: ENOTDIR");
	ok(!fs_rmdir(r, "new/l/") && errno == ENOTDIR, "rmdir file/: ENOTDIR");
	ok(!fs_rename(r, "new/l/", "new/i", 0) && errno == ENOTDIR, "rename file/: ENOTDIR");
	ok(fs_statvfs(r, "new", &sv) && sv.f_bsize > 0, "statvfs");
	d = fs_opendir(r, "new");
	ok(d != NULL, "opendir");
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			names++;
		closedir(d);
	}
	is_int(names, 3, "readdir sees . .. l");
	ok(!fs_opendir(r, "new/l") && errno == ENOTDIR, "opendir on a file: ENOTDIR");
	ok(!fs_rmdir(r, "new") && errno == ENOTEMPTY, "rmdir non-empty: ENOTEMPTY");
	ok(fs_unlink(r, "new/l") && fs_rmdir(r, "new/"), "unlink and rmdir");
	ok(!fs_lstat(r, "new", &st) && errno == ENOENT, "gone");
}

/* Makes fchmodat2 (452) fail with err, as on kernels before 6.6 or under
 * seccomp filters that do not know it. */
static int deny_fchmodat2(int err)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 452, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {ARRAY_LEN(code), code};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 0;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0;
}

/* In a child: chmod without fchmodat2; exit status = bit mask of failures. */
static int chmod_fallback_child(const struct fs_root *r, int err)
{
	struct stat st;
	int bad = 0;

	if (!deny_fchmodat2(err)) return 64;
	if (!syscall(452, r->fd, "", 0755, 0x1000) || errno != err) bad |= 1;
	if (!fs_chmod(r, "fb/f", 0640, 1) || !fs_stat(r, "fb/f", &st) ||
	    (st.st_mode & 07777) != 0640)
		bad |= 2;
	if (!fs_chmod(r, "fb/l", 0604, 1) || !fs_stat(r, "fb/f", &st) ||
	    (st.st_mode & 07777) != 0604)
		bad |= 4;
	if (fs_chmod(r, "fb/l", 0600, 0) || errno != EOPNOTSUPP) bad |= 8;
	if (!fs_chmod(r, "fb", 0711, 0) || !fs_stat(r, "fb", &st) || (st.st_mode & 07777) != 0711)
		bad |= 16;
	if (fs_chmod(r, "esc", 0777, 1) || errno != ENOENT) bad |= 32;
	return bad;
}

static void test_chmod_fallback(const struct fs_root *r)
{
	static const int errs[] = {ENOSYS, EPERM};
	size_t i;

	int fd = -1;

	ok(fs_mkdir(r, "fb", 0755) && fs_symlink(r, "f", "fb/l") &&
	       (fd = fs_open(r, "fb/f", O_CREAT | O_WRONLY, 0600)) >= 0,
	   "tree for chmod without fchmodat2");
	if (fd >= 0) close(fd);
	for (i = 0; i < ARRAY_LEN(errs); i++) {
		int st;
		pid_t pid = fork();
		if (!pid) _exit(chmod_fallback_child(r, errs[i]));
		ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "chmod works when fchmodat2 says %s", errs[i] == ENOSYS ? "ENOSYS" : "EPERM");
		if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st))
			printf("#   child status %d\n", WEXITSTATUS(st));
	}
	ok(fs_unlink(r, "fb/f") && fs_unlink(r, "fb/l") && fs_rmdir(r, "fb"), "remove that tree");
}

static void test_limits(const struct fs_root *r)
{
	static char longp[SLUICE_MAX_PATH + 10];
	struct stat st;
	char out[64];

	memset(longp, 'a', sizeof longp - 1);
	ok(!fs_stat(r, longp, &st) && errno == ENAMETOOLONG, "over-long path: ENAMETOOLONG");
	ok(!fs_mkdir(r, longp, 0755) && errno == ENAMETOOLONG, "over-long mkdir: ENAMETOOLONG");
	ok(fs_realpath(r, longp, out, sizeof out) < 0 && errno == ENAMETOOLONG,
	   "over-long realpath: ENAMETOOLONG");
	ok(fs_rmdir(r, "/x") && !exists("root/x"), "remove root/x made earlier");
}

/* fs_open_strict on paths that must be refused before any trust check. */
static void test_strict_paths(void)
{
	char bad[64];
	const char *why;
	int fd;

	ok(fs_open_strict("relative/file", getuid(), bad, sizeof bad, &why) < 0 && errno == EINVAL,
	   "strict: a relative path refused");
	ok(fs_open_strict("/", getuid(), bad, sizeof bad, &why) < 0 && errno == EISDIR,
	   "strict: / refused (a directory)");
	ok(fs_open_strict("/etc/", getuid(), bad, sizeof bad, &why) < 0,
	   "strict: a trailing slash refused");
	ok(fs_open_strict("/nonexistent-sluice/x", getuid(), bad, sizeof bad, &why) < 0 &&
	       errno == ENOENT,
	   "strict: a missing directory: ENOENT");
	fd = fs_open_strict("//etc///passwd", 0, bad, sizeof bad, &why);
	ok(fd >= 0, "strict: repeated slashes walk as one (/etc/passwd, root's)");
	if (fd >= 0) close(fd);
	fd = fs_open_strict("/dev/null", 0, bad, sizeof bad, &why);
	ok(fd < 0 && why && !strcmp(why, "not a regular file"), "strict: a device refused");
	if (fd >= 0) close(fd);
}

int main(void)
{
	struct fs_root r = FS_ROOT_ZERO;
	struct fs_root bad = FS_ROOT_ZERO;
	char cmd[128];

	build_tree();
	test_strict_paths();
	ok(!fs_root_open(&bad, at("missing"), 0) && errno == ENOENT, "open missing root: ENOENT");
	ok(fs_root_open(&r, at("root"), 0), "open root without chroot");
	is_str(r.cwd, "/", "cwd starts at /");
	fs_rmdir(&r, "/x");
	test_escape_open(&r);
	test_escape_ops(&r);
	test_realpath(&r);
	test_normal(&r);
	test_chmod_fallback(&r);
	test_limits(&r);
	outside_intact("at the end");
	fs_root_close(&r);
	ok(r.fd == -1 && !fs_stat(&r, "/", &(struct stat){0}) && errno == EBADF,
	   "closed root: EBADF");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0) printf("# could not remove %s\n", base);
	return tap_done();
}
