#!/bin/bash
# sftpd_proxy.sh: sftpd behind HAProxy speaking the PROXY protocol.  The
# client connects from 127.0.0.2 to HAProxy on 127.0.0.1, which connects to
# sftpd (systemd-socket-activate or tcpserver) from 127.0.0.1 with a
# send-proxy-v2 (then send-proxy, version 1) header: files go up and down
# intact and sftpd's log names 127.0.0.2, the real client.  Then what must
# be refused, each with its log line: a connection from a proxy that
# SFTPD_PROXY_TRUSTED does not list, a trusted peer without a header, a
# version 1 header where only version 2 is accepted, a malformed header,
# a header that never ends; and settings refused at start.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout python3; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils, python3)"
done
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || t_skip_all "haproxy is not installed (Debian: haproxy)"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	t_skip_all "cannot bind 127.0.0.2 (the client's address in this test)"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root" "$T/local"
LOG=$T/sftpd.log
USER_NAME=tester
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$USER_NAME" 'pw-Proxy-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
head -c 300000 /dev/urandom >"$T/local/up.bin"
head -c 70000 /dev/urandom >"$T/root/down.bin"
[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$T/root/down.bin"
t_privsep_env "$SFTPD"

SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=10 -i "$T/keys/uk")

# start_sftpd PORT VAR=value...: sftpd on 127.0.0.1:PORT with these settings.
start_sftpd() {
	_p=$1
	shift
	# shellcheck disable=SC2086 # T_PRIVSEP_ENV: zero or more words
	t_server_start "$_p" "$LOG" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $T_PRIVSEP_ENV \
		SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$T/keys/users" \
		SFTPD_AUTHORIZED_KEYS="$T/keys/authorized_keys" SFTPD_LOGIN_GRACE_TIME=3 "$@" \
		"$SFTPD"
}

# start_haproxy PORT BACKEND_PORT SEND: HAProxy on 127.0.0.1:PORT in front
# of 127.0.0.1:BACKEND_PORT, sending a header (send-proxy or send-proxy-v2).
start_haproxy() {
	cat >"$T/haproxy.$1.cfg" <<EOF
global
	maxconn 64
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend fe
	bind 127.0.0.1:$1
	default_backend be
backend be
	server s1 127.0.0.1:$2 $3
EOF
	"$HAPROXY" -c -q -f "$T/haproxy.$1.cfg" || return 1
	"$HAPROXY" -db -f "$T/haproxy.$1.cfg" </dev/null >>"$T/haproxy.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_i=0
	while ! t_port_listening "$1" && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	t_port_listening "$1"
}

# log_since LINE: sftpd's log from line LINE on.
log_since() { tail -n +"$1" "$LOG" 2>/dev/null; }

# --- through HAProxy: versions 2 and 1 --------------------------------------

through_haproxy() { # LABEL SEND SFTPD_PROXY_PROTOCOL
	_sp=$(t_free_port)
	start_sftpd "$_sp" SFTPD_PROXY_PROTOCOL="$3" SFTPD_PROXY_TRUSTED=127.0.0.1 ||
		t_bail "cannot start sftpd"
	_hp=$(t_free_port)
	start_haproxy "$_hp" "$_sp" "$2" || t_bail "cannot start haproxy ($2)"
	_l0=$(($(wc -l <"$LOG") + 1))
	rm -f "$T/local/down.bin" "$T/root/up.bin"
	printf 'put %s/local/up.bin up.bin\nget down.bin %s/local/down.bin\n' "$T" "$T" >"$T/batch"
	if timeout 60 sftp "${SSHO[@]}" -o BindAddress=127.0.0.2 -P "$_hp" -b "$T/batch" \
		"$USER_NAME@127.0.0.1" >"$T/sftp.out" 2>&1; then
		t_ok "$1: sftp from 127.0.0.2 through HAProxy ($2) logs in"
	else
		t_notok "$1: sftp from 127.0.0.2 through HAProxy ($2) logs in"
		t_diag_file "$T/sftp.out"
		t_diag_file "$LOG" 8
	fi
	if cmp -s "$T/local/up.bin" "$T/root/up.bin" && cmp -s "$T/root/down.bin" "$T/local/down.bin"; then
		t_ok "$1: upload and download intact"
	else
		t_notok "$1: upload and download intact"
	fi
	if log_since "$_l0" | grep -q 'PROXY protocol: client 127\.0\.0\.2:[0-9]* through proxy 127\.0\.0\.1:'; then
		t_ok "$1: sftpd logs the client 127.0.0.2 and the proxy 127.0.0.1"
	else
		t_notok "$1: sftpd logs the client 127.0.0.2 and the proxy 127.0.0.1"
		t_diag_file "$LOG" 8
	fi
	if log_since "$_l0" | grep '^sftpd .*connection from' | grep -q '127\.0\.0\.2:' &&
		! log_since "$_l0" | grep '^sftpd ' | grep -v 'through proxy' | grep -q '127\.0\.0\.1:'; then
		t_ok "$1: every later log line names 127.0.0.2, none the proxy"
	else
		t_notok "$1: every later log line names 127.0.0.2, none the proxy"
		t_diag_file "$LOG" 8
	fi
}

through_haproxy "v2" send-proxy-v2 v2
through_haproxy "v1" send-proxy v1
through_haproxy "any, v2 sent" send-proxy-v2 any

# --- refusals ---------------------------------------------------------------

# raw_session PORT BIND HEXBYTES: connects from BIND, sends the bytes and
# then what an SSH client sends first; prints what the server answered.
raw_session() {
	python3 - "$@" <<'EOF'
import socket, sys, time
port, bind, data = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(bind, 0))
if data:
    s.sendall(data)
if len(sys.argv) < 5:
    s.sendall(b"SSH-2.0-raw_session\r\n")
out = b""
try:
    while len(out) < 4096:
        b = s.recv(4096)
        if not b:
            break
        out += b
except socket.timeout:
    out += b"<timeout>"
sys.stdout.write(out.decode("latin-1"))
EOF
}

refused() { # LABEL LOGPATTERN BIND HEX [nover]
	_l0=$(($(wc -l <"$LOG") + 1))
	_start=$(date +%s)
	_out=$(raw_session "$RP" "$3" "$4" $5 2>&1)
	_secs=$(($(date +%s) - _start))
	if [ -z "$_out" ] || ! printf '%s' "$_out" | grep -q '^SSH-2.0'; then
		t_ok "$1: closed without a version line ($_secs s)"
	else
		t_notok "$1: closed without a version line"
		t_diag "$_out"
	fi
	_i=0
	while ! log_since "$_l0" | grep -q "$2" && [ $_i -lt 40 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	if log_since "$_l0" | grep -q "$2"; then
		t_ok "$1: logged ($(log_since "$_l0" | grep "$2" | head -n 1 | cut -c1-150))"
	else
		t_notok "$1: logged as /$2/"
		t_diag_file "$LOG" 5
	fi
}

RP=$(t_free_port)
start_sftpd "$RP" SFTPD_PROXY_PROTOCOL=v2 SFTPD_PROXY_TRUSTED=127.0.0.1 || t_bail "cannot start sftpd"
V2_HDR=0d0a0d0a000d0a515549540a2111000cc0000207c633640115b30016
refused "untrusted source 127.0.0.2" "127.0.0.2.*SFTPD_PROXY_TRUSTED does not list" 127.0.0.2 "$V2_HDR"
refused "trusted proxy, no header" "PROXY protocol: from 127.0.0.1.*not a PROXY header" 127.0.0.1 ""
refused "version 1 header where v2 is required" "version 1 header not accepted" 127.0.0.1 \
	"$(printf 'PROXY TCP4 192.0.2.7 198.51.100.1 5555 22\r\n' | od -An -tx1 | tr -d ' \n')"
refused "version 2 header with a damaged address family" "unknown address family" 127.0.0.1 \
	0d0a0d0a000d0a515549540a2151000cc0000207c633640115b30016
refused "header cut short, never completed" "no complete PROXY header in time" 127.0.0.1 \
	0d0a0d0a000d0a5155 nover

# A header that arrives in pieces is still read whole, and nothing after it
# is lost: the version line the client sends right behind it is answered.
out=$(python3 - "$RP" "$V2_HDR" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
h = bytes.fromhex(sys.argv[2])
s.sendall(h[:5]); time.sleep(0.2); s.sendall(h[5:] + b"SSH-2.0-pieces\r\n")
print(s.recv(256).decode("latin-1").splitlines()[0])
EOF
)
case "$out" in
SSH-2.0-*) t_ok "a header sent in two pieces is read whole; the server answers ($out)" ;;
*) t_notok "a header sent in two pieces is read whole; the server answers (got: $out)" ;;
esac
sleep 0.3
if grep -q 'client 192\.0\.2\.7:5555 through proxy 127\.0\.0\.1' "$LOG"; then
	t_ok "the v2 header's client 192.0.2.7:5555 is logged"
else
	t_notok "the v2 header's client 192.0.2.7:5555 is logged"
	t_diag_file "$LOG" 5
fi

# --- settings ---------------------------------------------------------------

for bad in "SFTPD_PROXY_PROTOCOL=v3" "SFTPD_PROXY_PROTOCOL=v2" \
	"SFTPD_PROXY_TRUSTED=10.0.0.1/8" "SFTPD_PROXY_TRUSTED=proxy.example"; do
	var=${bad%%=*}
	case "$bad" in SFTPD_PROXY_PROTOCOL=v2) var=SFTPD_PROXY_TRUSTED ;; esac
	msg=$(env -i SFTPD_HOST_KEYS="$T/keys/hk" $T_PRIVSEP_ENV "$bad" "$SFTPD" -t 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 0 ] && printf '%s' "$msg" | grep -q "$var"; then
		t_ok "$bad refused at start, naming $var"
	else
		t_notok "$bad refused at start, naming $var (exit $rc)"
		t_diag "$msg"
	fi
done

t_done
