/* scp_line: the control lines of the SCP protocol, parsed without I/O:
 * C (a file follows), D (enter a directory), E (leave it), T (times of
 * the next file or directory), and the \1 warning and \2 fatal messages.
 * Numbers are plain decimal or octal digits within the protocol's ranges;
 * a name in a C or D line must be one path component. */
#include <stdint.h>
#include <string.h>
#include "scp_internal.h"

/* Decimal digits only (no sign, no blank), value at most max. */
static int get_decimal(const char **p, uint64_t max, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (*s < '0' || *s > '9') return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (n > (max - d) / 10) return 0;
		n = n * 10 + d;
	}
	*p = s;
	*v = n;
	return 1;
}

static int get_space(const char **p)
{
	if (**p != ' ') return 0;
	(*p)++;
	return 1;
}

/* Cmmmm SIZE NAME / Dmmmm SIZE NAME: exactly four octal digits, as every
 * client writes them and OpenSSH's scp reads them. */
static int parse_entry(const char *s, struct scp_line *out, const char **why)
{
	unsigned mode = 0;
	int i;

	for (i = 1; i <= 4; i++) {
		if (s[i] < '0' || s[i] > '7') return (*why = "bad mode", 0);
		mode = mode << 3 | (unsigned)(s[i] - '0');
	}
	s += 5;
	if (!get_space(&s)) return (*why = "mode not delimited", 0);
	if (!get_decimal(&s, INT64_MAX, &out->size)) return (*why = "bad size", 0);
	if (!get_space(&s)) return (*why = "size not delimited", 0);
	if (!*s || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))
		return (*why = "unexpected file name", 0);
	out->mode = mode;
	out->name = s;
	return 1;
}

/* T<mtime> <usec> <atime> <usec> */
static int parse_times(const char *s, struct scp_line *out, const char **why)
{
	uint64_t mu, au;

	s++;
	if (!get_decimal(&s, INT64_MAX, &out->mtime) || !get_space(&s) ||
	    !get_decimal(&s, 999999, &mu) || !get_space(&s) ||
	    !get_decimal(&s, INT64_MAX, &out->atime) || !get_space(&s) ||
	    !get_decimal(&s, 999999, &au) || *s)
		return (*why = "bad times line", 0);
	out->mtime_usec = (unsigned)mu;
	out->atime_usec = (unsigned)au;
	return 1;
}

int scp_line_parse(const char *line, size_t len, struct scp_line *out, const char **why)
{
	memset(out, 0, sizeof *out);
	*why = "empty line";
	if (!len) return 0;
	if (len >= SCP_MAX_LINE) return (*why = "line too long", 0);
	if (memchr(line, 0, len)) return (*why = "NUL in a control line", 0);
	switch (line[0]) {
	case 'C':
		out->kind = SCP_LINE_FILE;
		return parse_entry(line, out, why);
	case 'D':
		out->kind = SCP_LINE_DIR;
		return parse_entry(line, out, why);
	case 'E':
		out->kind = SCP_LINE_END;
		if (len != 1) return (*why = "bad end-of-directory line", 0);
		return 1;
	case 'T':
		out->kind = SCP_LINE_TIMES;
		return parse_times(line, out, why);
	case 1:
	case 2:
		out->kind = line[0] == 1 ? SCP_LINE_WARNING : SCP_LINE_FATAL;
		out->text = line + 1;
		return 1;
	}
	*why = "expected a control line";
	return 0;
}
