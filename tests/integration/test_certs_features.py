#!/usr/bin/env python3
"""Certificates and handshake features, against servers configured each way.

The test makes its own PKI with the openssl CLI (a root, an intermediate,
leaves of several key types and flaws) and pins TLSAUDIT_NOW, so every
date-derived field is exact.

nginx, one port, two server blocks:
  * server_name localhost: an RSA-2048 and an ECDSA P-256 leaf (both
    from the intermediate, chain sent), http2, shared session cache,
    session tickets off
  * default_server: a leaf for default.test (what a client without SNI gets)
  asserted: three distinct leaves with their key types, curves, signature
  algorithms, SANs, dates, days_left, lifetime, hostname match, trust
  (--ca-file root), chain of one intermediate, served with/without SNI;
  ALPN [h2, http/1.1, http/1.0, http/0.9]; session-ID resumption yes, ticket resumption no;
  client renegotiation no; fallback SCSV yes; secure renegotiation yes;
  `ssl_conf_command Options -ExtendedMasterSecret` (OpenSSL 3.0's
  SSL_OP_NO_EXTENDED_MASTER_SECRET): extended_master_secret false,
  encrypt_then_mac true (OpenSSL's default), heartbeat false and
  record_size_limit false (OpenSSL 3.0 implements neither RFC 6520's
  heartbeat nor RFC 8449).

openssl s_server, one at a time:
  * -status_file with an OCSP "good" response made by `openssl ocsp`,
    -client_renegotiation, -early_data, -no_etm: stapling yes (cert_status
    good), client renegotiation yes, 0-RTT yes, extended_master_secret true
    (OpenSSL's default), encrypt_then_mac false (-no_etm), heartbeat false,
    record_size_limit false
The four extension facts are verified before each scan with TLS 1.2 raw
hellos offering one extension each (feature_probes.extension_echoes: does
the ServerHello echo it; EtM with CBC suites, which it applies to).
  * -no_ticket and a leaf sent without its intermediate, and TLSAUDIT_NOW
    after the leaf's expiry: session ticket no, chain incomplete, not
    trusted, expired, negative days_left
  * the chain sent in the wrong order (root before intermediate)
  * TLS 1.3 only with an Ed25519 leaf for the wrong name: key type
    Ed25519 through a TLS 1.3 handshake, hostname_match false
"""

import datetime
import json
import os
import subprocess

import feature_probes as fp
import harness as h


def sh(*args):
    h.run(list(args))


class PKI:
    def __init__(self):
        self.d = os.path.join(h.tmpdir(), "pki-cf")
        os.makedirs(self.d)
        self.root_key, self.root = self.p("root.key"), self.p("root.pem")
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
           "-keyout", self.root_key, "-out", self.root, "-days", "3650",
           "-subj", "/CN=tlsaudit test root", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.int_key, self.int = self.sign_ca()
        self.serial = 100

    def p(self, name):
        return os.path.join(self.d, name)

    def sign_ca(self):
        key, csr, crt, ext = (self.p("int." + x) for x in ("key", "csr", "pem", "ext"))
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:TRUE,pathlen:0\n"
                    "keyUsage=critical,keyCertSign,cRLSign\n")
        sh("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
           "-out", csr, "-subj", "/CN=tlsaudit test intermediate")
        sh("openssl", "x509", "-req", "-in", csr, "-CA", self.root, "-CAkey", self.root_key,
           "-set_serial", "2", "-days", "3650", "-sha256", "-extfile", ext, "-out", crt)
        return key, crt

    def leaf(self, name, newkey, cn, san, days=30, ocsp_url=None):
        self.serial += 1
        key, csr, crt, ext = (self.p(name + "." + x) for x in ("key", "csr", "pem", "ext"))
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % san)
            if ocsp_url:
                f.write("authorityInfoAccess=OCSP;URI:%s\n" % ocsp_url)
        sh("openssl", "req", "-new", "-nodes", *newkey, "-keyout", key, "-out", csr,
           "-subj", "/CN=" + cn)
        sh("openssl", "x509", "-req", "-in", csr, "-CA", self.int, "-CAkey", self.int_key,
           "-set_serial", str(self.serial), "-days", str(days), "-sha256", "-extfile", ext,
           "-out", crt)
        return key, crt

    def fullchain(self, name, *pems):
        out = self.p(name)
        with open(out, "w") as f:
            for p in pems:
                f.write(open(p).read())
        return out


def cert_facts(pem):
    """Dates and fingerprint as openssl prints them (the independent view)."""
    out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-startdate", "-enddate",
                          "-fingerprint", "-sha256"], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    f = {}
    for line in out.splitlines():
        k, v = line.split("=", 1)
        f[k] = v
    fmt = "%b %d %H:%M:%S %Y %Z"
    nb = datetime.datetime.strptime(" ".join(f["notBefore"].split()), fmt)
    na = datetime.datetime.strptime(" ".join(f["notAfter"].split()), fmt)
    to_unix = lambda d: int(d.replace(tzinfo=datetime.timezone.utc).timestamp())
    return {"not_before": to_unix(nb), "not_after": to_unix(na),
            "sha256": f["sha256 Fingerprint"].replace(":", "").lower()}


def scan(target, now, extra=()):
    env = dict(os.environ, TLSAUDIT_NOW=str(now))
    argv = [h.tlsaudit_path(), "scan", "--format", "json", "--sni", "localhost"] + \
        list(extra) + [target]
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                        timeout=240, stdin=subprocess.DEVNULL)
    if cp.returncode != 0:
        raise h.SetupError("tlsaudit exited %d: %s" % (cp.returncode, cp.stderr.decode()[-2000:]))
    return json.loads(cp.stdout)["targets"][0]


def by_key(tg):
    return {(c["key_type"], c["sni"]): c for c in tg["certificates"]}


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def check_leaf(t, label, c, pem, now, key_type, bits, curve, sigalg, san, match, trusted):
    f = cert_facts(pem)
    t.eq(label + " key_type", key_type, c["key_type"])
    t.eq(label + " key_bits", bits, c["key_bits"])
    t.eq(label + " curve", curve, c["curve"])
    t.eq(label + " signature_algorithm", sigalg, c["signature_algorithm"])
    t.set_eq(label + " san", san, c["san"])
    t.eq(label + " not_before", iso(f["not_before"]), c["not_before"])
    t.eq(label + " not_after", iso(f["not_after"]), c["not_after"])
    t.eq(label + " days_left", (f["not_after"] - now) // 86400, c["days_left"])
    t.eq(label + " lifetime_days", -(-(f["not_after"] - f["not_before"]) // 86400),
         c["lifetime_days"])
    t.eq(label + " sha256", f["sha256"], c["sha256_fingerprint"])
    t.eq(label + " hostname_match", match, c["hostname_match"])
    t.eq(label + " trusted", trusted, c["trusted"])
    t.eq(label + " self_signed", False, c["self_signed"])


def verify_echoes(port, exp, label, sni="localhost"):
    """The ServerHello echoes of EMS, EtM (CBC suites offered), heartbeat
    and record_size_limit are EXP; SetupError otherwise."""
    echo = fp.extension_echoes(port, [0xC013, 0xC009, 0x002F], sni=sni)
    bad = ["%s echoed %r, expected %r" % (k, echo[k], v) for k, v in exp.items()
           if echo[k] != v]
    if echo["suite"]["encrypt_then_mac"] not in (0xC013, 0xC009, 0x002F):
        bad.append("the EtM hello did not get a CBC suite: %r" % echo["suite"])
    if bad:
        raise h.SetupError("%s: extension echoes:\n%s" % (label, "\n".join(bad)))


def check_echo_features(t, label, ft, exp):
    for k in sorted(exp):
        t.eq("%s %s" % (label, k), exp[k], ft.get(k))


NGINX_FEATURES = {"extended_master_secret": False, "encrypt_then_mac": True,
                  "heartbeat": False, "record_size_limit": False}
S_SERVER_FEATURES = {"extended_master_secret": True, "encrypt_then_mac": False,
                     "heartbeat": False, "record_size_limit": False}


def test_nginx(t, pki, now):
    rsa = pki.leaf("ng-rsa", ["-newkey", "rsa:2048"], "localhost", "DNS:localhost")
    ec = pki.leaf("ng-ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                  "localhost", "DNS:localhost")
    dflt = pki.leaf("ng-default", ["-newkey", "rsa:2048"], "default.test", "DNS:default.test")
    rsa_chain = pki.fullchain("ng-rsa.chain", rsa[1], pki.int)
    ec_chain = pki.fullchain("ng-ec.chain", ec[1], pki.int)
    dflt_chain = pki.fullchain("ng-default.chain", dflt[1], pki.int)
    port = h.free_port()
    prefix = os.path.join(h.tmpdir(), "nginx-cf")
    os.makedirs(os.path.join(prefix, "logs"))
    conf = os.path.join(prefix, "nginx.conf")
    common = """
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:CF:1m;
        ssl_session_tickets off;
        ssl_conf_command Options -ExtendedMasterSecret;
        location / { return 200 "ok"; }"""
    with open(conf, "w") as f:
        f.write("""daemon off; master_process on; worker_processes 1;
pid {p}/nginx.pid; error_log {p}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {p}/b; proxy_temp_path {p}/p; fastcgi_temp_path {p}/f;
    uwsgi_temp_path {p}/u; scgi_temp_path {p}/s;
    server {{
        listen 127.0.0.1:{port} ssl http2 default_server;
        server_name default.test;
        ssl_certificate {dc}; ssl_certificate_key {dk};{common}
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {rc}; ssl_certificate_key {rk};
        ssl_certificate {ec}; ssl_certificate_key {ek};{common}
    }}
}}
""".format(p=prefix, port=port, dc=dflt_chain, dk=dflt[0], rc=rsa_chain, rk=rsa[0],
           ec=ec_chain, ek=ec[0], common=common))
    log = os.path.join(prefix, "logs", "stderr.log")
    proc = h.start_process(["nginx", "-c", conf, "-p", prefix], "nginx-cf", log)
    h.wait_port(port, proc=proc, log_path=log)
    verify_echoes(port, NGINX_FEATURES, "nginx")
    t.check("nginx: setup verified (EMS, EtM, heartbeat, record_size_limit echoes)", True)

    tg = scan("127.0.0.1:%d" % port, now, ["--ca-file", pki.root])
    t.eq("nginx status", "ok", tg["status"])
    certs = by_key(tg)
    t.eq("nginx: three distinct leaves (RSA and ECDSA with SNI, default without)",
         sorted([("EC", True), ("RSA", False), ("RSA", True)]), sorted(certs))
    if ("RSA", True) in certs:
        c = certs[("RSA", True)]
        check_leaf(t, "nginx RSA", c, rsa[1], now, "RSA", 2048, None, "sha256WithRSAEncryption",
                   ["DNS:localhost"], True, True)
        t.eq("nginx RSA chain length", 1, len(c["chain"]))
        t.eq("nginx RSA chain[0] subject", "CN=tlsaudit test intermediate",
             c["chain"][0]["subject"] if c["chain"] else None)
        t.eq("nginx RSA chain complete", True, c["chain_complete"])
        t.eq("nginx RSA chain order", True, c["chain_order_ok"])
        t.check("nginx RSA served in TLS 1.2 and TLS 1.3",
                any("TLSv1.2" in s for s in c["served"]) and any("TLSv1.3" in s for s in c["served"]),
                c["served"])
    if ("EC", True) in certs:
        check_leaf(t, "nginx ECDSA", certs[("EC", True)], ec[1], now, "EC", 256, "secp256r1",
                   "sha256WithRSAEncryption", ["DNS:localhost"], True, True)
    if ("RSA", False) in certs:
        check_leaf(t, "nginx no-SNI", certs[("RSA", False)], dflt[1], now, "RSA", 2048, None,
                   "sha256WithRSAEncryption", ["DNS:default.test"], False, True)
    ft = tg["features"]
    # nginx also accepts http/1.0 and http/0.9 (checked with openssl s_client -alpn)
    t.eq("nginx ALPN", ["h2", "http/1.1", "http/1.0", "http/0.9"], ft["alpn"])
    t.eq("nginx session-ID resumption (shared cache)", True, ft["session_id_resumption"])
    t.eq("nginx ticket resumption (tickets off)", False, ft["session_ticket"])
    t.eq("nginx client renegotiation", False, ft["client_renegotiation"])
    t.eq("nginx secure renegotiation", True, ft["secure_renegotiation"])
    t.eq("nginx fallback SCSV", True, ft["fallback_scsv"])
    t.eq("nginx compression", False, ft["compression"])
    t.eq("nginx OCSP stapling (not configured)", False, ft["ocsp_stapling"])
    check_echo_features(t, "nginx", ft, NGINX_FEATURES)
    h.stop_process(proc, "nginx-cf")


def ocsp_response(pki, leaf_pem, out):
    idx = pki.p("ocsp-index.txt")
    serial = subprocess.run(["openssl", "x509", "-in", leaf_pem, "-noout", "-serial"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().split("=")[1].strip()
    end = subprocess.run(["openssl", "x509", "-in", leaf_pem, "-noout", "-enddate"],
                         stdout=subprocess.PIPE, check=True).stdout.decode().split("=")[1].strip()
    end = datetime.datetime.strptime(" ".join(end.split()), "%b %d %H:%M:%S %Y %Z")
    with open(idx, "w") as f:
        f.write("V\t%s\t\t%s\tunknown\t/CN=localhost\n" % (end.strftime("%y%m%d%H%M%SZ"), serial))
    req = pki.p("ocsp-req.der")
    sh("openssl", "ocsp", "-issuer", pki.int, "-cert", leaf_pem, "-reqout", req, "-no_nonce")
    sh("openssl", "ocsp", "-index", idx, "-rsigner", pki.int, "-rkey", pki.int_key,
       "-CA", pki.int, "-reqin", req, "-respout", out, "-ndays", "7")


def test_s_server(t, pki, now):
    # stapling, client renegotiation, 0-RTT
    key, crt = pki.leaf("ss-ok", ["-newkey", "rsa:2048"], "localhost", "DNS:localhost",
                        ocsp_url="http://127.0.0.1:9/ocsp")
    resp = pki.p("ss-ok.ocsp")
    ocsp_response(pki, crt, resp)
    srv = h.start_openssl_server(["-status_file", resp, "-client_renegotiation", "-early_data",
                                  "-no_etm", "-cert_chain", pki.int], cert=crt, key=key)
    verify_echoes(srv.port, S_SERVER_FEATURES, "s_server")
    t.check("s_server: setup verified (EMS, EtM, heartbeat, record_size_limit echoes)", True)
    tg = scan(srv.target, now, ["--ca-file", pki.root])
    ft = tg["features"]
    t.eq("s_server OCSP stapling", True, ft["ocsp_stapling"])
    c = tg["certificates"][0] if tg["certificates"] else {}
    t.eq("s_server stapled response status", "good",
         (c.get("ocsp_response") or {}).get("cert_status"))
    t.eq("s_server leaf OCSP URL", ["http://127.0.0.1:9/ocsp"], c.get("ocsp_urls"))
    t.eq("s_server client renegotiation (-client_renegotiation)", True,
         ft["client_renegotiation"])
    t.eq("s_server 0-RTT (-early_data)", True, ft["early_data"])
    t.check("s_server max_early_data > 0", (ft["max_early_data"] or 0) > 0, ft["max_early_data"])
    t.eq("s_server TLS 1.3 resumption", True, ft["tls13_resumption"])
    t.eq("s_server ticket resumption", True, ft["session_ticket"])
    t.eq("s_server trusted with --ca-file", True, c.get("trusted"))
    check_echo_features(t, "s_server", ft, S_SERVER_FEATURES)
    h.stop_process(srv.proc, srv.name)

    # no tickets, intermediate missing, checked after expiry
    key, crt = pki.leaf("ss-exp", ["-newkey", "rsa:2048"], "localhost", "DNS:localhost", days=10)
    srv = h.start_openssl_server(["-no_ticket"], cert=crt, key=key)
    later = cert_facts(crt)["not_after"] + 5 * 86400
    tg = scan(srv.target, later, ["--ca-file", pki.root])
    c = tg["certificates"][0] if tg["certificates"] else {}
    t.eq("expired: expired", True, c.get("expired"))
    t.eq("expired: days_left", (cert_facts(crt)["not_after"] - later) // 86400, c.get("days_left"))
    t.eq("missing intermediate: chain_complete", False, c.get("chain_complete"))
    t.eq("missing intermediate: trusted", False, c.get("trusted"))
    t.eq("-no_ticket: session ticket resumption", False, tg["features"]["session_ticket"])
    h.stop_process(srv.proc, srv.name)

    # wrong order: root sent before the intermediate
    key, crt = pki.leaf("ss-order", ["-newkey", "rsa:2048"], "localhost", "DNS:localhost")
    chain = pki.fullchain("ss-order.extra", pki.root, pki.int)
    srv = h.start_openssl_server(["-cert_chain", chain], cert=crt, key=key)
    tg = scan(srv.target, now, ["--ca-file", pki.root])
    c = tg["certificates"][0] if tg["certificates"] else {}
    t.eq("wrong order: chain_order_ok", False, c.get("chain_order_ok"))
    t.eq("wrong order: root_in_chain", True, c.get("root_in_chain"))
    t.eq("wrong order: chain length", 2, len(c.get("chain", [])))
    h.stop_process(srv.proc, srv.name)

    # TLS 1.3 only, Ed25519, wrong name
    key, crt = pki.leaf("ss-ed", ["-newkey", "ed25519"], "wrong.test", "DNS:wrong.test")
    srv = h.start_openssl_server(["-tls1_3", "-cert_chain", pki.int], cert=crt, key=key)
    tg = scan(srv.target, now, ["--ca-file", pki.root])
    t.eq("Ed25519: TLS 1.3 only", [False, True],
         [tg["protocols"]["TLSv1.2"]["offered"], tg["protocols"]["TLSv1.3"]["offered"]])
    c = tg["certificates"][0] if tg["certificates"] else {}
    t.eq("Ed25519: key_type", "Ed25519", c.get("key_type"))
    t.eq("Ed25519: hostname_match for localhost", False, c.get("hostname_match"))
    t.check("Ed25519: served through TLS 1.3", any("TLSv1.3" in s for s in c.get("served", [])),
            c.get("served"))
    t.eq("Ed25519: signature scheme", ["ed25519"],
         tg["signature_schemes_by_version"]["TLSv1.3"])
    h.stop_process(srv.proc, srv.name)


def main(t):
    pki = PKI()
    # a fixed "now" ten days into the leaves' lives: dates are then exact
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) + 10 * 86400
    test_nginx(t, pki, now)
    test_s_server(t, pki, now)


if __name__ == "__main__":
    h.run_test(main)
