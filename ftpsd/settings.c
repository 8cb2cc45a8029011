/* settings: the checks at start that need more than the text of a value:
 * the passive addresses (a host name is resolved once here, as vsftpd's
 * pasv_addr_resolve does, so no process resolves after it is confined),
 * the TLS private key (refused when encrypted) and the CRLs of
 * FTPSD_TLS_CRL_DIR (read whole, handed to libtls at TLS set-up). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ftpsd.h"
#include "log/log.h"

static int pasv_resolve(const char *var, const char *value, uint8_t ip[4], char *err, size_t errlen)
{
	if (!*value) return 1;
	int kind = ftp_parse_pasv_address(value, ip);
	if (kind == 1) return 1;
	if (kind == 0) {
		snprintf(err, errlen, "%s=%s: expected an IPv4 address or a host name", var, value);
		return 0;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int r = getaddrinfo(value, NULL, &hints, &res);
	if (r || !res) {
		snprintf(err, errlen, "%s=%s: the name does not resolve to an IPv4 address: %s",
			 var, value, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		if (res) freeaddrinfo(res);
		return 0;
	}
	unsigned n = 0;
	for (const struct addrinfo *a = res; a; a = a->ai_next)
		n++;
	memcpy(ip, &((const struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
	freeaddrinfo(res);
	char text[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, ip, text, sizeof text);
	if (n > 1)
		log_info("%s %s resolves to %s (the first of %u addresses)", var, value, text, n);
	else
		log_info("%s %s resolves to %s", var, value, text);
	return 1;
}

void ftp_pasv_resolved(const struct ftp_session *s, const char *value, uint8_t ip[4])
{
	/* the same text in both resolves alike: either copy will do */
	int tls = !strcmp(value, s->cf[FC_TLS_PASV_ADDRESS].str);
	memcpy(ip, tls ? s->tls_pasv_ip : s->pasv_ip, 4);
}

static int tls_files(struct ftp_session *s, char *err, size_t errlen)
{
	const struct conf_value *v = s->cf;
	if (!ftp_tls_key_check(v[FC_TLS_KEY].str, err, errlen)) return 0;
	if (!strcmp(v[FC_TLS_VERIFY_CLIENT].str, "off") || !*v[FC_TLS_CRL_DIR].str) return 1;
	ftp_tls_openssl_conf(s); /* parsing the CRLs is the first use of OpenSSL */
	if (!ftp_crl_load(v[FC_TLS_CRL_FILE].str, v[FC_TLS_CRL_DIR].str, &s->crl, err, errlen))
		return 0;
	log_debug("%u CRLs from %u files (FTPSD_TLS_CRL_FILE, FTPSD_TLS_CRL_DIR)", s->crl.crls,
		  s->crl.files);
	if (s->crl.expired)
		log_warn("%u of the %u CRLs in FTPSD_TLS_CRL_FILE and FTPSD_TLS_CRL_DIR are past "
			 "their next update: every certificate they cover is refused",
			 s->crl.expired, s->crl.crls);
	return 1;
}

int ftp_settings_resolve(struct ftp_session *s, char *err, size_t errlen)
{
	const struct conf_value *v = s->cf;
	return pasv_resolve("FTPSD_PASV_ADDRESS", v[FC_PASV_ADDRESS].str, s->pasv_ip, err,
			    errlen) &&
	       pasv_resolve("FTPSD_TLS_PASV_ADDRESS", v[FC_TLS_PASV_ADDRESS].str, s->tls_pasv_ip,
			    err, errlen) &&
	       tls_files(s, err, errlen);
}
