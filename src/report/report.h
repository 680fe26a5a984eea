/*
 * Report writers.  They read only the plain results (probe/result.h).
 */
#ifndef TA_REPORT_REPORT_H
#define TA_REPORT_REPORT_H

#include <stdio.h>

#include "tlsaudit.h"

int ta_report_json(const struct ta_scan *scan, FILE *out);
int ta_report_text(const struct ta_scan *scan, FILE *out, int color);

/* The JSON report as a tree (NULL when out of memory); the caller frees it
 * with json_decref(). */
struct json_t;
struct json_t *ta_report_json_tree(const struct ta_scan *scan);

/* CSV: one row per fact, the JSON report flattened (docs/cli.md). */
int ta_report_csv(const struct ta_scan *scan, FILE *out);

/* One self-contained HTML page (no scripts, no external resources). */
int ta_report_html(const struct ta_scan *scan, FILE *out);

struct ta_eval;
struct ta_suite;

#include "assess/assess.h" /* ta_suite_strength */

/* Evaluations of target i against every profile (cached; NULL entries when
 * an evaluation failed); *n is the number of profiles. */
struct ta_eval *const *ta_report_evals(const struct ta_scan *scan, size_t i, size_t *n);

/* Write s to out escaped for a terminal (report/escape.h: control bytes,
 * bidi controls and invalid UTF-8 always; non-ASCII unless the locale is
 * UTF-8), so a string from a server can never drive the terminal. */
void ta_fput_safe(const char *s, FILE *out);

#endif
