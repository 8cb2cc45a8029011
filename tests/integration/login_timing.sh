#!/bin/bash
# login_timing.sh: an unknown name, a refused account and a wrong password
# cost the client the same time and get the same answer, in both servers,
# for both account sources: a users file (argon2id hashes by
# sluice-keytool) and system accounts the test makes (root only; removed
# at the end) with yescrypt hashes, one with a sha512-crypt hash (a
# second scheme in shadow, as on a system upgraded from Debian 10).
# The same with PAM (pam_unix), where only the servers' padding of every
# failure to the failure delay (counted from the attempt's start) makes
# them alike: measured with a delay of PAM_DELAY_MS.
# Refused: SFTPD_DENY_USERS / FTPSD_DENY_USERS, a group in _DENY_GROUPS,
# no group in _ALLOW_GROUPS, locked (usermod -L), expired (chage -E 0);
# a refused account is tried with its right password.  login_timing.py
# times each failed attempt on the client (paramiko's auth_password on a
# transport whose key exchange is done; ftplib's USER and PASS after the
# greeting) and compares medians with the wrong password's.  Without PAM
# the servers' failure delay is set to 0, so that the hash work itself is
# measured: the padding to the delay would hide a difference of work (it
# is there for what cannot be made equal, such as PAM stacks).
# Each account is first shown to work (its password logs in, or its
# refusal is logged for the reason meant), so that no class is an unknown
# name by mistake.
# Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
KT=$T_TOP/keytools/sluice-keytool
ROUNDS=${LOGIN_TIMING_ROUNDS:-9}
[ -x "$SFTPD" ] && [ -x "$FTPSD" ] && [ -x "$KT" ] || t_skip_all "sftpd/ftpsd/sluice-keytool are not built"
[ "$(id -u)" = 0 ] || t_skip_all "not root: the test makes system accounts"
for c in useradd usermod userdel groupadd groupdel chpasswd chage; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: passwd)"
done
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || t_skip_all "python3-paramiko is not installed"
DRIVER=$(dirname "$0")/login_timing.py

t_tmpdir
T=$T_TMP
PW='pw-Timing-1!'
# as long as PW: sha512-crypt's work grows with the password's length
WRONG='pw-Timing-2!'
P=sluicelt$$
GA=${P}ga GB=${P}gb GD=${P}gd
UY=${P}y US=${P}s UDU=${P}du UDG=${P}dg UNA=${P}na UL=${P}l UE=${P}e
SYSUSERS="$UY $US $UDU $UDG $UNA $UL $UE"
cleanup_accounts() {
	for u in $SYSUSERS; do userdel "$u" 2>/dev/null; done
	for g in "$GA" "$GB" "$GD"; do groupdel "$g" 2>/dev/null; done
}
PAMSERVICE=sluice-timing-$$
PAM_DELAY_MS=120
trap 'cleanup_accounts; rm -f "/etc/pam.d/$PAMSERVICE"; t_cleanup' EXIT
# retry: other tests may hold the lock on /etc/passwd for a moment
retry() {
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" 2>"$T/retry.err" && return 0
		sleep 0.3
	done
	cat "$T/retry.err" >&2
	return 1
}
retry groupadd "$GA" && retry groupadd "$GB" && retry groupadd "$GD" || t_bail "groupadd failed"
for u in $UY $US $UDU $UL $UE; do
	retry useradd -M -d /nonexistent -s /usr/sbin/nologin -g "$GA" "$u" || t_bail "useradd $u failed"
done
retry useradd -M -d /nonexistent -s /usr/sbin/nologin -g "$GA" -G "$GD" "$UDG" &&
	retry useradd -M -d /nonexistent -s /usr/sbin/nologin -g "$GB" "$UNA" || t_bail "useradd failed"
# yescrypt (Debian's default since 11) for all but one: sha512-crypt, made
# last so that it is not the first crypt hash in shadow
for u in $UY $UDU $UDG $UNA $UL $UE; do printf '%s:%s\n' "$u" "$PW"; done |
	retry chpasswd -c YESCRYPT || t_bail "chpasswd failed"
printf '%s:%s\n' "$US" "$PW" | retry chpasswd -c SHA512 || t_bail "chpasswd failed"
retry usermod -L "$UL" && retry chage -E 0 "$UE" || t_bail "usermod/chage failed"
case $(getent shadow "$UY" | cut -d: -f2) in '$y$'*) ;; *) t_bail "no yescrypt hash for $UY" ;; esac
case $(getent shadow "$US" | cut -d: -f2) in '$6$'*) ;; *) t_bail "no sha512-crypt hash for $US" ;; esac

# the users file: argon2id hashes, accounts in group GA
FY=${P}fy FDU=${P}fdu
GID_A=$(getent group "$GA" | cut -d: -f3)
for u in $FY $FDU; do
	printf '%s\n' "$PW" | "$KT" useradd -f "$T/users" -s -u 40001 -g "$GID_A" -d "$T/root" "$u" \
		>/dev/null || t_bail "sluice-keytool useradd failed"
done
grep -q "^$FY:[$]argon2id[$]" "$T/users" || t_bail "sluice-keytool made no argon2id hash"

mkdir -p "$T/keys" "$T/root"
chmod 755 "$T/root"
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_privsep_env "$SFTPD"
RULES_S=(SFTPD_DENY_USERS="'$UDU $FDU'" SFTPD_ALLOW_GROUPS="$GA" SFTPD_DENY_GROUPS="$GD")
RULES_F=(FTPSD_DENY_USERS="$UDU $FDU" FTPSD_ALLOW_GROUPS="$GA" FTPSD_DENY_GROUPS="$GD")
# srv NAME USERSFILE ['VAR=value ...']: an sftpd ProxyCommand $T/srv-NAME
srv() {
	{
		echo '#!/bin/sh'
		printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
			"$T_PRIVSEP_ENV" "$T/keys/hk" "$2"
		printf 'SFTPD_ROOT=%q SFTPD_AUTH_FAIL_DELAY_MS=0 %s %s %q 2>>%q\n' "$T/root" \
			"${RULES_S[*]}" "${3:-}" "$SFTPD" "$T/sftpd-$1.log"
	} >"$T/srv-$1"
	chmod 755 "$T/srv-$1"
}
srv sys ""
srv file "$T/users"
# ftpsd NAME USERSFILE ['VAR=value ...']: plain FTP on loopback (the login, not
# TLS), port in PORT_NAME
ftpsd() {
	_port=$(t_free_port)
	# shellcheck disable=SC2086 # $3: VAR=value words
	t_server_start "$_port" "$T/ftpsd-$1.log" env FTPSD_USERS_FILE="$2" FTPSD_TLS_REQUIRED=off \
		FTPSD_ROOT="$T/root" FTPSD_LOGIN_FAIL_DELAY_MS=0 "${RULES_F[@]}" ${3:-} "$FTPSD" ||
		t_bail "ftpsd did not start"
	eval "PORT_$1=\$_port"
}
ftpsd sys ""
ftpsd file "$T/users"
# PAM: pam_unix against the same system accounts
HAVE_PAM=
if ls /lib/*/security/pam_unix.so /usr/lib/*/security/pam_unix.so >/dev/null 2>&1 &&
	"$SFTPD" -M 2>/dev/null | grep -q SFTPD_PAM_SERVICE; then
	printf 'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_unix.so\n' \
		>"/etc/pam.d/$PAMSERVICE"
	# PAM_DELAY_MS: what every failure is padded to (the servers' failure
	# delay, counted from the attempt's start); above pam_unix's work,
	# about two checks of the hash for a wrong password (room for four: a
	# busy machine slows them).  A yescrypt check takes 15 ms on most
	# machines, 60 and more where page faults are dear (libcrypt.so under
	# pam_unix faults its 16 MiB in page by page).  Timed here with the
	# libcrypt pam_unix uses; never below 120 ms.
	check_ms=$("$PY" -W ignore - "$(getent shadow "$UY" | cut -d: -f2)" "$WRONG" 2>/dev/null <<'PY'
import crypt, sys, time
t = []
for _ in range(3):
    t0 = time.perf_counter()
    crypt.crypt(sys.argv[2], sys.argv[1])
    t.append(time.perf_counter() - t0)
print(int(sorted(t)[1] * 1000))
PY
	) || check_ms=0
	case $check_ms in '' | *[!0-9]*) check_ms=0 ;; esac
	[ $((4 * check_ms + 60)) -gt "$PAM_DELAY_MS" ] && PAM_DELAY_MS=$((4 * check_ms + 60))
	t_diag "PAM: a yescrypt check through libcrypt takes $check_ms ms here; failures padded to $PAM_DELAY_MS ms"
	srv pam "" "SFTPD_PAM_SERVICE=$PAMSERVICE SFTPD_AUTH_FAIL_DELAY_MS=$PAM_DELAY_MS"
	ftpsd pam "" "FTPSD_PAM_SERVICE=$PAMSERVICE FTPSD_LOGIN_FAIL_DELAY_MS=$PAM_DELAY_MS"
	HAVE_PAM=1
fi

# once KIND TARGET USER PASSWORD: the answer to one attempt
once() {
	timeout 60 "$PY" "$DRIVER" "$1" "$2" once "$3:$4" 2>&1 | tail -n 1
}
# logged LOG TEXT NAME: the server's log has a line with TEXT
logged() {
	grep -qF -- "$2" "$1"
	t_is "$?" 0 "$3"
}

# Each account is what its class says.
for k in sys file; do
	eval "port=\$PORT_$k"
	if [ $k = sys ]; then in=$UY; else in=$FY; fi
	t_is "$(once sftp "$T/srv-$k" "$in" "$PW")" accepted "sftpd ($k): $in logs in with its password"
	t_is "$(once ftp "$port" "$in" "$PW" | sed "s/.*| //" | cut -c1-3)" 230 "ftpsd ($k): $in logs in with its password"
done
t_is "$(once sftp "$T/srv-sys" "$US" "$PW")" accepted "sftpd: $US (sha512-crypt) logs in with its password"
t_is "$(once ftp "$PORT_sys" "$US" "$PW" | sed "s/.*| //" | cut -c1-3)" 230 "ftpsd: $US (sha512-crypt) logs in with its password"
for u in $UDU $UDG $UNA $UL $UE; do
	once sftp "$T/srv-sys" "$u" "$PW" >/dev/null
	once ftp "$PORT_sys" "$u" "$PW" >/dev/null
done
once sftp "$T/srv-file" "$FDU" "$PW" >/dev/null
once ftp "$PORT_file" "$FDU" "$PW" >/dev/null
for s in sftpd ftpsd; do
	logged "$T/$s-sys.log" "account $UDU refused: the name is in the deny list of users" "$s: $UDU refused by _DENY_USERS"
	logged "$T/$s-sys.log" "account $UDG refused: one of its groups is in the deny list of groups" "$s: $UDG refused by _DENY_GROUPS"
	logged "$T/$s-sys.log" "account $UNA refused: none of its groups is in the allow list of groups" "$s: $UNA refused by _ALLOW_GROUPS"
	logged "$T/$s-sys.log" "account $UL refused: the account is locked" "$s: $UL refused: locked"
	logged "$T/$s-sys.log" "account $UE refused: the account has expired" "$s: $UE refused: expired (chage -E 0)"
	logged "$T/$s-file.log" "account $FDU refused: the name is in the deny list of users" "$s (users file): $FDU refused by _DENY_USERS"
done

# measure KIND TARGET TAG CLASS=USER:PASSWORD...: its TAP lines, renumbered
measure() {
	timeout 300 "$PY" "$DRIVER" "$1" "$2" "$3" "$ROUNDS" "${@:4}" >"$T/out" 2>"$T/err"
	grep -q '^ok - \|^not ok - ' "$T/out" || {
		t_notok "$3: login_timing.py ran"
		t_diag_file "$T/err"
		return
	}
	while IFS= read -r line; do
		case $line in
		"not ok - "*"# TODO "*) # a known gap: shown, not counted as a failure
			T_N=$((T_N + 1))
			echo "not ok $T_N - ${line#not ok - }"
			;;
		"ok - "*) t_ok "${line#ok - }" ;;
		"not ok - "*) t_notok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$T/out"
}
SYS_CLASSES=("wrong=$UY:$WRONG" "unknown=${P}none:$PW" "wrong-sha512=$US:$WRONG"
	"deny-user=$UDU:$PW" "deny-group=$UDG:$PW" "not-allowed=$UNA:$PW" "locked=$UL:$PW"
	"expired=$UE:$PW")
FILE_CLASSES=("wrong=$FY:$WRONG" "unknown=${P}fnone:$PW" "deny-user=$FDU:$PW")
measure sftp "$T/srv-sys" "sftpd, system accounts" "${SYS_CLASSES[@]}"
measure ftp "$PORT_sys" "ftpsd, system accounts" "${SYS_CLASSES[@]}"
measure sftp "$T/srv-file" "sftpd, users file" "${FILE_CLASSES[@]}"
measure ftp "$PORT_file" "ftpsd, users file" "${FILE_CLASSES[@]}"
PAM_CLASSES=("wrong=$UY:$WRONG" "unknown=${P}none:$PW" "wrong-sha512=$US:$WRONG"
	"deny-user=$UDU:$PW" "locked=$UL:$PW")
if [ -n "$HAVE_PAM" ]; then
	t_is "$(once sftp "$T/srv-pam" "$UY" "$PW")" accepted "sftpd (PAM): $UY logs in with its password"
	t_is "$(once ftp "$PORT_pam" "$UY" "$PW" | sed "s/.*| //" | cut -c1-3)" 230 \
		"ftpsd (PAM): $UY logs in with its password"
	# pam_unix spends about two checks of the account's own scheme on a
	# wrong password (36-46 ms for yescrypt here) and nothing on a name
	# it does not know, which the servers send to the dummies (20-26 ms):
	# only the padding to the failure delay makes them alike, so the bound
	# is absolute and tight (with a delay added after the work instead,
	# the gap stays and this fails)
	LOGIN_TIMING_ABS_MS=4 LOGIN_TIMING_REL=0 measure sftp "$T/srv-pam" "sftpd, PAM" "${PAM_CLASSES[@]}"
	LOGIN_TIMING_ABS_MS=4 LOGIN_TIMING_REL=0 measure ftp "$PORT_pam" "ftpsd, PAM" "${PAM_CLASSES[@]}"
	for s in sftpd ftpsd; do
		logged "$T/$s-pam.log" "PAM authentication failed" "$s: the wrong passwords went through PAM"
	done
else
	t_skip "PAM timing" "pam_unix.so is missing or the servers have no _PAM_SERVICE"
fi
t_done
