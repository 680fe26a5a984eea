#!/usr/bin/env python3
"""TLS 1.3 session tickets that come late, and tickets that never come.

OpenSSL servers send their TLS 1.3 NewSessionTickets after they have read
the client's Finished; a busy server sends them late.  A scanner that waits
a few round trips and then says "no tickets" turns a busy server's tickets
into a false "no".  Here the lateness is made on purpose, reproducibly: a
loopback TCP relay (tcp_relay.py) sits between tlsaudit and the server
and holds every server byte that arrives after the client's second flight
(the client's first application_data record: in TLS 1.3 its encrypted
Finished) for DELAY seconds, order kept.  Everything before that (the
hellos, the server's flight) passes at once, so the round trip the scanner
measures is the fast loopback one.

Servers (all on 127.0.0.1):
  A. nginx, Mozilla "intermediate" settings (TLS 1.2 + 1.3, ECDHE/DHE
     AES-GCM and ChaCha20), `ssl_session_tickets on` (nginx's default:
     OpenSSL sends two TLS 1.3 tickets after the client's Finished), shared
     session cache; scanned through relay A (400 ms).
  B. openssl s_server -tls1_3 -num_tickets 0: no TLS 1.3 ticket ever;
     scanned through relay B (400 ms).
  C. openssl s_server -tls1_3 with OpenSSL's default two tickets, scanned
     directly: the common case, tickets right after the Finished.

Verified before the scan with an independent client (Python's ssl module, a
full TLS 1.3 handshake, then reads with short timeouts until the session
holds a ticket; the time from the end of the handshake to the first ticket
is measured):
  A direct: a ticket within 300 ms;  A via relay: no ticket in the first
  300 ms, one within 1.5 s (and the relay really held bytes that came
  after the Finished);  a second connection offering that session is
  resumed (TLS 1.3 PSK resumption).
  B via relay: no ticket within 1.5 s;  C: a ticket within 300 ms.
Asserted (one tlsaudit run, the three targets):
  A: tls13_session_tickets true, tls13_resumption true, no note saying
     tickets are unknown;  B: tls13_session_tickets false;  C: true, and
     tls13_resumption true.
"""

import socket
import ssl
import time

import harness as h
import tcp_relay

DELAY = 0.4
MOZ_INTERMEDIATE = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
                    "DHE-RSA-CHACHA20-POLY1305")


_ctx = []


def _client_ctx():
    """One client context (a session can only be offered by the context
    that made it)."""
    if not _ctx:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        _ctx.append(ctx)
    return _ctx[0]


def ticket_timing(port, limit=1.5, session=None):
    """A TLS 1.3 handshake with Python's ssl module; then reads with 50 ms
    timeouts until the session holds a ticket or `limit` seconds pass.
    Returns (seconds from the end of the handshake to the first ticket or
    None, the session, whether the offered session was resumed)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    s = _client_ctx().wrap_socket(raw, server_hostname="localhost", session=session,
                        do_handshake_on_connect=False)
    try:
        s.do_handshake()
        reused = s.session_reused
        t0 = time.monotonic()
        s.settimeout(0.05)
        while time.monotonic() - t0 < limit:
            try:
                s.recv(1024)
            except (socket.timeout, ssl.SSLWantReadError):
                pass
            except (ssl.SSLError, OSError):
                break
            sess = s.session
            if sess is not None and sess.has_ticket:
                return time.monotonic() - t0, sess, reused
        return None, s.session, reused
    finally:
        s.close()


def verify(t, a_port, a_relay, b_relay, c_port):
    bad = []
    at, _, _ = ticket_timing(a_port)
    if at is None or at > 0.3:
        bad.append("A direct: ticket after %r s (want < 0.3)" % at)
    n_before = len(a_relay.conns)
    at, sess, _ = ticket_timing(a_relay.port)
    held = a_relay.held(n_before)
    if at is None or at < 0.3 or at > 1.5:
        bad.append("A via relay: ticket after %r s (want 0.3-1.5)" % at)
    if not held:
        bad.append("A via relay: the relay held no server bytes after the Finished")
    if sess is not None and sess.has_ticket:
        _, _, reused = ticket_timing(a_relay.port, limit=0.0, session=sess)
        if not reused:
            bad.append("A via relay: the ticketed session was not resumed")
    bt, _, _ = ticket_timing(b_relay.port)
    if bt is not None:
        bad.append("B via relay: a ticket came after %.3f s (-num_tickets 0)" % bt)
    ct, _, _ = ticket_timing(c_port)
    if ct is None or ct > 0.3:
        bad.append("C direct: ticket after %r s (want < 0.3)" % ct)
    if bad:
        raise h.SetupError("setup not as expected:\n" + "\n".join(bad))
    t.check("setup verified (ticket timing with Python's ssl, the relay's delay)", True)


def main(t):
    c = h.make_certs()
    port_a = h.free_port()
    body = """
ssl_certificate {c};
ssl_certificate_key {k};
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers {ciphers};
ssl_prefer_server_ciphers off;
ssl_session_cache shared:SSL:1m;
ssl_session_tickets on;
""".format(c=c.rsa_cert, k=c.rsa_key, ciphers=MOZ_INTERMEDIATE)
    h.start_nginx([(port_a, body)])
    srv_b = h.start_openssl_server(["-tls1_3", "-num_tickets", "0"], name="s_server-notickets")
    srv_c = h.start_openssl_server(["-tls1_3"], name="s_server-tickets")
    relay_a = tcp_relay.Relay(port_a, tcp_relay.late_after_finished(DELAY))
    relay_b = tcp_relay.Relay(srv_b.port, tcp_relay.late_after_finished(DELAY))
    verify(t, port_a, relay_a, relay_b, srv_c.port)

    n_a = len(relay_a.conns)
    doc = h.run_tlsaudit(["127.0.0.1:%d" % relay_a.port, "127.0.0.1:%d" % relay_b.port,
                          srv_c.target], ["--no-http"])
    targets = h.check_document(t, doc, 3)
    by_port = {tg.get("port"): tg for tg in targets}
    held = relay_a.held(n_a)
    t.check("A: the relay held server bytes after a client Finished during the scan",
            held > 0, "held %d chunks" % held)

    def feats(port):
        return (by_port.get(port) or {}).get("features") or {}

    def ticket_notes(port):
        return [n for n in (by_port.get(port) or {}).get("notes") or []
                if "ticket" in n.lower()]

    fa, fb, fc = feats(relay_a.port), feats(relay_b.port), feats(srv_c.port)
    t.eq("A (nginx, tickets 400 ms late): tls13_session_tickets", True,
         fa.get("tls13_session_tickets"))
    t.eq("A: tls13_resumption", True, fa.get("tls13_resumption"))
    t.eq("A: no note about tickets", [], ticket_notes(relay_a.port))
    t.eq("B (s_server -num_tickets 0, via the relay): tls13_session_tickets", False,
         fb.get("tls13_session_tickets"))
    t.eq("B: no note about tickets", [], ticket_notes(relay_b.port))
    t.eq("C (s_server, tickets at once): tls13_session_tickets", True,
         fc.get("tls13_session_tickets"))
    t.eq("C: tls13_resumption", True, fc.get("tls13_resumption"))
    for port, name in ((relay_a.port, "A"), (relay_b.port, "B"), (srv_c.port, "C")):
        tg = by_port.get(port) or {}
        t.eq("%s: status ok, not incomplete" % name, ["ok", False],
             [tg.get("status"), tg.get("incomplete")])


if __name__ == "__main__":
    h.run_test(main)
