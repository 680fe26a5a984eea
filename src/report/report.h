/*
 * Report writers.  They read only the plain results (probe/result.h).
 */
#ifndef TA_REPORT_REPORT_H
#define TA_REPORT_REPORT_H

#include <stdio.h>

#include "tlsaudit.h"

int ta_report_json(const struct ta_scan *scan, FILE *out);
int ta_report_text(const struct ta_scan *scan, FILE *out, int color);

/* Write s to out with every control byte and non-ASCII byte escaped, so a
 * string from a server can never drive the terminal. */
void ta_fput_safe(const char *s, FILE *out);

#endif
