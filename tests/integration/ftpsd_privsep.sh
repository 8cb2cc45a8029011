#!/bin/sh
# ftpsd_privsep.sh: ftpsd's privilege separation seen from outside.  A real
# curl login is held after its TLS handshake and the pre-login processes
# are inspected, then again during the download after login
# (ftpsd_privsep.py).  Every process is stopped and continued, before and
# after login, and the session goes on.  Last, a forbidden system call in the network process
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

# Stopped and continued (SIGSTOP, SIGCONT: job control, a debugger, a
# cgroup freeze): the kernel resumes a poll with a timeout through
# restart_syscall, which the sandboxes must allow.  Every process of one
# connection is stopped before login and again after it; the session then
# goes on and the download is compared.
cat >"$T/stopcont.py" <<'PY'
import ftplib, hashlib, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx, timeout=20)
f.connect("127.0.0.1", port)
print("connected", flush=True)
sys.stdin.readline()
f.login(user, password)
f.prot_p()
print("logged in", flush=True)
sys.stdin.readline()
h = hashlib.sha256()
f.retrbinary("RETR big.bin", h.update)
print("sha256", h.hexdigest(), flush=True)
f.quit()
PY
wait_line() { # FILE TEXT: up to 10 s for TEXT in FILE
	i=0
	while ! grep -q "$2" "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1"
}
# held_client NAME: a server ($sa its launcher) and stopcont.py connected
# to it, output in $T/NAME.out, held until a line on descriptor 4
held_client() {
	p=$(free_port)
	start_server "$p" FTPSD_USERS_FILE="$PUSERS"
	sa=${SERVER_PIDS##* }
	mkfifo "$T/$1.in"
	python3 "$T/stopcont.py" "$p" "$ACC_USER" "$ACC_PASS" <"$T/$1.in" >"$T/$1.out" 2>&1 &
	client=$!
	exec 4>"$T/$1.in"
	wait_line "$T/$1.out" connected
}
held_client stopcont
n_pre=$("$TOP/tests/helpers/stop_continue.sh" "$sa")
(echo >&4) 2>/dev/null # a subshell: a client already gone must not end this script
wait_line "$T/stopcont.out" "logged in"
n_post=$("$TOP/tests/helpers/stop_continue.sh" "$sa")
(echo >&4) 2>/dev/null
exec 4>&-
wait "$client"
want=$(sha256sum <"$ACC_HOME/big.bin" | cut -d' ' -f1)
if [ "$n_pre" -ge 1 ] && [ "$n_post" -ge 2 ] && grep -q "^sha256 $want" "$T/stopcont.out"; then
	ok "stopped and continued before login ($n_pre processes) and after ($n_post): the download goes on, bytes equal"
else
	nok "stopped and continued before login (${n_pre:-?} processes) and after (${n_post:-?}): the download goes on, bytes equal"
	sed 's/^/# /' "$T/stopcont.out" | tail -n 5
	tail -n 4 "$T/server.log" | sed 's/^/# /'
fi
if grep -q restart_syscall "$T/server.log"; then
	nok "stopped and continued: no forbidden system call in the log"
else
	ok "stopped and continued: no forbidden system call in the log"
fi
stop_server_last

# An idle session keeps little of its code mapped: ftpsd maps all of it at
# start (one call instead of a fault per 64 KiB), so after a second
# without a command the session process must hand it back.
code_rss() { # PID: "RSS SIZE" (KiB) of its code: every executable file mapping
	awk '/^[0-9a-f]+-[0-9a-f]+ / { code = ($2 == "r-xp" && $6 ~ /^\//) }
		code && /^Size:/ { size += $2 } code && /^Rss:/ { rss += $2 }
		END { if (size) print rss, size }' "/proc/$1/smaps"
}
held_client idle
(echo >&4) 2>/dev/null
wait_line "$T/idle.out" "logged in"
sleep 2.5
sess=$(pgrep -P "$sa" -x ftpsd-session | head -n 1)
set -- $(code_rss "${sess:-0}" 2>/dev/null)
if [ -n "${2:-}" ] && [ "$1" -lt $(($2 / 2)) ]; then
	ok "idle session after login: $1 of its $2 KiB of code mapped"
else
	nok "idle session after login: ${1:-?} of its ${2:-?} KiB of code mapped (want under half)"
fi
(echo >&4) 2>/dev/null
exec 4>&-
wait "$client"
stop_server_last

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
