#!/usr/bin/env python3
"""An authoritative DNS server for tests: NSD (Debian package nsd 4.x) on
loopback, with zones the test writes.  Python 3 standard library only.

    import dns_server
    addr, port = dns_server.start_nsd({"example.test": ZONE_TEXT, ...})
    # resolver spec for the scanner: "127.0.0.1:%d" % port (and "[::1]:%d"
    # when started with ipv6=True)

Everything NSD needs (config, zone files, pid, xfrd state, zone list, log)
lives in a private directory under harness.tmpdir(); no database file is
used.  The server runs in the foreground in its own session and is stopped
by PID through harness.start_process(), like every server of these tests.
It listens on 127.0.0.1 (and ::1) only, never anywhere else.  A zone that
NSD's own checker rejects, or a server that does not come up, raises
harness.SetupError: the test FAILS, it does not skip.

ZONE_TEXT is a zone file body; "$ORIGIN <zone>." and "$TTL 300" are put in
front of it, and an SOA and NS record are added when it has none, so a test
can list just the records it cares about.
"""

import os
import shutil
import socket
import struct
import time

import harness as h


def _have(cmd):
    return shutil.which(cmd) is not None


def _zone_text(zone, body):
    zone = zone.rstrip(".")
    lines = ["$ORIGIN %s." % zone, "$TTL 300"]
    has_soa = any(" SOA " in (" " + l.replace("\t", " ") + " ").upper() for l in body.splitlines()
                  if not l.lstrip().startswith(";"))
    if not has_soa:
        lines.append("@ IN SOA ns1.%s. hostmaster.%s. 2024010101 3600 600 86400 300" % (zone, zone))
        lines.append("@ IN NS ns1.%s." % zone)
    lines.append(body.strip("\n"))
    return "\n".join(lines) + "\n"


def udp_query_ok(host, port, zone, timeout=0.5):
    """One SOA query for zone over UDP; True when an answer with RCODE 0 came."""
    qid = 0x5a5a
    name = b"".join(bytes([len(l)]) + l.encode() for l in zone.rstrip(".").split(".")) + b"\0"
    msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + name + struct.pack(">HH", 6, 1)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, (host, port))
            data, _ = s.recvfrom(4096)
        except OSError:
            return False
    return len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid and (data[3] & 0x0f) == 0


def start_nsd(zones, port=None, ipv6=False, name="nsd"):
    """Start NSD serving zones {name: body} on 127.0.0.1:port (and [::1]:port
    with ipv6=True).  port: a free one when None.  Returns (addr, port)."""
    for cmd in ("nsd", "nsd-checkconf", "nsd-checkzone"):
        if not _have(cmd):
            raise h.SetupError("%s not found (Debian package nsd; scripts/install-deps.sh)" % cmd)
    if os.geteuid() != 0:
        raise h.SetupError("nsd is started as root here (it keeps its privileges: username \"\")")
    port = port or h.free_port()
    if ipv6:
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
                s.bind(("::1", port))
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", port))
        except OSError as e:
            raise h.SetupError("cannot use [::1]:%d for nsd: %s" % (port, e))
    d = os.path.join(h.tmpdir(), "%s-%d" % (name, port))
    os.makedirs(d)
    zone_cfg = []
    for zone, body in zones.items():
        zone = zone.rstrip(".")
        path = os.path.join(d, zone + ".zone")
        with open(path, "w") as f:
            f.write(_zone_text(zone, body))
        cp = h.run(["nsd-checkzone", zone, path], check=False)
        if cp.returncode != 0:
            raise h.SetupError("nsd-checkzone %s failed:\n%s%s\nzone file:\n%s" % (
                zone, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"),
                open(path).read()))
        zone_cfg.append("zone:\n    name: \"%s\"\n    zonefile: \"%s\"\n" % (zone, path))
    addrs = ["127.0.0.1"] + (["::1"] if ipv6 else [])
    conf = os.path.join(d, "nsd.conf")
    log_path = os.path.join(d, "nsd.log")
    text = ("server:\n"
            + "".join("    ip-address: %s@%d\n" % (a, port) for a in addrs)
            + "    port: %d\n" % port
            + "    do-ip4: yes\n"
            + "    do-ip6: %s\n" % ("yes" if ipv6 else "no")
            + "    username: \"\"\n"
            + "    chroot: \"\"\n"
            + "    zonesdir: \"%s\"\n" % d
            + "    database: \"\"\n"
            + "    zonelistfile: \"%s/zone.list\"\n" % d
            + "    xfrdfile: \"%s/xfrd.state\"\n" % d
            + "    xfrdir: \"%s\"\n" % d
            + "    pidfile: \"%s/nsd.pid\"\n" % d
            + "    logfile: \"%s\"\n" % log_path
            + "    server-count: 1\n"
            + "    verbosity: 1\n"
            + "    hide-version: yes\n"
            + "    refuse-any: yes\n"
            + "remote-control:\n"
            + "    control-enable: no\n"
            + "".join(zone_cfg))
    with open(conf, "w") as f:
        f.write(text)
    cp = h.run(["nsd-checkconf", conf], check=False)
    if cp.returncode != 0:
        raise h.SetupError("nsd-checkconf failed:\n%s%s\nconfig:\n%s" % (
            cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace"), text))
    proc = h.start_process(["nsd", "-d", "-c", conf], name, os.path.join(d, "stdout.log"))
    first = next(iter(zones)).rstrip(".")
    deadline = time.time() + 20
    while True:
        if proc.poll() is not None:
            raise h.SetupError("nsd exited early (rc=%s); log:\n%s\n%s" % (
                proc.returncode, h.read_log(log_path), h.read_log(os.path.join(d, "stdout.log"))))
        if all(udp_query_ok(a, port, first) for a in addrs):
            break
        if time.time() > deadline:
            raise h.SetupError("nsd did not answer on port %d within 20 s; log:\n%s" % (
                port, h.read_log(log_path)))
        time.sleep(0.1)
    for a in addrs:
        h.wait_port(port, host=a, proc=proc, log_path=log_path)
    h.log("nsd serving %s on %s port %d" % (", ".join(zones), " and ".join(addrs), port))
    return "127.0.0.1", port
