#!/bin/bash
# scaleout_ftps.sh: three ftpsd nodes behind HAProxy, with their data
# connections.  FTP data connections do not go through the balancer, so the
# client must reach the nodes directly from its own address: this test
# builds a small routed network of namespaces it makes and removes itself:
# a hub (HAProxy, and forwarding between its links, enabled in the hub
# namespace only), a client (10.234.0.2) and three nodes (10.234.N.2), each
# node running the shipped service/tcpserver/ftpsd.run with its paths
# substituted, its own passive port range, PROXY v2 from the hub, one
# shared directory as storage.  30 curl clients upload and download files
# over explicit TLS in parallel (sha256 compared); one node is killed
# mid-run; clients retry; afterwards no file is missing or corrupt and the
# nodes' transfer records name the client 10.234.0.2, not the hub.  Root,
# ip netns, haproxy, tcpserver and curl are needed; otherwise SKIP.  Every
# loop is bounded in count and time.  Prints TAP.

. "$(dirname "$0")/lib.sh"

FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
RUN=$T_TOP/service/tcpserver/ftpsd.run
NODES=3
CLIENTS=${SCALEOUT_CLIENTS:-30}
[ -x "$FTPSD" ] || t_skip_all "ftpsd/ftpsd is not built"
[ "$(id -u)" = 0 ] || t_skip_all "not root: network namespaces need root"
for c in ip tcpserver curl openssl sha256sum timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: iproute2, ucspi-tcp, curl, openssl)"
done
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || t_skip_all "haproxy is not installed (Debian: haproxy)"
[ -f "$RUN" ] || t_skip_all "no $RUN"
ip route show 2>/dev/null | grep -q '^10\.234\.' && t_skip_all "10.234.0.0/16 is already routed here"
if ! ip netns add "slfprobe$$" 2>/dev/null; then
	t_skip_all "cannot create a network namespace here (ip netns add failed)"
fi
ip netns del "slfprobe$$"

t_tmpdir
T=$T_TMP
TAG=$$
HUB=slfh$TAG
CLI=slfc$TAG
cleanup_net() {
	for ns in "$HUB" "$CLI" $(for i in $(seq 1 $NODES); do echo "slfn$TAG$i"; done); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'cleanup_net; t_cleanup' EXIT

USER_NAME=tester
PASSWORD='pw-Scale-1!'
mkdir -p "$T/root/data" "$T/local"
t_useradd "$T/users" "$USER_NAME" "$PASSWORD" 65534 65534 "$T/root" || t_bail "cannot write the users file"
chown 65534:65534 "$T/root/data"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" \
	-out "$T/cert.pem" -days 2 -subj /CN=scaleout >/dev/null 2>&1 || t_bail "openssl failed"
chmod 644 "$T/cert.pem" "$T/users"
PRIVSEP_ENV=
id sluice >/dev/null 2>&1 || PRIVSEP_ENV=FTPSD_PRIVSEP_USER=nobody

# link NS_A ADDR_A NS_B ADDR_B: a veth pair between two namespaces
link() {
	ip link add "a$TAG$5" netns "$1" type veth peer name "b$TAG$5" netns "$3" &&
		ip -n "$1" addr add "$2/24" dev "a$TAG$5" && ip -n "$1" link set "a$TAG$5" up &&
		ip -n "$3" addr add "$4/24" dev "b$TAG$5" && ip -n "$3" link set "b$TAG$5" up
}
ip netns add "$HUB" && ip netns add "$CLI" || t_bail "cannot make the namespaces"
ip -n "$HUB" link set lo up && ip -n "$CLI" link set lo up
ip netns exec "$HUB" sysctl -qw net.ipv4.ip_forward=1 || t_bail "cannot enable forwarding in the hub"
link "$HUB" 10.234.0.1 "$CLI" 10.234.0.2 c || t_bail "cannot link the client"
ip -n "$CLI" route add default via 10.234.0.1 || t_bail "no route for the client"

# node_up N: namespace, link to the hub, ftpsd.run on 10.234.N.2:2121
node_up() {
	ns=slfn$TAG$1
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	link "$HUB" "10.234.$1.1" "$ns" "10.234.$1.2" "$1" || return 1
	ip -n "$ns" route add default via "10.234.$1.1" || return 1
	{
		echo "FTPSD_USERS_FILE=$T/users"
		echo "FTPSD_TLS_CERT=$T/cert.pem"
		echo "FTPSD_TLS_KEY=$T/key.pem"
		echo "FTPSD_PROXY_PROTOCOL=v2"
		echo "FTPSD_PROXY_TRUSTED=10.234.$1.1"
		echo "FTPSD_PASV_PORTS=4$1000-4$1019"
		echo "FTPSD_LOGIN_FAIL_DELAY_MS=0"
		[ -n "$PRIVSEP_ENV" ] && echo "$PRIVSEP_ENV"
	} >"$T/node$1.env"
	sed -e "s|/etc/sluice/ftpsd.env|$T/node$1.env|" -e "s|/usr/local/sbin/ftpsd|$FTPSD|" \
		-e "s| 0\.0\.0\.0 21 | 10.234.$1.2 2121 |" "$RUN" >"$T/node$1.run"
	grep -q "10.234.$1.2 2121" "$T/node$1.run" || return 1
	setsid ip netns exec "$ns" sh "$T/node$1.run" </dev/null >"$T/node$1.log" 2>&1 &
	disown $! 2>/dev/null
	_i=0
	while ! ip netns exec "$ns" ss -Hltn 'sport = :2121' 2>/dev/null | grep -q . && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	ip netns exec "$ns" ss -Hltn 'sport = :2121' | grep -q .
}
for i in $(seq 1 $NODES); do
	node_up "$i" || t_bail "cannot set up node $i"
done
t_ok "$NODES nodes up, each running service/tcpserver/ftpsd.run in its own namespace"

{
	printf 'global\n\tmaxconn 256\ndefaults\n\tmode tcp\n\tretries 3\n\toption redispatch\n'
	printf '\ttimeout connect 2s\n\ttimeout client 60s\n\ttimeout server 60s\n'
	printf 'frontend fe\n\tbind 10.234.0.1:2121\n\tdefault_backend be\n'
	printf 'backend be\n\tbalance roundrobin\n'
	for n in $(seq 1 $NODES); do printf '\tserver n%s 10.234.%s.2:2121 send-proxy-v2\n' "$n" "$n"; done
} >"$T/haproxy.cfg"
setsid ip netns exec "$HUB" "$HAPROXY" -db -f "$T/haproxy.cfg" </dev/null >>"$T/haproxy.log" 2>&1 &
disown $! 2>/dev/null
_i=0
while ! ip netns exec "$HUB" ss -Hltn 'sport = :2121' 2>/dev/null | grep -q . && [ $_i -lt 100 ]; do
	sleep 0.05
	_i=$((_i + 1))
done

# client K: upload, download back, compare; up to 5 attempts
client() {
	f=$T/local/c$1.bin
	head -c $((200000 + $1 * 7919)) /dev/urandom >"$f"
	for attempt in 1 2 3 4 5; do
		rm -f "$f.back"
		if ip netns exec "$CLI" timeout 60 curl -s -S -k --ssl-reqd --disable-epsv --no-ftp-skip-pasv-ip --limit-rate 400k \
			-u "$USER_NAME:$PASSWORD" -T "$f" "ftp://10.234.0.1:2121/data/c$1.bin" \
			>"$T/local/c$1.out" 2>&1 &&
			ip netns exec "$CLI" timeout 60 curl -s -S -k --ssl-reqd --disable-epsv --no-ftp-skip-pasv-ip --limit-rate 400k \
				-u "$USER_NAME:$PASSWORD" -o "$f.back" "ftp://10.234.0.1:2121/data/c$1.bin" \
				>>"$T/local/c$1.out" 2>&1 && cmp -s "$f" "$f.back"; then
			echo "$attempt" >"$T/local/c$1.done"
			return 0
		fi
		sleep 0.2
	done
	return 1
}
# sessions_in NODE: ftpsd session processes there
sessions_in() {
	_c=0
	for _p in $(ip netns pids "slfn${TAG}$1"); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = ftpsd-session ] && _c=$((_c + 1))
	done
	echo $_c
}
pids=
for k in $(seq 1 "$CLIENTS"); do
	client "$k" &
	pids="$pids $!"
done
i=0
while [ "$(sessions_in 2)" -lt 1 ] && [ $i -lt 300 ]; do
	sleep 0.02
	i=$((i + 1))
done
in_flight=$(sessions_in 2)
for p in $(ip netns pids "slfn${TAG}2"); do kill -KILL "$p" 2>/dev/null; done
for p in $pids; do wait "$p"; done
t_diag "node 2 killed with $in_flight logged-in sessions in it"
[ -z "$(ip netns pids "slfn${TAG}2")" ] && t_ok "node 2 is gone" || t_notok "node 2 is gone"

done_n=$(ls "$T"/local/c*.done 2>/dev/null | wc -l)
retried=$(cat "$T"/local/c*.done 2>/dev/null | awk '$1 > 1' | wc -l)
t_is "$done_n" "$CLIENTS" "every client finished (retried: $retried)"
if [ "$done_n" != "$CLIENTS" ]; then
	for k in $(seq 1 "$CLIENTS"); do
		[ -f "$T/local/c$k.done" ] || { t_diag_file "$T/local/c$k.out" 5; break; }
	done
fi
bad=
for k in $(seq 1 "$CLIENTS"); do
	a=$(sha256sum <"$T/local/c$k.bin" | cut -d' ' -f1)
	b=$(sha256sum <"$T/root/data/c$k.bin" 2>/dev/null | cut -d' ' -f1)
	[ "$a" = "$b" ] || bad="$bad c$k"
done
t_is "${bad:-none}" none "every uploaded file is on the shared storage, sha256 equal"
for i in 1 3; do
	if grep -q 'transfer proto=ftp direction=upload result=ok user=tester client=10\.234\.0\.2:' \
		"$T/node$i.log"; then
		t_ok "node $i's transfer records name the client 10.234.0.2"
	else
		t_notok "node $i's transfer records name the client 10.234.0.2"
		t_diag_file "$T/node$i.log" 5
	fi
	if grep '^ftpsd ' "$T/node$i.log" | grep -q "10\.234\.$i\.1:"; then
		t_notok "node $i: no log line names the hub's address"
	else
		t_ok "node $i: no log line names the hub's address"
	fi
done
t_done
