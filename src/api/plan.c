/*
 * tlsaudit plan (docs/plan.md): the upgrade plan of the endpoints of a run
 * (a store's, or a JSON report's) and of the inventory.  Documents are read
 * one at a time and reduced to plan items at once, so memory grows with
 * the items, not with the documents; the previous run is reduced to the
 * ids of each endpoint's gaps, and the progress over runs to counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/plan_int.h"
#include "cert/cert.h"
#include "report/report.h"
#include "store/store.h"

#define HISTORY_DEFAULT 12

struct plan_ctx {
	const struct ta_plan_opts *o;
	struct ta_inventory inv;
	json_t *row_of;          /* endpoint key -> index of its inventory row */
	json_t *seen;            /* endpoint keys with a document in the run */
	json_t *prev;            /* endpoint key -> gap ids in the previous run */
	json_t *items;           /* the plan's items */
	unsigned counts[2];      /* for the progress of one run: endpoints, compliant */
	struct ta_plan_fix *fix; /* configurations and client impact */
	struct ta_store *st;     /* the store the caller has open, or NULL */
	time_t now;
	char inv_err[400]; /* the inventory file's last error, not yet warned */
	char *err;
	size_t errlen;
};

/* "host|port|proto" as the inventory keys endpoints (https is tls). */
static void
doc_key(const json_t *doc, char *buf, size_t cap)
{
	const char *host = json_string_value(json_object_get(doc, "host"));
	const json_t *st = json_object_get(doc, "starttls");
	const char *proto = json_string_value(json_object_get(st, "protocol"));
	size_t n;

	n = (size_t)snprintf(buf, cap, "%s|%lld|%s", host ? host : "",
	                     (long long)json_integer_value(json_object_get(doc, "port")),
	                     proto && *proto ? proto : "tls");
	for (size_t i = 0; i < n && i < cap && buf[i] != '|'; i++)
		buf[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + 32 : buf[i]);
}

static void
row_key(const struct ta_inv_row *r, char *buf, size_t cap)
{
	ta_inv_key(r, buf, cap);
	/* the scanner's spelling: https is tls with the HTTP checks */
	if (strcmp(r->protocol, "https") == 0) {
		char *p = strrchr(buf, '|');

		if (p)
			snprintf(p, cap - (size_t)(p - buf), "|tls");
	}
}

static const struct ta_inv_row *
row_for(struct plan_ctx *x, const json_t *doc)
{
	char key[512];
	const json_t *i;

	doc_key(doc, key, sizeof key);
	i = json_object_get(x->row_of, key);
	return json_is_integer(i) ? &x->inv.rows[json_integer_value(i)] : NULL;
}

static void
warn(struct plan_ctx *x, const char *line)
{
	if (x->o->warn)
		x->o->warn(x->o->warn_arg, line);
}

static void
on_inv_msg(void *arg, enum ta_inv_severity sev, const char *msg)
{
	struct plan_ctx *x = arg;

	/* held back one message: the last may be the file's, not a row's */
	if (sev == TA_INV_ERROR) {
		if (x->inv_err[0])
			warn(x, x->inv_err);
		snprintf(x->inv_err, sizeof x->inv_err, "%s", msg);
	}
}

/* An inventory file the plan takes its rows from: its bad rows are
 * warnings, a file that cannot be read at all is the plan's error. */
static int
read_inventory_file(struct plan_ctx *x, const char *path)
{
	x->inv_err[0] = '\0';
	if (ta_inv_parse_file(path, &x->inv, on_inv_msg, x) >= 0) {
		if (x->inv_err[0])
			warn(x, x->inv_err); /* a bad row's */
		return TA_OK;
	}
	snprintf(x->err, x->errlen, "inventory %s", x->inv_err[0] ? x->inv_err : path);
	return TA_EINVAL;
}

static int
stored_row(void *arg, const char *key, const char *text)
{
	struct plan_ctx *x = arg;

	(void)key;
	(void)ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &x->inv, on_inv_msg, x);
	return TA_OK;
}

static void
index_rows(struct plan_ctx *x)
{
	for (size_t i = 0; i < x->inv.n; i++) {
		char key[512];

		row_key(&x->inv.rows[i], key, sizeof key);
		json_object_set_new(x->row_of, key, json_integer((json_int_t)i));
	}
}

/* ---- the run's documents -------------------------------------------------- */

static int
on_doc(struct plan_ctx *x, const json_t *doc)
{
	const struct ta_inv_row *row = row_for(x, doc);
	char key[512];
	json_t *item;

	if (!ta_doc_is_target(doc))
		return TA_OK;
	doc_key(doc, key, sizeof key);
	item = ta_plan_item(doc, row, json_object_get(x->prev, key), x->now);
	if (item)
		ta_plan_fix_item(x->fix, item, doc, row);
	if (!item || json_array_append_new(x->items, item) != 0)
		return TA_ENOMEM;
	json_object_set_new(x->seen, key, json_true());
	return TA_OK;
}

static int
stored_doc(void *arg, const char *key, json_t *doc)
{
	(void)key;
	return on_doc(arg, doc);
}

static int
report_doc(void *arg, const json_t *doc)
{
	return on_doc(arg, doc);
}

static int
prev_doc(struct plan_ctx *x, const json_t *doc)
{
	char key[512];

	if (!ta_doc_is_target(doc))
		return TA_OK;
	doc_key(doc, key, sizeof key);
	json_object_set_new(x->prev, key, ta_plan_gap_ids(doc, row_for(x, doc)));
	return TA_OK;
}

static int
stored_prev(void *arg, const char *key, json_t *doc)
{
	(void)key;
	return prev_doc(arg, doc);
}

static int
report_prev(void *arg, const json_t *doc)
{
	return prev_doc(arg, doc);
}

/* Inventory rows the run has no document of. */
static int
unscanned(struct plan_ctx *x)
{
	for (size_t i = 0; i < x->inv.n; i++) {
		char key[512];
		json_t *item;

		row_key(&x->inv.rows[i], key, sizeof key);
		if (json_object_get(x->seen, key))
			continue;
		item = ta_plan_item(NULL, &x->inv.rows[i], json_object_get(x->prev, key), x->now);
		if (item)
			ta_plan_fix_item(x->fix, item, NULL, &x->inv.rows[i]);
		if (!item || json_array_append_new(x->items, item) != 0)
			return TA_ENOMEM;
	}
	return TA_OK;
}

/* ---- progress over the store's runs --------------------------------------- */

static int
count_doc(void *arg, const char *key, json_t *doc)
{
	struct plan_ctx *x = arg;

	(void)key;
	if (!ta_doc_is_target(doc))
		return TA_OK;
	x->counts[0]++;
	x->counts[1] += ta_plan_compliance(doc, row_for(x, doc)) == 1;
	return TA_OK;
}

struct run_list {
	struct ta_run_info *v;
	size_t n, cap;
};

static int
collect_run(void *arg, const struct ta_run_info *r)
{
	struct run_list *l = arg;

	if (l->n == l->cap) {
		struct ta_run_info *v = realloc(l->v, (l->cap = l->cap * 2 + 8) * sizeof *v);

		if (!v)
			return TA_ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = *r;
	return TA_OK;
}

static int
from_store(struct plan_ctx *x, json_t *plan)
{
	const struct ta_plan_opts *o = x->o;
	struct ta_store *st;
	struct run_list runs = {0};
	json_t *progress = json_array();
	size_t at = 0, first;
	unsigned history = o->history ? o->history : HISTORY_DEFAULT;
	int rc = x->st ? (st = x->st, TA_OK)
	               : ta_store_open(o->db, TA_STORE_READ, &st, x->err, x->errlen);

	if (rc != TA_OK) {
		json_decref(progress);
		return rc;
	}
	rc = ta_store_inventory_each(st, stored_row, x);
	if (rc == TA_OK)
		rc = ta_store_runs(st, collect_run, &runs);
	if (rc == TA_OK && runs.n == 0) {
		snprintf(x->err, x->errlen, "the store has no run (tlsaudit scan --db)");
		rc = TA_EINVAL;
	}
	if (rc == TA_OK) {
		index_rows(x);
		at = runs.n - 1;
		if (o->run) {
			while (at > 0 && runs.v[at].id != o->run)
				at--;
			if (runs.v[at].id != o->run) {
				snprintf(x->err, x->errlen, "the store has no run %lld", o->run);
				rc = TA_EINVAL;
			}
		}
	}
	if (rc == TA_OK && at > 0)
		rc = ta_store_each(st, runs.v[at - 1].id, stored_prev, x);
	if (rc == TA_OK)
		rc = ta_store_each(st, runs.v[at].id, stored_doc, x);
	first = at + 1 > history ? at + 1 - history : 0;
	for (size_t i = first; rc == TA_OK && i <= at; i++) {
		x->counts[0] = x->counts[1] = 0;
		rc = ta_store_each(st, runs.v[i].id, count_doc, x);
		json_array_append_new(progress,
		                      json_pack("{s:I, s:s, s:s, s:I, s:I}", "run",
		                                (json_int_t)runs.v[i].id, "started",
		                                runs.v[i].started, "label", runs.v[i].label,
		                                "endpoints", (json_int_t)x->counts[0], "compliant",
		                                (json_int_t)x->counts[1]));
	}
	if (rc == TA_OK) {
		json_object_set_new(
		        plan, "source",
		        json_pack("{s:s, s:I, s:s, s:o}", "kind", "store", "run",
		                  (json_int_t)runs.v[at].id, "started", runs.v[at].started,
		                  "previous_run",
		                  at > 0 ? json_integer(runs.v[at - 1].id) : json_null()));
		json_object_set_new(plan, "progress", progress);
		progress = NULL;
	} else if (!x->err[0]) {
		snprintf(x->err, x->errlen, "%s", ta_store_error(st));
	}
	json_decref(progress);
	free(runs.v);
	if (st != x->st)
		ta_store_close(st);
	return rc;
}

static int
from_report(struct plan_ctx *x, json_t *plan)
{
	const struct ta_plan_opts *o = x->o;
	struct ta_report_reader prev = {NULL, report_prev, x}, cur = {NULL, report_doc, x};
	int rc = TA_OK;

	if (o->db) { /* the inventory of a store, the documents of a report */
		struct ta_store *st;

		rc = ta_store_open(o->db, TA_STORE_READ, &st, x->err, x->errlen);
		if (rc != TA_OK)
			return rc;
		rc = ta_store_inventory_each(st, stored_row, x);
		if (rc != TA_OK)
			snprintf(x->err, x->errlen, "%s", ta_store_error(st));
		ta_store_close(st);
		if (rc != TA_OK)
			return rc;
	}
	index_rows(x);
	if (o->previous &&
	    (rc = ta_report_read_file(o->previous, &prev, x->err, x->errlen)) != TA_OK)
		return rc;
	rc = ta_report_read_file(o->report, &cur, x->err, x->errlen);
	if (rc == TA_OK)
		json_object_set_new(plan, "source",
		                    json_pack("{s:s, s:s, s:s?}", "kind", "report", "report",
		                              o->report, "previous", o->previous));
	return rc;
}

static json_t *
summary(const json_t *items)
{
	json_t *by = json_object(), *s;
	const json_t *it;
	size_t i, compliant = 0, judged = 0;

	for (int c = 0; c < TA_PC_COUNT; c++)
		json_object_set_new(by, ta_plan_class_name(c), json_integer(0));
	json_array_foreach (items, i, it) {
		const char *p = json_string_value(json_object_get(it, "priority"));
		const json_t *c = json_object_get(it, "compliant");

		if (p)
			json_object_set_new(
			        by, p,
			        json_integer(json_integer_value(json_object_get(by, p)) + 1));
		judged += json_is_boolean(c);
		compliant += json_is_true(c);
	}
	s = json_pack("{s:I, s:I, s:I, s:o}", "endpoints", (json_int_t)json_array_size(items),
	              "judged", (json_int_t)judged, "compliant", (json_int_t)compliant,
	              "by_priority", by);
	return s;
}

int
ta_plan(const struct ta_plan_opts *o, enum ta_format fmt, FILE *out, char *err, size_t errlen)
{
	json_t *plan = NULL;
	int rc;

	err[0] = '\0';
	if (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON && fmt != TA_FORMAT_CSV) {
		snprintf(err, errlen, "plan writes text, json or csv");
		return TA_EINVAL;
	}
	rc = ta_plan_build(o, &plan, err, errlen);
	if (rc == TA_OK && (rc = ta_plan_write(plan, fmt, out)) != TA_OK)
		snprintf(err, errlen, "cannot write the plan: %s", strerror(errno));
	json_decref(plan);
	return rc;
}

int
ta_plan_build(const struct ta_plan_opts *o, json_t **out, char *err, size_t errlen)
{
	return ta_plan_build_open(o, NULL, out, err, errlen);
}

int
ta_plan_build_open(const struct ta_plan_opts *o, struct ta_store *st, json_t **out, char *err,
                   size_t errlen)
{
	struct plan_ctx x = {.o = o, .st = st, .err = err, .errlen = errlen, .now = ta_now()};
	json_t *plan = json_object();
	char when[32];
	struct tm tm;
	int rc = TA_OK;

	*out = NULL;
	err[0] = '\0';
	if (!o->db && !o->report) {
		snprintf(err, errlen, "no store (--db) and no report given");
		json_decref(plan);
		return TA_EINVAL;
	}
	ta_inv_init(&x.inv);
	x.fix = ta_plan_fix_new();
	x.row_of = json_object();
	x.seen = json_object();
	x.prev = json_object();
	x.items = json_array();
	for (size_t i = 0; i < o->ninventory && rc == TA_OK; i++)
		rc = read_inventory_file(&x, o->inventory[i]);
	if (rc == TA_OK)
		rc = o->report ? from_report(&x, plan) : from_store(&x, plan);
	if (rc == TA_OK)
		rc = unscanned(&x);
	if (rc == TA_OK) {
		gmtime_r(&x.now, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		ta_plan_rank(x.items);
		json_object_set_new(plan, "tool", json_string("tlsaudit"));
		json_object_set_new(plan, "version", json_string(TA_VERSION_STRING));
		json_object_set_new(plan, "plan_time", json_string(when));
		json_object_set_new(plan, "summary", summary(x.items));
		json_object_set_new(plan, "endpoints", json_incref(x.items));
		if (!json_object_get(plan, "progress"))
			json_object_set_new(plan, "progress", json_array());
		*out = json_incref(plan);
	}
	json_decref(plan);
	json_decref(x.row_of);
	json_decref(x.seen);
	json_decref(x.prev);
	json_decref(x.items);
	ta_inv_free(&x.inv);
	ta_plan_fix_free(x.fix);
	return rc;
}
