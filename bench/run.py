#!/usr/bin/env python3
"""Benchmark tlsaudit against sslscan, nmap ssl-enum-ciphers and testssl.sh.

    sudo python3 bench/run.py [--runs 3] [--testssl-runs 1] [--full] [--scenarios a,b] [--tools x,y]

Starts each test server (bench/servers.py) in its own network namespace with
only `lo` up, runs every scanner against the server's 127.0.0.1 port inside
that namespace N times (testssl --testssl-runs times), and rewrites
bench/RESULTS.md. See bench/README.md.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import servers    # noqa: E402
import scanners   # noqa: E402
import fleet      # noqa: E402

REPO = os.path.dirname(HERE)
TOOLS = ["tlsaudit", "tlsaudit-novuln", "sslscan", "nmap", "testssl"]
TIMEOUTS = {"tlsaudit": 600, "tlsaudit-novuln": 600, "sslscan": 600, "nmap": 900, "testssl": 1800, "testssl-full": 3600}
PEERS_LABEL = {
    "tlsaudit": "tlsaudit scan --format json",
    "tlsaudit-novuln": "tlsaudit scan --format json --no-vuln",
    "sslscan": "sslscan --no-colour",
    "nmap": "nmap -n -Pn -p PORT --script ssl-enum-ciphers",
    "testssl": "testssl -e -p --quiet --color 0 --warnings batch",
    "testssl-full": "testssl --quiet --color 0 --warnings batch (all default checks)",
}
OUTCOMES = ["hello", "HRR", "alert", "closed", "timeout", "connect failed", "garbage",
            "SSLv2 hello", "SSLv2 error", "STARTTLS failed", "internal"]
TRACE_CONN = re.compile(r"^trace:\s+(\d+) ms (\S+):(\d+) (.+?)\s+(?:tag=0x[0-9a-f]+ )?outcome=(-?\d+) alert=(-?\d+) "
                        r"suite=0x([0-9a-fA-F]+)")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# tlsaudit build


def build_tlsaudit(workdir):
    """Configure and build as the project documents. Returns (ok, message)."""
    blog = os.path.join(workdir, "tlsaudit-build.log")
    build = os.path.join(REPO, "build")
    steps = [["cmake", "-S", REPO, "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
             ["cmake", "--build", build, "-j2"]]
    with open(blog, "w") as fh:
        for argv in steps:
            fh.write("$ %s\n" % " ".join(argv))
            fh.flush()
            try:
                r = subprocess.run(argv, stdout=fh, stderr=subprocess.STDOUT, timeout=1800)
            except (OSError, subprocess.TimeoutExpired) as e:
                return False, "%s: %s" % (" ".join(argv[:2]), e), blog
            if r.returncode != 0:
                return False, "`%s` exited %d" % (" ".join(argv), r.returncode), blog
    return True, "built", blog


def tail(path, n=8):
    try:
        with open(path, errors="replace") as fh:
            return fh.read().splitlines()[-n:]
    except OSError:
        return []


# --------------------------------------------------------------------------
# machine


def machine_info():
    info = {"nproc": os.cpu_count(), "cpu": "?", "mem": "?", "kernel": platform.release(),
            "os": "?", "python": platform.python_version()}
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout)
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    info["mem"] = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    except OSError:
        pass
    try:
        with open("/etc/os-release") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
        with open("/etc/debian_version") as fh:
            info["os"] += " (%s)" % fh.read().strip()
    except OSError:
        pass
    return info


def loadavg():
    try:
        with open("/proc/loadavg") as fh:
            return float(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def server_cpu(pgids):
    """CPU (s) of the server's process groups: utime+stime of their live processes plus
    cutime+cstime (their reaped children: Exim's and PostgreSQL's per-connection
    processes). A reaped process is counted once, in its reaper's cutime."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    pgids = set(pgids)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                st = fh.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15, cutime 16, cstime 17
        if int(fields[2]) in pgids:
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / tck


def trace_summary(text):
    """TLSAUDIT_TRACE=1 stderr -> {"conns": [(ms, label, outcome, alert, suite)], "offers": n,
    "orders": [lines]}; a connection line is printed when the exchange completes."""
    conns, offers, orders = [], 0, []
    for line in text.splitlines():
        m = TRACE_CONN.match(line)
        if m:
            conns.append((int(m.group(1)), m.group(4).strip(), int(m.group(5)), int(m.group(6)),
                          int(m.group(7), 16)))
        elif line.startswith("trace: offer "):
            offers += 1
        elif line.startswith("trace: order "):
            orders.append(line[len("trace: order "):].strip())
    return {"conns": conns, "offers": offers, "orders": orders}


# --------------------------------------------------------------------------
# formatting


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fnum(v, digits=2):
    if v is None:
        return "–"
    if digits == 0:
        return str(int(v)) if v == int(v) else "%.1f" % v
    return ("%%.%df" % digits) % v


def rng(vals):
    if len(vals) < 2:
        return ""
    return " (%s–%s)" % (fnum(min(vals)), fnum(max(vals)))


def ratio(peer, base):
    if peer is None or base is None or base == 0:
        return "n/a"
    return "%.1f×" % (peer / base) if peer / base < 100 else "%.0f×" % (peer / base)


def count_cell(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return "–"
    m = statistics.median(vals)
    s = str(int(m)) if m == int(m) else "%.1f" % m
    if min(vals) != max(vals):
        s += " (%d–%d)" % (min(vals), max(vals))
    return s


# --------------------------------------------------------------------------
# main


def main():
    if any(a == "--fleet" or a.startswith("--fleet=") for a in sys.argv[1:]):
        # the fleet scenario (bench/fleet.py): N endpoints of one nginx in one run
        return fleet.main(sys.argv[1:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per tool and scenario (median is reported)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured runs of tlsaudit, sslscan and nmap before measuring (default 1)")
    ap.add_argument("--testssl-runs", type=int, default=1,
                    help="runs of testssl -e -p per scenario (default 1: ~1.5-6 min each; "
                         "at most --runs)")
    ap.add_argument("--full", action="store_true", help="also time a full default testssl run")
    ap.add_argument("--full-runs", type=int, default=1, help="runs of the full testssl (default 1)")
    ap.add_argument("--no-trace", action="store_true",
                    help="skip the extra, unmeasured TLSAUDIT_TRACE=1 run of tlsaudit per scenario")
    ap.add_argument("--scenarios", default=",".join(servers.ALL_ORDER),
                    help="comma list out of: " + ", ".join(servers.ALL_ORDER))
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma list out of: " + ", ".join(TOOLS))
    ap.add_argument("--tlsaudit", default=scanners.DEFAULT_TLSAUDIT, help="tlsaudit binary")
    ap.add_argument("--no-build", action="store_true", help="do not try to build a missing tlsaudit")
    ap.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--workdir", help="keep outputs here (default: a temp dir, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir with every raw output")
    ap.add_argument("--json", help="also write every measurement to this JSON file")
    ap.add_argument("--render-from", metavar="JSON",
                    help="measure nothing: rewrite --output from a file written by --json")
    ap.add_argument("--fleet", metavar="N,N",
                    help="run the fleet scenario instead (bench/fleet.py; its options apply): "
                         "N endpoints of one nginx in one tlsaudit run, e.g. 1000,10000")
    args = ap.parse_args()

    if args.render_from:
        return render_from(args)
    if os.geteuid() != 0:
        sys.exit("run.py needs root (ip netns)")
    scanners.interrupt_on_signals()
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in servers.ALL_ORDER:
            sys.exit("unknown scenario %r" % s)
    args.testssl_runs = max(0, min(args.testssl_runs, args.runs))
    tools = [t for t in args.tools.split(",") if t]
    if args.full and "testssl-full" not in tools:
        tools.append("testssl-full")
    for t in tools:
        if t not in TIMEOUTS:
            sys.exit("unknown tool %r" % t)
    if not os.path.exists(scanners.GNU_TIME):
        sys.exit("%s missing: apt-get install time" % scanners.GNU_TIME)

    workdir = args.workdir or servers.new_workdir()
    os.makedirs(workdir, exist_ok=True)
    keep = args.keep or bool(args.workdir)
    log("work dir:", workdir)

    # tlsaudit: use, build, or mark missing
    tlsaudit = os.path.abspath(args.tlsaudit)
    tls_note = None
    if any(t.startswith("tlsaudit") for t in tools) and not os.access(tlsaudit, os.X_OK):
        if not args.no_build and tlsaudit == scanners.DEFAULT_TLSAUDIT:
            log("building tlsaudit ...")
            ok, msg, blog = build_tlsaudit(workdir)
            if not (ok and os.access(tlsaudit, os.X_OK)):
                tls_note = "tlsaudit missing: build failed (%s). Last lines of the build log:\n\n    %s" % (
                    msg, "\n    ".join(tail(blog)) or "(empty)")
                keep = True
        else:
            tls_note = "tlsaudit missing: %s is not an executable" % tlsaudit
    tls_build = None
    if any(t.startswith("tlsaudit") for t in tools) and not tls_note:
        # others rebuild build/tlsaudit while this runs: measure a private copy
        snap = os.path.join(workdir, "tlsaudit")
        shutil.copy2(tlsaudit, snap)
        with open(snap, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:12]
        tls_build = "binary of %s UTC, sha256 %s…" % (
            datetime.datetime.fromtimestamp(os.path.getmtime(tlsaudit), datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M"), digest)
        tlsaudit = snap
    available = {t: True for t in tools}
    if tls_note:
        for t in tools:
            if t.startswith("tlsaudit"):
                available[t] = False
        log(tls_note)
    for t in tools:
        exe = {"testssl-full": "testssl"}.get(t, t)
        if not t.startswith("tlsaudit") and not scanners.which(exe):
            available[t] = False
            log("%s not installed: skipped" % exe)

    names = scanners.SuiteNames()
    versions = scanners.tool_versions(tlsaudit)
    started = datetime.datetime.now(datetime.timezone.utc)
    data = {}      # scenario -> tool -> list of dicts
    notes = []
    load = {}
    traces = {}    # scenario -> trace_summary of the unmeasured TLSAUDIT_TRACE=1 run
    startup = {}   # scenario -> seconds until the server listened
    for sc in scenarios:
        data[sc] = {t: [] for t in tools}
        load[sc] = [loadavg(), None]
        tg = servers.target(sc)
        with servers.Netns("tlsab") as ns:
            t_start = time.time()
            try:
                srv = servers.start_server(sc, ns, workdir)
            except RuntimeError as e:
                log(str(e))
                notes.append("%s: the server did not start, nothing measured:\n\n    %s"
                             % (sc, "\n    ".join(str(e).splitlines()[-12:])))
                continue
            startup[sc] = time.time() - t_start
            log("%-18s server up after %.1fs" % (sc, startup[sc]))
            try:
                # unmeasured warm-up of the quick tools (page cache, the server's first handshakes)
                for tool in tools:
                    if available[tool] and not tool.startswith("testssl"):
                        for i in range(args.warmup):
                            servers.settle(srv)
                            scanners.measured_run(
                                ns, scanners.target_argv(tool, tg, tlsaudit=tlsaudit),
                                os.path.join(workdir, "out", sc), "%s-warmup%d" % (tool, i + 1),
                                timeout=TIMEOUTS[tool])
                for rnd in range(max(args.runs, args.full_runs if args.full else 0)):
                    for tool in tools:
                        if not available[tool]:
                            continue
                        nruns = {"testssl-full": args.full_runs,
                                 "testssl": args.testssl_runs}.get(tool, args.runs)
                        if rnd >= nruns:
                            continue
                        if not srv.alive():
                            notes.append("%s: the server died before %s run %d and was restarted:\n\n    %s"
                                         % (sc, tool, rnd + 1, "\n    ".join(srv.log_tail(5).splitlines())))
                            srv.stop()
                            srv = servers.start_server(sc, ns, workdir)
                        argv = scanners.target_argv(tool, tg, tlsaudit=tlsaudit)
                        waited = servers.settle(srv)
                        if waited > 1:
                            log("%-18s waited %.1fs for the server to be idle" % (sc, waited))
                        cpu0 = server_cpu(srv.pgids)
                        ref0 = srv.refusals() if hasattr(srv, "refusals") else None
                        res = scanners.measured_run(ns, argv, os.path.join(workdir, "out", sc),
                                                    "%s-%d" % (tool, rnd + 1), timeout=TIMEOUTS[tool])
                        scpu = server_cpu(srv.pgids) - cpu0
                        ref1 = srv.refusals() if ref0 is not None else None
                        parsed = scanners.PARSERS[tool](res.stdout)
                        distinct, pairs = scanners.suite_counts(parsed, names)
                        per_proto = {p: len(set(names.canon(s).upper() for s in parsed["suites"].get(p, [])))
                                     for p in scanners.PROTOS}
                        pairset = sorted(set("%s %s" % (p, names.canon(x)) for p, lst in parsed["suites"].items()
                                             if p is not None for x in lst))
                        rec = res.as_dict()
                        rec.update(cpu=res.cpu, server_cpu=scpu, distinct=distinct, pairs=pairs,
                                   per_proto=per_proto, pairset=pairset,
                                   refusals=None if ref0 is None or ref1 is None else ref1 - ref0,
                                   offered=[p for p in scanners.PROTOS if parsed["protocols"].get(p)],
                                   self_conns=parsed["extra"].get("connections") if tool.startswith("tlsaudit") else None,
                                   failed_conns=parsed["extra"].get("failed_connections")
                                   if tool.startswith("tlsaudit") else None,
                                   ok=not res.crashed() and res.error is None)
                        if tool.startswith("tlsaudit") and parsed["extra"].get("error"):
                            rec["tool_error"] = parsed["extra"]["error"]
                        data[sc][tool].append(rec)
                        log("%-18s %-13s run %d: %6.2fs wall %6.2fs cpu %7.1f MiB conns %s/%s "
                            "suites %s pairs %s exit %s%s%s"
                            % (sc, tool, rnd + 1, res.wall or 0, res.cpu or 0,
                               (res.maxrss_kb or 0) / 1024, res.active, res.passive, distinct, pairs,
                               res.exit, " ERROR " + res.error if res.error else "",
                               "" if rec["refusals"] is None else " refusals %d" % rec["refusals"]))
                if available.get("tlsaudit") and "tlsaudit" in tools and not args.no_trace:
                    # one more, unmeasured run that says where tlsaudit's connections went
                    servers.settle(srv)
                    res = scanners.measured_run(
                        ns, ["env", "TLSAUDIT_TRACE=1"] + scanners.target_argv("tlsaudit", tg, tlsaudit=tlsaudit),
                        os.path.join(workdir, "out", sc), "tlsaudit-trace", timeout=TIMEOUTS["tlsaudit"])
                    traces[sc] = trace_summary(res.stderr)
                    traces[sc].update(wall=res.wall, active=res.active, passive=res.passive)
                    log("%-18s tlsaudit trace: %.2fs, %s conns, %d traced"
                        % (sc, res.wall or 0, res.active, len(traces[sc]["conns"])))
            finally:
                srv.stop()
        load[sc][1] = loadavg()
    finished = datetime.datetime.now(datetime.timezone.utc)

    argv = []
    skip = False
    for a in sys.argv[1:]:      # the command line, without --json (not part of the method)
        if skip:
            skip = False
        elif a == "--json":
            skip = True
        elif not a.startswith("--json="):
            argv.append(a)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"argv": argv, "args": {k: getattr(args, k) for k in (
                "runs", "testssl_runs", "warmup", "full", "full_runs", "no_trace")},
                "scenarios": scenarios, "tools": tools, "available": available, "data": data,
                "notes": notes, "versions": versions, "tls_note": tls_note,
                "started": started.isoformat(), "finished": finished.isoformat(),
                "workdir": workdir if keep else None, "tls_build": tls_build, "load": load,
                "traces": traces, "startup": startup}, fh, indent=1)
        log("wrote", args.json)
    md = render(args, scenarios, tools, available, data, notes, versions, tls_note,
                started, finished, workdir if keep else None, tls_build, load, traces, startup,
                argv=argv)
    md = fleet.keep_section(args.output, md)    # the Fleet section comes from bench/fleet.py
    with open(args.output, "w") as fh:
        fh.write(md)
    log("wrote", args.output)
    if not keep:
        subprocess.run(["rm", "-rf", workdir])
    else:
        log("raw outputs kept in", workdir)


def render_from(args):
    """Rewrite RESULTS.md from the JSON of an earlier run (--json)."""
    with open(args.render_from) as fh:
        d = json.load(fh)
    for k, v in d["args"].items():
        setattr(args, k, v)
    md = render(args, d["scenarios"], d["tools"], d["available"], d["data"], d["notes"],
                d["versions"], d["tls_note"], datetime.datetime.fromisoformat(d["started"]),
                datetime.datetime.fromisoformat(d["finished"]), d["workdir"], d["tls_build"],
                d["load"], d["traces"], d["startup"], argv=d["argv"])
    md = fleet.keep_section(args.output, md)
    with open(args.output, "w") as fh:
        fh.write(md)
    log("wrote", args.output, "from", args.render_from)


def scenario_stats(sc, tools, available, data):
    stats = {}
    for t in tools:
        recs = [r for r in data.get(sc, {}).get(t, []) if r["ok"]]
        allr = data.get(sc, {}).get(t, [])
        if not available.get(t):
            stats[t] = None
            continue
        stats[t] = {
            "wall_r": [r["wall"] for r in recs if r["wall"] is not None],
            "cpu_r": [r["cpu"] for r in recs if r["cpu"] is not None],
            "wall": med([r["wall"] for r in recs]),
            "cpu": med([r["cpu"] for r in recs]),
            "rss": med([r["maxrss_kb"] / 1024 if r["maxrss_kb"] is not None else None for r in recs]),
            "conns": med([r["active"] for r in recs]),
            "conns_r": [r["active"] for r in recs if r["active"] is not None],
            "passive": med([r["passive"] for r in recs]),
            "server_cpu": med([r["server_cpu"] for r in recs]),
            "distinct": [r["distinct"] for r in recs],
            "pairs": [r["pairs"] for r in recs],
            "offered": sorted(set(p for r in recs for p in r["offered"]), key=scanners.PROTOS.index),
            "pairset": recs[-1]["pairset"] if recs else None,
            "nok": len(recs), "n": len(allr),
        }
    return stats


def pair_diff(a, b):
    """(only in a, only in b) of two sorted 'VERSION SUITE' lists."""
    sa, sb = set(a or []), set(b or [])
    return sorted(sa - sb, key=_pair_key), sorted(sb - sa, key=_pair_key)


def _pair_key(p):
    v, _, s = p.partition(" ")
    return (scanners.PROTOS.index(v) if v in scanners.PROTOS else 99, s)


def _fmt_pairs(lst, limit=10):
    out = ", ".join(lst[:limit])
    if len(lst) > limit:
        out += ", … (%d in all)" % len(lst)
    return out


def agreement(stats, peer):
    """Short text: do tlsaudit's (version, suite) pairs equal the peer's (last good runs)?"""
    a, b = (stats.get("tlsaudit") or {}).get("pairset"), (stats.get(peer) or {}).get("pairset")
    if a is None or b is None:
        return None, "n/a"
    only_a, only_b = pair_diff(a, b)
    if not only_a and not only_b:
        return True, "same %d pairs" % len(a)
    return False, "tlsaudit only %d, %s only %d" % (len(only_a), peer, len(only_b))


def render(args, scenarios, tools, available, data, notes, versions, tls_note,
           started, finished, workdir, tls_build=None, load=None, traces=None, startup=None,
           argv=None):
    mi = machine_info()
    traces = traces or {}
    startup = startup or {}
    L = []
    w = L.append
    w("# tlsaudit benchmark results")
    w("")
    w("Generated by `python3 bench/run.py%s` — regenerate rather than edit. "
      "Method and caveats: [README.md](README.md)."
      % ("".join(" " + a for a in (sys.argv[1:] if argv is None else argv))))
    w("")
    w("- Date: %s – %s UTC (%.0f min)" % (started.strftime("%Y-%m-%d %H:%M"), finished.strftime("%H:%M"),
                                          (finished - started).total_seconds() / 60))
    w("- Machine: %s CPUs (`nproc`), %s, %s RAM; %s; kernel %s; Python %s"
      % (mi["nproc"], mi["cpu"], mi["mem"], mi["os"], mi["kernel"], mi["python"]))
    w("- Runs: %d per tool and scenario, median reported; testssl: %d run(s) per scenario "
      "(`--testssl-runs`)%s; %d unmeasured warm-up run(s) of tlsaudit, sslscan and nmap per "
      "scenario first%s"
      % (args.runs, args.testssl_runs,
         "; full testssl: %d run(s)" % args.full_runs if args.full else "", args.warmup,
         "" if args.no_trace else "; then one unmeasured `TLSAUDIT_TRACE=1` run of tlsaudit"))
    w("- Target: the server's port on 127.0.0.1 inside a fresh network namespace per scenario "
      "(only `lo` up): 443 for HTTPS-like servers, the service's standard port otherwise; "
      "server and scanner share the machine's cores")
    w("")
    w("## Tools")
    w("")
    w("| tool | version | command |")
    w("|---|---|---|")
    tv = {"tlsaudit": "%s (%s)" % (versions.get("tlsaudit"), tls_build) if tls_build else versions.get("tlsaudit"),
          "sslscan": "%s (%s)" % (versions.get("sslscan"), versions.get("sslscan-openssl")),
          "tlsaudit-novuln": "the same binary",
          "nmap": "%s (ssl-enum-ciphers NSE)" % versions.get("nmap"),
          "testssl": "%s (%s)" % (versions.get("testssl"), versions.get("testssl-openssl")),
          "testssl-full": "%s (%s)" % (versions.get("testssl"), versions.get("testssl-openssl"))}
    for t in tools:
        w("| %s | %s | `%s` |" % (t, tv.get(t) if available.get(t) else "missing", PEERS_LABEL[t]))
    w("")
    w("Each scenario lists its exact command lines (the STARTTLS and SNI options differ).")
    w("")
    if any(sc in servers.SCENARIOS for sc in scenarios):
        w("Servers of the first four scenarios: nginx %s, %s, gnutls-serv %s; the others name "
          "their versions in their own section."
          % (servers.server_version("nginx"), " ".join(versions.get("openssl", "").split()[:2]),
             servers.server_version("gnutls-serv")))
        w("")
    if tls_note:
        w("> **%s**" % tls_note.split("\n")[0])
        rest = tls_note.split("\n")[1:]
        for line in rest:
            w(line)
        w("")
    w("Columns: wall = elapsed time; CPU = user+sys of the scanner and every child it waited for; "
      "RSS = largest resident set of any single process of the scanner's tree; "
      "conns = TCP connections the scanner opened (TcpActiveOpens delta in the namespace), with the "
      "server's accepted count (TcpPassiveOpens) in brackets when it differs; "
      "server CPU = CPU the server processes (and their reaped children) used during the run; "
      "× = peer / tlsaudit (above 1: the peer needs more). "
      "Suites = distinct cipher suites found; pairs = (version, suite) pairs, "
      "'–' when the tool does not list suites per version (testssl -e). "
      "Wall and CPU show the median with the range over the runs in brackets; "
      "a count with a range in brackets varied between runs.")
    w("")
    allstats = {sc: scenario_stats(sc, tools, available, data) for sc in scenarios}

    # ---- summary: the criterion, tlsaudit against sslscan
    if "tlsaudit" in tools and "sslscan" in tools:
        w("## Summary: tlsaudit against sslscan")
        w("")
        w("Medians of the runs below. \"wall ≤\" and \"fewer conns\" compare tlsaudit with "
          "sslscan; \"pairs\" compares the (version, suite) pairs of the last good run of each "
          "tool with tlsaudit's (details in each section). The \"--no-vuln\" columns are "
          "tlsaudit without its active vulnerability probes (Heartbleed before and after the "
          "handshake, CCS injection, Ticketbleed, ROBOT with five connections a TLS_RSA suite, "
          "downgrade, intolerance), which neither sslscan nor nmap runs (sslscan tests "
          "Heartbleed only).")
        w("")
        w("| scenario | tlsaudit wall s | sslscan wall s | wall ≤ | tlsaudit conns | sslscan conns "
          "| fewer conns | --no-vuln wall s | --no-vuln conns | tlsaudit pairs | sslscan pairs "
          "| nmap pairs | vs sslscan | vs nmap |")
        w("|---|---:|---:|:-:|---:|---:|:-:|---:|---:|---:|---:|---:|---|---|")
        for sc in scenarios:
            st = allstats[sc]
            a, b, nv = st.get("tlsaudit"), st.get("sslscan"), st.get("tlsaudit-novuln")
            if not a or not b or not a["nok"] or not b["nok"]:
                w("| %s | %s | %s | n/a | | | n/a | | | | | | | |" % (
                    sc, fnum(a and a["wall"]), fnum(b and b["wall"])))
                continue
            nv = nv if nv and nv["nok"] else None
            le = "yes" if a["wall"] <= b["wall"] else "**no**"
            fc = "yes" if a["conns"] < b["conns"] else "**no**"
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                sc, fnum(a["wall"]), fnum(b["wall"]), le, fnum(a["conns"], 0), fnum(b["conns"], 0), fc,
                fnum(nv and nv["wall"]), fnum(nv and nv["conns"], 0), count_cell(a["pairs"]), count_cell(b["pairs"]),
                count_cell((st.get("nmap") or {}).get("pairs") or []),
                agreement(st, "sslscan")[1], agreement(st, "nmap")[1] if st.get("nmap") else "n/a"))
        w("")

    for sc in scenarios:
        w("## %s" % sc)
        w("")
        w(servers.describe(sc))
        w("")
        tg = servers.target(sc)
        w("Command lines (inside the namespace; `ip netns exec NS /usr/bin/time ...` around each):")
        w("")
        for t in tools:
            argv = scanners.target_argv(t, tg, tlsaudit="tlsaudit")
            w("- `%s`" % " ".join(argv))
        w("")
        if sc in startup:
            w("Server start-up: %.1f s (not measured)." % startup[sc])
            w("")
        la = (load or {}).get(sc)
        if la and la[0] is not None:
            w("1-minute load average: %.2f at the start, %.2f at the end (%s CPUs)."
              % (la[0], la[1] if la[1] is not None else float("nan"), mi["nproc"]))
            if max(x for x in la if x is not None) > 0.5 * (mi["nproc"] or 1):
                notes.append("%s: the machine was busy with other work (load average up to %.1f on %s CPUs): "
                             "wall and CPU times are noisy; connection and suite counts are not affected"
                             % (sc, max(x for x in la if x is not None), mi["nproc"]))
            w("")
        if sc not in data:
            w("Not measured (see Notes).")
            w("")
            continue
        w("| tool | wall s | CPU s | peak RSS MiB | conns | wall × | CPU × | RSS × | conns × "
          "| server CPU s | suites | pairs | versions offered | runs ok |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        stats = allstats[sc]
        base = stats.get("tlsaudit")
        for t in tools:
            s = stats.get(t)
            if s is None:
                w("| %s | missing | | | | | | | | | | | | 0/0 |" % t)
                continue
            conns = fnum(s["conns"], 0)
            if s["conns_r"] and min(s["conns_r"]) != max(s["conns_r"]):
                conns += " (%d–%d)" % (min(s["conns_r"]), max(s["conns_r"]))
            if s["passive"] is not None and s["conns"] is not None and s["passive"] != s["conns"]:
                conns += " (%s)" % fnum(s["passive"], 0)
            if t == "tlsaudit" or base is None:
                rs = ["1.0×"] * 4 if t == "tlsaudit" and base and base["nok"] else ["n/a"] * 4
            else:
                rs = [ratio(s["wall"], base["wall"]), ratio(s["cpu"], base["cpu"]),
                      ratio(s["rss"], base["rss"]), ratio(s["conns"], base["conns"])]
            pairs = "–" if all(p is None for p in s["pairs"]) else count_cell(s["pairs"])
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |"
              % (t, fnum(s["wall"]) + rng(s["wall_r"]), fnum(s["cpu"]) + rng(s["cpu_r"]),
                 fnum(s["rss"], 1), conns,
                 rs[0], rs[1], rs[2], rs[3], fnum(s["server_cpu"]),
                 count_cell(s["distinct"]), pairs, " ".join(x.replace("TLSv", "") for x in s["offered"])
                 or "–", s["nok"], s["n"]))
        w("")
        # per version coverage, from the last good run of each tool
        w("Suites per version (last good run):")
        w("")
        w("| tool | " + " | ".join(scanners.PROTOS) + " |")
        w("|---|" + "---:|" * len(scanners.PROTOS))
        for t in tools:
            recs = [r for r in data[sc].get(t, []) if r["ok"]]
            if not recs:
                continue
            pp = recs[-1]["per_proto"]
            if all(v == 0 for v in pp.values()) and recs[-1]["distinct"]:
                w("| %s | %s |" % (t, " | ".join(["–"] * len(scanners.PROTOS))))
            else:
                w("| %s | %s |" % (t, " | ".join(str(pp[p]) for p in scanners.PROTOS)))
        w("")
        # agreement of the (version, suite) pairs with tlsaudit's
        if base and base["pairset"] is not None:
            lines = []
            for t in tools:
                if t == "tlsaudit" or not stats.get(t) or stats[t]["pairset"] is None:
                    continue
                if all(p is None for p in stats[t]["pairs"]):
                    continue   # testssl -e: no versions
                only_a, only_b = pair_diff(base["pairset"], stats[t]["pairset"])
                if not only_a and not only_b:
                    lines.append("- %s: the same %d pairs" % (t, len(base["pairset"])))
                else:
                    txt = "- %s: differs" % t
                    if only_a:
                        txt += "; only tlsaudit: %s" % _fmt_pairs(only_a)
                    if only_b:
                        txt += "; only %s: %s" % (t, _fmt_pairs(only_b))
                    lines.append(txt)
            if lines:
                w("(version, suite) pairs against tlsaudit's (last good run of each):")
                w("")
                L.extend(lines)
                w("")
        refs = {t: [r["refusals"] for r in data[sc].get(t, []) if r.get("refusals") is not None]
                for t in tools}
        if any(refs.values()):
            w("Connections the server refused as busy (Exim's main log, \"too many connections\", "
              "421) per run: %s." % "; ".join("%s %s" % (t, "/".join(map(str, v)))
                                            for t, v in refs.items() if v))
            fc = [r.get("failed_conns") for r in data[sc].get("tlsaudit", []) if r.get("ok")]
            if any(x is not None for x in fc):
                w("tlsaudit's own `failed_connections` per run: %s." % "/".join(map(str, fc)))
            w("")
        tr = traces.get(sc)
        if tr:
            render_trace(w, tr)
        # notes for this scenario
        for t in tools:
            allr = data[sc].get(t, [])
            for i, r in enumerate(allr):
                if not r["ok"]:
                    notes.append("%s / %s run %d failed: exit %s%s" % (
                        sc, t, i + 1, r["exit"], ", " + r["error"] if r["error"] else ""))
                if r.get("tool_error"):
                    notes.append("%s / tlsaudit run %d reported an error: %s" % (sc, i + 1, r["tool_error"]))
            good = [r for r in allr if r["ok"]]
            if len(set(r["distinct"] for r in good)) > 1:
                notes.append("%s / %s found a different number of suites across runs: %s"
                             % (sc, t, ", ".join(str(r["distinct"]) for r in good)))
            diffs = set((r["active"] or 0) - (r["passive"] or 0) for r in good)
            if diffs and diffs != {0}:
                notes.append("%s / %s: TcpActiveOpens exceeded TcpPassiveOpens by %s per run — "
                             "connection attempts that never reached the server (see README)"
                             % (sc, t, "/".join(str(d) for d in sorted(diffs))))
            if t.startswith("tlsaudit"):
                sc_conns = set(r["self_conns"] for r in good if r["self_conns"] is not None)
                meas = set(r["active"] for r in good)
                if sc_conns and sc_conns != meas:
                    notes.append("%s / %s reports %s connections in its JSON, the namespace "
                                 "counted %s" % (sc, t, "/".join(map(str, sorted(sc_conns))),
                                                 "/".join(map(str, sorted(meas)))))
    w("## Notes")
    w("")
    if not notes:
        w("Nothing unusual was detected.")
    for n in notes:
        w("- " + n)
    w("")
    w("## Raw runs")
    w("")
    w("<details><summary>every run (wall s / CPU s / RSS MiB / active / passive / suites / exit)</summary>")
    w("")
    w("| scenario | tool | run | wall | CPU | RSS | active | passive | server CPU | suites | pairs | exit |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for sc in scenarios:
        for t in tools:
            for i, r in enumerate(data.get(sc, {}).get(t, [])):
                w("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    sc, t, i + 1, fnum(r["wall"]), fnum(r["cpu"]),
                    fnum(r["maxrss_kb"] / 1024 if r["maxrss_kb"] is not None else None, 1),
                    r["active"], r["passive"], fnum(r["server_cpu"]), r["distinct"],
                    "–" if r["pairs"] is None else r["pairs"],
                    ("%s" % r["exit"]) + (" " + r["error"] if r["error"] else "")))
    w("")
    w("</details>")
    w("")
    if workdir:
        w("Raw outputs were kept in `%s` on the machine that ran this." % workdir)
        w("")
    return "\n".join(L)


def render_trace(w, tr):
    """Where the connections of the unmeasured TLSAUDIT_TRACE=1 run went, by job label."""
    conns = tr["conns"]
    by = {}
    for ms, label, outcome, alert, suite in conns:
        d = by.setdefault(label, {"n": 0, "out": {}, "first": ms, "last": ms})
        d["n"] += 1
        name = OUTCOMES[outcome] if 0 <= outcome < len(OUTCOMES) else str(outcome)
        if outcome == 2 and alert >= 0:
            name += " %d" % alert
        d["out"][name] = d["out"].get(name, 0) + 1
        d["first"], d["last"] = min(d["first"], ms), max(d["last"], ms)
    w("<details><summary>tlsaudit trace (one more, unmeasured run with TLSAUDIT_TRACE=1): "
      "%d connections in %s s, %s counted by the namespace; %d \"offer\" and %d \"order\" "
      "lines</summary>" % (len(conns), fnum(tr.get("wall")), tr.get("active"), tr["offers"],
                           len(tr["orders"])))
    w("")
    w("| job | conns | outcomes (alert numbers) | done between ms |")
    w("|---|---:|---|---|")
    for label, d in sorted(by.items(), key=lambda kv: kv[1]["first"]):
        w("| %s | %d | %s | %d–%d |" % (label, d["n"], ", ".join(
            "%s ×%d" % (k, v) for k, v in sorted(d["out"].items(), key=lambda kv: -kv[1])),
            d["first"], d["last"]))
    w("")
    gaps = []
    last = 0
    for ms, label, outcome, alert, suite in sorted(conns):
        if ms - last >= 400:
            gaps.append("%d ms before a `%s` connection ended (%s%s) at %d ms" % (
                ms - last, label, OUTCOMES[outcome] if 0 <= outcome < len(OUTCOMES) else outcome,
                " %d" % alert if outcome == 2 else "", ms))
        last = ms
    if gaps:
        w("Pauses of 0.4 s or more between two completed connections: " + "; ".join(gaps) + ".")
        w("")
    if tr["orders"]:
        w("Order lines: " + "; ".join("`%s`" % o for o in tr["orders"]))
        w("")
    w("</details>")
    w("")


if __name__ == "__main__":
    main()
