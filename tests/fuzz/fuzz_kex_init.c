/* fuzz_kex_init: the client's key exchange messages as each family parses
 * them.  The first byte picks the parser: curve25519, P-256, P-384, P-521,
 * DH group 14 or 16 init (0-5), a GEX request (without, then with a
 * moduli text: 6, 7), a GEX init after a fixed request (8), the rest of
 * the input as a moduli file (9), mlkem768x25519 or sntrup761x25519 init
 * (10, 11).
 * Whatever is accepted must have filled the result within its ceilings;
 * whatever is refused must say EPROTO (malformed or invalid). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sftpd/ssh/kex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kex_method methods[] = {
    {"curve25519-sha256", KEX_X25519, ALGO_SHA256, 0},
    {"ecdh-sha2-nistp256", KEX_ECDH, ALGO_SHA256, 256},
    {"ecdh-sha2-nistp384", KEX_ECDH, ALGO_SHA384, 384},
    {"ecdh-sha2-nistp521", KEX_ECDH, ALGO_SHA512, 521},
    {"diffie-hellman-group14-sha256", KEX_DH, ALGO_SHA256, 14},
    {"diffie-hellman-group16-sha512", KEX_DH, ALGO_SHA512, 16},
    {"mlkem768x25519-sha256", KEX_HYBRID, ALGO_SHA256, KEM_MLKEM768},
    {"sntrup761x25519-sha512", KEX_HYBRID, ALGO_SHA512, KEM_SNTRUP761},
};
static const struct kex_method gex = {"diffie-hellman-group-exchange-sha256", KEX_DHGEX,
				      ALGO_SHA256, 0};
/* One usable 2048-bit entry (generator 2: the RFC 3526 group 14 prime). */
static char moduli_text[600];
static size_t moduli_len;
static int ready;

static void setup(void)
{
	struct kex_dh_group g;
	unsigned char p[256];
	static const char hex[] = "0123456789ABCDEF";
	if (ready) return;
	if (!algo_init() || !kex_dh_group_rfc3526(&g, 14)) abort();
	struct wire_out w;
	unsigned char buf[300];
	wire_out_init(&w, buf, sizeof buf);
	kex_dh_group_put(&g, &w); /* mpint p: 4 + 1 + 256 */
	memcpy(p, buf + 5, 256);
	moduli_len =
	    (size_t)snprintf(moduli_text, sizeof moduli_text, "20260101000000 2 6 100 2047 2 ");
	for (size_t i = 0; i < 256; i++) {
		moduli_text[moduli_len++] = hex[p[i] >> 4];
		moduli_text[moduli_len++] = hex[p[i] & 15];
	}
	moduli_text[moduli_len++] = '\n';
	kex_dh_group_free(&g);
	ready = 1;
}

static const struct kex_family *family(enum kex_family_id id)
{
	switch (id) {
	case KEX_X25519:
		return &kex_family_x25519;
	case KEX_ECDH:
		return &kex_family_ecdh;
	case KEX_HYBRID:
		return &kex_family_hybrid;
	default:
		return &kex_family_dh;
	}
}

static int run(const struct kex_family *f, struct kex *k, const uint8_t *p, size_t n)
{
	static unsigned char mem[3][KEX_HASH_PART_MAX];
	struct kex_result r;
	struct wire_in in;
	int ok;
	wire_out_init(&r.hash, mem[0], KEX_HASH_PART_MAX);
	wire_out_init(&r.reply, mem[1], KEX_REPLY_MAX);
	wire_out_init(&r.secret, mem[2], KEX_SECRET_MAX);
	wire_in_init(&in, p, n);
	errno = 0;
	ok = f->exchange(k, &in, &r);
	if (ok && (r.hash.bad || r.reply.bad || r.secret.bad || !r.reply.len || !r.secret.len))
		abort();
	if (!ok && errno != EPROTO) abort();
	return ok;
}

static int request(struct kex *k, const struct moduli *mf, const uint8_t *p, size_t n)
{
	unsigned char ans[2 * KEX_MPINT_MAX + 16];
	struct wire_out a;
	struct wire_in in;
	int ok;
	wire_out_init(&a, ans, sizeof ans);
	wire_in_init(&in, p, n);
	errno = 0;
	ok = kex_family_dhgex.request(k, mf, &in, &a);
	if (ok &&
	    (a.bad || k->gex_group.bits < KEX_GEX_MIN_BITS || k->gex_group.bits > KEX_GEX_MAX_BITS))
		abort();
	if (!ok && errno != EPROTO) abort();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moduli mf = {0, moduli_text, 0};
	struct kex k;
	unsigned pick;
	static const uint8_t req[12] = {0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 0x20, 0};

	setup();
	if (!size || size > 64 * 1024) return 0;
	pick = data[0] % 12;
	data++, size--;
	memset(&k, 0, sizeof k);
	mf.len = moduli_len;
	if (pick < 6 || pick >= 10) {
		k.method = &methods[pick < 6 ? pick : pick - 4];
		run(family(k.method->family), &k, data, size);
	} else if (pick == 6 || pick == 7) {
		k.method = &gex;
		request(&k, pick == 7 ? &mf : &(struct moduli)MODULI_ZERO, data, size);
	} else if (pick == 8) {
		k.method = &gex;
		if (!request(&k, &mf, req, sizeof req)) abort();
		run(&kex_family_dhgex, &k, data, size);
	} else {
		struct moduli text = {0, (const char *)data, size};
		struct kex_dh_group g = {0};
		moduli_count(&text);
		if (moduli_choose(&text, 2048, 3072, 8192, &g) && !g.p) abort();
		kex_dh_group_free(&g);
	}
	kex_dh_group_free(&k.gex_group);
	return 0;
}
