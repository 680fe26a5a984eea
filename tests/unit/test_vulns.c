/*
 * Derived vulnerability verdicts (src/assess/vulns.c, vulns_rules.c): target
 * documents built here, each one fact away from a modern server, for every
 * status each check can give; then the shape of the output, failed and
 * hostile documents, and the run's context for DROWN.  The expected
 * statuses come from the rules of docs/vulnerabilities.md, the suites'
 * code points from the IANA registry.
 */
#include <stdlib.h>
#include <string.h>

#include "assess/vulns.h"
#include "tharness.h"

static const char *const ids[] = {"client-renegotiation",
                                  "insecure-renegotiation",
                                  "fallback-scsv",
                                  "poodle",
                                  "sweet32",
                                  "freak",
                                  "logjam",
                                  "drown",
                                  "beast",
                                  "lucky13",
                                  "rc4",
                                  "crime",
                                  "breach",
                                  "null-anon"};

/* IANA code points of the suites the cases use (RFC 5246, 4346, 8446 ...) */
static const struct {
	const char *name, *id;
} code_points[] = {
        {"TLS_RSA_WITH_NULL_SHA", "0x0002"},
        {"TLS_RSA_EXPORT_WITH_RC4_40_MD5", "0x0003"},
        {"TLS_RSA_WITH_RC4_128_SHA", "0x0005"},
        {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "0x000A"},
        {"TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "0x0014"},
        {"TLS_RSA_WITH_AES_128_CBC_SHA", "0x002F"},
        {"TLS_DH_anon_WITH_AES_128_CBC_SHA", "0x0034"},
        {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "0x009E"},
        {"TLS_AES_128_GCM_SHA256", "0x1301"},
        {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "0xC014"},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "0xC02F"},
        {"SSL_CK_RC4_128_WITH_MD5", "0x010080"},
        {"SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "0x0700C0"},
};

#define FP_A "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11"
#define FP_B "bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22"
#define PK_A "cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33"

static json_t *
version(bool offered, bool tested, bool complete)
{
	return json_pack("{s:b, s:b, s:b, s:[], s:n, s:[]}", "offered", offered, "tested", tested,
	                 "complete", complete, "cipher_suites", "server_order",
	                 "cipher_suite_details");
}

/* A version offered with these suites (NULL-terminated); details with the
 * code point for the suites of code_points[], none for the others. */
static void
offer(json_t *t, const char *ver, const char *const *suites)
{
	json_t *v = version(true, true, true);
	json_t *names = json_object_get(v, "cipher_suites"),
	       *det = json_object_get(v, "cipher_suite_details");

	for (size_t i = 0; suites[i]; i++) {
		const char *id = NULL;

		json_array_append_new(names, json_string(suites[i]));
		for (size_t k = 0; k < TH_LEN(code_points); k++)
			if (strcmp(code_points[k].name, suites[i]) == 0)
				id = code_points[k].id;
		if (id)
			json_array_append_new(det,
			                      json_pack("{s:s, s:s}", "id", id, "iana", suites[i]));
	}
	json_object_set_new(json_object_get(t, "protocols"), ver, v);
}

#define OFFER(t, ver, ...) offer((t), (ver), (const char *const[]){__VA_ARGS__, NULL})

static void
set_version(json_t *t, const char *ver, bool offered, bool tested, bool complete)
{
	json_object_set_new(json_object_get(t, "protocols"), ver,
	                    version(offered, tested, complete));
}

static void
feature(json_t *t, const char *key, json_t *v)
{
	json_object_set_new(json_object_get(t, "features"), key, v);
}

/* A modern HTTPS server: TLS 1.2 (ECDHE-GCM) and 1.3, every feature good,
 * an uncompressed HTTP answer, one RSA certificate. */
static json_t *
modern(void)
{
	json_t *t = json_pack(
	        "{s:s, s:i, s:s, s:s, s:n, s:s, s:{}, s:[s, s], s:n,"
	        " s:{s:b, s:b, s:b, s:b, s:b, s:b},"
	        " s:{s:n, s:b, s:n},"
	        " s:[{s:s, s:i, s:s, s:[s]}], s:[]}",
	        "host", "www.example.test", "port", 443, "ip", "192.0.2.10", "status", "ok",
	        "error", "service", "https", "protocols", "groups", "x25519", "secp256r1", "dh",
	        "features", "secure_renegotiation", 1, "client_renegotiation", 0, "fallback_scsv",
	        1, "compression", 0, "encrypt_then_mac", 1, "heartbeat", 0, "http", "error",
	        "compression", 0, "content_encoding", "certificates", "key_type", "RSA", "key_bits",
	        2048, "sha256_fingerprint", FP_A, "served", "TLSv1.2, RSA suites, SNI", "notes");
	const char *const v[] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"};

	for (size_t i = 0; i < TH_LEN(v); i++)
		set_version(t, v[i], false, true, true);
	OFFER(t, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	OFFER(t, "TLSv1.3", "TLS_AES_128_GCM_SHA256");
	return t;
}

static const json_t *
find(const json_t *out, const char *id)
{
	for (size_t i = 0; i < json_array_size(out); i++) {
		const json_t *o = json_array_get(out, i);

		if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			return o;
	}
	return NULL;
}

/* Some evidence string of verdict o contains want. */
static bool
has_evidence(const json_t *o, const char *want)
{
	const json_t *ev = json_object_get(o, "evidence");

	for (size_t i = 0; i < json_array_size(ev); i++)
		if (strstr(json_string_value(json_array_get(ev, i)), want))
			return true;
	return false;
}

static void
dump_evidence(const json_t *o)
{
	const json_t *ev = json_object_get(o, "evidence");

	for (size_t i = 0; i < json_array_size(ev); i++)
		fprintf(stderr, "    evidence: %s\n", json_string_value(json_array_get(ev, i)));
}

/* Derive t (consumed) with ctx and check one verdict: status, severity
 * (NULL: any) and an evidence substring (NULL: none asked). */
static void
expect_ctx(json_t *t, const struct ta_vuln_ctx *ctx, const char *id, const char *status,
           const char *severity, const char *evidence)
{
	json_t *out = ta_vulns_derive(t, ctx);
	const json_t *o = find(out, id);
	int before = th_failures;

	CHECK(o != NULL);
	if (o) {
		CHECK_STR(json_string_value(json_object_get(o, "status")), status);
		if (severity)
			CHECK_STR(json_string_value(json_object_get(o, "severity")), severity);
		if (evidence) {
			CHECK(has_evidence(o, evidence));
			if (!has_evidence(o, evidence))
				fprintf(stderr, "  wanted evidence: %s\n", evidence);
		}
		if (th_failures != before)
			dump_evidence(o);
	}
	json_decref(out);
	json_decref(t);
}

static void
expect(json_t *t, const char *id, const char *status, const char *severity, const char *evidence)
{
	expect_ctx(t, NULL, id, status, severity, evidence);
}

static json_t *
tls13_only(void)
{
	json_t *t = modern();

	set_version(t, "TLSv1.2", false, true, true);
	json_object_set_new(t, "features",
	                    json_pack("{s:n, s:n, s:n, s:n}", "secure_renegotiation",
	                              "client_renegotiation", "fallback_scsv", "compression"));
	return t;
}

static json_t *
with_tls10(void)
{
	json_t *t = modern();

	OFFER(t, "TLSv1.0", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA");
	return t;
}

static void
check_renegotiation(void)
{
	json_t *t;

	TH_CASE("client-renegotiation");
	t = modern();
	feature(t, "client_renegotiation", json_true());
	expect(t, "client-renegotiation", "vulnerable", "medium", "renegotiation accepted");
	expect(modern(), "client-renegotiation", "not_vulnerable", "info", "refused");
	expect(tls13_only(), "client-renegotiation", "not_applicable", "info",
	       "no version up to TLSv1.2");
	t = modern();
	json_object_set_new(t, "features", json_null());
	expect(t, "client-renegotiation", "could_not_test", "info", "features not tested");
	t = modern();
	feature(t, "client_renegotiation", json_null());
	json_array_append_new(json_object_get(t, "notes"),
	                      json_string("resumption and renegotiation not tested: OpenSSL could "
	                                  "not complete a handshake with this server"));
	expect(t, "client-renegotiation", "could_not_test", "info",
	       "scan note: resumption and renegotiation not tested");

	TH_CASE("insecure-renegotiation");
	t = modern();
	feature(t, "secure_renegotiation", json_false());
	feature(t, "client_renegotiation", json_true());
	expect(t, "insecure-renegotiation", "vulnerable", "high", "RFC 5746");
	t = modern();
	feature(t, "secure_renegotiation", json_false());
	expect(t, "insecure-renegotiation", "vulnerable", "low", "renegotiates by itself");
	t = modern();
	feature(t, "secure_renegotiation", json_false());
	feature(t, "client_renegotiation", json_null());
	expect(t, "insecure-renegotiation", "vulnerable", "medium", "not measured");
	expect(modern(), "insecure-renegotiation", "not_vulnerable", "info", "supported");
	expect(tls13_only(), "insecure-renegotiation", "not_applicable", "info", "renegotiation");
	t = modern();
	feature(t, "secure_renegotiation", json_null());
	expect(t, "insecure-renegotiation", "could_not_test", "info",
	       "features.secure_renegotiation not measured");
}

static void
check_fallback(void)
{
	json_t *t;

	TH_CASE("fallback-scsv");
	t = modern();
	feature(t, "fallback_scsv", json_false());
	expect(t, "fallback-scsv", "vulnerable", "low", "TLSv1.2, TLSv1.3");
	t = with_tls10();
	feature(t, "fallback_scsv", json_false());
	expect(t, "fallback-scsv", "vulnerable", "medium", "was answered");
	t = with_tls10();
	OFFER(t, "SSLv3", "TLS_RSA_WITH_AES_128_CBC_SHA");
	feature(t, "fallback_scsv", json_false());
	expect(t, "fallback-scsv", "vulnerable", "high", "SSLv3");
	expect(modern(), "fallback-scsv", "not_vulnerable", "info", "inappropriate_fallback");
	expect(tls13_only(), "fallback-scsv", "not_applicable", "info",
	       "one protocol version offered (TLSv1.3)");
	t = modern();
	feature(t, "fallback_scsv", json_null());
	expect(t, "fallback-scsv", "could_not_test", "info", "fallback_scsv not measured");
	/* one version known, another not tested: two may be offered */
	t = tls13_only();
	set_version(t, "TLSv1.2", false, false, false);
	expect(t, "fallback-scsv", "could_not_test", "info", NULL);
}

static void
check_suites(void)
{
	json_t *t;

	TH_CASE("poodle");
	t = modern();
	OFFER(t, "SSLv3", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA");
	expect(t, "poodle", "vulnerable", "high",
	       "SSLv3 offered with CBC suites: TLS_RSA_WITH_AES_128_CBC_SHA");
	expect(modern(), "poodle", "not_vulnerable", "info", "not offered: SSLv3");
	t = modern();
	OFFER(t, "SSLv3", "TLS_RSA_WITH_RC4_128_SHA");
	expect(t, "poodle", "not_vulnerable", "info",
	       "offered without CBC suites: SSLv3 (1 suites)");
	t = modern();
	set_version(t, "SSLv3", false, false, false);
	expect(t, "poodle", "could_not_test", "info", "not tested: SSLv3");

	TH_CASE("sweet32");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	      "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	expect(t, "sweet32", "vulnerable", "low",
	       "TLSv1.2 offered with 64-bit block cipher suites: TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	t = modern();
	OFFER(t, "SSLv2", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
	expect(t, "sweet32", "vulnerable", "low", "SSLv2 offered with 64-bit block cipher suites");
	expect(modern(), "sweet32", "not_vulnerable", "info",
	       "offered without 64-bit block cipher suites: TLSv1.2 (1 suites)");
	t = modern();
	set_version(t, "TLSv1.1", false, true, false);
	expect(t, "sweet32", "could_not_test", "info", "not tested: TLSv1.1");
	t = modern();
	json_object_set_new(json_object_get(json_object_get(t, "protocols"), "TLSv1.2"), "complete",
	                    json_false());
	expect(t, "sweet32", "could_not_test", "info", "suite list not complete");

	TH_CASE("freak");
	t = with_tls10();
	OFFER(t, "TLSv1.0", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_EXPORT_WITH_RC4_40_MD5");
	expect(t, "freak", "vulnerable", "high", "TLS_RSA_EXPORT_WITH_RC4_40_MD5");
	expect(modern(), "freak", "not_vulnerable", "info", NULL);
	t = modern();
	json_object_del(json_object_get(t, "protocols"), "TLSv1.0");
	expect(t, "freak", "could_not_test", "info", "not tested: TLSv1.0");

	TH_CASE("rc4");
	t = modern();
	OFFER(t, "SSLv2", "SSL_CK_RC4_128_WITH_MD5");
	expect(t, "rc4", "vulnerable", "high",
	       "SSLv2 offered with RC4 suites: SSL_CK_RC4_128_WITH_MD5");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_RSA_WITH_RC4_128_SHA");
	expect(t, "rc4", "vulnerable", "high", "TLS_RSA_WITH_RC4_128_SHA");
	expect(modern(), "rc4", "not_vulnerable", "info", "not offered: SSLv2, SSLv3");
	t = modern();
	set_version(t, "SSLv2", false, false, false);
	expect(t, "rc4", "could_not_test", "info", "not tested: SSLv2");

	TH_CASE("null-anon");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_DH_anon_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_NULL_SHA");
	expect(t, "null-anon", "vulnerable", "high",
	       "NULL or anonymous suites: TLS_DH_anon_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_NULL_SHA");
	t = modern();
	OFFER(t, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "TLS_SHA256_SHA256"); /* RFC 9150 */
	expect(t, "null-anon", "vulnerable", "high", "TLSv1.3 offered with NULL or anonymous");
	expect(modern(), "null-anon", "not_vulnerable", "info", NULL);
	t = modern();
	set_version(t, "TLSv1.3", false, false, false);
	expect(t, "null-anon", "could_not_test", "info", "not tested: TLSv1.3");
}

static void
check_cbc(void)
{
	json_t *t;

	TH_CASE("beast");
	expect(with_tls10(), "beast", "vulnerable", "low", "later versions offered too: TLSv1.2");
	t = modern();
	set_version(t, "TLSv1.2", false, true, true);
	set_version(t, "TLSv1.3", false, true, true);
	OFFER(t, "TLSv1.0", "TLS_RSA_WITH_AES_128_CBC_SHA");
	expect(t, "beast", "vulnerable", "medium", "no version after TLSv1.0");
	t = modern();
	OFFER(t, "TLSv1.0", "TLS_RSA_WITH_RC4_128_SHA");
	expect(t, "beast", "not_vulnerable", "info", "offered without CBC suites: TLSv1.0");
	t = modern();
	set_version(t, "TLSv1.0", false, false, false);
	expect(t, "beast", "could_not_test", "info", "not tested: TLSv1.0");

	TH_CASE("lucky13");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
	expect(t, "lucky13", "vulnerable", "low", "encrypt_then_mac (RFC 7366) accepted");
	expect(modern(), "lucky13", "not_vulnerable", "info", "without CBC suites: TLSv1.2");
	t = modern();
	set_version(t, "TLSv1.1", false, false, false);
	expect(t, "lucky13", "could_not_test", "info", "not tested: TLSv1.1");
}

static void
check_logjam(void)
{
	json_t *t;

	TH_CASE("logjam");
	t = with_tls10();
	OFFER(t, "TLSv1.0", "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA");
	expect(t, "logjam", "vulnerable", "high",
	       "TLSv1.0 offered with export DH suites: TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA");
	t = modern();
	json_object_set_new(t, "dh", json_pack("{s:i, s:s}", "bits", 768, "group", "rfc2409-768"));
	expect(t, "logjam", "vulnerable", "high", "DH group of 768 bits (rfc2409-768)");
	t = modern();
	json_object_set_new(t, "dh",
	                    json_pack("{s:i, s:s}", "bits", 1024, "group", "rfc2409-1024"));
	expect(t, "logjam", "vulnerable", "medium", "DH group rfc2409-1024: a published 1024-bit");
	t = modern();
	json_object_set_new(t, "dh", json_pack("{s:i, s:s}", "bits", 1024, "group", "custom"));
	expect(t, "logjam", "not_vulnerable", "info", "1024 bits (custom: not among the published");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	json_object_set_new(t, "dh", json_pack("{s:i, s:s}", "bits", 2048, "group", "ffdhe2048"));
	expect(t, "logjam", "not_vulnerable", "info", "DH group of 2048 bits (ffdhe2048)");
	expect(modern(), "logjam", "not_vulnerable", "info", "no DHE suite accepted");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	json_array_append_new(json_object_get(t, "groups"), json_string("ffdhe3072"));
	expect(t, "logjam", "not_vulnerable", "info",
	       "only with an RFC 7919 group offered: ffdhe3072");
	t = modern();
	OFFER(t, "TLSv1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	expect(t, "logjam", "could_not_test", "info", "DH group was not recorded");
	t = modern();
	set_version(t, "TLSv1.0", false, false, false);
	expect(t, "logjam", "could_not_test", "info", "not tested: TLSv1.0");
	expect(tls13_only(), "logjam", "not_vulnerable", "info", "no version up to TLSv1.2");
}

static json_t *
sslv2_server(const char *fp, const char *spki)
{
	json_t *t = modern(), *c = json_array_get(json_object_get(t, "certificates"), 0);

	json_object_set_new(t, "host", json_string("legacy.example.test"));
	json_object_set_new(t, "ip", json_string("192.0.2.20"));
	OFFER(t, "SSLv2", "SSL_CK_RC4_128_WITH_MD5");
	json_object_set_new(c, "sha256_fingerprint", json_string(fp));
	if (spki)
		json_object_set_new(c, "public_key_sha256", json_string(spki));
	return t;
}

static void
check_drown(void)
{
	struct ta_vuln_ctx ctx;
	json_t *t, *legacy;

	TH_CASE("drown");
	expect(sslv2_server(FP_B, NULL), "drown", "vulnerable", "high",
	       "SSLv2 offered with suites: SSL_CK_RC4_128_WITH_MD5");
	/* the same certificate on an SSLv2 endpoint of the run */
	ta_vuln_ctx_init(&ctx);
	legacy = sslv2_server(FP_A, NULL);
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK);
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK); /* noted twice: kept once */
	CHECK_EQ(ctx.nkeys, 1);
	CHECK_EQ(ctx.noted, 2);
	CHECK_STR(ctx.keys[0].endpoint, "legacy.example.test:443 (192.0.2.20)");
	json_decref(legacy);
	expect_ctx(modern(), &ctx, "drown", "vulnerable", "high",
	           "certificate aa11aa11aa11aa11... is served with SSLv2 by "
	           "legacy.example.test:443 (192.0.2.20)");
	/* another certificate, the same key */
	legacy = sslv2_server(FP_B, PK_A);
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK);
	json_decref(legacy);
	t = modern();
	json_object_set_new(
	        json_array_get(json_object_get(t, "certificates"), 0), "sha256_fingerprint",
	        json_string("dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd"
	                    "44"));
	json_object_set_new(json_array_get(json_object_get(t, "certificates"), 0),
	                    "public_key_sha256", json_string(PK_A));
	expect_ctx(t, &ctx, "drown", "vulnerable", "high", "certificate dd44dd44dd44dd44...");
	ta_vuln_ctx_free(&ctx);

	/* a run whose SSLv2 endpoint has another key */
	ta_vuln_ctx_init(&ctx);
	legacy = sslv2_server(FP_B, NULL);
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK);
	json_decref(legacy);
	ctx.unfinished = 3;
	expect_ctx(modern(), &ctx, "drown", "not_vulnerable", "info",
	           "no endpoint of the run with SSLv2 that finished before this one serves "
	           "this RSA key (compared by certificate fingerprint)");
	expect_ctx(modern(), &ctx, "drown", "not_vulnerable", "info",
	           "3 endpoints of the run not finished yet");
	/* an SSLv2 endpoint's ECDSA certificate is no DROWN key */
	legacy = sslv2_server(FP_A, NULL);
	json_object_set_new(json_array_get(json_object_get(legacy, "certificates"), 0), "key_type",
	                    json_string("EC"));
	ta_vuln_ctx_free(&ctx);
	ta_vuln_ctx_init(&ctx);
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK);
	CHECK_EQ(ctx.nkeys, 0);
	json_decref(legacy);
	/* a certificate served through SSLv2 is the one compared */
	legacy = sslv2_server(FP_B, NULL);
	json_array_append_new(json_object_get(legacy, "certificates"),
	                      json_pack("{s:s, s:s, s:[s]}", "key_type", "RSA",
	                                "sha256_fingerprint", FP_A, "served", "SSLv2"));
	CHECK_EQ(ta_vuln_ctx_note(&ctx, legacy), TA_OK);
	CHECK_EQ(ctx.nkeys, 1);
	CHECK_STR(ctx.keys[0].id, "cert:" FP_A);
	json_decref(legacy);
	ta_vuln_ctx_free(&ctx);
	ta_vuln_ctx_free(NULL);

	expect(modern(), "drown", "not_vulnerable", "info", "other endpoints not compared");
	t = modern();
	json_object_set_new(json_array_get(json_object_get(t, "certificates"), 0), "key_type",
	                    json_string("EC"));
	expect(t, "drown", "not_vulnerable", "info", "no RSA certificate");
	t = modern();
	set_version(t, "SSLv2", false, false, false);
	expect(t, "drown", "could_not_test", "info", "SSLv2 not tested");
}

static void
check_compression(void)
{
	json_t *t;

	TH_CASE("crime");
	t = modern();
	feature(t, "compression", json_true());
	expect(t, "crime", "vulnerable", "high", "TLS compression (DEFLATE) accepted");
	t = modern();
	feature(t, "compression", json_true());
	json_object_set_new(t, "service", json_string("smtp"));
	expect(t, "crime", "vulnerable", "medium", "service smtp");
	expect(modern(), "crime", "not_vulnerable", "info", "not chosen");
	expect(tls13_only(), "crime", "not_applicable", "info", "nor compression");
	t = modern();
	json_object_set_new(t, "features", json_null());
	expect(t, "crime", "could_not_test", "info", "features not tested");

	TH_CASE("breach");
	t = modern();
	json_object_set_new(json_object_get(t, "http"), "compression", json_true());
	json_object_set_new(json_object_get(t, "http"), "content_encoding", json_string("gzip"));
	expect(t, "breach", "vulnerable", "medium", "compressed (Content-Encoding: gzip)");
	t = modern();
	json_object_set_new(json_object_get(t, "http"), "compression", json_true());
	json_object_set_new(json_object_get(t, "http"), "set_cookies", json_integer(2));
	expect(t, "breach", "vulnerable", "medium", "sets 2 cookie(s)");
	t = modern();
	json_object_set_new(json_object_get(t, "http"), "compression", json_true());
	json_object_set_new(json_object_get(t, "http"), "set_cookies", json_integer(0));
	json_object_set_new(json_object_get(t, "http"), "cache_control",
	                    json_string("no-cache, PRIVATE"));
	expect(t, "breach", "vulnerable", "medium",
	       "personalised (Cache-Control: no-cache, PRIVATE)");
	t = modern();
	json_object_set_new(json_object_get(t, "http"), "compression", json_true());
	json_object_set_new(json_object_get(t, "http"), "set_cookies", json_integer(0));
	json_object_set_new(json_object_get(t, "http"), "cache_control",
	                    json_string("public, max-age=60"));
	expect(t, "breach", "vulnerable", "low", "no sign of a secret");
	expect(modern(), "breach", "not_vulnerable", "info", "not compressed");
	t = modern();
	json_object_set_new(t, "service", json_string("imaps"));
	json_object_set_new(t, "http", json_null());
	expect(t, "breach", "not_applicable", "info", "not an HTTP service (imaps)");
	t = modern();
	json_object_set_new(t, "http", json_null());
	expect(t, "breach", "could_not_test", "info", "--no-http");
	t = modern();
	json_object_set_new(t, "service", json_string("tls"));
	json_object_set_new(t, "http", json_null());
	expect(t, "breach", "could_not_test", "info", "/https");
	t = modern();
	json_object_set_new(json_object_get(t, "http"), "compression", json_null());
	json_object_set_new(json_object_get(t, "http"), "error",
	                    json_string("connection refused\x1b[2J"));
	expect(t, "breach", "could_not_test", "info", "not known: connection refused?[2J");
}

/* Every verdict: the fields of issue 15, in order, printable evidence. */
static void
check_shape(const json_t *out)
{
	CHECK_EQ(json_array_size(out), TH_LEN(ids));
	for (size_t i = 0; i < json_array_size(out) && i < TH_LEN(ids); i++) {
		const json_t *o = json_array_get(out, i), *ev = json_object_get(o, "evidence");
		const char *st = json_string_value(json_object_get(o, "status")),
		           *sev = json_string_value(json_object_get(o, "severity"));

		CHECK_STR(json_string_value(json_object_get(o, "id")), ids[i]);
		CHECK(json_is_array(json_object_get(o, "cve")));
		CHECK(st != NULL);
		CHECK(sev != NULL);
		if (st && sev && strcmp(st, "vulnerable") != 0)
			CHECK_STR(sev, "info");
		CHECK(json_array_size(ev) > 0);
		for (size_t k = 0; k < json_array_size(ev); k++) {
			const char *s = json_string_value(json_array_get(ev, k));

			CHECK(s != NULL);
			for (; s && *s; s++)
				CHECK(*s >= 0x20 && *s < 0x7f);
		}
		CHECK(strlen(json_string_value(json_object_get(o, "fix"))) > 0);
		CHECK_EQ(json_object_size(o), 6);
	}
}

static void
check_all(void)
{
	json_t *t = modern(), *out, *failed;

	TH_CASE("modern server: nothing vulnerable");
	out = ta_vulns_derive(t, NULL);
	check_shape(out);
	for (size_t i = 0; i < json_array_size(out); i++) {
		const json_t *o = json_array_get(out, i);
		const char *st = json_string_value(json_object_get(o, "status"));

		CHECK(st && (strcmp(st, "not_vulnerable") == 0));
		if (st && strcmp(st, "not_vulnerable") != 0)
			dump_evidence(o);
	}
	CHECK_STR(
	        json_string_value(json_array_get(json_object_get(find(out, "sweet32"), "cve"), 1)),
	        "CVE-2016-6329");
	CHECK_EQ(json_array_size(json_object_get(find(out, "null-anon"), "cve")), 0);
	json_decref(out);
	json_decref(t);

	TH_CASE("failed target");
	failed = json_pack("{s:s, s:i, s:n, s:s, s:s, s:s}", "host", "gone.example.test", "port",
	                   443, "ip", "status", "error", "error", "cannot connect", "service",
	                   "https");
	out = ta_vulns_derive(failed, NULL);
	check_shape(out);
	for (size_t i = 0; i < json_array_size(out); i++) {
		const json_t *o = json_array_get(out, i);

		CHECK_STR(json_string_value(json_object_get(o, "status")), "could_not_test");
		CHECK(has_evidence(o, "the scan failed: cannot connect"));
	}
	json_decref(out);
	json_decref(failed);

	TH_CASE("not a document");
	t = json_string("x");
	out = ta_vulns_derive(t, NULL);
	check_shape(out);
	CHECK(has_evidence(json_array_get(out, 0), "not a target document"));
	json_decref(out);
	json_decref(t);
	out = ta_vulns_derive(NULL, NULL);
	check_shape(out);
	json_decref(out);
}

static json_t *
load(const char *text)
{
	char buf[512];
	json_error_t e;
	size_t n = strlen(text) < sizeof buf - 1 ? strlen(text) : sizeof buf - 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	buf[n] = '\0';
	return json_loads(buf, 0, &e);
}

/* Members of any type and size: no crash, nothing invented. */
static void
check_hostile(void)
{
	/* JSON with ' for " (swapped before parsing) */
	static const char *const docs[] = {
	        "{'status':'ok','protocols':[1,2],'features':7,'http':'x','dh':[]}",
	        ("{'status':'ok','protocols':{'SSLv3':{'offered':true,'cipher_suites':"
	         "[1,null,{},'TLS_RSA_WITH_AES_128_CBC_SHA'],'cipher_suite_details':"
	         "['x',{'id':'0x'},{'id':'0x-1'},{'id':'0x0005'}]}}}"),
	        ("{'status':'ok','dh':{'bits':-5,'group':7},'certificates':"
	         "[1,{'key_type':'RSA','sha256_fingerprint':'AA'}],'notes':[1,2]}"),
	        "{'status':'ok','dh':{'bits':9223372036854775807,'group':'custom'}}",
	        "{'status':7,'error':'\\u0007\\u009b'}",
	        "[]",
	        ("{'status':'ok','host':'\\u202e','port':'x','protocols':{'SSLv2':"
	         "{'offered':true}},'certificates':[{'key_type':'RSA'}]}"),
	};
	for (size_t i = 0; i < TH_LEN(docs); i++) {
		json_t *t = load(docs[i]), *out;
		struct ta_vuln_ctx ctx;

		TH_CASE(docs[i]);
		CHECK(t != NULL);
		out = ta_vulns_derive(t, NULL);
		check_shape(out);
		ta_vuln_ctx_init(&ctx);
		CHECK_EQ(ta_vuln_ctx_note(&ctx, t), TA_OK);
		json_decref(ta_vulns_derive(t, &ctx));
		ta_vuln_ctx_free(&ctx);
		json_decref(out);
		json_decref(t);
	}

	/* the SSLv3 suite of the second document: found by its name, since
	 * the detail at its index names another code point */
	TH_CASE("detail and name disagree");
	{
		json_t *t = load(docs[1]), *out = ta_vulns_derive(t, NULL);

		CHECK_STR(json_string_value(json_object_get(find(out, "poodle"), "status")),
		          "vulnerable");
		CHECK_STR(json_string_value(json_object_get(find(out, "rc4"), "status")),
		          "could_not_test");
		json_decref(out);
		json_decref(t);
	}

	/* a list far longer than any server's: read up to the cap */
	TH_CASE("long suite list");
	{
		json_t *t = modern(), *v = version(true, true, true), *out;

		for (int i = 0; i < 5000; i++)
			json_array_append_new(
			        json_object_get(v, "cipher_suites"),
			        json_string(i == 4999 ? "TLS_RSA_WITH_RC4_128_SHA"
			                              : "TLS_RSA_WITH_AES_128_CBC_SHA"));
		json_object_set_new(json_object_get(t, "protocols"), "TLSv1.2", v);
		out = ta_vulns_derive(t, NULL);
		check_shape(out);
		CHECK(has_evidence(find(out, "lucky13"), "and 1016 more"));
		CHECK_STR(json_string_value(json_object_get(find(out, "rc4"), "status")),
		          "could_not_test");
		json_decref(out);
		json_decref(t);
	}
}

/* The run's context keeps at most TA_VULN_MAX_KEYS keys. */
static void
check_ctx_cap(void)
{
	struct ta_vuln_ctx ctx;
	json_t *t = sslv2_server(FP_A, NULL);
	json_t *c = json_array_get(json_object_get(t, "certificates"), 0);

	TH_CASE("context cap");
	ta_vuln_ctx_init(&ctx);
	for (int i = 0; i < TA_VULN_MAX_KEYS + 2; i++) {
		char fp[65];

		snprintf(fp, sizeof fp, "%064x", i);
		json_object_set_new(c, "sha256_fingerprint", json_string(fp));
		CHECK_EQ(ta_vuln_ctx_note(&ctx, t), TA_OK);
	}
	CHECK_EQ(ctx.nkeys, TA_VULN_MAX_KEYS);
	CHECK_EQ(ctx.dropped, 2);
	json_decref(t);
	expect_ctx(modern(), &ctx, "drown", "not_vulnerable", "info", "2 keys of SSLv2 endpoints");
	ta_vuln_ctx_free(&ctx);
}

/* The derived verdicts joined to those already there, in the order. */
static void
check_attach(void)
{
	json_t *t = modern(), *v;
	const char *const want[] = {"heartbleed",
	                            "robot",
	                            "client-renegotiation",
	                            "insecure-renegotiation",
	                            "fallback-scsv",
	                            "intolerance",
	                            "poodle",
	                            "sweet32",
	                            "freak",
	                            "logjam",
	                            "drown",
	                            "beast",
	                            "lucky13",
	                            "rc4",
	                            "crime",
	                            "breach",
	                            "null-anon",
	                            "future-check"};

	TH_CASE("attach");
	/* active probes' verdicts, out of order, one unknown id, one stale derived one */
	json_object_set_new(t, "vulnerabilities",
	                    json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s, s:s}]", "id",
	                              "intolerance", "id", "future-check", "id", "heartbleed", "id",
	                              "robot", "id", "poodle", "status", "stale"));
	CHECK_EQ(ta_vulns_attach(t, NULL), TA_OK);
	v = json_object_get(t, "vulnerabilities");
	CHECK_EQ(json_array_size(v), TH_LEN(want));
	for (size_t i = 0; i < json_array_size(v) && i < TH_LEN(want); i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(v, i), "id")), want[i]);
	CHECK_STR(json_string_value(json_object_get(json_array_get(v, 6), "status")),
	          "not_vulnerable");
	/* again: the same array, nothing doubled */
	CHECK_EQ(ta_vulns_attach(t, NULL), TA_OK);
	CHECK_EQ(json_array_size(json_object_get(t, "vulnerabilities")), TH_LEN(want));
	json_decref(t);
	/* none there before */
	t = modern();
	CHECK_EQ(ta_vulns_attach(t, NULL), TA_OK);
	CHECK_EQ(json_array_size(json_object_get(t, "vulnerabilities")), TH_LEN(ids));
	json_decref(t);
	t = json_array();
	CHECK_EQ(ta_vulns_attach(t, NULL), TA_EINVAL);
	json_decref(t);
}

int
main(void)
{
	check_renegotiation();
	check_fallback();
	check_suites();
	check_cbc();
	check_logjam();
	check_drown();
	check_compression();
	check_all();
	check_hostile();
	check_ctx_cap();
	check_attach();
	return th_done("test_vulns");
}
