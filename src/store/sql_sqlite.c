/*
 * The store in one SQLite file (sql.h, docs/store.md).  Write-ahead log and
 * one transaction per document: a process killed mid-run leaves every
 * committed target readable and the run resumable; shards on one machine
 * wait their turn to write (busy timeout).  The file is marked with
 * SQLite's application_id and a schema number; a file that is not ours,
 * or of a newer schema, is refused before anything is written to it, and
 * one of schema 1 is brought to 2 (the shards table) when opened to write.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql.h"
#include "wire/rd.h" /* TA_TRY */

#define APP_ID 0x544c5341 /* "TLSA" */
#define SCHEMA 2

struct lite {
	struct ta_sql base;
	sqlite3 *db;
};
struct lite_q {
	struct ta_sql_q base;
	sqlite3_stmt *st;
};

static const char *const schema_sql =
        "CREATE TABLE IF NOT EXISTS runs ("
        " id INTEGER PRIMARY KEY,"
        " label TEXT NOT NULL DEFAULT '',"
        " started TEXT NOT NULL,"
        " ended TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL,"
        " tool_version TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL,"
        " options TEXT NOT NULL,"
        " header TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS results ("
        " run INTEGER NOT NULL REFERENCES runs(id),"
        " key TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " host TEXT NOT NULL,"
        " port INTEGER NOT NULL,"
        " ip TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " doc BLOB NOT NULL,"
        " PRIMARY KEY (run, key));"
        "CREATE INDEX IF NOT EXISTS results_by_seq ON results (run, seq);"
        "CREATE INDEX IF NOT EXISTS results_by_host ON results (host, run);"
        "CREATE INDEX IF NOT EXISTS results_by_key ON results (key, run);"
        "CREATE TABLE IF NOT EXISTS certs ("
        " run INTEGER NOT NULL REFERENCES runs(id),"
        " key TEXT NOT NULL,"
        " chain INTEGER NOT NULL,"
        " depth INTEGER NOT NULL,"
        " subject TEXT NOT NULL,"
        " issuer TEXT NOT NULL,"
        " not_after TEXT NOT NULL,"
        " sha256 TEXT NOT NULL,"
        " PRIMARY KEY (run, key, chain, depth));";

/* the tables added since schema 1's first stores: made when missing */
static const char *const later_sql = "CREATE TABLE IF NOT EXISTS inventory ("
                                     " key TEXT PRIMARY KEY,"
                                     " pos INTEGER NOT NULL,"
                                     " row TEXT NOT NULL);"
                                     "CREATE TABLE IF NOT EXISTS shards ("
                                     " run INTEGER NOT NULL REFERENCES runs(id),"
                                     " shard INTEGER NOT NULL,"
                                     " nshards INTEGER NOT NULL,"
                                     " status TEXT NOT NULL,"
                                     " started TEXT NOT NULL,"
                                     " ended TEXT NOT NULL DEFAULT '',"
                                     " PRIMARY KEY (run, shard));";

static const char *
lite_errmsg(struct ta_sql *db)
{
	return sqlite3_errmsg(((struct lite *)db)->db);
}

static int
lite_exec(struct ta_sql *db, const char *sql)
{
	return sqlite3_exec(((struct lite *)db)->db, sql, NULL, NULL, NULL) == SQLITE_OK ? TA_OK
	                                                                                 : TA_ESYS;
}

/* One integer from a query without parameters; -1 when it fails. */
static long long
scalar(struct lite *l, const char *sql)
{
	sqlite3_stmt *q;
	long long v = -1;

	if (sqlite3_prepare_v2(l->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Create the schema, or bring schema 1 to 2, in the caller's transaction. */
static int
make_schema(struct lite *l, bool fresh)
{
	char sql[128];

	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;", APP_ID,
	         SCHEMA);
	if (fresh && lite_exec(&l->base, schema_sql) != TA_OK)
		return TA_ESYS;
	return lite_exec(&l->base, later_sql) == TA_OK ? lite_exec(&l->base, sql) : TA_ESYS;
}

/* An empty file gets the schema (when writing); ours is checked; anything
 * else refused.  In one transaction (writing: the file's write lock), so
 * that processes opening a new file together see it empty or made. */
static int
check_schema(struct lite *l, const char *path, bool write, char *err, size_t errlen)
{
	long long app, ver, tables;

	if (lite_exec(&l->base, write ? "BEGIN IMMEDIATE" : "BEGIN") != TA_OK) {
		if (sqlite3_errcode(l->db) == SQLITE_NOTADB)
			snprintf(err, errlen, "'%.200s' is not an SQLite file", path);
		else
			snprintf(err, errlen, "cannot read '%.150s': %s", path,
			         sqlite3_errmsg(l->db));
		return TA_EINVAL;
	}
	app = scalar(l, "PRAGMA application_id");
	ver = scalar(l, "PRAGMA user_version");
	tables = scalar(l, "SELECT count(*) FROM sqlite_master");
	if (app < 0 || ver < 0 || tables < 0) {
		if (sqlite3_errcode(l->db) == SQLITE_NOTADB)
			snprintf(err, errlen, "'%.200s' is not an SQLite file", path);
		else
			snprintf(err, errlen, "cannot read '%.150s': %s", path,
			         sqlite3_errmsg(l->db));
	} else if (tables == 0 && app == 0 && !write) {
		snprintf(err, errlen, "'%.200s' is empty, not a store", path);
	} else if (tables == 0 && app == 0) {
		if (make_schema(l, true) == TA_OK)
			return lite_exec(&l->base, "COMMIT");
		snprintf(err, errlen, "cannot create the store: %s", sqlite3_errmsg(l->db));
	} else if (app != APP_ID) {
		snprintf(err, errlen, "'%.200s' is an SQLite file of something else", path);
	} else if (ver < 1 || ver > SCHEMA) {
		snprintf(err, errlen,
		         "'%.150s' is a store of schema %lld; this tlsaudit reads 1 to %d", path,
		         ver, SCHEMA);
	} else if (write && ver < SCHEMA && make_schema(l, false) != TA_OK) {
		snprintf(err, errlen, "cannot bring '%.150s' to schema %d: %s", path, SCHEMA,
		         sqlite3_errmsg(l->db));
	} else {
		return lite_exec(&l->base, "COMMIT");
	}
	(void)lite_exec(&l->base, "ROLLBACK");
	return TA_EINVAL;
}

static void
lite_close(struct ta_sql *db)
{
	struct lite *l = (struct lite *)db;

	if (!l)
		return;
	sqlite3_close(l->db);
	free(l);
}

static int
lite_open(const char *path, enum ta_store_mode mode, struct ta_sql **out, char *err, size_t errlen)
{
	int flags = mode == TA_STORE_READ    ? SQLITE_OPEN_READONLY
	            : mode == TA_STORE_WRITE ? SQLITE_OPEN_READWRITE
	                                     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct lite *l = calloc(1, sizeof *l);
	int rc;

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	l->base.ops = &ta_sql_sqlite;
	if (sqlite3_open_v2(path, &l->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%.200s': %s", path,
		         l->db ? sqlite3_errmsg(l->db) : "out of memory");
		lite_close(&l->base);
		return TA_EINVAL;
	}
	sqlite3_busy_timeout(l->db, 30000); /* shards writing one file wait their turn */
	rc = check_schema(l, path, mode != TA_STORE_READ, err, errlen);
	if (rc == TA_OK && mode != TA_STORE_READ &&
	    lite_exec(&l->base, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	                        "PRAGMA foreign_keys = ON;") != TA_OK) {
		snprintf(err, errlen, "cannot open '%.150s': %s", path, sqlite3_errmsg(l->db));
		rc = TA_ESYS;
	}
	if (rc != TA_OK) {
		lite_close(&l->base);
		return rc;
	}
	*out = &l->base;
	return TA_OK;
}

static int
lite_begin(struct ta_sql *db, bool exclusive)
{
	(void)exclusive; /* every write transaction of SQLite excludes the others */
	return lite_exec(db, "BEGIN IMMEDIATE");
}

static bool
lite_has_table(struct ta_sql *db, const char *name)
{
	sqlite3_stmt *q;
	bool has = false;

	if (sqlite3_prepare_v2(((struct lite *)db)->db,
	                       "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1,
	                       &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	has = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return has;
}

static struct ta_sql_q *
lite_prepare(struct ta_sql *db, const char *sql)
{
	struct lite_q *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->base.db = db;
	if (sqlite3_prepare_v2(((struct lite *)db)->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
		free(q);
		return NULL;
	}
	return &q->base;
}

static sqlite3_stmt *
st_of(struct ta_sql_q *q)
{
	return ((struct lite_q *)q)->st;
}

static void
lite_bind_text(struct ta_sql_q *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st_of(q), i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st_of(q), i);
}

static void
lite_bind_int(struct ta_sql_q *q, int i, int64_t v)
{
	sqlite3_bind_int64(st_of(q), i, v);
}

static void
lite_bind_blob(struct ta_sql_q *q, int i, const void *p, size_t len)
{
	sqlite3_bind_blob64(st_of(q), i, p, len, SQLITE_TRANSIENT);
}

static int
lite_step(struct ta_sql_q *q)
{
	int rc = sqlite3_step(st_of(q));

	return rc == SQLITE_ROW ? TA_SQL_ROW : rc == SQLITE_DONE ? TA_SQL_DONE : TA_SQL_ERR;
}

static const char *
lite_text(struct ta_sql_q *q, int col)
{
	return (const char *)sqlite3_column_text(st_of(q), col);
}

static int64_t
lite_integer(struct ta_sql_q *q, int col)
{
	return sqlite3_column_int64(st_of(q), col);
}

static const void *
lite_blob(struct ta_sql_q *q, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st_of(q), col);
	int n = sqlite3_column_bytes(st_of(q), col);

	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static void
lite_reset(struct ta_sql_q *q)
{
	sqlite3_reset(st_of(q));
}

static void
lite_finalize(struct ta_sql_q *q)
{
	sqlite3_finalize(st_of(q));
	free(q);
}

const struct ta_sql_ops ta_sql_sqlite = {
        .name = "SQLite",
        .open = lite_open,
        .close = lite_close,
        .errmsg = lite_errmsg,
        .exec = lite_exec,
        .begin = lite_begin,
        .has_table = lite_has_table,
        .prepare = lite_prepare,
        .bind_text = lite_bind_text,
        .bind_int = lite_bind_int,
        .bind_blob = lite_bind_blob,
        .step = lite_step,
        .text = lite_text,
        .integer = lite_integer,
        .blob = lite_blob,
        .reset = lite_reset,
        .finalize = lite_finalize,
};
