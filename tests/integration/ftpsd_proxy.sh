#!/bin/sh
# ftpsd_proxy.sh: ftpsd behind HAProxy speaking the PROXY protocol.  curl
# connects from 127.0.0.2 to HAProxy on 127.0.0.1, which connects to ftpsd
# with a send-proxy-v2 (explicit TLS) or send-proxy (implicit TLS) header;
# data connections go straight to ftpsd (passive ports, or active to the
# client), so they are only accepted if ftpsd knows the real client from
# the header: uploads and downloads compared, passive and active; the log
# and the transfer records name 127.0.0.2.  Then what is refused: a
# connection without a header, one from a proxy FTPSD_PROXY_TRUSTED does
# not list, and the protocol on without a list (ftpsd -t).  Prints TAP.
. "$(dirname "$0")/ftpsd_lib.sh"
need curl || { echo "1..0 # SKIP curl missing"; exit 0; }
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || { echo "1..0 # SKIP haproxy is not installed (Debian: haproxy)"; exit 0; }
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	{ echo "1..0 # SKIP cannot bind 127.0.0.2 (the client's address here)"; exit 0; }

# start_haproxy PORT BACKEND_PORT SEND
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
	SERVER_PIDS="$SERVER_PIDS $!"
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" \
		2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && return 1; sleep 0.1
	done
}

LOG=$T/server.log
head -c 300000 /dev/urandom >"$T/up.bin"
head -c 70000 /dev/urandom >"$HOME_DIR/down.bin"
fix_owner
CURL="curl -s -S --max-time 30 -k --interface 127.0.0.2 -u $USER_NAME:$USER_PASS"

S1=$(free_port)
start_server "$S1" FTPSD_PROXY_PROTOCOL=v2 FTPSD_PROXY_TRUSTED=127.0.0.1
H1=$(free_port)
start_haproxy "$H1" "$S1" send-proxy-v2 || { echo "Bail out! cannot start haproxy"; exit 1; }
$CURL --ssl-reqd -T "$T/up.bin" "ftp://127.0.0.1:$H1/up.bin" >"$T/curl.out" 2>&1
check "v2, explicit TLS, passive: upload from 127.0.0.2 through HAProxy arrives intact" \
	cmp "$T/up.bin" "$HOME_DIR/up.bin"
rm -f "$T/down.got"
$CURL --ssl-reqd -o "$T/down.got" "ftp://127.0.0.1:$H1/down.bin" >>"$T/curl.out" 2>&1
check "v2, passive: download intact" cmp "$HOME_DIR/down.bin" "$T/down.got"
# active mode: ftplib (from 127.0.0.2) listens, ftpsd connects out to it
got=$(python3 - "$H1" "$USER_NAME" "$USER_PASS" <<'PY'
import ftplib, hashlib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx, timeout=20, source_address=("127.0.0.2", 0))
f.connect("127.0.0.1", int(sys.argv[1]))
f.login(sys.argv[2], sys.argv[3])
f.prot_p()
f.set_pasv(False)
data = bytearray()
f.retrbinary("RETR down.bin", data.extend)
f.quit()
print(hashlib.sha256(data).hexdigest())
PY
)
want=$(sha256sum "$HOME_DIR/down.bin" | cut -d' ' -f1)
check "v2, active (PORT to 127.0.0.2, the client, from ftplib): download intact" \
	test "$got" = "$want"
check "the log names the client from the header" \
	grep -q 'PROXY protocol: client 127\.0\.0\.2:[0-9]* through the proxy' "$LOG"
check "the transfer records name 127.0.0.2" \
	grep -q 'transfer proto=ftp direction=upload result=ok user=alice client=127\.0\.0\.2:' "$LOG"

S2=$(free_port)
start_server "$S2" FTPSD_PROXY_PROTOCOL=v1 FTPSD_PROXY_TRUSTED=127.0.0.1 FTPSD_IMPLICIT_TLS=yes
H2=$(free_port)
start_haproxy "$H2" "$S2" send-proxy || { echo "Bail out! cannot start haproxy"; exit 1; }
rm -f "$T/down.got"
$CURL -o "$T/down.got" "ftps://127.0.0.1:$H2/down.bin" >>"$T/curl.out" 2>&1
check "v1, implicit TLS (the header before the handshake): download intact" \
	cmp "$HOME_DIR/down.bin" "$T/down.got"

# refusals: no header from a trusted proxy; a proxy that is not trusted
n0=$(grep -c 'not a PROXY header' "$LOG")
got=$(python3 - "$S1" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
c.sendall(b"USER alice\r\n")
c.settimeout(5)
try:
    print(repr(c.recv(100)))
except OSError as e:
    print("error", e)
PY
)
sleep 0.3
n1=$(grep -c 'not a PROXY header' "$LOG")
case "$got" in *220*) greeted=1 ;; *) greeted=0 ;; esac
check "a trusted peer that starts with a command instead: closed without a greeting ($got), logged" \
	test "$n1" -gt "$n0" -a "$greeted" = 0
S3=$(free_port)
start_server "$S3" FTPSD_PROXY_PROTOCOL=any FTPSD_PROXY_TRUSTED=192.0.2.1
H3=$(free_port)
start_haproxy "$H3" "$S3" send-proxy-v2 || { echo "Bail out! cannot start haproxy"; exit 1; }
out=$(curl -s --max-time 10 -k --ssl-reqd -u "$USER_NAME:$USER_PASS" "ftp://127.0.0.1:$H3/" 2>&1)
rc=$?
sleep 0.3
check "a proxy FTPSD_PROXY_TRUSTED does not list: refused (curl $rc), logged" \
	grep -q 'connection from 127\.0\.0\.1:[0-9]*, which FTPSD_PROXY_TRUSTED does not list' "$LOG"
err=$(env FTPSD_USERS_FILE="$T/users" FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" \
	FTPSD_PROXY_PROTOCOL=v2 "$FTPSD_BIN" -t 2>&1)
case "$err" in
*FTPSD_PROXY_TRUSTED*) ok "ftpsd -t: the protocol on without FTPSD_PROXY_TRUSTED is refused" ;;
*) nok "ftpsd -t: the protocol on without FTPSD_PROXY_TRUSTED is refused ($err)" ;;
esac
tap_end
