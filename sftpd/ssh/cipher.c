/* cipher: the SSH packet ciphers and MACs: chacha20-poly1305@openssh.com,
 * AES-GCM (RFC 5647 as OpenSSH does it), AES-CTR with HMAC-SHA2 (RFC 6668)
 * in plain and encrypt-then-MAC form.  Everything works in place on the
 * packet buffer, except that an AEAD can take a packet's bulk data from
 * where it lies (cipher_seal_from) instead of a copy. */
#include <errno.h>
#include <string.h>
#include "log/log.h"
#include "algorithms.h"
#include "ssh.h"

#define CIPHER_ROW(name, kind, key, iv, block, tag) {name, kind, key, iv, block, tag},
#define MAC_ROW(name, sha512, etm, key, len) {name, sha512, etm, key, len},
static const struct cipher_spec ciphers[] = {SSH_CIPHER_LIST(CIPHER_ROW)};
static const struct mac_spec macs[] = {SSH_MAC_LIST(MAC_ROW)};

const struct cipher_spec *cipher_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(ciphers); i++)
		if (strlen(ciphers[i].name) == len && !memcmp(ciphers[i].name, name, len))
			return &ciphers[i];
	return 0;
}

const struct mac_spec *mac_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(macs); i++)
		if (strlen(macs[i].name) == len && !memcmp(macs[i].name, name, len))
			return &macs[i];
	return 0;
}

int cipher_setup(struct cipher_state *c, const struct cipher_spec *cs, const struct mac_spec *ms,
		 const unsigned char *key, const unsigned char *iv, const unsigned char *mackey,
		 int encrypt)
{
	memset(c, 0, sizeof *c);
	c->spec = cs;
	c->mac = ms;
	c->kind = cs->kind;
	c->keylen = cs->keylen;
	c->ivlen = cs->ivlen;
	c->block = cs->block;
	c->taglen = cs->taglen;
	memcpy(c->key, key, cs->keylen);
	memcpy(c->iv, iv, cs->ivlen);
	switch (cs->kind) {
	case CIPHER_GCM:
		if (!algo_gcm_init(&c->gcm, key, cs->keylen, encrypt)) return 0;
		break;
	case CIPHER_CTR:
		if (!ms) return (errno = EINVAL, 0);
		if (!algo_ctr_init(&c->ctr, key, cs->keylen, iv)) return 0;
		c->has_mac = 1;
		c->etm = ms->etm;
		c->mac_sha512 = ms->sha512;
		c->taglen = ms->len;
		memcpy(c->mackey, mackey, ms->keylen);
		algo_hmac_init(&c->hmac, ms->sha512 ? ALGO_SHA512 : ALGO_SHA256, mackey,
			       ms->keylen);
		break;
	default:
		break;
	}
	return 1;
}

void cipher_free(struct cipher_state *c)
{
	if (c->kind == CIPHER_GCM) algo_gcm_free(&c->gcm);
	if (c->kind == CIPHER_CTR) algo_ctr_free(&c->ctr);
	if (c->chacha_evp_on) algo_chacha_evp_free(&c->chacha_evp);
	algo_wipe(c, sizeof *c);
}

/* Every CTR call covers whole blocks (packets are block-aligned), so the
 * counter after n blocks is the initial one plus n: what a hand-over needs. */
static int ctr_xor(struct cipher_state *c, unsigned char *buf, size_t n)
{
	if (n % 16) return (errno = EINVAL, 0);
	c->ctr_blocks += n / 16;
	return algo_ctr_xor(&c->ctr, buf, n);
}

void cipher_ctr_position(const struct cipher_state *c, unsigned char iv[16])
{
	uint64_t add = c->ctr_blocks;
	unsigned carry = 0;
	memcpy(iv, c->iv, 16);
	for (int i = 15; i >= 0; i--) {
		unsigned sum = iv[i] + (unsigned)(add & 0xff) + carry;
		iv[i] = (unsigned char)sum;
		carry = sum >> 8;
		add >>= 8;
	}
}

/* After this much traffic in one direction chacha20-poly1305 moves from
 * libsodium to libcrypto's faster code (algo_chacha_evp.c): a session that
 * moves little never pays libcrypto's start-up.  The packets do not
 * depend on which library made them. */
#define CHACHA_EVP_AFTER (4u << 20)

static void chacha_count(struct cipher_state *c, size_t len)
{
	c->chacha_bytes += len;
	if (c->chacha_evp_tried || c->chacha_bytes < CHACHA_EVP_AFTER) return;
	c->chacha_evp_tried = 1;
	c->chacha_evp_on = algo_chacha_evp_init(&c->chacha_evp);
	if (c->chacha_evp_on)
		log_debug("chacha20-poly1305: libcrypto's code from here on (%llu bytes so far)",
			  (unsigned long long)c->chacha_bytes);
	else
		log_warn("chacha20-poly1305: libcrypto's code unavailable, staying on libsodium");
}

static int chacha_xor(struct cipher_state *c, unsigned char *out, const unsigned char *in, size_t n,
		      const unsigned char nonce[8], uint64_t counter, const unsigned char key[32])
{
	if (c->chacha_evp_on)
		return algo_chacha20_xor_evp(&c->chacha_evp, out, in, n, nonce, counter, key) ||
		       (errno = EIO, 0);
	algo_chacha20_xor(out, in, n, nonce, counter, key);
	return 1;
}

static int chacha_tag(struct cipher_state *c, unsigned char tag[16], const unsigned char *in,
		      size_t n, const unsigned char key[32])
{
	if (c->chacha_evp_on)
		return algo_poly1305_evp(&c->chacha_evp, tag, in, n, key) || (errno = EIO, 0);
	algo_poly1305(tag, in, n, key);
	return 1;
}

static void chacha_nonce(unsigned char nonce[8], uint32_t seq)
{
	memset(nonce, 0, 4);
	wire_store_u32(nonce + 4, seq);
}

static int chacha_polykey(struct cipher_state *c, const unsigned char nonce[8],
			  unsigned char pk[32])
{
	memset(pk, 0, 32);
	return chacha_xor(c, pk, pk, 32, nonce, 0, c->key);
}

static void gcm_next_iv(struct cipher_state *c)
{
	for (int i = 11; i >= 4; i--)
		if (++c->iv[i]) break;
}

static void mac_compute(const struct cipher_state *c, uint32_t seq, const unsigned char *p,
			size_t n, unsigned char *out)
{
	unsigned char seqb[4];
	wire_store_u32(seqb, seq);
	algo_hmac2(&c->hmac, seqb, 4, p, n, out);
}

/* XORs the payload body[0..blen) (keystream block 1 onwards) whose bytes
 * [gap, gap + srclen) are still in src.  The stretch of src that starts
 * and ends on a 64-byte block boundary of the keystream goes straight from
 * src into the packet; the partial blocks at its ends are copied first and
 * XORed in place with their neighbours. */
static int chacha_body_from(struct cipher_state *c, unsigned char *body, size_t blen, size_t gap,
			    const unsigned char *src, size_t srclen, const unsigned char nonce[8])
{
	size_t head = (64 - gap % 64) % 64, mid, done;

	if (srclen < head + 64) { /* no whole block of src: all of it is copied */
		if (srclen) memcpy(body + gap, src, srclen);
		return chacha_xor(c, body, body, blen, nonce, 1, c->key);
	}
	mid = (srclen - head) / 64 * 64;
	memcpy(body + gap, src, head);
	done = gap + head;
	if (!chacha_xor(c, body, body, done, nonce, 1, c->key) ||
	    !chacha_xor(c, body + done, src + head, mid, nonce, 1 + done / 64, c->key))
		return 0;
	done += mid;
	memcpy(body + done, src + head + mid, srclen - head - mid);
	return chacha_xor(c, body + done, body + done, blen - done, nonce, 1 + done / 64, c->key);
}

static int chacha_seal(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t len,
		       size_t at, const unsigned char *src, size_t srclen)
{
	unsigned char nonce[8], pk[32];
	int good;

	chacha_count(c, len);
	chacha_nonce(nonce, seq);
	good = chacha_xor(c, pkt, pkt, 4, nonce, 0, c->key + 32) &&
	       chacha_body_from(c, pkt + 4, len - 4, at - 4, src, srclen, nonce) &&
	       chacha_polykey(c, nonce, pk) && chacha_tag(c, pkt + len, pkt, len, pk);
	algo_wipe(pk, sizeof pk);
	return good;
}

int cipher_seal_from(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t len,
		     size_t at, const unsigned char *src, size_t srclen)
{
	if (at < 5 || at + srclen > len) return (errno = EINVAL, 0);
	if (!srclen) return cipher_seal(c, seq, pkt, len);
	switch (c->kind) {
	case CIPHER_CHACHAPOLY:
		return chacha_seal(c, seq, pkt, len, at, src, srclen);
	case CIPHER_GCM:
		if (!algo_gcm_seal_from(&c->gcm, c->iv, pkt, 4, pkt + 4, len - 4, at - 4, src,
					srclen, pkt + len))
			return (errno = EIO, 0);
		gcm_next_iv(c);
		return 1;
	default: /* a MAC over the plaintext, or no cipher: nothing to gain */
		memcpy(pkt + at, src, srclen);
		return cipher_seal(c, seq, pkt, len);
	}
}

int cipher_seal(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t len)
{
	switch (c->kind) {
	case CIPHER_NONE:
		return 1;
	case CIPHER_CHACHAPOLY:
		return chacha_seal(c, seq, pkt, len, len, 0, 0);
	case CIPHER_GCM:
		if (!algo_gcm_seal(&c->gcm, c->iv, pkt, 4, pkt + 4, len - 4, pkt + len))
			return (errno = EIO, 0);
		gcm_next_iv(c);
		return 1;
	case CIPHER_CTR:
		if (c->etm) {
			if (!ctr_xor(c, pkt + 4, len - 4)) return 0;
			mac_compute(c, seq, pkt, len, pkt + len);
			return 1;
		}
		mac_compute(c, seq, pkt, len, pkt + len);
		return ctr_xor(c, pkt, len);
	}
	return (errno = EINVAL, 0);
}

int cipher_peek_length(struct cipher_state *c, uint32_t seq, unsigned char *pkt, size_t avail,
		       uint32_t *pktlen, size_t *head_done)
{
	unsigned char nonce[8], lenb[4];

	if (c->kind == CIPHER_CTR && !c->etm) {
		if (*head_done == 0) {
			if (avail < c->block) return (errno = EAGAIN, 0);
			if (!ctr_xor(c, pkt, c->block)) return 0;
			*head_done = c->block;
		}
		*pktlen = wire_load_u32(pkt);
		return 1;
	}
	if (avail < 4) return (errno = EAGAIN, 0);
	if (c->kind == CIPHER_CHACHAPOLY) {
		chacha_nonce(nonce, seq);
		if (!chacha_xor(c, lenb, pkt, 4, nonce, 0, c->key + 32)) return 0;
		*pktlen = wire_load_u32(lenb);
	} else {
		*pktlen = wire_load_u32(pkt);
	}
	return 1;
}

int cipher_open(struct cipher_state *c, uint32_t seq, unsigned char *pkt, uint32_t pktlen,
		size_t head_done)
{
	unsigned char nonce[8], pk[32], mac[ALGO_HASH_MAX];
	size_t len = 4 + (size_t)pktlen;
	int good;

	switch (c->kind) {
	case CIPHER_NONE:
		return 1;
	case CIPHER_CHACHAPOLY:
		chacha_count(c, len);
		chacha_nonce(nonce, seq);
		good = chacha_polykey(c, nonce, pk) && chacha_tag(c, mac, pkt, len, pk) &&
		       algo_memeq(mac, pkt + len, 16);
		algo_wipe(pk, sizeof pk);
		if (!good) return 0;
		return chacha_xor(c, pkt + 4, pkt + 4, pktlen, nonce, 1, c->key);
	case CIPHER_GCM:
		good = algo_gcm_open(&c->gcm, c->iv, pkt, 4, pkt + 4, pktlen, pkt + len);
		gcm_next_iv(c);
		return good;
	case CIPHER_CTR:
		if (c->etm) {
			mac_compute(c, seq, pkt, len, mac);
			if (!algo_memeq(mac, pkt + len, c->taglen)) return 0;
			return ctr_xor(c, pkt + 4, pktlen);
		}
		if (!ctr_xor(c, pkt + head_done, len - head_done)) return 0;
		mac_compute(c, seq, pkt, len, mac);
		return algo_memeq(mac, pkt + len, c->taglen);
	}
	return 0;
}
