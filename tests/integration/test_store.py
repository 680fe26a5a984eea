#!/usr/bin/env python3
"""The store (tlsaudit scan --db, docs/store.md): runs committed target by
target, SIGKILL and SIGINT in the middle of a run, --resume, and what reads
the store back (runs, export, history, certs).

One nginx (TLS 1.2 + 1.3, the harness's RSA leaf) behind TARGETS loopback
relays (tcp_relay.py, no delay): each relay is one endpoint to the scanner
and counts the connections it accepts, so "no target scanned twice" is
counted on the server side, not taken from tlsaudit.  The scans run at
--max-total 8 (two targets at a time), slow enough to be stopped midway.

What is checked:
1. a run killed with SIGKILL after some targets were committed: the SQLite
   file passes `PRAGMA integrity_check`, tlsaudit runs lists the run as
   running with those targets; --resume scans exactly the targets not
   stored (their relays count connections, the stored ones' count none), and
   its report holds every target, in the order given;
2. export renders the run exactly as the resumed scan rendered it, in json,
   text, csv and html (byte for byte);
3. SIGINT: exit 5, the JSON report is whole (it parses) with the targets
   done, the run is "interrupted"; --resume completes it ("done");
4. --resume refused with other options, or with nothing to resume; --db
   refused on a text file and on an SQLite file of something else;
5. history lists the endpoint in every run; certs --expiring lists the leaf
   with the days computed from the certificate (openssl x509 -enddate);
7. diff --db: a second run after one endpoint stopped answering; the
   store's last two runs differ by exactly that endpoint, started_failing
   (exit 1), and a run compared with itself has no change (exit 0);
6. --rate N: in every one-second window the relays accept at most N + 2
   connections (N, a twentieth of a second's burst, and one for the timing
   of the relay's accepts), and --progress writes a
   progress line and a summary that counts the targets and connections.
"""
import datetime
import json
import os
import signal
import sqlite3
import subprocess
import time

import harness as h
import tcp_relay

TARGETS = 10


def stored(db):
    """Keys committed so far (read beside the writer: SQLite WAL)."""
    if not os.path.exists(db):
        return []
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        try:
            return [r[0] for r in con.execute("SELECT key FROM results")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def conns(relays):
    return [len(r.conns) for r in relays]


def scan_cmd(targets, db, outs, extra=(), swapped=False):
    order = ["--no-http", "--no-dns"] if swapped else ["--no-dns", "--no-http"]
    argv = [h.tlsaudit_path(), "scan"] + order + ["--max-total", "8", "--db", db] + list(extra)
    for o in outs:
        argv += ["-o", o]
    return argv + targets


def start_scan(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stop_when_stored(t, proc, db, n, sig, label):
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and len(stored(db)) < n:
        time.sleep(0.05)
    t.check("%s: the scan still runs once %d targets are stored" % (label, n),
            proc.poll() is None)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode(errors="replace")


def tool(args, check_rc=0):
    cp = subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=120)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def key_of(target):
    host, port = target.split(":")
    return "%s|%s||127.0.0.1" % (host, port)


def main(t):
    # a certificate of its own, valid 90 days: the harness's 30-day one has
    # exactly 30 days left in the second it is made, and 29 a second later,
    # which the diff rightly reports (it crosses the 30-day threshold)
    key, cert = os.path.join(h.tmpdir(), "store.key"), os.path.join(h.tmpdir(), "store.pem")
    h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "90",
           "-subj", "/CN=localhost", "-keyout", key, "-out", cert])
    port = h.free_port()
    h.start_nginx([(port, "ssl_certificate %s;\nssl_certificate_key %s;\n"
                          "ssl_protocols TLSv1.2 TLSv1.3;" % (cert, key))])
    relays = [tcp_relay.Relay(port, lambda c: 0.0) for _ in range(TARGETS)]
    targets = ["127.0.0.1:%d" % r.port for r in relays]
    # the setup, verified: every relay reaches nginx over TLS 1.3 and 1.2
    for r in relays[:2]:
        for v, name in (("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")):
            res = h.openssl_client(r.port, [v])
            if not res["ok"] or res["protocol"] != name:
                raise h.SetupError("s_client %s through relay %d failed:\n%s"
                                   % (v, r.port, res["output"][-600:]))
    d = h.tmpdir()

    # 1. SIGKILL mid-run, then --resume
    db = os.path.join(d, "fleet.db")
    before = conns(relays)
    rc, _ = stop_when_stored(t, start_scan(scan_cmd(targets, db, [os.path.join(d, "k.json")])),
                             db, 3, signal.SIGKILL, "SIGKILL")
    t.eq("SIGKILL: killed", -signal.SIGKILL, rc)
    done = stored(db)
    t.check("SIGKILL: 3 or more targets committed, not all (%d)" % len(done),
            3 <= len(done) < TARGETS)
    con = sqlite3.connect(db)
    t.eq("SIGKILL: the store passes integrity_check", "ok",
         con.execute("PRAGMA integrity_check").fetchone()[0])
    con.close()
    rc, out, err = tool(["runs", "--db", db, "-f", "json"])
    runs = json.loads(out) if rc == 0 else []
    t.eq("SIGKILL: runs lists one run", 1, len(runs))
    if runs:
        t.eq("SIGKILL: the run is still 'running'", "running", runs[0]["status"])
        t.eq("SIGKILL: runs counts the committed targets", len(done), runs[0]["targets"])
    mid = conns(relays)
    outs = [os.path.join(d, "r." + ext) for ext in ("json", "txt", "csv", "html")]
    cp = subprocess.run(scan_cmd(targets, db, outs, ["--resume"]), stdout=subprocess.PIPE,
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
    t.check("the killed run had connected to every stored target",
            all(mid[i] > before[i] for i, tg in enumerate(targets) if key_of(tg) in done))
    with open(outs[0]) as f:
        doc = json.load(f)
    got = ["%s:%d" % (x["host"], x["port"]) for x in doc["targets"]]
    t.list_eq("--resume: the report holds every target, in order", targets, got)
    t.check("--resume: every target ok",
            all(x["status"] == "ok" for x in doc["targets"]))
    rc, out, _ = tool(["runs", "--db", db, "-f", "json"])
    runs = json.loads(out) if rc == 0 else []
    t.check("--resume: the same run, now done with every target",
            len(runs) == 1 and runs[0]["status"] == "done" and runs[0]["targets"] == TARGETS)

    # 2. export = what the scan wrote, in every format
    for o in outs:
        ext = o.rsplit(".", 1)[1]
        e = os.path.join(d, "export." + ext)
        rc, _, err = tool(["export", "--db", db, "-o", e])
        same = rc == 0 and open(o, "rb").read() == open(e, "rb").read()
        t.check("export .%s is byte for byte the resumed scan's report (rc %d %s)"
                % (ext, rc, err.strip()[-120:]), same)

    # 3. SIGINT: a clean stop, then --resume
    db2 = os.path.join(d, "int.db")
    j2 = os.path.join(d, "int.json")
    rc, err = stop_when_stored(t, start_scan(scan_cmd(targets, db2, [j2])), db2, 2,
                               signal.SIGINT, "SIGINT")
    t.eq("SIGINT: exit 5 (interrupted)", 5, rc)
    t.check("SIGINT: says how to continue (%s)" % err.strip()[-160:], "--resume" in err)
    try:
        with open(j2) as f:
            part = json.load(f)
        n = len(part["targets"])
    except (OSError, ValueError):
        n = -1
    t.check("SIGINT: the JSON report is whole and holds the targets done (%d)" % n,
            2 <= n < TARGETS)
    rc, out, _ = tool(["runs", "--db", db2, "-f", "json"])
    runs = json.loads(out) if rc == 0 else []
    t.check("SIGINT: the run is 'interrupted'", runs and runs[0]["status"] == "interrupted")
    cp = subprocess.run(scan_cmd(targets, db2, [j2], ["--resume"], swapped=True),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=200)
    t.eq("SIGINT then --resume (the options in another order): exit 0", 0, cp.returncode)
    rc, out, _ = tool(["runs", "--db", db2, "-f", "json"])
    runs = json.loads(out) if rc == 0 else []
    t.check("SIGINT then --resume: done, every target",
            runs and runs[0]["status"] == "done" and runs[0]["targets"] == TARGETS)

    # 4. refusals, each one line naming the problem
    cp = subprocess.run(scan_cmd(targets, db2, [], ["--resume"]), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60)
    t.check("--resume when the run is done: exit 2, says so",
            cp.returncode == 2 and b"nothing to resume" in cp.stderr)
    db3 = os.path.join(d, "other.db")
    subprocess.run(scan_cmd(targets[:1], db3, []) + ["--timeout", "4000"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    con = sqlite3.connect(db3)
    con.execute("UPDATE runs SET status = 'running'")
    con.commit()
    con.close()
    cp = subprocess.run(scan_cmd(targets[:1], db3, [], ["--resume"]), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60)
    t.check("--resume with other options: exit 2, says so (%s)" % cp.stderr.strip()[-120:],
            cp.returncode == 2 and b"no run of these targets and options" in cp.stderr)
    text = os.path.join(d, "notes.txt")
    with open(text, "w") as f:
        f.write("not a store\n" * 100)
    cp = subprocess.run(scan_cmd(targets[:1], text, []), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60)
    t.check("--db on a text file: exit 2, 'not an SQLite file', file unchanged",
            cp.returncode == 2 and b"not an SQLite file" in cp.stderr
            and open(text).read() == "not a store\n" * 100)
    foreign = os.path.join(d, "foreign.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    cp = subprocess.run(scan_cmd(targets[:1], foreign, []), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=60)
    t.check("--db on another program's SQLite file: exit 2, refused",
            cp.returncode == 2 and b"of something else" in cp.stderr)
    rc, _, err = tool(["runs", "--db", os.path.join(d, "missing.db")])
    t.check("runs on a missing store: exit 2, and no file made",
            rc == 2 and "missing.db" in err and not os.path.exists(os.path.join(d, "missing.db")))
    empty = os.path.join(d, "empty.db")
    open(empty, "w").close()
    rc, _, err = tool(["runs", "--db", empty])
    t.check("runs on an empty file: exit 2, the file left empty (%s)" % err.strip(),
            rc == 2 and os.path.getsize(empty) == 0)

    # 5. history and certs
    rc, out, _ = tool(["history", "--db", db, "-f", "json", key_of(targets[0])])
    hist = json.loads(out) if rc == 0 else []
    t.check("history: the endpoint in its run, with its document",
            len(hist) == 1 and hist[0]["target"]["port"] == relays[0].port)
    rc, out, _ = tool(["history", "--db", db, "127.0.0.1"])
    rc2, out2, _ = tool(["history", "--db", db, key_of(targets[0]).upper()])
    t.check("history matches names without case", rc2 == 0 and len(out2.splitlines()) == 2)
    t.eq("history HOST (text): a line per endpoint and run", TARGETS,
         len([ln for ln in out.splitlines()[1:] if ln.strip()]))
    end = h.run(["openssl", "x509", "-in", cert, "-noout", "-enddate"]).stdout
    not_after = datetime.datetime.strptime(end.decode().strip().split("=", 1)[1],
                                           "%b %d %H:%M:%S %Y GMT")
    left = (not_after - datetime.datetime.utcnow()).total_seconds() // 86400
    rc, out, _ = tool(["certs", "--db", db, "--expiring", str(int(left) + 2), "-f", "json"])
    rows = json.loads(out) if rc == 0 else []
    t.eq("certs --expiring %d: one leaf per endpoint" % (left + 2), TARGETS,
         len([r for r in rows if r["depth"] == 0]))
    t.check("certs: days_left from the certificate (%d)" % left,
            all(abs(r["days_left"] - left) <= 1 for r in rows if r["depth"] == 0))
    rc, out, _ = tool(["certs", "--db", db, "--expiring", str(max(int(left) - 2, 0)), "-f",
                       "json"])
    t.check("certs --expiring %d: none" % max(left - 2, 0), rc == 0 and json.loads(out) == [])

    # 6. --rate and --progress
    rate = 25
    start = time.monotonic()
    cp = subprocess.run([h.tlsaudit_path(), "scan", "--no-dns", "--no-http", "--rate", str(rate),
                         "--progress", "-o", os.devnull] + targets[:2], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=120)
    opened = sorted(c["opened_at"] for r in relays[:2] for c in r.conns
                    if c["opened_at"] >= start)
    worst = max((sum(1 for x in opened if a <= x < a + 1.0) for a in opened), default=0)
    t.eq("--rate %d: exit 0" % rate, 0, cp.returncode)
    t.check("--rate %d: at most %d connections in any second (worst %d of %d)"
            % (rate, rate + 2, worst, len(opened)), 0 < worst <= rate + 2)
    t.check("--rate %d: the scan took at least %d connections / rate (%.1f s)"
            % (rate, len(opened), opened[-1] - opened[0] if opened else 0),
            opened and opened[-1] - opened[0] >= (len(opened) - 2) / rate)
    err = cp.stderr.decode(errors="replace")
    summary = err.rsplit("\r", 1)[-1]
    t.check("--progress: progress lines, then a summary of 2 targets and %d connections (%s)"
            % (len(opened), summary.strip()),
            err.count("\r") >= 2 and "2 targets in" in summary
            and "%d connections" % len(opened) in summary)

    # 7. diff --db between two runs of the store
    relays[0].close_listener()
    cp = subprocess.run(scan_cmd(targets, db, [os.devnull]), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=200)
    t.eq("a second run, one endpoint closed: exit 1", 1, cp.returncode)
    rc, out, err = tool(["diff", "--db", db, "-f", "json"])
    diff = json.loads(out) if out.strip().startswith("{") else {}
    eps = diff.get("endpoints", [])
    t.eq("diff --db: exit 1 (changes)", 1, rc)
    t.check("diff --db: the closed endpoint, and only it, started failing (%s)"
            % [(e.get("port"), e.get("change"),
                [(c.get("category"), c.get("item")) for c in e.get("changes", [])][:4])
               for e in eps],
            len(eps) == 1 and eps[0].get("port") == relays[0].port
            and eps[0].get("change") == "started_failing")
    rc, out, _ = tool(["diff", "--db", db, "1", "1"])
    t.eq("diff --db of a run with itself: exit 0", 0, rc)


if __name__ == "__main__":
    h.run_test(main)
