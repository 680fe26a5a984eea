/*
 * A profile's verdict as the result document holds it ("profiles" -> id):
 * per rule the verdict and texts, the items judged one by one and what the
 * rule requires, as data (docs/profiles.md, "Items and requirements"; the
 * schema is docs/schema/scan.schema.json, profile_verdict).
 */
#include <stdlib.h>
#include <string.h>

#include "profile/eval_int.h"

static json_t *
tri_json(int t)
{
	return t == TA_UNKNOWN ? json_null() : json_boolean(t == TA_YES);
}

static json_t *
item_json(const struct ta_item *it)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	if (json_object_set_new(j, "kind", json_string(ta_item_kind_names[it->kind])) ||
	    json_object_set_new(j, "id", json_string(it->id)) ||
	    (it->ver >= 0 &&
	     json_object_set_new(j, "version", json_string(ta_ver_name(it->ver)))) ||
	    json_object_set_new(j, "present", tri_json(it->present)) ||
	    json_object_set_new(j, "level", json_string(it->level)) ||
	    json_object_set_new(j, "verdict", json_string(ta_verdict_name(it->verdict))) ||
	    (it->vtype == IV_INT && json_object_set_new(j, "value", json_integer(it->ival))) ||
	    (it->vtype == IV_STR && json_object_set_new(j, "value", json_string(it->sval)))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* key: [names], left out when empty.  Nonzero on allocation failure. */
static int
put_list(json_t *o, const char *key, const struct strlist *l)
{
	json_t *a;

	if (!l->n)
		return 0;
	if (!(a = json_array()) || json_object_set_new(o, key, a))
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (json_array_append_new(a, json_string(l->v[i])))
			return -1;
	return 0;
}

/* key: [one], for the kinds whose subject is a single fact. */
static int
put_one(json_t *o, const char *key, const char *name)
{
	char *v[] = {(char *)name};
	struct strlist l = {v, 1};

	return put_list(o, key, &l);
}

static int
put_num(json_t *o, const char *key, long v)
{
	return v >= 0 && json_object_set_new(o, key, json_integer(v)) ? -1 : 0;
}

/* What the rule asks for: exactly its lists and limits. */
static json_t *
requires_json(const struct ta_rule *ru)
{
	json_t *o = json_object();
	const struct ta_kind *k = ru->kind;
	bool lists = false;
	int rc = 0;

	if (!o)
		return NULL;
	for (int l = 0; l < LV_N; l++) {
		rc |= put_list(o, ta_level_keys[l], &ru->lv[l]);
		lists |= ru->lv[l].n > 0;
	}
	/* The verdict of an item in no list, default resolved. */
	if (lists)
		rc |= json_object_set_new(o, "other",
		                          json_string(ta_verdict_name(ev_unlisted_verdict(ru))));
	rc |= put_list(o, "required", &ru->required);
	rc |= put_list(o, "required_any", &ru->required_any);
	/* The single-subject kinds: their subject, required or forbidden. */
	if (k->eval == ev_feature) {
		rc |= put_one(o, ru->expect ? "required" : "forbidden", ru->feature->name);
		rc |= json_object_set_new(o, "when",
		                          json_string(ta_cond_names[ev_feature_when(ru)]));
	} else if (k->eval == ev_server_order) {
		rc |= put_one(o, ru->expect ? "required" : "forbidden", "server_order");
	} else if (k->eval == ev_hsts) {
		rc |= put_one(o, "required", "hsts");
	} else if (k->eval == ev_https_redirect) {
		rc |= put_one(o, "required", "redirect_to_https");
	} else if (k->eval == ev_csp) {
		rc |= put_one(o, "required", "csp");
	} else if (k->eval == ev_caa) {
		rc |= put_one(o, "required", "caa");
	}
	rc |= put_list(o, "protocols", &ru->protocols);
	rc |= put_list(o, "unless_only", &ru->unless_only);
	rc |= put_num(o, "min_bits", ru->min_bits);
	rc |= put_num(o, "warn_below_bits", ru->warn_below_bits);
	rc |= put_num(o, "max_days", ru->max_days);
	rc |= put_num(o, "warn_days", ru->warn_days);
	rc |= put_num(o, "min_age", ru->min_age);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
rule_json(const struct ta_rres *rr)
{
	char src[4 * TA_PROFILE_MAX_STR], trust[2] = {rr->rule->trust, 0};
	json_t *j, *items;

	ta_rule_source(rr->rule, src, sizeof src);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", rr->rule->id, "result",
	              ta_verdict_name(rr->v), "evidence", rr->evidence, "remediation",
	              rr->remediation, "source", src, "trust", trust);
	if (!j)
		return NULL;
	if ((rr->rule->note && json_object_set_new(j, "note", json_string(rr->rule->note))) ||
	    (rr->deviation && json_object_set_new(j, "deviation", json_string(rr->deviation))) ||
	    (rr->rating && json_object_set_new(j, "rating", json_string(rr->rating))) ||
	    json_object_set_new(j, "kind", json_string(rr->rule->kind->name)) ||
	    !(items = json_array()) || json_object_set_new(j, "items", items))
		goto fail;
	for (size_t i = 0; i < rr->nitems; i++)
		if (json_array_append_new(items, item_json(&rr->items[i])))
			goto fail;
	if (json_object_set_new(j, "requires", requires_json(rr->rule)))
		goto fail;
	return j;
fail:
	json_decref(j);
	return NULL;
}

json_t *
ta_eval_json(const struct ta_eval *e)
{
	json_t *o = json_object(), *rules = json_array();

	if (!o || !rules)
		goto fail;
	if (json_object_set_new(o, "title", json_string(e->p->title)) ||
	    json_object_set_new(o, "compliant", json_boolean(ta_eval_compliant(e))) ||
	    json_object_set_new(o, "complete", json_boolean(ta_eval_complete(e))))
		goto fail;
	for (size_t i = 0; i < e->n; i++)
		if (json_array_append_new(rules, rule_json(&e->rr[i])))
			goto fail;
	if (json_object_set_new(o, "rules", rules))
		goto fail_o;
	return o;
fail:
	json_decref(rules);
fail_o:
	json_decref(o);
	return NULL;
}
