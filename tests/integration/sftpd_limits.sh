#!/bin/bash
# sftpd_limits.sh: SFTPD_MAX_UPLOAD_BYTES, enforced by the kernel
# (RLIMIT_FSIZE on the session process): with OpenSSH sftp, an upload
# within the limit arrives whole, one past it fails with the server's
# message, leaves at most the limit on disk and is recorded as aborted;
# a truncate past it (paramiko) is refused too; the session goes on.
# SFTPD_RATE_LIMIT: with 256K, a 1 MiB download and upload (sftp, scp -O)
# arrive whole and take at least the time the rate allows (3.4 s after
# the bucket's first 128 KiB), not much more; a session without the limit
# moves the same file far faster.  Prints TAP.

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
LIMIT=100000
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Limit-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q SFTPD_MAX_UPLOAD_BYTES=%s %q 2>>%q\n' \
		"$T/keys/authorized_keys" "$LIMIT" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-i "$T/keys/uk" -o "ProxyCommand=$T/srv")

head -c 50000 /dev/urandom >"$T/local/small"
head -c 300000 /dev/urandom >"$T/local/big"
printf 'put %s/local/small small\n-put %s/local/big big\nput %s/local/small small2\n' \
	"$T" "$T" "$T" >"$T/batch"
timeout 60 sftp "${SSHO[@]}" -b "$T/batch" tester@x >"$T/out" 2>&1
cmp -s "$T/local/small" "$T/root/small" && t_ok "an upload within the limit arrives whole" ||
	t_notok "an upload within the limit arrives whole"
size=$(stat -c %s "$T/root/big" 2>/dev/null || echo missing)
if [ "$size" != missing ] && [ "$size" -le $LIMIT ]; then
	t_ok "an upload past the limit stops at it ($size bytes on disk, limit $LIMIT)"
else
	t_notok "an upload past the limit stops at it ($size bytes on disk, limit $LIMIT)"
fi
if grep -q 'write remote "/big": Failure' "$T/out"; then
	t_ok "sftp reports the refused write (Failure)"
else
	t_notok "sftp reports the refused write (Failure)"
	t_diag_file "$T/out"
fi
cmp -s "$T/local/small" "$T/root/small2" && t_ok "the session goes on: the next upload arrives" ||
	t_notok "the session goes on: the next upload arrives"
if grep -q 'transfer proto=sftp direction=upload result=aborted .* path="/big"\|transfer proto=sftp direction=upload result=aborted .*path="big"' "$LOG"; then
	t_ok "the cut upload is recorded as aborted"
else
	t_notok "the cut upload is recorded as aborted"
	t_diag "$(grep transfer "$LOG")"
fi

PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
if [ -n "$PY" ]; then
	res=$("$PY" - "$T/keys/uk" "$T/srv" <<'PYEOF' 2>&1
import sys, paramiko
key, srv = sys.argv[1:]
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
s = paramiko.SFTPClient.from_transport(t)
try:
    s.truncate("small", 10**7)
    print("truncated")
except IOError as e:
    print("refused", e)
print("size", s.stat("small").st_size)
f = s.open("big2", "w")
try:
    f.write(b"x" * 200000)
    f.close()
    print("written")
except IOError as e:
    print("write refused:", e)
PYEOF
)
	case "$res" in
	*refused*"size 50000"*) t_ok "a truncate past the limit is refused, the file unchanged" ;;
	*) t_notok "a truncate past the limit is refused, the file unchanged"; t_diag "$res" ;;
	esac
	case "$res" in
	*"write refused:"*"file too large (upload size limit)"*)
		t_ok "paramiko gets the server's reason: file too large (upload size limit)" ;;
	*) t_notok "paramiko gets the server's reason: file too large (upload size limit)"; t_diag "$res" ;;
	esac
else
	t_skip "a truncate past the limit" "python3-paramiko is not installed"
fi

# --- SFTPD_RATE_LIMIT --------------------------------------------------------

sed "s|SFTPD_MAX_UPLOAD_BYTES=$LIMIT|SFTPD_RATE_LIMIT=256K|" "$T/srv" >"$T/srv_rate"
chmod 755 "$T/srv_rate"
head -c 1048576 /dev/urandom >"$T/root/mib"
[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$T/root/mib"
# timed NAME COMMAND...: runs it, prints the seconds it took (two decimals)
timed() {
	_s=$(date +%s%N)
	"$@" >"$T/out" 2>&1 || echo "failed: $*" >>"$T/out"
	_e=$(date +%s%N)
	awk -v n=$((_e - _s)) 'BEGIN { printf "%.2f", n / 1e9 }'
}
# within MIN MAX SECONDS: MIN <= SECONDS <= MAX
within() { awk -v a="$1" -v b="$2" -v x="$3" 'BEGIN { exit !(x >= a && x <= b) }'; }
RSSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-i "$T/keys/uk" -o "ProxyCommand=$T/srv_rate")
sec=$(timed timeout 60 sftp "${RSSHO[@]}" tester@x:mib "$T/local/mib.down")
cmp -s "$T/root/mib" "$T/local/mib.down" && within 3.3 9 "$sec"
t_is "$?" 0 "256K: sftp downloads 1 MiB whole in 3.3 to 9 s (took $sec s)"
sec=$(timed timeout 60 sftp "${RSSHO[@]}" -b - tester@x <<<"put $T/local/mib.down mib.up")
cmp -s "$T/root/mib" "$T/root/mib.up" && within 3.3 9 "$sec"
t_is "$?" 0 "256K: sftp uploads 1 MiB whole in 3.3 to 9 s (took $sec s)"
sec=$(timed timeout 60 scp -O "${RSSHO[@]}" tester@x:mib "$T/local/mib.scp")
cmp -s "$T/root/mib" "$T/local/mib.scp" && within 3.3 9 "$sec"
t_is "$?" 0 "256K: scp -O downloads 1 MiB whole in 3.3 to 9 s (took $sec s)"
sec=$(timed timeout 60 sftp "${SSHO[@]}" tester@x:mib "$T/local/mib.free")
cmp -s "$T/root/mib" "$T/local/mib.free" && within 0 2.5 "$sec"
t_is "$?" 0 "no limit: the same download in under 2.5 s (took $sec s)"

t_done
