#!/bin/bash
# bench_proxy.sh: what the PROXY protocol costs sftpd per session.  Two
# sftpd, launched per connection by systemd-socket-activate under the same
# CPU-time wrapper (tests/bench/cputime.c), on 127.0.0.1: one reached
# directly, one with SFTPD_PROXY_PROTOCOL=v2 behind HAProxy (send-proxy-v2).
# BENCH_PROXY_SESSIONS (default 30) logins with `sftp -b` (ls) alternate
# between them; prints the server CPU per session (mean and median, ms) of
# each and the difference.  Needs haproxy and systemd-socket-activate.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SFTPD=${SFTPD_BIN:-$TOP/sftpd/sftpd}
N=${BENCH_PROXY_SESSIONS:-30}
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
for c in ssh-keygen sftp systemd-socket-activate python3; do
	command -v "$c" >/dev/null || { echo "bench_proxy: $c missing: skipped"; exit 0; }
done
[ -x "$HAPROXY" ] || { echo "bench_proxy: haproxy missing: skipped"; exit 0; }
[ -x "$SFTPD" ] || { echo "bench_proxy: $SFTPD not built: skipped"; exit 0; }

B=$(mktemp -d /tmp/bench_proxy.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$B"
}
trap cleanup EXIT
"${CC:-cc}" -O2 -o "$B/cputime" "$TOP/tests/bench/cputime.c" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$B/hk"
ssh-keygen -q -t ed25519 -N '' -f "$B/uk"
cp "$B/uk.pub" "$B/ak"
mkdir -p "$B/root"
if [ "$(id -u)" = 0 ]; then uidgid=65534:65534; else uidgid=$(id -u):$(id -g); fi
echo "bench:*:${uidgid%:*}:${uidgid#*:}:$B/root" >"$B/users"
PRIV=
[ "$(id -u)" = 0 ] && ! id sluice >/dev/null 2>&1 && PRIV=SFTPD_PRIVSEP_USER=nobody
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# serve NAME PORT [VAR=value...]: sftpd per connection, CPU into NAME.times
serve() {
	_n=$1 _p=$2
	shift 2
	cat >"$B/run_$_n" <<EOF
#!/bin/sh
exec env -i SFTPD_HOST_KEYS=$B/hk SFTPD_USERS_FILE=$B/users \
	SFTPD_AUTHORIZED_KEYS=$B/ak $PRIV $* $B/cputime $B/$_n.times $SFTPD 2>>$B/$_n.log
EOF
	chmod 755 "$B/run_$_n"
	systemd-socket-activate -a --inetd -l "127.0.0.1:$_p" "$B/run_$_n" >>"$B/ssa.log" 2>&1 &
	PIDS="$PIDS $!"
}
PD=$(free_port)
PP=$(free_port)
PH=$(free_port)
serve direct "$PD"
serve proxied "$PP" SFTPD_PROXY_PROTOCOL=v2 SFTPD_PROXY_TRUSTED=127.0.0.1
printf 'global\n\tmaxconn 64\ndefaults\n\tmode tcp\n\ttimeout connect 5s\n\ttimeout client 30s\n\ttimeout server 30s\nfrontend fe\n\tbind 127.0.0.1:%s\n\tdefault_backend be\nbackend be\n\tserver s 127.0.0.1:%s send-proxy-v2\n' \
	"$PH" "$PP" >"$B/haproxy.cfg"
"$HAPROXY" -db -f "$B/haproxy.cfg" </dev/null >>"$B/haproxy.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
login() {
	echo ls | timeout 30 sftp -q -b - -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o KexAlgorithms=curve25519-sha256 -i "$B/uk" \
		-P "$1" bench@127.0.0.1 >/dev/null 2>&1
}
for i in $(seq "$N"); do
	login "$PD" || echo "bench_proxy: a direct login failed" >&2
	login "$PH" || echo "bench_proxy: a login through HAProxy failed" >&2
done
sleep 0.5
stats() { # FILE: mean median count, in ms
	awk '{ print ($1 + $2) * 1000 }' "$1" | sort -n |
		awk '{ v[NR] = $1; s += $1 } END { if (NR) printf "%.2f %.2f %d", s / NR,
			NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }'
}
read -r dm dmed dn <<<"$(stats "$B/direct.times")"
read -r pm pmed pn <<<"$(stats "$B/proxied.times")"
echo "sftpd server CPU per session (ms), curve25519-sha256, $N logins each, alternating:"
printf '  %-34s mean %6s  median %6s  (%s sessions)\n' "direct" "$dm" "$dmed" "$dn" \
	"behind HAProxy, PROXY v2 header" "$pm" "$pmed" "$pn"
awk -v a="$dm" -v b="$pm" -v c="$dmed" -v d="$pmed" \
	'BEGIN { printf "  difference (proxied - direct): mean %+.2f ms, median %+.2f ms\n", b - a, d - c }'
