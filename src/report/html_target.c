/*
 * HTML report: the section of one target (id "t<index>"), rendered from its
 * document (an element of "targets", docs/schema/scan.schema.json): facts,
 * protocols, suites per version, key exchange, certificates, handshake
 * features (model/facts.h), HTTP, DNS, notes, and every profile's rules.
 * Every string of the document is escaped (html_int.h).  The certificates
 * are html_cert.c's (html_cert.h).
 */
#include <stdio.h>
#include <string.h>

#include "model/facts.h"
#include "report/html_cert.h"
#include "report/html_int.h"
#include "tlsaudit.h"

/* ---- facts of the target ---- */

static void
target_facts(FILE *out, const json_t *t)
{
	const json_t *st = json_object_get(t, "starttls");

	hw_kv_open(out);
	hw_row_begin(out, "Status");
	hw_status(out, hw_str(t, "status"), hw_str(t, "error"), hw_true(t, "incomplete"),
	          hw_str(t, "incomplete_reason"));
	hw_row_end(out);
	hw_row(out, "Address", hw_nstr(t, "ip") ? hw_nstr(t, "ip") : "none");
	hw_row(out, "Service", hw_str(t, "service"));
	if (json_is_object(st)) {
		hw_row_begin(out, "STARTTLS");
		hw_esc(out, hw_str(st, "protocol"));
		fputs(": offered ", out);
		fputs(hw_tri_word(hw_tri(st, "offered"), "unknown"), out);
		hw_row_end(out);
		if (hw_nstr(st, "banner"))
			hw_row(out, "Greeting", hw_nstr(st, "banner"));
		if (hw_nstr(st, "error"))
			hw_row(out, "STARTTLS problem", hw_nstr(st, "error"));
		if (hw_int(st, "busy_replies", 0) > 0) {
			hw_row_begin(out, "Server busy");
			fprintf(out, "%lld time(s); tlsaudit slowed down",
			        hw_int(st, "busy_replies", 0));
			hw_row_end(out);
		}
	}
	hw_row_begin(out, "Connections");
	fprintf(out, "%lld (%lld failed), %.2f s", hw_int(t, "connections", 0),
	        hw_int(t, "failed_connections", 0), (double)hw_int(t, "duration_ms", 0) / 1000.0);
	hw_row_end(out);
	hw_kv_close(out);
}

/* ---- protocols and suites ---- */

static bool
obsolete(int v)
{
	return v < HW_V_TLS12;
}

/* A version's probe ran (documents without "tested": when it is offered). */
static bool
ver_tested(const json_t *p)
{
	const json_t *x = json_object_get(p, "tested");

	return json_is_boolean(x) ? json_is_true(x) : hw_true(p, "offered");
}

static void
protocol_status(FILE *out, int v, const json_t *p)
{
	bool offered = hw_true(p, "offered");

	if (!ver_tested(p))
		hw_mark(out, HW_INFO, "not tested");
	else if (offered)
		hw_mark(out, obsolete(v) ? HW_BAD : HW_GOOD,
		        obsolete(v) ? "offered (obsolete)" : "offered");
	else
		hw_mark(out, obsolete(v) ? HW_GOOD : HW_INFO, "not offered");
	if (ver_tested(p) && json_is_false(json_object_get(p, "complete"))) {
		fputs(" ", out);
		hw_mark(out, HW_WARN, "incomplete");
	}
}

static void
protocols_table(FILE *out, const json_t *protos)
{
	fputs("<h3>Protocols</h3>\n<div class=\"xs\"><table class=\"protocols\">\n<thead><tr>"
	      "<th scope=\"col\">Version</th><th scope=\"col\">Status</th>"
	      "<th scope=\"col\">Suites</th><th scope=\"col\">Server order</th>"
	      "<th scope=\"col\">ChaCha20 priority</th></tr></thead>\n<tbody>\n",
	      out);
	for (int v = HW_NVER - 1; v >= 0; v--) {
		const json_t *p = json_object_get(protos, hw_versions[v]);
		size_t n = hw_len(p, "cipher_suites");

		fprintf(out, "<tr><th scope=\"row\">%s</th><td>", hw_versions[v]);
		protocol_status(out, v, p);
		fprintf(out, "</td><td class=\"num\">%zu</td><td>%s</td><td>%s</td></tr>\n", n,
		        n > 1 ? hw_tri_word(hw_tri(p, "server_order"), "unknown") : "n/a",
		        hw_tri_word(hw_tri(p, "chacha20_priority"), "n/a"));
	}
	fputs("</tbody>\n</table></div>\n", out);
}

static void
suite_row(FILE *out, size_t i, const json_t *name, const json_t *d)
{
	const char *st = hw_str(d, "strength");
	enum hw_level lv = !st                       ? HW_INFO
	                   : strcmp(st, "good") == 0 ? HW_GOOD
	                   : strcmp(st, "ok") == 0   ? HW_WARN
	                                             : HW_BAD;
	const char *word = !st                       ? "unknown"
	                   : strcmp(st, "good") == 0 ? "good"
	                   : strcmp(st, "ok") == 0   ? "ok"
	                                             : "weak";

	fprintf(out, "<tr><td class=\"num\">%zu</td><td>", i + 1);
	hw_mark(out, lv, word);
	fputs("</td><td class=\"mono\">", out);
	hw_esc(out, hw_str(d, "id") ? hw_str(d, "id") : "?");
	/* The name as cipher_suites has it (UNKNOWN_0x... for unknown ids). */
	fputs("</td><td class=\"mono iana\">", out);
	hw_jesc(out, json_is_string(name) ? name : json_object_get(d, "iana"));
	fputs("</td><td class=\"mono\">", out);
	hw_esc(out, hw_nstr(d, "openssl") ? hw_nstr(d, "openssl") : "-");
	fprintf(out, "</td><td class=\"num\">%lld</td><td>%s</td><td>%s</td></tr>\n",
	        hw_int(d, "bits", 0), hw_true(d, "forward_secrecy") ? "yes" : "no",
	        hw_true(d, "aead") ? "yes" : "no");
}

static void
suites_tables(FILE *out, const json_t *protos)
{
	for (int v = HW_NVER - 1; v >= 0; v--) {
		const json_t *p = json_object_get(protos, hw_versions[v]);
		const json_t *names = hw_arr(p, "cipher_suites");
		const json_t *det = hw_arr(p, "cipher_suite_details");
		size_t n = json_array_size(names);
		int order = hw_tri(p, "server_order");

		if (n == 0)
			continue;
		fprintf(out, "<h4>%s cipher suites (%zu), %s</h4>\n", hw_versions[v], n,
		        order == TA_YES  ? "in the server's order of preference"
		        : order == TA_NO ? "the server follows the client's order"
		                         : "order unknown");
		fprintf(out,
		        "<div class=\"xs\"><table class=\"suites\" "
		        "data-version=\"%s\">\n<thead><tr>"
		        "<th scope=\"col\">#</th><th scope=\"col\">Strength</th>"
		        "<th scope=\"col\">Code</th><th scope=\"col\">IANA name</th>"
		        "<th scope=\"col\">OpenSSL name</th><th scope=\"col\">Bits</th>"
		        "<th scope=\"col\">Forward secrecy</th><th scope=\"col\">AEAD</th>"
		        "</tr></thead>\n<tbody>\n",
		        hw_versions[v]);
		for (size_t i = 0; i < n; i++)
			suite_row(out, i, json_array_get(names, i), json_array_get(det, i));
		fputs("</tbody>\n</table></div>\n", out);
	}
}

/* ---- key exchange ---- */

/* Names of a string array, comma-separated, each escaped. */
static void
name_list(FILE *out, const json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		fputs(i ? ", " : "", out);
		hw_jesc(out, json_array_get(a, i));
	}
}

static void
kx_table(FILE *out, const json_t *t)
{
	const json_t *gbv = json_object_get(t, "groups_by_version");
	const json_t *sbv = json_object_get(t, "signature_schemes_by_version");
	const json_t *dh = json_object_get(t, "dh");
	const char *k;
	const json_t *g;

	fputs("<h3>Key exchange and signatures</h3>\n", out);
	hw_kv_open(out);
	if (hw_len(t, "groups") == 0)
		hw_row(out, "Groups", "none found");
	json_object_foreach ((json_t *)gbv, k, g) {
		int order = hw_tri(g, "server_order");

		if (hw_len(g, "groups") == 0)
			continue;
		fputs("<tr><th scope=\"row\">Groups ", out);
		hw_esc(out, k);
		fputs("</th><td>", out);
		name_list(out, hw_arr(g, "groups"));
		fputs(order == TA_YES  ? " (the server's order)"
		      : order == TA_NO ? " (the client's order)"
		                       : " (order unknown)",
		      out);
		hw_row_end(out);
	}
	hw_row(out, "TLS 1.3 HelloRetryRequest",
	       hw_tri_word(hw_tri(t, "tls13_hello_retry_request"), "unknown"));
	if (json_is_object(dh)) {
		long long bits = hw_int(dh, "bits", 0);

		hw_row_begin(out, "DH parameters");
		hw_mark(out, bits < 2048 ? HW_BAD : HW_GOOD, bits < 2048 ? "weak" : "ok");
		fprintf(out, " %lld bits, ", bits);
		hw_esc(out, hw_str(dh, "group"));
		fputs(json_is_true(json_object_get(dh, "only_with_ffdhe"))
		              ? " (no prime of its own: DHE only with an RFC 7919 group the client "
		                "offers; the smallest it accepts)"
		              : " (no FFDHE group offered)",
		      out);
		hw_row_end(out);
	}
	hw_row_begin(out, "Signature schemes");
	if (hw_len(t, "signature_schemes"))
		name_list(out, hw_arr(t, "signature_schemes"));
	else
		fputs("none found", out);
	hw_row_end(out);
	/* The document does not say whether a version's schemes were probed:
	 * a version's row is shown when it has some. */
	if (hw_len(sbv, "TLSv1.2")) {
		hw_row_begin(out, "&#x2003;with TLS 1.2");
		name_list(out, hw_arr(sbv, "TLSv1.2"));
		hw_row_end(out);
	}
	if (hw_len(sbv, "TLSv1.3")) {
		hw_row_begin(out, "&#x2003;with TLS 1.3");
		name_list(out, hw_arr(sbv, "TLSv1.3"));
		hw_row_end(out);
	}
	hw_kv_close(out);
}

/* ---- handshake features: one row per entry of model/facts.h ---- */

/* Missing these is a real weakness (renegotiation attacks, CRIME); the
 * other features' wrong answers are warnings.  Shown only as colour. */
static bool
fact_serious(const char *key)
{
	return strcmp(key, "secure_renegotiation") == 0 ||
	       strcmp(key, "client_renegotiation") == 0 || strcmp(key, "compression") == 0;
}

static void
fact_label(FILE *out, const char *label)
{
	/* our literal, first letter capitalised for a row heading */
	fprintf(out, "<tr><th scope=\"row\">%c%s</th><td>",
	        label[0] >= 'a' && label[0] <= 'z' ? label[0] - 'a' + 'A' : label[0], label + 1);
}

static void
fact_value(FILE *out, const struct ta_fact *fa, const json_t *f)
{
	const json_t *v = json_object_get(f, fa->key);

	switch (fa->type) {
	case TA_FACT_TRI: {
		int x = json_is_true(v) ? TA_YES : json_is_false(v) ? TA_NO : TA_UNKNOWN;
		enum hw_level lv = x == TA_UNKNOWN || fa->good == TA_UNKNOWN ? HW_INFO
		                   : x == fa->good                           ? HW_GOOD
		                   : fact_serious(fa->key)                   ? HW_BAD
		                                                             : HW_WARN;

		hw_mark(out, lv, hw_tri_word(x, "not tested"));
		break;
	}
	case TA_FACT_COUNT: /* max_early_data: meaningful with early data */
		if (!json_is_integer(v))
			fputs("not tested", out);
		else if (json_is_false(json_object_get(f, "early_data")))
			fputs("n/a (no early data)", out);
		else
			fprintf(out, "%lld bytes", (long long)json_integer_value(v));
		break;
	case TA_FACT_SIZE:
		if (json_is_integer(v))
			fprintf(out, "%lld", (long long)json_integer_value(v));
		else
			fputs(json_is_false(v) ? "none" : "not tested", out);
		break;
	case TA_FACT_LIST:
		if (!json_is_array(v))
			fputs("not tested", out);
		else if (json_array_size(v) == 0)
			fputs("none", out);
		else
			name_list(out, v);
		break;
	}
}

static void
features(FILE *out, const json_t *f)
{
	if (!json_is_object(f))
		return;
	fputs("<h3>Handshake features</h3>\n", out);
	hw_kv_open(out);
	for (size_t i = 0; i < ta_feature_facts_count; i++) {
		fact_label(out, ta_feature_facts[i].label);
		fact_value(out, &ta_feature_facts[i], f);
		hw_row_end(out);
	}
	hw_kv_close(out);
}

/* ---- HTTP, DNS, notes ---- */

static void
http_redirect(FILE *out, const json_t *h)
{
	int r = hw_tri(h, "redirect_to_https");
	const char *loc = hw_nstr(h, "redirect_location");

	hw_row_begin(out, "HTTP to HTTPS redirect");
	fprintf(out, "port %lld: ", hw_int(h, "http_port", 80));
	if (r == TA_YES) {
		hw_mark(out, HW_GOOD, "yes");
		fprintf(out, " (%lld to ", hw_int(h, "http_status", 0));
		hw_esc(out, loc);
		fputs(")", out);
	} else if (r == TA_NO) {
		hw_mark(out, HW_BAD, "no");
		fprintf(out, " (status %lld", hw_int(h, "http_status", 0));
		if (loc) {
			fputs(", Location ", out);
			hw_esc(out, loc);
		}
		fputs(")", out);
	} else {
		hw_mark(out, HW_INFO, "unknown");
		fputs(" (", out);
		hw_esc(out, hw_nstr(h, "http_error") ? hw_nstr(h, "http_error") : "no answer");
		fputs(")", out);
	}
	hw_row_end(out);
}

static void
http_hsts(FILE *out, const json_t *h)
{
	const json_t *hs = json_object_get(h, "hsts");

	hw_row_begin(out, "HSTS");
	if (!hw_true(h, "hsts_header_present")) {
		hw_mark(out, HW_BAD, "none");
	} else if (!json_is_object(hs)) {
		hw_mark(out, HW_BAD, "invalid");
		fputs(" ", out);
		hw_esc(out, hw_str(h, "hsts_error"));
	} else {
		hw_mark(out, HW_GOOD, "yes");
		fprintf(out, " max-age=%lld%s%s", hw_int(hs, "max_age", 0),
		        hw_true(hs, "include_subdomains") ? "; includeSubDomains" : "",
		        hw_true(hs, "preload") ? "; preload" : "");
	}
	hw_row_end(out);
}

static void
http(FILE *out, const json_t *h)
{
	int csp = hw_tri(h, "csp"), comp = hw_tri(h, "compression");

	if (!json_is_object(h))
		return;
	fputs("<h3>HTTP</h3>\n", out);
	hw_kv_open(out);
	hw_row_begin(out, "HTTPS GET /");
	if (hw_nstr(h, "error")) {
		hw_mark(out, HW_WARN, "failed");
		fputs(" ", out);
		hw_esc(out, hw_nstr(h, "error"));
	} else {
		fprintf(out, "status %lld", hw_int(h, "https_status", 0));
	}
	hw_row_end(out);
	http_redirect(out, h);
	http_hsts(out, h);
	hw_row_begin(out, "Content-Security-Policy");
	hw_mark(out,
	        csp == TA_YES  ? HW_GOOD
	        : csp == TA_NO ? HW_WARN
	                       : HW_INFO,
	        hw_tri_word(csp, "unknown"));
	if (hw_true(h, "csp_report_only"))
		fputs(" (report-only)", out);
	hw_row_end(out);
	if (hw_nstr(h, "csp_value"))
		hw_row(out, "&#x2003;policy", hw_nstr(h, "csp_value"));
	hw_row_begin(out, "HTTP compression");
	hw_mark(out,
	        comp == TA_YES  ? HW_WARN
	        : comp == TA_NO ? HW_GOOD
	                        : HW_INFO,
	        hw_tri_word(comp, "unknown"));
	if (hw_nstr(h, "content_encoding")) {
		fputs(" (", out);
		hw_esc(out, hw_nstr(h, "content_encoding"));
		fputs(", BREACH exposure if secrets are reflected)", out);
	}
	hw_row_end(out);
	hw_kv_close(out);
}

static void
dns(FILE *out, const json_t *d)
{
	const json_t *caa = json_object_get(d, "caa");
	const json_t *recs = hw_arr(caa, "records");

	if (!json_is_object(d))
		return;
	fputs("<h3>DNS</h3>\n", out);
	hw_kv_open(out);
	if (hw_nstr(caa, "error")) {
		hw_row(out, "CAA lookup failed", hw_nstr(caa, "error"));
	} else if (json_array_size(recs) == 0) {
		hw_row_mark(out, "CAA", HW_WARN, "none (any CA may issue)");
	} else {
		hw_row(out, "CAA set at", hw_str(caa, "domain"));
		hw_row_begin(out, "CAA records");
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < json_array_size(recs); i++) {
			const json_t *r = json_array_get(recs, i);

			fprintf(out, "<li class=\"mono\">%lld ", hw_int(r, "flags", 0));
			hw_jesc(out, json_object_get(r, "tag"));
			fputs(" &quot;", out);
			hw_jesc(out, json_object_get(r, "value"));
			fputs("&quot;</li>", out);
		}
		fputs("</ul>", out);
		if (hw_true(caa, "truncated"))
			fputs(" (more records than shown)", out);
		hw_row_end(out);
	}
	hw_kv_close(out);
}

static void
notes(FILE *out, const json_t *a)
{
	if (json_array_size(a) == 0)
		return;
	fputs("<h3>Notes</h3>\n<ul>\n", out);
	for (size_t i = 0; i < json_array_size(a); i++) {
		fputs("<li>", out);
		hw_jesc(out, json_array_get(a, i));
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* ---- profiles ---- */

/* Rules are listed worst first; within a result, in profile order. */
static const struct {
	const char *result;
	enum hw_level lv;
	const char *word;
} rule_order[] = {
        {"fail", HW_BAD, "fail"},
        {"warning", HW_WARN, "warning"},
        {"could_not_test", HW_INFO, "could not test"},
        {"pass", HW_GOOD, "pass"},
        {"not_applicable", HW_INFO, "not applicable"},
};
#define NORDER (sizeof rule_order / sizeof rule_order[0])

static size_t
rule_rank(const json_t *rule)
{
	const char *r = hw_str(rule, "result");

	for (size_t o = 0; r && o < NORDER; o++)
		if (strcmp(r, rule_order[o].result) == 0)
			return o;
	return NORDER; /* a result this writer does not know: listed last */
}

static void
rule_row(FILE *out, const json_t *rule, size_t o)
{
	fputs("<tr><td>", out);
	if (o < NORDER) {
		hw_mark(out, rule_order[o].lv, rule_order[o].word);
	} else {
		fputs("<span class=\"v info\">", out);
		hw_esc(out, hw_str(rule, "result"));
		fputs("</span>", out);
	}
	fputs("</td><td class=\"mono\">", out);
	hw_jesc(out, json_object_get(rule, "id"));
	fputs("</td><td>", out);
	hw_jesc(out, json_object_get(rule, "evidence"));
	fputs("</td><td>", out);
	hw_jesc(out, json_object_get(rule, "remediation"));
	fputs("</td></tr>\n", out);
}

static void
profile_block(FILE *out, const char *id, const json_t *p, bool open)
{
	const json_t *rules = hw_arr(p, "rules");
	size_t count[NORDER + 1] = {0};
	const char *words;
	enum hw_level lv = hw_profile_verdict(p, true, &words);

	for (size_t i = 0; i < json_array_size(rules); i++)
		count[rule_rank(json_array_get(rules, i))]++;
	fprintf(out, "<details class=\"prof\"%s><summary><h4>", open ? " open" : "");
	hw_esc(out, id);
	if (hw_str(p, "title")) {
		fputs(" (", out);
		hw_esc(out, hw_str(p, "title"));
		fputs(")", out);
	}
	fputs(" ", out);
	hw_mark(out, lv, words);
	fprintf(out,
	        "</h4></summary>\n<p class=\"muted\">%zu pass, %zu warn, %zu fail, %zu could not "
	        "test, %zu not applicable</p>\n",
	        count[3], count[1], count[0], count[2], count[4]);
	fputs("<div class=\"xs\"><table class=\"rules\">\n<thead><tr><th scope=\"col\">Verdict</th>"
	      "<th scope=\"col\">Rule</th><th scope=\"col\">Evidence</th>"
	      "<th scope=\"col\">Remediation</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t o = 0; o <= NORDER; o++)
		for (size_t i = 0; i < json_array_size(rules); i++)
			if (rule_rank(json_array_get(rules, i)) == o)
				rule_row(out, json_array_get(rules, i), o);
	fputs("</tbody>\n</table></div>\n</details>\n", out);
}

/* The target profile's block is open, the others closed (a click away,
 * and not printed). */
static void
profiles(FILE *out, const json_t *t, const char *focus)
{
	bool given;
	const char *tp = hw_target_profile(t, focus, &given);
	const json_t *ps = json_object_get(t, "profiles");
	const char *id;
	const json_t *p;
	const char *st = hw_str(t, "status");

	fputs("<h3>Profiles</h3>\n", out);
	if (!st || strcmp(st, "ok") != 0) {
		fputs("<p>Not evaluated: the scan of this target failed.</p>\n", out);
		return;
	}
	if (json_object_size(ps) == 0) {
		fputs("<p>No profile could be evaluated.</p>\n", out);
		return;
	}
	json_object_foreach ((json_t *)ps, id, p)
		profile_block(out, id, p, strcmp(id, tp) == 0);
}

/* ---- the section ---- */

int
hw_target_section(FILE *out, const json_t *t, size_t i, const char *focus)
{
	const char *st = hw_str(t, "status");
	bool ok = st && strcmp(st, "ok") == 0;

	fprintf(out, "<section class=\"target\" id=\"t%zu\">\n<h2>%zu. ", i, i + 1);
	hw_endpoint(out, hw_str(t, "host"), hw_int(t, "port", 0));
	fputs("</h2>\n<nav class=\"back\"><a href=\"#endpoints\">back to the endpoints</a></nav>\n",
	      out);
	target_facts(out, t);
	if (ok) {
		protocols_table(out, json_object_get(t, "protocols"));
		suites_tables(out, json_object_get(t, "protocols"));
		kx_table(out, t);
		hw_certificates(out, hw_arr(t, "certificates"));
		features(out, json_object_get(t, "features"));
		hw_vulns(out, json_object_get(t, "vulnerabilities"));
		hw_clients(out, json_object_get(t, "clients"));
		http(out, json_object_get(t, "http"));
		dns(out, json_object_get(t, "dns"));
	}
	notes(out, hw_arr(t, "notes"));
	profiles(out, t, focus);
	fputs("</section>\n", out);
	return ferror(out) ? TA_ESYS : TA_OK;
}
