#!/usr/bin/env python3
"""Fleet scenario: tlsaudit against N endpoints in one run.

    sudo python3 bench/fleet.py                       # 1,000 and 10,000 endpoints (JSON), then
                                                      # 10,000 as text and as HTML, sslscan on 1,000
    sudo python3 bench/run.py --fleet 1000,10000      # the same, through run.py
    sudo python3 bench/fleet.py --sizes 200 --formats "" --no-sslscan --output /tmp/r.md

One network namespace with only `lo` up holds one nginx that listens on port
443 (TLS) and 80 (redirect to HTTPS) of the WHOLE namespace (0.0.0.0), so
every 127.x.y.z address answers: the target file holds N distinct
127.1.X.Y:443 addresses, N hosts of one configuration. tlsaudit runs inside
the namespace under GNU time (`scan --format FMT -o FILE -i targets.txt`);
a thread samples its VmRSS (/proc/PID/status) every --interval seconds,
together with how many targets the report file already holds, to show
whether memory follows the targets in flight or the targets scanned. Each
endpoint's JSON result is compared with single scans of a few of the same
endpoints. Writes the "## Fleet" section of bench/RESULTS.md and leaves the
rest of the file as it is. See bench/README.md ("Fleet").
"""

import argparse
import copy
import datetime
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import servers    # noqa: E402
import scanners   # noqa: E402

SECTION = "## Fleet"
RSS_TARGET_MIB = 100          # the target at 10,000 endpoints (JSON to a file)
PER_OCTET = 250               # 127.1.X.Y with Y = 1..250
MAX_TARGETS = 256 * PER_OCTET
# Fields of a target object that legitimately differ between runs or endpoints:
#   host, ip:        the endpoint's own address (every endpoint is another address);
#   connections:     how many connections the scan needed, which retries and the
#                    pacing under load may change (shown separately as a distribution);
#   duration_ms:     wall time of the target.
# report_time is a field of the document, not of a target. Nothing else is dropped:
# lists stay in their order (suite and group orders are results).
DROPPED = ("host", "ip", "connections", "duration_ms")
# one marker per target in each report format (to count the targets written so far)
MARKERS = {"json": b'"duration_ms":', "text": b":443 (127.", "html": b'<section class="target"'}
EXT = {"json": "json", "text": "txt", "html": "html"}
# nmap: the subset is sized so that its run should take this share of --nmap-budget
NMAP_MARGIN = 0.8

NGINX_FLEET_CONF = """\
worker_processes {workers};
worker_rlimit_nofile {nofile};
daemon off;
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
        listen 80 backlog=4096;
        server_name localhost;
        return 301 https://$host$request_uri;
    }}
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
        add_header Strict-Transport-Security "max-age=63072000" always;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""
SERVER_DESC = ("nginx {version}, one instance for the whole namespace: `listen 443 ssl` and "
               "`listen 80` (301 to https) on 0.0.0.0, worker_processes {workers}, "
               "worker_connections {wconn}, worker_rlimit_nofile {nofile}, backlog 4096; TLS as "
               "the `nginx-intermediate` scenario (Mozilla intermediate 5.7: TLS 1.2+1.3, the "
               "9-suite ECDHE/DHE AEAD list, X25519:prime256v1:secp384r1, ffdhe2048, client "
               "order) plus an HSTS header; self-signed RSA-2048 certificate")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def address(i):
    return "127.1.%d.%d" % (i // PER_OCTET, i % PER_OCTET + 1)


def write_targets(path, n):
    with open(path, "w") as fh:
        for i in range(n):
            fh.write("%s:443\n" % address(i))


def nofile_limits():
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def raise_nofile():
    """preexec: soft RLIMIT_NOFILE up to the hard limit (raising the hard limit needs
    CAP_SYS_RESOURCE, which this sandbox's root may lack)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1048576, 1048576))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def try_raise_hard():
    """Whether the hard RLIMIT_NOFILE can be raised here (needs CAP_SYS_RESOURCE)."""
    soft, hard = nofile_limits()
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard + 1))
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard + 1))
        return True
    except (ValueError, OSError):
        return False


# --------------------------------------------------------------------------
# the server


def start_fleet_nginx(ns, workdir, workers, wconn, nofile, timeout=15):
    mat = servers.make_material(os.path.join(workdir, "material"))
    # days_left = floor((not_after - now) / 86400) of a certificate minted just now with
    # -days 30 is 30 in the second it was made and 29 for the next day: start the scans
    # after that second, so that the single scans and the fleet see the same value
    wait = os.path.getmtime(mat["cert"]) + 2 - time.time()
    if wait > 0:
        time.sleep(wait)
    d = os.path.join(workdir, "nginx-fleet")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "tmp"))
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(NGINX_FLEET_CONF.format(dir=d, workers=workers, wconn=wconn, nofile=nofile,
                                         cert=mat["cert"], key=mat["key"],
                                         ffdhe2048=mat["ffdhe2048"],
                                         ciphers=servers.MOZILLA_INTERMEDIATE_CIPHERS))
    err = os.path.join(d, "error.log")
    t = subprocess.run(ns.argv(["nginx", "-t", "-e", err, "-p", d + "/", "-c", conf]),
                       capture_output=True, text=True)
    if t.returncode != 0:
        raise RuntimeError("nginx -t failed:\n" + t.stderr)
    out = open(os.path.join(d, "stdout.log"), "w")
    errf = open(os.path.join(d, "stderr.log"), "w")
    proc = ns.popen(["nginx", "-e", err, "-p", d + "/", "-c", conf], stdin=subprocess.DEVNULL,
                    stdout=out, stderr=errf, start_new_session=True, cwd=d,
                    preexec_fn=raise_nofile)
    out.close()
    errf.close()
    srv = servers.Server("nginx-fleet", ns, proc, d, 443)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        if servers.listening(proc.pid, 443) and servers.listening(proc.pid, 80):
            time.sleep(0.3)     # let the workers come up after the master bound
            return srv, conf
        time.sleep(0.05)
    srv.stop()
    raise RuntimeError("nginx did not start (exit %s)\n%s" % (proc.returncode, srv.log_tail()))


def ns_tcp(pid):
    """TcpActiveOpens, TcpPassiveOpens of the namespace of process pid (no process spawned)."""
    try:
        with open("/proc/%d/net/snmp" % pid) as fh:
            tcp = servers.parse_snmp(fh.read()).get("Tcp", {})
        return tcp.get("ActiveOpens", 0), tcp.get("PassiveOpens", 0)
    except OSError:
        return None, None


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
            return [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        return []


def proc_status(pid):
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "VmData", "Threads", "FDSize"):
                    vals[k] = int(v.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return vals


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


# --------------------------------------------------------------------------
# a measured run with sampling


class Sampler(threading.Thread):
    """Every `interval` s: the tool's VmRSS/VmHWM, open fds, the report file's size and
    number of targets in it (marker count), and the namespace's TcpActiveOpens."""

    def __init__(self, time_pid, srv_pid, outfile, marker, interval):
        super().__init__(daemon=True)
        self.time_pid, self.srv_pid, self.outfile = time_pid, srv_pid, outfile
        self.marker, self.interval = marker, interval
        self.samples = []       # (t, rss_kb, hwm_kb, fds, out_bytes, targets_done, active)
        self.stop_ev = threading.Event()
        self.tool_pid = None
        self._off, self._count, self._tail = 0, 0, b""
        self.t0 = time.perf_counter()

    def _progress(self):
        if not self.outfile or not os.path.exists(self.outfile):
            return 0, 0
        size = os.path.getsize(self.outfile)
        if self.marker and size > self._off:
            with open(self.outfile, "rb") as fh:
                fh.seek(self._off)
                chunk = fh.read(size - self._off)
            data = self._tail + chunk
            self._count += data.count(self.marker)
            keep = len(self.marker) - 1
            # keep a tail shorter than the marker: a marker split over two reads is counted once
            self._tail = data[-keep:] if keep > 0 else b""
            self._off = size
        return size, self._count

    def run(self):
        while not self.stop_ev.is_set():
            if self.tool_pid is None:
                kids = children(self.time_pid)
                if kids:
                    self.tool_pid = kids[0]
            if self.tool_pid is not None:
                st = proc_status(self.tool_pid)
                if st is None:      # the tool has exited
                    break
                size, done = self._progress()
                active, _ = ns_tcp(self.srv_pid)
                self.samples.append((round(time.perf_counter() - self.t0, 3), st.get("VmRSS"),
                                     st.get("VmHWM"), open_fds(self.tool_pid), size, done,
                                     active))
            self.stop_ev.wait(self.interval)

    def final_count(self):
        return self._progress()


def measured(ns, srv, argv, outdir, tag, outfile=None, fmt=None, interval=0.25, timeout=3600,
             env=None):
    """Run argv in the namespace under GNU time, sampling it. Returns a dict."""
    os.makedirs(outdir, exist_ok=True)
    time_p = os.path.join(outdir, tag + ".time")
    out_p = os.path.join(outdir, tag + ".stdout")
    err_p = os.path.join(outdir, tag + ".stderr")
    for p in (time_p, outfile):
        if p and os.path.exists(p) and p != "/dev/null":
            os.unlink(p)
    full = ns.argv([scanners.GNU_TIME, "-o", time_p, "-f", scanners.TIME_FMT]
                   + (["env"] + env if env else []) + list(argv))
    a0, p0 = ns_tcp(srv.pid)
    rec = {"tag": tag, "argv": list(argv), "timed_out": False}
    with open(out_p, "w") as out, open(err_p, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True, cwd=outdir, preexec_fn=raise_nofile)
        marker = MARKERS.get(fmt) if outfile and outfile != "/dev/null" else None
        smp = Sampler(proc.pid, srv.pid, outfile if marker else None, marker, interval)
        smp.t0 = t0
        smp.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rec["timed_out"] = True
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
            proc.wait()
        except BaseException:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
            proc.wait()
            raise
        rec["wall"] = time.perf_counter() - t0
        smp.stop_ev.set()
        smp.join()
    try:
        os.killpg(proc.pid, 9)     # stragglers of the tool's session (none expected)
    except (ProcessLookupError, PermissionError):
        pass
    a1, p1 = ns_tcp(srv.pid)
    rec["active"], rec["passive"] = a1 - a0, p1 - p0
    rec["samples"] = smp.samples
    if marker:
        size, done = smp.final_count()
        rec["out_bytes"], rec["targets_written"] = size, done
    elif outfile and outfile != "/dev/null" and os.path.exists(outfile):
        rec["out_bytes"] = os.path.getsize(outfile)
    rec["user"] = rec["sys"] = rec["maxrss_kb"] = rec["exit"] = None
    try:
        with open(time_p) as fh:
            for line in fh:
                if line.startswith("TIMING "):
                    f = line.split()
                    rec["user"], rec["sys"] = float(f[2]), float(f[3])
                    rec["maxrss_kb"], rec["exit"] = int(f[4]), int(f[5])
                elif "terminated by signal" in line:
                    m = re.search(r"signal (\d+)", line)
                    if m:
                        rec["signal"] = int(m.group(1))
    except OSError:
        pass
    rec["cpu"] = (rec["user"] + rec["sys"]) if rec["user"] is not None else None
    rec["stderr_tail"] = scanners_tail(err_p)
    rec["stdout_path"], rec["stderr_path"] = out_p, err_p
    return rec


def scanners_tail(path, n=6):
    try:
        with open(path, errors="replace") as fh:
            return fh.read().splitlines()[-n:]
    except OSError:
        return []


# --------------------------------------------------------------------------
# comparing results


def iter_targets(path, chunk=1 << 20):
    """Stream the target objects of a tlsaudit JSON report (hundreds of MB at 10,000
    targets) without loading the document. Returns (generator, doc) where doc gets the
    document's other fields once the generator is exhausted."""
    doc = {}

    def gen():
        dec = json.JSONDecoder()
        with open(path, encoding="utf-8") as fh:
            buf = fh.read(chunk)
            m = re.search(r'"targets"\s*:\s*\[', buf)
            if not m:
                raise ValueError("no \"targets\" array in the first %d bytes" % chunk)
            head = buf[:m.start()]
            pos = m.end()
            while True:
                while True:
                    while pos < len(buf) and buf[pos] in " \t\r\n,":
                        pos += 1
                    if pos < len(buf):
                        break
                    more = fh.read(chunk)
                    if not more:
                        raise ValueError("report ends inside the targets array")
                    buf, pos = more, 0
                if buf[pos] == "]":
                    pos += 1
                    break
                while True:
                    try:
                        obj, end = dec.raw_decode(buf, pos)
                        break
                    except json.JSONDecodeError:
                        more = fh.read(chunk)
                        if not more:
                            raise
                        buf, pos = buf[pos:] + more, 0
                yield obj
                pos = end
                if pos > chunk:
                    buf, pos = buf[pos:], 0
            rest = buf[pos:] + fh.read()
        # the document without its targets: head + [] + rest must be valid JSON
        doc.update(json.loads(head + '"targets": []' + rest))
    return gen(), doc


def addr_rx(addr):
    """The address as a whole word (127.1.0.1 must not match inside 127.1.0.10)."""
    return re.compile(r"(?<![0-9.])%s(?![0-9])" % re.escape(addr))


def map_strings(obj, fn):
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, list):
        return [map_strings(x, fn) for x in obj]
    if isinstance(obj, dict):
        return {k: map_strings(v, fn) for k, v in obj.items()}
    return obj


def string_paths(obj, rx, path="", out=None):
    """Paths (indices folded to []) of the strings that rx matches."""
    if out is None:
        out = set()
    if isinstance(obj, str):
        if rx.search(obj):
            out.add(path)
    elif isinstance(obj, list):
        for x in obj:
            string_paths(x, rx, path + "[]", out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            string_paths(v, rx, "%s.%s" % (path, k) if path else k, out)
    return out


def normalize(t):
    """Strict form: the DROPPED fields removed, the endpoint's own address written
    {ADDR} wherever a string quotes it (the redirect's Location, the evidence of profile
    rules that quote it)."""
    addrs = set(a for a in (t.get("host"), t.get("ip")) if a)
    t = {k: v for k, v in t.items() if k not in DROPPED}
    for a in addrs:
        rx = addr_rx(a)
        t = map_strings(t, lambda s, rx=rx: rx.sub("{ADDR}", s))
    return t


def loosen(t):
    """Order-insensitive form of a normalized target: each certificate's `served` list
    sorted, and its entries written {SERVED} in the profiles' evidence, which quotes the
    first entry. `served` lists the handshakes that returned the certificate in the order
    they completed, which concurrency may change."""
    t = copy.deepcopy(t)
    entries = set()
    for c in t.get("certificates") or []:
        if isinstance(c, dict) and isinstance(c.get("served"), list):
            entries.update(x for x in c["served"] if isinstance(x, str))
            c["served"] = sorted(c["served"], key=str)
    if entries and "profiles" in t:
        ents = sorted(entries, key=len, reverse=True)

        def mask(s):
            for e in ents:
                s = s.replace(e, "{SERVED}")
            return s
        t["profiles"] = map_strings(t["profiles"], mask)
    return t


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def diff_paths(a, b, path="", out=None, limit=50):
    """Paths where a and b differ: [(path, value in a, value in b)]."""
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


def short(v, n=160):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= n else s[:n] + "…"


def check_json(path, n, ref):
    """Compare every target of the fleet report with the reference (normalized single scan)."""
    ref_c = canon(ref)
    ref_l = canon(loosen(ref))
    res = {"targets": 0, "identical": 0, "order_only": 0, "differ": 0, "paths": {},
           "examples": {}, "order_paths": {}, "order_examples": {}, "differ_hosts": [],
           "status": {}, "incomplete": 0, "failed_conns": 0, "failed_targets": 0,
           "conns": [], "dur": [], "missing": [], "dupes": [], "extra": [], "slowest": []}
    expect = set(address(i) for i in range(n))
    seen = set()
    gen, doc = iter_targets(path)
    order_ok = True
    for idx, t in enumerate(gen):
        res["targets"] += 1
        host = t.get("host")
        if host in seen:
            res["dupes"].append(host)
        elif host not in expect:
            res["extra"].append(host)
        seen.add(host)
        if order_ok and host != address(idx):
            order_ok = False
            res["first_out_of_order"] = (idx, host)
        res["status"][t.get("status")] = res["status"].get(t.get("status"), 0) + 1
        res["incomplete"] += bool(t.get("incomplete"))
        fc = t.get("failed_connections") or 0
        res["failed_conns"] += fc
        res["failed_targets"] += bool(fc)
        res["conns"].append(t.get("connections") or 0)
        res["dur"].append((t.get("duration_ms") or 0, host))
        nt = normalize(t)
        if canon(nt) == ref_c:
            res["identical"] += 1
            continue
        if canon(loosen(nt)) == ref_l:
            res["order_only"] += 1
            paths, examples = res["order_paths"], res["order_examples"]
        else:
            res["differ"] += 1
            paths, examples = res["paths"], res["examples"]
            if len(res["differ_hosts"]) < 100:
                res["differ_hosts"].append(host)
        keys = set()
        for p, a, b in diff_paths(ref, nt):
            key = re.sub(r"\[\d+\]", "[]", p)
            ex = examples.setdefault(key, [])
            if key not in keys and len(ex) < 3:
                ex.append((host, short(a), short(b)))
            keys.add(key)
        for key in keys:                    # targets, not list entries
            paths[key] = paths.get(key, 0) + 1
    res["missing"] = sorted(expect - seen)[:20]
    res["nmissing"] = len(expect - seen)
    res["in_order"] = order_ok
    res["doc_keys"] = sorted(doc)
    durs = sorted(d for d, _ in res["dur"])
    # the first batch (256 / 4 = 64 targets start at once): its duration against the rest
    first = sorted(d for d, _ in res["dur"][:64])
    res["first_batch_p50"] = first[len(first) // 2] if first else None
    rest = sorted(d for d, _ in res["dur"][64:])
    res["rest_p50"] = rest[len(rest) // 2] if rest else None
    res["slowest"] = sorted(res["dur"], reverse=True)[:5]
    res["dur_stats"] = _dist(durs)
    res["conn_stats"] = _dist(sorted(res["conns"]))
    res["conns_sum"] = sum(res["conns"])
    del res["dur"], res["conns"]
    return res


def _dist(vals):
    if not vals:
        return None
    q = lambda f: vals[min(len(vals) - 1, int(f * len(vals)))]   # noqa: E731
    return {"min": vals[0], "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": vals[-1]}


def count_text_html(path, fmt, n):
    """Targets in a text / HTML report: headers counted, addresses checked."""
    if fmt == "text":
        rx = re.compile(rb"^(127\.1\.\d+\.\d+):443 \(", re.M)
    else:
        rx = re.compile(rb'<section class="target" id="t(\d+)"')
    found = []
    with open(path, "rb") as fh:
        tail = b""
        while True:
            chunk = fh.read(1 << 22)
            if not chunk:
                break
            data = tail + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = data
                continue
            found += [m.group(1).decode() for m in rx.finditer(data, 0, cut + 1)]
            tail = data[cut + 1:]
        found += [m.group(1).decode() for m in rx.finditer(tail)]
    if fmt == "text":
        expect = set(address(i) for i in range(n))
        return {"targets": len(found), "distinct": len(set(found)),
                "missing": len(expect - set(found)), "extra": len(set(found) - expect)}
    return {"targets": len(found), "distinct": len(set(found))}


# --------------------------------------------------------------------------
# one measured tlsaudit run over the fleet, with or without the store


class Ctx:
    """What every run of one bench invocation shares."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def targets(self, n):
        """The targets file of the first n endpoints (written when missing)."""
        if n not in self.tfiles:
            self.tfiles[n] = os.path.join(self.workdir, "targets-%d.txt" % n)
            write_targets(self.tfiles[n], n)
        return self.tfiles[n]

    def hosts(self, n):
        """The addresses alone, one a line, for nmap -iL (which takes no HOST:PORT)."""
        path = os.path.join(self.workdir, "hosts-%d.txt" % n)
        if not os.path.exists(path):
            with open(path, "w") as fh:
                for i in range(n):
                    fh.write(address(i) + "\n")
        return path


def store_paths(db):
    return [db, db + "-wal", db + "-shm"]


def remove_store(db):
    for p in store_paths(db):
        if os.path.exists(p):
            os.unlink(p)


def store_sizes(db):
    """Sizes of the store file and of its -wal and -shm (0 when absent)."""
    return [os.path.getsize(p) if os.path.exists(p) else 0 for p in store_paths(db)]


def same_bytes(a, b, chunk=1 << 22):
    """Stream-compare two files: {"equal", "size_a", "size_b", "offset" of the first
    difference (None when equal)}."""
    res = {"size_a": os.path.getsize(a), "size_b": os.path.getsize(b), "offset": None}
    off = 0
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                i = 0
                while i < min(len(x), len(y)) and x[i] == y[i]:
                    i += 1
                res["offset"] = off + i
                break
            if not x:
                break
            off += len(x)
    res["equal"] = res["offset"] is None
    return res


def check_store(ctx, db, report, n, label):
    """The store of a run: `tlsaudit runs -f json` (one run holding n targets) and
    `tlsaudit export -f json` equal to the scan's report byte for byte."""
    st = {}
    r = subprocess.run([ctx.tlsaudit, "runs", "--db", db, "-f", "json"], capture_output=True,
                       text=True)
    st["runs_exit"] = r.returncode
    try:
        runs = json.loads(r.stdout)
        last = max(runs, key=lambda x: x.get("id", 0)) if runs else {}
        st["runs"] = {k: last.get(k) for k in ("id", "status", "targets", "errors")}
        st["nruns"] = len(runs)
    except (ValueError, TypeError, AttributeError) as e:
        st["runs"] = None
        st["runs_error"] = "%s; stderr: %s" % (e, r.stderr.strip()[-300:])
    st["holds_n"] = bool(st.get("runs")) and st["runs"].get("targets") == n
    if not st["holds_n"]:
        ctx.notes.append("%s: the store does not hold %d results: `tlsaudit runs -f json` "
                         "says %s (exit %d)%s" % (label, n, st.get("runs"), r.returncode,
                                                  "; " + st["runs_error"]
                                                  if st.get("runs_error") else ""))
    exp = os.path.join(ctx.workdir, "export-%d.json" % n)
    servers.settle(ctx.srv, timeout=120)
    e = measured(ctx.ns, ctx.srv, [ctx.tlsaudit, "export", "--db", db, "-f", "json", "-o", exp],
                 os.path.join(ctx.workdir, "out"), "export-%d" % n, exp, None,
                 interval=ctx.args.interval, timeout=ctx.args.timeout)
    st["export"] = {k: e.get(k) for k in ("wall", "cpu", "maxrss_kb", "exit", "out_bytes",
                                          "timed_out", "stderr_tail")}
    if os.path.exists(exp) and os.path.exists(report):
        t0 = time.time()
        st["same"] = same_bytes(report, exp)
        log("%s: export compared in %.0fs: %s" % (label, time.time() - t0, st["same"]))
        if not st["same"]["equal"]:
            ctx.notes.append("%s: `tlsaudit export -f json` differs from the scan's report at "
                             "byte %d (%d bytes exported, %d in the report)" % (
                                 label, st["same"]["offset"], st["same"]["size_b"],
                                 st["same"]["size_a"]))
    else:
        st["same"] = None
        ctx.notes.append("%s: `tlsaudit export` wrote no file (exit %s; %s)" % (
            label, e.get("exit"), " | ".join(e["stderr_tail"]) or "no stderr"))
    if not ctx.keep and os.path.exists(exp):
        os.unlink(exp)
    return st


def fleet_run(ctx, n, fmt, store, label=None, tag=None):
    """tlsaudit scan --format fmt -o FILE [--db FILE] -i targets-n.txt, measured, its report
    checked (JSON: every endpoint against the reference) and, with the store, the store
    checked too."""
    label = label or "%d, %s%s" % (n, fmt, ", --db" if store else "")
    tag = tag or "fleet-%d-%s%s" % (n, fmt, "-db" if store else "")
    out = os.path.join(ctx.workdir, "%s.%s" % (tag, EXT[fmt]))
    db = os.path.join(ctx.workdir, "%s.db" % tag) if store else None
    if db:
        remove_store(db)
    waited = servers.settle(ctx.srv, timeout=120)
    log("%s: starting (waited %.1fs for the namespace to be idle)" % (label, waited))
    rec = measured(ctx.ns, ctx.srv, [ctx.tlsaudit, "scan", "--format", fmt, "-o", out]
                   + (["--db", db] if db else []) + ctx.extra + ["-i", ctx.targets(n)],
                   os.path.join(ctx.workdir, "out"), tag, out, fmt,
                   interval=ctx.args.interval, timeout=ctx.args.timeout)
    rec.update(n=n, fmt=fmt, label=label)
    if db:
        # sizes as the scan left them (the reading commands below add a -shm)
        rec["store"] = {"sizes": store_sizes(db)}
    log("%s: %.1fs wall %.1fs cpu %.1f MiB peak, conns %s/%s, exit %s%s%s" % (
        label, rec["wall"], rec["cpu"] or 0, mib(rec["maxrss_kb"]) or 0,
        rec["active"], rec["passive"], rec["exit"], " TIMEOUT" if rec["timed_out"] else "",
        ", store %s bytes (file, -wal, -shm)" % rec["store"]["sizes"] if db else ""))
    if rec["passive"] != rec["active"]:
        ctx.notes.append("%s: TcpActiveOpens %d, TcpPassiveOpens %d (connections "
                         "that did not reach nginx: %d)" % (
                             label, rec["active"], rec["passive"],
                             rec["active"] - rec["passive"]))
    if rec.get("exit") not in (0, 3, 4) or rec["timed_out"] or rec.get("signal"):
        ctx.notes.append("%s: exit %s%s%s; stderr: %s" % (
            label, rec.get("exit"), " (timed out)" if rec["timed_out"] else "",
            " signal %s" % rec.get("signal") if rec.get("signal") else "",
            " | ".join(rec["stderr_tail"]) or "(empty)"))
    if os.path.exists(out):
        if fmt == "json":
            t0 = time.time()
            try:
                rec["compare"] = check_json(out, n, ctx.ref)
            except (ValueError, json.JSONDecodeError) as e:
                rec["compare"] = None
                ctx.notes.append("%s: the report is not valid JSON: %s" % (label, e))
            log("%s: compared in %.0fs: %s" % (label, time.time() - t0, {
                k: rec["compare"][k] for k in ("targets", "identical", "differ")}
                if rec.get("compare") else None))
        else:
            rec["count"] = count_text_html(out, fmt, n)
            log("%s: %s" % (label, rec["count"]))
    else:
        ctx.notes.append("%s: no report file was written" % label)
    if db:
        if os.path.exists(db):
            rec["store"].update(check_store(ctx, db, out, n, label))
        else:
            ctx.notes.append("%s: no store file was written" % label)
        if not ctx.keep:
            remove_store(db)
    if not ctx.keep and os.path.exists(out):
        os.unlink(out)
    return rec


# --------------------------------------------------------------------------
# nmap's ssl-enum-ciphers over the fleet


NMAP_ARGV = ["nmap", "-n", "-Pn", "-p", "443", "--script", "ssl-enum-ciphers"]


def nmap_pairs(xml_path, names):
    """nmap -oX output -> ({host: frozenset of 'VERSION SUITE'} of the hosts whose
    ssl-enum-ciphers ran, hosts in the file)."""
    out, nhosts = {}, 0
    for _, el in ET.iterparse(xml_path):
        if el.tag != "host":
            continue
        nhosts += 1
        addr = el.find("address")
        host = addr.get("addr") if addr is not None else "?"
        for sc in el.iter("script"):
            if sc.get("id") != "ssl-enum-ciphers":
                continue
            pairs = set()
            for vt in sc.findall("table"):
                ver = vt.get("key")
                for ct in vt.findall("table[@key='ciphers']/table"):
                    nm = ct.find("elem[@key='name']")
                    if nm is not None and nm.text:
                        pairs.add("%s %s" % (ver, names.canon(nm.text)))
            out[host] = frozenset(pairs)
        el.clear()
    return out, nhosts


def nice_floor(x):
    """x rounded down to two significant digits (2,749 -> 2,700; 87 -> 80; at least 1)."""
    x = int(x)
    if x < 10:
        return max(1, x)
    step = 10 ** (len(str(x)) - 2)
    return x - x % step


def nmap_run(ctx, n, tag, timeout, names, refpairs):
    """One measured nmap run over the first n endpoints, its XML parsed."""
    xml = os.path.join(ctx.workdir, tag + ".xml")
    servers.settle(ctx.srv, timeout=120)
    log("%s: nmap over %d endpoints (stopped after %d s) ..." % (tag, n, timeout))
    rec = measured(ctx.ns, ctx.srv, NMAP_ARGV + ["-iL", ctx.hosts(n), "-oX", xml],
                   os.path.join(ctx.workdir, "out"), tag, xml, None, interval=1.0,
                   timeout=timeout)
    rec["n"] = n
    rec.pop("samples", None)
    if rec["timed_out"]:
        rec["error"] = "stopped after %d s" % timeout
    pairs, nhosts = {}, 0
    if os.path.exists(xml):
        try:
            pairs, nhosts = nmap_pairs(xml, names)
        except ET.ParseError as e:
            rec.setdefault("error", "the XML does not parse: %s" % e)
        if not ctx.keep:
            os.unlink(xml)
    rec["hosts"], rec["reported"] = nhosts, len(pairs)
    if not rec.get("error") and (rec.get("exit") != 0 or nhosts != n):
        rec["error"] = "exit %s, %d of the %d hosts in its XML; stderr: %s" % (
            rec.get("exit"), nhosts, n, " | ".join(rec["stderr_tail"][-2:]) or "(empty)")
    distinct = {}
    for h, p in pairs.items():
        distinct.setdefault(p, []).append(h)
    same = sum(len(hs) for p, hs in distinct.items() if p == refpairs)
    rec["agree"] = "%d / %d = tlsaudit's pairs" % (same, n)
    rec["detail"] = ("%d hosts in the XML, %d with ssl-enum-ciphers output, %d distinct "
                     "(version, suite) sets; %d endpoints with exactly the %d pairs of "
                     "tlsaudit's reference%s" % (
                         nhosts, len(pairs), len(distinct), same, len(refpairs),
                         "" if len(distinct) <= 1 and same == n else "; other sets: " + "; ".join(
                             "%d endpoints (e.g. %s): %d pairs, missing %s, extra %s" % (
                                 len(hs), hs[0], len(p), ", ".join(sorted(refpairs - p)) or "none",
                                 ", ".join(sorted(p - refpairs)) or "none")
                             for p, hs in distinct.items() if p != refpairs)[:800]))
    rec["same"] = same
    log("%s: %.1fs wall %.1fs cpu %.1f MiB peak, %s conns, exit %s; %s" % (
        tag, rec["wall"], rec["cpu"] or 0, mib(rec["maxrss_kb"]) or 0, rec["active"],
        rec["exit"], rec["agree"]))
    return rec


def nmap_part(ctx, all_n):
    """nmap over the first 20 endpoints (its time per endpoint), then over a subset it can
    scan within the budget (or all all_n endpoints), and tlsaudit with the store over the
    same subset just before it: ratios measured in one run."""
    a = ctx.args
    names = scanners.SuiteNames()
    refpairs = tlsaudit_pairs(ctx.ref)
    v = subprocess.run(["nmap", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"Nmap version (\S+)", v)
    res = {"version": m.group(1) if m else "?", "all": all_n,
           "budget": a.nmap_budget, "argv": " ".join(NMAP_ARGV)}
    if a.nmap == "auto":
        k = min(a.nmap_probe, all_n)
        probe = nmap_run(ctx, k, "nmap-probe-%d" % k, a.nmap_budget, names, refpairs)
        res["probe"] = probe
        per = probe["wall"] / k
        res["per_endpoint"] = per
        if probe.get("error"):
            res["error"] = "nmap over the first %d endpoints failed (%s): not run" % (
                k, probe["error"])
            ctx.notes.append("nmap: " + res["error"])
            return res
        fit = int(a.nmap_budget * NMAP_MARGIN / per) if per > 0 else all_n
        subset = all_n if fit >= all_n else max(k, nice_floor(fit))
        res["chosen"] = ("nmap took %.1f s over the first %d endpoints (%.0f ms per endpoint, "
                         "start-up included); at that pace %d endpoints fill %d %% of the "
                         "%d s budget" % (probe["wall"], k, per * 1000, fit,
                                          round(NMAP_MARGIN * 100), a.nmap_budget))
    else:
        subset = min(int(a.nmap), all_n)
        res["chosen"] = "set with --nmap %d" % subset
    res["n"] = subset
    res["subset"] = subset < all_n
    log("nmap: %s: %d endpoints" % (res["chosen"], subset))
    # tlsaudit first, then nmap, over the same first `subset` endpoints
    res["tlsaudit"] = t = fleet_run(ctx, subset, "json", not a.no_store,
                                    label="%d (nmap's endpoints), json%s" % (
                                        subset, "" if a.no_store else ", --db"),
                                    tag="nmapset-%d-json%s" % (subset, "" if a.no_store else "-db"))
    t.pop("samples", None)
    res["nmap"] = m = nmap_run(ctx, subset, "nmap-%d" % subset, a.nmap_budget * 3, names,
                               refpairs)
    if m.get("error"):
        ctx.notes.append("nmap over %d endpoints: %s" % (subset, m["error"]))
    elif m["wall"] > a.nmap_budget:
        ctx.notes.append("nmap over %d endpoints took %.0f s, more than the budget of %d s "
                         "(its pace over the first endpoints was not its pace over many)" % (
                             subset, m["wall"], a.nmap_budget))
    for r in (res.get("probe"), m):
        if r and r["passive"] != r["active"]:
            ctx.notes.append("nmap over %d endpoints: TcpActiveOpens %d, TcpPassiveOpens %d "
                             "(connections that did not reach nginx: %d)" % (
                                 r["n"], r["active"], r["passive"], r["active"] - r["passive"]))
    if m["same"] != subset:
        ctx.notes.append("nmap over %d endpoints: %s (%s)" % (subset, m["agree"], m["detail"]))

    def ratio(x, y):
        return x / y if x is not None and y else None

    res["ratios"] = {
        "wall": ratio(m["wall"], t["wall"]), "cpu": ratio(m["cpu"], t["cpu"]),
        "maxrss": ratio(m["maxrss_kb"], t["maxrss_kb"]),
        "conns": ratio(m["active"], t["active"]),
        "cpu_conn": ratio(ratio(m["cpu"], m["active"]), ratio(t["cpu"], t["active"]))}
    return res


# --------------------------------------------------------------------------
# sslscan over the fleet


def sslscan_pairs(text, names):
    """sslscan --targets output -> {host: frozenset of 'VERSION SUITE'}."""
    blocks = re.split(r"(?m)^(?=Testing SSL server )", scanners.strip_ansi(text))
    out = {}
    for b in blocks:
        m = re.match(r"Testing SSL server (\S+) on port (\d+)", b)
        if not m:
            continue
        parsed = scanners.parse_sslscan(b)
        out[m.group(1)] = frozenset("%s %s" % (p, names.canon(s))
                                    for p, lst in parsed["suites"].items() if p for s in lst)
    return out


def tlsaudit_pairs(t):
    return frozenset("%s %s" % (v, s) for v, p in (t.get("protocols") or {}).items()
                     for s in (p.get("cipher_suites") or []))


# --------------------------------------------------------------------------
# RESULTS.md section


def extract_section(text):
    """The '## Fleet' section of a RESULTS.md text (up to the next '## ' heading), or None."""
    lines = text.splitlines(keepends=True)
    start = None
    for i, l in enumerate(lines):
        if start is None and l.rstrip("\n") == SECTION:
            start = i
        elif start is not None and l.startswith("## "):
            return "".join(lines[start:i])
    return "".join(lines[start:]) if start is not None else None


def splice_section(text, section):
    """text with its Fleet section replaced by `section` (or inserted before '## Notes',
    else appended)."""
    section = section.rstrip("\n") + "\n\n"
    old = extract_section(text)
    if old is not None:
        return text.replace(old, section, 1)
    m = re.search(r"(?m)^## Notes\s*$", text)
    if m:
        return text[:m.start()] + section + text[m.start():]
    return text.rstrip("\n") + "\n\n" + section


def keep_section(path, new_text):
    """For run.py: carry the Fleet section of the RESULTS.md at `path` into new_text."""
    try:
        with open(path) as fh:
            old = extract_section(fh.read())
    except OSError:
        return new_text
    return splice_section(new_text, old) if old else new_text


def mib(kb):
    return None if kb is None else kb / 1024.0


def f2(v, d=2):
    return "–" if v is None else ("%%.%df" % d) % v


def rss_at(samples, n, frac):
    """(t, VmRSS MiB) of the first sample with at least frac*n targets written."""
    for s in samples:
        if s[5] is not None and s[5] >= frac * n and s[1] is not None:
            return s[0], s[1] / 1024.0
    return None, None


def render(d):
    w = []
    a = w.append
    runs = d["runs"]
    a(SECTION)
    a("")
    a("Generated by `%s` — regenerate rather than edit; the sections above come from "
      "`bench/run.py` and are left as they are. Method: [README.md](README.md#fleet)." % d["cmdline"])
    a("")
    a("- Date: %s – %s UTC (%d min); load average %s before, %s after (2 CPUs shared with "
      "other work)" % (d["started"][:16].replace("T", " "), d["finished"][11:16],
                        round(d["elapsed"] / 60), d["load"][0], d["load"][1]))
    a("- tlsaudit: %s (%s); default caps (%s)" % (d["tlsaudit_version"], d["tls_build"],
                                                 d["caps"]))
    a("- Server: %s" % d["server"])
    a("- Targets: N lines `127.1.X.Y:443` (X = i div %d, Y = i mod %d + 1): N distinct hosts, "
      "all the same server" % (PER_OCTET, PER_OCTET))
    a("- Open files: %s" % d["nofile"])
    a("- Command (inside the namespace): `/usr/bin/time -f %%M tlsaudit scan --format FMT -o "
      "OUT -i targets.txt`%s; VmRSS sampled every %s s from /proc/PID/status" % (
          ", and the runs marked `--db` add `--db FILE` (SQLite, a new file each run)"
          if any(r.get("store") for r in runs) else "", d["interval"]))
    nm = d.get("nmap")
    if nm and nm.get("n"):
        a("- nmap %s: `%s -iL hosts.txt -oX OUT` over %s, in the same run as tlsaudit over "
          "the same endpoints (see below)" % (
              nm["version"], nm["argv"], "a subset: the first %d of the %d endpoints" % (
                  nm["n"], nm["all"]) if nm["subset"] else "all %d endpoints" % nm["n"]))
    a("")
    a("| run | targets | wall s | CPU s | peak RSS MiB | RSS / target KiB | conns | conns / target "
      "| CPU ms / conn | targets / s | report MB | exit | targets in report | results = single "
      "scan |")
    a("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in runs:
        n = r["n"]
        if r.get("error"):
            a("| %s | %d | – | – | – | – | – | – | – | – | – | – | – | not run: %s |"
              % (r["label"], n, r["error"]))
            continue
        rss = mib(r["maxrss_kb"])
        cmpres = r.get("compare")
        if cmpres:
            same = "%d / %d identical" % (cmpres["identical"], cmpres["targets"])
            if cmpres["order_only"]:
                same += " (+%d same but order)" % cmpres["order_only"]
        elif r.get("count"):
            same = "not compared (%s)" % r["fmt"]
        else:
            same = "–"
        written = r.get("targets_written")
        if r.get("count"):
            written = r["count"]["targets"]
        a("| %s | %d | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["label"], n, f2(r["wall"], 1), f2(r["cpu"], 1), f2(rss, 1),
            f2(r["maxrss_kb"] / n if r["maxrss_kb"] else None, 1), r["active"],
            f2(r["active"] / n, 1), f2(cpu_per_conn(r), 3),
            f2(n / r["wall"] if r["wall"] else None, 1),
            f2(r["out_bytes"] / 1e6 if r.get("out_bytes") else None, 1),
            ("%s" % r["exit"]) + (" TIMEOUT" if r["timed_out"] else "")
            + (" signal %s" % r["signal"] if r.get("signal") else ""),
            "–" if written is None else written, same))
    if d.get("sslscan"):
        s = d["sslscan"]
        if s.get("error"):
            a("| sslscan, %d targets | %d | – | – | – | – | – | – | – | – | – | – | – | %s |"
              % (s["n"], s["n"], s["error"]))
        else:
            a("| sslscan --targets | %d | %s | %s | %s | %s | %d | %s | %s | %s | – | %s | %d "
              "| %s |" % (s["n"], f2(s["wall"], 1), f2(s["cpu"], 1), f2(mib(s["maxrss_kb"]), 1),
                 f2(s["maxrss_kb"] / s["n"] if s["maxrss_kb"] else None, 1), s["active"],
                 f2(s["active"] / s["n"], 1), f2(cpu_per_conn(s), 3), f2(s["n"] / s["wall"], 1),
                 ("%s" % s["exit"]) + (" TIMEOUT" if s["timed_out"] else ""), s["hosts"],
                 s["agree"]))
    a("")
    a("Columns: wall = elapsed; CPU = user+sys (GNU time); peak RSS = GNU time's %M (the "
      "tool's high-water mark); RSS / target = peak RSS divided by the number of targets; "
      "conns = TcpActiveOpens delta of the namespace (TcpPassiveOpens in the notes when it "
      "differs); CPU ms / conn = CPU divided by conns (the scanner's own CPU per connection, "
      "server CPU not included); targets in report = target objects / headers / sections "
      "found in the report file; results = target objects equal to the reference after dropping the "
      "fields listed below.")
    a("")
    render_store(a, d)
    render_nmap(a, d)
    # memory over time
    a("### Memory over the scan")
    a("")
    a("VmRSS (MiB) of tlsaudit at its first sample, when the report file held the first "
      "target and 10 %, 25 %, 50 %, 75 %, 90 % of them, at its last sample (seconds since "
      "start in brackets), and GNU time's peak. A scanner whose memory follows the targets "
      "in flight stays flat from the first target on; one that holds every target grows "
      "with N, before the first target is written (targets set up) or as it goes.")
    a("")
    a("| run | start | 1st target | 10 % | 25 % | 50 % | 75 % | 90 % | last sample | peak | "
      "verdict |")
    a("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in runs:
        if r.get("error") or not r.get("samples"):
            continue
        n = r["n"]
        smp = r["samples"]
        cells = ["%.1f (%.1fs)" % (smp[0][1] / 1024.0, smp[0][0]) if smp[0][1] else "–"]
        for frac in (1.0 / n, 0.10, 0.25, 0.50, 0.75, 0.90):
            t, v = rss_at(smp, n, frac)
            cells.append("–" if v is None else "%.1f (%.0fs)" % (v, t))
        cells.append("%.1f (%.0fs)" % (smp[-1][1] / 1024.0, smp[-1][0]) if smp[-1][1] else "–")
        a("| %s | %s | %s | %s |" % (r["label"], " | ".join(cells), f2(mib(r["maxrss_kb"]), 1),
                                     r.get("verdict", "")))
    a("")
    if d.get("slope"):
        a(d["slope"])
        a("")
    a("<details><summary>VmRSS samples: seconds, targets in the report → VmRSS MiB, about "
      "20 per run</summary>")
    a("")
    for r in runs:
        if r.get("error") or not r.get("samples"):
            continue
        smp = r["samples"]
        step = max(1, len(smp) // 20)
        pts = smp[::step] + ([smp[-1]] if smp[-1] is not smp[::step][-1] else [])
        a("- %s: " % r["label"] + ", ".join(
            "%.0fs %s→%.1f" % (s[0], "?" if s[5] is None else s[5], (s[1] or 0) / 1024.0)
            for s in pts))
    a("")
    a("</details>")
    a("")
    # identical results
    a("### Every endpoint against a single scan")
    a("")
    ref = d.get("reference") or {}
    a("Reference: `tlsaudit scan --format json -o single.json ADDR:443`, one endpoint per run, "
      "for %s, before the fleet runs; %s" % (", ".join("`%s`" % h for h in ref.get("hosts", [])),
                                            ref.get("agree", "")))
    a("")
    ap = ref.get("addr_paths") or []
    a("Dropped before comparing (they legitimately differ per endpoint or run): `host` and `ip` "
      "(each endpoint is another address), `connections` (retries and pacing under load may "
      "change it; its distribution is below), `duration_ms` (timing); `report_time` belongs "
      "to the document. The endpoint's address is also written `{ADDR}` where a string "
      "quotes it%s. Everything else is compared, `failed_connections` included, and lists "
      "in their order (suite, group and scheme orders are results)." % (
          " (in the reference scans: %s; nginx redirects port 80 to `https://$host/`, and "
          "the Host header is the address)" % ", ".join("`%s`" % x for x in ap) if ap else ""))
    a("")
    a("Order-insensitive: a certificate's `served` list (which handshakes returned it) comes "
      "in the order those handshakes completed, which concurrency can change, and the "
      "profiles' evidence quotes its first entry. A target whose only differences go away "
      "when `served` is sorted and its entries are masked in the evidence is counted "
      "\"same but order\" below, apart from the strictly identical ones.")
    a("")
    nmt = (d.get("nmap") or {}).get("tlsaudit")
    for r in runs + ([nmt] if nmt else []):
        c = r.get("compare")
        if not c:
            continue
        a("- **%s**: %d target objects, %d identical to the reference, %d the same but for "
          "the order of `served`, %d differ otherwise; status %s; "
          "incomplete %d; failed_connections %d (in %d targets); missing %d, duplicated %d, "
          "unexpected %d; report order %s; connections per target %s (sum %d, namespace "
          "counted %d); duration_ms %s; slowest %s" % (
              r["label"], c["targets"], c["identical"], c["order_only"], c["differ"],
              ", ".join("%s %d" % kv for kv in sorted(c["status"].items(), key=str)),
              c["incomplete"], c["failed_conns"], c["failed_targets"], c["nmissing"],
              len(c["dupes"]), len(c["extra"]),
              "= input order" if c["in_order"] else "differs from input order (first at %s)"
              % (c.get("first_out_of_order"),),
              _fmt_dist(c["conn_stats"]), c["conns_sum"], r["active"],
              _fmt_dist(c["dur_stats"]) + (
                  " (median of the first 64 in the report %s, of the others %s)"
                  % (c["first_batch_p50"], c["rest_p50"]) if c.get("rest_p50") else ""),
              ", ".join("%s %d ms" % (h, ms) for ms, h in c["slowest"][:3])))
        for kind, paths, exs in (("differs", c["paths"], c["examples"]),
                                 ("differs in order only", c["order_paths"],
                                  c["order_examples"])):
            items = sorted(paths.items(), key=lambda kv: (-kv[1], kv[0]))
            if kind != "differs":
                # the served list itself, then one line for the evidence that quotes it
                ev = [kv for kv in items if kv[0].startswith("profiles.")]
                items = [kv for kv in items if not kv[0].startswith("profiles.")][:4] + ev[:1]
                if len(ev) > 1:
                    items[-1] = ("%s (and %d more rule paths)" % (ev[0][0], len(ev) - 1),
                                 ev[0][1])
                    exs = dict(exs, **{items[-1][0]: exs[ev[0][0]]})
            for p, cnt in items[:15]:
                ex = exs[p][0]
                a("    - `%s` %s in %d targets, e.g. %s: reference %s, fleet %s"
                  % (p, kind, cnt, ex[0], ex[1], ex[2]))
    for r in runs:
        if r.get("count"):
            c = r["count"]
            a("- **%s**: %d target %s in the report (%d distinct%s)" % (
                r["label"], c["targets"], "headers" if r["fmt"] == "text" else "sections",
                c["distinct"], ", %d addresses missing, %d unexpected" % (c["missing"], c["extra"])
                if "missing" in c else ""))
    a("")
    if d.get("sslscan") and not d["sslscan"].get("error"):
        s = d["sslscan"]
        a("sslscan: `sslscan --no-colour --targets=targets.txt` over the %d endpoints, one "
          "at a time (its only mode); %s." % (s["n"], s["detail"]))
        a("")
    elif d.get("sslscan_note"):
        a(d["sslscan_note"])
        a("")
    tr = d.get("trace")
    if tr:
        a("### Trace")
        a("")
        if tr.get("cmdline") and tr["cmdline"] != d["cmdline"]:
            a("From a separate run: `%s` (%s UTC)." % (tr["cmdline"], tr.get("date", "?")))
            a("")
        if tr.get("error"):
            a("An unmeasured `TLSAUDIT_TRACE=1` run over %d endpoints: %s" % (tr["n"], tr["error"]))
        else:
            a("An unmeasured `TLSAUDIT_TRACE=1` JSON run over %d endpoints (%.0f s, %d "
              "connections, trace %.0f MB): %d identical to the reference, %d the same but "
              "for the order of `served`, %d differ otherwise%s." % (
                  tr["n"], tr["wall"], tr["active"], tr["trace_bytes"] / 1e6, tr["identical"],
                  tr["order_only"], tr["differ"], "" if not tr["paths"] else " (" + ", ".join(
                      "`%s` in %d" % kv for kv in sorted(tr["paths"].items(),
                                                          key=lambda kv: -kv[1])) + ")"))
            for h, lines in tr.get("lines", {}).items():
                a("")
                a("<details><summary>the `features` connections of %s (differs; %d trace lines "
                  "in all)</summary>" % (h, len(lines)))
                a("")
                a("```")
                a("\n".join(features_lines(lines)))
                a("```")
                a("")
                a("</details>")
            if tr.get("good_lines") and tr.get("lines"):
                a("")
                a("<details><summary>for contrast, the `features` connections of %s "
                  "(identical)</summary>" % tr["good"])
                a("")
                a("```")
                a("\n".join(features_lines(tr["good_lines"])))
                a("```")
                a("")
                a("</details>")
        a("")
    if d.get("notes"):
        a("### Findings")
        a("")
        for n in d["notes"]:
            a("- " + n)
        a("")
    return "\n".join(w) + "\n"


def cpu_per_conn(r):
    """The scanner's CPU (user+sys) per connection, ms."""
    return r["cpu"] * 1000.0 / r["active"] if r.get("cpu") is not None and r.get("active") else None


def pct(new, old):
    """The change from old to new in per cent, rounded ("±0 %" under half a per cent)."""
    if new is None or not old:
        return "–"
    v = (new - old) * 100.0 / old
    return "±0 %" if abs(v) < 0.5 else "%+.0f %%" % v


def render_store(a, d):
    """The runs with --db beside the same runs without it."""
    plain = {r["n"]: r for r in d["runs"] if r["fmt"] == "json" and not r.get("store")
             and not r.get("error")}
    stored = [r for r in d["runs"] if r.get("store") and not r.get("error")]
    if not stored:
        return
    a("### The store (SQLite)")
    a("")
    a("Each size scanned twice in a row, with JSON to a file: without a store, then with "
      "`--db FILE` (a new SQLite file per run; each target's document committed as the "
      "target ends). Store MB = the file plus its `-wal` as the scan left them (`-shm` "
      "apart); bytes / target = that divided by the targets. Then `tlsaudit runs --db FILE "
      "-f json` must count N targets in the run, and `tlsaudit export --db FILE -f json -o "
      "OUT` (measured the same way) must equal the scan's report byte for byte "
      "(stream-compared).")
    a("")
    a("| run | targets | wall s | CPU s | peak RSS MiB | conns / target | CPU ms / conn | store "
      "MB (+ -wal) | store bytes / target | runs: targets | export s | export peak MiB | "
      "export = report |")
    a("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in stored:
        n = r["n"]
        p = plain.get(n)
        st = r["store"]
        size = sum(st["sizes"][:2])
        ex = st.get("export") or {}
        same = st.get("same")
        runs = st.get("runs") or {}
        if p:
            a("| %s | %d | %s | %s | %s | %s | %s | – | – | – | – | – | – |" % (
                p["label"], n, f2(p["wall"], 1), f2(p["cpu"], 1), f2(mib(p["maxrss_kb"]), 1),
                f2(p["active"] / n, 1), f2(cpu_per_conn(p), 3)))
        a("| %s | %d | %s | %s | %s | %s | %s | %s (-wal %s) | %s | %s | %s | %s | %s |" % (
            r["label"], n, f2(r["wall"], 1), f2(r["cpu"], 1), f2(mib(r["maxrss_kb"]), 1),
            f2(r["active"] / n, 1), f2(cpu_per_conn(r), 3), f2(size / 1e6, 1),
            f2(st["sizes"][1] / 1e6, 1), "%.0f" % (size / n), "%s%s" % (
                runs.get("targets", "–"), "" if runs.get("status") in ("done", None)
                else " (%s)" % runs["status"]),
            f2(ex.get("wall"), 1), f2(mib(ex.get("maxrss_kb")), 1),
            "–" if not same else "yes (%.1f MB)" % (same["size_a"] / 1e6) if same["equal"]
            else "NO: first difference at byte %d" % same["offset"]))
        if p:
            a("| `--db` against without | | %s | %s | %s | %s | %s | | | | | | |" % (
                pct(r["wall"], p["wall"]), pct(r["cpu"], p["cpu"]),
                pct(r["maxrss_kb"], p["maxrss_kb"]), pct(r["active"], p["active"]),
                pct(cpu_per_conn(r), cpu_per_conn(p))))
    a("")


def render_nmap(a, d):
    """nmap's ssl-enum-ciphers and tlsaudit over the same endpoints, in one run."""
    nm = d.get("nmap")
    if not nm:
        if d.get("nmap_note"):
            a(d["nmap_note"])
            a("")
        return
    a("### Beside nmap's ssl-enum-ciphers")
    a("")
    if nm.get("error"):
        a("nmap %s: %s." % (nm.get("version"), nm["error"]))
        a("")
        return
    t, m = nm["tlsaudit"], nm["nmap"]
    n = nm["n"]
    a("Endpoints: %s. How many: %s. Measured in this run, one after the other against the "
      "same idle server: `tlsaudit scan --format json -o OUT%s -i targets-%d.txt`%s, "
      "then `%s -iL hosts-%d.txt -oX OUT` (the same addresses "
      "without `:443`; nmap %s, run as root: "
      "its port scan is a raw SYN scan, in neither TCP counter; `-Pn`: no host discovery; "
      "nmap scans many hosts at once). Counted the same way for both: wall time around "
      "the command, CPU and peak RSS from GNU time, connections = TcpActiveOpens of the "
      "namespace. Ratios are nmap / tlsaudit over the same %d endpoints, i.e. per "
      "endpoint." % (
          "a subset, the first %d of the %d endpoints (`127.1.0.1` ... `%s`)" % (
              n, nm["all"], address(n - 1)) if nm["subset"]
          else "all %d endpoints of the largest size" % n,
          nm["chosen"] + ("; the subset is rounded down to two significant digits"
                          if nm["subset"] and nm.get("probe") else ""),
          " --db FILE" if t.get("store") else "", n,
          " (as in the store scenario above)" if t.get("store") else "", nm["argv"], n,
          nm["version"], n))
    a("")
    a("| run | endpoints | wall s | CPU s | peak RSS MiB | conns | wall ms / endpoint | CPU ms / "
      "endpoint | conns / endpoint | CPU ms / conn | exit | results |")
    a("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")

    def row(label, r, res):
        k = r["n"]
        a("| %s | %d | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
            label, k, f2(r["wall"], 1), f2(r["cpu"], 1), f2(mib(r["maxrss_kb"]), 1),
            r["active"], f2(r["wall"] * 1000 / k, 1),
            f2(r["cpu"] * 1000 / k if r["cpu"] is not None else None, 1),
            f2(r["active"] / k, 1), f2(cpu_per_conn(r), 3),
            ("%s" % r["exit"]) + (" TIMEOUT" if r.get("timed_out") else ""), res))
    if nm.get("probe"):
        row("nmap, pace (first %d)" % nm["probe"]["n"], nm["probe"], nm["probe"]["agree"])
    c = t.get("compare")
    row("tlsaudit%s" % (", --db" if t.get("store") else ""), t,
        "%d / %d identical to the single scan" % (c["identical"], c["targets"]) if c else "–")
    row("nmap ssl-enum-ciphers", m, m["agree"])
    rt = nm["ratios"]
    a("| **nmap / tlsaudit** | | **%s** | **%s** | **%s** | **%s** | **%s** | **%s** | **%s** | "
      "**%s** | | |" % tuple(f2(x, 2) for x in (
          rt["wall"], rt["cpu"], rt["maxrss"], rt["conns"], rt["wall"], rt["cpu"],
          rt["conns"], rt["cpu_conn"])))
    a("")
    a("What each did per endpoint: nmap's ssl-enum-ciphers lists the versions and suites "
      "(and grades them); tlsaudit finds the same and more: groups, signature schemes, the "
      "certificates, handshake features, the HTTP checks (port 80 and 443; 2 of its "
      "connections per endpoint), the profiles. nmap: %s." % m["detail"])
    a("")


def features_lines(lines):
    """The trace lines of the `features` job and the `openssl` line after each."""
    out, keep = [], False
    for l in lines:
        if l.startswith("trace:   openssl"):
            if keep:
                out.append(l)
            continue
        keep = " features " in l
        if keep:
            out.append(l)
    return out


def _fmt_dist(s):
    if not s:
        return "–"
    return "min %s / p50 %s / p90 %s / p99 %s / max %s" % (s["min"], s["p50"], s["p90"],
                                                           s["p99"], s["max"])


# --------------------------------------------------------------------------
# main


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", "--fleet", dest="sizes", default="1000,10000",
                    help="endpoint counts scanned with --format json (default 1000,10000)")
    ap.add_argument("--formats", default="text,html",
                    help="other formats, each scanned once at the largest size (default "
                         "text,html; '' for none)")
    ap.add_argument("--sslscan", type=int, default=1000,
                    help="endpoints for one sslscan --targets run (default 1000; 0: none)")
    ap.add_argument("--no-sslscan", action="store_true")
    ap.add_argument("--sslscan-timeout", type=int, default=600,
                    help="seconds before the sslscan run is stopped (default 600)")
    ap.add_argument("--no-store", action="store_true",
                    help="no runs with the store (by default each size of --sizes is scanned "
                         "twice with JSON: without and with --db FILE)")
    ap.add_argument("--nmap", default="auto", metavar="N|auto",
                    help="endpoints for nmap's ssl-enum-ciphers and tlsaudit beside it: auto "
                         "(default) sizes the subset from an nmap run over the first "
                         "--nmap-probe endpoints to fit --nmap-budget; a number; 0: none")
    ap.add_argument("--nmap-budget", type=int, default=300,
                    help="seconds nmap's run over the subset should take at most (default "
                         "300; it is stopped after 3 times that)")
    ap.add_argument("--nmap-probe", type=int, default=20,
                    help="endpoints of the nmap run that measures its pace (default 20)")
    ap.add_argument("--references", default="first,middle,last",
                    help="single scans for the reference: first, middle, last of the largest "
                         "size, or addresses")
    ap.add_argument("--interval", type=float, default=0.25, help="VmRSS sampling period (s)")
    ap.add_argument("--trace", type=int, default=0, metavar="N",
                    help="one more, unmeasured JSON run over N endpoints with TLSAUDIT_TRACE=1; "
                         "RESULTS.md shows the trace lines of endpoints whose results differ")
    ap.add_argument("--workers", type=int, default=2, help="nginx worker_processes (default 2)")
    ap.add_argument("--worker-connections", type=int, default=8192)
    ap.add_argument("--tlsaudit", default=scanners.DEFAULT_TLSAUDIT)
    ap.add_argument("--tlsaudit-args", default="",
                    help="extra tlsaudit options for the fleet runs, e.g. '--max-total 512'")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per tlsaudit run")
    ap.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"),
                    help="file whose '## Fleet' section is (re)written (default bench/RESULTS.md)")
    ap.add_argument("--workdir", help="keep outputs here (default: a temp dir, removed unless --keep)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work dir (the reports are hundreds of MB at 10,000)")
    ap.add_argument("--json", help="also write every measurement to this JSON file")
    ap.add_argument("--render-from", metavar="JSON",
                    help="measure nothing: rewrite the Fleet section from a --json file")
    return ap.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.render_from:
        with open(args.render_from) as fh:
            d = json.load(fh)
        return write_section(args.output, render(d))
    if os.geteuid() != 0:
        sys.exit("fleet.py needs root (ip netns)")
    if not os.path.exists(scanners.GNU_TIME):
        sys.exit("%s missing: apt-get install time" % scanners.GNU_TIME)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if not sizes and not args.trace:
        sys.exit("nothing to run: --sizes is empty and no --trace")
    for n in sizes:
        if not 1 <= n <= MAX_TARGETS:
            sys.exit("sizes must be 1..%d" % MAX_TARGETS)
    if args.nmap not in ("auto", "none") and not args.nmap.isdigit():
        sys.exit("--nmap takes a number of endpoints or auto")
    if args.nmap_probe < 1 or args.nmap_budget < 1:
        sys.exit("--nmap-probe and --nmap-budget must be positive")
    formats = [f for f in args.formats.split(",") if f]
    for f in formats:
        if f not in ("text", "html", "json"):
            sys.exit("unknown format %r" % f)
    if not os.access(args.tlsaudit, os.X_OK):
        sys.exit("%s is not an executable (build it: cmake -S . -B build && cmake --build build)"
                 % args.tlsaudit)
    scanners.interrupt_on_signals()
    workdir = args.workdir or servers.new_workdir("tlsaudit-fleet-")
    os.makedirs(workdir, exist_ok=True)
    keep = args.keep or bool(args.workdir)
    log("work dir:", workdir)
    # a private copy: others may rebuild build/ meanwhile
    tlsaudit = os.path.join(workdir, "tlsaudit")
    shutil.copy2(args.tlsaudit, tlsaudit)
    with open(tlsaudit, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    tls_build = "binary of %s UTC, sha256 %s…" % (
        datetime.datetime.fromtimestamp(os.path.getmtime(args.tlsaudit), datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M"), digest)
    version = subprocess.run([tlsaudit, "--version"], capture_output=True,
                             text=True).stdout.strip()
    extra = args.tlsaudit_args.split()
    soft, hard = nofile_limits()
    can_raise = try_raise_hard()
    nofile = min(hard, 1048576) if not can_raise else 1048576
    nofile_note = ("RLIMIT_NOFILE of the shell %d soft / %d hard; tlsaudit and nginx start with "
                   "the soft limit raised to %s%s. tlsaudit at its default caps holds at most "
                   "~260 descriptors (256 connections, the report, the resolver); nginx "
                   "`worker_rlimit_nofile %d`" % (
                       soft, hard, "1048576" if can_raise else "the hard limit %d" % hard,
                       "" if can_raise else " (root here lacks CAP_SYS_RESOURCE, so the hard "
                       "limit cannot be raised; enough for these runs)",
                       min(nofile, 65536)))
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.time()
    load0 = open("/proc/loadavg").read().split()[0]
    biggest = max(sizes + ([args.sslscan] if not args.no_sslscan else []) + [args.trace, 1])
    tfiles = {}
    for n in sorted(set(sizes + ([args.sslscan] if args.sslscan and not args.no_sslscan else []))):
        tfiles[n] = os.path.join(workdir, "targets-%d.txt" % n)
        write_targets(tfiles[n], n)
    shown, skip = [], False
    for a in argv:          # the command line without where things go (not part of the method)
        if skip:
            skip = False
        elif a in ("--json", "--output", "--workdir"):
            skip = True
        elif a != "--keep" and not a.startswith(("--json=", "--output=", "--workdir=")):
            shown.append(a)
    prog = "bench/run.py" if os.path.basename(sys.argv[0]) == "run.py" else "bench/fleet.py"
    d = {"cmdline": " ".join(["python3", prog] + [shlex.quote(a) for a in shown]),
         "started": started.isoformat(), "interval": args.interval,
         "tlsaudit_version": version, "tls_build": tls_build, "nofile": nofile_note,
         "caps": "--max-conns 4 per host, --max-total 256" + (
             "; extra options `%s`" % args.tlsaudit_args if extra else ""),
         "runs": [], "notes": []}
    wconn = args.worker_connections
    with servers.Netns("tlsaf") as ns:
        srv, conf = start_fleet_nginx(ns, workdir, args.workers, wconn, min(nofile, 65536))
        d["server"] = SERVER_DESC.format(version=servers.server_version("nginx"),
                                         workers=args.workers, wconn=wconn,
                                         nofile=min(nofile, 65536))
        log("nginx up in namespace %s (pid %d)" % (ns.name, srv.pid))
        try:
            # reference single scans
            refs = []
            for r in args.references.split(","):
                r = r.strip()
                idx = {"first": 0, "middle": biggest // 2, "last": biggest - 1}.get(r)
                host = address(idx) if idx is not None else r
                if host not in refs:
                    refs.append(host)
            norm = {}
            addr_paths = set()
            for host in refs:
                servers.settle(srv)
                out = os.path.join(workdir, "single-%s.json" % host)
                rec = measured(ns, srv, [tlsaudit, "scan", "--format", "json", "-o", out]
                               + extra + ["%s:443" % host],
                               os.path.join(workdir, "out"), "single-" + host, out, "json",
                               interval=args.interval)
                with open(out) as fh:
                    doc = json.load(fh)
                t = doc["targets"][0]
                addr_paths.update(string_paths({k: v for k, v in t.items() if k not in DROPPED},
                                               addr_rx(host)))
                norm[host] = normalize(t)
                log("single %s: %.2fs %.1f MiB conns %s status %s"
                    % (host, rec["wall"], mib(rec["maxrss_kb"]) or 0, rec["active"], t["status"]))
            ref = norm[refs[0]]
            disagree = [h for h in refs[1:] if canon(norm[h]) != canon(ref)]
            if disagree:
                agree = ("the single scans DIFFER from each other (%s): %s" % (
                    ", ".join(disagree), "; ".join("%s: %s vs %s" % (p, short(x, 80), short(y, 80))
                                                   for h in disagree
                                                   for p, x, y in diff_paths(ref, norm[h])[:4])))
                d["notes"].append("The single-scan references disagree among themselves: "
                                  "results are not deterministic (see above)")
            else:
                agree = ("the %d single scans are identical after dropping the fields below; "
                         "the first is the reference" % len(refs))
            d["reference"] = {"hosts": refs, "agree": agree, "status": ref.get("status"),
                              "addr_paths": sorted(addr_paths)}
            with open(os.path.join(workdir, "reference.json"), "w") as fh:
                json.dump(ref, fh, indent=1)

            ctx = Ctx(ns=ns, srv=srv, tlsaudit=tlsaudit, extra=extra, workdir=workdir,
                      args=args, notes=d["notes"], ref=ref, keep=keep, tfiles=tfiles)
            plan = []
            for n in sizes:
                plan.append((n, "json", False))
                if not args.no_store:
                    plan.append((n, "json", True))
            plan += [(max(sizes), f, False) for f in formats if sizes]
            for n, fmt, store in plan:
                d["runs"].append(fleet_run(ctx, n, fmt, store))

            # nmap's ssl-enum-ciphers beside tlsaudit over the same endpoints
            if sizes and args.nmap not in ("0", "none") and shutil.which("nmap"):
                d["nmap"] = nmap_part(ctx, max(sizes))
            elif sizes and args.nmap not in ("0", "none"):
                d["nmap_note"] = "nmap is not installed: not run."

            if args.trace:
                d["trace"] = traced_run(args, ns, srv, tlsaudit, extra, workdir, ref, keep)
                d["trace"]["cmdline"] = d["cmdline"]

            # sslscan, one target at a time
            if args.sslscan and not args.no_sslscan and shutil.which("sslscan"):
                n = args.sslscan
                servers.settle(srv, timeout=120)
                log("sslscan over %d targets (stopped after %ds) ..." % (n, args.sslscan_timeout))
                rec = measured(ns, srv, ["sslscan", "--no-colour", "--targets=" + tfiles[n]],
                               os.path.join(workdir, "out"), "sslscan-%d" % n, None, None,
                               interval=1.0, timeout=args.sslscan_timeout)
                rec["n"] = n
                if rec["timed_out"]:
                    rec["error"] = "stopped after %d s (more than the budget)" % args.sslscan_timeout
                with open(rec["stdout_path"], errors="replace") as fh:
                    pairs = sslscan_pairs(fh.read(), scanners.SuiteNames())
                rec["hosts"] = len(pairs)
                refpairs = tlsaudit_pairs(ref)
                distinct = {}
                for h, p in pairs.items():
                    distinct.setdefault(p, []).append(h)
                same_as_ref = sum(len(hs) for p, hs in distinct.items() if p == refpairs)
                rec["agree"] = "%d / %d = tlsaudit's pairs" % (same_as_ref, len(pairs))
                rec["detail"] = ("%d endpoints reported, %d distinct (version, suite) sets; %d "
                                 "endpoints with exactly the %d pairs of tlsaudit's reference%s" % (
                                     len(pairs), len(distinct), same_as_ref, len(refpairs),
                                     "" if len(distinct) <= 1 else "; other sets: " + "; ".join(
                                         "%d endpoints (e.g. %s): %d pairs, missing %s" % (
                                             len(hs), hs[0], len(p), ", ".join(sorted(refpairs - p))[:200])
                                         for p, hs in distinct.items() if p != refpairs)[:800]))
                for k in ("samples",):
                    rec.pop(k, None)
                d["sslscan"] = rec
                log("sslscan: %.1fs, %s conns, %d hosts, %s" % (rec["wall"], rec["active"],
                                                                len(pairs), rec["agree"]))
            elif args.sslscan and not args.no_sslscan:
                d["sslscan_note"] = "sslscan is not installed: not run."
        finally:
            srv.stop()
    d["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    d["elapsed"] = time.time() - t_start
    d["load"] = [load0, open("/proc/loadavg").read().split()[0]]
    analyse(d)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(d, fh, indent=1, default=list)
        log("wrote", args.json)
    write_section(args.output, render(d))
    if not keep:
        subprocess.run(["rm", "-rf", workdir])
    else:
        log("raw outputs kept in", workdir)
    return 0


def traced_run(args, ns, srv, tlsaudit, extra, workdir, ref, keep):
    """Unmeasured TLSAUDIT_TRACE=1 run; the trace lines of the endpoints that differ."""
    n = args.trace
    tfile = os.path.join(workdir, "targets-%d.txt" % n)
    if not os.path.exists(tfile):
        write_targets(tfile, n)
    out = os.path.join(workdir, "traced-%d.json" % n)
    servers.settle(srv, timeout=120)
    log("traced run over %d targets (unmeasured) ..." % n)
    rec = measured(ns, srv, [tlsaudit, "scan", "--format", "json", "-o", out] + extra
                   + ["-i", tfile], os.path.join(workdir, "out"), "traced-%d" % n, out, "json",
                   interval=1.0, timeout=args.timeout, env=["TLSAUDIT_TRACE=1"])
    tr = {"n": n, "wall": rec["wall"], "active": rec["active"], "exit": rec["exit"],
          "maxrss_kb": rec["maxrss_kb"],
          "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")}
    try:
        c = check_json(out, n, ref)
    except (OSError, ValueError) as e:
        tr["error"] = "no usable report: %s" % e
        return tr
    tr.update(identical=c["identical"], order_only=c["order_only"], differ=c["differ"],
              targets=c["targets"], paths=c["paths"], examples=c["examples"])
    hosts = c["differ_hosts"][:2]
    good = None
    if c["identical"]:
        # an identical endpoint for contrast: the first one that is not a differing one
        for i in range(n):
            if address(i) not in c["differ_hosts"]:
                good = address(i)
                break
    want = {h: [] for h in hosts + ([good] if good else [])}
    pats = {h: "%s:443 " % h for h in want}
    last = None
    with open(rec["stderr_path"], errors="replace") as fh:
        for line in fh:
            if line.startswith("trace:   openssl") and last is not None:
                want[last].append(line.rstrip("\n"))
                continue
            last = None
            if line.startswith("trace: offer"):
                continue
            for h, p in pats.items():
                if p in line:
                    want[h].append(line.rstrip("\n"))
                    last = h
                    break
    tr["lines"] = {h: v for h, v in want.items() if h != good}
    if good:
        tr["good"] = good
        tr["good_lines"] = features_lines(want[good])
    tr["trace_bytes"] = os.path.getsize(rec["stderr_path"])
    if not keep:
        os.unlink(out)
        os.unlink(rec["stderr_path"])
    log("traced run: %.0fs, %d identical, %d order only, %d differ" % (
        rec["wall"], c["identical"], c["order_only"], c["differ"]))
    return tr


def analyse(d):
    """Verdicts: memory flat or growing, the 100 MiB target, results identical."""
    jruns = [r for r in d["runs"] if r["fmt"] == "json" and r.get("maxrss_kb")]
    plain = [r for r in jruns if not r.get("store")]
    for r in d["runs"]:
        smp = r.get("samples") or []
        n = r["n"]
        if not smp or not r.get("maxrss_kb"):
            continue
        _, first = rss_at(smp, n, 1.0 / n)
        _, half = rss_at(smp, n, 0.5)
        peak = r["maxrss_kb"] / 1024.0
        start = smp[0][1] / 1024.0 if smp[0][1] else None
        parts = []
        if first is not None and start is not None and first - start > 20:
            parts.append("+%.0f MiB before the first target was written" % (first - start))
        if first is not None and peak - first > max(5, 0.1 * first):
            parts.append("+%.0f MiB while writing (%.1f KiB per target)"
                         % (peak - first, (peak - first) * 1024 / n))
        r["verdict"] = "grows: " + ", ".join(parts) if parts else "flat"
        del half
    if len(plain) >= 2:
        a, b = plain[0], plain[-1]
        if b["n"] != a["n"]:
            slope = (b["maxrss_kb"] - a["maxrss_kb"]) / (b["n"] - a["n"])
            d["slope"] = ("Peak RSS from %d to %d targets (JSON): %.1f → %.1f MiB, %.1f KiB per "
                          "extra target — %s." % (
                              a["n"], b["n"], a["maxrss_kb"] / 1024, b["maxrss_kb"] / 1024, slope,
                              "memory follows the number of targets scanned, not the targets "
                              "in flight" if slope > 1 else "flat: memory does not follow the "
                              "number of targets"))
    nmt = (d.get("nmap") or {}).get("tlsaudit")
    for r in jruns + ([nmt] if nmt else []):
        if r["n"] >= 10000 and r is not nmt:
            peak = r["maxrss_kb"] / 1024
            d["notes"].append("Target (issue): under %d MiB peak RSS at %d endpoints with JSON "
                              "to a file: **%s** (%.1f MiB)" % (
                                  RSS_TARGET_MIB, r["n"], "met" if peak < RSS_TARGET_MIB
                                  else "NOT met", peak))
        c = r.get("compare")
        if c:
            d["notes"].append("%s: %s" % (r["label"], "every endpoint's result is identical to "
                                          "the single scan" if c["identical"] == r["n"] ==
                                          c["targets"] else "%d of %d endpoints identical to the "
                                          "single scan, %d the same but for the order of a "
                                          "certificate's `served` list, %d differ otherwise, %d "
                                          "missing" % (c["identical"], r["n"], c["order_only"],
                                                       c["differ"], c["nmissing"])))
    for r in jruns + ([nmt] if nmt else []):
        st = r.get("store")
        if st and st.get("holds_n") and (st.get("same") or {}).get("equal"):
            d["notes"].append("%s: the store holds the run's %d results (`tlsaudit runs -f "
                              "json`: targets %d, status %s, errors %s) and `tlsaudit export "
                              "-f json` equals the scan's report byte for byte (%.1f MB); "
                              "store %.1f MB, %.0f bytes per target" % (
                                  r["label"], r["n"], st["runs"]["targets"],
                                  st["runs"].get("status"), st["runs"].get("errors"),
                                  st["same"]["size_a"] / 1e6, sum(st["sizes"][:2]) / 1e6,
                                  sum(st["sizes"][:2]) / r["n"]))
    nm = d.get("nmap") or {}
    if nm.get("ratios"):
        rt = nm["ratios"]
        d["notes"].append("nmap ssl-enum-ciphers / tlsaudit%s over the same %d endpoints%s, "
                          "in one run: wall %s, CPU %s, peak RSS %s, connections %s, CPU per "
                          "connection %s" % (
                              ", --db" if nmt.get("store") else "", nm["n"],
                              " (a subset of %d)" % nm["all"] if nm["subset"] else "",
                              *("–" if x is None else "%.2f ×" % x for x in (
                                  rt["wall"], rt["cpu"], rt["maxrss"], rt["conns"],
                                  rt["cpu_conn"]))))
    for r in d["runs"]:
        if r.get("count") and r["count"]["targets"] != r["n"]:
            d["notes"].append("%s: the report holds %d targets, not %d" % (
                r["label"], r["count"]["targets"], r["n"]))


def write_section(path, section):
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        text = "# tlsaudit benchmark results\n\n"
    with open(path, "w") as fh:
        fh.write(splice_section(text, section))
    log("wrote the Fleet section of", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
