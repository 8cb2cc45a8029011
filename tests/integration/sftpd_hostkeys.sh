#!/bin/bash
# sftpd_hostkeys.sh: host key rotation (hostkeys-00 and hostkeys-prove-00
# of OpenSSH) with OpenSSH's client and paramiko.  The server has ed25519,
# ECDSA and RSA keys; a client that knows only the ed25519 one, with
# UpdateHostKeys=yes and StrictHostKeyChecking=yes, learns the other two
# (their fingerprints in its known_hosts); then the ed25519 key is retired
# from the server and the same client still connects with strict checking
# and drops the key the server no longer has; a client that knew nothing
# is still refused.  paramiko sends hostkeys-prove by hand: a proof for
# each of the server's keys verifies over the name, the session id and
# the blob; a key that is not the server's, a key asked twice and a cut
# request get a failure, and the connection goes on.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
for k in ed25519 ecdsa rsa; do
	t_hostkey "$k" "$T/keys/hk_$k" || t_bail "cannot make an $k host key"
done
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Hostkeys-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
# srv KEYFILES: the ProxyCommand for a server with these host keys
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS="$1" SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q %q 2>>%q\n' "$T/keys/authorized_keys" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
ALL="$T/keys/hk_ed25519,$T/keys/hk_ecdsa,$T/keys/hk_rsa"
NEW="$T/keys/hk_ecdsa,$T/keys/hk_rsa"
KH=$T/known_hosts
fp() { ssh-keygen -l -f "$1" | awk '{ print $2 }'; }
known() { ssh-keygen -l -f "$KH" 2>/dev/null | awk '{ print $2 }' | sort; }

# session KEYFILES: one sftp session under strict host key checking
session() {
	echo ls | timeout 60 sftp -b - -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/keys/uk" \
		-o "UserKnownHostsFile=$KH" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=yes -o UpdateHostKeys=yes -o HashKnownHosts=no \
		-o "ProxyCommand=$T/srv $1" tester@sluice-test >"$T/out" 2>&1
}

printf 'sluice-test %s\n' "$(cut -d' ' -f1,2 "$T/keys/hk_ed25519.pub")" >"$KH"
session "$ALL"
t_is "$?" 0 "a client that knows only the ed25519 key logs in"
want=$(for k in ed25519 ecdsa rsa; do fp "$T/keys/hk_$k.pub"; done | sort)
t_is "$(known)" "$want" "its known_hosts now holds all three of the server's keys"
grep -q 'hostkeys-prove: proved 2 host keys' "$LOG"
t_is "$?" 0 "sftpd proved the two keys the client did not know"

session "$NEW"
t_is "$?" 0 "the ed25519 key retired from the server: the client still logs in, strictly"
want=$(for k in ecdsa rsa; do fp "$T/keys/hk_$k.pub"; done | sort)
t_is "$(known)" "$want" "and drops the key the server no longer has"

: >"$KH"
session "$NEW"
rc=$?
[ "$rc" != 0 ] && grep -q 'Host key verification failed' "$T/out"
t_is "$?" 0 "a client that knows none of the keys is still refused"

PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
if [ -z "$PY" ]; then
	t_skip "hostkeys-prove by hand" "python3-paramiko is not installed"
	t_done
fi
cat >"$T/probe.py" <<'PY'
import sys, paramiko
key, srv, other = sys.argv[1:]
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + why), flush=True)

t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
# hostkeys-00 arrives right after authentication; paramiko ignores it.
def pub(path):
    import base64
    return base64.b64decode(open(path).read().split()[1])

keys = {n: pub(key.replace("/uk", "/hk_" + n) + ".pub") for n in ("ed25519", "ecdsa", "rsa")}
def prove(*blobs):
    return t.global_request("hostkeys-prove-00@openssh.com", data=tuple(blobs), wait=True)

m = prove(keys["ed25519"], keys["ecdsa"], keys["rsa"])
ok = m is not None
sigs = []
if ok:
    for _ in range(3):
        sigs.append(m.get_binary())
good = ok and len(sigs) == 3
for (n, sig) in zip(("ed25519", "ecdsa", "rsa"), sigs):
    data = paramiko.Message()
    data.add_string("hostkeys-prove-00@openssh.com")
    data.add_string(t.session_id)
    data.add_string(keys[n])
    k = {"ed25519": paramiko.Ed25519Key, "ecdsa": paramiko.ECDSAKey, "rsa": paramiko.RSAKey}[n](
        data=keys[n])
    if not k.verify_ssh_sig(data.asbytes(), paramiko.Message(sig)):
        good = False
        print("# the %s proof does not verify" % n)
check("hostkeys-prove for all three keys: three signatures that verify", good)
check("a key that is not the server's: failure", prove(pub(other)) is None)
check("a key asked twice in one request: failure", prove(keys["ecdsa"], keys["ecdsa"]) is None)
check("no key at all: failure", prove() is None)
sf = paramiko.SFTPClient.from_transport(t)
check("the connection goes on", sf.listdir(".") is not None)
t.close()
print("done")
PY
out=$(timeout 60 "$PY" "$T/probe.py" "$T/keys/uk" "$T/srv $ALL" "$T/keys/uk.pub" 2>&1)
while IFS= read -r line; do
	case "$line" in
	"ok "*) t_ok "${line#ok }" ;;
	"not ok "*) t_notok "${line#not ok }" ;;
	done) done=1 ;;
	*) t_diag "$line" ;;
	esac
done <<EOF
$out
EOF
[ "${done:-0}" = 1 ] || t_notok "the probe ran to its end"
t_done
