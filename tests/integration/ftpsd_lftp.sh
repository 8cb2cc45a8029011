#!/bin/sh
# ftpsd_lftp.sh: lftp (GnuTLS) with TLS forced on control and data mirrors
# a directory of 50 files up to ftpsd and back down; both copies compared.
# Also implicit TLS (ftps://) with lftp, and a listing under TLS 1.2.
. "$(dirname "$0")/ftpsd_lib.sh"
need lftp || { echo "1..0 # SKIP lftp missing"; exit 0; }

P1=$(free_port); start_server "$P1"
P2=$(free_port); start_server "$P2" FTPSD_IMPLICIT_TLS=yes
mkdir -p "$T/src/sub" "$T/down"
i=1
while [ $i -le 50 ]; do
	if [ $i -le 40 ]; then d="$T/src"; else d="$T/src/sub"; fi
	head -c $((i * 997 + (i % 3) * 65536)) /dev/urandom > "$d/file$i.bin"
	i=$((i + 1))
done
SET="set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true;
set ssl:verify-certificate no; set ftp:ssl-allow true; set net:max-retries 1; set net:timeout 20"

lftp -c "$SET; open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$P1; mirror -R --no-perms $T/src up" \
	>"$T/lftp-up.log" 2>&1
check "lftp mirror -R of 50 files exits 0" test $? -eq 0
check "uploaded tree identical" diff -r "$T/src" "$HOME_DIR/up"
lftp -c "$SET; open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$P1; mirror up $T/down/up" \
	>"$T/lftp-down.log" 2>&1
check "lftp mirror of 50 files down exits 0" test $? -eq 0
check "downloaded tree identical" diff -r "$T/src" "$T/down/up"
check "50 files came back" test "$(find "$T/down/up" -type f | wc -l)" -eq 50

out=$(lftp -c "$SET; open -u $USER_NAME,$USER_PASS ftps://127.0.0.1:$P2; cls -1 up" 2>&1)
check "lftp implicit TLS (ftps://) listing" sh -c "echo '$out' | grep -q file1.bin"
lftp -c "$SET; open -u $USER_NAME,$USER_PASS ftps://127.0.0.1:$P2; get up/file7.bin -o $T/down/f7" >/dev/null 2>&1
check "lftp implicit TLS download intact" cmp "$T/src/file7.bin" "$T/down/f7"
out=$(lftp -c "$SET; set ssl:priority NORMAL:-VERS-TLS1.3; open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$P1; cls -1 up/sub" 2>&1)
check "lftp over TLS 1.2 lists" sh -c "echo '$out' | grep -q file41.bin"
P3=$(free_port); start_server "$P3" FTPSD_MODE_Z=yes FTPSD_LOG_LEVEL=debug
lftp -c "$SET; set ftp:use-mode-z yes; open -u $USER_NAME,$USER_PASS ftp://127.0.0.1:$P3; get up/file9.bin -o $T/down/f9z; put $T/src/file11.bin -o up/z11.bin" >/dev/null 2>&1
check "lftp MODE Z download intact" cmp "$T/src/file9.bin" "$T/down/f9z"
check "lftp MODE Z upload intact" cmp "$T/src/file11.bin" "$HOME_DIR/up/z11.bin"
check "lftp really used MODE Z" grep -q "command MODE Z" "$T/server.log"
tap_end
