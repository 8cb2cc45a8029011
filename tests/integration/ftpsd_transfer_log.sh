#!/bin/sh
# ftpsd_transfer_log.sh: ftpsd's transfer records with Python ftplib over
# explicit TLS: an upload (a name with a space), a download, a download
# the client abandons after its first block, and an upload refused at
# FTPSD_MAX_UPLOAD_BYTES.  Each gives one "transfer proto=ftp ..." line in
# the log (direction, result, user, client, bytes, path) and, with
# FTPSD_XFERLOG, one xferlog(5) line with 14 fields (remote host, size,
# the name with '_' for the space, type, direction, access mode, user,
# completion status); a listing gives neither.  Prints TAP.
. "$(dirname "$0")/ftpsd_lib.sh"
need python3 || { echo "1..0 # SKIP python3 missing"; exit 0; }

XFERLOG=$T/xferlog
P=$(free_port)
start_server "$P" FTPSD_XFERLOG="$XFERLOG" FTPSD_MAX_UPLOAD_BYTES=500000
head -c 300000 /dev/urandom >"$T/up.bin"
truncate -s 64M "$HOME_DIR/big.bin" # far more than the sockets between can hold
fix_owner
export P USER_NAME USER_PASS T
python3 - <<'PY' >"$T/client.out" 2>&1
import ftplib, io, os, ssl
E = os.environ
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx, timeout=20)
f.connect("127.0.0.1", int(E["P"]))
f.login(E["USER_NAME"], E["USER_PASS"])
f.prot_p()
with open(E["T"] + "/up.bin", "rb") as src:
    f.storbinary("STOR up file.bin", src)
got = bytearray()
f.retrbinary("RETR up file.bin", got.extend)
print("download", "same" if bytes(got) == open(E["T"] + "/up.bin", "rb").read() else "differs")
f.voidcmd("TYPE I")
c = f.transfercmd("RETR big.bin")
c.recv(1000)
c.close()
try:
    f.voidresp()
except ftplib.all_errors as e:
    print("abandoned:", e)
try:
    f.storbinary("STOR toobig.bin", io.BytesIO(b"x" * 700000))
except ftplib.all_errors as e:
    print("refused:", e)
f.nlst()
f.quit()
PY
LOG=$T/server.log
grep -q '^download same$' "$T/client.out"
check "the upload came back intact" test $? = 0
rec() { grep "transfer proto=ftp $1" "$LOG" | tail -n 1; }
r=$(rec 'direction=upload result=ok')
case "$r" in
*"user=$USER_NAME client=127.0.0.1:"*" bytes=300000 seconds="*' path="up file.bin"') ok "upload record: user, client, bytes, path" ;;
*) nok "upload record: user, client, bytes, path ($r)" ;;
esac
r=$(rec 'direction=download result=ok')
case "$r" in
*" bytes=300000 "*'path="up file.bin"') ok "download record" ;;
*) nok "download record ($r)" ;;
esac
r=$(rec 'direction=download result=aborted')
case "$r" in
*'path="big.bin"') ok "the abandoned download is recorded as aborted" ;;
*) nok "the abandoned download is recorded as aborted ($r)" ;;
esac
r=$(rec 'direction=upload result=aborted')
case "$r" in
*'path="toobig.bin"') ok "the upload past FTPSD_MAX_UPLOAD_BYTES is recorded as aborted" ;;
*) nok "the upload past FTPSD_MAX_UPLOAD_BYTES is recorded as aborted ($r)" ;;
esac
n=$(grep -c 'transfer proto=ftp' "$LOG")
check "four transfers, four records (the listing has none; got $n)" test "$n" = 4

n=$(wc -l <"$XFERLOG" 2>/dev/null || echo 0)
check "four xferlog lines (got $n)" test "$n" = 4
bad=$(awk 'NF != 18 { print NR ": " NF " fields" }' "$XFERLOG")
check "each has the 14 xferlog fields (the date is 5 words) ${bad:+($bad)}" test -z "$bad"
line() { awk -v n="$1" 'NR == n' "$XFERLOG"; }
# fields after the 5 date words: 6 time, 7 host, 8 size, 9 name, 10 type,
# 11 action, 12 direction, 13 mode, 14 user, 15 service, 16 auth, 17 id, 18 status
f() { line "$1" | awk -v k="$2" '{ print $k }'; }
check "upload: 127.0.0.1, 300000 bytes, up_file.bin, binary, in, real user, complete" \
	test "$(f 1 7) $(f 1 8) $(f 1 9) $(f 1 10) $(f 1 12) $(f 1 13) $(f 1 14) $(f 1 15) $(f 1 18)" = \
	"127.0.0.1 300000 up_file.bin b i r $USER_NAME ftp c"
check "download: out, complete" test "$(f 2 9) $(f 2 12) $(f 2 18)" = "up_file.bin o c"
check "abandoned download: out, incomplete" test "$(f 3 9) $(f 3 12) $(f 3 18)" = "big.bin o i"
check "refused upload: in, incomplete" test "$(f 4 9) $(f 4 12) $(f 4 18)" = "toobig.bin i i"
date_ok=$(line 1 | awk '{ print $1, $2 }' | grep -cE '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$')
check "the time is ctime(3)'s form" test "$date_ok" = 1
tap_end
