/*
 * The trend of a store's runs for the HTML report (trend.c).
 */
#ifndef TA_API_TREND_H
#define TA_API_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "report/render.h"

struct ta_store;

/* The last TA_TREND_RUNS runs of st with an id up to upto, oldest first,
 * counted from their documents (focus: the target profile of documents
 * without one); *pts malloc'd (NULL when no run).  TA_ENOMEM, or the
 * store's failure (ta_store_error). */
int ta_api_trend(struct ta_store *st, int64_t upto, const char *focus, struct ta_trend_point **pts,
                 size_t *n);

#endif
