#!/usr/bin/env python3
"""`tlsaudit mail DOMAIN` end to end: MX discovery, the scan of every MX on
port 25 with STARTTLS, MTA-STS (TXT record and policy over HTTPS), TLS-RPT
and DANE, against real servers.

The MX hosts must be scanned on port 25 and the MTA-STS policy is fetched
on port 443, so everything runs inside a network namespace made for this
test (harness.NetNS: only `lo`, up).  The script runs itself a second time
inside it (`ip netns exec NS python3 test_mail_domain.py --in-netns NS`):
that inner run starts the servers, checks them, runs the scanner (again
through `ip netns exec NS`) and asserts.  It first checks that it really
is in the namespace.  The outer run only makes and deletes the namespace.

Servers (inside the namespace, loopback only, stopped by PID):
  nsd      on 127.0.0.1:<free port> (dns_server.start_nsd), zones
    mail.test    MX 10 mx1.mail.test.   MX 20 mx2.mail.test.
                 mx1 A 127.0.0.1   mx2 A 127.0.0.2   mta-sts A 127.0.0.1
                 _mta-sts    TXT "v=STSv1; id=20261125T000000;"
                 _smtp._tls  TXT "v=TLSRPTv1; rua=mailto:tlsrpt@mail.test"
                 _25._tcp.mx1 TLSA 3 1 1 <SHA-256 of mx1's SPKI>      (matches)
                 _25._tcp.mx2 TLSA 3 1 1 <SHA-256 of mx1's SPKI>      (does not:
                 _25._tcp.mx2 TLSA 3 0 0 <mx1's whole certificate>     mx1's key)
                 (the second mx2 record is longer than the 64 bytes the
                 scanner keeps: data_cut true, data its first 64 bytes)
    nomx.test    A 127.0.0.1, no MX         -> implicit MX (RFC 5321 5.1)
    nullmx.test  MX 0 .                     -> null MX (RFC 7505)
    badca.test   MX 10 mx1.mail.test.  mta-sts A 127.0.0.1
                 _mta-sts TXT "v=STSv1; id=20261125T000001;"
  postfix  mx1 on 127.0.0.1:25 (mail_servers.start_postfix) and mx2 on
           127.0.0.2:25 (the same, with its listen address changed: see
           start_postfix_at), STARTTLS, each with its own leaf
           (CN/SAN mxN.mail.test) from the harness CA
  nginx    127.0.0.1:443, by SNI:
             mta-sts.mail.test   leaf from the harness CA
             mta-sts.badca.test  leaf from a second, "rogue" CA
           both serving /.well-known/mta-sts.txt as text/plain:
             version: STSv1 / mode: enforce / mx: mx1.mail.test / max_age: 86400

Before the scanner runs, the test checks its own expectations against the
live servers: every DNS record with a small DNS client over TCP (below);
EHLO of both MX with mail_servers.starttls_open; the certificate each MX
serves, and TLS 1.2 and 1.3 handshakes, with `openssl s_client -starttls
smtp` (the served leaf's SPKI hash equals mx1's TLSA data and no mx2
record); the policy with Python's ssl (verified with the harness CA for
mail.test; for badca.test it fails with the harness CA and passes with the
rogue CA).

Scanner runs (`ip netns exec NS tlsaudit mail --format json --resolver
127.0.0.1:<nsd port> --ca-file <harness CA>`):
  1. mail.test nomx.test nullmx.test: every field of the three `mail`
     objects; targets == mx1.mail.test:25 (127.0.0.1), mx2.mail.test:25
     (127.0.0.2), nomx.test:25 (127.0.0.1), each status ok, service smtp,
     starttls.offered true, TLS 1.2 and 1.3 offered, the leaf it served
     (SHA-256) the one configured; nothing for nullmx.test
  2. badca.test: mta_sts.error names the certificate, mode, max_age and mx
     null, mta_sts_match null; the MX is still scanned
Every run also fails on a sanitizer report (ASan build: -DTA_SANITIZE=ON).
Run (as root): TLSAUDIT=build/tlsaudit python3 tests/integration/test_mail_domain.py
or ctest -R integration.test_mail_domain
"""

import http.client
import json
import os
import re
import secrets
import socket
import ssl
import struct
import subprocess
import sys
import time

import dns_server
import harness as h
import mail_servers as ms

INNER_FLAG = "--in-netns"

DOMAIN = "mail.test"
MX1, MX2 = "mx1.mail.test", "mx2.mail.test"
MX1_ADDR, MX2_ADDR = "127.0.0.1", "127.0.0.2"
STS_ADDR = "127.0.0.1"
NOMX, NOMX_ADDR = "nomx.test", "127.0.0.1"
NULLMX = "nullmx.test"
BADCA = "badca.test"
STS_ID, BADCA_STS_ID = "20261125T000000", "20261125T000001"
STS_TXT = "v=STSv1; id=%s;" % STS_ID
RUA = "mailto:tlsrpt@mail.test"
RPT_TXT = "v=TLSRPTv1; rua=%s" % RUA
POLICY_MODE, POLICY_MAX_AGE, POLICY_MX = "enforce", 86400, [MX1]
POLICY = "version: STSv1\nmode: %s\n%smax_age: %d\n" % (
    POLICY_MODE, "".join("mx: %s\n" % m for m in POLICY_MX), POLICY_MAX_AGE)
TLSA_KEPT = 64          # TA_MAIL_TLSA_DATA in src/probe/result.h: bytes the scanner keeps
PF_SETTINGS = {         # TLS 1.2 and 1.3 only, few suites: a short scan
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    "smtpd_tls_ciphers": "high",
    "smtpd_tls_mandatory_ciphers": "high",
    "tls_high_cipherlist": "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
}
SCAN_TIMEOUT_S = 110    # one scanner run; two runs and the setup fit in ctest's 300 s
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


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


def cert_der(pem_path):
    return h.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"]).stdout


def spki_sha256(pem_path):
    """SHA-256 of the certificate's SubjectPublicKeyInfo (TLSA selector 1,
    matching type 1), computed with the openssl CLI."""
    pub = h.run(["openssl", "x509", "-in", pem_path, "-noout", "-pubkey"]).stdout
    der = h.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub).stdout
    out = h.run(["openssl", "dgst", "-sha256", "-r"], input=der).stdout.decode()
    digest = out.split()[0].lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise h.SetupError("cannot parse `openssl dgst` output: %r" % out)
    return digest


def sha256_fingerprint(pem_path):
    out = h.run(["openssl", "x509", "-in", pem_path, "-noout", "-fingerprint",
                 "-sha256"]).stdout.decode()
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def rogue_leaf(cn):
    """A CA that is not the harness CA (so not in --ca-file) and a leaf for
    CN (SAN DNS:CN) signed by it.  Returns (ca_cert, key, cert)."""
    d = os.path.join(h.tmpdir(), "rogue-pki")
    os.makedirs(d, exist_ok=True)
    ca_key, ca_cert = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
           "-keyout", ca_key, "-out", ca_cert, "-days", "30",
           "-subj", "/CN=tlsaudit mail test rogue CA",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    key, csr, crt, ext = (os.path.join(d, "leaf" + s) for s in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:%s\n" % cn)
    h.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", key,
           "-out", csr, "-subj", "/CN=" + cn])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
           "-set_serial", "0x" + secrets.token_hex(8), "-days", "30", "-sha256",
           "-extfile", ext, "-out", crt])
    return ca_cert, key, crt


def in_netns(name):
    """True when this process's network namespace is /run/netns/NAME."""
    try:
        return os.stat("/proc/self/ns/net").st_ino == os.stat("/run/netns/" + name).st_ino
    except OSError:
        return False


# ---------------------------------------------------------------------------
# an independent DNS client (TCP, so long TLSA answers are never truncated)
# ---------------------------------------------------------------------------

QTYPES = {"A": 1, "MX": 15, "TXT": 16, "TLSA": 52}
MAX_DNS_MSG = 65535


def _name(msg, p):
    """Decode the (possibly compressed) name at P: (text, offset after it)."""
    labels, end, jumps = [], None, 0
    while True:
        if p >= len(msg):
            raise h.SetupError("DNS name runs past the message")
        n = msg[p]
        if n & 0xC0 == 0xC0:
            if p + 1 >= len(msg) or jumps > 20:
                raise h.SetupError("bad DNS compression pointer")
            if end is None:
                end = p + 2
            p = ((n & 0x3F) << 8) | msg[p + 1]
            jumps += 1
            continue
        if n == 0:
            return ".".join(labels) + ".", (end if end is not None else p + 1)
        labels.append(msg[p + 1:p + 1 + n].decode("ascii", "replace"))
        p += 1 + n


def dns_ask(port, name, qtype, timeout=5.0):
    """One query over TCP to 127.0.0.1:PORT. Returns (rcode, [rdata...]) of
    the answers of QTYPE, decoded: A -> text, MX -> (pref, host.),
    TXT -> joined strings, TLSA -> (usage, selector, mtype, hex)."""
    qid = secrets.randbelow(0xFFFF) + 1
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + q + struct.pack(">HH", QTYPES[qtype], 1)
    deadline = time.time() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack(">H", len(msg)) + msg)
        n = struct.unpack(">H", h._recv_exact(s, 2, deadline))[0]
        data = h._recv_exact(s, min(n, MAX_DNS_MSG), deadline)
    rid, flags, qd, an = struct.unpack(">HHHH", data[:8])
    if rid != qid:
        raise h.SetupError("DNS answer with the wrong id")
    p = 12
    for _ in range(qd):
        p = _name(data, p)[1] + 4
    out = []
    for _ in range(an):
        p = _name(data, p)[1]
        typ, _cls, _ttl, rdlen = struct.unpack(">HHIH", data[p:p + 10])
        rd_at = p + 10
        rd = data[rd_at:rd_at + rdlen]
        p = rd_at + rdlen
        if typ != QTYPES[qtype]:
            continue
        if typ == 1:
            out.append(socket.inet_ntop(socket.AF_INET, rd))
        elif typ == 15:
            out.append((struct.unpack(">H", rd[:2])[0], _name(data, rd_at + 2)[0]))
        elif typ == 16:
            parts, i = [], 0
            while i < len(rd):
                parts.append(rd[i + 1:i + 1 + rd[i]].decode("ascii", "replace"))
                i += 1 + rd[i]
            out.append("".join(parts))
        else:
            out.append((rd[0], rd[1], rd[2], rd[3:].hex()))
    return flags & 0x0F, out


# ---------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------


def start_postfix_at(addr, **kw):
    """mail_servers.start_postfix() on ADDR:25 instead of 127.0.0.1.

    start_postfix() has no address parameter: its master.cf line and its
    wait for the port both say 127.0.0.1.  For an MX on another loopback
    address the two are changed here, for the duration of the call only:
    the master.cf text gets ADDR, main.cf gets inet_interfaces = ADDR and
    the wait is for ADDR:25.  Postfix refuses an inet_interfaces address
    that no interface has ("no local interface found for 127.0.0.2"), even
    though the kernel accepts a bind to any 127/8 address on lo: ADDR/8 is
    added to lo first (this is the test's own namespace)."""
    if addr == "127.0.0.1":
        return ms.start_postfix(port=25, **kw)
    h.run(["ip", "addr", "replace", addr + "/8", "dev", "lo"])
    orig_cf, orig_wait = ms._master_cf, h.wait_port

    def master_cf(port):
        text = orig_cf(port)
        old = "127.0.0.1:%d inet" % port
        if old not in text:
            raise h.SetupError("mail_servers._master_cf no longer writes %r: update "
                               "start_postfix_at()" % old)
        return text.replace(old, "%s:%d inet" % (addr, port))

    def wait(port, host="127.0.0.1", **wkw):
        return orig_wait(port, host=addr if host == "127.0.0.1" else host, **wkw)

    ms._master_cf, h.wait_port = master_cf, wait
    try:
        return ms.start_postfix(port=25, inet_interfaces=addr, **kw)
    finally:
        ms._master_cf, h.wait_port = orig_cf, orig_wait


def nginx_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def sts_block(host, cert, key):
    return """server_name {host};
ssl_certificate {cert};
ssl_certificate_key {key};
ssl_protocols TLSv1.2 TLSv1.3;
location = /.well-known/mta-sts.txt {{ default_type text/plain; return 200 {body}; }}
""".format(host=host, cert=cert, key=key, body=nginx_string(POLICY))


def https_get(host, cafile, addr=STS_ADDR, port=443, path="/.well-known/mta-sts.txt"):
    """GET over TLS to ADDR:PORT with SNI HOST, the chain verified against
    CAFILE (raises ssl.SSLCertVerificationError otherwise).  Never resolves
    a name.  Returns (status, content-type, body text)."""
    ctx = ssl.create_default_context(cafile=cafile)
    sock = socket.create_connection((addr, port), timeout=10)
    try:
        sock = ctx.wrap_socket(sock, server_hostname=host)
        sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
            path, host)).encode())
        r = http.client.HTTPResponse(sock)
        r.begin()
        return r.status, r.getheader("Content-Type"), r.read(65536).decode(errors="replace")
    finally:
        sock.close()


def smtp_served_leaf(addr, servername, version_flag):
    """`openssl s_client -starttls smtp` to ADDR:25: (handshake ok, protocol,
    path of the leaf it served or None)."""
    cp = h.run(["openssl", "s_client", "-connect", "%s:25" % addr, "-starttls", "smtp",
                "-servername", servername, version_flag], check=False, timeout=30, input=b"")
    out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    path = None
    if pem:
        path = os.path.join(h.tmpdir(), "served-%s-%s.pem" % (addr, version_flag.strip("-")))
        with open(path, "w") as f:
            f.write(pem.group(0) + "\n")
    return bool(m) and m.group(2) != "(NONE)", m.group(1) if m else None, path


# ---------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------


def run_mail(t, label, ns_name, args, domains):
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s (set TLSAUDIT)" % exe)
    argv = ["ip", "netns", "exec", ns_name, exe, "mail", "--format", "json"] + list(args) \
        + list(domains)
    h.log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=SCAN_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise h.SetupError("%s: tlsaudit did not finish within %d s; stderr:\n%s" % (
            label, SCAN_TIMEOUT_S, (e.stderr or b"").decode(errors="replace")[-4000:]))
    out, err = cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
    h.log("tlsaudit exit code %d after %.1f s" % (cp.returncode, time.time() - t0))
    if err.strip():
        print("  INFO  tlsaudit stderr: " + err.strip()[-2000:].replace("\n", "\n        "))
    t.eq("%s: exit code (every target scanned)" % label, 0, cp.returncode)
    t.check("%s: no sanitizer report on stderr" % label,
            not any(m in err for m in SANITIZER_MARKS), err[-3000:])
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise h.SetupError("%s: output is not JSON (%s)\n--- stdout ---\n%s\n--- stderr ---\n%s"
                           % (label, e, out[-4000:], err[-4000:]))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    if not isinstance(doc, dict) or not isinstance(doc.get("mail"), list) \
            or not isinstance(doc.get("targets"), list):
        raise h.SetupError("%s: no mail/targets lists in the output:\n%s" % (label, out[:3000]))
    bad = [s for s in strings_in(doc["mail"]) if not printable(s)]
    t.check("%s: every string of the mail objects is printable ASCII" % label, not bad,
            json.dumps(bad))
    return doc


def mail_of(t, label, doc, domain):
    found = [m for m in doc["mail"] if isinstance(m, dict) and m.get("domain") == domain]
    if not t.check("%s: exactly one mail object for %s" % (label, domain), len(found) == 1,
                   json.dumps(doc["mail"])[:3000]):
        raise h.SetupError("%s: no mail object for %s" % (label, domain))
    return found[0]


def no_sts(t, label, m):
    t.eq("%s: mta_sts (no _mta-sts record)" % label,
         {"record": False, "id": None, "error": None, "mode": None, "max_age": None,
          "mx": None}, m.get("mta_sts"))


def no_rpt(t, label, m):
    t.eq("%s: tls_rpt (no _smtp._tls record)" % label,
         {"record": False, "rua": [], "error": None}, m.get("tls_rpt"))


def no_dane(t, label, dane):
    t.eq("%s: dane (no TLSA record)" % label,
         {"tlsa": [], "ad": False, "error": None, "match": None, "detail": None}, dane)


def check_target(t, label, tg, host, ip, leaf_sha256, banner_host):
    t.eq("%s: host, port, ip, status, error, service" % label,
         [host, 25, ip, "ok", None, "smtp"],
         [tg.get("host"), tg.get("port"), tg.get("ip"), tg.get("status"), tg.get("error"),
          tg.get("service")])
    st = tg.get("starttls") if isinstance(tg.get("starttls"), dict) else {}
    t.eq("%s: starttls protocol, offered, error" % label, ["smtp", True, None],
         [st.get("protocol"), st.get("offered"), st.get("error")])
    t.check("%s: starttls.banner names the server's myhostname %s" % (label, banner_host),
            isinstance(st.get("banner"), str) and banner_host in st["banner"],
            json.dumps(st.get("banner")))
    protos = tg.get("protocols") if isinstance(tg.get("protocols"), dict) else {}
    t.eq("%s: TLSv1.2 and TLSv1.3 offered (smtpd_tls_protocols >=TLSv1.2, verified)" % label,
         [True, True], [(protos.get(v) or {}).get("offered") for v in ("TLSv1.2", "TLSv1.3")])
    certs = tg.get("certificates") if isinstance(tg.get("certificates"), list) else []
    t.eq("%s: certificates: the one leaf it serves (SHA-256 fingerprint)" % label,
         [leaf_sha256], [c.get("sha256_fingerprint") for c in certs if isinstance(c, dict)])


# ---------------------------------------------------------------------------
# the test, inside the namespace
# ---------------------------------------------------------------------------


def inner(t, ns_name):
    if os.geteuid() != 0:
        raise h.SetupError("must run as root (nsd, postfix, nginx on ports 25 and 443)")
    if not in_netns(ns_name):
        raise h.SetupError("the inner run is not inside network namespace %s" % ns_name)
    t.check("the inner run is inside the test's network namespace %s" % ns_name, True)

    # --- PKI --------------------------------------------------------------
    ca = h.make_certs()
    leaf1 = ms.make_leaf(MX1)
    leaf2 = ms.make_leaf(MX2)
    sts = ms.make_leaf("mta-sts." + DOMAIN)
    rogue_ca, rogue_key, rogue_cert = rogue_leaf("mta-sts." + BADCA)
    spki1, spki2 = spki_sha256(leaf1.cert), spki_sha256(leaf2.cert)
    der1 = cert_der(leaf1.cert)
    if spki1 == spki2 or len(der1) <= TLSA_KEPT:
        raise h.SetupError("test PKI not as intended (same key twice, or a tiny certificate)")
    tlsa1 = [(3, 1, 1, spki1)]
    tlsa2 = [(3, 1, 1, spki1), (3, 0, 0, der1.hex())]

    def tlsa_rr(owner, recs):
        return "".join("%s IN TLSA %d %d %d ( %s )\n" % (
            owner, u, s, m, " ".join(d[i:i + 64] for i in range(0, len(d), 64)))
            for u, s, m, d in recs)

    # --- DNS --------------------------------------------------------------
    zones = {
        DOMAIN: ("@ IN MX 10 %s.\n@ IN MX 20 %s.\n" % (MX1, MX2)
                 + "mx1 IN A %s\nmx2 IN A %s\nmta-sts IN A %s\n" % (MX1_ADDR, MX2_ADDR, STS_ADDR)
                 + '_mta-sts IN TXT "%s"\n_smtp._tls IN TXT "%s"\n' % (STS_TXT, RPT_TXT)
                 + tlsa_rr("_25._tcp.mx1", tlsa1) + tlsa_rr("_25._tcp.mx2", tlsa2)),
        NOMX: "@ IN A %s\n" % NOMX_ADDR,
        NULLMX: "@ IN MX 0 .\n",
        BADCA: ("@ IN MX 10 %s.\nmta-sts IN A %s\n" % (MX1, STS_ADDR)
                + '_mta-sts IN TXT "v=STSv1; id=%s;"\n' % BADCA_STS_ID),
    }
    _, dport = dns_server.start_nsd(zones)
    resolver = "127.0.0.1:%d" % dport

    # --- postfix and nginx ------------------------------------------------
    pf1 = start_postfix_at(MX1_ADDR, cert=leaf1.cert, key=leaf1.key, name="postfix-mx1",
                           **PF_SETTINGS)
    pf2 = start_postfix_at(MX2_ADDR, cert=leaf2.cert, key=leaf2.key, name="postfix-mx2",
                           **PF_SETTINGS)
    h.start_nginx([(443, sts_block("mta-sts." + DOMAIN, sts.cert, sts.key)),
                   (443, sts_block("mta-sts." + BADCA, rogue_cert, rogue_key))],
                  name="nginx-mta-sts")

    # --- our own expectations, checked against the live servers -----------
    want = [
        (DOMAIN, "MX", [(10, MX1 + "."), (20, MX2 + ".")]),
        (MX1, "A", [MX1_ADDR]), (MX2, "A", [MX2_ADDR]),
        ("mta-sts." + DOMAIN, "A", [STS_ADDR]),
        ("_mta-sts." + DOMAIN, "TXT", [STS_TXT]),
        ("_smtp._tls." + DOMAIN, "TXT", [RPT_TXT]),
        ("_25._tcp." + MX1, "TLSA", tlsa1), ("_25._tcp." + MX2, "TLSA", tlsa2),
        (NOMX, "MX", []), (NOMX, "A", [NOMX_ADDR]), ("_25._tcp." + NOMX, "TLSA", []),
        (NULLMX, "MX", [(0, ".")]),
        (BADCA, "MX", [(10, MX1 + ".")]), ("mta-sts." + BADCA, "A", [STS_ADDR]),
    ]
    for name, qtype, rdata in want:
        rcode, got = dns_ask(dport, name, qtype)
        if sorted(got) != sorted(rdata) or rcode not in (0, 3):
            raise h.SetupError("nsd: %s %s answered rcode %d %r, configured %r" % (
                name, qtype, rcode, got, rdata))
    t.check("setup: nsd serves every record as configured (%d questions)" % len(want), True)

    for srv, addr, host, leaf, spki_own in ((pf1, MX1_ADDR, MX1, leaf1, spki1),
                                            (pf2, MX2_ADDR, MX2, leaf2, spki2)):
        s, info = ms.starttls_open("smtp", 25, host=addr, send_starttls=False)
        s.close()
        if not info["offered"] or srv.myhostname not in (info["banner"] or ""):
            raise h.SetupError("%s: EHLO/greeting not as configured: %r" % (host, info))
        for flag in ("-tls1_2", "-tls1_3"):
            ok, _, served = smtp_served_leaf(addr, host, flag)
            if not ok or not served:
                raise h.SetupError("%s: no %s handshake after STARTTLS" % (host, flag))
            if sha256_fingerprint(served) != leaf.sha256 or spki_sha256(served) != spki_own:
                raise h.SetupError("%s: served another certificate than %s" % (host, leaf.cert))
    t.check("setup: both MX greet with their myhostname, offer STARTTLS, do TLS 1.2 and "
            "1.3 and serve their own leaf", True)
    t.check("setup: mx1's served SPKI hash is its TLSA data, mx2's is in none of its records",
            spki1 == tlsa1[0][3] and all(spki2 != d for _, _, _, d in tlsa2)
            and der1.hex() != cert_der(leaf2.cert).hex())

    status, ctype, body = https_get("mta-sts." + DOMAIN, ca.ca_cert)
    if (status, ctype, body) != (200, "text/plain", POLICY):
        raise h.SetupError("mta-sts.%s serves %r" % (DOMAIN, (status, ctype, body)))
    try:
        https_get("mta-sts." + BADCA, ca.ca_cert)
        raise h.SetupError("mta-sts.%s verifies with the harness CA: no negative case" % BADCA)
    except ssl.SSLCertVerificationError as e:
        h.log("mta-sts.%s with the harness CA: %s (as intended)" % (BADCA, e))
    status, ctype, body = https_get("mta-sts." + BADCA, rogue_ca)
    if (status, ctype, body) != (200, "text/plain", POLICY):
        raise h.SetupError("mta-sts.%s serves %r" % (BADCA, (status, ctype, body)))
    t.check("setup: the policy is served as text/plain, verified with the harness CA for "
            "%s; for %s only with the rogue CA" % (DOMAIN, BADCA), True)

    common = ["--resolver", resolver, "--ca-file", ca.ca_cert]

    # --- run 1: mail.test nomx.test nullmx.test ---------------------------
    label = "run 1"
    doc = run_mail(t, label, ns_name, common, [DOMAIN, NOMX, NULLMX])
    t.eq("%s: one mail object per domain, in argument order" % label, [DOMAIN, NOMX, NULLMX],
         [m.get("domain") for m in doc["mail"] if isinstance(m, dict)])

    m = mail_of(t, label, doc, DOMAIN)
    lb = "%s: %s" % (label, DOMAIN)
    t.eq("%s: error, null_mx, implicit_mx" % lb, [None, False, False],
         [m.get("error"), m.get("null_mx"), m.get("implicit_mx")])
    mxs = m.get("mx") if isinstance(m.get("mx"), list) else []
    t.eq("%s: mx hosts and preferences, by preference" % lb, [[MX1, 10], [MX2, 20]],
         [[x.get("host"), x.get("preference")] for x in mxs])
    t.eq("%s: mta_sts" % lb,
         {"record": True, "id": STS_ID, "error": None, "mode": POLICY_MODE,
          "max_age": POLICY_MAX_AGE, "mx": POLICY_MX}, m.get("mta_sts"))
    t.eq("%s: tls_rpt" % lb, {"record": True, "rua": [RUA], "error": None}, m.get("tls_rpt"))
    if len(mxs) == 2:
        x1, x2 = mxs
        t.eq("%s: %s mta_sts_match (named by the policy)" % (lb, MX1), True,
             x1.get("mta_sts_match"))
        t.eq("%s: %s mta_sts_match (not named by the policy)" % (lb, MX2), False,
             x2.get("mta_sts_match"))
        d1 = x1.get("dane") if isinstance(x1.get("dane"), dict) else {}
        d2 = x2.get("dane") if isinstance(x2.get("dane"), dict) else {}
        # as lists (harness set_eq sorts, and dicts do not sort): usage,
        # selector, matching_type, data, data_cut; and no other key
        keys = ["usage", "selector", "matching_type", "data", "data_cut"]

        def want_rec(u, s, mt, d):
            return [u, s, mt, d[:2 * TLSA_KEPT], len(d) > 2 * TLSA_KEPT]

        def got_recs(d):
            recs = d.get("tlsa") if isinstance(d.get("tlsa"), list) else []
            return [[r.get(k) for k in keys] if isinstance(r, dict) and sorted(r) == sorted(keys)
                    else r for r in recs]
        t.list_eq("%s: %s dane.tlsa" % (lb, MX1), [want_rec(*r) for r in tlsa1], got_recs(d1))
        t.set_eq("%s: %s dane.tlsa (the whole certificate cut to %d bytes)" % (
            lb, MX2, TLSA_KEPT), [want_rec(*r) for r in tlsa2], got_recs(d2))
        for host, d, match in ((MX1, d1, True), (MX2, d2, False)):
            t.eq("%s: %s dane ad (unsigned zone), error, match" % (lb, host),
                 [False, None, match], [d.get("ad"), d.get("error"), d.get("match")])
        det1, det2 = d1.get("detail"), d2.get("detail")
        t.check("%s: %s dane.detail names DANE-EE 1 1 and the address that served it" % (
            lb, MX1), isinstance(det1, str) and "DANE-EE" in det1 and MX1_ADDR in det1,
            json.dumps(det1))
        t.check("%s: %s dane.detail says no record matches" % (lb, MX2),
                isinstance(det2, str) and "no TLSA record matches" in det2, json.dumps(det2))

    m = mail_of(t, label, doc, NOMX)
    lb = "%s: %s" % (label, NOMX)
    t.eq("%s: error, null_mx, implicit_mx" % lb, [None, False, True],
         [m.get("error"), m.get("null_mx"), m.get("implicit_mx")])
    mxs = m.get("mx") if isinstance(m.get("mx"), list) else []
    t.eq("%s: mx is the domain itself, preference 0, no policy to match" % lb,
         [[NOMX, 0, None]], [[x.get("host"), x.get("preference"), x.get("mta_sts_match")]
                             for x in mxs])
    if len(mxs) == 1:
        no_dane(t, lb, mxs[0].get("dane"))
    no_sts(t, lb, m)
    no_rpt(t, lb, m)

    m = mail_of(t, label, doc, NULLMX)
    lb = "%s: %s" % (label, NULLMX)
    t.eq("%s: error, null_mx, implicit_mx, mx" % lb, [None, True, False, []],
         [m.get("error"), m.get("null_mx"), m.get("implicit_mx"), m.get("mx")])
    no_sts(t, lb, m)
    no_rpt(t, lb, m)

    tgs = [x for x in doc["targets"] if isinstance(x, dict)]
    t.set_eq("%s: targets (host, port, ip): the two MX and the implicit MX, nothing for %s"
             % (label, NULLMX),
             [[MX1, 25, MX1_ADDR], [MX2, 25, MX2_ADDR], [NOMX, 25, NOMX_ADDR]],
             [[x.get("host"), x.get("port"), x.get("ip")] for x in tgs])
    for host, ip, leaf, srv in ((MX1, MX1_ADDR, leaf1, pf1), (MX2, MX2_ADDR, leaf2, pf2),
                                (NOMX, NOMX_ADDR, leaf1, pf1)):
        found = [x for x in tgs if x.get("host") == host]
        if found:
            check_target(t, "%s: target %s:25" % (label, host), found[0], host, ip,
                         leaf.sha256, srv.myhostname)

    # --- run 2: the policy's certificate is not from the --ca-file CA ------
    label = "run 2"
    doc = run_mail(t, label, ns_name, common, [BADCA])
    m = mail_of(t, label, doc, BADCA)
    lb = "%s: %s" % (label, BADCA)
    t.eq("%s: error, null_mx, implicit_mx" % lb, [None, False, False],
         [m.get("error"), m.get("null_mx"), m.get("implicit_mx")])
    sts_o = m.get("mta_sts") if isinstance(m.get("mta_sts"), dict) else {}
    t.eq("%s: mta_sts record, id, mode, max_age, mx (no policy)" % lb,
         [True, BADCA_STS_ID, None, None, None],
         [sts_o.get("record"), sts_o.get("id"), sts_o.get("mode"), sts_o.get("max_age"),
          sts_o.get("mx")])
    err = sts_o.get("error")
    t.check("%s: mta_sts.error mentions the certificate" % lb,
            isinstance(err, str) and "certificate" in err.lower(), json.dumps(err))
    mxs = m.get("mx") if isinstance(m.get("mx"), list) else []
    t.eq("%s: mx host, preference, mta_sts_match (no policy: unknown)" % lb,
         [[MX1, 10, None]],
         [[x.get("host"), x.get("preference"), x.get("mta_sts_match")] for x in mxs])
    if len(mxs) == 1:
        d = mxs[0].get("dane") if isinstance(mxs[0].get("dane"), dict) else {}
        t.eq("%s: %s dane match (its TLSA record is in %s)" % (lb, MX1, DOMAIN), True,
             d.get("match"))
    no_rpt(t, lb, m)
    tgs = [x for x in doc["targets"] if isinstance(x, dict)]
    t.eq("%s: targets (host, port, ip, status)" % label, [[MX1, 25, MX1_ADDR, "ok"]],
         [[x.get("host"), x.get("port"), x.get("ip"), x.get("status")] for x in tgs])


# ---------------------------------------------------------------------------
# the outer run: the namespace
# ---------------------------------------------------------------------------


def outer(t):
    if os.geteuid() != 0:
        raise h.SetupError("must run as root (ip netns; servers on ports 25 and 443)")
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s (set TLSAUDIT)" % exe)
    ns = h.NetNS()
    argv = ns.cmd([sys.executable, os.path.abspath(__file__), INNER_FLAG, ns.name])
    limit = float(os.environ.get("TLSAUDIT_MAIL_TEST_TIMEOUT", "285"))
    h.log("running the test inside %s: %s" % (ns.name, " ".join(argv)))
    sys.stdout.flush()
    env = dict(os.environ, TLSAUDIT=exe)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                            preexec_fn=h._die_with_parent)
    try:
        rc = proc.wait(limit)
    except subprocess.TimeoutExpired:
        h.stop_process(proc, "inner test run", grace=15)
        raise h.SetupError("the run inside the namespace took more than %.0f s" % limit)
    finally:
        if proc.poll() is None:
            h.stop_process(proc, "inner test run", grace=15)
    t.eq("every check inside the namespace passed (its exit code)", 0, rc)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == INNER_FLAG:
        h.run_test(lambda t: inner(t, sys.argv[2]))
    else:
        h.run_test(outer)
