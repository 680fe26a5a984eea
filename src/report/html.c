/*
 * HTML report: one self-contained page for the people who act on a scan
 * (inline CSS only: no script, no external style sheet, font or image).
 * A header with the counts, a summary table with one row per target and a
 * verdict per profile, then one section per target (id "t<index>", linked
 * from the summary) and one per mail domain (id "m<index>").  It carries
 * the facts of the text report (text.c), organised for reading.
 *
 * Output safety (hostile servers): every string taken from a result, a
 * certificate, an evaluation or the user goes through ta_esc_put() with
 * TA_ESC_HTML (report/escape.h), so it is element text or a quoted
 * attribute value and nothing else; only our own literals and numbers are
 * written raw.  Such text never reaches the style sheet, a tag name, an
 * unquoted attribute or a URL: the only links are "#summary", "#t<index>"
 * and "#m<index>".  Every verdict is written in words; colour only repeats
 * it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cert/cert.h"
#include "cert/ocsp.h"
#include "probe/scan_internal.h"
#include "profile/profile.h"
#include "report/escape.h"
#include "report/report.h"
#include "wire/registry.h"

#define MAX_PROFILE_COLS 64
#define EXPIRY_WARN_DAYS 30

/* ---- writing primitives ---- */

/* Verdict levels; each is a CSS class that only colours words. */
enum level { LV_GOOD, LV_WARN, LV_BAD, LV_INFO };

static const char *const level_class[] = {"good", "warn", "bad", "info"};

static void
esc(FILE *out, const char *s)
{
	ta_esc_put(out, s ? s : "", TA_ESC_HTML);
}

/* Format into a bounded buffer, then escape all of it: for text that mixes
 * our words with result text.  A cut inside a UTF-8 sequence only makes
 * the escaper print the stray bytes as \xNN. */
static void __attribute__((format(printf, 2, 3))) escf(FILE *out, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	esc(out, buf);
}

/* A verdict in words, coloured by level.  words is written raw: only our
 * literals and numbers formatted by us, never result text. */
static void
mark(FILE *out, enum level lv, const char *words)
{
	fprintf(out, "<span class=\"v %s\">%s</span>", level_class[lv], words);
}

/* <tr><th>label</th><td> ... the caller writes the cell, then row_end(). */
static void
row_begin(FILE *out, const char *label)
{
	fprintf(out, "<tr><th scope=\"row\">%s</th><td>", label);
}

static void
row_end(FILE *out)
{
	fputs("</td></tr>\n", out);
}

static void
row(FILE *out, const char *label, const char *value)
{
	row_begin(out, label);
	esc(out, value);
	row_end(out);
}

static void
row_mark(FILE *out, const char *label, enum level lv, const char *words)
{
	row_begin(out, label);
	mark(out, lv, words);
	row_end(out);
}

static void
kv_open(FILE *out)
{
	fputs("<table class=\"kv\">\n", out);
}

static void
kv_close(FILE *out)
{
	fputs("</table>\n", out);
}

static const char *
tri_word(int v, const char *unknown)
{
	return v == TA_YES ? "yes" : v == TA_NO ? "no" : unknown;
}

/* A yes/no fact: the good answer (TA_UNKNOWN when neither is) in green,
 * the other at level miss, unknown neutral. */
static void
row_tri(FILE *out, const char *label, int v, int good, enum level miss, const char *unknown)
{
	enum level lv = v == TA_UNKNOWN || good == TA_UNKNOWN ? LV_INFO
	                : v == good                           ? LV_GOOD
	                                                      : miss;

	row_mark(out, label, lv, tri_word(v, unknown));
}

static void
put_time(FILE *out, int64_t t, const char *fmt)
{
	char buf[40];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, fmt, &tm))
		fputs(buf, out);
	else
		fputs("?", out);
}

static void
put_date(FILE *out, int64_t t)
{
	put_time(out, t, "%Y-%m-%d");
}

/* host:port, with brackets around an IPv6 literal. */
static void
put_endpoint(FILE *out, const struct ta_result *r)
{
	bool v6 = strchr(r->host, ':') != NULL;

	fputs(v6 ? "[" : "", out);
	esc(out, r->host);
	fprintf(out, "%s:%u", v6 ? "]" : "", (unsigned)r->port);
}

/* ---- classification ---- */

static const struct {
	enum level lv;
	const char *word;
} strength_mark[] = {
        [TA_ST_GOOD] = {LV_GOOD, "good"},
        [TA_ST_OK] = {LV_WARN, "ok"},
        [TA_ST_WEAK] = {LV_BAD, "weak"},
};

static const struct ta_suite *
suite_of(int v, uint32_t id)
{
	return v == TA_V_SSL2 ? ta_ssl2_suite_find(id) : ta_suite_find(id);
}

static size_t
weak_suites(const struct ta_result *r)
{
	size_t n = 0;

	for (int v = 0; v < TA_NVER; v++)
		for (size_t i = 0; i < r->ver[v].nsuites; i++)
			if (ta_suite_strength(suite_of(v, r->ver[v].suites[i])) == TA_ST_WEAK)
				n++;
	return n;
}

/* Versions below TLS 1.2 are deprecated (RFC 8996) or broken. */
static bool
obsolete(int v)
{
	return v < TA_V_TLS12;
}

static const struct ta_chain *
chain_of(const struct ta_result *r, size_t i)
{
	const struct ta_chain *ch = r->chains[i].analysis;

	return ch && ch->n > 0 ? ch : NULL;
}

static enum level
validity_level(const struct ta_cert *c)
{
	if (c->expired || c->not_yet_valid)
		return LV_BAD;
	return c->days_left < EXPIRY_WARN_DAYS ? LV_WARN : LV_GOOD;
}

static void
put_days_left(FILE *out, const struct ta_cert *c)
{
	char buf[64];

	if (c->not_yet_valid)
		snprintf(buf, sizeof buf, "not yet valid");
	else if (c->expired)
		snprintf(buf, sizeof buf, "expired (%d days left)", c->days_left);
	else
		snprintf(buf, sizeof buf, "%d days left", c->days_left);
	mark(out, validity_level(c), buf);
}

/* Verdict of one evaluation in words, as the summary shows it. */
static enum level
eval_verdict(const struct ta_eval *e, bool scanned, const char **words)
{
	if (!e || !scanned) {
		*words = !e ? "not evaluated" : "not tested";
		return LV_INFO;
	}
	if (!ta_eval_compliant(e)) {
		*words = "not compliant";
		return LV_BAD;
	}
	*words = ta_eval_complete(e) ? "compliant" : "incomplete";
	return ta_eval_complete(e) ? LV_GOOD : LV_WARN;
}

/* ---- head and header ---- */

static const char style[] =
        "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,"
        "sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;max-width:1280px;"
        "padding:1em 1.5em}\n"
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
        ".mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
        ".v{font-weight:600;padding:0 .3em;border-radius:3px;white-space:nowrap}\n"
        ".good{color:#0a5c27;background:#e1f3e7}\n"
        ".warn{color:#6e4500;background:#fff0cc}\n"
        ".bad{color:#9b1119;background:#fde2e4}\n"
        ".info{color:#333;background:#ececec}\n"
        ".muted{color:#555;font-size:.9em}\n"
        "ul.flat{margin:0;padding-left:1.2em}\n"
        "#summary-table{font-size:.92em}\n"
        "nav.back{font-size:.9em;margin:.5em 0}\n"
        "@media print{body{max-width:none;padding:0;font-size:10.5px}"
        "a{color:inherit;text-decoration:none}nav.back{display:none}"
        "section.target,section.mail{break-before:page}tr{break-inside:avoid}"
        ".v{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void
head(FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"tlsaudit " TA_VERSION_STRING "\">\n"
	      "<title>tlsaudit report</title>\n<style>\n",
	      out);
	fputs(style, out);
	fputs("</style>\n</head>\n<body>\n", out);
}

static void
header(const struct ta_scan *scan, FILE *out)
{
	size_t nt = ta_scan_target_count(scan), nok = 0, nerr = 0, ninc = 0;
	const char *trust = ta_scan_trust_error(scan);
	int64_t now = (int64_t)ta_now();

	for (size_t i = 0; i < nt; i++) {
		const struct ta_result *r = ta_scan_result(scan, i);

		if (!r->ok)
			nerr++;
		else if (r->incomplete)
			ninc++;
		else
			nok++;
	}
	fputs("<header>\n<h1>tlsaudit report</h1>\n<p>tlsaudit " TA_VERSION_STRING
	      ", report written <time datetime=\"",
	      out);
	put_time(out, now, "%Y-%m-%dT%H:%M:%SZ");
	fputs("\">", out);
	put_time(out, now, "%Y-%m-%dT%H:%M:%SZ");
	fprintf(out,
	        "</time> (UTC).</p>\n<p id=\"counts\">%zu target%s: %zu ok, %zu error, %zu "
	        "incomplete",
	        nt, nt == 1 ? "" : "s", nok, nerr, ninc);
	if (ta_scan_mail_count(scan))
		fprintf(out, "; %zu mail domain%s", ta_scan_mail_count(scan),
		        ta_scan_mail_count(scan) == 1 ? "" : "s");
	fputs(".</p>\n", out);
	if (trust) {
		fputs("<p>", out);
		mark(out, LV_WARN, "no trust verdicts");
		fputs(" the trust store did not load (", out);
		esc(out, trust);
		fputs("): certificates were analysed without a trust verdict.</p>\n", out);
	}
	fputs("</header>\n", out);
}

/* ---- summary ---- */

/* The profiles of the summary's columns: every target is evaluated against
 * the same set in the same order; a column's profile comes from the first
 * evaluation that exists. */
static size_t
profile_columns(const struct ta_scan *scan, const struct ta_profile **cols)
{
	size_t ncols = 0;

	for (size_t i = 0; i < ta_scan_target_count(scan); i++) {
		size_t n;
		struct ta_eval *const *ev = ta_report_evals(scan, i, &n);

		if (!ev)
			continue;
		if (n > MAX_PROFILE_COLS)
			n = MAX_PROFILE_COLS;
		if (n > ncols)
			ncols = n;
		for (size_t k = 0; k < n; k++)
			if (!cols[k] && ev[k])
				cols[k] = ta_eval_profile(ev[k]);
	}
	return ncols;
}

static void
summary_status(FILE *out, const struct ta_result *r)
{
	if (!r->ok) {
		mark(out, LV_BAD, "error");
		fputs(" ", out);
		esc(out, r->error);
	} else if (r->incomplete) {
		mark(out, LV_WARN, "incomplete");
		fputs(" ", out);
		esc(out, r->incomplete_reason);
	} else {
		mark(out, LV_GOOD, "ok");
	}
}

static void
summary_protocols(FILE *out, const struct ta_result *r)
{
	int hi = -1, lo = -1;

	for (int v = 0; v < TA_NVER; v++)
		if (r->ver[v].offered) {
			if (lo < 0)
				lo = v;
			hi = v;
		}
	if (hi < 0) {
		fputs("<td>none</td><td>none</td>", out);
		return;
	}
	fputs("<td>", out);
	mark(out, obsolete(hi) ? LV_BAD : LV_GOOD, ta_ver_name(hi));
	fputs("</td><td>", out);
	mark(out, obsolete(lo) ? LV_BAD : LV_GOOD, ta_ver_name(lo));
	if (obsolete(lo))
		fputs(" obsolete", out);
	fputs("</td>", out);
}

static void
summary_weak(FILE *out, const struct ta_result *r)
{
	size_t n = weak_suites(r);
	char buf[48];

	fputs("<td>", out);
	if (n) {
		snprintf(buf, sizeof buf, "yes (%zu)", n);
		mark(out, LV_BAD, buf);
	} else {
		mark(out, LV_GOOD, "no");
	}
	fputs("</td>", out);
}

/* The worst of the served leaves: soonest expiry, any untrusted chain, any
 * name mismatch. */
static void
summary_cert(FILE *out, const struct ta_result *r)
{
	const struct ta_cert *worst = NULL;
	bool untrusted = false, mismatch = false;

	for (size_t i = 0; i < r->nchains; i++) {
		const struct ta_chain *ch = chain_of(r, i);

		if (!ch)
			continue;
		if (!worst || ch->certs[0].days_left < worst->days_left ||
		    ch->certs[0].not_yet_valid)
			worst = &ch->certs[0];
		untrusted |= ch->trusted != 1;
		mismatch |= ch->hostname_match == 0;
	}
	fputs("<td>", out);
	if (!worst) {
		fputs("none analysed</td>", out);
		return;
	}
	put_days_left(out, worst);
	fputs(" ", out);
	mark(out, untrusted ? LV_BAD : LV_GOOD, untrusted ? "not trusted" : "trusted");
	if (mismatch) {
		fputs(" ", out);
		mark(out, LV_BAD, "name mismatch");
	}
	fputs("</td>", out);
}

static void
summary_verdict(FILE *out, const struct ta_eval *e, bool scanned)
{
	const char *words;
	enum level lv = eval_verdict(e, scanned, &words);

	fputs("<td>", out);
	mark(out, lv, words);
	if (e && scanned && lv != LV_GOOD)
		fprintf(out, "<br><span class=\"muted\">%zu fail, %zu warn, %zu untested</span>",
		        ta_eval_count(e, TA_VERDICT_FAIL), ta_eval_count(e, TA_VERDICT_WARN),
		        ta_eval_count(e, TA_VERDICT_CNT));
	fputs("</td>", out);
}

static void
summary_row(const struct ta_scan *scan, size_t i, size_t ncols, FILE *out)
{
	const struct ta_result *r = ta_scan_result(scan, i);
	size_t n = 0;
	struct ta_eval *const *ev = ta_report_evals(scan, i, &n);

	fprintf(out, "<tr><td class=\"num\">%zu</td><td><a href=\"#t%zu\">", i + 1, i);
	put_endpoint(out, r);
	fputs("</a>", out);
	if (r->ip[0]) {
		fputs("<br><span class=\"muted mono\">", out);
		esc(out, r->ip);
		fputs("</span>", out);
	}
	fputs("</td><td>", out);
	esc(out, r->service);
	fputs("</td><td>", out);
	summary_status(out, r);
	fputs("</td>", out);
	if (r->ok) {
		summary_protocols(out, r);
		summary_weak(out, r);
		summary_cert(out, r);
	} else {
		fputs("<td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td>", out);
	}
	for (size_t k = 0; k < ncols; k++)
		summary_verdict(out, ev && k < n ? ev[k] : NULL, r->ok);
	fputs("</tr>\n", out);
}

static void
summary(const struct ta_scan *scan, FILE *out)
{
	const struct ta_profile *cols[MAX_PROFILE_COLS] = {0};
	size_t ncols = profile_columns(scan, cols);

	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", out);
	if (ta_scan_target_count(scan) == 0) {
		fputs("<p>No TLS target was scanned.</p>\n</section>\n", out);
		return;
	}
	fputs("<table id=\"summary-table\">\n<thead><tr><th scope=\"col\">#</th>"
	      "<th scope=\"col\">Target</th><th scope=\"col\">Service</th>"
	      "<th scope=\"col\">Status</th><th scope=\"col\">Highest protocol</th>"
	      "<th scope=\"col\">Lowest protocol</th><th scope=\"col\">Weak suites</th>"
	      "<th scope=\"col\">Certificate</th>",
	      out);
	for (size_t k = 0; k < ncols; k++) {
		fputs("<th scope=\"col\" class=\"profile\">", out);
		esc(out, cols[k] ? ta_profile_id(cols[k]) : "?");
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < ta_scan_target_count(scan); i++)
		summary_row(scan, i, ncols, out);
	fputs("</tbody>\n</table>\n", out);
	fputs("<p class=\"muted\">Weak suites: export, NULL, anonymous, RC4, RC2, DES, 3DES, "
	      "MD5 or SSLv2 suites. A profile is <em>incomplete</em> when no rule failed but "
	      "some could not be tested, and <em>not tested</em> when the scan failed.</p>\n"
	      "</section>\n",
	      out);
}

/* ---- one target ---- */

static void
target_facts(FILE *out, const struct ta_result *r)
{
	const struct ta_starttls_result *st = &r->starttls;

	kv_open(out);
	row_begin(out, "Status");
	summary_status(out, r);
	row_end(out);
	row(out, "Address", r->ip[0] ? r->ip : "none");
	row(out, "Service", r->service);
	if (st->proto[0]) {
		row_begin(out, "STARTTLS");
		esc(out, st->proto);
		fputs(": offered ", out);
		fputs(tri_word(st->offered, "unknown"), out);
		row_end(out);
		if (st->banner[0])
			row(out, "Greeting", st->banner);
		if (st->error[0])
			row(out, "STARTTLS problem", st->error);
		if (st->busy) {
			row_begin(out, "Server busy");
			fprintf(out, "%u time(s); tlsaudit slowed down", st->busy);
			row_end(out);
		}
	}
	row_begin(out, "Connections");
	fprintf(out, "%u (%u failed), %.2f s", r->connections, r->failed_connections,
	        (double)r->duration_ms / 1000.0);
	row_end(out);
	kv_close(out);
}

static void
protocol_status(FILE *out, int v, const struct ta_ver_result *vr)
{
	if (!vr->tested)
		mark(out, LV_INFO, "not tested");
	else if (vr->offered)
		mark(out, obsolete(v) ? LV_BAD : LV_GOOD,
		     obsolete(v) ? "offered (obsolete)" : "offered");
	else
		mark(out, obsolete(v) ? LV_GOOD : LV_INFO, "not offered");
	if (vr->incomplete) {
		fputs(" ", out);
		mark(out, LV_WARN, "incomplete");
	}
}

static void
protocols_table(FILE *out, const struct ta_result *r)
{
	fputs("<h3>Protocols</h3>\n<table class=\"protocols\">\n<thead><tr>"
	      "<th scope=\"col\">Version</th><th scope=\"col\">Status</th>"
	      "<th scope=\"col\">Suites</th><th scope=\"col\">Server order</th>"
	      "<th scope=\"col\">ChaCha20 priority</th></tr></thead>\n<tbody>\n",
	      out);
	for (int v = TA_NVER - 1; v >= 0; v--) {
		const struct ta_ver_result *vr = &r->ver[v];

		fprintf(out, "<tr><th scope=\"row\">%s</th><td>", ta_ver_name(v));
		protocol_status(out, v, vr);
		fprintf(out, "</td><td class=\"num\">%zu</td><td>%s</td><td>%s</td></tr>\n",
		        vr->nsuites,
		        vr->nsuites > 1 ? tri_word(vr->server_order, "unknown") : "n/a",
		        tri_word(vr->chacha_priority, "n/a"));
	}
	fputs("</tbody>\n</table>\n", out);
}

static void
suite_row(FILE *out, int v, size_t i, uint32_t id)
{
	const struct ta_suite *s = suite_of(v, id);
	enum ta_strength st = ta_suite_strength(s);
	bool ssl2 = v == TA_V_SSL2;
	char name[32];

	fprintf(out, "<tr><td class=\"num\">%zu</td><td>", i + 1);
	mark(out, strength_mark[st].lv, strength_mark[st].word);
	fprintf(out,
	        ssl2 ? "</td><td class=\"mono\">0x%06X</td>"
	             : "</td><td class=\"mono\">0x%04X</td>",
	        (unsigned)id);
	/* Unknown suites are named as the JSON report names them. */
	snprintf(name, sizeof name, ssl2 ? "UNKNOWN_0x%06X" : "UNKNOWN_0x%04X", (unsigned)id);
	fputs("<td class=\"mono iana\">", out);
	esc(out, s ? s->iana : name);
	fputs("</td><td class=\"mono\">", out);
	esc(out, s && s->openssl ? s->openssl : "-");
	fprintf(out, "</td><td class=\"num\">%u</td><td>%s</td><td>%s</td></tr>\n",
	        s ? (unsigned)s->bits : 0u, s && (s->flags & TA_SUITE_FS) ? "yes" : "no",
	        s && (s->flags & TA_SUITE_AEAD) ? "yes" : "no");
}

static void
suites_tables(FILE *out, const struct ta_result *r)
{
	for (int v = TA_NVER - 1; v >= 0; v--) {
		const struct ta_ver_result *vr = &r->ver[v];

		if (vr->nsuites == 0)
			continue;
		fprintf(out, "<h4>%s cipher suites (%zu), %s</h4>\n", ta_ver_name(v), vr->nsuites,
		        vr->server_order == TA_YES  ? "in the server's order of preference"
		        : vr->server_order == TA_NO ? "the server follows the client's order"
		                                    : "order unknown");
		fprintf(out,
		        "<table class=\"suites\" data-version=\"%s\">\n<thead><tr>"
		        "<th scope=\"col\">#</th><th scope=\"col\">Strength</th>"
		        "<th scope=\"col\">Code</th><th scope=\"col\">IANA name</th>"
		        "<th scope=\"col\">OpenSSL name</th><th scope=\"col\">Bits</th>"
		        "<th scope=\"col\">Forward secrecy</th><th scope=\"col\">AEAD</th>"
		        "</tr></thead>\n<tbody>\n",
		        ta_ver_name(v));
		for (size_t i = 0; i < vr->nsuites; i++)
			suite_row(out, v, i, vr->suites[i]);
		fputs("</tbody>\n</table>\n", out);
	}
}

static const char *
group_name(uint16_t id)
{
	const struct ta_group *g = ta_group_find(id);

	return g ? g->iana : NULL;
}

static const char *
scheme_name(uint16_t id)
{
	const struct ta_sigscheme *s = ta_sigscheme_find(id);

	return s ? s->iana : NULL;
}

/* IANA names of registry ids, comma-separated; unknown ids in hex. */
static void
id_list(FILE *out, const uint16_t *ids, size_t n, const char *(*name)(uint16_t))
{
	for (size_t i = 0; i < n; i++) {
		const char *s = name(ids[i]);

		fputs(i ? ", " : "", out);
		if (s)
			esc(out, s);
		else
			fprintf(out, "0x%04X", ids[i]);
	}
}

static void
kx_table(FILE *out, const struct ta_result *r)
{
	fputs("<h3>Key exchange and signatures</h3>\n", out);
	kv_open(out);
	if (r->ngroups == 0) {
		row(out, "Groups", r->groups_tested ? "none found" : "not tested");
	}
	for (int k = 0; k < 2; k++) {
		const struct ta_version_groups *gv = k == 0 ? &r->groups13 : &r->groups12;
		char label[48];

		if (gv->vidx < 0 || gv->n == 0)
			continue;
		snprintf(label, sizeof label, "Groups %s", ta_ver_name(gv->vidx));
		row_begin(out, label);
		id_list(out, gv->groups, gv->n, group_name);
		fputs(gv->server_order == TA_YES  ? " (the server's order)"
		      : gv->server_order == TA_NO ? " (the client's order)"
		                                  : " (order unknown)",
		      out);
		row_end(out);
	}
	row(out, "TLS 1.3 HelloRetryRequest", tri_word(r->hrr_seen, "unknown"));
	if (r->dh.bits) {
		row_begin(out, "DH parameters");
		mark(out, r->dh.bits < 2048 ? LV_BAD : LV_GOOD, r->dh.bits < 2048 ? "weak" : "ok");
		fprintf(out, " %u bits, ", r->dh.bits);
		esc(out, r->dh.group);
		fputs(" (no FFDHE group offered)", out);
		row_end(out);
	}
	row_begin(out, "Signature schemes");
	if (r->nsigschemes)
		id_list(out, r->sigschemes, r->nsigschemes, scheme_name);
	else
		fputs("none found", out);
	row_end(out);
	if (r->sig12_tested) {
		row_begin(out, "&#x2003;with TLS 1.2");
		id_list(out, r->sig12, r->nsig12, scheme_name);
		row_end(out);
	}
	if (r->sig13_tested) {
		row_begin(out, "&#x2003;with TLS 1.3");
		id_list(out, r->sig13, r->nsig13, scheme_name);
		row_end(out);
	}
	kv_close(out);
}

/* ---- certificates ---- */

static void
put_validity(FILE *out, const struct ta_cert *c)
{
	put_date(out, c->not_before);
	fputs(" to ", out);
	put_date(out, c->not_after);
	fputs(" ", out);
	put_days_left(out, c);
	fprintf(out, " %d-day lifetime", c->lifetime_days);
}

static void
put_key(FILE *out, const struct ta_cert *c)
{
	esc(out, c->key_type);
	fprintf(out, " %d bits", c->key_bits);
	if (c->curve[0]) {
		fputs(" ", out);
		esc(out, c->curve);
	}
	if (c->weak_key) {
		fputs(" ", out);
		mark(out, LV_BAD, "weak key");
	}
}

static void
put_sigalg(FILE *out, const struct ta_cert *c)
{
	esc(out, c->signature_algorithm);
	if (c->sha1_signature) {
		fputs(" ", out);
		mark(out, LV_BAD, "SHA-1/MD5 signature");
	}
}

static void
string_list(FILE *out, char *const *v, size_t n)
{
	if (n == 0) {
		fputs("none", out);
		return;
	}
	fputs("<ul class=\"flat\">", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<li>", out);
		esc(out, v[i]);
		fputs("</li>", out);
	}
	fputs("</ul>", out);
}

static void
cert_rows(FILE *out, const struct ta_cert *c)
{
	row(out, "Subject", c->subject);
	row(out, "Issuer", c->issuer);
	row(out, "Serial", c->serial);
	row_begin(out, "Key");
	put_key(out, c);
	row_end(out);
	row_begin(out, "Signature");
	put_sigalg(out, c);
	row_end(out);
	row_begin(out, "Validity");
	put_validity(out, c);
	row_end(out);
	row_begin(out, "Kind");
	fputs(c->is_ca ? "CA" : "end entity", out);
	if (c->self_signed)
		fputs(", self-signed", out);
	row_end(out);
	row(out, "Key usage", c->key_usage[0] ? c->key_usage : "none");
	row(out, "Extended key usage", c->ext_key_usage[0] ? c->ext_key_usage : "none");
	row(out, "SHA-256 fingerprint", c->sha256);
}

static void
ocsp_row(FILE *out, const struct ta_served_chain *sc)
{
	struct ta_ocsp oc;

	row_begin(out, "OCSP stapled");
	if (!sc->ocsp) {
		fputs("no", out);
		row_end(out);
		return;
	}
	/* A response that does not parse still says so in oc. */
	(void)ta_ocsp_parse(sc->ocsp, sc->ocsp_len, &oc);
	fputs("yes: ", out);
	esc(out, oc.response_status);
	if (oc.valid) {
		fputs(", certificate ", out);
		mark(out,
		     strcmp(oc.cert_status, "good") == 0      ? LV_GOOD
		     : strcmp(oc.cert_status, "revoked") == 0 ? LV_BAD
		                                              : LV_WARN,
		     strcmp(oc.cert_status, "good") == 0      ? "good"
		     : strcmp(oc.cert_status, "revoked") == 0 ? "revoked"
		                                              : "unknown");
	}
	if (oc.next_update) {
		fputs(", next update ", out);
		put_date(out, oc.next_update);
	}
	row_end(out);
}

static void
chain_rows(FILE *out, const struct ta_served_chain *sc, const struct ta_chain *ch)
{
	const struct ta_cert *leaf = &ch->certs[0];

	row_begin(out, "Host name");
	if (ch->hostname_match < 0)
		mark(out, LV_INFO, "not checked");
	else
		mark(out, ch->hostname_match ? LV_GOOD : LV_BAD,
		     ch->hostname_match ? "match" : "no match");
	row_end(out);
	row_begin(out, "Trust");
	mark(out, ch->trusted == 1 ? LV_GOOD : LV_BAD,
	     ch->trusted == 1 ? "trusted" : "not trusted");
	if (ch->trusted != 1) {
		fputs(" ", out);
		esc(out, ch->trust_error);
	}
	row_end(out);
	row_begin(out, "Chain");
	fprintf(out, "%zu certificate%s sent; order ", ch->n, ch->n == 1 ? "" : "s");
	mark(out, ch->order_ok ? LV_GOOD : LV_BAD, ch->order_ok ? "correct" : "wrong");
	fputs("; ", out);
	mark(out, ch->complete ? LV_GOOD : LV_BAD, ch->complete ? "complete" : "incomplete");
	if (ch->sha1_in_chain) {
		fputs("; ", out);
		mark(out, LV_BAD, "SHA-1 inside");
	}
	if (ch->has_anchor_in_chain)
		fputs("; the root was sent too", out);
	row_end(out);
	ocsp_row(out, sc);
	row(out, "OCSP must-staple", leaf->must_staple ? "yes" : "no");
	row_begin(out, "OCSP URLs");
	string_list(out, leaf->ocsp_urls, leaf->nocsp);
	row_end(out);
	row_begin(out, "CRL URLs");
	string_list(out, leaf->crl_urls, leaf->ncrl);
	row_end(out);
	row_begin(out, "SCTs");
	fprintf(out, "%d embedded", leaf->sct_count);
	row_end(out);
}

static void
chain_table(FILE *out, const struct ta_chain *ch)
{
	if (ch->n < 2)
		return;
	fputs("<table class=\"chain\">\n<thead><tr><th scope=\"col\">#</th>"
	      "<th scope=\"col\">Subject</th><th scope=\"col\">Issuer</th>"
	      "<th scope=\"col\">Key</th><th scope=\"col\">Signature</th>"
	      "<th scope=\"col\">Validity</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t k = 1; k < ch->n; k++) {
		const struct ta_cert *c = &ch->certs[k];

		fprintf(out, "<tr><td class=\"num\">%zu</td><td>", k + 1);
		esc(out, c->subject);
		fputs("</td><td>", out);
		esc(out, c->issuer);
		fputs("</td><td>", out);
		put_key(out, c);
		fputs("</td><td>", out);
		put_sigalg(out, c);
		fputs("</td><td>", out);
		put_validity(out, c);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void
certificates(FILE *out, const struct ta_result *r)
{
	bool any = false;

	fputs("<h3>Certificates</h3>\n", out);
	for (size_t i = 0; i < r->nchains; i++) {
		const struct ta_served_chain *sc = &r->chains[i];
		const struct ta_chain *ch = chain_of(r, i);

		if (!ch)
			continue;
		any = true;
		fprintf(out, "<h4>Certificate %zu</h4>\n<p class=\"muted\">Served for: ", i + 1);
		for (size_t k = 0; k < sc->nhow && k < 4; k++) {
			fputs(k ? "; " : "", out);
			esc(out, sc->how[k]);
		}
		fputs("</p>\n", out);
		kv_open(out);
		cert_rows(out, &ch->certs[0]);
		row_begin(out, "Alternative names");
		string_list(out, ch->certs[0].san, ch->certs[0].nsan);
		row_end(out);
		chain_rows(out, sc, ch);
		kv_close(out);
		chain_table(out, ch);
	}
	if (!any)
		fputs("<p>No certificate was analysed.</p>\n", out);
}

/* ---- features, HTTP, DNS, notes ---- */

static void
features(FILE *out, const struct ta_features *f)
{
	/* good: the answer a careful server gives (TA_UNKNOWN: neither);
	 * miss: how much the other answer matters. */
	static const struct {
		const char *name;
		size_t off;
		int good;
		enum level miss;
	} rows[] = {
	        {"OCSP stapling", offsetof(struct ta_features, ocsp_stapling), TA_YES, LV_WARN},
	        {"Secure renegotiation", offsetof(struct ta_features, secure_renegotiation), TA_YES,
	         LV_BAD},
	        {"Client-initiated renegotiation",
	         offsetof(struct ta_features, client_renegotiation), TA_NO, LV_BAD},
	        {"Fallback SCSV", offsetof(struct ta_features, fallback_scsv), TA_YES, LV_WARN},
	        {"TLS compression", offsetof(struct ta_features, compression), TA_NO, LV_BAD},
	        {"Session ID resumption", offsetof(struct ta_features, session_id_resumption),
	         TA_UNKNOWN, LV_INFO},
	        {"Session ticket resumption", offsetof(struct ta_features, session_ticket),
	         TA_UNKNOWN, LV_INFO},
	        {"Session ticket extension", offsetof(struct ta_features, ticket_extension),
	         TA_UNKNOWN, LV_INFO},
	        {"TLS 1.3 tickets", offsetof(struct ta_features, tls13_tickets), TA_UNKNOWN,
	         LV_INFO},
	        {"TLS 1.3 resumption", offsetof(struct ta_features, tls13_resumption), TA_UNKNOWN,
	         LV_INFO},
	        {"Extended master secret", offsetof(struct ta_features, extended_master_secret),
	         TA_YES, LV_WARN},
	        {"Encrypt-then-MAC", offsetof(struct ta_features, encrypt_then_mac), TA_UNKNOWN,
	         LV_INFO},
	        {"Heartbeat", offsetof(struct ta_features, heartbeat), TA_NO, LV_WARN},
	        {"0-RTT early data", offsetof(struct ta_features, early_data), TA_NO, LV_WARN},
	};

	if (!f->tested)
		return;
	fputs("<h3>Handshake features</h3>\n", out);
	kv_open(out);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int v = *(const int *)((const char *)f + rows[i].off);

		row_tri(out, rows[i].name, v, rows[i].good, rows[i].miss, "not tested");
	}
	if (f->early_data == TA_YES) {
		row_begin(out, "Max early data");
		fprintf(out, "%u bytes", f->max_early_data);
		row_end(out);
	}
	row_begin(out, "Record size limit");
	if (f->record_size_limit >= 0)
		fprintf(out, "%d", f->record_size_limit);
	else
		fputs(f->record_size_limit == -1 ? "none" : "not tested", out);
	row_end(out);
	row_begin(out, "ALPN");
	if (!f->alpn_tested)
		fputs("not tested", out);
	else if (f->nalpn == 0)
		fputs("none", out);
	for (size_t i = 0; i < f->nalpn && i < 8; i++) {
		fputs(i ? ", " : "", out);
		esc(out, f->alpn[i]);
	}
	row_end(out);
	if (f->npn_tested)
		row(out, "NPN", f->npn[0] ? f->npn : "none");
	kv_close(out);
}

static void
http_redirect(FILE *out, const struct ta_http_result *h)
{
	row_begin(out, "HTTP to HTTPS redirect");
	fprintf(out, "port %u: ", (unsigned)h->http_port);
	if (h->redirect_to_https == TA_YES) {
		mark(out, LV_GOOD, "yes");
		escf(out, " (%d to %s)", h->http_status, h->redirect_location);
	} else if (h->redirect_to_https == TA_NO) {
		mark(out, LV_BAD, "no");
		escf(out, " (status %d%s%s)", h->http_status,
		     h->redirect_location[0] ? ", Location " : "", h->redirect_location);
	} else {
		mark(out, LV_INFO, "unknown");
		escf(out, " (%s)", h->http_error[0] ? h->http_error : "no answer");
	}
	row_end(out);
}

static void
http_hsts(FILE *out, const struct ta_http_result *h)
{
	row_begin(out, "HSTS");
	if (!h->hsts_present) {
		mark(out, LV_BAD, "none");
	} else if (!h->hsts.valid) {
		mark(out, LV_BAD, "invalid");
		fputs(" ", out);
		esc(out, h->hsts.error);
	} else {
		mark(out, LV_GOOD, "yes");
		fprintf(out, " max-age=%lld%s%s", (long long)h->hsts.max_age,
		        h->hsts.include_subdomains ? "; includeSubDomains" : "",
		        h->hsts.preload ? "; preload" : "");
	}
	row_end(out);
}

static void
http(FILE *out, const struct ta_http_result *h)
{
	if (!h->tested)
		return;
	fputs("<h3>HTTP</h3>\n", out);
	kv_open(out);
	row_begin(out, "HTTPS GET /");
	if (h->error[0]) {
		mark(out, LV_WARN, "failed");
		fputs(" ", out);
		esc(out, h->error);
	} else {
		fprintf(out, "status %d", h->https_status);
	}
	row_end(out);
	http_redirect(out, h);
	http_hsts(out, h);
	row_begin(out, "Content-Security-Policy");
	mark(out,
	     h->csp == TA_YES  ? LV_GOOD
	     : h->csp == TA_NO ? LV_WARN
	                       : LV_INFO,
	     tri_word(h->csp, "unknown"));
	if (h->csp_report_only)
		fputs(" (report-only)", out);
	row_end(out);
	if (h->csp_value[0])
		row(out, "&#x2003;policy", h->csp_value);
	row_begin(out, "HTTP compression");
	mark(out,
	     h->compression == TA_YES  ? LV_WARN
	     : h->compression == TA_NO ? LV_GOOD
	                               : LV_INFO,
	     tri_word(h->compression, "unknown"));
	if (h->content_encoding[0])
		escf(out, " (%s, BREACH exposure if secrets are reflected)", h->content_encoding);
	row_end(out);
	kv_close(out);
}

static void
dns(FILE *out, const struct ta_dns_result *d)
{
	if (!d->tested)
		return;
	fputs("<h3>DNS</h3>\n", out);
	kv_open(out);
	if (d->error[0]) {
		row(out, "CAA lookup failed", d->error);
	} else if (d->ncaa == 0) {
		row_mark(out, "CAA", LV_WARN, "none (any CA may issue)");
	} else {
		row(out, "CAA set at", d->caa_domain);
		row_begin(out, "CAA records");
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < d->ncaa && i < TA_MAX_CAA; i++) {
			fputs("<li class=\"mono\">", out);
			escf(out, "%u %s \"%s\"", d->caa[i].flags, d->caa[i].tag, d->caa[i].value);
			fputs("</li>", out);
		}
		fputs("</ul>", out);
		if (d->caa_truncated)
			fputs(" (more records than shown)", out);
		row_end(out);
	}
	kv_close(out);
}

static void
notes(FILE *out, const struct ta_result *r)
{
	if (r->nnotes == 0)
		return;
	fputs("<h3>Notes</h3>\n<ul>\n", out);
	for (size_t i = 0; i < r->nnotes && i < TA_MAX_NOTES; i++) {
		fputs("<li>", out);
		esc(out, r->notes[i]);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* ---- profiles ---- */

/* Rules are listed worst first; within a verdict, in profile order. */
static const struct {
	enum ta_verdict v;
	enum level lv;
	const char *word;
} rule_order[] = {
        {TA_VERDICT_FAIL, LV_BAD, "fail"},           {TA_VERDICT_WARN, LV_WARN, "warning"},
        {TA_VERDICT_CNT, LV_INFO, "could not test"}, {TA_VERDICT_PASS, LV_GOOD, "pass"},
        {TA_VERDICT_NA, LV_INFO, "not applicable"},
};

static void
rule_row(FILE *out, const struct ta_eval *e, size_t i, size_t o)
{
	fputs("<tr><td>", out);
	mark(out, rule_order[o].lv, rule_order[o].word);
	fputs("</td><td class=\"mono\">", out);
	esc(out, ta_eval_rule_id(e, i));
	fputs("</td><td>", out);
	esc(out, ta_eval_rule_evidence(e, i));
	fputs("</td><td>", out);
	esc(out, ta_eval_rule_remediation(e, i));
	fputs("</td></tr>\n", out);
}

static void
profile_block(FILE *out, const struct ta_eval *e)
{
	const struct ta_profile *p = ta_eval_profile(e);
	const char *words;
	enum level lv = eval_verdict(e, true, &words);

	fputs("<h4>", out);
	esc(out, ta_profile_id(p));
	fputs(" (", out);
	esc(out, ta_profile_title(p));
	fputs(") ", out);
	mark(out, lv, words);
	fprintf(out,
	        "</h4>\n<p class=\"muted\">%zu pass, %zu warn, %zu fail, %zu could not test, "
	        "%zu not applicable</p>\n",
	        ta_eval_count(e, TA_VERDICT_PASS), ta_eval_count(e, TA_VERDICT_WARN),
	        ta_eval_count(e, TA_VERDICT_FAIL), ta_eval_count(e, TA_VERDICT_CNT),
	        ta_eval_count(e, TA_VERDICT_NA));
	fputs("<table class=\"rules\">\n<thead><tr><th scope=\"col\">Verdict</th>"
	      "<th scope=\"col\">Rule</th><th scope=\"col\">Evidence</th>"
	      "<th scope=\"col\">Remediation</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t o = 0; o < sizeof rule_order / sizeof rule_order[0]; o++)
		for (size_t i = 0; i < ta_eval_nrules(e); i++)
			if (ta_eval_rule_verdict(e, i) == rule_order[o].v)
				rule_row(out, e, i, o);
	fputs("</tbody>\n</table>\n", out);
}

static void
profiles(const struct ta_scan *scan, size_t t, FILE *out)
{
	size_t n;
	struct ta_eval *const *ev = ta_report_evals(scan, t, &n);

	fputs("<h3>Profiles</h3>\n", out);
	if (!ta_scan_result(scan, t)->ok) {
		fputs("<p>Not evaluated: the scan of this target failed.</p>\n", out);
		return;
	}
	if (!ev || n == 0) {
		fputs("<p>No profile could be evaluated.</p>\n", out);
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (ev[k])
			profile_block(out, ev[k]);
}

static void
target_section(const struct ta_scan *scan, size_t i, FILE *out)
{
	const struct ta_result *r = ta_scan_result(scan, i);

	fprintf(out, "<section class=\"target\" id=\"t%zu\">\n<h2>%zu. ", i, i + 1);
	put_endpoint(out, r);
	fputs("</h2>\n<nav class=\"back\"><a href=\"#summary\">back to the summary</a></nav>\n",
	      out);
	target_facts(out, r);
	if (r->ok) {
		protocols_table(out, r);
		suites_tables(out, r);
		kx_table(out, r);
		certificates(out, r);
		features(out, &r->features);
		http(out, &r->http);
		dns(out, &r->dns);
	}
	notes(out, r);
	profiles(scan, i, out);
	fputs("</section>\n", out);
}

/* ---- mail domains ---- */

static void
tlsa_list(FILE *out, const struct ta_mail_mx *x)
{
	fputs("<ul class=\"flat\">", out);
	for (size_t k = 0; k < x->ntlsa && k < TA_MAIL_MAX_TLSA; k++) {
		const struct ta_tlsa *t = &x->tlsa[k];

		fprintf(out, "<li class=\"mono\">%u %u %u ", t->usage, t->selector, t->mtype);
		for (size_t b = 0; b < t->len && b < TA_MAIL_TLSA_DATA; b++)
			fprintf(out, "%02x", t->data[b]);
		fputs(t->rawlen > t->len ? "&hellip; (cut)</li>" : "</li>", out);
	}
	fputs("</ul>", out);
}

static void
mx_dane(FILE *out, const struct ta_mail_mx *x)
{
	if (x->tlsa_error[0]) {
		mark(out, LV_WARN, "lookup failed");
		fputs(" ", out);
		esc(out, x->tlsa_error);
		return;
	}
	if (x->ntlsa == 0) {
		mark(out, LV_INFO, "no TLSA records");
		return;
	}
	fprintf(out, "%zu TLSA record%s, %s; match: ", x->ntlsa, x->ntlsa == 1 ? "" : "s",
	        x->tlsa_ad ? "the resolver says validated" : "not validated");
	mark(out,
	     x->dane_match == TA_YES  ? LV_GOOD
	     : x->dane_match == TA_NO ? LV_BAD
	                              : LV_INFO,
	     tri_word(x->dane_match, "unknown"));
	if (x->dane_detail[0]) {
		fputs("<br>", out);
		esc(out, x->dane_detail);
	}
	tlsa_list(out, x);
}

static void
mx_table(FILE *out, const struct ta_mail_result *m)
{
	if (m->nmx == 0)
		return;
	fputs("<table class=\"mx\">\n<thead><tr><th scope=\"col\">Preference</th>"
	      "<th scope=\"col\">MX host</th><th scope=\"col\">In MTA-STS policy</th>"
	      "<th scope=\"col\">DANE</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t i = 0; i < m->nmx && i < TA_MAIL_MAX_MX; i++) {
		const struct ta_mail_mx *x = &m->mx[i];

		fprintf(out, "<tr><td class=\"num\">%u</td><td class=\"mono\">", x->preference);
		esc(out, x->host);
		fputs("</td><td>", out);
		if (x->sts_match == TA_UNKNOWN)
			fputs("n/a", out);
		else
			mark(out, x->sts_match == TA_YES ? LV_GOOD : LV_BAD,
			     tri_word(x->sts_match, "n/a"));
		fputs("</td><td>", out);
		mx_dane(out, x);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void
mail_sts(FILE *out, const struct ta_mail_result *m)
{
	row_begin(out, "MTA-STS");
	if (!m->sts_record && !m->sts_error[0]) {
		mark(out, LV_WARN, "no record");
	} else if (m->sts_policy) {
		mark(out, strcmp(m->sts_mode, "enforce") == 0 ? LV_GOOD : LV_WARN, "policy");
		escf(out, " id %s, mode %s, max_age %u; mx patterns:", m->sts_id, m->sts_mode,
		     m->sts_max_age);
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < m->nsts_mx && i < 16; i++) {
			fputs("<li class=\"mono\">", out);
			esc(out, m->sts_mx[i]);
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	} else {
		fputs("record found, no usable policy", out);
	}
	row_end(out);
	if (m->sts_error[0])
		row(out, "MTA-STS problem", m->sts_error);
}

static void
mail_rpt(FILE *out, const struct ta_mail_result *m)
{
	row_begin(out, "TLS-RPT");
	if (m->rpt_record && !m->rpt_error[0]) {
		fprintf(out, "%zu report address%s", m->nrpt_rua, m->nrpt_rua == 1 ? "" : "es");
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < m->nrpt_rua && i < 8; i++) {
			fputs("<li class=\"mono\">", out);
			esc(out, m->rpt_rua[i]);
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	} else if (m->rpt_error[0]) {
		mark(out, LV_WARN, "problem");
		fputs(" ", out);
		esc(out, m->rpt_error);
	} else {
		mark(out, LV_WARN, "no record");
	}
	row_end(out);
}

static void
mail_section(const struct ta_mail_result *m, size_t i, FILE *out)
{
	fprintf(out, "<section class=\"mail\" id=\"m%zu\">\n<h2>Mail domain ", i);
	esc(out, m->domain);
	fputs("</h2>\n", out);
	kv_open(out);
	if (m->error[0])
		row(out, "MX lookup failed", m->error);
	if (m->null_mx)
		row(out, "MX", "null MX (RFC 7505): the domain accepts no mail");
	if (m->implicit_mx)
		row(out, "MX", "none: mail goes to the domain itself (RFC 5321 5.1)");
	if (m->nmx && !m->implicit_mx) {
		row_begin(out, "MX");
		fprintf(out, "%zu host%s (below)", m->nmx, m->nmx == 1 ? "" : "s");
		row_end(out);
	}
	mail_sts(out, m);
	mail_rpt(out, m);
	kv_close(out);
	mx_table(out, m);
	fputs("</section>\n", out);
}

static void
mail_index(const struct ta_scan *scan, FILE *out)
{
	if (ta_scan_mail_count(scan) == 0)
		return;
	fputs("<nav id=\"mail-index\"><h2>Mail domains</h2>\n<ul>\n", out);
	for (size_t i = 0; i < ta_scan_mail_count(scan); i++) {
		fprintf(out, "<li><a href=\"#m%zu\">", i);
		esc(out, ta_scan_mail(scan, i)->domain);
		fputs("</a></li>\n", out);
	}
	fputs("</ul>\n</nav>\n", out);
}

int
ta_report_html(const struct ta_scan *scan, FILE *out)
{
	head(out);
	header(scan, out);
	fputs("<main>\n", out);
	summary(scan, out);
	mail_index(scan, out);
	for (size_t i = 0; i < ta_scan_mail_count(scan); i++)
		mail_section(ta_scan_mail(scan, i), i, out);
	for (size_t i = 0; i < ta_scan_target_count(scan); i++)
		target_section(scan, i, out);
	fputs("</main>\n</body>\n</html>\n", out);
	return ferror(out) ? TA_ESYS : TA_OK;
}
