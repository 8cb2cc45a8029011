/* account_password.c: checking and making password hashes.  argon2id via
 * libsodium, other "$id$" hashes via crypt_rn(3).  Every failure path does
 * comparable work (a dummy argon2id check) so that unknown users, locked
 * accounts and wrong passwords cannot be told apart by timing. */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "account/account.h"

#define ACCOUNT_DUMMY_PW_BYTES 32

static char account_dummy[crypto_pwhash_STRBYTES];
static int account_dummy_ready;
/* With system accounts: crypt settings shaped like the real hashes (same
 * method and cost, a random salt), so that a name that does not exist
 * costs what a wrong password costs. */
static char account_dummy_crypt[ACCOUNT_MAX_HASH];
static volatile int account_sink; /* results computed only to spend time */

static int account_verify_crypt(const char *hash, const char *pw, size_t pwlen);

static int account_is_argon2(const char *hash)
{
	return !strncmp(hash, "$argon2id$", 10) || !strncmp(hash, "$argon2i$", 9);
}

/* One argon2id computation with the ACCOUNT_ARGON2_* cost whose result is
 * ignored.  The first call makes the dummy hash (same cost as a verify). */
static void account_burn(const char *pw, size_t pwlen)
{
	unsigned char rnd[ACCOUNT_DUMMY_PW_BYTES];

	if (account_dummy_crypt[0]) {
		account_sink = account_verify_crypt(account_dummy_crypt, pw, pwlen);
		return;
	}
	if (account_dummy_ready) {
		account_sink = crypto_pwhash_str_verify(account_dummy, pw, pwlen);
		return;
	}
	randombytes_buf(rnd, sizeof rnd);
	if (!crypto_pwhash_str(account_dummy, (const char *)rnd, sizeof rnd,
			       ACCOUNT_ARGON2_OPSLIMIT, ACCOUNT_ARGON2_MEMLIMIT))
		account_dummy_ready = 1;
	sodium_memzero(rnd, sizeof rnd);
}

static int account_verify_crypt(const char *hash, const char *pw, size_t pwlen)
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	char *pwz = sodium_malloc(pwlen + 1);
	const char *res;
	size_t hlen = strlen(hash);
	int ok = 0;

	if (cd && pwz) {
		memcpy(pwz, pw, pwlen);
		pwz[pwlen] = 0;
		/* crypt_rn, not crypt_r: it returns NULL instead of a failure
		 * token, and sanitizer runtimes do not intercept it (their
		 * crypt_r interceptor crashes against libxcrypt). */
		res = crypt_rn(pwz, hash, cd, (int)sizeof *cd);
		/* An embedded NUL would make crypt see a shorter password. */
		ok = res && res[0] != '*' && !memchr(pw, 0, pwlen) && strlen(res) == hlen &&
		     !sodium_memcmp(res, hash, hlen);
	} else {
		account_burn(pw, pwlen);
	}
	if (cd) {
		sodium_memzero(cd, sizeof *cd);
		free(cd);
	}
	if (pwz) sodium_free(pwz); /* sodium_free wipes */
	return ok;
}

/* 1 if pw matches hash; unusable hashes cost a dummy check and fail. */
static int account_check(const char *hash, const char *pw, size_t pwlen)
{
	if (hash[0] == '!' && hash[1] == '$') {
		account_sink = account_check(hash + 1, pw, pwlen); /* locked: same work, no entry */
		return 0;
	}
	if (account_is_argon2(hash)) return crypto_pwhash_str_verify(hash, pw, pwlen) == 0;
	if (hash[0] == '$') return account_verify_crypt(hash, pw, pwlen);
	account_burn(pw, pwlen); /* "!", "*", "", "x", DES: no password login */
	return 0;
}

int account_verify_password(const struct account *a, const char *pw, size_t pwlen)
{
	static const char empty[1] = "";

	if (sodium_init() < 0) return (errno = ENOSYS, 0);
	if (!pw || pwlen > SLUICE_MAX_PASSWORD) {
		account_burn(empty, 0);
		return (errno = EACCES, 0);
	}
	if (!a || !memchr(a->hash, 0, sizeof a->hash)) {
		account_burn(pw, pwlen);
		return (errno = EACCES, 0);
	}
	if (!account_check(a->hash, pw, pwlen)) return (errno = EACCES, 0);
	return 1;
}

int account_dummy_like(const char *hash)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t len = strlen(hash), salt_start, salt_end;
	const char *last;

	/* "$id$[params$]salt$hash": the salt is the field before the last. */
	if (hash[0] != '$' || account_is_argon2(hash) || len >= sizeof account_dummy_crypt)
		return (errno = EINVAL, 0);
	last = strrchr(hash, '$');
	salt_end = (size_t)(last - hash);
	salt_start = salt_end;
	while (salt_start > 0 && hash[salt_start - 1] != '$')
		salt_start--;
	if (salt_start < 3 || salt_start == salt_end) return (errno = EINVAL, 0);
	memcpy(account_dummy_crypt, hash, salt_end);
	/* The last character stays: in yescrypt's encoding it holds the
	 * salt's spare bits, which must be zero for crypt to accept it. */
	for (size_t i = salt_start; i + 1 < salt_end; i++)
		account_dummy_crypt[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	account_dummy_crypt[salt_end] = 0;
	return 1;
}

int account_hash_password(const char *pw, size_t pwlen, char *out, size_t cap)
{
	char tmp[crypto_pwhash_STRBYTES];
	size_t n;

	if (sodium_init() < 0) return (errno = ENOSYS, 0);
	if (!pw || pwlen > SLUICE_MAX_PASSWORD) return (errno = EMSGSIZE, 0);
	if (crypto_pwhash_str(tmp, pw, pwlen, ACCOUNT_ARGON2_OPSLIMIT, ACCOUNT_ARGON2_MEMLIMIT) !=
	    0)
		return (errno = ENOMEM, 0);
	n = strlen(tmp);
	if (n >= cap || n >= ACCOUNT_MAX_HASH)
		return (sodium_memzero(tmp, sizeof tmp), errno = EMSGSIZE, 0);
	memcpy(out, tmp, n + 1);
	sodium_memzero(tmp, sizeof tmp);
	return 1;
}
