/* sftpd: serves one SSH connection on fds 0 and 1, as started by a
 * super-server (systemd Accept=yes, tcpserver, inetd).  Reads the SFTPD_*
 * settings, then becomes the monitor of a privilege-separated connection
 * (privsep.c): an unprivileged network child speaks the transport and
 * userauth, a confined session process serves SFTP. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "account/account.h"
#include "log/log.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "peer/peer.h"
#include "priv/priv.h"
#include "privsep.h"
#include "sandbox/sandbox.h"
#include "ssh/kex.h"

#define BANNER_MAX_BYTES 8192

extern char **environ;
static struct session sess;
static struct key_private *host_keys[SSH_MAX_HOST_KEYS];
static unsigned n_host_keys;
static char banner[BANNER_MAX_BYTES];
static size_t banner_len;

static void usage(void)
{
	fprintf(stderr,
		"usage: sftpd [-t | -M | -S]\n"
		"  (no option) serve one SSH connection on stdin/stdout\n"
		"  -t  check the SFTPD_* settings and print them\n"
		"  -M  print the settings as mdoc list items\n"
		"  -S  serve the SFTP protocol itself on stdin/stdout (sftp-server mode)\n");
	exit(EXIT_USAGE);
}

/* Sends our version line and an unencrypted DISCONNECT, for failures
 * before the key exchange: the client sees a reason, not a dropped line. */
static void early_disconnect(const char *why)
{
	const char *v = kex_version_line();
	struct session *s = &sess;
	if (write(1, v, strlen(v)) < 0) return;
	ssh_disconnect(s, SSH_DISCONNECT_BY_APPLICATION, why);
	if (buf_used(&s->t.tx) && write(1, buf_data(&s->t.tx), buf_used(&s->t.tx)) < 0) return;
}

/* "SECONDS" or "SECONDS,COUNT", plain decimals; COUNT defaults to 3. */
static int parse_client_alive(const char *v, unsigned *interval, unsigned *count)
{
	unsigned long n = 0, c = 3;
	const char *p = v;

	if (*p < '0' || *p > '9') return 0;
	while (*p >= '0' && *p <= '9' && n <= 86400)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (*p == ',') {
		p++;
		if (*p < '0' || *p > '9') return 0;
		c = 0;
		while (*p >= '0' && *p <= '9' && c <= 100)
			c = c * 10 + (unsigned long)(*p++ - '0');
	}
	if (*p || n > 86400 || c < 1 || c > 100) return 0;
	*interval = (unsigned)n;
	*count = (unsigned)c;
	return 1;
}

static void load_config(struct session *s, int serving)
{
	char err[1024];
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, s->cf, environ, err, sizeof err)) {
		log_error("configuration: %s", err);
		if (serving) early_disconnect("server configuration error");
		exit(EXIT_USAGE);
	}
	log_set_debug(!strcmp(s->cf[CF_LOG_LEVEL].str, "debug"));
	if (!parse_client_alive(s->cf[CF_CLIENT_ALIVE].str, &s->alive_interval, &s->alive_max)) {
		log_error("configuration: SFTPD_CLIENT_ALIVE=%s: expected SECONDS or SECONDS,COUNT "
			  "(seconds 0 to 86400, count 1 to 100)",
			  s->cf[CF_CLIENT_ALIVE].str);
		if (serving) early_disconnect("server configuration error");
		exit(EXIT_USAGE);
	}
	if (s->cf[CF_PAM_SERVICE].str[0] && s->cf[CF_USERS_FILE].str[0]) {
		log_error("configuration: SFTPD_PAM_SERVICE=%s: PAM serves system accounts; "
			  "SFTPD_USERS_FILE must be empty",
			  s->cf[CF_PAM_SERVICE].str);
		if (serving) early_disconnect("server configuration error");
		exit(EXIT_USAGE);
	}
	rate_init(&s->rate_up, s->cf[CF_RATE_LIMIT].num);
	rate_init(&s->rate_down, s->cf[CF_RATE_LIMIT].num);
	s->throttle_ms = -1;
}

/* Group exchange needs the moduli file in processes that cannot open it
 * (chrooted): the descriptor opened here is theirs. */
static void load_moduli(struct session *s, int serving)
{
	const struct conf_value *v = &s->cf[CF_MODULI];
	if (!conf_list_has(s->cf[CF_KEX].str, "diffie-hellman-group-exchange-sha256")) return;
	if (moduli_load(&s->moduli, v->str, v->from_env)) return;
	log_error("configuration: SFTPD_MODULI=%s: %s", v->str, strerror(errno));
	if (serving) early_disconnect("server configuration error");
	exit(EXIT_USAGE);
}

/* The PROXY protocol settings: which header versions (0: none) and from
 * which proxies.  Exits naming the variable when they do not hold. */
static unsigned proxy_settings(const struct session *s, struct peer_cidr *trusted, size_t *n)
{
	const char *list = s->cf[CF_PROXY_TRUSTED].str, *why;
	unsigned versions;

	if (!peer_proxy_settings(s->cf[CF_PROXY_PROTOCOL].str, list, &versions, trusted, n, &why))
		log_die(EXIT_USAGE, "configuration: SFTPD_PROXY_TRUSTED=%s: %s", list, why);
	return versions;
}

/* Behind a load balancer: only a listed proxy may speak first, and its
 * header names the client, who is then the peer in every log line.  The
 * monitor checks the socket's own peer against SFTPD_PROXY_TRUSTED; the
 * header itself is read and parsed by the unprivileged network process,
 * which hands the client's address to the monitor as its first request
 * (MON_PROXY): root never parses a byte from the network. */
static void check_proxy_source(struct session *s, const struct peer *peer)
{
	struct peer_cidr trusted[PEER_CIDR_MAX];
	size_t n;

	s->proxy_versions = proxy_settings(s, trusted, &n);
	if (s->proxy_versions && !peer_cidr_match(trusted, n, peer)) {
		log_error("PROXY protocol: connection from %s, which SFTPD_PROXY_TRUSTED does not "
			  "list; closed",
			  peer->text);
		exit(EXIT_PEER);
	}
}

/* -t: every line of the users file that would cost its account is
 * listed, and any makes the check fail. */
static void check_users_file(const struct session *s)
{
	if (!login_users_file_check("SFTPD_USERS_FILE", s->cf[CF_USERS_FILE].str)) exit(EXIT_USAGE);
}

/* -t: a PAM service that would fall back to "other" is a mistake. */
static void check_pam(const struct session *s)
{
	char why[256];
	const char *service = s->cf[CF_PAM_SERVICE].str;
	if (!service[0] || login_pam_ready(service, why, sizeof why)) return;
	log_error("SFTPD_PAM_SERVICE=%s: %s", service, why);
	exit(EXIT_USAGE);
}

/* Returns 0 after logging why. */
static int load_host_keys(const struct session *s)
{
	char list[SLUICE_MAX_PATH * 2];
	char *save = 0, *path;
	snprintf(list, sizeof list, "%s", s->cf[CF_HOST_KEYS].str);
	for (path = strtok_r(list, ",", &save); path; path = strtok_r(0, ",", &save)) {
		if (n_host_keys == SSH_MAX_HOST_KEYS) {
			log_error("SFTPD_HOST_KEYS: more than %d keys", SSH_MAX_HOST_KEYS);
			return 0;
		}
		if (!key_private_load(&host_keys[n_host_keys], path)) {
			log_error("unable to load host key %s: %s", path, strerror(errno));
			return 0;
		}
		n_host_keys++;
	}
	if (n_host_keys) return 1;
	log_error("SFTPD_HOST_KEYS: no host key");
	return 0;
}

static void load_banner(const struct session *s)
{
	const char *path = s->cf[CF_BANNER].str;
	int fd;
	ssize_t n;
	if (!path[0]) return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("unable to open banner %s: %s", path, strerror(errno));
		return;
	}
	n = read(fd, banner, sizeof banner);
	close(fd);
	if (n > 0) banner_len = (size_t)n;
}

static void print_settings(struct session *s)
{
	conf_print(1, sftpd_conf_table, CF_COUNT, s->cf);
	for (unsigned i = 0; i < n_host_keys; i++) {
		char fp[KEY_FP_MAX];
		const struct key_public *k = key_private_public(host_keys[i]);
		/* Serving defers the RSA/ECDSA consistency checks to the first
		 * signature (no OpenSSL start-up for unused keys); -t does them now. */
		if (!key_private_check(host_keys[i]))
			log_die(EXIT_SYSTEM, "host key %u is damaged: %s", i + 1, strerror(errno));
		key_fingerprint(k, fp);
		printf("# host key %u: %s %s\n", i + 1, key_type_name(k->type), fp);
	}
	if (s->moduli.fd > 0)
		printf("# moduli: %u usable groups in %s\n", moduli_count(&s->moduli),
		       s->cf[CF_MODULI].str);
	else if (conf_list_has(s->cf[CF_KEX].str, "diffie-hellman-group-exchange-sha256"))
		printf("# moduli: %s is missing: group exchange uses the RFC 3526 groups\n",
		       s->cf[CF_MODULI].str);
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A pipe holds 64 KiB where a TCP connection's send buffer grows to
 * 4 MiB: on pipes (ssh's ProxyCommand, sshd running -S) a bulk transfer
 * woke both ends every 64 KiB.  1 MiB, the unprivileged ceiling
 * (/proc/sys/fs/pipe-max-size), halves a download's system calls and cuts
 * its context switches by two thirds (README, Benchmark); pages are taken
 * only while data waits in the pipe.  Sockets refuse (EBADF), as does a
 * user over the pipe-user-pages limits (EPERM): both left as they are. */
#define PIPE_WIDE (1 << 20)
static void widen_pipes(void)
{
	fcntl(0, F_SETPIPE_SZ, PIPE_WIDE);
	fcntl(1, F_SETPIPE_SZ, PIPE_WIDE);
}

static int serve_raw_sftp(struct session *s)
{
	struct account acc, *a = &acc;
	const char *home = getenv("HOME");
	const char *pattern = s->cf[CF_ROOT].str;
	char dir[SLUICE_MAX_PATH];
	struct fs_root root = FS_ROOT_ZERO;

	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", getenv("USER") ? getenv("USER") : "");
	snprintf(a->home, sizeof a->home, "%s", home && home[0] == '/' ? home : "/");
	if (pattern[0]) {
		if (!login_expand_path(pattern, a, dir, sizeof dir))
			log_die(EXIT_USAGE, "SFTPD_ROOT too long");
	} else {
		strcpy(dir, "/");
	}
	if (!fs_root_open(&root, dir, 0))
		log_die(EXIT_SYSTEM, "unable to open root %s: %s", dir, strerror(errno));
	if (!strcmp(dir, "/") && !fs_root_set_cwd(&root, a->home))
		log_warn("unable to start in %s", a->home);
	s->sftp_opt.umask = (mode_t)s->cf[CF_UMASK].num;
	s->sftp_opt.read_only = (int)s->cf[CF_READ_ONLY].num;
	s->sftp_opt.max_handles = (unsigned)s->cf[CF_MAX_HANDLES].num;
	s->sftp_opt.user = a->name;
	s->sftp_opt.home = !strcmp(dir, "/") ? a->home : "/";
	umask(s->sftp_opt.umask);
	session_limit_uploads(s);
	if (!priv_no_new_privs())
		log_die(EXIT_SYSTEM, "unable to set no_new_privs: %s", strerror(errno));
	widen_pipes();
	privsep_sandbox_sftp_only();
	return sftp_serve_stdio(&root, &s->sftp_opt, 0, 1);
}

/* The monitor: forks the network child before the host private keys are
 * read, answers it, then hands the connection to the session process. */
static void serve_connection(struct session *s, const struct peer *peer)
{
	struct priv_sep ids;
	struct monitor m;
	pid_t child;
	int fd;

	if (!privsep_prepare(s->cf, &ids)) {
		early_disconnect("server configuration error");
		exit(EXIT_USAGE);
	}
	if (!ids.as_root)
		log_info("not started as root: the unprivileged processes keep this uid and "
			 "get no chroot (limits and sandboxes still apply)");
	if (peer_fd_is_tcp(0)) {
		int one = 1;
		setsockopt(0, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	set_nonblocking(0);
	set_nonblocking(1);
	widen_pipes();
	s->start = s->last_activity = time(0);
	snprintf(s->peer, sizeof s->peer, "%s", peer->text);
	/* behind a proxy the monitor says it once it knows the client */
	if (!s->proxy_versions) log_info("connection from %s", peer->text);
	fd = privsep_fork_network(s, &ids, &child);
	if (fd < 0)
		log_die(EXIT_SYSTEM, "unable to start the network process: %s", strerror(errno));
	if (!load_host_keys(s)) {
		kill(child, SIGKILL);
		early_disconnect("server configuration error");
		exit(EXIT_SYSTEM);
	}
	load_banner(s);
	/* A child that is already gone (its sandbox stopped it) has left its
	 * last words on the socket: privsep_monitor reads and reports them. */
	if (!privsep_send_init(fd, host_keys, n_host_keys, banner, banner_len) && errno != EPIPE &&
	    errno != ECONNRESET)
		log_die(EXIT_SYSTEM, "unable to start the network process: %s", strerror(errno));
	/* System accounts: an unknown name must cost what a wrong password
	 * costs against their hashes (yescrypt, sha512crypt), not argon2id's. */
	if (!s->cf[CF_USERS_FILE].str[0]) account_system_dummy();
	monitor_init(&m, fd, s->cf, host_keys, n_host_keys);
	privsep_monitor(&m, child);
	privsep_start_session(s, &m, host_keys, n_host_keys, &ids);
}

int main(int argc, char **argv)
{
	struct session *s = &sess;
	struct peer peer;
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc > 2 ||
	    (argc == 2 && strcmp(mode, "-t") && strcmp(mode, "-M") && strcmp(mode, "-S")))
		usage();
	if (!strcmp(mode, "-M")) {
		conf_print_mdoc(1, sftpd_conf_table, CF_COUNT);
		return 0;
	}
	peer_describe(0, &peer);
	log_init("sftpd", mode[0] ? "local" : peer.text);
	if (!algo_init()) log_die(EXIT_SYSTEM, "unable to initialise libsodium");
	if (!algo_crypto_own_config()) log_die(EXIT_SYSTEM, "unable to initialise libcrypto");
	priv_harden();
	/* A client that goes away must show up as EPIPE from write, not kill us;
	 * a file size limit (RLIMIT_FSIZE) as EFBIG, an error for the client. */
	signal(SIGPIPE, SIG_IGN);
	connection_catch_hangup();
	signal(SIGXFSZ, SIG_IGN);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	load_config(s, !mode[0]);
	load_moduli(s, !mode[0]);
	if (!strcmp(mode, "-S")) return serve_raw_sftp(s);
	if (!strcmp(mode, "-t")) {
		struct priv_sep ids;
		struct peer_cidr trusted[PEER_CIDR_MAX];
		size_t ntrusted;
		proxy_settings(s, trusted, &ntrusted);
		if (!privsep_prepare(s->cf, &ids)) exit(EXIT_USAGE);
		check_users_file(s);
		check_pam(s);
		if (!load_host_keys(s)) exit(EXIT_SYSTEM);
		print_settings(s);
		return 0;
	}
	check_proxy_source(s, &peer);
	serve_connection(s, &peer);
}
