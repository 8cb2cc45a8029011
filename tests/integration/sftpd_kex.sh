#!/bin/bash
# sftpd_kex.sh: every key exchange method with real clients (OpenSSH's sftp
# with -o KexAlgorithms=, paramiko), each a transfer compared byte for
# byte, the server's log naming the method; group exchange with and
# without a moduli file, and a rekey in the session process; the settings
# (SFTPD_KEX, SFTPD_MODULI) checked at start; malformed or invalid init
# messages refused cleanly (sftpd_kex_probe.py); ssh-audit against the
# default configuration without a [fail] line.  Prints TAP.
#
# Debian 12's OpenSSH 9.2 knows sntrup761x25519-sha512@openssh.com (and,
# since its update deb12u10, the plain name) but not mlkem768x25519-sha256
# (9.9): what it lacks uses OpenSSH >= 9.9 built from a newer Debian release's source by
# tests/helpers/openssh_pq.sh (about one minute of CPU, once per machine:
# it is kept in a cache, see that script).  SLUICE_OPENSSH_PQ=0 skips the
# build (and these cases, as SKIP); a failed fetch or build is a SKIP with
# the reason.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done
PY=
for c in /usr/bin/python3 python3; do
	if t_have "$c"; then PY=$c; break; fi
done

t_tmpdir
T=$T_TMP
ROOT=$T/root
LOG=$T/sftpd.log
mkdir -p "$ROOT" "$T/keys"
: >"$LOG"
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
echo "tester:*:$ACC_UID:$ACC_GID:$ROOT" >"$T/keys/users"
chmod 644 "$T/keys/users" "$T/keys/authorized_keys"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$ROOT"
head -c 300007 /dev/urandom >"$T/data"
head -c 3000017 /dev/urandom >"$T/big"

ALL="mlkem768x25519-sha256 sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com
curve25519-sha256 curve25519-sha256@libssh.org ecdh-sha2-nistp256 ecdh-sha2-nistp384
ecdh-sha2-nistp521 diffie-hellman-group-exchange-sha256 diffie-hellman-group16-sha512
diffie-hellman-group18-sha512 diffie-hellman-group14-sha256"
ALL_LIST=$(echo $ALL | tr ' ' ,)

t_privsep_env "$SFTPD"
# shellcheck disable=SC2206 # T_PRIVSEP_ENV: zero or more VAR=value words
SERVER_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin $T_PRIVSEP_ENV SFTPD_HOST_KEYS="$T/keys/hk"
	SFTPD_USERS_FILE="$T/keys/users" SFTPD_AUTHORIZED_KEYS="$T/keys/authorized_keys"
	SFTPD_LOG_LEVEL=debug)
# srv [VAR=value...]: the ProxyCommand, stderr to the log
{
	echo '#!/bin/sh'
	printf 'exec env -i'
	printf ' %q' "${SERVER_ENV[@]}"
	printf ' "$@" %q 2>>%q\n' "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
SSHO=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o IdentitiesOnly=yes -o LogLevel=ERROR -i "$T/keys/uk")

# An OpenSSH >= 9.9 client for the methods 9.2 lacks: PQ_DIR/ssh and sftp.
PQ_DIR= PQ_WHY=
if [ "${SLUICE_OPENSSH_PQ:-1}" = 0 ]; then
	PQ_WHY="SLUICE_OPENSSH_PQ=0: OpenSSH >= 9.9 not built (tests/helpers/openssh_pq.sh)"
elif PQ_DIR=$(sh "$T_TOP/tests/helpers/openssh_pq.sh" build 2>"$T/pq.err"); then
	PQ_VER=$("$PQ_DIR/ssh" -V 2>&1 | cut -d, -f1)
else
	PQ_DIR= PQ_WHY=$(tr '\n' ' ' <"$T/pq.err")
fi

# xfer NAME SERVER-ENV [sftp options]: put and get back; the log must name
# the method (kex METHOD) when KexAlgorithms= is among the options.  With
# SFTP_DIR set, that directory's sftp and ssh are the client.
xfer() {
	_n=$1 _env=$2
	shift 2
	rm -f "$ROOT/up" "$T/back"
	_l0=$(wc -l <"$LOG" 2>/dev/null || echo 0)
	printf 'put %s up\nget up %s\n' "$T/data" "$T/back" >"$T/batch"
	if [ -n "${SFTP_DIR:-}" ]; then
		set -- -S "$SFTP_DIR/ssh" "$@"
		_sftp=$SFTP_DIR/sftp
	else
		_sftp=sftp
	fi
	timeout 120 "$_sftp" -q "$@" "${SSHO[@]}" -o "ProxyCommand=$T/srv $_env" -b "$T/batch" \
		tester@sluice-kex >"$T/last.out" 2>&1
	_rc=$?
	_m=$(printf '%s\n' "$@" | sed -n 's/^KexAlgorithms=//p')
	if [ $_rc = 0 ] && cmp -s "$T/data" "$ROOT/up" && cmp -s "$T/data" "$T/back" &&
		{ [ -z "$_m" ] || tail -n +"$((_l0 + 1))" "$LOG" | grep -q "debug: kex $_m hostkey"; }; then
		t_ok "$_n"
	else
		t_notok "$_n"
		t_diag "exit $_rc"
		t_diag_file "$T/last.out" 5
		t_diag_file "$LOG" 5
	fi
}

# --- OpenSSH, every method ----------------------------------------------------

SYS_KEX=$(ssh -Q kex 2>/dev/null)
for m in $ALL; do
	if printf '%s\n' "$SYS_KEX" | grep -qxF "$m"; then
		xfer "OpenSSH sftp, $m: 300 kB up and down identical" "SFTPD_KEX=$ALL_LIST" \
			-o "KexAlgorithms=$m"
	elif [ -n "$PQ_DIR" ]; then
		SFTP_DIR=$PQ_DIR xfer "$PQ_VER sftp, $m: 300 kB up and down identical" \
			"SFTPD_KEX=$ALL_LIST" -o "KexAlgorithms=$m"
	else
		t_skip "OpenSSH >= 9.9 sftp, $m" "$PQ_WHY"
	fi
done
xfer "default SFTPD_KEX: OpenSSH's own choice works" "" # sets _l0
# Debian 12's OpenSSH 9.2 (since deb12u10 also with the plain name) puts
# sntrup761x25519 first; the server's log says which one was agreed.
_got=$(tail -n +"$((_l0 + 1))" "$LOG" | sed -n 's/.*debug: kex \([^ ]*\) hostkey.*/\1/p' | head -n 1)
case $_got in
sntrup761x25519-sha512 | sntrup761x25519-sha512@openssh.com)
	t_ok "default SFTPD_KEX: $(ssh -V 2>&1 | cut -d, -f1) negotiates $_got" ;;
*)
	if printf '%s\n' "$SYS_KEX" | grep -q '^sntrup761x25519-sha512'; then
		t_notok "default SFTPD_KEX: $(ssh -V 2>&1 | cut -d, -f1) negotiates sntrup761x25519-sha512 (got '$_got')"
		t_diag_file "$LOG" 5
	else
		t_skip "default SFTPD_KEX: a post-quantum method with the system's OpenSSH" \
			"$(ssh -V 2>&1 | cut -d, -f1) knows no sntrup761x25519"
	fi
	;;
esac
if [ -n "$PQ_DIR" ]; then
	SFTP_DIR=$PQ_DIR xfer "default SFTPD_KEX and $PQ_VER's defaults: a transfer" ""
	if tail -n +"$((_l0 + 1))" "$LOG" | grep -q "debug: kex mlkem768x25519-sha256 hostkey"; then
		t_ok "default SFTPD_KEX: $PQ_VER negotiates mlkem768x25519-sha256"
	else
		t_notok "default SFTPD_KEX: $PQ_VER negotiates mlkem768x25519-sha256"
		t_diag_file "$T/last.out" 5
		t_diag_file "$LOG" 5
	fi
else
	t_skip "default SFTPD_KEX with OpenSSH >= 9.9's defaults" "$PQ_WHY"
fi
t_fails "default SFTPD_KEX: ecdh-sha2-nistp256 not offered" \
	timeout 60 sftp -q "${SSHO[@]}" -o KexAlgorithms=ecdh-sha2-nistp256 -o "ProxyCommand=$T/srv" \
	-b /dev/null tester@sluice-kex

# group exchange: the moduli file decides the group, min/n/max honoured
grep -E '^[0-9]+ 2 6 100 3071 ' /etc/ssh/moduli 2>/dev/null | head -1 >"$T/moduli3072"
if [ -s "$T/moduli3072" ]; then
	_l0=$(wc -l <"$LOG")
	xfer "GEX with a moduli file of one 3072-bit group" "SFTPD_MODULI=$T/moduli3072" \
		-o KexAlgorithms=diffie-hellman-group-exchange-sha256
	if tail -n +"$((_l0 + 1))" "$LOG" | grep -q 'group exchange: 3072 bits for min 2048 n 8192 max 8192'; then
		t_ok "GEX: OpenSSH asked 2048/8192/8192 and got the file's 3072-bit group"
	else
		t_notok "GEX: OpenSSH asked 2048/8192/8192 and got the file's 3072-bit group"
		t_diag_file "$LOG" 5
	fi
else
	t_skip "GEX with a moduli file of one group" "/etc/ssh/moduli has no 3071-bit entry"
	t_skip "GEX: the file's group chosen" "no moduli entry"
fi
: >"$T/empty"
_l0=$(wc -l <"$LOG")
xfer "GEX with an empty moduli file (RFC 3526 groups)" "SFTPD_MODULI=$T/empty" \
	-o KexAlgorithms=diffie-hellman-group-exchange-sha256
if tail -n +"$((_l0 + 1))" "$LOG" | grep -q 'group exchange: 8192 bits'; then
	t_ok "GEX without usable moduli: RFC 3526 group 18 for n = 8192"
else
	t_notok "GEX without usable moduli: RFC 3526 group 18 for n = 8192"
fi

# rekeys in the session process (its sandbox, the moduli descriptor)
for m in diffie-hellman-group-exchange-sha256 ecdh-sha2-nistp384 diffie-hellman-group16-sha512 \
	sntrup761x25519-sha512@openssh.com mlkem768x25519-sha256; do
	_sftp=sftp _ssh=
	if ! printf '%s\n' "$SYS_KEX" | grep -qxF "$m"; then
		if [ -z "$PQ_DIR" ]; then
			t_skip "$m: rekeys" "$PQ_WHY"
			continue
		fi
		_sftp=$PQ_DIR/sftp _ssh="-S $PQ_DIR/ssh"
	fi
	rm -f "$ROOT/big" "$T/bigback"
	_l0=$(wc -l <"$LOG")
	printf 'put %s big\nget big %s\n' "$T/big" "$T/bigback" >"$T/batch"
	# shellcheck disable=SC2086 # _ssh: none or "-S PATH"
	timeout 300 "$_sftp" -q $_ssh -o RekeyLimit=1M -o "KexAlgorithms=$m" "${SSHO[@]}" \
		-o "ProxyCommand=$T/srv SFTPD_KEX=$ALL_LIST" -b "$T/batch" tester@sluice-kex >"$T/last.out" 2>&1
	_kex=$(tail -n +"$((_l0 + 1))" "$LOG" | grep -c 'new keys in use')
	if cmp -s "$T/big" "$ROOT/big" && cmp -s "$T/big" "$T/bigback" && [ "$_kex" -gt 3 ]; then
		t_ok "$m: 3 MB up and down with rekeys every 1 MB ($_kex key exchanges)"
	else
		t_notok "$m: 3 MB up and down with rekeys every 1 MB ($_kex key exchanges)"
		t_diag_file "$T/last.out" 5
		t_diag_file "$LOG" 5
	fi
done

# --- settings checked at start -------------------------------------------------

setting_refused() { # NAME VAR=value: sftpd -t exits 100 naming the variable
	_v=${2%%=*}
	env -i "${SERVER_ENV[@]}" "$2" "$SFTPD" -t >"$T/t.out" 2>&1
	_rc=$?
	if [ $_rc = 100 ] && grep -q "$_v" "$T/t.out"; then
		t_ok "$1: exit 100 naming $_v"
	else
		t_notok "$1: exit 100 naming $_v (got $_rc)"
		t_diag_file "$T/t.out" 3
	fi
}
setting_refused "an unknown method" SFTPD_KEX=curve25519-sha256,diffie-hellman-group1-sha1
setting_refused "a repeated method" SFTPD_KEX=curve25519-sha256,curve25519-sha256
setting_refused "a missing moduli file" SFTPD_MODULI=$T/no-such-moduli
setting_refused "a moduli directory" SFTPD_MODULI=$T
env -i "${SERVER_ENV[@]}" "$SFTPD" -t >"$T/t.out" 2>&1
if grep -q '^SFTPD_KEX=mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,' "$T/t.out" &&
	grep -q '^# moduli: [1-9][0-9]* usable groups in /etc/ssh/moduli' "$T/t.out"; then
	t_ok "sftpd -t: the default methods and the moduli file's usable groups"
elif [ ! -e /etc/ssh/moduli ] && grep -q 'moduli: /etc/ssh/moduli is missing' "$T/t.out"; then
	t_ok "sftpd -t: the default methods; no /etc/ssh/moduli, RFC 3526 groups"
else
	t_notok "sftpd -t: the default methods and the moduli file's usable groups"
	t_diag_file "$T/t.out" 8
fi

# --- paramiko --------------------------------------------------------------------

if [ -n "$PY" ] && "$PY" -c 'import paramiko' 2>/dev/null; then
	cat >"$T/pm.py" <<'PY'
import sys, paramiko
srv, key, data, m = sys.argv[1:5]
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.get_security_options().kex = (m,)
t.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
if t.kex_engine.__class__.__module__.split(".")[-1] == "":
    raise SystemExit("no kex")
s = paramiko.SFTPClient.from_transport(t)
s.put(data, "pm_up")
s.get("pm_up", data + ".pm")
s.close()
t.close()
print(t.remote_version)
PY
	for m in ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521 diffie-hellman-group14-sha256 \
		diffie-hellman-group16-sha512 diffie-hellman-group-exchange-sha256 curve25519-sha256@libssh.org; do
		rm -f "$ROOT/pm_up" "$T/data.pm"
		_l0=$(wc -l <"$LOG")
		timeout 120 "$PY" "$T/pm.py" "$T/srv SFTPD_KEX=$ALL_LIST" "$T/keys/uk" "$T/data" "$m" >"$T/last.out" 2>&1
		_rc=$?
		if [ $_rc = 0 ] && cmp -s "$T/data" "$ROOT/pm_up" && cmp -s "$T/data" "$T/data.pm" &&
			tail -n +"$((_l0 + 1))" "$LOG" | grep -q "debug: kex $m hostkey"; then
			t_ok "paramiko, $m: 300 kB up and down identical"
		else
			t_notok "paramiko, $m: 300 kB up and down identical (exit $_rc)"
			t_diag_file "$T/last.out" 5
		fi
	done
else
	t_skip "paramiko" "python3-paramiko is not installed"
fi

# --- malformed and invalid init messages ------------------------------------------

if [ -n "$PY" ]; then
	probe() { # CASE WANT-TYPES NAME: exit 1, the message types sftpd sent
		_out=$("$PY" "$T_TOP/tests/integration/sftpd_kex_probe.py" "$1" -- "$T/srv" \
			SFTPD_KEX="$ALL_LIST" 2>&1)
		if [ "$_out" = "rc=1 types=$2" ]; then
			t_ok "$3"
		else
			t_notok "$3"
			t_diag "got: $_out" "want: rc=1 types=$2"
			t_diag_file "$LOG" 3
		fi
	}
	probe x25519_short 1 "curve25519: a 31-byte Q_C: DISCONNECT, exit 1"
	probe x25519_zero 1 "curve25519: a low-order point: DISCONNECT, exit 1"
	probe p256_off 1 "nistp256: a point off the curve: DISCONNECT, exit 1"
	probe p256_long 1 "nistp256: a 66-byte point: DISCONNECT, exit 1"
	probe dh14_e0 1 "group14: e = 0: DISCONNECT, exit 1"
	probe dh14_e1 1 "group14: e = 1: DISCONNECT, exit 1"
	probe dh14_pm1 1 "group14: e = p-1: DISCONNECT, exit 1"
	probe dh14_p 1 "group14: e = p: DISCONNECT, exit 1"
	probe dh14_trail 1 "group14: a byte after e: DISCONNECT, exit 1"
	probe gex_minmax 1 "GEX: min > max: DISCONNECT, exit 1"
	probe gex_nlow 1 "GEX: n below min: DISCONNECT, exit 1"
	probe gex_small 1 "GEX: 512/1024/1536 (below 2048 bits): DISCONNECT, exit 1"
	probe gex_old_strict 1 "GEX_REQUEST_OLD during a strict first exchange: DISCONNECT, as sshd"
	probe gex_old 3,31,p3072,33,21 \
		"GEX_REQUEST_OLD otherwise: UNIMPLEMENTED as sshd, then a whole exchange (3072 bits for n = 3072)"
	probe gex_e1 31,p2048,1 "GEX: a group, then e = 1: DISCONNECT, exit 1"
	probe mlkem_short 1 "mlkem768x25519: a C_INIT of 1215 bytes: DISCONNECT, exit 1"
	probe mlkem_long 1 "mlkem768x25519: a C_INIT of 1217 bytes: DISCONNECT, exit 1"
	probe mlkem_modulus 1 "mlkem768x25519: an ML-KEM key failing the modulus check: DISCONNECT, exit 1"
	probe mlkem_zero 1 "mlkem768x25519: a low-order X25519 key: DISCONNECT, exit 1"
	probe mlkem_trail 1 "mlkem768x25519: a byte after C_INIT: DISCONNECT, exit 1"
	probe mlkem_good 31:1120,21 "mlkem768x25519: a good C_INIT: a reply with a 1120-byte S_REPLY, NEWKEYS"
	probe sntrup_short 1 "sntrup761x25519: a C_INIT of 1189 bytes: DISCONNECT, exit 1"
	probe sntrup_zero 1 "sntrup761x25519: a low-order X25519 key: DISCONNECT, exit 1"
	probe sntrup_good 31:1071,21 \
		"sntrup761x25519@openssh.com: a good C_INIT: a reply with a 1071-byte S_REPLY, NEWKEYS"
	if grep -q "client's ML-KEM-768 public key fails the modulus check" "$LOG" &&
		grep -q 'low-order curve25519 point (sntrup761 hybrid)' "$LOG" &&
		grep -q 'ML-KEM-768 hybrid ECDH_INIT of 1215 bytes (want 1216)' "$LOG"; then
		t_ok "the refused hybrid init messages are logged with their reason"
	else
		t_notok "the refused hybrid init messages are logged with their reason"
		t_diag_file "$LOG" 10
	fi
else
	t_skip "malformed init messages" "python3 is not installed"
fi

# --- ssh-audit against the default configuration ------------------------------------

if t_have ssh-audit; then
	PORT=$(t_free_port)
	if t_server_start "$PORT" "$T/launcher.log" env -i "${SERVER_ENV[@]}" "$SFTPD"; then
		timeout 120 ssh-audit -n -p "$PORT" 127.0.0.1 >"$T/audit.out" 2>&1
		[ -n "${T_SHOW_AUDIT:-}" ] && sed 's/^/# /' "$T/audit.out"
		# Debian 12's ssh-audit 2.5.0 calls the hybrids unknown or
		# experimental ([warn]), never [fail].
		if grep -q '(kex) mlkem768x25519-sha256 ' "$T/audit.out" &&
			grep -q '(kex) sntrup761x25519-sha512 ' "$T/audit.out" &&
			grep -q '(kex) curve25519-sha256 ' "$T/audit.out" &&
			grep -q '(kex) diffie-hellman-group-exchange-sha256 (2048-bit)' "$T/audit.out" &&
			! grep -q '\[fail\]' "$T/audit.out"; then
			t_ok "ssh-audit: default configuration, hybrids offered, no [fail] (GEX probed: 2048-bit minimum)"
		else
			t_notok "ssh-audit: default configuration, hybrids offered, no [fail] (GEX probed: 2048-bit minimum)"
			grep -E 'fail|kex\)' "$T/audit.out" | head -n 20 | sed 's/^/# /'
		fi
		t_server_stop "$T_SERVER_PID"
	else
		t_notok "ssh-audit: start sftpd on 127.0.0.1:$PORT"
	fi
else
	t_skip "ssh-audit" "ssh-audit is not installed (Debian: ssh-audit)"
fi

t_done
