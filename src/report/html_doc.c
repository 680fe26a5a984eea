/*
 * HTML report (report/render.h): one self-contained page for the people who
 * act on a scan — inline CSS only: no script, no external style sheet, font
 * or image, no inline style or event attribute.  A header with the counts,
 * a summary table with one row per target and a verdict per profile, one
 * section per target (id "t<index>", html_target.c), one per mail domain
 * (id "m<index>", html_mail.c).  Every verdict is written in words; colour
 * only repeats it.
 *
 * The page is written from the document alone (the JSON tree of
 * docs/schema/scan.schema.json), target by target: the summary needs every
 * target before it can be written at the top, so each target leaves only a
 * compact summary row in memory while its section goes to a temporary file
 * at once; ta_html_close writes head, summary, the sections and the mail
 * domains to out.  Output safety: see html_int.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/html_int.h"
#include "report/render.h"
#include "tlsaudit.h"

/* Profile columns of the summary, at most; further profiles are still in
 * each target's section. */
#define MAX_PROFILE_COLS 64

/* ---- what stays in memory: one summary row per target ---- */

struct verdict {
	const char *words; /* NULL: the target has no evaluation for this column */
	uint8_t lv;
	uint32_t fail, warn, untested;
};

struct row {
	char *host, *ip, *service, *note; /* note: the error or the incomplete reason */
	long long port;
	bool ok, incomplete;
	int8_t hi, lo; /* hw_versions index of the highest and lowest offered; -1 none */
	uint32_t weak;
	bool cert, expired, not_yet_valid, untrusted, mismatch;
	long long days; /* of the served leaf that expires first */
	struct verdict *v;
	size_t nv;
};

struct column {
	char *id, *title;
	size_t compliant, judged;
};

struct ta_html {
	FILE *out, *targets, *mail; /* mail: created with the first domain */
	struct ta_render_opts o;
	char *version, *report_time, *trust;
	struct row *rows;
	size_t nrows, caprows;
	struct column cols[MAX_PROFILE_COLS];
	size_t ncols;
	char **domains;
	size_t ndomains, capdomains;
	int err; /* the first failure: every later call returns it */
};

static char *
dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static void
row_free(struct row *r)
{
	free(r->host);
	free(r->ip);
	free(r->service);
	free(r->note);
	free(r->v);
}

/* The column of profile id, added when new; -1 when full or out of memory. */
static int
column_of(struct ta_html *h, const char *id, const json_t *prof)
{
	bool oom = false;

	for (size_t k = 0; k < h->ncols; k++)
		if (strcmp(h->cols[k].id, id) == 0)
			return (int)k;
	if (h->ncols == MAX_PROFILE_COLS)
		return -1;
	h->cols[h->ncols].id = dup_or_null(id, &oom);
	h->cols[h->ncols].title = dup_or_null(hw_str(prof, "title"), &oom);
	if (oom) {
		free(h->cols[h->ncols].id);
		free(h->cols[h->ncols].title);
		return -1;
	}
	return (int)h->ncols++;
}

static void
row_protocols(struct row *r, const json_t *protos)
{
	r->hi = r->lo = -1;
	for (int v = 0; v < HW_NVER; v++) {
		const json_t *p = json_object_get(protos, hw_versions[v]);
		const json_t *det = hw_arr(p, "cipher_suite_details");

		if (hw_true(p, "offered")) {
			if (r->lo < 0)
				r->lo = (int8_t)v;
			r->hi = (int8_t)v;
		}
		for (size_t i = 0; i < json_array_size(det); i++) {
			const char *st = hw_str(json_array_get(det, i), "strength");

			if (st && strcmp(st, "weak") == 0)
				r->weak++;
		}
	}
}

/* The worst of the served leaves: soonest expiry, any untrusted chain, any
 * name mismatch. */
static void
row_certificates(struct row *r, const json_t *certs)
{
	for (size_t i = 0; i < json_array_size(certs); i++) {
		const json_t *c = json_array_get(certs, i);
		long long days = hw_int(c, "days_left", 0);

		if (!r->cert || days < r->days || hw_true(c, "not_yet_valid")) {
			r->cert = true;
			r->days = days;
			r->expired = hw_true(c, "expired");
			r->not_yet_valid = hw_true(c, "not_yet_valid");
		}
		r->untrusted |= !hw_true(c, "trusted");
		r->mismatch |= hw_tri(c, "hostname_match") == TA_NO;
	}
}

static int
row_verdicts(struct ta_html *h, struct row *r, const json_t *profiles)
{
	const char *id;
	const json_t *p;

	json_object_foreach ((json_t *)profiles, id, p) {
		int k = column_of(h, id, p);
		const json_t *rules = hw_arr(p, "rules");
		struct verdict *v;

		if (k < 0)
			continue;
		if ((size_t)k >= r->nv) {
			struct verdict *nv = realloc(r->v, (size_t)(k + 1) * sizeof *nv);

			if (!nv)
				return TA_ENOMEM;
			memset(nv + r->nv, 0, (size_t)(k + 1 - r->nv) * sizeof *nv);
			r->v = nv;
			r->nv = (size_t)k + 1;
		}
		v = &r->v[k];
		v->lv = (uint8_t)hw_profile_verdict(p, r->ok, &v->words);
		for (size_t i = 0; i < json_array_size(rules); i++) {
			const char *res = hw_str(json_array_get(rules, i), "result");

			v->fail += res && strcmp(res, "fail") == 0;
			v->warn += res && strcmp(res, "warning") == 0;
			v->untested += res && strcmp(res, "could_not_test") == 0;
		}
		if (r->ok) {
			h->cols[k].judged++;
			h->cols[k].compliant += v->lv == HW_GOOD || v->lv == HW_WARN;
		}
	}
	return TA_OK;
}

static int
add_row(struct ta_html *h, const json_t *t)
{
	struct row r = {0};
	bool oom = false;
	const char *st = hw_str(t, "status");

	if (h->nrows == h->caprows) {
		size_t cap = h->caprows ? 2 * h->caprows : 64;
		struct row *n = realloc(h->rows, cap * sizeof *n);

		if (!n)
			return TA_ENOMEM;
		h->rows = n;
		h->caprows = cap;
	}
	r.ok = st && strcmp(st, "ok") == 0;
	r.incomplete = hw_true(t, "incomplete");
	r.port = hw_int(t, "port", 0);
	r.host = dup_or_null(hw_str(t, "host") ? hw_str(t, "host") : "?", &oom);
	r.ip = dup_or_null(hw_nstr(t, "ip"), &oom);
	r.service = dup_or_null(hw_str(t, "service"), &oom);
	r.note = dup_or_null(r.ok ? hw_str(t, "incomplete_reason") : hw_str(t, "error"), &oom);
	row_protocols(&r, json_object_get(t, "protocols"));
	row_certificates(&r, hw_arr(t, "certificates"));
	if (oom || row_verdicts(h, &r, json_object_get(t, "profiles")) != TA_OK) {
		row_free(&r);
		return TA_ENOMEM;
	}
	h->rows[h->nrows++] = r;
	return TA_OK;
}

/* ---- the stream ---- */

static void
html_free(struct ta_html *h)
{
	if (!h)
		return;
	if (h->targets)
		fclose(h->targets);
	if (h->mail)
		fclose(h->mail);
	for (size_t i = 0; i < h->nrows; i++)
		row_free(&h->rows[i]);
	free(h->rows);
	for (size_t k = 0; k < h->ncols; k++) {
		free(h->cols[k].id);
		free(h->cols[k].title);
	}
	for (size_t i = 0; i < h->ndomains; i++)
		free(h->domains[i]);
	free(h->domains);
	free(h->version);
	free(h->report_time);
	free(h->trust);
	free(h);
}

struct ta_html *
ta_html_open(FILE *out, const json_t *meta, const struct ta_render_opts *o)
{
	struct ta_html *h = calloc(1, sizeof *h);
	bool oom = false;

	if (!h)
		return NULL;
	h->out = out;
	if (o)
		h->o = *o;
	else
		h->o.now = time(NULL);
	h->version = dup_or_null(hw_str(meta, "version"), &oom);
	h->report_time = dup_or_null(hw_str(meta, "report_time"), &oom);
	/* a trust store that did not load (not in the schema yet) */
	h->trust = dup_or_null(hw_nstr(meta, "trust_store_error"), &oom);
	h->targets = tmpfile();
	if (oom || !h->targets) {
		html_free(h);
		return NULL;
	}
	return h;
}

int
ta_html_target(struct ta_html *h, const json_t *target)
{
	if (h->err)
		return h->err;
	if (!json_is_object(target))
		return TA_EINVAL;
	h->err = add_row(h, target);
	if (!h->err)
		h->err = hw_target_section(h->targets, target, h->nrows - 1);
	return h->err;
}

int
ta_html_mail(struct ta_html *h, const json_t *mail)
{
	bool oom = false;
	char *d;

	if (h->err)
		return h->err;
	if (!json_is_object(mail))
		return TA_EINVAL;
	if (!h->mail && !(h->mail = tmpfile()))
		return h->err = TA_ESYS;
	if (h->ndomains == h->capdomains) {
		size_t cap = h->capdomains ? 2 * h->capdomains : 8;
		char **n = realloc(h->domains, cap * sizeof *n);

		if (!n)
			return h->err = TA_ENOMEM;
		h->domains = n;
		h->capdomains = cap;
	}
	d = dup_or_null(hw_str(mail, "domain") ? hw_str(mail, "domain") : "?", &oom);
	if (oom)
		return h->err = TA_ENOMEM;
	h->domains[h->ndomains++] = d;
	h->err = hw_mail_section(h->mail, mail, h->ndomains - 1);
	return h->err;
}

void
ta_html_abort(struct ta_html *h)
{
	html_free(h);
}

/* ---- the page ---- */

static const char style[] =
        "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,"
        "sans-serif;color:#1b1b1b;background:#fff;margin:0;padding:1em 1.5em}\n"
        "header,section.target,section.mail,nav#mail-index,footer,.prose{max-width:1280px}\n"
        "h1{font-size:1.6em;margin:.2em 0}\n"
        "h2{font-size:1.3em;border-bottom:2px solid #bbb;padding-bottom:.2em;margin-top:2em}\n"
        "h3{font-size:1.1em;margin:1.4em 0 .4em}\n"
        "h4{font-size:1em;margin:1em 0 .3em}\n"
        "table{border-collapse:collapse;margin:.4em 0 1em}\n"
        "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}\n"
        "thead th{background:#eef0f3}\n"
        "table.kv th{background:#f7f7f7;font-weight:600;white-space:nowrap}\n"
        "td.num{text-align:right;white-space:nowrap}\n"
        ".nw{white-space:nowrap}\n"
        ".mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
        ".v{font-weight:600;padding:0 .3em;border-radius:3px;white-space:nowrap}\n"
        ".good{color:#0a5c27;background:#e1f3e7}\n"
        ".warn{color:#6e4500;background:#fff0cc}\n"
        ".bad{color:#9b1119;background:#fde2e4}\n"
        ".info{color:#333;background:#ececec}\n"
        ".muted{color:#555;font-size:.9em}\n"
        "ul.flat{margin:0;padding-left:1.2em}\n"
        "nav.back{font-size:.9em;margin:.5em 0}\n"
        /* The summary: as wide as the window, scrolling inside its box
         * rather than squeezing; names on one line; the header row and the
         * target column stay in view while it scrolls. */
        ".scroll{overflow:auto;max-height:85vh;max-width:100%;width:max-content;"
        "border:1px solid #bbb;margin:.4em 0 .6em}\n"
        "#summary-table{font-size:.92em;border-collapse:separate;border-spacing:0;margin:0}\n"
        "#summary-table th,#summary-table td{border:0;border-right:1px solid #d6d6d6;"
        "border-bottom:1px solid #d6d6d6;overflow-wrap:normal;background:#fff}\n"
        "#summary-table thead th{position:sticky;top:0;z-index:2;background:#eef0f3;"
        "vertical-align:bottom;border-bottom:2px solid #aaa}\n"
        "#summary-table .tgt{position:sticky;left:0;z-index:1;white-space:nowrap;"
        "border-right:2px solid #aaa}\n"
        "#summary-table thead th.tgt{z-index:3}\n"
        "#summary-table tbody tr:nth-child(even)>*{background:#f6f7f9}\n"
        "#summary-table tbody tr:hover>*{background:#e8f0fb}\n"

        "#summary-table td.st{min-width:9em}\n"
        "#summary-table td.cert{min-width:9em}\n"
        "#summary-table th.profile{min-width:6.5em}\n"
        "#summary-table .sub{display:block;color:#555;font-size:.9em;font-weight:400}\n"
        "#summary-table tfoot th,#summary-table tfoot td{background:#f7f7f7;"
        "border-top:2px solid #aaa;white-space:nowrap}\n"
        "dl.legend{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;"
        "margin:.4em 0 1em;font-size:.92em}\n"
        "dl.legend dt{font-family:ui-monospace,Menlo,Consolas,monospace}\n"
        "dl.legend dd{margin:0}\n"
        /* on paper the summary gets landscape pages of its own */
        "@page wide{size:A4 landscape;margin:10mm}\n"
        "@media print{body{padding:0;font-size:10.5px}header,#summary,#mail-index{page:wide}"
        "a{color:inherit;text-decoration:none}nav.back{display:none}"
        ".scroll{overflow:visible;max-height:none;width:auto;border:0}"
        "#summary-table thead th,#summary-table .tgt{position:static}"
        "#summary-table{font-size:8.5px}#summary-table .v{white-space:normal}"
        "#summary-table td.st,#summary-table td.cert,#summary-table th.profile{min-width:0}"
        "section.target,section.mail{break-before:page}tr{break-inside:avoid}"
        ".v{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void
put_now(FILE *out, time_t now)
{
	char buf[40];
	struct tm tm;

	if (gmtime_r(&now, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(buf, out);
	else
		fputs("?", out);
}

static void
head(const struct ta_html *h, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"tlsaudit ",
	      out);
	hw_esc(out, h->version ? h->version : TA_VERSION_STRING);
	fputs("\">\n<title>tlsaudit report</title>\n<style>\n", out);
	fputs(style, out);
	fputs("</style>\n</head>\n<body>\n", out);
}

static void
header(const struct ta_html *h, FILE *out)
{
	size_t nok = 0, nerr = 0, ninc = 0;

	for (size_t i = 0; i < h->nrows; i++) {
		if (!h->rows[i].ok)
			nerr++;
		else if (h->rows[i].incomplete)
			ninc++;
		else
			nok++;
	}
	fputs("<header>\n<h1>tlsaudit report</h1>\n<p>tlsaudit ", out);
	hw_esc(out, h->version ? h->version : TA_VERSION_STRING);
	fputs(", report written <time datetime=\"", out);
	for (int k = 0; k < 2; k++) {
		if (h->report_time)
			hw_esc(out, h->report_time);
		else
			put_now(out, h->o.now);
		fputs(k == 0 ? "\">" : "</time> (UTC).</p>\n", out);
	}
	fprintf(out, "<p id=\"counts\">%zu target%s: %zu ok, %zu error, %zu incomplete", h->nrows,
	        h->nrows == 1 ? "" : "s", nok, nerr, ninc);
	if (h->ndomains)
		fprintf(out, "; %zu mail domain%s", h->ndomains, h->ndomains == 1 ? "" : "s");
	fputs(".</p>\n", out);
	if (h->trust) {
		fputs("<p>", out);
		hw_mark(out, HW_WARN, "no trust verdicts");
		fputs(" the trust store did not load (", out);
		hw_esc(out, h->trust);
		fputs("): certificates were analysed without a trust verdict.</p>\n", out);
	}
	fputs("</header>\n", out);
}

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
summary_protocols(FILE *out, const struct row *r)
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
summary_cert(FILE *out, const struct row *r)
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
summary_verdict(FILE *out, const struct row *r, size_t k)
{
	const struct verdict *v = k < r->nv && r->v[k].words ? &r->v[k] : NULL;

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
	const struct row *r = &h->rows[i];
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

static void
summary(const struct ta_html *h, FILE *out)
{
	fputs("<section id=\"summary\">\n<h2 class=\"prose\">Summary</h2>\n", out);
	if (h->nrows == 0) {
		fputs("<p>No TLS target was scanned.</p>\n</section>\n", out);
		return;
	}
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

static void
mail_index(const struct ta_html *h, FILE *out)
{
	if (h->ndomains == 0)
		return;
	fputs("<nav id=\"mail-index\"><h2>Mail domains</h2>\n<ul>\n", out);
	for (size_t i = 0; i < h->ndomains; i++) {
		fprintf(out, "<li><a href=\"#m%zu\">", i);
		hw_esc(out, h->domains[i]);
		fputs("</a></li>\n", out);
	}
	fputs("</ul>\n</nav>\n", out);
}

/* Append what was written to tmp. */
static int
copy_back(FILE *tmp, FILE *out)
{
	char buf[16384];
	size_t n;

	if (!tmp)
		return TA_OK;
	if (fflush(tmp) != 0 || ferror(tmp) || fseek(tmp, 0, SEEK_SET) != 0)
		return TA_ESYS;
	while ((n = fread(buf, 1, sizeof buf, tmp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return TA_ESYS;
	return ferror(tmp) ? TA_ESYS : TA_OK;
}

int
ta_html_close(struct ta_html *h)
{
	FILE *out = h->out;
	int rc = h->err;

	if (!rc) {
		head(h, out);
		header(h, out);
		fputs("<main>\n", out);
		summary(h, out);
		mail_index(h, out);
		rc = ferror(out) ? TA_ESYS : TA_OK;
	}
	if (!rc)
		rc = copy_back(h->targets, out);
	if (!rc)
		rc = copy_back(h->mail, out);
	if (!rc) {
		fputs("</main>\n<footer class=\"muted\"><p>Written by tlsaudit ", out);
		hw_esc(out, h->version ? h->version : TA_VERSION_STRING);
		fputs(" from its JSON document; every verdict is in words, colour only repeats "
		      "it.</p></footer>\n</body>\n</html>\n",
		      out);
		rc = fflush(out) != 0 || ferror(out) ? TA_ESYS : TA_OK;
	}
	html_free(h);
	return rc;
}
