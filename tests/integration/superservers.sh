#!/bin/bash
# superservers.sh: every service file shipped in service/, started for real
# with its paths substituted (programs, settings, certificate and keys
# under a temporary directory; 127.0.0.1 and a free port instead of the
# real address and port), and one SFTP session (OpenSSH sftp: put + get)
# and one FTPS session (curl: upload + download, explicit and implicit TLS)
# through each, bytes compared:
#   systemd-socket-activate  ListenStream=/Accept= of service/systemd/*.socket,
#                            ExecStart=/EnvironmentFile=/Environment= of *@.service
#   tcpserver                service/tcpserver/*.run (ucspi-tcp)
#   s6                       service/s6/*/run under s6-supervise (tcpsvd, ipsvd)
#   xinetd                   service/xinetd/* in a config of its own, -dontfork
#   inetd                    service/inetd.conf lines, openbsd-inetd -d, in a
#                            mount namespace of its own (it writes /run/inetd.pid)
# Then the limits at the door (tests/integration/probe_limit.py): xinetd
# per_source and tcpsvd -C with the shipped values, tcpserver -c (a small
# value put in) and -x rules, inetd's rate limit (-R).  A super-server that
# is not installed shows as SKIP with the package to install.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
SVC=$T_TOP/service
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
[ -x "$FTPSD" ] || t_skip_all "ftpsd/ftpsd is not built"
for c in ssh sftp ssh-keygen curl timeout python3 setsid; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, curl, coreutils, python3, util-linux)"
done
if [ "$(id -u)" = 0 ] && ! id sluice >/dev/null 2>&1; then
	t_skip_all "no system user sluice, which the servers run their network processes as (INSTALL)"
fi
PROBE="python3 $T_TOP/tests/integration/probe_limit.py"

t_tmpdir
T=$T_TMP
E=$T/etc        # stands for /etc/sluice
S=$T/sbin       # stands for /usr/local/sbin
R=$T/srv/tester # the account's root
mkdir -p "$E/authorized_keys" "$S" "$R" "$T/local" "$T/run"
ln -s "$SFTPD" "$S/sftpd"
ln -s "$FTPSD" "$S/ftpsd"
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
PW='pw-Super-9!'
t_hostkey ed25519 "$E/ssh_host_ed25519_key" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/uk"
cp "$T/uk.pub" "$E/authorized_keys/tester"
t_useradd "$E/users" tester "$PW" "$ACC_UID" "$ACC_GID" "$R" || t_bail "cannot write the users file"
"$T_TOP/keytools/sluice-keytool" tls-cert -n 127.0.0.1 -d 2 -k "$E/ftpsd.key" -c "$E/ftpsd.crt" \
	>/dev/null 2>&1 || t_bail "cannot make a TLS certificate with sluice-keytool tls-cert"
head -c 200003 /dev/urandom >"$T/local/up.bin"
head -c 70001 /dev/urandom >"$R/down.bin"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$R"

# A passive port range of 20 ports free now, instead of the shipped 50000-50999.
PASV=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    b = random.randrange(20000, 60000, 20)
    ok = True
    for p in range(b, b + 20):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        s.close()
        if not ok:
            break
    if ok:
        print("%d-%d" % (b, b + 19))
        break
PY
)
[ -n "$PASV" ] || t_bail "no free passive port range"

# subst: the shipped paths and the passive range, replaced on stdin.
subst() {
	sed -e "s|/etc/sluice/|$E/|g" -e "s|/usr/local/sbin/|$S/|g" -e "s|50000-50999|$PASV|g"
}
subst <"$SVC/sftpd.env" >"$E/sftpd.env"
subst <"$SVC/ftpsd.env" >"$E/ftpsd.env"

# left_over FILE LABEL: 0 (and a failed test) when a shipped path is left.
left_over() {
	if grep -v '^[[:space:]]*#' "$1" | grep -q '/etc/sluice\|/usr/local/sbin\|50000-50999'; then
		t_notok "$2: every shipped path substituted"
		t_diag "$(grep -n '/etc/sluice\|/usr/local/sbin\|50000-50999' "$1")"
		return 0
	fi
	return 1
}
left_over "$E/sftpd.env" sftpd.env
left_over "$E/ftpsd.env" ftpsd.env

# --- the two sessions ------------------------------------------------------

# sftp_session PORT LABEL: key login with the host key pinned, put + get.
sftp_session() {
	echo "[127.0.0.1]:$1 $(cut -d' ' -f1,2 "$E/ssh_host_ed25519_key.pub")" >"$T/known_hosts"
	rm -f "$T/local/down.$2"
	printf 'put %s/local/up.bin up.%s\nget down.bin %s/local/down.%s\n' "$T" "$2" "$T" "$2" >"$T/batch"
	if timeout 30 sftp -F /dev/null -b "$T/batch" -P "$1" -i "$T/uk" -o IdentitiesOnly=yes \
		-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
		-o ConnectTimeout=10 -o LogLevel=ERROR tester@127.0.0.1 >"$T/sftp.out" 2>&1 &&
		cmp -s "$T/local/up.bin" "$R/up.$2" && cmp -s "$R/down.bin" "$T/local/down.$2"; then
		t_ok "$2: sftp put + get through it, bytes compared"
	else
		t_notok "$2: sftp put + get through it, bytes compared"
		t_diag_file "$T/sftp.out"
		t_diag_file "$T/$3.log"
	fi
}

# ftps_session PORT LABEL explicit|implicit LOG: curl upload + download,
# the certificate checked against the test's own.
ftps_session() {
	if [ "$3" = implicit ]; then _u=ftps://127.0.0.1:$1 _f=; else _u=ftp://127.0.0.1:$1 _f=--ssl-reqd; fi
	rm -f "$T/local/down.$2"
	if timeout 30 curl -sS --max-time 25 $_f --cacert "$E/ftpsd.crt" --user "tester:$PW" \
		-T "$T/local/up.bin" "$_u/up.$2" >"$T/curl.out" 2>&1 &&
		timeout 30 curl -sS --max-time 25 $_f --cacert "$E/ftpsd.crt" --user "tester:$PW" \
			-o "$T/local/down.$2" "$_u/down.bin" >>"$T/curl.out" 2>&1 &&
		cmp -s "$T/local/up.bin" "$R/up.$2" && cmp -s "$R/down.bin" "$T/local/down.$2"; then
		t_ok "$2: curl FTPS ($3 TLS) upload + download through it, bytes compared"
	else
		t_notok "$2: curl FTPS ($3 TLS) upload + download through it, bytes compared"
		t_diag_file "$T/curl.out"
		t_diag_file "$T/$4.log"
	fi
}

# session NAME PORT LABEL LOG: the session that fits service NAME.
session() {
	case $1 in
	sftpd) sftp_session "$2" "$3" "$4" ;;
	ftpsd) ftps_session "$2" "$3" explicit "$4" ;;
	ftpsd-implicit) ftps_session "$2" "$3" implicit "$4" ;;
	esac
}

# start LOG PORT CMD...: CMD in a session of its own (stopped by PID at
# exit), then waits until 127.0.0.1:PORT listens.
start() {
	_log=$T/$1.log _port=$2
	shift 2
	# a supervisor's clean environment: nothing of the test leaks in
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin setsid "$@" </dev/null >>"$_log" 2>&1 &
	LAST_PID=$!
	T_PIDS="$T_PIDS $LAST_PID"
	_i=0
	while ! t_port_listening "$_port"; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$LAST_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
}

# started LABEL LOG STATUS: 0 when STATUS (of start) is; else a failure
# with the log, and 1 (what needed the server is then left out).
started() {
	[ "$3" = 0 ] && return 0
	t_notok "$1: starts and listens on 127.0.0.1"
	t_diag_file "$T/$2.log"
	return 1
}

SERVICES="sftpd ftpsd ftpsd-implicit"

# The services a launcher has started, as LABEL:SERVICE:PORT:PID words:
# started together, then a session through each, then stopped together.
RUNNING=
sessions_all() {
	for _r in $RUNNING; do
		IFS=: read -r _lab _svc _port _pid <<EOF
$_r
EOF
		session "$_svc" "$_port" "$_lab" "$_lab"
	done
}
stop_all() {
	for _r in $RUNNING; do t_server_stop "${_r##*:}"; done
	RUNNING=
}

# --- systemd-socket-activate -------------------------------------------------

# unit_value FILE KEY: every value of KEY= in a unit file, one a line.
unit_value() { sed -n "s/^$2=//p" "$1"; }

via_systemd() { # NAME
	_sock=$SVC/systemd/$1.socket _svc=$SVC/systemd/$1@.service
	if [ "$(unit_value "$_sock" Accept)" != yes ] || [ -z "$(unit_value "$_sock" ListenStream)" ]; then
		t_notok "systemd $1: $1.socket has ListenStream= and Accept=yes"
		return
	fi
	_exec=$(unit_value "$_svc" ExecStart | subst)
	_envfile=$(unit_value "$_svc" EnvironmentFile | subst)
	_envfile=${_envfile#-}
	# systemd: EnvironmentFile= overrides Environment=, so it comes last
	_envs=()
	for _kv in $(unit_value "$_svc" Environment | subst); do _envs+=("$_kv"); done
	if [ -n "$_envfile" ]; then
		while IFS= read -r _l; do
			case $_l in '' | '#'*) continue ;; esac
			_envs+=("$_l")
		done <"$_envfile"
	fi
	_e=()
	for _kv in "${_envs[@]}"; do _e+=(-E "${_kv%%=*}"); done
	_p=$(t_free_port)
	# shellcheck disable=SC2086 # ExecStart: a program and its arguments
	start "systemd-$1" "$_p" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${_envs[@]}" \
		systemd-socket-activate --inetd -a -l "127.0.0.1:$_p" "${_e[@]}" $_exec
	started "systemd $1" "systemd-$1" $? || return
	RUNNING="$RUNNING systemd-$1:$1:$_p:$LAST_PID"
}

if t_have systemd-socket-activate; then
	for s in $SERVICES; do via_systemd "$s"; done
	sessions_all
	stop_all
else
	for s in $SERVICES; do t_skip "systemd $s" "systemd-socket-activate is not installed (Debian: systemd)"; done
fi

# --- ucspi-tcp tcpserver and s6 (tcpsvd) -------------------------------------

# run_script SHIPPED OUT PORT: the run script with paths substituted and
# 127.0.0.1 PORT instead of 0.0.0.0 and the shipped port.
run_script() {
	subst <"$1" | sed -E "s/ 0\.0\.0\.0 [0-9]+ / 127.0.0.1 $3 /" >"$2"
	chmod 755 "$2"
	if ! grep -q "^exec .* 127\.0\.0\.1 $3 " "$2"; then
		t_notok "$2: the exec line listens on 0.0.0.0 and a port"
		return 1
	fi
	! left_over "$2" "${2##*/}"
}

via_tcpserver() { # NAME
	_p=$(t_free_port)
	run_script "$SVC/tcpserver/$1.run" "$T/run/tcpserver-$1" "$_p" || return
	start "tcpserver-$1" "$_p" sh "$T/run/tcpserver-$1"
	started "tcpserver $1" "tcpserver-$1" $? || return
	RUNNING="$RUNNING tcpserver-$1:$1:$_p:$LAST_PID"
}

if t_have tcpserver; then
	for s in $SERVICES; do via_tcpserver "$s"; done
	sessions_all
	stop_all
else
	for s in $SERVICES; do t_skip "tcpserver $s" "tcpserver is not installed (Debian: ucspi-tcp)"; done
fi

via_s6() { # NAME
	_p=$(t_free_port)
	mkdir -p "$T/s6/$1"
	run_script "$SVC/s6/$1/run" "$T/s6/$1/run" "$_p" || return
	start "s6-$1" "$_p" s6-supervise "$T/s6/$1"
	started "s6 $1" "s6-$1" $? || return
	RUNNING="$RUNNING s6-$1:$1:$_p:$LAST_PID"
}

if ! t_have s6-supervise; then
	for s in $SERVICES; do t_skip "s6 $s" "s6-supervise is not installed (Debian: s6)"; done
elif ! t_have tcpsvd; then
	for s in $SERVICES; do t_skip "s6 $s" "tcpsvd is not installed (Debian: ipsvd)"; done
else
	for s in $SERVICES; do via_s6 "$s"; done
	sessions_all
	# s6-svc -wd: down, and wait until it is (bounded by timeout)
	for s in $SERVICES; do timeout 10 s6-svc -wd -d "$T/s6/$s" 2>/dev/null; done
	stop_all
fi

# --- xinetd ------------------------------------------------------------------

XINETD=$(command -v xinetd || echo "$T_TOP/.ci/unpacked/xinetd/usr/sbin/xinetd")

# xinetd_conf OUT PORTFILE: the shipped entries for xinetd -f, each service
# on 127.0.0.1 and the port named in PORTFILE ("service port" lines).
xinetd_conf() {
	{
		printf 'defaults\n{\n}\n'
		cat "$SVC"/xinetd/sluice-* | subst
	} | awk -v ports="$2" '
		BEGIN { while ((getline l < ports) > 0) { split(l, f, " "); port[f[1]] = f[2] } }
		/^service / { name = $2 }
		/^[ \t]*port[ \t]*=/ { print "\tport            = " port[name]; print "\tbind            = 127.0.0.1"; next }
		{ print }' >"$1"
}

if [ -x "$XINETD" ] && [ "$(id -u)" = 0 ]; then
	: >"$T/xinetd.ports"
	for s in $SERVICES; do
		eval "XP_${s//-/_}=$(t_free_port)"
		eval "echo sluice-$s \$XP_${s//-/_}" >>"$T/xinetd.ports"
	done
	xinetd_conf "$T/xinetd.conf" "$T/xinetd.ports"
	left_over "$T/xinetd.conf" xinetd.conf
	if [ "$(grep -c '^service ' "$T/xinetd.conf")" != 3 ] || [ "$(grep -c 'bind *= 127.0.0.1' "$T/xinetd.conf")" != 3 ]; then
		t_notok "xinetd: three services on 127.0.0.1 (sluice-sftpd, sluice-ftpsd, sluice-ftpsd-implicit)"
	fi
	start xinetd "$XP_ftpsd_implicit" "$XINETD" -dontfork -f "$T/xinetd.conf" -filelog "$T/xinetd.log"
	if started xinetd xinetd $?; then
		XINETD_PID=$LAST_PID
		sftp_session "$XP_sftpd" xinetd-sftpd xinetd
		ftps_session "$XP_ftpsd" xinetd-ftpsd explicit xinetd
		ftps_session "$XP_ftpsd_implicit" xinetd-ftpsd-implicit implicit xinetd
		n=$(sed -n 's/^[ \t]*per_source[ \t]*=[ \t]*//p' "$SVC/xinetd/sluice-sftpd")
		if $PROBE "$XP_sftpd" "$n" refuse >"$T/probe.out" 2>&1; then
			t_ok "xinetd per_source = $n (shipped): connection $((n + 1)) from 127.0.0.1 closed without a greeting, served again after one ends"
		else
			t_notok "xinetd per_source = $n (shipped): connection $((n + 1)) from 127.0.0.1 closed without a greeting"
			t_diag_file "$T/probe.out"
		fi
		t_server_stop "$XINETD_PID"
	fi
elif [ "$(id -u)" != 0 ]; then
	t_skip "xinetd" "the shipped entries run the servers as user root: needs root"
else
	t_skip "xinetd" "xinetd is not installed (Debian: xinetd, which conflicts with openbsd-inetd; .ci/unpack.sh unpacks it)"
fi

# --- openbsd-inetd -------------------------------------------------------------

INETD=$(command -v inetd || echo /usr/sbin/inetd)

# inetd_conf OUT SERVICE=PORT...: the shipped lines, each on 127.0.0.1:PORT.
inetd_conf() {
	_out=$1
	shift
	grep -v '^#' "$SVC/inetd.conf" | subst | awk -v map="$*" '
		BEGIN { n = split(map, m, " "); for (i = 1; i <= n; i++) { split(m[i], kv, "="); port[kv[1]] = kv[2] } }
		NF && ($1 in port) { $1 = "127.0.0.1:" port[$1]; print }' >"$_out"
}

# inetd_start LOG PORT ARGS...: openbsd-inetd -d in a mount namespace of its
# own whose /run is empty: its /run/inetd.pid is not the system's.
inetd_start() {
	_l=$1 _pp=$2
	shift 2
	start "$_l" "$_pp" unshare --mount --propagation private \
		sh -c 'mount -t tmpfs -o mode=755 sluice-test /run && exec "$0" "$@"' "$INETD" -d "$@"
}

# openbsd-inetd answers -h with its usage line (inetutils-inetd has other options)
if [ -x "$INETD" ] && [ "$(id -u)" = 0 ] && t_have unshare &&
	timeout 5 "$INETD" -h 2>&1 | grep -q 'usage: inetd \[-dEil\]'; then
	IP_ssh=$(t_free_port) IP_ftp=$(t_free_port) IP_ftps=$(t_free_port)
	inetd_conf "$T/inetd.conf" ssh="$IP_ssh" ftp="$IP_ftp" ftps="$IP_ftps"
	left_over "$T/inetd.conf" inetd.conf
	if [ "$(grep -c '^127\.0\.0\.1:' "$T/inetd.conf")" != 3 ]; then
		t_notok "inetd: three lines on 127.0.0.1 (ssh, ftp, ftps)"
		t_diag "$(cat "$T/inetd.conf")"
	fi
	if inetd_start inetd "$IP_ftps" "$T/inetd.conf"; then
		sftp_session "$IP_ssh" inetd-sftpd inetd
		ftps_session "$IP_ftp" inetd-ftpsd explicit inetd
		ftps_session "$IP_ftps" inetd-ftpsd-implicit implicit inetd
		t_server_stop "$LAST_PID"
	else
		started inetd inetd 1
	fi
	# its only limit: starts per minute for the whole service (-R), after
	# which it stops serving for ten minutes
	IP_ssh=$(t_free_port)
	inetd_conf "$T/inetd-rate.conf" ssh="$IP_ssh"
	if inetd_start inetd-rate "$IP_ssh" -R 3 "$T/inetd-rate.conf"; then
		if $PROBE "$IP_ssh" 3 rate >"$T/probe.out" 2>&1; then
			t_ok "inetd -R 3: $(sed -n 's/ connections greeted.*//p' "$T/probe.out") connections served, then every one closed unserved (the service stops, for every source)"
		else
			t_notok "inetd -R 3: at most 3 connections served, then every one closed unserved"
			t_diag_file "$T/probe.out"
			t_diag_file "$T/inetd-rate.log"
		fi
		t_server_stop "$LAST_PID"
	else
		started "inetd -R" inetd-rate 1
	fi
elif [ "$(id -u)" != 0 ]; then
	t_skip "inetd" "the shipped lines run the servers as user root: needs root"
else
	t_skip "inetd" "openbsd-inetd (with unshare, util-linux) is not installed (Debian: openbsd-inetd)"
fi

# --- limits of tcpserver and tcpsvd ----------------------------------------------

if t_have tcpserver; then
	# -c: the shipped 256 would take 257 sftpd processes; 3 shows the same
	_p=$(t_free_port)
	run_script "$SVC/tcpserver/sftpd.run" "$T/run/tcpserver-c3" "$_p" &&
		sed -i 's/ -c 256 / -c 3 /' "$T/run/tcpserver-c3" && grep -q ' -c 3 ' "$T/run/tcpserver-c3" &&
		start tcpserver-c3 "$_p" sh "$T/run/tcpserver-c3"
	if started "tcpserver -c 3" tcpserver-c3 $?; then
		if $PROBE "$_p" 3 defer >"$T/probe.out" 2>&1; then
			t_ok "tcpserver -c 3: a 4th connection waits, unserved, until one of the 3 ends"
		else
			t_notok "tcpserver -c 3: a 4th connection waits, unserved, until one of the 3 ends"
			t_diag_file "$T/probe.out"
		fi
		t_server_stop "$LAST_PID"
	fi
	# -x: rules per address, as the run script's comment says
	if t_have tcprules && python3 -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' 2>/dev/null; then
		printf '127.0.0.2:deny\n:allow\n' | tcprules "$T/tcp.cdb" "$T/tcp.tmp"
		_p=$(t_free_port)
		run_script "$SVC/tcpserver/sftpd.run" "$T/run/tcpserver-x" "$_p" &&
			sed -i "s| 127\.0\.0\.1 $_p | -x $T/tcp.cdb 127.0.0.1 $_p |" "$T/run/tcpserver-x" &&
			start tcpserver-x "$_p" sh "$T/run/tcpserver-x"
		if started "tcpserver -x" tcpserver-x $?; then
			if $PROBE "$_p" 0 deny 127.0.0.2 >"$T/probe.out" 2>&1 &&
				$PROBE "$_p" 1 greet 127.0.0.1 >>"$T/probe.out" 2>&1; then
				t_ok "tcpserver -x rules: 127.0.0.2 (denied) closed without a greeting, 127.0.0.1 served"
			else
				t_notok "tcpserver -x rules: 127.0.0.2 (denied) closed without a greeting, 127.0.0.1 served"
				t_diag_file "$T/probe.out"
			fi
			t_server_stop "$LAST_PID"
		fi
	else
		t_skip "tcpserver -x rules" "no tcprules (ucspi-tcp) or 127.0.0.2 cannot be bound"
	fi
fi

if t_have tcpsvd; then
	n=$(sed -n 's/^exec tcpsvd .*-C \([0-9]*\) .*/\1/p' "$SVC/s6/sftpd/run")
	_p=$(t_free_port)
	mkdir -p "$T/s6/limit"
	run_script "$SVC/s6/sftpd/run" "$T/s6/limit/run" "$_p" &&
		start s6-limit "$_p" s6-supervise "$T/s6/limit"
	if started "s6 tcpsvd -C" s6-limit $?; then
		if [ -n "$n" ] && $PROBE "$_p" "$n" refuse >"$T/probe.out" 2>&1; then
			t_ok "s6 run script, tcpsvd -C $n (shipped): connection $((n + 1)) from 127.0.0.1 closed without a greeting, served again after one ends"
		else
			t_notok "s6 run script, tcpsvd -C '$n' (shipped): connection $((n + 1)) from 127.0.0.1 closed without a greeting"
			t_diag_file "$T/probe.out"
		fi
		timeout 10 s6-svc -wd -d "$T/s6/limit" 2>/dev/null
		t_server_stop "$LAST_PID"
	fi
else
	t_skip "tcpsvd -C" "tcpsvd is not installed (Debian: ipsvd)"
fi

t_diag "systemd-socket-activate has no MaxConnections=/MaxConnectionsPerSource=: systemd_units.sh checks those under systemd itself"
t_done
