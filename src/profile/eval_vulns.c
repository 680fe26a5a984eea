/*
 * The rule kind "vulnerabilities" (docs/profiles.md): the target's known
 * vulnerabilities (docs/vulnerabilities.md) judged by the rule's lists of
 * check ids.  A check found vulnerable takes the verdict of its list
 * (forbidden: fail, phase_out: warning; an unlisted one: "other"); a
 * listed check that could not be tested makes the rule "could not test";
 * the others pass.  The verdicts come from the document (the derived ones
 * exist only there), so a rule without them cannot test.
 */
#include <stdio.h>
#include <string.h>

#include "profile/eval_int.h"

void
ev_vulnerabilities(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const json_t *v;
	size_t i, nvuln = 0, nchecked = 0;

	if (!json_is_array(c->vulns) || json_array_size(c->vulns) == 0) {
		ev_add(&o->ev, "No known-vulnerability verdicts for this target.");
		worsen(o, TA_VERDICT_CNT);
		return;
	}
	json_array_foreach (c->vulns, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *st = json_string_value(json_object_get(v, "status"));
		const char *ev =
		        json_string_value(json_array_get(json_object_get(v, "evidence"), 0));
		const char *fix = json_string_value(json_object_get(v, "fix"));
		int l;
		enum ta_verdict verdict;

		if (!id || !st)
			continue;
		l = ev_level_of(ru, id);
		verdict = ev_level_verdict(ru, l);
		nchecked++;
		if (strcmp(st, "vulnerable") == 0) {
			nvuln++;
			ev_sep(&o->ev);
			ev_add(&o->ev, "%s: vulnerable (%s).", id, ev ? ev : "no evidence");
			if (verdict != TA_VERDICT_PASS && fix) {
				ev_sep(&o->fix);
				ev_add(&o->fix, "%s", fix);
			}
			worsen(o, verdict);
			ev_item(o, IK_VULN, id, TA_YES, ev_level_token(ru, l), verdict);
		} else if (strcmp(st, "could_not_test") == 0 && verdict != TA_VERDICT_PASS) {
			ev_sep(&o->ev);
			ev_add(&o->ev, "%s: could not test (%s).", id, ev ? ev : "no evidence");
			worsen(o, TA_VERDICT_CNT);
			ev_item(o, IK_VULN, id, TA_UNKNOWN, ev_level_token(ru, l), TA_VERDICT_CNT);
		}
	}
	if (nvuln == 0) {
		ev_sep(&o->ev);
		ev_add(&o->ev,
		       "None of the %zu known-vulnerability checks found the target "
		       "vulnerable.",
		       nchecked);
	}
	worsen(o, TA_VERDICT_PASS);
}
