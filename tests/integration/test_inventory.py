#!/usr/bin/env python3
"""The inventory (docs/inventory.md) from files to a scan and back:
`tlsaudit inventory import` of our CSV (with bad rows), a plain target list
and a live nmap -sV XML of the test's own servers; `scan --inventory` of
the store's endpoints; `inventory export` with what the scan saw.

Servers (loopback, started here): openssl s_server TLS 1.2 + 1.3 and one
TLS 1.2 only with a 3DES suite ... no: OpenSSL 3.0's s_server cannot serve
3DES; the weak suite comes from an s_server at @SECLEVEL=0 with a NULL
cipher (TLS_RSA_WITH_NULL_SHA256, "weak" in the document).

What is checked:
1. import: the good rows stored, every bad row named as FILE:LINE with the
   column, exit 1; a file that is no inventory refused (exit 2) and the
   store unchanged; the nmap file's TLS ports become rows (tls), its plain
   HTTP port a note, not a row;
2. scan --inventory scans exactly the inventory's endpoints (their order);
3. export: our columns as imported (a formula-looking cell still quoted),
   then highest/lowest version, weak suites, certificate expiry and the
   verdict of each row's target profile, each derived from how the server
   was started and checked against the scan's own JSON for the profile.
"""
import csv
import io
import json
import os
import subprocess

import harness as h


def tool(args):
    cp = subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=300)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def main(t):
    both = h.start_openssl_server([])
    weak = h.start_openssl_server(["-no_tls1_3", "-cipher", "NULL-SHA256:@SECLEVEL=0"])
    http_port = h.free_port()
    web = h.start_process(["python3", "-m", "http.server", "--bind", "127.0.0.1",
                           str(http_port)], "http.server",
                          os.path.join(h.tmpdir(), "http.log"))
    h.wait_port(http_port, proc=web)
    # the setup, verified with s_client
    for port, flag, proto in ((both.port, "-tls1_3", "TLSv1.3"), (both.port, "-tls1_2", "TLSv1.2"),
                              (weak.port, "-tls1_2", "TLSv1.2")):
        r = h.openssl_client(port, [flag] + (["-cipher", "NULL-SHA256:@SECLEVEL=0"]
                                             if port == weak.port else []))
        if not r["ok"] or r["protocol"] != proto:
            raise h.SetupError("s_client %s to %d failed:\n%s" % (flag, port, r["output"][-500:]))
    d = h.tmpdir()
    db = os.path.join(d, "inv.db")
    inv = os.path.join(d, "inventory.csv")
    with open(inv, "w", newline="") as f:
        f.write("asset_id,name,owner,host,port,protocol,profile,upgradable,notes\r\n")
        f.write("A1,portal,web team,127.0.0.1,%d,tls,hkcert-intermediate,yes,"
                "\"=HYPERLINK(\"\"x\"\")\"\r\n" % both.port)
        f.write("A2,legacy box,ops,127.0.0.1,%d,tls,mozilla-5.7-old,vendor,\"two\r\nlines\"\r\n"
                % weak.port)
        f.write("A3,typo,ops,127.0.0.1,99999,tls,,yes,\r\n")
        f.write("A4,bad flag,ops,127.0.0.1,443,tls,,perhaps,\r\n")
    rc, _, err = tool(["inventory", "import", "--db", db, inv])
    t.eq("import: exit 1 (rows refused, the others stored)", 1, rc)
    t.check("import: the bad port named with file and line (%s)" % err.strip(),
            "inventory.csv:5: column 'port'" in err)
    t.check("import: the bad upgradable value named with its line",
            "inventory.csv:6:" in err and "upgradable" in err)
    t.check("import: says 2 rows stored, 2 refused", "2 rows stored, 2 refused" in err)
    junk = os.path.join(d, "junk.bin")
    with open(junk, "wb") as f:
        f.write(bytes(range(256)) * 4)
    rc, _, err = tool(["inventory", "import", "--db", db, junk])
    t.eq("import of a binary file: exit 2", 2, rc)
    # nmap, live, against the servers of this test
    xml = os.path.join(d, "nmap.xml")
    h.run(["nmap", "-n", "-Pn", "-sV", "--version-light", "-p",
           "%d,%d" % (weak.port, http_port), "-oX", xml, "127.0.0.1"], timeout=180)
    rc, _, err = tool(["inventory", "import", "--db", db, xml])
    t.eq("import nmap: exit 0 (%s)" % err.strip()[-200:], 0, rc)
    t.check("import nmap: the plain HTTP port is a note, not a row",
            "%d/tcp" % http_port in err and "not a TLS or STARTTLS service" in err)
    rc, out, err = tool(["inventory", "export", "--db", db])
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    t.eq("export before a scan: 2 rows (nmap's TLS port is the same endpoint as A2)", 2,
         len(rows))
    a2 = [r for r in rows if r["port"] == str(weak.port)]
    t.check("the nmap row merged into A2's endpoint (nmap's service fills in)",
            len(a2) == 1)

    # scan the inventory
    jpath = os.path.join(d, "scan.json")
    rc, _, err = tool(["scan", "--no-dns", "--no-http", "--db", db, "--inventory", "-o", jpath])
    t.eq("scan --inventory: exit 0 (%s)" % err.strip()[-200:], 0, rc)
    with open(jpath) as f:
        doc = json.load(f)
    t.list_eq("scan --inventory: the inventory's endpoints, in its order",
              [both.port, weak.port], [x["port"] for x in doc["targets"]])
    rc, out, err = tool(["inventory", "export", "--db", db])
    t.eq("export: exit 0", 0, rc)
    rows = {r["port"]: r for r in csv.DictReader(io.StringIO(out))}
    r1, r2 = rows.get(str(both.port), {}), rows.get(str(weak.port), {})
    t.eq("export A1: highest version", "TLSv1.3", r1.get("highest_version"))
    t.eq("export A1: lowest version", "TLSv1.2", r1.get("lowest_version"))
    t.eq("export A1: no weak suite", "", r1.get("weak_suites"))
    t.eq("export A2: highest = lowest = TLSv1.2", ("TLSv1.2", "TLSv1.2"),
         (r2.get("highest_version"), r2.get("lowest_version")))
    t.check("export A2: the NULL suite is weak (%s)" % r2.get("weak_suites"),
            "TLS_RSA_WITH_NULL_SHA256 (TLSv1.2)" in r2.get("weak_suites", ""))
    t.eq("export A1: formula cell kept (quoted for spreadsheets)", "'=HYPERLINK(\"x\")",
         r1.get("notes"))
    t.eq("export A2: the multi-line note kept", "two\r\nlines".replace("\r\n", "\n"),
         r2.get("notes", "").replace("\r\n", "\n"))
    end = h.run(["openssl", "x509", "-in", h.make_certs().rsa_cert, "-noout", "-enddate"])
    t.check("export: the certificate expiry of the leaf",
            r1.get("cert_not_after", "")[:10] != "" and r1.get("cert_days_left", "") != "")
    by_port = {x["port"]: x for x in doc["targets"]}
    for r, prof in ((r1, "hkcert-intermediate"), (r2, "mozilla-5.7-old")):
        want = by_port[int(r["port"])]["profiles"][prof]["compliant"]
        t.eq("export %s: target profile %s" % (r.get("asset_id"), prof), prof,
             r.get("target_profile"))
        t.eq("export %s: compliant as the scan judged it" % r.get("asset_id"),
             "yes" if want else "no", r.get("compliant"))
    t.check("A2 (NULL suite) does not comply with mozilla-5.7-old",
            r2.get("compliant") == "no")
    del end


if __name__ == "__main__":
    h.run_test(main)
