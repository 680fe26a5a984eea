/*
 * The comparisons of the diff, category by category (report/diff.h),
 * certificates aside (diff_cert.c): protocol versions, suites and their
 * order, groups, DH, signature schemes, handshake features (judged with
 * the table of model/facts.h), HTTP, DNS CAA and the profile verdicts.
 * Each change says whether it is a regression (worse), an improvement
 * (better) or neither; a fact that one run did not establish (a version
 * not tested, features or HTTP not checked, a null) is not a change.
 */
#include <stdio.h>
#include <string.h>

#include "model/facts.h"
#include "report/diff_int.h"

const char *const ta_dversions[6] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

#define V_TLS12  4
#define V_TLS13  5
#define JOIN_MAX 160

/* ---- versions ---- */

void
ta_dcmp_versions(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(a, "protocols"), *pb = json_object_get(b, "protocols");

	for (int i = 0; i < 6; i++) {
		const char *v = ta_dversions[i];
		const json_t *va = json_object_get(pa, v), *vb = json_object_get(pb, v);
		int oa = ta_dtri(va, "offered"), ob = ta_dtri(vb, "offered"), reg;

		/* "tested": false says the scan did not look (older documents lack it) */
		if (ta_dtri(va, "tested") == 0 || ta_dtri(vb, "tested") == 0 || oa < 0 || ob < 0 ||
		    oa == ob)
			continue;
		if (i < V_TLS12)
			reg = ob ? TA_DREG_WORSE : TA_DREG_BETTER;
		else if (i == V_TLS13)
			reg = ob ? TA_DREG_BETTER : TA_DREG_WORSE;
		else
			reg = TA_DREG_NEUTRAL; /* TLS 1.2 dropped for 1.3 only is a choice */
		if (ob)
			ta_dchg_add(c, "versions", NULL, v, json_false(), json_true(), reg,
			            "%s now offered (%zu suite%s)%s", v,
			            json_array_size(json_object_get(vb, "cipher_suites")),
			            json_array_size(json_object_get(vb, "cipher_suites")) == 1
			                    ? ""
			                    : "s",
			            i < V_TLS12 ? ": a legacy version enabled again" : "");
		else
			ta_dchg_add(c, "versions", NULL, v, json_true(), json_false(), reg,
			            "%s no longer offered", v);
	}
}

/* ---- suites and their order ---- */

/* The strength mark and OpenSSL name of suite idx of a version (the
 * details are parallel to cipher_suites). */
static const char *
suite_mark(const json_t *ver, size_t idx, const json_t *name, const char **openssl)
{
	const json_t *det = json_object_get(ver, "cipher_suite_details");
	const json_t *d = json_array_get(det, idx);

	*openssl = NULL;
	if (json_array_size(det) != json_array_size(json_object_get(ver, "cipher_suites")) ||
	    !json_is_object(d))
		return NULL;
	if (json_is_string(json_object_get(d, "iana")) &&
	    !json_equal(json_object_get(d, "iana"), (json_t *)name))
		return NULL;
	*openssl = ta_dstr(d, "openssl");
	return ta_dstr(d, "strength");
}

/* Suites of one version in one run and not the other; added: in b only. */
static void
suites_oneway(struct ta_dchg *c, const char *v, const json_t *ver, const json_t *other_set,
              bool added)
{
	const json_t *s;
	size_t i;

	json_array_foreach (json_object_get(ver, "cipher_suites"), i, s) {
		const char *openssl, *mark;
		char note[96];
		bool weak;

		if (!json_is_string(s) || ta_din(other_set, s))
			continue;
		mark = suite_mark(ver, i, s, &openssl);
		weak = mark && strcmp(mark, "weak") == 0;
		if (openssl && strcmp(openssl, json_string_value(s)) == 0)
			openssl = NULL; /* TLS 1.3: one name */
		note[0] = '\0';
		if (openssl || mark) /* a cut note is mended by ta_dchg_add */
			snprintf(note, sizeof note, " (%s%s%s)", openssl ? openssl : "",
			         openssl && mark ? ", " : "", mark ? mark : "");
		ta_dchg_add(c, "suites", v, json_string_value(s), json_boolean(!added),
		            json_boolean(added),
		            weak ? (added ? TA_DREG_WORSE : TA_DREG_BETTER) : TA_DREG_NEUTRAL,
		            "%s: %s %s%s", v, json_string_value(s), added ? "added" : "removed",
		            note);
	}
}

/* The elements of a that are in set, as a new array (the common part, in
 * a's order). */
static json_t *
common(const json_t *a, const json_t *set)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach (a, i, v)
		if (out && ta_din(set, v) && json_array_append(out, v) != 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}

/* Order of the items both lists hold: a change when it differs. */
static void
order_change(struct ta_dchg *c, const char *category, const char *scope, const char *what,
             const json_t *la, const json_t *lb, const json_t *set_a, const json_t *set_b)
{
	json_t *ca = common(la, set_b), *cb = common(lb, set_a);

	if (!ca || !cb) {
		c->err = c->err ? c->err : TA_ENOMEM;
	} else if (!json_equal(ca, cb) && json_array_size(ca) > 1) {
		const char *fa = json_string_value(json_array_get(ca, 0));
		const char *fb = json_string_value(json_array_get(cb, 0));

		if (fa && fb && strcmp(fa, fb) != 0)
			ta_dchg_add(c, category, scope, "order", json_incref((json_t *)la),
			            json_incref((json_t *)lb), TA_DREG_NEUTRAL,
			            "%s: the server's %s order changed: first choice %s -> %s",
			            scope, what, fa, fb);
		else
			ta_dchg_add(c, category, scope, "order", json_incref((json_t *)la),
			            json_incref((json_t *)lb), TA_DREG_NEUTRAL,
			            "%s: the server's %s order changed (same first choice %s)",
			            scope, what, fb ? fb : "");
	}
	json_decref(ca);
	json_decref(cb);
}

/* server_order (or another yes/no) of one version, when both runs know
 * it: neither better nor worse. */
static void
tri_change(struct ta_dchg *c, const char *category, const char *scope, const char *item, int ta,
           int tb, const char *on_text, const char *off_text)
{
	if (ta < 0 || tb < 0 || ta == tb)
		return;
	ta_dchg_add(c, category, scope, item, json_boolean(ta), json_boolean(tb), TA_DREG_NEUTRAL,
	            "%s: %s", scope, tb ? on_text : off_text);
}

void
ta_dcmp_suites(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(a, "protocols"), *pb = json_object_get(b, "protocols");

	for (int i = 0; i < 6; i++) {
		const char *v = ta_dversions[i];
		const json_t *va = json_object_get(pa, v), *vb = json_object_get(pb, v);
		const json_t *la = json_object_get(va, "cipher_suites");
		const json_t *lb = json_object_get(vb, "cipher_suites");
		json_t *sa, *sb;

		/* a version offered in one run only is a change of versions */
		if (ta_dtri(va, "offered") != 1 || ta_dtri(vb, "offered") != 1)
			continue;
		sa = ta_dset(la);
		sb = ta_dset(lb);
		if (!sa || !sb) {
			c->err = TA_ENOMEM;
		} else {
			suites_oneway(c, v, vb, sa, true);
			suites_oneway(c, v, va, sb, false);
			/* neither: guidelines disagree (HKCERT and Mozilla let the
			 * client choose among strong suites, others want the
			 * server's order); the verdicts say it per profile */
			tri_change(c, "suite_order", v, "server_order", ta_dtri(va, "server_order"),
			           ta_dtri(vb, "server_order"),
			           "the server now enforces its own suite order",
			           "the server no longer enforces its suite order (the client "
			           "chooses)");
			if (ta_dtri(va, "server_order") == 1 && ta_dtri(vb, "server_order") == 1)
				order_change(c, "suite_order", v, "suite", la, lb, sa, sb);
			tri_change(c, "suite_order", v, "chacha20_priority",
			           ta_dtri(va, "chacha20_priority"),
			           ta_dtri(vb, "chacha20_priority"),
			           "ChaCha20 now goes first for clients that prefer it",
			           "ChaCha20 no longer goes first for clients that prefer it");
		}
		json_decref(sa);
		json_decref(sb);
	}
}

/* ---- lists of names: groups, signature schemes ---- */

/* Names in one list and not the other, both ways.  weak(name): adding it
 * is a regression, removing it an improvement. */
static void
names_diff(struct ta_dchg *c, const char *category, const char *scope, const char *noun,
           const json_t *la, const json_t *lb, bool (*weak)(const char *), json_t **set_a,
           json_t **set_b)
{
	const json_t *s;
	size_t i;

	*set_a = ta_dset(la);
	*set_b = ta_dset(lb);
	if (!*set_a || !*set_b) {
		c->err = TA_ENOMEM;
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		bool added = pass == 0;

		json_array_foreach (added ? lb : la, i, s) {
			const char *n = json_string_value(s);
			bool w;

			if (!n || ta_din(added ? *set_a : *set_b, s))
				continue;
			w = weak && weak(n);
			ta_dchg_add(c, category, scope, n, json_boolean(!added),
			            json_boolean(added),
			            w ? (added ? TA_DREG_WORSE : TA_DREG_BETTER) : TA_DREG_NEUTRAL,
			            "%s%s%s %s %s%s", scope ? scope : "", scope ? ": " : "", noun,
			            n, added ? "added" : "removed", w ? " (weak)" : "");
		}
	}
}

void
ta_dcmp_groups(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	static const char *const order[] = {"TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3"};
	const json_t *ga = json_object_get(a, "groups_by_version");
	const json_t *gb = json_object_get(b, "groups_by_version");
	json_t *sa = NULL, *sb = NULL;

	if (!json_is_object(ga) || !json_is_object(gb)) { /* older documents: the union */
		names_diff(c, "groups", NULL, "group", json_object_get(a, "groups"),
		           json_object_get(b, "groups"), NULL, &sa, &sb);
		json_decref(sa);
		json_decref(sb);
		return;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const json_t *va = json_object_get(ga, order[i]),
		             *vb = json_object_get(gb, order[i]);
		const json_t *la = json_object_get(va, "groups"),
		             *lb = json_object_get(vb, "groups");

		/* a version probed in one run only: the versions say why */
		if (!json_is_object(va) || !json_is_object(vb))
			continue;
		names_diff(c, "groups", order[i], "group", la, lb, NULL, &sa, &sb);
		tri_change(c, "groups", order[i], "server_order", ta_dtri(va, "server_order"),
		           ta_dtri(vb, "server_order"),
		           "the server now chooses the group by its own order",
		           "the server no longer chooses the group by its own order");
		if (sa && sb && ta_dtri(va, "server_order") == 1 &&
		    ta_dtri(vb, "server_order") == 1)
			order_change(c, "groups", order[i], "group", la, lb, sa, sb);
		json_decref(sa);
		json_decref(sb);
		sa = sb = NULL;
	}
}

/* A scheme with SHA-1, SHA-224, MD5 or DSA. */
static bool
weak_scheme(const char *n)
{
	return strstr(n, "sha1") || strstr(n, "sha224") || strstr(n, "md5") ||
	       strncmp(n, "dsa_", 4) == 0;
}

void
ta_dcmp_schemes(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	static const char *const vers[] = {"TLSv1.3", "TLSv1.2"};
	const json_t *va = json_object_get(a, "signature_schemes_by_version");
	const json_t *vb = json_object_get(b, "signature_schemes_by_version");
	json_t *sa = NULL, *sb = NULL;

	if (!json_is_object(va) || !json_is_object(vb)) {
		names_diff(c, "signature_schemes", NULL, "signature scheme",
		           json_object_get(a, "signature_schemes"),
		           json_object_get(b, "signature_schemes"), weak_scheme, &sa, &sb);
		json_decref(sa);
		json_decref(sb);
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		const json_t *la = json_object_get(va, vers[i]), *lb = json_object_get(vb, vers[i]);

		/* none found in a run where the version is not offered: nothing to say */
		if (!json_is_array(la) || !json_is_array(lb) ||
		    (json_array_size(la) == 0) != (json_array_size(lb) == 0))
			continue;
		names_diff(c, "signature_schemes", vers[i], "signature scheme", la, lb, weak_scheme,
		           &sa, &sb);
		json_decref(sa);
		json_decref(sb);
		sa = sb = NULL;
	}
}

/* ---- DH ---- */

void
ta_dcmp_dh(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *da = json_object_get(a, "dh"), *db = json_object_get(b, "dh");
	const json_t *ba = json_object_get(da, "bits"), *bb = json_object_get(db, "bits");
	json_int_t na = json_integer_value(ba), nb = json_integer_value(bb);

	if (!da || !db || json_equal(da, db))
		return;
	if (json_is_null(da) && json_is_integer(bb))
		ta_dchg_add(c, "dh", NULL, "dh", json_null(), json_incref((json_t *)db),
		            nb < 2048 ? TA_DREG_WORSE : TA_DREG_NEUTRAL,
		            "DHE now used, with a %" JSON_INTEGER_FORMAT "-bit group (%s)", nb,
		            ta_dstr0(db, "group"));
	else if (json_is_integer(ba) && json_is_null(db))
		ta_dchg_add(c, "dh", NULL, "dh", json_incref((json_t *)da), json_null(),
		            na < 2048 ? TA_DREG_BETTER : TA_DREG_NEUTRAL,
		            "no DHE suite any more (it used a %" JSON_INTEGER_FORMAT
		            "-bit group, %s)",
		            na, ta_dstr0(da, "group"));
	else if (json_is_integer(ba) && json_is_integer(bb))
		ta_dchg_add(c, "dh", NULL, "dh", json_incref((json_t *)da),
		            json_incref((json_t *)db),
		            nb < na   ? TA_DREG_WORSE
		            : nb > na ? TA_DREG_BETTER
		                      : TA_DREG_NEUTRAL,
		            "DH group %" JSON_INTEGER_FORMAT "-bit (%s) -> %" JSON_INTEGER_FORMAT
		            "-bit (%s)",
		            na, ta_dstr0(da, "group"), nb, ta_dstr0(db, "group"));
}

/* ---- handshake features ---- */

/* A feature's value in words. */
static const char *
fact_text(char *buf, size_t cap, const struct ta_fact *f, const json_t *v)
{
	if (json_is_null(v))
		return "not tested";
	if (json_is_boolean(v))
		return f && f->type == TA_FACT_SIZE ? (json_is_true(v) ? "yes" : "none")
		                                    : (json_is_true(v) ? "yes" : "no");
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_array(v)) {
		ta_djoin(buf, cap, v);
		return json_array_size(v) ? buf : "none";
	}
	return "?";
}

void
ta_dcmp_features(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *fa = json_object_get(a, "features"), *fb = json_object_get(b, "features");
	char ta[JOIN_MAX], tb[JOIN_MAX];
	int ha = ta_dtri(a, "tls13_hello_retry_request"),
	    hb = ta_dtri(b, "tls13_hello_retry_request");

	/* null: not tested in that run (--no-features, no TLS) */
	if (json_is_object(fa) && json_is_object(fb))
		for (size_t i = 0; i < ta_feature_facts_count; i++) {
			const struct ta_fact *f = &ta_feature_facts[i];
			const json_t *va = json_object_get(fa, f->key),
			             *vb = json_object_get(fb, f->key);
			int reg = TA_DREG_NEUTRAL;

			if (!va || !vb || json_equal(va, vb))
				continue;
			if (f->type == TA_FACT_TRI && f->good != TA_UNKNOWN &&
			    json_is_boolean(va) && json_is_boolean(vb))
				reg = json_is_true(vb) == (f->good == TA_YES) ? TA_DREG_BETTER
				                                              : TA_DREG_WORSE;
			ta_dchg_add(c, "features", NULL, f->key, json_incref((json_t *)va),
			            json_incref((json_t *)vb), reg, "%s: %s -> %s", f->label,
			            fact_text(ta, sizeof ta, f, va),
			            fact_text(tb, sizeof tb, f, vb));
		}
	if (ha >= 0 && hb >= 0 && ha != hb)
		ta_dchg_add(c, "features", NULL, "tls13_hello_retry_request", json_boolean(ha),
		            json_boolean(hb), TA_DREG_NEUTRAL,
		            "TLS 1.3 HelloRetryRequest: %s -> %s", ta_dtri_text(ha),
		            ta_dtri_text(hb));
}

/* ---- HTTP ---- */

/* A value that is a string, integer or null, as text. */
static const char *
value_text(char *buf, size_t cap, const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : "none";
}

/* Each value under key in both: a neutral change when it differs. */
static void
value_change(struct ta_dchg *c, const char *category, const json_t *a, const json_t *b,
             const char *key, const char *label)
{
	const json_t *va = json_object_get(a, key), *vb = json_object_get(b, key);
	char ta[32], tb[32];

	if (!va || !vb || json_equal(va, vb))
		return;
	ta_dchg_add(c, category, NULL, key, json_incref((json_t *)va), json_incref((json_t *)vb),
	            TA_DREG_NEUTRAL, "%s: %s -> %s", label, value_text(ta, sizeof ta, va),
	            value_text(tb, sizeof tb, vb));
}

/* A yes/no fact whose good answer is good (1 or 0; -1: neither). */
static void
good_change(struct ta_dchg *c, const char *category, const char *item, int ta, int tb, int good,
            const char *label)
{
	if (ta == tb || (ta < 0 && tb < 0))
		return;
	ta_dchg_add(c, category, NULL, item, ta_dtri_json(ta), ta_dtri_json(tb),
	            ta < 0 || tb < 0 || good < 0 ? TA_DREG_NEUTRAL
	            : tb == good                 ? TA_DREG_BETTER
	                                         : TA_DREG_WORSE,
	            "%s: %s -> %s", label, ta_dtri_text(ta), ta_dtri_text(tb));
}

static void
hsts_changes(struct ta_dchg *c, const json_t *ha, const json_t *hb)
{
	const json_t *sa = json_object_get(ha, "hsts"), *sb = json_object_get(hb, "hsts");
	json_int_t ma = json_integer_value(json_object_get(sa, "max_age"));
	json_int_t mb = json_integer_value(json_object_get(sb, "max_age"));

	if (!sa || !sb || json_equal(sa, sb)) {
		value_change(c, "http", ha, hb, "hsts_error", "HSTS header error");
		return;
	}
	if (!json_is_object(sa) && json_is_object(sb)) {
		ta_dchg_add(c, "http", NULL, "hsts", json_null(), json_incref((json_t *)sb),
		            TA_DREG_BETTER, "HSTS now sent: max-age=%" JSON_INTEGER_FORMAT "%s%s",
		            mb, ta_dtri(sb, "include_subdomains") == 1 ? "; includeSubDomains" : "",
		            ta_dtri(sb, "preload") == 1 ? "; preload" : "");
	} else if (json_is_object(sa) && !json_is_object(sb)) {
		ta_dchg_add(c, "http", NULL, "hsts", json_incref((json_t *)sa), json_null(),
		            TA_DREG_WORSE, "HSTS %s%s",
		            ta_dtri(hb, "hsts_header_present") == 1 ? "header no longer valid: "
		                                                    : "no longer sent",
		            ta_dtri(hb, "hsts_header_present") == 1 ? ta_dstr0(hb, "hsts_error")
		                                                    : "");
	} else if (json_is_object(sa) && json_is_object(sb)) {
		if (json_is_integer(json_object_get(sa, "max_age")) &&
		    json_is_integer(json_object_get(sb, "max_age")) && ma != mb)
			ta_dchg_add(c, "http", NULL, "hsts.max_age", json_integer(ma),
			            json_integer(mb), mb < ma ? TA_DREG_WORSE : TA_DREG_BETTER,
			            "HSTS max-age %" JSON_INTEGER_FORMAT
			            " -> %" JSON_INTEGER_FORMAT,
			            ma, mb);
		good_change(c, "http", "hsts.include_subdomains", ta_dtri(sa, "include_subdomains"),
		            ta_dtri(sb, "include_subdomains"), 1, "HSTS includeSubDomains");
		good_change(c, "http", "hsts.preload", ta_dtri(sa, "preload"),
		            ta_dtri(sb, "preload"), 1, "HSTS preload");
	}
}

void
ta_dcmp_http(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *ha = json_object_get(a, "http"), *hb = json_object_get(b, "http");

	/* null: not checked in that run (not HTTPS, --no-http) */
	if (!json_is_object(ha) || !json_is_object(hb))
		return;
	value_change(c, "http", ha, hb, "error", "HTTP check error");
	value_change(c, "http", ha, hb, "https_status", "HTTPS status");
	good_change(c, "http", "redirect_to_https", ta_dtri(ha, "redirect_to_https"),
	            ta_dtri(hb, "redirect_to_https"), 1, "plain HTTP redirects to HTTPS");
	value_change(c, "http", ha, hb, "http_status", "plain HTTP status");
	value_change(c, "http", ha, hb, "redirect_location", "plain HTTP redirects to");
	hsts_changes(c, ha, hb);
	good_change(c, "http", "csp", ta_dtri(ha, "csp"), ta_dtri(hb, "csp"), 1,
	            "Content-Security-Policy");
	good_change(c, "http", "csp_report_only", ta_dtri(ha, "csp_report_only"),
	            ta_dtri(hb, "csp_report_only"), -1, "CSP report-only");
	if (ta_dtri(ha, "csp") == 1 && ta_dtri(hb, "csp") == 1)
		value_change(c, "http", ha, hb, "csp_value", "CSP");
	good_change(c, "http", "compression", ta_dtri(ha, "compression"),
	            ta_dtri(hb, "compression"), 0, "HTTP compression (BREACH)");
	value_change(c, "http", ha, hb, "content_encoding", "Content-Encoding");
}

/* ---- DNS ---- */

/* Each CAA record as "FLAGS TAG VALUE", in a new array. */
static json_t *
caa_lines(const json_t *records)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach (records, i, r) {
		json_t *s = json_sprintf("%" JSON_INTEGER_FORMAT " %s \"%s\"",
		                         json_integer_value(json_object_get(r, "flags")),
		                         ta_dstr0(r, "tag"), ta_dstr0(r, "value"));

		if (!out || !s || json_array_append_new(out, s) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

void
ta_dcmp_dns(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *ca = json_object_get(json_object_get(a, "dns"), "caa");
	const json_t *cb = json_object_get(json_object_get(b, "dns"), "caa");
	json_t *la, *lb, *sa = NULL, *sb = NULL;

	if (!json_is_object(ca) || !json_is_object(cb))
		return; /* not looked up in one run */
	value_change(c, "dns", ca, cb, "error", "CAA lookup error");
	la = caa_lines(json_object_get(ca, "records"));
	lb = caa_lines(json_object_get(cb, "records"));
	if (!la || !lb) {
		c->err = TA_ENOMEM;
	} else {
		names_diff(c, "dns", NULL, "CAA record", la, lb, NULL, &sa, &sb);
		if ((json_array_size(la) == 0) != (json_array_size(lb) == 0))
			ta_dchg_add(c, "dns", NULL, "caa", json_incref(la), json_incref(lb),
			            json_array_size(lb) ? TA_DREG_BETTER : TA_DREG_WORSE, "%s",
			            json_array_size(lb)
			                    ? "CAA records now restrict who may issue "
			                      "certificates"
			                    : "no CAA record any more: any CA may issue");
		value_change(c, "dns", ca, cb, "domain", "CAA set found at");
	}
	json_decref(la);
	json_decref(lb);
	json_decref(sa);
	json_decref(sb);
}

/* ---- verdicts ---- */

/* pass < warning < fail; -1 for results that are not judgements. */
static int
rank(const char *r)
{
	return !r                          ? -1
	       : strcmp(r, "pass") == 0    ? 0
	       : strcmp(r, "warning") == 0 ? 1
	       : strcmp(r, "fail") == 0    ? 2
	                                   : -1;
}

static const char *
compliant_text(int v)
{
	return v == 1 ? "compliant" : v == 0 ? "not compliant" : "not judged";
}

static void
rules_diff(struct ta_dchg *c, const char *id, const json_t *ra, const json_t *rb)
{
	json_t *map = json_object(), *r, *seen = json_object();
	size_t i;

	if (!map || !seen) {
		c->err = TA_ENOMEM;
		goto out;
	}
	/* a rule listed twice (a hostile file): its first result counts, as in run B */
	json_array_foreach (ra, i, r)
		if (ta_dstr(r, "id") && ta_dstr(r, "result") &&
		    !json_object_get(map, ta_dstr(r, "id")))
			json_object_set(map, ta_dstr(r, "id"), json_object_get(r, "result"));
	json_array_foreach (rb, i, r) {
		const char *rid = ta_dstr(r, "id"), *res = ta_dstr(r, "result"), *old;
		int x, y;

		if (!rid || !res || json_object_get(seen, rid))
			continue;
		json_object_set_new(seen, rid, json_true());
		old = json_string_value(json_object_get(map, rid));
		if (!old) {
			ta_dchg_add(c, "verdicts", id, rid, NULL, json_string(res), TA_DREG_NEUTRAL,
			            "%s: rule %s is new: %s", id, rid, res);
			continue;
		}
		if (strcmp(old, res) == 0)
			continue;
		x = rank(old);
		y = rank(res);
		ta_dchg_add(c, "verdicts", id, rid, json_string(old), json_string(res),
		            x < 0 || y < 0 ? TA_DREG_NEUTRAL
		            : y > x        ? TA_DREG_WORSE
		                           : TA_DREG_BETTER,
		            "%s: rule %s: %s -> %s%s%s", id, rid, old, res,
		            y > x && x >= 0 && ta_dstr(r, "evidence") ? ": " : "",
		            y > x && x >= 0 ? ta_dstr0(r, "evidence") : "");
	}
	json_array_foreach (ra, i, r) {
		const char *rid = ta_dstr(r, "id");

		if (rid && !json_object_get(seen, rid) && json_object_get(map, rid)) {
			json_object_set_new(seen, rid, json_true());
			ta_dchg_add(c, "verdicts", id, rid, ta_dget(r, "result"), NULL,
			            TA_DREG_NEUTRAL, "%s: rule %s no longer in the profile", id,
			            rid);
		}
	}
out:
	json_decref(map);
	json_decref(seen);
}

void
ta_dcmp_verdicts(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(a, "profiles"), *pb = json_object_get(b, "profiles");
	const json_t *va, *vb;
	const char *id;

	if (!json_is_object(pa) || !json_is_object(pb))
		return;
	json_object_foreach ((json_t *)pb, id, vb) {
		int x, y;

		va = json_object_get(pa, id);
		if (!json_is_object(va) || !json_is_object(vb)) {
			if (!va)
				ta_dchg_add(c, "verdicts", id, "profile", NULL,
				            ta_dget(vb, "compliant"), TA_DREG_NEUTRAL,
				            "%s: evaluated in run B only: %s", id,
				            compliant_text(ta_dtri(vb, "compliant")));
			continue;
		}
		x = ta_dtri(va, "compliant");
		y = ta_dtri(vb, "compliant");
		if (x != y)
			ta_dchg_add(c, "verdicts", id, "compliant", ta_dtri_json(x),
			            ta_dtri_json(y),
			            x < 0 || y < 0 ? TA_DREG_NEUTRAL
			            : y            ? TA_DREG_BETTER
			                           : TA_DREG_WORSE,
			            "%s: %s -> %s", id, compliant_text(x), compliant_text(y));
		rules_diff(c, id, json_object_get(va, "rules"), json_object_get(vb, "rules"));
	}
	json_object_foreach ((json_t *)pa, id, va)
		if (!json_object_get(pb, id))
			ta_dchg_add(c, "verdicts", id, "profile", ta_dget(va, "compliant"), NULL,
			            TA_DREG_NEUTRAL, "%s: no longer evaluated (was %s)", id,
			            compliant_text(ta_dtri(va, "compliant")));
}
