/*
 * The diff for people (report/diff.h): the two runs, the counts, then
 * each endpoint that changed with its changes grouped by category, each
 * line marked "worse" (a regression), "better" or nothing.  The diff holds
 * text from servers and stored files (names, subjects, errors): every
 * string goes through report/escape.h in the terminal's mode.  Colour only
 * repeats what the words say.
 */
#include <stdio.h>
#include <string.h>

#include "report/diff.h"
#include "report/diff_int.h"
#include "report/escape.h"

#define C_RED "\033[31m"
#define C_GRN "\033[32m"
#define C_YEL "\033[33m"
#define C_BLD "\033[1m"
#define C_OFF "\033[0m"

struct out {
	FILE *f;
	int color;
	enum ta_esc esc;
};

static void
put(const struct out *o, const char *s)
{
	ta_esc_put(o->f, s ? s : "", o->esc);
}

static void
on(const struct out *o, const char *code)
{
	if (o->color)
		fputs(code, o->f);
}

/* The categories in the order they are shown, with their headings. */
static const char *const cats[][2] = {
        {"status", "status"},
        {"versions", "protocol versions"},
        {"suites", "cipher suites"},
        {"suite_order", "suite order"},
        {"groups", "groups"},
        {"dh", "DH"},
        {"signature_schemes", "signature schemes"},
        {"certificate", "certificates"},
        {"features", "handshake features"},
        {"http", "HTTP"},
        {"dns", "DNS"},
        {"verdicts", "profile verdicts"},
};

/* "file, report time T, tlsaudit V, run 3" from a run's meta. */
static void
put_meta(const struct out *o, const char *label, const json_t *meta)
{
	const char *key;
	const json_t *v;
	bool first = true;

	fprintf(o->f, "  %s: ", label);
	json_object_foreach ((json_t *)meta, key, v) {
		char num[32];
		const char *s = json_string_value(v);

		if (strcmp(key, "tool") == 0 || strcmp(key, "schema") == 0)
			continue;
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			s = num;
		}
		if (!s)
			continue;
		fputs(first ? "" : ", ", o->f);
		first = false;
		if (strcmp(key, "report_time") == 0)
			fputs("report time ", o->f);
		else if (strcmp(key, "version") == 0)
			fputs("tlsaudit ", o->f);
		else if (strcmp(key, "file") != 0) {
			put(o, key);
			fputc(' ', o->f);
		}
		put(o, s);
	}
	fputs(first ? "(not described)\n" : "\n", o->f);
}

static long long
count(const json_t *summary, const char *key)
{
	const json_t *v = json_object_get(summary, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static void
put_summary(const struct out *o, const json_t *s)
{
	fprintf(o->f,
	        "  endpoints: %lld in run A, %lld in run B: %lld changed, %lld appeared, %lld "
	        "vanished, %lld started failing, %lld recovered, %lld unchanged\n",
	        count(s, "endpoints_a"), count(s, "endpoints_b"), count(s, "changed"),
	        count(s, "appeared"), count(s, "vanished"), count(s, "started_failing"),
	        count(s, "recovered"), count(s, "unchanged"));
	fputs("  changes: ", o->f);
	on(o, count(s, "regressions") ? C_RED : "");
	fprintf(o->f, "%lld worse (regressions)", count(s, "regressions"));
	on(o, count(s, "regressions") ? C_OFF : "");
	fprintf(o->f, ", %lld better\n", count(s, "improvements"));
}

/* "host:port/proto (ip): change" */
static void
put_endpoint_head(const struct out *o, const json_t *e)
{
	const char *host = ta_dstr(e, "host"), *ip = ta_dstr(e, "ip");
	const char *proto = ta_dstr(e, "protocol"), *change = ta_dstr0(e, "change");
	const json_t *port = json_object_get(e, "port");
	bool v6 = host && strchr(host, ':');

	fputc('\n', o->f);
	on(o, C_BLD);
	fputs(v6 ? "[" : "", o->f);
	put(o, host ? host : "?");
	fputs(v6 ? "]" : "", o->f);
	if (json_is_integer(port))
		fprintf(o->f, ":%" JSON_INTEGER_FORMAT, json_integer_value(port));
	if (proto && strcmp(proto, "tls") != 0) {
		fputc('/', o->f);
		put(o, proto);
	}
	on(o, C_OFF);
	if (ip && (!host || strcmp(ip, host) != 0)) {
		fputs(" (", o->f);
		put(o, ip);
		fputc(')', o->f);
	}
	fputs(": ", o->f);
	on(o, strcmp(change, "started_failing") == 0 ? C_RED
	      : strcmp(change, "recovered") == 0     ? C_GRN
	      : strcmp(change, "changed") == 0       ? ""
	                                             : C_YEL);
	put(o, strcmp(change, "started_failing") == 0 ? "started failing" : change);
	on(o, strcmp(change, "changed") == 0 ? "" : C_OFF);
	fputc('\n', o->f);
}

static void
put_change(const struct out *o, const json_t *ch)
{
	const json_t *r = json_object_get(ch, "regression");

	fputs("    ", o->f);
	if (json_is_true(r)) {
		on(o, C_RED);
		fputs("worse ", o->f);
		on(o, C_OFF);
	} else if (json_is_false(r)) {
		on(o, C_GRN);
		fputs("better", o->f);
		on(o, C_OFF);
	} else {
		fputs("      ", o->f);
	}
	fputs("  ", o->f);
	put(o, ta_dstr0(ch, "text"));
	fputc('\n', o->f);
}

static bool
known_category(const char *c)
{
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if (strcmp(c, cats[i][0]) == 0)
			return true;
	return false;
}

static void
put_endpoint(const struct out *o, const json_t *e)
{
	const json_t *changes = json_object_get(e, "changes"), *ch;
	size_t i;

	put_endpoint_head(o, e);
	for (size_t k = 0; k <= sizeof cats / sizeof cats[0]; k++) {
		bool head = false;

		json_array_foreach (changes, i, ch) {
			const char *c = ta_dstr0(ch, "category");

			if (k < sizeof cats / sizeof cats[0] ? strcmp(c, cats[k][0]) != 0
			                                     : known_category(c))
				continue;
			if (!head) {
				fprintf(o->f, "  %s\n",
				        k < sizeof cats / sizeof cats[0] ? cats[k][1] : "other");
				head = true;
			}
			put_change(o, ch);
		}
	}
}

int
ta_diff_text(FILE *out, const json_t *diff, int color)
{
	struct out o = {out, color, ta_esc_term_mode()};
	const json_t *eps = json_object_get(diff, "endpoints"), *e;
	size_t i;

	on(&o, C_BLD);
	fputs("tlsaudit diff", out);
	on(&o, C_OFF);
	fputc('\n', out);
	put_meta(&o, "run A", json_object_get(diff, "a"));
	put_meta(&o, "run B", json_object_get(diff, "b"));
	put_summary(&o, json_object_get(diff, "summary"));
	if (json_array_size(eps) == 0)
		fputs("\nNo differences.\n", out);
	json_array_foreach (eps, i, e)
		if (json_is_object(e))
			put_endpoint(&o, e);
	return ferror(out) ? TA_ESYS : TA_OK;
}
