/* Unit tests for lib/key: keys made by ssh-keygen at test time are loaded,
 * fingerprinted, used to sign and verify; malformed blobs, private files,
 * authorized_keys lines and RFC 4716 blocks are refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include "key/key.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/sluice-key-XXXXXX";

static const char *run_stdin = "/dev/null";

/* Runs argv; stdout into out (NUL-terminated) when out is given. */
static int run(char *const argv[], char *out, size_t cap)
{
	int p[2];
	if (pipe(p)) return -1;
	pid_t pid = fork();
	if (pid < 0) return -1;
	if (!pid) {
		int dn = open("/dev/null", O_RDWR), in = open(run_stdin, O_RDONLY);
		dup2(in, 0);
		dup2(out ? p[1] : dn, 1);
		dup2(dn, 2);
		close(p[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	char junk[256];
	while ((r = read(p[0], out && n < cap - 1 ? out + n : junk,
			 out && n < cap - 1 ? cap - 1 - n : sizeof junk)) > 0)
		if (out && n < cap - 1) n += (size_t)r;
	if (out) out[n] = 0;
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, size_t *len)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	if (fd < 0) return 0;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r < 0) return 0;
	buf[r] = 0;
	*len = (size_t)r;
	return buf;
}

static int spew(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) return 0;
	int ok = write(fd, s, n) == (ssize_t)n;
	close(fd);
	return ok;
}

struct kt {
	const char *t, *bits, *label;
	enum key_type type;
};
static const struct kt kts[] = {
    {"ed25519", 0, "ed25519", KEY_ED25519},	  {"rsa", "2048", "rsa", KEY_RSA},
    {"ecdsa", "256", "ecdsa256", KEY_ECDSA_P256}, {"ecdsa", "384", "ecdsa384", KEY_ECDSA_P384},
    {"ecdsa", "521", "ecdsa521", KEY_ECDSA_P521},
};

static void test_sign_verify(const struct key_private *k, const char *what)
{
	const struct key_public *pub = key_private_public(k);
	const char *algs[2] = {key_type_name(pub->type), 0};
	if (pub->type == KEY_RSA) algs[0] = "rsa-sha2-256", algs[1] = "rsa-sha2-512";
	unsigned char data[100], sig[KEY_SIG_MAX];
	size_t siglen = 0;
	randombytes_buf(data, sizeof data);
	for (int i = 0; i < 2 && algs[i]; i++) {
		ok(key_sign(k, algs[i], data, sizeof data, sig, &siglen), "%s: sign %s", what,
		   algs[i]);
		ok(key_verify(pub, algs[i], sig, siglen, data, sizeof data), "%s: verify %s", what,
		   algs[i]);
		data[5] ^= 1;
		ok(!key_verify(pub, algs[i], sig, siglen, data, sizeof data),
		   "%s: changed data fails", what);
		data[5] ^= 1;
		sig[siglen - 3] ^= 0x10;
		ok(!key_verify(pub, algs[i], sig, siglen, data, sizeof data),
		   "%s: flipped signature bit fails", what);
		sig[siglen - 3] ^= 0x10;
		ok(!key_verify(pub, algs[i], sig, siglen - 1, data, sizeof data),
		   "%s: short signature fails", what);
		ok(!key_verify(pub, "ssh-rsa", sig, siglen, data, sizeof data),
		   "%s: ssh-rsa (SHA-1) refused", what);
		if (pub->type == KEY_RSA) {
			const char *other = i ? "rsa-sha2-256" : "rsa-sha2-512";
			ok(!key_verify(pub, other, sig, siglen, data, sizeof data),
			   "%s: other sigalg than the blob's fails", what);
		}
	}
	ok(!key_sign(k, "ssh-rsa", data, sizeof data, sig, &siglen), "%s: no SHA-1 signing", what);
}

/* Our signature in an SSHSIG file, checked by ssh-keygen -Y check-novalidate. */
static void test_sshsig_ours(const struct key_private *k, const unsigned char *tbs, size_t tbslen,
			     const char *data, const char *sigpath, const char *what)
{
	const struct key_public *pub = key_private_public(k);
	const char *alg = pub->type == KEY_RSA ? "rsa-sha2-512" : key_type_name(pub->type);
	unsigned char sig[KEY_SIG_MAX], bin[4096];
	size_t siglen = 0;
	char pem[8192];
	struct wire_out out;
	ok(key_sign(k, alg, tbs, tbslen, sig, &siglen), "%s: sign an SSHSIG message", what);
	wire_out_init(&out, bin, sizeof bin);
	wire_put_bytes(&out, "SSHSIG", 6);
	wire_put_u32(&out, 1);
	wire_put_string(&out, pub->blob, pub->bloblen);
	wire_put_cstring(&out, "sluice");
	wire_put_cstring(&out, "");
	wire_put_cstring(&out, "sha512");
	wire_put_string(&out, sig, siglen);
	int n = snprintf(pem, sizeof pem, "-----BEGIN SSH SIGNATURE-----\n");
	sodium_bin2base64(pem + n, sizeof pem - n, bin, out.len, sodium_base64_VARIANT_ORIGINAL);
	strcat(pem, "\n-----END SSH SIGNATURE-----\n");
	spew(sigpath, pem, strlen(pem));
	char *check[] = {"ssh-keygen", "-Y", "check-novalidate", "-n",
			 "sluice",     "-s", (char *)sigpath,	 0};
	run_stdin = data;
	ok(run(check, 0, 0) == 0, "%s: ssh-keygen -Y check-novalidate accepts our %s signature",
	   what, alg);
	bin[out.len - 5] ^= 0x01; /* inside the signature */
	n = snprintf(pem, sizeof pem, "-----BEGIN SSH SIGNATURE-----\n");
	sodium_bin2base64(pem + n, sizeof pem - n, bin, out.len, sodium_base64_VARIANT_ORIGINAL);
	strcat(pem, "\n-----END SSH SIGNATURE-----\n");
	spew(sigpath, pem, strlen(pem));
	ok(run(check, 0, 0) != 0, "%s: and refuses it with one bit changed", what);
	run_stdin = "/dev/null";
}

/* ssh-keygen -Y sign (PROTOCOL.sshsig) signs "SSHSIG" || string namespace ||
 * string reserved || string hash || string H(message); the armoured file
 * holds the signature blob, which key_verify must accept. */
static void test_sshsig(const struct key_public *pub, const struct key_private *priv,
			const char *path, const char *what)
{
	char data[300], sigpath[320];
	static const char msg[] = "message signed by ssh-keygen\n";
	snprintf(data, sizeof data, "%s.msg", path);
	snprintf(sigpath, sizeof sigpath, "%s.msg.sig", path);
	spew(data, msg, sizeof msg - 1);
	unlink(sigpath);
	char *sign[] = {"ssh-keygen", "-q", "-Y",     "sign", "-f",
			(char *)path, "-n", "sluice", data,   0};
	size_t len;
	char *armour = run(sign, 0, 0) == 0 ? slurp(sigpath, &len) : 0;
	ok(armour != 0, "%s: ssh-keygen -Y sign", what);
	if (!armour) return;
	const char *b = strchr(armour, '\n') + 1, *e = strstr(armour, "-----END");
	unsigned char bin[4096], signed_blob[512], h[crypto_hash_sha512_BYTES];
	size_t binlen = 0;
	sodium_base642bin(bin, sizeof bin, b, e ? (size_t)(e - b) : 0, "\n", &binlen, 0,
			  sodium_base64_VARIANT_ORIGINAL);
	struct wire_in in;
	const unsigned char *magic, *pk, *ns, *res, *halg, *sig, *alg;
	uint32_t ver, pklen, nslen, reslen, halglen, siglen, alglen;
	wire_in_init(&in, bin, binlen);
	wire_get_bytes(&in, &magic, 6);
	wire_get_u32(&in, &ver);
	wire_get_string(&in, &pk, &pklen);
	wire_get_string(&in, &ns, &nslen);
	wire_get_string(&in, &res, &reslen);
	wire_get_string(&in, &halg, &halglen);
	wire_get_string(&in, &sig, &siglen);
	ok(wire_done(&in) && !memcmp(magic, "SSHSIG", 6) && pklen == pub->bloblen &&
	       !memcmp(pk, pub->blob, pklen) && halglen == 6 && !memcmp(halg, "sha512", 6),
	   "%s: SSHSIG container read", what);
	crypto_hash_sha512(h, (const unsigned char *)msg, sizeof msg - 1);
	struct wire_out out;
	wire_out_init(&out, signed_blob, sizeof signed_blob);
	wire_put_bytes(&out, "SSHSIG", 6);
	wire_put_string(&out, ns, nslen);
	wire_put_string(&out, res, reslen);
	wire_put_string(&out, halg, halglen);
	wire_put_string(&out, h, sizeof h);
	wire_in_init(&in, sig, siglen);
	wire_get_string(&in, &alg, &alglen);
	char sigalg[64] = "";
	if (!in.bad && alglen < sizeof sigalg) memcpy(sigalg, alg, alglen), sigalg[alglen] = 0;
	ok(!out.bad && key_verify(pub, sigalg, sig, siglen, signed_blob, out.len),
	   "%s: ssh-keygen's %s signature verifies", what, sigalg);
	signed_blob[out.len - 1] ^= 1;
	ok(!key_verify(pub, sigalg, sig, siglen, signed_blob, out.len),
	   "%s: and not over other data", what);
	signed_blob[out.len - 1] ^= 1;
	if (priv) test_sshsig_ours(priv, signed_blob, out.len, data, sigpath, what);
}

static void test_blob_mangling(const struct key_public *pub, const char *what)
{
	struct key_public k2;
	int bad = 0;
	for (size_t n = 0; n < pub->bloblen; n++)
		if (key_public_from_blob(&k2, pub->blob, n)) bad++;
	ok(!bad, "%s: every truncation of the blob refused", what);
	unsigned char b[KEY_BLOB_MAX + 1];
	memcpy(b, pub->blob, pub->bloblen);
	b[pub->bloblen] = 0;
	ok(!key_public_from_blob(&k2, b, pub->bloblen + 1) && errno == EPROTO,
	   "%s: trailing byte refused", what);
	ok(key_public_from_blob(&k2, b, pub->bloblen) && key_public_equal(&k2, pub),
	   "%s: blob round trip", what);
	if (pub->type >= KEY_ECDSA_P256) {
		b[pub->bloblen - 1] ^= 1; /* point no longer on the curve */
		ok(!key_public_from_blob(&k2, b, pub->bloblen) && errno == EPROTO,
		   "%s: point off the curve refused", what);
	}
}

static void test_keytype(const struct kt *t)
{
	char path[256], pub[300], out[1024], fp[KEY_FP_MAX];
	snprintf(path, sizeof path, "%s/id_%s", tmpdir, t->label);
	snprintf(pub, sizeof pub, "%s.pub", path);
	char *gen[] = {"ssh-keygen",
		       "-q",
		       "-N",
		       "",
		       "-C",
		       "test comment",
		       "-f",
		       path,
		       "-t",
		       (char *)t->t,
		       "-b",
		       (char *)t->bits,
		       0};
	if (!t->bits) gen[10] = 0;
	ok(run(gen, 0, 0) == 0, "%s: ssh-keygen made a key", t->label);
	struct key_private *k = 0;
	ok(key_private_load(&k, path), "%s: private key loads", t->label);
	if (!k) return;
	const struct key_public *kp = key_private_public(k);
	is_int(kp->type, t->type, "%s: type", t->label);
	is_str(key_private_comment(k), "test comment", "%s: comment", t->label);
	size_t len;
	char *text = slurp(pub, &len);
	struct key_public p2;
	char comment[64];
	ok(text && key_parse_public_any_comment(text, len, &p2, comment, sizeof comment) &&
	       key_public_equal(&p2, kp),
	   "%s: .pub equals private key's public part", t->label);
	is_str(comment, "test comment", "%s: .pub comment", t->label);
	char line[4096];
	ok(key_public_format_openssh(kp, "test comment", line, sizeof line) && text &&
	       !strcmp(line, text),
	   "%s: OpenSSH format equals ssh-keygen's .pub", t->label);
	char *lf[] = {"ssh-keygen", "-l", "-f", pub, 0};
	run(lf, out, sizeof out);
	key_fingerprint(kp, fp);
	char want[1200];
	snprintf(want, sizeof want, "%u %s test comment (%s)\n", key_public_bits(kp), fp,
		 key_type_label(kp->type));
	is_str(out, want, "%s: fingerprint line equals ssh-keygen -l", t->label);
	test_sign_verify(k, t->label);
	test_sshsig(kp, k, path, t->label);
	test_blob_mangling(kp, t->label);

	/* RFC 4716: ssh-keygen -e output parsed by us; ours imported by ssh-keygen -i. */
	char *ex[] = {"ssh-keygen", "-e", "-f", pub, 0};
	static char rfc[8192];
	ok(run(ex, rfc, sizeof rfc) == 0, "%s: ssh-keygen -e", t->label);
	size_t used = 0;
	ok(key_parse_rfc4716(rfc, strlen(rfc), &used, &p2) && key_public_equal(&p2, kp) &&
	       used == strlen(rfc),
	   "%s: RFC 4716 from ssh-keygen -e parses", t->label);
	ok(key_public_format_rfc4716(
	       kp, "a comment that is long enough to need a continuation line, surely, yes", rfc,
	       sizeof rfc),
	   "%s: RFC 4716 format", t->label);
	char rpath[300];
	snprintf(rpath, sizeof rpath, "%s.rfc", path);
	spew(rpath, rfc, strlen(rfc));
	char *im[] = {"ssh-keygen", "-i", "-f", rpath, 0};
	ok(run(im, out, sizeof out) == 0 && key_parse_public_any(out, strlen(out), &p2) &&
	       key_public_equal(&p2, kp),
	   "%s: ssh-keygen -i imports our RFC 4716", t->label);
	ok(key_parse_public_any_comment(rfc, strlen(rfc), &p2, comment, sizeof comment) &&
	       !strncmp(comment, "a comment that is long", 22) &&
	       strlen(comment) == sizeof comment - 1,
	   "%s: our RFC 4716 comment read back (truncated to cap)", t->label);
	key_private_free(k);
}

static void test_private_bad(void)
{
	char path[256];
	snprintf(path, sizeof path, "%s/id_ed25519", tmpdir);
	size_t len;
	char *text = slurp(path, &len);
	static char copy[65536];
	struct key_private *k;
	ok(text != 0, "ed25519 private text read");
	if (!text) return;
	memcpy(copy, text, len);
	ok(key_private_parse(&k, copy, len), "private text parses");
	key_private_free(k);
	ok(!key_private_parse(&k, copy, len / 2) && errno == EPROTO && !k, "truncated PEM refused");
	ok(!key_private_parse(&k, copy + 1, len - 1) && errno == EPROTO, "damaged header refused");
	/* Decode, damage one field at a time, re-encode. */
	const char *b = strchr(copy, '\n') + 1, *e = strstr(copy, "-----END");
	unsigned char bin[4096], bad[4096];
	size_t binlen;
	sodium_base642bin(bin, sizeof bin, b, (size_t)(e - b), "\n", &binlen, 0,
			  sodium_base64_VARIANT_ORIGINAL);
	/* Offsets: magic 15, cipher 4+4, kdf 4+4, kdfopts 4, nkeys 4, pub 4+51, priv len 4 ->
	 * check1 at 102. */
	struct {
		size_t off;
		const char *what;
		int err;
	} cases[] = {
	    {0, "bad magic", EPROTO},
	    {102, "check ints differ", EPROTO},
	    {binlen - 1, "bad padding", EPROTO},
	    {70, "public key damaged", EPROTO},
	    {150, "private public half differs", EPROTO},
	    {180, "seed damaged", EPROTO},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char pem[8192];
		memcpy(bad, bin, binlen);
		bad[cases[i].off] ^= 1;
		int n = snprintf(pem, sizeof pem, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
		sodium_bin2base64(pem + n, sizeof pem - n, bad, binlen,
				  sodium_base64_VARIANT_ORIGINAL);
		strcat(pem, "\n-----END OPENSSH PRIVATE KEY-----\n");
		errno = 0;
		ok(!key_private_parse(&k, pem, strlen(pem)) && errno == cases[i].err,
		   "private key: %s refused", cases[i].what);
	}
	char epath[300];
	snprintf(epath, sizeof epath, "%s/id_enc", tmpdir);
	char *gen[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "secret pass", "-f", epath, 0};
	run(gen, 0, 0);
	ok(!key_private_load(&k, epath) && errno == ENOTSUP, "encrypted key refused with ENOTSUP");
	ok(!key_private_load(&k, "/nonexistent/key") && errno == ENOENT, "missing file: ENOENT");
	ok(!key_private_parse(&k, "", 0) && errno == EPROTO, "empty text refused");
}

static const char *ed_line(char *buf, size_t cap, const char *opts)
{
	char path[300];
	size_t len;
	snprintf(path, sizeof path, "%s/id_ed25519.pub", tmpdir);
	char *t = slurp(path, &len);
	buf[0] = 0;
	if (strlen(opts) + 2 + (t ? len : 0) >= cap) return buf;
	strcat(buf, opts);
	if (*opts) strcat(buf, " ");
	if (t) strcat(buf, t);
	return buf;
}

static void test_authorized(void)
{
	char line[4096], why[128];
	struct key_public k, want;
	size_t len;
	char path[300];
	snprintf(path, sizeof path, "%s/id_ed25519.pub", tmpdir);
	char *t = slurp(path, &len);
	ok(t && key_parse_public_any(t, len, &want), "reference key");
	struct {
		const char *opts;
		int ok;
		int err;
		const char *why;
	} cases[] = {
	    {"", 1, 0, 0},
	    {"restrict", 1, 0, 0},
	    {"no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc", 1, 0, 0},
	    {"restrict,command=\"internal-sftp\"", 1, 0, 0},
	    {"command=\"internal-sftp -R\"", 0, EACCES,
	     "option command= is not supported by sluice"},
	    {"from=\"10.0.0.0/8\"", 0, EACCES, "option from= is not supported by sluice"},
	    {"restrict,environment=\"A=B\"", 0, EACCES,
	     "option environment= is not supported by sluice"},
	    {"cert-authority", 0, EACCES, "option cert-authority is not supported by sluice"},
	    {"permitopen=\"host:22\"", 0, EACCES, 0},
	    {"principals=\"a,b\"", 0, EACCES, 0},
	    {"expiry-time=\"20300101\"", 0, EACCES, 0},
	    {"pty", 0, EACCES, 0},
	    {"command=\"echo \\\"hi there\\\" , x\",no-pty", 0, EACCES,
	     "option command= is not supported by sluice"},
	    {"command=\"a \\\" b\"", 0, EACCES, 0},
	    {"command=\"unterminated", 0, EPROTO, 0},
	    {"no-pty,", 0, EPROTO, 0},
	    {"no-pty,,restrict", 0, EPROTO, 0},
	    {"=x", 0, EPROTO, 0},
	    {"from=10.0.0.1", 0, EPROTO, 0},
	    {"  ", 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ed_line(line, sizeof line, cases[i].opts);
		errno = 0;
		int r = key_parse_authorized_line(line, strlen(line), &k, why, sizeof why);
		if (cases[i].ok)
			ok(r && key_public_equal(&k, &want),
			   "authorized line with options '%s' accepted", cases[i].opts);
		else
			ok(!r && errno == cases[i].err,
			   "authorized line with options '%s' refused (%s)", cases[i].opts,
			   strerror(cases[i].err));
		if (cases[i].why) is_str(why, cases[i].why, "why names the option");
	}
	const char *garbage[] = {
	    "ssh-ed25519",
	    "ssh-ed25519 AAAA",
	    "ssh-ed25519 !!!!",
	    "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDi+Hxo1O/Jz5Xvjg7mR5zUS4Qm/uR4F3cQKmjr0T+xQ",
	    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDi+Hxo1O/Jz5Xvjg7mR5zUS4Qm/uR4F3cQKmjr0T+x",
	    "\x01\x02\x03",
	    "restrict ssh-ed25519",
	};
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		errno = 0;
		ok(!key_parse_authorized_line(garbage[i], strlen(garbage[i]), &k, why,
					      sizeof why) &&
		       (errno == EPROTO || errno == ENOTSUP),
		   "garbage line %zu refused", i);
	}
	ok(!key_parse_authorized_line("ssh-dss AAAAB3NzaC1kc3MAAACBAP", 30, &k, why, sizeof why) &&
	       errno == ENOTSUP,
	   "ssh-dss: ENOTSUP");
	ok(!key_parse_authorized_line("# comment", 9, &k, why, sizeof why) && errno == ENOENT,
	   "comment: ENOENT");
	ok(!key_parse_authorized_line("", 0, &k, why, sizeof why) && errno == ENOENT,
	   "empty: ENOENT");
	ok(!key_parse_authorized_line("ssh-ed25519 A\0AA", 16, &k, why, sizeof why) &&
	       errno == EPROTO,
	   "embedded NUL refused");
}

static unsigned warnings;
static void count_warn(const char *reason, unsigned lineno)
{
	(void)reason;
	(void)lineno;
	warnings++;
}

static void test_find(void)
{
	static char text[32768];
	char line[4096], rfc[4096], path[300];
	struct key_public ed, ec;
	size_t len;
	snprintf(path, sizeof path, "%s/id_ed25519.pub", tmpdir);
	char *t = slurp(path, &len);
	key_parse_public_any(t, len, &ed);
	snprintf(path, sizeof path, "%s/id_ecdsa384.pub", tmpdir);
	t = slurp(path, &len);
	key_parse_public_any(t, len, &ec);
	key_public_format_rfc4716(&ec, "rfc key", rfc, sizeof rfc);
	text[0] = 0;
	strcat(text, "# header\n\ngarbage here\n");
	strcat(text, ed_line(line, sizeof line, "from=\"1.2.3.4\""));
	strcat(text, rfc);
	strcat(text,
	       "---- BEGIN SSH2 PUBLIC KEY ----\nnot base64\n---- END SSH2 PUBLIC KEY ----\n");
	warnings = 0;
	ok(key_authorized_find(text, strlen(text), &ec, count_warn),
	   "RFC 4716 key found in mixed file");
	is_int(warnings, 2, "garbage and refused line reported");
	warnings = 0;
	ok(!key_authorized_find(text, strlen(text), &ed, count_warn) && errno == ENOENT,
	   "key with from= option not usable");
	is_int(warnings, 3, "three warnings over the whole file");
	strcat(text, ed_line(line, sizeof line, "restrict"));
	ok(key_authorized_find(text, strlen(text), &ed, 0),
	   "later plain line for the same key found");
	ok(!key_authorized_find("", 0, &ed, 0), "empty file: not found");
	text[0] = 0;
	strcat(text, "---- BEGIN SSH2 PUBLIC KEY ----\nComment: never ends\n");
	strcat(text, ed_line(line, sizeof line, ""));
	warnings = 0;
	ok(key_authorized_find(text, strlen(text), &ed, count_warn),
	   "key after an unterminated RFC 4716 block found");
	is_int(warnings, 2, "the block and its header line reported");
	size_t used;
	struct key_public k;
	ok(!key_parse_rfc4716(text, strlen(text), &used, &k) && used == 32,
	   "unterminated block: only BEGIN consumed");
	const char *cont =
	    "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"split \\\n comment\"\nx-tag: a\\\nb\n";
	char comment[64];
	strcpy(text, cont);
	key_public_format_rfc4716(&ed, 0, text + strlen(text), sizeof text - strlen(text));
	/* a second BEGIN inside the first block: not base64, refused */
	ok(!key_parse_rfc4716(text, strlen(text), &used, &k), "BEGIN inside a block refused");
	strcpy(text, cont);
	key_public_format_rfc4716(&ed, 0, line, sizeof line);
	strcat(text, strchr(line, '\n') + 1);
	ok(key_parse_public_any_comment(text, strlen(text), &k, comment, sizeof comment) &&
	       key_public_equal(&k, &ed),
	   "continued headers skipped");
	is_str(comment, "split comment",
	       "continued Comment joined (leading blanks of the next line dropped)");
}

static void test_generate(void)
{
	static const struct {
		enum key_type t;
		unsigned bits;
	} g[] = {{KEY_ED25519, 0},
		 {KEY_RSA, 2048},
		 {KEY_ECDSA_P256, 0},
		 {KEY_ECDSA_P384, 0},
		 {KEY_ECDSA_P521, 0}};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		const char *name = key_type_name(g[i].t);
		struct key_private *k = 0, *k2 = 0;
		char *text = 0, path[300], out[4096], want[4096];
		size_t len = 0;
		ok(key_generate(&k, g[i].t, g[i].bits), "%s: generated", name);
		if (!k) continue;
		ok(key_private_format(k, "gen comment", &text, &len) && len == strlen(text),
		   "%s: formatted", name);
		snprintf(path, sizeof path, "%s/gen%zu", tmpdir, i);
		spew(path, text, len);
		char *y[] = {"ssh-keygen", "-y", "-f", path, 0};
		key_public_format_openssh(key_private_public(k), "gen comment", want, sizeof want);
		ok(run(y, out, sizeof out) == 0 && !strcmp(out, want),
		   "%s: ssh-keygen -y reads our private key", name);
		ok(key_private_parse(&k2, text, len) &&
		       key_public_equal(key_private_public(k2), key_private_public(k)) &&
		       !strcmp(key_private_comment(k2), "gen comment"),
		   "%s: our private key parses back", name);
		if (k2) test_sign_verify(k2, name);
		sodium_memzero(text, len);
		free(text);
		key_private_free(k);
		key_private_free(k2);
	}
	struct key_private *k;
	ok(!key_generate(&k, KEY_RSA, 1024) && errno == EINVAL && !k, "RSA-1024 refused");
	ok(!key_generate(&k, KEY_NONE, 0) && errno == EINVAL, "no type refused");
	ok(key_generate(&k, KEY_RSA, 0) && key_public_bits(key_private_public(k)) == 3072,
	   "RSA default 3072 bits");
	key_private_free(k);
}

/* A generated key whose last private number (RSA q, ECDSA d) is damaged
 * still loads (no libcrypto at load) but fails key_private_check/key_sign. */
static void test_lazy_check(enum key_type t)
{
	const char *name = key_type_name(t);
	struct key_private *k = 0, *k2 = 0;
	char *text = 0, pem[16384];
	size_t len, binlen;
	unsigned char bin[8192], sig[KEY_SIG_MAX];
	size_t siglen;
	if (!key_generate(&k, t, 2048) || !key_private_format(k, "", &text, &len)) {
		ok(0, "%s: generate for the damage test", name);
		return;
	}
	const char *b = strchr(text, '\n') + 1, *e = strstr(text, "-----END");
	sodium_base642bin(bin, sizeof bin, b, (size_t)(e - b), "\n", &binlen, 0,
			  sodium_base64_VARIANT_ORIGINAL);
	size_t npad = bin[binlen - 1];
	bin[binlen - npad - 4 - 10] ^= 0x40;
	int n = snprintf(pem, sizeof pem, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	sodium_bin2base64(pem + n, sizeof pem - n, bin, binlen, sodium_base64_VARIANT_ORIGINAL);
	strcat(pem, "\n-----END OPENSSH PRIVATE KEY-----\n");
	ok(key_private_parse(&k2, pem, strlen(pem)), "%s: damaged private number still loads",
	   name);
	if (k2) {
		const char *alg = t == KEY_RSA ? "rsa-sha2-256" : name;
		ok(!key_private_check(k2) && errno == EPROTO,
		   "%s: key_private_check finds the damage", name);
		ok(!key_sign(k2, alg, (const unsigned char *)"x", 1, sig, &siglen),
		   "%s: and key_sign refuses", name);
		key_private_free(k2);
	}
	ok(key_private_parse(&k2, text, len) && key_private_check(k2), "%s: undamaged key checks",
	   name);
	key_private_free(k2);
	sodium_memzero(text, len);
	free(text);
	key_private_free(k);
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(tmpdir)) return 111;
	ok(key_type_from_name("ssh-ed25519", 11) == KEY_ED25519, "type from name");
	ok(key_type_from_name("ssh-dss", 7) == KEY_NONE, "ssh-dss unknown");
	ok(key_sigalg_fits(KEY_RSA, "rsa-sha2-512") && !key_sigalg_fits(KEY_RSA, "ssh-rsa"),
	   "RSA sigalgs");
	ok(!key_sigalg_fits(KEY_ED25519, "ecdsa-sha2-nistp256"), "sigalg mismatch");
	for (size_t i = 0; i < sizeof kts / sizeof kts[0]; i++)
		test_keytype(&kts[i]);
	test_private_bad();
	test_authorized();
	test_find();
	test_generate();
	test_lazy_check(KEY_RSA);
	test_lazy_check(KEY_ECDSA_P384);
	char *rm[] = {"rm", "-rf", tmpdir, 0};
	run(rm, 0, 0);
	return tap_done();
}
