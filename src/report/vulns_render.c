/*
 * A target's known vulnerabilities (the document's "vulnerabilities",
 * docs/vulnerabilities.md) in the text and HTML reports: what is
 * vulnerable first, with its evidence and fix; then the checks that could
 * not run, with why; the rest by name.  Evidence comes from the document
 * (a stored one may be hostile) and is escaped like any server text.
 */
#include <string.h>

#include "report/html_int.h"
#include "report/text_doc.h"

static const char *
status_of(const json_t *v)
{
	const char *s = json_string_value(json_object_get(v, "status"));

	return s ? s : "";
}

/* The ids of the checks of one status, on one line. */
static void
text_ids(const struct ta_txt *t, const json_t *list, const char *status, const char *label)
{
	const json_t *v;
	size_t i, n = 0;

	json_array_foreach (list, i, v) {
		if (strcmp(status_of(v), status) != 0)
			continue;
		fputs(n++ ? ", " : label, t->out);
		ta_txt_put(t, ta_txt_str(v, "id"));
	}
	if (n)
		fputc('\n', t->out);
}

void
ta_text_vulns(const struct ta_txt *t, const json_t *list)
{
	const json_t *v, *e;
	size_t i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	fputs("\n  Known vulnerabilities\n", t->out);
	json_array_foreach (list, i, v) {
		const json_t *cves = json_object_get(v, "cve");

		if (strcmp(status_of(v), "vulnerable") != 0)
			continue;
		fputs(t->color ? "    \033[31mVULNERABLE\033[0m " : "    VULNERABLE ", t->out);
		ta_txt_put(t, ta_txt_str(v, "id"));
		json_array_foreach (cves, k, e) {
			fputs(k ? ", " : " (", t->out);
			ta_txt_put(t, json_string_value(e));
		}
		fputs(json_array_size(cves) ? "), " : ", ", t->out);
		ta_txt_put(t, ta_txt_str(v, "severity"));
		fputc('\n', t->out);
		json_array_foreach (json_object_get(v, "evidence"), k, e) {
			fputs("      ", t->out);
			ta_txt_put(t, json_string_value(e));
			fputc('\n', t->out);
		}
		fputs("      fix: ", t->out);
		ta_txt_put(t, ta_txt_str(v, "fix"));
		fputc('\n', t->out);
	}
	json_array_foreach (list, i, v) {
		if (strcmp(status_of(v), "could_not_test") != 0)
			continue;
		fputs("    could not test ", t->out);
		ta_txt_put(t, ta_txt_str(v, "id"));
		fputs(": ", t->out);
		ta_txt_put(t, json_string_value(json_array_get(json_object_get(v, "evidence"), 0)));
		fputc('\n', t->out);
	}
	text_ids(t, list, "not_vulnerable", "    not vulnerable: ");
	text_ids(t, list, "not_applicable", "    not applicable: ");
}

void
hw_vulns(FILE *out, const json_t *list)
{
	const json_t *v, *e;
	size_t i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	fputs("<h3>Known vulnerabilities</h3>\n<div class=\"xs\"><table class=\"vulns\">"
	      "<thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Verdict</th>"
	      "<th scope=\"col\">Evidence</th><th scope=\"col\">Fix</th></tr></thead><tbody>\n",
	      out);
	json_array_foreach (list, i, v) {
		const char *st = status_of(v);
		bool vuln = strcmp(st, "vulnerable") == 0;

		fputs("<tr><th scope=\"row\">", out);
		hw_esc(out, hw_str(v, "id"));
		json_array_foreach (json_object_get(v, "cve"), k, e) {
			fputs(k ? ", " : "<br><small>", out);
			hw_jesc(out, e);
		}
		if (json_array_size(json_object_get(v, "cve")))
			fputs("</small>", out);
		fputs("</th><td>", out);
		hw_mark(out,
		        vuln                                ? HW_BAD
		        : strcmp(st, "not_vulnerable") == 0 ? HW_GOOD
		        : strcmp(st, "could_not_test") == 0 ? HW_WARN
		                                            : HW_INFO,
		        vuln                                ? "vulnerable"
		        : strcmp(st, "not_vulnerable") == 0 ? "not vulnerable"
		        : strcmp(st, "could_not_test") == 0 ? "could not test"
		                                            : "not applicable");
		if (vuln) {
			fputs(" (", out);
			hw_esc(out, hw_str(v, "severity"));
			fputc(')', out);
		}
		fputs("</td><td>", out);
		json_array_foreach (json_object_get(v, "evidence"), k, e) {
			fputs(k ? "<br>" : "", out);
			hw_jesc(out, e);
		}
		fputs("</td><td>", out);
		if (vuln)
			hw_esc(out, hw_str(v, "fix"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}
