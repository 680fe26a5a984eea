"""Test TLS servers for tlsaudit's benchmark and cross-check.

Shared by bench/run.py and tests/crosscheck/crosscheck.py (python3 stdlib only).

Every server runs inside a network namespace that this module creates, with
only the loopback interface up, so nothing here (nor any tool run in the same
namespace) can reach anything but 127.0.0.1 / ::1 of that namespace.

    with Netns("tlsa-bench") as ns:          # ip netns add / del
        with start_server("nginx-intermediate", ns, workdir) as srv:
            ns.run(["sslscan", "127.0.0.1:443"])

Must run as root (ip netns needs CAP_SYS_ADMIN).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

PORT = 443          # a port nmap's ssl-enum-ciphers recognises as TLS without probing
HOST = "127.0.0.1"

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
    v = {"nginx-intermediate": "nginx", "nginx-legacy": "nginx",
         "openssl-weak": "openssl", "gnutls-legacy": "gnutls-serv"}[name]
    return SCENARIOS[name] % server_version(v)


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


def new_workdir(prefix="tlsaudit-bench-"):
    return tempfile.mkdtemp(prefix=prefix)
