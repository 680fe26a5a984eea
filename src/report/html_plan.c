/*
 * HTML report: the Plan section (id "plan"), between the executive summary
 * and the endpoints.  The upgrade plan comes from `tlsaudit plan` (issue
 * 14, to come) as a JSON document; until then no plan is given and the
 * section says so.  The plan's renderer takes that document whole
 * (hw_plan_section's plan) and writes the section's body; nothing here
 * makes plan data up.
 */
#include <stdio.h>

#include "report/html_int.h"
#include "tlsaudit.h"

void
hw_plan_section(FILE *out, const json_t *plan)
{
	fputs("<section id=\"plan\">\n<h2>Plan</h2>\n", out);
	if (!plan) {
		fputs("<p class=\"muted\">No upgrade plan was given with this report. The "
		      "endpoints below say, rule by rule, what each profile asks to change.</p>\n",
		      out);
	} else {
		/* the plan renderer goes here: priorities, fixes, contingency */
		fputs("<p class=\"muted\">This version of tlsaudit cannot show the plan it was "
		      "given.</p>\n",
		      out);
	}
	fputs("</section>\n", out);
}
