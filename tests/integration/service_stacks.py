#!/usr/bin/env python3
"""STARTTLS services on other TLS stacks, for tlsaudit's integration tests.

What it provides (stdlib only; imports harness.py as `h` and mail_servers.py)
  * Exim 4.96, GnuTLS build (Debian's exim4-daemon-light, unpacked)  start_exim()
  * OpenLDAP slapd 2.5 (GnuTLS), StartTLS + ldaps                    start_slapd()
  * Prosody 0.12 (XMPP c2s, LuaSec/OpenSSL)                          start_prosody()
  * INN 2.7 nnrpd (NNTP, OpenSSL; Debian's inn2, unpacked)           start_nnrpd()
  * Dovecot 2.3 LMTP on a TCP port                                   start_dovecot_lmtp()
  * an independent client for the XMPP, LDAP and NNTP dialogues (SMTP
    and LMTP come from mail_servers), a raw ClientHello prober that runs
    after them (suite, HRR group, ECDHE curve, DH prime and the scheme
    of the ServerKeyExchange signature), an SSLv2 prober, and a real
    handshake with `openssl s_client -starttls`      starttls_open(), probe(),
                                                     sslv2_probe(), s_client()
  * expectations from a GnuTLS priority string, as `gnutls-cli -l` prints
    it (the library's own reading of the string)     gnutls_expect()
  * verification of a live server against expectations    verify_server()

Same rules as harness.py: every server binds 127.0.0.1 only, on free high
ports, with its own configuration and state in the harness temp dir, runs
in the foreground in its own session and is stopped by PID at exit.  A
server that cannot start raises harness.SetupError: the test FAILS.

Packages that cannot be installed normally on the test machine (Exim
conflicts with Postfix; inn2's postinst fails) are .deb files fetched by
tests/integration/fetch_debs.sh into /var/cache/tlsaudit-tests/debs (or
$TLSAUDIT_DEBS_DIR) and unpacked here with `dpkg -x` into the temp dir.

Notes learnt the hard way
  * Exim (Debian build): EXIM_USER is `ref:Debian-exim`, looked up by name
    before the configuration is read; that user only exists once
    exim4-base's postinst ran.  Exim runs here in a private mount
    namespace (`unshare --mount`) where copies of /etc/passwd and
    /etc/group with a Debian-exim entry (a free uid/gid) are bind-mounted:
    nothing on the system changes.  The SMTP child drops to that user
    before TLS, so the key is a copy owned by it (mode 0600).  The
    configuration must be owned by root and not writable by others.
    `-bdf` keeps the daemon in the foreground; our process (unshare ->
    sh -> exec exim) keeps its PID.  Refusals over smtp_accept_max are
    logged as "Connection from [IP] refused: too many connections".
  * slapd needs no database to answer StartTLS; `-d 0` keeps it in the
    foreground, silent.  It runs as root (no -u), reads the key itself.
  * prosody refuses to run as root: it runs as user prosody (setpriv).
    Debian's prosody 0.12.3 with LuaSec 1.2 does NOT turn on
    cipher_server_preference by default (its probe of LuaSec's options
    uses protocol "sslv23", which LuaSec 1.2 rejects, so every default
    option is off): the option is set explicitly here.  The stream's
    `to` must be a VirtualHost, so the VirtualHost is "127.0.0.1" (the
    name the scanner sends for a target given by address).
  * nnrpd (-D -f, standalone daemon) reads $INNCONF; it drops to user
    news after bind.  Without an overview it answers every client "400 NNTP
    server unavailable": `tdx-util -c` (as news) creates one group, which
    makes the tradindexed group.index.  storage.conf names timehash (no
    files needed).  It logs only to syslog (absent here): errors show up
    as that 400 or as an exit; run it under strace to see why.
  * Start servers from the main thread: harness.start_process sets
    PR_SET_PDEATHSIG, which fires when the *thread* that forked the
    server ends (a server started from a worker thread gets SIGTERM as
    soon as that thread returns; Exim escapes it only because exec of a
    set-uid binary clears the setting).
"""

import glob
import hashlib
import os
import re
import secrets
import shutil
import socket
import ssl as _ssl  # only for PEM -> DER
import struct
import subprocess
import threading
import time

import feature_probes as fp
import harness as h
import mail_servers as ms

DEBS_DIR = os.environ.get("TLSAUDIT_DEBS_DIR", "/var/cache/tlsaudit-tests/debs")

# ---------------------------------------------------------------------------
# unpacked Debian packages
# ---------------------------------------------------------------------------

_unpacked = {}
_unpack_lock = threading.Lock()


def unpack_deb(package):
    """dpkg -x the .deb of PACKAGE (fetched by fetch_debs.sh) into the temp
    dir, once per process; returns the root of the unpacked tree."""
    with _unpack_lock:
        if package in _unpacked:
            return _unpacked[package]
        debs = sorted(glob.glob(os.path.join(DEBS_DIR, "%s_*.deb" % package)))
        if not debs:
            raise h.SetupError("no %s_*.deb in %s: run tests/integration/fetch_debs.sh "
                               "(scripts/install-deps.sh does)" % (package, DEBS_DIR))
        root = os.path.join(h.tmpdir(), "debs", package)
        os.makedirs(root)
        h.run(["dpkg", "-x", debs[-1], root])
        for d in [root] + [os.path.join(root, p) for p in ("usr", "usr/lib", "usr/sbin")]:
            if os.path.isdir(d):
                os.chmod(d, 0o755)
        _unpacked[package] = root
        return root


def _free_id(used_file, start=64990):
    used = set()
    with open(used_file) as f:
        for line in f:
            parts = line.split(":")
            if len(parts) > 2 and parts[2].isdigit():
                used.add(int(parts[2]))
    for i in range(start, 60000, -1):
        if i not in used:
            return i
    raise h.SetupError("no free id in " + used_file)


def _copy_key(key, d, uid, gid, name="server.key"):
    dst = os.path.join(d, name)
    shutil.copy(key, dst)
    os.chown(dst, uid, gid)
    os.chmod(dst, 0o600)
    return dst

# ---------------------------------------------------------------------------
# Exim
# ---------------------------------------------------------------------------


class Service(h.Server):
    """A harness.Server plus what a test needs to know about it."""


def start_exim(port=None, cert=None, key=None, priority="SECURE128:%SERVER_PRECEDENCE",
               dhparam=None, resumption=True, banner=None, extra="", name="exim"):
    """Exim 4.96 (GnuTLS) from exim4-daemon-light, `exim -bdf -oX PORT -C
    FILE`, listening on 127.0.0.1:PORT.  priority: tls_require_ciphers (a
    GnuTLS priority string).  dhparam: tls_dhparam (None: unset, Exim's
    built-in default prime).  resumption: tls_resumption_hosts = * (Exim
    then enables GnuTLS session tickets; unset, it sends none).
    smtp_accept_max is left at Exim's default (20) unless EXTRA sets it.
    Returns a Service with .port, .banner, .conf_text, .mainlog (path),
    .mainlog_text()."""
    root = unpack_deb("exim4-daemon-light")
    exim = os.path.join(root, "usr", "sbin", "exim4")
    if not os.path.exists(exim):
        raise h.SetupError("exim4-daemon-light unpacked, but no usr/sbin/exim4 in it")
    c = h.make_certs()
    port = port or h.free_port()
    top = ms._traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    spool, logd = os.path.join(d, "spool"), os.path.join(d, "log")
    for p in (d, spool, logd):
        os.makedirs(p, exist_ok=True)
        os.chmod(p, 0o755)
    # Debian-exim, in copies of passwd/group mounted over the system's
    # files inside Exim's own mount namespace only
    uid, gid = _free_id("/etc/passwd"), _free_id("/etc/group")
    passwd, group = os.path.join(d, "passwd"), os.path.join(d, "group")
    shutil.copy("/etc/passwd", passwd)
    shutil.copy("/etc/group", group)
    with open(passwd, "a") as f:
        f.write("Debian-exim:x:%d:%d:Exim test:/nonexistent:/usr/sbin/nologin\n" % (uid, gid))
    with open(group, "a") as f:
        f.write("Debian-exim:x:%d:\n" % gid)
    os.chmod(passwd, 0o644)
    os.chmod(group, 0o644)
    for p in (spool, logd):
        os.chown(p, uid, gid)
    kcopy = _copy_key(key or c.rsa_key, d, uid, gid)
    banner = banner or "mx-exim-%s.tlsaudit.test ESMTP Exim tlsaudit-test" % secrets.token_hex(3)
    lines = [
        "keep_environment =",
        "primary_hostname = exim-test.tlsaudit.test",
        "spool_directory = %s" % spool,
        "log_file_path = %s/%%slog" % logd,
        "pid_file_path = %s/exim.pid" % d,
        "daemon_smtp_ports = %d" % port,
        "local_interfaces = 127.0.0.1",
        "smtp_banner = %s" % banner,
        "tls_advertise_hosts = *",
        "tls_certificate = %s" % (cert or c.rsa_cert),
        "tls_privatekey = %s" % kcopy,
        "tls_require_ciphers = %s" % priority,
    ]
    if dhparam is not None:
        lines.append("tls_dhparam = %s" % dhparam)
    if resumption:
        lines.append("tls_resumption_hosts = *")
    lines += [extra,
              "acl_smtp_rcpt = acl_check_rcpt",
              "begin acl", "acl_check_rcpt:", "  deny", "begin routers", "begin transports", ""]
    text = "\n".join(lines)
    conf = os.path.join(d, "exim.conf")
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    script = ('mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && '
              'exec "$3" -C "$4" -bdf -oX "$5"')
    base = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
            passwd, group, exim, conf]
    # syntax check first (-bV reads the configuration), for a clear error
    chk = h.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && '
                 'exec "$3" -C "$4" -bV', "sh", passwd, group, exim, conf], check=False)
    if chk.returncode != 0:
        raise h.SetupError("exim -bV rejects the configuration:\n%s\n%s\nconfig:\n%s" % (
            chk.stdout.decode(errors="replace"), chk.stderr.decode(errors="replace"), text))
    out = os.path.join(d, "stdout.log")
    mainlog = os.path.join(logd, "mainlog")
    proc = h.start_process(base + [str(port)], name, out)
    try:
        h.wait_port(port, proc=proc, log_path=out, timeout=20)
    except h.SetupError as e:
        raise h.SetupError("%s\nmainlog:\n%s\npaniclog:\n%s" % (
            e, h.read_log(mainlog), h.read_log(os.path.join(logd, "paniclog"))))
    srv = Service(name, proc, port, mainlog)
    srv.banner, srv.conf_text, srv.dir, srv.mainlog = banner, text, d, mainlog
    srv.mainlog_text = lambda limit=1 << 20: h.read_log(mainlog, limit)
    srv.version = chk.stdout.decode(errors="replace").splitlines()[0] if chk.stdout else ""
    return srv


EXIM_REFUSAL = re.compile(r"^\S+ \S+ Connection from \[127\.0\.0\.1\](?::\d+)? refused: "
                          r"too many connections", re.M)


def exim_refusals(srv):
    """Number of 'too many connections' refusals in Exim's main log."""
    return len(EXIM_REFUSAL.findall(srv.mainlog_text()))


def exim_children(srv):
    """Exim's SMTP processes now: children of the daemon (found by PID)."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            if int(st[st.rindex(")") + 2:].split()[1]) == srv.proc.pid:
                n += 1
        except (OSError, ValueError, IndexError):
            continue
    return n


def wait_exim_idle(srv, timeout=20.0):
    """Wait until the daemon has no SMTP child left (an SMTP process
    outlives its client by up to a second or so: Exim waits for the
    client's close after QUIT, ~0.2 s, and after a failed TLS handshake)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if exim_children(srv) == 0:
            return
        time.sleep(0.05)
    raise h.SetupError("Exim still has %d SMTP processes after %.0f s" % (
        exim_children(srv), timeout))


def exim_hold(srv, n):
    """Open N SMTP sessions and read each 220 greeting; returns the sockets
    (the sessions stay open until released: smtp_receive_timeout is 5
    minutes).  Raises SetupError when a greeting is not 220."""
    held = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            held.append(s)
            line = _Reader(s, time.time() + 10).line()
            if not line.startswith("220"):
                raise h.SetupError("session %d of %d greeted %r" % (len(held), n, line))
    except BaseException:
        exim_release(held)
        raise
    return held


def exim_release(held):
    for s in held:
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
    for s in held:
        s.close()

# ---------------------------------------------------------------------------
# slapd
# ---------------------------------------------------------------------------


def start_slapd(ldap_ports, ldaps_port=None, cert=None, key=None,
                cipher_suite="SECURE128:%SERVER_PRECEDENCE", name="slapd"):
    """OpenLDAP slapd 2.5 (Debian: GnuTLS) with its own slapd.conf, no
    database, no TLSDHParamFile: `slapd -f FILE -h "ldap://127.0.0.1:P/ ...
    ldaps://127.0.0.1:Q/" -d 0`.  ldap_ports: one port or a list (plain
    LDAP listeners, StartTLS).  cipher_suite: TLSCipherSuite (a GnuTLS
    priority string).  Returns a Service with .ldap_ports, .ldaps_port,
    .conf_text."""
    if not os.path.exists("/usr/sbin/slapd"):
        raise h.SetupError("/usr/sbin/slapd not found: install slapd (scripts/install-deps.sh)")
    c = h.make_certs()
    if isinstance(ldap_ports, int):
        ldap_ports = [ldap_ports]
    top = ms._traversable()
    d = os.path.join(top, "%s-%d" % (name, ldap_ports[0]))
    os.makedirs(d)
    text = ("pidfile %s/slapd.pid\nargsfile %s/slapd.args\n"
            "TLSCertificateFile %s\nTLSCertificateKeyFile %s\nTLSCipherSuite %s\n" % (
                d, d, cert or c.rsa_cert, key or c.rsa_key, cipher_suite))
    conf = os.path.join(d, "slapd.conf")
    with open(conf, "w") as f:
        f.write(text)
    cp = h.run(["/usr/sbin/slaptest", "-f", conf, "-u"], check=False)
    if cp.returncode != 0:
        raise h.SetupError("slaptest rejects slapd.conf:\n%s%s\n%s" % (
            cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"), text))
    urls = ["ldap://127.0.0.1:%d/" % p for p in ldap_ports]
    if ldaps_port:
        urls.append("ldaps://127.0.0.1:%d/" % ldaps_port)
    log_path = os.path.join(d, "slapd.log")
    proc = h.start_process(["/usr/sbin/slapd", "-f", conf, "-h", " ".join(urls), "-d", "0"],
                           name, log_path)
    for p in ldap_ports + ([ldaps_port] if ldaps_port else []):
        h.wait_port(p, proc=proc, log_path=log_path, timeout=20)
    srv = Service(name, proc, ldap_ports[0], log_path)
    srv.ldap_ports, srv.ldaps_port, srv.conf_text, srv.dir = ldap_ports, ldaps_port, text, d
    return srv

# ---------------------------------------------------------------------------
# prosody
# ---------------------------------------------------------------------------


def start_prosody(port=None, cert=None, key=None, protocol="tlsv1_2+", ciphers=None,
                  ciphersuites=None, curves=None, server_preference=True,
                  vhost="127.0.0.1", name="prosody"):
    """Prosody 0.12 (`prosody --config FILE -F`, as user prosody), c2s on
    127.0.0.1:PORT with STARTTLS (c2s_require_encryption false), s2s and
    direct TLS off.  The ssl table gets protocol, ciphers, ciphersuites
    (TLS 1.3), curveslist and options.cipher_server_preference.  Returns a
    Service with .conf_text, .vhost."""
    if not shutil.which("prosody"):
        raise h.SetupError("prosody not found: install prosody (scripts/install-deps.sh)")
    uid, gid = ms._user("prosody")
    c = h.make_certs()
    port = port or h.free_port()
    top = ms._traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    data = os.path.join(d, "data")
    os.makedirs(data)
    for p in (d, data):
        os.chown(p, uid, gid)
        os.chmod(p, 0o755)
    kcopy = _copy_key(key or c.rsa_key, d, uid, gid)

    def lua_list(xs):
        return "{ " + "; ".join('"%s"' % x for x in xs) + " }"
    ssl = ['key = "%s"' % kcopy, 'certificate = "%s"' % (cert or c.rsa_cert),
           'protocol = "%s"' % protocol,
           "options = { cipher_server_preference = %s }" % (
               "true" if server_preference else "false")]
    if ciphers:
        ssl.append('ciphers = "%s"' % ciphers)
    if ciphersuites:
        ssl.append('ciphersuites = "%s"' % ciphersuites)
    if curves:
        ssl.append("curveslist = %s" % lua_list(curves))
    log_path = os.path.join(d, "prosody.log")
    text = """-- generated by tests/integration/service_stacks.py
pidfile = "{d}/prosody.pid"
data_path = "{data}"
certificates = "{d}"
log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = "{log}" }} }}
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
modules_enabled = {{ "tls"; "saslauth"; "disco" }}
modules_disabled = {{ "s2s"; "offline" }}
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = false
ssl = {{
  {ssl};
}}
VirtualHost "{vhost}"
""".format(d=d, data=data, log=log_path, port=port, vhost=vhost, ssl=";\n  ".join(ssl))
    conf = os.path.join(d, "prosody.cfg.lua")
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    out = os.path.join(d, "stdout.log")
    proc = h.start_process(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--init-groups",
                            "--", "prosody", "--config", conf, "-F"], name, out)
    try:
        h.wait_port(port, proc=proc, log_path=log_path, timeout=20)
    except h.SetupError as e:
        raise h.SetupError("%s\nstdout:\n%s" % (e, h.read_log(out)))
    srv = Service(name, proc, port, log_path)
    srv.conf_text, srv.vhost, srv.dir = text, vhost, d
    return srv

# ---------------------------------------------------------------------------
# INN nnrpd
# ---------------------------------------------------------------------------


def start_nnrpd(port=None, cert=None, key=None, tlsciphers=None, tlsciphers13=None,
                tlsprotocols=("TLSv1.2", "TLSv1.3"), tlseccurve=None, prefer_server=True,
                name="nnrpd"):
    """INN 2.7 nnrpd from inn2 (+ inn2-inews for libinn.so.9), both unpacked;
    its other libraries (libcanlock3, libperl5.36, libpython3.11, libsasl2-2)
    are installed packages.  Standalone:
    `nnrpd -D -f -n -b 127.0.0.1 -p PORT` with INNCONF pointing at our
    inn.conf (tlscertfile, tlskeyfile, tlsciphers, tlsciphers13,
    tlsprotocols, tlseccurve, tlspreferserverciphers).  Returns a Service
    with .banner_host (pathhost), .conf_text."""
    inn = unpack_deb("inn2")
    news_lib = os.path.join(inn, "usr", "lib", "news")
    # libinn.so.9 is in inn2-inews: the unpacked copy, whatever is installed
    libdirs = [news_lib, os.path.join(unpack_deb("inn2-inews"), "usr", "lib", "news")]
    nnrpd = os.path.join(news_lib, "bin", "nnrpd")
    tdx = os.path.join(news_lib, "bin", "tdx-util")
    for p in (nnrpd, tdx):
        if not os.path.exists(p):
            raise h.SetupError("inn2 unpacked, but %s is missing" % p)
    uid, gid = ms._user("news")
    c = h.make_certs()
    port = port or h.free_port()
    top = ms._traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    subs = ("etc", "db", "run", "log", "spool", "tmp", "overview")
    for s in ("",) + subs:
        os.makedirs(os.path.join(d, s), exist_ok=True)
        os.chown(os.path.join(d, s), uid, gid)
        os.chmod(os.path.join(d, s), 0o755)
    etc = os.path.join(d, "etc")
    kcopy = _copy_key(key or c.rsa_key, etc, uid, gid, "key.pem")
    pathhost = "news-%s.tlsaudit.test" % secrets.token_hex(3)

    def q(v):
        return '"%s"' % v
    conf = [
        'organization: "tlsaudit test"',
        "pathhost: %s" % pathhost,
        "domain: tlsaudit.test",
        "server: 127.0.0.1",
        'mta: "/bin/false %s"',
        "pathnews: %s" % news_lib,
        "pathbin: %s" % os.path.join(news_lib, "bin"),
        "pathetc: %s" % etc,
        "pathdb: %s" % os.path.join(d, "db"),
        "pathrun: %s" % os.path.join(d, "run"),
        "pathlog: %s" % os.path.join(d, "log"),
        "pathhttp: %s" % os.path.join(d, "log"),
        "pathspool: %s" % os.path.join(d, "spool"),
        "pathtmp: %s" % os.path.join(d, "tmp"),
        "pathoverview: %s" % os.path.join(d, "overview"),
        "ovmethod: tradindexed",
        "hismethod: hisv6",
        "nnrpdloadlimit: 0",
        "tlscertfile: %s" % (cert or c.rsa_cert),
        "tlskeyfile: %s" % kcopy,
        "tlsprotocols: [ %s ]" % " ".join(tlsprotocols),
        "tlspreferserverciphers: %s" % ("true" if prefer_server else "false"),
    ]
    if tlsciphers:
        conf.append("tlsciphers: %s" % q(tlsciphers))
    if tlsciphers13:
        conf.append("tlsciphers13: %s" % q(tlsciphers13))
    if tlseccurve:
        conf.append("tlseccurve: %s" % tlseccurve)
    text = "\n".join(conf) + "\n"
    files = {
        "inn.conf": text,
        "readers.conf": 'auth "local" {\n    hosts: "127.0.0.1"\n    default: "<localhost>"\n}\n'
                        'access "local" {\n    users: "<localhost>"\n    newsgroups: "*"\n}\n',
        "storage.conf": "method timehash {\n    newsgroups: *\n    class: 0\n}\n",
    }
    for fn, body in files.items():
        p = os.path.join(etc, fn)
        with open(p, "w") as f:
            f.write(body)
        os.chown(p, uid, gid)
    for fn, body in (("active", "local.test 0000000000 0000000001 y\n"), ("newsgroups", ""),
                     ("history", "")):
        p = os.path.join(d, "db", fn)
        with open(p, "w") as f:
            f.write(body)
        os.chown(p, uid, gid)
    env = dict(os.environ, INNCONF=os.path.join(etc, "inn.conf"),
               LD_LIBRARY_PATH=":".join(libdirs))
    # an overview (group.index) for nnrpd to open
    h.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--init-groups", "--",
           tdx, "-c", "-n", "local.test", "-f", "y"], env=env)
    out = os.path.join(d, "stdout.log")
    proc = h.start_process([nnrpd, "-D", "-f", "-n", "-b", "127.0.0.1", "-p", str(port)],
                           name, out, env=env)
    h.wait_port(port, proc=proc, log_path=out, timeout=20)
    srv = Service(name, proc, port, out)
    srv.pathhost, srv.conf_text, srv.dir = pathhost, text, d
    return srv

# ---------------------------------------------------------------------------
# Dovecot LMTP
# ---------------------------------------------------------------------------


def start_dovecot_lmtp(port=None, cert=None, key=None, ssl_cipher_list=None,
                       ssl_cipher_suites=None, ssl_curve_list=None, name="dovecot-lmtp"):
    """mail_servers.start_dovecot with no IMAP/POP3 listener and an LMTP
    inet_listener on 127.0.0.1:PORT (protocols = lmtp; ssl = yes, so LHLO
    offers STARTTLS).  Returns its MailServer with .lmtp_port."""
    if not os.path.exists("/usr/lib/dovecot/lmtp"):
        raise h.SetupError("/usr/lib/dovecot/lmtp not found: install dovecot-lmtpd")
    port = port or h.free_port()
    extra = ("protocols = lmtp\n"
             "service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n"
             "    port = %d\n  }\n}\n" % port)
    srv = ms.start_dovecot(cert=cert, key=key, ssl_cipher_list=ssl_cipher_list,
                           ssl_cipher_suites=ssl_cipher_suites, ssl_curve_list=ssl_curve_list,
                           name=name, extra=extra)
    try:
        h.wait_port(port, proc=srv.proc, log_path=srv.log_path, timeout=20)
    except h.SetupError as e:
        raise h.SetupError("%s\nconfig:\n%s" % (e, srv.conf_text))
    srv.port = srv.lmtp_port = port
    return srv

# ---------------------------------------------------------------------------
# an independent client: plaintext dialogues, then raw hellos
# ---------------------------------------------------------------------------

MAX_DIALOGUE_BYTES = 65536
LDAP_STARTTLS = (b"\x30\x1d\x02\x01\x01\x77\x18\x80\x16" + b"1.3.6.1.4.1.1466.20037")
XMPP_NS_TLS = b"urn:ietf:params:xml:ns:xmpp-tls"

busy_seen = {"count": 0}     # 421 greetings met (and waited out) by our own probes


class _Reader:
    def __init__(self, sock, deadline):
        self.s, self.deadline, self.buf = sock, deadline, b""

    def more(self):
        left = self.deadline - time.time()
        if left <= 0:
            raise ms.DialogueError("timeout", self.buf.decode("latin-1"))
        self.s.settimeout(left)
        chunk = self.s.recv(4096)
        if not chunk:
            raise ms.DialogueError("connection closed", self.buf.decode("latin-1"))
        self.buf += chunk
        if len(self.buf) > MAX_DIALOGUE_BYTES:
            raise ms.DialogueError("too much text", self.buf[-300:].decode("latin-1"))

    def until(self, *needles):
        while not any(n in self.buf for n in needles):
            self.more()
        return self.buf

    def line(self):
        while b"\n" not in self.buf:
            self.more()
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("latin-1")


def _xmpp(s, deadline, host, send_starttls):
    r = _Reader(s, deadline)
    s.sendall(("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
               "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>" %
               host).encode())
    buf = r.until(b"</stream:features>", b"<stream:error")
    if b"<stream:error" in buf:
        raise ms.DialogueError("stream error", buf.decode("latin-1"))
    feats = buf[buf.index(b"<stream:features"):]
    info = {"banner": None, "offered": b"<starttls" in feats and XMPP_NS_TLS in feats,
            "lines": [buf.decode("latin-1")]}
    if send_starttls:
        r.buf = b""
        s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        got = r.until(b"<proceed", b"<failure")
        if b"<proceed" not in got:
            raise ms.DialogueError("STARTTLS refused", got.decode("latin-1"))
        # the <proceed/> element is the last thing before TLS
        r.until(b"/>")
    return info


def _ldap(s, deadline, send_starttls):
    info = {"banner": None, "offered": None, "lines": []}
    if not send_starttls:
        return info
    s.sendall(LDAP_STARTTLS)
    r = _Reader(s, deadline)
    while len(r.buf) < 2:
        r.more()
    if r.buf[0] != 0x30:
        raise ms.DialogueError("not an LDAP message", r.buf.hex())
    ln, off = r.buf[1], 2
    if ln & 0x80:
        k = ln & 0x7f
        while len(r.buf) < 2 + k:
            r.more()
        ln, off = int.from_bytes(r.buf[2:2 + k], "big"), 2 + k
    while len(r.buf) < off + ln:
        r.more()
    msg = r.buf[off:off + ln]
    # messageID, then [APPLICATION 24] ExtendedResponse { resultCode ENUMERATED ... }
    p = 2 + msg[1]
    if msg[p] != 0x78:
        raise ms.DialogueError("not an ExtendedResponse", msg.hex())
    p += 2 if msg[p + 1] < 0x80 else 2 + (msg[p + 1] & 0x7f)
    if msg[p] != 0x0a:
        raise ms.DialogueError("no resultCode", msg.hex())
    code = int.from_bytes(msg[p + 2:p + 2 + msg[p + 1]], "big")
    info["offered"] = code == 0
    info["result_code"] = code
    if code != 0:
        raise ms.DialogueError("StartTLS resultCode %d" % code, msg.hex())
    return info


def _nntp(s, deadline, send_starttls):
    r = _Reader(s, deadline)
    greet = r.line()
    info = {"banner": greet, "offered": None, "lines": [greet]}
    if not greet[:3] in ("200", "201"):
        raise ms.DialogueError("greeting", greet)
    s.sendall(b"CAPABILITIES\r\n")
    ln = r.line()
    if not ln.startswith("101"):
        raise ms.DialogueError("CAPABILITIES", ln)
    caps = []
    while True:
        ln = r.line()
        if ln == ".":
            break
        caps.append(ln)
    info["lines"] += caps
    info["offered"] = any(c.split()[:1] == ["STARTTLS"] for c in caps)
    if send_starttls:
        s.sendall(b"STARTTLS\r\n")
        ln = r.line()
        if not ln.startswith("382"):
            raise ms.DialogueError("STARTTLS", ln)
    return info


def starttls_open(proto, port, host="127.0.0.1", timeout=8.0, send_starttls=True,
                  xmpp_to="127.0.0.1", busy_retries=20):
    """Connect and speak PROTO's dialogue up to TLS.  proto None: plain TCP
    (implicit TLS).  smtp/lmtp: mail_servers.starttls_open; a 421 greeting
    (a server at its connection limit) is waited out (0.3 s, up to
    busy_retries times) and counted in busy_seen.  Returns (socket, info)."""
    for attempt in range(busy_retries + 1):
        if proto in ("smtp", "lmtp", "imap", "pop3", "sieve", "ftp", "postgres"):
            try:
                return ms.starttls_open(proto, port, host=host, timeout=timeout,
                                        send_starttls=send_starttls)
            except ms.DialogueError as e:
                if proto in ("smtp", "lmtp") and e.text.startswith("421") \
                        and attempt < busy_retries:
                    busy_seen["count"] += 1
                    time.sleep(0.3)
                    continue
                raise
        s = socket.create_connection((host, port), timeout=timeout)
        deadline = time.time() + timeout
        try:
            if proto is None:
                info = {"banner": None, "offered": None, "lines": []}
            elif proto == "xmpp":
                info = _xmpp(s, deadline, xmpp_to, send_starttls)
            elif proto == "ldap":
                info = _ldap(s, deadline, send_starttls)
            elif proto == "nntp":
                info = _nntp(s, deadline, send_starttls)
            else:
                raise h.SetupError("starttls_open: no dialogue for %r" % proto)
        except BaseException:
            s.close()
            raise
        return s, info
    raise AssertionError("unreachable")


def _ske_sigalg(m, res):
    """The SignatureScheme of a TLS 1.2 ServerKeyExchange (after
    harness._parse_ske found its layout)."""
    if res.get("version") != 0x0303:
        return
    if "ske_curve" in res:
        off = 4 + m[3]
    elif "dh_p" in res:
        off = 0
        for _ in range(3):
            off += 2 + struct.unpack(">H", m[off:off + 2])[0]
    else:
        return
    if off + 2 <= len(m):
        res["ske_sigalg"] = struct.unpack(">H", m[off:off + 2])[0]


def probe(proto, port, version="TLSv1.2", suites=(), groups=(), sigalgs=None, timeout=8.0,
          host="127.0.0.1"):
    """One hand-built ClientHello (harness.build_client_hello) after PROTO's
    dialogue (proto None: implicit TLS), the server's first flight parsed:
    {"version", "suite", "hrr", "selected_group", "ske_curve", "dh_p",
    "dh_bits", "ske_sigalg"} or {"alert": n} / {"closed": why}."""
    s, _ = starttls_open(proto, port, host=host, timeout=timeout)
    deadline = time.time() + timeout
    hello = h.build_client_hello(h.VERSION_IDS[version], list(suites), groups, sigalgs,
                                 tls13=version == "TLSv1.3")
    res, hsbuf = {}, b""
    try:
        s.sendall(hello)
        while time.time() < deadline:
            hdr = h._recv_exact(s, 5, deadline)
            ctype, rlen = hdr[0], struct.unpack(">H", hdr[3:5])[0]
            if rlen > 18432:
                return {"closed": "record too long (%d)" % rlen}
            data = h._recv_exact(s, rlen, deadline)
            if ctype == 21:
                return h._finish(res) if res else {"alert": data[1] if len(data) > 1 else -1}
            if ctype == 20:
                continue
            if ctype != 22:
                return h._finish(res) if res else {"closed": "record type %d" % ctype}
            hsbuf += data
            while len(hsbuf) >= 4:
                mt = hsbuf[0]
                ml = struct.unpack(">I", b"\x00" + hsbuf[1:4])[0]
                if len(hsbuf) < 4 + ml:
                    break
                m, hsbuf = hsbuf[4:4 + ml], hsbuf[4 + ml:]
                if mt == 2:
                    res.update(h._parse_server_hello(m))
                    if res["version"] == 0x0304 or res["hrr"]:
                        return h._finish(res)
                elif mt == 12:
                    h._parse_ske(m, res)
                    _ske_sigalg(m, res)
                elif mt == 14:
                    return h._finish(res)
    except (EOFError, socket.timeout, ConnectionError) as e:
        return h._finish(res) if res else {"closed": str(e)}
    finally:
        s.close()
    return h._finish(res) if res else {"closed": "timeout"}


def sslv2_probe(proto, port, kinds=(0x010080, 0x020080, 0x030080, 0x040080, 0x050080,
                                     0x060040, 0x0700c0), timeout=5.0):
    """An SSLv2 CLIENT-HELLO after PROTO's dialogue; True when the server
    answers with an SSLv2 SERVER-HELLO, else the reason it did not."""
    s, _ = starttls_open(proto, port, timeout=timeout)
    cs = b"".join(struct.pack(">I", k)[1:] for k in kinds)
    body = b"\x01" + struct.pack(">HHHH", 0x0002, len(cs), 0, 16) + cs + os.urandom(16)
    rec = struct.pack(">H", 0x8000 | len(body)) + body
    deadline = time.time() + timeout
    try:
        s.sendall(rec)
        hdr = h._recv_exact(s, 2, deadline)
        if not hdr[0] & 0x80:
            return "not an SSLv2 record: %r" % hdr
        m = h._recv_exact(s, ((hdr[0] & 0x7f) << 8) | hdr[1], deadline)
        return True if m[:1] == b"\x04" else "SSLv2 message %r" % m[:1]
    except (EOFError, socket.timeout, ConnectionError) as e:
        return "closed: %s" % e
    finally:
        s.close()

# ---------------------------------------------------------------------------
# openssl s_client -starttls (an independent, complete TLS client)
# ---------------------------------------------------------------------------


def s_client(proto, port, args=(), wait=0.0, timeout=30):
    """A full handshake with `openssl s_client [-starttls PROTO]` (-msg);
    stdin stays open WAIT seconds (for TLS 1.3 tickets).  Returns
    {"ok", "protocol", "cipher", "sig_type", "sig_digest", "temp_key",
    "tickets" (NewSessionTicket messages seen), "der" (leaf, DER),
    "output"}."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-msg", "-showcerts"]
    if proto:
        cmd += ["-starttls", proto]
        if proto == "xmpp":
            cmd += ["-xmpphost", "127.0.0.1"]
    cmd += list(args)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    if wait:
        time.sleep(wait)
    try:
        out, _ = p.communicate(b"", timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    out = out.decode(errors="replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    st = re.search(r"^Peer signature type: (\S+)", out, re.M)
    sd = re.search(r"^Peer signing digest: (\S+)", out, re.M)
    tk = re.search(r"^Server Temp Key: (.*)$", out, re.M)
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    return {"ok": bool(m) and m.group(2) != "(NONE)",
            "protocol": m.group(1) if m else None, "cipher": m.group(2) if m else None,
            "sig_type": st.group(1) if st else None, "sig_digest": sd.group(1) if sd else None,
            "temp_key": tk.group(1).strip() if tk else None,
            "tickets": len(re.findall(r"<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], "
                                      r"NewSessionTicket", out)),
            "der": _ssl.PEM_cert_to_DER_cert(pem.group(0)) if pem else None,
            "output": out}

# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------

_names = None


def suite_names():
    """{id: IANA name} for every suite this OpenSSL knows, plus TLS 1.3."""
    global _names
    if _names is None:
        _names = {c["id"]: c["iana"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
        _names.update(h.TLS13_SUITES)
    return _names


def suite_ids(names):
    inv = {v: k for k, v in suite_names().items()}
    missing = [n for n in names if n not in inv]
    if missing:
        raise h.SetupError("no code point known for %s" % missing)
    return [inv[n] for n in names]


def all12_ids():
    """Every TLS <= 1.2 suite this OpenSSL can name (the probe candidates)."""
    return [c["id"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
            if c["since"] != "TLSv1.3"]


# scheme names: the IANA registry, as feature_probes (the project's shared table) names them
SCHEMES = fp.SIGSCHEMES
RSA_SCHEMES = [0x0201, 0x0301, 0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806,
               0x0809, 0x080a, 0x080b]

EC_GROUPS = ["secp256r1", "secp384r1", "secp521r1", "x25519", "x448"]
FF_GROUPS = ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
ALL_GROUPS = EC_GROUPS + FF_GROUPS
# the groups the probes ask about one by one: every named one and a few others
PROBE_GROUP_IDS = sorted(set(h.GROUP_IDS.values()) | {19, 21, 22, 26, 27, 28, 261})

# ---------------------------------------------------------------------------
# GnuTLS priority strings -> expectations
# ---------------------------------------------------------------------------

GNUTLS_RSA_SIGS = {"SIGN-RSA-SHA1": "rsa_pkcs1_sha1", "SIGN-RSA-SHA224": "rsa_sha224",
                   "SIGN-RSA-SHA256": "rsa_pkcs1_sha256",
                   "SIGN-RSA-SHA384": "rsa_pkcs1_sha384", "SIGN-RSA-SHA512": "rsa_pkcs1_sha512",
                   "SIGN-RSA-PSS-RSAE-SHA256": "rsa_pss_rsae_sha256",
                   "SIGN-RSA-PSS-RSAE-SHA384": "rsa_pss_rsae_sha384",
                   "SIGN-RSA-PSS-RSAE-SHA512": "rsa_pss_rsae_sha512"}


def gnutls_to_iana(name):
    """TLS_ECDHE_RSA_AES_128_CBC_SHA1 -> TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
    TLS 1.3 names are IANA names already."""
    if name in h.TLS13_SUITES.values():
        return name
    body = name[len("TLS_"):]
    for kx, iana_kx in (("ECDHE_ECDSA_", "ECDHE_ECDSA"), ("ECDHE_RSA_", "ECDHE_RSA"),
                        ("DHE_RSA_", "DHE_RSA"), ("RSA_", "RSA")):
        if body.startswith(kx):
            rest = body[len(kx):]
            break
    else:
        raise h.SetupError("cannot translate GnuTLS suite name " + name)
    if rest.endswith("_SHA1"):
        rest = rest[:-1]
    if rest == "CHACHA20_POLY1305":
        rest += "_SHA256"
    return "TLS_%s_WITH_%s" % (iana_kx, rest)


def gnutls_expect(prio):
    """What a GnuTLS server with priority PRIO and an RSA certificate offers,
    read from `gnutls-cli --priority PRIO -l` (suites in priority order
    with their minimum version; Protocols; Groups; PK-signatures):
      versions: ["TLSv1.3", ...]   suites: {version: [IANA names, in order]}
      groups:   {"TLSv1.3": [...], "TLSv1.2": [...]} (priority order; TLS 1.2:
                the EC groups if an ECDHE suite is enabled, the FFDHE groups
                if a DHE suite is)
      sigs:     {"TLSv1.2": [...], "TLSv1.3": [...]} (an rsaEncryption key:
                PKCS#1 v1.5 and RSA-PSS-RSAE in TLS 1.2, RSA-PSS-RSAE in 1.3)
    ECDHE_ECDSA suites are dropped (no ECDSA certificate)."""
    out = h.run(["gnutls-cli", "--priority", prio, "-l"]).stdout.decode()
    names = suite_names()
    raw = []
    for line in out.splitlines():
        m = re.match(r"^(TLS_\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s+(\S+)", line)
        if m:
            raw.append((m.group(1), int(m.group(2) + m.group(3), 16), m.group(4)))
    if not raw:
        raise h.SetupError("no suites parsed from gnutls-cli -l:\n" + out)

    def field(label):
        m = re.search(r"^%s: (.*)$" % label, out, re.M)
        if not m:
            raise h.SetupError("no %s line in gnutls-cli -l:\n%s" % (label, out[-1500:]))
        return [x.strip() for x in m.group(1).split(",") if x.strip()]
    vers = [{"VERS-TLS1.3": "TLSv1.3", "VERS-TLS1.2": "TLSv1.2", "VERS-TLS1.1": "TLSv1.1",
             "VERS-TLS1.0": "TLSv1.0"}[v] for v in field("Protocols") if v.startswith("VERS-TLS")]
    suites = {v: [] for v in vers}
    kinds = set()
    for gname, sid, minv in raw:
        if gname.startswith("TLS_ECDHE_ECDSA_"):
            continue
        iana = gnutls_to_iana(gname)
        if names.get(sid) != iana:
            raise h.SetupError("suite %#06x: GnuTLS %s -> %s, OpenSSL names it %s" % (
                sid, gname, iana, names.get(sid)))
        if minv == "TLS1.3":
            if "TLSv1.3" in suites:
                suites["TLSv1.3"].append(iana)
            continue
        kinds.add(iana.split("_WITH_")[0])
        for v in vers:
            if v == "TLSv1.2" or (v in ("TLSv1.0", "TLSv1.1") and minv in ("TLS1.0", "SSL3.0")):
                suites[v].append(iana)
    groups_all = [g[len("GROUP-"):].lower() for g in field("Groups")]
    groups = {}
    if suites.get("TLSv1.3"):
        groups["TLSv1.3"] = groups_all
    g12 = [g for g in groups_all if (g in EC_GROUPS and "TLS_ECDHE_RSA" in kinds)
           or (g in FF_GROUPS and "TLS_DHE_RSA" in kinds)]
    if g12 and suites.get("TLSv1.2"):
        groups["TLSv1.2"] = g12
    sigs12 = [GNUTLS_RSA_SIGS[s] for s in field("PK-signatures") if s in GNUTLS_RSA_SIGS]
    sigs = {}
    if suites.get("TLSv1.2") and kinds & {"TLS_ECDHE_RSA", "TLS_DHE_RSA"}:
        sigs["TLSv1.2"] = sigs12
    if suites.get("TLSv1.3"):
        sigs["TLSv1.3"] = [s for s in sigs12 if s.startswith("rsa_pss_rsae_")]
    return {"versions": vers, "suites": {v: s for v, s in suites.items() if s},
            "groups": groups, "sigs": sigs, "listing": out}


def openssl_default_tls13():
    """OpenSSL's default TLS 1.3 suites, in order (`openssl ciphers -s
    -tls1_3 -stdname DEFAULT`: the TLS 1.3 list is the default
    Ciphersuites, as this OpenSSL and its openssl.cnf set it)."""
    return ":".join(c["iana"] for c in h.openssl_ciphers("DEFAULT", "-tls1_3", True)
                    if c["since"] == "TLSv1.3")


def openssl_expect(tls12, tls13):
    """An OpenSSL server's suites: TLS 1.2 = the TLS 1.2 suites of the
    cipher string TLS12 (`openssl ciphers -s -tls1_2 -stdname`, in order,
    RSA authentication only: the certificate is RSA), TLS 1.3 = the
    colon-separated list TLS13 as given."""
    s12 = [c["iana"] for c in h.openssl_ciphers(tls12, "-tls1_2", True)
           if c["since"] != "TLSv1.3" and c["au"] == "RSA"]
    return {"TLSv1.2": s12, "TLSv1.3": [x for x in tls13.split(":") if x]}

# ---------------------------------------------------------------------------
# verification of a live server (independent of the scanner)
# ---------------------------------------------------------------------------


def accepted_suites(proto, port, version, candidates, groups):
    """Suites of CANDIDATES the server accepts for VERSION, in the order it
    picks them (= its preference order when it uses its own order): offer
    all that are left, note the pick, remove it, repeat until refused."""
    left, got = list(candidates), []
    while left:
        r = probe(proto, port, version, left, groups)
        if r.get("version") != version or r.get("suite") not in left:
            break
        got.append(r["suite"])
        left.remove(r["suite"])
    return got


def _pick13(proto, port, suites):
    return lambda gl: probe(proto, port, "TLSv1.3", suites, gl).get("selected_group")


def _pick12_ec(proto, port, suites):
    return lambda gl: probe(proto, port, "TLSv1.2", suites, gl).get("ske_curve")


def _pick12_ff(proto, port, suites):
    primes = {h.ffdhe_prime(int(g[5:])): h.GROUP_IDS[g] for g in FF_GROUPS}
    return lambda gl: primes.get(probe(proto, port, "TLSv1.2", suites, gl).get("dh_p"))


def accepted_in_order(pick, candidates):
    """Greedy: offer every candidate left, note the server's pick, remove
    it, repeat.  With a server-order server this is its order."""
    left, got = list(candidates), []
    while left:
        g = pick(left)
        if g not in left:
            break
        got.append(g)
        left.remove(g)
    return got


def verify_server(proto, port, exp_suites, server_order=True, exp_groups=None,
                  exp_sigs=None, hello_groups=None, versions=("SSLv3", "TLSv1.0", "TLSv1.1",
                                                               "TLSv1.2", "TLSv1.3")):
    """Problems found comparing the live server with the expected suites
    ({version: [IANA names in server order]}; a version absent = not
    offered), groups ({"TLSv1.3"|"TLSv1.2": [names in server order]}) and
    signature schemes ({version: [names]}, as a set).  Suites: per version,
    greedy picks from every suite OpenSSL can name (TLS 1.3: the five);
    with server_order False, both orders of each adjacent pair must give
    the client's first.  Groups: every group id alone (selected / ECDHE
    curve / DHE prime = the RFC 7919 prime), then greedy picks for the
    order.  Schemes: TLS 1.2 one hello per RSA scheme (the
    ServerKeyExchange's scheme read back); TLS 1.3 `s_client -sigalgs`."""
    bad = []
    names = suite_names()
    hello_groups = hello_groups or ALL_GROUPS
    for v in versions:
        cands = list(h.TLS13_SUITES) if v == "TLSv1.3" else all12_ids()
        got = [names.get(i, i) for i in accepted_suites(proto, port, v, cands, hello_groups)]
        exp = exp_suites.get(v, [])
        if (got if server_order else sorted(got)) != (exp if server_order else sorted(exp)):
            bad.append("%s suites accepted (in pick order): %s, expected %s" % (v, got, exp))
        if not server_order and len(exp) > 1:
            bad += h.client_order_violations(
                lambda l, v=v: probe(proto, port, v, l, hello_groups).get("suite"),
                suite_ids(exp))
    for v, exp in (exp_groups or {}).items():
        ids = suite_ids(exp_suites[v])
        if v == "TLSv1.3":
            picks = [("", _pick13(proto, port, ids), PROBE_GROUP_IDS, exp)]
        else:
            ec = [i for i in ids if names[i].startswith("TLS_ECDHE_")]
            ff = [i for i in ids if names[i].startswith("TLS_DHE_")]
            picks = []
            if ec:
                picks.append((" ECDHE", _pick12_ec(proto, port, ec),
                              [g for g in PROBE_GROUP_IDS if g < 256],
                              [g for g in exp if g in EC_GROUPS]))
            if ff:
                picks.append((" DHE", _pick12_ff(proto, port, ff),
                              [h.GROUP_IDS[g] for g in FF_GROUPS],
                              [g for g in exp if g in FF_GROUPS]))
        for label, pick, cands, want in picks:
            alone = [g for g in cands if pick([g]) == g]
            want_ids = [h.GROUP_IDS[g] for g in want]
            if sorted(alone) != sorted(want_ids):
                bad.append("%s%s groups accepted one by one: %s, expected %s" % (
                    v, label, [h.GROUP_NAMES.get(g, g) for g in alone], want))
            order = accepted_in_order(pick, list(reversed(want_ids)))
            if server_order and order != want_ids:
                bad.append("%s%s group picks (greedy, offered in reverse): %s, expected %s" % (
                    v, label, [h.GROUP_NAMES.get(g, g) for g in order], want))
    for v, exp in (exp_sigs or {}).items():
        got = []
        if v == "TLSv1.2":
            ids = suite_ids(exp_suites[v])
            kx = [i for i in ids if names[i].startswith(("TLS_ECDHE_", "TLS_DHE_"))]
            for sch in RSA_SCHEMES:
                r = probe(proto, port, "TLSv1.2", kx, hello_groups, sigalgs=[sch])
                if r.get("version") == "TLSv1.2" and r.get("ske_sigalg") == sch:
                    got.append(SCHEMES[sch])
        else:
            for sch in RSA_SCHEMES:
                if sch == 0x0301:
                    continue  # no TLS 1.3 scheme, and `openssl -sigalgs` has no name for it
                r = s_client(proto, port, ["-tls1_3", "-sigalgs", SCHEMES[sch]])
                if r["ok"] and r["protocol"] == "TLSv1.3":
                    got.append(SCHEMES[sch])
        if sorted(got) != sorted(exp):
            bad.append("%s signature schemes accepted: %s, expected %s" % (v, got, exp))
    return bad


def verify_cert(proto, port, leaf):
    """A real handshake (s_client) shows our leaf (SHA-256 of the DER)."""
    r = s_client(proto, port)
    if not r["ok"]:
        return ["s_client %s failed:\n%s" % (proto, r["output"][-1500:])]
    fp = hashlib.sha256(r["der"]).hexdigest() if r["der"] else None
    if fp != leaf.sha256:
        return ["s_client saw certificate sha256 %s, expected %s" % (fp, leaf.sha256)]
    return []

# ---------------------------------------------------------------------------
# the scanner, when a target may fail
# ---------------------------------------------------------------------------


def run_scan(targets, extra_args=(), timeout=None):
    """`tlsaudit scan --format json TARGETS`: (parsed JSON, seconds).  Unlike
    harness.run_tlsaudit, exit code 1 is accepted when a target has status
    "error" (docs/cli.md, "Exit codes"); the exit code must agree with the
    statuses (0 when none failed).  SetupError otherwise."""
    import json
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found or not executable: %s "
                           "(build it, or set TLSAUDIT=path)" % exe)
    timeout = timeout or float(os.environ.get("TLSAUDIT_TEST_TIMEOUT", "240"))
    argv = [exe, "scan", "--format", "json"] + list(extra_args) + list(targets)
    argv, outs = h.with_report_copies(argv)
    h.log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise h.SetupError("tlsaudit did not finish within %.0fs; stderr:\n%s" % (
            timeout, (e.stderr or b"").decode(errors="replace")[-4000:]))
    took = time.time() - t0
    out, err = h.read_report_json(outs, cp), cp.stderr.decode(errors="replace")
    h.log("tlsaudit exit code %d after %.1fs" % (cp.returncode, took))
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise h.SetupError("tlsaudit output is not JSON (%s, exit %d)\n%s\nstderr:\n%s" % (
            e, cp.returncode, out[-3000:], err[-3000:]))
    if not isinstance(doc, dict) or not isinstance(doc.get("targets"), list):
        raise h.SetupError("tlsaudit output has no targets list: %s" % out[:2000])
    any_error = any(isinstance(x, dict) and x.get("status") == "error" for x in doc["targets"])
    if cp.returncode != (1 if any_error else 0):
        raise h.SetupError("tlsaudit exit code %d, but %s target has status error\n"
                           "stderr:\n%s" % (cp.returncode, "a" if any_error else "no",
                                              err[-3000:]))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    h.round_trip(outs, doc, extra_args)
    return doc, took


# ---------------------------------------------------------------------------
# assertions on the scanner's JSON
# ---------------------------------------------------------------------------


def target_of(t, doc, port):
    found = [x for x in doc.get("targets", []) if isinstance(x, dict) and x.get("port") == port]
    if not t.check("a target for port %d" % port, len(found) == 1,
                   "targets: %s" % h._fmt(doc.get("targets"))[:2000]):
        raise h.SetupError("no target for port %d in the scanner output" % port)
    return found[0]


def check_versions_suites(t, tg, exp_suites, label, server_order=True):
    """Every protocol: offered iff expected, the suites exactly (ordered
    when server_order), server_order true/false (null with < 2 suites)."""
    for v in h.PROTOCOLS:
        o = (tg.get("protocols") or {}).get(v) or {}
        exp = exp_suites.get(v, [])
        t.eq("%s: %s offered" % (label, v), bool(exp), o.get("offered"))
        if server_order:
            t.list_eq("%s: %s cipher_suites" % (label, v), exp, o.get("cipher_suites"))
        else:
            t.set_eq("%s: %s cipher_suites" % (label, v), exp, o.get("cipher_suites"))
        t.eq("%s: %s server_order" % (label, v),
             (server_order if len(exp) > 1 else None), o.get("server_order"))


def check_groups(t, tg, exp_groups, label):
    """groups_by_version: exactly the versions and groups of EXP_GROUPS
    ({version: [names in server order]}), server_order true (null for a
    single group), each list in server order - for TLS 1.2 the EC and the
    FFDHE groups each in order, their relative order being undefined (they
    are picked in different handshakes); TLS 1.3 picks among all of them,
    so the whole list is ordered.  `groups` = the union (as a set, with the
    same per-kind orders).  feature_probes.check_groups_by_version does the
    per-version part (the project's shared assertion)."""
    exp = {}
    for v, gl in exp_groups.items():
        ec = [g for g in gl if g not in FF_GROUPS]
        ff = [g for g in gl if g in FF_GROUPS]
        chains = [gl] if v == "TLSv1.3" or not (ec and ff) else [ec, ff]
        exp[v] = {"groups": gl, "server_order": True if len(gl) > 1 else None,
                  "chains": chains}
    fp.check_groups_by_version(t, tg, exp, label)
    union = []
    for v in ("TLSv1.3", "TLSv1.2"):
        union += [g for g in exp_groups.get(v, []) if g not in union]
    t.set_eq("%s: groups (union of the versions)" % label, union, tg.get("groups"))
    got = tg.get("groups") if isinstance(tg.get("groups"), list) else []
    for kind, names in (("EC", [g for g in union if g not in FF_GROUPS]),
                        ("FFDHE", [g for g in union if g in FF_GROUPS])):
        if len(names) > 1:
            t.list_eq("%s: groups: %s groups in server order" % (label, kind), names,
                      [g for g in got if g in names])


def check_sigs(t, tg, exp_sigs, label):
    """signature_schemes_by_version as sets per version, and the union
    (feature_probes.check_sigschemes_by_version)."""
    fp.check_sigschemes_by_version(t, tg, exp_sigs, label)


def check_cert(t, tg, leaf, label, ca_subject="CN=tlsaudit integration test CA"):
    certs = tg.get("certificates")
    if not t.check("%s: exactly one certificate" % label,
                   isinstance(certs, list) and len(certs) == 1,
                   "got %s" % h._fmt(certs)[:800]):
        return
    c = certs[0]
    t.eq("%s: certificate sha256" % label, leaf.sha256, c.get("sha256_fingerprint"))
    t.eq("%s: certificate subject" % label, leaf.subject, c.get("subject"))
    t.eq("%s: certificate issuer" % label, ca_subject, c.get("issuer"))
    t.eq("%s: certificate key" % label, ["RSA", 2048, None],
         [c.get("key_type"), c.get("key_bits"), c.get("curve")])
    t.eq("%s: certificate signature_algorithm" % label, "sha256WithRSAEncryption",
         c.get("signature_algorithm"))
    t.set_eq("%s: certificate san" % label, ["DNS:%s" % leaf.cn, "IP:127.0.0.1"], c.get("san"))


def check_starttls(t, tg, proto, label, banner_has=None):
    st = tg.get("starttls")
    t.eq("%s: service" % label, proto, tg.get("service"))
    if not t.check("%s: starttls is an object" % label, isinstance(st, dict),
                   "got %s" % h._fmt(st)):
        return {}
    t.eq("%s: starttls.protocol" % label, proto, st.get("protocol"))
    t.eq("%s: starttls.offered" % label, True, st.get("offered"))
    t.eq("%s: starttls.error" % label, None, st.get("error"))
    if banner_has is not None:
        b = st.get("banner")
        t.check("%s: starttls.banner contains %r" % (label, banner_has),
                isinstance(b, str) and banner_has in b, "got %s" % h._fmt(b))
    return st

