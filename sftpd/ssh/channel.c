/* channel: the SSH connection protocol (RFC 4254) as far as a file
 * transfer server needs it: session channels running the sftp subsystem
 * or scp (channel_app.c), flow control in both directions, and polite
 * refusal of everything else (shells, ptys, other commands, X11, agent and
 * port forwarding). */
#include <errno.h>
#include <string.h>
#include "log/log.h"
#include "ssh.h"

#define CHANNEL_MIN_REMOTE_PACKET 256u

static struct channel *channel_get(struct session *s, struct wire_in *in)
{
	uint32_t id;
	if (!wire_get_u32(in, &id) || id >= s->max_channels ||
	    s->channels[id].state == CHANNEL_FREE)
		return 0;
	return &s->channels[id];
}

static unsigned channels_open(const struct session *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->max_channels; i++)
		n += s->channels[i].state != CHANNEL_FREE;
	return n;
}

int channel_any_open(const struct session *s)
{
	return channels_open(s) > 0;
}

static int open_failure(struct session *s, uint32_t sender, uint32_t reason, const char *why)
{
	struct wire_out w;
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_OPEN_FAILURE, 64 + strlen(why))) return 0;
	wire_put_u32(&w, sender);
	wire_put_u32(&w, reason);
	wire_put_cstring(&w, why);
	wire_put_cstring(&w, "");
	return packet_end(s, &w);
}

static int handle_open(struct session *s, struct wire_in *in)
{
	const unsigned char *type;
	uint32_t typelen, sender, window, maxpacket;
	unsigned i;
	struct wire_out w;
	struct channel *ch;

	wire_get_string(in, &type, &typelen);
	wire_get_u32(in, &sender);
	wire_get_u32(in, &window);
	wire_get_u32(in, &maxpacket);
	if (in->bad) return (errno = EPROTO, 0);
	if (typelen != 7 || memcmp(type, "session", 7)) {
		log_info("refused channel type %.*s", (int)(typelen > 64 ? 64 : typelen),
			 (const char *)type);
		return open_failure(s, sender, 1, "only session channels are offered");
	}
	if (s->no_more_sessions || channels_open(s) >= s->cf[CF_MAX_SESSIONS].num)
		return open_failure(s, sender, 4, "too many sessions");
	if (maxpacket < CHANNEL_MIN_REMOTE_PACKET)
		return open_failure(s, sender, 4, "maximum packet too small");
	for (i = 0; i < s->max_channels && s->channels[i].state != CHANNEL_FREE; i++)
		;
	if (i == s->max_channels) return open_failure(s, sender, 4, "too many sessions");
	ch = &s->channels[i];
	memset(ch, 0, sizeof *ch);
	ch->state = CHANNEL_OPEN;
	ch->remote_id = sender;
	ch->remote_window = window;
	ch->remote_max_packet = maxpacket;
	ch->local_window = ch->window_size = client_window(s);
	ch->in = (struct buf)BUF_ZERO(ch->window_size);
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_OPEN_CONFIRMATION, 32)) return 0;
	wire_put_u32(&w, sender);
	wire_put_u32(&w, i);
	wire_put_u32(&w, ch->window_size);
	wire_put_u32(&w, client_packet(s));
	return packet_end(s, &w);
}

static int reply(struct session *s, struct channel *ch, int want, int ok)
{
	struct wire_out w;
	if (!want) return 1;
	if (!packet_begin(s, &w, ok ? SSH_MSG_CHANNEL_SUCCESS : SSH_MSG_CHANNEL_FAILURE, 8))
		return 0;
	wire_put_u32(&w, ch->remote_id);
	return packet_end(s, &w);
}

/* A request name as a C string.  One that cannot be any name we know (too
 * long for buf, or holding a NUL) becomes "": like any unknown request it
 * gets a failure reply, as OpenSSH gives, rather than a disconnect. */
static int get_request_name(struct wire_in *in, char *buf, size_t cap)
{
	const unsigned char *p;
	uint32_t n;

	if (!wire_get_string(in, &p, &n)) return 0;
	if (n >= cap || memchr(p, 0, n)) {
		log_info("refused a request with a %lu-byte name", (unsigned long)n);
		n = 0;
	}
	memcpy(buf, p, n);
	buf[n] = 0;
	return 1;
}

static int handle_request(struct session *s, struct wire_in *in)
{
	struct channel *ch = channel_get(s, in);
	char type[64], arg[256];
	const unsigned char *cmd;
	uint32_t len;
	int want;

	if (!ch || !get_request_name(in, type, sizeof type) || !wire_get_bool(in, &want))
		return (errno = EPROTO, 0);
	if (!strcmp(type, "subsystem")) {
		if (!wire_get_cstring(in, arg, sizeof arg) || !wire_done(in))
			return reply(s, ch, want, 0);
		if (strcmp(arg, "sftp")) {
			log_info("refused subsystem %s", arg);
			return reply(s, ch, want, 0);
		}
		return reply(s, ch, want, channel_start_sftp(s, ch));
	}
	if (!strcmp(type, "exec")) {
		if (!wire_get_string(in, &cmd, &len) || !wire_done(in)) {
			log_info("refused a malformed exec request");
			return reply(s, ch, want, 0);
		}
		return reply(s, ch, want, channel_start_exec(s, ch, (const char *)cmd, len));
	}
	if (!strcmp(type, "shell") || !strcmp(type, "pty-req") || !strcmp(type, "x11-req") ||
	    !strcmp(type, "auth-agent-req@openssh.com"))
		log_info("refused %s request", type);
	return reply(s, ch, want, 0);
}

static int handle_data(struct session *s, struct wire_in *in, int extended)
{
	struct channel *ch = channel_get(s, in);
	const unsigned char *p;
	uint32_t n, code;

	if (!ch) return (errno = EPROTO, 0);
	if (extended) wire_get_u32(in, &code);
	wire_get_string(in, &p, &n);
	if (!wire_done(in)) return (errno = EPROTO, 0);
	if (n > ch->local_window) {
		log_warn("client overran the channel window");
		return (errno = EPROTO, 0);
	}
	ch->local_window -= n;
	if (ch->eof_in || ch->close_received) return 1;
	if (extended || !ch->app) {
		ch->consumed += n;
		return 1;
	}
	/* Straight from the packet when nothing waits before these bytes. */
	if (!buf_used(&ch->in)) {
		size_t taken = ch->app->input(ch->ctx, p, rate_allowed(&s->rate_up, n));
		rate_take(&s->rate_up, taken);
		ch->consumed += (uint32_t)taken;
		p += taken;
		n -= (uint32_t)taken;
	}
	return n ? buf_append(&ch->in, p, n) : 1;
}

static void channel_free(struct channel *ch)
{
	if (ch->app) ch->app->free(ch->ctx);
	buf_free(&ch->in);
	memset(ch, 0, sizeof *ch);
}

void channel_free_all(struct session *s)
{
	for (unsigned i = 0; i < s->max_channels; i++)
		if (s->channels[i].state != CHANNEL_FREE) channel_free(&s->channels[i]);
}

static int send_close(struct session *s, struct channel *ch)
{
	struct wire_out w;
	if (ch->close_sent) return 1;
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_CLOSE, 8)) return 0;
	wire_put_u32(&w, ch->remote_id);
	ch->close_sent = 1;
	return packet_end(s, &w);
}

static int handle_global(struct session *s, struct wire_in *in)
{
	char name[128];
	int want;
	unsigned char answer = SSH_MSG_REQUEST_FAILURE;
	if (!get_request_name(in, name, sizeof name) || !wire_get_bool(in, &want))
		return (errno = EPROTO, 0);
	if (!strcmp(name, "hostkeys-prove-00@openssh.com")) return hostkeys_prove(s, in, want);
	if (!strcmp(name, "no-more-sessions@openssh.com")) {
		s->no_more_sessions = 1;
		answer = SSH_MSG_REQUEST_SUCCESS;
	}
	/* keepalive@openssh.com and everything else: a failure reply is the answer. */
	return want ? packet_send(s, &answer, 1) : 1;
}

int channel_handle(struct session *s, uint8_t type, const unsigned char *p, size_t len)
{
	struct wire_in in;
	struct channel *ch;
	uint32_t add;

	wire_in_init(&in, p + 1, len - 1);
	switch (type) {
	case SSH_MSG_GLOBAL_REQUEST:
		return handle_global(s, &in);
	case SSH_MSG_CHANNEL_OPEN:
		return handle_open(s, &in);
	case SSH_MSG_CHANNEL_REQUEST:
		return handle_request(s, &in);
	case SSH_MSG_CHANNEL_DATA:
		return handle_data(s, &in, 0);
	case SSH_MSG_CHANNEL_EXTENDED_DATA:
		return handle_data(s, &in, 1);
	case SSH_MSG_REQUEST_SUCCESS:
	case SSH_MSG_REQUEST_FAILURE:
		return 1;
	}
	ch = channel_get(s, &in);
	if (!ch) return (errno = EPROTO, 0);
	switch (type) {
	case SSH_MSG_CHANNEL_WINDOW_ADJUST:
		if (!wire_get_u32(&in, &add) || !wire_done(&in)) return (errno = EPROTO, 0);
		ch->remote_window =
		    add > UINT32_MAX - ch->remote_window ? UINT32_MAX : ch->remote_window + add;
		return 1;
	case SSH_MSG_CHANNEL_EOF:
		ch->eof_in = 1;
		return 1;
	case SSH_MSG_CHANNEL_CLOSE:
		ch->close_received = 1;
		ch->eof_in = 1;
		if (!send_close(s, ch)) return 0;
		channel_free(ch);
		return 1;
	case SSH_MSG_CHANNEL_SUCCESS:
	case SSH_MSG_CHANNEL_FAILURE:
		return 1;
	}
	return (errno = EPROTO, 0);
}

/* Moves queued client bytes into the app; returns bytes moved. */
/* A direction out of tokens: the loop comes back when it has some. */
static void throttled(struct session *s, struct rate_bucket *b)
{
	int ms = rate_wait_ms(b);
	if (s->throttle_ms < 0 || ms < s->throttle_ms) s->throttle_ms = ms;
}

static size_t feed(struct session *s, struct channel *ch)
{
	size_t n = buf_used(&ch->in);
	if (!n) return 0;
	if (!(n = rate_allowed(&s->rate_up, n))) {
		throttled(s, &s->rate_up);
		return 0;
	}
	n = ch->app->input(ch->ctx, buf_data(&ch->in), n);
	rate_take(&s->rate_up, n);
	buf_consume(&ch->in, n);
	ch->consumed += (uint32_t)n;
	return n;
}

typedef size_t (*app_output_fn)(void *ctx, unsigned char *dst, size_t cap);

/* Ends the data packet begun in w (its length field at w->p + at) with up
 * to n bytes the app writes into it; returns how many (0: none, nothing
 * sent). */
static size_t end_with_output(struct session *s, struct wire_out *w, size_t at, size_t n,
			      app_output_fn output, void *ctx)
{
	unsigned char *dst = wire_put_reserve(w, n);

	if (!dst) log_die(EXIT_BUG, "channel packet larger than its room");
	/* Nothing is committed before packet_end: an empty packet is dropped. */
	n = output(ctx, dst, n);
	if (!n) return 0;
	w->len = at + 4 + n;
	wire_patch_u32(w, at, (uint32_t)n);
	if (!packet_end(s, w)) log_die(EXIT_SYSTEM, "unable to send: %s", strerror(errno));
	return n;
}

/* The same for an app that shows where its bytes lie (view): they are
 * encrypted from there into the packet, not copied into it first. */
static size_t end_with_view(struct session *s, struct channel *ch, struct wire_out *w, size_t at,
			    size_t n)
{
	size_t avail;
	const unsigned char *src = ch->app->view(ch->ctx, &avail);

	if (n > avail) n = avail;
	if (!n) return 0;
	wire_patch_u32(w, at, (uint32_t)n);
	if (!wire_put_reserve(w, n)) log_die(EXIT_BUG, "channel packet larger than its room");
	if (!packet_end_from(s, w, src, n))
		log_die(EXIT_SYSTEM, "unable to send: %s", strerror(errno));
	ch->app->consume(ch->ctx, n);
	return n;
}

/* Sends as much of the app's output (err: its error text, as extended
 * data of type 1, stderr) as the window, the peer's packet size and our
 * transmit queue allow, written by the app straight into the packets or
 * encrypted from its own buffer; returns bytes sent. */
static size_t drain_stream(struct session *s, struct channel *ch, int err)
{
	size_t (*pending)(const void *) = err ? ch->app->err_pending : ch->app->pending;
	app_output_fn output = err ? ch->app->err_output : ch->app->output;
	int viewed = !err && ch->app->view;
	size_t sent = 0, n;

	if (!pending) return 0;
	while (!s->kex.sent_kexinit && !buf_used(&s->t.deferred) &&
	       buf_used(&s->t.tx) < SSH_TX_HIGH_WATER && ch->remote_window &&
	       (n = pending(ch->ctx)) > 0) {
		struct wire_out w;
		size_t at;
		if (n > ch->remote_window) n = ch->remote_window;
		if (n > ch->remote_max_packet) n = ch->remote_max_packet;
		if (n > SSH_CHANNEL_MAX_PACKET) n = SSH_CHANNEL_MAX_PACKET;
		if (!(n = rate_allowed(&s->rate_down, n))) {
			throttled(s, &s->rate_down);
			break;
		}
		if (!packet_begin(s, &w, err ? SSH_MSG_CHANNEL_EXTENDED_DATA : SSH_MSG_CHANNEL_DATA,
				  13 + n))
			log_die(EXIT_SYSTEM, "out of memory");
		wire_put_u32(&w, ch->remote_id);
		if (err) wire_put_u32(&w, SSH_EXTENDED_DATA_STDERR);
		at = w.len;
		wire_put_u32(&w, 0);
		n = viewed ? end_with_view(s, ch, &w, at, n)
			   : end_with_output(s, &w, at, n, output, ch->ctx);
		if (!n) break;
		ch->remote_window -= (uint32_t)n;
		rate_take(&s->rate_down, n);
		sent += n;
	}
	return sent;
}

static size_t drain(struct session *s, struct channel *ch)
{
	return drain_stream(s, ch, 1) + drain_stream(s, ch, 0);
}

static int window_adjust(struct session *s, struct channel *ch)
{
	struct wire_out w;
	if (ch->consumed < ch->window_size / 2 || ch->eof_in) return 1;
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_WINDOW_ADJUST, 16)) return 0;
	wire_put_u32(&w, ch->remote_id);
	wire_put_u32(&w, ch->consumed);
	ch->local_window += ch->consumed;
	ch->consumed = 0;
	return packet_end(s, &w);
}

static int finish(struct session *s, struct channel *ch, uint32_t status)
{
	struct wire_out w;
	if (ch->exit_sent) return 1;
	ch->exit_sent = 1;
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_REQUEST, 64)) return 0;
	wire_put_u32(&w, ch->remote_id);
	wire_put_cstring(&w, "exit-status");
	wire_put_bool(&w, 0);
	wire_put_u32(&w, status);
	if (!packet_end(s, &w)) return 0;
	if (!packet_begin(s, &w, SSH_MSG_CHANNEL_EOF, 8)) return 0;
	wire_put_u32(&w, ch->remote_id);
	if (!packet_end(s, &w)) return 0;
	return send_close(s, ch);
}

static int pump_one(struct session *s, struct channel *ch)
{
	uint32_t status;
	int progress;

	if (!ch->app) return ch->eof_in ? finish(s, ch, 0) : 1;
	if (ch->exit_sent) return 1;
	do {
		int r;
		progress = feed(s, ch) > 0;
		r = ch->app->run(ch->ctx, ch->eof_in && !buf_used(&ch->in));
		if (!r) return finish(s, ch, 1);
		if (r == 2) s->app_busy = 1;
		progress |= drain(s, ch) > 0;
	} while (progress);
	if (!window_adjust(s, ch)) return 0;
	if (!ch->app->pending(ch->ctx) &&
	    !(ch->app->err_pending && ch->app->err_pending(ch->ctx)) &&
	    ch->app->finished(ch->ctx, ch->eof_in && !buf_used(&ch->in), &status))
		return finish(s, ch, status);
	return 1;
}

int channel_pump(struct session *s)
{
	s->app_busy = 0;
	s->throttle_ms = -1;
	for (unsigned i = 0; i < s->max_channels; i++) {
		struct channel *ch = &s->channels[i];
		if (ch->state == CHANNEL_FREE) continue;
		if (!pump_one(s, ch)) return 0;
	}
	return 1;
}
