#!/usr/bin/env python3
"""gnutls-serv with RC4, 3DES, NULL, anonymous DH/ECDH, TLS 1.0-1.2, 512-bit DH.

gnutls-serv binds every interface, so it runs inside a network namespace
made for this test (only `lo`, up); the scanner and every probe run inside
the same namespace (`ip netns exec`). The namespace is deleted at the end.

Two servers in the namespace, RSA-2048 leaf, DH parameters from
`certtool --generate-dh-params --bits 512` (a fresh, hence "custom", prime):

  A  (port 4433) priority  BASE + ":-GROUP-DH-ALL:%SERVER_PRECEDENCE",
                 --heartbeat, --recordsize=4096
  B  (port 4434) priority  BASE + ":%SERVER_PRECEDENCE:%NO_SESSION_HASH:%NO_ETM"
  BASE = NORMAL:+ARCFOUR-128:+3DES-CBC:+NULL:+ANON-DH:+ANON-ECDH:+DHE-RSA:
         +VERS-TLS1.0:+VERS-TLS1.1:-VERS-TLS1.3
(GnuTLS 3.7 accepts all of these keywords; SSL 3.0 is not built in.)

Why two: GnuTLS implements RFC 7919 for TLS 1.2. A has no FFDHE group, so
it always uses the 512-bit prime for DHE, and - RFC 7919 section 4 - it
REFUSES DHE suites to a client whose supported_groups lists only FFDHE
groups (checked below): a scanner must not offer FFDHE groups when it
enumerates DHE suites. B negotiates ffdhe2048..8192 for clients that offer
them, and uses the 512-bit prime for clients that offer none.

Expected suites are derived from `gnutls-cli --priority <same string> -l`
(name, code point, minimum version), filtered to the RSA certificate
(ECDHE_ECDSA dropped); IANA names are taken from `openssl ciphers -stdname`
for code points this OpenSSL knows, and from the IANA registry (table
below) for the RC4/3DES ones that this OpenSSL build lacks; a mechanical
translation of the GnuTLS name must agree with both. The list is verified
against the live servers with harness.tls_probe (every suite GnuTLS or
OpenSSL can name, one by one, per version: accepted exactly when expected;
the server order checked on every adjacent pair) and with real gnutls-cli
handshakes (RC4, 3DES with the 512-bit DH, NULL).

Asserted for both servers:
  * TLSv1.0, TLSv1.1, TLSv1.2 offered with exactly the derived suites, in
    the -l order (%SERVER_PRECEDENCE => server_order true); SSLv2, SSLv3,
    TLSv1.3 not offered; RC4 and 3DES suites present
  * dh == {"bits": 512, "group": "custom"} (what a client that offers no
    FFDHE group gets)
  * A: groups == [secp256r1, secp384r1, secp521r1, x25519, x448] in that
    order (GnuTLS's order, verified); groups_by_version: only TLSv1.2 (no
    TLS 1.3), those groups, server_order true
  * B: groups == those plus ffdhe2048..8192 (negotiated per RFC 7919,
    verified: the DHE prime is the RFC 7919 one for the group offered);
    groups_by_version: only TLSv1.2, all ten, server_order true; the EC
    groups and the FFDHE groups each in server order (the relative order of
    an EC and an FFDHE group is not defined: they are picked in different
    handshakes)
  * signature_schemes_by_version: TLSv1.2 = the "PK-signatures" of
    `gnutls-cli --priority <same string> -l` that an rsaEncryption key can
    make (SIGN-RSA-SHAx -> rsa_pkcs1_shax, SIGN-RSA-PSS-RSAE-SHAx ->
    rsa_pss_rsae_shax; SIGN-RSA-PSS-SHAx needs an RSA-PSS key), verified
    with one raw hello per scheme (the ServerKeyExchange's scheme read
    back); TLSv1.3 none (TLS 1.3 is refused: verified)
  * features, from TLS 1.2 hellos offering each extension alone (verified:
    the ServerHello echoes it or not; EtM with CBC suites):
      A: extended_master_secret true, encrypt_then_mac true, heartbeat true
         (--heartbeat), record_size_limit 4096 (--recordsize=4096)
      B: extended_master_secret false (%NO_SESSION_HASH), encrypt_then_mac
         false (%NO_ETM), heartbeat false (no --heartbeat),
         record_size_limit 16384 (GnuTLS's default maximum record size,
         2^14, the TLS 1.2 maximum of RFC 8449)
"""

import re

import feature_probes as fp
import harness as h

BASE = ("NORMAL:+ARCFOUR-128:+3DES-CBC:+NULL:+ANON-DH:+ANON-ECDH:+DHE-RSA:"
        "+VERS-TLS1.0:+VERS-TLS1.1:-VERS-TLS1.3")
PRIO_A = BASE + ":-GROUP-DH-ALL:%SERVER_PRECEDENCE"
PRIO_B = BASE + ":%SERVER_PRECEDENCE:%NO_SESSION_HASH:%NO_ETM"
FEATURES_A = {"extended_master_secret": True, "encrypt_then_mac": True, "heartbeat": True,
              "record_size_limit": 4096}
FEATURES_B = {"extended_master_secret": False, "encrypt_then_mac": False, "heartbeat": False,
              "record_size_limit": 16384}
# GnuTLS signature algorithm -> TLS SignatureScheme, for an rsaEncryption key
GNUTLS_RSA_SIGS = {"SIGN-RSA-SHA1": "rsa_pkcs1_sha1", "SIGN-RSA-SHA224": "rsa_sha224",
                   "SIGN-RSA-SHA256": "rsa_pkcs1_sha256", "SIGN-RSA-SHA384": "rsa_pkcs1_sha384",
                   "SIGN-RSA-SHA512": "rsa_pkcs1_sha512",
                   "SIGN-RSA-PSS-RSAE-SHA256": "rsa_pss_rsae_sha256",
                   "SIGN-RSA-PSS-RSAE-SHA384": "rsa_pss_rsae_sha384",
                   "SIGN-RSA-PSS-RSAE-SHA512": "rsa_pss_rsae_sha512"}
EC_GROUPS = ["secp256r1", "secp384r1", "secp521r1", "x25519", "x448"]
FF_GROUPS = ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
VERSIONS = ["TLSv1.0", "TLSv1.1", "TLSv1.2"]

# IANA "TLS Cipher Suites" registry entries for code points that this
# OpenSSL build (no RC4/3DES) cannot name.
IANA_EXTRA = {
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
    0x001B: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
    0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC016: "TLS_ECDH_anon_WITH_RC4_128_SHA",
    0xC017: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
}


def gnutls_to_iana(name):
    """TLS_ECDHE_RSA_AES_128_CBC_SHA1 -> TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"""
    body = name[len("TLS_"):]
    for kx, iana_kx in (("ECDHE_ECDSA_", "ECDHE_ECDSA"), ("ECDHE_RSA_", "ECDHE_RSA"),
                        ("DHE_RSA_", "DHE_RSA"), ("DHE_DSS_", "DHE_DSS"),
                        ("DH_ANON_", "DH_anon"), ("ECDH_ANON_", "ECDH_anon"),
                        ("RSA_", "RSA")):
        if body.startswith(kx):
            rest = body[len(kx):]
            break
    else:
        raise h.SetupError("cannot translate GnuTLS suite name " + name)
    rest = rest.replace("ARCFOUR_128", "RC4_128")
    if rest.endswith("_SHA1"):
        rest = rest[:-1]
    if rest == "CHACHA20_POLY1305":
        rest += "_SHA256"
    return "TLS_%s_WITH_%s" % (iana_kx, rest)


def gnutls_list(prio):
    out = h.run(["gnutls-cli", "--priority", prio, "-l"]).stdout.decode()
    res = []
    for line in out.splitlines():
        m = re.match(r"^(TLS_\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s+(\S+)", line)
        if m:
            res.append({"gnutls": m.group(1), "id": int(m.group(2) + m.group(3), 16),
                        "min": m.group(4)})
    if not res:
        raise h.SetupError("no suites parsed from gnutls-cli -l:\n" + out)
    return res


def expected_sigschemes(prio):
    """TLS 1.2 schemes of PRIO usable with an RSA (rsaEncryption) key."""
    out = h.run(["gnutls-cli", "--priority", prio, "-l"]).stdout.decode()
    m = re.search(r"^PK-signatures: (.*)$", out, re.M)
    if not m:
        raise h.SetupError("no PK-signatures line in gnutls-cli -l:\n" + out[-1500:])
    return [GNUTLS_RSA_SIGS[x.strip()] for x in m.group(1).split(",")
            if x.strip() in GNUTLS_RSA_SIGS]


def expected_suites(prio, ossl_names):
    exp = {v: [] for v in VERSIONS}
    for s in gnutls_list(prio):
        if s["gnutls"].startswith("TLS_ECDHE_ECDSA_"):
            continue  # no ECDSA certificate
        mech = gnutls_to_iana(s["gnutls"])
        known = ossl_names.get(s["id"]) or IANA_EXTRA.get(s["id"])
        if known is None or known != mech:
            raise h.SetupError("suite %#06x: GnuTLS %s -> %s, registry name %s" % (
                s["id"], s["gnutls"], mech, known))
        s["iana"] = known
        for v in VERSIONS:
            if v == "TLSv1.2" or s["min"] in ("TLS1.0", "SSL3.0"):
                exp[v].append(s)
    return exp


def verify(ns, port, exp, all_ids, dh_p, with_ffdhe):
    bad = []
    # 1. exactly the expected suites are accepted, per version
    reqs, keys = [], []
    for v in VERSIONS:
        for sid in all_ids:
            reqs.append(dict(port=port, version=v, suites=[sid], groups=EC_GROUPS))
            keys.append((v, sid))
    res = h.probe_many_in_netns(ns, reqs)
    for v in VERSIONS:
        acc = sorted(sid for (vv, sid), r in zip(keys, res)
                     if vv == v and r.get("version") == v and r.get("suite") == sid)
        want = sorted(s["id"] for s in exp[v])
        if acc != want:
            bad.append("%s: accepted-not-expected %s, expected-not-accepted %s" % (
                v, [hex(i) for i in acc if i not in want], [hex(i) for i in want if i not in acc]))
    # 2. server order on every adjacent pair
    for v in VERSIONS:
        ids = [s["id"] for s in exp[v]]
        bad += h.order_violations(
            lambda ls: [r.get("suite") for r in h.probe_many_in_netns(
                ns, [dict(port=port, version=v, suites=l, groups=EC_GROUPS) for l in ls])],
            ids, "server")
    # 3. no SSLv3, no TLS 1.3
    for v in ("SSLv3", "TLSv1.3"):
        r = h.probe_in_netns(ns, port=port, version=v,
                             suites=[s["id"] for s in exp["TLSv1.2"]] + [0x1301, 0x1302, 0x1303],
                             groups=EC_GROUPS)
        if r.get("version") == v:
            bad.append("%s unexpectedly accepted: %r" % (v, r))
    # 4. DH: our 512-bit prime when no FFDHE group is offered
    for groups in (EC_GROUPS, []):
        for sid in (0x0033, 0x0034):  # DHE_RSA and DH_anon AES_128_CBC_SHA
            r = h.probe_in_netns(ns, port=port, version="TLSv1.2", suites=[sid], groups=groups)
            if r.get("dh_p") != dh_p:
                bad.append("DHE %#x groups %s: not our 512-bit prime: %r" % (sid, groups, r))
    # 5. groups: every id we can name, ECDHE and DHE
    reqs, keys = [], []
    for gid in list(range(1, 42)) + list(range(256, 261)):
        reqs.append(dict(port=port, version="TLSv1.2", suites=[0xC013], groups=[gid]))
        keys.append(("ec", gid))
        reqs.append(dict(port=port, version="TLSv1.2", suites=[0x0033], groups=[gid]))
        keys.append(("ff", gid))
    res = h.probe_many_in_netns(ns, reqs)
    got_ec = sorted(g for (k, g), r in zip(keys, res) if k == "ec" and r.get("ske_curve") == g)
    got_ff = []
    for (k, g), r in zip(keys, res):
        if k == "ff" and g in h.GROUP_NAMES and h.GROUP_NAMES[g].startswith("ffdhe"):
            bits = int(h.GROUP_NAMES[g][5:])
            if r.get("dh_p") == h.ffdhe_prime(bits):
                got_ff.append(g)
            elif with_ffdhe or "alert" not in r:
                bad.append("DHE offering only %s: %r" % (h.GROUP_NAMES[g], r))
    if got_ec != sorted(h.GROUP_IDS[g] for g in EC_GROUPS):
        bad.append("EC groups accepted: %s" % got_ec)
    want_ff = sorted(h.GROUP_IDS[g] for g in FF_GROUPS) if with_ffdhe else []
    if sorted(got_ff) != want_ff:
        bad.append("FFDHE groups negotiated: %s, expected %s" % (got_ff, want_ff))
    # 6. group server order
    bad += h.order_violations(
        lambda ls: [r.get("ske_curve") for r in h.probe_many_in_netns(
            ns, [dict(port=port, version="TLSv1.2", suites=[0xC013], groups=l) for l in ls])],
        [h.GROUP_IDS[g] for g in EC_GROUPS], "server")
    if with_ffdhe:
        ffp = {h.ffdhe_prime(int(g[5:])): h.GROUP_IDS[g] for g in FF_GROUPS}
        bad += h.order_violations(
            lambda ls: [ffp.get(r.get("dh_p")) for r in h.probe_many_in_netns(
                ns, [dict(port=port, version="TLSv1.2", suites=[0x0033], groups=l) for l in ls])],
            [h.GROUP_IDS[g] for g in FF_GROUPS], "server")
    # 7. real handshakes with gnutls-cli: RC4, 3DES + 512-bit DH, NULL
    for prio, want in (
            ("NONE:+VERS-TLS1.2:+ARCFOUR-128:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:+GROUP-ALL",
             "(TLS1.2-X.509)-(RSA)-(ARCFOUR-128)-(SHA1)"),
            ("NONE:+VERS-TLS1.0:+3DES-CBC:+SHA1:+DHE-RSA:+COMP-NULL:+SIGN-ALL:+GROUP-SECP256R1",
             "(TLS1.0-X.509)-(DHE-CUSTOM512)-(3DES-CBC)-(SHA1)"),
            ("NONE:+VERS-TLS1.1:+NULL:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+GROUP-X448",
             "(TLS1.1-X.509)-(ECDHE-X448)-(NULL)-(SHA1)")):
        cp = ns.run(["gnutls-cli", "-p", str(port), "127.0.0.1", "--insecure",
                     "--priority", prio], check=False, input=b"", timeout=30)
        out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
        if "- Description: " + want not in out:
            bad.append("gnutls-cli %s: expected %s\n%s" % (prio, want, out[-800:]))
    return bad


def main(t):
    h.make_certs()
    dh_path = h.gen_dhparam(512, tool="certtool")
    dh_p = h.dh_prime_from_pem(dh_path)
    if dh_p.bit_length() != 512 or h.is_structured_well_known_prime(dh_p):
        raise h.SetupError("certtool did not give a fresh 512-bit prime")
    ns = h.NetNS()
    srv_a = h.start_gnutls_serv(ns, ["--priority", PRIO_A, "--dhparams", dh_path,
                                     "--heartbeat", "--recordsize=4096"],
                                port=4433, name="gnutls-serv-A")
    srv_b = h.start_gnutls_serv(ns, ["--priority", PRIO_B, "--dhparams", dh_path],
                                port=4434, name="gnutls-serv-B")

    ossl = {c["id"]: c["iana"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
    exp_a = expected_suites(PRIO_A, ossl)
    exp_b = expected_suites(PRIO_B, ossl)
    if [s["id"] for s in exp_a["TLSv1.2"]] != [s["id"] for s in exp_b["TLSv1.2"]]:
        raise h.SetupError("A and B should list the same suites")
    all_ids = sorted(set(ossl) | set(IANA_EXTRA) |
                     {s["id"] for s in gnutls_list("NORMAL:+ARCFOUR-128:+3DES-CBC:+NULL:"
                                                   "+ANON-DH:+ANON-ECDH:+DHE-RSA:+DHE-DSS:"
                                                   "+ARCFOUR-40:+MD5:+CAMELLIA-128-CBC:"
                                                   "+CAMELLIA-256-CBC:+CAMELLIA-128-GCM:"
                                                   "+CAMELLIA-256-GCM:+VERS-TLS1.0")})
    all_ids = [i for i in all_ids if i < 0x1300 or i > 0x13FF]
    sigs = {}
    for srv, prio, feats in ((srv_a, PRIO_A, FEATURES_A), (srv_b, PRIO_B, FEATURES_B)):
        sigs[srv.port] = {"TLSv1.2": expected_sigschemes(prio)}
        # no TLS 1.3 scheme: verify() checks that TLS 1.3 is refused
        bad = fp.verify_sigschemes(srv.port, sigs[srv.port], [0xC013, 0x0033], ns=ns,
                                   tls13=False)
        # features: each extension alone, CBC suites first (EtM needs CBC)
        echo = fp.extension_echoes(srv.port, [0xC013, 0x002F], ns=ns)
        for k, v in feats.items():
            if echo[k] != v:
                bad.append("%s: %s echoed %r, expected %r" % (srv.name, k, echo[k], v))
        if echo["suite"]["encrypt_then_mac"] not in (0xC013, 0x002F):
            bad.append("EtM probe did not negotiate a CBC suite: %r" % echo["suite"])
        if bad:
            raise h.SetupError("%s setup verification failed:\n%s" % (srv.name, "\n".join(bad)))
    for srv, exp, ff in ((srv_a, exp_a, False), (srv_b, exp_b, True)):
        bad = verify(ns, srv.port, exp, all_ids, dh_p, ff)
        if bad:
            raise h.SetupError("%s setup verification failed:\n%s" % (srv.name, "\n".join(bad)))
    t.check("setup verified (suites, server order, DH, groups, gnutls-cli handshakes, "
            "signature schemes, extension echoes)", True)

    doc = h.run_tlsaudit([srv_a.target, srv_b.target], netns=ns)
    h.check_document(t, doc, 2)
    for srv, exp, ff in ((srv_a, exp_a, False), (srv_b, exp_b, True)):
        tg = h.check_target(t, doc, "127.0.0.1", srv.port, n_targets=2)
        for p in ("SSLv2", "SSLv3", "TLSv1.3"):
            h.check_protocol(t, tg, p, offered=False)
        for v in VERSIONS:
            h.check_protocol(t, tg, v, offered=True, suites=[s["iana"] for s in exp[v]],
                             ordered=True, server_order=True)
        got12 = tg["protocols"]["TLSv1.2"].get("cipher_suites") or []
        t.check("RC4 suites reported (TLSv1.2)", any("_RC4_" in s for s in got12),
                "got %s" % got12)
        t.check("3DES suites reported (TLSv1.2)", any("_3DES_" in s for s in got12),
                "got %s" % got12)
        got10 = tg["protocols"]["TLSv1.0"].get("cipher_suites") or []
        t.check("RC4 and 3DES suites reported (TLSv1.0)",
                any("_RC4_" in s for s in got10) and any("_3DES_" in s for s in got10),
                "got %s" % got10)
        t.eq("dh", {"bits": 512, "group": "custom"}, tg.get("dh"))
        # the derived verdicts of this configuration (docs/vulnerabilities.md): 3DES
        # (+3DES-CBC) is SWEET32, ARCFOUR-128 is RC4, the 512-bit DH prime is Logjam,
        # NULL and anonymous suites (+NULL, +ANON-DH) are null-anon, TLS 1.0 CBC is BEAST
        vul = {v.get("id"): v.get("status") for v in tg.get("vulnerabilities") or []}
        for vid in ("sweet32", "rc4", "logjam", "null-anon", "beast"):
            t.eq("%s: %s vulnerable (its configuration)" % (srv.name, vid), "vulnerable",
                 vul.get(vid))
        t.eq("%s: poodle not vulnerable (GnuTLS 3.7 has no SSL 3.0)" % srv.name,
             "not_vulnerable", vul.get("poodle"))
        # Heartbleed after the handshake: only A takes the extension (--heartbeat);
        # GnuTLS refuses the overlong request with an alert that must have been
        # decrypted and authenticated under the session's keys to be named
        hb = {v.get("id"): v for v in tg.get("vulnerabilities") or []}.get("heartbleed", {})
        ev = hb.get("evidence") or []
        if not ff:
            t.check("%s (--heartbeat): heartbleed not vulnerable, also after the handshake, "
                    "where the overlong heartbeat got a decrypted alert or was dropped (%s)"
                    % (srv.name, ev), hb.get("status") == "not_vulnerable" and len(ev) == 2
                    and re.match(r"after the handshake \((AES|CHACHA|CAMELLIA)", ev[1])
                    and re.search(r"got alert \d+ \(|was dropped", ev[1]) is not None)
        else:
            t.check("%s (no --heartbeat): heartbleed not vulnerable, no heartbeat after the "
                    "handshake (%s)" % (srv.name, ev), hb.get("status") == "not_vulnerable"
                    and len(ev) == 1 and "not negotiated" in ev[0])
        label = srv.name
        if not ff:
            fp.check_groups_by_version(t, tg, {"TLSv1.2": {
                "groups": EC_GROUPS, "server_order": True}}, label)
        else:
            fp.check_groups_by_version(t, tg, {"TLSv1.2": {
                "groups": EC_GROUPS + FF_GROUPS, "server_order": True,
                "chains": [EC_GROUPS, FF_GROUPS]}}, label)
        fp.check_sigschemes_by_version(t, tg, sigs[srv.port], label)
        feats = FEATURES_B if ff else FEATURES_A
        ft = tg.get("features") or {}
        for k in sorted(feats):
            t.eq("%s: features.%s" % (label, k), feats[k], ft.get(k))
        groups = tg.get("groups")
        if not ff:
            t.list_eq("groups", EC_GROUPS, groups)
        else:
            t.set_eq("groups", EC_GROUPS + FF_GROUPS, groups)
            if isinstance(groups, list):
                t.list_eq("EC groups in server order", EC_GROUPS,
                          [g for g in groups if g in EC_GROUPS])
                t.list_eq("FFDHE groups in server order", FF_GROUPS,
                          [g for g in groups if g in FF_GROUPS])


if __name__ == "__main__":
    h.run_test(main)
