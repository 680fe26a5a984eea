#!/usr/bin/env python3
"""Servers that bring their own TLS stack, or run TLS inside another protocol,
for tlsaudit's integration tests (Python 3 standard library only).

What it provides
  * Java 17 JSSE (java/TlsServer.java, compiled here)      start_jsse()
  * Erlang/OTP 25 ssl (erlang/tls_server.escript)          start_erlang()
  * MariaDB 10.11 with TLS (MySQL STARTTLS)                start_mariadb()
  * Mosquitto 2.0, implicit TLS listener                   start_mosquitto()
  * PostgreSQL 15 (mail_servers.start_postgres, re-used)   start_postgres()
  * an independent prober for these servers: one hand-built ClientHello after
    an optional plaintext dialogue (MySQL SSLRequest, PostgreSQL SSLRequest),
    the server's first flight parsed (suite, HRR group, ECDHE curve, DH prime,
    the ServerKeyExchange's signature scheme, the TLS <= 1.2 leaf certificate,
    the extensions the ServerHello echoes); `openssl s_client` runs for what
    needs a full handshake (TLS 1.3 certificates and signature schemes,
    resumption, tickets, renegotiation)                   probe(), sclient()
  * verify(): checks an expectation (derived by a test from the server's
    configuration) against the live server, before the scanner runs
  * check_scan(): the same expectation against the scanner's JSON

Same rules as harness.py: every server binds 127.0.0.1 only, with its own
configuration and state in the harness temp dir, started in its own session
and stopped by PID; a server that cannot start raises harness.SetupError,
which FAILS the test.  Every socket has a timeout and every read a byte cap.
"""

import concurrent.futures
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import time

import harness as h
import mail_servers as ms

HERE = os.path.dirname(os.path.abspath(__file__))
TLS12_BELOW = ["SSLv3", "TLSv1.0", "TLSv1.1"]
WORKERS = 6          # parallel probes against one server

# ---------------------------------------------------------------------------
# names (IANA registries) the prober needs beyond what `openssl ciphers` knows
# ---------------------------------------------------------------------------

# RFC 4492 / RFC 5289 static ECDH suites (gone from OpenSSL 1.1+) and the RC4 /
# 3DES suites this OpenSSL build lacks: IANA "TLS Cipher Suites" registry.
IANA_EXTRA = {
    0x0004: "TLS_RSA_WITH_RC4_128_MD5", 0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    0xC001: "TLS_ECDH_ECDSA_WITH_NULL_SHA", 0xC002: "TLS_ECDH_ECDSA_WITH_RC4_128_SHA",
    0xC003: "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC004: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", 0xC005: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
    0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC00B: "TLS_ECDH_RSA_WITH_NULL_SHA", 0xC00C: "TLS_ECDH_RSA_WITH_RC4_128_SHA",
    0xC00D: "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC00E: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", 0xC00F: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA",
    0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC025: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
    0xC026: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC029: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", 0xC02A: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
    0xC02D: "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02E: "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC031: "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", 0xC032: "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
}

# TLS SignatureScheme registry (RFC 8446 4.2.3); the RFC 5246 hash/signature
# pairs without an IANA scheme name are named "<sig>_<hash>".
SIGSCHEMES = {
    0x0101: "rsa_md5", 0x0103: "ecdsa_md5",
    0x0201: "rsa_pkcs1_sha1", 0x0202: "dsa_sha1", 0x0203: "ecdsa_sha1",
    0x0301: "rsa_sha224", 0x0302: "dsa_sha224", 0x0303: "ecdsa_sha224",
    0x0401: "rsa_pkcs1_sha256", 0x0402: "dsa_sha256", 0x0403: "ecdsa_secp256r1_sha256",
    0x0501: "rsa_pkcs1_sha384", 0x0502: "dsa_sha384", 0x0503: "ecdsa_secp384r1_sha384",
    0x0601: "rsa_pkcs1_sha512", 0x0602: "dsa_sha512", 0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512",
}
SIG_IDS = {v: k for k, v in SIGSCHEMES.items()}
# what OpenSSL's -sigalgs understands, for the TLS 1.3 handshakes
TLS13_SIG_CANDIDATES = ["ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384",
                        "ecdsa_secp521r1_sha512", "ed25519", "ed448",
                        "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
                        "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
                        "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512",
                        "ecdsa_sha1", "rsa_pkcs1_sha1"]

# TLS Supported Groups registry: the ids the group probes ask about one by one
GROUP_NAMES = {
    1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
    6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
    11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1", 15: "secp160k1",
    16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "secp192r1", 20: "secp224k1",
    21: "secp224r1", 22: "secp256k1", 23: "secp256r1", 24: "secp384r1", 25: "secp521r1",
    26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "x25519",
    30: "x448", 31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13", 256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096",
    259: "ffdhe6144", 260: "ffdhe8192",
}
GROUP_IDS = {v: k for k, v in GROUP_NAMES.items()}
FFDHE = {256: 2048, 257: 3072, 258: 4096, 259: 6144, 260: 8192}
HELLO_GROUPS = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"]
# Erlang/OpenSSL curve names of certificates -> group names
CURVE_GROUP = {"prime256v1": "secp256r1", "secp384r1": "secp384r1", "secp521r1": "secp521r1"}

_tables = None


def suite_tables():
    """(name -> id, id -> name) for every TLS suite this test can name:
    `openssl ciphers -stdname -V ALL:COMPLEMENTOFALL:@SECLEVEL=0`, the TLS
    1.3 suites and IANA_EXTRA."""
    global _tables
    if _tables is None:
        by_id = {c["id"]: c["iana"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
        by_id.update(IANA_EXTRA)
        by_id.update(h.TLS13_SUITES)
        _tables = ({v: k for k, v in by_id.items()}, by_id)
    return _tables


def ids_of(names):
    by_name = suite_tables()[0]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise h.SetupError("no code point known for suite(s) %s" % missing)
    return [by_name[n] for n in names]


def names_of(ids):
    by_id = suite_tables()[1]
    return [by_id.get(i, "0x%04X" % i) for i in ids]


def tls12_candidates():
    """Every suite id (not TLS 1.3, not an SCSV) the test can name."""
    return sorted(i for i in suite_tables()[1] if not 0x1300 <= i <= 0x13FF)


def auth_of(name):
    """The certificate a TLS <= 1.2 suite needs: "RSA", "EC" (ECDSA suites and
    the static ECDH_* suites, whose key is the certificate's EC key) or None."""
    if name.startswith("TLS_ECDHE_ECDSA_") or name.startswith("TLS_ECDH_ECDSA_") \
            or name.startswith("TLS_ECDH_RSA_"):
        return "EC"
    if name.startswith(("TLS_ECDHE_RSA_", "TLS_DHE_RSA_", "TLS_RSA_WITH_")):
        return "RSA"
    if name.startswith("TLS_DHE_DSS_"):
        return "DSA"
    return None

# ---------------------------------------------------------------------------
# certificate facts (openssl x509), key stores
# ---------------------------------------------------------------------------


def cert_facts(path):
    """What a scanner must report about the leaf in PATH (PEM), read with
    `openssl x509`: sha256 (hex), subject/issuer (RFC 2253), key_type,
    key_bits, curve (group name), signature_algorithm, san."""
    out = h.run(["openssl", "x509", "-in", path, "-noout", "-text", "-fingerprint",
                 "-sha256", "-nameopt", "RFC2253", "-subject", "-issuer"]).stdout.decode()
    f = {}
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("sha256 Fingerprint=") or s.startswith("SHA256 Fingerprint="):
            f["sha256"] = s.split("=", 1)[1].replace(":", "").lower()
        elif line.startswith("subject="):
            f["subject"] = line.split("=", 1)[1].strip()
        elif line.startswith("issuer="):
            f["issuer"] = line.split("=", 1)[1].strip()
        elif s.startswith("Signature Algorithm:") and "signature_algorithm" not in f:
            f["signature_algorithm"] = s.split(":", 1)[1].strip()
        elif s.startswith("Public Key Algorithm:"):
            alg = s.split(":", 1)[1].strip()
            f["key_type"] = {"rsaEncryption": "RSA", "id-ecPublicKey": "EC"}.get(alg, alg)
        elif re.match(r"^(RSA )?Public-Key: \((\d+) bit\)", s):
            f["key_bits"] = int(re.search(r"\((\d+) bit\)", s).group(1))
        elif s.startswith("ASN1 OID:"):
            oid = s.split(":", 1)[1].strip()
            f["curve"] = CURVE_GROUP.get(oid, oid)
    m = re.search(r"X509v3 Subject Alternative Name:.*?\n\s*(.+)", out)
    f["san"] = [x.strip().replace("IP Address:", "IP:") for x in m.group(1).split(",")] if m else []
    f.setdefault("curve", None)
    f["path"] = path
    need = ("sha256", "subject", "issuer", "signature_algorithm", "key_type", "key_bits")
    if not all(k in f for k in need):
        raise h.SetupError("cannot parse `openssl x509` output for %s:\n%s" % (path, out))
    return f


def pem_sha256(pem_text):
    """sha256 of the DER of the first certificate in PEM text."""
    import base64
    m = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem_text, re.S)
    if not m:
        return None
    return hashlib.sha256(base64.b64decode("".join(m.group(1).split()))).hexdigest()


KEYSTORE_PASS = "tlsaudit-it"


def keystore(kind):
    """A PKCS#12 file holding the RSA ("rsa") or the EC ("ec") leaf of
    harness.make_certs() and its key (`openssl pkcs12 -export`)."""
    c = h.make_certs()
    path = os.path.join(c.dir, "%s.p12" % kind)
    if not os.path.exists(path):
        cert, key = (c.rsa_cert, c.rsa_key) if kind == "rsa" else (c.ecdsa_cert, c.ecdsa_key)
        h.run(["openssl", "pkcs12", "-export", "-in", cert, "-inkey", key, "-name", kind,
               "-out", path, "-passout", "pass:" + KEYSTORE_PASS])
    return path

# ---------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------


class AppServer(h.Server):
    """A harness.Server plus .pre (the plaintext dialogue before TLS: None,
    "mysql" or "postgres") and .info (what the server said about itself)."""
    pre = None
    info = None

    @property
    def scan_target(self):
        return self.target + ("/" + self.pre if self.pre else "")


def _wait_line(proc, log_path, prefix, timeout=30.0):
    """Wait until a line starting with PREFIX appears in LOG_PATH."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = h.read_log(log_path, 10 ** 6)
        for line in text.splitlines():
            if line.startswith(prefix):
                return text
        if proc.poll() is not None:
            raise h.SetupError("server exited early (rc=%s); log:\n%s" % (
                proc.returncode, text[-3000:]))
        time.sleep(0.05)
    raise h.SetupError("no %r line within %.0f s; log:\n%s" % (
        prefix, timeout, h.read_log(log_path)))


_java_dir = None


def java_classes():
    """java/TlsServer.java compiled with javac into the temp dir (once)."""
    global _java_dir
    if _java_dir is None:
        d = os.path.join(h.tmpdir(), "java-classes")
        os.makedirs(d, exist_ok=True)
        h.run(["javac", "-d", d, os.path.join(HERE, "java", "TlsServer.java")], timeout=180)
        _java_dir = d
    return _java_dir


def start_jsse(name, keys=("rsa", "ec"), protocols=("TLSv1.3", "TLSv1.2"), suites=None,
               named_groups=None, server_order=None, port=None):
    """java/TlsServer.java on 127.0.0.1:PORT. keys: "rsa" and/or "ec" (one
    PKCS#12 file each); suites: enabled suites in order (None: JSSE's
    default); named_groups: -Djdk.tls.namedGroups (None: default);
    server_order: SSLParameters.setUseCipherSuitesOrder (None: default).
    .info has "protocols", "suites" (lists) and "server_order" (bool) as
    JSSE reports them after the configuration was applied."""
    classes = java_classes()
    port = port or h.free_port()
    log_path = os.path.join(h.tmpdir(), "%s-%d.log" % (name, port))
    cmd = ["java", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k"]
    if named_groups:
        cmd.append("-Djdk.tls.namedGroups=" + ",".join(named_groups))
    cmd += ["-cp", classes, "TlsServer", "--port", str(port), "--password", KEYSTORE_PASS,
            "--protocols", ",".join(protocols)]
    for k in keys:
        cmd += ["--keystore", keystore(k)]
    if suites:
        cmd += ["--suites", ",".join(suites)]
    if server_order is not None:
        cmd += ["--server-order", "true" if server_order else "false"]
    proc = h.start_process(cmd, name, log_path)
    text = _wait_line(proc, log_path, "READY ")
    h.wait_port(port, proc=proc, log_path=log_path)
    info = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == "PROTOCOLS":
            info["protocols"] = v.split(",")
        elif k == "SUITES":
            info["suites"] = [s for s in v.split(",") if s]
        elif k == "SERVER_ORDER":
            info["server_order"] = v.strip() == "true"
    srv = AppServer(name, proc, port, log_path)
    srv.info = info
    return srv


def erlang_defaults():
    """What OTP's ssl API says its defaults are (tls_server.escript
    --defaults): {"suites": {"tlsv1.3": [...], "tlsv1.2": [...]},
    "groups": [...], "eccs": [...], "sigalgs": {"tlsv1.3": [...],
    "tlsv1.2": [...]} ("sha256+rsa" for TLS 1.2 hash/signature pairs,
    scheme names otherwise), "otp": "..."}."""
    cp = h.run(["escript", os.path.join(HERE, "erlang", "tls_server.escript"), "--defaults"],
               timeout=60)
    res = {"suites": {}}
    for line in cp.stdout.decode().splitlines():
        parts = line.split(" ")
        if parts[0] == "SUITES":
            res["suites"][parts[1]] = parts[2].split(",")
        elif parts[0] == "GROUPS":
            res["groups"] = parts[1].split(",")
        elif parts[0] == "ECCS":
            res["eccs"] = parts[1].split(",")
        elif parts[0] == "SIGALGS":
            res.setdefault("sigalgs", {})[parts[1]] = parts[2].split(",")
        elif parts[0] == "OTP":
            res["otp"] = line
    if "groups" not in res or "tlsv1.2" not in res["suites"]:
        raise h.SetupError("cannot parse tls_server.escript --defaults:\n" + cp.stdout.decode())
    return res


def start_erlang(name, honor_cipher_order, certs_keys, port=None):
    """erlang/tls_server.escript on 127.0.0.1:PORT with every (cert, key)
    pair of CERTS_KEYS in one certs_keys option."""
    port = port or h.free_port()
    log_path = os.path.join(h.tmpdir(), "%s-%d.log" % (name, port))
    cmd = ["escript", os.path.join(HERE, "erlang", "tls_server.escript"), str(port),
           "true" if honor_cipher_order else "false"]
    for cert, key in certs_keys:
        cmd += [cert, key]
    proc = h.start_process(cmd, name, log_path)
    _wait_line(proc, log_path, "READY ")
    h.wait_port(port, proc=proc, log_path=log_path)
    return AppServer(name, proc, port, log_path)


def start_mariadb(name="mariadb", port=None, cert=None, key=None, tls_version="TLSv1.2,TLSv1.3",
                  ssl_cipher=None):
    """mariadbd with its own datadir (mariadb-install-db) under the temp dir,
    --bind-address=127.0.0.1, --skip-grant-tables, --skip-networking off,
    a socket in the temp dir, TLS with ssl_cert/ssl_key/ssl_ca, tls_version
    and ssl_cipher. The host cache is off and max_connect_errors huge: every
    aborted TLS probe counts as a connection error, and the default (100)
    would block 127.0.0.1 halfway through a scan."""
    for exe in ("/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db"):
        ms._need(exe, "mariadb-server")
    c = h.make_certs()
    port = port or h.free_port()
    d = os.path.join(h.tmpdir(), "%s-%d" % (name, port))
    os.makedirs(d)
    data = os.path.join(d, "data")
    small = ["--innodb-log-file-size=4M", "--innodb-buffer-pool-size=8M"]
    h.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data, "--user=root",
           "--auth-root-authentication-method=normal", "--skip-test-db"] + small, timeout=120)
    log_path = os.path.join(d, "error.log")
    args = ["/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + data, "--user=root",
            "--bind-address=127.0.0.1", "--port=%d" % port,
            "--socket=" + os.path.join(d, "mysqld.sock"),
            "--pid-file=" + os.path.join(d, "mysqld.pid"),
            "--log-error=" + log_path, "--skip-log-bin", "--skip-grant-tables",
            "--skip-name-resolve", "--host-cache-size=0", "--max-connect-errors=4294967295",
            "--max-connections=500",
            "--ssl-cert=" + (cert or c.rsa_cert), "--ssl-key=" + (key or c.rsa_key),
            "--ssl-ca=" + c.ca_cert, "--tls-version=" + tls_version] + small
    if ssl_cipher:
        args.append("--ssl-cipher=" + ssl_cipher)
    proc = h.start_process(args, name, os.path.join(d, "stdout.log"))
    h.wait_port(port, proc=proc, log_path=log_path, timeout=60)
    srv = AppServer(name, proc, port, log_path)
    srv.pre = "mysql"
    srv.args = args
    return srv


def start_mosquitto(name="mosquitto", port=None, cert=None, key=None, tls_version="tlsv1.2",
                    ciphers=None, ciphers_tls13=None, dhparamfile=None):
    """mosquitto -c CONF with one listener `listener PORT 127.0.0.1`,
    implicit TLS (certfile/keyfile), tls_version, ciphers, ciphers_tls1.3,
    dhparamfile; no persistence, log to a file in the temp dir."""
    ms._need("/usr/sbin/mosquitto", "mosquitto")
    c = h.make_certs()
    port = port or h.free_port()
    d = os.path.join(h.tmpdir(), "%s-%d" % (name, port))
    os.makedirs(d)
    log_path = os.path.join(d, "mosquitto.log")
    lines = ["per_listener_settings true",
             "persistence false",
             "log_dest file " + log_path,
             "log_type error",
             "log_type warning",
             "pid_file " + os.path.join(d, "mosquitto.pid"),
             "user root",
             "listener %d 127.0.0.1" % port,
             "allow_anonymous true",
             "certfile " + (cert or c.rsa_cert),
             "keyfile " + (key or c.rsa_key),
             "tls_version " + tls_version]
    if ciphers:
        lines.append("ciphers " + ciphers)
    if ciphers_tls13:
        lines.append("ciphers_tls1.3 " + ciphers_tls13)
    if dhparamfile:
        lines.append("dhparamfile " + dhparamfile)
    conf = os.path.join(d, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    proc = h.start_process(["/usr/sbin/mosquitto", "-c", conf], name,
                           os.path.join(d, "stdout.log"))
    h.wait_port(port, proc=proc, log_path=log_path)
    srv = AppServer(name, proc, port, log_path)
    srv.conf = "\n".join(lines)
    return srv


def start_postgres(**kw):
    """mail_servers.start_postgres (a fresh cluster on 127.0.0.1), as an
    AppServer with pre = "postgres"."""
    s = ms.start_postgres(**kw)
    srv = AppServer(s.name, s.proc, s.port, s.log_path)
    srv.pre = "postgres"
    srv.settings = s.settings
    return srv

# ---------------------------------------------------------------------------
# the prober
# ---------------------------------------------------------------------------


class DialogueError(Exception):
    pass


def _recv_exact(s, n, deadline):
    return h._recv_exact(s, n, deadline)


def mysql_greeting(s, deadline):
    """Read the MySQL server greeting (protocol 10); returns
    (server_version, capability_flags)."""
    hdr = _recv_exact(s, 4, deadline)
    ln = hdr[0] | hdr[1] << 8 | hdr[2] << 16
    if ln > 4096:
        raise DialogueError("MySQL greeting too long (%d)" % ln)
    p = _recv_exact(s, ln, deadline)
    if p[0] != 10:
        raise DialogueError("not a MySQL protocol-10 greeting: %r" % p[:40])
    end = p.index(b"\0", 1)
    version = p[1:end].decode("latin-1")
    q = end + 1 + 4 + 8 + 1
    caps = struct.unpack("<H", p[q:q + 2])[0]
    if len(p) >= q + 7:
        caps |= struct.unpack("<H", p[q + 5:q + 7])[0] << 16
    return version, caps


def open_tls_socket(port, pre, host="127.0.0.1", timeout=8.0):
    """A TCP connection, after PRE's plaintext dialogue (None: none)."""
    deadline = time.time() + timeout
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        if pre == "mysql":
            _, caps = mysql_greeting(s, deadline)
            if not caps & 0x0800:
                raise DialogueError("MySQL server does not offer CLIENT_SSL")
            # SSLRequest: CLIENT_LONG_PASSWORD|PROTOCOL_41|SSL|SECURE_CONNECTION|PLUGIN_AUTH
            flags = 0x00000001 | 0x00000200 | 0x00000800 | 0x00008000 | 0x00080000
            body = struct.pack("<IIB", flags, 1 << 24, 33) + b"\0" * 23
            s.sendall(struct.pack("<I", len(body))[:3] + b"\x01" + body)
        elif pre == "postgres":
            s.sendall(struct.pack(">II", 8, 80877103))
            s.settimeout(max(0.05, deadline - time.time()))
            b = s.recv(1)
            if b != b"S":
                raise DialogueError("PostgreSQL SSLRequest answered %r" % b)
        elif pre is not None:
            raise h.SetupError("unknown dialogue %r" % pre)
    except BaseException:
        s.close()
        raise
    return s


def client_hello(version, suites, groups=(), sigalgs=None, exts=(), compression=(0,),
                 reneg_ext=True):
    """A ClientHello record (like harness.build_client_hello, which it
    follows byte for byte by default) plus EXTS ((type, body) pairs) and a
    choice of compression methods. TLSv1.3: supported_versions + an EMPTY
    key_share (the server answers with a HelloRetryRequest)."""
    tls13 = version == "TLSv1.3"
    legacy = 0x0303 if tls13 else h.VERSION_IDS[version]
    gids = [GROUP_IDS[g] if isinstance(g, str) else g for g in groups]
    body = h._u16(legacy) + os.urandom(32) + bytes([32]) + os.urandom(32)
    cs = b"".join(h._u16(x) for x in suites)
    body += h._u16(len(cs)) + cs + bytes([len(compression)]) + bytes(compression)
    e = b""
    if gids:
        gl = b"".join(h._u16(g) for g in gids)
        e += h._ext(10, h._u16(len(gl)) + gl) + h._ext(11, b"\x01\x00")
    if legacy >= 0x0303:
        sa = b"".join(h._u16(x) for x in (sigalgs or h.DEFAULT_SIGALGS))
        e += h._ext(13, h._u16(len(sa)) + sa)
    if tls13:
        e += h._ext(43, b"\x02\x03\x04") + h._ext(51, h._u16(0)) + h._ext(45, b"\x01\x01")
    elif reneg_ext:
        e += h._ext(0xff01, b"\x00")
    for typ, b in exts:
        e += h._ext(typ, b)
    body += h._u16(len(e)) + e
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + h._u16(len(hs)) + hs


def _parse_sh_exts(b, res):
    sid_len = b[34]
    p = 35 + sid_len + 2
    res["compression"] = b[p]
    p += 1
    exts = {}
    if p + 2 <= len(b):
        end = p + 2 + struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            et, el = struct.unpack(">HH", b[p:p + 4])
            exts[et] = b[p + 4:p + 4 + el]
            p += 4 + el
    res["exts"] = exts


def _parse_ske_sig(m, res):
    """The signature scheme of a TLS 1.2 ServerKeyExchange (after
    harness._parse_ske found its layout)."""
    if "ske_curve" in res:
        p = 4 + m[3]
    elif "dh_p" in res:
        p = 0
        for _ in range(3):
            p += 2 + struct.unpack(">H", m[p:p + 2])[0]
    else:
        return
    if p + 2 <= len(m):
        res["ske_sig"] = struct.unpack(">H", m[p:p + 2])[0]


def probe(port, version="TLSv1.2", suites=(), groups=(), sigalgs=None, pre=None, exts=(),
          compression=(0,), raw_suites=False, timeout=8.0):
    """One ClientHello (after PRE's dialogue), the first flight parsed:
    {"version", "suite", "hrr", "selected_group", "ske_curve", "dh_p",
    "dh_bits", "ske_sig", "cert_sha256", "exts" {type: body}, "compression"}
    or {"alert": n} / {"closed": why}."""
    try:
        s = open_tls_socket(port, pre, timeout=timeout)
    except (OSError, DialogueError, EOFError) as e:
        return {"closed": "dialogue: %s" % e}
    deadline = time.time() + timeout
    hello = client_hello(version, suites, groups, sigalgs, exts, compression)
    res, hsbuf = {}, b""
    try:
        s.sendall(hello)
        while time.time() < deadline:
            hdr = _recv_exact(s, 5, deadline)
            ctype, rlen = hdr[0], struct.unpack(">H", hdr[3:5])[0]
            if rlen > 18432:
                return {"closed": "record too long (%d)" % rlen}
            data = _recv_exact(s, rlen, deadline)
            if ctype == 21:
                if res:
                    res["alert_after"] = data[1] if len(data) > 1 else -1
                    return h._finish(res)
                return {"alert": data[1] if len(data) > 1 else -1}
            if ctype == 20:
                continue
            if ctype != 22:
                return h._finish(res) if res else {"closed": "record type %d" % ctype}
            hsbuf += data
            while len(hsbuf) >= 4:
                mt = hsbuf[0]
                ml = struct.unpack(">I", b"\x00" + hsbuf[1:4])[0]
                if ml > 65536:
                    return {"closed": "handshake message too long"}
                if len(hsbuf) < 4 + ml:
                    break
                m, hsbuf = hsbuf[4:4 + ml], hsbuf[4 + ml:]
                if mt == 2:
                    res.update(h._parse_server_hello(m))
                    _parse_sh_exts(m, res)
                    if res["version"] == 0x0304 or res["hrr"]:
                        return h._finish(res)
                elif mt == 11 and len(m) >= 6:
                    n = struct.unpack(">I", b"\x00" + m[3:6])[0]
                    res["cert_sha256"] = hashlib.sha256(m[6:6 + n]).hexdigest()
                elif mt == 12:
                    h._parse_ske(m, res)
                    _parse_ske_sig(m, res)
                elif mt == 14:
                    return h._finish(res)
    except (EOFError, socket.timeout, ConnectionError, OSError) as e:
        return h._finish(res) if res else {"closed": str(e)}
    finally:
        s.close()
    return h._finish(res) if res else {"closed": "timeout"}


def probe_many(port, kwargs_list, pre=None):
    """probe() for each kwargs dict, WORKERS at a time, results in order."""
    def one(kw):
        kw = dict(kw)
        kw.setdefault("pre", pre)
        return probe(port, **kw)
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        return list(ex.map(one, kwargs_list))


def sslv2_refused(port, pre=None, timeout=5.0):
    """An SSLv2 CLIENT-HELLO (every common cipher kind) after PRE's dialogue:
    True when no SSLv2 SERVER-HELLO comes back."""
    kinds = [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700C0]
    cs = b"".join(struct.pack(">I", k)[1:] for k in kinds)
    body = b"\x01" + h._u16(0x0002) + h._u16(len(cs)) + h._u16(0) + h._u16(16) + cs + os.urandom(16)
    try:
        s = open_tls_socket(port, pre, timeout=timeout)
    except (OSError, DialogueError, EOFError):
        return False
    deadline = time.time() + timeout
    try:
        s.sendall(h._u16(0x8000 | len(body)) + body)
        hdr = _recv_exact(s, 3, deadline)
        return not (hdr[0] & 0x80 and hdr[2] == 4)
    except (EOFError, socket.timeout, ConnectionError, OSError):
        return True
    finally:
        s.close()


def sclient(port, args, pre=None, stdin=b"", wait=0.0, timeout=30):
    """`openssl s_client -connect 127.0.0.1:PORT [-starttls PRE] ARGS`;
    stdin is written after WAIT seconds (to let post-handshake messages
    arrive), then closed. Returns the combined output."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost"]
    if pre:
        cmd += ["-starttls", pre]
    cmd += list(args)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        if wait:
            time.sleep(wait)
        out, _ = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out.decode(errors="replace")


def sclient_ok(out):
    m = re.search(r"^(New|Reused), (\S+), Cipher is (\S+)", out, re.M)
    return bool(m) and m.group(3) != "(NONE)"


def parallel(fn, items, workers=WORKERS):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))

# ---------------------------------------------------------------------------
# measurements of a live server (each independent of the scanner)
# ---------------------------------------------------------------------------


def eliminate(srv, version, candidates, groups=HELLO_GROUPS):
    """Suites of CANDIDATES the server picks, in pick order: offer all that
    are left, note the pick, remove it, repeat until a refusal."""
    left, got = list(candidates), []
    while left:
        r = probe(srv.port, version, left, groups, pre=srv.pre)
        if r.get("version") != version or r.get("suite") not in left:
            break
        got.append(r["suite"])
        left.remove(r["suite"])
    return got


def pick(srv, version, suites, groups=HELLO_GROUPS, **kw):
    return probe(srv.port, version, suites, groups, pre=srv.pre, **kw).get("suite")


def picks(srv, version, offers, groups=HELLO_GROUPS):
    return [r.get("suite") for r in probe_many(
        srv.port, [dict(version=version, suites=o, groups=groups) for o in offers], srv.pre)]


def known_prime_name(p):
    """RFC 7919 / RFC 3526 / RFC 2409 name of prime P, or "custom"."""
    if p is None:
        return None
    for bits in (2048, 3072, 4096, 6144, 8192):
        if p == h.ffdhe_prime(bits):
            return "ffdhe%d" % bits
    for bits in (1536, 2048, 3072, 4096, 6144, 8192):
        if p == h.modp_prime(bits):
            return "rfc3526-%d" % bits
    for bits in (768, 1024):
        if p == h.modp_prime(bits):
            return "rfc2409-%d" % bits
    return "custom"


TLS13_LEGAL = ("ecdsa_secp", "ed25519", "ed448", "rsa_pss_")
# what `openssl s_client` prints for the scheme the server used
_SIG_PRINT = {"RSA-PSS": ("rsa_pss_rsae_", "rsa_pss_pss_"), "ECDSA": ("ecdsa_",),
              "RSA": ("rsa_pkcs1_",), "Ed25519": ("ed25519",), "Ed448": ("ed448",)}


def tls13_cert_and_scheme(srv, scheme):
    """One TLS 1.3 handshake (openssl s_client) whose signature_algorithms
    are SCHEME plus rsa_pkcs1_sha256 when SCHEME may sign a TLS 1.3
    CertificateVerify: rsa_pkcs1_sha256 is the signature of our leaves (some
    servers insist on seeing the chain's scheme; OpenSSL 3.0's s_client has
    no signature_algorithms_cert option) and is not allowed for
    CertificateVerify (RFC 8446 4.2.3), so a completed handshake means the
    server signed with SCHEME. Returns (ok, leaf sha256, output); ok also
    needs the printed signature type and digest to agree with SCHEME."""
    legal = scheme.startswith(TLS13_LEGAL)
    sig = scheme + (":rsa_pkcs1_sha256" if legal else "")
    out = sclient(srv.port, ["-tls1_3", "-sigalgs", sig], pre=srv.pre)
    typ = re.search(r"^Peer signature type: (\S+)", out, re.M)
    dig = re.search(r"^Peer signing digest: (\S+)", out, re.M)
    ok = bool(typ) and ":error:" not in out and sclient_ok(out)
    if ok:
        prefixes = _SIG_PRINT.get(typ.group(1), ())
        ok = scheme.startswith(prefixes) and (
            not dig or scheme.endswith(dig.group(1).lower()) or
            scheme.startswith("ed"))
    return ok, pem_sha256(out) if ok else None, out


def tls12_scheme_used(srv, suite, code, key_kind):
    """Does the server sign a TLS 1.2 ServerKeyExchange (SUITE) with scheme
    CODE when the client asks for it? Two hellos, both well-formed client
    behaviour: (1) signature_algorithms = [CODE] plus
    signature_algorithms_cert (RFC 8446 4.2.3, also defined for TLS 1.2
    clients) with every scheme; (2) for an ECDSA scheme and an EC key:
    signature_algorithms = [CODE, rsa_pkcs1_sha256] - the chain's scheme,
    which an EC key cannot sign a ServerKeyExchange with, for servers that
    check the chain against signature_algorithms only (OTP)."""
    allsig = b"".join(h._u16(x) for x in sorted(SIGSCHEMES))
    r = probe(srv.port, "TLSv1.2", [suite], HELLO_GROUPS, sigalgs=[code], pre=srv.pre,
              exts=[(50, h._u16(len(allsig)) + allsig)])
    if r.get("ske_sig") == code:
        return True
    if key_kind == "EC" and SIGSCHEMES[code].startswith("ecdsa_"):
        r = probe(srv.port, "TLSv1.2", [suite], HELLO_GROUPS, sigalgs=[code, 0x0401],
                  pre=srv.pre)
        return r.get("ske_sig") == code
    return False


# ---------------------------------------------------------------------------
# verification of an expectation against the live server
# ---------------------------------------------------------------------------
#
# An expectation is a dict (built by each test from the server's config):
#   name, suites {proto: [IANA names, in server order when
#   server_order[proto] is true]; a protocol without suites is not
#   offered}, server_order {proto: bool|None},
#   order_classes (optional: name -> class; client-order pairs are then only
#   checked within a class, see the Erlang test), chacha {proto: bool|None},
#   groups {"TLSv1.3"/"TLSv1.2": {"groups": [...], "server_order": b|None}},
#   dh {"bits", "group"} | None, certs [cert_facts...],
#   sigs {"TLSv1.2": [...], "TLSv1.3": [...]}, features {name: value},
#   sig_suites {"RSA": name, "EC": name} (accepted suites whose
#   ServerKeyExchange the TLS 1.2 scheme probes read).


def verify(srv, exp):
    """Problems found when the live server is compared with EXP (empty list:
    every expected fact holds)."""
    bad = []
    bad += _verify_versions(srv, exp)
    bad += _verify_suites(srv, exp)
    bad += _verify_groups(srv, exp)
    bad += _verify_dh(srv, exp)
    bad += _verify_certs(srv, exp)
    bad += _verify_sigs(srv, exp)
    bad += _verify_features(srv, exp)
    return ["%s: %s" % (exp["name"], b) for b in bad]


def _verify_versions(srv, exp):
    """SSLv3 .. TLS 1.1 offered exactly when EXP lists suites for them (two
    hellos with every suite the test can name); SSLv2 never."""
    bad = []
    every = tls12_candidates()
    for v in TLS12_BELOW:
        r = probe(srv.port, v, every[:120], HELLO_GROUPS, pre=srv.pre)
        r2 = probe(srv.port, v, every[120:], HELLO_GROUPS, pre=srv.pre)
        got = r.get("version") == v or r2.get("version") == v
        want = bool(exp["suites"].get(v))
        if got != want:
            bad.append("%s offered=%s, expected %s (%r %r)" % (v, got, want, r, r2))
    if not sslv2_refused(srv.port, srv.pre):
        bad.append("SSLv2 SERVER-HELLO received")
    return bad


def _verify_suites(srv, exp):
    bad = []
    for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        want = exp["suites"].get(v, [])
        if not want and v != "TLSv1.2" and v != "TLSv1.3":
            continue  # checked by _verify_versions
        cands = list(h.TLS13_SUITES) if v == "TLSv1.3" else tls12_candidates()
        got = eliminate(srv, v, cands)
        if sorted(got) != sorted(ids_of(want)):
            bad.append("%s suites accepted %s, expected %s" % (
                v, names_of(got), want))
            continue
        # each one alone, too
        for sid, r in zip(ids_of(want), probe_many(
                srv.port, [dict(version=v, suites=[i], groups=HELLO_GROUPS)
                           for i in ids_of(want)], srv.pre)):
            if r.get("suite") != sid:
                bad.append("%s suite %s alone: %r" % (v, names_of([sid])[0], r))
        so = exp["server_order"].get(v)
        ids = ids_of(want)
        if so is True:
            bad += ["%s: %s" % (v, x) for x in h.order_violations(
                lambda ls: picks(srv, v, ls), ids, "server")]
        elif so is False:
            cls = exp.get("order_classes")
            pairs = [(a, b) for a, b in zip(ids, ids[1:])]
            if cls:  # only pairs within a class (all pairs of each class)
                pairs = []
                for c in set(cls(n) for n in want):
                    members = [i for i, n in zip(ids, want) if cls(n) == c]
                    pairs += list(zip(members, members[1:]))
            offers = [[a, b] for a, b in pairs] + [[b, a] for a, b in pairs]
            got_p = picks(srv, v, offers)
            for o, g in zip(offers, got_p):
                if g != o[0]:
                    bad.append("%s: offered %s -> %s (client order would pick the first)" % (
                        v, names_of(o), names_of([g]) if g else g))
        ch = exp["chacha"].get(v)
        chachas = [i for i, n in zip(ids, want) if "CHACHA20" in n]
        if ch is None:
            if so is True and chachas and "CHACHA20" not in want[0]:
                bad.append("%s: chacha20 expectation missing" % v)
        else:
            g = pick(srv, v, [chachas[0], ids[0]])
            if (g == chachas[0]) != ch:
                bad.append("%s: offered [%s, %s] -> %s (chacha20 priority expected %s)" % (
                    v, names_of([chachas[0]])[0], want[0], names_of([g]) if g else g, ch))
    return bad


def ecdhe_probe_suites(exp):
    """The accepted ECDHE suites the TLS 1.2 curve probes offer: the
    ECDHE_RSA ones when there are any (no certificate-curve interplay),
    else the ECDHE_ECDSA ones."""
    s12 = exp["suites"].get("TLSv1.2", [])
    for prefix in ("TLS_ECDHE_RSA_", "TLS_ECDHE_ECDSA_"):
        ids = [i for i, n in zip(ids_of(s12), s12) if n.startswith(prefix)]
        if ids:
            return ids
    return []


def _group_ok(srv, v, gid, exp):
    if v == "TLSv1.3":
        r = probe(srv.port, "TLSv1.3", ids_of(exp["suites"]["TLSv1.3"]), [gid], pre=srv.pre)
        return r.get("selected_group") == gid, r
    if gid in FFDHE:
        dhe = [i for i, n in zip(ids_of(exp["suites"]["TLSv1.2"]), exp["suites"]["TLSv1.2"])
               if n.startswith("TLS_DHE_")]
        if not dhe:
            return False, {"note": "no DHE suite"}
        r = probe(srv.port, "TLSv1.2", dhe, [gid], pre=srv.pre)
        return r.get("dh_p") == h.ffdhe_prime(FFDHE[gid]), r
    ec = ecdhe_probe_suites(exp)
    if not ec:
        return False, {"note": "no ECDHE suite"}
    r = probe(srv.port, "TLSv1.2", ec, [gid], pre=srv.pre)
    return r.get("ske_curve") == gid, r


def _verify_groups(srv, exp):
    bad = []
    cands = sorted(GROUP_NAMES)
    for v in ("TLSv1.3", "TLSv1.2"):
        e = exp["groups"].get(v)
        if not exp["suites"].get(v):
            continue
        want = e["groups"] if e else []
        res = parallel(lambda g: _group_ok(srv, v, g, exp), cands)
        got = [GROUP_NAMES[g] for g, (ok, _) in zip(cands, res) if ok]
        if sorted(got) != sorted(want):
            bad.append("%s groups negotiated %s, expected %s" % (v, got, want))
            continue
        if not e or len(want) < 2:
            continue

        def chooser(ls, v=v, ff=False):
            out = []
            for l in ls:
                if v == "TLSv1.3":
                    r = probe(srv.port, v, ids_of(exp["suites"][v]), l, pre=srv.pre)
                    out.append(r.get("selected_group"))
                elif ff:
                    dhe = [i for i, n in zip(ids_of(exp["suites"][v]), exp["suites"][v])
                           if n.startswith("TLS_DHE_")]
                    r = probe(srv.port, v, dhe, l, pre=srv.pre)
                    ffp = {h.ffdhe_prime(b): g for g, b in FFDHE.items()}
                    out.append(ffp.get(r.get("dh_p")))
                else:
                    ec = ecdhe_probe_suites(exp)
                    out.append(probe(srv.port, v, ec, l, pre=srv.pre).get("ske_curve"))
            return out
        ids = [GROUP_IDS[g] for g in want]
        mode = "server" if e["server_order"] else "client"
        ec_ids = [g for g in ids if g not in FFDHE]
        ff_ids = [g for g in ids if g in FFDHE]
        if v == "TLSv1.3":
            bad += ["%s groups: %s" % (v, x) for x in h.order_violations(chooser, ids, mode)]
        else:
            if len(ec_ids) > 1:
                bad += ["%s curves: %s" % (v, x) for x in h.order_violations(chooser, ec_ids, mode)]
            if len(ff_ids) > 1:
                bad += ["%s FFDHE: %s" % (v, x) for x in h.order_violations(
                    lambda ls: chooser(ls, ff=True), ff_ids, mode)]
    return bad


def _verify_dh(srv, exp):
    dhe = [i for i, n in zip(ids_of(exp["suites"].get("TLSv1.2", [])),
                             exp["suites"].get("TLSv1.2", [])) if n.startswith("TLS_DHE_")]
    if not dhe:
        return [] if exp["dh"] is None else ["dh expected %r but no DHE suite" % exp["dh"]]
    primes = set()
    for i in dhe:
        for groups in (HELLO_GROUPS, []):
            r = probe(srv.port, "TLSv1.2", [i], groups, pre=srv.pre)
            primes.add(r.get("dh_p"))
    if len(primes) != 1 or None in primes:
        return ["DHE primes seen (no FFDHE group offered): %s" % [
            (p.bit_length(), known_prime_name(p)) if p else p for p in primes]]
    p = primes.pop()
    got = {"bits": p.bit_length(), "group": known_prime_name(p)}
    return [] if got == exp["dh"] else ["dh %r, expected %r" % (got, exp["dh"])]


def _verify_certs(srv, exp):
    bad = []
    want = sorted(c["sha256"] for c in exp["certs"])
    seen = set()
    s12 = exp["suites"].get("TLSv1.2", [])
    for kind in ("RSA", "EC"):
        ids = [i for i, n in zip(ids_of(s12), s12) if auth_of(n) == kind
               and not n.startswith("TLS_ECDH_")]
        if ids:
            r = probe(srv.port, "TLSv1.2", ids, HELLO_GROUPS, pre=srv.pre)
            if r.get("cert_sha256"):
                seen.add(r["cert_sha256"])
            else:
                bad.append("TLS 1.2 %s hello: no certificate: %r" % (kind, r))
    if exp["suites"].get("TLSv1.3"):
        for scheme in ("rsa_pss_rsae_sha256", "ecdsa_secp256r1_sha256"):
            ok, fp, _ = tls13_cert_and_scheme(srv, scheme)
            if ok and fp:
                seen.add(fp)
    if sorted(seen) != want:
        bad.append("leaf certificates served %s, expected %s" % (sorted(seen), want))
    return bad


def _verify_sigs(srv, exp):
    bad = []
    if exp["suites"].get("TLSv1.2"):
        jobs = [(code, kind, suite) for code in sorted(SIGSCHEMES)
                for kind, suite in exp["sig_suites"].items()]
        res = parallel(lambda j: tls12_scheme_used(srv, ids_of([j[2]])[0], j[0], j[1]), jobs)
        got = sorted({SIGSCHEMES[j[0]] for j, ok in zip(jobs, res) if ok})
        if got != sorted(exp["sigs"]["TLSv1.2"]):
            bad.append("TLS 1.2 signature schemes %s, expected %s" % (
                got, sorted(exp["sigs"]["TLSv1.2"])))
    if exp["suites"].get("TLSv1.3"):
        res = parallel(lambda s: tls13_cert_and_scheme(srv, s)[0], TLS13_SIG_CANDIDATES, 4)
        got = sorted(s for s, ok in zip(TLS13_SIG_CANDIDATES, res) if ok)
        if got != sorted(exp["sigs"]["TLSv1.3"]):
            bad.append("TLS 1.3 signature schemes %s, expected %s" % (
                got, sorted(exp["sigs"]["TLSv1.3"])))
    return bad


def live_features(srv, exp):
    """The handshake features, measured with raw hellos (what the
    ServerHello echoes) and openssl s_client (resumption, tickets,
    renegotiation). Only keys we can establish independently."""
    f = {}
    port, pre = srv.port, srv.pre
    s12 = exp["suites"].get("TLSv1.2", [])
    ids12 = ids_of(s12)
    cbc = [i for i, n in zip(ids12, s12) if "_CBC_" in n]
    if ids12:
        # RFC 5746 renegotiation_info, RFC 7627 EMS, RFC 5077 session_ticket,
        # RFC 7366 encrypt_then_mac (CBC suites only), RFC 6520 heartbeat,
        # RFC 7301 ALPN, status_request; DEFLATE compression offered
        alpn = b"\x00\x09\x08http/1.1"
        r = probe(port, "TLSv1.2", ids12, HELLO_GROUPS, pre=pre,
                  exts=[(23, b""), (35, b""), (15, b"\x01"), (16, alpn),
                        (5, b"\x01\x00\x00\x00\x00")], compression=(1, 0))
        if "exts" not in r:
            raise h.SetupError("%s: feature hello failed: %r" % (exp["name"], r))
        x = r["exts"]
        f["secure_renegotiation"] = 0xff01 in x
        f["extended_master_secret"] = 23 in x
        f["session_ticket_extension"] = 35 in x
        f["heartbeat"] = 15 in x
        f["alpn"] = [] if 16 not in x else ["http/1.1"]
        f["ocsp_stapling"] = 5 in x
        f["compression"] = r.get("compression") != 0
        if cbc:
            r = probe(port, "TLSv1.2", cbc, HELLO_GROUPS, pre=pre, exts=[(22, b"")])
            f["encrypt_then_mac"] = 22 in r.get("exts", {})
        # TLS_FALLBACK_SCSV at TLS 1.2 when TLS 1.3 is offered
        if exp["suites"].get("TLSv1.3"):
            r = probe(port, "TLSv1.2", ids12 + [0x5600], HELLO_GROUPS, pre=pre)
            f["fallback_scsv"] = r.get("alert") == 86
        # session-ID resumption (no ticket), ticket resumption (TLS 1.2)
        d = os.path.join(h.tmpdir(), "sess-%s-%d" % (exp["name"], port))
        os.makedirs(d, exist_ok=True)
        a = sclient(port, ["-tls1_2", "-no_ticket", "-sess_out", d + "/id"], pre, b"", 0.3)
        b = sclient(port, ["-tls1_2", "-no_ticket", "-sess_in", d + "/id"], pre, b"", 0.3)
        f["session_id_resumption"] = sclient_ok(a) and bool(
            re.search(r"^Reused, TLSv1\.2", b, re.M))
        a = sclient(port, ["-tls1_2", "-sess_out", d + "/t12"], pre, b"", 0.3)
        has_ticket = "TLS session ticket:" in a
        b = sclient(port, ["-tls1_2", "-sess_in", d + "/t12"], pre, b"", 0.3)
        f["session_ticket"] = has_ticket and bool(re.search(r"^Reused, TLSv1\.2", b, re.M))
        f["_ticket_evidence"] = [l for l in a.splitlines() if "ticket" in l.lower()][:2]
        # client-initiated renegotiation: "R" on s_client's stdin
        out = sclient(port, ["-tls1_2", "-no_ticket"], pre, b"R\n", 0.5, timeout=20)
        f["client_renegotiation"] = _renegotiated(out)
        f["_reneg_evidence"] = out[out.find("RENEGOTIATING"):][:300]
    if exp["suites"].get("TLSv1.3"):
        d = os.path.join(h.tmpdir(), "sess-%s-%d" % (exp["name"], port))
        os.makedirs(d, exist_ok=True)
        a = sclient(port, ["-tls1_3", "-sess_out", d + "/t13"], pre, b"x\n", 1.5)
        f["tls13_session_tickets"] = "Post-Handshake New Session Ticket arrived" in a
        if f["tls13_session_tickets"]:
            b = sclient(port, ["-tls1_3", "-sess_in", d + "/t13"], pre, b"", 0.3)
            f["tls13_resumption"] = bool(re.search(r"^Reused, TLSv1\.3", b, re.M))
            m = re.findall(r"Max Early Data: (\d+)", a)
            f["early_data"] = bool(m) and int(m[-1]) > 0
        f["_t13_evidence"] = [l for l in a.splitlines() if "Post-Handshake" in l][:1]
    return f


def _renegotiated(out):
    """s_client after "R": the new handshake completed when the server's
    certificate is verified again after "RENEGOTIATING" and no OpenSSL
    error (an alert, a closed connection) follows."""
    i = out.find("RENEGOTIATING")
    if i < 0:
        return False
    tail = out[i:]
    return "depth=0" in tail and ":error:" not in tail


def _verify_features(srv, exp):
    live = live_features(srv, exp)
    srv.live_features = live
    bad = []
    for k, v in exp["features"].items():
        if k not in live:
            bad.append("feature %s: not measured" % k)
        elif live[k] != v:
            ev = live.get("_reneg_evidence") if k == "client_renegotiation" else ""
            bad.append("feature %s = %r, expected %r %s" % (k, live[k], v, ev))
    return bad

# ---------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------


def run_scan(targets, extra=(), timeout=None):
    """`tlsaudit scan --format json TARGETS`: the parsed JSON. Exit code 0,
    or 1 when a target has status "error" (docs/cli.md); anything else
    FAILS the test."""
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s (set TLSAUDIT)" % exe)
    timeout = timeout or float(os.environ.get("TLSAUDIT_TEST_TIMEOUT", "240"))
    argv = [exe, "scan", "--format", "json"] + list(extra) + list(targets)
    argv, outs = h.with_report_copies(argv)
    h.log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise h.SetupError("tlsaudit did not finish within %.0f s; stderr:\n%s" % (
            timeout, (e.stderr or b"").decode(errors="replace")[-3000:]))
    took = time.time() - t0
    h.log("tlsaudit exit code %d after %.1f s" % (cp.returncode, took))
    out = h.read_report_json(outs, cp)
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise h.SetupError("tlsaudit output is not JSON (%s, exit %d)\n%s\nstderr:\n%s" % (
            e, cp.returncode, out[-3000:], cp.stderr.decode(errors="replace")[-3000:]))
    if cp.returncode not in (0, 1):
        raise h.SetupError("tlsaudit exited %d\n%s" % (cp.returncode,
                                                       cp.stderr.decode(errors="replace")[-3000:]))
    statuses = [t.get("status") for t in doc.get("targets", []) if isinstance(t, dict)]
    want_rc = 1 if "error" in statuses else 0
    if cp.returncode != want_rc:
        raise h.SetupError("tlsaudit exit code %d does not match the statuses %s" % (
            cp.returncode, statuses))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    h.round_trip(outs, doc, extra)
    doc["_took"] = took
    return doc


def find_target(t, doc, port):
    found = [x for x in doc.get("targets", []) if isinstance(x, dict) and x.get("port") == port]
    if not t.check("a target for port %d" % port, len(found) == 1,
                   "targets: %s" % h._fmt(doc.get("targets"))[:2000]):
        raise h.SetupError("no target for port %d in the scanner output" % port)
    return found[0]


def check_scan(t, doc, srv, exp, n_targets):
    """Every fact of EXP against the scanner's target for SRV."""
    L = exp["name"]
    tg = h.check_target(t, doc, "127.0.0.1", srv.port, n_targets=n_targets)
    t.eq("%s: incomplete" % L, False, tg.get("incomplete"))
    if srv.pre:
        st = tg.get("starttls") or {}
        t.eq("%s: service" % L, srv.pre, tg.get("service"))
        t.eq("%s: starttls.protocol" % L, srv.pre, st.get("protocol"))
        t.eq("%s: starttls.offered" % L, True, st.get("offered"))
    else:
        t.eq("%s: starttls (implicit TLS)" % L, None, tg.get("starttls"))
    for p in h.PROTOCOLS:
        if exp["suites"].get(p):
            so = exp["server_order"].get(p)
            h.check_protocol(t, tg, p, offered=True, suites=exp["suites"][p],
                             ordered=so is True, server_order=so)
            t.eq("%s: %s chacha20_priority" % (L, p), exp["chacha"].get(p),
                 tg["protocols"][p].get("chacha20_priority"))
        else:
            h.check_protocol(t, tg, p, offered=False)
    # groups per version, and their union
    gbv = tg.get("groups_by_version")
    want_gbv = {v: {"groups": e["groups"], "server_order": e["server_order"]}
                for v, e in exp["groups"].items() if e and e["groups"]}
    if not t.check("%s: groups_by_version is an object" % L, isinstance(gbv, dict),
                   "got %s" % h._fmt(gbv)):
        gbv = {}
    t.set_eq("%s: groups_by_version versions" % L, sorted(want_gbv), sorted(gbv))
    for v, e in want_gbv.items():
        g = gbv.get(v) if isinstance(gbv.get(v), dict) else {}
        t.eq("%s: groups_by_version[%s].server_order" % (L, v), e["server_order"],
             g.get("server_order"))
        if e["server_order"] is True:
            ec = [x for x in e["groups"] if x not in FFDHE_NAMES]
            ff = [x for x in e["groups"] if x in FFDHE_NAMES]
            got = g.get("groups")
            t.set_eq("%s: groups_by_version[%s].groups" % (L, v), e["groups"], got)
            if isinstance(got, list):
                t.list_eq("%s: groups_by_version[%s] EC groups in server order" % (L, v),
                          ec, [x for x in got if x not in FFDHE_NAMES])
                if len(ff) > 1:
                    t.list_eq("%s: groups_by_version[%s] FFDHE groups in server order" % (L, v),
                              ff, [x for x in got if x in FFDHE_NAMES])
        else:
            t.set_eq("%s: groups_by_version[%s].groups" % (L, v), e["groups"], g.get("groups"))
    union = sorted({x for e in want_gbv.values() for x in e["groups"]})
    t.set_eq("%s: groups (union)" % L, union, tg.get("groups"))
    t.eq("%s: dh" % L, exp["dh"], tg.get("dh"))
    # signature schemes
    sbv = tg.get("signature_schemes_by_version") or {}
    for v in ("TLSv1.2", "TLSv1.3"):
        if exp["suites"].get(v):
            t.set_eq("%s: signature_schemes_by_version[%s]" % (L, v), exp["sigs"][v], sbv.get(v))
    t.set_eq("%s: signature_schemes (union)" % L,
             sorted(set(exp["sigs"].get("TLSv1.2", [])) | set(exp["sigs"].get("TLSv1.3", []))),
             tg.get("signature_schemes"))
    # certificates: every leaf, each with its facts
    certs = [c for c in (tg.get("certificates") or []) if isinstance(c, dict)]
    t.set_eq("%s: leaf certificates (sha256)" % L, [c["sha256"] for c in exp["certs"]],
             [c.get("sha256_fingerprint") for c in certs])
    by_fp = {c.get("sha256_fingerprint"): c for c in certs}
    for c in exp["certs"]:
        got = by_fp.get(c["sha256"])
        if got is None:
            continue
        k = "%s %s cert" % (L, c["key_type"])
        t.eq("%s: key_type" % k, c["key_type"], got.get("key_type"))
        t.eq("%s: key_bits" % k, c["key_bits"], got.get("key_bits"))
        t.eq("%s: curve" % k, c["curve"], got.get("curve"))
        t.eq("%s: subject" % k, c["subject"], got.get("subject"))
        t.eq("%s: issuer" % k, c["issuer"], got.get("issuer"))
        t.eq("%s: signature_algorithm" % k, c["signature_algorithm"],
             got.get("signature_algorithm"))
        t.set_eq("%s: san" % k, c["san"], got.get("san"))
    # features
    ft = tg.get("features") or {}
    for k, v in sorted(exp["features"].items()):
        t.eq("%s: features.%s" % (L, k), v, ft.get(k))
    return tg


FFDHE_NAMES = {"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"}


_starter = None


def run_parallel(fns):
    """Call each function in FNS in a thread; results in order; the first
    exception is raised after all have finished.  The threads belong to one
    pool that lives as long as the test: harness.start_process gives each
    server PR_SET_PDEATHSIG, which fires when the THREAD that started it
    ends, so a server started here must not outlive its thread.  Not to be
    nested (the pool has a fixed size)."""
    global _starter
    if _starter is None:
        _starter = concurrent.futures.ThreadPoolExecutor(12)
    futs = [_starter.submit(f) for f in fns]
    concurrent.futures.wait(futs)
    return [f.result() for f in futs]
