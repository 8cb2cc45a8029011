/* config: the SFTPD_* variables, in one table that feeds conf_load, -t and
 * the man page. */
#ifndef SFTPD_CONFIG_H
#define SFTPD_CONFIG_H

#include "conf/conf.h"

enum sftpd_setting {
	CF_HOST_KEYS,
	CF_USERS_FILE,
	CF_AUTH_METHODS,
	CF_AUTHORIZED_KEYS,
	CF_ROOT,
	CF_BANNER,
	CF_MAX_AUTH_TRIES,
	CF_LOGIN_GRACE_TIME,
	CF_AUTH_FAIL_DELAY_MS,
	CF_MAX_SESSIONS,
	CF_KEX,
	CF_CIPHERS,
	CF_MACS,
	CF_COMPRESSION,
	CF_REKEY_BYTES,
	CF_REKEY_TIME,
	CF_IDLE_TIMEOUT,
	CF_UMASK,
	CF_READ_ONLY,
	CF_MAX_HANDLES,
	CF_LOG_LEVEL,
	CF_PRIVSEP_USER,
	CF_PRIVSEP_DIR,
	CF_PROXY_PROTOCOL,
	CF_PROXY_TRUSTED,
	CF_MAX_UPLOAD_BYTES,
	CF_COUNT
};

extern const struct conf_var sftpd_conf_table[CF_COUNT];

#endif
