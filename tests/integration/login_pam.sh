#!/bin/bash
# login_pam.sh: SFTPD_PAM_SERVICE and FTPSD_PAM_SERVICE with a real PAM
# stack (pam_unix against system accounts the test makes, pam_succeed_if
# denying one group in auth and another in account, pam_exec recording the
# session's opening and closing).  paramiko logs in to sftpd by password,
# keyboard-interactive and key; Python's ftplib logs in to ftpsd.  Root
# only: the accounts, their shadow entries and the service file in
# /etc/pam.d are made here and removed at the end.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
FTPSD=${FTPSD_BIN:-$T_TOP/ftpsd/ftpsd}
[ -x "$SFTPD" ] && [ -x "$FTPSD" ] || t_skip_all "sftpd/ftpsd are not built"
[ "$(id -u)" = 0 ] || t_skip_all "not root: the test makes system accounts and a PAM service"
for m in pam_unix pam_succeed_if pam_exec; do
	ls /lib/*/security/$m.so /usr/lib/*/security/$m.so >/dev/null 2>&1 ||
		t_skip_all "$m.so is missing (Debian: libpam-modules)"
done
for c in useradd userdel groupadd groupdel chpasswd ssh-keygen python3; do
	t_have "$c" || t_skip_all "$c is not installed (Debian: passwd, openssh-client)"
done
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || t_skip_all "python3-paramiko is not installed"

t_tmpdir
T=$T_TMP
PW='pw-Pam-7!'
P=sluicep$$
UA=${P}a UD=${P}d UN=${P}n GD=${P}gd GN=${P}gn
SERVICE=sluice-test-$$
cleanup() {
	for u in "$UA" "$UD" "$UN"; do userdel "$u" 2>/dev/null; done
	for g in "$GD" "$GN"; do groupdel "$g" 2>/dev/null; done
	rm -f "/etc/pam.d/$SERVICE" "/etc/pam.d/$SERVICE-sftpd" "/etc/pam.d/$SERVICE-ftpsd" \
		"/etc/pam.d/$SERVICE-kbd"
	if [ -e "$T/ftpusers.orig" ]; then
		cp -p "$T/ftpusers.orig" /etc/ftpusers
	elif [ -n "$FTPUSERS_MADE" ]; then
		rm -f /etc/ftpusers
	fi
	t_cleanup
}
trap cleanup EXIT
groupadd "$GD" && groupadd "$GN" || t_bail "groupadd failed"
useradd -M -d /nonexistent -s /usr/sbin/nologin "$UA" &&
	useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$GD" "$UD" &&
	useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$GN" "$UN" || t_bail "useradd failed"
for u in "$UA" "$UD" "$UN"; do printf '%s:%s\n' "$u" "$PW"; done | chpasswd ||
	t_bail "chpasswd failed"

# The stack: GD fails auth, GN fails account management; pam_exec writes
# "TYPE USER RHOST TTY" for each session event.
cat >"$T/pam-event" <<EOF
#!/bin/sh
echo "\$PAM_TYPE \$PAM_USER \$PAM_RHOST \$PAM_TTY" >>$T/sessions
EOF
chmod 755 "$T/pam-event"
cat >"/etc/pam.d/$SERVICE" <<EOF
auth     requisite pam_succeed_if.so quiet user notingroup $GD
auth     required  pam_unix.so
account  required  pam_unix.so
account  required  pam_succeed_if.so quiet user notingroup $GN
session  optional  pam_exec.so quiet $T/pam-event
session  required  pam_unix.so
EOF

mkdir -p "$T/keys" "$T/root"
chmod 755 "$T/root"
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
for u in "$UA" "$UN"; do
	ssh-keygen -q -t ed25519 -N '' -f "$T/keys/$u" && cp "$T/keys/$u.pub" "$T/keys/$u.auth" ||
		t_bail "ssh-keygen failed"
done
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE= ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk"
	printf 'SFTPD_ROOT=%q SFTPD_AUTH_FAIL_DELAY_MS=0 SFTPD_STRICT_MODES=no ' "$T/root"
	printf 'SFTPD_AUTHORIZED_KEYS=%q SFTPD_PAM_SERVICE=%q "$@" %q 2>>%q\n' \
		"$T/keys/%u.auth" "$SERVICE" "$SFTPD" "$T/sftpd.log"
} >"$T/srv"
chmod 755 "$T/srv"

cat >"$T/login.py" <<'PY'
import sys, time, paramiko
srv, how, user, secret = sys.argv[1:5]
hold = float(sys.argv[5]) if len(sys.argv) > 5 else 0
srv = " ".join([srv] + sys.argv[6:])
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.start_client(timeout=20)
try:
    if how == "password":
        t.auth_password(user, secret)
    elif how == "kbdint":
        t.auth_interactive(user, lambda title, inst, prompts: [secret for _ in prompts])
    else:
        t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(secret))
    sf = paramiko.SFTPClient.from_transport(t)
    sf.listdir(".")
    print("in", flush=True)
    time.sleep(hold)
except paramiko.AuthenticationException:
    print("refused")
t.close()
PY
# login HOW USER SECRET [HOLD]: "in" or "refused"
login() {
	timeout 60 "$PY" "$T/login.py" "$T/srv" "$@" 2>&1 | tail -n 1
}
# events USER: the session events pam_exec recorded for USER, one line
events() {
	grep " $1 " "$T/sessions" 2>/dev/null | tr '\n' ';'
}

t_is "$(login password "$UA" "$PW")" in "sftpd: password through PAM (pam_unix): in"
t_is "$(login password "$UA" wrong)" refused "sftpd: a wrong password through PAM: refused"
t_is "$(login kbdint "$UA" "$PW")" in "sftpd: keyboard-interactive through PAM: in"
t_is "$(login password "$UD" "$PW")" refused \
	"sftpd: the right password of an account the stack's auth refuses (pam_succeed_if): refused"
t_is "$(login password "$UN" "$PW")" refused \
	"sftpd: the right password of an account PAM's account management refuses: refused"
t_is "$(login key "$UN" "$T/keys/$UN")" refused \
	"sftpd: a key login runs PAM's account management too: refused"
grep -q "PAM account management refused" "$T/sftpd.log"
t_is "$?" 0 "sftpd: the log says PAM's account management refused"
: >"$T/sessions"
t_is "$(login key "$UA" "$T/keys/$UA")" in "sftpd: a key login with PAM: in"
sleep 0.5
# (through a ProxyCommand there is no client address: no PAM_RHOST)
t_is "$(events "$UA")" "open_session $UA  ssh;close_session $UA  ssh;" \
	"sftpd: PAM opened the session (tty ssh) and closed it after the client left"

# While the client is connected the session is open and not yet closed.
: >"$T/sessions"
timeout 60 "$PY" "$T/login.py" "$T/srv" password "$UA" "$PW" 3 >"$T/held" 2>&1 &
held=$!
for _i in $(seq 50); do grep -q in "$T/held" && break; sleep 0.1; done
t_is "$(events "$UA")" "open_session $UA  ssh;" \
	"sftpd: during the session PAM's session is open, not yet closed"
keeper=$(pgrep -x sftpd-pam | head -n 1)
t_is "$([ -n "$keeper" ] && find "/proc/$keeper/fd" -lname 'socket:*' | wc -l)" 0 \
	"sftpd: the process that closes the PAM session holds no socket"
wait $held
for _i in $(seq 50); do grep -q close_session "$T/sessions" && break; sleep 0.1; done
t_is "$(events "$UA")" "open_session $UA  ssh;close_session $UA  ssh;" \
	"sftpd: the session is closed when the client leaves"

# The files service/pam.d ships for Debian, as installed
cp "$T_TOP/service/pam.d/sluice-sftpd" "/etc/pam.d/$SERVICE-sftpd"
cp "$T_TOP/service/pam.d/sluice-ftpsd" "/etc/pam.d/$SERVICE-ftpsd"
t_is "$(login password "$UA" "$PW" 0 SFTPD_PAM_SERVICE="$SERVICE-sftpd")" in \
	"sftpd: service/pam.d/sluice-sftpd (Debian's common-auth and friends): password in"
t_is "$(login password "$UA" wrong 0 SFTPD_PAM_SERVICE="$SERVICE-sftpd")" refused \
	"sftpd: service/pam.d/sluice-sftpd: a wrong password refused"

# keyboard-interactive relays PAM's conversation: a stack whose second
# module (tests/pam/pam_sluice_test.c) asks, after pam_unix's password, a
# message and two more questions, one echoed.
if t_have cc && cc -shared -fPIC -o "$T/pam_sluice_test.so" "$T_TOP/tests/pam/pam_sluice_test.c" -lpam \
	2>"$T/cc.err"; then
	cat >"/etc/pam.d/$SERVICE-kbd" <<EOF
auth     requisite pam_unix.so
auth     required  $T/pam_sluice_test.so
account  required  pam_unix.so
session  required  pam_unix.so
EOF
	cat >"$T/kbd.py" <<'PY'
import json, sys, paramiko
srv, user, answers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
seen = []
def handler(title, instructions, prompts):
    seen.append([instructions, [[p, bool(e)] for p, e in prompts]])
    return [answers.get(p, "") for p, _ in prompts]
t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.start_client(timeout=20)
try:
    t.auth_interactive(user, handler)
    paramiko.SFTPClient.from_transport(t).listdir(".")
    print(json.dumps(seen), "in")
except paramiko.AuthenticationException:
    print(json.dumps(seen), "refused")
t.close()
PY
	kbd() { # USER ANSWERS-JSON: the queries seen, then in or refused
		timeout 60 "$PY" "$T/kbd.py" "$T/srv SFTPD_PAM_SERVICE=$SERVICE-kbd" "$1" "$2" 2>&1 |
			tail -n 1
	}
	good='{"Password: ": "'$PW'", "Code: ": "4242", "PIN: ": "77"}'
	want='[["", [["Password: ", false]]], ["sluice test: two more questions", [["Code: ", true], ["PIN: ", false]]]]'
	t_is "$(kbd "$UA" "$good")" "$want in" \
		"sftpd: keyboard-interactive relays PAM's questions (message, echo flags) and gets in"
	t_is "$(kbd "$UA" '{"Password: ": "'$PW'", "Code: ": "4242", "PIN: ": "78"}')" "$want refused" \
		"sftpd: a wrong answer to PAM's last question: refused"
	t_is "$(kbd "$UA" '{"Password: ": "wrong"}')" '[["", [["Password: ", false]]]] refused' \
		"sftpd: a wrong password: refused before the other questions"
	t_is "$(kbd "${P}nobody" "$good")" '[["", [["Password: ", false]]]] refused' \
		"sftpd: an unknown name is asked what pam_unix asks and refused"
	t_is "$(login password "$UA" "$PW" 0 SFTPD_PAM_SERVICE="$SERVICE-kbd")" refused \
		"sftpd: the password method cannot answer that stack's other questions: refused"
	grep -q "accepted keyboard-interactive for $UA (PAM)" "$T/sftpd.log"
	t_is "$?" 0 "sftpd: the log says the login went through PAM's conversation"
else
	t_diag_file "$T/cc.err"
	for _ in 1 2 3 4 5 6; do t_skip "keyboard-interactive relay" "no C compiler for the test's PAM module"; done
fi

rc=$(SFTPD_PAM_SERVICE=sluice-no-such-service SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t \
	>/dev/null 2>"$T/err"; echo $?)
grep -q 'SFTPD_PAM_SERVICE=sluice-no-such-service: no PAM service' "$T/err" && [ "$rc" != 0 ]
t_is "$?" 0 "sftpd -t: a PAM service without a file is an error naming the variable"
rc=$(SFTPD_PAM_SERVICE=../x SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t >/dev/null 2>"$T/err"; echo $?)
grep -q 'SFTPD_PAM_SERVICE' "$T/err" && [ "$rc" = 100 ]
t_is "$?" 0 "sftpd: a PAM service name with a / is refused at start"
echo "x:!:1000:1000:/x" >"$T/users"
rc=$(SFTPD_PAM_SERVICE="$SERVICE" SFTPD_USERS_FILE="$T/users" SFTPD_HOST_KEYS="$T/keys/hk" \
	"$SFTPD" -t >/dev/null 2>"$T/err"; echo $?)
grep -q 'SFTPD_USERS_FILE must be empty' "$T/err" && [ "$rc" = 100 ]
t_is "$?" 0 "sftpd: PAM with a users file is refused at start"
rc=$(SFTPD_PAM_SERVICE="$SERVICE" SFTPD_HOST_KEYS="$T/keys/hk" "$SFTPD" -t >/dev/null 2>"$T/err"
	echo $?)
t_is "$rc" 0 "sftpd -t: the test's PAM service passes"

# ftpsd, plain FTP on loopback (PAM, not TLS, is under test)
t_ftpsd_plain PORT "$T/ftpsd.log" FTPSD_ROOT="$T/root" FTPSD_PAM_SERVICE="$SERVICE"
ftp_login() { t_ftp_login "$PY" "$PORT" "$1" "$2"; }
: >"$T/sessions"
t_is "$(ftp_login "$UA" "$PW")" in "ftpsd: password through PAM: in"
# /etc/ftpusers names UN (restored at the end)
[ -e /etc/ftpusers ] && cp -p /etc/ftpusers "$T/ftpusers.orig" || FTPUSERS_MADE=1
echo "$UN" >>/etc/ftpusers
t_ftpsd_plain DPORT "$T/ftpsd.log" FTPSD_ROOT="$T/root" FTPSD_PAM_SERVICE="$SERVICE-ftpsd"
t_is "$(PORT=$DPORT ftp_login "$UA" "$PW")" in "ftpsd: service/pam.d/sluice-ftpsd: password in"
t_is "$(PORT=$DPORT ftp_login "$UN" "$PW")" refused \
	"ftpsd: service/pam.d/sluice-ftpsd: a name in /etc/ftpusers is refused"
for _i in $(seq 50); do grep -q close_session "$T/sessions" && break; sleep 0.1; done
t_is "$(events "$UA")" "open_session $UA 127.0.0.1 ftp;close_session $UA 127.0.0.1 ftp;" \
	"ftpsd: PAM opened the session (tty ftp) and closed it after QUIT"
t_is "$(ftp_login "$UA" wrong)" refused "ftpsd: a wrong password through PAM: refused"
t_is "$(ftp_login "$UD" "$PW")" refused "ftpsd: the stack's auth refuses $GD: refused"
t_is "$(ftp_login "$UN" "$PW")" refused "ftpsd: PAM's account management refuses $GN: refused"
t_is "$(events "$UD")$(events "$UN")" "" "ftpsd: no session for refused accounts"
rc=$(FTPSD_PAM_SERVICE=sluice-no-such-service FTPSD_TLS_REQUIRED=off "$FTPSD" -t >/dev/null 2>"$T/err"; echo $?)
grep -q 'FTPSD_PAM_SERVICE=sluice-no-such-service: no PAM service' "$T/err" && [ "$rc" != 0 ]
t_is "$?" 0 "ftpsd -t: a PAM service without a file is an error naming the variable"
t_done
