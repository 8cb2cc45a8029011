#!/bin/sh
# ftpsd_policy.sh: the users file's per-account policy in ftpsd, with
# Python ftplib over TLS (ftpsd_policy.py prints TAP): ro, wo, deny=,
# maxsize=, mode=, umask=, from=, auth= and tls=required; each refusal is a 550
# (530 for logins) and leaves the account's files as they were on disk.
. "$(dirname "$0")/ftpsd_lib.sh"
need python3 || { echo "1..0 # SKIP python3 missing"; exit 0; }
# add NAME POLICY: an account with the test password and its own home
add() {
	mkdir -p "$T/home/$1/sub"
	echo "keep me" >"$T/home/$1/keep"
	[ "$(id -u)" = 0 ] && chown -R "$TUID:$TGID" "$T/home/$1"
	echo "$1:$HASH:$TUID:$TGID:$T/home/$1${2:+:$2}" >>"$T/users"
}
add plain ""
add ro ro
add wo wo
add dn 'deny="remove,rename,mkdir,rmdir,setstat"'
add mx 'maxsize=100K'
add md 'mode=0604'
add um 'umask=077'
add f1 'from=127.0.0.0/8'
add f2 'from="10.0.0.0/8,::1"'
add tr 'tls=required'
add to 'tls=optional'
add ak 'auth=publickey'
add ap 'auth="publickey password"'
P_MAIN=$(free_port); start_server "$P_MAIN" FTPSD_TLS_REQUIRED=off
P_PERUSER=$(free_port); start_server "$P_PERUSER" FTPSD_TLS_REQUIRED=on FTPSD_TLS_ALLOW_PER_USER=yes
P_STRICT=$(free_port); start_server "$P_STRICT" FTPSD_TLS_REQUIRED=on
export P_MAIN P_PERUSER P_STRICT T USER_PASS PASV
python3 "$(dirname "$0")/ftpsd_policy.py"
