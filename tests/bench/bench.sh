#!/bin/bash
# bench.sh: sftpd against OpenSSH's sshd -i + internal-sftp, in one run, on
# this machine.  Both servers are launched per connection the same way
# (through ssh's ProxyCommand, under tests/bench/cputime.c, which records
# the server's CPU time and peak RSS, children included, like GNU time but
# in microseconds), serve the same account and, as root, both chroot.
# Measured: 1 GiB download and upload with chacha20-poly1305 and
# aes128-gcm, 1000 small files (put -r), connect+auth+ls latency, server
# CPU per GiB and per session, processes and PSS of the server side before
# authentication (at the password prompt) and of an idle logged-in
# session.  Prints a table with ratios sftpd/OpenSSH, then the download CPU
# per GiB beside what the cipher alone costs one core (openssl speed -evp)
# and the floor: that plus a page-cache read and a pipe write of the file.
#   BENCH_SIZE=1G       size of the big file (64M for a quick run)
#   BENCH_FILES=1000    small files
#   BENCH_SESSIONS=30   logins for the latency mean
#   BENCH_RUNS=3        rounds of bulk transfers (the servers take turns in
#                       each round); the table shows the medians, and the
#                       download CPU figures of every round below it
#   BENCH_KEEP=1        keep the work directory
#   SFTPD_BASE_BIN=     a second sftpd build (e.g. one without privilege
#                       separation), measured the same way in a column
#                       "sftpd (base)" with the difference sftpd - base
#   BENCH_SCP=0         skip the legacy scp (scp -O) rows
#   BENCH_IDLE_MANY=8   idle sessions held at once for the per-session PSS row
#   BENCH_IDLE_WAIT=3   seconds an idle session is left alone before its PSS
#                       is read (sftpd hands buffers back after 2 s quiet)
# The scp -O rows need an account with a shell (OpenSSH runs scp(1) through
# it): as root a system user sluice-bench is made for the run and removed
# after it (an existing one is used and kept).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SFTPD=${SFTPD_BIN:-$TOP/sftpd/sftpd}
SSHD=${SSHD_BIN:-/usr/sbin/sshd}
BASE=${SFTPD_BASE_BIN:-}
SIZE_TEXT=${BENCH_SIZE:-1G}
NFILES=${BENCH_FILES:-1000}
NSESS=${BENCH_SESSIONS:-30}
RUNS=${BENCH_RUNS:-3}
IDLE_WAIT=${BENCH_IDLE_WAIT:-3}

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
[ -z "$BASE" ] || [ -x "$BASE" ] || die "SFTPD_BASE_BIN=$BASE is not an executable"
# The servers, in the order they are measured; "base" is the second sftpd.
SERVERS="sftpd sshd"
[ -n "$BASE" ] && SERVERS="sftpd base sshd"
SIZE=$(numfmt --from=iec "$SIZE_TEXT") || die "BENCH_SIZE=$SIZE_TEXT: use a size like 1G or 64M"
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS=$RUNS: use a number of rounds, 1 or more" ;; esac
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
SCP_DIR=
SCP_MADE_USER=
cleanup() {
	[ -n "$SCP_MADE_USER" ] && userdel "$SCP_MADE_USER" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "bench: kept $B ${SCP_DIR:+and $SCP_DIR}" && return
	rm -rf "$B"
	[ -n "$SCP_DIR" ] && rm -rf "$SCP_DIR"
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

# Roots: $B/root_SERVER (sftpd, sshd, base), root-owned, each with data/
# for the account; the big file is hard-linked into each (one copy on
# disk).  Each server has its own, so that every one of them creates the
# small files rather than overwriting those of the one before.
for r in $SERVERS; do
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
"${CC:-cc}" -O2 -o "$B/bytecost" "$TOP/tests/bench/bytecost.c" || die "cannot build bytecost"
"${CC:-cc}" -O2 -fPIE -pie -o "$B/procfloor" "$TOP/tests/bench/procfloor.c" || die "cannot build procfloor"
# shellcheck source=tests/bench/bench_lib.sh
. "$TOP/tests/bench/bench_lib.sh"
ssh-keygen -q -t ed25519 -N '' -f "$B/host_sftpd" -C bench-sftpd
ssh-keygen -q -t ed25519 -N '' -f "$B/host_sshd" -C bench-sshd
ssh-keygen -q -t ed25519 -N '' -f "$B/user_key" -C bench-user
cp "$B/user_key.pub" "$B/authorized_keys"
chmod 644 "$B/authorized_keys"
head -c "$SIZE" /dev/urandom >"$B/big"
# written back and read once: a file still being written back cost the
# first server to read it (sftpd's chacha20 download) twice the CPU
sync
cat "$B/big" >/dev/null
for r in $SERVERS; do
	ln "$B/big" "$B/root_$r/data/big"
done
mkdir -p "$B/small"
for i in $(seq 1 "$NFILES"); do
	head -c $((1024 + (i * 37) % 7168)) /dev/urandom >"$B/small/f$i"
done
if [ $AS_ROOT = 1 ]; then
	chown "$ACC_UID:$ACC_GID" "$B/root_sftpd/data/big"
	chmod 644 "$B/big"
fi

# sftpd: users file with publickey only ("*": no password login), one per
# build for its root
for r in $SERVERS; do
	[ "$r" = sshd ] && continue
	echo "$ACC:*:$ACC_UID:$ACC_GID:$B/root_$r" >"$B/users_$r"
	chmod 600 "$B/users_$r"
done
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
# status").  env(1) sets sftpd's environment before cputime starts, so its
# own exec and start-up (about 1 ms) are not counted as the server's.  ssh hangs up its ProxyCommand at the end: cputime ignores that
# and waits, the server itself keeps default signals.

# sftpd_launchers NAME BINARY: run_NAME and pid_NAME for one sftpd build;
# both builds use the same host key, the same account and the same kind of
# root.
sftpd_launchers() {
	cat >"$B/run_$1" <<EOF
#!/bin/sh
exec env -i SFTPD_HOST_KEYS=$B/host_sftpd SFTPD_USERS_FILE=$B/users_$1 \\
	SFTPD_AUTHORIZED_KEYS=$B/authorized_keys \\
	$B/cputime "$B/\${TIMES:-$1}.times" $2 2>>$B/$1.log
EOF
	# For the memory probes: the server's PID, nothing in between.
	cat >"$B/pid_$1" <<EOF
#!/bin/sh
echo \$\$ >$B/idle.pid
exec env -i SFTPD_HOST_KEYS=$B/host_sftpd SFTPD_USERS_FILE=$B/users_$1 \\
	SFTPD_AUTHORIZED_KEYS=$B/authorized_keys $2 2>>$B/$1.log
EOF
}
sftpd_launchers sftpd "$SFTPD"
[ -n "$BASE" ] && sftpd_launchers base "$BASE"
cat >"$B/run_sshd" <<EOF
#!/bin/sh
exec $B/cputime "$B/\${TIMES:-sshd}.times" \\
	$SSHD -i -e -f $B/sshd_config 2>>$B/sshd.log
EOF
# Extra arguments go to sshd (the pre-authentication probe turns password
# authentication on).
cat >"$B/pid_sshd" <<EOF
#!/bin/sh
echo \$\$ >$B/idle.pid
exec $SSHD -i -e -f $B/sshd_config "\$@" 2>>$B/sshd.log
EOF
# The pre-authentication probe's SSH_ASKPASS: ssh runs it once the key
# exchange is done and the server has offered password authentication; it
# tells bench.sh (preauth.ready), waits while the server side is measured
# (preauth.done) and answers with a wrong password.
cat >"$B/askpass" <<EOF
#!/bin/sh
: >$B/preauth.ready
i=0
while [ ! -e $B/preauth.done ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i + 1)); done
echo not-the-password
EOF
chmod 755 "$B"/run_* "$B"/pid_* "$B/askpass"

# The same key exchange for both: OpenSSH would otherwise pick
# sntrup761x25519, which sftpd does not offer and which costs more.
# SSHC: the options of every client; SSHO adds the key and batch mode.
SSHC=(-F /dev/null -o KexAlgorithms=curve25519-sha256 -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ControlMaster=no -o ControlPath=none)
SSHO=("${SSHC[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -i "$B/user_key")

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
declare -A L # L[metric,server] = " value value ...", one per bulk round
declare -A N # N[phase,server] = names of the server's processes

cd_cmd() {
	if [ "$1" = sshd ]; then echo "cd $SSHD_START"; else echo "cd /data"; fi
}

# bulk SERVER CIPHER LABEL: one download and one upload; each figure is
# added to the round's list (L), whose median settle_bulk puts in the table.
bulk() {
	_s=$1 _c=$2 _l=$3
	rm -f "$B/$_s.dl.times" "$B/$_s.ul.times"
	w=$(session "$_s" "$_s.dl" "$(cd_cmd "$_s")
get big /dev/null" -c "$_c") || return 1
	L[dl_$_l,$_s]+=" $(awk -v s="$SIZE" -v w="$w" 'BEGIN { printf "%.1f", s / w / 1048576 }')"
	L[dlcpu_$_l,$_s]+=" $(awk -v c="$(cpu_sum "$_s.dl")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')"
	w=$(session "$_s" "$_s.ul" "$(cd_cmd "$_s")
put $B/big up
rm up" -c "$_c") || return 1
	L[ul_$_l,$_s]+=" $(awk -v s="$SIZE" -v w="$w" 'BEGIN { printf "%.1f", s / w / 1048576 }')"
	L[ulcpu_$_l,$_s]+=" $(awk -v c="$(cpu_sum "$_s.ul")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')"
	L[rss,$_s]+=" $(rss_max "$_s.dl")"
}

# settle_bulk: R gets the median of each bulk figure over the rounds.
settle_bulk() {
	for _k in "${!L[@]}"; do
		# shellcheck disable=SC2086 # the list, one word per round
		R[$_k]=$(median ${L[$_k]})
	done
}

small() { # SERVER
	_s=$1
	rm -f "$B/$_s.sm.times"
	w=$(session "$_s" "$_s.sm" "$(cd_cmd "$_s")
put -r small") || return 1
	R[small,$_s]=$w
	R[smallcpu,$_s]=$(cpu_sum "$_s.sm")
}

# latency: NSESS logins to each server, taken in turn (sftpd, base, sshd,
# sftpd, ...) so that a change in the machine's load falls on all of them.
latency() {
	declare -A _tot
	for _s in $SERVERS; do
		rm -f "$B/$_s.lat.times"
		_tot[$_s]=0
	done
	for _i in $(seq 1 "$NSESS"); do
		for _s in $SERVERS; do
			w=$(session "$_s" "$_s.lat" "ls") || return 1
			_tot[$_s]=$(awk -v a="${_tot[$_s]}" -v b="$w" 'BEGIN { print a + b }')
		done
	done
	for _s in $SERVERS; do
		R[lat,$_s]=$(awk -v t="${_tot[$_s]}" -v n="$NSESS" 'BEGIN { printf "%.1f", t / n * 1000 }')
		R[sesscpu,$_s]=$(awk -v c="$(cpu_sum "$_s.lat")" -v n="$NSESS" 'BEGIN { printf "%.2f", c / n * 1000 }')
		R[sesscpumed,$_s]=$(awk '{ print ($1 + $2) * 1000 }' "$B/$_s.lat.times" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		R[sessflt,$_s]=$(awk '{ print $5 }' "$B/$_s.lat.times" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		R[sessrss,$_s]=$(rss_max "$_s.lat")
	done
}

# proc_floor: what exec and two forks cost here with no work at all
# (tests/bench/procfloor.c), beside OpenSSH's median per session / 10.
proc_floor() {
	_f=$(floor_medians 2) || return 1
	read -r _ms _fl <<<"$_f"
	_tenth=$(awk -v o="${R[sesscpumed,sshd]:-}" 'BEGIN { if (o == "") print "-"; else printf "%.2f", o / 10 }')
	echo "floor per session: exec + 2 forks of a program that does nothing else (PIE, libc"
	echo "shared), median of $NSESS: $_ms ms, $_fl faults; OpenSSH's median / 10 (the bar): $_tenth ms"
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

# tree_pids PID: PID and all its descendants, one a line.
tree_pids() {
	ps -e -o pid=,ppid= | awk -v r="$1" '{ up[$1] = $2 }
		END { for (x in up) for (y = x; y > 1; y = up[y]) if (y == r) { print x; break } }'
}

# measure SERVER PHASE: processes, their names and PSS of the server whose
# PID is in idle.pid, into R[PHASEprocs,SERVER], R[PHASEpss,SERVER] (KiB)
# and N[PHASE,SERVER] (the names, ancestors first).
measure() {
	[ -s "$B/idle.pid" ] || return 0
	_root=$(cat "$B/idle.pid")
	[ -n "$(tree_pids "$_root")" ] || return 0 # the server is gone
	_k=$(pss_tree "$_root")
	[ -n "$_k" ] && R[${2}pss,$1]=$_k
	R[${2}procs,$1]=$(tree_pids "$_root" | wc -l)
	N[$2,$1]=$(ps -o comm= -p "$(tree_pids "$_root" | sort -n | paste -sd, -)" | paste -sd' ' -)
}

# preauth_pss SERVER: the server side of a connection that has done its key
# exchange and waits at the password prompt (ssh's SSH_ASKPASS, $B/askpass,
# holds the prompt open while we measure).
preauth_pss() {
	_s=$1
	rm -f "$B/idle.pid" "$B/preauth.ready" "$B/preauth.done"
	_pc=$B/pid_$_s
	[ "$_s" = sshd ] && _pc="$_pc -o PasswordAuthentication=yes"
	SSH_ASKPASS=$B/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 60 ssh "${SSHC[@]}" -o BatchMode=no -o PreferredAuthentications=password \
		-o NumberOfPasswordPrompts=1 -o "ProxyCommand=$_pc" "$ACC@bench-$_s" true \
		</dev/null >"$B/preauth.out" 2>&1 &
	_cp=$!
	_i=0
	while [ ! -e "$B/preauth.ready" ] && kill -0 "$_cp" 2>/dev/null && [ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	if [ -e "$B/preauth.ready" ]; then
		sleep 0.3 # the server has sent its USERAUTH_FAILURE; let it reach its read
		measure "$_s" pre
	else
		echo "bench: $_s: no password prompt; PSS before authentication not measured" >&2
	fi
	: >"$B/preauth.done"
	wait "$_cp" 2>/dev/null # the wrong password fails: ssh exits 255
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
	sleep "$IDLE_WAIT"
	measure "$_s" idle
	echo bye >&7
	exec 7>&-
	wait "$_cp" 2>/dev/null
}

# idle_pss_many SERVER: BENCH_IDLE_MANY (8) idle logged-in sessions at
# once; the PSS of all their server processes divided by their number, into
# R[manypss,SERVER]: what one more session costs a host that serves many,
# where sessions of one build share its code pages.  (A lone session's PSS
# also depends on which other processes of the machine map the same
# libraries.)
idle_pss_many() {
	_s=$1
	_k=${BENCH_IDLE_MANY:-8}
	_cps=
	rm -f "$B/many.pids"
	printf '#!/bin/sh\necho $$ >>%s\nexec %s "$@"\n' "$B/many.pids" "$B/pid_$_s" >"$B/many_$_s"
	chmod 755 "$B/many_$_s"
	for _i in $(seq "$_k"); do
		rm -f "$B/many$_i.fifo" "$B/many$_i.out"
		mkfifo "$B/many$_i.fifo"
		timeout 120 sftp "${SSHO[@]}" -o "ProxyCommand=$B/many_$_s" "$ACC@bench-$_s" \
			<"$B/many$_i.fifo" >"$B/many$_i.out" 2>&1 &
		_cps="$_cps $!"
		eval "exec $((20 + _i))>\"\$B/many\$_i.fifo\""
		echo pwd >&$((20 + _i))
	done
	_i=0
	while [ "$(grep -l 'Remote working directory' "$B"/many*.out 2>/dev/null | wc -l)" -lt "$_k" ] &&
		[ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	sleep "$IDLE_WAIT"
	_tot=0
	_n=0
	for _p in $(cat "$B/many.pids" 2>/dev/null); do
		_v=$(pss_tree "$_p")
		[ -n "$_v" ] || continue
		_tot=$((_tot + _v))
		_n=$((_n + 1))
	done
	[ "$_n" = "$_k" ] && R[manypss,$_s]=$((_tot / _k))
	for _i in $(seq "$_k"); do
		echo bye >&$((20 + _i))
		eval "exec $((20 + _i))>&-"
	done
	# shellcheck disable=SC2086 # the client PIDs, one word each
	wait $_cps 2>/dev/null
}

# ceiling: what one core does with the cipher alone (openssl speed -evp, 16
# KiB blocks, libcrypto's fastest code), in the table's unit, beside the
# server's CPU per GiB of a download and issue 11's bars.  floor: the
# ceiling plus what a process with no protocol at all pays to read the big
# file from the page cache and write it into a pipe (tests/bench/bytecost.c),
# the way the servers here send: no download can cost less.
ceiling_sgib() { # EVP-NAME: seconds per GiB, or "-"
	openssl speed -mr -evp "$1" -bytes 16384 -seconds 2 2>/dev/null |
		awk -F: '$1 == "+F" && $4 > 0 { printf "%.3f", 1073741824 / $4; found = 1 }
			END { if (!found) printf "-" }'
}
floor_sgib() { # CEILING MOVE: their sum, or "-"
	awk -v c="$1" -v m="$2" 'BEGIN { if (c ~ /^[0-9.]+$/ && m ~ /^[0-9.]+$/) printf "%.3f", c + m; else printf "-" }'
}
ceiling() {
	command -v openssl >/dev/null 2>&1 || return 0
	_read=$("$B/bytecost" read "$B/big") || _read=-
	_pipe=$("$B/bytecost" pipe "$SIZE") || _pipe=-
	_move=$(floor_sgib "$_read" "$_pipe")
	_cc=$(ceiling_sgib chacha20-poly1305) _ca=$(ceiling_sgib aes-128-gcm)
	echo
	echo "one core, the cipher alone (openssl speed -evp, 16 KiB blocks) against a download;"
	echo "floor = ceiling + page-cache read ($_read) + pipe write ($_pipe) with no protocol:"
	printf '%-20s %10s %10s %14s %10s\n' "" "ceiling" "floor" "sftpd download" "bar"
	printf '%-20s %10s %10s %14s %10s\n' "chacha20-poly1305" "$_cc" "$(floor_sgib "$_cc" "$_move")" \
		"${R[dlcpu_chacha,sftpd]:--}" 0.8
	printf '%-20s %10s %10s %14s %10s\n' "aes128-gcm" "$_ca" "$(floor_sgib "$_ca" "$_move")" \
		"${R[dlcpu_aesgcm,sftpd]:--}" 0.45
	echo "(sftpd download, each of $RUNS rounds: chacha20-poly1305${L[dlcpu_chacha,sftpd]:- -};" \
		"aes128-gcm${L[dlcpu_aesgcm,sftpd]:- -})"
	echo "(s/GiB; openssl's chacha20-poly1305 is RFC 8439's, one pass; OpenSSH's"
	echo "variant that SSH uses takes two, ChaCha20 then Poly1305)"
}

# phases: where each server's CPU goes in one session (connect, key login,
# ls, quit), from exec to exit: BENCH_PHASE_SESSIONS sessions (default 20)
# under `perf record -g -e cpu-clock`, sorted into phases by
# tests/bench/phases.py (dynamic linking, libc start-up, fork, exit,
# seccomp, page faults, crypto libraries, ...).  Sampling slows the
# sessions down: the total is above the table's CPU per session, the split
# is what matters.  Skipped without perf (Debian: linux-perf) or when
# BENCH_PHASES=0.
phases() {
	[ "${BENCH_PHASES:-1}" = 0 ] && return 0
	if ! command -v perf >/dev/null 2>&1 ||
		! perf record -q -e cpu-clock -o "$B/perf.probe" true >/dev/null 2>&1; then
		echo
		echo "bench: phases: perf is missing or cannot record here: skipped"
		return 0
	fi
	_n=${BENCH_PHASE_SESSIONS:-20}
	mkdir -p "$B/phases"
	for _s in $SERVERS; do
		{
			echo '#!/bin/sh'
			echo "trap '' HUP TERM INT"
			echo "exec perf record -q -g -e cpu-clock -F 20000 -o $B/phases/$_s.\$\$.data $B/pid_$_s \"\$@\""
		} >"$B/rec_$_s"
		chmod 755 "$B/rec_$_s"
		for _i in $(seq 1 "$_n"); do
			(cd "$B" && printf 'ls\n' | timeout 120 sftp -q "${SSHO[@]}" \
				-o "ProxyCommand=$B/rec_$_s" -b - "$ACC@bench-$_s") >/dev/null 2>&1
		done
		sleep 1
		echo
		echo "bench: phases of a session, $_s ($_n sessions under perf, 0.05 ms per sample):"
		for _f in "$B"/phases/"$_s".*.data; do
			perf script -F comm,ip,sym,dso -i "$_f" 2>/dev/null
			echo
		done | python3 "$TOP/tests/bench/phases.py" "$_n" 0.05
	done
}

# --- legacy scp (scp -O) ------------------------------------------------------

# OpenSSH serves scp -O by running scp(1) through the account's shell, so
# these rows use an account with a shell and a directory it reaches without
# chroot (sshd has no scp inside a chroot): as root a system user
# sluice-bench (made here with no password and /bin/sh unless it exists;
# removed at the end if made here), else the invoking user.  sftpd serves
# the same account from the same directory, chrooted as root like the rest
# of the run.
scp_setup() {
	[ "${BENCH_SCP:-1}" = 0 ] && return 1
	command -v scp >/dev/null 2>&1 || { echo "bench: scp is not installed: scp -O rows skipped"; return 1; }
	SCP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-scp.XXXXXX") || return 1
	chmod 755 "$SCP_DIR"
	mkdir -p "$SCP_DIR/root" "$SCP_DIR/keys"
	if [ $AS_ROOT = 1 ]; then
		SCP_ACC=sluice-bench
		if ! id "$SCP_ACC" >/dev/null 2>&1; then
			useradd --system --no-create-home --home-dir "$SCP_DIR/root" --shell /bin/sh \
				--password '*' "$SCP_ACC" || return 1
			SCP_MADE_USER=$SCP_ACC
		fi
	else
		SCP_ACC=$(id -un)
		case "$(getent passwd "$SCP_ACC" | cut -d: -f7)" in
		*/nologin | */false | "")
			echo "bench: $SCP_ACC has no shell for OpenSSH's scp: scp -O rows skipped"
			return 1
			;;
		esac
	fi
	SCP_UID=$(id -u "$SCP_ACC")
	SCP_GID=$(id -g "$SCP_ACC")
	ln "$B/big" "$SCP_DIR/root/big" 2>/dev/null || cp "$B/big" "$SCP_DIR/root/big"
	chmod 644 "$SCP_DIR/root/big"
	cp "$B/authorized_keys" "$SCP_DIR/keys/authorized_keys"
	chmod 644 "$SCP_DIR/keys/authorized_keys"
	[ $AS_ROOT = 1 ] && chown "$SCP_UID:$SCP_GID" "$SCP_DIR/root"
	echo "$SCP_ACC:*:$SCP_UID:$SCP_GID:$SCP_DIR/root" >"$SCP_DIR/keys/users"
	chmod 600 "$SCP_DIR/keys/users"
	{
		echo "HostKey $B/host_sshd"
		echo "AuthorizedKeysFile $SCP_DIR/keys/authorized_keys"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "StrictModes no"
		echo "UseDNS no"
		echo "PidFile none"
		echo "LogLevel ERROR"
		echo "PermitRootLogin no"
	} >"$B/sshd_scp_config"
	"$SSHD" -t -f "$B/sshd_scp_config" || return 1
	for r in $SERVERS; do
		if [ "$r" = sshd ]; then
			printf '#!/bin/sh\nexec %s "%s/${TIMES:-sshd}.times" %s -i -e -f %s 2>>%s\n' \
				"$B/cputime" "$B" "$SSHD" "$B/sshd_scp_config" "$B/sshd.log" >"$B/scp_sshd"
		else
			bin=$SFTPD
			[ "$r" = base ] && bin=$BASE
			printf '#!/bin/sh\nexec %s "%s/${TIMES:-%s}.times" env -i SFTPD_HOST_KEYS=%s SFTPD_USERS_FILE=%s SFTPD_AUTHORIZED_KEYS=%s %s 2>>%s\n' \
				"$B/cputime" "$B" "$r" "$B/host_sftpd" "$SCP_DIR/keys/users" \
				"$SCP_DIR/keys/authorized_keys" "$bin" "$B/$r.log" >"$B/scp_$r"
		fi
		chmod 755 "$B/scp_$r"
	done
}

# scp_run SERVER TIMESNAME ARGS...: one scp -O; prints its wall seconds.
scp_run() {
	_srv=$1 _tn=$2
	shift 2
	_before=$(cat "$B/$_tn.times" 2>/dev/null | wc -l)
	_t0=$(now)
	TIMES=$_tn timeout 3600 scp -O -q "${SSHO[@]}" \
		-o "ProxyCommand=env TIMES=$_tn $B/scp_$_srv" "$@" >"$B/session.out" 2>&1 || {
		echo "bench: $_srv: scp -O failed:" >&2
		tail -n 5 "$B/session.out" >&2
		tail -n 5 "$B/$_srv.log" >&2
		return 1
	}
	_t1=$(now)
	_i=0
	while [ "$(cat "$B/$_tn.times" 2>/dev/null | wc -l)" -le "$_before" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f", b - a }'
}

scp_bulk() { # SERVER CIPHER LABEL
	_s=$1 _c=$2 _l=$3
	_src=big
	[ "$_s" = sshd ] && _src=$SCP_DIR/root/big
	rm -f "$B/$_s.scpdl.times" "$B/$_s.scpul.times"
	w=$(scp_run "$_s" "$_s.scpdl" -c "$_c" "$SCP_ACC@bench-$_s:$_src" /dev/null) || return 1
	R[scpdl_$_l,$_s]=$(awk -v s="$SIZE" -v w="$w" 'BEGIN { printf "%.1f", s / w / 1048576 }')
	R[scpdlcpu_$_l,$_s]=$(awk -v c="$(cpu_sum "$_s.scpdl")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')
	[ "$_l" = chacha ] || return 0
	R[scprss,$_s]=$(rss_max "$_s.scpdl")
	w=$(scp_run "$_s" "$_s.scpul" -c "$_c" "$B/big" "$SCP_ACC@bench-$_s:${_src%big}up") || return 1
	rm -f "$SCP_DIR/root/up"
	R[scpulcpu_$_l,$_s]=$(awk -v c="$(cpu_sum "$_s.scpul")" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')
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
[ -n "$BASE" ] && echo "bench: sftpd (base): $BASE"
# The first new 1 GiB file the run writes costs the kernel far more than
# the ones after it (2.3 to 4.7 s/GiB here for whichever server came
# first, against about 1.1 after): one upload, not measured, goes first.
echo "bench: a warm-up upload, not measured"
session sftpd warmup "$(cd_cmd sftpd)
put $B/big up
rm up" >/dev/null || die "the warm-up upload failed"
sync
# Each test runs on every server before the next test starts; the bulk
# transfers in BENCH_RUNS rounds, the servers taking turns in each.
for r in $(seq 1 "$RUNS"); do
	for s in $SERVERS; do
		echo "bench: $s: bulk transfers, chacha20-poly1305 (round $r of $RUNS)"
		bulk "$s" chacha20-poly1305@openssh.com chacha || die "$s: bulk transfer failed"
	done
	for s in $SERVERS; do
		echo "bench: $s: bulk transfers, aes128-gcm (round $r of $RUNS)"
		bulk "$s" aes128-gcm@openssh.com aesgcm || die "$s: bulk transfer failed"
	done
done
settle_bulk
for s in $SERVERS; do
	echo "bench: $s: $NFILES small files"
	small "$s" || die "$s: small files failed"
done
if scp_setup; then
	for c in chacha20-poly1305@openssh.com:chacha aes128-gcm@openssh.com:aesgcm; do
		for s in $SERVERS; do
			echo "bench: $s: scp -O, ${c%%:*}"
			# a base build from before legacy scp leaves its cells empty
			scp_bulk "$s" "${c%%:*}" "${c##*:}" || [ "$s" = base ] || die "$s: scp -O failed"
		done
	done
fi
echo "bench: $SERVERS: $NSESS logins each, in turn"
latency || die "logins failed"
for s in $SERVERS; do
	echo "bench: $s: memory before authentication and of an idle session"
	preauth_pss "$s"
	idle_pss "$s"
	idle_pss_many "$s"
done

# --- the table ---------------------------------------------------------------

# row LABEL METRIC BETTER(higher|lower): sftpd, OpenSSH, their ratio and,
# with a base build, its value and sftpd - base (same unit, same decimals).
row() {
	a=${R[$2,sftpd]:-} b=${R[$2,sshd]:-} c=${R[$2,base]:-}
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }')
	if [ -z "$BASE" ]; then
		printf '%-44s %10s %10s %7s  %s\n' "$1" "${a:--}" "${b:--}" "$ratio" "$3"
		return
	fi
	diff=$(awk -v a="$a" -v c="$c" 'BEGIN { if (a == "" || c == "") { print "-"; exit }
		d = index(a, ".") ? length(a) - index(a, ".") : 0; printf "%+.*f", d, a - c }')
	printf '%-44s %10s %10s %7s %12s %11s  %s\n' "$1" "${a:--}" "${b:--}" "$ratio" "${c:--}" "$diff" "$3"
}
echo
if [ -z "$BASE" ]; then
	printf '%-44s %10s %10s %7s  %s\n' "size $SIZE_TEXT" sftpd OpenSSH ratio better
else
	printf '%-44s %10s %10s %7s %12s %11s  %s\n' "size $SIZE_TEXT" sftpd OpenSSH ratio "sftpd (base)" sftpd-base better
fi
row "download chacha20-poly1305 (MiB/s)" dl_chacha "higher"
row "upload chacha20-poly1305 (MiB/s)" ul_chacha "higher"
row "download aes128-gcm (MiB/s)" dl_aesgcm "higher"
row "upload aes128-gcm (MiB/s)" ul_aesgcm "higher"
row "server CPU s/GiB download chacha20" dlcpu_chacha "lower"
row "server CPU s/GiB upload chacha20" ulcpu_chacha "lower"
row "server CPU s/GiB download aes128-gcm" dlcpu_aesgcm "lower"
row "server CPU s/GiB upload aes128-gcm" ulcpu_aesgcm "lower"
row "scp -O download chacha20 (MiB/s)" scpdl_chacha "higher"
row "server CPU s/GiB scp -O download chacha20" scpdlcpu_chacha "lower"
row "server CPU s/GiB scp -O download aes128-gcm" scpdlcpu_aesgcm "lower"
row "server CPU s/GiB scp -O upload chacha20" scpulcpu_chacha "lower"
row "max RSS during a scp -O download (MiB)" scprss "lower"
row "$NFILES small files put -r (s)" small "lower"
row "$NFILES small files: server CPU (s)" smallcpu "lower"
row "connect+auth+ls, mean of $NSESS (ms)" lat "lower"
row "server CPU per session, mean (ms)" sesscpu "lower"
row "server CPU per session, median (ms)" sesscpumed "lower"
row "pages faulted in per session, median" sessflt "lower"
row "max RSS of a session (MiB)" sessrss "lower"
row "max RSS during a bulk download (MiB)" rss "lower"
row "PSS before authentication (KiB)" prepss "lower"
row "server processes before authentication" preprocs "lower"
row "PSS of an idle session (KiB)" idlepss "lower"
row "server processes per idle session" idleprocs "lower"
row "PSS per idle session, ${BENCH_IDLE_MANY:-8} at once (KiB)" manypss "lower"
echo
for s in $SERVERS; do
	printf '%-12s before authentication: %s; idle session: %s\n' "$s" "${N[pre,$s]:--}" "${N[idle,$s]:--}"
done
echo "CPU per GiB includes the session's set-up; per-session CPU is user+sys of"
echo "the whole server side (every process of the connection) for one sftp -b ls."
echo "Pages faulted in: the connection's minor faults (getrusage), a page filled by"
echo "MADV_POPULATE counted like a fault."
[ -n "${SCP_ACC:-}" ] && echo "scp -O rows: account $SCP_ACC; OpenSSH without chroot (its scp(1) runs through the shell), sftpd as in the other rows."
echo "Before authentication: key exchange done, the server has offered password"
echo "authentication and waits for it (sshd with PasswordAuthentication=yes)."
echo "PSS is the sum over the processes listed above (KiB)."
[ $AS_ROOT = 1 ] || echo "PSS needs root: sftpd is not dumpable, so its /proc/PID/smaps_rollup is root's."
proc_floor
ceiling
phases
ftpsd_bench
