/* conf_internal: helpers shared by conf.c and conf_print.c only. */
#ifndef SLUICE_CONF_INTERNAL_H
#define SLUICE_CONF_INTERNAL_H

#include <stddef.h>

#include "conf.h"

/* Upper bound of a numeric variable; max 0 in the table means no bound. */
unsigned long long conf_max(const struct conf_var *v);
/* 1 for BOOL/UINT/SECONDS/BYTES/OCTAL. */
int conf_type_is_number(enum conf_type t);
/* What v accepts, e.g. "an integer from 1 to 100". */
void conf_describe(const struct conf_var *v, char *buf, size_t len);

#endif
