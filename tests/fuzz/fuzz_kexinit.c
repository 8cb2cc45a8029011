/* fuzz_kexinit: the input is a client's KEXINIT payload (its first byte is
 * taken as SSH_MSG_KEXINIT whatever it is).  A fresh server session sends
 * its own KEXINIT, handles the client's, and when that negotiates, goes on
 * with a fixed init message of the negotiated method and NEWKEYS so every
 * negotiated cipher and MAC is set up and freed.  The exchange hash goes to a stand-in for the
 * monitor (fuzz_sftpd_setup.h), which checks the request and signs nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sftpd_setup.h"
#include "../../sftpd/ssh/kex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session fuzz_s;

static void fuzz_setup(void)
{
	fuzz_setup_named("fuzz_kexinit");
}

/* The client's exchange for the negotiated method, with valid values of
 * the right size: the curve25519 base point; for DH an e of 0x09 and 31
 * zero bytes; for the hybrids an all-zero KEM key (valid for both) and
 * the base point.  A group exchange asks for a 2048-bit group first. */
static int client_exchange(struct session *s)
{
	static unsigned char msg[1 + 4 + MLKEM768_PUBLICKEYBYTES + 32];
	static const unsigned char gexreq[13] = {
	    SSH_MSG_KEX_DH_GEX_REQUEST, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 0x20, 0};
	const struct kex_method *m = s->kex.method;
	size_t n = 32;

	memset(msg, 0, sizeof msg);
	msg[0] = SSH_MSG_KEX_ECDH_INIT;
	if (m->family == KEX_HYBRID)
		n += m->param == KEM_MLKEM768 ? MLKEM768_PUBLICKEYBYTES : SNTRUP761_PUBLICKEYBYTES;
	if (m->family == KEX_DHGEX) {
		if (!kex_handle(s, gexreq[0], gexreq, sizeof gexreq)) return 0;
		msg[0] = SSH_MSG_KEX_DH_GEX_INIT;
	}
	wire_store_u32(msg + 1, (uint32_t)n);
	msg[5 + n - 32] = 9;
	return kex_handle(s, msg[0], msg, 5 + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* curve25519 base point: a valid, fixed client public value */
	static const unsigned char ecdh[1 + 4 + 32] = {SSH_MSG_KEX_ECDH_INIT, 0, 0, 0, 32, 9};
	static const unsigned char newkeys[1] = {SSH_MSG_NEWKEYS};
	struct session *s = &fuzz_s;
	unsigned char *p;

	fuzz_setup();
	if (size < 1 || size > SSH_MAX_PAYLOAD) return 0;
	p = malloc(size);
	if (!p) abort();
	memcpy(p, data, size);
	p[0] = SSH_MSG_KEXINIT;
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->host_pub[0] = fuzz_host_pub;
	s->n_host_keys = 1;
	s->mon = -1; /* authority_sign is a stand-in */
	fuzz_signed = 0;
	strcpy(s->kex.v_c, "SSH-2.0-fuzz");
	s->t.seq_in = 1; /* the client's KEXINIT was its first packet */
	if (!kex_send_init(s)) abort();
	if (kex_handle(s, SSH_MSG_KEXINIT, p, size)) {
		if (!s->kex.c2s || !s->kex.s2c || !s->kex.method || !s->kex.host_sigalg) abort();
		if (s->kex.c2s->kind == CIPHER_CTR && !s->kex.mac_c2s) abort();
		if (s->kex.s2c->kind == CIPHER_CTR && !s->kex.mac_s2c) abort();
		/* a wrong guess skips the next ECDH_INIT; then the real one */
		if (s->kex.ignore_guess && !kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, sizeof ecdh))
			abort();
		if (!client_exchange(s)) abort();
		if (kex_handle(s, SSH_MSG_KEX_ECDH_INIT, ecdh, sizeof ecdh))
			abort(); /* only one per exchange */
		if (!kex_handle(s, SSH_MSG_NEWKEYS, newkeys, 1) || !s->kex.done_once) abort();
		if (fuzz_signed != 1 || s->kex.number != 1) abort(); /* one signature */
	}
	compress_free(&s->t.comp_in, 0);
	compress_free(&s->t.comp_out, 1);
	kex_free(&s->kex);
	cipher_free(&s->t.in);
	cipher_free(&s->t.out);
	cipher_free(&s->kex.next_in);
	cipher_free(&s->kex.next_out);
	buf_free(&s->t.rx);
	buf_free(&s->t.tx);
	buf_free(&s->t.deferred);
	free(p);
	return 0;
}
