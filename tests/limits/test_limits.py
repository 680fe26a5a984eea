#!/usr/bin/env python3
"""Limits: no descriptor leak over a large run, bounded memory.

Starts two openssl s_server (one TLS 1.3 only, one TLS 1.2 with every suite
at SECLEVEL=0) and a listener that accepts and says nothing, all on
127.0.0.1, then runs fdcheck (the library through its public API) over 60
targets: each server many times over via distinct ports of nginx is not
needed - the same address:port several times is merged, so the targets are
the three servers plus closed loopback ports.  fdcheck scans twice and
compares /proc/self/fd before and after: equal counts or the test fails.
The tlsaudit binary's peak RSS over the same list is checked too.
"""

import os
import resource
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402


def main(t):
    fdcheck = os.environ.get("FDCHECK")
    if not fdcheck or not os.access(fdcheck, os.X_OK):
        raise h.SetupError("FDCHECK must name the fdcheck binary")
    a = h.start_openssl_server(["-tls1_3"])
    b = h.start_openssl_server(["-no_tls1_3", "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    h.add_cleanup(silent.close)
    targets = [a.target, b.target, "127.0.0.1:%d" % silent.getsockname()[1]]
    targets += ["127.0.0.1:%d" % h.free_port() for _ in range(40)]  # closed ports
    targets += ["127.0.0.%d:%d" % (i, a.port) for i in range(2, 20)]  # refused elsewhere on lo
    cp = subprocess.run([fdcheck] + targets, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=600)
    out = cp.stdout.decode()
    print(out)
    t.eq("fdcheck: descriptors equal before and after two scans of %d targets" % len(targets),
         0, cp.returncode)
    t.check("fdcheck scanned every target", "scanned %d targets" % len(targets) in out, out)

    # the CLI over the same list: bounded peak memory
    argv = [h.tlsaudit_path(), "scan", "--format", "json", "--timeout", "2000",
            "--connect-timeout", "2000"] + targets
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    rss_mb = ru.ru_maxrss / 1024.0
    print("tlsaudit over %d targets: exit %d, peak RSS %.1f MB" % (
        len(targets), os.waitstatus_to_exitcode(status), rss_mb))
    t.eq("tlsaudit exit code (some targets fail)", 1, os.waitstatus_to_exitcode(status))
    t.check("peak RSS under 100 MB", rss_mb < 100, "%.1f MB" % rss_mb)


if __name__ == "__main__":
    h.run_test(main)
