#!/usr/bin/env python3
"""openssl s_server with every cipher OpenSSL has, TLS 1.0-1.2, 1024-bit DH.

Server: openssl s_server -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'
          -no_tls1_3 -min_protocol TLSv1 -dhparam <fresh 1024-bit DH params>
        with the RSA-2048 leaf. (@SECLEVEL=0 is what lets TLS 1.0/1.1, SHA-1
        and 1024-bit DH work; -min_protocol TLSv1 makes the minimum explicit
        whatever the system openssl.cnf says.) s_server serves one connection
        at a time; that is fine.

Expected suites per version are derived independently of the scanner:
  `openssl ciphers -stdname -s -V -tls1|-tls1_1|-tls1_2 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`
  filtered to what a server with an RSA certificate and no PSK/SRP
  callbacks can use: Au=RSA or Au=None (RSA, DHE-RSA, ECDHE-RSA, ADH,
  AECDH, RSA/ECDHE-RSA/AECDH NULL suites); never ECDSA or DSS (no such
  certificate), never PSK (s_server sets no PSK callback without -psk, and
  ssl3_choose_cipher skips PSK suites then), never SRP (no -srpvfile).
  Note: this Debian OpenSSL 3.0 build has no RC4/3DES/DES/IDEA/SEED suites
  at all (`openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` lists none),
  so the derivation does not contain them either.
That filtered list is then checked against the live server, before the
scan, with harness.tls_probe (a raw ClientHello per candidate suite, for
every one of the ~150 suites OpenSSL knows, per version: accepted exactly
when expected) and with real `openssl s_client` handshakes for one suite of
every family per version. Found when writing the test: all the families
above handshake with s_client at TLS 1.0, 1.1 and 1.2; ECDHE-ECDSA and
DHE-DSS suites fail (no shared cipher).

Also asserted:
  * server_order false on every version (s_server default is client order;
    verified with reversed pairs)
  * dh == {"bits": 1024, "group": "custom"} (the probe sees our 1024-bit
    prime, which has not the all-ones top/bottom 64 bits of every RFC
    2409/3526/7919 prime)
  * groups: the EC groups the server accepts for ECDHE (probed one by one
    over the whole range of TLS group ids we can name: OpenSSL's default
    list, x25519 secp256r1 x448 secp521r1 secp384r1); no ffdhe group:
    OpenSSL 3.0 does not negotiate RFC 7919 groups in TLS 1.2 (a DHE
    ClientHello offering only ffdhe2048 still gets the custom 1024-bit
    prime - checked below). groups_by_version: only TLSv1.2 (TLS 1.3 is
    off), those groups, server_order false (client order, verified with
    each pair offered both ways round).
  * signature_schemes_by_version: TLSv1.2 = what OpenSSL 3.0 signs with
    for an RSA key at security level 0 (@SECLEVEL=0 lets rsa_pkcs1_sha1
    back in; feature_probes.OPENSSL_RSA_TLS12_SECLEVEL0 says why), verified
    with one raw hello per scheme; TLSv1.3 none (TLS 1.3 is refused: verified).
"""

import feature_probes as fp
import harness as h

CIPHERS = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
VERSIONS = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2"}
EC_GROUPS = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"]
# s_client spot checks: one suite per family, per version
FAMILIES = ["AES128-SHA", "DHE-RSA-AES256-SHA", "ECDHE-RSA-AES128-SHA", "ADH-AES128-SHA",
            "AECDH-NULL-SHA", "NULL-MD5", "ECDHE-RSA-NULL-SHA"]
MUST_FAIL = ["ECDHE-ECDSA-AES128-SHA", "DHE-DSS-AES128-SHA"]
SIGSCHEMES = {"TLSv1.2": fp.OPENSSL_RSA_TLS12_SECLEVEL0}


def usable_with_rsa_cert(c):
    return c["au"] in ("RSA", "None") and "PSK" not in c["kx"] and "SRP" not in c["kx"]


def main(t):
    h.make_certs()
    dh_path = h.gen_dhparam(1024)
    dh_p = h.dh_prime_from_pem(dh_path)
    if dh_p.bit_length() != 1024 or h.is_structured_well_known_prime(dh_p):
        raise h.SetupError("generated DH prime is not a fresh 1024-bit prime")
    srv = h.start_openssl_server(["-cipher", CIPHERS, "-no_tls1_3", "-min_protocol", "TLSv1",
                                  "-dhparam", dh_path])
    port = srv.port

    # ---- expectations, derived with `openssl ciphers` -------------------
    expected = {}
    for v, flag in VERSIONS.items():
        cs = h.openssl_ciphers(CIPHERS, flag, supported=True)
        expected[v] = [c for c in cs if usable_with_rsa_cert(c)]
        if not expected[v]:
            raise h.SetupError("openssl ciphers gave no suite for " + v)
    all_known = [c for c in h.openssl_ciphers(CIPHERS) if c["since"] != "TLSv1.3"]
    name_of = {c["id"]: c["iana"] for c in all_known}

    # ---- verify them against the live server ----------------------------
    for v in VERSIONS:
        accepted = []
        for c in all_known:
            r = h.tls_probe(port=port, version=v, suites=[c["id"]], groups=EC_GROUPS)
            if r.get("version") == v and r.get("suite") == c["id"]:
                accepted.append(c["id"])
        exp_ids = sorted(c["id"] for c in expected[v])
        if sorted(accepted) != exp_ids:
            raise h.SetupError("%s: derivation and live server disagree\n"
                               "derived only: %s\nserver only: %s" % (
                                   v, [name_of[i] for i in exp_ids if i not in accepted],
                                   [name_of[i] for i in accepted if i not in exp_ids]))
        for fam in FAMILIES:
            r = h.openssl_client(port, [VERSIONS[v], "-cipher", fam + ":@SECLEVEL=0"])
            if not r["ok"] or r["cipher"] != fam:
                raise h.SetupError("s_client %s %s failed:\n%s" % (v, fam, r["output"][-1500:]))
        for fam in MUST_FAIL:
            r = h.openssl_client(port, [VERSIONS[v], "-cipher", fam + ":@SECLEVEL=0"])
            if r["ok"]:
                raise h.SetupError("s_client %s %s unexpectedly worked" % (v, fam))
    for v in ("SSLv3", "TLSv1.3"):
        r = h.tls_probe(port=port, version=v, suites=[c["id"] for c in all_known][:100] +
                        [0x1301, 0x1302], groups=EC_GROUPS)
        if r.get("version") == v:
            raise h.SetupError("%s unexpectedly accepted: %r" % (v, r))

    # client order, on every adjacent pair of the TLS 1.2 list (and 1.0)
    for v in ("TLSv1.0", "TLSv1.2"):
        ids = [c["id"] for c in expected[v]]
        bad = h.client_order_violations(
            lambda l: h.tls_probe(port=port, version=v, suites=l, groups=EC_GROUPS).get("suite"),
            ids)
        if bad:
            raise h.SetupError("%s suite choice is not client order:\n%s" % (v, "\n".join(bad)))

    # DH: the custom 1024-bit prime, also when the client offers ffdhe2048
    for groups in (EC_GROUPS, ["ffdhe2048"], []):
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[0x0033], groups=groups)
        if r.get("dh_p") != dh_p:
            raise h.SetupError("DHE probe (groups %s) did not see our 1024-bit prime: %r" % (
                groups, {k: v for k, v in r.items() if k != "random"}))

    # groups: probe every TLS group id we can name, with an ECDHE_RSA suite
    def ecdhe_group(gids):
        r = h.tls_probe(port=port, version="TLSv1.2", suites=[0xC013], groups=gids)
        return r.get("ske_curve")
    exp_groups = []
    for gid in list(range(1, 42)) + list(range(256, 261)):
        if ecdhe_group([gid]) == gid:
            if gid not in h.GROUP_NAMES:
                raise h.SetupError("server accepts group id %d that the test cannot name" % gid)
            exp_groups.append(h.GROUP_NAMES[gid])
    if sorted(exp_groups) != sorted(EC_GROUPS):
        raise h.SetupError("unexpected group set from probes: %s" % exp_groups)
    bad = h.client_order_violations(ecdhe_group, [h.GROUP_IDS[g] for g in EC_GROUPS])
    if bad:
        raise h.SetupError("ECDHE group choice is not client order:\n" + "\n".join(bad))
    # no TLS 1.3 scheme: TLS 1.3 refused (checked above)
    bad = fp.verify_sigschemes(port, SIGSCHEMES, [0xC013, 0x0033], tls13=False)
    if bad:
        raise h.SetupError("signature schemes:\n" + "\n".join(bad))
    t.check("setup verified (derivation == live server; s_client families; orders; DH; groups; "
            "signature schemes)",
            True)

    # ---- scan --------------------------------------------------------------
    doc = h.run_tlsaudit([srv.target])
    tg = h.check_target(t, doc, "127.0.0.1", port)
    for p in ("SSLv2", "SSLv3", "TLSv1.3"):
        h.check_protocol(t, tg, p, offered=False)
    for v in VERSIONS:
        h.check_protocol(t, tg, v, offered=True, suites=[c["iana"] for c in expected[v]],
                         ordered=False, server_order=False)
    t.eq("dh", {"bits": 1024, "group": "custom"}, tg.get("dh"))
    t.set_eq("groups", EC_GROUPS, tg.get("groups"))
    fp.check_groups_by_version(t, tg, {"TLSv1.2": {"groups": EC_GROUPS, "server_order": False}})
    fp.check_sigschemes_by_version(t, tg, SIGSCHEMES)


if __name__ == "__main__":
    h.run_test(main)
