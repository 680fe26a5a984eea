/*
 * Golden verdicts: hand-built scan results that match one guideline exactly
 * (scan_fixtures.h), judged against every built-in profile.  For each
 * fixture, profile and rule, golden_table.h gives the verdict derived by
 * hand from the fixture and the rule, with the reason; the test compares
 * every rule's verdict with it, and `compliant` with "no rule failed".
 * The table is not produced by the tool and cannot be regenerated from it:
 * a difference is either a tool bug or a hand derivation to redo.
 * TA_GOLDEN_VERBOSE=1 prints each evaluation (verdicts and evidence) as the
 * tool sees it, to help that review.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "scan_fixtures.h"
#include "tharness.h"

struct golden_verdict {
	const char *fixture;
	const char *profile;
	const char *rule;
	enum ta_verdict verdict;
	const char *why; /* the hand derivation, in one line */
};

#include "golden_table.h"

static const struct {
	const char *name;
	void (*build)(struct ta_result *);
	const char *home; /* the profile it matches: must be compliant */
} fixtures[] = {
        {"hkcert_modern", fx_hkcert_modern, "hkcert-modern"},
        {"hkcert_intermediate", fx_hkcert_intermediate, "hkcert-intermediate"},
        {"ncsc_suiteb", fx_ncsc_suiteb, "ncsc-uk-suiteb-c1"},
        {"ncsc_foundation", fx_ncsc_foundation, "ncsc-uk-foundation"},
        {"mozilla_intermediate", fx_mozilla_intermediate, "mozilla-5.7-intermediate"},
};

/*
 * Every golden server is a web server doing what the web rules ask: a
 * redirect from plain HTTP, HSTS for two years with includeSubDomains, an
 * enforced CSP and a CAA set.  The TLS facts are what the goldens are about;
 * these keep the web rules from masking them.
 */
static void
web_facts(struct ta_result *r)
{
	struct ta_http_result *h = &r->http;
	struct ta_dns_result *d = &r->dns;

	snprintf(r->service, sizeof r->service, "https");
	memset(h, 0, sizeof *h);
	h->tested = true;
	h->https_status = 200;
	h->http_port = 80;
	h->http_status = 301;
	h->redirect_to_https = TA_YES;
	snprintf(h->redirect_location, sizeof h->redirect_location, "https://%.200s/", r->host);
	h->hsts_present = true;
	h->hsts = (struct ta_hsts){.valid = true, .max_age = 63072000, .include_subdomains = true};
	h->csp = TA_YES;
	snprintf(h->csp_value, sizeof h->csp_value, "default-src 'self'");
	h->compression = TA_NO;
	memset(d, 0, sizeof *d);
	d->tested = true;
	snprintf(d->caa_domain, sizeof d->caa_domain, "%s", r->host);
	d->ncaa = 1;
	d->caa[0] = (struct ta_caa){.flags = 0, .tag = "issue", .value = "letsencrypt.org"};
}

static bool used[TH_LEN(golden_verdicts)];

static enum ta_verdict
verdict_named(const char *s)
{
	for (int v = TA_VERDICT_NA; v <= TA_VERDICT_FAIL; v++)
		if (s && strcmp(s, ta_verdict_name((enum ta_verdict)v)) == 0)
			return (enum ta_verdict)v;
	return (enum ta_verdict) - 1;
}

/*
 * The items of a rule agree with its verdict: each has its keys, and none
 * is worse than the rule (an item that fails makes the rule fail, one
 * that warns makes it warn at least; a passing rule has only passing
 * items).  The rule can be worse than all its items (a required item
 * missing from an incomplete list, a version not tested).
 */
static void
check_items(json_t *rule)
{
	enum ta_verdict rv = verdict_named(json_string_value(json_object_get(rule, "result")));
	json_t *items = json_object_get(rule, "items"), *it;
	size_t i;

	th_checks++;
	if (!json_is_array(items) || !json_is_object(json_object_get(rule, "requires")) ||
	    !json_is_string(json_object_get(rule, "kind"))) {
		th_fail_at(__FILE__, __LINE__);
		fprintf(stderr, "rule %s: no items, requires or kind\n",
		        json_string_value(json_object_get(rule, "id")));
		return;
	}
	json_array_foreach (items, i, it) {
		enum ta_verdict iv =
		        verdict_named(json_string_value(json_object_get(it, "verdict")));
		json_t *p = json_object_get(it, "present");

		th_checks++;
		if ((int)iv < 0 || iv > rv || !json_is_string(json_object_get(it, "kind")) ||
		    !json_is_string(json_object_get(it, "id")) ||
		    !json_is_string(json_object_get(it, "level")) ||
		    !(json_is_boolean(p) || json_is_null(p))) {
			char *dump = json_dumps(it, JSON_COMPACT);

			th_fail_at(__FILE__, __LINE__);
			fprintf(stderr, "rule %s (%s): item %s\n",
			        json_string_value(json_object_get(rule, "id")), ta_verdict_name(rv),
			        dump ? dump : "?");
			free(dump);
		}
	}
}

static const struct golden_verdict *
find(const char *fixture, const char *profile, const char *rule)
{
	for (size_t i = 0; i < TH_LEN(golden_verdicts); i++) {
		const struct golden_verdict *g = &golden_verdicts[i];

		if (strcmp(g->fixture, fixture) == 0 && strcmp(g->profile, profile) == 0 &&
		    strcmp(g->rule, rule) == 0) {
			if (used[i]) {
				th_fail_at(__FILE__, __LINE__);
				fprintf(stderr, "golden_table.h has %s/%s/%s twice\n", fixture,
				        profile, rule);
			}
			used[i] = true;
			return g;
		}
	}
	return NULL;
}

int
main(void)
{
	struct ta_profile_set *set;
	bool verbose = getenv("TA_GOLDEN_VERBOSE") != NULL;
	char err[512];

	CHECK(ta_profiles_builtin(&set, err, sizeof err) == 0);
	CHECK_EQ(ta_profiles_count(set), 12);
	for (size_t f = 0; f < TH_LEN(fixtures); f++) {
		static struct ta_result r;

		fixtures[f].build(&r);
		web_facts(&r);
		for (size_t i = 0; i < ta_profiles_count(set); i++) {
			const struct ta_profile *p = ta_profiles_get(set, i);
			const char *pid = ta_profile_id(p);
			struct ta_eval *e = NULL;
			bool want_compliant = true;
			char cname[200];

			snprintf(cname, sizeof cname, "%s vs %s", fixtures[f].name, pid);
			TH_CASE(cname);
			CHECK(ta_profile_evaluate(p, &r, true, &e) == 0);
			if (!e)
				continue;
			json_t *d = ta_eval_json(e), *jr;
			size_t ri;

			CHECK(d != NULL);
			if (verbose) {
				printf("==== %s\n", cname);
				json_dumpf(d, stdout, JSON_INDENT(2));
				putchar('\n');
			}
			json_array_foreach (json_object_get(d, "rules"), ri, jr)
				check_items(jr);
			json_decref(d);
			for (size_t k = 0; k < ta_eval_nrules(e); k++) {
				const char *rid = ta_eval_rule_id(e, k);
				const struct golden_verdict *g = find(fixtures[f].name, pid, rid);
				enum ta_verdict got = ta_eval_rule_verdict(e, k);

				th_checks++;
				if (!g) {
					th_fail_at(__FILE__, __LINE__);
					fprintf(stderr,
					        "rule %s: no hand-derived verdict in "
					        "golden_table.h "
					        "(the tool says %s)\n",
					        rid, ta_verdict_name(got));
					continue;
				}
				if (g->verdict == TA_VERDICT_FAIL)
					want_compliant = false;
				if (got != g->verdict) {
					th_fail_at(__FILE__, __LINE__);
					fprintf(stderr,
					        "rule %s: expected %s (%s), the tool says %s: %s\n",
					        rid, ta_verdict_name(g->verdict), g->why,
					        ta_verdict_name(got), ta_eval_rule_evidence(e, k));
				}
			}
			CHECK_EQ(ta_eval_compliant(e), want_compliant);
			if (strcmp(pid, fixtures[f].home) == 0) {
				CHECK(want_compliant);
				/* with the HTTP and CAA facts given, nothing is left
				 * untested */
				CHECK_EQ(ta_eval_count(e, TA_VERDICT_CNT), 0);
			}
			ta_eval_free(e);
		}
		fx_free(&r);
	}
	TH_CASE(NULL);
	for (size_t i = 0; i < TH_LEN(golden_verdicts); i++) {
		th_checks++;
		if (!used[i]) {
			th_fail_at(__FILE__, __LINE__);
			fprintf(stderr, "golden_table.h: %s/%s/%s matches no rule of the tool\n",
			        golden_verdicts[i].fixture, golden_verdicts[i].profile,
			        golden_verdicts[i].rule);
		}
	}
	ta_profiles_free(set);
	return th_done("profile.golden");
}
