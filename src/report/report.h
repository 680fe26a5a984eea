/*
 * What the report layer offers inside the library: reading a stored report
 * back, and printing a profile's rules.  The writers themselves render the
 * document (render.h, sink.h).
 */
#ifndef TA_REPORT_REPORT_H
#define TA_REPORT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
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
 * again in fmt (require, nrequire: ta_report_file's); TA_EINVAL with
 * "line N: problem" in err when it is not a report. */
int ta_report_buffer(const char *buf, size_t len, enum ta_format fmt, FILE *out, int color,
                     const char *focus, const char *const *require, size_t nrequire, char *err,
                     size_t errlen) TA_MUST_CHECK;

/* Is t a target document as a report holds it (an object with host, port
 * and status)?  What is read back, from a file or a store, is checked so
 * before it is rendered. */
bool ta_doc_is_target(const json_t *t);

/* A JSON report read for a consumer of its documents (tlsaudit diff),
 * checked whole as ta_report_buffer checks it before anything is handed
 * on: on_meta (may be NULL) once with an object of the top-level strings
 * tool, version, schema and report_time that are present, then on_target
 * with each target document in order; both borrowed for the call.  A
 * callback's nonzero return stops the reading and is returned.  TA_EINVAL
 * with "line N: problem" in err when it is not a report (the _file form:
 * "FILE: line N: problem"). */
struct ta_report_reader {
	int (*on_meta)(void *arg, const json_t *meta);
	int (*on_target)(void *arg, const json_t *target);
	void *arg;
};
int ta_report_read_buffer(const char *buf, size_t len, const struct ta_report_reader *rd, char *err,
                          size_t errlen) TA_MUST_CHECK;
int ta_report_read_file(const char *path, const struct ta_report_reader *rd, char *err,
                        size_t errlen) TA_MUST_CHECK;

#endif
