#!/usr/bin/env python3
"""The HTML report as an IT leader and an engineer get it (issue 14, part 5):
an executive summary with inline SVG charts over real scans, laid out,
printed and checked for network loads by headless Chromium.

Servers (openssl s_server on 127.0.0.1, certificates from the harness CA):
  * modern: TLS 1.2 and 1.3 with ECDHE and AES-GCM only, a leaf valid for
    400 days;
  * legacy: TLS 1.0 to 1.2, every suite OpenSSL 3.0 can still do
    (ALL:@SECLEVEL=0: anonymous, CBC, ...), the harness's 30-day leaf;
  * expiring: a leaf valid for 10 days, scanned twice (127.0.0.1 and
    localhost, so one certificate served by two endpoints: counted once);
  * a closed port (bound, released, nothing listens).
Two runs go into a store (tlsaudit scan --db), the legacy server stopped
between them, each also written as JSON and HTML by the scan itself.

Checked:
  1. the numbers: every chart's table of numbers (the text equivalent in
     its <figcaption>) and the key figures equal what this test counts
     from the JSON documents of the same run (versions, weak-suite
     categories from the IANA names, distinct leaf certificates by
     fingerprint and days left, vulnerable ids, profile verdicts); the
     trend table equals the counts of each run's JSON; a copy of the JSON
     with a target_profile on some documents gives the target-profile
     compliance chart, its numbers from that copy;
  2. the charts: one SVG per chart section rendered (compliance, highest,
     lowest, weak, expiry, vulnerabilities when one is found, trend with
     the store), each with a <title>, drawn with its title as SVG text
     that no other printed element repeats; no foreign element, no link,
     no url() or external reference anywhere in the page;
  3. export --db and report --db give the scan's own page byte for byte
     (the trend drawn the same), and the page has no <script>;
  4. Chromium (Debian's, background networking off, every host name
     resolving to nothing, its proxy a loopback port where nothing listens,
     so that any load fails), driven over the DevTools pipe because
     headless Chromium keeps its window at least 500 px wide: the viewport
     set to 1280 and to 400 px (Emulation.setDeviceMetricsOverride); at
     both widths the page does not scroll sideways and no element sticks
     out of the window unless it is inside a box that scrolls and itself
     fits (measured by a script evaluated in the page); every chart is in
     the DOM with its title and drawn with a size; the page asked for
     nothing but itself (the page's Network.requestWillBeSent events) and
     Resource Timing is empty; a screenshot at each width is a real PNG
     of that width with more than a few colours (kept in the temp dir);
  5. --print-to-pdf: pdftotext finds every chart's title and its labels.
"""

import base64
import datetime
import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import zlib

import harness as h
import test_html_report as thr

WIDTHS = (1280, 400)
WEAK_ORDER = ["any suite marked weak", "NULL cipher", "anonymous", "export grade", "RC4",
              "DES or 3DES", "other (RC2, MD5, SSLv2)", "no AEAD suite"]
EXPIRY_ORDER = ["expired or not yet valid", "under 14 days", "14 to 29 days",
                "30 to 89 days", "90 days or more"]
DEFAULT_PROFILE = "hkcert-intermediate"

MEASURE = r"""
(function () {
  var W = window.innerWidth, out = {viewport: W,
    scroll_width: document.documentElement.scrollWidth, wide: [], svgs: [],
    resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })};
  function scroller(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      var cs = getComputedStyle(p);
      if (cs.overflowX !== 'visible' || cs.clip !== 'auto' || cs.clipPath !== 'none') return p;
    }
    return null;
  }
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if (r.right <= W + 1 && r.left >= -1) return;
    var s = scroller(el);
    if (s) {
      var sr = s.getBoundingClientRect();
      if (sr.right <= W + 1 && sr.left >= -1) return;
    }
    out.wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                  (typeof el.className === 'string' && el.className ? '.' + el.className : '') +
                  ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  });
  document.querySelectorAll('svg').forEach(function (s) {
    var r = s.getBoundingClientRect(), t = s.querySelector('title');
    out.svgs.push({title: t ? t.textContent : null, width: r.width, height: r.height});
  });
  return JSON.stringify(out);
})()
"""


# ---------------------------------------------------------------------------
# servers and scans
# ---------------------------------------------------------------------------


def ca_leaf(name, days):
    """A leaf for localhost / 127.0.0.1 signed by the harness CA."""
    c = h.make_certs()
    d = os.path.join(h.tmpdir(), "leaf-" + name)
    os.makedirs(d)
    key, csr, crt, ext = (os.path.join(d, n) for n in ("key.pem", "csr.pem", "cert.pem",
                                                       "ext.cnf"))
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,"
                "keyEncipherment\nextendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    h.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", key,
           "-out", csr, "-subj", "/CN=%s.localhost" % name])
    h.run(["openssl", "x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", c.ca_key,
           "-set_serial", str(1000 + days), "-days", str(days), "-sha256", "-extfile", ext,
           "-out", crt])
    return key, crt


def tool(args, env=None, timeout=300):
    cp = subprocess.run([h.tlsaudit_path()] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=timeout, env=env)
    return cp.returncode, cp.stdout, cp.stderr.decode(errors="replace")


def scan_run(t, label, db, targets, d):
    js, page = os.path.join(d, label + ".json"), os.path.join(d, label + ".html")
    rc, _, err = tool(["scan", "--db", db, "--run-label", label, "--no-http", "--no-dns",
                       "--ca-file", h.make_certs().ca_cert, "-o", js, "-o", page] + targets)
    t.check("%s: scan exit 1 (a closed port) (%s)" % (label, err.strip()[-200:]), rc == 1)
    with open(js) as f:
        return json.load(f), page


# ---------------------------------------------------------------------------
# what the page should say, counted here from the JSON
# ---------------------------------------------------------------------------


def ok_docs(doc):
    return [x for x in doc["targets"] if x["status"] == "ok"]


def offered(tg):
    return [p for p in h.PROTOCOLS if tg["protocols"][p]["offered"]]


def weak_cats(tg):
    """The categories of docs/cli.md, from the IANA names and the marks."""
    cats, nsuites, aead = set(), 0, 0
    for p in h.PROTOCOLS:
        pr = tg["protocols"][p]
        for name, det in zip(pr["cipher_suites"], pr["cipher_suite_details"]):
            nsuites += 1
            aead += bool(det.get("aead"))
            if det.get("strength") != "weak":
                continue
            cats.add("any suite marked weak")
            named = False
            for label, hit in (("NULL cipher", "NULL" in name), ("anonymous", "_anon_" in name),
                               ("export grade", det.get("export") or "EXPORT" in name),
                               ("RC4", "RC4" in name), ("DES or 3DES", "DES" in name)):
                if hit:
                    cats.add(label)
                    named = True
            if not named:
                cats.add("other (RC2, MD5, SSLv2)")
    if nsuites and not aead:
        cats.add("no AEAD suite")
    return cats


def bucket(c):
    if c["expired"] or c.get("not_yet_valid") or c["days_left"] < 0:
        return EXPIRY_ORDER[0]
    d = c["days_left"]
    return EXPIRY_ORDER[1 if d < 14 else 2 if d < 30 else 3 if d < 90 else 4]


def distinct_leaves(doc):
    seen = {}
    for tg in ok_docs(doc):
        for c in tg["certificates"]:
            seen.setdefault(c["sha256_fingerprint"], c)
    return seen


def verdict(tg, pid):
    p = tg.get("profiles", {}).get(pid)
    if tg["status"] != "ok" or p is None or p.get("compliant") is None:
        return "not tested"
    if not p["compliant"]:
        return "not compliant"
    return "compliant" if p["complete"] else "incomplete"


def vulnerable_ids(tg):
    return {v["id"] for v in tg.get("vulnerabilities", []) if v["status"] == "vulnerable"}


def expected_charts(doc):
    """{chart id: [(label, [numbers])]} as the page's figure tables hold them."""
    ok = ok_docs(doc)
    n = len(ok)
    out = {}
    tp_given = any(x.get("target_profile") for x in doc["targets"])
    if tp_given:
        rows = {}
        for tg in doc["targets"]:
            tp = tg.get("target_profile") or DEFAULT_PROFILE
            r = rows.setdefault(tp, [0, 0, 0, 0])
            v = verdict(tg, tp)
            r[["compliant", "incomplete", "not compliant", "not tested"].index(v)] += 1
        out["compliance"] = list(rows.items())
    else:
        pids = list(doc["targets"][0]["profiles"].keys()) if doc["targets"] else []
        for tg in doc["targets"]:
            for pid in tg.get("profiles", {}):
                if pid not in pids:
                    pids.append(pid)
        out["compliance"] = []
        for pid in pids:
            r = [0, 0, 0, 0]
            for tg in doc["targets"]:
                r[["compliant", "incomplete", "not compliant", "not tested"].index(
                    verdict(tg, pid))] += 1
            out["compliance"].append((pid, r))
    for key, pick in (("highest", -1), ("lowest", 0)):
        counts = {v: 0 for v in list(reversed(h.PROTOCOLS)) + ["none offered"]}
        for tg in ok:
            o = offered(tg)
            counts[o[pick] if o else "none offered"] += 1
        out[key] = [(k, [v]) for k, v in counts.items()]
    out["weak"] = [(c, [sum(1 for tg in ok if c in weak_cats(tg))]) for c in WEAK_ORDER]
    leaves = distinct_leaves(doc)
    out["expiry"] = [(b, [sum(1 for c in leaves.values() if bucket(c) == b)])
                     for b in EXPIRY_ORDER]
    ids = []
    for tg in ok:
        for v in tg.get("vulnerabilities", []):
            if v["id"] not in ids:
                ids.append(v["id"])
    vul = [(i, [sum(1 for tg in ok if i in vulnerable_ids(tg))]) for i in ids]
    vul = [x for x in vul if x[1][0] > 0]
    if vul:
        out["vulns"] = vul
    return out if n else {}


def expected_figures(doc):
    ok = ok_docs(doc)
    leaves = distinct_leaves(doc)
    comp = sum(1 for tg in ok if verdict(tg, tg.get("target_profile") or DEFAULT_PROFILE)
               in ("compliant", "incomplete"))
    return [
        (len(ok), len(doc["targets"])),
        (comp, len(ok)),
        (sum(1 for tg in ok if offered(tg) and h.PROTOCOLS.index(offered(tg)[0]) < 4), len(ok)),
        (sum(1 for tg in ok if "any suite marked weak" in weak_cats(tg)), len(ok)),
        (sum(1 for c in leaves.values() if EXPIRY_ORDER.index(bucket(c)) <= 2), len(leaves)),
        (sum(1 for tg in ok if vulnerable_ids(tg)), len(ok)),
    ]


def trend_row(doc):
    f = expected_figures(doc)
    return [len(doc["targets"]), f[1][0], f[2][0], f[3][0], f[4][0], f[5][0]]


# ---------------------------------------------------------------------------
# what the page says
# ---------------------------------------------------------------------------


def chart_tables(root):
    out = {}
    for fig in root.find_all("figure"):
        fid = fig.attrs.get("id", "")
        cap = fig.find("figcaption")
        tbl = cap.find("table") if cap else None
        if not fid.startswith("chart-") or tbl is None:
            continue
        out[fid[len("chart-"):]] = [
            (thr.cells(r)[0].text(), [int(c.text()) for c in thr.cells(r)[1:]])
            for r in thr.rows(tbl)]
    return out


def key_figures(root):
    ul = root.find("ul", id="key-figures")
    got = []
    for li in ul.find_all("li") if ul else []:
        m = re.match(r"\s*(\d+)\s+of\s+(\d+)", li.text())
        got.append((int(m.group(1)), int(m.group(2))) if m else li.text())
    return got


def check_numbers(t, label, page, doc):
    raw = open(page, "rb").read()
    b = thr.parse(raw)
    root = b.root
    t.check("%s: well formed (%s)" % (label, "; ".join(b.problems[:3])), not b.problems)
    t.list_eq("%s: key figures (n of m) == counted from the JSON" % label,
              [list(x) for x in expected_figures(doc)],
              [list(x) if isinstance(x, tuple) else x for x in key_figures(root)])
    exp = expected_charts(doc)
    got = chart_tables(root)
    got.pop("trend", None)
    t.list_eq("%s: the charts rendered" % label, sorted(exp), sorted(got))
    for cid in exp:
        t.list_eq("%s: chart %s: its numbers == counted from the JSON" % (label, cid),
                  [[k, v] for k, v in exp[cid]], [[k, v] for k, v in got.get(cid, [])])
    return b


def check_svgs(t, label, root):
    """Each chart figure has one SVG with a <title> that it draws as its
    first text, and nothing else printed says the same words."""
    figs = [f for f in root.find_all("figure") if f.attrs.get("id", "").startswith("chart-")]
    svgs = root.find_all("svg")
    t.eq("%s: one SVG per chart figure" % label, len(figs), len(svgs))
    titles = []
    for f in figs:
        s = f.find_all("svg")
        if not t.eq("%s: %s holds one SVG" % (label, f.attrs["id"]), 1, len(s)):
            continue
        ti = s[0].find("title")
        texts = [x.text() for x in s[0].find_all("text")]
        ok = ti is not None and texts and texts[0] == ti.text() and ti.text()
        t.check("%s: %s has a <title>, drawn as its first text" % (label, f.attrs["id"]), ok)
        if ok:
            titles.append(ti.text())
    svg_tags = {n.tag for s in svgs for n in s.walk()} | {"svg"}
    t.check("%s: SVGs hold only title, text, rect, line, polyline, circle (%s)"
            % (label, sorted(svg_tags)),
            svg_tags <= {"svg", "title", "text", "rect", "line", "polyline", "circle"})
    outside = []
    for n in root.walk():
        if n.tag in ("svg", "caption", "style", "title") or any(
                a.tag in ("svg", "figcaption") for a in ancestors(n)):
            continue
        own = "".join(c for c in n.children if isinstance(c, str))
        outside += [x for x in titles if x in own]
    t.eq("%s: no printed element outside the SVGs repeats a chart title" % label, [], outside)
    return titles


def ancestors(n):
    p = n.parent
    while p is not None:
        yield p
        p = p.parent


def check_static(t, label, raw):
    text = raw.decode("utf-8")
    t.check("%s: no <script>" % label, "<script" not in text.lower())
    for pat in (r"url\(", r"@import", r"\bsrc\s*=", r"https?:", r"xlink:href",
                r"href=\"(?!#)", r"//[a-z0-9.-]+\.[a-z]{2,}/"):
        m = re.search(pat, text, re.I)
        t.check("%s: no %s in the page%s" % (label, pat, (": ..." + text[max(0, m.start() - 40):
                                                                m.end() + 40] + "...")
                                              if m else ""), m is None)


# ---------------------------------------------------------------------------
# Chromium
# ---------------------------------------------------------------------------


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    raise h.SetupError("chromium is not installed (apt-get install chromium)")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-extensions",
                  "--disable-default-apps", "--no-default-browser-check", "--hide-scrollbars",
                  "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-bypass-list=<-loopback>"]


def browser(proxy, args, tag, timeout=180):
    profile = os.path.join(h.tmpdir(), "chromium-" + tag)
    argv = [chromium()] + CHROMIUM_FLAGS + [
        "--proxy-server=http://127.0.0.1:%d" % proxy, "--user-data-dir=" + profile] + args
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


class Cdp:
    """Chromium driven over --remote-debugging-pipe (the DevTools protocol,
    JSON messages ending in NUL on fds 3 and 4): headless Chromium keeps a
    window at least 500 px wide, so a 400 px viewport is set by
    Emulation.setDeviceMetricsOverride, the phone's way."""

    def __init__(self, proxy, tag):
        r3, self.w = os.pipe()
        self.r, w4 = os.pipe()
        profile = os.path.join(h.tmpdir(), "chromium-cdp-" + tag)
        argv = [chromium()] + CHROMIUM_FLAGS + [
            "--proxy-server=http://127.0.0.1:%d" % proxy, "--user-data-dir=" + profile,
            "--window-size=1280,1000", "--remote-debugging-pipe", "about:blank"]
        self.log = open(os.path.join(h.tmpdir(), "chromium-cdp-%s.log" % tag), "wb")
        self.proc = subprocess.Popen(["bash", "-c", 'exec "$0" "$@" 3<&%d 4>&%d' % (r3, w4)]
                                     + argv, pass_fds=(r3, w4), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        os.close(r3)
        os.close(w4)
        h.add_cleanup(self.close)
        self.buf, self.events, self.next = b"", [], 0
        tid = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": tid, "flatten": True})["sessionId"]

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise h.SetupError("chromium did not answer over the DevTools pipe")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise h.SetupError("chromium closed the DevTools pipe:\n" + "\n".join(
                    ln for ln in h.read_log(self.log.name, 20000).splitlines()
                    if "dbus" not in ln)[-2000:])
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=120):
        self.next += 1
        msg = {"id": self.next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next:
                if "error" in m:
                    raise h.SetupError("DevTools %s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def page(self, method, params=None):
        return self.call(method, params, self.session)

    def load(self, url, width):
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        self.page("Page.enable")
        self.page("Network.enable")
        self.events = []
        self.page("Page.navigate", {"url": url})
        deadline = time.time() + 120
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))
        # what the page asked for, from the first byte to its load event
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=10)
            except (h.SetupError, OSError):
                pass
            h.stop_process(self.proc, "chromium")
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass


def png_facts(path):
    """(width, height, distinct byte values of the decoded scanlines)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, w, hgt = 8, b"", 0, 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, hgt = struct.unpack(">II", body[:8])
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    return w, hgt, len(set(raw[:4000000]))


def check_browser(t, proxy, page, titles, label):
    cdp = Cdp(proxy, label)
    for width in WIDTHS:
        lab = "%s %d px" % (label, width)
        asked = cdp.load("file://" + page, width)
        t.list_eq(lab + ": the page asked for nothing but itself", ["file://" + page], asked)
        m = json.loads(cdp.page("Runtime.evaluate", {"expression": MEASURE,
                                                     "returnByValue": True})["result"]["value"])
        h.log("%s: %s" % (lab, json.dumps({k: v for k, v in m.items() if k != "svgs"})))
        t.eq(lab + ": the window is as wide as asked", width, m["viewport"])
        t.check(lab + ": the page does not scroll sideways (scrollWidth %d)" % m["scroll_width"],
                m["scroll_width"] <= width)
        t.eq(lab + ": no element wider than the window outside a box that scrolls", [],
             m["wide"][:20])
        t.eq(lab + ": the page loaded no resource", [], m["resources"])
        t.list_eq(lab + ": every chart in the DOM, with its title", titles,
                  [s["title"] for s in m["svgs"]])
        small = [s["title"] for s in m["svgs"] if s["width"] < 100 or s["height"] < 40]
        t.eq(lab + ": every chart drawn with a size", [], small)
        shot = os.path.join(h.tmpdir(), "%s-%d.png" % (label, width))
        data = cdp.page("Page.captureScreenshot", {"format": "png"})["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(data))
        facts = png_facts(shot)
        t.check(lab + ": a screenshot, a PNG (%s)" % (facts,), facts is not None)
        if facts:
            t.eq(lab + ": the screenshot is as wide as the window", width, facts[0])
            t.check(lab + ": the screenshot is no blank page (%d byte values, %d bytes)"
                    % (facts[2], os.path.getsize(shot)),
                    facts[2] > 32 and os.path.getsize(shot) > 20000)
        h.log("%s: screenshot %s" % (lab, shot))
    cdp.close()


def check_pdf(t, proxy, page, titles, root, label):
    pdf = os.path.join(h.tmpdir(), label + ".pdf")
    cp = browser(proxy, ["--window-size=1280,1000", "--print-to-pdf=" + pdf,
                         "--no-pdf-header-footer", "file://" + page], label + "-pdf")
    if not t.check("%s: --print-to-pdf wrote a PDF (exit %d)" % (label, cp.returncode),
                   os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-"):
        return
    if not shutil.which("pdftotext"):
        raise h.SetupError("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], stdout=subprocess.PIPE,
                          timeout=60).stdout.decode("utf-8", "replace")
    flat = re.sub(r"\s+", " ", text)
    for ti in titles:
        t.check("%s: the PDF has the chart '%s'" % (label, ti), ti in flat)
    for svg in root.find_all("svg"):
        ti = svg.find("title").text()
        labels = [x.text() for x in svg.find_all("text")[1:] if re.search(r"[A-Za-z]", x.text())]
        missing = [x for x in labels if re.sub(r"\s+", " ", x) not in flat]
        t.eq("%s: the PDF has the labels of '%s'" % (label, ti), [], missing)
    h.log("%s: PDF %s (%d bytes)" % (label, pdf, os.path.getsize(pdf)))


# ---------------------------------------------------------------------------


def main(t):
    d = h.tmpdir()
    mkey, mcrt = ca_leaf("modern", 400)
    ekey, ecrt = ca_leaf("expiring", 10)
    modern = h.start_openssl_server(["-no_ssl3", "-no_tls1", "-no_tls1_1", "-cipher",
                                     "ECDHE+AESGCM"], cert=mcrt, key=mkey, name="modern")
    legacy = h.start_openssl_server(["-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0"],
                                    name="legacy")
    expiring = h.start_openssl_server([], cert=ecrt, key=ekey, name="expiring")
    closed = h.free_port()
    targets = [modern.target, legacy.target, expiring.target,
               "localhost:%d" % expiring.port, "127.0.0.1:%d" % closed]
    db = os.path.join(d, "fleet.db")
    doc1, _ = scan_run(t, "run1", db, targets, d)
    h.stop_process(legacy.proc, "legacy")
    doc2, page2 = scan_run(t, "run2", db, targets, d)
    t.check("run1: the legacy server offers TLS 1.0 (%s)" % offered(doc1["targets"][1]),
            "TLSv1.0" in offered(doc1["targets"][1]))
    t.check("run1: the legacy server offers weak suites",
            "any suite marked weak" in weak_cats(doc1["targets"][1]))
    t.eq("run2: the legacy server is gone", "error", doc2["targets"][1]["status"])

    # 3. the store's page is the scan's page
    exp_page = os.path.join(d, "export.html")
    rc, _, err = tool(["export", "--db", db, "-o", exp_page])
    t.check("export --db -o export.html: exit 0 (%s)" % err.strip()[-200:], rc == 0)
    rep_page = os.path.join(d, "report.html")
    rc, _, err = tool(["report", "--db", db, "-f", "html", "-o", rep_page])
    t.check("report --db: exit 0 (%s)" % err.strip()[-200:], rc == 0)
    raw2 = open(page2, "rb").read()
    t.check("export --db: the scan's own page, byte for byte",
            os.path.exists(exp_page) and open(exp_page, "rb").read() == raw2)
    rep_raw = open(rep_page, "rb").read() if os.path.exists(rep_page) else b""
    plan_re = re.compile(rb'<section id="plan">.*?</section>\n', re.S)
    t.check("report --db: the scan's page, but with the run's upgrade plan in its Plan section",
            plan_re.sub(b"", rep_raw) == plan_re.sub(b"", raw2) and b"No upgrade plan" in raw2
            and b'<table class="plan">' in rep_raw and b'<table class="plan">' not in raw2)
    rc, _, err = tool(["report", "--db", db, "--run", "1", "-o", os.path.join(d, "r1.html")])
    t.check("report --db --run 1: exit 0", rc == 0)
    rc, _, err = tool(["report", "--run", "1", os.path.join(d, "run1.json")])
    t.check("report --run without --db: usage error (%s)" % err.strip(), rc == 2)

    # 1. numbers, per run and with target profiles
    b1 = check_numbers(t, "run1 page", os.path.join(d, "r1.html"), doc1)
    b2 = check_numbers(t, "run2 page", page2, doc2)
    trend = b2.root.find("table", **{"class": "trend"})
    got = [[int(c.text()) for c in thr.cells(r)[3:]] for r in thr.rows(trend)] if trend else None
    t.list_eq("run2 page: the trend table == counted from run1.json and run2.json",
              [trend_row(doc1), trend_row(doc2)], got)
    t.list_eq("run2 page: the trend's runs", ["1", "2"],
              [thr.cells(r)[0].text() for r in thr.rows(trend)] if trend else None)
    t.check("run1 page: one run so far, no trend chart",
            b1.root.find("figure", id="chart-trend") is None)
    tdoc = json.loads(json.dumps(doc2))
    tdoc["targets"][0]["target_profile"] = "mozilla-6.0-modern"
    tdoc["targets"][2]["target_profile"] = "mozilla-5.7-old"
    tdoc["targets"][4]["target_profile"] = "mozilla-5.7-old"
    tjson = os.path.join(d, "targets.json")
    with open(tjson, "w") as f:
        json.dump(tdoc, f)
    tpage = os.path.join(d, "targets.html")
    now = int(datetime.datetime.strptime(doc2["report_time"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())
    rc, _, err = tool(["report", "-o", tpage, tjson], env=dict(os.environ, TLSAUDIT_NOW=str(now)))
    t.check("report targets.json: exit 0 (%s)" % err.strip()[-200:], rc == 0)
    bt = check_numbers(t, "target-profile page", tpage, tdoc)
    exp = expected_charts(tdoc)["compliance"]
    t.check("target-profile page: the chart has a bar per target profile and the default (%s)"
            % [k for k, _ in exp], len(exp) == 3)

    # 2. the charts and the page's references
    for lab, b, raw in (("run2 page", b2, raw2), ("target-profile page", bt,
                                                  open(tpage, "rb").read())):
        check_static(t, lab, raw)
    titles = check_svgs(t, "run2 page", b2.root)
    t.eq("run2 page: the charts are compliance, highest, lowest, weak, expiry%s and trend"
         % (", vulns" if "vulns" in expected_charts(doc2) else ""),
         len(expected_charts(doc2)) + 1, len(titles))
    check_svgs(t, "target-profile page", bt.root)

    # 4. and 5. in the browser, its proxy a port where nothing listens
    proxy = h.free_port()
    # the page with the plan: everything the scan's page has, and the plan's table
    check_browser(t, proxy, rep_page, titles, "run2")
    check_pdf(t, proxy, rep_page, titles, b2.root, "run2")


if __name__ == "__main__":
    h.run_test(main)
