/*
 * The evaluator: one scan result (struct ta_result) judged against one
 * profile, rule by rule, each with a verdict, the evidence seen, the
 * remediation in plain words, and the items judged one by one.  Rule kinds
 * are the table ta_kinds[]; each kind lives in the file for what it judges
 * (eval_int.h lists them).
 *
 * Honesty rules: a fact the scan does not have is "could not test", never
 * "pass" (an untested or incomplete version, a TA_UNKNOWN feature, no
 * analysed certificate, HTTP facts the scan does not collect).  A failure
 * already proven (a forbidden suite seen) stays a failure even when the
 * rest of the list is incomplete.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "profile/eval_int.h"
#include "wire/registry.h"

const char *
ta_verdict_name(enum ta_verdict v)
{
	static const char *const names[] = {"not_applicable", "pass", "warning", "could_not_test",
	                                    "fail"};

	return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

/* ---- bounded string building ---- */

void
ev_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t want = b->len + (size_t)n + 1;
		if (want > TA_EVAL_TEXT_MAX) {
			/* Capped: keep what fits and mark the cut. */
			if (b->p && b->cap > 4)
				memcpy(b->p + b->cap - 4, "...", 4);
			b->len = b->cap ? b->cap - 1 : 0;
			return;
		}
		size_t ncap = b->cap ? b->cap : 128;
		while (ncap < want)
			ncap *= 2;
		if (ncap > TA_EVAL_TEXT_MAX)
			ncap = TA_EVAL_TEXT_MAX;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		if (!b->p)
			np[0] = '\0';
		b->p = np;
		b->cap = ncap;
	}
}

void
ev_sep(struct sb *b)
{
	if (b->len)
		ev_add(b, " ");
}

void
ev_take(struct sb *b, char **dst, bool *oom)
{
	if (b->oom) {
		*oom = true;
		free(b->p);
		*dst = NULL;
		return;
	}
	if (!b->p) {
		*dst = strdup("");
		if (!*dst)
			*oom = true;
		return;
	}
	*dst = b->p;
}

/* ---- items ---- */

const char *const ta_item_kind_names[IK_N] = {
        "version",  "suite", "group", "sigscheme",     "dh", "cert", "feature",
        "protocol", "http",  "dns",   "vulnerability",
};

struct ta_item *
ev_item(struct ta_out *o, enum ta_item_kind kind, const char *id, int present, const char *level,
        enum ta_verdict v)
{
	struct ta_item *it;

	if (o->items_oom)
		return NULL;
	if (o->nitems == o->capitems) {
		size_t ncap = o->capitems ? 2 * o->capitems : 8;
		void *np = realloc(o->items, ncap * sizeof *o->items);

		if (!np) {
			o->items_oom = true;
			return NULL;
		}
		o->items = np;
		o->capitems = ncap;
	}
	it = &o->items[o->nitems++];
	memset(it, 0, sizeof *it);
	it->kind = (uint8_t)kind;
	it->ver = -1;
	it->present = (int8_t)present;
	it->verdict = (uint8_t)v;
	it->level = level;
	snprintf(it->id, sizeof it->id, "%s", id);
	return it;
}

void
ev_item_int(struct ta_item *it, long long v)
{
	if (!it)
		return;
	it->vtype = IV_INT;
	it->ival = v;
}

void
ev_item_str(struct ta_item *it, const char *s)
{
	if (!it)
		return;
	it->vtype = IV_STR;
	snprintf(it->sval, sizeof it->sval, "%s", s);
}

/* ---- facts from the scan ---- */

int
ev_some_offered(const struct ta_result *r, int lo, int hi)
{
	bool unknown = false;

	for (int i = lo; i <= hi; i++) {
		if (ver_offered(r, i))
			return 1;
		if (!ver_known(r, i))
			unknown = true;
	}
	return unknown ? -1 : 0;
}

const char *
ev_suite_name(uint32_t id, char *buf, size_t len)
{
	const struct ta_suite *s = ta_suite_find(id);

	if (s && s->iana)
		return s->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

const char *
ev_group_name(uint16_t id, char *buf, size_t len)
{
	const struct ta_group *g = ta_group_find(id);

	if (g)
		return g->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

const char *
ev_sigscheme_name(uint16_t id, char *buf, size_t len)
{
	const struct ta_sigscheme *s = ta_sigscheme_find(id);

	if (s)
		return s->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

void
ev_items_add(struct items *it, const char *s)
{
	if (ev_items_has(it, s))
		return;
	if (it->n == it->cap) {
		size_t ncap = it->cap ? 2 * it->cap : 16;
		void *np = realloc(it->v, ncap * sizeof *it->v);

		if (!np) {
			it->oom = true;
			return;
		}
		it->v = np;
		it->cap = ncap;
	}
	snprintf(it->v[it->n++], sizeof it->v[0], "%s", s);
}

bool
ev_items_has(const struct items *it, const char *s)
{
	for (size_t i = 0; i < it->n; i++)
		if (strcmp(it->v[i], s) == 0)
			return true;
	return false;
}

/* ---- kinds ---- */

const struct ta_kind ta_kinds[] = {
        {"versions", K_LISTS, 0, IT_VERSION, ev_versions},
        {"suites", K_LISTS | K_PROTOCOLS, K_PROTOCOLS, IT_SUITE, ev_suites},
        {"groups", K_LISTS, 0, IT_GROUP, ev_groups},
        {"sigschemes", K_LISTS, 0, IT_SIGSCHEME, ev_sigschemes},
        {"dh", K_LISTS | K_MIN_BITS, 0, IT_FREE, ev_dh},
        {"cert_key_type", K_LISTS, K_LISTS, IT_FREE, ev_cert_key_type},
        {"cert_rsa_bits", K_MIN_BITS | K_WARN_BELOW, K_MIN_BITS, IT_FREE, ev_cert_rsa_bits},
        {"cert_curve", K_LISTS, K_LISTS, IT_GROUP, ev_cert_curve},
        {"cert_signature", K_LISTS, K_LISTS, IT_FREE, ev_cert_signature},
        {"cert_lifetime", K_MAX_DAYS | K_WARN_DAYS, 0, IT_FREE, ev_cert_lifetime},
        {"feature", K_FEATURE | K_EXPECT | K_OTHERWISE | K_WHEN, K_FEATURE | K_EXPECT, IT_FREE,
         ev_feature},
        {"server_order", K_PROTOCOLS | K_EXPECT | K_OTHERWISE | K_UNLESS_ONLY,
         K_PROTOCOLS | K_EXPECT, IT_FREE, ev_server_order},
        {"hsts", K_MIN_AGE, K_MIN_AGE, IT_FREE, ev_hsts},
        {"https_redirect", 0, 0, IT_FREE, ev_https_redirect},
        {"csp", 0, 0, IT_FREE, ev_csp},
        {"caa", 0, 0, IT_FREE, ev_caa},
        {"vulnerabilities", K_LISTS, K_LISTS, IT_FREE, ev_vulnerabilities},
};
const size_t ta_kinds_count = sizeof ta_kinds / sizeof ta_kinds[0];

/* ---- evaluation ---- */

static void
rres_free(struct ta_rres *rr)
{
	free(rr->evidence);
	free(rr->remediation);
	free(rr->deviation);
	free(rr->items);
}

void
ta_eval_free(struct ta_eval *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		rres_free(&e->rr[i]);
	free(e->rr);
	free(e);
}

static void
eval_rule(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_rres *rr)
{
	struct ta_out o = {.v = TA_VERDICT_NA};

	rr->rule = ru;
	if (!c->r->ok) {
		ev_add(&o.ev, "The scan failed: %s.",
		       c->r->error[0] ? c->r->error : "unknown error");
		o.v = TA_VERDICT_CNT;
	} else {
		ru->kind->eval(ru, c, &o);
	}
	/* A "should" rule cannot fail, nor can its items. */
	if (ru->severity == TA_VERDICT_WARN) {
		if (o.v == TA_VERDICT_FAIL)
			o.v = TA_VERDICT_WARN;
		for (size_t i = 0; i < o.nitems; i++)
			if (o.items[i].verdict == TA_VERDICT_FAIL)
				o.items[i].verdict = TA_VERDICT_WARN;
	}
	if (!o.rating && o.v <= TA_VERDICT_FAIL)
		o.rating = ru->rating[o.v];
	if (ru->advice && (o.v == TA_VERDICT_FAIL || o.v == TA_VERDICT_WARN)) {
		ev_sep(&o.fix);
		ev_add(&o.fix, "%s", ru->advice);
	}
	rr->v = o.v;
	rr->rating = o.rating;
	rr->items = o.items;
	rr->nitems = o.nitems;
	rr->oom |= o.items_oom;
	ev_take(&o.ev, &rr->evidence, &rr->oom);
	ev_take(&o.fix, &rr->remediation, &rr->oom);
	if (o.dev.len || o.dev.oom)
		ev_take(&o.dev, &rr->deviation, &rr->oom);
	else
		free(o.dev.p);
}

int
ta_profile_evaluate(const struct ta_profile *p, const struct ta_result *r, bool https,
                    struct ta_eval **out)
{
	return ta_profile_evaluate_vulns(p, r, https, NULL, out);
}

int
ta_profile_evaluate_vulns(const struct ta_profile *p, const struct ta_result *r, bool https,
                          const json_t *vulns, struct ta_eval **out)
{
	struct ta_ectx c = {.r = r, .https = https, .vulns = vulns};
	struct ta_eval *e;
	bool oom = false;

	*out = NULL;
	if (!(e = calloc(1, sizeof *e)) || !(e->rr = calloc(p->nrules, sizeof *e->rr))) {
		free(e);
		return TA_ENOMEM;
	}
	e->p = p;
	e->n = p->nrules;
	for (size_t i = 0; i < p->nrules; i++) {
		eval_rule(&p->rules[i], &c, &e->rr[i]);
		oom |= e->rr[i].oom;
	}
	if (oom) {
		ta_eval_free(e);
		return TA_ENOMEM;
	}
	*out = e;
	return 0;
}

bool
ta_eval_compliant(const struct ta_eval *e)
{
	return ta_eval_count(e, TA_VERDICT_FAIL) == 0;
}

bool
ta_eval_complete(const struct ta_eval *e)
{
	return ta_eval_count(e, TA_VERDICT_CNT) == 0;
}

const struct ta_profile *
ta_eval_profile(const struct ta_eval *e)
{
	return e->p;
}

size_t
ta_eval_count(const struct ta_eval *e, enum ta_verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += e->rr[i].v == v;
	return n;
}

size_t
ta_eval_nrules(const struct ta_eval *e)
{
	return e->n;
}

const char *
ta_eval_rule_id(const struct ta_eval *e, size_t i)
{
	return i < e->n ? e->rr[i].rule->id : NULL;
}

enum ta_verdict
ta_eval_rule_verdict(const struct ta_eval *e, size_t i)
{
	return i < e->n ? e->rr[i].v : TA_VERDICT_NA;
}

const char *
ta_eval_rule_evidence(const struct ta_eval *e, size_t i)
{
	return i < e->n ? e->rr[i].evidence : NULL;
}

const char *
ta_eval_rule_remediation(const struct ta_eval *e, size_t i)
{
	return i < e->n ? e->rr[i].remediation : NULL;
}
