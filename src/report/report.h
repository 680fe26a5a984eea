/*
 * What the report layer offers inside the library: reading a stored report
 * back, and printing a profile's rules.  The writers themselves render the
 * document (render.h, sink.h).
 */
#ifndef TA_REPORT_REPORT_H
#define TA_REPORT_REPORT_H

#include <stdio.h>

#include "assess/assess.h" /* ta_suite_strength */
#include "tlsaudit.h"

struct ta_profile;

/* The rules of profile p, as `tlsaudit profiles show` prints them. */
void ta_profile_print(const struct ta_profile *p, FILE *out);

/* Write s to out escaped for a terminal (report/escape.h: control bytes,
 * bidi controls and invalid UTF-8 always; non-ASCII unless the locale is
 * UTF-8), so a string from a server can never drive the terminal. */
void ta_fput_safe(const char *s, FILE *out);

/* Render a JSON report held in buf[0..len) (a scan's --format json output)
 * again in fmt; TA_EINVAL with "line N: problem" in err when it is not a
 * report. */
int ta_report_buffer(const char *buf, size_t len, enum ta_format fmt, FILE *out, int color,
                     const char *focus, char *err, size_t errlen) TA_MUST_CHECK;

#endif
