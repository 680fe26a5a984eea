/*
 * HTML report: what the executive summary counts of each target document
 * (html_int.h), kept in memory while the sections stream to a temporary
 * file: a compact row per target, per profile and per target profile the
 * verdicts, per vulnerability id the endpoints, and the distinct leaf
 * certificates.  The trend counter (render.h) counts a stored run's
 * documents with the same functions, so the trend and the summary of a
 * run agree.  Reads only the document (docs/schema/scan.schema.json).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

/* ---- protocols and suites ---- */

const char *const hw_weak_label[HW_NWEAK] = {
        [HW_WK_ANY] = "any suite marked weak",
        [HW_WK_NULL] = "NULL cipher",
        [HW_WK_ANON] = "anonymous",
        [HW_WK_EXPORT] = "export grade",
        [HW_WK_RC4] = "RC4",
        [HW_WK_DES] = "DES or 3DES",
        [HW_WK_OTHER] = "other (RC2, MD5, SSLv2)",
        [HW_WK_NOAEAD] = "no AEAD suite",
};

void
hw_version_span(const json_t *protos, int *hi, int *lo)
{
	*hi = *lo = -1;
	for (int v = 0; v < HW_NVER; v++)
		if (hw_true(json_object_get(protos, hw_versions[v]), "offered")) {
			if (*lo < 0)
				*lo = v;
			*hi = v;
		}
}

/* The categories of one weak suite: by its IANA name (as cipher_suites has
 * it) and the export flag of its details. */
static unsigned
weak_cats(const char *name, const json_t *d)
{
	unsigned m = 1u << HW_WK_ANY, named;

	if (!name)
		name = "";
	if (strstr(name, "NULL"))
		m |= 1u << HW_WK_NULL;
	if (strstr(name, "_anon_"))
		m |= 1u << HW_WK_ANON;
	if (hw_true(d, "export") || strstr(name, "EXPORT"))
		m |= 1u << HW_WK_EXPORT;
	if (strstr(name, "RC4"))
		m |= 1u << HW_WK_RC4;
	if (strstr(name, "DES"))
		m |= 1u << HW_WK_DES;
	named = (1u << HW_WK_NULL) | (1u << HW_WK_ANON) | (1u << HW_WK_EXPORT) | (1u << HW_WK_RC4) |
	        (1u << HW_WK_DES);
	if (!(m & named))
		m |= 1u << HW_WK_OTHER;
	return m;
}

unsigned
hw_weak_of(const json_t *protos)
{
	unsigned m = 0;
	size_t nsuites = 0, naead = 0;

	for (int v = 0; v < HW_NVER; v++) {
		const json_t *p = json_object_get(protos, hw_versions[v]);
		const json_t *names = hw_arr(p, "cipher_suites");
		const json_t *det = hw_arr(p, "cipher_suite_details");

		for (size_t i = 0; i < json_array_size(names); i++) {
			const json_t *d = json_array_get(det, i);
			const char *st = hw_str(d, "strength");

			nsuites++;
			naead += hw_true(d, "aead");
			if (st && strcmp(st, "weak") == 0)
				m |= weak_cats(json_string_value(json_array_get(names, i)), d);
		}
	}
	if (nsuites > 0 && naead == 0)
		m |= 1u << HW_WK_NOAEAD;
	return m;
}

/* ---- certificates ---- */

const char *const hw_exp_label[HW_NEXP] = {
        [HW_EXP_EXPIRED] = "expired or not yet valid",
        [HW_EXP_14] = "under 14 days",
        [HW_EXP_30] = "14 to 29 days",
        [HW_EXP_90] = "30 to 89 days",
        [HW_EXP_LATER] = "90 days or more",
};

enum hw_exp
hw_exp_of(long long days, bool expired, bool not_yet_valid)
{
	if (expired || not_yet_valid || days < 0)
		return HW_EXP_EXPIRED;
	return days < 14 ? HW_EXP_14 : days < 30 ? HW_EXP_30 : days < 90 ? HW_EXP_90 : HW_EXP_LATER;
}

static size_t
fp_hash(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

static int
certs_grow(struct hw_certs *cs)
{
	size_t nslot = cs->nslot ? 2 * cs->nslot : 64;
	size_t *slot = calloc(nslot, sizeof *slot);

	if (!slot)
		return TA_ENOMEM;
	for (size_t i = 0; i < cs->n; i++) {
		size_t k = fp_hash(cs->v[i].fp) & (nslot - 1);

		while (slot[k])
			k = (k + 1) & (nslot - 1);
		slot[k] = i + 1;
	}
	free(cs->slot);
	cs->slot = slot;
	cs->nslot = nslot;
	return TA_OK;
}

static int
cert_add(struct hw_certs *cs, const json_t *c, size_t row, bool keep_subject)
{
	const char *fp = hw_nstr(c, "sha256_fingerprint");
	struct hw_cert *e;
	size_t k;

	if (!fp)
		return TA_OK; /* not in the schema's documents: nothing to count it by */
	if (2 * (cs->n + 1) > cs->nslot && certs_grow(cs) != TA_OK)
		return TA_ENOMEM;
	for (k = fp_hash(fp) & (cs->nslot - 1); cs->slot[k]; k = (k + 1) & (cs->nslot - 1)) {
		e = &cs->v[cs->slot[k] - 1];
		if (strcmp(e->fp, fp) == 0) {
			if (e->last != row + 1)
				e->nendpoints++;
			e->last = row + 1;
			return TA_OK;
		}
	}
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 32;
		struct hw_cert *v = realloc(cs->v, cap * sizeof *v);

		if (!v)
			return TA_ENOMEM;
		cs->v = v;
		cs->cap = cap;
	}
	e = &cs->v[cs->n];
	memset(e, 0, sizeof *e);
	e->fp = strdup(fp);
	e->subject = keep_subject ? strdup(hw_str(c, "subject") ? hw_str(c, "subject") : "") : NULL;
	if (!e->fp || (keep_subject && !e->subject)) {
		free(e->fp);
		free(e->subject);
		return TA_ENOMEM;
	}
	e->days = hw_int(c, "days_left", 0);
	e->expired = hw_true(c, "expired");
	e->not_yet_valid = hw_true(c, "not_yet_valid");
	e->first = row;
	e->nendpoints = 1;
	e->last = row + 1;
	cs->slot[k] = ++cs->n;
	return TA_OK;
}

int
hw_certs_add(struct hw_certs *cs, const json_t *certs, size_t row, bool keep_subject)
{
	for (size_t i = 0; i < json_array_size(certs); i++)
		if (cert_add(cs, json_array_get(certs, i), row, keep_subject) != TA_OK)
			return TA_ENOMEM;
	return TA_OK;
}

void
hw_certs_free(struct hw_certs *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->v[i].fp);
		free(cs->v[i].subject);
	}
	free(cs->v);
	free(cs->slot);
	memset(cs, 0, sizeof *cs);
}

/* ---- target profile ---- */

const char *
hw_target_profile(const json_t *t, const char *focus, bool *given)
{
	const char *tp = hw_nstr(t, "target_profile");

	*given = tp != NULL;
	return tp ? tp : focus && *focus ? focus : HW_DEFAULT_PROFILE;
}

/* The target's verdict on its target profile: HW_GOOD compliant, HW_WARN
 * incomplete, HW_BAD not compliant, HW_INFO not tested or (*none) not
 * evaluated. */
static enum hw_level
tp_verdict(const json_t *t, const char *tp, bool ok, const char **words, bool *none)
{
	const json_t *p = json_object_get(json_object_get(t, "profiles"), tp);

	*none = ok && !json_is_object(p);
	return hw_profile_verdict(json_is_object(p) ? p : NULL, ok, words);
}

/* ---- the trend counter (render.h) ---- */

struct ta_trend_counter {
	char *focus;
	struct ta_trend_point p;
	struct hw_certs certs;
	size_t n;
	int err;
};

struct ta_trend_counter *
ta_trend_counter_new(const char *focus)
{
	struct ta_trend_counter *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->focus = strdup(focus ? focus : HW_DEFAULT_PROFILE);
	if (!c->focus) {
		free(c);
		return NULL;
	}
	return c;
}

static bool
any_vulnerable(const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *st = hw_str(json_array_get(list, i), "status");

		if (st && strcmp(st, "vulnerable") == 0)
			return true;
	}
	return false;
}

int
ta_trend_counter_add(struct ta_trend_counter *c, const json_t *t)
{
	const char *st = hw_str(t, "status"), *words;
	bool ok = st && strcmp(st, "ok") == 0, given, none;
	enum hw_level lv;
	int hi, lo;

	c->p.endpoints++;
	if (!ok)
		return TA_OK;
	c->p.scanned++;
	lv = tp_verdict(t, hw_target_profile(t, c->focus, &given), true, &words, &none);
	c->p.compliant += !none && (lv == HW_GOOD || lv == HW_WARN);
	hw_version_span(json_object_get(t, "protocols"), &hi, &lo);
	c->p.old_tls += lo >= 0 && lo < HW_V_TLS12;
	c->p.weak += (hw_weak_of(json_object_get(t, "protocols")) & (1u << HW_WK_ANY)) != 0;
	c->p.vulnerable += any_vulnerable(hw_arr(t, "vulnerabilities"));
	if (!c->err)
		c->err = hw_certs_add(&c->certs, hw_arr(t, "certificates"), c->n, false);
	c->n++;
	return c->err;
}

void
ta_trend_counter_end(struct ta_trend_counter *c, struct ta_trend_point *p)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->certs.n; i++) {
		const struct hw_cert *e = &c->certs.v[i];

		c->p.expiring += hw_exp_of(e->days, e->expired, e->not_yet_valid) <= HW_EXP_30;
	}
	p->endpoints = c->p.endpoints;
	p->scanned = c->p.scanned;
	p->compliant = c->p.compliant;
	p->old_tls = c->p.old_tls;
	p->weak = c->p.weak;
	p->expiring = c->p.expiring;
	p->vulnerable = c->p.vulnerable;
	hw_certs_free(&c->certs);
	free(c->focus);
	free(c);
}

/* ---- the rows of the page ---- */

static void
row_free(struct hw_row *r)
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
	if (h->ncols == HW_MAX_PROFILES)
		return -1;
	memset(&h->cols[h->ncols], 0, sizeof h->cols[h->ncols]);
	h->cols[h->ncols].id = hw_dup(id, &oom);
	h->cols[h->ncols].title = hw_dup(hw_str(prof, "title"), &oom);
	if (oom) {
		free(h->cols[h->ncols].id);
		free(h->cols[h->ncols].title);
		return -1;
	}
	return (int)h->ncols++;
}

/* The worst of the served leaves: soonest expiry, any untrusted chain, any
 * name mismatch. */
static void
row_certificates(struct hw_row *r, const json_t *certs)
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
row_verdicts(struct ta_html *h, struct hw_row *r, const json_t *profiles)
{
	const char *id;
	const json_t *p;

	json_object_foreach ((json_t *)profiles, id, p) {
		int k = column_of(h, id, p);
		const json_t *rules = hw_arr(p, "rules");
		struct hw_verdict *v;

		if (k < 0)
			continue;
		if ((size_t)k >= r->nv) {
			struct hw_verdict *nv = realloc(r->v, (size_t)(k + 1) * sizeof *nv);

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
			h->cols[k].good += v->lv == HW_GOOD;
			h->cols[k].warn += v->lv == HW_WARN;
			h->cols[k].bad += v->lv == HW_BAD;
		}
	}
	return TA_OK;
}

static int
row_target_profile(struct ta_html *h, struct hw_row *r, const json_t *t)
{
	bool given, none;
	const char *tp = hw_target_profile(t, h->o.focus_profile, &given);
	enum hw_level lv = tp_verdict(t, tp, r->ok, &r->tp_words, &none);
	size_t k;

	for (k = 0; k < h->ntps; k++)
		if (strcmp(h->tps[k].id, tp) == 0)
			break;
	/* more target profiles than a chart has bars (a hand-made report):
	 * the rest are counted with the last */
	if (k == HW_MAX_PROFILES)
		k = HW_MAX_PROFILES - 1;
	if (k == h->ntps) {
		struct hw_tp *n = realloc(h->tps, (h->ntps + 1) * sizeof *n);

		if (!n)
			return TA_ENOMEM;
		h->tps = n;
		memset(&n[k], 0, sizeof n[k]);
		if (!(n[k].id = strdup(tp)))
			return TA_ENOMEM;
		h->ntps++;
	}
	h->tps[k].given |= given;
	h->tp_given |= given;
	if (none)
		h->tps[k].n_none++;
	else
		h->tps[k].n[lv]++;
	if (none)
		r->tp_words = "not evaluated";
	r->tp = k;
	r->tp_lv = (uint8_t)lv;
	return TA_OK;
}

static void
row_vulns(struct ta_html *h, struct hw_row *r, const json_t *list)
{
	if (!json_is_array(list))
		return;
	h->nvuln_docs++;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);
		const char *id = hw_nstr(v, "id"), *st = hw_str(v, "status");
		size_t k;

		if (!id || !st)
			continue;
		for (k = 0; k < h->nvulns; k++)
			if (strcmp(h->vulns[k].id, id) == 0)
				break;
		if (k == h->nvulns) {
			if (k == HW_MAX_VULNS || !(h->vulns[k].id = strdup(id)))
				continue; /* counted no further: a hand-made document */
			h->vulns[k].vulnerable = h->vulns[k].untested = 0;
			h->nvulns++;
		}
		if (strcmp(st, "vulnerable") == 0) {
			h->vulns[k].vulnerable += !(r->vulns & (UINT64_C(1) << k));
			r->vulns |= UINT64_C(1) << k;
		}
		h->vulns[k].untested += strcmp(st, "could_not_test") == 0;
	}
}

int
hw_add_row(struct ta_html *h, const json_t *t)
{
	struct hw_row r = {0};
	bool oom = false;
	const char *st = hw_str(t, "status");
	int hi, lo;

	if (h->nrows == h->caprows) {
		size_t cap = h->caprows ? 2 * h->caprows : 64;
		struct hw_row *n = realloc(h->rows, cap * sizeof *n);

		if (!n)
			return TA_ENOMEM;
		h->rows = n;
		h->caprows = cap;
	}
	r.ok = st && strcmp(st, "ok") == 0;
	r.incomplete = hw_true(t, "incomplete");
	r.port = hw_int(t, "port", 0);
	r.host = hw_dup(hw_str(t, "host") ? hw_str(t, "host") : "?", &oom);
	r.ip = hw_dup(hw_nstr(t, "ip"), &oom);
	r.service = hw_dup(hw_str(t, "service"), &oom);
	r.note = hw_dup(r.ok ? hw_str(t, "incomplete_reason") : hw_str(t, "error"), &oom);
	hw_version_span(json_object_get(t, "protocols"), &hi, &lo);
	r.hi = (int8_t)hi;
	r.lo = (int8_t)lo;
	for (int v = 0; v < HW_NVER; v++) {
		const json_t *det =
		        hw_arr(json_object_get(json_object_get(t, "protocols"), hw_versions[v]),
		               "cipher_suite_details");

		for (size_t i = 0; i < json_array_size(det); i++) {
			const char *s = hw_str(json_array_get(det, i), "strength");

			r.weak += s && strcmp(s, "weak") == 0;
		}
	}
	r.weak_cats = r.ok ? hw_weak_of(json_object_get(t, "protocols")) : 0;
	row_certificates(&r, hw_arr(t, "certificates"));
	if (oom || row_verdicts(h, &r, json_object_get(t, "profiles")) != TA_OK ||
	    row_target_profile(h, &r, t) != TA_OK ||
	    (r.ok && hw_certs_add(&h->certs, hw_arr(t, "certificates"), h->nrows, true) != TA_OK)) {
		row_free(&r);
		return TA_ENOMEM;
	}
	if (r.ok)
		row_vulns(h, &r, json_object_get(t, "vulnerabilities"));
	h->rows[h->nrows++] = r;
	return TA_OK;
}

void
hw_rows_free(struct ta_html *h)
{
	for (size_t i = 0; i < h->nrows; i++)
		row_free(&h->rows[i]);
	free(h->rows);
	for (size_t k = 0; k < h->ncols; k++) {
		free(h->cols[k].id);
		free(h->cols[k].title);
	}
	for (size_t k = 0; k < h->ntps; k++)
		free(h->tps[k].id);
	free(h->tps);
	for (size_t k = 0; k < h->nvulns; k++)
		free(h->vulns[k].id);
	hw_certs_free(&h->certs);
}
