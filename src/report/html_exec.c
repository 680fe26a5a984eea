/*
 * HTML report: the executive summary (id "summary") at the top of the
 * page, for the reader who has five minutes: key figures, then a chart
 * per question — compliance, highest and lowest protocol version, weak
 * suites, certificates by time to expiry, known vulnerabilities, and the
 * trend over a store's runs — each followed by the endpoints behind it
 * for the reader who drills in.  Every number is counted from the
 * documents (html_stats.c); docs/cli.md "HTML report" says how.
 */
#include <stdio.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

/* Endpoints listed by name under a chart, at most; the rest are counted. */
#define MAX_LISTED 50

static size_t
scanned(const struct ta_html *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nrows; i++)
		n += h->rows[i].ok;
	return n;
}

static void
link_row(FILE *out, const struct ta_html *h, size_t i)
{
	fprintf(out, "<a href=\"#t%zu\">", i);
	hw_endpoint(out, h->rows[i].host, h->rows[i].port);
	fputs("</a>", out);
}

/* ---- key figures ---- */

static void
figure(FILE *out, enum hw_level lv, size_t n, const char *words, size_t of)
{
	static const char *const cls[] = {"good", "warn", "bad", "info"};

	fprintf(out, "<li class=\"kf-%s\"><span class=\"kn\">%zu</span> ", cls[lv], n);
	if (of != (size_t)-1)
		fprintf(out, "<span class=\"muted\">of %zu</span> ", of);
	fprintf(out, "%s</li>\n", words);
}

static size_t
compliant_total(const struct ta_html *h)
{
	size_t n = 0;

	for (size_t k = 0; k < h->ntps; k++)
		n += h->tps[k].n[HW_GOOD] + h->tps[k].n[HW_WARN];
	return n;
}

static size_t
expiring_certs(const struct ta_html *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->certs.n; i++) {
		const struct hw_cert *c = &h->certs.v[i];

		n += hw_exp_of(c->days, c->expired, c->not_yet_valid) <= HW_EXP_30;
	}
	return n;
}

static void
key_figures(const struct ta_html *h, FILE *out, size_t nscan)
{
	size_t old = 0, weak = 0, vuln = 0, comp = compliant_total(h), exp = expiring_certs(h);

	for (size_t i = 0; i < h->nrows; i++) {
		const struct hw_row *r = &h->rows[i];

		old += r->ok && r->lo >= 0 && r->lo < HW_V_TLS12;
		weak += (r->weak_cats & (1u << HW_WK_ANY)) != 0;
		vuln += r->vulns != 0;
	}
	fputs("<ul class=\"kf\" id=\"key-figures\">\n", out);
	figure(out, nscan == h->nrows ? HW_GOOD : HW_BAD, nscan,
	       "endpoints scanned (the others could not be)", h->nrows);
	if (h->tp_given || h->ntps != 1) {
		figure(out, comp == nscan ? HW_GOOD : HW_BAD, comp,
		       "comply with their target profile", nscan);
	} else { /* every endpoint judged against the one default profile */
		fprintf(out,
		        "<li class=\"kf-%s\"><span class=\"kn\">%zu</span> <span class=\"muted\">"
		        "of %zu</span> comply with ",
		        comp == nscan ? "good" : "bad", comp, nscan);
		hw_esc(out, h->tps[0].id);
		fputs("</li>\n", out);
	}
	figure(out, old ? HW_BAD : HW_GOOD, old, "offer TLS 1.1 or older", nscan);
	figure(out, weak ? HW_BAD : HW_GOOD, weak, "offer weak cipher suites", nscan);
	figure(out, exp ? HW_WARN : HW_GOOD, exp, "certificates expired or expiring within 30 days",
	       h->certs.n);
	figure(out, vuln ? HW_BAD : HW_GOOD, vuln, "have a known vulnerability", nscan);
	fputs("</ul>\n", out);
}

/* ---- compliance ---- */

static const char *const verdict_names[] = {"compliant", "incomplete", "not compliant",
                                            "not tested"};

static void
compliance_target(const struct ta_html *h, FILE *out)
{
	struct hw_bar bars[HW_MAX_PROFILES];
	size_t n = h->ntps < HW_MAX_PROFILES ? h->ntps : HW_MAX_PROFILES;

	for (size_t k = 0; k < n; k++) {
		const struct hw_tp *t = &h->tps[k];

		memset(&bars[k], 0, sizeof bars[k]);
		bars[k].label = t->id;
		bars[k].label_doc = true;
		bars[k].seg[0] = t->n[HW_GOOD];
		bars[k].seg[1] = t->n[HW_WARN];
		bars[k].seg[2] = t->n[HW_BAD];
		bars[k].seg[3] = t->n[HW_INFO] + t->n_none;
		snprintf(bars[k].note, sizeof bars[k].note, "%zu of %zu",
		         t->n[HW_GOOD] + t->n[HW_WARN],
		         t->n[HW_GOOD] + t->n[HW_WARN] + t->n[HW_BAD] + t->n[HW_INFO] + t->n_none);
	}
	hw_chart_bars(out, "compliance", "Endpoints by verdict on their target profile", bars, n, 4,
	              verdict_names, "Target profile");
	fputs("<p class=\"muted\">Each endpoint is judged against its target profile (the "
	      "inventory's <code>profile</code>, in its document as <code>target_profile</code>)",
	      out);
	for (size_t k = 0; k < h->ntps; k++)
		if (!h->tps[k].given) {
			fputs("; endpoints without one against ", out);
			hw_esc(out, h->tps[k].id);
			break;
		}
	fputs(". <em>Not tested</em>: the scan failed or the profile was not evaluated.</p>\n",
	      out);
}

static void
compliance_profiles(const struct ta_html *h, FILE *out)
{
	struct hw_bar bars[HW_MAX_PROFILES];

	for (size_t k = 0; k < h->ncols; k++) {
		const struct hw_column *c = &h->cols[k];

		memset(&bars[k], 0, sizeof bars[k]);
		bars[k].label = c->id;
		bars[k].label_doc = true;
		bars[k].seg[0] = c->good;
		bars[k].seg[1] = c->warn;
		bars[k].seg[2] = c->bad;
		bars[k].seg[3] = h->nrows - c->good - c->warn - c->bad;
		snprintf(bars[k].note, sizeof bars[k].note, "%zu of %zu", c->good + c->warn,
		         h->nrows);
	}
	hw_chart_bars(out, "compliance", "Endpoints by verdict on each profile", bars, h->ncols, 4,
	              verdict_names, "Profile");
	fputs("<p class=\"muted\">No endpoint has a target profile (the inventory's "
	      "<code>profile</code>): every profile evaluated is shown. <em>Compliant</em> "
	      "counts incomplete verdicts too (no rule failed, some could not be tested); "
	      "<em>not tested</em>: the scan failed. The names of the profiles are in the "
	      "<a href=\"#endpoints\">table of endpoints</a>.</p>\n",
	      out);
}

/* ---- protocol versions ---- */

static void
versions(const struct ta_html *h, FILE *out, size_t nscan)
{
	struct hw_bar bars[2][HW_NVER + 1];
	static const char *const ids[] = {"highest", "lowest"};
	static const char *const titles[] = {"Highest protocol version offered",
	                                     "Lowest protocol version offered"};

	memset(bars, 0, sizeof bars);
	for (int k = 0; k < 2; k++) {
		for (int v = 0; v < HW_NVER; v++) {
			struct hw_bar *b = &bars[k][v];

			b->label = hw_versions[HW_NVER - 1 - v];
			b->lv = HW_NVER - 1 - v < HW_V_TLS12 ? HW_BAD : HW_GOOD;
		}
		bars[k][HW_NVER].label = "none offered";
		bars[k][HW_NVER].lv = HW_BAD;
	}
	for (size_t i = 0; i < h->nrows; i++) {
		const struct hw_row *r = &h->rows[i];

		if (!r->ok)
			continue;
		bars[0][r->hi < 0 ? HW_NVER : HW_NVER - 1 - r->hi].seg[0]++;
		bars[1][r->lo < 0 ? HW_NVER : HW_NVER - 1 - r->lo].seg[0]++;
	}
	fputs("<div class=\"charts\">\n", out);
	for (int k = 0; k < 2; k++) {
		for (int v = 0; v <= HW_NVER; v++)
			snprintf(bars[k][v].note, sizeof bars[k][v].note, "%zu of %zu",
			         bars[k][v].seg[0], nscan);
		hw_chart_bars(out, ids[k], titles[k], bars[k], HW_NVER + 1, 1, NULL, "Version");
	}
	fputs("</div>\n<p class=\"muted\">Endpoints scanned, each counted once in each chart. "
	      "SSLv2, SSLv3, TLS 1.0 and TLS 1.1 are obsolete (RFC 8996).</p>\n",
	      out);
}

/* ---- weak suites ---- */

static void
weak_list(const struct ta_html *h, FILE *out, size_t n)
{
	size_t listed = 0;

	fprintf(out,
	        "<details class=\"drill\"%s><summary>The %zu endpoint%s offering weak suites or "
	        "no AEAD suite</summary>\n<div class=\"xs\"><table class=\"weak\"><thead><tr>"
	        "<th scope=\"col\">Endpoint</th><th scope=\"col\">Weak suites</th>"
	        "<th scope=\"col\">What</th></tr></thead><tbody>\n",
	        n <= 10 ? " open" : "", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < h->nrows && listed < MAX_LISTED; i++) {
		const struct hw_row *r = &h->rows[i];
		bool first = true;

		if (!r->weak_cats)
			continue;
		listed++;
		fputs("<tr><td class=\"nw\">", out);
		link_row(out, h, i);
		fprintf(out, "</td><td class=\"num\">%u</td><td>", (unsigned)r->weak);
		for (int k = HW_WK_NULL; k < HW_NWEAK; k++)
			if (r->weak_cats & (1u << k)) {
				fprintf(out, "%s%s", first ? "" : ", ", hw_weak_label[k]);
				first = false;
			}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (n > listed)
		fprintf(out, "<p class=\"muted\">and %zu more (see the table of endpoints).</p>\n",
		        n - listed);
	fputs("</details>\n", out);
}

static void
weak(const struct ta_html *h, FILE *out, size_t nscan)
{
	struct hw_bar bars[HW_NWEAK];
	size_t listed = 0;

	memset(bars, 0, sizeof bars);
	for (int k = 0; k < HW_NWEAK; k++) {
		bars[k].label = hw_weak_label[k];
		bars[k].lv = k == HW_WK_NOAEAD ? HW_WARN : HW_BAD;
	}
	for (size_t i = 0; i < h->nrows; i++) {
		for (int k = 0; k < HW_NWEAK; k++)
			bars[k].seg[0] += (h->rows[i].weak_cats & (1u << k)) != 0;
		listed += h->rows[i].weak_cats != 0;
	}
	for (int k = 0; k < HW_NWEAK; k++)
		snprintf(bars[k].note, sizeof bars[k].note, "%zu of %zu", bars[k].seg[0], nscan);
	hw_chart_bars(out, "weak", "Endpoints offering weak cipher suites", bars, HW_NWEAK, 1, NULL,
	              "Suites");
	fputs("<p class=\"muted\">A suite is weak as its strength mark in the document says "
	      "(export, NULL, anonymous, RC4, RC2, DES, 3DES, MD5 or SSLv2); the categories "
	      "come from its IANA name, and a suite can be in several. <em>No AEAD "
	      "suite</em>: every suite offered is CBC or a stream cipher.</p>\n",
	      out);
	if (listed)
		weak_list(h, out, listed);
}

/* ---- certificates ---- */

static void
cert_list(const struct ta_html *h, FILE *out, size_t n)
{
	size_t listed = 0;

	fprintf(out,
	        "<details class=\"drill\"%s><summary>The %zu certificate%s expired or expiring "
	        "within 30 days</summary>\n<div class=\"xs\"><table class=\"expiring\"><thead>"
	        "<tr><th scope=\"col\">Subject</th><th scope=\"col\">Validity</th>"
	        "<th scope=\"col\">Served by</th></tr></thead><tbody>\n",
	        n <= 10 ? " open" : "", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < h->certs.n && listed < MAX_LISTED; i++) {
		const struct hw_cert *c = &h->certs.v[i];
		char words[64];

		if (hw_exp_of(c->days, c->expired, c->not_yet_valid) > HW_EXP_30)
			continue;
		listed++;
		fputs("<tr><td>", out);
		hw_esc(out, c->subject);
		fputs("</td><td class=\"nw\">", out);
		hw_mark(out,
		        hw_validity(c->days, c->expired, c->not_yet_valid, words, sizeof words),
		        words);
		fputs("</td><td class=\"nw\">", out);
		link_row(out, h, c->first);
		if (c->nendpoints > 1)
			fprintf(out, " and %zu more", c->nendpoints - 1);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (n > listed)
		fprintf(out, "<p class=\"muted\">and %zu more.</p>\n", n - listed);
	fputs("</details>\n", out);
}

static void
certificates(const struct ta_html *h, FILE *out)
{
	struct hw_bar bars[HW_NEXP];
	static const enum hw_level lv[HW_NEXP] = {HW_BAD, HW_BAD, HW_WARN, HW_INFO, HW_GOOD};
	size_t soon = 0;

	memset(bars, 0, sizeof bars);
	for (int k = 0; k < HW_NEXP; k++) {
		bars[k].label = hw_exp_label[k];
		bars[k].lv = lv[k];
	}
	for (size_t i = 0; i < h->certs.n; i++) {
		const struct hw_cert *c = &h->certs.v[i];
		enum hw_exp e = hw_exp_of(c->days, c->expired, c->not_yet_valid);

		bars[e].seg[0]++;
		soon += e <= HW_EXP_30;
	}
	hw_chart_bars(out, "expiry", "Certificates by time to expiry", bars, HW_NEXP, 1, NULL,
	              "Time left");
	fprintf(out,
	        "<p class=\"muted\">The %zu distinct leaf certificate%s the endpoints serve "
	        "(by SHA-256 fingerprint: one served by several endpoints counts once), by the "
	        "days left at the report time.</p>\n",
	        h->certs.n, h->certs.n == 1 ? "" : "s");
	if (soon)
		cert_list(h, out, soon);
}

/* ---- vulnerabilities ---- */

static void
vuln_list(const struct ta_html *h, FILE *out, const struct hw_vuln *v, size_t k)
{
	size_t listed = 0;

	fputs("<tr><th scope=\"row\">", out);
	hw_esc(out, v->id);
	fprintf(out, "</th><td class=\"num\">%zu</td><td>", v->vulnerable);
	for (size_t i = 0; i < h->nrows && listed < MAX_LISTED; i++)
		if (h->rows[i].vulns & (UINT64_C(1) << k)) {
			fputs(listed++ ? ", " : "", out);
			link_row(out, h, i);
		}
	if (v->vulnerable > listed)
		fprintf(out, " and %zu more", v->vulnerable - listed);
	fputs("</td></tr>\n", out);
}

static void
vulnerabilities(const struct ta_html *h, FILE *out)
{
	struct hw_bar bars[HW_MAX_VULNS];
	size_t n = 0, untested = 0;

	for (size_t k = 0; k < h->nvulns; k++) {
		untested += h->vulns[k].untested;
		if (!h->vulns[k].vulnerable)
			continue;
		memset(&bars[n], 0, sizeof bars[n]);
		bars[n].label = h->vulns[k].id;
		bars[n].label_doc = true;
		bars[n].lv = HW_BAD;
		bars[n].seg[0] = h->vulns[k].vulnerable;
		snprintf(bars[n].note, sizeof bars[n].note, "%zu of %zu", h->vulns[k].vulnerable,
		         h->nvuln_docs);
		n++;
	}
	if (h->nvuln_docs == 0) {
		fputs("<p>No endpoint was checked for known vulnerabilities (the documents have "
		      "none: <code>--no-vuln</code>, or an older tlsaudit).</p>\n",
		      out);
		return;
	}
	if (n == 0) {
		fprintf(out, "<p>None of the %zu endpoint%s checked has a known vulnerability.",
		        h->nvuln_docs, h->nvuln_docs == 1 ? "" : "s");
		if (untested)
			fprintf(out, " %zu check%s could not be made (see each endpoint).",
			        untested, untested == 1 ? "" : "s");
		fputs("</p>\n", out);
		return;
	}
	hw_chart_bars(out, "vulns", "Endpoints with a known vulnerability, by check", bars, n, 1,
	              NULL, "Check");
	fputs("<details class=\"drill\" open><summary>Which endpoints</summary>\n<div "
	      "class=\"xs\"><table class=\"vulnlist\"><thead><tr><th scope=\"col\">Check</th>"
	      "<th scope=\"col\">Endpoints</th><th scope=\"col\">Vulnerable</th></tr></thead>"
	      "<tbody>\n",
	      out);
	for (size_t k = 0; k < h->nvulns; k++)
		if (h->vulns[k].vulnerable)
			vuln_list(h, out, &h->vulns[k], k);
	fputs("</tbody></table></div>\n</details>\n", out);
}

/* ---- the section ---- */

void
hw_exec_summary(const struct ta_html *h, FILE *out)
{
	size_t nscan = scanned(h);

	fputs("<section id=\"summary\">\n<h2>Executive summary</h2>\n", out);
	if (h->nrows == 0) {
		fputs("<p>No TLS target was scanned.</p>\n</section>\n", out);
		return;
	}
	key_figures(h, out, nscan);
	if (nscan == 0) {
		fputs("<p>No endpoint could be scanned: the table of endpoints says why.</p>\n",
		      out);
	} else {
		fputs("<h3 id=\"s-compliance\">Compliance</h3>\n", out);
		if (h->tp_given)
			compliance_target(h, out);
		else
			compliance_profiles(h, out);
		fputs("<h3 id=\"s-versions\">Protocol versions</h3>\n", out);
		versions(h, out, nscan);
		fputs("<h3 id=\"s-weak\">Weak cipher suites</h3>\n", out);
		weak(h, out, nscan);
		fputs("<h3 id=\"s-certs\">Certificates</h3>\n", out);
		certificates(h, out);
		fputs("<h3 id=\"s-vulns\">Known vulnerabilities</h3>\n", out);
		vulnerabilities(h, out);
	}
	if (h->trend) {
		fputs("<h3 id=\"s-trend\">Trend over runs</h3>\n", out);
		if (h->ntrend < 2)
			fputs("<p>The store holds one run up to this one: the trend starts with "
			      "the "
			      "next run.</p>\n",
			      out);
		else
			hw_chart_trend(out, h->trend, h->ntrend);
	}
	fputs("</section>\n", out);
}
