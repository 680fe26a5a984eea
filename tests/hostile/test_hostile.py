#!/usr/bin/env python3
"""Hostile servers and bad input: tlsaudit must never crash, never hang, never lie.

For every scenario of hostile_server.py this test starts that server on
127.0.0.1, and runs

    tlsaudit scan --format json --timeout 2000 --connect-timeout 2000 HOSTILE GOOD

where GOOD is a real `openssl s_server` on another loopback port.  It asserts
  * the scanner exits by itself, with 0 or 1 (never a signal, never a
    sanitizer report), within the scenario's time bound;
  * the JSON parses and has both targets;
  * the hostile target has the honest result of the table EXPECT below;
  * the good target's result is the same as when it is scanned alone (one
    bad target must not cost the others);
  * the scanner's peak RSS (os.wait4 rusage) stays under RSS_LIMIT_MB.
Then it runs `--format text` against `garbage` and `http` and asserts that no
control character other than \\n and \\t reaches the output.

Environment
  TLSAUDIT           the scanner binary (required; CMake sets it)
  HOSTILE_SCENARIOS  comma-separated subset to run (default: all)
  TLSAUDIT_KEEP_TMP  keep the work directory (outputs, traces, server logs)

Only 127.0.0.1 is used.  Every process this test starts is stopped by its PID.
A test that cannot run FAILS (exit 1); it never skips.
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "hostile_server.py")

# ---------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------

TIMEOUT_MS = 2000          # --timeout: read timeout per connection
CONNECT_TIMEOUT_MS = 2000  # --connect-timeout
RETRIES = 1                # tlsaudit's default --retries
DEAD_STREAK = 3            # docs/probing.md: given up after three timeouts / garbage

# A target that never answers like TLS is given up after DEAD_STREAK
# failed exchanges; each costs at most (retries + 1) x (connect + read
# timeout).  Even one after the other: 3 x 2 x 4 s = 24 s; + 6 s slack.
DEAD_BOUND_S = DEAD_STREAK * (RETRIES + 1) * (TIMEOUT_MS + CONNECT_TIMEOUT_MS) / 1000.0 + 6
# Any scenario: no hostile answer may hold a scan longer than this.
HARD_BOUND_S = 60.0
# The process is killed (and the scenario fails as hung) after this.
KILL_AFTER_S = HARD_BOUND_S + 30.0
RSS_LIMIT_MB = 200.0

ALL_VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
# hostile_server.py's small TLS 1.2 server (MODEL12) accepts exactly these,
# signs with these, and uses these curves.
MODEL12_SUITES = {"0xC02F", "0xC030", "0x009C"}
MODEL12_GROUPS = {"x25519", "secp256r1"}
MODEL13_SUITES = {"0x1301", "0x1302", "0x1303"}
SSL2_KINDS = {"0x010080", "0x0700C0"}

# ---------------------------------------------------------------------------
# per-scenario expectations: the honest result for the hostile target
#
#   bound        seconds the whole scan may take
#   status       "ok" / "error" / None (either, but see the other keys)
#   error_re     the error must match (when the status is error)
#   error_not_re the error must not match: things that would be untrue
#   odd_re       the notes or the error must say what was odd (regex)
#   note_not_re  no note may claim this (untrue for this server)
#   offered      {version: set of suite ids}: offered with exactly these
#   may_offer    {version: set of suite ids}: may be offered, with a subset
#                (every version in neither dict must be "offered": false)
#   groups       the groups reported, exactly (a set)
#   forbid       suite ids / group names that must appear nowhere
# ---------------------------------------------------------------------------

NOTHING = {}   # nothing may be offered

EXPECT = {
    # never answers: the documented "no answer" error, fast
    "silence": dict(bound=DEAD_BOUND_S, status="error",
                    error_re=r"^no answer within the timeout$", offered=NOTHING),
    # one byte a second never completes a ServerHello within a read timeout
    "trickle": dict(bound=DEAD_BOUND_S, status="error", error_re=r"timeout",
                    offered=NOTHING),
    # a record over 2^14+2048 bytes is garbage (docs/probing.md)
    "huge_record": dict(bound=DEAD_BOUND_S, status="error", error_re=r"TLS",
                        offered=NOTHING),
    # a ServerHello that declares 65520 bytes, sends ~270, then ends the
    # stream: no protocol; the server did answer (a truncated message), so
    # "without answering", a refusal or a timeout would be untrue
    "hs_overflow": dict(bound=HARD_BOUND_S, status="error", error_re=r".",
                        error_not_re=r"without answering|refused|timeout",
                        offered=NOTHING),
    # a 16 MiB Certificate is skipped, not stored: TLS 1.2 with exactly the
    # server's suites, and the curves from the ServerKeyExchange that follows
    # the Certificate prove it was read through
    # (its read timeout is longer: a scripted server pushing 16 MiB per
    # connection on a loaded machine, under ASan, can take more than 2 s, and
    # the point here is bounded memory and reading through, not speed)
    "cert_16mib": dict(bound=HARD_BOUND_S, status="ok", timeout_ms=15000,
                       offered={"TLSv1.2": MODEL12_SUITES}, groups=MODEL12_GROUPS),
    # fragmentation into 1-byte records is legal TLS: same result as above
    "tiny_records": dict(bound=HARD_BOUND_S, status="ok",
                         offered={"TLSv1.2": MODEL12_SUITES}, groups=MODEL12_GROUPS),
    # record type 99 is not TLS
    "unknown_type": dict(bound=DEAD_BOUND_S, status="error", error_re=r"TLS",
                         offered=NOTHING),
    # SSLv2 SERVER-HELLO to everything: SSLv2 with exactly the kinds listed,
    # no TLS version; the server never closed a connection without answering
    "sslv2_reply": dict(bound=HARD_BOUND_S, status="ok",
                        offered={"SSLv2": SSL2_KINDS},
                        note_not_re=r"closes the connection"),
    # HelloRetryRequest forever: TLS 1.3 can never complete.  Only TLS 1.3
    # may be reported, and then with a note that says so
    "hrr_loop": dict(bound=HARD_BOUND_S, status=None,
                     may_offer={"TLSv1.3": MODEL13_SUITES},
                     odd_re=r"(?i)HelloRetryRequest|hello retry|retr"),
    # TLS 1.3 hellos get key_share group 0x1234, TLS 1.2 hellos suite 0xFEFE,
    # older hellos version 0x0305: none of it may be reported, and a note
    # must say the server chose what was not offered
    "unoffered": dict(bound=HARD_BOUND_S, status=None,
                      may_offer={"TLSv1.3": MODEL13_SUITES},
                      forbid={"0xFEFE", "UNKNOWN_0xFEFE", "UNKNOWN_0x1234"},
                      odd_re=r"(?i)not offered|never offered|unoffered"),
    # suite 0xFEFE to every hello (HRR for TLS 1.3): nothing is offered; the
    # server never refused anything, it chose a suite never offered
    "unoffered_suite": dict(bound=HARD_BOUND_S, status="error", offered=NOTHING,
                            forbid={"0xFEFE", "UNKNOWN_0xFEFE"},
                            error_not_re=r"refused|without answering",
                            odd_re=r"(?i)not offered|never offered|unoffered"),
    # version 0x0305 to every hello: the same
    "unoffered_version": dict(bound=HARD_BOUND_S, status="error", offered=NOTHING,
                              error_not_re=r"refused|without answering",
                              odd_re=r"(?i)not offered|never offered|unoffered|0x0305"),
    # TLS 1.3 key_share and TLS 1.2 ServerKeyExchange name group 0x1234: the
    # suites are real; the group must not be reported, and a note says why
    "unoffered_group": dict(bound=HARD_BOUND_S, status="ok",
                            offered={"TLSv1.2": MODEL12_SUITES},
                            may_offer={"TLSv1.3": MODEL13_SUITES},
                            forbid={"UNKNOWN_0x1234"},
                            odd_re=r"(?i)not offered|never offered|unoffered"),
    # renegotiation_info twice in every ServerHello (RFC 5246 7.4.1.4: MUST
    # NOT): the suites are what the server chose, but it must be said
    "dup_ext": dict(bound=HARD_BOUND_S, status=None,
                    may_offer={"TLSv1.2": MODEL12_SUITES},
                    odd_re=r"(?i)duplicate|twice|more than once|repeated|same extension"),
    # 5000 *warning* alerts, then a TLS 1.2 answer: whatever is concluded,
    # the server did not refuse; the alerts must be mentioned
    "alert_storm": dict(bound=HARD_BOUND_S, status=None,
                        may_offer={"TLSv1.2": MODEL12_SUITES},
                        error_not_re=r"refused",
                        odd_re=r"(?i)alert"),
    # half a ServerHello, then RST / FIN: no protocol; the server did send
    # bytes, so "without answering" is untrue; nothing timed out
    "reset_mid": dict(bound=HARD_BOUND_S, status="error", error_re=r"(?i)clos|reset",
                      error_not_re=r"without answering|refused|timeout",
                      offered=NOTHING),
    "half_close": dict(bound=HARD_BOUND_S, status="error", error_re=r"(?i)clos",
                       error_not_re=r"without answering|refused|timeout",
                       offered=NOTHING),
    # not TLS at all
    "garbage": dict(bound=DEAD_BOUND_S, status="error", error_re=r"TLS", offered=NOTHING),
    "http": dict(bound=DEAD_BOUND_S, status="error", error_re=r"TLS", offered=NOTHING),
    # SMTP (scanned as HOST:PORT/smtp): a server that never greets is dead,
    # and the error says which wait it was
    "smtp_silent": dict(bound=DEAD_BOUND_S, status="error", proto="smtp",
                        error_re=r"no SMTP greeting within the timeout", offered=NOTHING),
    # STARTTLS advertised, then refused: an error naming the refusal, not
    # "not offered" and not a TLS verdict
    "smtp_lie": dict(bound=DEAD_BOUND_S, status="error", proto="smtp",
                     error_re=r"SMTP: STARTTLS refused.*502", offered=NOTHING),
    # 220 to STARTTLS, then plain text: not a TLS server; no raw byte of the
    # text (it carries a terminal escape) may reach the report
    "smtp_fake_tls": dict(bound=DEAD_BOUND_S, status="error", proto="smtp",
                          error_re=r"TLS", offered=NOTHING),
    # 421 to every connection: the scanner backs off (1+2+4+8 s) and then
    # says the server kept refusing; it must not call that "no STARTTLS"
    "smtp_busy": dict(bound=HARD_BOUND_S, status="error", proto="smtp",
                      error_re=r"kept refusing connections.*421",
                      error_not_re=r"does not list|not offer", offered=NOTHING),
}

# scenarios also run with --format text: no raw server byte may reach it
TEXT_SCENARIOS = ["garbage", "http", "smtp_fake_tls"]

SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer|ThreadSanitizer)"
    r"|runtime error:|SUMMARY: \w+Sanitizer")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


class SetupError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


WORK = tempfile.mkdtemp(prefix="tlsaudit-hostile-")
STARTED = []   # Popen objects we must stop


def stop(proc, grace=5.0):
    """Stop a process we started, by its PID."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(grace)
    for f in (proc.stdin, proc.stdout):
        if f:
            try:
                f.close()
            except OSError:
                pass
    if proc in STARTED:
        STARTED.remove(proc)


def stop_all():
    for p in list(STARTED):
        stop(p)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError("server exited (rc=%s) before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SetupError("nothing listens on 127.0.0.1:%d after %.0f s" % (port, timeout))


def tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]
    except OSError:
        return "<none>"


def start_good_server():
    openssl = shutil.which("openssl")
    if not openssl:
        raise SetupError("openssl not found (needed for the good target)")
    key, cert = os.path.join(WORK, "good.key"), os.path.join(WORK, "good.crt")
    cp = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    if cp.returncode != 0:
        raise SetupError("openssl req failed: %s" % cp.stdout.decode(errors="replace"))
    port = free_port()
    logf = open(os.path.join(WORK, "good-server.log"), "wb")
    proc = subprocess.Popen([openssl, "s_server", "-accept", "127.0.0.1:%d" % port,
                             "-cert", cert, "-key", key, "-quiet"],
                            stdin=subprocess.PIPE, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)
    logf.close()
    STARTED.append(proc)
    wait_port(port, proc)
    log("good target: openssl s_server pid %d on 127.0.0.1:%d" % (proc.pid, port))
    return proc, port


def start_hostile(scenario):
    logpath = os.path.join(WORK, "server-%s.log" % scenario)
    logf = open(logpath, "wb")
    proc = subprocess.Popen([sys.executable, SERVER, scenario, "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=logf,
                            start_new_session=True)
    logf.close()
    STARTED.append(proc)
    line = b""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            b = os.read(proc.stdout.fileno(), 64)
            if not b:
                break
            line += b
    m = re.match(rb"PORT (\d+)\n", line)
    if not m:
        stop(proc)
        raise SetupError("hostile_server.py %s did not report its port (got %r); log:\n%s"
                         % (scenario, line, tail(logpath)))
    return proc, int(m.group(1)), logpath


def scanner_env(trace=True):
    env = dict(os.environ)
    if trace:
        env["TLSAUDIT_TRACE"] = "1"
    else:
        env.pop("TLSAUDIT_TRACE", None)
    env.pop("NO_COLOR", None)
    # sanitizer builds: distinct exit codes, full reports; a user's own
    # settings win
    env.setdefault("ASAN_OPTIONS", "exitcode=86:detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=87")
    return env


def run_scanner(tlsaudit, args, tag, trace=True):
    """Run tlsaudit; returns dict(rc, signal, seconds, rss_mb, out, err, hung)."""
    outp = os.path.join(WORK, tag + ".out")
    errp = os.path.join(WORK, tag + ".err")
    with open(outp, "wb") as fo, open(errp, "wb") as fe:
        t0 = time.monotonic()
        proc = subprocess.Popen([tlsaudit] + args, stdin=subprocess.DEVNULL, stdout=fo,
                                stderr=fe, env=scanner_env(trace))
    hung = False
    hwm_kb = 0
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        hwm_kb = max(hwm_kb, vm_hwm_kb(proc.pid))
        if time.monotonic() - t0 > KILL_AFTER_S:
            hung = True
            os.kill(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    secs = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    with open(outp, "rb") as f:
        out = f.read()
    with open(errp, "rb") as f:
        err = f.read()
    return dict(rc=proc.returncode, seconds=secs, rss_mb=ru.ru_maxrss / 1024.0,
                hwm_mb=hwm_kb / 1024.0, out=out, err=err, hung=hung, outp=outp, errp=errp)


def vm_hwm_kb(pid):
    """The process's own peak RSS so far (VmHWM), 0 when unreadable."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def target_of(report, port):
    for t in report.get("targets", []):
        if t.get("port") == port:
            return t
    return None


def offered_map(t):
    """{version: set of suite ids} of the offered versions."""
    out = {}
    for v in ALL_VERSIONS:
        p = t.get("protocols", {}).get(v, {})
        if p.get("offered"):
            out[v] = {d.get("id") for d in p.get("cipher_suite_details", [])}
    return out


def good_fingerprint(t):
    return dict(status=t.get("status"), offered=offered_map(t),
                groups=sorted(t.get("groups") or []))


def all_strings(t):
    """Every suite name/id and group name in a target."""
    s = set(t.get("groups") or [])
    for p in (t.get("protocols") or {}).values():
        s.update(p.get("cipher_suites") or [])
        s.update(d.get("id") for d in p.get("cipher_suite_details") or [])
    return s


def check_hostile(name, exp, t):
    """Problems with the hostile target's result (list of strings)."""
    bad = []
    status, error = t.get("status"), t.get("error")
    notes = t.get("notes") or []
    if exp.get("status") and status != exp["status"]:
        bad.append("status is %r, expected %r" % (status, exp["status"]))
    if status == "error" and not error:
        bad.append("status error with an empty error")
    if status == "ok" and error:
        bad.append("status ok with an error %r" % error)
    if status == "error" and exp.get("error_re") and not re.search(exp["error_re"], error or ""):
        bad.append("error %r does not match /%s/" % (error, exp["error_re"]))
    if exp.get("error_not_re") and error and re.search(exp["error_not_re"], error):
        bad.append("error %r is untrue here (matches /%s/)" % (error, exp["error_not_re"]))
    if exp.get("odd_re"):
        said = notes + ([error] if error else [])
        if not any(re.search(exp["odd_re"], s) for s in said):
            bad.append("nothing in the notes or the error says what was odd (/%s/); notes: %r"
                       % (exp["odd_re"], notes))
    if exp.get("note_not_re"):
        for n in notes:
            if re.search(exp["note_not_re"], n):
                bad.append("untrue note: %r" % n)
    for s in notes + ([error] if error else []):
        if CONTROL_RE.search(s):
            bad.append("control character in %r" % s)
    if "offered" in exp or "may_offer" in exp:
        must = exp.get("offered", {})
        may = exp.get("may_offer", {})
        got = offered_map(t)
        for v in ALL_VERSIONS:
            if v in must:
                if v not in got:
                    bad.append("%s not offered; expected suites %s" % (v, sorted(must[v])))
                elif got[v] != must[v]:
                    bad.append("%s suites %s, expected exactly %s"
                               % (v, sorted(got[v]), sorted(must[v])))
            elif v in may:
                if v in got and not got[v] <= may[v]:
                    bad.append("%s suites %s include some the server never accepts (%s)"
                               % (v, sorted(got[v]), sorted(got[v] - may[v])))
            elif v in got:
                bad.append("%s reported offered (%s) but this server never negotiates it"
                           % (v, sorted(got[v])))
    if "groups" in exp:
        got = set(t.get("groups") or [])
        if got != exp["groups"]:
            bad.append("groups %s, expected %s" % (sorted(got), sorted(exp["groups"])))
    if exp.get("forbid"):
        seen = all_strings(t) & exp["forbid"]
        if seen:
            bad.append("reports %s, which was never offered" % sorted(seen))
    return bad


def check_process(res, bound):
    bad = []
    if res["hung"]:
        bad.append("HUNG: killed after %.0f s" % res["seconds"])
    elif res["rc"] < 0:
        bad.append("killed by signal %d" % -res["rc"])
    elif res["rc"] not in (0, 1):
        bad.append("exit code %d (expected 0 or 1)" % res["rc"])
    m = SANITIZER_RE.search(res["err"].decode(errors="replace"))
    if m:
        bad.append("sanitizer report: %s" % m.group(0))
    if res["seconds"] > bound:
        bad.append("took %.1f s, bound %.0f s" % (res["seconds"], bound))
    if res["rss_mb"] >= RSS_LIMIT_MB:
        bad.append("peak RSS (wait4 ru_maxrss) %.1f MB >= %.0f MB"
                   % (res["rss_mb"], RSS_LIMIT_MB))
    if res["hwm_mb"] >= RSS_LIMIT_MB:
        bad.append("peak RSS (VmHWM) %.1f MB >= %.0f MB" % (res["hwm_mb"], RSS_LIMIT_MB))
    return bad


def trace_lines(res, port, n=25):
    lines = [l for l in res["err"].decode(errors="replace").splitlines()
             if ":%d " % port in l]
    return lines[:n] + (["... (%d more)" % (len(lines) - n)] if len(lines) > n else [])


def sanitizer_excerpt(res, n=60):
    text = res["err"].decode(errors="replace")
    m = SANITIZER_RE.search(text)
    if not m:
        return ""
    start = text.rfind("\n", 0, max(0, m.start() - 200)) + 1
    return "\n".join(text[start:].splitlines()[:n])


# ---------------------------------------------------------------------------
# the test
# ---------------------------------------------------------------------------

def target_spec(name, port):
    """The hostile target as given on the command line (with /proto for
    the scenarios that speak a STARTTLS protocol)."""
    proto = EXPECT[name].get("proto")
    return "127.0.0.1:%d" % port + ("/" + proto if proto else "")


def scan_args(fmt, *targets, timeout_ms=TIMEOUT_MS):
    return ["scan", "--format", fmt, "--timeout", str(timeout_ms),
            "--connect-timeout", str(CONNECT_TIMEOUT_MS)] + list(targets)


def main():
    tlsaudit = os.environ.get("TLSAUDIT")
    if not tlsaudit:
        raise SetupError("TLSAUDIT is not set (path of the tlsaudit binary)")
    if not (os.path.isfile(tlsaudit) and os.access(tlsaudit, os.X_OK)):
        raise SetupError("TLSAUDIT=%s is not an executable file" % tlsaudit)
    if not os.path.isfile(SERVER):
        raise SetupError("missing %s" % SERVER)
    names = list(EXPECT)
    if os.environ.get("HOSTILE_SCENARIOS"):
        names = [s.strip() for s in os.environ["HOSTILE_SCENARIOS"].split(",") if s.strip()]
        unknown = [s for s in names if s not in EXPECT]
        if unknown:
            raise SetupError("unknown scenarios: %s" % ", ".join(unknown))
    log("tlsaudit: %s" % tlsaudit)
    log("work dir: %s" % WORK)
    log("bounds: dead target %.0f s, any scenario %.0f s, RSS < %.0f MB"
        % (DEAD_BOUND_S, HARD_BOUND_S, RSS_LIMIT_MB))

    floor = run_scanner(tlsaudit, ["--version"], "version")
    if floor["rc"] != 0 or not floor["out"].startswith(b"tlsaudit"):
        raise SetupError("`%s --version` failed (rc=%s): %r %r"
                         % (tlsaudit, floor["rc"], floor["out"][:200], floor["err"][:500]))
    log("scanner: %s" % floor["out"].decode(errors="replace").strip())

    good_proc, good_port = start_good_server()
    good = "127.0.0.1:%d" % good_port

    # the good target alone: the reference for "one bad target costs nothing"
    base = run_scanner(tlsaudit, scan_args("json", good), "baseline")
    bad = check_process(base, HARD_BOUND_S)
    try:
        ref = target_of(json.loads(base["out"]), good_port)
    except ValueError as e:
        raise SetupError("baseline scan of the good target: JSON does not parse: %s" % e)
    if bad or not ref or ref.get("status") != "ok" or not (
            set(offered_map(ref)) & {"TLSv1.2", "TLSv1.3"}):
        raise SetupError("baseline scan of the good target failed: %s\n%s\n%s" % (
            bad, base["out"][:2000].decode(errors="replace"), tail(base["errp"], 2000)))
    ref_fp = good_fingerprint(ref)
    log("good target alone: %s in %.2f s, offered %s"
        % (ref["status"], base["seconds"],
           {v: len(s) for v, s in ref_fp["offered"].items()}))

    failures = {}
    rows = []
    log("")
    log("RSS MB: wait4() ru_maxrss of the scanner; Linux folds in the high-water RSS of the")
    log("        forking Python process at exec (%.1f MB for `tlsaudit --version`), so it is an"
        % floor["rss_mb"])
    log("        upper bound.  HWM MB: the scanner's own VmHWM, sampled every 20 ms.")
    log("%-18s %4s %7s %7s %7s  %s" % ("scenario", "exit", "seconds", "RSS MB", "HWM MB",
                                      "hostile target"))
    for name in names:
        exp = EXPECT[name]
        problems = []
        if good_proc.poll() is not None:
            raise SetupError("the good openssl s_server died (rc=%s):\n%s"
                             % (good_proc.returncode,
                                tail(os.path.join(WORK, "good-server.log"))))
        srv, port, srvlog = start_hostile(name)
        try:
            res = run_scanner(tlsaudit, scan_args("json", target_spec(name, port), good,
                                                  timeout_ms=exp.get("timeout_ms", TIMEOUT_MS)),
                              "scan-" + name)
        finally:
            stop(srv)
        problems += check_process(res, exp["bound"])
        hostile = None
        try:
            report = json.loads(res["out"])
        except ValueError as e:
            problems.append("JSON does not parse: %s; output starts %r" % (e, res["out"][:200]))
            report = None
        if report is not None:
            if len(report.get("targets", [])) != 2:
                problems.append("%d targets in the report, expected 2"
                                % len(report.get("targets", [])))
            hostile = target_of(report, port)
            g = target_of(report, good_port)
            if hostile is None:
                problems.append("no result for the hostile target")
            else:
                problems += ["hostile: " + p for p in check_hostile(name, exp, hostile)]
            if g is None:
                problems.append("no result for the good target")
            else:
                fp = good_fingerprint(g)
                if fp != ref_fp:
                    problems.append("good target differs from its scan alone: %s vs %s"
                                    % (fp, ref_fp))
            want_rc = 0 if all(t.get("status") == "ok" for t in report.get("targets", [])) else 1
            if res["rc"] in (0, 1) and res["rc"] != want_rc:
                problems.append("exit code %d but the report says %d" % (res["rc"], want_rc))
        what = "(no JSON report)" if report is None else "(no result)"
        if hostile is not None:
            what = hostile.get("status", "?")
            if hostile.get("error"):
                what += ": " + hostile["error"]
            else:
                what += ": offered %s" % ",".join(sorted(offered_map(hostile))) \
                    if offered_map(hostile) else ""
        rc_txt = "HUNG" if res["hung"] else str(res["rc"])
        line = "%-18s %4s %7.2f %7.1f %7.1f  %s" % (name, rc_txt, res["seconds"], res["rss_mb"],
                                                    res["hwm_mb"], what)
        rows.append(line)
        log(line + ("" if not problems else "   <-- FAIL"))
        if problems:
            detail = ["  - " + p for p in problems]
            if hostile is not None:
                detail.append("  hostile target: notes=%r connections=%s"
                              % (hostile.get("notes"), hostile.get("connections")))
            detail.append("  trace (hostile target):")
            detail += ["    " + l for l in trace_lines(res, port)]
            sx = sanitizer_excerpt(res)
            if sx:
                detail.append("  sanitizer:")
                detail += ["    " + l for l in sx.splitlines()]
            detail.append("  server log tail:")
            detail += ["    " + l for l in tail(srvlog, 1200).splitlines()[-8:]]
            failures[name] = detail
            for d in detail:
                log(d)

    # --format text: no raw server bytes may reach people's terminals
    for name in [n for n in TEXT_SCENARIOS if n in names]:
        srv, port, srvlog = start_hostile(name)
        try:
            res = run_scanner(tlsaudit, scan_args("text", target_spec(name, port), good)
                              + ["--no-color"], "text-" + name, trace=False)
        finally:
            stop(srv)
        problems = check_process(res, EXPECT[name]["bound"])
        for stream, data in (("stdout", res["out"]), ("stderr", res["err"])):
            text = data.decode("utf-8", errors="replace")
            for m in CONTROL_RE.finditer(text):
                a = max(0, m.start() - 40)
                problems.append("control character %r in %s: ...%r..."
                                % (m.group(0), stream, text[a:m.end() + 20]))
                break
            if "\ufffd" in text:
                problems.append("bytes that are not UTF-8 in %s" % stream)
        if b"127.0.0.1:%d" % port not in res["out"]:
            problems.append("the hostile target is missing from the text report")
        tag = "text/" + name
        line = "%-18s %4s %7.2f %7.1f %7.1f  %s" % (tag, res["rc"], res["seconds"], res["rss_mb"],
                                                    res["hwm_mb"],
                                                    "no control characters" if not problems
                                                    else "control characters!")
        rows.append(line)
        log(line + ("" if not problems else "   <-- FAIL"))
        if problems:
            failures[tag] = ["  - " + p for p in problems]
            for d in failures[tag]:
                log(d)

    log("")
    log("summary")
    for r in rows:
        log("  " + r)
    if failures:
        log("")
        log("FAILED: %d of %d: %s" % (len(failures), len(rows), ", ".join(failures)))
        for name, detail in failures.items():
            log("[%s]" % name)
            for d in detail:
                log(d)
        return 1
    log("all %d passed" % len(rows))
    return 0


if __name__ == "__main__":
    rc = 1
    try:
        rc = main()
    except SetupError as e:
        log("SETUP FAILED (this test fails, it does not skip): %s" % e)
        rc = 1
    except Exception:
        traceback.print_exc()
        rc = 1
    finally:
        stop_all()
        if os.environ.get("TLSAUDIT_KEEP_TMP"):
            log("kept %s" % WORK)
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(rc)
