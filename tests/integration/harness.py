#!/usr/bin/env python3
"""Integration-test harness for tlsaudit (Python 3 standard library only).

What it provides
  * free loopback ports                         free_port()
  * test PKI made with the openssl CLI           make_certs()
  * DH parameter files                           gen_dhparam(), gen_ffdhe_params()
  * `openssl s_server` on 127.0.0.1:PORT         start_openssl_server()
  * nginx with a generated config                start_nginx()
  * a private network namespace + gnutls-serv    NetNS, start_gnutls_serv()
  * the scanner, parsed JSON                     run_tlsaudit()
  * an independent raw TLS prober (pure Python)  tls_probe(), sslv2_probe()
    used by the tests to *verify their own expectations* before comparing
    them with the scanner (it is not the scanner's code).
  * a checker with readable diffs                Checker, run_test()

Safety rules (see README.md): every server is bound to 127.0.0.1 or lives in
a network namespace created by the test; every process we start is started
in its own session and stopped by PID / its own process-group id, never by
name; a test that cannot run FAILS (exit 1), it never passes silently.

The module can also be run as a tiny CLI, which is how the tests probe a
server that lives inside a network namespace:
    ip netns exec NS python3 harness.py probe-batch < '[json kwargs for tls_probe, ...]'
    ip netns exec NS python3 harness.py wait-port PORT TIMEOUT
"""

import atexit
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

PROTOCOLS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

# ---------------------------------------------------------------------------
# logging / process helpers
# ---------------------------------------------------------------------------


def log(msg):
    print("[harness] " + msg, flush=True)


class SetupError(Exception):
    """The test environment could not be prepared: the test must FAIL."""


def run(cmd, check=True, timeout=120, **kw):
    """Run a short command, capture output, raise SetupError on failure."""
    try:
        cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, **kw)
    except FileNotFoundError as e:
        raise SetupError("command not found: %s (%s)" % (cmd[0], e))
    except subprocess.TimeoutExpired:
        raise SetupError("command timed out after %ss: %s" % (timeout, " ".join(cmd)))
    if check and cp.returncode != 0:
        raise SetupError("command failed (rc=%d): %s\nstdout: %s\nstderr: %s" % (
            cp.returncode, " ".join(cmd),
            cp.stdout.decode(errors="replace")[-2000:],
            cp.stderr.decode(errors="replace")[-2000:]))
    return cp


_cleanups = []          # LIFO list of callables
_tmp_root = None


def add_cleanup(fn):
    _cleanups.append(fn)


def cleanup_all():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up
            log("cleanup error: %r" % (e,))


atexit.register(cleanup_all)


def tmpdir():
    """One private temp dir per test process, removed at exit."""
    global _tmp_root
    if _tmp_root is None:
        # leftovers of killed runs (tlsaudit-it-<pid>-*, that pid gone)
        base = tempfile.gettempdir()
        for d in os.listdir(base):
            parts = d.split("-")
            if (len(parts) >= 4 and parts[0] == "tlsaudit" and parts[1] == "it"
                    and parts[2].isdigit() and not os.path.exists("/proc/" + parts[2])):
                shutil.rmtree(os.path.join(base, d), ignore_errors=True)
        _tmp_root = tempfile.mkdtemp(prefix="tlsaudit-it-%d-" % os.getpid())
        keep = os.environ.get("TLSAUDIT_KEEP_TMP")
        if not keep:
            add_cleanup(lambda: shutil.rmtree(_tmp_root, ignore_errors=True))
        else:
            log("keeping temp dir " + _tmp_root)
    return _tmp_root


def _pids_in_group(pgid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            # fields[0]=state [1]=ppid [2]=pgrp [3]=session
            if int(fields[2]) == pgid and int(fields[3]) == pgid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return out


def stop_process(proc, name="process", grace=5.0):
    """Stop a process started with start_new_session=True: SIGTERM to its
    own process group (pgid == its PID), wait, then SIGKILL any member
    left (found by PID through /proc, still restricted to that group)."""
    pgid = proc.pid
    if proc.poll() is None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(grace)
    # leftovers of the group (e.g. nginx workers) - by PID
    for _ in range(50):
        left = _pids_in_group(pgid)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def _die_with_parent():
    """In the child before exec: get SIGTERM if the test process dies, even
    by SIGKILL (e.g. a ctest timeout), so no server outlives its test."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def start_process(cmd, name, log_path, stdin_pipe=False, env=None, cwd=None):
    logf = open(log_path, "ab")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                            stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env, cwd=cwd,
                            preexec_fn=_die_with_parent)
    logf.close()
    log("started %s pid=%d: %s" % (name, proc.pid, " ".join(cmd)))

    def _stop():
        stop_process(proc, name)
        if proc.stdin:
            try:
                proc.stdin.close()
            except OSError:
                pass
        log("stopped %s pid=%d (rc=%s)" % (name, proc.pid, proc.returncode))
    add_cleanup(_stop)
    return proc


def read_log(path, limit=4000):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")[-limit:]
    except OSError:
        return "<no log>"

# ---------------------------------------------------------------------------
# ports
# ---------------------------------------------------------------------------


_given_ports = set()


def free_port(host="127.0.0.1"):
    """A TCP port on the loopback address that is free right now."""
    for _ in range(100):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port
    raise SetupError("could not find a free port")


def wait_port(port, host="127.0.0.1", timeout=15.0, proc=None, log_path=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SetupError("server exited early (rc=%s); log:\n%s" % (
                proc.returncode, read_log(log_path) if log_path else ""))
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise SetupError("port %s:%d did not open within %.0fs; log:\n%s" % (
        host, port, timeout, read_log(log_path) if log_path else ""))

# ---------------------------------------------------------------------------
# certificates and DH parameters (openssl CLI)
# ---------------------------------------------------------------------------


class Certs:
    pass


_certs = None


def make_certs():
    """A local CA, an RSA-2048 leaf and an ECDSA P-256 leaf, both for
    CN=localhost, SAN DNS:localhost, IP:127.0.0.1. Cached per process."""
    global _certs
    if _certs is not None:
        return _certs
    d = os.path.join(tmpdir(), "pki")
    os.makedirs(d)
    c = Certs()
    c.dir = d
    c.ca_key = os.path.join(d, "ca.key")
    c.ca_cert = os.path.join(d, "ca.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
         "-keyout", c.ca_key, "-out", c.ca_cert, "-days", "30",
         "-subj", "/CN=tlsaudit integration test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    serial = [1]

    def leaf(kind, newkey, ku):
        key = os.path.join(d, kind + ".key")
        csr = os.path.join(d, kind + ".csr")
        crt = os.path.join(d, kind + ".pem")
        ext = os.path.join(d, kind + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,%s\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=DNS:localhost,IP:127.0.0.1\n" % ku)
        run(["openssl", "req", "-new", "-nodes"] + newkey +
            ["-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
        serial[0] += 1
        run(["openssl", "x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", c.ca_key,
             "-set_serial", str(serial[0]), "-days", "30", "-sha256",
             "-extfile", ext, "-out", crt])
        return key, crt

    # RSA: keyEncipherment is needed for static-RSA key exchange suites,
    # digitalSignature for (EC)DHE_RSA.
    c.rsa_key, c.rsa_cert = leaf("rsa", ["-newkey", "rsa:2048"],
                                 "digitalSignature,keyEncipherment")
    c.ecdsa_key, c.ecdsa_cert = leaf("ecdsa", ["-newkey", "ec", "-pkeyopt",
                                               "ec_paramgen_curve:P-256"],
                                     "digitalSignature")
    c.rsa_cert_der = os.path.join(d, "rsa.der")
    run(["openssl", "x509", "-in", c.rsa_cert, "-outform", "DER", "-out", c.rsa_cert_der])
    _certs = c
    return c


def gen_dhparam(bits, tool="openssl"):
    """Freshly generated (hence 'custom') DH parameters, PEM 'DH PARAMETERS'."""
    path = os.path.join(tmpdir(), "dh%d-%s.pem" % (bits, tool))
    if tool == "openssl":
        run(["openssl", "genpkey", "-genparam", "-algorithm", "DH",
             "-pkeyopt", "dh_paramgen_prime_len:%d" % bits, "-out", path], timeout=300)
    else:
        run(["certtool", "--generate-dh-params", "--bits", str(bits), "--outfile", path],
            timeout=300)
    return path


def gen_ffdhe_params(group="ffdhe2048"):
    """RFC 7919 group parameters written as PEM 'DH PARAMETERS'."""
    path = os.path.join(tmpdir(), group + ".pem")
    run(["openssl", "genpkey", "-genparam", "-algorithm", "DH",
         "-pkeyopt", "group:" + group, "-out", path])
    return path


def dh_prime_from_pem(path):
    """The prime p of a PEM DH parameter file, via `openssl pkeyparam -text`."""
    out = run(["openssl", "pkeyparam", "-in", path, "-noout", "-text"]).stdout.decode()
    hexs = []
    grab = False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("P:") or s.startswith("prime:"):
            grab = True
            continue
        if grab:
            if s and all(ch in "0123456789abcdef:" for ch in s.lower()):
                hexs.append(s.replace(":", ""))
            else:
                break
    if not hexs:
        raise SetupError("could not parse DH prime from:\n" + out)
    return int("".join(hexs), 16)

# ---------------------------------------------------------------------------
# openssl s_server
# ---------------------------------------------------------------------------


class Server:
    def __init__(self, name, proc, port, log_path, host="127.0.0.1"):
        self.name, self.proc, self.port, self.log_path, self.host = name, proc, port, log_path, host

    @property
    def target(self):
        return "%s:%d" % (self.host, self.port)

    def log(self):
        return read_log(self.log_path)


def start_openssl_server(args, cert=None, key=None, port=None, name="s_server"):
    """`openssl s_server -accept 127.0.0.1:PORT` plus ARGS.

    OpenSSL 3.0: -accept takes [host:]port. stdin is a pipe we keep open and
    never write to, so the server never sees EOF on stdin (-quiet would imply
    -ign_eof too, we pass both)."""
    c = make_certs()
    port = port or free_port()
    log_path = os.path.join(tmpdir(), "%s-%d.log" % (name, port))
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
           "-cert", cert or c.rsa_cert, "-key", key or c.rsa_key,
           "-quiet", "-ign_eof"] + list(args)
    proc = start_process(cmd, name, log_path, stdin_pipe=True)
    wait_port(port, proc=proc, log_path=log_path)
    return Server(name, proc, port, log_path)

def openssl_client(port, args, host="127.0.0.1", timeout=30):
    """One full handshake with `openssl s_client`; returns
    {"ok", "protocol", "cipher", "temp_key", "output"}."""
    import re
    cp = run(["openssl", "s_client", "-connect", "%s:%d" % (host, port)] + list(args),
             check=False, timeout=timeout, input=b"")
    out = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    tk = re.search(r"^Server Temp Key: (.*)$", out, re.M)
    ok = bool(m) and m.group(2) != "(NONE)"
    return {"ok": ok, "protocol": m.group(1) if m else None,
            "cipher": m.group(2) if m else None,
            "temp_key": tk.group(1).strip() if tk else None, "output": out}

def openssl_ciphers(cipherstring, version_flag=None, supported=False):
    """Parse `openssl ciphers -stdname -V [-s] [-tls1_x] STRING`, in the
    order printed. Each entry: {"id", "iana", "openssl", "since", "kx",
    "au", "enc", "mac"}."""
    import re
    cmd = ["openssl", "ciphers", "-stdname", "-V"]
    if supported:
        cmd.append("-s")
    if version_flag:
        cmd.append(version_flag)
    cmd.append(cipherstring)
    out = run(cmd).stdout.decode()
    res = []
    rx = re.compile(r"^\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)\s+- (\S+)\s+(\S+)\s+"
                    r"Kx=(\S+)\s+Au=(\S+)\s+Enc=(\S+)\s+Mac=(\S+)")
    for line in out.splitlines():
        m = rx.match(line)
        if not m:
            if line.strip():
                raise SetupError("unparsed `openssl ciphers` line: %r" % line)
            continue
        res.append({"id": int(m.group(1) + m.group(2), 16), "iana": m.group(3),
                    "openssl": m.group(4), "since": m.group(5), "kx": m.group(6),
                    "au": m.group(7), "enc": m.group(8), "mac": m.group(9)})
    return res

# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------


def start_nginx(server_blocks, name="nginx"):
    """nginx with its own prefix in the temp dir, running in the foreground
    (daemon off; master_process on).

    server_blocks: list of (port, body) where body is the inside of a
    `server {}` block *without* the listen line; we add
    `listen 127.0.0.1:PORT ssl;`."""
    prefix = os.path.join(tmpdir(), "%s-%s" % (name, secrets.token_hex(3)))
    for sub in ("logs", "tmp", "conf"):
        os.makedirs(os.path.join(prefix, sub))
    conf = os.path.join(prefix, "conf", "nginx.conf")
    err = os.path.join(prefix, "logs", "error.log")
    servers = []
    for port, body in server_blocks:
        servers.append("    server {\n        listen 127.0.0.1:%d ssl;\n"
                       "        server_name localhost;\n%s\n"
                       "        location / { return 200 \"ok\\n\"; }\n    }\n" % (
                           port, "\n".join("        " + l for l in body.strip().splitlines())))
    text = """daemon off;
master_process on;
worker_processes 1;
pid {p}/logs/nginx.pid;
error_log {err} info;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
{servers}}}
""".format(p=prefix, err=err, servers="".join(servers))
    with open(conf, "w") as f:
        f.write(text)
    log_path = os.path.join(prefix, "logs", "stdout.log")
    # syntax check first: a clear message if the config is wrong
    cp = run(["nginx", "-t", "-p", prefix, "-c", conf, "-e", err], check=False)
    if cp.returncode != 0:
        raise SetupError("nginx -t failed:\n%s\nconfig:\n%s" % (
            cp.stderr.decode(errors="replace"), text))
    proc = start_process(["nginx", "-p", prefix, "-c", conf, "-e", err], name, log_path)
    for port, _ in server_blocks:
        wait_port(port, proc=proc, log_path=err)
    srv = Server(name, proc, server_blocks[0][0], err)
    srv.ports = [p for p, _ in server_blocks]
    srv.conf_text = text
    return srv

# ---------------------------------------------------------------------------
# network namespaces and gnutls-serv
# ---------------------------------------------------------------------------


class NetNS:
    """A private network namespace with only `lo` (up). Deleted at exit."""

    def __init__(self):
        if os.geteuid() != 0:
            raise SetupError("network namespaces need root (ip netns add)")
        self._remove_stale()
        self.name = "tlsaudit-it-%d-%s" % (os.getpid(), secrets.token_hex(3))
        run(["ip", "netns", "add", self.name])
        add_cleanup(self.delete)
        run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"])
        log("created netns " + self.name)

    @staticmethod
    def _remove_stale():
        """Delete namespaces left by earlier runs of these tests whose
        process is gone (only names tlsaudit-it-<pid>-<hex>: ours)."""
        cp = run(["ip", "netns", "list"], check=False)
        for line in cp.stdout.decode(errors="replace").splitlines():
            name = line.split()[0] if line.split() else ""
            parts = name.split("-")
            if (len(parts) == 4 and parts[0] == "tlsaudit" and parts[1] == "it"
                    and parts[2].isdigit() and not os.path.exists("/proc/" + parts[2])):
                log("removing stale netns " + name)
                run(["ip", "netns", "delete", name], check=False)

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, **kw):
        return run(self.cmd(argv), **kw)

    def wait_port(self, port, timeout=15.0, proc=None, log_path=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc is not None and proc.poll() is not None:
                raise SetupError("server in netns exited early (rc=%s); log:\n%s" % (
                    proc.returncode, read_log(log_path) if log_path else ""))
            cp = self.run([sys.executable, os.path.abspath(__file__), "wait-port",
                           str(port), "1"], check=False)
            if cp.returncode == 0:
                return
            time.sleep(0.2)
        raise SetupError("port %d in netns %s did not open; log:\n%s" % (
            port, self.name, read_log(log_path) if log_path else ""))

    def delete(self):
        if getattr(self, "_deleted", False):
            return
        self._deleted = True
        subprocess.run(["ip", "netns", "delete", self.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log("deleted netns " + self.name)


def start_gnutls_serv(ns, args, port=4433, cert=None, key=None, name="gnutls-serv"):
    """gnutls-serv inside netns NS (it binds every interface, and the only
    interface of NS is its own loopback)."""
    c = make_certs()
    log_path = os.path.join(tmpdir(), "%s-%d.log" % (name, port))
    cmd = ns.cmd(["gnutls-serv", "-p", str(port), "--echo", "-a",
                  "--x509certfile", cert or c.rsa_cert,
                  "--x509keyfile", key or c.rsa_key] + list(args))
    proc = start_process(cmd, name, log_path)
    ns.wait_port(port, proc=proc, log_path=log_path)
    return Server(name, proc, port, log_path)

# ---------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------


def tlsaudit_path():
    p = os.environ.get("TLSAUDIT")
    if p:
        return os.path.abspath(p)
    return os.path.abspath(os.path.join(HERE, "..", "..", "build", "tlsaudit"))


def run_tlsaudit(targets, extra_args=(), netns=None, timeout=None):
    """`tlsaudit scan --format json TARGET...`; returns the parsed JSON.
    Raises SetupError (=> test FAILS) when the binary is missing, times out,
    exits non-zero or prints something that is not one JSON object."""
    exe = tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise SetupError("tlsaudit binary not found or not executable: %s "
                         "(build it, or set TLSAUDIT=path)" % exe)
    # below ctest's 300 s per test, so that a hung scan still fails *here*,
    # with the servers stopped by us
    timeout = timeout or float(os.environ.get("TLSAUDIT_TEST_TIMEOUT", "240"))
    argv, outs = with_report_copies([exe, "scan", "--format", "json"] + list(extra_args) +
                                    list(targets))
    if netns is not None:
        argv = netns.cmd(argv)
    log("running: " + " ".join(argv))
    t0 = time.time()
    try:
        cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise SetupError("tlsaudit did not finish within %.0fs; stderr:\n%s" % (
            timeout, (e.stderr or b"").decode(errors="replace")[-4000:]))
    out = read_report_json(outs, cp)
    err = cp.stderr.decode(errors="replace")
    log("tlsaudit exit code %d after %.1fs" % (cp.returncode, time.time() - t0))
    if cp.returncode != 0:
        raise SetupError("tlsaudit exited %d\n--- stderr ---\n%s\n--- stdout ---\n%s" % (
            cp.returncode, err[-4000:], out[-4000:]))
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise SetupError("tlsaudit output is not JSON (%s)\n--- stdout ---\n%s\n"
                         "--- stderr ---\n%s" % (e, out[-4000:], err[-4000:]))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    round_trip(outs, doc, extra_args)
    return doc


_rt_counter = iter(range(1, 1 << 30))


def with_report_copies(argv):
    """argv of a `tlsaudit scan` plus four -o: the same scan written as
    JSON, text, HTML and CSV (their names say the format).  Returns (argv,
    paths); read the JSON with read_report_json, then call round_trip."""
    rt = os.path.join(tmpdir(), "report-%d" % next(_rt_counter))
    outs = [rt + ext for ext in (".json", ".txt", ".html", ".csv")]
    k = 1 if len(argv) > 1 and argv[1] == "scan" else 0
    return argv[:k + 1] + [a for o in outs for a in ("-o", o)] + argv[k + 1:], outs


def read_report_json(outs, cp):
    """The JSON report of a run made with with_report_copies."""
    try:
        with open(outs[0], "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return cp.stdout.decode(errors="replace")


def round_trip(outs, doc, extra_args=()):
    """`tlsaudit report` of the scan's JSON must give back, byte for byte,
    the text, HTML and CSV the same scan wrote (and the JSON itself), at
    the same report time (TLSAUDIT_NOW) and with the same --profile.
    Raises SetupError naming the first difference."""
    exe = tlsaudit_path()
    args = list(extra_args)
    prof = []
    for i, a in enumerate(args):
        if a == "--profile" and i + 1 < len(args):
            prof = ["--profile", args[i + 1]]
        elif a.startswith("--profile="):
            prof = ["--profile", a.split("=", 1)[1]]
    env = dict(os.environ, TLSAUDIT_NOW=doc.get("report_time", ""))
    for path, fmt in zip(outs, ("json", "text", "html", "csv")):
        cp = subprocess.run([exe, "report", "--format", fmt] + prof + [outs[0]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            timeout=120)
        if cp.returncode != 0:
            raise SetupError("round trip: tlsaudit report --format %s exited %d: %s" % (
                fmt, cp.returncode, cp.stderr.decode(errors="replace")[-2000:]))
        with open(path, "rb") as f:
            want = f.read()
        if cp.stdout != want:
            a, b = want.splitlines(), cp.stdout.splitlines()
            k = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]),
                     min(len(a), len(b)))
            raise SetupError("round trip: `tlsaudit report --format %s` differs from the "
                             "scan's own %s output at line %d:\n  scan:   %r\n  report: %r"
                             % (fmt, fmt, k + 1, a[k] if k < len(a) else "<end>",
                                b[k] if k < len(b) else "<end>"))

# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------


def _fmt(v):
    try:
        return json.dumps(v)
    except (TypeError, ValueError):
        return repr(v)


class Checker:
    """Collects results; never stops at the first failed check."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.failures = []

    def _ok(self, label):
        self.passed += 1
        print("  PASS  " + label, flush=True)

    def fail(self, label, detail=""):
        self.failed += 1
        self.failures.append(label)
        print("  FAIL  " + label, flush=True)
        if detail:
            for line in detail.rstrip().splitlines():
                print("        " + line, flush=True)

    def check(self, label, cond, detail=""):
        if cond:
            self._ok(label)
        else:
            self.fail(label, detail)
        return bool(cond)

    @staticmethod
    def _same(a, b):
        """JSON-exact equality: 1 != 1.0 != true, key order ignored."""
        try:
            return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
        except (TypeError, ValueError):
            return a == b and type(a) is type(b)

    def eq(self, label, expected, got):
        if self._same(expected, got):
            self._ok(label)
            return True
        self.fail(label, "expected: %s\ngot:      %s" % (_fmt(expected), _fmt(got)))
        return False

    def is_in(self, label, allowed, got):
        if any(self._same(got, a) for a in allowed):
            self._ok(label)
            return True
        self.fail(label, "expected one of: %s\ngot: %s" % (_fmt(list(allowed)), _fmt(got)))
        return False

    def _list_detail(self, expected, got):
        exp, g = list(expected), list(got) if isinstance(got, list) else got
        lines = ["expected: %s" % _fmt(exp), "got:      %s" % _fmt(g)]
        if isinstance(g, list):
            missing = [x for x in exp if x not in g]
            extra = [x for x in g if x not in exp]
            dups = sorted({_fmt(x) for x in g if g.count(x) > 1})
            if missing:
                lines.append("missing (expected, not reported): %s" % _fmt(missing))
            if extra:
                lines.append("unexpected (reported, not expected): %s" % _fmt(extra))
            if dups:
                lines.append("duplicates: %s" % ", ".join(dups))
            if not missing and not extra and not dups:
                for i, (a, b) in enumerate(zip(exp, g)):
                    if a != b:
                        lines.append("same members, order differs first at index %d: "
                                     "expected %s, got %s" % (i, _fmt(a), _fmt(b)))
                        break
        return "\n".join(lines)

    def list_eq(self, label, expected, got):
        """Exact list, order matters."""
        if isinstance(got, list) and list(expected) == got:
            self._ok(label)
            return True
        self.fail(label + " (ordered)", self._list_detail(expected, got))
        return False

    def set_eq(self, label, expected, got):
        """Same members, no duplicates, order ignored."""
        if (isinstance(got, list) and len(got) == len(set(map(_fmt, got)))
                and sorted(map(_fmt, expected)) == sorted(map(_fmt, got))):
            self._ok(label)
            return True
        self.fail(label + " (as a set)", self._list_detail(sorted(expected), got))
        return False

    def summary(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed), flush=True)
        if self.failures:
            print("failed checks:", flush=True)
            for f in self.failures:
                print("  - " + f, flush=True)


def _sig_handler(signum, frame):
    raise SystemExit(128 + signum)


def run_test(main):
    """Run main(checker); cleanup always; exit 0 only if every check passed
    and at least one check ran. Exceptions (SetupError, bugs) FAIL the test."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    signal.signal(signal.SIGTERM, _sig_handler)
    signal.signal(signal.SIGINT, _sig_handler)
    t = Checker(name)
    print("=== %s (tlsaudit: %s)" % (name, tlsaudit_path()), flush=True)
    try:
        main(t)
    except SetupError as e:
        t.fail("test could not run (this is a FAILURE, not a skip)", str(e))
    except SystemExit as e:
        t.fail("interrupted (exit %s)" % (e.code,))
    except Exception:
        t.fail("unexpected exception in the test", traceback.format_exc())
    finally:
        cleanup_all()
    if t.passed + t.failed == 0:
        t.fail("no check ran")
    t.summary()
    sys.exit(0 if t.failed == 0 else 1)

# ---------------------------------------------------------------------------
# contract checks shared by every test
# ---------------------------------------------------------------------------


def check_document(t, doc, n_targets=1):
    """Top-level contract assertions for a scan of N_TARGETS targets."""
    if not isinstance(doc, dict):
        raise SetupError("scanner output is not a JSON object: %s" % _fmt(doc)[:2000])
    t.eq("tool == 'tlsaudit'", "tlsaudit", doc.get("tool"))
    t.check("version is a non-empty string",
            isinstance(doc.get("version"), str) and doc.get("version") != "",
            "got %s" % _fmt(doc.get("version")))
    targets = doc.get("targets")
    if not t.check("exactly %d target(s)" % n_targets,
                   isinstance(targets, list) and len(targets) == n_targets,
                   "targets: %s" % _fmt(targets)[:2000]):
        raise SetupError("unexpected number of targets in the scanner output")
    return targets


# the active vulnerability probes (docs/vulnerabilities.md) that a patched
# server from Debian must pass: a "vulnerable" here is a false alarm
ACTIVE_PROBES = ("heartbleed", "ccs-injection", "ticketbleed", "robot", "downgrade-protection",
                 "intolerance")


def check_no_false_alarm(t, tg, label=""):
    """No active probe says vulnerable (the servers of the tests are real,
    patched servers from Debian 12), and each has its entry."""
    got = {v.get("id"): v for v in tg.get("vulnerabilities") or [] if isinstance(v, dict)}
    for pid in ACTIVE_PROBES:
        v = got.get(pid, {})
        t.check("%sactive probe %s: no false alarm (%s: %s)"
                % (label, pid, v.get("status"), "; ".join(v.get("evidence") or [])[:200]),
                v.get("status") in ("not_vulnerable", "not_applicable", "could_not_test"))


def check_target(t, doc, ip, port, host=None, n_targets=1, real_server=True):
    """Common contract assertions; returns the target object for ip:port (or
    raises SetupError if the document has no usable target).  real_server:
    a server from Debian, so no active vulnerability probe may fire."""
    targets = check_document(t, doc, n_targets) if n_targets == 1 else doc["targets"]
    found = [x for x in targets if isinstance(x, dict) and x.get("port") == port]
    if not t.check("a target for port %d" % port, len(found) == 1,
                   "targets: %s" % _fmt(targets)[:2000]):
        raise SetupError("no target for port %d" % port)
    tg = found[0]
    print("  -- target %s:%d" % (ip, port), flush=True)
    if tg.get("notes"):  # not part of the contract: shown to help diagnose
        for n in tg["notes"]:
            print("  INFO  scanner note: %s" % (n,), flush=True)
    t.eq("target.status", "ok", tg.get("status"))
    t.eq("target.error", None, tg.get("error"))
    if tg.get("status") != "ok":
        print("        scanner error text: %s" % _fmt(tg.get("error")))
    t.eq("target.ip", ip, tg.get("ip"))
    t.eq("target.port", port, tg.get("port"))
    t.eq("target.host", host if host is not None else ip, tg.get("host"))
    if real_server and tg.get("status") == "ok":
        check_no_false_alarm(t, tg)
    conns = tg.get("connections")
    t.check("target.connections is a positive integer",
            isinstance(conns, int) and not isinstance(conns, bool) and conns > 0,
            "got %s" % _fmt(conns))
    dur = tg.get("duration_ms")
    t.check("target.duration_ms is a non-negative integer",
            isinstance(dur, int) and not isinstance(dur, bool) and dur >= 0,
            "got %s" % _fmt(dur))
    protos = tg.get("protocols")
    if not t.check("protocols has exactly the six protocol keys",
                   isinstance(protos, dict) and sorted(protos) == sorted(PROTOCOLS),
                   "got keys %s" % _fmt(sorted(protos) if isinstance(protos, dict) else protos)):
        raise SetupError("protocols object unusable")
    for p in PROTOCOLS:
        o = protos[p]
        ok = (isinstance(o, dict) and isinstance(o.get("offered"), bool)
              and isinstance(o.get("cipher_suites"), list)
              and o.get("server_order") in (True, False, None)
              and (o.get("offered") == (len(o.get("cipher_suites")) > 0)))
        t.check("%s: well-formed, offered <=> cipher_suites non-empty" % p, ok,
                "got %s" % _fmt(o))
        if isinstance(o, dict) and isinstance(o.get("cipher_suites"), list):
            if len(o["cipher_suites"]) < 2:
                t.eq("%s: server_order null with fewer than two suites" % p,
                     None, o.get("server_order"))
    return tg


def check_protocol(t, tg, proto, offered, suites=None, ordered=False,
                   server_order="unchecked"):
    """Assert one protocol entry. suites: exact expected suites (list);
    ordered: compare as an ordered list (server preference order);
    server_order: True/False/None, or 'unchecked' (the caller must say why)."""
    o = tg["protocols"][proto]
    t.eq("%s offered" % proto, offered, o.get("offered"))
    if not offered:
        t.eq("%s cipher_suites" % proto, [], o.get("cipher_suites"))
        t.eq("%s server_order" % proto, None, o.get("server_order"))
        return
    if suites is not None:
        if ordered:
            t.list_eq("%s cipher_suites" % proto, suites, o.get("cipher_suites"))
        else:
            t.set_eq("%s cipher_suites" % proto, suites, o.get("cipher_suites"))
    if server_order != "unchecked":
        t.eq("%s server_order" % proto, server_order, o.get("server_order"))

# ---------------------------------------------------------------------------
# the fake SSLv2/SSLv3 server
# ---------------------------------------------------------------------------


def start_fake_legacy_server(args, port=None, name="fake_legacy_server"):
    """fake_legacy_server.py (same directory) on 127.0.0.1:PORT with the RSA
    leaf certificate (DER) of make_certs(), plus ARGS."""
    c = make_certs()
    port = port or free_port()
    log_path = os.path.join(tmpdir(), "%s-%d.log" % (name, port))
    cmd = [sys.executable, os.path.join(HERE, "fake_legacy_server.py"),
           "--host", "127.0.0.1", "--port", str(port), "--cert-der", c.rsa_cert_der,
           "--verbose"] + list(args)
    proc = start_process(cmd, name, log_path)
    wait_port(port, proc=proc, log_path=log_path)
    return Server(name, proc, port, log_path)

# ---------------------------------------------------------------------------
# well-known DH primes, computed from their definitions (not from a tool)
# ---------------------------------------------------------------------------


def _e_fixed(bits):
    """floor(e * 2**bits), exact (series of 1/n! in integer arithmetic)."""
    one = 1 << (bits + 64)
    total, term, n = 0, one, 0
    while term:
        total += term
        n += 1
        term //= n
    return total >> 64


# RFC 7919 section/appendix A: p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1
_FFDHE_X = {2048: 560316, 3072: 2625351, 4096: 5736041, 6144: 15705020, 8192: 10965728}


def ffdhe_prime(bits):
    return (1 << bits) - (1 << (bits - 64)) + ((_e_fixed(bits - 130) + _FFDHE_X[bits]) << 64) - 1


def _pi_fixed(bits):
    """floor(pi * 2**bits), exact enough (Machin's formula, 64 guard bits)."""
    one = 1 << (bits + 64)

    def arctan_inv(x):
        total, term, n, sign = 0, one // x, 1, 1
        x2 = x * x
        while term:
            total += sign * (term // n)
            term //= x2
            n += 2
            sign = -sign
        return total
    return (4 * (4 * arctan_inv(5) - arctan_inv(239))) >> 64


# RFC 2409 section 6 / RFC 3526: p = 2^b - 2^{b-64} - 1 + 2^64 * {[2^{b-130} pi] + X}
_MODP_X = {768: 149686, 1024: 129093, 1536: 741804, 2048: 124476, 3072: 1690314,
           4096: 240904, 6144: 929484, 8192: 4743158}


def modp_prime(bits):
    """RFC 2409 (768, 1024) / RFC 3526 (1536..8192) MODP prime."""
    return (1 << bits) - (1 << (bits - 64)) - 1 + ((_pi_fixed(bits - 130) + _MODP_X[bits]) << 64)


def is_structured_well_known_prime(p):
    """Every RFC 2409, RFC 3526 and RFC 7919 prime has its 64 most and 64 least significant bits all set (their
    p = 2^b - 2^{b-64} - 1 + 2^64*(...) construction). A freshly generated
    prime has that with probability 2^-63, so this tells 'custom' from those
    named groups."""
    b = p.bit_length()
    top = p >> (b - 64)
    return top == (1 << 64) - 1 and (p & ((1 << 64) - 1)) == (1 << 64) - 1

# ---------------------------------------------------------------------------
# an independent raw TLS prober (used to verify the tests' expectations)
# ---------------------------------------------------------------------------

GROUP_IDS = {
    "secp256r1": 23, "secp384r1": 24, "secp521r1": 25, "x25519": 29, "x448": 30,
    "ffdhe2048": 256, "ffdhe3072": 257, "ffdhe4096": 258, "ffdhe6144": 259,
    "ffdhe8192": 260,
}
GROUP_NAMES = {v: k for k, v in GROUP_IDS.items()}
VERSION_IDS = {"SSLv3": 0x0300, "TLSv1.0": 0x0301, "TLSv1.1": 0x0302,
               "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
DEFAULT_SIGALGS = [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
                   0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0203,
                   0x0301, 0x0201, 0x0402, 0x0502, 0x0602, 0x0302, 0x0202]
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()
TLS13_SUITES = {0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
                0x1303: "TLS_CHACHA20_POLY1305_SHA256", 0x1304: "TLS_AES_128_CCM_SHA256",
                0x1305: "TLS_AES_128_CCM_8_SHA256"}


def _u16(n):
    return struct.pack(">H", n)


def _ext(typ, body):
    return _u16(typ) + _u16(len(body)) + body


def build_client_hello(version, suites, groups=(), sigalgs=None, tls13=False,
                       record_version=0x0301, sni=None):
    """ClientHello record. version: legacy_version (TLSv1.3 => 0x0303 +
    supported_versions). suites: list of ints. groups: names or ints.
    For TLS 1.3 the key_share extension is sent EMPTY, so a server that
    supports one of the groups must answer with a HelloRetryRequest naming
    the group it prefers (and the suite it picked) - no key math needed."""
    gids = [GROUP_IDS[g] if isinstance(g, str) else g for g in groups]
    legacy = 0x0303 if tls13 else version
    body = _u16(legacy) + os.urandom(32) + bytes([32]) + os.urandom(32)
    cs = b"".join(_u16(s) for s in suites)
    body += _u16(len(cs)) + cs + b"\x01\x00"
    exts = b""
    if sni:
        name = sni.encode()
        entry = b"\x00" + _u16(len(name)) + name
        exts += _ext(0, _u16(len(entry)) + entry)
    if gids:
        gl = b"".join(_u16(g) for g in gids)
        exts += _ext(10, _u16(len(gl)) + gl)
        exts += _ext(11, b"\x01\x00")
    if legacy >= 0x0303:
        sa = b"".join(_u16(s) for s in (sigalgs or DEFAULT_SIGALGS))
        exts += _ext(13, _u16(len(sa)) + sa)
    if tls13:
        exts += _ext(43, b"\x02\x03\x04")
        exts += _ext(51, _u16(0))
        exts += _ext(45, b"\x01\x01")
    else:
        exts += _ext(0xff01, b"\x00")
    body += _u16(len(exts)) + exts
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16" + _u16(record_version) + _u16(len(hs)) + hs


def _recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        sock.settimeout(max(0.05, deadline - time.time()))
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d/%d bytes" % (len(buf), n))
        buf += chunk
    return buf


def _parse_server_hello(b):
    r = {"legacy_version": struct.unpack(">H", b[0:2])[0], "random": b[2:34]}
    sid_len = b[34]
    p = 35 + sid_len
    r["suite"] = struct.unpack(">H", b[p:p + 2])[0]
    p += 3  # suite + compression
    r["version"] = r["legacy_version"]
    r["hrr"] = r["random"] == HRR_RANDOM
    if p + 2 <= len(b):
        elen = struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        end = p + elen
        while p + 4 <= end:
            et, el = struct.unpack(">HH", b[p:p + 4])
            ed = b[p + 4:p + 4 + el]
            if et == 43 and el == 2:
                r["version"] = struct.unpack(">H", ed)[0]
            elif et == 51 and el >= 2:
                r["selected_group"] = struct.unpack(">H", ed[0:2])[0]
            p += 4 + el
    return r


def tls_probe(host="127.0.0.1", port=443, version="TLSv1.2", suites=(), groups=(),
              sigalgs=None, timeout=5.0, record_version=0x0301, sni=None):
    """Send one ClientHello, read the server's first flight.
    Returns a dict: {"alert": desc} / {"closed": msg} or
    {"version": name-or-int, "suite": int, "hrr": bool, "selected_group": int?,
     "ske_curve": int?, "dh_p": int?, "dh_bits": int?}.
    version: "SSLv3".."TLSv1.3" (TLSv1.3 => supported_versions + empty key_share)."""
    tls13 = version == "TLSv1.3"
    hello = build_client_hello(VERSION_IDS[version], list(suites), groups, sigalgs,
                               tls13=tls13, record_version=record_version, sni=sni)
    deadline = time.time() + timeout
    res = {}
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(hello)
        hsbuf = b""
        try:
            while time.time() < deadline:
                hdr = _recv_exact(s, 5, deadline)
                ctype, rver, rlen = hdr[0], struct.unpack(">H", hdr[1:3])[0], \
                    struct.unpack(">H", hdr[3:5])[0]
                if rlen > 18432:
                    return {"closed": "record too long (%d)" % rlen}
                data = _recv_exact(s, rlen, deadline)
                if ctype == 21:
                    if res:
                        res["alert_after"] = data[1] if len(data) > 1 else -1
                        return res
                    return {"alert": data[1] if len(data) > 1 else -1}
                if ctype == 20:
                    continue
                if ctype != 22:
                    return res or {"closed": "unexpected record type %d" % ctype}
                hsbuf += data
                while len(hsbuf) >= 4:
                    mt = hsbuf[0]
                    ml = struct.unpack(">I", b"\x00" + hsbuf[1:4])[0]
                    if len(hsbuf) < 4 + ml:
                        break
                    m, hsbuf = hsbuf[4:4 + ml], hsbuf[4 + ml:]
                    if mt == 2:
                        res.update(_parse_server_hello(m))
                        if res["version"] == 0x0304 or res["hrr"]:
                            return _finish(res)
                    elif mt == 12:
                        _parse_ske(m, res)
                    elif mt == 14:
                        return _finish(res)
        except (EOFError, socket.timeout, ConnectionError) as e:
            return _finish(res) if res else {"closed": str(e)}
    return _finish(res) if res else {"closed": "timeout"}


def _parse_ske(m, res):
    """ServerKeyExchange: ECDHE (curve_type 3 + named curve) or DHE (p, g,
    Ys). The two layouts can look alike (a 768-byte p starts with 0x03), so
    a layout counts only if it accounts for every byte of the message,
    signature included."""
    ver = res.get("version", 0x0303)

    def sig_ok(rest):
        if not rest:
            return True  # anonymous
        if ver >= 0x0303:
            return len(rest) >= 4 and 4 + struct.unpack(">H", rest[2:4])[0] == len(rest)
        return len(rest) >= 2 and 2 + struct.unpack(">H", rest[0:2])[0] == len(rest)

    if len(m) >= 4 and m[0] == 3 and sig_ok(m[4 + m[3]:]) and 4 + m[3] <= len(m):
        res["ske_curve"] = struct.unpack(">H", m[1:3])[0]
        return
    p, vecs = 0, []
    for _ in range(3):
        if p + 2 > len(m):
            return
        n = struct.unpack(">H", m[p:p + 2])[0]
        if p + 2 + n > len(m):
            return
        vecs.append(m[p + 2:p + 2 + n])
        p += 2 + n
    if sig_ok(m[p:]):
        dh_p = int.from_bytes(vecs[0], "big")
        res["dh_p"] = dh_p
        res["dh_bits"] = dh_p.bit_length()


def _finish(res):
    inv = {v: k for k, v in VERSION_IDS.items()}
    res["version"] = inv.get(res.get("version"), res.get("version"))
    return res


def sslv2_probe(host, port, kinds, timeout=5.0):
    """SSLv2 CLIENT-HELLO (version 0x0002) offering KINDS (24-bit ints);
    returns {"server_version", "kinds": [...], "cert": bytes} or
    {"error": code} / {"closed": msg}."""
    cs = b"".join(struct.pack(">I", k)[1:] for k in kinds)
    challenge = os.urandom(16)
    body = b"\x01" + _u16(0x0002) + _u16(len(cs)) + _u16(0) + _u16(16) + cs + challenge
    rec = _u16(0x8000 | len(body)) + body
    deadline = time.time() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(rec)
        try:
            hdr = _recv_exact(s, 2, deadline)
            if not hdr[0] & 0x80:
                return {"closed": "not an SSLv2 record: %r" % hdr}
            ln = ((hdr[0] & 0x7f) << 8) | hdr[1]
            m = _recv_exact(s, ln, deadline)
        except (EOFError, socket.timeout, ConnectionError) as e:
            return {"closed": str(e)}
    if m[0] == 0:
        return {"error": struct.unpack(">H", m[1:3])[0]}
    if m[0] != 4:
        return {"closed": "unexpected SSLv2 message %d" % m[0]}
    cert_len, cs_len, cid_len = struct.unpack(">HHH", m[5:11])
    ver = struct.unpack(">H", m[3:5])[0]
    cert = m[11:11 + cert_len]
    csb = m[11 + cert_len:11 + cert_len + cs_len]
    ks = [int.from_bytes(csb[i:i + 3], "big") for i in range(0, len(csb), 3)]
    return {"server_version": ver, "kinds": ks, "cert": cert, "cert_type": m[2]}


def order_checks(order, mode):
    """(offered list, expected pick) pairs that test a claimed preference.
    mode "server": for each adjacent pair (a, b) of ORDER offer [b, a]; a
    server-preference server picks a. mode "client": offer both [a, b] and
    [b, a]; a client-preference server picks the first one offered."""
    checks = []
    for a, b in zip(order, order[1:]):
        if mode == "server":
            checks.append(([b, a], a))
        else:
            checks += [([a, b], a), ([b, a], b)]
    return checks


def order_violations(choose_many, order, mode):
    """choose_many(list of offered lists) -> list of picks. Returns problems."""
    checks = order_checks(order, mode)
    picks = choose_many([c[0] for c in checks])
    return ["offered %s -> %s (%s order would pick %s)" % (off, got, mode, exp)
            for (off, exp), got in zip(checks, picks) if got != exp]


def server_order_violations(choose, order):
    return order_violations(lambda ls: [choose(l) for l in ls], order, "server")


def client_order_violations(choose, items):
    return order_violations(lambda ls: [choose(l) for l in ls], items, "client")


def probe_in_netns(ns, **kwargs):
    """tls_probe() run inside a network namespace (via this file's CLI)."""
    return probe_many_in_netns(ns, [kwargs])[0]


def probe_many_in_netns(ns, kwargs_list):
    """Several tls_probe() calls inside a network namespace, one process."""
    cp = ns.run([sys.executable, os.path.abspath(__file__), "probe-batch"],
                input=json.dumps(kwargs_list).encode(), timeout=600)
    return json.loads(cp.stdout.decode())


def _cli(argv):
    if len(argv) >= 2 and argv[1] == "wait-port":
        port, timeout = int(argv[2]), float(argv[3])
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                    return 0
            except OSError:
                time.sleep(0.1)
        return 1
    if len(argv) >= 2 and argv[1] == "probe-batch":
        out = []
        for kw in json.loads(sys.stdin.read()):
            r = tls_probe(**kw)
            out.append({k: (v.hex() if isinstance(v, bytes) else v) for k, v in r.items()})
        print(json.dumps(out))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_cli(sys.argv))
