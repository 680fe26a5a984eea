/*
 * The facts of a server configured exactly to a profile (profile.h,
 * ta_profile_facts): what a scan of it would find, as the keys of a target
 * document (docs/schema/scan.schema.json) that the client simulation
 * reads (src/assess/clients_sim.c), so that who a profile locks out can be
 * said before the configuration is applied (docs/clients.md).
 *
 * The server offers every item a rule lets pass (allowed, good,
 * sufficient, tolerated, phase_out and required items), in the profile's
 * order.  What the profile does not say is assumed and listed under
 * "assumptions": OpenSSL 3.0's default groups, an RSA 2048-bit
 * certificate, every signature scheme of the certificate's key type, a
 * 2048-bit DH group.
 */
#include <stdio.h>
#include <string.h>

#include "profile/rule.h"
#include "wire/registry.h"

static const enum ta_level offered_levels[] = {LV_ALLOWED, LV_GOOD, LV_SUFFICIENT, LV_TOLERATED,
                                               LV_PHASE_OUT};

/* Append every item a rule lets pass to a (strings, each once). */
static void
rule_items(const struct ta_rule *ru, json_t *a)
{
	const struct strlist *lists[8];
	size_t nl = 0;

	for (size_t i = 0; i < sizeof offered_levels / sizeof offered_levels[0]; i++)
		lists[nl++] = &ru->lv[offered_levels[i]];
	lists[nl++] = &ru->required;
	lists[nl++] = &ru->required_any;
	for (size_t l = 0; l < nl; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			bool dup = false;
			size_t k;
			json_t *v;

			json_array_foreach (a, k, v)
				dup = dup || strcmp(json_string_value(v), lists[l]->v[i]) == 0;
			if (!dup)
				json_array_append_new(a, json_string(lists[l]->v[i]));
		}
}

static bool
has(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach (a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static const struct ta_rule *
rule_of(const struct ta_profile *p, const char *kind)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].kind->name, kind) == 0)
			return &p->rules[i];
	return NULL;
}

static bool
cert_fits(const struct ta_suite *s, const json_t *keytypes)
{
	switch (ta_suite_cert_kind(s)) {
	case TA_CERTK_NONE:
		return true;
	case TA_CERTK_RSA:
		return has(keytypes, "RSA");
	case TA_CERTK_EC:
		return has(keytypes, "EC");
	case TA_CERTK_DSA:
		return has(keytypes, "DSA");
	default:
		return false;
	}
}

static json_t *
protocol(const struct ta_profile *p, int v, bool offered, const json_t *keytypes)
{
	json_t *names = json_array(), *details = json_array();
	json_t *order = json_null();

	for (size_t i = 0; offered && i < p->nrules; i++) {
		const struct ta_rule *ru = &p->rules[i];

		if (strcmp(ru->kind->name, "suites") == 0 && (ru->vmask & (1u << v)))
			rule_items(ru, names);
		if (strcmp(ru->kind->name, "server_order") == 0 && (ru->vmask & (1u << v)) &&
		    ru->expect >= 0) {
			json_decref(order);
			order = json_boolean(ru->expect);
		}
	}
	size_t i;
	json_t *n;
	json_t *kept = json_array();

	json_array_foreach (names, i, n) {
		const struct ta_suite *s = NULL;
		char id[16];

		for (size_t k = 0; k < ta_suites_count && !s; k++)
			if (strcmp(ta_suites[k].iana, json_string_value(n)) == 0)
				s = &ta_suites[k];
		if (!s || !cert_fits(s, keytypes))
			continue;
		snprintf(id, sizeof id, "0x%04X", (unsigned)s->id);
		json_array_append_new(kept, json_string(s->iana));
		json_array_append_new(details, json_pack("{s:s, s:s}", "id", id, "iana", s->iana));
	}
	json_decref(names);
	return json_pack("{s:b, s:b, s:b, s:o, s:o, s:o}", "offered",
	                 offered && json_array_size(kept) > 0, "tested", 1, "complete", 1,
	                 "cipher_suites", kept, "server_order", order, "cipher_suite_details",
	                 details);
}

static json_t *
schemes_for(const json_t *keytypes, bool tls13, const json_t *allowed)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ta_sigschemes_count; i++) {
		const struct ta_sigscheme *s = &ta_sigschemes[i];
		bool rsa = strncmp(s->iana, "rsa_", 4) == 0,
		     ec = strncmp(s->iana, "ecdsa_", 6) == 0;

		if ((tls13 && !s->tls13) || (allowed && !has(allowed, s->iana)))
			continue;
		if ((rsa && has(keytypes, "RSA")) || (ec && has(keytypes, "EC")))
			json_array_append_new(a, json_string(s->iana));
	}
	return a;
}

json_t *
ta_profile_facts(const struct ta_profile *p)
{
	static const char *const default_groups[] = {"x25519", "secp256r1", "x448", "secp521r1",
	                                             "secp384r1"};
	json_t *doc = json_object(), *assume = json_array(), *versions = json_array();
	json_t *keytypes = json_array(), *groups = json_array(), *protos = json_object();
	json_t *schemes = NULL, *certs = json_array();
	const struct ta_rule *ru;
	long rsa_bits = 2048;

	if (!doc || !assume || !versions || !keytypes || !groups || !protos || !certs)
		goto oom;
	if ((ru = rule_of(p, "versions")))
		rule_items(ru, versions);
	else
		json_array_append_new(assume, json_string("versions: the profile names none; "
		                                          "TLSv1.2 and TLSv1.3 assumed"));
	if (!ru) {
		json_array_append_new(versions, json_string("TLSv1.3"));
		json_array_append_new(versions, json_string("TLSv1.2"));
	}
	if ((ru = rule_of(p, "cert_key_type"))) {
		rule_items(ru, keytypes);
		if (json_array_size(keytypes) > 1)
			json_array_append_new(assume,
			                      json_string("certificate: one of each key type "
			                                  "the profile allows"));
	} else {
		json_array_append_new(keytypes, json_string("RSA"));
		json_array_append_new(assume,
		                      json_string("certificate: the profile names no key type; RSA "
		                                  "assumed"));
	}
	if ((ru = rule_of(p, "cert_rsa_bits")) && ru->min_bits > 0)
		rsa_bits = ru->min_bits;
	else if (has(keytypes, "RSA"))
		json_array_append_new(assume, json_string("RSA key: 2048 bits assumed"));
	for (int v = TA_V_SSL3; v < TA_NVER; v++)
		json_object_set_new(protos, ta_ver_name(v),
		                    protocol(p, v, has(versions, ta_ver_name(v)), keytypes));
	json_object_set_new(protos, "SSLv2", protocol(p, TA_V_SSL2, false, keytypes));
	if ((ru = rule_of(p, "groups"))) {
		rule_items(ru, groups);
	} else {
		for (size_t i = 0; i < sizeof default_groups / sizeof default_groups[0]; i++)
			json_array_append_new(groups, json_string(default_groups[i]));
		json_array_append_new(assume, json_string("groups: the profile names none; OpenSSL "
		                                          "3.0's defaults assumed"));
	}
	if ((ru = rule_of(p, "sigschemes"))) {
		schemes = json_array();
		rule_items(ru, schemes);
	} else {
		json_array_append_new(assume, json_string("signature schemes: every scheme of the "
		                                          "certificate's key type"));
	}
	json_t *g12 = json_array(), *g13 = json_array();
	size_t i;
	json_t *g;

	json_array_foreach (groups, i, g) {
		const struct ta_group *gr = ta_group_by_name(json_string_value(g));

		if (gr && gr->tls13)
			json_array_append_new(g13, json_string(gr->iana));
		if (gr && (gr->kind == TA_GROUP_EC || gr->kind == TA_GROUP_ECX))
			json_array_append_new(g12, json_string(gr->iana));
	}
	json_object_set_new(doc, "groups_by_version",
	                    json_pack("{s:{s:o, s:n}, s:{s:o, s:n}}", "TLSv1.3", "groups", g13,
	                              "server_order", "TLSv1.2", "groups", g12, "server_order"));
	json_object_set_new(doc, "signature_schemes_by_version",
	                    json_pack("{s:o, s:o}", "TLSv1.2",
	                              schemes_for(keytypes, false, schemes), "TLSv1.3",
	                              schemes_for(keytypes, true, schemes)));
	json_decref(schemes);
	long dh = 2048;
	if ((ru = rule_of(p, "dh")) && ru->min_bits > 2048)
		dh = ru->min_bits;
	json_object_set_new(doc, "dh", json_pack("{s:i}", "bits", (json_int_t)dh));
	if (!ru || ru->min_bits <= 0)
		json_array_append_new(assume, json_string("DH group: 2048 bits assumed"));
	json_array_foreach (keytypes, i, g) {
		bool rsa = strcmp(json_string_value(g), "RSA") == 0;

		json_array_append_new(certs,
		                      json_pack("{s:s, s:i}", "key_type", json_string_value(g),
		                                "key_bits", rsa ? (json_int_t)rsa_bits : 256));
	}
	json_object_set_new(doc, "certificates", certs);
	json_object_set_new(doc, "protocols", protos);
	json_object_set_new(doc, "tls13_hello_retry_request", json_null());
	json_object_set_new(doc, "assumptions", assume);
	json_object_set_new(doc, "profile", json_string(p->id));
	json_decref(versions);
	json_decref(keytypes);
	json_decref(groups);
	return doc;
oom:
	json_decref(doc);
	json_decref(assume);
	json_decref(versions);
	json_decref(keytypes);
	json_decref(groups);
	json_decref(protos);
	json_decref(certs);
	return NULL;
}
