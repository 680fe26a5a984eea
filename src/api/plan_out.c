/*
 * The plan written out (docs/plan.md): JSON as assembled; text for people,
 * one block per endpoint in priority order; CSV as a work list, one row per
 * endpoint and gap, to import into a ticket system.  Every string that came
 * from a server or an inventory goes through the escaper of its format.
 */
#include <stdio.h>
#include <string.h>

#include "api/plan_int.h"
#include "report/escape.h"

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
put(FILE *out, const char *s, enum ta_esc how)
{
	ta_esc_put(out, s, how);
}

/* The tlsaudit config command that makes an item's configuration. */
static void
config_command(const json_t *c, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "tlsaudit config --software %s", str(c, "software"));

	if (*str(c, "version") && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " --version %s", str(c, "version"));
	if (*str(c, "tls_library") && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " --tls-library %s", str(c, "tls_library"));
	if (n < cap)
		snprintf(buf + n, cap - n, " --profile %s", str(c, "profile"));
}

/* How many simulated clients connect now and after, and who is locked out. */
static void
text_impact(FILE *out, const json_t *imp, enum ta_esc m)
{
	const json_t *c;
	size_t i;

	if (!json_is_object(imp))
		return;
	fprintf(out, "   impact: %lld simulated clients connect now, %lld once configured to ",
	        (long long)json_integer_value(json_object_get(imp, "connect_now")),
	        (long long)json_integer_value(json_object_get(imp, "connect_after")));
	put(out, str(imp, "planned"), m);
	fputs(json_array_size(json_object_get(imp, "locked_out")) ? "; locks out: "
	                                                          : "; locks out none",
	      out);
	json_array_foreach (json_object_get(imp, "locked_out"), i, c) {
		fputs(i ? ", " : "", out);
		put(out, str(c, "client"), m);
		if (*str(c, "reason")) {
			fputs(" (", out);
			put(out, str(c, "reason"), m);
			fputc(')', out);
		}
	}
	json_array_foreach (json_object_get(imp, "maybe_locked_out"), i, c) {
		fputs(i ? ", " : "; may lock out (the simulation cannot tell today's result): ",
		      out);
		put(out, str(c, "client"), m);
	}
	json_array_foreach (json_object_get(imp, "gains"), i, c) {
		fputs(i ? ", " : "; newly connect: ", out);
		put(out, str(c, "client"), m);
	}
	fputc('\n', out);
}

static void
text_item(FILE *out, const json_t *it, enum ta_esc m)
{
	const json_t *g, *c = json_object_get(it, "contingency"),
	                 *v = json_object_get(it, "verify");
	const json_t *fix = json_object_get(it, "fix"), *s;
	size_t i;

	fprintf(out, "%lld. [%s] ", (long long)json_integer_value(json_object_get(it, "rank")),
	        str(it, "priority"));
	put(out, str(it, "endpoint"), m);
	if (*str(it, "name")) {
		fputs("  ", out);
		put(out, str(it, "name"), m);
	}
	fprintf(out, "\n   score %lld; ",
	        (long long)json_integer_value(json_object_get(it, "score")));
	json_array_foreach (json_object_get(it, "why"), i, s) {
		fprintf(out, "%s%s", i ? "; " : "", json_string_value(s));
	}
	fputs("\n   target profile ", out);
	put(out, str(it, "target_profile"), m);
	fprintf(out, " (%s): %s\n", str(it, "target_profile_why"),
	        json_is_true(json_object_get(it, "compliant"))    ? "complies"
	        : json_is_false(json_object_get(it, "compliant")) ? "does not comply"
	                                                          : "not judged");
	if (*str(it, "owner") || *str(it, "exposure")) {
		fputs("   owner ", out);
		put(out, *str(it, "owner") ? str(it, "owner") : "-", m);
		fprintf(out, ", exposure %s",
		        *str(it, "exposure") ? str(it, "exposure") : "unknown");
		if (*str(it, "criticality")) {
			fputs(", criticality ", out);
			put(out, str(it, "criticality"), m);
		}
		fputc('\n', out);
	}
	json_array_foreach (json_object_get(it, "gaps"), i, g) {
		fprintf(out, "   - %-8s %s: ", str(g, "severity"), str(g, "id"));
		put(out, str(g, "evidence"), m);
		fputc('\n', out);
	}
	json_array_foreach (json_object_get(fix, "steps"), i, s) {
		fputs(i ? "          " : "   fix:   ", out);
		put(out, json_string_value(s), m);
		fputc('\n', out);
	}
	if (json_is_object(json_object_get(fix, "config"))) {
		const json_t *cfg = json_object_get(fix, "config");
		char cmd[400];

		fputs("   config: ", out);
		if (*str(cfg, "error")) {
			put(out, str(cfg, "error"), m);
		} else {
			config_command(cfg, cmd, sizeof cmd);
			put(out, cmd, m);
			fprintf(out, " (%zu notes: rules it cannot meet by itself)",
			        json_array_size(json_object_get(cfg, "notes")));
		}
		fputc('\n', out);
	}
	text_impact(out, json_object_get(it, "impact"), m);
	if (json_is_object(c)) {
		fprintf(out, "   cannot be upgraded now (upgradable: %s); contingency:\n",
		        str(it, "upgradable"));
		json_array_foreach (json_object_get(c, "options"), i, s) {
			fputs("     * ", out);
			put(out, str(s, "text"), m);
			fputc('\n', out);
		}
		if (*str(c, "recorded")) {
			fputs("     recorded: ", out);
			put(out, str(c, "recorded"), m);
			fputc('\n', out);
		}
	}
	if (json_is_object(v)) {
		const char *names[3] = {"closed", "open", "new"};

		fputs("   since the previous run:", out);
		for (int k = 0; k < 3; k++) {
			const json_t *a = json_object_get(v, names[k]);

			fprintf(out, " %s %zu", names[k], json_array_size(a));
			json_array_foreach (a, i, s) {
				fprintf(out, "%s", i ? " " : " (");
				put(out, json_string_value(s), m);
				if (i + 1 == json_array_size(a))
					fputc(')', out);
			}
			if (k < 2)
				fputc(',', out);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void
plan_text(const json_t *plan, FILE *out)
{
	enum ta_esc m = ta_esc_term_mode();
	const json_t *s = json_object_get(plan, "summary"), *by = json_object_get(s, "by_priority");
	const json_t *it, *p;
	size_t i;

	fprintf(out, "Upgrade plan: %lld endpoints, %lld comply with their target profile",
	        (long long)json_integer_value(json_object_get(s, "endpoints")),
	        (long long)json_integer_value(json_object_get(s, "compliant")));
	fputs("\n  ", out);
	for (int c = 0; c < TA_PC_COUNT; c++)
		fprintf(out, "%s%s %lld", c ? ", " : "", ta_plan_class_name(c),
		        (long long)json_integer_value(json_object_get(by, ta_plan_class_name(c))));
	fputs("\n  P1 now, P2 next, P3 planned, accepted: exception in force, P4: verify only"
	      " (docs/plan.md)\n\n",
	      out);
	json_array_foreach (json_object_get(plan, "endpoints"), i, it)
		text_item(out, it, m);
	if (json_array_size(json_object_get(plan, "progress"))) {
		fputs("Progress over runs (endpoints complying with their target profile):\n", out);
		json_array_foreach (json_object_get(plan, "progress"), i, p) {
			json_int_t n = json_integer_value(json_object_get(p, "endpoints"));
			json_int_t c = json_integer_value(json_object_get(p, "compliant"));

			fprintf(out, "  run %-5lld %s  %lld of %lld (%lld %%)\n",
			        (long long)json_integer_value(json_object_get(p, "run")),
			        str(p, "started"), (long long)c, (long long)n,
			        n ? (long long)(100 * c / n) : 0LL);
		}
	}
}

static void
csv_row(FILE *out, const json_t *it, const json_t *g)
{
	const json_t *c = json_object_get(it, "contingency"), *s, *cfg;
	char cmd[400] = "";
	char num[32];
	size_t i;
	const char *cells[] = {NULL,
	                       str(it, "priority"),
	                       NULL,
	                       str(it, "endpoint"),
	                       str(it, "asset_id"),
	                       str(it, "name"),
	                       str(it, "owner"),
	                       str(it, "exposure"),
	                       str(it, "target_profile"),
	                       g ? str(g, "id") : "",
	                       g ? str(g, "severity") : "",
	                       g ? str(g, "evidence") : "",
	                       g ? str(g, "fix") : "",
	                       str(it, "upgradable")};

	snprintf(num, sizeof num, "%lld",
	         (long long)json_integer_value(json_object_get(it, "rank")));
	cells[0] = num;
	cells[2] = NULL;
	for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
		if (k)
			fputc(',', out);
		if (k == 2)
			fprintf(out, "%lld",
			        (long long)json_integer_value(json_object_get(it, "score")));
		else
			ta_esc_csv_field(out, cells[k]);
	}
	fputc(',', out);
	fputc('"', out);
	json_array_foreach (json_object_get(c, "options"), i, s) {
		if (i)
			fputs(" | ", out);
		ta_esc_put(out, str(s, "text"), TA_ESC_CSV);
	}
	fputs("\",", out);
	cfg = json_object_get(json_object_get(it, "fix"), "config");
	if (json_is_object(cfg) && !*str(cfg, "error"))
		config_command(cfg, cmd, sizeof cmd);
	ta_esc_csv_field(out, cmd);
	fputs(",\"", out);
	json_array_foreach (json_object_get(json_object_get(it, "impact"), "locked_out"), i, s) {
		if (i)
			fputs(" | ", out);
		ta_esc_put(out, str(s, "client"), TA_ESC_CSV);
	}
	fputs("\"\r\n", out);
}

static void
plan_csv(const json_t *plan, FILE *out)
{
	const json_t *it, *g;
	size_t i, k;

	fputs("rank,priority,score,endpoint,asset_id,name,owner,exposure,target_profile,gap,"
	      "severity,evidence,fix,upgradable,contingency,config_command,locked_out\r\n",
	      out);
	json_array_foreach (json_object_get(plan, "endpoints"), i, it) {
		if (json_array_size(json_object_get(it, "gaps")) == 0)
			csv_row(out, it, NULL);
		json_array_foreach (json_object_get(it, "gaps"), k, g)
			csv_row(out, it, g);
	}
}

int
ta_plan_write(const json_t *plan, enum ta_format fmt, FILE *out)
{
	if (fmt == TA_FORMAT_JSON) {
		if (json_dumpf(plan, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
			return TA_ESYS;
		fputc('\n', out);
	} else if (fmt == TA_FORMAT_CSV) {
		plan_csv(plan, out);
	} else {
		plan_text(plan, out);
	}
	return ferror(out) ? TA_ESYS : TA_OK;
}
