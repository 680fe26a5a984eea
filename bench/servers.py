"""Test TLS servers for tlsaudit's benchmark and cross-check.

Shared by bench/run.py and tests/crosscheck/crosscheck.py (python3 stdlib only).
SCENARIOS / ORDER are the four servers defined here (the cross-check's);
STACKS / STACK_ORDER are fifteen servers of the integration tests, started
through their helpers by a child process inside the namespace (see STACKS);
ALL_ORDER is both, the bench's default.

Every server runs inside a network namespace that this module creates, with
only the loopback interface up, so nothing here (nor any tool run in the same
namespace) can reach anything but 127.0.0.1 / ::1 of that namespace.

    with Netns("tlsa-bench") as ns:          # ip netns add / del
        with start_server("nginx-intermediate", ns, workdir) as srv:
            ns.run(["sslscan", "127.0.0.1:443"])

Must run as root (ip netns needs CAP_SYS_ADMIN).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PORT = 443          # a port nmap's ssl-enum-ciphers recognises as TLS without probing
HOST = "127.0.0.1"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
INTEGRATION = os.path.join(REPO, "tests", "integration")

# --------------------------------------------------------------------------
# network namespaces


class Netns:
    """A network namespace with only `lo` up. Deleted on exit."""

    def __init__(self, prefix="tlsa"):
        # short and unique: netns names become file names under /run/netns
        self.name = "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 100000)
        self.created = False

    def create(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.created = True
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        return self

    def delete(self):
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], check=False)
            self.created = False

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.delete()

    def argv(self, argv):
        """argv that runs `argv` inside this namespace.

        `ip netns exec` (outside batch mode) setns()es and then execs the
        command in place, without forking, so the pid returned by Popen is the
        command itself (rusage from wait4 covers the tool, not a wrapper).
        """
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, **kw):
        return subprocess.run(self.argv(argv), **kw)

    def popen(self, argv, **kw):
        return subprocess.Popen(self.argv(argv), **kw)

    def snmp(self):
        """Counters of /proc/net/snmp as seen inside the namespace: {'Tcp': {...}, ...}."""
        out = subprocess.run(self.argv(["cat", "/proc/net/snmp"]), check=True,
                             capture_output=True, text=True).stdout
        return parse_snmp(out)

    def tcp_opens(self):
        """(TcpActiveOpens, TcpPassiveOpens) of the namespace."""
        tcp = self.snmp().get("Tcp", {})
        return tcp.get("ActiveOpens", 0), tcp.get("PassiveOpens", 0)

    def nstat_opens(self):
        """Same counters via `nstat -asz` (absolute, zeros too, history untouched)."""
        out = subprocess.run(self.argv(["nstat", "-asz", "TcpActiveOpens", "TcpPassiveOpens"]),
                             capture_output=True, text=True).stdout
        vals = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].startswith("Tcp"):
                vals[parts[0]] = int(parts[1])
        return vals.get("TcpActiveOpens", 0), vals.get("TcpPassiveOpens", 0)


def parse_snmp(text):
    """/proc/net/snmp comes as pairs of lines: 'Tcp: Name1 Name2 ...' then 'Tcp: 1 2 ...'."""
    res = {}
    lines = text.splitlines()
    for i in range(0, len(lines) - 1, 2):
        head, vals = lines[i].split(), lines[i + 1].split()
        if not head or head[0] != vals[0]:
            continue
        proto = head[0].rstrip(":")
        res[proto] = {}
        for k, v in zip(head[1:], vals[1:]):
            try:
                res[proto][k] = int(v)
            except ValueError:
                pass
    return res


def listening(pid, port):
    """True when the netns of process `pid` has a TCP socket listening on `port`.

    Reads /proc/PID/net/tcp{,6} (the view of that process's namespace) so that
    waiting for the server costs no TCP connection.
    """
    want = ":%04X" % port
    for f in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, f)) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if len(parts) > 3 and parts[1].endswith(want) and parts[3] == "0A":
                        return True
        except (OSError, StopIteration):
            pass
    return False


def busy_sockets(pid):
    """TCP sockets of the namespace of process `pid` that are neither listening nor in
    TIME_WAIT (connections still open or closing), from /proc/PID/net/tcp{,6}."""
    n = 0
    for f in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, f)) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if len(parts) > 3 and parts[3] not in ("0A", "06"):
                        n += 1
        except (OSError, StopIteration):
            pass
    return n


def settle(srv, timeout=20.0):
    """Wait until the server is idle again after the previous tool: no TCP connection of
    the namespace open or closing, and (Exim) no SMTP process left, since Exim counts a
    connection against smtp_accept_max until its process is reaped, up to a second or
    so after the client closed. Returns the seconds waited (not part of any measurement)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if busy_sockets(srv.pid) == 0 and not (hasattr(srv, "children") and srv.children()):
            break
        time.sleep(0.05)
    return time.time() - t0


# --------------------------------------------------------------------------
# key material


# RFC 3526 group 14 is produced by OpenSSL as the named DH group "modp_2048",
# RFC 7919 ffdhe2048 as "ffdhe2048" (the file Mozilla ships as ffdhe2048.txt).
def make_material(workdir):
    """RSA-2048 self-signed certificate and DH parameter files in workdir. Returns dict of paths."""
    os.makedirs(workdir, exist_ok=True)
    m = {
        "key": os.path.join(workdir, "rsa2048.key"),
        "cert": os.path.join(workdir, "rsa2048.crt"),
        "ffdhe2048": os.path.join(workdir, "ffdhe2048.pem"),
        "modp2048": os.path.join(workdir, "rfc3526-2048.pem"),
        "dh1024": os.path.join(workdir, "dh1024.pem"),
    }
    q = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(m["cert"]):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", m["key"], "-out", m["cert"], "-days", "30", "-sha256",
                        "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], **q)
    if not os.path.exists(m["ffdhe2048"]):
        subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH",
                        "-pkeyopt", "group:ffdhe2048", "-out", m["ffdhe2048"]], **q)
    if not os.path.exists(m["modp2048"]):
        subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH",
                        "-pkeyopt", "group:modp_2048", "-out", m["modp2048"]], **q)
    if not os.path.exists(m["dh1024"]):
        # a freshly generated ("custom") 1024-bit group, as old servers had
        subprocess.run(["openssl", "dhparam", "-out", m["dh1024"], "1024"], **q)
    return m


# --------------------------------------------------------------------------
# server scenarios

# Mozilla Server Side TLS guidelines 5.7, "intermediate" (nginx flavour of the
# configuration generator): TLS 1.2 + 1.3, this cipher list, curves
# X25519:prime256v1:secp384r1, ffdhe2048 DH parameters, server order off.
MOZILLA_INTERMEDIATE_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-CHACHA20-POLY1305",
])

LEGACY_TLS13_SUITES = ":".join([
    "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
    "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256",
])
LEGACY_GROUPS = "X25519:prime256v1:secp384r1:secp521r1:X448:ffdhe2048:ffdhe3072"

GNUTLS_LEGACY_PRIORITY = ":".join([
    "NORMAL", "-VERS-TLS1.3", "+VERS-TLS1.2", "+VERS-TLS1.1", "+VERS-TLS1.0",
    "+ARCFOUR-128", "+3DES-CBC", "+NULL", "+CAMELLIA-128-CBC", "+CAMELLIA-256-CBC",
    "+SHA1", "+MD5", "+SHA256", "+SHA384",
    "+RSA", "+DHE-RSA", "+ECDHE-RSA", "+ANON-DH", "+ANON-ECDH",
])

SCENARIOS = {
    "nginx-intermediate": "nginx %s, Mozilla intermediate 5.7: TLS 1.2+1.3, 9 ECDHE/DHE AEAD suites "
                          "(6 usable with the RSA cert), X25519:prime256v1:secp384r1, ffdhe2048, "
                          "server order off",
    "nginx-legacy": "nginx %s, broad legacy: TLS 1.0-1.3, ALL:COMPLEMENTOFALL:@SECLEVEL=0, "
                    "5 TLS 1.3 suites incl. CCM, groups " + LEGACY_GROUPS + ", DH rfc3526-2048, "
                    "server order on",
    "openssl-weak": "openssl s_server %s, -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' -no_tls1_3, "
                    "-dhparam custom 1024-bit, TLS 1.0-1.2, one connection at a time",
    "gnutls-legacy": "gnutls-serv %s, TLS 1.0-1.2 with RC4, 3DES, NULL, CAMELLIA, anon DH/ECDH; "
                     "priority " + GNUTLS_LEGACY_PRIORITY,
}
ORDER = ["nginx-intermediate", "nginx-legacy", "openssl-weak", "gnutls-legacy"]


def describe(name):
    if name in STACKS:
        return describe_stack(name)
    v = {"nginx-intermediate": "nginx", "nginx-legacy": "nginx",
         "openssl-weak": "openssl", "gnutls-legacy": "gnutls-serv"}[name]
    return SCENARIOS[name] % server_version(v)


def target(name):
    """Where the scanners go for scenario `name`: {host, port, starttls, sni}.

    starttls: None (TLS from the first byte) or the protocol of the plaintext
    dialogue before TLS ("smtp", "ldap", "postgres", "mysql"); sni: the
    server name to send (None: none, as for an address)."""
    if name in STACKS:
        st = STACKS[name]
        return {"host": HOST, "port": st["port"], "starttls": st.get("starttls"),
                "sni": st.get("sni")}
    return {"host": HOST, "port": PORT, "starttls": None, "sni": None}


def server_version(which):
    try:
        if which == "nginx":
            out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
            return out.strip().split("/")[-1]
        if which == "openssl":
            return subprocess.run(["openssl", "version"], capture_output=True,
                                  text=True).stdout.split()[1]
        if which == "gnutls-serv":
            return subprocess.run(["gnutls-serv", "--version"], capture_output=True,
                                  text=True).stdout.split("\n")[0].split()[-1]
    except (OSError, IndexError):
        pass
    return "?"


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen {host}:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
{tls}
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""

NGINX_TLS = {
    "nginx-intermediate": """\
        ssl_session_timeout 1d;
        ssl_session_cache shared:MozSSL:10m;
        ssl_session_tickets off;
        ssl_dhparam {ffdhe2048};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_ciphers {mozilla};
        ssl_prefer_server_ciphers off;""",
    "nginx-legacy": """\
        ssl_dhparam {modp2048};
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
        ssl_ciphers ALL:COMPLEMENTOFALL:@SECLEVEL=0;
        ssl_conf_command Ciphersuites {tls13};
        ssl_conf_command MinProtocol TLSv1;
        ssl_ecdh_curve {groups};
        ssl_prefer_server_ciphers on;""",
}


class Server:
    def __init__(self, name, ns, proc, logdir, port):
        self.name, self.ns, self.proc, self.logdir, self.port = name, ns, proc, logdir, port

    @property
    def pid(self):
        return self.proc.pid

    @property
    def pgids(self):
        """Process groups whose CPU is the server's (one here: the server's own)."""
        return [self.proc.pid]

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, n=20):
        out = []
        for f in sorted(os.listdir(self.logdir)):
            if f.endswith(".log"):
                try:
                    with open(os.path.join(self.logdir, f), errors="replace") as fh:
                        lines = fh.read().splitlines()[-n:]
                    out += ["%s: %s" % (f, l) for l in lines]
                except OSError:
                    pass
        return "\n".join(out)

    def stop(self):
        """SIGTERM to the server's process group (nginx master+worker), SIGKILL after 5 s."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        else:
            # master gone; make sure no straggler of its group survives
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_server(name, ns, workdir, port=PORT, timeout=15):
    """Start scenario `name` inside namespace `ns`; returns a Server once it listens."""
    if name in STACKS:
        return start_stack(name, ns, workdir)
    mat = make_material(os.path.join(workdir, "material"))
    d = os.path.join(workdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "tmp"))
    os.chmod(d, 0o755)
    if name.startswith("nginx-"):
        tls = NGINX_TLS[name].format(ffdhe2048=mat["ffdhe2048"], modp2048=mat["modp2048"],
                                     mozilla=MOZILLA_INTERMEDIATE_CIPHERS,
                                     tls13=LEGACY_TLS13_SUITES, groups=LEGACY_GROUPS)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as fh:
            fh.write(NGINX_CONF.format(dir=d, host=HOST, port=port, cert=mat["cert"],
                                       key=mat["key"], tls=tls))
        argv = ["nginx", "-e", os.path.join(d, "error.log"), "-p", d + "/", "-c", conf]
    elif name == "openssl-weak":
        argv = ["openssl", "s_server", "-accept", "%s:%d" % (HOST, port),
                "-cert", mat["cert"], "-key", mat["key"],
                "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", "-no_tls1_3",
                "-dhparam", mat["dh1024"], "-www", "-quiet"]
    elif name == "gnutls-legacy":
        argv = ["gnutls-serv", "--port", str(port),
                "--x509certfile", mat["cert"], "--x509keyfile", mat["key"],
                "--dhparams", mat["dh1024"],
                "--priority", GNUTLS_LEGACY_PRIORITY, "--http", "--disable-client-cert"]
    else:
        raise KeyError("unknown scenario %r" % name)
    out = open(os.path.join(d, "stdout.log"), "w")
    err = open(os.path.join(d, "stderr.log"), "w")
    proc = ns.popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    start_new_session=True, cwd=d)
    out.close()
    err.close()
    srv = Server(name, ns, proc, d, port)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        if listening(proc.pid, port):
            time.sleep(0.2)    # nginx: let the worker come up after the master bound
            return srv
        time.sleep(0.05)
    srv.stop()
    raise RuntimeError("server %s did not start (exit %s)\n%s"
                       % (name, proc.returncode, srv.log_tail()))


# --------------------------------------------------------------------------
# other TLS stacks: the servers of the integration tests
#
# Each is started by the start helper of tests/integration (web_stacks.py,
# app_stacks.py, service_stacks.py, mail_servers.py) with the configuration
# of its tests/integration/test_stack_*.py (constants imported from there), by
# a child Python process that runs INSIDE the scenario's namespace:
#
#     ip netns exec NS python3 bench/servers.py stack NAME READYFILE
#
# The helpers bind 127.0.0.1 on the port they are given, which is then the
# namespace's own loopback, so a standard port can be used (nmap then knows
# the service by its number and needs no -sV); their start-up checks
# (wait_port) connect there too, before anything is measured. The child
# writes the server processes' PIDs to READYFILE, waits until its stdin is
# closed (or SIGTERM), and stops the servers with the harness's cleanup (by
# PID / process group), which also removes its temp dir.

STACKS = {
    "lighttpd-openssl": {
        "port": 443, "server": ("lighttpd", "libssl3"),
        "desc": "lighttpd %s + mod_openssl (OpenSSL %s), test_stack_lighttpd.py: RSA-2048 AND "
                "ECDSA P-256 leaf, TLS 1.0-1.3 (@SECLEVEL=0), 9-suite CipherString, 3 TLS 1.3 "
                "suites, Curves secp384r1:X25519:prime256v1, ServerPreference + PrioritizeChaCha, "
                "3 signature schemes"},
    "lighttpd-gnutls": {
        "port": 443, "server": ("lighttpd", "libgnutls30"),
        "desc": "lighttpd %s + mod_gnutls (GnuTLS %s), test_stack_lighttpd.py: RSA leaf, "
                "SECURE128 TLS 1.2+1.3, AES-128-GCM/CHACHA20/AES-256-CBC/AES-128-CCM, groups "
                "secp384r1, ffdhe3072, x25519, ffdhe2048, %%SERVER_PRECEDENCE, no DH parameters "
                "(DHE only with an RFC 7919 group offered)"},
    "lighttpd-mbedtls": {
        "port": 443, "server": ("lighttpd", "libmbedtls14"),
        "desc": "lighttpd %s + mod_mbedtls (mbedTLS %s), test_stack_lighttpd.py: RSA leaf, "
                "TLS 1.0-1.2, 7 suites in server order (a CAMELLIA SHA-256 suite accepted from "
                "TLS 1.0), curves secp384r1:brainpoolP256r1:x25519:secp256r1"},
    "lighttpd-wolfssl": {
        "port": 443, "server": ("lighttpd", "libwolfssl35"),
        "desc": "lighttpd %s + mod_wolfssl (wolfSSL %s), test_stack_lighttpd.py: RSA leaf, "
                "TLS 1.1-1.3, mod_wolfssl's default list incl. PSK ChaCha20 suites plus 3 "
                "SHA-256/384 CBC suites; wolfSSL reads only the first 19 signature_algorithms "
                "entries, refuses a hello with more than 150 suites, closes on status_request"},
    "lighttpd-nss": {
        "port": 443, "server": ("lighttpd", "libnss3"),
        "desc": "lighttpd %s + mod_nss (NSS %s), test_stack_lighttpd.py: RSA leaf, TLS 1.1-1.3, "
                "10 suites, served in NSS's own fixed order"},
    "apache": {
        "port": 443, "server": ("apache2", "libssl3"),
        "desc": "Apache httpd %s mod_ssl (OpenSSL %s), test_stack_apache_haproxy.py: RSA leaf "
                "with a custom 2048-bit DH group, TLS 1.2+1.3, 7-suite SSLCipherSuite (one ECDSA "
                "suite the leaf cannot use), 3 TLS 1.3 suites, SSLHonorCipherOrder on, Curves "
                "X448:secp521r1:X25519, 3 signature schemes"},
    "haproxy-sni": {
        "port": 443, "sni": "localhost", "server": ("haproxy", "libssl3"),
        "desc": "HAProxy %s (OpenSSL %s), frontend two_crt of test_stack_apache_haproxy.py: "
                "`crt` RSA + `crt` ECDSA (both CN=localhost), curves X25519:P-384:P-256, 6 "
                "TLS 1.2 suites (3 ECDSA, 3 RSA, interleaved), 3 TLS 1.3 suites, ssl-min-ver "
                "TLSv1.2, 4 signature schemes (OPENSSL_CONF); scanned WITH SNI localhost: the "
                "RSA leaf and suites only reach a hello without ECDSA suites"},
    "jsse": {
        "port": 443, "server": ("java", None),
        "desc": "Java %s SunJSSE (tests/integration/java/TlsServer.java), jsse-server of "
                "test_stack_jsse_erlang.py: RSA and EC keys, TLS 1.2+1.3, 10 suites (one "
                "unusable DHE_DSS) in server order, jdk.tls.namedGroups "
                "secp384r1,ffdhe3072,secp256r1,ffdhe2048"},
    "erlang": {
        "port": 443, "server": ("erlang", None),
        "desc": "Erlang/OTP %s ssl (tests/integration/erlang/tls_server.escript), erl-client of "
                "test_stack_jsse_erlang.py: certs_keys RSA + EC, TLS 1.2+1.3, OTP's default "
                "suites and groups, honor_cipher_order false (client order; the EC certificate "
                "wins whenever an ECDSA suite is offered)"},
    "exim-smtp": {
        "port": 25, "starttls": "smtp", "server": ("exim", "libgnutls30"),
        "desc": "Exim %s (GnuTLS %s, exim4-daemon-light unpacked), SMTP STARTTLS on port 25, "
                "test_stack_exim_slapd.py: tls_require_ciphers EXIM_PRIO (TLS 1.2+1.3, "
                "CHACHA20/AES-256-GCM/AES-128-GCM, ECDHE-RSA/DHE-RSA/RSA, groups X25519, "
                "SECP384R1, FFDHE3072, FFDHE2048, %%SERVER_PRECEDENCE), tls_resumption_hosts *, "
                "smtp_accept_max 20 (Exim's default: the 21st concurrent connection gets 421)"},
    "slapd-ldaps": {
        "port": 636, "server": ("slapd", "libgnutls30"),
        "desc": "OpenLDAP slapd %s (GnuTLS %s), ldaps on port 636 (the same slapd also listens "
                "for LDAP on 389), test_stack_exim_slapd.py: TLSCipherSuite "
                "SECURE128:%%SERVER_PRECEDENCE, no TLSDHParamFile (DHE only with an RFC 7919 "
                "group offered)"},
    "slapd-starttls": {
        "port": 389, "starttls": "ldap", "server": ("slapd", "libgnutls30"),
        "desc": "OpenLDAP slapd %s (GnuTLS %s), LDAP StartTLS on port 389 (the same slapd also "
                "listens for ldaps on 636), test_stack_exim_slapd.py: TLSCipherSuite "
                "SECURE128:%%SERVER_PRECEDENCE, no TLSDHParamFile"},
    "postgres": {
        "port": 5432, "starttls": "postgres", "server": ("postgres", "libssl3"),
        "desc": "PostgreSQL %s (OpenSSL %s), SSLRequest on port 5432, test_stack_db_mqtt.py: "
                "ssl_min_protocol_version TLSv1.1, ssl_ciphers PG_CIPHERS (4 suites, "
                "@SECLEVEL=0), ssl_ecdh_curve secp384r1, server order"},
    "mariadb": {
        "port": 3306, "starttls": "mysql", "server": ("mariadb", "libssl3"),
        "desc": "MariaDB %s (OpenSSL %s), MySQL STARTTLS on port 3306, test_stack_db_mqtt.py: "
                "tls_version TLSv1.2,TLSv1.3, ssl_cipher MARIADB_CIPHERS (4 suites), client "
                "order"},
    "mosquitto": {
        "port": 8883, "server": ("mosquitto", "libssl3"),
        "desc": "Mosquitto %s (OpenSSL %s), MQTT over TLS on port 8883, test_stack_db_mqtt.py: "
                "tls_version tlsv1.2 (a minimum), ciphers MQ_CIPHERS (3 suites), ciphers_tls1.3 "
                "CHACHA20/AES128, server order"},
}
STACK_ORDER = ["lighttpd-openssl", "lighttpd-gnutls", "lighttpd-mbedtls", "lighttpd-wolfssl",
               "lighttpd-nss", "apache", "haproxy-sni", "jsse", "erlang", "exim-smtp",
               "slapd-ldaps", "slapd-starttls", "postgres", "mariadb", "mosquitto"]
ALL_ORDER = ORDER + STACK_ORDER

_versions = {}


def _first_line(argv, pattern, stream="stdout"):
    import re
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    m = re.search(pattern, r.stdout + "\n" + r.stderr)
    return m.group(1) if m else "?"


def _stack_server_version(which):
    if which not in _versions:
        if which == "lighttpd":
            v = _first_line(["lighttpd", "-v"], r"lighttpd/(\S+)")
        elif which == "apache2":
            v = _first_line(["apache2", "-v"], r"Apache/(\S+)")
        elif which == "haproxy":
            v = _first_line(["haproxy", "-v"], r"HAProxy version (\S+)")
        elif which == "java":
            v = _first_line(["java", "-version"], r'version "([^"]+)"')
        elif which == "erlang":
            v = _first_line(["erl", "-noshell", "-eval",
                             'io:format("~s~n", [erlang:system_info(otp_release)]), halt().'],
                            r"(\d+)")
            try:
                with open("/usr/lib/erlang/releases/%s/OTP_VERSION" % v) as fh:
                    v = fh.read().strip()
            except OSError:
                pass
        elif which == "exim":
            v = _dpkg_version_of_deb("exim4-daemon-light")
        elif which == "slapd":
            v = _first_line(["slapd", "-VV"], r"slapd (\S+)")
        elif which == "postgres":
            import glob
            exe = (sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres")) or ["postgres"])[-1]
            v = _first_line([exe, "--version"], r"PostgreSQL\) (\S+)")
        elif which == "mariadb":
            v = _first_line(["mariadbd", "--version"], r"Ver (\S+)")
        elif which == "mosquitto":
            v = _first_line(["mosquitto", "-h"], r"mosquitto version (\S+)")
        else:
            v = _first_line(["dpkg-query", "-W", "-f", "${Version}", which], r"(\S+)")
        _versions[which] = v
    return _versions[which]


def _dpkg_version_of_deb(package):
    import glob
    debs = sorted(glob.glob(os.path.join(
        os.environ.get("TLSAUDIT_DEBS_DIR", "/var/cache/tlsaudit-tests/debs"), package + "_*.deb")))
    if not debs:
        return "?"
    return os.path.basename(debs[-1]).split("_")[1]


def describe_stack(name):
    st = STACKS[name]
    srv, lib = st["server"]
    args = (_stack_server_version(srv),)
    if lib:
        args += (_stack_server_version(lib),)
    return st["desc"] % args


class StackServer:
    """A scenario server started by the child process (see above); same interface as Server."""

    def __init__(self, name, ns, proc, logdir, info):
        self.name, self.ns, self.proc, self.logdir, self.info = name, ns, proc, logdir, info
        self.port = STACKS[name]["port"]

    @property
    def pid(self):
        return self.proc.pid

    @property
    def pgids(self):
        """The servers' own process groups (each helper starts its server in a new session)."""
        return list(self.info.get("pids") or [])

    def alive(self):
        if self.proc.poll() is not None:
            return False
        return all(_proc_state(p) not in (None, "Z", "X") for p in self.pgids)

    def children(self):
        """Exim's SMTP processes now (children of the daemon, found by PID); 0 elsewhere."""
        if self.name != "exim-smtp" or not self.pgids:
            return 0
        daemon, n = self.pgids[0], 0
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as fh:
                    st = fh.read()
                if int(st[st.rfind(")") + 2:].split()[1]) == daemon:
                    n += 1
            except (OSError, ValueError, IndexError):
                continue
        return n

    def refusals(self):
        """Connections the server turned away as busy so far, from its log: Exim's
        "too many connections" (421) lines (service_stacks.EXIM_REFUSAL); None for the
        other servers."""
        if self.name != "exim-smtp" or not self.info.get("logs"):
            return None
        if INTEGRATION not in sys.path:
            sys.path.insert(0, INTEGRATION)
        import service_stacks as ss
        try:
            with open(self.info["logs"][0], errors="replace") as fh:
                return len(ss.EXIM_REFUSAL.findall(fh.read()))
        except OSError:
            return None

    def log_tail(self, n=20):
        out = []
        for f in [os.path.join(self.logdir, "stack.log")] + list(self.info.get("logs") or []):
            try:
                with open(f, errors="replace") as fh:
                    lines = fh.read().splitlines()[-n:]
                out += ["%s: %s" % (os.path.basename(f), l) for l in lines]
            except OSError:
                pass
        return "\n".join(out)

    def stop(self):
        """Close the child's stdin: it stops its servers (harness cleanup, by PID / process
        group) and exits. SIGTERM to the child after 60 s, then SIGKILL to what is left of
        the servers' own process groups (found by PID)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
        for pg in self.pgids:
            if _proc_state(pg) not in (None, "Z", "X"):
                try:
                    os.killpg(pg, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            st = fh.read()
        return st[st.rfind(")") + 2:].split()[0]
    except (OSError, IndexError):
        return None


def start_stack(name, ns, workdir, timeout=240):
    """Start stack scenario `name` inside `ns` through the child process; returns a
    StackServer once the helper saw its port open."""
    d = os.path.join(workdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    ready = os.path.join(d, "ready.json")
    log = open(os.path.join(d, "stack.log"), "w")
    proc = ns.popen([sys.executable, "-u", os.path.abspath(__file__), "stack", name, ready],
                    stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, cwd=d)
    log.close()
    srv = StackServer(name, ns, proc, d, {})
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(ready):
            with open(ready) as fh:
                srv.info = json.load(fh)
            if srv.info.get("error"):
                srv.stop()
                raise RuntimeError("server %s did not start: %s\n%s"
                                   % (name, srv.info["error"], srv.log_tail(40)))
            return srv
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    srv.stop()
    raise RuntimeError("server %s did not start (child exit %s)\n%s"
                       % (name, proc.returncode, srv.log_tail(40)))


# ---- the child (runs inside the namespace) ----

def _write(path, text):
    with open(path, "w") as fh:
        fh.write(text)
    return path


def _stack_servers(name, port):
    """Start scenario `name` on 127.0.0.1:`port` with the integration tests' helpers.
    Returns the helpers' server objects (each has .proc and .log_path)."""
    import harness as h
    c = h.make_certs()
    if name.startswith("lighttpd-"):
        import web_stacks as w
        import test_stack_lighttpd as T
        # the per-module ssl-conf-cmd of test_stack_lighttpd.start_stacks()
        cmds = {
            "mod_openssl": [("MinProtocol", "TLSv1"), ("CipherString", T.OSSL_CIPHERS),
                            ("Ciphersuites", ":".join(T.OSSL_TLS13)), ("Curves", T.OSSL_CURVES),
                            ("Options", "ServerPreference,PrioritizeChaCha"),
                            ("SignatureAlgorithms", ":".join(T.OSSL_SIGALGS)),
                            ("Certificate", c.ecdsa_cert), ("PrivateKey", c.ecdsa_key)],
            "mod_gnutls": [("gnutls-override", T.GNUTLS_PRIO)],
            "mod_mbedtls": [("MinProtocol", "TLSv1.0"), ("Ciphersuites", ":".join(T.MBED_SUITES)),
                            ("Curves", ":".join(T.MBED_CURVES))],
            "mod_wolfssl": [("MinProtocol", "TLSv1.1"), ("CipherString", T.WOLF_CIPHERS)],
            "mod_nss": [("MinProtocol", "TLSv1.1"),
                        ("CipherString", ",".join("+" + x for x in T.NSS_CIPHERS))],
        }
        module = "mod_" + name[len("lighttpd-"):]
        return [w.start_lighttpd(module, [T.conf_cmd(cmds[module])], port=port)]
    if name in ("apache", "haproxy-sni"):
        import web_stacks as w
        import test_stack_apache_haproxy as T
        d = os.path.join(h.tmpdir(), "stack-files")
        os.makedirs(d, exist_ok=True)
        rd = lambda p: open(p).read()   # noqa: E731
        if name == "apache":
            # the <VirtualHost> body of test_stack_apache_haproxy.start_stacks()
            crt = _write(os.path.join(d, "apache-rsa.pem"), rd(c.rsa_cert) + T.CUSTOM_DH2048)
            return [w.start_apache("\n".join([
                "SSLEngine on",
                "SSLCertificateFile " + crt,
                "SSLCertificateKeyFile " + c.rsa_key,
                "SSLProtocol -all +TLSv1.2 +TLSv1.3",
                "SSLCipherSuite " + T.APACHE_CIPHERS,
                "SSLCipherSuite TLSv1.3 " + ":".join(T.APACHE_TLS13),
                "SSLHonorCipherOrder on",
                "SSLOpenSSLConfCmd Curves X448:secp521r1:X25519",
                "SSLOpenSSLConfCmd SignatureAlgorithms " + ":".join(T.APACHE_SIGALGS)]),
                port=port)]
        # the frontend "two_crt" and the global lines of start_stacks()
        rsa_pem = _write(os.path.join(d, "rsa.pem"), rd(c.rsa_cert) + rd(c.rsa_key))
        ec_pem = _write(os.path.join(d, "ecdsa.pem"), rd(c.ecdsa_cert) + rd(c.ecdsa_key))
        cnf = _write(os.path.join(d, "openssl.cnf"), T.OPENSSL_CNF)
        return [w.start_haproxy(
            "frontend two_crt\n"
            "    bind 127.0.0.1:%d ssl crt %s crt %s curves %s\n"
            "    http-request return status 200 content-type text/plain string ok\n"
            % (port, rsa_pem, ec_pem, T.HAP_CURVES), [port],
            global_lines=["ssl-default-bind-ciphers " + T.HAP_CIPHERS,
                          "ssl-default-bind-ciphersuites " + ":".join(T.HAP_TLS13),
                          "ssl-default-bind-options ssl-min-ver TLSv1.2"],
            env=dict(os.environ, OPENSSL_CONF=cnf))]
    if name == "jsse":
        import app_stacks as A
        import test_stack_jsse_erlang as J
        srv = A.start_jsse("jsse-server", keys=("rsa", "ec"),
                           suites=J.JSSE_A_SUITES13 + J.JSSE_A_SUITES12,
                           named_groups=J.JSSE_A_GROUPS, server_order=True, port=port)
        if srv.info.get("suites") != J.JSSE_A_SUITES13 + J.JSSE_A_SUITES12 or \
                srv.info.get("server_order") is not True:
            raise h.SetupError("JSSE did not take the configuration: %r" % srv.info)
        return [srv]
    if name == "erlang":
        import app_stacks as A
        return [A.start_erlang("erl-client", False, [(c.rsa_cert, c.rsa_key),
                                                     (c.ecdsa_cert, c.ecdsa_key)], port=port)]
    if name == "exim-smtp":
        import mail_servers as ms
        import service_stacks as ss
        import test_stack_exim_slapd as E
        leaf = ms.make_leaf("mx-exim.tlsaudit.test")
        return [ss.start_exim(port=port, cert=leaf.cert, key=leaf.key, priority=E.EXIM_PRIO,
                              resumption=True)]
    if name.startswith("slapd-"):
        import mail_servers as ms
        import service_stacks as ss
        import test_stack_exim_slapd as E
        leaf = ms.make_leaf("ldap-slapd.tlsaudit.test")
        return [ss.start_slapd(STACKS["slapd-starttls"]["port"], STACKS["slapd-ldaps"]["port"],
                               cert=leaf.cert, key=leaf.key, cipher_suite=E.SLAPD_PRIO)]
    if name in ("postgres", "mariadb", "mosquitto"):
        import app_stacks as A
        import test_stack_db_mqtt as D
        if name == "postgres":
            return [A.start_postgres(port=port, ssl_min_protocol_version="TLSv1.1",
                                     ssl_ciphers=D.PG_CIPHERS, ecdh_curve=D.PG_CURVE)]
        if name == "mariadb":
            return [A.start_mariadb(port=port, ssl_cipher=D.MARIADB_CIPHERS)]
        ff = h.gen_ffdhe_params("ffdhe2048")
        return [A.start_mosquitto(port=port, tls_version="tlsv1.2", ciphers=D.MQ_CIPHERS,
                                  ciphers_tls13=":".join(D.MQ_CIPHERS13), dhparamfile=ff)]
    raise KeyError("unknown stack scenario %r" % name)


def _stack_child(name, ready):
    """Main of the child: start, report, wait for stdin's EOF (or a signal), clean up."""
    sys.path.insert(0, INTEGRATION)
    import traceback
    import harness as h

    def bye(signum, frame):
        raise SystemExit(0)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, bye)
    try:
        try:
            srvs = _stack_servers(name, STACKS[name]["port"])
            info = {"pids": [s.proc.pid for s in srvs], "logs": [s.log_path for s in srvs],
                    "tmpdir": h.tmpdir()}
        except Exception as e:   # noqa: BLE001 - reported to the bench
            traceback.print_exc()
            info = {"error": "%s: %s" % (type(e).__name__, e)}
        _write(ready + ".tmp", json.dumps(info))
        os.rename(ready + ".tmp", ready)
        if "error" not in info:
            print("ready: %s" % json.dumps(info), flush=True)
            sys.stdin.read()     # the bench closes our stdin to stop us
    finally:
        h.cleanup_all()
    return 0


def new_workdir(prefix="tlsaudit-bench-"):
    return tempfile.mkdtemp(prefix=prefix)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "stack":
        sys.exit(_stack_child(sys.argv[2], sys.argv[3]))
    sys.exit("usage (run by start_stack, inside a namespace): servers.py stack NAME READYFILE")
