/* fuzz_ftp_tlsfiles: what ftpsd reads at start for TLS and passive mode:
 * the encrypted-key detector and the CRL PEM check on the whole input, the
 * hashed CRL name and FTPSD_PASV_ADDRESS parsers on it as a string. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../ftpsd/parse.h"
#include "../../ftpsd/tlsfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned count, expired;
	ftp_pem_key_encrypted((const char *)data, size);
	ftp_crl_pem_check(data, size, (time_t)1800000000, &count, &expired);
	char s[512];
	if (size >= sizeof s) return 0;
	memcpy(s, data, size);
	s[size] = 0;
	uint8_t ip[4];
	ftp_crl_name_hashed(s);
	ftp_parse_pasv_address(s, ip);
	return 0;
}
