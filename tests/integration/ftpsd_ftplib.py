#!/usr/bin/env python3
"""ftpsd_ftplib.py: Python ftplib (FTP_TLS) against ftpsd: every command,
REST-restarted RETR and STOR, MODE Z, ASCII, active mode, bounce refusal,
ABOR mid-transfer, bad input, TLS policies, CCC, anonymous, limits.
Driven by ftpsd_ftplib.sh, which starts the servers; prints TAP."""
import ftplib
import io
import os
import socket
import ssl
import sys
import time
import zlib

E = os.environ
HOME = E["HOME_DIR"]
USER, PASS = E["USER_NAME"], E["USER_PASS"]
PORT = {k: int(E["P_" + k]) for k in ("MAIN", "OFF", "AUTH", "DATA", "NODATA", "NOACTIVE", "LOGIN")}
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

n = 0
failed = 0


def ok(cond, name):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name), flush=True)


def code_of(fn, *a):
    """Reply code of a command, whether it succeeds or raises."""
    try:
        r = fn(*a)
        return r[:3] if isinstance(r, str) else "ok"
    except ftplib.all_errors as e:
        return str(e)[:3]


def tls(port, login=True, prot=True):
    f = ftplib.FTP_TLS(context=CTX, timeout=20)
    f.connect("127.0.0.1", port)
    if login:
        f.login(USER, PASS)
        if prot:
            f.prot_p()
    return f


def plain(port):
    f = ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", port)
    return f


def get(f, name, rest=None):
    b = io.BytesIO()
    f.retrbinary("RETR " + name, b.write, rest=rest)
    return b.getvalue()


def raw_reply(f):
    """Reads one complete (possibly multi-line) reply from the control socket."""
    return f.getmultiline()


data = os.urandom(300007)

# --- FEAT before login, policy on the default server ---
f = plain(PORT["MAIN"])
feat = f.sendcmd("FEAT")
ok("AUTH TLS" in feat and "\n PBSZ" in feat and "\n PROT" in feat, "FEAT before login lists AUTH TLS, PBSZ, PROT")
ok("MLST" in feat and "EPSV" in feat and "REST STREAM" in feat and "UTF8" in feat and "MODE Z" in feat,
   "FEAT lists MLST EPSV REST STREAM UTF8 MODE Z")
ok(code_of(f.sendcmd, "USER " + USER) == "530", "USER before AUTH refused under FTPSD_TLS_REQUIRED=on")
ok(code_of(f.sendcmd, "PBSZ 0") in ("503", "534"), "PBSZ before AUTH refused")
ok(code_of(f.sendcmd, "SYST") == "534", "SYST before AUTH refused under ctrl policy")
f.quit()

# --- login and directories ---
f = tls(PORT["MAIN"])
ok(f.pwd() == "/", "PWD is / after login")
ok(code_of(f.sendcmd, "PROT C") == "534", "PROT C refused where data protection is required")
ok(code_of(f.sendcmd, "PROT S") == "536", "PROT S refused")
ok(code_of(f.sendcmd, "PROT P") == "200", "PROT P")
ok(f.mkd("d1") == "/d1", "MKD returns the new path")
ok(code_of(f.sendcmd, "XMKD d2") == "257", "XMKD")
f.cwd("d1")
ok(f.pwd() == "/d1", "CWD then PWD")
ok(code_of(f.sendcmd, "XPWD") == "257", "XPWD")
ok(code_of(f.sendcmd, "CDUP") == "250" and f.pwd() == "/", "CDUP")
ok(code_of(f.sendcmd, "XCWD d1") == "250" and code_of(f.sendcmd, "XCUP") == "250", "XCWD / XCUP")
ok(code_of(f.sendcmd, "CWD ../../..") == "250" and f.pwd() == "/", "CWD above the root stays at /")
ok(code_of(f.sendcmd, "CWD nosuch") == "550", "CWD to a missing directory: 550")
ok(code_of(f.sendcmd, "XRMD d2") == "250", "XRMD")

# --- files ---
f.storbinary("STOR f.bin", io.BytesIO(data))
ok(open(os.path.join(HOME, "f.bin"), "rb").read() == data, "STOR binary arrives intact")
ok(get(f, "f.bin") == data, "RETR binary intact")
ok(f.size("f.bin") == len(data), "SIZE")
ok(code_of(f.sendcmd, "MFMT 20200102030405 f.bin") == "213", "MFMT")
ok(f.sendcmd("MDTM f.bin") == "213 20200102030405", "MDTM after MFMT")
ok(get(f, "f.bin", rest=1000) == data[1000:], "REST + RETR restarts a download")
half = len(data) // 2
f.storbinary("STOR r.bin", io.BytesIO(data[:half]))
f.storbinary("STOR r.bin", io.BytesIO(data[half:]), rest=half)
ok(open(os.path.join(HOME, "r.bin"), "rb").read() == data, "REST + STOR restarts an upload")
f.storbinary("APPE r.bin", io.BytesIO(b"tail"))
ok(open(os.path.join(HOME, "r.bin"), "rb").read() == data + b"tail", "APPE appends")
conn, _ = f.ntransfercmd("STOU")
conn.sendall(b"unique")
conn.unwrap()
conn.close()
final = f.voidresp()
stou = [x for x in os.listdir(HOME) if x.startswith("ftpsd.")]
ok(final.startswith("226") and len(stou) == 1 and open(os.path.join(HOME, stou[0]), "rb").read() == b"unique",
   "STOU stores under a new name")
ok(code_of(f.sendcmd, "REST abc") == "501", "REST with junk: 501")
ok(code_of(f.sendcmd, "RETR nosuch") == "550", "RETR of a missing file: 550")

# --- listings ---
lines = []
f.retrlines("LIST", lines.append)
ok(any(l.startswith("-rw") and l.endswith(" f.bin") and " %d " % len(data) in l for l in lines), "LIST in ls -l style")
lines = []
f.retrlines("LIST -la", lines.append)
ok(any(l.endswith(" f.bin") for l in lines), "LIST -la (options skipped)")
ok(set(["f.bin", "r.bin", "d1"]) <= set(f.nlst()), "NLST")
ok(sorted(f.nlst("*.bin")) == sorted(x for x in f.nlst() if x.endswith(".bin")), "NLST with a glob pattern")
ok(code_of(f.nlst, "nosuchdir/*.bin") == "550", "NLST glob in a missing directory: 550")
facts = dict(f.mlsd())
ok(facts.get("f.bin", {}).get("type") == "file" and facts["f.bin"].get("size") == str(len(data)), "MLSD type and size")
ok(facts.get("d1", {}).get("type") == "dir" and "unix.mode" in facts["f.bin"] and "unique" in facts["f.bin"],
   "MLSD dir, UNIX.mode, unique")
ok(facts["f.bin"].get("modify") == "20200102030405", "MLSD modify")
m = f.sendcmd("MLST f.bin")
ok(m.startswith("250-") and "type=file;" in m and "size=%d;" % len(data) in m and m.rstrip().endswith("250 End"),
   "MLST")
ok(code_of(f.sendcmd, "OPTS MLST type;size;") == "200", "OPTS MLST")
m = f.sendcmd("MLST f.bin")
ok("type=file;size=" in m and "modify=" not in m, "MLST after OPTS MLST shows only chosen facts")
f.sendcmd("OPTS MLST type;size;modify;perm;unique;UNIX.mode;UNIX.owner;UNIX.group;")
ok(code_of(f.sendcmd, "OPTS UTF8 ON") == "200", "OPTS UTF8 ON")

# --- ASCII ---
f.storlines("STOR t.txt", io.BytesIO(b"one\ntwo\n"))
ok(open(os.path.join(HOME, "t.txt"), "rb").read() == b"one\ntwo\n", "TYPE A upload: CRLF stored as LF")
f.sendcmd("TYPE A")
conn = f.transfercmd("RETR t.txt")
got = b""
while True:
    b = conn.recv(65536)
    if not b:
        break
    got += b
conn.unwrap()
conn.close()
f.voidresp()
ok(got == b"one\r\ntwo\r\n", "TYPE A download: LF sent as CRLF")
f.sendcmd("TYPE I")

# --- MODE Z ---
ok(code_of(f.sendcmd, "MODE Z") == "200", "MODE Z accepted")
conn = f.transfercmd("RETR f.bin")
comp = b""
while True:
    b = conn.recv(65536)
    if not b:
        break
    comp += b
conn.unwrap()
conn.close()
f.voidresp()
ok(zlib.decompress(comp) == data, "MODE Z download inflates to the file")
conn = f.transfercmd("STOR z.bin")
conn.sendall(zlib.compress(data))
conn.unwrap()
conn.close()
f.voidresp()
ok(open(os.path.join(HOME, "z.bin"), "rb").read() == data, "MODE Z upload arrives inflated")
ok(code_of(f.sendcmd, "MODE S") == "200", "MODE S")
ok(code_of(f.sendcmd, "MODE B") == "504", "MODE B refused")

# --- names and attributes ---
ok(code_of(f.sendcmd, "RNFR t.txt") == "350" and code_of(f.sendcmd, "RNTO t2.txt") == "250", "RNFR/RNTO")
ok(os.path.exists(os.path.join(HOME, "t2.txt")), "renamed file exists")
ok(code_of(f.sendcmd, "RNTO x") == "503", "RNTO without RNFR: 503")
ok(code_of(f.sendcmd, "RNFR nosuch") == "550", "RNFR of a missing file: 550")
ok(code_of(f.sendcmd, "DELE nosuch") == "550", "DELE of a missing file: 550")
ok(code_of(f.sendcmd, "RMD nosuch") == "550", "RMD of a missing directory: 550")
ok(code_of(f.sendcmd, "MKD f.bin") == "550", "MKD over an existing file: 550")
ok(code_of(f.sendcmd, "SIZE nosuch") == "550" and code_of(f.sendcmd, "MDTM nosuch") == "550", "SIZE/MDTM of a missing file: 550")
ok(code_of(f.sendcmd, "MFMT 20200102030405 nosuch") == "550", "MFMT of a missing file: 550")
ok(code_of(f.sendcmd, "SITE CHMOD 644 nosuch") == "550", "SITE CHMOD of a missing file: 550")
ok(code_of(f.sendcmd, "MLST nosuch") == "550", "MLST of a missing file: 550")
ok(code_of(f.sendcmd, "STAT nosuch") == "550", "STAT of a missing path: 550")
ok(code_of(f.nlst, "nosuch") == "550", "NLST of a missing path: 550")
ok(code_of(f.sendcmd, "RETR ../../etc/passwd") == "550", "RETR outside the root: 550")
ok(code_of(f.sendcmd, "CWD /etc") == "550", "CWD to a host path that is not in the root: 550")
ok(code_of(f.sendcmd, "SITE CHMOD 600 t2.txt") == "200" and
   (os.stat(os.path.join(HOME, "t2.txt")).st_mode & 0o777) == 0o600, "SITE CHMOD")
ok(code_of(f.sendcmd, "SITE HELP") == "214", "SITE HELP")
ok(code_of(f.sendcmd, "DELE t2.txt") == "250" and not os.path.exists(os.path.join(HOME, "t2.txt")), "DELE")
ok(code_of(f.sendcmd, "RMD d1") == "250", "RMD")
ok(code_of(f.sendcmd, "STAT") == "211", "STAT (server)")
st = f.sendcmd("STAT .")
ok(st.startswith("213-") and "f.bin" in st, "STAT path lists over the control connection")
ok(code_of(f.sendcmd, "HELP") == "214" and code_of(f.sendcmd, "HELP RETR") == "214", "HELP")
ok(f.sendcmd("SYST").startswith("215 UNIX"), "SYST")
ok(code_of(f.sendcmd, "NOOP") == "200", "NOOP")
ok(code_of(f.sendcmd, "ALLO 1000") == "202", "ALLO")
ok(code_of(f.sendcmd, "STRU F") == "200" and code_of(f.sendcmd, "STRU R") == "504", "STRU")
ok(code_of(f.sendcmd, "TYPE E") == "504" and code_of(f.sendcmd, "TYPE L 8") == "200", "TYPE E refused, L 8 ok")
ok(code_of(f.sendcmd, "HOST example.org") == "503", "HOST after login: 503")
ok(code_of(f.sendcmd, "CCC") == "534", "CCC refused where not allowed")
ok(code_of(f.sendcmd, "XYZZY") == "502", "unknown command: 502")
ok(code_of(f.sendcmd, "ABOR") == "225", "ABOR without a transfer")

# --- active mode, bounce protection ---
f.set_pasv(False)
ok(get(f, "f.bin") == data, "active mode (PORT) RETR")
f.set_pasv(True)
ok(code_of(f.sendcmd, "PORT 127,0,0,2,200,10") == "504", "PORT to another address refused (bounce)")
ok(code_of(f.sendcmd, "PORT 127,0,0,1,0,21") == "504", "PORT to a port below 1024 refused")
ok(code_of(f.sendcmd, "EPRT |1|10.1.2.3|5000|") == "504", "EPRT to another address refused")
ok(code_of(f.sendcmd, "EPRT |2|::1|5000|") == "504", "EPRT to another family refused")
ok(code_of(f.sendcmd, "PORT 1,2,3") == "501", "malformed PORT: 501")
resp = f.sendcmd("EPSV")
ok(resp.startswith("229") and "(|||" in resp, "EPSV reply")
resp = f.sendcmd("PASV")
lo, hi = [int(x) for x in E["PASV"].split("-")]
p = resp[resp.index("(") + 1:resp.index(")")].split(",")
ok(lo <= int(p[4]) * 256 + int(p[5]) <= hi, "PASV port from FTPSD_PASV_PORTS")

# --- ABOR in the middle of a download ---
big = os.urandom(20 << 20)
open(os.path.join(HOME, "big.bin"), "wb").write(big)
conn = f.transfercmd("RETR big.bin")
conn.recv(65536)
f.sock.sendall(b"ABOR\r\n")
try:
    a = f.getline()
    b = f.getline()
except Exception as e:
    a, b = str(e), ""
conn.close()
ok(a.startswith("426") and b.startswith("226"), "ABOR mid-transfer: 426 then 226")
ok(code_of(f.sendcmd, "NOOP") == "200", "session usable after ABOR")
ok(get(f, "f.bin") == data, "transfer after ABOR intact")

# --- ABOR in the middle of an upload ---
conn = f.transfercmd("STOR abor-up.bin")
conn.sendall(os.urandom(1 << 20))
f.sock.sendall(b"ABOR\r\n")
try:
    a = f.getline()
    b = f.getline() if a.startswith("426") else ""
except Exception as e:
    a, b = str(e), ""
conn.close()
ok((a.startswith("426") and b.startswith("226")) or a.startswith("226"), "ABOR mid-upload answered")
ok(code_of(f.sendcmd, "NOOP") == "200", "session usable after ABOR of an upload")

# --- bad input on a TLS control connection ---
f.sock.sendall(b"A" * 10240 + b"\r\n")
ok(f.getline().startswith("500"), "10 KiB line: 500")
f.sock.sendall(b"NO\x00OP\r\n")
ok(f.getline().startswith("500"), "NUL byte: 500")
f.sock.sendall(b"NOOP\n")
ok(f.getline().startswith("500"), "bare LF: 500")
f.sock.sendall(b"NOOP\r\nSYST\r\n")
ok(f.getline().startswith("200") and f.getline().startswith("215"), "pipelined commands")
ok(code_of(f.sendcmd, "NOOP") == "200", "session usable after bad input")
f.sock.sendall(b"EPSV ALL\r\n")
ok(f.getline().startswith("200"), "EPSV ALL")
ok(code_of(f.sendcmd, "PASV") == "501" and code_of(f.sendcmd, "PORT 127,0,0,1,200,10") == "501",
   "PASV and PORT refused after EPSV ALL")
ok(code_of(f.sendcmd, "REIN") == "421", "REIN after login ends the session")
f.close()

# --- failed logins ---
f = tls(PORT["MAIN"], login=False)
t0 = time.time()
ok(code_of(f.login, USER, "wrong") == "530", "wrong password: 530")
ok(code_of(f.login, "nosuchuser", "wrong") == "530", "unknown user: 530")
f.close()
f = tls(PORT["LOGIN"], login=False)
ok(code_of(f.login, USER, "wrong") == "530", "first failure: 530")
ok(code_of(f.login, USER, "wrong") == "421", "FTPSD_MAX_LOGIN_ATTEMPTS reached: 421")
f.close()
f = plain(PORT["LOGIN"])
time.sleep(2.5)
try:
    r = f.sendcmd("NOOP")
except Exception as e:
    r = str(e)
ok(r.startswith("421"), "login timeout closes with 421")
f.close()
f = tls(PORT["LOGIN"])
time.sleep(2.5)
try:
    r = f.sendcmd("NOOP")
except Exception as e:
    r = str(e)
ok(r.startswith("421"), "idle timeout after login closes with 421")
f.close()
f = tls(PORT["LOGIN"])
conn = f.transfercmd("RETR big.bin")
time.sleep(3.5)
try:
    r = f.getline()
except Exception as e:
    r = str(e)
conn.close()
ok(r.startswith("426"), "stalled transfer aborted with 426")
ok(code_of(f.sendcmd, "NOOP") == "200", "session usable after a stalled transfer")
f.close()

# --- policies ---
f = plain(PORT["AUTH"])
ok(code_of(f.sendcmd, "USER " + USER) == "530", "auth policy: USER before AUTH refused")
f.close()
f = tls(PORT["AUTH"], prot=False)
ok(get(f, "f.bin") == data, "auth policy: clear data allowed after TLS login")
f.storbinary("STOR umask.bin", io.BytesIO(b"u"))
ok((os.stat(os.path.join(HOME, "umask.bin")).st_mode & 0o777) == 0o600, "FTPSD_UMASK=077 gives 0600 files")
f.close()
f = plain(PORT["DATA"])
f.login(USER, PASS)
ok(code_of(get, f, "f.bin") == "522", "data policy: transfer without PROT P refused")
f.close()
f = tls(PORT["DATA"], prot=False)
f.sendcmd("PBSZ 0")
ok(code_of(f.sendcmd, "PROT C") == "534", "data policy: PROT C refused")
f.prot_p()
ok(get(f, "f.bin") == data, "data policy: protected transfer")
f.close()
f = tls(PORT["NODATA"], prot=False)
ok(code_of(f.sendcmd, "PBSZ 0") == "200" and code_of(f.sendcmd, "PROT P") == "534", "ctrl+!data: PROT P refused")
ok(get(f, "f.bin") == data, "ctrl+!data: clear transfer")
f.close()
f = tls(PORT["NOACTIVE"])
ok(code_of(f.sendcmd, "MODE Z") == "504", "MODE Z refused by default")
ok(code_of(f.storbinary, "STOR ro.bin", io.BytesIO(b"x")) == "550", "FTPSD_READ_ONLY: STOR refused")
ok(code_of(f.sendcmd, "DELE f.bin") == "550" and os.path.exists(os.path.join(HOME, "f.bin")), "FTPSD_READ_ONLY: DELE refused")
ok(code_of(f.sendcmd, "SITE CHMOD 600 f.bin") == "550", "FTPSD_READ_ONLY: SITE CHMOD refused")
ok(get(f, "f.bin") == data, "FTPSD_READ_ONLY: RETR allowed")
ok(code_of(f.sendcmd, "PORT 127,0,0,1,200,10") == "502", "FTPSD_ALLOW_ACTIVE=no refuses PORT")
f.close()

# --- policy off: CCC, anonymous, upload ceiling ---
f = tls(PORT["OFF"])
ok(code_of(f.ccc) == "200", "CCC where allowed")
ok(code_of(f.sendcmd, "NOOP") == "200", "clear control channel after CCC")
conn = f.transfercmd("STOR huge.bin")
try:
    conn.sendall(os.urandom(200000))
    conn.unwrap()
except (OSError, ssl.SSLError):
    pass
conn.close()
ok(code_of(f.voidresp) == "552", "upload over FTPSD_MAX_UPLOAD_BYTES: 552")
ok(os.path.getsize(os.path.join(HOME, "huge.bin")) <= 100000, "upload stopped at the ceiling")
f.close()
f = plain(PORT["OFF"])
ok(code_of(f.login, "anonymous", "guest@example.org") == "230", "anonymous login")
ok(get(f, "readme.txt") == b"anonymous file\n", "anonymous download")
ok(code_of(f.storbinary, "STOR x", io.BytesIO(b"x")) == "550", "anonymous upload refused")
ok(code_of(f.sendcmd, "MKD x") == "550", "anonymous MKD refused")
f.close()
# data connection from a foreign address (127.0.0.2) is refused, the client's own is served
f = plain(PORT["OFF"])
f.login(USER, PASS)
f.sendcmd("TYPE I")
resp = f.sendcmd("PASV")
p = resp[resp.index("(") + 1:resp.index(")")].split(",")
dport = int(p[4]) * 256 + int(p[5])
thief = socket.socket()
thief.bind(("127.0.0.2", 0))
thief.connect(("127.0.0.1", dport))
good = socket.create_connection(("127.0.0.1", dport))
f.sendcmd("RETR f.bin")
thief.settimeout(10)
try:
    stolen = thief.recv(100)
except OSError:
    stolen = b""
got = b""
while True:
    b = good.recv(65536)
    if not b:
        break
    got += b
good.close()
thief.close()
ok(f.voidresp().startswith("226") and got == data, "data connection from the client's address served")
ok(stolen == b"", "data connection from a foreign address refused")
ok(code_of(f.sendcmd, "STAT") == "211", "STAT over a clear control channel")
f.close()

# STAT and a pipelined command during a transfer
f = tls(PORT["MAIN"])
conn = f.transfercmd("RETR big.bin")
conn.recv(65536)
f.sock.sendall(b"STAT\r\nNOOP\r\n")
st = f.getline()
rest = b""
while True:
    b = conn.recv(1 << 20)
    if not b:
        break
    rest += b
conn.unwrap()
conn.close()
ok(st.startswith("213 Status:"), "STAT during a transfer reports progress")
ok(f.getline().startswith("200"), "NOOP during a transfer answered")
ok(f.voidresp().startswith("226"), "transfer completes after STAT")
f.close()

# ABOR with Telnet IP + Synch (urgent data), as ftplib.abort() sends it on a clear connection
f = plain(PORT["OFF"])
f.login(USER, PASS)
conn = f.transfercmd("RETR big.bin")
conn.recv(65536)
try:
    r = f.abort()
except ftplib.all_errors as e:
    r = str(e)
conn.close()
if r.startswith("426"):
    r = f.getline()  # ftplib.abort() reads only the 426; the 226 follows
ok(r[:3] in ("225", "226"), "ABOR with Telnet IP/Synch out of band")
ok(code_of(f.sendcmd, "NOOP") == "200", "session usable after out-of-band ABOR")
f.close()

f = plain(PORT["OFF"])
ok(code_of(f.sendcmd, "HOST localhost") == "220", "HOST before USER")
ok(code_of(f.sendcmd, "USER " + USER) == "331" and code_of(f.sendcmd, "REIN") == "220", "REIN before login")
f.close()

# random garbage on a clear control connection: every line gets a reply, no crash
import random
rnd = random.Random(1234)
good = 0
for round_ in range(5):
    c = socket.create_connection(("127.0.0.1", PORT["OFF"]), timeout=10)
    fr = c.makefile("rb")
    fr.readline()
    lines = []
    for i in range(40):
        k = rnd.randrange(0, 300)
        b = bytes(rnd.randrange(1, 256) for _ in range(k)).replace(b"\n", b"").replace(b"\r", b"").replace(b"\xff", b"")
        lines.append(b"%s %s" % (rnd.choice([b"USER", b"PASS", b"CWD", b"PORT", b"EPRT", b"REST", b"TYPE", b"OPTS",
                                              b"MLST", b"SITE", b"XYZ", b"", b"MODE", b"PROT", b"AUTH"]), b))
    c.sendall(b"".join(l + b"\r\n" for l in lines) + b"NOOP\r\n")
    replies = 0
    last = b""
    while True:
        r = fr.readline()
        if not r:
            break
        if r[3:4] == b" ":
            replies += 1
            last = r
            if r.startswith(b"200 NOOP"):
                break
    c.close()
    if last.startswith(b"200 NOOP") or last.startswith(b"421"):
        good += 1
ok(good == 5, "random garbage lines: every session answered to the end (%d/5)" % good)
with open(E["SERVER_LOG"]) as lf:
    died = [l for l in lf if "died with" in l and "code 0" not in l and "code 1" not in l]
ok(not died, "no ftpsd process died abnormally")

print("1..%d" % n)
sys.exit(1 if failed else 0)
