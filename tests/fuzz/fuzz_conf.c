/* fuzz_conf: splits the input into NAME=VALUE lines, builds an envp and runs
 * conf_load on a small table with every type (F_A: sftpd's
 * SFTPD_AUTH_METHODS check); checks that a success leaves numbers in range
 * and the error text terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "../../sftpd/authmethods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct conf_var fz_table[] = {
    {"F_B", CONF_BOOL, "no", 0, 1, 0, "b", 0},
    {"F_U", CONF_UINT, "5", 1, 100, 0, "u", 0},
    {"F_S", CONF_SECONDS, "1m", 1, 3600, 0, "s", 0},
    {"F_Z", CONF_BYTES, "1K", 0, 0, 0, "z", 0},
    {"F_O", CONF_OCTAL, "022", 0, 0777, 0, "o", 0},
    {"F_T", CONF_STRING, "", 0, 0, 0, "t", 0},
    {"F_P", CONF_PATH, "/x", 0, 0, 0, "p", 0},
    {"F_E", CONF_ENUM, "a", 0, 0, "a,bb,ccc", "e", 0},
    {"F_L", CONF_LIST, "a", 0, 0, "a,bb,ccc", "l", 0},
    {"F_A", CONF_CHECKED, "publickey", 0, 0, "SFTPD_AUTH_METHODS", "a", authmethods_check},
};
#define FZ_N (sizeof fz_table / sizeof fz_table[0])
#define FZ_MAX_LINES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *envp[FZ_MAX_LINES + 1], err[256], *p;
	struct conf_value vals[FZ_N];
	size_t n = 0, i;

	copy = malloc(size + 1);
	if (!copy) return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	for (p = copy; n < FZ_MAX_LINES && p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl) *nl = 0;
		envp[n++] = p;
		p = nl ? nl + 1 : 0;
	}
	envp[n] = 0;
	if (conf_load("F_", fz_table, FZ_N, vals, envp, err, sizeof err)) {
		for (i = 0; i < FZ_N; i++) {
			const struct conf_var *v = fz_table + i;
			if (!vals[i].str) abort();
			if (v->type <= CONF_OCTAL && v->max &&
			    (vals[i].num < v->min || vals[i].num > v->max))
				abort();
		}
		if (!conf_list_has(vals[8].str, "a") && !conf_list_has(vals[8].str, "bb") &&
		    !conf_list_has(vals[8].str, "ccc"))
			abort();
	} else if (strnlen(err, sizeof err) == sizeof err || !err[0]) {
		abort();
	}
	free(copy);
	return 0;
}
