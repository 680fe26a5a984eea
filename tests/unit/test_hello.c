/*
 * Unit tests for ClientHello construction (src/wire/hello.c).  Each table
 * row builds a hello with ta_hello_write() and parses the bytes back here,
 * independently of the library's parsers: record header, handshake header,
 * version, random, session id, suites, compression, and every extension in
 * order with its exact body, written out by hand from the RFCs.  SSLv2
 * CLIENT-HELLOs are checked byte for byte.
 *
 * With "--emit NAME" the program writes the named hello to stdout instead;
 * test_hello_live.py sends those bytes to a real openssl s_server.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "tharness.h"
#include "wire/tls.h"

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static const uint8_t x25519_share[32] = {
        0x9f, 0xd7, 0xad, 0x6d, 0xcf, 0xf4, 0x29, 0x8d, 0xd3, 0xf9, 0x6d,
        0x5b, 0x1b, 0x2a, 0xf9, 0x10, 0xa0, 0x53, 0x5b, 0x14, 0x88, 0xd7,
        0xf8, 0xfa, 0xbb, 0x34, 0x9a, 0x98, 0x28, 0x80, 0xb6, 0x15,
};

static const uint16_t tls12_suites[] = {0xc02f, 0xc030, 0xc013, 0x009e, 0x002f};
static const uint16_t tls13_suites[] = {0x1301, 0x1302, 0x1303};
static const uint16_t ssl3_suites[] = {0x000a, 0x002f, 0x0005};
static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
static const uint16_t sigalgs[] = {0x0804, 0x0403, 0x0401, 0x0201};
static const uint16_t versions13[] = {0x0304, 0x0303};
static const char *const alpn[] = {"h2", "http/1.1"};
static const uint8_t cookie[] = {0xc0, 0x0c, 0x1e};

struct want_ext {
	uint16_t type;
	const uint8_t *body;
	size_t len;
	bool zeros; /* padding: any length, all zeros */
};

#define EXT(type, ...)                                                                             \
	{                                                                                          \
		(type), BYTES(__VA_ARGS__), false                                                  \
	}
#define EXT_EMPTY(type)                                                                            \
	{                                                                                          \
		(type), NULL, 0, false                                                             \
	}
#define EXT_PADDING                                                                                \
	{                                                                                          \
		TA_EXT_PADDING, NULL, 0, true                                                      \
	}

#define MAX_WANT 20

struct hello_case {
	const char *name;
	struct ta_hello h;
	uint16_t record_version; /* expected */
	const uint8_t *comp;     /* compression methods vector body */
	size_t comp_len;
	uint16_t extra_suites[2]; /* SCSVs expected after h.suites */
	size_t nextra;
	bool no_ext_block;
	struct want_ext ext[MAX_WANT];
	size_t next;
	size_t hs_total; /* expected handshake message size, 0: any */
};

static const struct hello_case cases[] =
        {
                {
                        .name = "tls12",
                        .h =
                                {
                                        .version = TA_TLS12,
                                        .suites = tls12_suites,
                                        .nsuites = TH_LEN(tls12_suites),
                                        .scsv_reneg = true,
                                        .sni = "example.com",
                                        .groups = groups,
                                        .ngroups = TH_LEN(groups),
                                        .ec_point_formats = true,
                                        .sigalgs = sigalgs,
                                        .nsigalgs = TH_LEN(sigalgs),
                                        .alpn = alpn,
                                        .nalpn = TH_LEN(alpn),
                                        .ems = true,
                                        .session_ticket = true,
                                        .reneg_info = true,
                                        .pad_to = 512,
                                },
                        .record_version = TA_TLS10,
                        .comp = BYTES(0x00),
                        .extra_suites = {TA_SUITE_SCSV_RENEG},
                        .nextra = 1,
                        .ext =
                                {
                                        EXT(TA_EXT_SERVER_NAME, 0x00, 0x0e, 0x00, 0x00, 0x0b, 'e',
                                            'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'),
                                        EXT(TA_EXT_EC_POINT_FORMATS, 0x01, 0x00),
                                        EXT(TA_EXT_SUPPORTED_GROUPS, 0x00, 0x06, 0x00, 0x1d, 0x00,
                                            0x17, 0x00, 0x18),
                                        EXT_EMPTY(TA_EXT_SESSION_TICKET),
                                        EXT(TA_EXT_ALPN, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't',
                                            't', 'p', '/', '1', '.', '1'),
                                        EXT_EMPTY(TA_EXT_EXTENDED_MASTER_SECRET),
                                        EXT(TA_EXT_SIGNATURE_ALGORITHMS, 0x00, 0x08, 0x08, 0x04,
                                            0x04, 0x03, 0x04, 0x01, 0x02, 0x01),
                                        EXT(TA_EXT_RENEGOTIATION_INFO, 0x00),
                                        EXT_PADDING,
                                },
                        .next = 9,
                        .hs_total = 512,
                },
                {
                        .name = "tls13",
                        .h =
                                {
                                        .version = TA_TLS12,
                                        .session_id_len = 32,
                                        .suites = tls13_suites,
                                        .nsuites = TH_LEN(tls13_suites),
                                        .sni = "localhost",
                                        .groups = groups,
                                        .ngroups = 1,
                                        .sigalgs = sigalgs,
                                        .nsigalgs = 3,
                                        .versions = versions13,
                                        .nversions = TH_LEN(versions13),
                                        .key_share_ext = true,
                                        .shares = {{0x001d, x25519_share, sizeof x25519_share}},
                                        .nshares = 1,
                                        .psk_modes = true,
                                },
                        .record_version = TA_TLS10,
                        .comp = BYTES(0x00),
                        .ext =
                                {
                                        EXT(TA_EXT_SERVER_NAME, 0x00, 0x0c, 0x00, 0x00, 0x09, 'l',
                                            'o', 'c', 'a', 'l', 'h', 'o', 's', 't'),
                                        EXT(TA_EXT_SUPPORTED_GROUPS, 0x00, 0x02, 0x00, 0x1d),
                                        EXT(TA_EXT_SIGNATURE_ALGORITHMS, 0x00, 0x06, 0x08, 0x04,
                                            0x04, 0x03, 0x04, 0x01),
                                        EXT(TA_EXT_SUPPORTED_VERSIONS, 0x04, 0x03, 0x04, 0x03,
                                            0x03),
                                        EXT(TA_EXT_PSK_KEY_EXCHANGE_MODES, 0x01, 0x01),
                                        EXT(TA_EXT_KEY_SHARE, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,
                                            0x9f, 0xd7, 0xad, 0x6d, 0xcf, 0xf4, 0x29, 0x8d, 0xd3,
                                            0xf9, 0x6d, 0x5b, 0x1b, 0x2a, 0xf9, 0x10, 0xa0, 0x53,
                                            0x5b, 0x14, 0x88, 0xd7, 0xf8, 0xfa, 0xbb, 0x34, 0x9a,
                                            0x98, 0x28, 0x80, 0xb6, 0x15),
                                },
                        .next = 6,
                },
                {
                        .name = "tls13 retry with cookie and empty key_share",
                        .h =
                                {
                                        .version = TA_TLS12,
                                        .suites = tls13_suites,
                                        .nsuites = 1,
                                        .versions = versions13,
                                        .nversions = 1,
                                        .groups_empty_ext = true,
                                        .key_share_ext = true,
                                        .cookie = cookie,
                                        .cookie_len = sizeof cookie,
                                },
                        .record_version = TA_TLS10,
                        .comp = BYTES(0x00),
                        .ext =
                                {
                                        EXT(TA_EXT_SUPPORTED_GROUPS, 0x00, 0x00),
                                        EXT(TA_EXT_SUPPORTED_VERSIONS, 0x02, 0x03, 0x04),
                                        EXT(TA_EXT_COOKIE, 0x00, 0x03, 0xc0, 0x0c, 0x1e),
                                        EXT(TA_EXT_KEY_SHARE, 0x00, 0x00),
                                },
                        .next = 4,
                },
                {
                        .name = "ssl3 no extensions",
                        .h =
                                {
                                        .version = TA_SSL3,
                                        .suites = ssl3_suites,
                                        .nsuites = TH_LEN(ssl3_suites),
                                        .no_extensions = true,
                                        .sni = "ignored.example", /* no_extensions wins */
                                        .pad_to = 512,
                                },
                        .record_version = TA_SSL3,
                        .comp = BYTES(0x00),
                        .no_ext_block = true,
                },
                {
                        .name = "tls10 deflate fallback scsv",
                        .h =
                                {
                                        .version = TA_TLS10,
                                        .suites = ssl3_suites,
                                        .nsuites = 2,
                                        .scsv_reneg = true,
                                        .scsv_fallback = true,
                                        .deflate = true,
                                },
                        .record_version = TA_TLS10,
                        .comp = BYTES(0x01, 0x00),
                        .extra_suites = {TA_SUITE_SCSV_RENEG, TA_SUITE_SCSV_FALLBACK},
                        .nextra = 2,
                        .next = 0, /* an empty extensions block */
                },
                {
                        .name = "tls12 record version 0x0303 and small extensions",
                        .h =
                                {
                                        .record_version = TA_TLS12,
                                        .version = TA_TLS12,
                                        .suites = tls12_suites,
                                        .nsuites = 1,
                                        .etm = true,
                                        .status_request = true,
                                        .heartbeat = true,
                                        .npn = true,
                                        .record_size_limit = 16385,
                                        .early_data = true,
                                        .pad_to = 40, /* already longer: no padding */
                                },
                        .record_version = TA_TLS12,
                        .comp = BYTES(0x00),
                        .ext =
                                {
                                        EXT_EMPTY(TA_EXT_ENCRYPT_THEN_MAC),
                                        EXT(TA_EXT_STATUS_REQUEST, 0x01, 0x00, 0x00, 0x00, 0x00),
                                        EXT(TA_EXT_HEARTBEAT, 0x01),
                                        EXT_EMPTY(TA_EXT_NPN),
                                        EXT(TA_EXT_RECORD_SIZE_LIMIT, 0x40, 0x01),
                                        EXT_EMPTY(TA_EXT_EARLY_DATA),
                                },
                        .next = 6,
                },
                {
                        .name = "pad to 256",
                        .h =
                                {
                                        .version = TA_TLS12,
                                        .suites = tls12_suites,
                                        .nsuites = 2,
                                        .pad_to = 256,
                                },
                        .record_version = TA_TLS10,
                        .comp = BYTES(0x00),
                        .ext = {EXT_PADDING},
                        .next = 1,
                        .hs_total = 256,
                },
};

struct parsed {
	uint8_t rec_type;
	uint16_t rec_version;
	size_t rec_len;
	uint8_t hs_type;
	uint32_t hs_len;
	uint16_t version;
	uint8_t random[32];
	struct ta_rd sid, suites, comp;
	bool has_exts;
	struct {
		uint16_t type;
		struct ta_rd body;
	} ext[32];
	size_t next;
};

/* An independent ClientHello parser, strict about every length. */
static int
parse_hello(const uint8_t *buf, size_t len, struct parsed *ch)
{
	struct ta_rd r, rec, hs, exts;
	uint16_t rlen;

	memset(ch, 0, sizeof *ch);
	ta_rd_init(&r, buf, len);
	TA_TRY(ta_rd_u8(&r, &ch->rec_type));
	TA_TRY(ta_rd_u16(&r, &ch->rec_version));
	TA_TRY(ta_rd_u16(&r, &rlen));
	ch->rec_len = rlen;
	TA_TRY(ta_rd_view(&r, rlen, &rec));
	TA_TRY(ta_rd_end(&r));
	TA_TRY(ta_rd_u8(&rec, &ch->hs_type));
	TA_TRY(ta_rd_uint(&rec, 3, &ch->hs_len));
	TA_TRY(ta_rd_view(&rec, ch->hs_len, &hs));
	TA_TRY(ta_rd_end(&rec));
	TA_TRY(ta_rd_u16(&hs, &ch->version));
	TA_TRY(ta_rd_bytes(&hs, ch->random, 32));
	TA_TRY(ta_rd_vec(&hs, 1, &ch->sid));
	TA_TRY(ta_rd_vec(&hs, 2, &ch->suites));
	TA_TRY(ta_rd_vec(&hs, 1, &ch->comp));
	if (ta_rd_left(&hs) == 0)
		return TA_OK;
	ch->has_exts = true;
	TA_TRY(ta_rd_vec(&hs, 2, &exts));
	TA_TRY(ta_rd_end(&hs));
	while (ta_rd_left(&exts) > 0) {
		if (ch->next == TH_LEN(ch->ext))
			return TA_ENOSPC;
		TA_TRY(ta_rd_u16(&exts, &ch->ext[ch->next].type));
		TA_TRY(ta_rd_vec(&exts, 2, &ch->ext[ch->next].body));
		ch->next++;
	}
	return TA_OK;
}

static void
fill_random(struct ta_hello *h)
{
	for (size_t i = 0; i < sizeof h->random; i++)
		h->random[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof h->session_id; i++)
		h->session_id[i] = (uint8_t)(0x50 + i);
}

static void
check_case(const struct hello_case *c)
{
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	struct ta_hello h = c->h;
	struct ta_wr w;
	struct parsed ch;
	size_t nsuites;

	TH_CASE(c->name);
	fill_random(&h);
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_OK);
	CHECK_EQ(parse_hello(buf, w.len, &ch), TA_OK);
	CHECK_EQ(ch.rec_type, TA_CT_HANDSHAKE);
	CHECK_EQ(ch.rec_version, c->record_version);
	CHECK_EQ(ch.rec_len, w.len - 5);
	CHECK_EQ(ch.hs_type, TA_HS_CLIENT_HELLO);
	CHECK_EQ(ch.hs_len, ch.rec_len - 4);
	if (c->hs_total)
		CHECK_EQ(ch.rec_len, c->hs_total);
	CHECK_EQ(ch.version, h.version);
	CHECK_MEM(ch.random, h.random, 32);
	CHECK_EQ(ta_rd_left(&ch.sid), h.session_id_len);
	CHECK_MEM(ch.sid.p, h.session_id, h.session_id_len);

	nsuites = ta_rd_left(&ch.suites) / 2;
	CHECK_EQ(ta_rd_left(&ch.suites) % 2, 0);
	CHECK_EQ(nsuites, h.nsuites + c->nextra);
	for (size_t i = 0; i < nsuites && i < h.nsuites + c->nextra; i++) {
		uint16_t s = 0;

		CHECK_EQ(ta_rd_u16(&ch.suites, &s), TA_OK);
		CHECK_EQ(s, i < h.nsuites ? h.suites[i] : c->extra_suites[i - h.nsuites]);
	}
	CHECK_EQ(ta_rd_left(&ch.comp), c->comp_len);
	CHECK_MEM(ch.comp.p, c->comp, c->comp_len);

	CHECK_EQ(ch.has_exts, !c->no_ext_block);
	CHECK_EQ(ch.next, c->next);
	for (size_t i = 0; i < ch.next && i < c->next; i++) {
		const struct want_ext *e = &c->ext[i];
		size_t len = ta_rd_left(&ch.ext[i].body);

		CHECK_EQ(ch.ext[i].type, e->type);
		for (size_t j = 0; j < i; j++)
			CHECK(ch.ext[j].type != ch.ext[i].type);
		if (!e->zeros) {
			CHECK_EQ(len, e->len);
			if (len == e->len && len > 0)
				CHECK_MEM(ch.ext[i].body.p, e->body, len);
		} else {
			for (size_t k = 0; k < len; k++)
				CHECK_EQ(ch.ext[i].body.p[k], 0);
			CHECK_EQ(i, ch.next - 1); /* padding goes last */
		}
	}
	TH_CASE(NULL);
}

/* Requests that must fail, and how. */
static void
test_errors(void)
{
	static uint16_t many[TA_HELLO_MAX_SUITES + 1];
	static const char *const long_alpn[] = {
	        "0123456789012345678901234567890123456789012345678901234567890123456789"
	        "0123456789012345678901234567890123456789012345678901234567890123456789"
	        "0123456789012345678901234567890123456789012345678901234567890123456789"
	        "0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	static uint8_t buf[TA_HELLO_MAX_BYTES * 2];
	struct ta_hello h;
	struct ta_wr w;
	struct parsed ch;

	for (size_t i = 0; i < TH_LEN(many); i++)
		many[i] = (uint16_t)(0x0100 + i);

	TH_CASE("max suites");
	memset(&h, 0, sizeof h);
	h.version = TA_TLS12;
	h.suites = many;
	h.nsuites = TA_HELLO_MAX_SUITES;
	h.scsv_reneg = true;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_OK);
	CHECK_EQ(parse_hello(buf, w.len, &ch), TA_OK);
	CHECK_EQ(ta_rd_left(&ch.suites), 2 * (TA_HELLO_MAX_SUITES + 1));

	TH_CASE("too many suites");
	h.nsuites = TA_HELLO_MAX_SUITES + 1;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_EINVAL);

	TH_CASE("session id 33");
	h.nsuites = 1;
	h.session_id_len = 33;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_EINVAL);

	TH_CASE("writer too small");
	h.session_id_len = 0;
	ta_wr_init(&w, buf, 40);
	CHECK_EQ(ta_hello_write(&h, &w), TA_ENOSPC);

	TH_CASE("larger than one record");
	h.pad_to = TA_HELLO_MAX_BYTES + 100;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK(ta_hello_write(&h, &w) != TA_OK);

	TH_CASE("padding to exactly one record");
	h.pad_to = TA_HELLO_MAX_BYTES;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_OK);
	CHECK_EQ(w.len, TA_HELLO_MAX_BYTES + 5);

	TH_CASE("ALPN protocol longer than 255");
	h.pad_to = 0;
	h.alpn = long_alpn;
	h.nalpn = 1;
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write(&h, &w), TA_ENOSPC);
	TH_CASE(NULL);
}

struct ssl2_case {
	const char *name;
	uint16_t version;
	uint32_t kinds[4];
	size_t n;
	const uint8_t *want;
	size_t want_len;
};

static const struct ssl2_case ssl2_cases[] = {
        {"sslv2",
         TA_SSL2,
         {0x010080, 0x0700c0},
         2,
         BYTES(0x80, 0x1f, 0x01, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10, 0x01, 0x00, 0x80,
               0x07, 0x00, 0xc0, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
               0x0b, 0x0c, 0x0d, 0x0e, 0x0f)},
        {"sslv2-compatible tls1.2",
         TA_TLS12,
         {0x00002f, 0x00c02f, 0x0000ff},
         3,
         BYTES(0x80, 0x22, 0x01, 0x03, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x2f,
               0x00, 0xc0, 0x2f, 0x00, 0x00, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
               0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f)},
        {"no kinds",
         TA_SSL2,
         {0},
         0,
         BYTES(0x80, 0x19, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x02,
               0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f)},
};

static const uint8_t challenge[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void
test_ssl2(void)
{
	static uint32_t many[11000];
	uint8_t buf[128];
	struct ta_wr w;

	for (size_t i = 0; i < TH_LEN(ssl2_cases); i++) {
		const struct ssl2_case *c = &ssl2_cases[i];

		TH_CASE(c->name);
		ta_wr_init(&w, buf, sizeof buf);
		CHECK_EQ(ta_hello_write_ssl2(c->version, c->kinds, c->n, challenge, &w), TA_OK);
		CHECK_EQ(w.len, c->want_len);
		CHECK_MEM(buf, c->want, c->want_len);
		/* the 2-byte header counts everything after itself */
		CHECK_EQ(((size_t)(buf[0] & 0x7f) << 8 | buf[1]), w.len - 2);
	}

	TH_CASE("sslv2 writer too small");
	ta_wr_init(&w, buf, 20);
	CHECK_EQ(ta_hello_write_ssl2(TA_SSL2, ssl2_cases[0].kinds, 2, challenge, &w), TA_ENOSPC);

	TH_CASE("sslv2 too many kinds");
	ta_wr_init(&w, buf, sizeof buf);
	CHECK_EQ(ta_hello_write_ssl2(TA_SSL2, many, TH_LEN(many), challenge, &w), TA_EINVAL);
	CHECK_EQ(w.len, 0);
	TH_CASE(NULL);
}

/* --emit: hellos for test_hello_live.py, by name. */
static int
emit(const char *name)
{
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	struct ta_wr w;
	int rc;

	ta_wr_init(&w, buf, sizeof buf);
	if (strcmp(name, "sslv2") == 0) {
		rc = ta_hello_write_ssl2(ssl2_cases[0].version, ssl2_cases[0].kinds,
		                         ssl2_cases[0].n, challenge, &w);
	} else {
		const struct hello_case *c = NULL;
		struct ta_hello h;

		for (size_t i = 0; i < TH_LEN(cases); i++)
			if (strcmp(cases[i].name, name) == 0)
				c = &cases[i];
		if (!c) {
			fprintf(stderr, "test_hello: no hello named '%s'\n", name);
			return 2;
		}
		h = c->h;
		fill_random(&h);
		rc = ta_hello_write(&h, &w);
	}
	if (rc != TA_OK) {
		fprintf(stderr, "test_hello: cannot build '%s': error %d\n", name, rc);
		return 1;
	}
	if (fwrite(buf, 1, w.len, stdout) != w.len || fflush(stdout) != 0)
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--emit") == 0)
		return emit(argv[2]);
	for (size_t i = 0; i < TH_LEN(cases); i++)
		check_case(&cases[i]);
	test_errors();
	test_ssl2();
	return th_done("test_hello");
}
