/*
 * HTML report: the section of one mail domain (id "m<index>"), rendered
 * from its document (an element of "mail", docs/schema/scan.schema.json):
 * MX hosts, MTA-STS, TLS-RPT, and DANE per MX.  Every string of the
 * document is escaped (html_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

/* At most this many MTA-STS mx patterns and TLS-RPT addresses are listed
 * (a hostile policy could hold thousands). */
#define MAX_PATTERNS 16
#define MAX_RUA      8

static void
tlsa_list(FILE *out, const json_t *tlsa)
{
	fputs("<ul class=\"flat\">", out);
	for (size_t k = 0; k < json_array_size(tlsa); k++) {
		const json_t *t = json_array_get(tlsa, k);

		fprintf(out, "<li class=\"mono\">%lld %lld %lld ", hw_int(t, "usage", 0),
		        hw_int(t, "selector", 0), hw_int(t, "matching_type", 0));
		hw_jesc(out, json_object_get(t, "data"));
		fputs(hw_true(t, "data_cut") ? "&hellip; (cut)</li>" : "</li>", out);
	}
	fputs("</ul>", out);
}

static void
mx_dane(FILE *out, const json_t *d)
{
	size_t n = hw_len(d, "tlsa");
	int match = hw_tri(d, "match");

	if (hw_nstr(d, "error")) {
		hw_mark(out, HW_WARN, "lookup failed");
		fputs(" ", out);
		hw_esc(out, hw_nstr(d, "error"));
		return;
	}
	if (n == 0) {
		hw_mark(out, HW_INFO, "no TLSA records");
		return;
	}
	fprintf(out, "%zu TLSA record%s, %s; match: ", n, n == 1 ? "" : "s",
	        hw_true(d, "ad") ? "the resolver says validated" : "not validated");
	hw_mark(out,
	        match == TA_YES  ? HW_GOOD
	        : match == TA_NO ? HW_BAD
	                         : HW_INFO,
	        hw_tri_word(match, "unknown"));
	if (hw_nstr(d, "detail")) {
		fputs("<br>", out);
		hw_esc(out, hw_nstr(d, "detail"));
	}
	tlsa_list(out, hw_arr(d, "tlsa"));
}

static void
mx_table(FILE *out, const json_t *mxs)
{
	if (json_array_size(mxs) == 0)
		return;
	fputs("<div class=\"xs\"><table class=\"mx\">\n<thead><tr><th scope=\"col\" "
	      "class=\"nw\">Preference</th>"
	      "<th scope=\"col\">MX host</th><th scope=\"col\">In MTA-STS policy</th>"
	      "<th scope=\"col\">DANE</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t i = 0; i < json_array_size(mxs); i++) {
		const json_t *x = json_array_get(mxs, i);
		int sts = hw_tri(x, "mta_sts_match");

		fprintf(out, "<tr><td class=\"num\">%lld</td><td class=\"mono nw\">",
		        hw_int(x, "preference", 0));
		hw_jesc(out, json_object_get(x, "host"));
		fputs("</td><td>", out);
		if (sts == TA_UNKNOWN)
			fputs("n/a", out);
		else
			hw_mark(out, sts == TA_YES ? HW_GOOD : HW_BAD, hw_tri_word(sts, "n/a"));
		fputs("</td><td>", out);
		mx_dane(out, json_object_get(x, "dane"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table></div>\n", out);
}

static void
mail_sts(FILE *out, const json_t *s)
{
	const char *mode = hw_nstr(s, "mode");
	const json_t *mx = hw_arr(s, "mx");

	hw_row_begin(out, "MTA-STS");
	if (!hw_true(s, "record") && !hw_nstr(s, "error")) {
		hw_mark(out, HW_WARN, "no record");
	} else if (mode) { /* a policy was read */
		hw_mark(out, strcmp(mode, "enforce") == 0 ? HW_GOOD : HW_WARN, "policy");
		fputs(" id ", out);
		hw_esc(out, hw_nstr(s, "id"));
		fputs(", mode ", out);
		hw_esc(out, mode);
		fprintf(out, ", max_age %lld; mx patterns:", hw_int(s, "max_age", 0));
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < json_array_size(mx) && i < MAX_PATTERNS; i++) {
			fputs("<li class=\"mono\">", out);
			hw_jesc(out, json_array_get(mx, i));
			fputs("</li>", out);
		}
		fputs("</ul>", out);
		if (json_array_size(mx) > MAX_PATTERNS)
			fprintf(out, " (%zu more)", json_array_size(mx) - MAX_PATTERNS);
	} else {
		fputs("record found, no usable policy", out);
	}
	hw_row_end(out);
	if (hw_nstr(s, "error"))
		hw_row(out, "MTA-STS problem", hw_nstr(s, "error"));
}

static void
mail_rpt(FILE *out, const json_t *r)
{
	const json_t *rua = hw_arr(r, "rua");
	size_t n = json_array_size(rua);

	hw_row_begin(out, "TLS-RPT");
	if (hw_true(r, "record") && !hw_nstr(r, "error")) {
		fprintf(out, "%zu report address%s", n, n == 1 ? "" : "es");
		fputs("<ul class=\"flat\">", out);
		for (size_t i = 0; i < n && i < MAX_RUA; i++) {
			fputs("<li class=\"mono\">", out);
			hw_jesc(out, json_array_get(rua, i));
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	} else if (hw_nstr(r, "error")) {
		hw_mark(out, HW_WARN, "problem");
		fputs(" ", out);
		hw_esc(out, hw_nstr(r, "error"));
	} else {
		hw_mark(out, HW_WARN, "no record");
	}
	hw_row_end(out);
}

int
hw_mail_section(FILE *out, const json_t *m, size_t i)
{
	size_t nmx = hw_len(m, "mx");

	fprintf(out, "<section class=\"mail\" id=\"m%zu\">\n<h2>Mail domain ", i);
	hw_jesc(out, json_object_get(m, "domain"));
	fputs("</h2>\n<nav class=\"back\"><a href=\"#endpoints\">back to the endpoints</a></nav>\n",
	      out);
	hw_kv_open(out);
	if (hw_nstr(m, "error"))
		hw_row(out, "MX lookup failed", hw_nstr(m, "error"));
	if (hw_true(m, "null_mx"))
		hw_row(out, "MX", "null MX (RFC 7505): the domain accepts no mail");
	if (hw_true(m, "implicit_mx"))
		hw_row(out, "MX", "none: mail goes to the domain itself (RFC 5321 5.1)");
	if (nmx && !hw_true(m, "implicit_mx")) {
		hw_row_begin(out, "MX");
		fprintf(out, "%zu host%s (below)", nmx, nmx == 1 ? "" : "s");
		hw_row_end(out);
	}
	mail_sts(out, json_object_get(m, "mta_sts"));
	mail_rpt(out, json_object_get(m, "tls_rpt"));
	hw_kv_close(out);
	mx_table(out, hw_arr(m, "mx"));
	fputs("</section>\n", out);
	return ferror(out) ? TA_ESYS : TA_OK;
}
