#!/bin/bash
# sftpd_authmethods.sh: keyboard-interactive (RFC 4256) and authentication
# chains (SFTPD_AUTH_METHODS in OpenSSH's AuthenticationMethods syntax) with
# real clients.  OpenSSH's sftp answers the "Password: " prompt through
# SSH_ASKPASS and transfers a file; wrong answers are counted and the
# connection ends after SFTPD_MAX_AUTH_TRIES; paramiko logs in with
# auth_interactive, sends a wrong number of answers, and walks chains
# step by step (partial success, the methods that may follow, a key used
# twice); OpenSSH logs in through publickey,password and through each
# alternative of a list.  Prints TAP.  T_KEEP=1 keeps the temp dir.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout setsid; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils, util-linux)"
done

t_tmpdir
T=$T_TMP
ROOT=$T/root
L=$T/local
LOG=$T/sftpd.log
RCLOG=$T/rc.log
mkdir -p "$ROOT" "$L" "$T/keys"
U=alice
PASSWORD='kbd-Sluice-2?'
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi

t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
t_userkey ed25519 "$T/keys/uk2"
t_userkey ed25519 "$T/keys/nokey"
cat "$T/keys/uk.pub" "$T/keys/uk2.pub" >"$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$U" "$PASSWORD" "$ACC_UID" "$ACC_GID" "$ROOT" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$ROOT"
head -c 300007 /dev/urandom >"$L/f"

# The askpass program answers every prompt with the file's content and
# notes each prompt it was shown.
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>%q\ncat %q\n' "$T/prompts" "$T/answer" >"$T/askpass"
chmod 755 "$T/askpass"

t_privsep_env "$SFTPD"
# The ProxyCommand: sftpd with the test's settings and VAR=value arguments,
# stderr to the log, its exit status to rc.log.
{
	echo '#!/bin/sh'
	echo "trap 'hup=1' HUP  # ssh hangs up its ProxyCommand; still record the status"
	printf 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin %s SFTPD_HOST_KEYS=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk"
	printf 'SFTPD_USERS_FILE=%q SFTPD_AUTHORIZED_KEYS=%q SFTPD_AUTH_FAIL_DELAY_MS=200 ' \
		"$T/keys/users" "$T/keys/authorized_keys"
	printf '"$@" %q 2>>%q\n' "$SFTPD" "$LOG"
	printf 'echo "$?" >>%q\n' "$RCLOG"
} >"$T/srv"
chmod 755 "$T/srv"
touch "$RCLOG" "$LOG"

SSHO=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR
	-o ControlMaster=no -o ControlPath=none)

# client ENV [ssh options...]: sftp with the server settings ENV (one
# shell word list, e.g. "'SFTPD_AUTH_METHODS=publickey,password'"),
# running $T/batch; prompts answered from $T/answer; output in $T/out.
client() {
	_env=$1
	shift
	: >"$T/prompts"
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		setsid -w timeout 60 sftp -o BatchMode=no "$@" "${SSHO[@]}" \
		-o "ProxyCommand=$T/srv $_env" -b "$T/batch" "$U@sluice-test" \
		</dev/null >"$T/out" 2>&1
}

# Options for one method only (the others off).
KBD=(-o PreferredAuthentications=keyboard-interactive -o KbdInteractiveAuthentication=yes
	-o PasswordAuthentication=no -o PubkeyAuthentication=no)
# up_down NAME: the batch that uploads $L/f as NAME and downloads it again
up_down() {
	rm -f "$ROOT/$1" "$L/$1.back"
	printf 'put %s %s\nget %s %s\n' "$L/f" "$1" "$1" "$L/$1.back" >"$T/batch"
}
# same NAME: the upload and the download are both $L/f byte for byte
same() {
	cmp -s "$L/f" "$ROOT/$1" && cmp -s "$L/f" "$L/$1.back"
}
# log_since N PATTERN: PATTERN occurs in the log after its line N
log_since() {
	tail -n +"$(($1 + 1))" "$LOG" | grep -q -- "$2"
}
lines() { wc -l <"$LOG"; }
last_rc() { tail -n 1 "$RCLOG"; }
diag() {
	t_diag_file "$T/out"
	t_diag_file "$LOG" 12
}

# --- keyboard-interactive with OpenSSH --------------------------------------

printf '%s\n' "$PASSWORD" >"$T/answer"
up_down kbd.bin
n=$(lines)
if client "" "${KBD[@]}" -o NumberOfPasswordPrompts=1 && same kbd.bin; then
	t_ok "OpenSSH sftp, keyboard-interactive only: logs in, 300 KB up and down identical"
else
	t_notok "OpenSSH sftp, keyboard-interactive only: logs in, 300 KB up and down identical"
	diag
fi
if grep -q 'Password: $' "$T/prompts" && [ "$(wc -l <"$T/prompts")" = 1 ]; then
	t_ok "  one prompt, ending in \"Password: \""
else
	t_notok "  one prompt, ending in \"Password: \""
	t_diag_file "$T/prompts"
fi
log_since "$n" "accepted keyboard-interactive for $U" &&
	t_ok "  the log says: accepted keyboard-interactive for $U" ||
	{ t_notok "  the log says: accepted keyboard-interactive for $U"; diag; }

printf 'wrong-%s\n' "$PASSWORD" >"$T/answer"
printf 'ls\n' >"$T/batch"
n=$(lines)
runs=$(wc -l <"$RCLOG")
start=$(date +%s%N)
client "SFTPD_MAX_AUTH_TRIES=3" "${KBD[@]}" -o NumberOfPasswordPrompts=10
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
t_is "$rc" 255 "wrong answers until the limit: sftp fails (255)"
t_is "$(wc -l <"$T/prompts")" 3 "  SFTPD_MAX_AUTH_TRIES=3: asked three times though the client would try 10"
i=0
while [ "$(wc -l <"$RCLOG")" -le "$runs" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_is "$(last_rc)" 1 "  sftpd exits 1"
if log_since "$n" "failed keyboard-interactive for $U (3 of 3)" &&
	log_since "$n" "too many authentication failures for $U"; then
	t_ok "  the log counts each failure (3 of 3) and the limit"
else
	t_notok "  the log counts each failure (3 of 3) and the limit"
	diag
fi
if [ "$ms" -ge 600 ]; then
	t_ok "  three failure delays of 200 ms (${ms} ms in all)"
else
	t_notok "  three failure delays of 200 ms (${ms} ms in all)"
fi

printf '%s\n' "$PASSWORD" >"$T/answer"
printf 'ls\n' >"$T/batch"
client "SFTPD_AUTH_METHODS=publickey" "${KBD[@]}" -o NumberOfPasswordPrompts=1
rc=$?
if t_clean_failure "$rc" && [ ! -s "$T/prompts" ]; then
	t_ok "SFTPD_AUTH_METHODS=publickey: keyboard-interactive is not offered (no prompt)"
else
	t_notok "SFTPD_AUTH_METHODS=publickey: keyboard-interactive is not offered (no prompt)"
	diag
fi

# --- chains with OpenSSH -------------------------------------------------

CHAIN="'SFTPD_AUTH_METHODS=publickey,password'"
KEYPW=(-i "$T/keys/uk" -o PreferredAuthentications=publickey,password
	-o PasswordAuthentication=yes -o PubkeyAuthentication=yes -o NumberOfPasswordPrompts=1)
up_down chain.bin
n=$(lines)
if client "$CHAIN" "${KEYPW[@]}" && same chain.bin; then
	t_ok "publickey,password: OpenSSH sftp with key and password logs in, 300 KB up and down identical"
else
	t_notok "publickey,password: OpenSSH sftp with key and password logs in, 300 KB up and down identical"
	diag
fi
if log_since "$n" "partial publickey for $U SHA256:.*; next: password" &&
	log_since "$n" "accepted password for $U"; then
	t_ok "  the log: partial publickey (next: password), then accepted password"
else
	t_notok "  the log: partial publickey (next: password), then accepted password"
	diag
fi

printf 'ls\n' >"$T/batch"
client "$CHAIN" -o BatchMode=yes -i "$T/keys/uk" -o PreferredAuthentications=publickey \
	-o PasswordAuthentication=no
rc=$?
t_clean_failure "$rc" && t_ok "publickey,password: the key alone is refused" ||
	{ t_notok "publickey,password: the key alone is refused (exit $rc)"; diag; }
client "$CHAIN" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1
rc=$?
if t_clean_failure "$rc" && [ ! -s "$T/prompts" ]; then
	t_ok "publickey,password: the password first is not offered (no prompt)"
else
	t_notok "publickey,password: the password first is not offered (no prompt)"
	diag
fi

ALT="'SFTPD_AUTH_METHODS=publickey,password keyboard-interactive'"
up_down alt1.bin
if client "$ALT" "${KBD[@]}" -o NumberOfPasswordPrompts=1 && same alt1.bin; then
	t_ok "\"publickey,password keyboard-interactive\": keyboard-interactive alone logs in"
else
	t_notok "\"publickey,password keyboard-interactive\": keyboard-interactive alone logs in"
	diag
fi
up_down alt2.bin
if client "$ALT" "${KEYPW[@]}" && same alt2.bin; then
	t_ok "  and so do a key then a password"
else
	t_notok "  and so do a key then a password"
	diag
fi
ALT="'SFTPD_AUTH_METHODS=publickey,password publickey'"
up_down alt3.bin
if client "$ALT" -o BatchMode=yes -i "$T/keys/uk" -o PreferredAuthentications=publickey &&
	same alt3.bin; then
	t_ok "\"publickey,password publickey\": a key alone logs in"
else
	t_notok "\"publickey,password publickey\": a key alone logs in"
	diag
fi

out=$(env -i $T_PRIVSEP_ENV SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$T/keys/users" \
	SFTPD_AUTH_METHODS="publickey,hostbased" "$SFTPD" -t 2>&1 >/dev/null)
rc=$?
if [ "$rc" = 100 ] && printf '%s' "$out" | grep -q 'SFTPD_AUTH_METHODS=publickey,hostbased: unknown method "hostbased"'; then
	t_ok "sftpd -t refuses publickey,hostbased naming the variable and the method (exit 100)"
else
	t_notok "sftpd -t refuses publickey,hostbased naming the variable and the method (exit $rc)"
	t_diag "$out"
fi

# --- PuTTY ---------------------------------------------------------------

# psftp answers keyboard-interactive prompts with -pw (as FileZilla and
# WinSCP, which share its code, log in with passwords).
if t_have psftp; then
	fp=$(ssh-keygen -lf "$T/keys/hk.pub" | awk '{print $2}')
	up_down putty.bin
	n=$(lines)
	if timeout 60 psftp -batch -proxycmd "$T/srv SFTPD_AUTH_METHODS=keyboard-interactive" \
		-hostkey "$fp" -pw "$PASSWORD" -b "$T/batch" "$U@sluice-test" >"$T/out" 2>&1 </dev/null &&
		same putty.bin && log_since "$n" "accepted keyboard-interactive for $U"; then
		t_ok "PuTTY psftp -pw, keyboard-interactive only: logs in, 300 KB up and down identical"
	else
		t_notok "PuTTY psftp -pw, keyboard-interactive only: logs in, 300 KB up and down identical"
		diag
	fi
else
	t_skip "PuTTY psftp with keyboard-interactive" "putty-tools not installed"
fi

# --- paramiko ------------------------------------------------------------

py=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then
		py=$c
		break
	fi
done
if [ -z "$py" ]; then
	t_skip "paramiko" "python3-paramiko not installed"
	t_done
	exit
fi
# Each case is one Python run against sftpd on a socketpair-like pipe:
# paramiko's Transport over the ProxyCommand (paramiko.ProxyCommand).
pm() { # NAME ENV PYTHON
	_name=$1
	_env=$2
	if timeout 90 "$py" - "$T/srv $_env" "$U" "$PASSWORD" "$T/keys/uk" "$T/keys/uk2" \
		"$L/f" >"$T/out" 2>&1 <<PY; then
import sys, paramiko
cmd, user, pw, k1, k2, local = sys.argv[1:]
key1 = paramiko.Ed25519Key.from_private_key_file(k1)
key2 = paramiko.Ed25519Key.from_private_key_file(k2)
def transport():
    t = paramiko.Transport(paramiko.ProxyCommand(cmd))
    t.start_client(timeout=30)
    return t
def answers(*a):
    return lambda title, instructions, prompts: list(a)
def refused(f, *a):
    try:
        f(*a)
    except paramiko.AuthenticationException:
        return True
    return False
def transfer(t, name):
    s = paramiko.SFTPClient.from_transport(t)
    data = open(local, "rb").read()
    with s.open(name, "wb") as f:
        f.write(data)
    with s.open(name, "rb") as f:
        assert f.read() == data, "download differs"
    s.remove(name)
$3
PY
		t_ok "$_name"
	else
		t_notok "$_name"
		diag
	fi
}

pm "paramiko auth_interactive: one prompt, Password: not echoed; logs in, 300 KB up and down" "" '
t = transport()
seen = []
def handler(title, instructions, prompts):
    seen.extend(prompts)
    return [pw]
assert t.auth_interactive(user, handler) == [], "not authenticated"
assert seen == [("Password: ", False)], seen
transfer(t, "pm_kbd.bin")
t.close()'

n=$(lines)
pm "paramiko: two answers to one prompt, then no answer: FAILURE each (RFC 4256 s3.4), then the right one" "SFTPD_MAX_AUTH_TRIES=3" '
t = transport()
assert refused(t.auth_interactive, user, answers(pw, pw)), "two answers accepted"
assert refused(t.auth_interactive, user, answers()), "no answer accepted"
assert t.auth_interactive(user, answers(pw)) == [], "not authenticated"
t.close()'
log_since "$n" "failed keyboard-interactive for $U (2 of 3)" &&
	t_ok "  both counted by the monitor (2 of 3)" || { t_notok "  both counted by the monitor (2 of 3)"; diag; }

n=$(lines)
pm "paramiko: a wrong password and a wrong keyboard-interactive answer count toward one limit of 2" "SFTPD_MAX_AUTH_TRIES=2" '
t = transport()
assert refused(t.auth_password, user, "wrong"), "wrong password accepted"
assert refused(t.auth_interactive, user, answers("wrong")), "wrong answer accepted"
assert not t.is_active(), "still connected after the limit"
try:
    t.auth_interactive(user, answers(pw))
    raise SystemExit("authenticated after the limit")
except (paramiko.SSHException, EOFError, OSError):
    pass'
log_since "$n" "failed keyboard-interactive for $U (2 of 2)" &&
	t_ok "  the monitor counted the password (1 of 2) and the answer (2 of 2)" ||
	{ t_notok "  the monitor counted the password (1 of 2) and the answer (2 of 2)"; diag; }

pm "paramiko, publickey,password: the key is a partial success naming password; then the password logs in, 300 KB up and down" "'SFTPD_AUTH_METHODS=publickey,password'" '
t = transport()
assert refused(t.auth_password, user, pw), "password accepted first"
assert t.auth_publickey(user, key1) == ["password"], "no partial success"
assert not t.is_authenticated()
assert t.auth_password(user, pw) == [], "not authenticated"
transfer(t, "pm_chain.bin")
t.close()'

pm "paramiko, publickey,publickey: the same key twice is refused, a second key completes" "'SFTPD_AUTH_METHODS=publickey,publickey'" '
t = transport()
assert t.auth_publickey(user, key1) == ["publickey"], "no partial success"
assert refused(t.auth_publickey, user, key1), "the same key accepted twice"
assert not t.is_authenticated()
assert t.auth_publickey(user, key2) == [], "second key refused"
transfer(t, "pm_twokeys.bin")
t.close()'

pm "paramiko, \"publickey,password keyboard-interactive\": after the key the server names password and keyboard-interactive; keyboard-interactive, a list of its own, completes" "'SFTPD_AUTH_METHODS=publickey,password keyboard-interactive'" '
t = transport()
assert t.auth_publickey(user, key1) == ["password", "keyboard-interactive"], "next methods"
assert t.auth_interactive(user, answers(pw)) == [], "keyboard-interactive alone refused"
t.close()'

t_done
