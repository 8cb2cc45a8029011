#!/bin/sh
# lib.sh: shared helpers for the integration tests (sourced, not run):
# TAP output, temporary directories cleaned up on exit, free loopback
# ports, servers started through systemd-socket-activate (or tcpserver)
# and stopped by PID.  When prove runs this file by itself it says so.

# Run directly (prove tests/integration/*.sh): a library, not a test.
case "${0##*/}" in
lib.sh)
	echo "1..0 # SKIP lib.sh is the helper library of the integration tests"
	exit 0
	;;
esac

# Repository top: the directory above tests/.
T_TOP=${T_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T_N=0
T_FAILED=0
T_TMP=
T_PIDS=

# --- TAP -----------------------------------------------------------------

t_ok() { # name
	T_N=$((T_N + 1))
	echo "ok $T_N - $*"
}

t_notok() { # name
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $*"
}

t_skip() { # name reason
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

t_diag() { # text... (each line prefixed with '# ')
	printf '%s\n' "$*" | sed 's/^/# /'
}

# t_diag_file FILE [LINES]: the last lines of a file as diagnostics.
t_diag_file() {
	[ -s "$1" ] || return 0
	echo "# --- last lines of $1:"
	tail -n "${2:-15}" "$1" | sed 's/^/#   /'
}

# t_is GOT WANT NAME
t_is() {
	if [ "$1" = "$2" ]; then
		t_ok "$3"
	else
		t_notok "$3"
		t_diag "got:  '$1'" "want: '$2'"
	fi
}

# t_run NAME CMD...: ok when CMD exits 0; its output goes to $T_TMP/last.out.
t_run() {
	_name=$1
	shift
	if "$@" >"$T_TMP/last.out" 2>&1; then
		t_ok "$_name"
	else
		_rc=$?
		t_notok "$_name"
		t_diag "exit $_rc: $*"
		t_diag_file "$T_TMP/last.out"
	fi
}

# t_fails NAME CMD...: ok when CMD exits non-zero but was not killed by a
# signal (128+N) nor by timeout(1) (124); 255 (ssh's error exit) counts as
# a clean failure.  Output in $T_TMP/last.out.
t_fails() {
	_name=$1
	shift
	"$@" >"$T_TMP/last.out" 2>&1
	_rc=$?
	if t_clean_failure "$_rc"; then
		t_ok "$_name"
	else
		t_notok "$_name"
		t_diag "exit $_rc (want non-zero, not 124/signal): $*"
		t_diag_file "$T_TMP/last.out"
	fi
}

# t_clean_failure RC: 0 when RC is non-zero, not timeout(1)'s 124, and not
# death by a signal (128+N, N < 64).
t_clean_failure() {
	[ "$1" -ne 0 ] && [ "$1" -ne 124 ] && { [ "$1" -lt 128 ] || [ "$1" -ge 192 ]; }
}

# t_done: trailing plan; exit status non-zero when a test failed.
t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

# t_bail REASON: give up on the whole script (TAP Bail out!).
t_bail() {
	echo "Bail out! $*"
	exit 1
}

# t_skip_all REASON: nothing can run here.
t_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# t_have CMD: 1 if CMD is on PATH.
t_have() {
	command -v "$1" >/dev/null 2>&1
}

# --- temporary directory and clean-up -----------------------------------

# t_tmpdir: creates $T_TMP (removed on exit unless T_KEEP=1), and arranges
# for every server started by t_server_start to be stopped on exit.
t_tmpdir() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX") || t_bail "mktemp failed"
	chmod 755 "$T_TMP"
	trap 't_cleanup' EXIT
	trap 'exit 130' INT TERM HUP
}

t_cleanup() {
	for _p in $T_PIDS; do
		t_server_stop "$_p"
	done
	if [ -n "$T_TMP" ] && [ "${T_KEEP:-0}" != 1 ]; then
		rm -rf "$T_TMP"
	elif [ -n "$T_TMP" ]; then
		echo "# kept $T_TMP"
	fi
}

# --- running as another uid ----------------------------------------------

# t_uid_can UID GID TEST PATH: 0 when UID:GID, with no supplementary
# groups, passes test(1) TEST (-r, -x, ...) on PATH: every directory above
# it must let that uid through.  Needs root and setpriv (util-linux).
t_uid_can() {
	setpriv --reuid="$1" --regid="$2" --clear-groups test "$3" "$4" 2>/dev/null
}

# t_copy_for_uid UID GID FILE: prints a path to FILE that UID:GID can read
# (and run, when FILE is executable): FILE itself when it can, else a copy
# in $T_TMP/for-UID.  A clone under a directory other users cannot enter
# (/root, a private mktemp -d) is out of reach of the uids tests run
# servers as.  Returns 1, printing nothing, when even the copy is out of
# reach ($T_TMP under a private TMPDIR): skip the test, with that reason.
t_copy_for_uid() {
	_t=-r
	[ -x "$3" ] && _t=-x
	if t_uid_can "$1" "$2" "$_t" "$3"; then
		echo "$3"
		return 0
	fi
	_d=$T_TMP/for-$1
	mkdir -p "$_d" && chmod 755 "$_d" && cp -p "$3" "$_d/" || return 1
	chmod a+r "$_d/${3##*/}"
	t_uid_can "$1" "$2" "$_t" "$_d/${3##*/}" || return 1
	echo "$_d/${3##*/}"
}

# t_privsep_env SFTPD: sets T_PRIVSEP_ENV to the VAR=value words to pass
# to that sftpd binary for its privilege separation.  As root sftpd runs
# its pre-authentication process as the system user sluice (INSTALL);
# where that user does not exist, as nobody, said in a diagnostic.  Not
# root: nothing (sftpd does not switch uids then), nor with an sftpd whose
# -M list lacks SFTPD_PRIVSEP_USER (unknown SFTPD_ variables are an error).
t_privsep_env() {
	T_PRIVSEP_ENV=
	[ "$(id -u)" = 0 ] || return 0
	id sluice >/dev/null 2>&1 && return 0
	"$1" -M 2>/dev/null | grep -q SFTPD_PRIVSEP_USER || return 0
	T_PRIVSEP_ENV=SFTPD_PRIVSEP_USER=nobody
	t_diag "no system user sluice (see INSTALL): sftpd runs with SFTPD_PRIVSEP_USER=nobody"
}

# --- ports and servers --------------------------------------------------

# t_free_port: prints a TCP port on 127.0.0.1 that nobody listens on.
t_free_port() {
	if t_have python3; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	while :; do
		_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		t_port_listening "$_port" || {
			echo "$_port"
			return
		}
	done
}

# t_port_listening PORT: 0 when something listens on 127.0.0.1:PORT.
t_port_listening() {
	if t_have ss; then
		[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
	else
		grep -qi ":$(printf '%04X' "$1") [0-9A-F]*:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
	fi
}

# t_server_start PORT LOG CMD...: runs CMD once per connection accepted on
# 127.0.0.1:PORT with the connection on fds 0/1 (inetd style), through
# systemd-socket-activate --inetd -a, else tcpserver (T_LAUNCHER=tcpserver
# or systemd-socket-activate picks one).  Environment for CMD
# is passed with "env VAR=value ..." inside CMD.  Sets T_SERVER_PID (the
# super-server, leader of its own session) and waits until the port listens.
t_server_start() {
	_port=$1
	_log=$2
	shift 2
	_how=${T_LAUNCHER:-}
	if [ -z "$_how" ]; then
		_how=tcpserver
		t_have systemd-socket-activate && _how=systemd-socket-activate
	fi
	if [ "$_how" = systemd-socket-activate ] && t_have systemd-socket-activate; then
		setsid systemd-socket-activate --inetd -a -l "127.0.0.1:$_port" "$@" \
			</dev/null >>"$_log" 2>&1 &
	elif [ "$_how" = tcpserver ] && t_have tcpserver; then
		setsid tcpserver -q -H -R 127.0.0.1 "$_port" "$@" </dev/null >>"$_log" 2>&1 &
	else
		return 1
	fi
	T_SERVER_PID=$!
	T_PIDS="$T_PIDS $T_SERVER_PID"
	_i=0
	while ! t_port_listening "$_port"; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$T_SERVER_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# t_ftpsd_plain PORTVAR LOG VAR=value...: ftpsd with system accounts on
# 127.0.0.1, plain FTP (for tests of logins, not of TLS), started by
# t_server_start with the privsep settings of t_privsep_env; its port in
# the variable PORTVAR.
t_ftpsd_plain() {
	_var=$1 _log=$2
	shift 2
	_p=$(t_free_port)
	# shellcheck disable=SC2086 # T_PRIVSEP_ENV: VAR=value words
	t_server_start "$_p" "$_log" env FTPSD_USERS_FILE= FTPSD_TLS_REQUIRED=off \
		FTPSD_LOGIN_FAIL_DELAY_MS=0 $T_PRIVSEP_ENV "$@" "${FTPSD:-$T_TOP/ftpsd/ftpsd}" ||
		t_bail "ftpsd did not start"
	eval "$_var=\$_p"
}

# t_ftp_login PYTHON PORT USER PASSWORD: Python's ftplib logs in on
# 127.0.0.1:PORT and prints "in" (PWD answered, QUIT), "refused" (530) or
# the error.
t_ftp_login() {
	timeout 30 "$1" - "$2" "$3" "$4" <<'PY' 2>&1 | tail -n 1
import ftplib, sys
f = ftplib.FTP(timeout=20)
f.connect("127.0.0.1", int(sys.argv[1]))
try:
    f.login(sys.argv[2], sys.argv[3])
    f.pwd()
    print("in")
    f.quit()
except ftplib.error_perm as e:
    print("refused" if str(e).startswith("530") else str(e))
PY
}

# t_server_stop PID: stops the super-server started by t_server_start (and
# the connections it still serves: it was started in its own session).
t_server_stop() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt 40 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill -KILL -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# --- keys and accounts ---------------------------------------------------

# t_hostkey TYPE FILE [BITS]: a host key, with sluice-keytool when built,
# else ssh-keygen (the same OpenSSH format).
t_hostkey() {
	_kt="$T_TOP/keytools/sluice-keytool"
	rm -f "$2" "$2.pub"
	if [ -x "$_kt" ] && "$_kt" hostkey -t "$1" -f "$2" >/dev/null 2>&1 && [ -s "$2" ]; then
		[ -s "$2.pub" ] || ssh-keygen -y -f "$2" >"$2.pub"
		return 0
	fi
	rm -f "$2" "$2.pub"
	ssh-keygen -q -t "$1" ${3:+-b "$3"} -N '' -C "sluice-test-$1" -f "$2"
}

# t_userkey TYPE FILE [BITS]: a client key made by ssh-keygen.
t_userkey() {
	rm -f "$2" "$2.pub"
	ssh-keygen -q -t "$1" ${3:+-b "$3"} -N '' -C "sluice-test-user" -f "$2"
}

# t_useradd USERSFILE NAME PASSWORD UID GID HOME: one users-file line, with
# sluice-keytool when built, else a sha512-crypt hash (accepted too).
t_useradd() {
	_kt="$T_TOP/keytools/sluice-keytool"
	if [ -x "$_kt" ] && printf '%s\n' "$3" |
		"$_kt" useradd -f "$1" -s -u "$4" -g "$5" -d "$6" "$2" >/dev/null 2>&1 &&
		grep -q "^$2:" "$1"; then
		return 0
	fi
	_hash=$(t_crypt_hash "$3") || return 1
	touch "$1" && chmod 600 "$1"
	grep -v "^$2:" "$1" >"$1.new" || :
	printf '%s:%s:%s:%s:%s\n' "$2" "$_hash" "$4" "$5" "$6" >>"$1.new"
	mv "$1.new" "$1"
}

# t_crypt_hash PASSWORD: a crypt(3) sha512 hash, by whatever is installed.
t_crypt_hash() {
	if t_have openssl; then
		openssl passwd -6 "$1"
	elif t_have mkpasswd; then
		mkpasswd -m sha-512 "$1"
	else
		python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_SHA512)))' "$1"
	fi
}
