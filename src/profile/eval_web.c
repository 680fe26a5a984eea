/*
 * The web kinds, judged on the facts of the HTTP checks (an HTTPS target)
 * and of the CAA lookup: HSTS, the HTTP->HTTPS redirect, CSP, CAA.  The
 * item of each is named by its key in the document ("http" -> "hsts",
 * "redirect_to_https", "csp"; "dns" -> "caa").
 */
#include <string.h>

#include "profile/eval_int.h"

/* Common start of the HTTP rules: NA off HTTPS, could-not-test without
 * an HTTPS answer (then the item is unknown).  Returns true when the rule
 * can be judged. */
static bool
http_judgeable(const struct ta_ectx *c, struct ta_out *o, bool need_https_answer, const char *key)
{
	const struct ta_http_result *h = &c->r->http;

	if (!c->https) {
		ev_add(&o->ev, "Not an HTTPS endpoint.");
		worsen(o, TA_VERDICT_NA);
		return false;
	}
	if (!h->tested) {
		ev_add(&o->ev, "The HTTP checks were not run (--no-http).");
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_HTTP, key, TA_UNKNOWN, "required", TA_VERDICT_CNT);
		return false;
	}
	if (need_https_answer && !h->https_status) {
		ev_add(&o->ev, "No HTTP answer over TLS: %s", h->error[0] ? h->error : "none");
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_HTTP, key, TA_UNKNOWN, "required", TA_VERDICT_CNT);
		return false;
	}
	return true;
}

void
ev_hsts(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;

	if (!http_judgeable(c, o, true, "hsts"))
		return;
	if (!h->hsts_present) {
		ev_add(&o->ev,
		       "GET / over TLS (status %d) has no Strict-Transport-Security header.",
		       h->https_status);
		ev_add(&o->fix,
		       "Send Strict-Transport-Security: max-age=%ld (or more) on every HTTPS "
		       "response (nginx: add_header Strict-Transport-Security \"max-age=%ld\" "
		       "always;).",
		       ru->min_age > 1 ? ru->min_age : 31536000L,
		       ru->min_age > 1 ? ru->min_age : 31536000L);
		worsen(o, TA_VERDICT_FAIL);
		ev_item(o, IK_HTTP, "hsts", TA_NO, "required", TA_VERDICT_FAIL);
		return;
	}
	if (!h->hsts.valid) {
		ev_add(&o->ev,
		       "The Strict-Transport-Security header is invalid (%s), so browsers "
		       "ignore it.",
		       h->hsts.error);
		ev_add(&o->fix,
		       "Write the header as RFC 6797 6.1 says, e.g. max-age=%ld; "
		       "includeSubDomains.",
		       ru->min_age > 1 ? ru->min_age : 31536000L);
		worsen(o, TA_VERDICT_FAIL);
		/* Sent, but browsers ignore it: as good as absent. */
		ev_item(o, IK_HTTP, "hsts", TA_YES, "invalid", TA_VERDICT_FAIL);
		return;
	}
	ev_add(&o->ev, "Strict-Transport-Security: max-age=%lld%s%s.", (long long)h->hsts.max_age,
	       h->hsts.include_subdomains ? "; includeSubDomains" : "",
	       h->hsts.preload ? "; preload" : "");
	if (h->hsts.max_age < ru->min_age) {
		ev_add(&o->ev, " The profile asks for at least %ld seconds.", ru->min_age);
		ev_add(&o->fix, "Raise max-age to %ld or more.", ru->min_age);
		worsen(o, TA_VERDICT_FAIL);
		ev_item_int(ev_item(o, IK_HTTP, "hsts", TA_YES, "below_minimum", TA_VERDICT_FAIL),
		            (long long)h->hsts.max_age);
		return;
	}
	worsen(o, TA_VERDICT_PASS);
	ev_item_int(ev_item(o, IK_HTTP, "hsts", TA_YES, "required", TA_VERDICT_PASS),
	            (long long)h->hsts.max_age);
}

void
ev_https_redirect(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;
	struct ta_item *it;

	(void)ru;
	if (!http_judgeable(c, o, false, "redirect_to_https"))
		return;
	if (h->redirect_to_https == TA_YES) {
		ev_add(&o->ev, "Plain HTTP on port %u answers %d with Location %s.", h->http_port,
		       h->http_status, h->redirect_location);
		worsen(o, TA_VERDICT_PASS);
		it = ev_item(o, IK_HTTP, "redirect_to_https", TA_YES, "required", TA_VERDICT_PASS);
		ev_item_int(it, h->http_status);
	} else if (h->redirect_to_https == TA_NO) {
		ev_add(&o->ev, "Plain HTTP on port %u answers %d", h->http_port, h->http_status);
		if (h->redirect_location[0])
			ev_add(&o->ev, " with Location %s, not https:// on the same host",
			       h->redirect_location);
		ev_add(&o->ev, ".");
		ev_add(&o->fix, "Answer plain HTTP with a 301 to https:// on the same host, and "
		                "serve nothing else over HTTP.");
		worsen(o, TA_VERDICT_FAIL);
		it = ev_item(o, IK_HTTP, "redirect_to_https", TA_NO, "required", TA_VERDICT_FAIL);
		ev_item_int(it, h->http_status);
	} else {
		ev_add(&o->ev,
		       "No plain-HTTP answer on port %u (%s): nothing is served without "
		       "TLS there, but no redirect either.",
		       h->http_port, h->http_error[0] ? h->http_error : "no answer");
		worsen(o, TA_VERDICT_WARN);
		ev_item(o, IK_HTTP, "redirect_to_https", TA_UNKNOWN, "required", TA_VERDICT_WARN);
	}
}

void
ev_csp(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;

	(void)ru;
	if (!http_judgeable(c, o, true, "csp"))
		return;
	if (h->csp == TA_YES && !h->csp_report_only) {
		ev_add(&o->ev, "Content-Security-Policy: %s", h->csp_value);
		worsen(o, TA_VERDICT_PASS);
		ev_item(o, IK_HTTP, "csp", TA_YES, "required", TA_VERDICT_PASS);
		return;
	}
	ev_add(&o->ev, h->csp_report_only
	                       ? "Only Content-Security-Policy-Report-Only is sent: nothing is "
	                         "enforced."
	                       : "GET / over TLS has no Content-Security-Policy header.");
	ev_add(&o->fix, "Send a Content-Security-Policy that fits the site, e.g. default-src "
	                "'self'.");
	worsen(o, TA_VERDICT_FAIL);
	ev_item(o, IK_HTTP, "csp", TA_NO, "required", TA_VERDICT_FAIL);
}

void
ev_caa(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_dns_result *d = &c->r->dns;

	(void)ru;
	if (!d->tested) {
		ev_add(&o->ev, "No CAA lookup: the target is an address or a special-use name, "
		               "or --no-dns was given.");
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_DNS, "caa", TA_UNKNOWN, "required", TA_VERDICT_CNT);
		return;
	}
	if (d->error[0]) {
		ev_add(&o->ev, "The CAA lookup failed: %s", d->error);
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_DNS, "caa", TA_UNKNOWN, "required", TA_VERDICT_CNT);
		return;
	}
	if (d->ncaa == 0) {
		ev_add(&o->ev, "No CAA record at %s or any parent: every CA may issue for it.",
		       c->r->host);
		ev_add(&o->fix, "Publish CAA records naming the CAs you use (RFC 8659), e.g. "
		                "example.com. CAA 0 issue \"letsencrypt.org\".");
		worsen(o, TA_VERDICT_FAIL);
		ev_item_int(ev_item(o, IK_DNS, "caa", TA_NO, "required", TA_VERDICT_FAIL), 0);
		return;
	}
	ev_add(&o->ev, "%zu CAA record(s) at %s.", d->ncaa, d->caa_domain);
	worsen(o, TA_VERDICT_PASS);
	ev_item_int(ev_item(o, IK_DNS, "caa", TA_YES, "required", TA_VERDICT_PASS),
	            (long long)d->ncaa);
}
