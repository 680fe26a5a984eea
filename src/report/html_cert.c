/*
 * HTML report: the certificates of a target's section (html_target.c has
 * the rest): each certificate served, with how it was obtained, its names,
 * key, signature and validity, host name match, trust, chain, OCSP and
 * CRL, and the chain table.  Every string of the document is escaped
 * (html_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "report/html_cert.h"
#include "report/html_int.h"
#include "tlsaudit.h"

/* ---- certificates ---- */

static void
put_days_left(FILE *out, const json_t *c)
{
	char words[64];
	enum hw_level lv = hw_validity(hw_int(c, "days_left", 0), hw_true(c, "expired"),
	                               hw_true(c, "not_yet_valid"), words, sizeof words);

	hw_mark(out, lv, words);
}

static void
put_validity(FILE *out, const json_t *c)
{
	hw_date(out, hw_str(c, "not_before"));
	fputs(" to ", out);
	hw_date(out, hw_str(c, "not_after"));
	fputs(" ", out);
	put_days_left(out, c);
	fprintf(out, " %lld-day lifetime", hw_int(c, "lifetime_days", 0));
}

static void
put_key(FILE *out, const json_t *c)
{
	hw_esc(out, hw_str(c, "key_type"));
	fprintf(out, " %lld bits", hw_int(c, "key_bits", 0));
	if (hw_nstr(c, "curve")) {
		fputs(" ", out);
		hw_esc(out, hw_nstr(c, "curve"));
	}
	if (hw_true(c, "weak_key")) {
		fputs(" ", out);
		hw_mark(out, HW_BAD, "weak key");
	}
}

static void
put_sigalg(FILE *out, const json_t *c)
{
	hw_esc(out, hw_str(c, "signature_algorithm"));
	if (hw_true(c, "sha1_signature")) {
		fputs(" ", out);
		hw_mark(out, HW_BAD, "SHA-1/MD5 signature");
	}
}

static void
string_list(FILE *out, const json_t *a)
{
	if (json_array_size(a) == 0) {
		fputs("none", out);
		return;
	}
	fputs("<ul class=\"flat\">", out);
	for (size_t i = 0; i < json_array_size(a); i++) {
		fputs("<li>", out);
		hw_jesc(out, json_array_get(a, i));
		fputs("</li>", out);
	}
	fputs("</ul>", out);
}

static void
cert_rows(FILE *out, const json_t *c)
{
	hw_row_begin(out, "Subject");
	hw_jesc(out, json_object_get(c, "subject"));
	hw_row_end(out);
	hw_row_begin(out, "Issuer");
	hw_jesc(out, json_object_get(c, "issuer"));
	hw_row_end(out);
	hw_row(out, "Serial", hw_str(c, "serial"));
	hw_row_begin(out, "Key");
	put_key(out, c);
	hw_row_end(out);
	hw_row_begin(out, "Signature");
	put_sigalg(out, c);
	hw_row_end(out);
	hw_row_begin(out, "Validity");
	put_validity(out, c);
	hw_row_end(out);
	hw_row_begin(out, "Kind");
	fputs(hw_true(c, "is_ca") ? "CA" : "end entity", out);
	if (hw_true(c, "self_signed"))
		fputs(", self-signed", out);
	hw_row_end(out);
	hw_row(out, "Key usage", hw_nstr(c, "key_usage") ? hw_nstr(c, "key_usage") : "none");
	hw_row(out, "Extended key usage",
	       hw_nstr(c, "extended_key_usage") ? hw_nstr(c, "extended_key_usage") : "none");
	hw_row(out, "SHA-256 fingerprint", hw_str(c, "sha256_fingerprint"));
}

static void
ocsp_row(FILE *out, const json_t *c)
{
	const json_t *r = json_object_get(c, "ocsp_response");
	const char *cs = hw_str(r, "cert_status");

	hw_row_begin(out, "OCSP stapled");
	if (!hw_true(c, "ocsp_stapled")) {
		fputs("no", out);
		hw_row_end(out);
		return;
	}
	fputs("yes: ", out);
	hw_esc(out, hw_str(r, "response_status") ? hw_str(r, "response_status") : "unknown");
	/* a certificate status only from a response that was read */
	if (cs && strcmp(hw_str(r, "response_status") ? hw_str(r, "response_status") : "",
	                 "successful") == 0) {
		bool good = strcmp(cs, "good") == 0, revoked = strcmp(cs, "revoked") == 0;

		fputs(", certificate ", out);
		hw_mark(out,
		        good      ? HW_GOOD
		        : revoked ? HW_BAD
		                  : HW_WARN,
		        good      ? "good"
		        : revoked ? "revoked"
		                  : "unknown");
	}
	if (hw_nstr(r, "next_update")) {
		fputs(", next update ", out);
		hw_date(out, hw_nstr(r, "next_update"));
	}
	hw_row_end(out);
}

static void
chain_rows(FILE *out, const json_t *c)
{
	int match = hw_tri(c, "hostname_match");
	bool trusted = hw_true(c, "trusted");
	size_t n = 1 + hw_len(c, "chain");

	hw_row_begin(out, "Host name");
	if (match == TA_UNKNOWN)
		hw_mark(out, HW_INFO, "not checked");
	else
		hw_mark(out, match ? HW_GOOD : HW_BAD, match ? "match" : "no match");
	hw_row_end(out);
	hw_row_begin(out, "Trust");
	hw_mark(out, trusted ? HW_GOOD : HW_BAD, trusted ? "trusted" : "not trusted");
	if (!trusted && hw_str(c, "trust_error")) {
		fputs(" ", out);
		hw_esc(out, hw_str(c, "trust_error"));
	}
	hw_row_end(out);
	hw_row_begin(out, "Chain");
	fprintf(out, "%zu certificate%s sent; order ", n, n == 1 ? "" : "s");
	hw_mark(out, hw_true(c, "chain_order_ok") ? HW_GOOD : HW_BAD,
	        hw_true(c, "chain_order_ok") ? "correct" : "wrong");
	fputs("; ", out);
	hw_mark(out, hw_true(c, "chain_complete") ? HW_GOOD : HW_BAD,
	        hw_true(c, "chain_complete") ? "complete" : "incomplete");
	if (hw_true(c, "sha1_in_chain")) {
		fputs("; ", out);
		hw_mark(out, HW_BAD, "SHA-1 inside");
	}
	if (hw_true(c, "root_in_chain"))
		fputs("; the root was sent too", out);
	hw_row_end(out);
	ocsp_row(out, c);
	hw_row(out, "OCSP must-staple", hw_true(c, "ocsp_must_staple") ? "yes" : "no");
	hw_row_begin(out, "OCSP URLs");
	string_list(out, hw_arr(c, "ocsp_urls"));
	hw_row_end(out);
	hw_row_begin(out, "CRL URLs");
	string_list(out, hw_arr(c, "crl_urls"));
	hw_row_end(out);
	hw_row_begin(out, "SCTs");
	fprintf(out, "%lld embedded", hw_int(c, "sct_count", 0));
	hw_row_end(out);
}

static void
chain_table(FILE *out, const json_t *chain)
{
	if (json_array_size(chain) == 0)
		return;
	fputs("<div class=\"xs\"><table class=\"chain\">\n<thead><tr><th scope=\"col\">#</th>"
	      "<th scope=\"col\">Subject</th><th scope=\"col\">Issuer</th>"
	      "<th scope=\"col\">Key</th><th scope=\"col\">Signature</th>"
	      "<th scope=\"col\">Validity</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t k = 0; k < json_array_size(chain); k++) {
		const json_t *c = json_array_get(chain, k);

		fprintf(out, "<tr><td class=\"num\">%zu</td><td>", k + 2);
		hw_jesc(out, json_object_get(c, "subject"));
		fputs("</td><td>", out);
		hw_jesc(out, json_object_get(c, "issuer"));
		fputs("</td><td>", out);
		put_key(out, c);
		fputs("</td><td>", out);
		put_sigalg(out, c);
		fputs("</td><td>", out);
		put_validity(out, c);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table></div>\n", out);
}

void
hw_certificates(FILE *out, const json_t *certs)
{
	size_t n = json_array_size(certs);

	fputs("<h3>Certificates</h3>\n", out);
	if (n == 0)
		fputs("<p>No certificate was analysed.</p>\n", out);
	for (size_t i = 0; i < n; i++) {
		const json_t *c = json_array_get(certs, i);
		const json_t *how = hw_arr(c, "served");

		fprintf(out, "<h4>Certificate %zu</h4>\n<p class=\"muted\">Served for: ", i + 1);
		for (size_t k = 0; k < json_array_size(how) && k < 4; k++) {
			fputs(k ? "; " : "", out);
			hw_jesc(out, json_array_get(how, k));
		}
		fputs("</p>\n", out);
		hw_kv_open(out);
		cert_rows(out, c);
		hw_row_begin(out, "Alternative names");
		string_list(out, hw_arr(c, "san"));
		hw_row_end(out);
		chain_rows(out, c);
		hw_kv_close(out);
		chain_table(out, hw_arr(c, "chain"));
	}
}
