/*
 * Text report for people, rendered from the result document
 * (docs/schema/scan.schema.json) one target or one mail domain at a time
 * (report/render.h): versions in order, suites with their OpenSSL names and
 * a plain strength mark, certificates, handshake features, HTTP, DNS,
 * notes, then the profile verdicts (text_profiles.c).  Colour only when
 * the caller asks.  The document may be a stored file: every string in it
 * goes through report/escape.h, never straight to the terminal.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/facts.h"
#include "report/render.h"
#include "report/text_doc.h"
#include "tlsaudit.h"

#define C_RED "\033[31m"
#define C_YEL "\033[33m"
#define C_GRN "\033[32m"
#define C_BLD "\033[1m"
#define C_OFF "\033[0m"

/* ---- helpers ---- */

void
ta_txt_put(const struct ta_txt *t, const char *s)
{
	ta_esc_put(t->out, s, t->esc);
}

void
ta_txt_pad(const struct ta_txt *t, const char *s, int width)
{
	size_t n = ta_esc_buf(NULL, 0, s, s ? strlen(s) : 0, t->esc);

	ta_txt_put(t, s);
	for (; (long)n < width; n++)
		fputc(' ', t->out);
}

const char *
ta_txt_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "" for a missing string: the old writer printed empty fields as "". */
static const char *
str0(const json_t *o, const char *key)
{
	const char *s = ta_txt_str(o, key);

	return s ? s : "";
}

static long long
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static bool
flag(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* 1 yes, 0 no, -1 null (unknown, not tested) */
static int
tri(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

static const char *
tri_text(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "n/a";
}

static size_t
count(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

/* printf, then the whole text escaped (the old writer built such values in
 * a buffer and escaped it). */
static void __attribute__((format(printf, 2, 3))) putf(const struct ta_txt *t, const char *fmt, ...)
{
	char small[512], *p = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof small) {
		if (!(p = malloc((size_t)n + 1)))
			return;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	ta_txt_put(t, p);
	if (p != small)
		free(p);
}

static void
label_value(const struct ta_txt *t, const char *label, const char *value)
{
	fprintf(t->out, "    %-22s", label);
	ta_txt_put(t, value);
	fputc('\n', t->out);
}

static const char *
on(const struct ta_txt *t, const char *code)
{
	return t->color ? code : "";
}

/* A name from the document, "UNKNOWN_0x1234" shown as "0x1234". */
static void
put_name(const struct ta_txt *t, const char *s)
{
	if (s && strncmp(s, "UNKNOWN_", 8) == 0)
		s += 8;
	ta_txt_put(t, s);
}

/* ---- protocols and suites ---- */

static const char *
mark(const struct ta_txt *t, const char *strength)
{
	int st = strength && strcmp(strength, "good") == 0 ? 2
	         : strength && strcmp(strength, "ok") == 0 ? 1
	                                                   : 0;

	if (!t->color)
		return st == 0 ? "weak" : st == 1 ? "ok  " : "good";
	return st == 0 ? C_RED "weak" C_OFF : st == 1 ? C_YEL "ok  " C_OFF : C_GRN "good" C_OFF;
}

static void
protocol_rows(const struct ta_txt *t, const json_t *protos)
{
	fputs("\n  Protocols\n", t->out);
	for (void *it = json_object_iter((json_t *)protos); it;
	     it = json_object_iter_next((json_t *)protos, it)) {
		const char *name = json_object_iter_key(it);
		const json_t *p = json_object_iter_value(it);
		bool tested = flag(p, "tested"), offered = flag(p, "offered");
		int chacha = tri(p, "chacha20_priority");

		fputs("    ", t->out);
		ta_txt_pad(t, name, 8);
		fprintf(t->out, " %s%s",
		        !tested   ? "not tested"
		        : offered ? "offered"
		                  : "not offered",
		        tested && !flag(p, "complete") ? " (incomplete)" : "");
		if (offered && count(p, "cipher_suites") > 1)
			fprintf(t->out, ", server order: %s", tri_text(tri(p, "server_order")));
		if (chacha >= 0)
			fprintf(t->out, ", ChaCha20 priority: %s", tri_text(chacha));
		fputc('\n', t->out);
	}
}

static void
suite_row(const struct ta_txt *t, const json_t *s)
{
	const char *id = ta_txt_str(s, "id"), *iana = ta_txt_str(s, "iana"),
	           *ossl = ta_txt_str(s, "openssl");
	char *end = NULL;
	unsigned long code = id && strncmp(id, "0x", 2) == 0 ? strtoul(id + 2, &end, 16) : 0;

	fprintf(t->out, "    %s  ", mark(t, ta_txt_str(s, "strength")));
	if (end && end != id + 2 && !*end)
		fprintf(t->out, "0x%04lX", code);
	else
		ta_txt_put(t, id);
	fputs("  ", t->out);
	ta_txt_pad(t, iana ? iana : "UNKNOWN", 48);
	fputc(' ', t->out);
	ta_txt_pad(t, ossl ? ossl : "-", 32);
	fprintf(t->out, " %4lld bits\n", num(s, "bits"));
}

/* Offered versions with suites, newest first. */
static void
suite_lists(const struct ta_txt *t, const json_t *protos)
{
	size_t n = json_object_size(protos), k = 0;
	const char **names = calloc(n + 1, sizeof *names);

	if (!names)
		return;
	for (void *it = json_object_iter((json_t *)protos); it && k < n;
	     it = json_object_iter_next((json_t *)protos, it))
		names[k++] = json_object_iter_key(it);
	while (k-- > 0) {
		const json_t *p, *d;
		size_t i;

		p = json_object_get(protos, names[k]);
		d = json_object_get(p, "cipher_suite_details");
		if (!flag(p, "offered") || json_array_size(d) == 0)
			continue;
		fputs("\n  ", t->out);
		ta_txt_put(t, names[k]);
		fprintf(t->out, " cipher suites (%zu)%s\n", json_array_size(d),
		        tri(p, "server_order") == 1 ? ", server's order" : "");
		for (i = 0; i < json_array_size(d); i++)
			suite_row(t, json_array_get(d, i));
	}
	free(names);
}

/* Groups by version, DH parameters, signature schemes. */
static void
key_exchange(const struct ta_txt *t, const json_t *target)
{
	json_t *byv = json_object_get(target, "groups_by_version");
	const json_t *dh, *sigs;
	size_t i;

	if (count(target, "groups"))
		fputc('\n', t->out);
	for (void *it = json_object_iter(byv); it; it = json_object_iter_next(byv, it)) {
		const char *name = json_object_iter_key(it);
		const json_t *g = json_object_iter_value(it);
		const json_t *list = json_object_get(g, "groups");
		int so = tri(g, "server_order");

		if (json_array_size(list) == 0)
			continue;
		fputs("  Key exchange groups, ", t->out);
		ta_txt_put(t, name);
		fprintf(t->out, " (%s):",
		        so == 1   ? "server's order"
		        : so == 0 ? "client's order"
		                  : "order unknown");
		for (i = 0; i < json_array_size(list); i++) {
			fputc(' ', t->out);
			put_name(t, json_string_value(json_array_get(list, i)));
		}
		fputc('\n', t->out);
	}
	dh = json_object_get(target, "dh");
	if (json_is_object(dh) && num(dh, "bits")) {
		fprintf(t->out, "  DH parameters (%s): %lld bits, ",
		        json_is_true(json_object_get(dh, "only_with_ffdhe"))
		                ? "none of its own, DHE only with an offered RFC 7919 group; the "
		                  "smallest"
		                : "no FFDHE group offered",
		        num(dh, "bits"));
		ta_txt_put(t, str0(dh, "group"));
		fputc('\n', t->out);
	}
	sigs = json_object_get(target, "signature_schemes");
	if (json_array_size(sigs)) {
		fputs("  Signature schemes:", t->out);
		for (i = 0; i < json_array_size(sigs); i++) {
			fputc(' ', t->out);
			put_name(t, json_string_value(json_array_get(sigs, i)));
		}
		fputc('\n', t->out);
	}
}

/* ---- certificates ---- */

/* The date of an ISO 8601 time ("2026-12-07T12:00:00Z"), "?" when none. */
static void
date_text(const struct ta_txt *t, const char *iso)
{
	char day[11];

	if (!iso || strlen(iso) < 10) {
		fputs("?", t->out);
		return;
	}
	memcpy(day, iso, 10);
	day[10] = '\0';
	ta_txt_put(t, day);
}

static void
cert_line(const struct ta_txt *t, const json_t *c, const char *indent)
{
	bool bad = flag(c, "expired") || flag(c, "not_yet_valid") || flag(c, "weak_key") ||
	           flag(c, "sha1_signature");
	const char *curve = ta_txt_str(c, "curve");

	fputs(indent, t->out);
	ta_txt_put(t, str0(c, "subject"));
	fprintf(t->out, "\n%s  ", indent);
	ta_txt_put(t, str0(c, "key_type"));
	fprintf(t->out, " %lld", num(c, "key_bits"));
	if (curve && curve[0]) {
		fputc(' ', t->out);
		ta_txt_put(t, curve);
	}
	fputs(", ", t->out);
	ta_txt_put(t, str0(c, "signature_algorithm"));
	fputs(", ", t->out);
	date_text(t, ta_txt_str(c, "not_before"));
	fputs(" .. ", t->out);
	date_text(t, ta_txt_str(c, "not_after"));
	fprintf(t->out, " (%s%lld days left%s, %lld-day lifetime)\n", bad ? on(t, C_RED) : "",
	        num(c, "days_left"), bad ? on(t, C_OFF) : "", num(c, "lifetime_days"));
	fprintf(t->out, "%s  issuer: ", indent);
	ta_txt_put(t, str0(c, "issuer"));
	fputc('\n', t->out);
}

static void
certificate(const struct ta_txt *t, const json_t *c, size_t no)
{
	const json_t *how = json_object_get(c, "served"), *san = json_object_get(c, "san"),
	             *chain = json_object_get(c, "chain");
	size_t n = 1 + json_array_size(chain), i;
	int host = tri(c, "hostname_match");
	bool trusted = flag(c, "trusted");

	fprintf(t->out, "\n  Certificate %zu (", no);
	for (i = 0; i < json_array_size(how); i++) {
		fputs(i ? "; " : "", t->out);
		ta_txt_put(t, json_string_value(json_array_get(how, i)));
	}
	fputs(")\n", t->out);
	cert_line(t, c, "    ");
	if (json_array_size(san)) {
		fputs("      SAN:", t->out);
		for (i = 0; i < json_array_size(san) && i < 20; i++) {
			fputc(' ', t->out);
			ta_txt_put(t, json_string_value(json_array_get(san, i)));
		}
		if (json_array_size(san) > 20)
			fprintf(t->out, " ... (%zu in all)", json_array_size(san));
		fputc('\n', t->out);
	}
	fprintf(t->out, "      hostname: %s, trusted: %s",
	        host < 0    ? "not checked"
	        : host == 1 ? "match"
	                    : "NO MATCH",
	        trusted ? "yes" : "no (");
	if (!trusted) {
		ta_txt_put(t, str0(c, "trust_error"));
		fputc(')', t->out);
	}
	fprintf(t->out, ", chain: %zu certificate%s%s%s%s\n", n, n == 1 ? "" : "s",
	        flag(c, "chain_order_ok") ? "" : ", WRONG ORDER",
	        flag(c, "chain_complete") ? "" : ", INCOMPLETE",
	        flag(c, "sha1_in_chain") ? ", SHA-1 inside" : "");
	fprintf(t->out, "      OCSP stapled: %s, must-staple: %s, SCTs: %lld\n",
	        flag(c, "ocsp_stapled") ? "yes" : "no", flag(c, "ocsp_must_staple") ? "yes" : "no",
	        num(c, "sct_count"));
	for (i = 0; i < json_array_size(chain); i++)
		cert_line(t, json_array_get(chain, i), "      > ");
}

/* ---- handshake features ---- */

/*
 * Every feature of ta_feature_facts, in its order, with its label:
 *   TRI    yes / no / not tested
 *   COUNT  (0-RTT size limit) "N bytes", "none" for 0, "not tested" for null
 *   SIZE   (record size limit) "N bytes", "none" for false, "not tested"
 *   LIST   (ALPN, NPN) the names separated by spaces, "none" for an empty
 *          list, "not tested" for null
 */
static void
features_text(const struct ta_txt *t, const json_t *f)
{
	if (!json_is_object(f))
		return;
	fputs("\n  Handshake features\n", t->out);
	for (size_t i = 0; i < ta_feature_facts_count; i++) {
		const struct ta_fact *fa = &ta_feature_facts[i];
		const json_t *v = json_object_get(f, fa->key);

		fprintf(t->out, "    %-26s ", fa->label);
		if (!v || json_is_null(v)) {
			fputs("not tested", t->out);
		} else if (fa->type == TA_FACT_TRI) {
			fputs(json_is_true(v) ? "yes" : "no", t->out);
		} else if (fa->type == TA_FACT_LIST) {
			size_t n = json_array_size(v);

			if (n == 0)
				fputs("none", t->out);
			for (size_t k = 0; k < n; k++) {
				fputs(k ? " " : "", t->out);
				ta_txt_put(t, json_string_value(json_array_get(v, k)));
			}
		} else if (!json_is_integer(v) ||
		           (fa->type == TA_FACT_COUNT && json_integer_value(v) == 0)) {
			fputs("none", t->out); /* SIZE false; COUNT 0: no early data */
		} else {
			fprintf(t->out, "%lld bytes", (long long)json_integer_value(v));
		}
		fputc('\n', t->out);
	}
}

/* ---- HTTP, DNS ---- */

static void
http_text(const struct ta_txt *t, const json_t *h)
{
	const json_t *hsts;
	int redirect, csp, comp;
	const char *s;

	if (!json_is_object(h))
		return;
	fputs("\n  HTTP\n", t->out);
	if ((s = ta_txt_str(h, "error")))
		label_value(t, "HTTPS request:", s);
	else
		fprintf(t->out, "    %-22s%lld\n", "HTTPS GET / status:", num(h, "https_status"));
	fprintf(t->out, "    %-22sport %lld: ", "HTTP redirect:", num(h, "http_port"));
	redirect = tri(h, "redirect_to_https");
	s = ta_txt_str(h, "redirect_location");
	if (redirect == 1)
		putf(t, "yes (%lld to %s)", num(h, "http_status"), s ? s : "");
	else if (redirect == 0)
		putf(t, "no (status %lld%s%s)", num(h, "http_status"), s ? ", Location " : "",
		     s ? s : "");
	else
		putf(t, "unknown (%s)",
		     ta_txt_str(h, "http_error") ? ta_txt_str(h, "http_error") : "no answer");
	fputc('\n', t->out);
	fprintf(t->out, "    %-22s", "HSTS:");
	hsts = json_object_get(h, "hsts");
	if (!flag(h, "hsts_header_present"))
		fputs("none", t->out);
	else if (!json_is_object(hsts))
		putf(t, "invalid (%s)", str0(h, "hsts_error"));
	else
		putf(t, "max-age=%lld%s%s", num(hsts, "max_age"),
		     flag(hsts, "include_subdomains") ? "; includeSubDomains" : "",
		     flag(hsts, "preload") ? "; preload" : "");
	fputc('\n', t->out);
	csp = tri(h, "csp");
	fprintf(t->out, "    %-22s%s%s\n", "CSP:", tri_text(csp),
	        flag(h, "csp_report_only") ? " (report-only)" : "");
	if ((s = ta_txt_str(h, "csp_value")))
		label_value(t, "  policy:", s);
	comp = tri(h, "compression");
	s = ta_txt_str(h, "content_encoding");
	fprintf(t->out, "    %-22s", "HTTP compression:");
	putf(t, "%s%s%s%s", tri_text(comp), s ? " (" : "", s ? s : "",
	     s ? ", BREACH exposure if secrets are reflected)" : "");
	fputc('\n', t->out);
}

static void
dns_text(const struct ta_txt *t, const json_t *d)
{
	const json_t *caa = json_object_get(d, "caa"), *recs;
	const char *err;

	if (!json_is_object(d))
		return;
	fputs("\n  DNS\n", t->out);
	if ((err = ta_txt_str(caa, "error"))) {
		label_value(t, "CAA:", err);
		return;
	}
	recs = json_object_get(caa, "records");
	if (json_array_size(recs) == 0) {
		label_value(t, "CAA:", "none (any CA may issue)");
		return;
	}
	label_value(t, "CAA set at:", str0(caa, "domain"));
	for (size_t i = 0; i < json_array_size(recs); i++) {
		const json_t *r = json_array_get(recs, i);

		fprintf(t->out, "    %-22s", "");
		putf(t, "%lld %s \"%s\"", num(r, "flags"), str0(r, "tag"), str0(r, "value"));
		fputc('\n', t->out);
	}
}

/* ---- a target ---- */

static void
head(const struct ta_txt *t, const json_t *target)
{
	const json_t *st = json_object_get(target, "starttls");
	const char *s;

	fputs(on(t, C_BLD), t->out);
	ta_txt_put(t, str0(target, "host"));
	fprintf(t->out, ":%lld", num(target, "port"));
	if ((s = ta_txt_str(target, "ip"))) {
		fputs(" (", t->out);
		ta_txt_put(t, s);
		fputc(')', t->out);
	}
	fprintf(t->out, "%s\n", on(t, C_OFF));
	fputs("  service: ", t->out);
	ta_txt_put(t, str0(target, "service"));
	if (json_is_object(st)) {
		fprintf(t->out, " (STARTTLS %s)", tri_text(tri(st, "offered")));
		if ((s = ta_txt_str(st, "banner")) && s[0]) {
			fputs(", greeting: ", t->out);
			ta_txt_put(t, s);
		}
		if (num(st, "busy_replies"))
			fprintf(t->out,
			        "\n  the server was busy %lld time(s); tlsaudit slowed down",
			        num(st, "busy_replies"));
	}
	fputc('\n', t->out);
	if (flag(target, "incomplete")) {
		fprintf(t->out, "  %sincomplete%s: ", on(t, C_RED), on(t, C_OFF));
		ta_txt_put(t, str0(target, "incomplete_reason"));
		fputc('\n', t->out);
	}
	if (!json_is_string(json_object_get(target, "status")) ||
	    strcmp(str0(target, "status"), "ok") != 0) {
		fprintf(t->out, "  %serror%s: ", on(t, C_RED), on(t, C_OFF));
		ta_txt_put(t, str0(target, "error"));
		fputc('\n', t->out);
	}
	fprintf(t->out, "  %lld connections, %.2f s\n", num(target, "connections"),
	        (double)num(target, "duration_ms") / 1000.0);
}

int
ta_text_target(FILE *out, const json_t *target, const struct ta_render_opts *o)
{
	struct ta_txt t = {.out = out, .color = o && o->color, .esc = ta_esc_term_mode()};
	const json_t *certs = json_object_get(target, "certificates"),
	             *profiles = json_object_get(target, "profiles"), *notes;

	head(&t, target);
	protocol_rows(&t, json_object_get(target, "protocols"));
	suite_lists(&t, json_object_get(target, "protocols"));
	key_exchange(&t, target);
	for (size_t i = 0; i < json_array_size(certs); i++)
		certificate(&t, json_array_get(certs, i), i + 1);
	features_text(&t, json_object_get(target, "features"));
	if (strcmp(str0(target, "status"), "ok") == 0)
		ta_text_vulns(&t, json_object_get(target, "vulnerabilities"));
	if (strcmp(str0(target, "status"), "ok") == 0)
		ta_text_clients(&t, json_object_get(target, "clients"));
	http_text(&t, json_object_get(target, "http"));
	dns_text(&t, json_object_get(target, "dns"));
	notes = json_object_get(target, "notes");
	for (size_t i = 0; i < json_array_size(notes); i++) {
		fputs("  note: ", out);
		ta_txt_put(&t, json_string_value(json_array_get(notes, i)));
		fputc('\n', out);
	}
	fputc('\n', out);
	/* A failed target's verdicts are all "could not test": not shown. */
	if (strcmp(str0(target, "status"), "ok") == 0 && json_object_size(profiles)) {
		ta_txt_profiles(&t, profiles, o ? o->focus_profile : NULL);
		fputc('\n', out);
	}
	return ferror(out) ? TA_ESYS : TA_OK;
}

/* ---- a mail domain ---- */

static void
mx_text(const struct ta_txt *t, const json_t *x, bool first)
{
	const json_t *dane = json_object_get(x, "dane");
	const char *s;
	int sts = tri(x, "mta_sts_match");

	fprintf(t->out, "    %-22s", first ? "MX:" : "");
	putf(t, "%lld %s", num(x, "preference"), str0(x, "host"));
	fputc('\n', t->out);
	if (sts >= 0)
		label_value(t, "  in MTA-STS policy:", tri_text(sts));
	if ((s = ta_txt_str(dane, "error"))) {
		label_value(t, "  TLSA:", s);
	} else if (count(dane, "tlsa") == 0) {
		label_value(t, "  DANE:", "no TLSA records");
	} else {
		fprintf(t->out, "    %-22s%zu TLSA record(s)%s; match: %s\n",
		        "  DANE:", count(dane, "tlsa"),
		        flag(dane, "ad") ? " (resolver says validated)" : " (not validated)",
		        tri_text(tri(dane, "match")));
		if ((s = ta_txt_str(dane, "detail")))
			label_value(t, "", s);
	}
}

int
ta_text_mail(FILE *out, const json_t *mail, const struct ta_render_opts *o)
{
	struct ta_txt t = {.out = out, .color = o && o->color, .esc = ta_esc_term_mode()};
	const json_t *mx = json_object_get(mail, "mx"), *sts = json_object_get(mail, "mta_sts"),
	             *rpt = json_object_get(mail, "tls_rpt"), *rua;
	const char *s;

	fprintf(out, "%smail domain ", on(&t, C_BLD));
	ta_txt_put(&t, str0(mail, "domain"));
	fprintf(out, "%s\n", on(&t, C_OFF));
	if ((s = ta_txt_str(mail, "error")))
		label_value(&t, "error:", s);
	if (flag(mail, "null_mx"))
		label_value(&t, "MX:", "null MX (RFC 7505): the domain accepts no mail");
	if (flag(mail, "implicit_mx"))
		label_value(&t, "MX:", "none: mail goes to the domain itself (RFC 5321 5.1)");
	for (size_t i = 0; i < json_array_size(mx); i++)
		mx_text(&t, json_array_get(mx, i), i == 0);
	s = ta_txt_str(sts, "error");
	if (!flag(sts, "record") && !s) {
		label_value(&t, "MTA-STS:", "no record");
	} else if (json_is_string(json_object_get(sts, "mode"))) { /* a policy was read */
		fprintf(out, "    %-22s", "MTA-STS:");
		putf(&t, "id %s, mode %s, max_age %lld, %zu mx pattern(s)", str0(sts, "id"),
		     str0(sts, "mode"), num(sts, "max_age"), count(sts, "mx"));
		fputc('\n', out);
	}
	if (s)
		label_value(&t, "MTA-STS problem:", s);
	rua = json_object_get(rpt, "rua");
	s = ta_txt_str(rpt, "error");
	if (flag(rpt, "record") && !s) {
		fprintf(out, "    %-22s", "TLS-RPT:");
		putf(&t, "%zu report address(es)%s%s", json_array_size(rua),
		     json_array_size(rua) ? ", first " : "",
		     json_array_size(rua) ? json_string_value(json_array_get(rua, 0)) : "");
		fputc('\n', out);
	} else {
		label_value(&t, "TLS-RPT:", s ? s : "no record");
	}
	fputc('\n', out);
	return ferror(out) ? TA_ESYS : TA_OK;
}
