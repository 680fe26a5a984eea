/*
 * The evaluator: one scan result (struct ta_result) judged against one
 * profile, rule by rule, each with a verdict, the evidence seen and the
 * remediation in plain words.  Rule kinds are the table ta_kinds[]; the
 * handshake features a rule can name are ta_features_tab[].
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

#include "cert/cert.h"
#include "profile/rule.h"
#include "wire/registry.h"

struct ta_eval {
	const struct ta_profile *p;
	struct ta_rres *rr;
	size_t n;
};

const char *
ta_verdict_name(enum ta_verdict v)
{
	static const char *const names[] = {"not_applicable", "pass", "warning", "could_not_test",
	                                    "fail"};

	return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

/* ---- bounded string building ---- */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) sb_add(struct sb *b, const char *fmt, ...)
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

/* Space between sentences. */
static void
sb_sep(struct sb *b)
{
	if (b->len)
		sb_add(b, " ");
}

/* Move a builder's text into *dst ("" when empty). */
static void
sb_take(struct sb *b, char **dst, bool *oom)
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

/* Evaluation output under construction. */
struct ta_out {
	enum ta_verdict v;
	struct sb ev, fix, dev;
	const char *rating;
};

static void
worsen(struct ta_out *o, enum ta_verdict v)
{
	if (v > o->v)
		o->v = v;
}

/* ---- facts from the scan ---- */

/* Whether a version is offered is known. */
static bool
ver_known(const struct ta_result *r, int i)
{
	const struct ta_ver_result *v = &r->ver[i];

	return v->tested && (v->offered || !v->incomplete);
}

static bool
ver_offered(const struct ta_result *r, int i)
{
	return r->ver[i].tested && r->ver[i].offered;
}

/* IANA name for a suite (or UNKNOWN_0x....) into buf. */
static const char *
suite_name(uint32_t id, char *buf, size_t len)
{
	const struct ta_suite *s = ta_suite_find(id);

	if (s && s->iana)
		return s->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

static const char *
group_name(uint16_t id, char *buf, size_t len)
{
	const struct ta_group *g = ta_group_find(id);

	if (g)
		return g->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

static const char *
sigscheme_name(uint16_t id, char *buf, size_t len)
{
	const struct ta_sigscheme *s = ta_sigscheme_find(id);

	if (s)
		return s->iana;
	snprintf(buf, len, "UNKNOWN_0x%04X", (unsigned)id);
	return buf;
}

/* A set of distinct item names, in first-seen order. */
struct items {
	char (*v)[80];
	size_t n, cap;
	bool oom;
};

static void
items_add(struct items *it, const char *s)
{
	for (size_t i = 0; i < it->n; i++)
		if (strcmp(it->v[i], s) == 0)
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

static bool
in_list(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static bool
items_has(const struct items *it, const char *s)
{
	for (size_t i = 0; i < it->n; i++)
		if (strcmp(it->v[i], s) == 0)
			return true;
	return false;
}

/* ---- list classification, shared by the list kinds ---- */

static bool
rated(const struct ta_rule *ru)
{
	return ru->lv[LV_GOOD].n || ru->lv[LV_SUFFICIENT].n;
}

/* Level of an item, or LV_N when unlisted. */
static int
level_of(const struct ta_rule *ru, const char *s)
{
	for (int l = 0; l < LV_N; l++)
		if (in_list(&ru->lv[l], s))
			return l;
	return LV_N;
}

static enum ta_verdict
unlisted_verdict(const struct ta_rule *ru)
{
	if (ru->other >= 0)
		return (enum ta_verdict)ru->other;
	return ru->lv[LV_ALLOWED].n || ru->lv[LV_GOOD].n || ru->lv[LV_SUFFICIENT].n ||
	                       ru->lv[LV_TOLERATED].n
	               ? TA_VERDICT_FAIL
	               : TA_VERDICT_PASS;
}

static enum ta_verdict
level_verdict(const struct ta_rule *ru, int l)
{
	switch (l) {
	case LV_PHASE_OUT:
		return TA_VERDICT_WARN;
	case LV_FORBIDDEN:
		return TA_VERDICT_FAIL;
	case LV_N:
		return unlisted_verdict(ru);
	default:
		return TA_VERDICT_PASS;
	}
}

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
		switch (unlisted_verdict(ru)) {
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

static void
list_names(struct sb *b, const struct items *it, const bool *pick)
{
	bool first = true;

	for (size_t i = 0; i < it->n; i++)
		if (pick[i]) {
			sb_add(b, "%s%s", first ? "" : ", ", it->v[i]);
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
			sb_add(b, "%s%s", first ? " Allowed: " : ", ", ru->lv[ok[k]].v[i]);
			first = false;
		}
	if (!first)
		sb_add(b, ".");
}

/*
 * Judge the items seen against the rule's lists.  what: "TLSv1.2 cipher
 * suites"; complete: the items are all there is (else missing required
 * items and an all-pass list are "could not test"); cert: the items are
 * certificate properties (replace the certificate, not disable the item).
 */
static void
classify(const struct ta_rule *ru, const struct items *it, const char *what, bool complete,
         bool cert, struct ta_out *o)
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
	sb_sep(&o->ev);
	sb_add(&o->ev, "%s: ", what);
	if (!it->n)
		sb_add(&o->ev, "none");
	for (size_t i = 0; i < it->n; i++) {
		int l = level_of(ru, it->v[i]);
		enum ta_verdict iv = level_verdict(ru, l);
		const char *lab = item_label(ru, l);

		sb_add(&o->ev, "%s%s", i ? ", " : "", it->v[i]);
		if (lab)
			sb_add(&o->ev, " (%s)", lab);
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
	sb_add(&o->ev, ".");
	if (anybad) {
		sb_sep(&o->fix);
		sb_add(&o->fix, cert ? "Replace what uses %s " : "Disable %s ", what);
		list_names(&o->fix, it, bad);
		sb_add(&o->fix, ".");
		if (cert)
			allowed_hint(ru, &o->fix);
	}
	if (anywarn) {
		sb_sep(&o->fix);
		sb_add(&o->fix, cert ? "Plan to replace what uses %s " : "Plan to disable %s ",
		       what);
		list_names(&o->fix, it, warn);
		sb_add(&o->fix, " (%s).", rated(ru) ? "rated phase out" : "not in profile");
	}
	if (anytol) {
		sb_sep(&o->dev);
		sb_add(&o->dev, "Accepted deviation: ");
		list_names(&o->dev, it, tol);
		sb_add(&o->dev, ": %s", ru->tolerated_note ? ru->tolerated_note : "");
	}
	/* Required items: a miss is a failure only when the list is complete. */
	enum ta_verdict miss = complete ? TA_VERDICT_FAIL : TA_VERDICT_CNT;
	bool missing = false;
	for (size_t i = 0; i < ru->required.n; i++)
		if (!items_has(it, ru->required.v[i])) {
			if (!missing) {
				sb_sep(&o->ev);
				sb_add(&o->ev, "Required but not seen:");
				sb_sep(&o->fix);
				sb_add(&o->fix, "Enable");
			}
			sb_add(&o->ev, "%s %s", missing ? "," : "", ru->required.v[i]);
			sb_add(&o->fix, "%s %s", missing ? "," : "", ru->required.v[i]);
			missing = true;
		}
	if (missing) {
		sb_add(&o->ev, ".");
		sb_add(&o->fix, ".");
		if (miss > v)
			v = miss;
	}
	if (ru->required_any.n) {
		bool found = false;

		for (size_t i = 0; i < ru->required_any.n; i++)
			found |= items_has(it, ru->required_any.v[i]);
		if (!found) {
			sb_sep(&o->ev);
			sb_add(&o->ev, "The profile requires at least one of: ");
			for (size_t i = 0; i < ru->required_any.n; i++)
				sb_add(&o->ev, "%s%s", i ? ", " : "", ru->required_any.v[i]);
			sb_add(&o->ev, "; none %s.", complete ? "is offered" : "was seen");
			sb_sep(&o->fix);
			sb_add(&o->fix, "Enable at least one of: ");
			for (size_t i = 0; i < ru->required_any.n; i++)
				sb_add(&o->fix, "%s%s", i ? ", " : "", ru->required_any.v[i]);
			sb_add(&o->fix, ".");
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

static void
eval_versions(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	bool complete = true;
	bool any_unknown = false;

	for (int i = 0; i < TA_NVER; i++)
		if (ver_offered(c->r, i))
			items_add(&it, ta_ver_name(i));
	/* An unknown version matters if offering it would not pass, or if it
	 * could satisfy a requirement. */
	for (int i = 0; i < TA_NVER; i++) {
		const char *name = ta_ver_name(i);

		if (ver_known(c->r, i))
			continue;
		if (level_verdict(ru, level_of(ru, name)) != TA_VERDICT_PASS ||
		    in_list(&ru->required, name) || in_list(&ru->required_any, name)) {
			if (!any_unknown) {
				sb_add(&o->ev, "Not tested or probe incomplete:");
				any_unknown = true;
			} else {
				sb_add(&o->ev, ",");
			}
			sb_add(&o->ev, " %s", name);
			complete = false;
		}
	}
	if (any_unknown)
		sb_add(&o->ev, ".");
	if (it.oom)
		o->ev.oom = true;
	classify(ru, &it, "versions", complete, false, o);
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

static void
eval_suites(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
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
			sb_add(&o->ev, "%s%s probe %s.", o->ev.len ? " " : "", ta_ver_name(i),
			       v->tested ? "incomplete" : "not run");
		}
		if (!ver_offered(c->r, i))
			continue;
		any = true;
		for (size_t k = 0; k < v->nsuites; k++)
			items_add(&it, suite_name(v->suites[k], buf, sizeof buf));
	}
	if (it.oom)
		o->ev.oom = true;
	if (!any) {
		sb_sep(&o->ev);
		sb_add(&o->ev, "%s not offered.", scope);
		worsen(o, complete ? TA_VERDICT_NA : TA_VERDICT_CNT);
	} else {
		snprintf(what, sizeof what, "%s cipher suites", scope);
		classify(ru, &it, what, complete, false, o);
	}
	free(it.v);
}

/* Some version in [lo, hi] offered: 1 yes, 0 no, -1 unknown. */
static int
some_offered(const struct ta_result *r, int lo, int hi)
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

static void
eval_groups(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	char buf[32];
	int any = some_offered(c->r, TA_V_TLS10, TA_V_TLS13);

	if (any == 0) {
		sb_add(&o->ev, "No TLS version offered.");
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!c->r->groups_tested) {
		sb_add(&o->ev, "Key-exchange groups were not tested.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	for (size_t i = 0; i < c->r->ngroups; i++)
		items_add(&it, group_name(c->r->groups[i], buf, sizeof buf));
	if (it.oom)
		o->ev.oom = true;
	classify(ru, &it, "key-exchange groups", any == 1, false, o);
	free(it.v);
}

static void
eval_sigschemes(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	struct items it = {0};
	char buf[32];
	int any = some_offered(c->r, TA_V_TLS12, TA_V_TLS13);

	if (any == 0) {
		sb_add(&o->ev, "Neither TLSv1.2 nor TLSv1.3 offered.");
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!c->r->sig12_tested && !c->r->sig13_tested) {
		sb_add(&o->ev, "Signature schemes were not tested.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	for (size_t i = 0; i < c->r->nsigschemes; i++)
		items_add(&it, sigscheme_name(c->r->sigschemes[i], buf, sizeof buf));
	if (it.oom)
		o->ev.oom = true;
	/* Complete only when every offered version's schemes were tested. */
	bool complete = any == 1 && (!ver_offered(c->r, TA_V_TLS12) || c->r->sig12_tested) &&
	                (!ver_offered(c->r, TA_V_TLS13) || c->r->sig13_tested);
	classify(ru, &it, "key-exchange signature schemes", complete, false, o);
	free(it.v);
}

static void
eval_dh(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_result *r = c->r;
	bool dhe = false, complete = true;

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
		sb_add(&o->ev, "No DHE cipher suite %s.", complete ? "offered" : "seen");
		worsen(o, complete ? TA_VERDICT_NA : TA_VERDICT_CNT);
		return;
	}
	if (r->dh.bits == 0) {
		sb_add(&o->ev, "A DHE cipher suite is offered but no DH parameters were seen.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	sb_add(&o->ev, "Weakest DH group: %s, %u bits.", r->dh.group, r->dh.bits);
	if (ru->min_bits >= 0 && r->dh.bits < ru->min_bits) {
		sb_sep(&o->fix);
		sb_add(&o->fix,
		       "Use DH parameters of at least %ld bits (e.g. ffdhe%ld), or disable "
		       "DHE suites.",
		       ru->min_bits, ru->min_bits < 2048 ? 2048 : ru->min_bits);
		worsen(o, TA_VERDICT_FAIL);
		if (rated(ru))
			o->rating = "insufficient";
	}
	bool lists = false;
	for (int l = 0; l < LV_N; l++)
		lists |= ru->lv[l].n > 0;
	if (lists) {
		struct items it = {0};

		items_add(&it, r->dh.group);
		if (it.oom)
			o->ev.oom = true;
		enum ta_verdict before = o->v;
		const char *rt = o->rating;
		o->v = TA_VERDICT_NA;
		classify(ru, &it, "DH group", true, true, o);
		if (before > o->v) {
			o->v = before;
			o->rating = rt;
		}
		if (o->v == TA_VERDICT_FAIL || o->v == TA_VERDICT_WARN)
			sb_add(&o->fix, " Or disable DHE cipher suites.");
		free(it.v);
	}
	worsen(o, TA_VERDICT_PASS);
}

/* Each analysed leaf certificate with its chain's first "how". */
static size_t
leaves(const struct ta_result *r, const struct ta_cert **out, const char **how, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nchains && n < max; i++) {
		const struct ta_chain *ch = r->chains[i].analysis;

		if (!ch || ch->n == 0)
			continue;
		out[n] = &ch->certs[0];
		how[n] = r->chains[i].nhow ? r->chains[i].how[0] : "served chain";
		n++;
	}
	return n;
}

static bool
no_leaf(const struct ta_ectx *c, struct ta_out *o, size_t n)
{
	if (n)
		return false;
	sb_add(&o->ev, "No certificate was analysed%s.",
	       c->r->nchains ? " (chains were served but not analysed)" : "");
	worsen(o, TA_VERDICT_CNT);
	return true;
}

static bool
is_rsa(const struct ta_cert *x)
{
	return strcmp(x->key_type, "RSA") == 0 || strcmp(x->key_type, "RSA-PSS") == 0;
}

/* cert_key_type, cert_curve, cert_signature: one classified field. */
static void
eval_cert_field(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o,
                const char *what, const char *(*field)(const struct ta_cert *))
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS);
	struct items it = {0};

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		const char *f = field(lf[i]);

		if (f)
			items_add(&it, f);
	}
	if (it.oom)
		o->ev.oom = true;
	if (it.n == 0) {
		sb_add(&o->ev, "No leaf certificate has an %s.", what);
		worsen(o, TA_VERDICT_NA);
	} else {
		char w[96];

		snprintf(w, sizeof w, "certificate %s", what);
		classify(ru, &it, w, true, true, o);
	}
	free(it.v);
}

static const char *
f_key_type(const struct ta_cert *x)
{
	return x->key_type;
}

static const char *
f_curve(const struct ta_cert *x)
{
	return strcmp(x->key_type, "EC") == 0 && x->curve[0] ? x->curve : NULL;
}

static const char *
f_signature(const struct ta_cert *x)
{
	return x->signature_algorithm;
}

static void
eval_cert_key_type(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	eval_cert_field(ru, c, o, "key type", f_key_type);
}

static void
eval_cert_curve(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	eval_cert_field(ru, c, o, "EC curve", f_curve);
}

static void
eval_cert_signature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	eval_cert_field(ru, c, o, "signature algorithm", f_signature);
}

static void
eval_cert_rsa_bits(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS), nrsa = 0;

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!is_rsa(lf[i]))
			continue;
		nrsa++;
		sb_sep(&o->ev);
		sb_add(&o->ev, "RSA key of %d bits (%s).", lf[i]->key_bits, how[i]);
		if (lf[i]->key_bits < ru->min_bits) {
			worsen(o, TA_VERDICT_FAIL);
			sb_sep(&o->fix);
			sb_add(&o->fix, "Replace the %d-bit RSA key with one of at least %ld bits.",
			       lf[i]->key_bits,
			       ru->warn_below_bits > ru->min_bits ? ru->warn_below_bits
			                                          : ru->min_bits);
		} else if (ru->warn_below_bits >= 0 && lf[i]->key_bits < ru->warn_below_bits) {
			worsen(o, TA_VERDICT_WARN);
			sb_sep(&o->fix);
			sb_add(&o->fix,
			       "Plan to replace the %d-bit RSA key with one of at least %ld bits.",
			       lf[i]->key_bits, ru->warn_below_bits);
		} else {
			worsen(o, TA_VERDICT_PASS);
		}
	}
	if (!nrsa) {
		sb_add(&o->ev, "No leaf certificate has an RSA key.");
		worsen(o, TA_VERDICT_NA);
	}
}

static void
eval_cert_lifetime(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS);

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		int d = lf[i]->lifetime_days;

		sb_sep(&o->ev);
		sb_add(&o->ev, "Leaf certificate valid for %d days (%s).", d, how[i]);
		if (ru->max_days >= 0 && d > ru->max_days) {
			worsen(o, TA_VERDICT_FAIL);
			sb_sep(&o->fix);
			sb_add(&o->fix, "Issue certificates valid for at most %ld days.",
			       ru->max_days);
		} else if (ru->warn_days >= 0 && d > ru->warn_days) {
			worsen(o, TA_VERDICT_WARN);
			sb_sep(&o->fix);
			sb_add(&o->fix,
			       "Prefer certificates valid for at most %ld days (recommended).",
			       ru->warn_days);
		} else {
			worsen(o, TA_VERDICT_PASS);
		}
	}
}

/* A condition: 1 holds, 0 does not, -1 unknown. */
static int
cond_holds(enum ta_cond k, const struct ta_result *r)
{
	int n = 0, unknown = 0;

	switch (k) {
	case COND_TLS12_OR_BELOW:
		return some_offered(r, TA_V_SSL3, TA_V_TLS12);
	case COND_TLS13:
		return ver_known(r, TA_V_TLS13) ? ver_offered(r, TA_V_TLS13) : -1;
	case COND_TWO_VERSIONS:
		for (int i = TA_V_SSL3; i <= TA_V_TLS13; i++) {
			n += ver_offered(r, i);
			unknown += !ver_known(r, i);
		}
		return n >= 2 ? 1 : (n + unknown >= 2 ? -1 : 0);
	case COND_LEGACY_NO_TLS13: {
		int old = some_offered(r, TA_V_SSL3, TA_V_TLS11);
		int t13 = cond_holds(COND_TLS13, r);

		if (old == 0 || t13 == 1)
			return 0;
		return old == 1 && t13 == 0 ? 1 : -1;
	}
	default:
		return 1;
	}
}

static const char *const cond_text[COND_N] = {
        "always",
        "a version below TLSv1.3 is offered",
        "TLSv1.3 is offered",
        "at least two protocol versions are offered",
        "a version below TLSv1.2 is offered and TLSv1.3 is not",
};

static void
eval_feature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_feature *f = ru->feature;
	const struct ta_features *ft = &c->r->features;
	enum ta_cond when = ru->when >= 0 ? (enum ta_cond)ru->when : f->when;
	int holds = cond_holds(when, c->r);
	int val;

	if (holds == 0) {
		sb_add(&o->ev, "Does not apply: it applies when %s.", cond_text[when]);
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!ft->tested) {
		sb_add(&o->ev, "Handshake features were not tested.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	memcpy(&val, (const char *)ft + f->off, sizeof val);
	if (val == TA_UNKNOWN || holds < 0) {
		sb_add(&o->ev, "%s: unknown (%s).", f->label,
		       holds < 0 ? "the versions it depends on were not all tested"
		                 : "the probe could not tell");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	sb_add(&o->ev, "%s: %s.", f->label, val == TA_YES ? "yes" : "no");
	if ((val == TA_YES) == (ru->expect == 1)) {
		worsen(o, TA_VERDICT_PASS);
		return;
	}
	enum ta_verdict v = ru->otherwise >= 0 ? (enum ta_verdict)ru->otherwise : TA_VERDICT_FAIL;
	worsen(o, v);
	if (v == TA_VERDICT_PASS) {
		sb_add(&o->dev, "Not %s, which this profile only notes.",
		       ru->expect ? "present" : "absent");
		sb_add(&o->fix, "Optional: %s", ru->expect ? f->fix_on : f->fix_off);
	} else {
		sb_add(&o->fix, "%s", ru->expect ? f->fix_on : f->fix_off);
	}
}

static void
eval_server_order(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	bool any = false;
	char buf[32];

	for (int i = 0; i < TA_NVER; i++) {
		const struct ta_ver_result *v = &c->r->ver[i];
		bool only = ru->unless_only.n > 0;

		if (!(ru->vmask & (1u << i)))
			continue;
		if (!ver_known(c->r, i)) {
			sb_sep(&o->ev);
			sb_add(&o->ev, "%s not tested.", ta_ver_name(i));
			worsen(o, TA_VERDICT_CNT);
			continue;
		}
		if (!v->offered || v->nsuites < 2)
			continue;
		for (size_t k = 0; only && k < v->nsuites; k++)
			only = in_list(&ru->unless_only, suite_name(v->suites[k], buf, sizeof buf));
		if (only)
			continue;
		any = true;
		sb_sep(&o->ev);
		if (v->server_order == TA_UNKNOWN) {
			sb_add(&o->ev, "%s: server order unknown.", ta_ver_name(i));
			worsen(o, TA_VERDICT_CNT);
			continue;
		}
		sb_add(&o->ev, "%s: %s.", ta_ver_name(i),
		       v->server_order == TA_YES ? "the server enforces its cipher order"
		                                 : "the client's cipher order is followed");
		if ((v->server_order == TA_YES) == (ru->expect == 1)) {
			worsen(o, TA_VERDICT_PASS);
		} else {
			worsen(o, ru->otherwise >= 0 ? (enum ta_verdict)ru->otherwise
			                             : TA_VERDICT_FAIL);
			if (o->fix.len == 0)
				sb_add(&o->fix, "%s",
				       ru->expect
				               ? "Make the server choose the cipher suite by its "
				                 "own "
				                 "order (nginx: ssl_prefer_server_ciphers on)."
				               : "Let the client choose the cipher suite (nginx: "
				                 "ssl_prefer_server_ciphers off).");
		}
	}
	if (!any && o->v == TA_VERDICT_NA) {
		sb_sep(&o->ev);
		sb_add(&o->ev, "No version in scope offers two or more cipher suites that need "
		               "ordering.");
	}
}

/* Common start of the HTTP rules: NA off HTTPS, could-not-test without
 * an HTTPS answer.  Returns true when the rule can be judged. */
static bool
http_judgeable(const struct ta_ectx *c, struct ta_out *o, bool need_https_answer)
{
	const struct ta_http_result *h = &c->r->http;

	if (!c->https) {
		sb_add(&o->ev, "Not an HTTPS endpoint.");
		worsen(o, TA_VERDICT_NA);
		return false;
	}
	if (!h->tested) {
		sb_add(&o->ev, "The HTTP checks were not run (--no-http).");
		worsen(o, TA_VERDICT_CNT);
		return false;
	}
	if (need_https_answer && !h->https_status) {
		sb_add(&o->ev, "No HTTP answer over TLS: %s", h->error[0] ? h->error : "none");
		worsen(o, TA_VERDICT_CNT);
		return false;
	}
	return true;
}

static void
eval_hsts(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;

	if (!http_judgeable(c, o, true))
		return;
	if (!h->hsts_present) {
		sb_add(&o->ev,
		       "GET / over TLS (status %d) has no Strict-Transport-Security header.",
		       h->https_status);
		sb_add(&o->fix,
		       "Send Strict-Transport-Security: max-age=%ld (or more) on every HTTPS "
		       "response (nginx: add_header Strict-Transport-Security \"max-age=%ld\" "
		       "always;).",
		       ru->min_age > 1 ? ru->min_age : 31536000L,
		       ru->min_age > 1 ? ru->min_age : 31536000L);
		worsen(o, TA_VERDICT_FAIL);
		return;
	}
	if (!h->hsts.valid) {
		sb_add(&o->ev,
		       "The Strict-Transport-Security header is invalid (%s), so browsers "
		       "ignore it.",
		       h->hsts.error);
		sb_add(&o->fix,
		       "Write the header as RFC 6797 6.1 says, e.g. max-age=%ld; "
		       "includeSubDomains.",
		       ru->min_age > 1 ? ru->min_age : 31536000L);
		worsen(o, TA_VERDICT_FAIL);
		return;
	}
	sb_add(&o->ev, "Strict-Transport-Security: max-age=%lld%s%s.", (long long)h->hsts.max_age,
	       h->hsts.include_subdomains ? "; includeSubDomains" : "",
	       h->hsts.preload ? "; preload" : "");
	if (h->hsts.max_age < ru->min_age) {
		sb_add(&o->ev, " The profile asks for at least %ld seconds.", ru->min_age);
		sb_add(&o->fix, "Raise max-age to %ld or more.", ru->min_age);
		worsen(o, TA_VERDICT_FAIL);
		return;
	}
	worsen(o, TA_VERDICT_PASS);
}

static void
eval_https_redirect(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;

	(void)ru;
	if (!http_judgeable(c, o, false))
		return;
	if (h->redirect_to_https == TA_YES) {
		sb_add(&o->ev, "Plain HTTP on port %u answers %d with Location %s.", h->http_port,
		       h->http_status, h->redirect_location);
		worsen(o, TA_VERDICT_PASS);
	} else if (h->redirect_to_https == TA_NO) {
		sb_add(&o->ev, "Plain HTTP on port %u answers %d", h->http_port, h->http_status);
		if (h->redirect_location[0])
			sb_add(&o->ev, " with Location %s, not https:// on the same host",
			       h->redirect_location);
		sb_add(&o->ev, ".");
		sb_add(&o->fix, "Answer plain HTTP with a 301 to https:// on the same host, and "
		                "serve nothing else over HTTP.");
		worsen(o, TA_VERDICT_FAIL);
	} else {
		sb_add(&o->ev,
		       "No plain-HTTP answer on port %u (%s): nothing is served without "
		       "TLS there, but no redirect either.",
		       h->http_port, h->http_error[0] ? h->http_error : "no answer");
		worsen(o, TA_VERDICT_WARN);
	}
}

static void
eval_csp(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_http_result *h = &c->r->http;

	(void)ru;
	if (!http_judgeable(c, o, true))
		return;
	if (h->csp == TA_YES && !h->csp_report_only) {
		sb_add(&o->ev, "Content-Security-Policy: %s", h->csp_value);
		worsen(o, TA_VERDICT_PASS);
		return;
	}
	sb_add(&o->ev, h->csp_report_only
	                       ? "Only Content-Security-Policy-Report-Only is sent: nothing is "
	                         "enforced."
	                       : "GET / over TLS has no Content-Security-Policy header.");
	sb_add(&o->fix, "Send a Content-Security-Policy that fits the site, e.g. default-src "
	                "'self'.");
	worsen(o, TA_VERDICT_FAIL);
}

static void
eval_caa(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_dns_result *d = &c->r->dns;

	(void)ru;
	if (!d->tested) {
		sb_add(&o->ev, "No CAA lookup: the target is an address or a special-use name, "
		               "or --no-dns was given.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	if (d->error[0]) {
		sb_add(&o->ev, "The CAA lookup failed: %s", d->error);
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	if (d->ncaa == 0) {
		sb_add(&o->ev, "No CAA record at %s or any parent: every CA may issue for it.",
		       c->r->host);
		sb_add(&o->fix, "Publish CAA records naming the CAs you use (RFC 8659), e.g. "
		                "example.com. CAA 0 issue \"letsencrypt.org\".");
		worsen(o, TA_VERDICT_FAIL);
		return;
	}
	sb_add(&o->ev, "%zu CAA record(s) at %s.", d->ncaa, d->caa_domain);
	worsen(o, TA_VERDICT_PASS);
}

const struct ta_kind ta_kinds[] = {
        {"versions", K_LISTS, 0, IT_VERSION, eval_versions},
        {"suites", K_LISTS | K_PROTOCOLS, K_PROTOCOLS, IT_SUITE, eval_suites},
        {"groups", K_LISTS, 0, IT_GROUP, eval_groups},
        {"sigschemes", K_LISTS, 0, IT_SIGSCHEME, eval_sigschemes},
        {"dh", K_LISTS | K_MIN_BITS, 0, IT_FREE, eval_dh},
        {"cert_key_type", K_LISTS, K_LISTS, IT_FREE, eval_cert_key_type},
        {"cert_rsa_bits", K_MIN_BITS | K_WARN_BELOW, K_MIN_BITS, IT_FREE, eval_cert_rsa_bits},
        {"cert_curve", K_LISTS, K_LISTS, IT_GROUP, eval_cert_curve},
        {"cert_signature", K_LISTS, K_LISTS, IT_FREE, eval_cert_signature},
        {"cert_lifetime", K_MAX_DAYS | K_WARN_DAYS, 0, IT_FREE, eval_cert_lifetime},
        {"feature", K_FEATURE | K_EXPECT | K_OTHERWISE | K_WHEN, K_FEATURE | K_EXPECT, IT_FREE,
         eval_feature},
        {"server_order", K_PROTOCOLS | K_EXPECT | K_OTHERWISE | K_UNLESS_ONLY,
         K_PROTOCOLS | K_EXPECT, IT_FREE, eval_server_order},
        {"hsts", K_MIN_AGE, K_MIN_AGE, IT_FREE, eval_hsts},
        {"https_redirect", 0, 0, IT_FREE, eval_https_redirect},
        {"csp", 0, 0, IT_FREE, eval_csp},
        {"caa", 0, 0, IT_FREE, eval_caa},
};
const size_t ta_kinds_count = sizeof ta_kinds / sizeof ta_kinds[0];

#define FOFF(m) offsetof(struct ta_features, m)
const struct ta_feature ta_features_tab[] = {
        {"ocsp_stapling", FOFF(ocsp_stapling), COND_ALWAYS, "OCSP response stapled",
         "Enable OCSP stapling (nginx: ssl_stapling on; ssl_stapling_verify on).",
         "Stop stapling OCSP responses."},
        {"secure_renegotiation", FOFF(secure_renegotiation), COND_TLS12_OR_BELOW,
         "Secure renegotiation (RFC 5746 renegotiation_info)",
         "Upgrade the TLS library so that it supports secure renegotiation (RFC 5746).",
         "Disable renegotiation_info (not advisable)."},
        {"client_renegotiation", FOFF(client_renegotiation), COND_TLS12_OR_BELOW,
         "Client-initiated renegotiation accepted", "Allow client-initiated renegotiation.",
         "Refuse client-initiated renegotiation (OpenSSL: SSL_OP_NO_RENEGOTIATION; Apache and "
         "nginx refuse it by default in current versions)."},
        {"compression", FOFF(compression), COND_TLS12_OR_BELOW, "TLS compression accepted",
         "Enable TLS compression (not advisable).",
         "Disable TLS-level compression (CRIME): OpenSSL SSL_OP_NO_COMPRESSION, or upgrade the "
         "TLS library."},
        {"fallback_scsv", FOFF(fallback_scsv), COND_TWO_VERSIONS,
         "Downgrade protection (TLS_FALLBACK_SCSV)",
         "Support TLS_FALLBACK_SCSV (RFC 7507): any current TLS library does; upgrade it, or "
         "offer only TLSv1.2 and later.",
         "Stop honouring TLS_FALLBACK_SCSV."},
        {"extended_master_secret", FOFF(extended_master_secret), COND_TLS12_OR_BELOW,
         "Extended master secret (RFC 7627)",
         "Enable the extended master secret extension (RFC 7627): upgrade the TLS library.",
         "Disable extended master secret (not advisable)."},
        {"early_data", FOFF(early_data), COND_TLS13, "TLS 1.3 0-RTT early data accepted",
         "Enable 0-RTT early data.",
         "Disable 0-RTT early data (nginx: ssl_early_data off; OpenSSL: max_early_data 0)."},
        {"encrypt_then_mac", FOFF(encrypt_then_mac), COND_TLS12_OR_BELOW,
         "Encrypt-then-MAC (RFC 7366)", "Enable encrypt-then-MAC (RFC 7366).",
         "Disable encrypt-then-MAC."},
        {"heartbeat", FOFF(heartbeat), COND_ALWAYS, "Heartbeat extension", "Enable heartbeat.",
         "Disable the heartbeat extension."},
};
const size_t ta_features_count = sizeof ta_features_tab / sizeof ta_features_tab[0];

/* ---- evaluation ---- */

static void
rres_free(struct ta_rres *rr)
{
	free(rr->evidence);
	free(rr->remediation);
	free(rr->deviation);
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
		sb_add(&o.ev, "The scan failed: %s.",
		       c->r->error[0] ? c->r->error : "unknown error");
		o.v = TA_VERDICT_CNT;
	} else {
		ru->kind->eval(ru, c, &o);
	}
	/* A "should" rule cannot fail. */
	if (o.v == TA_VERDICT_FAIL && ru->severity == TA_VERDICT_WARN)
		o.v = TA_VERDICT_WARN;
	if (!o.rating && o.v <= TA_VERDICT_FAIL)
		o.rating = ru->rating[o.v];
	if (ru->advice && (o.v == TA_VERDICT_FAIL || o.v == TA_VERDICT_WARN)) {
		sb_sep(&o.fix);
		sb_add(&o.fix, "%s", ru->advice);
	}
	rr->v = o.v;
	rr->rating = o.rating;
	sb_take(&o.ev, &rr->evidence, &rr->oom);
	sb_take(&o.fix, &rr->remediation, &rr->oom);
	if (o.dev.len || o.dev.oom)
		sb_take(&o.dev, &rr->deviation, &rr->oom);
	else
		free(o.dev.p);
}

int
ta_profile_evaluate(const struct ta_profile *p, const struct ta_result *r, bool https,
                    struct ta_eval **out)
{
	struct ta_ectx c = {.r = r, .https = https};
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

/* ---- output ---- */

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
	for (size_t i = 0; i < e->n; i++) {
		const struct ta_rres *rr = &e->rr[i];
		char src[4 * TA_PROFILE_MAX_STR], trust[2] = {rr->rule->trust, 0};
		json_t *j;

		ta_rule_source(rr->rule, src, sizeof src);
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", rr->rule->id, "result",
		              ta_verdict_name(rr->v), "evidence", rr->evidence, "remediation",
		              rr->remediation, "source", src, "trust", trust);
		if (!j || json_array_append_new(rules, j))
			goto fail;
		if ((rr->rule->note &&
		     json_object_set_new(j, "note", json_string(rr->rule->note))) ||
		    (rr->deviation &&
		     json_object_set_new(j, "deviation", json_string(rr->deviation))) ||
		    (rr->rating && json_object_set_new(j, "rating", json_string(rr->rating))))
			goto fail;
	}
	if (json_object_set_new(o, "rules", rules))
		goto fail_o;
	return o;
fail:
	json_decref(rules);
fail_o:
	json_decref(o);
	return NULL;
}
