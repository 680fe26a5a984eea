#!/usr/bin/env python3
"""Limits: no descriptor leak over a large run, bounded memory.

Starts two openssl s_server (one TLS 1.3 only, one TLS 1.2 with every suite
at SECLEVEL=0) and a listener that accepts and says nothing, all on
127.0.0.1, then runs fdcheck (the library through its public API) over 60
targets: each server many times over via distinct ports of nginx is not
needed - the same address:port several times is merged, so the targets are
the three servers plus closed loopback ports.  fdcheck scans twice and
compares /proc/self/fd before and after: equal counts or the test fails.
The tlsaudit binary's peak RSS over the same list is checked too.
"""

import os
import resource
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402


def main(t):
    fdcheck = os.environ.get("FDCHECK")
    if not fdcheck or not os.access(fdcheck, os.X_OK):
        raise h.SetupError("FDCHECK must name the fdcheck binary")
    a = h.start_openssl_server(["-tls1_3"])
    b = h.start_openssl_server(["-no_tls1_3", "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    h.add_cleanup(silent.close)
    targets = [a.target, b.target, "127.0.0.1:%d" % silent.getsockname()[1]]
    targets += ["127.0.0.1:%d" % h.free_port() for _ in range(40)]  # closed ports
    targets += ["127.0.0.%d:%d" % (i, a.port) for i in range(2, 20)]  # refused elsewhere on lo
    cp = subprocess.run([fdcheck] + targets, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=600)
    out = cp.stdout.decode()
    print(out)
    t.eq("fdcheck: descriptors equal before and after two scans of %d targets" % len(targets),
         0, cp.returncode)
    t.check("fdcheck scanned every target", "scanned %d targets" % len(targets) in out, out)

    # the CLI over the same list: bounded peak memory.  Under ASan the
    # process carries shadow memory and a quarantine of freed blocks
    # (256 MB by default): the quarantine is cut to 16 MB and the bound is
    # what ASan itself adds to the plain build's ~41 MB (115 MB measured).
    sanitized = os.environ.get("TA_SANITIZED") == "1"
    bound = 160 if sanitized else 100
    env = dict(os.environ)
    if sanitized:
        env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS"),
                                                   "quarantine_size_mb=16") if x)
    argv = [h.tlsaudit_path(), "scan", "--format", "json", "--timeout", "2000",
            "--connect-timeout", "2000"] + targets
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    rss_mb = ru.ru_maxrss / 1024.0
    print("tlsaudit over %d targets: exit %d, peak RSS %.1f MB%s" % (
        len(targets), os.waitstatus_to_exitcode(status), rss_mb,
        " (ASan build: bound %d MB)" % bound if sanitized else ""))
    t.eq("tlsaudit exit code (some targets fail)", 1, os.waitstatus_to_exitcode(status))
    t.check("peak RSS under %d MB%s" % (bound, " (ASan build)" if sanitized else ""),
            rss_mb < bound, "%.1f MB" % rss_mb)

    per_address(t)


class HoldingServer:
    """TLS servers (Python's ssl, so OpenSSL) on several ports of one
    address; each connection waits HOLD s before its handshake, so that
    connections the scanner holds open at once overlap for a while."""

    HOLD = 0.05

    def __init__(self, nports):
        c = h.make_certs()
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(c.rsa_cert, c.rsa_key)
        self.socks = []
        for _ in range(nports):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen(64)
            h.add_cleanup(s.close)
            self.socks.append(s)
            threading.Thread(target=self.accept, args=(s,), daemon=True).start()

    def ports(self):
        return {s.getsockname()[1] for s in self.socks}

    def accept(self, s):
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            conn.settimeout(5)
            time.sleep(self.HOLD)
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()


class ClientSockets:
    """Samples the kernel's TCP table every millisecond for client ends
    (remote port one of ports) in ESTABLISHED, i.e. connections the
    scanner holds open; a client socket leaves ESTABLISHED the moment the
    scanner closes it, whatever the server does after.  One read of
    /proc/net/tcp is not a snapshot (a socket closed and another opened
    while it is read can both appear), so a socket counts as open at once
    with another only if both appear in two reads in a row: both were open
    between them.  Every connection lasts at least the server's HOLD, many
    reads.  peak: most open at once; seen: distinct client ports."""

    def __init__(self, ports):
        self.ports = ports
        self.peak = 0
        self.seen = set()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self):
        open_now = set()
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                if state == "01" and int(remote.split(":")[1], 16) in self.ports:
                    open_now.add(int(local.split(":")[1], 16))
        return open_now

    def run(self):
        prev = set()
        while not self.stop:
            cur = self.sample()
            self.seen |= cur
            self.peak = max(self.peak, len(cur & prev))
            prev = cur
            time.sleep(0.001)

    def finish(self):
        self.stop = True
        self.thread.join()


def per_address(t):
    """--max-conns bounds the connections to one address, however many of
    its ports are targets."""
    srv = HoldingServer(3)
    targets = ["127.0.0.1:%d" % p for p in sorted(srv.ports())]
    for cap in (1, 2, 6):
        watch = ClientSockets(srv.ports())
        cp = subprocess.run([h.tlsaudit_path(), "scan", "--no-http", "--no-dns", "--format",
                             "json", "--max-conns", str(cap)] + targets,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        watch.finish()
        total, peak = len(watch.seen), watch.peak
        print("--max-conns %d over %d ports of one address: %d connections, %d at most at "
              "once" % (cap, len(targets), total, peak))
        t.check("--max-conns %d: the scan ends normally" % cap, cp.returncode in (0, 1),
                cp.stderr.decode(errors="replace")[-400:])
        t.check("--max-conns %d: connections were made" % cap, total > 3 * len(targets),
                str(total))
        t.check("--max-conns %d: at most %d open to the address at once" % (cap, cap),
                peak <= cap, "peak %d" % peak)
        if cap == 6:
            # the counter sees overlap when it is allowed: more than one
            # target's share (4 each by default would be 12 without the cap)
            t.check("--max-conns 6: the connections do overlap", peak > 2,
                    "peak %d" % peak)


if __name__ == "__main__":
    h.run_test(main)
