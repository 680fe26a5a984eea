#!/usr/bin/env python3
"""`tlsaudit scan` end to end: name resolution through --resolver, the CAA
lookup and the HTTP checks (redirect, HSTS, CSP, compression), as a user
runs them.

Servers (all on loopback, started and stopped here by PID):
  nsd    the zone shop.test on 127.0.0.1:<dns port>:
           www      A 127.0.0.1, AAAA ::1
           bare     A 127.0.0.1
           badhsts  A 127.0.0.1
           preload  A 127.0.0.1
           @        CAA 0 issue "letsencrypt.org"
                    CAA 0 issuewild ";"
                    CAA 0 iodef "mailto:sec@shop.test"
         (no CAA at www, bare, badhsts or preload: the RFC 8659 climb ends
         at the apex)
  nginx  www      HTTPS with HSTS "max-age=31536000; includeSubDomains", a
                  Content-Security-Policy and gzip for a compressible body,
                  on 127.0.0.1 and [::1]; a plain-HTTP block on
                  <http port> answering 301 https://www.shop.test:<port>/
         On [::1] the CSP gets a report-uri and the redirect a path, so the
         facts of each target show that its HTTP checks went to its own
         address.
         bare     HTTPS without HSTS, CSP or compression
         badhsts  HTTPS with "Strict-Transport-Security: max-age=abc"
         preload  HTTPS with "Strict-Transport-Security: max-age=63072000;
                  includeSubDomains; preload" (the form hstspreload.org asks
                  for): hsts.preload true
IPv6 is half of run 1 (www has an AAAA record and nginx listens on [::1]).
When this machine has no ::1 to listen on, the whole test - servers,
probes and scanner - runs in a network namespace of its own (its `lo` has
::1 once up); if even that has no ::1 (IPv6 disabled in the kernel) the
test FAILS saying so. TLSAUDIT_TEST_NETNS=1 forces the namespace.

Before the scanner runs, the test checks its own expectations: nsd is
asked the A/AAAA/CAA questions directly (a small DNS client below), nginx
is fetched with Python's http.client on every address and its TLS versions
are tried with Python's ssl.  Every
expected value comes from the configuration written here.

Scanner runs (every name is answered by this nsd through --resolver, or is
an IP literal, so nothing ever goes to a non-loopback address):
  1. www.shop.test:<port>/https, JSON and text: one target per address, in
     DNS order (IPv4 first); service https; redirect, HSTS, CSP, gzip; the
     CAA set of shop.test with exactly its three records
  2. the same with --no-http --no-dns: http and dns null; a name the zone
     does not have next to www: that target is "cannot resolve", the other
     one has the same facts as in run 1
  3. bare, badhsts and preload with --http-port on a closed port: no
     HSTS/CSP/gzip, redirect unknown with "connection refused"; an invalid
     HSTS header is present but null, with the reason; the preload header
     gives max_age 63072000, include_subdomains true, preload true
  4. --resolver on a closed UDP port (refused at once) and on a socket that
     never answers (c-ares timeouts: A and AAAA, 2 tries each): "cannot
     resolve" within a bounded time; --resolver 300.1.1.1: exit 2 with one
     line on stderr
Every run also fails on a sanitizer report (ASan build: -DTA_SANITIZE=ON).
Run: TLSAUDIT=build/tlsaudit python3 tests/integration/test_http_dns.py
(as root: nsd and nginx are started here), or ctest -R integration.test_http_dns
"""

import http.client
import json
import os
import random
import re
import socket
import ssl
import struct
import subprocess
import time

import dns_server
import harness as h
import http_servers

ZONE = "shop.test"
WWW = "www." + ZONE
BARE = "bare." + ZONE
BADHSTS = "badhsts." + ZONE
PRELOAD = "preload." + ZONE
MISSING = "nothere." + ZONE
TLS_VERSIONS = ["TLSv1.2", "TLSv1.3"]  # ssl_protocols of every HTTPS block
HSTS_VALUE = "max-age=31536000; includeSubDomains"
HSTS = {"max_age": 31536000, "include_subdomains": True, "preload": False}
CSP = "default-src 'self'; img-src https:; frame-ancestors 'none'"
# what nginx answers on [::1] differs from what it answers on 127.0.0.1 (the
# CSP gets a report-uri, the redirect a path), so each target's facts show
# that its HTTP checks went to its own address
V6_CSP_TAIL = "; report-uri /csp-report-v6"
V6_PATH = "v6/"
BAD_HSTS_VALUE = "max-age=abc"
PRELOAD_HSTS_VALUE = "max-age=63072000; includeSubDomains; preload"
PRELOAD_HSTS = {"max_age": 63072000, "include_subdomains": True, "preload": True}
# (flags, tag, value) at the apex; none below it
CAA = [(0, "issue", "letsencrypt.org"), (0, "issuewild", ";"),
       (0, "iodef", "mailto:sec@" + ZONE)]
# text/plain, large and repetitive: gzip makes it much smaller
BODY = "tlsaudit end-to-end compressible line\n" * 400

# c-ares defaults used by the scanner (src/net/dns.c): 2000 ms, 2 tries; the
# second try waits twice as long (c-ares doubles the timeout per round), so
# the worst case with a resolver that never answers is 2 + 4 s.
DNS_WORST_S = 6.0
# wall-clock slack for process start (ASan) and a loaded 2-core machine
SLACK_S = 6.0


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def can_listen_v6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def enter_netns(ns):
    """Move this (single-threaded) test process into network namespace NS:
    every server, probe and scanner run started afterwards is in it too."""
    path = "/run/netns/" + ns.name
    fd = os.open(path, os.O_RDONLY)
    try:
        if hasattr(os, "setns"):  # Python >= 3.12
            os.setns(fd, os.CLONE_NEWNET)
        else:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
                err = ctypes.get_errno()
                raise h.SetupError("setns(%s): %s" % (path, os.strerror(err)))
    finally:
        os.close(fd)


def ensure_v6():
    """::1 to listen on: here, or else in a network namespace of our own
    (TLSAUDIT_TEST_NETNS=1 forces that). Never silently without IPv6."""
    forced = os.environ.get("TLSAUDIT_TEST_NETNS") == "1"
    if can_listen_v6() and not forced:
        return
    why = "forced by TLSAUDIT_TEST_NETNS=1" if forced else "::1 cannot be listened on here"
    ns = h.NetNS()
    enter_netns(ns)
    print("  NOTE  %s: the whole test runs in network namespace %s" % (why, ns.name))
    if not can_listen_v6():
        raise h.SetupError("no ::1 to listen on, not even in a fresh network namespace "
                           "with lo up (IPv6 disabled in this kernel?): the IPv6 half "
                           "of the test cannot run")


def free_port_both():
    """A TCP port free on both 127.0.0.1 and ::1."""
    for _ in range(50):
        port = h.free_port()
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", port))
            return port
        except OSError:
            continue
    raise h.SetupError("no TCP port free on both 127.0.0.1 and ::1")


def closed_udp_port():
    """A UDP port on 127.0.0.1 nobody listens on (checked right now)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in h._given_ports:
            h._given_ports.add(port)
            return port
    raise h.SetupError("no free UDP port")


def nginx_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def printable(s):
    return isinstance(s, str) and all(0x20 <= ord(c) <= 0x7e for c in s)


def strings_in(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings_in(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings_in(x)


def http_get(addr, port, tls, host, headers=None, timeout=10.0):
    """GET / on ADDR:PORT with Host HOST (and SNI HOST over TLS), no
    certificate check, no redirect, no decoding. (status, headers, body)."""
    sock = socket.create_connection((addr, port), timeout=timeout)
    try:
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=host)
        req = "GET / HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n" % (host, port)
        req += "".join("%s: %s\r\n" % kv for kv in (headers or {}).items()) + "\r\n"
        sock.sendall(req.encode())
        r = http.client.HTTPResponse(sock)
        r.begin()
        return r.status, r.getheaders(), r.read()
    finally:
        sock.close()


def values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def connect_refused(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        try:
            s.connect((addr, port))
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
    return False


# ---------------------------------------------------------------------------
# an independent DNS client (to check what nsd serves before the scanner asks)
# ---------------------------------------------------------------------------

QTYPES = {"A": 1, "AAAA": 28, "CAA": 257}


def _skip_name(msg, p):
    while True:
        if p >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[p]
        if n == 0:
            return p + 1
        if n & 0xC0 == 0xC0:
            return p + 2
        p += 1 + n


def dns_ask(port, name, qtype, timeout=2.0):
    """One UDP query to 127.0.0.1:PORT. Returns (rcode, [rdata, ...]) with
    the answers of QTYPE, rdata decoded: A/AAAA -> address text, CAA ->
    (flags, tag, value)."""
    qid = random.randrange(1, 0xFFFF)
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(
        ">HH", QTYPES[qtype], 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(msg, ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
    rid, flags, qd, an = struct.unpack(">HHHH", data[:8])
    if rid != qid:
        raise h.SetupError("DNS answer with the wrong id")
    p = 12
    for _ in range(qd):
        p = _skip_name(data, p) + 4
    out = []
    for _ in range(an):
        p = _skip_name(data, p)
        typ, _cls, _ttl, rdlen = struct.unpack(">HHIH", data[p:p + 10])
        rd = data[p + 10:p + 10 + rdlen]
        p += 10 + rdlen
        if typ != QTYPES[qtype]:
            continue
        if typ == 1:
            out.append(socket.inet_ntop(socket.AF_INET, rd))
        elif typ == 28:
            out.append(socket.inet_ntop(socket.AF_INET6, rd))
        else:
            tl = rd[1]
            out.append((rd[0], rd[2:2 + tl].decode(), rd[2 + tl:].decode()))
    return flags & 0x0F, out


# ---------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------


def scan(args, fmt="json", timeout=240):
    """tlsaudit scan --format FMT ARGS: (exit code, stdout, stderr, seconds)."""
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s (set TLSAUDIT)" % exe)
    argv = [exe, "scan", "--format", fmt] + [str(a) for a in args]
    h.log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise h.SetupError("tlsaudit did not finish within %ds; stderr:\n%s" % (
            timeout, (e.stderr or b"").decode(errors="replace")[-4000:]))
    took = time.time() - t0
    out, err = cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
    h.log("tlsaudit exit code %d after %.1f s" % (cp.returncode, took))
    if err.strip():
        print("  INFO  tlsaudit stderr: " + err.strip()[-2000:].replace("\n", "\n        "))
    return cp.returncode, out, err, took


def no_sanitizer_report(t, label, err):
    """With an ASan/UBSan build a report goes to stderr (and the exit code
    changes); say so plainly."""
    marks = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
             "runtime error:")
    t.check("%s: no sanitizer report on stderr" % label,
            not any(m in err for m in marks), err[-3000:])


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schema",
                      "scan.schema.json")


def schema_check(t, label, doc):
    """The report, with its http and dns objects, validates against the schema."""
    import jsonschema
    try:
        jsonschema.Draft202012Validator(json.load(open(SCHEMA))).validate(doc)
        t.check("%s: JSON validates against docs/schema/scan.schema.json" % label, True)
    except jsonschema.ValidationError as e:
        t.fail("%s: JSON validates against docs/schema/scan.schema.json" % label, str(e)[:2000])


def scan_json(t, label, args, expect_rc):
    rc, out, err, took = scan(args)
    t.eq("%s: exit code" % label, expect_rc, rc)
    no_sanitizer_report(t, label, err)
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise h.SetupError("%s: output is not JSON (%s)\n--- stdout ---\n%s\n--- stderr ---\n%s"
                           % (label, e, out[-4000:], err[-4000:]))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    schema_check(t, label, doc)
    tg = doc.get("targets")
    if not isinstance(tg, list):
        raise h.SetupError("%s: no targets list in %s" % (label, out[:2000]))
    for x in tg:
        bad = [s for s in strings_in({"http": x.get("http"), "dns": x.get("dns"),
                                      "error": x.get("error")}) if not printable(s)]
        t.check("%s: %s (%s): http/dns/error strings are printable ASCII" % (
            label, x.get("host"), x.get("ip")), not bad, json.dumps(bad))
    return tg, took


def check_ok_target(t, label, tg, host, ip, port):
    t.eq("%s: host, ip, port, status, error, service" % label,
         [host, ip, port, "ok", None, "https"],
         [tg.get("host"), tg.get("ip"), tg.get("port"), tg.get("status"), tg.get("error"),
          tg.get("service")])
    offered = sorted(p for p, o in (tg.get("protocols") or {}).items() if o.get("offered"))
    t.eq("%s: TLS was scanned too: offered = ssl_protocols of nginx" % label,
         sorted(TLS_VERSIONS), offered)


def caa_key(r):
    return [r["flags"], r["tag"], r["value"]]


def check_caa(t, label, dns, records):
    if not t.check("%s: dns is an object with caa" % label,
                   isinstance(dns, dict) and isinstance(dns.get("caa"), dict), json.dumps(dns)):
        return
    caa = dns["caa"]
    t.eq("%s: dns.caa domain, truncated, error" % label, [ZONE, False, None],
         [caa.get("domain"), caa.get("truncated"), caa.get("error")])
    recs = caa.get("records") or []
    t.set_eq("%s: dns.caa.records (flags, tag, value)" % label,
             [list(r) for r in records], [caa_key(r) for r in recs])
    t.check("%s: critical == (flags & 128) on every record" % label,
            all(r.get("critical") is bool(r.get("flags", 0) & 0x80) for r in recs),
            json.dumps(recs))


# ---------------------------------------------------------------------------


def main(t):
    ensure_v6()
    addrs = ["127.0.0.1", "::1"]
    p_www = free_port_both()
    p_http = free_port_both()
    p_bare = h.free_port()
    p_bad = h.free_port()
    p_pre = h.free_port()
    p_closed = h.free_port()
    location = "https://%s:%d/" % (WWW, p_www)

    def csp_of(addr):
        return CSP + (V6_CSP_TAIL if addr == "::1" else "")

    def location_of(addr):
        return location + (V6_PATH if addr == "::1" else "")

    # --- DNS --------------------------------------------------------------
    zone = ["www IN A 127.0.0.1", "bare IN A 127.0.0.1", "badhsts IN A 127.0.0.1",
            "preload IN A 127.0.0.1", "www IN AAAA ::1"]
    zone += ['@ IN CAA %d %s "%s"' % r for r in CAA]
    _, dport = dns_server.start_nsd({ZONE: "\n".join(zone) + "\n"})
    resolver = "127.0.0.1:%d" % dport

    # --- nginx ------------------------------------------------------------
    def v6listen(port, tls):
        return "listen [::1]:%d%s;\n" % (port, " ssl" if tls else "")

    http_servers.start_nginx_blocks([
        {"port": p_www, "ssl": True, "body": v6listen(p_www, True) + """
ssl_protocols TLSv1.2 TLSv1.3;
gzip on;
gzip_types text/plain;
gzip_min_length 1;
add_header Strict-Transport-Security {hsts} always;
set $csp {csp};
if ($server_addr = "::1") {{ set $csp {csp6}; }}
add_header Content-Security-Policy $csp always;
add_header Set-Cookie "sid=tlsaudit-test; Secure; HttpOnly" always;
add_header Set-Cookie "pref=1; Secure" always;
add_header Cache-Control "private" always;
location / {{ default_type text/plain; try_files /body.txt =404; }}
""".format(hsts=nginx_string(HSTS_VALUE), csp=nginx_string(CSP),
           csp6=nginx_string(CSP + V6_CSP_TAIL))},
        {"port": p_http, "body": v6listen(p_http, False) + """
set $loc {loc};
if ($server_addr = "::1") {{ set $loc {loc6}; }}
location / {{ return 301 $loc; }}
""".format(loc=nginx_string(location), loc6=nginx_string(location + V6_PATH))},
        {"port": p_bare, "ssl": True, "body": """
ssl_protocols TLSv1.2 TLSv1.3;
gzip off;
location / { default_type text/plain; try_files /body.txt =404; }
"""},
        {"port": p_bad, "ssl": True, "body": """
ssl_protocols TLSv1.2 TLSv1.3;
add_header Strict-Transport-Security %s always;
location / { default_type text/plain; return 200 "ok\\n"; }
""" % nginx_string(BAD_HSTS_VALUE)},
        {"port": p_pre, "ssl": True, "body": """
ssl_protocols TLSv1.2 TLSv1.3;
add_header Strict-Transport-Security %s always;
location / { default_type text/plain; return 200 "ok\\n"; }
""" % nginx_string(PRELOAD_HSTS_VALUE)},
    ], files={"body.txt": BODY.encode()}, name="nginx-shop")
    for port in (p_www, p_http):
        h.wait_port(port, host="::1")

    # --- our own expectations, checked against the servers first -----------
    for ver in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = ver
        try:
            with socket.create_connection(("127.0.0.1", p_www), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname=WWW) as c:
                    got = c.version()
        except (OSError, ssl.SSLError) as e:
            got = repr(e)
        t.eq("setup: www accepts %s" % ver.name, ver.name.replace("_", "."), got)
    rc, a = dns_ask(dport, WWW, "A")
    ok = t.eq("setup: nsd answers A www.shop.test", [0, ["127.0.0.1"]], [rc, a])
    rc, a = dns_ask(dport, WWW, "AAAA")
    ok &= t.eq("setup: nsd answers AAAA www.shop.test", [0, ["::1"]], [rc, a])
    rc, a = dns_ask(dport, PRELOAD, "A")
    ok &= t.eq("setup: nsd answers A %s" % PRELOAD, [0, ["127.0.0.1"]], [rc, a])
    rc, caa = dns_ask(dport, ZONE, "CAA")
    ok &= t.check("setup: nsd serves the three CAA records at shop.test",
                  rc == 0 and sorted(caa) == sorted(CAA), repr((rc, caa)))
    rc, caa = dns_ask(dport, WWW, "CAA")
    ok &= t.eq("setup: no CAA at www.shop.test (NOERROR, no records)", [0, []], [rc, caa])
    rc, a = dns_ask(dport, MISSING, "A")
    ok &= t.eq("setup: %s does not exist (NXDOMAIN)" % MISSING, [3, []], [rc, a])
    for addr in addrs:
        st, hd, body = http_get(addr, p_www, True, WWW, {"Accept-Encoding": "gzip, deflate, br"})
        ok &= t.check("setup: www on %s: 200, our HSTS and CSP, gzip" % addr,
                      st == 200 and values(hd, "Strict-Transport-Security") == [HSTS_VALUE]
                      and values(hd, "Content-Security-Policy") == [csp_of(addr)]
                      and values(hd, "Content-Encoding") == ["gzip"] and len(body) < len(BODY),
                      repr((st, hd)))
        st, hd, _ = http_get(addr, p_http, False, WWW)
        ok &= t.check("setup: plain HTTP on %s: 301 to %s" % (addr, location_of(addr)),
                      st == 301 and values(hd, "Location") == [location_of(addr)],
                      repr((st, hd)))
    st, hd, _ = http_get("127.0.0.1", p_bare, True, BARE, {"Accept-Encoding": "gzip, deflate, br"})
    ok &= t.check("setup: bare: 200 without HSTS, CSP or Content-Encoding",
                  st == 200 and not values(hd, "Strict-Transport-Security")
                  and not values(hd, "Content-Security-Policy")
                  and not values(hd, "Content-Security-Policy-Report-Only")
                  and not values(hd, "Content-Encoding"), repr((st, hd)))
    st, hd, _ = http_get("127.0.0.1", p_bad, True, BADHSTS)
    ok &= t.check("setup: badhsts sends Strict-Transport-Security: %s" % BAD_HSTS_VALUE,
                  st == 200 and values(hd, "Strict-Transport-Security") == [BAD_HSTS_VALUE],
                  repr((st, hd)))
    st, hd, _ = http_get("127.0.0.1", p_pre, True, PRELOAD, {"Accept-Encoding": "gzip"})
    ok &= t.check("setup: preload sends Strict-Transport-Security: %s, no CSP, no "
                  "Content-Encoding" % PRELOAD_HSTS_VALUE,
                  st == 200 and values(hd, "Strict-Transport-Security") == [PRELOAD_HSTS_VALUE]
                  and not values(hd, "Content-Security-Policy")
                  and not values(hd, "Content-Security-Policy-Report-Only")
                  and not values(hd, "Content-Encoding"), repr((st, hd)))
    ok &= t.check("setup: nothing listens on 127.0.0.1:%d" % p_closed,
                  connect_refused("127.0.0.1", p_closed))
    if not ok:
        raise h.SetupError("the servers do not serve what the test configured")

    target = "%s:%d/https" % (WWW, p_www)
    base = ["--resolver", resolver, "--http-port", p_http]

    # --- 1. everything on, JSON ---------------------------------------------
    tgs, _ = scan_json(t, "run 1", base + [target], 0)
    t.eq("run 1: one target per address of %s, in DNS order (IPv4 first)" % WWW,
         [[WWW, a, p_www] for a in addrs],
         [[x.get("host"), x.get("ip"), x.get("port")] for x in tgs])
    full_http = {
        "error": None, "https_status": 200, "http_port": p_http, "redirect_to_https": True,
        "http_status": 301, "http_error": None,
        "hsts": HSTS, "hsts_header_present": True, "hsts_error": None,
        "csp": True, "csp_report_only": False,
        "compression": True, "content_encoding": "gzip",
        "set_cookies": 2, "cache_control": "private"}
    run1 = {}
    for x in tgs:
        label = "run 1 [%s]" % x.get("ip")
        run1[x.get("ip")] = x
        check_ok_target(t, label, x, WWW, x.get("ip"), p_www)
        hx = x.get("http")
        exp = dict(full_http, csp_value=csp_of(x.get("ip")),
                   redirect_location=location_of(x.get("ip")))
        if t.check("%s: http is an object" % label, isinstance(hx, dict), json.dumps(hx)):
            for k in sorted(exp):
                t.eq("%s: http.%s" % (label, k), exp[k], hx.get(k))
            t.set_eq("%s: http has exactly the documented keys" % label,
                     sorted(exp), sorted(hx))
        br = {v.get("id"): v for v in x.get("vulnerabilities") or []}.get("breach", {})
        ev = " ".join(br.get("evidence") or [])
        t.check("%s: breach vulnerable, medium: gzip on an answer with 2 cookies and "
                "private caching (%s)" % (label, ev), br.get("status") == "vulnerable"
                and br.get("severity") == "medium" and "sets 2 cookie(s)" in ev
                and "personalised (Cache-Control: private)" in ev)
        check_caa(t, label, x.get("dns"), CAA)

    # --- 1b. the same as text -----------------------------------------------
    rc, out, err, _ = scan(base + [target], fmt="text")
    t.eq("run 1 text: exit code", 0, rc)
    no_sanitizer_report(t, "run 1 text", err)
    low = out.lower()
    for a in addrs:
        t.check("run 1 text: names %s:%d (%s)" % (WWW, p_www, a),
                "%s:%d (%s)" % (WWW, p_www, a) in out, out[:400])
    t.check("run 1 text: service https", "service: https" in out)
    # the HTTP and DNS facts in any readable layout: names as words (CSP
    # not inside "OCSP") and the values we configured
    text_ok = True
    for what, rx in (
            ("HSTS named", r"\bhsts\b|strict-transport-security"),
            ("HSTS max-age 31536000", r"\b31536000\b"),
            ("includeSubDomains", r"include[ _-]?subdomains"),
            ("CSP named", r"\bcsp\b|content-security-policy"),
            ("the CSP value", re.escape(CSP.lower())),
            ("compression: gzip", r"\bgzip\b"),
            ("the redirect Location", re.escape(location.lower())),
            ("CAA named", r"\bcaa\b"),
            ("the CAA domain shop.test", r"(?<![.\w])shop\.test\b"),
            ("CAA issue letsencrypt.org", r"\bletsencrypt\.org\b"),
            ("CAA iodef mailto:sec@shop.test", re.escape("mailto:sec@shop.test"))):
        text_ok &= t.check("run 1 text: shows %s" % what, re.search(rx, low),
                           "/%s/ does not match the text report" % rx)
    if not text_ok:
        path = os.path.join(h.tmpdir(), "run1-text-report.txt")
        with open(path, "w") as f:
            f.write(out)
        shown = [l for l in out.splitlines() if l.strip() and not re.match(
            r"\s+\S+\s+0x[0-9A-F]{4}\s", l)]  # cipher suite lines left out
        print("  INFO  the text report (whole: %s, kept with TLSAUDIT_KEEP_TMP=1) "
              "without its cipher suite lines:\n%s" % (
                  path, "\n".join("        | " + l for l in shown[:150])))

    # --- 2. --no-http --no-dns ----------------------------------------------
    tgs, _ = scan_json(t, "run 2", base + ["--no-http", "--no-dns", target], 0)
    t.eq("run 2: same targets as run 1", [[WWW, a, p_www] for a in addrs],
         [[x.get("host"), x.get("ip"), x.get("port")] for x in tgs])
    for x in tgs:
        label = "run 2 [%s]" % x.get("ip")
        check_ok_target(t, label, x, WWW, x.get("ip"), p_www)
        t.eq("%s: --no-http --no-dns: http and dns null" % label, [None, None],
             [x.get("http"), x.get("dns")])

    # --- 2b. a name the zone does not have, next to a good one --------------
    tgs, _ = scan_json(t, "run 2b", base + ["%s:%d/https" % (MISSING, p_www), target], 1)
    t.eq("run 2b: the missing name first, then one target per address of www",
         [[MISSING, p_www]] + [[WWW, p_www] for _ in addrs],
         [[x.get("host"), x.get("port")] for x in tgs])
    if tgs:
        bad = tgs[0]
        err = bad.get("error") or ""
        t.eq("run 2b: %s: status error" % MISSING, "error", bad.get("status"))
        t.check("run 2b: %s: error \"cannot resolve '%s': ...\"" % (MISSING, MISSING),
                err.startswith("cannot resolve '%s'" % MISSING) and "\n" not in err, repr(err))
        t.eq("run 2b: %s: no address, no HTTP check" % MISSING, [None, None],
             [bad.get("ip") or None, bad.get("http")])
        print("  INFO  run 2b: %s: dns = %s" % (MISSING, json.dumps(bad.get("dns"))))
    for x in tgs[1:]:
        label = "run 2b [%s]" % x.get("ip")
        check_ok_target(t, label, x, WWW, x.get("ip"), p_www)
        ref = run1.get(x.get("ip"), {})
        t.eq("%s: http facts as in run 1" % label, ref.get("http"), x.get("http"))
        check_caa(t, label, x.get("dns"), CAA)
        t.eq("%s: protocols as in run 1" % label,
             {p: o.get("cipher_suites") for p, o in (ref.get("protocols") or {}).items()},
             {p: o.get("cipher_suites") for p, o in (x.get("protocols") or {}).items()})

    # --- 3. no HSTS/CSP/gzip, closed plain port; an invalid HSTS header -------
    tgs, _ = scan_json(t, "run 3", ["--resolver", resolver, "--http-port", p_closed,
                                    "%s:%d/https" % (BARE, p_bare),
                                    "%s:%d/https" % (BADHSTS, p_bad),
                                    "%s:%d/https" % (PRELOAD, p_pre)], 0)
    t.eq("run 3: targets", [[BARE, "127.0.0.1", p_bare], [BADHSTS, "127.0.0.1", p_bad],
                            [PRELOAD, "127.0.0.1", p_pre]],
         [[x.get("host"), x.get("ip"), x.get("port")] for x in tgs])
    refused = "port %d: connection refused" % p_closed
    exp_bare = {
        "error": None, "https_status": 200, "http_port": p_closed, "redirect_to_https": None,
        "http_status": None, "redirect_location": None,
        "hsts": None, "hsts_header_present": False, "hsts_error": None,
        "csp": False, "csp_report_only": False, "csp_value": None,
        "compression": False, "content_encoding": None,
        "set_cookies": 0, "cache_control": None}
    exp_bad = dict(exp_bare, hsts_header_present=True)
    del exp_bad["hsts_error"]  # checked below: a reason, not an exact text
    exp_pre = dict(exp_bare, hsts=PRELOAD_HSTS, hsts_header_present=True)
    for x, exp in zip(tgs, (exp_bare, exp_bad, exp_pre)):
        label = "run 3 [%s]" % x.get("host")
        check_ok_target(t, label, x, x.get("host"), "127.0.0.1", x.get("port"))
        hx = x.get("http")
        if not t.check("%s: http is an object" % label, isinstance(hx, dict), json.dumps(hx)):
            continue
        for k in sorted(exp):
            t.eq("%s: http.%s" % (label, k), exp[k], hx.get(k))
        he = hx.get("http_error") or ""
        t.check("%s: http_error names the refusal and the port: %r" % (label, he),
                "refused" in he and str(p_closed) in he)
        t.eq("%s: http_error exactly as documented (docs/http.md)" % label, refused, he)
        if exp is exp_bad:
            hse = hx.get("hsts_error") or ""
            t.check("%s: hsts_error says why (max-age): %r" % (label, hse),
                    hse and "max-age" in hse and "\n" not in hse)
        # the climb from bare/badhsts (no CAA) ends at the apex
        check_caa(t, label, x.get("dns"), CAA)

    # --- 5. a web server on a port of no known service ----------------------
    # Without /https the port says nothing; --http-port says it is a web
    # server, and so does ALPN (nginx accepts http/1.1); --no-http wins.
    plain = "%s:%d" % (WWW, p_www)
    ip4 = addrs[0]
    for label, extra in (("run 5 (--http-port)", base), ("run 5b (ALPN http/1.1)",
                                                         ["--resolver", resolver])):
        tgs, _ = scan_json(t, label, extra + [plain], 0)
        x = next((x for x in tgs if x.get("ip") == ip4), None)
        if not t.check("%s: a target on %s" % (label, ip4), x is not None):
            continue
        t.eq("%s: service https" % label, "https", x.get("service"))
        hx = x.get("http") or {}
        ref = run1.get(ip4, {}).get("http") or {}
        for k in ("https_status", "hsts", "hsts_header_present", "csp", "csp_value",
                  "compression", "content_encoding"):
            t.eq("%s: http.%s as in run 1" % (label, k), ref.get(k), hx.get(k))
        if extra is base:
            t.eq("%s: the redirect checked on --http-port" % label,
                 [p_http, True], [hx.get("http_port"), hx.get("redirect_to_https")])
        else:
            t.eq("%s: the redirect checked on port 80 (no --http-port)" % label, 80,
                 hx.get("http_port"))
            t.check("%s: ALPN names http/1.1" % label,
                    "http/1.1" in ((x.get("features") or {}).get("alpn") or []),
                    json.dumps((x.get("features") or {}).get("alpn")))
    tgs, _ = scan_json(t, "run 5c (--no-http)", ["--resolver", resolver, "--no-http", plain], 0)
    t.eq("run 5c: --no-http: no HTTP checks, service tls", [[None, "tls"]] * len(tgs),
         [[x.get("http"), x.get("service")] for x in tgs])
    # a TLS server without ALPN on a port of no known service: not a web server
    srv = h.start_openssl_server(["-tls1_3"])
    tgs, _ = scan_json(t, "run 5d (no ALPN)", [srv.target], 0)
    t.eq("run 5d: a TLS server that names no ALPN protocol: no HTTP checks, service tls",
         [[None, "tls"]], [[x.get("http"), x.get("service")] for x in tgs])

    # --- 4. resolvers that cannot help ---------------------------------------
    closed = closed_udp_port()
    tgs, took = scan_json(t, "run 4 (resolver on a closed port)",
                          ["--resolver", "127.0.0.1:%d" % closed, "--http-port", p_http,
                           target], 1)
    print("  INFO  run 4: a resolver on a closed UDP port: tlsaudit took %.2f s" % took)
    t.eq("run 4: one target", 1, len(tgs))
    if tgs:
        x = tgs[0]
        err = x.get("error") or ""
        t.eq("run 4: status error", "error", x.get("status"))
        t.check("run 4: error \"cannot resolve '%s': <why>\": %r" % (WWW, err),
                err.startswith("cannot resolve '%s': " % WWW) and len(err) > len(WWW) + 20
                and "\n" not in err)
        t.eq("run 4: no HTTP check, no CAA result", [None, None], [x.get("http"), x.get("dns")])
    t.check("run 4: bounded: took %.2f s (at most the c-ares worst case %.0f s + %.0f s)"
            % (took, DNS_WORST_S, SLACK_S), took <= DNS_WORST_S + SLACK_S)

    # a resolver that receives the queries and never answers: c-ares times out
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    h.add_cleanup(silent.close)
    tgs, took = scan_json(t, "run 4b (silent resolver)",
                          ["--resolver", "127.0.0.1:%d" % silent.getsockname()[1],
                           "--http-port", p_http, target], 1)
    print("  INFO  run 4b: a resolver that never answers: tlsaudit took %.2f s" % took)
    silent.settimeout(0.2)
    asked = 0
    try:
        while True:
            silent.recvfrom(4096)
            asked += 1
    except OSError:
        pass
    t.eq("run 4b: the silent resolver got A and AAAA, 2 tries each (c-ares default)",
         4, asked)
    t.eq("run 4b: one target", 1, len(tgs))
    if tgs:
        x = tgs[0]
        err = x.get("error") or ""
        t.eq("run 4b: status error", "error", x.get("status"))
        t.check("run 4b: error \"cannot resolve '%s': ...timed out...\": %r" % (WWW, err),
                err.startswith("cannot resolve '%s': " % WWW) and "timed out" in err
                and "\n" not in err)
    t.check("run 4b: waited for the first timeout (2 s) at least, and gave up within the "
            "c-ares worst case %.0f s + %.0f s: took %.2f s" % (DNS_WORST_S, SLACK_S, took),
            2.0 <= took <= DNS_WORST_S + SLACK_S)

    t0 = time.time()
    rc, out, err, _ = scan(["--resolver", "300.1.1.1", target])
    no_sanitizer_report(t, "--resolver 300.1.1.1", err)
    lines = err.splitlines()
    t.eq("--resolver 300.1.1.1: exit code 2", 2, rc)
    t.check("--resolver 300.1.1.1: exactly one line on stderr, naming the option and "
            "the problem: %r" % err,
            len(lines) == 1 and lines[0].startswith("tlsaudit: --resolver")
            and ("300.1.1.1" in lines[0] or "not an IP address" in lines[0]))
    t.eq("--resolver 300.1.1.1: nothing on stdout", "", out)
    took = time.time() - t0
    t.check("--resolver 300.1.1.1: refused before any lookup (%.2f s, no DNS wait)" % took,
            took < SLACK_S)


if __name__ == "__main__":
    h.run_test(main)
