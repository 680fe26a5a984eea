/*
 * The assessment of one finished target (assess/assess.h): its document,
 * its evaluation against every profile, and the judgements that depend on
 * the report's time.
 */
#include "assess/assess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/clients.h"
#include "assess/vulns.h"
#include "cert/cert.h"
#include "profile/profile.h"
#include "wire/registry.h"

struct ta_assess {
	struct ta_profile_set *set;
	struct ta_vuln_ctx vctx;   /* the SSLv2 keys of the targets so far (DROWN) */
	struct ta_clients clients; /* the client simulation's database */
};

enum ta_strength
ta_suite_strength(const struct ta_suite *s)
{
	if (!s)
		return TA_ST_WEAK;
	if ((s->flags & TA_SUITE_EXPORT) || s->cipher == TA_CIPHER_NULL ||
	    s->cipher == TA_CIPHER_RC4 || s->cipher == TA_CIPHER_RC2 ||
	    s->cipher == TA_CIPHER_DES || s->cipher == TA_CIPHER_DES40 ||
	    s->cipher == TA_CIPHER_3DES || s->auth == TA_AUTH_NULL || s->mac == TA_MAC_MD5 ||
	    (s->flags & TA_SUITE_SSL2))
		return TA_ST_WEAK;
	if ((s->flags & TA_SUITE_FS) && (s->flags & TA_SUITE_AEAD))
		return TA_ST_GOOD;
	return TA_ST_OK;
}

struct ta_assess *
ta_assess_new(char *err, size_t errlen)
{
	struct ta_assess *a = calloc(1, sizeof *a);

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ta_profiles_builtin(&a->set, err, errlen) != TA_OK) {
		free(a);
		return NULL;
	}
	if (ta_clients_builtin(&a->clients, err, errlen) != TA_OK) {
		ta_profiles_free(a->set);
		free(a);
		return NULL;
	}
	ta_vuln_ctx_init(&a->vctx);
	return a;
}

void
ta_assess_free(struct ta_assess *a)
{
	if (!a)
		return;
	ta_profiles_free(a->set);
	ta_vuln_ctx_free(&a->vctx);
	ta_clients_free(&a->clients);
	free(a);
}

int
ta_assess_add_profile_file(struct ta_assess *a, const char *path, char *err, size_t errlen)
{
	return ta_profiles_add_file(a->set, path, err, errlen);
}

bool
ta_assess_has_profile(const struct ta_assess *a, const char *id)
{
	return a && ta_profiles_find(a->set, id) != NULL;
}

const struct ta_profile_set *
ta_assess_profiles(const struct ta_assess *a)
{
	return a ? a->set : NULL;
}

const struct ta_clients *
ta_assess_clients(const struct ta_assess *a)
{
	return a ? &a->clients : NULL;
}

/* The web profiles' HTTP rules apply to HTTPS services. */
static bool
is_https(const struct ta_result *r)
{
	return strcmp(r->service, "https") == 0;
}

/* The active probes' verdicts with those derived from the document, in
 * the order of docs/vulnerabilities.md; DROWN also looks at the SSLv2 keys
 * of the targets finished before. */
static int
add_vulnerabilities(struct ta_assess *a, const struct ta_result *r, json_t *doc)
{
	json_t *list = ta_vulns_active(r);
	int rc;

	if (!list || json_object_set_new(doc, "vulnerabilities", list) != 0)
		return TA_ENOMEM;
	rc = ta_vulns_attach(doc, a ? &a->vctx : NULL);
	if (rc == TA_OK && a)
		rc = ta_vuln_ctx_note(&a->vctx, doc);
	return rc;
}

int
ta_assess_note(struct ta_assess *a, const json_t *doc)
{
	return a ? ta_vuln_ctx_note(&a->vctx, doc) : TA_OK;
}

json_t *
ta_assess_target(struct ta_assess *a, const struct ta_result *r)
{
	json_t *doc = ta_doc_target(r), *profiles = json_object();

	/* the verdicts first: rules of the kind "vulnerabilities" judge them */
	if (!doc || !profiles || add_vulnerabilities(a, r, doc) != TA_OK) {
		json_decref(doc);
		json_decref(profiles);
		return NULL;
	}
	for (size_t k = 0; a && k < ta_profiles_count(a->set); k++) {
		const struct ta_profile *p = ta_profiles_get(a->set, k);
		struct ta_eval *e = NULL;
		json_t *ej;

		if (ta_profile_evaluate_vulns(p, r, is_https(r),
		                              json_object_get(doc, "vulnerabilities"),
		                              &e) != TA_OK ||
		    !(ej = ta_eval_json(e))) {
			ta_eval_free(e);
			json_decref(doc);
			json_decref(profiles);
			return NULL;
		}
		ta_eval_free(e);
		/* a target that could not be scanned is not judged at all */
		if (!r->ok)
			json_object_set_new(ej, "compliant", json_null());
		json_object_set_new(profiles, ta_profile_id(p), ej);
	}
	json_object_set_new(doc, "profiles", profiles);
	/* who connects: from the document's facts (assess/clients.h) */
	json_t *cl = r->ok && a ? ta_clients_simulate(&a->clients, doc) : json_array();
	if (!cl || json_object_set_new(doc, "clients", cl) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

bool
ta_doc_complies(const json_t *target, const char *id)
{
	const char *st = json_string_value(json_object_get(target, "status"));
	const json_t *p = json_object_get(json_object_get(target, "profiles"), id);

	return st && strcmp(st, "ok") == 0 && json_is_true(json_object_get(p, "compliant"));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void
refresh_cert(json_t *c, time_t now)
{
	int64_t nb, na;

	if (!json_is_object(c) ||
	    !ta_parse_iso_time(json_string_value(json_object_get(c, "not_before")), &nb) ||
	    !ta_parse_iso_time(json_string_value(json_object_get(c, "not_after")), &na))
		return;
	json_object_set_new(c, "days_left", json_integer(floor_div(na - (int64_t)now, 86400)));
	json_object_set_new(c, "expired", json_boolean((int64_t)now > na));
	json_object_set_new(c, "not_yet_valid", json_boolean((int64_t)now < nb));
}

void
ta_doc_refresh_dates(json_t *target, time_t now)
{
	json_t *certs = json_object_get(target, "certificates"), *c, *k;
	size_t i, j;

	json_array_foreach (certs, i, c) {
		refresh_cert(c, now);
		json_array_foreach (json_object_get(c, "chain"), j, k)
			refresh_cert(k, now);
	}
}
