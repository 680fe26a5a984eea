"""Scanners (tlsaudit and its peers): command lines, measured runs, output parsers.

Shared by bench/run.py and tests/crosscheck/crosscheck.py (python3 stdlib only).

Every parser returns the same shape:

    {
      "protocols": {"TLSv1.2": True, "TLSv1.0": False, ...},   # only versions the tool tested
      "suites":    {"TLSv1.2": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ...], ...}
                   # key None: the tool lists suites without a version (testssl -e)
      "dh_bits":   {2048, ...}        # DHE sizes the tool saw
      "groups":    {"x25519", ...} or None when the tool does not enumerate groups
      "kx":        {"x25519", ...}    # groups seen in passing (nmap: per suite)
      "order":     {"TLSv1.2": "server"|"client"|None}
      "extra":     {...}              # tool specific
    }

Suite names in "suites" are whatever the tool printed; SuiteNames.canon() maps
OpenSSL names, IANA names and nmap's TLS_AKE_* names to one IANA name.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

PROTOS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
GNU_TIME = "/usr/bin/time"
TIME_FMT = "TIMING %e %U %S %M %x"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_TLSAUDIT = os.path.join(REPO, "build", "tlsaudit")


# --------------------------------------------------------------------------
# command lines


# STARTTLS protocol (tlsaudit's /PROTO name) -> each peer's option
SSLSCAN_STARTTLS = {"smtp": "--starttls-smtp", "ldap": "--starttls-ldap",
                    "postgres": "--starttls-psql", "mysql": "--starttls-mysql",
                    "imap": "--starttls-imap", "pop3": "--starttls-pop3", "ftp": "--starttls-ftp",
                    "xmpp": "--starttls-xmpp"}
TESTSSL_STARTTLS = {"smtp": "smtp", "ldap": "ldap", "postgres": "postgres", "mysql": "mysql",
                    "imap": "imap", "pop3": "pop3", "ftp": "ftp", "xmpp": "xmpp", "lmtp": "lmtp",
                    "nntp": "nntp"}


def tool_argv(tool, host, port, tlsaudit=DEFAULT_TLSAUDIT, jsonfile=None, starttls=None, sni=None):
    """Command line of `tool` against host:port.

    starttls: the plaintext protocol before TLS (tlsaudit's /PROTO name:
    smtp, ldap, postgres, mysql ...), None for TLS from the first byte.
    nmap gets no option for it: ssl-enum-ciphers picks the STARTTLS dialogue
    from the port number (25 smtp, 389 ldap, 3306 mysql, 5432 postgresql),
    so the scenarios use those ports and nmap needs no -sV.
    sni: the server name to send (None: none, as the tools do for an address).
    """
    target = "%s:%d" % (host, port)
    if tool in ("tlsaudit", "tlsaudit-novuln"):
        # tlsaudit-novuln: without the active vulnerability probes (ROBOT's
        # five connections a TLS_RSA suite ...), what sslscan and nmap do not run
        argv = [tlsaudit, "scan", "--format", "json"] + (
            ["--no-vuln"] if tool == "tlsaudit-novuln" else [])
        if sni:
            argv += ["--sni", sni]
        return argv + [target + ("/" + starttls if starttls else "")]
    if tool == "sslscan":
        argv = ["sslscan", "--no-colour"]
        if starttls:
            argv.append(SSLSCAN_STARTTLS[starttls])
        if sni:
            argv.append("--sni-name=" + sni)
        return argv + [target]
    if tool == "nmap":
        # -n: no reverse DNS (there is no resolver in the namespace anyway)
        argv = ["nmap", "-n", "-Pn", "-p", str(port), "--script", "ssl-enum-ciphers"]
        if sni:
            argv += ["--script-args", "tls.servername=" + sni]
        return argv + [host]
    # testssl takes the SNI from the URI's host name; --ip then says where to connect.
    # testssl 3.0.8 stops with "FIXME: LDAP+STARTTLS over sockets not supported yet (try
    # --ssl-native)": for LDAP it tests through `openssl s_client -starttls ldap` only.
    tt = ([] if not starttls else ["--starttls", TESTSSL_STARTTLS[starttls]]) + (
        ["--ssl-native"] if starttls == "ldap" else []) + (["--ip", host] if sni else [])
    ttarget = "%s:%d" % (sni, port) if sni else target
    if tool == "testssl":
        # the suites + protocols subset; --warnings batch: never wait for a keypress
        return ["testssl", "-e", "-p", "--quiet", "--color", "0", "--warnings", "batch"] + tt + [
            ttarget]
    if tool == "testssl-perproto":
        # per protocol suites (-E), protocols, forward secrecy incl. curves and DH groups (-f)
        argv = ["testssl", "-E", "-p", "-f", "--quiet", "--color", "0", "--warnings", "batch"]
        if jsonfile:
            argv += ["--jsonfile", jsonfile]
        return argv + tt + [ttarget]
    if tool == "testssl-full":
        return ["testssl", "--quiet", "--color", "0", "--warnings", "batch"] + tt + [ttarget]
    raise KeyError(tool)


def target_argv(tool, tg, tlsaudit=DEFAULT_TLSAUDIT, jsonfile=None):
    """tool_argv for a servers.target() dict."""
    return tool_argv(tool, tg["host"], tg["port"], tlsaudit=tlsaudit, jsonfile=jsonfile,
                     starttls=tg.get("starttls"), sni=tg.get("sni"))


def tool_versions(tlsaudit=DEFAULT_TLSAUDIT):
    def first(argv, stream="stdout", pat=None):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return "missing"
        text = strip_ansi(getattr(r, stream) + "\n" + (r.stderr if stream == "stdout" else ""))
        if pat:
            m = re.search(pat, text)
            return m.group(1) if m else "?"
        return text.strip().split("\n")[0]

    v = {}
    if os.path.exists(tlsaudit):
        v["tlsaudit"] = first([tlsaudit, "--version"], pat=r"(\d+\.\d+\.\d+\S*)")
    else:
        v["tlsaudit"] = "missing"
    v["sslscan"] = first(["sslscan", "--version"], pat=r"(\d+\.\d+\.\d+\S*)")
    v["sslscan-openssl"] = first(["sslscan", "--version"], pat=r"(OpenSSL \d\S*)")
    v["nmap"] = first(["nmap", "--version"], pat=r"Nmap version (\S+)")
    v["testssl"] = first(["testssl", "--version"], pat=r"testssl\S*\s+(\d\S+)")
    v["testssl-openssl"] = first(["testssl", "--version"], pat=r'Using "(OpenSSL [^ ]+)')
    v["openssl"] = first(["openssl", "version"])
    return v


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", s)


# --------------------------------------------------------------------------
# measured run


class RunResult:
    def __init__(self):
        self.wall = None        # s, measured by this process around the run
        self.user = None        # s, GNU time %U (tool + reaped descendants)
        self.sys = None         # s, GNU time %S
        self.maxrss_kb = None   # GNU time %M: largest RSS of any single process of the tree
        self.exit = None        # tool exit status (GNU time %x), or -signal
        self.active = None      # TcpActiveOpens delta in the namespace
        self.passive = None     # TcpPassiveOpens delta in the namespace
        self.timed_out = False
        self.stdout = ""
        self.stderr = ""
        self.error = None       # text when the run could not be measured

    @property
    def cpu(self):
        if self.user is None or self.sys is None:
            return None
        return self.user + self.sys

    def crashed(self):
        return self.timed_out or self.exit is None or self.exit < 0 or self.exit >= 126

    def as_dict(self):
        return {k: getattr(self, k) for k in
                ("wall", "user", "sys", "maxrss_kb", "exit", "active", "passive",
                 "timed_out", "error")}


def measured_run(ns, argv, outdir, tag, timeout=900):
    """Run argv inside netns `ns` under GNU time; returns RunResult.

    The command line is `ip netns exec NS /usr/bin/time -o F -f FMT tool ...`.
    `ip netns exec` execs (no fork) into GNU time, which forks and execs the
    tool: the tool's peak RSS is then not inflated by a copy of this Python
    process (vfork/fork + exec keep the old mm's high-water mark in ru_maxrss).
    The floor of this method (GNU time running `true`) is about 1 MB.
    """
    os.makedirs(outdir, exist_ok=True)
    out_p = os.path.join(outdir, tag + ".stdout")
    err_p = os.path.join(outdir, tag + ".stderr")
    time_p = os.path.join(outdir, tag + ".time")
    if os.path.exists(time_p):
        os.unlink(time_p)
    res = RunResult()
    full = ns.argv([GNU_TIME, "-o", time_p, "-f", TIME_FMT] + list(argv))
    a0, p0 = ns.tcp_opens()
    with open(out_p, "w") as out, open(err_p, "w") as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True, cwd=outdir)
        except OSError as e:
            res.error = "cannot start: %s" % e
            return res

        def kill():
            res.timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            proc.wait()
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM turned into an exception): take the tool down too
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            raise
        finally:
            timer.cancel()
        res.wall = time.perf_counter() - t0
    # stragglers left in the tool's session (none expected): end them
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    a1, p1 = ns.tcp_opens()
    res.active, res.passive = a1 - a0, p1 - p0
    with open(out_p, errors="replace") as fh:
        res.stdout = fh.read()
    with open(err_p, errors="replace") as fh:
        res.stderr = fh.read()
    timing = None
    try:
        with open(time_p) as fh:
            for line in fh:
                if line.startswith("TIMING "):
                    timing = line.split()
                elif "terminated by signal" in line:
                    m = re.search(r"signal (\d+)", line)
                    if m:
                        res.exit = -int(m.group(1))
    except OSError:
        pass
    if timing and len(timing) >= 6:
        res.user, res.sys = float(timing[2]), float(timing[3])
        res.maxrss_kb = int(timing[4])
        if res.exit is None:
            res.exit = int(timing[5])
    elif res.error is None:
        res.error = "no timing from GNU time (exit %s)" % proc.returncode
    if res.timed_out:
        res.error = "timed out after %ss" % timeout
    return res


# --------------------------------------------------------------------------
# suite names


# A few legacy suites that OpenSSL 3.0 no longer lists (RC4, 3DES, DES, export,
# IDEA, SEED); the peers print them in OpenSSL spelling. Code points per the
# IANA TLS Cipher Suites registry.
LEGACY_SUITES = [
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
    (0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5"),
    (0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA"),
    (0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA"),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
    (0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-RSA-DES-CBC-SHA"),
    (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "EDH-RSA-DES-CBC-SHA"),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "EDH-RSA-DES-CBC3-SHA"),
    (0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "EXP-ADH-RC4-MD5"),
    (0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5"),
    (0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", "EXP-ADH-DES-CBC-SHA"),
    (0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA", "ADH-DES-CBC-SHA"),
    (0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", "ADH-DES-CBC3-SHA"),
    (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA"),
    (0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA", "DHE-RSA-SEED-SHA"),
    (0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA", "ADH-SEED-SHA"),
    (0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
    (0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"),
    (0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", "AECDH-RC4-SHA"),
    (0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", "AECDH-DES-CBC3-SHA"),
    (0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"),
    (0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA"),
]


class SuiteNames:
    """Maps every spelling the tools use to (code point, IANA name).

    Sources, first wins for the display name: `openssl ciphers -stdname -V`
    of the local OpenSSL, the LEGACY_SUITES list above, then (only to look
    names up, read as data) testssl's etc/cipher-mapping.txt and nmap's
    nselib/tls.lua cipher table when installed. The latter two also tell
    whether a suite is in that tool's table at all (for the cross-check's
    reasons).
    """

    TESTSSL_MAP = "/etc/testssl/cipher-mapping.txt"
    NMAP_TLS = "/usr/share/nmap/nselib/tls.lua"

    def __init__(self):
        self.by_name = {}       # upper-case spelling -> code
        self.iana = {}          # code -> IANA name
        self.openssl_codes = set()
        self.testssl_codes = set()
        self.nmap_codes = set()
        self._load_openssl()
        for code, iana, ossl in LEGACY_SUITES:
            self._add(code, iana, ossl)
        self._load_testssl()
        self._load_nmap()

    def _add(self, code, iana, *aliases):
        if code not in self.iana and iana:
            self.iana[code] = iana
        for n in (iana,) + aliases:
            if n and n != "-":
                self.by_name.setdefault(n.upper(), code)

    def _load_openssl(self):
        try:
            out = subprocess.run(["openssl", "ciphers", "-stdname", "-V",
                                  "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                                 capture_output=True, text=True).stdout
        except OSError:
            return
        for line in out.splitlines():
            m = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})\s+-\s+(\S+)\s+-\s+(\S+)", line)
            if m:
                code = int(m.group(1) + m.group(2), 16)
                self.openssl_codes.add(code)
                self._add(code, m.group(3), m.group(4))

    def _load_testssl(self):
        try:
            with open(self.TESTSSL_MAP) as fh:
                for line in fh:
                    m = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})\s+-\s+(\S+)\s+(\S+)", line)
                    if m:
                        code = int(m.group(1) + m.group(2), 16)
                        self.testssl_codes.add(code)
                        self._add(code, m.group(4), m.group(3))
        except OSError:
            pass

    def _load_nmap(self):
        try:
            with open(self.NMAP_TLS) as fh:
                text = fh.read()
        except OSError:
            return
        for m in re.finditer(r'^\[?"?((?:TLS|SSL)_[A-Z0-9_a-z]+)"?\]?\s*=\s*0x([0-9A-Fa-f]{4})',
                             text, re.M):
            code = int(m.group(2), 16)
            name = m.group(1)
            if code > 0xFFFF:
                continue
            self.nmap_codes.add(code)
            self._add(code, name.replace("TLS_AKE_WITH_", "TLS_"), name)

    def code(self, name):
        n = name.strip().upper()
        if n in self.by_name:
            return self.by_name[n]
        if n.startswith("TLS_AKE_WITH_"):
            return self.by_name.get("TLS_" + n[len("TLS_AKE_WITH_"):])
        return None

    def canon(self, name):
        """IANA spelling of `name` (unknown names come back unchanged)."""
        c = self.code(name)
        if c is None:
            return name.strip()
        return self.iana.get(c, name.strip())


# --------------------------------------------------------------------------
# group names

_GROUP_ALIASES = {
    "prime256v1": "secp256r1", "p-256": "secp256r1", "nist p-256": "secp256r1",
    "secp384r1": "secp384r1", "p-384": "secp384r1",
    "secp521r1": "secp521r1", "p-521": "secp521r1",
    "x25519": "x25519", "ecdh_x25519": "x25519", "25519": "x25519", "curve25519": "x25519",
    "x448": "x448", "ecdh_x448": "x448", "curve448": "x448",
}


def canon_group(name):
    n = name.strip()
    low = n.lower()
    if low in _GROUP_ALIASES:
        return _GROUP_ALIASES[low]
    if low.startswith("ffdhe") or low.startswith("secp") or low.startswith("sect"):
        return low
    if low.startswith("brainpool"):
        return "brainpoolP" + low[len("brainpoolp"):]
    return n


# --------------------------------------------------------------------------
# parsers


def _empty():
    return {"protocols": {}, "suites": {}, "dh_bits": set(), "groups": None,
            "kx": set(), "order": {}, "extra": {}}


def parse_tlsaudit(text):
    r = _empty()
    try:
        doc = json.loads(text)
    except ValueError as e:
        r["extra"]["error"] = "unparsable JSON: %s" % e
        return r
    targets = doc.get("targets") or []
    if not targets:
        r["extra"]["error"] = "no targets in JSON"
        return r
    t = targets[0]
    r["extra"]["status"] = t.get("status")
    r["extra"]["error"] = t.get("error")
    r["extra"]["connections"] = t.get("connections")
    r["extra"]["failed_connections"] = t.get("failed_connections")
    r["extra"]["duration_ms"] = t.get("duration_ms")
    for proto, p in (t.get("protocols") or {}).items():
        if not isinstance(p, dict):
            continue
        r["protocols"][proto] = bool(p.get("offered"))
        r["suites"][proto] = list(p.get("cipher_suites") or [])
        so = p.get("server_order")
        r["order"][proto] = None if so is None else ("server" if so else "client")
    if t.get("groups") is not None:
        r["groups"] = set(canon_group(g) for g in t.get("groups") or [])
    dh = t.get("dh")
    if isinstance(dh, dict) and dh.get("bits"):
        r["dh_bits"].add(int(dh["bits"]))
        r["extra"]["dh_group"] = dh.get("group")
    return r


_SSLSCAN_PROTO = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLSv1.0": "TLSv1.0",
                  "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}


def parse_sslscan(text):
    r = _empty()
    text = strip_ansi(text)
    r["groups"] = set()
    r["extra"]["groups_by_proto"] = {}
    section = None
    for line in text.splitlines():
        s = line.strip()
        if s.endswith(":") and line.startswith("  ") and not line.startswith("   "):
            section = s[:-1]
            continue
        m = re.match(r"^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)\b", line)
        if m and section and section.startswith("SSL/TLS Protocols"):
            r["protocols"][m.group(1)] = m.group(2) == "enabled"
            continue
        m = re.match(r"^(Preferred|Accepted)\s+(SSLv2|SSLv3|TLSv1\.[0-3])\s+(\d+) bits\s+(\S+)\s*(.*)$", line)
        if m:
            proto = _SSLSCAN_PROTO[m.group(2)]
            r["suites"].setdefault(proto, []).append(m.group(4))
            rest = m.group(5)
            d = re.search(r"DHE (\d+) bits", rest)
            if d:
                r["dh_bits"].add(int(d.group(1)))
            c = re.search(r"Curve (\S+)", rest)
            if c:
                r["kx"].add(canon_group(c.group(1)))
            if m.group(1) == "Preferred":
                r["extra"].setdefault("preferred", {})[proto] = m.group(4)
            continue
        if section and section.startswith("Server Key Exchange Group"):
            m = re.match(r"^(SSLv3|TLSv1\.[0-3])\s+\d+ bits\s+(\S+)", line)
            if m:
                g = canon_group(m.group(2))
                r["groups"].add(g)
                r["extra"]["groups_by_proto"].setdefault(m.group(1), []).append(g)
    if "Server Key Exchange Group" not in text:
        r["groups"] = None
    for proto in r["suites"]:
        r["protocols"].setdefault(proto, True)
    return r


def parse_nmap(text):
    r = _empty()
    proto = None
    in_script = False
    for line in text.splitlines():
        if line.startswith("| ssl-enum-ciphers:"):
            in_script = True
            continue
        if not in_script:
            continue
        if not line.startswith("|"):
            in_script = False
            continue
        m = re.match(r"^\|_?\s{2,3}(SSLv3|TLSv1\.[0-3]):\s*$", line)
        if m:
            proto = m.group(1)
            r["protocols"][proto] = True
            r["suites"].setdefault(proto, [])
            continue
        m = re.match(r"^\|_?\s+((?:TLS|SSL)_[A-Za-z0-9_]+)(?:\s+\(([^)]*)\))?\s+-\s+([A-F]|unknown)", line)
        if m and proto:
            r["suites"][proto].append(m.group(1))
            kx = m.group(2) or ""
            d = re.match(r"dh (\d+)", kx)
            if d:
                r["dh_bits"].add(int(d.group(1)))
            elif kx and not kx.startswith("rsa"):
                r["kx"].add(canon_group(kx))
            continue
        m = re.match(r"^\|_?\s+cipher preference:\s*(\S+)", line)
        if m and proto:
            pref = m.group(1)
            r["order"][proto] = pref if pref in ("server", "client") else None
            continue
        m = re.match(r"^\|_?\s+least strength:\s*(\S+)", line)
        if m:
            r["extra"]["least_strength"] = m.group(1)
    # ssl-enum-ciphers lists only versions it got a handshake with; SSLv2 is another script
    for p in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        r["protocols"].setdefault(p, False)
    r["extra"]["script_ran"] = "ssl-enum-ciphers" in text
    return r


_TESTSSL_PROTO = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS 1": "TLSv1.0", "TLS 1.1": "TLSv1.1",
                  "TLS 1.2": "TLSv1.2", "TLS 1.3": "TLSv1.3"}


def parse_testssl(text, jsondoc=None):
    """testssl text output (-e: one list; -E: one list per version; -f: groups).

    `jsondoc`: the parsed --jsonfile list, if any; used for -f group results.
    """
    r = _empty()
    text = strip_ansi(text)
    cur = None       # version header of -E output
    in_ciphers = False
    for line in text.splitlines():
        m = re.match(r"^ (SSLv2|SSLv3|TLS 1|TLS 1\.1|TLS 1\.2|TLS 1\.3)\s{2,}(.*)$", line)
        if m and not in_ciphers:
            status = m.group(2).strip()
            r["protocols"][_TESTSSL_PROTO[m.group(1)]] = (
                status.startswith("offered") or status.startswith("supported"))
            r["extra"].setdefault("protocol_text", {})[_TESTSSL_PROTO[m.group(1)]] = status
            continue
        if line.startswith("Hexcode") and "Cipher Suite Name" in line:
            in_ciphers = True
            continue
        if in_ciphers:
            m = re.match(r"^(SSLv2|SSLv3|TLS 1|TLS 1\.1|TLS 1\.2|TLS 1\.3)\s*$", line)
            if m:
                cur = _TESTSSL_PROTO[m.group(1)]
                r["suites"].setdefault(cur, [])
                continue
            m = re.match(r"^\s*x([0-9A-Fa-f]+)\s+(\S+)\s+(.*)$", line)
            if m:
                hexcode, ossl, rest = m.group(1), m.group(2), m.group(3).rstrip()
                toks = rest.split()
                iana = toks[-1] if toks and re.match(r"^(TLS|SSL)_", toks[-1]) else None
                r["suites"].setdefault(cur, []).append(iana or ossl)
                r["extra"].setdefault("codes", {})[iana or ossl] = int(hexcode, 16)
                d = re.search(r"\bDH (\d+)\b", rest)
                if d:
                    r["dh_bits"].add(int(d.group(1)))
                continue
            if line.startswith(" Done ") or line.startswith(" Testing "):
                in_ciphers = False
        m = re.match(r"^\s*Elliptic curves offered:\s+(.*)$", line)
        if m:
            r["groups"] = (r["groups"] or set()) | set(canon_group(g) for g in m.group(1).split())
        m = re.match(r"^\s*(?:Finite field group|DH group offered):\s+(.*)$", line)
        if m:
            r["extra"]["dh_group_text"] = m.group(1).strip()
    if jsondoc:
        for e in jsondoc:
            if e.get("id") == "PFS_ECDHE_curves":
                r["groups"] = (r["groups"] or set()) | set(
                    canon_group(g) for g in e.get("finding", "").split())
            elif e.get("id") == "DH_groups":
                r["extra"]["dh_group_text"] = e.get("finding", "")
    dgt = r["extra"].get("dh_group_text")
    if dgt:
        ff = set(g for g in dgt.replace(",", " ").split() if g.lower().startswith("ffdhe"))
        if ff:
            r["groups"] = (r["groups"] or set()) | ff
    # -e lists suites without a version: keep them under key None
    return r


PARSERS = {"tlsaudit": parse_tlsaudit, "tlsaudit-novuln": parse_tlsaudit, "sslscan": parse_sslscan, "nmap": parse_nmap,
           "testssl": parse_testssl, "testssl-perproto": parse_testssl,
           "testssl-full": parse_testssl}


def suite_counts(parsed, names):
    """(distinct suites, (version, suite) pairs or None when the tool has no versions)."""
    distinct = set()
    pairs = 0
    versionless = False
    for proto, lst in parsed["suites"].items():
        for s in lst:
            distinct.add(names.canon(s).upper())
        if proto is None:
            versionless = True
        else:
            pairs += len(set(names.canon(s).upper() for s in lst))
    return len(distinct), (None if versionless and pairs == 0 else pairs)


def which(tool):
    return shutil.which(tool) is not None


def interrupt_on_signals():
    """Turn SIGTERM/SIGHUP (and SIGINT, even when inherited as ignored) into KeyboardInterrupt,
    so that `with` blocks stop the servers and delete the namespaces."""
    def handler(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, handler)
