/* fuzz_policy.c: libFuzzer target for the users file's policy field
 * (account_policy_parse).  The input is one field; a field that parses
 * must give the same result twice, keep every list within its ceiling,
 * never be both ro and wo, and never report a key it did not set; a
 * refused one must say why. */
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
	return 0;
}
