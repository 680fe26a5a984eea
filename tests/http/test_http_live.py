#!/usr/bin/env python3
"""Live test of src/net/http.c: ta_http_check() and ta_http_fetch() against
nginx and hostile canned servers on 127.0.0.1 (started and stopped here).

Every expected value comes from the configuration the test writes (header
values, ports, host names, bodies), and before the code under test runs,
Python's own http.client checks that the servers really send it.  Then
http_probe (tests/http/http_probe.c) runs every check at once on one event
loop and prints each struct ta_http_result as JSON, and every field is
compared.

Servers (host name "localhost", address 127.0.0.1):
  full, h2  HTTPS (HTTP/1.1; HTTP/2 chosen through ALPN) with
            Strict-Transport-Security (max-age, includeSubDomains, preload),
            a Content-Security-Policy and gzip for text/plain with a body
            large enough to compress; its plain port answers 301 to
            https://localhost:<https port>/
  bare      HTTPS without HSTS, CSP or compression; plain port answers 200
  badhsts1  max-age=abc                                  (plain check skipped)
  badhsts2  max-age given twice                          (plain check skipped)
  twohsts   two STS headers, the first valid (RFC 6797 8.1: the first counts),
            and only a Content-Security-Policy-Report-Only
  closed    plain port with nothing listening: connection refused
  otherhost plain port answers 301 to https://example.org:<port>/ (another host)
  relative  plain port answers 301 with a relative Location
  tohttp    plain port answers 302 to http://localhost/
  hostile plain ports (canned bytes): a 70 KiB response head, obsolete line
            folding, a Location with bytes >= 0x80, a server that never answers
  fetch     ta_http_fetch: a policy file (verified against the test CA), the
            wrong trust anchor, a redirect (not followed), a body over 64 KiB,
            resolving "localhost" by name
  cancel    ta_http_free() with requests pending: no callback, no leak (the
            ASan build reports leaks as a failure)
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness as h  # noqa: E402
import http_servers as hs  # noqa: E402

HOST = "localhost"
IP = "127.0.0.1"
HSTS = {"max_age": 63072000, "include_subdomains": True, "preload": True}
HSTS_VALUE = "max-age=%d; includeSubDomains; preload" % HSTS["max_age"]
CSP = "default-src 'self'; frame-ancestors 'none'"
CSP_RO = "script-src 'none'; report-uri /csp"
# 22 KB of text/plain: gzip makes it small; uncompressed it is more than a
# check reads (TA_HTTP_CHECK_BODY_MAX, 16 KiB), so that path runs too
BODY = "tlsaudit compressible body line\n" * 700
POLICY = ("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
          "mx: *.example.net\r\nmax_age: 604800\r\n")
FETCH_BODY_MAX = 64 * 1024


def probe(args, timeout=120):
    exe = os.environ.get("HTTP_PROBE")
    if not exe or not os.access(exe, os.X_OK):
        raise h.SetupError("HTTP_PROBE is not set to the http_probe binary (got %r)" % exe)
    argv = [exe] + [str(a) for a in args]
    h.log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise h.SetupError("http_probe did not finish within %ss" % timeout)
    took = time.time() - t0
    err = cp.stderr.decode(errors="replace")
    if cp.returncode != 0:
        raise h.SetupError("http_probe exited %d\n%s\n%s" % (
            cp.returncode, err[-4000:], cp.stdout.decode(errors="replace")[-4000:]))
    try:
        return json.loads(cp.stdout.decode()), took, err
    except ValueError as e:
        raise h.SetupError("http_probe output is not JSON (%s): %r" % (e, cp.stdout[-2000:]))


def ascii_printable(s):
    return isinstance(s, str) and all(0x20 <= ord(c) <= 0x7e for c in s)


def nginx_string(s):
    return ('"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
            .replace("\n", "\\n") + '"')


def check_result(t, name, r, exp):
    """Compare every field of one ta_http_result with EXP; strings must be
    printable ASCII."""
    for k in sorted(exp):
        if k == "hsts":
            for hk in sorted(exp["hsts"]):
                t.eq("%s: hsts.%s" % (name, hk), exp["hsts"][hk], r["hsts"].get(hk))
        elif k in ("http_error_has", "error_has", "hsts_error_has"):
            field = {"http_error_has": r["http_error"], "error_has": r["error"],
                     "hsts_error_has": r["hsts"]["error"]}[k]
            t.check("%s: %s contains %r" % (name, k[:-4], exp[k]), exp[k] in field,
                    "got %r" % field)
        else:
            t.eq("%s: %s" % (name, k), exp[k], r.get(k))
    for k in ("error", "redirect_location", "http_error", "csp_value", "content_encoding"):
        t.check("%s: %s is printable ASCII" % (name, k), ascii_printable(r[k]), repr(r[k]))
    t.check("%s: hsts.error is printable ASCII" % name, ascii_printable(r["hsts"]["error"]))


def main(t):
    certs = h.make_certs()
    P = {k: h.free_port() for k in (
        "full", "full80", "h2", "bare", "bare80", "badhsts1", "badhsts2", "twohsts", "fetch",
        "closed80", "other80", "relative80", "tohttp80")}
    other_host = "example.org"

    big_policy_path = "/big.txt"
    blocks = [
        {"port": P["full"], "ssl": True, "body": """
gzip on;
gzip_types text/plain;
gzip_min_length 1;
add_header Strict-Transport-Security {hsts} always;
add_header Content-Security-Policy {csp} always;
location / {{ default_type text/plain; try_files /body.txt =404; }}
""".format(hsts=nginx_string(HSTS_VALUE), csp=nginx_string(CSP))},
        {"port": P["h2"], "ssl": True, "http2": True, "body": """
gzip on;
gzip_types text/plain;
gzip_min_length 1;
add_header Strict-Transport-Security {hsts} always;
add_header Content-Security-Policy {csp} always;
location / {{ default_type text/plain; try_files /body.txt =404; }}
""".format(hsts=nginx_string(HSTS_VALUE), csp=nginx_string(CSP))},
        {"port": P["full80"], "body": "location / { return 301 https://%s:%d/; }" % (
            HOST, P["full"])},
        {"port": P["bare"], "ssl": True, "body": """
gzip off;
location / { default_type text/plain; try_files /body.txt =404; }
"""},
        {"port": P["bare80"], "body": "location / { default_type text/plain; return 200 \"plain\\n\"; }"},
        {"port": P["badhsts1"], "ssl": True, "body": """
add_header Strict-Transport-Security "max-age=abc" always;
location / { return 200 "x\\n"; }
"""},
        {"port": P["badhsts2"], "ssl": True, "body": """
add_header Strict-Transport-Security "max-age=300; max-age=600" always;
location / { return 200 "x\\n"; }
"""},
        {"port": P["twohsts"], "ssl": True, "body": """
add_header Strict-Transport-Security "max-age=300" always;
add_header Strict-Transport-Security "max-age=abc; includeSubDomains" always;
add_header Content-Security-Policy-Report-Only {ro} always;
location / {{ return 200 "x\\n"; }}
""".format(ro=nginx_string(CSP_RO))},
        {"port": P["other80"], "body": "location / { return 301 https://%s:%d/; }" % (
            other_host, P["full"])},
        {"port": P["relative80"], "body": "absolute_redirect off;\nlocation / { return 301 /secure/; }"},
        {"port": P["tohttp80"], "body": "location / { return 302 http://%s/; }" % HOST},
        {"port": P["fetch"], "ssl": True, "body": """
location = /.well-known/mta-sts.txt {{ default_type text/plain; return 200 {policy}; }}
location = /moved {{ return 301 https://{host}:{port}/.well-known/mta-sts.txt; }}
location = {big} {{ default_type text/plain; }}
# the same file without Content-Length (sub_filter drops it: chunked), so
# only the client's own cap on received bytes can stop it
location = /chunked {{ default_type text/plain; sub_filter_types text/plain;
                       sub_filter 'q' 'r'; try_files {big} =404; }}
""".format(policy=nginx_string(POLICY), host=HOST, port=P["fetch"], big=big_policy_path)},
    ]
    hs.start_nginx_blocks(blocks, files={
        "body.txt": BODY.encode(),
        big_policy_path.lstrip("/"): b"x" * (FETCH_BODY_MAX + 4096)})

    # hostile plain-HTTP servers
    huge = hs.start_canned(b"HTTP/1.1 301 Moved\r\nLocation: https://localhost/\r\n" +
                           b"".join(b"X-Pad-%05d: %s\r\n" % (i, b"a" * 60)
                                    for i in range(1100)) + b"\r\n")
    folded = hs.start_canned(b"HTTP/1.1 301 Moved\r\nLocation: https://localhost/\r\n"
                             b" continued\r\nContent-Length: 0\r\n\r\n")
    highbytes = hs.start_canned(b"HTTP/1.1 301 Moved\r\nLocation: https://local\xffhost\xc3\xa9/\r\n"
                                b"Content-Length: 0\r\n\r\n")
    hang = hs.start_canned(None)

    # --- our own expectations, checked with Python's client first ---------
    st, hd, body = hs.py_get(P["full"], True, headers={"Accept-Encoding": "gzip, deflate, br"})
    ok = t.check("setup: full answers 200 with our HSTS, CSP and gzip",
                 st == 200 and hs.header_values(hd, "Strict-Transport-Security") == [HSTS_VALUE]
                 and hs.header_values(hd, "Content-Security-Policy") == [CSP]
                 and hs.header_values(hd, "Content-Encoding") == ["gzip"]
                 and len(body) < len(BODY), "status %s headers %r" % (st, hd))
    if not ok:
        raise h.SetupError("nginx does not serve what the test configured")
    alpn = h.openssl_client(P["h2"], ["-alpn", "h2,http/1.1", "-servername", HOST])
    t.check("setup: h2 picks h2 through ALPN (libcurl offers it by default)",
            "ALPN protocol: h2" in alpn["output"], alpn["output"][-1500:])
    st, hd, _ = hs.py_get(P["bare"], True, headers={"Accept-Encoding": "gzip, deflate, br"})
    t.check("setup: bare has no HSTS, CSP or Content-Encoding",
            st == 200 and not hs.header_values(hd, "Strict-Transport-Security")
            and not hs.header_values(hd, "Content-Security-Policy")
            and not hs.header_values(hd, "Content-Encoding"), repr(hd))
    st, hd, _ = hs.py_get(P["full80"], False)
    t.check("setup: full80 redirects to https://localhost:<full>/",
            st == 301 and hs.header_values(hd, "Location") == [
                "https://%s:%d/" % (HOST, P["full"])], repr((st, hd)))
    st, hd, _ = hs.py_get(P["twohsts"], True)
    t.check("setup: twohsts sends two STS headers, valid one first",
            hs.header_values(hd, "Strict-Transport-Security") == [
                "max-age=300", "max-age=abc; includeSubDomains"], repr(hd))
    st, hd, _ = hs.py_get(P["relative80"], False)
    t.check("setup: relative80 sends a relative Location",
            st == 301 and hs.header_values(hd, "Location") == ["/secure/"], repr((st, hd)))

    # --- every check at once on one loop -----------------------------------
    checks = [
        ("full", P["full"], P["full80"]),
        ("h2", P["h2"], P["full80"]),
        ("bare", P["bare"], P["bare80"]),
        ("badhsts1", P["badhsts1"], 0),
        ("badhsts2", P["badhsts2"], 0),
        ("twohsts", P["twohsts"], P["closed80"]),
        ("otherhost", P["bare"], P["other80"]),
        ("relative", P["bare"], P["relative80"]),
        ("tohttp", P["bare"], P["tohttp80"]),
        ("huge", P["bare"], huge.port),
        ("folded", P["bare"], folded.port),
        ("highbytes", P["bare"], highbytes.port),
        ("https_closed", P["closed80"], P["bare80"]),
    ]
    args = ["-t", 5000, "check"]
    for _, sp, pp in checks:
        args += [HOST, IP, sp, pp]
    doc, took, _ = probe(args)
    res = dict(zip([c[0] for c in checks], doc["results"]))
    t.eq("one callback per check", len(checks), doc["callbacks"])
    for name, r in res.items():
        t.eq("%s: tested" % name, True, r["tested"])

    no_hsts = {"valid": False, "max_age": 0, "include_subdomains": False, "preload": False,
               "error": ""}
    bare_https = {"error": "", "https_status": 200, "hsts_present": False, "hsts": no_hsts,
                  "csp": False, "csp_report_only": False, "csp_value": "",
                  "compression": False, "content_encoding": ""}

    exp = {"error": "", "https_status": 200, "hsts_present": True,
           "hsts": dict(HSTS, valid=True, error=""), "csp": True, "csp_report_only": False,
           "csp_value": CSP, "compression": True, "content_encoding": "gzip",
           "http_port": P["full80"], "http_status": 301, "redirect_to_https": True,
           "redirect_location": "https://%s:%d/" % (HOST, P["full"]), "http_error": ""}
    check_result(t, "full", res["full"], exp)
    # the same over HTTP/2 (curl shows "HTTP/2 200" and lower-case names);
    # the plain port redirects to the full server's port: same host, so yes
    check_result(t, "h2", res["h2"], exp)

    exp = dict(bare_https, http_port=P["bare80"], http_status=200, redirect_to_https=False,
               redirect_location="", http_error="")
    check_result(t, "bare", res["bare"], exp)

    for name, err in (("badhsts1", "max-age is not a number"),
                      ("badhsts2", "\"max-age\" appears twice")):
        exp = {"error": "", "https_status": 200, "hsts_present": True,
               "hsts": {"valid": False, "max_age": 0, "include_subdomains": False,
                        "preload": False}, "hsts_error_has": err,
               "csp": False, "compression": False,
               "http_port": 0, "http_status": 0, "redirect_to_https": None,
               "redirect_location": "", "http_error": ""}
        check_result(t, name, res[name], exp)

    exp = {"error": "", "https_status": 200, "hsts_present": True,
           "hsts": {"valid": True, "max_age": 300, "include_subdomains": False,
                    "preload": False, "error": ""},
           "csp": False, "csp_report_only": True, "csp_value": CSP_RO,
           "http_port": P["closed80"], "http_status": 0, "redirect_to_https": None,
           "redirect_location": "",
           "http_error": "port %d: connection refused" % P["closed80"]}
    check_result(t, "twohsts + closed plain port", res["twohsts"], exp)

    for name, port, status, loc in (
            ("otherhost", P["other80"], 301, "https://%s:%d/" % (other_host, P["full"])),
            ("relative", P["relative80"], 301, "/secure/"),
            ("tohttp", P["tohttp80"], 302, "http://%s/" % HOST)):
        exp = dict(bare_https, http_port=port, http_status=status, redirect_to_https=False,
                   redirect_location=loc, http_error="")
        check_result(t, name, res[name], exp)

    exp = dict(bare_https, http_port=huge.port, http_status=0, redirect_to_https=None,
               redirect_location="",
               http_error="port %d: response head larger than 65536 bytes" % huge.port)
    check_result(t, "huge head", res["huge"], exp)
    exp = dict(bare_https, http_port=folded.port, http_status=301, redirect_to_https=None,
               redirect_location="",
               http_error="port %d: malformed response head: obsolete line folding" %
               folded.port)
    check_result(t, "folded head", res["folded"], exp)
    exp = dict(bare_https, http_port=highbytes.port, http_status=301,
               redirect_to_https=False, http_error="",
               redirect_location="https://local\\xffhost\\xc3\\xa9/")
    check_result(t, "Location with bytes >= 0x80", res["highbytes"], exp)

    exp = {"https_status": 0, "hsts_present": False, "hsts": no_hsts, "csp": None,
           "csp_report_only": False, "csp_value": "", "compression": None,
           "content_encoding": "", "error_has": "port %d" % P["closed80"],
           "http_port": P["bare80"], "http_status": 200, "redirect_to_https": False,
           "http_error": ""}
    check_result(t, "HTTPS port closed", res["https_closed"], exp)
    t.check("HTTPS port closed: error is set", res["https_closed"]["error"] != "")

    # --- a server that never answers: the timeout --------------------------
    doc, took, _ = probe(["-t", 1500, "check", HOST, IP, hang.port, hang.port])
    r = doc["results"][0]
    check_result(t, "hanging server", r, {
        "https_status": 0, "hsts_present": False, "csp": None, "compression": None,
        "http_port": hang.port, "http_status": 0, "redirect_to_https": None,
        "http_error": "port %d: timed out" % hang.port})
    print("  INFO  hanging server: %s / %s" % (r["error"], r["http_error"]), flush=True)
    t.check("hanging server: HTTPS error says timeout", "imeout" in r["error"] or
            "timed out" in r["error"], repr(r["error"]))
    t.check("hanging server: over within 1.5 s + slack (took %.1fs)" % took, took < 6.0)

    # --- cancelling: ta_http_free with transfers pending -------------------
    doc, took, _ = probe(["-t", 20000, "-c", 300, "check", HOST, IP, hang.port, hang.port,
                          HOST, IP, P["full"], hang.port])
    t.eq("cancel: no callback ran", {"cancelled": True, "callbacks": 0}, doc)
    t.check("cancel: over long before the 20 s timeout (took %.1fs)" % took, took < 10.0)

    # --- an idle client leaves nothing on the loop --------------------------
    # (-k: the client is freed only after ta_loop_run() returned by itself)
    doc, took, _ = probe(["-k", "-t", 5000, "check", HOST, IP, P["full"], P["full80"]])
    t.eq("idle client: loop ends, check done", (1, True, 200, True),
         (doc["callbacks"], doc["results"][0]["tested"], doc["results"][0]["https_status"],
          doc["results"][0]["redirect_to_https"]))
    doc, took, _ = probe(["-k", "fetch", HOST, "-", P["fetch"], "/.well-known/mta-sts.txt",
                          certs.ca_cert])
    t.eq("idle client after a fetch with name resolution: loop ends", (200, ""),
         (doc["status"], doc["error"]))

    # --- ta_http_fetch ------------------------------------------------------
    st, hd, body = hs.py_get(P["fetch"], True, path="/chunked")
    t.check("setup: /chunked is sent chunked, without Content-Length, over 64 KiB",
            st == 200 and not hs.header_values(hd, "Content-Length")
            and hs.header_values(hd, "Transfer-Encoding") == ["chunked"]
            and len(body) > FETCH_BODY_MAX, repr((st, hd, len(body))))
    doc, _, _ = probe(["fetch", HOST, IP, P["fetch"], "/.well-known/mta-sts.txt",
                       certs.ca_cert])
    t.eq("fetch: policy", {"status": 200, "content_type": "text/plain",
                           "body": POLICY.replace("\r", "\\x0d").replace("\n", "\\x0a"),
                           "body_len": len(POLICY), "error": ""}, doc)
    doc, _, _ = probe(["fetch", HOST, "-", P["fetch"], "/.well-known/mta-sts.txt",
                       certs.ca_cert])
    t.eq("fetch: host resolved by libcurl (localhost)", (200, len(POLICY), ""),
         (doc["status"], doc["body_len"], doc["error"]))
    # trust anchor that did not sign the server's certificate: the ECDSA
    # leaf (same CA) is not a CA itself
    doc, _, _ = probe(["fetch", HOST, IP, P["fetch"], "/.well-known/mta-sts.txt",
                       certs.ecdsa_cert])
    print("  INFO  wrong trust anchor: %s" % doc["error"], flush=True)
    t.check("fetch: wrong trust anchor fails verification",
            doc["status"] == 0 and doc["body_len"] == 0 and doc["error"] != "" and
            ascii_printable(doc["error"]), repr(doc))
    doc, _, _ = probe(["fetch", "127.0.0.2", IP, P["fetch"], "/.well-known/mta-sts.txt",
                       certs.ca_cert])
    t.check("fetch: name not in the certificate fails verification",
            doc["status"] == 0 and doc["error"] != "", repr(doc))
    doc, _, _ = probe(["fetch", HOST, IP, P["fetch"], "/moved", certs.ca_cert])
    t.eq("fetch: redirect reported, not followed", (301, ""), (doc["status"], doc["error"]))
    t.check("fetch: redirect body is nginx's page, not the policy",
            "STSv1" not in doc["body"], repr(doc["body"][:200]))
    doc, _, _ = probe(["fetch", HOST, IP, P["fetch"], big_policy_path, certs.ca_cert])
    print("  INFO  big body: %s" % doc["error"], flush=True)
    t.check("fetch: body over 64 KiB is an error",
            doc["error"] != "" and doc["body_len"] == 0 and ascii_printable(doc["error"]),
            repr({k: (v if k != "body" else v[:50]) for k, v in doc.items()}))
    doc, _, _ = probe(["fetch", HOST, IP, P["fetch"], "/chunked", certs.ca_cert])
    t.eq("fetch: chunked body over 64 KiB stopped by the received-bytes cap",
         (200, "body larger than %d bytes" % FETCH_BODY_MAX, 0),
         (doc["status"], doc["error"], doc["body_len"]))


if __name__ == "__main__":
    h.run_test(main)
