/*
 * Unit tests for src/wire/dnsrr.c: DNS messages made by hand, byte by byte,
 * with a tiny builder: answers of every type we parse, compression pointers
 * (to the question, chains of them, inside RDATA), and the hostile cases:
 * pointer loops, forward pointers, overlong names and labels, truncated
 * RDATA, counts that promise more than there is, CNAME loops.  Also the
 * query builder and the name checks.
 */
#include <stdio.h>
#include <string.h>

#include "tharness.h"
#include "wire/dnsrr.h"

/* ---- a message builder ---- */

struct mb {
	uint8_t b[8192];
	size_t n;
};

static void
u8(struct mb *m, unsigned v)
{
	if (m->n < sizeof m->b)
		m->b[m->n++] = (uint8_t)v;
}

static void
u16(struct mb *m, unsigned v)
{
	u8(m, v >> 8);
	u8(m, v & 0xff);
}

static void
u32(struct mb *m, uint32_t v)
{
	u16(m, v >> 16);
	u16(m, v & 0xffff);
}

static void
raw(struct mb *m, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		u8(m, ((const uint8_t *)p)[i]);
}

/* Uncompressed labels of "a.b.c" (no final zero byte: call u8(m, 0) or ptr()). */
static void
labels(struct mb *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		u8(m, (unsigned)len);
		raw(m, name, len);
		name += len + (dot ? 1 : 0);
	}
}

static void
name(struct mb *m, const char *n)
{
	labels(m, n);
	u8(m, 0);
}

static void
ptr(struct mb *m, size_t off)
{
	u16(m, 0xc000 | (unsigned)off);
}

#define QR 0x8000
#define AA 0x0400
#define TC 0x0200
#define RD 0x0100
#define RA 0x0080
#define AD 0x0020

static void
header(struct mb *m, unsigned flags, unsigned qd, unsigned an)
{
	m->n = 0;
	u16(m, 0x1234);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, 0);
	u16(m, 0);
}

/* Header with one question for qname/qtype; the question name is at 12. */
static void
start(struct mb *m, unsigned flags, unsigned an, const char *qname, unsigned qtype)
{
	header(m, flags, 1, an);
	name(m, qname);
	u16(m, qtype);
	u16(m, TA_DNS_CLASS_IN);
}

/* After the owner name: TYPE, CLASS, TTL and a reserved RDLENGTH. */
static size_t
rr_head(struct mb *m, unsigned type, uint32_t ttl)
{
	size_t at;

	u16(m, type);
	u16(m, TA_DNS_CLASS_IN);
	u32(m, ttl);
	at = m->n;
	u16(m, 0);
	return at;
}

static void
rr_end(struct mb *m, size_t at)
{
	size_t len = m->n - at - 2;

	m->b[at] = (uint8_t)(len >> 8);
	m->b[at + 1] = (uint8_t)len;
}

/* Parse, then the i-th answer record. */
static int
nth_rr(const struct mb *b, struct ta_dnsmsg *m, unsigned i, struct ta_dnsrr *rr)
{
	struct ta_dnsrr_it it;
	bool got = false;

	TA_TRY(ta_dnsmsg_parse(b->b, b->n, m));
	ta_dnsrr_it_init(&it, m);
	for (unsigned k = 0; k <= i; k++) {
		TA_TRY(ta_dnsrr_next(&it, rr, &got));
		if (!got)
			return TA_ENOSPC;
	}
	return TA_OK;
}

static struct ta_dnsmsg msg;
static struct ta_dnsrr rec;
static char text[TA_DNS_NAME_TEXT];

static void
test_header(void)
{
	struct mb b;

	TH_CASE("header bits");
	start(&b, QR | RD | RA | AD | TC | AA | TA_DNS_RCODE_NXDOMAIN, 0, "Example.TEST", 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(msg.h.id, 0x1234);
	CHECK(msg.h.qr && msg.h.rd && msg.h.ra && msg.h.ad && msg.h.tc && msg.h.aa);
	CHECK(!msg.h.cd);
	CHECK_EQ(msg.h.rcode, TA_DNS_RCODE_NXDOMAIN);
	CHECK_STR(msg.qname, "Example.TEST");
	CHECK_EQ(msg.qtype, 1);

	TH_CASE("no AD");
	start(&b, QR | RD | RA, 0, "example.test", 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK(!msg.h.ad && !msg.h.tc);
	CHECK_EQ(msg.h.rcode, 0);

	TH_CASE("short header");
	CHECK_EQ(ta_dnsmsg_parse(b.b, 11, &msg), TA_EDECODE);
	CHECK_EQ(ta_dnsmsg_parse(b.b, 0, &msg), TA_EDECODE);

	TH_CASE("two questions");
	header(&b, QR, 2, 0);
	name(&b, "a.test");
	u16(&b, 1);
	u16(&b, 1);
	name(&b, "b.test");
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("no question");
	header(&b, QR, 0, 0);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("question cut");
	start(&b, QR, 0, "example.test", 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n - 1, &msg), TA_EDECODE);

	TH_CASE("root question");
	header(&b, QR, 1, 0);
	u8(&b, 0);
	u16(&b, 2);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_STR(msg.qname, ".");
}

static void
test_a_aaaa(void)
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t a4[4], a6[16];
	struct mb b;
	size_t at;

	TH_CASE("A, owner compressed to the question");
	start(&b, QR | RD | RA, 2, "www.example.test", TA_DNS_TYPE_A);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_A, 300);
	raw(&b, "\xc0\x00\x02\x01", 4);
	rr_end(&b, at);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_A, 300);
	raw(&b, "\x7f\x00\x00\x01", 4);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_STR(rec.owner, "www.example.test");
	CHECK_EQ(rec.type, TA_DNS_TYPE_A);
	CHECK_EQ(rec.ttl, 300);
	CHECK_EQ(ta_dns_rdata_a(&rec, a4), TA_OK);
	CHECK_MEM(a4, "\xc0\x00\x02\x01", 4);
	CHECK_EQ(nth_rr(&b, &msg, 1, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_a(&rec, a4), TA_OK);
	CHECK_MEM(a4, "\x7f\x00\x00\x01", 4);
	CHECK_EQ(nth_rr(&b, &msg, 2, &rec), TA_ENOSPC); /* no third */

	TH_CASE("A with five bytes");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_A);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_A, 1);
	raw(&b, "\x01\x02\x03\x04\x05", 5);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_a(&rec, a4), TA_EDECODE);

	TH_CASE("AAAA");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_AAAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_AAAA, 1);
	raw(&b, v6, 16);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_aaaa(&rec, a6), TA_OK);
	CHECK_MEM(a6, v6, 16);
	CHECK_EQ(ta_dns_rdata_a(&rec, a4), TA_EDECODE);

	TH_CASE("AAAA with 15 bytes");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_AAAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_AAAA, 1);
	raw(&b, v6, 15);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_aaaa(&rec, a6), TA_EDECODE);
}

static void
test_counts_and_truncation(void)
{
	struct mb b;
	size_t at;

	TH_CASE("ancount promises three, two are there");
	start(&b, QR, 3, "x.test", TA_DNS_TYPE_A);
	for (int i = 0; i < 2; i++) {
		ptr(&b, 12);
		at = rr_head(&b, TA_DNS_TYPE_A, 1);
		raw(&b, "\x01\x02\x03\x04", 4);
		rr_end(&b, at);
	}
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);
	b.b[7] = 2;
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);

	TH_CASE("ancount 65535 over one record");
	b.b[6] = 0xff;
	b.b[7] = 0xff;
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("RDLENGTH past the end");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_TXT);
	ptr(&b, 12);
	rr_head(&b, TA_DNS_TYPE_TXT, 1);
	b.b[b.n - 1] = 20; /* RDLENGTH 20 */
	raw(&b, "\x05hello", 6);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("record cut inside TTL");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_A);
	ptr(&b, 12);
	u16(&b, TA_DNS_TYPE_A);
	u16(&b, 1);
	u16(&b, 0);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("every prefix of a good message fails cleanly");
	start(&b, QR, 1, "mx.example.test", TA_DNS_TYPE_MX);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_MX, 1);
	u16(&b, 10);
	labels(&b, "mail");
	ptr(&b, 15);
	rr_end(&b, at);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	for (size_t n = 0; n < b.n; n++) {
		CHECK_EQ(ta_dnsmsg_parse(b.b, n, &msg), TA_EDECODE);
	}
}

static void
test_names(void)
{
	struct mb b;
	size_t at, off;

	TH_CASE("pointer to a pointer to the question");
	start(&b, QR, 2, "a.example.test", TA_DNS_TYPE_CNAME);
	ptr(&b, 12); /* record 1 owner at 32 */
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	labels(&b, "b");
	ptr(&b, 14); /* "example.test" within the question */
	rr_end(&b, at);
	{
		size_t second = at + 2; /* "b" + pointer: a name to point at */

		labels(&b, "c");
		ptr(&b, second);
	}
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	ptr(&b, 12);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_name(&msg, &rec, text, sizeof text), TA_OK);
	CHECK_STR(text, "b.example.test");
	CHECK_EQ(nth_rr(&b, &msg, 1, &rec), TA_OK);
	CHECK_STR(rec.owner, "c.b.example.test");
	CHECK_EQ(ta_dns_rdata_name(&msg, &rec, text, sizeof text), TA_OK);
	CHECK_STR(text, "a.example.test");

	TH_CASE("pointer to itself");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_A);
	ptr(&b, b.n);
	rr_head(&b, TA_DNS_TYPE_A, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("two pointers pointing at each other");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_A);
	off = b.n;
	ptr(&b, off + 2);
	ptr(&b, off);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);
	CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, sizeof text), TA_EDECODE);
	off = b.n - 2;
	CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, sizeof text), TA_EDECODE);

	TH_CASE("label then a pointer back into the same name");
	header(&b, QR, 1, 0);
	labels(&b, "loop");
	ptr(&b, 12);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("forward pointer");
	header(&b, QR, 1, 0);
	ptr(&b, 18);
	u16(&b, 1);
	u16(&b, 1);
	name(&b, "fwd.test");
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("pointer past the end");
	header(&b, QR, 1, 0);
	ptr(&b, 0x3fff);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("a chain of many backward pointers");
	/* 100 pointers, each to the one before: capped by TA_DNS_MAX_JUMPS */
	header(&b, QR, 1, 0);
	{
		size_t first = b.n;

		name(&b, "z");
		for (int i = 0; i < 100; i++)
			ptr(&b, i == 0 ? first : b.n - 2);
		off = b.n - 2;
		CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, sizeof text), TA_EDECODE);
		off = first + 3 + 2 * 10; /* eleven pointers: fine */
		CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, sizeof text), TA_OK);
		CHECK_STR(text, "z");
		CHECK_EQ(off, first + 3 + 2 * 10 + 2);
	}

	TH_CASE("overlong name, uncompressed");
	header(&b, QR, 1, 0);
	for (int i = 0; i < 4; i++) { /* 4 * 64 = 256 wire bytes with the root */
		u8(&b, 63);
		for (int k = 0; k < 63; k++)
			u8(&b, 'a');
	}
	u8(&b, 0);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("longest name: 255 wire bytes");
	header(&b, QR, 1, 0);
	for (int i = 0; i < 3; i++) {
		u8(&b, 63);
		for (int k = 0; k < 63; k++)
			u8(&b, 'a');
	}
	u8(&b, 61);
	for (int k = 0; k < 61; k++)
		u8(&b, 'b');
	u8(&b, 0);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(strlen(msg.qname), 253);
	CHECK(ta_dns_name_is_host(msg.qname));

	TH_CASE("overlong name through compression");
	/* question: 200 wire bytes; the answer's owner adds 62 more before
	 * pointing at it */
	header(&b, QR, 1, 1);
	for (int i = 0; i < 3; i++) {
		u8(&b, 65 - 2);
		for (int k = 0; k < 63; k++)
			u8(&b, 'q');
	}
	u8(&b, 6);
	raw(&b, "ending", 6);
	u8(&b, 0);
	u16(&b, 1);
	u16(&b, 1);
	labels(&b, "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_A, 1);
	raw(&b, "\x01\x02\x03\x04", 4);
	rr_end(&b, at);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("label type 0x40 and 0x80");
	header(&b, QR, 1, 0);
	u8(&b, 0x41);
	u8(&b, 'x');
	u8(&b, 0);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);
	b.b[12] = 0x81;
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_EDECODE);

	TH_CASE("escapes in labels");
	header(&b, QR, 1, 0);
	raw(&b,
	    "\x05"
	    "a.b\\c"
	    "\x04"
	    "x\x00y "
	    "\x03"
	    "\xff\x7f~",
	    15);
	u8(&b, 0);
	u16(&b, 1);
	u16(&b, 1);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_STR(msg.qname, "a\\.b\\\\c.x\\000y\\032.\\255\\127~");
	CHECK(!ta_dns_name_is_host(msg.qname));

	TH_CASE("name text buffer too short");
	header(&b, QR, 1, 0);
	name(&b, "abcdef.test");
	off = 12;
	CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, 11), TA_ENOSPC);
	off = 12;
	CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, text, 12), TA_OK);
	CHECK_STR(text, "abcdef.test");
	off = 12;
	CHECK_EQ(ta_dns_name_read(b.b, b.n, &off, b.n, NULL, 0), TA_OK);
	CHECK_EQ(off, 25);

	TH_CASE("name runs past the RDATA end");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_CNAME);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	labels(&b, "abc");
	rr_end(&b, at);  /* RDATA: "\3abc", no end */
	name(&b, "def"); /* what follows would end the name */
	b.b[7] = 1;
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n - 5, &msg), TA_OK);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_name(&msg, &rec, text, sizeof text), TA_EDECODE);

	TH_CASE("name shorter than the RDATA");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_CNAME);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	name(&b, "abc");
	u8(&b, 0);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_name(&msg, &rec, text, sizeof text), TA_EDECODE);
}

static void
test_mx_txt(void)
{
	struct ta_dns_txtinfo info;
	char small[8];
	uint16_t pref;
	struct mb b;
	size_t at;

	TH_CASE("MX, exchange compressed to the question's parent");
	start(&b, QR, 2, "example.test", TA_DNS_TYPE_MX);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_MX, 3600);
	u16(&b, 10);
	labels(&b, "mx1");
	ptr(&b, 12);
	rr_end(&b, at);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_MX, 3600);
	u16(&b, 0);
	u8(&b, 0); /* null MX */
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_mx(&msg, &rec, &pref, text, sizeof text), TA_OK);
	CHECK_EQ(pref, 10);
	CHECK_STR(text, "mx1.example.test");
	CHECK(ta_dns_name_is_host(text));
	CHECK_EQ(nth_rr(&b, &msg, 1, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_mx(&msg, &rec, &pref, text, sizeof text), TA_OK);
	CHECK_EQ(pref, 0);
	CHECK_STR(text, ".");
	CHECK(!ta_dns_name_is_host(text));

	TH_CASE("MX with only a preference");
	start(&b, QR, 1, "example.test", TA_DNS_TYPE_MX);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_MX, 1);
	u16(&b, 5);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_mx(&msg, &rec, &pref, text, sizeof text), TA_EDECODE);

	TH_CASE("TXT, several strings");
	start(&b, QR, 1, "_mta-sts.example.test", TA_DNS_TYPE_TXT);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TXT, 1);
	raw(&b, "\x09v=STSv1; \x0aid=2024010", 21);
	u8(&b, 0); /* an empty string among them */
	raw(&b,
	    "\x02"
	    "1;",
	    3);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_txt(&rec, text, sizeof text, &info), TA_OK);
	CHECK_STR(text, "v=STSv1; id=20240101;");
	CHECK_EQ(info.nstrings, 4);
	CHECK_EQ(info.rawlen, 21);
	CHECK(info.clean && !info.cut);

	TH_CASE("TXT, cut to the buffer");
	CHECK_EQ(ta_dns_rdata_txt(&rec, small, sizeof small, &info), TA_OK);
	CHECK_STR(small, "v=STSv1");
	CHECK(info.cut && info.clean);

	TH_CASE("TXT with bytes to escape");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_TXT);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TXT, 1);
	raw(&b,
	    "\x06"
	    "a\x07\\b\xc3\n",
	    7);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_txt(&rec, text, sizeof text, &info), TA_OK);
	CHECK_STR(text, "a\\007\\\\b\\195\\010");
	CHECK(!info.clean && !info.cut);
	CHECK_EQ(ta_dns_rdata_txt(&rec, small, sizeof small, &info), TA_OK);
	CHECK_STR(small, "a\\007\\\\"); /* whole escapes only */
	CHECK(info.cut);

	TH_CASE("TXT string longer than the RDATA");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_TXT);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TXT, 1);
	raw(&b,
	    "\x03"
	    "ab\x09"
	    "abc",
	    6);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_txt(&rec, text, sizeof text, &info), TA_EDECODE);

	TH_CASE("TXT with no string at all");
	start(&b, QR, 1, "x.test", TA_DNS_TYPE_TXT);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TXT, 1);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_txt(&rec, text, sizeof text, &info), TA_EDECODE);
}

static void
test_caa_tlsa(void)
{
	struct ta_dns_tlsa_rd t;
	struct ta_dns_caa_rd c;
	uint8_t sha[32];
	struct mb b;
	size_t at;

	TH_CASE("CAA issue, critical unknown tag");
	start(&b, QR, 2, "example.test", TA_DNS_TYPE_CAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	u8(&b, 0);
	raw(&b, "\x05issueca.example.net; account=1", 31);
	rr_end(&b, at);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	u8(&b, 128);
	raw(&b, "\x03tbsUnknown", 11);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_OK);
	CHECK_EQ(c.flags, 0);
	CHECK_EQ(ta_rd_left(&c.tag), 5);
	CHECK_MEM(c.tag.p, "issue", 5);
	CHECK_EQ(ta_rd_left(&c.value), 25);
	CHECK_MEM(c.value.p, "ca.example.net; account=1", 25);
	CHECK_EQ(nth_rr(&b, &msg, 1, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_OK);
	CHECK_EQ(c.flags, 128);
	CHECK_MEM(c.tag.p, "tbs", 3);
	CHECK_MEM(c.value.p, "Unknown", 7);

	TH_CASE("CAA with an empty value");
	start(&b, QR, 1, "example.test", TA_DNS_TYPE_CAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	raw(&b, "\x00\x09issuewild", 11);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_OK);
	CHECK_EQ(ta_rd_left(&c.value), 0);

	TH_CASE("CAA with a zero tag length");
	start(&b, QR, 1, "example.test", TA_DNS_TYPE_CAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	raw(&b, "\x00\x00value", 7);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_EDECODE);

	TH_CASE("CAA with a tag longer than the RDATA");
	start(&b, QR, 1, "example.test", TA_DNS_TYPE_CAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	raw(&b, "\x00\x10issue", 7);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_EDECODE);

	TH_CASE("CAA with the flags only");
	start(&b, QR, 1, "example.test", TA_DNS_TYPE_CAA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CAA, 1);
	u8(&b, 0);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_caa(&rec, &c), TA_EDECODE);

	TH_CASE("TLSA 3 1 1");
	for (int i = 0; i < 32; i++)
		sha[i] = (uint8_t)(i * 7);
	start(&b, QR, 1, "_25._tcp.mx1.example.test", TA_DNS_TYPE_TLSA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TLSA, 1);
	raw(&b, "\x03\x01\x01", 3);
	raw(&b, sha, 32);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_STR(rec.owner, "_25._tcp.mx1.example.test");
	CHECK(!ta_dns_name_is_host(rec.owner));
	CHECK_EQ(ta_dns_rdata_tlsa(&rec, &t), TA_OK);
	CHECK_EQ(t.usage, 3);
	CHECK_EQ(t.selector, 1);
	CHECK_EQ(t.mtype, 1);
	CHECK_EQ(ta_rd_left(&t.data), 32);
	CHECK_MEM(t.data.p, sha, 32);

	TH_CASE("TLSA without data, and cut short");
	start(&b, QR, 1, "_25._tcp.mx1.example.test", TA_DNS_TYPE_TLSA);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_TLSA, 1);
	raw(&b, "\x03\x01\x01", 3);
	rr_end(&b, at);
	CHECK_EQ(nth_rr(&b, &msg, 0, &rec), TA_OK);
	CHECK_EQ(ta_dns_rdata_tlsa(&rec, &t), TA_EDECODE);
	rec.rdata.end = rec.rdata.p + 2;
	CHECK_EQ(ta_dns_rdata_tlsa(&rec, &t), TA_EDECODE);
}

static void
test_follow(void)
{
	unsigned hops;
	struct mb b;
	size_t at;

	TH_CASE("CNAME chain out of order");
	start(&b, QR, 3, "www.example.test", TA_DNS_TYPE_A);
	name(&b, "web.example.test"); /* record 1: web -> srv */
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	name(&b, "srv.example.test");
	rr_end(&b, at);
	ptr(&b, 12); /* record 2: www -> web */
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	name(&b, "WEB.example.test");
	rr_end(&b, at);
	name(&b, "srv.example.test");
	at = rr_head(&b, TA_DNS_TYPE_A, 1);
	raw(&b, "\x0a\x00\x00\x01", 4);
	rr_end(&b, at);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_OK);
	CHECK_STR(text, "srv.example.test");
	CHECK_EQ(hops, 2);

	TH_CASE("asking for the CNAME itself");
	msg.qtype = TA_DNS_TYPE_CNAME;
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_OK);
	CHECK_STR(text, "www.example.test");
	CHECK_EQ(hops, 0);

	TH_CASE("CNAME loop");
	start(&b, QR, 2, "a.test", TA_DNS_TYPE_A);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	name(&b, "b.test");
	rr_end(&b, at);
	name(&b, "b.test");
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	ptr(&b, 12);
	rr_end(&b, at);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_EPROTO);

	TH_CASE("CNAME chain of nine");
	start(&b, QR, 9, "c0.test", TA_DNS_TYPE_A);
	for (int i = 0; i < 9; i++) {
		char o[16], t[16];

		snprintf(o, sizeof o, "c%d.test", i);
		snprintf(t, sizeof t, "c%d.test", i + 1);
		name(&b, o);
		at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
		name(&b, t);
		rr_end(&b, at);
	}
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_EPROTO);
	b.b[7] = 8; /* eight of them: the limit */
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_OK);
	CHECK_STR(text, "c8.test");
	CHECK_EQ(hops, 8);

	TH_CASE("malformed CNAME on the path");
	start(&b, QR, 1, "a.test", TA_DNS_TYPE_A);
	ptr(&b, 12);
	at = rr_head(&b, TA_DNS_TYPE_CNAME, 1);
	raw(&b,
	    "\x05"
	    "ab",
	    3);
	rr_end(&b, at);
	CHECK_EQ(ta_dnsmsg_parse(b.b, b.n, &msg), TA_OK);
	CHECK_EQ(ta_dnsmsg_follow(&msg, text, sizeof text, &hops), TA_EDECODE);
}

static void
test_query(void)
{
	static const uint8_t want[] = {
	        0xab, 0xcd, 0x01, 0x20, 0,    1, 0,   0,   0,   0, 0,   1, /* header */
	        4,    '_',  'm',  't',  'a',  3, 'w', 'w', 'w', 4, 't', 'e', 's', 't', 0, /* name */
	        0x01, 0x01, 0,    1,                                  /* CAA IN */
	        0,    0,    41,   0x04, 0xd0, 0, 0,   0,   0,   0, 0, /* OPT */
	};
	uint8_t q[TA_DNS_QUERY_MAX];
	char longname[300];
	size_t len = 0;

	TH_CASE("query bytes");
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 0xabcd, "_mta.www.test.", TA_DNS_TYPE_CAA, 1232,
	                            &len),
	         TA_OK);
	CHECK_EQ(len, sizeof want);
	CHECK_MEM(q, want, sizeof want);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 0xabcd, "_mta.www.test", TA_DNS_TYPE_CAA, 0, &len),
	         TA_OK);
	CHECK_EQ(len, sizeof want - TA_DNS_OPT_LEN);
	CHECK_EQ(q[11], 0);

	TH_CASE("our own query parses as a message");
	CHECK_EQ(ta_dnsmsg_parse(q, len, &msg), TA_OK);
	CHECK_STR(msg.qname, "_mta.www.test");
	CHECK(!msg.h.qr && msg.h.rd && msg.h.ad);

	TH_CASE("names that cannot be asked");
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, ".", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "a..b", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, ".a", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "a b.test", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "a\\.b.test", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "caf\xc3\xa9.test", 1, 0, &len), TA_EINVAL);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, "a.test..", 1, 0, &len), TA_EINVAL);
	memset(longname, 'a', 64);
	memcpy(longname + 64, ".test", 6);
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, longname, 1, 0, &len), TA_EINVAL);
	memcpy(longname + 63, ".test", 6); /* a 63-byte label */
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, longname, 1, 0, &len), TA_OK);
	for (int i = 0; i < 254; i++)
		longname[i] = i % 2 ? '.' : 'x';
	longname[253] = '\0'; /* 253 characters */
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, longname, 1, 0, &len), TA_OK);
	longname[253] = 'x';
	longname[254] = '\0';
	CHECK_EQ(ta_dns_query_build(q, sizeof q, 1, longname, 1, 0, &len), TA_EINVAL);

	TH_CASE("short buffer");
	CHECK_EQ(ta_dns_query_build(q, 20, 1, "example.test", 1, 1232, &len), TA_ENOSPC);
}

static void
test_host(void)
{
	static const struct {
		const char *name;
		bool host;
	} cases[] = {
	        {"mx1.example.test", true},
	        {"EXAMPLE.test", true},
	        {"a", true},
	        {"1.2.3.4", true}, /* letters-digits-hyphens: a caller checks for literals */
	        {"xn--caf-dma.test", true},
	        {".", false},
	        {"", false},
	        {"a..b", false},
	        {"a.", false},
	        {"-a.test", false},
	        {"a-.test", false},
	        {"_25._tcp.test", false},
	        {"a b.test", false},
	        {"a\\.b.test", false},
	        {"a\\000.test", false},
	};

	for (size_t i = 0; i < TH_LEN(cases); i++) {
		TH_CASE(cases[i].name);
		CHECK_EQ(ta_dns_name_is_host(cases[i].name), cases[i].host);
	}
	TH_CASE("63-byte label, 64-byte label");
	{
		char n[80];

		memset(n, 'l', 63);
		memcpy(n + 63, ".t", 3);
		CHECK(ta_dns_name_is_host(n));
		memset(n, 'l', 64);
		memcpy(n + 64, ".t", 3);
		CHECK(!ta_dns_name_is_host(n));
	}
	TH_CASE("name equality");
	CHECK(ta_dns_name_eq("Mx1.Example.TEST", "mx1.example.test"));
	CHECK(!ta_dns_name_eq("mx1.example.test", "mx1.example.tes"));
	CHECK(!ta_dns_name_eq("mx1.example.tes", "mx1.example.test"));
}

static void
test_escape(void)
{
	struct ta_rd r;
	char out[16];
	bool clean;

	TH_CASE("escape");
	ta_rd_init(&r, (const uint8_t *)"plain text", 10);
	CHECK_EQ(ta_dns_escape(out, sizeof out, r, &clean), TA_OK);
	CHECK_STR(out, "plain text");
	CHECK(clean);
	ta_rd_init(&r, (const uint8_t *)"\x1b[31m", 5);
	CHECK_EQ(ta_dns_escape(out, sizeof out, r, &clean), TA_OK);
	CHECK_STR(out, "\\027[31m");
	CHECK(!clean);
	ta_rd_init(&r, (const uint8_t *)"\x01\x02\x03\x04", 4);
	CHECK_EQ(ta_dns_escape(out, 10, r, &clean), TA_ENOSPC);
	CHECK_STR(out, "\\001\\002");
	CHECK_EQ(ta_dns_escape(out, 1, r, NULL), TA_ENOSPC);
	CHECK_STR(out, "");
}

int
main(void)
{
	test_header();
	test_a_aaaa();
	test_counts_and_truncation();
	test_names();
	test_mx_txt();
	test_caa_tlsa();
	test_follow();
	test_query();
	test_host();
	test_escape();
	return th_done("test_dnsrr");
}
