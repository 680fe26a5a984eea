/*
 * Unit tests for src/profile: the strict parser (one-line errors naming the
 * file and the problem), the built-in set, and the evaluator's verdicts,
 * above all that a rule the scan could not test is never a pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/facts.h"
#include "profile/profile.h"
#include "profile/rule.h"
#include "scan_fixtures.h"
#include "tharness.h"

#define HEAD                                                                                       \
	"{\"format\": \"tlsaudit-profile-1\", \"id\": \"t\", \"title\": \"T\", \"document\": "     \
	"\"Doc\", \"version\": \"1\", "

/* ---- parser ---- */

static const struct {
	const char *name, *json, *err; /* err: expected substring, NULL: parses */
} parse_cases[] = {
        {"minimal",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"allowed\": [\"TLSv1.3\"]}]}",
         NULL},
        {"not json", "{", "x.json: line 1: "},
        {"bad format",
         "{\"format\": \"other\", \"id\": \"t\", \"title\": \"T\", \"document\": \"D\", "
         "\"version\": \"1\", \"rules\": []}",
         "x.json: \"format\" must be \"tlsaudit-profile-1\""},
        {"unknown top key", HEAD "\"colour\": 1, \"rules\": []}", "x.json: unknown key \"colour\""},
        {"no rules", HEAD "\"rules\": []}", "x.json: \"rules\" must be an array of 1 to"},
        {"unknown rule key",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"colour\": 1}]}",
         "x.json: rule \"v\": unknown key \"colour\""},
        {"key not for kind",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"min_bits\": 1}]}",
         "x.json: rule \"v\": key \"min_bits\" does not apply to kind \"versions\""},
        {"unknown kind",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"magic\", \"clause\": \"1\", \"trust\": "
              "\"R\"}]}",
         "x.json: rule \"v\": unknown kind \"magic\""},
        {"unknown suite",
         HEAD
         "\"rules\": [{\"id\": \"s\", \"kind\": \"suites\", \"protocols\": [\"TLSv1.2\"], "
         "\"clause\": \"1\", \"trust\": \"R\", \"allowed\": [\"ECDHE-RSA-AES128-GCM-SHA256\"]}]}",
         "unknown cipher suite \"ECDHE-RSA-AES128-GCM-SHA256\" (use IANA names)"},
        {"unknown version",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"allowed\": [\"TLSv1\"]}]}",
         "unknown protocol version \"TLSv1\""},
        {"unknown group",
         HEAD "\"rules\": [{\"id\": \"g\", \"kind\": \"groups\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"allowed\": [\"prime256v1\"]}]}",
         "unknown group \"prime256v1\""},
        {"no clause",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"trust\": \"R\"}]}",
         "\"clause\" is required"},
        {"bad trust",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"X\"}]}",
         "\"trust\" must be"},
        {"tolerated needs why",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"tolerated\": [\"TLSv1.3\"]}]}",
         "\"tolerated\" needs \"tolerated_note\""},
        {"duplicate rule",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"hsts\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"min_age\": 1}, {\"id\": \"v\", \"kind\": \"hsts\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"min_age\": 1}]}",
         "duplicate rule id \"v\""},
        {"duplicate key",
         HEAD "\"rules\": [{\"id\": \"v\", \"id\": \"w\", \"kind\": \"hsts\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"min_age\": 1}]}",
         "x.json: line 1: duplicate object key"},
        {"feature needs expect",
         HEAD "\"rules\": [{\"id\": \"f\", \"kind\": \"feature\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"expect\": true}]}",
         "kind \"feature\" needs more keys"},
        /* expect defaults to the good answer of model/facts.h ... */
        {"feature expect from facts.h",
         HEAD "\"rules\": [{\"id\": \"f\", \"kind\": \"feature\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"feature\": \"compression\"}]}",
         NULL},
        /* ... and a feature with no good answer needs it */
        {"feature without a good answer",
         HEAD "\"rules\": [{\"id\": \"f\", \"kind\": \"feature\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"feature\": \"session_ticket\"}]}",
         "rule \"f\": \"expect\" is required: feature \"session_ticket\""},
        /* only the yes/no facts are features a rule can name */
        {"feature not yes/no",
         HEAD "\"rules\": [{\"id\": \"f\", \"kind\": \"feature\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"feature\": \"max_early_data\", \"expect\": false}]}",
         "unknown feature \"max_early_data\""},
        {"unknown feature",
         HEAD "\"rules\": [{\"id\": \"f\", \"kind\": \"feature\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"feature\": \"telepathy\", \"expect\": true}]}",
         "unknown feature \"telepathy\""},
        {"bad id", HEAD "\"rules\": [{\"id\": \"Bad Id\", \"kind\": \"hsts\"}]}",
         "rule id \"Bad Id\" must be"},
        {"listed twice",
         HEAD "\"rules\": [{\"id\": \"v\", \"kind\": \"versions\", \"clause\": \"1\", "
              "\"trust\": \"R\", \"allowed\": [\"TLSv1.3\", \"TLSv1.3\"]}]}",
         "\"TLSv1.3\" listed twice"},
        {"bad rating",
         HEAD "\"rules\": [{\"id\": \"h\", \"kind\": \"hsts\", \"clause\": \"1\", \"trust\": "
              "\"R\", \"min_age\": 1, \"rating\": {\"pass\": \"great\"}}]}",
         "is not good, sufficient, phase_out or insufficient"},
};

static void
test_parser(void)
{
	for (size_t i = 0; i < TH_LEN(parse_cases); i++) {
		struct ta_profile_set *set = ta_profiles_new();
		char err[512] = "";
		int rc;

		TH_CASE(parse_cases[i].name);
		rc = ta_profiles_add_buffer(set, "x.json", parse_cases[i].json,
		                            strlen(parse_cases[i].json), err, sizeof err);
		if (!parse_cases[i].err) {
			CHECK_EQ(rc, 0);
			CHECK_EQ(ta_profiles_count(set), 1);
		} else {
			CHECK(rc != 0);
			CHECK_EQ(ta_profiles_count(set), 0);
			if (!strstr(err, parse_cases[i].err))
				fprintf(stderr, "  got: %s\n", err);
			CHECK(strstr(err, parse_cases[i].err) != NULL);
			CHECK(strncmp(err, "x.json: ", 8) == 0);
			CHECK(strchr(err, '\n') == NULL);
		}
		ta_profiles_free(set);
	}
	TH_CASE(NULL);
}

static void
test_files(void)
{
	struct ta_profile_set *set;
	char err[512];

	CHECK_EQ(ta_profiles_builtin(&set, err, sizeof err), 0);
	CHECK(ta_profiles_add_file(set, "/nonexistent/p.json", err, sizeof err) != 0);
	CHECK(strncmp(err, "/nonexistent/p.json: ", 21) == 0);
	CHECK_EQ(ta_profiles_add_file(set, TA_PROFILE_CORPUS "/minimal.json", err, sizeof err), 0);
	CHECK(ta_profiles_find(set, "mini") != NULL);
	/* A built-in id cannot be loaded twice. */
	CHECK(ta_profiles_add_file(set, TA_PROFILE_CORPUS "/04-ncsc-uk-foundation.json", err,
	                           sizeof err) != 0);
	CHECK(strstr(err, "already exists") != NULL);
	CHECK(ta_profiles_add_file(set, TA_PROFILE_CORPUS "/bad_unknown_key.json", err,
	                           sizeof err) != 0);
	CHECK(strstr(err, "bad_unknown_key.json: rule \"v\": unknown key \"colour\"") != NULL);
	CHECK_EQ(ta_profiles_count(set), 13);
	ta_profiles_free(set);
}

static void
test_builtin(void)
{
	static const char *const ids[] = {
	        "hkcert-modern",      "hkcert-intermediate", "ncsc-uk-suiteb-c1",
	        "ncsc-uk-foundation", "mozilla-5.7-modern",  "mozilla-5.7-intermediate",
	        "mozilla-5.7-old",    "mozilla-6.0-modern",  "mozilla-6.0-intermediate",
	        "ncsc-nl-2025-05",    "bsi-tr-02102-2",      "nist-sp800-52r2"};
	struct ta_profile_set *set;
	char err[512];

	CHECK_EQ(ta_profiles_builtin(&set, err, sizeof err), 0);
	CHECK_EQ(ta_profiles_count(set), TH_LEN(ids));
	for (size_t i = 0; i < TH_LEN(ids) && i < ta_profiles_count(set); i++) {
		CHECK_STR(ta_profile_id(ta_profiles_get(set, i)), ids[i]);
		CHECK(ta_profiles_find(set, ids[i]) == ta_profiles_get(set, i));
	}
	CHECK(ta_profiles_find(set, "nope") == NULL);
	CHECK(ta_profiles_get(set, 99) == NULL);
	ta_profiles_free(set);
}

/* ---- evaluator ---- */

/* A one-profile set from a JSON text. */
static struct ta_profile_set *
load(const char *json)
{
	struct ta_profile_set *set = ta_profiles_new();
	char err[512];

	if (ta_profiles_add_buffer(set, "test.json", json, strlen(json), err, sizeof err) != 0) {
		fprintf(stderr, "load: %s\n", err);
		abort();
	}
	return set;
}

static struct ta_eval *
judge(struct ta_profile_set *set, const struct ta_result *r, bool https)
{
	struct ta_eval *e = NULL;

	CHECK_EQ(ta_profile_evaluate(ta_profiles_get(set, 0), r, https, &e), 0);
	if (!e)
		abort();
	return e;
}

static enum ta_verdict
verdict_of(const struct ta_eval *e, const char *id)
{
	for (size_t i = 0; i < ta_eval_nrules(e); i++)
		if (strcmp(ta_eval_rule_id(e, i), id) == 0)
			return ta_eval_rule_verdict(e, i);
	return (enum ta_verdict) - 1;
}

static const char *
evidence_of(const struct ta_eval *e, const char *id)
{
	for (size_t i = 0; i < ta_eval_nrules(e); i++)
		if (strcmp(ta_eval_rule_id(e, i), id) == 0)
			return ta_eval_rule_evidence(e, i);
	return "";
}

static const char *const EVAL_PROFILE =
        HEAD "\"rules\": ["
             "{\"id\": \"versions\", \"kind\": \"versions\", \"clause\": \"1\", \"trust\": \"R\", "
             "\"allowed\": [\"TLSv1.2\", \"TLSv1.3\"], \"required\": [\"TLSv1.3\"]},"
             "{\"id\": \"suites\", \"kind\": \"suites\", \"protocols\": [\"TLSv1.2\"], "
             "\"clause\": \"2\", \"trust\": \"S\", \"allowed\": "
             "[\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\"]},"
             "{\"id\": \"emc\", \"kind\": \"feature\", \"clause\": \"3\", \"trust\": \"I\", "
             "\"feature\": \"extended_master_secret\", \"expect\": true},"
             "{\"id\": \"zero-rtt\", \"kind\": \"feature\", \"clause\": \"3\", \"trust\": \"I\", "
             "\"feature\": \"early_data\", \"expect\": false},"
             "{\"id\": \"ocsp\", \"kind\": \"feature\", \"clause\": \"4\", \"trust\": \"R\", "
             "\"feature\": \"ocsp_stapling\", \"expect\": true, \"severity\": \"warning\"},"
             "{\"id\": \"key\", \"kind\": \"cert_key_type\", \"clause\": \"5\", \"trust\": \"R\", "
             "\"allowed\": [\"EC\"]},"
             "{\"id\": \"life\", \"kind\": \"cert_lifetime\", \"clause\": \"6\", \"trust\": \"R\", "
             "\"max_days\": 398, \"warn_days\": 90},"
             "{\"id\": \"dh\", \"kind\": \"dh\", \"clause\": \"7\", \"trust\": \"R\", "
             "\"min_bits\": 2048},"
             "{\"id\": \"hsts\", \"kind\": \"hsts\", \"clause\": \"8\", \"trust\": \"R\", "
             "\"min_age\": 31536000}]}";

static void
test_eval_basic(void)
{
	struct ta_profile_set *set = load(EVAL_PROFILE);
	static struct ta_result r;
	struct ta_eval *e;

	TH_CASE("suite b server against the test profile");
	fx_ncsc_suiteb(&r); /* TLS 1.2 only, C02B, EC P-256, 365 days, no OCSP */
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "versions"), TA_VERDICT_FAIL); /* TLSv1.3 required */
	CHECK(strstr(evidence_of(e, "versions"), "Required but not seen: TLSv1.3") != NULL);
	CHECK_EQ(verdict_of(e, "suites"), TA_VERDICT_PASS);
	CHECK_EQ(verdict_of(e, "emc"), TA_VERDICT_PASS);
	CHECK_EQ(verdict_of(e, "zero-rtt"), TA_VERDICT_NA); /* no TLS 1.3 */
	CHECK_EQ(verdict_of(e, "ocsp"), TA_VERDICT_WARN);   /* failure capped by severity */
	CHECK_EQ(verdict_of(e, "key"), TA_VERDICT_PASS);
	CHECK_EQ(verdict_of(e, "life"), TA_VERDICT_WARN); /* over recommended, under max */
	CHECK_EQ(verdict_of(e, "dh"), TA_VERDICT_NA);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_CNT);
	CHECK(strstr(evidence_of(e, "hsts"), "HTTP checks were not run") != NULL);
	CHECK(!ta_eval_compliant(e));
	CHECK(!ta_eval_complete(e));
	ta_eval_free(e);

	TH_CASE("hsts on a non-HTTPS endpoint");
	e = judge(set, &r, false);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_NA);
	ta_eval_free(e);

	TH_CASE("forbidden suite, weak DH");
	{
		static const uint32_t s12[] = {0xC02B, 0x0033};

		fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_YES);
		fx_dh(&r, 1024, "rfc2409-1024");
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "suites"), TA_VERDICT_FAIL);
		CHECK(strstr(ta_eval_rule_remediation(e, 1), "TLS_DHE_RSA_WITH_AES_128_CBC_SHA") !=
		      NULL);
		CHECK_EQ(verdict_of(e, "dh"), TA_VERDICT_FAIL);
		ta_eval_free(e);
	}
	fx_free(&r);
	ta_profiles_free(set);
}

/* Facts the scan lacks are "could not test", never "pass". */
/* The web rules judged from HTTP and CAA facts, case by case. */
static const char *const WEB_PROFILE =
        HEAD "\"rules\": ["
             "{\"id\": \"hsts\", \"kind\": \"hsts\", \"clause\": \"1\", \"trust\": \"R\", "
             "\"min_age\": 31536000},"
             "{\"id\": \"redir\", \"kind\": \"https_redirect\", \"clause\": \"2\", "
             "\"trust\": \"R\"},"
             "{\"id\": \"csp\", \"kind\": \"csp\", \"clause\": \"3\", \"trust\": \"R\"},"
             "{\"id\": \"caa\", \"kind\": \"caa\", \"clause\": \"4\", \"trust\": \"R\"}]}";

static void
test_web_rules(void)
{
	struct ta_profile_set *set = load(WEB_PROFILE);
	static struct ta_result r;
	struct ta_http_result *h = &r.http;
	struct ta_eval *e;

	fx_ncsc_suiteb(&r);
	TH_CASE("not https: web rules do not apply; CAA not looked up");
	e = judge(set, &r, false);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_NA);
	CHECK_EQ(verdict_of(e, "redir"), TA_VERDICT_NA);
	CHECK_EQ(verdict_of(e, "caa"), TA_VERDICT_CNT);
	ta_eval_free(e);

	TH_CASE("https, checks not run");
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_CNT);
	CHECK_EQ(verdict_of(e, "csp"), TA_VERDICT_CNT);
	ta_eval_free(e);

	TH_CASE("no HSTS, no CSP, plain HTTP serves 200, no CAA");
	h->tested = true;
	h->https_status = 200;
	h->http_port = 80;
	h->http_status = 200;
	h->redirect_to_https = TA_NO;
	h->csp = TA_NO;
	r.dns.tested = true;
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_FAIL);
	CHECK(strstr(evidence_of(e, "hsts"), "no Strict-Transport-Security") != NULL);
	CHECK_EQ(verdict_of(e, "redir"), TA_VERDICT_FAIL);
	CHECK_EQ(verdict_of(e, "csp"), TA_VERDICT_FAIL);
	CHECK_EQ(verdict_of(e, "caa"), TA_VERDICT_FAIL);
	ta_eval_free(e);

	TH_CASE("HSTS too short, invalid, and long enough");
	h->hsts_present = true;
	h->hsts = (struct ta_hsts){.valid = true, .max_age = 86400};
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_FAIL);
	CHECK(strstr(evidence_of(e, "hsts"), "max-age=86400") != NULL);
	ta_eval_free(e);
	h->hsts = (struct ta_hsts){.valid = false, .error = "max-age is not a number"};
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_FAIL);
	CHECK(strstr(evidence_of(e, "hsts"), "max-age is not a number") != NULL);
	ta_eval_free(e);
	h->hsts = (struct ta_hsts){.valid = true, .max_age = 31536000, .include_subdomains = true};
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_PASS);
	ta_eval_free(e);

	TH_CASE("redirect, closed HTTP port, report-only CSP, CAA at a parent, CAA error");
	h->redirect_to_https = TA_YES;
	h->http_status = 301;
	snprintf(h->redirect_location, sizeof h->redirect_location, "https://example.test/");
	h->csp = TA_YES;
	h->csp_report_only = true;
	r.dns.ncaa = 1;
	snprintf(r.dns.caa_domain, sizeof r.dns.caa_domain, "example.test");
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "redir"), TA_VERDICT_PASS);
	CHECK_EQ(verdict_of(e, "csp"), TA_VERDICT_FAIL);
	CHECK_EQ(verdict_of(e, "caa"), TA_VERDICT_PASS);
	ta_eval_free(e);
	h->redirect_to_https = TA_UNKNOWN;
	snprintf(h->http_error, sizeof h->http_error, "port 80: connection refused");
	snprintf(r.dns.error, sizeof r.dns.error, "servfail");
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "redir"), TA_VERDICT_WARN);
	CHECK(strstr(evidence_of(e, "redir"), "connection refused") != NULL);
	CHECK_EQ(verdict_of(e, "caa"), TA_VERDICT_CNT);
	ta_eval_free(e);
	TH_CASE("no HTTPS answer: the header rules cannot be judged");
	h->https_status = 0;
	snprintf(h->error, sizeof h->error, "Connection reset by peer");
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "hsts"), TA_VERDICT_CNT);
	CHECK(strstr(evidence_of(e, "hsts"), "Connection reset") != NULL);
	ta_eval_free(e);
	fx_free(&r);
	ta_profiles_free(set);
}

static void
test_could_not_test(void)
{
	struct ta_profile_set *set = load(EVAL_PROFILE);
	static struct ta_result r;
	struct ta_eval *e;

	TH_CASE("TLSv1.0 not tested: a forbidden version might be offered");
	fx_hkcert_modern(&r);
	r.ver[TA_V_TLS10].tested = false;
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "versions"), TA_VERDICT_CNT);
	CHECK(strstr(evidence_of(e, "versions"), "TLSv1.0") != NULL);
	ta_eval_free(e);

	TH_CASE("SSLv2 untested, the required TLSv1.3 tested and not offered: a failure");
	{
		static const uint32_t s12[] = {0xC02B};

		fx_free(&r);
		fx_hkcert_modern(&r);
		r.ver[TA_V_TLS13].offered = false;
		r.ver[TA_V_TLS13].nsuites = 0;
		fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
		r.ver[TA_V_SSL2].tested = false;
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "versions"), TA_VERDICT_FAIL);
		CHECK(strstr(evidence_of(e, "versions"), "Required but not seen: TLSv1.3") != NULL);
		CHECK(strstr(evidence_of(e, "versions"), "Not tested or probe incomplete: SSLv2") !=
		      NULL);
		ta_eval_free(e);
		TH_CASE("the required TLSv1.3 itself untested: could not test");
		r.ver[TA_V_TLS13].tested = false;
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "versions"), TA_VERDICT_CNT);
		ta_eval_free(e);
		/* back to the state of the case before (the next ones build on it) */
		fx_free(&r);
		fx_hkcert_modern(&r);
		r.ver[TA_V_TLS10].tested = false;
	}

	TH_CASE("TLSv1.2 probe incomplete, suites seen so far allowed");
	{
		static const uint32_t s12[] = {0xC02B};

		fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
		r.ver[TA_V_TLS10].tested = true;
		r.ver[TA_V_TLS12].incomplete = true;
		r.features.extended_master_secret = TA_YES;
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "suites"), TA_VERDICT_CNT);
		CHECK(strstr(evidence_of(e, "suites"), "TLSv1.2 probe incomplete") != NULL);
		ta_eval_free(e);
	}
	TH_CASE("TLSv1.2 probe incomplete, a forbidden suite already seen");
	{
		static const uint32_t s12[] = {0xC02B, 0x002F};

		fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "suites"), TA_VERDICT_FAIL);
		ta_eval_free(e);
	}
	TH_CASE("features unknown");
	r.ver[TA_V_TLS12].incomplete = false;
	r.features.extended_master_secret = TA_UNKNOWN;
	r.features.early_data = TA_UNKNOWN;
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "emc"), TA_VERDICT_CNT);
	CHECK_EQ(verdict_of(e, "zero-rtt"), TA_VERDICT_CNT);
	ta_eval_free(e);

	TH_CASE("features not tested at all");
	r.features.tested = false;
	r.features.ocsp_stapling = TA_YES;
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "ocsp"), TA_VERDICT_CNT);
	ta_eval_free(e);
	r.features.tested = true;

	TH_CASE("no certificate analysed");
	fx_free(&r);
	r.nchains = 1; /* served but not analysed */
	e = judge(set, &r, true);
	CHECK_EQ(verdict_of(e, "key"), TA_VERDICT_CNT);
	CHECK_EQ(verdict_of(e, "life"), TA_VERDICT_CNT);
	CHECK(strstr(evidence_of(e, "key"), "not analysed") != NULL);
	ta_eval_free(e);
	r.nchains = 0;

	TH_CASE("DHE offered but no parameters seen");
	{
		static const uint32_t s12[] = {0x009E};

		fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
		r.dh.bits = 0;
		e = judge(set, &r, true);
		CHECK_EQ(verdict_of(e, "dh"), TA_VERDICT_CNT);
		ta_eval_free(e);
	}
	TH_CASE("the scan failed");
	r.ok = false;
	snprintf(r.error, sizeof r.error, "connection refused");
	e = judge(set, &r, true);
	for (size_t i = 0; i < ta_eval_nrules(e); i++) {
		CHECK_EQ(ta_eval_rule_verdict(e, i), TA_VERDICT_CNT);
		CHECK(strstr(ta_eval_rule_evidence(e, i), "connection refused") != NULL);
	}
	/* Compliant is false only on a failure; complete says the rest. */
	CHECK(ta_eval_compliant(e));
	CHECK(!ta_eval_complete(e));
	CHECK_EQ(ta_eval_count(e, TA_VERDICT_PASS), 0);
	ta_eval_free(e);
	fx_free(&r);
	ta_profiles_free(set);
}

/* NCSC (UK): GCM instead of CBC is an accepted deviation: pass with a note. */
static void
test_deviation_and_json(void)
{
	static const uint32_t s12[] = {0x009E};
	struct ta_profile_set *set;
	static struct ta_result r;
	struct ta_eval *e = NULL;
	char err[256];
	json_t *j, *rules, *rule = NULL;
	size_t i;

	CHECK_EQ(ta_profiles_builtin(&set, err, sizeof err), 0);
	fx_ncsc_foundation(&r);
	fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
	CHECK_EQ(ta_profile_evaluate(ta_profiles_find(set, "ncsc-uk-foundation"), &r, true, &e), 0);
	CHECK(e && ta_eval_compliant(e));
	CHECK_EQ(verdict_of(e, "suites-tls12"), TA_VERDICT_PASS);
	j = ta_eval_json(e);
	CHECK(j != NULL);
	CHECK(json_is_true(json_object_get(j, "compliant")));
	CHECK(json_is_false(json_object_get(j, "complete")));
	rules = json_object_get(j, "rules");
	CHECK_EQ(json_array_size(rules), ta_eval_nrules(e));
	json_array_foreach (rules, i, rule)
		if (strcmp(json_string_value(json_object_get(rule, "id")), "suites-tls12") == 0)
			break;
	CHECK(rule != NULL);
	if (rule) {
		CHECK_STR(json_string_value(json_object_get(rule, "result")), "pass");
		CHECK(strstr(json_string_value(json_object_get(rule, "deviation")),
		             "Accepted deviation: TLS_DHE_RSA_WITH_AES_128_GCM_SHA256") != NULL);
		CHECK_STR(json_string_value(json_object_get(rule, "trust")), "I");
		CHECK(strstr(json_string_value(json_object_get(rule, "source")), "NCSC") != NULL);
		CHECK(json_is_string(json_object_get(rule, "evidence")));
		CHECK(json_is_string(json_object_get(rule, "remediation")));
	}
	json_decref(j);

	/* The verdict as the document has it: compliant but incomplete, the
	 * four rules it could not test named as such. */
	{
		json_t *d = ta_eval_json(e), *rr;
		size_t ri, ncnt = 0;

		CHECK(json_is_true(json_object_get(d, "compliant")));
		CHECK(json_is_false(json_object_get(d, "complete")));
		json_array_foreach (json_object_get(d, "rules"), ri, rr) {
			const char *id = json_string_value(json_object_get(rr, "id"));

			if (strcmp(json_string_value(json_object_get(rr, "result")),
			           "could_not_test") != 0)
				continue;
			ncnt++;
			CHECK(strcmp(id, "hsts") == 0 || strcmp(id, "https-redirect") == 0 ||
			      strcmp(id, "csp") == 0 || strcmp(id, "caa") == 0);
		}
		CHECK_EQ(ncnt, 4);
		json_decref(d);
	}
	ta_eval_free(e);

	/* NCSC-NL ratings appear per rule. */
	fx_free(&r);
	fx_hkcert_modern(&r);
	CHECK_EQ(ta_profile_evaluate(ta_profiles_find(set, "ncsc-nl-2025-05"), &r, true, &e), 0);
	j = ta_eval_json(e);
	json_array_foreach (json_object_get(j, "rules"), i, rule) {
		const char *id = json_string_value(json_object_get(rule, "id"));
		const char *rating = json_string_value(json_object_get(rule, "rating"));

		if (strcmp(id, "versions") == 0)
			CHECK_STR(rating, "good");
		if (strcmp(id, "suites-tls13") == 0)
			CHECK_STR(rating, "sufficient"); /* TLS_AES_128_GCM_SHA256 */
	}
	json_decref(j);
	ta_eval_free(e);
	fx_free(&r);
	ta_profiles_free(set);
}

/* ---- one table of features ---- */

/* The features a rule can name are exactly the yes/no facts of facts.h. */
static void
test_feature_table(void)
{
	TH_CASE("every yes/no fact is a feature with texts");
	for (size_t i = 0; i < ta_feature_facts_count; i++) {
		const struct ta_fact *f = &ta_feature_facts[i], *got = NULL;
		const struct ta_feature *t = ta_feature_lookup(f->key, &got);

		if (f->type != TA_FACT_TRI) {
			CHECK(t == NULL && got == NULL);
			continue;
		}
		if (!t)
			fprintf(stderr, "  no texts for fact %s\n", f->key);
		CHECK(t != NULL && got == f);
		CHECK(t && t->label && t->fix_on && t->fix_off);
	}
	TH_CASE("every texts entry is a yes/no fact, once");
	for (size_t i = 0; i < ta_features_count; i++) {
		const struct ta_fact *f = ta_fact_find(ta_features_tab[i].name), *got = NULL;

		CHECK(f != NULL && f->type == TA_FACT_TRI);
		CHECK(ta_feature_lookup(ta_features_tab[i].name, &got) == &ta_features_tab[i]);
	}
	CHECK(ta_feature_lookup("telepathy", &(const struct ta_fact *){NULL}) == NULL);
	TH_CASE(NULL);
}

/* ---- items and requirements ---- */

static json_t *
rule_of(json_t *doc, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(doc, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	fprintf(stderr, "  no rule %s\n", id);
	return NULL;
}

/* The item (kind, id, version or NULL) of a rule, or NULL. */
static json_t *
item_of(json_t *rule, const char *kind, const char *id, const char *version)
{
	size_t i;
	json_t *it;

	json_array_foreach (json_object_get(rule, "items"), i, it) {
		const char *v = json_string_value(json_object_get(it, "version"));

		if (strcmp(json_string_value(json_object_get(it, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(it, "id")), id) == 0 &&
		    (version ? v && strcmp(v, version) == 0 : !v))
			return it;
	}
	return NULL;
}

/* present: 1 true, 0 false, -1 null. */
static void
check_item_at(int line, json_t *rule, const char *kind, const char *id, const char *version,
              int present, const char *level, const char *verdict)
{
	json_t *it = rule ? item_of(rule, kind, id, version) : NULL;
	json_t *p = it ? json_object_get(it, "present") : NULL;
	bool ok = it &&
	          (present < 0 ? json_is_null(p)
	                       : json_is_boolean(p) && json_is_true(p) == (present == 1)) &&
	          strcmp(json_string_value(json_object_get(it, "level")), level) == 0 &&
	          strcmp(json_string_value(json_object_get(it, "verdict")), verdict) == 0;

	th_checks++;
	if (!ok) {
		char *d = it ? json_dumps(it, JSON_COMPACT) : NULL;

		th_fail_at(__FILE__, line);
		fprintf(stderr, "  item %s %s %s: want present %d, %s, %s; got %s\n", kind, id,
		        version ? version : "-", present, level, verdict, d ? d : "no such item");
		free(d);
	}
}
#define CHECK_ITEM(...) check_item_at(__LINE__, __VA_ARGS__)

/* requires[key] is exactly the names in csv ("a,b"); "" for absent. */
static bool
list_is(json_t *rule, const char *key, const char *csv)
{
	json_t *l = json_object_get(json_object_get(rule, "requires"), key), *e;
	char buf[2048] = "";
	size_t i, n = 0;

	if (!l)
		return csv[0] == '\0';
	json_array_foreach (l, i, e)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "",
		                      json_string_value(e));
	if (strcmp(buf, csv) != 0)
		fprintf(stderr, "  requires.%s: %s, want %s\n", key, buf, csv);
	return strcmp(buf, csv) == 0;
}

static long long
req_num(json_t *rule, const char *key)
{
	json_t *v = json_object_get(json_object_get(rule, "requires"), key);

	return v ? json_integer_value(v) : -1;
}

static const char *
req_str(json_t *rule, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(rule, "requires"), key));

	return s ? s : "";
}

static size_t
nitems(json_t *rule)
{
	return json_array_size(json_object_get(rule, "items"));
}

static const char *const ITEMS_PROFILE =
        HEAD "\"rules\": ["
             "{\"id\": \"suites\", \"kind\": \"suites\", \"protocols\": [\"TLSv1.2\", "
             "\"TLSv1.3\"], \"clause\": \"1\", \"trust\": \"R\", \"allowed\": "
             "[\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\", \"TLS_AES_128_GCM_SHA256\", "
             "\"TLS_AES_256_GCM_SHA384\"], \"forbidden\": [\"TLS_RSA_WITH_3DES_EDE_CBC_SHA\"], "
             "\"required\": [\"TLS_AES_256_GCM_SHA384\"]},"
             "{\"id\": \"groups\", \"kind\": \"groups\", \"clause\": \"2\", \"trust\": \"R\", "
             "\"allowed\": [\"x25519\", \"secp256r1\"], \"required_any\": [\"x25519\", "
             "\"x448\"]},"
             "{\"id\": \"rsa\", \"kind\": \"cert_rsa_bits\", \"clause\": \"3\", \"trust\": \"R\", "
             "\"min_bits\": 2048, \"warn_below_bits\": 3072},"
             "{\"id\": \"zero-rtt\", \"kind\": \"feature\", \"clause\": \"4\", \"trust\": \"R\", "
             "\"feature\": \"early_data\"},"
             "{\"id\": \"ocsp\", \"kind\": \"feature\", \"clause\": \"5\", \"trust\": \"R\", "
             "\"feature\": \"ocsp_stapling\", \"expect\": true, \"severity\": \"warning\"},"
             "{\"id\": \"hsts\", \"kind\": \"hsts\", \"clause\": \"6\", \"trust\": \"R\", "
             "\"min_age\": 31536000},"
             "{\"id\": \"versions\", \"kind\": \"versions\", \"clause\": \"7\", \"trust\": \"R\", "
             "\"allowed\": [\"TLSv1.2\", \"TLSv1.3\"], \"forbidden\": [\"SSLv3\"], "
             "\"required\": [\"TLSv1.3\"]},"
             "{\"id\": \"order\", \"kind\": \"server_order\", \"clause\": \"8\", \"trust\": "
             "\"R\", \"protocols\": [\"TLSv1.2\"], \"expect\": true}]}";

static void
test_items(void)
{
	static const uint32_t s12[] = {0xC02B, 0x000A, 0xC02F}, s13[] = {0x1301};
	struct ta_profile_set *set = load(ITEMS_PROFILE);
	static struct ta_result r;
	struct ta_eval *e;
	json_t *d, *ru;

	/* TLS 1.2: an allowed, a forbidden and an unlisted suite; TLS 1.3:
	 * AES-128 only, so the required AES-256 is missing.  Groups x25519
	 * secp256r1 secp384r1 ffdhe2048; an EC and an RSA-2048 leaf. */
	fx_hkcert_intermediate(&r);
	fx_ver(&r, TA_V_TLS12, s12, N(s12), TA_YES);
	fx_ver(&r, TA_V_TLS13, s13, N(s13), TA_UNKNOWN);
	r.ver[TA_V_SSL3].tested = false; /* a forbidden version not tested */
	r.http.tested = true;
	r.http.https_status = 200;
	r.http.hsts_present = true;
	r.http.hsts = (struct ta_hsts){.valid = true, .max_age = 86400};
	e = judge(set, &r, true);
	d = ta_eval_json(e);
	CHECK(d != NULL);

	TH_CASE("suites: per version, forbidden, unlisted and missing required");
	ru = rule_of(d, "suites");
	CHECK_STR(json_string_value(json_object_get(ru, "kind")), "suites");
	CHECK_ITEM(ru, "suite", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLSv1.2", 1, "allowed",
	           "pass");
	CHECK_ITEM(ru, "suite", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLSv1.2", 1, "forbidden", "fail");
	CHECK_ITEM(ru, "suite", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2", 1,
	           "not_in_profile", "fail");
	CHECK_ITEM(ru, "suite", "TLS_AES_128_GCM_SHA256", "TLSv1.3", 1, "allowed", "pass");
	CHECK_ITEM(ru, "suite", "TLS_AES_256_GCM_SHA384", NULL, 0, "required", "fail");
	CHECK_EQ(nitems(ru), 5);
	CHECK(list_is(ru, "allowed",
	              "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256,"
	              "TLS_AES_256_GCM_SHA384"));
	CHECK(list_is(ru, "forbidden", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
	CHECK(list_is(ru, "required", "TLS_AES_256_GCM_SHA384"));
	CHECK(list_is(ru, "protocols", "TLSv1.2,TLSv1.3"));
	CHECK(list_is(ru, "required_any", ""));
	CHECK(list_is(ru, "good", ""));
	CHECK_STR(req_str(ru, "other"), "fail");
	/* the texts are as they were */
	CHECK(strstr(json_string_value(json_object_get(ru, "remediation")),
	             "Disable TLSv1.2/TLSv1.3 cipher suites TLS_RSA_WITH_3DES_EDE_CBC_SHA, "
	             "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.") != NULL);

	TH_CASE("groups: allowed and unlisted, required_any met");
	ru = rule_of(d, "groups");
	CHECK_ITEM(ru, "group", "x25519", NULL, 1, "allowed", "pass");
	CHECK_ITEM(ru, "group", "secp256r1", NULL, 1, "allowed", "pass");
	CHECK_ITEM(ru, "group", "secp384r1", NULL, 1, "not_in_profile", "fail");
	CHECK_ITEM(ru, "group", "ffdhe2048", NULL, 1, "not_in_profile", "fail");
	CHECK_EQ(nitems(ru), 4);
	CHECK(list_is(ru, "allowed", "x25519,secp256r1"));
	CHECK(list_is(ru, "required_any", "x25519,x448"));
	CHECK(list_is(ru, "forbidden", ""));

	TH_CASE("RSA key size: the RSA leaf, by fingerprint, with its size");
	ru = rule_of(d, "rsa");
	CHECK_ITEM(ru, "cert", "0000000000000000000000000000000000000000000000000000000000000002",
	           NULL, 1, "below_recommended", "warning");
	CHECK_EQ(nitems(ru), 1); /* the EC leaf is not judged */
	CHECK_EQ(json_integer_value(
	                 json_object_get(json_array_get(json_object_get(ru, "items"), 0), "value")),
	         2048);
	CHECK_EQ(req_num(ru, "min_bits"), 2048);
	CHECK_EQ(req_num(ru, "warn_below_bits"), 3072);
	CHECK(list_is(ru, "allowed", ""));
	CHECK_STR(req_str(ru, "other"), ""); /* no lists: no "other" */

	TH_CASE("features: expect from facts.h, severity warning");
	ru = rule_of(d, "zero-rtt");
	CHECK_ITEM(ru, "feature", "early_data", NULL, 0, "forbidden", "pass");
	CHECK(list_is(ru, "forbidden", "early_data"));
	CHECK(list_is(ru, "required", ""));
	CHECK_STR(req_str(ru, "when"), "tls13");
	ru = rule_of(d, "ocsp");
	CHECK_ITEM(ru, "feature", "ocsp_stapling", NULL, 1, "recommended", "pass");
	CHECK(list_is(ru, "required", "ocsp_stapling"));
	CHECK_STR(req_str(ru, "when"), "always");

	TH_CASE("HSTS: too short");
	ru = rule_of(d, "hsts");
	CHECK_ITEM(ru, "http", "hsts", NULL, 1, "below_minimum", "fail");
	CHECK_EQ(json_integer_value(json_object_get(item_of(ru, "http", "hsts", NULL), "value")),
	         86400);
	CHECK(list_is(ru, "required", "hsts"));
	CHECK_EQ(req_num(ru, "min_age"), 31536000);

	TH_CASE("versions: offered ones, a forbidden one not tested");
	ru = rule_of(d, "versions");
	CHECK_STR(json_string_value(json_object_get(ru, "result")), "could_not_test");
	CHECK_ITEM(ru, "version", "TLSv1.2", NULL, 1, "allowed", "pass");
	CHECK_ITEM(ru, "version", "TLSv1.3", NULL, 1, "allowed", "pass");
	CHECK_ITEM(ru, "version", "SSLv3", NULL, -1, "forbidden", "could_not_test");
	CHECK_EQ(nitems(ru), 3);

	TH_CASE("server order, per version");
	ru = rule_of(d, "order");
	CHECK_ITEM(ru, "protocol", "server_order", "TLSv1.2", 1, "required", "pass");
	CHECK(list_is(ru, "required", "server_order"));
	CHECK(list_is(ru, "protocols", "TLSv1.2"));
	json_decref(d);
	ta_eval_free(e);

	TH_CASE("0-RTT accepted, no OCSP staple, client order, HSTS missing");
	r.features.early_data = TA_YES;
	r.features.ocsp_stapling = TA_NO;
	r.ver[TA_V_TLS12].server_order = TA_NO;
	r.http.hsts_present = false;
	e = judge(set, &r, true);
	d = ta_eval_json(e);
	CHECK_ITEM(rule_of(d, "zero-rtt"), "feature", "early_data", NULL, 1, "forbidden", "fail");
	/* a warning-only rule: its item warns too */
	CHECK_ITEM(rule_of(d, "ocsp"), "feature", "ocsp_stapling", NULL, 0, "recommended",
	           "warning");
	CHECK_ITEM(rule_of(d, "order"), "protocol", "server_order", "TLSv1.2", 0, "required",
	           "fail");
	CHECK_ITEM(rule_of(d, "hsts"), "http", "hsts", NULL, 0, "required", "fail");
	json_decref(d);
	ta_eval_free(e);

	TH_CASE("the scan failed: no items, the requirements still there");
	r.ok = false;
	e = judge(set, &r, true);
	d = ta_eval_json(e);
	ru = rule_of(d, "suites");
	CHECK_EQ(nitems(ru), 0);
	CHECK(json_is_array(json_object_get(ru, "items")));
	CHECK(list_is(ru, "forbidden", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
	json_decref(d);
	ta_eval_free(e);
	fx_free(&r);
	ta_profiles_free(set);

	TH_CASE("rated and tolerated levels in built-in profiles");
	{
		static const uint32_t dhe_gcm[] = {0x009E};
		struct ta_profile_set *b;
		char err[256];

		CHECK_EQ(ta_profiles_builtin(&b, err, sizeof err), 0);
		fx_hkcert_modern(&r);
		CHECK_EQ(ta_profile_evaluate(ta_profiles_find(b, "ncsc-nl-2025-05"), &r, true, &e),
		         0);
		d = ta_eval_json(e);
		CHECK_ITEM(rule_of(d, "suites-tls13"), "suite", "TLS_AES_128_GCM_SHA256", "TLSv1.3",
		           1, "sufficient", "pass");
		CHECK_ITEM(rule_of(d, "suites-tls13"), "suite", "TLS_AES_256_GCM_SHA384", "TLSv1.3",
		           1, "good", "pass");
		json_decref(d);
		ta_eval_free(e);
		fx_free(&r);
		fx_ncsc_foundation(&r);
		fx_ver(&r, TA_V_TLS12, dhe_gcm, N(dhe_gcm), TA_UNKNOWN);
		CHECK_EQ(ta_profile_evaluate(ta_profiles_find(b, "ncsc-uk-foundation"), &r, true,
		                             &e),
		         0);
		d = ta_eval_json(e);
		CHECK_ITEM(rule_of(d, "suites-tls12"), "suite",
		           "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2", 1, "tolerated",
		           "pass");
		json_decref(d);
		ta_eval_free(e);
		fx_free(&r);
		ta_profiles_free(b);
	}
	TH_CASE(NULL);
}

int
main(void)
{
	test_parser();
	test_files();
	test_builtin();
	test_eval_basic();
	test_could_not_test();
	test_web_rules();
	test_deviation_and_json();
	test_feature_table();
	test_items();
	return th_done("profile.unit");
}
