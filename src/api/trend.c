/*
 * The trend over a store's runs for the HTML report (report/render.h):
 * the last TA_TREND_RUNS runs up to the one rendered, each counted from
 * its stored documents as they were stored (at that run's report time),
 * so that `scan --db` and a later `export` of the same run draw the same
 * trend.  Only the HTML writer uses it: the other formats never ask.
 */
#include <stdlib.h>
#include <string.h>

#include "api/trend.h"
#include "report/render.h"
#include "store/store.h"

struct last_runs {
	int64_t upto;
	struct ta_run_info r[TA_TREND_RUNS];
	size_t n;
};

static int
keep_run(void *arg, const struct ta_run_info *r)
{
	struct last_runs *l = arg;

	if (r->id > l->upto)
		return TA_OK;
	if (l->n == TA_TREND_RUNS) {
		memmove(l->r, l->r + 1, (TA_TREND_RUNS - 1) * sizeof l->r[0]);
		l->n--;
	}
	l->r[l->n++] = *r;
	return TA_OK;
}

static int
count_doc(void *arg, const char *key, json_t *doc)
{
	(void)key;
	return ta_trend_counter_add(arg, doc);
}

int
ta_api_trend(struct ta_store *st, int64_t upto, const char *focus, struct ta_trend_point **pts,
             size_t *n)
{
	struct last_runs *l = calloc(1, sizeof *l);
	struct ta_trend_point *p = NULL;
	int rc;

	*pts = NULL;
	*n = 0;
	if (!l)
		return TA_ENOMEM;
	l->upto = upto;
	rc = ta_store_runs(st, keep_run, l);
	if (rc == TA_OK && l->n && !(p = calloc(l->n, sizeof *p)))
		rc = TA_ENOMEM;
	for (size_t i = 0; rc == TA_OK && i < l->n; i++) {
		struct ta_trend_counter *c = ta_trend_counter_new(focus);

		if (!c) {
			rc = TA_ENOMEM;
			break;
		}
		rc = ta_store_each(st, l->r[i].id, count_doc, c);
		ta_trend_counter_end(c, &p[i]);
		p[i].run = (long long)l->r[i].id;
		snprintf(p[i].started, sizeof p[i].started, "%s", l->r[i].started);
		snprintf(p[i].label, sizeof p[i].label, "%s", l->r[i].label);
	}
	if (rc == TA_OK) {
		*pts = p;
		*n = l->n;
	} else {
		free(p);
	}
	free(l);
	return rc;
}
