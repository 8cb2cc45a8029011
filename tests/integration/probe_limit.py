#!/usr/bin/env python3
"""probe_limit.py: checks a super-server's connection limit from outside.

Usage: probe_limit.py PORT N MODE [SOURCE]

Opens N connections to 127.0.0.1:PORT from SOURCE (default 127.0.0.1) and
holds them, each after its server has greeted (SSH version line or FTP
220); then opens one more and reports what happens to it:

  refuse  the extra connection is closed (or refused) without a greeting,
          and once one held connection is closed a new one is greeted again
          (a per-source count: xinetd per_source, tcpsvd -C, systemd
          MaxConnectionsPerSource=)
  defer   the extra connection is accepted by the kernel but not greeted
          while N are held, and greeted once one of them is closed
          (tcpserver -c, tcpsvd -c)
  rate    connections are closed one by one as soon as greeted; at most N
          are greeted (at least one), then this and two more are refused or
          closed without a greeting: the service stopped (inetd -R)
  greet   the N connections are greeted; nothing more
  deny    N must be 0: one connection is closed without a greeting
          (an address rule: tcpserver -x)

Every wait is bounded; prints one line per finding, exits 0 when the limit
behaves as MODE says, 1 otherwise.
"""
import socket
import sys
import time

GREETINGS = (b"SSH-", b"220")


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def greeting(s, seconds):
    """'greeted', 'closed', 'silent' (nothing within seconds) or 'other'."""
    s.settimeout(seconds)
    try:
        data = s.recv(64)
    except socket.timeout:
        return "silent"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    if not data:
        return "closed"
    return "greeted" if data.startswith(GREETINGS) else "other %r" % data[:16]


def try_one(port, source, seconds):
    try:
        s = connect(port, source)
    except ConnectionRefusedError:
        return None, "refused"
    return s, greeting(s, seconds)


def greeted_again(port, source, deadline):
    """A new connection is greeted again before deadline (the super-server
    may need a moment to notice a server process ended)."""
    while time.monotonic() < deadline:
        s, r = try_one(port, source, 5)
        if s:
            s.close()
        if r == "greeted":
            return True
        time.sleep(0.2)
    return False


def rate(port, n, source):
    greeted = 0
    for _ in range(n + 1):
        s, r = try_one(port, source, 10)
        if s:
            s.close()
        if r != "greeted":
            break
        greeted += 1
    print("%d connections greeted, then: %s" % (greeted, r))
    if not 1 <= greeted <= n or r not in ("closed", "refused"):
        return 1
    for i in range(2):
        s, r = try_one(port, source, 3)
        if s:
            s.close()
        print("one more: %s" % r)
        if r not in ("closed", "refused"):
            return 1
    return 0


def main():
    port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    source = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    if mode == "rate":
        return rate(port, n, source)
    held = []
    for i in range(n):
        s, r = try_one(port, source, 10)
        if r != "greeted":
            print("connection %d of %d: %s, want greeted" % (i + 1, n, r))
            return 1
        held.append(s)
    print("%d connections greeted" % n)
    if mode == "greet":
        return 0
    extra, r = try_one(port, source, 1.5)
    print("connection %d: %s" % (n + 1, r))
    ok = True
    if mode in ("refuse", "deny"):
        ok = r in ("closed", "refused")
        if extra:
            extra.close()
        if ok and mode == "refuse":
            held.pop().close()
            ok = greeted_again(port, source, time.monotonic() + 10)
            print("after closing one: %s" % ("greeted" if ok else "still refused"))
    elif mode == "defer":
        ok = r == "silent"
        if ok:
            held.pop().close()
            r = greeting(extra, 10)
            print("after closing one, connection %d: %s" % (n + 1, r))
            ok = r == "greeted"
        if extra:
            extra.close()
    else:
        print("unknown mode %s" % mode)
        ok = False
    for s in held:
        s.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
