/*
 * HTML report: the table of endpoints (id "endpoints", the table
 * "summary-table"), one row per target with its status, protocols, weak
 * suites, certificate and a verdict per profile, for the engineer who
 * looks for one endpoint; it scrolls inside its own box rather than
 * squeezing the names.  Rows come from html_stats.c.
 */
#include <stdio.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

/* A profile id with a line break allowed after each '-', so a narrow
 * column shows "mozilla-6.0-" over "intermediate" (the text stays the id). */
static void
put_breakable(FILE *out, const char *id)
{
	char seg[80];

	while (*id) {
		size_t n = strcspn(id, "-");

		n += id[n] == '-';
		if (n >= sizeof seg)
			n = sizeof seg - 1;
		memcpy(seg, id, n);
		seg[n] = '\0';
		hw_esc(out, seg);
		id += n;
		if (seg[n - 1] == '-' && *id)
			fputs("<wbr>", out);
	}
}

static void
summary_head(const struct ta_html *h, FILE *out)
{
	fputs("<thead><tr><th scope=\"col\">#</th><th scope=\"col\" class=\"tgt\">Target</th>"
	      "<th scope=\"col\">Service</th><th scope=\"col\">Status</th>"
	      "<th scope=\"col\">Highest protocol</th><th scope=\"col\">Lowest protocol</th>"
	      "<th scope=\"col\">Weak suites</th><th scope=\"col\">Certificate</th>",
	      out);
	for (size_t k = 0; k < h->ncols; k++) {
		fputs("<th scope=\"col\" class=\"profile\">", out);
		put_breakable(out, h->cols[k].id);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n", out);
}

static void
summary_protocols(FILE *out, const struct hw_row *r)
{
	if (r->hi < 0) {
		fputs("<td>none</td><td>none</td>", out);
		return;
	}
	fputs("<td class=\"nw\">", out);
	hw_mark(out, r->hi < HW_V_TLS12 ? HW_BAD : HW_GOOD, hw_versions[r->hi]);
	fputs("</td><td class=\"nw\">", out);
	hw_mark(out, r->lo < HW_V_TLS12 ? HW_BAD : HW_GOOD, hw_versions[r->lo]);
	if (r->lo < HW_V_TLS12)
		fputs(" obsolete", out);
	fputs("</td>", out);
}

static void
summary_cert(FILE *out, const struct hw_row *r)
{
	char words[64];

	if (!r->cert) {
		fputs("<td class=\"cert\">none analysed</td>", out);
		return;
	}
	fputs("<td class=\"cert\">", out);
	hw_mark(out, hw_validity(r->days, r->expired, r->not_yet_valid, words, sizeof words),
	        words);
	fputs(" ", out);
	hw_mark(out, r->untrusted ? HW_BAD : HW_GOOD, r->untrusted ? "not trusted" : "trusted");
	if (r->mismatch) {
		fputs(" ", out);
		hw_mark(out, HW_BAD, "name mismatch");
	}
	fputs("</td>", out);
}

static void
summary_verdict(FILE *out, const struct hw_row *r, size_t k)
{
	const struct hw_verdict *v = k < r->nv && r->v[k].words ? &r->v[k] : NULL;

	fputs("<td>", out);
	if (!v) {
		hw_mark(out, HW_INFO, "not evaluated");
	} else {
		hw_mark(out, (enum hw_level)v->lv, v->words);
		if (r->ok && v->lv != HW_GOOD && v->lv != HW_INFO)
			fprintf(out, "<span class=\"sub\">%u fail, %u warn, %u untested</span>",
			        (unsigned)v->fail, (unsigned)v->warn, (unsigned)v->untested);
	}
	fputs("</td>", out);
}

static void
summary_row(const struct ta_html *h, size_t i, FILE *out)
{
	const struct hw_row *r = &h->rows[i];
	char buf[48];

	fprintf(out, "<tr><td class=\"num\">%zu</td><td class=\"tgt\"><a href=\"#t%zu\">", i + 1,
	        i);
	hw_endpoint(out, r->host, r->port);
	fputs("</a>", out);
	if (r->ip) {
		fputs("<br><span class=\"muted mono\">", out);
		hw_esc(out, r->ip);
		fputs("</span>", out);
	}
	fputs("</td><td class=\"nw\">", out);
	hw_esc(out, r->service);
	fputs("</td><td class=\"st\">", out);
	hw_status(out, r->ok ? "ok" : "error", r->note, r->incomplete, r->note);
	fputs("</td>", out);
	if (r->ok) {
		summary_protocols(out, r);
		fputs("<td class=\"nw\">", out);
		if (r->weak) {
			snprintf(buf, sizeof buf, "yes (%u)", (unsigned)r->weak);
			hw_mark(out, HW_BAD, buf);
		} else {
			hw_mark(out, HW_GOOD, "no");
		}
		fputs("</td>", out);
		summary_cert(out, r);
	} else {
		fputs("<td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td>", out);
	}
	for (size_t k = 0; k < h->ncols; k++)
		summary_verdict(out, r, k);
	fputs("</tr>\n", out);
}

/* Per profile: how many of the scanned targets comply. */
static void
summary_foot(const struct ta_html *h, FILE *out)
{
	if (h->ncols == 0)
		return;
	fputs("<tfoot><tr><td></td><th scope=\"row\" class=\"tgt\">Compliant</th>"
	      "<td></td><td></td><td></td><td></td><td></td><td></td>",
	      out);
	for (size_t k = 0; k < h->ncols; k++)
		fprintf(out, "<td>%zu of %zu</td>", h->cols[k].compliant, h->cols[k].judged);
	fputs("</tr></tfoot>\n", out);
}

static void
legend(const struct ta_html *h, FILE *out)
{
	if (h->ncols == 0)
		return;
	fputs("<dl class=\"legend prose\">\n", out);
	for (size_t k = 0; k < h->ncols; k++) {
		fputs("<dt>", out);
		hw_esc(out, h->cols[k].id);
		fputs("</dt><dd>", out);
		hw_esc(out, h->cols[k].title ? h->cols[k].title : "");
		fputs("</dd>\n", out);
	}
	fputs("</dl>\n", out);
}

void
hw_endpoints_table(const struct ta_html *h, FILE *out)
{
	fputs("<section id=\"endpoints\">\n<h2 class=\"prose\">Endpoints</h2>\n", out);
	if (h->nrows == 0) {
		fputs("<p>No TLS target was scanned.</p>\n</section>\n", out);
		return;
	}
	fputs("<p class=\"muted prose\">Every endpoint with its verdict on each profile; "
	      "the table scrolls inside its box. Each name leads to the endpoint's "
	      "details.</p>\n",
	      out);
	fputs("<div class=\"scroll\">\n<table id=\"summary-table\">\n", out);
	summary_head(h, out);
	fputs("<tbody>\n", out);
	for (size_t i = 0; i < h->nrows; i++)
		summary_row(h, i, out);
	fputs("</tbody>\n", out);
	summary_foot(h, out);
	fputs("</table>\n</div>\n", out);
	fputs("<p class=\"muted prose\">Weak suites: export, NULL, anonymous, RC4, RC2, DES, "
	      "3DES, MD5 or SSLv2 suites. A profile is <em>incomplete</em> when no rule failed "
	      "but some could not be tested, and <em>not tested</em> when the scan failed; "
	      "<em>Compliant</em> counts the compliant and incomplete verdicts of the targets "
	      "scanned. The profiles:</p>\n",
	      out);
	legend(h, out);
	fputs("</section>\n", out);
}
