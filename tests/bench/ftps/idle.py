#!/usr/bin/env python3
# idle.py: one FTPS session (explicit AUTH TLS, PROT P) that logs in, asks
# PWD, prints "ready" and then sits idle until its stdin closes, so that
# bench_ftps.sh can read the server side's memory of an idle session.
# With "list", it lists the directory (a protected data connection) first.
#   usage: idle.py HOST PORT USER PASSWORD [list]
import ftplib
import ssl
import sys

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx, timeout=120)
f.connect(host, port)
f.login(user, password)
f.prot_p()
f.pwd()
if len(sys.argv) > 5 and sys.argv[5] == "list":
    f.nlst()
print("ready", flush=True)
sys.stdin.read()
try:
    f.quit()
except (ftplib.Error, OSError):
    f.close()
