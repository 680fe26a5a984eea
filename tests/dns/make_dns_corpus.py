#!/usr/bin/env python3
"""Write the seed corpus of the DNS fuzz target (tests/fuzz/corpus/dns/).

Each seed is one DNS response message as a resolver would send it, built
here byte by byte: valid answers of every type src/wire/dnsrr.c parses
(with the name compression real servers use) and broken ones (pointer
loops, forward pointers, overlong names, truncated RDATA, counts that lie,
CNAME loops).  Two seeds are plain names, for the query-building half of the
target.  Run it again after changing it; the files are checked in.

    python3 tests/dns/make_dns_corpus.py [OUTDIR]
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fuzz", "corpus", "dns")

A, NS, CNAME, MX, TXT, AAAA, TLSA, CAA = 1, 2, 5, 15, 16, 28, 52, 257
QR, AA, TC, RD, RA, AD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020


def name(n):
    if n in ("", "."):
        return b"\0"
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".")) + b"\0"


def labels(n):
    return name(n)[:-1]


def ptr(off):
    return struct.pack(">H", 0xc000 | off)


def msg(qname, qtype, answers, flags=QR | RD | RA, an=None, qd=1, tail=b""):
    body = b"".join(answers)
    hdr = struct.pack(">HHHHHH", 0x4242, flags, qd, len(answers) if an is None else an, 0, 0)
    return hdr + name(qname) + struct.pack(">HH", qtype, 1) + body + tail


def rr(owner, typ, rdata, ttl=300, rdlen=None):
    return owner + struct.pack(">HHIH", typ, 1, ttl, len(rdata) if rdlen is None else rdlen) + rdata


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def seeds():
    q = ptr(12)  # the question's name
    s = {}
    s["a_two"] = msg("www.example.test", A, [rr(q, A, bytes([192, 0, 2, 1])),
                                             rr(q, A, bytes([192, 0, 2, 2]))])
    s["a_ad"] = msg("www.example.test", A, [rr(q, A, bytes([192, 0, 2, 1]))],
                    flags=QR | RD | RA | AD)
    s["aaaa"] = msg("www.example.test", AAAA,
                    [rr(q, AAAA, bytes.fromhex("20010db8000000000000000000000001"))])
    # MX: exchanges compressed against the question ("example.test" at 12)
    s["mx_three"] = msg("example.test", MX, [
        rr(q, MX, struct.pack(">H", 10) + labels("mx1") + ptr(12)),
        rr(q, MX, struct.pack(">H", 20) + labels("mx2") + ptr(12)),
        rr(q, MX, struct.pack(">H", 30) + name("mx.other.test"))])
    s["mx_null"] = msg("example.test", MX, [rr(q, MX, struct.pack(">H", 0) + b"\0")])
    s["txt_sts"] = msg("_mta-sts.example.test", TXT,
                       [rr(q, TXT, txt(b"v=STSv1; ", b"id=20240101T000000;"))])
    s["txt_tlsrpt"] = msg("_smtp._tls.example.test", TXT,
                          [rr(q, TXT, txt(b"v=TLSRPTv1; rua=mailto:tlsrpt@example.test"))])
    s["txt_bytes"] = msg("x.example.test", TXT, [rr(q, TXT, txt(b"a\x00\x07\\\xff\"", b""))])
    s["caa_set"] = msg("example.test", CAA, [
        rr(q, CAA, b"\x00\x05issue" + b"ca.example.net; account=1"),
        rr(q, CAA, b"\x00\x09issuewild" + b";"),
        rr(q, CAA, b"\x00\x05iodef" + b"mailto:security@example.test"),
        rr(q, CAA, b"\x80\x03tbs" + b"Unknown")])
    s["tlsa_311"] = msg("_25._tcp.mx1.example.test", TLSA,
                        [rr(q, TLSA, b"\x03\x01\x01" + bytes(range(32)))])
    s["tlsa_two"] = msg("_25._tcp.mx1.example.test", TLSA,
                        [rr(q, TLSA, b"\x02\x00\x01" + bytes(range(32))),
                         rr(q, TLSA, b"\x03\x01\x02" + bytes(range(64)))])
    # www -> web -> host, the A record at the end; the second CNAME's owner
    # points into the first one's RDATA
    first = 12 + len(name("www.example.test")) + 4  # the first answer's owner
    web_at = first + 2 + 10  # its RDATA: "web" + pointer to "example.test"
    s["cname_chain"] = msg("www.example.test", A, [
        rr(q, CNAME, labels("web") + ptr(16)),
        rr(ptr(web_at), CNAME, labels("host") + ptr(16)),
        rr(labels("host") + ptr(16), A, bytes([192, 0, 2, 80]))])
    s["nxdomain"] = msg("nx.example.test", A, [], flags=QR | RD | RA | AA | 3)
    s["servfail"] = msg("x.example.test", A, [], flags=QR | RD | RA | 2)
    s["truncated_tc"] = msg("big.example.test", TXT, [], flags=QR | RD | RA | TC)
    s["ns_ptr"] = msg("example.test", NS, [rr(q, NS, labels("ns1") + ptr(12))])

    # broken
    hdr_q = 12 + len(name("x.example.test")) + 4
    s["bad_ptr_self"] = msg("x.example.test", A, [rr(ptr(hdr_q), A, b"\1\2\3\4")])
    s["bad_ptr_forward"] = msg("x.example.test", A, [rr(ptr(hdr_q + 2), A, b"\1\2\3\4")])
    s["bad_ptr_pair"] = msg("x.example.test", A, [], an=1,
                            tail=ptr(hdr_q + 2) + ptr(hdr_q) + struct.pack(">HHIH", 1, 1, 1, 0))
    s["bad_ptr_range"] = msg("x.example.test", A, [rr(ptr(0x3fff), A, b"\1\2\3\4")])
    s["bad_label_0x40"] = msg("x.example.test", A, [rr(b"\x41x\0", A, b"\1\2\3\4")])
    s["bad_name_long"] = msg("x.example.test", A,
                             [rr((b"\x3f" + b"a" * 63) * 4 + b"\0", A, b"\1\2\3\4")])
    s["bad_rdlen"] = msg("x.example.test", TXT, [rr(q, TXT, txt(b"hello"), rdlen=40)])
    s["bad_count"] = msg("x.example.test", A, [rr(q, A, b"\1\2\3\4")], an=3)
    s["bad_qdcount"] = msg("x.example.test", A, [], qd=2)
    s["bad_a_len"] = msg("x.example.test", A, [rr(q, A, b"\1\2\3\4\5")])
    s["bad_txt_overrun"] = msg("x.example.test", TXT, [rr(q, TXT, b"\x09abc")])
    s["bad_caa_tag0"] = msg("example.test", CAA, [rr(q, CAA, b"\x00\x00value")])
    s["bad_tlsa_short"] = msg("_25._tcp.x.example.test", TLSA, [rr(q, TLSA, b"\x03\x01")])
    s["bad_mx_short"] = msg("example.test", MX, [rr(q, MX, b"\x00")])
    s["bad_cname_loop"] = msg("a.test", A, [rr(q, CNAME, name("b.test")),
                                            rr(name("b.test"), CNAME, ptr(12))])
    s["bad_cut_header"] = msg("x.example.test", A, [])[:7]
    s["name_plain"] = b"_25._tcp.mx1.example.test."
    s["name_bad"] = b"a..b\\c\xff"
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    os.makedirs(out, exist_ok=True)
    for k, v in sorted(seeds().items()):
        with open(os.path.join(out, k), "wb") as f:
            f.write(v)
    print("wrote %d seeds to %s" % (len(seeds()), out))


if __name__ == "__main__":
    main()
