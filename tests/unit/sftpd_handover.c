/* sftpd_handover: the transport state that moves from the network child to
 * the session process (handover.c).  For each cipher: packets sealed and
 * opened before the export, then the importer must seal and open the next
 * packets exactly as the exporter would have.  The importer must refuse
 * every malformed or disallowed state, and the exporter a state in the
 * middle of a key exchange. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "log/log.h"
#include "wire/wire.h"
#include "../../sftpd/monitor.h"
#include "../../sftpd/ssh/ssh.h"

static char *env_all[] = {"SFTPD_AUTH_FAIL_DELAY_MS=0", 0};
static char *env_some[] = {"SFTPD_CIPHERS=aes256-gcm@openssh.com,aes128-ctr",
			   "SFTPD_MACS=hmac-sha2-256", 0};
static char *env_rekey[] = {"SFTPD_REKEY_TIME=1", "SFTPD_REKEY_BYTES=1M", 0};
static struct conf_value cf_all[CF_COUNT], cf_some[CF_COUNT], cf_rekey[CF_COUNT];

#define CLIENT_VERSION "SSH-2.0-OpenSSH_9.6p1 Debian-3"
#define PKT_MAX 4096

static struct session *session_new(const struct conf_value *cf)
{
	struct session *s = calloc(1, sizeof *s);
	if (!s) abort();
	memcpy(s->cf, cf, sizeof s->cf);
	return s;
}

/* What transport_import may have set up, and the session itself. */
static void session_free(struct session *s)
{
	cipher_free(&s->t.in);
	cipher_free(&s->t.out);
	compress_free(&s->t.comp_in, 0);
	compress_free(&s->t.comp_out, 1);
	free(s);
}

/* --- packets ----------------------------------------------------------- */

/* A plaintext packet for cipher c with zero padding (so two sealings can be
 * compared), laid out as packet_end does.  Returns its length without the
 * tag, which cipher_seal appends. */
static size_t make_packet(const struct cipher_state *c, unsigned char *pkt,
			  const unsigned char *payload, size_t n)
{
	size_t block = c->block ? c->block : 8, base, pad, pktlen;
	int aad = c->kind == CIPHER_CHACHAPOLY || c->kind == CIPHER_GCM || c->etm;

	base = 1 + n + (aad ? 0 : 4);
	pad = block - base % block;
	if (pad < 4) pad += block;
	pktlen = 1 + n + pad;
	wire_store_u32(pkt, (uint32_t)pktlen);
	pkt[4] = (unsigned char)pad;
	memcpy(pkt + 5, payload, n);
	memset(pkt + 5 + n, 0, pad);
	return 4 + pktlen;
}

/* Seals payload as packet seq; returns the length with the tag, 0 on
 * failure. */
static size_t seal(struct cipher_state *c, uint32_t seq, unsigned char *pkt,
		   const unsigned char *payload, size_t n)
{
	size_t len = make_packet(c, pkt, payload, n);
	return cipher_seal(c, seq, pkt, len) ? len + c->taglen : 0;
}

/* Opens a sealed packet of total bytes as the receiving side does; 1 if it
 * authenticates and carries payload. */
static int open_check(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t total,
		      const unsigned char *payload, size_t n)
{
	uint32_t pktlen;
	size_t head = 0;

	if (!cipher_peek_length(c, seq, pkt, total, &pktlen, &head)) return 0;
	if (4 + (size_t)pktlen + c->taglen != total) return 0;
	if (!cipher_open(c, seq, pkt, pktlen, head)) return 0;
	return pkt[4] + 1 + n == pktlen && !memcmp(pkt + 5, payload, n);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 3));
}

/* One direction's algorithms and keys. */
struct dir {
	const char *cipher, *mac;
	unsigned char key[64], iv[16], mackey[64];
};

static void dir_keys(struct dir *d, const char *cipher, const char *mac, unsigned seed)
{
	d->cipher = cipher;
	d->mac = mac;
	fill(d->key, sizeof d->key, seed);
	fill(d->iv, sizeof d->iv, seed + 1);
	fill(d->mackey, sizeof d->mackey, seed + 2);
}

static int dir_setup(struct cipher_state *c, const struct dir *d, int encrypt)
{
	const struct cipher_spec *cs = cipher_find(d->cipher, strlen(d->cipher));
	const struct mac_spec *ms = d->mac ? mac_find(d->mac, strlen(d->mac)) : 0;
	if (!cs || (d->mac && !ms)) return 0;
	return cipher_setup(c, cs, ms, d->key, d->iv, d->mackey, encrypt);
}

/* --- the round trip ---------------------------------------------------- */

static const unsigned char session_id[32] = {
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
    0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0, 0x02};

/* 1 if b's transport counters and key exchange facts equal a's. */
static int same_facts(const struct session *a, const struct session *b)
{
	return b->kex.number == a->kex.number && b->kex.strict == a->kex.strict &&
	       b->kex.ext_info_c == a->kex.ext_info_c && b->kex.done_once &&
	       b->kex.session_id_len == a->kex.session_id_len &&
	       !memcmp(b->kex.session_id, a->kex.session_id, a->kex.session_id_len) &&
	       !strcmp(b->kex.v_c, a->kex.v_c) && b->kex.started == a->kex.started &&
	       b->t.got_version && b->t.seq_in == a->t.seq_in && b->t.seq_out == a->t.seq_out &&
	       b->t.bytes_in == a->t.bytes_in && b->t.bytes_out == a->t.bytes_out &&
	       b->t.packets_in == a->t.packets_in && b->t.packets_out == a->t.packets_out &&
	       b->t.comp_in.kind == a->t.comp_in.kind && b->t.comp_out.kind == a->t.comp_out.kind &&
	       !b->kex.in_progress && !b->kex.sent_kexinit && !b->kex.got_kexinit;
}

/* The next `count` packets in each direction: a and b must seal the same
 * bytes, the peer must open them, and both must open what the peer seals.
 * Advances a's and b's sequence numbers (and the peer's ciphers). */
static int in_step(struct session *a, struct session *b, struct cipher_state *peer_out,
		   struct cipher_state *peer_in, unsigned count, unsigned seed)
{
	static unsigned char pa[PKT_MAX], pb[PKT_MAX], payload[1024];
	for (unsigned i = 0; i < count; i++) {
		size_t n = 1 + (seed * 37 + i * 101) % 900, la, lb;
		fill(payload, n, seed + i);
		la = seal(&a->t.out, a->t.seq_out, pa, payload, n);
		lb = seal(&b->t.out, b->t.seq_out, pb, payload, n);
		if (!la || la != lb || memcmp(pa, pb, la)) {
			printf("#   packet %u out: sealed differently\n", i);
			return 0;
		}
		if (!open_check(peer_in, a->t.seq_out, pa, la, payload, n)) {
			printf("#   packet %u out: the peer cannot open it\n", i);
			return 0;
		}
		a->t.seq_out++;
		b->t.seq_out++;
		la = seal(peer_out, a->t.seq_in, pa, payload, n);
		memcpy(pb, pa, la);
		if (!la || !open_check(&a->t.in, a->t.seq_in, pa, la, payload, n) ||
		    !open_check(&b->t.in, b->t.seq_in, pb, la, payload, n)) {
			printf("#   packet %u in: not opened by both\n", i);
			return 0;
		}
		a->t.seq_in++;
		b->t.seq_in++;
	}
	return 1;
}

static size_t export_state(const struct session *s, unsigned char *st, size_t cap)
{
	struct wire_out w;
	wire_out_init(&w, st, cap);
	return transport_export(s, &w) ? w.len : 0;
}

static void round_trip(const char *cin, const char *min, const char *cout, const char *mout,
		       uint32_t seq_in, uint32_t seq_out, int zlib)
{
	static unsigned char pkt[PKT_MAX], payload[1024];
	unsigned char st[MON_STATE_MAX], st2[MON_STATE_MAX];
	struct dir din, dout;
	struct cipher_state peer_out, peer_in;
	struct session *a = session_new(cf_all), *b, *c;
	size_t len, len2;
	int before = 1;
	char name[200];

	snprintf(name, sizeof name, "%s%s%s / %s%s%s%s", cin, min ? " + " : "", min ? min : "",
		 cout, mout ? " + " : "", mout ? mout : "", zlib ? ", zlib" : "");
	dir_keys(&din, cin, min, 1);
	dir_keys(&dout, cout, mout, 50);
	if (!dir_setup(&a->t.in, &din, 0) || !dir_setup(&a->t.out, &dout, 1) ||
	    !dir_setup(&peer_out, &din, 1) || !dir_setup(&peer_in, &dout, 0)) {
		printf("Bail out! cipher set-up for %s\n", name);
		exit(1);
	}
	a->kex.done_once = 1;
	a->kex.number = 3;
	a->kex.strict = 1;
	a->kex.ext_info_c = 1;
	memcpy(a->kex.session_id, session_id, sizeof session_id);
	a->kex.session_id_len = sizeof session_id;
	a->kex.started = time(0) - 10;
	strcpy(a->kex.v_c, CLIENT_VERSION);
	a->t.got_version = 1;
	a->t.seq_in = seq_in;
	a->t.seq_out = seq_out;
	a->t.comp_in.kind = a->t.comp_out.kind = zlib ? COMP_ZLIB_DELAYED : COMP_NONE;

	/* the network child's traffic before the hand-over */
	for (unsigned i = 0; i < 5; i++) {
		size_t n = 1 + (i * 211) % 700, l;
		fill(payload, n, 100 + i);
		l = seal(&a->t.out, a->t.seq_out, pkt, payload, n);
		if (!l || !open_check(&peer_in, a->t.seq_out, pkt, l, payload, n)) before = 0;
		a->t.seq_out++;
		a->t.bytes_out += l;
		a->t.packets_out++;
		l = seal(&peer_out, a->t.seq_in, pkt, payload, n);
		if (!l || !open_check(&a->t.in, a->t.seq_in, pkt, l, payload, n)) before = 0;
		a->t.seq_in++;
		a->t.bytes_in += l;
		a->t.packets_in++;
	}
	ok(before, "%s: five packets each way before the hand-over", name);

	len = export_state(a, st, sizeof st);
	ok(len > 0 && len <= MON_STATE_MAX, "  exported (%zu bytes)", len);
	b = session_new(cf_all);
	ok(transport_import(b, st, len) == 1, "  imported");
	ok(same_facts(a, b), "  counters, session id, version and compression carried over");
	ok(!zlib || (b->t.comp_in.started && b->t.comp_out.started),
	   "  compression started in the importer when negotiated");
	ok(in_step(a, b, &peer_out, &peer_in, 4, 7),
	   "  the next packets: sealed alike by both, opened alike by both");

	/* again, from the importer */
	len2 = export_state(b, st2, sizeof st2);
	c = session_new(cf_all);
	ok(len2 > 0 && transport_import(c, st2, len2) == 1 && same_facts(b, c),
	   "  the importer exports again and that imports");
	ok(in_step(b, c, &peer_out, &peer_in, 3, 11), "  and the third process stays in step");

	cipher_free(&peer_out);
	cipher_free(&peer_in);
	session_free(a);
	session_free(b);
	session_free(c);
}

/* --- the exporter's refusals ------------------------------------------- */

static struct session *exportable(const struct conf_value *cf)
{
	struct session *s = session_new(cf);
	struct dir d;
	dir_keys(&d, "aes128-gcm@openssh.com", 0, 3);
	if (!dir_setup(&s->t.in, &d, 0) || !dir_setup(&s->t.out, &d, 1)) abort();
	s->kex.done_once = 1;
	s->kex.number = 1;
	memcpy(s->kex.session_id, session_id, sizeof session_id);
	s->kex.session_id_len = sizeof session_id;
	s->kex.started = time(0);
	strcpy(s->kex.v_c, CLIENT_VERSION);
	return s;
}

static int export_refused(struct session *s, int want_errno)
{
	unsigned char st[MON_STATE_MAX];
	struct wire_out w;
	int r;
	wire_out_init(&w, st, sizeof st);
	errno = 0;
	r = transport_export(s, &w);
	session_free(s);
	return r == 0 && errno == want_errno;
}

static void test_export_refusals(void)
{
	struct session *s;
	unsigned char st[MON_STATE_MAX];

	s = exportable(cf_all);
	ok(export_state(s, st, sizeof st) > 0, "a finished key exchange exports");
	session_free(s);
	s = exportable(cf_all);
	s->kex.in_progress = 1;
	ok(export_refused(s, EBUSY), "key exchange in progress: EBUSY");
	s = exportable(cf_all);
	s->kex.sent_kexinit = 1;
	ok(export_refused(s, EBUSY), "our KEXINIT sent: EBUSY");
	s = exportable(cf_all);
	s->kex.got_kexinit = 1;
	ok(export_refused(s, EBUSY), "the client's KEXINIT received: EBUSY");
	s = exportable(cf_all);
	s->kex.done_once = 0;
	ok(export_refused(s, EBUSY), "before the first key exchange: EBUSY");
	s = exportable(cf_all);
	s->t.rx_need = 64;
	ok(export_refused(s, EBUSY), "in the middle of a packet: EBUSY");
	s = exportable(cf_all);
	cipher_free(&s->t.in);
	ok(export_refused(s, EBUSY), "no incoming cipher: EBUSY");
	s = exportable(cf_all);
	cipher_free(&s->t.out);
	ok(export_refused(s, EBUSY), "no outgoing cipher: EBUSY");
	s = exportable(cf_all);
	ok(export_state(s, st, 40) == 0 && errno == EMSGSIZE, "no room: EMSGSIZE");
	session_free(s);
}

/* The network child stops at USERAUTH_SUCCESS and hands over; a key
 * exchange it started then would make the state impossible to export.
 * The session process starts the one that is due instead. */
static void test_no_rekey_before_handover(void)
{
	unsigned char st[MON_STATE_MAX];
	struct session *s = exportable(cf_rekey);
	time_t now = time(0);

	s->authed = 1;
	s->until_auth = 1;
	s->kex.started = now - 5;
	s->t.bytes_in = s->t.bytes_out = 2u << 20;
	ok(!kex_rekey_due(s, now),
	   "network child, authenticated, rekey time and bytes passed: no key exchange");
	ok(export_state(s, st, sizeof st) > 0, "  so the state exports");
	s->until_auth = 0;
	ok(kex_rekey_due(s, now), "session process, same state: the key exchange is due");
	session_free(s);
}

/* --- the importer's refusals ------------------------------------------- */

/* A state built field by field, as transport_export writes it. */
struct dir_fields {
	const char *cipher, *mac;
	const unsigned char *key, *iv, *mackey;
	size_t keylen, ivlen, mackeylen;
};
struct state_fields {
	uint32_t version;
	const char *v_c;
	size_t v_c_len;
	uint32_t number;
	uint8_t strict, ext_info_c;
	const unsigned char *sid;
	size_t sidlen;
	uint64_t started;
	uint32_t seq_in, seq_out;
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	uint8_t comp_in, comp_out;
	struct dir_fields in, out;
};

static unsigned char kbuf[64], ivbuf[16], mkbuf[64], sidbuf[65];

static void put_dir(struct wire_out *w, const struct dir_fields *d)
{
	wire_put_cstring(w, d->cipher);
	wire_put_cstring(w, d->mac);
	wire_put_string(w, d->key, d->keylen);
	wire_put_string(w, d->iv, d->ivlen);
	wire_put_string(w, d->mackey, d->mackeylen);
}

static size_t build(const struct state_fields *f, unsigned char *out, size_t cap)
{
	struct wire_out w;
	wire_out_init(&w, out, cap);
	wire_put_u32(&w, f->version);
	wire_put_string(&w, f->v_c, f->v_c_len);
	wire_put_u32(&w, f->number);
	wire_put_u8(&w, f->strict);
	wire_put_u8(&w, f->ext_info_c);
	wire_put_string(&w, f->sid, f->sidlen);
	wire_put_u64(&w, f->started);
	wire_put_u32(&w, f->seq_in);
	wire_put_u32(&w, f->seq_out);
	wire_put_u64(&w, f->bytes_in);
	wire_put_u64(&w, f->bytes_out);
	wire_put_u64(&w, f->packets_in);
	wire_put_u64(&w, f->packets_out);
	wire_put_u8(&w, f->comp_in);
	wire_put_u8(&w, f->comp_out);
	put_dir(&w, &f->in);
	put_dir(&w, &f->out);
	if (w.bad) abort();
	return w.len;
}

/* aes256-gcm in, aes128-ctr + hmac-sha2-256 out: allowed by both configs. */
static void good_fields(struct state_fields *f)
{
	memset(f, 0, sizeof *f);
	f->version = 1;
	f->v_c = CLIENT_VERSION;
	f->v_c_len = strlen(CLIENT_VERSION);
	f->number = 2;
	f->strict = 1;
	f->sid = sidbuf;
	f->sidlen = 32;
	f->started = (uint64_t)time(0) - 60;
	f->seq_in = 12;
	f->seq_out = 13;
	f->bytes_in = 5000;
	f->bytes_out = 6000;
	f->packets_in = 12;
	f->packets_out = 13;
	f->in = (struct dir_fields){"aes256-gcm@openssh.com", "", kbuf, ivbuf, mkbuf, 32, 12, 0};
	f->out = (struct dir_fields){"aes128-ctr", "hmac-sha2-256", kbuf, ivbuf, mkbuf, 16, 16, 32};
}

/* transport_import into a fresh session with cf; 1 if it refused with
 * EPROTO. */
static int import_refused(const struct conf_value *cf, const unsigned char *p, size_t len)
{
	struct session *s = session_new(cf);
	int r;
	errno = 0;
	r = transport_import(s, p, len);
	if (r || errno != EPROTO) printf("#   import returned %d, errno %d\n", r, errno);
	r = !r && errno == EPROTO;
	session_free(s);
	return r;
}

static int import_ok(const struct conf_value *cf, const unsigned char *p, size_t len)
{
	struct session *s = session_new(cf);
	int r = transport_import(s, p, len);
	if (!r) printf("#   import refused: %s\n", strerror(errno));
	session_free(s);
	return r;
}

static unsigned char st[MON_STATE_MAX + 16];

static int fields_refused(const struct state_fields *f, const struct conf_value *cf)
{
	return import_refused(cf, st, build(f, st, sizeof st));
}

static int fields_ok(const struct state_fields *f, const struct conf_value *cf)
{
	return import_ok(cf, st, build(f, st, sizeof st));
}

static void test_import_refusals(void)
{
	struct state_fields f;
	unsigned char again[MON_STATE_MAX];
	char longv[SSH_MAX_VERSION_LINE + 2];
	struct session *s;
	size_t len, bad = 0;

	good_fields(&f);
	len = build(&f, st, sizeof st);
	s = session_new(cf_some);
	ok(transport_import(s, st, len) == 1, "a state built field by field imports");
	ok(export_state(s, again, sizeof again) == len && !memcmp(again, st, len),
	   "  and exports again byte for byte");
	session_free(s);

	for (size_t n = 0; n < len; n++)
		if (!import_refused(cf_all, st, n)) bad++;
	ok(!bad, "truncated at each of its %zu lengths: EPROTO", len);
	st[len] = 0;
	ok(import_refused(cf_all, st, len + 1), "with a trailing byte: EPROTO");

	good_fields(&f);
	f.version = 2;
	ok(fields_refused(&f, cf_all), "version 2: EPROTO");
	f.version = 0;
	ok(fields_refused(&f, cf_all), "version 0: EPROTO");

	good_fields(&f);
	f.number = 0;
	ok(fields_refused(&f, cf_all), "key exchange number 0: EPROTO");

	good_fields(&f);
	f.v_c = "SSH-1.5-old";
	f.v_c_len = strlen(f.v_c);
	ok(fields_refused(&f, cf_all), "client version SSH-1.5: EPROTO");
	f.v_c = "";
	f.v_c_len = 0;
	ok(fields_refused(&f, cf_all), "empty client version: EPROTO");
	f.v_c = "SSH-2.0-a\tb";
	f.v_c_len = strlen(f.v_c);
	ok(fields_refused(&f, cf_all), "client version with a control character: EPROTO");
	f.v_c = "SSH-2.0-a\0b";
	f.v_c_len = 11;
	ok(fields_refused(&f, cf_all), "client version with a NUL: EPROTO");
	memset(longv, 'v', sizeof longv);
	memcpy(longv, "SSH-2.0-", 8);
	f.v_c = longv;
	f.v_c_len = SSH_MAX_VERSION_LINE;
	ok(fields_ok(&f, cf_all), "client version of %d bytes accepted", SSH_MAX_VERSION_LINE);
	f.v_c_len = SSH_MAX_VERSION_LINE + 1;
	ok(fields_refused(&f, cf_all), "client version of %d bytes: EPROTO",
	   SSH_MAX_VERSION_LINE + 1);

	{
		static const size_t lens[] = {0, 1, 16, 31, 33, 47, 63, 65};
		int all = 1;
		good_fields(&f);
		for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
			f.sidlen = lens[i];
			if (!fields_refused(&f, cf_all)) all = 0;
		}
		ok(all, "session ids of 0, 1, 16, 31, 33, 47, 63 and 65 bytes: EPROTO");
		f.sidlen = 48;
		ok(fields_ok(&f, cf_all), "session id of 48 bytes accepted");
		f.sidlen = 64;
		ok(fields_ok(&f, cf_all), "session id of 64 bytes accepted");
	}

	good_fields(&f);
	f.started = (uint64_t)time(0) + 3600;
	ok(fields_refused(&f, cf_all), "key exchange started in the future: EPROTO");
	f.started = UINT64_MAX;
	ok(fields_refused(&f, cf_all), "key exchange started at 2^64-1: EPROTO");

	good_fields(&f);
	f.comp_in = 2;
	ok(fields_refused(&f, cf_all), "incoming compression kind 2: EPROTO");
	f.comp_in = 0;
	f.comp_out = 255;
	ok(fields_refused(&f, cf_all), "outgoing compression kind 255: EPROTO");
	f.comp_in = f.comp_out = COMP_ZLIB_DELAYED;
	ok(fields_ok(&f, cf_all), "zlib@openssh.com both ways accepted");

	good_fields(&f);
	f.in.cipher = "aes192-ctr";
	ok(fields_refused(&f, cf_all), "unknown cipher aes192-ctr: EPROTO");
	f.in.cipher = "";
	ok(fields_refused(&f, cf_all), "empty cipher name: EPROTO");
	f.in.cipher = "none";
	ok(fields_refused(&f, cf_all), "cipher none: EPROTO");
	good_fields(&f);
	f.out.cipher = "3des-cbc";
	ok(fields_refused(&f, cf_all), "unknown outgoing cipher: EPROTO");

	good_fields(&f);
	f.in =
	    (struct dir_fields){"chacha20-poly1305@openssh.com", "", kbuf, ivbuf, mkbuf, 64, 0, 0};
	ok(fields_ok(&f, cf_all), "chacha20-poly1305 accepted where SFTPD_CIPHERS allows it");
	ok(fields_refused(&f, cf_some), "  refused where SFTPD_CIPHERS does not: EPROTO");
	good_fields(&f);
	f.out.mac = "hmac-sha2-512";
	f.out.mackeylen = 64;
	ok(fields_ok(&f, cf_all), "hmac-sha2-512 accepted where SFTPD_MACS allows it");
	ok(fields_refused(&f, cf_some), "  refused where SFTPD_MACS does not: EPROTO");
	good_fields(&f);
	f.out.mac = "hmac-md5";
	ok(fields_refused(&f, cf_all), "unknown MAC: EPROTO");
	f.out.mac = "";
	f.out.mackeylen = 0;
	ok(fields_refused(&f, cf_all), "aes128-ctr without a MAC: EPROTO");

	good_fields(&f);
	f.in.keylen = 31;
	ok(fields_refused(&f, cf_all), "aes256-gcm key of 31 bytes: EPROTO");
	f.in.keylen = 33;
	ok(fields_refused(&f, cf_all), "aes256-gcm key of 33 bytes: EPROTO");
	f.in.keylen = 16;
	ok(fields_refused(&f, cf_all), "aes256-gcm with an aes128 key: EPROTO");
	good_fields(&f);
	f.in.ivlen = 11;
	ok(fields_refused(&f, cf_all), "GCM nonce of 11 bytes: EPROTO");
	f.in.ivlen = 16;
	ok(fields_refused(&f, cf_all), "GCM nonce of 16 bytes: EPROTO");
	good_fields(&f);
	f.out.keylen = 32;
	ok(fields_refused(&f, cf_all), "aes128-ctr key of 32 bytes: EPROTO");
	good_fields(&f);
	f.out.ivlen = 15;
	ok(fields_refused(&f, cf_all), "CTR counter of 15 bytes: EPROTO");
	good_fields(&f);
	f.out.mackeylen = 31;
	ok(fields_refused(&f, cf_all), "hmac-sha2-256 key of 31 bytes: EPROTO");
	f.out.mackeylen = 64;
	ok(fields_refused(&f, cf_all), "hmac-sha2-256 key of 64 bytes: EPROTO");
	good_fields(&f);
	f.in =
	    (struct dir_fields){"chacha20-poly1305@openssh.com", "", kbuf, ivbuf, mkbuf, 32, 0, 0};
	ok(fields_refused(&f, cf_all), "chacha20-poly1305 key of 32 bytes: EPROTO");
	f.in.keylen = 64;
	f.in.ivlen = 1;
	ok(fields_refused(&f, cf_all), "chacha20-poly1305 with an IV: EPROTO");

	good_fields(&f);
	f.in.mac = "hmac-sha2-256";
	f.in.mackeylen = 32;
	ok(fields_refused(&f, cf_all), "MAC given for an AEAD cipher: EPROTO");
	f.in.mac = "";
	ok(fields_refused(&f, cf_all), "MAC key given for an AEAD cipher: EPROTO");
	f.in.mac = "hmac-sha2-256";
	f.in.mackeylen = 0;
	ok(fields_refused(&f, cf_all), "MAC name without a key for an AEAD cipher: EPROTO");
	f.in = (struct dir_fields){"chacha20-poly1305@openssh.com",
				   "hmac-sha2-512-etm@openssh.com",
				   kbuf,
				   ivbuf,
				   mkbuf,
				   64,
				   0,
				   64};
	ok(fields_refused(&f, cf_all), "MAC given for chacha20-poly1305: EPROTO");
}

int main(void)
{
	char err[256];

	tap_logs_aside();
	log_init("sftpd_handover", "test");
	if (!algo_init() ||
	    !conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_all, env_all, err, sizeof err) ||
	    !conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_some, env_some, err, sizeof err) ||
	    !conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, cf_rekey, env_rekey, err,
		       sizeof err)) {
		printf("Bail out! set-up: %s\n", err);
		return 1;
	}
	fill(kbuf, sizeof kbuf, 9);
	fill(ivbuf, sizeof ivbuf, 10);
	fill(mkbuf, sizeof mkbuf, 11);
	fill(sidbuf, sizeof sidbuf, 12);

	round_trip("chacha20-poly1305@openssh.com", 0, "chacha20-poly1305@openssh.com", 0, 3, 4, 0);
	round_trip("aes128-gcm@openssh.com", 0, "aes128-gcm@openssh.com", 0, 7, 8, 0);
	round_trip("aes256-gcm@openssh.com", 0, "aes256-gcm@openssh.com", 0, 0xfffffffd, 0xfffffffe,
		   1);
	round_trip("aes128-ctr", "hmac-sha2-256", "aes128-ctr", "hmac-sha2-256", 5, 6, 0);
	round_trip("aes256-ctr", "hmac-sha2-512-etm@openssh.com", "aes256-ctr",
		   "hmac-sha2-512-etm@openssh.com", 9, 10, 1);
	round_trip("aes128-ctr", "hmac-sha2-256-etm@openssh.com", "chacha20-poly1305@openssh.com",
		   0, 1, 2, 0);
	round_trip("aes256-gcm@openssh.com", 0, "aes256-ctr", "hmac-sha2-512", 0xffffffff, 0, 0);
	test_export_refusals();
	test_no_rekey_before_handover();
	test_import_refusals();
	return tap_done();
}
