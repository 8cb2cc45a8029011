#!/bin/sh
# ftpsd_privsep.sh: ftpsd's privilege separation seen from outside.  A real
# curl login is held after its TLS handshake and the pre-login processes
# are inspected, then again during the download after login
# (ftpsd_privsep.py).  Last, a forbidden system call in the network process
# and in the session process (tests/helpers/ftpsd-sigsys-net, -session)
# ends the connection cleanly, named in the log.  Root only: reading
# another process's memory needs it.
. "$(dirname "$0")/ftpsd_lib.sh"
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP not root: inspecting other users' processes needs root"; exit 0; }
need curl || { echo "1..0 # SKIP curl missing"; exit 0; }
need python3 || { echo "1..0 # SKIP python3 missing"; exit 0; }

PRIV_USER=sluice
[ -n "$PRIVSEP_ENV" ] && PRIV_USER=nobody
PRIV_UID=$(id -u "$PRIV_USER")
PRIV_GID=$(id -g "$PRIV_USER")
ACC_UID=65534 ACC_GID=65534
[ "$PRIV_UID" = 65534 ] && ACC_UID=65533 ACC_GID=65533
ACC_USER=carol
ACC_PASS=$(openssl rand -hex 16)
ACC_HASH=$(openssl passwd -6 "$ACC_PASS")
ACC_HOME=$T/carol
mkdir -p "$ACC_HOME"
head -c $((2 * 1048576)) /dev/urandom >"$ACC_HOME/big.bin"
chown -R "$ACC_UID:$ACC_GID" "$ACC_HOME"
PUSERS=$T/privsep-users
echo "$ACC_USER:$ACC_HASH:$ACC_UID:$ACC_GID:$ACC_HOME" >"$PUSERS"
chmod 600 "$PUSERS" # root's only: the ids of the network process must be denied

P=$(free_port)
start_server "$P" FTPSD_USERS_FILE="$PUSERS"
SA_PID=${SERVER_PIDS##* }
P_SERVER=$P SA_PID=$SA_PID ACC_USER=$ACC_USER ACC_PASS=$ACC_PASS ACC_UID=$ACC_UID ACC_GID=$ACC_GID \
	PRIV_UID=$PRIV_UID PRIV_GID=$PRIV_GID PRIV_DIR=/run/sluice/empty USERS_FILE=$PUSERS \
	HOME_DIR=$ACC_HOME KEYFILE=$T/key.pem ACC_HASH=$ACC_HASH OUT_FILE=$T/privsep.out \
	python3 "$(dirname "$0")/ftpsd_privsep.py" >"$T/privsep.tap" 2>"$T/privsep.err"
# renumber the python's lines into this script's TAP
while IFS= read -r line; do
	case $line in
	"ok "*" - "*) ok "${line#* - }" ;;
	"not ok "*" - "*) nok "${line#* - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$T/privsep.tap"
[ -s "$T/privsep.err" ] && sed 's/^/# /' "$T/privsep.err" | head -n 20
grep -q . "$T/privsep.tap" || nok "ftpsd_privsep.py ran"

# a forbidden system call (execve) in each sandboxed process
sigsys() { # ROLE: the helper's network (net) or session process calls execve
	bin=$TOP/tests/helpers/ftpsd-sigsys-$1
	if [ ! -x "$bin" ]; then
		skip "forbidden system call in the $1 process: $bin is not built"
		skip "forbidden system call in the $1 process: log"
		return
	fi
	p=$(free_port)
	saved=$FTPSD_BIN
	FTPSD_BIN=$bin
	start_server "$p" FTPSD_USERS_FILE="$PUSERS"
	FTPSD_BIN=$saved
	l0=$(wc -l <"$T/server.log")
	start=$(date +%s)
	timeout 30 curl -sS -k --ssl-reqd --user "$ACC_USER:$ACC_PASS" -o /dev/null \
		"ftp://127.0.0.1:$p/big.bin" >"$T/sigsys.$1" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$secs" -lt 20 ]; then
		ok "forbidden system call in the $1 process: curl fails cleanly (exit $rc) in $secs s"
	else
		nok "forbidden system call in the $1 process: curl fails cleanly (exit $rc after $secs s)"
	fi
	i=0
	while ! tail -n +"$((l0 + 1))" "$T/server.log" | grep -q 'forbidden system call execve' && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if tail -n +"$((l0 + 1))" "$T/server.log" | grep -q "$2: forbidden system call execve; connection closed"; then
		ok "forbidden system call in the $1 process: the log says '$2: forbidden system call execve'"
	else
		nok "forbidden system call in the $1 process: the log names execve"
		tail -n +"$((l0 + 1))" "$T/server.log" | sed 's/^/# /' | tail -n 8
	fi
	stop_server_last
}
sigsys net "network process"
sigsys session "session process"
tap_end
