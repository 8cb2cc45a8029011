#!/bin/sh
# ftpsd_curl.sh: curl against ftpsd, explicit (AUTH TLS, --ssl-reqd) and
# implicit (ftps://): uploads and downloads of 0 B, 1 B, 1 MiB+7 and
# 10 MiB compared byte for byte, listings, and 20 parallel TLS 1.3 uploads.
. "$(dirname "$0")/ftpsd_lib.sh"
need curl || { echo "1..0 # SKIP curl missing"; exit 0; }

P1=$(free_port); P2=$(free_port)
start_server "$P1"
start_server "$P2" FTPSD_IMPLICIT_TLS=yes
C="curl -sS -k --user $USER_NAME:$USER_PASS"

mkdir -p "$T/src" "$T/dst"
: > "$T/src/f0"
printf x > "$T/src/f1"
head -c $((1048576 + 7)) /dev/urandom > "$T/src/f1m7"
head -c $((10 * 1048576)) /dev/urandom > "$T/src/f10m"

for mode in explicit implicit; do
	if [ $mode = explicit ]; then URL="ftp://127.0.0.1:$P1"; F="--ssl-reqd"; else URL="ftps://127.0.0.1:$P2"; F=""; fi
	for f in f0 f1 f1m7 f10m; do
		check "$mode: upload $f" $C $F -T "$T/src/$f" "$URL/$mode-$f"
		check "$mode: uploaded $f arrived intact" cmp "$T/src/$f" "$HOME_DIR/$mode-$f"
		rm -f "$T/dst/$f"
		check "$mode: download $f" $C $F -o "$T/dst/$f" "$URL/$mode-$f"
		check "$mode: downloaded $f intact" cmp "$T/src/$f" "$T/dst/$f"
	done
	$C $F "$URL/" > "$T/list.$mode" 2>"$T/err.$mode"
	check "$mode: LIST shows the 10 MiB file with its size" grep -q "10485760.*$mode-f10m" "$T/list.$mode"
	$C $F -l "$URL/" > "$T/nlst.$mode" 2>>"$T/err.$mode"
	check "$mode: NLST lists 4+ names" test "$(grep -c "^$mode-" "$T/nlst.$mode")" -ge 4
done

# resumed transfers: curl -C - (REST for downloads, SIZE + APPE for uploads)
head -c 500000 "$T/src/f1m7" > "$T/dst/resume"
check "resumed download (REST + RETR)" $C --ssl-reqd -C - -o "$T/dst/resume" "ftp://127.0.0.1:$P1/explicit-f1m7"
check "resumed download intact" cmp "$T/src/f1m7" "$T/dst/resume"
head -c 300000 "$T/src/f1m7" > "$HOME_DIR/resume-up"; fix_owner
check "resumed upload (SIZE + APPE)" $C --ssl-reqd -C - -T "$T/src/f1m7" "ftp://127.0.0.1:$P1/resume-up"
check "resumed upload intact" cmp "$T/src/f1m7" "$HOME_DIR/resume-up"

# ASCII download converts LF to CRLF
printf 'a\nb\n' > "$HOME_DIR/text.txt"; fix_owner
$C --ssl-reqd -B "ftp://127.0.0.1:$P1/text.txt" > "$T/ascii.out" 2>/dev/null
# curl converts CRLF back to LF on a --use-ascii download, so compare with LF
check "ASCII (TYPE A) download" cmp "$T/ascii.out" "$HOME_DIR/text.txt"

# plain FTP without TLS is refused under the default policy
if $C "ftp://127.0.0.1:$P1/f0" -o /dev/null 2>/dev/null; then nok "clear login refused by default"; else ok "clear login refused by default"; fi

# 20 parallel uploads over TLS 1.3
pids=""
for i in $(seq 1 20); do
	head -c $((300000 + i * 4099)) /dev/urandom > "$T/src/p$i"
	$C --ssl-reqd --tlsv1.3 -T "$T/src/p$i" "ftp://127.0.0.1:$P1/p$i" 2>"$T/p$i.err" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
check "20 parallel TLS 1.3 uploads: every curl succeeded" test "$bad" -eq 0
intact=0
for i in $(seq 1 20); do cmp -s "$T/src/p$i" "$HOME_DIR/p$i" && intact=$((intact + 1)); done
check "20 parallel TLS 1.3 uploads all intact ($intact/20)" test "$intact" -eq 20

tap_end
