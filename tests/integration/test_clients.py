#!/usr/bin/env python3
"""The client simulation against real handshakes (docs/clients.md).

For several servers configured differently (openssl s_server on loopback:
TLS 1.3 only; TLS 1.2 only with ECDHE+AESGCM and server preference; only
CBC suites; only DHE; only secp384r1; an ECDSA certificate), tlsaudit scans
the server and simulates every client of its database; then each client
installed here (tests/clients/clients.py: the same clients whose hellos
were captured) really connects, through a relay that reads the handshake
in the clear: the ServerHello (version, suite, TLS 1.3 key share and
HelloRetryRequest), the ServerKeyExchange (TLS 1.2 curve, DH size), and
whether the handshake completed (TLS 1.2: the server's ChangeCipherSpec,
sent after the client's Finished, and no alert; TLS 1.3: the client's
first encrypted record is its Finished, not a 19-byte alert).

Every difference between the simulation and the real handshake (connects
or not; version, suite, group) is a failure.  A client of the database
that is not installed is a failure too (scripts/install-deps.sh installs
them), as is a simulation that cannot decide ("unknown").
"""

import os
import socket
import struct
import subprocess
import sys
import threading

import harness as h

sys.path.insert(0, os.path.join(h.HERE, "..", "clients"))
from clients import CLIENTS, installed  # noqa: E402

VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
            0x0304: "TLSv1.3"}
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
# the code points the tests meet: names as the document gives them (IANA)
GROUPS = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1", 0x001d: "x25519",
          0x001e: "x448", 0x0100: "ffdhe2048", 0x0101: "ffdhe3072", 0x11ec: "X25519MLKEM768"}


class Observer:
    """What one connection's handshake showed, from the bytes in the clear."""

    def __init__(self):
        self.version = self.suite = self.group = self.dh_bits = None
        self.hrr = False
        self.server_hello = False
        self.server_alert = None
        self.client_alert = False
        self.server_ccs = False
        self.client_finished = False
        self.s_hs = b""
        self.lock = threading.Lock()
        self.pipes_left = 2  # each direction's relay thread, until it has read its last byte
        self.closed = threading.Event()

    def done(self):
        if self.server_alert is not None or self.client_alert:
            return False
        if self.version == "TLSv1.3":
            return self.client_finished
        return self.server_hello and self.server_ccs

    def server_record(self, typ, body):
        if typ == 21 and not self.server_ccs and not (self.version == "TLSv1.3" and
                                                       self.server_hello):
            self.server_alert = body[1] if len(body) > 1 else -1
        elif typ == 20 and self.server_hello and self.version != "TLSv1.3":
            self.server_ccs = True  # TLS 1.3's compatibility CCS says nothing
        elif typ == 22 and not self.server_ccs and not (self.version == "TLSv1.3"):
            self.s_hs += body
            while len(self.s_hs) >= 4:
                n = int.from_bytes(self.s_hs[1:4], "big")
                if len(self.s_hs) < 4 + n:
                    break
                t, m = self.s_hs[0], self.s_hs[4:4 + n]
                self.s_hs = self.s_hs[4 + n:]
                if t == 2:
                    self.parse_server_hello(m)
                elif t == 12:
                    self.parse_ske(m)

    def parse_server_hello(self, m):
        ver = struct.unpack("!H", m[0:2])[0]
        rnd = m[2:34]
        sid = m[34]
        p = 35 + sid
        suite = struct.unpack("!H", m[p:p + 2])[0]
        p += 3
        group = None
        if p + 2 <= len(m):
            end = p + 2 + struct.unpack("!H", m[p:p + 2])[0]
            p += 2
            while p + 4 <= end:
                et, el = struct.unpack("!HH", m[p:p + 4])
                body = m[p + 4:p + 4 + el]
                if et == 43:
                    ver = struct.unpack("!H", body[:2])[0]
                elif et == 51:
                    group = struct.unpack("!H", body[:2])[0]
                p += 4 + el
        if rnd == HRR_RANDOM:
            self.hrr = True
            return
        self.server_hello = True
        self.version = VERSIONS.get(ver, hex(ver))
        self.suite = suite
        if group is not None:
            self.group = GROUPS.get(group, hex(group))
        if self.version == "TLSv1.3":
            self.s_hs = b""

    def parse_ske(self, m):
        if m and m[0] == 3 and len(m) >= 3:  # named_curve (RFC 8422 5.4)
            g = struct.unpack("!H", m[1:3])[0]
            self.group = GROUPS.get(g, hex(g))
        elif len(m) >= 2:  # DH: p first (RFC 5246 7.4.3)
            plen = struct.unpack("!H", m[0:2])[0]
            p = m[2:2 + plen].lstrip(b"\x00")
            self.dh_bits = len(p) * 8 - (8 - p[0].bit_length()) if p else 0

    def client_record(self, typ, body):
        if typ == 21 and self.server_hello and not self.server_ccs:
            self.client_alert = True  # after the server's CCS: close_notify
        elif typ == 23 and self.version == "TLSv1.3" and not self.client_finished:
            if len(body) == 19:  # an encrypted alert: 2 bytes, type, 16-byte tag
                self.client_alert = True
            else:
                self.client_finished = True


class Relay:
    """127.0.0.1:port -> upstream, one thread pair per connection; each
    connection's Observer in self.conns, in accept order."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()
        h.add_cleanup(self.stop)

    def stop(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass

    def accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            obs = Observer()
            self.conns.append(obs)
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
            except OSError:
                c.close()
                continue
            for a, b, fn in ((c, u, obs.client_record), (u, c, obs.server_record)):
                threading.Thread(target=self.pipe, args=(a, b, fn, obs), daemon=True).start()

    @staticmethod
    def pipe(a, b, fn, obs):
        buf = b""
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                # observe every record this chunk completes before passing
                # it on: the peer can only answer a record it has whole, so
                # what it answers is always observed after what it answers to
                # (a client's close_notify never overtakes the server's CCS)
                buf += d
                while len(buf) >= 5:
                    n = struct.unpack("!H", buf[3:5])[0]
                    if len(buf) < 5 + n:
                        break
                    with obs.lock:
                        fn(buf[0], buf[5:5 + n])
                    buf = buf[5 + n:]
                b.sendall(d)
        except (OSError, ValueError, IndexError, struct.error):
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with obs.lock:
            obs.pipes_left -= 1
            if obs.pipes_left == 0:
                obs.closed.set()


def run_client(c, port, ca):
    wd = os.path.join(h.tmpdir(), "client-%s-%d" % (c["name"], port))
    os.makedirs(wd, exist_ok=True)
    cmd = c["command"]("127.0.0.1", port, ca, wd)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, _ = p.communicate()
    return out.decode(errors="replace")[-600:]


def suite_name(doc_target, code):
    for v in doc_target["protocols"].values():
        for d in v.get("cipher_suite_details", []):
            if int(d["id"], 16) == code:
                return d["iana"]
    return "0x%04X" % code


SERVERS = [
    ("tls13-only", ["-tls1_3"], "rsa"),
    ("tls12-ecdhe-aesgcm-serverpref", ["-tls1_2", "-cipher", "ECDHE+AESGCM", "-serverpref"],
     "rsa"),
    ("cbc-only", ["-no_tls1_3", "-cipher", "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:"
                  "ECDHE-RSA-AES256-SHA:AES128-SHA256:ECDHE-RSA-AES128-SHA256"], "rsa"),
    ("dhe-only", ["-no_tls1_3", "-cipher", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
                  "DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA"], "rsa"),
    ("secp384r1-only", ["-groups", "secp384r1"], "rsa"),
    ("ecdsa-certificate", [], "ecdsa"),
]




def main(t):
    certs = h.make_certs()
    missing = [c["name"] for c in CLIENTS if not installed(c)]
    t.check("every client of the database is installed (scripts/install-deps.sh)",
            not missing, "not installed: %s" % ", ".join(missing))
    for name, args, kind in SERVERS:
        cert, key = ((certs.ecdsa_cert, certs.ecdsa_key) if kind == "ecdsa"
                     else (certs.rsa_cert, certs.rsa_key))
        srv = h.start_openssl_server(["-www"] + args, cert=cert, key=key, name=name)
        doc = h.run_tlsaudit([srv.target], ["--no-vuln", "--no-http", "--no-dns",
                                            "--ca-file", certs.ca_cert])
        tg = doc["targets"][0]
        t.check("%s: scanned" % name, tg["status"] == "ok", str(tg.get("error")))
        sims = {s["client"]: s for s in tg.get("clients", [])}
        t.check("%s: the document simulates every captured client" % name,
                all(c["name"] in sims for c in CLIENTS),
                "simulated: %s" % sorted(sims))
        relay = Relay(srv.port)
        for c in CLIENTS:
            if not installed(c) or c["name"] not in sims:
                continue
            sim = sims[c["name"]]
            before = len(relay.conns)
            out = run_client(c, relay.port, certs.ca_cert)
            conns = relay.conns[before:]
            label = "%s: %s" % (name, c["name"])
            if not conns:
                t.fail(label + ": the client made no connection", out)
                continue
            o = conns[0]
            # the client has exited; its last records may still be in the
            # relay's threads: judge once both directions have ended
            if not o.closed.wait(10):
                t.fail(label + ": the relayed connection did not end within 10 s", out)
                continue
            real = {"result": "connects" if o.done() else "fails",
                    "protocol": o.version if o.done() else None,
                    "cipher_suite": suite_name(tg, o.suite) if o.done() and o.suite else None,
                    "group": o.group if o.done() else None}
            want = {"result": sim["result"],
                    "protocol": sim["protocol"] if sim["result"] == "connects" else None,
                    "cipher_suite": sim["cipher_suite"] if sim["result"] == "connects" else None,
                    "group": sim["group"] if sim["result"] == "connects" else None}
            detail = ("simulated: %s\nreal:      %s (HelloRetryRequest %s, server alert %s, "
                      "client alert %s, DH %s)\nsimulation's reason: %s; lacking: %s\n"
                      "client said: %s" % (want, real, o.hrr, o.server_alert, o.client_alert,
                                           o.dh_bits, sim.get("reason"), sim.get("missing"),
                                           out.strip()))
            t.check(label + ": %s %s" % (real["result"], " ".join(
                str(real[k]) for k in ("protocol", "cipher_suite", "group") if real[k])),
                real == want, detail)
            if real["result"] == "connects" and want["result"] == "connects":
                t.check(label + ": HelloRetryRequest as simulated",
                        o.hrr == sim["hello_retry_request"], detail)
        relay.stop()
        h.stop_process(srv.proc, name)


if __name__ == "__main__":
    h.run_test(main)
