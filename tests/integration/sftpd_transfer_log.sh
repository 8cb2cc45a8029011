#!/bin/bash
# sftpd_transfer_log.sh: the transfer records sftpd logs (sftpd.8,
# TRANSFER LOG): one line per completed upload and download with the right
# direction, byte count, account and path, an upload cut short by the
# client's death recorded as aborted with the bytes that arrived, and file
# names with quotes, backslashes, control characters and UTF-8 written in
# the documented escaped form.  Real OpenSSH sftp sessions through
# ProxyCommand.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root" "$T/local"
LOG=$T/sftpd.log
USER_NAME=tester
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$USER_NAME" 'pw-Xfer-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q %q 2>>%q\n' "$T/keys/authorized_keys" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
SSHO=(-q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-i "$T/keys/uk" -o "ProxyCommand=$T/srv")

head -c 123457 /dev/urandom >"$T/local/plain.bin"
printf 'put %s/local/plain.bin plain.bin\nget plain.bin %s/local/back.bin\n' "$T" "$T" >"$T/batch"
timeout 60 sftp "${SSHO[@]}" -b "$T/batch" "$USER_NAME@x" >"$T/out" 2>&1 ||
	t_diag_file "$T/out"
cmp -s "$T/local/plain.bin" "$T/local/back.bin" || t_notok "round trip intact"

# record DIRECTION RESULT BYTES PATH: the line, or nothing.
record() {
	grep -F "transfer proto=sftp direction=$1 result=$2 user=$USER_NAME client=local bytes=$3 " "$LOG" |
		grep -F "path=\"$4\""
}
expect() { # NAME DIRECTION RESULT BYTES PATH
	if [ -n "$(record "$2" "$3" "$4" "$5")" ]; then
		t_ok "$1"
	else
		t_notok "$1"
		t_diag "$(grep transfer "$LOG" | tail -n 4)"
	fi
}
expect "an upload: direction, result, account, bytes, path" upload ok 123457 /plain.bin
expect "a download: direction, result, account, bytes, path" download ok 123457 /plain.bin
seconds=$(grep -o 'bytes=123457 seconds=[0-9]*\.[0-9][0-9][0-9] ' "$LOG" | head -n 1)
[ -n "$seconds" ] && t_ok "seconds with three decimals ($seconds)" || t_notok "seconds with three decimals"

# Awkward names (a quote, a backslash, a tab, a newline, UTF-8), which
# sftp's batch language cannot write: uploaded with paramiko.
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
if [ -n "$PY" ]; then
	"$PY" - "$T/keys/uk" "$T/srv" "$USER_NAME" <<'EOF' >"$T/out2" 2>&1
import io, sys, paramiko
key, srv, user = sys.argv[1:]
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
sftp = paramiko.SFTPClient.from_transport(t)
sftp.putfo(io.BytesIO(b"x"), 'q"b\\t\tn\nu\u00e9.txt')
sftp.close()
t.close()
EOF
	if [ -n "$(record upload ok 1 "q\\x22b\\x5ct\\x09n\\x0au$(printf '\303\251').txt")" ]; then
		t_ok "a name with a quote, backslash, tab, newline and UTF-8 is escaped as documented"
	else
		t_notok "a name with a quote, backslash, tab, newline and UTF-8 is escaped as documented"
		t_diag "$(grep transfer "$LOG" | tail -n 2)"
		t_diag_file "$T/out2"
	fi
else
	t_skip "a name with a quote, backslash, tab, newline and UTF-8" "python3-paramiko is not installed"
fi

# An upload cut short: sftp is killed while it sends (slowed with -l); its
# ssh then sends SIGHUP to sftpd, its ProxyCommand, which must still record
# the upload as aborted.
head -c 4000000 /dev/urandom >"$T/local/big.bin"
printf 'put %s/local/big.bin big.bin\n' "$T" >"$T/batch2"
timeout 60 sftp "${SSHO[@]}" -l 800 -b "$T/batch2" "$USER_NAME@x" >/dev/null 2>&1 &
client=$!
i=0
while [ ! -s "$T/root/big.bin" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.5
# the client's own processes (timeout, sftp, ssh), not the server below them
victims=$(ps -e -o pid=,ppid=,comm= | awk -v r="$client" '{ up[$1] = $2; c[$1] = $3 }
	END { print r; for (x in up) if (c[x] == "sftp" || c[x] == "ssh")
		for (y = up[x]; y > 1; y = up[y]) if (y == r) { print x; break } }')
# shellcheck disable=SC2086 # a list of PIDs
kill -KILL $victims 2>/dev/null
wait "$client" 2>/dev/null
i=0
while ! grep -q "direction=upload result=aborted" "$LOG" && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
line=$(grep 'direction=upload result=aborted' "$LOG" | grep -F 'path="/big.bin"' | head -n 1)
got=$(printf '%s' "$line" | sed -n 's/.* bytes=\([0-9]*\) .*/\1/p')
size=$(stat -c %s "$T/root/big.bin" 2>/dev/null || echo 0)
if [ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -lt 4000000 ] && [ "$got" = "$size" ]; then
	t_ok "an upload cut short is recorded as aborted with the $got bytes that arrived"
else
	t_notok "an upload cut short is recorded as aborted with the bytes that arrived (got '${got:-none}', file has $size)"
	t_diag "$(tail -n 4 "$LOG")"
	t_diag "sftpd processes: $(ps -e -o pid=,stat=,comm= | grep sftpd | tr '\n' ' ')"
fi

# The same with SIGHUP sent to the session process itself (what ssh sends
# its ProxyCommand on the way out): the connection ends, logged, and the
# open upload is recorded as aborted.
rm -f "$T/root/big.bin"
l0=$(($(wc -l <"$LOG") + 1))
timeout 60 sftp "${SSHO[@]}" -l 800 -b "$T/batch2" "$USER_NAME@x" >/dev/null 2>&1 &
client=$!
i=0
while [ ! -s "$T/root/big.bin" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
sess=$(ps -e -o pid=,comm= | awk '$2 == "sftpd-session" { print $1 }')
for p in $sess; do
	# only the one serving this test: its root is this test's
	[ "$(readlink "/proc/$p/root")" = "$T/root" ] || [ "$(readlink "/proc/$p/cwd")" = "$T/root" ] &&
		kill -HUP "$p"
done
wait "$client" 2>/dev/null
i=0
while ! tail -n +"$l0" "$LOG" | grep -q 'result=aborted' && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if tail -n +"$l0" "$LOG" | grep -q 'hang-up signal: connection closed' &&
	tail -n +"$l0" "$LOG" | grep -q 'direction=upload result=aborted .*path="/big.bin"'; then
	t_ok "SIGHUP ends the session with a log line and the upload recorded as aborted"
else
	t_notok "SIGHUP ends the session with a log line and the upload recorded as aborted"
	t_diag "$(tail -n +"$l0" "$LOG" | tail -n 4)"
fi

t_done
