#!/bin/bash
# sftpd_usersfile.sh: a users file with broken lines costs only the
# accounts on them.  A malformed line, an over-long line and a name on two
# lines: the other accounts log in with OpenSSH sftp and transfer a file,
# the broken ones are refused, and the log names the file and the line;
# sftpd -t lists every such line and fails; SFTPD_USERS_FILE= (empty)
# means system accounts and passes -t.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
for c in ssh sftp ssh-keygen timeout; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: openssh-client, coreutils)"
done

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root" "$T/local"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
mkdir -p "$T/keys/ak"
for u in bob carol alice dave; do cp "$T/keys/uk.pub" "$T/keys/ak/$u"; done
U=$T/keys/users
{
	echo "# the users of this test"
	echo "alice:*:$ACC_UID:$ACC_GID:$T/root"
	echo "bob:*:$ACC_UID:$ACC_GID:$T/root"
	echo "this line is not an account"
	printf 'dave:*:%s:%s:%s/%s\n' "$ACC_UID" "$ACC_GID" "$T/root" "$(head -c 7000 /dev/zero | tr '\0' x)"
	echo "alice:*:$ACC_UID:$ACC_GID:$T/elsewhere"
	echo "carol:*:$ACC_UID:$ACC_GID:$T/root"
} >"$U"
chmod 600 "$U"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$U"
	printf 'SFTPD_AUTHORIZED_KEYS=%q %q 2>>%q\n' "$T/keys/ak/%u" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"
SSHO=(-q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-i "$T/keys/uk" -o "ProxyCommand=$T/srv")

head -c 50000 /dev/urandom >"$T/local/f"
for u in bob carol; do
	rm -f "$T/root/f.$u"
	printf 'put %s f.%s\n' "$T/local/f" "$u" >"$T/batch"
	if timeout 30 sftp "${SSHO[@]}" -b "$T/batch" "$u@x" >"$T/out" 2>&1 && cmp -s "$T/local/f" "$T/root/f.$u"; then
		t_ok "$u logs in and uploads, despite the broken lines around"
	else
		t_notok "$u logs in and uploads, despite the broken lines around"
		t_diag_file "$T/out"
		t_diag_file "$LOG" 5
	fi
done
for u in alice dave; do
	if timeout 30 sftp "${SSHO[@]}" -b /dev/null "$u@x" >"$T/out" 2>&1; then
		t_notok "$u (on a broken or repeated line) is refused"
	else
		t_ok "$u (on a broken or repeated line) is refused"
	fi
done
grep -q "users file $U line 4: malformed, skipped" "$LOG" &&
	t_ok "the log names the malformed line 4" || t_notok "the log names the malformed line 4"
grep -q "users file $U line 5: longer than" "$LOG" &&
	t_ok "the log names the over-long line 5" || t_notok "the log names the over-long line 5"
grep -q "users file $U line 6: alice appears again; the account is refused" "$LOG" &&
	t_ok "the log names alice's second line 6" || t_notok "the log names alice's second line 6"

out=$(env -i $T_PRIVSEP_ENV SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE="$U" "$SFTPD" -t 2>&1 >/dev/null)
rc=$?
n=$(printf '%s\n' "$out" | grep -c "users file $U line [456]:")
if [ $rc != 0 ] && [ "$n" = 3 ]; then
	t_ok "sftpd -t lists the three lines and fails (exit $rc)"
else
	t_notok "sftpd -t lists the three lines and fails (exit $rc, $n lines listed)"
	t_diag "$out"
fi
FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
if [ -x "$FTPSD" ]; then
	out=$(env -i FTPSD_TLS_REQUIRED=off FTPSD_USERS_FILE="$U" "$FTPSD" -t 2>&1 >/dev/null)
	rc=$?
	n=$(printf '%s\n' "$out" | grep -c "users file $U line [456]:")
	if [ $rc != 0 ] && [ "$n" = 3 ]; then
		t_ok "ftpsd -t lists the same three lines and fails (exit $rc)"
	else
		t_notok "ftpsd -t lists the same three lines and fails (exit $rc, $n lines listed)"
		t_diag "$out"
	fi
else
	t_skip "ftpsd -t" "ftpsd/ftpsd is not built"
fi
if env -i $T_PRIVSEP_ENV SFTPD_HOST_KEYS="$T/keys/hk" SFTPD_USERS_FILE= "$SFTPD" -t >/dev/null 2>"$T/err"; then
	t_ok "SFTPD_USERS_FILE= (system accounts) passes sftpd -t"
else
	t_notok "SFTPD_USERS_FILE= (system accounts) passes sftpd -t"
	t_diag_file "$T/err"
fi

# --- FILE.cdb (sluice-keytool users-cdb) ----------------------------------------

KT=$T_TOP/keytools/sluice-keytool
if [ -x "$KT" ]; then
	out=$("$KT" users-cdb -f "$U" 2>&1)
	rc=$?
	if [ -s "$U.cdb" ] && [ $rc = 100 ] && printf '%s' "$out" | grep -q "line 4: malformed, left out" &&
		printf '%s' "$out" | grep -q "3 accounts"; then
		t_ok "users-cdb compiles, lists the left-out line and says so in its status (100)"
	else
		t_notok "users-cdb compiles, lists the left-out line and says so in its status (exit $rc)"
		t_diag "$out"
	fi
	# carol leaves the text file, which keeps an older time than the cdb:
	# a login that still works proves the cdb is what sftpd read.
	old=$(stat -c %Y "$U")
	grep -v '^carol:' "$U" >"$U.new" && cat "$U.new" >"$U" && rm -f "$U.new"
	touch -d "@$((old - 60))" "$U"
	if timeout 30 sftp "${SSHO[@]}" -b /dev/null "carol@x" >"$T/out" 2>&1; then
		t_ok "sftpd reads FILE.cdb while it is newer than FILE (carol logs in)"
	else
		t_notok "sftpd reads FILE.cdb while it is newer than FILE (carol logs in)"
		t_diag_file "$LOG" 4
	fi
	touch "$U"
	if timeout 30 sftp "${SSHO[@]}" -b /dev/null "carol@x" >"$T/out" 2>&1; then
		t_notok "a newer FILE wins over a stale FILE.cdb (carol refused)"
	else
		t_ok "a newer FILE wins over a stale FILE.cdb (carol refused)"
	fi
	# Twenty edits at once: none lost (each holds FILE.lock), and the cdb
	# that exists is rebuilt by each.
	U2=$T/keys/users2
	: >"$U2"
	"$KT" users-cdb -f "$U2" >/dev/null 2>&1
	for i in $(seq 1 20); do
		printf 'pw-%s\n' "$i" | "$KT" useradd -f "$U2" -s -u $((3000 + i)) -g 3000 -d "/srv/u$i" "u$i" \
			>/dev/null 2>&1 &
	done
	wait
	t_is "$(grep -c '^u[0-9]*:' "$U2")" 20 "twenty useradd at once: twenty lines"
	missing=
	for i in $(seq 1 20); do grep -aq "u$i:" "$U2.cdb" || missing="$missing u$i"; done
	t_is "${missing:-none}" none "the cdb rebuilt by the edits holds all twenty"
else
	t_skip "users-cdb" "keytools/sluice-keytool is not built"
fi

t_done
