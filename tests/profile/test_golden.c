/*
 * Golden verdicts: hand-built scan results that match one guideline exactly
 * (scan_fixtures.h), judged against every built-in profile.  For each
 * fixture and profile the test pins whether the target complies and which
 * rules fail.  Any change to a profile or to the evaluator that moves a
 * verdict shows up here.  Set TA_GOLDEN_PRINT=1 to print the actual table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "scan_fixtures.h"
#include "tharness.h"

struct expect {
	const char *profile;
	bool compliant;
	const char *failing; /* rule ids that failed, space-separated, profile order */
};

struct golden {
	const char *name;
	void (*build)(struct ta_result *);
	const char *home; /* the profile it matches: must be compliant */
	struct expect exp[12];
};

#include "golden_table.h"

static void
failing_rules(const struct ta_eval *e, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ta_eval_nrules(e); i++)
		if (ta_eval_rule_verdict(e, i) == TA_VERDICT_FAIL)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
			                      ta_eval_rule_id(e, i));
}

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

int
main(void)
{
	struct ta_profile_set *set;
	bool print = getenv("TA_GOLDEN_PRINT") != NULL;
	char err[512];

	CHECK(ta_profiles_builtin(&set, err, sizeof err) == 0);
	CHECK_EQ(ta_profiles_count(set), 12);
	for (size_t g = 0; g < TH_LEN(goldens); g++) {
		const struct golden *gd = &goldens[g];
		static struct ta_result r;

		gd->build(&r);
		web_facts(&r);
		if (print)
			printf("\t{\"%s\", fx_%s, \"%s\", {\n", gd->name, gd->name, gd->home);
		for (size_t i = 0; i < ta_profiles_count(set); i++) {
			const struct ta_profile *p = ta_profiles_get(set, i);
			const struct expect *x = &gd->exp[i];
			struct ta_eval *e = NULL;
			char fails[1024], cname[160];

			snprintf(cname, sizeof cname, "%s vs %s", gd->name, ta_profile_id(p));
			TH_CASE(cname);
			CHECK(ta_profile_evaluate(p, &r, true, &e) == 0);
			if (!e)
				continue;
			failing_rules(e, fails, sizeof fails);
			if (print) {
				printf("\t\t{\"%s\", %s, \"%s\"},\n", ta_profile_id(p),
				       ta_eval_compliant(e) ? "true" : "false", fails);
				if (getenv("TA_GOLDEN_VERBOSE"))
					ta_eval_text(e, stdout, true);
			}
			CHECK_STR(ta_profile_id(p), x->profile);
			CHECK_EQ(ta_eval_compliant(e), x->compliant);
			CHECK_STR(fails, x->failing);
			if (strcmp(ta_profile_id(p), gd->home) == 0) {
				CHECK(ta_eval_compliant(e));
				/* with the HTTP and CAA facts given, nothing is left
				 * untested */
				CHECK_EQ(ta_eval_count(e, TA_VERDICT_CNT), 0);
			}
			ta_eval_free(e);
		}
		if (print)
			printf("\t}},\n");
		fx_free(&r);
	}
	ta_profiles_free(set);
	return th_done("profile.golden");
}
