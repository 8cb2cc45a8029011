#!/bin/bash
# sftpd_policy.sh: the users file's per-account policy (sixth field) with
# OpenSSH sftp (batch mode, '-' before the commands that must fail) and
# scp -O on a loopback port: for each key the allowed operations work, the
# denied ones answer "Permission denied" and leave the file system as it
# was (checked on disk): ro, wo, umask=, mode=, deny=, maxsize=, from=,
# scp=no, root=, groups=, auth= (a key alone, a key and then the password,
# with SSH_ASKPASS); a malformed policy refuses the account, and -t lists
# it; FILE.cdb keeps the field; the accounts are written by sluice-keytool
# useradd --policy / usermod -p.  Prints TAP.  T_KEEP=1 keeps the temp dir.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
KT=$T_TOP/keytools/sluice-keytool
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
[ -x "$KT" ] || t_skip_all "keytools/sluice-keytool is not built"
for c in ssh sftp scp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done
[ "$(id -u)" = 0 ] || t_skip_all "needs root (accounts with their own uid, groups=)"

t_tmpdir
T=$T_TMP
LOG=$T/sftpd.log
ACC_UID=65534 ACC_GID=65534
EXTRA_GID=4321 # groups= gives it; no account has it otherwise
mkdir -p "$T/keys/ak" "$T/local" "$T/roots"
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
U=$T/keys/users
: >"$U"
chmod 600 "$U"

# add NAME POLICY: an account with its own root $T/roots/NAME holding "keep"
add() {
	mkdir -p "$T/roots/$1/sub" "$T/roots/$1/gone"
	printf 'keep me\n' >"$T/roots/$1/keep"
	chown -R "$ACC_UID:$ACC_GID" "$T/roots/$1"
	cp "$T/keys/uk.pub" "$T/keys/ak/$1"
	printf 'pw-%s\n' "$1" | "$KT" useradd -f "$U" -s -u $ACC_UID -g $ACC_GID -d "$T/roots/$1" \
		${2:+--policy "$2"} "$1" >"$T/kt.out" 2>&1
}
add plain ""
add ro ro
add wo wo
add um 'umask=077'
add md 'mode=0604'
add dn 'deny="remove,rename,mkdir,rmdir,setstat,symlink,link"'
add mx 'maxsize=100K'
add f1 'from=127.0.0.0/8'
add f2 'from="10.0.0.0/8,192.168.0.0/16"'
add ns 'scp=no'
add rt "root=$T/roots/other"
mkdir -p "$T/roots/other" && printf 'other\n' >"$T/roots/other/o" && chown -R "$ACC_UID:$ACC_GID" "$T/roots/other"
add gr 'groups=4321'
add au 'auth=publickey'
add ac 'auth="publickey,password"'
add bad ''
printf 'only group %s\n' "$EXTRA_GID" >"$T/roots/gr/grp" && chown 0:$EXTRA_GID "$T/roots/gr/grp" && chmod 040 "$T/roots/gr/grp"
cp -p "$T/roots/gr/grp" "$T/roots/plain/grp"
# usermod -p: written as the sixth field; a bad policy is refused by keytool
"$KT" usermod -f "$U" -p 'ro,umask=027' plain && grep -q ":$T/roots/plain:ro,umask=027\$" "$U" &&
	t_ok "usermod -p writes the sixth field" || t_notok "usermod -p writes the sixth field"
"$KT" usermod -f "$U" -p '' plain && grep -q ":$T/roots/plain\$" "$U" &&
	t_ok "usermod -p '' removes it (a five-field line)" || t_notok "usermod -p '' removes it"
if "$KT" usermod -f "$U" -p 'ro,bogus' plain 2>"$T/err"; then
	t_notok "usermod refuses an unknown key"
else
	grep -q "invalid policy: an unknown key" "$T/err" && t_ok "usermod refuses an unknown key" ||
		t_notok "usermod refuses an unknown key"
fi
# a line whose policy is malformed: written by hand, as an operator might
sed -i "s|^bad:\(.*\)\$|bad:\1:ro,umask=999|" "$U"

PORT=$(t_free_port)
t_server_start "$PORT" "$LOG" env -i PATH=/usr/bin:/bin SFTPD_HOST_KEYS="$T/keys/hk" \
	SFTPD_USERS_FILE="$U" SFTPD_AUTHORIZED_KEYS="$T/keys/ak/%u" SFTPD_AUTH_FAIL_DELAY_MS=300 "$SFTPD" ||
	t_bail "cannot start sftpd on port $PORT"
SSHO=(-q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-i "$T/keys/uk" -o IdentitiesOnly=yes)

# sftp_as NAME BATCH: runs the batch (commands on separate lines), output in $T/out
sftp_as() {
	printf '%b\n' "$2" >"$T/batch"
	timeout 30 sftp "${SSHO[@]}" -P "$PORT" -b "$T/batch" "$1@127.0.0.1" >"$T/out" 2>&1
}
denied_count() { grep -c "Permission denied" "$T/out"; }
# tree NAME: a listing of the account's root (names, sizes, modes) to compare
tree() { (cd "$T/roots/$1" && find . -printf '%p %s %m\n' | sort); }

head -c 50000 /dev/urandom >"$T/local/small"
head -c 300000 /dev/urandom >"$T/local/big"

# --- baseline: no policy ------------------------------------------------------
if sftp_as plain "put $T/local/small up\nget keep $T/local/plain.keep\nrename up up2\nmkdir d\nrmdir d\nrm up2" &&
	cmp -s "$T/local/plain.keep" "$T/roots/plain/keep" && [ ! -e "$T/roots/plain/up2" ]; then
	t_ok "no policy: upload, download, rename, mkdir, rmdir, remove all work"
else
	t_notok "no policy: every operation works"
	t_diag_file "$T/out"
	t_diag_file "$LOG" 10
fi

# --- ro -------------------------------------------------------------------
before=$(tree ro)
sftp_as ro "get keep $T/local/ro.keep\nls\n-put $T/local/small up\n-rm keep\n-rename keep k2\n-mkdir d\n-rmdir sub\n-chmod 600 keep\n-ln -s keep sl"
if cmp -s "$T/local/ro.keep" "$T/roots/ro/keep" && [ "$(denied_count)" -ge 7 ] && [ "$(tree ro)" = "$before" ]; then
	t_ok "ro: downloads and listings work; put, rm, rename, mkdir, rmdir, chmod, symlink denied; nothing changed"
else
	t_notok "ro: reads work, writes are denied and change nothing ($(denied_count) denials)"
	t_diag_file "$T/out"
fi

# --- wo (drop box) --------------------------------------------------------------
before=$(tree wo)
sftp_as wo "put $T/local/small new\nmkdir newdir\n-get keep $T/local/wo.keep\n-ls\n-rm keep\n-rename keep k2\n-put $T/local/big keep\n-rmdir sub\n-chmod 600 keep\n-ln -s keep sl"
after=$(tree wo | grep -v -e '^\./new ' -e '^\./newdir ')
if cmp -s "$T/local/small" "$T/roots/wo/new" && [ -d "$T/roots/wo/newdir" ] && [ ! -e "$T/local/wo.keep" ] &&
	[ "$(denied_count)" -ge 7 ] && [ "$after" = "$before" ] && [ "$(cat "$T/roots/wo/keep")" = "keep me" ]; then
	t_ok "wo: new files and directories are made; get, ls, rm, rename, overwrite, rmdir, chmod, symlink denied; keep unchanged"
else
	t_notok "wo: only new files ($(denied_count) denials)"
	t_diag_file "$T/out"
	t_diag "$(tree wo)"
fi

# a checksum reads the file: refused for a drop box, answered for others
sum_wo=$(timeout 30 ssh "${SSHO[@]}" -p "$PORT" wo@127.0.0.1 md5sum keep 2>/dev/null)
sum_ro=$(timeout 30 ssh "${SSHO[@]}" -p "$PORT" ro@127.0.0.1 md5sum keep 2>/dev/null)
if [ -z "$sum_wo" ] && [ "${sum_ro%% *}" = "$(md5sum <"$T/roots/ro/keep" | cut -d' ' -f1)" ]; then
	t_ok "wo: the md5sum exec request is refused (ro gets the digest)"
else
	t_notok "wo: the md5sum exec request is refused (wo '$sum_wo', ro '$sum_ro')"
fi

# --- umask= and mode= ------------------------------------------------------
sftp_as um "put $T/local/small f\nmkdir d" >/dev/null
t_is "$(stat -c %a "$T/roots/um/f" 2>/dev/null) $(stat -c %a "$T/roots/um/d" 2>/dev/null)" "600 700" \
	"umask=077: a new file 600, a new directory 700"
sftp_as md "put -p $T/local/small f\nput $T/local/small g\nchmod 600 keep" >/dev/null
chmod 755 "$T/local/small"
sftp_as md "put -p $T/local/small h" >/dev/null
chmod 644 "$T/local/small"
t_is "$(stat -c %a "$T/roots/md/g" 2>/dev/null) $(stat -c %a "$T/roots/md/h" 2>/dev/null)" "604 604" \
	"mode=0604: created files get exactly 0604"

# --- deny= -----------------------------------------------------------------
before=$(tree dn)
sftp_as dn "put $T/local/small up\nget keep $T/local/dn.keep\n-rm keep\n-rename keep k2\n-mkdir d\n-rmdir sub\n-chmod 600 keep\n-ln -s keep sl\n-ln keep hl"
after=$(tree dn | grep -v '^\./up ')
if cmp -s "$T/local/small" "$T/roots/dn/up" && [ "$(denied_count)" -ge 7 ] && [ "$after" = "$before" ]; then
	t_ok "deny=remove,rename,mkdir,rmdir,setstat,symlink,link: each denied, upload and download still work"
else
	t_notok "deny=: each operation denied ($(denied_count) denials)"
	t_diag_file "$T/out"
fi

# --- maxsize= -----------------------------------------------------------------
sftp_as mx "put $T/local/small s\n-put $T/local/big b"
sz=$(stat -c %s "$T/roots/mx/b" 2>/dev/null || echo 0)
if cmp -s "$T/local/small" "$T/roots/mx/s" && [ "$sz" -le 102400 ] && grep -q "big" "$T/out" &&
	! cmp -s "$T/local/big" "$T/roots/mx/b" 2>/dev/null; then
	t_ok "maxsize=100K: 50 KB uploads, 300 KB fails and stops at $sz bytes"
else
	t_notok "maxsize=100K: 300 KB fails ($sz bytes on disk)"
	t_diag_file "$T/out"
fi
rm -f "$T/roots/mx/b"
if scp -O "${SSHO[@]}" -P "$PORT" "$T/local/big" "mx@127.0.0.1:b2" >"$T/out" 2>&1; then
	t_notok "maxsize=100K: scp -O of 300 KB fails"
else
	sz=$(stat -c %s "$T/roots/mx/b2" 2>/dev/null || echo 0)
	[ "$sz" -le 102400 ] && t_ok "maxsize=100K: scp -O of 300 KB fails ($sz bytes on disk)" ||
		t_notok "maxsize=100K: scp -O left $sz bytes"
fi

# --- from= ------------------------------------------------------------------
sftp_as f1 "put $T/local/small up" && cmp -s "$T/local/small" "$T/roots/f1/up" &&
	t_ok "from=127.0.0.0/8: a login from 127.0.0.1 works" || t_notok "from=127.0.0.0/8: a login from 127.0.0.1 works"
if sftp_as f2 "put $T/local/small up"; then
	t_notok "from=10.0.0.0/8,192.168.0.0/16: a login from 127.0.0.1 is refused"
else
	if [ ! -e "$T/roots/f2/up" ] && grep -q "account f2 refused: the client's address is not in its from= list" "$LOG"; then
		t_ok "from=10.0.0.0/8,192.168.0.0/16: a login from 127.0.0.1 is refused (and logged why)"
	else
		t_notok "from=10.0.0.0/8,...: refused, logged why"
	fi
fi
# Same answer as an unknown user or a wrong key: the client cannot tell.
timeout 30 ssh "${SSHO[@]}" -p "$PORT" -v f2@127.0.0.1 true 2>&1 | grep -i "Permission denied" | sed 's/f2@/X@/' >"$T/a1"
timeout 30 ssh "${SSHO[@]}" -p "$PORT" -v nosuch@127.0.0.1 true 2>&1 | grep -i "Permission denied" | sed 's/nosuch@/X@/' >"$T/a2"
if [ -s "$T/a1" ] && cmp -s "$T/a1" "$T/a2"; then
	t_ok "from= refusal: the client sees what an unknown user sees"
else
	t_notok "from= refusal: the client sees what an unknown user sees"
	t_diag_file "$T/a1"
	t_diag_file "$T/a2"
fi

# --- scp=no; ro and wo with scp -O ---------------------------------------------
if scp -O "${SSHO[@]}" -P "$PORT" "$T/local/small" "ns@127.0.0.1:s" >"$T/out" 2>&1 || [ -e "$T/roots/ns/s" ]; then
	t_notok "scp=no: scp -O refused"
else
	sftp_as ns "put $T/local/small s2" && [ -e "$T/roots/ns/s2" ] && t_ok "scp=no: scp -O refused, sftp works" ||
		t_notok "scp=no: sftp still works"
fi
scp -O "${SSHO[@]}" -P "$PORT" "ro@127.0.0.1:keep" "$T/local/ro.scp" >/dev/null 2>&1
if cmp -s "$T/local/ro.scp" "$T/roots/ro/keep" && ! scp -O "${SSHO[@]}" -P "$PORT" "$T/local/small" "ro@127.0.0.1:s" >/dev/null 2>&1 &&
	[ ! -e "$T/roots/ro/s" ]; then
	t_ok "ro with scp -O: download works, upload refused"
else
	t_notok "ro with scp -O: download works, upload refused"
fi
scp -O "${SSHO[@]}" -P "$PORT" "$T/local/small" "wo@127.0.0.1:viascp" >"$T/out" 2>&1
if cmp -s "$T/local/small" "$T/roots/wo/viascp" &&
	! scp -O "${SSHO[@]}" -P "$PORT" "wo@127.0.0.1:keep" "$T/local/wo.scp" >/dev/null 2>&1 && [ ! -s "$T/local/wo.scp" ] &&
	! scp -O "${SSHO[@]}" -P "$PORT" "$T/local/big" "wo@127.0.0.1:keep" >/dev/null 2>&1 &&
	[ "$(cat "$T/roots/wo/keep")" = "keep me" ]; then
	t_ok "wo with scp -O: a new file uploads; download and overwrite refused"
else
	t_notok "wo with scp -O: a new file uploads; download and overwrite refused"
	t_diag_file "$T/out"
fi

# --- root= and groups= -----------------------------------------------------------
sftp_as rt "get o $T/local/rt.o" && cmp -s "$T/local/rt.o" "$T/roots/other/o" &&
	t_ok "root=: the account is confined to the policy's root" || t_notok "root=: the policy's root"
if sftp_as gr "get grp $T/local/gr.grp" && cmp -s "$T/local/gr.grp" "$T/roots/gr/grp"; then
	sftp_as plain "-get grp $T/local/plain.grp"
	[ ! -s "$T/local/plain.grp" ] && t_ok "groups=4321: a file only that group reads is read (and not without it)" ||
		t_notok "groups=: without it the file is not read"
else
	t_notok "groups=4321: a file only that group reads is read"
	t_diag_file "$T/out"
fi

# --- auth= -------------------------------------------------------------------
# The password comes from SSH_ASKPASS: sftp_pw NAME BATCH [ssh options...]
printf '#!/bin/sh\ncat %q\n' "$T/answer" >"$T/askpass"
chmod 755 "$T/askpass"
sftp_pw() {
	_u=$1 _b=$2
	shift 2
	printf '%b\n' "$_b" >"$T/batch"
	printf 'pw-%s\n' "$_u" >"$T/answer"
	SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w timeout 30 \
		sftp -q -o BatchMode=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentitiesOnly=yes -o NumberOfPasswordPrompts=1 "$@" -P "$PORT" -b "$T/batch" \
		"$_u@127.0.0.1" </dev/null >"$T/out" 2>&1
}
PWONLY=(-o PubkeyAuthentication=no -o PreferredAuthentications=password)
KEYPW=(-i "$T/keys/uk" -o PreferredAuthentications=publickey,password)
sftp_as au "put $T/local/small up" && cmp -s "$T/local/small" "$T/roots/au/up" &&
	t_ok "auth=publickey: a key logs in" || t_notok "auth=publickey: a key logs in"
if sftp_pw au "ls" "${PWONLY[@]}"; then
	t_notok "auth=publickey: the right password alone is refused"
else
	grep -q "password for au is not next in the account's auth=" "$LOG" &&
		t_ok "auth=publickey: the right password alone is refused (logged why)" ||
		t_notok "auth=publickey: the password refusal is logged"
fi
if sftp_as ac "ls"; then t_notok "auth=publickey,password: a key alone is not enough"; else
	t_ok "auth=publickey,password: a key alone is not enough"
fi
sftp_pw ac "put $T/local/small up" "${KEYPW[@]}" && cmp -s "$T/local/small" "$T/roots/ac/up" &&
	t_ok "auth=publickey,password: a key and then the password log in" ||
	{ t_notok "auth=publickey,password: a key and then the password log in"; t_diag_file "$T/out"; }
sftp_pw plain "ls" "${PWONLY[@]}" && t_ok "an account without auth=: the password alone logs in (SFTPD_AUTH_METHODS' default)" ||
	t_notok "an account without auth=: the password alone logs in"

# --- a malformed policy ---------------------------------------------------------
if sftp_as bad "ls"; then t_notok "a malformed policy: the account is refused"; else
	grep -q "users file $U line [0-9]*: malformed: policy: umask= takes octal" "$LOG" &&
		t_ok "a malformed policy: the account is refused, the log names the line and why" ||
		t_notok "a malformed policy: the log names the line and why"
fi
out=$(env -i SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$U" "$SFTPD" -t 2>&1 >/dev/null)
rc=$?
[ $rc != 0 ] && printf '%s\n' "$out" | grep -q "malformed: policy:" && t_ok "sftpd -t lists the line with the bad policy and fails" ||
	t_notok "sftpd -t lists the bad policy line (exit $rc)"
"$KT" users-cdb -f "$U" >/dev/null 2>&1
sftp_as ro "ls" && sftp_as ro "-put $T/local/small cdbup" && [ ! -e "$T/roots/ro/cdbup" ] &&
	t_ok "FILE.cdb keeps the policy field (ro still refuses an upload)" || t_notok "FILE.cdb keeps the policy field"

t_done
