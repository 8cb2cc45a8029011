/* priv.c: unit tests for lib/priv.  Each check runs in a forked child that
 * reports a bit mask of failed checks through its exit status.  As root a
 * child drops to 65534 and must not regain root nor read a root-only file;
 * not as root, priv_drop must be a no-op that returns 1. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <link.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/base.h"
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "fs/fs.h"
#include "priv/priv.h"
#include "../tap.h"

#define NOBODY 65534

static char secret[64];

/* Runs fn in a child; returns its exit status (0 = all good), or -1. */
static int in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();
	if (pid < 0) return -1;
	if (!pid) _exit(fn());
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
	return WEXITSTATUS(st);
}

static int child_harden(void)
{
	struct rlimit rl;
	int bad = 0;
	if (!priv_harden()) bad |= 1;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) bad |= 2;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0) bad |= 4;
	if (!priv_no_new_privs()) bad |= 8;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) bad |= 16;
	return bad;
}

static int child_drop_checks(void)
{
	gid_t groups[8];
	int n, bad = 0;

	if (getuid() != NOBODY || geteuid() != NOBODY || getgid() != NOBODY || getegid() != NOBODY)
		bad |= 2;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) bad |= 4;
	if (open(secret, O_RDONLY) >= 0 || errno != EACCES) bad |= 8;
	n = getgroups(8, groups);
	if (n != 1 || groups[0] != NOBODY) bad |= 16;
	if (priv_is_root()) bad |= 32;
	return bad;
}

static int child_drop(void)
{
	if (!priv_drop(NOBODY, NOBODY, NULL)) return 1;
	return child_drop_checks();
}

static int child_drop_unknown_user(void)
{
	if (!priv_drop(NOBODY, NOBODY, "no-such-user-sluice")) return 1;
	return child_drop_checks();
}

static int child_drop_user(void)
{
	gid_t groups[64];
	int n, i, bad = 0;

	if (!priv_drop(NOBODY, NOBODY, "nobody")) return 1;
	if (getuid() != NOBODY || getgid() != NOBODY || setuid(0) == 0) bad |= 2;
	n = getgroups(64, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == 0) bad |= 4; /* root's groups must be gone */
	return bad;
}

static int child_drop_to_root(void)
{
	return priv_drop(0, 0, NULL) || errno != EINVAL;
}

/* Not root: priv_drop does nothing and says 1. */
static int child_not_root(void)
{
	uid_t u;
	gid_t g;
	int bad = 0;

	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
			       setresuid(NOBODY, NOBODY, NOBODY) < 0))
		return 64;
	u = getuid();
	g = getgid();
	if (priv_is_root()) bad |= 1;
	if (priv_drop(1234, 1234, "nobody") != 1) bad |= 2;
	if (getuid() != u || geteuid() != u || getgid() != g) bad |= 4;
	return bad;
}

/* A system user with a supplementary group, for the group tests. */
static struct {
	char name[64];
	uid_t uid;
	gid_t gid, extra;
} gu;

static int find_group_user(void)
{
	static const char *names[] = {"postgres", "sluice-demo", "daemon", "www-data", "sshd"};
	gid_t list[64];
	size_t i;
	int n, j;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		struct passwd *pw = getpwnam(names[i]);
		if (!pw || !pw->pw_uid || !pw->pw_gid) continue;
		n = 64;
		if (getgrouplist(names[i], pw->pw_gid, list, &n) < 0) continue;
		for (j = 0; j < n; j++)
			if (list[j] != pw->pw_gid && list[j] != 0) {
				snprintf(gu.name, sizeof gu.name, "%s", names[i]);
				gu.uid = pw->pw_uid;
				gu.gid = pw->pw_gid;
				gu.extra = list[j];
				return 1;
			}
	}
	return 0;
}

/* Bit 1: extra group present; 2: only gid; 4: drop failed. */
static int groups_now(void)
{
	gid_t list[PRIV_MAX_GROUPS];
	int n = getgroups(PRIV_MAX_GROUPS, list), i, extra = 0;
	for (i = 0; i < n; i++)
		if (list[i] == gu.extra) extra = 1;
	return extra | (n == 1 && list[0] == getgid() ? 2 : 0);
}

static int child_groups_before_chroot(void)
{
	if (!priv_drop(gu.uid, gu.gid, gu.name)) return 4;
	return groups_now();
}

static int child_groups_after_chroot(void)
{
	priv_note_chroot();
	if (!priv_drop(gu.uid, gu.gid, gu.name)) return 4;
	return groups_now();
}

static int child_groups_loaded(void)
{
	if (!priv_groups_load(gu.name, gu.uid, gu.gid)) return 8;
	priv_note_chroot();
	if (priv_groups_load(gu.name, gu.uid, gu.gid) || errno != EPERM) return 16;
	if (!priv_drop(gu.uid, gu.gid, gu.name)) return 4;
	return groups_now();
}

static int child_groups_other_uid(void)
{
	if (priv_groups_load(gu.name, NOBODY, NOBODY) || errno != ENOENT) return 8;
	if (!priv_drop(NOBODY, NOBODY, gu.name)) return 4;
	return groups_now();
}

static char jail[64];

/* The real chroot of fs_root_open, into a root whose /etc/group (planted by
 * the "client") puts the user in group 0: NSS must not be asked. */
static int child_groups_fs_chroot(void)
{
	struct fs_root r = FS_ROOT_ZERO;
	gid_t list[PRIV_MAX_GROUPS];
	int n, i;

	if (!fs_root_open(&r, jail, 1)) return 8;
	if (!priv_drop(gu.uid, gu.gid, gu.name)) return 4;
	n = getgroups(PRIV_MAX_GROUPS, list);
	for (i = 0; i < n; i++)
		if (list[i] == 0) return 16;
	return groups_now();
}

static int plant_jail(void)
{
	char p[128];
	FILE *f;

	strcpy(jail, "/tmp/sluice-jail-XXXXXX");
	if (!mkdtemp(jail)) return 0;
	snprintf(p, sizeof p, "%s/etc", jail);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/etc/group", jail);
	if (!(f = fopen(p, "w"))) return 0;
	fprintf(f, "root:x:0:%s\n", gu.name);
	fclose(f);
	snprintf(p, sizeof p, "%s/etc/passwd", jail);
	if (!(f = fopen(p, "w"))) return 0;
	fprintf(f, "%s:x:%u:%u::/:/bin/sh\n", gu.name, (unsigned)gu.uid, (unsigned)gu.gid);
	fclose(f);
	return 1;
}

static void unplant_jail(void)
{
	char p[128];
	snprintf(p, sizeof p, "%s/etc/group", jail);
	unlink(p);
	snprintf(p, sizeof p, "%s/etc/passwd", jail);
	unlink(p);
	snprintf(p, sizeof p, "%s/etc", jail);
	rmdir(p);
	rmdir(jail);
}

static void test_groups(void)
{
	if (!find_group_user()) {
		ok(1, "# SKIP no system user with a supplementary group");
		return;
	}
	printf("# group tests with %s (uid %u gid %u extra %u)\n", gu.name, (unsigned)gu.uid,
	       (unsigned)gu.gid, (unsigned)gu.extra);
	is_int(in_child(child_groups_before_chroot), 1,
	       "before chroot: the user's groups from NSS");
	is_int(in_child(child_groups_after_chroot), 2,
	       "after chroot, nothing loaded: only gid, no NSS");
	is_int(in_child(child_groups_loaded), 1,
	       "loaded before chroot: the user's groups after it");
	is_int(in_child(child_groups_other_uid), 2, "passwd uid differs: only gid");
	if (plant_jail()) {
		is_int(in_child(child_groups_fs_chroot), 2,
		       "after fs_root_open chroot: planted /etc/group ignored");
		unplant_jail();
	} else {
		ok(0, "could not make a jail");
	}
}

static int make_secret(void)
{
	int fd;
	strcpy(secret, "/tmp/sluice-priv-XXXXXX");
	fd = mkstemp(secret);
	if (fd < 0) return 0;
	if (write(fd, "root only\n", 10) != 10) return 0;
	fchmod(fd, 0600);
	close(fd);
	return 1;
}

/* Rss (KiB) of the mapping that starts at p, from smaps; -1 if not found. */
/* Read-only data of the program: 128 pages, all but one byte zero, in
 * .rodata (it has an initialiser) on a page boundary. */
static const unsigned char rodata_table[128 * 4096] __attribute__((aligned(4096))) = {1};
/* Pointers relocated at start-up: .data.rel.ro, read-only after RELRO but
 * written by the loader, so never handed back. */
static const char *const relocated[] = {"alpha", "beta", "gamma"};

/* How many of the pages of [p, p + n) this process has mapped. */
static long pages_mapped(const void *p, size_t n)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	long mapped = 0;

	if (fd < 0) return -1;
	for (uintptr_t a = (uintptr_t)p; a < (uintptr_t)p + n; a += 4096) {
		uint64_t entry;
		if (pread(fd, &entry, sizeof entry, (off_t)(a / 4096 * sizeof entry)) !=
		    (ssize_t)sizeof entry) {
			mapped = -1;
			break;
		}
		mapped += (long)(entry >> 63);
	}
	close(fd);
	return mapped;
}

/* priv_pages_release hands back the program's read-only data, which then
 * reads the same, and keeps the relocated pointers.  Touching a neighbour
 * of the table maps at most 16 of its pages back (fault-around). */
static int child_release_rodata(void)
{
	const size_t n = sizeof rodata_table;
	unsigned sum = 0;
	int r = 0;

	for (size_t i = 0; i < n; i += 4096)
		sum += ((const volatile unsigned char *)rodata_table)[i];
	if (sum != 1 || pages_mapped(rodata_table, n) != (long)(n / 4096)) return 1;
	priv_pages_note();
	priv_pages_release();
	if (pages_mapped(rodata_table, n) > 32) r |= 2;
	if (rodata_table[0] != 1 || rodata_table[n - 1] != 0) r |= 4;
	if (strcmp(relocated[0], "alpha") || strcmp(relocated[2], "gamma")) r |= 8;
	return r;
}

/* The largest code segment loaded (libc's: this program's own is a few
 * pages, which the code run between a release and a count maps back
 * whole), in whole pages, from the program headers. */
struct code_range {
	uintptr_t lo, hi;
};

static int find_largest_code(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct code_range *r = arg;
	if (info->dlpi_name[0] != '\0' && info->dlpi_name[0] != '/') return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t lo = (start + 4095) & ~(uintptr_t)4095;
		uintptr_t hi = (start + ph->p_filesz) & ~(uintptr_t)4095;
		if (ph->p_type != PT_LOAD || ph->p_flags != (PF_R | PF_X) || hi <= lo) continue;
		if (hi - lo > r->hi - r->lo) r->lo = lo, r->hi = hi;
	}
	return 0;
}

/* priv_pages_map_code maps all of that code, priv_pages_release hands it
 * back (what runs between the release and the count faults in again, 16
 * pages at a time), priv_pages_map_code maps all of it again. */
static int child_map_code(void)
{
	struct code_range r = {0, 0};
	long total, released, mapped;

	dl_iterate_phdr(find_largest_code, &r);
	if (r.hi <= r.lo) return 1;
	total = (long)((r.hi - r.lo) / 4096);
	priv_pages_note();
	priv_pages_map_code();
	if (pages_mapped((void *)r.lo, r.hi - r.lo) != total) return 2;
	priv_pages_release();
	released = pages_mapped((void *)r.lo, r.hi - r.lo);
	priv_pages_map_code();
	mapped = pages_mapped((void *)r.lo, r.hi - r.lo);
	if (released < 0 || released > total / 2) return 4;
	if (mapped != total) return 8;
	return 0;
}

static int populate_read_supported(void)
{
	void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r = p != MAP_FAILED && madvise(p, 4096, MADV_POPULATE_READ) == 0;
	if (p != MAP_FAILED) munmap(p, 4096);
	return r;
}

int main(void)
{
	is_int(priv_is_root(), geteuid() == 0, "priv_is_root matches geteuid");
	is_int(in_child(child_harden), 0, "harden: not dumpable, no core, no new privs");
	is_int(in_child(child_not_root), 0, "not root: priv_drop is a no-op returning 1");
	if (populate_read_supported())
		is_int(in_child(child_map_code), 0,
		       "priv_pages_map_code maps all the code priv_pages_release handed back");
	else
		ok(1, "# SKIP the kernel has no MADV_POPULATE_READ (Linux 5.14)");
	is_int(in_child(child_release_rodata), 0,
	       "priv_pages_release hands back read-only data, keeps relocated pointers");
	if (geteuid() == 0 && make_secret()) {
		is_int(in_child(child_drop), 0,
		       "root drops to 65534: ids, no way back, no root file, one group");
		is_int(in_child(child_drop_unknown_user), 0,
		       "user not in passwd: groups are just gid");
		if (getpwnam("nobody"))
			is_int(in_child(child_drop_user), 0, "drop with initgroups(nobody)");
		else
			ok(1, "# SKIP no nobody user");
		is_int(in_child(child_drop_to_root), 0, "drop to uid 0: EINVAL");
		test_groups();
		unlink(secret);
	} else {
		ok(1, "# SKIP drop tests need root");
	}
	return tap_done();
}
