#!/bin/bash
# sftpd_privsep.sh: sftpd's processes seen from outside during real OpenSSH
# logins, one with an ed25519 host key, one with an RSA host key.  Before
# authentication (caught from the SSH_ASKPASS script, which ssh runs while
# the network child waits for the password): the monitor runs as root, the
# network child sftpd-net as the privsep user, chrooted in the empty
# directory, NoNewPrivs, seccomp, unable to read the host key, without it
# in memory.  After it (sftp -b reading a FIFO, idle): the monitor's pid is
# the session process with the account's ids, its child the signer, both
# sandboxed, no process as uid 0, the key only in the signer; the signer
# does not outlive a session that is killed.  Each process is stopped and
# continued (SIGSTOP, SIGCONT) and the session goes on.  Memory is
# searched by privsep_inspect.py, which must find the key where it is (the
# monitor, the signer) for its "not found" to mean anything.  Last, a
# forbidden system call in the network child (tests/helpers/sftpd-sigsys)
# ends the connection cleanly and is named in the log.  Root only: reading
# another process's /proc/PID/mem needs it.  Prints TAP.  T_KEEP=1 keeps
# the temp dir; SFTPD_BIN and SFTPD_SIGSYS_BIN pick the binaries.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
SIGSYS=${SFTPD_SIGSYS_BIN:-$T_TOP/tests/helpers/sftpd-sigsys}
INSPECT=$T_TOP/tests/integration/privsep_inspect.py
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
ASAN_BUILD=0
grep -q __asan_init "$SFTPD" 2>/dev/null && ASAN_BUILD=1
[ "$(id -u)" = 0 ] || t_skip_all "not root: reading another process's /proc/PID/mem needs root"
for c in ssh sftp ssh-keygen timeout setsid python3; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils, util-linux, python3)"
done
PY=$(command -v python3)
"$SFTPD" -M 2>/dev/null | grep -q SFTPD_PRIVSEP_USER ||
	t_diag "sftpd -M does not list SFTPD_PRIVSEP_USER: no privilege separation in this sftpd"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log  # sftpd's stderr, every session
RCLOG=$T/rc.log   # sftpd's exit status, every session
USER_NAME=tester
PASSWORD='pw-Privsep-1!'
PRIVSEP_DIR=/run/sluice/empty # sftpd's default

# The privsep user (sluice, else nobody: t_privsep_env) and an account
# with other ids, so that each process's ids say which role it has.
t_privsep_env "$SFTPD"
PRIV_USER=sluice
case "$T_PRIVSEP_ENV" in *SFTPD_PRIVSEP_USER=nobody*) PRIV_USER=nobody ;; esac
id "$PRIV_USER" >/dev/null 2>&1 || t_bail "no user $PRIV_USER"
PRIV_IDS="$(id -u "$PRIV_USER"),$(id -g "$PRIV_USER")"
ACC_UID=65534
ACC_GID=65534
if [ "${PRIV_IDS%,*}" = 65534 ]; then
	ACC_UID=65533
	ACC_GID=65533
fi

# --- keys, account, server --------------------------------------------------

t_hostkey ed25519 "$T/keys/hk_ed25519" || t_bail "cannot make an ed25519 host key"
t_hostkey rsa "$T/keys/hk_rsa" 3072 || t_bail "cannot make an RSA host key"
chmod 600 "$T/keys/hk_ed25519" "$T/keys/hk_rsa"
t_useradd "$T/keys/users" "$USER_NAME" "$PASSWORD" "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
printf '%s\n' "$PASSWORD" >"$T/keys/password"
echo "inside" >"$T/root/inside.txt"
chown -R "$ACC_UID:$ACC_GID" "$T/root"

# The ProxyCommand: $T/srv BINARY [VAR=value...]: the binary with the test
# environment, stderr to the log, exit status to rc.log.
{
	echo '#!/bin/sh'
	echo "trap 'hup=1' HUP  # ssh hangs up its ProxyCommand; still record the status"
	echo 'bin=$1'
	echo 'shift'
	printf 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin %s' "$T_PRIVSEP_ENV"
	printf ' %q' SFTPD_USERS_FILE="$T/keys/users" SFTPD_AUTH_FAIL_DELAY_MS=50
	printf ' "$@" "$bin" 2>>%q\n' "$LOG"
	printf 'echo "$? $(date +%%T) $*" >>%q\n' "$RCLOG"
} >"$T/srv"
chmod 755 "$T/srv"

# The askpass script: ssh's child, run while the network child waits for
# the password; it records the processes below ssh ($PPID), then answers.
{
	echo '#!/bin/sh'
	printf '%q %q "$PPID" "$INSPECT_KEY" >"$INSPECT_OUT" 2>"$INSPECT_OUT.err"\n' "$PY" "$INSPECT"
	printf '%q "$PPID" sftpd-net >"$INSPECT_OUT.stopped"\n' "$T_TOP/tests/helpers/stop_continue.sh"
	printf 'cat %q\n' "$T/keys/password"
} >"$T/askpass"
chmod 755 "$T/askpass"

SSHO=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR
	-o ControlMaster=no -o ControlPath=none)

# --- reading the snapshots ----------------------------------------------------

# pf FILE NAME FIELD: FIELD of the first process called NAME in FILE.
pf() {
	awk -v n="name=$2" -v f="$3=" '$1 == n {
		for (i = 1; i <= NF; i++) if (index($i, f) == 1) { print substr($i, length(f) + 1); exit }
	}' "$1" 2>/dev/null
}

# pcount FILE NAME: how many processes called NAME are in FILE (live ones).
pcount() {
	awk -v n="name=$2" '$1 == n && $4 != "state=Z" { c++ } END { print c + 0 }' "$1" 2>/dev/null
}

# all_ids IDS: "u,u,u,u" from "u" (real, effective, saved, file system).
all_ids() { echo "$1,$1,$1,$1"; }

# fact NAME WANT GOT [FILE]: t_is, with the snapshot as diagnostics.
fact() {
	if [ "$3" = "$2" ]; then
		t_ok "$1"
	else
		t_notok "$1"
		t_diag "got:  '$3'" "want: '$2'"
		[ -n "${4:-}" ] && t_diag_file "$4" 6
	fi
}

# memory_fact NAME FILE PROC WANT: WANT "none" (not in PROC's memory) or
# "some" (found: the control); a skip when /proc/PID/mem was unreadable.
memory_fact() {
	_mem=$(pf "$2" "$3" mem)
	_found=$(pf "$2" "$3" found)
	if [ -z "$_mem" ]; then
		t_notok "$1"
		t_diag "no $3 process in the snapshot"
		t_diag_file "$2" 6
	elif [ "$_mem" != ok ]; then
		t_skip "$1" "cannot read /proc/PID/mem of $3 ($_mem; CAP_SYS_PTRACE missing?)"
	elif [ "$4" = none ] && [ "$_found" = none ]; then
		t_ok "$1 ($(pf "$2" "$3" scanned) bytes searched)"
	elif [ "$4" = none ] && [ "$3" = sftpd-session ] && [ "$ASAN_BUILD" = 1 ]; then
		t_skip "$1" "AddressSanitizer build: freed memory stays in its quarantine and fake stacks unwiped (found $_found); the check holds for normal builds"
	elif [ "$4" = some ] && [ "$_found" != none ]; then
		t_ok "$1 (found: $_found)"
	else
		t_notok "$1"
		t_diag "found: $_found in $(pf "$2" "$3" scanned) bytes"
	fi
}

# signer_follows_session SNAPSHOT: kills the session process of SNAPSHOT;
# its signer must be gone within 3 s (parent-death signal).
signer_follows_session() {
	_sess=$(pf "$1" sftpd-session pid)
	_sign=$(pf "$1" sftpd-signer pid)
	if [ -z "$_sess" ] || [ -z "$_sign" ]; then
		t_notok "a killed session takes its signer with it"
		t_diag "no session or signer in the snapshot"
		return
	fi
	kill -KILL "$_sess"
	_i=0
	while [ -e "/proc/$_sign" ] && [ "$(awk '{ print $3 }' "/proc/$_sign/stat" 2>/dev/null)" != Z ] &&
		[ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ ! -e "/proc/$_sign" ] || [ "$(awk '{ print $3 }' "/proc/$_sign/stat" 2>/dev/null)" = Z ]; then
		t_ok "a killed session takes its signer with it"
	else
		t_notok "a killed session takes its signer with it"
		t_diag "signer $_sign still alive 3 s after session $_sess was killed"
	fi
}

# --- one login, inspected before and after authentication ---------------------

# inspect_login LABEL HOSTKEYFILE HOSTKEYALG
# The network child was stopped and continued by the askpass script while
# it waited for the password; now the session process and the signer are:
# the kernel resumes their polls through restart_syscall, which the
# sandboxes must allow.  The session must go on (SIGSTOP and SIGCONT come
# from job control, a debugger, a cgroup freeze).
stop_continue_session() { # LABEL CLIENT_PID PRE_COUNT_FILE SFTP_OUTPUT
	n_post=$("$T_TOP/tests/helpers/stop_continue.sh" "$2" sftpd-)
	echo ls >&3
	i=0
	while ! grep -q 'inside.txt' "$4" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ "$(cat "$3" 2>/dev/null)" = 1 ] && [ "$n_post" = 2 ] && grep -q 'inside.txt' "$4"; then
		t_ok "$1: stopped and continued before authentication (network child) and after (session process, signer): ls still answers"
	else
		t_notok "$1: stopped and continued before authentication ($(cat "$3" 2>/dev/null) processes, want 1) and after ($n_post, want 2): ls still answers"
		t_diag_file "$4"
		t_diag_file "$LOG" 4
	fi
}

inspect_login() {
	lab=$1 key=$2 alg=$3
	pre=$T/pre.$lab post=$T/post.$lab fifo=$T/cmds.$lab out=$T/sftp.$lab
	rm -f "$pre" "$post" "$fifo"
	mkfifo "$fifo"
	exec 3<>"$fifo" # held open: sftp waits for commands until bye
	INSPECT_KEY=$key INSPECT_OUT=$pre SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force \
		DISPLAY=:0 setsid timeout 60 sftp -o BatchMode=no -o PasswordAuthentication=yes \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-o KbdInteractiveAuthentication=no -o NumberOfPasswordPrompts=1 \
		-o "HostKeyAlgorithms=$alg" "${SSHO[@]}" \
		-o "ProxyCommand=$T/srv $SFTPD SFTPD_HOST_KEYS=$key" \
		-b "$fifo" "$USER_NAME@sluice-test" </dev/null >"$out" 2>&1 &
	client=$!
	T_PIDS="$T_PIDS $client" # stopped on exit if still there
	echo pwd >&3
	i=0
	while ! grep -q '^Remote working directory' "$out" && kill -0 "$client" 2>/dev/null &&
		[ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q '^Remote working directory' "$out"; then
		t_ok "$lab: password login through SSH_ASKPASS; the session waits for commands"
		"$PY" "$INSPECT" "$client" "$key" >"$post" 2>"$post.err"
		stop_continue_session "$lab" "$client" "$pre.stopped" "$out"
	else
		t_notok "$lab: password login through SSH_ASKPASS; the session waits for commands"
		t_diag_file "$out"
		t_diag_file "$LOG" 6
	fi
	[ "$lab" = rsa ] && signer_follows_session "$post"
	echo bye >&3
	exec 3>&-
	wait "$client"
	rc=$?
	T_PIDS=${T_PIDS% "$client"}
	# the rsa session was killed: "bye" then ends sftp with any status
	[ "$lab" = rsa ] || t_is "$rc" 0 "$lab: sftp ends with bye, exit 0"

	# before authentication
	t_diag_file "$pre.err" 5
	t_is "$(pcount "$pre" sftpd),$(pcount "$pre" sftpd-net)" 1,1 \
		"$lab: before authentication: one monitor (sftpd) and one network child (sftpd-net)"
	fact "$lab: the monitor runs as root" "$(all_ids 0)" "$(pf "$pre" sftpd uid)" "$pre"
	mon=$(pf "$pre" sftpd pid)
	fact "$lab: the network child is the monitor's child" "${mon:-?}" "$(pf "$pre" sftpd-net ppid)"
	fact "$lab: the network child runs as $PRIV_USER (uid, gid)" \
		"$(all_ids "${PRIV_IDS%,*}") $(all_ids "${PRIV_IDS#*,}")" \
		"$(pf "$pre" sftpd-net uid) $(pf "$pre" sftpd-net gid)" "$pre"
	fact "$lab: the network child has no capabilities" 0000000000000000 "$(pf "$pre" sftpd-net capeff)"
	fact "$lab: the network child has NoNewPrivs: 1" 1 "$(pf "$pre" sftpd-net nnp)"
	fact "$lab: the network child has Seccomp: 2 (filter)" 2 "$(pf "$pre" sftpd-net seccomp)"
	fact "$lab: the network child's root is $PRIVSEP_DIR" "$PRIVSEP_DIR" "$(pf "$pre" sftpd-net root)"
	fact "$lab: the host key's path does not exist in the network child's root" no \
		"$(pf "$pre" sftpd-net keyvisible)"
	fact "$lab: the network child's ids cannot open the host key file" denied \
		"$(pf "$pre" sftpd-net keyopen)"
	fact "$lab: the network child has no descriptor of the host key file" no \
		"$(pf "$pre" sftpd-net keyfd)"
	memory_fact "$lab: control: the host private key is in the monitor's memory" "$pre" sftpd some
	memory_fact "$lab: the host private key is not in the network child's memory" "$pre" sftpd-net none

	# after authentication
	t_diag_file "$post.err" 5
	fact "$lab: after authentication the monitor's pid is the session process (sftpd-session)" \
		"${mon:-?}" "$(pf "$post" sftpd-session pid)" "$post"
	fact "$lab: the signer runs as $PRIV_USER (uid, gid)" \
		"$(all_ids "${PRIV_IDS%,*}") $(all_ids "${PRIV_IDS#*,}")" \
		"$(pf "$post" sftpd-signer uid) $(pf "$post" sftpd-signer gid)"
	fact "$lab: the signer has Seccomp: 2" 2 "$(pf "$post" sftpd-signer seccomp)"
	memory_fact "$lab: control: the host private key is in the signer's memory" "$post" sftpd-signer some
	fact "$lab: the signer (sftpd-signer) is the session process's child" "${mon:-?}" \
		"$(pf "$post" sftpd-signer ppid)" "$post"
	fact "$lab: the session process runs as the account, $ACC_UID:$ACC_GID" \
		"$(all_ids $ACC_UID) $(all_ids $ACC_GID)" \
		"$(pf "$post" sftpd-session uid) $(pf "$post" sftpd-session gid)"
	fact "$lab: the session process has Seccomp: 2" 2 "$(pf "$post" sftpd-session seccomp)"
	memory_fact "$lab: the host private key is not in the session process's memory" "$post" sftpd-session none
	fact "$lab: the network child has exited" 0 "$(pcount "$post" sftpd-net)" "$post"
	as_root=$(awk '$1 ~ /^name=sftpd/ { for (i = 1; i <= NF; i++)
		if ($i ~ /^uid=/ && ("," substr($i, 5) ",") ~ /,0,/) print $1 }' "$post" 2>/dev/null)
	if [ -s "$post" ] && [ -z "$as_root" ]; then
		t_ok "$lab: no process of the session runs as uid 0"
	else
		t_notok "$lab: no process of the session runs as uid 0"
		t_diag "as root: ${as_root:-(no snapshot)}"
	fi
	for f in "$pre" "$post"; do
		awk '{ print $1, $2, $5, $6, $9, $11, $NF }' "$f" 2>/dev/null | sed "s|^|${f##*/}: |" |
			t_diag "$(cat)"
	done
}

inspect_login ed25519 "$T/keys/hk_ed25519" ssh-ed25519
inspect_login rsa "$T/keys/hk_rsa" rsa-sha2-512

# --- a forbidden system call in the network child ----------------------------

if [ -x "$SIGSYS" ]; then
	l0=$(wc -l <"$LOG")
	r0=$(wc -l <"$RCLOG")
	start=$(date +%s)
	timeout 30 ssh -o BatchMode=yes "${SSHO[@]}" \
		-o "ProxyCommand=$T/srv $SIGSYS SFTPD_HOST_KEYS=$T/keys/hk_ed25519" \
		-s "$USER_NAME@sluice-test" sftp </dev/null >"$T/last.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if t_clean_failure "$rc" && [ "$secs" -lt 20 ]; then
		t_ok "forbidden system call: ssh fails cleanly (exit $rc) in $secs s"
	else
		t_notok "forbidden system call: ssh fails cleanly (exit $rc after $secs s)"
		t_diag_file "$T/last.out"
	fi
	if tail -n +"$((l0 + 1))" "$LOG" | grep -qw socket; then
		t_ok "forbidden system call: sftpd's log names socket"
		t_diag "$(tail -n +"$((l0 + 1))" "$LOG" | grep -w socket | head -n 2)"
	else
		t_notok "forbidden system call: sftpd's log names socket"
		t_diag_file "$LOG" 5
	fi
	i=0 # the status is written just after ssh sees the connection end
	while [ "$(wc -l <"$RCLOG")" -le "$r0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	src=$(tail -n +"$((r0 + 1))" "$RCLOG" | cut -d' ' -f1)
	if [ -n "$src" ] && t_clean_failure "$src"; then
		t_ok "forbidden system call: sftpd exits $src, not killed"
	else
		t_notok "forbidden system call: sftpd exits non-zero, not by a signal (got '${src:-none}')"
	fi
else
	t_skip "forbidden system call in the network child" "$SIGSYS is not built (make tests/helpers/sftpd-sigsys)"
fi

t_done
