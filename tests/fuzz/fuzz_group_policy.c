/* fuzz_group_policy: the input is a _GROUP_POLICY value (rules
 * GROUP:POLICY separated by ';'), checked as at start, then applied to an
 * account without a policy of its own in group 0, which never gets a
 * cert= item from it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "login/login.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *spec = malloc(size + 1), why[160];
	struct account a;

	if (!ready) {
		log_init("fuzz_group_policy", "fuzz");
		ready = 1;
	}
	if (!spec) return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	if (strlen(spec) == size && login_group_policy_check(spec, why, sizeof why)) {
		memset(&a, 0, sizeof a);
		strcpy(a.name, "fuzz");
		login_group_policy(&a, spec);
		if (a.policy.keys & ACCOUNT_POL_CERT) abort(); /* cert= is per account */
	}
	free(spec);
	return 0;
}
