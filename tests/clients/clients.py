#!/usr/bin/env python3
"""The TLS clients of a Debian 12 machine, as commands (shared by
tests/clients/capture.py, which records their ClientHellos, and
tests/integration/test_clients.py, which runs them against real servers).

Each client is a dict:
  name       the name the captures and the simulation use (tlsaudit's
             client database: tests/data/clients/<name>.json)
  exe        the program that must be installed
  version    a command printing the client's own version string
  command    (host, port, cafile, workdir) -> argv of one HTTPS request
             (cafile: the CA to trust, or None to accept any certificate)
  env        extra environment (optional)
Every command connects to the IP address given (no SNI for an address),
sends one HTTP request (or just the handshake) and ends.
"""

import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

PY_SNIPPET = r"""
import socket, ssl, sys
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=None if ca == '-' else ca)
ctx.check_hostname = False
if ca == '-':
    ctx.verify_mode = ssl.CERT_NONE
try:
    with socket.create_connection((host, port), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            print(t.version(), t.cipher()[0])
except Exception as e:
    print('FAIL', e)
"""

NODE_SNIPPET = r"""
const tls = require('tls'), fs = require('fs');
const [host, port, ca] = process.argv.slice(-3);
const opt = {host: host, port: +port, rejectUnauthorized: ca !== '-'};
if (ca !== '-') { opt.ca = fs.readFileSync(ca); opt.checkServerIdentity = () => undefined; }
const s = tls.connect(opt, () => {
  const k = s.getEphemeralKeyInfo() || {};
  console.log(s.getProtocol() + ' ' + s.getCipher().standardName + ' ' + (k.name || k.type || '-'));
  s.end();
});
s.setTimeout(10000, () => { console.log('FAIL timeout'); s.destroy(); });
s.on('error', e => console.log('FAIL ' + e.message));
"""


def _url(host, port):
    return "https://%s:%d/" % (host, port)


def _py(exe):
    return lambda h, p, ca, wd: [exe, "-c", PY_SNIPPET, h, str(p), ca or "-"]


def _chromium(h, p, ca, wd):
    # --ignore-certificate-errors: the handshake completes whatever the
    # certificate; background networking off so the only TLS connection
    # is the one to the page.
    return ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--no-first-run",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--ignore-certificate-errors", "--user-data-dir=" + os.path.join(wd, "chromium"),
            "--timeout=5000", "--dump-dom", _url(h, p)]


def _firefox(h, p, ca, wd):
    prof = os.path.join(wd, "firefox")
    os.makedirs(prof, exist_ok=True)
    with open(os.path.join(prof, "user.js"), "w") as f:
        # no update, telemetry or safe-browsing connections
        for k, v in [("app.update.enabled", "false"),
                     ("datareporting.policy.dataSubmissionEnabled", "false"),
                     ("toolkit.telemetry.enabled", "false"),
                     ("browser.safebrowsing.malware.enabled", "false"),
                     ("browser.safebrowsing.phishing.enabled", "false"),
                     ("network.captive-portal-service.enabled", "false"),
                     ("network.connectivity-service.enabled", "false"),
                     ("browser.shell.checkDefaultBrowser", "false"),
                     ("extensions.update.enabled", "false"),
                     ("services.settings.server", '"http://127.0.0.1:9/"'),
                     ("network.dns.disablePrefetch", "true"),
                     ("browser.newtabpage.enabled", "false")]:
            f.write('user_pref("%s", %s);\n' % (k, v))
    if ca:
        # NSS trusts only its own store: the test CA goes into the profile's
        # certificate database (certutil, Debian's libnss3-tools)
        subprocess.run(["certutil", "-N", "-d", "sql:" + prof, "--empty-password"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["certutil", "-A", "-d", "sql:" + prof, "-n", "test-ca", "-t", "C,,",
                        "-i", ca], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return ["firefox-esr", "--headless", "--no-remote", "--profile", prof,
            "--screenshot", os.path.join(wd, "ff.png"), _url(h, p)]


CLIENTS = [
    {"name": "openssl-s_client", "exe": "openssl", "version": ["openssl", "version"],
     "command": lambda h, p, ca, wd: ["openssl", "s_client", "-connect", "%s:%d" % (h, p),
                                      "-brief"] + (["-CAfile", ca] if ca else [])},
    {"name": "gnutls-cli", "exe": "gnutls-cli", "version": ["gnutls-cli", "--version"],
     "command": lambda h, p, ca, wd: ["gnutls-cli", "-p", str(p), h, "--verify-hostname",
                                      "localhost"] + (["--x509cafile", ca] if ca else
                                                      ["--insecure"])},
    {"name": "curl", "exe": "curl", "version": ["curl", "--version"],
     "command": lambda h, p, ca, wd: ["curl", "-sS", "-o", "/dev/null", "--max-time", "10",
                                      "-w", "%{http_code}\\n"] +
     (["--cacert", ca, "--resolve", "localhost:%d:%s" % (p, h),
       _url("localhost", p)] if ca else ["-k", _url(h, p)])},
    {"name": "wget", "exe": "wget", "version": ["wget", "--version"],
     "command": lambda h, p, ca, wd: ["wget", "-q", "-O", "/dev/null", "-t", "1", "-T", "10"] +
     (["--ca-certificate=" + ca] if ca else ["--no-check-certificate"]) + [_url(h, p)]},
    {"name": "python3-pyenv", "exe": "python3",
     "version": ["python3", "-c", "import ssl,sys; print(sys.version.split()[0], ssl.OPENSSL_VERSION)"],
     "command": _py("python3")},
    {"name": "python3-debian", "exe": "/usr/bin/python3",
     "version": ["/usr/bin/python3", "-c",
                 "import ssl,sys; print(sys.version.split()[0], ssl.OPENSSL_VERSION)"],
     "command": _py("/usr/bin/python3")},
    {"name": "java17-jsse", "exe": "java", "version": ["java", "-version"],
     "command": lambda h, p, ca, wd: ["java", os.path.join(HERE, "JsseClient.java"), h, str(p),
                                      ca or "-"]},
    {"name": "nodejs", "exe": "node",
     "version": ["node", "-e", "console.log(process.version, 'OpenSSL', process.versions.openssl)"],
     "command": lambda h, p, ca, wd: ["node", "-e", NODE_SNIPPET, h, str(p), ca or "-"]},
    {"name": "chromium", "exe": "chromium", "version": ["chromium", "--version"],
     "command": _chromium},
    {"name": "firefox-esr", "exe": "firefox-esr", "version": ["firefox-esr", "--version"],
     "command": _firefox},
]


def installed(c):
    return shutil.which(c["exe"]) is not None
