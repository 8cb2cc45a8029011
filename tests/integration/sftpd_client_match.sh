#!/bin/bash
# sftpd_client_match.sh: SFTPD_CLIENT_MATCH, per-client tuning.  paramiko
# (its version line "SSH-2.0-paramiko_...") under a rule for it gets the
# channel window and largest packet the rule names, and the cipher it
# prefers left out of the offer, while OpenSSH under the same setting
# keeps the defaults; OpenSSH under a rule of its own negotiates without
# chacha20-poly1305 and moves 1 MiB both ways through a 16 KiB window,
# bytes compared; the log names the rule.  A malformed setting (window=1K,
# sftp=7) stops sftpd -t with the variable named.  The sftp=N cap is
# checked with a client that speaks v4-v6 in sftpd_sftp_v6.sh.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
t_have ssh-keygen || t_skip_all "ssh-keygen is not installed (Debian: openssh-client)"
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || t_skip_all "python3-paramiko is not installed"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Tolerant-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q SFTPD_LOG_LEVEL=debug "$@" %q 2>>%q\n' \
		"$T/keys/authorized_keys" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"


SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o IdentitiesOnly=yes -i "$T/keys/uk")
RULE_P='paramiko_*: window=64K packet=16K disable=aes128-ctr'
RULE_O='OpenSSH_*: window=16K disable=chacha20-poly1305@openssh.com'

cat >"$T/probe.py" <<'PY'
import sys, paramiko
key, srv, rule = sys.argv[1:]
t = paramiko.Transport(paramiko.ProxyCommand(srv + " 'SFTPD_CLIENT_MATCH=" + rule + "'"))
t.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
ch = t.open_session()
print("window", ch.out_window_size, "packet", ch.out_max_packet_size, "cipher", t.local_cipher)
ch.close()
t.close()
PY

out=$(timeout 60 "$PY" "$T/probe.py" "$T/keys/uk" "$T/srv" "$RULE_P" 2>&1)
t_is "$out" "window 65536 packet 16384 cipher aes256-ctr" \
	"paramiko under its rule: window 64K, packet 16K, aes128-ctr left out (it takes aes256-ctr)"
out=$(timeout 60 "$PY" "$T/probe.py" "$T/keys/uk" "$T/srv" "$RULE_O" 2>&1)
t_is "$out" "window 4194304 packet 131072 cipher aes128-ctr" \
	"paramiko under a rule for OpenSSH only: the defaults"
grep -q "client SSH-2.0-paramiko.*SFTPD_CLIENT_MATCH: window 65536, packet 16384, without aes128-ctr" "$LOG"
t_is "$?" 0 "the log names what the rule changed"

head -c 1048576 /dev/urandom >"$T/mib"
printf 'put %s mib\nget mib %s\n' "$T/mib" "$T/mib.back" >"$T/batch"
timeout 60 sftp -v "${SSHO[@]}" -o "ProxyCommand=$T/srv 'SFTPD_CLIENT_MATCH=$RULE_O'" \
	-b "$T/batch" tester@x >"$T/out" 2>&1
cmp -s "$T/mib" "$T/root/mib" && cmp -s "$T/mib" "$T/mib.back"
t_is "$?" 0 "OpenSSH under its rule: 1 MiB up and down through a 16 KiB window, identical"
if grep -q 'kex: server->client cipher: chacha20' "$T/out"; then
	t_notok "OpenSSH under its rule does not get chacha20-poly1305"
	t_diag "$(grep 'kex: server->client cipher' "$T/out")"
else
	grep -q 'kex: server->client cipher: ' "$T/out"
	t_is "$?" 0 "OpenSSH under its rule does not get chacha20-poly1305 ($(grep -o 'server->client cipher: [^ ]*' "$T/out" | head -1))"
fi
timeout 60 sftp -v "${SSHO[@]}" -o "ProxyCommand=$T/srv 'SFTPD_CLIENT_MATCH=$RULE_P'" \
	-b /dev/null tester@x >"$T/out" 2>&1
grep -q 'kex: server->client cipher: chacha20-poly1305@openssh.com' "$T/out"
t_is "$?" 0 "OpenSSH under a rule for paramiko only: chacha20-poly1305 as usual"

SFTPD_CLIENT_MATCH='x*: window=1K' SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t >/dev/null 2>"$T/err"
rc=$?
grep -q 'SFTPD_CLIENT_MATCH=.*window= takes 16K to 4M' "$T/err" && [ "$rc" = 100 ]
t_is "$?" 0 "sftpd -t refuses window=1K, naming the variable (exit 100)"
SFTPD_CLIENT_MATCH='x*: sftp=7' SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t >/dev/null 2>"$T/err"
rc=$?
grep -q 'SFTPD_CLIENT_MATCH=.*sftp= takes 3 to 6' "$T/err" && [ "$rc" = 100 ]
t_is "$?" 0 "sftpd -t refuses sftp=7, naming the variable (exit 100)"
t_done
