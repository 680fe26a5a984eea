#!/usr/bin/env python3
"""STARTTLS services on GnuTLS: Exim 4.96 (SMTP) and OpenLDAP slapd 2.5
(LDAP StartTLS and ldaps), scanned in ONE tlsaudit run.

Servers (service_stacks.py; everything on 127.0.0.1, high ports; each has
its own leaf certificate, CN=<name>.tlsaudit.test, signed by the harness CA)
  Exim   Debian's exim4-daemon-light (GnuTLS build; .deb unpacked, see
         fetch_debs.sh), `exim -bdf -oX PORT -C conf`:
           tls_require_ciphers = EXIM_PRIO (below; %SERVER_PRECEDENCE)
           tls_dhparam unset (Exim's built-in default prime, 2048 bits)
           tls_resumption_hosts = *  (Exim enables GnuTLS session tickets)
           smtp_accept_max: Exim's default, 20
  slapd  TLSCipherSuite SECURE128:%SERVER_PRECEDENCE, no TLSDHParamFile,
         `-h "ldap://127.0.0.1:P/ ldaps://127.0.0.1:Q/"`

Targets: EXIM/smtp, P/ldap, Q/tls.

Expectations and where they come from
  * suites per version, in server order: `gnutls-cli --priority PRIO -l`
    (GnuTLS's own reading of the priority string: suites in priority
    order with their minimum version), ECDHE_ECDSA dropped (RSA
    certificate); TLS 1.0/1.1 get the suites whose minimum is TLS1.0.
    Versions: the priority's "Protocols".  SSLv2/SSLv3: not offered (not in
    GnuTLS 3.7).
  * groups per version, server order = the priority's "Groups" order.
    TLS 1.3 negotiates every group, the FFDHE ones too (RFC 8446); TLS 1.2:
    the EC groups for ECDHE and the RFC 7919 FFDHE groups for DHE - their
    relative order is undefined (different handshakes), so each kind is
    asserted in order separately.
  * DHE without DH parameters (slapd): GnuTLS >= 3.6 picks DH groups per
    RFC 7919; with no parameters configured (slapd sets none:
    TLSDHParamFile unset) a DHE suite can only be negotiated with a group
    the client offers (lib/dh.c _gnutls_figure_dh_params: no negotiated
    group, no sec_param, no params => GNUTLS_E_NO_TEMPORARY_DH_PARAMS, the
    suite is skipped).  So slapd accepts its DHE suites only from a hello
    offering ffdhe2048..8192, and refuses DHE to everyone else.
    `dh` for slapd: null.  `dh` is "the DH of a DHE handshake whose hello
    offered no FFDHE group: the server's own prime" - what a legacy client
    gets.  slapd has no own prime and completes no such handshake (verified
    below: DHE-only hellos with no supported_groups, or with EC groups only,
    are closed), so there is nothing to report; its FFDHE groups are in
    groups_by_version.TLSv1.2 and its DHE suites in cipher_suites.
    Reporting e.g. ffdhe2048 as `dh` would claim that legacy clients get
    DHE from it.
  * DHE with DH parameters (Exim): Exim hands GnuTLS its parameters
    (gnutls_certificate_set_dh_params, tls_dhparam unset = Exim's 2048-bit
    default), which sets the credentials' security level from their size;
    GnuTLS 3.7 then serves a hello with no FFDHE group the FIRST RFC 7919
    group of the priority whose prime has at least that size
    (_gnutls_figure_dh_params, sec_param branch) - not Exim's prime (the
    GnuTLS docs: "Since 3.6.0, DH parameters are negotiated following
    RFC7919").  EXIM_PRIO lists ffdhe3072 before ffdhe2048, so
    dh = {bits 3072, group ffdhe3072}; a hello offering FFDHE groups gets
    the first of the priority's groups that it offers.
  * signature schemes: the priority's "PK-signatures" an rsaEncryption key
    can make: TLS 1.2 RSA-PKCS#1 and RSA-PSS-RSAE, TLS 1.3 RSA-PSS-RSAE.
  * TLS 1.3 session tickets: GnuTLS sends NewSessionTicket right after the
    handshake when the application enabled tickets
    (gnutls_session_ticket_enable_server): Exim does when
    tls_resumption_hosts matches (tls-gnu.c, tls_server_resume_prehandshake)
    => present; slapd never calls it => absent.
  * Exim's connection limit: smtp_accept_max (default 20): the 21st
    concurrent connection is answered "421 ... Too many concurrent SMTP
    connections" and logged "Connection from [...] refused: too many
    connections".  An SMTP process outlives its client by up to ~1 s, so a
    quick client meets refusals without ever holding 20 connections
    itself.  The test holds all 20 slots while the scan starts, until
    the scanner has met a refusal and HOLD_SECONDS have passed, then frees
    them: the scanner is sure to meet refusals.
    Asserted: the result is complete (incomplete false) and exactly right
    anyway, and starttls.busy_replies and failed_connections both equal
    the number of refusals Exim logged during the scan.  The scan time is
    printed (NOTE).

Verified before the scan, against the live servers, with independent
clients (service_stacks.probe: the plaintext dialogue then one hand-built
ClientHello; `openssl s_client -starttls`): every suite per version (greedy
picks from every suite OpenSSL can name => the accepted set and the server
order), every group id alone per version and the group order, the DH prime
with and without FFDHE groups offered, each RSA signature scheme alone
(TLS 1.2: the ServerKeyExchange's scheme read back; TLS 1.3: s_client
-sigalgs), the leaf (SHA-256 of what s_client received), NewSessionTicket
messages (s_client -msg), no SSLv2, and the 421 at the 21st connection.

NOTE lines say what is deliberately not checked.
"""

import threading
import time

import harness as h
import mail_servers as ms
import service_stacks as ss

EXIM_PRIO = ("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:"
             "+AES-256-GCM:+AES-128-GCM:-KX-ALL:+ECDHE-RSA:+DHE-RSA:+RSA:-GROUP-ALL:"
             "+GROUP-X25519:+GROUP-SECP384R1:+GROUP-FFDHE3072:+GROUP-FFDHE2048:-SIGN-ALL:"
             "+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-SHA256:+SIGN-RSA-PSS-RSAE-SHA256:"
             "%SERVER_PRECEDENCE")
SLAPD_PRIO = "SECURE128:%SERVER_PRECEDENCE"
EXIM_ACCEPT_MAX = 20        # Exim's default smtp_accept_max (not set in our config)
EXIM_DH_BITS = 2048         # Exim's built-in default prime (tls_dhparam unset)
HOLD_SECONDS = 1.5          # slots held at least this long after the scan starts ...
HOLD_MAX = 15.0             # ... and until the scanner met a refusal (at most this)


def exim_dh(groups12):
    """The group GnuTLS gives a hello with no FFDHE group when the server
    set DH parameters of EXIM_DH_BITS: the first FFDHE group of the
    priority whose prime is at least that long."""
    for g in groups12:
        if g.startswith("ffdhe") and int(g[5:]) >= EXIM_DH_BITS:
            return {"bits": int(g[5:]), "group": g}
    return None


def verify_dh(proto, port, exp, want_dh):
    """DHE suites with hellos offering no FFDHE group (none at all / EC
    groups only): WANT_DH (the RFC 7919 prime of that group) or, when
    WANT_DH is None, no DHE at all."""
    bad = []
    dhe = [i for i in ss.suite_ids(exp["suites"]["TLSv1.2"])
           if ss.suite_names()[i].startswith("TLS_DHE_")]
    if not dhe:
        return ["no DHE suite expected: the test's premise is wrong"]
    for groups in ([], ["x25519", "secp256r1", "secp384r1"]):
        r = ss.probe(proto, port, "TLSv1.2", dhe, groups)
        if want_dh is None:
            if r.get("version") == "TLSv1.2":
                bad.append("DHE hello with groups %s was accepted: %r" % (groups, r))
        elif r.get("dh_p") != h.ffdhe_prime(want_dh["bits"]):
            bad.append("DHE hello with groups %s: not the %s prime: %r" % (
                groups, want_dh["group"], {k: v for k, v in r.items() if k != "random"}))
    return bad


def verify_tickets(proto, port, want):
    r = ss.s_client(proto, port, ["-tls1_3"], wait=1.0)
    if not r["ok"]:
        return ["s_client -tls1_3 failed:\n" + r["output"][-1000:]]
    if (r["tickets"] > 0) != want:
        return ["TLS 1.3 NewSessionTicket messages seen: %d, expected %s" % (
            r["tickets"], "some" if want else "none")]
    return []


def main(t):
    t_start = time.time()
    h.make_certs()
    leaf_mx = ms.make_leaf("mx-exim.tlsaudit.test")
    leaf_ldap = ms.make_leaf("ldap-slapd.tlsaudit.test")
    ex = ss.start_exim(cert=leaf_mx.cert, key=leaf_mx.key, priority=EXIM_PRIO,
                       resumption=True)
    ldap_port, ldaps_port = h.free_port(), h.free_port()
    sl = ss.start_slapd(ldap_port, ldaps_port, cert=leaf_ldap.cert, key=leaf_ldap.key,
                        cipher_suite=SLAPD_PRIO)
    print("NOTE  %s (%s)" % (ex.version, "tls_require_ciphers " + EXIM_PRIO))
    e_exp = ss.gnutls_expect(EXIM_PRIO)
    s_exp = ss.gnutls_expect(SLAPD_PRIO)
    e_dh = exim_dh(e_exp["groups"].get("TLSv1.2", []))
    if e_dh != {"bits": 3072, "group": "ffdhe3072"}:
        raise h.SetupError("EXIM_PRIO no longer leads to ffdhe3072: %r" % e_dh)
    # the test's premises: DHE suites and FFDHE groups in both, in TLS 1.2 and 1.3
    for name, exp in (("Exim", e_exp), ("slapd", s_exp)):
        if not any(g.startswith("ffdhe") for g in exp["groups"].get("TLSv1.2", [])):
            raise h.SetupError("%s: no FFDHE group expected in TLS 1.2" % name)

    # ---- verification of the live servers (independent of the scanner)
    t0 = time.time()
    targets = (("Exim /smtp", "smtp", ex.port, e_exp, e_dh, leaf_mx, True),
               ("slapd /ldap", "ldap", ldap_port, s_exp, None, leaf_ldap, False),
               ("slapd ldaps", None, ldaps_port, s_exp, None, leaf_ldap, False))
    for label, proto, port, exp, want_dh, leaf, tickets in targets:
        bad = ss.verify_server(proto, port, exp["suites"], exp_groups=exp["groups"],
                               exp_sigs=exp["sigs"])
        bad += verify_dh(proto, port, exp, want_dh)
        bad += ss.verify_cert(proto, port, leaf)
        bad += verify_tickets(proto, port, tickets)
        v2 = ss.sslv2_probe(proto, port)
        if v2 is True:
            bad.append("SSLv2 SERVER-HELLO received")
        t.check("%s: live server matches its configuration (suites, order, groups, DH, "
                "schemes, certificate, tickets, no SSLv2)" % label, not bad, "\n".join(bad))
    print("NOTE  verification took %.1f s; our probes met %d Exim 421 greetings "
          "(waited out)" % (time.time() - t0, ss.busy_seen["count"]))
    # the 421 at the 21st concurrent connection
    ss.wait_exim_idle(ex)
    held = ss.exim_hold(ex, EXIM_ACCEPT_MAX)
    released = threading.Event()
    try:
        s, info = None, None
        try:
            s, info = ms.starttls_open("smtp", ex.port, send_starttls=False)
            over = info["banner"]
        except ms.DialogueError as e:
            over = e.text
        finally:
            if s:
                s.close()
        if not t.check("Exim: connection %d is refused with 421 while %d are open" % (
                EXIM_ACCEPT_MAX + 1, EXIM_ACCEPT_MAX), over.startswith("421"),
                "got %r" % over):
            raise h.SetupError("Exim does not refuse over smtp_accept_max")
        time.sleep(0.3)
        refusals_before = ss.exim_refusals(ex)

        def release():
            # free the slots once the scanner has met a refusal and HOLD_SECONDS
            # have passed (at the latest after HOLD_MAX seconds)
            t_hold = time.time()
            while time.time() - t_hold < HOLD_MAX:
                if (time.time() - t_hold >= HOLD_SECONDS
                        and ss.exim_refusals(ex) > refusals_before):
                    break
                time.sleep(0.05)
            ss.exim_release(held)
            released.set()
        th = threading.Thread(target=release)
        th.start()
        scan_t0 = time.time()
        doc = h.run_tlsaudit(["127.0.0.1:%d/smtp" % ex.port, "127.0.0.1:%d/ldap" % ldap_port,
                              "127.0.0.1:%d/tls" % ldaps_port])
        scan_secs = time.time() - scan_t0
        th.join()
    finally:
        if not released.is_set():
            ss.exim_release(held)
    time.sleep(0.5)   # the log line of a last refusal
    refused = ss.exim_refusals(ex) - refusals_before

    # ---- the scanner's results
    h.check_document(t, doc, 3)
    results = {}
    for label, proto, port, exp, want_dh, leaf, tickets in targets:
        tg = h.check_target(t, doc, "127.0.0.1", port, n_targets=3)
        results[port] = tg
        t.eq("%s: incomplete" % label, False, tg.get("incomplete"))
        t.eq("%s: incomplete_reason" % label, None, tg.get("incomplete_reason"))
        if proto:
            ss.check_starttls(t, tg, proto, label,
                              banner_has=ex.banner if proto == "smtp" else None)
        else:
            t.eq("%s: starttls" % label, None, tg.get("starttls"))
            t.eq("%s: service" % label, "tls", tg.get("service"))
        ss.check_versions_suites(t, tg, exp["suites"], label)
        ss.check_groups(t, tg, exp["groups"], label)
        if want_dh is None:
            # no prime of its own (verified above: no DHE without an FFDHE
            # group): the document gives the smallest RFC 7919 group it takes
            ff = sorted(int(g[5:]) for g in exp["groups"].get("TLSv1.2", [])
                        if g.startswith("ffdhe"))
            doc_dh = {"bits": ff[0], "group": "ffdhe%d" % ff[0], "only_with_ffdhe": True}
        else:
            doc_dh = want_dh
        t.eq("%s: dh" % label, doc_dh, tg.get("dh"))
        ss.check_sigs(t, tg, exp["sigs"], label)
        ss.check_cert(t, tg, leaf, label)
        t.eq("%s: features.tls13_session_tickets" % label, tickets,
             (tg.get("features") or {}).get("tls13_session_tickets"))

    tg = results[ex.port]
    st = tg.get("starttls") or {}
    print("NOTE  scan of 3 targets: %.1f s; Exim target duration_ms %s, connections %s; "
          "Exim logged %d refusal(s) during the scan (all %d slots held for the first "
          ">= %.1f s)" % (scan_secs, tg.get("duration_ms"), tg.get("connections"), refused,
                          EXIM_ACCEPT_MAX, HOLD_SECONDS))
    if not t.check("Exim refused at least one of the scanner's connections (the test's "
                   "premise)", refused > 0, "Exim logged no refusal during the scan"):
        return
    t.eq("Exim: starttls.busy_replies == refusals Exim logged during the scan", refused,
         st.get("busy_replies"))
    t.eq("Exim: failed_connections == refusals Exim logged during the scan", refused,
         tg.get("failed_connections"))
    print("NOTE  not checked: features other than tls13_session_tickets, certificate "
          "validity dates/trust (other tests), profiles; the whole test took %.1f s" % (
              time.time() - t_start))


if __name__ == "__main__":
    h.run_test(main)
