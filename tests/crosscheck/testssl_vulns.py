#!/usr/bin/env python3
"""tlsaudit's known-vulnerability verdicts beside testssl.sh's, server by
server, with every difference explained (issue 15).

    sudo python3 tests/crosscheck/testssl_vulns.py [--tlsaudit build/tlsaudit]
                 [--output docs/vulnerabilities-crosscheck.md]

Servers, all on loopback (gnutls-serv in a network namespace of its own):
the scripted servers of tests/integration/vuln_servers.py (Heartbleed in the
hello and only after the handshake, CCS
injection, Ticketbleed, ROBOT strong, weak and fixed, a tolerant
reference), the SSLv3 and SSLv2 scripted servers of fake_legacy_server.py,
a modern and a legacy `openssl s_server`, nginx, and the legacy GnuTLS
server of test_gnutls_legacy.py. tlsaudit scans them all in one run;
testssl.sh 3.0.8 runs `-U` (every vulnerability check) on each.

Each of our ids that testssl.sh has is compared: vulnerable or not,
could-not-test aside. A difference is looked up in EXPLAINED (why the two
tools differ there, with the reason); one not there is UNEXPLAINED, and the
script exits 1. The table goes to --output (markdown) and stdout.
Takes about 10 minutes (testssl.sh -U is slow). Not part of the test suite:
it checks testssl.sh too, whose verdicts are not ours to assert.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness as h        # noqa: E402
import vuln_servers as vs  # noqa: E402

# our id -> testssl.sh 3.0.8's JSON id
IDS = {
    "heartbleed": "heartbleed", "ccs-injection": "CCS", "ticketbleed": "ticketbleed",
    "robot": "ROBOT", "insecure-renegotiation": "secure_renego",
    "client-renegotiation": "secure_client_renego", "crime": "CRIME_TLS", "breach": "BREACH",
    "poodle": "POODLE_SSL", "fallback-scsv": "fallback_SCSV", "sweet32": "SWEET32",
    "freak": "FREAK", "drown": "DROWN", "logjam": "LOGJAM", "beast": "BEAST",
    "lucky13": "LUCKY13", "rc4": "RC4",
}

# (server, our id) or ("*", our id) -> why the two tools differ there
EXPLAINED = {
    ("*", "breach"): "testssl.sh fetches '/' over HTTP and judges its compression; tlsaudit "
                     "judges BREACH only from its HTTP checks, which a target that is not "
                     "named HTTPS (port 443, ALPN, /https) does not get: could_not_test",
    ("scripted SSLv3 (CBC)", "lucky13"): "the server offers SSLv3 only. Lucky Thirteen "
                                         "(AlFardan and Paterson, 2013) attacks the CBC "
                                         "padding and MAC check of TLS; tlsaudit judges it "
                                         "on TLS 1.0-1.2 and reports SSLv3's CBC as POODLE "
                                         "(vulnerable); testssl.sh counts CBC suites of any "
                                         "version",
    ("scripted SSLv3 (CBC)", "fallback-scsv"): "one version only: there is nothing to fall "
                                               "back to, so tlsaudit says not_applicable "
                                               "(POODLE is reported on its own); testssl.sh "
                                               "rates an SSLv3-only server HIGH here",
    ("*", "beast"): "testssl.sh 3.0.8 checks TLS 1.0 with Debian's OpenSSL 3.0, which "
                    "refuses TLS 1.0 at its default security level, so it reports 'no SSL3 "
                    "or TLS1'; this server does offer TLS 1.0 with CBC suites "
                    "(`openssl s_client -tls1 -cipher AES128-SHA:@SECLEVEL=0` connects; "
                    "tlsaudit's own hellos need no OpenSSL)",
    ("openssl s_server (TLS 1.0-1.2, ALL)", "logjam"):
        "OpenSSL's automatic DH answers the anonymous suite ADH-AES128-SHA with the 1024-bit "
        "RFC 2409 group (`openssl s_client -cipher ADH-AES128-SHA:@SECLEVEL=0` shows 'DH, "
        "1024 bits'); tlsaudit offers every suite and keeps the weakest DH it saw "
        "(rfc2409-1024, a published prime); testssl.sh's check offers the signed DHE suites, "
        "which get 2048 bits",
}
EXPLAINED[("scripted heartbleed-post", "heartbleed")] = (
    "the server bleeds only once the handshake is done, to encrypted heartbeats; testssl.sh "
    "3.0.8 sends its heartbeat right after the ServerHello, before the handshake completes, "
    "where this server drops it; tlsaudit's second test sends encrypted heartbeats after a "
    "full handshake (docs/vulnerabilities.md)")
# our id -> more testssl.sh ids whose "vulnerable" counts too
ALSO = {"logjam": ("LOGJAM-common_primes",)}


def testssl(target, ns=None, timeout=900):
    out = os.path.join(h.tmpdir(), "testssl-%s.json" % target.replace(":", "_"))
    argv = ["testssl", "--jsonfile", out, "-U", "--warnings", "off", "--quiet",
            "--color", "0", "--ip", "one", target]
    if ns:
        argv = ns.cmd(argv)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    try:
        with open(out) as f:
            return {x.get("id"): x for x in json.load(f)}
    except (OSError, ValueError):
        return {}


def their_status(x):
    """testssl.sh's verdict in our words: vulnerable, not_vulnerable, or None."""
    if not x:
        return None
    sev, finding = x.get("severity", ""), x.get("finding", "").lower()
    if "not vulnerable" in finding or sev == "OK":
        return "not_vulnerable"
    if sev in ("LOW", "MEDIUM", "HIGH", "CRITICAL") or "vulnerable" in finding:
        return "vulnerable"
    return None  # INFO, WARN: not tested, could not test


def our_status(v):
    st = v.get("status")
    return {"vulnerable": "vulnerable", "not_vulnerable": "not_vulnerable",
            "not_applicable": "not_vulnerable"}.get(st)


def start_servers():
    """name -> (target, netns or None)"""
    c = h.make_certs()
    out = {}
    modes = ["heartbleed", "heartbleed-post", "ccs", "ticketbleed", "robot-strong",
             "robot-weak", "robot-fixed", "tolerant"]
    for m, srv in vs.start_many(modes).items():
        out["scripted " + m] = ("127.0.0.1:%d" % srv.port, None)
    a = h.start_fake_legacy_server(["--sslv3-suites", "0x002f,0x000a", "--sslv3-order",
                                    "server"], name="fake-sslv3")
    out["scripted SSLv3 (CBC)"] = ("127.0.0.1:%d" % a.port, None)
    b = h.start_fake_legacy_server(["--sslv2-kinds", "0x010080,0x0700c0"], name="fake-sslv2")
    out["scripted SSLv2"] = ("127.0.0.1:%d" % b.port, None)
    s1 = h.start_openssl_server([], cert=c.rsa_cert, key=c.rsa_key)
    out["openssl s_server (TLS 1.2, 1.3)"] = ("127.0.0.1:%d" % s1.port, None)
    s2 = h.start_openssl_server(["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2",
                                 "-cipher", "ALL:@SECLEVEL=0"], cert=c.rsa_cert, key=c.rsa_key)
    out["openssl s_server (TLS 1.0-1.2, ALL)"] = ("127.0.0.1:%d" % s2.port, None)
    port = h.free_port()
    h.start_nginx([(port, "ssl_certificate %s;\nssl_certificate_key %s;" % (c.rsa_cert,
                                                                            c.rsa_key))])
    out["nginx (Debian defaults)"] = ("127.0.0.1:%d" % port, None)
    ns = h.NetNS()
    prio = ("NORMAL:+ARCFOUR-128:+3DES-CBC:+NULL:+ANON-DH:+ANON-ECDH:+DHE-RSA:"
            "+VERS-TLS1.0:+VERS-TLS1.1:-VERS-TLS1.3:%SERVER_PRECEDENCE")
    h.start_gnutls_serv(ns, ["--priority", prio], port=4433)
    out["gnutls-serv (legacy: RC4, 3DES)"] = ("127.0.0.1:4433", ns)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tlsaudit", default=os.path.join(HERE, "..", "..", "build", "tlsaudit"))
    ap.add_argument("--output", default=os.path.join(HERE, "..", "..", "docs",
                                                     "vulnerabilities-crosscheck.md"))
    a = ap.parse_args()
    os.environ["TLSAUDIT"] = os.path.abspath(a.tlsaudit)
    servers = start_servers()
    ours = {}
    for name, (target, ns) in servers.items():
        doc = h.run_tlsaudit([target], ["--no-dns"], netns=ns)
        ours[name] = {v["id"]: v for v in doc["targets"][0].get("vulnerabilities", [])}
    rows, unexplained = [], 0
    for name, (target, ns) in servers.items():
        theirs = testssl(target, ns)
        for our_id, their_id in IDS.items():
            o = ours[name].get(our_id, {})
            x = theirs.get(their_id)
            so, st = our_status(o), their_status(x)
            for extra in ALSO.get(our_id, ()):
                if their_status(theirs.get(extra)) == "vulnerable":
                    x, st = theirs.get(extra), "vulnerable"
            why = ""
            if so and st and so != st:
                why = EXPLAINED.get((name, our_id)) or EXPLAINED.get(("*", our_id))
                if not why:
                    unexplained += 1
                    why = "UNEXPLAINED"
            elif so != st:
                why = "one side could not test: %s" % (
                    "tlsaudit (%s)" % "; ".join(o.get("evidence", []))[:160] if not so
                    else "testssl.sh")
            rows.append((name, our_id, o.get("status", "-"),
                         "%s: %s" % (x.get("severity"), x.get("finding")) if x else "-", why))
        h.log("%s: compared" % name)
    lines = ["# Known vulnerabilities: tlsaudit beside testssl.sh",
             "",
             "Made by tests/crosscheck/testssl_vulns.py on %s (testssl.sh 3.0.8, `-U`)."
             % datetime.date.today().isoformat(),
             "Every server on loopback; a verdict in italics differs between the two tools. "
             "Our `logjam` is compared with testssl.sh's LOGJAM and LOGJAM-common_primes.",
             "",
             "| server | check | tlsaudit | testssl.sh | why they differ |",
             "|---|---|---|---|---|"]
    for name, cid, ost, tst, why in rows:
        mark = "*" if why and not why.startswith("one side could not test") else ""
        lines.append("| %s | %s | %s%s%s | %s | %s |" % (
            name, cid, mark, ost, mark, tst.replace("|", "/")[:120], why))
    lines += ["", "%d differences unexplained." % unexplained, ""]
    text = "\n".join(lines)
    print(text)
    with open(a.output, "w") as f:
        f.write(text)
    return 1 if unexplained else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        h.cleanup_all()
    sys.exit(rc)
