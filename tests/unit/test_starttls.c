/*
 * STARTTLS dialogues against scripted server transcripts: the verdict, the
 * kind of failure, and every byte the client says, fed whole and one byte
 * at a time (a server's reply may arrive in any pieces).
 */
#include <stdio.h>
#include <string.h>

#include "tharness.h"
#include "wire/starttls.h"

struct tcase {
	const char *name;
	const char *proto;
	const char *server; /* what the server sends (text protocols) */
	int verdict;
	int fail;
	const char *client; /* everything the client sends, in order */
	const char *banner; /* expected substring of the banner, or NULL */
};

static const struct tcase cases[] = {
        {"smtp ok", "smtp",
         "220 mail.example.test ESMTP Postfix\r\n250-mail.example.test\r\n250-PIPELINING\r\n"
         "250-STARTTLS\r\n250 CHUNKING\r\n220 2.0.0 Ready to start TLS\r\n",
         TA_ST_READY, TA_STF_NONE, "EHLO tlsaudit.invalid\r\nSTARTTLS\r\n", "ESMTP Postfix"},
        {"smtp multi-line greeting", "smtp",
         "220-mail.example.test\r\n220 ESMTP\r\n250 STARTTLS\r\n220 go\r\n", TA_ST_READY,
         TA_STF_NONE, "EHLO tlsaudit.invalid\r\nSTARTTLS\r\n", "220-mail.example.test"},
        {"smtp bare LF", "smtp", "220 x\n250-x\n250 STARTTLS\n220 go\n", TA_ST_READY, TA_STF_NONE,
         "EHLO tlsaudit.invalid\r\nSTARTTLS\r\n", NULL},
        {"smtp STARTTLS only as a parameter", "smtp", "220 x\r\n250-x\r\n250 AUTH STARTTLS\r\n",
         TA_ST_FAIL, TA_STF_NOT_OFFERED, "EHLO tlsaudit.invalid\r\n", NULL},
        {"smtp no STARTTLS", "smtp", "220 mail ESMTP\r\n250-mail\r\n250 8BITMIME\r\n", TA_ST_FAIL,
         TA_STF_NOT_OFFERED, "EHLO tlsaudit.invalid\r\n", NULL},
        {"smtp 421 greeting", "smtp", "421 4.7.0 Error: too many connections\r\n", TA_ST_FAIL,
         TA_STF_BUSY, "", NULL},
        {"smtp 554 greeting", "smtp", "554 5.7.1 go away\r\n", TA_ST_FAIL, TA_STF_REFUSED, "",
         NULL},
        {"smtp 454 to STARTTLS", "smtp", "220 m\r\n250 STARTTLS\r\n454 4.7.0 TLS not available\r\n",
         TA_ST_FAIL, TA_STF_BUSY, "EHLO tlsaudit.invalid\r\nSTARTTLS\r\n", NULL},
        {"smtp 502 to STARTTLS", "smtp", "220 m\r\n250 STARTTLS\r\n502 no\r\n", TA_ST_FAIL,
         TA_STF_REFUSED, "EHLO tlsaudit.invalid\r\nSTARTTLS\r\n", NULL},
        {"smtp not SMTP", "smtp", "HTTP/1.1 400 Bad Request\r\n", TA_ST_FAIL, TA_STF_PROTOCOL, "",
         NULL},
        {"lmtp ok", "lmtp", "220 lmtp\r\n250-lmtp\r\n250 STARTTLS\r\n220 ok\r\n", TA_ST_READY,
         TA_STF_NONE, "LHLO tlsaudit.invalid\r\nSTARTTLS\r\n", NULL},
        {"imap ok", "imap",
         "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n* CAPABILITY IMAP4rev1 "
         "SASL-IR STARTTLS LOGINDISABLED\r\nA1 OK done\r\nA2 OK Begin TLS\r\n",
         TA_ST_READY, TA_STF_NONE, "A1 CAPABILITY\r\nA2 STARTTLS\r\n", "Dovecot ready"},
        {"imap BYE", "imap", "* BYE Too many connections\r\n", TA_ST_FAIL, TA_STF_BUSY, "", NULL},
        {"imap no STARTTLS", "imap", "* OK ready\r\n* CAPABILITY IMAP4rev1\r\nA1 OK\r\n",
         TA_ST_FAIL, TA_STF_NOT_OFFERED, "A1 CAPABILITY\r\n", NULL},
        {"imap PREAUTH", "imap", "* PREAUTH hi\r\n", TA_ST_FAIL, TA_STF_NOT_OFFERED, "", NULL},
        {"imap STARTTLS NO", "imap", "* OK x\r\n* CAPABILITY STARTTLS\r\nA1 OK\r\nA2 NO later\r\n",
         TA_ST_FAIL, TA_STF_REFUSED, "A1 CAPABILITY\r\nA2 STARTTLS\r\n", NULL},
        {"pop3 ok", "pop3", "+OK Dovecot ready.\r\n+OK\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n+OK go\r\n",
         TA_ST_READY, TA_STF_NONE, "CAPA\r\nSTLS\r\n", "Dovecot"},
        {"pop3 no CAPA", "pop3", "+OK hi\r\n-ERR unknown\r\n+OK go\r\n", TA_ST_READY, TA_STF_NONE,
         "CAPA\r\nSTLS\r\n", NULL},
        {"pop3 no STLS", "pop3", "+OK hi\r\n+OK\r\nTOP\r\n.\r\n", TA_ST_FAIL, TA_STF_NOT_OFFERED,
         "CAPA\r\n", NULL},
        {"ftp ok", "ftp", "220-Welcome\r\n some text\r\n220 ready\r\n234 AUTH TLS OK\r\n",
         TA_ST_READY, TA_STF_NONE, "AUTH TLS\r\n", "Welcome"},
        {"ftp no AUTH", "ftp", "220 ready\r\n502 not implemented\r\n", TA_ST_FAIL,
         TA_STF_NOT_OFFERED, "AUTH TLS\r\n", NULL},
        {"ftp 421", "ftp", "421 too many users\r\n", TA_ST_FAIL, TA_STF_BUSY, "", NULL},
        {"xmpp ok", "xmpp",
         "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='1' version='1.0'>"
         "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
         "</starttls></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
         TA_ST_READY, TA_STF_NONE,
         "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='mail.example.test' "
         "version='1.0'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
         NULL},
        {"xmpp no starttls", "xmpp-server", "<stream:stream><stream:features/>", TA_ST_FAIL,
         TA_STF_NOT_OFFERED,
         "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='mail.example.test' "
         "version='1.0'>",
         NULL},
        {"xmpp failure", "xmpp",
         "<stream:stream><stream:features><starttls/></stream:features><failure/>", TA_ST_FAIL,
         TA_STF_REFUSED,
         "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='mail.example.test' "
         "version='1.0'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
         NULL},
        {"nntp ok", "nntp", "200 news\r\n101 list\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n382 go\r\n",
         TA_ST_READY, TA_STF_NONE, "CAPABILITIES\r\nSTARTTLS\r\n", "news"},
        {"nntp busy", "nntp", "400 busy\r\n", TA_ST_FAIL, TA_STF_BUSY, "", NULL},
        {"sieve ok", "sieve",
         "\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto\"\r\n\"STARTTLS\"\r\n"
         "OK \"ready\"\r\nOK \"Begin TLS\"\r\n",
         TA_ST_READY, TA_STF_NONE, "STARTTLS\r\n", "Pigeonhole"},
        {"sieve no STARTTLS", "sieve", "\"SIEVE\" \"x\"\r\nOK\r\n", TA_ST_FAIL, TA_STF_NOT_OFFERED,
         "", NULL},
        {"postgres S", "postgres", "S", TA_ST_READY, TA_STF_NONE, "\x00\x00\x00\x08\x04\xd2\x16/",
         NULL},
        {"postgres N", "postgres", "N", TA_ST_FAIL, TA_STF_NOT_OFFERED,
         "\x00\x00\x00\x08\x04\xd2\x16/", NULL},
};

/* Feed srv to a fresh dialogue in pieces of `piece` bytes; collect output. */
static int
run(const struct tcase *c, const uint8_t *srv, size_t n, size_t piece, uint8_t *out, size_t *outlen,
    struct ta_st *st)
{
	uint8_t buf[8192];
	size_t have = 0, pos = 0;
	int v = TA_ST_MORE;

	ta_st_init(st, ta_st_find(c->proto), "mail.example.test");
	ta_st_begin(st);
	memcpy(out, st->out, st->outlen);
	*outlen = st->outlen;
	while (pos < n && v == TA_ST_MORE) {
		size_t k = n - pos < piece ? n - pos : piece, used;

		memcpy(buf + have, srv + pos, k);
		have += k;
		pos += k;
		v = ta_st_feed(st, buf, have, &used);
		memcpy(out + *outlen, st->out, st->outlen);
		*outlen += st->outlen;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	return v;
}

static void
check_case(const struct tcase *c, const uint8_t *srv, size_t n, size_t clen)
{
	static const size_t pieces[] = {8192, 1, 7};

	for (size_t i = 0; i < TH_LEN(pieces); i++) {
		uint8_t out[4096];
		size_t outlen;
		struct ta_st st;
		int v = run(c, srv, n, pieces[i], out, &outlen, &st);

		TH_CASE(c->name);
		CHECK_EQ(v, c->verdict);
		CHECK_EQ(st.fail, c->fail);
		CHECK_EQ(outlen, clen);
		if (outlen == clen)
			CHECK_MEM(out, (const uint8_t *)c->client, clen);
		if (c->banner)
			CHECK(strstr(st.banner, c->banner) != NULL);
		if (v == TA_ST_FAIL)
			CHECK(st.detail[0] != '\0');
	}
}

static void
test_binary(void)
{
	/* LDAP ExtendedResponse success, and protocolError with a message */
	static const uint8_t ok[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07,
	                             0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
	static const uint8_t err[] = {0x30, 0x10, 0x02, 0x01, 0x01, 0x78, 0x0b, 0x0a, 0x01,
	                              0x02, 0x04, 0x00, 0x04, 0x04, 'n',  'o',  'p',  'e'};
	static const uint8_t req[] = "\x30\x1d\x02\x01\x01\x77\x18\x80\x16"
	                             "1.3.6.1.4.1.1466.20037";
	struct tcase c1 = {"ldap ok",         "ldap", NULL, TA_ST_READY, TA_STF_NONE,
	                   (const char *)req, NULL};
	struct tcase c2 = {"ldap protocolError", "ldap", NULL, TA_ST_FAIL, TA_STF_NOT_OFFERED,
	                   (const char *)req,    "nope"};
	/* MySQL greeting with CLIENT_SSL, then one without */
	uint8_t g[128];
	size_t n = 0;
	static const uint8_t tail[] = "\x01\x00\x00\x00"
	                              "abcdefgh\x00";
	struct ta_st st;
	size_t used;

	check_case(&c1, ok, sizeof ok, sizeof req - 1);
	check_case(&c2, err, sizeof err, sizeof req - 1);

	g[n++] = 0;
	g[n++] = 0;
	g[n++] = 0;
	g[n++] = 0;
	g[n++] = 10;
	memcpy(g + n, "8.0.36", 7);
	n += 7;
	memcpy(g + n, tail, sizeof tail - 1);
	n += sizeof tail - 1;
	g[n++] = 0xff; /* capabilities: CLIENT_SSL (0x0800) set */
	g[n++] = 0xff;
	g[0] = (uint8_t)(n - 4);
	TH_CASE("mysql ssl");
	ta_st_init(&st, ta_st_find("mysql"), "db");
	ta_st_begin(&st);
	CHECK_EQ(ta_st_feed(&st, g, n, &used), TA_ST_READY);
	CHECK_EQ(used, n);
	CHECK_EQ(st.outlen, 36u);
	CHECK_EQ(st.out[3], 1); /* sequence 1 */
	CHECK((st.out[5] & 0x08) != 0);
	CHECK_STR(st.banner, "8.0.36");
	TH_CASE("mysql no ssl");
	g[n - 1] = 0xf7;
	ta_st_init(&st, ta_st_find("mysql"), "db");
	CHECK_EQ(ta_st_feed(&st, g, n, &used), TA_ST_FAIL);
	CHECK_EQ(st.fail, TA_STF_NOT_OFFERED);
	TH_CASE("mysql too many connections");
	{
		static const uint8_t e[] = "\x17\x00\x00\x00\xff\x10\x04Too many connections";

		ta_st_init(&st, ta_st_find("mysql"), "db");
		CHECK_EQ(ta_st_feed(&st, e, sizeof e - 1, &used), TA_ST_FAIL);
		CHECK_EQ(st.fail, TA_STF_BUSY);
	}
}

static void
test_limits(void)
{
	static uint8_t big[TA_ST_LINE_MAX + 100];
	struct ta_st st;
	size_t used;

	TH_CASE("endless line");
	memset(big, 'x', sizeof big);
	memcpy(big, "220 ", 4);
	ta_st_init(&st, ta_st_find("smtp"), "m");
	CHECK_EQ(ta_st_feed(&st, big, sizeof big, &used), TA_ST_FAIL);
	CHECK_EQ(st.fail, TA_STF_PROTOCOL);
	TH_CASE("control bytes never reach the banner");
	ta_st_init(&st, ta_st_find("smtp"), "m");
	CHECK_EQ(ta_st_feed(&st, (const uint8_t *)"220 \x1b[31mred\x07\r\n", 15, &used),
	         TA_ST_MORE);
	CHECK_STR(st.banner, "220 \\x1b[31mred\\x07");
	TH_CASE("names");
	CHECK(ta_st_find("nope") == NULL);
	CHECK(ta_st_known("tls"));
	CHECK(ta_st_for_port(587) == ta_st_find("smtp"));
	CHECK(ta_st_for_port(443) == NULL);
	CHECK_STR(ta_st_implicit_service(993), "imaps");
}

/* Greetings of servers that speak first, as they answer a TLS hello sent
 * to a port named without /PROTO (captured from postfix, exim, dovecot,
 * vsftpd, MariaDB 10.11 and PostgreSQL 15, or written from the RFCs). */
static void
test_recognise(void)
{
	static const uint8_t mysql[] = {0x5b, 0x00, 0x00, 0x00, 0x0a, '1',  '0',  '.', '1',
	                                '1',  '.',  '6',  0x00, 0x08, 0x00, 0x00, 0x00};
	static const uint8_t pg[] = {'E', 0x00, 0x00, 0x00, 0x67, 'S', 'F', 'A',
	                             'T', 'A',  'L',  0x00, 'V',  'F', 'A', 'T'};
	static const uint8_t tls_alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
	static const uint8_t tls10[] = {0x16, 0x03, 0x03, 0x00, 0x0a, '1', '0', 0x00};
	static const struct {
		const char *greeting;
		const char *proto; /* NULL: not a greeting */
	} g[] = {
	        {"220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n", "smtp"},
	        {"220-mx.example.org ESMTP Exim 4.96 Mon, 07 Dec 2026\r\n", "smtp"},
	        {"220 mail.example.org\r\n", "smtp"},
	        {"220 lmtp.example.org Dovecot LMTP ready\r\n", "lmtp"},
	        {"220 (vsFTPd 3.0.3)\r\n", "ftp"},
	        {"220 ProFTPD Server ready.\r\n", "ftp"},
	        {"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n", "imap"},
	        {"+OK Dovecot ready.\r\n", "pop3"},
	        {"200 news.example.org InterNetNews NNRP server ready\r\n", "nntp"},
	        {"201 news.example.org no posting\r\n", "nntp"},
	        {"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n", "sieve"},
	        {"HTTP/1.1 400 Bad Request\r\n", NULL},
	        {"SSH-2.0-OpenSSH_9.2\r\n", NULL},
	        {"220", NULL}, /* too short to tell */
	        {"2200 x\r\n", NULL},
	};

	for (size_t i = 0; i < TH_LEN(g); i++) {
		const struct ta_st_ops *o =
		        ta_st_recognise((const uint8_t *)g[i].greeting, strlen(g[i].greeting));

		TH_CASE(g[i].greeting);
		if (g[i].proto)
			CHECK(o == ta_st_find(g[i].proto));
		else
			CHECK(o == NULL);
	}
	TH_CASE("MySQL handshake packet");
	CHECK(ta_st_recognise(mysql, sizeof mysql) == ta_st_find("mysql"));
	TH_CASE("PostgreSQL ErrorResponse");
	CHECK(ta_st_recognise(pg, sizeof pg) == ta_st_find("postgres"));
	TH_CASE("TLS records are not greetings");
	CHECK(ta_st_recognise(tls_alert, sizeof tls_alert) == NULL);
	CHECK(ta_st_recognise(tls10, sizeof tls10) == NULL);
}

int
main(void)
{
	for (size_t i = 0; i < TH_LEN(cases); i++) {
		const struct tcase *c = &cases[i];
		size_t clen = strlen(c->client);

		if (strcmp(c->proto, "postgres") == 0)
			clen = 8; /* the SSLRequest holds zero bytes */
		check_case(c, (const uint8_t *)c->server, strlen(c->server), clen);
	}
	test_binary();
	test_limits();
	test_recognise();
	return th_done("test_starttls");
}
