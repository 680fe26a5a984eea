/*
 * The store in a PostgreSQL database (--db postgresql://..., sql.h,
 * docs/store.md), so that several machines write one store: the shards of
 * a run on a cluster.  libpq, one connection, each query sent with its
 * parameters apart from its text (PQexecParams; a document as binary
 * bytea), results read as text.  The database is marked as ours by the
 * table tlsaudit_meta (application, schema); the tables are made, under
 * an advisory lock so that shards starting together make them once, only
 * in a database that holds none of their names already.  Text columns
 * sort bytewise (COLLATE "C"), as SQLite does, so both stores list in the
 * same order.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql.h"
#include "wire/rd.h" /* TA_TRY */

#define SCHEMA   "2"
#define LOCK_KEY "1414288193" /* "TLSA": the advisory lock of schema and run changes */
#define MAX_SQL  2048

struct pg {
	struct ta_sql base;
	PGconn *conn;
	char err[256];
};
struct pg_q {
	struct ta_sql_q base;
	char sql[MAX_SQL];
	int nparams;
	char *val[TA_SQL_MAX_PARAMS];
	int len[TA_SQL_MAX_PARAMS];
	int fmt[TA_SQL_MAX_PARAMS];
	PGresult *res;
	int row, nrows;
	unsigned char *blob; /* the last bytea read, unescaped */
};

#define T " TEXT COLLATE \"C\" NOT NULL"
static const char *const schema_sql =
        "CREATE TABLE tlsaudit_meta (name" T " PRIMARY KEY, value" T ");"
        "INSERT INTO tlsaudit_meta VALUES ('application', 'tlsaudit'), ('schema', " SCHEMA ");"
        "CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, label" T " DEFAULT '', started" T ", ended" T
        " DEFAULT '', status" T ", tool_version" T ", fingerprint" T ", options" T ", header" T ");"
        "CREATE TABLE results (run BIGINT NOT NULL REFERENCES runs(id), key" T
        ", seq BIGINT NOT NULL, host" T ", port INTEGER NOT NULL, ip" T ", status" T
        ", doc BYTEA NOT NULL, PRIMARY KEY (run, key));"
        "CREATE INDEX results_by_seq ON results (run, seq);"
        "CREATE INDEX results_by_host ON results (host, run);"
        "CREATE INDEX results_by_key ON results (key, run);"
        "CREATE TABLE certs (run BIGINT NOT NULL REFERENCES runs(id), key" T
        ", chain INTEGER NOT NULL, depth INTEGER NOT NULL, subject" T ", issuer" T ", not_after" T
        ", sha256" T ", PRIMARY KEY (run, key, chain, depth));"
        "CREATE TABLE inventory (key" T " PRIMARY KEY, pos BIGINT NOT NULL, row" T ");"
        "CREATE TABLE shards (run BIGINT NOT NULL REFERENCES runs(id),"
        " shard INTEGER NOT NULL, nshards INTEGER NOT NULL, status" T ", started" T ", ended" T
        " DEFAULT '', PRIMARY KEY (run, shard));";
#undef T
static const char *const our_tables[] = {"runs", "results", "certs", "inventory", "shards"};

bool
ta_sql_is_pg(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

/* libpq's message, on one line. */
static void
keep_error(struct pg *p, const char *msg)
{
	size_t n;

	snprintf(p->err, sizeof p->err, "%s", msg && *msg ? msg : "PostgreSQL failed");
	n = strcspn(p->err, "\r\n");
	p->err[n] = '\0';
}

static const char *
pg_errmsg(struct ta_sql *db)
{
	return ((struct pg *)db)->err;
}

static int
pg_exec(struct ta_sql *db, const char *sql)
{
	struct pg *p = (struct pg *)db;
	PGresult *r = PQexec(p->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? TA_OK : TA_ESYS;

	if (rc != TA_OK)
		keep_error(p, r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn));
	PQclear(r);
	return rc;
}

static int
pg_begin(struct ta_sql *db, bool exclusive)
{
	TA_TRY(pg_exec(db, "BEGIN"));
	if (exclusive && pg_exec(db, "SELECT pg_advisory_xact_lock(" LOCK_KEY ")") != TA_OK) {
		(void)pg_exec(db, "ROLLBACK");
		return TA_ESYS;
	}
	return TA_OK;
}

static struct ta_sql_q *pg_prepare(struct ta_sql *db, const char *sql);
static void pg_bind_text(struct ta_sql_q *q, int i, const char *s);
static int pg_step(struct ta_sql_q *q);
static const char *pg_text(struct ta_sql_q *q, int col);
static void pg_finalize(struct ta_sql_q *q);

static bool
pg_has_table(struct ta_sql *db, const char *name)
{
	struct ta_sql_q *q = pg_prepare(db, "SELECT 1 FROM information_schema.tables "
	                                    "WHERE table_schema = current_schema() "
	                                    "AND table_name = ?1");
	bool has;

	if (!q)
		return false;
	pg_bind_text(q, 1, name);
	has = pg_step(q) == TA_SQL_ROW;
	pg_finalize(q);
	return has;
}

/* The schema number of the database; "" when it has none of ours. */
static void
schema_of(struct pg *p, char *out, size_t cap)
{
	struct ta_sql_q *q;

	out[0] = '\0';
	if (!pg_has_table(&p->base, "tlsaudit_meta"))
		return;
	q = pg_prepare(&p->base, "SELECT value FROM tlsaudit_meta WHERE name = 'schema'");
	if (q && pg_step(q) == TA_SQL_ROW)
		snprintf(out, cap, "%s", pg_text(q, 0) ? pg_text(q, 0) : "?");
	else
		snprintf(out, cap, "?");
	pg_finalize(q);
}

/* Make the tables once, in a database that has none of their names. */
static int
make_schema(struct pg *p, char *err, size_t errlen)
{
	char ver[16];

	if (pg_begin(&p->base, true) != TA_OK) {
		snprintf(err, errlen, "PostgreSQL: %s", p->err);
		return TA_ESYS;
	}
	schema_of(p, ver, sizeof ver);
	if (ver[0]) /* another process made it while we waited */
		return pg_exec(&p->base, "COMMIT");
	for (size_t i = 0; i < sizeof our_tables / sizeof *our_tables; i++)
		if (pg_has_table(&p->base, our_tables[i])) {
			(void)pg_exec(&p->base, "ROLLBACK");
			snprintf(err, errlen,
			         "the PostgreSQL database has a table '%s' that is not tlsaudit's: "
			         "give tlsaudit a database of its own",
			         our_tables[i]);
			return TA_EINVAL;
		}
	if (pg_exec(&p->base, schema_sql) != TA_OK || pg_exec(&p->base, "COMMIT") != TA_OK) {
		snprintf(err, errlen, "cannot create the store in PostgreSQL: %s", p->err);
		(void)pg_exec(&p->base, "ROLLBACK");
		return TA_ESYS;
	}
	return TA_OK;
}

static void
pg_close(struct ta_sql *db)
{
	struct pg *p = (struct pg *)db;

	if (!p)
		return;
	PQfinish(p->conn);
	free(p);
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg; /* NOTICEs ("already exists, skipping") are not for the user */
	(void)msg;
}

static int
pg_open(const char *uri, enum ta_store_mode mode, struct ta_sql **out, char *err, size_t errlen)
{
	/* defaults first: what the URI says wins (expand_dbname) */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const vals[] = {"15", "tlsaudit", uri, NULL};
	struct pg *p = calloc(1, sizeof *p);
	char ver[16];
	int rc = TA_OK;

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	p->base.ops = &ta_sql_pg;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
		/* the message, never the URI: it may hold a password */
		keep_error(p, p->conn ? PQerrorMessage(p->conn) : "out of memory");
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", p->err);
		pg_close(&p->base);
		return TA_EINVAL;
	}
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	schema_of(p, ver, sizeof ver);
	if (!ver[0] && mode != TA_STORE_CREATE) {
		snprintf(err, errlen, "the PostgreSQL database holds no tlsaudit store");
		rc = TA_EINVAL;
	} else if (!ver[0]) {
		rc = make_schema(p, err, errlen);
	} else if (strcmp(ver, SCHEMA) != 0) {
		snprintf(err, errlen,
		         "the PostgreSQL database holds a store of schema %s; this tlsaudit "
		         "reads schema " SCHEMA,
		         ver);
		rc = TA_EINVAL;
	}
	if (rc != TA_OK) {
		pg_close(&p->base);
		return rc;
	}
	*out = &p->base;
	return TA_OK;
}

/* The query with ?N made $N; its parameter count is the highest N. */
static struct ta_sql_q *
pg_prepare(struct ta_sql *db, const char *sql)
{
	struct pg_q *q = calloc(1, sizeof *q);
	size_t n = 0;

	if (!q)
		return NULL;
	q->base.db = db;
	for (const char *s = sql; *s; s++) {
		if (n + 2 >= sizeof q->sql) {
			keep_error((struct pg *)db, "a query is too long");
			free(q);
			return NULL;
		}
		if (*s == '?' && s[1] >= '1' && s[1] <= '9') {
			int k = (int)strtol(s + 1, NULL, 10);

			q->nparams = k > q->nparams ? k : q->nparams;
			q->sql[n++] = '$';
			continue;
		}
		q->sql[n++] = *s;
	}
	if (q->nparams > TA_SQL_MAX_PARAMS) {
		keep_error((struct pg *)db, "a query has too many parameters");
		free(q);
		return NULL;
	}
	return &q->base;
}

static void
set_param(struct pg_q *q, int i, char *val, int len, int fmt)
{
	if (i < 1 || i > q->nparams) {
		free(val);
		return;
	}
	free(q->val[i - 1]);
	q->val[i - 1] = val;
	q->len[i - 1] = len;
	q->fmt[i - 1] = fmt;
}

static void
pg_bind_text(struct ta_sql_q *q, int i, const char *s)
{
	set_param((struct pg_q *)q, i, s ? strdup(s) : NULL, 0, 0);
}

static void
pg_bind_int(struct ta_sql_q *q, int i, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	set_param((struct pg_q *)q, i, strdup(buf), 0, 0);
}

static void
pg_bind_blob(struct ta_sql_q *q, int i, const void *p, size_t len)
{
	char *copy = len <= (size_t)1 << 30 ? malloc(len ? len : 1) : NULL;

	if (copy)
		memcpy(copy, p, len);
	set_param((struct pg_q *)q, i, copy, copy ? (int)len : 0, 1);
}

static int
pg_step(struct ta_sql_q *qq)
{
	struct pg_q *q = (struct pg_q *)qq;
	struct pg *p = (struct pg *)qq->db;

	if (!q->res) {
		ExecStatusType st;

		q->res = PQexecParams(p->conn, q->sql, q->nparams, NULL,
		                      (const char *const *)q->val, q->len, q->fmt, 0);
		st = PQresultStatus(q->res);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			keep_error(p,
			           q->res ? PQresultErrorMessage(q->res) : PQerrorMessage(p->conn));
			q->nrows = 0;
			q->row = 0;
			return TA_SQL_ERR;
		}
		q->nrows = PQntuples(q->res);
		q->row = -1;
	}
	if (q->row + 1 < q->nrows) {
		q->row++;
		return TA_SQL_ROW;
	}
	q->row = q->nrows;
	return TA_SQL_DONE;
}

static bool
in_row(const struct pg_q *q, int col)
{
	return q->res && q->row >= 0 && q->row < q->nrows && col >= 0 && col < PQnfields(q->res) &&
	       !PQgetisnull(q->res, q->row, col);
}

static const char *
pg_text(struct ta_sql_q *qq, int col)
{
	struct pg_q *q = (struct pg_q *)qq;

	return in_row(q, col) ? PQgetvalue(q->res, q->row, col) : NULL;
}

static int64_t
pg_integer(struct ta_sql_q *qq, int col)
{
	const char *s = pg_text(qq, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

static const void *
pg_blob(struct ta_sql_q *qq, int col, size_t *len)
{
	struct pg_q *q = (struct pg_q *)qq;
	const char *s = pg_text(qq, col);

	*len = 0;
	PQfreemem(q->blob);
	q->blob = s ? PQunescapeBytea((const unsigned char *)s, len) : NULL;
	if (!q->blob)
		*len = 0;
	return q->blob;
}

static void
pg_reset(struct ta_sql_q *qq)
{
	struct pg_q *q = (struct pg_q *)qq;

	PQclear(q->res);
	q->res = NULL;
	PQfreemem(q->blob);
	q->blob = NULL;
}

static void
pg_finalize(struct ta_sql_q *qq)
{
	struct pg_q *q = (struct pg_q *)qq;

	if (!q)
		return;
	pg_reset(qq);
	for (int i = 0; i < TA_SQL_MAX_PARAMS; i++)
		free(q->val[i]);
	free(q);
}

const struct ta_sql_ops ta_sql_pg = {
        .name = "PostgreSQL",
        .open = pg_open,
        .close = pg_close,
        .errmsg = pg_errmsg,
        .exec = pg_exec,
        .begin = pg_begin,
        .has_table = pg_has_table,
        .prepare = pg_prepare,
        .bind_text = pg_bind_text,
        .bind_int = pg_bind_int,
        .bind_blob = pg_bind_blob,
        .step = pg_step,
        .text = pg_text,
        .integer = pg_integer,
        .blob = pg_blob,
        .reset = pg_reset,
        .finalize = pg_finalize,
};
