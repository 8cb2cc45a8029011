#!/bin/bash
# bench_ftps.sh: ftpsd against pure-ftpd, vsftpd and ProFTPD (mod_tls), in
# one run, on this machine.  Every server is launched per connection the
# same way (systemd-socket-activate -a --inetd, under tests/bench/cputime.c,
# which records the CPU time of the whole per-connection process tree),
# speaks explicit TLS (AUTH TLS) with the same self-signed P-256
# certificate, chroots into the home of the same system account and checks
# the same yescrypt password.  Measured: FTPS download and upload of one big
# file with curl and with lftp, login+LIST+QUIT latency, server CPU per GiB
# and per session (mean and median) next to the password hash alone (one
# crypt(3) check of the same hash in a process of its own), PSS and USS of an idle logged-in
# session, all its processes (after login, and after one listing).  Prints a table with
# the ratios ftpsd/peer and whether ftpsd meets the issue's bar.
#   BENCH_SIZE=1G        size of the big file (64M for a quick run)
#   BENCH_SESSIONS=30    logins for the latency mean
#   BENCH_RUNS=3         rounds of bulk transfers (servers take turns in
#                        each round); the table shows the medians
#   BENCH_CIPHER=aes256gcm  the clients offer only this AEAD (TLS 1.3 and
#                        1.2), so every server encrypts with the same one:
#                        aes256gcm, aes128gcm, chacha20, or "server" for
#                        each server's own choice
#   BENCH_IDLE=3         idle sessions measured per server (median), each
#                        once right after login and once after one listing
#   BENCH_IDLE_MANY=8    idle sessions held at once for the per-session PSS row
#   BENCH_KEEP=1         keep the work directory
#   BENCH_PKG_DIR=DIR    where the unpacked vsftpd / pure-ftpd .debs are
#                        cached (default: inside the work directory)
#   BENCH_FETCH=0        never run apt-get download for missing peers
#   BENCH_PEERS="pureftpd vsftpd proftpd"  the peers to run (a subset is
#                        quicker: the issue's bar is against pure-ftpd)
#   FTPSD_BASE_BIN=PATH  also measures another ftpsd build the same way, in
#                        a column "ftpsd-base" (e.g. one from before a change)
# Needs root (a system account, chroot, PSS of other users' processes).
# Peers that cannot be run get a "skipped: why" line, never numbers.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FTPSD=${FTPSD_BIN:-$TOP/ftpsd/ftpsd}
SIZE_TEXT=${BENCH_SIZE:-1G}
NSESS=${BENCH_SESSIONS:-30}
RUNS=${BENCH_RUNS:-3}
ACC=sluicebench
PEERS=${BENCH_PEERS:-pureftpd vsftpd proftpd}
for p in $PEERS; do
	case $p in pureftpd | vsftpd | proftpd) ;; *) echo "bench_ftps: BENCH_PEERS: unknown peer $p" >&2; exit 1 ;; esac
done
FTPSD_BASE=${FTPSD_BASE_BIN:-}
SERVERS="ftpsd${FTPSD_BASE:+ ftpsdbase} $PEERS"

die() {
	echo "bench_ftps: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root: it creates the account $ACC and every server chroots"
for c in curl lftp openssl python3 systemd-socket-activate numfmt awk useradd chpasswd; do
	command -v "$c" >/dev/null 2>&1 || die "$c is not installed"
done
command -v "${CC:-cc}" >/dev/null 2>&1 || die "no C compiler for tests/bench/cputime.c"
[ -x "$FTPSD" ] || die "$FTPSD is not built: make"
[ -z "$FTPSD_BASE" ] || [ -x "$FTPSD_BASE" ] || die "FTPSD_BASE_BIN=$FTPSD_BASE is not executable"
SIZE=$(numfmt --from=iec "$SIZE_TEXT") || die "BENCH_SIZE=$SIZE_TEXT: use a size like 1G or 64M"
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS=$RUNS: use a number of rounds, 1 or more" ;; esac
GIB=$(awk -v s="$SIZE" 'BEGIN { printf "%.6f", s / 1073741824 }')

B=$(mktemp -d /tmp/sluice-ftpsbench.XXXXXX) || die "cannot create a work directory"
chmod 755 "$B"
PKG=${BENCH_PKG_DIR:-$B/pkg}
SA_PIDS=""
CREATED_ACC=0
cleanup() {
	for p in $SA_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SA_PIDS; do wait "$p" 2>/dev/null; done
	[ $CREATED_ACC = 1 ] && userdel "$ACC" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench_ftps: kept $B"; else rm -rf "$B"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R    # R[metric,server] = value
declare -A SKIP # SKIP[server] = why
declare -A PORT # PORT[server] = control port
declare -A SA   # SA[server] = PID of its systemd-socket-activate

# --- the account, the certificate, the files --------------------------------

HOME_DIR=$B/home
mkdir -p "$HOME_DIR" "$B/empty" "$B/run"
if ! id "$ACC" >/dev/null 2>&1; then
	useradd -M -d "$HOME_DIR" -s /bin/bash -c "sluice benchmark" "$ACC" || die "useradd $ACC failed"
	CREATED_ACC=1
else
	usermod -d "$HOME_DIR" -s /bin/bash "$ACC" || die "usermod $ACC failed"
fi
PASS=$(openssl rand -hex 12)
set_password() {
	echo "$ACC:$PASS" | chpasswd -c YESCRYPT 2>/dev/null || echo "$ACC:$PASS" | chpasswd || die "chpasswd failed"
	HASH=$(getent shadow "$ACC" | cut -d: -f2)
}
set_password
HASH_KIND=$(echo "$HASH" | cut -d'$' -f2)
# ensure_account: something else on this machine may rewrite /etc/shadow
# while the benchmark runs; put the account back and say so.
ensure_account() {
	[ "$(getent shadow "$ACC" | cut -d: -f2)" = "$HASH" ] && return 0
	echo "bench_ftps: warning: $ACC changed under the benchmark (/etc/passwd or /etc/shadow rewritten); setting it again" >&2
	id "$ACC" >/dev/null 2>&1 || useradd -M -d "$HOME_DIR" -s /bin/bash -c "sluice benchmark" "$ACC" || die "useradd $ACC failed"
	set_password
	chown -R "$ACC:" "$HOME_DIR"
}
[ "$HASH_KIND" = y ] || echo "bench_ftps: note: the password hash is \$$HASH_KIND\$, not yescrypt" >&2
chown "$ACC:" "$HOME_DIR"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$B/key.pem" \
	-out "$B/cert.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1 || die "openssl req failed"
cat "$B/cert.pem" "$B/key.pem" >"$B/both.pem"
chmod 600 "$B/key.pem" "$B/both.pem"

echo "bench_ftps: a $SIZE_TEXT file in $B"
"${CC:-cc}" -O2 -o "$B/cputime" "$TOP/tests/bench/cputime.c" || die "cannot build cputime"
# The hash alone as ftpsd computes it: a static build (STATIC=1) populates
# yescrypt's work area in one call (lib/account/account_prefault.c), which
# saves a third of the check on a VM where page faults are dear; hashcost
# is linked the same way, or the bar would credit ftpsd with that saving.
if nm "$FTPSD" 2>/dev/null | grep -q __wrap_mmap; then
	"${CC:-cc}" -O2 -o "$B/hashcost" "$TOP/tests/bench/hashcost.c" \
		"$TOP/lib/account/account_prefault.o" -Wl,--wrap=mmap \
		-Wl,-Bstatic -lcrypt -Wl,-Bdynamic || die "cannot build hashcost"
else
	"${CC:-cc}" -O2 -o "$B/hashcost" "$TOP/tests/bench/hashcost.c" -lcrypt || die "cannot build hashcost"
fi
"${CC:-cc}" -O2 -o "$B/bytecost" "$TOP/tests/bench/bytecost.c" || die "cannot build bytecost"
"${CC:-cc}" -O2 -fPIE -pie -o "$B/procfloor" "$TOP/tests/bench/procfloor.c" || die "cannot build procfloor"
# shellcheck source=tests/bench/bench_lib.sh
. "$TOP/tests/bench/bench_lib.sh"
head -c "$SIZE" /dev/urandom >"$HOME_DIR/big"
# written back and read once, so that the first server to read it is not
# charged for a file still being written back
sync
cat "$HOME_DIR/big" >/dev/null
chown "$ACC:" "$HOME_DIR/big"
ln "$HOME_DIR/big" "$B/big"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# pasv_base: first port of 40 consecutive free ones
pasv_base() {
	python3 - <<'PY'
import random, socket
for _ in range(500):
    b = random.randrange(20000, 60000, 40)
    ok = True
    for p in range(b, b + 40):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        s.close()
        if not ok:
            break
    if ok:
        print(b)
        break
PY
}

# --- the peers: installed, or unpacked from their .debs ---------------------

# unpack PACKAGE: apt-get download + dpkg-deb -x into $PKG/PACKAGE
unpack() {
	[ -d "$PKG/$1/usr/sbin" ] && return 0
	[ "${BENCH_FETCH:-1}" = 1 ] || return 1
	command -v apt-get >/dev/null 2>&1 || return 1
	mkdir -p "$PKG/$1.deb" || return 1
	(cd "$PKG/$1.deb" && apt-get download "$1" >/dev/null 2>&1) || return 1
	dpkg-deb -x "$PKG/$1.deb"/"$1"_*.deb "$PKG/$1" || return 1
}

PUREFTPD=$(command -v pure-ftpd 2>/dev/null || echo /usr/sbin/pure-ftpd)
if [ ! -x "$PUREFTPD" ]; then
	PUREFTPD=$PKG/pure-ftpd/usr/sbin/pure-ftpd
	unpack pure-ftpd || SKIP[pureftpd]="pure-ftpd is not installed and apt-get download pure-ftpd failed"
fi
VSFTPD=$(command -v vsftpd 2>/dev/null || echo /usr/sbin/vsftpd)
if [ ! -x "$VSFTPD" ]; then
	VSFTPD=$PKG/vsftpd/usr/sbin/vsftpd
	unpack vsftpd || SKIP[vsftpd]="vsftpd is not installed and apt-get download vsftpd failed"
fi
PROFTPD=$(command -v proftpd 2>/dev/null || echo /usr/sbin/proftpd)
if [ ! -x "$PROFTPD" ]; then
	SKIP[proftpd]="proftpd is not installed (apt-get install proftpd-core proftpd-mod-crypto)"
elif [ ! -e /usr/lib/proftpd/mod_tls.so ] && ! "$PROFTPD" -l 2>/dev/null | grep -q mod_tls.c; then
	SKIP[proftpd]="ProFTPD has no mod_tls (apt-get install proftpd-mod-crypto)"
fi

# --- per-server configuration -------------------------------------------------

for s in $SERVERS; do
	PORT[$s]=$(free_port)
done
P_FTPSD=$(pasv_base)

# ftpsd: system accounts (no users file), chroot into the home as root.
# Every launcher is sh exec'ing the server (systemd-socket-activate passes
# only PATH, HOME, TERM and LISTEN_* to it), so each pays the same start-up.
cat >"$B/run/ftpsd" <<EOF
#!/bin/sh
FTPSD_TLS_CERT=$B/cert.pem FTPSD_TLS_KEY=$B/key.pem FTPSD_TLS_REQUIRED=on \\
	FTPSD_PASV_PORTS=$P_FTPSD-$((P_FTPSD + 39)) exec $FTPSD 2>>$B/ftpsd.log
EOF

# the other ftpsd build, configured the same way
P_BASE=$(pasv_base)
cat >"$B/run/ftpsdbase" <<EOF
#!/bin/sh
FTPSD_TLS_CERT=$B/cert.pem FTPSD_TLS_KEY=$B/key.pem FTPSD_TLS_REQUIRED=on \\
	FTPSD_PASV_PORTS=$P_BASE-$((P_BASE + 39)) exec $FTPSD_BASE 2>>$B/ftpsdbase.log
EOF

# pure-ftpd: inetd mode (no -S/-B), TLS required on control and data (-Y 3),
# everybody chrooted (-A), system accounts (-l unix), no DNS (-H).
P_PURE=$(pasv_base)
cat >"$B/run/pureftpd" <<EOF
#!/bin/sh
exec $PUREFTPD -Y 3 -2 $B/cert.pem,$B/key.pem -A -E -H -l unix -p $P_PURE:$((P_PURE + 39)) 2>>$B/pureftpd.log
EOF

# vsftpd: listen=NO is its inetd mode.
P_VS=$(pasv_base)
cat >"$B/vsftpd.conf" <<EOF
listen=NO
listen_ipv6=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=$B/empty
seccomp_sandbox=NO
ssl_enable=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=NO
ssl_ciphers=HIGH
rsa_cert_file=$B/cert.pem
rsa_private_key_file=$B/key.pem
pasv_enable=YES
pasv_min_port=$P_VS
pasv_max_port=$((P_VS + 39))
pasv_address=127.0.0.1
use_localtime=NO
xferlog_enable=NO
dirlist_enable=YES
check_shell=NO
EOF
cat >"$B/run/vsftpd" <<EOF
#!/bin/sh
exec $VSFTPD $B/vsftpd.conf 2>>$B/vsftpd.log
EOF

# ProFTPD: ServerType inetd, mod_tls loaded as a DSO, TLS required.
P_PRO=$(pasv_base)
cat >"$B/proftpd.conf" <<EOF
ServerType inetd
ServerName "bench"
DefaultServer on
UseIPv6 off
User nobody
Group nogroup
ScoreboardFile $B/proftpd.scoreboard
PidFile $B/proftpd.pid
DelayTable none
WtmpLog off
UseReverseDNS off
UseLastlog off
DefaultRoot ~
RequireValidShell off
AllowOverwrite on
PassivePorts $P_PRO $((P_PRO + 39))
TransferLog none
SystemLog $B/proftpd.log
ModulePath /usr/lib/proftpd
<IfModule mod_dso.c>
  LoadModule mod_tls.c
</IfModule>
<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired on
  TLSProtocol TLSv1.2 TLSv1.3
  TLSECCertificateFile $B/cert.pem
  TLSECCertificateKeyFile $B/key.pem
  TLSOptions NoSessionReuseRequired
  TLSVerifyClient off
</IfModule>
EOF
cat >"$B/run/proftpd" <<EOF
#!/bin/sh
exec $PROFTPD -n -c $B/proftpd.conf 2>>$B/proftpd.log
EOF
chmod 755 "$B"/run/*

# start SERVER: systemd-socket-activate, one cputime + server per connection,
# each connection's CPU line appended to $B/SERVER.times.
start() {
	_s=$1
	systemd-socket-activate -a --inetd -l "127.0.0.1:${PORT[$_s]}" \
		"$B/cputime" "$B/$_s.times" "$B/run/$_s" >>"$B/$_s.sa.log" 2>&1 &
	SA[$_s]=$!
	SA_PIDS="$SA_PIDS $!"
	_i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',${PORT[$_s]}),1).close()" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 50 ] && return 1
		sleep 0.1
	done
	# that probe connection was a session too: let it end, forget its line
	settle "$_s"
	: >"$B/$_s.times"
}

# settle SERVER: wait until no per-connection process of SERVER is left.
settle() {
	_i=0
	while [ -n "$(ps -o pid= --ppid "${SA[$1]}" 2>/dev/null)" ] && [ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

now() { date +%s.%N; }
lines() { wc -l <"$B/$1.times" 2>/dev/null || echo 0; }
# cpu_since SERVER N: user+sys seconds of the sessions after line N.
cpu_since() {
	awk -v n="$2" 'NR > n { s += $1 + $2 } END { printf "%.4f", s }' "$B/$1.times" 2>/dev/null
}
# faults_since SERVER N: page faults of the sessions after line N.
faults_since() {
	awk -v n="$2" 'NR > n { s += $5 } END { printf "%d", s }' "$B/$1.times" 2>/dev/null
}

CURL_OPTS=(-sS -k --ssl-reqd --ftp-pasv --disable-epsv)
LFTP_SET="set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ftp:use-mode-z off; set ftp:passive-mode yes; set net:max-retries 1; set net:timeout 60; set cmd:fail-exit yes; set xfer:clobber yes"
CIPHER=${BENCH_CIPHER:-aes256gcm}
case $CIPHER in # curl: OpenSSL names; lftp: GnuTLS priority string
aes256gcm) CURL_OPTS+=(--tls13-ciphers TLS_AES_256_GCM_SHA384 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384)
	LFTP_SET="$LFTP_SET; set ssl:priority NORMAL:-CIPHER-ALL:+AES-256-GCM" ;;
aes128gcm) CURL_OPTS+=(--tls13-ciphers TLS_AES_128_GCM_SHA256 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256)
	LFTP_SET="$LFTP_SET; set ssl:priority NORMAL:-CIPHER-ALL:+AES-128-GCM" ;;
chacha20) CURL_OPTS+=(--tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305)
	LFTP_SET="$LFTP_SET; set ssl:priority NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305" ;;
server) ;;
*) die "BENCH_CIPHER=$CIPHER: aes256gcm, aes128gcm, chacha20 or server" ;;
esac

# run_client SERVER LABEL command...: runs a client, waits for the server
# side to end, records wall seconds in R[wall_LABEL,SERVER] and CPU seconds
# in R[cpu_LABEL,SERVER].
run_client() {
	_s=$1 _l=$2
	shift 2
	ensure_account
	_n=$(lines "$_s")
	_t0=$(now)
	if ! timeout 3600 "$@" >"$B/client.out" 2>&1; then
		echo "bench_ftps: $_s: $_l failed:" >&2
		tail -n 5 "$B/client.out" >&2
		tail -n 5 "$B/$_s.log" >&2
		settle "$_s"
		return 1
	fi
	_t1=$(now)
	settle "$_s"
	R[wall_$_l,$_s]=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f", b - a }')
	R[cpu_$_l,$_s]=$(cpu_since "$_s" "$_n")
	R[flt_$_l,$_s]=$(faults_since "$_s" "$_n")
}

url() { echo "ftp://127.0.0.1:${PORT[$1]}/$2"; }

declare -A RUNV # RUNV[metric,server] = "value value ..." one per round

# per_gib SERVER LABEL: MiB/s and CPU s/GiB of this round.
per_gib() {
	RUNV[mbs_$2,$1]="${RUNV[mbs_$2,$1]:-} $(awk -v s="$SIZE" -v w="${R[wall_$2,$1]}" 'BEGIN { printf "%.1f", s / w / 1048576 }')"
	RUNV[cpg_$2,$1]="${RUNV[cpg_$2,$1]:-} $(awk -v c="${R[cpu_$2,$1]}" -v g="$GIB" 'BEGIN { printf "%.3f", c / g }')"
}

check_upload() { # SERVER: the upload arrived whole
	_sz=$(stat -c %s "$HOME_DIR/up" 2>/dev/null || echo 0)
	rm -f "$HOME_DIR/up"
	[ "$_sz" = "$SIZE" ] || {
		echo "bench_ftps: $1: uploaded file has $_sz bytes, not $SIZE" >&2
		return 1
	}
}

bulk() { # SERVER
	_s=$1
	run_client "$_s" dlcurl curl "${CURL_OPTS[@]}" --user "$ACC:$PASS" -o /dev/null "$(url "$_s" big)" || return 1
	per_gib "$_s" dlcurl
	rm -f "$HOME_DIR/up"
	run_client "$_s" ulcurl curl "${CURL_OPTS[@]}" --user "$ACC:$PASS" -T "$B/big" "$(url "$_s" up)" || return 1
	check_upload "$_s" || return 1
	per_gib "$_s" ulcurl
	run_client "$_s" dllftp lftp -u "$ACC,$PASS" -p "${PORT[$_s]}" \
		-e "$LFTP_SET; get big -o /dev/null; quit" 127.0.0.1 || return 1
	per_gib "$_s" dllftp
	run_client "$_s" ullftp lftp -u "$ACC,$PASS" -p "${PORT[$_s]}" \
		-e "$LFTP_SET; put $B/big -o up; quit" 127.0.0.1 || return 1
	check_upload "$_s" || return 1
	per_gib "$_s" ullftp
}

declare -A LATW LATC LATF # per server: wall and CPU seconds, page faults of every login

latency_one() { # SERVER: one curl login + LIST + QUIT
	run_client "$1" lat curl "${CURL_OPTS[@]}" --user "$ACC:$PASS" -o /dev/null "$(url "$1" "")" || return 1
	LATW[$1]="${LATW[$1]:-} ${R[wall_lat,$1]}"
	LATC[$1]="${LATC[$1]:-} ${R[cpu_lat,$1]}"
	LATF[$1]="${LATF[$1]:-} ${R[flt_lat,$1]}"
}

latency_done() { # SERVER: mean and median of its logins, in ms
	# shellcheck disable=SC2086
	R[lat,$1]=$(printf '%s\n' ${LATW[$1]} | awk '{ t += $1 } END { printf "%.1f", t / NR * 1000 }')
	# shellcheck disable=SC2086
	R[sesscpu,$1]=$(printf '%s\n' ${LATC[$1]} | awk '{ t += $1 } END { printf "%.1f", t / NR * 1000 }')
	# shellcheck disable=SC2086
	R[sesscpu_med,$1]=$(awk -v m="$(median ${LATC[$1]})" 'BEGIN { printf "%.1f", m * 1000 }')
	# shellcheck disable=SC2086
	R[sessflt,$1]=$(awk -v m="$(median ${LATF[$1]})" 'BEGIN { printf "%d", m }')
}

# descendants PID: PID's descendants (not PID itself)
descendants() {
	ps -e -o pid=,ppid= | awk -v r="$1" '{ up[$1] = $2 }
		END { for (x in up) if (x != r) for (y = up[x]; y > 1; y = up[y]) if (y == r) { print x; break } }'
}

# server_memory SERVER: into _sum, _uss and _np, the PSS and USS (KiB) of
# every server process of every connection SERVER has now, and how many:
# the trees below cputime, the server and whatever it forked.
server_memory() {
	_sum=0 _np=0 _uss=0
	for _w in $(ps -o pid= --ppid "${SA[$1]}"); do
		for _p in $(descendants "$_w"); do
			_kib=$(awk '/^Pss:/ { print $2 }' "/proc/$_p/smaps_rollup" 2>/dev/null)
			[ -n "$_kib" ] || continue
			_sum=$((_sum + _kib))
			_np=$((_np + 1))
			_u=$(awk '/^Private_(Clean|Dirty):/ { u += $2 } END { print u + 0 }' "/proc/$_p/smaps_rollup" 2>/dev/null)
			_uss=$((_uss + ${_u:-0}))
		done
	done
}

declare -A PSSV USSV # per server: KiB of every idle session measured
idle_pss() { # SERVER [list]: PSS of the server side of an idle, logged-in session
	_s=$1 _what=${2:-}
	rm -f "$B/idle.fifo" "$B/idle.out"
	mkfifo "$B/idle.fifo"
	ensure_account
	timeout 120 python3 "$TOP/tests/bench/ftps/idle.py" 127.0.0.1 "${PORT[$_s]}" "$ACC" "$PASS" $_what \
		<"$B/idle.fifo" >"$B/idle.out" 2>&1 &
	_cp=$!
	exec 7>"$B/idle.fifo"
	_i=0
	while ! grep -q ready "$B/idle.out" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	# idle: 2 s after the client's last command (ftpsd hands back what a
	# transfer used after 1 s without a command)
	sleep 2
	if grep -q ready "$B/idle.out"; then
		server_memory "$_s"
		PSSV[$_s$_what]="${PSSV[$_s$_what]:-} $_sum"
		USSV[$_s$_what]="${USSV[$_s$_what]:-} $_uss"
		R[procs,$_s]=$_np
		R[pnames,$_s]=$(for _w in $(ps -o pid= --ppid "${SA[$_s]}"); do
			for _p in $(descendants "$_w"); do cat "/proc/$_p/comm" 2>/dev/null; done
		done | sort | tr '\n' ' ' | sed 's/ $//')
	else
		echo "bench_ftps: $_s: idle session did not log in:" >&2
		tail -n 3 "$B/idle.out" >&2
	fi
	exec 7>&-
	wait "$_cp" 2>/dev/null
	settle "$_s"
}

# idle_pss_many SERVER: BENCH_IDLE_MANY (8) idle logged-in sessions at
# once (idle.py, after a listing); the PSS of all their server processes
# divided by their number, into R[manypss,SERVER]: what one more session
# costs a host that serves many, where the sessions share their code pages
# (bench.sh measures sftpd the same way).
idle_pss_many() {
	_s=$1
	_k=${BENCH_IDLE_MANY:-8}
	_cps=
	ensure_account
	for _i in $(seq "$_k"); do
		rm -f "$B/many$_i.fifo" "$B/many$_i.out"
		mkfifo "$B/many$_i.fifo"
		timeout 120 python3 "$TOP/tests/bench/ftps/idle.py" 127.0.0.1 "${PORT[$_s]}" "$ACC" "$PASS" list \
			<"$B/many$_i.fifo" >"$B/many$_i.out" 2>&1 &
		_cps="$_cps $!"
		eval "exec $((20 + _i))>\"\$B/many\$_i.fifo\""
	done
	_i=0
	while [ "$(grep -l ready "$B"/many*.out 2>/dev/null | wc -l)" -lt "$_k" ] && [ $_i -lt 400 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	sleep 2 # idle, as in idle_pss
	if [ "$(grep -l ready "$B"/many*.out 2>/dev/null | wc -l)" = "$_k" ]; then
		server_memory "$_s"
		R[manypss,$_s]=$((_sum / _k))
	else
		echo "bench_ftps: $_s: not all of $_k idle sessions logged in" >&2
	fi
	for _i in $(seq "$_k"); do eval "exec $((20 + _i))>&-"; done
	# shellcheck disable=SC2086 # the client PIDs, one word each
	wait $_cps 2>/dev/null
	settle "$_s"
}

tls_of() { # SERVER: the TLS version and cipher curl negotiated
	curl "${CURL_OPTS[@]}" -v --user "$ACC:$PASS" -o /dev/null "$(url "$1" "")" 2>&1 |
		sed -n 's/.*SSL connection using \(.*\)$/\1/p' | head -n 1 | tr -d '\r'
}

# --- the runs -------------------------------------------------------------------

echo "bench_ftps: $(nproc) CPUs, $(uname -r), $(curl -V | head -n 1 | cut -d' ' -f1-2), $(lftp --version | head -n 1 | sed 's/.*Version \([^ ]*\).*/lftp \1/')"
for s in $SERVERS; do
	[ -n "${SKIP[$s]:-}" ] && continue
	if ! start "$s"; then
		SKIP[$s]="does not accept connections (see its log)"
		continue
	fi
	# one login first: a server that cannot log in is skipped, not measured
	ensure_account
	if ! curl "${CURL_OPTS[@]}" --user "$ACC:$PASS" -o /dev/null "$(url "$s" "")" 2>"$B/probe.err"; then
		SKIP[$s]="login + LIST over TLS failed: $(head -c 200 "$B/probe.err" | tr '\n' ' ')"
		settle "$s"
		continue
	fi
	settle "$s"
	R[tls,$s]=$(tls_of "$s")
	settle "$s"
	: >"$B/$s.times"
done
for r in $(seq 1 "$RUNS"); do
	for s in $SERVERS; do
		[ -n "${SKIP[$s]:-}" ] && continue
		echo "bench_ftps: round $r/$RUNS: $s: bulk transfers"
		bulk "$s" || SKIP[$s]="a bulk transfer failed (see above)"
	done
done
for s in $SERVERS; do
	[ -n "${SKIP[$s]:-}" ] && continue
	for m in mbs_dlcurl mbs_ulcurl mbs_dllftp mbs_ullftp cpg_dlcurl cpg_ulcurl cpg_dllftp cpg_ullftp; do
		# shellcheck disable=SC2086
		R[$m,$s]=$(median ${RUNV[$m,$s]})
	done
done
# logins and idle sessions alternate between the servers, so that whatever
# else the machine does falls on all of them alike
echo "bench_ftps: $NSESS logins per server, alternating"
for i in $(seq 1 "$NSESS"); do
	for s in $SERVERS; do
		[ -n "${SKIP[$s]:-}" ] && continue
		latency_one "$s" || SKIP[$s]="a login + LIST + QUIT failed"
	done
done
for i in $(seq 1 "${BENCH_IDLE:-3}"); do
	for s in $SERVERS; do
		[ -n "${SKIP[$s]:-}" ] && continue
		idle_pss "$s"
		idle_pss "$s" list
	done
done
for s in $SERVERS; do
	[ -n "${SKIP[$s]:-}" ] && continue
	idle_pss_many "$s"
done
for s in $SERVERS; do
	[ -n "${SKIP[$s]:-}" ] && continue
	latency_done "$s"
	# shellcheck disable=SC2086
	R[pss,$s]=$(median ${PSSV[$s]:-})
	# shellcheck disable=SC2086
	R[uss,$s]=$(median ${USSV[$s]:-})
	# shellcheck disable=SC2086
	R[pss_list,$s]=$(median ${PSSV[${s}list]:-})
	# shellcheck disable=SC2086
	R[uss_list,$s]=$(median ${USSV[${s}list]:-})
done

# --- the table --------------------------------------------------------------------

name() {
	case $1 in pureftpd) echo pure-ftpd ;; proftpd) echo ProFTPD ;; ftpsdbase) echo ftpsd-base ;; *) echo "$1" ;; esac
}
short() {
	case $1 in pureftpd) echo f/pure ;; vsftpd) echo f/vs ;; proftpd) echo f/pro ;; ftpsdbase) echo f/base ;; esac
}
val() { # METRIC SERVER
	if [ -n "${SKIP[$2]:-}" ]; then echo skipped; else echo "${R[$1,$2]:--}"; fi
}
ratio() { # METRIC PEER
	awk -v a="$(val "$1" ftpsd)" -v b="$(val "$1" "$2")" \
		'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}
OTHERS=${SERVERS#ftpsd}
row() { # LABEL METRIC BETTER
	printf '%-36s' "$1"
	for s in $SERVERS; do printf ' %10s' "$(val "$2" "$s")"; done
	for s in $OTHERS; do printf ' %7s' "$(ratio "$2" "$s")"; done
	printf '  %s\n' "$3"
}
echo
printf '%-36s' "size $SIZE_TEXT"
for s in $SERVERS; do printf ' %10s' "$(name "$s")"; done
for s in $OTHERS; do printf ' %7s' "$(short "$s")"; done
printf '  better\n'
row "curl download (MiB/s)" mbs_dlcurl higher
row "curl upload (MiB/s)" mbs_ulcurl higher
row "lftp download (MiB/s)" mbs_dllftp higher
row "lftp upload (MiB/s)" mbs_ullftp higher
row "server CPU s/GiB curl download" cpg_dlcurl lower
row "server CPU s/GiB curl upload" cpg_ulcurl lower
row "server CPU s/GiB lftp download" cpg_dllftp lower
row "server CPU s/GiB lftp upload" cpg_ullftp lower
row "login+LIST+QUIT, mean of $NSESS (ms)" lat lower
row "server CPU per session, mean (ms)" sesscpu lower
row "server CPU per session, median (ms)" sesscpu_med lower
row "pages faulted in per session, median" sessflt lower
row "PSS of an idle session (KiB)" pss lower
row "USS of an idle session (KiB)" uss lower
row "PSS, idle after one listing (KiB)" pss_list lower
row "USS, idle after one listing (KiB)" uss_list lower
row "PSS per idle session, ${BENCH_IDLE_MANY:-8} at once (KiB)" manypss lower
row "server processes per idle session" procs lower
echo
for s in $SERVERS; do
	if [ -n "${SKIP[$s]:-}" ]; then
		echo "$(name "$s"): skipped: ${SKIP[$s]}"
	else
		echo "$(name "$s"): ${R[tls,$s]:-?}; idle session processes: ${R[pnames,$s]:-?}"
	fi
done
echo "All servers: per connection under systemd-socket-activate -a --inetd, explicit TLS"
echo "required, same P-256 certificate, account $ACC (password hash \$$HASH_KIND\$), chroot;"
echo "clients offer only BENCH_CIPHER=$CIPHER."
echo "CPU is user+sys of the whole per-connection server tree, session set-up included;"
echo "per-session CPU is one curl login + LIST + QUIT (the logins alternate between the"
echo "servers); pages faulted in: the connection's minor faults (getrusage), a page"
echo "filled by MADV_POPULATE counted like a fault (yescrypt's 16 MiB: 4096 of them)."
echo "Bulk figures: median of $RUNS rounds; server CPU s/GiB of every round:"
for m in cpg_dlcurl cpg_ulcurl cpg_dllftp cpg_ullftp; do
	for s in $SERVERS; do
		[ -n "${SKIP[$s]:-}" ] && continue
		printf '  %-12s %-10s %s\n' "$m" "$(name "$s")" "${RUNV[$m,$s]# }"
	done
done

# --- the bar: per-session CPU and idle PSS at or below pure-ftpd's; bulk ------
# CPU per GiB as before (against FTPSD_BASE_BIN when given)

# download_floor: what a download cannot cost less than here: the cipher
# alone (openssl speed -evp) plus reading the big file from the page cache
# and writing it into a loopback TCP connection with no protocol
# (tests/bench/bytecost.c), beside ftpsd's figure
download_floor() {
	case $CIPHER in
	aes128gcm) _evp=aes-128-gcm ;;
	chacha20) _evp=chacha20-poly1305 ;;
	*) _evp=aes-256-gcm ;;
	esac
	_c=$(openssl speed -mr -evp "$_evp" -bytes 16384 -seconds 2 2>/dev/null |
		awk -F: '$1 == "+F" && $4 > 0 { printf "%.3f", 1073741824 / $4 }')
	if [ -z "$_c" ] || ! _r=$("$B/bytecost" read "$B/big") || ! _t=$("$B/bytecost" tcp "$SIZE"); then
		echo "floor: not measured"
		return 0
	fi
	echo "floor: $_evp $_c + page-cache read $_r + loopback TCP write $_t =" \
		"$(awk -v a="$_c" -v b="$_r" -v c="$_t" 'BEGIN { printf "%.3f", a + b + c }') s/GiB" \
		"with no protocol; ftpsd curl download $(val cpg_dlcurl ftpsd)"
}

at_most() { # LABEL VALUE LIMIT: prints the bar's line; a miss sets verdict
	if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 <= b + 0) }'; then
		echo "bar: ftpsd $1 $2 <= $3: ok"
	else
		echo "bar: ftpsd $1 $2 > $3: MISSED"
		verdict=missed
	fi
}
# session_floor: what exec and one fork (ftpsd's network process) cost here
# with no work at all (tests/bench/procfloor.c): the part of the 6 ms a
# login is allowed above the hash that goes before ftpsd does anything.
session_floor() {
	_f=$(floor_medians 1) || return 0
	read -r _ms _fl <<<"$_f"
	echo "floor per session: exec + 1 fork of a program that does nothing else (PIE, libc" \
		"shared), median of $NSESS: $_ms ms, $_fl faults"
}
if [ -z "${SKIP[ftpsd]:-}" ]; then
	echo
	verdict=met
	if [ -n "${SKIP[pureftpd]:-}" ]; then
		echo "bar: pure-ftpd not measured (${SKIP[pureftpd]}): bar not checked"
		verdict=unchecked
	else
		for m in sesscpu sesscpu_med pss pss_list; do
			a=$(val "$m" ftpsd) b=$(val "$m" pureftpd)
			if awk -v a="$a" -v b="$b" 'BEGIN { exit !(a + 0 <= b + 0) }'; then
				echo "bar: $m ftpsd $a <= pure-ftpd $b: ok"
			else
				echo "bar: $m ftpsd $a > pure-ftpd $b: MISSED by $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f%%", (a / b - 1) * 100 }')"
				verdict=missed
			fi
		done
	fi
	# the password check alone, the same account's hash in a process of
	# its own: a login may cost at most 6 ms more (issue 11)
	if hash_ms=$("$B/hashcost" 20 "$PASS" "$HASH"); then
		over=$(awk -v a="$(val sesscpu_med ftpsd)" -v h="$hash_ms" 'BEGIN { printf "%.1f", a - h }')
		if awk -v o="$over" 'BEGIN { exit !(o <= 6) }'; then
			echo "bar: ftpsd per session (median) - password hash alone ($hash_ms ms) = $over ms <= 6: ok"
		else
			echo "bar: ftpsd per session (median) - password hash alone ($hash_ms ms) = $over ms > 6: MISSED"
			verdict=missed
		fi
	else
		echo "bar: the password hash could not be timed alone: not checked"
		verdict=unchecked
	fi
	session_floor
	# issue 11's absolute bars: memory per idle session, CPU per GiB of a download
	at_most "PSS per idle session, ${BENCH_IDLE_MANY:-8} at once (KiB)" "$(val manypss ftpsd)" 600
	at_most "server CPU per GiB, curl download (s)" "$(val cpg_dlcurl ftpsd)" 0.45
	download_floor
	if [ -n "$FTPSD_BASE" ] && [ -z "${SKIP[ftpsdbase]:-}" ]; then
		for m in cpg_dlcurl cpg_ulcurl cpg_dllftp cpg_ullftp mbs_dlcurl mbs_ulcurl mbs_dllftp mbs_ullftp; do
			echo "against ftpsd-base: $m $(val "$m" ftpsd) vs $(val "$m" ftpsdbase) ($(awk -v a="$(val "$m" ftpsd)" -v b="$(val "$m" ftpsdbase)" 'BEGIN { printf "%+.0f%%", (a / b - 1) * 100 }'))"
		done
	fi
	echo "bar: $verdict"
fi

# --- phases: where each server's CPU goes in one session ------------------------
# BENCH_PHASE_SESSIONS logins (default 10, login + LIST + QUIT with curl)
# per server under `perf record -g -e cpu-clock`, sorted into phases by
# tests/bench/phases.py, as bench.sh does for sftpd.  Sampling slows the
# sessions down: the split is what matters.  The sh-SERVER column is the
# launcher (sh exec'ing the server, the same for every server).  Skipped without perf or with
# BENCH_PHASES=0.
phases_ftps() {
	[ "${BENCH_PHASES:-1}" = 0 ] && return 0
	if ! command -v perf >/dev/null 2>&1 ||
		! perf record -q -e cpu-clock -o "$B/perf.probe" true >/dev/null 2>&1; then
		echo
		echo "bench_ftps: phases: perf is missing or cannot record here: skipped"
		return 0
	fi
	_n=${BENCH_PHASE_SESSIONS:-10}
	mkdir -p "$B/phases"
	for _s in $SERVERS; do
		[ -n "${SKIP[$_s]:-}" ] && continue
		{
			echo '#!/bin/sh'
			echo "exec perf record -q -g -e cpu-clock -F 20000 -o $B/phases/$_s.\$\$.data $B/phases/sh-$_s"
		} >"$B/rec_$_s"
		chmod 755 "$B/rec_$_s"
		# the launcher under a name of its own: its column is not the server's
		ln -sf "$B/run/$_s" "$B/phases/sh-$_s"
		_p=$(free_port)
		systemd-socket-activate -a --inetd -l "127.0.0.1:$_p" "$B/rec_$_s" \
			>>"$B/$_s.sa.log" 2>&1 &
		_sa=$!
		sleep 0.5
		for _i in $(seq 1 "$_n"); do
			curl "${CURL_OPTS[@]}" --user "$ACC:$PASS" -o /dev/null \
				"ftp://127.0.0.1:$_p/" >/dev/null 2>&1
		done
		sleep 1
		kill "$_sa" 2>/dev/null
		wait "$_sa" 2>/dev/null
		echo
		echo "bench_ftps: phases of a session, $(name "$_s") ($_n logins under perf, 0.05 ms per sample):"
		for _f in "$B"/phases/"$_s".*.data; do
			perf script -F comm,ip,sym,dso -i "$_f" 2>/dev/null
			echo
		done | python3 "$TOP/tests/bench/phases.py" "$_n" 0.05
	done
}
phases_ftps
