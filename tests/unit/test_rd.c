/*
 * Unit tests for the bounded reader and the fixed-capacity writer
 * (src/wire/rd.h): integer and vector reads at and past the bounds, the
 * writer's sticky error, and reserved length prefixes that fit or overflow.
 */
#include "tharness.h"
#include "wire/rd.h"

static const uint8_t src[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};

struct uint_case {
	const char *name;
	size_t avail; /* bytes of src the reader sees */
	unsigned nbytes;
	int rc;
	uint32_t value;
	size_t left; /* bytes left afterwards */
};

static const struct uint_case uint_cases[] = {
        {"u8", 6, 1, TA_OK, 0x01, 5},
        {"u16", 6, 2, TA_OK, 0x0102, 4},
        {"u24", 6, 3, TA_OK, 0x010203, 3},
        {"u32", 6, 4, TA_OK, 0x01020304, 2},
        {"u32 exact", 4, 4, TA_OK, 0x01020304, 0},
        {"u8 empty", 0, 1, TA_EDECODE, 0, 0},
        {"u16 short", 1, 2, TA_EDECODE, 0, 1},
        {"u24 short", 2, 3, TA_EDECODE, 0, 2},
        {"u32 short", 3, 4, TA_EDECODE, 0, 3},
        {"zero width", 6, 0, TA_EDECODE, 0, 6},
        {"five bytes", 6, 5, TA_EDECODE, 0, 6},
};

static void
test_uint(void)
{
	for (size_t i = 0; i < TH_LEN(uint_cases); i++) {
		const struct uint_case *c = &uint_cases[i];
		struct ta_rd r;
		uint32_t v = 0xdeadbeef;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, src, c->avail);
		rc = ta_rd_uint(&r, c->nbytes, &v);
		CHECK_EQ(rc, c->rc);
		CHECK_EQ(ta_rd_left(&r), c->left);
		if (rc == TA_OK)
			CHECK_EQ(v, c->value);
		else
			CHECK_EQ(v, 0xdeadbeef); /* untouched on failure */
	}
	TH_CASE(NULL);
}

static void
test_small_reads(void)
{
	struct ta_rd r;
	uint8_t u8 = 0, buf[4];
	uint16_t u16 = 0;

	TH_CASE("u8/u16/bytes");
	ta_rd_init(&r, src, sizeof src);
	CHECK_EQ(ta_rd_u8(&r, &u8), TA_OK);
	CHECK_EQ(u8, 0x01);
	CHECK_EQ(ta_rd_u16(&r, &u16), TA_OK);
	CHECK_EQ(u16, 0x0203);
	CHECK_EQ(ta_rd_bytes(&r, buf, 4), TA_EDECODE); /* 3 left */
	CHECK_EQ(ta_rd_left(&r), 3);
	CHECK_EQ(ta_rd_bytes(&r, buf, 3), TA_OK);
	CHECK_MEM(buf, src + 3, 3);
	CHECK_EQ(ta_rd_bytes(&r, buf, 0), TA_OK);
	CHECK_EQ(ta_rd_end(&r), TA_OK);
	CHECK_EQ(ta_rd_u8(&r, &u8), TA_EDECODE);
	CHECK_EQ(ta_rd_u16(&r, &u16), TA_EDECODE);
	TH_CASE(NULL);
}

struct vec_case {
	const char *name;
	uint8_t in[8];
	size_t len;
	unsigned nbytes;
	int rc;
	size_t sublen; /* length of the vector on success */
	size_t left;   /* bytes left in the outer reader on success */
};

static const struct vec_case vec_cases[] = {
        {"1-byte empty", {0x00}, 1, 1, TA_OK, 0, 0},
        {"1-byte two", {0x02, 0xaa, 0xbb, 0xcc}, 4, 1, TA_OK, 2, 1},
        {"1-byte exact", {0x03, 1, 2, 3}, 4, 1, TA_OK, 3, 0},
        {"1-byte short body", {0x04, 1, 2, 3}, 4, 1, TA_EDECODE, 0, 0},
        {"1-byte no prefix", {0}, 0, 1, TA_EDECODE, 0, 0},
        {"2-byte", {0x00, 0x02, 9, 9, 7}, 5, 2, TA_OK, 2, 1},
        {"2-byte huge", {0xff, 0xff, 9}, 3, 2, TA_EDECODE, 0, 0},
        {"2-byte half prefix", {0x00}, 1, 2, TA_EDECODE, 0, 0},
        {"3-byte", {0x00, 0x00, 0x01, 5}, 4, 3, TA_OK, 1, 0},
        {"3-byte huge", {0x01, 0x00, 0x00, 5}, 4, 3, TA_EDECODE, 0, 0},
        {"4-byte max", {0xff, 0xff, 0xff, 0xff}, 4, 4, TA_EDECODE, 0, 0},
};

static void
test_vec(void)
{
	for (size_t i = 0; i < TH_LEN(vec_cases); i++) {
		const struct vec_case *c = &vec_cases[i];
		struct ta_rd r, sub;
		int rc;

		TH_CASE(c->name);
		ta_rd_init(&r, c->in, c->len);
		rc = ta_rd_vec(&r, c->nbytes, &sub);
		CHECK_EQ(rc, c->rc);
		if (rc != TA_OK)
			continue;
		CHECK_EQ(ta_rd_left(&sub), c->sublen);
		CHECK_EQ(ta_rd_left(&r), c->left);
		CHECK(sub.p == c->in + c->nbytes); /* a view, not a copy */
		CHECK(sub.end == r.p);
	}
	TH_CASE(NULL);
}

static void
test_view(void)
{
	struct ta_rd r, sub, inner;
	uint8_t u8;

	TH_CASE("view");
	ta_rd_init(&r, src, sizeof src);
	CHECK_EQ(ta_rd_view(&r, 7, &sub), TA_EDECODE);
	CHECK_EQ(ta_rd_left(&r), 6);
	CHECK_EQ(ta_rd_view(&r, 2, &sub), TA_OK);
	CHECK_EQ(ta_rd_left(&r), 4);
	/* The sub-reader cannot read past its end into the outer bytes. */
	CHECK_EQ(ta_rd_view(&sub, 3, &inner), TA_EDECODE);
	CHECK_EQ(ta_rd_u8(&sub, &u8), TA_OK);
	CHECK_EQ(ta_rd_u8(&sub, &u8), TA_OK);
	CHECK_EQ(u8, 0x02);
	CHECK_EQ(ta_rd_u8(&sub, &u8), TA_EDECODE);
	CHECK_EQ(ta_rd_end(&sub), TA_OK);
	CHECK_EQ(ta_rd_end(&r), TA_EDECODE);
	CHECK_EQ(ta_rd_view(&r, 4, &sub), TA_OK);
	CHECK_EQ(ta_rd_view(&r, 0, &sub), TA_OK); /* empty view at the end */
	CHECK_EQ(ta_rd_left(&sub), 0);
	CHECK_EQ(ta_rd_end(&r), TA_OK);
	TH_CASE(NULL);
}

/* A NULL buffer is an empty view, not undefined pointer arithmetic. */
static void
test_null_reader(void)
{
	struct ta_rd r, sub;
	uint8_t u8 = 0, buf[1];
	int rc;

	TH_CASE("NULL reader");
	ta_rd_init(&r, NULL, 0);
	CHECK_EQ(ta_rd_left(&r), 0);
	CHECK_EQ(ta_rd_end(&r), TA_OK);
	rc = ta_rd_u8(&r, &u8);
	CHECK_EQ(rc, TA_EDECODE);
	CHECK_EQ(ta_rd_bytes(&r, buf, 0), TA_OK);
	CHECK_EQ(ta_rd_view(&r, 0, &sub), TA_OK);
	CHECK_EQ(ta_rd_left(&sub), 0);
	CHECK_EQ(ta_rd_view(&r, 1, &sub), TA_EDECODE);
	TH_CASE("NULL reader with a length");
	ta_rd_init(&r, NULL, 5);
	CHECK_EQ(ta_rd_left(&r), 0);
	TH_CASE(NULL);
}

struct wr_case {
	const char *name;
	size_t cap;
	unsigned nbytes;
	uint32_t v;
	int err;
	size_t len;
	uint8_t out[4];
};

static const struct wr_case wr_cases[] = {
        {"u8", 4, 1, 0xab, TA_OK, 1, {0xab}},
        {"u16", 4, 2, 0xabcd, TA_OK, 2, {0xab, 0xcd}},
        {"u24", 4, 3, 0x123456, TA_OK, 3, {0x12, 0x34, 0x56}},
        {"u32", 4, 4, 0x12345678, TA_OK, 4, {0x12, 0x34, 0x56, 0x78}},
        {"u24 truncates", 4, 3, 0xff123456, TA_OK, 3, {0x12, 0x34, 0x56}},
        {"u32 no room", 3, 4, 1, TA_ENOSPC, 0, {0}},
        {"u16 no room", 1, 2, 1, TA_ENOSPC, 0, {0}},
        {"u8 zero cap", 0, 1, 1, TA_ENOSPC, 0, {0}},
        {"zero width", 4, 0, 1, TA_EINVAL, 0, {0}},
        {"five bytes", 8, 5, 1, TA_EINVAL, 0, {0}},
        {"nine bytes", 16, 9, 1, TA_EINVAL, 0, {0}},
};

static void
test_wr_uint(void)
{
	for (size_t i = 0; i < TH_LEN(wr_cases); i++) {
		const struct wr_case *c = &wr_cases[i];
		uint8_t buf[16];
		struct ta_wr w;

		TH_CASE(c->name);
		memset(buf, 0xee, sizeof buf);
		ta_wr_init(&w, buf, c->cap);
		ta_wr_uint(&w, c->nbytes, c->v);
		CHECK_EQ(w.err, c->err);
		CHECK_EQ(w.len, c->len);
		CHECK_MEM(buf, c->out, c->len);
		CHECK_EQ(buf[c->len], 0xee); /* nothing past what was written */
	}
	TH_CASE(NULL);
}

static void
test_wr_sticky(void)
{
	uint8_t buf[8];
	struct ta_wr w;

	TH_CASE("sticky");
	ta_wr_init(&w, buf, sizeof buf);
	ta_wr_bytes(&w, "abcdef", 6);
	ta_wr_bytes(&w, NULL, 0); /* empty write: no-op even with NULL */
	CHECK_EQ(w.err, TA_OK);
	ta_wr_u16(&w, 0x0102);
	CHECK_EQ(w.len, 8);
	CHECK_EQ(w.err, TA_OK);
	ta_wr_u8(&w, 1); /* full */
	CHECK_EQ(w.err, TA_ENOSPC);
	CHECK_EQ(w.len, 8);
	ta_wr_uint(&w, 7, 0); /* would be EINVAL: first error wins */
	CHECK_EQ(w.err, TA_ENOSPC);
	ta_wr_init(&w, buf, sizeof buf);
	ta_wr_uint(&w, 0, 0);
	CHECK_EQ(w.err, TA_EINVAL);
	ta_wr_u8(&w, 1); /* fits, but the writer has failed */
	CHECK_EQ(w.len, 0);
	CHECK_EQ(w.err, TA_EINVAL);
	TH_CASE(NULL);
}

struct prefix_case {
	const char *name;
	unsigned nbytes;
	size_t body; /* bytes written between open and close */
	int err;
};

static const struct prefix_case prefix_cases[] = {
        {"1-byte empty", 1, 0, TA_OK},
        {"1-byte 255", 1, 255, TA_OK},
        {"1-byte 256 overflows", 1, 256, TA_ENOSPC},
        {"1-byte 300 overflows", 1, 300, TA_ENOSPC},
        {"2-byte 256", 2, 256, TA_OK},
        {"2-byte 65535", 2, 65535, TA_OK},
        {"2-byte 65536 overflows", 2, 65536, TA_ENOSPC},
        {"3-byte 65536", 3, 65536, TA_OK},
        {"4-byte 70000", 4, 70000, TA_OK},
};

static uint8_t big[70010];

static void
test_prefix(void)
{
	static const uint8_t chunk[1000];

	for (size_t i = 0; i < TH_LEN(prefix_cases); i++) {
		const struct prefix_case *c = &prefix_cases[i];
		struct ta_wr w;
		size_t mark, n;
		uint32_t len = 0;
		struct ta_rd r, sub;

		TH_CASE(c->name);
		ta_wr_init(&w, big, sizeof big);
		ta_wr_u8(&w, 0x99); /* the prefix need not be at offset 0 */
		mark = ta_wr_open(&w, c->nbytes);
		CHECK_EQ(w.len, 1 + c->nbytes);
		for (n = c->body; n > 0;) {
			size_t k = n < sizeof chunk ? n : sizeof chunk;

			ta_wr_bytes(&w, chunk, k);
			n -= k;
		}
		ta_wr_close(&w, mark);
		CHECK_EQ(w.err, c->err);
		if (c->err)
			continue;
		CHECK_EQ(w.len, 1 + c->nbytes + c->body);
		ta_rd_init(&r, big + 1, w.len - 1);
		CHECK_EQ(ta_rd_uint(&r, c->nbytes, &len), TA_OK);
		CHECK_EQ(len, c->body);
		ta_rd_init(&r, big + 1, w.len - 1);
		CHECK_EQ(ta_rd_vec(&r, c->nbytes, &sub), TA_OK);
		CHECK_EQ(ta_rd_end(&r), TA_OK);
	}
	TH_CASE(NULL);
}

static void
test_prefix_nested(void)
{
	uint8_t buf[32];
	static const uint8_t want[] = {0x00, 0x07, 0x05, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0x00};
	struct ta_wr w;
	size_t outer, mid, inner;

	TH_CASE("nested");
	ta_wr_init(&w, buf, sizeof buf);
	outer = ta_wr_open(&w, 2);
	mid = ta_wr_open(&w, 1);
	inner = ta_wr_open(&w, 3);
	ta_wr_u16(&w, 0xaabb);
	ta_wr_close(&w, inner);
	ta_wr_close(&w, mid);
	ta_wr_u8(&w, 0);
	ta_wr_close(&w, outer);
	CHECK_EQ(w.err, TA_OK);
	CHECK_EQ(w.len, sizeof want);
	CHECK_MEM(buf, want, sizeof want);

	/* Opening without room fails; closing that mark changes nothing. */
	TH_CASE("open without room");
	ta_wr_init(&w, buf, 1);
	outer = ta_wr_open(&w, 2);
	CHECK_EQ(w.err, TA_ENOSPC);
	ta_wr_close(&w, outer);
	CHECK_EQ(w.err, TA_ENOSPC);
	CHECK_EQ(w.len, 0);

	/* A 1-byte prefix that overflows poisons the enclosing vector. */
	TH_CASE("overflow inside a vector");
	ta_wr_init(&w, big, sizeof big);
	outer = ta_wr_open(&w, 2);
	mid = ta_wr_open(&w, 1);
	for (int i = 0; i < 256; i++)
		ta_wr_u8(&w, (uint8_t)i);
	ta_wr_close(&w, mid);
	ta_wr_close(&w, outer);
	CHECK_EQ(w.err, TA_ENOSPC);
	CHECK_EQ(big[0], 0x00); /* outer prefix never filled in */
	CHECK_EQ(big[1], 0x00);

	/* An invalid prefix width is an error, never a write past b[4]. */
	TH_CASE("open width 5");
	ta_wr_init(&w, buf, sizeof buf);
	outer = ta_wr_open(&w, 5);
	CHECK_EQ(w.err, TA_EINVAL);
	ta_wr_close(&w, outer);
	CHECK_EQ(w.len, 0);
	TH_CASE(NULL);
}

int
main(void)
{
	test_uint();
	test_small_reads();
	test_vec();
	test_view();
	test_null_reader();
	test_wr_uint();
	test_wr_sticky();
	test_prefix();
	test_prefix_nested();
	return th_done("test_rd");
}
