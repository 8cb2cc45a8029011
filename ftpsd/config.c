/* config: the table of every FTPSD_* variable: type, default, range, doc.
 * conf_load validates the environment against it; -t prints it with
 * conf_print and -M turns it into the man page list. */
#include "config.h"
#include "login/login.h"
#include "login/login_pam.h"

#define TLS_POLICIES "off,on,ctrl,data,auth,auth+data,!data,ctrl+!data,auth+!data,ctrl+data"

const struct conf_var ftpsd_conf_table[FC_COUNT] = {
    [FC_USERS_FILE] = {"FTPSD_USERS_FILE", CONF_PATH, "", 0, 0, 0,
		       "sluice users file; empty: system accounts (passwd/shadow)"},
    [FC_ROOT] = {"FTPSD_ROOT", CONF_PATH, "", 0, 0, 0,
		 "directory each account is confined to (%u: user name, ~ or %h: home, %%: %); "
		 "empty: the account's home; the session starts in the home when it lies inside"},
    [FC_READ_ONLY] = {"FTPSD_READ_ONLY", CONF_BOOL, "no", 0, 1, 0,
		      "refuse every command that would change the filesystem"},
    [FC_UMASK] = {"FTPSD_UMASK", CONF_OCTAL, "022", 0, 0777, 0,
		  "umask for created files and directories"},
    [FC_ANONYMOUS] = {"FTPSD_ANONYMOUS", CONF_BOOL, "no", 0, 1, 0,
		      "allow read-only anonymous login (users anonymous and ftp, any password)"},
    [FC_ANON_ROOT] = {"FTPSD_ANON_ROOT", CONF_PATH, "", 0, 0, 0,
		      "directory served to anonymous users; required when FTPSD_ANONYMOUS=yes"},
    [FC_BANNER] = {"FTPSD_BANNER", CONF_STRING, "sluice ftpsd ready", 0, 0, 0,
		   "text of the 220 greeting"},
    [FC_TLS_CERT] = {"FTPSD_TLS_CERT", CONF_PATH, "/etc/sluice/ftpsd.crt", 0, 0, 0,
		     "server certificate chain (PEM)"},
    [FC_TLS_KEY] = {"FTPSD_TLS_KEY", CONF_PATH, "/etc/sluice/ftpsd.key", 0, 0, 0,
		    "server private key (PEM, unencrypted)"},
    [FC_TLS_PROTOCOLS] = {"FTPSD_TLS_PROTOCOLS", CONF_STRING, "tlsv1.2,tlsv1.3", 0, 0, 0,
			  "TLS versions, as tls_config_parse_protocols(3) accepts"},
    [FC_TLS_CIPHERS] =
	{"FTPSD_TLS_CIPHERS", CONF_STRING, "ECDHE+AESGCM:ECDHE+CHACHA20", 0, 0, 0,
	 "TLS 1.2 cipher list, as tls_config_set_ciphers(3); server preference is used; the "
	 "default is AEAD with ECDHE only (libtls' secure also allows CBC suites, open to "
	 "LUCKY13)"},
    [FC_TLS_ECDHE_CURVES] = {"FTPSD_TLS_ECDHE_CURVES", CONF_STRING, "default", 0, 0, 0,
			     "ECDHE groups, as tls_config_set_ecdhecurves(3)"},
    [FC_TLS_DHE_PARAMS] = {"FTPSD_TLS_DHE_PARAMS", CONF_ENUM, "none", 0, 0, "none,auto,legacy",
			   "finite-field DHE parameters, as tls_config_set_dheparams(3)"},
    [FC_TLS_OCSP_STAPLE] = {"FTPSD_TLS_OCSP_STAPLE", CONF_PATH, "", 0, 0, 0,
			    "DER OCSP response stapled to the handshake; empty: none"},
    [FC_TLS_SESSION_LIFETIME] =
	{"FTPSD_TLS_SESSION_LIFETIME", CONF_SECONDS, "0", 0, 86400, 0,
	 "TLS session ticket lifetime (4..86400) so data connections can resume "
	 "the control session; 0: no tickets"},
    [FC_TLS_REQUIRED] =
	{"FTPSD_TLS_REQUIRED", CONF_ENUM, "on", 0, 0, TLS_POLICIES,
	 "TLS policy as mod_tls TLSRequired: ctrl/auth = control channel (auth: only for "
	 "login), data = PROT P, !data = PROT P refused, on = ctrl+data"},
    [FC_TLS_ALLOW_PER_USER] =
	{"FTPSD_TLS_ALLOW_PER_USER", CONF_BOOL, "no", 0, 1, 0,
	 "honour the users file's tls=optional (an account exempt from FTPSD_TLS_REQUIRED, as "
	 "mod_tls AllowPerUser): USER and PASS are then taken on a clear control channel and "
	 "the requirement is checked after the password, which has travelled in clear"},
    [FC_TLS_REQUIRE_REUSE] =
	{"FTPSD_TLS_REQUIRE_REUSE", CONF_BOOL, "yes", 0, 1, 0,
	 "protected data connections must resume the control session (enforced "
	 "only when the linked libtls can resume; see -t)"},
    [FC_TLS_VERIFY_CLIENT] = {"FTPSD_TLS_VERIFY_CLIENT", CONF_ENUM, "off", 0, 0,
			      "off,optional,required", "ask for and verify a client certificate"},
    [FC_TLS_CA_FILE] = {"FTPSD_TLS_CA_FILE", CONF_PATH, "", 0, 0, 0,
			"CA certificates (PEM) for client certificates"},
    [FC_TLS_CA_DIR] = {"FTPSD_TLS_CA_DIR", CONF_PATH, "", 0, 0, 0,
		       "directory of hashed CA certificates for client certificates"},
    [FC_TLS_CRL_FILE] = {"FTPSD_TLS_CRL_FILE", CONF_PATH, "", 0, 0, 0,
			 "certificate revocation lists (PEM) for client certificates"},
    [FC_TLS_CRL_DIR] =
	{"FTPSD_TLS_CRL_DIR", CONF_PATH, "", 0, 0, 0,
	 "directory of hashed CRLs (HASH.rN, openssl rehash) for client certificates, "
	 "read at start with FTPSD_TLS_CRL_FILE; every CA of a chain then needs a CRL"},
    [FC_TLS_VERIFY_DEPTH] = {"FTPSD_TLS_VERIFY_DEPTH", CONF_UINT, "9", 0, 100, 0,
			     "most CA certificates between a client certificate and the trusted "
			     "CA (as mod_tls TLSVerifyDepth)"},
    [FC_TLS_USER_FROM_CERT] =
	{"FTPSD_TLS_USER_FROM_CERT", CONF_ENUM, "off", 0, 0, "off,cn,email",
	 "log in without a password as the account USER names when the verified client "
	 "certificate names it: by the account's cert= item (the whole CN, or the whole "
	 "address of one of its e-mail subjectAltNames), else by its CN, or the part "
	 "before @ of its first e-mail subjectAltName in FTPSD_TLS_USER_DOMAIN (needs "
	 "FTPSD_TLS_VERIFY_CLIENT)"},
    [FC_TLS_USER_DOMAIN] = {"FTPSD_TLS_USER_DOMAIN", CONF_STRING, "", 0, 0, 0,
			    "with FTPSD_TLS_USER_FROM_CERT=email, the one mail domain whose "
			    "addresses map to the accounts without cert= (alice@DOMAIN is "
			    "alice; other domains map to no one); empty: only accounts with "
			    "cert= log in by certificate"},
    [FC_IMPLICIT_TLS] = {"FTPSD_IMPLICIT_TLS", CONF_BOOL, "no", 0, 1, 0,
			 "TLS from the first byte (port 990 style) instead of AUTH TLS"},
    [FC_ALLOW_CCC] = {"FTPSD_ALLOW_CCC", CONF_BOOL, "no", 0, 1, 0,
		      "allow CCC (clear the control channel after login)"},
    [FC_PASV_PORTS] = {"FTPSD_PASV_PORTS", CONF_STRING, "", 0, 0, 0,
		       "passive port range lo-hi (1024..65535); empty: any port the kernel picks"},
    [FC_PASV_ADDRESS] = {"FTPSD_PASV_ADDRESS", CONF_STRING, "", 0, 0, 0,
			 "IPv4 address or host name (resolved at start, IPv4) announced in PASV "
			 "replies (NAT); empty: the local address"},
    [FC_TLS_PASV_ADDRESS] = {"FTPSD_TLS_PASV_ADDRESS", CONF_STRING, "", 0, 0, 0,
			     "IPv4 address or host name announced in PASV replies when the control "
			     "channel is protected; empty: FTPSD_PASV_ADDRESS"},
    [FC_ALLOW_ACTIVE] = {"FTPSD_ALLOW_ACTIVE", CONF_BOOL, "yes", 0, 1, 0,
			 "allow PORT/EPRT (only to the client's own address, port >= 1024)"},
    [FC_MAX_LOGIN_ATTEMPTS] = {"FTPSD_MAX_LOGIN_ATTEMPTS", CONF_UINT, "3", 1, 100, 0,
			       "failed logins before the connection is closed"},
    [FC_LOGIN_FAIL_DELAY_MS] =
	{"FTPSD_LOGIN_FAIL_DELAY_MS", CONF_UINT, "1000", 0, 10000, 0,
	 "milliseconds a failed login (PASS) lasts at least, counted from "
	 "the attempt's start, so that an unknown name, a refused account and "
	 "a wrong password take the same time whatever their checks cost "
	 "(longer work doubles it); 0: no delay"},
    [FC_LOGIN_TIMEOUT] = {"FTPSD_LOGIN_TIMEOUT", CONF_SECONDS, "60", 1, 3600, 0,
			  "seconds allowed from connect to successful login"},
    [FC_IDLE_TIMEOUT] = {"FTPSD_IDLE_TIMEOUT", CONF_SECONDS, "300", 1, 86400, 0,
			 "seconds without a command (outside transfers) before disconnect"},
    [FC_STALL_TIMEOUT] = {"FTPSD_STALL_TIMEOUT", CONF_SECONDS, "60", 1, 86400, 0,
			  "seconds a transfer may make no progress before it is aborted"},
    [FC_DATA_TIMEOUT] = {"FTPSD_DATA_TIMEOUT", CONF_SECONDS, "30", 1, 3600, 0,
			 "seconds to wait for a data connection to be established"},
    [FC_MAX_UPLOAD_BYTES] = {"FTPSD_MAX_UPLOAD_BYTES", CONF_BYTES, "0", 0, 1ull << 50, 0,
			     "largest file size an upload may reach; 0: no limit"},
    [FC_PROXY_PROTOCOL] =
	{"FTPSD_PROXY_PROTOCOL", CONF_ENUM, "off", 0, 0, "off,v1,v2,any",
	 "PROXY protocol header expected before the greeting or the implicit "
	 "TLS handshake (HAProxy send-proxy, send-proxy-v2); any: either version"},
    [FC_PROXY_TRUSTED] = {"FTPSD_PROXY_TRUSTED", CONF_STRING, "", 0, 0, 0,
			  "comma-separated addresses or prefixes (192.0.2.0/24, ::1) of the "
			  "proxies allowed to send it; required with FTPSD_PROXY_PROTOCOL"},
    [FC_ALLOW_USERS] = {"FTPSD_ALLOW_USERS", CONF_STRING, "", 0, 0, 0,
			"glob patterns (comma- or space-separated) of the only user names that "
			"may log in; empty: any"},
    [FC_DENY_USERS] = {"FTPSD_DENY_USERS", CONF_STRING, "", 0, 0, 0,
		       "glob patterns of user names that may not log in (checked first)"},
    [FC_ALLOW_GROUPS] = {"FTPSD_ALLOW_GROUPS", CONF_STRING, "", 0, 0, 0,
			 "glob patterns of groups (the account's own or, for system accounts, "
			 "a supplementary one) of which a user must be in one; empty: any"},
    [FC_DENY_GROUPS] = {"FTPSD_DENY_GROUPS", CONF_STRING, "", 0, 0, 0,
			"glob patterns of groups whose members may not log in"},
    [FC_GROUP_POLICY] = {"FTPSD_GROUP_POLICY", CONF_CHECKED, "", 0, 0,
			 "rules GROUP:POLICY separated by ;",
			 "per-group policy for accounts without one of their own: the first rule "
			 "whose group (a glob) is one of the account's gives it, in the users "
			 "file's policy syntax (e.g. partners:wo,maxsize=1G)",
			 login_group_policy_check},
    [FC_PAM_SERVICE] = {"FTPSD_PAM_SERVICE", CONF_CHECKED, "", 0, 0, "a PAM service name",
			"PAM service (a file in /etc/pam.d) that checks passwords and manages "
			"accounts and sessions of system accounts (needs FTPSD_USERS_FILE empty); "
			"empty: no PAM",
			login_pam_service_check},
    [FC_STRICT_MODES] = {"FTPSD_STRICT_MODES", CONF_BOOL, "yes", 0, 1, 0,
			 "as root, refuse an account root when a directory above it is not "
			 "root's, is writable by group or others, or is a symbolic link"},
    [FC_XFERLOG] = {"FTPSD_XFERLOG", CONF_PATH, "", 0, 0, 0,
		    "file that gets one xferlog(5) line per file transfer (appended; opened "
		    "before the session is confined); empty: none (the log has every transfer "
		    "anyway)"},
    [FC_MODE_Z] =
	{"FTPSD_MODE_Z", CONF_BOOL, "no", 0, 1, 0,
	 "offer MODE Z (zlib, level 1); off by default: lftp uses it whenever offered, and "
	 "compression costs far more CPU than TLS"},
    [FC_LOG_LEVEL] = {"FTPSD_LOG_LEVEL", CONF_ENUM, "info", 0, 0, "info,debug", "log verbosity"},
    [FC_PRIVSEP_USER] = {"FTPSD_PRIVSEP_USER", CONF_STRING, "sluice", 0, 0, 0,
			 "unprivileged account of the network process, which owns the control "
			 "connection and parses every command before login (when started as root)"},
    [FC_PRIVSEP_DIR] = {"FTPSD_PRIVSEP_DIR", CONF_PATH, "/run/sluice/empty", 0, 0, 0,
			"empty root-owned directory the network process is chrooted to (created "
			"mode 0555 if missing)"},
};
