#!/usr/bin/env python3
"""TLS inside other protocols: MariaDB 10.11 (MySQL STARTTLS), PostgreSQL 15
(SSLRequest) and Mosquitto 2.0 (MQTT over implicit TLS), all on 127.0.0.1,
the RSA-2048 leaf of harness.make_certs(), scanned in ONE run; then the
database ports once more WITHOUT their /PROTO suffix.

  mariadb    mariadbd with a datadir from mariadb-install-db in the temp
             dir, --skip-grant-tables, --tls-version=TLSv1.2,TLSv1.3,
             --ssl-cipher=MARIADB_CIPHERS (four TLS 1.2 suites), OpenSSL 3.0.
  postgres   mail_servers.start_postgres: ssl_min_protocol_version TLSv1.1
             (the default is TLSv1.2), ssl_ciphers PG_CIPHERS (ending in
             @SECLEVEL=0, which OpenSSL 3.0 needs for TLS 1.1),
             ssl_ecdh_curve secp384r1 (the default is prime256v1).
  mosquitto  `listener P 127.0.0.1` with certfile/keyfile, tls_version
             tlsv1.2, ciphers MQ_CIPHERS, ciphers_tls1.3 MQ_CIPHERS13,
             dhparamfile = RFC 7919 ffdhe2048 parameters.

Expectations (derived here, VERIFIED against the live servers before the
scan by app_stacks.verify: raw ClientHellos after each protocol's own
plaintext dialogue - every suite the test can name, each expected suite
alone, every adjacent pair of an order both ways, every group id alone, DH
primes against their RFC definitions, the ServerKeyExchange's signature
scheme per scheme, the leaf - plus openssl s_client -starttls mysql/postgres
for TLS 1.3 signature schemes, resumption, tickets and renegotiation):

MariaDB 10.11 (vio/viosslfactories.c on OpenSSL 3.0)
  * TLS 1.2: the four --ssl-cipher suites; TLS 1.3: OpenSSL's default
    ciphersuites (MariaDB hands --ssl-cipher to SSL_CTX_set_ciphersuites
    first; a TLS 1.2 list is refused there and left to
    SSL_CTX_set_cipher_list, so TLS 1.3 keeps the default). MariaDB does not
    set SSL_OP_CIPHER_SERVER_PREFERENCE: client order for suites, and for
    the TLS 1.2 curve; the TLS 1.3 HelloRetryRequest group follows OpenSSL's
    own list (OpenSSL picks HRR groups by the server's preference).
  * groups: OpenSSL 3.0's default list, x25519, secp256r1, x448,
    secp521r1, secp384r1, ffdhe2048..8192; the FFDHE groups only in TLS
    1.3 (OpenSSL 3.0 has no RFC 7919 in TLS 1.2).
  * dh: MariaDB's own fixed 2048-bit parameters: "custom" (checked: not an
    RFC 2409/3526/7919 prime).
Mosquitto 2.0.11
  * tls_version is the MINIMUM (mosquitto.conf(5)): TLS 1.2 and 1.3;
    ciphers / ciphers_tls1.3 as configured; SSL_OP_CIPHER_SERVER_PREFERENCE
    is set (net.c), so server order for suites and, OpenSSL's rule, for the
    TLS 1.2 curve and the TLS 1.3 HRR group (OpenSSL's default group list).
  * dh: mosquitto 2.0 calls SSL_CTX_set_dh_auto ("Fix DH group not being
    set", ChangeLog 2.0.x), and in OpenSSL 3.0 automatic DH takes precedence
    over SSL_CTX_set_tmp_dh: the dhparamfile (ffdhe2048) is NOT used; the
    auto group for a 2048-bit RSA key (112-bit security) is the RFC 3526
    2048-bit prime.
  * SSL_OP_NO_RENEGOTIATION: no client renegotiation.
PostgreSQL 15 (be-secure-openssl.c)
  * TLS 1.1 .. 1.3; TLS <= 1.2 suites from ssl_ciphers (TLS 1.1: the two
    non-SHA-2 ones), TLS 1.3 OpenSSL's defaults; ssl_prefer_server_ciphers
    (default on) = server order, TLS 1.3 included.
  * ssl_ecdh_curve = one curve for TLS 1.2 and 1.3 (SSL_CTX_set_tmp_ecdh
    replaces the group list): secp384r1 only, so no group order.
  * dh: PostgreSQL's built-in parameters, the RFC 3526 2048-bit group.
  * no tickets, no session cache (SSL_OP_NO_TICKET, SSL_SESS_CACHE_OFF),
    no renegotiation (SSL_OP_NO_RENEGOTIATION).
All three (OpenSSL 3.0): secure renegotiation, EMS, encrypt_then_mac,
TLS_FALLBACK_SCSV honoured; no compression, heartbeat, OCSP stapling, ALPN;
TLS 1.2 signature schemes: RSA-PSS-RSAE and PKCS#1 with SHA-224..512 (SHA-1
only at @SECLEVEL=0: PostgreSQL), TLS 1.3: rsa_pss_rsae_*. Tickets and
resumption per server: MariaDB and Mosquitto keep OpenSSL's session cache
and tickets (TLS 1.3 tickets too), PostgreSQL turns them off.

Without /PROTO:
  * MariaDB greets first (a MySQL protocol-10 handshake packet, checked):
    the scanner must recognise it, speak the MySQL STARTTLS dialogue and
    say so in notes: status ok, starttls.protocol "mysql", a note naming
    MySQL, the same TLS 1.2/1.3 suites.
  * PostgreSQL waits for the client (checked: no byte in 1.5 s) and closes
    a connection whose first bytes are a TLS ClientHello without an alert
    (checked): status "error" with an error that suggests /postgres - or,
    if the scanner recognises PostgreSQL's answer, status ok with a note
    and starttls.protocol "postgres"; never status ok with nothing offered.
"""

import re
import socket
import time

import harness as h
import app_stacks as A

T0 = time.time()

MARIADB_CIPHERS = ("ECDHE-RSA-AES256-SHA384:DHE-RSA-AES128-GCM-SHA256:"
                   "ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA")
PG_CIPHERS = ("ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA:"
              "AES128-SHA:@SECLEVEL=0")
PG_CURVE = "secp384r1"
MQ_CIPHERS = "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA256:ECDHE-RSA-CHACHA20-POLY1305"
MQ_CIPHERS13 = ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]

# OpenSSL 3.0 defaults (ssl/t1_lib.c supported_groups_default, ssl/ssl_ciph.c
# TLS_DEFAULT_CIPHERSUITES)
OSSL_GROUPS = ["x25519", "secp256r1", "x448", "secp521r1", "secp384r1",
               "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
OSSL_CURVES = OSSL_GROUPS[:5]
OSSL_TLS13 = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]
RSA_SIGS12 = ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
              "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512", "rsa_sha224"]
RSA_SIGS13 = ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"]
OSSL_FEATURES = {"secure_renegotiation": True, "extended_master_secret": True,
                 "encrypt_then_mac": True, "fallback_scsv": True, "compression": False,
                 "heartbeat": False, "ocsp_stapling": False, "alpn": [],
                 "client_renegotiation": False}


def iana(openssl_list, flag):
    """IANA names of an OpenSSL cipher string for one version, in order."""
    return [c["iana"] for c in h.openssl_ciphers(openssl_list, flag, True)]


def exp_mariadb(rsa):
    f = dict(OSSL_FEATURES, session_id_resumption=True, session_ticket=True,
             session_ticket_extension=True, tls13_session_tickets=True, tls13_resumption=True,
             early_data=False)
    return {"name": "mariadb", "certs": [rsa],
            "suites": {"TLSv1.2": iana(MARIADB_CIPHERS, "-tls1_2"), "TLSv1.3": OSSL_TLS13},
            "server_order": {"TLSv1.2": False, "TLSv1.3": False},
            "chacha": {"TLSv1.2": None, "TLSv1.3": None},
            "groups": {"TLSv1.3": {"groups": OSSL_GROUPS, "server_order": True},
                       "TLSv1.2": {"groups": OSSL_CURVES, "server_order": False}},
            "dh": {"bits": 2048, "group": "custom"},
            "sigs": {"TLSv1.2": RSA_SIGS12, "TLSv1.3": RSA_SIGS13},
            "sig_suites": {"RSA": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
            "features": f}


def exp_postgres(rsa):
    f = dict(OSSL_FEATURES, session_id_resumption=False, session_ticket=False,
             session_ticket_extension=False, tls13_session_tickets=False)
    s11 = iana(PG_CIPHERS, "-tls1_1")
    return {"name": "postgres", "certs": [rsa],
            "suites": {"TLSv1.1": s11, "TLSv1.2": iana(PG_CIPHERS, "-tls1_2"),
                       "TLSv1.3": OSSL_TLS13},
            "server_order": {"TLSv1.1": True, "TLSv1.2": True, "TLSv1.3": True},
            "chacha": {"TLSv1.1": None, "TLSv1.2": None, "TLSv1.3": False},
            "groups": {"TLSv1.3": {"groups": [PG_CURVE], "server_order": None},
                       "TLSv1.2": {"groups": [PG_CURVE], "server_order": None}},
            "dh": {"bits": 2048, "group": "rfc3526-2048"},
            "sigs": {"TLSv1.2": RSA_SIGS12 + ["rsa_pkcs1_sha1"], "TLSv1.3": RSA_SIGS13},
            "sig_suites": {"RSA": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
            "features": f}


def exp_mosquitto(rsa):
    f = dict(OSSL_FEATURES, session_id_resumption=True, session_ticket=True,
             session_ticket_extension=True, tls13_session_tickets=True, tls13_resumption=True,
             early_data=False)
    return {"name": "mosquitto", "certs": [rsa],
            "suites": {"TLSv1.2": iana(MQ_CIPHERS, "-tls1_2"), "TLSv1.3": MQ_CIPHERS13},
            "server_order": {"TLSv1.2": True, "TLSv1.3": True},
            # TLS 1.2: ChaCha20 third, no SSL_OP_PRIORITIZE_CHACHA; TLS 1.3:
            # ChaCha20 is the server's first choice, nothing to prioritise
            "chacha": {"TLSv1.2": False, "TLSv1.3": None},
            "groups": {"TLSv1.3": {"groups": OSSL_GROUPS, "server_order": True},
                       "TLSv1.2": {"groups": OSSL_CURVES, "server_order": True}},
            "dh": {"bits": 2048, "group": "rfc3526-2048"},
            "sigs": {"TLSv1.2": RSA_SIGS12, "TLSv1.3": RSA_SIGS13},
            "sig_suites": {"RSA": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
            "features": f}


def verify_plaintext(my, pg):
    """What the ports say before TLS: MariaDB greets with a MySQL
    protocol-10 handshake offering CLIENT_SSL; PostgreSQL says nothing,
    and closes a connection that starts with a ClientHello, no alert."""
    bad = []
    with socket.create_connection(("127.0.0.1", my.port), timeout=5) as s:
        try:
            version, caps = A.mysql_greeting(s, time.time() + 5)
            if "MariaDB" not in version or not caps & 0x0800:
                bad.append("MariaDB greeting: version %r, caps %#x" % (version, caps))
        except (A.DialogueError, EOFError, OSError) as e:
            bad.append("MariaDB greeting: %s" % e)
    with socket.create_connection(("127.0.0.1", pg.port), timeout=5) as s:
        s.settimeout(1.5)
        try:
            b = s.recv(1)
            bad.append("PostgreSQL sent %r before the client spoke" % b)
        except socket.timeout:
            pass
    r = A.probe(pg.port, "TLSv1.2", A.tls12_candidates()[:120], A.HELLO_GROUPS)
    if "closed" not in r:
        bad.append("PostgreSQL answered a bare ClientHello: %r" % r)
    return bad


def main(t):
    certs = h.make_certs()
    rsa = A.cert_facts(certs.rsa_cert)
    ff = h.gen_ffdhe_params("ffdhe2048")
    my, pg, mq = A.run_parallel([
        lambda: A.start_mariadb(ssl_cipher=MARIADB_CIPHERS),
        lambda: A.start_postgres(ssl_min_protocol_version="TLSv1.1", ssl_ciphers=PG_CIPHERS,
                                 ecdh_curve=PG_CURVE),
        lambda: A.start_mosquitto(tls_version="tlsv1.2", ciphers=MQ_CIPHERS,
                                  ciphers_tls13=":".join(MQ_CIPHERS13), dhparamfile=ff)])
    h.log("servers up after %.1f s" % (time.time() - T0))
    exps = [(my, exp_mariadb(rsa)), (pg, exp_postgres(rsa)), (mq, exp_mosquitto(rsa))]
    # the expected lists must be what the configured strings mean
    if exps[1][1]["suites"]["TLSv1.1"] != ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                                           "TLS_RSA_WITH_AES_128_CBC_SHA"]:
        raise h.SetupError("openssl expands PG_CIPHERS for TLS 1.1 unexpectedly: %s" %
                           exps[1][1]["suites"]["TLSv1.1"])
    bad = verify_plaintext(my, pg)
    with socket.create_connection(("127.0.0.1", my.port), timeout=5) as s:
        my_version = A.mysql_greeting(s, time.time() + 5)[0]
    for b in A.run_parallel([lambda p=p: A.verify(*p) for p in exps]):
        bad += b
    # the DH primes: MariaDB's is its own, not a well-known group
    r = A.probe(my.port, "TLSv1.2", A.ids_of(["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]), [],
                pre="mysql")
    if not r.get("dh_p") or h.is_structured_well_known_prime(r["dh_p"]):
        bad.append("MariaDB DH prime looks like a well-known group: %r" % r.get("dh_bits"))
    if bad:
        raise h.SetupError("setup verification failed:\n" + "\n".join(bad))
    t.check("setup verified against the live servers (%.1f s)" % (time.time() - T0), True)

    doc = A.run_scan([srv.scan_target for srv, _ in exps])
    print("  INFO  scan took %.1f s" % doc["_took"])
    h.check_document(t, doc, len(exps))
    for srv, e in exps:
        print("  -- %s" % e["name"])
        A.check_scan(t, doc, srv, e, len(exps))
    # the MySQL greeting's server version is the banner; PostgreSQL has none
    st = A.find_target(t, doc, my.port).get("starttls") or {}
    t.check("mariadb: starttls.banner has the greeting's version %r" % my_version,
            my_version in (st.get("banner") or ""), "got %r" % st.get("banner"))
    st = A.find_target(t, doc, pg.port).get("starttls") or {}
    t.eq("postgres: starttls.banner", None, st.get("banner"))

    # the same database ports without /PROTO
    doc2 = A.run_scan([my.target, pg.target])
    print("  INFO  second scan (no /PROTO) took %.1f s" % doc2["_took"])
    t.eq("no-proto scan: two targets", 2, len(doc2.get("targets") or []))
    tg = A.find_target(t, doc2, my.port)
    print("  -- mariadb without /mysql")
    for n in tg.get("notes") or []:
        print("  INFO  scanner note: %s" % n)
    t.eq("mariadb no-proto: status", "ok", tg.get("status"))
    st = tg.get("starttls") or {}
    t.eq("mariadb no-proto: starttls.protocol", "mysql", st.get("protocol"))
    t.eq("mariadb no-proto: starttls.offered", True, st.get("offered"))
    t.check("mariadb no-proto: a note says the MySQL dialogue was used",
            any(re.search(r"mysql", n, re.I) for n in tg.get("notes") or []),
            "notes: %s" % tg.get("notes"))
    for p in ("TLSv1.2", "TLSv1.3"):
        t.set_eq("mariadb no-proto: %s suites" % p, exps[0][1]["suites"][p],
                 (tg.get("protocols") or {}).get(p, {}).get("cipher_suites"))
    tg = A.find_target(t, doc2, pg.port)
    print("  -- postgres without /postgres")
    for n in tg.get("notes") or []:
        print("  INFO  scanner note: %s" % n)
    offered = [p for p, o in (tg.get("protocols") or {}).items()
               if isinstance(o, dict) and o.get("offered")]
    if tg.get("status") == "error":
        t.check("postgres no-proto: error suggests /postgres",
                "/postgres" in (tg.get("error") or ""), "error: %r" % tg.get("error"))
        t.eq("postgres no-proto: nothing claimed offered", [], offered)
    else:
        st = tg.get("starttls") or {}
        t.eq("postgres no-proto: status (ok only when switched to PostgreSQL)", "ok",
             tg.get("status"))
        t.eq("postgres no-proto: starttls.protocol", "postgres", st.get("protocol"))
        t.check("postgres no-proto: a note says the PostgreSQL dialogue was used",
                any(re.search(r"postgres", n, re.I) for n in tg.get("notes") or []),
                "notes: %s" % tg.get("notes"))
        t.set_eq("postgres no-proto: TLSv1.2 suites", exps[1][1]["suites"]["TLSv1.2"],
                 (tg.get("protocols") or {}).get("TLSv1.2", {}).get("cipher_suites"))
    print("  NOTE  NOT CHECKED: record_size_limit, npn, max_early_data (not measured "
          "independently); PostgreSQL tls13_resumption/early_data (no TLS 1.3 ticket: "
          "false or null both accepted)")
    tg = A.find_target(t, doc, pg.port)
    for k in ("tls13_resumption", "early_data"):
        t.is_in("postgres: features.%s (no TLS 1.3 tickets)" % k, [False, None],
                (tg.get("features") or {}).get(k))
    print("  INFO  total %.1f s" % (time.time() - T0))


if __name__ == "__main__":
    h.run_test(main)
