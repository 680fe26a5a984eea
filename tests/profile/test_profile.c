/*
 * Unit tests for src/profile: the strict parser (one-line errors naming the
 * file and the problem), the built-in set, and the evaluator's verdicts,
 * above all that a rule the scan could not test is never a pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
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
              "\"R\", \"feature\": \"compression\"}]}",
         "kind \"feature\" needs more keys"},
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
	return th_done("profile.unit");
}
