/*
 * Text report for people: one block per target, versions in order, suites
 * with their OpenSSL names and a plain strength mark; colour only when the
 * caller says the output is a terminal.  Every string that did not come
 * from our own tables goes through ta_fput_safe().
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cert/cert.h"
#include "probe/engine.h"
#include "probe/scan_internal.h"
#include "profile/profile.h"
#include "report/escape.h"
#include "report/report.h"
#include "wire/registry.h"

#include <time.h>

#define C_RED "\033[31m"
#define C_YEL "\033[33m"
#define C_GRN "\033[32m"
#define C_BLD "\033[1m"
#define C_OFF "\033[0m"

void
ta_fput_safe(const char *s, FILE *out)
{
	ta_esc_put(out, s, ta_esc_term_mode());
}

static const char *
mark(enum ta_strength st, int color)
{
	if (!color)
		return st == TA_ST_WEAK ? "weak" : st == TA_ST_OK ? "ok  " : "good";
	return st == TA_ST_WEAK ? C_RED "weak" C_OFF
	       : st == TA_ST_OK ? C_YEL "ok  " C_OFF
	                        : C_GRN "good" C_OFF;
}

static const char *
tri_text(int v)
{
	return v == TA_YES ? "yes" : v == TA_NO ? "no" : "n/a";
}

static void
date_text(int64_t t, FILE *out)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
		fputs(buf, out);
	else
		fputs("?", out);
}

static void
cert_line(const struct ta_cert *c, const char *indent, FILE *out, int color)
{
	bool bad = c->expired || c->not_yet_valid || c->weak_key || c->sha1_signature;

	fprintf(out, "%s", indent);
	ta_fput_safe(c->subject ? c->subject : "", out);
	fprintf(out, "\n%s  %s %d%s%s, %s, ", indent, c->key_type, c->key_bits,
	        c->curve[0] ? " " : "", c->curve, c->signature_algorithm);
	date_text(c->not_before, out);
	fputs(" .. ", out);
	date_text(c->not_after, out);
	fprintf(out, " (%s%d days left%s, %d-day lifetime)\n", color && bad ? C_RED : "",
	        c->days_left, color && bad ? C_OFF : "", c->lifetime_days);
	fprintf(out, "%s  issuer: ", indent);
	ta_fput_safe(c->issuer ? c->issuer : "", out);
	fputc('\n', out);
}

static void
certs_text(const struct ta_result *r, FILE *out, int color)
{
	for (size_t i = 0; i < r->nchains; i++) {
		const struct ta_served_chain *sc = &r->chains[i];
		const struct ta_chain *ch = sc->analysis;

		if (!ch || ch->n == 0)
			continue;
		fprintf(out, "\n  Certificate %zu (", i + 1);
		for (size_t k = 0; k < sc->nhow; k++)
			fprintf(out, "%s%s", k ? "; " : "", sc->how[k]);
		fputs(")\n", out);
		cert_line(&ch->certs[0], "    ", out, color);
		if (ch->certs[0].nsan) {
			fputs("      SAN:", out);
			for (size_t k = 0; k < ch->certs[0].nsan && k < 20; k++) {
				fputc(' ', out);
				ta_fput_safe(ch->certs[0].san[k], out);
			}
			if (ch->certs[0].nsan > 20)
				fprintf(out, " ... (%zu in all)", ch->certs[0].nsan);
			fputc('\n', out);
		}
		fprintf(out, "      hostname: %s, trusted: %s",
		        ch->hostname_match < 0 ? "not checked"
		        : ch->hostname_match   ? "match"
		                               : "NO MATCH",
		        ch->trusted == 1 ? "yes" : "no (");
		if (ch->trusted != 1) {
			ta_fput_safe(ch->trust_error, out);
			fputc(')', out);
		}
		fprintf(out, ", chain: %zu certificate%s%s%s%s\n", ch->n, ch->n == 1 ? "" : "s",
		        ch->order_ok ? "" : ", WRONG ORDER", ch->complete ? "" : ", INCOMPLETE",
		        ch->sha1_in_chain ? ", SHA-1 inside" : "");
		fprintf(out, "      OCSP stapled: %s, must-staple: %s, SCTs: %d\n",
		        sc->ocsp ? "yes" : "no", ch->certs[0].must_staple ? "yes" : "no",
		        ch->certs[0].sct_count);
		for (size_t k = 1; k < ch->n; k++)
			cert_line(&ch->certs[k], "      > ", out, color);
	}
}

static void
features_text(const struct ta_features *f, FILE *out)
{
	static const struct {
		const char *name;
		size_t off;
	} rows[] = {
	        {"OCSP stapling", offsetof(struct ta_features, ocsp_stapling)},
	        {"secure renegotiation", offsetof(struct ta_features, secure_renegotiation)},
	        {"client renegotiation", offsetof(struct ta_features, client_renegotiation)},
	        {"fallback SCSV", offsetof(struct ta_features, fallback_scsv)},
	        {"compression", offsetof(struct ta_features, compression)},
	        {"session ID resumption", offsetof(struct ta_features, session_id_resumption)},
	        {"session ticket resumption", offsetof(struct ta_features, session_ticket)},
	        {"TLS 1.3 tickets", offsetof(struct ta_features, tls13_tickets)},
	        {"TLS 1.3 resumption", offsetof(struct ta_features, tls13_resumption)},
	        {"extended master secret", offsetof(struct ta_features, extended_master_secret)},
	        {"encrypt-then-MAC", offsetof(struct ta_features, encrypt_then_mac)},
	        {"heartbeat", offsetof(struct ta_features, heartbeat)},
	        {"0-RTT early data", offsetof(struct ta_features, early_data)},
	};

	if (!f->tested)
		return;
	fputs("\n  Handshake features\n", out);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int v = *(const int *)((const char *)f + rows[i].off);

		fprintf(out, "    %-26s %s\n", rows[i].name,
		        v == TA_YES  ? "yes"
		        : v == TA_NO ? "no"
		                     : "not tested");
	}
	fprintf(out, "    %-26s", "ALPN");
	if (!f->alpn_tested)
		fputs(" not tested", out);
	else if (f->nalpn == 0)
		fputs(" none", out);
	for (size_t i = 0; i < f->nalpn; i++) {
		fputc(' ', out);
		ta_fput_safe(f->alpn[i], out);
	}
	fputc('\n', out);
	if (f->npn[0]) {
		fprintf(out, "    %-26s ", "NPN");
		ta_fput_safe(f->npn, out);
		fputc('\n', out);
	}
}

static void
label_value(FILE *out, const char *label, const char *value)
{
	fprintf(out, "    %-22s", label);
	ta_fput_safe(value, out);
	fputc('\n', out);
}

static void
http_text(const struct ta_http_result *h, FILE *out)
{
	char buf[320];

	if (!h->tested)
		return;
	fputs("\n  HTTP\n", out);
	if (h->error[0])
		label_value(out, "HTTPS request:", h->error);
	else
		fprintf(out, "    %-22s%d\n", "HTTPS GET / status:", h->https_status);
	if (h->redirect_to_https == TA_YES)
		snprintf(buf, sizeof buf, "yes (%d to %s)", h->http_status, h->redirect_location);
	else if (h->redirect_to_https == TA_NO)
		snprintf(buf, sizeof buf, "no (status %d%s%s)", h->http_status,
		         h->redirect_location[0] ? ", Location " : "", h->redirect_location);
	else
		snprintf(buf, sizeof buf, "unknown (%s)",
		         h->http_error[0] ? h->http_error : "no answer");
	fprintf(out, "    %-22s", "HTTP redirect:");
	fprintf(out, "port %u: ", h->http_port);
	ta_fput_safe(buf, out);
	fputc('\n', out);
	if (!h->hsts_present)
		snprintf(buf, sizeof buf, "none");
	else if (!h->hsts.valid)
		snprintf(buf, sizeof buf, "invalid (%s)", h->hsts.error);
	else
		snprintf(buf, sizeof buf, "max-age=%lld%s%s", (long long)h->hsts.max_age,
		         h->hsts.include_subdomains ? "; includeSubDomains" : "",
		         h->hsts.preload ? "; preload" : "");
	label_value(out, "HSTS:", buf);
	snprintf(buf, sizeof buf, "%s%s", tri_text(h->csp),
	         h->csp_report_only ? " (report-only)" : "");
	label_value(out, "CSP:", buf);
	if (h->csp_value[0])
		label_value(out, "  policy:", h->csp_value);
	snprintf(buf, sizeof buf, "%s%s%s%s", tri_text(h->compression),
	         h->content_encoding[0] ? " (" : "", h->content_encoding,
	         h->content_encoding[0] ? ", BREACH exposure if secrets are reflected)" : "");
	label_value(out, "HTTP compression:", buf);
}

static void
dns_text(const struct ta_dns_result *d, FILE *out)
{
	if (!d->tested)
		return;
	fputs("\n  DNS\n", out);
	if (d->error[0]) {
		label_value(out, "CAA:", d->error);
		return;
	}
	if (d->ncaa == 0) {
		label_value(out, "CAA:", "none (any CA may issue)");
		return;
	}
	label_value(out, "CAA set at:", d->caa_domain);
	for (size_t i = 0; i < d->ncaa; i++) {
		char buf[320];

		snprintf(buf, sizeof buf, "%u %s \"%s\"", d->caa[i].flags, d->caa[i].tag,
		         d->caa[i].value);
		label_value(out, "", buf);
	}
}

static void
target_text(const struct ta_result *r, FILE *out, int color)
{
	fprintf(out, "%s", color ? C_BLD : "");
	ta_fput_safe(r->host, out);
	fprintf(out, ":%u", r->port);
	if (r->ip[0])
		fprintf(out, " (%s)", r->ip);
	fprintf(out, "%s\n", color ? C_OFF : "");
	fprintf(out, "  service: %s", r->service);
	if (r->starttls.proto[0]) {
		fprintf(out, " (STARTTLS %s)", tri_text(r->starttls.offered));
		if (r->starttls.banner[0]) {
			fputs(", greeting: ", out);
			ta_fput_safe(r->starttls.banner, out);
		}
		if (r->starttls.busy)
			fprintf(out, "\n  the server was busy %u time(s); tlsaudit slowed down",
			        r->starttls.busy);
	}
	fputc('\n', out);
	if (r->incomplete) {
		fprintf(out, "  %sincomplete%s: ", color ? C_RED : "", color ? C_OFF : "");
		ta_fput_safe(r->incomplete_reason, out);
		fputc('\n', out);
	}
	if (!r->ok) {
		fprintf(out, "  %serror%s: ", color ? C_RED : "", color ? C_OFF : "");
		ta_fput_safe(r->error, out);
		fputc('\n', out);
	}
	fprintf(out, "  %u connections, %.2f s\n", r->connections, (double)r->duration_ms / 1000.0);
	fprintf(out, "\n  Protocols\n");
	for (int v = 0; v < TA_NVER; v++) {
		const struct ta_ver_result *vr = &r->ver[v];

		fprintf(out, "    %-8s %s%s", ta_ver_name(v),
		        !vr->tested   ? "not tested"
		        : vr->offered ? "offered"
		                      : "not offered",
		        vr->incomplete ? " (incomplete)" : "");
		if (vr->offered && vr->nsuites > 1)
			fprintf(out, ", server order: %s", tri_text(vr->server_order));
		if (vr->chacha_priority != TA_UNKNOWN)
			fprintf(out, ", ChaCha20 priority: %s", tri_text(vr->chacha_priority));
		fputc('\n', out);
	}
	for (int v = TA_NVER - 1; v >= 0; v--) {
		const struct ta_ver_result *vr = &r->ver[v];

		if (!vr->offered || vr->nsuites == 0)
			continue;
		fprintf(out, "\n  %s cipher suites (%zu)%s\n", ta_ver_name(v), vr->nsuites,
		        vr->server_order == TA_YES ? ", server's order" : "");
		for (size_t i = 0; i < vr->nsuites; i++) {
			const struct ta_suite *s = v == TA_V_SSL2
			                                   ? ta_ssl2_suite_find(vr->suites[i])
			                                   : ta_suite_find(vr->suites[i]);

			fprintf(out, "    %s  0x%04X  %-48s %-32s %4u bits\n",
			        mark(ta_suite_strength(s), color), (unsigned)vr->suites[i],
			        s ? s->iana : "UNKNOWN", s && s->openssl ? s->openssl : "-",
			        s ? s->bits : 0);
		}
	}
	if (r->ngroups)
		fputc('\n', out);
	for (int k = 0; k < 2; k++) {
		const struct ta_version_groups *gv = k == 0 ? &r->groups13 : &r->groups12;

		if (gv->vidx < 0 || gv->n == 0)
			continue;
		fprintf(out, "  Key exchange groups, %s (%s):", ta_ver_name(gv->vidx),
		        gv->server_order == TA_YES  ? "server's order"
		        : gv->server_order == TA_NO ? "client's order"
		                                    : "order unknown");
		for (size_t i = 0; i < gv->n; i++) {
			const struct ta_group *g = ta_group_find(gv->groups[i]);

			if (g)
				fprintf(out, " %s", g->iana);
			else
				fprintf(out, " 0x%04X", gv->groups[i]);
		}
		fputc('\n', out);
	}
	if (r->dh.bits)
		fprintf(out, "  DH parameters (no FFDHE group offered): %u bits, %s\n", r->dh.bits,
		        r->dh.group);
	if (r->nsigschemes) {
		fprintf(out, "  Signature schemes:");
		for (size_t i = 0; i < r->nsigschemes; i++) {
			const struct ta_sigscheme *s = ta_sigscheme_find(r->sigschemes[i]);

			if (s)
				fprintf(out, " %s", s->iana);
			else
				fprintf(out, " 0x%04X", r->sigschemes[i]);
		}
		fputc('\n', out);
	}
	certs_text(r, out, color);
	features_text(&r->features, out);
	http_text(&r->http, out);
	dns_text(&r->dns, out);
	for (size_t i = 0; i < r->nnotes; i++) {
		fprintf(out, "  note: ");
		ta_fput_safe(r->notes[i], out);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void
mail_text(const struct ta_mail_result *m, FILE *out, int color)
{
	char buf[400];

	fprintf(out, "%smail domain ", color ? C_BLD : "");
	ta_fput_safe(m->domain, out);
	fprintf(out, "%s\n", color ? C_OFF : "");
	if (m->error[0])
		label_value(out, "error:", m->error);
	if (m->null_mx)
		label_value(out, "MX:", "null MX (RFC 7505): the domain accepts no mail");
	if (m->implicit_mx)
		label_value(out, "MX:", "none: mail goes to the domain itself (RFC 5321 5.1)");
	for (size_t i = 0; i < m->nmx; i++) {
		const struct ta_mail_mx *x = &m->mx[i];

		snprintf(buf, sizeof buf, "%u %s", x->preference, x->host);
		label_value(out, i == 0 ? "MX:" : "", buf);
		if (x->sts_match != TA_UNKNOWN)
			label_value(out, "  in MTA-STS policy:", tri_text(x->sts_match));
		if (x->tlsa_error[0])
			label_value(out, "  TLSA:", x->tlsa_error);
		else if (x->ntlsa == 0)
			label_value(out, "  DANE:", "no TLSA records");
		else {
			snprintf(buf, sizeof buf, "%zu TLSA record(s)%s; match: %s", x->ntlsa,
			         x->tlsa_ad ? " (resolver says validated)" : " (not validated)",
			         tri_text(x->dane_match));
			label_value(out, "  DANE:", buf);
			if (x->dane_detail[0])
				label_value(out, "", x->dane_detail);
		}
	}
	if (!m->sts_record && !m->sts_error[0])
		label_value(out, "MTA-STS:", "no record");
	else if (m->sts_policy) {
		snprintf(buf, sizeof buf, "id %s, mode %s, max_age %u, %zu mx pattern(s)",
		         m->sts_id, m->sts_mode, m->sts_max_age, m->nsts_mx);
		label_value(out, "MTA-STS:", buf);
	}
	if (m->sts_error[0])
		label_value(out, "MTA-STS problem:", m->sts_error);
	if (m->rpt_record && !m->rpt_error[0]) {
		snprintf(buf, sizeof buf, "%zu report address(es)%s%s", m->nrpt_rua,
		         m->nrpt_rua ? ", first " : "", m->nrpt_rua ? m->rpt_rua[0] : "");
		label_value(out, "TLS-RPT:", buf);
	} else {
		label_value(out, "TLS-RPT:", m->rpt_error[0] ? m->rpt_error : "no record");
	}
	fputc('\n', out);
}

int
ta_report_text(const struct ta_scan *scan, FILE *out, int color)
{
	for (size_t i = 0; i < ta_scan_mail_count(scan); i++)
		mail_text(ta_scan_mail(scan, i), out, color);
	for (size_t i = 0; i < ta_scan_target_count(scan); i++) {
		size_t n;
		struct ta_eval *const *ev;

		target_text(ta_scan_result(scan, i), out, color);
		if (!ta_scan_result(scan, i)->ok)
			continue;
		ev = ta_report_evals(scan, i, &n);
		if (!ev)
			continue;
		fputs("  Profiles\n", out);
		ta_eval_matrix((const struct ta_eval *const *)ev, n, out);
		for (size_t k = 0; k < n; k++)
			if (ev[k] && strcmp(ta_profile_id(ta_eval_profile(ev[k])),
			                    scan->focus_profile) == 0) {
				fprintf(out, "\n  %s: rules that fail or warn\n",
				        scan->focus_profile);
				ta_eval_text(ev[k], out, true);
			}
		fputc('\n', out);
	}
	return ferror(out) ? TA_ESYS : TA_OK;
}

int
ta_scan_write(const struct ta_scan *scan, enum ta_format fmt, FILE *out, int color)
{
	switch (fmt) {
	case TA_FORMAT_JSON:
		return ta_report_json(scan, out);
	case TA_FORMAT_CSV:
		return ta_report_csv(scan, out);
	case TA_FORMAT_HTML:
		return ta_report_html(scan, out);
	case TA_FORMAT_TEXT:
		break;
	}
	return ta_report_text(scan, out, color);
}
