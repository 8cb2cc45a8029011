#!/bin/bash
# sftpd_sftp_raw56.sh: a small SFTP v5/v6 driver (Python, the packets built
# here from draft-ietf-secsh-filexfer-05 and -13) over the raw SFTP mode
# `sftpd -S`, for the requests no packaged client sends: VERSION 6's
# supported2 and newline, REALPATH's control byte and compose-paths, LINK
# (symbolic and hard, checked on disk), BLOCK/UNBLOCK, OPEN's NOFOLLOW and
# BLOCK_* flags, RENAME's flags, the v6 status codes and their v3 forms; then
# SFTPD_READ_ONLY=yes against OPEN access masks and flags that mean a write,
# with the tree compared before and after.  Prints TAP.

. "$(dirname "$0")/lib.sh"

SFTPD=${SFTPD_BIN:-$T_TOP/sftpd/sftpd}
[ -x "$SFTPD" ] || t_skip_all "sftpd/sftpd is not built"
t_have python3 || t_skip_all "python3 is not installed"

t_tmpdir
T=$T_TMP
mkdir -p "$T/root/dir/sub"
printf 'ten bytes\n' >"$T/root/file"
printf 'keep\n' >"$T/root/dir/keep"

cat >"$T/drive.py" <<'PY'
import os, struct, subprocess, sys

sftpd, root, mode = sys.argv[1:4]
env = {"PATH": "/usr/bin:/bin", "SFTPD_ROOT": root, "SFTPD_LOG_LEVEL": "debug",
       "HOME": "/", "USER": "tester"}
if mode == "ro":
    env["SFTPD_READ_ONLY"] = "yes"

def check(name, cond, why=""):
    print(("ok - " if cond else "not ok - ") + name + ("" if cond else ": " + repr(why)))
    sys.stdout.flush()

def u32(v): return struct.pack(">I", v)
def u64(v): return struct.pack(">Q", v)
def s(b): b = b.encode() if isinstance(b, str) else b; return u32(len(b)) + b
ATTRS0 = u32(0) + b"\x01"  # v4+ attributes: no flags, type REGULAR

class Conn:
    def __init__(self, version):
        self.p = subprocess.Popen([sftpd, "-S"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=open(root + "/../log", "ab"),
                                  env=env)
        self.id = 0
        self.send(1, u32(version))
        t, body = self.recv()
        self.version = struct.unpack(">I", body[:4])[0]
        self.ext = {}
        rest = body[4:]
        while rest:
            n = struct.unpack(">I", rest[:4])[0]; name = rest[4:4 + n]; rest = rest[4 + n:]
            n = struct.unpack(">I", rest[:4])[0]; data = rest[4:4 + n]; rest = rest[4 + n:]
            self.ext[name.decode()] = data

    def send(self, t, body):
        self.p.stdin.write(u32(len(body) + 1) + bytes([t]) + body)
        self.p.stdin.flush()

    def recv(self):
        n = struct.unpack(">I", self.p.stdout.read(4))[0]
        b = self.p.stdout.read(n)
        return b[0], b[1:]

    def req(self, t, body):
        self.id += 1
        self.send(t, u32(self.id) + body)
        rt, rb = self.recv()
        assert struct.unpack(">I", rb[:4])[0] == self.id, "reply id"
        return rt, rb[4:]

    def status(self, t, body):
        rt, rb = self.req(t, body)
        return struct.unpack(">I", rb[:4])[0] if rt == 101 else -rt

    def name(self, body):
        rt, rb = self.req(16, body)
        if rt != 104: return None, None
        n = struct.unpack(">I", rb[4:8])[0]
        name = rb[8:8 + n]
        flags = struct.unpack(">I", rb[8 + n:12 + n])[0]
        return name.decode(), flags

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=10)

def p(rel): return os.path.join(root, rel)

if mode == "rw":
    c = Conn(6)
    check("INIT 6: VERSION 6", c.version == 6, c.version)
    check("VERSION 6: newline is \\n", c.ext.get("newline") == b"\n", c.ext.get("newline"))
    sup = c.ext.get("supported2", b"")
    check("VERSION 6: supported2 (%d bytes) says max-read-size and no BLOCK" % len(sup),
          len(sup) > 24 and struct.unpack(">I", sup[16:20])[0] > 0 and sup[20:24] == b"\0\1\0\0")
    nm, fl = c.name(s("dir") + b"\x03" + s("sub") + s("../keep"))
    check("REALPATH STAT_ALWAYS with compose-paths: /dir/keep with its size",
          nm == "/dir/keep" and fl is not None and fl & 1, (nm, fl))
    nm, fl = c.name(s("dir") + b"\x02" + s("none"))
    check("REALPATH STAT_IF of a missing file: the name, no attributes", (nm, fl) == ("/dir/none", 0), (nm, fl))
    check("REALPATH STAT_ALWAYS of a missing file: NO_SUCH_FILE",
          c.status(16, s("dir/none") + b"\x03") == 2)
    check("REALPATH with an absolute compose-path",
          c.name(s("x/y") + b"\x01" + s("/dir") + s("."))[0] == "/dir")
    check("REALPATH control byte 9: INVALID_PARAMETER", c.status(16, s("dir") + b"\x09") == 23)
    check("LINK symbolic: OK", c.status(21, s("dir/sym") + s("keep") + b"\x01") == 0)
    check("LINK symbolic on disk", os.readlink(p("dir/sym")) == "keep")
    check("LINK hard: OK", c.status(21, s("dir/hard") + s("dir/keep") + b"\x00") == 0)
    check("LINK hard on disk: the same inode", os.stat(p("dir/hard")).st_ino == os.stat(p("dir/keep")).st_ino)
    check("LINK onto an existing name: FILE_ALREADY_EXISTS",
          c.status(21, s("dir/hard") + s("file") + b"\x00") == 11)
    rt, rb = c.req(3, s("dir/keep") + u32(1) + u32(2) + ATTRS0)
    check("OPEN READ_DATA OPEN_EXISTING: a handle", rt == 102, rt)
    h = rb[4:8]
    check("BLOCK: OP_UNSUPPORTED", c.status(22, s(h) + u64(0) + u64(4) + u32(0x40)) == 8)
    check("UNBLOCK: OP_UNSUPPORTED", c.status(23, s(h) + u64(0) + u64(4)) == 8)
    check("CLOSE", c.status(4, s(h)) == 0)
    check("OPEN with NOFOLLOW on a symbolic link: LINK_LOOP",
          c.status(3, s("dir/sym") + u32(1) + u32(2 | 0x400) + ATTRS0) == 21)
    check("OPEN with BLOCK_WRITE: OP_UNSUPPORTED",
          c.status(3, s("dir/keep") + u32(1) + u32(2 | 0x80) + ATTRS0) == 8)
    check("OPEN CREATE_NEW of an existing file: FILE_ALREADY_EXISTS",
          c.status(3, s("dir/keep") + u32(2) + u32(0) + ATTRS0) == 11)
    check("RENAME onto an existing file without flags: FILE_ALREADY_EXISTS",
          c.status(18, s("dir/hard") + s("file") + u32(0)) == 11)
    check("RENAME with OVERWRITE: OK", c.status(18, s("dir/hard") + s("file") + u32(1)) == 0)
    check("RENAME with OVERWRITE on disk", open(p("file")).read() == "keep\n" and not os.path.exists(p("dir/hard")))
    check("RMDIR of a full directory: DIR_NOT_EMPTY", c.status(15, s("dir")) == 18)
    check("STAT through a file: NOT_A_DIRECTORY", c.status(17, s("file/x")) == 19)
    check("OPEN of a directory for writing: FILE_IS_A_DIRECTORY",
          c.status(3, s("dir") + u32(2) + u32(2) + ATTRS0) == 24)
    check("session ends cleanly", c.close() == 0)
    c = Conn(3)
    check("INIT 3: versions 3,4,5,6 offered", c.ext.get("versions") == b"3,4,5,6", c.ext.get("versions"))
    check("v3: RMDIR of a full directory: FAILURE as before", c.status(15, s("dir")) == 4)
    check("v3: STAT through a file: NO_SUCH_FILE as before", c.status(17, s("file/x")) == 2)
    c.close()
    c = Conn(3)
    check("version-select 6 as the first request: OK",
          c.status(200, s("version-select") + s("6")) == 0)
    check("and the session speaks 6: RMDIR of a full directory: DIR_NOT_EMPTY",
          c.status(15, s("dir")) == 18)
    c.close()
else:
    c = Conn(5)
    check("read-only: INIT 5: VERSION 5", c.version == 5, c.version)
    tries = [
        ("WRITE_DATA via OPEN_EXISTING", "dir/keep", 2, 2),
        ("APPEND_DATA flag with READ_DATA", "dir/keep", 1, 2 | 0x08),
        ("ACE4_APPEND_DATA alone", "dir/keep", 4, 2),
        ("READ_DATA with CREATE_TRUNCATE", "dir/keep", 1, 1),
        ("READ_DATA with TRUNCATE_EXISTING", "dir/keep", 1, 4),
        ("no access with CREATE_NEW", "dir/new", 0, 0),
        ("READ_DATA with WRITE_ATTRIBUTES", "dir/keep", 1 | 0x100, 2),
        ("READ_DATA with DELETE", "dir/keep", 1 | 0x10000, 2),
    ]
    for what, path, access, flags in tries:
        check("read-only v5 OPEN: %s refused" % what,
              c.status(3, s(path) + u32(access) + u32(flags) + ATTRS0) == 3)
    rt, rb = c.req(3, s("dir/keep") + u32(1) + u32(2) + ATTRS0)
    check("read-only v5 OPEN READ_DATA: a handle", rt == 102, rt)
    rt, rb = c.req(5, s(rb[4:8]) + u64(0) + u32(100))
    check("read-only: and it reads the file", rt == 103 and rb[4:] == b"keep\n", rb)
    check("read-only: v5 RENAME OVERWRITE refused", c.status(18, s("dir/keep") + s("file") + u32(1)) == 3)
    c.close()
    c = Conn(6)
    check("read-only: v6 LINK symbolic refused", c.status(21, s("dir/l") + s("keep") + b"\x01") == 3)
    check("read-only: v6 LINK hard refused", c.status(21, s("dir/l") + s("dir/keep") + b"\x00") == 3)
    c.close()
print("ok - driver finished")
PY

tree() { (cd "$T/root" && find . -printf '%p %y %s %m\n' | sort && cat file dir/keep); }

timeout 60 python3 "$T/drive.py" "$SFTPD" "$T/root" rw >"$T/out.rw" 2>"$T/err.rw"
rc=$?
cat "$T/out.rw"
T_N=$(grep -c '^ok\|^not ok' "$T/out.rw")
T_FAILED=$(grep -c '^not ok' "$T/out.rw")
t_is "$rc" 0 "the v6 driver ran to its end"
[ "$rc" = 0 ] || t_diag_file "$T/err.rw"

before=$(tree)
timeout 60 python3 "$T/drive.py" "$SFTPD" "$T/root" ro >"$T/out.ro" 2>"$T/err.ro"
rc=$?
cat "$T/out.ro"
T_N=$((T_N + $(grep -c '^ok\|^not ok' "$T/out.ro")))
T_FAILED=$((T_FAILED + $(grep -c '^not ok' "$T/out.ro")))
t_is "$rc" 0 "the read-only driver ran to its end"
[ "$rc" = 0 ] || t_diag_file "$T/err.ro"
t_is "$(tree)" "$before" "read-only: the tree is unchanged"
t_done
