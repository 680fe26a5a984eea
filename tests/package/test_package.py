#!/usr/bin/env python3
"""The Debian package: built from this tree, checked, unpacked and run.

scripts/package.sh builds the .deb into the test's temp dir (a Release
build of its own, -j2), then, without installing it on this machine (that
would change the system under the other tests):

  * control (dpkg-deb -f): Package, Version (project() of CMakeLists.txt
    plus Debian revision 1), Architecture (dpkg --print-architecture),
    Section net, Priority optional, a Maintainer "Name <address>",
    Recommends ca-certificates (the trust store chains are verified
    against), no Homepage, a description with lines under 80 columns.
  * Depends: exactly the Debian packages that ship the shared libraries the
    binary needs (its DT_NEEDED entries, each looked up with `dpkg -S` in the
    multiarch library directory), each known to `apt-cache policy`, each with
    a version in this Debian release's suites (apt-cache madison) that
    satisfies the package's minimum version (dpkg --compare-versions); and
    `apt-get install --simulate ./tlsaudit_*.deb` against an EMPTY dpkg
    status (as if nothing were installed; apt's cache files not written)
    resolves, installing tlsaudit and every dependency.
  * contents (dpkg-deb -c): exactly /usr/bin/tlsaudit and
    /usr/share/man/man1/P.1.gz for every docs/man/P.1 (so no profile file:
    they are compiled in; no test file), directories only above those,
    everything root/root with 0755/0644, md5sums matching the files; the
    gzipped pages equal docs/man byte for byte; the binary stripped; no
    file or control field holding the source, build or output directory.
  * `cmake --install` (DESTDIR, prefix /usr/local) of the same build: bin/
    tlsaudit and share/man/man1/P.1 for every page, nothing else.
  * the unpacked binary, run from outside the tree: `--version` prints
    "tlsaudit VERSION"; `profiles` lists exactly the ids of profiles/*.json;
    a real scan of `openssl s_server` on 127.0.0.1 (TLS 1.2 only, two suites,
    -serverpref; verified first with harness.tls_probe and openssl s_client)
    reports what the server offers; `man -l` renders every unpacked page
    with no groff warning.
"""

import gzip
import hashlib
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness as h  # noqa: E402

# The server of the scan: TLS 1.2 only, two suites in server order.
SUITES12 = [  # (OpenSSL name, IANA name, code point)
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030),
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F),
]
GROUPS = ["x25519", "secp256r1"]


def project_version():
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*tlsaudit\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise h.SetupError("no project(tlsaudit VERSION x.y.z) in CMakeLists.txt")
    return m.group(1)


def out(cmd, **kw):
    return h.run(cmd, **kw).stdout.decode(errors="replace")


def parse_control(text):
    fields, key = {}, None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, val = line.split(":", 1)
            fields[key] = val.strip()
    return fields


def parse_depends(s):
    """[(name, op, version)] of a Depends field; alternatives flattened."""
    res = []
    for item in s.split(","):
        for alt in item.split("|"):
            m = re.fullmatch(r"\s*([a-z0-9][a-z0-9+.-]+)(?::any)?\s*"
                             r"(?:\((<<|<=|=|>=|>>)\s*([^)\s]+)\s*\))?\s*", alt)
            res.append((m.group(1), m.group(2), m.group(3)) if m else (alt, "?", None))
    return res


def build_deb(t, tmp):
    dest = os.path.join(tmp, "out")
    env = dict(os.environ, JOBS="2")
    t0 = time.time()
    cp = h.run(["nice", os.path.join(SRC, "scripts", "package.sh"), dest], env=env, timeout=270)
    took = time.time() - t0
    print("  INFO  scripts/package.sh took %.0f s" % took, flush=True)
    deb = cp.stdout.decode().strip().splitlines()[-1]
    return deb, dest, took


def check_cmake_install(t, build, tmp, pages):
    """`cmake --install` of the package's build dir into a DESTDIR."""
    dest = os.path.join(tmp, "destdir")
    h.run(["cmake", "--install", build, "--prefix", "/usr/local"],
          env=dict(os.environ, DESTDIR=dest))
    got = sorted(os.path.relpath(os.path.join(dp, fn), dest)
                 for dp, _, fns in os.walk(dest) for fn in fns)
    want = sorted(["usr/local/bin/tlsaudit"] + ["usr/local/share/man/man1/" + p for p in pages])
    t.list_eq("cmake --install: bin/tlsaudit and share/man/man1/*.1, nothing else", want, got)
    t.check("cmake --install: the binary is executable",
            os.access(os.path.join(dest, "usr/local/bin/tlsaudit"), os.X_OK))


def check_control(t, deb, version, arch):
    t.eq(".deb file name", "tlsaudit_%s-1_%s.deb" % (version, arch), os.path.basename(deb))
    ctl = parse_control(out(["dpkg-deb", "-f", deb]))
    t.eq("Package", "tlsaudit", ctl.get("Package"))
    t.eq("Version", version + "-1", ctl.get("Version"))
    t.eq("Architecture", arch, ctl.get("Architecture"))
    t.eq("Section", "net", ctl.get("Section"))
    t.eq("Priority", "optional", ctl.get("Priority"))
    t.check("Maintainer is 'Name <address>'",
            re.fullmatch(r"[^<>@]+ <[^<>@\s]+@[^<>@\s]+>", ctl.get("Maintainer", "")),
            "got %r" % ctl.get("Maintainer"))
    t.eq("Recommends (the system trust store)", "ca-certificates", ctl.get("Recommends"))
    t.check("no Homepage field", "Homepage" not in ctl, "got %r" % ctl.get("Homepage"))
    desc = ctl.get("Description", "").splitlines()
    t.check("Description: a synopsis and an extended description",
            len(desc) >= 3 and desc[0].strip() != "", "got %r" % desc)
    t.check("Description lines under 80 columns", all(len(l) < 80 for l in desc),
            "longest %d" % max(map(len, desc or [""])))
    return ctl


def needed_packages(t, binary):
    """The Debian packages shipping the binary's DT_NEEDED libraries."""
    multiarch = out(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).strip()
    sonames = re.findall(r"^\s*NEEDED\s+(\S+)$", out(["objdump", "-p", binary]), re.M)
    t.check("the binary needs shared libraries (DT_NEEDED)", sonames, "objdump -p found none")
    pkgs = set()
    for so in sonames:
        cp = h.run(["dpkg", "-S", "*/lib/%s/%s" % (multiarch, so)], check=False)
        owners = {line.split(":", 1)[0].split(",")[0].strip()
                  for line in cp.stdout.decode().splitlines() if ": " in line}
        if not t.check("%s: shipped by one Debian package" % so, len(owners) == 1,
                       "dpkg -S: %s %s" % (cp.stdout.decode(), cp.stderr.decode())):
            continue
        pkgs |= owners
    return pkgs


def check_depends(t, ctl, deb, binary, tmp):
    deps = parse_depends(ctl.get("Depends", ""))
    names = [d[0] for d in deps]
    t.check("Depends is well-formed", all(d[1] != "?" for d in deps),
            "got %r" % ctl.get("Depends"))
    t.set_eq("Depends == packages of the libraries the binary links",
             sorted(needed_packages(t, binary)), names)
    codename = ""
    with open("/etc/os-release") as f:
        m = re.search(r"^VERSION_CODENAME=(\S+)$", f.read(), re.M)
        codename = m.group(1) if m else ""
    t.eq("this machine is Debian 12 (the package's target)", "bookworm", codename)
    for name, op, ver in deps + parse_depends(ctl.get("Recommends", "")):
        pol = out(["apt-cache", "policy", name])
        cand = re.search(r"^\s*Candidate:\s*(\S+)", pol, re.M)
        if not t.check("%s: known to apt-cache policy" % name, cand and cand.group(1) != "(none)",
                       "apt-cache policy: %r (apt-get update not run?)" % pol):
            continue
        rows = [r.split("|") for r in out(["apt-cache", "madison", name]).splitlines()]
        vers = [r[1].strip() for r in rows
                if len(r) >= 3 and re.search(r"\s%s(-\S+)?/" % codename, r[2])]
        ok = [v for v in vers if op is None or
              h.run(["dpkg", "--compare-versions", v, {">=": "ge", ">>": "gt", "=": "eq",
                                                        "<=": "le", "<<": "lt"}[op], ver],
                    check=False).returncode == 0]
        want = " (%s %s)" % (op, ver) if op else ""
        t.check("%s%s: a version in %s" % (name, want, codename), ok,
                "versions in %s: %s" % (codename, vers))
    # As if nothing were installed: resolves every dependency from the
    # archive. Simulation only; no dpkg state or apt cache file is written.
    empty = os.path.join(tmp, "empty-dpkg-status")
    open(empty, "w").close()
    cp = h.run(["apt-get", "install", "--simulate", "-o", "Dir::State::status=" + empty,
                "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
                os.path.abspath(deb)], check=False, timeout=120)
    sim = cp.stdout.decode(errors="replace") + cp.stderr.decode(errors="replace")
    inst = set(re.findall(r"^Inst (\S+)", sim, re.M))
    t.check("apt-get install --simulate ./deb on an empty system: resolves",
            cp.returncode == 0 and "tlsaudit" in inst, sim[-3000:])
    t.check("... and installs every Depends", set(names) <= inst,
            "missing: %s" % sorted(set(names) - inst))
    print("  INFO  simulated install from nothing: %d packages" % len(inst), flush=True)


def check_contents(t, deb, root, ctrl, pages, forbidden):
    entries = []
    for line in out(["dpkg-deb", "-c", deb]).splitlines():
        f = line.split(None, 5)
        if len(f) < 6:
            t.fail("dpkg-deb -c line parses", line)
            continue
        entries.append((f[0], f[1], f[5]))
    files = {p for mode, _, p in entries if not mode.startswith("d")}
    dirs = {p.rstrip("/") for mode, _, p in entries if mode.startswith("d")}
    want = {"./usr/bin/tlsaudit"} | {"./usr/share/man/man1/%s.gz" % p for p in pages}
    t.set_eq("files: /usr/bin/tlsaudit and every docs/man page gzipped, nothing else",
             sorted(want), sorted(files))
    above = {os.path.dirname(p) for p in want}
    above = {a for p in above for a in [p] + [p[:i] for i in range(len(p)) if p[i] == "/"]
             if a not in ("", ".")}
    t.set_eq("directories: only those above the files", sorted(above), sorted(dirs))
    t.check("everything owned by root/root", all(o == "root/root" for _, o, _ in entries),
            "%r" % [e for e in entries if e[1] != "root/root"])
    modes = {p: m for m, _, p in entries}
    t.eq("/usr/bin/tlsaudit mode", "-rwxr-xr-x", modes.get("./usr/bin/tlsaudit"))
    t.check("man pages and directories 0644/0755",
            all(m == ("drwxr-xr-x" if m.startswith("d") else "-rw-r--r--")
                for p, m in modes.items() if p != "./usr/bin/tlsaudit"), "%r" % modes)
    # md5sums
    sums = {}
    with open(os.path.join(ctrl, "md5sums")) as f:
        for line in f:
            s, p = line.rstrip("\n").split(None, 1)
            sums["./" + p.strip()] = s
    t.set_eq("md5sums lists every file", sorted(files), sorted(sums))
    bad = []
    for p, s in sums.items():
        with open(os.path.join(root, p), "rb") as f:
            if hashlib.md5(f.read()).hexdigest() != s:
                bad.append(p)
    t.eq("md5sums match the unpacked files", [], bad)
    # man pages: docs/man, byte for byte
    for p in pages:
        with open(os.path.join(SRC, "docs", "man", p), "rb") as f:
            src = f.read()
        try:
            with gzip.open(os.path.join(root, "usr/share/man/man1", p + ".gz")) as f:
                got = f.read()
        except OSError as e:
            got = repr(e).encode()
        t.check("%s.gz == docs/man/%s" % (p, p), got == src)
    sections = out(["readelf", "-S", "-W", os.path.join(root, "usr/bin/tlsaudit")])
    t.check("binary stripped (no .symtab, no .debug_*)",
            ".symtab" not in sections and ".debug_" not in sections)
    # no build path anywhere in the package
    leaks = []
    for d in (root, ctrl):
        for dp, _, fns in os.walk(d):
            for fn in fns:
                with open(os.path.join(dp, fn), "rb") as f:
                    data = f.read()
                for s in forbidden:
                    if s.encode() in data:
                        leaks.append("%s holds %s" % (os.path.relpath(os.path.join(dp, fn), d), s))
    t.eq("no source, build or output path in any file or control field", [], leaks)


def verify_server(t, port):
    """The server's offer, independently of tlsaudit."""
    bad = []
    table = [c for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
             if c["since"] != "TLSv1.3"]
    acc = [c["id"] for c in table
           if h.tls_probe(port=port, version="TLSv1.2", suites=[c["id"]],
                          groups=[h.GROUP_IDS[g] for g in GROUPS]).get("suite") == c["id"]]
    if sorted(acc) != sorted(s[2] for s in SUITES12):
        bad.append("TLS 1.2 suites accepted: %s" % [hex(a) for a in acc])
    ids = [h.GROUP_IDS[g] for g in GROUPS]
    for order in ([s[2] for s in SUITES12], [s[2] for s in reversed(SUITES12)]):
        r = h.tls_probe(port=port, version="TLSv1.2", suites=order, groups=ids)
        if r.get("suite") != SUITES12[0][2]:
            bad.append("offered %s, server chose %r (not its first)" % (order, r))
    for v in ("TLSv1.1", "TLSv1.0", "SSLv3"):
        r = h.tls_probe(port=port, version=v, suites=[c["id"] for c in table], groups=ids)
        if r.get("version") == v:
            bad.append("%s accepted" % v)
    r = h.sslv2_probe("127.0.0.1", port,
                      [0x010080, 0x020080, 0x030080, 0x050080, 0x060040, 0x0700C0])
    if "server_version" in r:
        bad.append("SSLv2 SERVER-HELLO: %r" % r)
    for name, _, _ in SUITES12:
        c = h.openssl_client(port, ["-tls1_2", "-cipher", name])
        if not c["ok"] or c["cipher"] != name:
            bad.append("s_client -tls1_2 -cipher %s: %s" % (name, c["output"][-500:]))
    c = h.openssl_client(port, ["-tls1_3"])
    if c["ok"]:
        bad.append("s_client -tls1_3 succeeded")
    if bad:
        raise h.SetupError("the server is not as configured:\n" + "\n".join(bad))
    t.check("server verified (tls_probe, s_client): TLS 1.2 only, the two suites, server order",
            True)


def run_unpacked(t, exe, version, tmp):
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": tmp}
    cp = h.run([exe, "--version"], check=False, cwd=tmp, env=env)
    t.eq("tlsaudit --version", "tlsaudit " + version, cp.stdout.decode().strip())
    ids = []
    for fn in sorted(os.listdir(os.path.join(SRC, "profiles"))):
        if fn.endswith(".json"):
            import json
            with open(os.path.join(SRC, "profiles", fn)) as f:
                ids.append(json.load(f)["id"])
    cp = h.run([exe, "profiles"], check=False, cwd=tmp, env=env)
    listed = [l.split()[0] for l in cp.stdout.decode().splitlines() if l.strip()]
    t.eq("tlsaudit profiles: exit 0", 0, cp.returncode)
    t.list_eq("tlsaudit profiles lists the ids of profiles/*.json (compiled in)", ids, listed)

    srv = h.start_openssl_server(["-tls1_2", "-serverpref", "-groups", ":".join(GROUPS),
                                  "-cipher", ":".join(s[0] for s in SUITES12)])
    verify_server(t, srv.port)
    os.environ["TLSAUDIT"] = exe
    doc = h.run_tlsaudit([srv.target])
    tg = h.check_target(t, doc, "127.0.0.1", srv.port)
    t.eq("report version", version, doc.get("version"))
    h.check_protocol(t, tg, "TLSv1.2", True, suites=[s[1] for s in SUITES12], ordered=True,
                     server_order=True)
    for p in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.3"):
        h.check_protocol(t, tg, p, False)


def check_man(t, root, pages):
    env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8")
    for p in pages:
        path = os.path.join(root, "usr/share/man/man1", p + ".gz")
        cp = h.run(["man", "--warnings", "-l", path], check=False, env=env)
        text, err = cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
        head = p[:-2].upper() + "(1)"
        t.check("man -l %s.gz renders (exit 0, no warning, NAME, %s)" % (p, head),
                cp.returncode == 0 and err.strip() == "" and "\nNAME\n" in text
                and text.lstrip().startswith(head), "rc %d, stderr %r, start %r"
                % (cp.returncode, err[-1000:], text[:200]))


def main(t):
    tmp = h.tmpdir()
    version = project_version()
    arch = out(["dpkg", "--print-architecture"]).strip()
    pages = sorted(p for p in os.listdir(os.path.join(SRC, "docs", "man")) if p.endswith(".1"))
    t.check("docs/man has tlsaudit.1", "tlsaudit.1" in pages, "%r" % pages)

    deb, dest, _ = build_deb(t, tmp)
    root, ctrl = os.path.join(tmp, "root"), os.path.join(tmp, "control")
    h.run(["dpkg-deb", "-x", deb, root])
    h.run(["dpkg-deb", "-e", deb, ctrl])
    exe = os.path.join(root, "usr/bin/tlsaudit")

    ctl = check_control(t, deb, version, arch)
    check_depends(t, ctl, deb, exe, tmp)
    check_contents(t, deb, root, ctrl, pages,
                   [SRC + "/", os.path.join(dest, "build"), tmp])
    check_man(t, root, pages)
    check_cmake_install(t, os.path.join(dest, "build"), tmp, pages)
    run_unpacked(t, exe, version, tmp)


if __name__ == "__main__":
    h.run_test(main)
