#!/bin/bash
# sftpd_strict_modes.sh: SFTPD_STRICT_MODES (default yes), like OpenSSH's
# StrictModes, with OpenSSH sftp key logins: an authorized keys file in a
# group-writable directory, behind a symbolic link, or owned by another
# user is refused with a log line naming the path and the reason; the same
# files are accepted with SFTPD_STRICT_MODES=no, and a sound layout
# (under /tmp, a root-owned sticky directory) is accepted.  The same for an
# account root (chroot) below a group-writable directory or a symbolic
# link.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done
[ "$(id -u)" = 0 ] || t_skip_all "not root: the cases change owners"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root" "$T/ak/good" "$T/ak/groupw" "$T/ak/real"
LOG=$T/sftpd.log
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
for d in good groupw real; do cp "$T/keys/uk.pub" "$T/ak/$d/tester"; done
cp "$T/keys/uk.pub" "$T/ak/good/other"
chmod 775 "$T/ak/groupw"
ln -s "$T/ak/real" "$T/ak/link"
chown 12345 "$T/ak/good/other"
t_useradd "$T/keys/users" tester 'pw-Strict-1!' 65534 65534 "$T/root" || t_bail "users file"
t_useradd "$T/keys/users" other 'pw-Strict-2!' 65534 65534 "$T/root" || t_bail "users file"
# roots below an unsafe parent: a group-writable directory, a symbolic link
mkdir -p "$T/gw/inner/root" "$T/real/root"
chmod 775 "$T/gw"
ln -s "$T/real" "$T/lnk"
t_useradd "$T/keys/users" gwuser 'pw-Strict-3!' 65534 65534 "$T/gw/inner/root" || t_bail "users file"
t_useradd "$T/keys/users" lnuser 'pw-Strict-4!' 65534 65534 "$T/lnk/root" || t_bail "users file"
cp "$T/keys/uk.pub" "$T/ak/good/gwuser"
cp "$T/keys/uk.pub" "$T/ak/good/lnuser"
chown -R 65534:65534 "$T/root" "$T/gw/inner/root" "$T/real/root"
t_privsep_env "$SFTPD"

# login USER AKPATTERN [VAR=value]: 0 when a key login works
login() {
	{
		echo '#!/bin/sh'
		printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
			"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
		printf 'SFTPD_AUTHORIZED_KEYS=%q %s %q 2>>%q\n' "$2" "${3:-}" "$SFTPD" "$LOG"
	} >"$T/srv"
	chmod 755 "$T/srv"
	timeout 30 sftp -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-i "$T/keys/uk" -o "ProxyCommand=$T/srv" -b /dev/null "$1@x" >/dev/null 2>&1
}

case_() { # NAME USER AKPATTERN LOGPATTERN
	l0=$(($(wc -l <"$LOG" 2>/dev/null || echo 0) + 1))
	if login "$2" "$3"; then
		t_notok "$1: refused"
	else
		t_ok "$1: refused"
	fi
	if tail -n +"$l0" "$LOG" | grep -q "$4"; then
		t_ok "$1: the log says why"
	else
		t_notok "$1: the log says why (/$4/)"
		t_diag_file "$LOG" 4
	fi
	if login "$2" "$3" SFTPD_STRICT_MODES=no; then
		t_ok "$1: accepted with SFTPD_STRICT_MODES=no"
	else
		t_notok "$1: accepted with SFTPD_STRICT_MODES=no"
	fi
}

: >"$LOG"
login tester "$T/ak/good/%u" && t_ok "a sound layout under /tmp is accepted" ||
	{ t_notok "a sound layout under /tmp is accepted"; t_diag_file "$LOG" 4; }
case_ "a group-writable directory" tester "$T/ak/groupw/%u" \
	"refused: $T/ak/groupw is writable by its group or by others (SFTPD_STRICT_MODES)"
case_ "a symbolic link on the way" tester "$T/ak/link/%u" "refused: $T/ak/link is a symbolic link"
case_ "a file owned by another user" other "$T/ak/good/%u" \
	"refused: $T/ak/good/other is owned by another user"
case_ "a root below a group-writable directory" gwuser "$T/ak/good/%u" \
	"root $T/gw/inner/root refused: $T/gw is writable by its group or by others"
case_ "a root below a symbolic link" lnuser "$T/ak/good/%u" \
	"root $T/lnk/root refused: $T/lnk is a symbolic link"

t_done
