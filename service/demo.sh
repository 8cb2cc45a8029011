#!/bin/sh
# demo.sh: from a fresh Debian 12 machine to a running sftpd in one command.
# Installs the missing Debian packages (as root), builds, writes a demo
# configuration under ./demo/ (host key, users file with account "demo",
# password "demo", an authorized key, a root directory with a file), starts
# sftpd on 127.0.0.1:2222 through systemd-socket-activate (or tcpserver)
# and prints the command to connect.  `sh service/demo.sh stop` stops it.
set -eu

cd "$(dirname "$0")/.."
TOP=$(pwd)
D=$TOP/demo
SFTP_PORT=2222
FTP_PORT=2121
FTPS_PORT=2990

say() { printf 'demo: %s\n' "$*"; }
die() {
	printf 'demo: fatal: %s\n' "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

stop_all() {
	for f in "$D"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			# the super-server leads its own session: stop it and its children
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || :
			say "stopped $(basename "$f" .pid) (pid $pid)"
		fi
		rm -f "$f"
	done
}

if [ "${1:-}" = stop ]; then
	stop_all
	exit 0
fi

# --- 1. packages ---------------------------------------------------------

if [ "$(id -u)" = 0 ] && have apt-get; then
	missing=
	for p in $(grep -v '^#' .ci/packages); do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		# no system-wide inetd from the package (INSTALL): tests start their own
		policy=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			install -m 755 .ci/policy-rc /usr/sbin/policy-rc.d
			policy=/usr/sbin/policy-rc.d
		fi
		apt-get update -qq
		rc=0
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
		[ -z "$policy" ] || rm -f "$policy"
		[ "$rc" = 0 ] || die "apt-get install failed"
	fi
	sh .ci/unpack.sh || say "could not unpack xinetd (make check skips its test)"
else
	say "not root (or no apt-get): not installing packages; see INSTALL"
fi

# --- 2. build ------------------------------------------------------------

say "building"
make -s -j"$(nproc 2>/dev/null || echo 2)" all >/dev/null || die "make failed (run make to see why)"
[ -x sftpd/sftpd ] || die "sftpd/sftpd was not built"
KT=keytools/sluice-keytool

# --- 3. configuration under ./demo ----------------------------------------

stop_all
mkdir -p "$D/root"
echo '*' >"$D/.gitignore" # generated, never committed

# The account's files belong to a dedicated system user, sluice-demo, when
# run as root: sftpd chroots into demo/root and becomes that user.  (uid
# 65534 "nobody" would work too, but nobody should own no files.)
if [ "$(id -u)" = 0 ]; then
	if ! id sluice-demo >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir "$D/root" \
			--shell /usr/sbin/nologin sluice-demo
		say "created system user sluice-demo (remove with: userdel sluice-demo)"
	fi
	ACC_UID=$(id -u sluice-demo)
	ACC_GID=$(id -g sluice-demo)
	# sftpd's pre-authentication process runs as sluice, chrooted in the
	# empty directory /run/sluice/empty that sftpd makes itself (INSTALL).
	if ! id sluice >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /run/sluice/empty \
			--shell /usr/sbin/nologin sluice
		say "created system user sluice (remove with: userdel sluice)"
	fi
else
	ACC_UID=$(id -u)
	ACC_GID=$(id -g)
fi

if [ ! -s "$D/ssh_host_ed25519_key" ]; then
	if [ -x "$KT" ] && "$KT" hostkey -t ed25519 -f "$D/ssh_host_ed25519_key" >/dev/null 2>&1; then
		say "host key made by sluice-keytool"
	else
		rm -f "$D/ssh_host_ed25519_key" "$D/ssh_host_ed25519_key.pub"
		ssh-keygen -q -t ed25519 -N '' -C sluice-demo-host -f "$D/ssh_host_ed25519_key"
		say "host key made by ssh-keygen"
	fi
fi
[ -s "$D/ssh_host_ed25519_key.pub" ] ||
	ssh-keygen -y -f "$D/ssh_host_ed25519_key" >"$D/ssh_host_ed25519_key.pub"
echo "[127.0.0.1]:$SFTP_PORT $(cut -d' ' -f1,2 "$D/ssh_host_ed25519_key.pub")" >"$D/known_hosts"

if [ ! -s "$D/id_ed25519" ]; then
	ssh-keygen -q -t ed25519 -N '' -C demo@sluice -f "$D/id_ed25519"
fi
cp "$D/id_ed25519.pub" "$D/authorized_keys"

rm -f "$D/users"
if [ -x "$KT" ] && echo demo | "$KT" useradd -f "$D/users" -s -u "$ACC_UID" -g "$ACC_GID" \
	-d "$D/root" demo >/dev/null 2>&1 && grep -q '^demo:' "$D/users"; then
	say "account demo (argon2id hash by sluice-keytool)"
else
	printf 'demo:%s:%s:%s:%s\n' "$(openssl passwd -6 demo)" "$ACC_UID" "$ACC_GID" "$D/root" >"$D/users"
	say "account demo (sha512-crypt hash by openssl)"
fi
chmod 600 "$D/users"

echo "Hello from sluice sftpd. This is demo/root; uploads land here too." >"$D/root/hello.txt"
if [ "$(id -u)" = 0 ]; then
	chown -R "$ACC_UID:$ACC_GID" "$D/root"
fi

# --- 4. start sftpd through a super-server ------------------------------

SFTPD_ENV="SFTPD_HOST_KEYS=$D/ssh_host_ed25519_key SFTPD_USERS_FILE=$D/users SFTPD_AUTHORIZED_KEYS=$D/authorized_keys"
# As root the servers chroot into demo/root, and _STRICT_MODES refuses a
# root below a directory that is not root's or that others may write (a
# clone in a user's home): the demo then runs without that check, and says so.
STRICT=
if [ "$(id -u)" = 0 ]; then
	p=$D
	while [ "$p" != / ]; do
		# shellcheck disable=SC2046
		set -- $(stat -L -c '%u %a' "$p")
		[ "$1" != 0 ] && STRICT=no
		if [ $((0$2 & 022)) != 0 ] && [ $((0$2 & 01000)) = 0 ]; then
			STRICT=no
		fi
		[ -L "$p" ] && STRICT=no
		p=$(dirname "$p")
	done
	if [ -n "$STRICT" ]; then
		say "$D is below a directory root does not own alone: the demo turns off the"
		say "_STRICT_MODES check of the chroot's parents (keep it on in production)"
		SFTPD_ENV="$SFTPD_ENV SFTPD_STRICT_MODES=no"
	fi
fi

port_busy() { # something listens on TCP port $1 (ss, else /proc/net/tcp)
	if have ss; then
		[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
	else
		grep -qi ":$(printf '%04X' "$1") [0-9A-F]*:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
	fi
}

# start NAME PORT ENV PROGRAM: one PROGRAM per connection on 127.0.0.1:PORT.
start() {
	name=$1 port=$2 envs=$3 prog=$4
	if port_busy "$port"; then
		say "port $port is in use: $name not started (sh service/demo.sh stop stops ours)"
		return 1
	fi
	if have systemd-socket-activate; then
		set --
		for e in $envs; do set -- "$@" -E "$e"; done
		setsid systemd-socket-activate --inetd -a -l "127.0.0.1:$port" "$@" "$TOP/$prog" \
			</dev/null >>"$D/$name.log" 2>&1 &
		how=systemd-socket-activate
	elif have tcpserver; then
		# shellcheck disable=SC2086
		setsid env $envs tcpserver -H -R -l0 127.0.0.1 "$port" "$TOP/$prog" \
			</dev/null >>"$D/$name.log" 2>&1 &
		how=tcpserver
	else
		die "neither systemd-socket-activate nor tcpserver is installed"
	fi
	echo $! >"$D/$name.pid"
	i=0
	while ! port_busy "$port"; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "$name did not start; see $D/$name.log"
		sleep 0.05
	done
	say "$name listens on 127.0.0.1:$port via $how (pid $(cat "$D/$name.pid"), log demo/$name.log)"
}

env -i $SFTPD_ENV "$TOP/sftpd/sftpd" -t >/dev/null 2>"$D/check.log" ||
	die "sftpd -t refused the demo configuration: $(cat "$D/check.log")"
start sftpd "$SFTP_PORT" "$SFTPD_ENV" sftpd/sftpd || die "cannot listen on 127.0.0.1:$SFTP_PORT"

SFTP_CMD="sftp -P $SFTP_PORT -i demo/id_ed25519 -o UserKnownHostsFile=demo/known_hosts demo@127.0.0.1"
if printf 'ls\n' | timeout 20 sftp -q -b - -P "$SFTP_PORT" -i "$D/id_ed25519" -F /dev/null \
	-o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
	-o "UserKnownHostsFile=$D/known_hosts" demo@127.0.0.1 >"$D/selftest.log" 2>&1; then
	say "self-test: sftp logged in with the demo key and listed the root"
else
	say "self-test FAILED: see demo/selftest.log and demo/sftpd.log"
fi

# --- 5. ftpsd (issue 3): only when it has been built ------------------------
# >>> ftpsd demo: explicit TLS on 127.0.0.1:2121, implicit on 127.0.0.1:2990 >>>
FTP_LINES=
if [ -x ftpsd/ftpsd ]; then
	if [ ! -s "$D/ftpsd.crt" ]; then
		keytools/sluice-keytool tls-cert -n 127.0.0.1 -n localhost -d 365 \
			-k "$D/ftpsd.key" -c "$D/ftpsd.crt" >/dev/null ||
			die "cannot make a TLS certificate with sluice-keytool tls-cert"
	fi
	FTPSD_ENV="FTPSD_USERS_FILE=$D/users FTPSD_TLS_CERT=$D/ftpsd.crt FTPSD_TLS_KEY=$D/ftpsd.key"
	[ -n "$STRICT" ] && FTPSD_ENV="$FTPSD_ENV FTPSD_STRICT_MODES=no"
	start ftpsd "$FTP_PORT" "$FTPSD_ENV" ftpsd/ftpsd || :
	start ftpsd-implicit "$FTPS_PORT" "$FTPSD_ENV FTPSD_IMPLICIT_TLS=yes" ftpsd/ftpsd || :
	FTP_LINES="
FTP with TLS (password demo):
  curl --ssl-reqd --cacert demo/ftpsd.crt -u demo:demo ftp://127.0.0.1:$FTP_PORT/hello.txt
  curl --cacert demo/ftpsd.crt -u demo:demo ftps://127.0.0.1:$FTPS_PORT/hello.txt
  lftp -u demo,demo -e 'set ftp:ssl-force true; set ssl:ca-file demo/ftpsd.crt; ls; quit' -p $FTP_PORT 127.0.0.1
"
fi
# <<< ftpsd demo <<<

# --- 6. how to use it -----------------------------------------------------

cat <<EOF

Connect (key login; the host key is pinned in demo/known_hosts):
  $SFTP_CMD

Password login instead (password: demo):
  sftp -P $SFTP_PORT -o PubkeyAuthentication=no -o UserKnownHostsFile=demo/known_hosts demo@127.0.0.1

scp works too:
  scp -P $SFTP_PORT -i demo/id_ed25519 -o UserKnownHostsFile=demo/known_hosts demo@127.0.0.1:hello.txt /tmp/
$FTP_LINES
Stop:   sh service/demo.sh stop
Logs:   demo/*.log
Tests:  make check
EOF
