/* login: the steps sftpd and ftpsd share (lib/login): root patterns and
 * their % expansions, account lookup by source, the failure delay, and
 * confinement (in a child process: it chroots and drops privileges when
 * run as root, as the tests are; openat2 roots otherwise). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "algo/algo.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "priv/priv.h"

static char tmpdir[] = "/tmp/sluice_login.XXXXXX";

static struct account mkacct(const char *name, const char *home, uid_t uid, gid_t gid)
{
	struct account a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.home, sizeof a.home, "%s", home);
	a.uid = uid;
	a.gid = gid;
	return a;
}

static void test_expand(void)
{
	struct account a = mkacct("alice", "/home/alice", 1000, 1000);
	char out[64], tiny[8];
	ok(login_expand_path("/srv/%u", &a, out, sizeof out) && !strcmp(out, "/srv/alice"),
	   "%%u is the user name");
	ok(login_expand_path("~/ftp", &a, out, sizeof out) && !strcmp(out, "/home/alice/ftp"),
	   "a leading ~ is the home");
	ok(login_expand_path("/x/~", &a, out, sizeof out) && !strcmp(out, "/x/~"),
	   "~ elsewhere is kept");
	ok(login_expand_path("%h/in/%u", &a, out, sizeof out) &&
	       !strcmp(out, "/home/alice/in/alice"),
	   "%%h is the home");
	ok(login_expand_path("/a%%u/%x%", &a, out, sizeof out) && !strcmp(out, "/a%u/%x%"),
	   "%%%% is a percent sign; other %% sequences and a final %% are kept");
	errno = 0;
	ok(!login_expand_path("/srv/%u/%u", &a, tiny, sizeof tiny) && errno == ENAMETOOLONG,
	   "too long for the buffer: ENAMETOOLONG");
	ok(login_expand_path("", &a, out, sizeof out) && !strcmp(out, ""), "an empty pattern");
}

static void test_lookup(void)
{
	char path[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + 64];
	struct account a;
	snprintf(path, sizeof path, "%s/users", tmpdir);
	snprintf(line, sizeof line, "alice:*:1000:1000:%s/alice\n", tmpdir);
	tap_write_file(path, line, 0600);
	ok(login_lookup(path, "alice", &a) && a.uid == 1000 && !a.from_system,
	   "a users file account is found");
	errno = 0;
	ok(!login_lookup(path, "bob", &a) && errno == ENOENT, "a missing account: ENOENT");
	errno = 0;
	ok(!login_lookup(path, "../alice", &a) && errno == ENOENT,
	   "a name account_name_valid refuses: ENOENT, no lookup");
	errno = 0;
	ok(!login_lookup("", "no-such-user-sluice", &a) && errno == ENOENT,
	   "empty users file: the system accounts are asked");
	if (priv_is_root())
		ok(login_lookup(NULL, "root", &a) && a.uid == 0 && a.from_system,
		   "system accounts: root is found (as root, shadow is readable)");
	else
		ok(1, "# SKIP not root: shadow unreadable");
	snprintf(path, sizeof path, "%s/missing", tmpdir);
	errno = 0;
	ok(!login_lookup(path, "alice", &a) && errno == ENOENT,
	   "an unreadable users file: its errno");
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The padding counts from the attempt's start: work done before it is
 * absorbed, up to the delay; past it, the target doubles. */
static void test_delay(void)
{
	struct timespec t0, pause = {0, 50 * 1000000L};
	long ms;

	login_attempt_begin(&t0);
	login_fail_pad(&t0, 120);
	ms = ms_since(&t0);
	ok(ms >= 120 && ms < 2000, "a failure is padded to 120 ms (%ld)", ms);
	login_attempt_begin(&t0);
	nanosleep(&pause, 0);
	login_fail_pad(&t0, 120);
	ms = ms_since(&t0);
	ok(ms >= 120 && ms < 170, "50 ms of work first: still 120 ms in all (%ld)", ms);
	login_attempt_begin(&t0);
	nanosleep(&pause, 0);
	login_fail_pad(&t0, 40);
	ms = ms_since(&t0);
	ok(ms >= 80 && ms < 120, "50 ms of work against 40: padded to 80 (%ld)", ms);
	login_attempt_begin(&t0);
	login_fail_pad(&t0, 0);
	ok(ms_since(&t0) < 20, "0: no delay");
}

/* Runs login_confine in a child; it writes what it sees to a pipe. */
static int confine_child(const struct account *a, const char *pattern, char *report, size_t cap)
{
	int p[2];
	pid_t pid;
	int st;
	if (pipe(p) < 0) return -1;
	pid = fork();
	if (pid == 0) {
		struct fs_root root;
		struct login_place place;
		char err[512], line[1024];
		struct stat sb;
		gid_t groups[8];
		int n;
		close(p[0]);
		if (!login_confine(a, pattern, 027, &root, &place, err, sizeof err)) {
			n = snprintf(line, sizeof line, "fail %d %s", errno, err);
		} else {
			mode_t m = umask(0);
			int ng = getgroups(8, groups);
			n = snprintf(line, sizeof line,
				     "ok uid=%u gid=%u groups=%d:%u nnp=%d umask=%03o dir=%s "
				     "start=%s chroot=%d cwd=%s inside=%d",
				     (unsigned)getuid(), (unsigned)getgid(), ng,
				     ng > 0 ? (unsigned)groups[0] : 0,
				     prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), (unsigned)m, place.dir,
				     place.home_in_root, place.chrooted, root.cwd,
				     fs_stat(&root, "marker", &sb));
		}
		if (write(p[1], line, (size_t)n) < 0) _exit(2);
		_exit(0);
	}
	close(p[1]);
	ssize_t r = read(p[0], report, cap - 1);
	close(p[0]);
	waitpid(pid, &st, 0);
	report[r > 0 ? r : 0] = 0;
	return r > 0 ? 0 : -1;
}

static void test_confine(void)
{
	char home[SLUICE_MAX_PATH], sub[SLUICE_MAX_PATH + 8], pattern[SLUICE_MAX_PATH + 8];
	char path[SLUICE_MAX_PATH + 16], rep[1024], want[SLUICE_MAX_PATH * 2];
	int root = priv_is_root();
	uid_t uid = root ? 65534 : getuid();
	gid_t gid = root ? 65534 : getgid();
	snprintf(home, sizeof home, "%s/srv", tmpdir);
	snprintf(sub, sizeof sub, "%s/in", home);
	mkdir(home, 0755);
	mkdir(sub, 0755);
	snprintf(path, sizeof path, "%s/marker", sub);
	tap_write_file(path, "x", 0644);

	/* home inside the root: start there */
	struct account a = mkacct("alice", sub, uid, gid);
	confine_child(&a, home, rep, sizeof rep);
	snprintf(want, sizeof want,
		 "ok uid=%u gid=%u groups=1:%u nnp=1 umask=027 dir=%s start=/in chroot=%d cwd=/in "
		 "inside=1",
		 (unsigned)uid, (unsigned)gid, (unsigned)gid, home, root);
	if (!root) /* not root: the groups stay this process's */
		ok(!strncmp(rep, "ok ", 3) && strstr(rep, "nnp=1 umask=027") &&
		       strstr(rep, "start=/in chroot=0 cwd=/in inside=1"),
		   "not root: openat2 root, start in the home inside it, no_new_privs, umask");
	else
		is_str(rep, want,
		       "as root: chroot, ids and only the account's gid (not a system account), "
		       "no_new_privs, umask, start in the home inside the root");
	/* the root from a pattern; home outside it: start at / */
	a = mkacct("in", "/elsewhere", uid, gid);
	snprintf(pattern, sizeof pattern, "%s/%%u/", home);
	confine_child(&a, pattern, rep, sizeof rep);
	ok(strstr(rep, "start=/ ") && strstr(rep, "dir=") && strstr(rep, "/srv/in start") &&
	       strstr(rep, "cwd=/ inside=1"),
	   "a %%u pattern (trailing / dropped) is the root; a home outside it starts at /");
	a = mkacct("alice", "/nonexistent-sluice", uid, gid);
	confine_child(&a, "", rep, sizeof rep);
	ok(!strncmp(rep, "fail ", 5) && strstr(rep, "unable to open root /nonexistent-sluice"),
	   "a missing root fails with a message");
	a = mkacct("alice", "relative", uid, gid);
	confine_child(&a, "", rep, sizeof rep);
	ok(!strncmp(rep, "fail ", 5), "a relative root fails");
	if (root) {
		a = mkacct("alice", sub, 0, 65534);
		confine_child(&a, home, rep, sizeof rep);
		snprintf(want, sizeof want, "fail %d refusing", EACCES);
		ok(!strncmp(rep, want, strlen(want)), "as root: uid 0 is refused with EACCES");
		a = mkacct("alice", sub, 65534, 0);
		confine_child(&a, home, rep, sizeof rep);
		ok(!strncmp(rep, want, strlen(want)), "as root: gid 0 is refused with EACCES");
	} else {
		ok(1, "# SKIP not root");
		ok(1, "# SKIP not root");
	}
}

/* The allow and deny lists on a users-file account in group 0 (root) and
 * the shadow flags; the supplementary groups of system accounts are
 * covered by login_access.sh. */
static void test_access(void)
{
	struct account a;
	const char *why = "";
	struct login_access none = {"", "", "", ""};

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "alice");
	a.gid = 0;
#define ADMITS(au, du, ag, dg) login_access_admits(&a, &(struct login_access){au, du, ag, dg}, &why)
	ok(login_access_admits(&a, &none, &why), "no lists: admitted");
	ok(ADMITS("bob alice", "", "", ""), "allow users (space-separated): admitted");
	ok(ADMITS("b*,a?ice", "", "", ""), "allow users (globs, commas): admitted");
	ok(!ADMITS("bob", "", "", "") && strstr(why, "not in the allow list of users"),
	   "not in allow users: refused (%s)", why);
	ok(!ADMITS("alice", "al*", "", "") && strstr(why, "deny list of users"),
	   "deny users wins over allow users (%s)", why);
	ok(ADMITS("", "", "ro?t", ""), "allow groups matches the account's group (root)");
	ok(!ADMITS("", "", "wheel,staff", "") && strstr(why, "allow list of groups"),
	   "in no allowed group: refused (%s)", why);
	ok(!ADMITS("", "", "", "root") && strstr(why, "deny list of groups"),
	   "deny groups: refused (%s)", why);
	ok(ADMITS("", "", "", ",, ,"), "a deny list of separators only denies nobody");
	a.locked = 1;
	ok(!login_access_admits(&a, &none, &why) && strstr(why, "locked"), "locked: refused");
	a.locked = 0;
	a.expired = 1;
	ok(!login_access_admits(&a, &none, &why) && strstr(why, "expired"), "expired: refused");
#undef ADMITS
}

/* _GROUP_POLICY refuses cert=: one certificate would log in as each
 * member of the group. */
static void test_group_policy_cert(void)
{
	char why[160];
	struct account a;

	ok(login_group_policy_check("staff:ro,umask=027", why, sizeof why), "a group policy");
	ok(!login_group_policy_check("staff:ro;partners:wo,cert=a@b.example", why, sizeof why) &&
	       strstr(why, "partners:") && strstr(why, "cert="),
	   "a group policy with cert= is refused (%s)", why);
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "alice");
	a.gid = 0;
	ok(!login_group_policy(&a, "root:cert=alice@example.org") && !a.policy.keys &&
	       !a.policy.cert[0] && !a.policy_text[0],
	   "...and never applied (group root, cert=)");
	ok(login_group_policy(&a, "root:cert=x;r*:ro") && a.policy.keys == ACCOUNT_POL_RO &&
	       !a.policy.cert[0],
	   "...the next rule that fits applies");
}

/* _PAM_SERVICE: a name PAM looks up as a file, so nothing that walks. */
static void test_pam_service(void)
{
	static const char *const bad[] = {
	    "../x",
	    "a/b",
	    ".hidden",
	    "a b",
	    "sftpd\t",
	    "x;y",
	    "0123456789012345678901234567890123456789012345678901234567"
	    "89abcdef"};
	char why[128];

	ok(login_pam_service_check("", why, sizeof why), "PAM service: empty is no PAM");
	ok(login_pam_service_check("sluice-sftpd_1.0", why, sizeof why),
	   "PAM service: letters, digits, . _ -");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!login_pam_service_check(bad[i], why, sizeof why) && strstr(why, "service name"),
		   "PAM service: refused: %.20s", bad[i]);
	ok(!login_pam_ready("sluice-no-such-service", why, sizeof why) &&
	       strstr(why, "no PAM service"),
	   "PAM: a service without a file is not ready (%s)", why);
}

int main(void)
{
	tap_logs_aside();
	if (!algo_init() || !mkdtemp(tmpdir)) {
		printf("Bail out! set-up\n");
		return 1;
	}
	chmod(tmpdir, 0755);
	test_expand();
	test_lookup();
	test_delay();
	test_confine();
	test_access();
	test_group_policy_cert();
	test_pam_service();
	tap_rm_tree(tmpdir);
	return tap_done();
}
