/* account_password.c: checking and making password hashes.  argon2id via
 * libsodium, other "$id$" hashes via crypt_rn(3).  Every attempt does the
 * same work whatever its outcome, so that unknown users, refused accounts
 * and wrong passwords cannot be told apart by timing: with a users file
 * one argon2id check (a dummy one when there is no real hash to check);
 * with system accounts one crypt check of each scheme in use. */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "account/account.h"

#define ACCOUNT_DUMMY_PW_BYTES 32

static char account_dummy[crypto_pwhash_STRBYTES];
static int account_dummy_ready;
/* With system accounts: crypt settings shaped like the real hashes, one
 * per scheme in use (method and cost; a random salt).  An attempt checks
 * the real hash and every dummy of another scheme, or every dummy when
 * there is no real hash: each then costs one check of each scheme, so an
 * unknown name costs what a wrong password for any account costs. */
struct account_dummy {
	char setting[ACCOUNT_MAX_HASH];
	size_t scheme_len; /* bytes before the salt: method and cost */
};
static struct account_dummy account_dummy_crypt[ACCOUNT_MAX_DUMMIES];
static int account_n_dummies;
static volatile int account_sink; /* results computed only to spend time */

/* What an attempt has spent so far: nothing, a real hash of a scheme no
 * dummy has, or the scheme of dummy number >= 0. */
#define ACCOUNT_SPENT_NOTHING (-2)
#define ACCOUNT_SPENT_OTHER (-1)

static int account_verify_crypt(const char *hash, const char *pw, size_t pwlen);

static int account_is_argon2(const char *hash)
{
	return !strncmp(hash, "$argon2id$", 10) || !strncmp(hash, "$argon2i$", 9);
}

/* One argon2id computation with the ACCOUNT_ARGON2_* cost whose result is
 * ignored.  The first call makes the dummy hash (same cost as a verify). */
static void account_burn_argon2(const char *pw, size_t pwlen)
{
	unsigned char rnd[ACCOUNT_DUMMY_PW_BYTES];

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

/* Tops an attempt up to the same work as any other: the dummies of the
 * schemes it has not spent, or the argon2id dummy when there are none and
 * it has spent nothing. */
static void account_burn_rest(int spent, const char *pw, size_t pwlen)
{
	if (!account_n_dummies) {
		if (spent == ACCOUNT_SPENT_NOTHING) account_burn_argon2(pw, pwlen);
		return;
	}
	for (int i = 0; i < account_n_dummies; i++)
		if (i != spent)
			account_sink =
			    account_verify_crypt(account_dummy_crypt[i].setting, pw, pwlen);
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
		account_burn_argon2(pw, pwlen); /* out of memory: spend something */
	}
	if (cd) {
		sodium_memzero(cd, sizeof *cd);
		free(cd);
	}
	if (pwz) sodium_free(pwz); /* sodium_free wipes */
	return ok;
}

/* Where hash's salt lies: "$id$[params$]salt$hash", or bcrypt's
 * "$2b$cost$" + 22 salt characters + the hash.  0 when there is none. */
static int account_crypt_salt(const char *hash, size_t *start, size_t *end)
{
	size_t len = strlen(hash);
	const char *last;

	if (hash[0] != '$' || account_is_argon2(hash)) return 0;
	if (hash[1] == '2' && hash[2] && hash[3] == '$') {
		*start = 7;
		*end = 7 + 22;
		return len >= *end && hash[6] == '$';
	}
	last = strrchr(hash, '$');
	*end = (size_t)(last - hash);
	*start = *end;
	while (*start > 0 && hash[*start - 1] != '$')
		(*start)--;
	return *start >= 3 && *start != *end;
}

/* The dummy with hash's scheme: method and cost, all before the salt. */
static int account_dummy_of(const char *hash)
{
	size_t start, end;

	if (!account_crypt_salt(hash, &start, &end)) return ACCOUNT_SPENT_OTHER;
	for (int i = 0; i < account_n_dummies; i++)
		if (account_dummy_crypt[i].scheme_len == start &&
		    !memcmp(account_dummy_crypt[i].setting, hash, start))
			return i;
	return ACCOUNT_SPENT_OTHER;
}

/* 1 if pw matches hash; *spent says what the check cost (see above). */
static int account_check(const char *hash, const char *pw, size_t pwlen, int *spent)
{
	*spent = ACCOUNT_SPENT_NOTHING;
	if (hash[0] == '!' && hash[1] == '$') {
		/* locked: the same work, no entry */
		account_sink = account_check(hash + 1, pw, pwlen, spent);
		return 0;
	}
	if (account_is_argon2(hash)) {
		*spent = ACCOUNT_SPENT_OTHER;
		return crypto_pwhash_str_verify(hash, pw, pwlen) == 0;
	}
	if (hash[0] != '$') return 0; /* "!", "*", "", "x", DES: no password login */
	*spent = account_dummy_of(hash);
	return account_verify_crypt(hash, pw, pwlen);
}

int account_verify_password(const struct account *a, const char *pw, size_t pwlen)
{
	static const char empty[1] = "";
	int spent = ACCOUNT_SPENT_NOTHING, ok = 0;

	if (sodium_init() < 0) return (errno = ENOSYS, 0);
	if (!pw || pwlen > SLUICE_MAX_PASSWORD)
		pw = empty, pwlen = 0;
	else if (a && memchr(a->hash, 0, sizeof a->hash))
		ok = account_check(a->hash, pw, pwlen, &spent);
	account_burn_rest(spent, pw, pwlen);
	return ok ? 1 : (errno = EACCES, 0);
}

/* Schemes whose salt may be replaced by random characters of crypt's
 * alphabet; any other keeps the salt it came with. */
static int account_salt_randomizable(const char *hash)
{
	static const char *const ids[] = {"$1$",  "$5$",  "$6$",  "$y$",
					  "$gy$", "$2a$", "$2b$", "$2y$"};

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (!strncmp(hash, ids[i], strlen(ids[i]))) return 1;
	return 0;
}

int account_dummy_like(const char *hash)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t start, end;
	char *d;

	if (!account_crypt_salt(hash, &start, &end) || end >= ACCOUNT_MAX_HASH)
		return (errno = EINVAL, 0);
	if (account_dummy_of(hash) >= 0) return 1;
	if (account_n_dummies == ACCOUNT_MAX_DUMMIES) return (errno = ENOSPC, 0);
	account_dummy_crypt[account_n_dummies].scheme_len = start;
	d = account_dummy_crypt[account_n_dummies].setting;
	memcpy(d, hash, end);
	d[end] = 0;
	/* The last character stays: in yescrypt's and bcrypt's encodings it
	 * holds the salt's spare bits, which must be zero for crypt to accept
	 * it. */
	if (account_salt_randomizable(hash))
		for (size_t i = start; i + 1 < end; i++)
			d[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	account_n_dummies++;
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
