#!/usr/bin/env python3
"""tlsaudit plan (docs/plan.md) over a small fleet of real servers, each
configured as a different kind of asset, scanned twice into one store.

Servers (openssl s_server on loopback, certificates from the test CA with
the validity each case needs; --ca-file trusts the CA):
  legacy-web      TLS 1.0-1.2 with AES128-SHA; internet, high: P1
  modern          TLS 1.2 + 1.3, ECDHE-RSA AES-GCM/ChaCha20, P-256/P-384/X25519,
                  200-day certificate; internal: complies, P4
  cbc-critical    TLS 1.2 only, ECDHE-RSA-AES128-SHA256; internal, criticality high: P2
  cbc-low         TLS 1.2 + 1.3 with one CBC suite besides GCM; internal, low: P3
  device-ok       TLS 1.0 only; partner, upgradable no, exception in force: accepted
  device-expired  TLS 1.0 only; internal, upgradable vendor, exception expired: flagged
  expiring        like modern, certificate expiring in 10 days; internal: P2
  closed          an inventory row on a closed port: unreachable, P2
  later           an inventory row imported after the first scan: not scanned

Checked:
1. every endpoint's class and score against the test's own implementation
   of the formula in docs/plan.md, from the facts in the scan's JSON and
   the inventory (not from the plan);
2. the order (class, then score), the gaps' severities for the known
   configurations, contingency (vendor/proxy/narrow/exception) and the
   expired exception flagged in text and JSON;
3. CSV: a header and one row per endpoint and gap, the same ranks;
4. after legacy-web is reconfigured like modern and the fleet scanned again:
   its gaps closed (verify), it leaves P1, progress shows two runs with one
   more compliant endpoint;
5. plan of a JSON report with --previous gives the same classes as --db;
   bad inventory rows are named on stderr and left out;
6. tlsaudit report --db -f html: the page's Plan section lists every
   endpoint in the plan's order with its class, what closed, and the
   expired exception.
"""
import csv
import datetime
import io
import json
import os
import subprocess

import harness as h

SEV_POINTS = {"critical": 40, "high": 30, "medium": 20, "low": 10, "none": 0}
EXPOSURE = {"internet": 30, "partner": 20, "internal": 10, "": 15}
CLASSES = ["P1", "P2", "P3", "accepted", "P4"]
MODERN = ["-min_protocol", "TLSv1.2", "-cipher",
          "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305",
          "-groups", "X25519:P-256:P-384"]


def tool(args, timeout=600):
    cp = subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=timeout)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def leaf(c, name, days):
    """An RSA-2048 leaf of the test CA for localhost/127.0.0.1, valid `days`."""
    d = c.dir
    key, csr, crt, ext = (os.path.join(d, name + s) for s in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,"
                "keyEncipherment\nextendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    h.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", key,
           "-out", csr, "-subj", "/CN=localhost"])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", c.ca_key,
           "-CAcreateserial", "-days", str(days), "-sha256", "-extfile", ext, "-out", crt])
    return crt, key


def plan_rows(html):
    """The cells' text of each row of the Plan section's table."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.in_plan = self.in_body = False
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section" and a.get("id") == "plan":
                self.in_plan = True
            elif self.in_plan and tag == "tbody" and not self.rows:
                self.in_body = True
            elif self.in_body and tag == "tr":
                self.rows.append([])
            elif self.in_body and tag == "td":
                self.cell = []
            elif self.cell is not None and tag in ("br", "li"):
                self.cell.append(" ")

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "tbody":
                self.in_body = False
            elif tag == "section":
                self.in_plan = False

        def handle_data(self, d):
            if self.cell is not None:
                self.cell.append(d)

    p = P()
    p.feed(html)
    return p.rows


def crit_points(c):
    c = c.lower()
    return 30 if c in ("high", "critical") else 20 if c == "medium" else 10 if c == "low" else 15


def expected(item, doc, row, today):
    """The class and score docs/plan.md gives, from the scan's facts."""
    gaps = item["gaps"]
    worst = max([SEV_POINTS[g["severity"]] for g in gaps] + [0])
    exposure = row.get("exposure", "")
    internet = exposure == "internet"
    score = worst + EXPOSURE[exposure] + crit_points(row.get("criticality", ""))
    cert = (doc or {}).get("certificates") or []
    if cert and isinstance(cert[0].get("days_left"), int):
        d = cert[0]["days_left"]
        score += 40 if d < 0 else 30 if d <= 14 else 20 if d <= 30 else 10 if d <= 90 else 0
    protos = (doc or {}).get("protocols") or {}
    obsolete = [v for v in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")
                if (protos.get(v) or {}).get("offered")]
    broken = bool(cert) and (cert[0].get("expired") or cert[0].get("hostname_match") is False
                             or (internet and cert[0].get("trusted") is False))
    reachable = doc is not None and doc.get("status") == "ok"
    if worst == 40:
        cls = "P1"
    elif internet and (obsolete or broken or worst >= 30):
        cls = "P1"
    elif gaps and (internet or exposure == "partner" or crit_points(row.get("criticality", ""))
                   == 30 or worst >= 30 or not reachable):
        cls = "P2"
    elif gaps:
        cls = "P3"
    else:
        cls = "P4"
    exp = row.get("exception_expiry", "")
    if exp and exp >= today and cls != "P4":
        cls = "accepted"
    return cls, score


def main(t):
    c = h.make_certs()
    long_crt, long_key = leaf(c, "plan-long", 200)
    short_crt, short_key = leaf(c, "plan-short", 10)
    legacy = ["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2", "-cipher",
              "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"]
    cfg = {
        "legacy-web": (legacy, long_crt, long_key),
        "modern": (MODERN, long_crt, long_key),
        "cbc-critical": (["-min_protocol", "TLSv1.2", "-max_protocol", "TLSv1.2", "-cipher",
                          "ECDHE-RSA-AES128-SHA256", "-groups", "X25519:P-256"], long_crt,
                         long_key),
        "cbc-low": (["-min_protocol", "TLSv1.2", "-cipher",
                     "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256", "-groups",
                     "X25519:P-256"], long_crt, long_key),
        "device-ok": (["-min_protocol", "TLSv1", "-max_protocol", "TLSv1", "-cipher",
                       "AES128-SHA:@SECLEVEL=0"], long_crt, long_key),
        "device-expired": (["-min_protocol", "TLSv1", "-max_protocol", "TLSv1", "-cipher",
                            "AES128-SHA:@SECLEVEL=0"], long_crt, long_key),
        "expiring": (MODERN, short_crt, short_key),
    }
    servers = {n: h.start_openssl_server(a, cert=crt, key=key, name="plan-" + n)
               for n, (a, crt, key) in cfg.items()}
    closed_port = h.free_port()
    today = datetime.date.today()
    rows = {
        "legacy-web": {"exposure": "internet", "criticality": "high", "upgradable": "yes",
                       "software": "nginx 1.22.1", "owner": "web team"},
        "modern": {"exposure": "internal", "criticality": "medium", "upgradable": "yes"},
        "cbc-critical": {"exposure": "internal", "criticality": "high", "upgradable": "yes"},
        "cbc-low": {"exposure": "internal", "criticality": "low", "upgradable": "yes"},
        "device-ok": {"exposure": "partner", "criticality": "medium", "upgradable": "no",
                      "contingency": "=cmd|' /C calc'!A0 isolated VLAN",
                      "exception_expiry": str(today + datetime.timedelta(days=60))},
        "device-expired": {"exposure": "internal", "criticality": "low", "upgradable": "vendor",
                           "exception_expiry": str(today - datetime.timedelta(days=10))},
        "expiring": {"exposure": "internal", "criticality": "low", "upgradable": "yes"},
        "closed": {"exposure": "internal", "criticality": "low", "upgradable": "yes"},
    }
    ports = {n: s.port for n, s in servers.items()}
    ports["closed"] = closed_port
    cols = ["asset_id", "name", "owner", "host", "port", "protocol", "exposure", "criticality",
            "software", "upgradable", "contingency", "exception_expiry"]
    inv = os.path.join(h.tmpdir(), "plan-inventory.csv")
    with open(inv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for n, r in rows.items():
            w.writerow([("A-" + n), n, r.get("owner", ""), "127.0.0.1", ports[n], "tls",
                        r["exposure"], r["criticality"], r.get("software", ""), r["upgradable"],
                        r.get("contingency", ""), r.get("exception_expiry", "")])
    db = os.path.join(h.tmpdir(), "plan.sqlite")
    rc, out, err = tool(["inventory", "import", "--db", db, inv])
    t.eq("inventory import (%s)" % err.strip()[:200], 0, rc)
    report1 = os.path.join(h.tmpdir(), "plan-run1.json")
    scan = ["scan", "--db", db, "--inventory", "--ca-file", c.ca_cert, "--no-http", "--no-dns",
            "--no-vuln", "--format", "json"]
    rc, out, err = tool(scan + ["-o", report1])
    t.check("first scan of the inventory (rc %d: %s)" % (rc, err.strip()[-300:]), rc in (0, 1))
    docs = {d["port"]: d for d in json.load(open(report1))["targets"]}
    # a row the run has not seen, and a bad row: named, left out
    later_port = h.free_port()
    extra = os.path.join(h.tmpdir(), "plan-extra.csv")
    with open(extra, "w") as f:
        f.write("host,port,protocol,exposure\n127.0.0.1,%d,tls,internal\n"
                "127.0.0.1,70000,tls,internal\n" % later_port)
    rc, out, err = tool(["plan", "--db", db, "--inventory", extra, "-f", "json"])
    t.eq("plan --db -f json: exit 0 (%s)" % err.strip()[:200], 0, rc)
    t.check("the bad inventory row is named on stderr, one line, and left out (%s)"
            % err.strip(), "plan-extra.csv:3:" in err and "port" in err
            and "left out" in err and len(err.strip().splitlines()) == 1)
    missing = os.path.join(h.tmpdir(), "no-such-inventory.csv")
    rc2, out2, err2 = tool(["plan", "--db", db, "--inventory", missing])
    t.check("an inventory file that cannot be read: exit 2, one line naming it, no plan "
            "(rc %d: %s)" % (rc2, err2.strip()), rc2 == 2 and not out2.strip()
            and len(err2.strip().splitlines()) == 1 and missing in err2
            and "No such file" in err2)
    plan = json.loads(out)
    items = {it["endpoint"]: it for it in plan["endpoints"]}
    t.eq("every endpoint of the run and of the inventory is in the plan",
         sorted(["127.0.0.1:%d/tls" % p for p in list(ports.values()) + [later_port]]),
         sorted(items))
    today_s = str(today)
    by_name = {}
    for n, p in list(ports.items()) + [("later", later_port)]:
        it = items.get("127.0.0.1:%d/tls" % p, {})
        by_name[n] = it
        row = rows.get(n, {"exposure": "internal", "criticality": ""})
        want = expected(it, docs.get(p), row, today_s)
        t.eq("%s: class and score as docs/plan.md computes them from the scan (%s)"
             % (n, "; ".join(it.get("why", []))), want, (it.get("priority"), it.get("score")))
    want_class = {"legacy-web": "P1", "modern": "P4", "cbc-critical": "P2", "cbc-low": "P3",
                  "device-ok": "accepted", "expiring": "P2", "closed": "P2", "later": "P2"}
    for n, cls in want_class.items():
        t.eq("%s: the asset kind gives class %s" % (n, cls), cls, by_name[n].get("priority"))
    order = [(CLASSES.index(it["priority"]), -it["score"], it["endpoint"])
             for it in plan["endpoints"]]
    t.eq("ranked by class, then score, then name", sorted(order), order)
    t.eq("ranks are 1..n in order", list(range(1, len(order) + 1)),
         [it["rank"] for it in plan["endpoints"]])
    lw = by_name["legacy-web"]
    gap = {g["id"]: g for g in lw.get("gaps", [])}
    t.check("legacy-web: a high gap for TLS 1.0/1.1 with evidence naming TLSv1.0 (%s)"
            % gap.get("versions"), gap.get("versions", {}).get("severity") == "high"
            and "TLSv1.0" in gap["versions"]["evidence"])
    t.check("legacy-web: P1 because internet-facing with an obsolete version",
            "internet-facing with an obsolete protocol version" in lw.get("why", []))
    t.eq("legacy-web: the fix names the inventory's software", "nginx 1.22.1",
         (lw.get("fix") or {}).get("software"))
    # the fix: the generated configuration of the inventory's software
    cfg = (lw.get("fix") or {}).get("config") or {}
    rc, want_cfg, err = tool(["config", "--software", "nginx", "--version", "1.22.1",
                              "--profile", "hkcert-intermediate"])
    t.check("legacy-web: fix.config is tlsaudit config's nginx 1.22.1 fragment for its target "
            "profile, byte for byte (rc %d)" % rc,
            rc == 0 and cfg.get("software") == "nginx" and cfg.get("version") == "1.22.1"
            and cfg.get("profile") == "hkcert-intermediate" and cfg.get("text") == want_cfg
            and "ssl_protocols TLSv1.2 TLSv1.3;" in want_cfg)
    t.check("legacy-web: the config's notes are the generator's, one rule each (%d)"
            % len(cfg.get("notes", [])), cfg.get("notes") and all(
                n.startswith("note: ") for n in cfg["notes"]))
    # the impact: who connects today (the scan's simulation) and not once
    # configured exactly to the target profile (tlsaudit clients --profile)
    rc, out, err = tool(["clients", "--profile", "hkcert-intermediate", "-f", "json"])
    after = {c["client"]: c for c in json.loads(out)["clients"]} if rc == 0 else {}
    now = {c["client"]: c for c in docs[ports["legacy-web"]].get("clients", [])}
    locked = sorted(n for n, c in now.items() if c["result"] == "connects"
                    and after.get(n, {}).get("result") != "connects")
    imp = lw.get("impact") or {}
    t.eq("legacy-web: impact.locked_out = the clients that connect now and not after",
         locked, sorted(c["client"] for c in imp.get("locked_out", [])))
    t.eq("legacy-web: impact counts", (sum(c["result"] == "connects" for c in now.values()),
                                       sum(c["result"] == "connects" for c in after.values())),
         (imp.get("connect_now"), imp.get("connect_after")))
    old_only = sorted(n for n, c in now.items() if c.get("protocol") in ("TLSv1.0", "TLSv1.1")
                      and after.get(n, {}).get("result") != "connects")
    t.check("legacy-web: the clients that may connect now with TLS 1.0/1.1 and not to the "
            "target profile are (maybe) locked out (%s; now %s)" % (old_only, {n: (c["result"], c["protocol"])
                                                          for n, c in now.items()}),
            all(n in locked or n in [c["client"] for c in imp.get("maybe_locked_out", [])]
                for n in old_only))
    maybe = sorted(n for n, c in now.items() if c["result"] == "unknown"
                   and after.get(n, {}).get("result") != "connects")
    t.eq("legacy-web: impact.maybe_locked_out = the clients the simulation cannot judge now "
         "that fail after", maybe, sorted(c["client"] for c in imp.get("maybe_locked_out", [])))
    rc, want_proxy, err = tool(["config", "--software", "haproxy", "--profile",
                                "hkcert-intermediate"])
    proxy = [o for o in (by_name["device-ok"].get("contingency") or {}).get("options", [])
             if o["kind"] == "proxy"]
    t.check("device-ok: the proxy option carries tlsaudit config's haproxy fragment",
            rc == 0 and proxy and (proxy[0].get("config") or {}).get("text") == want_proxy)
    t.eq("no software in the inventory: no configuration", None,
         (by_name["cbc-low"].get("fix") or {}).get("config"))
    t.check("modern: complies with hkcert-intermediate (the default), no gap",
            by_name["modern"].get("compliant") is True and by_name["modern"].get("gaps") == []
            and by_name["modern"].get("target_profile") == "hkcert-intermediate"
            and by_name["modern"].get("target_profile_source") == "default")
    ex = {g["id"]: g for g in by_name["expiring"].get("gaps", [])}
    t.check("expiring: cert-expiring high, its days in the evidence (%s)" % ex.get(
        "cert-expiring"), ex.get("cert-expiring", {}).get("severity") == "high"
        and "expires in" in ex["cert-expiring"]["evidence"])
    t.eq("closed: one gap, unreachable", ["unreachable"],
         [g["id"] for g in by_name["closed"].get("gaps", [])])
    t.eq("later: not scanned", ("not_scanned", ["not-scanned"]),
         (by_name["later"].get("status"), [g["id"] for g in by_name["later"].get("gaps", [])]))
    dev = by_name["device-ok"].get("contingency") or {}
    t.eq("device-ok (no, partner): proxy, narrow, exception in force",
         ["proxy", "narrow", "exception"], [o["kind"] for o in dev.get("options", [])])
    t.check("device-ok: the exception's date, not expired, and the recorded contingency kept",
            dev.get("exception_until") == rows["device-ok"]["exception_expiry"]
            and dev.get("exception_expired") is False
            and "isolated VLAN" in (dev.get("recorded") or ""))
    de = by_name["device-expired"]
    dc = de.get("contingency") or {}
    t.eq("device-expired (vendor, internal): vendor, proxy, exception (no narrowing inside)",
         ["vendor", "proxy", "exception"], [o["kind"] for o in dc.get("options", [])])
    t.check("device-expired: the expired exception is flagged (JSON and why)",
            de.get("exception_expired") is True and any("EXPIRED" in w for w in de["why"])
            and "EXPIRED on %s" % rows["device-expired"]["exception_expiry"]
            in dc["options"][-1]["text"])
    t.eq("first run: nothing to compare with", [None] * len(items),
         [it.get("verify") for it in plan["endpoints"]])

    rc, text, err = tool(["plan", "--db", db])
    t.check("text: legacy-web's config command and the client impact shown",
            "config: tlsaudit config --software nginx --version 1.22.1 --profile "
            "hkcert-intermediate" in text and "impact: " in text)
    t.check("text: the summary line and the expired exception shown",
            rc == 0 and text.startswith("Upgrade plan: %d endpoints" % (len(items) - 1))
            and "EXPIRED on" in text)
    rc, out, err = tool(["plan", "--db", db, "--inventory", extra, "-f", "csv"])
    recs = list(csv.reader(io.StringIO(out)))
    t.eq("csv: header", ["rank", "priority", "score", "endpoint", "asset_id", "name", "owner",
                         "exposure", "target_profile", "gap", "severity", "evidence", "fix",
                         "upgradable", "contingency", "config_command", "locked_out"],
         recs[0] if recs else None)
    t.eq("csv: one row per endpoint and gap (one for an endpoint without gaps)",
         sum(max(1, len(it["gaps"])) for it in plan["endpoints"]), len(recs) - 1)
    t.eq("csv: the ranks of the JSON plan, in order",
         [str(it["rank"]) for it in plan["endpoints"] for _ in range(max(1, len(it["gaps"])))],
         [r[0] for r in recs[1:]])
    t.check("csv: legacy-web's rows carry its config command",
            any(r[3] == "127.0.0.1:%d/tls" % ports["legacy-web"] and r[15] ==
                "tlsaudit config --software nginx --version 1.22.1 --profile hkcert-intermediate"
                for r in recs[1:]))
    t.check("csv: the formula-looking contingency text is not a formula",
            all(not cell.startswith("=") for r in recs for cell in r))

    # fix legacy-web like modern; second run
    h.stop_process(servers["legacy-web"].proc, "legacy-web")
    servers["legacy-web"] = h.start_openssl_server(MODERN, cert=long_crt, key=long_key,
                                                   port=ports["legacy-web"], name="plan-fixed")
    report2 = os.path.join(h.tmpdir(), "plan-run2.json")
    rc, out, err = tool(scan + ["-o", report2])
    t.check("second scan (rc %d)" % rc, rc in (0, 1))
    rc, out, err = tool(["plan", "--db", db, "-f", "json"])
    plan2 = json.loads(out)
    items2 = {it["endpoint"]: it for it in plan2["endpoints"]}
    lw2 = items2.get("127.0.0.1:%d/tls" % ports["legacy-web"], {})
    v = lw2.get("verify") or {}
    t.check("legacy-web after the fix: its gaps closed, none open or new (%s)" % v,
            "versions" in v.get("closed", []) and v.get("open") == [] and v.get("new") == [])
    t.eq("legacy-web after the fix: P4, complies", ("P4", True),
         (lw2.get("priority"), lw2.get("compliant")))
    mv = items2.get("127.0.0.1:%d/tls" % ports["modern"], {}).get("verify")
    t.eq("modern: nothing closed, open or new", {"closed": [], "open": [], "new": []}, mv)
    prog = plan2.get("progress", [])
    t.check("progress: two runs, one more endpoint compliant in the second (%s)" % prog,
            len(prog) == 2 and prog[1]["compliant"] == prog[0]["compliant"] + 1
            and prog[0]["endpoints"] == prog[1]["endpoints"] == len(ports))
    t.eq("source: the last run, compared with the one before", plan2["source"]["run"] - 1,
         plan2["source"]["previous_run"])

    # the IT leader's page: tlsaudit report --db carries the plan
    page = os.path.join(h.tmpdir(), "plan-report.html")
    rc, out, err = tool(["report", "--db", db, "-f", "html", "-o", page])
    t.eq("report --db -f html: exit 0 (%s)" % err.strip()[:200], 0, rc)
    rows = plan_rows(open(page, encoding="utf-8").read()) if rc == 0 else []
    t.eq("the page's Plan section lists every endpoint in rank order, with its class",
         [(str(it["rank"]), it["priority"], it["endpoint"]) for it in plan2["endpoints"]],
         [(r[0], r[1].split()[0] if r[1] else "", r[2].split()[0] if r[2] else "")
          for r in rows])
    fixed_row = [r for r in rows if r[2].startswith("127.0.0.1:%d/tls" % ports["legacy-web"])]
    t.check("the fixed endpoint's row says what closed since the previous run (%s)"
            % fixed_row, bool(fixed_row) and "closed: versions" in fixed_row[0][7]
            and "0 open" in fixed_row[0][7])
    dev_row = [r for r in rows if r[2].startswith("127.0.0.1:%d/tls" % ports["device-expired"])]
    t.check("the device with the expired exception is flagged on the page",
            bool(dev_row) and "exception expired" in dev_row[0][6])

    # a JSON report with --previous: the same judgement
    rc, out, err = tool(["plan", "--db", db, "--previous", report1, report2, "-f", "json"])
    plan3 = json.loads(out) if rc == 0 else {}
    got = {it["endpoint"]: (it["priority"], it["score"], it["verify"])
           for it in plan3.get("endpoints", [])}
    want = {it["endpoint"]: (it["priority"], it["score"], it["verify"])
            for it in plan2["endpoints"]}
    t.eq("plan of report 2 with --previous report 1 equals plan --db", want, got)
    rc, out, err = tool(["plan", "--previous", report1])
    t.eq("--previous without a report: usage error", 2, rc)


if __name__ == "__main__":
    h.run_test(main)
