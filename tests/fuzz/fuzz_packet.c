/* fuzz_packet: the SSH packet reader (packet.c, cipher.c) and the key
 * exchange messages behind it (kex.c).  The first input byte picks the
 * mode: bits 0-2 the inbound cipher (fixed keys), bit 3 a version line
 * first, bit 4 "sealed": the rest is payloads (2-byte length each) that a
 * sending session seals with the same keys, so valid packets reach
 * kex_handle under every cipher; otherwise the rest is raw stream bytes.
 * Bit 5 makes both sessions authenticated with zlib@openssh.com started, as
 * in the session process after the hand-over (plain "zlib" is gone).  The
 * exchange hash goes to a stand-in for the monitor (fuzz_sftpd_setup.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sftpd_setup.h"

#define FUZZ_PACKET_MAX_STEPS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session fuzz_rx, fuzz_tx;

static void fuzz_setup(void)
{
	fuzz_setup_named("fuzz_packet");
}

static void session_start(struct session *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->cf, fuzz_cf, sizeof s->cf);
	s->t.rx = (struct buf)BUF_ZERO(SSH_RX_MAX);
	s->t.tx = (struct buf)BUF_ZERO(SSH_TX_MAX);
	s->t.deferred = (struct buf)BUF_ZERO(SSH_DEFERRED_MAX);
	s->max_channels = SSH_MAX_CHANNELS;
	s->host_pub[0] = fuzz_host_pub;
	s->n_host_keys = 1;
	s->mon = -1; /* authority_sign is a stand-in */
}

static void session_end(struct session *s)
{
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
}

static const struct {
	const char *cipher, *mac;
} fuzz_suites[8] = {
    {0, 0},
    {"chacha20-poly1305@openssh.com", 0},
    {"aes128-gcm@openssh.com", 0},
    {"aes256-gcm@openssh.com", 0},
    {"aes128-ctr", "hmac-sha2-256"},
    {"aes256-ctr", "hmac-sha2-512-etm@openssh.com"},
    {"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
    {"aes256-ctr", "hmac-sha2-512"},
};

static void suite_setup(struct cipher_state *c, unsigned which, int encrypt)
{
	static const unsigned char key[64] =
	    "fuzz-key-0123456789abcdef-fuzz-key-0123456789abcdef-fuzz-key-01";
	static const unsigned char iv[16] = "fuzz-iv-0123456";
	static const unsigned char mackey[64] =
	    "fuzz-mac-0123456789abcdef-fuzz-mac-0123456789abcdef-fuzz-mac-0";
	const char *cn = fuzz_suites[which].cipher, *mn = fuzz_suites[which].mac;
	const struct cipher_spec *cs;
	const struct mac_spec *ms = 0;

	memset(c, 0, sizeof *c);
	if (!cn) return;
	cs = cipher_find(cn, strlen(cn));
	if (mn) ms = mac_find(mn, strlen(mn));
	if (!cs || (mn && !ms) || !cipher_setup(c, cs, ms, key, iv, mackey, encrypt)) abort();
}

/* What connection.c's dispatch does for transport messages; 0 ends the
 * input. */
static int handle(struct session *s, const unsigned char *p, size_t len)
{
	uint8_t type = p[0];
	if (!kex_allows(s, type)) return 0;
	if (type == SSH_MSG_KEXINIT || type == SSH_MSG_NEWKEYS ||
	    (type >= SSH_MSG_KEX_FIRST && type <= SSH_MSG_KEX_LAST))
		return kex_handle(s, type, p, len);
	return 1;
}

/* Reads and handles every whole packet in s's input; 0 when it must stop. */
static int drain_input(struct session *s)
{
	const unsigned char *p;
	size_t len;
	for (unsigned steps = 0; steps < FUZZ_PACKET_MAX_STEPS; steps++) {
		int ok;
		/* an empty queue has no buffer yet: packet_next would do NULL + 0
		 * arithmetic (harmless, but undefined; see the sftpd report) */
		if (!buf_used(&s->t.rx)) return (errno = EAGAIN, 0);
		if (!packet_next(s, &p, &len)) return 0;
		if (len < 1 || len > SSH_MAX_PACKET)
			abort(); /* packet_next promised at least the type */
		ok = handle(s, p, len);
		packet_consume(s);
		buf_consume(&s->t.tx, buf_used(&s->t.tx));
		if (!ok || s->closing) return 0;
	}
	return 0;
}

static void run_raw(struct session *s, const uint8_t *data, size_t size)
{
	if (size > SSH_RX_MAX) size = SSH_RX_MAX;
	if (size && !buf_append(&s->t.rx, data, size)) abort();
	drain_input(s);
}

static void run_sealed(struct session *s, struct session *snd, const uint8_t *data, size_t size)
{
	while (size >= 2) {
		size_t n = (size_t)data[0] << 8 | data[1];
		data += 2, size -= 2;
		if (n > size) n = size;
		if (n && !packet_send(snd, data, n)) abort();
		data += n, size -= n;
		if (!n) continue;
		if (!buf_append(&s->t.rx, buf_data(&snd->t.tx), buf_used(&snd->t.tx))) return;
		buf_consume(&snd->t.tx, buf_used(&snd->t.tx));
		if (!drain_input(s) && errno != EAGAIN) return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = &fuzz_rx, *snd = &fuzz_tx;
	unsigned mode, which;

	fuzz_setup();
	if (size < 1) return 0;
	mode = data[0];
	which = mode & 7;
	data++, size--;
	session_start(s);
	session_start(snd);
	fuzz_signed = 0;
	suite_setup(&s->t.in, which, 0);
	suite_setup(&snd->t.out, which, 1);
	if (mode & 32) {
		s->authed = snd->authed = 1;
		s->t.comp_in.kind = snd->t.comp_out.kind = COMP_ZLIB_DELAYED;
		if (!compress_after_auth(&s->t.comp_in, 0) ||
		    !compress_after_auth(&snd->t.comp_out, 1))
			abort();
	}
	if (mode & 8) {
		/* a version line first, as a client sends it */
		const uint8_t *nl = memchr(data, '\n', size);
		size_t n = nl ? (size_t)(nl - data) + 1 : size;
		if (!n) goto out;
		if (!buf_append(&s->t.rx, data, n > SSH_RX_MAX ? SSH_RX_MAX : n)) abort();
		data += n, size -= n;
		if (!packet_read_version(s)) goto out;
		if (strlen(s->kex.v_c) > SSH_MAX_VERSION_LINE) abort();
	} else {
		strcpy(s->kex.v_c, "SSH-2.0-fuzz");
	}
	if (mode & 16)
		run_sealed(s, snd, data, size);
	else
		run_raw(s, data, size);
out:
	session_end(s);
	session_end(snd);
	return 0;
}
