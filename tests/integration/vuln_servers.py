#!/usr/bin/env python3
"""Scripted vulnerable TLS 1.2 servers for tlsaudit's active-probe tests (issue 15).

One process per server, loopback only, each behaviour a --mode:

    vuln_servers.py --port PORT --cert RSA_CERT.pem --key RSA_KEY.pem --mode MODE
        [--host 127.0.0.1] [--idle-timeout 12]
    vuln_servers.py --self-test          starts every mode and checks it with
                                         independent clients (openssl s_client,
                                         Python ssl, raw sockets)

Every mode is a real, minimal TLS 1.2 server (full handshake, ticket
resumption, application data) for the RSA key-exchange suites
TLS_RSA_WITH_AES_128_CBC_SHA (0x002F, preferred), TLS_RSA_WITH_AES_256_CBC_SHA
(0x0035), TLS_RSA_WITH_AES_128_CBC_SHA256 (0x003C) and
TLS_RSA_WITH_AES_256_CBC_SHA256 (0x003D); `openssl s_client -tls1_2 -cipher
AES128-SHA` completes a handshake with it. Each mode departs from correct
behaviour in exactly one place (see MODES below and
/work/notes/vuln_servers_notes.md for the exact behaviour of each):

    heartbleed / heartbleed-fixed        CVE-2014-0160
    ccs / ccs-fixed                      CVE-2014-0224
    ticketbleed / ticketbleed-fixed      CVE-2016-9244
    robot-strong / robot-weak / robot-firstbytes / robot-fixed   ROBOT
    version-intolerant / extension-intolerant / tolerant

Limits: records <= 16384 + 2048 bytes, handshake messages <= 64 KiB,
256 KiB read per connection, idle timeout (default 12 s: longer than the
waits of testssl's CCS and ROBOT checks) on every read, 60 s
per connection, at most 64 concurrent connections. Garbage ends the
connection (an alert or a close), never the process. Stops on SIGTERM/SIGINT.

Log (stdout): one line per connection, written when it ends:
    conn=N mode=M peer=PORT recv=ITEM,ITEM,... sent=ITEM,... end=REASON ms=T
ITEMs contain no spaces. A connection that sent nothing (e.g. harness.wait_port)
logs recv=- and end=eof. Python 3 standard library + python3-cryptography
(RSA key loading and AES-CBC only; the RSA private operation is done here so
that the padding can be inspected).
"""

import argparse
import collections
import hashlib
import hmac
import os
import re
import signal
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

MODES = {
    "heartbleed": "answers a heartbeat request whose payload_length exceeds its payload with "
                  "payload_length bytes (the request's bytes, then b'LEAK' repeated)",
    "heartbleed-fixed": "heartbeat supported; a request whose payload_length exceeds the record "
                        "is discarded silently (RFC 6520 section 4)",
    "heartbleed-post": "like heartbleed, but only once the handshake is done: a heartbeat "
                       "before it is dropped silently, an encrypted one after it bleeds",
    "ccs": "accepts a ChangeCipherSpec before the ClientKeyExchange (CVE-2014-0224): no answer, "
           "later records are read with keys from an empty master secret",
    "ccs-fixed": "an early ChangeCipherSpec gets a fatal unexpected_message alert",
    "ticketbleed": "resuming with a ticket and a session id of 1..31 bytes, the ServerHello "
                   "echoes a 32-byte session id (client bytes + 4-byte connection number + b'LEAK'...)",
    "ticketbleed-fixed": "session tickets; the session id is echoed as sent (RFC 5077 section 3.4)",
    "robot-strong": "distinct alert for each malformed PKCS#1 v1.5 block (strong oracle)",
    "robot-weak": "a fully conformant block (0x00 0x02, >= 8 padding bytes, 48-byte PMS) goes on "
                  "to bad_record_mac, anything else is a TCP close (weak oracle)",
    "robot-firstbytes": "only a block not starting 0x00 0x02 gets a TCP close, everything else "
                        "bad_record_mac (a strong oracle by the robot-detect classification)",
    "robot-fixed": "RFC 5246 7.4.7.1: any bad block is replaced by a random PMS (no oracle)",
    "version-intolerant": "closes on legacy_version or a supported_versions value above 0x0303",
    "extension-intolerant": "closes on an extension type it does not know (GREASE included)",
    "tolerant": "the reference: answers every well-formed ClientHello normally",
}

MAX_RECORD = 16384 + 2048
MAX_FRAGMENT = 16384
MAX_HS_MSG = 64 * 1024
MAX_CONN_READ = 256 * 1024
MAX_CONC = 64
CONN_LIFETIME = 60.0
LOG_LINE_MAX = 3000

# suite -> (IANA name, AES key bytes, MAC hash)
SUITES = {
    0x002F: ("TLS_RSA_WITH_AES_128_CBC_SHA", 16, hashlib.sha1),
    0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", 32, hashlib.sha1),
    0x003C: ("TLS_RSA_WITH_AES_128_CBC_SHA256", 16, hashlib.sha256),
    0x003D: ("TLS_RSA_WITH_AES_256_CBC_SHA256", 32, hashlib.sha256),
}
SERVER_ORDER = [0x002F, 0x0035, 0x003C, 0x003D]

# Extension types the extension-intolerant mode knows: the IANA-assigned
# range 0..59, renegotiation_info, next_protocol_negotiation, ALPS and ECH.
KNOWN_EXTS = frozenset(range(0, 60)) | {0xFF01, 13172, 17513, 0xFE0D}

# alert descriptions
A_CLOSE_NOTIFY, A_UNEXPECTED, A_BAD_MAC, A_DECRYPTION_FAILED = 0, 10, 20, 21
A_RECORD_OVERFLOW, A_HANDSHAKE_FAILURE, A_ILLEGAL_PARAM = 22, 40, 47
A_DECODE_ERROR, A_DECRYPT_ERROR, A_PROTOCOL_VERSION, A_NO_RENEG = 50, 51, 70, 100

# ROBOT: what the server does with each class of decrypted ClientKeyExchange.
#   continue: use the decrypted PMS; random: use a random PMS (RFC 5246
#   7.4.7.1) - both go on and wait for ChangeCipherSpec + Finished;
#   ("alert", d): fatal alert d at once; close: TCP close (FIN) at once.
CKE_CLASSES = ("valid", "wrong-first-bytes", "zero-wrong-position", "no-zero",
               "wrong-version", "bad-length")
_FIXED = {c: "random" for c in CKE_CLASSES}
_FIXED["valid"] = "continue"
ROBOT_REACTIONS = {
    "robot-fixed": _FIXED,
    "robot-strong": {"valid": "continue", "wrong-first-bytes": ("alert", A_DECRYPT_ERROR),
                     "bad-length": ("alert", A_DECRYPT_ERROR),
                     "zero-wrong-position": ("alert", A_DECODE_ERROR),
                     "no-zero": ("alert", A_ILLEGAL_PARAM),
                     "wrong-version": ("alert", A_PROTOCOL_VERSION)},
    "robot-weak": {"valid": "continue", "wrong-version": "random", "wrong-first-bytes": "close",
                   "bad-length": "close", "zero-wrong-position": "close", "no-zero": "close"},
    "robot-firstbytes": dict(_FIXED, **{"wrong-first-bytes": "close", "bad-length": "close"}),
}

LEAK_MARKER = b"LEAK"
TICKET_LEN = 194


def u16(n):
    return struct.pack(">H", n)


def u24(n):
    return struct.pack(">I", n)[1:]


def is_grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def prf(secret, label, seed, n):
    """TLS 1.2 PRF with SHA-256 (RFC 5246 section 5)."""
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + seed, hashlib.sha256).digest()
    return out[:n]


class End(Exception):
    """Ends the connection; reason goes to the log. silent: no more bytes."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class RecordError(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind  # "length" (not a block multiple / too short) or "mac"


class CipherState:
    """One direction of a TLS 1.2 AES-CBC + HMAC record protection."""

    def __init__(self, key, mac_key, mac_hash):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        self._mk = lambda iv: Cipher(algorithms.AES(key), modes.CBC(iv))
        self.mac_key, self.mac_hash = mac_key, mac_hash
        self.mac_len = mac_hash().digest_size
        self.seq = 0

    def _mac(self, ctype, version, data):
        h = hmac.new(self.mac_key, struct.pack(">QBHH", self.seq, ctype, version, len(data)),
                     self.mac_hash)
        h.update(data)
        return h.digest()

    def encrypt(self, ctype, version, data):
        body = data + self._mac(ctype, version, data)
        pad = 15 - (len(body) % 16)
        body += bytes([pad]) * (pad + 1)
        iv = os.urandom(16)
        enc = self._mk(iv).encryptor()
        self.seq += 1
        return iv + enc.update(body) + enc.finalize()

    def decrypt(self, ctype, version, frag):
        if len(frag) % 16 or len(frag) < 16 + ((self.mac_len + 1 + 15) // 16) * 16:
            raise RecordError("length")
        dec = self._mk(frag[:16]).decryptor()
        pt = dec.update(frag[16:]) + dec.finalize()
        pad = pt[-1]
        ok = pad + 1 + self.mac_len <= len(pt) and pt[-(pad + 1):] == bytes([pad]) * (pad + 1)
        data = pt[:len(pt) - (pad + 1) - self.mac_len] if ok else pt[:len(pt) - self.mac_len]
        mac = pt[len(data):len(data) + self.mac_len]
        good = hmac.compare_digest(mac, self._mac(ctype, version, data))
        self.seq += 1
        if not (ok and good):
            raise RecordError("mac")
        return data


class RsaKey:
    def __init__(self, pem):
        from cryptography.hazmat.primitives import serialization
        key = serialization.load_pem_private_key(pem, password=None)
        pn = key.private_numbers()
        self.n, self.e = pn.public_numbers.n, pn.public_numbers.e
        self.p, self.q, self.dp, self.dq, self.qinv = pn.p, pn.q, pn.dmp1, pn.dmq1, pn.iqmp
        self.k = (self.n.bit_length() + 7) // 8

    def raw_decrypt(self, c):
        """c^d mod n (CRT): the raw PKCS#1 block, padding NOT checked."""
        m1, m2 = pow(c, self.dp, self.p), pow(c, self.dq, self.q)
        h = (self.qinv * (m1 - m2)) % self.p
        return (m2 + h * self.q).to_bytes(self.k, "big")


def classify_cke(key, enc, client_version):
    """(class, pms or None) of an RSA-encrypted PreMasterSecret."""
    if len(enc) != key.k or int.from_bytes(enc, "big") >= key.n:
        return "bad-length", None
    em = key.raw_decrypt(int.from_bytes(enc, "big"))
    if em[0:2] != b"\x00\x02":
        return "wrong-first-bytes", None
    sep = em.find(b"\x00", 2)
    if sep < 0:
        return "no-zero", None
    if sep < 10 or key.k - sep - 1 != 48:  # PS shorter than 8 bytes, or PMS not 48 bytes
        return "zero-wrong-position", None
    pms = em[sep + 1:]
    if pms[0:2] != u16(client_version):
        return "wrong-version", pms
    return "valid", pms


class TicketStore:
    def __init__(self, cap=256):
        self.lock = threading.Lock()
        self.d = collections.OrderedDict()
        self.cap = cap

    def issue(self, master, suite):
        # 194 bytes: the one ticket length for which testssl 3.0.8's Ticketbleed
        # ClientHello (fixed extensions length 0x015b) is well-formed
        t = b"VSTK" + os.urandom(TICKET_LEN - 4)
        with self.lock:
            self.d[t] = (master, suite)
            while len(self.d) > self.cap:
                self.d.popitem(last=False)
        return t

    def get(self, t):
        with self.lock:
            return self.d.get(t)


def parse_client_hello(b):
    """dict of the ClientHello fields; raises ValueError when malformed."""
    if len(b) < 38:
        raise ValueError("short ClientHello")
    ch = {"version": struct.unpack(">H", b[0:2])[0], "random": b[2:34]}
    p = 34
    sl = b[p]
    ch["sid"] = b[p + 1:p + 1 + sl]
    p += 1 + sl
    if sl > 32 or p + 2 > len(b):
        raise ValueError("bad session id")
    cl = struct.unpack(">H", b[p:p + 2])[0]
    cs = b[p + 2:p + 2 + cl]
    if cl % 2 or len(cs) != cl or cl == 0:
        raise ValueError("bad cipher_suites")
    ch["suites"] = [struct.unpack(">H", cs[i:i + 2])[0] for i in range(0, cl, 2)]
    p += 2 + cl
    if p >= len(b):
        raise ValueError("no compression_methods")
    ml = b[p]
    ch["compression"] = b[p + 1:p + 1 + ml]
    p += 1 + ml
    if ml == 0 or len(ch["compression"]) != ml:
        raise ValueError("bad compression_methods")
    ch["exts"] = []
    if p < len(b):
        if p + 2 > len(b):
            raise ValueError("bad extensions length")
        el = struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        if p + el != len(b):
            raise ValueError("extensions length mismatch")
        while p < len(b):
            if p + 4 > len(b):
                raise ValueError("truncated extension")
            et, ln = struct.unpack(">HH", b[p:p + 4])
            if p + 4 + ln > len(b):
                raise ValueError("truncated extension body")
            ch["exts"].append((et, b[p + 4:p + 4 + ln]))
            p += 4 + ln
    ch["ext"] = dict(ch["exts"])
    sv = ch["ext"].get(43)
    ch["supported_versions"] = None
    if sv is not None:
        if not sv or sv[0] != len(sv) - 1 or sv[0] % 2:
            raise ValueError("bad supported_versions")
        ch["supported_versions"] = [struct.unpack(">H", sv[i:i + 2])[0]
                                    for i in range(1, len(sv), 2)]
    return ch


class Conn:
    def __init__(self, sock, srv, num):
        self.s, self.srv, self.num = sock, srv, num
        self.mode = srv.mode
        self.start = time.time()
        self.nread = 0
        self.recv_log, self.sent_log = [], []
        self.read_cs = self.write_cs = None
        self.state = "CH"
        self.hs_buf = b""
        self.transcript = []
        self.early_ccs = False
        self.issue_ticket = False
        self.pending = None  # the client's CipherState, switched on by its next CCS

    # ---- I/O ------------------------------------------------------------
    def recv_exact(self, n):
        if self.nread + n > MAX_CONN_READ:
            raise End("read-limit")
        buf = b""
        while len(buf) < n:
            left = CONN_LIFETIME - (time.time() - self.start)
            if left <= 0:
                raise End("lifetime")
            self.s.settimeout(min(self.srv.idle_timeout, left))
            try:
                chunk = self.s.recv(n - len(buf))
            except socket.timeout:
                raise End("idle-timeout")
            if not chunk:
                raise End("eof" if self.nread == 0 and not buf else "peer-closed")
            buf += chunk
        self.nread += n
        return buf

    def send_record(self, ctype, data, label=None):
        out = b""
        for i in range(0, max(len(data), 1), MAX_FRAGMENT):
            frag = data[i:i + MAX_FRAGMENT]
            if self.write_cs:
                frag = self.write_cs.encrypt(ctype, 0x0303, frag)
            out += bytes([ctype]) + u16(0x0303) + u16(len(frag)) + frag
        self.s.sendall(out)
        if label:
            self.sent_log.append(label)

    def alert(self, desc, fatal=True):
        self.send_record(21, bytes([2 if fatal else 1, desc]),
                         "Alert(%s,%d)" % ("fatal" if fatal else "warning", desc))
        if fatal:
            raise End("alert-sent")

    def read_record(self):
        hdr = self.recv_exact(5)
        if not self.recv_log and hdr[0] & 0x80:
            self.recv_log.append("SSLv2-format")
            raise End("sslv2-hello-closed")
        ctype, ver, ln = hdr[0], struct.unpack(">H", hdr[1:3])[0], struct.unpack(">H", hdr[3:5])[0]
        if ctype not in (20, 21, 22, 23, 24) or ver >> 8 != 3:
            self.recv_log.append("garbage(%s)" % hdr.hex())
            raise End("garbage-closed")
        if ln > MAX_RECORD:
            self.recv_log.append("record(type=%d,len=%d)" % (ctype, ln))
            self.alert(A_RECORD_OVERFLOW)
        data = self.recv_exact(ln)
        if self.read_cs:
            try:
                data = self.read_cs.decrypt(ctype, ver, data)
            except RecordError as e:
                self.recv_log.append("record(type=%d,len=%d,undecryptable=%s)" % (ctype, ln, e.kind))
                # OpenSSL 1.0.1's record layer: a length that is not a block
                # multiple was decryption_failed (21), a bad MAC bad_record_mac
                self.alert(A_DECRYPTION_FAILED if self.early_ccs and e.kind == "length"
                           else A_BAD_MAC)
        return ctype, data

    # ---- main loop ------------------------------------------------------
    def run(self):
        while True:
            ctype, data = self.read_record()
            if ctype == 22:
                self.on_handshake(data)
            elif ctype == 20:
                self.on_ccs(data)
            elif ctype == 21:
                self.recv_log.append("Alert(%s,%s)" % (
                    {1: "warning", 2: "fatal"}.get(data[0], data[0]) if data else "-",
                    data[1] if len(data) > 1 else "-"))
                raise End("peer-alert")
            elif ctype == 23:
                self.on_appdata(data)
            else:
                self.on_heartbeat(data)

    def on_handshake(self, data):
        self.hs_buf += data
        if len(self.hs_buf) > MAX_HS_MSG:
            self.recv_log.append("handshake(too-long)")
            self.alert(A_DECODE_ERROR)
        while len(self.hs_buf) >= 4:
            mt, ml = self.hs_buf[0], struct.unpack(">I", b"\x00" + self.hs_buf[1:4])[0]
            if ml > MAX_HS_MSG:
                self.recv_log.append("handshake(type=%d,len=%d)" % (mt, ml))
                self.alert(A_DECODE_ERROR)
            if len(self.hs_buf) < 4 + ml:
                return
            raw, self.hs_buf = self.hs_buf[:4 + ml], self.hs_buf[4 + ml:]
            self.on_hs_msg(mt, raw[4:], raw)

    def on_hs_msg(self, mt, body, raw):
        st = self.state
        if st == "CH" and mt == 1:
            return self.on_client_hello(body, raw)
        if st == "CKE" and mt == 16:
            return self.on_cke(body, raw)
        if st in ("FIN", "R_FIN") and mt == 20:
            return self.on_finished(body, raw)
        if st == "OPEN" and mt == 1:
            self.recv_log.append("ClientHello(renegotiation)")
            return self.alert(A_NO_RENEG, fatal=False)
        self.recv_log.append("handshake(type=%d,state=%s)" % (mt, st))
        self.alert(A_UNEXPECTED)

    # ---- ClientHello ----------------------------------------------------
    def on_client_hello(self, body, raw):
        try:
            ch = parse_client_hello(body)
        except (ValueError, IndexError, struct.error) as e:
            self.recv_log.append("ClientHello(malformed:%s)" % str(e).replace(" ", "-"))
            self.alert(A_DECODE_ERROR)
        sv = ch["supported_versions"]
        self.recv_log.append("ClientHello(v=%04x,sv=%s,sid=%d,tkt=%s,suites=%d,ext=%s)" % (
            ch["version"], "/".join("%04x" % v for v in sv) if sv is not None else "-",
            len(ch["sid"]), len(ch["ext"][35]) if 35 in ch["ext"] else "-", len(ch["suites"]),
            "/".join("0x%x" % t for t, _ in ch["exts"]) or "-"))
        if self.mode == "version-intolerant" and (
                ch["version"] > 0x0303 or any(v > 0x0303 for v in sv or ())):
            raise End("intolerant-close(version)")
        if self.mode == "extension-intolerant":
            unknown = [t for t, _ in ch["exts"] if t not in KNOWN_EXTS]
            if unknown:
                raise End("intolerant-close(ext=%s)" % "/".join("0x%x" % t for t in unknown))
        if sv is not None:
            if 0x0303 not in sv:
                self.alert(A_PROTOCOL_VERSION)
        elif ch["version"] < 0x0303:
            self.alert(A_PROTOCOL_VERSION)
        self.client_version = ch["version"]
        if 0 not in ch["compression"]:
            self.alert(A_HANDSHAKE_FAILURE)
        self.client_random = ch["random"]
        self.server_random = os.urandom(32)
        exts = b""
        if 0xFF01 in ch["ext"] or 0x00FF in ch["suites"]:
            exts += u16(0xFF01) + u16(1) + b"\x00"
        if self.mode.startswith("heartbleed") and 15 in ch["ext"]:
            exts += u16(15) + u16(1) + b"\x01"  # peer_allowed_to_send
        self.transcript.append(raw)
        # ticket resumption (ticketbleed modes only)
        tkt = ch["ext"].get(35)
        stored = self.srv.tickets.get(tkt) if tkt and self.mode.startswith("ticketbleed") else None
        if stored and stored[1] in ch["suites"]:
            master, suite = stored
            sid = ch["sid"]
            leak = 0
            if self.mode == "ticketbleed" and 1 <= len(sid) < 32:
                leak = 32 - len(sid)
                sid = sid + (struct.pack(">I", self.num) + LEAK_MARKER * 8)[:leak]
            return self.resume(master, suite, sid, exts, leak)
        suite = next((s for s in SERVER_ORDER if s in ch["suites"]), None)
        if suite is None:
            self.alert(A_HANDSHAKE_FAILURE)
        self.suite = suite
        if self.mode.startswith("ticketbleed") and 35 in ch["ext"]:
            self.issue_ticket = True
            exts += u16(35) + u16(0)
        sh = self.server_hello(suite, os.urandom(32), exts)
        cert = self.srv.cert_der
        msgs = sh + self.hs(11, u24(len(cert) + 3) + u24(len(cert)) + cert) + self.hs(14, b"")
        self.send_record(22, msgs, "ServerHello(%04x),Certificate,ServerHelloDone" % suite)
        self.state = "CKE"

    def hs(self, mt, body):
        m = bytes([mt]) + u24(len(body)) + body
        self.transcript.append(m)
        return m

    def server_hello(self, suite, sid, exts):
        body = u16(0x0303) + self.server_random + bytes([len(sid)]) + sid + u16(suite) + b"\x00"
        if exts:
            body += u16(len(exts)) + exts
        return self.hs(2, body)

    def keys(self, master):
        _, klen, mh = SUITES[self.suite]
        ml = mh().digest_size
        kb = prf(master, b"key expansion", self.server_random + self.client_random, 2 * ml + 2 * klen)
        cmac, smac = kb[:ml], kb[ml:2 * ml]
        ckey, skey = kb[2 * ml:2 * ml + klen], kb[2 * ml + klen:2 * ml + 2 * klen]
        return CipherState(ckey, cmac, mh), CipherState(skey, smac, mh)

    def finished(self, label):
        th = hashlib.sha256(b"".join(self.transcript)).digest()
        return prf(self.master, label, th, 12)

    def resume(self, master, suite, sid, exts, leak):
        self.suite, self.master = suite, master
        sh = self.server_hello(suite, sid, exts)
        self.send_record(22, sh, "ServerHello(%04x,resumed,sid=%d%s)" % (
            suite, len(sid), ",leak=%d" % leak if leak else ""))
        cs_c, cs_s = self.keys(master)
        self.send_record(20, b"\x01", "CCS")
        self.write_cs = cs_s
        fin = self.hs(20, self.finished(b"server finished"))
        self.send_record(22, fin, "Finished")
        self.pending = cs_c
        self.state = "R_CCS"

    # ---- ClientKeyExchange / CCS / Finished ---------------------------
    def on_cke(self, body, raw):
        if len(body) < 2 or struct.unpack(">H", body[0:2])[0] != len(body) - 2:
            self.recv_log.append("ClientKeyExchange(malformed)")
            self.alert(A_DECODE_ERROR)
        cls, pms = classify_cke(self.srv.key, body[2:], self.client_version)
        react = ROBOT_REACTIONS.get(self.mode, _FIXED)[cls]
        self.recv_log.append("ClientKeyExchange(%s)" % cls)
        if isinstance(react, tuple):
            self.alert(react[1])
        if react == "close":
            raise End("robot-close")
        if react == "random":
            pms = u16(self.client_version) + os.urandom(46)
        self.transcript.append(raw)
        self.master = prf(pms, b"master secret", self.client_random + self.server_random, 48)
        self.pending = self.keys(self.master)[0]
        self.state = "CCS"

    def on_ccs(self, data):
        if data != b"\x01":
            self.recv_log.append("CCS(malformed)")
            self.alert(A_DECODE_ERROR)
        if self.state in ("CCS", "R_CCS"):
            self.recv_log.append("CCS")
            self.read_cs, self.pending = self.pending, None
            self.state = "FIN" if self.state == "CCS" else "R_FIN"
            return
        if self.state == "CKE" and self.mode == "ccs" and not self.early_ccs:
            # CVE-2014-0224: keys from the (still empty) master secret
            self.recv_log.append("CCS(early,accepted)")
            self.early_ccs = True
            self.read_cs = self.keys(b"")[0]
            return
        self.recv_log.append("CCS(%s)" % ("early" if self.state == "CKE" else "state=" + self.state))
        self.alert(A_UNEXPECTED)

    def on_finished(self, body, raw):
        want = self.finished(b"client finished")
        if not hmac.compare_digest(body, want):
            self.recv_log.append("Finished(bad)")
            self.alert(A_DECRYPT_ERROR)
        self.recv_log.append("Finished")
        self.transcript.append(raw)
        if self.state == "R_FIN":
            self.state = "OPEN"
            return
        if self.issue_ticket:
            t = self.srv.tickets.issue(self.master, self.suite)
            self.send_record(22, self.hs(4, struct.pack(">I", 300) + u16(len(t)) + t),
                             "NewSessionTicket")
        self.send_record(20, b"\x01", "CCS")
        self.write_cs = self.keys(self.master)[1]
        self.send_record(22, self.hs(20, self.finished(b"server finished")), "Finished")
        self.state = "OPEN"

    # ---- application data / heartbeat ---------------------------------
    def on_appdata(self, data):
        if self.state != "OPEN":
            self.recv_log.append("AppData(len=%d,state=%s)" % (len(data), self.state))
            self.alert(A_UNEXPECTED)
        self.recv_log.append("AppData(len=%d)" % len(data))
        if not data:
            return
        body = ("vuln_servers mode=%s\n" % self.mode).encode()
        resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n" % len(body)) + body
        self.send_record(23, resp, "AppData(http-200)")
        self.alert(A_CLOSE_NOTIFY, fatal=False)
        raise End("http-answered")

    def on_heartbeat(self, data):
        if not self.mode.startswith("heartbleed"):
            self.recv_log.append("Heartbeat(len=%d)" % len(data))
            self.alert(A_UNEXPECTED)
        if len(data) < 3 or data[0] != 1:
            self.recv_log.append("Heartbeat(type=%s,len=%d,ignored)" % (
                data[0] if data else "-", len(data)))
            return
        declared, rest = struct.unpack(">H", data[1:3])[0], data[3:]
        item = "HeartbeatRequest(declared=%d,actual=%d" % (declared, len(rest))
        if self.mode == "heartbleed-post" and self.write_cs is None:
            self.recv_log.append(item + ",before-handshake,dropped)")
            return
        if 3 + declared + 16 <= len(data):
            payload, leak = rest[:declared], 0
        elif self.mode in ("heartbleed", "heartbleed-post"):
            leak = max(0, declared - len(rest))
            payload = (rest + LEAK_MARKER * (leak // 4 + 1))[:declared]
        else:
            self.recv_log.append(item + ",dropped)")
            return
        self.recv_log.append(item + ")")
        msg = b"\x02" + u16(declared) + payload + os.urandom(16)
        self.send_record(24, msg, "HeartbeatResponse(declared=%d,leaked=%d,records=%d)" % (
            declared, leak, (len(msg) + MAX_FRAGMENT - 1) // MAX_FRAGMENT))

    # ---- ending ---------------------------------------------------------
    def drain(self, quiet=0.3, cap=2.0):
        """Read what the peer already sent (bounded) so that our close is a
        FIN, not a reset (unread data makes Linux send RST)."""
        end = time.time() + cap
        try:
            while self.nread < MAX_CONN_READ and time.time() < end:
                self.s.settimeout(quiet)
                chunk = self.s.recv(4096)
                if not chunk:
                    break
                self.nread += len(chunk)
        except OSError:
            pass


def handle(sock, peer, srv, num, sem):
    c = Conn(sock, srv, num)
    reason = "?"
    try:
        try:
            c.run()
        except End as e:
            reason = e.reason
        except (OSError, EOFError) as e:
            reason = "socket-error(%s)" % type(e).__name__
        except Exception as e:  # never let garbage kill more than this connection
            reason = "internal-error(%s:%s)" % (type(e).__name__, str(e).replace(" ", "_")[:80])
        if reason not in ("eof", "peer-closed", "idle-timeout", "lifetime") and \
                not reason.startswith("socket-error"):
            c.drain()
    finally:
        try:
            sock.close()
        except OSError:
            pass
        sem.release()
    line = "conn=%d mode=%s peer=%d recv=%s sent=%s end=%s ms=%d" % (
        num, srv.mode, peer[1], ",".join(c.recv_log) or "-", ",".join(c.sent_log) or "-",
        reason, (time.time() - c.start) * 1000)
    srv.log(line[:LOG_LINE_MAX])


class ServerCfg:
    def __init__(self, mode, cert_der, key, idle_timeout):
        self.mode, self.cert_der, self.key, self.idle_timeout = mode, cert_der, key, idle_timeout
        self.tickets = TicketStore()
        self._lock = threading.Lock()

    def log(self, line):
        with self._lock:
            print(line, flush=True)


def load_cert_der(path):
    data = open(path, "rb").read()
    if b"-----BEGIN CERTIFICATE-----" in data:
        import base64
        m = re.search(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
        return base64.b64decode(b"".join(m.group(1).split()))
    return data


def serve(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True, help="RSA leaf certificate (PEM or DER)")
    ap.add_argument("--key", required=True, help="its RSA private key (PEM, unencrypted)")
    ap.add_argument("--mode", required=True, choices=sorted(MODES))
    ap.add_argument("--idle-timeout", type=float, default=12.0)
    cfg = ap.parse_args(argv)
    if not (cfg.host.startswith("127.") or cfg.host == "::1"):
        ap.error("refusing to listen outside loopback")
    key = RsaKey(open(cfg.key, "rb").read())
    cert_der = load_cert_der(cfg.cert)
    from cryptography import x509
    pub = x509.load_der_x509_certificate(cert_der).public_key().public_numbers()
    if pub.n != key.n:
        ap.error("certificate and key do not match")
    srv = ServerCfg(cfg.mode, cert_der, key, cfg.idle_timeout)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    fam = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((cfg.host, cfg.port))
    ls.listen(64)
    ls.settimeout(0.2)
    sem = threading.BoundedSemaphore(MAX_CONC)
    srv.log("vuln_servers listening on %s:%d mode=%s (%s)" % (
        cfg.host, cfg.port, cfg.mode, MODES[cfg.mode]))
    num = 0
    while not stop.is_set():
        try:
            conn, peer = ls.accept()
        except socket.timeout:
            continue
        except OSError:
            if stop.is_set():
                break
            raise
        if not sem.acquire(timeout=10.0):
            conn.close()
            continue
        num += 1
        threading.Thread(target=handle, args=(conn, peer, srv, num, sem), daemon=True).start()
    ls.close()
    return 0

# ---------------------------------------------------------------------------
# helpers for the tests (import vuln_servers; needs harness.py beside it)
# ---------------------------------------------------------------------------


def start_many(modes, idle_timeout=None):
    """Start one server per mode in parallel (RSA leaf of harness.make_certs());
    returns {mode: harness.Server}. Raises harness.SetupError if one fails."""
    sys.path.insert(0, HERE)
    import harness as h
    c = h.make_certs()
    started = {}
    for mode in modes:
        if mode not in MODES:
            raise h.SetupError("unknown vuln_servers mode %r" % mode)
        port = h.free_port()
        name = "vuln-" + mode
        log_path = os.path.join(h.tmpdir(), "%s-%d.log" % (name, port))
        cmd = [sys.executable, os.path.abspath(__file__), "--host", "127.0.0.1",
               "--port", str(port), "--cert", c.rsa_cert, "--key", c.rsa_key, "--mode", mode]
        if idle_timeout is not None:
            cmd += ["--idle-timeout", str(idle_timeout)]
        proc = h.start_process(cmd, name, log_path)
        started[mode] = h.Server(name, proc, port, log_path)
    for srv in started.values():
        h.wait_port(srv.port, proc=srv.proc, log_path=srv.log_path)
    return started


def start(mode, idle_timeout=None):
    return start_many([mode], idle_timeout)[mode]


def conn_lines(server, at_least=0, timeout=5.0):
    """The per-connection log lines of a server as dicts (conn, mode, peer,
    recv (list), sent (list), end, ms), harness.wait_port's included (recv == []).
    A line is written when the server has closed the connection, which can be
    up to ~0.3 s (drain) after the client saw the server's last byte: with
    AT_LEAST, poll until that many lines are there or TIMEOUT passes."""
    deadline = time.time() + timeout
    while True:
        out = _read_conn_lines(server)
        if len(out) >= at_least or time.time() >= deadline:
            return out
        time.sleep(0.05)


def _read_conn_lines(server):
    out = []
    with open(server.log_path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            if not line.startswith("conn="):
                continue
            d = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
            for k in ("recv", "sent"):
                d[k] = [] if d.get(k, "-") == "-" else split_items(d[k])
            out.append(d)
    return out


def split_items(s):
    """Split ITEM,ITEM on the commas outside parentheses."""
    items, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    if cur:
        items.append(cur)
    return items


# ---------------------------------------------------------------------------
# self-test: every mode checked with clients that are not this server
# (openssl s_client, Python's ssl module, raw ClientHellos built here, the
# ROBOT ClientKeyExchange variants encrypted with the public key taken from
# the Certificate message). Only the post-handshake heartbeat uses this
# file's own record code on the client side (no independent client sends
# heartbeats: OpenSSL 3 has none), after openssl s_client has shown that a
# full handshake with the same server works.
# ---------------------------------------------------------------------------

SIGALGS_EXT = (13, u16(8) + u16(0x0401) + u16(0x0501) + u16(0x0601) + u16(0x0201))
RI_EXT = (0xFF01, b"\x00")
ROBOT_PMS = bytes.fromhex("aa11223344556677889911223344556677889911223344"
                          "5566778899112233445566778899112233445566778899")


def client_hello(version=0x0303, suites=(0x002F,), exts=(SIGALGS_EXT, RI_EXT), sid=b"",
                 random=None):
    body = u16(version) + (random or os.urandom(32)) + bytes([len(sid)]) + sid
    body += u16(2 * len(suites)) + b"".join(u16(x) for x in suites) + b"\x01\x00"
    ext = b"".join(u16(t) + u16(len(d)) + d for t, d in exts)
    body += u16(len(ext)) + ext
    return b"\x01" + u24(len(body)) + body


class RawClient:
    """A loopback TLS client that speaks records, not a TLS library."""

    def __init__(self, port, timeout=3.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self.read_cs = self.write_cs = None
        self.hs_buf = b""

    def close(self):
        self.s.close()

    def send(self, ctype, data):
        if self.write_cs:
            data = self.write_cs.encrypt(ctype, 0x0303, data)
        self.s.sendall(bytes([ctype]) + u16(0x0303) + u16(len(data)) + data)

    def _exact(self, n, deadline):
        buf = b""
        while len(buf) < n:
            self.s.settimeout(max(0.01, deadline - time.time()))
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def record(self, timeout=None):
        """(ctype, data) or ("closed"|"timeout"|"reset", None)."""
        deadline = time.time() + (timeout or self.timeout)
        try:
            hdr = self._exact(5, deadline)
            ln = struct.unpack(">H", hdr[3:5])[0]
            if ln > MAX_RECORD:
                return ("oversized", None)
            data = self._exact(ln, deadline)
        except EOFError:
            return ("closed", None)
        except socket.timeout:
            return ("timeout", None)
        except ConnectionResetError:
            return ("reset", None)
        if self.read_cs:
            data = self.read_cs.decrypt(hdr[0], 0x0303, data)
        return (hdr[0], data)

    def response(self, timeout=None):
        """The first thing the server does: 'alert:N', 'closed', 'timeout', 'reset', 'type:N'."""
        ct, data = self.record(timeout)
        if ct == 21:
            return "alert:%d" % data[1] if len(data) > 1 else "alert:?"
        return ct if isinstance(ct, str) else "type:%d" % ct

    def hello(self, ch, timeout=None):
        """Send a ClientHello; read the server's flight up to ServerHelloDone.
        Returns {"sh": {...}, "cert": der, "msgs": [raw...]} or {"end": response}."""
        self.send(22, ch)
        res = {"msgs": [ch]}
        while True:
            ct, data = self.record(timeout)
            if ct != 22:
                if ct == 21:
                    return {"end": "alert:%d" % data[1]}
                if ct == 20 and "sh" in res:  # abbreviated handshake
                    res["ccs"] = True
                    return res
                return {"end": ct if isinstance(ct, str) else "type:%d" % ct}
            self.hs_buf += data
            while len(self.hs_buf) >= 4:
                ml = struct.unpack(">I", b"\x00" + self.hs_buf[1:4])[0]
                if len(self.hs_buf) < 4 + ml:
                    break
                raw, self.hs_buf = self.hs_buf[:4 + ml], self.hs_buf[4 + ml:]
                res["msgs"].append(raw)
                if raw[0] == 2:
                    res["sh"] = parse_server_hello(raw[4:])
                elif raw[0] == 11:
                    res["cert"] = raw[10:10 + struct.unpack(">I", b"\x00" + raw[7:10])[0]]
                elif raw[0] == 14:
                    return res


def parse_server_hello(b):
    r = {"version": struct.unpack(">H", b[0:2])[0], "random": b[2:34]}
    sl = b[34]
    r["sid"] = b[35:35 + sl]
    p = 35 + sl
    r["suite"] = struct.unpack(">H", b[p:p + 2])[0]
    r["exts"] = {}
    p += 3
    if p + 2 <= len(b):
        end = p + 2 + struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, ln = struct.unpack(">HH", b[p:p + 4])
            r["exts"][t] = b[p + 4:p + 4 + ln]
            p += 4 + ln
    return r


def cert_public_numbers(der):
    from cryptography import x509
    return x509.load_der_x509_certificate(der).public_key().public_numbers()


def full_handshake(port, exts=(SIGALGS_EXT, RI_EXT)):
    """A complete TLS 1.2 handshake with this file's record code (client side);
    used only to reach the post-handshake state for heartbeats."""
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography import x509
    c = RawClient(port)
    cr = os.urandom(32)
    r = c.hello(client_hello(exts=exts, random=cr))
    if "sh" not in r:
        raise RuntimeError("no ServerHello: %s" % r)
    sr, suite = r["sh"]["random"], r["sh"]["suite"]
    pms = b"\x03\x03" + os.urandom(46)
    enc = x509.load_der_x509_certificate(r["cert"]).public_key().encrypt(pms, padding.PKCS1v15())
    cke = b"\x10" + u24(len(enc) + 2) + u16(len(enc)) + enc
    msgs = r["msgs"] + [cke]
    master = prf(pms, b"master secret", cr + sr, 48)
    _, klen, mh = SUITES[suite]
    ml = mh().digest_size
    kb = prf(master, b"key expansion", sr + cr, 2 * ml + 2 * klen)
    c.send(22, cke)
    c.send(20, b"\x01")
    c.write_cs = CipherState(kb[2 * ml:2 * ml + klen], kb[:ml], mh)
    fin = b"\x14" + u24(12) + prf(master, b"client finished",
                                  hashlib.sha256(b"".join(msgs)).digest(), 12)
    c.send(22, fin)
    msgs.append(fin)
    ct, _ = c.record()
    if ct != 20:
        raise RuntimeError("no server CCS: %s" % (ct,))
    c.read_cs = CipherState(kb[2 * ml + klen:], kb[ml:2 * ml], mh)
    ct, data = c.record()
    want = prf(master, b"server finished", hashlib.sha256(b"".join(msgs)).digest(), 12)
    if ct != 22 or data[4:] != want:
        raise RuntimeError("bad server Finished")
    return c


def heartbeats(c, timeout=1.5):
    """Read heartbeat records; returns the concatenated message bytes."""
    out = b""
    while True:
        ct, data = c.record(timeout)
        if ct != 24:
            return out, ct
        out += data
        if len(out) >= 3 and len(out) >= 3 + struct.unpack(">H", out[1:3])[0] + 16:
            return out, 24


def robot_cke(n, e, variant, version=0x0303):
    """The ClientKeyExchange of robot-detect's five variants (modulus-size block)."""
    k = (n.bit_length() + 7) // 8
    pad = (bytes.fromhex("abcd") * k)[:k - 48 - 3]
    em = {
        "valid": b"\x00\x02" + pad + b"\x00" + u16(version) + ROBOT_PMS,
        "wrong-first-bytes": b"\x41\x17" + pad + b"\x00" + u16(version) + ROBOT_PMS,
        "zero-wrong-position": b"\x00\x02" + pad + b"\x11" + ROBOT_PMS + b"\x00\x11",
        "no-zero": b"\x00\x02" + pad + b"\x11\x11\x11" + ROBOT_PMS,
        "wrong-version": b"\x00\x02" + pad + b"\x00\x02\x02" + ROBOT_PMS,
    }[variant]
    assert len(em) == k
    c = pow(int.from_bytes(em, "big"), e, n).to_bytes(k, "big")
    return b"\x10" + u24(k + 2) + u16(k) + c


ROBOT_VARIANTS = ("valid", "wrong-first-bytes", "zero-wrong-position", "no-zero", "wrong-version")


def robot_probe(port, variant, standard=True, timeout=3.0):
    c = RawClient(port, timeout)
    try:
        r = c.hello(client_hello(suites=(0x002F, 0x00FF), exts=(SIGALGS_EXT,)))
        if "cert" not in r:
            return "no-flight:%s" % r.get("end")
        pub = cert_public_numbers(r["cert"])
        cke = robot_cke(pub.n, pub.e, variant)
        out = b"\x16\x03\x03" + u16(len(cke)) + cke
        if standard:
            out += b"\x14\x03\x03\x00\x01\x01" + b"\x16\x03\x03\x00\x40" + os.urandom(64)
        c.s.sendall(out)
        return c.response(timeout)
    finally:
        c.close()


def robot_classify(resp):
    """robot-detect's rule: all equal -> none; bad1 == bad2 == bad3 -> weak; else strong."""
    r = [resp[v] for v in ROBOT_VARIANTS]
    if len(set(r)) == 1:
        return "none"
    return "weak" if r[1] == r[2] == r[3] else "strong"


def parallel(fns):
    res = [None] * len(fns)

    def run(i, f):
        try:
            res[i] = f()
        except Exception as ex:  # reported as the result
            res[i] = "exception:%s:%s" % (type(ex).__name__, ex)
    ts = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def s_client(h, port, args, stdin=b"", timeout=20):
    cp = h.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + list(args),
               check=False, timeout=timeout, input=stdin)
    return cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")


def tls12_aes128_sha(out):
    """s_client printed a TLS 1.2 session with AES128-SHA. (Its "New, X, Cipher is"
    line names the version that defined the cipher, SSLv3 here, not the protocol.)"""
    return bool(re.search(r"^\s*Protocol\s*: TLSv1.2$", out, re.M)
                and re.search(r"^(New|Reused), \S+, Cipher is AES128-SHA$", out, re.M))


def selftest(t):
    import ssl
    import harness as h
    certs = h.make_certs()
    srv = start_many(sorted(MODES), idle_timeout=2.0)
    port = {m: s.port for m, s in srv.items()}
    ca = certs.ca_cert

    # 1. a real TLS library completes a handshake with every mode
    outs = parallel([lambda m=m: s_client(h, port[m], [
        "-tls1_2", "-cipher", "AES128-SHA", "-CAfile", ca, "-verify_return_error",
        "-ign_eof"], stdin=b"GET / HTTP/1.0\r\n\r\n") for m in sorted(MODES)])
    for m, out in zip(sorted(MODES), outs):
        t.check("%s: openssl s_client -tls1_2 AES128-SHA: verified handshake + HTTP answer" % m,
                tls12_aes128_sha(out) and "Verify return code: 0 (ok)" in out
                and ("vuln_servers mode=%s" % m) in out, out[-1500:])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("AES256-SHA256")
    with socket.create_connection(("127.0.0.1", port["tolerant"]), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            got = tls.recv(4096)
            t.check("tolerant: Python ssl (AES256-SHA256, hostname verified) gets the HTTP answer",
                    tls.cipher()[0] == "AES256-SHA256" and b"200 OK" in got,
                    "%s %r" % (tls.cipher(), got))

    # 2. heartbleed
    def hb_conn(mode):
        c = RawClient(port[mode])
        r = c.hello(client_hello(exts=(SIGALGS_EXT, RI_EXT, (15, b"\x01"))))
        return c, r
    for mode in ("heartbleed", "heartbleed-fixed"):
        c, r = hb_conn(mode)
        t.eq("%s: ServerHello echoes the heartbeat extension (peer_allowed_to_send)" % mode,
             "01", r["sh"]["exts"].get(15, b"").hex())
        c.send(24, b"\x01" + u16(0x4000))  # testssl's request: no payload, no padding
        msg, ct = heartbeats(c)
        if mode == "heartbleed":
            t.check("heartbleed: pre-handshake request declaring 16384 bytes, sending 0 -> "
                    "response of 16384 payload bytes, all marker", len(msg) == 3 + 16384 + 16
                    and msg[:3] == b"\x02\x40\x00" and msg[3:3 + 16384] == LEAK_MARKER * 4096,
                    "len=%d head=%r" % (len(msg), msg[:12]))
        else:
            t.check("heartbleed-fixed: the same request gets no answer (silently dropped)",
                    msg == b"" and ct == "timeout", "got %r / %s" % (msg[:12], ct))
        c.send(24, b"\x01" + u16(5) + b"hello" + b"\x00" * 16)
        msg, _ = heartbeats(c)
        t.eq("%s: a well-formed heartbeat is echoed on the same connection" % mode,
             "020005" + b"hello".hex(), msg[:8].hex())
        c.send(24, b"\x01" + u16(10) + b"0123456789AB")  # padding < 16 bytes: malformed
        msg, ct = heartbeats(c)
        if mode == "heartbleed":
            t.eq("heartbleed: short padding (declared 10, 12 bytes sent) -> 10 bytes, no marker",
                 "02000a" + b"0123456789".hex(), msg[:13].hex())
        else:
            t.check("heartbleed-fixed: short padding -> dropped", msg == b"" and ct == "timeout",
                    "got %r / %s" % (msg[:12], ct))
        c.close()
        c = full_handshake(port[mode], exts=(SIGALGS_EXT, RI_EXT, (15, b"\x01")))
        c.send(24, b"\x01" + u16(100) + b"abc")
        msg, ct = heartbeats(c)
        if mode == "heartbleed":
            t.check("heartbleed: after the handshake (encrypted), declared 100 / sent 3 -> "
                    "'abc' + 97 marker bytes", msg[:3 + 100] == b"\x02\x00\x64abc" + (
                        LEAK_MARKER * 25)[:97], "got %r" % msg[:40])
        else:
            t.check("heartbleed-fixed: after the handshake the malformed request is dropped",
                    msg == b"" and ct == "timeout", "got %r / %s" % (msg[:12], ct))
        c.close()
    c, r = hb_conn("heartbleed-post")
    c.send(24, b"\x01" + u16(0x4000))
    msg, ct = heartbeats(c)
    t.check("heartbleed-post: before the handshake the request is dropped",
            msg == b"" and ct == "timeout", "got %r / %s" % (msg[:12], ct))
    c.close()
    c = full_handshake(port["heartbleed-post"], exts=(SIGALGS_EXT, RI_EXT, (15, b"\x01")))
    c.send(24, b"\x01" + u16(100) + b"abc")
    msg, ct = heartbeats(c)
    t.check("heartbleed-post: after the handshake (encrypted), declared 100 / sent 3 -> "
            "'abc' + 97 marker bytes", msg[:3 + 100] == b"\x02\x00\x64abc" + (
                LEAK_MARKER * 25)[:97], "got %r" % msg[:40])
    c.close()
    c, r = hb_conn("tolerant")
    t.check("tolerant: no heartbeat extension in the ServerHello", 15 not in r["sh"]["exts"])
    c.send(24, b"\x01" + u16(5) + b"hello" + b"\x00" * 16)
    t.eq("tolerant: a heartbeat record gets unexpected_message", "alert:10", c.response())
    c.close()

    # 3. CCS injection
    for mode in ("ccs", "ccs-fixed"):
        c = RawClient(port[mode])
        r = c.hello(client_hello())
        t.check("%s: first flight up to ServerHelloDone" % mode, "cert" in r, str(r)[:300])
        c.send(20, b"\x01")
        first = c.response(1.0)
        if mode == "ccs":
            t.eq("ccs: early ChangeCipherSpec -> no answer (connection kept)", "timeout", first)
            c.send(20, b"\x01")
            t.eq("ccs: second ChangeCipherSpec (unreadable under the empty-master-secret keys) "
                 "-> decryption_failed", "alert:21", c.response(1.0))
        else:
            t.eq("ccs-fixed: early ChangeCipherSpec -> unexpected_message", "alert:10", first)
            t.eq("ccs-fixed: ... then the connection is closed", "closed", c.response(1.0))
        c.close()

    # 4. Ticketbleed: a ticket from openssl s_client, then a 1-byte session id
    for mode in ("ticketbleed", "ticketbleed-fixed"):
        sess = os.path.join(h.tmpdir(), "%s.sess" % mode)
        out = s_client(h, port[mode], ["-tls1_2", "-cipher", "AES128-SHA", "-sess_out", sess])
        m = re.search(r"TLS session ticket:\n(.*?)\n\n", out, re.S)
        ticket = bytes.fromhex("".join(
            re.sub(r"^\s*[0-9a-f]{4} - ", "", ln)[:48].replace("-", " ").replace(" ", "")
            for ln in m.group(1).splitlines())) if m else b""
        ticket = ticket[:TICKET_LEN]
        t.check("%s: openssl s_client gets a session ticket" % mode, ticket.startswith(b"VSTK"),
                out[-800:])
        out = s_client(h, port[mode], ["-tls1_2", "-cipher", "AES128-SHA", "-sess_in", sess])
        t.check("%s: openssl s_client resumes with it" % mode,
                re.search(r"^Reused, \S+, Cipher is AES128-SHA", out, re.M)
                and tls12_aes128_sha(out), out[-800:])
        sids = []
        for _ in range(3):
            c = RawClient(port[mode])
            r = c.hello(client_hello(sid=b"\xab", exts=(SIGALGS_EXT, RI_EXT, (35, ticket))))
            sids.append(r.get("sh", {}).get("sid", b""))
            t.check("%s: resumption (ServerHello then ChangeCipherSpec)" % mode, r.get("ccs"),
                    str(r)[:300])
            c.close()
        if mode == "ticketbleed":
            t.check("ticketbleed: a 1-byte session id comes back as 32 bytes: 0xab, 4-byte "
                    "connection number, marker", all(
                        len(s) == 32 and s[:1] == b"\xab" and s[5:] == (LEAK_MARKER * 7)[:27]
                        for s in sids), [s.hex() for s in sids])
            t.check("ticketbleed: the 'memory' differs between connections",
                    len({s[1:] for s in sids}) == 3, [s.hex() for s in sids])
        else:
            t.eq("ticketbleed-fixed: the session id is echoed as sent", ["ab"] * 3,
                 [s.hex() for s in sids])
    c = RawClient(port["ticketbleed"])
    r = c.hello(client_hello(sid=b"\xab", exts=(SIGALGS_EXT, RI_EXT, (
        35, b"VSTK" + b"\0" * (TICKET_LEN - 4)))))
    t.check("ticketbleed: an unknown ticket -> full handshake, fresh 32-byte session id, no echo",
            "cert" in r and len(r["sh"]["sid"]) == 32 and LEAK_MARKER not in r["sh"]["sid"],
            str(r.get("sh"))[:300])
    c.close()

    # 5. ROBOT: robot-detect's five ClientKeyExchange variants, each twice
    expect = {
        "robot-fixed": ["alert:20"] * 5,
        "robot-strong": ["alert:20", "alert:51", "alert:50", "alert:47", "alert:70"],
        "robot-weak": ["alert:20", "closed", "closed", "closed", "alert:20"],
        "robot-firstbytes": ["alert:20", "closed", "alert:20", "alert:20", "alert:20"],
        "tolerant": ["alert:20"] * 5,
    }
    klass = {"robot-fixed": "none", "robot-strong": "strong", "robot-weak": "weak",
             "robot-firstbytes": "strong", "tolerant": "none"}
    for mode, exp in expect.items():
        jobs = [lambda v=v: robot_probe(port[mode], v) for v in ROBOT_VARIANTS for _ in (0, 1)]
        got = parallel(jobs)
        first, second = got[0::2], got[1::2]
        t.list_eq("%s: CKE+CCS+Finished responses (valid, wrong first bytes, 0x00 misplaced, "
                  "no 0x00, wrong version)" % mode, exp, first)
        t.list_eq("%s: the same again (no noise)" % mode, first, second)
        t.eq("%s: robot-detect classification" % mode, klass[mode],
             robot_classify(dict(zip(ROBOT_VARIANTS, first))))
    short = parallel([lambda v=v: robot_probe(port["robot-strong"], v, standard=False)
                      for v in ROBOT_VARIANTS] +
                     [lambda v=v: robot_probe(port["robot-fixed"], v, standard=False)
                      for v in ROBOT_VARIANTS])
    t.list_eq("robot-strong: CKE-only flow (server idle timeout 2 s)",
              ["closed", "alert:51", "alert:50", "alert:47", "alert:70"], short[:5])
    t.list_eq("robot-fixed: CKE-only flow: all the same", ["closed"] * 5, short[5:])
    lines = conn_lines(srv["robot-strong"], at_least=17)
    ckes = [i for ln in lines for i in ln["recv"] if i.startswith("ClientKeyExchange(")]
    t.eq("robot-strong: one log line per connection (10 + 5 probes, wait_port, s_client)",
         17, len(lines))
    t.eq("robot-strong: the server classified each variant as the client built it",
         sorted(["ClientKeyExchange(%s)" % v for v in ROBOT_VARIANTS] * 3 +
                ["ClientKeyExchange(valid)"]), sorted(ckes))

    # 6. intolerance
    hellos = [
        ("TLS 1.2 ClientHello, known extensions", client_hello(), (1, 1, 1)),
        ("supported_versions 0304,0303", client_hello(exts=(SIGALGS_EXT, RI_EXT, (
            43, b"\x04\x03\x04\x03\x03")), suites=(0x1301, 0x002F)), (1, 0, 1)),
        ("legacy_version 0x0304", client_hello(version=0x0304), (1, 0, 1)),
        ("supported_versions GREASE 0a0a,0303", client_hello(exts=(SIGALGS_EXT, RI_EXT, (
            43, b"\x04\x0a\x0a\x03\x03")), suites=(0x0A0A, 0x002F)), (1, 0, 1)),
        ("supported_versions 0305,0303", client_hello(exts=(SIGALGS_EXT, RI_EXT, (
            43, b"\x04\x03\x05\x03\x03"))), (1, 0, 1)),
        ("GREASE extension 0x1a1a", client_hello(exts=(SIGALGS_EXT, (0x1A1A, b""), RI_EXT)),
         (1, 1, 0)),
        ("unknown extension 0x4242", client_hello(exts=(SIGALGS_EXT, RI_EXT, (0x4242, b"x"))),
         (1, 1, 0)),
    ]
    modes = ("tolerant", "version-intolerant", "extension-intolerant")
    for label, ch, want in hellos:
        for mode, ok in zip(modes, want):
            c = RawClient(port[mode])
            r = c.hello(ch)
            c.close()
            got = "TLS 1.2 ServerHello" if r.get("sh", {}).get("version") == 0x0303 and \
                "cert" in r else r.get("end")
            t.eq("%s: %s" % (mode, label), "TLS 1.2 ServerHello" if ok else "closed", got)
    outs = parallel([lambda m=m: s_client(h, port[m], ["-CAfile", ca]) for m in modes])
    for mode, out in zip(modes, outs):
        ok = tls12_aes128_sha(out)
        t.check("%s: default openssl s_client (offers TLS 1.3) %s" % (
            mode, "fails" if mode == "version-intolerant" else "gets TLS 1.2"),
            (not ok) if mode == "version-intolerant" else ok, out[-600:])

    # 7. garbage never kills a server; it keeps answering
    garbage = [os.urandom(300), b"\x16\x03\x01\xff\xff" + os.urandom(100),
               b"\x16\x03\x01\x00\x04\x01\xff\xff\xff", b"\x80\x2e\x01\x00\x02" + os.urandom(40),
               b"\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00",
               b"\x16\x03\x03\x00\x05" + client_hello()[:5],
               b"\x18\x03\x03\x00\x01\x01", b"\x17\x03\x03\x00\x03abc",
               b"\x15\x03\x03\x00\x02\x02\x28"]
    for mode in sorted(MODES):
        for g in garbage:
            with socket.create_connection(("127.0.0.1", port[mode]), timeout=3) as s:
                s.sendall(g)
                s.shutdown(socket.SHUT_WR)
                try:
                    while s.recv(4096):
                        pass
                except OSError:
                    pass
        c = RawClient(port[mode])
        r = c.hello(client_hello())
        c.close()
        log = srv[mode].log()
        t.check("%s: alive after %d garbage connections, no internal error" % (mode, len(garbage)),
                srv[mode].proc.poll() is None and "cert" in r and "internal-error" not in log,
                log[-1500:])


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.path.insert(0, HERE)
        import harness
        harness.run_test(selftest)
    sys.exit(serve())
