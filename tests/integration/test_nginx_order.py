#!/usr/bin/env python3
"""nginx: server cipher order on vs off, ECDH curves, RFC 7919 ffdhe2048 DH.

Two nginx instances (own prefix each, 127.0.0.1 only), same RSA-2048 leaf:
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers <Mozilla "intermediate" list: ECDHE-ECDSA/ECDHE-RSA
                 AES-GCM + CHACHA20, DHE-RSA AES-GCM + CHACHA20>;
    ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_dhparam <ffdhe2048 params written by
                 `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048`>;
    ssl_prefer_server_ciphers on | off;

With an RSA certificate the ECDHE-ECDSA entries are unusable, so TLS 1.2
offers the six *-RSA suites (the list order is kept by OpenSSL).

Asserted for both (each fact verified before the scan with
harness.tls_probe, a raw ClientHello prober, and with openssl s_client):
  * only TLSv1.2 and TLSv1.3 offered
  * TLS 1.2: exactly the six RSA suites; TLS 1.3: exactly the three suites
  * on:  server_order true on both versions and the suites in the config
         order; groups == [x25519, secp256r1, secp384r1] in that order;
         groups_by_version: TLSv1.3 those three, server_order true; TLSv1.2
         those three and ffdhe2048 (see below), server_order true (TLS 1.2
         ECDHE and the TLS 1.3 HRR both follow the server order with
         SSL_OP_CIPHER_SERVER_PREFERENCE; verified)
  * off: server_order false on both versions; groups == that set;
         groups_by_version: TLSv1.2 server_order false (the ECDHE curve is
         the client's first supported one: offered both ways round, the
         first offered wins), TLSv1.3 server_order true and the groups in
         the server's order (OpenSSL picks the HelloRetryRequest group by
         walking the server's list, final_key_share, whatever
         prefer_server_ciphers says: verified with empty key_share hellos
         offering each pair both ways round)
  * signature_schemes_by_version (both): TLS 1.2 the schemes OpenSSL 3.0
    signs with for an RSA key at Debian's security level 2, TLS 1.3
    rsa_pss_rsae_sha256/384/512 (feature_probes.OPENSSL_RSA_TLS12/13 say
    why), each verified on the live server: TLS 1.2 with one raw hello per
    scheme offering only that scheme (the ServerKeyExchange's scheme read
    back), TLS 1.3 with `openssl s_client -tls1_3 -sigalgs X` per scheme.
  * dh == {"bits": 2048, "group": "ffdhe2048"} (the probe sees the prime
    computed from the RFC 7919 definition).
  * groups == the three curves (TLS 1.3, in the server's order when it has
    one) followed by ffdhe2048: the issue's contract says "an FFDHE group
    counts when a DHE handshake uses exactly its prime", and nginx's TLS 1.2
    DHE handshakes use exactly the ffdhe2048 prime (whatever FFDHE group the
    client offers - checked with a DHE probe offering only ffdhe3072), even
    though TLS 1.3 refuses a ffdhe2048-only key_share offer (checked) and
    OpenSSL 3.0 does not negotiate RFC 7919 groups in TLS 1.2.
"""

import feature_probes as fp
import harness as h

MOZ_INTERMEDIATE = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
                    "DHE-RSA-CHACHA20-POLY1305")
TLS12_RSA = [  # the RSA-usable part of the list, in list order
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
]
TLS13 = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]
GROUPS = ["x25519", "secp256r1", "secp384r1"]
# What `groups` must say: the curves, then the FFDHE group whose exact prime
# the TLS 1.2 DHE handshakes use (see the docstring).
REPORTED_GROUPS = GROUPS + ["ffdhe2048"]
NGINX_CURVES = "X25519:prime256v1:secp384r1"
SIGSCHEMES = {"TLSv1.2": fp.OPENSSL_RSA_TLS12, "TLSv1.3": fp.OPENSSL_RSA_TLS13}


def groups_by_version(on):
    """TLS 1.2: the curves (in the client's order when off) and ffdhe2048,
    whose exact prime every DHE handshake uses (the relative order of an EC
    and an FFDHE group is not defined: different handshakes pick them);
    TLS 1.3: the curves, the HRR always in the server's order."""
    return {"TLSv1.2": {"groups": REPORTED_GROUPS, "server_order": on,
                        "chains": [GROUPS, ["ffdhe2048"]]},
            "TLSv1.3": {"groups": GROUPS, "server_order": True}}


def server_body(certs, dh, prefer):
    return """
ssl_certificate {c};
ssl_certificate_key {k};
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers {ciphers};
ssl_conf_command Ciphersuites {suites13};
ssl_ecdh_curve {curves};
ssl_dhparam {dh};
ssl_prefer_server_ciphers {prefer};
ssl_session_tickets off;
""".format(c=certs.rsa_cert, k=certs.rsa_key, ciphers=MOZ_INTERMEDIATE,
           suites13=":".join(TLS13), curves=NGINX_CURVES, dh=dh, prefer=prefer)


def verify(port, prefer_on, ids12, ids13):
    bad = []
    # which TLS 1.2 suites (of all OpenSSL knows) the server accepts
    table = [c for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
             if c["since"] != "TLSv1.3"]
    acc = []
    for c in table:
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[c["id"]], groups=GROUPS)
        if r.get("version") == "TLSv1.2" and r.get("suite") == c["id"]:
            acc.append(c["id"])
    if sorted(acc) != sorted(ids12):
        bad.append("TLS 1.2 suites accepted: %s, expected %s" % (acc, ids12))
    for sid in list(h.TLS13_SUITES):
        r = h.tls_probe(port=port, version="TLSv1.3", suites=[sid], groups=GROUPS)
        if (r.get("suite") == sid) != (sid in ids13):
            bad.append("TLS 1.3 suite %#x: %r" % (sid, r))
    for v in ("TLSv1.1", "TLSv1.0", "SSLv3"):
        r = h.tls_probe(port=port, version=v, suites=[c["id"] for c in table], groups=GROUPS)
        if r.get("version") == v:
            bad.append("%s unexpectedly accepted" % v)
    gids = [h.GROUP_IDS[g] for g in GROUPS]
    for gid in list(range(1, 42)) + list(range(256, 261)):
        r12 = h.tls_probe(port=port, version="TLSv1.2", suites=[0xC02F], groups=[gid])
        r13 = h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301], groups=[gid])
        ok12 = r12.get("ske_curve") == gid
        ok13 = r13.get("selected_group") == gid
        if ok12 != (gid in gids) or ok13 != (gid in gids):
            bad.append("group %d: TLS1.2 %r TLS1.3 %r" % (gid, r12, r13))

    def s12(l):
        return h.tls_probe(port=port, version="TLSv1.2", suites=l, groups=GROUPS).get("suite")

    def s13(l):
        return h.tls_probe(port=port, version="TLSv1.3", suites=l, groups=GROUPS).get("suite")

    def g12(l):
        return h.tls_probe(port=port, version="TLSv1.2", suites=[0xC02F], groups=l).get("ske_curve")

    def g13(l):
        return h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301],
                           groups=l).get("selected_group")
    if prefer_on:
        bad += h.server_order_violations(s12, ids12)
        bad += h.server_order_violations(s13, ids13)
        bad += h.server_order_violations(g12, gids)
        bad += h.server_order_violations(g13, gids)
    else:
        bad += h.client_order_violations(s12, ids12)
        bad += h.client_order_violations(s13, ids13)
        bad += h.client_order_violations(g12, gids)
        # TLS 1.3 HRR group: OpenSSL uses the server order even without
        # server preference (final_key_share); checked, not assumed
        bad += h.server_order_violations(g13, gids)
    # DH: the RFC 7919 ffdhe2048 prime, whatever the client offers
    for groups in (GROUPS, ["ffdhe3072"], []):
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[0x009E], groups=groups)
        if r.get("dh_p") != h.ffdhe_prime(2048):
            bad.append("DHE (groups %s) prime is not RFC 7919 ffdhe2048: %r" % (
                groups, r.get("dh_bits")))
    r = h.tls_probe(port=port, version="TLSv1.3", suites=[0x1301], groups=["ffdhe2048"])
    if "alert" not in r:
        bad.append("TLS 1.3 accepted ffdhe2048: %r" % r)
    # real handshakes
    for o in ("ECDHE-RSA-AES128-GCM-SHA256", "DHE-RSA-CHACHA20-POLY1305"):
        r = h.openssl_client(port, ["-tls1_2", "-cipher", o])
        if not r["ok"] or r["cipher"] != o:
            bad.append("s_client TLS 1.2 %s failed" % o)
    r = h.openssl_client(port, ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
                                "-groups", "secp384r1"])
    if not r["ok"] or r["cipher"] != "TLS_AES_128_GCM_SHA256":
        bad.append("s_client TLS 1.3 failed:\n" + r["output"][-800:])
    r = h.openssl_client(port, ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
    if r["ok"]:
        bad.append("ECDSA suite worked with an RSA-only server")
    # TLS 1.3 HRR group: offered each pair both ways round (empty key_share)
    for a, b in zip(gids, gids[1:]):
        if (g13([a, b]), g13([b, a])) != (a, a):
            bad.append("TLS 1.3 HRR groups %d/%d: not the server's order" % (a, b))
    bad += fp.verify_sigschemes(port, SIGSCHEMES, [0xC02F, 0x009E])
    return bad


def main(t):
    certs = h.make_certs()
    dh = h.gen_ffdhe_params("ffdhe2048")
    p_on, p_off = h.free_port(), h.free_port()
    n_on = h.start_nginx([(p_on, server_body(certs, dh, "on"))], name="nginx-on")
    n_off = h.start_nginx([(p_off, server_body(certs, dh, "off"))], name="nginx-off")

    table = {c["iana"]: c for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
    # the RSA part of the Mozilla list, in order, as openssl itself expands it
    expanded = [c["iana"] for c in h.openssl_ciphers(MOZ_INTERMEDIATE, "-tls1_2", True)
                if c["au"] == "RSA"]
    if expanded != TLS12_RSA:
        raise h.SetupError("openssl expands the cipher list differently: %s" % expanded)
    ids12 = [table[n]["id"] for n in TLS12_RSA]
    ids13 = [{v: k for k, v in h.TLS13_SUITES.items()}[n] for n in TLS13]
    for port, on in ((p_on, True), (p_off, False)):
        bad = verify(port, on, ids12, ids13)
        if bad:
            raise h.SetupError("nginx (prefer_server_ciphers %s) setup verification failed:\n%s"
                               % ("on" if on else "off", "\n".join(bad)))
    t.check("setup verified (both nginx: suites, orders, groups, DH, s_client)", True)

    doc = h.run_tlsaudit(["127.0.0.1:%d" % p_on, "127.0.0.1:%d" % p_off])
    h.check_document(t, doc, 2)
    for port, on in ((p_on, True), (p_off, False)):
        tg = h.check_target(t, doc, "127.0.0.1", port, n_targets=2)
        for p in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
            h.check_protocol(t, tg, p, offered=False)
        h.check_protocol(t, tg, "TLSv1.2", offered=True, suites=TLS12_RSA, ordered=on,
                         server_order=on)
        h.check_protocol(t, tg, "TLSv1.3", offered=True, suites=TLS13, ordered=on,
                         server_order=on)
        t.eq("dh", {"bits": 2048, "group": "ffdhe2048"}, tg.get("dh"))
        label = "nginx-" + ("on" if on else "off")
        # `groups` is the union; with server preference on, every choice
        # follows the server: its order, FFDHE groups last (schema)
        if on:
            t.list_eq("%s: groups" % label, REPORTED_GROUPS, tg.get("groups"))
        else:
            t.set_eq("%s: groups" % label, REPORTED_GROUPS, tg.get("groups"))
        fp.check_groups_by_version(t, tg, groups_by_version(on), label)
        fp.check_sigschemes_by_version(t, tg, SIGSCHEMES, label)
    print("  NOTE  nginx-off: the order of the union `groups` is not checked (TLS 1.2 "
          "follows the client, TLS 1.3 the server; groups_by_version carries the orders)")


if __name__ == "__main__":
    h.run_test(main)
