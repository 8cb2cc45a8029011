#!/bin/bash
# bench.sh: sftpd against OpenSSH's sshd -i + internal-sftp, in one run, on
# this machine.  Both servers are launched per connection the same way
# (through ssh's ProxyCommand, under tests/bench/cputime.c, which records
# the server's CPU time and peak RSS, children included, like GNU time but
# in microseconds), serve the same account and, as root, both chroot.  Measured: 1 GiB download and upload with chacha20-poly1305 and
# aes128-gcm, 1000 small files (put -r), connect+auth+ls latency, server
# CPU per GiB and per session, PSS of an idle session.  Prints a table with
# ratios sftpd/OpenSSH.
#   BENCH_SIZE=1G       size of the big file (64M for a quick run)
#   BENCH_FILES=1000    small files
#   BENCH_SESSIONS=30   logins for the latency mean
#   BENCH_KEEP=1        keep the work directory
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SFTPD=${SFTPD_BIN:-$TOP/sftpd/sftpd}
SSHD=${SSHD_BIN:-/usr/sbin/sshd}
SIZE_TEXT=${BENCH_SIZE:-1G}
NFILES=${BENCH_FILES:-1000}
NSESS=${BENCH_SESSIONS:-30}

die() {
	echo "bench: $*" >&2
	exit 1
}
for c in sftp ssh ssh-keygen numfmt awk; do
	command -v "$c" >/dev/null 2>&1 || die "$c is not installed (see INSTALL)"
done
command -v "${CC:-cc}" >/dev/null 2>&1 || die "no C compiler for tests/bench/cputime.c"
[ -x "$SFTPD" ] || die "$SFTPD is not built: make"
[ -x "$SSHD" ] || die "$SSHD is missing: apt-get install openssh-server"
SIZE=$(numfmt --from=iec "$SIZE_TEXT") || die "BENCH_SIZE=$SIZE_TEXT: use a size like 1G or 64M"
GIB=$(awk -v s="$SIZE" 'BEGIN { printf "%.6f", s / 1073741824 }')

# The work directory sits under the clone: sshd's ChrootDirectory needs
# every path component owned by root and not writable by others (not /tmp).
if [ "$(id -u)" = 0 ]; then
	B=${BENCH_DIR:-$TOP/tests/bench/work.$$}
else
	B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")}
fi
mkdir -p "$B" || die "cannot create $B"
B=$(cd "$B" && pwd)
cleanup() {
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "bench: kept $B" && return
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

AS_ROOT=0
[ "$(id -u)" = 0 ] && AS_ROOT=1

# --- the account both servers serve ----------------------------------------

if [ $AS_ROOT = 1 ]; then
	ACC=nobody
	ACC_UID=$(id -u nobody)
	ACC_GID=$(id -g nobody)
	mkdir -p /run/sshd # sshd's privilege separation directory
else
	ACC=$(id -un)
	ACC_UID=$(id -u)
	ACC_GID=$(id -g)
fi

# Roots: $B/root_sftpd and $B/root_sshd, root-owned, each with data/ for
# the account; the big file is hard-linked into both (one copy on disk).
for r in sftpd sshd; do
	mkdir -p "$B/root_$r/data"
	chmod 755 "$B/root_$r"
	[ $AS_ROOT = 1 ] && chown "$ACC_UID:$ACC_GID" "$B/root_$r/data"
done

chroot_ok=1
if [ $AS_ROOT = 1 ]; then
	p=$B/root_sshd
	while [ "$p" != / ]; do
		# shellcheck disable=SC2046
		set -- $(stat -c '%u %a' "$p")
		if [ "$1" != 0 ] || [ $(((8#$2) & 8#022)) != 0 ]; then chroot_ok=0; fi
		p=$(dirname "$p")
	done
fi

echo "bench: keys and a $SIZE_TEXT file in $B"
"${CC:-cc}" -O2 -o "$B/cputime" "$TOP/tests/bench/cputime.c" || die "cannot build cputime"
ssh-keygen -q -t ed25519 -N '' -f "$B/host_sftpd" -C bench-sftpd
ssh-keygen -q -t ed25519 -N '' -f "$B/host_sshd" -C bench-sshd
ssh-keygen -q -t ed25519 -N '' -f "$B/user_key" -C bench-user
cp "$B/user_key.pub" "$B/authorized_keys"
chmod 644 "$B/authorized_keys"
head -c "$SIZE" /dev/urandom >"$B/big"
ln "$B/big" "$B/root_sftpd/data/big"
ln "$B/big" "$B/root_sshd/data/big"
mkdir -p "$B/small"
for i in $(seq 1 "$NFILES"); do
	head -c $((1024 + (i * 37) % 7168)) /dev/urandom >"$B/small/f$i"
done
if [ $AS_ROOT = 1 ]; then
	chown "$ACC_UID:$ACC_GID" "$B/root_sftpd/data/big"
	chmod 644 "$B/big"
fi

# sftpd: users file with publickey only ("*": no password login)
echo "$ACC:*:$ACC_UID:$ACC_GID:$B/root_sftpd" >"$B/users"
chmod 600 "$B/users"
SSHD_START=$B/root_sshd/data
[ $AS_ROOT = 1 ] && [ $chroot_ok = 1 ] && SSHD_START=/data

# sshd: a private configuration, internal-sftp, chroot like sftpd when root
{
	echo "HostKey $B/host_sshd"
	echo "AuthorizedKeysFile $B/authorized_keys"
	echo "PubkeyAuthentication yes"
	echo "PasswordAuthentication no"
	echo "KbdInteractiveAuthentication no"
	echo "UsePAM no"
	echo "StrictModes no"
	echo "UseDNS no"
	echo "PidFile none"
	echo "LogLevel ERROR"
	echo "PermitRootLogin no"
	echo "Subsystem sftp internal-sftp"
	if [ $AS_ROOT = 1 ] && [ $chroot_ok = 1 ]; then
		echo "ChrootDirectory $B/root_sshd"
		echo "ForceCommand internal-sftp -d /data"
	else
		echo "ForceCommand internal-sftp -d $B/root_sshd/data"  # no chroot possible
	fi
} >"$B/sshd_config"
"$SSHD" -t -f "$B/sshd_config" || die "sshd rejects the benchmark configuration"

# The launchers: one server per connection, stdin/stdout the connection,
# CPU time and max RSS appended to $B/<name>.times ("user sys maxrss_kib
# status").  ssh hangs up its ProxyCommand at the end: cputime ignores that
# and waits, the server itself keeps default signals.
cat >"$B/run_sftpd" <<EOF
#!/bin/sh
exec $B/cputime "$B/\${TIMES:-sftpd}.times" \\
	env -i SFTPD_HOST_KEYS=$B/host_sftpd SFTPD_USERS_FILE=$B/users \\
	SFTPD_AUTHORIZED_KEYS=$B/authorized_keys $SFTPD 2>>$B/sftpd.log
EOF
cat >"$B/run_sshd" <<EOF
#!/bin/sh
exec $B/cputime "$B/\${TIMES:-sshd}.times" \\
	$SSHD -i -e -f $B/sshd_config 2>>$B/sshd.log
EOF
# For the idle-memory probe: the server's PID, nothing in between.
cat >"$B/pid_sftpd" <<EOF
#!/bin/sh
echo \$\$ >$B/idle.pid
exec env -i SFTPD_HOST_KEYS=$B/host_sftpd SFTPD_USERS_FILE=$B/users \\
	SFTPD_AUTHORIZED_KEYS=$B/authorized_keys $SFTPD 2>>$B/sftpd.log
EOF
cat >"$B/pid_sshd" <<EOF
#!/bin/sh
echo \$\$ >$B/idle.pid
exec $SSHD -i -e -f $B/sshd_config 2>>$B/sshd.log
EOF
chmod 755 "$B"/run_* "$B"/pid_*

# The same key exchange for both: OpenSSH would otherwise pick
# sntrup761x25519, which sftpd does not offer and which costs more.
SSHO=(-F /dev/null -o KexAlgorithms=curve25519-sha256 -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR
	-o ControlMaster=no -o ControlPath=none -i "$B/user_key")

now() { date +%s.%N; }

# session SERVER TIMESNAME BATCH [sftp options]: one sftp -b session; prints
# its wall seconds.  The server's CPU line lands in $B/TIMESNAME.times.
session() {
	_srv=$1 _tn=$2 _batch=$3
	shift 3
	printf '%s\n' "$_batch" >"$B/batch"
	_before=$(cat "$B/$_tn.times" 2>/dev/null | wc -l)
	_t0=$(now)
	(cd "$B" && TIMES=$_tn timeout 3600 sftp -q "$@" "${SSHO[@]}" \
		-o "ProxyCommand=env TIMES=$_tn $B/run_$_srv" -b "$B/batch" "$ACC@bench-$_srv") \
		>"$B/session.out" 2>&1 || {
		echo "bench: $_srv session failed:" >&2
		tail -n 5 "$B/session.out" >&2
		tail -n 5 "$B/$_srv.log" >&2
		return 1
	}
	_t1=$(now)
	# ssh may exit before the server side has: wait for its CPU line
	_i=0
	while [ "$(cat "$B/$_tn.times" 2>/dev/null | wc -l)" -le "$_before" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f", b - a }'
}

# cpu_sum TIMESNAME: total user+sys seconds of the sessions recorded.
cpu_sum() {
	awk '{ s += $1 + $2 } END { printf "%.4f", s }' "$B/$1.times" 2>/dev/null
}
# rss_max TIMESNAME: largest max RSS, MiB.
rss_max() {
	awk '$3 > m { m = $3 } END { printf "%.1f", m / 1024 }' "$B/$1.times" 2>/dev/null
}

declare -A R # R[metric,server] = value

cd_cmd() {
	if [ "$1" = sftpd ]; then echo "cd /data"; else echo "cd $SSHD_START"; fi
}

bulk() { # SERVER CIPHER LABEL
	_s=$1 _c=$2 _l=$3
	rm -f "$B/$_s.dl.times" "$B/$_s.ul.times"
	w=$(session "$_s" "$_s.dl" "$(cd_cmd "$_s")
get big /dev/null" -c "$_c") || return 1
	R[dl_$_l,$_s]=$(awk -v s="$SIZE" -v w="$w" 'BEGIN { printf "%.1f", s / w / 1048576 }')
	R[dlcpu_$_l,$_s]=$(awk -v c="$(cpu_sum "$_s.dl")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')
	w=$(session "$_s" "$_s.ul" "$(cd_cmd "$_s")
put $B/big up
rm up" -c "$_c") || return 1
	R[ul_$_l,$_s]=$(awk -v s="$SIZE" -v w="$w" 'BEGIN { printf "%.1f", s / w / 1048576 }')
	R[ulcpu_$_l,$_s]=$(awk -v c="$(cpu_sum "$_s.ul")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')
	R[rss,$_s]=$(rss_max "$_s.dl")
}

small() { # SERVER
	_s=$1
	rm -f "$B/$_s.sm.times"
	w=$(session "$_s" "$_s.sm" "$(cd_cmd "$_s")
put -r small") || return 1
	R[small,$_s]=$w
	R[smallcpu,$_s]=$(cpu_sum "$_s.sm")
}

latency() { # SERVER
	_s=$1
	rm -f "$B/$_s.lat.times"
	_tot=0
	for _i in $(seq 1 "$NSESS"); do
		w=$(session "$_s" "$_s.lat" "ls") || return 1
		_tot=$(awk -v a="$_tot" -v b="$w" 'BEGIN { print a + b }')
	done
	R[lat,$_s]=$(awk -v t="$_tot" -v n="$NSESS" 'BEGIN { printf "%.1f", t / n * 1000 }')
	R[sesscpu,$_s]=$(awk -v c="$(cpu_sum "$_s.lat")" -v n="$NSESS" 'BEGIN { printf "%.1f", c / n * 1000 }')
	R[sessrss,$_s]=$(rss_max "$_s.lat")
}

# pss_tree PID: PSS (KiB) of PID and all its descendants.
pss_tree() { # prints nothing when a process cannot be read (not dumpable)
	_sum=0
	for _p in $(ps -e -o pid=,ppid= | awk -v r="$1" '{ up[$1] = $2 }
		END { for (x in up) for (y = x; y > 1; y = up[y]) if (y == r) { print x; break } }'); do
		_k=$(awk '/^Pss:/ { print $2 }' "/proc/$_p/smaps_rollup" 2>/dev/null)
		[ -n "$_k" ] || return 0
		_sum=$((_sum + _k))
	done
	echo "$_sum"
}

idle_pss() { # SERVER: PSS of the server side of an idle, logged-in session
	_s=$1
	rm -f "$B/idle.pid" "$B/idle.fifo" "$B/idle.out"
	mkfifo "$B/idle.fifo"
	timeout 120 sftp "${SSHO[@]}" -o "ProxyCommand=$B/pid_$_s" "$ACC@bench-$_s" \
		<"$B/idle.fifo" >"$B/idle.out" 2>&1 &
	_cp=$!
	exec 7>"$B/idle.fifo"
	echo pwd >&7
	_i=0
	while ! grep -q 'Remote working directory' "$B/idle.out" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	sleep 0.5
	if [ -s "$B/idle.pid" ]; then
		_k=$(pss_tree "$(cat "$B/idle.pid")")
		[ -n "$_k" ] && R[pss,$_s]=$(awk -v k="$_k" 'BEGIN { printf "%.2f", k / 1024 }')
		R[procs,$_s]=$(ps -e -o pid=,ppid= | awk -v r="$(cat "$B/idle.pid")" '{ up[$1] = $2 }
			END { for (x in up) for (y = x; y > 1; y = up[y]) if (y == r) { n++; break }; print n }')
	fi
	echo bye >&7
	exec 7>&-
	wait "$_cp" 2>/dev/null
}

# ftpsd_bench: ftpsd's numbers come from tests/bench/bench_ftps.sh (ftpsd
# against pure-ftpd, vsftpd and ProFTPD over FTPS), run after this table in
# the same `make bench` when ftpsd is built and we are root; BENCH_FTPS=0
# skips it.  Its rows are not merged into the table above yet.
ftpsd_bench() {
	[ "${BENCH_FTPS:-1}" = 0 ] && return 0
	if [ ! -x "$TOP/tests/bench/bench_ftps.sh" ] || [ ! -x "$TOP/ftpsd/ftpsd" ]; then
		echo "bench: ftpsd: not built (or no bench_ftps.sh): skipped"
		return 0
	fi
	if [ $AS_ROOT != 1 ]; then
		echo "bench: ftpsd: bench_ftps.sh needs root: skipped"
		return 0
	fi
	echo
	echo "bench: ftpsd: tests/bench/bench_ftps.sh"
	BENCH_SIZE=$SIZE_TEXT BENCH_SESSIONS=$NSESS "$TOP/tests/bench/bench_ftps.sh"
}

mode="as $ACC (uid $ACC_UID)"
[ $AS_ROOT = 1 ] && mode="started as root, serving $ACC; both chroot"
[ $AS_ROOT = 1 ] && [ $chroot_ok = 0 ] && mode="started as root, serving $ACC; sshd without chroot ($B has a non-root or writable parent)"
echo "bench: $(nproc) CPUs, $(uname -r), $(ssh -V 2>&1 | cut -d, -f1); $mode"
for s in sftpd sshd; do
	echo "bench: $s: bulk transfers"
	bulk "$s" chacha20-poly1305@openssh.com chacha || die "$s: bulk transfer failed"
	bulk "$s" aes128-gcm@openssh.com aesgcm || die "$s: bulk transfer failed"
	echo "bench: $s: $NFILES small files"
	small "$s" || die "$s: small files failed"
	echo "bench: $s: $NSESS logins"
	latency "$s" || die "$s: logins failed"
	idle_pss "$s"
done

# --- the table ---------------------------------------------------------------

row() { # LABEL METRIC BETTER(high|low)
	a=${R[$2,sftpd]:-} b=${R[$2,sshd]:-}
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }')
	printf '%-44s %10s %10s %7s  %s\n' "$1" "${a:--}" "${b:--}" "$ratio" "$3"
}
echo
printf '%-44s %10s %10s %7s  %s\n' "size $SIZE_TEXT" sftpd OpenSSH ratio better
row "download chacha20-poly1305 (MiB/s)" dl_chacha "higher"
row "upload chacha20-poly1305 (MiB/s)" ul_chacha "higher"
row "download aes128-gcm (MiB/s)" dl_aesgcm "higher"
row "upload aes128-gcm (MiB/s)" ul_aesgcm "higher"
row "server CPU s/GiB download chacha20" dlcpu_chacha "lower"
row "server CPU s/GiB upload chacha20" ulcpu_chacha "lower"
row "server CPU s/GiB download aes128-gcm" dlcpu_aesgcm "lower"
row "server CPU s/GiB upload aes128-gcm" ulcpu_aesgcm "lower"
row "$NFILES small files put -r (s)" small "lower"
row "$NFILES small files: server CPU (s)" smallcpu "lower"
row "connect+auth+ls, mean of $NSESS (ms)" lat "lower"
row "server CPU per session (ms)" sesscpu "lower"
row "max RSS of a session (MiB)" sessrss "lower"
row "max RSS during a bulk download (MiB)" rss "lower"
row "PSS of an idle session (MiB)" pss "lower"
row "server processes per idle session" procs "lower"
echo
echo "CPU per GiB includes the session's set-up; per-session CPU is user+sys of"
echo "the whole server side (OpenSSH: monitor + session child) for one sftp -b ls."
[ $AS_ROOT = 1 ] || echo "PSS needs root: sftpd is not dumpable, so its /proc/PID/smaps_rollup is root's."
ftpsd_bench
