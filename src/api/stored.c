/*
 * What the store holds, read back (include/tlsaudit.h, docs/store.md):
 * the runs, a run rendered again exactly as its scan rendered it (its own
 * report time, the same writers), one endpoint over time, and the
 * certificates of a run by expiry.  Everything read back is hostile like
 * any file: documents are checked as they are unpacked (store/blob.c) and
 * every string is escaped on its way out (report/escape.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api/plan_int.h"
#include "api/trend.h"
#include "assess/assess.h"
#include "cert/cert.h"
#include "report/diff.h"
#include "report/escape.h"
#include "report/report.h"
#include "report/sink.h"
#include "store/store.h"
#include "wire/rd.h"

static int
open_store(const char *path, struct ta_store **st, char *err, size_t errlen)
{
	return ta_store_open(path, TA_STORE_READ, st, err, errlen);
}

static int
text_or_json(enum ta_format fmt, const char *what, char *err, size_t errlen)
{
	if (fmt == TA_FORMAT_TEXT || fmt == TA_FORMAT_JSON)
		return TA_OK;
	(void)what;
	snprintf(err, errlen, "the format is text or json");
	return TA_EINVAL;
}

/* ---- tlsaudit runs ---- */

struct runs_out {
	FILE *out;
	json_t *list; /* JSON: the runs; NULL: text */
};

static json_t *
run_json(const struct ta_run_info *r)
{
	return json_pack("{sI ss ss ss ss ss sI sI sI sI}", "id", (json_int_t)r->id, "label",
	                 r->label, "status", r->status, "started", r->started, "ended", r->ended,
	                 "tool_version", r->tool_version, "targets", (json_int_t)r->ntargets,
	                 "errors", (json_int_t)r->nerrors, "shards", (json_int_t)r->nshards,
	                 "shards_done", (json_int_t)r->shards_done);
}

static int
one_run_out(void *arg, const struct ta_run_info *r)
{
	struct runs_out *ro = arg;

	if (ro->list)
		return json_array_append_new(ro->list, run_json(r)) == 0 ? TA_OK : TA_ENOMEM;
	char shards[24] = "-";

	if (r->nshards)
		snprintf(shards, sizeof shards, "%u/%u", r->shards_done, r->nshards);
	fprintf(ro->out, "%6lld  %-11s  %-20s  %-20s  %7zu  %6zu  %-11s  ", (long long)r->id,
	        r->status, r->started, r->ended[0] ? r->ended : "-", r->ntargets, r->nerrors,
	        shards);
	ta_esc_put(ro->out, r->label, ta_esc_term_mode());
	fputc('\n', ro->out);
	return TA_OK;
}

int
ta_db_print_runs(const char *path, enum ta_format fmt, FILE *out, char *err, size_t errlen)
{
	struct ta_store *st;
	struct runs_out ro = {out, NULL};
	int rc;

	TA_TRY(text_or_json(fmt, "runs", err, errlen));
	TA_TRY(open_store(path, &st, err, errlen));
	if (fmt == TA_FORMAT_JSON && !(ro.list = json_array())) {
		ta_store_close(st);
		return TA_ENOMEM;
	}
	if (!ro.list)
		fprintf(out, "%6s  %-11s  %-20s  %-20s  %7s  %6s  %-11s  %s\n", "RUN", "STATUS",
		        "STARTED", "ENDED", "TARGETS", "ERRORS", "SHARDS DONE", "LABEL");
	rc = ta_store_runs(st, one_run_out, &ro);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s", ta_store_error(st));
	else if (ro.list && (json_dumpf(ro.list, out, JSON_INDENT(2)) != 0 || fputc('\n', out) < 0))
		rc = TA_ESYS;
	json_decref(ro.list);
	ta_store_close(st);
	return rc;
}

/* ---- tlsaudit export ---- */

struct export_out {
	struct ta_sink *sink;
	time_t now;
	int write_err;
};

static int
one_export(void *arg, const char *key, json_t *doc)
{
	struct export_out *eo = arg;
	int rc;

	(void)key;
	ta_doc_refresh_dates(doc, eo->now);
	rc = ta_sink_target(eo->sink, doc);
	if (rc != TA_OK && !eo->write_err)
		eo->write_err = rc;
	return TA_OK;
}

/* The HTML page's trend: the runs up to this one, as the scan drew it. */
static int
export_trend(struct ta_store *st, int64_t run, const char *focus, struct ta_sink *sink)
{
	struct ta_trend_point *p;
	size_t n;
	int rc = ta_api_trend(st, run, focus, &p, &n);

	if (rc == TA_OK)
		rc = ta_sink_trend(sink, p, n);
	free(p);
	return rc;
}

/* The upgrade plan of the run, for the HTML page of `tlsaudit report`. */
static int
export_plan(const char *path, struct ta_store *st, int64_t run, struct ta_sink *sink, char *err,
            size_t errlen)
{
	struct ta_plan_opts po = {.db = path, .run = run};
	json_t *plan = NULL;
	int rc = ta_plan_build_open(&po, st, &plan, err, errlen);

	if (rc == TA_OK)
		ta_sink_plan(sink, plan);
	json_decref(plan);
	return rc;
}

static int export_run(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
                      const char *focus, const char *const *require, size_t nrequire,
                      bool with_plan, char *err, size_t errlen);

int
ta_db_export(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
             const char *focus, const char *const *require, size_t nrequire, char *err,
             size_t errlen)
{
	return export_run(path, run, fmt, out, color, focus, require, nrequire, false, err, errlen);
}

int
ta_db_report(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
             const char *focus, const char *const *require, size_t nrequire, char *err,
             size_t errlen)
{
	return export_run(path, run, fmt, out, color, focus, require, nrequire, true, err, errlen);
}

static int
export_run(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
           const char *focus, const char *const *require, size_t nrequire, bool with_plan,
           char *err, size_t errlen)
{
	struct ta_store *st;
	struct ta_run_info info;
	struct export_out eo = {0};
	struct ta_render_opts o = {
	        .color = color, .focus_profile = focus, .require = require, .nrequire = nrequire};
	json_t *header, *mails;
	int64_t t;
	int rc;

	TA_TRY(open_store(path, &st, err, errlen));
	rc = ta_store_run_get(st, run, &info);
	header = rc == TA_OK ? ta_store_run_header(st, info.id) : NULL;
	if (!header ||
	    !ta_parse_iso_time(json_string_value(json_object_get(header, "report_time")), &t)) {
		snprintf(err, errlen, "%s",
		         rc == TA_OK && header ? "the run has no report time" : ta_store_error(st));
		json_decref(header);
		ta_store_close(st);
		return TA_EINVAL;
	}
	eo.now = o.now = (time_t)t;
	eo.sink = ta_sink_open(fmt, out, &o, header);
	json_decref(header);
	mails = json_array();
	if (!eo.sink || !mails) {
		ta_sink_free(eo.sink);
		json_decref(mails);
		ta_store_close(st);
		return TA_ENOMEM;
	}
	rc = ta_sink_wants_trend(eo.sink) ? export_trend(st, info.id, focus, eo.sink) : TA_OK;
	if (rc == TA_OK && with_plan && ta_sink_wants_trend(eo.sink) &&
	    (rc = export_plan(path, st, info.id, eo.sink, err, errlen)) != TA_OK) {
		ta_sink_free(eo.sink);
		json_decref(mails);
		ta_store_close(st);
		return rc;
	}
	if (rc == TA_OK)
		rc = ta_store_each(st, info.id, one_export, &eo);
	if (rc != TA_OK)
		snprintf(err, errlen, "run %lld: %s", (long long)info.id,
		         ta_store_error(st)[0] ? ta_store_error(st) : "out of memory");
	else if ((rc = ta_sink_close(eo.sink, mails)) != TA_OK || (rc = eo.write_err) != TA_OK)
		snprintf(err, errlen, "cannot write the report");
	ta_sink_free(eo.sink);
	json_decref(mails);
	ta_store_close(st);
	return rc;
}

/* ---- tlsaudit history ---- */

struct history_out {
	FILE *out;
	json_t *list;
	size_t n;
};

/* The highest and lowest version a document offers, "" when none. */
static void
version_span(const json_t *doc, const char **lo, const char **hi)
{
	static const char *const order[] = {"SSLv2",   "SSLv3",   "TLSv1.0",
	                                    "TLSv1.1", "TLSv1.2", "TLSv1.3"};
	const json_t *p = json_object_get(doc, "protocols");

	*lo = *hi = "";
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (json_is_true(json_object_get(json_object_get(p, order[i]), "offered"))) {
			if (!**lo)
				*lo = order[i];
			*hi = order[i];
		}
}

static int
one_history(void *arg, const struct ta_run_info *r, const char *key, json_t *doc)
{
	struct history_out *ho = arg;
	const char *lo, *hi, *status = json_string_value(json_object_get(doc, "status"));
	const json_t *leaf = json_array_get(json_object_get(doc, "certificates"), 0);
	const char *expiry = json_string_value(json_object_get(leaf, "not_after"));

	ho->n++;
	if (ho->list) {
		json_t *e = json_pack("{sI ss ss sO}", "run", (json_int_t)r->id, "started",
		                      r->started, "key", key, "target", doc);

		return e && json_array_append_new(ho->list, e) == 0 ? TA_OK : TA_ENOMEM;
	}
	version_span(doc, &lo, &hi);
	fprintf(ho->out, "%6lld  %-20s  ", (long long)r->id, r->started);
	ta_esc_put(ho->out, key, ta_esc_term_mode());
	fprintf(ho->out, "  %-5s  %s%s%s  cert %s\n", status ? status : "?", lo,
	        *lo && strcmp(lo, hi) ? "-" : "", strcmp(lo, hi) ? hi : "", expiry ? expiry : "-");
	return TA_OK;
}

int
ta_db_print_history(const char *path, const char *match, enum ta_format fmt, FILE *out, char *err,
                    size_t errlen)
{
	struct ta_store *st;
	struct history_out ho = {out, NULL, 0};
	int rc;

	TA_TRY(text_or_json(fmt, "history", err, errlen));
	TA_TRY(open_store(path, &st, err, errlen));
	if (fmt == TA_FORMAT_JSON && !(ho.list = json_array())) {
		ta_store_close(st);
		return TA_ENOMEM;
	}
	if (!ho.list)
		fprintf(out, "%6s  %-20s  %s\n", "RUN", "STARTED",
		        "ENDPOINT  STATUS  VERSIONS  CERTIFICATE EXPIRY");
	rc = ta_store_history(st, match, one_history, &ho);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s", ta_store_error(st));
	else if (ho.n == 0) {
		snprintf(err, errlen, "no run holds '%.200s' (a host, or host|port|proto|ip)",
		         match);
		rc = TA_EINVAL;
	} else if (ho.list &&
	           (json_dumpf(ho.list, out, JSON_INDENT(2)) != 0 || fputc('\n', out) < 0))
		rc = TA_ESYS;
	json_decref(ho.list);
	ta_store_close(st);
	return rc;
}

/* ---- tlsaudit certs ---- */

struct certs_out {
	FILE *out;
	enum ta_format fmt;
	json_t *list;
	time_t now;
};

static int
one_cert(void *arg, const struct ta_cert_row *c)
{
	struct certs_out *co = arg;
	int64_t t;
	long long days = 0;

	if (ta_parse_iso_time(c->not_after,
	                      &t)) { /* whole days, rounded down, as documents count */
		int64_t d = t - (int64_t)co->now;

		days = (long long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
	}
	if (co->list) {
		json_t *e =
		        json_pack("{ss sI sI ss ss ss sI ss}", "key", c->key, "chain",
		                  (json_int_t)c->chain, "depth", (json_int_t)c->depth, "subject",
		                  c->subject, "issuer", c->issuer, "not_after", c->not_after,
		                  "days_left", (json_int_t)days, "sha256_fingerprint", c->sha256);

		return e && json_array_append_new(co->list, e) == 0 ? TA_OK : TA_ENOMEM;
	}
	if (co->fmt == TA_FORMAT_CSV) {
		char n[32], chain[24], depth[24];
		const char *f[] = {c->key,    chain,        depth, c->subject,
		                   c->issuer, c->not_after, n,     c->sha256};

		snprintf(n, sizeof n, "%lld", days);
		snprintf(chain, sizeof chain, "%zu", c->chain);
		snprintf(depth, sizeof depth, "%zu", c->depth);
		for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
			if (i)
				fputc(',', co->out);
			ta_esc_csv_field(co->out, f[i]);
		}
		fputs("\r\n", co->out);
		return TA_OK;
	}
	fprintf(co->out, "%-20s  %6lld  %s  ", c->not_after, days, c->depth ? "chain" : "leaf ");
	ta_esc_put(co->out, c->key, ta_esc_term_mode());
	fputs("  ", co->out);
	ta_esc_put(co->out, c->subject, ta_esc_term_mode());
	fputc('\n', co->out);
	return TA_OK;
}

int
ta_db_print_certs(const char *path, long long run, int days, enum ta_format fmt, FILE *out,
                  char *err, size_t errlen)
{
	struct ta_store *st;
	struct ta_run_info info;
	struct certs_out co = {out, fmt, NULL, ta_now()};
	char before[32];
	time_t limit = co.now + (time_t)days * 86400;
	struct tm tm;
	int rc;

	if (fmt == TA_FORMAT_HTML || fmt == TA_FORMAT_JUNIT) {
		snprintf(err, errlen, "the format is text, json or csv");
		return TA_EINVAL;
	}
	TA_TRY(open_store(path, &st, err, errlen));
	if ((rc = ta_store_run_get(st, run, &info)) != TA_OK) {
		snprintf(err, errlen, "%s", ta_store_error(st));
		ta_store_close(st);
		return rc;
	}
	gmtime_r(&limit, &tm);
	strftime(before, sizeof before, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fmt == TA_FORMAT_JSON && !(co.list = json_array())) {
		ta_store_close(st);
		return TA_ENOMEM;
	}
	if (fmt == TA_FORMAT_CSV)
		fputs("endpoint,chain,depth,subject,issuer,not_after,days_left,sha256_"
		      "fingerprint\r\n",
		      out);
	else if (fmt == TA_FORMAT_TEXT)
		fprintf(out, "%-20s  %6s  %s  %s\n", "NOT AFTER", "DAYS", "     ",
		        "ENDPOINT  SUBJECT");
	rc = ta_store_certs(st, info.id, days >= 0 ? before : NULL, one_cert, &co);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s", ta_store_error(st));
	else if (co.list && (json_dumpf(co.list, out, JSON_INDENT(2)) != 0 || fputc('\n', out) < 0))
		rc = TA_ESYS;
	json_decref(co.list);
	ta_store_close(st);
	return rc;
}

/* ---- tlsaudit diff --db ---- */

struct last_two {
	int64_t id[2]; /* the two newest, newest first */
};

static int
newest(void *arg, const struct ta_run_info *r)
{
	struct last_two *l = arg;

	l->id[1] = l->id[0];
	l->id[0] = r->id;
	return TA_OK;
}

static int
add_a(void *arg, const char *key, json_t *doc)
{
	(void)key;
	return ta_diff_add_a(arg, doc);
}

static int
add_b(void *arg, const char *key, json_t *doc)
{
	(void)key;
	return ta_diff_add_b(arg, doc);
}

int
ta_db_diff(const char *path, long long run_a, long long run_b, int nruns, enum ta_format fmt,
           FILE *out, int color, size_t *changed, char *err, size_t errlen)
{
	struct ta_store *st;
	struct last_two l = {{0, 0}};
	struct ta_run_info ra, rb;
	json_t *ha = NULL, *hb = NULL, *diff = NULL;
	struct ta_diff *d = NULL;
	int rc;

	*changed = 0;
	TA_TRY(text_or_json(fmt, "diff", err, errlen));
	TA_TRY(open_store(path, &st, err, errlen));
	rc = ta_store_runs(st, newest, &l);
	if (rc == TA_OK && nruns == 0) {
		run_a = l.id[1];
		run_b = l.id[0];
	} else if (rc == TA_OK && nruns == 1) {
		run_b = l.id[0];
	}
	if (rc == TA_OK && (!run_a || !run_b)) {
		snprintf(err, errlen, "the store has fewer than two runs to compare");
		rc = TA_EINVAL;
		goto out;
	}
	if (rc == TA_OK && ((rc = ta_store_run_get(st, run_a, &ra)) != TA_OK ||
	                    (rc = ta_store_run_get(st, run_b, &rb)) != TA_OK)) {
		snprintf(err, errlen, "%s", ta_store_error(st));
		goto out;
	}
	if (rc != TA_OK) {
		snprintf(err, errlen, "%s", ta_store_error(st));
		goto out;
	}
	ha = ta_store_run_header(st, ra.id);
	hb = ta_store_run_header(st, rb.id);
	if (!ha || !hb) {
		snprintf(err, errlen, "%s", ta_store_error(st));
		rc = TA_EINVAL;
		goto out;
	}
	json_object_set_new(ha, "run", json_integer(ra.id));
	json_object_set_new(hb, "run", json_integer(rb.id));
	if (!(d = ta_diff_new(ha, hb))) {
		rc = TA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* run A is kept as a digest per target, run B streams past it */
	rc = ta_store_each(st, ra.id, add_a, d);
	if (rc == TA_OK)
		rc = ta_store_each(st, rb.id, add_b, d);
	if (rc != TA_OK) {
		snprintf(err, errlen, "%s",
		         ta_store_error(st)[0] ? ta_store_error(st) : "out of memory");
		goto out;
	}
	diff = ta_diff_finish(d);
	d = NULL;
	if (!diff) {
		rc = TA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*changed = ta_diff_count(diff);
	if ((rc = ta_diff_write(out, diff, fmt, color)) != TA_OK)
		snprintf(err, errlen, "cannot write the diff");
out:
	ta_diff_free(d);
	json_decref(diff);
	json_decref(ha);
	json_decref(hb);
	ta_store_close(st);
	return rc;
}
