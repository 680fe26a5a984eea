#!/usr/bin/env python3
"""Server text in every output format: escaped, never obeyed (issue 6).

A real `openssl s_server` on 127.0.0.1 serves a certificate whose subject
holds what a hostile server would put there: an ESC sequence, a
right-to-left override (U+202E), a C1 control (U+009B, an 8-bit CSI), an
HTML tag and an attribute break, plus a harmless non-ASCII letter; its SANs
hold HTML tags; and it advertises NPN protocol names that are spreadsheet
formulas (=, +, -, @). The same scan (with a closed port as a second
target, and a malformed third one) is written as text (C and C.UTF-8
locales), JSON, CSV and HTML. Asserted per format:

  * JSON: pure ASCII bytes; the subject is exactly what `openssl x509
    -nameopt RFC2253,-esc_msb` prints for the certificate, and the NPN
    list exactly what the server was told to advertise;
  * text: no control byte but newlines, no bidi or C1 character; in the C
    locale pure ASCII; in C.UTF-8 the letter is shown as UTF-8; the subject
    as this test's own implementation of docs/cli.md's escaping gives it;
  * CSV: RFC 4180 (every row 5 fields, CRLF); subject and NPN cells equal
    the reference escaping, so every formula starts with "'";
  * HTML: no <script>, no on* attribute, no raw control/bidi character;
    the subject appears escaped;
  * JUnit: well-formed XML (xml.etree) valid against the JUnit schema
    (tests/data/junit), no raw control/bidi character, the hostile server
    a test case (its subject is not part of JUnit output: test_junit.py
    checks server text in failures), the closed port an <error>;
  * every format reports the closed port as an error, and the malformed
    target gets a one-line error on stderr while the others are reported.
"""

import csv
import io
import json
import os
import re
import subprocess
from html.parser import HTMLParser

import harness as h

SUBJECT = ("/CN=evil\x1b[31m\u202egpj.exe<img src=x onerror=alert(1)>"
           "/O=Z\u00fcrich \\\" onmouseover=\\\"x/OU=a\u009b2Jb")
NPN = ["=HYPERLINK(\"http://x.test\")", "+1+2", "-3", "@SUM(1)", "http/1.1"]

BIDI = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029} | set(range(0x202A, 0x202F)) | \
    set(range(0x2066, 0x206A))


def ref_escape(s, mode):
    """docs/cli.md "Escaping", written again from the text: mode is one of
    ascii, utf8, csv, html, xml. s is a str (the JSON value, valid Unicode)."""
    out = []
    for i, ch in enumerate(s):
        cp = ord(ch)
        nxt = s[i + 1] if i + 1 < len(s) else None
        if cp < 0x20 or cp == 0x7F:
            out.append("\\x%02x" % cp)
        elif ch == "\\":
            plain = nxt is not None and 0x20 <= ord(nxt) < 0x7F and nxt not in "xu\\"
            out.append("\\" if plain or nxt is None else "\\\\")
        elif (0x80 <= cp <= 0x9F or cp in BIDI or (cp >= 0x80 and mode == "ascii")
              or (mode == "xml" and cp in (0xFFFE, 0xFFFF))):
            out.append("\\u{%04X}" % cp)
        elif mode == "csv" and ch == '"':
            out.append('""')
        elif mode in ("html", "xml") and ch in "&<>\"'":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                        "'": "&#39;"}[ch])
        else:
            out.append(ch)
    text = "".join(out)
    if mode == "csv" and s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def bad_chars(text):
    """Characters no report may contain raw (newline aside)."""
    return sorted({"U+%04X" % ord(c) for c in text
                   if (ord(c) < 0x20 and c not in "\n\r") or 0x7F <= ord(c) <= 0x9F
                   or ord(c) in BIDI})


def make_cert():
    d = h.tmpdir()
    key, crt = os.path.join(d, "hostile.key"), os.path.join(d, "hostile.pem")
    h.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", crt, "-days", "30", "-utf8", "-subj", SUBJECT,
           "-addext", "subjectAltName=DNS:x.test,DNS:<b>y</b>.test"])
    cp = h.run(["openssl", "x509", "-in", crt, "-noout", "-subject", "-nameopt",
                "RFC2253,-esc_msb"])
    subject = cp.stdout.decode("utf-8").strip()
    if not subject.startswith("subject="):
        raise h.SetupError("unexpected openssl x509 output: %r" % subject)
    return key, crt, subject[len("subject="):]


def scan(targets, fmt, locale="C"):
    env = dict(os.environ, LC_ALL=locale, LANG=locale)
    env.pop("NO_COLOR", None)
    argv = [h.tlsaudit_path(), "scan", "--format", fmt, "--no-http", "--no-dns",
            "--timeout", "3000", "--connect-timeout", "3000"] + targets
    h.log("running: " + " ".join(argv))
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240,
                        stdin=subprocess.DEVNULL, env=env)
    return cp.returncode, cp.stdout, cp.stderr.decode("utf-8", "replace")


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.handlers, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [k for k, _ in attrs if k.lower().startswith("on")]

    def handle_data(self, data):
        self.text.append(data)


def check_common(t, fmt, rc, err, bad_target):
    t.eq("%s: exit code 1 (a target failed, the report is complete)" % fmt, 1, rc)
    lines = [ln for ln in err.splitlines() if bad_target in ln or "bad" in ln.lower()]
    t.check("%s: the malformed target gets a one-line error naming it" % fmt,
            any(ln.startswith("tlsaudit: target '") and "x:y:z" in ln for ln in lines), err)
    t.check("%s: stderr has no raw control characters" % fmt, not bad_chars(err), err)


def main(t):
    key, crt, subject = make_cert()
    srv = h.start_openssl_server(["-nextprotoneg", ",".join(NPN)], cert=crt, key=key)
    closed = h.free_port()
    bad_target = "x:y:z"
    targets = [srv.target, "127.0.0.1:%d" % closed, bad_target]

    # JSON: exact values, ASCII bytes only
    rc, out, err = scan(targets, "json")
    check_common(t, "json", rc, err, bad_target)
    t.check("json: every byte is ASCII (non-ASCII as \\u escapes)", max(out) < 0x80)
    doc = json.loads(out)
    t.eq("json: two targets reported", 2, len(doc["targets"]))
    tg, tc = doc["targets"]
    t.eq("json: the hostile server was scanned", "ok", tg["status"])
    t.eq("json: closed port is an error", "error", tc["status"])
    got_subject = tg["certificates"][0]["subject"] if tg.get("certificates") else None
    t.eq("json: subject exactly as OpenSSL prints it", subject, got_subject)
    t.check("json: subject carries the hostile characters (the test is real)",
            got_subject and "\u202e" in got_subject and "\u009b" in got_subject
            and "onerror=alert(1)" in got_subject, got_subject)
    t.eq("json: NPN list exactly as configured", NPN, tg["features"]["npn"])
    sans = tg["certificates"][0]["san"]
    t.check("json: SAN with an HTML tag kept", "DNS:<b>y</b>.test" in sans, sans)

    # text, C locale: ASCII only
    for loc, mode in (("C", "ascii"), ("C.UTF-8", "utf8")):
        rc, out, err = scan(targets, "text", loc)
        check_common(t, "text %s" % loc, rc, err, bad_target)
        text = out.decode("utf-8", "strict") if mode == "utf8" else out.decode("ascii", "replace")
        t.check("text %s: no raw control, C1 or bidi character" % loc, not bad_chars(text),
                bad_chars(text))
        if mode == "ascii":
            t.check("text C: every byte is ASCII", max(out) < 0x80)
        else:
            t.check("text C.UTF-8: the non-ASCII letter shown as UTF-8", "Z\u00fcrich" in text)
        t.check("text %s: subject shown with the documented escapes" % loc,
                ref_escape(subject, mode) in text, ref_escape(subject, mode))
        t.check("text %s: closed port reported as an error" % loc,
                re.search(r"127\.0\.0\.1:%d.*\n(.*\n)*?\s+error" % closed, text) is not None)

    # CSV: parse, every row 5 fields, cells equal the reference escaping
    rc, out, err = scan(targets, "csv")
    check_common(t, "csv", rc, err, bad_target)
    text = out.decode("utf-8", "strict")
    t.check("csv: no raw control, C1 or bidi character", not bad_chars(text), bad_chars(text))
    t.check("csv: every record ends with CRLF", text.endswith("\r\n")
            and "\n" not in text.replace("\r\n", ""))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    t.eq("csv: header", ["host", "port", "ip", "field", "value"], rows[0])
    t.eq("csv: every row has 5 fields", {5}, {len(r) for r in rows})
    cells = {(r[0], r[1], r[3]): r[4] for r in rows[1:]}
    host, port = tg["host"], str(tg["port"])
    # csv.reader undoes the quote doubling; the raw record must carry it
    t.eq("csv: subject cell", ref_escape(subject, "csv").replace('""', '"'),
         cells.get((host, port, "/certificates/0/subject")))
    t.check("csv: subject record as written",
            '"/certificates/0/subject","%s"\r\n' % ref_escape(subject, "csv") in text)
    for i, name in enumerate(NPN):
        got = cells.get((host, port, "/features/npn/%d" % i))
        t.eq("csv: NPN %d cell (%s)" % (i, name[:1]),
             ref_escape(name, "csv").replace('""', '"'), got)
        if name[:1] in "=+-@":
            t.check("csv: NPN %d cannot be a formula" % i, got and got.startswith("'"), got)
    t.eq("csv: closed port status", "error",
         cells.get((tc["host"], str(tc["port"]), "/status")))
    t.eq("csv: one row per JSON leaf value of the hostile target",
         count_leaves(tg) - 3, sum(1 for r in rows[1:] if (r[0], r[1]) == (host, port)))

    # HTML: structure and escaping
    rc, out, err = scan(targets, "html")
    check_common(t, "html", rc, err, bad_target)
    text = out.decode("utf-8", "strict")
    p = Tags()
    p.feed(text)
    t.check("html: no <script> element", "script" not in p.tags, p.tags)
    t.eq("html: no on* attribute", [], p.handlers)
    t.check("html: no raw control, C1 or bidi character", not bad_chars(text), bad_chars(text))
    t.check("html: the subject appears escaped", ref_escape(subject, "html") in text,
            ref_escape(subject, "html"))
    t.check("html: the closed port appears", "127.0.0.1:%d" % closed in "".join(p.text))

    # JUnit: well-formed, valid, nothing raw; the hostile server a test case
    import junit_check as jc  # it imports this module
    rc, out, err = scan(targets, "junit")
    check_common(t, "junit", rc, err, bad_target)
    path = os.path.join(h.tmpdir(), "safety.xml")
    with open(path, "wb") as f:
        f.write(out)
    jc.validate(t, "junit", path)
    root = jc.parse(t, "junit", out)
    cases = {c.get("name"): [e.tag for e in c] for c in root.iter("testcase")}
    t.eq("junit: a test case per target (hostile server, closed port)",
         sorted([jc.endpoint(tg), jc.endpoint(tc)]), sorted(cases))
    t.eq("junit: the closed port is an <error>", ["error"], cases.get(jc.endpoint(tc)))


def count_leaves(v):
    """Rows the CSV should have for a JSON value (empty containers count 1)."""
    if isinstance(v, dict):
        return sum(count_leaves(x) for x in v.values()) if v else 1
    if isinstance(v, list):
        return sum(count_leaves(x) for x in v) if v else 1
    return 1


if __name__ == "__main__":
    h.run_test(main)
