/* moduli: the safe primes of diffie-hellman-group-exchange-sha256, from a
 * file in OpenSSH's moduli(5) format ("time type tests tries size
 * generator modulus", hex), filtered as sshd filters them: safe primes
 * (type 2) that passed a primality test and no compositeness finding, a
 * listed size one bit below the modulus's.  The file is scanned at each
 * request: there is no table to build at start. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kex.h"

#define MODULI_MAX_BYTES (16u << 20)
#define MODULI_LINE_MAX 8192 /* an 8192-bit modulus is 2048 hex digits */
#define MODULI_TYPE_SAFE 2
#define MODULI_TESTS_COMPOSITE 0x01

int moduli_load(struct moduli *mf, const char *path, int must_exist)
{
	struct stat st;
	int fd;

	*mf = (struct moduli)MODULI_ZERO;
	if (path[0] != '/') return (errno = EINVAL, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) return !must_exist && errno == ENOENT;
	if (fstat(fd, &st) < 0) goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (st.st_size > (off_t)MODULI_MAX_BYTES) {
		errno = EFBIG;
		goto fail;
	}
	mf->fd = fd;
	return 1;
fail:
	close(fd);
	return 0;
}

/* One entry, pointing into its line. */
struct modulus {
	unsigned bits;
	uint32_t g;
	const char *hex;
	size_t hexlen;
};

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;
	while (s < end && blank(*s))
		s++;
	*f = s;
	while (s < end && !blank(*s))
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return *n > 0;
}

/* A decimal field of at most 9 digits. */
static int dec(const char *f, size_t n, unsigned long *v)
{
	*v = 0;
	if (!n || n > 9) return 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9') return 0;
		*v = *v * 10 + (unsigned long)(f[i] - '0');
	}
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Bits of a hex number (leading zeros skipped); 0 if it is not hex. */
static unsigned hex_bits(const char **f, size_t *n)
{
	unsigned top;
	for (size_t i = 0; i < *n; i++)
		if (hexval((*f)[i]) < 0) return 0;
	while (*n && **f == '0')
		(*f)++, (*n)--;
	if (!*n) return 0;
	top = (unsigned)hexval(**f);
	return (unsigned)(*n - 1) * 4 + (top >= 8 ? 4 : top >= 4 ? 3 : top >= 2 ? 2 : 1);
}

/* 1 when the line is a usable entry. */
static int parse_line(const char *p, const char *end, struct modulus *m)
{
	const char *f[7];
	size_t n[7], gn;
	unsigned long type, tests, tries, size;
	unsigned gbits;
	const char *g;
	int i;

	for (i = 0; i < 7; i++)
		if (!next_field(&p, end, &f[i], &n[i])) return 0;
	while (p < end && blank(*p))
		p++;
	if (p != end || f[0][0] == '#') return 0;
	if (!dec(f[1], n[1], &type) || !dec(f[2], n[2], &tests) || !dec(f[3], n[3], &tries) ||
	    !dec(f[4], n[4], &size))
		return 0;
	if (type != MODULI_TYPE_SAFE || (tests & MODULI_TESTS_COMPOSITE) ||
	    !(tests & ~(unsigned long)MODULI_TESTS_COMPOSITE) || !tries || !size ||
	    size > 64 * 1024)
		return 0;
	g = f[5], gn = n[5];
	gbits = hex_bits(&g, &gn);
	if (!gbits || gbits > 32) return 0;
	m->g = 0;
	for (size_t k = 0; k < gn; k++)
		m->g = m->g << 4 | (uint32_t)hexval(g[k]);
	if (m->g < 2) return 0;
	m->hex = f[6], m->hexlen = n[6];
	m->bits = hex_bits(&m->hex, &m->hexlen);
	/* the listed size is one bit short of the modulus, as ssh-keygen writes it */
	return m->bits && m->bits == size + 1;
}

static ssize_t read_at(const struct moduli *mf, size_t off, char *buf, size_t n)
{
	if (mf->fd > 0) return pread(mf->fd, buf, n, (off_t)off);
	if (off >= mf->len) return 0;
	if (n > mf->len - off) n = mf->len - off;
	memcpy(buf, mf->text + off, n);
	return (ssize_t)n;
}

/* Calls each(m, arg) for every usable entry until it returns 0.  A line
 * longer than the buffer is skipped whole. */
static int scan(const struct moduli *mf, int (*each)(const struct modulus *, void *), void *arg)
{
	static char buf[MODULI_LINE_MAX];
	size_t have = 0, off = 0;
	int eof = 0, skipping = 0;

	if (mf->fd <= 0 && !mf->text) return 1;
	for (;;) {
		size_t used = 0;
		char *nl;
		if (!eof) {
			ssize_t r = read_at(mf, off, buf + have, sizeof buf - have);
			if (r < 0) return 0;
			eof = !r;
			have += (size_t)r, off += (size_t)r;
		}
		while ((nl = memchr(buf + used, '\n', have - used)) || (eof && used < have)) {
			char *end = nl ? nl : buf + have;
			struct modulus m;
			if (!skipping && parse_line(buf + used, end, &m) && !each(&m, arg))
				return 1;
			skipping = 0;
			used = (size_t)(end - buf) + !!nl;
		}
		if (eof) return 1;
		if (!used && have == sizeof buf) {
			skipping = 1;
			used = have;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
	}
}

struct choice {
	unsigned min, want, max, best, count, which;
	const struct modulus *picked;
	struct kex_dh_group *grp;
	int made;
};

/* sshd's rule: the size nearest above the wanted one, else the largest. */
static void consider(struct choice *c, unsigned bits)
{
	if (bits < c->min || bits > c->max) return;
	if ((bits > c->want && bits < c->best) || (bits > c->best && c->best < c->want)) {
		c->best = bits;
		c->count = 0;
	}
	if (bits == c->best) c->count++;
}

static int count_each(const struct modulus *m, void *arg)
{
	consider(arg, m->bits);
	return 1;
}

static int pick_each(const struct modulus *m, void *arg)
{
	struct choice *c = arg;
	if (m->bits != c->best || c->count++ != c->which) return 1;
	c->made = kex_dh_group_hex(c->grp, m->hex, m->hexlen, m->g);
	return 0;
}

int moduli_choose(const struct moduli *mf, uint32_t min, uint32_t n, uint32_t max,
		  struct kex_dh_group *grp)
{
	static const struct {
		unsigned bits, number;
	} fallback[] = {{2048, 14}, {4096, 16}, {8192, 18}};
	struct choice c = {min, n, max, 0, 0, 0, 0, grp, 0};

	if (!scan(mf, count_each, &c)) return 0;
	if (c.count) {
		c.which = algo_random_uniform(c.count);
		c.count = 0;
		if (!scan(mf, pick_each, &c)) return 0;
		if (c.made) return 1;
	}
	c.best = c.count = 0;
	for (size_t i = 0; i < ARRAY_LEN(fallback); i++)
		consider(&c, fallback[i].bits);
	for (size_t i = 0; i < ARRAY_LEN(fallback); i++)
		if (c.count && fallback[i].bits == c.best)
			return kex_dh_group_rfc3526(grp, fallback[i].number);
	return (errno = ENOENT, 0);
}

static int tally_each(const struct modulus *m, void *arg)
{
	(void)m;
	++*(unsigned *)arg;
	return 1;
}

unsigned moduli_count(const struct moduli *mf)
{
	unsigned n = 0;
	return scan(mf, tally_each, &n) ? n : 0;
}
