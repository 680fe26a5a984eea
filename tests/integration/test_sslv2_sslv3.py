#!/usr/bin/env python3
"""SSLv2 and SSLv3 detection against fake_legacy_server.py (127.0.0.1 only).

No SSLv2/SSLv3 server exists on this machine (OpenSSL 3.0 and GnuTLS 3.7 are
built without them), so fake_legacy_server.py plays the first flight of
such servers; its behaviour is described in its docstring. Three servers:

  A  SSLv2 (RC4_128, DES_192_EDE3_CBC, RC2_128_CBC_EXPORT40, DES_64_CBC)
     + SSLv3 (AES_128_CBC_SHA, RC4_128_SHA, 3DES_EDE_CBC_SHA; server order)
  B  SSLv3 only (same suites, client order)
  C  SSLv2 only (RC4_128_EXPORT40, IDEA_128_CBC)

Each server is first checked with harness.sslv2_probe / harness.tls_probe
(raw hellos), then the scanner runs once with the three targets.

Asserted:
  * SSLv2 offered exactly with the configured SSL_CK_* names (A, C) or not
    offered (B). SSLv2 server_order must not be true: in SSLv2 the client,
    not the server, picks the cipher, so the server has no preference to
    report (null or false accepted); the order of the list is not checked.
  * SSLv3 offered exactly with the configured suites (A, B) or not (C);
    A: server_order true and the suites in the configured order;
    B: server_order false.
  * TLSv1.0 .. TLSv1.3 not offered (the fake answers a TLS ClientHello with
    an SSLv3 ServerHello - like real SSLv3-only servers - or closes).
  * groups == [] (RSA key exchange only, no ECDHE/DHE at all),
    dh == null, groups_by_version == {} (no version negotiates a group:
    a version with no groups is absent from the object).
  * signature_schemes_by_version: no scheme for either version (neither
    TLS 1.2 nor TLS 1.3 is offered, verified), signature_schemes [].
"""

import feature_probes as fp
import harness as h

SSL2 = {
    "SSL_CK_RC4_128_WITH_MD5": 0x010080,
    "SSL_CK_RC4_128_EXPORT40_WITH_MD5": 0x020080,
    "SSL_CK_RC2_128_CBC_WITH_MD5": 0x030080,
    "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5": 0x040080,
    "SSL_CK_IDEA_128_CBC_WITH_MD5": 0x050080,
    "SSL_CK_DES_64_CBC_WITH_MD5": 0x060040,
    "SSL_CK_DES_192_EDE3_CBC_WITH_MD5": 0x0700C0,
}
SSL3 = {  # IANA names
    "TLS_RSA_WITH_AES_128_CBC_SHA": 0x002F,
    "TLS_RSA_WITH_RC4_128_SHA": 0x0005,
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA": 0x000A,
}
A_SSL2 = ["SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
          "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", "SSL_CK_DES_64_CBC_WITH_MD5"]
C_SSL2 = ["SSL_CK_RC4_128_EXPORT40_WITH_MD5", "SSL_CK_IDEA_128_CBC_WITH_MD5"]
SSL3_ORDER = ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA",
              "TLS_RSA_WITH_3DES_EDE_CBC_SHA"]


def hexlist(names, table):
    return ",".join("0x%06X" % table[n] if table is SSL2 else "0x%04X" % table[n] for n in names)


def verify(srv, ssl2, ssl3, order):
    bad = []
    port = srv.port
    r = h.sslv2_probe("127.0.0.1", port, list(SSL2.values()))
    if ssl2:
        if r.get("server_version") != 2 or sorted(r.get("kinds", [])) != sorted(
                SSL2[n] for n in ssl2):
            bad.append("SSLv2 probe: %r" % {k: v for k, v in r.items() if k != "cert"})
        if r.get("cert") != open(h.make_certs().rsa_cert_der, "rb").read():
            bad.append("SSLv2 probe: certificate is not the RSA leaf")
        r = h.sslv2_probe("127.0.0.1", port, [0x080080])  # nothing in common
        if r.get("error") != 1:
            bad.append("SSLv2 probe without common kind: %r" % r)
    elif "closed" not in r:
        bad.append("SSLv2 probe on a server without SSLv2: %r" % r)
    ids = [SSL3[n] for n in ssl3]
    for v in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        r = h.tls_probe(port=port, version=v, suites=list(reversed(ids)) + [0x009C, 0xC02F],
                        groups=["x25519"])
        if ssl3:
            if r.get("version") != "SSLv3" or r.get("suite") not in ids:
                bad.append("%s probe: %r" % (v, r))
        elif "closed" not in r:
            bad.append("%s probe on an SSLv2-only server: %r" % (v, r))
    if ssl3:
        r = h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301, 0x1302], groups=["x25519"])
        if r.get("alert") != 40:
            bad.append("TLS 1.3-only hello: expected handshake_failure, got %r" % r)

        def choose(l):
            return h.tls_probe(port=port, version="SSLv3", suites=l).get("suite")
        if order == "server":
            bad += h.server_order_violations(choose, ids)
        else:
            bad += h.client_order_violations(choose, ids)
    return bad


def main(t):
    h.make_certs()
    a = h.start_fake_legacy_server(["--sslv2-kinds", hexlist(A_SSL2, SSL2),
                                    "--sslv3-suites", hexlist(SSL3_ORDER, SSL3),
                                    "--sslv3-order", "server"], name="fake-A")
    b = h.start_fake_legacy_server(["--sslv3-suites", hexlist(SSL3_ORDER, SSL3),
                                    "--sslv3-order", "client"], name="fake-B")
    c = h.start_fake_legacy_server(["--sslv2-kinds", hexlist(C_SSL2, SSL2)], name="fake-C")
    plan = [(a, A_SSL2, SSL3_ORDER, "server"), (b, [], SSL3_ORDER, "client"),
            (c, C_SSL2, [], None)]
    for srv, ssl2, ssl3, order in plan:
        bad = verify(srv, ssl2, ssl3, order)
        if bad:
            raise h.SetupError("%s does not behave as intended:\n%s\nlog:\n%s" % (
                srv.name, "\n".join(bad), srv.log()))
    t.check("setup verified (raw SSLv2/SSLv3/TLS probes against the three fakes)", True)

    doc = h.run_tlsaudit([s.target for s, _, _, _ in plan])
    h.check_document(t, doc, 3)
    for srv, ssl2, ssl3, order in plan:
        # scripted servers: the active probes' verdicts are not a claim about them
        tg = h.check_target(t, doc, "127.0.0.1", srv.port, n_targets=3, real_server=False)
        print("  -- (%s)" % srv.name)
        # derived verdicts of each configuration: SSLv3 with a CBC suite is POODLE,
        # SSLv2 is DROWN (docs/vulnerabilities.md)
        vul = {v.get("id"): v.get("status") for v in tg.get("vulnerabilities") or []}
        t.eq("%s: poodle" % srv.name, "vulnerable" if ssl3 else "not_vulnerable",
             vul.get("poodle"))
        if ssl2:
            t.eq("%s: drown (SSLv2 offered)" % srv.name, "vulnerable", vul.get("drown"))
        if ssl2:
            h.check_protocol(t, tg, "SSLv2", offered=True, suites=ssl2, ordered=False)
            t.is_in("SSLv2 server_order is not true (the client picks in SSLv2)",
                    [None, False], tg["protocols"]["SSLv2"].get("server_order"))
        else:
            h.check_protocol(t, tg, "SSLv2", offered=False)
        if ssl3:
            h.check_protocol(t, tg, "SSLv3", offered=True, suites=ssl3,
                             ordered=(order == "server"), server_order=(order == "server"))
        else:
            h.check_protocol(t, tg, "SSLv3", offered=False)
        for p in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
            h.check_protocol(t, tg, p, offered=False)
        t.eq("groups", [], tg.get("groups"))
        t.eq("dh", None, tg.get("dh"))
        fp.check_groups_by_version(t, tg, {})
        fp.check_sigschemes_by_version(t, tg, {})


if __name__ == "__main__":
    h.run_test(main)
