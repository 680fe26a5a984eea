#!/usr/bin/env python3
"""STARTTLS against real servers: Postfix (SMTP), Dovecot (IMAP, POP3,
ManageSieve) and PostgreSQL (SSLRequest), all on 127.0.0.1, high ports.

Every expected value comes from the servers' own configuration, and is
verified against the live server before the scanner runs, with an
independent client (mail_servers.starttls_open / st_probe: the plaintext
dialogue written here, then hand-built ClientHellos; and a real handshake
with `openssl s_client -starttls`).  The servers serve a leaf certificate
generated for this run (CN=mail-<random>.tlsaudit.test, signed by the
harness CA); its subject, serial and SHA-256 fingerprint are asserted.

Cases
  1. Postfix, smtpd_tls_security_level may, TLS >= 1.2,
     tls_high_cipherlist = three TLS 1.2 suites, tls_preempt_cipherlist
     yes, TLS 1.3 Ciphersuites (tls_config_file) = two suites,
     tls_eecdh_auto_curves = secp384r1 X25519.  `/smtp`: status ok, service
     smtp, starttls {protocol smtp, offered true, banner with myhostname,
     busy_replies 0}, exactly those suites in that order (server_order
     true), groups in that order (groups_by_version: TLSv1.2 and TLSv1.3
     each those two in that order, server_order true: verified with TLS
     1.2 ECDHE hellos and TLS 1.3 HRR hellos, each pair both ways round),
     the certificate we generated.
  2. Postfix with smtpd_tls_security_level none: status error, offered
     false, the error names STARTTLS, nothing offered, within a few seconds.
  3. Postfix with smtpd_client_connection_count_limit = 1 (anvil; the
     loopback exemption smtpd_client_event_limit_exceptions emptied), same
     TLS settings as 1.  Postfix answers a connection over the limit with
     "421 4.7.0 ... too many connections" (verified).
     3a. the test holds one SMTP session open for the whole scan: the scan
         cannot complete.  The scanner must say so (status error or
         incomplete with a reason), report only suites Postfix has, count
         busy replies, and give up within a bound computed from the
         documented back-off schedule (see BUSY_BOUND).
     3b. the test holds a session for 3 s, then lets it go: the scanner
         meets 421s (the held session, and its own parallel connections)
         and must either complete (busy_replies > 0, exact suites) or mark
         the result incomplete with a reason; which one is printed.  Both:
         busy_replies equals the number of 421s Postfix logged for the
         scan, and the scan ends within RELEASE_BOUND (back-off schedule).
  4. Dovecot 2.3, ssl = yes, ssl_min_protocol TLSv1.2, ssl_cipher_list two
     suites, ssl_cipher_suites two TLS 1.3 suites, ssl_curve_list,
     ssl_prefer_server_ciphers yes, login_greeting unique: `/imap`,
     `/pop3`, `/sieve` (dovecot-managesieved) in one scanner run: ok,
     offered true, banner with the greeting (IMAP, POP3) or the
     IMPLEMENTATION capability (ManageSieve), the suites, the certificate;
     groups_by_version as for Postfix, with ssl_curve_list's two curves.
  5. A closed port as `/smtp`: status error, "cannot connect", offered
     null, quickly.
  6. PostgreSQL 15 (initdb in the temp dir, run as postgres): ssl on,
     TLS 1.2 only (ssl_min/max_protocol_version), ssl_ciphers three suites
     (ECDHE, DHE, RSA), ssl_ecdh_curve secp384r1: `/postgres` ok, offered
     true, banner null (the protocol has none), TLS 1.3 not offered, the
     suites in order, groups, dh (the probe checks the prime is RFC 3526
     group 14, PostgreSQL's built-in parameters); groups_by_version: only
     TLSv1.2, [secp384r1], server_order null (one group: no order to see;
     the RFC 3526 prime is no RFC 7919 group).
  7. vsftpd 3.0.3, ssl_enable (AUTH TLS), ssl_ciphers two TLS 1.2 suites
     (no TLS 1.3 setting: OpenSSL's default suites; one fixed curve,
     prime256v1): `/ftp` ok, offered true, banner = ftpd_banner, the suites
     in client order (server_order false), groups, the certificate;
     groups_by_version: TLSv1.2 and TLSv1.3 each [secp256r1] (vsftpd's one
     curve serves both: verified per group id), server_order null.
Not tested live here (no server started): XMPP, LDAP, MySQL, NNTP, LMTP.
"""

import json
import os
import socket
import subprocess
import threading
import time

import feature_probes as fp
import harness as h
import mail_servers as ms

# ---------------------------------------------------------------------------
# what the servers are configured with (their own configuration = the facts)
# ---------------------------------------------------------------------------

PF_TLS12 = "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:AES128-GCM-SHA256"
PF_TLS13 = ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"]
PF_CURVES = ["secp384r1", "x25519"]          # tls_eecdh_auto_curves, in order
PF_SETTINGS = {
    "smtpd_tls_protocols": ">=TLSv1.2",
    "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    "smtpd_tls_ciphers": "high",
    "smtpd_tls_mandatory_ciphers": "high",
    "tls_high_cipherlist": PF_TLS12,
    "tls_preempt_cipherlist": "yes",
    "tls_eecdh_auto_curves": "secp384r1 X25519",
}

DC_TLS12 = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384"
DC_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]
DC_CURVES = ["x25519", "secp384r1"]          # ssl_curve_list, in order

FTP_TLS12 = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"
FTP_CURVES = ["secp256r1"]     # vsftpd 3.0.3 fixes prime256v1 (its ssl.c)

PG_TLS12 = "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:AES256-SHA"
PG_CURVE = "secp384r1"

# the groups the probes ask about one by one (named ones and a few others)
PROBE_GROUPS = sorted(set(h.GROUP_IDS.values()) | {19, 21, 22, 26, 27, 28})
HELLO_GROUPS = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"]

# Back-off schedule of the scanner for busy STARTTLS servers (the issue's
# contract): hold off 1, 2, 4, 8 s (the code caps the doubling at 16 s),
# one connection at a time, at most 4 retries per connection.
HOLDS = [1, 2, 4, 8]
MAX_HOLD = 16
RETRIES = 4
CONNS_PER_HOST = 4     # the scanner's default --max-conns per host
# A server that stays busy: at most CONNS_PER_HOST connections were under
# way when it first refused, each is retried RETRIES times after the holds
# above, one at a time; each refusal itself takes well under a second on
# loopback (1 s allowed), plus 15 s for everything else.
BUSY_BOUND = CONNS_PER_HOST * sum(HOLDS) + CONNS_PER_HOST * (RETRIES + 1) * 1 + 15
# A server busy for RELEASE_AFTER s, then free for one connection at a time
# (the scanner's own parallel connections may still race Postfix's anvil):
# two whole back-off sequences (1+2+4+8+16 s) after the release, and 20 s
# for the scan itself at one connection at a time (case 1 takes ~2 s at 4).
RELEASE_AFTER = 3.0
RELEASE_BOUND = RELEASE_AFTER + 2 * (sum(HOLDS) + MAX_HOLD) + 20


def iana(openssl_list, flag):
    """IANA names of an OpenSSL cipher string, in OpenSSL's order."""
    return [c["iana"] for c in h.openssl_ciphers(openssl_list, flag, True)]


def ids_of(names):
    table = {c["iana"]: c["id"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
    table.update({v: k for k, v in h.TLS13_SUITES.items()})
    return [table[n] for n in names]


def all12_ids():
    return [c["id"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
            if c["since"] != "TLSv1.3"]

# ---------------------------------------------------------------------------
# verification of the live servers (independent of the scanner)
# ---------------------------------------------------------------------------


def verify_tls(proto, port, exp12, exp13, groups, server_order=True, full=True):
    """Problems found when the live server is compared with the expected
    suites (IANA names, in server order), groups (names, in order) and
    versions.  full: also every group id and the orders of groups."""
    bad = []
    names = {c["id"]: c["iana"] for c in h.openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")}
    names.update(h.TLS13_SUITES)
    got12 = [names.get(i, i) for i in ms.accepted_suites(proto, port, "TLSv1.2", all12_ids(),
                                                         HELLO_GROUPS)]
    got13 = [names.get(i, i) for i in ms.accepted_suites(proto, port, "TLSv1.3",
                                                         list(h.TLS13_SUITES), HELLO_GROUPS)]
    # with server preference each pick is the server's best of what is left
    if (got12 if server_order else sorted(got12)) != (exp12 if server_order else sorted(exp12)):
        bad.append("TLS 1.2 suites accepted (in pick order): %s, expected %s" % (got12, exp12))
    if (got13 if server_order else sorted(got13)) != (exp13 if server_order else sorted(exp13)):
        bad.append("TLS 1.3 suites accepted (in pick order): %s, expected %s" % (got13, exp13))
    if not server_order:  # the client's order wins, both ways round
        for ver, exp in (("TLSv1.2", exp12), ("TLSv1.3", exp13)):
            if len(exp) > 1:
                bad += h.client_order_violations(
                    lambda l, ver=ver: ms.st_probe(proto, port, ver, l, HELLO_GROUPS).get(
                        "suite"), ids_of(exp))
    for v in ("SSLv3", "TLSv1.0", "TLSv1.1"):
        r = ms.st_probe(proto, port, v, all12_ids(), HELLO_GROUPS)
        if r.get("version") == v:
            bad.append("%s accepted: %r" % (v, r))
    if not full:
        return bad
    gids = [h.GROUP_IDS[g] for g in groups]
    ecdhe12 = [i for i in ids_of(exp12) if names[i].startswith("TLS_ECDHE_")]
    for gid in PROBE_GROUPS:
        if exp13:
            r = ms.st_probe(proto, port, "TLSv1.3", ids_of(exp13), [gid])
            if (r.get("selected_group") == gid) != (gid in gids):
                bad.append("TLS 1.3 group %d: %r" % (gid, r))
        if ecdhe12:
            r = ms.st_probe(proto, port, "TLSv1.2", ecdhe12, [gid])
            if (r.get("ske_curve") == gid) != (gid in gids):
                bad.append("TLS 1.2 group %d: %r" % (gid, r))
    if server_order and len(gids) > 1:
        # each adjacent pair both ways round: the server's first wins
        for a, b in zip(gids, gids[1:]):
            for ver, ids, key in (("TLSv1.3", ids_of(exp13) if exp13 else [], "selected_group"),
                                  ("TLSv1.2", ecdhe12, "ske_curve")):
                if not ids:
                    continue
                picks = [ms.st_probe(proto, port, ver, ids, l).get(key)
                         for l in ([a, b], [b, a])]
                if picks != [a, a]:
                    bad.append("%s groups %d/%d: picks %s, server order wants %d" % (
                        ver, a, b, picks, a))
    return bad


def verify_handshake(proto, port, leaf, args):
    """A real handshake with `openssl s_client -starttls` (an independent
    TLS client) shows our certificate."""
    r = ms.openssl_starttls_handshake(proto, port, args)
    if not r["ok"]:
        return ["s_client -starttls %s %s failed:\n%s" % (proto, " ".join(args),
                                                          r["output"][-1500:])]
    if r["subject"] != leaf.subject:
        return ["s_client saw subject %r, expected %r" % (r["subject"], leaf.subject)]
    return []

# ---------------------------------------------------------------------------
# assertions on the scanner's JSON
# ---------------------------------------------------------------------------


def target_of(t, doc, port):
    found = [x for x in doc.get("targets", []) if isinstance(x, dict) and x.get("port") == port]
    if not t.check("a target for port %d" % port, len(found) == 1,
                   "targets: %s" % h._fmt(doc.get("targets"))[:2000]):
        raise h.SetupError("no target for port %d in the scanner output" % port)
    return found[0]


def check_starttls(t, tg, proto, offered, banner_has=None, busy=0, label=""):
    st = tg.get("starttls")
    p = label or proto
    t.eq("%s: service" % p, proto, tg.get("service"))
    if not t.check("%s: starttls is an object" % p, isinstance(st, dict), "got %s" % h._fmt(st)):
        return
    t.eq("%s: starttls.protocol" % p, proto, st.get("protocol"))
    t.eq("%s: starttls.offered" % p, offered, st.get("offered"))
    if busy is not None:
        t.eq("%s: starttls.busy_replies" % p, busy, st.get("busy_replies"))
    if banner_has is None:
        t.eq("%s: starttls.banner" % p, None, st.get("banner"))
    else:
        b = st.get("banner")
        t.check("%s: starttls.banner contains %r" % (p, banner_has),
                isinstance(b, str) and banner_has in b, "got %s" % h._fmt(b))
        t.check("%s: starttls.banner is printable ASCII" % p,
                isinstance(b, str) and all(0x20 <= ord(ch) < 0x7f for ch in b),
                "got %s" % h._fmt(b))


def check_cert(t, tg, leaf, label):
    certs = tg.get("certificates")
    if not t.check("%s: certificates present" % label, isinstance(certs, list) and certs,
                   "got %s" % h._fmt(certs)[:500]):
        return
    leafs = [c for c in certs if isinstance(c, dict) and c.get("sha256_fingerprint") == leaf.sha256]
    t.check("%s: our leaf certificate reported (sha256 %s)" % (label, leaf.sha256[:16]),
            len(leafs) >= 1,
            "got fingerprints %s" % [c.get("sha256_fingerprint") for c in certs
                                     if isinstance(c, dict)])
    for c in certs:
        t.eq("%s: certificate subject" % label, leaf.subject, c.get("subject"))
        t.check("%s: certificate serial %s" % (label, leaf.serial),
                str(c.get("serial", "")).lstrip("0").upper() == leaf.serial.lstrip("0").upper(),
                "got %s" % h._fmt(c.get("serial")))


def check_suites(t, tg, v12, v13, label, ordered=True):
    """Exact suites; TLS 1.3 / 1.2 offered iff expected non-empty; nothing
    below TLS 1.2."""
    print("  -- %s protocols" % label, flush=True)
    for p in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
        h.check_protocol(t, tg, p, offered=False)
    for p, exp in (("TLSv1.2", v12), ("TLSv1.3", v13)):
        if exp:
            h.check_protocol(t, tg, p, offered=True, suites=exp, ordered=ordered,
                             server_order=(ordered if len(exp) > 1 else None))
        else:
            h.check_protocol(t, tg, p, offered=False)


def reported_suites(tg):
    out = {}
    for p, o in (tg.get("protocols") or {}).items():
        if isinstance(o, dict) and isinstance(o.get("cipher_suites"), list):
            out[p] = o["cipher_suites"]
    return out


def timed_scan(targets, timeout, progress=None, stall=None):
    """`tlsaudit scan --format json TARGETS`: (parsed JSON, seconds).
    Unlike harness.run_tlsaudit, exit code 1 is expected when a target has
    status "error" (docs/cli.md); the exit code must agree with the
    statuses.  A scan still running after TIMEOUT s is killed (by its PID)
    and the test fails, saying how much CPU it had used (a spin or a wait).
    progress/stall: a callable returning a number that grows while the
    scanner makes progress (e.g. the connections a server logged); a scan
    during which it stays the same for STALL s is killed the same way."""
    exe = h.tlsaudit_path()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise h.SetupError("tlsaudit binary not found: %s (set TLSAUDIT)" % exe)
    argv = [exe, "scan", "--format", "json"] + list(targets)
    h.log("running: " + " ".join(argv))
    out_path = os.path.join(h.tmpdir(), "scan-%s.json" % os.urandom(3).hex())
    err_path = out_path[:-5] + ".stderr"
    t0 = time.time()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        last, since, why = None, time.time(), None
        while proc.poll() is None:
            now = time.time()
            if now - t0 > timeout:
                why = "did not finish within %.0f s" % timeout
            elif progress is not None:
                cur = progress()
                if cur != last:
                    last, since = cur, now
                elif now - since > stall:
                    why = ("made no progress for %.0f s (the server saw no new connection; "
                           "%.0f s after the start)" % (stall, now - t0))
            if why:
                break
            time.sleep(0.25)
        rc = proc.returncode
        if why:
            cpu0 = _cpu_seconds(proc.pid)
            time.sleep(2.0)
            cpu1 = _cpu_seconds(proc.pid)
            proc.kill()
            proc.wait()
            busy = cpu0 is not None and cpu1 is not None and cpu1 - cpu0 > 0.5
            raise h.SetupError("tlsaudit %s; it had used %s s of CPU, %s s more in the last "
                               "2 s (%s); killed; stderr:\n%s" % (
                                   why, cpu0, round(cpu1 - cpu0, 1) if busy else 0,
                                   "it spins" if busy else "it waits", h.read_log(err_path)))
    took = time.time() - t0
    text = h.read_log(out_path, 10 ** 8)
    h.log("tlsaudit exit code %d after %.1f s" % (rc, took))
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise h.SetupError("tlsaudit output is not JSON (%s, exit %d)\n%s\nstderr:\n%s" % (
            e, rc, text[-3000:], h.read_log(err_path)))
    if not isinstance(doc, dict) or not isinstance(doc.get("targets"), list):
        raise h.SetupError("tlsaudit output has no targets list: %s" % text[:2000])
    any_error = any(isinstance(x, dict) and x.get("status") == "error" for x in doc["targets"])
    if rc != (1 if any_error else 0):
        raise h.SetupError("tlsaudit exit code %d, but %s target has status error\nstderr:\n%s"
                           % (rc, "a" if any_error else "no", h.read_log(err_path)))
    if os.environ.get("TLSAUDIT_TEST_VERBOSE"):
        h.log("tlsaudit JSON:\n" + json.dumps(doc, indent=2))
    return doc, took


def _cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        fields = st[st.rindex(")") + 2:].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)
    except (OSError, ValueError, IndexError):
        return None


def case(t, name, fn):
    """Run one case; a case that cannot run fails, the others still run.
    TLSAUDIT_STARTTLS_CASES=word,word (for development) runs only the
    cases whose name contains one of the words, and says so."""
    only = [w for w in os.environ.get("TLSAUDIT_STARTTLS_CASES", "").split(",") if w]
    if only and not any(w in name for w in only):
        print("  NOTE  case %r not run (TLSAUDIT_STARTTLS_CASES)" % name, flush=True)
        return
    print("=== case: %s" % name, flush=True)
    t0 = time.time()
    try:
        fn()
    except h.SetupError as e:
        t.fail("%s: could not run (a FAILURE, not a skip)" % name, str(e))
    print("  INFO  case %r took %.1f s" % (name, time.time() - t0), flush=True)

# ---------------------------------------------------------------------------
# Postfix helpers
# ---------------------------------------------------------------------------


def get_leaf(ctx):
    """One leaf certificate for every server of this test (RSA key
    generation is slow on a loaded machine)."""
    if "leaf" not in ctx:
        ctx["leaf"] = ms.make_leaf("mail-%s.tlsaudit.test" % os.urandom(3).hex())
    return ctx["leaf"]


def smtp_greeting(port, timeout=5.0):
    """(socket, first reply line) of a new SMTP connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    buf = b""
    try:
        while b"\n" not in buf and len(buf) < 4096:
            chunk = s.recv(512)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    return s, buf.split(b"\n")[0].decode("latin-1").strip()


def hold_session(port, timeout=15.0):
    """An SMTP session at the prompt (220 read), kept open by the caller.
    Anvil may still count a connection that just ended: retry until 220."""
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        s, line = smtp_greeting(port)
        if line.startswith("220 "):
            return s
        s.close()
        last = line
        time.sleep(0.3)
    raise h.SetupError("could not hold an SMTP session on port %d (last reply %r)" % (port, last))


def connects(srv):
    """Connections Postfix's smtpd logged so far."""
    return srv.maillog_text(10 ** 8).count("]: connect from ")


# The scanner never waits longer than one hold (MAX_HOLD) plus a read
# timeout (5 s) between two connections to a busy server: twice that
# without a new connection is a stall.
STALL = 2 * (MAX_HOLD + 5)


def count_421(srv, settle=True):
    """421s Postfix sent for the concurrency limit (its own log line).
    postlogd writes the log a little later: with settle, wait until the
    log has not grown for 1.5 s (10 s at most)."""
    last, since, deadline = None, time.time(), time.time() + 10
    while settle and time.time() < deadline:
        try:
            size = os.path.getsize(srv.maillog)
        except OSError:
            size = None
        if size != last:
            last, since = size, time.time()
        elif time.time() - since >= 1.5:
            break
        time.sleep(0.1)
    return srv.maillog_text(10 ** 8).count("Connection concurrency limit exceeded")

# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------


def case_postfix_ok(t, ctx):
    leaf = get_leaf(ctx)
    srv = ms.start_postfix(cert=leaf.cert, key=leaf.key, name="postfix-ok",
                           tls13_ciphersuites=":".join(PF_TLS13), **PF_SETTINGS)
    v12 = iana(PF_TLS12, "-tls1_2")
    ctx["pf_v12"] = v12
    s, info = ms.starttls_open("smtp", srv.port, send_starttls=False)
    s.close()
    if not info["offered"] or srv.myhostname not in (info["banner"] or ""):
        raise h.SetupError("Postfix EHLO/greeting not as configured: %r" % info)
    bad = verify_tls("smtp", srv.port, v12, PF_TLS13, PF_CURVES, server_order=True)
    bad += verify_handshake("smtp", srv.port, leaf, ["-tls1_2"])
    bad += verify_handshake("smtp", srv.port, leaf, ["-tls1_3"])
    if bad:
        raise h.SetupError("Postfix setup verification failed:\n" + "\n".join(bad) +
                           "\n" + srv.maillog_text()[-3000:])
    t.check("postfix-ok: setup verified (suites, orders, groups, versions, s_client)", True)
    doc, took = timed_scan(["127.0.0.1:%d/smtp" % srv.port], 120)
    tg = h.check_target(t, doc, "127.0.0.1", srv.port)
    check_starttls(t, tg, "smtp", True, banner_has=srv.myhostname, busy=0, label="postfix-ok")
    t.eq("postfix-ok: starttls.error", None, (tg.get("starttls") or {}).get("error"))
    t.eq("postfix-ok: incomplete", False, tg.get("incomplete"))
    t.eq("postfix-ok: incomplete_reason", None, tg.get("incomplete_reason"))
    check_suites(t, tg, v12, PF_TLS13, "postfix-ok")
    t.list_eq("postfix-ok: groups (server order)", PF_CURVES, tg.get("groups"))
    fp.check_groups_by_version(t, tg, {v: {"groups": PF_CURVES, "server_order": True}
                                       for v in ("TLSv1.2", "TLSv1.3")}, "postfix-ok")
    check_cert(t, tg, leaf, "postfix-ok")
    print("  INFO  postfix-ok scan: %.1f s, %s connections" % (took, tg.get("connections")))


def case_postfix_none(t, ctx):
    srv = ms.start_postfix(name="postfix-none", starttls=False)
    s, info = ms.starttls_open("smtp", srv.port, send_starttls=False)
    s.close()
    if info["offered"] is not False:
        raise h.SetupError("Postfix without TLS still lists STARTTLS: %r" % info)
    t.check("postfix-none: setup verified (EHLO lists no STARTTLS)", True)
    doc, took = timed_scan(["127.0.0.1:%d/smtp" % srv.port], 60)
    h.check_document(t, doc, 1)
    tg = target_of(t, doc, srv.port)
    t.eq("postfix-none: status", "error", tg.get("status"))
    err = tg.get("error")
    t.check("postfix-none: error mentions STARTTLS", isinstance(err, str) and "STARTTLS" in err,
            "got %s" % h._fmt(err))
    check_starttls(t, tg, "smtp", False, banner_has=srv.myhostname, busy=0,
                   label="postfix-none")
    st_err = (tg.get("starttls") or {}).get("error")
    t.check("postfix-none: starttls.error mentions STARTTLS",
            isinstance(st_err, str) and "STARTTLS" in st_err, "got %s" % h._fmt(st_err))
    offered = [p for p, l in reported_suites(tg).items() if l]
    t.eq("postfix-none: no protocol reports suites", [], offered)
    t.check("postfix-none: finished within 10 s (took %.1f s)" % took, took < 10)


def busy_server(ctx):
    """The Postfix of case 3 (one for 3a and 3b), and a held session."""
    srv = ctx.get("busy")
    if srv is None:
        srv = ctx["busy"] = ms.start_postfix(
            name="postfix-busy", tls13_ciphersuites=":".join(PF_TLS13),
            smtpd_client_connection_count_limit="1", smtpd_client_event_limit_exceptions="",
            smtpd_timeout="600s", **PF_SETTINGS)
    held = hold_session(srv.port)
    s2, line = smtp_greeting(srv.port)
    s2.close()
    if not line.startswith("421 "):
        held.close()
        raise h.SetupError("a second SMTP connection was not refused: %r" % line)
    return srv, held, line


def check_busy_honest(t, tg, label, exp12, exp13):
    """Whatever the outcome: no suite Postfix does not have."""
    rep = reported_suites(tg)
    for p in ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"):
        t.eq("%s: %s reports no suites" % (label, p), [], rep.get(p, []))
    for p, exp in (("TLSv1.2", exp12), ("TLSv1.3", exp13)):
        extra = [s for s in rep.get(p, []) if s not in exp]
        t.eq("%s: %s reports no suite Postfix lacks" % (label, p), [], extra)


def case_postfix_busy_held(t, ctx):
    exp12 = ctx.get("pf_v12") or iana(PF_TLS12, "-tls1_2")
    srv, held, line = busy_server(ctx)
    t.check("postfix-busy-held: setup verified (second session refused: %s)" % line, True)
    before = count_421(srv)
    try:
        doc, took = timed_scan(["127.0.0.1:%d/smtp" % srv.port], BUSY_BOUND + 10,
                               progress=lambda: connects(srv), stall=STALL)
    finally:
        held.close()
    refused = count_421(srv) - before
    h.check_document(t, doc, 1)
    tg = target_of(t, doc, srv.port)
    st = tg.get("starttls") or {}
    t.eq("postfix-busy-held: service", "smtp", tg.get("service"))
    # the scan cannot complete while the only allowed session is ours
    honest = tg.get("status") == "error" or (tg.get("incomplete") is True and
                                             isinstance(tg.get("incomplete_reason"), str) and
                                             tg.get("incomplete_reason") != "")
    t.check("postfix-busy-held: reported as not scanned (status error) or incomplete with "
            "a reason", honest,
            "status %s error %s incomplete %s reason %s" % (
                h._fmt(tg.get("status")), h._fmt(tg.get("error")),
                h._fmt(tg.get("incomplete")), h._fmt(tg.get("incomplete_reason"))))
    if tg.get("status") == "error":
        t.check("postfix-busy-held: error text given", isinstance(tg.get("error"), str)
                and tg.get("error") != "", "got %s" % h._fmt(tg.get("error")))
    b = st.get("busy_replies")
    t.check("postfix-busy-held: busy_replies > 0", isinstance(b, int) and b > 0,
            "got %s" % h._fmt(b))
    t.eq("postfix-busy-held: busy_replies == 421s in Postfix's log", refused, b)
    t.check("postfix-busy-held: starttls.offered not false", st.get("offered") in (True, None),
            "got %s" % h._fmt(st.get("offered")))
    check_busy_honest(t, tg, "postfix-busy-held", exp12, PF_TLS13)
    t.check("postfix-busy-held: gave up within %d s (took %.1f s, %d refusals)" % (
        BUSY_BOUND, took, refused), took <= BUSY_BOUND)
    print("  INFO  postfix-busy-held: status=%s incomplete=%s reason=%r busy_replies=%s" % (
        tg.get("status"), tg.get("incomplete"), tg.get("incomplete_reason") or tg.get("error"),
        b))


def case_postfix_busy_release(t, ctx):
    exp12 = ctx.get("pf_v12") or iana(PF_TLS12, "-tls1_2")
    srv, held, line = busy_server(ctx)
    t.check("postfix-busy-release: setup verified (second session refused: %s)" % line, True)
    before = count_421(srv)
    timer = threading.Timer(RELEASE_AFTER, held.close)
    timer.start()
    try:
        doc, took = timed_scan(["127.0.0.1:%d/smtp" % srv.port], RELEASE_BOUND + 15,
                               progress=lambda: connects(srv), stall=STALL)
    finally:
        timer.cancel()
        held.close()
    refused = count_421(srv) - before
    h.check_document(t, doc, 1)
    tg = target_of(t, doc, srv.port)
    st = tg.get("starttls") or {}
    b = st.get("busy_replies")
    t.check("postfix-busy-release: busy_replies > 0", isinstance(b, int) and b > 0,
            "got %s" % h._fmt(b))
    t.eq("postfix-busy-release: busy_replies == 421s in Postfix's log", refused, b)
    check_busy_honest(t, tg, "postfix-busy-release", exp12, PF_TLS13)
    if tg.get("incomplete") is False and tg.get("status") == "ok":
        print("  NOTE  postfix-busy-release: the scan completed after %s busy replies" % b)
        banner = st.get("banner") or ""
        if not banner.startswith("220 "):
            print("  NOTE  postfix-busy-release: starttls.banner is %r, not the 220 greeting "
                  "the completed dialogues got (not asserted: the contract says \"the "
                  "greeting\")" % banner)
        t.eq("postfix-busy-release: incomplete_reason", None, tg.get("incomplete_reason"))
        t.eq("postfix-busy-release: starttls.offered", True, st.get("offered"))
        check_suites(t, tg, exp12, PF_TLS13, "postfix-busy-release")
    else:
        print("  NOTE  postfix-busy-release: not complete (status %s, incomplete %s)" % (
            tg.get("status"), tg.get("incomplete")))
        r = tg.get("incomplete_reason") if tg.get("status") == "ok" else tg.get("error")
        t.check("postfix-busy-release: incomplete/error with a reason",
                isinstance(r, str) and r != "", "got %s" % h._fmt(r))
    t.check("postfix-busy-release: finished within %.0f s (took %.1f s, %d refusals)" % (
        RELEASE_BOUND, took, refused), took <= RELEASE_BOUND)


def case_dovecot(t, ctx):
    leaf = get_leaf(ctx)
    ip, pp, sp = h.free_port(), h.free_port(), h.free_port()
    srv = ms.start_dovecot(ip, pp, sp, cert=leaf.cert, key=leaf.key,
                           ssl_min_protocol="TLSv1.2", ssl_cipher_list=DC_TLS12,
                           ssl_cipher_suites=":".join(DC_TLS13),
                           ssl_curve_list="X25519:secp384r1")
    v12 = iana(DC_TLS12, "-tls1_2")
    banners = {}
    for proto, port in (("imap", ip), ("pop3", pp), ("sieve", sp)):
        s, info = ms.starttls_open(proto, port, send_starttls=False)
        s.close()
        if not info["offered"]:
            raise h.SetupError("Dovecot %s does not offer STARTTLS: %r" % (proto, info))
        banners[proto] = info["banner"]
    if srv.greeting not in banners["imap"] or srv.greeting not in banners["pop3"]:
        raise h.SetupError("Dovecot greetings lack login_greeting: %r" % banners)
    impl = banners["sieve"]
    bad = verify_tls("imap", ip, v12, DC_TLS13, DC_CURVES, server_order=True)
    for proto, port in (("pop3", pp), ("sieve", sp)):
        bad += verify_tls(proto, port, v12, DC_TLS13, DC_CURVES, server_order=True, full=False)
        bad += verify_handshake(proto, port, leaf, ["-tls1_2"])
    bad += verify_handshake("imap", ip, leaf, ["-tls1_3"])
    if bad:
        raise h.SetupError("Dovecot setup verification failed:\n" + "\n".join(bad) + "\n" +
                           srv.log()[-3000:])
    t.check("dovecot: setup verified (imap/pop3/sieve: suites, versions; imap: groups, "
            "orders; s_client)", True)
    doc, took = timed_scan(["127.0.0.1:%d/imap" % ip, "127.0.0.1:%d/pop3" % pp,
                            "127.0.0.1:%d/sieve" % sp], 200)
    h.check_document(t, doc, 3)
    for proto, port, has in (("imap", ip, srv.greeting), ("pop3", pp, srv.greeting),
                             ("sieve", sp, impl)):
        tg = h.check_target(t, doc, "127.0.0.1", port, n_targets=3)
        label = "dovecot-" + proto
        check_starttls(t, tg, proto, True, banner_has=has, busy=0, label=label)
        t.eq("%s: incomplete" % label, False, tg.get("incomplete"))
        check_suites(t, tg, v12, DC_TLS13, label)
        t.list_eq("%s: groups (server order)" % label, DC_CURVES, tg.get("groups"))
        fp.check_groups_by_version(t, tg, {v: {"groups": DC_CURVES, "server_order": True}
                                           for v in ("TLSv1.2", "TLSv1.3")}, label)
        check_cert(t, tg, leaf, label)
    print("  INFO  dovecot scan (3 targets): %.1f s" % took)


def case_closed(t, ctx):
    port = h.free_port()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        raise h.SetupError("port %d is not closed" % port)
    except ConnectionRefusedError:
        pass
    t.check("closed: setup verified (connection refused on %d)" % port, True)
    doc, took = timed_scan(["127.0.0.1:%d/smtp" % port], 60)
    h.check_document(t, doc, 1)
    tg = target_of(t, doc, port)
    t.eq("closed: status", "error", tg.get("status"))
    err = tg.get("error")
    t.check("closed: error says cannot connect",
            isinstance(err, str) and "cannot connect" in err.lower(), "got %s" % h._fmt(err))
    t.eq("closed: service", "smtp", tg.get("service"))
    st = tg.get("starttls") or {}
    t.eq("closed: starttls.offered (never asked)", None, st.get("offered"))
    t.eq("closed: starttls.banner", None, st.get("banner"))
    t.check("closed: finished within 10 s (took %.1f s)" % took, took < 10)


def case_postgres(t, ctx):
    leaf = get_leaf(ctx)
    srv = ms.start_postgres(cert=leaf.cert, key=leaf.key, ssl_min_protocol_version="TLSv1.2",
                            ssl_max_protocol_version="TLSv1.2", ssl_ciphers=PG_TLS12,
                            ecdh_curve=PG_CURVE)
    v12 = iana(PG_TLS12, "-tls1_2")
    bad = verify_tls("postgres", srv.port, v12, [], [PG_CURVE], server_order=True)
    r = ms.st_probe("postgres", srv.port, "TLSv1.2", ids_of(["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]),
                    HELLO_GROUPS)
    if r.get("dh_p") != h.modp_prime(2048):
        bad.append("DHE prime is not RFC 3526 group 14: %r bits" % r.get("dh_bits"))
    bad += verify_handshake("postgres", srv.port, leaf, ["-tls1_2"])
    if bad:
        raise h.SetupError("PostgreSQL setup verification failed:\n" + "\n".join(bad) + "\n" +
                           srv.log()[-3000:])
    t.check("postgres: setup verified (suites, order, group, DH prime, versions, s_client)",
            True)
    doc, took = timed_scan(["127.0.0.1:%d/postgres" % srv.port], 120)
    tg = h.check_target(t, doc, "127.0.0.1", srv.port)
    check_starttls(t, tg, "postgres", True, banner_has=None, busy=0, label="postgres")
    t.eq("postgres: incomplete", False, tg.get("incomplete"))
    check_suites(t, tg, v12, [], "postgres")
    t.list_eq("postgres: groups", [PG_CURVE], tg.get("groups"))
    fp.check_groups_by_version(t, tg, {"TLSv1.2": {"groups": [PG_CURVE], "server_order": None}},
                               "postgres")
    t.eq("postgres: dh", {"bits": 2048, "group": "rfc3526-2048"}, tg.get("dh"))
    check_cert(t, tg, leaf, "postgres")
    print("  INFO  postgres scan: %.1f s" % took)


def case_ftp(t, ctx):
    leaf = get_leaf(ctx)
    srv = ms.start_vsftpd(cert=leaf.cert, key=leaf.key, ssl_ciphers=FTP_TLS12)
    v12 = iana(FTP_TLS12, "-tls1_2")
    # vsftpd 3.0.3 sets no TLS 1.3 suites: OpenSSL's default list, as the
    # openssl CLI (same library, same /etc/ssl/openssl.cnf) reports it
    v13 = [c["iana"] for c in h.openssl_ciphers("DEFAULT", "-tls1_3", True)
           if c["since"] == "TLSv1.3"]
    s, info = ms.starttls_open("ftp", srv.port)
    s.close()
    if info["banner"] != "220 " + srv.banner or not info["offered"]:
        raise h.SetupError("vsftpd greeting / AUTH TLS not as configured: %r" % info)
    bad = verify_tls("ftp", srv.port, v12, v13, FTP_CURVES, server_order=False)
    bad += verify_handshake("ftp", srv.port, leaf, ["-tls1_2"])
    if bad:
        raise h.SetupError("vsftpd setup verification failed:\n" + "\n".join(bad) + "\n" +
                           srv.log()[-3000:])
    t.check("ftp: setup verified (suites, client order, groups, versions, s_client)", True)
    doc, took = timed_scan(["127.0.0.1:%d/ftp" % srv.port], 120)
    tg = h.check_target(t, doc, "127.0.0.1", srv.port)
    check_starttls(t, tg, "ftp", True, banner_has=srv.banner, busy=0, label="ftp")
    t.eq("ftp: incomplete", False, tg.get("incomplete"))
    check_suites(t, tg, v12, v13, "ftp", ordered=False)
    t.set_eq("ftp: groups", FTP_CURVES, tg.get("groups"))
    fp.check_groups_by_version(t, tg, {v: {"groups": FTP_CURVES, "server_order": None}
                                       for v in ("TLSv1.2", "TLSv1.3")}, "ftp")
    check_cert(t, tg, leaf, "ftp")
    print("  INFO  ftp scan: %.1f s" % took)


def main(t):
    ctx = {}
    case(t, "1 postfix with STARTTLS", lambda: case_postfix_ok(t, ctx))
    case(t, "2 postfix without STARTTLS", lambda: case_postfix_none(t, ctx))
    case(t, "5 closed port", lambda: case_closed(t, ctx))
    case(t, "4+6 dovecot imap, pop3, sieve", lambda: case_dovecot(t, ctx))
    case(t, "postgres", lambda: case_postgres(t, ctx))
    case(t, "7 vsftpd ftp", lambda: case_ftp(t, ctx))
    case(t, "3b busy postfix, session released", lambda: case_postfix_busy_release(t, ctx))
    case(t, "3a busy postfix, session held", lambda: case_postfix_busy_held(t, ctx))
    print("  NOTE  NOT CHECKED: signature_schemes, features; not tested live: XMPP, "
          "LDAP, MySQL, NNTP, LMTP (no server started)")


if __name__ == "__main__":
    h.run_test(main)
