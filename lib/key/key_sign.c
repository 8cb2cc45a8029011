/* key_sign: makes SSH signature blobs (string alg, string sig) with a
 * private key; ed25519 through libsodium, RSA/ECDSA in key_private_ossl.c. */
#include <errno.h>
#include <sodium.h>
#include "key/key_internal.h"

static int key_sign_ed25519(const struct key_private *k, const unsigned char *data, size_t datalen,
			    struct wire_out *out)
{
	unsigned char s[KEY_ED25519_SIG_BYTES];
	if (crypto_sign_detached(s, 0, data, datalen, k->ed_sk)) return errno = EIO, 0;
	wire_put_cstring(out, "ssh-ed25519");
	wire_put_string(out, s, sizeof s);
	return 1;
}

int key_sign(const struct key_private *k, const char *sigalg, const unsigned char *data,
	     size_t datalen, unsigned char *sig, size_t *siglen)
{
	struct wire_out out;
	int ok;
	if (!key_sigalg_fits(k->pub.type, sigalg)) return errno = EINVAL, 0;
	if (!key_private_check(k)) return 0;
	wire_out_init(&out, sig, KEY_SIG_MAX);
	switch (k->pub.type) {
	case KEY_ED25519:
		ok = k->ed_sk && key_sign_ed25519(k, data, datalen, &out);
		break;
	case KEY_RSA:
		ok = k->rsa && key_sign_rsa(k, sigalg, data, datalen, &out);
		break;
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		ok = k->ec && key_sign_ec(k, data, datalen, &out);
		break;
	default:
		return errno = ENOTSUP, 0;
	}
	if (!ok) return 0;
	if (out.bad) return errno = EMSGSIZE, 0;
	*siglen = out.len;
	return 1;
}
