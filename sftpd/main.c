/* sftpd: serves one SSH connection on fds 0 and 1, as started by a
 * super-server (systemd Accept=yes, tcpserver, inetd).  Reads SFTPD_*
 * settings, speaks the transport, authenticates, confines the account and
 * runs the sftp subsystem, all in one poll loop. */
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
#include "log/log.h"
#include "peer/peer.h"
#include "priv/priv.h"
#include "ssh/ssh.h"

#define BANNER_MAX_BYTES 8192
#define READ_CHUNK (256u * 1024)

extern char **environ;
static struct session sess;
static char banner[BANNER_MAX_BYTES];

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

static void load_config(struct session *s, int serving)
{
	char err[512];
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, s->cf, environ, err, sizeof err)) {
		log_error("configuration: %s", err);
		if (serving) early_disconnect("server configuration error");
		exit(EXIT_USAGE);
	}
	log_set_debug(!strcmp(s->cf[CF_LOG_LEVEL].str, "debug"));
}

static void load_host_keys(struct session *s, int serving)
{
	char list[SLUICE_MAX_PATH * 2];
	char *save = 0, *path;
	snprintf(list, sizeof list, "%s", s->cf[CF_HOST_KEYS].str);
	for (path = strtok_r(list, ",", &save); path; path = strtok_r(0, ",", &save)) {
		if (s->n_host_keys == SSH_MAX_HOST_KEYS) {
			log_error("SFTPD_HOST_KEYS: more than %d keys", SSH_MAX_HOST_KEYS);
			goto fail;
		}
		if (!key_private_load(&s->host_keys[s->n_host_keys], path)) {
			log_error("unable to load host key %s: %s", path, strerror(errno));
			goto fail;
		}
		s->n_host_keys++;
	}
	if (s->n_host_keys) return;
	log_error("SFTPD_HOST_KEYS: no host key");
fail:
	if (serving) early_disconnect("server configuration error");
	exit(EXIT_SYSTEM);
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
	if (n > 0) userauth_set_banner(banner, (size_t)n);
}

static void print_settings(struct session *s)
{
	conf_print(1, sftpd_conf_table, CF_COUNT, s->cf);
	for (unsigned i = 0; i < s->n_host_keys; i++) {
		char fp[KEY_FP_MAX];
		const struct key_public *k = key_private_public(s->host_keys[i]);
		/* Serving defers the RSA/ECDSA consistency checks to the first
		 * signature (no OpenSSL start-up for unused keys); -t does them now. */
		if (!key_private_check(s->host_keys[i]))
			log_die(EXIT_SYSTEM, "host key %u is damaged: %s", i + 1, strerror(errno));
		key_fingerprint(k, fp);
		printf("# host key %u: %s %s\n", i + 1, key_type_name(k->type), fp);
	}
}

static void send_unimplemented(struct session *s)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_UNIMPLEMENTED, 8)) return;
	wire_put_u32(&w, s->t.seq_in - 1);
	packet_end(s, &w);
}

static int dispatch(struct session *s, const unsigned char *p, size_t len)
{
	uint8_t type = p[0];
	if (!kex_allows(s, type)) {
		log_warn("unexpected message %u during key exchange", type);
		return (errno = EPROTO, 0);
	}
	switch (type) {
	case SSH_MSG_DISCONNECT:
		log_info("client disconnected");
		exit(s->authed ? EXIT_OK : EXIT_PEER);
	case SSH_MSG_IGNORE:
	case SSH_MSG_DEBUG:
	case SSH_MSG_UNIMPLEMENTED:
	case SSH_MSG_EXT_INFO:
		return 1;
	case SSH_MSG_KEXINIT:
	case SSH_MSG_NEWKEYS:
	case SSH_MSG_KEX_ECDH_INIT:
		return kex_handle(s, type, p, len);
	case SSH_MSG_SERVICE_REQUEST:
	case SSH_MSG_USERAUTH_REQUEST:
		if (!s->kex.done_once) return (errno = EPROTO, 0);
		return userauth_handle(s, type, p, len);
	}
	if (type >= SSH_MSG_GLOBAL_REQUEST && type <= SSH_MSG_CHANNEL_FAILURE) {
		if (!s->authed) return (errno = EPROTO, 0);
		return channel_handle(s, type, p, len);
	}
	send_unimplemented(s);
	return 1;
}

static void fail_protocol(struct session *s)
{
	int e = errno;
	if (e == ENOMEM || e == EIO) log_die(EXIT_SYSTEM, "internal failure: %s", strerror(e));
	if (e == EBADMSG) {
		/* nothing more can be said safely on a corrupted stream */
		exit(EXIT_PEER);
	}
	log_warn("protocol error: %s", strerror(e));
	ssh_disconnect(s, SSH_DISCONNECT_PROTOCOL_ERROR, "protocol error");
	s->exit_code = EXIT_PEER;
}

static void process_input(struct session *s)
{
	const unsigned char *p;
	size_t len;

	if (!s->t.got_version) {
		if (!packet_read_version(s)) {
			if (errno == EAGAIN) return;
			log_warn("bad version line from client");
			exit(EXIT_PEER);
		}
		log_debug("client version %s", s->kex.v_c);
	}
	while (!s->closing && buf_used(&s->t.tx) < SSH_TX_HIGH_WATER) {
		if (!packet_next(s, &p, &len)) {
			if (errno == EAGAIN) return;
			fail_protocol(s);
			return;
		}
		s->last_activity = time(0);
		if (!dispatch(s, p, len)) {
			packet_consume(s);
			fail_protocol(s);
			return;
		}
		packet_consume(s);
	}
}

static int poll_timeout_ms(const struct session *s, time_t now)
{
	long t = 3600;
	if (!s->authed)
		t = (long)(s->start + (time_t)s->cf[CF_LOGIN_GRACE_TIME].num - now);
	else if (s->cf[CF_IDLE_TIMEOUT].num)
		t = (long)(s->last_activity + (time_t)s->cf[CF_IDLE_TIMEOUT].num - now);
	if (s->kex.done_once && s->cf[CF_REKEY_TIME].num) {
		long r = (long)(s->kex.started + (time_t)s->cf[CF_REKEY_TIME].num - now);
		if (r < t) t = r;
	}
	return t <= 0 ? 0 : (int)(t > 3600 ? 3600000 : t * 1000);
}

static void check_deadlines(struct session *s, time_t now)
{
	if (!s->authed && now - s->start >= (time_t)s->cf[CF_LOGIN_GRACE_TIME].num) {
		log_warn("login grace time exceeded");
		ssh_disconnect(s, SSH_DISCONNECT_PROTOCOL_ERROR, "login grace time exceeded");
		s->exit_code = EXIT_PEER;
	} else if (s->authed && s->cf[CF_IDLE_TIMEOUT].num &&
		   now - s->last_activity >= (time_t)s->cf[CF_IDLE_TIMEOUT].num) {
		log_info("idle timeout");
		ssh_disconnect(s, SSH_DISCONNECT_BY_APPLICATION, "idle timeout");
	}
	if (!s->closing && kex_rekey_due(s, now)) {
		log_debug("starting a key exchange");
		if (!kex_send_init(s))
			log_die(EXIT_SYSTEM, "unable to start key exchange: %s", strerror(errno));
	}
}

static void read_input(struct session *s)
{
	struct buf *rx = &s->t.rx;
	size_t room = rx->max - buf_used(rx);
	ssize_t r;
	if (room > READ_CHUNK) room = READ_CHUNK;
	if (!buf_reserve(rx, room)) log_die(EXIT_SYSTEM, "out of memory");
	r = read(0, rx->p + rx->len, room);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		log_info("connection lost: %s", strerror(errno));
		exit(s->authed ? EXIT_OK : EXIT_PEER);
	}
	if (!r) {
		log_info("connection closed by client");
		exit(s->authed ? EXIT_OK : EXIT_PEER);
	}
	rx->len += (size_t)r;
}

static void write_output(struct session *s)
{
	struct buf *tx = &s->t.tx;
	ssize_t w = write(1, buf_data(tx), buf_used(tx));
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		log_info("connection lost: %s", strerror(errno));
		exit(s->closing ? s->exit_code : EXIT_PEER);
	}
	buf_consume(tx, (size_t)w);
}

static void serve(struct session *s)
{
	for (;;) {
		struct pollfd pfd[2] = {{0, 0, 0}, {1, 0, 0}};
		time_t now;
		int r;

		process_input(s);
		if (buf_used(&s->t.deferred)) packet_flush_deferred(s);
		if (s->authed && !s->closing && !channel_pump(s)) fail_protocol(s);
		now = time(0);
		check_deadlines(s, now);
		if (s->closing && !buf_used(&s->t.tx)) exit(s->exit_code);
		if (!s->closing && buf_used(&s->t.rx) < s->t.rx.max &&
		    buf_used(&s->t.tx) < SSH_TX_HIGH_WATER)
			pfd[0].events = POLLIN;
		if (buf_used(&s->t.tx)) pfd[1].events = POLLOUT;
		r = poll(pfd, 2, s->closing ? 5000 : poll_timeout_ms(s, now));
		if (r < 0 && errno != EINTR) log_die(EXIT_SYSTEM, "poll: %s", strerror(errno));
		if (r == 0 && s->closing) exit(s->exit_code);
		if (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) write_output(s);
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) read_input(s);
	}
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int serve_raw_sftp(struct session *s)
{
	struct account *a = &s->account;
	const char *home = getenv("HOME");
	const char *pattern = s->cf[CF_ROOT].str;
	char dir[SLUICE_MAX_PATH];
	struct fs_root root = FS_ROOT_ZERO;

	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", getenv("USER") ? getenv("USER") : "");
	snprintf(a->home, sizeof a->home, "%s", home && home[0] == '/' ? home : "/");
	if (pattern[0]) {
		if (!authority_expand_path(pattern, a, dir, sizeof dir))
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
	return sftp_serve_stdio(&root, &s->sftp_opt, 0, 1);
}

int main(int argc, char **argv)
{
	struct session *s = &sess;
	struct peer peer;
	const char *mode = argc > 1 ? argv[1] : "";
	const char *v;

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
	priv_harden();
	/* A client that goes away must show up as EPIPE from write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	load_config(s, !mode[0]);
	if (!strcmp(mode, "-S")) return serve_raw_sftp(s);
	load_host_keys(s, !mode[0]);
	if (!strcmp(mode, "-t")) {
		print_settings(s);
		return 0;
	}
	load_banner(s);
	if (peer_fd_is_tcp(0)) {
		int one = 1;
		setsockopt(0, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	set_nonblocking(0);
	set_nonblocking(1);
	s->start = s->last_activity = time(0);
	log_info("connection from %s", peer.text);
	/* Version line and first KEXINIT leave in one write. */
	v = kex_version_line();
	if (!buf_append(&s->t.tx, v, strlen(v)) || !kex_send_init(s))
		log_die(EXIT_SYSTEM, "out of memory");
	serve(s);
}
