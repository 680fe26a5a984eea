#!/usr/bin/env python3
"""Capture what real TLS servers send in reply to a ClientHello.

Each capture starts a real server on loopback (openssl s_server on
127.0.0.1; gnutls-serv, which binds every interface, only inside a network
namespace made for the run and deleted after it), sends a ClientHello built
by hello() below over a plain socket, and records the server's bytes until
ServerHelloDone, an alert, EOF, 8 KB or 2 seconds.  It writes NAME.bin (the
raw bytes, records as received) and NAME.txt (which server, which command,
what the client offered, the date, and "expect-*" facts that test_msg.c
checks against its own parse of the .bin).

Python 3 standard library only; needs the openssl CLI, and gnutls-serv plus
root (for `ip netns`) for the gnutls captures, which are skipped otherwise.

usage: capture.py [--out DIR] [--only NAME[,NAME...]] [--list]
"""
import argparse
import datetime
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

MAX_BYTES = 8192
WAIT = 2.0

# ---------------------------------------------------------------- hello


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def vec(prefix, data):
    return len(data).to_bytes(prefix, "big") + data


def ext(typ, body):
    return u16(typ) + vec(2, body)


def hello(version=0x0303, suites=(), groups=(), sigalgs=(), versions=(),
          shares=(), sni="localhost", alpn=(), ems=True, reneg=True,
          ticket=False, status=False, extensions=True, record_version=0x0301):
    """A ClientHello record.  shares: (group, key bytes) pairs."""
    random = bytes(range(0x20, 0x40))
    body = u16(version) + random + vec(1, b"") + vec(2, b"".join(u16(s) for s in suites))
    body += vec(1, b"\x00")
    if extensions:
        e = b""
        if sni:
            name = sni.encode()
            e += ext(0, vec(2, b"\x00" + vec(2, name)))
        if groups:
            e += ext(10, vec(2, b"".join(u16(g) for g in groups)))
            e += ext(11, vec(1, b"\x00"))
        if sigalgs:
            e += ext(13, vec(2, b"".join(u16(s) for s in sigalgs)))
        if alpn:
            e += ext(16, vec(2, b"".join(vec(1, p.encode()) for p in alpn)))
        if status:
            e += ext(5, b"\x01\x00\x00\x00\x00")
        if ems:
            e += ext(23, b"")
        if ticket:
            e += ext(35, b"")
        if versions:
            e += ext(43, vec(1, b"".join(u16(v) for v in versions)))
            e += ext(45, vec(1, b"\x01"))
        if versions and 0x0304 in versions:
            e += ext(51, vec(2, b"".join(u16(g) + vec(2, k) for g, k in shares)))
        if reneg:
            e += ext(0xFF01, b"\x00")
        body += vec(2, e)
    hs = u8(1) + vec(3, body)
    return u8(22) + u16(record_version) + vec(2, hs)


# A valid X25519 public key (RFC 7748 6.1, Alice's); the handshake never
# completes, the server only needs a share it can parse.
X25519_KEY = bytes.fromhex(
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")

SIGALGS = (0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0603, 0x0401, 0x0501, 0x0601,
           0x0201, 0x0203)

# ---------------------------------------------------------------- captures
#
# server: "openssl" or "gnutls"; args: server options after the common ones
# ({cert}, {key}, {ecert}, {ekey} are filled in); hello: ClientHello kwargs;
# expect: facts written to the note for test_msg.c.

CAPTURES = [
    {
        "name": "openssl_tls12_ecdhe_rsa",
        "what": "TLS 1.2 ECDHE-RSA with ALPN, EMS, session ticket",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}", "-alpn", "http/1.1"],
        "hello": dict(suites=(0xC02F, 0xC030, 0x009E), groups=(0x001D, 0x0017),
                      sigalgs=SIGALGS, alpn=("h2", "http/1.1"), ticket=True),
        "expect": {"version": "0x0303", "suite": "0xc02f", "ske": "ecdh",
                   "group": "0x001d", "sigalg": "0x0804", "downgrade": "12",
                   "alpn": "http/1.1", "ems": "1", "ticket": "1", "reneg": "1",
                   "certs": "1", "messages": "2 11 12 14"},
    },
    {
        "name": "openssl_tls12_dhe_rsa",
        "what": "TLS 1.2 DHE-RSA (ffdhe parameters chosen by OpenSSL)",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}"],
        "hello": dict(suites=(0x009E,), sigalgs=SIGALGS),
        "expect": {"version": "0x0303", "suite": "0x009e", "ske": "dh",
                   "sigalg": "0x0804", "downgrade": "12", "ems": "1", "reneg": "1",
                   "certs": "1", "messages": "2 11 12 14"},
    },
    {
        "name": "openssl_tls12_ecdhe_ecdsa",
        "what": "TLS 1.2 ECDHE-ECDSA, P-256 certificate, secp256r1 key exchange",
        "server": "openssl",
        "args": ["-cert", "{ecert}", "-key", "{ekey}"],
        "hello": dict(suites=(0xC02B, 0xC02C), groups=(0x0017,), sigalgs=SIGALGS),
        "expect": {"version": "0x0303", "suite": "0xc02b", "ske": "ecdh",
                   "group": "0x0017", "sigalg": "0x0403", "downgrade": "12",
                   "certs": "1", "messages": "2 11 12 14"},
    },
    {
        "name": "openssl_tls10_ecdhe_rsa",
        "what": "TLS 1.0 ECDHE-RSA: ServerKeyExchange without a signature algorithm",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}", "-cipher", "ALL:@SECLEVEL=0"],
        "hello": dict(version=0x0301, suites=(0xC013,), groups=(0x0017,)),
        "expect": {"version": "0x0301", "suite": "0xc013", "ske": "ecdh",
                   "group": "0x0017", "sigalg": "none", "downgrade": "11",
                   "certs": "1", "messages": "2 11 12 14"},
    },
    {
        "name": "openssl_tls10_dhe_rsa",
        "what": "TLS 1.0 DHE-RSA: ServerKeyExchange without a signature algorithm",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}", "-cipher", "ALL:@SECLEVEL=0"],
        "hello": dict(version=0x0301, suites=(0x0033,)),
        "expect": {"version": "0x0301", "suite": "0x0033", "ske": "dh",
                   "sigalg": "none", "downgrade": "11", "certs": "1",
                   "messages": "2 11 12 14"},
    },
    {
        "name": "openssl_tls13",
        "what": "TLS 1.3 with an x25519 key share: ServerHello, CCS, encrypted flight",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}"],
        "hello": dict(suites=(0x1301, 0x1302, 0x1303), groups=(0x001D, 0x0017),
                      sigalgs=SIGALGS, versions=(0x0304, 0x0303),
                      shares=((0x001D, X25519_KEY),)),
        "expect": {"version": "0x0304", "suite": "0x1301", "group": "0x001d",
                   "hrr": "0", "downgrade": "0", "messages": "2"},
    },
    {
        "name": "openssl_tls13_hrr",
        "what": "TLS 1.3 HelloRetryRequest: x25519 share offered, server wants P-256",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}", "-groups", "P-256"],
        "hello": dict(suites=(0x1301,), groups=(0x001D, 0x0017), sigalgs=SIGALGS,
                      versions=(0x0304,), shares=((0x001D, X25519_KEY),)),
        "expect": {"version": "0x0304", "suite": "0x1301", "group": "0x0017",
                   "hrr": "1", "cookie": "0", "messages": "2"},
    },
    {
        "name": "openssl_tls13_hrr_cookie",
        "what": "TLS 1.3 stateless HelloRetryRequest carrying a cookie",
        "server": "openssl",
        # -www takes a path without SSL_stateless(); the default one uses it
        "args": ["-cert", "{cert}", "-key", "{key}", "-stateless"],
        "www": False,
        "hello": dict(suites=(0x1302,), groups=(0x001D,), sigalgs=SIGALGS,
                      versions=(0x0304,), shares=((0x001D, X25519_KEY),)),
        "expect": {"version": "0x0304", "suite": "0x1302", "group": "none",
                   "hrr": "1", "cookie": "1", "messages": "2"},
    },
    {
        "name": "openssl_alert_handshake_failure",
        "what": "no shared suite: fatal handshake_failure alert",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}"],
        "hello": dict(suites=(0x0004,), sigalgs=SIGALGS),
        "expect": {"alert": "2 40"},
    },
    {
        "name": "openssl_alert_ssl3_hello",
        "what": "SSLv3 hello without extensions to a server without SSLv3 "
                "(OpenSSL 3.0 answers handshake_failure, not protocol_version)",
        "server": "openssl",
        "args": ["-cert", "{cert}", "-key", "{key}"],
        "hello": dict(version=0x0300, suites=(0x000A, 0x002F), extensions=False,
                      record_version=0x0300),
        "expect": {"alert": "2 40"},
    },
    {
        "name": "gnutls_tls12_ecdhe_rsa",
        "what": "gnutls-serv TLS 1.2 ECDHE-RSA",
        "server": "gnutls",
        "args": ["--x509certfile={cert}", "--x509keyfile={key}", "--disable-client-cert",
                 "--priority=NORMAL:-VERS-TLS1.3"],
        "hello": dict(suites=(0xC030, 0xC02F), groups=(0x0017, 0x001D), sigalgs=SIGALGS),
        "expect": {"version": "0x0303", "suite": "0xc030", "ske": "ecdh", "certs": "1",
                   "messages": "2 11 12 14"},
    },
    {
        "name": "gnutls_tls13",
        "what": "gnutls-serv TLS 1.3 with an x25519 key share",
        "server": "gnutls",
        "args": ["--x509certfile={cert}", "--x509keyfile={key}", "--disable-client-cert"],
        "hello": dict(suites=(0x1302, 0x1301), groups=(0x001D, 0x0017), sigalgs=SIGALGS,
                      versions=(0x0304, 0x0303), shares=((0x001D, X25519_KEY),)),
        "expect": {"version": "0x0304", "suite": "0x1302", "group": "0x001d", "hrr": "0",
                   "messages": "2"},
    },
]

# ---------------------------------------------------------------- plumbing


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, **kw)


def make_keys(tmp):
    k = {"cert": os.path.join(tmp, "rsa.pem"), "key": os.path.join(tmp, "rsa.key"),
         "ecert": os.path.join(tmp, "ec.pem"), "ekey": os.path.join(tmp, "ec.key")}
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
         "-keyout", k["key"], "-out", k["cert"], "-days", "7", "-subj", "/CN=localhost"])
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-sha256", "-keyout", k["ekey"], "-out", k["ecert"], "-days", "7",
         "-subj", "/CN=localhost"])
    return k


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        # /proc/net/tcp: a listener on our port, without connecting to it
        for path in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(path) as f:
                    for line in f.readlines()[1:]:
                        parts = line.split()
                        if parts[3] == "0A" and int(parts[1].split(":")[1], 16) == port:
                            return True
            except OSError:
                pass
        time.sleep(0.05)
    return False


def server_cmd(cap, keys, port):
    args = [a.format(**keys) for a in cap["args"]]
    if cap["server"] == "openssl":
        www = ["-www"] if cap.get("www", True) else []
        return ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port] + www + args
    return ["gnutls-serv", "--port=%d" % port] + args


def parse_records(data):
    """Yield (type, version, body) for the complete records in data."""
    off = 0
    while off + 5 <= len(data):
        typ, ver, n = struct.unpack("!BHH", data[off:off + 5])
        if off + 5 + n > len(data):
            return
        yield typ, ver, data[off + 5:off + 5 + n]
        off += 5 + n


def done(data):
    """True once a ServerHelloDone or an alert has arrived."""
    hs = b""
    for typ, _, body in parse_records(data):
        if typ == 21:
            return True
        if typ == 22:
            hs += body
    off = 0
    while off + 4 <= len(hs):
        if hs[off] == 14:
            return True
        off += 4 + int.from_bytes(hs[off + 1:off + 4], "big")
    return False


def exchange(port, msg):
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(msg)
        deadline = time.monotonic() + WAIT
        while len(data) < MAX_BYTES and not done(data):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            try:
                chunk = s.recv(MAX_BYTES - len(data))
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return data


def describe_hello(kw):
    h = dict(version=0x0303, record_version=0x0301)
    h.update(kw)
    out = ["version 0x%04x" % h["version"], "record version 0x%04x" % h["record_version"],
           "suites " + " ".join("0x%04x" % s for s in h.get("suites", ()))]
    for key in ("groups", "versions"):
        if h.get(key):
            out.append(key + " " + " ".join("0x%04x" % v for v in h[key]))
    if h.get("shares"):
        out.append("key_share " + " ".join("0x%04x" % g for g, _ in h["shares"]))
    if h.get("alpn"):
        out.append("alpn " + ",".join(h["alpn"]))
    if h.get("extensions") is False:
        out.append("no extensions")
    return "; ".join(out)


def server_version(cap):
    cmd = ["openssl", "version"] if cap["server"] == "openssl" else ["gnutls-serv", "--version"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    return out.splitlines()[0].strip() if out else cap["server"]


def capture(cap, keys, outdir):
    port = free_port()
    cmd = server_cmd(cap, keys, port)
    # stdin stays open: without -www, s_server ends a connection on EOF there
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if not wait_listening(port, proc):
            raise RuntimeError("%s: server did not start: %s" % (cap["name"], " ".join(cmd)))
        data = exchange(port, hello(**cap["hello"]))
    finally:
        proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if not data:
        raise RuntimeError("%s: no bytes from the server" % cap["name"])
    shown = [c.replace(keys["cert"], "rsa.pem").replace(keys["key"], "rsa.key")
             .replace(keys["ecert"], "ec.pem").replace(keys["ekey"], "ec.key")
             .replace(str(port), "PORT") for c in cmd]
    with open(os.path.join(outdir, cap["name"] + ".bin"), "wb") as f:
        f.write(data)
    with open(os.path.join(outdir, cap["name"] + ".txt"), "w") as f:
        f.write("# %s\n" % cap["what"])
        f.write("server: %s\n" % server_version(cap))
        f.write("command: %s\n" % " ".join(shown))
        if cap["server"] == "gnutls":
            f.write("netns: run inside a network namespace made for the capture\n")
        f.write("certificates: rsa.pem RSA-2048 / ec.pem P-256, self-signed CN=localhost, "
                "made by openssl req for the run\n")
        f.write("client: tests/vectors/capture.py %s: %s\n"
                % (cap["name"], describe_hello(cap["hello"])))
        f.write("captured: %s, %d bytes\n" % (datetime.date.today().isoformat(), len(data)))
        for k, v in cap["expect"].items():
            f.write("expect-%s: %s\n" % (k, v))
    print("%-34s %5d bytes" % (cap["name"], len(data)))


def in_netns(argv, names):
    """Run this script for the gnutls captures inside a fresh network namespace."""
    ns = "ta-vectors-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
                       check=True)
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                        "--inside-netns", "--only", ",".join(names)] + argv, check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--inside-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.list:
        for c in CAPTURES:
            print("%-34s %s" % (c["name"], c["what"]))
        return 0
    only = set(filter(None, args.only.split(",")))
    todo = [c for c in CAPTURES if not only or c["name"] in only]
    gnutls = [c["name"] for c in todo if c["server"] == "gnutls"]
    if gnutls and not args.inside_netns:
        if shutil.which("gnutls-serv") and shutil.which("ip") and os.geteuid() == 0:
            in_netns(["--out", args.out], gnutls)
        else:
            print("skipping gnutls captures: need gnutls-serv, ip and root", file=sys.stderr)
        todo = [c for c in todo if c["server"] != "gnutls"]
    with tempfile.TemporaryDirectory(prefix="ta-vectors-") as tmp:
        keys = make_keys(tmp)
        for cap in todo:
            capture(cap, keys, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
