#!/usr/bin/env python3
"""Checks of tlsaudit's JUnit XML (docs/cli.md "JUnit") against the JSON
document of the same run, shared by test_junit.py and test_output_safety.py
(standard library, plus xmllint from Debian's libxml2-utils).

Everything expected is derived from the document: which test cases there
are (a target and a profile each), their names, what each says (passes,
<failure>, <error>), the counts and times of each suite.  The XML is parsed
with xml.etree (expat: anything not well-formed raises), validated against
the published Apache Ant JUnit schema (tests/data/junit/JUnit.xsd) by
xmllint, and searched for characters XML 1.0 or the escaping rules forbid.
"""

import html
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import harness as h
import test_output_safety as tos

SCHEMA = os.path.join(h.HERE, "..", "data", "junit", "JUnit.xsd")
MESSAGE_RULES = 6   # failing rule ids a failure's message names (junit.c)


def validate(t, label, path):
    """xmllint --schema: the file is valid against the published schema."""
    if not shutil.which("xmllint"):
        raise h.SetupError("xmllint not found: install the Debian package libxml2-utils "
                           "(scripts/install-deps.sh)")
    cp = subprocess.run(["xmllint", "--noout", "--schema", SCHEMA, path],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    t.check("%s: valid against the JUnit schema (xmllint --schema)" % label,
            cp.returncode == 0, cp.stderr.decode(errors="replace")[-2000:])


def forbidden(text):
    """Characters the JUnit output must never hold raw: controls (newline,
    tab and CR aside, which are ours), C1, bidi controls (as every format),
    and U+FFFE/U+FFFF, which XML 1.0 does not allow."""
    bad = set(tos.bad_chars(text)) - {"U+0009"}
    bad |= {"U+%04X" % ord(c) for c in text if ord(c) in (0xFFFE, 0xFFFF)}
    return sorted(bad)


def parse(t, label, data):
    """The document's root, after the checks every JUnit file must pass."""
    text = data.decode("utf-8", "strict")
    t.check("%s: starts with the XML declaration (UTF-8)" % label,
            text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'), text[:80])
    t.eq("%s: no forbidden raw character" % label, [], forbidden(text))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise h.SetupError("%s: not well-formed XML: %s" % (label, e))
    t.eq("%s: root <testsuites> without attributes" % label, ["testsuites", {}],
         [root.tag, dict(root.attrib)])
    return root


def endpoint(tg):
    """The test case name the document gives a target."""
    host = tg["host"]
    name = ("[%s]" % host if ":" in host else host) + ":%d" % tg["port"]
    st = tg.get("starttls")
    if isinstance(st, dict) and st.get("protocol"):
        name += "/" + st["protocol"]
    if tg.get("ip") and tg["ip"] != host:
        name += " (%s)" % tg["ip"]
    return name


def seconds(ms):
    ms = max(0, ms)
    return "%d.%03d" % (ms // 1000, ms % 1000)


def expected_cases(doc, require=(), fallback="hkcert-intermediate"):
    """{profile: [target, ...]} in suite order, as docs/cli.md says."""
    suites = {p: [] for p in require}
    for tg in doc["targets"]:
        for p in (list(require) or [tg.get("target_profile") or fallback]):
            suites.setdefault(p, []).append(tg)
    return suites


def outcome(tg, pid):
    """What the test case of target tg for profile pid must be."""
    if tg["status"] != "ok":
        return "error", "scan-error"
    v = tg["profiles"].get(pid)
    if not isinstance(v, dict):
        return "error", "not-evaluated"
    if v.get("compliant") is False:
        return "failure", "noncompliant"
    if v.get("compliant") is True:
        return "pass", None
    return "error", "not-judged"


def check(t, label, data, doc, require=(), fallback="hkcert-intermediate"):
    """Every suite and test case of the JUnit bytes `data` against the JSON
    document of the same run.  Returns {(profile, name): testcase element}."""
    root = parse(t, label, data)
    raw = data.decode("utf-8")
    want = expected_cases(doc, require, fallback)
    suites = root.findall("testsuite")
    t.list_eq("%s: one suite per profile, in order" % label, list(want),
              [s.get("name") for s in suites])
    cases = {}
    stamp = doc["report_time"].rstrip("Z")
    for k, s in enumerate(suites):
        pid = s.get("name")
        tgs = want.get(pid, [])
        lab = "%s: suite %s" % (label, pid)
        t.eq(lab + ": package, id, timestamp (UTC, no zone), hostname",
             ["tlsaudit", str(k), stamp, "localhost"],
             [s.get("package"), s.get("id"), s.get("timestamp"), s.get("hostname")])
        props = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        t.eq(lab + ": properties profile, tool, report_time",
             [pid, "tlsaudit " + doc["version"], doc["report_time"]],
             [props.get("profile"), props.get("tool"), props.get("report_time")])
        title = next((tg["profiles"][pid].get("title") for tg in tgs
                      if isinstance(tg["profiles"].get(pid), dict)), None)
        t.eq(lab + ": property profile_title (the document's, escaped)",
             html.unescape(tos.ref_escape(title, "xml")) if title is not None else None,
             props.get("profile_title"))
        tcs = s.findall("testcase")
        t.list_eq(lab + ": a test case per target, in the document's order",
                  [endpoint(tg) for tg in tgs], [c.get("name") for c in tcs])
        t.eq(lab + ": <system-out> and <system-err>, empty", ["", ""],
             [(s.find("system-out").text or "") if s.find("system-out") is not None else None,
              (s.find("system-err").text or "") if s.find("system-err") is not None else None])
        nfail = nerr = total = 0
        for tg, c in zip(tgs, tcs):
            name = endpoint(tg)
            cl = "%s, %s" % (lab, name)
            cases[(pid, name)] = c
            total += max(0, tg["duration_ms"])
            t.eq(cl + ": classname is the profile, time the target's duration",
                 [pid, seconds(tg["duration_ms"])], [c.get("classname"), c.get("time")])
            kind, typ = outcome(tg, pid)
            kids = list(c)
            if kind == "pass":
                t.eq(cl + ": passes (no child)", [], [e.tag for e in kids])
                continue
            if not t.eq(cl + ": one <%s type=%s>" % (kind, typ), [[kind, typ]],
                        [[e.tag, e.get("type")] for e in kids]):
                continue
            e = kids[0]
            msg = e.get("message") or ""
            t.check(cl + ": message is one line", "\n" not in msg and "\r" not in msg, msg)
            if kind == "failure":
                nfail += 1
                check_failure(t, cl, raw, e, tg, pid, name)
            else:
                nerr += 1
                if typ == "scan-error":
                    t.eq(cl + ": message names the endpoint and the document's error",
                         name + ": " + tos.ref_escape(tg.get("error") or "not scanned", "utf8"),
                         msg)
        t.eq(lab + ": tests, failures, errors, skipped, time",
             [str(len(tgs)), str(nfail), str(nerr), "0", seconds(total)],
             [s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"),
              s.get("time")])
    return cases


def check_failure(t, cl, raw, e, tg, pid, name):
    """A <failure>: its message, and every failing rule with its evidence,
    remediation and source, escaped as docs/cli.md says (in the raw bytes:
    the escaping itself is checked, not what a parser makes of it)."""
    v = tg["profiles"][pid]
    fails = [r for r in v["rules"] if r["result"] == "fail"]
    ids = [r["id"] for r in fails]
    shown = ", ".join(ids[:MESSAGE_RULES]) + (", ..." if len(ids) > MESSAGE_RULES else "")
    t.eq(cl + ": message", "%s does not comply with %s: %d rule%s failed: %s" % (
        name, pid, len(ids), "" if len(ids) == 1 else "s", shown), e.get("message"))
    text = e.text or ""
    for r in fails:
        t.check(cl + ": the text lists rule %s" % r["id"], "\nrule %s: fail\n" % r["id"] in text,
                text[:2000])
        for key in ("evidence", "remediation", "source"):
            val = r.get(key) or ""
            val = "; ".join(val) if isinstance(val, list) else val
            want = "  %s: %s\n" % (key, tos.ref_escape(val, "xml"))
            t.check(cl + ": rule %s: its %s, escaped" % (r["id"], key), want in raw,
                    want[:600])
    others = [r["id"] for r in v["rules"] if r["result"] != "fail"]
    t.check(cl + ": no rule that did not fail is listed as failing",
            not any("\nrule %s: fail\n" % i in text for i in others), text[:2000])
