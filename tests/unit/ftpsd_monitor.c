/* ftpsd_monitor: ftpsd's privileged monitor (monitor.c, certmap.c) driven
 * with hand-built records, as a hostile network process would send them:
 * malformed, too long, out of state, over the limit; replies are read back
 * over the socketpair.  A real users file (argon2id) and real certificates
 * (a CA, two client certificates it signed, a self-signed one). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "algo/algo.h"
#include "log/log.h"
#include "priv/priv.h"
#include "wire/wire.h"
#include "../../ftpsd/config.h"
#include "../../ftpsd/monitor.h"

/* Generated once with openssl (P-256, valid for 100 years): a CA, alice and
 * bob signed by it (CN and e-mail subjectAltName), a self-signed "alice". */
static const char pem_ca[] = "-----BEGIN CERTIFICATE-----\n"
			     "MIIBiTCCAS+gAwIBAgIUfkpDxk9oOIxnaMwoQMj9uoP2fbEwCgYIKoZIzj0EAwIw\n"
			     "GTEXMBUGA1UEAwwOc2x1aWNlLXRlc3QtY2EwIBcNMjYxMjA0MTYwMTI5WhgPMjEy\n"
			     "NjExMTAxNjAxMjlaMBkxFzAVBgNVBAMMDnNsdWljZS10ZXN0LWNhMFkwEwYHKoZI\n"
			     "zj0CAQYIKoZIzj0DAQcDQgAEjIHLTmwu0vNNAeAwSAlU+3ICs5/RjasCYd8TBSU8\n"
			     "N60DMQXecKMkJaKBZAkdwMxrcYhtvh9xwSS2LqJfCNsqcaNTMFEwHQYDVR0OBBYE\n"
			     "FKzL7Lm7OPMN2or/WwiVM0QNXuniMB8GA1UdIwQYMBaAFKzL7Lm7OPMN2or/WwiV\n"
			     "M0QNXuniMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgDwkvbIZE\n"
			     "QZzSKsOof0evexydctsjmFkwS78OBPV+VVsCIQDFJGV3U0ou9nSYrZ3rHkzFoqdj\n"
			     "zwkUjlXlMVDBEmUL1w==\n"
			     "-----END CERTIFICATE-----\n";
static const char pem_alice[] = "-----BEGIN CERTIFICATE-----\n"
				"MIIBozCCAUigAwIBAgIUe9U97Pcv2TN34jOB5tk97gOf4c4wCgYIKoZIzj0EAwIw\n"
				"GTEXMBUGA1UEAwwOc2x1aWNlLXRlc3QtY2EwIBcNMjYxMjA0MTYwMTI5WhgPMjEy\n"
				"NjExMTAxNjAxMjlaMBAxDjAMBgNVBAMMBWFsaWNlMFkwEwYHKoZIzj0CAQYIKoZI\n"
				"zj0DAQcDQgAEiRtYKVoWi5VAn2nEE2fle6OCBTp9bxCwviv6+WOti22e9fYSPf12\n"
				"3FOWxcLiDSxbTnk7w1uVmoNuTPm3y7UdkqN1MHMwHAYDVR0RBBUwE4ERYWxpY2VA\n"
				"ZXhhbXBsZS5vcmcwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0OBBYEFMsy+Dio\n"
				"o3eq0xVWLPuHMhh1wF/qMB8GA1UdIwQYMBaAFKzL7Lm7OPMN2or/WwiVM0QNXuni\n"
				"MAoGCCqGSM49BAMCA0kAMEYCIQDUHftZOah6qsvbRaFXAcpVKf/m26267IZLBmpA\n"
				"PFjSJQIhANUYbv8yzYtXjBiRbTQs0O/4JahUBCumbTOHzVF4U6VJ\n"
				"-----END CERTIFICATE-----\n";
static const char pem_bob[] = "-----BEGIN CERTIFICATE-----\n"
			      "MIIBnjCCAUSgAwIBAgIUe9U97Pcv2TN34jOB5tk97gOf4c8wCgYIKoZIzj0EAwIw\n"
			      "GTEXMBUGA1UEAwwOc2x1aWNlLXRlc3QtY2EwIBcNMjYxMjA0MTYwMTI5WhgPMjEy\n"
			      "NjExMTAxNjAxMjlaMA4xDDAKBgNVBAMMA2JvYjBZMBMGByqGSM49AgEGCCqGSM49\n"
			      "AwEHA0IABFaIwf8h8OizgcE+P38H7g7Mx6+BLmlaati9ml4c4QQr+MvIyLg094M5\n"
			      "ow20kmo6vL//nHr6m0jOB+9rmsHpqNOjczBxMBoGA1UdEQQTMBGBD2JvYkBleGFt\n"
			      "cGxlLm9yZzATBgNVHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUnOOkxRhboUld\n"
			      "elECfeuStK0Qy5UwHwYDVR0jBBgwFoAUrMvsubs48w3aiv9bCJUzRA1e6eIwCgYI\n"
			      "KoZIzj0EAwIDSAAwRQIhAI/BKSgGyh1rdRCilLKRXlHLRa31hXFQYJ8UFajhcl8o\n"
			      "AiAPGZaR595vooZRM6S6A+lMZoIqIgOoItkloU9nBMvE3A==\n"
			      "-----END CERTIFICATE-----\n";
static const char pem_self[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBdjCCAR2gAwIBAgIUOuTJsM3AUQRPbCwoIKcPcBg3LPkwCgYIKoZIzj0EAwIw\n"
			       "EDEOMAwGA1UEAwwFYWxpY2UwIBcNMjYxMjA0MTYwMTI5WhgPMjEyNjExMTAxNjAx\n"
			       "MjlaMBAxDjAMBgNVBAMMBWFsaWNlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
			       "K2S/eny/F+HISRL/NTiH1O37jZd/IRK24rljpFzD14kC0Pqg2a4uLlPNh9YL9V2s\n"
			       "djEA1VjqMgZMw0jwHUrlWaNTMFEwHQYDVR0OBBYEFCvWrWrJ/WQNF0Gu2dHBlPvJ\n"
			       "//i4MB8GA1UdIwQYMBaAFCvWrWrJ/WQNF0Gu2dHBlPvJ//i4MA8GA1UdEwEB/wQF\n"
			       "MAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgJ9pj21zl89pMfvKqfSsCqazpbgeVZig+\n"
			       "/2ixF2WyJJwCIEhKU5TeeU6Auddt8DYcl8CXyN2Iyox9Af1GayVNg/Lq\n"
			       "-----END CERTIFICATE-----\n";

#define PASSWORD "pw-Monitor-1!"

static char tmpdir[] = "/tmp/ftpsd_monitor.XXXXXX";
static char users_env[SLUICE_MAX_PATH + 64], ca_env[SLUICE_MAX_PATH + 64];
static char users_cert[SLUICE_MAX_PATH]; /* accounts with cert= items */
/* For the CRL test, generated once with openssl like the above: another
 * CA, alice@example.org signed by it, and that CA's CRL revoking her
 * (next update in 2126), filed in a CRL directory as HASH.r0. */
static const char pem_crl_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBoTCCAUegAwIBAgIUPlXMBPHSPpeZbBPgQnffk8E61ZowCgYIKoZIzj0EAwIw\n"
    "HTEbMBkGA1UEAwwSc2x1aWNlLWNybC10ZXN0LWNhMCAXDTI2MTIwNDIyNTQzNFoY\n"
    "DzIxMjYxMTEwMjI1NDM0WjAdMRswGQYDVQQDDBJzbHVpY2UtY3JsLXRlc3QtY2Ew\n"
    "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARYbnKKtlKXWfELEKQu8MUA7MKYP1G0\n"
    "h4rNofeRPMzbY3FC4GXTct7ytvQ/CeI1buWHYLFPLJmptNP/s65d0SKwo2MwYTAd\n"
    "BgNVHQ4EFgQUdf+Cc7h+moWU3oWs+MEOtXaNb6wwHwYDVR0jBBgwFoAUdf+Cc7h+\n"
    "moWU3oWs+MEOtXaNb6wwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw\n"
    "CgYIKoZIzj0EAwIDSAAwRQIhAPx9u1wy56LL6U3zkXbiSEUxSnuoHvKwqikt6s7w\n"
    "vLOMAiB6ljuFbDYZvAuB2A1Oj1zBwRmUgqc1kaaxyNEYbW9FlA==\n"
    "-----END CERTIFICATE-----\n";
static const char pem_crl_alice[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBpjCCAUygAwIBAgIUXoaMHK/E3hs+sKKf+7Z5pvWhkYcwCgYIKoZIzj0EAwIw\n"
    "HTEbMBkGA1UEAwwSc2x1aWNlLWNybC10ZXN0LWNhMCAXDTI2MTIwNDIyNTQzNFoY\n"
    "DzIxMjYxMTEwMjI1NDM0WjAQMQ4wDAYDVQQDDAVhbGljZTBZMBMGByqGSM49AgEG\n"
    "CCqGSM49AwEHA0IABCKrYrKe6FuTJcIzteipcMDal8OaNK18aJSeN0IBAxFDNU+k\n"
    "QGd0lt/9DVANeCe12npO3jT//lDVAHqU/EvySdujdTBzMBwGA1UdEQQVMBOBEWFs\n"
    "aWNlQGV4YW1wbGUub3JnMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBSa\n"
    "PrK0H4+I6X7n4opywLKvilpwmTAfBgNVHSMEGDAWgBR1/4JzuH6ahZTehaz4wQ61\n"
    "do1vrDAKBggqhkjOPQQDAgNIADBFAiEA1/h1qu65fFvvGDEYdJR1WgbJ73b8b8rc\n"
    "jAspG0elz10CIFbRSxwMwHmE7Pd/farXL/FxnKbznTcIjgkjkoRJHaDz\n"
    "-----END CERTIFICATE-----\n";
static const char pem_crl[] = "-----BEGIN X509 CRL-----\n"
			      "MIHhMIGIAgEBMAoGCCqGSM49BAMCMB0xGzAZBgNVBAMMEnNsdWljZS1jcmwtdGVz\n"
			      "dC1jYRcNMjYxMjA0MjI1NDM0WhgPMjEyNjExMTAyMjU0MzRaMCcwJQIUXoaMHK/E\n"
			      "3hs+sKKf+7Z5pvWhkYcXDTI2MTIwNDIyNTQzNFqgDzANMAsGA1UdFAQEAgIQADAK\n"
			      "BggqhkjOPQQDAgNIADBFAiEAi9xB3ti7Ew8U9L5U7z5LT4EFNW+h1O1nA2cS24VL\n"
			      "TBYCIDQrbfVjhU41vC9CvXIyWrVJ9CftX5i3Lzbm/YNZ8Uq4\n"
			      "-----END X509 CRL-----\n";
#define PEM_CRL_HASH "71a4b855"

/* conf_load keeps pointers into these strings: they stay for the run. */
static char *env_pw[] = {users_env, "FTPSD_LOGIN_FAIL_DELAY_MS=0", "FTPSD_MAX_LOGIN_ATTEMPTS=3", 0};
static char *env_anon[] = {users_env,
			   "FTPSD_LOGIN_FAIL_DELAY_MS=0",
			   "FTPSD_ANONYMOUS=yes",
			   "FTPSD_ANON_ROOT=/nonexistent",
			   "FTPSD_MAX_LOGIN_ATTEMPTS=3",
			   0};
static char *env_cn[] = {users_env, ca_env, "FTPSD_TLS_USER_FROM_CERT=cn",
			 "FTPSD_TLS_VERIFY_CLIENT=required", 0};
static char *env_email[] = {users_env,
			    ca_env,
			    "FTPSD_TLS_USER_FROM_CERT=email",
			    "FTPSD_TLS_VERIFY_CLIENT=optional",
			    "FTPSD_TLS_USER_DOMAIN=example.org",
			    0};
static struct conf_value cf_pw[FC_COUNT], cf_anon[FC_COUNT], cf_cn[FC_COUNT], cf_email[FC_COUNT];

static int peer = -1;
static unsigned char rec[FM_RECORD_MAX + 64];
static struct wire_out rw;

static void mon_open(struct ftp_monitor *m, const struct conf_value *cf)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		printf("Bail out! socketpair: %s\n", strerror(errno));
		exit(1);
	}
	ftp_mon_init(m, sv[0], cf);
	peer = sv[1];
}

static void mon_close(struct ftp_monitor *m)
{
	close(m->fd);
	close(peer);
	ftp_mon_free(m);
	peer = -1;
}

static void begin(uint8_t type)
{
	wire_out_init(&rw, rec, sizeof rec);
	wire_put_u8(&rw, type);
}

static int send_rec(struct ftp_monitor *m)
{
	if (rw.bad) {
		printf("Bail out! record too large for the test buffer\n");
		exit(1);
	}
	return ftp_mon_request(m, rec, rw.len);
}

/* 1 if the request was refused with exactly this reason. */
static int refused(struct ftp_monitor *m, size_t len, const char *why)
{
	int r = ftp_mon_request(m, rec, len);
	if (r != 0 || strcmp(m->why, why)) {
		printf("#   returned %d, why '%s' (want 0, '%s')\n", r, m->why, why);
		return 0;
	}
	return 1;
}

/* The answer waiting on the network process's end: 1 if it is exactly
 * (accepted, last) and nothing else waits. */
static int answer_is(int accepted, int last)
{
	unsigned char r[16];
	long n = priv_record_recv(peer, r, sizeof r, 1000);
	if (n != 3 || r[0] != FM_ANSWER || r[1] != accepted || r[2] != last) {
		printf("#   answer of %ld bytes: %u %u %u\n", n, n > 0 ? r[0] : 0, n > 1 ? r[1] : 0,
		       n > 2 ? r[2] : 0);
		return 0;
	}
	return priv_record_recv(peer, r, sizeof r, 0) < 0 && errno == ETIMEDOUT;
}

static int nothing_waits(void)
{
	unsigned char r[16];
	return priv_record_recv(peer, r, sizeof r, 0) < 0 && errno == ETIMEDOUT;
}

static void password_req(const char *user, const char *pw, size_t pwlen)
{
	begin(FM_PASSWORD);
	wire_put_cstring(&rw, user);
	wire_put_string(&rw, pw, pwlen);
}

static void cert_req(const char *user, const char *pem)
{
	begin(FM_CERT_LOGIN);
	wire_put_cstring(&rw, user);
	wire_put_string(&rw, pem, strlen(pem));
}

static void handover_req(uint8_t prot, const char *version, uint8_t pbsz, uint8_t protp,
			 uint32_t facts, uint8_t disc, uint8_t iac, const char *input, size_t ilen)
{
	begin(FM_HANDOVER);
	wire_put_u8(&rw, prot);
	wire_put_string(&rw, version, strlen(version));
	wire_put_u8(&rw, pbsz);
	wire_put_u8(&rw, protp);
	wire_put_u32(&rw, facts);
	wire_put_u8(&rw, disc);
	wire_put_u8(&rw, iac);
	wire_put_string(&rw, input, ilen);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i]) return 0;
	return 1;
}

static void setup(void)
{
	char path[SLUICE_MAX_PATH], line[SLUICE_MAX_PATH + ACCOUNT_MAX_HASH + 64], err[256];
	char hash[ACCOUNT_MAX_HASH];
	if (!algo_init() || !mkdtemp(tmpdir)) {
		printf("Bail out! set-up\n");
		exit(1);
	}
	if (!account_hash_password(PASSWORD, strlen(PASSWORD), hash, sizeof hash)) {
		printf("Bail out! hash\n");
		exit(1);
	}
	snprintf(line, sizeof line, "alice:%s:1000:1000:%s\nbob:%s:1001:1001:%s\n", hash, tmpdir,
		 hash, tmpdir);
	snprintf(path, sizeof path, "%s/users", tmpdir);
	tap_write_file(path, line, 0600);
	snprintf(users_env, sizeof users_env, "FTPSD_USERS_FILE=%s", path);
	snprintf(users_cert, sizeof users_cert, "%s/users-cert", tmpdir);
	snprintf(line, sizeof line,
		 "alice:*:1000:1000:%s:cert=bob@example.org\n"
		 "bob:*:1001:1001:%s\n"
		 "cnal:*:1002:1002:%s:cert=alice\n"
		 "upper:*:1003:1003:%s:cert=alice@EXAMPLE.ORG\n"
		 "local:*:1004:1004:%s:cert=Alice@example.org\n"
		 "part:*:1005:1005:%s:cert=alice@example.or\n",
		 tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
	tap_write_file(users_cert, line, 0600);
	snprintf(path, sizeof path, "%s/ca.pem", tmpdir);
	tap_write_file(path, pem_ca, 0644);
	snprintf(ca_env, sizeof ca_env, "FTPSD_TLS_CA_FILE=%s", path);
	if (!conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, cf_pw, env_pw, err, sizeof err) ||
	    !conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, cf_anon, env_anon, err, sizeof err) ||
	    !conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, cf_cn, env_cn, err, sizeof err) ||
	    !conf_load("FTPSD_", ftpsd_conf_table, FC_COUNT, cf_email, env_email, err,
		       sizeof err)) {
		printf("Bail out! configuration: %s\n", err);
		exit(1);
	}
}

static void test_framing(void)
{
	struct ftp_monitor m;
	mon_open(&m, cf_pw);
	ok(refused(&m, 0, "empty request"), "an empty record is refused");
	rec[0] = 0;
	ok(refused(&m, 1, "unknown request"), "type 0 is refused");
	rec[0] = 200;
	ok(refused(&m, 1, "unknown request"), "type 200 is refused");
	begin(FM_ANSWER);
	wire_put_u8(&rw, 1);
	wire_put_u8(&rw, 0);
	ok(!send_rec(&m) && !strcmp(m.why, "unknown request"),
	   "an answer sent to the monitor is no request");
	begin(FM_DATA);
	wire_put_u8(&rw, 'x');
	ok(!send_rec(&m), "control data before login is refused");
	begin(FM_CCC);
	ok(!send_rec(&m), "CCC before login is refused");
	handover_req(1, "TLSv1.3", 1, 1, 0xff, 0, 0, "", 0);
	ok(!send_rec(&m) && !strcmp(m.why, "request out of order"),
	   "a hand-over before an accepted login is out of order");
	ok(m.state == FM_PRELOGIN && nothing_waits(), "nothing answered, still before login");
	begin(FM_VIOLATION);
	wire_put_u32(&rw, 59);
	ok(!send_rec(&m) && m.violation == 59 && !strcmp(m.why, "forbidden system call"),
	   "a sandbox report ends it, with the system call number");
	begin(FM_VIOLATION);
	wire_put_u32(&rw, 59);
	wire_put_u8(&rw, 0);
	ok(!send_rec(&m) && !strcmp(m.why, "request too long"),
	   "a sandbox report with a trailing byte is refused");
	mon_close(&m);
}

static void test_password(void)
{
	struct ftp_monitor m;
	static char big[2 * SLUICE_MAX_PASSWORD];
	mon_open(&m, cf_pw);
	password_req("alice", PASSWORD, strlen(PASSWORD));
	rw.len -= 3;
	ok(!send_rec(&m) && !strcmp(m.why, "malformed password request"),
	   "a truncated password request is refused");
	password_req("alice", PASSWORD, strlen(PASSWORD));
	wire_put_u8(&rw, 0);
	ok(!send_rec(&m) && !strcmp(m.why, "malformed password request"),
	   "a password request with a trailing byte is refused");
	begin(FM_PASSWORD);
	wire_put_string(&rw, "al\0ce", 5);
	wire_put_string(&rw, "x", 1);
	ok(!send_rec(&m), "a user name with a NUL is refused");
	memset(big, 'a', sizeof big);
	password_req("alice", big, sizeof big);
	ok(!send_rec(&m) && !strcmp(m.why, "request too long"),
	   "a record over the request's ceiling is refused");
	ok(m.failures == 0 && nothing_waits(), "refusals are not counted as failures");
	password_req("alice", big, SLUICE_MAX_PASSWORD + 1);
	ok(send_rec(&m) && answer_is(0, 0) && m.failures == 1,
	   "a password one byte over SLUICE_MAX_PASSWORD: a failed attempt");
	mon_close(&m);
	mon_open(&m, cf_pw);

	password_req("alice", "wrong", 5);
	ok(send_rec(&m) && answer_is(0, 0) && m.failures == 1, "a wrong password: no, 1 failure");
	password_req("nobody-here", PASSWORD, strlen(PASSWORD));
	ok(send_rec(&m) && answer_is(0, 0) && m.failures == 2,
	   "an unknown user: the same no, 2 failures");
	password_req("alice", PASSWORD "\0x", strlen(PASSWORD) + 2);
	ok(send_rec(&m) && answer_is(0, 1) && m.failures == 3,
	   "a password with a NUL: no, and the last attempt (3 of 3)");
	password_req("alice", PASSWORD, strlen(PASSWORD));
	ok(!send_rec(&m) && !strcmp(m.why, "login attempt after the limit") && nothing_waits(),
	   "even the right password after the limit is refused");
	mon_close(&m);

	mon_open(&m, cf_pw);
	password_req("../alice", PASSWORD, strlen(PASSWORD));
	ok(send_rec(&m) && answer_is(0, 0), "a user name that is no valid name: no");
	password_req("alice", PASSWORD, strlen(PASSWORD));
	ok(send_rec(&m) && answer_is(1, 0) && m.state == FM_ACCEPTED && m.how == FM_HOW_PASSWORD &&
	       !strcmp(m.user, "alice") && m.account.uid == 1000,
	   "the right password: yes, accepted as alice (uid 1000)");
	ok(all_zero(m.account.hash, sizeof m.account.hash), "the account's hash is wiped");
	password_req("bob", PASSWORD, strlen(PASSWORD));
	ok(!send_rec(&m) && !strcmp(m.why, "request out of order"),
	   "a second login after an accepted one is out of order");
	mon_close(&m);

	mon_open(&m, cf_pw);
	password_req("anonymous", "guest@", 6);
	ok(send_rec(&m) && answer_is(0, 0), "anonymous is an unknown user when not enabled");
	mon_close(&m);
	mon_open(&m, cf_anon);
	password_req("ftp", "guest@", 6);
	ok(send_rec(&m) && answer_is(1, 0) && m.how == FM_HOW_ANONYMOUS &&
	       !strcmp(m.user, "anonymous"),
	   "FTPSD_ANONYMOUS=yes: ftp with any password is the anonymous login");
	mon_close(&m);
}

static void accept_alice(struct ftp_monitor *m)
{
	mon_open(m, cf_pw);
	password_req("alice", PASSWORD, strlen(PASSWORD));
	if (!send_rec(m) || !answer_is(1, 0)) {
		printf("Bail out! alice does not log in\n");
		exit(1);
	}
}

static void test_handover(void)
{
	struct ftp_monitor m;
	char input[FTP_MAX_LINE + 3];
	static const struct {
		uint8_t prot, pbsz, protp, disc, iac;
		uint32_t facts;
		const char *version, *what;
	} bad[] = {
	    {2, 1, 1, 0, 0, 0xff, "TLSv1.3", "control protection 2"},
	    {1, 2, 1, 0, 0, 0xff, "TLSv1.3", "PBSZ 2"},
	    {1, 1, 7, 0, 0, 0xff, "TLSv1.3", "PROT 7"},
	    {1, 1, 1, 9, 0, 0xff, "TLSv1.3", "discarding 9"},
	    {1, 1, 1, 0, 2, 0xff, "TLSv1.3", "IAC state 2"},
	    {1, 1, 1, 0, 0, 0x1ff, "TLSv1.3", "an unknown MLST fact bit"},
	    {1, 1, 1, 0, 0, 0xff, "TLSv1.3-and-a-very-long-version-text", "a version of 36 bytes"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		accept_alice(&m);
		handover_req(bad[i].prot, bad[i].version, bad[i].pbsz, bad[i].protp, bad[i].facts,
			     bad[i].disc, bad[i].iac, "", 0);
		ok(!send_rec(&m) && !strcmp(m.why, "hand-over out of range") &&
		       m.state == FM_ACCEPTED,
		   "a hand-over with %s is refused", bad[i].what);
		mon_close(&m);
	}
	accept_alice(&m);
	handover_req(1, "TLSv1.3", 1, 1, 0xff, 0, 0, "", 0);
	rec[1 + 1 + 4 + 5] = 0; /* TLSv1\0.3 */
	ok(!send_rec(&m) && !strcmp(m.why, "hand-over out of range"),
	   "a hand-over with a NUL in the version is refused");
	mon_close(&m);
	accept_alice(&m);
	memset(input, 'A', sizeof input);
	handover_req(1, "TLSv1.3", 1, 1, 0xff, 0, 0, input, sizeof input);
	ok(!send_rec(&m) && !strcmp(m.why, "hand-over out of range") && m.state == FM_ACCEPTED,
	   "a hand-over with more input than the line reader holds is refused");
	mon_close(&m);
	accept_alice(&m);
	handover_req(1, "TLSv1.3", 1, 1, 0xff, 0, 0, "PWD\r\n", 5);
	rw.len--;
	ok(!send_rec(&m) && !strcmp(m.why, "malformed hand-over"),
	   "a truncated hand-over is refused");
	mon_close(&m);
	accept_alice(&m);
	handover_req(1, "TLSv1.3", 1, 1, 0x05, 1, 0, "PWD\r\nLIST\r\n", 11);
	ok(send_rec(&m) && m.state == FM_HANDED_OVER && m.ctrl_protected == 1 &&
	       !strcmp(m.tls_version, "TLSv1.3") && m.pbsz == 1 && m.prot_p == 1 &&
	       m.mlst_facts == 0x05 && m.lb.discarding == 1 && m.lb.len == 11 &&
	       !memcmp(m.lb.buf, "PWD\r\nLIST\r\n", 11) && nothing_waits(),
	   "a good hand-over: every field taken, nothing answered");
	handover_req(1, "TLSv1.3", 1, 1, 0xff, 0, 0, "", 0);
	ok(!send_rec(&m) && !strcmp(m.why, "request out of order"),
	   "a second hand-over is refused");
	mon_close(&m);
}

static void test_cert(void)
{
	struct ftp_monitor m;
	char chain[4096];
	mon_open(&m, cf_pw);
	cert_req("alice", pem_alice);
	ok(!send_rec(&m) && !strcmp(m.why, "certificate login not enabled"),
	   "a certificate login where FTPSD_TLS_USER_FROM_CERT=off is refused");
	mon_close(&m);

	mon_open(&m, cf_cn);
	cert_req("alice", pem_alice);
	ok(send_rec(&m) && answer_is(1, 0) && m.how == FM_HOW_CERT && !strcmp(m.user, "alice"),
	   "CN=alice signed by the CA logs alice in");
	ok(all_zero(m.account.hash, sizeof m.account.hash), "the account's hash is wiped");
	mon_close(&m);
	mon_open(&m, cf_cn);
	snprintf(chain, sizeof chain, "%s%s", pem_bob, pem_ca);
	cert_req("alice", chain);
	ok(send_rec(&m) && answer_is(0, 0) && m.state == FM_PRELOGIN && m.failures == 0,
	   "bob's certificate (with the CA in the chain) does not log alice in; no failure "
	   "counted");
	cert_req("bob", chain);
	ok(send_rec(&m) && answer_is(1, 0) && !strcmp(m.user, "bob"), "...but logs bob in");
	mon_close(&m);
	mon_open(&m, cf_cn);
	cert_req("alice", pem_self);
	ok(!send_rec(&m) && !strcmp(m.why, "client certificate does not verify"),
	   "a self-signed CN=alice (not from the CA) is refused outright");
	mon_close(&m);
	mon_open(&m, cf_cn);
	cert_req("alice", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
			  "-----END CERTIFICATE-----\n");
	ok(!send_rec(&m), "a broken PEM is refused");
	mon_close(&m);
	mon_open(&m, cf_cn);
	begin(FM_CERT_LOGIN);
	wire_put_cstring(&rw, "alice");
	wire_put_u32(&rw, FM_CERT_MAX + 1);
	rw.len += FM_CERT_MAX + 1;
	ok(!send_rec(&m) && !strcmp(m.why, "certificate chain too long"),
	   "a chain over FM_CERT_MAX is refused");
	mon_close(&m);
	mon_open(&m, cf_cn);
	for (int i = 0; i < FM_MAX_CERT_TRIES; i++) {
		cert_req("carol", pem_alice);
		if (!send_rec(&m) || !answer_is(0, 0)) break;
	}
	cert_req("alice", pem_alice);
	ok(!send_rec(&m) && !strcmp(m.why, "too many certificate logins"),
	   "certificate logins stop after %d tries", FM_MAX_CERT_TRIES);
	mon_close(&m);

	mon_open(&m, cf_email);
	cert_req("alice", pem_alice);
	ok(send_rec(&m) && answer_is(1, 0) && !strcmp(m.user, "alice"),
	   "FTPSD_TLS_USER_FROM_CERT=email: alice@example.org logs alice in");
	mon_close(&m);
	cf_email[FC_TLS_USER_DOMAIN].str = "EXAMPLE.org";
	mon_open(&m, cf_email);
	cert_req("alice", pem_alice);
	ok(send_rec(&m) && answer_is(1, 0), "the domain compared without case");
	mon_close(&m);
	cf_email[FC_TLS_USER_DOMAIN].str = "other.example";
	mon_open(&m, cf_email);
	cert_req("alice", pem_alice);
	ok(send_rec(&m) && answer_is(0, 0) && m.state == FM_PRELOGIN,
	   "FTPSD_TLS_USER_DOMAIN=other.example: alice@example.org logs no one in");
	mon_close(&m);
	cf_email[FC_TLS_USER_DOMAIN].str = "ample.org";
	mon_open(&m, cf_email);
	cert_req("alice", pem_alice);
	ok(send_rec(&m) && answer_is(0, 0), "a domain that is only a suffix matches nothing");
	mon_close(&m);
}

/* One certificate login on a fresh monitor with the cert= users file:
 * 1 when accepted as user, 0 when answered no without a failure counted,
 * -1 when refused outright, -2 for any other answer. */
static int cert_login_as(const struct conf_value *cf, const char *user, const char *pem)
{
	struct conf_value c[FC_COUNT];
	struct ftp_monitor m;
	int r = -1;

	memcpy(c, cf, sizeof c);
	c[FC_USERS_FILE].str = users_cert;
	mon_open(&m, c);
	cert_req(user, pem);
	if (send_rec(&m)) {
		unsigned char a[16];
		long n = priv_record_recv(peer, a, sizeof a, 1000);
		int yes = n == 3 && a[0] == FM_ANSWER && a[1] == 1 && !a[2] && nothing_waits();
		int no = n == 3 && a[0] == FM_ANSWER && !a[1] && !a[2] && nothing_waits();
		if (yes && m.state == FM_ACCEPTED && !strcmp(m.user, user) && m.how == FM_HOW_CERT)
			r = 1;
		else if (no && m.state == FM_PRELOGIN && !m.failures)
			r = 0;
		else
			r = -2;
	}
	mon_close(&m);
	return r;
}

/* The users file's cert= item: the whole identity, instead of the name. */
static void test_cert_item(void)
{
	struct conf_value email[FC_COUNT];

	memcpy(email, cf_email, sizeof email);
	email[FC_TLS_USER_DOMAIN].str = "example.org";
	ok(cert_login_as(email, "alice", pem_bob) == 1,
	   "cert=bob@example.org: bob's certificate logs alice in");
	ok(cert_login_as(email, "alice", pem_alice) == 0,
	   "...and alice@example.org no longer does (cert= replaces the domain rule)");
	ok(cert_login_as(email, "bob", pem_bob) == 1,
	   "bob, without cert=, still maps by FTPSD_TLS_USER_DOMAIN");
	ok(cert_login_as(email, "upper", pem_alice) == 1,
	   "cert=alice@EXAMPLE.ORG: the domain compared without case");
	ok(cert_login_as(email, "local", pem_alice) == 0,
	   "cert=Alice@example.org: the local part compared exactly");
	ok(cert_login_as(email, "part", pem_alice) == 0,
	   "cert=alice@example.or: whole address only");
	ok(cert_login_as(email, "cnal", pem_alice) == 0,
	   "cert=alice (no address) matches no e-mail certificate");
	ok(cert_login_as(email, "nobody", pem_alice) == 0, "an unknown account: answered no");
	ok(cert_login_as(email, "alice", pem_self) == -1,
	   "a chain that does not verify is refused even for a cert= account");
	email[FC_TLS_USER_DOMAIN].str = "other.example";
	ok(cert_login_as(email, "alice", pem_bob) == 1,
	   "cert= logs in whatever FTPSD_TLS_USER_DOMAIN names");
	ok(cert_login_as(email, "bob", pem_bob) == 0, "...while bob's domain rule does not match");
	email[FC_TLS_USER_DOMAIN].str = "";
	ok(cert_login_as(email, "alice", pem_bob) == 1,
	   "no FTPSD_TLS_USER_DOMAIN: cert= accounts log in");
	ok(cert_login_as(email, "bob", pem_bob) == 0,
	   "...and accounts without cert= by no certificate");

	ok(cert_login_as(cf_cn, "cnal", pem_alice) == 1, "cn mapping: cert=alice takes CN=alice");
	ok(cert_login_as(cf_cn, "cnal", pem_bob) == 0, "...not CN=bob");
	ok(cert_login_as(cf_cn, "alice", pem_bob) == 0,
	   "cn mapping: cert=bob@example.org is no CN of bob's certificate");
	ok(cert_login_as(cf_cn, "alice", pem_alice) == 0,
	   "cn mapping: CN=alice does not reach alice, whose cert= names another");
	ok(cert_login_as(cf_cn, "bob", pem_bob) == 1, "cn mapping: bob, without cert=, by his CN");
}

/* FTPSD_PROXY_PROTOCOL: the network process's FM_PROXY, first and once. */
static void proxy_req(uint8_t family, const void *addr, uint32_t len, uint32_t port)
{
	begin(FM_PROXY);
	wire_put_u8(&rw, family);
	wire_put_string(&rw, addr, len);
	wire_put_u32(&rw, port);
}

static void test_proxy(void)
{
	/* 16 bytes: it is also sent as an address too long for IPv4 */
	static const unsigned char a4[16] = {192, 0, 2, 7};
	struct conf_value cf_proxy[FC_COUNT];
	struct ftp_monitor m;

	mon_open(&m, cf_pw);
	proxy_req(4, a4, 4, 1234);
	ok(refused(&m, rw.len, "unexpected PROXY address"),
	   "FM_PROXY with the protocol off refused");
	mon_close(&m);
	memcpy(cf_proxy, cf_pw, sizeof cf_proxy);
	cf_proxy[FC_PROXY_PROTOCOL].str = "v1";
	mon_open(&m, cf_proxy);
	begin(FM_PASSWORD);
	wire_put_cstring(&rw, "alice");
	wire_put_string(&rw, "secret", 6);
	ok(refused(&m, rw.len, "request before the PROXY address"),
	   "a password before the client's address refused");
	proxy_req(4, a4, 16, 1234);
	ok(refused(&m, rw.len, "malformed PROXY address"), "family 4 with 16 bytes refused");
	proxy_req(0, "", 0, 21);
	ok(refused(&m, rw.len, "malformed PROXY address"), "family 0 with a port refused");
	proxy_req(4, a4, 4, 1234);
	ok(send_rec(&m) == 1 && m.proxied && !strcmp(m.client.text, "192.0.2.7:1234") &&
	       nothing_waits(),
	   "the client's address taken, nothing answered");
	ok(refused(&m, rw.len, "unexpected PROXY address"), "a second FM_PROXY refused");
	mon_close(&m);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(text, f) >= 0;
	if (f && fclose(f)) ok = 0;
	return ok;
}

/* The monitor's own check of a certificate login uses the CRLs the
 * handshake uses: FTPSD_TLS_CRL_DIR as well as FTPSD_TLS_CRL_FILE (it used
 * to read the file only, so a certificate revoked through the directory
 * passed it). */
static void test_cert_crl(void)
{
	char ca[SLUICE_MAX_PATH], dir[SLUICE_MAX_PATH], file[SLUICE_MAX_PATH];
	char hashed[SLUICE_MAX_PATH + 16];
	struct conf_value c[FC_COUNT];
	char subject[256];
	const unsigned char *pem = (const unsigned char *)pem_crl_alice;
	size_t len = strlen(pem_crl_alice);

	snprintf(ca, sizeof ca, "%s/crl-ca.pem", tmpdir);
	snprintf(dir, sizeof dir, "%s/crls", tmpdir);
	snprintf(file, sizeof file, "%s/crl.pem", tmpdir);
	snprintf(hashed, sizeof hashed, "%s/%s.r0", dir, PEM_CRL_HASH);
	if (!write_text(ca, pem_crl_ca) || mkdir(dir, 0755) || !write_text(hashed, pem_crl) ||
	    !write_text(file, pem_crl)) {
		ok(0, "CRL fixtures written");
		return;
	}
	memcpy(c, cf_email, sizeof c);
	c[FC_TLS_USER_DOMAIN].str = "example.org";
	c[FC_TLS_CA_FILE].str = ca;
	c[FC_TLS_CA_DIR].str = "";
	c[FC_TLS_CRL_FILE].str = "";
	c[FC_TLS_CRL_DIR].str = "";
	ok(ftp_cert_names(c, pem, len, "alice", NULL, subject, sizeof subject),
	   "no CRL: alice@example.org's certificate names alice");
	c[FC_TLS_CRL_DIR].str = dir;
	errno = 0;
	ok(!ftp_cert_names(c, pem, len, "alice", NULL, subject, sizeof subject) && errno == EACCES,
	   "revoked in FTPSD_TLS_CRL_DIR: refused (the chain does not verify)");
	c[FC_TLS_CRL_DIR].str = "";
	c[FC_TLS_CRL_FILE].str = file;
	errno = 0;
	ok(!ftp_cert_names(c, pem, len, "alice", NULL, subject, sizeof subject) && errno == EACCES,
	   "revoked in FTPSD_TLS_CRL_FILE: refused");
	c[FC_TLS_CRL_FILE].str = "";
	c[FC_TLS_CRL_DIR].str = tmpdir; /* no hashed CRL in it: every CA needs one */
	errno = 0;
	ok(!ftp_cert_names(c, pem, len, "alice", NULL, subject, sizeof subject),
	   "a CRL directory without a CRL for the CA: refused");
}

int main(void)
{
	tap_logs_aside();
	setup();
	test_framing();
	test_password();
	test_handover();
	test_cert();
	test_cert_item();
	test_cert_crl();
	test_proxy();
	tap_rm_tree(tmpdir);
	return tap_done();
}
