#!/bin/sh
# ftpsd_lib.sh: shared set-up for the ftpsd integration tests (sourced).
# Makes a temporary tree with a self-signed certificate, a users file and
# an account home, starts ftpsd per connection on free loopback ports with
# systemd-socket-activate, and stops those servers by PID at exit.
# Run directly it is not a test and says so in TAP.
case "${0##*/}" in ftpsd_lib.sh) echo "1..0 # SKIP helper library, not a test"; exit 0 ;; esac

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FTPSD_BIN=${FTPSD_BIN:-$TOP/ftpsd/ftpsd}
T=$(mktemp -d /tmp/ftpsd-test.XXXXXX)
chmod 755 "$T"
SERVER_PIDS=""
TAP_N=0
TAP_FAIL=0

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
nok() { TAP_N=$((TAP_N + 1)); TAP_FAIL=$((TAP_FAIL + 1)); echo "not ok $TAP_N - $*"; }
check() { # check "description" command...
	d=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else nok "$d"; fi
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
tap_end() { echo "1..$TAP_N"; [ "$TAP_FAIL" -eq 0 ]; }

cleanup() {
	for p in $SERVER_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SERVER_PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "$KEEP" ]; then echo "# kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A passive range of 40 ports that are free now.
pasv_range() {
	python3 - <<'PY'
import random, socket
for _ in range(200):
    b = random.randrange(20000, 60000, 40)
    ok = True
    for p in range(b, b + 40):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        s.close()
        if not ok:
            break
    if ok:
        print("%d-%d" % (b, b + 39))
        break
PY
}

if [ "$(id -u)" = 0 ]; then TUID=65534; TGID=65534; else TUID=$(id -u); TGID=$(id -g); fi
USER_NAME=alice
USER_PASS=secret
HOME_DIR=$T/home/alice
mkdir -p "$HOME_DIR" "$T/anon"
echo "anonymous file" > "$T/anon/readme.txt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" \
	-out "$T/cert.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1
HASH=$(openssl passwd -6 -salt ftpsdtst "$USER_PASS")
echo "$USER_NAME:$HASH:$TUID:$TGID:$HOME_DIR" > "$T/users"
chmod 644 "$T/cert.pem" "$T/users"
chmod 600 "$T/key.pem"
# As root ftpsd runs its network process as the system user sluice
# (INSTALL); where it does not exist, as nobody.
PRIVSEP_ENV=
if [ "$(id -u)" = 0 ] && ! id sluice >/dev/null 2>&1; then
	PRIVSEP_ENV=FTPSD_PRIVSEP_USER=nobody
	echo "# no system user sluice (see INSTALL): ftpsd runs with FTPSD_PRIVSEP_USER=nobody"
fi
fix_owner() { [ "$(id -u)" = 0 ] && chown -R "$TUID:$TGID" "$HOME_DIR"; return 0; }
fix_owner
PASV=$(pasv_range)

# start_server PORT [VAR=value ...]: ftpsd per connection on 127.0.0.1:PORT.
start_server() {
	port=$1; shift
	set -- FTPSD_USERS_FILE="$T/users" FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" \
		FTPSD_PASV_PORTS="$PASV" FTPSD_LOGIN_FAIL_DELAY_MS=50 $PRIVSEP_ENV "$@"
	eflags=""
	for kv in "$@"; do eflags="$eflags -E ${kv%%=*}"; done
	# shellcheck disable=SC2086
	env "$@" systemd-socket-activate -a --inetd $eflags -l "${LISTEN_HOST:-127.0.0.1}:$port" "$FTPSD_BIN" \
		>>"$T/server.log" 2>&1 &
	SERVER_PIDS="$SERVER_PIDS $!"
	i=0
	h=${LISTEN_HOST:-127.0.0.1}; h=${h#[}; h=${h%]}
	while ! python3 -c "import socket,sys; socket.create_connection(('$h',$port),1).close()" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
	done
}
stop_server_last() {
	last=${SERVER_PIDS##* }
	kill "$last" 2>/dev/null; wait "$last" 2>/dev/null
	SERVER_PIDS=${SERVER_PIDS% *}
}

need() { command -v "$1" >/dev/null 2>&1; }
if [ ! -x "$FTPSD_BIN" ]; then echo "1..0 # SKIP $FTPSD_BIN not built"; exit 0; fi
need systemd-socket-activate || { echo "1..0 # SKIP systemd-socket-activate missing"; exit 0; }
