/* algo_chacha: the two ChaCha20-Poly1305 paths give the same bytes —
 * libcrypto's (algo_chacha_evp.c) against libsodium's, for lengths around
 * block and packet sizes, counters 0 and 1 (what SSH uses) and one at the
 * edge of the low 32-bit word (the original ChaCha20's counter carries
 * into the high one), and Poly1305 tags.  libsodium's side is checked
 * against OpenSSH by every interop test. */
#include <stdint.h>
#include <string.h>
#include <sodium.h>

#include "../tap.h"
#include "algo/algo.h"

static unsigned char a[70000], b[70000], in[70000];

static void same_stream(struct algo_chacha_evp *e, size_t n, uint64_t counter)
{
	unsigned char key[32], nonce[8];

	randombytes_buf(key, sizeof key);
	randombytes_buf(nonce, sizeof nonce);
	randombytes_buf(in, n);
	algo_chacha20_xor(a, in, n, nonce, counter, key);
	ok(algo_chacha20_xor_evp(e, b, in, n, nonce, counter, key) && !memcmp(a, b, n),
	   "chacha20: %zu bytes from counter %llu: libcrypto = libsodium", n,
	   (unsigned long long)counter);
}

static void same_tag(struct algo_chacha_evp *e, size_t n)
{
	unsigned char key[32], t1[16], t2[16];

	randombytes_buf(key, sizeof key);
	randombytes_buf(in, n);
	algo_poly1305(t1, in, n, key);
	ok(algo_poly1305_evp(e, t2, in, n, key) && !memcmp(t1, t2, 16),
	   "poly1305: %zu bytes: libcrypto = libsodium", n);
}

int main(void)
{
	static const size_t lens[] = {0, 1, 4, 63, 64, 65, 4096, 32768 + 13, 65536 + 100};
	struct algo_chacha_evp e;

	if (sodium_init() < 0) return 1;
	ok(algo_chacha_evp_init(&e), "libcrypto's chacha20 and poly1305 set up");
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		same_stream(&e, lens[i], 0);
		same_stream(&e, lens[i], 1);
		same_tag(&e, lens[i]);
	}
	same_stream(&e, 64 * 5, 0xfffffffeull);
	algo_chacha_evp_free(&e);
	return tap_done();
}
