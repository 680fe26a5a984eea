#!/usr/bin/env python3
"""The command line as a user meets it: JSON that validates against the
published schema, IPv4 and IPv6 targets, exit codes, bad input, colour.

Servers: two `openssl s_server` (127.0.0.1 and [::1]); a closed loopback
port; a scan of an unresolvable name runs inside a network namespace this
test creates, so its DNS query cannot leave the machine.

Asserted:
  * the JSON of a two-target scan (IPv4 + IPv6) validates against
    docs/schema/scan.schema.json and both targets are "ok" with TLS 1.3
  * ok target + closed port: exit 1, the ok target's results are kept, the
    closed one is status "error" with "cannot connect"
  * a bad option, a bad port and a missing target each exit 2 with one
    line on stderr naming the problem
  * a target file with a bad line: "FILE:LINE:" on stderr, the good lines
    are still scanned, exit 1
  * an unresolvable name is a target with status "error", not a crash
  * text output has no escape sequences unless --color is given
"""

import json
import os
import subprocess

import harness as h

SCHEMA = os.path.join(h.HERE, "..", "..", "docs", "schema", "scan.schema.json")


def tlsaudit(args, netns=None):
    argv = [h.tlsaudit_path()] + list(args)
    if netns is not None:
        argv = netns.cmd(argv)
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=120, stdin=subprocess.DEVNULL)
    return cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")


def start_v6_server():
    c = h.make_certs()
    import socket
    s = socket.socket(socket.AF_INET6)
    s.bind(("::1", 0))
    port = s.getsockname()[1]
    s.close()
    log_path = os.path.join(h.tmpdir(), "s_server6-%d.log" % port)
    proc = h.start_process(["openssl", "s_server", "-accept", "[::1]:%d" % port,
                            "-cert", c.rsa_cert, "-key", c.rsa_key, "-quiet", "-ign_eof"],
                           "s_server6", log_path, stdin_pipe=True)
    h.wait_port(port, host="::1", proc=proc, log_path=log_path)
    return port


def main(t):
    import jsonschema

    schema = json.load(open(SCHEMA))
    v4 = h.start_openssl_server([])
    v6port = start_v6_server()

    # JSON against the schema, IPv4 and IPv6
    rc, out, err = tlsaudit(["scan", "--format", "json", v4.target, "[::1]:%d" % v6port])
    t.eq("exit code, two good targets", 0, rc)
    doc = json.loads(out)
    try:
        jsonschema.Draft202012Validator(schema).validate(doc)
        t.check("JSON validates against docs/schema/scan.schema.json", True)
    except jsonschema.ValidationError as e:
        t.fail("JSON validates against docs/schema/scan.schema.json", str(e)[:2000])
    ips = [tg["ip"] for tg in doc["targets"]]
    t.eq("one target per address, in order", ["127.0.0.1", "::1"], ips)
    for tg in doc["targets"]:
        t.eq("status of %s" % tg["ip"], "ok", tg["status"])
        t.eq("TLS 1.3 offered on %s" % tg["ip"], True, tg["protocols"]["TLSv1.3"]["offered"])
        t.check("connections counted on %s" % tg["ip"], tg["connections"] > 0)

    # a closed port beside a good target
    closed = h.free_port()
    rc, out, err = tlsaudit(["scan", "--format", "json", "--connect-timeout", "2000",
                             v4.target, "127.0.0.1:%d" % closed])
    t.eq("exit code with one failed target", 1, rc)
    doc = json.loads(out)
    st = {tg["port"]: tg for tg in doc["targets"]}
    t.eq("good target still ok", "ok", st[v4.port]["status"])
    t.check("good target keeps its results", st[v4.port]["protocols"]["TLSv1.2"]["offered"])
    t.eq("closed port status", "error", st[closed]["status"])
    t.eq("closed port error", "cannot connect", st[closed]["error"])

    # usage errors: exit 2, one line naming the problem
    for args, needle in [(["scan", "--bogus", v4.target], "--bogus"),
                         (["scan", "127.0.0.1:99999"], "port"),
                         (["scan"], "no target"),
                         (["scan", "--timeout", "abc", v4.target], "--timeout"),
                         (["frobnicate"], "frobnicate")]:
        rc, out, err = tlsaudit(args)
        lines = [l for l in err.splitlines() if l.strip()]
        t.eq("exit code of %s" % " ".join(args), 2, rc)
        t.check("one stderr line naming '%s'" % needle,
                len(lines) == 1 and needle in lines[0], "stderr: %r" % err)

    # a target file with a bad line
    path = os.path.join(h.tmpdir(), "targets.txt")
    with open(path, "w") as f:
        f.write("# inventory\n%s\nbad host name!\n\n127.0.0.1:%d  # again\n" % (v4.target, v4.port))
    rc, out, err = tlsaudit(["scan", "--format", "json", "-i", path])
    t.eq("exit code with a bad line in the file", 1, rc)
    t.check("stderr names FILE:LINE", "%s:3:" % path in err, "stderr: %r" % err)
    doc = json.loads(out)
    t.eq("good lines scanned (duplicates merged)", [v4.port], [tg["port"] for tg in doc["targets"]])

    # a target file with a NUL byte, an over-long line and a terminal escape
    with open(path, "wb") as f:
        f.write(b"127.0.0.1:1\x00junk\n" + b"a" * 2000 + b"\n\x1b[31m:1\n" +
                v4.target.encode() + b"\n")
    rc, out, err = tlsaudit(["scan", "--format", "json", "-i", path])
    t.eq("exit code with binary lines in the file", 1, rc)
    for n, needle in ((1, "NUL byte"), (2, "longer than 1024"), (3, "not a host name")):
        t.check("stderr: line %d: %s" % (n, needle),
                any(l.startswith("tlsaudit: %s:%d: " % (path, n)) and needle in l
                    for l in err.splitlines()), "stderr: %r" % err)
    t.check("no raw ESC from the file reaches stderr", "\x1b" not in err, "stderr: %r" % err)
    doc = json.loads(out)
    t.eq("the good line after them is scanned", [v4.port], [tg["port"] for tg in doc["targets"]])
    rc, out, err = tlsaudit(["scan", "-i", h.tmpdir()])
    t.eq("a directory as target file: usage error", 2, rc)
    t.check("a directory as target file: one line saying so",
            len(err.strip().splitlines()) == 1 and "Is a directory" in err, "stderr: %r" % err)

    # an unresolvable name, resolved inside a namespace with no route out
    ns = h.NetNS()
    rc, out, err = tlsaudit(["scan", "--format", "json", "no-such-host.invalid"], netns=ns)
    t.eq("exit code for an unresolvable name", 1, rc)
    doc = json.loads(out)
    tg = doc["targets"][0]
    t.eq("unresolvable name status", "error", tg["status"])
    t.check("unresolvable name error says so", "resolve" in (tg["error"] or ""), tg["error"])
    t.eq("unresolvable name has no ip", None, tg["ip"])

    # profiles: the CI gate and the listing
    rc, out, err = tlsaudit(["scan", "--format", "json", "--require", "hkcert-intermediate",
                             v4.target])
    doc = json.loads(out)
    verdict = doc["targets"][0]["profiles"]["hkcert-intermediate"]
    t.eq("s_server defaults (CBC suites too) do not comply with HKCERT Intermediate", False,
         verdict["compliant"])
    t.eq("--require exit code for a target that does not comply", 4, rc)
    t.check("--require names the profile on stderr", "hkcert-intermediate" in err, err)
    t.eq("twelve built-in profiles in the JSON", 12, len(doc["targets"][0]["profiles"]))
    rc, out, err = tlsaudit(["scan", "--require", "no-such-profile", v4.target])
    t.eq("--require with an unknown profile: usage error", 2, rc)
    rc, out, err = tlsaudit(["profiles"])
    t.eq("tlsaudit profiles exit code", 0, rc)
    t.check("tlsaudit profiles lists ncsc-uk-suiteb-c1", "ncsc-uk-suiteb-c1" in out, out)
    rc, out, err = tlsaudit(["profiles", "show", "hkcert-modern"])
    t.check("profiles show prints rules with sources", rc == 0 and "source:" in out, out[:500])

    # colour only when asked (stdout is a pipe here)
    rc, out, err = tlsaudit(["scan", v4.target])
    t.check("no escape sequences in piped text", "\x1b" not in out)
    t.check("text names the target", v4.target in out)
    rc, out, err = tlsaudit(["scan", "--color", v4.target])
    t.check("--color adds escape sequences", "\x1b[" in out)


if __name__ == "__main__":
    h.run_test(main)
