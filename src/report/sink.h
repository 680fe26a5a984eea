/*
 * A report written while the targets arrive: open writes the top, each
 * target document is written as it comes (in the order given), close
 * writes the mail domains and the end.  Memory does not grow with the
 * targets (HTML keeps a short summary of each).
 */
#ifndef TA_REPORT_SINK_H
#define TA_REPORT_SINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/render.h"
#include "tlsaudit.h"

struct ta_sink;

/* meta: the document's top level (tool, version, schema, report_time).
 * NULL when out of memory. */
struct ta_sink *ta_sink_open(enum ta_format fmt, FILE *out, const struct ta_render_opts *o,
                             const json_t *meta);
/* 0, or a TA_E* code when writing failed. */
int ta_sink_target(struct ta_sink *k, const json_t *target) TA_MUST_CHECK;
/* The trend over a store's runs (render.h): HTML shows it, the other
 * formats ignore it.  Before ta_sink_close.  0 or TA_ENOMEM. */
int ta_sink_trend(struct ta_sink *k, const struct ta_trend_point *p, size_t n) TA_MUST_CHECK;
/* The upgrade plan (tlsaudit plan's JSON): HTML shows it as its Plan
 * section, the other writers ignore it. */
void ta_sink_plan(struct ta_sink *k, json_t *plan);
/* Does k show a trend (is it HTML)?  The trend costs a read of the runs. */
bool ta_sink_wants_trend(const struct ta_sink *k);
/* mails: the "mail" array (NULL or empty: none). */
int ta_sink_close(struct ta_sink *k, const json_t *mails) TA_MUST_CHECK;
void ta_sink_free(struct ta_sink *k);

#endif
