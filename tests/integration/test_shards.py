#!/usr/bin/env python3
"""Sharded scans into one PostgreSQL store, run as a Slurm array job
(docs/shards.md): `tlsaudit scan --db URL --run-label L --shard K/N`.

Everything lives in one network namespace made by the test (harness.NetNS):
one nginx listening on 0.0.0.0:443 of a namespace whose only interface is
`lo`, so that every 127.x.y.z answers (the bench/fleet.py idea, its minimal
configuration copied); a throwaway PostgreSQL on its 127.0.0.1; a one-node
Slurm cluster (munged, slurmctld, slurmd: slurm_cluster.py) whose jobs run
in the namespace too.  Nothing touches the host's loopback.

1. the fleet: FLEET endpoints 127.1.X.Y:443 of one configuration (TLS 1.2
   and 1.3, Mozilla intermediate suites, the harness RSA leaf), checked
   before any scan with harness.tls_probe on the first, a middle and the
   last address; the target file lists them in a shuffled (seeded) order
   after a comment line, so that "the order of the list" and "the order of
   the addresses" differ;
2. a Slurm array job of SHARDS tasks running the batch script of
   docs/shards.md ("Slurm": --resume, label slurm-$SLURM_ARRAY_JOB_ID,
   --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, -o shard-K.json):
   every task must end with status 0;
3. one single-process run of the same list into the same store (another
   label);
4. assertions
   - `tlsaudit runs`: each run listed once, done, FLEET targets, no error,
     shards/shards_done 4/4 for the sharded run and 0/0 for the other;
   - in the store (psql): each of the FLEET keys host|443||ip once per run,
     seq = its place in the list x 65536 (docs/store.md), the rows of the
     shards table (4, done; none for the single run);
   - shard K's own report holds exactly the targets that docs/shards.md's
     formula (SHA-256 of "host|port|proto", 8 bytes, mod N), computed here,
     puts in shard K, in the list's order, each byte for byte the document
     the export of the run renders; together the shards partition the list;
   - `tlsaudit export` of the sharded run equals the export of the single
     run: the same top level but for report_time; the targets in the list's
     order; each endpoint's document the same but for connections and
     duration_ms; and the multisets of documents without host, ip,
     connections and duration_ms (the DROPPED fields of bench/fleet.py, the
     endpoint's address written {ADDR} where a string quotes it) equal;
   - the single run says what the fleet's configuration says: every target
     ok; a sample of 25, parsed, offers TLS 1.2 and 1.3 and nothing else.

Scan options: --no-dns (no resolver in the namespace) and --no-http (the
fleet serves no port 80).  The reports are about 210 KB per target (210 MB
per run): they are read as bytes and compared by digests (see Report).
"""
import collections
import hashlib
import json
import os
import random
import re
import resource
import threading
import time

import harness as h
import slurm_cluster

FLEET = 1000
SHARDS = 4
PER_OCTET = 250                    # 127.1.X.Y, Y = 1..250 (bench/fleet.py)
SCAN_OPTS = ["--no-dns", "--no-http"]
SINGLE_LABEL = "single-" + os.urandom(3).hex()
# fields of a target that legitimately differ between two runs of one endpoint
RUN_DEPENDENT = ("connections", "duration_ms")
# ... and between two endpoints of one configuration (bench/fleet.py DROPPED)
DROPPED = ("host", "ip", "connections", "duration_ms")

MOZILLA_INTERMEDIATE = [  # Mozilla intermediate 5.7 (bench/servers.py), OpenSSL names
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-CHACHA20-POLY1305",
]

NGINX_FLEET_CONF = """\
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile {nofile};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {wconn}; multi_accept on; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen 443 ssl backlog=4096;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_session_timeout 1d;
        ssl_session_cache shared:Fleet:10m;
        ssl_session_tickets off;
        ssl_dhparam {ffdhe2048};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_ciphers {ciphers};
        ssl_prefer_server_ciphers off;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""

# one array task: its shard of the list into the store, its own report; the
# batch script of docs/shards.md ("Slurm"), with the test's paths and options
SHARD_TASK = """#!/bin/sh
exec "$TLSAUDIT" scan --no-progress --db "$TLSAUDIT_DB" --resume \\
    --run-label "slurm-$SLURM_ARRAY_JOB_ID" \\
    --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \\
    -i "$TARGETS" -o "$OUT_DIR/shard-$SLURM_ARRAY_TASK_ID.json" $SCAN_OPTS
"""


def shard_of(host, port=443, proto="", n=SHARDS):
    """docs/shards.md: the first 8 bytes of SHA-256("host|port|proto"), big
    endian, modulo N (the host in lower case)."""
    text = ("%s|%d|%s" % (host.lower(), port, proto)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") % n


def address(i):
    return "127.1.%d.%d" % (i // PER_OCTET, i % PER_OCTET + 1)


def start_fleet_nginx(ns):
    """One nginx for the whole namespace (0.0.0.0:443, only `lo` there)."""
    c = h.make_certs()
    d = os.path.join(h.tmpdir(), "nginx-fleet")
    os.makedirs(os.path.join(d, "tmp"))
    nofile = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 20000)
    text = NGINX_FLEET_CONF.format(dir=d, nofile=nofile, wconn=min(8192, nofile // 2),
                                   cert=c.rsa_cert, key=c.rsa_key,
                                   ffdhe2048=h.gen_ffdhe_params("ffdhe2048"),
                                   ciphers=":".join(MOZILLA_INTERMEDIATE))
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(text)
    err = os.path.join(d, "error.log")
    cp = h.run(ns.cmd(["nginx", "-t", "-p", d + "/", "-c", conf, "-e", err]), check=False)
    if cp.returncode != 0:
        raise h.SetupError("nginx -t failed:\n%s" % cp.stderr.decode(errors="replace"))
    proc = h.start_process(ns.cmd(["nginx", "-p", d + "/", "-c", conf, "-e", err]),
                           "nginx-fleet", os.path.join(d, "stdout.log"), cwd=d)
    ns.wait_port(443, proc=proc, log_path=err)
    return proc


def verify_fleet(t, ns, addrs):
    """What the configuration says, on a few addresses, with the harness's
    raw prober: TLS 1.3 and TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256, a suite of
    ssl_ciphers usable with the RSA leaf) accepted, TLS 1.1 refused."""
    probes = []
    for a in addrs:
        probes += [dict(host=a, port=443, version="TLSv1.3",
                        suites=[0x1301, 0x1302, 0x1303], groups=["x25519"]),
                   dict(host=a, port=443, version="TLSv1.2", suites=[0xC02F],
                        groups=["x25519", "secp256r1"]),
                   dict(host=a, port=443, version="TLSv1.1", suites=[0xC013, 0x002F],
                        groups=["secp256r1"])]
    res = h.probe_many_in_netns(ns, probes)
    for i, a in enumerate(addrs):
        r13, r12, r11 = res[3 * i:3 * i + 3]
        ok = (r13.get("version") == "TLSv1.3" and r12.get("version") == "TLSv1.2"
              and r12.get("suite") == 0xC02F and "version" not in r11)
        t.check("fleet %s:443 as configured: TLS 1.3 and 1.2 accepted, TLS 1.1 refused "
                "(tls_probe)" % a, ok, "1.3: %s\n1.2: %s\n1.1: %s" % (r13, r12, r11))
        if not ok:
            raise h.SetupError("the fleet does not answer as configured on %s" % a)


# The reports are big (about 210 KB of indented JSON per target here, 210 MB
# per 1,000 targets, 120 KB of each target its profiles), and json.load of
# one such report costs about 4 s of the test's ~60 s.  The reports are
# therefore read as bytes, cut where `tlsaudit scan`/`export` lay them out
# (jansson's two-space indentation, the same byte for byte in both): each
# target object opened by a line of 4 spaces and "{" followed by its "host"
# key, its own keys indented by 6.  Each target's bytes are compared through
# SHA-256 digests, with chosen target-level keys left out.  A few targets of
# every report are parsed as JSON to prove the cut, and a report not laid
# out so FAILS the test.
TARGET_START = re.compile(rb'\n    \{\n      "host": "')
KEY_LINE = re.compile(rb'\n      "([a-z_]+)": ')


class Report:
    """A --format json report: .header (the document without its targets,
    parsed), .hosts (in the report's order), .spans (each target's bytes),
    .by_host (host -> index)."""

    def __init__(self, path, what):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise h.SetupError("%s: cannot read %s: %s" % (what, path, e))
        self.path, self.what, self.data = path, what, data
        self.mv = memoryview(data)
        arr = data.find(b'\n  "targets": [')
        if arr < 0:
            raise h.SetupError("%s: no targets array in %s" % (what, path))
        starts = [m.start() + 1 for m in TARGET_START.finditer(data, arr)]
        if not starts:
            end = data.find(b"]", arr + 15)
            tail = data[end + 1:]
        else:
            end = data.find(b"\n    }\n  ]", starts[-1])
            if end < 0:
                raise h.SetupError("%s: the targets array of %s does not end as expected"
                                   % (what, path))
            tail = data[end + 10:]
            end += 6
        self.spans = []
        for i, st in enumerate(starts):
            stop = starts[i + 1] - 2 if i + 1 < len(starts) else end
            if (data[stop - 6:stop] != b"\n    }"
                    or (i + 1 < len(starts) and data[stop:stop + 2] != b",\n")):
                raise h.SetupError("%s: target %d of %s is not laid out as expected: ...%r"
                                   % (what, i, path, data[stop - 40:stop + 4]))
            self.spans.append((st, stop))
        try:
            self.header = json.loads(data[:arr] + b'\n  "targets": []' + tail)
        except ValueError as e:
            raise h.SetupError("%s: %s is not JSON around its targets (%s)" % (what, path, e))
        self.hosts = []
        for st, _ in self.spans:
            q = st + 20                            # '    {\n      "host": ' is 20 bytes
            self.hosts.append(json.loads(data[q:data.index(b"\n", q)].rstrip(b",")))
        self.by_host = {hh: i for i, hh in enumerate(self.hosts)}
        # the cut proven on a few targets: each a whole JSON object, its host the one read
        n = len(self.spans)
        for i in sorted(set([0, n // 3, n // 2, n - 1])) if n else []:
            try:
                doc = json.loads(self.chunk(i))
            except ValueError as e:
                raise h.SetupError("%s: target %d of %s cut wrong (%s)" % (what, i, path, e))
            if not isinstance(doc, dict) or doc.get("host") != self.hosts[i]:
                raise h.SetupError("%s: target %d of %s cut wrong" % (what, i, path))

    def chunk(self, i):
        a, b = self.spans[i]
        return self.data[a:b]

    def doc(self, host):
        return json.loads(self.chunk(self.by_host[host]))

    def digest(self, i, drop=(), addr=None):
        """SHA-256 of target I's bytes without the lines of its target-level
        keys DROP, with ADDR (an address) written {ADDR} wherever else it
        appears (as a whole word: 127.1.0.1 is not in 127.1.0.10)."""
        a, b = self.spans[i]
        view = self.mv[a:b]
        if not drop and addr is None:
            return hashlib.sha256(view).digest()
        cuts = []                                  # (start, end, written instead)
        if drop:
            for m in KEY_LINE.finditer(view):
                if m.group(1).decode() in drop:
                    eol = self.data.find(b"\n", a + m.end(), b)
                    cuts.append((a + m.start(), eol if eol >= 0 else b, b""))
        if addr is not None:
            # a literal first (a lookbehind first would make re try every byte)
            for m in re.finditer(re.escape(addr.encode()) + rb"(?![0-9])", view):
                s0 = a + m.start()
                if s0 > a and self.data[s0 - 1] in b"0123456789.":
                    continue
                cuts.append((s0, a + m.end(), b"{ADDR}"))
        cuts.sort()
        sha, pos = hashlib.sha256(), a
        for s0, e0, instead in cuts:
            if s0 < pos:
                continue                           # inside a line left out
            sha.update(self.mv[pos:s0])
            sha.update(instead)
            pos = e0
        sha.update(self.mv[pos:b])
        return sha.digest()


def without(doc, fields):
    return {k: v for k, v in doc.items() if k not in fields}


def diff_paths(a, b, path="", out=None, limit=12):
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = "%s.%s" % (path, k) if path else k
            if k not in a or k not in b:
                out.append((p, a.get(k, "<absent>"), b.get(k, "<absent>")))
            else:
                diff_paths(a[k], b[k], p, out, limit)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff_paths(x, y, "%s[%d]" % (path, i), out, limit)
    elif a != b:
        out.append((path, a, b))
    return out


def short(v, n=200):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= n else s[:n] + "..."


def explain(ra, rb, hosts, drop=()):
    """The first differences of the documents of HOSTS in reports RA, RB."""
    out = []
    for hh in hosts[:4]:
        if hh not in ra.by_host or hh not in rb.by_host:
            out.append("%s: in %s only" % (hh, ra.what if hh in ra.by_host else rb.what))
            continue
        da, db = ra.doc(hh), rb.doc(hh)
        for k in drop:
            da.pop(k, None)
            db.pop(k, None)
        out.append("%s: %s" % (hh, "; ".join("%s: %s vs %s" % (p, short(x, 80), short(y, 80))
                                             for p, x, y in diff_paths(da, db)[:4])
                               or "the same JSON, another text (key order, spacing)"))
    return "\n".join(out)


def tlsaudit(ns, args, timeout=None):
    """One tlsaudit command inside the namespace; (rc, stdout, stderr)."""
    timeout = timeout or float(os.environ.get("TLSAUDIT_TEST_TIMEOUT", "240"))
    cp = h.run(ns.cmd([h.tlsaudit_path()] + list(args)), check=False, timeout=timeout)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def check_shards(t, shards, merged, order):
    """The shards' own reports (Report objects): shard K holds the targets
    of ORDER (the list) that docs/shards.md's formula puts in shard K, in
    the list's order, each document the one MERGED (the export of the
    sharded run) holds; together they partition the list."""
    shard_hosts = []
    for k, rep in enumerate(shards):
        hs = rep.hosts
        shard_hosts.append(hs)
        want = [a for a in order if shard_of(a, n=len(shards)) == k]
        t.check("shard %d/%d scanned some targets (%d; the formula: %d)"
                % (k, len(shards), len(hs), len(want)), len(hs) > 0)
        t.list_eq("shard %d: its report holds the targets of shard %d (SHA-256 of "
                  "'host|443|' mod %d), in the list's order" % (k, k, len(shards)), want, hs)
        differ = [hh for i, hh in enumerate(hs) if hh not in merged.by_host
                  or rep.digest(i) != merged.digest(merged.by_host[hh])]
        t.check("shard %d: each of its documents is, byte for byte, the one the export of the "
                "run renders (%d differ)" % (k, len(differ)), not differ,
                explain(rep, merged, differ))
    every = [hh for hs in shard_hosts for hh in hs]
    overlap = sorted(hh for hh, n in collections.Counter(every).items() if n > 1)
    t.check("shards: no target in two shards", not overlap, "in two or more: %s" % overlap[:20])
    t.eq("shards: %d targets in all" % len(order), len(order), len(every))
    t.set_eq("shards: together exactly the list", order, sorted(set(every)))
    print("  INFO  targets per shard: %s" % [len(hs) for hs in shard_hosts], flush=True)
    print("  NOTE  that each process connected only to its shard's targets is taken from "
          "its report, not counted on the server side (test_store_pg.py counts it)",
          flush=True)


def compare_exports(t, merged, single, order):
    """The export of the sharded run (MERGED) against the export of the single
    run: the same but for what differs between two runs of one endpoint."""
    t.eq("exports: the same document but for report_time and targets",
         without(single.header, ("report_time", "targets")),
         without(merged.header, ("report_time", "targets")))
    for what, rep in (("sharded", merged), ("single", single)):
        t.list_eq("export of the %s run: targets in the list's order" % what, order, rep.hosts)
    differ = [hh for hh in order if hh not in merged.by_host or hh not in single.by_host
              or merged.digest(merged.by_host[hh], RUN_DEPENDENT)
              != single.digest(single.by_host[hh], RUN_DEPENDENT)]
    t.check("exports: every endpoint's document the same in both runs, but for %s (%d differ)"
            % (", ".join(RUN_DEPENDENT), len(differ)), not differ,
            explain(merged, single, differ, RUN_DEPENDENT))
    ma = collections.Counter(merged.digest(i, DROPPED, hh) for i, hh in enumerate(merged.hosts))
    mb = collections.Counter(single.digest(i, DROPPED, hh) for i, hh in enumerate(single.hosts))
    t.check("exports: the same multiset of documents without %s (%d distinct in the sharded "
            "run, %d in the single)" % (", ".join(DROPPED), len(ma), len(mb)), ma == mb,
            "only in the sharded run: %d, only in the single run: %d"
            % (sum((ma - mb).values()), sum((mb - ma).values())))

    # the single run says what the fleet's configuration says: every target ok
    # (its target-level "status" line), and, parsed, a sample offers TLS 1.2 and 1.3 only
    not_ok = [hh for hh, (a, b) in zip(single.hosts, single.spans)
              if single.data.find(b'\n      "status": "ok",\n', a, b) < 0]
    t.check("single run: every target's status ok (%d not)" % len(not_ok), not not_ok,
            "not ok: %s" % not_ok[:10])
    sample = random.Random(7).sample(single.hosts, min(25, len(single.hosts)))
    bad = []
    for hh in sample:
        protos = single.doc(hh).get("protocols") or {}
        got = sorted(p for p, o in protos.items() if isinstance(o, dict) and o.get("offered"))
        if got != ["TLSv1.2", "TLSv1.3"]:
            bad.append((hh, got))
    t.check("single run: %d targets (sampled) offer TLS 1.2 and 1.3 only (ssl_protocols)"
            % len(sample), bool(sample) and not bad, "not so: %s" % bad[:5])


def main(t):
    t0 = time.time()
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s" % exe)
    ns = h.NetNS()
    h.make_certs()                 # before the threads: made once, used by nginx and postgres
    # PostgreSQL's initdb takes 2-3 s: in a thread while nginx and Slurm start
    pg_box = {}

    def pg_start():
        try:
            pg_box["pg"] = slurm_cluster.start_pg_store(ns)
        except BaseException as e:     # re-raised in the main thread
            pg_box["error"] = e
    th = threading.Thread(target=pg_start, name="postgres")
    th.start()
    try:
        start_fleet_nginx(ns)
        cluster = slurm_cluster.start_cluster(ns)
    finally:
        th.join()
    if "error" in pg_box:
        raise pg_box["error"]
    pg = pg_box["pg"]
    t_setup = time.time() - t0

    # 1. the fleet and the list
    hosts = [address(i) for i in range(FLEET)]
    verify_fleet(t, ns, [hosts[0], hosts[FLEET // 2], hosts[-1]])
    order = list(hosts)
    random.Random(13).shuffle(order)
    work = os.path.join(h.tmpdir(), "shards")
    os.makedirs(work)
    targets = os.path.join(work, "targets.txt")
    with open(targets, "w") as f:
        f.write("# %d endpoints of one nginx, shuffled\n" % FLEET)
        for a in order:
            f.write("%s:443\n" % a)
    want_keys = ["%s|443||%s" % (a, a) for a in order]

    # 2. the sharded run: a Slurm array job of SHARDS tasks
    t1 = time.time()
    res = cluster.sbatch_array(SHARD_TASK, SHARDS, timeout=240, name="shards", env={
        "TLSAUDIT": exe, "TLSAUDIT_DB": pg.url, "TARGETS": targets, "OUT_DIR": work,
        "SCAN_OPTS": " ".join(SCAN_OPTS)})
    t_shards = time.time() - t1
    shard_label = "slurm-%s" % res.job_id
    t.check("the %d array tasks ended with status 0 (job %s, %.1fs)"
            % (SHARDS, res.job_id, res.elapsed), True)

    # 3. the single-process run of the same list into the same store
    t1 = time.time()
    # its report is not read (its export is): not written either, 210 MB
    rc, out, err = tlsaudit(ns, ["scan", "--no-progress", "--db", pg.url, "--run-label",
                                 SINGLE_LABEL, "-i", targets, "--format", "json",
                                 "-o", "/dev/null"] + SCAN_OPTS)
    t_single = time.time() - t1
    if not t.eq("single run: exit status", 0, rc):
        raise h.SetupError("the single run failed:\n%s" % err[-4000:])

    # 4a. tlsaudit runs
    rc, out, err = tlsaudit(ns, ["runs", "--db", pg.url, "--format", "json"], timeout=60)
    if rc != 0:
        raise h.SetupError("tlsaudit runs exited %d: %s" % (rc, err[-2000:]))
    try:
        runs = json.loads(out)
    except ValueError as e:
        raise h.SetupError("tlsaudit runs: not JSON (%s): %s" % (e, out[:2000]))
    by_label = collections.defaultdict(list)
    for r in runs if isinstance(runs, list) else []:
        by_label[r.get("label")].append(r)
    run_ids = {}
    labels = {"sharded": shard_label, "single": SINGLE_LABEL}
    for what, label in labels.items():
        got = by_label.get(label, [])
        if not t.eq("runs: the %s run is listed once" % what, 1, len(got)):
            raise h.SetupError("runs: %s" % short(runs, 3000))
        r = got[0]
        run_ids[what] = r.get("id")
        t.eq("runs: the %s run's targets" % what, FLEET, r.get("targets"))
        t.eq("runs: the %s run's errors" % what, 0, r.get("errors"))
        t.eq("runs: the %s run's status" % what, "done", r.get("status"))
        n = SHARDS if what == "sharded" else 0
        t.eq("runs: the %s run's shards, shards_done" % what, [n, n],
             [r.get("shards"), r.get("shards_done")])
    t.check("runs: two runs in a store made for this test", len(runs) == 2, short(runs, 2000))

    # 4b. the store itself (psql): each key once, at its place in the list
    for what in ("sharded", "single"):
        rid = run_ids[what]
        if not isinstance(rid, int):
            raise h.SetupError("runs: the %s run's id is %r" % (what, rid))
        ids = pg.rows("SELECT id FROM runs WHERE label = '%s'" % labels[what])
        t.eq("store: runs row of the %s run (psql)" % what, [[str(rid)]], ids)
        counts = pg.rows("SELECT key, count(*) FROM results WHERE run = %d GROUP BY key" % rid)
        multi = [(k, n) for k, n in counts if n != "1"]
        t.check("store: every key of the %s run once (%d keys)" % (what, len(counts)),
                not multi, "keys stored more than once: %s" % multi[:20])
        t.set_eq("store: the %s run's keys are the list's" % what, want_keys,
                 [k for k, _ in counts])
        # docs/store.md: seq = the target's place in the list x 65536 + the address's
        # place among its name's addresses (an IP address: 0); the comment not counted
        seq = pg.rows("SELECT seq, key FROM results WHERE run = %d ORDER BY seq" % rid)
        t.list_eq("store: the %s run's (seq, key): the i-th target of the list at i * 65536"
                  % what, [[str(i << 16), k] for i, k in enumerate(want_keys)], seq)
        shards = pg.rows("SELECT shard, nshards, status FROM shards WHERE run = %d "
                         "ORDER BY shard" % rid)
        t.eq("store: the %s run's rows in shards (psql)" % what,
             [[str(k), str(SHARDS), "done"] for k in range(SHARDS)] if what == "sharded"
             else [], shards)

    # 4c. the exports; the shards' own reports partition the list
    t1 = time.time()
    # the two exports at once (each renders 210 MB)
    paths = {what: os.path.join(work, "export-%s.json" % what) for what in run_ids}
    done = {}

    def export(what):
        try:
            done[what] = tlsaudit(ns, ["export", "--db", pg.url, "--run", str(run_ids[what]),
                                       "--format", "json", "-o", paths[what]], timeout=180)
        except h.SetupError as e:      # a timeout: reported below
            done[what] = (None, "", str(e))
    threads = [threading.Thread(target=export, args=(what,)) for what in run_ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    exports = {}
    for what in ("sharded", "single"):
        rc, out, err = done.get(what, (None, "", "the export did not run"))
        if rc != 0:
            raise h.SetupError("tlsaudit export --run %s exited %s: %s"
                               % (run_ids[what], rc, err[-2000:]))
        exports[what] = Report(paths[what], "export of the %s run" % what)
    t_export = time.time() - t1
    merged, single = exports["sharded"], exports["single"]
    shards = [Report(os.path.join(work, "shard-%d.json" % k), "shard %d's report" % k)
              for k in range(SHARDS)]
    check_shards(t, shards, merged, order)
    compare_exports(t, merged, single, order)
    t_compare = time.time() - t1 - t_export

    cluster.stop()
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                resource.RUSAGE_CHILDREN))
    print("TIMING setup %.1fs (nginx, postgres %.1fs, slurm %.1fs), sharded run %.1fs "
          "(array job %.1fs), single run %.1fs, 2 exports %.1fs, comparisons %.1fs, "
          "total %.1fs; CPU: this process %.1fs, its waited-for children %.1fs (not the "
          "array's tasks), load %s" % (
              t_setup, pg.up, cluster.timings["up"], t_shards, res.elapsed, t_single,
              t_export, t_compare, time.time() - t0, me.ru_utime + me.ru_stime,
              kids.ru_utime + kids.ru_stime, os.getloadavg()[0]), flush=True)


if __name__ == "__main__":
    h.run_test(main)
