#!/usr/bin/env python3
"""Profile verdicts for real servers built to match a profile.

  * nginx configured as Mozilla Intermediate (TLS 1.2 + 1.3, the eight
    suites common to Mozilla 5.4 and 5.7, X25519:prime256v1:secp384r1, ffdhe2048 DH, RSA-2048 certificate
    of 30 days, client order): complies with mozilla-5.7-intermediate and
    hkcert-intermediate; does not comply with hkcert-modern (versions) nor
    ncsc-uk-suiteb-c1.
  * openssl s_server configured as Mozilla Modern / HKCERT Modern (TLS 1.3
    only, the three suites, ECDSA P-256 certificate of 30 days signed
    ecdsa-with-SHA256 by an ECDSA CA, as Mozilla modern requires): complies
    with hkcert-modern and mozilla-5.7-modern; does not comply with
    hkcert-intermediate, which requires TLS 1.2 too (rule "versions").
nginx accepts http/1.1 in ALPN, so it is HTTPS on any port and gets the
HTTP checks: it sends HSTS as Mozilla's configuration does.  The s_server
names no ALPN protocol, so its HSTS rules are not applicable.  No rule may
be "could_not_test" except ones the test names.
"""

import json
import os
import subprocess

import harness as h

MOZ = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
       "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
# HKCERT Intermediate is taken to be Mozilla 5.4 Intermediate (PROFILES.md),
# whose eight suites lack DHE-RSA-CHACHA20-POLY1305 (added in 5.7); a server
# built to match both offers the eight.


def scan(target, ca):
    cp = subprocess.run([h.tlsaudit_path(), "scan", "--format", "json", "--sni", "localhost",
                         "--ca-file", ca, target], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=240, stdin=subprocess.DEVNULL)
    if cp.returncode not in (0, 1):
        raise h.SetupError("tlsaudit exited %d: %s" % (cp.returncode, cp.stderr.decode()[-2000:]))
    return json.loads(cp.stdout)["targets"][0]


def failing(verdict):
    return sorted(r["id"] for r in verdict["rules"] if r["result"] == "fail")


def untested(verdict):
    return sorted(r["id"] for r in verdict["rules"] if r["result"] == "could_not_test")


def ecdsa_pki():
    d = os.path.join(h.tmpdir(), "pki-ec")
    os.makedirs(d)
    ca_key, ca, key, csr, crt, ext = (os.path.join(d, n) for n in (
        "ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem", "leaf.ext"))
    h.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-sha256", "-keyout", ca_key, "-out", ca, "-days", "30",
           "-subj", "/CN=tlsaudit ECDSA test CA", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n")
    h.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial",
           "7", "-days", "30", "-sha256", "-extfile", ext, "-out", crt])
    return ca, crt, key


def main(t):
    c = h.make_certs()
    dh = h.gen_ffdhe_params("ffdhe2048")
    port = h.free_port()
    h.start_nginx([(port, """
ssl_certificate %s;
ssl_certificate_key %s;
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers %s;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_dhparam %s;
ssl_prefer_server_ciphers off;
ssl_session_tickets off;
add_header Strict-Transport-Security "max-age=63072000" always;
""" % (c.rsa_cert, c.rsa_key, MOZ, dh))], name="nginx-moz")
    tg = scan("127.0.0.1:%d" % port, c.ca_cert)
    p = tg["profiles"]
    t.eq("nginx Mozilla intermediate: HTTPS by its ALPN, HSTS seen", ["https", True],
         [tg.get("service"), (tg.get("http") or {}).get("hsts_header_present")])
    for pid in ("mozilla-5.7-intermediate", "hkcert-intermediate"):
        t.eq("nginx Mozilla intermediate: %s compliant" % pid, True, p[pid]["compliant"])
        t.eq("nginx Mozilla intermediate: %s failing rules" % pid, [], failing(p[pid]))
        t.eq("nginx Mozilla intermediate: %s untested rules" % pid, [], untested(p[pid]))
    t.eq("nginx Mozilla intermediate: hkcert-modern compliant", False,
         p["hkcert-modern"]["compliant"])
    t.check("nginx Mozilla intermediate: hkcert-modern fails on versions",
            "versions" in failing(p["hkcert-modern"]), failing(p["hkcert-modern"]))
    t.eq("nginx Mozilla intermediate: ncsc-uk-suiteb-c1 compliant", False,
         p["ncsc-uk-suiteb-c1"]["compliant"])

    ec_ca, ec_cert, ec_key = ecdsa_pki()
    srv = h.start_openssl_server(["-tls1_3", "-ciphersuites",
                                  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                  "TLS_CHACHA20_POLY1305_SHA256",
                                  "-groups", "x25519:secp256r1:secp384r1"],
                                 cert=ec_cert, key=ec_key, name="s_server-modern")
    tg = scan(srv.target, ec_ca)
    p = tg["profiles"]
    for pid in ("hkcert-modern", "mozilla-5.7-modern"):
        t.eq("s_server modern: %s compliant" % pid, True, p[pid]["compliant"])
        t.eq("s_server modern: %s failing rules" % pid, [], failing(p[pid]))
    t.eq("s_server modern: hkcert-intermediate compliant", False,
         p["hkcert-intermediate"]["compliant"])
    t.check("s_server modern: hkcert-intermediate fails on versions",
            "versions" in failing(p["hkcert-intermediate"]), failing(p["hkcert-intermediate"]))


if __name__ == "__main__":
    h.run_test(main)
