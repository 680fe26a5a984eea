/*
 * The "Profiles" part of a target in the text report, from the document's
 * "profiles" object (docs/schema/scan.schema.json, profile_verdict): one
 * matrix row per profile, then the rules of the focus profile that fail
 * or warn, with their evidence and remediation.  Profile texts come from
 * files and evidence quotes servers: every string is escaped.
 */
#include <string.h>

#include "report/text_doc.h"

enum verdict { V_NA, V_PASS, V_WARN, V_CNT, V_FAIL, V_N };

static enum verdict
verdict_of(const json_t *rule)
{
	static const char *const names[V_N] = {"not_applicable", "pass", "warning",
	                                       "could_not_test", "fail"};
	const char *s = ta_txt_str(rule, "result");

	for (int v = 0; s && v < V_N; v++)
		if (strcmp(s, names[v]) == 0)
			return (enum verdict)v;
	return V_NA;
}

static const char *
verdict_tag(enum verdict v)
{
	static const char *const tags[V_N] = {"N/A", "PASS", "WARN", "UNTESTED", "FAIL"};

	return tags[v];
}

static size_t
count(const json_t *pv, enum verdict v)
{
	const json_t *rules = json_object_get(pv, "rules");
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(rules); i++)
		n += verdict_of(json_array_get(rules, i)) == v;
	return n;
}

static const char *
overall(const json_t *pv)
{
	if (!json_is_true(json_object_get(pv, "compliant")))
		return "not compliant";
	return json_is_true(json_object_get(pv, "complete")) ? "compliant"
	                                                     : "compliant, incomplete";
}

static void
put_line(const struct ta_txt *t, const char *label, const char *text)
{
	fprintf(t->out, "           %s", label);
	ta_txt_put(t, text ? text : "");
	fputc('\n', t->out);
}

/* The rules that failed or warned (ta_eval_text with failing_only). */
static void
failing_rules(const struct ta_txt *t, const char *id, const json_t *pv)
{
	const json_t *rules = json_object_get(pv, "rules");
	size_t i, ncnt = count(pv, V_CNT);

	ta_txt_put(t, id);
	fputs(" (", t->out);
	ta_txt_put(t, ta_txt_str(pv, "title"));
	fprintf(t->out, "): %s\n", overall(pv));
	for (i = 0; i < json_array_size(rules); i++) {
		const json_t *r = json_array_get(rules, i);
		enum verdict v = verdict_of(r);
		const char *s;

		if (v != V_FAIL && v != V_WARN)
			continue;
		fprintf(t->out, "  %-8s ", verdict_tag(v));
		ta_txt_put(t, ta_txt_str(r, "id"));
		if ((s = ta_txt_str(r, "rating"))) {
			fputs(" (rated ", t->out);
			ta_txt_put(t, s);
			fputc(')', t->out);
		}
		fputs("\n           source: ", t->out);
		ta_txt_put(t, ta_txt_str(r, "source"));
		fputs(" [", t->out);
		ta_txt_put(t, ta_txt_str(r, "trust"));
		fputs("]\n", t->out);
		put_line(t, "seen:   ", ta_txt_str(r, "evidence"));
		if ((s = ta_txt_str(r, "remediation")) && s[0])
			put_line(t, "fix:    ", s);
		if ((s = ta_txt_str(r, "deviation")))
			put_line(t, "note:   ", s);
		if ((s = ta_txt_str(r, "note")))
			put_line(t, "basis:  ", s);
	}
	if (ncnt) {
		fprintf(t->out, "  %zu rule%s could not be tested:", ncnt, ncnt == 1 ? "" : "s");
		for (i = 0; i < json_array_size(rules); i++)
			if (verdict_of(json_array_get(rules, i)) == V_CNT) {
				fputc(' ', t->out);
				ta_txt_put(t, ta_txt_str(json_array_get(rules, i), "id"));
			}
		fputc('\n', t->out);
	}
	if (count(pv, V_FAIL) + count(pv, V_WARN) == 0)
		fputs("  no rule failed or warned\n", t->out);
}

void
ta_txt_profiles(const struct ta_txt *t, const json_t *profiles, const char *focus)
{
	json_t *ps = (json_t *)profiles; /* jansson's iterators take no const */
	const json_t *pv;

	fputs("  Profiles\n", t->out);
	fprintf(t->out, "%-26s %-22s %4s %4s %4s %8s %4s\n", "PROFILE", "VERDICT", "PASS", "WARN",
	        "FAIL", "UNTESTED", "N/A");
	for (void *it = json_object_iter(ps); it; it = json_object_iter_next(ps, it)) {
		pv = json_object_iter_value(it);
		ta_txt_pad(t, json_object_iter_key(it), 26);
		fprintf(t->out, " %-22s %4zu %4zu %4zu %8zu %4zu\n", overall(pv), count(pv, V_PASS),
		        count(pv, V_WARN), count(pv, V_FAIL), count(pv, V_CNT), count(pv, V_NA));
	}
	if (focus && (pv = json_object_get(profiles, focus))) {
		fputs("\n  ", t->out);
		ta_txt_put(t, focus);
		fputs(": rules that fail or warn\n", t->out);
		failing_rules(t, focus, pv);
	}
}
