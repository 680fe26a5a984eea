#!/usr/bin/env python3
"""--format junit for scan, report and export (docs/cli.md "JUnit").

Servers, all on 127.0.0.1:
  * nginx configured as Mozilla Intermediate (test_profiles_live's
    configuration: complies with hkcert-intermediate, not hkcert-modern),
    with a plain-HTTP server block that redirects to a Location holding
    what a hostile server sends (a right-to-left override, a C1 control,
    an HTML tag with an event handler, quotes, U+FFFE and "]]>"), given
    as --http-port: ncsc-uk-foundation's https-redirect rule fails with
    that Location in its evidence;
  * openssl s_server configured as HKCERT Modern (TLS 1.3 only, ECDSA
    P-256: complies with hkcert-modern, not hkcert-intermediate);
  * PostgreSQL (STARTTLS by SSLRequest): its test cases carry /postgres;
  * a closed port: an <error> in every suite;
  * the hostile-certificate s_server of test_output_safety.py (ESC, RLO,
    C1 in its subject) judged against a profile file whose title and
    advice hold markup, bidi and C1 characters, U+FFFE and U+FFFF.

One scan writes the JSON and the JUnit report together (-o run.json -o
run.xml), keeps the run in a store whose inventory gives three of the
endpoints a target profile, and requires three profiles.  Asserted:

  * the JUnit of every command is well-formed (xml.etree), valid against
    the published JUnit schema (xmllint --schema tests/data/junit/JUnit.xsd),
    and holds no raw control, bidi, C1, U+FFFE or U+FFFF character;
  * every suite and test case against the JSON document of the same run
    (junit_check.check): one suite per required profile in order, a test
    case per target named HOST:PORT[/PROTO], the profile as class name,
    passes / <failure> / <error> as the document's status and verdict
    say, the failure's one-line message and every failing rule's
    evidence, remediation and source escaped as docs/cli.md says, the
    counts and times;
  * what the servers were configured for: nginx passes hkcert-intermediate
    and fails hkcert-modern on "versions", s_server the other way round,
    nginx fails ncsc-uk-foundation's https-redirect and the hostile
    Location shows escaped;
  * the documents carry the inventory's target profiles (targets given on
    the command line), and a second scan with --inventory and no
    --require tests each endpoint against its target profile, else the
    --profile;
  * tlsaudit report and tlsaudit export of each run give the scan's own
    JUnit bytes; --require names a profile the documents lack: every test
    case an <error type="not-evaluated">;
  * exit codes: junit and json give the same (1 with a failed target, 4
    with a --require not met, 0 when met); --require of an unknown profile
    is a usage error for scan, as is report --require without junit.
"""

import json
import os
import subprocess

import harness as h
import http_servers as hs
import junit_check as jc
import mail_servers as ms
import test_output_safety as tos
import test_profiles_live as tpl

REQUIRE = ["hkcert-intermediate", "hkcert-modern", "ncsc-uk-foundation"]
LOCATION = ("http://evil.test/\u202e<img src=x onerror=alert(1)>\u009b\"'&amp;"
            "\ufffe]]>")
HOSTILE_PROFILE = {
    "format": "tlsaudit-profile-1", "id": "hostile-texts",
    "title": "Evil \u202eprofile <b onmouseover=x>\"'&\ufffe]]>\u009b",
    "document": "a document <i>", "version": "1",
    "rules": [{"id": "versions", "kind": "versions", "clause": "\u00a71 <x>", "trust": "R",
               "allowed": ["TLSv1.3"],
               "advice": "Fix <script>alert(1)</script> \u2066\uffff ]]> &amp; \\x1b"}],
}


def tlsaudit(argv, env=None, timeout=240):
    full = [h.tlsaudit_path()] + argv
    h.log("running: " + " ".join(full))
    cp = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        stdin=subprocess.DEVNULL, timeout=timeout,
                        env=dict(os.environ, **(env or {})))
    return cp.returncode, cp.stdout, cp.stderr.decode(errors="replace")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def same_bytes(t, label, want, got):
    if want == got:
        return t.check(label, True)
    a, b = want.splitlines(), got.splitlines()
    k = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return t.fail(label, "first difference at line %d:\n  want: %r\n  got:  %r" % (
        k + 1, a[k] if k < len(a) else "<end>", b[k] if k < len(b) else "<end>"))


def start_servers():
    c = h.make_certs()
    d = h.tmpdir()
    dh = h.gen_ffdhe_params("ffdhe2048")
    tls, plain = h.free_port(), h.free_port()
    hs.start_nginx_blocks([
        {"port": tls, "ssl": True, "body": """
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers %s;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_dhparam %s;
ssl_prefer_server_ciphers off;
ssl_session_tickets off;
add_header Strict-Transport-Security "max-age=63072000" always;
location / { return 200 "ok\\n"; }""" % (tpl.MOZ, dh)},
        {"port": plain, "ssl": False,
         "body": 'location / { return 301 "%s"; }' % LOCATION.replace('"', '\\"')}],
        name="nginx-junit")
    ec_ca, ec_cert, ec_key = tpl.ecdsa_pki()
    modern = h.start_openssl_server(["-tls1_3", "-ciphersuites",
                                     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                     "TLS_CHACHA20_POLY1305_SHA256",
                                     "-groups", "x25519:secp256r1:secp384r1"],
                                    cert=ec_cert, key=ec_key, name="s_server-modern")
    pg = ms.start_postgres(name="postgres-junit")
    bundle = os.path.join(d, "cas.pem")
    with open(bundle, "wb") as f:
        f.write(read(c.ca_cert) + read(ec_ca))
    return {"nginx": "127.0.0.1:%d" % tls, "plain": plain, "modern": modern.target,
            "postgres": "127.0.0.1:%d/postgres" % pg.port,
            "closed": "127.0.0.1:%d" % h.free_port(), "ca": bundle,
            "ports": {"nginx": tls, "modern": modern.port, "postgres": pg.port}}


def by_port(doc, port):
    return next(tg for tg in doc["targets"] if tg["port"] == port)


def main(t):
    s = start_servers()
    d = h.tmpdir()
    db = os.path.join(d, "fleet.db")
    common = ["--no-dns", "--sni", "localhost", "--ca-file", s["ca"],
              "--http-port", str(s["plain"]), "--timeout", "10000", "--connect-timeout", "3000"]
    # openssl s_server serves one connection at a time: under a loaded CI its queue
    # outlasted 3 s reads and left the TLS 1.2 answer unknown (a verdict incomplete,
    # not failed), so reads wait longer than the default
    targets = [s["nginx"], s["modern"], s["postgres"], s["closed"]]

    # the inventory: target profiles for three endpoints, none for the closed port
    inv = os.path.join(d, "inventory.csv")
    with open(inv, "w") as f:
        f.write("host,port,protocol,profile\r\n"
                "127.0.0.1,%d,https,hkcert-intermediate\r\n"
                "127.0.0.1,%d,tls,hkcert-modern\r\n"
                "127.0.0.1,%d,postgres,ncsc-uk-foundation\r\n"
                "%s,%s,tls,\r\n" % (s["ports"]["nginx"], s["ports"]["modern"],
                                    s["ports"]["postgres"], *s["closed"].split(":")))
    rc, _, err = tlsaudit(["inventory", "import", "--db", db, inv])
    if rc != 0:
        raise h.SetupError("inventory import exited %d: %s" % (rc, err))
    want_target = {s["ports"]["nginx"]: "hkcert-intermediate",
                   s["ports"]["modern"]: "hkcert-modern",
                   s["ports"]["postgres"]: "ncsc-uk-foundation"}

    # 1. one scan: JSON and JUnit together, three required profiles
    run_json, run_xml = os.path.join(d, "run.json"), os.path.join(d, "run.xml")
    req = [a for p in REQUIRE for a in ("--require", p)]
    rc, _, err = tlsaudit(["scan", "--db", db, "-o", run_json, "-o", run_xml] + req + common +
                          targets)
    t.eq("scan: exit code 1 (the closed port failed), as without junit", 1, rc)
    doc = json.loads(read(run_json))
    xml = read(run_xml)
    jc.validate(t, "scan run.xml", run_xml)
    cases = jc.check(t, "scan", xml, doc, REQUIRE)

    nginx, modern = by_port(doc, s["ports"]["nginx"]), by_port(doc, s["ports"]["modern"])
    pg = by_port(doc, s["ports"]["postgres"])
    names = {k: jc.endpoint(by_port(doc, p)) for k, p in s["ports"].items()}
    t.eq("the postgres test case is named with its STARTTLS protocol",
         "127.0.0.1:%d/postgres" % s["ports"]["postgres"], names["postgres"])
    t.eq("postgres was scanned", "ok", pg["status"])
    # what the servers were configured for (test_profiles_live's verdicts)
    kind = {k: [e.tag for e in c] for k, c in cases.items()}
    t.eq("nginx passes hkcert-intermediate", [], kind.get(("hkcert-intermediate",
                                                            names["nginx"])))
    t.eq("nginx fails hkcert-modern", ["failure"], kind.get(("hkcert-modern", names["nginx"])))
    t.check("nginx fails hkcert-modern on versions",
            "\nrule versions: fail\n" in (cases[("hkcert-modern", names["nginx"])][0].text or ""))
    t.eq("s_server passes hkcert-modern", [], kind.get(("hkcert-modern", names["modern"])))
    vr = next((r for r in modern["profiles"]["hkcert-intermediate"]["rules"]
               if r["id"] == "versions"), {})
    t.eq("s_server's hkcert-intermediate versions rule judged: TLS 1.2 required, not offered "
         "(%s)" % vr.get("evidence"), "fail", vr.get("result"))
    t.eq("s_server fails hkcert-intermediate", ["failure"],
         kind.get(("hkcert-intermediate", names["modern"])))
    closed = jc.endpoint(doc["targets"][3])
    t.eq("the closed port is an error in every suite", [["error"]] * len(REQUIRE),
         [kind.get((p, closed)) for p in REQUIRE])

    # a server string with hostile characters: nginx's Location in the failure
    red = next((r for r in nginx["profiles"]["ncsc-uk-foundation"]["rules"]
                if r["id"] == "https-redirect"), None)
    t.check("nginx: ncsc-uk-foundation's https-redirect failed with the Location in its "
            "evidence", red and red["result"] == "fail" and "onerror=alert(1)" in red["evidence"],
            json.dumps(red))
    loc = nginx["http"]["redirect_location"] or ""
    t.check("nginx: the document holds the hostile Location (the test is real)",
            "<img src=x onerror=alert(1)>" in loc and "]]>" in loc and '"' in loc, loc)
    text = xml.decode()
    t.check("nginx: the Location's markup is escaped in the JUnit (no raw tag)",
            "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text)
    t.check("nginx: the Location in the failure text as the reference escaping gives it",
            tos.ref_escape(loc, "xml") in text, tos.ref_escape(loc, "xml"))

    # the documents carry the inventory's target profiles
    t.eq("documents: target_profile from the inventory (targets given on the command line)",
         [want_target.get(tg["port"]) for tg in doc["targets"]],
         [tg.get("target_profile") for tg in doc["targets"]])

    # report and export give the scan's own bytes
    now = {"TLSAUDIT_NOW": doc["report_time"]}
    rc, out, err = tlsaudit(["report", "--format", "junit"] + req + [run_json], env=now)
    t.eq("report --format junit: exit code 0", 0, rc)
    same_bytes(t, "report --format junit: the scan's JUnit, byte for byte", xml, out)
    again = os.path.join(d, "again.xml")
    rc, _, err = tlsaudit(["report", "-o", again] + req + [run_json], env=now)
    t.eq("report -o FILE.xml: exit code 0", 0, rc)
    same_bytes(t, "report -o FILE.xml (format by the name): the scan's JUnit", xml, read(again))
    rc, out, err = tlsaudit(["export", "--db", db, "--run", "1", "-f", "junit"] + req)
    t.eq("export -f junit: exit code 0", 0, rc)
    same_bytes(t, "export -f junit: the scan's JUnit, byte for byte", xml, out)

    # a required profile the documents do not have
    rc, out, err = tlsaudit(["report", "--format", "junit", "--require", "no-such-profile",
                             run_json], env=now)
    t.eq("report --require no-such-profile: exit code 0", 0, rc)
    jc.check(t, "report --require no-such-profile", out, doc, ["no-such-profile"])
    root = jc.parse(t, "not-evaluated", out)
    t.eq("report --require no-such-profile: every test case not-evaluated, but the closed "
         "port's (not scanned)",
         ["not-evaluated"] * 3 + ["scan-error"],
         [c[0].get("type") for c in root.iter("testcase")])

    # 2. --inventory without --require: each endpoint against its target profile
    inv_json, inv_xml = os.path.join(d, "inv.json"), os.path.join(d, "inv.xml")
    rc, _, err = tlsaudit(["scan", "--db", db, "--inventory", "--profile", "mozilla-5.7-old",
                           "-o", inv_json, "-o", inv_xml] + common)
    t.eq("scan --inventory: exit code 1 (the closed port)", 1, rc)
    idoc = json.loads(read(inv_json))
    ixml = read(inv_xml)
    jc.validate(t, "scan --inventory inv.xml", inv_xml)
    t.eq("scan --inventory: target_profile of each row",
         [want_target.get(tg["port"]) for tg in idoc["targets"]],
         [tg.get("target_profile") for tg in idoc["targets"]])
    jc.check(t, "scan --inventory (target profiles)", ixml, idoc, (), "mozilla-5.7-old")
    iroot = jc.parse(t, "inv", ixml)
    t.list_eq("scan --inventory: the suites are the target profiles, then --profile's",
              ["hkcert-intermediate", "hkcert-modern", "ncsc-uk-foundation", "mozilla-5.7-old"],
              [x.get("name") for x in iroot.findall("testsuite")])
    rc, out, err = tlsaudit(["export", "--db", db, "-f", "junit", "--profile",
                             "mozilla-5.7-old"])
    same_bytes(t, "export (last run) without --require: the scan's JUnit", ixml, out)
    rc, out, err = tlsaudit(["report", "-f", "junit", "--profile", "mozilla-5.7-old", inv_json],
                           env={"TLSAUDIT_NOW": idoc["report_time"]})
    same_bytes(t, "report without --require: the scan's JUnit", ixml, out)
    rc, out, err = tlsaudit(["report", "-f", "junit", inv_json],
                           env={"TLSAUDIT_NOW": idoc["report_time"]})
    jc.check(t, "report without --require or --profile (default hkcert-intermediate)", out,
             idoc, ())

    # exit codes: the format changes none
    for tg, prof, code in ((s["modern"], "hkcert-intermediate", 4),
                           (s["modern"], "hkcert-modern", 0)):
        got = []
        for fmt in ("junit", "json"):
            rc, out, err = tlsaudit(["scan", "-f", fmt, "--require", prof] + common + [tg])
            got.append(rc)
        t.eq("scan --require %s of s_server: the same exit code with junit and json (%d)" % (
            prof, code), [code, code], got)
        if code == 4:
            t.check("scan --require not met: stderr names the profile", prof in err, err)
    rc, out, err = tlsaudit(["scan", "-f", "junit", "--require", "hkcert-modern", "--require",
                             "hkcert-intermediate"] + common + [s["modern"]])
    t.eq("scan with two --require, one not met: exit code 4", 4, rc)
    t.check("... stderr names the profile not met, not the one met",
            "hkcert-intermediate" in err and "with hkcert-modern" not in err, err)
    rc, out, err = tlsaudit(["scan", "-f", "junit", "--require", "no-such-profile", s["modern"]])
    t.eq("scan --require of an unknown profile: usage error", 2, rc)
    rc, out, err = tlsaudit(["report", "-f", "json", "--require", "hkcert-modern", run_json])
    t.eq("report --require with another format than junit: usage error", 2, rc)

    # 3. hostile texts: a certificate with ESC, RLO and C1 in its subject,
    # judged against a profile file whose texts carry markup and U+FFFE
    key, crt, _ = tos.make_cert()
    evil = h.start_openssl_server([], cert=crt, key=key, name="s_server-hostile")
    pf = os.path.join(d, "hostile-profile.json")
    with open(pf, "w") as f:
        json.dump(HOSTILE_PROFILE, f)
    ev_json, ev_xml = os.path.join(d, "evil.json"), os.path.join(d, "evil.xml")
    rc, _, err = tlsaudit(["scan", "--no-http", "--no-dns", "--profile-file", pf,
                           "--require", "hostile-texts", "--require", "hkcert-intermediate",
                           "-o", ev_json, "-o", ev_xml, evil.target])
    t.eq("hostile: exit code 4 (hostile-texts not met)", 4, rc)
    edoc = json.loads(read(ev_json))
    exml = read(ev_xml)
    t.check("hostile: the certificate subject holds RLO, C1 and markup (the test is real)",
            any("\u202e" in c["subject"] and "\u009b" in c["subject"]
                and "onerror=alert(1)" in c["subject"]
                for c in edoc["targets"][0]["certificates"]))
    jc.validate(t, "hostile evil.xml", ev_xml)
    jc.check(t, "hostile", exml, edoc, ["hostile-texts", "hkcert-intermediate"])
    etext = exml.decode()
    t.check("hostile: the profile title property shows the documented escapes",
            'name="profile_title" value="%s"' % tos.ref_escape(HOSTILE_PROFILE["title"], "xml")
            in etext, tos.ref_escape(HOSTILE_PROFILE["title"], "xml"))
    t.check("hostile: U+FFFE, U+FFFF, RLO, C1 and LRI shown as escapes",
            all(e in etext for e in ("\\u{FFFE}", "\\u{FFFF}", "\\u{202E}", "\\u{009B}",
                                     "\\u{2066}")))
    t.check("hostile: no markup of the profile texts got through",
            "<script" not in etext and "<b " not in etext and "<i>" not in etext
            and "]]>" not in etext)
    rc, out, err = tlsaudit(["report", "-f", "junit", "--require", "hostile-texts", "--require",
                             "hkcert-intermediate", ev_json],
                           env={"TLSAUDIT_NOW": edoc["report_time"]})
    same_bytes(t, "hostile: report gives the scan's JUnit, byte for byte", exml, out)


if __name__ == "__main__":
    h.run_test(main)
