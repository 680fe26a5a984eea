/*
 * JUnit XML (report/render.h; docs/cli.md "JUnit"): the document as test
 * results for CI systems.  A test case is one target judged against one
 * profile: the --require profiles, or else the target's own target profile
 * (its document's "target_profile", else the --profile).  It passes when
 * the target was scanned and complies (what --require's exit code 4
 * counts), fails with a <failure> listing each failing rule's evidence and
 * remediation, and is an <error> when the target could not be scanned or
 * the profile was not evaluated for it.
 *
 * One <testsuite> per profile: a CI system's summary then reads as the
 * gate ("hkcert-intermediate: 38 passed, 2 failed"), and the test case is
 * the endpoint a failure points at.  The counts of a suite come before its
 * test cases, so each suite's test cases go to a temporary file as the
 * targets arrive and only the counts stay in memory; ta_junit_close writes
 * the document.
 *
 * The shape is the Apache Ant JUnit schema's (tests/data/junit/JUnit.xsd):
 * <testsuites> without attributes; each <testsuite> with package, id,
 * name, timestamp (UTC, no zone), hostname, tests, failures, errors,
 * skipped and time, then <properties>, the test cases, <system-out> and
 * <system-err>; a test case holds at most one <failure> or <error>.
 *
 * Output safety: every string of the document (host names, errors,
 * evidence from certificates, profile texts) is written through
 * report/escape.h's XML mode in element text or a double-quoted attribute
 * value: no character XML 1.0 forbids, no markup, and no CDATA section a
 * server string could close.  Names and tags are ours only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/escape.h"
#include "report/render.h"
#include "tlsaudit.h"

/* Suites (profiles) of one report, at most; a test case of a further
 * profile goes, as an error saying so, to the last suite. */
#define MAX_SUITES 64
/* Rule ids named in a failure's one-line message, at most. */
#define MESSAGE_RULES 6
/* A test case's time is the target's scan time, capped (ms). */
#define MAX_MS 1000000000000LL

struct suite {
	char *id, *title; /* title: the profile's, from the first target with it */
	FILE *cases;      /* its test cases so far (tmpfile), from the first */
	unsigned long long tests, failures, errors;
	long long ms; /* the sum of its test cases' times */
};

struct ta_junit {
	FILE *out;
	struct ta_render_opts o;
	char *version, *report_time;
	char timestamp[32]; /* report time, UTC, without the zone (the schema's) */
	struct suite suites[MAX_SUITES];
	size_t nsuites;
	int err; /* the first failure: every later call returns it */
};

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
put(FILE *f, const char *s)
{
	ta_esc_put(f, s, TA_ESC_XML);
}

/* A text value or a list of them ("; " between), as the document has it. */
static void
put_text(FILE *f, const json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		put(f, json_string_value(v));
		return;
	}
	json_array_foreach (v, i, e) {
		if (i)
			fputs("; ", f);
		put(f, json_string_value(e));
	}
}

/* host:port, /PROTO after STARTTLS, and the address when it is not the
 * host: what a CI system shows as the test's name. */
static void
put_endpoint(FILE *f, const json_t *t)
{
	const char *host = str(t, "host"), *ip = str(t, "ip");
	const json_t *st = json_object_get(t, "starttls");
	bool v6 = strchr(host, ':') != NULL;

	fputs(v6 ? "[" : "", f);
	put(f, host);
	fprintf(f, "%s:%lld", v6 ? "]" : "",
	        (long long)json_integer_value(json_object_get(t, "port")));
	if (json_is_object(st) && *str(st, "protocol")) {
		fputc('/', f);
		put(f, str(st, "protocol"));
	}
	if (*ip && strcmp(ip, host) != 0) {
		fputs(" (", f);
		put(f, ip);
		fputc(')', f);
	}
}

static void
put_seconds(FILE *f, long long ms)
{
	fprintf(f, "%lld.%03lld", ms / 1000, ms % 1000);
}

static void
suite_free(struct suite *s)
{
	free(s->id);
	free(s->title);
	if (s->cases)
		fclose(s->cases);
}

/* The suite of profile id, added when new; -1 when out of memory, -2
 * when there are MAX_SUITES already. */
static int
suite_of(struct ta_junit *j, const char *id)
{
	for (size_t k = 0; k < j->nsuites; k++)
		if (strcmp(j->suites[k].id, id) == 0)
			return (int)k;
	if (j->nsuites == MAX_SUITES)
		return -2;
	if (!(j->suites[j->nsuites].id = strdup(id)))
		return -1;
	return (int)j->nsuites++;
}

static void
junit_free(struct ta_junit *j)
{
	for (size_t k = 0; k < j->nsuites; k++)
		suite_free(&j->suites[k]);
	free(j->version);
	free(j->report_time);
	free(j);
}

struct ta_junit *
ta_junit_open(FILE *out, const json_t *meta, const struct ta_render_opts *o)
{
	struct ta_junit *j = calloc(1, sizeof *j);
	struct tm tm;
	time_t now = o->now;

	if (!j)
		return NULL;
	j->out = out;
	j->o = *o;
	j->version = strdup(str(meta, "version"));
	j->report_time = strdup(str(meta, "report_time"));
	if (!j->version || !j->report_time) {
		junit_free(j);
		return NULL;
	}
	if (!gmtime_r(&now, &tm) ||
	    !strftime(j->timestamp, sizeof j->timestamp, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(j->timestamp, sizeof j->timestamp, "1970-01-01T00:00:00");
	/* the required profiles are suites even when no target comes */
	for (size_t i = 0; i < o->nrequire; i++)
		if (suite_of(j, o->require[i]) == -1) {
			junit_free(j);
			return NULL;
		}
	return j;
}

/* The rule ids of verdict p whose result is `result`, comma-separated,
 * at most max of them (0: all); the number there are. */
static size_t
put_rule_ids(FILE *f, const json_t *p, const char *result, size_t max)
{
	const json_t *rules = json_object_get(p, "rules");
	size_t i, n = 0;
	json_t *r;

	json_array_foreach (rules, i, r) {
		if (strcmp(str(r, "result"), result) != 0)
			continue;
		if (!max || n < max) {
			fputs(n ? ", " : "", f);
			put(f, str(r, "id"));
		} else if (n == max) {
			fputs(", ...", f);
		}
		n++;
	}
	return n;
}

static size_t
count_rules(const json_t *p, const char *result)
{
	const json_t *rules = json_object_get(p, "rules");
	size_t i, n = 0;
	json_t *r;

	json_array_foreach (rules, i, r)
		n += strcmp(str(r, "result"), result) == 0;
	return n;
}

/* The failure of a target that does not comply with profile id: the
 * message one line, the text every failing rule with its evidence,
 * remediation and source. */
static void
put_failure(FILE *f, const json_t *t, const char *id, const json_t *p)
{
	const json_t *rules = json_object_get(p, "rules");
	size_t i, nfail = count_rules(p, "fail");
	json_t *r;

	fputs("      <failure type=\"noncompliant\" message=\"", f);
	put_endpoint(f, t);
	fputs(" does not comply with ", f);
	put(f, id);
	fprintf(f, ": %zu rule%s failed: ", nfail, nfail == 1 ? "" : "s");
	put_rule_ids(f, p, "fail", MESSAGE_RULES);
	fputs("\">", f);
	put_endpoint(f, t);
	fputs(" does not comply with ", f);
	put(f, id);
	if (*str(p, "title")) {
		fputs(" (", f);
		put(f, str(p, "title"));
		fputc(')', f);
	}
	fputs(".\n", f);
	json_array_foreach (rules, i, r) {
		if (strcmp(str(r, "result"), "fail") != 0)
			continue;
		fputs("\nrule ", f);
		put(f, str(r, "id"));
		fputs(": fail\n  evidence: ", f);
		put_text(f, json_object_get(r, "evidence"));
		fputs("\n  remediation: ", f);
		put_text(f, json_object_get(r, "remediation"));
		fputs("\n  source: ", f);
		put_text(f, json_object_get(r, "source"));
		fputc('\n', f);
	}
	if (count_rules(p, "warning")) {
		fputs("\nwarnings: ", f);
		put_rule_ids(f, p, "warning", 0);
		fputc('\n', f);
	}
	if (count_rules(p, "could_not_test")) {
		fputs("\nnot tested: ", f);
		put_rule_ids(f, p, "could_not_test", 0);
		fputc('\n', f);
	}
	fputs("</failure>\n", f);
}

/* An error: the target could not be scanned, or this profile was not
 * judged for it. */
static void
put_error(FILE *f, const json_t *t, const char *type, const char *why, const char *id)
{
	const json_t *st = json_object_get(t, "starttls");

	fprintf(f, "      <error type=\"%s\" message=\"", type);
	put_endpoint(f, t);
	fputs(": ", f);
	put(f, why);
	if (id) {
		fputs(" (", f);
		put(f, id);
		fputc(')', f);
	}
	fputs("\">", f);
	put_endpoint(f, t);
	fputs(": ", f);
	put(f, why);
	fputc('\n', f);
	if (id) { /* the target was scanned: its STARTTLS and probes are not why */
		fputs("</error>\n", f);
		return;
	}
	if (json_is_object(st) && *str(st, "error")) {
		fputs("STARTTLS: ", f);
		put(f, str(st, "error"));
		fputc('\n', f);
	}
	if (*str(t, "incomplete_reason")) {
		fputs("incomplete: ", f);
		put(f, str(t, "incomplete_reason"));
		fputc('\n', f);
	}
	fputs("</error>\n", f);
}

/* One test case: target t judged against profile id, in suite s. */
static int
put_case(struct suite *s, const json_t *t, const char *id, bool overflow)
{
	const json_t *p = json_object_get(json_object_get(t, "profiles"), id);
	const char *status = str(t, "status");
	long long ms = json_integer_value(json_object_get(t, "duration_ms"));
	FILE *f;

	if (!s->cases && !(s->cases = tmpfile()))
		return TA_ESYS;
	f = s->cases;
	ms = ms < 0 ? 0 : ms > MAX_MS ? MAX_MS : ms;
	if (!s->title && json_is_string(json_object_get(p, "title")) &&
	    !(s->title = strdup(str(p, "title"))))
		return TA_ENOMEM;
	fputs("    <testcase classname=\"", f);
	put(f, s->id);
	fputs("\" name=\"", f);
	put_endpoint(f, t);
	fputs("\" time=\"", f);
	put_seconds(f, ms);
	s->tests++;
	s->ms = s->ms + ms > MAX_MS ? MAX_MS : s->ms + ms;
	if (overflow) {
		fputs("\">\n", f);
		put_error(f, t, "too-many-profiles",
		          "more than 64 profiles in one report: counted in the last suite", id);
		s->errors++;
	} else if (strcmp(status, "ok") != 0) {
		fputs("\">\n", f);
		put_error(f, t, "scan-error", *str(t, "error") ? str(t, "error") : "not scanned",
		          NULL);
		s->errors++;
	} else if (!json_is_object(p)) {
		fputs("\">\n", f);
		put_error(f, t, "not-evaluated", "the profile was not evaluated for this target",
		          id);
		s->errors++;
	} else if (json_is_false(json_object_get(p, "compliant"))) {
		fputs("\">\n", f);
		put_failure(f, t, id, p);
		s->failures++;
	} else if (!json_is_true(json_object_get(p, "compliant"))) {
		fputs("\">\n", f);
		put_error(f, t, "not-judged", "the profile could not judge this target", id);
		s->errors++;
	} else {
		fputs("\"/>\n", f);
		return ferror(f) ? TA_ESYS : TA_OK;
	}
	fputs("    </testcase>\n", f);
	return ferror(f) ? TA_ESYS : TA_OK;
}

/* Target t's test case for profile id. */
static int
one_case(struct ta_junit *j, const json_t *t, const char *id)
{
	int k = suite_of(j, id);

	if (k == -1)
		return TA_ENOMEM;
	if (k == -2)
		return put_case(&j->suites[MAX_SUITES - 1], t, id, true);
	return put_case(&j->suites[k], t, id, false);
}

int
ta_junit_target(struct ta_junit *j, const json_t *target)
{
	const char *own = json_string_value(json_object_get(target, "target_profile"));

	if (j->err)
		return j->err;
	if (j->o.nrequire) {
		for (size_t i = 0; i < j->o.nrequire && !j->err; i++)
			j->err = one_case(j, target, j->o.require[i]);
	} else {
		j->err = one_case(j, target,
		                  own && *own          ? own
		                  : j->o.focus_profile ? j->o.focus_profile
		                                       : "hkcert-intermediate");
	}
	return j->err;
}

/* A suite's start tag and properties (the counts are final now). */
static void
put_suite_head(struct ta_junit *j, const struct suite *s, size_t id)
{
	FILE *f = j->out;

	fputs("  <testsuite package=\"tlsaudit\" id=\"", f);
	fprintf(f, "%zu\" name=\"", id);
	put(f, s->id);
	fprintf(f,
	        "\" timestamp=\"%s\" hostname=\"localhost\" tests=\"%llu\" failures=\"%llu\" "
	        "errors=\"%llu\" skipped=\"0\" time=\"",
	        j->timestamp, s->tests, s->failures, s->errors);
	put_seconds(f, s->ms);
	fputs("\">\n    <properties>\n      <property name=\"profile\" value=\"", f);
	put(f, s->id);
	fputs("\"/>\n", f);
	if (s->title) {
		fputs("      <property name=\"profile_title\" value=\"", f);
		put(f, s->title);
		fputs("\"/>\n", f);
	}
	fputs("      <property name=\"tool\" value=\"tlsaudit ", f);
	put(f, j->version);
	fputs("\"/>\n      <property name=\"report_time\" value=\"", f);
	put(f, j->report_time);
	fputs("\"/>\n    </properties>\n", f);
}

static int
copy_cases(FILE *from, FILE *to)
{
	char buf[16384];
	size_t n;

	if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
		return TA_ESYS;
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return TA_ESYS;
	return ferror(from) ? TA_ESYS : TA_OK;
}

int
ta_junit_close(struct ta_junit *j)
{
	int rc = j->err;

	if (rc == TA_OK) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", j->out);
		for (size_t k = 0; k < j->nsuites && rc == TA_OK; k++) {
			struct suite *s = &j->suites[k];

			put_suite_head(j, s, k);
			if (s->cases)
				rc = copy_cases(s->cases, j->out);
			fputs("    <system-out/>\n    <system-err/>\n  </testsuite>\n", j->out);
		}
		fputs("</testsuites>\n", j->out);
		if (rc == TA_OK && ferror(j->out))
			rc = TA_ESYS;
	}
	junit_free(j);
	return rc;
}

void
ta_junit_abort(struct ta_junit *j)
{
	if (j)
		junit_free(j);
}
