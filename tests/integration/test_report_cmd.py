#!/usr/bin/env python3
"""Reports that stream out of the scan and are read back.

1. Streaming: three targets (two openssl s_server, then a listener that
   accepts and never answers) scanned with a 20 s read timeout into JSON,
   CSV and text files at once.  Once the JSON file holds the two servers,
   and a second later the scan is killed (SIGKILL): every file holds both finished
   targets, whole (the JSON parses once its closing brackets are added),
   and nothing of the third.
2. Dates are dates: the report of a scan made at T, read back at T + 40
   days, says the 30-day certificates have expired, days_left 40 lower;
   the verdicts of the scan stay as they were.
3. Bad reports: a target damaged in the middle of the file, a JSON array,
   an empty file, a directory, a missing file: exit 2, one line on stderr
   naming the file (and the line, for the damaged one), nothing on
   stdout, and an existing -o file left as it was, with no partial file
   beside it.
4. -o FILE.html takes its format from the name.
5. Behind a slow target: in a network namespace of the test's own, one
   gnutls-serv answers on 40 addresses (127.1.0.1-40) and a listener that
   never answers (15 s timeout) comes first in the list.  The 40 documents that finish
   while it times out wait for it, all but 16 in the spill file
   (TLSAUDIT_TRACE says so); the report still has them all in the order
   given, each equal to the document of a scan of the 40 alone.
"""

import datetime
import json
import os
import signal
import socket
import subprocess
import time

import harness as h

NOW = "2026-12-07T12:00:00Z"
LATER = "2027-01-16T12:00:00Z"  # NOW + 40 days


def run(args, env=None):
    return subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300, env=env)


def closed_json(text):
    """The JSON report of a killed scan, closed: None if it does not parse."""
    for tail in ("\n  ]\n}\n", "]\n}\n"):
        try:
            return json.loads(text + tail)
        except ValueError:
            pass
    return None


def streaming(t, a, b):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    h.add_cleanup(silent.close)
    third = "127.0.0.1:%d" % silent.getsockname()[1]
    d = h.tmpdir()
    outs = [os.path.join(d, "stream" + e) for e in (".json", ".csv", ".txt")]
    argv = [h.tlsaudit_path(), "scan", "--no-http", "--no-dns", "--timeout", "20000",
            "--retries", "0"]
    for o in outs:
        argv += ["-o", o]
    p = subprocess.Popen(argv + [a.target, b.target, third], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    h.add_cleanup(lambda: p.poll() is None and p.kill())
    deadline = time.time() + 60
    doc = None
    while time.time() < deadline and p.poll() is None:
        try:
            with open(outs[0]) as f:
                doc = closed_json(f.read())
        except FileNotFoundError:
            doc = None  # not opened yet
        if doc and len(doc.get("targets", [])) >= 2:
            break
        time.sleep(0.2)
    # the CSV and text copies of the second target are written just after
    # its JSON: a second for them, well within the silent target's 20 s
    time.sleep(1.0)
    still = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    t.check("the scan was still running (waiting on the silent listener) when the two "
            "servers were in the JSON file", still)
    if not t.check("the JSON file of the killed scan parses once closed", doc is not None):
        return
    got = [(x.get("host"), x.get("port"), x.get("status")) for x in doc["targets"]]
    t.eq("the JSON file holds the two finished targets, in order, whole",
         [("127.0.0.1", a.port, "ok"), ("127.0.0.1", b.port, "ok")], got)
    for x in doc["targets"]:
        t.check("%s: its protocols and profiles were written" % x.get("port"),
                x.get("protocols", {}).get("TLSv1.3") is not None and x.get("profiles"))
    with open(outs[1], newline="") as f:
        csv = f.read()
    for port in (a.port, b.port):
        t.check("the CSV file has rows of 127.0.0.1:%d" % port,
                ('"127.0.0.1",%d,' % port) in csv)
    t.check("the CSV file has nothing of the unfinished target",
            (",%s," % third.split(":")[1]) not in csv)
    t.check("the CSV file has no row of a partly written target: every line ends its record",
            csv.endswith("\r\n"), repr(csv[-200:]))
    with open(outs[2]) as f:
        text = f.read()
    t.check("the text file names both finished targets",
            a.target in text and b.target in text, text[:300])


def dates(t, a):
    d = h.tmpdir()
    path = os.path.join(d, "dated.json")
    env = dict(os.environ, TLSAUDIT_NOW=NOW)
    cp = run(["scan", "--no-http", "--no-dns", "-o", path, a.target], env)
    t.eq("scan at %s: exit 0" % NOW, 0, cp.returncode)
    with open(path) as f:
        first = json.load(f)
    cp = run(["report", "--format", "json", path], dict(os.environ, TLSAUDIT_NOW=LATER))
    t.eq("report at %s: exit 0" % LATER, 0, cp.returncode)
    later = json.loads(cp.stdout)
    t.eq("report_time is the time of the report", LATER, later.get("report_time"))
    c0 = first["targets"][0]["certificates"]
    c1 = later["targets"][0]["certificates"]
    t.check("the certificates are there", len(c0) > 0 and len(c0) == len(c1))
    for x, y in zip(c0, c1):
        na = datetime.datetime.strptime(x["not_after"], "%Y-%m-%dT%H:%M:%SZ")
        now = datetime.datetime.strptime(NOW, "%Y-%m-%dT%H:%M:%SZ")
        t.eq("%s: days_left at the scan, from not_after" % x.get("subject"),
             (na - now).days, x.get("days_left"))
        t.eq("%s: 40 days later, days_left 40 lower" % x.get("subject"),
             x.get("days_left") - 40, y.get("days_left"))
        t.eq("%s: expired then, not at the scan" % x.get("subject"), [False, True],
             [x.get("expired"), y.get("expired")])
    t.eq("the profile verdicts stay those of the scan",
         {k: v.get("compliant") for k, v in first["targets"][0]["profiles"].items()},
         {k: v.get("compliant") for k, v in later["targets"][0]["profiles"].items()})


def bad_reports(t, a, b):
    d = h.tmpdir()
    good = os.path.join(d, "good.json")
    cp = run(["scan", "--no-http", "--no-dns", "-o", good, a.target, b.target])
    t.eq("scan of two servers: exit 0", 0, cp.returncode)
    with open(good) as f:
        text = f.read()
    i = text.rfind('"port": %d' % b.port)
    damaged_line = text[:i].count("\n") + 1
    cases = {
        "damaged": text[:i] + '"port": 9x' + text[i + len('"port": %d' % b.port):],
        "array": "[]\n",
        "empty": "",
    }
    paths = {}
    for name, body in cases.items():
        paths[name] = os.path.join(d, name + ".json")
        with open(paths[name], "w") as f:
            f.write(body)
    paths["directory"] = d
    paths["missing"] = os.path.join(d, "missing.json")
    keep = os.path.join(d, "kept.csv")
    for name, path in paths.items():
        with open(keep, "w") as f:
            f.write("earlier report\n")
        before = set(os.listdir(d))
        cp = run(["report", "--format", "csv", path])
        err = cp.stderr.decode(errors="replace")
        t.eq("%s: exit 2" % name, 2, cp.returncode)
        t.eq("%s: nothing on stdout" % name, b"", cp.stdout)
        t.check("%s: one line on stderr naming the file: %r" % (name, err),
                err.count("\n") == 1 and err.startswith("tlsaudit: ") and path in err)
        if name == "damaged":
            t.check("damaged: the error names line %d: %r" % (damaged_line, err),
                    "line %d:" % damaged_line in err)
        cp = run(["report", "-o", keep, path])
        t.eq("%s -o: exit 2" % name, 2, cp.returncode)
        with open(keep) as f:
            t.eq("%s -o: the existing file is as it was" % name, "earlier report\n", f.read())
        t.eq("%s -o: no partial file left beside it" % name, before, set(os.listdir(d)))
    html = os.path.join(d, "again.html")
    cp = run(["report", "-o", html, good])
    t.eq("report -o again.html: exit 0", 0, cp.returncode)
    with open(html) as f:
        page = f.read()
    t.check("report -o again.html: an HTML page (the format from the name)",
            page.startswith("<!DOCTYPE html>") and a.target in page)


def comparable(x):
    """A target document without what differs between addresses and runs."""
    x = json.loads(json.dumps(x).replace(x.get("ip") or "\0", "{ADDR}"))
    for k in ("host", "ip", "duration_ms", "connections"):
        x.pop(k, None)
    return x


def behind_slow(t):
    ns = h.NetNS()
    srv = h.start_gnutls_serv(ns, [], port=4433)
    silent = subprocess.Popen(ns.cmd([
        "python3", "-c",
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',4444))\ns.listen(64)\n"
        "c=[]\nwhile True: c.append(s.accept())"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    h.add_cleanup(lambda: (silent.kill(), silent.wait()))
    ns.wait_port(4444, proc=silent)
    d = h.tmpdir()
    fleet = ["127.1.0.%d:4433" % i for i in range(1, 41)]
    # one gnutls-serv process answers for all 40 "hosts": at the default
    # 256 connections at once it drops some, so at most 8 here
    # --no-vuln: this is about the reports waiting for a slow target; ROBOT alone
    # would add some 80 connections to each of the 40 (the legacy suites)
    base = [h.tlsaudit_path(), "scan", "--no-dns", "--no-http", "--no-vuln", "--retries", "0",
            "--max-total", "8"]
    ref_path, all_path = os.path.join(d, "alone.json"), os.path.join(d, "behind.json")
    cp = subprocess.run(ns.cmd(base + ["-o", ref_path] + fleet), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=300)
    t.eq("the 40 alone: exit 0", 0, cp.returncode)
    if cp.returncode:
        h.log(cp.stderr.decode(errors="replace")[-1500:])
    env = dict(os.environ, TLSAUDIT_TRACE="1")
    cp = subprocess.run(ns.cmd(base + ["--timeout", "15000", "-o", all_path,
                                       "127.0.0.1:4444"] + fleet),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, env=env)
    t.eq("behind the silent listener: exit 1 (it fails)", 1, cp.returncode)
    spilled = [ln for ln in cp.stderr.decode(errors="replace").splitlines()
               if "trace: report:" in ln and "spilled" in ln]
    t.check("documents that waited went to the spill file (%d trace lines)" % len(spilled),
            len(spilled) >= 40 - 16 - 2, "\n".join(spilled[:3]))
    with open(ref_path) as f:
        ref = json.load(f)["targets"]
    with open(all_path) as f:
        got = json.load(f)["targets"]
    t.eq("the report has every target in the order given",
         ["127.0.0.1:4444"] + fleet, ["%s:%d" % (x["host"], x["port"]) for x in got])
    t.eq("the silent listener: status error", "error", got[0].get("status") if got else None)
    same = sum(comparable(a) == comparable(b) for a, b in zip(ref, got[1:]))
    first_diff = next((i for i, (a, b) in enumerate(zip(ref, got[1:]))
                       if comparable(a) != comparable(b)), None)
    t.check("each of the 40 documents equals its scan alone (after the spill file): %d "
            "equal, first difference at %s" % (same, first_diff), same == len(fleet))


def main(t):
    a = h.start_openssl_server(["-tls1_3"])
    b = h.start_openssl_server(["-no_tls1_3"])
    streaming(t, a, b)
    dates(t, a)
    bad_reports(t, a, b)
    behind_slow(t)


if __name__ == "__main__":
    h.run_test(main)
