/*
 * The diff of two runs (src/report/diff*.c) over real scan reports:
 * tests/vectors/diff/ holds what `tlsaudit scan --format json` wrote for
 * one openssl s_server on 127.0.0.1 in configuration A (a.json), in
 * configuration B (b.json), and with nothing listening on that port and on
 * another (down.json); README.txt there gives both configurations and
 * capture.sh makes the files again.  Every expectation below is derived
 * from those configurations (and OpenSSL's documented defaults), not from
 * the diff's output.  Then: matching by key and not by position, a name
 * that no longer resolves, expiry against each run's report time, text
 * escaping, the file reader, and documents of the wrong shape.
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* timegm() when built without the project's flags */
#endif
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"
#include "report/report.h"
#include "tharness.h"

#ifndef TA_VECTORS_DIR
#define TA_VECTORS_DIR "tests/vectors"
#endif
#define VEC(name) TA_VECTORS_DIR "/diff/" name

/* ---- loading the vectors with the report reader ---- */

struct run {
	json_t *meta, *targets;
};

static int
keep_meta(void *arg, const json_t *meta)
{
	struct run *r = arg;

	json_decref(r->meta);
	r->meta = json_deep_copy(meta);
	return r->meta ? TA_OK : TA_ENOMEM;
}

static int
keep_target(void *arg, const json_t *t)
{
	struct run *r = arg;

	return json_array_append(r->targets, (json_t *)t) == 0 ? TA_OK : TA_ENOMEM;
}

static struct run
load(const char *path)
{
	struct run r = {NULL, json_array()};
	struct ta_report_reader rd = {keep_meta, keep_target, &r};
	char err[256];

	if (ta_report_read_file(path, &rd, err, sizeof err) != TA_OK) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return r;
}

static void
run_free(struct run *r)
{
	json_decref(r->meta);
	json_decref(r->targets);
}

/* ---- looking into a diff ---- */

static const json_t *
endpoint(const json_t *diff, json_int_t port, const char *change)
{
	const json_t *e;
	size_t i;

	json_array_foreach (json_object_get(diff, "endpoints"), i, e)
		if (json_integer_value(json_object_get(e, "port")) == port &&
		    (!change ||
		     strcmp(json_string_value(json_object_get(e, "change")), change) == 0))
			return e;
	return NULL;
}

/* The change of a category, scope (NULL: none) and item. */
static const json_t *
change(const json_t *e, const char *cat, const char *scope, const char *item)
{
	const json_t *c;
	size_t i;

	json_array_foreach (json_object_get(e, "changes"), i, c) {
		const char *s = json_string_value(json_object_get(c, "scope"));

		if (strcmp(json_string_value(json_object_get(c, "category")), cat) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "item")), item) == 0 &&
		    (scope ? s && strcmp(s, scope) == 0 : !s))
			return c;
	}
	return NULL;
}

static size_t
count_cat(const json_t *e, const char *cat)
{
	const json_t *c;
	size_t i, n = 0;

	json_array_foreach (json_object_get(e, "changes"), i, c)
		n += strcmp(json_string_value(json_object_get(c, "category")), cat) == 0;
	return n;
}

enum { WORSE = 1, BETTER = 0, NEUTRAL = -1 };

static int
reg(const json_t *c)
{
	const json_t *r = json_object_get(c, "regression");

	return json_is_true(r) ? WORSE : json_is_false(r) ? BETTER : NEUTRAL;
}

/* A change must exist with this regression and, for a list item, before
 * false and after added. */
#define EXPECT(e, cat, scope, item, r)                                                             \
	do {                                                                                       \
		const json_t *c_ = change(e, cat, scope, item);                                    \
		TH_CASE(cat " " item);                                                             \
		CHECK(c_ != NULL);                                                                 \
		if (c_)                                                                            \
			CHECK_EQ(reg(c_), (r));                                                    \
	} while (0)

#define EXPECT_ADDED(e, cat, scope, item, added, r)                                                \
	do {                                                                                       \
		const json_t *c_ = change(e, cat, scope, item);                                    \
		TH_CASE(cat " " item);                                                             \
		CHECK(c_ != NULL);                                                                 \
		if (c_) {                                                                          \
			CHECK_EQ(reg(c_), (r));                                                    \
			CHECK(json_is_true(json_object_get(c_, "after")) == (added));              \
			CHECK(json_is_true(json_object_get(c_, "before")) == !(added));            \
		}                                                                                  \
	} while (0)

static const char *
str_of(const json_t *c, const char *key)
{
	const char *s = json_string_value(json_object_get(c, key));

	return s ? s : "";
}

/* ---- A -> B: the reconfigured server ---- */

static json_int_t
port_of(const struct run *r, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(r->targets, i), "port"));
}

static void
check_changed(const struct run *a, const struct run *b)
{
	json_t *d = ta_diff_runs(a->targets, a->meta, b->targets, b->meta);
	const json_t *e = endpoint(d, port_of(a, 0), "changed"), *c;
	const json_t *sum = json_object_get(d, "summary");

	CHECK(d != NULL);
	CHECK(e != NULL);
	CHECK_EQ(ta_diff_count(d), 1);
	CHECK_EQ(json_integer_value(json_object_get(sum, "changed")), 1);
	CHECK_STR(str_of(e, "protocol"), "tls");
	CHECK_STR(str_of(e, "ip"), "127.0.0.1");

	/* versions: A -min_protocol TLSv1.2 (Debian's default), B -min_protocol
	 * TLSv1 with @SECLEVEL=0: TLS 1.0 and 1.1 come back, regressions */
	CHECK_EQ(count_cat(e, "versions"), 2);
	EXPECT_ADDED(e, "versions", NULL, "TLSv1.0", true, WORSE);
	EXPECT_ADDED(e, "versions", NULL, "TLSv1.1", true, WORSE);

	/* suites: A -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:
	 * ECDHE-RSA-AES128-SHA256, B ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:
	 * DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:NULL-SHA256; TLS 1.3 A all
	 * three, B without ChaCha20.  Only NULL (weak) is a regression; the suites
	 * of a version offered in one run only are not listed one by one. */
	CHECK_EQ(count_cat(e, "suites"), 5);
	EXPECT_ADDED(e, "suites", "TLSv1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", true, NEUTRAL);
	EXPECT_ADDED(e, "suites", "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true, NEUTRAL);
	EXPECT_ADDED(e, "suites", "TLSv1.2", "TLS_RSA_WITH_NULL_SHA256", true, WORSE);
	EXPECT_ADDED(e, "suites", "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false,
	             NEUTRAL);
	EXPECT_ADDED(e, "suites", "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", false, NEUTRAL);

	/* order: -serverpref in both; the two AES-GCM suites swapped in TLS 1.2,
	 * TLS 1.3 -ciphersuites AES-256, ChaCha20, AES-128 -> AES-128, AES-256 */
	CHECK_EQ(count_cat(e, "suite_order"), 2);
	EXPECT(e, "suite_order", "TLSv1.2", "order", NEUTRAL);
	c = change(e, "suite_order", "TLSv1.2", "order");
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "before"), 0)),
	          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "after"), 0)),
	          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	c = change(e, "suite_order", "TLSv1.3", "order");
	CHECK(c != NULL);
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "after"), 0)),
	          "TLS_AES_128_GCM_SHA256");

	/* groups: -groups X25519:P-256 -> P-256:P-384, and in TLS 1.2 the DHE
	 * handshakes use exactly the ffdhe2048 prime of -dhparam (an FFDHE group
	 * then counts, docs/schema/scan.schema.json) */
	CHECK_EQ(count_cat(e, "groups"), 5);
	EXPECT_ADDED(e, "groups", "TLSv1.3", "secp384r1", true, NEUTRAL);
	EXPECT_ADDED(e, "groups", "TLSv1.3", "x25519", false, NEUTRAL);
	EXPECT_ADDED(e, "groups", "TLSv1.2", "secp384r1", true, NEUTRAL);
	EXPECT_ADDED(e, "groups", "TLSv1.2", "ffdhe2048", true, NEUTRAL);
	EXPECT_ADDED(e, "groups", "TLSv1.2", "x25519", false, NEUTRAL);

	/* DH: no DHE suite in A; DHE-RSA-AES128-GCM-SHA256 with ffdhe2048 in B */
	CHECK_EQ(count_cat(e, "dh"), 1);
	c = change(e, "dh", NULL, "dh");
	CHECK(c && json_is_null(json_object_get(c, "before")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(c, "after"), "bits")), 2048);
	CHECK_STR(str_of(json_object_get(c, "after"), "group"), "ffdhe2048");
	CHECK_EQ(reg(c), NEUTRAL);

	/* signature schemes: A OpenSSL's defaults for an RSA key at security
	 * level 2 (TLS 1.2: rsa_pss_rsae_sha256/384/512, rsa_pkcs1_sha256/384/512,
	 * rsa_sha224; TLS 1.3: rsa_pss_rsae_sha256/384/512); B -sigalgs
	 * rsa_pss_rsae_sha256:rsa_pkcs1_sha256.  SHA-224 leaving is better. */
	CHECK_EQ(count_cat(e, "signature_schemes"), 7);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.3", "rsa_pss_rsae_sha384", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.3", "rsa_pss_rsae_sha512", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.2", "rsa_pss_rsae_sha384", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.2", "rsa_pss_rsae_sha512", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.2", "rsa_pkcs1_sha384", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.2", "rsa_pkcs1_sha512", false, NEUTRAL);
	EXPECT_ADDED(e, "signature_schemes", "TLSv1.2", "rsa_sha224", false, BETTER);

	/* certificate: A self-signed RSA 2048 CN=diff.test for 90 days; B RSA
	 * 3072 CN=diff.test from "CN=Diff Test CA" for 10 days; --ca-file names
	 * that CA in both scans */
	EXPECT(e, "certificate", "CN=diff.test", "certificate", NEUTRAL);
	EXPECT(e, "certificate", "CN=diff.test", "key_type", BETTER);
	c = change(e, "certificate", "CN=diff.test", "key_type");
	CHECK_STR(str_of(c, "before"), "RSA 2048");
	CHECK_STR(str_of(c, "after"), "RSA 3072");
	EXPECT(e, "certificate", "CN=diff.test", "issuer", NEUTRAL);
	c = change(e, "certificate", "CN=diff.test", "issuer");
	CHECK_STR(str_of(c, "before"), "CN=diff.test");
	CHECK_STR(str_of(c, "after"), "CN=Diff Test CA");
	EXPECT(e, "certificate", "CN=diff.test", "not_after", NEUTRAL);
	EXPECT(e, "certificate", "CN=diff.test", "days_left", WORSE);
	c = change(e, "certificate", "CN=diff.test", "days_left");
	CHECK(json_integer_value(json_object_get(c, "before")) >= 89);
	CHECK(json_integer_value(json_object_get(c, "after")) <= 10);
	CHECK(json_integer_value(json_object_get(c, "after")) >= 9);
	EXPECT(e, "certificate", "CN=diff.test", "trusted", BETTER);
	EXPECT(e, "certificate", "CN=diff.test", "self_signed", BETTER);
	CHECK(change(e, "certificate", "CN=diff.test", "subject") == NULL);

	/* features: A -no_etm (with a CBC suite, so it can be seen), B with
	 * EtM; B -client_renegotiation and -no_ticket (model/facts.h: client
	 * renegotiation should be off, EtM on; tickets are neither) */
	EXPECT(e, "features", NULL, "encrypt_then_mac", BETTER);
	EXPECT(e, "features", NULL, "client_renegotiation", WORSE);
	EXPECT(e, "features", NULL, "session_ticket", NEUTRAL);
	c = change(e, "features", NULL, "session_ticket");
	CHECK(c && json_is_true(json_object_get(c, "before")) &&
	      json_is_false(json_object_get(c, "after")));

	/* verdicts: HKCERT intermediate allows TLS 1.2 and 1.3 only */
	EXPECT(e, "verdicts", "hkcert-intermediate", "versions", WORSE);
	c = change(e, "verdicts", "hkcert-intermediate", "versions");
	CHECK_STR(str_of(c, "before"), "pass");
	CHECK_STR(str_of(c, "after"), "fail");

	/* nothing about the status, HTTP (--no-http) or DNS (--no-dns) */
	CHECK_EQ(count_cat(e, "status"), 0);
	CHECK_EQ(count_cat(e, "http"), 0);
	CHECK_EQ(count_cat(e, "dns"), 0);

	/* the summary counts what the list holds */
	{
		size_t w = 0, bt = 0, i;
		json_array_foreach (json_object_get(e, "changes"), i, c) {
			w += reg(c) == WORSE;
			bt += reg(c) == BETTER;
		}
		CHECK_EQ(json_integer_value(json_object_get(sum, "regressions")), w);
		CHECK_EQ(json_integer_value(json_object_get(sum, "improvements")), bt);
	}
	json_decref(d);
}

/* ---- endpoints that fail, recover, appear, vanish ---- */

static void
check_lifecycle(const struct run *a, const struct run *b, const struct run *down)
{
	json_int_t p = port_of(a, 0), q = port_of(down, 1);
	json_t *d;
	const json_t *e, *c;

	TH_CASE("lifecycle");
	CHECK_EQ(port_of(down, 0), p); /* down.json: the server's port, then another */

	d = ta_diff_runs(a->targets, a->meta, down->targets, down->meta);
	e = endpoint(d, p, "started_failing");
	CHECK(e != NULL);
	c = change(e, "status", NULL, "status");
	CHECK(c && reg(c) == WORSE);
	CHECK_STR(str_of(c, "before"), "ok");
	CHECK_STR(str_of(c, "after"), "error");
	CHECK_EQ(json_array_size(json_object_get(e, "changes")), 1);
	CHECK(endpoint(d, q, "appeared") != NULL);
	/* the order of run B */
	CHECK_EQ(json_integer_value(json_object_get(
	                 json_array_get(json_object_get(d, "endpoints"), 0), "port")),
	         p);
	json_decref(d);

	d = ta_diff_runs(down->targets, down->meta, b->targets, b->meta);
	e = endpoint(d, p, "recovered");
	CHECK(e != NULL);
	CHECK((c = change(e, "status", NULL, "status")) && reg(c) == BETTER);
	e = endpoint(d, q, "vanished");
	CHECK(e != NULL);
	/* vanished ones come after those of run B */
	CHECK_EQ(json_integer_value(json_object_get(
	                 json_array_get(json_object_get(d, "endpoints"), 1), "port")),
	         q);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(d, "summary"), "recovered")),
	         1);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(d, "summary"), "vanished")), 1);
	json_decref(d);

	/* the same run twice: nothing */
	d = ta_diff_runs(a->targets, a->meta, a->targets, a->meta);
	CHECK_EQ(ta_diff_count(d), 0);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(d, "summary"), "unchanged")),
	         1);
	json_decref(d);

	/* matched by key, not position: the same endpoints in another order */
	{
		json_t *rev = json_pack("[OO]", json_array_get(down->targets, 1),
		                        json_array_get(down->targets, 0));

		d = ta_diff_runs(down->targets, down->meta, rev, down->meta);
		CHECK_EQ(ta_diff_count(d), 0);
		json_decref(d);
		json_decref(rev);
	}

	/* a name that no longer resolves has no address (ip null): matched by
	 * host, port and protocol, it started failing rather than vanished
	 * (a copy of the real failed document, its address taken away) */
	{
		json_t *t = json_deep_copy(json_array_get(down->targets, 0)), *runb;

		json_object_set_new(t, "ip", json_null());
		runb = json_pack("[o]", t);
		d = ta_diff_runs(a->targets, a->meta, runb, down->meta);
		CHECK(endpoint(d, p, "started_failing") != NULL);
		CHECK_EQ(ta_diff_count(d), 1);
		json_decref(d);
		json_decref(runb);
	}
}

/* ---- expiry judged against each run's report time ---- */

static void
check_expiry(const struct run *a)
{
	const json_t *leaf =
	        json_array_get(json_object_get(json_array_get(a->targets, 0), "certificates"), 0);
	const char *na = json_string_value(json_object_get(leaf, "not_after"));
	json_t *mb, *d;
	const json_t *c;
	int y, mo, dd;

	TH_CASE("expiry");
	CHECK(na != NULL && sscanf(na, "%4d-%2d-%2d", &y, &mo, &dd) == 3);
	/* run B dated a day after the certificate's end: the same certificate
	 * (same fingerprint) has expired; only the dates moved */
	mb = json_pack("{s:s}", "report_time", "2099-01-01T00:00:00Z");
	d = ta_diff_runs(a->targets, a->meta, a->targets, mb);
	c = change(endpoint(d, port_of(a, 0), "changed"), "certificate", "CN=diff.test",
	           "days_left");
	CHECK(c != NULL && reg(c) == WORSE);
	CHECK(c && json_integer_value(json_object_get(c, "after")) < 0);
	CHECK(change(endpoint(d, port_of(a, 0), NULL), "certificate", "CN=diff.test",
	             "certificate") == NULL);
	json_decref(d);
	json_decref(mb);
	/* a run dated 20 days before the end: under 30 days */
	{
		char when[32];
		int64_t t;
		struct tm tm;

		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = dd - 20;
		t = (int64_t)timegm(&tm);
		time_t tt = (time_t)t;
		gmtime_r(&tt, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		mb = json_pack("{s:s}", "report_time", when);
		d = ta_diff_runs(a->targets, a->meta, a->targets, mb);
		c = change(endpoint(d, port_of(a, 0), NULL), "certificate", "CN=diff.test",
		           "days_left");
		CHECK(c != NULL && reg(c) == WORSE);
		CHECK(c && json_integer_value(json_object_get(c, "after")) >= 19 &&
		      json_integer_value(json_object_get(c, "after")) <= 20);
		/* and back: B dated as A, A dated late */
		json_decref(d);
		d = ta_diff_runs(a->targets, mb, a->targets, a->meta);
		c = change(endpoint(d, port_of(a, 0), NULL), "certificate", "CN=diff.test",
		           "days_left");
		CHECK(c != NULL && reg(c) == BETTER);
		json_decref(d);
		json_decref(mb);
	}
}

/* ---- facts the vectors do not vary (scanned --no-http --no-dns, one
 * chain, no OCSP): the real document of run A with those facts set as a
 * server could have them, to check how each is judged ---- */

static json_t *
with(const json_t *t, const char *key, json_t *v)
{
	json_t *c = json_deep_copy(t);

	json_object_set_new(c, key, v);
	return c;
}

static const json_t *
one_endpoint(json_t **d, json_t *ta, json_t *tb, const struct run *a)
{
	json_t *ra = json_pack("[o]", ta), *rb = json_pack("[o]", tb);

	json_decref(*d);
	*d = ta_diff_runs(ra, a->meta, rb, a->meta);
	json_decref(ra);
	json_decref(rb);
	return json_array_get(json_object_get(*d, "endpoints"), 0);
}

static void
check_synthetic(const struct run *a)
{
	const json_t *t = json_array_get(a->targets, 0), *e;
	json_t *d = NULL, *leaf, *x, *y;

	TH_CASE("http");
	x = with(t, "http",
	         json_pack("{s:b,s:{s:i,s:b,s:b},s:b,s:b,s:b,s:b}", "redirect_to_https", 1, "hsts",
	                   "max_age", 31536000, "include_subdomains", 1, "preload", 1,
	                   "hsts_header_present", 1, "csp", 1, "csp_report_only", 0, "compression",
	                   0));
	y = with(t, "http",
	         json_pack("{s:b,s:n,s:b,s:s,s:b,s:b,s:b}", "redirect_to_https", 1, "hsts",
	                   "hsts_header_present", 1, "hsts_error", "max-age is missing", "csp", 0,
	                   "csp_report_only", 1, "compression", 1));
	e = one_endpoint(&d, json_incref(x), json_incref(y), a);
	EXPECT(e, "http", NULL, "hsts", WORSE);
	CHECK(strstr(str_of(change(e, "http", NULL, "hsts"), "text"), "max-age is missing"));
	EXPECT(e, "http", NULL, "csp", WORSE);
	EXPECT(e, "http", NULL, "compression", WORSE);
	EXPECT(e, "http", NULL, "csp_report_only", NEUTRAL); /* neither way is better */
	CHECK(change(e, "http", NULL, "redirect_to_https") == NULL);
	/* the other way round: all better */
	e = one_endpoint(&d, y, x, a);
	EXPECT(e, "http", NULL, "hsts", BETTER);
	EXPECT(e, "http", NULL, "compression", BETTER);
	/* not checked in one run (null): nothing to compare */
	e = one_endpoint(&d, with(t, "http", json_null()),
	                 with(t, "http", json_pack("{s:b}", "redirect_to_https", 1)), a);
	CHECK(e == NULL);

	TH_CASE("dns");
	x = with(t, "dns",
	         json_pack("{s:{s:s,s:[{s:i,s:s,s:s}],s:b,s:n}}", "caa", "domain", "diff.test",
	                   "records", "flags", 0, "tag", "issue", "value", "ca.example",
	                   "truncated", 0, "error"));
	y = with(t, "dns",
	         json_pack("{s:{s:n,s:[],s:b,s:n}}", "caa", "domain", "records", "truncated", 0,
	                   "error"));
	e = one_endpoint(&d, x, y, a);
	EXPECT(e, "dns", NULL, "caa", WORSE);
	EXPECT_ADDED(e, "dns", NULL, "0 issue \"ca.example\"", false, NEUTRAL);

	TH_CASE("chain and OCSP");
	x = json_deep_copy(t);
	y = json_deep_copy(t);
	leaf = json_array_get(json_object_get(x, "certificates"), 0);
	json_object_set_new(leaf, "ocsp_response", json_pack("{s:s}", "cert_status", "good"));
	json_object_set_new(
	        leaf, "chain",
	        json_pack("[{s:s,s:s}]", "subject", "CN=Old Int", "sha256_fingerprint", "aa"));
	leaf = json_array_get(json_object_get(y, "certificates"), 0);
	json_object_set_new(leaf, "ocsp_response", json_pack("{s:s}", "cert_status", "revoked"));
	json_object_set_new(
	        leaf, "chain",
	        json_pack("[{s:s,s:s}]", "subject", "CN=New Int", "sha256_fingerprint", "bb"));
	e = one_endpoint(&d, x, y, a);
	EXPECT(e, "certificate", "CN=diff.test", "ocsp_status", WORSE);
	EXPECT(e, "certificate", "CN=diff.test", "chain", NEUTRAL);
	CHECK(strstr(str_of(change(e, "certificate", "CN=diff.test", "chain"), "text"),
	             "CN=New Int") != NULL);

	TH_CASE("STARTTLS protocol in the key");
	x = with(t, "starttls", json_pack("{s:s}", "protocol", "smtp"));
	y = with(t, "starttls", json_pack("{s:s}", "protocol", "imap"));
	e = one_endpoint(&d, x, y, a);
	CHECK_STR(str_of(e, "change"), "appeared");
	CHECK_STR(str_of(e, "protocol"), "imap");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(d, "summary"), "vanished")), 1);
	json_decref(d);
}

/* ---- the text, the files, hostile shapes ---- */

static char *
text_of(const json_t *d, int color, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	CHECK(ta_diff_text(f, d, color) == TA_OK);
	fclose(f);
	return buf;
}

static void
check_text(const struct run *a, const struct run *b)
{
	json_t *bb = json_deep_copy(b->targets), *d;
	json_t *leaf = json_array_get(json_object_get(json_array_get(bb, 0), "certificates"), 0);
	size_t len;
	char *s;

	TH_CASE("text");
	/* a hostile issuer: a terminal escape and a right-to-left override */
	json_object_set_new(leaf, "issuer", json_string("CN=\x1b[2Jevil\xe2\x80\xaetxt.exe"));
	d = ta_diff_runs(a->targets, a->meta, bb, b->meta);
	s = text_of(d, 0, &len);
	CHECK(strstr(s, "issuer CN=diff.test -> CN=\\x1b[2Jevil\\u{202E}txt.exe") != NULL);
	CHECK(strstr(s, "\xe2\x80\xae") == NULL);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n') {
			CHECK(!"a control byte in the text");
			break;
		}
	CHECK(strstr(s, "worse") != NULL && strstr(s, "TLSv1.0 now offered") != NULL);
	free(s);
	s = text_of(d, 1, &len);
	CHECK(strstr(s, "\033[31m") != NULL);
	free(s);
	json_decref(d);
	json_decref(bb);

	d = ta_diff_runs(a->targets, a->meta, a->targets, a->meta);
	s = text_of(d, 0, &len);
	CHECK(strstr(s, "No differences.") != NULL);
	free(s);
	json_decref(d);
}

static void
check_files(const struct run *a, const struct run *b)
{
	char *buf = NULL, err[256];
	size_t len = 0, changed = 99;
	FILE *f = open_memstream(&buf, &len);
	json_t *got, *want;
	int rc;

	TH_CASE("files");
	rc = ta_diff_files(VEC("a.json"), VEC("b.json"), TA_FORMAT_JSON, f, 0, &changed, err,
	                   sizeof err);
	fclose(f);
	CHECK_EQ(rc, TA_OK);
	CHECK_EQ(changed, 1);
	got = json_loadb(buf, len, 0, NULL);
	want = ta_diff_runs(a->targets, a->meta, b->targets, b->meta);
	CHECK(got != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(got, "a"), "file")),
	          VEC("a.json"));
	CHECK(json_equal(json_object_get(got, "endpoints"), json_object_get(want, "endpoints")));
	CHECK(json_equal(json_object_get(got, "summary"), json_object_get(want, "summary")));
	json_decref(got);
	json_decref(want);
	free(buf);

	f = fopen("/dev/null", "w");
	rc = ta_diff_files(VEC("a.json"), VEC("a.json"), TA_FORMAT_TEXT, f, 0, &changed, err,
	                   sizeof err);
	fclose(f);
	CHECK_EQ(rc, TA_OK);
	CHECK_EQ(changed, 0);
	rc = ta_diff_files(VEC("a.json"), VEC("b.json"), TA_FORMAT_CSV, stdout, 0, NULL, err,
	                   sizeof err);
	CHECK_EQ(rc, TA_EINVAL);
	CHECK_STR(err, "diff: text or json");
	rc = ta_diff_files(VEC("a.json"), VEC("missing.json"), TA_FORMAT_TEXT, stdout, 0, NULL, err,
	                   sizeof err);
	CHECK_EQ(rc, TA_EINVAL);
	CHECK(strstr(err, "missing.json") != NULL);
}

static void
check_reader(void)
{
	static const char *const bad[] = {
	        "",
	        "[]",
	        "{\"targets\": [1]}",
	        "{\"targets\": [{\"host\": \"h\"}]}",
	        "{\"targets\": [{\"host\":\"h\",\"port\":1,\"status\":\"ok\"}",
	        "{} x",
	        "{}",
	        "{\"tool\": \"tlsaudit\"}", /* no "targets": not a report to compare */
	};
	struct run r = {NULL, json_array()};
	struct ta_report_reader rd = {keep_meta, keep_target, &r};
	char err[256];
	const char *good = "{\"tool\":\"tlsaudit\",\"report_time\":\"2026-01-01T00:00:00Z\","
	                   "\"targets\":[{\"host\":\"h\",\"port\":1,\"status\":\"ok\"}],"
	                   "\"version\":7}";

	for (size_t i = 0; i < TH_LEN(bad); i++) {
		TH_CASE(bad[i]);
		CHECK_EQ(ta_report_read_buffer(bad[i], strlen(bad[i]), &rd, err, sizeof err),
		         TA_EINVAL);
		CHECK_EQ(json_array_size(r.targets), 0); /* nothing handed on */
	}
	TH_CASE("good");
	CHECK_EQ(ta_report_read_buffer(good, strlen(good), &rd, err, sizeof err), TA_OK);
	CHECK_EQ(json_array_size(r.targets), 1);
	CHECK_STR(json_string_value(json_object_get(r.meta, "report_time")),
	          "2026-01-01T00:00:00Z");
	CHECK(json_object_get(r.meta, "version") == NULL); /* not a string: not kept */
	run_free(&r);
}

/* Every compared field of both documents replaced by values of every
 * type: the diff must neither crash nor fail. */
static void
check_hostile(const struct run *a, const struct run *b)
{
	json_t *vals[] = {json_null(),
	                  json_true(),
	                  json_integer(-1),
	                  json_string("x"),
	                  json_pack("[s,i,{}]", "TLSv1.2", 3),
	                  json_pack("{s:[i]}", "TLSv1.2", 1)};
	const json_t *ta = json_array_get(a->targets, 0), *tb = json_array_get(b->targets, 0);
	const char *key;
	json_t *v, *odd_meta = json_string("not an object");

	TH_CASE("hostile");
	json_object_foreach ((json_t *)tb, key, v) {
		for (size_t k = 0; k < TH_LEN(vals); k++) {
			json_t *x = json_deep_copy(ta), *y = json_deep_copy(tb);
			json_t *ra, *rb, *d;
			char *txt;
			size_t len;

			json_object_set(x, key, vals[k]);
			json_object_set(y, key, vals[(k + 1) % TH_LEN(vals)]);
			ra = json_pack("[o]", x);
			rb = json_pack("[o,i,s]", y, 5, "x");
			d = ta_diff_runs(ra, a->meta, rb, odd_meta);
			CHECK(d != NULL);
			txt = text_of(d, 0, &len);
			free(txt);
			json_decref(d);
			json_decref(ra);
			json_decref(rb);
		}
	}
	/* inside: every value of every protocol, certificate and profile */
	for (size_t k = 0; k < TH_LEN(vals); k++) {
		json_t *y = json_deep_copy(tb), *sub, *rb, *d;
		const char *pk;

		json_object_foreach (json_object_get(y, "protocols"), pk, sub) {
			const char *f;
			json_t *fv;
			json_object_foreach (sub, f, fv)
				json_object_set(sub, f, vals[k]);
		}
		json_object_foreach (json_array_get(json_object_get(y, "certificates"), 0), pk, sub)
			json_object_set(json_array_get(json_object_get(y, "certificates"), 0), pk,
			                vals[k]);
		json_object_foreach (json_object_get(y, "profiles"), pk, sub)
			json_object_set(sub, "rules", vals[k]);
		rb = json_pack("[o]", y);
		d = ta_diff_runs(a->targets, a->meta, rb, b->meta);
		CHECK(d != NULL);
		json_decref(d);
		d = ta_diff_runs(rb, b->meta, a->targets, a->meta);
		CHECK(d != NULL);
		json_decref(d);
		json_decref(rb);
	}
	{
		json_t *d = ta_diff_runs(NULL, NULL, NULL, NULL);

		CHECK(d != NULL && ta_diff_count(d) == 0);
		json_decref(d);
	}
	for (size_t k = 0; k < TH_LEN(vals); k++)
		json_decref(vals[k]);
	json_decref(odd_meta);
}

int
main(void)
{
	struct run a = load(VEC("a.json")), b = load(VEC("b.json")), down = load(VEC("down.json"));

	check_changed(&a, &b);
	check_lifecycle(&a, &b, &down);
	check_expiry(&a);
	check_synthetic(&a);
	check_text(&a, &b);
	check_files(&a, &b);
	check_reader();
	check_hostile(&a, &b);
	run_free(&a);
	run_free(&b);
	run_free(&down);
	return th_done("test_diff");
}
