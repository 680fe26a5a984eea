#!/usr/bin/env python3
"""HTTP servers for tests of tlsaudit's HTTP checks (Python 3 stdlib only).

What it provides
  * nginx with HTTPS and plain-HTTP server blocks, each block written whole
    by the test (harness.start_nginx() adds `listen ... ssl` and its own
    `location /`, which these tests cannot use)       start_nginx_blocks()
  * a raw TCP server that answers every connection with canned bytes, or
    never answers at all (hostile servers)          start_canned()
  * an independent HTTP(S) client to verify what the servers really send
    before the code under test is asked               py_get()

Same rules as harness.py: everything binds to 127.0.0.1, processes are
started in their own session and stopped by PID at exit, and a server that
cannot start raises harness.SetupError, which FAILS the test.
"""

import http.client
import os
import secrets
import socket
import ssl
import threading

import harness as h


def start_nginx_blocks(blocks, files=None, name="nginx-http"):
    """nginx (own prefix, foreground) with BLOCKS: a list of dicts
        {"port": int, "ssl": bool, "http2": bool, "body": str}
    where body is the inside of the `server {}` block without the listen
    line (locations included).  TLS blocks get the harness RSA leaf
    (CN/SAN localhost, 127.0.0.1).  FILES: {name: bytes} written to the
    document root (`root` of every block) before nginx starts; nginx limits
    a quoted `return` text to 4 KB, so longer bodies go there.  Returns a
    harness.Server whose .ports are the blocks' ports and .html the root."""
    certs = h.make_certs()
    prefix = os.path.join(h.tmpdir(), "%s-%s" % (name, secrets.token_hex(3)))
    for sub in ("logs", "tmp", "conf", "html"):
        os.makedirs(os.path.join(prefix, sub))
    conf = os.path.join(prefix, "conf", "nginx.conf")
    err = os.path.join(prefix, "logs", "error.log")
    for fname, data in (files or {}).items():
        with open(os.path.join(prefix, "html", fname), "wb") as f:
            f.write(data)
    servers = []
    for b in blocks:
        tls = ""
        if b.get("ssl"):
            tls = ("        ssl_certificate %s;\n        ssl_certificate_key %s;\n" %
                   (certs.rsa_cert, certs.rsa_key))
        servers.append("    server {\n        listen 127.0.0.1:%d%s;\n"
                       "        server_name localhost;\n%s%s\n    }\n" % (
                           b["port"], (" ssl" if b.get("ssl") else "") +
                           (" http2" if b.get("http2") else ""), tls,
                           "\n".join("        " + l for l in b["body"].strip().splitlines())))
    # workers read FILES from the private (0700) temp dir: run them as the
    # user we are (nginx switches to "nobody" when started by root)
    user = "user root;\n" if os.geteuid() == 0 else ""
    text = user + """daemon off;
master_process on;
worker_processes 1;
pid {p}/logs/nginx.pid;
error_log {err} info;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    root {p}/html;
{servers}}}
""".format(p=prefix, err=err, servers="".join(servers))
    with open(conf, "w") as f:
        f.write(text)
    cp = h.run(["nginx", "-t", "-p", prefix, "-c", conf, "-e", err], check=False)
    if cp.returncode != 0:
        raise h.SetupError("nginx -t failed:\n%s\nconfig:\n%s" % (
            cp.stderr.decode(errors="replace"), text))
    proc = h.start_process(["nginx", "-p", prefix, "-c", conf, "-e", err], name,
                           os.path.join(prefix, "logs", "stdout.log"))
    for b in blocks:
        h.wait_port(b["port"], proc=proc, log_path=err)
    srv = h.Server(name, proc, blocks[0]["port"], err)
    srv.ports = [b["port"] for b in blocks]
    srv.conf_text = text
    srv.html = os.path.join(prefix, "html")
    return srv


class Canned:
    """A TCP server on 127.0.0.1 (a thread of the test process). For every
    connection it reads the request head (at most 64 KiB, 5 s), then sends
    RESPONSE and closes; with RESPONSE None it sends nothing and keeps the
    connection open until the server stops (a server that hangs)."""

    def __init__(self, response, port=None):
        self.response = response
        self.port = port or h.free_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        self.stopping = False
        self.held = []
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        h.add_cleanup(self.stop)

    def _serve(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        if self.response is None:
            self.held.append(c)
            return
        try:
            c.settimeout(5.0)
            buf = b""
            while b"\r\n\r\n" not in buf and len(buf) < 65536:
                chunk = c.recv(4096)
                if not chunk:
                    break
                buf += chunk
            c.sendall(self.response)
        except OSError:
            pass
        finally:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def stop(self):
        if self.stopping:
            return
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        for c in self.held:
            try:
                c.close()
            except OSError:
                pass


def start_canned(response):
    srv = Canned(response)
    h.log("canned server on 127.0.0.1:%d (%s)" % (
        srv.port, "hangs" if response is None else "%d bytes" % len(response)))
    return srv


def py_get(port, tls, host="localhost", path="/", headers=None, timeout=10.0):
    """GET with Python's http.client to 127.0.0.1:PORT (no certificate
    check, no redirect following, no decoding). Returns (status, [(name,
    value), ...] in the order received, body bytes)."""
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Host": host}
        hdrs.update(headers or {})
        conn.request("GET", path, headers=hdrs)
        r = conn.getresponse()
        body = r.read()
        return r.status, r.getheaders(), body
    finally:
        conn.close()


def header_values(headers, name):
    """All values of NAME (case-insensitive) in a py_get() header list."""
    return [v for k, v in headers if k.lower() == name.lower()]
