#!/bin/bash
# bench_kex.sh: server CPU per session for each key exchange method, sftpd
# against OpenSSH's sshd -i (internal-sftp) with the same method, in the
# same run: BENCH_KEX_SESSIONS logins (sftp -b with one pwd) to each
# server, taken in turn, each server launched per connection under
# tests/bench/cputime.c (user+sys of every process of the connection).
# Prints mean and median milliseconds per session and the ratio.  A method
# that the installed OpenSSH lacks (mlkem768x25519-sha256 before 9.9) is
# measured for sftpd alone, with the OpenSSH >= 9.9 client of
# tests/helpers/openssh_pq.sh (built and cached on first use), and the
# table ends with what mlkem768x25519-sha256 costs sftpd over
# curve25519-sha256, both with that client, sessions taken in turn.  Then,
# as the per-session figures move by a few tenths of a millisecond between
# runs, tests/bench/kex_cold (make bench builds it) measures the server's
# exchange alone in fresh processes, where that difference is resolved.
#   BENCH_KEX_SESSIONS=20   sessions per method and server
#   BENCH_KEX_METHODS=...   the methods (default: every one sftpd has)
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SFTPD=${SFTPD_BIN:-$TOP/sftpd/sftpd}
SSHD=${SSHD_BIN:-/usr/sbin/sshd}
N=${BENCH_KEX_SESSIONS:-20}
METHODS=${BENCH_KEX_METHODS:-"mlkem768x25519-sha256 sntrup761x25519-sha512@openssh.com
curve25519-sha256 ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521
diffie-hellman-group14-sha256 diffie-hellman-group16-sha512 diffie-hellman-group18-sha512
diffie-hellman-group-exchange-sha256"}

die() {
	echo "bench_kex: $*" >&2
	exit 1
}
for c in sftp ssh-keygen awk; do
	command -v "$c" >/dev/null 2>&1 || die "$c is not installed (see INSTALL)"
done
[ -x "$SFTPD" ] || die "$SFTPD is not built: make"
[ -x "$SSHD" ] || die "$SSHD is missing: apt-get install openssh-server"
B=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-kex.XXXXXX") || die "mktemp failed"
chmod 755 "$B"
trap 'rm -rf "$B"' EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" = 0 ]; then
	ACC=nobody ACC_UID=$(id -u nobody) ACC_GID=$(id -g nobody)
	mkdir -p /run/sshd
else
	ACC=$(id -un) ACC_UID=$(id -u) ACC_GID=$(id -g)
fi
mkdir -p "$B/root"
[ "$(id -u)" = 0 ] && chown "$ACC_UID:$ACC_GID" "$B/root"
"${CC:-cc}" -O2 -o "$B/cputime" "$TOP/tests/bench/cputime.c" || die "cannot build cputime"
ssh-keygen -q -t ed25519 -N '' -f "$B/host" -C bench-kex
ssh-keygen -q -t ed25519 -N '' -f "$B/user" -C bench-kex-user
cp "$B/user.pub" "$B/authorized_keys"
chmod 644 "$B/authorized_keys"
echo "$ACC:*:$ACC_UID:$ACC_GID:$B/root" >"$B/users"
chmod 600 "$B/users"
# sftpd offers every method measured, and curve25519 for the comparison.
ALL=$(printf '%s\n' $METHODS curve25519-sha256 | awk '!seen[$0]++' | paste -sd, -)
SYS_KEX=$(ssh -Q kex)
has_kex() { printf '%s\n' "$SYS_KEX" | grep -qxF "$1"; }
# sshd comes with the installed ssh: the same methods.
SSHD_ALL=$(for m in $METHODS; do has_kex "$m" && echo "$m"; done | paste -sd, -)
SSHD_ALL=${SSHD_ALL:-curve25519-sha256}
PQ_DIR=
for m in $METHODS curve25519-sha256; do
	has_kex "$m" && continue
	PQ_DIR=$(sh "$TOP/tests/helpers/openssh_pq.sh" build) ||
		die "$m needs OpenSSH >= 9.9's client (tests/helpers/openssh_pq.sh failed)"
	break
done
{
	echo "HostKey $B/host"
	echo "AuthorizedKeysFile $B/authorized_keys"
	echo "KexAlgorithms $SSHD_ALL"
	echo "PasswordAuthentication no"
	echo "KbdInteractiveAuthentication no"
	echo "UsePAM no"
	echo "StrictModes no"
	echo "UseDNS no"
	echo "PidFile none"
	echo "LogLevel ERROR"
	echo "Subsystem sftp internal-sftp"
	echo "ForceCommand internal-sftp -d $B/root"
} >"$B/sshd_config"
"$SSHD" -t -f "$B/sshd_config" || die "sshd rejects the configuration"
cat >"$B/run_sftpd" <<EOF
#!/bin/sh
exec env -i SFTPD_HOST_KEYS=$B/host SFTPD_USERS_FILE=$B/users \\
	SFTPD_AUTHORIZED_KEYS=$B/authorized_keys SFTPD_KEX=$ALL \\
	$B/cputime "$B/\$TIMES" $SFTPD 2>>$B/sftpd.log
EOF
cat >"$B/run_sshd" <<EOF
#!/bin/sh
exec $B/cputime "$B/\$TIMES" $SSHD -i -e -f $B/sshd_config 2>>$B/sshd.log
EOF
chmod 755 "$B/run_sftpd" "$B/run_sshd"
echo pwd >"$B/batch"

session() { # SERVER METHOD TIMESFILE [CLIENT-DIR]
	_before=$(cat "$B/$3" 2>/dev/null | wc -l)
	if [ -n "${4:-}" ]; then
		set -- "$1" "$2" "$3" "$4/sftp" -S "$4/ssh"
	else
		set -- "$1" "$2" "$3" sftp
	fi
	TIMES=$3 timeout 120 "${@:4}" -q -F /dev/null -o "KexAlgorithms=$2" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes \
		-i "$B/user" -o "ProxyCommand=env TIMES=$3 $B/run_$1" -b "$B/batch" "$ACC@bench-$1" \
		>"$B/out" 2>&1 || {
		echo "bench_kex: $1 $2: session failed" >&2
		tail -n 3 "$B/out" "$B/$1.log" >&2
		return 1
	}
	_i=0
	while [ "$(cat "$B/$3" 2>/dev/null | wc -l)" -le "$_before" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

stats() { # TIMESFILE: "mean median" in ms
	awk '{ print ($1 + $2) * 1000 }' "$B/$1" | sort -n |
		awk '{ v[NR] = $1; s += $1 } END { if (!NR) { print "- -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f\n", s / NR, m }'
}

echo "bench_kex: $(nproc) CPUs, $(ssh -V 2>&1 | cut -d, -f1), $N sessions per method and server"
[ -n "$PQ_DIR" ] && echo "bench_kex: methods OpenSSH lacks: sftpd only, client $("$PQ_DIR/ssh" -V 2>&1 | cut -d, -f1)"
printf '%-38s %9s %9s %9s %9s %7s\n' "server CPU per session (ms)" "sftpd" "OpenSSH" "sftpd" "OpenSSH" "ratio"
printf '%-38s %9s %9s %9s %9s %7s\n' "" "mean" "mean" "median" "median" "median"
worse=0
for m in $METHODS; do
	if ! has_kex "$m"; then
		for i in $(seq 1 "$N"); do
			session sftpd "$m" "sftpd.$m" "$PQ_DIR" || die "sftpd: $m failed"
		done
		read -r a_mean a_med < <(stats "sftpd.$m")
		printf '%-38s %9s %9s %9s %9s %7s\n' "$m" "$a_mean" - "$a_med" - -
		continue
	fi
	for i in $(seq 1 "$N"); do
		for s in sftpd sshd; do
			session "$s" "$m" "$s.$m" || die "$s: $m failed"
		done
	done
	read -r a_mean a_med < <(stats "sftpd.$m")
	read -r b_mean b_med < <(stats "sshd.$m")
	ratio=$(awk -v a="$a_med" -v b="$b_med" 'BEGIN { printf "%.2f", a / b }')
	awk -v r="$ratio" 'BEGIN { exit !(r > 1) }' && worse=$((worse + 1))
	printf '%-38s %9s %9s %9s %9s %7s\n' "$m" "$a_mean" "$b_mean" "$a_med" "$b_med" "$ratio"
done
echo "ratio: sftpd / OpenSSH, medians; methods where sftpd costs more: $worse"
if [ -n "$PQ_DIR" ] && ! has_kex mlkem768x25519-sha256; then
	# The same client for both, sessions alternating.
	for i in $(seq 1 "$N"); do
		for m in mlkem768x25519-sha256 curve25519-sha256; do
			session sftpd "$m" "pq.$m" "$PQ_DIR" || die "sftpd: $m failed"
		done
	done
	read -r a_mean a_med < <(stats pq.mlkem768x25519-sha256)
	read -r b_mean b_med < <(stats pq.curve25519-sha256)
	printf '%-38s %9s %9s %9s %9s\n' "sftpd, $("$PQ_DIR/ssh" -V 2>&1 | cut -d_ -f2 | cut -d, -f1) client" \
		"mlkem" "x25519" "mlkem" "x25519"
	printf '%-38s %9s %9s %9s %9s\n' "" mean mean median median
	printf '%-38s %9s %9s %9s %9s\n' "mlkem768x25519 vs curve25519 (ms)" "$a_mean" "$b_mean" "$a_med" "$b_med"
	awk -v a="$a_mean" -v b="$b_mean" -v c="$a_med" -v d="$b_med" 'BEGIN {
		printf "mlkem768x25519-sha256 costs sftpd %+.2f ms (means) %+.2f ms (medians) over curve25519-sha256 (bar: < 0.3)\n", a - b, c - d }'
fi
if [ -x "$TOP/tests/bench/kex_cold" ]; then
	"$TOP/tests/bench/kex_cold" "${BENCH_KEX_COLD_ROUNDS:-300}" || die "kex_cold failed"
fi
