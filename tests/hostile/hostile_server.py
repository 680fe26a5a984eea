#!/usr/bin/env python3
"""A scripted hostile TLS server for testing tlsaudit (Python 3 stdlib only).

    hostile_server.py SCENARIO [PORT] [--host 127.0.0.1|::1] [--max-conns N]
    hostile_server.py --list

Listens on 127.0.0.1 (or ::1; nothing else is allowed) and answers every
ClientHello according to SCENARIO.  PORT 0 (the default) lets the kernel
choose a free port.  When it is listening it prints one line

    PORT <n>

on stdout (flushed); one log line per connection goes to stderr.

The server parses each ClientHello (TLS records or an SSLv2 CLIENT-HELLO)
far enough to know the offered versions, suites, groups, signature schemes
and key shares, so that scenarios which send a "valid-looking" answer pick
something the client really offered, and the scanner's elimination has
something meaningful to eliminate.  Where a scenario needs a server that
accepts something, it behaves like a small TLS 1.2 server (see MODEL12) or a
small TLS 1.3 server (see MODEL13); what it refuses it refuses with the
alert a real server would send.

Safety and resource bounds
  * one thread per connection, at most --max-conns at once (default 64);
    more are closed at once;
  * every read is bounded: a ClientHello may not exceed 64 KiB, a record
    18 KiB; bytes the client sends after its hello are read 4 KiB at a time
    and dropped (at most 1 MiB per connection);
  * a connection lives at most 120 s, whatever the scenario;
  * large answers (cert_16mib) are generated and sent piecewise: the
    server's memory stays well under a megabyte per connection.
"""

import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

# ---------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------

CT_CCS, CT_ALERT, CT_HANDSHAKE = 20, 21, 22
HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_CERTIFICATE = 1, 2, 11
HS_SERVER_KEY_EXCHANGE, HS_SERVER_HELLO_DONE = 12, 14
EXT_SUPPORTED_GROUPS, EXT_EC_POINT_FORMATS, EXT_SIGALGS = 10, 11, 13
EXT_SUPPORTED_VERSIONS, EXT_COOKIE, EXT_KEY_SHARE = 43, 44, 51
EXT_RENEG_INFO = 0xFF01
SCSV_RENEG = 0x00FF

ALERT_HANDSHAKE_FAILURE = 40
ALERT_PROTOCOL_VERSION = 70
ALERT_UNRECOGNIZED_NAME = 112

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

MAX_RECORD = 16384 + 2048     # largest record body we read
MAX_HELLO = 64 * 1024         # largest ClientHello we reassemble
MAX_DRAIN = 1024 * 1024       # bytes read and dropped after the hello
CONN_LIFETIME = 120.0         # seconds, hard cap per connection
IO_TIMEOUT = 30.0             # one blocking socket operation

# What the small TLS 1.2 server accepts (client order decides).
MODEL12_SUITES = [0xC02F, 0xC030, 0x009C]   # ECDHE-RSA-AES128/256-GCM, RSA-AES128-GCM
MODEL12_ECDHE = {0xC02F, 0xC030}
MODEL12_GROUPS = [29, 23]                   # x25519, secp256r1
MODEL12_SIGALGS = [0x0804, 0x0401]          # rsa_pss_rsae_sha256, rsa_pkcs1_sha256
# What the small TLS 1.3 server accepts.
MODEL13_SUITES = [0x1301, 0x1302, 0x1303]
MODEL13_GROUPS = [29, 23, 24]               # x25519, secp256r1, secp384r1

# SSLv2 cipher kinds the sslv2_reply server lists.
SSL2_KINDS = [0x010080, 0x0700C0]           # RC4_128_WITH_MD5, DES_192_EDE3_CBC_WITH_MD5

UNOFFERED_SUITE = 0xFEFE
UNOFFERED_VERSION = 0x0305
UNOFFERED_GROUP = 0x1234

CERT_16MIB_BODY = 0xFFFFFF    # largest handshake body: 16 MiB - 1 byte


def log(msg):
    sys.stderr.write("[hostile %d] %s\n" % (os.getpid(), msg))
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# encoding helpers
# ---------------------------------------------------------------------------

def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def vec(prefix, data):
    return {1: u8, 2: u16, 3: u24}[prefix](len(data)) + data


def record(ctype, payload, version=TLS12):
    """payload split into records of at most 2^14 bytes."""
    out = []
    for i in range(0, max(len(payload), 1), 16384):
        chunk = payload[i:i + 16384]
        out.append(u8(ctype) + u16(version) + u16(len(chunk)) + chunk)
    return b"".join(out)


def handshake(htype, body):
    return u8(htype) + u24(len(body)) + body


def alert_record(desc, level=2, version=TLS12):
    return record(CT_ALERT, bytes([level, desc]), version)


def ext(etype, data):
    return u16(etype) + vec(2, data)


def server_hello(version, suite, session_id=b"", exts=None, random_bytes=None,
                 with_ext_block=True):
    body = u16(version) + (random_bytes or os.urandom(32)) + vec(1, session_id)
    body += u16(suite) + u8(0)
    if with_ext_block:
        body += vec(2, b"".join(exts or []))
    return handshake(HS_SERVER_HELLO, body)


def fake_der(n, rnd):
    """n bytes that start like a DER SEQUENCE; the rest is junk."""
    if n < 4:
        return bytes(n)
    head = b"\x30\x82" + u16(min(n - 4, 0xFFFF))
    return head + rnd.randbytes(n - 4)


def certificate(cert_len, rnd):
    entry = vec(3, fake_der(cert_len, rnd))
    return handshake(HS_CERTIFICATE, vec(3, entry))


def ecdhe_ske(group, sigalg, rnd):
    if group == 29:
        point = rnd.randbytes(32)
    elif group == 24:
        point = b"\x04" + rnd.randbytes(96)
    else:
        point = b"\x04" + rnd.randbytes(64)
    params = u8(3) + u16(group) + vec(1, point)
    return handshake(HS_SERVER_KEY_EXCHANGE, params + u16(sigalg) + vec(2, rnd.randbytes(256)))


def server_hello_done():
    return handshake(HS_SERVER_HELLO_DONE, b"")


# ---------------------------------------------------------------------------
# ClientHello parsing
# ---------------------------------------------------------------------------

class Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def left(self):
        return len(self.d) - self.i

    def take(self, n):
        if n > self.left():
            raise ValueError("truncated")
        v = self.d[self.i:self.i + n]
        self.i += n
        return v

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, prefix):
        return self.take(self.uint(prefix))


def u16_list(data):
    if len(data) % 2:
        raise ValueError("odd list")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


class Hello:
    """What the client offered."""

    def __init__(self):
        self.kind = "tls"          # "tls" or "ssl2"
        self.record_version = TLS10
        self.legacy_version = TLS12
        self.session_id = b""
        self.suites = []
        self.groups = []
        self.sigalgs = []
        self.versions = []         # supported_versions, [] when absent
        self.shares = []           # groups with a key share
        self.ext_types = []
        self.ssl2_kinds = []

    def offers_tls13(self):
        return TLS13 in self.versions

    def tls12_max(self):
        """Highest version <= TLS 1.2 the client offers, or 0."""
        if self.kind == "ssl2":
            return 0
        if self.versions:
            older = [v for v in self.versions if 0x0300 <= v <= TLS12]
            return max(older) if older else 0
        return min(self.legacy_version, TLS12) if self.legacy_version >= 0x0300 else 0

    def describe(self):
        if self.kind == "ssl2":
            return "SSLv2 hello, %d kinds" % len(self.ssl2_kinds)
        return "hello legacy=0x%04x versions=%s suites=%d groups=%d sigalgs=%d shares=%s" % (
            self.legacy_version, ",".join("0x%04x" % v for v in self.versions) or "-",
            len(self.suites), len(self.groups), len(self.sigalgs),
            ",".join(str(g) for g in self.shares) or "-")


def parse_client_hello(body):
    h = Hello()
    r = Reader(body)
    h.legacy_version = r.uint(2)
    r.take(32)
    h.session_id = r.vec(1)
    if len(h.session_id) > 32:
        raise ValueError("session id too long")
    h.suites = u16_list(r.vec(2))
    r.vec(1)  # compression methods
    if r.left() == 0:
        return h
    exts = Reader(r.vec(2))
    while exts.left():
        etype = exts.uint(2)
        data = exts.vec(2)
        h.ext_types.append(etype)
        e = Reader(data)
        if etype == EXT_SUPPORTED_VERSIONS:
            h.versions = u16_list(e.vec(1))
        elif etype == EXT_SUPPORTED_GROUPS:
            h.groups = u16_list(e.vec(2))
        elif etype == EXT_SIGALGS:
            h.sigalgs = u16_list(e.vec(2))
        elif etype == EXT_KEY_SHARE:
            shares = Reader(e.vec(2))
            while shares.left():
                h.shares.append(shares.uint(2))
                shares.vec(2)
    return h


def parse_ssl2_hello(msg):
    h = Hello()
    h.kind = "ssl2"
    r = Reader(msg)
    if r.uint(1) != 1:
        raise ValueError("not a CLIENT-HELLO")
    h.legacy_version = r.uint(2)
    specs_len, sid_len, chal_len = r.uint(2), r.uint(2), r.uint(2)
    specs = r.take(specs_len)
    h.session_id = r.take(sid_len)
    r.take(chal_len)
    if specs_len % 3:
        raise ValueError("bad cipher specs")
    h.ssl2_kinds = [int.from_bytes(specs[i:i + 3], "big") for i in range(0, specs_len, 3)]
    # an SSLv2-compatible hello may carry TLS suites as 0x00XXXX kinds
    h.suites = [k for k in h.ssl2_kinds if k <= 0xFFFF]
    return h


# ---------------------------------------------------------------------------
# a connection
# ---------------------------------------------------------------------------

class Gone(Exception):
    """The client closed, reset, timed out or sent something unreadable."""


class Conn:
    def __init__(self, sock, cid):
        self.sock = sock
        self.cid = cid
        self.buf = b""
        self.born = time.monotonic()
        self.rnd = random.Random(cid * 7919 + 17)
        sock.settimeout(IO_TIMEOUT)

    def expired(self):
        return time.monotonic() - self.born > CONN_LIFETIME

    def _fill(self, need):
        while len(self.buf) < need:
            if self.expired():
                raise Gone("lifetime over")
            try:
                chunk = self.sock.recv(min(65536, max(need - len(self.buf), 4096)))
            except OSError as e:
                raise Gone("recv: %s" % e)
            if not chunk:
                raise Gone("EOF")
            self.buf += chunk

    def read_exact(self, n):
        self._fill(n)
        v, self.buf = self.buf[:n], self.buf[n:]
        return v

    def read_hello(self):
        """The next ClientHello, skipping ChangeCipherSpec records.
        Raises Gone on EOF, on an alert and on anything unreadable."""
        self._fill(2)
        b0, b1 = self.buf[0], self.buf[1]
        if b0 & 0x80 and b0 != CT_HANDSHAKE:
            length = ((b0 & 0x7F) << 8) | b1
            self.read_exact(2)
            try:
                return parse_ssl2_hello(self.read_exact(length))
            except ValueError as e:
                raise Gone("bad SSLv2 hello: %s" % e)
        hs = b""
        rec_version = TLS10
        while True:
            hdr = self.read_exact(5)
            ctype, rec_version, length = hdr[0], int.from_bytes(hdr[1:3], "big"), \
                int.from_bytes(hdr[3:5], "big")
            if length > MAX_RECORD:
                raise Gone("record too long")
            body = self.read_exact(length)
            if ctype == CT_CCS:
                continue
            if ctype == CT_ALERT:
                raise Gone("client alert %s" % body.hex())
            if ctype != CT_HANDSHAKE:
                raise Gone("record type %d" % ctype)
            hs += body
            if len(hs) > MAX_HELLO:
                raise Gone("hello too long")
            if len(hs) >= 4:
                mlen = int.from_bytes(hs[1:4], "big")
                if mlen + 4 > MAX_HELLO:
                    raise Gone("hello too long")
                if len(hs) >= mlen + 4:
                    break
        if hs[0] != HS_CLIENT_HELLO:
            raise Gone("handshake type %d" % hs[0])
        try:
            h = parse_client_hello(hs[4:4 + int.from_bytes(hs[1:4], "big")])
        except ValueError as e:
            raise Gone("bad ClientHello: %s" % e)
        h.record_version = rec_version
        return h

    def send(self, data):
        if self.expired():
            raise Gone("lifetime over")
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Gone("send: %s" % e)

    def drain(self):
        """Read and drop what the client sends until it goes away."""
        total = len(self.buf)
        self.buf = b""
        self.sock.settimeout(1.0)
        while total < MAX_DRAIN and not self.expired():
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            total += len(chunk)

    def reset(self):
        """Close with a TCP RST (SO_LINGER 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()


# ---------------------------------------------------------------------------
# the small servers the scenarios build on
# ---------------------------------------------------------------------------

def reply_version(h):
    """Record version for an answer to h."""
    v = h.tls12_max() or TLS10
    return max(0x0300, min(v, TLS12))


def negotiate12(h):
    """MODEL12: ('ok', suite, group, sigalg) or ('alert', desc) or ('close',)."""
    if h.kind == "ssl2":
        return ("close",)
    if h.tls12_max() != TLS12:
        return ("alert", ALERT_PROTOCOL_VERSION)
    for s in h.suites:
        if s not in MODEL12_SUITES:
            continue
        if s not in MODEL12_ECDHE:
            return ("ok", s, None, None)
        if EXT_SUPPORTED_GROUPS in h.ext_types:
            groups = [g for g in h.groups if g in MODEL12_GROUPS]
        else:
            groups = [23]  # RFC 4492: no extension, any curve
        if not groups:
            continue
        if EXT_SIGALGS in h.ext_types:
            sigs = [a for a in h.sigalgs if a in MODEL12_SIGALGS]
        else:
            sigs = [0x0401]
        if not sigs:
            continue
        return ("ok", s, groups[0], sigs[0])
    return ("alert", ALERT_HANDSHAKE_FAILURE)


def sh12(h, suite, dup_ext=False):
    exts = []
    reneg = ext(EXT_RENEG_INFO, b"\x00")
    if dup_ext or EXT_RENEG_INFO in h.ext_types or SCSV_RENEG in h.suites:
        exts.append(reneg)
    if suite in MODEL12_ECDHE:
        exts.append(ext(EXT_EC_POINT_FORMATS, b"\x01\x00"))
    if dup_ext:
        exts.append(reneg)  # the same extension a second time
    return server_hello(TLS12, suite, os.urandom(32), exts)


def flight12(c, h, neg, cert_len=600, dup_ext=False):
    """The handshake messages of a TLS 1.2 answer (a list of bytes)."""
    _, suite, group, sigalg = neg
    msgs = [sh12(h, suite, dup_ext), certificate(cert_len, c.rnd)]
    if suite in MODEL12_ECDHE:
        msgs.append(ecdhe_ske(group, sigalg, c.rnd))
    msgs.append(server_hello_done())
    return msgs


def answer12(c, h, neg, **kw):
    """Send MODEL12's answer for neg: the flight, an alert, or a close."""
    if neg[0] == "close":
        return "close"
    if neg[0] == "alert":
        c.send(alert_record(neg[1], version=reply_version(h)))
        return "alert %d" % neg[1]
    c.send(record(CT_HANDSHAKE, b"".join(flight12(c, h, neg, **kw))))
    return "TLS 1.2 suite 0x%04x group %s sigalg %s" % (neg[1], neg[2], neg[3])


def choose13(h, avoid_shared=False):
    """MODEL13: (suite, group) or None."""
    suites = [s for s in h.suites if s in MODEL13_SUITES]
    groups = [g for g in h.groups if g in MODEL13_GROUPS]
    if not suites or not groups:
        return None
    if avoid_shared:
        unshared = [g for g in groups if g not in h.shares]
        if unshared:
            return suites[0], unshared[0]
    return suites[0], groups[0]


def sh13(h, suite, group, version=TLS13, hrr=False, share=True):
    exts = [ext(EXT_SUPPORTED_VERSIONS, u16(version))]
    if hrr:
        exts.append(ext(EXT_KEY_SHARE, u16(group)))
        exts.append(ext(EXT_COOKIE, vec(2, os.urandom(16))))
    elif share:
        exts.append(ext(EXT_KEY_SHARE, u16(group) + vec(2, os.urandom(32))))
    return server_hello(TLS12, suite, h.session_id[:32], exts,
                        HRR_RANDOM if hrr else os.urandom(32))


def any_server_hello(h):
    """A valid-looking ServerHello choosing the first suite and group offered."""
    suite = h.suites[0] if h.suites else 0x002F
    if h.offers_tls13():
        group = h.groups[0] if h.groups else 29
        return sh13(h, suite, group)
    return sh12(h, suite)


# ---------------------------------------------------------------------------
# scenarios: each answers one hello; the connection is drained afterwards
# unless the function returns "closed"
# ---------------------------------------------------------------------------

def sc_silence(c, h):
    return "silent"


def sc_trickle(c, h):
    data = record(CT_HANDSHAKE, any_server_hello(h), reply_version(h))
    for i in range(len(data)):
        c.send(data[i:i + 1])
        time.sleep(1.0)
    return "trickled %d bytes" % len(data)


def sc_huge_record(c, h):
    length = 16384 + 2048 + 1
    body = any_server_hello(h)
    body += bytes(length - len(body))
    c.send(u8(CT_HANDSHAKE) + u16(reply_version(h)) + u16(length) + body)
    return "record of %d bytes" % length


def sc_hs_overflow(c, h):
    # A ServerHello header declaring 65520 bytes (fits the scanner's 64 KiB
    # reassembly buffer) in a record of 76 bytes, one more record of 200
    # bytes, then end of stream: the message is longer than its record and
    # than everything that follows.
    sh = any_server_hello(h)
    declared = 0xFFF0
    first = u8(HS_SERVER_HELLO) + u24(declared) + sh[4:76]
    v = reply_version(h)
    c.send(record(CT_HANDSHAKE, first, v) + record(CT_HANDSHAKE, bytes(200), v))
    c.sock.shutdown(socket.SHUT_WR)
    return "handshake length %d, %d bytes sent, then FIN" % (declared, len(first) - 4 + 200)


def cert16_chunks():
    """The body of a Certificate message of CERT_16MIB_BODY bytes, piecewise."""
    list_len = CERT_16MIB_BODY - 3
    yield u24(list_len)
    block = bytes((i * 31 + 7) & 0xFF for i in range(65533))
    left = list_len
    while left > 0:
        n = min(65533, left - 3)
        yield u24(n) + block[:n]
        left -= 3 + n


def sc_cert_16mib(c, h):
    neg = negotiate12(h)
    if neg[0] != "ok":
        return answer12(c, h, neg)
    _, suite, group, sigalg = neg
    out = bytearray()

    def emit(data, final=False):
        out.extend(data)
        while len(out) >= 16384 or (final and out):
            chunk = bytes(out[:16384])
            del out[:16384]
            c.send(record(CT_HANDSHAKE, chunk))

    emit(sh12(h, suite))
    emit(u8(HS_CERTIFICATE) + u24(CERT_16MIB_BODY))
    for chunk in cert16_chunks():
        emit(chunk)
    if suite in MODEL12_ECDHE:
        emit(ecdhe_ske(group, sigalg, c.rnd))
    emit(server_hello_done(), final=True)
    return "TLS 1.2 suite 0x%04x with a %d-byte Certificate" % (suite, CERT_16MIB_BODY)


def sc_tiny_records(c, h):
    neg = negotiate12(h)
    if neg[0] != "ok":
        return answer12(c, h, neg)
    total = 10000
    msgs = flight12(c, h, neg, cert_len=100)
    fixed = sum(len(m) for m in msgs)
    msgs = flight12(c, h, neg, cert_len=100 + total - fixed)
    stream = b"".join(msgs)
    assert len(stream) == total, len(stream)
    c.send(b"".join(u8(CT_HANDSHAKE) + u16(TLS12) + u16(1) + stream[i:i + 1]
                    for i in range(total)))
    return "TLS 1.2 suite 0x%04x in %d one-byte records" % (neg[1], total)


def sc_unknown_type(c, h):
    c.send(record(99, any_server_hello(h), reply_version(h)))
    return "record type 99"


def sc_sslv2_reply(c, h):
    kinds = [k for k in h.ssl2_kinds if k in SSL2_KINDS] if h.kind == "ssl2" else SSL2_KINDS
    if not kinds:
        kinds = SSL2_KINDS
    cert = fake_der(300, c.rnd)
    specs = b"".join(k.to_bytes(3, "big") for k in kinds)
    conn_id = os.urandom(16)
    msg = bytes([4, 0, 1]) + u16(0x0002) + u16(len(cert)) + u16(len(specs)) + \
        u16(len(conn_id)) + cert + specs + conn_id
    c.send(bytes([0x80 | (len(msg) >> 8), len(msg) & 0xFF]) + msg)
    return "SSLv2 SERVER-HELLO with %d kinds" % len(kinds)


def sc_hrr_loop(c, h):
    """A HelloRetryRequest to every hello it would accept, also to the hello
    that follows a HelloRetryRequest on the same connection."""
    n = 0
    while True:
        if h.kind == "ssl2":
            return "close" if n == 0 else "closed after %d HRR" % n
        if not h.offers_tls13():
            c.send(alert_record(ALERT_PROTOCOL_VERSION, version=reply_version(h)))
            return "alert 70 (after %d HRR)" % n
        pick = choose13(h, avoid_shared=True)
        if pick is None:
            c.send(alert_record(ALERT_HANDSHAKE_FAILURE))
            return "alert 40 (after %d HRR)" % n
        c.send(record(CT_HANDSHAKE, sh13(h, pick[0], pick[1], hrr=True)))
        n += 1
        if n >= 32:
            return "%d HRR" % n
        try:
            h = c.read_hello()
        except Gone as e:
            return "%d HRR, then the client went (%s)" % (n, e)
        log("conn %d: retried %s" % (c.cid, h.describe()))


def unoffered_answer(c, h, what):
    """A ServerHello choosing something never offered: what is 'suite',
    'version' or 'group'."""
    if h.kind == "ssl2":
        return "close"
    if h.offers_tls13():
        pick = choose13(h)
        if pick is None:
            c.send(alert_record(ALERT_HANDSHAKE_FAILURE))
            return "alert 40"
        suite, group = pick
        if what == "suite":
            sh = sh13(h, UNOFFERED_SUITE, group, hrr=True)
        elif what == "version":
            sh = sh13(h, suite, group, version=UNOFFERED_VERSION)
        else:
            sh = sh13(h, suite, UNOFFERED_GROUP)
        c.send(record(CT_HANDSHAKE, sh))
        return "TLS 1.3 hello: unoffered %s" % what
    neg = negotiate12(h)
    v = h.tls12_max()
    first = h.suites[0] if h.suites else 0x002F
    if what == "suite":
        msgs = [sh12(h, UNOFFERED_SUITE), certificate(600, c.rnd), server_hello_done()]
    elif what == "version":
        msgs = [server_hello(UNOFFERED_VERSION, first, os.urandom(32),
                             [ext(EXT_RENEG_INFO, b"\x00")]),
                certificate(600, c.rnd), server_hello_done()]
    else:  # group: the ServerKeyExchange names a curve never offered
        if neg[0] != "ok":
            return answer12(c, h, neg)
        if neg[1] in MODEL12_ECDHE:
            neg = (neg[0], neg[1], UNOFFERED_GROUP, neg[3])
        msgs = flight12(c, h, neg)
    c.send(record(CT_HANDSHAKE, b"".join(msgs), max(0x0300, min(v or TLS10, TLS12))))
    return "hello 0x%04x: unoffered %s" % (v, what)


def sc_unoffered(c, h):
    # TLS 1.3 hellos get an unoffered key_share group, TLS 1.2 hellos an
    # unoffered suite, older hellos an unoffered version.
    if h.offers_tls13():
        return unoffered_answer(c, h, "group")
    if h.tls12_max() == TLS12:
        return unoffered_answer(c, h, "suite")
    return unoffered_answer(c, h, "version")


def sc_unoffered_suite(c, h):
    return unoffered_answer(c, h, "suite")


def sc_unoffered_version(c, h):
    return unoffered_answer(c, h, "version")


def sc_unoffered_group(c, h):
    return unoffered_answer(c, h, "group")


def sc_dup_ext(c, h):
    return answer12(c, h, negotiate12(h), dup_ext=True)


def sc_alert_storm(c, h):
    n = 5000
    storm = bytes([CT_ALERT]) + u16(TLS12) + u16(2) + bytes([1, ALERT_UNRECOGNIZED_NAME])
    c.send(storm * n)
    what = answer12(c, h, negotiate12(h))
    return "%d warning alerts, then %s" % (n, what)


def sc_reset_mid(c, h):
    data = record(CT_HANDSHAKE, any_server_hello(h), reply_version(h))
    c.send(data[:len(data) // 2])
    time.sleep(0.2)
    c.reset()
    return "closed"


def sc_half_close(c, h):
    data = record(CT_HANDSHAKE, any_server_hello(h), reply_version(h))
    c.send(data[:len(data) // 2])
    c.sock.shutdown(socket.SHUT_WR)
    return "half a ServerHello, then FIN"


def sc_garbage(c, h):
    # terminal escapes and a CR first (a canary for text output), then noise
    data = b"\x1b[31m\x1b]0;hostile\x07\r\x00\x7f" + c.rnd.randbytes(4000)
    c.send(data)
    c.sock.shutdown(socket.SHUT_WR)
    return "%d random bytes" % len(data)


def sc_http(c, h):
    body = (b"<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port"
            b"</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
            b"</body>\r\n</html>\r\n")
    head = (b"HTTP/1.1 400 Bad Request\r\nServer: hostile\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
    c.send(head + body)
    c.sock.shutdown(socket.SHUT_WR)
    return "HTTP 400"


# --- SMTP scenarios: the server speaks first, so they get no ClientHello
# (h is None) and run the dialogue themselves.

def read_line(c):
    """One line from the client (at most 1 KiB), without CR LF."""
    while b"\n" not in c.buf:
        if len(c.buf) > 1024:
            raise Gone("line too long")
        c._fill(len(c.buf) + 1)
    line, c.buf = c.buf.split(b"\n", 1)
    return line.rstrip(b"\r")


def smtp_until_starttls(c, ehlo_lines):
    """Greet, answer EHLO with ehlo_lines, and wait for STARTTLS."""
    c.send(b"220 hostile.test ESMTP\r\n")
    line = read_line(c)
    if not line.upper().startswith((b"EHLO", b"HELO")):
        raise Gone("no EHLO: %r" % line[:40])
    c.send(b"".join(b"250-%s\r\n" % l for l in ehlo_lines[:-1]) + b"250 %s\r\n" % ehlo_lines[-1])
    line = read_line(c)
    if line.upper() != b"STARTTLS":
        raise Gone("no STARTTLS: %r" % line[:40])


def sc_smtp_silent(c, h):
    time.sleep(CONN_LIFETIME)
    return "never sent a greeting"


def sc_smtp_lie(c, h):
    smtp_until_starttls(c, [b"hostile.test", b"PIPELINING", b"STARTTLS"])
    c.send(b"502 5.5.1 STARTTLS not implemented\r\n")
    return "advertised STARTTLS, then 502"


def sc_smtp_fake_tls(c, h):
    smtp_until_starttls(c, [b"hostile.test", b"STARTTLS"])
    c.send(b"220 2.0.0 go ahead\r\n")
    c.read_hello()
    c.send(b"\x1b[2J250 not TLS at all\r\n" + c.rnd.randbytes(200))
    c.sock.shutdown(socket.SHUT_WR)
    return "220 to STARTTLS, then no TLS"


def sc_smtp_busy(c, h):
    c.send(b"421 4.7.0 hostile.test Error: too many connections\r\n")
    c.sock.shutdown(socket.SHUT_WR)
    return "421"


SMTP_SCENARIOS = {"smtp_silent", "smtp_lie", "smtp_fake_tls", "smtp_busy"}

SCENARIOS = {
    "silence": (sc_silence, "never answers; keeps the socket open"),
    "trickle": (sc_trickle, "a valid-looking ServerHello record, one byte per second"),
    "huge_record": (sc_huge_record, "a record of 2^14+2048+1 bytes"),
    "hs_overflow": (sc_hs_overflow, "handshake length beyond its record and the stream"),
    "cert_16mib": (sc_cert_16mib, "ServerHello, then a 16 MiB Certificate in many records"),
    "tiny_records": (sc_tiny_records, "the whole flight in 10,000 one-byte records"),
    "unknown_type": (sc_unknown_type, "a record of type 99"),
    "sslv2_reply": (sc_sslv2_reply, "an SSLv2 SERVER-HELLO to every hello"),
    "hrr_loop": (sc_hrr_loop, "HelloRetryRequest to every hello, also after a retry"),
    "unoffered": (sc_unoffered, "ServerHello choosing a group / suite / version never offered"),
    "unoffered_suite": (sc_unoffered_suite, "suite 0xfefe to every hello"),
    "unoffered_version": (sc_unoffered_version, "version 0x0305 to every hello"),
    "unoffered_group": (sc_unoffered_group, "group 0x1234 (key_share / ServerKeyExchange)"),
    "dup_ext": (sc_dup_ext, "ServerHello with renegotiation_info twice"),
    "alert_storm": (sc_alert_storm, "5000 warning alerts, then a TLS 1.2 answer"),
    "reset_mid": (sc_reset_mid, "half a ServerHello, then RST"),
    "half_close": (sc_half_close, "half a ServerHello, then FIN; keeps reading"),
    "garbage": (sc_garbage, "random bytes"),
    "http": (sc_http, "an HTTP/1.1 400 response"),
    "smtp_silent": (sc_smtp_silent, "SMTP: accepts and never sends its 220 greeting"),
    "smtp_lie": (sc_smtp_lie, "SMTP: lists STARTTLS in EHLO, answers STARTTLS with 502"),
    "smtp_fake_tls": (sc_smtp_fake_tls, "SMTP: 220 to STARTTLS, then text instead of TLS"),
    "smtp_busy": (sc_smtp_busy, "SMTP: 421 too many connections to everyone"),
}


# ---------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------

class Server:
    def __init__(self, scenario, host, port, max_conns):
        self.fn = SCENARIOS[scenario][0]
        self.scenario = scenario
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.lsock = socket.socket(fam, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((host, port))
        self.lsock.listen(128)
        self.port = self.lsock.getsockname()[1]
        self.slots = threading.BoundedSemaphore(max_conns)
        self.count = 0

    def handle(self, sock, cid):
        c = Conn(sock, cid)
        what = "?"
        try:
            if self.scenario in SMTP_SCENARIOS:
                h = None
            else:
                h = c.read_hello()
                log("conn %d: %s" % (cid, h.describe()))
            what = self.fn(c, h)
            if what == "close":
                sock.close()
            elif what != "closed":
                c.drain()
        except Gone as e:
            what = "%s (client: %s)" % (what, e)
        except Exception as e:  # a bug here must not kill the server
            what = "server error %r" % (e,)
        finally:
            log("conn %d: %s: %s" % (cid, self.scenario, what))
            try:
                sock.close()
            except OSError:
                pass
            self.slots.release()

    def serve(self):
        while True:
            sock, _ = self.lsock.accept()
            self.count += 1
            if not self.slots.acquire(blocking=False):
                log("conn %d: too many connections, closed" % self.count)
                sock.close()
                continue
            t = threading.Thread(target=self.handle, args=(sock, self.count), daemon=True)
            t.start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("port", nargs="?", type=int, default=0)
    ap.add_argument("--port", dest="port_opt", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--max-conns", type=int, default=64)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        for name, (_, desc) in SCENARIOS.items():
            print("%-18s %s" % (name, desc))
        return 0
    if a.scenario not in SCENARIOS:
        ap.error("scenario must be one of: " + ", ".join(SCENARIOS))
    if a.host not in ("127.0.0.1", "::1"):
        ap.error("only 127.0.0.1 or ::1")
    port = a.port_opt if a.port_opt is not None else a.port
    srv = Server(a.scenario, a.host, port, a.max_conns)
    print("PORT %d" % srv.port, flush=True)
    log("scenario %s on %s port %d" % (a.scenario, a.host, srv.port))
    try:
        srv.serve()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
