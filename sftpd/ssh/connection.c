/* connection: the event loop of one SSH connection: read, decrypt and
 * dispatch packets, run the channels, write, keep the deadlines (login
 * grace time, idle timeout, rekeying).  The network child runs it until
 * authentication succeeds, the session process from there to the end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "log/log.h"
#include "priv/priv.h"
#include "ssh.h"

#define READ_CHUNK (256u * 1024)

static void send_unimplemented(struct session *s)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_UNIMPLEMENTED, 8)) return;
	wire_put_u32(&w, s->t.seq_in - 1);
	packet_end(s, &w);
}

/* The connection is over: what its channels still had open is recorded. */
__attribute__((noreturn)) static void connection_exit(struct session *s, int code)
{
	if (s->authed && !s->until_auth) channel_free_all(s);
	exit(code);
}

/* The numbers RFC 4254 assigns; 83-89 are unassigned and, like any
 * unknown number, get SSH_MSG_UNIMPLEMENTED (RFC 4253 11.4), as OpenSSH
 * answers them, not a disconnect. */
static int connection_protocol_msg(uint8_t type)
{
	return (type >= SSH_MSG_GLOBAL_REQUEST && type <= SSH_MSG_REQUEST_FAILURE) ||
	       (type >= SSH_MSG_CHANNEL_OPEN && type <= SSH_MSG_CHANNEL_FAILURE);
}

static int dispatch(struct session *s, const unsigned char *p, size_t len)
{
	uint8_t type = p[0];
	if (!kex_allows(s, type)) {
		log_warn("unexpected message %u during key exchange", type);
		return (errno = EPROTO, 0);
	}
	if (type >= SSH_MSG_KEX_FIRST && type <= SSH_MSG_KEX_LAST)
		return kex_handle(s, type, p, len);
	switch (type) {
	case SSH_MSG_DISCONNECT:
		log_info("client disconnected");
		connection_exit(s, s->authed ? EXIT_OK : EXIT_PEER);
	case SSH_MSG_IGNORE:
	case SSH_MSG_DEBUG:
	case SSH_MSG_UNIMPLEMENTED:
	case SSH_MSG_EXT_INFO:
		return 1;
	case SSH_MSG_KEXINIT:
	case SSH_MSG_NEWKEYS:
		return kex_handle(s, type, p, len);
	case SSH_MSG_SERVICE_REQUEST:
	case SSH_MSG_USERAUTH_REQUEST:
	case SSH_MSG_USERAUTH_INFO_RESPONSE:
		if (!s->kex.done_once) return (errno = EPROTO, 0);
		return userauth_handle(s, type, p, len);
	}
	if (connection_protocol_msg(type)) {
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
		connection_exit(s, EXIT_PEER);
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
		client_match_apply(s);
		if (!kex_send_init(s)) log_die(EXIT_SYSTEM, "unable to start key exchange");
	}
	while (!s->closing && buf_used(&s->t.tx) < SSH_TX_HIGH_WATER &&
	       !(s->until_auth && s->authed)) {
		if (!packet_next(s, &p, &len)) {
			if (errno == EAGAIN) return;
			fail_protocol(s);
			return;
		}
		s->last_activity = time(0);
		s->alive_unanswered = 0;
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
	if (s->authed && s->alive_interval) {
		time_t from =
		    s->alive_sent_at > s->last_activity ? s->alive_sent_at : s->last_activity;
		long a = (long)(from + (time_t)s->alive_interval - now);
		if (a < t) t = a;
	}
	if (t <= 0) return 0;
	if (s->authed && s->throttle_ms >= 0 && s->throttle_ms < (t > 3600 ? 3600000 : t * 1000))
		return s->throttle_ms;
	return (int)(t > 3600 ? 3600000 : t * 1000);
}

/* SFTPD_CLIENT_ALIVE, as OpenSSH's ClientAliveInterval/CountMax: after
 * the interval without a packet, a probe that wants a reply; one more than
 * the count unanswered (no packet at all in between) ends the connection. */
static void check_client_alive(struct session *s, time_t now)
{
	static const char probe[] = "keepalive@openssh.com";
	struct wire_out w;

	if (!s->authed || s->until_auth || !s->alive_interval || s->closing) return;
	if (now - s->last_activity < (time_t)s->alive_interval ||
	    now - s->alive_sent_at < (time_t)s->alive_interval)
		return;
	if (++s->alive_unanswered > s->alive_max) {
		log_info("client not responding: %u keep-alive probes unanswered", s->alive_max);
		ssh_disconnect(s, SSH_DISCONNECT_BY_APPLICATION, "client not responding");
		s->exit_code = EXIT_PEER;
		return;
	}
	s->alive_sent_at = now;
	if (!packet_begin(s, &w, SSH_MSG_GLOBAL_REQUEST, sizeof probe + 8)) return;
	wire_put_string(&w, probe, sizeof probe - 1);
	wire_put_u8(&w, 1);
	if (!packet_end(s, &w)) log_die(EXIT_SYSTEM, "unable to send a keep-alive probe");
	log_debug("keep-alive probe %u sent", s->alive_unanswered);
}

static void check_deadlines(struct session *s, time_t now)
{
	check_client_alive(s, now);
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
		connection_exit(s, s->authed ? EXIT_OK : EXIT_PEER);
	}
	if (!r) {
		log_info("connection closed by client");
		connection_exit(s, s->authed ? EXIT_OK : EXIT_PEER);
	}
	rx->len += (size_t)r;
	s->pages_busy = 1;
}

static void write_output(struct session *s)
{
	struct buf *tx = &s->t.tx;
	ssize_t w = write(1, buf_data(tx), buf_used(tx));
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		log_info("connection lost: %s", strerror(errno));
		connection_exit(s, s->closing ? s->exit_code : EXIT_PEER);
	}
	buf_consume(tx, (size_t)w);
	s->pages_busy = 1;
}

/* A session quiet for IDLE_RELEASE_MS with nothing queued hands back what
 * its last burst of work left resident: the transport's buffers (they
 * grow again on demand), the pages of the channel apps' empty queues, the
 * code, the free heap and the dead stack. */
#define IDLE_RELEASE_MS 2000

static int idle_release_due(const struct session *s)
{
	return s->authed && !s->until_auth && s->pages_busy && !s->closing && !s->app_busy &&
	       !buf_used(&s->t.rx) && !buf_used(&s->t.tx) && !buf_used(&s->t.deferred);
}

static void release_idle(struct session *s)
{
	for (unsigned i = 0; i < s->max_channels; i++) {
		struct channel *ch = &s->channels[i];
		if (ch->state != CHANNEL_FREE && ch->app && ch->app->idle) ch->app->idle(ch->ctx);
	}
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	priv_pages_release();
	s->pages_busy = 0;
	log_debug("quiet for %d ms: buffers and idle pages handed back", IDLE_RELEASE_MS);
}

/* SIGHUP: the other end hung up (ssh sends it to its ProxyCommand when it
 * exits).  Dying of it would lose the record of what was open; the loop
 * ends the connection as if the client had closed it. */
static volatile sig_atomic_t hung_up;

static void on_hangup(int sig)
{
	(void)sig;
	hung_up = 1;
}

void connection_catch_hangup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hangup; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, 0);
}

void connection_serve(struct session *s)
{
	for (;;) {
		struct pollfd pfd[2] = {{0, 0, 0}, {1, 0, 0}};
		int handing_over, timeout, idle_wait;
		time_t now;
		int r;

		if (hung_up) {
			log_info("hang-up signal: connection closed");
			connection_exit(s, s->authed ? EXIT_OK : EXIT_PEER);
		}

		process_input(s);
		handing_over = s->until_auth && s->authed;
		if (buf_used(&s->t.deferred)) packet_flush_deferred(s);
		/* The network child stops reading at USERAUTH_SUCCESS and returns
		 * once it has left: the rest is the session process's. */
		if (handing_over && !buf_used(&s->t.tx) && !buf_used(&s->t.deferred)) return;
		if (s->authed && !handing_over && !s->closing && !channel_pump(s)) fail_protocol(s);
		now = time(0);
		check_deadlines(s, now);
		if (s->closing && !buf_used(&s->t.tx)) connection_exit(s, s->exit_code);
		if (!s->closing && !handing_over && buf_used(&s->t.rx) < s->t.rx.max &&
		    buf_used(&s->t.tx) < SSH_TX_HIGH_WATER)
			pfd[0].events = POLLIN;
		if (buf_used(&s->t.tx)) pfd[1].events = POLLOUT;
		timeout = s->closing ? 5000 : s->app_busy ? 0 : poll_timeout_ms(s, now);
		idle_wait = idle_release_due(s) && timeout > IDLE_RELEASE_MS;
		if (idle_wait) timeout = IDLE_RELEASE_MS;
		r = poll(pfd, 2, timeout);
		if (r < 0 && errno != EINTR) log_die(EXIT_SYSTEM, "poll: %s", strerror(errno));
		if (r == 0 && s->closing) connection_exit(s, s->exit_code);
		if (r == 0 && idle_wait) release_idle(s);
		if (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) write_output(s);
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) read_input(s);
	}
}
