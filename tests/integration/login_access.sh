#!/bin/bash
# login_access.sh: _ALLOW_USERS, _DENY_USERS, _ALLOW_GROUPS, _DENY_GROUPS
# and shadow's locked and expired accounts, for system accounts made by
# the test (root only; removed at the end), in both servers: paramiko
# logs in to sftpd with the account's password, Python's ftplib to ftpsd.
# A user in an allowed group (its own, or a supplementary one) gets in; a
# denied user or group, a user outside the allow lists, a locked account
# and an expired one are refused with the same answer as a wrong password.
# Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
[ -x "$SFTPD" ] && [ -x "$FTPSD" ] || t_skip_all "sftpd/ftpsd are not built"
[ "$(id -u)" = 0 ] || t_skip_all "not root: the test makes system accounts"
for c in useradd usermod userdel groupadd groupdel chpasswd ssh-keygen openssl python3; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: passwd, openssh-client, openssl)"
done
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || t_skip_all "python3-paramiko is not installed"

t_tmpdir
T=$T_TMP
PW='pw-Access-1!'
P=sluicet$$
U1=${P}a U2=${P}b U3=${P}c U4=${P}d GA=${P}ga GB=${P}gb
cleanup_accounts() {
	for u in "$U1" "$U2" "$U3" "$U4"; do userdel "$u" 2>/dev/null; done
	for g in "$GA" "$GB"; do groupdel "$g" 2>/dev/null; done
}
trap 'cleanup_accounts; t_cleanup' EXIT
groupadd "$GA" && groupadd "$GB" || t_bail "groupadd failed"
useradd -M -d /nonexistent -s /usr/sbin/nologin -g "$GA" "$U1" &&
	useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$GB" "$U2" &&
	useradd -M -d /nonexistent -s /usr/sbin/nologin "$U3" &&
	useradd -M -d /nonexistent -s /usr/sbin/nologin "$U4" || t_bail "useradd failed"
for u in "$U1" "$U2" "$U3" "$U4"; do printf '%s:%s\n' "$u" "$PW"; done | chpasswd ||
	t_bail "chpasswd failed"
usermod -L "$U3" && usermod -e 1 "$U4" || t_bail "usermod failed"

mkdir -p "$T/keys" "$T/root"
chmod 755 "$T/root"
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_privsep_env "$SFTPD"
# srv VAR=value...: the ProxyCommand of an sftpd with system accounts
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE= ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk"
	printf 'SFTPD_ROOT=%q SFTPD_AUTH_FAIL_DELAY_MS=0 "$@" %q 2>>%q\n' "$T/root" "$SFTPD" "$T/sftpd.log"
} >"$T/srv"
chmod 755 "$T/srv"

cat >"$T/sftp_login.py" <<'PY'
import io, sys, paramiko
srv, user, pw = sys.argv[1:4]
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.start_client(timeout=20)
try:
    t.auth_password(user, pw)
    sf = paramiko.SFTPClient.from_transport(t)
    if len(sys.argv) > 4:  # also try an upload: "in" or "in, no upload"
        try:
            sf.putfo(io.BytesIO(b"data"), "up-" + user)
            print("in, uploaded")
        except IOError:
            print("in, no upload")
    else:
        print("in" if sf.listdir(".") is not None else "no sftp")
except paramiko.AuthenticationException:
    print("refused")
t.close()
PY
# sftp_login USER PASSWORD VAR=value...: "in" or "refused"
sftp_login() {
	_u=$1 _p=$2
	shift 2
	timeout 60 "$PY" "$T/sftp_login.py" "$T/srv $*" "$_u" "$_p" 2>&1 | tail -n 1
}
# sftp_upload USER VAR=value...: "in, uploaded", "in, no upload" or "refused"
sftp_upload() {
	_u=$1
	shift
	timeout 60 "$PY" "$T/sftp_login.py" "$T/srv $*" "$_u" "$PW" upload 2>&1 | tail -n 1
}

t_is "$(sftp_login "$U1" "$PW")" in "sftpd: no lists: a plain account logs in"
t_is "$(sftp_login "$U1" wrong)" refused "sftpd: a wrong password is refused"
t_is "$(sftp_login "$U1" "$PW" SFTPD_ALLOW_GROUPS="$GA")" in \
	"sftpd: SFTPD_ALLOW_GROUPS lists the account's own group: in"
t_is "$(sftp_login "$U2" "$PW" SFTPD_ALLOW_GROUPS="'x* $GB'")" in \
	"sftpd: a supplementary group matches SFTPD_ALLOW_GROUPS: in"
t_is "$(sftp_login "$U3" "$PW" SFTPD_ALLOW_GROUPS="$GA")" refused \
	"sftpd: in no allowed group: refused, as a wrong password is"
t_is "$(sftp_login "$U2" "$PW" SFTPD_DENY_GROUPS="$GB")" refused \
	"sftpd: a supplementary group in SFTPD_DENY_GROUPS: refused"
t_is "$(sftp_login "$U1" "$PW" SFTPD_DENY_USERS="'${P}[a-b]'")" refused \
	"sftpd: SFTPD_DENY_USERS pattern: refused"
t_is "$(sftp_login "$U1" "$PW" SFTPD_ALLOW_USERS="'nobody,${P}a'" SFTPD_DENY_GROUPS="$GB")" in \
	"sftpd: in SFTPD_ALLOW_USERS, not in a denied group: in"
t_is "$(sftp_login "$U2" "$PW" SFTPD_ALLOW_USERS="'nobody,${P}a'")" refused \
	"sftpd: not in SFTPD_ALLOW_USERS: refused"
t_is "$(sftp_login "$U3" "$PW")" refused "sftpd: a locked account (usermod -L) is refused"
t_is "$(sftp_login "$U4" "$PW")" refused "sftpd: an expired account (usermod -e 1) is refused"
grep -q "account $U3 refused: the account is locked" "$T/sftpd.log"
t_is "$?" 0 "sftpd: the log says the account is locked"
grep -q "account $U4 refused: the account has expired" "$T/sftpd.log"
t_is "$?" 0 "sftpd: the log says the account has expired"

# per-group policy: for accounts without a policy of their own
chmod 1777 "$T/root"
GP="'$GA:ro;${P}g*:from=10.0.0.0/8'"
t_is "$(sftp_upload "$U1" SFTPD_GROUP_POLICY="$GP")" "in, no upload" \
	"sftpd: SFTPD_GROUP_POLICY gives the group $GA read-only: logs in, cannot upload"
t_is "$(sftp_upload "$U3" SFTPD_GROUP_POLICY="$GP")" refused \
	"sftpd: a locked account stays refused whatever its group's policy"
t_is "$(sftp_upload "$U2" SFTPD_GROUP_POLICY="$GP")" refused \
	"sftpd: its supplementary group's from=10.0.0.0/8 refuses it from 127.0.0.1"
t_is "$(sftp_upload "$U2")" "in, uploaded" "sftpd: without the group policy it uploads"
grep -q "account $U1: the policy of group $GA: ro" "$T/sftpd.log"
t_is "$?" 0 "sftpd: the log names the group whose policy applies"
rc=$(SFTPD_GROUP_POLICY='x:colour=blue' SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t >/dev/null 2>"$T/err"; echo $?)
grep -q 'SFTPD_GROUP_POLICY' "$T/err" && [ "$rc" = 100 ]
t_is "$?" 0 "sftpd -t refuses a group policy with an unknown key, naming the variable"
chmod 755 "$T/root"

# ftpsd with the same accounts, plain FTP on loopback (the lists, not TLS)
t_ftpsd_plain PORT "$T/ftpsd.log" FTPSD_ROOT="$T/root" FTPSD_ALLOW_GROUPS="$GA $GB" \
	FTPSD_DENY_USERS="$U2"
ftp_login() { t_ftp_login "$PY" "$PORT" "$1" "$2"; }
t_is "$(ftp_login "$U1" "$PW")" in "ftpsd: in an allowed group: in"
t_is "$(ftp_login "$U2" "$PW")" refused "ftpsd: in FTPSD_DENY_USERS: refused"
t_is "$(ftp_login "$U3" "$PW")" refused "ftpsd: a locked account in no allowed group: refused"
t_is "$(ftp_login "$U4" "$PW")" refused "ftpsd: an expired account: refused"
grep -q "account $U2 refused: the name is in the deny list of users" "$T/ftpsd.log"
t_is "$?" 0 "ftpsd: the log says why"
t_done
