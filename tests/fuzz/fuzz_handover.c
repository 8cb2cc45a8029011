/* fuzz_handover: transport_import (handover.c) on arbitrary bytes, as the
 * session process receives them from the network child through the
 * monitor.  When a state is accepted: it exports again, that export
 * imports into a second session and exports to the same bytes, and both
 * sessions seal the next packet alike and refuse the same forged one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "../../sftpd/monitor.h"
#include "../../sftpd/ssh/ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_env[] = {"SFTPD_AUTH_FAIL_DELAY_MS=0", 0};
static struct conf_value fuzz_cf[CF_COUNT];
static struct session fuzz_a, fuzz_b;
static int fuzz_ready;

static void fuzz_setup(void)
{
	char err[256];
	if (fuzz_ready) return;
	log_init("fuzz_handover", "fuzz");
	if (!algo_init()) abort();
	if (!conf_load("SFTPD_", sftpd_conf_table, CF_COUNT, fuzz_cf, fuzz_env, err, sizeof err))
		abort();
	fuzz_ready = 1;
}

static void session_start(struct session *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
}

static void session_end(struct session *s)
{
	cipher_free(&s->t.in);
	cipher_free(&s->t.out);
	compress_free(&s->t.comp_in, 0);
	compress_free(&s->t.comp_out, 1);
}

/* A 64-byte payload as packet_end lays it out for c, zero padding. */
static size_t make_packet(const struct cipher_state *c, unsigned char *pkt)
{
	size_t block = c->block ? c->block : 8, base, pad, n = 64;
	int aad = c->kind == CIPHER_CHACHAPOLY || c->kind == CIPHER_GCM || c->etm;
	base = 1 + n + (aad ? 0 : 4);
	pad = block - base % block;
	if (pad < 4) pad += block;
	wire_store_u32(pkt, (uint32_t)(1 + n + pad));
	pkt[4] = (unsigned char)pad;
	memset(pkt + 5, 'p', n);
	memset(pkt + 5 + n, 0, pad);
	return 5 + n + pad;
}

/* a and b, imported from the same state, seal the next packet alike. */
static void same_seal(struct cipher_state *a, struct cipher_state *b, uint32_t seq)
{
	unsigned char pa[256], pb[256];
	size_t len = make_packet(a, pa);
	if (make_packet(b, pb) != len) abort();
	if (!cipher_seal(a, seq, pa, len) || !cipher_seal(b, seq, pb, len)) abort();
	if (a->taglen != b->taglen || memcmp(pa, pb, len + a->taglen)) abort();
}

/* a and b, imported from the same state, treat the next (forged) packet
 * alike: neither authenticates it, and CTR decrypts it to the same bytes. */
static void same_open(struct cipher_state *a, struct cipher_state *b, uint32_t seq)
{
	unsigned char pa[256], pb[256];
	size_t len = make_packet(a, pa);
	int ra, rb;
	memset(pa + len, 't', a->taglen);
	memcpy(pb, pa, len + a->taglen);
	ra = cipher_open(a, seq, pa, (uint32_t)(len - 4), 0);
	rb = cipher_open(b, seq, pb, (uint32_t)(len - 4), 0);
	if (ra || rb) abort();
	if (a->kind == CIPHER_CTR && memcmp(pa, pb, len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char e1[MON_STATE_MAX], e2[MON_STATE_MAX];
	unsigned char *p;
	struct wire_out w;
	size_t n1;

	fuzz_setup();
	if (size > MON_STATE_MAX) return 0;
	/* exactly size bytes, so a read past the state is caught */
	p = malloc(size ? size : 1);
	if (!p) abort();
	memcpy(p, data, size);
	session_start(&fuzz_a);
	if (transport_import(&fuzz_a, p, size)) {
		wire_out_init(&w, e1, sizeof e1);
		if (!transport_export(&fuzz_a, &w)) abort();
		n1 = w.len;
		session_start(&fuzz_b);
		if (!transport_import(&fuzz_b, e1, n1)) abort();
		wire_out_init(&w, e2, sizeof e2);
		if (!transport_export(&fuzz_b, &w) || w.len != n1 || memcmp(e1, e2, n1)) abort();
		same_seal(&fuzz_a.t.out, &fuzz_b.t.out, fuzz_a.t.seq_out);
		same_open(&fuzz_a.t.in, &fuzz_b.t.in, fuzz_a.t.seq_in);
		session_end(&fuzz_b);
	}
	session_end(&fuzz_a);
	free(p);
	return 0;
}
