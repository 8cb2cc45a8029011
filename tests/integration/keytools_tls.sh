#!/bin/sh
# keytools_tls.sh: sluice-keytool tls-cert and tls-fingerprint against
# openssl: EC and RSA certificates read back by openssl (names, CA:FALSE,
# matching key, file modes), fingerprints equal to openssl's, usage errors,
# a real handshake (openssl s_server + curl) and ftpsd -t accepting the pair.
. "$(dirname "$0")/lib.sh"

KT="$T_TOP/keytools/sluice-keytool"
[ -x "$KT" ] || t_skip_all "keytools/sluice-keytool not built"
t_have openssl || t_skip_all "openssl not installed"
t_tmpdir
cd "$T_TMP" || t_bail "cd $T_TMP"

for t in ec rsa; do
	k="$t.key"
	c="$t.crt"
	t_run "tls-cert -t $t" "$KT" tls-cert -t "$t" -n localhost -n 127.0.0.1 -n ::1 -n www.example.org \
		-k "$k" -c "$c"
	openssl x509 -noout -text -in "$c" >"$c.txt" 2>&1
	t_is "$(grep -c 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:www.example.org' "$c.txt")" 1 \
		"$t: subjectAltName holds every -n name, IPs as IP entries"
	t_is "$(grep -A1 'Basic Constraints: critical' "$c.txt" | grep -c 'CA:FALSE')" 1 "$t: basicConstraints CA:FALSE, critical"
	t_is "$(grep -c 'Subject: CN = localhost' "$c.txt")" 1 "$t: subject CN is the first name"
	t_is "$(grep -c 'Issuer: CN = localhost' "$c.txt")" 1 "$t: issuer equals subject"
	t_is "$(grep -c 'Version: 3' "$c.txt")" 1 "$t: X.509 v3"
	t_is "$(grep -c 'TLS Web Server Authentication' "$c.txt")" 1 "$t: extendedKeyUsage serverAuth"
	t_is "$(grep -c 'Subject Key Identifier' "$c.txt")" 1 "$t: subjectKeyIdentifier"
	t_is "$(grep -c 'Signature Algorithm: .*[sS][hH][aA]256' "$c.txt")" 2 "$t: signed with SHA-256"
	t_is "$(head -n 1 "$k")" "-----BEGIN PRIVATE KEY-----" "$t: key is PKCS#8 PEM"
	t_run "$t: openssl pkey reads the key" openssl pkey -noout -in "$k"
	t_is "$(openssl x509 -noout -pubkey -in "$c" 2>&1)" "$(openssl pkey -pubout -in "$k" 2>&1)" \
		"$t: certificate public key matches the key"
	t_is "$(stat -c %a "$k")" 600 "$t: key mode 0600"
	t_is "$(stat -c %a "$c")" 644 "$t: certificate mode 0644"
	t_is "$("$KT" tls-fingerprint "$c" 2>&1)" "$(openssl x509 -noout -fingerprint -sha256 -in "$c" 2>&1)" \
		"$t: tls-fingerprint equals openssl's"
	t_run "$t: openssl verify with the certificate as its own CA" \
		openssl verify -purpose sslserver -CAfile "$c" "$c"
done
grep -q 'Key Usage: critical' ec.crt.txt && grep -A1 'Key Usage: critical' ec.crt.txt | grep -q 'Digital Signature$' &&
	t_ok "ec: keyUsage digitalSignature" || t_notok "ec: keyUsage digitalSignature"
grep -A1 'Key Usage: critical' rsa.crt.txt | grep -q 'Digital Signature, Key Encipherment' &&
	t_ok "rsa: keyUsage digitalSignature, keyEncipherment" || t_notok "rsa: keyUsage digitalSignature, keyEncipherment"
t_is "$(grep -c 'Public-Key: (3072 bit)' rsa.crt.txt)" 1 "rsa: 3072 bits by default"
t_is "$(grep -c 'NIST CURVE: P-256' ec.crt.txt)" 1 "ec: P-256 by default"

# validity: now-1h .. now+days
nb=$(date -d "$(openssl x509 -noout -startdate -in ec.crt | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -noout -enddate -in ec.crt | cut -d= -f2)" +%s)
now=$(date +%s)
d=$((now - nb))
[ "$d" -ge 3590 ] && [ "$d" -le 3700 ] && t_ok "notBefore is an hour ago" || t_notok "notBefore is an hour ago ($d s)"
d=$((na - now))
[ "$d" -ge $((365 * 86400 - 100)) ] && [ "$d" -le $((365 * 86400 + 100)) ] &&
	t_ok "notAfter is 365 days ahead" || t_notok "notAfter is 365 days ahead ($d s)"
t_run "tls-cert -d 30 -b 384 (no -n: the host name)" "$KT" tls-cert -d 30 -b 384 -k d30.key -c d30.crt
na=$(date -d "$(openssl x509 -noout -enddate -in d30.crt | cut -d= -f2)" +%s)
d=$((na - $(date +%s)))
[ "$d" -ge $((30 * 86400 - 100)) ] && [ "$d" -le $((30 * 86400 + 100)) ] &&
	t_ok "-d 30: notAfter 30 days ahead" || t_notok "-d 30: notAfter 30 days ahead ($d s)"
t_is "$(openssl x509 -noout -subject -in d30.crt 2>&1)" "subject=CN = $(hostname)" "default name is the host name"
t_is "$(openssl x509 -noout -text -in d30.crt | grep -c 'NIST CURVE: P-384')" 1 "-b 384: P-384"
s1=$(openssl x509 -noout -serial -in ec.crt)
s2=$(openssl x509 -noout -serial -in rsa.crt)
[ "$s1" != "$s2" ] && [ ${#s1} -ge 30 ] && t_ok "random serial numbers ($s1)" || t_notok "random serial numbers: $s1 $s2"

# refusing to overwrite, and -F
cp ec.key ec.key.orig
t_fails "tls-cert refuses to overwrite without -F" "$KT" tls-cert -n localhost -k ec.key -c new.crt
t_is "$(cmp ec.key ec.key.orig >/dev/null 2>&1 && echo same)" same "the existing key is untouched"
[ ! -e new.crt ] && t_ok "no certificate written either" || t_notok "no certificate written either"
t_fails "tls-cert refuses an existing certificate without -F" "$KT" tls-cert -n localhost -k new.key -c ec.crt
t_run "tls-cert -F overwrites" "$KT" tls-cert -F -n localhost -k ec.key -c ec.crt
cmp -s ec.key ec.key.orig && t_notok "-F wrote a new key" || t_ok "-F wrote a new key"
t_is "$(stat -c %a ec.key)" 600 "replaced key still mode 0600"

# usage errors
usage() { # name args...
	_n=$1
	shift
	"$KT" "$@" >/dev/null 2>&1
	t_is "$?" 100 "$_n: usage error (100)"
}
usage "no -k" tls-cert -c x.crt
usage "no -c" tls-cert -k x.key
usage "-t dsa" tls-cert -t dsa -k x.key -c x.crt
usage "-t rsa -b 1024" tls-cert -t rsa -b 1024 -k x.key -c x.crt
usage "-b 255 for ec" tls-cert -b 255 -k x.key -c x.crt
usage "-d abc" tls-cert -d abc -k x.key -c x.crt
usage "-d 0" tls-cert -d 0 -k x.key -c x.crt
usage "-d 99999" tls-cert -d 99999 -k x.key -c x.crt
usage "a bad name" tls-cert -n 'bad name,DNS:evil' -k x.key -c x.crt
usage "same file for key and cert" tls-cert -n localhost -k x.pem -c x.pem
usage "an extra argument" tls-cert -n localhost -k x.key -c x.crt extra
usage "unknown option" tls-cert -z -k x.key -c x.crt
usage "tls-fingerprint without a file" tls-fingerprint
[ ! -e x.key ] && [ ! -e x.crt ] && t_ok "usage errors write nothing" || t_notok "usage errors write nothing"
echo "not a certificate" >junk.crt
t_fails "tls-fingerprint of a non-certificate fails cleanly" "$KT" tls-fingerprint junk.crt
t_fails "tls-fingerprint of a missing file fails cleanly" "$KT" tls-fingerprint missing.crt
openssl x509 -in rsa.crt -outform DER -out rsa.der 2>/dev/null
t_is "$("$KT" tls-fingerprint rsa.der 2>&1)" "$(openssl x509 -noout -fingerprint -sha256 -in rsa.crt)" \
	"tls-fingerprint of a DER certificate"

# a real handshake: openssl s_server with the pair, curl trusting only it
handshake() { # type
	if ! t_have curl; then
		t_skip "$1: TLS handshake with curl" "curl not installed"
		return
	fi
	_port=$(t_free_port)
	setsid openssl s_server -cert "$1.crt" -key "$1.key" -accept "127.0.0.1:$_port" -www \
		</dev/null >"s_server.$1.log" 2>&1 &
	_pid=$!
	T_PIDS="$T_PIDS $_pid"
	_i=0
	while ! t_port_listening "$_port" && [ "$_i" -lt 100 ] && kill -0 "$_pid" 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
	if curl -sS --max-time 10 --cacert "$1.crt" --resolve "localhost:$_port:127.0.0.1" \
		"https://localhost:$_port/" >"curl.$1.out" 2>&1 && grep -q 'Cipher' "curl.$1.out"; then
		t_ok "$1: curl --cacert verifies the certificate for localhost"
	else
		t_notok "$1: curl --cacert verifies the certificate for localhost"
		t_diag_file "curl.$1.out"
		t_diag_file "s_server.$1.log"
	fi
	curl -sS --max-time 10 --cacert "$1.crt" --resolve "other.invalid:$_port:127.0.0.1" \
		"https://other.invalid:$_port/" >/dev/null 2>&1
	_rc=$?
	[ "$_rc" -ne 0 ] && t_ok "$1: a name not in the SAN is refused (curl exit $_rc)" ||
		t_notok "$1: a name not in the SAN is refused"
	t_server_stop "$_pid"
}
handshake ec
handshake rsa

if [ -x "$T_TOP/ftpsd/ftpsd" ]; then
	for t in ec rsa; do
		t_run "$t: ftpsd -t accepts the certificate and key" env FTPSD_TLS_CERT="$T_TMP/$t.crt" \
			FTPSD_TLS_KEY="$T_TMP/$t.key" FTPSD_USERS_FILE=/dev/null "$T_TOP/ftpsd/ftpsd" -t
	done
else
	t_skip "ftpsd -t accepts the certificate and key" "ftpsd/ftpsd not built"
fi

t_done
