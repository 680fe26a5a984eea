#!/usr/bin/env python3
"""`tlsaudit diff` end to end: two scans around servers reconfigured between
them, and the diff of the two JSON reports asserted category by category.

Servers (127.0.0.1 only, started and stopped here by PID):
  S1 openssl s_server -www (port p1), reconfigured between the runs:
       A: RSA 2048 self-signed CN=diff.test, 90 days; TLS 1.2 and 1.3
          (Debian's MinProtocol); -cipher ECDHE-RSA-AES128-GCM-SHA256:
          ECDHE-RSA-AES256-GCM-SHA384; -groups X25519:P-256; -serverpref
       B: EC P-256 CN=diff.test issued by "CN=Diff Test CA", 20 days;
          -min_protocol TLSv1 and -cipher ECDHE-ECDSA-AES128-GCM-SHA256:
          ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0 (TLS 1.0 and 1.1 again);
          -groups P-256; -serverpref; -no_ticket
  N1 nginx, HTTPS on p2 (target /https) and plain HTTP on p3 (--http-port):
       A: ssl_prefer_server_ciphers on; HSTS "max-age=31536000;
          includeSubDomains"; no CSP; plain HTTP: 301 to https://127.0.0.1:p2/
       B: ssl_prefer_server_ciphers off; HSTS "max-age=300"; CSP
          "default-src 'self'"; plain HTTP: 200
     (same ssl_ciphers, protocols and certificate in both)
  S2 s_server on p4: answers in run A, stopped before run B (started failing)
  S3 s_server on p5: started for run B only, and listed in run B only (appeared)
  p6: nothing listens; listed in run A only (vanished)

Every expectation comes from these configurations and is verified on the
live servers before the scanner runs: versions, suites and groups with
`openssl s_client` and raw ClientHellos (harness.tls_probe), the server's
suite choice with hellos offering two suites both ways round, the
certificates with s_client -showcerts, session tickets with s_client,
HTTP headers and the redirect with Python's http.client, and ports that do
not answer with a connect.

Then `tlsaudit diff a.json b.json --format json` must: validate against
docs/schema/diff.schema.json; exit 1; say per category what changed, with
the regression flag docs/diff.md defines; list S2 as started_failing, S3 as
appeared, p6 as vanished. `diff a.json a.json` exits 0 with nothing, the
text form exits 1 and shows the changes, a non-report exits 2.
Run: TLSAUDIT=build/tlsaudit python3 tests/integration/test_diff.py
"""

import http.client
import json
import os
import re
import socket
import ssl
import subprocess

import harness as h
import http_servers

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "schema", "diff.schema.json")

S1_A_CIPHERS = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"
S1_B_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"
N1_CIPHERS = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"
HSTS_A = "max-age=31536000; includeSubDomains"
HSTS_B = "max-age=300"
CSP_B = "default-src 'self'"


# ---------------------------------------------------------------- setup

def pki():
    """CA, the run A leaf (RSA, self-signed) and the run B leaf (EC, CA)."""
    d = os.path.join(h.tmpdir(), "diffpki")
    os.makedirs(d)
    p = lambda n: os.path.join(d, n)  # noqa: E731
    san = "subjectAltName=IP:127.0.0.1"
    h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("a.key"),
           "-out", p("a.pem"), "-days", "90", "-subj", "/CN=diff.test", "-addext", san])
    h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"),
           "-out", p("ca.pem"), "-days", "3650", "-subj", "/CN=Diff Test CA",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    h.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", p("b.key"), "-out", p("b.csr"), "-subj", "/CN=diff.test"])
    with open(p("b.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n%s\n" % san)
    h.run(["openssl", "x509", "-req", "-in", p("b.csr"), "-CA", p("ca.pem"), "-CAkey",
           p("ca.key"), "-set_serial", "7", "-days", "20", "-sha256", "-extfile", p("b.ext"),
           "-out", p("b.pem")])
    return p


def nginx(p2, p3, run_b):
    hsts = HSTS_B if run_b else HSTS_A
    https_body = """
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers %s;
ssl_prefer_server_ciphers %s;
add_header Strict-Transport-Security "%s" always;
%s
location / { default_type text/plain; return 200 "ok\\n"; }
""" % (N1_CIPHERS, "off" if run_b else "on", hsts,
       'add_header Content-Security-Policy "%s" always;' % CSP_B if run_b else "")
    plain = ('location / { default_type text/plain; return 200 "plain\\n"; }' if run_b else
             "location / { return 301 https://127.0.0.1:%d/; }" % p2)
    return http_servers.start_nginx_blocks(
        [{"port": p2, "ssl": True, "body": https_body}, {"port": p3, "body": plain}],
        name="nginx-diff-%s" % ("b" if run_b else "a"))


def s_server(port, args, cert, key, name):
    return h.start_openssl_server(["-www"] + args, cert=cert, key=key, port=port, name=name)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        return True


# ------------------------------------------------- independent verification

def iana(openssl_names):
    return {c["openssl"]: c for c in h.openssl_ciphers(openssl_names.replace(":@SECLEVEL=0", "")
                                                       + ":@SECLEVEL=0")}


def handshake(port, *args):
    """openssl s_client; "protocol" from its session's Protocol line (the
    "New, ..." line names the version of the cipher, not the one spoken)."""
    r = h.openssl_client(port, ["-servername", "diff.test"] + list(args))
    m = re.search(r"^\s+Protocol\s*:\s*(\S+)", r["output"], re.M)
    r["protocol"] = m.group(1) if m else None
    return r


def cert_of(port):
    out = h.openssl_client(port, ["-showcerts"])["output"]
    pem = out[out.find("-----BEGIN CERTIFICATE-----"):out.find("-----END CERTIFICATE-----") + 25]
    cp = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-enddate",
                         "-text"], input=pem.encode(), stdout=subprocess.PIPE, check=False)
    return cp.stdout.decode(errors="replace")


def got_ticket(port):
    """Does a TLS 1.2 full handshake bring a session ticket?"""
    out = h.openssl_client(port, ["-tls1_2"])["output"]
    return "TLS session ticket lifetime hint" in out


def https_headers(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=ctx)
    c.request("GET", "/")
    r = c.getresponse()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return hdrs


def plain_get(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/")
    r = c.getresponse()
    res = (r.status, r.getheader("Location"))
    c.close()
    return res


def server_choice(port, first, second):
    """The suite a TLS 1.2 server picks from a hello offering FIRST then SECOND."""
    return h.tls_probe(port=port, version="TLSv1.2", suites=[first, second],
                       groups=[0x001d, 0x0017]).get("suite")


def verify_a(t, ports):
    p1, p2, p3, p4, _, p6 = ports
    ok = True
    for v in ("-tls1", "-tls1_1"):
        ok &= t.check("setup A: S1 refuses %s" % v, not handshake(
            p1, v, "-cipher", "DEFAULT:@SECLEVEL=0")["ok"])
    r = handshake(p1, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
    ok &= t.check("setup A: S1 accepts ECDHE-RSA-AES128-GCM-SHA256", r["ok"], r["output"][-500:])
    ok &= t.check("setup A: S1 refuses ECDHE-ECDSA-AES128-GCM-SHA256 (RSA key)", not handshake(
        p1, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")["ok"])
    ok &= t.check("setup A: S1 TLS 1.3 with X25519", handshake(p1, "-tls1_3", "-groups",
                                                               "X25519")["ok"])
    ok &= t.check("setup A: S1 TLS 1.3 with rsa_pss_rsae_sha256", handshake(
        p1, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256")["ok"])
    c = cert_of(p1)
    ok &= t.check("setup A: S1 certificate CN=diff.test, self-signed RSA 2048",
                  "subject=CN = diff.test" in c and "issuer=CN = diff.test" in c and
                  "(2048 bit)" in c, c[:600])
    ok &= t.check("setup A: S1 gives TLS 1.2 session tickets", got_ticket(p1))
    hd = https_headers(p2)
    ok &= t.eq("setup A: N1 HSTS", HSTS_A, hd.get("strict-transport-security"))
    ok &= t.check("setup A: N1 no CSP", "content-security-policy" not in hd)
    ok &= t.eq("setup A: plain HTTP redirects", (301, "https://127.0.0.1:%d/" % p2),
               plain_get(p3))
    n = iana(N1_CIPHERS)
    a128, a256 = (n["ECDHE-RSA-AES128-GCM-SHA256"]["id"], n["ECDHE-RSA-AES256-GCM-SHA384"]["id"])
    ok &= t.eq("setup A: N1 picks its first suite either way round", [a128, a128],
               [server_choice(p2, a128, a256), server_choice(p2, a256, a128)])
    ok &= t.check("setup A: S2 answers", handshake(p4)["ok"])
    ok &= t.check("setup A: nothing on p6", refused(p6))
    return ok


def verify_b(t, ports):
    p1, p2, p3, p4, p5, _ = ports
    ok = True
    for v, name in (("-tls1", "TLSv1"), ("-tls1_1", "TLSv1.1")):
        r = handshake(p1, v, "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0")
        ok &= t.check("setup B: S1 speaks %s" % name, r["ok"] and r["protocol"] == name,
                      r["output"][-500:])
    for c in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA"):
        ok &= t.check("setup B: S1 accepts %s in TLS 1.2" % c, handshake(
            p1, "-tls1_2", "-cipher", c + ":@SECLEVEL=0")["ok"])
    for c in S1_A_CIPHERS.split(":"):
        ok &= t.check("setup B: S1 refuses %s" % c, not handshake(
            p1, "-tls1_2", "-cipher", c)["ok"])
    ok &= t.check("setup B: S1 refuses X25519 in TLS 1.3", not handshake(
        p1, "-tls1_3", "-groups", "X25519")["ok"])
    ok &= t.check("setup B: S1 TLS 1.3 signs with ecdsa_secp256r1_sha256", handshake(
        p1, "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256")["ok"])
    ok &= t.check("setup B: S1 TLS 1.3 refuses rsa_pss_rsae_sha256 only", not handshake(
        p1, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256")["ok"])
    c = cert_of(p1)
    ok &= t.check("setup B: S1 certificate CN=diff.test from Diff Test CA, EC P-256",
                  "subject=CN = diff.test" in c and "issuer=CN = Diff Test CA" in c and
                  "prime256v1" in c, c[:600])
    ok &= t.check("setup B: S1 gives no TLS 1.2 session ticket", not got_ticket(p1))
    hd = https_headers(p2)
    ok &= t.eq("setup B: N1 HSTS", HSTS_B, hd.get("strict-transport-security"))
    ok &= t.eq("setup B: N1 CSP", CSP_B, hd.get("content-security-policy"))
    ok &= t.eq("setup B: plain HTTP does not redirect", (200, None), plain_get(p3))
    n = iana(N1_CIPHERS)
    a128, a256 = (n["ECDHE-RSA-AES128-GCM-SHA256"]["id"], n["ECDHE-RSA-AES256-GCM-SHA384"]["id"])
    ok &= t.eq("setup B: N1 follows the client's order", [a128, a256],
               [server_choice(p2, a128, a256), server_choice(p2, a256, a128)])
    ok &= t.check("setup B: S2 no longer answers", refused(p4))
    ok &= t.check("setup B: S3 answers", handshake(p5)["ok"])
    return ok


# ------------------------------------------------------------ the runs

def scan(out, targets, ca, http_port):
    """One tlsaudit scan of TARGETS into OUT (exit 0, or 1 when a target
    failed); the parsed report."""
    argv = [h.tlsaudit_path(), "scan", "--format", "json", "-o", out, "--no-dns",
            "--ca-file", ca, "--http-port", str(http_port)] + list(targets)
    cp = h.run(argv, check=False, timeout=240)
    if cp.returncode not in (0, 1) or not os.path.exists(out):
        raise h.SetupError("tlsaudit scan exited %d: %s" % (
            cp.returncode, cp.stderr.decode(errors="replace")[-3000:]))
    with open(out) as f:
        return json.load(f)


def diff(a, b, *extra):
    cp = h.run([h.tlsaudit_path(), "diff"] + list(extra) + [a, b], check=False, timeout=120)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def endpoint(d, port):
    return next((e for e in d.get("endpoints", []) if e.get("port") == port), None)


def changes(e, category, scope=None):
    return [c for c in (e or {}).get("changes", [])
            if c["category"] == category and (scope is None or c["scope"] == scope)]


def change(e, category, item, scope=None):
    return next((c for c in changes(e, category, scope) if c["item"] == item), None)


def expect(t, e, label, category, item, regression, scope=None, before=None, after=None):
    c = change(e, category, item, scope)
    if not t.check("%s: %s %s%s listed" % (label, category, item,
                                             " (%s)" % scope if scope else ""), c is not None,
                   "changes of %s: %s" % (category, json.dumps(changes(e, category)))):
        return
    t.eq("%s: %s %s regression" % (label, category, item), regression, c["regression"])
    if before is not None:
        t.eq("%s: %s %s before" % (label, category, item), before, c["before"])
    if after is not None:
        t.eq("%s: %s %s after" % (label, category, item), after, c["after"])


def main(t):
    p = pki()
    ports = [h.free_port() for _ in range(6)]
    p1, p2, p3, p4, p5, p6 = ports

    # ---- run A
    s1 = s_server(p1, ["-cipher", S1_A_CIPHERS, "-groups", "X25519:P-256", "-serverpref"],
                  p("a.pem"), p("a.key"), "s1-a")
    n1 = nginx(p2, p3, False)
    s2 = s_server(p4, [], p("a.pem"), p("a.key"), "s2")
    if not verify_a(t, ports):
        raise h.SetupError("the servers of run A are not as configured (see above)")
    a = os.path.join(h.tmpdir(), "a.json")
    da = scan(a, ["127.0.0.1:%d" % p1, "127.0.0.1:%d/https" % p2, "127.0.0.1:%d" % p4,
                  "127.0.0.1:%d" % p6], p("ca.pem"), p3)
    t.eq("run A: four targets", 4, len(da.get("targets", [])))

    # ---- reconfigure
    h.stop_process(s1.proc, "s1-a")
    h.stop_process(n1.proc, "nginx-a")
    h.stop_process(s2.proc, "s2")
    s_server(p1, ["-min_protocol", "TLSv1", "-cipher", S1_B_CIPHERS, "-groups", "P-256",
                  "-serverpref", "-no_ticket"], p("b.pem"), p("b.key"), "s1-b")
    nginx(p2, p3, True)
    s_server(p5, [], p("a.pem"), p("a.key"), "s3")
    if not verify_b(t, ports):
        raise h.SetupError("the servers of run B are not as configured (see above)")
    b = os.path.join(h.tmpdir(), "b.json")
    scan(b, ["127.0.0.1:%d" % p1, "127.0.0.1:%d/https" % p2, "127.0.0.1:%d" % p4,
             "127.0.0.1:%d" % p5], p("ca.pem"), p3)

    # ---- the diff
    rc, out, err = diff(a, b, "--format", "json")
    t.eq("diff exits 1 (differences)", 1, rc)
    try:
        d = json.loads(out)
    except ValueError:
        raise h.SetupError("diff output is not JSON: %s\n%s" % (out[-2000:], err[-2000:]))
    try:
        import jsonschema
        with open(SCHEMA) as f:
            jsonschema.validate(d, json.load(f))
        t.check("diff JSON valid against docs/schema/diff.schema.json", True)
    except jsonschema.ValidationError as e:
        t.fail("diff JSON valid against docs/schema/diff.schema.json", str(e)[:2000])
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("diff JSON:\n" + json.dumps(d, indent=2))
    t.eq("summary", {"changed": 2, "appeared": 1, "vanished": 1, "started_failing": 1,
                     "recovered": 0, "unchanged": 0, "endpoints_a": 4, "endpoints_b": 4},
         {k: d["summary"][k] for k in ("changed", "appeared", "vanished", "started_failing",
                                       "recovered", "unchanged", "endpoints_a",
                                       "endpoints_b")})
    t.list_eq("endpoints in run B's order, then the vanished", [p1, p2, p4, p5, p6],
              [e["port"] for e in d["endpoints"]])

    e = endpoint(d, p1)
    t.eq("S1 changed", "changed", (e or {}).get("change"))
    # versions: TLS 1.0 and 1.1 again (-min_protocol TLSv1): regressions
    t.set_eq("S1 versions changed", ["TLSv1.0", "TLSv1.1"],
             [c["item"] for c in changes(e, "versions")])
    for v in ("TLSv1.0", "TLSv1.1"):
        expect(t, e, "S1", "versions", v, True, before=False, after=True)
    # suites of TLS 1.2: the RSA ones replaced by the ECDSA ones
    a_s, b_s = iana(S1_A_CIPHERS), iana(S1_B_CIPHERS)
    t.set_eq("S1 TLS 1.2 suites added",
             [b_s[c]["iana"] for c in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA")],
             [c["item"] for c in changes(e, "suites", "TLSv1.2") if c["after"] is True])
    t.set_eq("S1 TLS 1.2 suites removed", [a_s[c]["iana"] for c in S1_A_CIPHERS.split(":")],
             [c["item"] for c in changes(e, "suites", "TLSv1.2") if c["after"] is False])
    t.check("S1 no suite change is a regression (none is weak)",
            all(c["regression"] is None for c in changes(e, "suites")))
    # groups: X25519 gone in TLS 1.3
    expect(t, e, "S1", "groups", "x25519", None, scope="TLSv1.3", before=True, after=False)
    # signature schemes: the EC key signs with ECDSA in TLS 1.3
    expect(t, e, "S1", "signature_schemes", "ecdsa_secp256r1_sha256", None, scope="TLSv1.3",
           after=True)
    expect(t, e, "S1", "signature_schemes", "rsa_pss_rsae_sha256", None, scope="TLSv1.3",
           after=False)
    # certificate: new, EC instead of RSA, new issuer, 20 days left, trusted now
    scope = "CN=diff.test"
    expect(t, e, "S1", "certificate", "certificate", None, scope=scope)
    expect(t, e, "S1", "certificate", "key_type", None, scope=scope, before="RSA 2048",
           after="EC 256 secp256r1")
    expect(t, e, "S1", "certificate", "issuer", None, scope=scope, before="CN=diff.test",
           after="CN=Diff Test CA")
    expect(t, e, "S1", "certificate", "days_left", True, scope=scope)
    c = change(e, "certificate", "days_left", scope)
    t.check("S1 days left: at least 30 before, 19 or 20 after",
            c is not None and c["before"] >= 30 and c["after"] in (19, 20), json.dumps(c))
    expect(t, e, "S1", "certificate", "trusted", False, scope=scope, before=False, after=True)
    # features: -no_ticket (tickets are neither good nor bad, model/facts.h)
    expect(t, e, "S1", "features", "session_ticket", None, before=True, after=False)
    # HTTP: the plain port no longer redirects (one --http-port for every target)
    expect(t, e, "S1", "http", "redirect_to_https", True, before=True, after=False)
    # verdicts: HKCERT intermediate allows TLS 1.2 and 1.3 only
    expect(t, e, "S1", "verdicts", "versions", True, scope="hkcert-intermediate",
           before="pass", after="fail")

    e = endpoint(d, p2)
    t.eq("N1 changed", "changed", (e or {}).get("change"))
    expect(t, e, "N1", "suite_order", "server_order", None, scope="TLSv1.2", before=True,
           after=False)
    expect(t, e, "N1", "http", "hsts.max_age", True, before=31536000, after=300)
    expect(t, e, "N1", "http", "hsts.include_subdomains", True, before=True, after=False)
    expect(t, e, "N1", "http", "csp", False, before=False, after=True)
    expect(t, e, "N1", "http", "redirect_to_https", True, before=True, after=False)
    t.eq("N1 no version, suite or certificate change", [],
         changes(e, "versions") + changes(e, "suites") + changes(e, "certificate"))

    e = endpoint(d, p4)
    t.eq("S2 started failing", "started_failing", (e or {}).get("change"))
    expect(t, e, "S2", "status", "status", True, before="ok", after="error")
    t.eq("S3 appeared", "appeared", (endpoint(d, p5) or {}).get("change"))
    t.eq("p6 vanished", "vanished", (endpoint(d, p6) or {}).get("change"))
    t.eq("summary regressions count the changes marked so",
         sum(c["regression"] is True for x in d["endpoints"] for c in x["changes"]),
         d["summary"]["regressions"])

    # ---- the other forms
    rc, out, _ = diff(a, b)
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("diff text:\n" + out)
    t.eq("text diff exits 1", 1, rc)
    t.check("text diff shows the regressions",
            "worse" in out and "TLSv1.0 now offered" in out and "started failing" in out,
            out[:3000])
    t.check("text diff: no terminal control without --color", "\x1b" not in out)
    rc, out, _ = diff(a, a, "--format", "json")
    t.eq("diff of a report with itself exits 0", 0, rc)
    t.eq("... and lists nothing", [], json.loads(out).get("endpoints") if rc == 0 else None)
    bad = os.path.join(h.tmpdir(), "bad.json")
    with open(bad, "w") as f:
        f.write('{"tool": "tlsaudit", "targets": [{"host": "x"}]}\n')
    rc, _, err = diff(a, bad)
    t.eq("a file that is not a report exits 2", 2, rc)
    t.check("... naming the file", "bad.json" in err, err)


if __name__ == "__main__":
    h.run_test(main)
