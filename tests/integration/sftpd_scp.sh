#!/bin/bash
# sftpd_scp.sh: legacy SCP (the exec requests scp -t and scp -f) with real
# clients: OpenSSH's scp -O through ProxyCommand (chrooted, and as an
# unprivileged server confined by openat2) and PuTTY's pscp -scp on a
# loopback port.  Files and trees compared byte for byte, times and modes
# compared, wildcards, errors (a missing source, a denied target, a full
# file system, refused commands) with their messages and exit statuses,
# confinement, SFTPD_SCP=no and SFTPD_READ_ONLY=yes, and a raw client
# sending names that climb out.  Prints TAP.  T_KEEP=1 keeps the temp dir.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh scp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done
scp -O 2>&1 | grep -q "unknown option" && t_skip_all "this scp has no -O (OpenSSH before 9.0 speaks only the legacy protocol)"

t_tmpdir
T=$T_TMP
ROOT=$T/root     # the account's root
L=$T/local       # the client's side
OUT=$T/outside   # beside the root: never reachable
LOG=$T/sftpd.log # sftpd's stderr, every session
mkdir -p "$ROOT" "$L" "$OUT" "$T/keys"
chmod 755 "$ROOT"
USER_NAME=tester
PASSWORD='pw-Scp-1!'
if [ "$(id -u)" = 0 ]; then
	ACC_UID=65534
	ACC_GID=65534
else
	ACC_UID=$(id -u)
	ACC_GID=$(id -g)
fi
MOUNTED=
# shellcheck disable=SC2317 # called from the EXIT trap
scp_cleanup() {
	[ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
	t_cleanup
}
trap scp_cleanup EXIT

t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$USER_NAME" "$PASSWORD" "$ACC_UID" "$ACC_GID" "$ROOT" ||
	t_bail "cannot write the users file"

echo "OUTSIDE-SECRET-0xdeadbeef" >"$OUT/secret.txt"
chmod 644 "$OUT/secret.txt"
ln -s "$OUT/secret.txt" "$ROOT/evil_abs"
ln -s ../outside/secret.txt "$ROOT/evil_rel"
for s in 0 1 32768 1048583 10485760; do
	head -c "$s" /dev/urandom >"$L/f_$s"
done
BIG=$L/f_1048583
# a tree: nested and empty directories, a name with blanks, modes, old times
mkdir -p "$L/tree/a/b/c" "$L/tree/empty" "$L/tree/with space"
cp "$L/f_0" "$L/f_1" "$L/tree/"
cp "$BIG" "$L/tree/a/b/c/"
cp "$L/f_32768" "$L/tree/with space/x y.bin"
echo "mode 600" >"$L/tree/a/secret.txt"
chmod 600 "$L/tree/a/secret.txt"
chmod 750 "$L/tree/a"
chmod 711 "$L/tree/empty"
find "$L/tree" -exec touch -h -d '2001-02-03 04:05:06' {} +
touch -d '1999-12-31 23:59:59' "$L/tree/a/b/c/f_1048583"
mkdir -p "$ROOT/globdir"
echo one >"$ROOT/globdir/one.txt"
echo two >"$ROOT/globdir/two.txt"
echo dot >"$ROOT/globdir/.hidden.txt"
echo other >"$ROOT/globdir/other.dat"
mkdir -p "$ROOT/locked"
echo "root only" >"$ROOT/locked/unreadable"
if [ "$(id -u)" = 0 ]; then
	chown -R "$ACC_UID:$ACC_GID" "$ROOT" "$T/keys"
	chown root:root "$ROOT/locked" "$ROOT/locked/unreadable"
fi
chmod 555 "$ROOT/locked"
chmod 000 "$ROOT/locked/unreadable"

# --- how to reach the server ---------------------------------------------------

t_privsep_env "$SFTPD"
# shellcheck disable=SC2206 # T_PRIVSEP_ENV: zero or more VAR=value words
SERVER_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin $T_PRIVSEP_ENV
	SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$T/keys/users"
	SFTPD_AUTHORIZED_KEYS="$T/keys/authorized_keys" SFTPD_AUTH_FAIL_DELAY_MS=50)

SFTPD_ACC=
if [ "$(id -u)" = 0 ] && t_have setpriv; then
	SFTPD_ACC=$(t_copy_for_uid "$ACC_UID" "$ACC_GID" "$SFTPD") &&
		t_uid_can "$ACC_UID" "$ACC_GID" -r "$T/keys/users" || SFTPD_ACC=
fi

# The ProxyCommand: sftpd with the test environment plus VAR=value
# arguments; UNPRIV=1 (as root) runs it as the account (openat2 instead of
# chroot); PRE= prefixes a command (prlimit).  Its log goes to $SLOG.
{
	echo '#!/bin/sh'
	echo "trap 'hup=1' HUP"
	printf 'pre= bin=%q\n' "$SFTPD"
	echo 'if [ "${UNPRIV:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then'
	echo "  pre=\"setpriv --reuid=$ACC_UID --regid=$ACC_GID --clear-groups\""
	printf '  bin=%q\n' "$SFTPD_ACC"
	echo 'fi'
	printf '$pre $PRE env -i'
	printf ' %q' "${SERVER_ENV[@]}"
	printf ' "$@" "$bin" 2>>"${SLOG:-%s}"\n' "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"

SSHO=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
	-o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR
	-o ControlMaster=no -o ControlPath=none -i "$T/keys/uk")
SRV_ENV=
UNPRIV=0
PRE=
DEST=$USER_NAME@sluice-scp

# xscp ARGS...: scp -O with the current server settings; output in
# $T/last.out, exit status returned.
xscp() {
	UNPRIV=$UNPRIV PRE=$PRE timeout 120 scp -O -q "${SSHO[@]}" \
		-o "ProxyCommand=env UNPRIV=$UNPRIV PRE='$PRE' $T/srv $SRV_ENV" "$@" >"$T/last.out" 2>&1
}
# xssh ARGS...: ssh with the same settings (stdin is the caller's).
xssh() {
	timeout 60 ssh "${SSHO[@]}" -o "ProxyCommand=env UNPRIV=$UNPRIV $T/srv $SRV_ENV" "$DEST" "$@"
}

# same_tree A B [stat format]: 0 when both trees list the same entries
# with the same stat(1) fields (%n relative), default type and size.
same_tree() {
	_f=${3:-%F %s}
	(cd "$1" && find . -mindepth 1 -exec stat -c "%n $_f" {} + | sort) >"$T/tree.a"
	(cd "$2" && find . -mindepth 1 -exec stat -c "%n $_f" {} + | sort) >"$T/tree.b"
	diff "$T/tree.a" "$T/tree.b" >"$T/tree.diff"
}

# v NAME: ok when the command just before succeeded, else the last
# client output and server log lines as diagnostics.  Used as
# "cond && cond; v NAME".
v() {
	if [ $? = 0 ]; then
		t_ok "$1"
	else
		t_notok "$1"
		t_diag_file "$T/last.out"
		t_diag_file "$LOG" 6
	fi
}

# --- files and trees, once chrooted (root) and once confined by openat2 ----------

suite() { # LABEL
	lab=$1
	d=$ROOT/$lab
	rm -rf "$d" "$L/down_$lab"
	mkdir -p "$d" "$L/down_$lab"
	[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$d"
	for s in 0 1 32768 1048583 10485760; do
		xscp "$L/f_$s" "$DEST:$lab/up_$s"
		rc=$?
		xscp "$DEST:$lab/up_$s" "$L/down_$lab/f_$s"
		rc2=$?
		test "$rc$rc2" = 00 -a -f "$L/down_$lab/f_$s" -a -f "$d/up_$s" &&
			cmp -s "$L/f_$s" "$d/up_$s" && cmp -s "$L/f_$s" "$L/down_$lab/f_$s"
		v "$lab: scp -O $s bytes up and down identical (exit $rc, $rc2)"
	done
	for dir in upload download; do
		grep -q "transfer proto=scp direction=$dir result=ok user=$USER_NAME client=[^ ]* bytes=1048583 seconds=[0-9.]* path=\"$lab/up_1048583\"" "$LOG"
		v "$lab: the $dir has its transfer record"
	done

	xscp -r "$L/tree" "$DEST:$lab/tree"
	test $? = 0
	v "$lab: scp -O -r upload exits 0"
	diff -r "$L/tree" "$d/tree"
	v "$lab: scp -O -r upload: trees identical"
	xscp -r "$DEST:$lab/tree" "$L/down_$lab/tree"
	test $? = 0
	v "$lab: scp -O -r download exits 0"
	diff -r "$L/tree" "$L/down_$lab/tree"
	v "$lab: scp -O -r download: trees identical"
	same_tree "$L/tree" "$L/down_$lab/tree"
	test ! -s "$T/tree.diff"
	v "$lab: scp -O -r: same entries, types and sizes"

	rm -rf "$d/ptree" "$L/down_$lab/ptree"
	xscp -r -p "$L/tree" "$DEST:$lab/ptree"
	test $? = 0
	v "$lab: scp -O -r -p upload exits 0"
	same_tree "$L/tree" "$d/ptree" "%F %s %a %Y"
	test ! -s "$T/tree.diff"
	v "$lab: scp -O -r -p upload: modes and mtimes kept"
	[ -s "$T/tree.diff" ] && t_diag_file "$T/tree.diff"
	touch -d '2011-11-11 11:11:11' "$d/ptree/f_1"
	chmod 604 "$d/ptree/f_1"
	xscp -r -p "$DEST:$lab/ptree" "$L/down_$lab/ptree"
	test $? = 0
	v "$lab: scp -O -r -p download exits 0"
	same_tree "$d/ptree" "$L/down_$lab/ptree" "%F %s %a %Y"
	test ! -s "$T/tree.diff"
	v "$lab: scp -O -r -p download: modes and mtimes kept"
	[ -s "$T/tree.diff" ] && t_diag_file "$T/tree.diff"
	diff -r "$L/tree" "$L/down_$lab/ptree" \
		-q --exclude=f_1
	v "$lab: scp -O -r -p download: content identical"

	xscp "$L/f_1" "$L/f_32768" "$DEST:$lab"
	test $? = 0 -a -f "$d/f_1" &&
		cmp -s "$L/f_32768" "$d/f_32768"
	v "$lab: two files into a directory (scp -d)"
	xscp "$L/f_1" "$L/f_32768" "$DEST:$lab/up_1"
	rc=$?
	test "$rc" = 1 &&
		grep -q "Not a directory" "$T/last.out"
	v "$lab: two files into a file: refused (exit $rc)"

	rm -rf "$L/glob_$lab"
	mkdir -p "$L/glob_$lab"
	xscp "$DEST:globdir/*.txt" "$L/glob_$lab/"
	test $? = 0 &&
		test "$(cd "$L/glob_$lab" && echo *)" = "one.txt two.txt" &&
		cmp -s "$ROOT/globdir/one.txt" "$L/glob_$lab/one.txt"
	v "$lab: a wildcard download takes the matching files"
	test ! -e "$L/glob_$lab/.hidden.txt"
	v "$lab: and not the dot file"
	xscp "$DEST:globdir/'*.txt'" "$L/glob_$lab/"
	rc=$?
	test "$rc" = 1 &&
		grep -q "No such file" "$T/last.out"
	v "$lab: a quoted wildcard is a literal name (exit $rc)"

	# errors: message and exit status
	xscp "$DEST:$lab/nope" "$L/nope"
	rc=$?
	test "$rc" = 1
	v "$lab: a missing source: exit 1"
	grep -q "scp: $lab/nope: No such file or directory" "$T/last.out"
	v "$lab: a missing source: the message names it"
	test ! -e "$L/nope"
	v "$lab: a missing source: nothing written"
	xscp "$DEST:$lab/nope" "$DEST:$lab/up_1" "$L/down_$lab/"
	rc=$?
	test "$rc" = 1 &&
		cmp -s "$L/f_1" "$L/down_$lab/up_1"
	v "$lab: a missing source among two: exit 1, the other arrives"
	if [ "$(id -u)" = 0 ] || [ ! -w "$ROOT/locked" ]; then
		xscp "$L/f_1" "$DEST:locked/x"
		rc=$?
		test "$rc" = 1 &&
			grep -q "scp: locked/x: Permission denied" "$T/last.out"
		v "$lab: a denied target: exit 1 with Permission denied"
		test ! -e "$ROOT/locked/x"
		v "$lab: a denied target: nothing written"
		xscp "$DEST:locked/unreadable" "$L/unr"
		rc=$?
		test "$rc" = 1 &&
			grep -q "Permission denied" "$T/last.out"
		v "$lab: an unreadable source: exit 1 with Permission denied"
	else
		t_skip "$lab: a denied target" "the account can write everywhere"
	fi

	# confinement
	rm -f "$L/leak" "$OUT/planted"
	for p in ../outside/secret.txt "$OUT/secret.txt" evil_abs evil_rel ../../../../../etc/passwd; do
		xscp "$DEST:$p" "$L/leak"
		if [ -e "$L/leak" ] && grep -q -e OUTSIDE-SECRET -e '^root:' "$L/leak"; then
			t_notok "$lab: scp -O of $p does not leak"
		else
			t_ok "$lab: scp -O of $p does not leak"
		fi
		rm -f "$L/leak"
	done
	xscp "$L/f_1" "$DEST:../outside/planted"
	xscp "$L/f_1" "$DEST:$OUT/planted"
	test ! -e "$OUT/planted"
	v "$lab: scp -O cannot write outside"
}

suite chroot
if [ "$(id -u)" = 0 ]; then
	if [ -z "$SFTPD_ACC" ]; then
		t_skip "openat2 confinement" "uid $ACC_UID cannot run sftpd here (setpriv missing or private directories)"
	else
		UNPRIV=1
		suite openat2
		UNPRIV=0
	fi
fi

# --- a file system that fills up -----------------------------------------------

# An upload bigger than the room left: the client is told why (exit 1),
# the server logs it, and the session goes on: the file after it gets its
# own answer (the partial file stays, as with OpenSSH: on a full tmpfs
# that answer is an error too).
full_case() { # LABEL DIR SERVERLOG
	_l0=$(wc -l <"$3")
	xscp "$L/f_1" "$L/f_10485760" "$L/f_32768" "$DEST:${2#"$ROOT"/}"
	rc=$?
	test "$rc" = 1 &&
		grep -Eq "f_10485760: (No space left on device|File too large)" "$T/last.out"
	v "$1: an upload that does not fit: exit 1, No space or File too large"
	cmp -s "$L/f_1" "$2/f_1"
	v "$1: the file before it arrives"
	cmp -s "$L/f_32768" "$2/f_32768" || grep -q "f_32768: No space left" "$T/last.out"
	v "$1: the file after it is answered"
	tail -n +$((_l0 + 1)) "$3" |
		grep -Eq 'warning: scp: .*f_10485760: (No space left on device|File too large)'
	v "$1: the server logs the error"
}
mkdir -p "$ROOT/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m,mode=0777 sluice-scp-test "$ROOT/small" 2>/dev/null; then
	MOUNTED=$ROOT/small
	full_case "tmpfs of 1 MiB" "$ROOT/small" "$LOG"
	umount "$ROOT/small" && MOUNTED=
else
	t_skip "an upload that fills a 1 MiB tmpfs" "cannot mount a tmpfs (needs root)"
fi
if t_have prlimit; then
	mkdir -p "$ROOT/limited"
	[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$ROOT/limited"
	# RLIMIT_FSIZE for the server: its log goes to a file of its own,
	# which the limit does not reach.
	PRE="prlimit --fsize=2097152"
	SLOG=$T/limited.log
	export SLOG
	: >"$SLOG"
	full_case "RLIMIT_FSIZE of 2 MiB" "$ROOT/limited" "$SLOG"
	cat "$SLOG" >>"$LOG"
	unset SLOG
	PRE=
else
	t_skip "an upload over RLIMIT_FSIZE" "prlimit missing (util-linux)"
fi

SRV_ENV="SFTPD_MAX_UPLOAD_BYTES=2M"
mkdir -p "$ROOT/maxup"
[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$ROOT/maxup"
full_case "SFTPD_MAX_UPLOAD_BYTES=2M" "$ROOT/maxup" "$LOG"
grep -q 'transfer proto=scp direction=upload result=aborted .* path="maxup/f_10485760"' "$LOG"
v "SFTPD_MAX_UPLOAD_BYTES=2M: the upload's transfer record says aborted"
SRV_ENV=

# --- settings ------------------------------------------------------------------

SRV_ENV="SFTPD_SCP=no"
rm -f "$ROOT/scp_no" "$L/scp_no"
xscp "$L/f_1" "$DEST:scp_no"
rc=$?
t_clean_failure "$rc"
v "SFTPD_SCP=no: scp -O upload refused (exit $rc)"
test ! -e "$ROOT/scp_no"
v "SFTPD_SCP=no: nothing written"
xscp "$DEST:globdir/one.txt" "$L/scp_no"
test ! -e "$L/scp_no"
v "SFTPD_SCP=no: scp -O download refused"
grep -q "refused exec request: scp -f globdir/one.txt" "$LOG"
v "SFTPD_SCP=no: the refusal is logged"
SRV_ENV="SFTPD_READ_ONLY=yes"
rm -f "$ROOT/ro_up" "$L/ro_down"
xscp "$L/f_1" "$DEST:ro_up"
rc=$?
test "$rc" = 1 &&
	grep -q "read-only" "$T/last.out" && test ! -e "$ROOT/ro_up"
v "SFTPD_READ_ONLY=yes: upload refused with a message (exit $rc)"
xscp "$DEST:globdir/one.txt" "$L/ro_down"
cmp -s "$ROOT/globdir/one.txt" "$L/ro_down"
v "SFTPD_READ_ONLY=yes: download works"
SRV_ENV="SFTPD_UMASK=077"
rm -f "$ROOT/um"
xscp "$L/f_1" "$DEST:um"
test "$(stat -c %a "$ROOT/um")" = 600
v "SFTPD_UMASK=077: an upload of a 644 file is 600"
SRV_ENV=

# --- commands that are not what scp sends ---------------------------------------

rm -f "$ROOT/pwned" "$ROOT/x"
xssh 'scp -t x; touch pwned' </dev/null >"$T/last.out" 2>&1
rc=$?
test "$rc" = 1
v "scp -t x; touch pwned: exit 1"
grep -q "unsupported shell syntax ';'" "$T/last.out"
v "scp -t x; touch pwned: the fatal line says why"
test ! -e "$ROOT/pwned" -a ! -e "$ROOT/x"
v "scp -t x; touch pwned: nothing created"
for c in 'scp -f $(id)' 'scp -f `id`' 'scp -t a|b' 'scp -t a > b' 'scp -X -t a' 'scp -f ~root/x'; do
	xssh "$c" </dev/null >"$T/last.out" 2>&1
	rc=$?
	test "$rc" = 1 && grep -q "^.scp: " "$T/last.out"
	v "refused: $c (exit $rc, a fatal line)"
done
xssh 'echo SHOULD-NOT-RUN' </dev/null >"$T/last.out" 2>&1
rc=$?
t_clean_failure "$rc" &&
	! grep -q SHOULD-NOT-RUN "$T/last.out"
v "another command is refused (exit $rc)"
# A client of its own: names that climb out, a size that is no number.
mkdir -p "$ROOT/raw"
[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$ROOT/raw"
raw_case() { # NAME INPUT WANT
	printf "$2" | xssh 'scp -t raw' >"$T/last.out" 2>&1
	rc=$?
	test "$rc" = 1 && grep -q "$3" "$T/last.out"
	v "raw client, $1: exit 1 and '$3'"
}
rm -f "$ROOT/evil" "$OUT/evil"
raw_case "C line named ../evil" 'C0644 4 ../evil\nboo\n\0' "unexpected file name"
raw_case "C line named /evil" 'C0644 4 /evil\nboo\n\0' "unexpected file name"
raw_case "D line named .." 'D0755 0 ..\n' "unexpected file name"
raw_case "a negative size" 'C0644 -4 evil\n' "bad size"
raw_case "a size of 2^64" 'C0644 18446744073709551616 evil\n' "bad size"
test ! -e "$ROOT/evil" -a ! -e "$OUT/evil" -a ! -e "$T/evil"
v "raw client: nothing written outside raw/"
printf 'C0644 4 fine\nboo\n\0' | xssh 'scp -t raw' >"$T/last.out" 2>&1
test "$(cat "$ROOT/raw/fine" 2>/dev/null)" = boo
v "raw client: a good C line writes raw/fine"

# --- PuTTY -------------------------------------------------------------------

if t_have pscp; then
	PORT=$(t_free_port)
	if t_server_start "$PORT" "$T/tcp.log" "$T/srv"; then
		fp=$(ssh-keygen -lf "$T/keys/hk.pub" | awk '{ print $2 }')
		P=(timeout 120 pscp -batch -scp -q -P "$PORT" -hostkey "$fp" -pw "$PASSWORD")
		rm -rf "$ROOT/pscp_up" "$L/pscp_down" "$ROOT/ptree" "$L/ptree_down"
		"${P[@]}" "$L/f_10485760" "$USER_NAME@127.0.0.1:pscp_up" >"$T/last.out" 2>&1
		cmp -s "$L/f_10485760" "$ROOT/pscp_up"
		v "PuTTY pscp -scp upload of 10 MiB identical"
		"${P[@]}" "$USER_NAME@127.0.0.1:pscp_up" "$L/pscp_down" >"$T/last.out" 2>&1
		cmp -s "$L/f_10485760" "$L/pscp_down"
		v "PuTTY pscp -scp download of 10 MiB identical"
		"${P[@]}" -r -p "$L/tree" "$USER_NAME@127.0.0.1:ptree" >"$T/last.out" 2>&1
		diff -r "$L/tree" "$ROOT/ptree"
		v "PuTTY pscp -scp -r upload: trees identical"
		test \
			"$(stat -c %Y "$ROOT/ptree/a/b/c/f_1048583")" = "$(stat -c %Y "$L/tree/a/b/c/f_1048583")"
		v "PuTTY pscp -scp -p upload: a file's mtime kept"
		"${P[@]}" -r "$USER_NAME@127.0.0.1:ptree" "$L/ptree_down" >"$T/last.out" 2>&1
		diff -r "$L/tree" "$L/ptree_down"
		v "PuTTY pscp -scp -r download: trees identical"
		"${P[@]}" "$USER_NAME@127.0.0.1:nope" "$L/pnope" >"$T/last.out" 2>&1
		rc=$?
		test "$rc" != 0 &&
			grep -q "nope: No such file or directory" "$T/last.out"
		v "PuTTY pscp -scp of a missing file: exit $rc, the message shown"
		t_server_stop "$T_SERVER_PID"
	else
		t_skip "PuTTY pscp -scp" "no super-server (systemd-socket-activate or tcpserver)"
	fi
else
	t_skip "PuTTY pscp -scp" "putty-tools not installed"
fi

# Every session above ran under the session process's system-call list.
if grep -q "forbidden system call\|killed by the sandbox" "$LOG" "$T/tcp.log" 2>/dev/null; then
	t_notok "no session was stopped by its sandbox"
	grep "forbidden system call\|killed by the sandbox" "$LOG" "$T/tcp.log" | head -5 | sed 's/^/# /'
else
	t_ok "no session was stopped by its sandbox"
fi
t_done
