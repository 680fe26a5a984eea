/*
 * The difference between two runs: what changed on each endpoint between
 * run A (before) and run B (after), computed from the target documents
 * (docs/schema/scan.schema.json) and nothing else, so it works on two JSON
 * reports as well as on two runs of the store.  The result is a JSON
 * object (docs/schema/diff.schema.json, docs/diff.md):
 *
 *   {"a": meta_a, "b": meta_b, "summary": {...},
 *    "endpoints": [{"host", "port", "protocol", "ip", "change",
 *                   "changes": [{"category", "scope", "item", "before",
 *                                "after", "regression", "text"}]}]}
 *
 * Endpoints are matched by host, port, protocol (starttls.protocol, or
 * "tls") and address; an endpoint whose name did not resolve (ip null) in
 * one run is matched by host, port and protocol alone.  Endpoints with
 * nothing changed are left out; the order is run B's, then the vanished
 * ones in run A's order.  Certificate expiry is judged against each run's
 * own report_time (meta "report_time"), never against now.
 *
 * Documents are hostile input: every value is type-checked where it is
 * read, work is linear in the size of the documents, and the text writer
 * escapes every string (report/escape.h).
 */
#ifndef TA_REPORT_DIFF_H
#define TA_REPORT_DIFF_H

#include <jansson.h>
#include <stdio.h>

#include "tlsaudit.h"

/* Compare two runs, each an array of target documents (elements that are
 * not objects are skipped).  meta_a and meta_b (may be NULL) describe the
 * runs: they are copied into "a" and "b", and their "report_time"
 * ("YYYY-MM-DDTHH:MM:SSZ") dates each run for certificate expiry.  Returns
 * a new object, NULL when out of memory. */
json_t *ta_diff_runs(const json_t *targets_a, const json_t *meta_a, const json_t *targets_b,
                     const json_t *meta_b);

/*
 * The same, one document at a time, for runs too large to hold whole (the
 * store): add every target of run A, then every target of run B in order,
 * then take the result.  Run A is kept as a digest of the compared fields
 * (a few kilobytes per target); run B only as its changes.
 */
struct ta_diff;
/* NULL when out of memory.  meta_a, meta_b: as for ta_diff_runs. */
struct ta_diff *ta_diff_new(const json_t *meta_a, const json_t *meta_b);
/* TA_OK, TA_EINVAL for a document that is not an object, TA_ENOMEM. */
int ta_diff_add_a(struct ta_diff *d, const json_t *target) TA_MUST_CHECK;
/* Compare target with its endpoint in run A (after every ta_diff_add_a). */
int ta_diff_add_b(struct ta_diff *d, const json_t *target) TA_MUST_CHECK;
/* The diff (a new object: vanished endpoints and summary added), NULL
 * when out of memory; d is freed either way. */
json_t *ta_diff_finish(struct ta_diff *d);
void ta_diff_free(struct ta_diff *d);

/* The number of endpoints in diff that changed in any way (its
 * "endpoints"), 0 for anything that is not a diff. */
size_t ta_diff_count(const json_t *diff);

/* Write the diff for people: the runs, the counts, then per endpoint its
 * changes by category, each marked worse (a regression), better or
 * neither.  color: ANSI colours.  TA_OK, or TA_ESYS when out fails. */
int ta_diff_text(FILE *out, const json_t *diff, int color) TA_MUST_CHECK;

/* Write diff as text (ta_diff_text) or JSON (indented, ASCII, with a final
 * newline), for the files below and for runs of a store.  TA_EINVAL for
 * another format, TA_ESYS when writing fails. */
int ta_diff_write(FILE *out, const json_t *diff, enum ta_format fmt, int color) TA_MUST_CHECK;

/* `tlsaudit diff A.json B.json`: read two JSON reports (report/reread.c
 * checks each whole first), compare them and write the diff to out as
 * text (TA_FORMAT_TEXT) or JSON (TA_FORMAT_JSON, the object above).
 * *changed (may be NULL) gets the number of endpoints that changed.
 * TA_EINVAL with a one-line reason in err ("FILE: line N: problem", or
 * "diff: text or json" for another format); TA_ENOMEM; TA_ESYS when
 * writing fails. */
int ta_diff_files(const char *path_a, const char *path_b, enum ta_format fmt, FILE *out, int color,
                  size_t *changed, char *err, size_t errlen) TA_MUST_CHECK;

#endif
