#!/bin/sh
# ftpsd_tls_settings.sh: the mod_tls-style settings, with real clients:
# FTPSD_TLS_VERIFY_DEPTH (a client chain one CA longer than the depth is
# refused, one within it logs in), FTPSD_TLS_CRL_DIR (a hashed directory
# made by openssl rehash: a revoked client certificate is refused, a good
# one transfers; with FTPSD_TLS_CRL_FILE both are read), FTPSD_PASV_ADDRESS
# and FTPSD_TLS_PASV_ADDRESS given as a host name (the 227 reply carries the
# resolved address, the log says what it resolved to), encrypted private
# keys refused at start, and malformed values refused naming the variable.
. "$(dirname "$0")/ftpsd_lib.sh"
need curl || { echo "1..0 # SKIP curl missing"; exit 0; }
C="curl -sS -k --ssl-reqd"
BASE="FTPSD_USERS_FILE=$T/users FTPSD_TLS_CERT=$T/cert.pem FTPSD_TLS_KEY=$T/key.pem"

head -c 300000 /dev/urandom > "$HOME_DIR/blob.bin"
fix_owner

# t_refused "description" "text the message must hold" VAR=value...:
# ftpsd -t exits 100 and its message names the variable and the text.
t_refused() {
	d=$1; want=$2; shift 2
	env $BASE "$@" "$FTPSD_BIN" -t > "$T/refused.out" 2>&1
	rc=$?
	var=${1%%=*}
	if [ $rc -eq 100 ] && grep -q "fatal: $var=" "$T/refused.out" && grep -qF -- "$want" "$T/refused.out"; then
		ok "$d"
	else
		nok "$d (exit $rc)"; sed 's/^/# /' "$T/refused.out" | grep -v '^# FTPSD_' | head -n 5
	fi
}

# --- malformed values: refused at start, the variable named -------------
t_refused "FTPSD_TLS_VERIFY_DEPTH=deep refused" "integer" FTPSD_TLS_VERIFY_DEPTH=deep
t_refused "FTPSD_TLS_VERIFY_DEPTH=101 refused" "integer" FTPSD_TLS_VERIFY_DEPTH=101
t_refused "FTPSD_TLS_VERIFY_DEPTH=-1 refused" "integer" FTPSD_TLS_VERIFY_DEPTH=-1
t_refused "FTPSD_PASV_ADDRESS=1.2.3 refused (no inet_aton shorthand)" "IPv4 address or a host name" FTPSD_PASV_ADDRESS=1.2.3
t_refused "FTPSD_PASV_ADDRESS=300.1.1.1 refused" "IPv4 address or a host name" FTPSD_PASV_ADDRESS=300.1.1.1
t_refused "FTPSD_PASV_ADDRESS=-bad.example refused" "IPv4 address or a host name" FTPSD_PASV_ADDRESS=-bad.example
t_refused "FTPSD_PASV_ADDRESS=host:21 refused" "IPv4 address or a host name" FTPSD_PASV_ADDRESS=host:21
t_refused "FTPSD_PASV_ADDRESS=::1 refused" "IPv4 address or a host name" FTPSD_PASV_ADDRESS=::1
t_refused "FTPSD_TLS_PASV_ADDRESS=a..b refused" "IPv4 address or a host name" FTPSD_TLS_PASV_ADDRESS=a..b
t_refused "unresolvable FTPSD_PASV_ADDRESS refused at start" "does not resolve" FTPSD_PASV_ADDRESS=no-such-host.invalid
t_refused "unresolvable FTPSD_TLS_PASV_ADDRESS refused at start" "does not resolve" FTPSD_TLS_PASV_ADDRESS=no-such-host.invalid
r=$(printf '' | env $BASE FTPSD_PASV_ADDRESS=no-such-host.invalid "$FTPSD_BIN" 2>/dev/null)
check "unresolvable FTPSD_PASV_ADDRESS: a client is answered 421" sh -c "echo '$r' | grep -q '^421 '"

# --- encrypted private keys ----------------------------------------------
openssl pkey -in "$T/key.pem" -aes256 -passout pass:secret -out "$T/key.p8enc" 2>/dev/null
openssl ec -in "$T/key.pem" -aes256 -passout pass:secret -out "$T/key.ecenc" 2>/dev/null
openssl genrsa -aes128 -traditional -passout pass:secret -out "$T/key.rsaenc" 2048 2>/dev/null
check "made a PKCS#8 encrypted key" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$T/key.p8enc"
check "made a legacy encrypted EC key" grep -q 'Proc-Type: 4,ENCRYPTED' "$T/key.ecenc"
check "made a legacy encrypted RSA key" grep -q 'Proc-Type: 4,ENCRYPTED' "$T/key.rsaenc"
t_refused "PKCS#8 encrypted key refused, saying so" "private key is encrypted" FTPSD_TLS_KEY="$T/key.p8enc"
t_refused "legacy Proc-Type encrypted EC key refused, saying so" "private key is encrypted" FTPSD_TLS_KEY="$T/key.ecenc"
t_refused "legacy Proc-Type encrypted RSA key refused, saying so" "private key is encrypted" FTPSD_TLS_KEY="$T/key.rsaenc"
t_refused "encrypted key refused even when TLS is optional" "private key is encrypted" FTPSD_TLS_KEY="$T/key.p8enc" FTPSD_TLS_REQUIRED=off
r=$(printf '' | env $BASE FTPSD_TLS_KEY="$T/key.p8enc" "$FTPSD_BIN" 2>"$T/enc.err")
check "encrypted key: a client is answered 421" sh -c "echo '$r' | grep -q '^421 '"
check "encrypted key: the log says the key is encrypted" grep -q 'FTPSD_TLS_KEY=.*private key is encrypted' "$T/enc.err"
check "the unencrypted key still starts" env $BASE "$FTPSD_BIN" -t

# --- a CA hierarchy: root -> int1 -> int2 -> leaf ----------------------------
mkca() { # mkca NAME SUBJECT [ISSUER]: EC P-256 CA certificate NAME.pem, key NAME.key
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
		-out "$T/$1.csr" -subj "$2" >/dev/null 2>&1
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' > "$T/ca.ext"
	if [ -z "$3" ]; then
		openssl x509 -req -in "$T/$1.csr" -signkey "$T/$1.key" -days 2 -extfile "$T/ca.ext" \
			-out "$T/$1.pem" >/dev/null 2>&1
	else
		openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial \
			-days 2 -extfile "$T/ca.ext" -out "$T/$1.pem" >/dev/null 2>&1
	fi
}
mkleaf() { # mkleaf NAME CN ISSUER: client certificate NAME.pem, key NAME.key
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
		-out "$T/$1.csr" -subj "/CN=$2" >/dev/null 2>&1
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$T/leaf.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial -days 2 \
		-extfile "$T/leaf.ext" -out "$T/$1.pem" >/dev/null 2>&1
}
mkca root /CN=depth-root
mkca int1 /CN=depth-int1 root
mkca int2 /CN=depth-int2 int1
mkleaf deep "$USER_NAME" int2
cat "$T/deep.pem" "$T/int2.pem" "$T/int1.pem" > "$T/deep-chain.pem"
chmod 644 "$T"/*.pem
check "the test chain verifies with openssl (2 intermediates)" \
	openssl verify -CAfile "$T/root.pem" -untrusted "$T/int1.pem" -untrusted "$T/int2.pem" "$T/deep.pem"

# deep_get PORT: download blob.bin with the deep chain and a password
deep_get() {
	rm -f "$T/got.bin"
	curl -sS -k --ssl-reqd --cert "$T/deep-chain.pem" --key "$T/deep.key" --user "$USER_NAME:$USER_PASS" \
		"ftp://127.0.0.1:$1/blob.bin" -o "$T/got.bin" 2>/dev/null && cmp -s "$T/got.bin" "$HOME_DIR/blob.bin"
}
VERIFY="FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE=$T/root.pem"
D1=$(free_port); start_server "$D1" $VERIFY FTPSD_TLS_VERIFY_DEPTH=1
D2=$(free_port); start_server "$D2" $VERIFY FTPSD_TLS_VERIFY_DEPTH=2
D9=$(free_port); start_server "$D9" $VERIFY
before=$(wc -l < "$T/server.log")
if deep_get "$D1"; then nok "FTPSD_TLS_VERIFY_DEPTH=1: a chain with 2 intermediate CAs is refused"
else ok "FTPSD_TLS_VERIFY_DEPTH=1: a chain with 2 intermediate CAs is refused"; fi
# the server may write its line just after curl has given up: wait for it
i=0
while ! tail -n +$((before + 1)) "$T/server.log" | grep -q 'chain too long' && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the log says the chain is too long" sh -c "tail -n +$((before + 1)) '$T/server.log' | grep -q 'chain too long'"
if deep_get "$D2"; then ok "FTPSD_TLS_VERIFY_DEPTH=2: the same chain logs in and downloads (bytes compared)"
else nok "FTPSD_TLS_VERIFY_DEPTH=2: the same chain logs in and downloads (bytes compared)"; fi
if deep_get "$D9"; then ok "default depth 9: the same chain works"
else nok "default depth 9: the same chain works"; fi
mkleaf shallow "$USER_NAME" int1
cat "$T/shallow.pem" "$T/int1.pem" > "$T/shallow-chain.pem"
check "FTPSD_TLS_VERIFY_DEPTH=1: a chain with 1 intermediate CA works" sh -c \
	"curl -sS -k --ssl-reqd --cert '$T/shallow-chain.pem' --key '$T/shallow.key' --user '$USER_NAME:$USER_PASS' ftp://127.0.0.1:$D1/blob.bin | cmp -s - '$HOME_DIR/blob.bin'"

# --- CRL directory -----------------------------------------------------------
# ca_db NAME: an `openssl ca` database for CA NAME, to revoke and make CRLs
ca_db() {
	mkdir -p "$T/db-$1"; : > "$T/db-$1/index.txt"; echo 1000 > "$T/db-$1/crlnumber"
	cat > "$T/$1.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $T/db-$1/index.txt
crlnumber = $T/db-$1/crlnumber
certificate = $T/$1.pem
private_key = $T/$1.key
default_md = sha256
default_crl_days = 2
CNF
}
mkca crlca /CN=crl-ca
mkleaf good "$USER_NAME" crlca
mkleaf revoked "$USER_NAME" crlca
ca_db crlca
openssl ca -config "$T/crlca.cnf" -revoke "$T/revoked.pem" >/dev/null 2>&1
mkdir -p "$T/crldir"
openssl ca -config "$T/crlca.cnf" -gencrl -out "$T/crldir/crl-ca.pem" >/dev/null 2>&1
openssl rehash "$T/crldir" >/dev/null 2>&1 || c_rehash "$T/crldir" >/dev/null 2>&1
chmod -R a+rX "$T/crldir"; chmod 644 "$T"/*.pem
check "openssl rehash made a hashed CRL name (HASH.r0)" sh -c "ls '$T/crldir' | grep -Eq '^[0-9a-f]{8}\.r0$'"
cert_get() { # cert_get PORT CERT: download with a client certificate, bytes compared
	rm -f "$T/got.bin"
	curl -sS -k --ssl-reqd --cert "$T/$2.pem" --key "$T/$2.key" --user "$USER_NAME:$USER_PASS" \
		"ftp://127.0.0.1:$1/blob.bin" -o "$T/got.bin" 2>/dev/null && cmp -s "$T/got.bin" "$HOME_DIR/blob.bin"
}
NOCRL=$(free_port); start_server "$NOCRL" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem"
if cert_get "$NOCRL" revoked; then ok "without a CRL the revoked certificate is still accepted (control)"
else nok "without a CRL the revoked certificate is still accepted (control)"; fi
CD=$(free_port); start_server "$CD" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem" FTPSD_TLS_CRL_DIR="$T/crldir"
before=$(wc -l < "$T/server.log")
if cert_get "$CD" revoked; then nok "FTPSD_TLS_CRL_DIR: the revoked certificate is refused"
else ok "FTPSD_TLS_CRL_DIR: the revoked certificate is refused"; fi
check "the log says certificate revoked" sh -c "tail -n +$((before + 1)) '$T/server.log' | grep -q 'certificate revoked'"
if cert_get "$CD" good; then ok "FTPSD_TLS_CRL_DIR: a good certificate downloads (bytes compared)"
else nok "FTPSD_TLS_CRL_DIR: a good certificate downloads (bytes compared)"; fi
check "FTPSD_TLS_CRL_DIR: a good certificate uploads (bytes compared)" sh -c \
	"curl -sS -k --ssl-reqd --cert '$T/good.pem' --key '$T/good.key' --user '$USER_NAME:$USER_PASS' -T '$HOME_DIR/blob.bin' ftp://127.0.0.1:$CD/up.bin && cmp -s '$HOME_DIR/up.bin' '$HOME_DIR/blob.bin'"
if need lftp; then
	lftp_cert() { # lftp_cert PORT CERT: lftp lists and gets blob.bin with a client certificate
		rm -f "$T/lftp.bin"
		timeout 30 lftp -c "set ssl:verify-certificate no; set ftp:ssl-force true; set ftp:ssl-protect-data true;
			set ssl:cert-file $T/$2.pem; set ssl:key-file $T/$2.key; set net:max-retries 1;
			open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$1; get blob.bin -o $T/lftp.bin" >/dev/null 2>&1 &&
			cmp -s "$T/lftp.bin" "$HOME_DIR/blob.bin"
	}
	if lftp_cert "$CD" good; then ok "FTPSD_TLS_CRL_DIR: lftp with a good certificate downloads"
	else nok "FTPSD_TLS_CRL_DIR: lftp with a good certificate downloads"; fi
	if lftp_cert "$CD" revoked; then nok "FTPSD_TLS_CRL_DIR: lftp with the revoked certificate is refused"
	else ok "FTPSD_TLS_CRL_DIR: lftp with the revoked certificate is refused"; fi
else
	skip "lftp missing"; skip "lftp missing"
fi

# Reading the CRLs at start is the process's first use of OpenSSL: ftpsd's
# OpenSSL settings must be loaded before it, or OpenSSL sends TLS 1.3
# tickets that curl leaves unread on upload data connections (RST, the
# tail of the upload lost).  The control server, without those settings,
# shows that s_client does see tickets when there are some.
tickets() { # tickets PORT: NewSessionTicket messages s_client sees on the control connection
	(sleep 1; printf 'NOOP\r\n'; sleep 1; printf 'QUIT\r\n'; sleep 1) |
		timeout 10 openssl s_client -connect "127.0.0.1:$1" -starttls ftp -tls1_3 -msg 2>&1 |
		grep -c NewSessionTicket
}
TK=$(free_port); start_server "$TK" FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_CA_FILE="$T/crlca.pem" FTPSD_TLS_CRL_DIR="$T/crldir"
TC=$(free_port); start_server "$TC" FTPSD_TLS_VERIFY_CLIENT=optional FTPSD_TLS_CA_FILE="$T/crlca.pem" FTPSD_TLS_CRL_DIR="$T/crldir" OPENSSL_CONF=/dev/null
n_tc=$(tickets "$TC"); n_tk=$(tickets "$TK")
check "control: without ftpsd's OpenSSL settings s_client sees TLS 1.3 tickets ($n_tc)" test "$n_tc" -gt 0
check "FTPSD_TLS_CRL_DIR: ftpsd's OpenSSL settings still apply (no TLS 1.3 tickets: $n_tk)" test "$n_tk" -eq 0
i=0; up_ok=0
while [ $i -lt 5 ]; do
	i=$((i + 1)); rm -f "$HOME_DIR/up$i.bin"
	curl -sS -k --ssl-reqd --cert "$T/good.pem" --key "$T/good.key" --user "$USER_NAME:$USER_PASS" \
		-T "$HOME_DIR/blob.bin" "ftp://127.0.0.1:$CD/up$i.bin" 2>/dev/null &&
		cmp -s "$HOME_DIR/up$i.bin" "$HOME_DIR/blob.bin" && up_ok=$((up_ok + 1))
done
check "FTPSD_TLS_CRL_DIR: 5 more curl uploads intact ($up_ok/5)" test "$up_ok" -eq 5

# FTPSD_TLS_CRL_FILE and FTPSD_TLS_CRL_DIR together: a second CA's CRL in
# the file.  libtls checks every chain against a CRL of its issuer, so a
# certificate of the second CA is accepted only if the file was read too.
mkca crlca2 /CN=crl-ca2
mkleaf good2 "$USER_NAME" crlca2
ca_db crlca2
openssl ca -config "$T/crlca2.cnf" -gencrl -out "$T/crl-ca2.pem" >/dev/null 2>&1
cat "$T/crlca.pem" "$T/crlca2.pem" > "$T/both-cas.pem"; chmod 644 "$T"/*.pem
CB=$(free_port); start_server "$CB" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/both-cas.pem" \
	FTPSD_TLS_CRL_DIR="$T/crldir" FTPSD_TLS_CRL_FILE="$T/crl-ca2.pem"
CO=$(free_port); start_server "$CO" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/both-cas.pem" \
	FTPSD_TLS_CRL_DIR="$T/crldir"
if cert_get "$CB" good2; then ok "CRL file + directory: the second CA's certificate works (its CRL came from the file)"
else nok "CRL file + directory: the second CA's certificate works (its CRL came from the file)"; fi
if cert_get "$CB" revoked; then nok "CRL file + directory: the revoked certificate is still refused"
else ok "CRL file + directory: the revoked certificate is still refused"; fi
if cert_get "$CO" good2; then nok "directory only: a CA without a CRL is refused (libtls checks every CA)"
else ok "directory only: a CA without a CRL is refused (libtls checks every CA)"; fi

# CRL directory errors at start
mkdir -p "$T/crl-empty" "$T/crl-bad"
cp "$T/crldir/crl-ca.pem" "$T/crl-empty/"
cp "$T/crlca.pem" "$T/crl-bad/0badc0de.r0"
t_refused "FTPSD_TLS_CRL_DIR that does not exist refused" "No such file" FTPSD_TLS_CRL_DIR="$T/nonexistent" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem"
t_refused "FTPSD_TLS_CRL_DIR without hashed names refused" "no hashed CRL files" FTPSD_TLS_CRL_DIR="$T/crl-empty" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem"
t_refused "FTPSD_TLS_CRL_DIR with a certificate as HASH.r0 refused, file named" "0badc0de.r0: not a PEM file" FTPSD_TLS_CRL_DIR="$T/crl-bad" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem"
t_refused "bad FTPSD_TLS_CRL_FILE with FTPSD_TLS_CRL_DIR refused" "not a PEM file" FTPSD_TLS_CRL_FILE="$T/crlca.pem" FTPSD_TLS_CRL_DIR="$T/crldir" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem"
check "FTPSD_TLS_CRL_DIR -t passes with a good directory" env $BASE FTPSD_TLS_CRL_DIR="$T/crldir" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem" "$FTPSD_BIN" -t
mkdir -p "$T/crl-exp"
if openssl ca -config "$T/crlca.cnf" -gencrl -crlsec 1 -out "$T/crl-exp/crl.pem" >/dev/null 2>&1; then
	openssl rehash "$T/crl-exp" >/dev/null 2>&1; sleep 2
	env $BASE FTPSD_TLS_CRL_DIR="$T/crl-exp" FTPSD_TLS_VERIFY_CLIENT=required FTPSD_TLS_CA_FILE="$T/crlca.pem" \
		"$FTPSD_BIN" -t > "$T/exp.out" 2>&1
	check "a CRL past its next update: a warning at start" grep -q 'past their next update' "$T/exp.out"
else
	skip "openssl ca has no -crlsec"
fi

# --- FTPSD_PASV_ADDRESS as a host name ---------------------------------------
# The server listens on 127.0.0.2, so its own address is not what the
# name resolves to: the 227 reply must carry 127.0.0.1 from "localhost".
pasv_reply() { # pasv_reply HOST PORT [tls]: the 227 reply text of PASV after login
	python3 - "$@" <<'PY'
import ftplib, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
if len(sys.argv) > 3:
    c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=c, timeout=10)
else:
    f = ftplib.FTP(timeout=10)
f.connect(host, port)
if len(sys.argv) > 3:
    f.auth()
f.login("alice", "secret")
print(f.sendcmd("PASV"))
f.quit()
PY
}
if python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.2',0))" 2>/dev/null &&
	getent ahostsv4 localhost | grep -q '^127\.0\.0\.1 '; then
	H1=$(free_port); LISTEN_HOST=127.0.0.2 start_server "$H1" FTPSD_PASV_ADDRESS=localhost
	H0=$(free_port); LISTEN_HOST=127.0.0.2 start_server "$H0"
	r0=$(pasv_reply 127.0.0.2 "$H0" tls 2>&1)
	case "$r0" in "227 "*"(127,0,0,2,"*) ok "no FTPSD_PASV_ADDRESS: 227 carries the local address 127,0,0,2 (control)" ;;
		*) nok "no FTPSD_PASV_ADDRESS: 227 carries the local address (got: $r0)" ;; esac
	r1=$(pasv_reply 127.0.0.2 "$H1" tls 2>&1)
	case "$r1" in "227 "*"(127,0,0,1,"*) ok "FTPSD_PASV_ADDRESS=localhost: ftplib sees 227 with 127,0,0,1" ;;
		*) nok "FTPSD_PASV_ADDRESS=localhost: 227 with 127,0,0,1 (got: $r1)" ;; esac
	check "the log says FTPSD_PASV_ADDRESS localhost resolves to 127.0.0.1" \
		grep -q 'FTPSD_PASV_ADDRESS localhost resolves to 127\.0\.0\.1' "$T/server.log"
	check "FTPSD_PASV_ADDRESS=localhost: curl downloads through PASV (bytes compared)" sh -c \
		"$C --ftp-pasv --disable-epsv --user $USER_NAME:$USER_PASS ftp://127.0.0.2:$H1/blob.bin | cmp -s - '$HOME_DIR/blob.bin'"
	H2=$(free_port); start_server "$H2" FTPSD_PASV_ADDRESS=localhost
	python3 - "$H2" "$HOME_DIR/blob.bin" > "$T/trust.out" 2>&1 <<'PY'
import ftplib, io, ssl, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=c, timeout=10)
f.trust_server_pasv_ipv4_address = True   # connect where the 227 reply says
f.connect("127.0.0.1", int(sys.argv[1])); f.login("alice", "secret"); f.prot_p()
b = io.BytesIO(); f.retrbinary("RETR blob.bin", b.write)
print("same" if b.getvalue() == open(sys.argv[2], "rb").read() else "differs")
PY
	check "ftplib connects to the announced address and downloads (bytes compared)" grep -qx same "$T/trust.out"
	H3=$(free_port); LISTEN_HOST=127.0.0.2 start_server "$H3" FTPSD_PASV_ADDRESS=192.0.2.1 FTPSD_TLS_PASV_ADDRESS=localhost
	r3=$(pasv_reply 127.0.0.2 "$H3" tls 2>&1)
	case "$r3" in "227 "*"(127,0,0,1,"*) ok "FTPSD_TLS_PASV_ADDRESS=localhost: 227 under TLS carries 127,0,0,1" ;;
		*) nok "FTPSD_TLS_PASV_ADDRESS=localhost under TLS (got: $r3)" ;; esac
	H4=$(free_port); LISTEN_HOST=127.0.0.2 start_server "$H4" FTPSD_PASV_ADDRESS=localhost FTPSD_TLS_REQUIRED=off
	r4=$(pasv_reply 127.0.0.2 "$H4" 2>&1)
	case "$r4" in "227 "*"(127,0,0,1,"*) ok "FTPSD_PASV_ADDRESS=localhost without TLS: 227 carries 127,0,0,1" ;;
		*) nok "FTPSD_PASV_ADDRESS=localhost without TLS (got: $r4)" ;; esac
else
	for i in 1 2 3 4 5 6 7; do skip "no 127.0.0.2 or localhost does not resolve to 127.0.0.1"; done
fi
tap_end
