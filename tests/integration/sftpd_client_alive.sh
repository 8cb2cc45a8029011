#!/bin/bash
# sftpd_client_alive.sh: SFTPD_CLIENT_ALIVE with OpenSSH sftp.  An idle
# client that answers keeps its session through several probes; a client
# that stops answering (its ssh process stopped with SIGSTOP) is
# disconnected after the set number of unanswered probes, with a log line;
# a malformed value is refused at start.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout pgrep; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils, procps)"
done

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Alive-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q SFTPD_CLIENT_ALIVE=1,2 SFTPD_LOG_LEVEL=debug %q 2>>%q\n' \
		"$T/keys/authorized_keys" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
SSHO=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ServerAliveInterval=0 -i "$T/keys/uk" -o "ProxyCommand=$T/srv")

# session NAME: sftp reading commands from a FIFO; sets CLIENT, FD 3.
session() {
	rm -f "$T/fifo.$1"
	mkfifo "$T/fifo.$1"
	timeout 60 sftp "${SSHO[@]}" -b "$T/fifo.$1" tester@x >"$T/out.$1" 2>&1 &
	CLIENT=$!
	T_PIDS="$T_PIDS $CLIENT"
	exec 3>"$T/fifo.$1"
	echo pwd >&3
	i=0
	while ! grep -q 'Remote working directory' "$T/out.$1" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# An idle client that answers: alive after five probe intervals.
session idle
l0=$(wc -l <"$LOG")
sleep 5
echo ls >&3
echo bye >&3
exec 3>&-
wait "$CLIENT"
rc=$?
probes=$(tail -n +"$((l0 + 1))" "$LOG" | grep -c 'keep-alive probe 1 sent')
if [ $rc = 0 ] && [ "$probes" -ge 3 ]; then
	t_ok "an idle client that answers stays connected ($probes probes answered)"
else
	t_notok "an idle client that answers stays connected (exit $rc, $probes probes)"
	t_diag_file "$T/out.idle"
fi
grep -q 'client not responding' "$LOG" && t_notok "no 'not responding' for the idle one" ||
	t_ok "no 'not responding' for the idle one"

# A client that stops answering: its ssh is stopped.
session stuck
# timeout -> sftp -> ssh: the ssh below the client
ssh_pid=$(ps -e -o pid=,ppid=,comm= | awk -v r="$CLIENT" '{ up[$1] = $2; c[$1] = $3 }
	END { for (x in up) if (c[x] == "ssh") for (y = up[x]; y > 1; y = up[y]) if (y == r) { print x; exit } }')
if [ -z "$ssh_pid" ]; then
	t_bail "cannot find sftp's ssh process"
fi
start=$(date +%s)
kill -STOP "$ssh_pid"
i=0
while ! grep -q 'client not responding: 2 keep-alive probes unanswered' "$LOG" && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
secs=$(($(date +%s) - start))
if grep -q 'client not responding: 2 keep-alive probes unanswered' "$LOG" && [ $secs -le 8 ]; then
	t_ok "a client that stops answering is dropped after 2 unanswered probes ($secs s)"
else
	t_notok "a client that stops answering is dropped after 2 unanswered probes ($secs s)"
	t_diag_file "$LOG" 6
fi
kill -CONT "$ssh_pid" 2>/dev/null
exec 3>&-
wait "$CLIENT" 2>/dev/null

for bad in 1,0 x 5,101 1,,2 99999; do
	out=$(env -i SFTPD_HOST_KEYS="$T/keys/hk" $T_PRIVSEP_ENV SFTPD_CLIENT_ALIVE=$bad "$SFTPD" -t 2>&1 >/dev/null)
	if [ $? != 0 ] && printf '%s' "$out" | grep -q SFTPD_CLIENT_ALIVE; then
		t_ok "SFTPD_CLIENT_ALIVE=$bad refused at start"
	else
		t_notok "SFTPD_CLIENT_ALIVE=$bad refused at start"
	fi
done

t_done
