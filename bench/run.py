#!/usr/bin/env python3
"""Benchmark tlsaudit against sslscan, nmap ssl-enum-ciphers and testssl.sh.

    sudo python3 bench/run.py [--runs 3] [--full] [--scenarios a,b] [--tools x,y]

Starts each test server (bench/servers.py) in its own network namespace with
only `lo` up, runs every scanner against 127.0.0.1:443 inside that namespace
N times, and rewrites bench/RESULTS.md. See bench/README.md.
"""

import argparse
import datetime
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import servers    # noqa: E402
import scanners   # noqa: E402

REPO = os.path.dirname(HERE)
TOOLS = ["tlsaudit", "sslscan", "nmap", "testssl"]
TIMEOUTS = {"tlsaudit": 600, "sslscan": 600, "nmap": 900, "testssl": 1800, "testssl-full": 3600}
PEERS_LABEL = {
    "tlsaudit": "tlsaudit scan --format json",
    "sslscan": "sslscan --no-colour",
    "nmap": "nmap -n -Pn -p 443 --script ssl-enum-ciphers",
    "testssl": "testssl -e -p --quiet --color 0 --warnings batch",
    "testssl-full": "testssl --quiet --color 0 --warnings batch (all default checks)",
}


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


def server_cpu(pgid):
    """utime+stime (s) of the live processes of a server's process group (nginx master + worker)."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                st = fh.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / tck


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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per tool and scenario (median is reported)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured runs of tlsaudit, sslscan and nmap before measuring (default 1)")
    ap.add_argument("--full", action="store_true", help="also time a full default testssl run")
    ap.add_argument("--full-runs", type=int, default=1, help="runs of the full testssl (default 1)")
    ap.add_argument("--scenarios", default=",".join(servers.ORDER),
                    help="comma list out of: " + ", ".join(servers.ORDER))
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma list out of: " + ", ".join(TOOLS))
    ap.add_argument("--tlsaudit", default=scanners.DEFAULT_TLSAUDIT, help="tlsaudit binary")
    ap.add_argument("--no-build", action="store_true", help="do not try to build a missing tlsaudit")
    ap.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--workdir", help="keep outputs here (default: a temp dir, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir with every raw output")
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit("run.py needs root (ip netns)")
    scanners.interrupt_on_signals()
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in servers.SCENARIOS:
            sys.exit("unknown scenario %r" % s)
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
    if "tlsaudit" in tools and not os.access(tlsaudit, os.X_OK):
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
    if "tlsaudit" in tools and not tls_note:
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
        available["tlsaudit"] = False
        log(tls_note)
    for t in tools:
        exe = {"testssl-full": "testssl"}.get(t, t)
        if t != "tlsaudit" and not scanners.which(exe):
            available[t] = False
            log("%s not installed: skipped" % exe)

    names = scanners.SuiteNames()
    versions = scanners.tool_versions(tlsaudit)
    started = datetime.datetime.now(datetime.timezone.utc)
    data = {}      # scenario -> tool -> list of dicts
    notes = []
    load = {}
    for sc in scenarios:
        data[sc] = {t: [] for t in tools}
        load[sc] = [loadavg(), None]
        with servers.Netns("tlsab") as ns:
            srv = servers.start_server(sc, ns, workdir)
            try:
                # unmeasured warm-up of the quick tools (page cache, the server's first handshakes)
                for tool in tools:
                    if available[tool] and not tool.startswith("testssl"):
                        for i in range(args.warmup):
                            scanners.measured_run(
                                ns, scanners.tool_argv(tool, servers.HOST, servers.PORT, tlsaudit=tlsaudit),
                                os.path.join(workdir, "out", sc), "%s-warmup%d" % (tool, i + 1),
                                timeout=TIMEOUTS[tool])
                for rnd in range(max(args.runs, args.full_runs if args.full else 0)):
                    for tool in tools:
                        if not available[tool]:
                            continue
                        nruns = args.full_runs if tool == "testssl-full" else args.runs
                        if rnd >= nruns:
                            continue
                        if not srv.alive():
                            notes.append("%s: the server died before %s run %d and was restarted:\n\n    %s"
                                         % (sc, tool, rnd + 1, "\n    ".join(srv.log_tail(5).splitlines())))
                            srv.stop()
                            srv = servers.start_server(sc, ns, workdir)
                        argv = scanners.tool_argv(tool, servers.HOST, servers.PORT, tlsaudit=tlsaudit)
                        cpu0 = server_cpu(srv.pid)
                        res = scanners.measured_run(ns, argv, os.path.join(workdir, "out", sc),
                                                    "%s-%d" % (tool, rnd + 1), timeout=TIMEOUTS[tool])
                        scpu = server_cpu(srv.pid) - cpu0
                        parsed = scanners.PARSERS[tool](res.stdout)
                        distinct, pairs = scanners.suite_counts(parsed, names)
                        per_proto = {p: len(set(names.canon(s).upper() for s in parsed["suites"].get(p, [])))
                                     for p in scanners.PROTOS}
                        rec = res.as_dict()
                        rec.update(cpu=res.cpu, server_cpu=scpu, distinct=distinct, pairs=pairs,
                                   per_proto=per_proto,
                                   offered=[p for p in scanners.PROTOS if parsed["protocols"].get(p)],
                                   self_conns=parsed["extra"].get("connections") if tool == "tlsaudit" else None,
                                   ok=not res.crashed() and res.error is None)
                        if tool == "tlsaudit" and parsed["extra"].get("error"):
                            rec["tool_error"] = parsed["extra"]["error"]
                        data[sc][tool].append(rec)
                        log("%-18s %-13s run %d: %6.2fs wall %6.2fs cpu %7.1f MiB conns %s/%s "
                            "suites %s pairs %s exit %s%s"
                            % (sc, tool, rnd + 1, res.wall or 0, res.cpu or 0,
                               (res.maxrss_kb or 0) / 1024, res.active, res.passive, distinct, pairs,
                               res.exit, " ERROR " + res.error if res.error else ""))
            finally:
                srv.stop()
        load[sc][1] = loadavg()
    finished = datetime.datetime.now(datetime.timezone.utc)

    md = render(args, scenarios, tools, available, data, notes, versions, tls_note,
                started, finished, workdir if keep else None, tls_build, load)
    with open(args.output, "w") as fh:
        fh.write(md)
    log("wrote", args.output)
    if not keep:
        subprocess.run(["rm", "-rf", workdir])
    else:
        log("raw outputs kept in", workdir)


def render(args, scenarios, tools, available, data, notes, versions, tls_note,
           started, finished, workdir, tls_build=None, load=None):
    mi = machine_info()
    L = []
    w = L.append
    w("# tlsaudit benchmark results")
    w("")
    w("Generated by `python3 bench/run.py%s` — regenerate rather than edit. "
      "Method and caveats: [README.md](README.md)."
      % ("".join(" " + a for a in sys.argv[1:])))
    w("")
    w("- Date: %s – %s UTC" % (started.strftime("%Y-%m-%d %H:%M"), finished.strftime("%H:%M")))
    w("- Machine: %s CPUs (`nproc`), %s, %s RAM; %s; kernel %s; Python %s"
      % (mi["nproc"], mi["cpu"], mi["mem"], mi["os"], mi["kernel"], mi["python"]))
    w("- Runs: %d per tool and scenario, median reported%s; %d unmeasured warm-up run(s) of "
      "tlsaudit, sslscan and nmap per scenario first"
      % (args.runs, "; full testssl: %d run(s)" % args.full_runs if args.full else "", args.warmup))
    w("- Target: 127.0.0.1:443 inside a fresh network namespace per scenario (only `lo` up); "
      "server and scanner share the machine's cores")
    w("")
    w("## Tools")
    w("")
    w("| tool | version | command |")
    w("|---|---|---|")
    tv = {"tlsaudit": "%s (%s)" % (versions.get("tlsaudit"), tls_build) if tls_build else versions.get("tlsaudit"),
          "sslscan": "%s (%s)" % (versions.get("sslscan"), versions.get("sslscan-openssl")),
          "nmap": "%s (ssl-enum-ciphers NSE)" % versions.get("nmap"),
          "testssl": "%s (%s)" % (versions.get("testssl"), versions.get("testssl-openssl")),
          "testssl-full": "%s (%s)" % (versions.get("testssl"), versions.get("testssl-openssl"))}
    for t in tools:
        w("| %s | %s | `%s` |" % (t, tv.get(t) if available.get(t) else "missing", PEERS_LABEL[t]))
    w("")
    w("Servers: nginx %s, %s, gnutls-serv %s."
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
      "server CPU = CPU the server processes used during the run; "
      "× = peer / tlsaudit (above 1: the peer needs more). "
      "Suites = distinct cipher suites found; pairs = (version, suite) pairs, "
      "'–' when the tool does not list suites per version (testssl -e). "
      "Wall and CPU show the median with the range over the runs in brackets; "
      "a count with a range in brackets varied between runs.")
    w("")
    for sc in scenarios:
        w("## %s" % sc)
        w("")
        w(servers.describe(sc))
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
        w("| tool | wall s | CPU s | peak RSS MiB | conns | wall × | CPU × | RSS × | conns × "
          "| server CPU s | suites | pairs | versions offered | runs ok |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        stats = {}
        for t in tools:
            recs = [r for r in data[sc].get(t, []) if r["ok"]]
            allr = data[sc].get(t, [])
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
                "passive": med([r["passive"] for r in recs]),
                "server_cpu": med([r["server_cpu"] for r in recs]),
                "distinct": [r["distinct"] for r in recs],
                "pairs": [r["pairs"] for r in recs],
                "offered": sorted(set(p for r in recs for p in r["offered"]), key=scanners.PROTOS.index),
                "nok": len(recs), "n": len(allr),
            }
        base = stats.get("tlsaudit")
        for t in tools:
            s = stats.get(t)
            if s is None:
                w("| %s | missing | | | | | | | | | | | | 0/0 |" % t)
                continue
            conns = fnum(s["conns"], 0)
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
            if t == "tlsaudit":
                sc_conns = set(r["self_conns"] for r in good if r["self_conns"] is not None)
                meas = set(r["active"] for r in good)
                if sc_conns and sc_conns != meas:
                    notes.append("%s / tlsaudit reports %s connections in its JSON, the namespace "
                                 "counted %s" % (sc, "/".join(map(str, sorted(sc_conns))),
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
            for i, r in enumerate(data[sc].get(t, [])):
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


if __name__ == "__main__":
    main()
