/* config: the table of every SFTPD_* variable: type, default, range, doc. */
#include "config.h"
#include "login/login.h"
#include "login/login_pam.h"
#include "client_match.h"
#include "authmethods.h"
#include "ssh/algorithms.h"
#include "ssh/ssh.h"

#define KEX_ALL SSH_KEX_NAMES
#define CIPHERS_ALL SSH_CIPHER_NAMES
#define MACS_ALL SSH_MAC_NAMES

const struct conf_var sftpd_conf_table[CF_COUNT] = {
    [CF_HOST_KEYS] = {"SFTPD_HOST_KEYS", CONF_STRING, "/etc/sluice/ssh_host_ed25519_key", 0, 0, 0,
		      "comma-separated host private key files (OpenSSH format, unencrypted)"},
    [CF_USERS_FILE] = {"SFTPD_USERS_FILE", CONF_PATH, "", 0, 0, 0,
		       "sluice users file; empty: system accounts (passwd/shadow)"},
    [CF_AUTH_METHODS] =
	{"SFTPD_AUTH_METHODS", CONF_CHECKED, AUTHMETHODS_DEFAULT, 0, 0, AUTHMETHODS_ACCEPTED,
	 "authentication methods, as OpenSSH's AuthenticationMethods: a client must "
	 "complete one of the lists",
	 authmethods_check},
    [CF_AUTHORIZED_KEYS] = {"SFTPD_AUTHORIZED_KEYS", CONF_PATH, "~/.ssh/authorized_keys", 0, 0, 0,
			    "authorized keys file; ~ is the account's home, %u the user name"},
    [CF_ROOT] = {"SFTPD_ROOT", CONF_PATH, "", 0, 0, 0,
		 "directory each account is confined to (%u: user name, ~ or %h: home, %%: %); "
		 "empty: the account's home; the session starts in the home when it lies inside"},
    [CF_BANNER] = {"SFTPD_BANNER", CONF_PATH, "", 0, 0, 0,
		   "file sent to the client before authentication; empty: none"},
    [CF_MAX_AUTH_TRIES] = {"SFTPD_MAX_AUTH_TRIES", CONF_UINT, "6", 1, 100, 0,
			   "failed authentication attempts before disconnect"},
    [CF_LOGIN_GRACE_TIME] = {"SFTPD_LOGIN_GRACE_TIME", CONF_SECONDS, "60", 1, 3600, 0,
			     "seconds allowed from connect to successful authentication"},
    [CF_AUTH_FAIL_DELAY_MS] =
	{"SFTPD_AUTH_FAIL_DELAY_MS", CONF_UINT, "500", 0, 10000, 0,
	 "milliseconds a failed password, keyboard-interactive answer or key "
	 "signature lasts at least, counted from the attempt's start, so that "
	 "an unknown name, a refused account and a wrong password take the same "
	 "time whatever their checks cost (longer work doubles it); 0: no delay"},
    [CF_MAX_SESSIONS] = {"SFTPD_MAX_SESSIONS", CONF_UINT, "10", 1, 100, 0,
			 "session channels open at once per connection"},
    [CF_KEX] =
	{"SFTPD_KEX", CONF_LIST, SSH_KEX_DEFAULT_NAMES, 0, 0, KEX_ALL,
	 "key exchange algorithms, in order of preference (the NIST curves only when named)"},
    [CF_MODULI] = {"SFTPD_MODULI", CONF_PATH, "/etc/ssh/moduli", 0, 0, 0,
		   "safe primes for diffie-hellman-group-exchange-sha256 (OpenSSH moduli format), "
		   "read at start; the default missing: the RFC 3526 groups"},
    [CF_CIPHERS] = {"SFTPD_CIPHERS", CONF_LIST, CIPHERS_ALL, 0, 0, CIPHERS_ALL,
		    "ciphers, in order of preference"},
    [CF_MACS] = {"SFTPD_MACS", CONF_LIST, MACS_ALL, 0, 0, MACS_ALL,
		 "MACs for non-AEAD ciphers, in order of preference"},
    [CF_COMPRESSION] =
	{"SFTPD_COMPRESSION", CONF_LIST, SSH_COMPRESSION_NAMES, 0, 0, SSH_COMPRESSION_NAMES,
	 "compression, in order of preference; zlib@openssh.com starts after authentication "
	 "(plain zlib is not offered)"},
    [CF_REKEY_BYTES] =
	{"SFTPD_REKEY_BYTES", CONF_BYTES, "1G", 1u << 20, 1ull << 40, 0,
	 "bytes in either direction after which the server starts a new key exchange"},
    [CF_REKEY_TIME] = {"SFTPD_REKEY_TIME", CONF_SECONDS, "3600", 0, 86400 * 7, 0,
		       "seconds after which the server starts a new key exchange; 0: never"},
    [CF_IDLE_TIMEOUT] = {"SFTPD_IDLE_TIMEOUT", CONF_SECONDS, "0", 0, 86400 * 7, 0,
			 "seconds without any client traffic before disconnect; 0: never"},
    [CF_UMASK] = {"SFTPD_UMASK", CONF_OCTAL, "022", 0, 0777, 0,
		  "umask for created files and directories"},
    [CF_READ_ONLY] = {"SFTPD_READ_ONLY", CONF_BOOL, "no", 0, 1, 0,
		      "refuse every request that would change the filesystem"},
    [CF_MAX_HANDLES] = {"SFTPD_MAX_HANDLES", CONF_UINT, "256", 1, 4096, 0,
			"open SFTP file and directory handles per session"},
    [CF_SCP] = {"SFTPD_SCP", CONF_BOOL, "yes", 0, 1, 0,
		"serve legacy scp (the exec requests scp -t and scp -f, for scp -O, OpenSSH before "
		"9.0, pscp -scp); no: refused"},
    [CF_HASH_COMMANDS] = {"SFTPD_HASH_COMMANDS", CONF_BOOL, "yes", 0, 1, 0,
			  "answer the exec requests md5sum, sha1sum and sha256sum (rclone's "
			  "checks) with digests sftpd computes itself; no: refused"},
    [CF_CLIENT_MATCH] = {"SFTPD_CLIENT_MATCH", CONF_CHECKED, "", 0, 0,
			 "rules PATTERN: ITEMS separated by ;",
			 "per-client tuning: for the first rule whose glob pattern matches the "
			 "client's version (after SSH-2.0-), the items window=BYTES, packet=BYTES, "
			 "disable=ALG,... and sftp=N (the highest SFTP version offered, 3 to 6)",
			 client_match_check},
    [CF_ALLOW_USERS] = {"SFTPD_ALLOW_USERS", CONF_STRING, "", 0, 0, 0,
			"glob patterns (comma- or space-separated) of the only user names that "
			"may log in; empty: any"},
    [CF_DENY_USERS] = {"SFTPD_DENY_USERS", CONF_STRING, "", 0, 0, 0,
		       "glob patterns of user names that may not log in (checked first)"},
    [CF_ALLOW_GROUPS] = {"SFTPD_ALLOW_GROUPS", CONF_STRING, "", 0, 0, 0,
			 "glob patterns of groups (the account's own or, for system accounts, "
			 "a supplementary one) of which a user must be in one; empty: any"},
    [CF_DENY_GROUPS] = {"SFTPD_DENY_GROUPS", CONF_STRING, "", 0, 0, 0,
			"glob patterns of groups whose members may not log in"},
    [CF_GROUP_POLICY] = {"SFTPD_GROUP_POLICY", CONF_CHECKED, "", 0, 0,
			 "rules GROUP:POLICY separated by ;",
			 "per-group policy for accounts without one of their own: the first rule "
			 "whose group (a glob) is one of the account's gives it, in the users "
			 "file's policy syntax (e.g. sftponly:root=/srv/sftp/%u,umask=027)",
			 login_group_policy_check},
    [CF_PAM_SERVICE] = {"SFTPD_PAM_SERVICE", CONF_CHECKED, "", 0, 0, "a PAM service name",
			"PAM service (a file in /etc/pam.d) that checks passwords, asks its "
			"questions through keyboard-interactive, and manages accounts and "
			"sessions of system accounts (needs SFTPD_USERS_FILE empty); empty: no "
			"PAM",
			login_pam_service_check},
    [CF_RATE_LIMIT] = {"SFTPD_RATE_LIMIT", CONF_BYTES, "0", 0, 1ull << 40, 0,
		       "bytes per second a session's channel data may move in each direction "
		       "(uploads, downloads), with K M G; 0: no limit"},
    [CF_LOG_LEVEL] = {"SFTPD_LOG_LEVEL", CONF_ENUM, "info", 0, 0, "info,debug", "log verbosity"},
    [CF_PRIVSEP_USER] = {"SFTPD_PRIVSEP_USER", CONF_STRING, "sluice", 0, 0, 0,
			 "unprivileged account of the pre-authentication process and the signer "
			 "(when started as root)"},
    [CF_PRIVSEP_DIR] = {"SFTPD_PRIVSEP_DIR", CONF_PATH, "/run/sluice/empty", 0, 0, 0,
			"empty root-owned directory they are chrooted to (created mode 0555 if "
			"missing)"},
    [CF_PROXY_PROTOCOL] = {"SFTPD_PROXY_PROTOCOL", CONF_ENUM, "off", 0, 0, "off,v1,v2,any",
			   "PROXY protocol header expected before the SSH version line (HAProxy "
			   "send-proxy, send-proxy-v2); any: either version"},
    [CF_PROXY_TRUSTED] =
	{"SFTPD_PROXY_TRUSTED", CONF_STRING, "", 0, 0, 0,
	 "comma-separated addresses or prefixes (192.0.2.0/24, ::1) of the proxies "
	 "allowed to send it; required with SFTPD_PROXY_PROTOCOL"},
    [CF_MAX_UPLOAD_BYTES] = {"SFTPD_MAX_UPLOAD_BYTES", CONF_BYTES, "0", 0, 1ull << 50, 0,
			     "largest size a file may reach through the session (the kernel's "
			     "RLIMIT_FSIZE); 0: no limit"},
    [CF_CLIENT_ALIVE] = {"SFTPD_CLIENT_ALIVE", CONF_STRING, "0", 0, 0, 0,
			 "SECONDS[,COUNT]: after SECONDS without a packet from the client, a "
			 "keepalive@openssh.com probe; disconnect when COUNT (default 3) go "
			 "unanswered; 0: never"},
    [CF_STRICT_MODES] = {"SFTPD_STRICT_MODES", CONF_BOOL, "yes", 0, 1, 0,
			 "refuse an authorized keys file behind a symbolic link, or that it or a "
			 "directory above it is owned by another user or writable by group or "
			 "others (OpenSSH's StrictModes); as root, an account root whose "
			 "directories above are not all root's and writable by no one else"},
};
