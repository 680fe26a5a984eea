#!/usr/bin/env python3
"""The store in PostgreSQL (--db postgresql://..., docs/store.md) and the
shards of one run (--shard K/N --run-label, docs/shards.md), on a
throwaway PostgreSQL 15 cluster (initdb into the test's temp dir, 127.0.0.1
only, stopped by PID).

One nginx (TLS 1.2 + 1.3) behind TARGETS loopback relays (tcp_relay.py):
each relay is one endpoint to the scanner and counts the connections it
accepts, so which process scanned which endpoint, and that none was
scanned twice, is counted on the server side.

What is checked:
1. PostgreSQL: a run killed with SIGKILL after some targets were committed
   (counted with psql) is listed as running; --resume scans exactly the
   targets not stored; the run is done with every target, in order; export
   renders it byte for byte as the resumed scan did, in json, text, csv and
   html; runs, history, certs and diff read it.
2. Shards into PostgreSQL and into one SQLite file: N processes started
   together with one --run-label make ONE run holding every target once;
   each endpoint is connected to only by the process of its shard, which is
   the documented hash (SHA-256 of "host|port|proto", first 8 bytes
   big-endian, mod N, computed here in Python); the merged run's export
   equals a single process's run of the same targets, target by target
   (without the fields that differ from run to run: duration_ms,
   connections) and in the same order.
   One shard killed midway: started again it is refused without
   --resume, and with it connects only to its own targets not stored;
   --resume of a shard never started begins it, and the run is done.
3. Refusals, one line each: a shard done started again; a
   shard of other targets joining the run; --shard with --db but no label;
   --shard 3/3; a PostgreSQL database with a table 'runs' of its own (left
   untouched); an unreachable server (the password of the URI not
   echoed); reading a database that holds no store.
"""
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import time

import harness as h
import mail_servers as ms
import tcp_relay
# the SQLite reader, relay counts and endpoint keys of the SQLite store test
from test_store import conns, key_of
from test_store import stored as stored_lite

TARGETS = 10
SHARDS = 3


def psql(pg, db, sql):
    cp = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d",
                         db, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if cp.returncode != 0:
        raise h.SetupError("psql %r: %s" % (sql, cp.stderr.decode(errors="replace")))
    return cp.stdout.decode().strip()


def stored_pg(pg, db):
    try:
        out = psql(pg, db, "SELECT key FROM results")
    except h.SetupError:
        return []  # no tables yet
    return [ln for ln in out.splitlines() if ln]


def scan_cmd(targets, db, outs=(), extra=()):
    argv = [h.tlsaudit_path(), "scan", "--no-dns", "--no-http", "--max-total", "8", "--db",
            db] + list(extra)
    for o in outs:
        argv += ["-o", o]
    return argv + targets


def tool(args):
    cp = subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=120)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def shard_of(host, port, proto, n):
    """docs/shards.md, computed independently of tlsaudit."""
    md = hashlib.sha256(("%s|%d|%s" % (host.lower(), port, proto)).encode()).digest()
    return int.from_bytes(md[:8], "big") % n


def comparable(doc):
    """A report's targets by port, without what differs between runs."""
    out = {}
    for x in doc["targets"]:
        x = dict(x)
        x.pop("duration_ms", None)
        x.pop("connections", None)
        out[x["port"]] = x
    return out


def run_shards(t, targets, relays, db, label, what):
    """SHARDS processes at once; returns their exit codes and stderr."""
    before = conns(relays)
    procs = [subprocess.Popen(scan_cmd(targets, db, [], ["--run-label", label, "--shard",
                                                          "%d/%d" % (k, SHARDS)]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for k in range(SHARDS)]
    # the relays see which shard connected: one process at a time would not
    # tell them apart, so map each relay's new connections to its shard by hash
    errs = [p.communicate(timeout=240)[1].decode(errors="replace") for p in procs]
    rcs = [p.returncode for p in procs]
    t.check("%s: %d shards exit 0 (%s)" % (what, SHARDS, [e.strip()[-120:] for e in errs]),
            rcs == [0] * SHARDS)
    after = conns(relays)
    t.check("%s: every endpoint scanned (connections %s)"
            % (what, [a - b for a, b in zip(after, before)]),
            all(a > b for a, b in zip(after, before)))
    return rcs


def main(t):
    pg = ms.start_postgres(name="store-pg")
    psql(pg, "postgres", "CREATE DATABASE store")
    psql(pg, "postgres", "CREATE DATABASE shards")
    psql(pg, "postgres", "CREATE DATABASE foreign_app")
    psql(pg, "foreign_app", "CREATE TABLE runs (x integer); INSERT INTO runs VALUES (7)")
    url = "postgresql://postgres@127.0.0.1:%d/store" % pg.port
    surl = "postgresql://postgres@127.0.0.1:%d/shards" % pg.port
    key, cert = os.path.join(h.tmpdir(), "pg.key"), os.path.join(h.tmpdir(), "pg.pem")
    h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "90",
           "-subj", "/CN=localhost", "-keyout", key, "-out", cert])
    # in the second it is made the certificate has exactly 90 days left, and
    # 89 a second later: the runs compared below must not straddle that line
    time.sleep(1.5)
    port = h.free_port()
    h.start_nginx([(port, "ssl_certificate %s;\nssl_certificate_key %s;\n"
                          "ssl_protocols TLSv1.2 TLSv1.3;" % (cert, key))])
    relays = [tcp_relay.Relay(port, lambda c: 0.0) for _ in range(TARGETS)]
    targets = ["127.0.0.1:%d" % r.port for r in relays]
    for r in relays[:2]:
        res = h.openssl_client(r.port, ["-tls1_3"])
        if not res["ok"] or res["protocol"] != "TLSv1.3":
            raise h.SetupError("s_client through relay %d failed:\n%s"
                               % (r.port, res["output"][-600:]))
    parts = {k: [tg for tg in targets if shard_of("127.0.0.1", int(tg.split(":")[1]), "",
                                                   SHARDS) == k] for k in range(SHARDS)}
    if any(not v for v in parts.values()):
        h.log("NOTE: a shard of %d holds none of the %d relay ports this time: %s"
               % (SHARDS, TARGETS, {k: len(v) for k, v in parts.items()}))
    d = h.tmpdir()

    # 1. PostgreSQL: SIGKILL mid-run, --resume, export, the readers
    proc = subprocess.Popen(scan_cmd(targets, url), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and len(stored_pg(pg, "store")) < 3:
        time.sleep(0.05)
    t.check("SIGKILL: the scan still runs once 3 targets are in PostgreSQL", proc.poll() is None)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    time.sleep(0.5)  # the relays accept what the kernel queued before the kill
    done = stored_pg(pg, "store")
    t.check("SIGKILL: 3 or more targets committed, not all (%d)" % len(done),
            3 <= len(done) < TARGETS)
    rc, out, err = tool(["runs", "--db", url, "-f", "json"])
    runs = json.loads(out) if rc == 0 else []
    t.check("SIGKILL: runs lists one run, running, with the committed targets (%s)"
            % err.strip(), len(runs) == 1 and runs[0]["status"] == "running"
            and runs[0]["targets"] == len(done))
    mid = conns(relays)
    outs = [os.path.join(d, "r." + ext) for ext in ("json", "txt", "csv", "html")]
    cp = subprocess.run(scan_cmd(targets, url, outs, ["--resume"]), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=200)
    t.eq("--resume: exit 0 (%s)" % cp.stderr.decode(errors="replace").strip()[-200:], 0,
         cp.returncode)
    after = conns(relays)
    for i, tg in enumerate(targets):
        again = after[i] - mid[i]
        if key_of(tg) in done:
            t.eq("--resume: %s was stored: no connection again" % tg, 0, again)
        else:
            t.check("--resume: %s was not stored: scanned (%d connections)" % (tg, again),
                    again > 0)
    with open(outs[0]) as f:
        single = json.load(f)
    t.list_eq("--resume: the report holds every target, in order", targets,
              ["%s:%d" % (x["host"], x["port"]) for x in single["targets"]])
    t.eq("PostgreSQL holds each target once", str(TARGETS),
         psql(pg, "store", "SELECT count(DISTINCT key) FROM results"))
    for o in outs:
        ext = o.rsplit(".", 1)[1]
        e = os.path.join(d, "export." + ext)
        rc, _, err = tool(["export", "--db", url, "-o", e])
        t.check("export .%s from PostgreSQL is byte for byte the scan's report (rc %d %s)"
                % (ext, rc, err.strip()[-120:]),
                rc == 0 and open(o, "rb").read() == open(e, "rb").read())
    rc, out, _ = tool(["history", "--db", url, "-f", "json", key_of(targets[0]).upper()])
    hist = json.loads(out) if rc == 0 else []
    t.check("history from PostgreSQL (key in upper case): the endpoint in its run",
            len(hist) == 1 and hist[0]["target"]["port"] == relays[0].port)
    rc, out, _ = tool(["certs", "--db", url, "--expiring", "100", "-f", "json"])
    rows = json.loads(out) if rc == 0 else []
    t.eq("certs --expiring 100 from PostgreSQL: one leaf per endpoint", TARGETS,
         len([r for r in rows if r["depth"] == 0]))
    relays[0].close_listener()
    cp = subprocess.run(scan_cmd(targets, url), stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, timeout=200)
    rc, out, _ = tool(["diff", "--db", url, "-f", "json"])
    eps = json.loads(out).get("endpoints", []) if out.strip().startswith("{") else []
    t.check("diff --db from PostgreSQL: the closed endpoint, and only it, started failing",
            rc == 1 and len(eps) == 1 and eps[0].get("port") == relays[0].port
            and eps[0].get("change") == "started_failing")
    closed = relays[0].port
    relays, targets = relays[1:], targets[1:]
    single = {"targets": [x for x in single["targets"] if x["port"] != closed]}
    parts = {k: [tg for tg in targets if shard_of("127.0.0.1", int(tg.split(":")[1]), "",
                                                   SHARDS) == k] for k in range(SHARDS)}

    # 2. shards: one run from SHARDS processes, into PostgreSQL and into SQLite
    for db, what in ((surl, "PostgreSQL"), (os.path.join(d, "shards.db"), "SQLite")):
        label = "nightly-" + what
        before = conns(relays)
        run_shards(t, targets, relays, db, label, "shards into " + what)
        after = conns(relays)
        rc, out, err = tool(["runs", "--db", db, "-f", "json"])
        runs = [r for r in (json.loads(out) if rc == 0 else []) if r["label"] == label]
        t.check("%s: one run labelled %s, done, %d targets, %d/%d shards (%s)"
                % (what, label, len(targets), SHARDS, SHARDS, runs),
                len(runs) == 1 and runs[0]["status"] == "done"
                and runs[0]["targets"] == len(targets) and runs[0].get("shards") == SHARDS
                and runs[0].get("shards_done") == SHARDS)
        if not runs:
            continue
        e = os.path.join(d, "merged-%s.json" % what)
        rc, _, err = tool(["export", "--db", db, "--run", str(runs[0]["id"]), "-o", e])
        merged = json.load(open(e)) if rc == 0 else {"targets": []}
        t.list_eq("%s: the merged run lists the targets in the order given" % what,
                  targets, ["%s:%d" % (x["host"], x["port"]) for x in merged["targets"]])
        a, b = comparable(merged), comparable(single)
        diffs = [p for p in b if a.get(p) != b[p]]
        for p in diffs[:1]:
            for k in sorted(set(a.get(p, {})) | set(b[p])):
                if a.get(p, {}).get(k) != b[p].get(k):
                    h.log("%s: port %d differs in %s: merged %s / single %s"
                          % (what, p, k, json.dumps(a.get(p, {}).get(k))[:300],
                             json.dumps(b[p].get(k))[:300]))
        t.check("%s: each target of the merged run equals the single process's (%s)"
                % (what, diffs[:3]), not diffs and set(a) == set(b))
        t.check("%s: every endpoint was connected to during the shards" % what,
                all(x > y for x, y in zip(after, before)))
    # which process connected where: one shard alone, the others' endpoints untouched
    if parts[0]:
        before = conns(relays)
        cp = subprocess.run(scan_cmd(targets, os.path.join(d, "one.db"), [os.path.join(
            d, "one.json")], ["--run-label", "alone", "--shard", "0/%d" % SHARDS]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=200)
        after = conns(relays)
        mine = {tg for tg in targets if tg in parts[0]}
        t.eq("--shard 0/%d alone: exit 0" % SHARDS, 0, cp.returncode)
        t.set_eq("--shard 0/%d connects to exactly the endpoints of its hash" % SHARDS, mine,
                 [tg for i, tg in enumerate(targets) if after[i] > before[i]])
        rep = json.load(open(os.path.join(d, "one.json")))
        t.list_eq("--shard 0/%d: its own report lists its targets, in order" % SHARDS,
                  [tg for tg in targets if tg in mine],
                  ["%s:%d" % (x["host"], x["port"]) for x in rep["targets"]])
        rc, out, _ = tool(["runs", "--db", os.path.join(d, "one.db"), "-f", "json"])
        runs = json.loads(out) if rc == 0 else []
        t.check("one shard of %d done: the run is still running (1/%d shards)" % (SHARDS, SHARDS),
                len(runs) == 1 and runs[0]["status"] == "running"
                and runs[0].get("shards_done") == 1)

        # 3. refusals
        cp = subprocess.run(scan_cmd(targets, os.path.join(d, "one.db"), [], [
            "--run-label", "alone", "--shard", "0/%d" % SHARDS]), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=60)
        t.check("a shard done already, started again: exit 2, says so (%s)"
                % cp.stderr.strip()[-160:], cp.returncode == 2 and b"done already" in cp.stderr)
        cp = subprocess.run(scan_cmd(targets[:2], os.path.join(d, "one.db"), [], [
            "--run-label", "alone", "--shard", "1/%d" % SHARDS]), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=60)
        t.check("a shard of other targets joining the run: exit 2, says so (%s)"
                % cp.stderr.strip()[-160:],
                cp.returncode == 2 and b"other targets or options" in cp.stderr)
        # a shard killed midway: refused without --resume, continued with it
        one = os.path.join(d, "one.db")
        shard1 = ["--run-label", "alone", "--shard", "1/%d" % SHARDS]
        if len(parts[1]) >= 2:
            before = conns(relays)
            proc = subprocess.Popen(scan_cmd(targets, one, [], shard1),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + 60
            while time.time() < deadline and proc.poll() is None and len(
                    stored_lite(one)) < len(parts[0]) + 1:
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            time.sleep(0.5)  # the relays accept what the kernel queued before the kill
            # read-write: the killed writer's log is recovered, every commit seen
            con = sqlite3.connect(one, timeout=10)
            kept = {r[0] for r in con.execute("SELECT key FROM results")}
            con.close()
            mid = conns(relays)
            t.check("shard 1 killed after storing some of its targets, not all (%d of %d)"
                    % (len(kept) - len(parts[0]), len(parts[1])),
                    0 < len(kept) - len(parts[0]) < len(parts[1]))
            cp = subprocess.run(scan_cmd(targets, one, [], shard1), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=60)
            t.check("the killed shard started again without --resume: exit 2, says so (%s)"
                    % cp.stderr.strip()[-160:],
                    cp.returncode == 2 and b"--resume continues it" in cp.stderr)
            rj = os.path.join(d, "resumed-shard1.json")
            cp = subprocess.run(scan_cmd(targets, one, [rj], shard1 + ["--resume"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=200)
            time.sleep(0.5)
            after = conns(relays)
            try:
                h.log("resumed shard 1 report: %s" % [(x["port"], x.get("connections"))
                                                     for x in json.load(open(rj))["targets"]])
            except (OSError, ValueError) as e:
                h.log("resumed shard 1 report unreadable: %s" % e)
            h.log("kept: %s; mid %s; after %s" % (sorted(kept), mid, after))
            t.eq("the killed shard with --resume: exit 0", 0, cp.returncode)
            t.set_eq("--resume of shard 1 connects only to its targets not stored",
                     [tg for tg in parts[1] if key_of(tg) not in kept],
                     [tg for i, tg in enumerate(targets) if after[i] > mid[i]])
            t.check("no endpoint of another shard was connected to by shard 1",
                    all(after[i] == before[i] for i, tg in enumerate(targets)
                        if tg not in parts[1]))
            cp = subprocess.run(scan_cmd(targets, one, [], ["--run-label", "alone", "--shard",
                                                            "2/%d" % SHARDS, "--resume"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=200)
            rc, out, _ = tool(["runs", "--db", one, "-f", "json"])
            runs = json.loads(out) if rc == 0 else []
            t.check("--resume of a shard never started begins it; the run is then done (%s)"
                    % runs, cp.returncode == 0 and len(runs) == 1
                    and runs[0]["status"] == "done" and runs[0]["shards_done"] == SHARDS
                    and runs[0]["targets"] == len(targets))
        else:
            h.log("NOTE: shard 1 of %d holds %d of the relay ports: the kill-and-resume of a "
                  "shard is not exercised this time" % (SHARDS, len(parts[1])))

    cp = subprocess.run(scan_cmd(targets[:1], os.path.join(d, "nolabel.db"), [], [
        "--shard", "0/2"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    t.check("--shard with --db but no --run-label: exit 2, says so",
            cp.returncode == 2 and b"needs --run-label" in cp.stderr)
    cp = subprocess.run([h.tlsaudit_path(), "scan", "--shard", "3/3", targets[0]],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    t.check("--shard 3/3: exit 2, one line (%s)" % cp.stderr.strip(),
            cp.returncode == 2 and cp.stderr.count(b"\n") == 1 and b"0 to N-1" in cp.stderr)
    furl = "postgresql://postgres@127.0.0.1:%d/foreign_app" % pg.port
    cp = subprocess.run(scan_cmd(targets[:1], furl), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60)
    t.check("--db on a PostgreSQL database with its own 'runs': exit 2, refused (%s)"
            % cp.stderr.strip()[-160:],
            cp.returncode == 2 and b"not tlsaudit's" in cp.stderr)
    t.eq("... and its table untouched", "7", psql(pg, "foreign_app", "SELECT x FROM runs"))
    t.eq("... and no table of ours made there", "1", psql(
        pg, "foreign_app", "SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = 'public'"))
    dead = h.free_port()
    rc, _, err = tool(["runs", "--db", "postgresql://postgres:s3cret-pw@127.0.0.1:%d/x" % dead])
    t.check("runs on an unreachable PostgreSQL: exit 2, one line, no password (%s)" % err.strip(),
            rc == 2 and err.count("\n") == 1 and "cannot connect" in err
            and "s3cret-pw" not in err)
    rc, _, err = tool(["runs", "--db", "postgresql://postgres@127.0.0.1:%d/postgres" % pg.port])
    t.check("runs on a database without a store: exit 2, says so (%s)" % err.strip(),
            rc == 2 and "holds no tlsaudit store" in err)


if __name__ == "__main__":
    h.run_test(main)
