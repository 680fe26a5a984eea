#!/usr/bin/env python3
"""DNS through c-ares on the event loop (src/net/dns.c) against real servers.

Servers, all on loopback, started and stopped by this test:
  * NSD (tests/integration/dns_server.py) on 127.0.0.1 and ::1, a free port,
    serving tlsaudit.test, example.test and test, whose zone files are
    written here from the RECORDS table below;
  * a small UDP responder in this process ("fake resolver") that records
    the queries it gets and answers with the AD bit, SERVFAIL, or hostile
    bytes, depending on the name asked;
  * a UDP socket that never answers, and a port where nothing listens.

Every expectation comes from the zone data (or from what the responder was
told to send), never from a hard-coded answer:
  * A, AAAA, MX (three preferences, one outside the zone), the null MX of
    example.test, TXT (multi-string MTA-STS and TLS-RPT records, 1250 bytes
    that need TCP, bytes that must be escaped), CAA (issue, issuewild,
    iodef, a critical unknown tag), TLSA (one and two records, 2100 bytes of
    data cut at 2048), CNAME chains, 70 A records cut at 64, NXDOMAIN,
    NODATA, REFUSED (a zone NSD does not serve);
  * the CAA climb: from deep.sub.tlsaudit.test up to the apex, from a name
    whose CNAME target has CAA, from example.test to the TLD with nothing,
    and a refused lookup that stops the climb with an error;
  * resolve(): A and AAAA together, per family, literals, NXDOMAIN;
  * the same through [::1]:PORT, and through a list whose first resolver
    refuses (failover);
  * the AD bit: NSD (unsigned zones) never sets it; the fake resolver sets it
    and it must come through; every query carries RD, AD and EDNS0 (1232);
  * hostile answers: a compression loop, a wrong RDLENGTH -> badresp;
  * no answer: a silent resolver times out within timeout * (1 + 2) plus
    slack; a closed port fails fast with a clear error;
  * --resolver parsing errors (one line each);
  * ta_dns_free() with lookups pending, before the loop and from within a
    callback: no other callback, no crash (ASan build: no leak).
"""

import hashlib
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as h  # noqa: E402
import dns_server  # noqa: E402

ZONE = "tlsaudit.test"
OTHER = "example.test"
TTL = 300


def sha(data, n=256):
    return (hashlib.sha256 if n == 256 else hashlib.sha512)(data).digest()


BIG_TLSA = bytes((i * 37 + 11) & 0xff for i in range(2100))
BIG_TXT = [bytes([ord("a") + i]) * 250 for i in range(5)]

# (owner, type, value) for tlsaudit.test; owners relative to the zone, "@"
# for the apex.  Values: A/AAAA: address text; MX: (preference, exchange);
# TXT: list of byte strings; CAA: (flags, tag, value); TLSA: (usage,
# selector, mtype, data bytes); CNAME: target.
RECORDS = [
    ("@", "A", "192.0.2.10"),
    ("@", "AAAA", "2001:db8::10"),
    ("@", "MX", (10, "mx1.tlsaudit.test")),
    ("@", "MX", (20, "mx2.tlsaudit.test")),
    ("@", "MX", (30, "mx3.example.test")),
    ("@", "CAA", (0, "issue", "ca.example.net; account=230123")),
    ("@", "CAA", (0, "issuewild", ";")),
    ("@", "CAA", (0, "iodef", "mailto:security@tlsaudit.test")),
    ("@", "CAA", (128, "tbs", "Unknown")),
    ("mx1", "A", "192.0.2.25"),
    ("mx1", "AAAA", "2001:db8::25"),
    ("mx2", "A", "192.0.2.26"),
    ("_mta-sts", "TXT", [b"v=STSv1; ", b"id=20240101T000000;"]),
    ("_smtp._tls", "TXT", [b"v=TLSRPTv1; ", b"rua=mailto:tlsrpt@tlsaudit.test"]),
    ("bell", "TXT", [b"ring\x07 the \"bell\" \\ now\xff"]),
    ("big", "TXT", BIG_TXT),
    ("_25._tcp.mx1", "TLSA", (3, 1, 1, sha(b"mx1 public key"))),
    ("_25._tcp.mx2", "TLSA", (2, 0, 1, sha(b"mx2 trust anchor"))),
    ("_25._tcp.mx2", "TLSA", (3, 1, 2, sha(b"mx2 public key", 512))),
    ("_443._tcp.big", "TLSA", (3, 0, 0, BIG_TLSA)),
    ("www", "CNAME", "web.tlsaudit.test"),
    ("web", "CNAME", "host.tlsaudit.test"),
    ("host", "A", "192.0.2.80"),
    ("host", "AAAA", "2001:db8::80"),
    ("deep.sub", "A", "192.0.2.77"),
    ("ca-alias", "CNAME", "caa-target.tlsaudit.test"),
    ("caa-target", "CAA", (0, "issue", "aliased-ca.test")),
] + [("many", "A", "192.0.2.%d" % (i + 100)) for i in range(70)]

OTHER_RECORDS = [
    ("@", "A", "192.0.2.50"),
    ("@", "MX", (0, ".")),
    ("www", "A", "192.0.2.51"),
    ("mx3", "A", "192.0.2.53"),
]


def fqdn(owner, zone):
    return zone if owner == "@" else "%s.%s" % (owner, zone)


def zone_quote(b):
    out = '"'
    for c in b:
        if c in (0x22, 0x5c):
            out += "\\" + chr(c)
        elif 0x20 <= c <= 0x7e:
            out += chr(c)
        else:
            out += "\\%03d" % c
    return out + '"'


def render(records):
    lines = []
    for owner, typ, v in records:
        if typ in ("A", "AAAA"):
            rd = v
        elif typ == "MX":
            rd = "%d %s" % (v[0], v[1] if v[1] == "." else v[1] + ".")
        elif typ == "TXT":
            rd = " ".join(zone_quote(s) for s in v)
        elif typ == "CAA":
            rd = "%d %s %s" % (v[0], v[1], zone_quote(v[2].encode()))
        elif typ == "TLSA":
            rd = "%d %d %d %s" % (v[0], v[1], v[2], v[3].hex())
        elif typ == "CNAME":
            rd = v + "."
        else:
            raise ValueError(typ)
        lines.append("%s IN %s %s" % (owner, typ, rd))
    return "\n".join(lines) + "\n"


def escape(b):
    """What the module shows for bytes (ta_dns_escape)."""
    out = ""
    for c in b:
        if c == 0x5c:
            out += "\\\\"
        elif 0x20 <= c <= 0x7e:
            out += chr(c)
        else:
            out += "\\%03d" % c
    return out


def expected_record(typ, v):
    """A record as dns_probe prints it, TTL included, from the zone data."""
    if typ in ("A", "AAAA"):
        return {"ttl": TTL, "addr": ipaddress.ip_address(v).compressed,
                "family": 4 if typ == "A" else 6}
    if typ == "MX":
        return {"ttl": TTL, "preference": v[0], "exchange": v[1], "host": v[1] != "."}
    if typ == "TXT":
        raw = b"".join(v)
        text = escape(raw)
        return {"ttl": TTL, "text": text[:4095], "nstrings": len(v), "rawlen": len(raw),
                "clean": text == raw.decode("latin-1"), "cut": len(text) > 4095}
    if typ == "CAA":
        return {"ttl": TTL, "flags": v[0], "critical": bool(v[0] & 128), "tag": v[1],
                "value": escape(v[2].encode()), "clean": escape(v[2].encode()) == v[2],
                "cut": False}
    if typ == "TLSA":
        kept = v[3][:2048]
        return {"ttl": TTL, "usage": v[0], "selector": v[1], "mtype": v[2], "data": kept.hex(),
                "len": len(kept), "rawlen": len(v[3]), "cut": len(v[3]) > 2048}
    if typ == "CNAME":
        return {"ttl": TTL, "target": v, "host": True}
    raise ValueError(typ)


class Zones:
    """Lookups in the zone data, as an authoritative server answers them."""

    def __init__(self):
        self.rr = {}
        for zone, recs in ((ZONE, RECORDS), (OTHER, OTHER_RECORDS)):
            for owner, typ, v in recs:
                self.rr.setdefault((fqdn(owner, zone), typ), []).append(v)
        self.names = {n for n, _ in self.rr}
        for n in list(self.names):  # empty non-terminals exist too
            parts = n.split(".")
            for i in range(1, len(parts) - 1):
                self.names.add(".".join(parts[i:]))
        self.names.add("test")

    def answer(self, name, typ):
        """(status, canonical name, cnames followed, [values])."""
        hops = 0
        while typ != "CNAME" and (name, "CNAME") in self.rr and hops < 8:
            name = self.rr[(name, "CNAME")][0]
            hops += 1
        if (name, typ) in self.rr:
            return "ok", name, hops, self.rr[(name, typ)]
        return ("nodata" if name in self.names else "nxdomain"), name, hops, []

    def caa(self, host):
        """RFC 8659 section 3: (domain, [values]) of the relevant CAA set."""
        name = host
        while True:
            st, _, _, vals = self.answer(name, "CAA")
            if vals:
                return name, vals
            if "." not in name:
                return "", []
            name = name.split(".", 1)[1]


def probe(args, timeout=120, expect_rc=0):
    exe = os.environ.get("DNS_PROBE")
    if not exe or not os.access(exe, os.X_OK):
        raise h.SetupError("DNS_PROBE must name the dns_probe binary (ctest sets it)")
    argv = [exe] + [str(a) for a in args]
    h.log("running: " + " ".join(argv))
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise h.SetupError("dns_probe did not finish within %ds" % timeout)
    out = cp.stdout.decode(errors="replace")
    if cp.returncode != expect_rc:
        raise h.SetupError("dns_probe exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s" % (
            cp.returncode, expect_rc, out[-4000:], cp.stderr.decode(errors="replace")[-4000:]))
    try:
        return json.loads(out)
    except ValueError as e:
        raise h.SetupError("dns_probe output is not JSON (%s):\n%s" % (e, out[-4000:]))


def key(r):
    return json.dumps(r, sort_keys=True)


# ---------------------------------------------------------------------------
# a fake resolver on 127.0.0.1 (UDP): records queries, answers as told
# ---------------------------------------------------------------------------

def qname_of(msg):
    p, labels = 12, []
    while msg[p]:
        labels.append(msg[p + 1:p + 1 + msg[p]].decode())
        p += 1 + msg[p]
    return ".".join(labels), p + 1


class FakeResolver:
    """ad.fake.test A      -> 192.0.2.200 with AA clear, RA and AD set
    servfail.fake.test     -> RCODE 2
    loop.fake.test A       -> an answer whose owner is a compression loop
    badlen.fake.test A     -> an A record with RDLENGTH 5
    anything else          -> NXDOMAIN"""

    ANSWER_ADDR = "192.0.2.200"

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        h.add_cleanup(self.close)

    def close(self):
        self.stop = True
        self.sock.close()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                q, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self.reply(q), peer)
            except Exception as e:  # keep serving; the test sees the timeout
                h.log("fake resolver: %r" % (e,))

    def reply(self, q):
        name, end = qname_of(q)
        qtype, qclass = struct.unpack(">HH", q[end:end + 4])
        flags = struct.unpack(">H", q[2:4])[0]
        arcount = struct.unpack(">H", q[10:12])[0]
        opt = q[end + 4:]
        self.queries.append({"name": name, "qtype": qtype, "flags": flags, "arcount": arcount,
                             "opt": opt.hex()})
        question = q[12:end + 4]
        hdr_id = q[:2]

        def msg(rflags, answers, an):
            return hdr_id + struct.pack(">HHHHH", rflags, 1, an, 0, 0) + question + answers

        base = 0x8000 | 0x0100 | 0x0080  # QR RD RA
        if name == "ad.fake.test":
            rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + \
                socket.inet_aton(self.ANSWER_ADDR)
            return msg(base | 0x0020, rr, 1)
        if name == "servfail.fake.test":
            return msg(base | 2, b"", 0)
        if name == "loop.fake.test":
            here = 12 + len(question)
            rr = struct.pack(">H", 0xc000 | here) + struct.pack(">HHIH", 1, 1, 60, 4) + \
                b"\x01\x02\x03\x04"
            return msg(base, rr, 1)
        if name == "badlen.fake.test":
            rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 5) + b"\x01\x02\x03\x04\x05"
            return msg(base, rr, 1)
        return msg(base | 3, b"", 0)


# ---------------------------------------------------------------------------


def check_query(t, z, res, name, typ, label=None):
    label = label or "%s %s" % (typ, name)
    st, canon, hops, vals = z.answer(name, typ)
    t.eq(label + ": status", st, res.get("status"))
    # names compare without case: a server may compress a target against the
    # question's spelling
    t.eq(label + ": name after CNAMEs", canon, (res.get("canon") or "").lower())
    t.eq(label + ": CNAMEs followed", hops, res.get("cnames"))
    t.eq(label + ": AD clear (NSD, unsigned zone)", False, res.get("ad"))
    if st == "ok":
        t.eq(label + ": no error text", "", res.get("error"))
    else:
        t.check(label + ": one-line error text", res.get("error") and "\n" not in res["error"],
                repr(res.get("error")))
    if st != "ok":
        t.eq(label + ": no records", [], res.get("records"))
        return
    exp = [expected_record(typ, v) for v in vals]
    got = res.get("records") or []
    if len(exp) > 64:
        t.eq(label + ": 64 records kept of %d" % len(exp), 64, len(got))
        t.eq(label + ": marked truncated", True, res.get("truncated"))
        t.check(label + ": every record kept is in the zone",
                set(map(key, got)) <= set(map(key, exp)), json.dumps(got)[:2000])
        t.eq(label + ": no duplicates", len(got), len(set(map(key, got))))
    else:
        t.set_eq(label + ": records", [key(r) for r in exp], [key(r) for r in got])
        t.eq(label + ": not truncated", False, res.get("truncated"))
    t.eq(label + ": TC clear in the final answer", False, res.get("tc"))


def main(t):
    z = Zones()
    zones = {ZONE: render(RECORDS), OTHER: render(OTHER_RECORDS), "test": ""}
    addr, port = dns_server.start_nsd(zones, ipv6=True)
    resolver = "%s:%d" % (addr, port)

    # --- every record type, one run, all lookups at once ---------------------
    queries = [
        (ZONE, "A"), (ZONE, "AAAA"), (ZONE, "MX"), (ZONE, "CAA"), (OTHER, "MX"),
        ("mx1." + ZONE, "A"), ("mx1." + ZONE, "AAAA"),
        ("_mta-sts." + ZONE, "TXT"), ("_smtp._tls." + ZONE, "TXT"),
        ("bell." + ZONE, "TXT"), ("big." + ZONE, "TXT"),
        ("_25._tcp.mx1." + ZONE, "TLSA"), ("_25._tcp.mx2." + ZONE, "TLSA"),
        ("_443._tcp.big." + ZONE, "TLSA"),
        ("www." + ZONE, "A"), ("www." + ZONE, "AAAA"), ("www." + ZONE, "CNAME"),
        ("ca-alias." + ZONE, "CAA"), ("deep.sub." + ZONE, "CAA"), ("sub." + ZONE, "A"),
        ("many." + ZONE, "A"),
        ("nonexistent." + ZONE, "A"), ("nonexistent." + ZONE, "TXT"),
        ("mx1." + ZONE, "MX"), ("mx2." + ZONE, "TLSA"),
        ("WWW.TlsAudit.Test", "A"),
    ]
    args = ["--resolver", resolver]
    for n, ty in queries:
        args += ["query", n, ty]
    doc = probe(args)
    ops = doc["ops"]
    t.eq("one result per query", len(queries), len(ops))
    for (n, ty), res in zip(queries, ops):
        t.eq("%s %s: answered the question asked" % (ty, n), [n, ty],
             [res.get("qname"), res.get("type")])
        check_query(t, z, res, n.lower(), ty, "%s %s" % (ty, n))

    mx = {r["exchange"]: r for r in ops[2]["records"]}
    t.eq("MX: the exchange outside the zone is a valid host name", True,
         mx.get("mx3.example.test", {}).get("host"))
    t.eq("null MX of example.test: exchange '.' is not a host", [{"ttl": TTL, "preference": 0,
         "exchange": ".", "host": False}], ops[4]["records"])
    bell = ops[9]["records"][0] if ops[9]["records"] else {}
    t.check("TXT with control and 8-bit bytes: escaped, printable ASCII, marked not clean",
            bell.get("clean") is False and all(0x20 <= ord(c) <= 0x7e for c in bell.get("text", "x\x07")),
            json.dumps(bell))
    big = ops[10]["records"][0] if ops[10]["records"] else {}
    t.eq("TXT of %d bytes (over the 1232-byte UDP payload: TCP) arrived whole"
         % sum(map(len, BIG_TXT)), b"".join(BIG_TXT).decode(), big.get("text"))
    tl = ops[13]["records"][0] if ops[13]["records"] else {}
    t.eq("TLSA with 2100 bytes of data: 2048 kept, marked cut", [2048, 2100, True],
         [tl.get("len"), tl.get("rawlen"), tl.get("cut")])
    t.eq("NXDOMAIN: RCODE 3 reported", 3, ops[21].get("rcode"))
    t.eq("answers from NSD are authoritative (AA)", True, all(o.get("aa") for o in ops))

    # --- a zone NSD does not serve: REFUSED ---------------------------------
    doc = probe(["--resolver", resolver, "query", "www.example.org", "A",
                 "caa", "foo.example.org"])
    t.eq("A www.example.org (not served): refused", "refused", doc["ops"][0].get("status"))
    t.eq("CAA climb stops at a refused lookup, with the reason",
         [True, "", "CAA lookup for foo.example.org: the resolver refused the query (REFUSED)"],
         [doc["ops"][1].get("tested"), doc["ops"][1].get("caa_domain"),
          doc["ops"][1].get("error")])

    # --- the CAA climb ------------------------------------------------------
    hosts = ["deep.sub." + ZONE, "sub." + ZONE, ZONE, "mx1." + ZONE, "ca-alias." + ZONE,
             "nonexistent.deeper." + ZONE, "www." + OTHER, OTHER, "Deep.Sub.TLSAUDIT.test."]
    args = ["--resolver", resolver]
    for n in hosts:
        args += ["caa", n]
    doc = probe(args)
    for n, res in zip(hosts, doc["ops"]):
        norm = n.lower().rstrip(".")
        dom, vals = z.caa(norm)
        label = "CAA climb from %s" % n
        t.eq(label + ": tested, no error", [True, ""], [res.get("tested"), res.get("error")])
        got_dom = res.get("caa_domain", "").lower()
        t.eq(label + ": the set that applies is at %s" % (dom or "(none)"), dom, got_dom)
        t.set_eq(label + ": its records", [key({"flags": f, "tag": tg, "value": v})
                                           for f, tg, v in vals],
                 [key(r) for r in res.get("caa", [])])
        t.eq(label + ": not truncated", False, res.get("truncated"))

    # --- resolve(): A and AAAA together -------------------------------------
    cases = [("mx1." + ZONE, 0), ("mx1." + ZONE, 4), ("mx1." + ZONE, 6), ("www." + ZONE, 0),
             ("mx2." + ZONE, 6), ("nonexistent." + ZONE, 0), ("192.0.2.99", 0),
             ("2001:db8::99", 6)]
    args = ["--resolver", resolver]
    for n, fam in cases:
        args += ["resolve", n, fam, 25]
    doc = probe(args)
    for (n, fam), res in zip(cases, doc["ops"]):
        label = "resolve %s family %d" % (n, fam)
        try:
            lit = ipaddress.ip_address(n)
            exp = [(lit.version, lit.compressed)]
            st, canon = "ok", n
        except ValueError:
            exp = []
            st4, canon, _, v4 = z.answer(n, "A")
            st6, _, _, v6 = z.answer(n, "AAAA")
            if fam in (0, 4):
                exp += [(4, ipaddress.ip_address(a).compressed) for a in v4]
            if fam in (0, 6):
                exp += [(6, ipaddress.ip_address(a).compressed) for a in v6]
            sts = ([st4] if fam in (0, 4) else []) + ([st6] if fam in (0, 6) else [])
            st = "ok" if exp else ("nxdomain" if "nxdomain" in sts else "nodata")
        t.eq(label + ": status", st, res.get("status"))
        t.eq(label + ": name", canon, res.get("canon"))
        got = [[a["family"], a["addr"]] for a in res.get("addrs", [])]
        t.set_eq(label + ": addresses", [list(e) for e in exp], got)
        t.check(label + ": IPv4 first", [f for f, _ in got] == sorted(f for f, _ in got),
                json.dumps(got))
        t.check(label + ": sockaddrs say the same, port 25",
                all(a["sockaddr"] == a["addr"] and a["port"] == 25 for a in res.get("addrs", [])),
                json.dumps(res.get("addrs")))

    # --- over IPv6, and with a first resolver that refuses -------------------
    closed = h.free_port()
    for spec, label in (("[::1]:%d" % port, "resolver [::1]"),
                        ("127.0.0.1:%d,%s" % (closed, resolver), "first resolver closed")):
        doc = probe(["--timeout", 500, "--tries", 2, "--resolver", spec,
                     "query", "mx1." + ZONE, "AAAA", "caa", "deep.sub." + ZONE])
        check_query(t, z, doc["ops"][0], "mx1." + ZONE, "AAAA", "%s: AAAA mx1" % label)
        t.eq("%s: CAA climb" % label, z.caa("deep.sub." + ZONE)[0], doc["ops"][1].get("caa_domain"))

    # --- the fake resolver: AD, query bits, SERVFAIL, hostile answers --------
    fake = FakeResolver()
    fres = "127.0.0.1:%d" % fake.port
    doc = probe(["--timeout", 500, "--tries", 1, "--resolver", fres,
                 "query", "ad.fake.test", "A", "query", "servfail.fake.test", "A",
                 "query", "loop.fake.test", "A", "query", "badlen.fake.test", "A",
                 "resolve", "ad.fake.test", 4, 443])
    o = doc["ops"]
    t.eq("fake resolver set AD: reported", [True, "ok", [FakeResolver.ANSWER_ADDR]],
         [o[0].get("ad"), o[0].get("status"), [r["addr"] for r in o[0].get("records", [])]])
    t.eq("fake resolver set AD: resolve() reports it", [True, "ok"],
         [o[4].get("ad"), o[4].get("status")])
    t.eq("SERVFAIL reported as servfail", "servfail", o[1].get("status"))
    t.eq("owner name that is a compression loop: badresp", "badresp", o[2].get("status"))
    t.eq("A record with RDLENGTH 5: badresp", "badresp", o[3].get("status"))
    t.check("hostile answers: one-line printable errors",
            all(x.get("error") and "\n" not in x["error"] for x in o[1:4]),
            json.dumps([x.get("error") for x in o[1:4]]))
    qs = list(fake.queries)
    t.check("the fake resolver saw the queries", len(qs) >= 5, json.dumps(qs))
    t.check("every query has RD and AD set, CD clear",
            qs and all(q["flags"] & 0x0100 and q["flags"] & 0x0020 and not q["flags"] & 0x0010
                       and not q["flags"] & 0x8000 for q in qs), json.dumps(qs))
    t.check("every query ends with one OPT record: payload 1232, DO clear",
            qs and all(q["arcount"] == 1 and q["opt"] == "0000290" + "4d0" + "00000000" + "0000"
                       for q in qs), json.dumps(qs))

    # --- no answer ----------------------------------------------------------
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    h.add_cleanup(silent.close)
    t0 = time.time()
    doc = probe(["--timeout", 300, "--tries", 2, "--resolver",
                 "127.0.0.1:%d" % silent.getsockname()[1],
                 "query", "mx1." + ZONE, "A", "caa", "deep.sub." + ZONE,
                 "resolve", "mx1." + ZONE, 0, 25])
    took = time.time() - t0
    for res in doc["ops"]:
        label = "silent resolver, %s %s" % (res.get("op"), res.get("name"))
        st = res.get("status") or ("timeout" if "timed out" in res.get("error", "") else None)
        t.eq(label + ": timeout", "timeout", st)
        t.check(label + ": gave up after 300 + 600 ms, not much later (%d ms)" %
                res.get("elapsed_ms", -1), 850 <= res.get("elapsed_ms", -1) <= 3000)
    t.check("silent resolver: the CAA climb says why it stopped",
            "timed out" in doc["ops"][1].get("error", ""), doc["ops"][1].get("error"))
    t.check("silent resolver: whole run bounded (%.1f s)" % took, took < 10)

    closed = h.free_port()
    doc = probe(["--timeout", 300, "--tries", 2, "--resolver", "127.0.0.1:%d" % closed,
                 "query", "mx1." + ZONE, "A"])
    res = doc["ops"][0]
    t.is_in("nothing listens: clear failure", ["error", "timeout"], res.get("status"))
    t.check("nothing listens: the error says the resolver did not answer: %r" % res.get("error"),
            "resolver" in res.get("error", ""))
    t.check("nothing listens: bounded time (%d ms)" % res.get("elapsed_ms", -1),
            0 <= res.get("elapsed_ms", -1) <= 3000)

    # --- resolver parsing ---------------------------------------------------
    specs = [
        ("127.0.0.1", None), ("127.0.0.1:5353", None), ("[::1]:5353", None), ("::1", None),
        ("[::1]", None), ("127.0.0.1:53,[::1]:53", None),
        ("", "no address"), ("localhost", "not an IP address"),
        ("resolver.example.test:53", "not an IP address"),
        ("127.0.0.1:0", "port must be"), ("127.0.0.1:65536", "port must be"),
        ("127.0.0.1:53x", "port must be"), ("127.0.0.1:", "port must be"),
        ("127.0.0.1:-1", "port must be"), ("[::1", "missing ']'"), ("[::1]53", "junk after ']'"),
        ("[127.0.0.1]:53", "not an IPv6 address"), ("1.2.3", "not an IP address"),
        ("127.0.0.1,,::1", "empty address"), ("[fe80::1%eth0]:53", "not an IPv6 address"),
        (",".join("127.0.0.%d" % i for i in range(1, 6)), "more than 4"),
    ]
    res = probe(["parse-resolver"] + [s for s, _ in specs])
    for (spec, err), r in zip(specs, res):
        if err is None:
            t.eq("--resolver %r accepted" % spec, [True, ""], [r.get("ok"), r.get("error")])
        else:
            e = r.get("error", "")
            t.check("--resolver %r rejected: %r" % (spec, e),
                    r.get("ok") is False and err in e and "\n" not in e and
                    all(0x20 <= ord(c) <= 0x7e for c in e))
    bad = probe(["--resolver", "127.0.0.1:99999", "query", ZONE, "A"], expect_rc=1)
    t.check("dns_probe: ta_dns_new() refuses a bad resolver with the reason",
            "port must be" in bad.get("new_error", ""), json.dumps(bad))

    # --- freeing with lookups pending ---------------------------------------
    many_ops = []
    for n, ty in queries[:10]:
        many_ops += ["query", n, ty]
    many_ops += ["caa", "deep.sub." + ZONE, "resolve", "mx1." + ZONE, 0, 25]
    doc = probe(["--free-early", "--resolver", resolver] + many_ops)
    t.check("ta_dns_free() before the loop ran: no callback at all",
            all(o.get("no_callback") for o in doc["ops"]) and doc["late_callbacks"] == 0,
            json.dumps(doc)[:2000])
    doc = probe(["--free-in-callback", "--resolver", resolver] + many_ops)
    answered = [o for o in doc["ops"] if not o.get("no_callback")]
    t.eq("ta_dns_free() in the first callback: exactly one callback, none after",
         [1, 0], [len(answered), doc["late_callbacks"]])
    doc = probe(["--free-in-callback", "--timeout", 300, "--tries", 1, "--resolver",
                 "127.0.0.1:%d" % silent.getsockname()[1], "query", "mx1." + ZONE, "A",
                 "query", "mx2." + ZONE, "A"])
    answered = [o for o in doc["ops"] if not o.get("no_callback")]
    t.eq("ta_dns_free() in a timeout callback: one callback, none after",
         [1, 0], [len(answered), doc["late_callbacks"]])


if __name__ == "__main__":
    h.run_test(main)
