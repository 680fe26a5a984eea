/*
 * Unit tests for the server message parsers (src/wire/msg.c): records,
 * alerts, handshake headers, ServerHello / HelloRetryRequest,
 * ServerKeyExchange, Certificate and the SSLv2 SERVER-HELLO.
 *
 * Two kinds of input: hand-made messages in tables below (every field and
 * every error path), and real server flights captured on loopback by
 * tests/vectors/capture.py.  For a captured flight the test splits records,
 * reassembles the handshake messages, parses each one and compares what it
 * finds with the "expect-*" lines of the vector's note (NAME.txt).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "tharness.h"
#include "wire/registry.h"
#include "wire/tls.h"

#ifndef TA_VECTORS_DIR
#error "TA_VECTORS_DIR must name tests/vectors"
#endif

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
static const uint8_t plain_random[32] = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};
/* RFC 8446 4.1.3: "DOWNGRD" then 01 (to TLS 1.2) or 00 (to 1.1 or below) */
static const uint8_t dgrd12_random[32] = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,    10,   11,   12,   13,   14,   15,   16,
        17, 18, 19, 20, 21, 22, 23, 24, 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01,
};
static const uint8_t dgrd11_random[32] = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,    10,   11,   12,   13,   14,   15,   16,
        17, 18, 19, 20, 21, 22, 23, 24, 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00,
};
static const uint8_t dgrd_other_random[32] = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,    10,   11,   12,   13,   14,   15,   16,
        17, 18, 19, 20, 21, 22, 23, 24, 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x02,
};

/* ------------------------------------------------------------ records */

struct rec_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	int rc;
	uint8_t type;
	uint16_t version;
	size_t body_len;
	size_t consumed;
};

static const struct rec_case rec_cases[] = {
        {"alert record", BYTES(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28), TA_OK, 21, 0x0303, 2, 7},
        {"two records: first",
         BYTES(0x16, 0x03, 0x01, 0x00, 0x01, 0x0e, 0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00), TA_OK,
         22, 0x0301, 1, 6},
        {"empty body", BYTES(0x17, 0x03, 0x03, 0x00, 0x00), TA_OK, 23, 0x0303, 0, 5},
        {"ssl3 version", BYTES(0x16, 0x03, 0x00, 0x00, 0x01, 0x0e), TA_OK, 22, 0x0300, 1, 6},
        {"empty input", (const uint8_t *)"", 0, TA_ENOSPC, 0, 0, 0, 0},
        {"one byte", BYTES(0x16), TA_ENOSPC, 0, 0, 0, 0},
        {"four bytes", BYTES(0x16, 0x03, 0x03, 0x00), TA_ENOSPC, 0, 0, 0, 0},
        {"body incomplete", BYTES(0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00), TA_ENOSPC, 0, 0,
         0, 0},
        {"length 2^14+2048 incomplete", BYTES(0x16, 0x03, 0x03, 0x48, 0x00, 0x00), TA_ENOSPC, 0, 0,
         0, 0},
        {"length 2^14+2049", BYTES(0x16, 0x03, 0x03, 0x48, 0x01, 0x00), TA_EDECODE, 0, 0, 0, 0},
        {"length 0xffff", BYTES(0x16, 0x03, 0x03, 0xff, 0xff), TA_EDECODE, 0, 0, 0, 0},
        {"http reply", BYTES('H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '4', '0', '0'),
         TA_EDECODE, 0, 0, 0, 0},
        {"major version 2", BYTES(0x16, 0x02, 0x00, 0x00, 0x01, 0x00), TA_EDECODE, 0, 0, 0, 0},
};

static void
test_records(void)
{
	static uint8_t big[5 + TA_RECORD_MAX];

	for (size_t i = 0; i < TH_LEN(rec_cases); i++) {
		const struct rec_case *c = &rec_cases[i];
		struct ta_record rec;
		struct ta_rd r;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_record_parse(&r, &rec);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK) {
			CHECK(r.p == c->in); /* nothing consumed on failure */
			continue;
		}
		CHECK_EQ(rec.type, c->type);
		CHECK_EQ(rec.version, c->version);
		CHECK_EQ(ta_rd_left(&rec.body), c->body_len);
		CHECK(rec.body.p == c->in + 5);
		CHECK_EQ((size_t)(r.p - c->in), c->consumed);
	}

	TH_CASE("largest record");
	memcpy(big, (const uint8_t[]){0x17, 0x03, 0x03, 0x48, 0x00}, 5);
	{
		struct ta_record rec;
		struct ta_rd r;

		ta_rd_init(&r, big, sizeof big);
		CHECK_EQ(ta_record_parse(&r, &rec), TA_OK);
		CHECK_EQ(ta_rd_left(&rec.body), TA_RECORD_MAX);
		CHECK_EQ(ta_rd_left(&r), 0);
		/* one byte short of the largest record: more data needed */
		ta_rd_init(&r, big, sizeof big - 1);
		CHECK_EQ(ta_record_parse(&r, &rec), TA_ENOSPC);
	}
	TH_CASE(NULL);
}

struct alert_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	int rc;
	uint8_t level, desc;
};

static const struct alert_case alert_cases[] = {
        {"fatal handshake_failure", BYTES(0x02, 0x28), TA_OK, 2, TA_ALERT_HANDSHAKE_FAILURE},
        {"warning unrecognized_name", BYTES(0x01, 0x70), TA_OK, 1, TA_ALERT_UNRECOGNIZED_NAME},
        {"empty", (const uint8_t *)"", 0, TA_EDECODE, 0, 0},
        {"one byte", BYTES(0x02), TA_EDECODE, 0, 0},
        {"three bytes", BYTES(0x02, 0x28, 0x00), TA_EDECODE, 0, 0},
};

static void
test_alerts(void)
{
	for (size_t i = 0; i < TH_LEN(alert_cases); i++) {
		const struct alert_case *c = &alert_cases[i];
		struct ta_alert a;
		struct ta_rd r;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_alert_parse(r, &a);
		CHECK_EQ(rc, c->rc);
		if (rc == TA_OK) {
			CHECK_EQ(a.level, c->level);
			CHECK_EQ(a.desc, c->desc);
		}
	}
	TH_CASE("alert names");
	CHECK_STR(ta_alert_name(0), "close_notify");
	CHECK_STR(ta_alert_name(20), "bad_record_mac");
	CHECK_STR(ta_alert_name(51), "decrypt_error");
	CHECK_STR(ta_alert_name(120), "no_application_protocol");
	CHECK(ta_alert_name(1) == NULL);
	CHECK(ta_alert_name(255) == NULL);
	TH_CASE(NULL);
}

struct hs_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	int rc;
	uint8_t type;
	size_t body_len;
};

static const struct hs_case hs_cases[] = {
        {"ServerHelloDone", BYTES(0x0e, 0x00, 0x00, 0x00), TA_OK, 14, 0},
        {"with body and more", BYTES(0x02, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0x0e), TA_OK, 2, 2},
        {"empty", (const uint8_t *)"", 0, TA_ENOSPC, 0, 0},
        {"header incomplete", BYTES(0x0b, 0x00, 0x00), TA_ENOSPC, 0, 0},
        {"body incomplete", BYTES(0x0b, 0x00, 0x00, 0x05, 0x01, 0x02), TA_ENOSPC, 0, 0},
        {"16 MB announced", BYTES(0x0b, 0xff, 0xff, 0xff, 0x00), TA_ENOSPC, 0, 0},
};

static void
test_handshake_headers(void)
{
	for (size_t i = 0; i < TH_LEN(hs_cases); i++) {
		const struct hs_case *c = &hs_cases[i];
		struct ta_rd r, body;
		uint8_t type = 0;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_handshake_parse(&r, &type, &body);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK) {
			CHECK(r.p == c->in);
			continue;
		}
		CHECK_EQ(type, c->type);
		CHECK_EQ(ta_rd_left(&body), c->body_len);
		CHECK(body.p == c->in + 4);
		CHECK(r.p == body.end);
	}
	TH_CASE(NULL);
}

/* ------------------------------------------------------------ ServerHello */

struct sh_case {
	const char *name;
	uint16_t legacy;
	const uint8_t *random;
	size_t sid_len;
	uint16_t suite;
	const uint8_t *exts; /* extensions block body */
	size_t ext_len;
	bool no_exts;        /* no extensions block at all */
	const uint8_t *tail; /* bytes appended after everything */
	size_t tail_len;
	int rc;
	/* expected on success */
	bool hrr;
	uint16_t version;
	uint8_t downgrade;
	bool dup;
	bool sv;
	bool ks;
	uint16_t group;
	bool cookie;
	size_t cookie_len;
	const char *alpn;
	bool ems, etm, ticket, status, heartbeat;
	int reneg;      /* 0 absent, 1 empty, 2 with data */
	uint16_t rsl;   /* record_size_limit, 0 absent */
	size_t npn_len; /* next_protocol_negotiation list, 0 absent */
	size_t ntypes;
};

static const struct sh_case sh_cases[] = {
        {
                .name = "tls12 with extensions",
                .legacy = TA_TLS12,
                .random = plain_random,
                .sid_len = 32,
                .suite = 0xc02f,
                .exts = BYTES(0xff, 0x01, 0x00, 0x01, 0x00, /* renegotiation_info */
                              0x00, 0x17, 0x00, 0x00,       /* ems */
                              0x00, 0x16, 0x00, 0x00,       /* etm */
                              0x00, 0x23, 0x00, 0x00,       /* session_ticket */
                              0x00, 0x05, 0x00, 0x00,       /* status_request */
                              0x00, 0x0f, 0x00, 0x01, 0x01, /* heartbeat */
                              0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2', /* alpn */
                              0x00, 0x1c, 0x00, 0x02, 0x40, 0x00,        /* record_size_limit */
                              0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,        /* ec_point_formats */
                              0xfe, 0xfe, 0x00, 0x03, 0x01, 0x02, 0x03), /* unknown */
                .rc = TA_OK,
                .version = TA_TLS12,
                .alpn = "h2",
                .ems = true,
                .etm = true,
                .ticket = true,
                .status = true,
                .heartbeat = true,
                .reneg = 1,
                .rsl = 0x4000,
                .ntypes = 10,
        },
        {
                .name = "tls12 renegotiation_info with data",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0x009e,
                .exts = BYTES(0xff, 0x01, 0x00, 0x03, 0x02, 0xaa, 0xbb),
                .rc = TA_OK,
                .version = TA_TLS12,
                .reneg = 2,
                .ntypes = 1,
        },
        {
                .name = "tls13 supported_versions and key_share",
                .legacy = TA_TLS12,
                .random = plain_random,
                .sid_len = 32,
                .suite = 0x1301,
                .exts = BYTES(0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00,
                              0x1d, 0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                              16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
                .rc = TA_OK,
                .version = TA_TLS13,
                .sv = true,
                .ks = true,
                .group = 0x001d,
                .ntypes = 2,
        },
        {
                .name = "hello retry request with selected_group and cookie",
                .legacy = TA_TLS12,
                .random = hrr_random,
                .sid_len = 32,
                .suite = 0x1302,
                .exts = BYTES(0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00,
                              0x17, 0x00, 0x2c, 0x00, 0x06, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef),
                .rc = TA_OK,
                .hrr = true,
                .version = TA_TLS13,
                .sv = true,
                .ks = true,
                .group = 0x0017,
                .cookie = true,
                .cookie_len = 4,
                .ntypes = 3,
        },
        {
                .name = "tls12 next protocol negotiation",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x33, 0x74, 0x00, 0x0a, 0x02, 'h', '2', 0x06, 's', 'p', 'd', 'y', '/',
                              '3'),
                .rc = TA_OK,
                .version = TA_TLS12,
                .npn_len = 10,
                .ntypes = 1,
        },
        {
                .name = "downgrade sentinel to 1.2",
                .legacy = TA_TLS12,
                .random = dgrd12_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00, 0x00),
                .rc = TA_OK,
                .version = TA_TLS12,
                .downgrade = 12,
                .ems = true,
                .ntypes = 1,
        },
        {
                .name = "downgrade sentinel to 1.1",
                .legacy = TA_TLS11,
                .random = dgrd11_random,
                .suite = 0xc013,
                .no_exts = true,
                .rc = TA_OK,
                .version = TA_TLS11,
                .downgrade = 11,
        },
        {
                .name = "DOWNGRD with another last byte",
                .legacy = TA_TLS12,
                .random = dgrd_other_random,
                .suite = 0xc02f,
                .no_exts = true,
                .rc = TA_OK,
                .version = TA_TLS12,
                .downgrade = 0,
        },
        {
                .name = "ssl3 without extensions",
                .legacy = TA_SSL3,
                .random = plain_random,
                .sid_len = 32,
                .suite = 0x000a,
                .no_exts = true,
                .rc = TA_OK,
                .version = TA_SSL3,
        },
        {
                .name = "empty extensions block",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0x002f,
                .exts = (const uint8_t *)"",
                .ext_len = 0,
                .rc = TA_OK,
                .version = TA_TLS12,
        },
        {
                .name = "duplicate extension flagged",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17,
                              0x00, 0x00),
                .rc = TA_OK,
                .version = TA_TLS12,
                .dup = true,
                .ems = true,
                .reneg = 1,
                .ntypes = 2,
        },
        {
                .name = "duplicate unknown extension flagged",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0xab, 0xcd, 0x00, 0x00, 0xab, 0xcd, 0x00, 0x01, 0x00),
                .rc = TA_OK,
                .version = TA_TLS12,
                .dup = true,
                .ntypes = 1,
        },
        /* rejected */
        {
                .name = "trailing byte after extensions",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00, 0x00),
                .tail = BYTES(0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "one byte where extensions start",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .no_exts = true,
                .tail = BYTES(0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "extension overruns the block",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00, 0x04, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "half an extension header",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "supported_versions too long",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0x1301,
                .exts = BYTES(0x00, 0x2b, 0x00, 0x03, 0x03, 0x04, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "supported_versions too short",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0x1301,
                .exts = BYTES(0x00, 0x2b, 0x00, 0x01, 0x03),
                .rc = TA_EDECODE,
        },
        {
                .name = "key_share without key",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0x1301,
                .exts = BYTES(0x00, 0x33, 0x00, 0x02, 0x00, 0x1d),
                .rc = TA_EDECODE,
        },
        {
                .name = "hrr key_share with a key",
                .legacy = TA_TLS12,
                .random = hrr_random,
                .suite = 0x1301,
                .exts = BYTES(0x00, 0x33, 0x00, 0x05, 0x00, 0x1d, 0x00, 0x01, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "alpn with two protocols",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x10, 0x00, 0x08, 0x00, 0x06, 0x02, 'h', '2', 0x02, 'h', '3'),
                .rc = TA_EDECODE,
        },
        {
                .name = "ems with a body",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0x00, 0x17, 0x00, 0x01, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "renegotiation_info overlong",
                .legacy = TA_TLS12,
                .random = plain_random,
                .suite = 0xc02f,
                .exts = BYTES(0xff, 0x01, 0x00, 0x02, 0x05, 0x00),
                .rc = TA_EDECODE,
        },
        {
                .name = "session id 33 bytes",
                .legacy = TA_TLS12,
                .random = plain_random,
                .sid_len = 33,
                .suite = 0xc02f,
                .no_exts = true,
                .rc = TA_EDECODE,
        },
};

/* legacy_version, random, session_id, suite, compression 0, extensions */
static size_t
build_sh(const struct sh_case *c, uint8_t *buf, size_t cap)
{
	struct ta_wr w;

	ta_wr_init(&w, buf, cap);
	ta_wr_u16(&w, c->legacy);
	ta_wr_bytes(&w, c->random, 32);
	ta_wr_u8(&w, (uint8_t)c->sid_len);
	for (size_t i = 0; i < c->sid_len; i++)
		ta_wr_u8(&w, (uint8_t)(0xe0 + i));
	ta_wr_u16(&w, c->suite);
	ta_wr_u8(&w, 0);
	if (!c->no_exts) {
		ta_wr_u16(&w, (uint16_t)c->ext_len);
		ta_wr_bytes(&w, c->exts, c->ext_len);
	}
	ta_wr_bytes(&w, c->tail, c->tail_len);
	return w.err ? 0 : w.len;
}

static void
test_server_hello(void)
{
	for (size_t i = 0; i < TH_LEN(sh_cases); i++) {
		const struct sh_case *c = &sh_cases[i];
		struct ta_server_hello sh;
		uint8_t buf[512];
		size_t len;
		struct ta_rd r;
		int rc;

		TH_CASE(c->name);
		len = build_sh(c, buf, sizeof buf);
		CHECK(len > 0);
		ta_rd_init(&r, buf, len);
		rc = ta_server_hello_parse(r, &sh);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK || c->rc != TA_OK)
			continue;
		CHECK_EQ(sh.hrr, c->hrr);
		CHECK_EQ(sh.legacy_version, c->legacy);
		CHECK_EQ(sh.version, c->version);
		CHECK_MEM(sh.random, c->random, 32);
		CHECK_EQ(sh.session_id_len, c->sid_len);
		CHECK_EQ(sh.suite, c->suite);
		CHECK_EQ(sh.compression, 0);
		CHECK_EQ(sh.downgrade, c->downgrade);
		CHECK_EQ(sh.dup_extension, c->dup);
		CHECK_EQ(sh.has_supported_versions, c->sv);
		CHECK_EQ(sh.has_key_share, c->ks);
		CHECK_EQ(sh.key_share_group, c->group);
		CHECK_EQ(sh.has_cookie, c->cookie);
		if (c->cookie)
			CHECK_EQ(ta_rd_left(&sh.cookie), c->cookie_len);
		CHECK_EQ(sh.has_alpn, c->alpn != NULL);
		if (c->alpn && sh.has_alpn) {
			CHECK_EQ(ta_rd_left(&sh.alpn), strlen(c->alpn));
			CHECK_MEM(sh.alpn.p, c->alpn, strlen(c->alpn));
		}
		CHECK_EQ(sh.ems, c->ems);
		CHECK_EQ(sh.etm, c->etm);
		CHECK_EQ(sh.session_ticket, c->ticket);
		CHECK_EQ(sh.status_request, c->status);
		CHECK_EQ(sh.heartbeat, c->heartbeat);
		CHECK_EQ(sh.has_reneg_info, c->reneg != 0);
		if (c->reneg)
			CHECK_EQ(sh.reneg_info_empty, c->reneg == 1);
		CHECK_EQ(sh.has_record_size_limit, c->rsl != 0);
		CHECK_EQ(sh.record_size_limit, c->rsl);
		CHECK_EQ(sh.has_npn, c->npn_len != 0);
		CHECK_EQ(ta_rd_left(&sh.npn), c->npn_len);
		CHECK_EQ(sh.next_types, c->ntypes);
	}
	TH_CASE(NULL);
}

/* More distinct extensions than ext_types holds: recorded up to the cap. */
static void
test_server_hello_many_exts(void)
{
	uint8_t buf[1024];
	struct ta_server_hello sh;
	struct ta_wr w;
	struct ta_rd r;

	TH_CASE("40 unknown extensions");
	ta_wr_init(&w, buf, sizeof buf);
	ta_wr_u16(&w, TA_TLS12);
	ta_wr_bytes(&w, plain_random, 32);
	ta_wr_u8(&w, 0);
	ta_wr_u16(&w, 0xc02f);
	ta_wr_u8(&w, 0);
	size_t exts = ta_wr_open(&w, 2);
	for (unsigned i = 0; i < 40; i++) {
		ta_wr_u16(&w, (uint16_t)(0x7000 + i));
		ta_wr_u16(&w, 0);
	}
	ta_wr_u16(&w, 0x7001); /* a duplicate of one that fits */
	ta_wr_u16(&w, 0);
	ta_wr_close(&w, exts);
	CHECK_EQ(w.err, TA_OK);
	ta_rd_init(&r, buf, w.len);
	CHECK_EQ(ta_server_hello_parse(r, &sh), TA_OK);
	CHECK_EQ(sh.next_types, TA_SH_MAX_EXTS);
	CHECK_EQ(sh.ext_types[0], 0x7000);
	CHECK_EQ(sh.ext_types[TA_SH_MAX_EXTS - 1], 0x7000 + TA_SH_MAX_EXTS - 1);
	CHECK(sh.dup_extension);
	TH_CASE(NULL);
}

/* ------------------------------------------------------------ ServerKeyExchange */

struct ske_case {
	const char *name;
	unsigned kx, auth;
	uint16_t version;
	const uint8_t *in;
	size_t len;
	int rc;
	uint8_t kind;
	size_t p_len, g_len, ys_len;
	uint8_t curve_type;
	uint16_t curve;
	size_t point_len;
	size_t mod_len;
	bool has_sig, has_sigalg;
	uint16_t sigalg;
	size_t sig_len;
};

static const struct ske_case ske_cases[] = {
        {"dhe tls1.2 with sigalg", TA_KX_DHE, TA_AUTH_RSA, TA_TLS12,
         BYTES(0x00, 0x03, 0xff, 0xff, 0xfb, 0x00, 0x01, 0x02, 0x00, 0x02, 0x12, 0x34, 0x08, 0x04,
               0x00, 0x04, 0x5a, 0x5a, 0x5a, 0x5a),
         .rc = TA_OK, .kind = TA_SKE_DH, .p_len = 3, .g_len = 1, .ys_len = 2, .has_sig = true,
         .has_sigalg = true, .sigalg = 0x0804, .sig_len = 4},
        {"dhe tls1.0 without sigalg", TA_KX_DHE, TA_AUTH_RSA, TA_TLS10,
         BYTES(0x00, 0x03, 0xff, 0xff, 0xfb, 0x00, 0x01, 0x02, 0x00, 0x02, 0x12, 0x34, 0x00, 0x04,
               0x5a, 0x5a, 0x5a, 0x5a),
         .rc = TA_OK, .kind = TA_SKE_DH, .p_len = 3, .g_len = 1, .ys_len = 2, .has_sig = true,
         .sig_len = 4},
        {"dhe ssl3 dss", TA_KX_DHE, TA_AUTH_DSS, TA_SSL3,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08, 0x00, 0x02, 0x30, 0x00),
         .rc = TA_OK, .kind = TA_SKE_DH, .p_len = 1, .g_len = 1, .ys_len = 1, .has_sig = true,
         .sig_len = 2},
        {"ecdhe tls1.2 x25519", TA_KX_ECDHE, TA_AUTH_ECDSA, TA_TLS12,
         BYTES(0x03, 0x00, 0x1d, 0x04, 0x09, 0x09, 0x09, 0x09, 0x04, 0x03, 0x00, 0x02, 0x30, 0x00),
         .rc = TA_OK, .kind = TA_SKE_ECDH, .curve_type = 3, .curve = 0x001d, .point_len = 4,
         .has_sig = true, .has_sigalg = true, .sigalg = 0x0403, .sig_len = 2},
        {"ecdhe tls1.0", TA_KX_ECDHE, TA_AUTH_RSA, TA_TLS10,
         BYTES(0x03, 0x00, 0x17, 0x02, 0x04, 0x00, 0x00, 0x01, 0x77), .rc = TA_OK,
         .kind = TA_SKE_ECDH, .curve_type = 3, .curve = 0x0017, .point_len = 2, .has_sig = true,
         .sig_len = 1},
        {"ecdhe explicit curve not parsed", TA_KX_ECDHE, TA_AUTH_RSA, TA_TLS12,
         BYTES(0x01, 0xaa, 0xbb, 0xcc), .rc = TA_OK, .kind = TA_SKE_ECDH, .curve_type = 1},
        {"dh_anon no signature", TA_KX_DH_ANON, TA_AUTH_NULL, TA_TLS12,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08), .rc = TA_OK,
         .kind = TA_SKE_DH, .p_len = 1, .g_len = 1, .ys_len = 1},
        {"ecdh_anon no signature", TA_KX_ECDH_ANON, TA_AUTH_NULL, TA_TLS12,
         BYTES(0x03, 0x00, 0x17, 0x01, 0x04), .rc = TA_OK, .kind = TA_SKE_ECDH, .curve_type = 3,
         .curve = 0x0017, .point_len = 1},
        {"ecdhe_psk hint then ecdh", TA_KX_ECDHE_PSK, TA_AUTH_PSK, TA_TLS12,
         BYTES(0x00, 0x02, 'i', 'd', 0x03, 0x00, 0x1d, 0x01, 0x04), .rc = TA_OK,
         .kind = TA_SKE_ECDH, .curve_type = 3, .curve = 0x001d, .point_len = 1},
        {"dhe_psk hint then dh", TA_KX_DHE_PSK, TA_AUTH_PSK, TA_TLS12,
         BYTES(0x00, 0x00, 0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08), .rc = TA_OK,
         .kind = TA_SKE_DH, .p_len = 1, .g_len = 1, .ys_len = 1},
        {"psk hint only", TA_KX_PSK, TA_AUTH_PSK, TA_TLS12, BYTES(0x00, 0x02, 'i', 'd'),
         .rc = TA_OK, .kind = TA_SKE_DH},
        {"rsa_export temporary key", TA_KX_RSA_EXPORT, TA_AUTH_RSA, TA_TLS10,
         BYTES(0x00, 0x02, 0xc3, 0x01, 0x00, 0x01, 0x03, 0x00, 0x01, 0x55), .rc = TA_OK,
         .kind = TA_SKE_RSA, .mod_len = 2, .has_sig = true, .sig_len = 1},
        {"srp", TA_KX_SRP, TA_AUTH_SRP, TA_TLS12,
         BYTES(0x00, 0x01, 0x07, 0x00, 0x01, 0x02, 0x01, 0x09, 0x00, 0x01, 0x0b), .rc = TA_OK,
         .kind = TA_SKE_DH},
        /* rejected */
        {"dhe signature truncated", TA_KX_DHE, TA_AUTH_RSA, TA_TLS12,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08, 0x08, 0x04, 0x00, 0x04, 0x5a),
         .rc = TA_EDECODE},
        {"dhe sigalg missing", TA_KX_DHE, TA_AUTH_RSA, TA_TLS12,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08), .rc = TA_EDECODE},
        {"dhe trailing byte", TA_KX_DHE, TA_AUTH_RSA, TA_TLS10,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08, 0x00, 0x01, 0x55, 0x00),
         .rc = TA_EDECODE},
        {"dh_anon trailing byte", TA_KX_DH_ANON, TA_AUTH_NULL, TA_TLS12,
         BYTES(0x00, 0x01, 0x17, 0x00, 0x01, 0x05, 0x00, 0x01, 0x08, 0x00), .rc = TA_EDECODE},
        {"dhe p overruns", TA_KX_DHE, TA_AUTH_RSA, TA_TLS12, BYTES(0x01, 0x00, 0x17),
         .rc = TA_EDECODE},
        {"ecdhe point overruns", TA_KX_ECDHE, TA_AUTH_RSA, TA_TLS12,
         BYTES(0x03, 0x00, 0x17, 0x41, 0x04), .rc = TA_EDECODE},
        {"ecdhe curve truncated", TA_KX_ECDHE, TA_AUTH_RSA, TA_TLS12, BYTES(0x03, 0x00),
         .rc = TA_EDECODE},
        {"empty", TA_KX_ECDHE, TA_AUTH_RSA, TA_TLS12, (const uint8_t *)"", 0, .rc = TA_EDECODE},
        {"psk trailing byte", TA_KX_PSK, TA_AUTH_PSK, TA_TLS12, BYTES(0x00, 0x00, 0x01),
         .rc = TA_EDECODE},
};

static void
test_ske(void)
{
	for (size_t i = 0; i < TH_LEN(ske_cases); i++) {
		const struct ske_case *c = &ske_cases[i];
		struct ta_ske ske;
		struct ta_rd r;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_ske_parse(r, c->kx, c->auth, c->version, &ske);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK || c->rc != TA_OK)
			continue;
		CHECK_EQ(ske.kind, c->kind);
		CHECK_EQ(ta_rd_left(&ske.p), c->p_len);
		CHECK_EQ(ta_rd_left(&ske.g), c->g_len);
		CHECK_EQ(ta_rd_left(&ske.ys), c->ys_len);
		CHECK_EQ(ske.curve_type, c->curve_type);
		CHECK_EQ(ske.curve, c->curve);
		CHECK_EQ(ta_rd_left(&ske.point), c->point_len);
		CHECK_EQ(ta_rd_left(&ske.rsa_mod), c->mod_len);
		CHECK_EQ(ske.has_sig, c->has_sig);
		CHECK_EQ(ske.has_sigalg, c->has_sigalg);
		CHECK_EQ(ske.sigalg, c->sigalg);
		CHECK_EQ(ta_rd_left(&ske.sig), c->sig_len);
		/* every strict prefix of a signed message is rejected */
		for (size_t n = 0; c->has_sig && n < c->len; n++) {
			ta_rd_init(&r, c->in, n);
			CHECK_EQ(ta_ske_parse(r, c->kx, c->auth, c->version, &ske), TA_EDECODE);
		}
	}
	TH_CASE(NULL);
}

/* ------------------------------------------------------------ Certificate */

struct cert_case {
	const char *name;
	bool tls13;
	const uint8_t *in;
	size_t len;
	int rc;
	size_t n;
	size_t len0; /* length of the first certificate */
};

static const struct cert_case cert_cases[] = {
        {"tls1.2 two certs", false,
         BYTES(0x00, 0x00, 0x0b, 0x00, 0x00, 0x02, 0x30, 0x00, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00),
         TA_OK, 2, 2},
        {"tls1.2 empty list", false, BYTES(0x00, 0x00, 0x00), TA_OK, 0, 0},
        {"tls1.3 context and two entries", true,
         BYTES(0x02, 0xaa, 0xbb, 0x00, 0x00, 0x11, 0x00, 0x00, 0x02, 0x30, 0x00, 0x00, 0x04, 0x00,
               0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x30, 0x00, 0x00),
         TA_OK, 2, 2},
        {"tls1.3 empty", true, BYTES(0x00, 0x00, 0x00, 0x00), TA_OK, 0, 0},
        {"tls1.2 trailing byte", false, BYTES(0x00, 0x00, 0x00, 0x00), .rc = TA_EDECODE},
        {"tls1.2 cert overruns list", false, BYTES(0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0x30),
         .rc = TA_EDECODE},
        {"tls1.2 list overruns message", false, BYTES(0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x30),
         .rc = TA_EDECODE},
        {"tls1.3 layout read as tls1.2", false,
         BYTES(0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x01, 0x30, 0x00, 0x00), .rc = TA_EDECODE},
        {"tls1.2 layout read as tls1.3", true,
         BYTES(0x00, 0x00, 0x0b, 0x00, 0x00, 0x02, 0x30, 0x00, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00),
         .rc = TA_EDECODE},
        {"tls1.3 entry without extensions", true,
         BYTES(0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x30), .rc = TA_EDECODE},
        {"empty input", false, (const uint8_t *)"", 0, .rc = TA_EDECODE},
};

static void
test_certificate(void)
{
	uint8_t buf[512];
	struct ta_cert_list cl;
	struct ta_wr w;
	struct ta_rd r;

	for (size_t i = 0; i < TH_LEN(cert_cases); i++) {
		const struct cert_case *c = &cert_cases[i];
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_certificate_parse(r, c->tls13, &cl);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK || c->rc != TA_OK)
			continue;
		CHECK_EQ(cl.n, c->n);
		CHECK(!cl.truncated);
		if (c->n)
			CHECK_EQ(ta_rd_left(&cl.der[0]), c->len0);
		for (size_t n = 0; n < c->len; n++) {
			ta_rd_init(&r, c->in, n);
			CHECK_EQ(ta_certificate_parse(r, c->tls13, &cl), TA_EDECODE);
		}
	}

	for (int tls13 = 0; tls13 <= 1; tls13++) {
		TH_CASE(tls13 ? "tls1.3 chain longer than the cap"
		              : "tls1.2 chain longer than the cap");
		ta_wr_init(&w, buf, sizeof buf);
		if (tls13)
			ta_wr_u8(&w, 0);
		size_t list = ta_wr_open(&w, 3);
		for (unsigned i = 0; i < TA_CERT_MAX_CHAIN + 3; i++) {
			size_t der = ta_wr_open(&w, 3);
			ta_wr_u8(&w, 0x30);
			ta_wr_u8(&w, (uint8_t)i);
			ta_wr_close(&w, der);
			if (tls13)
				ta_wr_u16(&w, 0);
		}
		ta_wr_close(&w, list);
		CHECK_EQ(w.err, TA_OK);
		ta_rd_init(&r, buf, w.len);
		CHECK_EQ(ta_certificate_parse(r, tls13, &cl), TA_OK);
		CHECK_EQ(cl.n, TA_CERT_MAX_CHAIN);
		CHECK(cl.truncated);
		CHECK_EQ(cl.der[TA_CERT_MAX_CHAIN - 1].p[1], TA_CERT_MAX_CHAIN - 1);
	}
	TH_CASE(NULL);
}

/* ------------------------------------------------------------ SSLv2 */

struct ssl2_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	bool looks;
	int rc;
	bool hit;
	uint16_t version;
	size_t cert_len;
	size_t nkinds;
	uint32_t kind0;
	size_t cid_len;
	size_t consumed;
};

static const struct ssl2_case ssl2_cases[] = {
        {"server-hello",
         BYTES(0x80, 0x1c, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x06, 0x00, 0x08, 0x30,
               0x01, 0x02, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff),
         true, TA_OK, false, 0x0002, 3, 2, 0x010080, 8, 30},
        {"session id hit, no kinds",
         BYTES(0x80, 0x0b, 0x04, 0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), true,
         TA_OK, true, 0x0002, 0, 0, 0, 0, 13},
        {"error message", BYTES(0x80, 0x03, 0x00, 0x00, 0x01), true, .rc = TA_EPROTO},
        {"incomplete", BYTES(0x80, 0x1d, 0x04, 0x00), true, .rc = TA_ENOSPC},
        {"one byte", BYTES(0x80), false, .rc = TA_ENOSPC},
        {"3-byte header", BYTES(0x00, 0x05, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02), false,
         .rc = TA_EDECODE},
        {"specs not a multiple of 3",
         BYTES(0x80, 0x0d, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01,
               0x00),
         true, .rc = TA_EDECODE},
        {"cert overruns message",
         BYTES(0x80, 0x0c, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x30),
         true, .rc = TA_EDECODE},
        {"trailing byte in message",
         BYTES(0x80, 0x0c, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99),
         true, .rc = TA_EDECODE},
        {"truncated header fields", BYTES(0x80, 0x04, 0x04, 0x00, 0x01, 0x00), true,
         .rc = TA_EDECODE},
        {"tls alert is not sslv2", BYTES(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28), false,
         .rc = TA_EDECODE},
};

static void
test_ssl2(void)
{
	for (size_t i = 0; i < TH_LEN(ssl2_cases); i++) {
		const struct ssl2_case *c = &ssl2_cases[i];
		struct ta_ssl2_server_hello sh;
		struct ta_rd r;
		int rc;

		TH_CASE(c->name);
		CHECK_EQ(ta_looks_ssl2(c->in, c->len), c->looks);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_ssl2_server_hello_parse(&r, &sh);
		CHECK_EQ(rc, c->rc);
		if (rc == TA_ENOSPC)
			CHECK(r.p == c->in);
		if (rc != TA_OK || c->rc != TA_OK)
			continue;
		CHECK_EQ(sh.session_id_hit, c->hit);
		CHECK_EQ(sh.cert_type, 1);
		CHECK_EQ(sh.version, c->version);
		CHECK_EQ(ta_rd_left(&sh.cert), c->cert_len);
		CHECK_EQ(sh.nkinds, c->nkinds);
		if (c->nkinds)
			CHECK_EQ(sh.kinds[0], c->kind0);
		CHECK_EQ(ta_rd_left(&sh.connection_id), c->cid_len);
		CHECK_EQ((size_t)(r.p - c->in), c->consumed);
		for (size_t n = 0; n < c->consumed; n++) {
			ta_rd_init(&r, c->in, n);
			CHECK_EQ(ta_ssl2_server_hello_parse(&r, &sh), TA_ENOSPC);
		}
	}
	TH_CASE(NULL);
}

/* ------------------------------------------------------------ captured vectors */

static const char *const vectors[] = {
        "openssl_tls12_ecdhe_rsa",  "openssl_tls12_dhe_rsa",    "openssl_tls12_ecdhe_ecdsa",
        "openssl_tls10_ecdhe_rsa",  "openssl_tls10_dhe_rsa",    "openssl_tls13",
        "openssl_tls13_hrr",        "openssl_tls13_hrr_cookie", "openssl_alert_handshake_failure",
        "openssl_alert_ssl3_hello", "gnutls_tls12_ecdhe_rsa",   "gnutls_tls13",
};

static uint8_t *
load(const char *name, const char *ext, size_t *len)
{
	char path[1024];
	uint8_t *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.%s", TA_VECTORS_DIR, name, ext);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Everything the flight said, as the probes would see it. */
struct flight {
	uint8_t types[16];
	size_t ntypes;
	bool have_sh, have_cert, have_ske, have_done, have_alert;
	struct ta_server_hello sh;
	struct ta_cert_list cl;
	struct ta_ske ske;
	struct ta_alert alert;
	size_t nrecords;
};

static uint8_t hsbuf[65536];

static void
parse_flight(const uint8_t *buf, size_t len, struct flight *fl)
{
	struct ta_rd r, hs;
	size_t hslen = 0;
	bool encrypted = false;

	memset(fl, 0, sizeof *fl);
	ta_rd_init(&r, buf, len);
	while (ta_rd_left(&r) > 0) {
		struct ta_record rec;

		CHECK_EQ(ta_record_parse(&r, &rec), TA_OK);
		if (ta_rd_left(&rec.body) == 0 && rec.type != TA_CT_APPDATA)
			break;
		fl->nrecords++;
		if (rec.type == TA_CT_ALERT) {
			CHECK_EQ(ta_alert_parse(rec.body, &fl->alert), TA_OK);
			fl->have_alert = true;
		} else if (rec.type == TA_CT_CCS || rec.type == TA_CT_APPDATA) {
			encrypted = true; /* TLS 1.3: the rest is not ours to read */
		} else if (rec.type == TA_CT_HANDSHAKE && !encrypted) {
			size_t n = ta_rd_left(&rec.body);

			CHECK(hslen + n <= sizeof hsbuf);
			if (hslen + n > sizeof hsbuf)
				return;
			memcpy(hsbuf + hslen, rec.body.p, n);
			hslen += n;
		}
	}
	ta_rd_init(&hs, hsbuf, hslen);
	while (ta_rd_left(&hs) > 0) {
		struct ta_rd body;
		uint8_t type;

		CHECK_EQ(ta_handshake_parse(&hs, &type, &body), TA_OK);
		if (fl->ntypes == TH_LEN(fl->types))
			break;
		fl->types[fl->ntypes++] = type;
		switch (type) {
		case TA_HS_SERVER_HELLO:
			CHECK_EQ(ta_server_hello_parse(body, &fl->sh), TA_OK);
			fl->have_sh = true;
			break;
		case TA_HS_CERTIFICATE:
			CHECK_EQ(ta_certificate_parse(body, fl->sh.version == TA_TLS13, &fl->cl),
			         TA_OK);
			fl->have_cert = true;
			break;
		case TA_HS_SERVER_KEY_EXCHANGE: {
			const struct ta_suite *s = ta_suite_find(fl->sh.suite);

			CHECK(s != NULL);
			if (!s)
				break;
			CHECK_EQ(ta_ske_parse(body, s->kx, s->auth, fl->sh.version, &fl->ske),
			         TA_OK);
			fl->have_ske = true;
			break;
		}
		case TA_HS_SERVER_HELLO_DONE:
			CHECK_EQ(ta_rd_left(&body), 0);
			fl->have_done = true;
			break;
		default:
			break;
		}
	}
}

static unsigned long
num(const char *v)
{
	return strtoul(v, NULL, 0);
}

static bool
flag(const char *v)
{
	return strcmp(v, "1") == 0;
}

/* Compare one "expect-KEY: VALUE" line of the note with the parsed flight. */
static void
check_expect(const struct flight *fl, const char *key, const char *v)
{
	const struct ta_server_hello *sh = &fl->sh;
	const struct ta_ske *ske = &fl->ske;

	if (strcmp(key, "version") == 0) {
		CHECK(fl->have_sh);
		CHECK_EQ(sh->version, num(v));
	} else if (strcmp(key, "suite") == 0) {
		CHECK_EQ(sh->suite, num(v));
		CHECK(ta_suite_find(sh->suite) != NULL);
	} else if (strcmp(key, "ske") == 0) {
		CHECK(fl->have_ske);
		CHECK_EQ(ske->kind, strcmp(v, "dh") == 0 ? TA_SKE_DH : TA_SKE_ECDH);
	} else if (strcmp(key, "group") == 0) {
		if (fl->have_ske) {
			CHECK_EQ(ske->curve_type, 3);
			CHECK_EQ(ske->curve, num(v));
		} else if (strcmp(v, "none") == 0) {
			CHECK(!sh->has_key_share);
		} else {
			CHECK(sh->has_key_share);
			CHECK_EQ(sh->key_share_group, num(v));
		}
	} else if (strcmp(key, "sigalg") == 0) {
		CHECK(ske->has_sig);
		CHECK(ta_rd_left(&ske->sig) > 0);
		if (strcmp(v, "none") == 0) {
			CHECK(!ske->has_sigalg);
		} else {
			CHECK(ske->has_sigalg);
			CHECK_EQ(ske->sigalg, num(v));
			CHECK(ta_sigscheme_find(ske->sigalg) != NULL);
		}
	} else if (strcmp(key, "downgrade") == 0) {
		CHECK_EQ(sh->downgrade, num(v));
	} else if (strcmp(key, "alpn") == 0) {
		CHECK(sh->has_alpn);
		CHECK_EQ(ta_rd_left(&sh->alpn), strlen(v));
		if (ta_rd_left(&sh->alpn) == strlen(v))
			CHECK_MEM(sh->alpn.p, v, strlen(v));
	} else if (strcmp(key, "ems") == 0) {
		CHECK_EQ(sh->ems, flag(v));
	} else if (strcmp(key, "ticket") == 0) {
		CHECK_EQ(sh->session_ticket, flag(v));
	} else if (strcmp(key, "reneg") == 0) {
		CHECK_EQ(sh->has_reneg_info, flag(v));
		CHECK(sh->reneg_info_empty);
	} else if (strcmp(key, "certs") == 0) {
		CHECK(fl->have_cert);
		CHECK_EQ(fl->cl.n, num(v));
		for (size_t i = 0; i < fl->cl.n; i++)
			CHECK_EQ(fl->cl.der[i].p[0], 0x30); /* DER SEQUENCE */
	} else if (strcmp(key, "messages") == 0) {
		char list[64] = "", *p = list;

		for (size_t i = 0; i < fl->ntypes; i++)
			p += snprintf(p, sizeof list - (size_t)(p - list), "%s%u", i ? " " : "",
			              fl->types[i]);
		CHECK_STR(list, v);
	} else if (strcmp(key, "hrr") == 0) {
		CHECK_EQ(sh->hrr, flag(v));
	} else if (strcmp(key, "cookie") == 0) {
		CHECK_EQ(sh->has_cookie, flag(v));
		if (flag(v))
			CHECK(ta_rd_left(&sh->cookie) > 0);
	} else if (strcmp(key, "alert") == 0) {
		char got[16];

		CHECK(fl->have_alert);
		snprintf(got, sizeof got, "%u %u", fl->alert.level, fl->alert.desc);
		CHECK_STR(got, v);
	} else {
		th_fail_at(__FILE__, __LINE__);
		fprintf(stderr, "unknown note key expect-%s\n", key);
	}
}

/* Facts that hold for every flight, whatever the note says. */
static void
check_consistency(const struct flight *fl)
{
	if (fl->have_ske && fl->ske.kind == TA_SKE_ECDH && fl->ske.curve_type == 3) {
		const struct ta_group *g = ta_group_find(fl->ske.curve);

		CHECK(g != NULL);
		if (g && g->key_share_len)
			CHECK_EQ(ta_rd_left(&fl->ske.point), g->key_share_len);
	}
	if (fl->have_ske && fl->ske.kind == TA_SKE_DH) {
		CHECK(ta_rd_left(&fl->ske.p) >= 128);
		CHECK(ta_rd_left(&fl->ske.p) <= TA_DH_MAX_BYTES);
		CHECK(ta_rd_left(&fl->ske.g) > 0);
		CHECK(ta_rd_left(&fl->ske.ys) > 0);
		CHECK(ta_rd_left(&fl->ske.ys) <= ta_rd_left(&fl->ske.p));
	}
	if (fl->have_sh && !fl->sh.hrr && fl->sh.has_key_share) {
		const struct ta_group *g = ta_group_find(fl->sh.key_share_group);

		CHECK(g != NULL && g->tls13);
	}
	if (fl->have_sh) {
		CHECK(!fl->sh.dup_extension);
		CHECK(ta_suite_find(fl->sh.suite) != NULL);
	}
}

static void
check_vector(const char *name)
{
	uint8_t *bin, *note;
	size_t blen = 0, nlen = 0;
	struct flight fl;
	size_t nexpect = 0;
	char *line, *next;

	TH_CASE(name);
	bin = load(name, "bin", &blen);
	note = load(name, "txt", &nlen);
	CHECK(bin != NULL);
	CHECK(note != NULL);
	if (!bin || !note)
		goto out;
	CHECK(blen < 8192);
	parse_flight(bin, blen, &fl);
	check_consistency(&fl);
	for (line = (char *)note; line && *line; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';

		if (strncmp(line, "expect-", 7) != 0)
			continue;
		colon = strstr(line, ": ");
		CHECK(colon != NULL);
		if (!colon)
			continue;
		*colon = '\0';
		check_expect(&fl, line + 7, colon + 2);
		nexpect++;
	}
	CHECK(nexpect > 0);

	/* Every strict prefix of the ServerHello body is rejected, except the
	 * one that ends where an extension block could start. */
	if (fl.have_sh) {
		struct ta_rd r, hs;
		struct ta_record rec;
		struct ta_server_hello sh;
		struct ta_rd body;
		uint8_t type;
		size_t bare = 2 + 32 + 1 + fl.sh.session_id_len + 3;

		ta_rd_init(&r, bin, blen);
		CHECK_EQ(ta_record_parse(&r, &rec), TA_OK);
		hs = rec.body;
		CHECK_EQ(ta_handshake_parse(&hs, &type, &body), TA_OK);
		for (size_t n = 0; n < ta_rd_left(&body); n++) {
			struct ta_rd t;

			ta_rd_init(&t, body.p, n);
			CHECK_EQ(ta_server_hello_parse(t, &sh), n == bare ? TA_OK : TA_EDECODE);
		}
	}
out:
	free(bin);
	free(note);
	TH_CASE(NULL);
}

int
main(void)
{
	test_records();
	test_alerts();
	test_handshake_headers();
	test_server_hello();
	test_server_hello_many_exts();
	test_ske();
	test_certificate();
	test_ssl2();
	for (size_t i = 0; i < TH_LEN(vectors); i++)
		check_vector(vectors[i]);
	return th_done("test_msg");
}
