#!/usr/bin/env python3
"""Send ClientHellos built by ta_hello_write() to a real openssl s_server.

The hellos come from `test_hello --emit NAME` (the same table test_hello.c
checks); this script starts `openssl s_server` on 127.0.0.1 with a throwaway
self-signed certificate made by the openssl CLI, sends each hello, checks that
a well-formed ServerHello comes back with a suite and version we offered, and
stops the server by its PID.  Loopback only; nothing is left behind.

usage: test_hello_live.py PATH/TO/test_hello
"""
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

OPENSSL = shutil.which("openssl")

# name -> (acceptable suites, negotiated version), matching test_hello.c
CASES = {
    "tls12": ({0xC02F, 0xC030, 0xC013, 0x009E, 0x002F}, 0x0303),
    "tls13": ({0x1301, 0x1302, 0x1303}, 0x0304),
}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, file=sys.stderr)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen([OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port,
                                 "-cert", cert, "-key", key, "-www"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        # Raw reads: a buffered readline() would hide "ACCEPT" from select().
        deadline = time.monotonic() + 10
        out = b""
        while time.monotonic() < deadline and b"ACCEPT" not in out:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
        if b"ACCEPT" in out:
            return proc, port
        stop(proc)	# port taken between free_port() and bind: try another
    raise RuntimeError("openssl s_server did not start")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_record(sock, deadline):
    """One TLS record (type, version, body) or None on EOF/timeout."""
    buf = b""
    need = 5
    while len(buf) < need:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(need - len(buf))
        except (socket.timeout, ConnectionResetError):
            return None
        if not chunk:
            return None
        buf += chunk
        if len(buf) == 5 and need == 5:
            need = 5 + struct.unpack("!H", buf[3:5])[0]
    typ, ver = buf[0], struct.unpack("!H", buf[1:3])[0]
    return typ, ver, buf[5:]


def parse_server_hello(body):
    """(legacy_version, suite, negotiated version) from a ServerHello message."""
    if len(body) < 4 or body[0] != 2:
        raise ValueError("not a ServerHello: type %d" % (body[0] if body else -1))
    mlen = int.from_bytes(body[1:4], "big")
    m = body[4:4 + mlen]
    if len(m) != mlen:
        raise ValueError("ServerHello split across records")
    legacy = struct.unpack("!H", m[0:2])[0]
    sid_len = m[34]
    off = 35 + sid_len
    suite = struct.unpack("!H", m[off:off + 2])[0]
    off += 3
    version = legacy
    if off < len(m):
        ext_len = struct.unpack("!H", m[off:off + 2])[0]
        exts = m[off + 2:off + 2 + ext_len]
        if len(exts) != ext_len or off + 2 + ext_len != len(m):
            raise ValueError("bad extensions length")
        i = 0
        while i < len(exts):
            t, n = struct.unpack("!HH", exts[i:i + 4])
            if t == 43:
                version = struct.unpack("!H", exts[i + 4:i + 6])[0]
            i += 4 + n
    return legacy, suite, version


def check(test_hello, port, name, suites, want_version):
    hello = subprocess.run([test_hello, "--emit", name], check=True,
                           stdout=subprocess.PIPE).stdout
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(hello)
        rec = read_record(s, time.monotonic() + 5)
    if rec is None:
        fail("%s: no record from the server" % name)
        return
    typ, ver, body = rec
    if typ == 21:
        fail("%s: server sent alert %s" % (name, body.hex()))
        return
    if typ != 22:
        fail("%s: record type %d, want 22" % (name, typ))
        return
    try:
        legacy, suite, version = parse_server_hello(body)
    except (ValueError, IndexError, struct.error) as e:
        fail("%s: %s" % (name, e))
        return
    if suite not in suites:
        fail("%s: suite 0x%04x was not offered" % (name, suite))
    if version != want_version:
        fail("%s: version 0x%04x, want 0x%04x" % (name, version, want_version))
    print("%s: ServerHello version 0x%04x suite 0x%04x (record 0x%04x, legacy 0x%04x)"
          % (name, version, suite, ver, legacy))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if OPENSSL is None:
        print("openssl CLI not found: skipped")
        return 77
    test_hello = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="ta-hello-live-") as tmp:
        proc, port = start_server(tmp)
        try:
            for name, (suites, version) in CASES.items():
                check(test_hello, port, name, suites, version)
        finally:
            stop(proc)
    print("test_hello_live: %d cases, %d failed" % (len(CASES), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
