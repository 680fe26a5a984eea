/*
 * Rendering the document: every writer works from the JSON tree of
 * docs/schema/scan.schema.json, one target (an element of "targets") or
 * one mail domain (an element of "mail") at a time, so that a scan can
 * stream its targets out as they finish and a stored report
 * (`tlsaudit report FILE.json`) renders the same way.  Nothing here reads
 * a scan or a probe result.  Server text in the document is hostile:
 * every string goes through report/escape.h on the way out.
 */
#ifndef TA_REPORT_RENDER_H
#define TA_REPORT_RENDER_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

struct ta_render_opts {
	int color;                  /* ANSI colours (text only) */
	const char *focus_profile;  /* text: the profile whose failing rules are listed;
	                            * JUnit: the test case of a target without a
	                            * target profile when require is empty */
	time_t now;                 /* the report time: certificate expiry is judged
	                            * against it (days_left, expired, not_yet_valid) */
	const char *const *require; /* JUnit: the profiles of every target's test
	                             * cases (--require); nrequire 0: its target
	                             * profile */
	size_t nrequire;
};

/* Text (src/report/text_doc.c): the block of one target, the block of one
 * mail domain.  0, or TA_ESYS when out fails. */
int ta_text_target(FILE *out, const json_t *target, const struct ta_render_opts *o);
int ta_text_mail(FILE *out, const json_t *mail, const struct ta_render_opts *o);

/* HTML (src/report/html*.c): one self-contained page written while the
 * targets arrive.  A compact summary row per target stays in memory; the
 * details of each target go to a temporary file as it comes, and
 * ta_html_close writes the page (head, summary, details, mail) to out.
 * meta: the document's top level without "targets" and "mail" (tool,
 * version, report_time).  NULL / TA_E* on failure. */
struct ta_html;
struct ta_html *ta_html_open(FILE *out, const json_t *meta, const struct ta_render_opts *o);
int ta_html_target(struct ta_html *h, const json_t *target);
int ta_html_mail(struct ta_html *h, const json_t *mail);
/* The trend over the runs of a store (html_stats.c), shown in the
 * executive summary when given before ta_html_close: one point per run,
 * oldest first, counted from that run's documents as they were stored
 * (their own report time).  ta_html_trend copies the points; NULL / 0
 * points: no trend section.  TA_ENOMEM. */
#define TA_TREND_RUNS 12 /* the runs a page shows, the last ones */
struct ta_trend_point {
	long long run;     /* the run's id */
	char started[32];  /* ISO 8601 UTC */
	char label[128];   /* --run-label, "" when none */
	size_t endpoints;  /* documents */
	size_t scanned;    /* of them with status ok */
	size_t compliant;  /* scanned and compliant with their target profile */
	size_t old_tls;    /* scanned and offering TLS 1.1 or older */
	size_t weak;       /* scanned and offering a suite marked weak */
	size_t expiring;   /* distinct leaf certificates expired, not yet valid
	                    * or with fewer than 30 days left */
	size_t vulnerable; /* endpoints with a known vulnerability */
};
/* Count one run's documents: new (focus: the target profile of a document
 * without "target_profile"; NULL: hkcert-intermediate), add each, end
 * (fills p from the counts, frees c; also after a failure). */
struct ta_trend_counter;
struct ta_trend_counter *ta_trend_counter_new(const char *focus);
int ta_trend_counter_add(struct ta_trend_counter *c, const json_t *doc);
void ta_trend_counter_end(struct ta_trend_counter *c, struct ta_trend_point *p);
int ta_html_trend(struct ta_html *h, const struct ta_trend_point *p, size_t n);
/* The upgrade plan (tlsaudit plan, to come) to render in the page's Plan
 * section (html_plan.c); the page keeps a reference.  NULL: the section
 * says that no plan was given. */
void ta_html_plan(struct ta_html *h, json_t *plan);
/* Writes the page and frees h (also when it fails). */
int ta_html_close(struct ta_html *h);
/* Frees h without writing (an aborted run). */
void ta_html_abort(struct ta_html *h);

/* JUnit XML (src/report/junit.c; docs/cli.md "JUnit"): one <testsuite>
 * per profile tested, a <testcase> per target and profile.  The test
 * cases of each suite go to a temporary file as the targets arrive (only
 * the counts stay in memory); ta_junit_close writes the document.  The
 * same shape as the HTML writer: NULL / TA_E* on failure, close frees. */
struct ta_junit;
struct ta_junit *ta_junit_open(FILE *out, const json_t *meta, const struct ta_render_opts *o);
int ta_junit_target(struct ta_junit *j, const json_t *target);
int ta_junit_close(struct ta_junit *j);
void ta_junit_abort(struct ta_junit *j);

#endif
