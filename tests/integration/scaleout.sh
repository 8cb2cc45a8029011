#!/bin/bash
# scaleout.sh: three sftpd nodes behind HAProxy, the way a site outgrows one
# host.  Each node is a network namespace behind a veth pair (addresses in
# 10.233.N.0/24, made and removed by this test), running the shipped
# service/tcpserver/sftpd.run with its paths substituted, all serving one
# shared directory.  HAProxy, in the test's own namespace, sends a PROXY
# v2 header to each.  30 clients upload and download files in parallel
# (sha256 compared), one node is killed mid-run, clients retry; no file may
# be missing or corrupt afterwards, and every node that served a client
# logged the client's own address (127.0.0.3), not the proxy's.  Prints
# sessions per second through HAProxy with one and with three nodes.
# Root, ip netns, haproxy and tcpserver are needed; otherwise SKIP.
# Every loop is bounded in count and time.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
RUN=$T_TOP/service/tcpserver/sftpd.run
NODES=3
CLIENTS=${SCALEOUT_CLIENTS:-30}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
[ "$(id -u)" = 0 ] || t_skip_all "not root: network namespaces need root"
for c in ip tcpserver sftp ssh-keygen timeout sha256sum python3; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: iproute2, ucspi-tcp, openssh-client)"
done
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || t_skip_all "haproxy is not installed (Debian: haproxy)"
[ -f "$RUN" ] || t_skip_all "no $RUN"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.3", 0))' 2>/dev/null ||
	t_skip_all "cannot bind 127.0.0.3 (the clients' address in this test)"
ip route show 2>/dev/null | grep -q '^10\.233\.' && t_skip_all "10.233.0.0/16 is already routed here"
if ! ip netns add "slcprobe$$" 2>/dev/null; then
	t_skip_all "cannot create a network namespace here (ip netns add failed)"
fi
ip netns del "slcprobe$$"

t_tmpdir
T=$T_TMP
TAG=$$
NS_PIDS=
cleanup_net() {
	for i in $(seq 1 $NODES); do
		ns=slc$TAG$i
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip link del "slv$TAG$i" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'cleanup_net; t_cleanup' EXIT

mkdir -p "$T/keys" "$T/root/data" "$T/local"
USER_NAME=tester
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" "$USER_NAME" 'pw-Scale-1!' 65534 65534 "$T/root" ||
	t_bail "cannot write the users file"
chown 65534:65534 "$T/root/data"
t_privsep_env "$SFTPD"

# --- the nodes ----------------------------------------------------------------

# node_up N: namespace slcTAGN, veth slvTAGN (10.233.N.1) <-> eth0 in it
# (10.233.N.2), and the shipped run script on 10.233.N.2:2222 in it.
node_up() {
	ns=slc$TAG$1
	ip link del "slv$TAG$1" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || return 1
	ip link add "slv$TAG$1" type veth peer name eth0 netns "$ns" || return 1
	ip addr add "10.233.$1.1/24" dev "slv$TAG$1" && ip link set "slv$TAG$1" up || return 1
	ip netns exec "$ns" sh -c "ip link set lo up && ip addr add 10.233.$1.2/24 dev eth0 &&
		ip link set eth0 up" || return 1
	{
		echo "SFTPD_HOST_KEYS=$T/keys/hk"
		echo "SFTPD_USERS_FILE=$T/keys/users"
		echo "SFTPD_AUTHORIZED_KEYS=$T/keys/authorized_keys"
		echo "SFTPD_PROXY_PROTOCOL=v2"
		echo "SFTPD_PROXY_TRUSTED=10.233.$1.1"
		[ -n "$T_PRIVSEP_ENV" ] && echo "$T_PRIVSEP_ENV"
	} >"$T/node$1.env"
	sed -e "s|/etc/sluice/sftpd.env|$T/node$1.env|" -e "s|/usr/local/sbin/sftpd|$SFTPD|" \
		-e "s| 0\.0\.0\.0 22 | 10.233.$1.2 2222 |" "$RUN" >"$T/node$1.run"
	grep -q "10.233.$1.2 2222" "$T/node$1.run" || return 1
	setsid ip netns exec "$ns" sh "$T/node$1.run" </dev/null >"$T/node$1.log" 2>&1 &
	disown $! 2>/dev/null # its death later is the test's doing, not news
	_i=0
	while ! ip netns exec "$ns" ss -Hltn 'sport = :2222' 2>/dev/null | grep -q . && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	ip netns exec "$ns" ss -Hltn 'sport = :2222' | grep -q .
}

for i in $(seq 1 $NODES); do
	node_up "$i" || t_bail "cannot set up node $i (namespace, veth or the run script)"
done
t_ok "$NODES nodes up, each running service/tcpserver/sftpd.run in its own namespace"

# haproxy_up PORT NODES...: HAProxy on 127.0.0.1:PORT, round robin over the
# nodes, PROXY v2 to each; a refused connection is retried on another node.
haproxy_up() {
	_port=$1
	shift
	{
		printf 'global\n\tmaxconn 256\ndefaults\n\tmode tcp\n\tretries 3\n\toption redispatch\n'
		printf '\ttimeout connect 2s\n\ttimeout client 60s\n\ttimeout server 60s\n'
		printf 'frontend fe\n\tbind 127.0.0.1:%s\n\tdefault_backend be\n' "$_port"
		printf 'backend be\n\tbalance roundrobin\n'
		for n in "$@"; do printf '\tserver n%s 10.233.%s.2:2222 send-proxy-v2\n' "$n" "$n"; done
	} >"$T/haproxy.$_port.cfg"
	"$HAPROXY" -db -f "$T/haproxy.$_port.cfg" </dev/null >>"$T/haproxy.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_i=0
	while ! t_port_listening "$_port" && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	t_port_listening "$_port"
}

# -l: a bandwidth ceiling (Kbit/s) that keeps sessions in flight long
# enough for the node killed mid-run to take some down with it.
SSHO=(-q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ConnectTimeout=10 -o BindAddress=127.0.0.3 -i "$T/keys/uk")

# --- 30 clients, a node killed mid-run ------------------------------------------

PORT=$(t_free_port)
haproxy_up "$PORT" $(seq 1 $NODES) || t_bail "cannot start haproxy"

# client K: uploads its file and downloads it back, up to 5 attempts.
client() {
	f=$T/local/c$1.bin
	head -c $((200000 + $1 * 7919)) /dev/urandom >"$f"
	printf 'put %s data/c%s.bin\nget data/c%s.bin %s.back\n' "$f" "$1" "$1" "$f" >"$T/local/c$1.batch"
	for attempt in 1 2 3 4 5; do
		rm -f "$f.back"
		if timeout 60 sftp "${SSHO[@]}" -l 2000 -P "$PORT" -b "$T/local/c$1.batch" "$USER_NAME@127.0.0.1" \
			>"$T/local/c$1.out" 2>&1 && cmp -s "$f" "$f.back"; then
			echo "$attempt" >"$T/local/c$1.done"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

pids=
# sessions_in NODE: how many session processes (sftpd-session) run there
sessions_in() {
	_c=0
	for _p in $(ip netns pids "slc${TAG}$1"); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sftpd-session ] && _c=$((_c + 1))
	done
	echo $_c
}
for k in $(seq 1 "$CLIENTS"); do
	client "$k" &
	pids="$pids $!"
done
# The victim goes while it serves logged-in sessions (transfers in flight).
# Bounded in time, not in rounds: on a slow machine 30 clients take more
# than the 4 s of 200 rounds to reach a node's session.
# The kill follows the scan that saw a session at once: a session lives
# about a second, and one more scan of the namespace took a good part of
# that on a slow machine (the sessions seen had finished before the kill).
deadline=$(($(date +%s) + 30))
while in_flight=$(sessions_in 2) && [ "$in_flight" -lt 1 ] && [ "$(date +%s)" -lt $deadline ]; do
	sleep 0.02
done
for p in $(ip netns pids "slc${TAG}2"); do kill -KILL "$p" 2>/dev/null; done
for p in $pids; do wait "$p"; done
t_diag "node 2 killed with $in_flight logged-in sessions in it"
[ -z "$(ip netns pids "slc${TAG}2")" ] && t_ok "node 2 is gone" || t_notok "node 2 is gone"

done_n=$(ls "$T"/local/c*.done 2>/dev/null | wc -l)
retried=$(cat "$T"/local/c*.done 2>/dev/null | awk '$1 > 1' | wc -l)
t_is "$done_n" "$CLIENTS" "every client finished (retried: $retried)"
if [ "$retried" -gt 0 ]; then
	t_ok "sessions cut by the killed node were retried ($retried) and went through"
else
	t_notok "sessions cut by the killed node were retried and went through (none was cut)"
fi
bad=
for k in $(seq 1 "$CLIENTS"); do
	a=$(sha256sum <"$T/local/c$k.bin" | cut -d' ' -f1)
	b=$(sha256sum <"$T/root/data/c$k.bin" 2>/dev/null | cut -d' ' -f1)
	[ "$a" = "$b" ] || bad="$bad c$k"
done
t_is "${bad:-none}" none "every uploaded file is on the shared storage, sha256 equal"
for i in 1 3; do
	if grep -q "PROXY protocol: client 127\.0\.0\.3:[0-9]* through proxy 10\.233\.$i\.1:" "$T/node$i.log"; then
		t_ok "node $i logged the client 127.0.0.3, through proxy 10.233.$i.1"
	else
		t_notok "node $i logged the client 127.0.0.3, through proxy 10.233.$i.1"
		t_diag_file "$T/node$i.log" 5
	fi
	if grep '^sftpd ' "$T/node$i.log" | grep -v 'through proxy' | grep -q '10\.233\.'; then
		t_notok "node $i: no other line names the proxy's address"
	else
		t_ok "node $i: no other line names the proxy's address"
	fi
done
transfers=$(cat "$T"/node*.log | grep -c 'transfer proto=sftp direction=upload result=ok')
t_diag "uploads completed per the nodes' transfer records: $transfers"

# --- sessions per second, one node and three ---------------------------------------

node_up 2 || t_bail "cannot bring node 2 back"
rate() { # PORT N: N logins (ls) 10 at a time; prints successful sessions per second
	_s=$(date +%s.%N)
	rm -f "$T"/ok.*
	for _j in $(seq 1 "$2"); do
		{ timeout 30 sftp "${SSHO[@]}" -P "$1" -b - "$USER_NAME@127.0.0.1" <<<'ls' >/dev/null 2>&1 &&
			: >"$T/ok.$_j"; } &
		[ $((_j % 10)) = 0 ] && wait
	done
	wait
	awk -v s="$_s" -v e="$(date +%s.%N)" -v n="$(ls "$T"/ok.* 2>/dev/null | wc -l)" \
		'BEGIN { printf "%.1f", n / (e - s) }'
}
P1=$(t_free_port)
haproxy_up "$P1" 1 || t_bail "cannot start haproxy (one node)"
P3=$(t_free_port)
haproxy_up "$P3" 1 2 3 || t_bail "cannot start haproxy (three nodes)"
r1=$(rate "$P1" 40)
r3=$(rate "$P3" 40)
t_diag "sessions per second through HAProxy: 1 node $r1, 3 nodes $r3 (all on this machine's $(nproc) CPUs)"
if awk -v a="$r1" -v b="$r3" 'BEGIN { exit !(a > 0 && b > 0) }'; then
	t_ok "logins go through HAProxy to one node and to three (1 node $r1/s, 3 nodes $r3/s)"
else
	t_notok "logins go through HAProxy to one node and to three (1 node $r1/s, 3 nodes $r3/s)"
fi

t_done
