#!/usr/bin/env python3
"""Write the seed corpus of fuzz_starttls in tests/fuzz/corpus/starttls/.

Input format (see fuzz_starttls.c): byte 0 picks the protocol (index into
its table), byte 1 the size of each read minus one, the rest is what the
server sends.  Seeds are the server sides of real dialogues (postfix,
dovecot, and the RFCs' examples) and their usual failures.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "starttls")
PROTOS = ["smtp", "lmtp", "imap", "pop3", "ftp", "xmpp", "xmpp-server", "ldap",
          "postgres", "mysql", "nntp", "sieve"]


def ldap_resp(code, msgid=1, diag=b""):
    body = b"\x0a\x01" + bytes([code]) + b"\x04\x00" + b"\x04" + bytes([len(diag)]) + diag
    op = b"\x78" + bytes([len(body)]) + body
    msg = b"\x02\x01" + bytes([msgid]) + op
    return b"\x30" + bytes([len(msg)]) + msg


def mysql_greeting(caps):
    payload = (b"\x0a" + b"8.0.36\x00" + b"\x01\x00\x00\x00" + b"abcdefgh" + b"\x00" +
               bytes([caps & 0xff, caps >> 8]) + b"\x21\x02\x00" + b"\xff\xc1" + b"\x15" +
               b"\x00" * 10 + b"ijklmnopqrst\x00" + b"mysql_native_password\x00")
    return len(payload).to_bytes(3, "little") + b"\x00" + payload


SEEDS = {
    "smtp-ok": ("smtp", b"220 mail.example.test ESMTP Postfix\r\n250-mail.example.test\r\n"
                b"250-PIPELINING\r\n250-STARTTLS\r\n250 CHUNKING\r\n220 2.0.0 Ready to start TLS\r\n"),
    "smtp-multiline-greeting": ("smtp", b"220-mail.example.test\r\n220 ESMTP\r\n250 STARTTLS\r\n220 go\r\n"),
    "smtp-no-starttls": ("smtp", b"220 mail ESMTP\r\n250-mail\r\n250 8BITMIME\r\n"),
    "smtp-421": ("smtp", b"421 4.7.0 mail Error: too many connections from 127.0.0.1\r\n"),
    "smtp-454": ("smtp", b"220 mail\r\n250 STARTTLS\r\n454 4.7.0 TLS not available\r\n"),
    "smtp-garbage": ("smtp", b"\x16\x03\x01\x00\x05hello"),
    "lmtp-ok": ("lmtp", b"220 lmtp ready\r\n250-lmtp\r\n250 STARTTLS\r\n220 ok\r\n"),
    "imap-ok": ("imap", b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"
                b"* CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED\r\nA1 OK done\r\nA2 OK Begin TLS\r\n"),
    "imap-bye": ("imap", b"* BYE Too many connections\r\n"),
    "imap-no": ("imap", b"* OK ready\r\n* CAPABILITY IMAP4rev1\r\nA1 OK\r\n"),
    "pop3-ok": ("pop3", b"+OK Dovecot ready.\r\n+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n+OK Begin TLS\r\n"),
    "pop3-nocapa": ("pop3", b"+OK hi\r\n-ERR unknown\r\n+OK go\r\n"),
    "ftp-ok": ("ftp", b"220-Welcome\r\n some text\r\n220 ready\r\n234 AUTH TLS OK\r\n"),
    "ftp-no": ("ftp", b"220 ready\r\n502 not implemented\r\n"),
    "xmpp-ok": ("xmpp", b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='x' id='1' version='1.0'>"
                b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                b"</stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
    "xmpp-error": ("xmpp", b"<stream:stream><stream:error><host-unknown/></stream:error>"),
    "xmpp-server-nostarttls": ("xmpp-server", b"<stream:stream><stream:features/>"),
    "ldap-ok": ("ldap", ldap_resp(0)),
    "ldap-protocol-error": ("ldap", ldap_resp(2, diag=b"unsupported extended operation")),
    "ldap-notice": ("ldap", ldap_resp(52, msgid=0)),
    "postgres-ok": ("postgres", b"S"),
    "postgres-no": ("postgres", b"N"),
    "mysql-ok": ("mysql", mysql_greeting(0xffff)),
    "mysql-nossl": ("mysql", mysql_greeting(0xf7ff)),
    "mysql-busy": ("mysql", b"\x17\x00\x00\x00\xff\x10\x04Too many connections"),
    "nntp-ok": ("nntp", b"200 news ready\r\n101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n382 go\r\n"),
    "nntp-400": ("nntp", b"400 busy\r\n"),
    "sieve-ok": ("sieve", b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto\"\r\n"
                 b"\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\nOK \"ready\"\r\nOK \"Begin TLS\"\r\n"),
    "long-line": ("smtp", b"220 " + b"x" * 5000),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (proto, data) in SEEDS.items():
        for piece in (0, 6):  # whole reads, and 7-byte reads
            with open(os.path.join(OUT, "%s-%d" % (name, piece)), "wb") as fh:
                fh.write(bytes([PROTOS.index(proto), piece if piece else 63]) + data)


if __name__ == "__main__":
    main()
