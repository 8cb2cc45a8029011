#!/bin/bash
# sftpd_checkfile.sh: the check-file extensions with paramiko, whose
# SFTPFile.check() sends "check-file" on a handle: MD5, SHA-1 and SHA-256
# of a whole 3 MB file, SHA-1 per 256 KiB block and MD5 of a range,
# compared with Python's hashlib; then check-file-name and
# check-file-handle by hand: the algorithm chosen from a list, a range past
# the end, and the refusals (no known algorithm, a block under 256 bytes,
# a missing file, cut requests, a handle opened only for writing, a range
# over the per-request ceiling of 1 GiB).  Then space-available against
# statvfs(3) of the root, vendor-id in VERSION and the client's own.  The
# connection goes on after each.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
t_have ssh-keygen || t_skip_all "ssh-keygen is not installed (Debian: openssh-client)"
PY=
for c in python3 /usr/bin/python3; do
	if t_have "$c" && "$c" -c 'import paramiko' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || t_skip_all "python3-paramiko is not installed"

t_tmpdir
T=$T_TMP
mkdir -p "$T/keys" "$T/root"
LOG=$T/sftpd.log
if [ "$(id -u)" = 0 ]; then ACC_UID=65534 ACC_GID=65534; else ACC_UID=$(id -u) ACC_GID=$(id -g); fi
t_hostkey ed25519 "$T/keys/hk" || t_bail "cannot make a host key"
t_userkey ed25519 "$T/keys/uk"
cp "$T/keys/uk.pub" "$T/keys/authorized_keys"
t_useradd "$T/keys/users" tester 'pw-Tolerant-1!' "$ACC_UID" "$ACC_GID" "$T/root" ||
	t_bail "cannot write the users file"
[ "$(id -u)" = 0 ] && chown -R "$ACC_UID:$ACC_GID" "$T/root"
t_privsep_env "$SFTPD"
{
	echo '#!/bin/sh'
	printf 'exec env -i PATH=/usr/bin:/bin %s SFTPD_HOST_KEYS=%q SFTPD_USERS_FILE=%q ' \
		"$T_PRIVSEP_ENV" "$T/keys/hk" "$T/keys/users"
	printf 'SFTPD_AUTHORIZED_KEYS=%q SFTPD_LOG_LEVEL=debug %q 2>>%q\n' \
		"$T/keys/authorized_keys" "$SFTPD" "$LOG"
} >"$T/srv"
chmod 755 "$T/srv"


# The probe prints one "ok NAME" or "not ok NAME: why" line per check.
cat >"$T/probe.py" <<'PY'
import hashlib, os, select, sys, time, paramiko

key, srv, root = sys.argv[1:]
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + why), flush=True)

t = paramiko.Transport(paramiko.ProxyCommand(srv))
t.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
sf = paramiko.SFTPClient.from_transport(t)
data = os.urandom(3000000)
with sf.open("big.bin", "wb") as f:
    f.write(data)
check("the 3 MB file is on the server", open(os.path.join(root, "big.bin"), "rb").read() == data)

def paramiko_check(f, *args):
    try:
        return f.check(*args)
    except Exception as e:
        return repr(e).encode()

f = sf.open("big.bin", "rb")
for alg in ("md5", "sha1", "sha256"):
    got = paramiko_check(f, alg)
    check("check-file %s of the whole file equals hashlib's" % alg,
          got == hashlib.new(alg, data).digest(), repr(got[:60]))
blk = 256 * 1024
want = b"".join(hashlib.sha1(data[i:i + blk]).digest() for i in range(0, len(data), blk))
got = paramiko_check(f, "sha1", 0, 0, blk)
check("check-file sha1 per 256 KiB block: %d digests" % (len(want) // 20), got == want,
      repr(got[:60]))
got = paramiko_check(f, "md5", 1000, 5000)
check("check-file md5 of bytes 1000..5999", got == hashlib.md5(data[1000:6000]).digest())
f.close()

def u32(n): return n.to_bytes(4, "big")
def u64(n): return n.to_bytes(8, "big")
def sstr(b): return u32(len(b)) + b

class Sftp:
    """Raw SFTP over an sftp subsystem channel."""
    def __init__(self):
        self.ch = t.open_session()
        self.ch.invoke_subsystem("sftp")
        self.buf = b""
        self.send(bytes([1]) + u32(3))
        self.version = self.recv()
    def send(self, body):
        self.ch.sendall(u32(len(body)) + body)
    def recv(self):
        end = time.monotonic() + 15
        while len(self.buf) < 4 or len(self.buf) < 4 + int.from_bytes(self.buf[:4], "big"):
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.ch], [], [], left)[0]:
                return None
            d = self.ch.recv(65536)
            if not d:
                return None
            self.buf += d
        n = int.from_bytes(self.buf[:4], "big")
        m, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return m
    def status(self, m, rid):
        if not m or m[0] != 101 or int.from_bytes(m[1:5], "big") != rid:
            return None
        return int.from_bytes(m[5:9], "big")
    def ext(self, rid, name, body):
        self.send(bytes([200]) + u32(rid) + sstr(name) + body)
        return self.recv()

def reply(m):
    """The two strings and the digests of an EXTENDED_REPLY, or ([], b"")."""
    if not m or m[0] != 201:
        return [], b""
    out, at = [], 5
    for _ in range(2):
        k = int.from_bytes(m[at:at + 4], "big")
        out.append(m[at + 4:at + 4 + k])
        at += 4 + k
    return out, m[at:]

def by_name(path, algs, start, length, block):
    return sstr(path) + sstr(algs) + u64(start) + u64(length) + u32(block)

s = Sftp()
names, rest = reply(s.ext(10, b"check-file-name", by_name(b"big.bin", b"sha512,sha256", 0, 0, 0)))
check("check-file-name: the first known of sha512,sha256 (sha512), the whole file",
      names == [b"check-file", b"sha512"] and rest == hashlib.sha512(data).digest(), repr(names))
names, rest = reply(s.ext(11, b"check-file-name", by_name(b"big.bin", b"crc32,md5", 2999990, 100, 0)))
check("a range past the end: the bytes that are there (md5, after crc32)",
      names == [b"check-file", b"md5"] and rest == hashlib.md5(data[2999990:]).digest())
m = s.ext(12, b"check-file-name", by_name(b"big.bin", b"crc32,whirlpool", 0, 0, 0))
check("no known algorithm: OP_UNSUPPORTED", s.status(m, 12) == 8)
m = s.ext(13, b"check-file-name", by_name(b"big.bin", b"md5", 0, 0, 255))
check("a block of 255 bytes: FAILURE", s.status(m, 13) == 4)
m = s.ext(14, b"check-file-name", by_name(b"missing", b"md5", 0, 0, 0))
check("a missing file: NO_SUCH_FILE", s.status(m, 14) == 2)
m = s.ext(15, b"check-file-name", sstr(b"big.bin") + sstr(b"md5") + u64(0))
check("a request cut after the offset: BAD_MESSAGE", s.status(m, 15) == 5)
m = s.ext(16, b"check-file-name", sstr(b"big.bin") + u32(1000) + b"md5")
check("an algorithm list longer than its packet: BAD_MESSAGE", s.status(m, 16) == 5)
s.send(bytes([3]) + u32(17) + sstr(b"w.bin") + u32(0x1a) + u32(0))  # OPEN write|creat|trunc
m = s.recv()
wh = m[9:] if m and m[0] == 102 else b"none"
m = s.ext(18, b"check-file-handle", sstr(wh) + sstr(b"md5") + u64(0) + u64(0) + u32(0))
check("a handle opened only for writing: PERMISSION_DENIED", s.status(m, 18) == 3)
with open(os.path.join(root, "sparse.bin"), "wb") as g:
    g.truncate(2 << 30)
m = s.ext(19, b"check-file-name", by_name(b"sparse.bin", b"md5", 0, 0, 0))
check("2 GiB in one request: FAILURE (the ceiling is 1 GiB)", s.status(m, 19) == 4)
names, rest = reply(s.ext(20, b"check-file-name", by_name(b"sparse.bin", b"md5", 0, 1 << 20, 0)))
check("its first MiB asked for alone: answered", rest == hashlib.md5(bytes(1 << 20)).digest())
os.unlink(os.path.join(root, "sparse.bin"))
v = s.version or b""
check("VERSION names vendor-id with sluice's names",
      b"\0\0\0\x09vendor-id" in v and sstr(b"sluice") + sstr(b"sftpd") in v, repr(v[-60:]))
m = s.ext(21, b"space-available", sstr(b"."))
ok = m is not None and m[0] == 201 and len(m) == 5 + 8 * 4 + 4
if ok:
    st = os.statvfs(root)
    total, free, avail_total, avail = (int.from_bytes(m[5 + 8 * i:13 + 8 * i], "big") for i in range(4))
    unit = int.from_bytes(m[37:41], "big")
    ok = unit == (st.f_frsize or st.f_bsize) and total == st.f_blocks * unit and \
        abs(avail - st.f_bavail * unit) <= 64 << 20
check("space-available: size and free bytes of the root's file system, as statvfs says", ok,
      repr(m and m[:12]))
m = s.ext(22, b"space-available", u32(50) + b"cut")
check("space-available cut short: BAD_MESSAGE", s.status(m, 22) == 5)
m = s.ext(23, b"vendor-id", sstr(b"Example") + sstr(b"probe") + sstr(b"1.0") + u64(7))
check("the client's vendor-id: OK", s.status(m, 23) == 0)
check("the connection goes on", sf.listdir(".") is not None)
t.close()
print("done")
PY

out=$(timeout 120 "$PY" "$T/probe.py" "$T/keys/uk" "$T/srv" "$T/root" 2>&1)
while IFS= read -r line; do
	case "$line" in
	"ok "*) t_ok "${line#ok }" ;;
	"not ok "*) t_notok "${line#not ok }" ;;
	done) done=1 ;;
	*) t_diag "$line" ;;
	esac
done <<EOF
$out
EOF
[ "${done:-0}" = 1 ] || t_notok "the probe ran to its end ($T_N checks)"
if grep -q 'protocol error' "$LOG"; then
	t_notok "no protocol error in the log"
	t_diag "$(grep 'protocol error' "$LOG" | head -3)"
else
	t_ok "no protocol error in the log"
fi
t_done
