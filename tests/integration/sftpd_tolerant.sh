#!/bin/bash
# sftpd_tolerant.sh: what OpenSSH's server accepts from clients, sftpd
# accepts too, driven by paramiko with hand-made messages: SFTP requests
# with bytes after their last field (ignored, logged at debug) while a
# request cut inside a field is still a bad message; INIT from a v6 client
# with extension pairs; channel and global requests with names no server
# knows (failure replies, not a disconnect); an unassigned message number
# (SSH_MSG_UNIMPLEMENTED).  The connection must survive all of it.
# Prints TAP.

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
import logging, select, sys, time, paramiko

key, srv = sys.argv[1:]

class Seen(logging.Handler):
    """paramiko's log lines, to see what it was sent."""
    lines = []
    def emit(self, record):
        Seen.lines.append(record.getMessage())
logging.getLogger("paramiko").addHandler(Seen())
logging.getLogger("paramiko").propagate = False
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + why), flush=True)

def connect():
    c = paramiko.Transport(paramiko.ProxyCommand(srv))
    c.connect(username="tester", pkey=paramiko.Ed25519Key.from_private_key_file(key))
    return c

t = connect()

def u32(n): return n.to_bytes(4, "big")
def u64(n): return n.to_bytes(8, "big")
def sstr(b): return u32(len(b)) + b

class Sftp:
    """Raw SFTP over an sftp subsystem channel."""
    def __init__(self):
        self.ch = t.open_session()
        self.ch.invoke_subsystem("sftp")
        self.buf = b""
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

TRAIL = b"\0\x01stale buffer bytes\xff" * 3
s = Sftp()
# INIT as a v6 client sends it: extension pairs, then bytes that are no pair
s.send(bytes([1]) + u32(6) + sstr(b"version-select") + sstr(b"") +
       sstr(b"vendor-id") + sstr(b"\0\0\0\4test") + b"\0\0")
m = s.recv()
check("INIT v6 with extension pairs and stray bytes: VERSION 6",
      m is not None and m[0] == 2 and m[1:5] == u32(6), repr(m and m[:8]))

s.send(bytes([17]) + u32(10) + sstr(b"/") + TRAIL)                    # STAT
m = s.recv()
check("STAT with trailing bytes: ATTRS", m is not None and m[0] == 105 and m[1:5] == u32(10),
      repr(m and m[:12]))
# v6 OPEN: ACE4_WRITE_DATA, CREATE_TRUNCATE; v6 attributes: flags
# PERMISSIONS, type REGULAR, the mode
s.send(bytes([3]) + u32(11) + sstr(b"t.bin") + u32(2) + u32(1) + u32(4) + b"\1" + u32(0o644) +
       TRAIL)
m = s.recv()
handle = m[5:] if m and m[0] == 102 else None
check("OPEN with trailing bytes: a handle", handle is not None, repr(m and m[:12]))
handle = handle[4:] if handle else b"none"
# rclone 1.60's framing: a full-buffer WRITE whose data is shorter
s.send(bytes([6]) + u32(12) + sstr(handle) + u64(0) + sstr(b"payload") + b"\xaa" * 30000)
check("WRITE padded like rclone 1.60's: OK", s.status(s.recv(), 12) == 0)
s.send(bytes([6]) + u32(13) + sstr(handle) + u64(7) + u32(100) + b"cut")  # data cut short
check("WRITE whose data runs past the end: BAD_MESSAGE", s.status(s.recv(), 13) == 5)
s.send(bytes([4]) + u32(14) + sstr(handle) + TRAIL)                    # CLOSE
check("CLOSE with trailing bytes: OK", s.status(s.recv(), 14) == 0)
s.send(bytes([200]) + u32(15) + sstr(b"limits@openssh.com") + TRAIL)
m = s.recv()
check("limits@openssh.com with trailing bytes: a reply", m is not None and m[0] == 201)
s.send(bytes([200]) + u32(16) + sstr(b"no-such-extension@example.com") + sstr(b"t.bin"))
check("an extension sftpd does not have: OP_UNSUPPORTED", s.status(s.recv(), 16) == 8)

# channel and global requests with names no server knows, an unassigned
# message number: each on a connection of its own, which must go on
def alive(c):
    try:
        return c.is_active() and paramiko.SFTPClient.from_transport(c).listdir(".") is not None
    except Exception as e:
        return False

c = connect()
ch = c.open_session()
msg = paramiko.Message()
msg.add_byte(bytes([98]))                     # SSH_MSG_CHANNEL_REQUEST
msg.add_int(ch.remote_chanid)
msg.add_string("x" * 200 + "@example.com")
msg.add_boolean(True)
c._send_user_message(msg)
end = time.monotonic() + 10
while not ch.closed and time.monotonic() < end:  # paramiko closes on the failure reply
    time.sleep(0.05)
check("a channel request with a 212-byte name: failure reply, connection goes on",
      ch.closed and alive(c))
c.close()
c = connect()
check("a global request with a 300-byte name: failure reply, connection goes on",
      c.global_request("y" * 300, wait=True) is None and alive(c))
c.close()
c = connect()
msg = paramiko.Message()
msg.add_byte(bytes([85]))                     # unassigned in RFC 4254
msg.add_int(0)
c._send_user_message(msg)
end = time.monotonic() + 10
while not any("unhandled type 3" in l for l in Seen.lines) and time.monotonic() < end:
    time.sleep(0.05)
check("an unassigned message number: SSH_MSG_UNIMPLEMENTED, connection goes on",
      any("unhandled type 3" in l for l in Seen.lines) and alive(c), repr(Seen.lines[-3:]))
c.close()

s.send(bytes([16]) + u32(20) + sstr(b"."))                             # REALPATH
m = s.recv()
check("the SFTP session still answers", m is not None and m[0] == 104 and m[1:5] == u32(20))
sf = paramiko.SFTPClient.from_transport(t)
try:
    data = sf.open("t.bin").read()
except Exception as e:
    data = repr(e).encode()
check("the file holds the data and nothing after it", data == b"payload", repr(data[:40]))
check("no-more-sessions@openssh.com: success, as OpenSSH answers",
      t.global_request("no-more-sessions@openssh.com", wait=True) is not None)
t.close()
print("done")
PY

out=$(timeout 60 "$PY" "$T/probe.py" "$T/keys/uk" "$T/srv" 2>&1)
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

grep -q 'debug: stat request 10: [0-9]* trailing bytes ignored' "$LOG" &&
	t_ok "the ignored bytes are logged at debug" || t_notok "the ignored bytes are logged at debug"
grep -q 'refused a request with a 212-byte name' "$LOG" &&
	t_ok "the over-long request name is logged" || t_notok "the over-long request name is logged"
if grep -q 'protocol error' "$LOG"; then
	t_notok "no protocol error in the log"
	t_diag "$(grep 'protocol error' "$LOG" | head -3)"
else
	t_ok "no protocol error in the log"
fi
t_done
