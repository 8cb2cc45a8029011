/* fuzz_policy.c: libFuzzer target for the users file's policy field
 * (account_policy_parse).  The input is one field; a field that parses
 * must give the same result twice, keep every list within its ceiling,
 * never be both ro and wo, never report a key it did not set, and keep
 * cert= printable, unquoted and within its length; a refused one must say
 * why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "account/account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct account_policy a, b;
	const char *why = 0;
	int ok = account_policy_parse((const char *)data, size, &a, &why);

	if (!ok) {
		if (!why) abort();
		return 0;
	}
	if (!account_policy_parse((const char *)data, size, &b, &why)) abort();
	if (memcmp(&a, &b, sizeof a)) abort();
	if (a.n_from > ACCOUNT_POLICY_MAX_FROM || a.n_groups > ACCOUNT_POLICY_MAX_GROUPS) abort();
	if ((a.keys & ACCOUNT_POL_RO) && (a.keys & ACCOUNT_POL_WO)) abort();
	if ((a.keys & ACCOUNT_POL_ROOT) ? !a.root[0] : a.root[0] != 0) abort();
	if (!(a.keys & ACCOUNT_POL_DENY) && a.deny) abort();
	if ((a.keys & ACCOUNT_POL_MAXSIZE) && (!a.maxsize || a.maxsize > ACCOUNT_POLICY_MAX_BYTES))
		abort();
	if (a.umask > 0777 || a.mode > 0777) abort();
	if (!(a.keys & ACCOUNT_POL_CERT) && a.cert[0]) abort();
	if (a.keys & ACCOUNT_POL_CERT) {
		size_t n = strlen(a.cert);
		if (!n || n > ACCOUNT_POLICY_MAX_CERT || a.cert[0] == ' ' || a.cert[n - 1] == ' ')
			abort();
		for (size_t i = 0; i < n; i++)
			if (a.cert[i] < 0x20 || a.cert[i] > 0x7e || a.cert[i] == '"') abort();
	}
	return 0;
}
