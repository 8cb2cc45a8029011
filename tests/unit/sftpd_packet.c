/* sftpd_packet: the SSH binary packet layer (packet.c, cipher.c) between a
 * sending and a receiving session: every cipher and MAC round-trips many
 * payload sizes and sequence numbers, every corrupted byte is refused,
 * framing errors are refused, partial input waits, and version lines parse. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "log/log.h"
#include "wire/wire.h"
#include "../../sftpd/ssh/ssh.h"
#include "sftpd_monitor_child.h"

static char *test_env[] = {"SFTPD_USERS_FILE=/nonexistent/users", "SFTPD_AUTH_FAIL_DELAY_MS=0", 0};

static struct session *session_new(void)
{
	struct session *s = calloc(1, sizeof *s);
	char err[256];

	if (!s) abort();
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->mon = -1; /* no monitor unless a test starts one */
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, s->cf, test_env, err, sizeof err)) {
		printf("Bail out! configuration: %s\n", err);
		exit(1);
	}
	return s;
}

static void session_free(struct session *s)
{
	compress_free(&s->t.comp_in, 0);
	compress_free(&s->t.comp_out, 1);
	cipher_free(&s->t.in);
	cipher_free(&s->t.out);
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	free(s);
}

/* One cipher configuration under test: a cipher, and a MAC for CTR. */
struct suite {
	const char *cipher, *mac;
	char label[80];
	const struct cipher_spec *cs;
	const struct mac_spec *ms;
	unsigned char key[64], iv[16], mackey[64];
};

static void suite_keys(struct suite *su)
{
	for (size_t i = 0; i < sizeof su->key; i++)
		su->key[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < sizeof su->iv; i++)
		su->iv[i] = (unsigned char)(0xf0 + i);
	for (size_t i = 0; i < sizeof su->mackey; i++)
		su->mackey[i] = (unsigned char)(i * 13 + 5);
}

/* Sets up one direction: s->t.out (encrypt) or s->t.in (decrypt). */
static int suite_setup(const struct suite *su, struct cipher_state *c, int encrypt)
{
	cipher_free(c);
	if (!su->cs) {
		memset(c, 0, sizeof *c);
		return 1;
	}
	return cipher_setup(c, su->cs, su->ms, su->key, su->iv, su->mackey, encrypt);
}

static int suite_pair(const struct suite *su, struct session *a, struct session *b)
{
	return suite_setup(su, &a->t.out, 1) && suite_setup(su, &b->t.in, 0);
}

static void move_tx(struct session *from, struct session *to)
{
	if (!buf_append(&to->t.rx, buf_data(&from->t.tx), buf_used(&from->t.tx))) abort();
	buf_consume(&from->t.tx, buf_used(&from->t.tx));
}

static void fill_payload(unsigned char *p, size_t n, unsigned seed)
{
	p[0] = SSH_MSG_CHANNEL_DATA;
	for (size_t i = 1; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

/* Sends one payload of n bytes on a and checks b reads back exactly it. */
static int roundtrip_one(struct session *a, struct session *b, const unsigned char *pl, size_t n)
{
	const unsigned char *p;
	size_t len;
	int good;

	if (!packet_send(a, pl, n)) return 0;
	move_tx(a, b);
	if (!packet_next(b, &p, &len)) return 0;
	good = len == n && !memcmp(p, pl, n);
	packet_consume(b);
	return good && buf_used(&b->t.rx) == 0;
}

static unsigned char *seal_fresh(const struct suite *su, uint32_t seq, const unsigned char *pl,
				 size_t n, size_t *outlen);
static int receive_fresh(const struct suite *su, uint32_t seq, const unsigned char *bytes, size_t n,
			 size_t filler, const unsigned char **payload, size_t *len,
			 struct session **bp);

static const size_t sizes[] = {
    1, 2, 15, 16, 17, 31, 32, 33, 1000, 4096, 32768, SSH_MAX_PAYLOAD - 17, SSH_MAX_PAYLOAD};

static void test_roundtrip(const struct suite *su, unsigned char *pl)
{
	struct session *a = session_new(), *b = session_new();
	int bad = 0;
	size_t si;
	uint32_t seqs[] = {0, 1, 0x7fffffff, 0xfffffffe};

	if (!suite_pair(su, a, b)) {
		ok(0, "%s: cipher_setup", su->label);
		return;
	}
	for (si = 0; si < ARRAY_LEN(sizes); si++) {
		fill_payload(pl, sizes[si], (unsigned)si);
		if (!roundtrip_one(a, b, pl, sizes[si])) {
			bad++;
			printf("#   size %zu failed: %s\n", sizes[si], strerror(errno));
		}
	}
	ok(!bad, "%s: %zu payload sizes round-trip", su->label, ARRAY_LEN(sizes));
	is_int(a->t.seq_out, ARRAY_LEN(sizes), "%s: sender sequence counted", su->label);
	is_int(b->t.seq_in, ARRAY_LEN(sizes), "%s: receiver sequence counted", su->label);

	/* Sequence numbers near the wrap, several packets in one read. */
	bad = 0;
	for (size_t q = 0; q < ARRAY_LEN(seqs); q++) {
		const unsigned char *p;
		size_t len;
		if (!suite_pair(su, a, b)) bad++;
		a->t.seq_out = b->t.seq_in = seqs[q];
		for (unsigned k = 0; k < 4; k++) {
			fill_payload(pl, 100 + k, k);
			if (!packet_send(a, pl, 100 + k)) bad++;
		}
		move_tx(a, b);
		for (unsigned k = 0; k < 4; k++) {
			fill_payload(pl, 100 + k, k);
			if (!packet_next(b, &p, &len) || len != 100 + k || memcmp(p, pl, len)) {
				bad++;
				printf("#   seq %u packet %u failed\n", seqs[q], k);
				break;
			}
			packet_consume(b);
		}
		if (b->t.seq_in != seqs[q] + 4) bad++;
		buf_consume(&b->t.rx, buf_used(&b->t.rx));
		b->t.rx_need = 0;
		b->t.rx_head_done = 0;
	}
	ok(!bad, "%s: sequence numbers 0, 1, 2^31-1 and across 2^32, 4 packets per read",
	   su->label);

	/* Sender and receiver out of step: refused (GCM counts its own nonces). */
	if (su->cs && su->cs->kind != CIPHER_GCM) {
		const unsigned char *p;
		size_t len, n;
		unsigned char *pkt;
		struct session *r;
		int got;
		fill_payload(pl, 64, 1);
		pkt = seal_fresh(su, 5, pl, 64, &n);
		got = receive_fresh(su, 6, pkt, n, SSH_MAX_PACKET + 128, &p, &len, &r);
		ok(!got && (errno == EBADMSG || errno == EPROTO),
		   "%s: wrong sequence number refused", su->label);
		session_free(r);
		free(pkt);
	}
	session_free(a);
	session_free(b);
}

/* Seals one packet of n payload bytes with fresh keys at seq; returns its
 * bytes (malloc'd) and length. */
static unsigned char *seal_fresh(const struct suite *su, uint32_t seq, const unsigned char *pl,
				 size_t n, size_t *outlen)
{
	struct session *a = session_new();
	unsigned char *out;

	if (!suite_setup(su, &a->t.out, 1)) abort();
	a->t.seq_out = seq;
	if (!packet_send(a, pl, n)) abort();
	*outlen = buf_used(&a->t.tx);
	out = malloc(*outlen);
	if (!out) abort();
	memcpy(out, buf_data(&a->t.tx), *outlen);
	session_free(a);
	return out;
}

/* Feeds bytes to a fresh receiver at seq; returns packet_next's result. */
static int receive_fresh(const struct suite *su, uint32_t seq, const unsigned char *bytes, size_t n,
			 size_t filler, const unsigned char **payload, size_t *len,
			 struct session **bp)
{
	struct session *b = session_new();
	int r;

	if (!suite_setup(su, &b->t.in, 0)) abort();
	b->t.seq_in = seq;
	if (!buf_append(&b->t.rx, bytes, n)) abort();
	if (filler) {
		if (!buf_reserve(&b->t.rx, filler)) abort();
		memset(b->t.rx.p + b->t.rx.len, 0, filler);
		b->t.rx.len += filler;
	}
	r = packet_next(b, payload, len);
	*bp = b;
	return r;
}

static void test_corruption(const struct suite *su, unsigned char *pl)
{
	static const size_t csizes[] = {1, 17, 200};
	int bad = 0, checked = 0, saw_badmsg = 0;

	if (!su->cs) return;
	for (size_t si = 0; si < ARRAY_LEN(csizes); si++) {
		size_t n;
		unsigned char *pkt;
		fill_payload(pl, csizes[si], 3);
		pkt = seal_fresh(su, 77, pl, csizes[si], &n);
		for (size_t pos = 0; pos < n; pos++) {
			for (unsigned bit = 0; bit < 8; bit += (pos < 4 ? 1 : 7)) {
				const unsigned char *p = 0;
				size_t len = 0;
				struct session *b;
				int r, e;
				pkt[pos] ^= (unsigned char)(1u << bit);
				/* A corrupted length may point past the packet: give it
				 * the bytes it asks for so the MAC is what decides. */
				r = receive_fresh(su, 77, pkt, n,
						  pos < 4 ? SSH_MAX_PACKET + 128 - n : 0, &p, &len,
						  &b);
				e = errno;
				pkt[pos] ^= (unsigned char)(1u << bit);
				checked++;
				if (r || (e != EBADMSG && e != EPROTO)) {
					bad++;
					printf("#   size %zu byte %zu bit %u: r=%d errno=%s\n",
					       csizes[si], pos, bit, r, strerror(e));
				}
				saw_badmsg += e == EBADMSG;
				session_free(b);
			}
		}
		{ /* the untouched packet still opens */
			const unsigned char *p;
			size_t len;
			struct session *b;
			int r = receive_fresh(su, 77, pkt, n, 0, &p, &len, &b);
			if (!r || len != csizes[si] || memcmp(p, pl, len)) bad++;
			session_free(b);
		}
		free(pkt);
	}
	ok(!bad && saw_badmsg, "%s: each of %d single-bit corruptions refused (EBADMSG/EPROTO)",
	   su->label, checked);
}

/* Seals a hand-framed packet: pktlen and padlen as given.  A length past
 * SSH_MAX_PACKET is only sealed over its first bytes: the receiver must
 * refuse it from the length alone.  CTR seals whole blocks only (its
 * counter position moves with the hand-over), so a misaligned packet is
 * sealed up to the next block: the receiver reads the same length. */
static unsigned char *seal_raw(const struct suite *su, uint32_t pktlen, uint8_t padlen,
			       size_t *outlen)
{
	struct cipher_state c;
	size_t taglen, n = 4 + (size_t)(pktlen > 4096 ? 4096 : pktlen), sealed = n;
	unsigned char *pkt;

	memset(&c, 0, sizeof c);
	if (!suite_setup(su, &c, 1)) abort();
	taglen = c.taglen;
	if (c.kind == CIPHER_CTR) {
		size_t start = c.etm ? 4 : 0;
		sealed = start + (n - start + c.block - 1) / c.block * c.block;
	}
	pkt = calloc(1, sealed + 64);
	if (!pkt) abort();
	wire_store_u32(pkt, pktlen);
	pkt[4] = padlen;
	if (pktlen > 1) pkt[5] = SSH_MSG_IGNORE;
	if (!cipher_seal(&c, 0, pkt, sealed)) abort();
	cipher_free(&c);
	*outlen = sealed + taglen;
	return pkt;
}

static int raw_result(const struct suite *su, uint32_t pktlen, uint8_t padlen, size_t filler)
{
	size_t n, len;
	const unsigned char *p;
	unsigned char *pkt = seal_raw(su, pktlen, padlen, &n);
	struct session *b;
	int r = receive_fresh(su, 0, pkt, n, filler, &p, &len, &b), e = errno;
	free(pkt);
	session_free(b);
	if (r) return -1;
	return e;
}

static void test_framing(const struct suite *su)
{
	size_t block = su->cs ? su->cs->block : 8;
	int aad = su->cs && (su->cs->kind != CIPHER_CTR || su->ms->etm);
	uint32_t good = (uint32_t)(aad ? 2 * block : 2 * block - 4); /* smallest aligned */
	uint32_t huge = (uint32_t)(aad ? SSH_MAX_PACKET + block : SSH_MAX_PACKET + block - 4);

	is_int(raw_result(su, good, 4, 0), -1, "%s: hand-framed packet (len %u, pad 4) accepted",
	       su->label, good);
	is_int(raw_result(su, huge, 4, 0), EPROTO, "%s: length %u > SSH_MAX_PACKET refused",
	       su->label, huge);
	is_int(raw_result(su, 0xffffffffu, 4, 0), EPROTO, "%s: length 2^32-1 refused", su->label);
	is_int(raw_result(su, good + 1, 4, 0), EPROTO, "%s: misaligned length refused", su->label);
	is_int(raw_result(su, good - 1, 4, 0), EPROTO, "%s: misaligned length (-1) refused",
	       su->label);
	is_int(raw_result(su, aad ? 0 : 4, 0, 0), EPROTO, "%s: length below 8 refused", su->label);
	is_int(raw_result(su, good, 3, 0), EPROTO, "%s: padding 3 refused", su->label);
	is_int(raw_result(su, good, 0, 0), EPROTO, "%s: padding 0 refused", su->label);
	is_int(raw_result(su, good, (uint8_t)(good - 1), 0), EPROTO,
	       "%s: padding leaving no payload refused", su->label);
	is_int(raw_result(su, good, 255, 0), EPROTO, "%s: padding beyond the packet refused",
	       su->label);
	is_int(raw_result(su, good, (uint8_t)(good - 2), 0), -1, "%s: one-byte payload accepted",
	       su->label);
}

static void test_trickle(const struct suite *su, unsigned char *pl)
{
	struct session *a = session_new(), *b = session_new();
	const unsigned char *p;
	size_t len, n, i;
	unsigned char *bytes;
	int early = 0, r = 0;

	if (!suite_pair(su, a, b)) abort();
	fill_payload(pl, 300, 9);
	packet_send(a, pl, 300);
	fill_payload(pl, 5, 10);
	packet_send(a, pl, 5);
	n = buf_used(&a->t.tx);
	bytes = malloc(n);
	if (!bytes) abort();
	memcpy(bytes, buf_data(&a->t.tx), n);
	buf_consume(&a->t.tx, n);
	fill_payload(pl, 300, 9);
	for (i = 0; i < n; i++) {
		buf_append(&b->t.rx, bytes + i, 1);
		r = packet_next(b, &p, &len);
		if (r) break;
		if (errno != EAGAIN) early++;
	}
	ok(r && !early && len == 300 && !memcmp(p, pl, 300),
	   "%s: one byte at a time: EAGAIN until whole", su->label);
	if (r) packet_consume(b);
	/* the second packet, again byte by byte */
	fill_payload(pl, 5, 10);
	r = 0;
	for (i++; i < n; i++) {
		buf_append(&b->t.rx, bytes + i, 1);
		r = packet_next(b, &p, &len);
		if (r) break;
		if (errno != EAGAIN) early++;
	}
	ok(r && !early && i == n - 1 && len == 5 && !memcmp(p, pl, 5), "%s: next packet likewise",
	   su->label);
	free(bytes);
	session_free(a);
	session_free(b);
}

/* zlib@openssh.com in both directions over chacha20-poly1305: before
 * authentication NEWKEYS starts no stream and payloads cross as they are;
 * after it payloads round-trip, highly compressible ones shrink on the
 * wire, and a later NEWKEYS starts fresh streams.  Plain "zlib" (RFC 4253)
 * is no longer a kind: unauthenticated clients never reach zlib. */
static void test_compression(unsigned char *pl)
{
	struct session *a = session_new(), *b = session_new();
	struct suite su;
	int bad = 0;
	size_t wire;
	const unsigned char *p;
	size_t len;

	is_int(compress_kind("zlib@openssh.com"), COMP_ZLIB_DELAYED,
	       "compress_kind: zlib@openssh.com is the delayed kind");
	is_int(compress_kind("zlib"), COMP_NONE, "compress_kind: plain zlib is not supported");
	is_int(compress_kind("none"), COMP_NONE, "compress_kind: none");
	memset(&su, 0, sizeof su);
	suite_keys(&su);
	su.cs = cipher_find("chacha20-poly1305@openssh.com", 29);
	suite_pair(&su, a, b);
	a->t.comp_out.kind = b->t.comp_in.kind = COMP_ZLIB_DELAYED;
	ok(compress_activate(&a->t.comp_out, 1, 0) && compress_activate(&b->t.comp_in, 0, 0) &&
	       !a->t.comp_out.started && !b->t.comp_in.started,
	   "zlib@openssh.com: NEWKEYS before authentication starts no stream");
	memset(pl, 'z', 100000);
	pl[0] = SSH_MSG_IGNORE;
	packet_send(a, pl, 100000);
	wire = buf_used(&a->t.tx);
	move_tx(a, b);
	ok(wire > 100000 && packet_next(b, &p, &len) && len == 100000 && p[99999] == 'z',
	   "zlib@openssh.com: before authentication 100000 bytes cross uncompressed (%zu)", wire);
	packet_consume(b);

	ok(compress_after_auth(&a->t.comp_out, 1) && compress_after_auth(&b->t.comp_in, 0) &&
	       a->t.comp_out.started && b->t.comp_in.started,
	   "zlib@openssh.com: streams start after authentication");
	for (size_t si = 0; si < ARRAY_LEN(sizes); si++) {
		fill_payload(pl, sizes[si], (unsigned)si);
		if (!roundtrip_one(a, b, pl, sizes[si])) {
			bad++;
			printf("#   size %zu failed: %s\n", sizes[si], strerror(errno));
		}
	}
	ok(!bad, "zlib: %zu payload sizes round-trip", ARRAY_LEN(sizes));
	memset(pl, 'z', 100000);
	pl[0] = SSH_MSG_IGNORE;
	packet_send(a, pl, 100000);
	wire = buf_used(&a->t.tx);
	ok(wire < 2000, "zlib: 100000 repeated bytes take %zu bytes", wire);
	move_tx(a, b);
	ok(packet_next(b, &p, &len) && len == 100000 && p[99999] == 'z',
	   "zlib: and come back whole");
	packet_consume(b);

	/* a rekey after authentication: both sides start fresh streams */
	ok(compress_activate(&a->t.comp_out, 1, 1) && compress_activate(&b->t.comp_in, 0, 1) &&
	       a->t.comp_out.started && b->t.comp_in.started,
	   "zlib: NEWKEYS after authentication restarts the streams");
	fill_payload(pl, 4096, 7);
	ok(roundtrip_one(a, b, pl, 4096), "zlib: and packets round-trip on the fresh streams");

	/* a compressed packet that is not zlib data */
	compress_end(&a->t.comp_out, 1);
	a->t.comp_out.kind = COMP_NONE;
	fill_payload(pl, 50, 1);
	packet_send(a, pl, 50);
	move_tx(a, b);
	errno = 0;
	ok(!packet_next(b, &p, &len) && errno == EPROTO,
	   "zlib: garbage inside a valid packet: EPROTO");
	session_free(a);
	session_free(b);
}

/* Sends one payload whose bytes after the first hdr are taken from where
 * they lie (packet_end_from). */
static int send_from(struct session *s, const unsigned char *pl, size_t hdr, size_t n)
{
	struct wire_out w;

	if (!packet_begin(s, &w, pl[0], hdr + n)) return 0;
	wire_put_bytes(&w, pl + 1, hdr - 1);
	if (!wire_put_reserve(&w, n)) return 0;
	return packet_end_from(s, &w, pl + hdr, n);
}

/* packet_end_from makes the packet packet_send makes of the same payload
 * (the AEADs: byte for byte; the others pad at random: read back), for
 * every alignment of the data against chacha20's 64-byte blocks, through
 * both chacha20 libraries (libcrypto's after the first 4 MiB). */
static void test_seal_from(const struct suite *su, unsigned char *pl)
{
	static const size_t hdrs[] = {1, 9, 13, 64, 100};
	static const size_t datas[] = {1, 53, 54, 55, 63, 64, 65, 118, 119, 1000, 32768, 200000};
	struct session *a = session_new(), *c = session_new(), *b = session_new();
	int exact = su->cs && su->cs->kind != CIPHER_CTR, bad = 0;
	size_t total = 0, hi, di, n;
	unsigned round;
	const unsigned char *p;

	if (!suite_pair(su, a, b) || !suite_setup(su, &c->t.out, 1)) abort();
	for (round = 0; total < (6u << 20) && !bad; round++)
		for (hi = 0; hi < ARRAY_LEN(hdrs) && !bad; hi++)
			for (di = 0; di < ARRAY_LEN(datas) && !bad; di++) {
				size_t len = hdrs[hi] + datas[di];
				fill_payload(pl, len, round * 131 + (unsigned)(hi * 17 + di));
				if (!send_from(a, pl, hdrs[hi], datas[di]) ||
				    !packet_send(c, pl, len))
					abort();
				if (exact && (buf_used(&a->t.tx) != buf_used(&c->t.tx) ||
					      memcmp(buf_data(&a->t.tx), buf_data(&c->t.tx),
						     buf_used(&a->t.tx))))
					bad = 1;
				buf_consume(&c->t.tx, buf_used(&c->t.tx));
				move_tx(a, b);
				if (!packet_next(b, &p, &n) || n != len || memcmp(p, pl, len))
					bad = 2;
				packet_consume(b);
				total += len;
			}
	ok(!bad, "%s: packets sealed from the data's place are %s (%zu bytes)", su->label,
	   exact ? "those sealed in place" : "read back", total);
	session_free(a);
	session_free(b);
	session_free(c);
}

static void test_suites(void)
{
	static const char *ciphers[] = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com",
					"aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr"};
	static const char *macs[] = {"hmac-sha2-256-etm@openssh.com",
				     "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256",
				     "hmac-sha2-512"};
	unsigned char *pl = malloc(SSH_MAX_PAYLOAD);
	struct suite su;

	if (!pl) abort();
	memset(&su, 0, sizeof su);
	suite_keys(&su);
	su.cipher = "none";
	su.mac = "";
	snprintf(su.label, sizeof su.label, "none");
	test_roundtrip(&su, pl);
	test_framing(&su);
	test_trickle(&su, pl);
	for (size_t c = 0; c < ARRAY_LEN(ciphers); c++) {
		su.cipher = ciphers[c];
		su.cs = cipher_find(ciphers[c], strlen(ciphers[c]));
		ok(su.cs != 0, "cipher_find %s", ciphers[c]);
		if (!su.cs) continue;
		for (size_t m = 0; m < (su.cs->kind == CIPHER_CTR ? ARRAY_LEN(macs) : 1); m++) {
			su.mac = su.cs->kind == CIPHER_CTR ? macs[m] : "";
			su.ms = su.cs->kind == CIPHER_CTR ? mac_find(macs[m], strlen(macs[m])) : 0;
			if (su.cs->kind == CIPHER_CTR) ok(su.ms != 0, "mac_find %s", macs[m]);
			snprintf(su.label, sizeof su.label, "%s%s%s", su.cipher,
				 su.mac[0] ? " " : "", su.mac);
			test_roundtrip(&su, pl);
			test_corruption(&su, pl);
			test_framing(&su);
			test_trickle(&su, pl);
			test_seal_from(&su, pl);
		}
	}
	ok(!cipher_find("aes128-cbc", 10) && !cipher_find("aes128-ctr", 9) &&
	       !cipher_find("none", 4),
	   "cipher_find refuses unknown names and prefixes");
	ok(!mac_find("hmac-sha1", 9) && !mac_find("hmac-sha2-256-etm@openssh.co", 28),
	   "mac_find refuses unknown names and prefixes");
	{
		struct cipher_state c;
		const struct cipher_spec *cs = cipher_find("aes128-ctr", 10);
		memset(&c, 0, sizeof c);
		errno = 0;
		ok(!cipher_setup(&c, cs, 0, su.key, su.iv, su.mackey, 1) && errno == EINVAL,
		   "cipher_setup: CTR without a MAC refused");
		cipher_free(&c);
	}
	{
		struct cipher_state c;
		const struct cipher_spec *cs = cipher_find("aes128-ctr", 10);
		const struct mac_spec *ms = mac_find("hmac-sha2-256", 13);
		unsigned char pkt[64 + 32], iv[16];
		memset(&c, 0, sizeof c);
		memset(pkt, 0, sizeof pkt);
		if (!cipher_setup(&c, cs, ms, su.key, su.iv, su.mackey, 1)) abort();
		errno = 0;
		ok(!cipher_seal(&c, 0, pkt, 36) && errno == EINVAL,
		   "cipher_seal: CTR refuses a length that is not whole blocks");
		ok(cipher_seal(&c, 0, pkt, 32) && cipher_seal(&c, 1, pkt, 48),
		   "cipher_seal: CTR seals 2 and 3 blocks");
		cipher_ctr_position(&c, iv);
		ok(iv[15] == (unsigned char)(su.iv[15] + 5) && !memcmp(iv, su.iv, 14) &&
		       iv[14] == (unsigned char)(su.iv[14] + 1),
		   "cipher_ctr_position: the counter moved 5 blocks (with the carry)");
		cipher_free(&c);
	}
	test_compression(pl);
	free(pl);
}

/* Feeds text as the first client bytes; returns packet_read_version. */
static int version(struct session *s, const char *text, size_t n)
{
	buf_consume(&s->t.rx, buf_used(&s->t.rx));
	s->t.got_version = 0;
	s->kex.v_c[0] = 0;
	buf_append(&s->t.rx, text, n);
	errno = 0;
	return packet_read_version(s);
}
#define VERSION(s, lit) version((s), (lit), sizeof(lit) - 1)

static void test_version(void)
{
	struct session *s = session_new();
	char line[600];
	int r;

	{
		/* main.c's loop reads the input queue before the first read(2):
		 * the queue has no buffer yet (under UBSan this catches NULL + 0
		 * and memchr(NULL, ...) in packet_read_version and packet_next) */
		struct session *e = session_new();
		const unsigned char *p;
		size_t len;
		errno = 0;
		ok(!packet_read_version(e) && errno == EAGAIN,
		   "version: empty, never-allocated queue: EAGAIN");
		errno = 0;
		ok(!packet_next(e, &p, &len) && errno == EAGAIN,
		   "packet: empty, never-allocated queue: EAGAIN");
		session_free(e);
	}
	r = VERSION(s, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
	ok(r && s->t.got_version && buf_used(&s->t.rx) == 0, "version: OpenSSH line accepted");
	is_str(s->kex.v_c, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "version: kept without CR LF");
	r = VERSION(s, "SSH-2.0-x\n");
	ok(r, "version: bare LF accepted");
	is_str(s->kex.v_c, "SSH-2.0-x", "version: kept");
	ok(VERSION(s, "SSH-1.99-compat\r\n"), "version: SSH-1.99 accepted");
	r = VERSION(s, "SSH-2.0-a\r\n\0\0\0\x0c\x0a\x15");
	ok(r && buf_used(&s->t.rx) == 6, "version: bytes after the line stay queued");
	r = VERSION(s, "SSH-1.5-old\r\n");
	ok(!r && errno == EPROTONOSUPPORT, "version: SSH-1.5 refused");
	r = VERSION(s, "SSH-2.0-\r\n");
	ok(!r && errno == EPROTONOSUPPORT, "version: empty software version refused");
	r = VERSION(s, "SSH-3.0-future\r\n");
	ok(!r && errno == EPROTONOSUPPORT, "version: SSH-3.0 refused");
	r = VERSION(s, "hello there\r\nSSH-2.0-x\r\n");
	ok(!r && errno == EPROTO && !s->t.got_version,
	   "version: non-SSH line before the version refused");
	r = VERSION(s, "\r\n");
	ok(!r && errno == EPROTO, "version: empty line refused");
	r = VERSION(s, "SSH-2.0-a\x01z\r\n");
	ok(!r && errno == EPROTO, "version: control character refused");
	r = VERSION(s, "SSH-2.0-caf\xc3\xa9\r\n");
	ok(!r && errno == EPROTO, "version: non-ASCII refused");
	r = VERSION(s, "SSH-2.0-OpenSSH_9.2");
	ok(!r && errno == EAGAIN, "version: no newline yet: EAGAIN");
	r = VERSION(s, "SSH-2.0-OpenSSH_9.2\r");
	ok(!r && errno == EAGAIN, "version: CR without LF: EAGAIN");
	ok(!VERSION(s, "") && errno == EAGAIN, "version: nothing yet: EAGAIN");

	/* 255 bytes with CR LF is the longest line (RFC 4253 s4.2). */
	memset(line, 'a', sizeof line);
	memcpy(line, "SSH-2.0-", 8);
	memcpy(line + 253, "\r\n", 2);
	r = version(s, line, 255);
	ok(r && strlen(s->kex.v_c) == 253, "version: 255 bytes with CR LF accepted");
	memset(line, 'a', sizeof line);
	memcpy(line, "SSH-2.0-", 8);
	memcpy(line + 254, "\r\n", 2);
	r = version(s, line, 256);
	ok(!r && errno == EPROTO, "version: 256 bytes refused");
	memset(line, 'a', sizeof line);
	memcpy(line, "SSH-2.0-", 8);
	r = version(s, line, 254);
	ok(!r && errno == EAGAIN, "version: 254 bytes without newline: EAGAIN");
	r = version(s, line, 255);
	ok(!r && errno == EPROTO, "version: 255 bytes without newline refused");
	r = version(s, line, sizeof line);
	ok(!r && errno == EPROTO, "version: 600 bytes without newline refused");
	session_free(s);
}

/* Takes the next packet from a's tx through a plain receiver. */
static int take(struct session *a, struct session *b, const unsigned char **p, size_t *len)
{
	move_tx(a, b);
	return packet_next(b, p, len);
}

static void test_queueing(void)
{
	struct session *a = session_new(), *b = session_new();
	struct wire_out w;
	const unsigned char *p;
	size_t len;
	unsigned char msg[3] = {SSH_MSG_CHANNEL_EOF, 1, 2}, kexmsg = SSH_MSG_NEWKEYS;
	uint32_t reason;
	char text[64];
	struct wire_in in;

	errno = 0;
	ok(!packet_send(a, msg, 0) && errno == EINVAL, "packet_send: empty payload refused");
	ok(packet_begin(a, &w, SSH_MSG_IGNORE, 4), "packet_begin with room for 4");
	wire_put_bytes(&w, "12345", 5);
	errno = 0;
	ok(!packet_end(a, &w) && errno == EMSGSIZE && buf_used(&a->t.tx) == 0,
	   "packet_end: payload over maxlen refused, nothing queued");

	/* Between our KEXINIT and NEWKEYS, connection messages wait. */
	a->kex.sent_kexinit = 1;
	ok(packet_send(a, msg, 3) && buf_used(&a->t.tx) == 0 && buf_used(&a->t.deferred) == 7,
	   "during key exchange: a channel message is deferred");
	ok(packet_send(a, &kexmsg, 1) && buf_used(&a->t.tx) > 0,
	   "during key exchange: NEWKEYS goes out");
	ok(take(a, b, &p, &len) && len == 1 && p[0] == SSH_MSG_NEWKEYS, "NEWKEYS received first");
	packet_consume(b);
	a->kex.sent_kexinit = 0;
	packet_flush_deferred(a);
	ok(buf_used(&a->t.deferred) == 0 && take(a, b, &p, &len) && len == 3 && !memcmp(p, msg, 3),
	   "after key exchange: the deferred message follows");
	packet_consume(b);

	ssh_disconnect(a, SSH_DISCONNECT_PROTOCOL_ERROR, "bye");
	ok(a->closing && take(a, b, &p, &len) && p[0] == SSH_MSG_DISCONNECT,
	   "ssh_disconnect queues DISCONNECT");
	wire_in_init(&in, p + 1, len - 1);
	wire_get_u32(&in, &reason);
	wire_get_cstring(&in, text, sizeof text);
	ok(reason == SSH_DISCONNECT_PROTOCOL_ERROR && !strcmp(text, "bye"),
	   "DISCONNECT carries reason and text");
	packet_consume(b);
	ssh_disconnect(a, SSH_DISCONNECT_BY_APPLICATION, "again");
	ok(buf_used(&a->t.tx) == 0, "a second ssh_disconnect sends nothing");
	ok(!strcmp(kex_version_line(), "SSH-2.0-sluice_0.1\r\n"), "our version line ends in CR LF");
	session_free(a);
	session_free(b);
}

/* A client's KEXINIT payload offering one host key algorithm and one
 * cipher (and MAC). */
static size_t client_kexinit(unsigned char *buf, size_t cap, const char *hostkey,
			     const char *cipher, const char *mac)
{
	struct wire_out w;
	wire_out_init(&w, buf, cap);
	wire_put_u8(&w, SSH_MSG_KEXINIT);
	for (int i = 0; i < 16; i++)
		wire_put_u8(&w, 0x11);
	wire_put_cstring(&w, "curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com");
	wire_put_cstring(&w, hostkey);
	wire_put_cstring(&w, cipher);
	wire_put_cstring(&w, cipher);
	wire_put_cstring(&w, mac);
	wire_put_cstring(&w, mac);
	wire_put_cstring(&w, "none");
	wire_put_cstring(&w, "none");
	wire_put_cstring(&w, "");
	wire_put_cstring(&w, "");
	wire_put_bool(&w, 0);
	wire_put_u32(&w, 0);
	return w.len;
}

/* What the client checks in ECDH_REPLY (RFC 8731, RFC 4253 s8): the host
 * key is the one expected, and its signature covers the exchange hash
 * H = SHA256(V_C || V_S || I_C || I_S || K_S || Q_C || Q_S || K) that the
 * client computes itself from its secret sk. */
static int reply_verifies(const unsigned char *reply, size_t len, const struct key_public *host,
			  const char *sigalg, const char *v_c, const unsigned char *i_c,
			  size_t i_c_len, const unsigned char *i_s, size_t i_s_len,
			  const unsigned char qc[32], const unsigned char sk[32])
{
	struct wire_in in;
	struct wire_out hb;
	const unsigned char *ks, *qs, *sig;
	uint32_t kslen, qslen, siglen;
	unsigned char shared[32], h[32], *buf;
	char v_s[64];
	size_t cap = 4096 + i_c_len + i_s_len;
	int good;

	wire_in_init(&in, reply + 1, len - 1);
	wire_get_string(&in, &ks, &kslen);
	wire_get_string(&in, &qs, &qslen);
	wire_get_string(&in, &sig, &siglen);
	if (!wire_done(&in) || qslen != 32 || kslen != host->bloblen ||
	    memcmp(ks, host->blob, kslen) || !algo_x25519_shared(shared, sk, qs))
		return 0;
	snprintf(v_s, sizeof v_s, "%.*s", (int)strcspn(kex_version_line(), "\r"),
		 kex_version_line());
	buf = malloc(cap);
	if (!buf) abort();
	wire_out_init(&hb, buf, cap);
	wire_put_cstring(&hb, v_c);
	wire_put_cstring(&hb, v_s);
	wire_put_string(&hb, i_c, i_c_len);
	wire_put_string(&hb, i_s, i_s_len);
	wire_put_string(&hb, ks, kslen);
	wire_put_string(&hb, qc, 32);
	wire_put_string(&hb, qs, 32);
	wire_put_mpint(&hb, shared, 32);
	if (hb.bad) abort();
	algo_hash(ALGO_SHA256, buf, hb.len, h);
	good = key_verify(host, sigalg, sig, siglen, h, sizeof h);
	free(buf);
	return good;
}

#define N_HOST_KEYS 2

/* A session holding the host keys' public halves, with a monitor (in a
 * child) holding the private ones, as the network child does. */
static struct session *kex_session(struct key_private *const *hk)
{
	struct session *s = session_new();
	for (unsigned i = 0; i < N_HOST_KEYS; i++)
		s->host_pub[i] = *key_private_public(hk[i]);
	s->n_host_keys = N_HOST_KEYS;
	s->mon = monitor_child_start(s->cf, hk, N_HOST_KEYS);
	return s;
}

static void kex_session_free(struct session *s)
{
	kex_free(&s->kex);
	cipher_free(&s->kex.next_in);
	cipher_free(&s->kex.next_out);
	if (s->mon >= 0) monitor_child_stop(s->mon);
	session_free(s);
}

/* The server side of a key exchange, message by message; the exchange
 * hash is signed by a real monitor and checked as a client would. */
static void test_kex(void)
{
	static const char *ciphers[] = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com",
					"aes256-ctr"};
	static const char *hostalgs[] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-ed25519"};
	struct key_private *hk[N_HOST_KEYS];
	unsigned char ki[1024], ecdh[64], pk[32], sk[32], i_s[4096];
	struct wire_out w;

	if (!key_generate(&hk[0], KEY_ED25519, 0) || !key_generate(&hk[1], KEY_ECDSA_P256, 0)) {
		ok(0, "key_generate host keys");
		return;
	}
	algo_x25519_keypair(pk, sk);
	wire_out_init(&w, ecdh, sizeof ecdh);
	wire_put_u8(&w, SSH_MSG_KEX_ECDH_INIT);
	wire_put_string(&w, pk, 32);
	for (size_t c = 0; c < ARRAY_LEN(ciphers); c++) {
		struct session *s = kex_session(hk), *r = session_new();
		const unsigned char *p;
		size_t len,
		    i_s_len = 0,
		    kl = client_kexinit(ki, sizeof ki, hostalgs[c], ciphers[c], "hmac-sha2-256");
		unsigned key_index = strcmp(hostalgs[c], "ssh-ed25519") ? 1 : 0;
		int got;

		strcpy(s->kex.v_c, "SSH-2.0-test");
		s->t.seq_in = 1; /* as if KEXINIT was the first packet */
		ok(kex_send_init(s) && kex_handle(s, SSH_MSG_KEXINIT, ki, kl),
		   "kex %s: KEXINIT accepted", ciphers[c]);
		ok(s->kex.strict && s->kex.ext_info_c && s->kex.c2s &&
		       !strcmp(s->kex.c2s->name, ciphers[c]),
		   "kex %s: strict, ext-info, cipher negotiated", ciphers[c]);
		ok(s->kex.host_key == (int)key_index && !strcmp(s->kex.host_sigalg, hostalgs[c]),
		   "kex %s: host key %s (index %u) chosen", ciphers[c], hostalgs[c], key_index);
		move_tx(s, r);
		got = packet_next(r, &p, &len);
		ok(got && p[0] == SSH_MSG_KEXINIT && len <= sizeof i_s, "kex %s: our KEXINIT sent",
		   ciphers[c]);
		if (got && len <= sizeof i_s) {
			memcpy(i_s, p, len);
			i_s_len = len;
		}
		if (got) packet_consume(r);
		ok(!kex_allows(s, SSH_MSG_SERVICE_REQUEST) && !kex_allows(s, SSH_MSG_IGNORE) &&
		       kex_allows(s, SSH_MSG_KEX_ECDH_INIT),
		   "kex %s: strict: only key exchange messages allowed", ciphers[c]);
		ok(kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len) && s->kex.awaiting_newkeys,
		   "kex %s: ECDH_INIT answered", ciphers[c]);
		is_int(s->kex.number, 1, "kex %s: the first key exchange is number 1", ciphers[c]);
		move_tx(s, r);
		got = packet_next(r, &p, &len);
		ok(got && p[0] == SSH_MSG_KEX_ECDH_REPLY, "kex %s: ECDH_REPLY sent in clear",
		   ciphers[c]);
		ok(got && reply_verifies(p, len, &s->host_pub[key_index], hostalgs[c],
					 "SSH-2.0-test", ki, kl, i_s, i_s_len, pk, sk),
		   "kex %s: the monitor's signature verifies over the exchange hash", ciphers[c]);
		if (got) packet_consume(r);
		ok(packet_next(r, &p, &len) && p[0] == SSH_MSG_NEWKEYS && len == 1,
		   "kex %s: NEWKEYS sent", ciphers[c]);
		packet_consume(r);
		/* strict: the sequence restarts at NEWKEYS; EXT_INFO is then packet 0 */
		ok(s->t.seq_out == 1 && s->t.out.kind == s->kex.s2c->kind && buf_used(&r->t.rx) > 0,
		   "kex %s: strict: sequence reset, EXT_INFO under the new keys", ciphers[c]);
		buf_consume(&r->t.rx, buf_used(&r->t.rx));
		errno = 0;
		ok(!kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len) && errno == EPROTO,
		   "kex %s: a second ECDH_INIT refused", ciphers[c]);
		ok(!kex_handle(s, SSH_MSG_NEWKEYS, (const unsigned char *)"\x15x", 2) &&
		       errno == EPROTO,
		   "kex %s: NEWKEYS with a trailing byte refused", ciphers[c]);
		ok(kex_handle(s, SSH_MSG_NEWKEYS, (const unsigned char *)"\x15", 1) &&
		       s->kex.done_once && !s->kex.in_progress && s->t.seq_in == 0 &&
		       s->t.in.kind == s->kex.c2s->kind,
		   "kex %s: NEWKEYS: new keys in, done", ciphers[c]);
		ok(!kex_handle(s, SSH_MSG_NEWKEYS, (const unsigned char *)"\x15", 1) &&
		       errno == EPROTO,
		   "kex %s: a second NEWKEYS refused", ciphers[c]);
		ok(!kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len) && errno == EPROTO,
		   "kex %s: ECDH_INIT after the exchange refused", ciphers[c]);
		ok(kex_allows(s, SSH_MSG_SERVICE_REQUEST),
		   "kex %s: after it, service requests allowed", ciphers[c]);
		is_int(monitor_child_stop(s->mon), MONITOR_CHILD_EOF,
		       "kex %s: the monitor signed and refused nothing", ciphers[c]);
		s->mon = -1;
		kex_session_free(s);
		session_free(r);
	}
	{
		struct session *s = kex_session(hk);
		size_t kl = client_kexinit(ki, sizeof ki, "ssh-ed25519", "aes128-cbc", "hmac-sha1");
		s->t.seq_in = 1;
		errno = 0;
		ok(!kex_handle(s, SSH_MSG_KEXINIT, ki, kl) && errno == EPROTO && s->closing,
		   "kex: no common cipher: refused, DISCONNECT queued");
		kex_session_free(s);
		s = kex_session(hk);
		kl = client_kexinit(ki, sizeof ki, "ssh-rsa", "aes128-ctr", "hmac-sha2-256");
		s->t.seq_in = 1;
		errno = 0;
		ok(!kex_handle(s, SSH_MSG_KEXINIT, ki, kl) && errno == EPROTO && s->closing,
		   "kex: no common host key algorithm (ssh-rsa offered): refused, DISCONNECT "
		   "queued");
		kex_session_free(s);
		s = kex_session(hk);
		s->t.seq_in = 2;
		kl = client_kexinit(ki, sizeof ki, "ssh-ed25519", "aes128-ctr", "hmac-sha2-256");
		ok(!kex_handle(s, SSH_MSG_KEXINIT, ki, kl) && errno == EPROTO,
		   "kex: strict KEXINIT that was not the first packet refused");
		ok(!kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len) && errno == EPROTO,
		   "kex: ECDH_INIT before KEXINIT refused");
		kex_session_free(s);
	}
	{
		/* The monitor signs once per key exchange, numbered 1, 2, ...: a
		 * session that skips a number gets no signature, sends no reply,
		 * and the monitor ends the connection. */
		struct session *s = kex_session(hk);
		size_t kl = client_kexinit(ki, sizeof ki, "ssh-ed25519", "aes128-gcm@openssh.com",
					   "hmac-sha2-256");
		int r;
		s->t.seq_in = 1;
		ok(kex_handle(s, SSH_MSG_KEXINIT, ki, kl), "kex: KEXINIT for a refused signature");
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
		s->kex.number = 1; /* as if exchange 1 had been signed elsewhere */
		r = kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len);
		ok(!r && buf_used(&s->t.tx) == 0 && !s->kex.awaiting_newkeys,
		   "kex: monitor refuses to sign: ECDH_INIT fails, no ECDH_REPLY sent");
		is_int(monitor_child_stop(s->mon), MONITOR_CHILD_REFUSED,
		       "kex: the monitor gave up on the exchange number it did not expect");
		s->mon = -1;
		kex_session_free(s);
	}
	{
		/* With the monitor gone the exchange cannot be signed. */
		struct session *s = kex_session(hk);
		size_t kl = client_kexinit(ki, sizeof ki, "ssh-ed25519", "aes128-gcm@openssh.com",
					   "hmac-sha2-256");
		s->t.seq_in = 1;
		ok(kex_handle(s, SSH_MSG_KEXINIT, ki, kl), "kex: KEXINIT before the monitor dies");
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
		monitor_child_kill(s->mon);
		ok(!kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, w.len) && buf_used(&s->t.tx) == 0,
		   "kex: with the monitor dead ECDH_INIT fails and sends nothing");
		kex_session_free(s);
	}
	key_private_free(hk[0]);
	key_private_free(hk[1]);
}

/* Messages deferred during a key exchange drain into tx as room allows;
 * a full deferred queue takes several rounds and never ends the process.
 * Runs in a child: log_die would exit. */
static void test_deferred_flush(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		struct session *s = session_new();
		struct suite su;
		unsigned char fail = SSH_MSG_REQUEST_FAILURE;
		memset(&su, 0, sizeof su);
		suite_keys(&su);
		su.cs = cipher_find("chacha20-poly1305@openssh.com", 29);
		s->kex.sent_kexinit = 1;
		/* a client sending GLOBAL_REQUESTs with want-reply while our KEXINIT waits */
		while (packet_send(s, &fail, 1))
			;
		if (errno != EMSGSIZE) _exit(2);
		s->kex.sent_kexinit = 0;
		suite_setup(&su, &s->t.out, 1);
		for (int round = 0; buf_used(&s->t.deferred); round++) {
			if (round > 64) _exit(3);
			packet_flush_deferred(s);
			/* newer messages wait behind the older ones */
			if (buf_used(&s->t.deferred) &&
			    (!packet_send(s, &fail, 1) || !buf_used(&s->t.deferred)))
				_exit(4);
			buf_consume(&s->t.tx, buf_used(&s->t.tx));
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		ok(0, "fork for the deferred-flush test");
		return;
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a full deferred queue flushes into tx without ending the process");
	if (WIFEXITED(status)) printf("#   child exit status %d\n", WEXITSTATUS(status));
}

int main(void)
{
	tap_logs_aside();
	log_init("sftpd_packet", "test");
	if (!algo_init()) {
		printf("Bail out! algo_init\n");
		return 1;
	}
	test_version();
	test_queueing();
	test_suites();
	test_kex();
	test_deferred_flush();
	return tap_done();
}
