#!/usr/bin/env python3
"""Write the seed corpora in tests/fuzz/corpus/<target>/.

Seeds are the captured server flights in tests/vectors/ (whole, or the one
message a target parses, in that target's input format) plus hand-made
edge cases: truncations, overlong lengths, duplicates, caps.  The files are
checked in; run this again after adding vectors.  Existing seeds with other
names (for instance crash reproducers added by hand) are left alone.

Input formats (see each fuzz_*.c):
  record, handshake, ssl2   a byte stream as read from a socket
  server_hello              a ServerHello body
  ske                       selector byte (kx | auth << 5 | tls12 << 7), body
  certificate               layout byte (bit 0: TLS 1.3), body
  target                    text
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
CORPUS = os.path.join(HERE, "corpus")

# enum ta_kx and enum ta_auth values (src/wire/registry.h)
KX = {"RSA": 1, "RSA_EXPORT": 2, "DHE": 4, "DH_ANON": 5, "ECDHE": 7, "ECDH_ANON": 8,
      "PSK": 9, "DHE_PSK": 10, "RSA_PSK": 11, "ECDHE_PSK": 12, "SRP": 13}
AUTH = {"NULL": 0, "RSA": 1, "DSS": 2, "ECDSA": 3}
# suites of the captured vectors: (kx, auth)
SUITES = {0xC02F: ("ECDHE", "RSA"), 0xC030: ("ECDHE", "RSA"), 0x009E: ("DHE", "RSA"),
          0xC02B: ("ECDHE", "ECDSA"), 0xC013: ("ECDHE", "RSA"), 0x0033: ("DHE", "RSA")}

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def u16(v):
    return struct.pack("!H", v)


def vec(n, b):
    return len(b).to_bytes(n, "big") + b


def record(typ, body, version=0x0303):
    return bytes([typ]) + u16(version) + vec(2, body)


def hs_msg(typ, body):
    return bytes([typ]) + vec(3, body)


def records(data):
    off = 0
    while off + 5 <= len(data):
        typ, ver, n = struct.unpack("!BHH", data[off:off + 5])
        yield typ, ver, data[off + 5:off + 5 + n]
        off += 5 + n


def messages(data):
    """Handshake messages (type, body) before the first non-handshake record."""
    hs = b""
    for typ, _, body in records(data):
        if typ != 22:
            break
        hs += body
    off = 0
    while off + 4 <= len(hs):
        n = int.from_bytes(hs[off + 1:off + 4], "big")
        yield hs[off], hs[off + 4:off + 4 + n]
        off += 4 + n


def server_hello(version=0x0303, random=bytes(range(32)), sid=b"", suite=0xC02F, exts=None):
    b = u16(version) + random + vec(1, sid) + u16(suite) + b"\x00"
    if exts is not None:
        b += vec(2, exts)
    return b


def ext(typ, body):
    return u16(typ) + vec(2, body)


def ssl2_server_hello(cert=b"\x30\x03\x02\x01\x00", kinds=(0x010080, 0x0700C0),
                      cid=bytes(16), hit=0, extra=b""):
    specs = b"".join(k.to_bytes(3, "big") for k in kinds)
    msg = (bytes([4, hit, 1]) + u16(0x0002) + u16(len(cert)) + u16(len(specs)) +
           u16(len(cid)) + cert + specs + cid + extra)
    return bytes([0x80 | (len(msg) >> 8), len(msg) & 0xFF]) + msg


def load_vectors():
    out = {}
    for name in sorted(os.listdir(VECTORS)):
        if name.endswith(".bin"):
            with open(os.path.join(VECTORS, name), "rb") as f:
                out[name[:-4]] = f.read()
    return out


def seeds_record(v):
    s = {"vec_" + k: d for k, d in v.items()}
    first = v["openssl_tls12_ecdhe_rsa"]
    n = 5 + struct.unpack("!H", first[3:5])[0]
    s.update({
        "empty": b"",
        "header_3_bytes": first[:3],
        "header_only": first[:5],
        "first_record_short_1": first[:n - 1],
        "first_record": first[:n],
        "alert": record(21, b"\x02\x28"),
        "alert_3_bytes": record(21, b"\x02\x28\x00"),
        "alert_1_byte": record(21, b"\x02"),
        "two_alerts": record(21, b"\x01\x00") + record(21, b"\x02\x28"),
        "empty_record": record(22, b""),
        "max_length_incomplete": b"\x17\x03\x03\x48\x00" + bytes(100),
        "over_max_length": b"\x17\x03\x03\x48\x01" + bytes(10),
        "ssl3_record": record(22, hs_msg(14, b""), 0x0300),
        "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "sslv2": ssl2_server_hello(),
        "two_messages_one_record": record(22, hs_msg(2, b"\x03\x03") + hs_msg(14, b"")),
        "message_split": record(22, hs_msg(11, bytes(10))[:6]) +
                         record(22, hs_msg(11, bytes(10))[6:]),
        "handshake_header_huge": record(22, b"\x0b\xff\xff\xff"),
        "heartbeat": record(24, b"\x01\x40\x00" + bytes(16)),
    })
    return s


def seeds_server_hello(v):
    s = {}
    for k, d in v.items():
        for typ, body in messages(d):
            if typ == 2:
                s["vec_" + k] = body
    s.update({
        "ssl3_no_extensions": server_hello(0x0300, suite=0x000A),
        "empty_extensions": server_hello(exts=b""),
        "tls12_all_known": server_hello(sid=bytes(32), exts=(
            ext(0xFF01, b"\x00") + ext(23, b"") + ext(22, b"") + ext(35, b"") +
            ext(5, b"") + ext(15, b"\x01") + ext(16, vec(2, vec(1, b"h2"))) +
            ext(28, u16(0x4000)) + ext(11, b"\x01\x00"))),
        "tls13": server_hello(sid=bytes(32), suite=0x1301, exts=(
            ext(43, u16(0x0304)) + ext(51, u16(0x001D) + vec(2, bytes(32))))),
        "hrr_cookie": server_hello(random=HRR_RANDOM, suite=0x1302, exts=(
            ext(43, u16(0x0304)) + ext(51, u16(0x0017)) + ext(44, vec(2, b"cookie")))),
        "hrr_key_share_with_key": server_hello(random=HRR_RANDOM, suite=0x1301, exts=(
            ext(51, u16(0x001D) + vec(2, b"k")))),
        "downgrade_12": server_hello(random=bytes(24) + b"DOWNGRD\x01"),
        "downgrade_11": server_hello(0x0302, random=bytes(24) + b"DOWNGRD\x00"),
        "duplicate_ems": server_hello(exts=ext(23, b"") + ext(23, b"")),
        "many_unknown": server_hello(exts=b"".join(ext(0x7000 + i, b"") for i in range(40))),
        "alpn_two": server_hello(exts=ext(16, vec(2, vec(1, b"h2") + vec(1, b"h3")))),
        "npn": server_hello(exts=ext(13172, vec(1, b"h2") + vec(1, b"spdy/3"))),
        "sid_33": server_hello(sid=bytes(33)),
        "ext_overrun": server_hello(exts=u16(23) + u16(9)),
        "trailing_byte": server_hello(exts=b"") + b"\x00",
        "truncated_random": server_hello()[:20],
        "sv_3_bytes": server_hello(exts=ext(43, b"\x03\x04\x00")),
    })
    return s


def ske_selector(kx, auth, tls12):
    return bytes([KX[kx] | AUTH[auth] << 5 | (0x80 if tls12 else 0)])


def seeds_ske(v):
    s = {}
    for k, d in v.items():
        suite = version = None
        for typ, body in messages(d):
            if typ == 2:
                version = struct.unpack("!H", body[0:2])[0]
                sid = body[34]
                suite = struct.unpack("!H", body[35 + sid:37 + sid])[0]
            if typ == 12 and suite in SUITES:
                kx, auth = SUITES[suite]
                s["vec_" + k] = ske_selector(kx, auth, version >= 0x0303) + body
    dh = vec(2, b"\xff" * 8) + vec(2, b"\x02") + vec(2, b"\x11" * 8)
    ec = b"\x03" + u16(0x001D) + vec(1, bytes(32))
    sig12, sig10 = u16(0x0804) + vec(2, bytes(16)), vec(2, bytes(16))
    s.update({
        "dhe_tls12": ske_selector("DHE", "RSA", True) + dh + sig12,
        "dhe_tls10": ske_selector("DHE", "RSA", False) + dh + sig10,
        "dhe_dss": ske_selector("DHE", "DSS", False) + dh + sig10,
        "ecdhe_tls12": ske_selector("ECDHE", "ECDSA", True) + ec + u16(0x0403) + vec(2, b"0"),
        "ecdhe_tls10": ske_selector("ECDHE", "RSA", False) + ec + sig10,
        "ecdhe_explicit": ske_selector("ECDHE", "RSA", True) + b"\x01" + bytes(20),
        "dh_anon": ske_selector("DH_ANON", "NULL", True) + dh,
        "ecdh_anon": ske_selector("ECDH_ANON", "NULL", True) + ec,
        "psk_hint": ske_selector("PSK", "NULL", True) + vec(2, b"hint"),
        "dhe_psk": ske_selector("DHE_PSK", "NULL", True) + vec(2, b"") + dh,
        "ecdhe_psk": ske_selector("ECDHE_PSK", "NULL", True) + vec(2, b"id") + ec,
        "rsa_psk": ske_selector("RSA_PSK", "NULL", True) + vec(2, b"id"),
        "rsa_export": ske_selector("RSA_EXPORT", "RSA", False) + vec(2, b"\xc3" * 64) +
                      vec(2, b"\x01\x00\x01") + sig10,
        "srp": ske_selector("SRP", "RSA", True) + vec(2, b"\x07" * 8) + vec(2, b"\x02") +
               vec(1, b"salt") + vec(2, b"\x09" * 8) + sig12,
        "dhe_sig_truncated": ske_selector("DHE", "RSA", True) + dh + sig12[:-3],
        "dhe_trailing": ske_selector("DHE", "RSA", False) + dh + sig10 + b"\x00",
        "ecdhe_point_overrun": ske_selector("ECDHE", "RSA", True) + b"\x03\x00\x17\x41\x04",
        "selector_only": ske_selector("ECDHE", "RSA", True),
    })
    return s


def cert_entry13(der, exts=b""):
    return vec(3, der) + vec(2, exts)


def seeds_certificate(v):
    s = {}
    for k, d in v.items():
        for typ, body in messages(d):
            if typ == 11:
                s["vec_" + k] = b"\x00" + body
                s["vec_as_tls13_" + k] = b"\x01" + body
    der = b"\x30\x03\x02\x01\x01"
    s.update({
        "tls12_empty": b"\x00" + vec(3, b""),
        "tls12_two": b"\x00" + vec(3, vec(3, der) + vec(3, der)),
        "tls12_17": b"\x00" + vec(3, vec(3, der) * 17),
        "tls12_trailing": b"\x00" + vec(3, vec(3, der)) + b"\x00",
        "tls12_cert_overrun": b"\x00" + vec(3, b"\x00\x00\x09" + der),
        "tls13_two": b"\x01" + vec(1, b"") + vec(3, cert_entry13(der) +
                                                  cert_entry13(der, ext(5, b"ocsp"))),
        "tls13_context": b"\x01" + vec(1, b"ctx") + vec(3, cert_entry13(der)),
        "tls13_17": b"\x01" + vec(1, b"") + vec(3, cert_entry13(der) * 17),
        "tls13_no_ext_len": b"\x01" + vec(1, b"") + vec(3, vec(3, der)),
        "tls13_empty": b"\x01" + vec(1, b"") + vec(3, b""),
        "layout_only": b"\x01",
    })
    return s


def seeds_ssl2(v):
    return {
        "server_hello": ssl2_server_hello(),
        "server_hello_hit": ssl2_server_hello(hit=1, cert=b"", kinds=()),
        "server_hello_70_kinds": ssl2_server_hello(kinds=range(0x010000, 0x010000 + 70)),
        "server_hello_all_kinds": ssl2_server_hello(kinds=(
            0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700C0, 0x080080)),
        "two_records": ssl2_server_hello() + ssl2_server_hello(hit=1),
        "error": b"\x80\x03\x00\x00\x01",
        "incomplete": ssl2_server_hello()[:10],
        "header_only": b"\x80\x20",
        "three_byte_header": b"\x00\x05\x00\x04\x00\x01\x00\x02",
        "specs_not_multiple_of_3": b"\x80\x0d\x04\x00\x01\x00\x02\x00\x00\x00\x02\x00\x00"
                                   b"\x01\x00",
        "cert_overrun": b"\x80\x0c\x04\x00\x01\x00\x02\x00\x05\x00\x00\x00\x00\x30",
        "trailing_in_message": ssl2_server_hello(extra=b"\x99"),
        "max_length_header": b"\xff\xff\x04" + bytes(64),
        "tls_alert": v["openssl_alert_handshake_failure"],
        "tls_server_hello": v["openssl_tls12_ecdhe_rsa"][:200],
        "empty": b"",
    }


def refragment(data, size):
    """The same handshake bytes in records of at most size bytes."""
    hs, rest = b"", b""
    for typ, ver, body in records(data):
        if typ == 22 and not rest:
            hs += body
        else:
            rest += record(typ, body, ver)
    return b"".join(record(22, hs[i:i + size]) for i in range(0, len(hs), size)) + rest


def seeds_handshake(v):
    s = {"vec_" + k: d for k, d in v.items()}
    for k in ("openssl_tls12_ecdhe_rsa", "openssl_tls12_dhe_rsa", "openssl_tls13_hrr_cookie",
              "gnutls_tls12_ecdhe_rsa"):
        s["frag7_" + k] = refragment(v[k], 7)
        s["frag300_" + k] = refragment(v[k], 300)
        s["one_record_" + k] = refragment(v[k], 16384)
    ecdhe = v["openssl_tls12_ecdhe_rsa"]
    s.update({
        "truncated_flight": ecdhe[:700],
        "header_split": record(22, hs_msg(14, b"")[:2]) + record(22, hs_msg(14, b"")[2:]),
        "unknown_suite_ske": record(22, hs_msg(2, server_hello(suite=0xFEFE, exts=b"")) +
                                    hs_msg(12, b"\x03\x00\x17\x01\x04")),
        "ske_before_sh": record(22, hs_msg(12, b"\x03\x00\x17\x01\x04")),
        "two_server_hellos": record(22, hs_msg(2, server_hello(exts=b"")) * 2),
        "tls13_certificate": record(22, hs_msg(2, server_hello(suite=0x1301, exts=ext(
            43, u16(0x0304)))) + hs_msg(11, b"\x00" + vec(3, vec(3, b"\x30\x00") + u16(0)))),
        "huge_message_announced": record(22, b"\x0b\xff\xff\xff" + bytes(32)),
        "alert_mid_flight": record(22, hs_msg(2, server_hello(exts=b""))) +
                            record(21, b"\x02\x28") + record(22, hs_msg(14, b"")),
    })
    return s


def seeds_target(v):
    names = [
        "host", "host:443", "example.com:8443", "example.com.", "[::1]:8443", "[::1]", "::1",
        "2001:db8::1", "[2001:db8::1]:65535", "::ffff:1.2.3.4", "1.2.3.4", "1.2.3.4:1",
        "1.2.3.4:0", "host:99999", "host:65536", "host:", "host:-1", "host: 443", "host:+443",
        "bad host!", "a..b", ".example", "1::2::3", "[::1", "[::1]x", "[]:443", ":443", "",
        "bad\nhost", "[host.example]:443", "under_score.example:1",
        "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 61,
        "x" * 300, "y" * 290 + ".com:443", "[" + "f" * 300 + "]:1", "host:443\x00junk",
    ]
    return {"t%02d" % i: n.encode() for i, n in enumerate(names)}


TARGETS = {
    "record": seeds_record,
    "server_hello": seeds_server_hello,
    "ske": seeds_ske,
    "certificate": seeds_certificate,
    "ssl2": seeds_ssl2,
    "handshake": seeds_handshake,
    "target": seeds_target,
}


def main():
    v = load_vectors()
    for target, fn in TARGETS.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        seeds = fn(v)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%-14s %3d seeds, %6d bytes" % (target, len(seeds),
                                              sum(len(x) for x in seeds.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
