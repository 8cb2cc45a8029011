# privsep_inspect.py: what sftpd's processes are, for sftpd_privsep.sh.
#
#   python3 privsep_inspect.py ROOTPID KEYFILE
#
# Prints one line per process below ROOTPID (ROOTPID included) whose name
# starts with "sftpd", as space-separated name=value fields:
#   name pid ppid state uid gid groups nnp seccomp capeff root
#   keyfd       an open descriptor of the process is KEYFILE (yes/no)
#   keyvisible  KEYFILE's path exists inside the process's root (yes/no)
#   keyopen     the process's uids, gids and groups can open KEYFILE for
#               reading, from outside any chroot (readable/denied)
#   mem         ok, or unreadable:ERRNO (reading /proc/PID/mem needs root)
#   scanned     bytes of memory searched
#   found       which secret parts of KEYFILE are in its memory, or none
# KEYFILE is an unencrypted OpenSSH private key (openssh-key-v1), ed25519
# or RSA.  Needs root.  Exit 2 on a key it cannot parse.  ftpsd_privsep.py
# imports its helpers (status, scan, can_open_as, descendants).
import base64
import errno
import hashlib
import os
import sys

CHUNK = 16 << 20  # memory is read in chunks this size...
OVERLAP = 64      # ...overlapping by more than the longest needle
NEEDLE = 32       # bytes of each secret searched for
MAX_MAPPING = 1 << 30  # larger mappings are reservations, not data


class Cursor:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("truncated key")
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def u32(self):
        return int.from_bytes(self.take(4), "big")

    def string(self):
        return self.take(self.u32())


def key_needles(path):
    """Secret byte strings of the key: any of them in memory is a leak."""
    lines = open(path).read().split("\n")
    body = "".join(l.strip() for l in lines if l.strip() and not l.startswith("-----"))
    raw = base64.b64decode(body)
    magic = b"openssh-key-v1\0"
    if not raw.startswith(magic):
        raise ValueError("not an openssh-key-v1 file")
    c = Cursor(raw[len(magic):])
    cipher, _kdf, _kdfopts, n = c.string(), c.string(), c.string(), c.u32()
    if cipher != b"none" or n != 1:
        raise ValueError("encrypted, or more than one key")
    c.string()  # public key blob
    p = Cursor(c.string())
    if p.u32() != p.u32():
        raise ValueError("check integers differ")
    kind = p.string()
    needles = {}
    if kind == b"ssh-ed25519":
        p.string()  # public key
        sk = p.string()  # seed || public key
        if len(sk) != 64:
            raise ValueError("ed25519 secret of %d bytes" % len(sk))
        seed = sk[:32]
        h = hashlib.sha512(seed).digest()
        scalar = bytearray(h[:32])
        scalar[0] &= 248
        scalar[31] &= 127
        scalar[31] |= 64
        needles["seed"] = seed  # also the first half of the 64-byte secret
        needles["scalar"] = bytes(scalar)  # the expanded signing key
        needles["prefix"] = h[32:]
    elif kind == b"ssh-rsa":
        _n, _e, d, _iqmp, pp, qq = (p.string() for _ in range(6))
        for name, v in (("d", d), ("p", pp), ("q", qq)):
            be = v.lstrip(b"\0")
            mid = len(be) // 2 - NEEDLE // 2
            # big-endian, and little-endian as BIGNUM limbs lie in memory
            needles[name + "-be"] = be[mid:mid + NEEDLE]
            needles[name + "-le"] = be[::-1][mid:mid + NEEDLE]
    else:
        raise ValueError("key type %r" % kind)
    return needles


def status(pid):
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.strip()
    return st


def ids(field):
    return ",".join(field.split())


def scan(pid, needles):
    """Searches every mapping but [vvar]-like ones and large reservations."""
    found, scanned = set(), 0
    try:
        maps = open("/proc/%d/maps" % pid).read().splitlines()
        mem = open("/proc/%d/mem" % pid, "rb", 0)
    except OSError as e:
        return "unreadable:" + errno.errorcode.get(e.errno, str(e.errno)), 0, found
    with mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            perms, name = f[1], (f[5] if len(f) > 5 else "")
            if name.startswith("[vvar") or name == "[vsyscall]":
                continue
            if hi - lo > MAX_MAPPING or ("r" not in perms and hi - lo > (1 << 20)):
                continue
            at, tail = lo, b""
            while at < hi:
                try:
                    mem.seek(at)
                    data = mem.read(min(CHUNK, hi - at))
                except OSError:
                    break
                if not data:
                    break
                scanned += len(data)
                window = tail + data
                for k, v in needles.items():
                    if v in window:
                        found.add(k)
                tail = window[-OVERLAP:]
                at += len(data)
    return "ok", scanned, found


def can_open_as(st, path):
    """Forks, takes the process's ids and groups, tries to open path."""
    uids = [int(x) for x in st["Uid"].split()]
    gids = [int(x) for x in st["Gid"].split()]
    groups = [int(x) for x in st.get("Groups", "").split()]
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups(groups)
            os.setresgid(gids[0], gids[1], gids[2])
            os.setresuid(uids[0], uids[1], uids[2])
            os.close(os.open(path, os.O_RDONLY))
            os._exit(0)
        except PermissionError:
            os._exit(1)
        except BaseException:
            os._exit(2)
    _, w = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(w)
    return {0: "readable", 1: "denied"}.get(rc, "error")


def descendants(root):
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(sorted(children.get(p, [])))
    return out


def main():
    root, keyfile = int(sys.argv[1]), os.path.realpath(sys.argv[2])
    try:
        needles = key_needles(keyfile)
    except (OSError, ValueError) as e:
        print("cannot use %s: %s" % (keyfile, e), file=sys.stderr)
        sys.exit(2)
    for pid in descendants(root):
        try:
            st = status(pid)
            if not st.get("Name", "").startswith("sftpd"):
                continue
            try:
                proot = os.readlink("/proc/%d/root" % pid)
            except OSError:
                proot = "?"
            keyfd = "no"
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == keyfile:
                        keyfd = "yes"
                except OSError:
                    pass
            visible = os.path.lexists("/proc/%d/root%s" % (pid, keyfile))
            mem, scanned, found = scan(pid, needles)
            fields = [
                ("name", st["Name"]), ("pid", pid), ("ppid", st["PPid"]),
                ("state", st["State"].split()[0]), ("uid", ids(st["Uid"])),
                ("gid", ids(st["Gid"])), ("groups", ids(st.get("Groups", "")) or "-"),
                ("nnp", st.get("NoNewPrivs", "?")), ("seccomp", st.get("Seccomp", "?")),
                ("capeff", st.get("CapEff", "?")), ("root", proot), ("keyfd", keyfd),
                ("keyvisible", "yes" if visible else "no"),
                ("keyopen", can_open_as(st, keyfile)), ("mem", mem),
                ("scanned", scanned), ("found", ",".join(sorted(found)) or "none"),
            ]
        except (OSError, KeyError):
            continue  # it ended meanwhile
        print(" ".join("%s=%s" % kv for kv in fields), flush=True)


if __name__ == "__main__":
    main()
