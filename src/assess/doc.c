/*
 * The document of one target (and of one mail domain): the facts of its
 * plain result as the JSON tree of docs/schema/scan.schema.json, with the
 * judgements made once here (each suite's strength).  Built with jansson,
 * which escapes every string; names come from our registries, never from
 * server bytes, except texts the wire layer made printable.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assess/assess.h"
#include "cert/cert.h"
#include "cert/ocsp.h"
#include "model/facts.h"
#include "wire/registry.h"

static json_t *
tri(int v)
{
	return v == TA_YES ? json_true() : v == TA_NO ? json_false() : json_null();
}

static json_t *
group_names(const uint16_t *ids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct ta_group *g = ta_group_find(ids[i]);
		char unk[24];

		snprintf(unk, sizeof unk, "UNKNOWN_0x%04X", ids[i]);
		json_array_append_new(a, json_string(g ? g->iana : unk));
	}
	return a;
}

/* {"TLSv1.3": {"groups": [...], "server_order": ...}, "TLSv1.2": ...}:
 * each version that was probed for groups and negotiates some. */
static json_t *
groups_by_version(const struct ta_result *r)
{
	const struct ta_version_groups *gv[] = {&r->groups13, &r->groups12};
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof gv / sizeof gv[0]; i++)
		if (gv[i]->vidx >= 0 && gv[i]->n > 0)
			json_object_set_new(o, ta_ver_name(gv[i]->vidx),
			                    json_pack("{s:o, s:o}", "groups",
			                              group_names(gv[i]->groups, gv[i]->n),
			                              "server_order", tri(gv[i]->server_order)));
	return o;
}

static json_t *
suite_names(const struct ta_ver_result *v, bool ssl2)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->nsuites; i++) {
		const struct ta_suite *s =
		        ssl2 ? ta_ssl2_suite_find(v->suites[i]) : ta_suite_find(v->suites[i]);
		char unk[32];

		if (s) {
			json_array_append_new(a, json_string(s->iana));
		} else {
			snprintf(unk, sizeof unk, ssl2 ? "UNKNOWN_0x%06X" : "UNKNOWN_0x%04X",
			         (unsigned)v->suites[i]);
			json_array_append_new(a, json_string(unk));
		}
	}
	return a;
}

static json_t *
suite_details(const struct ta_ver_result *v, bool ssl2)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->nsuites; i++) {
		const struct ta_suite *s =
		        ssl2 ? ta_ssl2_suite_find(v->suites[i]) : ta_suite_find(v->suites[i]);
		char id[16];

		snprintf(id, sizeof id, ssl2 ? "0x%06X" : "0x%04X", (unsigned)v->suites[i]);
		static const char *const strength[] = {
		        [TA_ST_GOOD] = "good", [TA_ST_OK] = "ok", [TA_ST_WEAK] = "weak"};

		json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:i, s:b, s:b, s:b, s:s}",
		                                   "id", id, "iana", s ? s->iana : NULL, "openssl",
		                                   s ? s->openssl : NULL, "bits", s ? s->bits : 0,
		                                   "forward_secrecy", s && (s->flags & TA_SUITE_FS),
		                                   "aead", s && (s->flags & TA_SUITE_AEAD),
		                                   "export", s && (s->flags & TA_SUITE_EXPORT),
		                                   "strength", strength[ta_suite_strength(s)]));
	}
	return a;
}

static json_t *
iso_time(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
str_list(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* One certificate; jansson escapes every string (they come from servers). */
static json_t *
cert_json(const struct ta_cert *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "subject", json_string(c->subject ? c->subject : ""));
	json_object_set_new(o, "issuer", json_string(c->issuer ? c->issuer : ""));
	json_object_set_new(o, "serial", json_string(c->serial ? c->serial : ""));
	json_object_set_new(o, "san", str_list(c->san, c->nsan));
	json_object_set_new(o, "key_type", json_string(c->key_type));
	json_object_set_new(o, "key_bits", json_integer(c->key_bits));
	json_object_set_new(o, "curve", c->curve[0] ? json_string(c->curve) : json_null());
	json_object_set_new(o, "signature_algorithm", json_string(c->signature_algorithm));
	json_object_set_new(o, "not_before", iso_time(c->not_before));
	json_object_set_new(o, "not_after", iso_time(c->not_after));
	json_object_set_new(o, "days_left", json_integer(c->days_left));
	json_object_set_new(o, "lifetime_days", json_integer(c->lifetime_days));
	json_object_set_new(o, "expired", json_boolean(c->expired));
	json_object_set_new(o, "not_yet_valid", json_boolean(c->not_yet_valid));
	json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
	json_object_set_new(o, "is_ca", json_boolean(c->is_ca));
	json_object_set_new(o, "key_usage", json_string(c->key_usage));
	json_object_set_new(o, "extended_key_usage", json_string(c->ext_key_usage));
	json_object_set_new(o, "ocsp_must_staple", json_boolean(c->must_staple));
	json_object_set_new(o, "ocsp_urls", str_list(c->ocsp_urls, c->nocsp));
	json_object_set_new(o, "crl_urls", str_list(c->crl_urls, c->ncrl));
	json_object_set_new(o, "sct_count", json_integer(c->sct_count));
	json_object_set_new(o, "sha1_signature", json_boolean(c->sha1_signature));
	json_object_set_new(o, "weak_key", json_boolean(c->weak_key));
	json_object_set_new(o, "sha256_fingerprint", json_string(c->sha256));
	json_object_set_new(o, "sha1_fingerprint", json_string(c->sha1));
	return o;
}

static json_t *
tri_int(int v)
{
	return v == TA_YES ? json_true() : v == TA_NO ? json_false() : json_null();
}

static json_t *
certificates_json(const struct ta_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nchains; i++) {
		const struct ta_served_chain *sc = &r->chains[i];
		const struct ta_chain *ch = sc->analysis;
		json_t *o, *chain, *how;

		if (!ch || ch->n == 0)
			continue;
		o = cert_json(&ch->certs[0]);
		json_object_set_new(o, "hostname_match",
		                    ch->hostname_match < 0 ? json_null()
		                                           : json_boolean(ch->hostname_match));
		json_object_set_new(o, "trusted", json_boolean(ch->trusted == 1));
		json_object_set_new(o, "trust_error",
		                    ch->trusted == 1 ? json_null() : json_string(ch->trust_error));
		json_object_set_new(o, "chain_order_ok", json_boolean(ch->order_ok));
		json_object_set_new(o, "chain_complete", json_boolean(ch->complete));
		json_object_set_new(o, "sha1_in_chain", json_boolean(ch->sha1_in_chain));
		json_object_set_new(o, "root_in_chain", json_boolean(ch->has_anchor_in_chain));
		json_object_set_new(o, "ocsp_stapled", json_boolean(sc->ocsp != NULL));
		if (sc->ocsp) {
			struct ta_ocsp oc;

			ta_ocsp_parse(sc->ocsp, sc->ocsp_len, &oc);
			json_object_set_new(
			        o, "ocsp_response",
			        json_pack("{s:s, s:s, s:o, s:o, s:o}", "response_status",
			                  oc.response_status, "cert_status", oc.cert_status,
			                  "this_update",
			                  oc.this_update ? iso_time(oc.this_update) : json_null(),
			                  "next_update",
			                  oc.next_update ? iso_time(oc.next_update) : json_null(),
			                  "revoked_at",
			                  oc.revoked_at ? iso_time(oc.revoked_at) : json_null()));
		} else {
			json_object_set_new(o, "ocsp_response", json_null());
		}
		chain = json_array();
		for (size_t k = 1; k < ch->n; k++)
			json_array_append_new(chain, cert_json(&ch->certs[k]));
		json_object_set_new(o, "chain", chain);
		how = json_array();
		for (size_t k = 0; k < sc->nhow; k++)
			json_array_append_new(how, json_string(sc->how[k]));
		json_object_set_new(o, "served", how);
		json_object_set_new(o, "sni", json_boolean(sc->sni));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
alpn_json(const struct ta_features *f)
{
	json_t *alpn;

	if (!f->alpn_tested)
		return json_null();
	alpn = json_array();
	for (size_t i = 0; i < f->nalpn; i++)
		json_array_append_new(alpn, json_string(f->alpn[i]));
	return alpn;
}

/* NPN protocols the server listed (comma-separated in the result). */
static json_t *
npn_json(const struct ta_features *f)
{
	json_t *npn;
	const char *p = f->npn;

	if (!f->npn_tested)
		return json_null();
	npn = json_array();
	while (*p) {
		size_t n = strcspn(p, ",");

		json_array_append_new(npn, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return npn;
}
static json_t *
features_json(const struct ta_features *f)
{
	json_t *o;

	if (!f->tested)
		return json_null();
	o = json_object();
	for (size_t i = 0; i < ta_feature_facts_count; i++) {
		const struct ta_fact *fa = &ta_feature_facts[i];
		json_t *v = NULL;

		switch (fa->type) {
		case TA_FACT_TRI:
			v = tri_int(ta_fact_int(fa, f));
			break;
		case TA_FACT_COUNT: /* max_early_data: known when early_data is */
			v = f->early_data == TA_UNKNOWN ? json_null()
			                                : json_integer(ta_fact_int(fa, f));
			break;
		case TA_FACT_SIZE:
			v = f->record_size_limit >= 0    ? json_integer(f->record_size_limit)
			    : f->record_size_limit == -1 ? json_false()
			                                 : json_null();
			break;
		case TA_FACT_LIST:
			v = strcmp(fa->key, "alpn") == 0 ? alpn_json(f) : npn_json(f);
			break;
		}
		json_object_set_new(o, fa->key, v);
	}
	return o;
}

static json_t *
scheme_list(const uint16_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct ta_sigscheme *s = ta_sigscheme_find(v[i]);
		char unk[24];

		snprintf(unk, sizeof unk, "UNKNOWN_0x%04X", v[i]);
		json_array_append_new(a, json_string(s ? s->iana : unk));
	}
	return a;
}

static json_t *
str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* null for implicit TLS */
static json_t *
starttls_json(const struct ta_starttls_result *st)
{
	if (!st->proto[0])
		return json_null();
	return json_pack("{s:s, s:o, s:o, s:o, s:i}", "protocol", st->proto, "offered",
	                 tri(st->offered), "banner", str_or_null(st->banner), "error",
	                 str_or_null(st->error), "busy_replies", (json_int_t)st->busy);
}

/* null when not checked (not an HTTPS target, or --no-http) */
static json_t *
http_json(const struct ta_http_result *h)
{
	json_t *o, *hsts = json_null();

	if (!h->tested)
		return json_null();
	if (h->hsts_present && h->hsts.valid)
		hsts = json_pack("{s:I, s:b, s:b}", "max_age", (json_int_t)h->hsts.max_age,
		                 "include_subdomains", h->hsts.include_subdomains, "preload",
		                 h->hsts.preload);
	o = json_object();
	json_object_set_new(o, "error", str_or_null(h->error));
	json_object_set_new(o, "https_status",
	                    h->https_status ? json_integer(h->https_status) : json_null());
	json_object_set_new(o, "http_port", json_integer(h->http_port));
	json_object_set_new(o, "redirect_to_https", tri(h->redirect_to_https));
	json_object_set_new(o, "http_status",
	                    h->http_status ? json_integer(h->http_status) : json_null());
	json_object_set_new(o, "redirect_location", str_or_null(h->redirect_location));
	json_object_set_new(o, "http_error", str_or_null(h->http_error));
	json_object_set_new(o, "hsts", hsts);
	json_object_set_new(o, "hsts_header_present", json_boolean(h->hsts_present));
	json_object_set_new(o, "hsts_error",
	                    h->hsts_present && !h->hsts.valid ? json_string(h->hsts.error)
	                                                      : json_null());
	json_object_set_new(o, "csp", tri(h->csp));
	json_object_set_new(o, "csp_report_only", json_boolean(h->csp_report_only));
	json_object_set_new(o, "csp_value", str_or_null(h->csp_value));
	json_object_set_new(o, "compression", tri(h->compression));
	json_object_set_new(o, "content_encoding", str_or_null(h->content_encoding));
	json_object_set_new(o, "set_cookies",
	                    h->https_status ? json_integer(h->set_cookies) : json_null());
	json_object_set_new(o, "cache_control", str_or_null(h->cache_control));
	return o;
}

/* null when not looked up (an address, a special-use name, --no-dns) */
static json_t *
dns_json(const struct ta_dns_result *d)
{
	json_t *recs = json_array();

	if (!d->tested) {
		json_decref(recs);
		return json_null();
	}
	for (size_t i = 0; i < d->ncaa; i++)
		json_array_append_new(recs,
		                      json_pack("{s:i, s:b, s:s, s:s}", "flags", d->caa[i].flags,
		                                "critical", (d->caa[i].flags & 0x80) != 0, "tag",
		                                d->caa[i].tag, "value", d->caa[i].value));
	return json_pack("{s:{s:o, s:o, s:b, s:o}}", "caa", "domain", str_or_null(d->caa_domain),
	                 "records", recs, "truncated", d->caa_truncated, "error",
	                 str_or_null(d->error));
}

json_t *
ta_doc_mail(const struct ta_mail_result *m)
{
	json_t *mxs = json_array(), *o = json_object(), *sts, *rpt, *rua = json_array(),
	       *pmx = json_array();

	for (size_t i = 0; i < m->nmx; i++) {
		const struct ta_mail_mx *x = &m->mx[i];
		json_t *tlsa = json_array(), *dane;

		for (size_t k = 0; k < x->ntlsa; k++) {
			char hex[2 * TA_MAIL_TLSA_DATA + 1];

			for (size_t b = 0; b < x->tlsa[k].len; b++)
				snprintf(hex + 2 * b, 3, "%02x", x->tlsa[k].data[b]);
			hex[2 * x->tlsa[k].len] = '\0';
			json_array_append_new(
			        tlsa, json_pack("{s:i, s:i, s:i, s:s, s:b}", "usage",
			                        x->tlsa[k].usage, "selector", x->tlsa[k].selector,
			                        "matching_type", x->tlsa[k].mtype, "data", hex,
			                        "data_cut", x->tlsa[k].rawlen > x->tlsa[k].len));
		}
		dane = json_pack("{s:o, s:b, s:o, s:o, s:o}", "tlsa", tlsa, "ad", x->tlsa_ad,
		                 "error", str_or_null(x->tlsa_error), "match", tri(x->dane_match),
		                 "detail", str_or_null(x->dane_detail));
		json_array_append_new(mxs, json_pack("{s:s, s:i, s:o, s:o}", "host", x->host,
		                                     "preference", x->preference, "mta_sts_match",
		                                     tri(x->sts_match), "dane", dane));
	}
	for (size_t i = 0; i < m->nsts_mx; i++)
		json_array_append_new(pmx, json_string(m->sts_mx[i]));
	if (m->sts_policy)
		sts = json_pack("{s:b, s:o, s:o, s:s, s:I, s:o}", "record", m->sts_record, "id",
		                str_or_null(m->sts_id), "error", str_or_null(m->sts_error), "mode",
		                m->sts_mode, "max_age", (json_int_t)m->sts_max_age, "mx", pmx);
	else {
		json_decref(pmx);
		sts = json_pack("{s:b, s:o, s:o, s:n, s:n, s:n}", "record", m->sts_record, "id",
		                str_or_null(m->sts_id), "error", str_or_null(m->sts_error), "mode",
		                "max_age", "mx");
	}
	for (size_t i = 0; i < m->nrpt_rua; i++)
		json_array_append_new(rua, json_string(m->rpt_rua[i]));
	rpt = json_pack("{s:b, s:o, s:o}", "record", m->rpt_record, "rua", rua, "error",
	                str_or_null(m->rpt_error));
	json_object_set_new(o, "domain", json_string(m->domain));
	json_object_set_new(o, "error", str_or_null(m->error));
	json_object_set_new(o, "null_mx", json_boolean(m->null_mx));
	json_object_set_new(o, "implicit_mx", json_boolean(m->implicit_mx));
	json_object_set_new(o, "mx", mxs);
	json_object_set_new(o, "mta_sts", sts);
	json_object_set_new(o, "tls_rpt", rpt);
	return o;
}

json_t *
ta_doc_target(const struct ta_result *r)
{
	json_t *t = json_object(), *protos = json_object(), *sigs = json_array(),
	       *notes = json_array();

	json_object_set_new(t, "host", json_string(r->host));
	json_object_set_new(t, "port", json_integer(r->port));
	json_object_set_new(t, "ip", r->ip[0] ? json_string(r->ip) : json_null());
	json_object_set_new(t, "status", json_string(r->ok ? "ok" : "error"));
	json_object_set_new(t, "error", r->ok ? json_null() : json_string(r->error));
	json_object_set_new(t, "service", json_string(r->service));
	json_object_set_new(t, "starttls", starttls_json(&r->starttls));
	json_object_set_new(t, "incomplete", json_boolean(r->incomplete));
	json_object_set_new(t, "incomplete_reason",
	                    r->incomplete ? json_string(r->incomplete_reason) : json_null());
	json_object_set_new(t, "connections", json_integer(r->connections));
	json_object_set_new(t, "failed_connections", json_integer(r->failed_connections));
	json_object_set_new(t, "duration_ms", json_integer((json_int_t)r->duration_ms));
	for (int v = 0; v < TA_NVER; v++) {
		const struct ta_ver_result *vr = &r->ver[v];
		json_t *o = json_object();

		json_object_set_new(o, "offered", json_boolean(vr->offered));
		json_object_set_new(o, "tested", json_boolean(vr->tested));
		json_object_set_new(o, "complete", json_boolean(vr->tested && !vr->incomplete));
		json_object_set_new(o, "cipher_suites", suite_names(vr, v == TA_V_SSL2));
		json_object_set_new(o, "server_order", tri(vr->server_order));
		json_object_set_new(o, "chacha20_priority", tri(vr->chacha_priority));
		json_object_set_new(o, "cipher_suite_details", suite_details(vr, v == TA_V_SSL2));
		json_object_set_new(protos, ta_ver_name(v), o);
	}
	json_object_set_new(t, "protocols", protos);
	json_object_set_new(t, "groups", group_names(r->groups, r->ngroups));
	json_object_set_new(t, "groups_server_order", tri(r->groups_server_order));
	json_object_set_new(t, "groups_by_version", groups_by_version(r));
	json_object_set_new(t, "tls13_hello_retry_request", tri(r->hrr_seen));
	if (r->dh.bits) {
		json_t *dh = json_pack("{s:i, s:s}", "bits", r->dh.bits, "group", r->dh.group);

		if (dh && r->dh.ffdhe_only) /* only then: the usual case keeps its two keys */
			json_object_set_new(dh, "only_with_ffdhe", json_true());
		json_object_set_new(t, "dh", dh);
	} else
		json_object_set_new(t, "dh", json_null());
	json_decref(sigs);
	sigs = scheme_list(r->sigschemes, r->nsigschemes);
	json_object_set_new(t, "signature_schemes", sigs);
	json_object_set_new(t, "signature_schemes_by_version",
	                    json_pack("{s:o, s:o}", "TLSv1.2", scheme_list(r->sig12, r->nsig12),
	                              "TLSv1.3", scheme_list(r->sig13, r->nsig13)));
	json_object_set_new(t, "certificates", certificates_json(r));
	json_object_set_new(t, "features", features_json(&r->features));
	json_object_set_new(t, "http", http_json(&r->http));
	json_object_set_new(t, "dns", dns_json(&r->dns));
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(t, "notes", notes);
	return t;
}

json_t *
ta_doc_meta(time_t now)
{
	json_t *m = json_object();

	json_object_set_new(m, "tool", json_string("tlsaudit"));
	json_object_set_new(m, "version", json_string(TA_VERSION_STRING));
	json_object_set_new(m, "schema",
	                    json_string("https://tlsaudit.invalid/schema/scan-1.json"));
	json_object_set_new(m, "report_time", iso_time((int64_t)now));
	return m;
}
