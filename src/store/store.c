/*
 * The store's runs (store.h, docs/store.md), on SQLite or PostgreSQL
 * (sql.h).  A run is one process's, or, with --shard K/N and a label,
 * several processes': each shard has its row, the first to come makes the
 * run, and the run is done when all N shards are.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "store/store_int.h"
#include "wire/rd.h" /* TA_TRY */

int
ta_store_failed(struct ta_store *st, const char *what)
{
	snprintf(st->err, sizeof st->err, "%.100s: %.150s", what, ta_sql_errmsg(st->db));
	return TA_ESYS;
}

const char *
ta_store_error(const struct ta_store *st)
{
	return st->err;
}

struct ta_sql_q *
ta_store_prepare(struct ta_store *st, const char *sql)
{
	struct ta_sql_q *q = ta_sql_prepare(st->db, sql);

	if (!q)
		(void)ta_store_failed(st, "prepare");
	return q;
}

struct ta_sql_q *
ta_store_vquery(struct ta_store *st, const char *sql, const char *types, va_list ap)
{
	struct ta_sql_q *q = ta_store_prepare(st, sql);

	for (int i = 1; q && types[i - 1]; i++) {
		if (types[i - 1] == 'i')
			ta_sql_bind_int(q, i, va_arg(ap, int64_t));
		else
			ta_sql_bind_text(q, i, va_arg(ap, const char *));
	}
	return q;
}

struct ta_sql_q *
ta_store_query(struct ta_store *st, const char *sql, const char *types, ...)
{
	struct ta_sql_q *q;
	va_list ap;

	va_start(ap, types);
	q = ta_store_vquery(st, sql, types, ap);
	va_end(ap);
	return q;
}

int
ta_store_exec(struct ta_store *st, const char *what, const char *sql, const char *types, ...)
{
	struct ta_sql_q *q;
	va_list ap;
	int rc;

	va_start(ap, types);
	q = ta_store_vquery(st, sql, types, ap);
	va_end(ap);
	if (!q)
		return TA_ESYS;
	rc = ta_sql_step(q) != TA_SQL_ERR ? TA_OK : ta_store_failed(st, what);
	ta_sql_finalize(q);
	return rc;
}

int
ta_store_finish(struct ta_store *st, int rc)
{
	if (rc == TA_OK)
		return ta_sql_exec(st->db, "COMMIT") == TA_OK ? TA_OK
		                                              : ta_store_failed(st, "commit");
	(void)ta_sql_exec(st->db, "ROLLBACK");
	return rc;
}

void
ta_store_now(char *buf, size_t cap)
{
	time_t now = ta_now();
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
ta_store_open(const char *where, enum ta_store_mode mode, struct ta_store **out, char *err,
              size_t errlen)
{
	const struct ta_sql_ops *ops = ta_sql_is_pg(where) ? &ta_sql_pg : &ta_sql_sqlite;
	struct ta_store *st = calloc(1, sizeof *st);
	int rc;

	*out = NULL;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	if ((rc = ops->open(where, mode, &st->db, err, errlen)) != TA_OK) {
		free(st);
		return rc;
	}
	st->has_shards = ta_sql_has_table(st->db, "shards");
	*out = st;
	return TA_OK;
}

void
ta_store_close(struct ta_store *st)
{
	if (!st)
		return;
	if (st->db)
		st->db->ops->close(st->db);
	free(st);
}

/* A new run, in the transaction of the caller. */
static int
insert_run(struct ta_store *st, const json_t *header, const char *options, const char *label,
           const char *fingerprint, int64_t *run)
{
	char *head = json_dumps(header, JSON_COMPACT);
	const char *started = json_string_value(json_object_get(header, "report_time"));
	const char *version = json_string_value(json_object_get(header, "version"));
	struct ta_sql_q *q;
	int rc = TA_ESYS;

	if (!head)
		return TA_ENOMEM;
	q = ta_store_prepare(st, "INSERT INTO runs (label, started, status, tool_version, "
	                         "fingerprint, options, header) "
	                         "VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6) RETURNING id");
	if (q) {
		ta_sql_bind_text(q, 1, label ? label : "");
		ta_sql_bind_text(q, 2, started ? started : "");
		ta_sql_bind_text(q, 3, version ? version : "");
		ta_sql_bind_text(q, 4, fingerprint);
		ta_sql_bind_text(q, 5, options);
		ta_sql_bind_text(q, 6, head);
		if (ta_sql_step(q) == TA_SQL_ROW) {
			*run = ta_sql_int(q, 0);
			rc = TA_OK;
		} else {
			rc = ta_store_failed(st, "cannot record the run");
		}
		ta_sql_finalize(q);
	}
	free(head);
	return rc;
}

int
ta_store_run_begin(struct ta_store *st, const json_t *header, const char *options,
                   const char *label, const char *fingerprint, int64_t *run)
{
	TA_TRY(ta_sql_begin(st->db, false) == TA_OK ? TA_OK : ta_store_failed(st, "begin"));
	return ta_store_finish(st, insert_run(st, header, options, label, fingerprint, run));
}

/* One integer of a query, or -1 when it has no row or a NULL. */
static int64_t
int_of(struct ta_store *st, const char *sql, const char *types, ...)
{
	struct ta_sql_q *q;
	int64_t v = -1;
	va_list ap;

	va_start(ap, types);
	q = ta_store_vquery(st, sql, types, ap);
	va_end(ap);
	if (!q)
		return -1;
	if (ta_sql_step(q) == TA_SQL_ROW && ta_sql_text(q, 0))
		v = ta_sql_int(q, 0);
	ta_sql_finalize(q);
	return v;
}

/* Join the newest run of label if it is not done (in the exclusive
 * transaction of the caller); *run 0 when there is none to join. */
static int
join_run(struct ta_store *st, const struct ta_shard_join *j, int64_t *run, bool *resumed)
{
	struct ta_sql_q *q = ta_store_prepare(
	        st, "SELECT id, fingerprint, status FROM runs WHERE label = ?1 ORDER BY id DESC "
	            "LIMIT 1");
	char fp[65] = "", status[16] = "";
	int64_t id = 0, n, prior;

	if (!q)
		return TA_ESYS;
	ta_sql_bind_text(q, 1, j->label);
	if (ta_sql_step(q) == TA_SQL_ROW) {
		id = ta_sql_int(q, 0);
		snprintf(fp, sizeof fp, "%s", ta_sql_text(q, 1) ? ta_sql_text(q, 1) : "");
		snprintf(status, sizeof status, "%s", ta_sql_text(q, 2) ? ta_sql_text(q, 2) : "");
	}
	ta_sql_finalize(q);
	*run = 0;
	if (!id || strcmp(status, "done") == 0)
		return TA_OK; /* a new run */
	if (strcmp(fp, j->fingerprint) != 0) {
		snprintf(st->err, sizeof st->err,
		         "run %lld labelled '%.100s' was started with other targets or options",
		         (long long)id, j->label);
		return TA_EINVAL;
	}
	n = int_of(st, "SELECT max(nshards) FROM shards WHERE run = ?1", "i", id);
	if (n != (int64_t)j->nshards) {
		snprintf(st->err, sizeof st->err,
		         n < 0 ? "run %lld labelled '%.100s' is not a run of shards"
		               : "run %lld labelled '%.100s' has %lld shards, not %u",
		         (long long)id, j->label, (long long)n, j->nshards);
		return TA_EINVAL;
	}
	prior = int_of(st,
	               "SELECT CASE status WHEN 'done' THEN 2 ELSE 1 END FROM shards "
	               "WHERE run = ?1 AND shard = ?2",
	               "ii", id, (int64_t)j->shard);
	if (prior > 0 && (!j->resume || prior == 2)) {
		snprintf(st->err, sizeof st->err,
		         prior == 2 ? "shard %u/%u of run %lld labelled '%.100s' is done already"
		                    : "shard %u/%u of run %lld labelled '%.100s' was started "
		                      "already: --resume continues it",
		         j->shard, j->nshards, (long long)id, j->label);
		return TA_EINVAL;
	}
	*run = id;
	*resumed = prior > 0;
	return TA_OK;
}

int
ta_store_run_shard(struct ta_store *st, const json_t *header, const char *options,
                   const struct ta_shard_join *j, int64_t *run, bool *joined, bool *resumed)
{
	char now[32];
	int rc;

	*joined = *resumed = false;
	if (!st->has_shards) {
		snprintf(st->err, sizeof st->err, "this store has no shards table");
		return TA_EINVAL;
	}
	TA_TRY(ta_sql_begin(st->db, true) == TA_OK ? TA_OK : ta_store_failed(st, "begin"));
	rc = join_run(st, j, run, resumed);
	*joined = rc == TA_OK && *run;
	if (rc == TA_OK && !*run)
		rc = insert_run(st, header, options, j->label, j->fingerprint, run);
	ta_store_now(now, sizeof now);
	if (rc == TA_OK)
		rc = ta_store_exec(st, "cannot record the shard",
		                   "INSERT INTO shards (run, shard, nshards, status, started) "
		                   "VALUES (?1, ?2, ?3, 'running', ?4) ON CONFLICT (run, shard) "
		                   "DO UPDATE SET status = 'running', ended = ''",
		                   "iiit", *run, (int64_t)j->shard, (int64_t)j->nshards, now);
	if (rc == TA_OK)
		rc = ta_store_exec(st, "cannot record the shard",
		                   "UPDATE runs SET status = 'running', ended = '' WHERE id = ?1",
		                   "i", *run);
	return ta_store_finish(st, rc);
}

int
ta_store_run_end(struct ta_store *st, int64_t run, const char *status)
{
	char now[32];

	ta_store_now(now, sizeof now);
	return ta_store_exec(st, "cannot end the run",
	                     "UPDATE runs SET status = ?1, ended = ?2 WHERE id = ?3", "tti", status,
	                     now, run);
}

int
ta_store_shard_end(struct ta_store *st, int64_t run, unsigned shard, const char *status)
{
	char now[32];
	int64_t left;
	int rc;

	ta_store_now(now, sizeof now);
	TA_TRY(ta_sql_begin(st->db, true) == TA_OK ? TA_OK : ta_store_failed(st, "begin"));
	rc = ta_store_exec(
	        st, "cannot end the shard",
	        "UPDATE shards SET status = ?1, ended = ?2 WHERE run = ?3 AND shard = ?4", "ttii",
	        status, now, run, (int64_t)shard);
	/* the run is done with its last shard; one stopped marks it interrupted */
	left = rc == TA_OK ? int_of(st,
	                            "SELECT max(nshards) - count(*) FILTER (WHERE status = 'done') "
	                            "FROM shards WHERE run = ?1",
	                            "i", run)
	                   : -1;
	if (rc == TA_OK && left == 0)
		rc = ta_store_exec(st, "cannot end the run",
		                   "UPDATE runs SET status = 'done', ended = ?1 WHERE id = ?2",
		                   "ti", now, run);
	else if (rc == TA_OK && strcmp(status, "done") != 0)
		rc = ta_store_exec(st, "cannot end the run",
		                   "UPDATE runs SET status = ?1, ended = ?2 WHERE id = ?3", "tti",
		                   status, now, run);
	return ta_store_finish(st, rc);
}

#define RUN_COLUMNS(shards)                                                                        \
	"SELECT id, label, started, ended, status, tool_version, fingerprint,"                     \
	" (SELECT count(*) FROM results r WHERE r.run = runs.id),"                                 \
	" (SELECT count(*) FROM results r WHERE r.run = runs.id AND r.status = 'error'), " shards  \
	" FROM runs "
#define WITH_SHARDS                                                                                \
	"(SELECT coalesce(max(nshards), 0) FROM shards s WHERE s.run = runs.id),"                  \
	" (SELECT count(*) FROM shards s WHERE s.run = runs.id AND s.status = 'done')"
#define NO_SHARDS "0, 0"

static const char *
run_columns(const struct ta_store *st, int which)
{
	static const char *const with[] = {RUN_COLUMNS(WITH_SHARDS) "WHERE id = ?1",
	                                   RUN_COLUMNS(WITH_SHARDS) "ORDER BY id DESC LIMIT 1",
	                                   RUN_COLUMNS(WITH_SHARDS) "ORDER BY id"};
	static const char *const without[] = {RUN_COLUMNS(NO_SHARDS) "WHERE id = ?1",
	                                      RUN_COLUMNS(NO_SHARDS) "ORDER BY id DESC LIMIT 1",
	                                      RUN_COLUMNS(NO_SHARDS) "ORDER BY id"};

	return st->has_shards ? with[which] : without[which];
}

static void
text_col(struct ta_sql_q *q, int col, char *dst, size_t cap)
{
	const char *s = ta_sql_text(q, col);

	snprintf(dst, cap, "%s", s ? s : "");
}

static void
run_row(struct ta_sql_q *q, struct ta_run_info *r)
{
	memset(r, 0, sizeof *r);
	r->id = ta_sql_int(q, 0);
	text_col(q, 1, r->label, sizeof r->label);
	text_col(q, 2, r->started, sizeof r->started);
	text_col(q, 3, r->ended, sizeof r->ended);
	text_col(q, 4, r->status, sizeof r->status);
	text_col(q, 5, r->tool_version, sizeof r->tool_version);
	text_col(q, 6, r->fingerprint, sizeof r->fingerprint);
	r->ntargets = (size_t)ta_sql_int(q, 7);
	r->nerrors = (size_t)ta_sql_int(q, 8);
	r->nshards = (unsigned)ta_sql_int(q, 9);
	r->shards_done = (unsigned)ta_sql_int(q, 10);
}

int
ta_store_run_last_of(struct ta_store *st, const char *fingerprint, struct ta_run_info *info)
{
	/* a run of shards is resumed shard by shard (ta_store_run_shard) */
	int64_t id = int_of(st,
	                    st->has_shards ? "SELECT max(id) FROM runs WHERE fingerprint = ?1 "
	                                     "AND NOT EXISTS (SELECT 1 FROM shards s "
	                                     "WHERE s.run = runs.id)"
	                                   : "SELECT max(id) FROM runs WHERE fingerprint = ?1",
	                    "t", fingerprint);

	if (id <= 0) {
		snprintf(st->err, sizeof st->err, "no run of these targets and options");
		return TA_EINVAL;
	}
	return ta_store_run_get(st, id, info);
}

int
ta_store_run_get(struct ta_store *st, int64_t id, struct ta_run_info *info)
{
	struct ta_sql_q *q = id ? ta_store_query(st, run_columns(st, 0), "i", id)
	                        : ta_store_query(st, run_columns(st, 1), "");
	int rc, step;

	if (!q)
		return TA_ESYS;
	step = ta_sql_step(q);
	if (step == TA_SQL_ROW) {
		run_row(q, info);
		rc = TA_OK;
	} else if (step == TA_SQL_DONE) {
		snprintf(st->err, sizeof st->err, id ? "no run %lld" : "no run yet", (long long)id);
		rc = TA_EINVAL;
	} else {
		rc = ta_store_failed(st, "cannot read the runs");
	}
	ta_sql_finalize(q);
	return rc;
}

int
ta_store_runs(struct ta_store *st, int (*fn)(void *arg, const struct ta_run_info *r), void *arg)
{
	struct ta_sql_q *q = ta_store_query(st, run_columns(st, 2), "");
	struct ta_run_info r;
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	while ((step = ta_sql_step(q)) == TA_SQL_ROW) {
		run_row(q, &r);
		if ((rc = fn(arg, &r)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != TA_SQL_DONE)
		rc = ta_store_failed(st, "cannot read the runs");
	ta_sql_finalize(q);
	return rc;
}

json_t *
ta_store_run_header(struct ta_store *st, int64_t run)
{
	struct ta_sql_q *q = ta_store_query(st, "SELECT header FROM runs WHERE id = ?1", "i", run);
	json_t *h = NULL;

	if (!q)
		return NULL;
	if (ta_sql_step(q) == TA_SQL_ROW) {
		const char *text = ta_sql_text(q, 0);

		h = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
		if (h && !json_is_object(h)) {
			json_decref(h);
			h = NULL;
		}
		if (!h)
			snprintf(st->err, sizeof st->err, "run %lld: its header is damaged",
			         (long long)run);
	}
	ta_sql_finalize(q);
	return h;
}
