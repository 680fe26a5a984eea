/*
 * HTML report (report/render.h): one self-contained page for the people who
 * act on a scan — inline CSS and inline SVG only: no script, no external
 * style sheet, font or image, no inline style or event attribute, no URL.
 * In order: a header with the counts; the executive summary with its
 * charts (html_exec.c); the plan (html_plan.c); the table of endpoints
 * with a verdict per profile (html_table.c); one section per target (id
 * "t<index>", html_target.c); one per mail domain (id "m<index>",
 * html_mail.c).  Every verdict is written in words; colour only repeats
 * it.  It fits a 1,280 px window and a phone's width (wide tables scroll
 * inside their own box) and prints with its charts.
 *
 * The page is written from the document alone (the JSON tree of
 * docs/schema/scan.schema.json), target by target: the summary needs every
 * target before it can be written at the top, so each target leaves only a
 * compact summary row in memory (html_stats.c) while its section goes to a
 * temporary file at once; ta_html_close writes head, summary, plan, table,
 * the sections and the mail domains to out.  Output safety: see
 * html_int.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/html_int.h"
#include "report/render.h"
#include "tlsaudit.h"

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
	hw_rows_free(h);
	for (size_t i = 0; i < h->ndomains; i++)
		free(h->domains[i]);
	free(h->domains);
	free(h->trend);
	json_decref(h->plan);
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
	h->version = hw_dup(hw_str(meta, "version"), &oom);
	h->report_time = hw_dup(hw_str(meta, "report_time"), &oom);
	/* a trust store that did not load (not in the schema yet) */
	h->trust = hw_dup(hw_nstr(meta, "trust_store_error"), &oom);
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
	h->err = hw_add_row(h, target);
	if (!h->err)
		h->err = hw_target_section(h->targets, target, h->nrows - 1, h->o.focus_profile);
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
	d = hw_dup(hw_str(mail, "domain") ? hw_str(mail, "domain") : "?", &oom);
	if (oom)
		return h->err = TA_ENOMEM;
	h->domains[h->ndomains++] = d;
	h->err = hw_mail_section(h->mail, mail, h->ndomains - 1);
	return h->err;
}

int
ta_html_trend(struct ta_html *h, const struct ta_trend_point *p, size_t n)
{
	struct ta_trend_point *c;

	if (h->err)
		return h->err;
	if (!p || n == 0)
		return TA_OK;
	if (!(c = malloc(n * sizeof *c)))
		return h->err = TA_ENOMEM;
	memcpy(c, p, n * sizeof *c);
	free(h->trend);
	h->trend = c;
	h->ntrend = n;
	return TA_OK;
}

void
ta_html_plan(struct ta_html *h, json_t *plan)
{
	json_decref(h->plan);
	h->plan = json_incref(plan);
}

void
ta_html_abort(struct ta_html *h)
{
	html_free(h);
}

/* ---- the page ---- */

static const char style[] =
        "*,*::before,*::after{box-sizing:border-box}\n"
        "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,"
        "sans-serif;color:#1b1b1b;background:#fff;margin:0;padding:1em 1.5em}\n"
        "header,main,footer{max-width:1280px}\n"
        "h1{font-size:1.6em;margin:.2em 0}\n"
        "h2{font-size:1.3em;border-bottom:2px solid #bbb;padding-bottom:.2em;margin-top:2em}\n"
        "h3{font-size:1.1em;margin:1.4em 0 .4em}\n"
        "h4{font-size:1em;margin:1em 0 .3em}\n"
        "table{border-collapse:collapse;margin:.4em 0 1em}\n"
        "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}\n"
        "thead th{background:#eef0f3}\n"
        "table.kv th{background:#f7f7f7;font-weight:600}\n"
        "td.num{text-align:right;white-space:nowrap}\n"
        ".nw{white-space:nowrap}\n"
        ".mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
        ".v{font-weight:600;padding:0 .3em;border-radius:3px;white-space:nowrap}\n"
        ".good{color:#0a5c27;background:#e1f3e7}\n"
        ".warn{color:#6e4500;background:#fff0cc}\n"
        ".bad{color:#9b1119;background:#fde2e4}\n"
        ".info{color:#333;background:#ececec}\n"
        ".muted{color:#555;font-size:.9em}\n"
        "ul.flat{margin:0;padding-left:1.2em}\n"
        "nav.back{font-size:.9em;margin:.5em 0}\n"
        "nav.toc ul{list-style:none;padding:0;margin:.4em 0;display:flex;flex-wrap:wrap;"
        "gap:.2em 1.2em}\n"
        /* a wide table scrolls inside its own box, never the page */
        ".xs{overflow-x:auto;max-width:100%}\n"
        ".xs>table{margin-bottom:.4em}\n"
        /* key figures: cards that wrap with the width */
        "ul.kf{list-style:none;padding:0;margin:.6em 0 1em;display:grid;gap:.5em;"
        "grid-template-columns:repeat(auto-fill,minmax(min(100%,15em),1fr))}\n"
        "ul.kf li{border:1px solid #ccc;border-left:6px solid #999;padding:.4em .6em}\n"
        "ul.kf .kn{font-size:1.6em;font-weight:700;margin-right:.1em}\n"
        "ul.kf li.kf-good{border-left-color:#2e7d32}ul.kf li.kf-warn{border-left-color:#e0a100}"
        "ul.kf li.kf-bad{border-left-color:#c62828}\n"
        /* charts: inline SVG, as wide as their box allows */
        ".charts{display:grid;gap:.5em 2em;"
        "grid-template-columns:repeat(auto-fit,minmax(min(100%,24em),1fr))}\n"
        "figure.chart{margin:.4em 0 .6em;min-width:0;max-width:44em}\n"
        "svg.chart{display:block;width:100%;height:auto}\n"
        "svg.chart text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,"
        "Arial,sans-serif;font-size:13px;fill:#1b1b1b}\n"
        "svg.chart .ct{font-size:15px;font-weight:700}\n"
        "svg.chart .lg,svg.chart .pv,svg.chart .xl{font-size:12px}\n"
        "svg.chart .pv,svg.chart .xl{text-anchor:middle}\n"
        "svg.chart .track{fill:#f1f2f4}\n"
        ".f-good{fill:#2e7d32}.f-warn{fill:#e0a100}.f-bad{fill:#c62828}.f-info{fill:#9e9e9e}\n"
        "svg.chart polyline{fill:none;stroke-width:2}\n"
        ".s-good{stroke:#2e7d32}.s-warn{stroke:#e0a100}.s-bad{stroke:#c62828}"
        ".s-info{stroke:#777}\n"
        "svg.chart .axis{stroke:#ccc}\n"
        "details.drill>summary,details.prof>summary{cursor:pointer}\n"
        "details.prof>summary h4{display:inline}\n"
        "details.prof{margin:.6em 0}\n"
        /* for screen readers only: the numbers of a chart */
        ".sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
        "clip:rect(0 0 0 0);clip-path:inset(50%);border:0}\n"
        /* The table of endpoints: scrolling inside its box rather than
         * squeezing; names on one line; the header row and the target
         * column stay in view while it scrolls. */
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
        /* a phone: less padding, the table of endpoints' names may wrap */
        "@media (max-width:600px){body{padding:.6em .7em}h2{margin-top:1.4em}"
        "dl.legend{grid-template-columns:auto}"
        "table.kv th,table.kv td{display:block;border-bottom:0}"
        "table.kv tr:last-child td{border-bottom:1px solid #ccc}}\n"
        /* on paper: the charts whole, a target per page, the table of
         * endpoints on landscape pages of its own */
        "@page{size:A4;margin:12mm}\n"
        "@page wide{size:A4 landscape;margin:10mm}\n"
        "@media print{body{padding:0;font-size:10.5px}#endpoints,#mail-index{page:wide}"
        "a{color:inherit;text-decoration:none}nav.back,nav.toc,.sr{display:none}"
        "figure.chart{break-inside:avoid;max-width:40em}h3{break-after:avoid}"
        ".scroll,.xs{overflow:visible;max-height:none;width:auto;border:0}"
        "#summary-table thead th,#summary-table .tgt{position:static}"
        "#summary-table{font-size:8.5px}#summary-table .v{white-space:normal}"
        "#summary-table td.st,#summary-table td.cert,#summary-table th.profile{min-width:0}"
        "section.target,section.mail{break-before:page}tr{break-inside:avoid}"
        ".v,ul.kf li,svg.chart{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

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
	fputs("<nav class=\"toc\"><ul><li><a href=\"#summary\">Executive summary</a></li>"
	      "<li><a href=\"#plan\">Plan</a></li><li><a href=\"#endpoints\">Endpoints</a>"
	      "</li>",
	      out);
	if (h->ndomains)
		fputs("<li><a href=\"#mail-index\">Mail domains</a></li>", out);
	fputs("</ul></nav>\n</header>\n", out);
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
		hw_exec_summary(h, out);
		hw_plan_section(out, h->plan);
		hw_endpoints_table(h, out);
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
