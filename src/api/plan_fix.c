/*
 * What the plan adds to an item from the generator and the simulation
 * (docs/plan.md): the configuration of the endpoint's software for its
 * target profile (tlsaudit config), the proxy's configuration for the
 * contingency, and the client impact: which of the simulated clients
 * connect to the endpoint today and would not once it is configured exactly
 * to its target profile.  Each configuration and each profile's simulation
 * is made once per plan and shared by the items that need it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/plan_int.h"
#include "assess/clients.h"
#include "profile/profile.h"

struct ta_plan_fix {
	struct ta_profile_set *profiles;
	struct ta_clients clients;
	bool clients_ok;
	json_t *configs; /* "software|version|library|profile" -> {text, notes} or {error} */
	json_t *after;   /* profile id -> {"sims": [...], "assumptions": [...]} */
};

struct ta_plan_fix *
ta_plan_fix_new(void)
{
	struct ta_plan_fix *f = calloc(1, sizeof *f);
	char err[256];

	if (!f)
		return NULL;
	f->configs = json_object();
	f->after = json_object();
	if (ta_profiles_builtin(&f->profiles, err, sizeof err) != TA_OK)
		f->profiles = NULL;
	f->clients_ok = ta_clients_builtin(&f->clients, err, sizeof err) == TA_OK;
	return f;
}

void
ta_plan_fix_free(struct ta_plan_fix *f)
{
	if (!f)
		return;
	ta_profiles_free(f->profiles);
	if (f->clients_ok)
		ta_clients_free(&f->clients);
	json_decref(f->configs);
	json_decref(f->after);
	free(f);
}

/* ---- the configuration -------------------------------------------------- */

/* An inventory's "nginx 1.22.1" as config's --software and --version. */
static bool
software_of(const char *text, char *sw, size_t swcap, char *ver, size_t vercap)
{
	size_t n = strcspn(text, " \t/");
	const char *name = ta_servconf_software_find(text, n);
	const char *v = text + n;

	*ver = '\0';
	/* a server software: the TLS libraries have their own column */
	if (!name || strcmp(name, "openssl") == 0 || strcmp(name, "gnutls") == 0)
		return false;
	snprintf(sw, swcap, "%s", name);
	v += strspn(v, " \t/");
	if (*v >= '0' && *v <= '9')
		snprintf(ver, vercap, "%.*s", (int)strcspn(v, " \t,;()"), v);
	return true;
}

/* "OpenSSL 3.0.11" as "openssl:3.0.11", "" when it names neither library. */
static void
library_of(const char *text, char *out, size_t cap)
{
	const char *lib = strncasecmp(text, "openssl", 7) == 0  ? "openssl"
	                  : strncasecmp(text, "gnutls", 6) == 0 ? "gnutls"
	                                                        : NULL;
	const char *v = lib ? text + strlen(lib) : "";

	*out = '\0';
	v += strspn(v, " \t/");
	if (lib && *v >= '0' && *v <= '9')
		snprintf(out, cap, "%s:%.*s", lib, (int)strcspn(v, " \t,;()"), v);
}

static json_t *
generate(struct ta_plan_fix *f, const char *sw, const char *ver, const char *lib,
         const char *profile)
{
	char key[512], err[256] = "", *text = NULL, *notes = NULL;
	size_t tlen = 0, nlen = 0;
	struct ta_servconf req = {.software = sw,
	                          .version = *ver ? ver : NULL,
	                          .tls_library = *lib ? lib : NULL,
	                          .profile = profile};
	json_t *c;
	FILE *out, *nf;
	int rc = TA_ENOMEM;

	snprintf(key, sizeof key, "%s|%s|%s|%s", sw, ver, lib, profile);
	if ((c = json_object_get(f->configs, key)))
		return json_incref(c);
	out = open_memstream(&text, &tlen);
	nf = open_memstream(&notes, &nlen);
	if (out && nf)
		rc = ta_servconf_generate(&req, out, nf, err, sizeof err);
	if (out)
		fclose(out);
	if (nf)
		fclose(nf);
	if (rc == TA_OK) {
		json_t *list = json_array();
		char *save = NULL;

		for (char *l = notes ? strtok_r(notes, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save))
			json_array_append_new(list, json_string(l));
		c = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:o}", "software", sw, "version",
		              *ver ? ver : NULL, "tls_library", *lib ? lib : NULL, "profile",
		              profile, "text", text ? text : "", "notes", list);
	} else {
		c = json_pack("{s:s, s:s}", "software", sw, "error",
		              err[0] ? err : "the configuration could not be generated");
	}
	free(text);
	free(notes);
	if (c)
		json_object_set(f->configs, key, c);
	return c;
}

/* ---- the client impact ---------------------------------------------------- */

static const json_t *
after_of(struct ta_plan_fix *f, const char *profile)
{
	const struct ta_profile *p;
	json_t *facts, *sims, *a;

	if ((a = json_object_get(f->after, profile)))
		return a;
	p = f->profiles ? ta_profiles_find(f->profiles, profile) : NULL;
	facts = p ? ta_profile_facts(p) : NULL;
	sims = facts && f->clients_ok ? ta_clients_simulate(&f->clients, facts) : NULL;
	a = json_pack("{s:o, s:O}", "sims", sims ? sims : json_array(), "assumptions",
	              facts && json_object_get(facts, "assumptions")
	                      ? json_object_get(facts, "assumptions")
	                      : json_array());
	json_decref(facts);
	json_object_set_new(f->after, profile, a);
	return a;
}

static const json_t *
find_client(const json_t *list, const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach (list, i, c) {
		const char *n = json_string_value(json_object_get(c, "client"));

		if (n && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

static bool
result_is(const json_t *sim, const char *what)
{
	const char *r = json_string_value(json_object_get(sim, "result"));

	return r && strcmp(r, what) == 0;
}

static bool
sim_connects(const json_t *sim)
{
	return result_is(sim, "connects");
}

static json_t *
impact(struct ta_plan_fix *f, const json_t *doc, const char *profile)
{
	const json_t *now = json_object_get(doc, "clients"), *a = after_of(f, profile), *c;
	const json_t *after = json_object_get(a, "sims");
	json_t *locked = json_array(), *gains = json_array(), *risk = json_array();
	size_t i, n_now = 0, n_after = 0;

	json_array_foreach (after, i, c) {
		const char *name = json_string_value(json_object_get(c, "client"));
		const json_t *was = name ? find_client(now, name) : NULL;

		n_after += sim_connects(c);
		if (!was)
			continue;
		n_now += sim_connects(was);
		if (sim_connects(was) && !sim_connects(c))
			json_array_append_new(locked,
			                      json_pack("{s:s, s:O?, s:O?}", "client", name,
			                                "connects_now_with",
			                                json_object_get(was, "protocol"), "reason",
			                                json_object_get(c, "reason")));
		else if (!sim_connects(was) && !sim_connects(c) && result_is(was, "unknown"))
			json_array_append_new(risk,
			                      json_pack("{s:s, s:O?}", "client", name, "reason",
			                                json_object_get(c, "reason")));
		else if (!sim_connects(was) && sim_connects(c))
			json_array_append_new(gains,
			                      json_pack("{s:s, s:O?}", "client", name, "protocol",
			                                json_object_get(c, "protocol")));
	}
	return json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:O}", "planned", profile, "connect_now",
	                 (json_int_t)n_now, "connect_after", (json_int_t)n_after, "locked_out",
	                 locked, "maybe_locked_out", risk, "gains", gains, "assumptions",
	                 json_object_get(a, "assumptions"));
}

/* ---- the item --------------------------------------------------------------- */

void
ta_plan_fix_item(struct ta_plan_fix *f, json_t *item, const json_t *doc,
                 const struct ta_inv_row *row)
{
	const char *profile = json_string_value(json_object_get(item, "target_profile"));
	json_t *fix = json_object_get(item, "fix"), *cont = json_object_get(item, "contingency");
	char sw[32], ver[64], lib[80] = "";
	size_t i;
	json_t *o;

	if (!f || !profile)
		return;
	if (row && row->software[0] && software_of(row->software, sw, sizeof sw, ver, sizeof ver)) {
		library_of(row->tls_library, lib, sizeof lib);
		json_object_set_new(fix, "config", generate(f, sw, ver, lib, profile));
	}
	json_array_foreach (json_object_get(cont, "options"), i, o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));

		if (kind && strcmp(kind, "proxy") == 0)
			json_object_set_new(o, "config", generate(f, "haproxy", "", "", profile));
	}
	if (doc && json_is_array(json_object_get(doc, "clients")) && f->clients_ok)
		json_object_set_new(item, "impact", impact(f, doc, profile));
}
