/*
 * Unit tests for src/wire/httptext.c: response heads, Strict-Transport-
 * Security (RFC 6797 6.1, examples from 6.2), Location URLs, MTA-STS TXT
 * records and policies (RFC 8461 3.1, 3.2 and the 4.1 matching rules, with
 * the RFC's examples) and TLS-RPT records (RFC 8460 3, with its examples),
 * plus malformed inputs of every kind.
 */
#include <stdio.h>
#include <string.h>

#include "tharness.h"
#include "wire/httptext.h"

static int
view_is(struct ta_rd v, const char *s)
{
	return ta_rd_left(&v) == strlen(s) && memcmp(v.p, s, strlen(s)) == 0;
}

/* ---- heads ------------------------------------------------------------- */

struct head_case {
	const char *name;
	const char *in;
	int rc;
	unsigned version, status;
	const char *why; /* substring of the reason on failure */
};

static const struct head_case head_cases[] = {
        {"HTTP/1.1 CRLF", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", TA_OK, 11, 200, NULL},
        {"HTTP/1.0 LF only", "HTTP/1.0 301 Moved\nLocation: /\n\n", TA_OK, 10, 301, NULL},
        {"HTTP/2 as curl shows it", "HTTP/2 200 \r\ncontent-type: text/plain\r\n\r\n", TA_OK, 20,
         200, NULL},
        {"no reason phrase", "HTTP/1.1 204\r\n\r\n", TA_OK, 11, 204, NULL},
        {"no fields", "HTTP/1.1 404 Not Found\r\n\r\n", TA_OK, 11, 404, NULL},
        {"obs-text in a value", "HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\r\n\r\n", TA_OK, 11, 200, NULL},
        {"obsolete line folding", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", TA_EDECODE, 0, 0,
         "folding"},
        {"tab folding", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", TA_EDECODE, 0, 0, "folding"},
        {"space before colon", "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", TA_EDECODE, 0, 0,
         "before a colon"},
        {"name not a token", "HTTP/1.1 200 OK\r\nX(y): a\r\n\r\n", TA_EDECODE, 0, 0, "token"},
        {"no colon", "HTTP/1.1 200 OK\r\nJunk\r\n\r\n", TA_EDECODE, 0, 0, "token"},
        {"empty name", "HTTP/1.1 200 OK\r\n: a\r\n\r\n", TA_EDECODE, 0, 0, "empty"},
        {"NUL in a value", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", TA_EDECODE, 0, 0, "control"},
        {"bare CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", TA_EDECODE, 0, 0, "control"},
        {"not terminated", "HTTP/1.1 200 OK\r\nX: a\r\n", TA_EDECODE, 0, 0, "not terminated"},
        {"status line only", "HTTP/1.1 200 OK\r\n", TA_EDECODE, 0, 0, "not terminated"},
        {"bytes after the end", "HTTP/1.1 200 OK\r\n\r\nbody", TA_EDECODE, 0, 0, "after"},
        {"lowercase http", "http/1.1 200 OK\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"HTTP/4", "HTTP/4 200\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"status 099", "HTTP/1.1 099 OK\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"no space after version", "HTTP/1.1\t200 OK\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", TA_EDECODE, 0, 0, "status"},
        {"empty", "", TA_EDECODE, 0, 0, "status"},
};

static void
test_heads(void)
{
	for (size_t i = 0; i < TH_LEN(head_cases); i++) {
		const struct head_case *c = &head_cases[i];
		size_t len = strlen(c->in);
		struct ta_http_head h;
		const char *why = NULL;
		int rc;

		/* the NUL case: count the bytes up to the final CRLF CRLF */
		if (strcmp(c->name, "NUL in a value") == 0)
			len = sizeof "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n" - 1;
		TH_CASE(c->name);
		rc = ta_http_head_parse(c->in, len, &h, &why);
		CHECK_EQ(rc, c->rc);
		CHECK(why != NULL);
		if (rc == TA_OK) {
			CHECK_EQ(h.version, c->version);
			CHECK_EQ(h.status, c->status);
			CHECK_STR(why, "");
		} else if (c->why) {
			CHECK(strstr(why, c->why) != NULL);
		}
	}
	TH_CASE(NULL);
}

static void
test_find(void)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
	                         "Strict-Transport-Security:   max-age=1 \t\r\n"
	                         "content-security-policy: default-src 'self'\r\n"
	                         "STRICT-TRANSPORT-SECURITY: max-age=2\r\n"
	                         "Empty:\r\n"
	                         "\r\n";
	struct ta_http_head h;
	struct ta_http_field f;
	struct ta_rd v, it;
	size_t n = 0;

	TH_CASE("find");
	CHECK_EQ(ta_http_head_parse(in, sizeof in - 1, &h, NULL), TA_OK);
	CHECK_EQ(ta_http_head_find(&h, "strict-transport-security", &v), 2);
	CHECK(view_is(v, "max-age=1")); /* the first, trimmed */
	CHECK_EQ(ta_http_head_find(&h, "Content-Security-Policy", &v), 1);
	CHECK(view_is(v, "default-src 'self'"));
	CHECK_EQ(ta_http_head_find(&h, "empty", &v), 1);
	CHECK_EQ(ta_rd_left(&v), 0);
	CHECK_EQ(ta_http_head_find(&h, "Location", &v), 0);
	CHECK_EQ(ta_rd_left(&v), 0);
	CHECK_EQ(ta_http_head_find(&h, "Strict-Transport", &v), 0); /* no prefix match */
	it = h.fields;
	while (ta_http_field_next(&it, &f))
		n++;
	CHECK_EQ(n, 4);
	TH_CASE(NULL);
}

struct coding_case {
	const char *in;
	bool compressed;
};

static const struct coding_case coding_cases[] = {
        {"gzip", true},
        {"br", true},
        {"deflate", true},
        {"x-gzip", true},
        {"compress", true},
        {"zstd", true},
        {"identity", false},
        {"IDENTITY", false},
        {"", false},
        {" , ", false},
        {"identity, gzip", true},
        {"identity , identity", false},
};

static void
test_codings(void)
{
	for (size_t i = 0; i < TH_LEN(coding_cases); i++) {
		struct ta_rd v;

		TH_CASE(coding_cases[i].in);
		ta_rd_init(&v, (const uint8_t *)coding_cases[i].in, strlen(coding_cases[i].in));
		CHECK_EQ(ta_http_coding_compressed(v), coding_cases[i].compressed);
	}
	TH_CASE(NULL);
}

/* ---- HSTS -------------------------------------------------------------- */

struct hsts_case {
	const char *in;
	bool valid;
	int64_t max_age;
	bool sub, preload;
	const char *err; /* substring of the error */
};

static const struct hsts_case hsts_cases[] = {
        /* RFC 6797 6.2 */
        {"max-age=31536000", true, 31536000, false, false, NULL},
        {"max-age=15768000 ; includeSubDomains", true, 15768000, true, false, NULL},
        {"max-age=\"31536000\"", true, 31536000, false, false, NULL},
        {"max-age=0", true, 0, false, false, NULL},
        {"max-age=0; includeSubDomains", true, 0, true, false, NULL},
        /* what the live test configures */
        {"max-age=63072000; includeSubDomains; preload", true, 63072000, true, true, NULL},
        /* case, whitespace, empty directives, order */
        {"MAX-AGE=5;INCLUDESUBDOMAINS;PRELOAD", true, 5, true, true, NULL},
        {"  preload ;\tmax-age = 7 ;; includeSubDomains ;", true, 7, true, true, NULL},
        {";max-age=1;", true, 1, false, false, NULL},
        {"max-age=\"1\\2\"", true, 12, false, false, NULL},
        {"max-age=99999999999999999999999", true, INT64_MAX, false, false, NULL},
        /* unknown directives are ignored, with or without values */
        {"max-age=10; foo; bar=baz; qux=\"a;b\"", true, 10, false, false, NULL},
        /* invalid */
        {"", false, 0, false, false, "missing"},
        {"includeSubDomains", false, 0, false, false, "missing"},
        {"max-age=abc", false, 0, false, false, "not a number"},
        {"max-age=-1", false, 0, false, false, "not a number"},
        {"max-age=1.5", false, 0, false, false, "not a number"},
        {"max-age", false, 0, false, false, "not a number"},
        {"max-age=", false, 0, false, false, "value missing"},
        {"max-age=\"\"", false, 0, false, false, "not a number"},
        {"max-age=\"12", false, 0, false, false, "quoted"},
        {"max-age=1; max-age=2", false, 0, false, false, "appears twice"},
        {"max-age=1; Max-Age=1", false, 0, false, false, "appears twice"},
        {"max-age=1; includeSubDomains; includesubdomains", false, 0, false, false,
         "appears twice"},
        {"max-age=1; foo; foo", false, 0, false, false, "appears twice"},
        {"max-age=1; includeSubDomains=yes", false, 0, false, false, "takes no value"},
        {"max-age=1; preload=\"\"", false, 0, false, false, "takes no value"},
        {"max-age=1 includeSubDomains", false, 0, false, false, "expected ';'"},
        {"max-age=1, includeSubDomains", false, 0, false, false, "expected ';'"},
        {"=1", false, 0, false, false, "directive name"},
        {"max-age=1; \x01", false, 0, false, false, "directive name"},
        {"max-age=1; f(o)=1", false, 0, false, false, "expected ';'"},
};

static void
test_hsts(void)
{
	for (size_t i = 0; i < TH_LEN(hsts_cases); i++) {
		const struct hsts_case *c = &hsts_cases[i];
		struct ta_hsts_policy p;
		int rc;

		TH_CASE(c->in);
		rc = ta_hsts_parse(c->in, strlen(c->in), &p);
		CHECK_EQ(rc, c->valid ? TA_OK : TA_EDECODE);
		CHECK_EQ(p.valid, c->valid);
		CHECK_EQ(p.max_age, c->max_age);
		CHECK_EQ(p.include_subdomains, c->sub);
		CHECK_EQ(p.preload, c->preload);
		if (c->valid)
			CHECK_STR(p.error, "");
		else if (c->err)
			CHECK(strstr(p.error, c->err) != NULL);
		if (!c->valid && !strstr(p.error, c->err ? c->err : ""))
			fprintf(stderr, "  error was: %s\n", p.error);
	}
	TH_CASE(NULL);
}

static void
test_hsts_too_many(void)
{
	char buf[1024];
	size_t o = 0;
	struct ta_hsts_policy p;

	o += (size_t)snprintf(buf + o, sizeof buf - o, "max-age=1");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "; d%d", i);
	TH_CASE("40 unknown directives");
	CHECK_EQ(ta_hsts_parse(buf, o, &p), TA_EDECODE);
	CHECK(strstr(p.error, "more than") != NULL);
	TH_CASE(NULL);
}

/* ---- Location ---------------------------------------------------------- */

struct loc_case {
	const char *in;
	int kind;
	const char *host;
	uint32_t port;
};

static const struct loc_case loc_cases[] = {
        {"https://example.com/", TA_LOC_HTTPS, "example.com", 0},
        {"https://example.com", TA_LOC_HTTPS, "example.com", 0},
        {"HTTPS://Example.COM:8443/x?y#z", TA_LOC_HTTPS, "Example.COM", 8443},
        {"https://user:pw@host.example/", TA_LOC_HTTPS, "host.example", 0},
        {"https://[::1]:443/", TA_LOC_HTTPS, "::1", 443},
        {"https://127.0.0.1:/", TA_LOC_HTTPS, "127.0.0.1", 0},
        {"https://h?x", TA_LOC_HTTPS, "h", 0},
        {"https://a%2eb/", TA_LOC_HTTPS, "a%2eb", 0},
        {"/", TA_LOC_RELATIVE, NULL, 0},
        {"/secure", TA_LOC_RELATIVE, NULL, 0},
        {"//example.com/", TA_LOC_RELATIVE, NULL, 0},
        {"a/b", TA_LOC_RELATIVE, NULL, 0},
        {"", TA_LOC_RELATIVE, NULL, 0},
        {"http://example.com/", TA_LOC_OTHER, NULL, 0},
        {"ftp://example.com/", TA_LOC_OTHER, NULL, 0},
        {"https:example.com", TA_LOC_INVALID, NULL, 0},
        {"https:/example.com", TA_LOC_INVALID, NULL, 0},
        {"https:///path", TA_LOC_INVALID, NULL, 0},
        {"https://:443/", TA_LOC_INVALID, NULL, 0},
        {"https://h:99999/", TA_LOC_INVALID, NULL, 0},
        {"https://h:123456/", TA_LOC_INVALID, NULL, 0},
        {"https://h:80x/", TA_LOC_INVALID, NULL, 0},
        {"https://good.example\\@evil.example/", TA_LOC_INVALID, NULL, 0},
        {"https://exa mple.com/", TA_LOC_INVALID, NULL, 0},
        {"https://example.com/\x7f", TA_LOC_INVALID, NULL, 0},
        {"https://[::1/", TA_LOC_INVALID, NULL, 0},
        {"https://[::1]x/", TA_LOC_INVALID, NULL, 0},
        {"https://a%zz/", TA_LOC_INVALID, NULL, 0},
        {"https://a<b/", TA_LOC_INVALID, NULL, 0},
};

static void
test_location(void)
{
	for (size_t i = 0; i < TH_LEN(loc_cases); i++) {
		const struct loc_case *c = &loc_cases[i];
		struct ta_http_location loc;

		TH_CASE(c->in);
		ta_http_location_parse(c->in, strlen(c->in), &loc);
		CHECK_EQ(loc.kind, c->kind);
		if (c->host) {
			CHECK(view_is(loc.host, c->host));
			CHECK_EQ(loc.port, c->port);
		}
	}
	TH_CASE(NULL);
}

static void
test_host_eq(void)
{
	struct ta_rd a;

	TH_CASE("host_eq");
	ta_rd_init(&a, (const uint8_t *)"Example.COM", 11);
	CHECK(ta_http_host_eq(a, "example.com", 11));
	CHECK(ta_http_host_eq(a, "example.com.", 12));
	CHECK(!ta_http_host_eq(a, "example.co", 10));
	CHECK(!ta_http_host_eq(a, "www.example.com", 15));
	ta_rd_init(&a, (const uint8_t *)"example.com.", 12);
	CHECK(ta_http_host_eq(a, "EXAMPLE.com", 11));
	ta_rd_init(&a, (const uint8_t *)".", 1);
	CHECK(!ta_http_host_eq(a, ".", 1));
	TH_CASE(NULL);
}

static void
test_printable(void)
{
	char out[16];

	TH_CASE("printable");
	CHECK(ta_text_printable(out, sizeof out, (const uint8_t *)"a\x01\\z", 4));
	CHECK_STR(out, "a\\x01\\\\z");
	CHECK(ta_text_printable(out, sizeof out, (const uint8_t *)"\xff\x7f", 2));
	CHECK_STR(out, "\\xff\\x7f");
	/* 15 usable bytes: three escapes (12) fit, the fourth does not */
	CHECK(!ta_text_printable(out, sizeof out, (const uint8_t *)"\x01\x02\x03\x04", 4));
	CHECK_STR(out, "\\x01\\x02\\x03");
	CHECK(!ta_text_printable(out, 4, (const uint8_t *)"abcdef", 6));
	CHECK_STR(out, "abc");
	CHECK(ta_text_printable(out, 1, (const uint8_t *)"", 0));
	CHECK_STR(out, "");
	TH_CASE(NULL);
}

/* ---- MTA-STS TXT ------------------------------------------------------- */

struct txt_case {
	const char *in;
	bool candidate;
	int rc;
	const char *id; /* or a substring of the error */
};

static const struct txt_case sts_txt_cases[] = {
        /* RFC 8461 3.1 */
        {"v=STSv1; id=20160831085700Z;", true, TA_OK, "20160831085700Z"},
        {"v=STSv1;id=1", true, TA_OK, "1"},
        {"v=STSv1 ; id=abc ; ", true, TA_OK, "abc"},
        {"v=STSv1; id=12345678901234567890123456789012", true, TA_OK,
         "12345678901234567890123456789012"},
        {"v=STSv1; foo=bar; id=X1; x_y.z-w=!\"#$%&'()*+,-./:<>?@[]^_`{|}~", true, TA_OK, "X1"},
        {"v=STSv1; id=123456789012345678901234567890123", true, TA_EDECODE, "1 to 32"},
        {"v=STSv1; id=abc-def", true, TA_EDECODE, "1 to 32"},
        {"v=STSv1; id=", true, TA_EDECODE, "no value"},
        {"v=STSv1; id=1; id=2", true, TA_EDECODE, "twice"},
        {"v=STSv1", true, TA_EDECODE, "missing"},
        {"v=STSv1;", true, TA_EDECODE, "missing"},
        {"v=STSv1; foo=bar", true, TA_EDECODE, "missing"},
        {"v=STSv1; ID=1", true, TA_EDECODE, "missing"}, /* %s"id=" */
        {"v=STSv1 id=1", true, TA_EDECODE, "expected ';'"},
        {"v=STSv1; id=1 x", true, TA_EDECODE, "expected ';'"},
        {"v=STSv1; id=a=b", true, TA_EDECODE, "expected ';'"},
        {"v=STSv1; =x; id=1", true, TA_EDECODE, "not name=value"},
        {"v=STSv1; _a=x; id=1", true, TA_EDECODE, "not name=value"},
        {"v=STSv1; id", true, TA_EDECODE, "not name=value"},
        {"id=1; v=STSv1", false, TA_EDECODE, "begin"},
        {"v=STSv10; id=1", false, TA_EDECODE, "expected ';'"},
        {"v=stsv1; id=1", false, TA_EDECODE, "begin"},
        {"", false, TA_EDECODE, "begin"},
};

static void
test_mtasts_txt(void)
{
	for (size_t i = 0; i < TH_LEN(sts_txt_cases); i++) {
		const struct txt_case *c = &sts_txt_cases[i];
		struct ta_mtasts_txt t;
		int rc;

		TH_CASE(c->in);
		CHECK_EQ(ta_mtasts_txt_candidate(c->in, strlen(c->in)), c->candidate);
		rc = ta_mtasts_txt_parse(c->in, strlen(c->in), &t);
		CHECK_EQ(rc, c->rc);
		if (rc == TA_OK) {
			CHECK_STR(t.id, c->id);
			CHECK_STR(t.error, "");
		} else {
			CHECK(strstr(t.error, c->id) != NULL);
			CHECK_STR(t.id, "");
		}
	}
	TH_CASE(NULL);
}

/* ---- MTA-STS policies -------------------------------------------------- */

struct policy_case {
	const char *name;
	const char *in;
	int rc;
	int mode;
	uint32_t max_age;
	size_t nmx;
	const char *err;
};

#define RFC_POLICY                                                                                 \
	"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"         \
	"mx: backupmx.example.com\r\nmax_age: 604800\r\n"

static const struct policy_case policy_cases[] = {
        {"RFC 8461 3.2 example", RFC_POLICY, TA_OK, TA_MTASTS_ENFORCE, 604800, 3, NULL},
        {"LF endings, no final newline",
         "version: STSv1\nmode: testing\nmx: mx1.example.org\nmax_age: 86400", TA_OK,
         TA_MTASTS_TESTING, 86400, 1, NULL},
        {"mode none without mx", "version: STSv1\r\nmode: none\r\nmax_age: 0\r\n", TA_OK,
         TA_MTASTS_NONE, 0, 0, NULL},
        {"trailing blank lines and whitespace",
         "version:STSv1  \r\nmode:\tenforce\t\r\nmx: a.b\r\nmax_age: 31557600\r\n\r\n\n", TA_OK,
         TA_MTASTS_ENFORCE, 31557600, 1, NULL},
        {"repeated fields: the first counts",
         "version: STSv1\nmode: enforce\nmode: none\nmx: a.b\nmax_age: 1\nmax_age: x\n", TA_OK,
         TA_MTASTS_ENFORCE, 1, 1, NULL},
        {"unknown fields ignored",
         "version: STSv1\nfoo_bar: anything goes \xc3\xa9 here\nmode: testing\nmx: a.b\n"
         "max_age: 5\n",
         TA_OK, TA_MTASTS_TESTING, 5, 1, NULL},
        {"max_age too big", "version: STSv1\nmode: none\nmax_age: 31557601\n", TA_EDECODE, 0, 0, 0,
         "line 3: max_age is above"},
        {"max_age 11 digits", "version: STSv1\nmode: none\nmax_age: 00000000001\n", TA_EDECODE, 0,
         0, 0, "line 3: max_age is not"},
        {"max_age negative", "version: STSv1\nmode: none\nmax_age: -1\n", TA_EDECODE, 0, 0, 0,
         "line 3"},
        {"bad version", "version: STSv2\nmode: none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 1: version"},
        {"bad mode", "version: STSv1\nmode: Enforce\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 2: mode"},
        {"enforce without mx", "version: STSv1\nmode: enforce\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "no mx"},
        {"no version", "mode: none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0, "version is missing"},
        {"no mode", "version: STSv1\nmax_age: 1\n", TA_EDECODE, 0, 0, 0, "mode is missing"},
        {"no max_age", "version: STSv1\nmode: none\n", TA_EDECODE, 0, 0, 0, "max_age is missing"},
        {"space before colon", "version : STSv1\nmode: none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 1: expected ':'"},
        {"no colon", "version: STSv1\nmode none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 2: expected ':'"},
        {"empty line inside", "version: STSv1\n\nmode: none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 2: empty line"},
        {"empty value", "version: STSv1\nmode: none\nmax_age: 1\nfoo:\n", TA_EDECODE, 0, 0, 0,
         "line 4"},
        {"control byte", "version: STSv1\nmode: none\nmax_age: 1\nfoo: a\x01\n", TA_EDECODE, 0, 0,
         0, "line 4"},
        {"bare CR", "version: STSv1\rmode: none\nmax_age: 1\n", TA_EDECODE, 0, 0, 0, "line 1"},
        {"wildcard not leftmost",
         "version: STSv1\nmode: enforce\nmx: mail.*.example.com\n"
         "max_age: 1\n",
         TA_EDECODE, 0, 0, 0, "line 3: mx"},
        {"bare wildcard", "version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", TA_EDECODE, 0, 0, 0,
         "line 3: mx"},
        {"mx trailing dot", "version: STSv1\nmode: enforce\nmx: a.b.\nmax_age: 1\n", TA_EDECODE, 0,
         0, 0, "line 3: mx"},
        {"mx label with hyphen at the end", "version: STSv1\nmode: enforce\nmx: a-.b\nmax_age: 1\n",
         TA_EDECODE, 0, 0, 0, "line 3: mx"},
        {"mx with underscore", "version: STSv1\nmode: enforce\nmx: a_b.c\nmax_age: 1\n", TA_EDECODE,
         0, 0, 0, "line 3: mx"},
        {"mx with a space", "version: STSv1\nmode: enforce\nmx: a b\nmax_age: 1\n", TA_EDECODE, 0,
         0, 0, "line 3: mx"},
        {"field name starting with _", "_x: 1\nversion: STSv1\nmode: none\nmax_age: 1\n",
         TA_EDECODE, 0, 0, 0, "line 1"},
        {"empty", "", TA_EDECODE, 0, 0, 0, "version is missing"},
};

static void
test_mtasts_policy(void)
{
	for (size_t i = 0; i < TH_LEN(policy_cases); i++) {
		const struct policy_case *c = &policy_cases[i];
		struct ta_mtasts_policy p;
		int rc;

		TH_CASE(c->name);
		rc = ta_mtasts_policy_parse(c->in, strlen(c->in), &p);
		CHECK_EQ(rc, c->rc);
		if (rc == TA_OK) {
			CHECK_EQ(p.mode, c->mode);
			CHECK_EQ(p.max_age, c->max_age);
			CHECK_EQ(p.nmx, c->nmx);
			CHECK_STR(p.error, "");
		} else {
			CHECK(strstr(p.error, c->err) != NULL);
			CHECK_EQ(p.nmx, 0);
			if (!strstr(p.error, c->err))
				fprintf(stderr, "  error was: %s\n", p.error);
		}
	}
	TH_CASE(NULL);
}

static void
test_mtasts_match(void)
{
	struct ta_mtasts_policy p;

	TH_CASE("RFC 8461 example policy");
	CHECK_EQ(ta_mtasts_policy_parse(RFC_POLICY, strlen(RFC_POLICY), &p), TA_OK);
	CHECK(view_is(p.mx[0], "mail.example.com"));
	CHECK(view_is(p.mx[1], "*.example.net"));
	CHECK(view_is(p.mx[2], "backupmx.example.com"));
	CHECK(ta_mtasts_mx_matches(&p, "mail.example.com"));
	CHECK(ta_mtasts_mx_matches(&p, "MAIL.Example.COM"));
	CHECK(ta_mtasts_mx_matches(&p, "mail.example.com.")); /* DNS form */
	CHECK(ta_mtasts_mx_matches(&p, "backupmx.example.com"));
	CHECK(ta_mtasts_mx_matches(&p, "mx1.example.net"));
	CHECK(ta_mtasts_mx_matches(&p, "MX1.EXAMPLE.NET."));
	/* 4.1: the wildcard is one whole label, not the bare domain, not two */
	CHECK(!ta_mtasts_mx_matches(&p, "example.net"));
	CHECK(!ta_mtasts_mx_matches(&p, "a.b.example.net"));
	CHECK(!ta_mtasts_mx_matches(&p, ".example.net"));
	CHECK(!ta_mtasts_mx_matches(&p, "mail.example.com.evil"));
	CHECK(!ta_mtasts_mx_matches(&p, "ail.example.com"));
	CHECK(!ta_mtasts_mx_matches(&p, "xmail.example.com"));
	CHECK(!ta_mtasts_mx_matches(&p, "example.com"));
	CHECK(!ta_mtasts_mx_matches(&p, ""));
	CHECK(!ta_mtasts_mx_matches(&p, "."));
	TH_CASE(NULL);
}

static void
test_mtasts_limits(void)
{
	static char buf[4096];
	struct ta_mtasts_policy p;
	size_t o = 0;

	o += (size_t)snprintf(buf + o, sizeof buf - o, "version: STSv1\nmode: enforce\n");
	for (int i = 0; i < TA_MTASTS_MAX_MX; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "mx: mx%d.example.com\n", i);
	o += (size_t)snprintf(buf + o, sizeof buf - o, "max_age: 1\n");
	TH_CASE("32 mx lines");
	CHECK_EQ(ta_mtasts_policy_parse(buf, o, &p), TA_OK);
	CHECK_EQ(p.nmx, TA_MTASTS_MAX_MX);
	CHECK(ta_mtasts_mx_matches(&p, "mx31.example.com"));
	o += (size_t)snprintf(buf + o, sizeof buf - o, "mx: one.too.many\n");
	TH_CASE("33 mx lines");
	CHECK_EQ(ta_mtasts_policy_parse(buf, o, &p), TA_ENOSPC);
	CHECK(strstr(p.error, "line 36") != NULL);
	CHECK_EQ(p.nmx, 0);
	TH_CASE("policy over the cap");
	CHECK_EQ(ta_mtasts_policy_parse(buf, TA_MTASTS_POLICY_MAX + 1, &p), TA_ENOSPC);
	TH_CASE(NULL);
}

/* ---- TLS-RPT ----------------------------------------------------------- */

struct rpt_case {
	const char *in;
	bool candidate;
	int rc;
	size_t nrua;
	const char *rua0, *rua1;
	const char *err;
};

static const struct rpt_case rpt_cases[] = {
        /* RFC 8460 3 */
        {"v=TLSRPTv1;rua=mailto:reports@example.com", true, TA_OK, 1, "mailto:reports@example.com",
         NULL, NULL},
        {"v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", true, TA_OK, 1,
         "https://reporting.example.com/v1/tlsrpt", NULL, NULL},
        {"v=TLSRPTv1; rua=mailto:tlsrpt@example.com , https://r.example.com/x?a=b;", true, TA_OK, 2,
         "mailto:tlsrpt@example.com", "https://r.example.com/x?a=b", NULL},
        {"v=TLSRPTv1; foo=bar; rua=MAILTO:a@b%2c.example", true, TA_OK, 1, "MAILTO:a@b%2c.example",
         NULL, NULL},
        {"v=TLSRPTv1;  rua=mailto:a@b  ;  ", true, TA_OK, 1, "mailto:a@b", NULL, NULL},
        {"v=TLSRPTv1", true, TA_EDECODE, 0, NULL, NULL, "rua is missing"},
        {"v=TLSRPTv1; foo=bar", true, TA_EDECODE, 0, NULL, NULL, "rua is missing"},
        {"v=TLSRPTv1; rua=", true, TA_EDECODE, 0, NULL, NULL, "empty"},
        {"v=TLSRPTv1; rua=mailto:a@b,", true, TA_EDECODE, 0, NULL, NULL, "URI 2 is empty"},
        {"v=TLSRPTv1; rua=http://r.example.com/", true, TA_EDECODE, 0, NULL, NULL, "URI 1"},
        {"v=TLSRPTv1; rua=mailto:a@b,ftp://x/", true, TA_EDECODE, 0, NULL, NULL, "URI 2"},
        {"v=TLSRPTv1; rua=mailto:nobody", true, TA_EDECODE, 0, NULL, NULL, "URI 1"},
        {"v=TLSRPTv1; rua=mailto:@b", true, TA_EDECODE, 0, NULL, NULL, "URI 1"},
        {"v=TLSRPTv1; rua=https://", true, TA_EDECODE, 0, NULL, NULL, "URI 1"},
        {"v=TLSRPTv1; rua=mailto:a!b@c", true, TA_EDECODE, 0, NULL, NULL, "URI 1"},
        {"v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d", true, TA_EDECODE, 0, NULL, NULL, "twice"},
        {"v=TLSRPTv1 rua=mailto:a@b", true, TA_EDECODE, 0, NULL, NULL, "expected ';'"},
        {"v=TLSRPTv1; RUA=mailto:a@b", true, TA_EDECODE, 0, NULL, NULL, "rua is missing"},
        {"v=TLSRPTv1; rua=mailto:a@b; x=", true, TA_EDECODE, 0, NULL, NULL, "no value"},
        {"rua=mailto:a@b; v=TLSRPTv1", false, TA_EDECODE, 0, NULL, NULL, "begin"},
        {"v=TLSRPTv10; rua=mailto:a@b", false, TA_EDECODE, 0, NULL, NULL, "expected ';'"},
        {"v=STSv1; id=1", false, TA_EDECODE, 0, NULL, NULL, "begin"},
        {"v=TLSRPTv1; rua=mailto:1@x,mailto:2@x,mailto:3@x,mailto:4@x,mailto:5@x,mailto:6@x,"
         "mailto:7@x,mailto:8@x,mailto:9@x",
         true, TA_ENOSPC, 0, NULL, NULL, "more than"},
};

static void
test_tlsrpt(void)
{
	for (size_t i = 0; i < TH_LEN(rpt_cases); i++) {
		const struct rpt_case *c = &rpt_cases[i];
		struct ta_tlsrpt t;
		int rc;

		TH_CASE(c->in);
		CHECK_EQ(ta_tlsrpt_txt_candidate(c->in, strlen(c->in)), c->candidate);
		rc = ta_tlsrpt_parse(c->in, strlen(c->in), &t);
		CHECK_EQ(rc, c->rc);
		CHECK_EQ(t.nrua, c->nrua);
		if (rc == TA_OK) {
			CHECK_STR(t.error, "");
			CHECK(view_is(t.rua[0], c->rua0));
			if (c->rua1)
				CHECK(view_is(t.rua[1], c->rua1));
		} else {
			CHECK(strstr(t.error, c->err) != NULL);
			if (!strstr(t.error, c->err))
				fprintf(stderr, "  error was: %s\n", t.error);
		}
	}
	TH_CASE(NULL);
}

int
main(void)
{
	test_heads();
	test_find();
	test_codings();
	test_hsts();
	test_hsts_too_many();
	test_location();
	test_host_eq();
	test_printable();
	test_mtasts_txt();
	test_mtasts_policy();
	test_mtasts_match();
	test_mtasts_limits();
	test_tlsrpt();
	return th_done("test_httptext");
}
