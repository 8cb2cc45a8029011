/* key_type: key type names and which signature algorithm fits which key
 * type (RFC 8332 for RSA: SHA-2 only, never SHA-1 "ssh-rsa"). */
#include <string.h>
#include "key/key_internal.h"

static const char *const key_names[] = {
    [KEY_NONE] = "",
    [KEY_ED25519] = "ssh-ed25519",
    [KEY_RSA] = "ssh-rsa",
    [KEY_ECDSA_P256] = "ecdsa-sha2-nistp256",
    [KEY_ECDSA_P384] = "ecdsa-sha2-nistp384",
    [KEY_ECDSA_P521] = "ecdsa-sha2-nistp521",
};

const char *key_type_name(enum key_type t)
{
	if ((unsigned)t >= sizeof(key_names) / sizeof(key_names[0])) return "";
	return key_names[t];
}

enum key_type key_type_from_name(const char *name, size_t len)
{
	for (unsigned i = KEY_ED25519; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strlen(key_names[i]) == len && !memcmp(key_names[i], name, len))
			return (enum key_type)i;
	return KEY_NONE;
}

int key_sigalg_fits(enum key_type t, const char *sigalg)
{
	if (!sigalg) return 0;
	switch (t) {
	case KEY_RSA:
		return !strcmp(sigalg, "rsa-sha2-256") || !strcmp(sigalg, "rsa-sha2-512");
	case KEY_ED25519:
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		return !strcmp(sigalg, key_type_name(t));
	default:
		return 0;
	}
}

int key_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *key_type_label(enum key_type t)
{
	switch (t) {
	case KEY_ED25519:
		return "ED25519";
	case KEY_RSA:
		return "RSA";
	case KEY_ECDSA_P256:
	case KEY_ECDSA_P384:
	case KEY_ECDSA_P521:
		return "ECDSA";
	default:
		return "UNKNOWN";
	}
}
