#!/usr/bin/env python3
"""A scripted SSLv2 / SSLv3 server for tlsaudit's integration tests.

Python 3 standard library only. It never completes a handshake: it sends the
server's first flight (enough for a scanner to learn version and cipher
suites), then reads what the client sends (bounded) and closes.

    fake_legacy_server.py --port PORT --cert-der FILE
        [--host 127.0.0.1]
        [--sslv2-kinds 0x010080,0x0700C0]   SSLv2 cipher kinds; empty = SSLv2 off
        [--sslv3-suites 0x002F,0x0005]      SSLv3 suites (RSA key exchange
                                            only); empty = SSLv3 off
        [--sslv3-order server|client]       who picks among common suites

Behaviour (chosen to be what real SSLv2/SSLv3-era servers did):

SSLv2-format record (first byte has the high bit set), CLIENT-HELLO:
  * version 0x0002 and SSLv2 on: SSLv2 SERVER-HELLO, server-version 0x0002,
    certificate type X.509 with the DER certificate, and as cipher specs the
    configured kinds that the client offered (in configured order) - this is
    what OpenSSL's SSLv2 server did. No common kind: SSLv2 ERROR
    NO-CIPHER-ERROR (0x0001).
  * version >= 0x0300 (an "SSLv2-compatible" hello for SSLv3/TLS):
    SSLv3 on: handled like an SSLv3/TLS ClientHello (below) whose suites are
    the 3-byte specs with a zero first byte; answered with SSLv3 records.
    SSLv3 off and SSLv2 on: answered like an SSLv2-only server, i.e. with an
    SSLv2 SERVER-HELLO (server-version 0x0002) or NO-CIPHER-ERROR.
  * SSLv2 off (and not handled above): connection closed.
  * version 0x0002 while SSLv2 off: connection closed (an SSLv3 server
    that accepts the v2 record format still refuses version 2).

TLS-format record (content type 22, handshake), ClientHello:
  * SSLv3 off: connection closed without a byte (an SSLv2-only server does
    not understand TLS records).
  * client_version < 0x0300: fatal protocol_version alert (70).
  * client_version >= 0x0300: ServerHello with version 0x0300 - also when the
    client asked for TLS 1.0/1.1/1.2/1.3 (supported_versions is ignored), as a
    real SSLv3-only server answers - choosing, with --sslv3-order server, the
    first configured suite the client offered, with client, the first client
    suite that is configured; then Certificate and ServerHelloDone, all in
    SSLv3 records (record version 0x0300). No common suite: fatal
    handshake_failure alert (40).
Anything else: connection closed.

"Connection closed": after reading what the client sent (bounded, 0.3 s of
quiet), so the close is a FIN, not a reset.

Limits: at most 64 concurrent connections, 64 KiB read per connection,
10 s socket timeout. Stops on SIGTERM/SIGINT.
"""

import argparse
import os
import signal
import socket
import struct
import sys
import threading

MAX_CONC = 64
MAX_READ = 64 * 1024
SOCK_TIMEOUT = 10.0

SSL2_KINDS = {
    0x010080: "SSL_CK_RC4_128_WITH_MD5",
    0x020080: "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
    0x030080: "SSL_CK_RC2_128_CBC_WITH_MD5",
    0x040080: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
    0x050080: "SSL_CK_IDEA_128_CBC_WITH_MD5",
    0x060040: "SSL_CK_DES_64_CBC_WITH_MD5",
    0x0700C0: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
}

# SSLv3 suites we are willing to play: RSA key exchange only (so the first
# flight needs no ServerKeyExchange).
SSL3_SUITES = {
    0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA",
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x0007: "TLS_RSA_WITH_IDEA_CBC_SHA",
    0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
}


class Conn:
    def __init__(self, sock, cfg):
        self.s = sock
        self.cfg = cfg
        self.nread = 0

    def recv_exact(self, n):
        if self.nread + n > MAX_READ:
            raise EOFError("read limit")
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("peer closed")
            buf += chunk
        self.nread += n
        return buf

    def drain_and_close(self, timeout=2.0):
        """Read (bounded) until the peer closes or goes quiet, so that our
        close sends a FIN and not an RST (unread data makes Linux reset)."""
        try:
            self.s.settimeout(timeout)
            while self.nread < MAX_READ:
                chunk = self.s.recv(4096)
                if not chunk:
                    break
                self.nread += len(chunk)
        except OSError:
            pass


def log(cfg, msg):
    if cfg.verbose:
        print("[fake_legacy_server:%d] %s" % (cfg.port, msg), flush=True)


def u16(n):
    return struct.pack(">H", n)


def u24(n):
    return struct.pack(">I", n)[1:]


def ssl2_record(body):
    assert len(body) < 0x8000
    return u16(0x8000 | len(body)) + body


def ssl2_server_hello(cfg, kinds):
    cert = cfg.cert
    conn_id = os.urandom(16)
    specs = b"".join(u24(k) for k in kinds)
    body = (b"\x04" + b"\x00" + b"\x01" + u16(0x0002) + u16(len(cert)) +
            u16(len(specs)) + u16(len(conn_id)) + cert + specs + conn_id)
    return ssl2_record(body)


def ssl2_error(code=0x0001):
    return ssl2_record(b"\x00" + u16(code))


def ssl3_record(ctype, body):
    return bytes([ctype]) + u16(0x0300) + u16(len(body)) + body


def alert(desc):
    return ssl3_record(21, bytes([2, desc]))


def hs(mtype, body):
    return bytes([mtype]) + u24(len(body)) + body


def ssl3_answer(cfg, client_version, client_suites):
    """Bytes to send in answer to an SSLv3/TLS ClientHello."""
    if client_version < 0x0300:
        log(cfg, "client_version %#06x < SSLv3: protocol_version alert" % client_version)
        return alert(70)
    chosen = None
    if cfg.sslv3_order == "server":
        for s in cfg.sslv3_suites:
            if s in client_suites:
                chosen = s
                break
    else:
        for s in client_suites:
            if s in cfg.sslv3_suites:
                chosen = s
                break
    if chosen is None:
        log(cfg, "no common SSLv3 suite: handshake_failure")
        return alert(40)
    log(cfg, "client_version %#06x: ServerHello SSLv3 %s" % (client_version, SSL3_SUITES[chosen]))
    sh = u16(0x0300) + os.urandom(32) + bytes([32]) + os.urandom(32) + u16(chosen) + b"\x00"
    cert = cfg.cert
    chain = u24(len(cert)) + cert
    msgs = hs(2, sh) + hs(11, u24(len(chain)) + chain) + hs(14, b"")
    return ssl3_record(22, msgs)


def handle_ssl2_format(c, first):
    cfg = c.cfg
    ln = ((first[0] & 0x7F) << 8) | first[1]
    if ln < 9:
        return None
    body = c.recv_exact(ln)
    if body[0] != 1:
        return None
    version = struct.unpack(">H", body[1:3])[0]
    cs_len, sid_len, ch_len = struct.unpack(">HHH", body[3:9])
    if 9 + cs_len + sid_len + ch_len > len(body) or cs_len % 3:
        return None
    specs = body[9:9 + cs_len]
    kinds = [int.from_bytes(specs[i:i + 3], "big") for i in range(0, cs_len, 3)]
    if version >= 0x0300 and cfg.sslv3_suites:
        suites = [k & 0xFFFF for k in kinds if k >> 16 == 0]
        log(cfg, "SSLv2-format hello for %#06x, answered as SSLv3" % version)
        return ssl3_answer(cfg, version, suites)
    if cfg.sslv2_kinds and (version == 0x0002 or version >= 0x0300):
        common = [k for k in cfg.sslv2_kinds if k in kinds]
        if not common:
            log(cfg, "SSLv2 hello (version %#06x): NO-CIPHER-ERROR" % version)
            return ssl2_error(0x0001)
        log(cfg, "SSLv2 hello (version %#06x): SERVER-HELLO %s" % (
            version, [SSL2_KINDS[k] for k in common]))
        return ssl2_server_hello(cfg, common)
    log(cfg, "SSLv2-format hello version %#06x refused (close)" % version)
    return None


def handle_tls_format(c, first):
    cfg = c.cfg
    if not cfg.sslv3_suites:
        log(cfg, "TLS record while SSLv3 is off: close")
        return None
    # first 2 bytes already read: type, version-major; read the rest of header
    rest = c.recv_exact(3)
    rlen = struct.unpack(">H", rest[1:3])[0]
    if rlen == 0 or rlen > 16384 + 2048:
        return None
    data = c.recv_exact(rlen)
    # the ClientHello may span several records
    if len(data) < 4 or data[0] != 1:
        return None
    mlen = struct.unpack(">I", b"\x00" + data[1:4])[0]
    if mlen > MAX_READ:
        return None
    while len(data) < 4 + mlen:
        hdr = c.recv_exact(5)
        if hdr[0] != 22:
            return None
        rl = struct.unpack(">H", hdr[3:5])[0]
        if rl == 0 or rl > 16384 + 2048:
            return None
        data += c.recv_exact(rl)
    m = data[4:4 + mlen]
    if len(m) < 35:
        return None
    client_version = struct.unpack(">H", m[0:2])[0]
    sid_len = m[34]
    p = 35 + sid_len
    if p + 2 > len(m):
        return None
    cs_len = struct.unpack(">H", m[p:p + 2])[0]
    cs = m[p + 2:p + 2 + cs_len]
    suites = [struct.unpack(">H", cs[i:i + 2])[0] for i in range(0, len(cs) - 1, 2)]
    return ssl3_answer(cfg, client_version, suites)


def handle(sock, cfg, sem):
    try:
        sock.settimeout(SOCK_TIMEOUT)
        c = Conn(sock, cfg)
        try:
            first = c.recv_exact(2)
            if first[0] & 0x80:
                out = handle_ssl2_format(c, first)
            elif first[0] == 22 and first[1] == 3:
                out = handle_tls_format(c, first)
            else:
                out = None
            if out:
                sock.sendall(out)
                c.drain_and_close()
            else:
                c.drain_and_close(0.3)
        except (EOFError, OSError, struct.error, IndexError) as e:
            log(cfg, "connection ended: %s" % (e,))
    finally:
        try:
            sock.close()
        except OSError:
            pass
        sem.release()


def parse_list(s):
    if not s:
        return []
    return [int(x, 16) if x.lower().startswith("0x") else int(x) for x in s.split(",") if x]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert-der", required=True)
    ap.add_argument("--sslv2-kinds", default="")
    ap.add_argument("--sslv3-suites", default="")
    ap.add_argument("--sslv3-order", choices=("server", "client"), default="server")
    ap.add_argument("--verbose", action="store_true")
    cfg = ap.parse_args(argv)
    if not (cfg.host.startswith("127.") or cfg.host == "::1"):
        ap.error("refusing to listen outside loopback")
    cfg.sslv2_kinds = parse_list(cfg.sslv2_kinds)
    cfg.sslv3_suites = parse_list(cfg.sslv3_suites)
    for k in cfg.sslv2_kinds:
        if k not in SSL2_KINDS:
            ap.error("unknown SSLv2 kind %#08x" % k)
    for s in cfg.sslv3_suites:
        if s not in SSL3_SUITES:
            ap.error("unsupported SSLv3 suite %#06x (RSA key exchange only)" % s)
    if not cfg.sslv2_kinds and not cfg.sslv3_suites:
        ap.error("enable SSLv2 and/or SSLv3")
    with open(cfg.cert_der, "rb") as f:
        cfg.cert = f.read()

    stop = threading.Event()

    def on_sig(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)

    fam = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((cfg.host, cfg.port))
    ls.listen(64)
    ls.settimeout(0.2)
    sem = threading.BoundedSemaphore(MAX_CONC)
    print("fake_legacy_server listening on %s:%d sslv2=%s sslv3=%s order=%s" % (
        cfg.host, cfg.port, [SSL2_KINDS[k] for k in cfg.sslv2_kinds],
        [SSL3_SUITES[s] for s in cfg.sslv3_suites], cfg.sslv3_order), flush=True)
    while not stop.is_set():
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            continue
        except OSError:
            if stop.is_set():
                break
            raise
        if not sem.acquire(timeout=SOCK_TIMEOUT):
            conn.close()
            continue
        threading.Thread(target=handle, args=(conn, cfg, sem), daemon=True).start()
    ls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
