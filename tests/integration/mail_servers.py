#!/usr/bin/env python3
"""Mail and other STARTTLS servers for tlsaudit's STARTTLS tests (stdlib only).

What it provides
  * Postfix (smtpd with STARTTLS, or without)           start_postfix()
  * Dovecot (IMAP, POP3 and ManageSieve with STARTTLS)   start_dovecot()
  * PostgreSQL 15 (SSLRequest)                           start_postgres()
  * vsftpd (FTP, AUTH TLS)                               start_vsftpd()
  * an independent client for the plaintext dialogues, and a raw
    ClientHello prober that runs after them, to verify what the servers
    really offer before the scanner is asked          starttls_open(), st_probe()

Same rules as harness.py: every server binds 127.0.0.1 only, on free high
ports, with its own configuration and state in the harness temp dir; each
is stopped by PID at exit; a server that cannot start raises
harness.SetupError, which FAILS the test.  Every socket has a timeout and
every read a byte cap.

Postfix 3.7 (Debian 12) notes, learnt the hard way:
  * `postfix -c DIR start-fg` runs `master -s`, which calls setsid(): the
    master leaves our process group.  Its PID comes from
    QUEUE/pid/master.pid (checked: the process's cwd is our queue
    directory) and it is stopped by that PID; its children share its
    session and are stopped by PID too.  A master left by a killed test
    run (its temp dir's owner PID gone) is stopped the same way the next
    time a Postfix is started.
  * without a terminal Postfix prints nothing on failure: maillog_file and
    maillog_file_prefixes point into our directory (postlogd writes it),
    and every error message includes its tail.
  * the queue directory and every directory above it must be owned by
    root, not group/other-writable, and traversable by user postfix; the
    data directory must be owned by postfix.
  * master.cf is Debian's with chroot off everywhere (the queue directory
    is no chroot jail) and the `smtp inet` line replaced by our port.
"""

import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import struct
import tempfile
import time

import harness as h

MAX_DIALOGUE_BYTES = 65536   # what starttls_open() reads before TLS, at most


def _traversable():
    """The harness temp dir is 0700; the servers' unprivileged users
    (postfix, dovenull, postgres) must be able to traverse it (not list
    it: 0711)."""
    d = h.tmpdir()
    os.chmod(d, 0o711)
    return d


def _user(name):
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        raise h.SetupError("system user %r does not exist (is its package installed? "
                           "scripts/install-deps.sh)" % name)
    return pw.pw_uid, pw.pw_gid


def _need(path, package):
    if not os.path.exists(path):
        raise h.SetupError("%s not found: install the Debian package %s "
                           "(scripts/install-deps.sh)" % (path, package))


def _proc_info(pid):
    """(cwd, session id) of a process, or None."""
    try:
        cwd = os.readlink("/proc/%d/cwd" % pid)
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        sid = int(st[st.rindex(")") + 2:].split()[3])
        return cwd, sid
    except (OSError, ValueError, IndexError):
        return None


def _stop_session(leader, name, grace=5.0):
    """SIGTERM to LEADER (a session leader we started, found by PID), wait
    for it, then SIGKILL the members of its session left (by PID)."""
    try:
        os.kill(leader, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + grace
    while time.time() < deadline and os.path.exists("/proc/%d" % leader):
        try:  # reap it if it is our child (it is not: its parent is postfix-script)
            os.waitpid(leader, os.WNOHANG)
        except ChildProcessError:
            pass
        st = _proc_state(leader)
        if st in (None, "Z"):
            break
        time.sleep(0.05)
    for _ in range(50):
        left = [p for p in h._pids_in_group(leader) if _proc_state(p) not in (None, "Z")]
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    h.log("stopped %s session %d" % (name, leader))


def _proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rindex(")") + 2:].split()[0]
    except (OSError, ValueError, IndexError):
        return None


STALE_EXES = ("/usr/lib/postfix/sbin/master", "/usr/lib/postgresql/")


def _reap_stale_masters():
    """Servers left by killed runs of these tests that the parent-death
    signal cannot reach (the Postfix master is a grandchild in its own
    session; PostgreSQL changed its user, which clears that signal): a
    session leader whose executable is one of STALE_EXES and whose cwd (the
    queue / data directory) is inside a harness temp dir
    (tlsaudit-it-<pid>-...) whose test process is gone.  Stopped by PID,
    nothing else is touched."""
    base = os.path.join(tempfile.gettempdir(), "tlsaudit-it-")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        info = _proc_info(pid)
        if not info or info[1] != pid or not info[0].startswith(base):
            continue
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            continue
        owner = info[0][len(base):].split("-")[0]
        if (exe.startswith(STALE_EXES) and owner.isdigit()
                and not os.path.exists("/proc/" + owner)):
            h.log("stopping stale server pid=%d (%s, cwd %s)" % (pid, exe, info[0]))
            _stop_session(pid, "stale server")

def make_leaf(cn):
    """An RSA-2048 leaf for CN (SAN DNS:CN, IP:127.0.0.1) signed by the
    harness CA.  Returns an object with .key, .cert, .subject (RFC 2253,
    as `openssl x509 -subject -nameopt RFC2253` prints it), .serial (hex,
    as `-serial` prints it) and .sha256 (lower-case hex, no colons)."""
    ca = h.make_certs()
    d = os.path.join(h.tmpdir(), "pki")
    base = os.path.join(d, "leaf-" + re.sub(r"[^A-Za-z0-9.-]", "_", cn))
    key, csr, crt, ext = (base + s for s in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:%s,IP:127.0.0.1\n" % cn)
    h.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", key,
           "-out", csr, "-subj", "/CN=" + cn])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca.ca_cert, "-CAkey", ca.ca_key,
           "-set_serial", "0x" + secrets.token_hex(8), "-days", "30", "-sha256",
           "-extfile", ext, "-out", crt])
    out = h.run(["openssl", "x509", "-in", crt, "-noout", "-subject", "-serial",
                 "-fingerprint", "-sha256", "-nameopt", "RFC2253"]).stdout.decode()
    leaf = type("Leaf", (), {})()
    leaf.key, leaf.cert, leaf.cn = key, crt, cn
    for line in out.splitlines():
        k, _, v = line.partition("=")
        if k == "subject":
            leaf.subject = v.strip()
        elif k == "serial":
            leaf.serial = v.strip()
        elif "Fingerprint" in k:
            leaf.sha256 = v.strip().replace(":", "").lower()
    if not all(hasattr(leaf, a) for a in ("subject", "serial", "sha256")):
        raise h.SetupError("cannot parse `openssl x509` output:\n" + out)
    return leaf

# ---------------------------------------------------------------------------
# Postfix
# ---------------------------------------------------------------------------


class MailServer(h.Server):
    """A harness.Server plus what the tests need to know about it."""


def _master_cf(port):
    """Debian's master.cf, chroot off, `smtp inet` replaced by our port."""
    out, seen = [], False
    with open("/etc/postfix/master.cf") as f:
        for line in f:
            fields = line.split()
            if line[:1] not in ("#", " ", "\t", "\n", "") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    line = "127.0.0.1:%d inet n - n - - smtpd\n" % port
                    seen = True
                else:
                    fields[4] = "n"
                    line = "  ".join(fields) + "\n"
            out.append(line)
    text = "".join(out)
    if not seen:
        raise h.SetupError("/etc/postfix/master.cf has no `smtp inet` line")
    if not re.search(r"^postlog\s+unix-dgram\s", text, re.M):
        text += "postlog   unix-dgram n  -       n       -       1       postlogd\n"
    return text


def start_postfix(port=None, cert=None, key=None, starttls=True, name="postfix",
                  tls13_ciphersuites=None, **main_cf_overrides):
    """Postfix (`postfix -c DIR start-fg`) whose smtpd listens on
    127.0.0.1:PORT.  cert/key: PEM files (default: the harness RSA leaf).
    starttls: smtpd_tls_security_level may (True) or none (False).
    tls13_ciphersuites: OpenSSL `Ciphersuites` for TLS 1.3, applied through
    tls_config_file (Postfix >= 3.7.6); None keeps OpenSSL's default.
    Other keyword arguments are main.cf settings (they override ours).

    Returns a MailServer with .port, .myhostname, .main_cf (dict of what
    was written), .dir, .maillog (path) and .maillog_text()."""
    _need("/usr/sbin/postfix", "postfix")
    pf_uid, pf_gid = _user("postfix")
    try:
        grp.getgrnam("postdrop")
    except KeyError:
        raise h.SetupError("group postdrop does not exist (is postfix installed?)")
    _reap_stale_masters()
    c = h.make_certs()
    port = port or h.free_port()
    top = _traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    conf, queue, data = (os.path.join(d, s) for s in ("conf", "queue", "data"))
    for p in (d, conf, queue, data):
        os.makedirs(p)
        os.chmod(p, 0o755)
    os.chown(data, pf_uid, pf_gid)
    maillog = os.path.join(d, "maillog")
    myhostname = "mx-%s.tlsaudit.test" % secrets.token_hex(3)
    settings = {
        "compatibility_level": "3.6",
        "queue_directory": queue,
        "data_directory": data,
        "meta_directory": "/etc/postfix",
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        "myhostname": myhostname,
        "mydomain": "tlsaudit.test",
        "myorigin": "$myhostname",
        "mydestination": "",
        "relayhost": "",
        "inet_interfaces": "127.0.0.1",
        "inet_protocols": "ipv4",
        "mynetworks": "127.0.0.0/8",
        "alias_maps": "",
        "alias_database": "",
        "local_recipient_maps": "",
        "biff": "no",
        "maillog_file": maillog,
        "maillog_file_prefixes": d,
        "smtpd_banner": "$myhostname ESMTP tlsaudit-test",
        "smtpd_tls_cert_file": cert or c.rsa_cert,
        "smtpd_tls_key_file": key or c.rsa_key,
        "smtpd_tls_security_level": "may" if starttls else "none",
        "smtpd_tls_loglevel": "1",
        "smtpd_tls_session_cache_database": "",
        "smtp_tls_security_level": "none",
    }
    if tls13_ciphersuites:
        # OpenSSL configuration applied to every SSL_CTX Postfix makes
        # (Postfix TLS_README, "tls_config_file")
        ossl = os.path.join(conf, "openssl.cnf")
        with open(ossl, "w") as f:
            f.write("tlsaudit_postfix = postfix_settings\n"
                    "[postfix_settings]\nssl_conf = postfix_ssl\n"
                    "[postfix_ssl]\nsystem_default = postfix_tls\n"
                    "[postfix_tls]\nCiphersuites = %s\n" % tls13_ciphersuites)
        settings["tls_config_file"] = ossl
        settings["tls_config_name"] = "tlsaudit_postfix"
    settings.update({k: str(v) for k, v in main_cf_overrides.items()})
    with open(os.path.join(conf, "main.cf"), "w") as f:
        for k, v in settings.items():
            f.write("%s = %s\n" % (k, v))
    with open(os.path.join(conf, "master.cf"), "w") as f:
        f.write(_master_cf(port))

    def tail():
        return "maillog:\n%s\nstdout:\n%s" % (h.read_log(maillog), h.read_log(stdout))

    stdout = os.path.join(d, "stdout.log")
    proc = h.start_process(["/usr/sbin/postfix", "-c", conf, "start-fg"], name, stdout)
    # the master's PID (it left our process group, see the module doc)
    pidfile = os.path.join(queue, "pid", "master.pid")
    master = None
    deadline = time.time() + 20
    while time.time() < deadline and master is None:
        if proc.poll() is not None:
            raise h.SetupError("postfix start-fg exited (rc=%s)\n%s" % (proc.returncode,
                                                                       tail()))
        try:
            with open(pidfile) as f:
                pid = int(f.read().split()[0])
            info = _proc_info(pid)
            if info and info[0] == queue and info[1] == pid:
                master = pid
        except (OSError, ValueError, IndexError):
            pass
        if master is None:
            time.sleep(0.1)
    if master is None:
        raise h.SetupError("postfix master did not start within 20 s\n" + tail())
    h.add_cleanup(lambda: _stop_session(master, name))
    h.log("%s master pid=%d (session leader), smtpd on 127.0.0.1:%d" % (name, master, port))
    try:
        h.wait_port(port, proc=proc, log_path=maillog, timeout=20)
    except h.SetupError as e:
        raise h.SetupError("%s\n%s" % (e, tail()))
    srv = MailServer(name, proc, port, maillog)
    srv.master_pid = master
    srv.myhostname = myhostname
    srv.main_cf = settings
    srv.dir = d
    srv.maillog = maillog
    srv.maillog_text = lambda limit=20000: h.read_log(maillog, limit)
    return srv

# ---------------------------------------------------------------------------
# Dovecot
# ---------------------------------------------------------------------------


def start_dovecot(imap_port=None, pop3_port=None, sieve_port=None, cert=None, key=None,
                  ssl_min_protocol="TLSv1.2", ssl_cipher_list=None, ssl_cipher_suites=None,
                  ssl_curve_list=None, name="dovecot", extra=""):
    """Dovecot 2.3 (`dovecot -F -c FILE`) with plaintext listeners on
    127.0.0.1 for IMAP and POP3 (and ManageSieve when sieve_port is given),
    STARTTLS allowed (ssl = yes), implicit-TLS listeners off.  The ssl_*
    arguments go to the settings of the same name (None: Dovecot's
    default).  Returns a MailServer with .imap_port, .pop3_port,
    .sieve_port, .greeting (login_greeting), .conf_text and .log()."""
    _need("/usr/sbin/dovecot", "dovecot-core")
    if sieve_port:
        _need("/usr/lib/dovecot/managesieve-login", "dovecot-managesieved")
    _user("dovecot")
    _user("dovenull")
    c = h.make_certs()
    top = _traversable()
    d = os.path.join(top, "%s-%s" % (name, secrets.token_hex(3)))
    for sub in ("", "run", "state", "mail"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        os.chmod(os.path.join(d, sub), 0o755)
    log_path = os.path.join(d, "dovecot.log")
    greeting = "tlsaudit-test-%s ready" % secrets.token_hex(3)
    protocols = [p for p, port in (("imap", imap_port), ("pop3", pop3_port),
                                   ("sieve", sieve_port)) if port]
    ssl = ["ssl = yes",
           "ssl_cert = <%s" % (cert or c.rsa_cert),
           "ssl_key = <%s" % (key or c.rsa_key),
           "ssl_min_protocol = %s" % ssl_min_protocol,
           "ssl_prefer_server_ciphers = yes"]
    if ssl_cipher_list:
        ssl.append("ssl_cipher_list = %s" % ssl_cipher_list)
    if ssl_cipher_suites:
        ssl.append("ssl_cipher_suites = %s" % ssl_cipher_suites)
    if ssl_curve_list:
        ssl.append("ssl_curve_list = %s" % ssl_curve_list)
    services = []
    if imap_port:
        services.append("service imap-login {\n  inet_listener imap {\n"
                        "    address = 127.0.0.1\n    port = %d\n  }\n"
                        "  inet_listener imaps {\n    port = 0\n  }\n}\n" % imap_port)
    if pop3_port:
        services.append("service pop3-login {\n  inet_listener pop3 {\n"
                        "    address = 127.0.0.1\n    port = %d\n  }\n"
                        "  inet_listener pop3s {\n    port = 0\n  }\n}\n" % pop3_port)
    if sieve_port:
        services.append("service managesieve-login {\n  inet_listener sieve {\n"
                        "    address = 127.0.0.1\n    port = %d\n  }\n}\n" % sieve_port)
    text = """# generated by tests/integration/mail_servers.py
base_dir = {d}/run
state_dir = {d}/state
instance_name = {name}-{tag}
log_path = {log}
info_log_path = {log}
protocols = {protocols}
listen = 127.0.0.1
login_greeting = {greeting}
default_internal_user = dovecot
default_login_user = dovenull
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = static
  args = password=unused-{tag}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/mail/%u
}}
mail_location = maildir:{d}/mail/%u
{ssl}
{services}{extra}
""".format(d=d, name=name, tag=secrets.token_hex(3), log=log_path,
           protocols=" ".join(protocols), greeting=greeting, ssl="\n".join(ssl),
           services="".join(services), extra=extra)
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(text)
    cp = h.run(["/usr/bin/doveconf", "-c", conf, "-n"], check=False)
    if cp.returncode != 0:
        raise h.SetupError("doveconf rejects the configuration:\n%s\n%s\nconfig:\n%s" % (
            cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"), text))
    proc = h.start_process(["/usr/sbin/dovecot", "-F", "-c", conf], name,
                           os.path.join(d, "stdout.log"))
    for port in (imap_port, pop3_port, sieve_port):
        if port:
            try:
                h.wait_port(port, proc=proc, log_path=log_path, timeout=20)
            except h.SetupError as e:
                raise h.SetupError("%s\nstdout:\n%s" % (
                    e, h.read_log(os.path.join(d, "stdout.log"))))
    srv = MailServer(name, proc, imap_port or pop3_port or sieve_port, log_path)
    srv.imap_port, srv.pop3_port, srv.sieve_port = imap_port, pop3_port, sieve_port
    srv.greeting = greeting
    srv.conf_text = text
    srv.dir = d
    return srv

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------


def _pg_bin():
    base = "/usr/lib/postgresql"
    vers = sorted((v for v in os.listdir(base) if v.isdigit()), key=int) \
        if os.path.isdir(base) else []
    for v in reversed(vers):
        b = os.path.join(base, v, "bin")
        if os.path.exists(os.path.join(b, "postgres")):
            return b
    raise h.SetupError("no PostgreSQL server binaries under %s: install the Debian "
                       "package postgresql (scripts/install-deps.sh)" % base)


def start_postgres(port=None, cert=None, key=None, ssl_min_protocol_version="TLSv1.2",
                   ssl_max_protocol_version="", ssl_ciphers=None, ecdh_curve=None,
                   name="postgres"):
    """A fresh PostgreSQL cluster (initdb into the temp dir, run as user
    postgres through setpriv, `postgres -D DIR` in the foreground) on
    127.0.0.1:PORT with ssl = on.  Returns a MailServer with .port,
    .settings (what was passed with -c) and .log()."""
    pg = _pg_bin()
    uid, gid = _user("postgres")
    _reap_stale_masters()
    c = h.make_certs()
    port = port or h.free_port()
    top = _traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    os.makedirs(d)
    os.chmod(d, 0o755)
    data, sock = os.path.join(d, "data"), os.path.join(d, "sock")
    os.makedirs(sock)
    # the server wants its key owned by itself, mode 0600
    pkey, pcert = os.path.join(d, "server.key"), os.path.join(d, "server.pem")
    shutil.copy(key or c.rsa_key, pkey)
    shutil.copy(cert or c.rsa_cert, pcert)
    for p in (d, sock, pkey, pcert):
        os.chown(p, uid, gid)
    os.chmod(pkey, 0o600)
    as_pg = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--init-groups", "--"]
    log_path = os.path.join(d, "postgres.log")
    h.run(as_pg + [os.path.join(pg, "initdb"), "-D", data, "-U", "postgres",
                   "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], timeout=180)
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": sock,
        "ssl": "on",
        "ssl_cert_file": pcert,
        "ssl_key_file": pkey,
        "ssl_min_protocol_version": ssl_min_protocol_version,
        "fsync": "off",
    }
    if ssl_max_protocol_version:
        settings["ssl_max_protocol_version"] = ssl_max_protocol_version
    if ssl_ciphers:
        settings["ssl_ciphers"] = ssl_ciphers
    if ecdh_curve:
        settings["ssl_ecdh_curve"] = ecdh_curve
    argv = as_pg + [os.path.join(pg, "postgres"), "-D", data]
    for k, v in settings.items():
        argv += ["-c", "%s=%s" % (k, v)]
    proc = h.start_process(argv, name, log_path)
    h.wait_port(port, proc=proc, log_path=log_path, timeout=30)
    srv = MailServer(name, proc, port, log_path)
    srv.settings = settings
    srv.dir = d
    return srv

# ---------------------------------------------------------------------------
# vsftpd (FTP, AUTH TLS)
# ---------------------------------------------------------------------------


def start_vsftpd(port=None, cert=None, key=None, ssl_ciphers=None, name="vsftpd"):
    """vsftpd 3.0 (`vsftpd FILE`, background=NO) on 127.0.0.1:PORT with
    ssl_enable (AUTH TLS allowed, not required), SSLv2/SSLv3 off, no
    anonymous login, no data connections (pasv/port off).  ssl_ciphers:
    its setting of that name (TLS <= 1.2 suites); TLS 1.3 suites and groups
    are not configurable in this vsftpd.  Returns a MailServer with .port,
    .banner (ftpd_banner) and .conf_text."""
    _need("/usr/sbin/vsftpd", "vsftpd")
    c = h.make_certs()
    port = port or h.free_port()
    top = _traversable()
    d = os.path.join(top, "%s-%d" % (name, port))
    empty = os.path.join(d, "empty")
    os.makedirs(empty)
    os.chmod(d, 0o755)
    os.chmod(empty, 0o555)
    banner = "tlsaudit-test-%s FTP ready" % secrets.token_hex(3)
    log_path = os.path.join(d, "vsftpd.log")
    text = """listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
pasv_enable=NO
port_enable=NO
ssl_enable=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
allow_anon_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
require_ssl_reuse=NO
rsa_cert_file={cert}
rsa_private_key_file={key}
{ciphers}secure_chroot_dir={empty}
ftpd_banner={banner}
xferlog_enable=NO
vsftpd_log_file={log}
dual_log_enable=YES
syslog_enable=NO
seccomp_sandbox=NO
""".format(port=port, cert=cert or c.rsa_cert, key=key or c.rsa_key, empty=empty,
           banner=banner, log=log_path,
           ciphers="ssl_ciphers=%s\n" % ssl_ciphers if ssl_ciphers else "")
    conf = os.path.join(d, "vsftpd.conf")
    with open(conf, "w") as f:
        f.write(text)
    stdout = os.path.join(d, "stdout.log")
    proc = h.start_process(["/usr/sbin/vsftpd", conf], name, stdout)
    h.wait_port(port, proc=proc, log_path=stdout, timeout=20)
    srv = MailServer(name, proc, port, log_path)
    srv.banner = banner
    srv.conf_text = text
    srv.dir = d
    return srv

# ---------------------------------------------------------------------------
# an independent client: plaintext dialogue, then one raw ClientHello
# ---------------------------------------------------------------------------


class DialogueError(Exception):
    """The server did not agree to start TLS; .text is what it said."""

    def __init__(self, msg, text=""):
        Exception.__init__(self, "%s: %r" % (msg, text[-300:]))
        self.text = text


class _Lines:
    """Reads CRLF lines with a deadline and a byte cap."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf, self.total = sock, deadline, b"", 0
        self.seen = []

    def line(self):
        while b"\n" not in self.buf:
            left = self.deadline - time.time()
            if left <= 0:
                raise DialogueError("timeout", self.text())
            self.sock.settimeout(left)
            chunk = self.sock.recv(4096)
            if not chunk:
                raise DialogueError("connection closed", self.text())
            self.total += len(chunk)
            if self.total > MAX_DIALOGUE_BYTES:
                raise DialogueError("too much text", self.text())
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        s = ln.rstrip(b"\r").decode("latin-1")
        self.seen.append(s)
        return s

    def text(self):
        return "\n".join(self.seen)

    def smtp_reply(self):
        """Lines of one SMTP-style reply; returns (code, [lines])."""
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if len(ln) < 3 or not ln[:3].isdigit():
                raise DialogueError("not a reply line", self.text())
            if len(ln) == 3 or ln[3] == " ":
                return int(ln[:3]), lines


def starttls_open(proto, port, host="127.0.0.1", timeout=8.0, send_starttls=True):
    """Connect to HOST:PORT and speak PROTO's plaintext dialogue up to the
    point where TLS starts.  Returns (socket, info) where info has
    "banner" (first line), "offered" (the capabilities named STARTTLS) and
    "lines" (everything the server said).  With send_starttls False the
    STARTTLS command is not sent (the socket is then at the command
    prompt).  Raises DialogueError when the server refuses or is busy."""
    deadline = time.time() + timeout
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        info = _dialogue(proto, s, deadline, send_starttls)
    except BaseException:
        s.close()
        raise
    return s, info


def _dialogue(proto, s, deadline, send_starttls):
    info = {"banner": None, "offered": None, "lines": []}
    if proto == "postgres":
        if send_starttls:
            s.sendall(struct.pack(">II", 8, 80877103))
            s.settimeout(max(0.05, deadline - time.time()))
            b = s.recv(1)
            info["offered"] = b == b"S"
            if b != b"S":
                raise DialogueError("SSLRequest answered %r" % b)
        return info
    r = _Lines(s, deadline)
    if proto in ("smtp", "lmtp"):
        code, lines = r.smtp_reply()
        info["banner"] = lines[0]
        if code != 220:
            raise DialogueError("greeting %d" % code, r.text())
        s.sendall(b"EHLO client.tlsaudit.test\r\n" if proto == "smtp"
                  else b"LHLO client.tlsaudit.test\r\n")
        code, lines = r.smtp_reply()
        if code != 250:
            raise DialogueError("EHLO %d" % code, r.text())
        info["offered"] = any(l[4:].strip().upper() == "STARTTLS" for l in lines)
        info["ehlo"] = lines
        if send_starttls:
            s.sendall(b"STARTTLS\r\n")
            code, lines = r.smtp_reply()
            if code != 220:
                raise DialogueError("STARTTLS %d" % code, r.text())
    elif proto == "imap":
        info["banner"] = r.line()
        if not info["banner"].startswith("* OK"):
            raise DialogueError("greeting", r.text())
        s.sendall(b"a CAPABILITY\r\n")
        caps = []
        while True:
            ln = r.line()
            if ln.startswith("* CAPABILITY"):
                caps += ln.split()[2:]
            elif ln.startswith("a "):
                break
        info["offered"] = "STARTTLS" in [x.upper() for x in caps]
        if send_starttls:
            s.sendall(b"b STARTTLS\r\n")
            while True:
                ln = r.line()
                if ln.startswith("b "):
                    if not ln.startswith("b OK"):
                        raise DialogueError("STARTTLS", r.text())
                    break
    elif proto == "pop3":
        info["banner"] = r.line()
        if not info["banner"].startswith("+OK"):
            raise DialogueError("greeting", r.text())
        s.sendall(b"CAPA\r\n")
        if not r.line().startswith("+OK"):
            raise DialogueError("CAPA", r.text())
        caps = []
        while True:
            ln = r.line()
            if ln == ".":
                break
            caps.append(ln.split()[0].upper() if ln.split() else "")
        info["offered"] = "STLS" in caps
        if send_starttls:
            s.sendall(b"STLS\r\n")
            if not r.line().startswith("+OK"):
                raise DialogueError("STLS", r.text())
    elif proto == "sieve":
        caps = []
        while True:
            ln = r.line()
            if ln.startswith('"'):
                caps.append(ln)
                continue
            if ln.upper().startswith("OK"):
                break
            raise DialogueError("greeting", r.text())
        impl = [l for l in caps if l.upper().startswith('"IMPLEMENTATION"')]
        info["banner"] = impl[0] if impl else None
        info["offered"] = any(l.upper().startswith('"STARTTLS"') for l in caps)
        if send_starttls:
            s.sendall(b"STARTTLS\r\n")
            if not r.line().upper().startswith("OK"):
                raise DialogueError("STARTTLS", r.text())
    elif proto == "ftp":
        code, lines = r.smtp_reply()
        info["banner"] = lines[0]
        if code != 220:
            raise DialogueError("greeting %d" % code, r.text())
        if send_starttls:
            s.sendall(b"AUTH TLS\r\n")
            code, lines = r.smtp_reply()
            info["offered"] = code == 234
            if code != 234:
                raise DialogueError("AUTH TLS %d" % code, r.text())
    else:
        raise h.SetupError("starttls_open: no dialogue for %r" % proto)
    info["lines"] = r.seen
    return info


def st_probe(proto, port, version="TLSv1.2", suites=(), groups=(), timeout=8.0,
             sigalgs=None):
    """harness.tls_probe() after PROTO's STARTTLS dialogue: one hand-built
    ClientHello, the server's first flight parsed.  Returns the same dict
    ({"version", "suite", "hrr", "selected_group", "ske_curve"} or
    {"alert": n} / {"closed": why})."""
    s, _ = starttls_open(proto, port, timeout=timeout)
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
                elif mt == 14:
                    return h._finish(res)
    except (EOFError, socket.timeout, ConnectionError) as e:
        return h._finish(res) if res else {"closed": str(e)}
    finally:
        s.close()
    return h._finish(res) if res else {"closed": "timeout"}


def accepted_suites(proto, port, version, candidates, groups):
    """The suites of CANDIDATES (ints) that the server accepts for VERSION,
    found one ClientHello per accepted suite plus one that is refused:
    offer all that are left, note the server's pick, remove it, repeat."""
    left, got = list(candidates), []
    while left:
        r = st_probe(proto, port, version, left, groups)
        if r.get("version") != version or r.get("suite") not in left:
            break
        got.append(r["suite"])
        left.remove(r["suite"])
    return got


def openssl_starttls_handshake(proto, port, args, timeout=30):
    """A full handshake with `openssl s_client -starttls PROTO` (an
    independent TLS client): {"ok", "protocol", "cipher", "subject", "output"}."""
    flag = {"postgres": "postgres", "sieve": "sieve", "smtp": "smtp", "imap": "imap",
            "pop3": "pop3", "ftp": "ftp"}[proto]
    cp = h.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-starttls",
                flag, "-servername", "localhost", "-nameopt", "RFC2253"] + list(args),
               check=False, timeout=timeout, input=b"")
    out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    subj = re.search(r"^subject=(.*)$", out, re.M)
    return {"ok": bool(m) and m.group(2) != "(NONE)",
            "protocol": m.group(1) if m else None, "cipher": m.group(2) if m else None,
            "subject": subj.group(1).strip() if subj else None, "output": out}
