# sftpd_kex_probe.py: a scripted SSH client, cleartext only, that feeds one
# key exchange message to an inetd-style server over a pipe and reports
# what came back (used by sftpd_kex.sh).
# usage: sftpd_kex_probe.py CASE -- SERVER ARGV...
# Prints "rc=N types=T1,T2,..." (the server's exit status and the message
# types it sent after its KEXINIT).  CASE names the method and the message:
#   x25519_short  curve25519-sha256, a 31-byte Q_C
#   x25519_zero   curve25519-sha256, the all-zero (low-order) point
#   p256_off      ecdh-sha2-nistp256, a point off the curve
#   p256_long     ecdh-sha2-nistp256, a 66-byte point
#   dh14_e0 dh14_e1 dh14_pm1 dh14_p   group14-sha256 with e = 0, 1, p-1, p
#   dh14_trail    group14-sha256, a good e and a trailing byte
#   gex_minmax    GEX_REQUEST with min > max
#   gex_nlow      GEX_REQUEST with n below min
#   gex_small     GEX_REQUEST 512/1024/1536 (all below 2048)
#   gex_old_strict  GEX_REQUEST_OLD during a strict initial exchange
#   gex_old       GEX_REQUEST_OLD without strict kex: UNIMPLEMENTED, then a
#                 whole group exchange (REQUEST, GROUP, INIT, REPLY, NEWKEYS)
#   gex_e1        a group, then GEX_INIT with e = 1
#   mlkem_short mlkem_long   mlkem768x25519-sha256, C_INIT of 1215 or 1217 bytes
#   mlkem_modulus an ML-KEM key with a coefficient of q = 3329
#   mlkem_zero    a valid ML-KEM key (all zero) and the zero X25519 key
#   mlkem_trail   a good C_INIT and a trailing byte
#   mlkem_good    a good C_INIT: the reply (reported as 31:LENGTH of
#                 S_REPLY) and NEWKEYS
#   sntrup_short  sntrup761x25519-sha512, C_INIT of 1189 bytes
#   sntrup_zero   sntrup761x25519-sha512, the zero X25519 key
#   sntrup_good   sntrup761x25519-sha512@openssh.com, a good C_INIT
import hashlib
import os
import select
import subprocess
import sys

case = sys.argv[1]
argv = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
sin, sout = p.stdin.fileno(), p.stdout.fileno()
rx = b""


def send(b):
    try:
        os.write(sin, b)
    except (BrokenPipeError, ConnectionResetError):
        pass


def more(timeout=5.0):
    global rx
    r, _, _ = select.select([sout], [], [], timeout)
    if not r:
        return False
    try:
        b = os.read(sout, 65536)
    except ConnectionResetError:
        b = b""
    rx += b
    return bool(b)


def recv_packet(timeout=5.0):
    """The next cleartext packet's payload, or None at the end."""
    global rx
    while len(rx) < 4 or len(rx) < 4 + int.from_bytes(rx[:4], "big"):
        if not more(timeout):
            return None
    n = int.from_bytes(rx[:4], "big")
    body, rx = rx[4:4 + n], rx[4 + n:]
    return body[1:len(body) - body[0]]


def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    body = bytes([pad]) + payload + b"\0" * pad
    return len(body).to_bytes(4, "big") + body


def sshstr(b):
    return len(b).to_bytes(4, "big") + b


def mpint(v):
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    return sshstr(b"\0" + b if b and b[0] & 0x80 else b)


def u32(v):
    return v.to_bytes(4, "big")


def get_mpint(b, off):
    n = int.from_bytes(b[off:off + 4], "big")
    return int.from_bytes(b[off + 4:off + 4 + n], "big"), off + 4 + n


def kexinit(method, strict=True):
    lists = [method + (",kex-strict-c-v00@openssh.com" if strict else ""), "ssh-ed25519",
             "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""]
    return bytes([20]) + b"\x11" * 16 + b"".join(sshstr(x.encode()) for x in lists) + b"\0" + u32(0)


def rfc3526_2048():
    # p = 2^2048 - 2^1984 - 1 + 2^64 * ([2^1918 pi] + 124476)
    guard, bits = 64, 1918
    one = 1 << (bits + guard)

    def atan_inv(x):
        total, term, n, sign = 0, one // x, 1, 1
        while term:
            total += sign * (term // n)
            term //= x * x
            n += 2
            sign = -sign
        return total

    pi = (16 * atan_inv(5) - 4 * atan_inv(239)) >> guard
    return 2**2048 - 2**1984 - 1 + 2**64 * (pi + 124476)


methods = {"x25519": "curve25519-sha256", "p256": "ecdh-sha2-nistp256",
           "dh14": "diffie-hellman-group14-sha256", "gex": "diffie-hellman-group-exchange-sha256",
           "mlkem": "mlkem768x25519-sha256", "sntrup": "sntrup761x25519-sha512",
           "sntrup_good": "sntrup761x25519-sha512@openssh.com"}
family = case if case in methods else case.split("_")[0]
strict = case != "gex_old"
send(b"SSH-2.0-sluice_kex_probe\r\n")
send(packet(kexinit(methods[family], strict)))
while b"\r\n" not in rx and more():
    pass
rx = rx[rx.index(b"\r\n") + 2:] if b"\r\n" in rx else b""
types = []
first = recv_packet()  # the server's KEXINIT
if first is None or first[0] != 20:
    types.append("nokexinit")

msg = None
if case == "x25519_short":
    msg = bytes([30]) + sshstr(b"\x09" * 31)
elif case == "x25519_zero":
    msg = bytes([30]) + sshstr(b"\0" * 32)
elif case == "p256_off":
    msg = bytes([30]) + sshstr(b"\x04" + b"\x01" * 64)
elif case == "p256_long":
    msg = bytes([30]) + sshstr(b"\x04" + b"\x01" * 65)
elif case.startswith("dh14_"):
    p14 = rfc3526_2048()
    e = {"dh14_e0": 0, "dh14_e1": 1, "dh14_pm1": p14 - 1, "dh14_p": p14,
         "dh14_trail": pow(2, 12345, p14)}[case]
    msg = bytes([30]) + mpint(e) + (b"\0" if case == "dh14_trail" else b"")
elif case == "gex_minmax":
    msg = bytes([34]) + u32(4096) + u32(3072) + u32(2048)
elif case == "gex_nlow":
    msg = bytes([34]) + u32(3072) + u32(2048) + u32(8192)
elif case == "gex_small":
    msg = bytes([34]) + u32(512) + u32(1024) + u32(1536)
elif case in ("gex_old_strict", "gex_old"):
    msg = bytes([30]) + u32(2048)
elif case == "gex_e1":
    msg = bytes([34]) + u32(2048) + u32(2048) + u32(8192)
elif case.startswith("mlkem_") or case.startswith("sntrup_"):
    # An all-zero ML-KEM key is valid (every coefficient 0 < q); any 1158
    # bytes are an sntrup761 key.  X25519: the base point, or zero.
    pk = b"\0" * (1184 if case.startswith("mlkem") else 1158)
    x = b"\0" * 32 if case.endswith("_zero") else b"\x09" + b"\0" * 31
    if case == "mlkem_modulus":
        pk = b"\x01\x0d" + pk[2:]
    c_init = pk + x
    if case.endswith("_short"):
        c_init = c_init[:-1]
    elif case == "mlkem_long":
        c_init += b"\0"
    msg = bytes([30]) + sshstr(c_init) + (b"\0" if case == "mlkem_trail" else b"")
send(packet(msg))

if case in ("gex_old", "gex_e1"):
    pkt = recv_packet()
    types.append(str(pkt[0]) if pkt else "eof")
    if case == "gex_old" and pkt and pkt[0] == 3:
        send(packet(bytes([34]) + u32(2048) + u32(3072) + u32(8192)))
        pkt = recv_packet()
        types.append(str(pkt[0]) if pkt else "eof")
    if pkt and pkt[0] == 31:
        gp, off = get_mpint(pkt, 1)
        gg, _ = get_mpint(pkt, off)
        y = int.from_bytes(hashlib.sha512(b"probe").digest(), "big")
        e = 1 if case == "gex_e1" else pow(gg, y, gp)
        types.append("p%d" % gp.bit_length())
        send(packet(bytes([32]) + mpint(e)))
        while True:
            pkt = recv_packet()
            if not pkt:
                break
            types.append(str(pkt[0]))
            if pkt[0] == 21:
                break
        p.stdin.close()
while True:
    pkt = recv_packet(10)
    if pkt is None:
        break
    if pkt[0] == 31 and case.endswith("_good"):
        # string K_S, string S_REPLY, string signature
        ks = int.from_bytes(pkt[1:5], "big")
        types.append("31:%d" % int.from_bytes(pkt[5 + ks:9 + ks], "big"))
        continue
    types.append(str(pkt[0]))
    if pkt[0] == 21:
        p.stdin.close()
try:
    p.stdin.close()
except OSError:
    pass
try:
    rc = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "timeout"
print("rc=%s types=%s" % (rc, ",".join(types)))
