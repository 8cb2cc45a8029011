/* client_match: SFTPD_CLIENT_MATCH, per-client tuning as ProFTPD's
 * SFTPClientMatch: rules separated by ';', each a glob(7) pattern for the
 * client's identification string (what follows "SSH-2.0-", comments
 * included), a ':', then space-separated items:
 *   window=BYTES   the channel window sftpd gives (16K to 4M, the default)
 *   packet=BYTES   the largest channel packet it accepts (4K to 128K, the
 *                  default)
 *   disable=A,B    algorithms left out of the key exchange offer
 *   sftp=N         the highest SFTP version offered (3 to 6, the default)
 * The first rule whose pattern matches applies.  The network process
 * applies it before it sends KEXINIT (it waits for the client's version
 * line first), the session process again from the version line it is
 * handed. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "client_match.h"
#include "sftp/sftp.h"
#include "ssh/algorithms.h"
#include "ssh/ssh.h"

#define HOST_KEY_ALGS                                                                              \
	"ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"           \
	"ecdsa-sha2-nistp521"
#define COMPRESSION_ALGS "none,zlib@openssh.com,zlib"

static int fail(char *why, size_t whylen, const char *what, const char *p, size_t n)
{
	snprintf(why, whylen, "%s: %.*s", what, (int)(n > 60 ? 60 : n), p);
	return 0;
}

/* 1 if name (n bytes) is an algorithm sftpd knows of any kind. */
static int known_algorithm(const char *name, size_t n)
{
	const char *lists[] = {SSH_KEX_NAMES, SSH_CIPHER_NAMES, SSH_MAC_NAMES, HOST_KEY_ALGS,
			       COMPRESSION_ALGS};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const char *p = lists[i];
		while (*p) {
			size_t k = strcspn(p, ",");
			if (k == n && !memcmp(p, name, n)) return 1;
			p += k + (p[k] == ',');
		}
	}
	return 0;
}

/* BYTES with an optional K or M (binary), within [lo, hi]. */
static int parse_size(const char *p, size_t n, unsigned long lo, unsigned long hi, uint32_t *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	for (; i < n && p[i] >= '0' && p[i] <= '9' && v <= hi; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	if (i == 0) return 0;
	if (i + 1 == n && (p[i] == 'K' || p[i] == 'k')) {
		v <<= 10;
		i++;
	} else if (i + 1 == n && (p[i] == 'M' || p[i] == 'm')) {
		v <<= 20;
		i++;
	}
	if (i != n || v < lo || v > hi) return 0;
	*out = (uint32_t)v;
	return 1;
}

static int parse_disable(const char *p, size_t n, struct client_tuning *t, char *why, size_t whylen)
{
	size_t at = 0;

	if (n == 0 || n >= sizeof t->disable)
		return fail(why, whylen, "disable= needs a list of algorithms", p, n);
	while (at < n) {
		size_t k = 0;
		while (at + k < n && p[at + k] != ',')
			k++;
		if (!known_algorithm(p + at, k))
			return fail(why, whylen, "unknown algorithm in disable=", p + at, k);
		at += k + 1;
	}
	memcpy(t->disable, p, n);
	t->disable[n] = 0;
	return 1;
}

static int parse_item(const char *p, size_t n, struct client_tuning *t, char *why, size_t whylen)
{
	const char *eq = memchr(p, '=', n);
	size_t klen = eq ? (size_t)(eq - p) : n, vlen = eq ? n - klen - 1 : 0;
	const char *v = eq ? eq + 1 : p + n;

	if (!eq) return fail(why, whylen, "expected KEY=VALUE", p, n);
	if (klen == 6 && !memcmp(p, "window", 6)) {
		if (!parse_size(v, vlen, 16u << 10, SSH_CHANNEL_WINDOW, &t->window))
			return fail(why, whylen, "window= takes 16K to 4M", p, n);
	} else if (klen == 6 && !memcmp(p, "packet", 6)) {
		if (!parse_size(v, vlen, 4u << 10, SSH_CHANNEL_MAX_PACKET, &t->packet))
			return fail(why, whylen, "packet= takes 4K to 128K", p, n);
	} else if (klen == 4 && !memcmp(p, "sftp", 4)) {
		if (vlen != 1 || v[0] < '3' || v[0] > '6')
			return fail(why, whylen, "sftp= takes 3 to 6", p, n);
		t->sftp_version = (unsigned)(v[0] - '0');
	} else if (klen == 7 && !memcmp(p, "disable", 7)) {
		return parse_disable(v, vlen, t, why, whylen);
	} else {
		return fail(why, whylen, "unknown key", p, klen);
	}
	return 1;
}

/* One rule (n bytes at p): its pattern into pat, its items into t. */
static int parse_rule(const char *p, size_t n, char *pat, size_t patcap, struct client_tuning *t,
		      char *why, size_t whylen)
{
	const char *colon = memchr(p, ':', n), *end = p + n;
	size_t plen;

	memset(t, 0, sizeof *t);
	if (!colon) return fail(why, whylen, "expected PATTERN: ITEMS", p, n);
	while (p < colon && (*p == ' ' || *p == '\t'))
		p++;
	for (plen = (size_t)(colon - p); plen && (p[plen - 1] == ' ' || p[plen - 1] == '\t');)
		plen--;
	if (!plen || plen >= patcap) return fail(why, whylen, "bad pattern", p, plen);
	memcpy(pat, p, plen);
	pat[plen] = 0;
	for (p = colon + 1; p < end;) {
		size_t k = 0;
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		while (p + k < end && p[k] != ' ' && p[k] != '\t')
			k++;
		if (!parse_item(p, k, t, why, whylen)) return 0;
		p += k;
	}
	return 1;
}

/* Walks the rules; with version, stops at the first whose pattern matches
 * it (1 and *t), else checks them all (1, or 0 with why). */
static int walk(const char *spec, const char *version, struct client_tuning *t, char *why,
		size_t whylen)
{
	char pat[CLIENT_MATCH_PATTERN_MAX];
	const char *p = spec;

	if (!*spec) return version ? 0 : 1;
	while (*p) {
		size_t k = strcspn(p, ";");
		if (!parse_rule(p, k, pat, sizeof pat, t, why, whylen)) return 0;
		if (version && fnmatch(pat, version, 0) == 0) return 1;
		p += k + (p[k] == ';');
	}
	return version ? 0 : 1;
}

int client_match_check(const char *spec, char *why, size_t whylen)
{
	struct client_tuning t;
	return walk(spec, 0, &t, why, whylen);
}

int client_match_find(const char *spec, const char *version_line, struct client_tuning *t)
{
	char why[160];
	const char *v = version_line;

	memset(t, 0, sizeof *t);
	if (!strncmp(v, "SSH-2.0-", 8)) v += 8;
	if (!walk(spec, v, t, why, sizeof why)) {
		memset(t, 0, sizeof *t);
		return 0;
	}
	return 1;
}

/* list without the names in drop, into out (at most cap bytes). */
void client_match_filter(const char *list, const char *drop, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = 0;
	while (*list) {
		size_t k = strcspn(list, ",");
		int dropped = 0;
		for (const char *d = drop; *d;) {
			size_t j = strcspn(d, ",");
			if (j == k && !memcmp(d, list, k)) dropped = 1;
			d += j + (d[j] == ',');
		}
		if (!dropped && used + k + 2 <= cap) {
			if (used) out[used++] = ',';
			memcpy(out + used, list, k);
			used += k;
			out[used] = 0;
		}
		list += k + (list[k] == ',');
	}
}

void client_match_apply(struct session *s)
{
	struct client_tuning *t = &s->tuning;

	if (!client_match_find(s->cf[CF_CLIENT_MATCH].str, s->kex.v_c, t)) return;
	log_info("client %s: SFTPD_CLIENT_MATCH: window %u, packet %u%s%s, SFTP up to version %u",
		 s->kex.v_c, (unsigned)client_window(s), (unsigned)client_packet(s),
		 t->disable[0] ? ", without " : "", t->disable, client_sftp_version(s));
}

uint32_t client_window(const struct session *s)
{
	return s->tuning.window ? s->tuning.window : SSH_CHANNEL_WINDOW;
}

uint32_t client_packet(const struct session *s)
{
	return s->tuning.packet ? s->tuning.packet : SSH_CHANNEL_MAX_PACKET;
}

unsigned client_sftp_version(const struct session *s)
{
	return s->tuning.sftp_version ? s->tuning.sftp_version : SFTP_HIGHEST_VERSION;
}
