#!/usr/bin/env python3
"""The HTML report laid out by a real browser: headless Chromium at 1400 and
1000 px wide renders a report of several targets judged against every
built-in profile, and the summary table keeps each target's name readable
(on one line, not squeezed to a character per line) while every profile
has a column of its own.

The report has no script; the test appends one to its own copy of the page
that measures the layout and writes the figures into the DOM, which
Chromium dumps (--dump-dom).  Chromium runs with background networking off
and loads only the file.
"""

import json
import os
import re
import shutil
import subprocess

import harness as h

MEASURE = """
<script>
(function () {
  var out = {rows: [], profiles: 0, viewport: window.innerWidth};
  var t = document.getElementById('summary-table');
  if (t) {
    out.profiles = t.querySelectorAll('thead th.profile').length;
    t.querySelectorAll('tbody tr').forEach(function (tr) {
      var td = tr.querySelector('td.tgt') || tr.cells[1];
      var a = td && (td.querySelector('a') || td);
      if (!a) return;
      var range = document.createRange();
      range.selectNodeContents(a);
      var lines = new Set();
      Array.prototype.forEach.call(range.getClientRects(), function (r) {
        if (r.width > 0) lines.add(Math.round(r.top));
      });
      var cs = getComputedStyle(a);
      out.rows.push({text: a.textContent, lines: lines.size,
                     width: a.getBoundingClientRect().width,
                     cell: td.getBoundingClientRect().width,
                     em: parseFloat(cs.fontSize)});
    });
  }
  var pre = document.createElement('pre');
  pre.id = 'layout-measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    raise h.SetupError("chromium is not installed (apt-get install chromium)")


def measure(t, html_path, width):
    page = os.path.join(h.tmpdir(), "layout-%d.html" % width)
    with open(html_path, encoding="utf-8") as f:
        doc = f.read()
    t.check("the report has no script of its own", "<script" not in doc.lower())
    with open(page, "w", encoding="utf-8") as f:
        f.write(doc.replace("</body>", MEASURE + "</body>"))
    profile = os.path.join(h.tmpdir(), "chromium-profile-%d" % width)
    cp = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-extensions",
         "--user-data-dir=" + profile, "--window-size=%d,900" % width,
         "--dump-dom", "file://" + page],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    m = re.search(r'<pre id="layout-measure">(.*?)</pre>', cp.stdout.decode("utf-8", "replace"),
                  re.S)
    if not m:
        raise h.SetupError("chromium rendered no measurement (exit %d): %s" % (
            cp.returncode, cp.stderr.decode(errors="replace")[-600:]))
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))


def main(t):
    tls13 = h.start_openssl_server(["-tls1_3"])
    legacy = h.start_openssl_server(["-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0"])
    closed = h.free_port()
    targets = [tls13.target, legacy.target, "localhost:%d" % tls13.port,
               "127.0.0.1:%d" % closed]
    report = os.path.join(h.tmpdir(), "report.html")
    cp = subprocess.run([h.tlsaudit_path(), "scan", "--no-http", "--no-dns", "-o", report]
                        + targets, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=300)
    t.eq("scan exit code (one target is a closed port)", 1, cp.returncode)
    profiles = subprocess.run([h.tlsaudit_path(), "profiles"], stdout=subprocess.PIPE,
                              timeout=60).stdout.decode().splitlines()
    nprofiles = len([ln for ln in profiles if ln and not ln.startswith((" ", "NAME", "-"))])
    for width in (1400, 1000):
        m = measure(t, report, width)
        h.log("%d px: %s" % (width, json.dumps(m)))
        t.eq("%d px: the window is as wide as asked" % width, width, m["viewport"])
        t.check("%d px: a column for each of the %d built-in profiles (%d)"
                % (width, nprofiles, m["profiles"]), m["profiles"] >= nprofiles > 0)
        t.eq("%d px: a summary row per target" % width, len(targets), len(m["rows"]))
        for r in m["rows"]:
            label = "%d px: %s" % (width, r["text"])
            t.eq("%s: the name on one line" % label, 1, r["lines"])
            t.check("%s: the name is wider than a few characters (%.0f px, %.1f em)"
                    % (label, r["width"], r["width"] / r["em"]),
                    r["width"] >= 0.4 * r["em"] * len(r["text"]))
            t.check("%s: the cell holds the whole name (%.0f >= %.0f px)"
                    % (label, r["cell"], r["width"]), r["cell"] >= r["width"])


if __name__ == "__main__":
    h.run_test(main)
