#!/bin/bash
# sftpd_openssh.sh: OpenSSH's own clients (sftp, scp, ssh) against sftpd,
# through ProxyCommand (no network) and through systemd-socket-activate and
# tcpserver on loopback: transfers compared byte for byte, file operations
# checked on disk, every algorithm, every key type, password login, rekeying,
# settings, confinement (chroot and openat2), refused requests, bad input
# over a pipe (transport and SFTP), plus curl (libssh2), PuTTY and paramiko.
# Prints TAP.  T_KEEP=1 keeps the temp dir; SFTPD_BIN picks the binary.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done

t_tmpdir
T=$T_TMP
ROOT=$T/root        # the account's home and root
L=$T/local          # the client's working directory
OUT=$T/outside      # beside the root: must never be reachable
LOG=$T/sftpd.log    # sftpd's stderr, every session
RCLOG=$T/rc.log     # sftpd's exit status, every proxied session
mkdir -p "$ROOT" "$L" "$OUT" "$T/keys" "$T/u"
USER_NAME=${T_USER:-tester}
PASSWORD='pw-Sluice-1!'

# As root, sftpd chroots and becomes the account's uid: use nobody's ids,
# give it the root, and let it read its keys when started unprivileged too.
if [ "$(id -u)" = 0 ]; then
	ACC_UID=65534
	ACC_GID=65534
else
	ACC_UID=$(id -u)
	ACC_GID=$(id -g)
fi

# --- keys, account, files ------------------------------------------------

t_hostkey ed25519 "$T/keys/hk_ed25519" || t_bail "cannot make an ed25519 host key"
t_hostkey rsa "$T/keys/hk_rsa" 3072 || t_bail "cannot make an RSA host key"
t_hostkey ecdsa "$T/keys/hk_ecdsa" 256 || t_bail "cannot make an ECDSA host key"
t_userkey ed25519 "$T/keys/uk_ed25519"
t_userkey rsa "$T/keys/uk_rsa" 3072
t_userkey ecdsa "$T/keys/uk_ecdsa256" 256
t_userkey ecdsa "$T/keys/uk_ecdsa384" 384
t_userkey ecdsa "$T/keys/uk_ecdsa521" 521
cat "$T"/keys/uk_*.pub >"$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$USER_NAME" "$PASSWORD" "$ACC_UID" "$ACC_GID" "$ROOT" ||
	t_bail "cannot write the users file"
printf '#!/bin/sh\ncat %s\n' "$T/keys/password" >"$T/askpass"
chmod 755 "$T/askpass"
printf '%s\n' "$PASSWORD" >"$T/keys/password"

echo "OUTSIDE-SECRET-0xdeadbeef" >"$OUT/secret.txt"
chmod 644 "$OUT/secret.txt"
ln -s "$OUT/secret.txt" "$ROOT/evil_abs"
ln -s ../outside/secret.txt "$ROOT/evil_rel"
ln -s /etc/passwd "$ROOT/evil_etc"
echo "inside" >"$ROOT/inside.txt"
if [ "$(id -u)" = 0 ]; then
	chown -R "$ACC_UID:$ACC_GID" "$ROOT" "$T/keys"
fi

SIZES="0 1 32767 32768 32769 1048583 10485760"
for s in $SIZES; do
	head -c "$s" /dev/urandom >"$L/f_$s"
done
BIG=$L/f_1048583
HUGE=$L/f_10485760

# --- how to reach the server -------------------------------------------

t_privsep_env "$SFTPD"
# shellcheck disable=SC2206 # T_PRIVSEP_ENV: zero or more VAR=value words
SERVER_ENV=(
	PATH=/usr/sbin:/usr/bin:/sbin:/bin
	$T_PRIVSEP_ENV
	SFTPD_HOST_KEYS="$T/keys/hk_ed25519"
	SFTPD_USERS_FILE="$T/keys/users"
	SFTPD_AUTHORIZED_KEYS="$T/keys/authorized_keys"
	SFTPD_AUTH_FAIL_DELAY_MS=50
)

# As root, the unprivileged cases run sftpd as the account, which cannot
# reach the binary of a clone under a private directory (/root): they run
# a copy then, and are skipped when the account cannot read its keys.
SFTPD_ACC=
if [ "$(id -u)" = 0 ] && t_have setpriv; then
	SFTPD_ACC=$(t_copy_for_uid "$ACC_UID" "$ACC_GID" "$SFTPD") &&
		t_uid_can "$ACC_UID" "$ACC_GID" -r "$T/keys/users" || SFTPD_ACC=
	[ "$SFTPD_ACC" = "$SFTPD" ] || t_diag "uid $ACC_UID cannot run $SFTPD: the unprivileged cases run ${SFTPD_ACC:-nothing}"
fi

# The ProxyCommand: sftpd with the test environment (plus VAR=value
# arguments), stderr to the log, exit status to rc.log.  With UNPRIV=1 as
# root it runs as the account (openat2 confinement instead of chroot).
{
	echo '#!/bin/sh'
	echo "trap 'hup=1' HUP  # ssh hangs up its ProxyCommand; still record the status"
	printf 'pre= bin=%q\n' "$SFTPD"
	echo 'if [ "${UNPRIV:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then'
	echo "  pre=\"setpriv --reuid=$ACC_UID --regid=$ACC_GID --clear-groups\""
	printf '  bin=%q\n' "$SFTPD_ACC"
	echo 'fi'
	printf '$pre env -i'
	printf ' %q' "${SERVER_ENV[@]}"
	printf ' "$@" "$bin" 2>>%q\n' "$LOG"
	printf 'echo "$? $(date +%%T) $*" >>%q\n' "$RCLOG"
} >"$T/srv"
chmod 755 "$T/srv"

SSHO=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
	-o IdentitiesOnly=yes -o ConnectTimeout=10 -o ServerAliveInterval=5
	-o ServerAliveCountMax=3 -o LogLevel=ERROR -o ControlMaster=no
	-o ControlPath=none -o PasswordAuthentication=no
	-o KbdInteractiveAuthentication=no)
KEY=$T/keys/uk_ed25519
TMO=${T_TIMEOUT:-90}

# Transport for the next client call: proxy (default), proxy with extra
# server environment, or the loopback port of a super-server.
MODE=proxy
PORT=
SRV_ENV=
UNPRIV=0

# conn: the options that reach the server, into CONN (and DEST).
conn() {
	if [ "$MODE" = socket ]; then
		CONN=(-o "Port=$PORT")
		DEST=$USER_NAME@127.0.0.1
	else
		CONN=(-o "ProxyCommand=env UNPRIV=$UNPRIV $T/srv $SRV_ENV")
		DEST=$USER_NAME@sluice-test
	fi
}

# sftp_batch BATCHTEXT [client options...]: one sftp -b session run in $L.
sftp_batch() {
	printf '%s\n' "$1" >"$T/batch"
	shift
	conn
	(cd "$L" && timeout "$TMO" sftp "$@" "${CONN[@]}" -i "$KEY" "${SSHO[@]}" \
		-b "$T/batch" "$DEST")
}

# run_ssh [options...] -- [command...]: ssh with the current transport.
run_ssh() {
	_o=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_o+=("$1")
		shift
	done
	shift
	conn
	timeout 30 ssh "${_o[@]}" "${CONN[@]}" -i "$KEY" "${SSHO[@]}" "$DEST" "$@" </dev/null
}

# xfer LABEL [client options...]: put then get 1 MiB+7, both compared.
xfer() {
	_lab=$1
	_f=$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_')
	shift
	rm -f "$ROOT/x_$_f" "$L/y_$_f"
	if sftp_batch "put $BIG x_$_f
get x_$_f $L/y_$_f" "$@" >"$T/last.out" 2>&1 &&
		cmp -s "$BIG" "$ROOT/x_$_f" && cmp -s "$BIG" "$L/y_$_f"; then
		t_ok "$_lab: put+get 1 MiB+7 identical"
	else
		t_notok "$_lab: put+get 1 MiB+7 identical"
		t_diag_file "$T/last.out"
		t_diag_file "$LOG" 5
	fi
	rm -f "$ROOT/x_$_f" "$L/y_$_f"
}

# no_leak NAME: ok when $L/NAME is absent or holds nothing from outside.
no_leak() {
	if [ -e "$L/$1" ] && grep -q -e OUTSIDE-SECRET -e '^root:' "$L/$1"; then
		t_notok "$2"
		t_diag "outside content reached the client"
	else
		t_ok "$2"
	fi
	rm -f "$L/$1"
}

# --- the file suite, run once per transport --------------------------------

file_suite() { # LABEL
	lab=$1
	d=$ROOT/$lab
	rm -rf "$d" "$L"/g_*
	b="mkdir $lab
cd $lab"
	for s in $SIZES; do b="$b
put f_$s"; done
	for s in $SIZES; do b="$b
get f_$s g_$s"; done
	t_run "$lab: sftp -b session with puts and gets" sftp_batch "$b"
	for s in $SIZES; do
		if cmp -s "$L/f_$s" "$d/f_$s" && cmp -s "$L/f_$s" "$L/g_$s"; then
			t_ok "$lab: $s bytes up and down identical"
		else
			t_notok "$lab: $s bytes up and down identical"
		fi
	done

	sftp_batch "cd $lab
ls -l" >"$T/ls.out" 2>&1
	line=$(awk '$NF == "f_32768"' "$T/ls.out")
	set -- $line
	if [ "$#" -ge 9 ] && [ "$5" = 32768 ] && [[ "$1" =~ ^-rw-r--r-- ]]; then
		t_ok "$lab: ls -l shows f_32768 as -rw-r--r-- with 32768 bytes"
	else
		t_notok "$lab: ls -l shows f_32768 as -rw-r--r-- with 32768 bytes"
		t_diag_file "$T/ls.out"
	fi
	n=$(grep -c ' f_' "$T/ls.out")
	t_is "$n" 7 "$lab: ls -l lists the 7 files"

	mkdir -p "$d/rmme_dir"
	echo x >"$d/rmme_file"
	echo y >"$d/mvme"
	[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$d"
	sftp_batch "cd $lab
-mkdir d1
-rmdir rmme_dir
-rename mvme moved
-rm rmme_file
-chmod 640 f_32767
-ln -s f_32769 lnk
-get lnk via_link
-df
-df -h" >"$T/ops.out" 2>&1
	[ -d "$d/d1" ] && t_ok "$lab: mkdir" || t_notok "$lab: mkdir"
	[ ! -e "$d/rmme_dir" ] && t_ok "$lab: rmdir" || t_notok "$lab: rmdir"
	if [ -e "$d/moved" ] && [ ! -e "$d/mvme" ]; then t_ok "$lab: rename"; else t_notok "$lab: rename"; fi
	[ ! -e "$d/rmme_file" ] && t_ok "$lab: rm" || t_notok "$lab: rm"
	t_is "$(stat -c %a "$d/f_32767" 2>/dev/null)" 640 "$lab: chmod 640"
	t_is "$(readlink "$d/lnk" 2>/dev/null)" f_32769 "$lab: ln -s stores the target verbatim"
	if cmp -s "$L/via_link" "$L/f_32769"; then t_ok "$lab: get through a symlink"; else t_notok "$lab: get through a symlink"; fi
	if grep -Eq '^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+%' "$T/ops.out"; then
		t_ok "$lab: df prints sizes"
	else
		t_notok "$lab: df prints sizes"
		t_diag_file "$T/ops.out"
	fi
	if [ "$(id -u)" = 0 ]; then
		t_is "$(stat -c %u "$d/f_32768" 2>/dev/null)" "$ACC_UID" "$lab: uploads belong to the account"
	fi

	# resume: a local prefix completed by reget, a remote prefix by reput
	head -c 300007 "$BIG" >"$L/part"
	head -c 500001 "$BIG" >"$L/rpart"
	sftp_batch "cd $lab
put rpart rp
reget f_1048583 part
reput f_1048583 rp" >"$T/last.out" 2>&1
	if cmp -s "$L/part" "$BIG"; then t_ok "$lab: reget completes a partial download"; else t_notok "$lab: reget completes a partial download"; t_diag_file "$T/last.out"; fi
	if cmp -s "$d/rp" "$BIG"; then t_ok "$lab: reput completes a partial upload"; else t_notok "$lab: reput completes a partial upload"; t_diag_file "$T/last.out"; fi
	rm -f "$L/part" "$L/rpart" "$L/via_link"
}

# --- confinement, run once per kind of confinement ------------------------

confine_suite() { # LABEL
	lab=$1
	sftp_batch "get ../outside/secret.txt c1" >/dev/null 2>&1
	no_leak c1 "$lab: get ../outside/secret.txt fails"
	sftp_batch "get ../../../../../etc/passwd c2" >/dev/null 2>&1
	no_leak c2 "$lab: get ../../../../../etc/passwd does not leak"
	sftp_batch "get $OUT/secret.txt c3" >/dev/null 2>&1
	no_leak c3 "$lab: get of the absolute host path fails"
	sftp_batch "get evil_abs c4" >/dev/null 2>&1
	no_leak c4 "$lab: absolute symlink to an outside file does not leak"
	sftp_batch "get evil_rel c5" >/dev/null 2>&1
	no_leak c5 "$lab: relative symlink climbing out does not leak"
	sftp_batch "get evil_etc c6" >/dev/null 2>&1
	no_leak c6 "$lab: symlink to /etc/passwd does not leak"
	sftp_batch "-ln -s $OUT/secret.txt made_$lab
get made_$lab c7" >/dev/null 2>&1
	no_leak c7 "$lab: a symlink made over SFTP does not leak"
	rm -f "$OUT/planted"
	sftp_batch "put f_1 ../outside/planted" >/dev/null 2>&1
	sftp_batch "put f_1 $OUT/planted" >/dev/null 2>&1
	if [ -e "$OUT/planted" ]; then t_notok "$lab: put cannot write outside"; else t_ok "$lab: put cannot write outside"; fi
	sftp_batch "cd ..
cd ..
ls" >"$T/last.out" 2>&1
	if grep -q -e outside -e sluice-test "$T/last.out"; then
		t_notok "$lab: cd .. stays in the root"
		t_diag_file "$T/last.out"
	else
		t_ok "$lab: cd .. stays in the root"
	fi
	if t_have scp; then
		conn
		rm -f "$L/c8"
		timeout 30 scp "${CONN[@]}" -i "$KEY" "${SSHO[@]}" "$DEST:../outside/secret.txt" "$L/c8" >/dev/null 2>&1
		no_leak c8 "$lab: scp of ../outside/secret.txt does not leak"
	fi
}

# === through ProxyCommand ===================================================

MODE=proxy
t_run "proxy: connect, authenticate with ed25519, ls" sftp_batch "ls"
file_suite proxy

if [ "$(id -u)" = 0 ]; then
	confine_suite chroot
	if ! t_have setpriv; then
		t_skip "openat2 confinement as an unprivileged server" "setpriv missing (util-linux)"
	elif [ -z "$SFTPD_ACC" ]; then
		t_skip "openat2 confinement as an unprivileged server" \
			"uid $ACC_UID cannot reach $T (TMPDIR ${TMPDIR:-/tmp} not open to other users?)"
	else
		UNPRIV=1
		t_run "unprivileged: connect and ls as uid $ACC_UID" sftp_batch "ls"
		xfer unprivileged
		confine_suite openat2
		UNPRIV=0
	fi
else
	confine_suite openat2
fi

# --- scp (SFTP protocol, the default since OpenSSH 9.0) --------------------

if t_have scp; then
	conn
	SCP=(timeout "$TMO" scp -q "${CONN[@]}" -i "$KEY" "${SSHO[@]}")
	mkdir -p "$L/tree/a/b" "$L/tree/empty"
	cp "$L/f_0" "$L/f_32769" "$L/tree/"
	cp "$L/f_1" "$L/tree/a/"
	cp "$BIG" "$L/tree/a/b/"
	t_run "scp upload" "${SCP[@]}" "$L/f_32769" "$DEST:scp_up"
	cmp -s "$L/f_32769" "$ROOT/scp_up" && t_ok "scp upload identical" || t_notok "scp upload identical"
	rm -f "$L/scp_down"
	t_run "scp download" "${SCP[@]}" "$DEST:proxy/f_1048583" "$L/scp_down"
	cmp -s "$BIG" "$L/scp_down" && t_ok "scp download identical" || t_notok "scp download identical"
	t_run "scp -r upload" "${SCP[@]}" -r "$L/tree" "$DEST:treeup"
	t_run "scp -r upload: trees identical" diff -r "$L/tree" "$ROOT/treeup"
	rm -rf "$L/treedown"
	t_run "scp -r download" "${SCP[@]}" -r "$DEST:treeup" "$L/treedown"
	t_run "scp -r download: trees identical" diff -r "$L/tree" "$L/treedown"
	touch -d '2001-02-03 04:05:06' "$L/f_32768"
	t_run "scp -p upload" "${SCP[@]}" -p "$L/f_32768" "$DEST:scp_p"
	t_is "$(stat -c %Y "$ROOT/scp_p" 2>/dev/null)" "$(stat -c %Y "$L/f_32768")" "scp -p upload keeps the mtime"
	touch -d '2002-03-04 05:06:07' "$ROOT/scp_p"
	rm -f "$L/scp_p_down"
	t_run "scp -p download" "${SCP[@]}" -p "$DEST:scp_p" "$L/scp_p_down"
	t_is "$(stat -c %Y "$L/scp_p_down" 2>/dev/null)" "$(stat -c %Y "$ROOT/scp_p")" "scp -p download keeps the mtime"
	# legacy scp -O (the exec requests scp -t and scp -f): sftpd_scp.sh
else
	t_skip "scp" "scp not installed (openssh-client)"
fi

# --- algorithms ---------------------------------------------------------------

for c in chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com aes128-ctr aes256-ctr; do
	xfer "cipher $c" -c "$c"
done
for m in hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512; do
	xfer "mac $m" -c aes128-ctr -o "MACs=$m"
done
xfer "kex curve25519-sha256@libssh.org" -o KexAlgorithms=curve25519-sha256@libssh.org
# sftpd never reads OpenSSL's configuration file: one that would leave
# libcrypto no algorithm at all (every fetch must come from a FIPS
# provider, and none is loaded) changes nothing for a login with an RSA key
# (checked by libcrypto in the monitor) and AES-128-GCM.
printf 'openssl_conf = c\n[c]\nalg_section = a\n[a]\ndefault_properties = fips=yes\n' >"$T/nofetch.cnf"
SRV_ENV="OPENSSL_CONF=$T/nofetch.cnf"
_key=$KEY
KEY=$T/keys/uk_rsa
xfer "OPENSSL_CONF ignored: RSA key, aes128-gcm" -c aes128-gcm@openssh.com
KEY=$_key
SRV_ENV=
xfer "compression (sftp -C, zlib@openssh.com)" -C
sftp_batch "ls" -o LogLevel=DEBUG3 >"$T/last.out" 2>&1
if grep -q "will use strict KEX ordering" "$T/last.out"; then t_ok "strict KEX (Terrapin counter-measure) in use"; else t_notok "strict KEX (Terrapin counter-measure) in use"; fi
if grep -q "server-sig-algs=<.*rsa-sha2-512" "$T/last.out"; then t_ok "EXT_INFO server-sig-algs sent"; else t_notok "EXT_INFO server-sig-algs sent"; fi
# rekey_case NAME [client options]: 10 MiB up and down with a rekey limit
# on one side; the debug log must show more than one key exchange.
rekey_case() {
	_n=$1
	shift
	rm -f "$ROOT/rk" "$L/rk_back"
	_l0=$(wc -l <"$LOG")
	sftp_batch "put $HUGE rk
get rk rk_back" "$@" >"$T/last.out" 2>&1
	_kex=$(tail -n +"$((_l0 + 1))" "$LOG" | grep -c 'new keys in use')
	if cmp -s "$HUGE" "$ROOT/rk" && cmp -s "$HUGE" "$L/rk_back" && [ "$_kex" -gt 2 ]; then
		t_ok "$_n: 10 MiB put+get identical, $_kex key exchanges"
	else
		t_notok "$_n: 10 MiB put+get identical, $_kex key exchanges (want > 2)"
		t_diag_file "$T/last.out"
	fi
	rm -f "$ROOT/rk" "$L/rk_back"
}
SRV_ENV="SFTPD_LOG_LEVEL=debug"
rekey_case "rekey asked by the client (RekeyLimit=1M)" -o RekeyLimit=1M
SRV_ENV="SFTPD_LOG_LEVEL=debug SFTPD_REKEY_BYTES=1M"
rekey_case "rekey started by the server (SFTPD_REKEY_BYTES=1M)"
# Every cipher and MAC survives the hand-over from the network child to the
# session process, and a rekey (signed by the signer) right after it.
SRV_ENV="SFTPD_LOG_LEVEL=debug"
for c in chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com; do
	rekey_case "hand-over then rekeys, $c" -c "$c" -o RekeyLimit=1M
done
for m in hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512; do
	rekey_case "hand-over then rekeys, aes256-ctr + $m" -c aes256-ctr -o "MACs=$m" -o RekeyLimit=1M
done
rekey_case "hand-over then rekeys, compression" -C -o RekeyLimit=1M
# Past 4 MiB in a direction chacha20-poly1305 moves to libcrypto's code:
# 10 MiB each way without a rekey, both directions switched, bytes intact.
rm -f "$ROOT/cc" "$L/cc_back"
_l0=$(wc -l <"$LOG")
sftp_batch "put $HUGE cc
get cc cc_back" -c chacha20-poly1305@openssh.com >"$T/last.out" 2>&1
_sw=$(tail -n +"$((_l0 + 1))" "$LOG" | grep -c "chacha20-poly1305: libcrypto's code from here on")
if cmp -s "$HUGE" "$ROOT/cc" && cmp -s "$HUGE" "$L/cc_back" && [ "$_sw" = 2 ]; then
	t_ok "chacha20-poly1305 past 4 MiB: libcrypto's code both ways, 10 MiB put+get identical"
else
	t_notok "chacha20-poly1305 past 4 MiB: libcrypto's code both ways, 10 MiB put+get identical ($_sw switches)"
	t_diag_file "$T/last.out"
fi
rm -f "$ROOT/cc" "$L/cc_back"
SRV_ENV=

# Host keys: the client trusts only the expected key (strict checking), so
# a pass proves that key signed the exchange.
hostkey_case() { # LABEL KEYFILES HOSTKEYALG PUBFILE
	echo "sluice-test $(cut -d' ' -f1,2 "$4")" >"$T/kh"
	SRV_ENV="SFTPD_HOST_KEYS=$2"
	xfer "host key $1" -o "HostKeyAlgorithms=$3" -o StrictHostKeyChecking=yes \
		-o "UserKnownHostsFile=$T/kh"
	SRV_ENV=
}
hostkey_case ed25519 "$T/keys/hk_ed25519" ssh-ed25519 "$T/keys/hk_ed25519.pub"
hostkey_case rsa-sha2-512 "$T/keys/hk_rsa" rsa-sha2-512 "$T/keys/hk_rsa.pub"
hostkey_case rsa-sha2-256 "$T/keys/hk_rsa" rsa-sha2-256 "$T/keys/hk_rsa.pub"
hostkey_case ecdsa-sha2-nistp256 "$T/keys/hk_ecdsa" ecdsa-sha2-nistp256 "$T/keys/hk_ecdsa.pub"
hostkey_case "rsa-sha2-512 among three" "$T/keys/hk_ed25519,$T/keys/hk_rsa,$T/keys/hk_ecdsa" rsa-sha2-512 "$T/keys/hk_rsa.pub"
hostkey_case "ecdsa among three" "$T/keys/hk_ed25519,$T/keys/hk_rsa,$T/keys/hk_ecdsa" ecdsa-sha2-nistp256 "$T/keys/hk_ecdsa.pub"

# --- user authentication ------------------------------------------------------

for k in ed25519 rsa ecdsa256 ecdsa384 ecdsa521; do
	KEY=$T/keys/uk_$k
	t_run "publickey $k" sftp_batch "ls" -o PreferredAuthentications=publickey
done
KEY=$T/keys/uk_rsa
t_run "publickey rsa with rsa-sha2-256" sftp_batch "ls" -o PubkeyAcceptedAlgorithms=rsa-sha2-256
t_run "publickey rsa with rsa-sha2-512" sftp_batch "ls" -o PubkeyAcceptedAlgorithms=rsa-sha2-512
t_fails "publickey rsa with SHA-1 signatures (ssh-rsa) is refused" sftp_batch "ls" \
	-o PubkeyAcceptedAlgorithms=ssh-rsa -o PreferredAuthentications=publickey
KEY=$T/keys/uk_ed25519
SRV_ENV="SFTPD_HOST_KEYS=$T/keys/hk_rsa"
t_fails "host key ssh-rsa (SHA-1) is not offered" sftp_batch "ls" -o HostKeyAlgorithms=ssh-rsa
SRV_ENV=
KEY=$T/keys/nokey
t_userkey ed25519 "$KEY"
t_fails "publickey with a key not in authorized_keys is refused" sftp_batch "ls"

# password through SSH_ASKPASS, no terminal
pw_login() { # password-file-content [ssh options]
	printf '%s\n' "$1" >"$T/keys/password"
	shift
	conn
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		setsid -w timeout 60 ssh -o BatchMode=no -o PasswordAuthentication=yes \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		"$@" "${CONN[@]}" "${SSHO[@]}" -s "$DEST" sftp </dev/null
}
printf 'ls\n' >"$T/batch"
conn
t_run "password login (SSH_ASKPASS) with sftp" env SSH_ASKPASS="$T/askpass" \
	SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w timeout 60 sftp -o BatchMode=no \
	-o PasswordAuthentication=yes -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 "${CONN[@]}" "${SSHO[@]}" \
	-b "$T/batch" "$DEST"

lines_before=$(wc -l <"$LOG")
SRV_ENV="SFTPD_MAX_AUTH_TRIES=3"
sessions_before=$(wc -l <"$RCLOG")
start=$(date +%s)
pw_login "wrong-password" -o NumberOfPasswordPrompts=10 >"$T/last.out" 2>&1
rc=$?
SRV_ENV=
t_is "$rc" 255 "wrong passwords until disconnect: ssh exits 255"
# The server's status is written just after ssh sees the disconnect, and
# the session before may write its own after sessions_before was read:
# the line of this session is the one that ends with its environment.
i=0
while ! tail -n +"$((sessions_before + 1))" "$RCLOG" | grep -q ' SFTPD_MAX_AUTH_TRIES=3$' &&
	[ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_is "$(tail -n +"$((sessions_before + 1))" "$RCLOG" | grep ' SFTPD_MAX_AUTH_TRIES=3$' |
	cut -d' ' -f1)" 1 "wrong passwords until disconnect: sftpd exits 1"
secs=$(($(date +%s) - start))
if [ "$secs" -lt 30 ]; then t_ok "wrong passwords: over in $secs s"; else t_notok "wrong passwords: over in $secs s"; fi
if tail -n +"$((lines_before + 1))" "$LOG" | grep -qi "$USER_NAME"; then
	t_ok "wrong passwords are logged with the user name"
else
	t_notok "wrong passwords are logged with the user name"
	t_diag_file "$LOG" 8
fi
printf '%s\n' "$PASSWORD" >"$T/keys/password"

# --- settings that change behaviour ------------------------------------------

KEY=$T/keys/uk_ed25519

SRV_ENV="SFTPD_READ_ONLY=yes"
rm -f "$ROOT/ro_up" "$L/ro_down"
sftp_batch "-put f_1 ro_up
get inside.txt ro_down" >"$T/last.out" 2>&1
if [ ! -e "$ROOT/ro_up" ] && cmp -s "$ROOT/inside.txt" "$L/ro_down"; then
	t_ok "SFTPD_READ_ONLY=yes: put refused, get works"
else
	t_notok "SFTPD_READ_ONLY=yes: put refused, get works"
	t_diag_file "$T/last.out"
fi
SRV_ENV="SFTPD_UMASK=077"
rm -f "$ROOT/um"
sftp_batch "put f_1 um" >/dev/null 2>&1
t_is "$(stat -c %a "$ROOT/um" 2>/dev/null)" 600 "SFTPD_UMASK=077: an upload of a 644 file is 600"
mkdir -p "$T/roots/$USER_NAME"
echo "per-user root" >"$T/roots/$USER_NAME/mine.txt"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/roots/$USER_NAME"
SRV_ENV="SFTPD_ROOT=$T/roots/%%u" # %% : ssh expands ProxyCommand
sftp_batch "ls" >"$T/last.out" 2>&1
if grep -q mine.txt "$T/last.out" && ! grep -q inside.txt "$T/last.out"; then
	t_ok "SFTPD_ROOT=.../%u confines to the per-user directory"
else
	t_notok "SFTPD_ROOT=.../%u confines to the per-user directory"
	t_diag_file "$T/last.out"
fi
SRV_ENV="SFTPD_CIPHERS=aes256-ctr"
t_fails "SFTPD_CIPHERS=aes256-ctr: a client offering only chacha20 is refused" \
	sftp_batch "ls" -c chacha20-poly1305@openssh.com
xfer "SFTPD_CIPHERS=aes256-ctr: a client offering it gets in" -c aes256-ctr
SRV_ENV="SFTPD_AUTH_METHODS=publickey"
t_fails "SFTPD_AUTH_METHODS=publickey: password login refused" pw_login "$PASSWORD" -o NumberOfPasswordPrompts=1
echo "Authorized use only. sluice-banner-$$" >"$T/banner.txt"
chmod 644 "$T/banner.txt"
SRV_ENV="SFTPD_BANNER=$T/banner.txt"
conn
timeout 30 sftp "${CONN[@]}" -i "$KEY" -o LogLevel=INFO "${SSHO[@]}" -b "$T/batch" "$DEST" >"$T/last.out" 2>&1
if grep -q "sluice-banner-$$" "$T/last.out"; then t_ok "SFTPD_BANNER is shown before login"; else t_notok "SFTPD_BANNER is shown before login"; t_diag_file "$T/last.out"; fi
SRV_ENV="SFTPD_IDLE_TIMEOUT=1"
start=$(date +%s)
conn
timeout 30 ssh "${CONN[@]}" -i "$KEY" "${SSHO[@]}" -s "$DEST" sftp < <(sleep 6) >/dev/null 2>&1
secs=$(($(date +%s) - start))
if [ "$secs" -lt 5 ]; then t_ok "SFTPD_IDLE_TIMEOUT=1 ends an idle session ($secs s)"; else t_notok "SFTPD_IDLE_TIMEOUT=1 ends an idle session ($secs s)"; fi
SRV_ENV=
conn
sleep 4 | timeout 30 ssh -o ServerAliveInterval=1 -o ServerAliveCountMax=2 "${CONN[@]}" -i "$KEY" \
	"${SSHO[@]}" -s "$DEST" sftp >/dev/null 2>"$T/last.out"
rc=$?
if [ "$rc" = 0 ] && ! grep -qi timeout "$T/last.out"; then
	t_ok "keepalive requests are answered (4 s idle, ServerAliveInterval=1)"
else
	t_notok "keepalive requests are answered (ssh exit $rc)"
	t_diag_file "$T/last.out"
fi
USER_NAME=nosuchuser
t_fails "unknown user with a known key refused" sftp_batch "ls"
USER_NAME=${T_USER:-tester}

# --- what sftpd refuses -------------------------------------------------------

KEY=$T/keys/uk_ed25519
run_ssh -T -- >"$T/last.out" 2>&1
rc=$?
if t_clean_failure "$rc"; then t_ok "shell refused cleanly (ssh exit $rc)"; else t_notok "shell refused cleanly (ssh exit $rc)"; t_diag_file "$T/last.out"; fi
run_ssh -T -- echo SHOULD-NOT-RUN-$$ >"$T/last.out" 2>&1
rc=$?
if t_clean_failure "$rc" && ! grep -q "SHOULD-NOT-RUN-$$" "$T/last.out"; then
	t_ok "exec refused cleanly (ssh exit $rc)"
else
	t_notok "exec refused cleanly (ssh exit $rc)"
	t_diag_file "$T/last.out"
fi
run_ssh -tt -- >"$T/last.out" 2>&1
rc=$?
if t_clean_failure "$rc"; then t_ok "pty + shell refused cleanly (ssh exit $rc)"; else t_notok "pty + shell refused cleanly (ssh exit $rc)"; fi
t_fails "subsystem other than sftp refused" run_ssh -T -s -- nosuchsubsystem
t_fails "port forwarding (direct-tcpip) refused" run_ssh -W 127.0.0.1:9 --

# --- bad input over a pipe ------------------------------------------------------

if t_have python3; then
	cat >"$T/sshprobe.py" <<'PY'
# sshprobe: feeds bad input to an inetd-style SSH server over a pipe.
# usage: sshprobe.py MODE RCFILE -- SERVER ARGV...
#   garbage  version line, then random bytes
#   bigpkt   version line, then a packet length of 0x7fffffff
#   http     an HTTP request instead of a version line
#   silent   version line, then nothing (login grace time)
#   longversion, manylines, badpad, misaligned, zero, early, kexgarbage,
#   nocommon, kexfollow: malformed or out-of-order cleartext packets
#   flip     relay stdin/stdout <-> server (a ProxyCommand) and flip one
#            bit in the first encrypted packet the client sends
# Writes "RC SECS" (server exit status, wall time) to RCFILE.
import os, select, subprocess, sys, time

mode, rcfile = sys.argv[1], sys.argv[2]
argv = sys.argv[sys.argv.index("--") + 1:]
t0 = time.monotonic()
p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     bufsize=0)
sin, sout = p.stdin.fileno(), p.stdout.fileno()

def send(b):
    try:
        os.write(sin, b)
    except (BrokenPipeError, ConnectionResetError):
        pass

def finish(limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r, _, _ = select.select([sout], [], [], 0.1)
        if r and not os.read(sout, 65536):
            break
    try:
        rc = p.wait(timeout=max(0.1, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = "timeout"
    if rc != "timeout" and rc < 0:
        rc = 128 - rc
    with open(rcfile, "w") as f:
        f.write("%s %.2f\n" % (rc, time.monotonic() - t0))

def packet(payload, padlen=None):
    # a cleartext binary packet (before the first NEWKEYS)
    if padlen is None:
        padlen = 8 - (5 + len(payload)) % 8
        if padlen < 4:
            padlen += 8
    body = bytes([padlen]) + payload + b"\0" * padlen
    return len(body).to_bytes(4, "big") + body

def sshstr(b):
    return len(b).to_bytes(4, "big") + b

def kexinit(lists):
    return bytes([20]) + os.urandom(16) + b"".join(sshstr(x) for x in lists) + b"\0" + b"\0" * 4

GOOD = [b"curve25519-sha256", b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr",
        b"hmac-sha2-256", b"hmac-sha2-256", b"none", b"none", b"", b""]

if mode == "http":
    send(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    finish(10)
elif mode == "longversion":
    send(b"SSH-2.0-" + b"A" * 100000)
    finish(10)
elif mode == "manylines":
    send(b"hello\r\n" * 20000)
    finish(10)
elif mode in ("badpad", "misaligned", "zero", "early", "kexgarbage", "nocommon", "kexfollow"):
    send(b"SSH-2.0-sluice_probe\r\n")
    if mode == "badpad":
        send((12).to_bytes(4, "big") + bytes([200]) + bytes([20]) + b"x" * 10)
    elif mode == "misaligned":
        send((13).to_bytes(4, "big") + bytes([4]) + bytes([20]) + b"x" * 11)
    elif mode == "zero":
        send(b"\0\0\0\0" + b"\0" * 16)
    elif mode == "early":
        send(packet(bytes([5]) + sshstr(b"ssh-userauth")))
    elif mode == "kexgarbage":
        send(packet(bytes([20]) + os.urandom(16) + b"\xff\xff\xff\xf0" + b"x" * 40))
    elif mode == "nocommon":
        l = list(GOOD)
        l[2] = l[3] = b"3des-cbc"
        send(packet(kexinit(l)))
    elif mode == "kexfollow":
        # a valid KEXINIT, then the same again: a second KEXINIT mid-exchange
        send(packet(kexinit(GOOD)) + packet(kexinit(GOOD)))
    finish(10)
elif mode in ("garbage", "bigpkt", "silent"):
    send(b"SSH-2.0-sluice_probe\r\n")
    if mode == "garbage":
        send(b"\x00\x00\x01\x00" + os.urandom(4) + b"\xff" * 300)
    elif mode == "bigpkt":
        send(b"\x7f\xff\xff\xff\x0a" + b"\x00" * 60)
    finish(15)
elif mode == "flip":
    cin, cout = 0, 1
    buf, state = b"", "version"
    while True:
        r, _, _ = select.select([cin, sout], [], [], 30)
        if not r:
            break
        if sout in r:
            d = os.read(sout, 65536)
            if not d:
                break
            os.write(cout, d)
        if cin in r:
            d = os.read(cin, 65536)
            if not d:
                break
            if state == "pass":
                send(d)
                continue
            buf += d
            out = b""
            while True:
                if state == "version":
                    i = buf.find(b"\n")
                    if i < 0:
                        break
                    out, buf, state = out + buf[:i + 1], buf[i + 1:], "clear"
                elif state == "clear":
                    if len(buf) < 6:
                        break
                    n = int.from_bytes(buf[:4], "big")
                    if len(buf) < 4 + n:
                        break
                    msg = buf[5]
                    out, buf = out + buf[:4 + n], buf[4 + n:]
                    if msg == 21:  # NEWKEYS: encrypted from here on
                        state = "flip"
                elif state == "flip":
                    if len(buf) < 12:
                        break
                    b = bytearray(buf)
                    b[10] ^= 0x01
                    out, buf, state = out + bytes(b), b"", "pass"
                else:
                    break
            send(out)
    try:
        p.stdin.close()
    except OSError:
        pass
    finish(10)
PY
	probe() { # MODE NAME MAXSECS [VAR=value...]
		_m=$1 _n=$2 _max=$3
		shift 3
		rm -f "$T/probe.rc"
		python3 "$T/sshprobe.py" "$_m" "$T/probe.rc" -- env -i "${SERVER_ENV[@]}" "$@" "$SFTPD" \
			</dev/null >/dev/null 2>>"$LOG"
		read -r _rc _secs <"$T/probe.rc" 2>/dev/null || _rc=none
		if [ "$_rc" = 1 ] && awk "BEGIN{exit !($_secs < $_max)}"; then
			t_ok "$_n: sftpd closes, exit 1 after $_secs s"
		else
			t_notok "$_n: sftpd closes, exit 1 (got exit $_rc after ${_secs:-?} s, limit $_max s)"
			t_diag_file "$LOG" 4
		fi
	}
	probe garbage "garbage after the banner" 5
	probe bigpkt "packet length 0x7fffffff" 5
	probe http "HTTP request instead of a version line" 5
	probe silent "silent client, login grace time 2 s" 6 SFTPD_LOGIN_GRACE_TIME=2
	probe longversion "100 kB version line without a newline" 5
	probe manylines "20000 lines instead of a version" 5
	probe badpad "padding length larger than the packet" 5
	probe misaligned "packet length not a multiple of the block size" 5
	probe zero "packet length 0" 5
	probe early "SERVICE_REQUEST before the key exchange" 5
	probe kexgarbage "KEXINIT with a name-list length of 4 GB" 5
	probe nocommon "KEXINIT with no cipher in common" 5
	probe kexfollow "a second KEXINIT during the key exchange" 5
	for c in chacha20-poly1305@openssh.com aes256-gcm@openssh.com aes128-ctr; do
		rm -f "$T/probe.rc"
		pc="python3 $T/sshprobe.py flip $T/probe.rc -- env -i $(printf '%q ' "${SERVER_ENV[@]}")$SFTPD"
		timeout 30 ssh -c "$c" -o "ProxyCommand=$pc 2>>$LOG" \
			-i "$KEY" "${SSHO[@]}" -s "$USER_NAME@sluice-test" sftp </dev/null >"$T/last.out" 2>&1
		sshrc=$?
		read -r _rc _secs <"$T/probe.rc" 2>/dev/null || _rc=none
		if [ "$_rc" = 1 ] && [ "$sshrc" = 255 ]; then
			t_ok "bad MAC ($c): sftpd exits 1 after $_secs s, ssh 255"
		else
			t_notok "bad MAC ($c): sftpd exit $_rc after ${_secs:-?} s, ssh $sshrc"
			t_diag_file "$T/last.out" 4
			t_diag_file "$LOG" 4
		fi
	done
else
	t_skip "bad input over a pipe" "python3 not installed"
fi

# bad SFTP input after login, through a real ssh session (ssh -s ... sftp)
if t_have python3; then
	cat >"$T/sftpprobe.py" <<'PY'
# sftpprobe: speaks raw SFTP through an ssh command line (argv after --).
# Modes: unknown, badhandle, truncated, nulpath, huge.  Exit 0 when the
# server answered as it should (or, for huge, closed the channel promptly).
import os, select, subprocess, sys, time
mode = sys.argv[1]
argv = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
buf = b""
def u32(n): return n.to_bytes(4, "big")
def sstr(b): return u32(len(b)) + b
def send(body): p.stdin.write(u32(len(body)) + body)
def recv(limit=15):
    global buf
    end = time.monotonic() + limit
    while True:
        if len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[:4], "big"):
            n = int.from_bytes(buf[:4], "big")
            m, buf = buf[4:4 + n], buf[4 + n:]
            return m
        r, _, _ = select.select([p.stdout], [], [], max(0, end - time.monotonic()))
        if not r:
            sys.exit("timeout waiting for a reply")
        d = os.read(p.stdout.fileno(), 65536)
        if not d:
            return None
        buf += d
def status(m, rid):
    assert m is not None, "connection closed"
    assert m[0] == 101 and int.from_bytes(m[1:5], "big") == rid, "want STATUS for id %d, got %r" % (rid, m[:12])
    return int.from_bytes(m[5:9], "big")
def alive(rid):
    send(bytes([16]) + u32(rid) + sstr(b"."))  # REALPATH .
    m = recv()
    assert m is not None and m[0] == 104 and int.from_bytes(m[1:5], "big") == rid, "session not usable after bad input"
send(bytes([1]) + u32(3))  # INIT v3
m = recv()
assert m and m[0] == 2, "no VERSION reply"
if mode == "unknown":
    send(bytes([250]) + u32(7) + b"junk")
    assert status(recv(), 7) == 8, "want OP_UNSUPPORTED"
    alive(8)
elif mode == "badhandle":
    send(bytes([5]) + u32(9) + sstr(b"nosuchhandle") + u32(0) + u32(0) + u32(100))  # READ
    assert status(recv(), 9) in (4, 5), "want FAILURE or BAD_MESSAGE"
    alive(10)
elif mode == "truncated":
    send(bytes([5]) + u32(11) + b"\0\0")  # READ with a cut-off handle
    m = recv()
    if m is not None:
        assert status(m, 11) in (4, 5), "want FAILURE or BAD_MESSAGE"
elif mode == "nulpath":
    send(bytes([11]) + u32(12) + sstr(b"a\0b"))  # OPENDIR "a\0b"
    assert status(recv(), 12) != 0, "a path with a NUL was accepted"
    alive(13)
elif mode == "huge":
    p.stdin.write(b"\xff\xff\xff\xff" + b"x" * 1000)
    assert recv() is None, "server answered a 4 GB SFTP packet"
p.stdin.close()
p.wait(timeout=15)
PY
	sftpprobe() { # MODE NAME
		conn
		t_run "$2" timeout 30 python3 "$T/sftpprobe.py" "$1" -- \
			ssh "${CONN[@]}" -i "$KEY" "${SSHO[@]}" -s "$DEST" sftp
	}
	KEY=$T/keys/uk_ed25519
	sftpprobe unknown "SFTP: unknown request type gets OP_UNSUPPORTED, session goes on"
	sftpprobe badhandle "SFTP: READ on a bogus handle gets a status, session goes on"
	sftpprobe truncated "SFTP: a truncated READ gets a status or a close"
	sftpprobe nulpath "SFTP: a path with a NUL byte is refused, session goes on"
	sftpprobe huge "SFTP: a 4 GB SFTP packet length closes the session"
fi

# bad configuration: refused at start with exit 100, naming the variable
env -i "${SERVER_ENV[@]}" SFTPD_NO_SUCH_SETTING=1 "$SFTPD" </dev/null >/dev/null 2>"$T/last.out"
rc=$?
t_is "$rc" 100 "unknown SFTPD_ variable: exit 100"
grep -q SFTPD_NO_SUCH_SETTING "$T/last.out" && t_ok "unknown SFTPD_ variable is named" || t_notok "unknown SFTPD_ variable is named"
env -i "${SERVER_ENV[@]}" SFTPD_MAX_AUTH_TRIES=lots "$SFTPD" </dev/null >/dev/null 2>"$T/last.out"
t_is "$?" 100 "malformed SFTPD_MAX_AUTH_TRIES: exit 100"
t_run "sftpd -t accepts the test configuration" env -i "${SERVER_ENV[@]}" "$SFTPD" -t

# service/sftpd.env, its commented examples included, passes sftpd -t
if [ -f "$T_TOP/service/sftpd.env" ]; then
	bad=
	for l in $(sed -n 's/^#\{0,1\}\(SFTPD_[A-Z_]*=[^ ]*\)$/\1/p' "$T_TOP/service/sftpd.env"); do
		env -i "$l" SFTPD_HOST_KEYS="$T/keys/hk_ed25519" $T_PRIVSEP_ENV "$SFTPD" -t >/dev/null 2>&1 || bad="$bad $l"
	done
	t_is "$bad" "" "service/sftpd.env: every setting and example passes sftpd -t"
fi

# README's configuration table is the program's own (service/config-table.sh)
if [ -f "$T_TOP/README.md" ] && [ -z "${SFTPD_BIN:-}" ]; then
	sh "$T_TOP/service/config-table.sh" sftpd >"$T/table.want" 2>/dev/null
	awk '/<!-- BEGIN sftpd config -->/{on=1; next} /<!-- END sftpd config -->/{on=0} on' \
		"$T_TOP/README.md" >"$T/table.got"
	if [ -s "$T/table.want" ] && cmp -s "$T/table.want" "$T/table.got"; then
		t_ok "README.md configuration table matches sftpd -M"
	else
		t_notok "README.md configuration table matches sftpd -M (run: sh service/config-table.sh -u README.md)"
		diff "$T/table.want" "$T/table.got" | head -10 | sed 's/^/# /'
	fi
fi

# --- SSH implementations other than OpenSSH, on the loopback port --------------

other_clients() {
	# curl's sftp:// is libssh2
	if t_have curl && curl -V 2>/dev/null | grep -q '^Protocols:.* sftp'; then
		rm -f "$ROOT/curl_up" "$L/curl_down"
		t_run "curl (libssh2) sftp:// upload with a password" timeout 60 curl -sS -k \
			-u "$USER_NAME:$PASSWORD" -T "$BIG" "sftp://127.0.0.1:$PORT/curl_up"
		cmp -s "$BIG" "$ROOT/curl_up" && t_ok "curl sftp:// upload identical" || t_notok "curl sftp:// upload identical"
		t_run "curl (libssh2) sftp:// download with a key" timeout 60 curl -sS -k \
			--key "$T/keys/uk_ed25519" --pubkey "$T/keys/uk_ed25519.pub" -u "$USER_NAME:" \
			-o "$L/curl_down" "sftp://127.0.0.1:$PORT/curl_up"
		cmp -s "$BIG" "$L/curl_down" && t_ok "curl sftp:// download identical" || t_notok "curl sftp:// download identical"
	else
		t_skip "curl sftp://" "curl without sftp support"
	fi
	# PuTTY's psftp and pscp (Debian: putty-tools), one saved session per cipher
	if t_have psftp && t_have puttygen; then
		fp=$(ssh-keygen -lf "$T/keys/hk_ed25519.pub" | awk '{ print $2 }')
		puttygen "$T/keys/uk_ed25519" -O private -o "$T/keys/uk_ed25519.ppk" >/dev/null 2>&1
		for c in chacha20 aesgcm aes; do
			mkdir -p "$T/putty_$c/.putty/sessions"
			printf 'HostName=127.0.0.1\nPortNumber=%s\nProtocol=ssh\nCipher=%s,WARN,aes,chacha20,aesgcm,3des,des,blowfish,arcfour\n' \
				"$PORT" "$c" >"$T/putty_$c/.putty/sessions/sluice"
			rm -f "$ROOT/putty_$c" "$L/putty_$c"
			printf 'put %s putty_%s\nget putty_%s %s\nmkdir pd_%s\nrmdir pd_%s\nquit\n' \
				"$BIG" "$c" "$c" "$L/putty_$c" "$c" "$c" >"$T/psb"
			HOME=$T/putty_$c timeout 60 psftp -batch -load sluice -hostkey "$fp" -l "$USER_NAME" \
				-i "$T/keys/uk_ed25519.ppk" -b "$T/psb" >"$T/last.out" 2>&1
			if cmp -s "$BIG" "$ROOT/putty_$c" && cmp -s "$BIG" "$L/putty_$c"; then
				t_ok "PuTTY psftp ($c, key): put+get identical"
			else
				t_notok "PuTTY psftp ($c, key): put+get identical"
				t_diag_file "$T/last.out"
			fi
		done
		rm -f "$L/pscp_down"
		t_run "PuTTY pscp -sftp with a password, up and down" sh -c \
			'timeout 60 pscp -batch -sftp -P "$1" -hostkey "$2" -pw "$3" "$4" "$5@127.0.0.1:pscp_up" &&
			timeout 60 pscp -batch -sftp -P "$1" -hostkey "$2" -pw "$3" "$5@127.0.0.1:pscp_up" "$6"' \
			sh "$PORT" "$fp" "$PASSWORD" "$BIG" "$USER_NAME" "$L/pscp_down"
		cmp -s "$BIG" "$L/pscp_down" && t_ok "PuTTY pscp round trip identical" || t_notok "PuTTY pscp round trip identical"
	else
		t_skip "PuTTY psftp/pscp" "putty-tools not installed"
	fi
	# Python paramiko (Debian: python3-paramiko)
	py=
	for c in python3 /usr/bin/python3; do
		if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then py=$c; break; fi
	done
	if [ -n "$py" ]; then
		t_run "paramiko: password and key logins, 1 MB up and down, rename, mkdir, confinement" \
			timeout 60 "$py" - "$PORT" "$USER_NAME" "$PASSWORD" "$T/keys/uk_ed25519" <<'PY'
import os, sys, paramiko
port, user, pw, keyfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def connect(**auth):
    t = paramiko.Transport(("127.0.0.1", port))
    t.connect(username=user, **auth)
    return t, paramiko.SFTPClient.from_transport(t)
t, s = connect(password=pw)
data = os.urandom(1000003)
with s.open("pm.bin", "wb") as f:
    f.write(data)
with s.open("pm.bin", "rb") as f:
    assert f.read() == data, "download differs"
s.rename("pm.bin", "pm2.bin")
s.mkdir("pmdir")
s.rmdir("pmdir")
assert s.stat("pm2.bin").st_size == len(data)
s.remove("pm2.bin")
assert s.normalize(".") == "/", s.normalize(".")
for bad in ("../../../../etc/passwd", "/etc/passwd", "evil_abs", "evil_rel"):
    try:
        with s.open(bad, "rb") as f:
            got = f.read()
        assert b"OUTSIDE-SECRET" not in got and not got.startswith(b"root:"), "leak via " + bad
    except IOError:
        pass
t.close()
t, s = connect(pkey=paramiko.Ed25519Key.from_private_key_file(keyfile))
s.listdir(".")
t.close()
PY
	else
		t_skip "paramiko" "python3-paramiko not installed"
	fi
}

# === through systemd-socket-activate on loopback =============================

if t_have systemd-socket-activate || t_have tcpserver; then
	PORT=$(t_free_port)
	how=systemd-socket-activate
	t_have "$how" || how=tcpserver
	t_server_start "$PORT" "$T/socket.log" env -i "${SERVER_ENV[@]}" "$SFTPD"
	if [ $? -eq 0 ]; then
		t_ok "$how listens on 127.0.0.1:$PORT"
		MODE=socket
		KEY=$T/keys/uk_ed25519
		t_run "socket: connect, authenticate, ls" sftp_batch "ls"
		file_suite socket
		xfer "socket: chacha20-poly1305" -c chacha20-poly1305@openssh.com
		xfer "socket: aes128-ctr + hmac-sha2-256" -c aes128-ctr -o MACs=hmac-sha2-256
		if grep -q 127.0.0.1 "$T/socket.log"; then
			t_ok "socket: log lines carry the client address"
		else
			t_notok "socket: log lines carry the client address"
			t_diag_file "$T/socket.log" 5
		fi
		other_clients
		MODE=proxy
		t_server_stop "$T_SERVER_PID"
	else
		t_notok "$how listens on 127.0.0.1:$PORT"
		t_diag_file "$T/socket.log"
	fi
else
	t_skip "loopback tests" "neither systemd-socket-activate nor tcpserver installed"
fi

# === through ucspi-tcp tcpserver on loopback ===================================

if t_have tcpserver; then
	PORT=$(t_free_port)
	if T_LAUNCHER=tcpserver t_server_start "$PORT" "$T/tcpserver.log" env -i "${SERVER_ENV[@]}" "$SFTPD"; then
		MODE=socket
		KEY=$T/keys/uk_ed25519
		xfer "tcpserver: aes256-gcm" -c aes256-gcm@openssh.com
		if grep -q "127.0.0.1" "$T/tcpserver.log"; then
			t_ok "tcpserver: log lines carry the client address"
		else
			t_notok "tcpserver: log lines carry the client address"
			t_diag_file "$T/tcpserver.log" 5
		fi
		MODE=proxy
		t_server_stop "$T_SERVER_PID"
	else
		t_notok "tcpserver listens on 127.0.0.1:$PORT"
		t_diag_file "$T/tcpserver.log"
	fi
else
	t_skip "tcpserver on loopback" "tcpserver not installed (ucspi-tcp)"
fi

# --- a quiet session hands its buffers back (after 2 s) and works on -----------

MODE=proxy
SRV_ENV=SFTPD_LOG_LEVEL=debug
released=$(grep -c 'buffers and idle pages handed back' "$LOG")
rm -f "$ROOT/idle_x" "$ROOT/idle_z" "$L/idle_y"
if sftp_batch "put $BIG idle_x
!sleep 3
get idle_x $L/idle_y
!sleep 3
put $BIG idle_z" >"$T/last.out" 2>&1 && cmp -s "$BIG" "$ROOT/idle_x" &&
	cmp -s "$BIG" "$L/idle_y" && cmp -s "$BIG" "$ROOT/idle_z"; then
	t_ok "quiet 3 s between transfers: put, get, put of 1 MiB+7 identical"
else
	t_notok "quiet 3 s between transfers: put, get, put of 1 MiB+7 identical"
	t_diag_file "$T/last.out"
fi
t_is "$(($(grep -c 'buffers and idle pages handed back' "$LOG") - released))" 2 \
	"  the session handed its buffers back in each quiet spell (debug log)"
rm -f "$ROOT/idle_x" "$ROOT/idle_z" "$L/idle_y"
SRV_ENV=

# --- over pipes (ProxyCommand) sftpd widens both to 1 MiB ------------------------
# Asked from inside the session (sftp's ! escape): the sftpd-session below
# this sftp, its stdin and stdout opened again through /proc (root only:
# sftpd is not dumpable) and asked their size.
cat >"$T/pipesz.py" <<'PY'
import fcntl, os, sys
parent = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            with open("/proc/%s/comm" % d) as f:
                comm = f.read().strip()
        except OSError:
            continue
        parent[int(d)] = (int(st.rsplit(")", 1)[1].split()[1]), comm)
# sftp runs the ! command through a shell: sftp is its parent or ours
sftp = (os.getppid(), parent.get(os.getppid(), (0, ""))[0])
for pid, (ppid, comm) in parent.items():
    p = ppid
    while p > 1 and p not in sftp:
        p = parent.get(p, (0, ""))[0]
    if comm == "sftpd-session" and p in sftp:
        sizes = []
        for fd, how in ((0, os.O_RDONLY), (1, os.O_WRONLY)):
            f = os.open("/proc/%d/fd/%d" % (pid, fd), how | os.O_NONBLOCK)
            sizes.append(fcntl.fcntl(f, 1032))  # F_GETPIPE_SZ
            os.close(f)
        print(*sizes)
        sys.exit(0)
print("no session found")
PY
if [ "$(id -u)" = 0 ] && t_have python3; then
	rm -f "$T/pipesz.out"
	sftp_batch "!python3 $T/pipesz.py >$T/pipesz.out 2>&1
put $HUGE pipe_x
get pipe_x $L/pipe_y" >"$T/last.out" 2>&1
	if [ "$(cat "$T/pipesz.out" 2>/dev/null)" = "1048576 1048576" ] &&
		cmp -s "$HUGE" "$ROOT/pipe_x" && cmp -s "$HUGE" "$L/pipe_y"; then
		t_ok "over pipes: stdin and stdout widened to 1 MiB; 10 MiB up and down after it identical"
	else
		t_notok "over pipes: stdin and stdout widened to 1 MiB ($(cat "$T/pipesz.out" 2>/dev/null))"
		t_diag_file "$T/last.out"
	fi
	rm -f "$L/pipe_y" "$ROOT/pipe_x"
else
	t_skip "over pipes: stdin and stdout widened" "needs root (sftpd is not dumpable) and python3"
fi

# --- after everything: no session ended by a signal ----------------------------

bad=$(grep -Evc '^(0|1|100|111) ' "$RCLOG")
t_is "$bad" 0 "every sftpd exit status is 0, 1, 100 or 111 ($(wc -l <"$RCLOG") sessions)"
[ "$bad" = 0 ] || t_diag "$(grep -Ev '^(0|1|100|111) ' "$RCLOG")"
if grep -Eqi 'AddressSanitizer|runtime error:|Segmentation|core dumped' "$LOG" "$T/socket.log" 2>/dev/null; then
	t_notok "no sanitizer report or crash in the logs"
	grep -Ei 'AddressSanitizer|runtime error:' "$LOG" "$T/socket.log" | head -5 | sed 's/^/# /'
else
	t_ok "no sanitizer report or crash in the logs"
fi

t_done
