#!/usr/bin/env python3
"""Apache httpd (mod_ssl) and HAProxy 2.6 with an RSA and an ECDSA certificate.

All servers bind 127.0.0.1 only (own configuration, pid file and logs in the
temp dir, foreground) and are scanned in ONE tlsaudit run, HAProxy both with
SNI (target `localhost:PORT`, /etc/hosts maps localhost to 127.0.0.1; `-4`)
and without (target `127.0.0.1:PORT`: no SNI for an address):

  apache   Apache 2.4 + OpenSSL 3.0, RSA-2048 leaf with a fixed custom 2048-bit
           DH group appended to the SSLCertificateFile (mod_ssl's documented
           way to set DH parameters), SSLProtocol TLSv1.2 + TLSv1.3, an odd
           SSLCipherSuite (with an ECDHE-ECDSA suite the RSA leaf cannot
           use), SSLCipherSuite TLSv1.3 AES128/AES256/CHACHA20,
           SSLHonorCipherOrder on, SSLOpenSSLConfCmd Curves X448:secp521r1:
           X25519 and SignatureAlgorithms (three schemes).
  haproxy  HAProxy 2.6 + OpenSSL 3.0, frontend "two_crt": `bind ... ssl crt
           rsa.pem crt ecdsa.pem curves X25519:P-384:P-256`; frontend
           "crt_list": `crt-list` with a fallback leaf for default.test
           (`!*`) and the RSA and ECDSA leaves for localhost. Global
           ssl-default-bind-ciphers (3 ECDSA + 3 RSA suites, interleaved),
           ssl-default-bind-ciphersuites AES256/AES128/CHACHA20, ssl-min-ver
           TLSv1.2; signature schemes limited through OPENSSL_CONF (OpenSSL's
           system_default SignatureAlgorithms), since HAProxy 2.6 has no
           option for them.

HAProxy's documented certificate choice: with SNI matching both leaves, the
ECDSA leaf goes to a client that can use it (an ECDSA suite and an ECDSA
signature scheme offered), the RSA leaf to the others - so the RSA suites are
negotiated only by hellos without ECDSA suites (issue item 3), and the
effective server order is the ECDSA suites, then the RSA suites, each in list
order; without SNI, the first certificate of the bind line / crt-list (the
"default certificate") is served: RSA suites only. HAProxy reprioritises
ChaCha20 ("with OpenSSL >= 1.1.1 ChaCha20-Poly1305 is reprioritized anyway",
prefer-client-ciphers). Apache does not set PrioritizeChaCha.

Every expectation comes from the configuration (`openssl ciphers -s -stdname`
for the suite lists) and the documented behaviour above, and is verified
against the live servers before the scan with the raw prober and `openssl
s_client` (web_stacks.verify_stack: suites by elimination over the whole
registry - also without ECDSA suites and without RSA suites -, orders on
adjacent pairs, ChaCha20 priority, groups per version, the DH prime, the leaf
each hello gets, signature schemes, extensions, OCSP, TLS 1.3 tickets).

Certificate order (docs/probing.md): `certificates` lists the chains in the
order of the plan's hello that first brought each (the TLS 1.2 hellos by key
kind, RSA then ECDSA, with the target's SNI; then the TLS 1.2 hello without
SNI; TLS 1.3 after), and each one's `served` in that same order.  Every leaf
here comes from a TLS 1.2 hello, so the expected order follows from which
hello each leaf was verified to come from (expected_cert_order).  The
HAProxy targets with SNI are scanned a second time through a loopback relay
(tcp_relay.py) that delays every server chunk by a random 0-100 ms, so the
handshakes finish in another order: the second scan must give the same
certificates in the same order with the same `served` lists (they once
followed the order in which the handshakes happened to finish: 139 of
10,000 identical endpoints differed in a fleet benchmark).
"""

import os
import random
import time

import harness as h
import tcp_relay
import web_stacks as w

# a custom 2048-bit DH group (generated once with `openssl genpkey -genparam
# -algorithm DH -pkeyopt dh_paramgen_prime_len:2048`): no RFC group, so the
# report must say "custom"
CUSTOM_DH2048 = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEAuACaEtAm75hJvPlMyZkXNQA2u11ya5utwAU4CRM8pi9uTXTu0fby
NM5Jc86bptOaXC90Ddnquw2dHbk4ylnP8OBGPyg6bBYy25VFaOuKLiAEOwfV3W7C
cuxk1yYZbWhsAOqsd+Ll/4LED/6VfmKIdJJSr6aY3KsaO6IiR+JQa3FrdfCp0ZTQ
P6SFfDNTkKP+CaFE3so/xPBF7F70wkde82ofX+yhyUPmKOfGnY4hGf+LHSbFTi9k
MCcYdWMZ3QBw/U89lwxIVI+XteLJ0cGCStmG+KhFEwc9QzIp9WfAyVKQci/nTFYH
6gB5nfWHIzF/KkQiRk7ysX1hURkOL0ZOTwIBAg==
-----END DH PARAMETERS-----
"""

APACHE_CIPHERS = ("ECDHE-RSA-AES256-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:"
                  "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA256:"
                  "DHE-RSA-AES256-SHA")
APACHE_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
APACHE_GROUPS = ["x448", "secp521r1", "x25519"]
APACHE_SIGALGS = ["rsa_pss_rsae_sha512", "rsa_pkcs1_sha384", "rsa_pss_rsae_sha256"]

HAP_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
               "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:"
               "AES128-GCM-SHA256")
HAP_TLS13 = ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]
HAP_CURVES = "X25519:P-384:P-256"
HAP_GROUPS = ["x25519", "secp384r1", "secp256r1"]
HAP_SIGALGS = ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "rsa_pkcs1_sha384",
               "ecdsa_secp384r1_sha384"]
OPENSSL_CNF = """openssl_conf = tlsaudit_test
[tlsaudit_test]
ssl_conf = tlsaudit_ssl
[tlsaudit_ssl]
system_default = tlsaudit_system_default
[tlsaudit_system_default]
SignatureAlgorithms = %s
""" % ":".join(HAP_SIGALGS)

FEATURES = {"tls13_session_tickets": True, "extended_master_secret": True,
            "encrypt_then_mac": True, "secure_renegotiation": True,
            "session_ticket_extension": True, "ocsp_stapling": False}


def cert_spec(pem, kind, **kw):
    """kw: sni= the SNI of the verifying hello (None: none; default: the
    target's), sni_only= True/False when the scanner can get this leaf only
    with / only without SNI (its "sni" flag is then checked)."""
    kt, bits, curve = w.cert_info(pem)
    curve = {"P-256": "secp256r1", "prime256v1": "secp256r1"}.get(curve, curve)
    d = {"pem": pem, "kind": kind, "key_type": kt, "key_bits": bits, "curve": curve,
         "sha256": w.leaf_sha256(pem)}
    d.update(kw)
    return d


def split_by_auth(cipherstring):
    """`openssl ciphers -s -tls1_2 -stdname` of the list, in list order,
    split into the ECDSA-authenticated and the RSA-authenticated suites."""
    lst = [c for c in h.openssl_ciphers(cipherstring, "-tls1_2", supported=True)
           if c["since"] != "TLSv1.3"]
    return ([c["iana"] for c in lst if c["au"] == "ECDSA"],
            [c["iana"] for c in lst if c["au"] == "RSA"])


def expect_apache(c):
    """RSA leaf only: the RSA part of the list, in list order
    (SSLHonorCipherOrder on); PrioritizeChaCha not set: ChaCha20 (3rd in
    TLS 1.2, last in TLS 1.3) gets no priority. Curves and signature schemes
    as configured (server preference also orders the groups, and the TLS 1.3
    HelloRetryRequest group always follows the server). DH: the custom
    group appended to the certificate file; OpenSSL 3.0 does not negotiate
    RFC 7919 groups in TLS 1.2, so no FFDHE group."""
    _, rsa = split_by_auth(APACHE_CIPHERS)
    return {
        "protocols": {"TLSv1.2": {"suites": rsa, "server_order": True, "chacha20_priority": False},
                      "TLSv1.3": {"suites": APACHE_TLS13, "server_order": True,
                                  "chacha20_priority": False}},
        "groups_by_version": {"TLSv1.2": {"groups": APACHE_GROUPS, "server_order": True},
                              "TLSv1.3": {"groups": APACHE_GROUPS, "server_order": True}},
        "dh": {"bits": 2048, "group": "custom"},
        "certs": [cert_spec(c.rsa_cert, "RSA")],
        "schemes": {"TLSv1.2": APACHE_SIGALGS, "TLSv1.3": ["rsa_pss_rsae_sha512",
                                                          "rsa_pss_rsae_sha256"]},
        "features": dict(FEATURES),
        "status_request_answer": "not stapled",
    }


def expect_haproxy(c, sni, default_leaf):
    """SNI localhost: both leaves; suites: the ECDSA ones then the RSA ones
    (each in list order, see the module docstring); ChaCha20 priority on.
    No SNI: the default certificate (DEFAULT_LEAF, RSA) and the RSA suites.
    TLS 1.3: the ciphersuites in order, ChaCha20 priority on. Groups: bind
    `curves`, server order. Signature schemes: OPENSSL_CONF's list as each
    leaf can use it (TLS 1.3 binds ECDSA schemes to the curve: the P-256 leaf
    cannot sign ecdsa_secp384r1_sha384; PKCS#1 is TLS 1.2 only)."""
    ec, rsa = split_by_auth(HAP_CIPHERS)
    suites12 = ec + rsa if sni else rsa
    separate = default_leaf != c.rsa_cert    # crt-list: a fallback leaf of its own
    certs = [cert_spec(default_leaf, "RSA", sni=None,
                       sni_only=False if (sni and separate) else None)]
    if sni:
        if separate:
            certs.append(cert_spec(c.rsa_cert, "RSA", sni=sni, sni_only=True))
        certs.append(cert_spec(c.ecdsa_cert, "EC", sni=sni, sni_only=True))
    s12 = [s for s in HAP_SIGALGS if sni or s.startswith("rsa_")]
    s13 = ["rsa_pss_rsae_sha256"] + (["ecdsa_secp256r1_sha256"] if sni else [])
    return {
        "sni": sni, "host": sni or "127.0.0.1",
        "protocols": {"TLSv1.2": {"suites": suites12, "server_order": True,
                                  "chacha20_priority": True if sni else None},
                      "TLSv1.3": {"suites": HAP_TLS13, "server_order": True,
                                  "chacha20_priority": True}},
        "groups_by_version": {"TLSv1.2": {"groups": HAP_GROUPS, "server_order": True},
                              "TLSv1.3": {"groups": HAP_GROUPS, "server_order": True}},
        "dh": None,
        "certs": certs,
        "schemes": {"TLSv1.2": s12, "TLSv1.3": s13},
        "features": dict(FEATURES),
        "status_request_answer": "not stapled",
    }


KIND_LABEL = {"RSA": "RSA", "EC": "ECDSA"}  # the hellos' order: RSA before ECDSA


def expected_cert_order(e):
    """[(leaf sha256, first `served` way)] in the documented order: the
    leaves the TLS 1.2 hellos with the target's SNI (none for an address)
    get, by key kind (RSA, then ECDSA); then a leaf only the hello without
    SNI gets (sni_only False)."""
    first = []
    for cs in e["certs"]:
        if cs.get("sni_only") is False:
            first.append(((1, 0), cs["sha256"], "TLSv1.2, no SNI"))
        else:
            first.append(((0, list(KIND_LABEL).index(cs["kind"])), cs["sha256"],
                          "TLSv1.2, %s suites, SNI %s" % (
                              KIND_LABEL[cs["kind"]], "sent" if e.get("sni") else "none (address)")))
    return [(fp, way) for _, fp, way in sorted(first)]


def cert_order(tg):
    return [(x.get("sha256_fingerprint"), (x.get("served") or [None])[0])
            for x in tg.get("certificates") or []]


def find_target(t, doc, host, port):
    found = [x for x in doc.get("targets", []) if isinstance(x, dict)
             and x.get("host") == host and x.get("port") == port]
    if not t.check("a target for %s:%d" % (host, port), len(found) == 1,
                   "targets: %s" % [(x.get("host"), x.get("port"))
                                    for x in doc.get("targets", [])]):
        raise h.SetupError("no target %s:%d" % (host, port))
    return found[0]


def start_stacks():
    """Start HAProxy and Apache (in parallel) and derive the expectations of
    the five targets. Returns (specs, custom DH prime, apache server). Also
    used by hand for tests/crosscheck."""
    c = h.make_certs()
    d = os.path.join(h.tmpdir(), "stack-files")
    os.makedirs(d)

    def write(name, text):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(text)
        return p
    rd = lambda p: open(p).read()
    dh_pem = write("dh2048.pem", CUSTOM_DH2048)
    dh_p = h.dh_prime_from_pem(dh_pem)
    if dh_p.bit_length() != 2048 or h.is_structured_well_known_prime(dh_p):
        raise h.SetupError("CUSTOM_DH2048 is not a 2048-bit custom prime")
    apache_crt = write("apache-rsa.pem", rd(c.rsa_cert) + CUSTOM_DH2048)
    rsa_pem = write("rsa.pem", rd(c.rsa_cert) + rd(c.rsa_key))
    ec_pem = write("ecdsa.pem", rd(c.ecdsa_cert) + rd(c.ecdsa_key))
    dkey, dcrt = w.make_leaf("default-test", ["-newkey", "rsa:2048"], cn="default.test",
                             san="DNS:default.test", ku="digitalSignature,keyEncipherment")
    dflt_pem = write("default.pem", rd(dcrt) + rd(dkey))
    cnf = write("openssl.cnf", OPENSSL_CNF)

    t0 = time.time()
    p1, p2 = h.free_port(), h.free_port()
    hap = w.start_haproxy("""
frontend two_crt
    bind 127.0.0.1:{p1} ssl crt {rsa} crt {ec} curves {curves}
    http-request return status 200 content-type text/plain string ok
frontend crt_list
    bind 127.0.0.1:{p2} ssl crt-list {{dir}}/list.txt curves {curves}
    http-request return status 200 content-type text/plain string ok
""".format(p1=p1, p2=p2, rsa=rsa_pem, ec=ec_pem, curves=HAP_CURVES), [p1, p2],
        files={"list.txt": "%s !*\n%s localhost\n%s localhost\n" % (dflt_pem, rsa_pem, ec_pem)},
        global_lines=["ssl-default-bind-ciphers " + HAP_CIPHERS,
                      "ssl-default-bind-ciphersuites " + ":".join(HAP_TLS13),
                      "ssl-default-bind-options ssl-min-ver TLSv1.2"],
        env=dict(os.environ, OPENSSL_CONF=cnf), wait=False)
    ap = w.start_apache("""
SSLEngine on
SSLCertificateFile {crt}
SSLCertificateKeyFile {key}
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLCipherSuite {ciphers}
SSLCipherSuite TLSv1.3 {tls13}
SSLHonorCipherOrder on
SSLOpenSSLConfCmd Curves {curves}
SSLOpenSSLConfCmd SignatureAlgorithms {sigalgs}
""".format(crt=apache_crt, key=c.rsa_key, ciphers=APACHE_CIPHERS, tls13=":".join(APACHE_TLS13),
           curves="X448:secp521r1:X25519", sigalgs=":".join(APACHE_SIGALGS)), wait=False)
    hap.wait()
    ap.wait()
    h.log("apache and haproxy up after %.1fs" % (time.time() - t0))

    stacks = []
    e = expect_apache(c)
    e.update(name="apache", port=ap.port, host="127.0.0.1")
    stacks.append(e)
    for label, port, default_leaf in (("haproxy two crt", p1, c.rsa_cert),
                                      ("haproxy crt-list", p2, dcrt)):
        for sni in ("localhost", None):
            e = expect_haproxy(c, sni, default_leaf)
            e.update(name="%s (%s)" % (label, "SNI localhost" if sni else "no SNI"), port=port)
            stacks.append(e)
    return stacks, dh_p, ap


def main(t):
    t0 = time.time()
    stacks, dh_p, ap = start_stacks()
    for e in stacks:
        w.verify_stack(e)
    # the DH prime is ours, byte for byte
    r = w.hello(ap.port, "TLSv1.2", [0x009E, 0x0039], groups=w.COMMON_EC)
    if r.get("dh_p") != dh_p:
        raise h.SetupError("apache: the DHE prime is not CUSTOM_DH2048: %r" % r.get("dh_bits"))
    h.log("setup verified after %.1fs" % (time.time() - t0))
    t.check("setup verified: suites (with and without ECDSA suites), orders, groups, DH, "
            "certificates with and without SNI, schemes, features", True)
    for e in stacks:
        w.print_measured(e)

    targets = ["%s:%d" % (e["host"], e["port"]) for e in stacks]
    doc = h.run_tlsaudit(targets, ["-4", "--exhaustive"])
    h.check_document(t, doc, len(stacks))
    for e in stacks:
        print("  == %s (%s:%d)" % (e["name"], e["host"], e["port"]), flush=True)
        tg = find_target(t, doc, e["host"], e["port"])
        for n in tg.get("notes") or []:
            print("  INFO  scanner note: %s" % (n,), flush=True)
        t.eq(e["name"] + ": status", "ok", tg.get("status"))
        t.eq(e["name"] + ": ip", "127.0.0.1", tg.get("ip"))
        w.check_stack(t, tg, e)
        by_fp = {x.get("sha256_fingerprint"): x for x in tg.get("certificates") or []}
        for cs in e["certs"]:
            x = by_fp.get(cs["sha256"])
            if x is not None and cs.get("sni_only") is not None:
                t.eq(e["name"] + ": %s leaf %s: sni" % (cs["kind"], os.path.basename(cs["pem"])),
                     cs["sni_only"], x.get("sni"))
        t.list_eq(e["name"] + ": certificates in the documented order (leaf, served[0])",
                  expected_cert_order(e), cert_order(tg))

    # the HAProxy targets with SNI again, through a relay that makes every
    # answer 0-100 ms late at random: the same certificates, in the same
    # order, each with the same ways it came
    again = [e for e in stacks if e["name"].startswith("haproxy") and e.get("sni")]
    relays = [tcp_relay.Relay(e["port"], lambda conn: random.uniform(0, 0.1)) for e in again]
    doc2 = h.run_tlsaudit(["%s:%d" % (e["host"], r.port) for e, r in zip(again, relays)],
                          ["-4", "--exhaustive"])
    h.check_document(t, doc2, len(again))
    for e, r in zip(again, relays):
        tg1, tg2 = find_target(t, doc, e["host"], e["port"]), find_target(t, doc2, e["host"],
                                                                           r.port)
        t.list_eq(e["name"] + ": second scan, answers late at random: same certificates, "
                  "order and served",
                  [(x.get("sha256_fingerprint"), x.get("served"))
                   for x in tg1.get("certificates") or []],
                  [(x.get("sha256_fingerprint"), x.get("served"))
                   for x in tg2.get("certificates") or []])
        t.list_eq(e["name"] + ": second scan: certificates in the documented order",
                  expected_cert_order(e), cert_order(tg2))


if __name__ == "__main__":
    h.run_test(main)
