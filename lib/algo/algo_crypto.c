/* algo_crypto: libcrypto's process-wide settings, for sftpd.  OpenSSL 3
 * reads its system configuration (openssl.cnf) on the first fetch of an
 * algorithm; sftpd's algorithms are its own configuration, so that file is
 * never read, and nothing of libcrypto's runs at exit. */
#include <openssl/crypto.h>
#include "algo.h"

int algo_crypto_own_config(void)
{
	return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, 0) == 1;
}
