/* fuzz_ftpsd_monitor: ftpsd's privileged monitor (ftpsd/monitor.c,
 * certmap.c) as a hostile network process drives it.  The input is a
 * sequence of records, each a 2-byte big-endian length and that many
 * bytes; the same sequence goes to a monitor before login, and to one
 * whose login was accepted (waiting for the hand-over), until a request is
 * refused.  Made once: a users file where alice has a random password,
 * and a CA for certificate logins (USER_FROM_CERT=cn) whose key is thrown
 * away, so no chain the fuzzer makes can verify.
 * Checked: every reply is a well-formed answer, failures never pass the
 * limit, and nobody logs in. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "algo/algo.h"
#include "log/log.h"
#include "../../ftpsd/config.h"
#include "../../ftpsd/monitor.h"

#define FUZZ_MAX_RECORDS 64
#define FUZZ_MAX_TRIES 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A self-signed P-256 CA (CN=sluice-fuzz-ca); its key was not kept. */
static const char fuzz_ca[] = "-----BEGIN CERTIFICATE-----\n"
			      "MIIBiTCCAS+gAwIBAgIUe5uty9xHQJFpiABRCg+DSZq7wQYwCgYIKoZIzj0EAwIw\n"
			      "GTEXMBUGA1UEAwwOc2x1aWNlLWZ1enotY2EwIBcNMjYxMjA0MTYwMjU2WhgPMjEy\n"
			      "NjExMTAxNjAyNTZaMBkxFzAVBgNVBAMMDnNsdWljZS1mdXp6LWNhMFkwEwYHKoZI\n"
			      "zj0CAQYIKoZIzj0DAQcDQgAEu3BoTKYln0CYo30b+c0fz4DywAuQUAe2Q1ncNQPC\n"
			      "odTU4n6OQJBICHXlmFze3+AH2osiCqM/Uwi7buEzxgvdkaNTMFEwHQYDVR0OBBYE\n"
			      "FAGxQVkHHJSKpTtIL4audXxibO25MB8GA1UdIwQYMBaAFAGxQVkHHJSKpTtIL4au\n"
			      "dXxibO25MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhALvk4PzJ\n"
			      "A3ZK91eHzsEBRCldpHLxCJzU5l0zu3rsT3h6AiBinZZrHLv0zzFS4ennuwi1z0ls\n"
			      "fLs6Jt2qnw7ky0ySxw==\n"
			      "-----END CERTIFICATE-----\n";

static char fuzz_dir[] = "/tmp/fuzz_ftpsd_monitor.XXXXXX";
static char fuzz_users_env[SLUICE_MAX_PATH + 64], fuzz_ca_env[SLUICE_MAX_PATH + 64];
static struct conf_value fuzz_cf[FC_COUNT];
static int fuzz_ready;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) abort();
}

static void fuzz_setup(void)
{
	char path[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + ACCOUNT_MAX_HASH + 64], err[256];
	char hash[ACCOUNT_MAX_HASH];
	unsigned char pw[32];
	char *env[] = {fuzz_users_env,
		       fuzz_ca_env,
		       "FTPSD_LOGIN_FAIL_DELAY_MS=0",
		       "FTPSD_MAX_LOGIN_ATTEMPTS=3",
		       "FTPSD_TLS_USER_FROM_CERT=cn",
		       "FTPSD_TLS_VERIFY_CLIENT=required",
		       0};

	if (fuzz_ready) return;
	log_init("fuzz_ftpsd_monitor", "fuzz");
	if (!algo_init() || !mkdtemp(fuzz_dir)) abort();
	/* a password nobody knows: a login must never succeed */
	algo_random(pw, sizeof pw);
	if (!account_hash_password((const char *)pw, sizeof pw, hash, sizeof hash)) abort();
	snprintf(line, sizeof line, "alice:%s:1000:1000:%s\n", hash, fuzz_dir);
	snprintf(path, sizeof path, "%s/users", fuzz_dir);
	write_file(path, line);
	snprintf(fuzz_users_env, sizeof fuzz_users_env, "FTPSD_USERS_FILE=%s", path);
	snprintf(path, sizeof path, "%s/ca.pem", fuzz_dir);
	write_file(path, fuzz_ca);
	snprintf(fuzz_ca_env, sizeof fuzz_ca_env, "FTPSD_TLS_CA_FILE=%s", path);
	/* conf_load keeps pointers into env: its strings are static or literals */
	if (!conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, fuzz_cf, env, err, sizeof err))
		abort();
	fuzz_ready = 1;
}

/* Every reply waiting on the network process's end must be an answer. */
static void drain(int fd)
{
	unsigned char r[64];
	for (;;) {
		ssize_t n = recv(fd, r, sizeof r, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		if (n != 3 || r[0] != FM_ANSWER || r[1] > 1 || r[2] > 1) abort();
		if (r[1]) abort(); /* nobody knows alice's password */
	}
}

static void run(const uint8_t *data, size_t size, int accepted)
{
	struct ftp_monitor m;
	int sv[2];
	size_t pos = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) abort();
	ftp_mon_init(&m, sv[0], fuzz_cf);
	if (accepted) { /* as after an accepted password */
		m.state = FM_ACCEPTED;
		m.how = FM_HOW_PASSWORD;
		strcpy(m.user, "alice");
	}
	for (unsigned i = 0; i < FUZZ_MAX_RECORDS && size - pos >= 2; i++) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		unsigned char *rec;
		enum ftp_mon_state before = m.state;
		int r;

		pos += 2;
		if (len > size - pos) len = size - pos;
		/* exactly len bytes, so a read past the record is caught */
		rec = malloc(len ? len : 1);
		if (!rec) abort();
		memcpy(rec, data + pos, len);
		pos += len;
		r = ftp_mon_request(&m, rec, len);
		drain(sv[1]);
		free(rec);
		if (m.failures > FUZZ_MAX_TRIES || m.cert_tries > FM_MAX_CERT_TRIES + 1) abort();
		if (before == FM_PRELOGIN && m.state != FM_PRELOGIN) abort();
		if (m.state == FM_HANDED_OVER &&
		    (m.lb.len > sizeof m.lb.buf || m.ctrl_protected > 1 || m.prot_p > 1 ||
		     m.pbsz > 1 || m.mlst_facts > FTP_FACTS_ALL ||
		     strlen(m.tls_version) > FM_TLS_VERSION_MAX))
			abort();
		if (!r) {
			if (!m.why[0]) abort();
			break;
		}
	}
	close(sv[0]);
	close(sv[1]);
	ftp_mon_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	run(data, size, 0);
	run(data, size, 1);
	return 0;
}
