#!/usr/bin/env python3
"""Web servers on other TLS stacks, for tlsaudit's integration tests.

What it provides (Python 3 standard library only, built on harness.py)
  * lighttpd 1.4.69 with one TLS module: mod_openssl, mod_gnutls,
    mod_mbedtls, mod_wolfssl or mod_nss                    start_lighttpd()
  * Apache httpd 2.4 (mpm_event, mod_ssl) with its own httpd.conf
                                                          start_apache()
  * HAProxy 2.6 with its own configuration (-f, -db)       start_haproxy()
  * more leaf certificates from the harness CA (other key types and curves)
                                                          make_leaf()
  * an independent raw ClientHello prober that also reads the Certificate,
    CertificateStatus, the ServerHello extensions and the TLS 1.2
    ServerKeyExchange signature scheme (short signature_algorithms lists:
    wolfSSL reads only ~19 entries)                          hello()
  * `openssl s_client` with the peer signature scheme      s_client()
  * the verification of a whole "stack spec" against the live server -
    suites per version by elimination over the registry, orders on adjacent
    pairs, ChaCha20 priority, groups per version (each id alone, RFC 7919
    FFDHE negotiation), the DH prime, the leaf of each certificate kind,
    signature schemes per version, ServerHello features, status_request,
    TLS 1.3 tickets (Python's ssl)                        verify_stack()
    and the comparison of the scanner's target with it   check_stack()
    (the spec format is described above verify_stack()).

Same rules as harness.py: every server binds 127.0.0.1 only, on a free
high port, with its configuration, document root, pid file and logs in the
test's temp dir; it runs in the foreground in its own session and is
stopped by PID at exit; a server that cannot start raises
harness.SetupError, which FAILS the test.  Servers can be started together
(wait=False) and waited for afterwards (Server.wait()), so several of them
start in parallel.

lighttpd notes (1.4.69, Debian 12):
  * every module reads `ssl.openssl.ssl-conf-cmd`; mod_openssl hands each
    entry to OpenSSL's SSL_CONF_cmd() (so "Certificate"/"PrivateKey" add a
    second certificate); the other modules translate a subset (CipherString,
    Ciphersuites for mbedTLS, Curves/Groups, MinProtocol/MaxProtocol,
    Options ServerPreference/SessionTicket); mod_gnutls also takes a whole
    priority string as "gnutls-override".
  * lighttpd runs as the user that starts it when server.username is not
    set (root here); the temp dir is made traversable so it can read the
    document root either way.
  * mod_nss loads PEM files itself (NSS_NoDB_Init): no NSS database needed.
"""

import os
import re
import secrets
import socket
import struct
import time

import harness as h

MODULES = ("mod_openssl", "mod_gnutls", "mod_mbedtls", "mod_wolfssl", "mod_nss")


def _q(s):
    """A lighttpd / Apache quoted string."""
    return '"%s"' % str(s).replace("\\", "\\\\").replace('"', '\\"')


def _prefix(name):
    d = os.path.join(h.tmpdir(), "%s-%s" % (name, secrets.token_hex(3)))
    os.makedirs(d)
    os.chmod(h.tmpdir(), 0o711)  # servers that drop privileges can traverse it
    os.chmod(d, 0o755)
    return d


class WebServer(h.Server):
    """harness.Server plus .ports, .conf_text, .prefix and wait()."""

    def __init__(self, name, proc, ports, log_path, conf_text, prefix):
        super().__init__(name, proc, ports[0], log_path)
        self.ports = list(ports)
        self.conf_text = conf_text
        self.prefix = prefix
        self._waited = False

    def wait(self, timeout=20.0):
        if not self._waited:
            for p in self.ports:
                h.wait_port(p, proc=self.proc, log_path=self.log_path, timeout=timeout)
            self._waited = True
        return self

    def stop(self):
        h.stop_process(self.proc, self.name)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def _www(prefix):
    www = os.path.join(prefix, "www")
    os.makedirs(www)
    os.chmod(www, 0o755)
    idx = _write(os.path.join(www, "index.html"), "ok\n")
    os.chmod(idx, 0o644)
    return www

# ---------------------------------------------------------------------------
# certificates
# ---------------------------------------------------------------------------


def make_leaf(name, newkey, cn="localhost", san="DNS:localhost,IP:127.0.0.1",
              ku="digitalSignature"):
    """A leaf signed by the harness CA (harness.make_certs()).
    newkey: openssl req arguments, e.g. ["-newkey", "ec", "-pkeyopt",
    "ec_paramgen_curve:P-384"]. Returns (key_path, cert_path)."""
    c = h.make_certs()
    key = os.path.join(c.dir, name + ".key")
    csr = os.path.join(c.dir, name + ".csr")
    crt = os.path.join(c.dir, name + ".pem")
    ext = os.path.join(c.dir, name + ".ext")
    _write(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,%s\n"
           "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n" % (ku, san))
    h.run(["openssl", "req", "-new", "-nodes"] + list(newkey) +
          ["-keyout", key, "-out", csr, "-subj", "/CN=" + cn])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", c.ca_key,
           "-set_serial", str(1000 + secrets.randbelow(10 ** 6)), "-days", "30", "-sha256",
           "-extfile", ext, "-out", crt])
    for p in (key, crt):
        os.chmod(p, 0o644)
    return key, crt


def cert_info(pem):
    """(key_type, bits, curve) of a PEM certificate, from `openssl x509 -text`."""
    out = h.run(["openssl", "x509", "-in", pem, "-noout", "-text"]).stdout.decode()
    m = re.search(r"Public Key Algorithm: (\S+)", out)
    alg = m.group(1) if m else "?"
    bits = int(re.search(r"Public-Key: \((\d+) bit\)", out).group(1))
    cm = re.search(r"NIST CURVE: (\S+)", out) or re.search(r"ASN1 OID: (\S+)", out)
    if alg == "rsaEncryption":
        return "RSA", bits, None
    if alg == "id-ecPublicKey":
        return "EC", bits, cm.group(1) if cm else None
    return alg, bits, None

# ---------------------------------------------------------------------------
# lighttpd
# ---------------------------------------------------------------------------


def start_lighttpd(module, conf_lines=(), cert=None, key=None, port=None, name=None,
                   wait=True):
    """lighttpd 1.4.69 on 127.0.0.1:PORT with one TLS module.

    module: one of MODULES. conf_lines: extra lines of lighttpd.conf (e.g.
    'ssl.openssl.ssl-conf-cmd = ("CipherString" => "...")'). cert/key: PEM
    files (default: the harness RSA leaf). Runs `lighttpd -D -f CONF`
    (foreground); the config is checked with `lighttpd -tt` first."""
    if module not in MODULES:
        raise h.SetupError("unknown lighttpd TLS module %r" % module)
    so = "/usr/lib/lighttpd/%s.so" % module
    if not os.path.exists(so):
        raise h.SetupError("%s missing: install lighttpd-%s (scripts/install-deps.sh)" % (
            so, module.replace("_", "-")))
    c = h.make_certs()
    port = port or h.free_port()
    name = name or "lighttpd-" + module[4:]
    prefix = _prefix(name)
    www = _www(prefix)
    err = os.path.join(prefix, "error.log")
    lines = [
        'server.modules = ( %s )' % _q(module),
        'server.document-root = %s' % _q(www),
        'server.bind = "127.0.0.1"',
        'server.port = %d' % port,
        'server.pid-file = %s' % _q(os.path.join(prefix, "lighttpd.pid")),
        'server.errorlog = %s' % _q(err),
        'server.max-worker = 0',
        'index-file.names = ( "index.html" )',
        'ssl.engine = "enable"',
        'ssl.pemfile = %s' % _q(cert or c.rsa_cert),
        'ssl.privkey = %s' % _q(key or c.rsa_key),
    ] + list(conf_lines)
    text = "\n".join(lines) + "\n"
    conf = _write(os.path.join(prefix, "lighttpd.conf"), text)
    cp = h.run(["lighttpd", "-tt", "-f", conf], check=False)
    if cp.returncode != 0:
        raise h.SetupError("lighttpd -tt failed for %s:\n%s%s\n%s\nconfig:\n%s" % (
            module, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"),
            h.read_log(err), text))
    log_path = os.path.join(prefix, "stdout.log")
    proc = h.start_process(["lighttpd", "-D", "-f", conf], name, log_path)
    srv = WebServer(name, proc, [port], err, text, prefix)
    srv.module = module
    return srv.wait() if wait else srv

# ---------------------------------------------------------------------------
# Apache httpd
# ---------------------------------------------------------------------------

APACHE_MODULES = ("mpm_event", "authz_core", "mime", "dir", "socache_shmcb", "ssl")


def start_apache(conf, port=None, name="apache", modules=(), wait=True):
    """apache2 (mpm_event, mod_ssl) with an own minimal httpd.conf:
    ServerRoot, PidFile, ErrorLog, Mutex, DocumentRoot under the temp dir,
    `Listen 127.0.0.1:PORT` and one <VirtualHost> whose body is CONF
    ("SSLEngine on" and the certificate lines are the caller's). `{port}`
    in CONF is replaced by the port. Runs `apache2 -DFOREGROUND -f CONF`
    (checked with `apache2 -t` first); workers run as www-data."""
    port = port or h.free_port()
    prefix = _prefix(name)
    www = _www(prefix)
    for sub in ("logs", "run"):
        os.makedirs(os.path.join(prefix, sub))
    err = os.path.join(prefix, "logs", "error.log")
    mods = "".join("LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n" % (m, m)
                   for m in list(APACHE_MODULES) + list(modules))
    run_dir = os.path.join(prefix, "run")
    text = """ServerRoot {p}
{mods}User www-data
Group www-data
PidFile {pid}
ErrorLog {err}
LogLevel warn
Mutex file:{run_raw} default
DefaultRuntimeDir {run}
ServerName localhost
Listen 127.0.0.1:{port}
TypesConfig /etc/mime.types
DocumentRoot {www}
DirectoryIndex index.html
<Directory {www}>
    Require all granted
</Directory>
SSLSessionCache shmcb:{cache}(512000)
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
<VirtualHost 127.0.0.1:{port}>
{body}
</VirtualHost>
""".format(p=_q(prefix), mods=mods, err=_q(err), port=port, www=_q(www), run=_q(run_dir),
           pid=_q(os.path.join(run_dir, "httpd.pid")), run_raw=run_dir,
           cache=os.path.join(run_dir, "ssl_scache"),
           body="\n".join("    " + l for l in conf.replace("{port}", str(port)).strip()
                          .splitlines()))
    conf_path = _write(os.path.join(prefix, "httpd.conf"), text)
    cp = h.run(["apache2", "-t", "-f", conf_path], check=False)
    if cp.returncode != 0:
        raise h.SetupError("apache2 -t failed:\n%s%s\nconfig:\n%s" % (
            cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"), text))
    log_path = os.path.join(prefix, "logs", "stdout.log")
    proc = h.start_process(["apache2", "-DFOREGROUND", "-f", conf_path], name, log_path)
    srv = WebServer(name, proc, [port], err, text, prefix)
    return srv.wait() if wait else srv

# ---------------------------------------------------------------------------
# HAProxy
# ---------------------------------------------------------------------------


def start_haproxy(conf, ports, name="haproxy", wait=True, files=None, global_lines=(),
                  env=None):
    """haproxy 2.6 -db (foreground) -f CONF. CONF holds the frontends and
    backends (each `bind 127.0.0.1:PORT ...`); a global section (no daemon,
    no chroot, no stats socket, nbthread 1, plus GLOBAL_LINES such as
    ssl-default-bind-ciphers) and defaults (mode http, short timeouts) are
    put before it. FILES: {name: text} written next to the config first
    (crt-lists ...); `{dir}` in CONF and FILES is that directory."""
    prefix = _prefix(name)
    for fname, data in (files or {}).items():
        _write(os.path.join(prefix, fname), data.replace("{dir}", prefix))
    text = """global
    nbthread 1
    log stderr format short local0 notice
    pidfile {p}/haproxy.pid
{g}

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 10s
    timeout server 10s

{conf}
""".format(p=prefix, conf=conf.replace("{dir}", prefix),
           g="\n".join("    " + l for l in global_lines))
    conf_path = _write(os.path.join(prefix, "haproxy.cfg"), text)
    cp = h.run(["haproxy", "-c", "-f", conf_path], check=False)
    if cp.returncode != 0:
        raise h.SetupError("haproxy -c failed:\n%s%s\nconfig:\n%s" % (
            cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"), text))
    log_path = os.path.join(prefix, "haproxy.log")
    proc = h.start_process(["haproxy", "-db", "-f", conf_path], name, log_path, env=env)
    srv = WebServer(name, proc, ports, log_path, text, prefix)
    return srv.wait() if wait else srv

# ---------------------------------------------------------------------------
# independent checks
# ---------------------------------------------------------------------------


def s_client(port, args, host="127.0.0.1", timeout=30, stdin=b""):
    """`openssl s_client -connect HOST:PORT ARGS` (stdin closed after STDIN):
    {"ok", "protocol", "cipher", "temp_key", "peer_sig_type",
     "peer_sig_digest", "tickets" (count of "Post-Handshake New Session
     Ticket" / TLS 1.2 "TLS session ticket:"), "ocsp" (the OCSP line or None),
     "ems" (True/False/None), "reneg" (secure renegotiation line), "output"}."""
    cp = h.run(["openssl", "s_client", "-connect", "%s:%d" % (host, port)] + list(args),
               check=False, timeout=timeout, input=stdin)
    out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)

    def grab(rx):
        mm = re.search(rx, out, re.M)
        return mm.group(1).strip() if mm else None
    ems = grab(r"^Extended master secret: (\S+)")
    # "New, X, Cipher is Y": X is the version the suite was defined in; the
    # negotiated version is the session's "Protocol  :" line when printed,
    # and TLS 1.3 when Y is a TLS 1.3 suite (those exist in TLS 1.3 only)
    cipher = m.group(2) if m else None
    proto = grab(r"^\s*Protocol\s*: (\S+)")
    if proto is None and cipher in h.TLS13_SUITES.values():
        proto = "TLSv1.3"
    return {"ok": bool(m) and cipher != "(NONE)",
            "protocol": proto, "cipher": cipher,
            "temp_key": grab(r"^Server Temp Key: (.*)$"),
            "peer_sig_type": grab(r"^Peer signature type: (.*)$"),
            "peer_sig_digest": grab(r"^Peer signing digest: (.*)$"),
            "tickets": len(re.findall(r"Post-Handshake New Session Ticket arrived", out)),
            "ocsp": grab(r"^(OCSP response: .*)$"),
            "ems": None if ems is None else ems == "yes",
            "reneg": grab(r"^(Secure Renegotiation IS.*)$"),
            "output": out}


SIGALGS_RSA = [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601]
SIGALGS_EC = [0x0403, 0x0503, 0x0603]
SHORT_SIGALGS = SIGALGS_EC + SIGALGS_RSA + [0x0807, 0x0201, 0x0203]   # 11 entries


def hello(port, version="TLSv1.2", suites=(), groups=("secp256r1", "x25519"), sigalgs=None,
          sni=None, status_request=False, features=False, key_share=None, timeout=5.0,
          host="127.0.0.1"):
    """One hand-built ClientHello (independent of the scanner, like
    harness.tls_probe), the server's first flight parsed.

    version "SSLv3".."TLSv1.2" (legacy_version) or "TLSv1.3" (supported_versions
    1.3 only, key_share empty unless KEY_SHARE = (group, bytes)); sigalgs
    default SHORT_SIGALGS (11 entries: wolfSSL reads only the first ~19);
    status_request adds an OCSP status_request; features adds
    extended_master_secret, encrypt_then_mac, session_ticket and
    renegotiation_info (renegotiation_info is always sent for TLS <= 1.2).
    Returns {"alert": n} / {"closed": why} or {"version", "suite", "hrr",
    "selected_group", "extensions": [ids], "certificate": DER or None,
    "cert_status": bool, "ske_curve", "dh_p", "ske_scheme" (TLS 1.2 SKE
    signature scheme), "alert_after"}."""
    u16 = lambda n: struct.pack(">H", n)

    def ext(t, body):
        return u16(t) + u16(len(body)) + body
    tls13 = version == "TLSv1.3"
    legacy = 0x0303 if tls13 else h.VERSION_IDS[version]
    body = u16(legacy) + os.urandom(32) + bytes([32]) + os.urandom(32)
    cs = b"".join(u16(s) for s in suites)
    body += u16(len(cs)) + cs + b"\x01\x00"
    exts = b""
    if sni:
        nm = sni.encode()
        e = b"\x00" + u16(len(nm)) + nm
        exts += ext(0, u16(len(e)) + e)
    if groups:
        gl = b"".join(u16(h.GROUP_IDS[g] if isinstance(g, str) else g) for g in groups)
        exts += ext(10, u16(len(gl)) + gl) + ext(11, b"\x01\x00")
    if legacy >= 0x0303:
        sa = b"".join(u16(s) for s in (sigalgs or SHORT_SIGALGS))
        exts += ext(13, u16(len(sa)) + sa)
    if status_request:
        exts += ext(5, b"\x01\x00\x00\x00\x00")
    if features:
        exts += ext(23, b"") + ext(22, b"") + ext(35, b"")
    if tls13:
        exts += ext(43, b"\x02\x03\x04")
        ks = b""
        if key_share:
            g = h.GROUP_IDS[key_share[0]] if isinstance(key_share[0], str) else key_share[0]
            ks = u16(g) + u16(len(key_share[1])) + key_share[1]
        exts += ext(51, u16(len(ks)) + ks)
        exts += ext(45, b"\x01\x01")
    else:
        exts += ext(0xff01, b"\x00")
    body += u16(len(exts)) + exts
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    rec = b"\x16\x03\x01" + u16(len(hs)) + hs
    res = {}
    deadline = time.time() + timeout
    inv = {v: k for k, v in h.VERSION_IDS.items()}
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(rec)
            buf = b""
            while time.time() < deadline:
                hdr = h._recv_exact(s, 5, deadline)
                data = h._recv_exact(s, struct.unpack(">H", hdr[3:5])[0], deadline)
                if hdr[0] == 21:
                    if res:
                        res["alert_after"] = data[1] if len(data) > 1 else -1
                        return res
                    return {"alert": data[1] if len(data) > 1 else -1}
                if hdr[0] == 20:
                    continue
                if hdr[0] != 22:
                    return res or {"closed": "record type %d" % hdr[0]}
                buf += data
                while len(buf) >= 4:
                    mt, ml = buf[0], struct.unpack(">I", b"\x00" + buf[1:4])[0]
                    if len(buf) < 4 + ml:
                        break
                    m, buf = buf[4:4 + ml], buf[4 + ml:]
                    if mt == 2:
                        _server_hello(m, res)
                        res["version"] = inv.get(res["version"], res["version"])
                        if res["version"] == "TLSv1.3" or res["hrr"]:
                            return res
                    elif mt == 11:
                        res["certificate"] = None
                        if len(m) >= 6:
                            l1 = struct.unpack(">I", b"\x00" + m[3:6])[0]
                            res["certificate"] = m[6:6 + l1]
                    elif mt == 22:
                        res["cert_status"] = True
                    elif mt == 12:
                        _ske(m, res)
                    elif mt == 14:
                        return res
    except (EOFError, socket.timeout, ConnectionError, OSError) as e:
        if res:
            res["closed_after"] = str(e)
            return res
        return {"closed": str(e)}
    return res or {"closed": "timeout"}


def _server_hello(m, res):
    res["version"] = struct.unpack(">H", m[0:2])[0]
    res["hrr"] = m[2:34] == h.HRR_RANDOM
    p = 35 + m[34]
    res["suite"] = struct.unpack(">H", m[p:p + 2])[0]
    p += 3
    res["extensions"] = []
    res.setdefault("cert_status", False)
    if p + 2 <= len(m):
        end = p + 2 + struct.unpack(">H", m[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, l = struct.unpack(">HH", m[p:p + 4])
            d = m[p + 4:p + 4 + l]
            res["extensions"].append(t)
            if t == 43 and l == 2:
                res["version"] = struct.unpack(">H", d)[0]
            elif t == 51 and l >= 2:
                res["selected_group"] = struct.unpack(">H", d[0:2])[0]
            p += 4 + l


def _ske(m, res):
    """ECDHE (named curve) or DHE ServerKeyExchange, TLS 1.2 signature
    scheme; the layout must account for every byte (see harness._parse_ske)."""
    tls12 = res.get("version") == "TLSv1.2"

    def sig(rest):
        if not rest:
            return True, None
        if tls12:
            if len(rest) >= 4 and 4 + struct.unpack(">H", rest[2:4])[0] == len(rest):
                return True, struct.unpack(">H", rest[0:2])[0]
            return False, None
        return len(rest) >= 2 and 2 + struct.unpack(">H", rest[0:2])[0] == len(rest), None
    if len(m) >= 4 and m[0] == 3 and 4 + m[3] <= len(m):
        ok, sch = sig(m[4 + m[3]:])
        if ok:
            res["ske_curve"] = struct.unpack(">H", m[1:3])[0]
            res["ske_scheme"] = sch
            return
    p, vecs = 0, []
    for _ in range(3):
        if p + 2 > len(m):
            return
        n = struct.unpack(">H", m[p:p + 2])[0]
        vecs.append(m[p + 2:p + 2 + n])
        p += 2 + n
    ok, sch = sig(m[p:])
    if ok:
        res["dh_p"] = int.from_bytes(vecs[0], "big")
        res["ske_scheme"] = sch


# ---------------------------------------------------------------------------
# registries (IANA names, written from the IANA TLS registries)
# ---------------------------------------------------------------------------

# every registered TLS <= 1.2 suite range (SCSVs 0x00FF and 0x5600 left out)
ALL_SUITE_IDS = ([i for i in range(0x0001, 0x00C8) if i != 0x00FF] +
                 list(range(0xC001, 0xC0B6)) + list(range(0xCCA8, 0xCCAF)) +
                 list(range(0xD001, 0xD006)))
TLS13_IDS = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]

IANA_GROUPS = {
    1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
    6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
    11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1", 15: "secp160k1",
    16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "secp192r1", 20: "secp224k1",
    21: "secp224r1", 22: "secp256k1", 23: "secp256r1", 24: "secp384r1", 25: "secp521r1",
    26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "x25519",
    30: "x448", 31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13", 34: "GC256A", 35: "GC256B", 36: "GC256C", 37: "GC256D",
    38: "GC512A", 39: "GC512B", 40: "GC512C", 41: "curveSM2",
    256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192"}
GROUP_ID = {v: k for k, v in IANA_GROUPS.items()}
EC_GROUP_IDS = list(range(1, 42))
FFDHE_IDS = list(range(256, 261))
FFDHE = ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
COMMON_EC = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"]

SCHEMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0301: "rsa_sha224",
    0x0303: "ecdsa_sha224", 0x0401: "rsa_pkcs1_sha256", 0x0403: "ecdsa_secp256r1_sha256",
    0x0501: "rsa_pkcs1_sha384", 0x0503: "ecdsa_secp384r1_sha384",
    0x0601: "rsa_pkcs1_sha512", 0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512", 0x0807: "ed25519", 0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256", 0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512"}
SCHEME_ID = {v: k for k, v in SCHEMES.items()}
RSA_SCHEMES = [0x0201, 0x0301, 0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806,
               0x0809, 0x080A, 0x080B]
EC_SCHEMES = [0x0203, 0x0303, 0x0403, 0x0503, 0x0603, 0x081A, 0x081B, 0x081C]

_names = None


def suite_names():
    """{code point: IANA name}: `openssl ciphers -stdname` for everything this
    OpenSSL can name, the TLS 1.3 suites, and the IANA registry entries used
    by these tests that this OpenSSL build cannot name."""
    global _names
    if _names is None:
        _names = {c["id"]: c["iana"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
        _names.update(h.TLS13_SUITES)
        for k, v in {0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                     0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
                     0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                     0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
                     0x0005: "TLS_RSA_WITH_RC4_128_SHA",
                     0x0004: "TLS_RSA_WITH_RC4_128_MD5"}.items():
            _names.setdefault(k, v)
    return _names


def suite_id(name):
    inv = {v: k for k, v in suite_names().items()}
    if name not in inv:
        raise h.SetupError("no code point known for suite %s" % name)
    return inv[name]


def names(ids):
    n = suite_names()
    return [n.get(i, "0x%04X" % i) for i in ids]


def is_tls12_only(name):
    """A suite whose definition needs TLS 1.2 (AEAD, or a SHA-256/384 PRF and
    MAC: RFC 5246, 5288, 5289, 7905, 6655): by the RFCs never valid below."""
    return any(x in name for x in ("_GCM_", "_CCM", "CHACHA20", "_SHA256", "_SHA384"))

# ---------------------------------------------------------------------------
# independent verification of a server's facts (raw probes)
# ---------------------------------------------------------------------------


def sigalgs_for(auth):
    return SIGALGS_EC + SIGALGS_RSA if auth == "EC" else SIGALGS_RSA + SIGALGS_EC


def accepted_suites(port, version, candidates, groups, sni=None, chunk=100, sigalgs=None):
    """Elimination (the same idea every scanner uses, done here by our own
    prober): offer CHUNK candidates, remove the one chosen, offer again
    until the server refuses. Returns the accepted code points, in the order
    chosen."""
    acc = []
    cands = list(candidates)
    for k in range(0, len(cands), chunk):
        ch = cands[k:k + chunk]
        while ch:
            r = hello(port, version, ch, groups=groups, sni=sni, sigalgs=sigalgs)
            if r.get("version") == version and r.get("suite") in ch:
                acc.append(r["suite"])
                ch.remove(r["suite"])
            else:
                break
    return acc


def choose_suite(port, version, offer, groups, sni=None, lead=None):
    """The suite the server picks from OFFER (LEAD, a suite the server does
    not accept, goes first so that no ChaCha20 suite leads the list)."""
    r = hello(port, version, ([lead] if lead else []) + list(offer), groups=groups, sni=sni)
    return r.get("suite") if r.get("version") == version else None


def order_problems(port, version, ids, groups, server_order, sni=None, lead=None):
    """Adjacent-pair order checks (harness.order_violations) for suites."""
    mode = "server" if server_order else "client"
    return ["%s suites: %s" % (version, p) for p in h.order_violations(
        lambda ls: [choose_suite(port, version, l, groups, sni, lead) for l in ls], ids, mode)]


def chacha_priority(port, version, order, groups, sni=None):
    """None unless a ChaCha20 suite is accepted after another suite in the
    server's order; then True when a client listing that ChaCha20 suite
    first (before the server's favourite) gets it."""
    n = suite_names()
    ch = [i for i in order if "CHACHA20" in n.get(i, "")]
    if not ch or order.index(ch[0]) == 0:
        return None
    return choose_suite(port, version, [ch[0], order[0]], groups, sni) == ch[0]


def ec_groups12(port, suite, sni=None, extra=()):
    """TLS 1.2 ECDHE: each EC group id alone (+ EXTRA), with SUITE: the
    group ids the ServerKeyExchange uses."""
    out = []
    for g in EC_GROUP_IDS:
        r = hello(port, "TLSv1.2", [suite], groups=[g] + list(extra), sni=sni)
        if r.get("ske_curve") == g:
            out.append(g)
    return out


def ffdhe_groups12(port, dhe_suites, sni=None):
    """TLS 1.2 DHE offering one FFDHE group: the groups whose RFC 7919 prime
    the server then uses (RFC 7919 negotiation)."""
    out = []
    for g in FFDHE_IDS:
        r = hello(port, "TLSv1.2", dhe_suites, groups=[g], sni=sni)
        if r.get("dh_p") == h.ffdhe_prime(int(IANA_GROUPS[g][5:])):
            out.append(g)
    return out


def groups13(port, suites, sni=None):
    """TLS 1.3: each group id alone, empty key_share: the ids the
    HelloRetryRequest selects."""
    out = []
    for g in EC_GROUP_IDS + FFDHE_IDS:
        r = hello(port, "TLSv1.3", suites, groups=[g], sni=sni)
        if r.get("selected_group") == g:
            out.append(g)
    return out


def group_order_problems(port, version, suites, gids, server_order, sni=None, extra=()):
    def pick(l):
        r = hello(port, version, suites, groups=list(l) + list(extra), sni=sni)
        if version == "TLSv1.3":
            return r.get("selected_group")
        if r.get("ske_curve") is not None:
            return r.get("ske_curve")
        for g in l:
            if g in FFDHE_IDS and r.get("dh_p") == h.ffdhe_prime(int(IANA_GROUPS[g][5:])):
                return g
        return None
    mode = "server" if server_order else "client"
    return ["%s groups: %s" % (version, p) for p in h.order_violations(
        lambda ls: [pick(l) for l in ls], gids, mode)]


def dh_of(port, dhe_suites, sni=None):
    """{"bits", "group"} of the DH prime used when the hello offers only EC
    groups (no FFDHE group). A server with no prime of its own (GnuTLS
    without DH parameters) negotiates DHE only with an RFC 7919 group
    offered: then the smallest one it takes when offered alone, with
    "only_with_ffdhe": True. None when no DHE suite is negotiated."""
    r = hello(port, "TLSv1.2", dhe_suites, groups=COMMON_EC, sni=sni)
    p = r.get("dh_p")
    if p is not None:
        return {"bits": p.bit_length(), "group": dh_group_name(p)}
    for name in FFDHE:  # smallest first
        p = hello(port, "TLSv1.2", dhe_suites, groups=COMMON_EC + [name], sni=sni).get("dh_p")
        if p is not None and dh_group_name(p) == name:
            return {"bits": p.bit_length(), "group": name, "only_with_ffdhe": True}
    return None


def dh_group_name(p):
    b = p.bit_length()
    if b in (2048, 3072, 4096, 6144, 8192) and p == h.ffdhe_prime(b):
        return "ffdhe%d" % b
    if b in (1536, 2048, 3072, 4096, 6144, 8192) and p == h.modp_prime(b):
        return "rfc3526-%d" % b
    if b in (768, 1024) and p == h.modp_prime(b):
        return "rfc2409-%d" % b
    return "custom"


PKCS1_SCHEMES = [0x0201, 0x0301, 0x0401, 0x0501, 0x0601]


def schemes12(port, suites, family, sni=None, groups=COMMON_EC + FFDHE[:2]):
    """TLS 1.2: each signature scheme of FAMILY ("RSA"/"EC") offered alone
    with SUITES (signed key exchange, that certificate kind): the schemes
    the ServerKeyExchange is then signed with. A scheme refused alone is
    tried again after each PKCS#1 scheme in turn (HAProxy picks its RSA
    certificate only for a client that lists a PKCS#1 scheme); it counts
    only when the ServerKeyExchange is signed with it, not the companion."""
    out = []
    for sch in (RSA_SCHEMES if family == "RSA" else EC_SCHEMES):
        for comp in [None] + [x for x in PKCS1_SCHEMES if x != sch]:
            sa = [sch] + ([comp] if comp else [])
            r = hello(port, "TLSv1.2", suites, groups=groups, sigalgs=sa, sni=sni)
            if r.get("ske_scheme") == sch:
                out.append(SCHEMES[sch])
                break
    return out


TLS13_SCHEME_NAMES = ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
                      "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
                      "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384",
                      "ecdsa_secp521r1_sha512", "ed25519", "ed448"]


_SIG_TYPE = {"rsa_pss_rsae": "RSA-PSS", "rsa_pss_pss": "RSA-PSS", "ecdsa": "ECDSA",
             "ed25519": "Ed25519", "ed448": "Ed448"}


def schemes13(port, sni=None):
    """TLS 1.3 (CertificateVerify is encrypted): a full `openssl s_client
    -sigalgs S:rsa_pkcs1_sha256` handshake per scheme S (PKCS#1 is
    not allowed in TLS 1.3 signatures, so S is the only usable entry; it is
    listed because HAProxy picks its RSA certificate only for a client
    listing a PKCS#1 scheme); S counts when the handshake completes and
    s_client reports a peer signature of S's type and digest."""
    out = []
    for s in TLS13_SCHEME_NAMES:
        # no -tls1_3: the hello also lists TLS 1.2 suites (HAProxy serves its
        # ECDSA leaf only to a client offering an ECDSA suite); a TLS 1.3
        # server still negotiates TLS 1.3, which is checked
        args = ["-sigalgs", s + ":rsa_pkcs1_sha256"] + (
            ["-servername", sni] if sni else ["-noservername"])
        r = s_client(port, args)
        if not (r["ok"] and r["protocol"] == "TLSv1.3"):
            continue
        kind = next(v for k, v in _SIG_TYPE.items() if s.startswith(k))
        dig = s.rsplit("_", 1)[-1].upper().replace("SHA", "SHA")
        if r["peer_sig_type"] == kind and (kind.startswith("Ed") or
                                           r["peer_sig_digest"] == dig):
            out.append(s)
    return out


def tls13_tickets(port, sni=None, wait=1.0):
    """A TLS 1.3 handshake with Python's ssl module (OpenSSL client), no
    request sent: True when a NewSessionTicket arrives within WAIT s."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            s.settimeout(wait)
            deadline = time.time() + wait
            try:
                while time.time() < deadline and not s.session.has_ticket:
                    if not s.recv(4096):
                        break
            except (socket.timeout, ssl.SSLError, OSError):
                pass
            return bool(s.session and s.session.has_ticket)


def features12(port, suites, cbc_suites, sni=None):
    """TLS 1.2 ServerHello answers to a hello with extended_master_secret,
    encrypt_then_mac, session_ticket, renegotiation_info (our prober), and
    what a hello with status_request gets."""
    r = hello(port, "TLSv1.2", suites, groups=COMMON_EC + FFDHE[:2], features=True, sni=sni)
    if "extensions" not in r:
        raise h.SetupError("feature hello failed on port %d: %r" % (port, r))
    ex = r["extensions"]
    out = {"extended_master_secret": 23 in ex, "secure_renegotiation": 0xff01 in ex,
           "session_ticket_extension": 35 in ex}
    if cbc_suites:
        rc = hello(port, "TLSv1.2", cbc_suites, groups=COMMON_EC + FFDHE[:2], features=True,
                   sni=sni)
        out["encrypt_then_mac"] = 22 in rc.get("extensions", [])
    else:
        out["encrypt_then_mac"] = None
    rs = hello(port, "TLSv1.2", suites, groups=COMMON_EC + FFDHE[:2], status_request=True,
               sni=sni)
    out["status_request_answer"] = ("closed" if "closed" in rs or "alert" in rs else
                                    "stapled" if (rs.get("cert_status") or
                                                  5 in rs.get("extensions", [])) else
                                    "not stapled")
    return out


def leaf_sha256(pem_or_der, der=False):
    data = pem_or_der
    if not der:
        out = h.run(["openssl", "x509", "-in", pem_or_der, "-outform", "DER"]).stdout
        data = out
    import hashlib
    return hashlib.sha256(data).hexdigest()

# ---------------------------------------------------------------------------
# a stack's facts: verify them live, then compare the scanner's report
# ---------------------------------------------------------------------------
#
# A stack spec is a dict:
#   name, port, sni (None: no SNI), host (target host in the report)
#   protocols   {version: {"suites": [IANA, in server order when server_order],
#                          "server_order": bool,
#                          "chacha20_priority": bool|None|"measured"|"unchecked"}}
#               (versions not listed: not offered)
#   groups_by_version {version: {"groups": [...], "server_order": bool,
#                                "suborders": [[EC...], [FFDHE...]] (TLS 1.2:
#                                each kind is picked in its own handshakes)}}
#               or "measured"
#   dh          {"bits", "group"} or None
#   certs       [{"sha256", "kind" ("RSA"/"EC"), "key_type", "key_bits", "curve",
#                 "sni": SNI of the hello that gets it (default: the spec's)}]
#   schemes     {"TLSv1.2": [...], "TLSv1.3": [...]} or "measured"
#   features    {name: value or "measured"}
#   status_request_answer  "not stapled" / "closed" (the server fails such a hello)
#   sigalg_limit  (optional) the server reads only this many signature_algorithms
#   suite_limit (optional) the server refuses hellos with more cipher suites
#   no_tls13    (optional) True: tls13_session_tickets must be null or false
# "measured" values are replaced by what verify_stack() measures (for facts
# the library does not document); print_measured() shows them as NOTE lines.

PROTOS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]


def _ids(nms):
    return [suite_id(n) for n in nms]


def _gnames(gids):
    return [IANA_GROUPS.get(g, "0x%04X" % g) for g in gids]


def measure_order(pick, items):
    """Selection with the offer in two client orders (given and reversed):
    (order, True) when both give the same sequence: the server imposes that
    order; (ITEMS, False) when each run follows the client's list exactly:
    client order; (ITEMS, None) when neither holds (wolfSSL takes the
    client's first curve of its preferred size): no order can be claimed,
    and the scanner must say null; (None, None) when a pick is not one of
    the items offered."""
    def run(seq):
        left, out = list(seq), []
        while left:
            g = pick(left)
            if g not in left:
                return None
            out.append(g)
            left.remove(g)
        return out
    a, b = run(items), run(list(reversed(items)))
    if a is None or b is None:
        return None, None
    if a == b:
        return a, True
    if a == list(items) and b == list(reversed(items)):
        return list(items), False
    return list(items), None


def _lead(candidates, accepted):
    for x in candidates:
        if x not in accepted:
            return x
    return None


def verify_stack(e):
    """Measure every fact of spec E on the live server with our own probes;
    raise harness.SetupError listing every difference from E. Fills the
    "measured" entries."""
    port, sni = e["port"], e.get("sni")
    groups = COMMON_EC + FFDHE
    bad = []
    nm = suite_names()
    prot = e["protocols"]
    acc = {}
    for v in PROTOS:
        # a server with an RSA and an ECDSA certificate may serve RSA only to a
        # hello without ECDSA suites (HAProxy): eliminate three times
        found = []
        for drop in (None, "_ECDSA_", "_RSA_"):
            cands = [i for i in ALL_SUITE_IDS if drop is None or drop not in nm.get(i, "")]
            found += [i for i in accepted_suites(port, v, cands, groups, sni=sni)
                      if i not in found]
        acc[v] = found
    acc["TLSv1.3"] = accepted_suites(port, "TLSv1.3", TLS13_IDS, groups, sni=sni)
    for v in PROTOS + ["TLSv1.3"]:
        want = prot.get(v, {}).get("suites", [])
        got = names(acc[v])
        if sorted(got) != sorted(want):
            bad.append("%s: accepted-not-expected %s, expected-not-accepted %s" % (
                v, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    for v, p in prot.items():
        ids = _ids(p["suites"])
        if len(ids) >= 2:
            lead = _lead([0x1305, 0x1304] if v == "TLSv1.3" else [0x0001, 0x0002, 0x003B],
                         acc[v])
            bad += order_problems(port, v, ids, groups, p["server_order"], sni, lead)
        if p.get("chacha20_priority") != "unchecked":
            got = chacha_priority(port, v, ids, groups, sni) if p["server_order"] else None
            if p.get("chacha20_priority") == "measured":
                p["chacha20_priority"] = got
                e.setdefault("measured", []).append("%s chacha20_priority=%s" % (v, got))
            elif got != p.get("chacha20_priority"):
                bad.append("%s chacha20_priority: measured %s, expected %s" % (
                    v, got, p.get("chacha20_priority")))
    # groups
    t12 = acc["TLSv1.2"]
    ecdhe = ([i for i in t12 if nm.get(i, "").startswith("TLS_ECDHE_RSA_")] +
             [i for i in t12 if nm.get(i, "").startswith("TLS_ECDHE_ECDSA_")])
    dhe = [i for i in t12 if nm.get(i, "").startswith("TLS_DHE_")]
    ec12 = ec_groups12(port, ecdhe[0], sni) if ecdhe else []
    ff12 = ffdhe_groups12(port, dhe, sni) if dhe else []
    g13 = groups13(port, acc["TLSv1.3"], sni) if acc["TLSv1.3"] else []
    gbv = e["groups_by_version"]
    if gbv == "measured":
        gbv = {}
        if ec12 or ff12:
            o_ec, s_ec = measure_order(lambda l: hello(port, "TLSv1.2", [ecdhe[0]], groups=l,
                                                       sni=sni).get("ske_curve"), ec12) \
                if len(ec12) > 1 else (ec12, None)
            o_ff, s_ff = measure_order(lambda l: _ff_pick(port, dhe, l, sni), ff12) \
                if len(ff12) > 1 else (ff12, None)
            if o_ec is None or o_ff is None:
                bad.append("TLSv1.2 group order neither the server's nor the client's: EC %s "
                           "FFDHE %s" % (_gnames(ec12), _gnames(ff12)))
            else:
                # one answer for the version: both kinds agree, or only one has
                # two or more groups; a mixed order (None) is no answer
                so = [x for x, o in ((s_ec, o_ec), (s_ff, o_ff)) if len(o) > 1]
                gbv["TLSv1.2"] = {"groups": _gnames(o_ec + o_ff),
                                  "server_order": (so[0] if len(set(so)) == 1 else None),
                                  "suborders": [_gnames(o_ec), _gnames(o_ff)]}
        if g13:
            o13, s13 = measure_order(lambda l: hello(port, "TLSv1.3", acc["TLSv1.3"], groups=l,
                                                     sni=sni).get("selected_group"), g13)
            if o13 is None:
                bad.append("TLSv1.3 group order neither the server's nor the client's")
            else:
                gbv["TLSv1.3"] = {"groups": _gnames(o13), "server_order": s13}
        e["groups_by_version"] = gbv
        e.setdefault("measured", []).append("groups_by_version=%s" % gbv)
    else:
        w12 = gbv.get("TLSv1.2", {}).get("groups", [])
        if sorted(_gnames(ec12 + ff12)) != sorted(w12):
            bad.append("TLSv1.2 groups: measured EC %s FFDHE %s, expected %s" % (
                _gnames(ec12), _gnames(ff12), w12))
        if sorted(_gnames(g13)) != sorted(gbv.get("TLSv1.3", {}).get("groups", [])):
            bad.append("TLSv1.3 groups: measured %s, expected %s" % (
                _gnames(g13), gbv.get("TLSv1.3", {}).get("groups")))
        if "TLSv1.2" in gbv:
            g = gbv["TLSv1.2"]
            ec_o = [x for x in g["groups"] if x not in FFDHE]
            ff_o = [x for x in g["groups"] if x in FFDHE]
            if ecdhe and len(ec_o) > 1:
                bad += group_order_problems(port, "TLSv1.2", [ecdhe[0]],
                                            [GROUP_ID[x] for x in ec_o], g["server_order"], sni)
            if dhe and len(ff_o) > 1:
                bad += group_order_problems(port, "TLSv1.2", dhe, [GROUP_ID[x] for x in ff_o],
                                            g["server_order"], sni)
        if "TLSv1.3" in gbv and len(gbv["TLSv1.3"]["groups"]) > 1:
            g = gbv["TLSv1.3"]
            bad += group_order_problems(port, "TLSv1.3", acc["TLSv1.3"],
                                        [GROUP_ID[x] for x in g["groups"]], g["server_order"],
                                        sni)
    # DH
    got = dh_of(port, dhe, sni) if dhe else None
    if got != e["dh"]:
        bad.append("dh: measured %s, expected %s" % (got, e["dh"]))
    # certificates: the leaf a hello with only that kind's suites gets
    for cs in e["certs"]:
        key = "_ECDSA_" if cs["kind"] == "EC" else "_RSA_"
        suites = [i for i in t12 if key in nm.get(i, "")]
        r = hello(port, "TLSv1.2", suites, groups=groups, sni=cs.get("sni", sni),
                  sigalgs=sigalgs_for(cs["kind"]))
        der = r.get("certificate")
        if not der or leaf_sha256(der, der=True) != cs["sha256"]:
            bad.append("%s certificate (SNI %s): not the expected leaf (%r)" % (
                cs["kind"], cs.get("sni", sni), {k: v for k, v in r.items()
                                                 if k != "certificate"}))
    # signature schemes
    s12 = set()
    for kind in sorted({cs["kind"] for cs in e["certs"]}):
        pre = ("TLS_ECDHE_ECDSA_",) if kind == "EC" else ("TLS_ECDHE_RSA_", "TLS_DHE_RSA_")
        signed = [i for i in t12 if nm.get(i, "").startswith(pre)]
        if signed:
            s12 |= set(schemes12(port, signed, "EC" if kind == "EC" else "RSA", sni))
    s13 = set(schemes13(port, sni)) if acc["TLSv1.3"] else set()
    if e["schemes"] == "measured":
        e["schemes"] = {"TLSv1.2": sorted(s12), "TLSv1.3": sorted(s13)}
        e.setdefault("measured", []).append("schemes=%s" % e["schemes"])
    else:
        for v, got in (("TLSv1.2", s12), ("TLSv1.3", s13)):
            if got != set(e["schemes"].get(v, [])):
                bad.append("%s signature schemes: measured %s, expected %s" % (
                    v, sorted(got), sorted(e["schemes"].get(v, []))))
    # features
    cbc = [i for i in t12 if not any(x in nm.get(i, "") for x in ("_GCM_", "_CCM", "CHACHA"))]
    f = features12(port, t12, cbc, sni) if t12 else {}
    if acc["TLSv1.3"]:
        f["tls13_session_tickets"] = tls13_tickets(port, sni)
    if f.get("status_request_answer") != e["status_request_answer"]:
        bad.append("a hello with status_request: %s, expected %s" % (
            f.get("status_request_answer"), e["status_request_answer"]))
    f["ocsp_stapling"] = f.get("status_request_answer") == "stapled"
    for k, v in e["features"].items():
        if v == "measured":
            e["features"][k] = f.get(k)
            e.setdefault("measured", []).append("%s=%s" % (k, f.get(k)))
        elif f.get(k) != v:
            bad.append("feature %s: measured %s, expected %s" % (k, f.get(k), v))
    if e.get("sigalg_limit"):
        bad += sigalg_limit_problems(port, e["sigalg_limit"], t12, sni)
    if e.get("suite_limit"):
        bad += suite_limit_problems(port, e["suite_limit"], t12, sni)
    if bad:
        raise SetupErrorList(e["name"], bad)


# signature schemes no RSA leaf can use (nor the ECDSA P-256 leaf of these tests)
_FILLER_SCHEMES = [0x0503, 0x0603, 0x0807, 0x0808, 0x0303, 0x0402, 0x0502, 0x0602, 0x0202,
                   0x0302, 0x081A, 0x081B, 0x081C, 0x0809, 0x080A, 0x080B, 0x0420, 0x0520,
                   0x0620, 0x0101, 0x0102, 0x0103]


def sigalg_limit_problems(port, limit, t12, sni=None):
    """The server reads only the first LIMIT signature_algorithms entries:
    RSA schemes at position LIMIT work, at LIMIT + 1 they are not seen
    (handshake_failure)."""
    nm = suite_names()
    rsa = [i for i in t12 if nm.get(i, "").startswith("TLS_ECDHE_RSA_")][:1]
    bad = []
    for n_fill, ok in ((limit - 1, True), (limit, False)):
        sa = _FILLER_SCHEMES[:n_fill] + [0x0804, 0x0401]
        r = hello(port, "TLSv1.2", rsa, groups=COMMON_EC, sigalgs=sa, sni=sni)
        if (r.get("suite") in rsa) != ok:
            bad.append("signature_algorithms with the RSA schemes at position %d: %r "
                       "(expected %s)" % (n_fill + 1, r, "a handshake" if ok else "a refusal"))
    return bad


def suite_limit_problems(port, limit, t12, sni=None):
    """The server refuses a ClientHello listing more than LIMIT suites: one
    accepted suite after LIMIT - 1 others works, after LIMIT others not."""
    fill = [i for i in ALL_SUITE_IDS if i not in t12]
    bad = []
    for n_fill, ok in ((limit - 1, True), (limit, False)):
        r = hello(port, "TLSv1.2", fill[:n_fill] + t12[:1], groups=COMMON_EC, sni=sni)
        if (r.get("suite") == t12[0]) != ok:
            bad.append("a hello with %d suites: %r (expected %s)" % (
                n_fill + 1, r, "a handshake" if ok else "a refusal"))
    return bad


class SetupErrorList(h.SetupError):
    def __init__(self, name, bad):
        super().__init__("%s: the live server differs from the expectation:\n  %s" % (
            name, "\n  ".join(bad)))


def _ff_pick(port, dhe, gids, sni):
    r = hello(port, "TLSv1.2", dhe, groups=gids, sni=sni)
    for g in gids:
        if r.get("dh_p") == h.ffdhe_prime(int(IANA_GROUPS[g][5:])):
            return g
    return None


def print_measured(e):
    for m in e.get("measured", []):
        print("  NOTE  %s: not documented by the library, expectation measured with the raw "
              "prober: %s" % (e["name"], m), flush=True)


def check_stack(t, tg, e):
    """Compare target TG of the scanner's report with spec E."""
    n = e["name"] + ": "
    for v in ["SSLv2"] + PROTOS + ["TLSv1.3"]:
        p = e["protocols"].get(v)
        o = tg["protocols"][v]
        if not p:
            t.eq(n + "%s not offered" % v, [False, [], None],
                 [o.get("offered"), o.get("cipher_suites"), o.get("server_order")])
            continue
        so = p["server_order"] if len(p["suites"]) > 1 else None
        t.eq(n + "%s offered" % v, True, o.get("offered"))
        if so:
            t.list_eq(n + "%s cipher_suites (server order)" % v, p["suites"],
                      o.get("cipher_suites"))
        else:
            t.set_eq(n + "%s cipher_suites" % v, p["suites"], o.get("cipher_suites"))
        t.eq(n + "%s server_order" % v, so, o.get("server_order"))
        if p.get("chacha20_priority") != "unchecked":
            t.eq(n + "%s chacha20_priority" % v, p.get("chacha20_priority"),
                 o.get("chacha20_priority"))
    # groups
    gbv = e["groups_by_version"]
    got = tg.get("groups_by_version")
    t.check(n + "groups_by_version is an object", isinstance(got, dict), "got %r" % (got,))
    got = got if isinstance(got, dict) else {}
    t.set_eq(n + "groups_by_version versions", sorted(gbv), sorted(got))
    union = []
    for v, g in gbv.items():
        gg = got.get(v) or {}
        union += [x for x in g["groups"] if x not in union]
        t.eq(n + "groups_by_version %s server_order" % v, g["server_order"],
             gg.get("server_order"))
        if g["server_order"] and g.get("suborders") and v == "TLSv1.2":
            t.set_eq(n + "groups_by_version %s groups" % v, g["groups"], gg.get("groups"))
            gl = gg.get("groups") if isinstance(gg.get("groups"), list) else []
            for sub in g["suborders"]:
                if len(sub) > 1:
                    t.list_eq(n + "groups_by_version %s %s in server order" % (
                        v, "FFDHE groups" if sub[0] in FFDHE else "EC groups"),
                        sub, [x for x in gl if x in sub])
        elif g["server_order"]:
            t.list_eq(n + "groups_by_version %s groups (server order)" % v, g["groups"],
                      gg.get("groups"))
        else:
            t.set_eq(n + "groups_by_version %s groups" % v, g["groups"], gg.get("groups"))
    t.set_eq(n + "groups (union)", union, tg.get("groups"))
    t.eq(n + "dh", e["dh"], tg.get("dh"))
    # certificates
    certs = tg.get("certificates") or []
    by_fp = {}
    for c in certs:
        by_fp.setdefault(c.get("sha256_fingerprint"), c)
    t.set_eq(n + "certificates: exactly the expected leaves (by SHA-256)",
             [cs["sha256"] for cs in e["certs"]], sorted(by_fp))
    for cs in e["certs"]:
        c = by_fp.get(cs["sha256"])
        lab = n + "%s leaf %s" % (cs["kind"], os.path.basename(cs.get("pem", "")))
        if c is None:
            t.fail(lab + " reported", "certificates: %s" % [
                (x.get("key_type"), x.get("served")) for x in certs])
            continue
        t.eq(lab + " key_type", cs["key_type"], c.get("key_type"))
        t.eq(lab + " key_bits", cs["key_bits"], c.get("key_bits"))
        t.eq(lab + " curve", cs["curve"], c.get("curve"))
    # signature schemes
    sbv = tg.get("signature_schemes_by_version") or {}
    allsch = []
    for v in ("TLSv1.2", "TLSv1.3"):
        want = e["schemes"].get(v, [])
        allsch += [x for x in want if x not in allsch]
        if want:
            t.set_eq(n + "signature_schemes_by_version %s" % v, want, sbv.get(v))
        else:
            t.is_in(n + "signature_schemes_by_version %s empty or absent" % v, [[], None],
                    sbv.get(v))
    t.set_eq(n + "signature_schemes (union)", allsch, tg.get("signature_schemes"))
    ft = tg.get("features") or {}
    for k, v in e["features"].items():
        t.eq(n + "features.%s" % k, v, ft.get(k))
    if e.get("no_tls13"):
        t.is_in(n + "features.tls13_session_tickets (no TLS 1.3: null or false)", [None, False],
                ft.get("tls13_session_tickets"))
