#!/bin/bash
# sftpd_rclone.sh: rclone (Debian 12's 1.60, built with pkg/sftp 1.13.5)
# against sftpd on a loopback port: `rclone copy` up and down of files of
# 0 B, 1 B, 32 KiB-1, 32 KiB+1, 300 KB and 1 MiB, compared byte for byte,
# listed with `rclone lsf`, then `rclone check` (MD5 digests, computed by
# sftpd for rclone's `md5sum` exec request) and `rclone check --download`
# (bytes) both ways; `rclone md5sum` and `sha1sum` of the uploads compared
# with coreutils' output for the local files, and a file changed on the
# server without changing its size found by `rclone check`.  This rclone frames the last WRITE of a
# file as a full 32 KiB one, with stale bytes after the data: sftpd must
# ignore them, as OpenSSH's sftp-server does.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
t_have rclone || t_skip_all "rclone is not installed (Debian: rclone; see INSTALL)"
for c in ssh-keygen timeout cmp; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils, diffutils)"
done

t_tmpdir
T=$T_TMP
ROOT=$T/root
L=$T/local
LOG=$T/sftpd.log
mkdir -p "$T/keys" "$ROOT/down" "$L/up" "$L/down" "$L/big"
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Rclone-1!' "$ACC_UID" "$ACC_GID" "$ROOT" ||
	t_bail "cannot write the users file"

SIZES="0 1 32767 32769 300000 1048576"
for s in $SIZES; do
	head -c "$s" /dev/urandom >"$L/up/f_$s"
	head -c "$s" /dev/urandom >"$ROOT/down/g_$s"
done
cp "$L/up/f_1048576" "$L/big/"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$ROOT"

t_privsep_env "$SFTPD"
PORT=$(t_free_port)
# shellcheck disable=SC2086 # T_PRIVSEP_ENV: zero or more VAR=value words
t_server_start "$PORT" "$LOG" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $T_PRIVSEP_ENV \
	SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$T/keys/users" \
	SFTPD_AUTHORIZED_KEYS="$T/keys/authorized_keys" SFTPD_LOG_LEVEL=debug "$SFTPD" ||
	t_bail "cannot start sftpd on 127.0.0.1:$PORT"

# The host key is pinned in a known_hosts file, so rclone checks the
# server for real and asks nothing; everything else is rclone's default
# (it probes for a shell, which sftpd refuses, and for hash commands, which
# sftpd answers, and records what it found in this file).
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$T/keys/hk.pub")" >"$T/known_hosts"
cat >"$T/rclone.conf" <<EOF
[sluice]
type = sftp
host = 127.0.0.1
port = $PORT
user = tester
key_file = $T/keys/uk
known_hosts_file = $T/known_hosts
EOF
# One attempt each: a failure must show, not be retried away.
RC=(timeout 120 rclone --config "$T/rclone.conf" --cache-dir "$T/cache" --retries 1
	--low-level-retries 1 --contimeout 10s --timeout 60s)

# same_files DIR_A DIR_B PREFIX: every size's file identical in both.
same_files() {
	_bad=
	for s in $SIZES; do
		cmp -s "$1/$3_$s" "$2/$3_$s" || _bad="$_bad $s"
	done
	[ -z "$_bad" ] || {
		t_diag "differ or missing:$_bad"
		return 1
	}
}

# listing DIR: "name;size" lines of a local directory, sorted.
listing() {
	(cd "$1" && for f in *; do printf '%s;%s\n' "$f" "$(stat -c %s "$f")"; done) | sort
}

# --- upload ----------------------------------------------------------------

t_run "rclone copy uploads 6 files (0 B to 1 MiB)" "${RC[@]}" copy "$L/up" sluice:up
if same_files "$L/up" "$ROOT/up" f; then
	t_ok "uploaded files identical, byte for byte"
else
	t_notok "uploaded files identical, byte for byte"
	t_diag_file "$LOG"
fi
got=$("${RC[@]}" lsf --format "ps" --separator ";" sluice:up 2>"$T/lsf.err" | sort)
t_is "$got" "$(listing "$L/up")" "rclone lsf lists the uploaded names and sizes"
t_run "rclone check up (hashes)" "${RC[@]}" check "$L/up" sluice:up
t_run "rclone check --download up (bytes)" "${RC[@]}" check --download "$L/up" sluice:up

# --- download --------------------------------------------------------------

t_run "rclone copy downloads 6 files (0 B to 1 MiB)" "${RC[@]}" copy sluice:down "$L/down"
if same_files "$ROOT/down" "$L/down" g; then
	t_ok "downloaded files identical, byte for byte"
else
	t_notok "downloaded files identical, byte for byte"
fi
t_run "rclone check down (hashes)" "${RC[@]}" check sluice:down "$L/down"
t_run "rclone check --download down (bytes)" "${RC[@]}" check --download sluice:down "$L/down"

# --- digests computed by sftpd ---------------------------------------------

grep -q '^md5sum_command = md5sum$' "$T/rclone.conf" &&
	grep -q '^sha1sum_command = sha1sum$' "$T/rclone.conf"
t_is "$?" 0 "rclone found the md5sum and sha1sum commands (its configuration records them)"
for tool in md5sum sha1sum; do
	got=$("${RC[@]}" "$tool" sluice:up 2>"$T/last.out" | sort -k2)
	want=$(cd "$L/up" && "$tool" f_* | sort -k2)
	t_is "$got" "$want" "rclone $tool of the uploads equals coreutils' $tool of the originals"
done
n=$(grep -c 'hash command for tester: md5sum ' "$LOG")
if [ "$n" -ge 6 ]; then
	t_ok "sftpd computed the MD5 of every upload ($n requests)"
else
	t_notok "sftpd computed the MD5 of every upload ($n requests)"
fi
# The same size, one byte changed on the server: only a digest sees it.
cp "$ROOT/up/f_300000" "$T/f_300000.saved"
printf 'X' | dd of="$ROOT/up/f_300000" bs=1 seek=150000 conv=notrunc status=none
if "${RC[@]}" check "$L/up" sluice:up >"$T/last.out" 2>&1; then
	t_notok "rclone check finds a file changed on the server with its size kept"
else
	grep -q 'f_300000' "$T/last.out"
	t_is "$?" 0 "rclone check finds a file changed on the server with its size kept"
fi
cp "$T/f_300000.saved" "$ROOT/up/f_300000"

# --- chunk_size 255k, as rclone's manual suggests for OpenSSH servers --------

rm -rf "$L/big2"
if "${RC[@]}" --sftp-chunk-size 255k copy "$L/big" sluice:big >"$T/last.out" 2>&1 &&
	"${RC[@]}" --sftp-chunk-size 255k copy sluice:big "$L/big2" >>"$T/last.out" 2>&1 &&
	cmp -s "$L/big/f_1048576" "$ROOT/big/f_1048576" &&
	cmp -s "$L/big/f_1048576" "$L/big2/f_1048576"; then
	t_ok "1 MiB up and down with 255 KiB chunks, identical"
else
	t_notok "1 MiB up and down with 255 KiB chunks, identical"
	t_diag_file "$T/last.out"
fi

# --- what the server saw -----------------------------------------------------

n=$(grep -c 'write request [0-9]*: [0-9]* trailing bytes ignored' "$LOG")
if [ "$n" -gt 0 ]; then
	t_ok "sftpd saw rclone's padded WRITEs and ignored their trailing bytes ($n)"
else
	t_skip "rclone's padded WRITEs" "this rclone sends no trailing bytes (not Debian 12's 1.60?)"
fi
if grep -q -e 'malformed' -e 'protocol error' "$LOG"; then
	t_notok "no request refused as malformed, no protocol error"
	t_diag "$(grep -e malformed -e 'protocol error' "$LOG" | head -5)"
else
	t_ok "no request refused as malformed, no protocol error"
fi

t_done
