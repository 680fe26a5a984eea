/*
 * The list kinds: versions, suites, groups, signature schemes and the DH
 * group, each judged item by item against the rule's lists (allowed, good,
 * sufficient, tolerated, phase_out, forbidden, other, required,
 * required_any: docs/profiles.md), and the classification they share with
 * the certificate kinds.
 */
#include <stdlib.h>
#include <string.h>

#include "profile/eval_int.h"
#include "wire/registry.h"

/* ---- list classification ---- */

int
ev_level_of(const struct ta_rule *ru, const char *s)
{
	for (int l = 0; l < LV_N; l++)
		if (in_list(&ru->lv[l], s))
			return l;
	return LV_N;
}

enum ta_verdict
ev_unlisted_verdict(const struct ta_rule *ru)
{
	if (ru->other >= 0)
		return (enum ta_verdict)ru->other;
	return ru->lv[LV_ALLOWED].n || ru->lv[LV_GOOD].n || ru->lv[LV_SUFFICIENT].n ||
	                       ru->lv[LV_TOLERATED].n
	               ? TA_VERDICT_FAIL
	               : TA_VERDICT_PASS;
}

enum ta_verdict
ev_level_verdict(const struct ta_rule *ru, int l)
{
	switch (l) {
	case LV_PHASE_OUT:
		return TA_VERDICT_WARN;
	case LV_FORBIDDEN:
		return TA_VERDICT_FAIL;
	case LV_N:
		return ev_unlisted_verdict(ru);
	default:
		return TA_VERDICT_PASS;
	}
}

/* The label the evidence gives an item, or NULL for none. */
static const char *
item_label(const struct ta_rule *ru, int l)
{
	switch (l) {
	case LV_GOOD:
		return "good";
	case LV_SUFFICIENT:
		return "sufficient";
	case LV_TOLERATED:
		return "accepted deviation";
	case LV_PHASE_OUT:
		return "phase out";
	case LV_FORBIDDEN:
		return rated(ru) ? "insufficient" : "forbidden";
	case LV_N:
		switch (ev_unlisted_verdict(ru)) {
		case TA_VERDICT_FAIL:
			return rated(ru) ? "insufficient" : "not in profile";
		case TA_VERDICT_WARN:
			return "not in profile";
		default:
			return NULL;
		}
	default:
		return NULL;
	}
}

const char *
ev_level_token(const struct ta_rule *ru, int l)
{
	switch (l) {
	case LV_ALLOWED:
		return "allowed";
	case LV_GOOD:
		return "good";
	case LV_SUFFICIENT:
		return "sufficient";
	case LV_TOLERATED:
		return "tolerated";
	case LV_PHASE_OUT:
		return "phase_out";
	case LV_FORBIDDEN:
		return rated(ru) ? "insufficient" : "forbidden";
	default:
		switch (ev_unlisted_verdict(ru)) {
		case TA_VERDICT_FAIL:
			return rated(ru) ? "insufficient" : "not_in_profile";
		case TA_VERDICT_WARN:
			return "not_in_profile";
		default:
			return "unlisted";
		}
	}
}

struct ta_item *
ev_list_item(struct ta_out *o, const struct ta_rule *ru, enum ta_item_kind kind, const char *name,
             int ver)
{
	int l = ev_level_of(ru, name);
	struct ta_item *it =
	        ev_item(o, kind, name, TA_YES, ev_level_token(ru, l), ev_level_verdict(ru, l));

	if (it)
		it->ver = (int8_t)ver;
	return it;
}

static void
list_names(struct sb *b, const struct items *it, const bool *pick)
{
	bool first = true;

	for (size_t i = 0; i < it->n; i++)
		if (pick[i]) {
			ev_add(b, "%s%s", first ? "" : ", ", it->v[i]);
			first = false;
		}
}

/* "Allowed: a, b." from the passing levels. */
static void
allowed_hint(const struct ta_rule *ru, struct sb *b)
{
	static const int ok[] = {LV_ALLOWED, LV_GOOD, LV_SUFFICIENT, LV_TOLERATED};
	bool first = true;

	for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
		for (size_t i = 0; i < ru->lv[ok[k]].n; i++) {
			ev_add(b, "%s%s", first ? " Allowed: " : ", ", ru->lv[ok[k]].v[i]);
			first = false;
		}
	if (!first)
		ev_add(b, ".");
}

void
ev_classify(const struct ta_rule *ru, const struct items *it, const char *what, bool complete,
            bool cert, enum ta_item_kind ikind, struct ta_out *o)
{
	bool *bad = calloc(it->n ? it->n : 1, sizeof *bad);
	bool *warn = calloc(it->n ? it->n : 1, sizeof *warn);
	bool *tol = calloc(it->n ? it->n : 1, sizeof *tol);
	bool anybad = false, anywarn = false, anytol = false, anysuff = false;
	enum ta_verdict v = TA_VERDICT_PASS;

	if (!bad || !warn || !tol) {
		o->ev.oom = true;
		goto out;
	}
	ev_sep(&o->ev);
	ev_add(&o->ev, "%s: ", what);
	if (!it->n)
		ev_add(&o->ev, "none");
	for (size_t i = 0; i < it->n; i++) {
		int l = ev_level_of(ru, it->v[i]);
		enum ta_verdict iv = ev_level_verdict(ru, l);
		const char *lab = item_label(ru, l);

		ev_add(&o->ev, "%s%s", i ? ", " : "", it->v[i]);
		if (lab)
			ev_add(&o->ev, " (%s)", lab);
		bad[i] = iv == TA_VERDICT_FAIL;
		warn[i] = iv == TA_VERDICT_WARN;
		tol[i] = l == LV_TOLERATED;
		anybad |= bad[i];
		anywarn |= warn[i];
		anytol |= tol[i];
		anysuff |= l == LV_SUFFICIENT;
		if (iv > v)
			v = iv;
	}
	ev_add(&o->ev, ".");
	if (anybad) {
		ev_sep(&o->fix);
		ev_add(&o->fix, cert ? "Replace what uses %s " : "Disable %s ", what);
		list_names(&o->fix, it, bad);
		ev_add(&o->fix, ".");
		if (cert)
			allowed_hint(ru, &o->fix);
	}
	if (anywarn) {
		ev_sep(&o->fix);
		ev_add(&o->fix, cert ? "Plan to replace what uses %s " : "Plan to disable %s ",
		       what);
		list_names(&o->fix, it, warn);
		ev_add(&o->fix, " (%s).", rated(ru) ? "rated phase out" : "not in profile");
	}
	if (anytol) {
		ev_sep(&o->dev);
		ev_add(&o->dev, "Accepted deviation: ");
		list_names(&o->dev, it, tol);
		ev_add(&o->dev, ": %s", ru->tolerated_note ? ru->tolerated_note : "");
	}
	/* Required items: a miss is a failure only when the list is complete,
	 * or when each required item's presence is known by itself. */
	bool req_complete = it->req_set ? it->req_known : complete;
	enum ta_verdict miss = req_complete ? TA_VERDICT_FAIL : TA_VERDICT_CNT;
	bool missing = false;
	for (size_t i = 0; i < ru->required.n; i++)
		if (!ev_items_has(it, ru->required.v[i])) {
			if (!missing) {
				ev_sep(&o->ev);
				ev_add(&o->ev, "Required but not seen:");
				ev_sep(&o->fix);
				ev_add(&o->fix, "Enable");
			}
			ev_add(&o->ev, "%s %s", missing ? "," : "", ru->required.v[i]);
			ev_add(&o->fix, "%s %s", missing ? "," : "", ru->required.v[i]);
			missing = true;
			if (ikind != IK_N)
				ev_item(o, ikind, ru->required.v[i],
				        req_complete ? TA_NO : TA_UNKNOWN, "required", miss);
		}
	if (missing) {
		ev_add(&o->ev, ".");
		ev_add(&o->fix, ".");
		if (miss > v)
			v = miss;
	}
	if (ru->required_any.n) {
		bool found = false;

		for (size_t i = 0; i < ru->required_any.n; i++)
			found |= ev_items_has(it, ru->required_any.v[i]);
		if (!found) {
			ev_sep(&o->ev);
			ev_add(&o->ev, "The profile requires at least one of: ");
			for (size_t i = 0; i < ru->required_any.n; i++)
				ev_add(&o->ev, "%s%s", i ? ", " : "", ru->required_any.v[i]);
			ev_add(&o->ev, "; none %s.", req_complete ? "is offered" : "was seen");
			ev_sep(&o->fix);
			ev_add(&o->fix, "Enable at least one of: ");
			for (size_t i = 0; i < ru->required_any.n; i++)
				ev_add(&o->fix, "%s%s", i ? ", " : "", ru->required_any.v[i]);
			ev_add(&o->fix, ".");
			if (miss > v)
				v = miss;
		}
	}
	if (!complete && v == TA_VERDICT_PASS)
		v = TA_VERDICT_CNT;
	if (rated(ru))
		o->rating = v == TA_VERDICT_FAIL   ? "insufficient"
		            : v == TA_VERDICT_WARN ? "phase_out"
		            : v == TA_VERDICT_CNT  ? NULL
		            : anysuff              ? "sufficient"
		                                   : "good";
	worsen(o, v);
out:
	free(bad);
	free(warn);
	free(tol);
}

/* ---- kinds ---- */

void
ev_versions(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	bool complete = true;
	bool any_unknown = false;

	for (int i = 0; i < TA_NVER; i++)
		if (ver_offered(c->r, i)) {
			ev_items_add(&it, ta_ver_name(i));
			ev_list_item(o, ru, IK_VERSION, ta_ver_name(i), -1);
		}
	/* An unknown version matters if offering it would not pass, or if it
	 * could satisfy a requirement. */
	for (int i = 0; i < TA_NVER; i++) {
		const char *name = ta_ver_name(i);
		int l = ev_level_of(ru, name);

		if (ver_known(c->r, i))
			continue;
		if (ev_level_verdict(ru, l) != TA_VERDICT_PASS || in_list(&ru->required, name) ||
		    in_list(&ru->required_any, name)) {
			if (!any_unknown) {
				ev_add(&o->ev, "Not tested or probe incomplete:");
				any_unknown = true;
			} else {
				ev_add(&o->ev, ",");
			}
			ev_add(&o->ev, " %s", name);
			complete = false;
			/* A required one is an item of the classification below. */
			if (!in_list(&ru->required, name))
				ev_item(o, IK_VERSION, name, TA_UNKNOWN, ev_level_token(ru, l),
				        TA_VERDICT_CNT);
		}
	}
	if (any_unknown)
		ev_add(&o->ev, ".");
	if (it.oom)
		o->ev.oom = true;
	/* each version is probed on its own: a required one known not offered
	 * is a failure even when another version went untested */
	it.req_set = true;
	it.req_known = true;
	for (int i = 0; i < TA_NVER; i++)
		if (!ver_known(c->r, i) && (in_list(&ru->required, ta_ver_name(i)) ||
		                            in_list(&ru->required_any, ta_ver_name(i))))
			it.req_known = false;
	ev_classify(ru, &it, "versions", complete, false, IK_VERSION, o);
	free(it.v);
}

static void
scope_name(const struct ta_rule *ru, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < TA_NVER; i++)
		if (ru->vmask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "/" : "",
			                      ta_ver_name(i));
}

void
ev_suites(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	bool complete = true, any = false;
	char scope[80], what[128], buf[32];

	scope_name(ru, scope, sizeof scope);
	for (int i = 0; i < TA_NVER; i++) {
		const struct ta_ver_result *v = &c->r->ver[i];

		if (!(ru->vmask & (1u << i)))
			continue;
		if (!ver_known(c->r, i) || v->incomplete) {
			complete = false;
			ev_add(&o->ev, "%s%s probe %s.", o->ev.len ? " " : "", ta_ver_name(i),
			       v->tested ? "incomplete" : "not run");
		}
		if (!ver_offered(c->r, i))
			continue;
		any = true;
		for (size_t k = 0; k < v->nsuites; k++) {
			const char *name = ev_suite_name(v->suites[k], buf, sizeof buf);

			ev_items_add(&it, name);
			ev_list_item(o, ru, IK_SUITE, name, i);
		}
	}
	if (it.oom)
		o->ev.oom = true;
	if (!any) {
		ev_sep(&o->ev);
		ev_add(&o->ev, "%s not offered.", scope);
		worsen(o, complete ? TA_VERDICT_NA : TA_VERDICT_CNT);
	} else {
		snprintf(what, sizeof what, "%s cipher suites", scope);
		ev_classify(ru, &it, what, complete, false, IK_SUITE, o);
	}
	free(it.v);
}

void
ev_groups(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	char buf[32];
	int any = ev_some_offered(c->r, TA_V_TLS10, TA_V_TLS13);

	if (any == 0) {
		ev_add(&o->ev, "No TLS version offered.");
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!c->r->groups_tested) {
		ev_add(&o->ev, "Key-exchange groups were not tested.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	for (size_t i = 0; i < c->r->ngroups; i++) {
		const char *name = ev_group_name(c->r->groups[i], buf, sizeof buf);

		if (!ev_items_has(&it, name))
			ev_list_item(o, ru, IK_GROUP, name, -1);
		ev_items_add(&it, name);
	}
	if (it.oom)
		o->ev.oom = true;
	ev_classify(ru, &it, "key-exchange groups", any == 1, false, IK_GROUP, o);
	free(it.v);
}

void
ev_sigschemes(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	char buf[32];
	int any = ev_some_offered(c->r, TA_V_TLS12, TA_V_TLS13);

	if (any == 0) {
		ev_add(&o->ev, "Neither TLSv1.2 nor TLSv1.3 offered.");
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!c->r->sig12_tested && !c->r->sig13_tested) {
		ev_add(&o->ev, "Signature schemes were not tested.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	for (size_t i = 0; i < c->r->nsigschemes; i++) {
		const char *name = ev_sigscheme_name(c->r->sigschemes[i], buf, sizeof buf);

		if (!ev_items_has(&it, name))
			ev_list_item(o, ru, IK_SIGSCHEME, name, -1);
		ev_items_add(&it, name);
	}
	if (it.oom)
		o->ev.oom = true;
	/* Complete only when every offered version's schemes were tested. */
	bool complete = any == 1 && (!ver_offered(c->r, TA_V_TLS12) || c->r->sig12_tested) &&
	                (!ver_offered(c->r, TA_V_TLS13) || c->r->sig13_tested);
	ev_classify(ru, &it, "key-exchange signature schemes", complete, false, IK_SIGSCHEME, o);
	free(it.v);
}

void
ev_dh(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_result *r = c->r;
	bool dhe = false, complete = true, lists = false;
	struct ta_item *item;

	for (int i = TA_V_SSL3; i <= TA_V_TLS12; i++) {
		if (!ver_known(r, i) || r->ver[i].incomplete)
			complete = false;
		if (!ver_offered(r, i))
			continue;
		for (size_t k = 0; k < r->ver[i].nsuites; k++) {
			const struct ta_suite *s = ta_suite_find(r->ver[i].suites[k]);

			if (s && (s->kx == TA_KX_DHE || s->kx == TA_KX_DHE_PSK))
				dhe = true;
		}
	}
	if (!dhe) {
		ev_add(&o->ev, "No DHE cipher suite %s.", complete ? "offered" : "seen");
		worsen(o, complete ? TA_VERDICT_NA : TA_VERDICT_CNT);
		return;
	}
	if (r->dh.bits == 0) {
		ev_add(&o->ev, "A DHE cipher suite is offered but no DH parameters were seen.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	for (int l = 0; l < LV_N; l++)
		lists |= ru->lv[l].n > 0;
	/* The item: below min_bits it fails whatever the lists say. */
	if (ru->min_bits >= 0 && r->dh.bits < ru->min_bits)
		item = ev_item(o, IK_DH, r->dh.group, TA_YES, "below_minimum", TA_VERDICT_FAIL);
	else if (lists)
		item = ev_list_item(o, ru, IK_DH, r->dh.group, -1);
	else
		item = ev_item(o, IK_DH, r->dh.group, TA_YES, "sufficient", TA_VERDICT_PASS);
	ev_item_int(item, r->dh.bits);

	ev_add(&o->ev, "Weakest DH group: %s, %u bits%s.", r->dh.group, r->dh.bits,
	       r->dh.ffdhe_only ? " (DHE only with an RFC 7919 group the client offers; "
	                          "the smallest the server accepts)"
	                        : "");
	if (ru->min_bits >= 0 && r->dh.bits < ru->min_bits) {
		ev_sep(&o->fix);
		ev_add(&o->fix,
		       "Use DH parameters of at least %ld bits (e.g. ffdhe%ld), or disable "
		       "DHE suites.",
		       ru->min_bits, ru->min_bits < 2048 ? 2048 : ru->min_bits);
		worsen(o, TA_VERDICT_FAIL);
		if (rated(ru))
			o->rating = "insufficient";
	}
	if (lists) {
		struct items it = {0};

		ev_items_add(&it, r->dh.group);
		if (it.oom)
			o->ev.oom = true;
		enum ta_verdict before = o->v;
		const char *rt = o->rating;
		o->v = TA_VERDICT_NA;
		ev_classify(ru, &it, "DH group", true, true, IK_DH, o);
		if (before > o->v) {
			o->v = before;
			o->rating = rt;
		}
		if (o->v == TA_VERDICT_FAIL || o->v == TA_VERDICT_WARN)
			ev_add(&o->fix, " Or disable DHE cipher suites.");
		free(it.v);
	}
	worsen(o, TA_VERDICT_PASS);
}
