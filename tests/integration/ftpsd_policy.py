#!/usr/bin/env python3
"""ftpsd_policy.py: per-account policy in ftpsd with Python ftplib (FTP_TLS):
allowed commands work, denied ones get 550 and change nothing on disk.
Driven by ftpsd_policy.sh, which writes the accounts; prints TAP."""
import ftplib
import io
import os
import ssl
import sys

E = os.environ
T, PASS, PORT = E["T"], E["USER_PASS"], int(E["P_MAIN"])
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
n = failed = 0


def ok(cond, name):
    global n, failed
    n += 1
    failed += 0 if cond else 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name), flush=True)


def code(fn, *a):
    try:
        r = fn(*a)
        return r[:3] if isinstance(r, str) else "ok"
    except ftplib.all_errors as e:
        return str(e)[:3]


def login(user, tls=True):
    f = ftplib.FTP_TLS(context=CTX, timeout=20) if tls else ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", PORT)
    f.login(user, PASS)
    if tls:
        f.prot_p()
    return f


def tree(user):
    out = []
    root = os.path.join(T, "home", user)
    for d, dirs, files in os.walk(root):
        for x in sorted(dirs + files):
            p = os.path.join(d, x)
            st = os.lstat(p)
            out.append((os.path.relpath(p, root), st.st_size, st.st_mode))
    return sorted(out)


def put(f, name, data, cmd="STOR"):
    return code(f.storbinary, "%s %s" % (cmd, name), io.BytesIO(data))


def get(f, name):
    buf = io.BytesIO()
    c = code(f.retrbinary, "RETR " + name, buf.write)
    return c, buf.getvalue()


def home(user, name):
    return os.path.join(T, "home", user, name)


DATA = os.urandom(50000)
BIG = os.urandom(300000)

# no policy: everything works
f = login("plain")
ok(put(f, "up", DATA)[0] == "2" and get(f, "keep")[1] == b"keep me\n" and f.nlst() and
   code(f.rename, "up", "up2")[0] == "2" and code(f.sendcmd, "MKD d")[0] == "2" and code(f.sendcmd, "RMD d")[0] == "2"
   and code(f.delete, "up2")[0] == "2", "no policy: STOR RETR NLST RNFR/RNTO MKD RMD DELE work")
f.quit()

# ro
f = login("ro")
before = tree("ro")
ok(get(f, "keep")[1] == b"keep me\n" and len(f.nlst()) >= 2, "ro: RETR and NLST work")
codes = [put(f, "up", DATA), put(f, "keep", DATA, "APPE"), code(f.delete, "keep"), code(f.rename, "keep", "k2"),
         code(f.sendcmd, "MKD d"), code(f.sendcmd, "RMD sub"), code(f.sendcmd, "SITE CHMOD 600 keep"),
         code(f.sendcmd, "MFMT 20200101000000 keep")]
ok(all(c == "550" for c in codes) and tree("ro") == before,
   "ro: STOR APPE DELE RNFR MKD RMD SITE CHMOD MFMT get 550, nothing changed (%s)" % codes)
f.quit()

# wo
f = login("wo")
before = tree("wo")
ok(put(f, "new", DATA)[0] == "2" and open(home("wo", "new"), "rb").read() == DATA and
   code(f.sendcmd, "MKD newdir")[0] == "2", "wo: STOR of a new file and MKD work")
codes = [get(f, "keep")[0], code(f.nlst), code(f.retrlines, "LIST"), code(f.retrlines, "MLSD"), code(f.sendcmd, "STAT ."),
         put(f, "keep", BIG), put(f, "keep", BIG, "APPE"), code(f.delete, "keep"),
         code(f.rename, "keep", "k2"), code(f.sendcmd, "RMD sub"), code(f.sendcmd, "SITE CHMOD 600 keep")]
after = [e for e in tree("wo") if e[0] not in ("new", "newdir")]
ok(all(c == "550" for c in codes) and after == before and open(home("wo", "keep")).read() == "keep me\n",
   "wo: RETR NLST LIST MLSD STAT, STOR over a file, APPE DELE RNFR RMD SITE CHMOD get 550; keep unchanged (%s)" % codes)
f.quit()

# deny=
f = login("dn")
before = tree("dn")
ok(put(f, "up", DATA)[0] == "2" and get(f, "keep")[1] == b"keep me\n", "deny=: STOR and RETR still work")
before = tree("dn")
codes = [code(f.delete, "keep"), code(f.rename, "keep", "k2"), code(f.sendcmd, "MKD d"), code(f.sendcmd, "RMD sub"),
         code(f.sendcmd, "SITE CHMOD 600 keep"), code(f.sendcmd, "MFMT 20200101000000 keep")]
ok(all(c == "550" for c in codes) and tree("dn") == before,
   "deny=remove,rename,mkdir,rmdir,setstat: DELE RNFR MKD RMD SITE CHMOD MFMT get 550 (%s)" % codes)
f.quit()

# maxsize=
f = login("mx")
c1, c2 = put(f, "s", DATA), put(f, "b", BIG)
sz = os.path.getsize(home("mx", "b")) if os.path.exists(home("mx", "b")) else 0
ok(c1[0] == "2" and c2[0] != "2" and sz <= 102400 and open(home("mx", "s"), "rb").read() == DATA,
   "maxsize=100K: 50 KB stored, 300 KB refused with %d bytes on disk" % sz)
try:
    f.quit()
except ftplib.all_errors:
    f.close()

# mode= and umask=
f = login("md")
put(f, "m", DATA)
ok(oct(os.stat(home("md", "m")).st_mode & 0o777) == "0o604", "mode=0604: a stored file gets 0604")
ok(code(f.sendcmd, "SITE CHMOD 777 m") == "550" and oct(os.stat(home("md", "m")).st_mode & 0o777) == "0o604",
   "mode=: SITE CHMOD refused, the mode stays")
f.quit()
f = login("um")
put(f, "u", DATA)
f.mkd("ud")
ok(oct(os.stat(home("um", "u")).st_mode & 0o777) == "0o600" and
   oct(os.stat(home("um", "ud")).st_mode & 0o777) == "0o700", "umask=077: file 600, directory 700")
f.quit()

# from=
f = login("f1")
ok(put(f, "up", DATA)[0] == "2", "from=127.0.0.0/8: login from 127.0.0.1 works")
f.quit()
f = ftplib.FTP_TLS(context=CTX, timeout=20)
f.connect("127.0.0.1", PORT)
ok(code(f.login, "f2", PASS) == "530", "from=10.0.0.0/8,::1: login from 127.0.0.1 refused with 530")
ok(code(f.login, "nosuch", PASS) == "530", "... what an unknown user gets")
f.close()

# tls=required on a server that allows clear logins
f = login("plain", tls=False)
ok(f.pwd() is not None, "a clear login works on this server (FTPSD_TLS_REQUIRED=off)")
f.quit()
f = ftplib.FTP(timeout=20)
f.connect("127.0.0.1", PORT)
ok(code(f.login, "tr", PASS) == "530", "tls=required: a clear login is refused")
f.close()
f = login("tr")
ok(put(f, "up", DATA)[0] == "2", "tls=required: a TLS login works")
f.quit()

# tls=optional: honoured only with FTPSD_TLS_ALLOW_PER_USER=yes
def clear_login(port, user):
    f = ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", port)
    c = code(f.login, user, PASS)
    return f, c


f, c = clear_login(int(E["P_PERUSER"]), "to")
ok(c[0] == "2" and put(f, "clear", DATA)[0] == "2" and open(home("to", "clear"), "rb").read() == DATA,
   "tls=optional with FTPSD_TLS_ALLOW_PER_USER=yes: a clear login and a clear upload work")
f.close()
f, c = clear_login(int(E["P_PERUSER"]), "plain")
ok(c == "530", "FTPSD_TLS_ALLOW_PER_USER=yes: an account without tls=optional is refused in clear (%s)" % c)
f.close()
f = ftplib.FTP_TLS(context=CTX, timeout=20)
f.connect("127.0.0.1", int(E["P_PERUSER"]))
f.login("plain", PASS)
f.prot_p()
ok(put(f, "pu", DATA)[0] == "2", "FTPSD_TLS_ALLOW_PER_USER=yes: the same account over TLS works")
f.quit()
f, c = clear_login(int(E["P_STRICT"]), "to")
ok(c == "530" and not os.path.exists(home("to", "strict")),
   "tls=optional without FTPSD_TLS_ALLOW_PER_USER: a clear login is refused (%s)" % c)
f.close()

# auth=: ftpsd has the password alone
f = ftplib.FTP_TLS(context=CTX, timeout=20)
f.connect("127.0.0.1", PORT)
ok(code(f.login, "ak", PASS) == "530", "auth=publickey: ftpsd refuses the password login")
f.close()
f = login("ap")
ok(f.pwd() is not None, "auth=\"publickey password\": ftpsd accepts the password login")
f.quit()

log = open(os.path.join(T, "server.log"), errors="replace").read()
ok("account f2 refused: the client's address is not in its from= list" in log,
   "the log says why f2 was refused")
ok("account ak refused: its auth= has no list that is a password alone" in log,
   "the log says why ak was refused")
ok("login to: exempt from FTPSD_TLS_REQUIRED (tls=optional)" in log, "the log says to is exempt")
ok("login tr refused: its policy says tls=required" in log, "the log says why tr was refused")
print("1..%d" % n)
sys.exit(1 if failed else 0)
