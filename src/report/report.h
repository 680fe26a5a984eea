/*
 * Report writers.  They read only the plain results (probe/result.h).
 */
#ifndef TA_REPORT_REPORT_H
#define TA_REPORT_REPORT_H

#include <stdio.h>

#include "tlsaudit.h"

int ta_report_json(const struct ta_scan *scan, FILE *out);
int ta_report_text(const struct ta_scan *scan, FILE *out, int color);

struct ta_eval;

/* Evaluations of target i against every profile (cached; NULL entries when
 * an evaluation failed); *n is the number of profiles. */
struct ta_eval *const *ta_report_evals(const struct ta_scan *scan, size_t i, size_t *n);

/* Write s to out with every control byte and non-ASCII byte escaped, so a
 * string from a server can never drive the terminal. */
void ta_fput_safe(const char *s, FILE *out);

#endif
