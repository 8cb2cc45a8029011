#!/bin/sh
# ftpsd_testssl.sh: testssl.sh's vulnerability checks (-U) against ftpsd in
# its default TLS configuration, explicit (AUTH TLS, --starttls ftp) and
# implicit: no line may say VULNERABLE or potentially VULNERABLE (LUCKY13
# included: the TLS 1.2 suites are AEAD only), and the negotiated suites
# are listed.  Prints TAP.
. "$(dirname "$0")/ftpsd_lib.sh"
TESTSSL=$(command -v testssl || command -v testssl.sh || echo)
[ -n "$TESTSSL" ] || { echo "1..0 # SKIP testssl.sh is not installed (Debian: testssl.sh)"; exit 0; }

P1=$(free_port)
start_server "$P1"
P2=$(free_port)
start_server "$P2" FTPSD_IMPLICIT_TLS=yes

# scan NAME ARGS...: testssl -U, its output in $T/NAME.out
scan() {
	_n=$1
	shift
	timeout 600 "$TESTSSL" --quiet --color 0 --warnings off -U -E "$@" >"$T/$_n.out" 2>&1
}
for mode in explicit implicit; do
	if [ $mode = explicit ]; then
		scan $mode --starttls ftp "127.0.0.1:$P1"
	else
		scan $mode "127.0.0.1:$P2"
	fi
	check "$mode: testssl ran its vulnerability checks" grep -q 'LUCKY13' "$T/$mode.out"
	bad=$(grep -E 'VULNERABLE' "$T/$mode.out")
	if [ -z "$bad" ]; then
		ok "$mode: no VULNERABLE or potentially VULNERABLE line"
	else
		nok "$mode: no VULNERABLE or potentially VULNERABLE line"
		printf '%s\n' "$bad" | sed 's/^/# /'
	fi
	check "$mode: LUCKY13 not vulnerable" grep -q 'LUCKY13.*not vulnerable' "$T/$mode.out"
	suites=$(grep -cE '^ x[0-9a-f]+ ' "$T/$mode.out")
	check "$mode: every offered suite is AEAD ($suites listed)" sh -c \
		"grep -E '^ x[0-9a-f]+ ' '$T/$mode.out' | grep -vqE 'AESGCM|ChaCha20|CHACHA20' && exit 1 || exit 0"
done
tap_end
