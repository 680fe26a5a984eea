/*
 * One endpoint of the plan (docs/plan.md): its target profile, its gaps
 * with a severity each, a priority, the fix in words, the contingency when
 * it cannot be upgraded, and what changed since the previous run.  Pure
 * functions of a document and an inventory row: every value read from the
 * document is checked for its type where it is used (a stored document is
 * input like any other).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/plan_int.h"

enum sev { SEV_NONE, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

static const char *const sev_names[] = {"none", "low", "medium", "high", "critical"};
static const int sev_points[] = {0, 10, 20, 30, 40};

static const char *const class_names[TA_PC_COUNT] = {"P1", "P2", "P3", "accepted", "P4"};

const char *
ta_plan_class_name(int c)
{
	return c >= 0 && c < TA_PC_COUNT ? class_names[c] : "?";
}

static int
sev_of_name(const char *s)
{
	for (int i = SEV_CRITICAL; i > SEV_NONE; i--)
		if (s && strcmp(s, sev_names[i]) == 0)
			return i;
	return SEV_NONE;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

const char *
ta_plan_default_profile(const char *proto, unsigned port, const char **why)
{
	if (strcmp(proto, "smtp") == 0 && port == 25) {
		*why = "default for SMTP between mail servers (port 25): opportunistic STARTTLS, "
		       "where any TLS beats plain text (RFC 7435)";
		return "mozilla-5.7-old";
	}
	*why = "default for every other endpoint: TLS 1.2 and 1.3 (HKCERT Intermediate)";
	return "hkcert-intermediate";
}

/* ---- the endpoint ------------------------------------------------------- */

static const char *
doc_proto(const json_t *doc)
{
	const json_t *st = json_object_get(doc, "starttls");
	const char *p = json_string_value(json_object_get(st, "protocol"));

	return p && *p ? p : "tls";
}

static const char *
target_profile(const json_t *doc, const struct ta_inv_row *row, const char **source)
{
	const char *proto = row ? row->protocol : doc_proto(doc);
	unsigned port =
	        row ? row->port : (unsigned)json_integer_value(json_object_get(doc, "port"));

	if (row && row->profile[0]) {
		*source = "the inventory names it";
		return row->profile;
	}
	if (strcmp(proto, "https") == 0)
		proto = "tls";
	return ta_plan_default_profile(proto, port, source);
}

static bool
from_inventory(const struct ta_inv_row *row)
{
	return row && row->profile[0];
}

int
ta_plan_compliance(const json_t *doc, const struct ta_inv_row *row)
{
	const char *src;
	const char *id = target_profile(doc, row, &src);
	const json_t *v = json_object_get(json_object_get(doc, "profiles"), id);
	const json_t *c = json_object_get(v, "compliant");

	return json_is_boolean(c) ? json_is_true(c) : -1;
}

/* ---- gaps ------------------------------------------------------------------ */

static bool
mentions(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* How bad a failing rule is, by its kind and the items that failed. */
static int
rule_severity(const json_t *rule)
{
	const char *kind = str(rule, "kind");
	const json_t *items = json_object_get(rule, "items"), *it;
	size_t i;
	int worst = SEV_NONE;

	if (strcmp(kind, "versions") == 0 || strcmp(kind, "suites") == 0 ||
	    strcmp(kind, "dh") == 0) {
		json_array_foreach (items, i, it) {
			const char *id = str(it, "id"), *level = str(it, "level");
			int s = SEV_MEDIUM;

			if (strcmp(str(it, "verdict"), "fail") != 0)
				continue;
			if (!json_is_true(json_object_get(it, "present")))
				s = SEV_LOW; /* something required is missing */
			else if (strcmp(id, "SSLv2") == 0 || strcmp(id, "SSLv3") == 0)
				s = SEV_CRITICAL;
			else if (strcmp(id, "TLSv1.0") == 0 || strcmp(id, "TLSv1.1") == 0)
				s = SEV_HIGH;
			else if (mentions(id, "NULL") || mentions(id, "_anon_") ||
			         mentions(id, "EXPORT") || mentions(id, "RC4") ||
			         mentions(id, "_DES_") || mentions(id, "3DES") ||
			         mentions(id, "RC2") || mentions(id, "IDEA") ||
			         strcmp(level, "below_minimum") == 0)
				s = SEV_HIGH;
			if (s > worst)
				worst = s;
		}
		return worst ? worst : SEV_MEDIUM;
	}
	if (strcmp(kind, "cert_lifetime") == 0 || strcmp(kind, "csp") == 0 ||
	    strcmp(kind, "caa") == 0 || strcmp(kind, "server_order") == 0 ||
	    strcmp(kind, "groups") == 0 || strcmp(kind, "sigschemes") == 0)
		return SEV_LOW;
	if (strncmp(kind, "cert_", 5) == 0)
		return SEV_HIGH;
	return SEV_MEDIUM; /* feature, hsts, https_redirect, anything new */
}

static void
add_gap(json_t *gaps, const char *id, const char *kind, int sev, const char *evidence,
        const char *fix, const char *source)
{
	json_array_append_new(gaps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "kind",
	                                      kind, "severity", sev_names[sev], "evidence",
	                                      evidence, "fix", fix, "source", source));
}

static const json_t *
leaf_cert(const json_t *doc)
{
	return json_array_get(json_object_get(doc, "certificates"), 0);
}

static void
cert_gaps(json_t *gaps, const json_t *doc, bool internet)
{
	const json_t *c = leaf_cert(doc);
	const json_t *days = json_object_get(c, "days_left");
	char ev[400];

	if (!json_is_object(c))
		return;
	if (json_is_true(json_object_get(c, "expired"))) {
		snprintf(ev, sizeof ev, "the certificate %.200s expired on %.40s",
		         str(c, "subject"), str(c, "not_after"));
		add_gap(gaps, "cert-expired", "certificate", SEV_CRITICAL, ev,
		        "Replace the certificate now.", "certificate");
	} else if (json_is_integer(days) && json_integer_value(days) <= 90) {
		json_int_t d = json_integer_value(days);

		snprintf(ev, sizeof ev, "the certificate %.200s expires in %lld days (%.40s)",
		         str(c, "subject"), (long long)d, str(c, "not_after"));
		add_gap(gaps, "cert-expiring", "certificate",
		        d <= 14   ? SEV_HIGH
		        : d <= 30 ? SEV_MEDIUM
		                  : SEV_LOW,
		        ev, "Renew the certificate before it expires (automate it: ACME).",
		        "certificate");
	}
	if (json_is_false(json_object_get(c, "hostname_match"))) {
		snprintf(ev, sizeof ev, "the certificate %.200s does not name the host",
		         str(c, "subject"));
		add_gap(gaps, "cert-name", "certificate", SEV_HIGH, ev,
		        "Serve a certificate whose subjectAltName names the host.", "certificate");
	}
	if (json_is_false(json_object_get(c, "trusted"))) {
		snprintf(ev, sizeof ev, "the certificate chain is not trusted: %.200s",
		         str(c, "trust_error"));
		add_gap(gaps, "cert-untrusted", "certificate", internet ? SEV_HIGH : SEV_MEDIUM, ev,
		        internet
		                ? "Serve a chain from a publicly trusted CA, complete and in order."
		                : "Serve a chain from a CA the clients trust (an internal CA is "
		                  "fine when every client has its root).",
		        "certificate");
	}
}

static void
vuln_gaps(json_t *gaps, const json_t *doc)
{
	const json_t *v;
	size_t i;

	json_array_foreach (json_object_get(doc, "vulnerabilities"), i, v) {
		const json_t *ev = json_object_get(v, "evidence");
		char id[80], text[600];
		size_t n = 0;

		if (strcmp(str(v, "status"), "vulnerable") != 0)
			continue;
		text[0] = '\0';
		for (size_t k = 0; k < json_array_size(ev) && n < sizeof text; k++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", k ? "; " : "",
			                      json_string_value(json_array_get(ev, k))
			                              ? json_string_value(json_array_get(ev, k))
			                              : "");
		snprintf(id, sizeof id, "vuln-%.60s", str(v, "id"));
		add_gap(gaps, id, "vulnerability", sev_of_name(str(v, "severity")), text,
		        str(v, "fix"), "known vulnerabilities");
	}
}

/* The failing rules of the target profile, then certificates and known
 * vulnerabilities (a profile rule about vulnerabilities is left to those). */
static json_t *
gaps_of(const json_t *doc, const char *profile, bool internet, bool *evaluated)
{
	json_t *gaps = json_array();
	const json_t *v = json_object_get(json_object_get(doc, "profiles"), profile), *r;
	size_t i;

	*evaluated = json_is_object(v);
	json_array_foreach (json_object_get(v, "rules"), i, r) {
		if (strcmp(str(r, "result"), "fail") != 0 ||
		    strcmp(str(r, "kind"), "vulnerabilities") == 0)
			continue;
		add_gap(gaps, str(r, "id"), str(r, "kind"), rule_severity(r), str(r, "evidence"),
		        str(r, "remediation"), str(r, "source"));
	}
	cert_gaps(gaps, doc, internet);
	vuln_gaps(gaps, doc);
	return gaps;
}

/* ---- priority --------------------------------------------------------------- */

static int
exposure_points(const char *e)
{
	return strcmp(e, "internet") == 0   ? 30
	       : strcmp(e, "partner") == 0  ? 20
	       : strcmp(e, "internal") == 0 ? 10
	                                    : 15;
}

static int
criticality_points(const char *c)
{
	if (strcasecmp(c, "critical") == 0 || strcasecmp(c, "high") == 0)
		return 30;
	if (strcasecmp(c, "medium") == 0)
		return 20;
	if (strcasecmp(c, "low") == 0)
		return 10;
	return 15;
}

static json_t *
obsolete_versions(const json_t *doc)
{
	static const char *const old[] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"};
	const json_t *p = json_object_get(doc, "protocols");
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
		if (json_is_true(json_object_get(json_object_get(p, old[i]), "offered")))
			json_array_append_new(a, json_string(old[i]));
	return a;
}

/* Today as YYYY-MM-DD. */
static void
today(time_t now, char buf[11])
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

struct judged {
	int worst, cls, score;
	bool compliant_known, compliant, exception_active, exception_expired;
};

static void
priority(const json_t *doc, const struct ta_inv_row *row, const json_t *gaps,
         const json_t *obsolete, struct judged *j, json_t *why)
{
	const char *exposure = row ? row->exposure : "";
	const char *crit = row ? row->criticality : "";
	bool internet = strcmp(exposure, "internet") == 0;
	bool broken_cert = false, reachable = doc && strcmp(str(doc, "status"), "ok") == 0;
	const json_t *g, *days = json_object_get(leaf_cert(doc), "days_left");
	size_t i;

	j->worst = SEV_NONE;
	json_array_foreach (gaps, i, g) {
		int s = sev_of_name(str(g, "severity"));
		const char *id = str(g, "id");

		if (s > j->worst)
			j->worst = s;
		if (strcmp(id, "cert-expired") == 0 || strcmp(id, "cert-name") == 0 ||
		    (strcmp(id, "cert-untrusted") == 0 && internet))
			broken_cert = true;
	}
	j->score = sev_points[j->worst] + exposure_points(exposure) + criticality_points(crit);
	if (json_is_integer(days)) {
		json_int_t d = json_integer_value(days);

		j->score += d < 0 ? 40 : d <= 14 ? 30 : d <= 30 ? 20 : d <= 90 ? 10 : 0;
	}
	if (j->worst == SEV_CRITICAL) {
		j->cls = TA_PC_P1;
		json_array_append_new(why, json_string("a critical gap"));
	} else if (internet && (json_array_size(obsolete) || broken_cert || j->worst >= SEV_HIGH)) {
		j->cls = TA_PC_P1;
		json_array_append_new(
		        why,
		        json_string(json_array_size(obsolete)
		                            ? "internet-facing with an obsolete protocol version"
		                    : broken_cert ? "internet-facing with a broken certificate"
		                                  : "internet-facing with a high-severity gap"));
	} else if (json_array_size(gaps) &&
	           (internet || strcmp(exposure, "partner") == 0 ||
	            criticality_points(crit) == 30 || j->worst >= SEV_HIGH || !reachable)) {
		j->cls = TA_PC_P2;
		json_array_append_new(why,
		                      json_string(!reachable ? "not reachable in the run"
		                                  : j->worst >= SEV_HIGH ? "a high-severity gap"
		                                  : criticality_points(crit) == 30
		                                          ? "a critical asset"
		                                          : "exposed beyond the internal network"));
	} else if (json_array_size(gaps)) {
		j->cls = TA_PC_P3;
		json_array_append_new(why, json_string("gaps of medium or low severity, internal"));
	} else {
		j->cls = TA_PC_P4;
		json_array_append_new(why, json_string("no gap: verify on the next run"));
	}
	if (j->exception_active && j->cls != TA_PC_P4) {
		j->cls = TA_PC_ACCEPTED;
		json_array_append_new(why, json_string("an exception is in force"));
	}
	if (j->exception_expired) {
		char t[120];

		snprintf(t, sizeof t, "its exception EXPIRED on %.20s: decide again",
		         row->exception_expiry);
		json_array_append_new(why, json_string(t));
	}
}

/* ---- contingency ------------------------------------------------------------- */

static json_t *
contingency(const struct ta_inv_row *row, const char *profile, time_t now, struct judged *j)
{
	json_t *c, *opts;
	char d[11], text[300];
	bool exposed;

	j->exception_active = j->exception_expired = false;
	if (!row)
		return json_null();
	today(now, d);
	if (row->exception_expiry[0]) {
		j->exception_expired = strcmp(row->exception_expiry, d) < 0;
		j->exception_active = !j->exception_expired;
	}
	if (row->upgradable != TA_UPG_NO && row->upgradable != TA_UPG_VENDOR &&
	    !row->exception_expiry[0])
		return json_null();
	c = json_object();
	opts = json_array();
	exposed = strcmp(row->exposure, "internal") != 0;
	if (row->upgradable == TA_UPG_VENDOR)
		json_array_append_new(
		        opts,
		        json_pack("{s:s, s:s}", "kind", "vendor", "text",
		                  "Ask the vendor for a release that meets the profile, with a "
		                  "date; until then use one of the measures below."));
	snprintf(text, sizeof text,
	         "Put a TLS-terminating proxy configured to %s in front of it (HAProxy, nginx, "
	         "stunnel: tlsaudit config --software haproxy --profile %s); its old TLS then "
	         "only runs between the proxy and it, on a network segment of their own.",
	         profile, profile);
	json_array_append_new(opts, json_pack("{s:s, s:s}", "kind", "proxy", "text", text));
	if (exposed)
		json_array_append_new(
		        opts,
		        json_pack("{s:s, s:s}", "kind", "narrow", "text",
		                  "Narrow its exposure: allow only the addresses that need it "
		                  "(firewall), or move it behind the VPN."));
	if (row->exception_expiry[0])
		snprintf(text, sizeof text, "%s exception %s %s.",
		         j->exception_expired ? "The recorded" : "A recorded",
		         j->exception_expired ? "EXPIRED on" : "is in force until",
		         row->exception_expiry);
	else
		snprintf(text, sizeof text,
		         "Record an exception with an expiry date (inventory column "
		         "exception_expiry), decided by the asset's owner.");
	json_array_append_new(opts, json_pack("{s:s, s:s}", "kind", "exception", "text", text));
	json_object_set_new(c, "options", opts);
	json_object_set_new(c, "recorded",
	                    row->contingency[0] ? json_string(row->contingency) : json_null());
	json_object_set_new(c, "exception_until",
	                    row->exception_expiry[0] ? json_string(row->exception_expiry)
	                                             : json_null());
	json_object_set_new(c, "exception_expired", json_boolean(j->exception_expired));
	return c;
}

/* ---- progress since the previous run -------------------------------------- */

json_t *
ta_plan_gap_ids(const json_t *doc, const struct ta_inv_row *row)
{
	const char *source, *profile = target_profile(doc, row, &source);
	bool internet = row && strcmp(row->exposure, "internet") == 0, evaluated;
	json_t *gaps = gaps_of(doc, profile, internet, &evaluated), *ids = json_array();
	const json_t *g;
	size_t i;

	if (strcmp(str(doc, "status"), "ok") != 0)
		json_array_append_new(ids, json_string("unreachable"));
	else
		json_array_foreach (gaps, i, g)
			json_array_append_new(ids, json_string(str(g, "id")));
	json_decref(gaps);
	return ids;
}

static bool
in_ids(const json_t *ids, const char *id)
{
	const json_t *x;
	size_t i;

	json_array_foreach (ids, i, x)
		if (strcmp(json_string_value(x), id) == 0)
			return true;
	return false;
}

static json_t *
verify(const json_t *gaps, const json_t *prev_ids)
{
	json_t *closed, *open, *fresh;
	const json_t *g, *h;
	size_t i;

	if (!json_is_array(prev_ids))
		return json_null();
	closed = json_array();
	open = json_array();
	fresh = json_array();
	json_array_foreach (prev_ids, i, g) {
		bool still = false;
		size_t k;

		json_array_foreach (gaps, k, h)
			still |= strcmp(json_string_value(g), str(h, "id")) == 0;
		json_array_append_new(still ? open : closed, json_incref((json_t *)g));
	}
	json_array_foreach (gaps, i, h)
		if (!in_ids(prev_ids, str(h, "id")))
			json_array_append_new(fresh, json_string(str(h, "id")));
	return json_pack("{s:o, s:o, s:o}", "closed", closed, "open", open, "new", fresh);
}

/* ---- the item ---------------------------------------------------------------- */

static json_t *
fix_of(const struct ta_inv_row *row, const json_t *gaps)
{
	json_t *steps = json_array();
	const json_t *g;
	size_t i;

	json_array_foreach (gaps, i, g) {
		const char *f = str(g, "fix");
		bool dup = false;
		const json_t *s;
		size_t k;

		json_array_foreach (steps, k, s)
			dup |= strcmp(json_string_value(s), f) == 0;
		if (*f && !dup)
			json_array_append_new(steps, json_string(f));
	}
	return json_pack("{s:s?, s:s?, s:o, s:n}", "software",
	                 row && row->software[0] ? row->software : NULL, "tls_library",
	                 row && row->tls_library[0] ? row->tls_library : NULL, "steps", steps,
	                 "config");
}

static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *
ta_plan_item(const json_t *doc, const struct ta_inv_row *row, const json_t *prev_ids, time_t now)
{
	const char *source, *profile = target_profile(doc, row, &source);
	const char *exposure = row ? row->exposure : "";
	bool internet = strcmp(exposure, "internet") == 0, evaluated = true;
	json_t *item = json_object(), *gaps, *why = json_array(), *obs, *cont;
	const json_t *leaf = leaf_cert(doc), *v;
	struct judged j = {0};
	char key[400];

	snprintf(key, sizeof key, "%s:%u/%s", row ? row->host : str(doc, "host"),
	         row ? row->port : (unsigned)json_integer_value(json_object_get(doc, "port")),
	         row ? row->protocol : doc_proto(doc));
	json_object_set_new(item, "endpoint", json_string(key));
	json_object_set_new(item, "host", json_string(row ? row->host : str(doc, "host")));
	json_object_set_new(
	        item, "port",
	        json_integer(row ? row->port : json_integer_value(json_object_get(doc, "port"))));
	json_object_set_new(item, "protocol", json_string(row ? row->protocol : doc_proto(doc)));
	json_object_set_new(item, "ip", str_or_null(str(doc, "ip")));
	json_object_set_new(item, "asset_id", str_or_null(row ? row->asset_id : NULL));
	json_object_set_new(item, "name", str_or_null(row ? row->name : NULL));
	json_object_set_new(item, "owner", str_or_null(row ? row->owner : NULL));
	json_object_set_new(item, "exposure", str_or_null(exposure));
	json_object_set_new(item, "criticality", str_or_null(row ? row->criticality : NULL));
	json_object_set_new(item, "target_profile", json_string(profile));
	json_object_set_new(item, "target_profile_source",
	                    json_string(from_inventory(row) ? "inventory" : "default"));
	json_object_set_new(item, "target_profile_why", json_string(source));
	cont = contingency(row, profile, now, &j);
	if (!doc) {
		gaps = json_array();
		add_gap(gaps, "not-scanned", "inventory", SEV_MEDIUM,
		        "the inventory lists it, the run has no result for it",
		        "Scan it (tlsaudit scan --inventory --db ...).", "inventory");
		json_object_set_new(item, "status", json_string("not_scanned"));
	} else if (strcmp(str(doc, "status"), "ok") != 0) {
		char ev[400];

		gaps = json_array();
		snprintf(ev, sizeof ev, "the scan failed: %.300s", str(doc, "error"));
		add_gap(gaps, "unreachable", "scan", SEV_HIGH, ev,
		        "Check the endpoint is up and tlsaudit may reach it; then scan again.",
		        "scan");
		json_object_set_new(item, "status", json_string("error"));
	} else {
		gaps = gaps_of(doc, profile, internet, &evaluated);
		json_object_set_new(item, "status", json_string("scanned"));
		if (!evaluated)
			add_gap(gaps, "profile-not-evaluated", "profile", SEV_MEDIUM,
			        "the run did not evaluate this profile",
			        "Scan again with its --profile-file.", "profile");
	}
	v = json_object_get(json_object_get(json_object_get(doc, "profiles"), profile),
	                    "compliant");
	json_object_set_new(item, "compliant",
	                    json_is_boolean(v) ? json_boolean(json_is_true(v)) : json_null());
	obs = obsolete_versions(doc);
	priority(doc, row, gaps, obs, &j, why);
	json_object_set_new(item, "priority", json_string(ta_plan_class_name(j.cls)));
	json_object_set_new(item, "class", json_integer(j.cls));
	json_object_set_new(item, "score", json_integer(j.score));
	json_object_set_new(item, "why", why);
	json_object_set_new(item, "worst_severity", json_string(sev_names[j.worst]));
	json_object_set_new(item, "obsolete_versions", obs);
	json_object_set_new(item, "certificate",
	                    json_is_object(leaf)
	                            ? json_pack("{s:O?, s:O?, s:O?}", "subject",
	                                        json_object_get(leaf, "subject"), "not_after",
	                                        json_object_get(leaf, "not_after"), "days_left",
	                                        json_object_get(leaf, "days_left"))
	                            : json_null());
	json_object_set_new(item, "fix", fix_of(row, gaps));
	json_object_set_new(item, "impact", json_null());
	json_object_set_new(item, "upgradable",
	                    json_string(row ? ta_inv_upgradable_name(row->upgradable) : ""));
	json_object_set_new(item, "contingency", cont);
	json_object_set_new(item, "exception_expired", json_boolean(j.exception_expired));
	json_object_set_new(item, "verify", verify(gaps, prev_ids));
	json_object_set_new(item, "gaps", gaps);
	return item;
}

/* ---- ranking ------------------------------------------------------------------- */

static int
cmp_items(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t cx = json_integer_value(json_object_get(x, "class"));
	json_int_t cy = json_integer_value(json_object_get(y, "class"));
	json_int_t sx = json_integer_value(json_object_get(x, "score"));
	json_int_t sy = json_integer_value(json_object_get(y, "score"));

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(str(x, "endpoint"), str(y, "endpoint"));
}

void
ta_plan_rank(json_t *items)
{
	size_t n = json_array_size(items);
	json_t **v = calloc(n ? n : 1, sizeof *v);

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof *v, cmp_items);
	json_array_clear(items);
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(v[i], "rank", json_integer((json_int_t)i + 1));
		json_array_append_new(items, v[i]);
	}
	free(v);
}
