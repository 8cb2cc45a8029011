/* conf_print: the table as text — accepted values for error messages,
 * "NAME=value" lines for `-t`, and an mdoc fragment for the man pages. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_internal.h"

int conf_type_is_number(enum conf_type t)
{
	return t == CONF_BOOL || t == CONF_UINT || t == CONF_SECONDS || t == CONF_BYTES ||
	       t == CONF_OCTAL;
}

void conf_describe(const struct conf_var *v, char *buf, size_t len)
{
	unsigned long long max = conf_max(v);
	const char *allowed = v->allowed ? v->allowed : "";

	switch (v->type) {
	case CONF_BOOL:
		snprintf(buf, len, "yes or no");
		break;
	case CONF_UINT:
		snprintf(buf, len, "an integer from %llu to %llu", v->min, max);
		break;
	case CONF_SECONDS:
		snprintf(buf, len, "seconds from %llu to %llu (suffix s, m or h allowed)", v->min,
			 max);
		break;
	case CONF_BYTES:
		snprintf(buf, len, "bytes from %llu to %llu (suffix K, M or G allowed)", v->min,
			 max);
		break;
	case CONF_OCTAL:
		snprintf(buf, len, "an octal number from %#llo to %#llo", v->min, max);
		break;
	case CONF_STRING:
		snprintf(buf, len, "a non-empty string without control characters");
		break;
	case CONF_PATH:
		snprintf(buf, len, "an absolute path (or one starting with ~ or %%)");
		break;
	case CONF_ENUM:
		snprintf(buf, len, "one of %s", allowed);
		break;
	case CONF_LIST:
		snprintf(buf, len, "a comma-separated list of distinct items from %s", allowed);
		break;
	case CONF_CHECKED:
		snprintf(buf, len, "%s", allowed);
		break;
	default:
		snprintf(buf, len, "nothing (unknown type)");
		break;
	}
}

void conf_print(int fd, const struct conf_var *table, size_t n, const struct conf_value *values)
{
	size_t i;

	for (i = 0; i < n; i++)
		dprintf(fd, "%s=%s\n", table[i].name, values[i].str ? values[i].str : "");
}

void conf_print_mdoc(int fd, const struct conf_var *table, size_t n)
{
	size_t i;
	char what[1024];

	for (i = 0; i < n; i++) {
		const struct conf_var *v = table + i;
		const char *def = v->def && *v->def ? v->def : 0;
		conf_describe(v, what, sizeof what);
		dprintf(fd, ".It Ev %s\n%s\n", v->name, v->doc ? v->doc : "");
		if (def)
			dprintf(fd, "Default: %s.\n", def);
		else
			dprintf(fd, "Default: unset.\n");
		dprintf(fd, "Accepted: %s.\n", what);
	}
}
