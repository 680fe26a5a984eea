/*
 * The client simulation of a target (the document's "clients",
 * docs/clients.md) in the text and HTML reports, and `tlsaudit clients`:
 * the built-in client database, or who connects to a server configured
 * exactly to a profile.  Every string comes from the document (a stored
 * one may be hostile) and is escaped like server text.
 */
#include <stdlib.h>
#include <string.h>

#include "assess/clients.h"
#include "profile/profile.h"
#include "report/html_int.h"
#include "report/report.h"
#include "report/text_doc.h"

static const char *
res_of(const json_t *c)
{
	const char *s = json_string_value(json_object_get(c, "result"));

	return s ? s : "";
}

void
ta_text_clients(const struct ta_txt *t, const json_t *list)
{
	const json_t *c, *m;
	size_t i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	fputs("\n  Clients (simulated, docs/clients.md)\n", t->out);
	json_array_foreach (list, i, c) {
		const char *r = res_of(c);
		bool ok = strcmp(r, "connects") == 0, bad = strcmp(r, "fails") == 0;

		fputs("    ", t->out);
		ta_txt_pad(t, ta_txt_str(c, "client"), 24);
		fputs(ok    ? ""
		      : bad ? (t->color ? "\033[31mFAILS\033[0m " : "FAILS ")
		            : "UNKNOWN ",
		      t->out);
		if (ok) {
			ta_txt_put(t, ta_txt_str(c, "protocol"));
			fputc(' ', t->out);
			ta_txt_put(t, ta_txt_str(c, "cipher_suite"));
			if (ta_txt_str(c, "group")) {
				fputc(' ', t->out);
				ta_txt_put(t, ta_txt_str(c, "group"));
			}
			if (json_integer_value(json_object_get(c, "dh_bits")))
				fprintf(t->out, " DH %lld",
				        (long long)json_integer_value(
				                json_object_get(c, "dh_bits")));
			if (json_is_true(json_object_get(c, "hello_retry_request")))
				fputs(" (after a HelloRetryRequest)", t->out);
		} else {
			ta_txt_put(t, ta_txt_str(c, "reason"));
		}
		fputc('\n', t->out);
		json_array_foreach (json_object_get(c, "missing"), k, m) {
			fputs("      lacking: ", t->out);
			ta_txt_put(t, json_string_value(m));
			fputc('\n', t->out);
		}
	}
}

void
hw_clients(FILE *out, const json_t *list)
{
	const json_t *c, *m;
	size_t i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	fputs("<h3>Clients (simulated)</h3>\n<div class=\"scroll\"><table class=\"clients\">"
	      "<thead><tr><th scope=\"col\">Client</th><th scope=\"col\">Result</th>"
	      "<th scope=\"col\">Protocol</th><th scope=\"col\">Cipher suite</th>"
	      "<th scope=\"col\">Group</th><th scope=\"col\">Why / lacking</th></tr></thead>"
	      "<tbody>\n",
	      out);
	json_array_foreach (list, i, c) {
		const char *r = res_of(c);
		bool ok = strcmp(r, "connects") == 0, bad = strcmp(r, "fails") == 0;

		fputs("<tr><th scope=\"row\">", out);
		hw_esc(out, hw_str(c, "client"));
		fputs("<br><small>", out);
		hw_esc(out, hw_str(c, "client_version"));
		fputs("</small></th><td>", out);
		hw_mark(out,
		        ok    ? HW_GOOD
		        : bad ? HW_BAD
		              : HW_WARN,
		        ok    ? "connects"
		        : bad ? "fails"
		              : "unknown");
		fputs("</td><td>", out);
		hw_esc(out, hw_str(c, "protocol"));
		fputs("</td><td>", out);
		hw_esc(out, hw_str(c, "cipher_suite"));
		fputs("</td><td>", out);
		hw_esc(out, hw_str(c, "group"));
		if (json_integer_value(json_object_get(c, "dh_bits")))
			fprintf(out, "DH %lld",
			        (long long)json_integer_value(json_object_get(c, "dh_bits")));
		fputs("</td><td>", out);
		hw_esc(out, hw_str(c, "reason"));
		json_array_foreach (json_object_get(c, "missing"), k, m) {
			fputs(k || hw_str(c, "reason") ? "<br>lacking: " : "lacking: ", out);
			hw_jesc(out, m);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

static void
list_text(FILE *out, const struct ta_clients *cl)
{
	struct ta_txt t = {.out = out, .color = 0, .esc = ta_esc_term_mode()};

	for (size_t i = 0; i < cl->n; i++) {
		const struct ta_client *c = &cl->v[i];

		ta_txt_pad(&t, c->name, 24);
		ta_txt_put(&t, c->version);
		fprintf(out, "\n  %s; %zu versions, ", c->captured ? "captured" : "documented",
		        c->nversions);
		if (c->suites_known)
			fprintf(out,
			        "%zu suites, %zu groups, %zu key shares, %zu signature schemes\n",
			        c->nsuites, c->ngroups, c->nshares, c->nsigalgs);
		else
			fputs("suites, groups and schemes not documented\n", out);
		fputs("  source: ", out);
		ta_txt_put(&t, c->source);
		fputc('\n', out);
	}
}

int
ta_clients_print(FILE *out, const char *profile, const char *const *files, size_t nfiles,
                 enum ta_format fmt, char *err, size_t errlen)
{
	struct ta_profile_set *set = NULL;
	struct ta_clients cl;
	json_t *doc = NULL, *facts = NULL;
	int rc;

	if (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON) {
		snprintf(err, errlen, "clients: the format is text or json");
		return TA_EINVAL;
	}
	TA_TRY(ta_clients_builtin(&cl, err, errlen));
	if (!profile) {
		if (fmt == TA_FORMAT_TEXT) {
			list_text(out, &cl);
			rc = TA_OK;
			goto out;
		}
		doc = json_array();
		for (size_t i = 0; doc && i < cl.n; i++)
			json_array_append_new(doc, ta_client_json(&cl.v[i]));
		goto write;
	}
	if ((rc = ta_profiles_builtin(&set, err, errlen)) != TA_OK)
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		if ((rc = ta_profiles_add_file(set, files[i], err, errlen)) != TA_OK)
			goto out;
	const struct ta_profile *p = ta_profiles_find(set, profile);
	if (!p) {
		snprintf(err, errlen, "no profile '%.64s' (see tlsaudit profiles)", profile);
		rc = TA_EINVAL;
		goto out;
	}
	facts = ta_profile_facts(p);
	json_t *sim = facts ? ta_clients_simulate(&cl, facts) : NULL;
	doc = sim ? json_pack("{s:s, s:O, s:o}", "profile", profile, "assumptions",
	                      json_object_get(facts, "assumptions"), "clients", sim)
	          : NULL;
	if (doc && fmt == TA_FORMAT_TEXT) {
		struct ta_txt t = {.out = out, .color = 0, .esc = ta_esc_term_mode()};
		const json_t *a;
		size_t i;

		fputs("A server configured exactly to ", out);
		ta_txt_put(&t, profile);
		fputs(" (every version, suite, group and scheme it lets pass)\n", out);
		json_array_foreach (json_object_get(facts, "assumptions"), i, a) {
			fputs("  assumed: ", out);
			ta_txt_put(&t, json_string_value(a));
			fputc('\n', out);
		}
		ta_text_clients(&t, json_object_get(doc, "clients"));
		rc = ferror(out) ? TA_ESYS : TA_OK;
		goto out;
	}
write:
	if (!doc) {
		rc = TA_ENOMEM;
		goto out;
	}
	rc = json_dumpf(doc, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? TA_OK : TA_ESYS;
out:
	json_decref(doc);
	json_decref(facts);
	ta_profiles_free(set);
	ta_clients_free(&cl);
	return rc;
}
