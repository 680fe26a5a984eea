#!/usr/bin/env python3
"""`tlsaudit config`: generated configurations applied to the real servers.

For each server software from Debian's packages (nginx, apache2, haproxy,
lighttpd with mod_openssl and with mod_gnutls, stunnel4, postfix, dovecot,
exim4 (the GnuTLS build), postgresql, mariadb) and each profile (HKCERT
Modern and Intermediate, NCSC (UK) Suite B C1 and Foundation, Mozilla 5.7
and 6.0 Intermediate):

  * `tlsaudit config --software S --profile P --cert --key --listen
    127.0.0.1:PORT --out-dir DIR` writes a standalone configuration; the
    server is started with the command it prints as its last line (in the
    foreground, stopped by PID; start() says what Postfix and Exim need
    besides), then scanned with `tlsaudit scan --format json` (with
    --starttls smtp, imap, postgres or mysql).  Every rule of P that fails or
    could not be tested must be one the generator named on stderr ("note:
    rule ID: ..."); the rules it did not name must pass (or warn, or not
    apply), the versions rule must pass, and the versions and suites rules
    are never among the named ones (the configuration sets them).  Two
    server behaviours are asserted where they matter (live()): a server
    that closes without an alert when no suite matches, and GnuTLS serving
    DHE only to clients offering an RFC 7919 group.
  * The certificate is the one the profile's cert_key_type rule allows (RSA
    when it allows RSA, else ECDSA P-256 from an ECDSA CA), so the
    certificate rules pass too.
  * The fragment (`config` without --out-dir) says which profile (id and
    title) and tlsaudit version it comes from, and each of its directives is
    in the standalone configuration.

And for every built-in profile, the library strings: `--software openssl`
(its CipherString and Ciphersuites expanded by `openssl ciphers -stdname`,
its Groups) and `--software gnutls` (the priority string expanded by
`gnutls-cli -l --priority`) name only suites and groups the profile's rules
permit (allowed, good, sufficient, tolerated or required), and at least one
suite for each version enabled.

TLSAUDIT_CONFIG_ONLY=nginx,postfix limits the live part to some software.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import time

import harness as h
import web_stacks as ws

# (software, --tls-library or None, the binary its command starts, STARTTLS)
SOFTWARE = [("nginx", None, "nginx", None), ("apache", None, "apache2", None),
            ("haproxy", None, "haproxy", None), ("lighttpd", None, "lighttpd", None),
            ("lighttpd", "gnutls:3.7.9", "lighttpd", None), ("stunnel", None, "stunnel4", None),
            ("postfix", None, "postfix", "smtp"), ("dovecot", None, "dovecot", "imap"),
            ("exim", None, "exim4", "smtp"), ("postgresql", None, "runuser", "postgres"),
            ("mariadb", None, "/bin/sh", "mysql")]
ONLY = os.environ.get("TLSAUDIT_CONFIG_ONLY")  # "sw[,sw]": a subset, while developing
PROFILES = ["hkcert-modern", "hkcert-intermediate", "ncsc-uk-suiteb-c1", "ncsc-uk-foundation",
            "mozilla-5.7-intermediate", "mozilla-6.0-intermediate"]
PROFILE_DIR = os.path.join(h.HERE, "..", "..", "profiles")
LISTS = ("allowed", "good", "sufficient", "tolerated", "required", "required_any")


def profile_json(pid):
    for name in sorted(os.listdir(PROFILE_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(PROFILE_DIR, name)) as f:
                p = json.load(f)
            if p["id"] == pid:
                return p
    raise h.SetupError("no profile file for %s in %s" % (pid, PROFILE_DIR))


def all_profiles():
    out = []
    for name in sorted(os.listdir(PROFILE_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(PROFILE_DIR, name)) as f:
                out.append(json.load(f))
    return out


def permitted(rule):
    """Items a rule lets a server offer without failing: its lists other than
    phase_out and forbidden; None when unlisted items pass too."""
    if rule.get("other") == "pass" or not any(rule.get(k) for k in LISTS[:4]):
        return None
    s = set()
    for k in LISTS:
        s |= set(rule.get(k, []))
    return s


def ecdsa_pki():
    d = os.path.join(h.tmpdir(), "pki-ec")
    os.makedirs(d)
    ca_key, ca, key, csr, crt, ext = (os.path.join(d, n) for n in (
        "ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem", "leaf.ext"))
    h.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-sha256", "-keyout", ca_key, "-out", ca, "-days", "30",
           "-subj", "/CN=tlsaudit config test ECDSA CA",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    h.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial",
           "9", "-days", "30", "-sha256", "-extfile", ext, "-out", crt])
    return ca, crt, key


def pki_for(prof, pkis):
    """(ca, cert, key) of the key type the profile's cert_key_type rule allows."""
    kinds = None
    for r in prof["rules"]:
        if r["kind"] == "cert_key_type":
            kinds = permitted(r)
    return pkis["rsa"] if kinds is None or "RSA" in kinds else pkis["ec"]


def config(args, check=True):
    cp = subprocess.run([h.tlsaudit_path(), "config"] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60, stdin=subprocess.DEVNULL)
    out, err = cp.stdout.decode(), cp.stderr.decode()
    if check and cp.returncode != 0:
        raise h.SetupError("tlsaudit config %s exited %d:\n%s" % (" ".join(args), cp.returncode,
                                                                  err))
    named = set(re.findall(r"^note: rule (\S+):", err, re.M))
    return out, err, named


def scan(port, ca, starttls=None):
    extra = ["--starttls", starttls] if starttls else []
    doc = h.run_tlsaudit(["127.0.0.1:%d" % port],
                         ["--sni", "localhost", "--ca-file", ca, "--no-vuln", "--no-dns"] + extra)
    return doc["targets"][0]


def start(sw, cmd, d, label):
    """Start the server with the command the generator printed.  Postfix's
    master leaves the process group of `start-fg`: `postfix -c DIR stop`
    stops it.  Exim is Debian's exim4-daemon-light unpacked (it conflicts
    with Postfix), its binary in place of `exim4`, run as root in a mount
    namespace where a Debian-exim user exists (service_stacks.start_exim
    explains why); spool, log and key go to that user, as the generator
    does when the user exists."""
    argv = shlex.split(cmd)
    log_path = os.path.join(d, "server-stdout.log")
    if sw == "exim":
        import service_stacks as ss
        root = ss.unpack_deb("exim4-daemon-light")
        uid, gid = ss._free_id("/etc/passwd"), ss._free_id("/etc/group")
        passwd, group = os.path.join(d, "passwd"), os.path.join(d, "group")
        shutil.copy("/etc/passwd", passwd)
        shutil.copy("/etc/group", group)
        with open(passwd, "a") as f:
            f.write("Debian-exim:x:%d:%d:Exim test:/nonexistent:/usr/sbin/nologin\n" % (uid, gid))
        with open(group, "a") as f:
            f.write("Debian-exim:x:%d:\n" % gid)
        for p in ("spool", "log", "key.pem"):
            os.chown(os.path.join(d, p), uid, gid)
        argv[0] = os.path.join(root, "usr", "sbin", "exim4")
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && '
                'exec "$@"', "sh", passwd, group] + argv
    proc = h.start_process(argv, label, log_path)
    if sw == "postfix":
        h.add_cleanup(lambda: h.run(["postfix", "-c", d, "stop"], check=False))
    return proc, log_path


def stop(sw, proc, d, label):
    if sw == "postfix":
        h.run(["postfix", "-c", d, "stop"], check=False)
        pidfile = os.path.join(d, "queue", "pid", "master.pid")
        for _ in range(100):
            try:
                with open(pidfile) as f:
                    os.kill(int(f.read().split()[0]), 0)
            except (OSError, ValueError, IndexError):
                break
            time.sleep(0.1)
    h.stop_process(proc, label)


def directives(text):
    return [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]


def live(t, sw, lib, binary, starttls, pid, pkis):
    prof = profile_json(pid)
    ca, cert, key = pki_for(prof, pkis)
    port = h.free_port()
    tag = sw + ("-" + lib.split(":")[0] if lib else "")
    d = os.path.join(h.tmpdir(), "%s-%s" % (tag, pid))
    label = "%s %s" % (tag, pid)
    libarg = ["--tls-library", lib] if lib else []
    out, err, named = config(["--software", sw, "--profile", pid, "--cert", cert, "--key", key,
                              "--listen", "127.0.0.1:%d" % port, "--out-dir", d] + libarg)
    cmd = out.rstrip("\n").splitlines()[-1]
    t.check("%s: the last line is the command, with paths in the directory" % label,
            cmd.split()[0] == binary and d in cmd, cmd)
    mains = [a for a in shlex.split(cmd) if a.startswith(d + "/") and os.path.isfile(a)]
    if not mains and os.path.isfile(os.path.join(d, "main.cf")):
        mains = [os.path.join(d, "main.cf")]  # postfix -c DIR
    if mains and mains[0].endswith("/start.sh"):  # the databases: a script runs the server
        with open(mains[0]) as f:
            mains = re.findall(r"(%s/[^'\s]+\.(?:conf|cnf))" % re.escape(d), f.read())[:1]
    t.eq("%s: the command names one configuration file in the directory" % label, 1,
         len(mains))
    with open(mains[0]) as f:
        main_conf = f.read()
    t.check("%s: the configuration names profile, title and tlsaudit version" % label,
            pid in main_conf and prof["title"] in main_conf and "tlsaudit " in main_conf,
            main_conf[:300])
    conf = ""
    for name in sorted(os.listdir(d)):
        if name.endswith((".conf", ".cfg", ".cf", ".cnf")):
            with open(os.path.join(d, name)) as f:
                conf += f.read()
    for path in re.findall(r"(/[^\s\";']+\.pem)", conf):
        t.check("%s: %s is inside the directory" % (label, path), path.startswith(d + "/")
                and os.path.isfile(path), path)
    for rid in ("versions", "suites-tls12", "suites-tls13"):
        t.check("%s: rule %s is set by the configuration, not named" % (label, rid),
                rid not in named, sorted(named))

    # the fragment: same profile words, and its directives in the standalone one
    frag, _, _ = config(["--software", sw, "--profile", pid] + libarg)
    t.check("%s: the fragment names profile, title and tlsaudit version" % label,
            pid in frag and prof["title"] in frag and "tlsaudit " in frag, frag[:300])
    missing = []
    for line in directives(frag):
        if sw == "haproxy" and line.startswith("bind "):
            line = line.split(" crt CERT", 1)[1].strip()
        if "dhparam.pem" in line or line.startswith("tls_config_file ="):
            continue  # paths the fragment can only name
        if line not in conf:
            missing.append(line)
    t.eq("%s: fragment directives missing from the standalone configuration" % label, [],
         missing)

    proc, log_path = start(sw, cmd, d, label)
    silent = rfc7919 = scan_error = None
    try:
        h.wait_port(port, proc=proc, log_path=log_path, timeout=30)
        try:
            tg = scan(port, ca, starttls)
        except h.SetupError as e:
            tg, scan_error = None, str(e)[:300]
        silent = closes_silently(port, starttls)
        if lib and lib.startswith("gnutls") and "dh" in named:
            rfc7919 = gnutls_dhe(port)
    finally:
        stop(sw, proc, d, label)
    if not t.check("%s: scanned" % label, tg is not None, scan_error):
        return
    dhe = any("_DHE_" in s for v in ("TLSv1.2", "TLSv1.1", "TLSv1.0")
              for s in tg["protocols"][v].get("cipher_suites") or [])
    if rfc7919 is not None and dhe:
        # GnuTLS without DH parameters does DHE only by RFC 7919: the
        # generator says so (rule dh named); gnutls-cli offering the FFDHE
        # groups gets DHE in TLS 1.2, and the document says how
        t.check("%s: a TLS 1.2 client offering RFC 7919 groups gets DHE" % label,
                "(DHE-FFDHE" in rfc7919, rfc7919)
        t.check("%s: dh: the smallest RFC 7919 group, DHE only with one offered" % label,
                (tg.get("dh") or {}).get("only_with_ffdhe") is True
                and (tg.get("dh") or {}).get("group", "").startswith("ffdhe"), tg.get("dh"))
    verdict = tg["profiles"][pid]
    bad = {r["id"]: r["result"] for r in verdict["rules"]
           if r["result"] in ("fail", "could_not_test") and r["id"] not in named}
    if silent:
        # the server closes the connection without an alert when no suite
        # matches (checked just above with s_client; lighttpd's mod_gnutls
        # and dovecot's login process do): the scanner must say so, and
        # still finish its suite lists (the suites rules are judged below)
        t.check("%s: the scan notes the silent closes" % label,
                any("closes the connection instead of sending an alert" in n
                    for n in tg.get("notes") or []), tg.get("notes"))
    t.eq("%s: failing or untested rules the generator did not name" % label, {}, bad)
    for r in verdict["rules"]:
        if r["id"] not in named:
            t.is_in("%s: rule %s (not named) passes" % (label, r["id"]),
                    ("pass", "not_applicable", "warning"), r["result"])
    versions = [r for r in verdict["rules"] if r["id"] == "versions"]
    t.eq("%s: versions rule passes" % label, ["pass"], [r["result"] for r in versions])


def closes_silently(port, starttls=None):
    """Does the server close without an alert on a hello with no suite it has
    (static-RSA AES128-SHA, in none of the profiles tested)?"""
    r = h.openssl_client(port, (["-starttls", starttls] if starttls else []) +
                         ["-tls1_2", "-cipher", "AES128-SHA"])
    return not r["ok"] and "unexpected eof" in r["output"] and "alert" not in r["output"]


def gnutls_dhe(port):
    cp = subprocess.run(["gnutls-cli", "--insecure", "-p", str(port), "127.0.0.1", "--priority",
                         "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:+AES-128-CBC:+SHA256"], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=30)
    m = re.search(r"^- Description: (.*)$", cp.stdout.decode(errors="replace"), re.M)
    return m.group(1) if m else cp.stdout.decode(errors="replace")[-300:]


def strings(t, prof):
    pid = prof["id"]
    rules = {}
    for r in prof["rules"]:
        rules.setdefault(r["kind"], []).append(r)
    ver = permitted(rules["versions"][0]) if "versions" in rules else {"TLSv1.2", "TLSv1.3"}
    s12 = s13 = None
    for r in rules.get("suites", []):
        if "TLSv1.3" in r["protocols"]:
            s13 = permitted(r)
        else:
            s12 = permitted(r)
    groups = permitted(rules["groups"][0]) if "groups" in rules else None

    out, _, _ = config(["--software", "openssl", "--profile", pid])
    kv = dict(re.findall(r"^(\w+) = (.*)$", out, re.M))
    t.check("openssl %s: names the profile" % pid, pid in out and "tlsaudit " in out, out[:200])
    if "CipherString" in kv:
        got = [c["iana"] for c in h.openssl_ciphers(kv["CipherString"]) if c["since"] != "TLSv1.3"]
        t.check("openssl %s: CipherString enables suites" % pid, bool(got), kv["CipherString"])
        if s12 is not None:
            t.eq("openssl %s: CipherString suites outside the profile" % pid, [],
                 [n for n in got if n not in s12])
    else:
        t.check("openssl %s: no CipherString only when TLS 1.2 is not enabled" % pid,
                kv.get("MinProtocol") == "TLSv1.3", kv)
    if "Ciphersuites" in kv and s13 is not None:
        t.eq("openssl %s: Ciphersuites outside the profile" % pid, [],
             [n for n in kv["Ciphersuites"].split(":") if n not in s13])
    if "Groups" in kv and groups is not None:
        iana = {"X25519": "x25519", "X448": "x448", "prime256v1": "secp256r1"}
        t.eq("openssl %s: Groups outside the profile" % pid, [],
             [g for g in kv["Groups"].split(":") if iana.get(g, g) not in groups])

    out, err, _ = config(["--software", "gnutls", "--profile", pid])
    prio = [l for l in directives(out)]
    t.eq("gnutls %s: one priority string" % pid, 1, len(prio))
    if len(prio) != 1:
        return
    cp = h.run(["gnutls-cli", "-l", "--priority", prio[0]], check=False)
    text = cp.stdout.decode(errors="replace")
    t.eq("gnutls %s: gnutls-cli takes the priority string" % pid, 0, cp.returncode)
    names = ws.suite_names()
    got12, got13 = [], []
    for a, b in re.findall(r"^\S+\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})", text, re.M):
        code = int(a + b, 16)
        n = names.get(code, "0x%04X" % code)
        (got13 if 0x1300 < code < 0x1310 else got12).append(n)
    vr = rules.get("versions", [{}])[0]
    enabled = set()
    for k in ("allowed", "good", "sufficient", "required", "required_any"):
        enabled |= set(vr.get(k, []))
    if "TLSv1.3" in enabled:
        t.check("gnutls %s: TLS 1.3 suites enabled" % pid, bool(got13), text[:400])
    if s13 is not None:
        t.eq("gnutls %s: TLS 1.3 suites outside the profile" % pid, [],
             [n for n in got13 if n not in s13])
    if enabled & {"TLSv1.0", "TLSv1.1", "TLSv1.2"}:
        t.check("gnutls %s: TLS 1.2 suites enabled" % pid, bool(got12), text[:400])
    if s12 is not None:
        t.eq("gnutls %s: TLS 1.2 suites outside the profile" % pid, [],
             [n for n in got12 if n not in s12])
    vers = re.search(r"^Protocols: (.*)$", text, re.M)
    want = {"VERS-" + v.replace("v", "") for v in ver if v.startswith("TLS")}
    t.check("gnutls %s: versions inside the profile" % pid,
            vers and set(x.strip() for x in vers.group(1).split(",")) <= want,
            vers.group(1) if vers else text[:300])


def main(t):
    for sw, lib, binary, _ in SOFTWARE:
        if sw in ("exim", "postgresql", "mariadb"):
            continue  # unpacked from its .deb (start()); the databases: below
        if not shutil.which(binary):
            raise h.SetupError("%s is not installed (scripts/install-deps.sh)" % binary)
    for exe in ("/usr/lib/postgresql", "/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db"):
        if not os.path.exists(exe):
            raise h.SetupError("%s is missing: install postgresql and mariadb-server "
                               "(scripts/install-deps.sh)" % exe)
    if not shutil.which("gnutls-cli"):
        raise h.SetupError("gnutls-cli is not installed (gnutls-bin)")
    # servers that drop privileges (postfix, dovecot, exim) reach their
    # directories inside the temp dir
    os.chmod(h.tmpdir(), 0o711)
    c = h.make_certs()
    ec_ca, ec_cert, ec_key = ecdsa_pki()
    pkis = {"rsa": (c.ca_cert, c.rsa_cert, c.rsa_key), "ec": (ec_ca, ec_cert, ec_key)}
    for prof in all_profiles():
        strings(t, prof)
    for sw, lib, binary, starttls in SOFTWARE:
        if ONLY and sw not in ONLY.split(","):
            continue
        for pid in PROFILES:
            live(t, sw, lib, binary, starttls, pid, pkis)
    # what cannot be expressed is said: HAProxy 2.6 has no sigalgs keyword
    _, err, named = config(["--software", "haproxy", "--profile", "ncsc-uk-suiteb-c1"])
    t.check("haproxy 2.6 Suite B: the signature schemes rule is named", "sigschemes" in named,
            err)
    _, err, named = config(["--software", "nginx", "--version", "1.12.0", "--profile",
                            "hkcert-modern"])
    t.check("nginx 1.12 HKCERT Modern: no TLS 1.3, the versions rule is named",
            "versions" in named, err)
    out, err, _ = config(["--software", "nginx", "--version", "1.18.0", "--profile",
                          "mozilla-5.7-intermediate"])
    t.check("nginx 1.18: no ssl_conf_command, a note on the TLS 1.3 suites",
            "ssl_conf_command" not in out and "TLS 1.3 suites" in err, out + err)


if __name__ == "__main__":
    h.run_test(main)
