/* kt_key: the key subcommands of sluice-keytool: hostkey (generate a host
 * key pair), fingerprint (as ssh-keygen -l prints), convert (OpenSSH public
 * key <-> RFC 4716). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include "base/base.h"
#include "key/key.h"
#include "keytools.h"

#define KEYTOOL_PUBLINE_MAX 4096
#define KEYTOOL_PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"

static enum key_type keytool_type(const char *t, unsigned *bits)
{
	if (!strcmp(t, "ed25519")) return *bits && *bits != 256 ? KEY_NONE : KEY_ED25519;
	if (!strcmp(t, "rsa")) return KEY_RSA;
	if (strcmp(t, "ecdsa")) return KEY_NONE;
	switch (*bits) {
	case 0:
	case 256:
		return KEY_ECDSA_P256;
	case 384:
		return KEY_ECDSA_P384;
	case 521:
		return KEY_ECDSA_P521;
	default:
		return KEY_NONE;
	}
}

static void keytool_print_fp(const struct key_public *k, const char *comment)
{
	char fp[KEY_FP_MAX];
	key_fingerprint(k, fp);
	printf("%u %s %s (%s)\n", key_public_bits(k), fp,
	       comment && *comment ? comment : "no comment", key_type_label(k->type));
}

static void keytool_write_pair(const struct key_private *k, const char *file, const char *comment,
			       int force)
{
	char pubpath[SLUICE_MAX_PATH], line[KEYTOOL_PUBLINE_MAX];
	char *text;
	size_t len;
	if (strlen(file) + 5 > sizeof pubpath)
		strerr_dief(EXIT_USAGE, "file name too long: ", file);
	snprintf(pubpath, sizeof pubpath, "%s.pub", file);
	if (!key_public_format_openssh(key_private_public(k), comment, line, sizeof line))
		strerr_diefu(EXIT_SYSTEM, "format public key: ", keytool_reason(errno));
	if (!key_private_format(k, comment, &text, &len))
		strerr_diefu(EXIT_SYSTEM, "format private key: ", keytool_reason(errno));
	int ok = keytool_write_file(file, text, len, 0600, force);
	int e = errno;
	sodium_memzero(text, len);
	free(text);
	errno = e;
	if (!ok) strerr_diefusys(EXIT_SYSTEM, "write ", file);
	if (!keytool_write_file(pubpath, line, strlen(line), 0644, force))
		strerr_diefusys(EXIT_SYSTEM, "write ", pubpath);
}

int keytool_hostkey(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *t = "ed25519", *file = 0, *comment = 0;
	unsigned bits = 0;
	int force = 0, opt;
	char host[256], pubpath[SLUICE_MAX_PATH];
	while ((opt = subgetopt_r(argc, argv, "t:b:f:C:F", &l)) != -1) {
		switch (opt) {
		case 't':
			t = l.arg;
			break;
		case 'b':
			if (!keytool_scan_u32(l.arg, &bits)) keytool_die_usage("hostkey");
			break;
		case 'f':
			file = l.arg;
			break;
		case 'C':
			comment = l.arg;
			break;
		case 'F':
			force = 1;
			break;
		default:
			keytool_die_usage("hostkey");
		}
	}
	if (!file || l.ind != argc) keytool_die_usage("hostkey");
	enum key_type type = keytool_type(t, &bits);
	if (type == KEY_NONE) strerr_dief(EXIT_USAGE, "unsupported key type or size: ", t);
	if (type == KEY_RSA && bits && (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS))
		strerr_dief(EXIT_USAGE, "RSA keys must have 2048 to 8192 bits");
	if (!comment) {
		if (gethostname(host, sizeof host) < 0) host[0] = 0;
		host[sizeof host - 1] = 0;
		comment = host;
	}
	snprintf(pubpath, sizeof pubpath, "%s.pub", file);
	struct stat st;
	if (!force && !lstat(file, &st))
		strerr_dief(EXIT_SYSTEM, "unable to write ", file, ": file exists (use -F)");
	if (!force && !lstat(pubpath, &st))
		strerr_dief(EXIT_SYSTEM, "unable to write ", pubpath, ": file exists (use -F)");
	struct key_private *k;
	if (!key_generate(&k, type, type == KEY_RSA ? bits : 0))
		strerr_diefu(EXIT_SYSTEM, "generate key: ", keytool_reason(errno));
	keytool_write_pair(k, file, comment, force);
	keytool_print_fp(key_private_public(k), comment);
	key_private_free(k);
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}

/* Public key and comment from a private or public key file (any format). */
static int keytool_load_public(const char *path, struct key_public *k, char *comment, size_t cap)
{
	char *text;
	size_t len;
	if (!keytool_read_file(path, KEY_PRIVATE_TEXT_MAX, &text, &len)) return 0;
	const char *p = text;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	int ok;
	if (!strncmp(p, KEYTOOL_PEM_BEGIN, sizeof KEYTOOL_PEM_BEGIN - 1)) {
		struct key_private *priv;
		ok = key_private_parse(&priv, text, len);
		if (ok) {
			*k = *key_private_public(priv);
			snprintf(comment, cap, "%s", key_private_comment(priv));
			key_private_free(priv);
		}
	} else {
		ok = key_parse_public_any_comment(text, len, k, comment, cap);
	}
	int e = errno;
	keytool_free_text(text);
	errno = e;
	return ok;
}

int keytool_fingerprint(int argc, char const *const *argv)
{
	int rc = EXIT_OK;
	if (argc < 2) keytool_die_usage("fingerprint");
	for (int i = 1; i < argc; i++) {
		struct key_public k;
		char comment[1024];
		if (!keytool_load_public(argv[i], &k, comment, sizeof comment)) {
			int e = errno;
			strerr_warnwu("read key from ", argv[i], ": ", keytool_reason(e));
			rc = EXIT_SYSTEM;
			continue;
		}
		keytool_print_fp(&k, comment);
	}
	if (fflush(stdout)) return EXIT_SYSTEM;
	return rc;
}

int keytool_convert(int argc, char const *const *argv)
{
	subgetopt l = SUBGETOPT_ZERO;
	const char *file = 0;
	int to_rfc = -1, opt;
	while ((opt = subgetopt_r(argc, argv, "e:i:", &l)) != -1) {
		if ((opt != 'e' && opt != 'i') || file) keytool_die_usage("convert");
		file = l.arg;
		to_rfc = opt == 'e';
	}
	if (!file || l.ind != argc) keytool_die_usage("convert");
	struct key_public k;
	char comment[1024], out[KEYTOOL_PUBLINE_MAX];
	if (!keytool_load_public(file, &k, comment, sizeof comment))
		strerr_diefu(EXIT_SYSTEM, "read key from ", file, ": ", keytool_reason(errno));
	int ok = to_rfc ? key_public_format_rfc4716(&k, comment, out, sizeof out)
			: key_public_format_openssh(&k, comment, out, sizeof out);
	if (!ok) strerr_diefu(EXIT_SYSTEM, "format key: ", keytool_reason(errno));
	fputs(out, stdout);
	return fflush(stdout) ? EXIT_SYSTEM : EXIT_OK;
}
