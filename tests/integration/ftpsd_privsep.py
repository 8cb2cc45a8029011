#!/usr/bin/env python3
"""ftpsd_privsep.py: ftpsd's processes seen from outside during a real curl
login (explicit TLS 1.3, then a slow download).  A TCP relay between curl
and ftpsd holds curl's first command after the TLS handshake (USER), so the
pre-login processes can be inspected: the monitor (root) and the network
process ftpsd-net, which must run as the privsep user, with NoNewPrivs,
Seccomp 2, no capabilities, chrooted in the empty directory, unable to open
/etc/shadow or the users file, without the account's hash or password in
memory.  Released, curl logs in and downloads slowly, and is stopped once
the session appears until the inspection is over; the connection must have
two processes: ftpsd-session as the account (sandboxed, chrooted
in its home, neither hash nor password in memory) and ftpsd-net.  Driven by
ftpsd_privsep.sh (environment below); prints TAP lines without the plan.
Root only: it reads other processes' memory and takes their ids."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import privsep_inspect as pi  # noqa: E402

E = os.environ
SERVER_PORT = int(E["P_SERVER"])
SA_PID = int(E["SA_PID"])  # systemd-socket-activate: the connections' parent
USER, PASSWORD = E["ACC_USER"], E["ACC_PASS"]
ACC_IDS = (E["ACC_UID"], E["ACC_GID"])
PRIV_IDS = (E["PRIV_UID"], E["PRIV_GID"])
PRIV_DIR = E["PRIV_DIR"]
USERS_FILE, HOME, KEYFILE = E["USERS_FILE"], E["HOME_DIR"], E["KEYFILE"]
HASH = E["ACC_HASH"]
OUT = E["OUT_FILE"]

n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name), flush=True)
    if not cond and diag:
        for line in str(diag).splitlines()[:8]:
            print("# " + line, flush=True)


# --- the relay that holds USER ------------------------------------------------

held = threading.Event()
release = threading.Event()


def tls_records(buf):
    """Whole TLS records at the start of buf: [(type, bytes)], rest."""
    out = []
    while len(buf) >= 5:
        ln = 5 + int.from_bytes(buf[3:5], "big")
        if len(buf) < ln:
            break
        out.append((buf[0], buf[:ln]))
        buf = buf[ln:]
    return out, buf


def client_to_server(c, s):
    """Clear lines until AUTH, then TLS records: the second application
    data record (TLS 1.3: the first is the client's Finished) is USER."""
    clear, buf, appdata = True, b"", 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        if clear:
            s.sendall(d)
            if d.startswith(b"AUTH "):  # curl: AUTH SSL first, then AUTH TLS
                clear = False
            continue
        recs, buf = tls_records(buf + d)
        for typ, rec in recs:
            if typ == 0x17:
                appdata += 1
                if appdata == 2 and not held.is_set():
                    held.set()
                    release.wait(60)
            s.sendall(rec)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def server_to_client(s, c):
    while True:
        d = s.recv(65536)
        if not d:
            break
        c.sendall(d)
    try:
        c.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def quietly(fn, *a):
    """A relay direction ends when either side closes, reset or not."""
    try:
        fn(*a)
    except OSError:
        pass


def relay(lst):
    c, _ = lst.accept()
    s = socket.create_connection(("127.0.0.1", SERVER_PORT))
    t = threading.Thread(target=quietly, args=(server_to_client, s, c), daemon=True)
    t.start()
    quietly(client_to_server, c, s)
    t.join(60)


# --- what the server's processes are -----------------------------------------

def key_pem_needle():
    """A piece of the TLS key file's base64 body: libtls keeps the PEM."""
    body = "".join(l for l in open(KEYFILE).read().splitlines() if l and not l.startswith("-----"))
    return body[len(body) // 2:len(body) // 2 + 32].encode()


NEEDLES = {"password": PASSWORD.encode(), "hash": HASH[-32:].encode(), "tlskey": key_pem_needle()}


def snapshot():
    """{name: fields} for every ftpsd process below systemd-socket-activate."""
    procs = {}
    for pid in pi.descendants(SA_PID):
        if pid == SA_PID:
            continue
        try:
            st = pi.status(pid)
            name = st.get("Name", "")
            if not name.startswith("ftpsd") or st["State"].startswith("Z"):
                continue
            root = os.readlink("/proc/%d/root" % pid)
            mem, scanned, found = pi.scan(pid, NEEDLES)
            procs[name] = {
                "pid": pid, "ppid": int(st["PPid"]), "uid": st["Uid"].split(), "gid": st["Gid"].split(),
                "nnp": st.get("NoNewPrivs"), "seccomp": st.get("Seccomp"), "capeff": st.get("CapEff"),
                "root": root, "mem": mem, "found": found, "scanned": scanned,
                "shadow": pi.can_open_as(st, "/etc/shadow"), "users": pi.can_open_as(st, USERS_FILE),
                "shadow_visible": os.path.lexists("/proc/%d/root/etc/shadow" % pid),
                "users_visible": os.path.lexists("/proc/%d/root%s" % (pid, USERS_FILE)),
            }
        except (OSError, KeyError):
            continue
    return procs


def names_now():
    """The names of the live processes below systemd-socket-activate."""
    names = set()
    for pid in pi.descendants(SA_PID):
        try:
            st = pi.status(pid)
        except (OSError, KeyError):
            continue
        if pid != SA_PID and not st.get("State", "Z").startswith("Z"):
            names.add(st.get("Name", ""))
    return names


def ids_are(p, ids):
    return p["uid"] == [ids[0]] * 4 and p["gid"] == [ids[1]] * 4


def memory_fact(p, needle, name, want_found):
    if p["mem"] != "ok":
        ok(True, "%s # SKIP cannot read the memory (%s)" % (name, p["mem"]))
        return
    ok((needle in p["found"]) == want_found, "%s (%d bytes searched)" % (name, p["scanned"]),
       "found: %s" % ",".join(sorted(p["found"])))


# --- the run ---------------------------------------------------------------------

lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(1)
threading.Thread(target=relay, args=(lst,), daemon=True).start()
curl = subprocess.Popen(
    ["curl", "-sS", "-k", "--ssl-reqd", "--tlsv1.3", "--limit-rate", "400k", "--user",
     "%s:%s" % (USER, PASSWORD), "-o", OUT, "ftp://127.0.0.1:%d/big.bin" % lst.getsockname()[1]],
    stderr=subprocess.PIPE)

ok(held.wait(20), "curl finished the TLS handshake; its USER is held by the relay")
time.sleep(0.3)
pre = snapshot()
mon, net = pre.get("ftpsd"), pre.get("ftpsd-net")
ok(mon is not None and net is not None, "before login: a monitor (ftpsd) and a network process (ftpsd-net)",
   pre)
if mon and net:
    ok(mon["uid"] == ["0"] * 4, "the monitor runs as root", mon["uid"])
    ok(net["ppid"] == mon["pid"], "the network process is the monitor's child")
    ok(ids_are(net, PRIV_IDS), "the network process runs as the privsep user %s:%s" % PRIV_IDS,
       (net["uid"], net["gid"]))
    ok(net["capeff"] == "0000000000000000", "the network process has no capabilities", net["capeff"])
    ok(net["nnp"] == "1", "the network process has NoNewPrivs: 1", net["nnp"])
    ok(net["seccomp"] == "2", "the network process has Seccomp: 2 (filter)", net["seccomp"])
    ok(net["root"] == PRIV_DIR, "the network process's root is %s" % PRIV_DIR, net["root"])
    ok(not net["shadow_visible"] and net["shadow"] == "denied",
       "the network process cannot open /etc/shadow (not in its root; its ids are denied)",
       (net["shadow_visible"], net["shadow"]))
    ok(not net["users_visible"] and net["users"] == "denied",
       "the network process cannot open the users file (not in its root; its ids are denied)",
       (net["users_visible"], net["users"]))
    memory_fact(mon, "tlskey", "control: the TLS key (libtls keeps its PEM) is in the monitor's memory", True)
    memory_fact(net, "hash", "the account's hash is not in the network process's memory", False)
    memory_fact(net, "password", "the password is not in the network process's memory (not sent yet)", False)
else:
    for _ in range(12):
        ok(False, "before login: no processes to inspect")
release.set()

for _ in range(100):
    if "ftpsd-session" in names_now():
        break
    time.sleep(0.1)
# The inspection reads every process's memory, which takes seconds under
# ASan, longer than the download: curl waits, stopped, meanwhile, so the
# connection cannot end before it has been seen.
curl.send_signal(signal.SIGSTOP)
post = snapshot()
sess, net2 = post.get("ftpsd-session"), post.get("ftpsd-net")
names = sorted(post)
ok(names == ["ftpsd-net", "ftpsd-session"], "after login: two processes, ftpsd-session and ftpsd-net", names)
if sess and net2:
    ok(sess["pid"] == (mon or {}).get("pid"), "the session process is the monitor, become the account")
    ok(ids_are(sess, ACC_IDS), "the session process runs as the account %s:%s" % ACC_IDS,
       (sess["uid"], sess["gid"]))
    ok(sess["nnp"] == "1" and sess["seccomp"] == "2", "the session process has NoNewPrivs: 1, Seccomp: 2",
       (sess["nnp"], sess["seccomp"]))
    ok(sess["capeff"] == "0000000000000000", "the session process has no capabilities")
    ok(sess["root"] == HOME, "the session process is chrooted in the account's home", sess["root"])
    ok(net2["pid"] == (net or {}).get("pid") and ids_are(net2, PRIV_IDS),
       "the same network process relays, still as the privsep user")
    ok(not any(p["uid"][0] == "0" or "0" in p["uid"] for p in post.values()),
       "no process of the connection runs as uid 0")
    memory_fact(sess, "hash", "the account's hash is not in the session process's memory", False)
    memory_fact(sess, "password", "the password is not in the session process's memory", False)
    memory_fact(net2, "hash", "the account's hash is not in the network process's memory", False)
else:
    for _ in range(10):
        ok(False, "after login: no processes to inspect")
curl.send_signal(signal.SIGCONT)
try:
    _, err = curl.communicate(timeout=60)
except subprocess.TimeoutExpired:
    curl.kill()
    _, err = curl.communicate()
ok(curl.returncode == 0, "curl's download through the relay succeeds", err.decode(errors="replace"))
ok(os.path.exists(OUT) and open(OUT, "rb").read() == open(os.path.join(HOME, "big.bin"), "rb").read(),
   "the downloaded file is intact")
sys.exit(1 if failed else 0)
