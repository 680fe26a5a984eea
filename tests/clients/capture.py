#!/usr/bin/env python3
"""Capture the first flight (the ClientHello record) of every TLS client
installed on this machine (tests/clients/clients.py) and store it with its
metadata as tests/data/clients/<name>.json: the data tlsaudit's client
simulation is built from (docs/clients.md).

    python3 tests/clients/capture.py [--out DIR] [NAME ...]

It listens on 127.0.0.1 (a free port), runs each client against
https://127.0.0.1:PORT/, reads the records that carry the first handshake
message, answers with a fatal handshake_failure alert and closes.  Not run
by ctest: it is how the data was made.  Re-run it after a client upgrade
and review the diff.  A client that is not installed or sends no hello is
reported and skipped (exit status 1 when any named client is missing).
"""

import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import CLIENTS, installed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALERT = bytes([21, 3, 3, 0, 2, 2, 40])  # fatal handshake_failure


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_client_hello(conn):
    """The records (header included) that carry the first handshake message."""
    records = b""
    hs = b""
    while True:
        hdr = recv_exact(conn, 5)
        if hdr[0] != 22:
            raise ValueError("first record is not a handshake record: %s" % hdr.hex())
        n = int.from_bytes(hdr[3:5], "big")
        body = recv_exact(conn, n)
        records += hdr + body
        hs += body
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            return records
        if len(records) > 65536:
            raise ValueError("ClientHello longer than 64 KiB")


def capture_one(c, workdir):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(60)
    port = srv.getsockname()[1]
    cmd = c["command"]("127.0.0.1", port, None, workdir)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    got = {}

    def serve():
        try:
            conn, _ = srv.accept()
            conn.settimeout(30)
            got["hello"] = read_client_hello(conn)
            conn.sendall(ALERT)
            conn.close()
        except Exception as e:  # reported below
            got["error"] = str(e)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    t.join(90)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
    srv.close()
    return cmd, port, got


def version_of(c):
    cp = subprocess.run(c["version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        timeout=60)
    lines = [ln.strip() for ln in cp.stdout.decode(errors="replace").splitlines() if ln.strip()]
    # a wrapper script's complaints (Debian's /usr/bin/chromium) come first
    real = [ln for ln in lines if not ln.startswith("/")]
    return (real or lines or ["unknown"])[0]


def main(argv):
    out = os.path.join(ROOT, "tests", "data", "clients")
    if len(argv) > 2 and argv[1] == "--out":
        out = argv[2]
        argv = argv[:1] + argv[3:]
    names = argv[1:]
    bad = 0
    os.makedirs(out, exist_ok=True)
    for c in CLIENTS:
        if names and c["name"] not in names:
            continue
        if not installed(c):
            print("%s: not installed (%s)" % (c["name"], c["exe"]))
            bad += 1
            continue
        with tempfile.TemporaryDirectory() as wd:
            cmd, port, got = capture_one(c, wd)
        if "hello" not in got:
            print("%s: no ClientHello (%s)" % (c["name"], got.get("error", "timeout")))
            bad += 1
            continue
        doc = {
            "name": c["name"],
            "version": version_of(c),
            "command": [a.replace(str(port), "PORT") if a.endswith(str(port)) or
                        ("%d/" % port) in a else a for a in cmd],
            "captured": datetime.date.today().isoformat(),
            "platform": "Debian 12 (bookworm), amd64",
            "client_hello": got["hello"].hex(),
        }
        with open(os.path.join(out, c["name"] + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print("%s: %d bytes (%s)" % (c["name"], len(got["hello"]), doc["version"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
