#!/usr/bin/env python3
"""Cross-check tlsaudit's findings against sslscan, nmap ssl-enum-ciphers and (optionally) testssl.sh.

    sudo python3 tests/crosscheck/crosscheck.py [--with-testssl] [--scenarios a,b] [-v]

For every test server of bench/servers.py (each in its own network namespace
with only `lo` up) it runs the scanners against 127.0.0.1:443 and prints, per
protocol version, the cipher suites all tools agree on and every difference
with a best-guess reason; then DH size, groups, server order. It ends with
one line "N agreements, M differences".

This is a report, not a test: it exits 0 whatever the differences, 1 only when
a scanner crashed (killed by a signal, timed out, exit >= 126, or tlsaudit's
internal-error exit 3 / unparsable JSON), 2 on usage errors.
"""

import argparse
import json
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench"))

import servers    # noqa: E402
import scanners   # noqa: E402

TIMEOUTS = {"tlsaudit": 600, "sslscan": 600, "nmap": 900, "testssl": 2400}
OLD = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")


def out(s=""):
    print(s, flush=True)


def wrap(items, indent="      ", width=100):
    return textwrap.fill(", ".join(items), width=width, initial_indent=indent,
                         subsequent_indent=indent, break_on_hyphens=False)


class Tally:
    def __init__(self):
        self.agree = 0
        self.diff = 0


# --------------------------------------------------------------------------
# reasons


def suite_reason(tool, key, proto, sc, parsed, names, have):
    """Best guess why `tool` lacks suite `key` (a code point or a name) in `proto`."""
    p = parsed[tool]
    code = key if isinstance(key, int) else None
    n_proto = len(p["suites"].get(proto, []))
    if code is None:
        return ("the name is in no mapping table (local OpenSSL, testssl, nmap), so it may be a "
                "spelling that did not match")
    if tool == "sslscan":
        if code is not None and code not in names.openssl_codes:
            return ("sslscan's OpenSSL 3.0 lacks this suite; sslscan tests such suites only "
                    "through its own supplementary list")
        if n_proto == 0:
            return "sslscan found no suite for %s" % proto
        return "sslscan's OpenSSL knows the suite but it was not accepted in sslscan's handshakes"
    if tool == "nmap":
        if code is not None and code not in names.nmap_codes:
            return "nmap's tls.lua cipher table lacks this suite"
        if n_proto == 0:
            r = "ssl-enum-ciphers reported nothing for %s (it gave up on the version)" % proto
            if sc == "openssl-weak":
                r += "; s_server answers one connection at a time and nmap's probes time out"
            return r
        r = "ssl-enum-ciphers did not list it (it offers suites in batches; a batch lost to an error or timeout drops them)"
        if sc == "openssl-weak":
            r += "; s_server serves one connection at a time"
        return r
    if tool == "testssl":
        if code is not None and names.testssl_codes and code not in names.testssl_codes:
            return "not in testssl's cipher-mapping.txt"
        if n_proto == 0:
            return "testssl found no suite for %s" % proto
        return "testssl did not list it (it uses its OpenSSL for suites that has, raw sockets otherwise)"
    if tool == "tlsaudit":
        if not p["protocols"].get(proto):
            return "tlsaudit reports %s not offered" % proto
        notes = " ".join(p["extra"].get("notes") or [])
        if proto in OLD and ("not tried" in notes or "--exhaustive" in notes):
            return "tlsaudit's default shortcut below TLS 1.2 did not try it (--exhaustive does)"
        if p["extra"].get("incomplete", {}).get(proto):
            return "tlsaudit marks %s incomplete (failed connections?)" % proto
        return "tlsaudit missed it: check its suite registry / probe plan"
    return "?"


def group_reason(tool, g, parsed, sc):
    if tool == "sslscan" and g.startswith("ffdhe"):
        r = "sslscan tests finite-field groups only over TLS 1.3"
        gp = parsed["sslscan"]["extra"].get("groups_by_proto") or {}
        if parsed["sslscan"]["protocols"].get("TLSv1.3") and "TLSv1.3" in gp:
            r += ", and the server did not accept %s there" % g
            ta = parsed.get("tlsaudit")
            if ta and ta["extra"].get("dh_group") == g:
                r += ("; tlsaudit's dh.group is %s too: it probably counts the server's fixed TLS 1.2 "
                      "DHE parameters, which happen to be %s, as that group (check which is meant)" % (g, g))
        else:
            r += " and this server has no TLS 1.3"
        return r
    if tool == "testssl" and g.startswith("ffdhe"):
        return "testssl -f reports finite-field groups only where the server negotiates them for DHE"
    if g.upper().find("MLKEM") >= 0 or g.upper().find("KYBER") >= 0:
        return "%s (OpenSSL 3.0) cannot offer post-quantum hybrid groups" % tool
    if tool == "tlsaudit":
        return "tlsaudit did not report it"
    return "%s's group probe list lacks it or the group was not accepted in its handshake" % tool


# --------------------------------------------------------------------------
# comparison


def keyed(suites, names, codes=None):
    """{key: display} where key is the code point when known, else the upper-case name."""
    res = {}
    for s in suites:
        c = None
        if codes and s in codes:
            c = codes[s]
        if c is None:
            c = names.code(s)
        key = c if c is not None else names.canon(s).upper()
        res[key] = names.iana.get(c, names.canon(s)) if c is not None else names.canon(s)
    return res


def compare(sc, parsed, names, tally, verbose):
    tools = [t for t in parsed if parsed[t] is not None]
    if len(tools) < 2:
        out("  fewer than two tools produced results: nothing to compare")
        return

    # ---- protocol versions
    out("  protocol versions offered:")
    for proto in scanners.PROTOS:
        vals = {}
        for t in tools:
            if t == "nmap" and proto == "SSLv2":
                continue          # ssl-enum-ciphers does not test SSLv2
            if proto in parsed[t]["protocols"]:
                vals[t] = parsed[t]["protocols"][proto]
        if not vals:
            continue
        cell = ", ".join("%s %s" % (t, "yes" if v else "no") for t, v in vals.items())
        if len(set(vals.values())) == 1:
            tally.agree += 1
            out("    %-8s agree (%s)" % (proto, "offered" if list(vals.values())[0] else "not offered"))
        else:
            tally.diff += 1
            yes = [t for t, v in vals.items() if v]
            no = [t for t, v in vals.items() if not v]
            why = []
            for t in no:
                if t == "nmap":
                    why.append("nmap lists only versions it completed a suite scan for")
                elif t == "tlsaudit":
                    why.append("tlsaudit saw no handshake at %s" % proto)
                else:
                    why.append("%s did not get a handshake at %s" % (t, proto))
            if len(yes) == 1:
                why.append("only %s says offered: possible false positive" % yes[0])
            out("    %-8s DIFFERENT: %s — %s" % (proto, cell, "; ".join(why)))

    # ---- suites per version
    out("  cipher suites per version:")
    for proto in scanners.PROTOS:
        sets = {}
        for t in tools:
            if t == "nmap" and proto == "SSLv2":
                continue
            if None in parsed[t]["suites"] and not any(k for k in parsed[t]["suites"] if k):
                continue          # testssl -e style list without versions
            sets[t] = keyed(parsed[t]["suites"].get(proto, []), names,
                            parsed[t]["extra"].get("codes"))
        if not any(sets.values()):
            continue
        union = {}
        for t, d in sets.items():
            union.update(d)
        common = [k for k in union if all(k in d for d in sets.values())]
        out("    %s: %s; %d agreed by all" % (
            proto, ", ".join("%s %d" % (t, len(d)) for t, d in sets.items()), len(common)))
        tally.agree += len(common)
        if common:
            out(wrap(sorted(union[k] for k in common)))
        if verbose:
            for t, d in sets.items():
                out("      %s: %s" % (t, ", ".join(sorted(d.values())) or "-"))
        for k in sorted((k for k in union if k not in common), key=lambda k: union[k]):
            tally.diff += 1
            has = [t for t, d in sets.items() if k in d]
            lacks = [t for t, d in sets.items() if k not in d]
            reasons = [suite_reason(t, k, proto, sc, parsed, names, has) for t in lacks]
            pre = ""
            if len(has) == 1 and len(sets) > 2:
                pre = "only %s reports it (possible false positive, or the others cannot offer it); " % has[0]
            code = " (0x%04X)" % k if isinstance(k, int) else ""
            out("      - %s%s: found by %s; missing from %s — %s%s" % (
                union[k], code, ", ".join(has), ", ".join(lacks), pre,
                "; ".join("%s: %s" % (t, r) for t, r in zip(lacks, reasons))))

    # ---- DH size
    dh = {t: parsed[t]["dh_bits"] for t in tools if parsed[t]["dh_bits"]}
    if dh:
        desc = ", ".join("%s %s" % (t, "/".join(str(b) for b in sorted(v))) for t, v in dh.items())
        extra = ""
        if "tlsaudit" in parsed and parsed["tlsaudit"] and parsed["tlsaudit"]["extra"].get("dh_group"):
            extra = " (tlsaudit: group %s)" % parsed["tlsaudit"]["extra"]["dh_group"]
        tg = parsed.get("testssl") and parsed["testssl"]["extra"].get("dh_group_text")
        if tg:
            extra += " (testssl DH groups: %s)" % tg
        vals = set(frozenset(v) for v in dh.values())
        if len(vals) == 1 and len(list(vals)[0]) == 1:
            tally.agree += 1
            out("  DH size: agree, %s bits%s" % (list(list(vals)[0])[0], extra))
        else:
            tally.diff += 1
            why = "the DHE group depends on the ClientHello: "
            if sc == "gnutls-legacy":
                why += ("gnutls picks an RFC 7919 ffdhe group (2048+) when the client lists ffdhe groups "
                        "in supported_groups, even in TLS 1.2, and its --dhparams 1024-bit group otherwise")
            else:
                why += "the tools send different supported_groups lists"
            out("  DH size: DIFFERENT: %s%s — %s" % (desc, extra, why))

    # ---- groups
    enum = {t: parsed[t]["groups"] for t in tools if parsed[t]["groups"] is not None}
    if enum:
        union = set().union(*enum.values())
        if union or len(enum) > 1:
            common = sorted(g for g in union if all(g in s for s in enum.values()))
            out("  groups (%s enumerate): %d agreed by all%s" % (
                ", ".join(enum), len(common), (": " + ", ".join(common)) if common else ""))
            tally.agree += len(common)
            if "sslscan" in enum and parsed["sslscan"]["extra"].get("groups_by_proto"):
                gp = parsed["sslscan"]["extra"]["groups_by_proto"]
                out("      sslscan per version: " + "; ".join(
                    "%s %s" % (p, ",".join(v)) for p, v in sorted(gp.items())))
            for g in sorted(union - set(common)):
                tally.diff += 1
                has = [t for t, s in enum.items() if g in s]
                lacks = [t for t, s in enum.items() if g not in s]
                out("      - %s: found by %s; missing from %s — %s" % (
                    g, ", ".join(has), ", ".join(lacks),
                    "; ".join("%s: %s" % (t, group_reason(t, g, parsed, sc)) for t in lacks)))
    for t in tools:
        if t == "nmap" and parsed[t]["kx"]:
            out("  nmap key exchange per suite (negotiated, not an enumeration): %s"
                % ", ".join(sorted(parsed[t]["kx"])))

    # ---- server order (tlsaudit vs nmap)
    if "tlsaudit" in tools and "nmap" in tools:
        rows = []
        for proto in scanners.PROTOS:
            a = parsed["tlsaudit"]["order"].get(proto)
            b = parsed["nmap"]["order"].get(proto)
            if a is None or b is None:
                continue
            if a == b:
                tally.agree += 1
                rows.append("%s agree (%s)" % (proto, a))
            else:
                tally.diff += 1
                rows.append("%s DIFFERENT: tlsaudit %s, nmap %s" % (proto, a, b))
        if rows:
            out("  cipher order (tlsaudit vs nmap): " + "; ".join(rows))


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default=",".join(servers.ORDER),
                    help="comma list out of: " + ", ".join(servers.ORDER))
    ap.add_argument("--tlsaudit", default=scanners.DEFAULT_TLSAUDIT)
    ap.add_argument("--tlsaudit-args", default="", help="extra tlsaudit options, e.g. '--exhaustive'")
    ap.add_argument("--with-testssl", action="store_true",
                    help="also run testssl -E -p -f (per-version suites, groups; minutes per server)")
    ap.add_argument("--no-sslscan", action="store_true")
    ap.add_argument("--no-nmap", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print every tool's full suite list (the agreed list is always printed)")
    ap.add_argument("--workdir", help="keep raw outputs here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("crosscheck.py needs root (ip netns)", file=sys.stderr)
        return 2
    scanners.interrupt_on_signals()
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in servers.SCENARIOS:
            print("unknown scenario %r" % s, file=sys.stderr)
            return 2
    tools = ["tlsaudit"]
    if not args.no_sslscan:
        tools.append("sslscan")
    if not args.no_nmap:
        tools.append("nmap")
    if args.with_testssl:
        tools.append("testssl")
    tlsaudit = os.path.abspath(args.tlsaudit)
    if not os.access(tlsaudit, os.X_OK):
        out("NOTE: %s missing: comparing the peers only (build: cmake -S . -B build "
            "-DCMAKE_BUILD_TYPE=Release && cmake --build build -j2)" % tlsaudit)
        tools.remove("tlsaudit")
    for t in list(tools):
        if t != "tlsaudit" and not scanners.which(t):
            out("NOTE: %s not installed: skipped" % t)
            tools.remove(t)

    workdir = args.workdir or servers.new_workdir("tlsaudit-crosscheck-")
    names = scanners.SuiteNames()
    tally = Tally()
    crashed = []
    for sc in scenarios:
        out("=" * 100)
        out("%s: %s" % (sc, servers.describe(sc)))
        parsed = {}
        with servers.Netns("tlsax") as ns:
            with servers.start_server(sc, ns, workdir) as srv:
                ran = []
                for t in tools:
                    if not srv.alive():
                        out("  the server died; restarting it before %s" % t)
                        srv.stop()
                        srv = servers.start_server(sc, ns, workdir)
                    jsonfile = None
                    if t == "tlsaudit":
                        argv = scanners.tool_argv("tlsaudit", servers.HOST, servers.PORT, tlsaudit=tlsaudit)
                        if args.tlsaudit_args:
                            argv = argv[:2] + args.tlsaudit_args.split() + argv[2:]
                    elif t == "testssl":
                        jsonfile = os.path.join(workdir, "out", sc, "testssl.json")
                        os.makedirs(os.path.dirname(jsonfile), exist_ok=True)
                        if os.path.exists(jsonfile):
                            os.unlink(jsonfile)
                        argv = scanners.tool_argv("testssl-perproto", servers.HOST, servers.PORT,
                                                  jsonfile=jsonfile)
                    else:
                        argv = scanners.tool_argv(t, servers.HOST, servers.PORT)
                    res = scanners.measured_run(ns, argv, os.path.join(workdir, "out", sc), t,
                                                timeout=TIMEOUTS[t])
                    crash = res.crashed() or (t == "tlsaudit" and res.exit == 3)
                    p = None
                    if not crash:
                        if t == "testssl":
                            doc = None
                            try:
                                with open(jsonfile) as fh:
                                    doc = json.load(fh)
                            except (OSError, ValueError):
                                pass
                            p = scanners.parse_testssl(res.stdout, doc)
                        else:
                            p = scanners.PARSERS[t](res.stdout)
                        if t == "tlsaudit":
                            if "unparsable" in str(p["extra"].get("error") or ""):
                                crash = True
                            else:
                                _tlsaudit_extras(p, res.stdout)
                    if crash:
                        crashed.append("%s/%s" % (sc, t))
                        out("  %s CRASHED: exit %s %s; stderr: %s" % (
                            t, res.exit, res.error or "", res.stderr.strip()[-300:]))
                        p = None
                    parsed[t] = p
                    ran.append("%s %s conns %.1fs%s" % (
                        t, res.active, res.wall or 0,
                        "" if res.exit in (0, None) else " exit %s" % res.exit))
                out("  ran: " + "; ".join(ran))
                if parsed.get("tlsaudit") and parsed["tlsaudit"]["extra"].get("status") == "error":
                    out("  tlsaudit status error: %s" % parsed["tlsaudit"]["extra"].get("error"))
                compare(sc, parsed, names, tally, args.verbose)
    out("=" * 100)
    if crashed:
        out("crashed: " + ", ".join(crashed))
    out("raw outputs: %s" % workdir)
    out("%d agreements, %d differences" % (tally.agree, tally.diff))
    return 1 if crashed else 0


def _tlsaudit_extras(p, text):
    """Pick up tlsaudit JSON fields beyond the minimal contract (notes, completeness, code points)."""
    try:
        t = json.loads(text)["targets"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return
    p["extra"]["notes"] = t.get("notes") or []
    inc = {}
    codes = {}
    for proto, v in (t.get("protocols") or {}).items():
        if isinstance(v, dict):
            if v.get("complete") is False:
                inc[proto] = True
            for d in v.get("cipher_suite_details") or []:
                try:
                    codes[d["iana"]] = int(d["id"], 16)
                except (KeyError, ValueError, TypeError):
                    pass
    p["extra"]["incomplete"] = inc
    if codes:
        p["extra"]["codes"] = codes


if __name__ == "__main__":
    sys.exit(main())
