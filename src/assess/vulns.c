/*
 * Verdicts on known vulnerabilities from the facts of one target document
 * (assess/vulns.h): the view of the document, the suite checks, Logjam,
 * the table and ta_vulns_derive().  One table row per check: id, CVEs,
 * severity, rule and fix; the suite checks share one rule driven by the
 * row (versions, a predicate over the registry's attributes, a label).
 * The view is made once per document: per version, offered or not (or not
 * known) and its suites resolved in the registry (src/wire/registry.c),
 * so no rule parses a suite name.  The feature rules and DROWN are in
 * vulns_rules.c.  docs/vulnerabilities.md gives each rule with its sources
 * (RFC 7457, the CVEs, the papers) and why each status is chosen.
 */
#include "assess/vulns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"

static const char *const status_name[] = {"vulnerable", "not_vulnerable", "not_applicable",
                                          "could_not_test"};
static const char *const sev_name[] = {"critical", "high", "medium", "low", "info"};

#define VULN_MAX_SUITES 1024 /* suites read per version of a (hostile) document */
#define LIST_SHOWN      8    /* suites named in one evidence string, then "and N more" */

#define V_UPTO12   (TA_VULN_V(TA_V_SSL2) | TA_VULN_LEGACY)
#define V_ALL      (V_UPTO12 | TA_VULN_V(TA_V_TLS13))
#define V_TLS10_12 (TA_VULN_V(TA_V_TLS10) | TA_VULN_V(TA_V_TLS11) | TA_VULN_V(TA_V_TLS12))

const char *
ta_vuln_clean(char *buf, size_t cap, const char *s)
{
	size_t n = 0;

	for (; s && *s && n + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

void
ta_vuln_ev(struct ta_vuln_verdict *d, const char *fmt, ...)
{
	char buf[TA_VULN_EV_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!d->ev || json_array_append_new(d->ev, json_string(buf)) != 0)
		d->oom = true;
}

void
ta_vuln_list_add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 3 >= cap)
		return;
	if (len) {
		memcpy(buf + len, ", ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

int
ta_vuln_tri(const json_t *o, const char *key)
{
	const json_t *x = json_object_get(o, key);

	return json_is_true(x) ? TA_YES : json_is_false(x) ? TA_NO : TA_UNKNOWN;
}

/* ---- the view ---------------------------------------------------------- */

static const struct ta_suite *
suite_by_name(const char *name, bool ssl2)
{
	const struct ta_suite *tab = ssl2 ? ta_ssl2_suites : ta_suites;
	size_t n = ssl2 ? ta_ssl2_suites_count : ta_suites_count;

	for (size_t i = 0; i < n; i++)
		if (tab[i].iana && strcmp(tab[i].iana, name) == 0)
			return &tab[i];
	return NULL;
}

/* A listed suite: by the detail's code point when it names the same suite
 * (a binary search), else by name; NULL when the registry has neither. */
static const struct ta_suite *
resolve(const json_t *detail, const char *name, bool ssl2)
{
	const char *id = json_string_value(json_object_get(detail, "id"));
	size_t len = id ? strlen(id) : 0;

	if (!name)
		return NULL;
	if (len > 2 && len <= 8 && id[0] == '0' && id[1] == 'x' &&
	    strspn(id + 2, "0123456789ABCDEFabcdef") == len - 2) {
		uint32_t v = (uint32_t)strtoul(id + 2, NULL, 16);
		const struct ta_suite *s = ssl2 ? ta_ssl2_suite_find(v) : ta_suite_find(v);

		if (s && s->iana && strcmp(s->iana, name) == 0)
			return s;
	}
	return suite_by_name(name, ssl2);
}

static void
view_free(struct ta_vuln_view *w)
{
	for (int i = 0; i < TA_NVER; i++)
		free(w->v[i].s);
}

static int
view_init(struct ta_vuln_view *w, const json_t *t)
{
	const json_t *protos = json_object_get(t, "protocols"), *f;

	memset(w, 0, sizeof *w);
	w->t = t;
	w->ok = json_is_string(json_object_get(t, "status")) &&
	        strcmp(json_string_value(json_object_get(t, "status")), "ok") == 0;
	for (int i = 0; i < TA_NVER; i++) {
		struct ta_vuln_ver *v = &w->v[i];
		const json_t *p = json_object_get(protos, ta_ver_name(i)),
		             *off = json_object_get(p, "offered"),
		             *te = json_object_get(p, "tested"),
		             *co = json_object_get(p, "complete"),
		             *names = json_object_get(p, "cipher_suites"),
		             *det = json_object_get(p, "cipher_suite_details");
		/* reports from before "tested" and "complete" said offered only */
		bool tested = json_is_boolean(te) ? json_is_true(te) : json_is_boolean(off);
		size_t n = json_array_size(names);

		v->complete = tested && (json_is_boolean(co) ? json_is_true(co) : true);
		v->offered = json_is_true(off)                   ? TA_YES
		             : json_is_false(off) && v->complete ? TA_NO
		                                                 : TA_UNKNOWN;
		if (n > VULN_MAX_SUITES) { /* no server accepts so many: not all read */
			n = VULN_MAX_SUITES;
			v->complete = false;
		}
		v->listed = n;
		v->s = calloc(n ? n : 1, sizeof *v->s);
		if (!v->s)
			return TA_ENOMEM;
		for (size_t k = 0; k < n; k++) {
			const struct ta_suite *s = resolve(
			        json_array_get(det, k), json_string_value(json_array_get(names, k)),
			        i == TA_V_SSL2);

			if (s)
				v->s[v->n++] = s;
		}
	}
	f = json_object_get(t, "features");
	w->features = json_is_object(f) ? f : NULL;
	ta_vuln_clean(w->service, sizeof w->service,
	              json_string_value(json_object_get(t, "service")));
	return TA_OK;
}

int
ta_vuln_any_offered(const struct ta_vuln_view *w, unsigned mask)
{
	bool unknown = false;

	for (int i = 0; i < TA_NVER; i++) {
		if (!(mask & TA_VULN_V(i)))
			continue;
		if (w->v[i].offered == TA_YES)
			return TA_YES;
		unknown |= w->v[i].offered == TA_UNKNOWN;
	}
	return unknown ? TA_UNKNOWN : TA_NO;
}

void
ta_vuln_versions(const struct ta_vuln_view *w, unsigned mask, int offered, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (int i = 0; i < TA_NVER; i++)
		if ((mask & TA_VULN_V(i)) && w->v[i].offered == offered)
			ta_vuln_list_add(buf, cap, "%s", ta_ver_name(i));
}

/* ---- suites ------------------------------------------------------------ */

static bool
is_cbc(const struct ta_suite *s)
{
	switch (s->cipher) {
	case TA_CIPHER_RC2:
	case TA_CIPHER_DES:
	case TA_CIPHER_DES40:
	case TA_CIPHER_3DES:
	case TA_CIPHER_IDEA:
	case TA_CIPHER_SEED:
	case TA_CIPHER_AES_CBC:
	case TA_CIPHER_CAMELLIA_CBC:
	case TA_CIPHER_ARIA_CBC:
	case TA_CIPHER_SKIPJACK:
		return true;
	default:
		return false;
	}
}

/* 64-bit blocks in CBC (SWEET32); GOST 28147 and Magma run in counter
 * mode with key meshing in TLS and are left out */
static bool
is_block64(const struct ta_suite *s)
{
	return s->cipher == TA_CIPHER_DES || s->cipher == TA_CIPHER_DES40 ||
	       s->cipher == TA_CIPHER_3DES || s->cipher == TA_CIPHER_IDEA ||
	       s->cipher == TA_CIPHER_RC2 || s->cipher == TA_CIPHER_SKIPJACK;
}

static bool
is_rc4(const struct ta_suite *s)
{
	return s->cipher == TA_CIPHER_RC4;
}

static bool
is_export_rsa(const struct ta_suite *s)
{
	return s->kx == TA_KX_RSA_EXPORT;
}

static bool
is_dh(const struct ta_suite *s)
{
	return s->kx == TA_KX_DH || s->kx == TA_KX_DHE || s->kx == TA_KX_DH_ANON;
}

static bool
is_ephemeral_dh(const struct ta_suite *s)
{
	return s->kx == TA_KX_DHE || s->kx == TA_KX_DH_ANON || s->kx == TA_KX_DHE_PSK;
}

static bool
is_export_dh(const struct ta_suite *s)
{
	return is_dh(s) && (s->flags & TA_SUITE_EXPORT);
}

static bool
is_null_anon(const struct ta_suite *s)
{
	return s->kx != TA_KX_SCSV && (s->cipher == TA_CIPHER_NULL || s->auth == TA_AUTH_NULL);
}

bool
ta_vuln_is_any(const struct ta_suite *s)
{
	(void)s;
	return true;
}

static size_t
count(const struct ta_vuln_ver *v, ta_vuln_pred *pred)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += pred(v->s[i]);
	return n;
}

/* Does a version of mask offer a suite pred picks? */
static bool
scan_has(const struct ta_vuln_view *w, unsigned mask, ta_vuln_pred *pred)
{
	for (int i = 0; i < TA_NVER; i++)
		if ((mask & TA_VULN_V(i)) && w->v[i].offered == TA_YES && count(&w->v[i], pred) > 0)
			return true;
	return false;
}

void
ta_vuln_suite_list(const struct ta_vuln_ver *v, ta_vuln_pred *pred, char *buf, size_t cap)
{
	size_t shown = 0, all = count(v, pred);

	buf[0] = '\0';
	for (size_t i = 0; i < v->n && shown < LIST_SHOWN; i++)
		if (pred(v->s[i])) {
			ta_vuln_list_add(buf, cap, "%s", v->s[i]->iana);
			shown++;
		}
	if (all > shown) {
		size_t len = strlen(buf);

		snprintf(buf + len, cap - len, " and %zu more", all - shown);
	}
}

/* What the versions of mask say about the suites pred picks: the versions
 * offering one go to the evidence at once (hits), the rest wait in lists
 * for the rule to use when nothing was found. */
struct scan {
	unsigned hits, unsure;
	char no[96], without[TA_VULN_EV_LEN / 2], partial[96], untested[96], unknown[128];
};

static void
scan_suites(const struct ta_vuln_view *w, struct ta_vuln_verdict *d, unsigned mask,
            ta_vuln_pred *pred, const char *label, struct scan *sc)
{
	memset(sc, 0, sizeof *sc);
	for (int i = 0; i < TA_NVER; i++) {
		const struct ta_vuln_ver *v = &w->v[i];
		const char *name = ta_ver_name(i);

		if (!(mask & TA_VULN_V(i)))
			continue;
		if (v->offered == TA_YES && count(v, pred) > 0) {
			char list[TA_VULN_EV_LEN - 64];

			ta_vuln_suite_list(v, pred, list, sizeof list);
			ta_vuln_ev(d, "%s offered with %s suites: %s", name, label, list);
			sc->hits++;
			continue;
		}
		if (v->offered == TA_YES && v->listed > v->n)
			ta_vuln_list_add(sc->unknown, sizeof sc->unknown, "%s (%zu)", name,
			                 v->listed - v->n);
		if (v->offered == TA_NO) {
			ta_vuln_list_add(sc->no, sizeof sc->no, "%s", name);
		} else if (v->offered == TA_UNKNOWN) {
			ta_vuln_list_add(sc->untested, sizeof sc->untested, "%s", name);
			sc->unsure++;
		} else if (!v->complete) {
			ta_vuln_list_add(sc->partial, sizeof sc->partial, "%s", name);
			sc->unsure++;
		} else {
			ta_vuln_list_add(sc->without, sizeof sc->without, "%s (%zu suites)", name,
			                 v->n);
		}
	}
}

static void
scan_negatives(struct ta_vuln_verdict *d, const struct scan *sc, const char *label)
{
	if (sc->no[0])
		ta_vuln_ev(d, "not offered: %s", sc->no);
	if (sc->without[0])
		ta_vuln_ev(d, "offered without %s suites: %s", label, sc->without);
	if (sc->unknown[0])
		ta_vuln_ev(d, "suites unknown to tlsaudit, not judged: %s", sc->unknown);
	if (sc->partial[0])
		ta_vuln_ev(d, "suite list not complete (probing stopped early): %s", sc->partial);
	if (sc->untested[0])
		ta_vuln_ev(d, "not tested: %s", sc->untested);
}

/* The suite checks: vulnerable when a version of the row offers a suite
 * the row's predicate picks; not_vulnerable when every such version was
 * measured completely without one. */
static void
rule_suites(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
            const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	struct scan sc;

	(void)ctx;
	scan_suites(w, d, r->versions, r->pred, r->label, &sc);
	if (sc.hits) {
		d->st = TA_VST_VULN;
		return;
	}
	scan_negatives(d, &sc, r->label);
	d->st = sc.unsure ? TA_VST_CNT : TA_VST_OK;
}

/* BEAST: TLS 1.0 and SSLv3 CBC; clients split records since 2012, so a
 * server with a later version to offer them is a lesser matter. */
static void
rule_beast(const struct ta_vuln_row *r, const struct ta_vuln_view *w, const struct ta_vuln_ctx *ctx,
           struct ta_vuln_verdict *d)
{
	char above[64];

	rule_suites(r, w, ctx, d);
	if (d->st != TA_VST_VULN)
		return;
	ta_vuln_versions(w, TA_VULN_V(TA_V_TLS11) | TA_VULN_V(TA_V_TLS12) | TA_VULN_V(TA_V_TLS13),
	                 TA_YES, above, sizeof above);
	if (above[0]) {
		ta_vuln_ev(d, "later versions offered too: %s", above);
	} else {
		ta_vuln_ev(d, "no version after TLSv1.0 offered");
		d->sev = TA_VSEV_MED;
	}
}

/* LUCKY13: CBC in TLS; the timing leak itself is in the implementation. */
static void
rule_lucky13(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
             const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	rule_suites(r, w, ctx, d);
	if (d->st != TA_VST_VULN)
		return;
	if (ta_vuln_tri(w->features, "encrypt_then_mac") == TA_YES)
		ta_vuln_ev(d, "encrypt_then_mac (RFC 7366) accepted: clients that send it are not "
		              "exposed");
	ta_vuln_ev(d, "the attack needs a MAC check that is not constant-time, which a scan "
	              "cannot see");
}

/* Logjam: export DHE, a DH group under 1024 bits, or a published group of
 * 1024 bits or less (any name but "custom": many servers share it, and the
 * Logjam paper's precomputation is per prime). */
static void
rule_logjam(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
            const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	const json_t *dh = json_object_get(w->t, "dh"), *groups = json_object_get(w->t, "groups");
	json_int_t bits = json_integer_value(json_object_get(dh, "bits"));
	char group[40], ff[128] = "";
	bool weak = false, common = false;
	struct scan sc;

	(void)ctx;
	ta_vuln_clean(group, sizeof group, json_string_value(json_object_get(dh, "group")));
	scan_suites(w, d, r->versions, r->pred, r->label, &sc);
	if (bits > 0 && bits < 1024) {
		weak = true;
		ta_vuln_ev(d, "DH group of %lld bits (%s)", (long long)bits,
		           group[0] ? group : "unnamed");
	} else if (bits == 1024 && group[0] && strcmp(group, "custom") != 0) {
		common = true;
		ta_vuln_ev(d, "DH group %s: a published 1024-bit prime that many servers share",
		           group);
	}
	if (sc.hits || weak || common) {
		d->st = TA_VST_VULN;
		if (!sc.hits && !weak)
			d->sev = TA_VSEV_MED;
		return;
	}
	scan_negatives(d, &sc, r->label);
	if (bits > 0) {
		ta_vuln_ev(d, "DH group of %lld bits (%s%s)", (long long)bits,
		           group[0] ? group : "unnamed",
		           bits == 1024 ? ": not among the published primes tlsaudit knows" : "");
	} else {
		for (size_t i = 0; i < json_array_size(groups) && i < 64; i++) {
			const char *g = json_string_value(json_array_get(groups, i));
			char c[24];

			if (g && strncmp(g, "ffdhe", 5) == 0)
				ta_vuln_list_add(ff, sizeof ff, "%s",
				                 ta_vuln_clean(c, sizeof c, g));
		}
		if (ta_vuln_any_offered(w, TA_VULN_LEGACY) == TA_NO) {
			ta_vuln_ev(d, "no version up to TLSv1.2 offered: no DHE suite");
		} else if (!scan_has(w, TA_VULN_LEGACY, is_ephemeral_dh)) {
			ta_vuln_ev(d, "no DHE suite accepted");
		} else if (ff[0]) {
			ta_vuln_ev(d, "DHE only with an RFC 7919 group offered: %s", ff);
		} else {
			ta_vuln_ev(d, "DHE suites accepted but their DH group was not recorded");
			sc.unsure++;
		}
	}
	d->st = sc.unsure ? TA_VST_CNT : TA_VST_OK;
}

/* ---- the table --------------------------------------------------------- */

/* The checks, in the order of the output (the ids and order of issue 15).
 * Severities follow testssl.sh's where it has one (docs/vulnerabilities.md). */
static const struct ta_vuln_row rows[] = {
        {.id = "client-renegotiation",
         .cve = {"CVE-2011-1473"},
         .sev = TA_VSEV_MED,
         .rule = ta_vuln_rule_client_reneg,
         .fix = "Disable client-initiated renegotiation (OpenSSL SSL_OP_NO_RENEGOTIATION; nginx "
                "and recent Apache refuse it already)."},
        {.id = "insecure-renegotiation",
         .cve = {"CVE-2009-3555"},
         .sev = TA_VSEV_HIGH,
         .rule = ta_vuln_rule_insecure_reneg,
         .fix = "Update the TLS library to one with RFC 5746 secure renegotiation, or disable "
                "renegotiation altogether."},
        {.id = "fallback-scsv",
         .sev = TA_VSEV_MED,
         .rule = ta_vuln_rule_fallback,
         .fix = "Support TLS_FALLBACK_SCSV (RFC 7507, in every TLS library since 2014) or "
                "disable the versions below the highest one."},
        {.id = "poodle",
         .cve = {"CVE-2014-3566"},
         .sev = TA_VSEV_HIGH,
         .rule = rule_suites,
         .versions = TA_VULN_V(TA_V_SSL3),
         .pred = is_cbc,
         .label = "CBC",
         .fix = "Disable SSLv3."},
        {.id = "sweet32",
         .cve = {"CVE-2016-2183", "CVE-2016-6329"},
         .sev = TA_VSEV_LOW,
         .rule = rule_suites,
         .versions = V_UPTO12,
         .pred = is_block64,
         .label = "64-bit block cipher",
         .fix = "Disable the 64-bit block ciphers (3DES, DES, IDEA, RC2)."},
        {.id = "freak",
         .cve = {"CVE-2015-0204"},
         .sev = TA_VSEV_HIGH,
         .rule = rule_suites,
         .versions = TA_VULN_LEGACY,
         .pred = is_export_rsa,
         .label = "export RSA",
         .fix = "Disable the export RSA suites (EXP-*) and update the TLS library."},
        {.id = "logjam",
         .cve = {"CVE-2015-4000"},
         .sev = TA_VSEV_HIGH,
         .rule = rule_logjam,
         .versions = TA_VULN_LEGACY,
         .pred = is_export_dh,
         .label = "export DH",
         .fix = "Disable the export DH suites and use a DH group of at least 2048 bits (an RFC "
                "7919 ffdhe group), or ECDHE instead of DHE."},
        {.id = "drown",
         .cve = {"CVE-2016-0800"},
         .sev = TA_VSEV_HIGH,
         .rule = ta_vuln_rule_drown,
         .fix = "Disable SSLv2 on every server that uses this RSA key, or give those that must "
                "keep SSLv2 a key of their own."},
        {.id = "beast",
         .cve = {"CVE-2011-3389"},
         .sev = TA_VSEV_LOW,
         .rule = rule_beast,
         .versions = TA_VULN_V(TA_V_SSL3) | TA_VULN_V(TA_V_TLS10),
         .pred = is_cbc,
         .label = "CBC",
         .fix = "Disable SSLv3 and TLS 1.0 where the clients allow (browsers split records "
                "against BEAST since 2012)."},
        {.id = "lucky13",
         .cve = {"CVE-2013-0169"},
         .sev = TA_VSEV_LOW,
         .rule = rule_lucky13,
         .versions = V_TLS10_12,
         .pred = is_cbc,
         .label = "CBC",
         .fix = "Prefer AEAD suites (AES-GCM, ChaCha20-Poly1305), keep the TLS library up to "
                "date, and drop the CBC suites where the clients allow."},
        {.id = "rc4",
         .cve = {"CVE-2013-2566", "CVE-2015-2808"},
         .sev = TA_VSEV_HIGH,
         .rule = rule_suites,
         .versions = V_UPTO12,
         .pred = is_rc4,
         .label = "RC4",
         .fix = "Disable the RC4 suites (RFC 7465)."},
        {.id = "crime",
         .cve = {"CVE-2012-4929"},
         .sev = TA_VSEV_HIGH,
         .rule = ta_vuln_rule_crime,
         .fix = "Disable TLS compression."},
        {.id = "breach",
         .cve = {"CVE-2013-3587"},
         .sev = TA_VSEV_MED,
         .rule = ta_vuln_rule_breach,
         .fix = "Do not compress HTTP responses that carry secrets (or mask the secrets, such as "
                "CSRF tokens, per response)."},
        {.id = "null-anon",
         .sev = TA_VSEV_HIGH,
         .rule = rule_suites,
         .versions = V_ALL,
         .pred = is_null_anon,
         .label = "NULL or anonymous",
         .fix = "Disable the NULL and anonymous suites (eNULL, aNULL)."},
};

static json_t *
verdict_json(const struct ta_vuln_row *r, struct ta_vuln_verdict *d)
{
	json_t *o = json_object(), *cve = json_array();
	bool bad = !o || !cve;

	for (size_t i = 0; !bad && i < sizeof r->cve / sizeof r->cve[0] && r->cve[i]; i++)
		bad = json_array_append_new(cve, json_string(r->cve[i])) != 0;
	if (!bad)
		bad = json_object_set_new(o, "id", json_string(r->id)) != 0 ||
		      json_object_set(o, "cve", cve) != 0 ||
		      json_object_set_new(o, "status", json_string(status_name[d->st])) != 0 ||
		      json_object_set_new(
		              o, "severity",
		              json_string(
		                      sev_name[d->st == TA_VST_VULN ? d->sev : TA_VSEV_INFO])) !=
		              0 ||
		      json_object_set(o, "evidence", d->ev) != 0 ||
		      json_object_set_new(o, "fix", json_string(r->fix)) != 0;
	json_decref(cve);
	if (bad || d->oom) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
ta_vulns_derive(const json_t *target, const struct ta_vuln_ctx *ctx)
{
	json_t *out = json_array();
	struct ta_vuln_view w;
	bool bad = !out || view_init(&w, target) != TA_OK;
	char err[200];

	ta_vuln_clean(err, sizeof err, json_string_value(json_object_get(target, "error")));
	for (size_t i = 0; !bad && i < sizeof rows / sizeof rows[0]; i++) {
		struct ta_vuln_verdict d = {
		        .st = TA_VST_CNT, .sev = rows[i].sev, .ev = json_array()};
		json_t *o;

		if (!json_is_object(target))
			ta_vuln_ev(&d, "not a target document");
		else if (!w.ok)
			ta_vuln_ev(&d, "the scan failed: %s", err[0] ? err : "no reason given");
		else
			rows[i].rule(&rows[i], &w, ctx, &d);
		o = verdict_json(&rows[i], &d);
		json_decref(d.ev);
		bad = !o || json_array_append_new(out, o) != 0;
	}
	if (out)
		view_free(&w);
	if (bad) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Every check id of issue 15, in the order of the output. */
static const char *const order[] = {"heartbleed",
                                    "ccs-injection",
                                    "ticketbleed",
                                    "robot",
                                    "client-renegotiation",
                                    "insecure-renegotiation",
                                    "fallback-scsv",
                                    "downgrade-protection",
                                    "intolerance",
                                    "poodle",
                                    "sweet32",
                                    "freak",
                                    "logjam",
                                    "drown",
                                    "beast",
                                    "lucky13",
                                    "rc4",
                                    "crime",
                                    "breach",
                                    "null-anon"};

static size_t
rank(const json_t *verdict)
{
	const char *id = json_string_value(json_object_get(verdict, "id"));

	for (size_t i = 0; id && i < sizeof order / sizeof order[0]; i++)
		if (strcmp(order[i], id) == 0)
			return i;
	return sizeof order / sizeof order[0]; /* unknown ids last, as they were */
}

/* The verdict of have whose id is that of v, or NULL. */
static const json_t *
same_id(const json_t *have, const json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "id"));

	for (size_t i = 0; id && i < json_array_size(have); i++) {
		const char *o = json_string_value(json_object_get(json_array_get(have, i), "id"));

		if (o && strcmp(o, id) == 0)
			return json_array_get(have, i);
	}
	return NULL;
}

int
ta_vulns_attach(json_t *target, const struct ta_vuln_ctx *ctx)
{
	json_t *derived, *all, *old = json_object_get(target, "vulnerabilities");
	bool bad = false;

	if (!json_is_object(target))
		return TA_EINVAL;
	derived = ta_vulns_derive(target, ctx);
	all = json_array();
	if (!derived || !all) {
		json_decref(derived);
		json_decref(all);
		return TA_ENOMEM;
	}
	for (size_t r = 0; !bad && r <= sizeof order / sizeof order[0]; r++) {
		/* the derived verdicts, then the others already there (the active
		 * probes'), each at its rank; a derived one replaces its id */
		for (size_t i = 0; !bad && i < json_array_size(derived); i++)
			if (rank(json_array_get(derived, i)) == r)
				bad = json_array_append(all, json_array_get(derived, i)) != 0;
		for (size_t i = 0; !bad && i < json_array_size(old); i++) {
			json_t *v = json_array_get(old, i);

			if (rank(v) == r && !same_id(derived, v))
				bad = json_array_append(all, v) != 0;
		}
	}
	json_decref(derived);
	if (bad) {
		json_decref(all);
		return TA_ENOMEM;
	}
	/* on failure jansson releases all itself */
	return json_object_set_new(target, "vulnerabilities", all) == 0 ? TA_OK : TA_ENOMEM;
}
