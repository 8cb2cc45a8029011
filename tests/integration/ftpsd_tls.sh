#!/bin/sh
# ftpsd_tls.sh: configuration checks (-t, -M, bad variables answered with
# 421), the TLS session-resumption report and both its paths, client
# certificates (required / mapped to a user, by name or by the users file's
# cert= item), TLS versions, and ftpsd
# against openssl s_client (FEAT before AUTH, ALPN "ftp").
. "$(dirname "$0")/ftpsd_lib.sh"
need curl || { echo "1..0 # SKIP curl missing"; exit 0; }
C="curl -sS -k --user $USER_NAME:$USER_PASS"
BASE="FTPSD_USERS_FILE=$T/users FTPSD_TLS_CERT=$T/cert.pem FTPSD_TLS_KEY=$T/key.pem"

# -t and -M
env $BASE "$FTPSD_BIN" -t > "$T/t.out" 2>&1
check "-t exits 0" env $BASE "$FTPSD_BIN" -t
"$FTPSD_BIN" -M > "$T/m.out"
check "-t prints every variable" test "$(grep -c '^FTPSD_' "$T/t.out")" -eq "$(grep -c '^.It Ev FTPSD_' "$T/m.out")"
check "-t reports whether TLS session resumption works" grep -q '^# TLS session resumption: ' "$T/t.out"
out2=$(env $BASE FTPSD_TLS_SESSION_LIFETIME=7200 "$FTPSD_BIN" -t 2>&1)
res=$(echo "$out2" | grep '^# TLS session resumption')
echo "# $res"
check "-M prints an mdoc list" sh -c "'$FTPSD_BIN' -M | grep -q '^.It Ev FTPSD_TLS_REQUIRED'"
sed -n '/BEGIN VARIABLES/,/END VARIABLES/p' "$TOP/ftpsd/ftpsd.8" | sed '1d;$d' > "$T/man.vars"
check "ftpsd.8 lists exactly the variables of the table (ftpsd/mkman.sh)" cmp "$T/man.vars" "$T/m.out"
env $BASE FTPSD_TLS_REQUIRED=bogus "$FTPSD_BIN" -t >/dev/null 2>&1
check "bad FTPSD_TLS_REQUIRED: exit 100" test $? -eq 100
env $BASE FTPSD_NO_SUCH=1 "$FTPSD_BIN" -t >/dev/null 2>&1
check "unknown FTPSD_ variable: exit 100" test $? -eq 100
env $BASE FTPSD_PASV_PORTS=10-20 "$FTPSD_BIN" -t >/dev/null 2>&1
check "bad FTPSD_PASV_PORTS: exit 100" test $? -eq 100
r=$(printf '' | env $BASE FTPSD_IDLE_TIMEOUT=forever "$FTPSD_BIN" 2>/dev/null)
check "configuration error answers 421 to the client" sh -c "echo '$r' | grep -q '^421 '"
r=$(env FTPSD_TLS_CERT=/nonexistent "$FTPSD_BIN" -t 2>&1)
check "TLS required without a certificate is a configuration error" sh -c "echo '$r' | grep -q 'FTPSD_TLS_CERT'"

printf 'some data\n' > "$HOME_DIR/d.txt"; fix_owner

# resumption: both paths (sessions off, and sessions on)
P1=$(free_port); start_server "$P1"
P2=$(free_port); start_server "$P2" FTPSD_TLS_SESSION_LIFETIME=7200
check "sessions off: protected download works" sh -c "$C --ssl-reqd ftp://127.0.0.1:$P1/d.txt | grep -q 'some data'"
check "sessions on: protected download works" sh -c "$C --ssl-reqd ftp://127.0.0.1:$P2/d.txt | grep -q 'some data'"
if echo "$res" | grep -q 'does NOT work'; then
	check "resumption not possible: the log says reuse is NOT enforced" grep -q 'reuse on data connections NOT enforced' "$T/server.log"
else
	need lftp && check "resumption possible: lftp (which resumes) transfers" sh -c \
		"lftp -c 'set ssl:verify-certificate no; set ftp:ssl-force true; set ftp:ssl-protect-data true; open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$P2; cat d.txt' | grep -q 'some data'"
fi

# TLS versions and ALPN, FEAT before AUTH with openssl s_client
check "TLS 1.2 control and data" sh -c "$C --ssl-reqd --tls-max 1.2 ftp://127.0.0.1:$P1/d.txt | grep -q 'some data'"
check "TLS 1.3 control and data" sh -c "$C --ssl-reqd --tlsv1.3 ftp://127.0.0.1:$P1/d.txt | grep -q 'some data'"
check "TLS 1.2 with only CBC suites offered is refused (AEAD-only default)" sh -c \
	"! $C --ssl-reqd --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384 ftp://127.0.0.1:$P1/d.txt"
check "TLS 1.2 with ChaCha20-Poly1305 only works" sh -c \
	"$C --ssl-reqd --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305 ftp://127.0.0.1:$P1/d.txt | grep -q 'some data'"
(sleep 1; printf 'FEAT\r\nQUIT\r\n') | timeout 10 openssl s_client -connect 127.0.0.1:$P1 -starttls ftp -alpn ftp \
	> "$T/s_client.out" 2>&1
check "openssl s_client -starttls ftp negotiates TLS 1.3" grep -q 'TLSv1.3' "$T/s_client.out"
check "ALPN ftp selected" grep -q 'ALPN protocol: ftp' "$T/s_client.out"
(sleep 1; echo R; sleep 1; printf 'NOOP\r\n'; sleep 1) | timeout 10 openssl s_client -connect 127.0.0.1:$P1 \
	-starttls ftp -tls1_2 > "$T/reneg.out" 2>&1
check "TLS 1.2 renegotiation refused" sh -c "grep -q 'RENEGOTIATING' '$T/reneg.out' && ! grep -q '^200 NOOP' '$T/reneg.out'"
P3=$(free_port); start_server "$P3" FTPSD_TLS_PROTOCOLS=tlsv1.3
check "FTPSD_TLS_PROTOCOLS=tlsv1.3 refuses TLS 1.2" sh -c "! $C --ssl-reqd --tls-max 1.2 ftp://127.0.0.1:$P3/d.txt"

# IPv6: EPSV and EPRT work, PASV says to use EPSV, foreign EPRT refused
if python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1',0))" 2>/dev/null; then
	P6=$(free_port); LISTEN_HOST='[::1]' start_server "$P6"
	check "IPv6 control, EPSV download" sh -c "$C --ssl-reqd 'ftp://[::1]:$P6/d.txt' | grep -q 'some data'"
	python3 - "$P6" > "$T/v6.out" 2>&1 <<'PY'
import ftplib, io, ssl, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=c, timeout=10); f.connect("::1", int(sys.argv[1])); f.login("alice", "secret"); f.prot_p()
for cmd in ("PASV", "EPRT |2|::2|5000|"):
    try:
        print(cmd.split()[0], f.sendcmd(cmd)[:3])
    except ftplib.all_errors as e:
        print(cmd.split()[0], str(e)[:3])
f.set_pasv(False); b = io.BytesIO(); f.retrbinary("RETR d.txt", b.write); print("EPRT", b.getvalue() == b"some data\n")
PY
	check "IPv6: PASV answered 522" grep -q '^PASV 522' "$T/v6.out"
	check "IPv6: EPRT to another address refused" grep -q '^EPRT 504' "$T/v6.out"
	check "IPv6: active EPRT download" grep -q '^EPRT True' "$T/v6.out"
else
	skip "no IPv6 loopback"; skip "no IPv6 loopback"; skip "no IPv6 loopback"; skip "no IPv6 loopback"
fi

# client certificates
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
	-days 2 -subj /CN=test-ca >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/client.key" -out "$T/client.csr" \
	-subj "/CN=$USER_NAME" >/dev/null 2>&1
openssl x509 -req -in "$T/client.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-out "$T/client.pem" >/dev/null 2>&1
chmod 644 "$T/ca.pem"
P4=$(free_port); start_server "$P4" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=cn
check "client certificate required: refused without one" sh -c "! $C --ssl-reqd ftp://127.0.0.1:$P4/d.txt"
check "client certificate: login by CN without password" sh -c \
	"curl -sS -k --cert $T/client.pem --key $T/client.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P4/d.txt | grep -q 'some data'"
check "client certificate: the log names the mapped user" grep -q "maps to user $USER_NAME" "$T/server.log"
printf 'subjectAltName=email:%s@example.org\n' "$USER_NAME" > "$T/san.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/c2.key" -out "$T/c2.csr" \
	-subj "/CN=someone-else" >/dev/null 2>&1
openssl x509 -req -in "$T/c2.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/san.ext" -out "$T/c2.pem" >/dev/null 2>&1
P5=$(free_port); start_server "$P5" FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=email FTPSD_TLS_USER_DOMAIN=example.org
P6=$(free_port); start_server "$P6" FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=email FTPSD_TLS_USER_DOMAIN=other.example
check "e-mail mapping: $USER_NAME@example.org does not log in as $USER_NAME where the domain is other.example" sh -c \
	"! curl -sS -k --cert $T/c2.pem --key $T/c2.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P6/d.txt"
err=$(env FTPSD_USERS_FILE="$T/users" FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" \
	FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_USER_FROM_CERT=email FTPSD_TLS_USER_DOMAIN=alice@example.org "$FTPSD_BIN" -t 2>&1)
case "$err" in *"FTPSD_TLS_USER_DOMAIN=alice@example.org: a mail domain"*) ok "ftpsd -t: an address as FTPSD_TLS_USER_DOMAIN is refused" ;;
*) nok "ftpsd -t: an address as FTPSD_TLS_USER_DOMAIN is refused ($err)" ;; esac
check "ftpsd -t: e-mail mapping without a domain is accepted (cert= accounts only)" env FTPSD_USERS_FILE="$T/users" \
	FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_CA_FILE="$T/ca.pem" \
	FTPSD_TLS_USER_FROM_CERT=email "$FTPSD_BIN" -t
err=$(env FTPSD_USERS_FILE="$T/users" FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" \
	FTPSD_TLS_USER_FROM_CERT=cn "$FTPSD_BIN" -t 2>&1)
case "$err" in *"needs FTPSD_TLS_VERIFY_CLIENT"*) ok "ftpsd -t: certificate mapping without verification is refused" ;;
*) nok "ftpsd -t: certificate mapping without verification is refused ($err)" ;; esac
check "client certificate: login by e-mail subjectAltName" sh -c \
	"curl -sS -k --cert $T/c2.pem --key $T/c2.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P5/d.txt | grep -q 'some data'"
check "optional client certificate: password login without one" sh -c "$C --ssl-reqd ftp://127.0.0.1:$P5/d.txt | grep -q 'some data'"
check "certificate for another user does not log in without password" sh -c \
	"! curl -sS -k --cert $T/client.pem --key $T/client.key --user bob: --ssl-reqd ftp://127.0.0.1:$P4/d.txt"
# the users file's cert= item: the whole identity names the account
client_cert() { # NAME SUBJECT [subjectAltName]: NAME.pem / NAME.key signed by the CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" \
		-subj "$2" >/dev/null 2>&1
	if [ -n "${3:-}" ]; then printf 'subjectAltName=%s\n' "$3" > "$T/$1.ext"; else : > "$T/$1.ext"; fi
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		-extfile "$T/$1.ext" -out "$T/$1.pem" >/dev/null 2>&1
}
client_cert other "/CN=someone" "email:$USER_NAME@other.example"
client_cert bobcert "/CN=bob" "email:bob@example.org"
client_cert smith "/CN=Alice Smith"
{
	echo "$USER_NAME:$HASH:$TUID:$TGID:$HOME_DIR:cert=$USER_NAME@other.example"
	echo "bob:$HASH:$TUID:$TGID:$HOME_DIR"
} > "$T/users-cert"
# sluice-keytool writes the item (and refuses a malformed one)
KT=$TOP/keytools/sluice-keytool
echo "$USER_PASS" | "$KT" useradd -f "$T/users-cert" -s -u "$TUID" -g "$TGID" -d "$HOME_DIR" \
	--policy 'cert="Alice Smith",ro' carol >/dev/null 2>&1
check "sluice-keytool useradd --policy writes cert= as the sixth field" \
	grep -q "^carol:.*:$HOME_DIR:cert=\"Alice Smith\",ro\$" "$T/users-cert"
"$KT" usermod -f "$T/users-cert" -p 'cert=" Alice Smith"' carol > "$T/kt.err" 2>&1
check "sluice-keytool usermod refuses cert= with a blank at an end" sh -c \
	"test $? -eq 100 && grep -q 'invalid policy: cert= starts or ends with a space' '$T/kt.err' && grep -q '^carol:.*cert=\"Alice Smith\",ro\$' '$T/users-cert'"
chmod 644 "$T/users-cert"
# cget CERT USER[:PASSWORD] PORT: d.txt through that login
cget() { curl -sS -k --cert "$T/$1.pem" --key "$T/$1.key" --user "$2" --ssl-reqd "ftp://127.0.0.1:$3/d.txt" 2>/dev/null; }
t_cget() { [ "$(cget "$@")" = "some data" ]; }
P8=$(free_port); start_server "$P8" FTPSD_USERS_FILE="$T/users-cert" FTPSD_TLS_VERIFY_CLIENT=optional \
	FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=email FTPSD_TLS_USER_DOMAIN=example.org
check "cert=$USER_NAME@other.example: that certificate logs in as $USER_NAME (domain example.org) without a password" \
	t_cget other "$USER_NAME:" "$P8"
check "cert=: the log says the cert= item matched" grep -q "maps to user $USER_NAME by its cert= item" "$T/server.log"
check "cert=$USER_NAME@other.example: a certificate for $USER_NAME@example.org does not log in as $USER_NAME without a password" \
	sh -c "! curl -sS -k --cert $T/c2.pem --key $T/c2.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P8/d.txt"
check "...the log says it does not match the cert= item" grep -q "does not name user $USER_NAME (its cert= item)" "$T/server.log"
check "...but with the password it logs in (password logins unchanged)" t_cget c2 "$USER_NAME:$USER_PASS" "$P8"
check "bob, without cert=: bob@example.org logs in as before (FTPSD_TLS_USER_DOMAIN)" t_cget bobcert bob: "$P8"
check "the users file without cert=: $USER_NAME@other.example does not log in as $USER_NAME (domain example.org)" sh -c \
	"! curl -sS -k --cert $T/other.pem --key $T/other.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P5/d.txt"
check "bob, without cert=: $USER_NAME@other.example does not log in as bob" sh -c \
	"! curl -sS -k --cert $T/other.pem --key $T/other.key --user bob: --ssl-reqd ftp://127.0.0.1:$P8/d.txt"
P9=$(free_port); start_server "$P9" FTPSD_USERS_FILE="$T/users-cert" FTPSD_TLS_VERIFY_CLIENT=optional \
	FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=email
check "no FTPSD_TLS_USER_DOMAIN: cert=$USER_NAME@other.example still logs in" t_cget other "$USER_NAME:" "$P9"
check "no FTPSD_TLS_USER_DOMAIN: bob@example.org logs in as no one without cert=" sh -c \
	"! curl -sS -k --cert $T/bobcert.pem --key $T/bobcert.key --user bob: --ssl-reqd ftp://127.0.0.1:$P9/d.txt"
P10=$(free_port); start_server "$P10" FTPSD_USERS_FILE="$T/users-cert" FTPSD_TLS_VERIFY_CLIENT=optional \
	FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_USER_FROM_CERT=cn
check "cn mapping: cert=\"Alice Smith\" takes the certificate with that CN" t_cget smith carol: "$P10"
check "cn mapping: CN=$USER_NAME does not log in as carol" sh -c \
	"! curl -sS -k --cert $T/client.pem --key $T/client.key --user carol: --ssl-reqd ftp://127.0.0.1:$P10/d.txt"
check "cn mapping: CN=$USER_NAME does not log in as $USER_NAME, whose cert= names an address" sh -c \
	"! curl -sS -k --cert $T/client.pem --key $T/client.key --user $USER_NAME: --ssl-reqd ftp://127.0.0.1:$P10/d.txt"
check "cn mapping: bob, without cert=, by his CN" t_cget bobcert bob: "$P10"
err=$(env FTPSD_USERS_FILE="$T/users" FTPSD_TLS_CERT="$T/cert.pem" FTPSD_TLS_KEY="$T/key.pem" \
	FTPSD_GROUP_POLICY="staff:cert=$USER_NAME@example.org" "$FTPSD_BIN" -t 2>&1); rc=$?
case "$rc $err" in "100 "*FTPSD_GROUP_POLICY*cert=*) ok "ftpsd -t: a group policy with cert= is refused" ;;
*) nok "ftpsd -t: a group policy with cert= is refused ($rc $err)" ;; esac
# a revoked client certificate is refused when a CRL is configured
mkdir -p "$T/ca"; : > "$T/ca/index.txt"; echo 1000 > "$T/ca/crlnumber"
cat > "$T/ca.cnf" <<CNF
[ca]
default_ca = ca_default
[ca_default]
dir = $T/ca
database = $T/ca/index.txt
new_certs_dir = $T/ca
certificate = $T/ca.pem
private_key = $T/ca.key
crlnumber = $T/ca/crlnumber
default_md = sha256
default_crl_days = 2
CNF
openssl ca -config "$T/ca.cnf" -revoke "$T/client.pem" >/dev/null 2>&1
openssl ca -config "$T/ca.cnf" -gencrl -out "$T/crl.pem" >/dev/null 2>&1
chmod 644 "$T/crl.pem"
P7=$(free_port); start_server "$P7" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/ca.pem" FTPSD_TLS_CRL_FILE="$T/crl.pem"
check "CRL: revoked client certificate refused" sh -c \
	"! curl -sS -k --cert $T/client.pem --key $T/client.key --user $USER_NAME:$USER_PASS --ssl-reqd ftp://127.0.0.1:$P7/d.txt"
check "CRL: valid client certificate accepted" sh -c \
	"curl -sS -k --cert $T/c2.pem --key $T/c2.key --user $USER_NAME:$USER_PASS --ssl-reqd ftp://127.0.0.1:$P7/d.txt | grep -q 'some data'"

# A client that answers AUTH TLS with something other than TLS: the log
# says why in libssl's words (a serving process loads libssl's error texts
# and skips libcrypto's, ftpsd/tls.c).
P8=$(free_port); start_server "$P8"
python3 - "$P8" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.recv(200)
s.sendall(b"AUTH TLS\r\n")
s.recv(200)
s.sendall(b"\x16\x03\x01\x00\x05not a client hello" * 3)
try:
    s.recv(200)
except OSError:
    pass
s.close()
PY
i=0
while ! grep -q 'TLS handshake' "$T/server.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "not TLS after AUTH TLS: the log says why in words (SSL routines::...)" \
	sh -c "grep 'TLS handshake' '$T/server.log' | grep -q 'SSL routines::[a-z]'"
tap_end
