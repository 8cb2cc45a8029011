#!/usr/bin/env python3
"""bench_sftp.py: one SFTP session against `sftpd -S` (raw SFTP on
stdin/stdout, no SSH) launched under tests/bench/cputime, for
bench_sftp.sh.  Packets are built here from draft-ietf-secsh-filexfer-02
(v3), -04 (v4), -05 and -13 (v5, v6).  Every result is checked: a wrong
digest, a wrong byte or an error status ends the run with status 1.

  bench_sftp.py CPUTIME TIMES SFTPD ROOT JOB...
    init V                 INIT V and hang up: the cost of a session alone
    check ALG HEX SIZE     check-file-name ALG of "big", whole file, block
                           size 0; HEX is the digest coreutils printed
    checkrange ALG SIZE CEIL  the same in ranges of CEIL bytes (one request
                           each), each compared with Python's hashlib
    read V HEX SIZE CHUNK INFLIGHT   download "big", INFLIGHT READs of
                           CHUNK bytes outstanding; sha256 compared with HEX
    write V HEX SIZE CHUNK INFLIGHT SRC  upload SRC (read locally from
                           ROOT) over "up", opened without truncation; then
                           compare the sha256 of "up" with HEX (SRC's)

Prints one line: "cpu SECONDS" (user + sys of sftpd, from cputime's
file) and, for check, "mode ..." before it.
"""
import fcntl
import hashlib
import os
import struct
import subprocess
import sys

F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20

(FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_READ, FXP_WRITE) = (1, 2, 3, 4, 5, 6)
(FXP_STATUS, FXP_HANDLE, FXP_DATA, FXP_EXTENDED, FXP_EXTENDED_REPLY) = (101, 102, 103, 200, 201)
V3_READ, V3_WRITE, V3_CREAT = 0x01, 0x02, 0x08
ACE4_READ_DATA, ACE4_WRITE_DATA = 0x01, 0x02
FXF_OPEN_EXISTING, FXF_OPEN_OR_CREATE = 2, 3


def die(msg):
    sys.stderr.write("bench_sftp.py: " + msg + "\n")
    sys.exit(1)


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def sstr(b):
    b = b.encode() if isinstance(b, str) else b
    return u32(len(b)) + b


def packet(t, body):
    return u32(len(body) + 1) + bytes([t]) + body


class Session:
    def __init__(self, cputime, times, sftpd, root, version):
        env = {"PATH": "/usr/bin:/bin", "SFTPD_ROOT": root, "HOME": "/", "USER": "bench"}
        self.times = times
        self.p = subprocess.Popen([cputime, times, sftpd, "-S"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env, bufsize=0,
                                  stderr=open(os.path.join(root, "..", "sftpd.log"), "ab"))
        self.wfd, self.rfd = self.p.stdin.fileno(), self.p.stdout.fileno()
        for fd in (self.wfd, self.rfd):
            try:
                fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
            except OSError:
                pass  # a smaller pipe only means more system calls
        self.rest = b""
        self.id = 0
        os.write(self.wfd, packet(FXP_INIT, u32(version)))
        t, body = self.one()
        if t != FXP_VERSION:
            die("INIT %d: reply type %d" % (version, t))
        self.version = struct.unpack(">I", body[:4])[0]
        if self.version != version:
            die("INIT %d: the server answered VERSION %d" % (version, self.version))

    def packets(self):
        """The packets complete after one read from the server: (type, body)
        with body a memoryview past the type byte."""
        d = os.read(self.rfd, PIPE_SIZE)
        if not d:
            die("the server closed its output (see sftpd.log)")
        data = self.rest + d if self.rest else d
        mv, at, out = memoryview(data), 0, []
        while len(data) - at >= 5:
            n = struct.unpack_from(">I", data, at)[0]
            if len(data) - at - 4 < n:
                break
            out.append((data[at + 4], mv[at + 5:at + 4 + n]))
            at += 4 + n
        self.rest = data[at:]
        return out

    def one(self):
        while True:
            got = self.packets()
            if got:
                if len(got) > 1 or self.rest:
                    die("more than one reply to a single request")
                return got[0]

    def request(self, t, body):
        self.id += 1
        os.write(self.wfd, packet(t, u32(self.id) + body))
        rt, rb = self.one()
        if struct.unpack_from(">I", rb)[0] != self.id:
            die("reply to the wrong request id")
        return rt, rb[4:]

    def status_ok(self, what, t, body):
        rt, rb = self.request(t, body)
        if rt != FXP_STATUS or struct.unpack_from(">I", rb)[0] != 0:
            die("%s: %s" % (what, describe(rt, rb)))

    def attrs(self):
        return u32(0) if self.version == 3 else u32(0) + b"\x01"  # v4+: type REGULAR

    def open(self, path, write):
        if self.version >= 5:
            acc = ACE4_WRITE_DATA if write else ACE4_READ_DATA
            disp = FXF_OPEN_OR_CREATE if write else FXF_OPEN_EXISTING
            how = u32(acc) + u32(disp)
        else:  # v3 and v4: pflags
            how = u32(V3_WRITE | V3_CREAT if write else V3_READ)
        rt, rb = self.request(FXP_OPEN, sstr(path) + how + self.attrs())
        if rt != FXP_HANDLE:
            die("OPEN %s (v%d): %s" % (path, self.version, describe(rt, rb)))
        n = struct.unpack_from(">I", rb)[0]
        return bytes(rb[4:4 + n])

    def finish(self):
        self.p.stdin.close()
        while os.read(self.rfd, PIPE_SIZE):
            pass
        rc = self.p.wait(timeout=60)
        if rc != 0:
            die("sftpd (under cputime) exited with %d (see sftpd.log)" % rc)
        with open(self.times) as f:
            user, system = f.read().splitlines()[-1].split()[:2]
        print("cpu %.6f" % (float(user) + float(system)))


def describe(rt, rb):
    if rt == FXP_STATUS and len(rb) >= 8:
        code = struct.unpack_from(">I", rb)[0]
        n = struct.unpack_from(">I", rb, 4)[0]
        return "STATUS %d %s" % (code, bytes(rb[8:8 + n]).decode(errors="replace"))
    return "reply type %d" % rt


def check_file(s, alg, start, length):
    """check-file-name of "big": (STATUS text or None, digest bytes)."""
    rt, rb = s.request(FXP_EXTENDED, sstr("check-file-name") + sstr("big") + sstr(alg) +
                       u64(start) + u64(length) + u32(0))
    if rt != FXP_EXTENDED_REPLY:
        return describe(rt, rb), b""
    at, names = 0, []
    for _ in range(2):
        n = struct.unpack_from(">I", rb, at)[0]
        names.append(bytes(rb[at + 4:at + 4 + n]).decode())
        at += 4 + n
    if names != ["check-file", alg]:
        die("check-file-name %s: the reply names %r" % (alg, names))
    return None, bytes(rb[at:])


def job_check(s, alg, want_hex, size):
    err, got = check_file(s, alg, 0, 0)
    if err:
        die("check-file-name %s of the whole file: %s" % (alg, err))
    if got.hex() != want_hex:
        die("check-file-name %s: %s, coreutils says %s" % (alg, got.hex(), want_hex))
    print("mode whole file in one request (%d bytes)" % size)


def job_checkrange(s, alg, size, ceil, path):
    whole, _ = check_file(s, alg, 0, 0)
    if not whole:
        die("check-file-name %s accepted %d bytes in one request, over the ceiling %d"
            % (alg, size, ceil))
    n = 0
    with open(path, "rb") as f:
        for start in range(0, size, ceil):
            length = min(ceil, size - start)
            err, got = check_file(s, alg, start, length)
            if err:
                die("check-file-name %s of [%d, +%d): %s" % (alg, start, length, err))
            h = hashlib.new(alg)
            left = length
            while left:
                b = f.read(min(left, 1 << 22))
                h.update(b)
                left -= len(b)
            if got != h.digest():
                die("check-file-name %s of [%d, +%d): wrong digest" % (alg, start, length))
            n += 1
    print("mode %d requests of at most %d bytes (the whole file in one: %s)" % (n, ceil, whole))


def job_read(s, want_hex, size, chunk, inflight):
    h = s.open("big", False)
    hs = hashlib.sha256()
    hashed, next_off = 0, 0
    ahead = {}  # offset -> bytes that arrived before the ones in front of them
    pending = {}  # request id -> (offset, length)
    out = []

    def issue(off, n):
        s.id += 1
        pending[s.id] = (off, n)
        out.append(packet(FXP_READ, u32(s.id) + sstr(h) + u64(off) + u32(n)))

    while next_off < size and len(pending) < inflight:
        issue(next_off, min(chunk, size - next_off))
        next_off += chunk
    while pending:
        if out:
            os.write(s.wfd, b"".join(out))
            out = []
        for rt, rb in s.packets():
            rid = struct.unpack_from(">I", rb)[0]
            off, want = pending.pop(rid)
            if rt != FXP_DATA:
                die("READ at %d: %s" % (off, describe(rt, rb[4:])))
            n = struct.unpack_from(">I", rb, 4)[0]
            if n == 0 or n > want:
                die("READ at %d: %d bytes for %d asked" % (off, n, want))
            data = rb[8:8 + n]
            if n < want:  # short read: ask for the rest
                issue(off + n, want - n)
            if off == hashed:
                hs.update(data)
                hashed += n
                while hashed in ahead:
                    b = ahead.pop(hashed)
                    hs.update(b)
                    hashed += len(b)
            else:
                ahead[off] = bytes(data)
            if next_off < size:
                issue(next_off, min(chunk, size - next_off))
                next_off += chunk
    if hashed != size or hs.hexdigest() != want_hex:
        die("read v%d: %d bytes, sha256 %s, sha256sum says %s"
            % (s.version, hashed, hs.hexdigest(), want_hex))
    s.status_ok("CLOSE", FXP_CLOSE, sstr(h))


def job_write(s, want_hex, size, chunk, inflight, src):
    h = s.open("up", True)
    pending = {}
    off = 0
    with open(src, "rb", buffering=0) as f:
        while off < size or pending:
            bufs = []
            while off < size and len(pending) < inflight:
                data = f.read(min(chunk, size - off))
                if not data:
                    die("the local file is shorter than %d" % size)
                s.id += 1
                pending[s.id] = off
                bufs.append(u32(len(data) + 21 + len(h)) + bytes([FXP_WRITE]) + u32(s.id) +
                            sstr(h) + u64(off) + u32(len(data)))
                bufs.append(data)
                off += len(data)
            if bufs:
                os.writev(s.wfd, bufs) if len(bufs) <= 1024 else os.write(s.wfd, b"".join(bufs))
            for rt, rb in s.packets():
                rid = struct.unpack_from(">I", rb)[0]
                at = pending.pop(rid)
                if rt != FXP_STATUS or struct.unpack_from(">I", rb, 4)[0] != 0:
                    die("WRITE at %d: %s" % (at, describe(rt, rb[4:])))
    s.status_ok("CLOSE", FXP_CLOSE, sstr(h))


def sha256_file(path):
    hs = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 22)
            if not b:
                return hs.hexdigest()
            hs.update(b)


def main():
    cputime, times, sftpd, root, job = sys.argv[1:6]
    a = sys.argv[6:]
    big = os.path.join(root, "big")
    if job == "init":
        s = Session(cputime, times, sftpd, root, int(a[0]))
    elif job == "check":
        s = Session(cputime, times, sftpd, root, 3)
        job_check(s, a[0], a[1], int(a[2]))
    elif job == "checkrange":
        s = Session(cputime, times, sftpd, root, 3)
        job_checkrange(s, a[0], int(a[1]), int(a[2]), big)
    elif job in ("read", "write"):
        v, want_hex, size, chunk, inflight = int(a[0]), a[1], int(a[2]), int(a[3]), int(a[4])
        src = os.path.join(root, a[5] if job == "write" else "big")
        s = Session(cputime, times, sftpd, root, v)
        if job == "read":
            job_read(s, want_hex, size, chunk, inflight)
        else:
            job_write(s, want_hex, size, chunk, inflight, src)
    else:
        die("unknown job " + job)
    s.finish()
    if job == "write":
        got = sha256_file(os.path.join(root, "up"))
        if got != want_hex:
            die("write v%d: the uploaded file's sha256 is %s, not %s" % (v, got, want_hex))


if __name__ == "__main__":
    main()
