#!/usr/bin/env python3
"""The active vulnerability probes (docs/vulnerabilities.md) against
scripted servers (vuln_servers.py: real minimal TLS 1.2 servers that
depart from the protocol in exactly one place), each verified first with
a raw client of the test's own, and against a real OpenSSL server for the
derived verdicts of its configuration.

What is checked:
1. heartbleed: a server that answers an over-long heartbeat is vulnerable,
   with the leak counted in the evidence (16384 declared, none sent);
   the same server discarding it (RFC 6520) is not.  After the handshake
   (encrypted, 256 declared): a server that bleeds only then is vulnerable,
   the fixed one drops it and echoes the well-formed heartbeat after it,
   and the server found vulnerable in the hello gets no second test.
2. ccs-injection: a server that takes an early ChangeCipherSpec is
   vulnerable; one that answers unexpected_message is not.
3. intolerance: a server that closes on supported_versions listing GREASE
   and a version to come, and
   one that closes on an unknown extension, are findings that name what
   they refused; the tolerant reference is not.
4. robot: the strong and the weak oracle are found and named, the server
   that follows RFC 5246 7.4.7.1 is not vulnerable; ticketbleed: the
   echoing server is vulnerable, the fixed one not, one without tickets
   not applicable.
5. --no-vuln: no heartbeat reaches the heartbleed server (its log), the
   active entries say could_not_test, the derived ones are still given.
6. derived verdicts of a real `openssl s_server` at @SECLEVEL=0 with TLS
   1.0 to 1.2 and AES128-SHA: BEAST vulnerable (TLS 1.0 with a CBC suite,
   verified with s_client), SWEET32 and POODLE not (no 64-bit block
   cipher, no SSLv3), and no active probe fires on it.
7. a profile whose rule of kind "vulnerabilities" forbids heartbleed:
   --require fails (exit 4) on the heartbleed server, with the item named,
   and the tolerant server complies.
8. DROWN: the SSLv2 scripted server is vulnerable, and so is s_server, which
   serves the same RSA certificate without SSLv2 (scanned after it).
Other servers of the suite: harness.check_target asserts on every target
of every test that no active probe fires (a false alarm).
"""
import json
import os
import re
import struct
import subprocess
import time

import harness as h
import vuln_servers as vs

HB_DECLARED = 16384
HB_POST_DECLARED = 256  # src/probe/hbpost.h


def raw_flight(port, version=0x0303, exts=None):
    c = vs.RawClient(port)
    kw = {"version": version}
    if exts is not None:
        kw["exts"] = exts
    return c, c.hello(vs.client_hello(**kw))


def verify(mode, port):
    """What the scripted server does, seen by a client of the test's own."""
    if mode.startswith("heartbleed"):
        c, r = raw_flight(port)
        if "sh" not in r:
            return "no ServerHello: %s" % r
        c.send(24, b"\x01" + struct.pack(">H", HB_DECLARED))
        got, ct = vs.heartbeats(c, 1.5)
        c.close()
        leaks = len(got) > 3
        if leaks != (mode == "heartbleed"):
            return "heartbeat answer %r (%d bytes)" % (ct, len(got))
        # after the handshake, encrypted: declared 100, 3 bytes sent
        c = vs.full_handshake(port, exts=(vs.SIGALGS_EXT, vs.RI_EXT, (15, b"\x01")))
        c.send(24, b"\x01" + struct.pack(">H", 100) + b"abc" + b"\x00" * 16)
        got, ct = vs.heartbeats(c, 1.5)
        c.close()
        leaks = len(got) > 3 + 19
        return None if leaks == (mode != "heartbleed-fixed") else (
            "encrypted heartbeat answer %r (%d bytes)" % (ct, len(got)))
    if mode.startswith("ccs"):
        c, r = raw_flight(port)
        if "sh" not in r:
            return "no ServerHello: %s" % r
        c.send(20, b"\x01")
        resp = c.response(1.5)
        c.close()
        ok = resp == "timeout" if mode == "ccs" else resp == "alert:10"
        return None if ok else "after an early CCS: %s" % resp
    if mode in ("version-intolerant", "tolerant"):
        sv = (43, bytes([6]) + bytes.fromhex("0a0a03050303"))  # supported_versions
        c, r = raw_flight(port, exts=[sv])
        c.close()
        return None if ("sh" in r) == (mode == "tolerant") else "supported_versions: %s" % r
    if mode.startswith("robot"):
        resp = {v: vs.robot_probe(port, v) for v in vs.ROBOT_VARIANTS}
        want = {"robot-strong": "strong", "robot-weak": "weak", "robot-fixed": "none"}[mode]
        got = vs.robot_classify(resp)
        return None if got == want else "robot-detect's rule says %s: %s" % (got, resp)
    if mode.startswith("ticketbleed"):
        sess = os.path.join(h.tmpdir(), "%s.sess" % mode)
        out = vs.s_client(h, port, ["-tls1_2", "-cipher", "AES128-SHA", "-sess_out", sess])
        m = re.search(r"TLS session ticket:\n(.*?)\n\n", out, re.S)
        if not m:
            return "s_client got no session ticket"
        ticket = bytes.fromhex("".join(
            re.sub(r"^\s*[0-9a-f]{4} - ", "", ln)[:48].replace("-", " ").replace(" ", "")
            for ln in m.group(1).splitlines()))[:vs.TICKET_LEN]
        c = vs.RawClient(port)
        r = c.hello(vs.client_hello(sid=b"\xab", exts=(vs.SIGALGS_EXT, vs.RI_EXT,
                                                       (35, ticket))))
        c.close()
        sid = r.get("sh", {}).get("sid", b"")
        leaks = len(sid) == 32 and sid[:1] == b"\xab"
        return None if leaks == (mode == "ticketbleed") else "session id %s" % sid.hex()
    if mode == "extension-intolerant":
        exts = [(0x1a1a, b"")]
        c, r = raw_flight(port, exts=exts)
        c.close()
        return None if "sh" not in r else "a GREASE extension got a ServerHello"
    return None


def check_heartbleed_post(t, servers, tg):
    """Heartbleed after the handshake: encrypted heartbeats, one declaring
    HB_POST_DECLARED bytes with none, then a well-formed one."""
    post = re.compile(r"^after the handshake \(AES-\d+-CBC with HMAC-SHA\d*\): ")
    hb = by_id(tg["heartbleed-post"]).get("heartbleed", {})
    ev = hb.get("evidence", [])
    t.eq("heartbleed-post (bleeds only once encrypted): heartbleed vulnerable (%s)" % ev,
         "vulnerable", hb.get("status"))
    t.check("heartbleed-post: the hello's heartbeat got no answer, the encrypted one %d bytes"
            " of memory (%d declared, 16 of them our padding)"
            % (HB_POST_DECLARED - 16, HB_POST_DECLARED),
            len(ev) == 2 and "no answer in time" in ev[0] and post.match(ev[1])
            and "declaring %d payload bytes" % HB_POST_DECLARED in ev[1]
            and "%d bytes of the server's memory" % (HB_POST_DECLARED - 16) in ev[1])
    lines = vs.conn_lines(servers["heartbleed-post"])
    t.check("heartbleed-post's log: one connection got the encrypted request and answered it",
            any("HeartbeatRequest(declared=%d,actual=16)" % HB_POST_DECLARED in ",".join(ln["recv"])
                and "HeartbeatResponse(declared=%d,leaked=%d" % (
                    HB_POST_DECLARED, HB_POST_DECLARED - 16) in ",".join(ln["sent"])
                and "Alert(warning,0)" in ",".join(ln["recv"]) for ln in lines),
            "\n".join("%s -> %s" % (",".join(ln["recv"]), ",".join(ln["sent"])) for ln in lines
                      if "Heartbeat" in ",".join(ln["recv"])))
    hb = by_id(tg["heartbleed-fixed"]).get("heartbleed", {})
    ev = hb.get("evidence", [])
    t.check("heartbleed-fixed: the encrypted overlong request dropped, the well-formed one "
            "echoed (%s)" % ev, len(ev) == 2 and post.match(ev[1])
            and "was dropped, a well-formed one after it was echoed" in ev[1])
    lines = vs.conn_lines(servers["heartbleed-fixed"])
    t.check("heartbleed-fixed's log: overlong dropped, the well-formed echoed, then our "
            "encrypted close_notify", any(
                "HeartbeatRequest(declared=%d,actual=16,dropped)" % HB_POST_DECLARED in ",".join(ln["recv"])
                and "HeartbeatResponse(declared=16,leaked=0" in ",".join(ln["sent"])
                and "Alert(warning,0)" in ",".join(ln["recv"]) for ln in lines))
    lines = vs.conn_lines(servers["heartbleed"])
    t.check("heartbleed (it bleeds in the hello already): no handshake for the second test",
            not any("declared=%d" % HB_POST_DECLARED in ",".join(ln["recv"]) for ln in lines))


def by_id(tg):
    return {v["id"]: v for v in tg.get("vulnerabilities", [])}


def main(t):
    modes = ["heartbleed", "heartbleed-fixed", "heartbleed-post", "ccs", "ccs-fixed", "version-intolerant",
             "extension-intolerant", "tolerant", "robot-strong", "robot-weak", "robot-fixed",
             "ticketbleed", "ticketbleed-fixed"]
    servers = vs.start_many(modes, idle_timeout=8.0)
    for m in modes:
        bad = verify(m, servers[m].port)
        if bad:
            raise h.SetupError("vuln_servers %s does not behave as intended: %s" % (m, bad))
    t.check("setup verified with raw clients (heartbeat, early CCS, version, extension)", True)

    # the real server: TLS 1.0-1.2 with a CBC suite (OpenSSL 3.0 here has no 3DES:
    # SWEET32 is asserted on the GnuTLS legacy server, test_gnutls_legacy.py)
    c = h.make_certs()
    real = h.start_openssl_server(["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2", "-cipher",
                                   "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"
                                   ":@SECLEVEL=0"], cert=c.rsa_cert, key=c.rsa_key)
    for flag, cipher in (("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256"), ("-tls1", "AES128-SHA")):
        res = h.openssl_client(real.port, [flag, "-cipher", cipher + ":@SECLEVEL=0"])
        if not res["ok"]:
            raise h.SetupError("s_client %s %s failed:\n%s" % (flag, cipher,
                                                               res["output"][-400:]))

    targets = ["127.0.0.1:%d" % servers[m].port for m in modes] + ["127.0.0.1:%d" % real.port]
    # every server is on 127.0.0.1, whose connection cap (--max-conns) they share
    doc = h.run_tlsaudit(targets, ["--no-http", "--no-dns", "--max-conns", "16"])
    got = {x["port"]: x for x in doc["targets"]}
    tg = {m: got.get(servers[m].port, {}) for m in modes}
    for m in modes:
        t.eq("%s: scanned" % m, "ok", tg[m].get("status"))

    hb = by_id(tg["heartbleed"]).get("heartbleed", {})
    ev = " ".join(hb.get("evidence", []))
    t.eq("heartbleed server: heartbleed vulnerable", "vulnerable", hb.get("status"))
    t.eq("heartbleed: severity critical, CVE-2014-0160", ("critical", ["CVE-2014-0160"]),
         (hb.get("severity"), hb.get("cve")))
    t.check("heartbleed: the evidence counts the bytes the server returned (%s)" % ev[:200],
            "declaring 16384" in ev and "%d bytes of the server's memory" % HB_DECLARED in ev)
    t.check("heartbleed: no leaked byte in the report (the server's LEAK marker)",
            "LEAK" not in str(doc))
    t.eq("heartbleed-fixed: not vulnerable", "not_vulnerable",
         by_id(tg["heartbleed-fixed"]).get("heartbleed", {}).get("status"))
    check_heartbleed_post(t, servers, tg)
    ccs = by_id(tg["ccs"]).get("ccs-injection", {})
    t.eq("ccs server: ccs-injection vulnerable (%s)" % ccs.get("evidence"), "vulnerable",
         ccs.get("status"))
    fixed = by_id(tg["ccs-fixed"]).get("ccs-injection", {})
    t.check("ccs-fixed: not vulnerable, unexpected_message in the evidence (%s)"
            % fixed.get("evidence"), fixed.get("status") == "not_vulnerable"
            and "unexpected_message" in " ".join(fixed.get("evidence", [])))
    for m, what in (("version-intolerant", "supported_versions"),
                    ("extension-intolerant", "extensions")):
        v = by_id(tg[m]).get("intolerance", {})
        t.check("%s: intolerance is a finding naming the %s (%s)"
                % (m, what, v.get("evidence")), v.get("status") == "vulnerable"
                and what in " ".join(v.get("evidence", [])))
    t.eq("tolerant reference: intolerance not vulnerable", "not_vulnerable",
         by_id(tg["tolerant"]).get("intolerance", {}).get("status"))
    for m in ("tolerant", "heartbleed-fixed", "ccs-fixed", "robot-fixed", "ticketbleed-fixed"):
        h.check_no_false_alarm(t, tg[m], "%s: " % m)
    for m, want in (("robot-strong", "strong"), ("robot-weak", "weak")):
        v = by_id(tg[m]).get("robot", {})
        t.check("%s: robot vulnerable, a %s oracle (%s)" % (m, want, v.get("evidence")),
                v.get("status") == "vulnerable"
                and " ".join(v.get("evidence", [])).startswith(want + " oracle"))
    v = by_id(tg["robot-fixed"]).get("robot", {})
    t.eq("robot-fixed (RFC 5246 7.4.7.1): robot not vulnerable (%s)" % v.get("evidence"),
         "not_vulnerable", v.get("status"))
    v = by_id(tg["ticketbleed"]).get("ticketbleed", {})
    t.check("ticketbleed: vulnerable, 31 bytes counted (%s)" % v.get("evidence"),
            v.get("status") == "vulnerable" and "31 bytes" in " ".join(v.get("evidence", [])))
    v = by_id(tg["ticketbleed-fixed"]).get("ticketbleed", {})
    t.check("ticketbleed-fixed: not vulnerable, its id echoed (%s)" % v.get("evidence"),
            v.get("status") == "not_vulnerable"
            and "echoed" in " ".join(v.get("evidence", [])))
    v = by_id(tg["tolerant"]).get("ticketbleed", {})
    t.eq("a server without session tickets: ticketbleed not applicable (%s)"
         % v.get("evidence"), "not_applicable", v.get("status"))
    t.list_eq("the order of the checks (issue 15)",
              ["heartbleed", "ccs-injection", "ticketbleed", "robot", "client-renegotiation",
               "insecure-renegotiation", "fallback-scsv", "downgrade-protection", "intolerance",
               "poodle", "sweet32", "freak", "logjam", "drown", "beast", "lucky13", "rc4",
               "crime", "breach", "null-anon"],
              [v["id"] for v in tg["tolerant"].get("vulnerabilities", [])])

    # the real server: derived verdicts from its configuration
    r = by_id(got.get(real.port, {}))
    h.check_no_false_alarm(t, got.get(real.port, {}), "openssl s_server: ")
    t.eq("openssl s_server without 64-bit block ciphers: sweet32 not vulnerable",
         "not_vulnerable", r.get("sweet32", {}).get("status"))
    t.eq("openssl s_server with TLS 1.0 CBC: beast vulnerable", "vulnerable",
         r.get("beast", {}).get("status"))
    t.eq("openssl s_server without SSLv3: poodle not vulnerable", "not_vulnerable",
         r.get("poodle", {}).get("status"))
    t.eq("openssl s_server: downgrade-protection not applicable (no TLS 1.3)",
         "not_applicable", r.get("downgrade-protection", {}).get("status"))

    # DROWN through another endpoint: the SSLv2 server and s_server share the harness's
    # RSA key; one target at a time (--max-total 1), the SSLv2 one first, so that its key
    # is known when s_server's verdict is made
    # (SSLv3 too: tlsaudit keeps no certificate from an SSLv2-only handshake yet)
    v2 = h.start_fake_legacy_server(["--sslv2-kinds", "0x010080", "--sslv3-suites", "0x002f"],
                                    name="fake-sslv2")
    doc3 = h.run_tlsaudit(["127.0.0.1:%d" % v2.port, "127.0.0.1:%d" % real.port],
                          ["--no-http", "--no-dns", "--no-vuln", "--max-total", "1"])
    d3 = {x["port"]: by_id(x) for x in doc3["targets"]}
    t.eq("the SSLv2 scripted server: drown vulnerable", "vulnerable",
         d3.get(v2.port, {}).get("drown", {}).get("status"))
    dr = d3.get(real.port, {}).get("drown", {})
    t.check("s_server without SSLv2 but with the SSLv2 server's certificate: drown vulnerable "
            "(%s)" % dr.get("evidence"), dr.get("status") == "vulnerable")

    # a profile that forbids known vulnerabilities (the rule kind "vulnerabilities")
    prof = os.path.join(h.tmpdir(), "no-vuln.json")
    with open(prof, "w") as f:
        json.dump({"format": "tlsaudit-profile-1", "id": "no-known-vulnerability",
                   "title": "test", "document": "test", "version": "1",
                   "rules": [{"id": "no-known-vulnerability", "kind": "vulnerabilities",
                              "clause": "test", "trust": "R",
                              "forbidden": ["heartbleed", "ccs-injection", "robot"],
                              "other": "pass"}]}, f)
    pair = ["127.0.0.1:%d" % servers["heartbleed"].port, "127.0.0.1:%d" % servers["tolerant"].port]
    argv = [h.tlsaudit_path(), "scan", "--no-http", "--no-dns", "--profile-file", prof,
            "--require", "no-known-vulnerability", "-f", "json"] + pair
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    t.eq("--require a profile forbidding heartbleed: exit 4 (%s)"
         % cp.stderr.decode(errors="replace").strip()[-200:], 4, cp.returncode)
    try:
        doc4 = json.loads(cp.stdout)
    except ValueError:
        doc4 = {"targets": []}
    verdicts = {x["port"]: x.get("profiles", {}).get("no-known-vulnerability", {})
                for x in doc4["targets"]}
    hb_rule = (verdicts.get(servers["heartbleed"].port, {}).get("rules") or [{}])[0]
    t.check("the heartbleed server fails the rule, with a heartbleed item (%s)"
            % hb_rule.get("items"), hb_rule.get("result") == "fail" and any(
                i.get("kind") == "vulnerability" and i.get("id") == "heartbleed"
                and i.get("verdict") == "fail" for i in hb_rule.get("items", [])))
    t.eq("the tolerant server complies", True,
         verdicts.get(servers["tolerant"].port, {}).get("compliant"))

    # --no-vuln: nothing active is sent
    before = len(vs.conn_lines(servers["heartbleed"]))
    doc2 = h.run_tlsaudit(["127.0.0.1:%d" % servers["heartbleed"].port,
                           "127.0.0.1:%d" % real.port], ["--no-http", "--no-dns", "--no-vuln"])
    time.sleep(0.5)  # a connection's log line comes when the server has closed it
    lines = vs.conn_lines(servers["heartbleed"])[before:]
    t.check("--no-vuln: no heartbeat reached the server (%d connections)" % len(lines),
            lines and not any("heartbeat" in " ".join(x.get("recv", [])).lower()
                              for x in lines))
    v2 = by_id(doc2["targets"][0])
    t.check("--no-vuln: the active entries say could_not_test (--no-vuln)",
            all(v2.get(p, {}).get("status") == "could_not_test"
                and "--no-vuln" in " ".join(v2.get(p, {}).get("evidence", []))
                for p in ("heartbleed", "ccs-injection", "intolerance")))
    t.eq("--no-vuln: the derived verdicts are still given (beast of s_server)", "vulnerable",
         by_id(doc2["targets"][1]).get("beast", {}).get("status"))


if __name__ == "__main__":
    h.run_test(main)
