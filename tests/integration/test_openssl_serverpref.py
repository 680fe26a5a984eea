#!/usr/bin/env python3
"""openssl s_server with -serverpref and six TLS 1.2 suites in a chosen order.

Server: openssl s_server -serverpref -min_protocol TLSv1.2
          -cipher <six RSA-certificate TLS 1.2 suites, deliberately not in
                   code-point or strength order>
          -ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384
          -groups x25519:secp384r1:secp256r1
        No -dhparam: s_server then uses OpenSSL's automatic DH parameters.
        Found when writing this test: for a 2048-bit RSA key OpenSSL 3.0
        picks the RFC 3526 group 14 (2048-bit MODP) prime - NOT ffdhe2048;
        the raw probe's prime equals the one computed from the RFC 3526
        definition (2^2048 - 2^1984 - 1 + 2^64 * ([2^1918 pi] + 124476)).

Asserted (all verified before the scan with harness.tls_probe, a raw
ClientHello prober, and with openssl s_client handshakes):
  * TLSv1.2: exactly the six suites, in exactly that order, server_order true
  * TLSv1.3: exactly the three suites, in that order, server_order true
  * TLSv1.1 and below not offered
  * groups == [x25519, secp384r1, secp256r1] in that order;
    groups_by_version: TLSv1.2 and TLSv1.3 each those three in that order,
    server_order true (with -serverpref OpenSSL uses the server's group
    order for TLS 1.2 ECDHE and for the HelloRetryRequest; verified with
    each pair offered both ways round). No FFDHE group in TLS 1.2: OpenSSL
    3.0 does not negotiate RFC 7919 groups there, and its automatic DH
    prime is RFC 3526's, not ffdhe2048's.
  * signature_schemes_by_version: TLS 1.2 the schemes OpenSSL 3.0 signs
    with for an RSA key at Debian's security level 2, TLS 1.3
    rsa_pss_rsae_sha256/384/512 (feature_probes.OPENSSL_RSA_TLS12/13 say
    why); verified with one raw TLS 1.2 hello per scheme (the SKE's scheme
    read back) and `openssl s_client -tls1_3 -sigalgs X` per scheme.
  * dh == {"bits": 2048, "group": "rfc3526-2048"}
"""

import feature_probes as fp
import harness as h

TLS12 = [  # (OpenSSL name, IANA name) in server preference order
    ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    ("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    ("DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    ("CAMELLIA256-SHA", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
]
TLS13 = ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"]
GROUPS = ["x25519", "secp384r1", "secp256r1"]
SIGSCHEMES = {"TLSv1.2": fp.OPENSSL_RSA_TLS12, "TLSv1.3": fp.OPENSSL_RSA_TLS13}


def main(t):
    h.make_certs()
    cipher = ":".join(o for o, _ in TLS12)
    srv = h.start_openssl_server(["-serverpref", "-min_protocol", "TLSv1.2",
                                  "-cipher", cipher, "-ciphersuites", ":".join(TLS13),
                                  "-groups", ":".join(GROUPS)])
    port = srv.port

    # ---- verify the expectations against the live server -----------------
    table = h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    by_ossl = {c["openssl"]: c for c in table}
    for o, iana in TLS12:  # the IANA names, cross-checked with openssl
        if by_ossl[o]["iana"] != iana:
            raise h.SetupError("IANA name of %s: openssl says %s" % (o, by_ossl[o]["iana"]))
    ids12 = [by_ossl[o]["id"] for o, _ in TLS12]
    accepted = []
    for c in table:
        if c["since"] == "TLSv1.3":
            continue
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[c["id"]], groups=GROUPS)
        if r.get("version") == "TLSv1.2" and r.get("suite") == c["id"]:
            accepted.append(c["id"])
    if sorted(accepted) != sorted(ids12):
        raise h.SetupError("TLS 1.2 suites accepted by the server: %s" % accepted)
    bad = h.server_order_violations(
        lambda l: h.tls_probe(port=port, version="TLSv1.2", suites=l, groups=GROUPS).get("suite"),
        ids12)
    ids13 = [{v: k for k, v in h.TLS13_SUITES.items()}[s] for s in TLS13]
    bad += h.server_order_violations(
        lambda l: h.tls_probe(port=port, version="TLSv1.3", suites=l, groups=GROUPS).get("suite"),
        ids13)
    for extra in (0x1304, 0x1305):
        r = h.tls_probe(port=port, version="TLSv1.3", suites=[extra], groups=GROUPS)
        if "alert" not in r:
            bad.append("TLS 1.3 suite %#x unexpectedly accepted" % extra)
    gids = [h.GROUP_IDS[g] for g in GROUPS]
    bad += h.server_order_violations(
        lambda l: h.tls_probe(port=port, version="TLSv1.2", suites=[0xC013],
                              groups=l).get("ske_curve"), gids)
    bad += h.server_order_violations(
        lambda l: h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301],
                              groups=l).get("selected_group"), gids)
    for a, b in zip(gids, gids[1:]):  # each pair both ways round
        for ver, key, suite in (("TLSv1.2", "ske_curve", 0xC013),
                                ("TLSv1.3", "selected_group", 0x1301)):
            picks = [h.tls_probe(port=port, version=ver, suites=[suite], groups=l).get(key)
                     for l in ([a, b], [b, a])]
            if picks != [a, a]:
                bad.append("%s groups %d/%d: picks %s, server order wants %d" % (
                    ver, a, b, picks, a))
    for g in ("secp521r1", "x448", "ffdhe2048"):
        r = h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301], groups=[g])
        if "alert" not in r:
            bad.append("group %s unexpectedly accepted in TLS 1.3: %r" % (g, r))
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[0xC013], groups=[g])
        if r.get("ske_curve") is not None:
            bad.append("group %s unexpectedly accepted in TLS 1.2: %r" % (g, r))
    for v in ("TLSv1.1", "TLSv1.0", "SSLv3"):
        r = h.tls_probe(port=port, version=v, suites=ids12 + [0x002F, 0x0035, 0xC014],
                        groups=GROUPS)
        if r.get("version") == v:
            bad.append("%s unexpectedly accepted" % v)
    r = h.tls_probe(port=port, version="TLSv1.2", suites=[0x009F], groups=GROUPS)
    if r.get("dh_p") != h.modp_prime(2048):
        bad.append("DHE prime is not the RFC 3526 2048-bit MODP prime: %r" % r.get("dh_p"))
    for ff in ("ffdhe2048", "ffdhe3072"):  # no RFC 7919 negotiation in TLS 1.2
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[0x009F], groups=[ff])
        if r.get("dh_p") in (h.ffdhe_prime(2048), h.ffdhe_prime(3072)):
            bad.append("a DHE hello offering %s got an RFC 7919 prime" % ff)
    bad += fp.verify_sigschemes(port, SIGSCHEMES, [0xC013, 0x009F])
    for o, _ in TLS12:
        r = h.openssl_client(port, ["-tls1_2", "-cipher", o])
        if not r["ok"] or r["cipher"] != o:
            bad.append("s_client TLS 1.2 %s failed" % o)
    # with the whole list offered by s_client, the server's first choice wins
    r = h.openssl_client(port, ["-tls1_2", "-cipher", ":".join(reversed(cipher.split(":")))])
    if r["cipher"] != TLS12[0][0]:
        bad.append("s_client with reversed list got %s, expected %s" % (r["cipher"], TLS12[0][0]))
    if bad:
        raise h.SetupError("setup verification failed:\n" + "\n".join(bad))
    t.check("setup verified (suites, orders, groups, DH, s_client)", True)

    # ---- scan --------------------------------------------------------------
    doc = h.run_tlsaudit([srv.target])
    tg = h.check_target(t, doc, "127.0.0.1", port)
    for p in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
        h.check_protocol(t, tg, p, offered=False)
    h.check_protocol(t, tg, "TLSv1.2", offered=True, suites=[i for _, i in TLS12],
                     ordered=True, server_order=True)
    h.check_protocol(t, tg, "TLSv1.3", offered=True, suites=TLS13, ordered=True,
                     server_order=True)
    t.list_eq("groups", GROUPS, tg.get("groups"))
    fp.check_groups_by_version(t, tg, {
        "TLSv1.2": {"groups": GROUPS, "server_order": True},
        "TLSv1.3": {"groups": GROUPS, "server_order": True}})
    t.eq("dh", {"bits": 2048, "group": "rfc3526-2048"}, tg.get("dh"))
    fp.check_sigschemes_by_version(t, tg, SIGSCHEMES)


if __name__ == "__main__":
    h.run_test(main)
