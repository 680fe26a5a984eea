/*
 * HTML report: the Plan section (id "plan"), between the executive summary
 * and the endpoints: the upgrade plan of `tlsaudit plan` (docs/plan.md),
 * given as its JSON document by `tlsaudit report --db`.  One row per
 * endpoint in rank order: its class, target profile, gaps, the fix or the
 * contingency, and what changed since the previous run; then the progress
 * over the runs.  Every string of the plan came from a server or an
 * inventory and is escaped; a member of the wrong type reads as absent.
 */
#include <stdio.h>
#include <string.h>

#include "report/html_int.h"
#include "tlsaudit.h"

#define MAX_GAPS_SHOWN 8 /* per endpoint; the rest are counted */

static enum hw_level
class_level(const char *c)
{
	if (strcmp(c, "P1") == 0)
		return HW_BAD;
	if (strcmp(c, "P2") == 0)
		return HW_WARN;
	if (strcmp(c, "P4") == 0)
		return HW_GOOD;
	return HW_INFO;
}

static void
list_strings(FILE *out, const json_t *a)
{
	const json_t *s;
	size_t i;

	if (!json_array_size(a))
		return;
	fputs("<ul>", out);
	json_array_foreach (a, i, s) {
		if (!json_is_string(s))
			continue;
		fputs("<li>", out);
		hw_jesc(out, s);
		fputs("</li>", out);
	}
	fputs("</ul>", out);
}

static void
gaps_cell(FILE *out, const json_t *it)
{
	const json_t *g;
	size_t i, n = hw_len(it, "gaps");

	fputs("<td>", out);
	if (n == 0)
		hw_mark(out, HW_GOOD, "none");
	fputs("<ul>", out);
	json_array_foreach (hw_arr(it, "gaps"), i, g) {
		const char *sev = hw_str(g, "severity");

		if (i == MAX_GAPS_SHOWN) {
			fprintf(out, "<li>and %zu more (tlsaudit plan lists them all)</li>",
			        n - MAX_GAPS_SHOWN);
			break;
		}
		fputs("<li>", out);
		hw_mark(out,
		        sev && (!strcmp(sev, "critical") || !strcmp(sev, "high")) ? HW_BAD
		        : sev && !strcmp(sev, "medium")                           ? HW_WARN
		                                                                  : HW_INFO,
		        sev && (!strcmp(sev, "critical") || !strcmp(sev, "high") ||
		                !strcmp(sev, "medium") || !strcmp(sev, "low"))
		                ? sev
		                : "?");
		fputs(" <b>", out);
		hw_esc(out, hw_str(g, "id"));
		fputs("</b>: ", out);
		hw_esc(out, hw_str(g, "evidence"));
		fputs("</li>", out);
	}
	fputs("</ul></td>", out);
}

/* A generated configuration, folded: its software and text. */
static void
config_details(FILE *out, const json_t *c, const char *what)
{
	if (!json_is_object(c))
		return;
	if (hw_nstr(c, "error")) {
		fputs("<p class=\"muted\">No configuration: ", out);
		hw_esc(out, hw_str(c, "error"));
		fputs("</p>", out);
		return;
	}
	fprintf(out, "<details><summary>%s: ", what);
	hw_esc(out, hw_str(c, "software"));
	if (hw_nstr(c, "version")) {
		fputc(' ', out);
		hw_esc(out, hw_str(c, "version"));
	}
	fprintf(out, ", %zu notes</summary><pre class=\"xs\">", hw_len(c, "notes"));
	hw_esc(out, hw_str(c, "text"));
	fputs("</pre></details>", out);
}

static void
impact_line(FILE *out, const json_t *imp)
{
	const json_t *c;
	size_t i;

	if (!json_is_object(imp))
		return;
	fprintf(out, "<p>Clients (simulated): %lld connect now, %lld once configured to ",
	        hw_int(imp, "connect_now", 0), hw_int(imp, "connect_after", 0));
	hw_esc(out, hw_str(imp, "planned"));
	fputs(". ", out);
	if (!hw_len(imp, "locked_out"))
		hw_mark(out, HW_GOOD, "locks out none");
	else
		hw_mark(out, HW_WARN, "locks out");
	json_array_foreach (hw_arr(imp, "locked_out"), i, c) {
		fputs(i ? ", " : " ", out);
		hw_esc(out, hw_str(c, "client"));
		if (hw_nstr(c, "reason")) {
			fputs(" (", out);
			hw_esc(out, hw_str(c, "reason"));
			fputc(')', out);
		}
	}
	json_array_foreach (hw_arr(imp, "maybe_locked_out"), i, c) {
		fputs(i ? ", " : "; may lock out ", out);
		hw_esc(out, hw_str(c, "client"));
	}
	fputs("</p>", out);
}

static void
fix_cell(FILE *out, const json_t *it)
{
	const json_t *fix = json_object_get(it, "fix"), *c = json_object_get(it, "contingency");
	const json_t *o;
	size_t i;

	fputs("<td>", out);
	if (hw_nstr(fix, "software")) {
		fputs("<p>", out);
		hw_esc(out, hw_str(fix, "software"));
		if (hw_nstr(fix, "tls_library")) {
			fputs(", ", out);
			hw_esc(out, hw_str(fix, "tls_library"));
		}
		fputs(":</p>", out);
	}
	list_strings(out, hw_arr(fix, "steps"));
	config_details(out, json_object_get(fix, "config"), "Configuration");
	impact_line(out, json_object_get(it, "impact"));
	if (json_is_object(c)) {
		fputs("<p>Cannot be upgraded now (", out);
		hw_esc(out, hw_str(it, "upgradable"));
		fputs("):</p><ul>", out);
		json_array_foreach (hw_arr(c, "options"), i, o) {
			fputs("<li>", out);
			hw_esc(out, hw_str(o, "text"));
			config_details(out, json_object_get(o, "config"),
			               "The proxy's configuration");
			fputs("</li>", out);
		}
		fputs("</ul>", out);
		if (hw_nstr(c, "recorded")) {
			fputs("<p>Recorded contingency: ", out);
			hw_esc(out, hw_str(c, "recorded"));
			fputs("</p>", out);
		}
	}
	if (hw_true(it, "exception_expired"))
		hw_mark(out, HW_BAD, "exception expired");
	fputs("</td>", out);
}

static void
verify_cell(FILE *out, const json_t *it)
{
	const json_t *v = json_object_get(it, "verify");
	static const char *const names[3] = {"closed", "open", "new"};

	fputs("<td>", out);
	if (!json_is_object(v)) {
		fputs("<span class=\"muted\">not in the previous run</span></td>", out);
		return;
	}
	for (int k = 0; k < 3; k++) {
		const json_t *a = json_object_get(v, names[k]), *s;
		size_t i;

		fprintf(out, "%s%zu %s", k ? "<br>" : "", json_array_size(a), names[k]);
		json_array_foreach (a, i, s) {
			fputs(i ? ", " : ": ", out);
			hw_jesc(out, s);
		}
	}
	fputs("</td>", out);
}

static void
row(FILE *out, const json_t *it)
{
	const char *cls = hw_str(it, "priority");
	int compliant = hw_tri(it, "compliant");

	fprintf(out, "<tr><td>%lld</td><td>", hw_int(it, "rank", 0));
	hw_mark(out, class_level(cls ? cls : ""), cls ? cls : "?");
	fprintf(out, "<br><span class=\"muted\">score %lld</span></td><td>",
	        hw_int(it, "score", 0));
	hw_esc(out, hw_str(it, "endpoint"));
	if (hw_nstr(it, "name")) {
		fputs("<br>", out);
		hw_esc(out, hw_str(it, "name"));
	}
	fputs("</td><td>", out);
	hw_esc(out, hw_nstr(it, "owner") ? hw_str(it, "owner") : "-");
	fputs("<br><span class=\"muted\">", out);
	hw_esc(out, hw_nstr(it, "exposure") ? hw_str(it, "exposure") : "exposure unknown");
	fputs("</span></td><td>", out);
	hw_esc(out, hw_str(it, "target_profile"));
	fputs("<br>", out);
	hw_mark(out,
	        compliant == 1   ? HW_GOOD
	        : compliant == 0 ? HW_BAD
	                         : HW_INFO,
	        compliant == 1   ? "complies"
	        : compliant == 0 ? "does not comply"
	                         : "not judged");
	fputs("</td>", out);
	gaps_cell(out, it);
	fix_cell(out, it);
	verify_cell(out, it);
	fputs("</tr>\n", out);
}

static void
progress(FILE *out, const json_t *plan)
{
	const json_t *p;
	size_t i;

	if (!hw_len(plan, "progress"))
		return;
	fputs("<h3>Progress over the runs</h3>\n<div class=\"xs\"><table><thead><tr><th>run</th>"
	      "<th>started</th><th>endpoints</th><th>complying with their target profile</th>"
	      "</tr></thead><tbody>\n",
	      out);
	json_array_foreach (hw_arr(plan, "progress"), i, p) {
		long long n = hw_int(p, "endpoints", 0), c = hw_int(p, "compliant", 0);

		fprintf(out, "<tr><td>%lld</td><td>", hw_int(p, "run", 0));
		hw_esc(out, hw_str(p, "started"));
		fprintf(out, "</td><td>%lld</td><td>%lld (%lld %%)</td></tr>\n", n, c,
		        n > 0 ? 100 * c / n : 0);
	}
	fputs("</tbody></table></div>\n", out);
}

void
hw_plan_section(FILE *out, const json_t *plan)
{
	const json_t *s = json_object_get(plan, "summary"), *by = json_object_get(s, "by_priority");
	static const char *const classes[] = {"P1", "P2", "P3", "accepted", "P4"};
	const json_t *it;
	size_t i;

	fputs("<section id=\"plan\">\n<h2>Plan</h2>\n", out);
	if (!json_is_object(plan)) {
		fputs("<p class=\"muted\">No upgrade plan with this report: <code>tlsaudit report "
		      "--db FILE</code> adds the run's plan (<code>tlsaudit plan</code>). The "
		      "endpoints below say, rule by rule, what each profile asks to change.</p>\n",
		      out);
		fputs("</section>\n", out);
		return;
	}
	fprintf(out, "<p>%lld endpoints, %lld comply with their target profile. By priority:",
	        hw_int(s, "endpoints", 0), hw_int(s, "compliant", 0));
	for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++)
		fprintf(out, "%s %s %lld", k ? "," : "", classes[k], hw_int(by, classes[k], 0));
	fputs(". P1 now (critical gaps; obsolete protocols and broken certificates facing the "
	      "internet), P2 next, P3 planned, accepted: an exception in force, P4: verify on "
	      "the next run.</p>\n",
	      out);
	fputs("<div class=\"xs\"><table class=\"plan\"><thead><tr><th>#</th><th>priority</th>"
	      "<th>endpoint</th><th>owner</th><th>target profile</th><th>gaps</th>"
	      "<th>fix, or contingency</th><th>since the previous run</th></tr></thead><tbody>\n",
	      out);
	json_array_foreach (hw_arr(plan, "endpoints"), i, it)
		row(out, it);
	fputs("</tbody></table></div>\n", out);
	progress(out, plan);
	fputs("</section>\n", out);
}
