#!/usr/bin/env python3
"""Independent probes of handshake details that harness.tls_probe does not
read: the ServerHello's extensions, the ServerKeyExchange's signature
scheme, and the TLS 1.3 signature schemes a server signs with (Python 3
standard library and the openssl CLI only; this is not the scanner's code).

  probe(...)               one raw ClientHello with extra extensions; the
                           ServerHello's extensions and the SKE's scheme
  probe_many(reqs, ns)     several probe() calls, inside a harness.NetNS
                           when NS is given (this file's CLI there)
  tls12_sigschemes(...)    the TLS 1.2 schemes a server signs its
                           ServerKeyExchange with: one hello per scheme,
                           each offering only that scheme
  tls13_sigschemes(...)    the TLS 1.3 schemes: `openssl s_client -tls1_3
                           -sigalgs X` per scheme (X is the only scheme
                           offered, so a finished handshake means the
                           server signed its CertificateVerify with X)
  extension_echoes(...)    for EMS (23), EtM (22), heartbeat (15) and
                           record_size_limit (28): offered one at a time in
                           a TLS 1.2 hello, does the ServerHello echo it?

Scheme names: the IANA TLS SignatureScheme registry; the RFC 5246
hash/signature pairs that have no IANA scheme name (md5, sha224, DSA) are
named "<signature>_<hash>" (rsa_sha224, dsa_sha256...), the project's
convention (src/wire/registry_suites.c).

CLI (how a test probes inside a network namespace):
    ip netns exec NS python3 feature_probes.py probe-batch < '[kwargs, ...]'
"""

import json
import os
import re
import socket
import struct
import sys
import time

import harness as h

SIGSCHEMES = {
    0x0101: "rsa_md5", 0x0102: "dsa_md5", 0x0103: "ecdsa_md5",
    0x0201: "rsa_pkcs1_sha1", 0x0202: "dsa_sha1", 0x0203: "ecdsa_sha1",
    0x0301: "rsa_sha224", 0x0302: "dsa_sha224", 0x0303: "ecdsa_sha224",
    0x0401: "rsa_pkcs1_sha256", 0x0402: "dsa_sha256", 0x0403: "ecdsa_secp256r1_sha256",
    0x0420: "rsa_pkcs1_sha256_legacy",
    0x0501: "rsa_pkcs1_sha384", 0x0502: "dsa_sha384", 0x0503: "ecdsa_secp384r1_sha384",
    0x0520: "rsa_pkcs1_sha384_legacy",
    0x0601: "rsa_pkcs1_sha512", 0x0602: "dsa_sha512", 0x0603: "ecdsa_secp521r1_sha512",
    0x0620: "rsa_pkcs1_sha512_legacy",
    0x0708: "sm2sig_sm3",
    0x0709: "gostr34102012_256a", 0x070A: "gostr34102012_256b",
    0x070B: "gostr34102012_256c", 0x070C: "gostr34102012_256d",
    0x070D: "gostr34102012_512a", 0x070E: "gostr34102012_512b",
    0x070F: "gostr34102012_512c",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512", 0x0807: "ed25519", 0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256", 0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    0x0840: "gostr34102012_256_intrinsic", 0x0841: "gostr34102012_512_intrinsic",
}
SIGSCHEME_IDS = {v: k for k, v in SIGSCHEMES.items()}
# what `openssl s_client -sigalgs` (OpenSSL 3.0) can name; the RSA PKCS#1
# and SHA-1 ones are in the list so that a server wrongly using them in TLS
# 1.3 would show
TLS13_CANDIDATES = [
    "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
    "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
    "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
    "ed25519", "ed448", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512",
    "rsa_pkcs1_sha1", "ecdsa_sha1",
]

EXT_HEARTBEAT = 15
EXT_ETM = 22
EXT_EMS = 23
EXT_RSL = 28


def _u16(n):
    return struct.pack(">H", n)


def _ext(typ, body):
    return _u16(typ) + _u16(len(body)) + body


def build_hello(version, suites, groups=(), sigalgs=None, exts=(), sni=None,
                record_version=0x0301):
    """A ClientHello record (TLS <= 1.2, or TLS 1.3 with an empty key_share
    when VERSION is "TLSv1.3"). EXTS: extra (type, body-bytes) pairs, sent
    after the usual ones. sigalgs: code points (ints) or names."""
    tls13 = version == "TLSv1.3"
    legacy = 0x0303 if tls13 else h.VERSION_IDS[version]
    gids = [h.GROUP_IDS[g] if isinstance(g, str) else g for g in groups]
    body = _u16(legacy) + os.urandom(32) + bytes([32]) + os.urandom(32)
    cs = b"".join(_u16(s) for s in suites)
    body += _u16(len(cs)) + cs + b"\x01\x00"
    e = b""
    if sni:
        name = sni.encode()
        entry = b"\x00" + _u16(len(name)) + name
        e += _ext(0, _u16(len(entry)) + entry)
    if gids:
        gl = b"".join(_u16(g) for g in gids)
        e += _ext(10, _u16(len(gl)) + gl)
        e += _ext(11, b"\x01\x00")
    if legacy >= 0x0303:
        sa = [SIGSCHEME_IDS[s] if isinstance(s, str) else s
              for s in (sigalgs if sigalgs is not None else h.DEFAULT_SIGALGS)]
        sab = b"".join(_u16(s) for s in sa)
        e += _ext(13, _u16(len(sab)) + sab)
    if tls13:
        e += _ext(43, b"\x02\x03\x04") + _ext(51, _u16(0)) + _ext(45, b"\x01\x01")
    else:
        e += _ext(0xff01, b"\x00")
    for typ, data in exts:
        e += _ext(typ, bytes.fromhex(data) if isinstance(data, str) else data)
    body += _u16(len(e)) + e
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16" + _u16(record_version) + _u16(len(hs)) + hs


def _server_hello(b):
    r = {"version": struct.unpack(">H", b[0:2])[0]}
    r["hrr"] = b[2:34] == h.HRR_RANDOM
    p = 35 + b[34]
    r["suite"] = struct.unpack(">H", b[p:p + 2])[0]
    r["compression"] = b[p + 2]
    p += 3
    exts = {}
    if p + 2 <= len(b):
        end = p + 2 + struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            et, el = struct.unpack(">HH", b[p:p + 4])
            exts[str(et)] = b[p + 4:p + 4 + el].hex()
            if et == 43 and el == 2:
                r["version"] = struct.unpack(">H", b[p + 4:p + 6])[0]
            elif et == 51 and el >= 2:
                r["selected_group"] = struct.unpack(">H", b[p + 4:p + 6])[0]
            p += 4 + el
    r["exts"] = exts
    return r


def _ske_scheme(m, version):
    """The signature scheme of a TLS 1.2 ServerKeyExchange (ECDHE or DHE):
    the layout must account for every byte (scheme, length, signature)."""
    if version < 0x0303:
        return None

    def sig_at(p):
        if p + 4 <= len(m) and p + 4 + struct.unpack(">H", m[p + 2:p + 4])[0] == len(m):
            return struct.unpack(">H", m[p:p + 2])[0]
        return None
    if len(m) >= 4 and m[0] == 3:
        s = sig_at(4 + m[3])
        if s is not None:
            return s
    p = 0
    for _ in range(3):  # DHE: p, g, Ys
        if p + 2 > len(m):
            return None
        p += 2 + struct.unpack(">H", m[p:p + 2])[0]
    return sig_at(p)


def probe(host="127.0.0.1", port=443, version="TLSv1.2", suites=(), groups=(),
          sigalgs=None, exts=(), sni=None, timeout=5.0):
    """One ClientHello, the server's first flight read. Returns
    {"alert": n} / {"closed": why}, or {"version": name, "suite", "hrr",
    "compression", "exts": {str(type): hex body}, "selected_group"?,
    "ske_scheme"?: int, "ske_scheme_name"?: str}."""
    hello = build_hello(version, suites, groups, sigalgs, exts, sni)
    deadline = time.time() + timeout
    res = {}
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(hello)
        buf = b""
        try:
            while time.time() < deadline:
                hdr = h._recv_exact(s, 5, deadline)
                n = struct.unpack(">H", hdr[3:5])[0]
                if n > 18432:
                    return {"closed": "record too long"}
                data = h._recv_exact(s, n, deadline)
                if hdr[0] == 21:
                    if res:
                        res["alert_after"] = data[1] if len(data) > 1 else -1
                        break
                    return {"alert": data[1] if len(data) > 1 else -1}
                if hdr[0] == 20:
                    continue
                if hdr[0] != 22:
                    break
                buf += data
                done = False
                while len(buf) >= 4:
                    ml = struct.unpack(">I", b"\x00" + buf[1:4])[0]
                    if len(buf) < 4 + ml:
                        break
                    mt, m, buf = buf[0], buf[4:4 + ml], buf[4 + ml:]
                    if mt == 2:
                        res.update(_server_hello(m))
                        if res["version"] == 0x0304 or res["hrr"]:
                            done = True
                    elif mt == 12:
                        sch = _ske_scheme(m, res.get("version", 0))
                        if sch is not None:
                            res["ske_scheme"] = sch
                            res["ske_scheme_name"] = SIGSCHEMES.get(sch, "0x%04x" % sch)
                    elif mt == 14:
                        done = True
                if done:
                    break
        except (EOFError, socket.timeout, ConnectionError) as e:
            if not res:
                return {"closed": str(e)}
    if not res:
        return {"closed": "timeout"}
    inv = {v: k for k, v in h.VERSION_IDS.items()}
    res["version"] = inv.get(res["version"], res["version"])
    return res


def probe_many(reqs, ns=None):
    """probe(**r) for every r in REQS, in this process or inside NS."""
    if ns is None:
        return [probe(**r) for r in reqs]
    cp = ns.run([sys.executable, os.path.abspath(__file__), "probe-batch"],
                input=json.dumps(reqs).encode(), timeout=600)
    return json.loads(cp.stdout.decode())


def tls12_sigschemes(port, suites, groups=("x25519", "secp256r1", "secp384r1"),
                     host="127.0.0.1", ns=None, candidates=None, sni=None):
    """(schemes, problems): the TLS 1.2 schemes the server signs its
    ServerKeyExchange with, one hello per candidate offering only it (sorted
    by code point). A server answering with a scheme it was not offered is
    a problem. SUITES: signed-SKE suites the server accepts in TLS 1.2."""
    cands = sorted(candidates or SIGSCHEMES)
    reqs = [dict(host=host, port=port, version="TLSv1.2", suites=list(suites),
                 groups=list(groups), sigalgs=[c], sni=sni) for c in cands]
    got, bad = [], []
    for c, r in zip(cands, probe_many(reqs, ns)):
        if r.get("version") == "TLSv1.2" and "ske_scheme" in r:
            if r["ske_scheme"] == c:
                got.append(SIGSCHEMES[c])
            else:
                bad.append("offered only %s, the server signed with %s" % (
                    SIGSCHEMES[c], r.get("ske_scheme_name")))
        elif r.get("version") == "TLSv1.2":
            bad.append("offered only %s: a ServerHello but no signed SKE: %r" % (
                SIGSCHEMES[c], r))
    return got, bad


def tls13_sigschemes(port, host="127.0.0.1", ns=None, candidates=TLS13_CANDIDATES,
                     extra=()):
    """(schemes, problems): the schemes `openssl s_client -tls1_3 -sigalgs
    X` completes a handshake with, X alone; the "Peer signature type" line
    must agree with X."""
    got, bad = [], []
    for name in candidates:
        argv = ["openssl", "s_client", "-connect", "%s:%d" % (host, port), "-tls1_3",
                "-sigalgs", name] + list(extra)
        if ns is not None:
            argv = ns.cmd(argv)
        cp = h.run(argv, check=False, timeout=30, input=b"")
        out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
        if "Error setting signature algorithms" in out or "Invalid" in out.split("\n")[0]:
            raise h.SetupError("s_client does not know the scheme %s:\n%s" % (name, out[-800:]))
        m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
        if not (m and m.group(1) == "TLSv1.3" and m.group(2) != "(NONE)"):
            continue
        pst = re.search(r"^Peer signature type: (\S+)", out, re.M)
        psd = re.search(r"^Peer signing digest: (\S+)", out, re.M)
        kind = pst.group(1) if pst else ""
        want = {"rsa_pss_rsae": "RSA-PSS", "rsa_pss_pss": "RSA-PSS", "ecdsa": "ECDSA",
                "ed25519": "Ed25519", "ed448": "Ed448"}
        pref = [v for k, v in want.items() if name.startswith(k)]
        if not pref or pref[0] != kind:
            bad.append("s_client -sigalgs %s: handshake with peer signature %r digest %r" % (
                name, kind, psd.group(1) if psd else None))
            continue
        got.append(name)
    return got, bad


def extension_echoes(port, suites, groups=("x25519", "secp256r1", "secp384r1"),
                     host="127.0.0.1", ns=None, rsl_offer=16384, sni=None):
    """TLS 1.2 hellos offering one extension each (EMS, EtM, heartbeat
    peer_allowed_to_send, record_size_limit RSL_OFFER), named like the
    scanner's features: {"extended_master_secret", "encrypt_then_mac",
    "heartbeat": bool, "record_size_limit": the limit sent or False,
    "suite": {name: suite negotiated}, "raw": [...]}. SUITES should be CBC
    suites (EtM applies only to them)."""
    offers = [("extended_master_secret", [(EXT_EMS, b"")]),
              ("encrypt_then_mac", [(EXT_ETM, b"")]),
              ("heartbeat", [(EXT_HEARTBEAT, b"\x01")]),
              ("record_size_limit", [(EXT_RSL, _u16(rsl_offer))])]
    reqs = [dict(host=host, port=port, version="TLSv1.2", suites=list(suites),
                 groups=list(groups), exts=[(t, b.hex()) for t, b in e], sni=sni)
            for _, e in offers]
    res = probe_many(reqs, ns)
    out = {"raw": res, "suite": {}}
    for (name, e), r in zip(offers, res):
        if r.get("version") != "TLSv1.2":
            raise h.SetupError("TLS 1.2 hello offering %s was not answered: %r" % (name, r))
        out["suite"][name] = r.get("suite")
        body = r["exts"].get(str(e[0][0]))
        if name == "record_size_limit":
            out[name] = struct.unpack(">H", bytes.fromhex(body))[0] if body else False
        else:
            out[name] = body is not None
    return out


def _cli(argv):
    if len(argv) >= 2 and argv[1] == "probe-batch":
        reqs = json.loads(sys.stdin.read())
        for r in reqs:
            if "exts" in r:
                r["exts"] = [(t, bytes.fromhex(b)) for t, b in r["exts"]]
        print(json.dumps([probe(**r) for r in reqs]))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_cli(sys.argv))


# ---------------------------------------------------------------------------
# assertions shared by the tests
# ---------------------------------------------------------------------------


def check_groups_by_version(t, tg, exp, label=""):
    """Assert tg["groups_by_version"] against EXP:
        {version: {"groups": [...], "server_order": True|False|None,
                   "chains": [[...], ...]}}
    groups: the exact set; when server_order is True the reported list must
    keep the order of each chain (default: the whole list; give several
    chains when the relative order of two kinds - EC and FFDHE groups, picked
    in different handshakes - is not defined). A version absent from EXP
    must be absent from the object."""
    pre = label + ": " if label else ""
    gbv = tg.get("groups_by_version")
    if not t.check("%sgroups_by_version is an object" % pre, isinstance(gbv, dict),
                   "got %s" % h._fmt(gbv)):
        return
    t.set_eq("%sgroups_by_version: the versions that negotiate groups" % pre,
             sorted(exp), sorted(gbv))
    for v in sorted(exp):
        e, o = exp[v], gbv.get(v)
        if not t.check("%sgroups_by_version.%s is an object" % (pre, v), isinstance(o, dict),
                       "got %s" % h._fmt(o)):
            continue
        got = o.get("groups")
        t.set_eq("%sgroups_by_version.%s.groups" % (pre, v), e["groups"], got)
        t.eq("%sgroups_by_version.%s.server_order" % (pre, v), e["server_order"],
             o.get("server_order"))
        if e["server_order"] is True and isinstance(got, list):
            for chain in e.get("chains") or [e["groups"]]:
                if len(chain) > 1:
                    t.list_eq("%sgroups_by_version.%s.groups in server order (%s)" % (
                        pre, v, ", ".join(chain)), chain, [g for g in got if g in chain])


def check_sigschemes_by_version(t, tg, exp, label=""):
    """Assert tg["signature_schemes_by_version"] == EXP ({"TLSv1.2": [...],
    "TLSv1.3": [...]}) as sets per version (no order is defined); a version
    without schemes may be reported as [] or left out. Also: the union
    `signature_schemes` is the union of the two."""
    pre = label + ": " if label else ""
    sbv = tg.get("signature_schemes_by_version")
    if not t.check("%ssignature_schemes_by_version is an object" % pre, isinstance(sbv, dict),
                   "got %s" % h._fmt(sbv)):
        return
    t.check("%ssignature_schemes_by_version has only TLSv1.2/TLSv1.3 keys" % pre,
            set(sbv) <= {"TLSv1.2", "TLSv1.3"}, "got keys %s" % sorted(sbv))
    for v in ("TLSv1.2", "TLSv1.3"):
        want = exp.get(v, [])
        got = sbv.get(v, [] if not want else None)
        t.set_eq("%ssignature_schemes_by_version.%s" % (pre, v), want, got)
    union = sorted(set(exp.get("TLSv1.2", [])) | set(exp.get("TLSv1.3", [])))
    t.set_eq("%ssignature_schemes (union of both versions)" % pre, union,
             tg.get("signature_schemes"))


# What OpenSSL 3.0 signs with, for an rsaEncryption key (derivation, checked
# against each live server by the tests with the probes above):
#   TLS 1.2: its default list (ssl/t1_lib.c tls12_sigalgs) has, for RSA keys,
#     rsa_pss_rsae_sha256/384/512 (rsa_pss_pss_* need an RSA-PSS key),
#     rsa_pkcs1_sha256/384/512, rsa_pkcs1_sha224 (0x0301, "rsa_sha224") and
#     rsa_pkcs1_sha1; SHA-1 signatures count as 64 bits and are refused from
#     security level 1 up (Debian's openssl.cnf: @SECLEVEL=2; SHA-224 = 112
#     bits passes level 2); "@SECLEVEL=0" lets SHA-1 back in. No MD5 scheme
#     is in the list at all.
#   TLS 1.3: RSA PKCS#1 v1.5 and SHA-1/SHA-224 are not allowed (RFC 8446
#     4.2.3): rsa_pss_rsae_sha256/384/512.
OPENSSL_RSA_TLS12 = ["rsa_sha224", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512",
                     "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"]
OPENSSL_RSA_TLS12_SECLEVEL0 = ["rsa_pkcs1_sha1"] + OPENSSL_RSA_TLS12
OPENSSL_RSA_TLS13 = ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"]


def verify_sigschemes(port, exp, suites12, host="127.0.0.1", ns=None, groups=None, tls13=True):
    """Problems (list of strings) when the live server's TLS 1.2 / 1.3
    schemes differ from EXP ({"TLSv1.2": [...], "TLSv1.3": [...]}).
    SUITES12: signed-SKE suites the server accepts in TLS 1.2 (ignored when
    EXP has no TLS 1.2 schemes: then a TLS 1.2 hello must not be answered
    with a signed SKE). tls13=False: the caller has verified that TLS 1.3
    is not offered at all (no TLS 1.3 scheme then), skip the s_client runs."""
    bad = []
    if exp.get("TLSv1.2") or suites12:
        got, b = tls12_sigschemes(port, suites12, host=host, ns=ns,
                                  **({"groups": groups} if groups else {}))
        bad += b
        if sorted(got) != sorted(exp.get("TLSv1.2", [])):
            bad.append("TLS 1.2 schemes (raw hellos, one scheme each): %s, expected %s" % (
                got, exp.get("TLSv1.2", [])))
    if not tls13:
        if exp.get("TLSv1.3"):
            bad.append("TLS 1.3 schemes expected from a server without TLS 1.3")
        return bad
    got, b = tls13_sigschemes(port, host=host, ns=ns)
    bad += b
    if sorted(got) != sorted(exp.get("TLSv1.3", [])):
        bad.append("TLS 1.3 schemes (s_client -tls1_3 -sigalgs X): %s, expected %s" % (
            got, exp.get("TLSv1.3", [])))
    return bad
