/* packet: the SSH binary packet protocol (RFC 4253 s4.2, s6): the version
 * exchange, framing, padding, sequence numbers, and the queue that holds
 * connection-layer messages while a key exchange is running. */
#include <errno.h>
#include <string.h>
#include "log/log.h"
#include "ssh.h"

int packet_read_version(struct session *s)
{
	struct transport *t = &s->t;

	for (;;) {
		size_t n = buf_used(&t->rx), i;
		/* an empty queue may have no buffer yet: no memchr(NULL, ...) */
		const unsigned char *p = n ? buf_data(&t->rx) : 0;
		const unsigned char *nl =
		    n ? memchr(p, '\n', n > SSH_MAX_VERSION_LINE ? SSH_MAX_VERSION_LINE : n) : 0;
		size_t linelen;

		if (!nl) {
			if (n >= SSH_MAX_VERSION_LINE) return (errno = EPROTO, 0);
			return (errno = EAGAIN, 0);
		}
		linelen = nl - p;
		if (linelen && p[linelen - 1] == '\r') linelen--;
		if (linelen >= 4 && !memcmp(p, "SSH-", 4)) {
			if (!(linelen > 8 && !memcmp(p, "SSH-2.0-", 8)) &&
			    !(linelen > 9 && !memcmp(p, "SSH-1.99-", 9)))
				return (errno = EPROTONOSUPPORT, 0);
			for (i = 0; i < linelen; i++)
				if (p[i] < 0x20 || p[i] > 0x7e) return (errno = EPROTO, 0);
			memcpy(s->kex.v_c, p, linelen);
			s->kex.v_c[linelen] = 0;
			buf_consume(&t->rx, (size_t)(nl - p) + 1);
			t->got_version = 1;
			return 1;
		}
		/* RFC 4253 s4.2 lets only the server send other lines first. */
		return (errno = EPROTO, 0);
	}
}

static int block_aligned(const struct cipher_state *c, uint32_t pktlen)
{
	int aad = c->kind == CIPHER_CHACHAPOLY || c->kind == CIPHER_GCM || c->etm;
	size_t block = c->block ? c->block : 8;
	return ((aad ? 0 : 4) + (size_t)pktlen) % block == 0;
}

int packet_next(struct session *s, const unsigned char **payload, size_t *len)
{
	struct transport *t = &s->t;
	size_t avail = buf_used(&t->rx), total;
	unsigned char *p;
	uint32_t pktlen;
	uint8_t padlen;

	if (!avail) return (errno = EAGAIN, 0); /* and maybe no buffer yet */
	p = buf_data(&t->rx);
	if (!t->rx_need) {
		if (!cipher_peek_length(&t->in, t->seq_in, p, avail, &pktlen, &t->rx_head_done))
			return 0;
		if (pktlen < 8 || pktlen > SSH_MAX_PACKET || !block_aligned(&t->in, pktlen)) {
			log_warn("bad packet length %u", pktlen);
			return (errno = EPROTO, 0);
		}
		t->rx_need = pktlen;
	}
	pktlen = t->rx_need;
	total = 4 + (size_t)pktlen + t->in.taglen;
	if (avail < total) return (errno = EAGAIN, 0);
	if (!cipher_open(&t->in, t->seq_in, p, pktlen, t->rx_head_done)) {
		log_warn("message authentication failed");
		return (errno = EBADMSG, 0);
	}
	padlen = p[4];
	if (padlen < 4 || (size_t)padlen + 2 > pktlen) {
		log_warn("bad padding length %u", padlen);
		return (errno = EPROTO, 0);
	}
	*payload = p + 5;
	*len = pktlen - padlen - 1;
	if (t->comp_in.started && !uncompress_payload(&t->comp_in, p + 5, *len, payload, len)) {
		log_warn("bad compressed packet (%s)", strerror(errno));
		return (errno = EPROTO, 0);
	}
	t->seq_in++;
	t->bytes_in += total;
	t->packets_in++;
	t->rx_total = total;
	return 1;
}

void packet_consume(struct session *s)
{
	buf_consume(&s->t.rx, s->t.rx_total);
	s->t.rx_total = 0;
	s->t.rx_need = 0;
	s->t.rx_head_done = 0;
}

/* RFC 4253 s7.1: between our KEXINIT and our NEWKEYS only transport
 * messages may be sent; the rest waits in t->deferred.  Afterwards newer
 * messages queue behind the ones still waiting, so the order holds while
 * the queue drains into tx as room allows. */
static int must_defer(const struct session *s, uint8_t type)
{
	int connection_layer = type >= 50 || type == SSH_MSG_SERVICE_REQUEST ||
			       type == SSH_MSG_SERVICE_ACCEPT || type == SSH_MSG_EXT_INFO;
	if (!connection_layer) return 0;
	if (s->kex.sent_kexinit) return 1;
	return buf_used(&s->t.deferred) && !s->t.flushing;
}

int packet_begin(struct session *s, struct wire_out *w, uint8_t type, size_t maxlen)
{
	struct transport *t = &s->t;

	if (maxlen > SSH_MAX_PAYLOAD) maxlen = SSH_MAX_PAYLOAD;
	if (must_defer(s, type)) {
		if (!buf_reserve(&t->deferred, 4 + maxlen)) return 0;
		wire_out_init(w, t->deferred.p + t->deferred.len + 4, maxlen);
	} else {
		if (!buf_reserve(&t->tx, 5 + maxlen + 2 * 16 + 64)) return 0;
		wire_out_init(w, t->tx.p + t->tx.len + 5, maxlen);
	}
	return wire_put_u8(w, type);
}

int packet_end(struct session *s, struct wire_out *w)
{
	return packet_end_from(s, w, 0, 0);
}

int packet_end_from(struct session *s, struct wire_out *w, const unsigned char *src, size_t n)
{
	struct transport *t = &s->t;
	struct cipher_state *c = &t->out;
	size_t plen = w->len, block = c->block ? c->block : 8, base, pad, pktlen;
	int aad = c->kind == CIPHER_CHACHAPOLY || c->kind == CIPHER_GCM || c->etm;
	unsigned char *pkt;

	if (w->bad || !plen || n >= plen) return (errno = EMSGSIZE, 0);
	if (n && (t->comp_out.started || must_defer(s, w->p[0]))) {
		memcpy(w->p + plen - n, src, n);
		n = 0;
	}
	if (must_defer(s, w->p[0])) {
		wire_store_u32(t->deferred.p + t->deferred.len, (uint32_t)plen);
		t->deferred.len += 4 + plen;
		return 1;
	}
	if (t->comp_out.started) {
		const unsigned char *z;
		size_t zlen;
		if (!compress_payload(&t->comp_out, w->p, plen, &z, &zlen)) return 0;
		if (!buf_reserve(&t->tx, 5 + zlen + 2 * 16 + 64)) return 0;
		memcpy(t->tx.p + t->tx.len + 5, z, zlen);
		plen = zlen;
	}
	base = 1 + plen + (aad ? 0 : 4);
	pad = block - base % block;
	if (pad < 4) pad += block;
	pktlen = 1 + plen + pad;
	pkt = t->tx.p + t->tx.len;
	wire_store_u32(pkt, (uint32_t)pktlen);
	pkt[4] = (unsigned char)pad;
	if (c->kind == CIPHER_CTR || c->kind == CIPHER_NONE)
		algo_random(pkt + 5 + plen, pad);
	else /* encrypted under an AEAD: the padding's content is not exposed */
		memset(pkt + 5 + plen, 0, pad);
	if (!cipher_seal_from(c, t->seq_out, pkt, 4 + pktlen, 5 + plen - n, src, n)) return 0;
	t->tx.len += 4 + pktlen + c->taglen;
	t->seq_out++;
	t->bytes_out += 4 + pktlen + c->taglen;
	t->packets_out++;
	return 1;
}

int packet_send(struct session *s, const unsigned char *payload, size_t len)
{
	struct wire_out w;
	if (!len) return (errno = EINVAL, 0);
	if (!packet_begin(s, &w, payload[0], len)) return 0;
	wire_put_bytes(&w, payload + 1, len - 1);
	return packet_end(s, &w);
}

void packet_flush_deferred(struct session *s)
{
	struct buf *d = &s->t.deferred;
	if (s->kex.sent_kexinit) return;
	s->t.flushing = 1;
	while (buf_used(d) >= 4 && buf_used(&s->t.tx) < SSH_TX_HIGH_WATER) {
		uint32_t n = wire_load_u32(buf_data(d));
		/* tx keeps room for two maximal packets above its high water mark */
		if (!packet_send(s, buf_data(d) + 4, n))
			log_die(EXIT_SYSTEM, "unable to queue packet: %s", strerror(errno));
		buf_consume(d, 4 + n);
	}
	s->t.flushing = 0;
}

void ssh_disconnect(struct session *s, uint32_t reason, const char *msg)
{
	struct wire_out w;
	if (s->closing) return;
	s->closing = 1;
	/* A DISCONNECT is allowed during key exchange (RFC 4253 s7.1). */
	if (!packet_begin(s, &w, SSH_MSG_DISCONNECT, 16 + strlen(msg))) return;
	wire_put_u32(&w, reason);
	wire_put_cstring(&w, msg);
	wire_put_cstring(&w, "");
	packet_end(s, &w);
}
