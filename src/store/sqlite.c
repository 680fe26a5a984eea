/*
 * The store in one SQLite file (store.h, docs/store.md).  Write-ahead log
 * and one transaction per document: a process killed mid-run leaves every
 * committed target readable and the run resumable.  The file is marked with
 * SQLite's application_id and a schema number; a file that is not ours, or
 * of a newer schema, is refused before anything is written to it.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "store/store.h"
#include "wire/rd.h" /* TA_TRY */

#define APP_ID 0x544c5341 /* "TLSA" */
#define SCHEMA 1

struct ta_store {
	sqlite3 *db;
	char err[256];
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

/* added to schema 1 after its first stores: made when missing */
static const char *const inventory_sql = "CREATE TABLE IF NOT EXISTS inventory ("
                                         " key TEXT PRIMARY KEY,"
                                         " pos INTEGER NOT NULL,"
                                         " row TEXT NOT NULL);";

static int
failed(struct ta_store *st, const char *what)
{
	snprintf(st->err, sizeof st->err, "%.100s: %.150s", what, sqlite3_errmsg(st->db));
	return TA_ESYS;
}

const char *
ta_store_error(const struct ta_store *st)
{
	return st->err;
}

static int
exec(struct ta_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? TA_OK : failed(st, sql);
}

/* One integer from a query without parameters; -1 when it fails. */
static long long
scalar(struct ta_store *st, const char *sql)
{
	sqlite3_stmt *q;
	long long v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* An empty file gets the schema (when writing); ours is checked; anything
 * else refused. */
static int
check_schema(struct ta_store *st, const char *path, bool write)
{
	long long app = scalar(st, "PRAGMA application_id");
	long long ver = scalar(st, "PRAGMA user_version");
	long long tables = scalar(st, "SELECT count(*) FROM sqlite_master");

	if (app < 0 || ver < 0 || tables < 0) {
		int code = sqlite3_errcode(st->db);

		if (code == SQLITE_NOTADB)
			snprintf(st->err, sizeof st->err, "'%.200s' is not an SQLite file", path);
		else
			snprintf(st->err, sizeof st->err, "cannot read '%.150s': %s", path,
			         sqlite3_errmsg(st->db));
		return TA_EINVAL;
	}
	if (tables == 0 && app == 0 && !write) {
		snprintf(st->err, sizeof st->err, "'%.200s' is empty, not a store", path);
		return TA_EINVAL;
	}
	if (tables == 0 && app == 0) {
		char sql[128];

		snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		         APP_ID, SCHEMA);
		TA_TRY(exec(st, "BEGIN IMMEDIATE"));
		if (exec(st, schema_sql) != TA_OK || exec(st, sql) != TA_OK) {
			(void)exec(st, "ROLLBACK");
			return TA_ESYS;
		}
		return exec(st, "COMMIT");
	}
	if (app != APP_ID) {
		snprintf(st->err, sizeof st->err, "'%.200s' is an SQLite file of something else",
		         path);
		return TA_EINVAL;
	}
	if (ver != SCHEMA) {
		snprintf(st->err, sizeof st->err,
		         "'%.150s' is a store of schema %lld; this tlsaudit reads schema %d", path,
		         ver, SCHEMA);
		return TA_EINVAL;
	}
	return TA_OK;
}

int
ta_store_open(const char *path, enum ta_store_mode mode, struct ta_store **out, char *err,
              size_t errlen)
{
	int flags = mode == TA_STORE_READ    ? SQLITE_OPEN_READONLY
	            : mode == TA_STORE_WRITE ? SQLITE_OPEN_READWRITE
	                                     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct ta_store *st = calloc(1, sizeof *st);
	int rc;

	*out = NULL;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%.200s': %s", path,
		         st->db ? sqlite3_errmsg(st->db) : "out of memory");
		ta_store_close(st);
		return TA_EINVAL;
	}
	sqlite3_busy_timeout(st->db, 10000); /* shards writing one file wait their turn */
	rc = check_schema(st, path, mode != TA_STORE_READ);
	if (rc == TA_OK && mode != TA_STORE_READ)
		rc = exec(st, inventory_sql);
	if (rc == TA_OK && mode != TA_STORE_READ)
		rc = exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		              "PRAGMA foreign_keys = ON;");
	if (rc != TA_OK) {
		snprintf(err, errlen, "%s", st->err);
		ta_store_close(st);
		return rc;
	}
	*out = st;
	return TA_OK;
}

void
ta_store_close(struct ta_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

static void
iso_now(char *buf, size_t cap)
{
	time_t now = ta_now();
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static sqlite3_stmt *
prepare(struct ta_store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		(void)failed(st, "prepare");
		return NULL;
	}
	return q;
}

static void
text_col(sqlite3_stmt *q, int col, char *dst, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(q, col);

	snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

int
ta_store_run_begin(struct ta_store *st, const json_t *header, const char *options,
                   const char *label, const char *fingerprint, int64_t *run)
{
	char *head = json_dumps(header, JSON_COMPACT);
	const char *started = json_string_value(json_object_get(header, "report_time"));
	const char *version = json_string_value(json_object_get(header, "version"));
	sqlite3_stmt *q;
	int rc = TA_ESYS;

	if (!head)
		return TA_ENOMEM;
	q = prepare(st, "INSERT INTO runs (label, started, status, tool_version, fingerprint, "
	                "options, header) VALUES (?, ?, 'running', ?, ?, ?, ?)");
	if (q) {
		sqlite3_bind_text(q, 1, label ? label : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, started ? started : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, version ? version : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 4, fingerprint, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 5, options, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 6, head, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_DONE) {
			*run = sqlite3_last_insert_rowid(st->db);
			rc = TA_OK;
		} else {
			rc = failed(st, "cannot record the run");
		}
		sqlite3_finalize(q);
	}
	free(head);
	return rc;
}

int
ta_store_run_end(struct ta_store *st, int64_t run, const char *status)
{
	char now[32];
	sqlite3_stmt *q = prepare(st, "UPDATE runs SET status = ?, ended = ? WHERE id = ?");
	int rc;

	if (!q)
		return TA_ESYS;
	iso_now(now, sizeof now);
	sqlite3_bind_text(q, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, run);
	rc = sqlite3_step(q) == SQLITE_DONE ? TA_OK : failed(st, "cannot end the run");
	sqlite3_finalize(q);
	return rc;
}

#define RUN_COLUMNS                                                                                \
	"SELECT id, label, started, ended, status, tool_version, fingerprint,"                     \
	" (SELECT count(*) FROM results r WHERE r.run = runs.id),"                                 \
	" (SELECT count(*) FROM results r WHERE r.run = runs.id AND r.status = 'error')"           \
	" FROM runs "

static void
run_row(sqlite3_stmt *q, struct ta_run_info *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(q, 0);
	text_col(q, 1, r->label, sizeof r->label);
	text_col(q, 2, r->started, sizeof r->started);
	text_col(q, 3, r->ended, sizeof r->ended);
	text_col(q, 4, r->status, sizeof r->status);
	text_col(q, 5, r->tool_version, sizeof r->tool_version);
	text_col(q, 6, r->fingerprint, sizeof r->fingerprint);
	r->ntargets = (size_t)sqlite3_column_int64(q, 7);
	r->nerrors = (size_t)sqlite3_column_int64(q, 8);
}

/* The first row of a run query, into info; TA_EINVAL when none. */
static int
one_run(struct ta_store *st, const char *sql, int64_t id, struct ta_run_info *info)
{
	sqlite3_stmt *q = prepare(st, sql);
	int rc, step;

	if (!q)
		return TA_ESYS;
	if (id)
		sqlite3_bind_int64(q, 1, id);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		run_row(q, info);
		rc = TA_OK;
	} else if (step == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, id ? "no run %lld" : "no run yet", (long long)id);
		rc = TA_EINVAL;
	} else {
		rc = failed(st, "cannot read the runs");
	}
	sqlite3_finalize(q);
	return rc;
}

int
ta_store_run_last_of(struct ta_store *st, const char *fingerprint, struct ta_run_info *info)
{
	sqlite3_stmt *q = prepare(st, "SELECT max(id) FROM runs WHERE fingerprint = ?");
	int64_t id = 0;

	if (!q)
		return TA_ESYS;
	sqlite3_bind_text(q, 1, fingerprint, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (!id) {
		snprintf(st->err, sizeof st->err, "no run of these targets and options");
		return TA_EINVAL;
	}
	return ta_store_run_get(st, id, info);
}

int
ta_store_run_get(struct ta_store *st, int64_t id, struct ta_run_info *info)
{
	return one_run(st, id ? RUN_COLUMNS "WHERE id = ?" : RUN_COLUMNS "ORDER BY id DESC LIMIT 1",
	               id, info);
}

int
ta_store_runs(struct ta_store *st, int (*fn)(void *arg, const struct ta_run_info *r), void *arg)
{
	sqlite3_stmt *q = prepare(st, RUN_COLUMNS "ORDER BY id");
	struct ta_run_info r;
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		run_row(q, &r);
		if ((rc = fn(arg, &r)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != SQLITE_DONE)
		rc = failed(st, "cannot read the runs");
	sqlite3_finalize(q);
	return rc;
}

json_t *
ta_store_run_header(struct ta_store *st, int64_t run)
{
	sqlite3_stmt *q = prepare(st, "SELECT header FROM runs WHERE id = ?");
	json_t *h = NULL;

	if (!q)
		return NULL;
	sqlite3_bind_int64(q, 1, run);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(q, 0);

		h = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
		if (h && !json_is_object(h)) {
			json_decref(h);
			h = NULL;
		}
		if (!h)
			snprintf(st->err, sizeof st->err, "run %lld: its header is damaged",
			         (long long)run);
	}
	sqlite3_finalize(q);
	return h;
}

/* One certificate row: chain (which served chain) and depth (0 the leaf). */
static int
put_cert(struct ta_store *st, sqlite3_stmt *q, int64_t run, const char *key, size_t chain,
         size_t depth, const json_t *c)
{
	const char *f[4] = {json_string_value(json_object_get(c, "subject")),
	                    json_string_value(json_object_get(c, "issuer")),
	                    json_string_value(json_object_get(c, "not_after")),
	                    json_string_value(json_object_get(c, "sha256_fingerprint"))};

	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)chain);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)depth);
	for (int k = 0; k < 4; k++)
		sqlite3_bind_text(q, 5 + k, f[k] ? f[k] : "", -1, SQLITE_TRANSIENT);
	return sqlite3_step(q) == SQLITE_DONE ? TA_OK : failed(st, "cannot store a certificate");
}

/* Every certificate of doc (each served chain, leaf and the certificates
 * after it), in the transaction of the doc. */
static int
put_certs(struct ta_store *st, int64_t run, const char *key, const json_t *doc)
{
	sqlite3_stmt *q = prepare(st, "INSERT OR IGNORE INTO certs (run, key, chain, depth, "
	                              "subject, issuer, not_after, sha256) "
	                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	const json_t *leaf, *c;
	size_t i, k;
	int rc = TA_OK;

	if (!q)
		return TA_ESYS;
	json_array_foreach (json_object_get(doc, "certificates"), i, leaf) {
		if ((rc = put_cert(st, q, run, key, i, 0, leaf)) != TA_OK)
			break;
		json_array_foreach (json_object_get(leaf, "chain"), k, c)
			if ((rc = put_cert(st, q, run, key, i, k + 1, c)) != TA_OK)
				break;
		if (rc != TA_OK)
			break;
	}
	sqlite3_finalize(q);
	return rc;
}

int
ta_store_put(struct ta_store *st, int64_t run, size_t seq, const char *key, const json_t *doc)
{
	unsigned char *blob;
	size_t len;
	sqlite3_stmt *q;
	const char *ip = json_string_value(json_object_get(doc, "ip"));
	char host[256];
	int rc = ta_store_pack(doc, &blob, &len);

	/* names are matched without case (tlsaudit history) */
	snprintf(host, sizeof host, "%s", json_string_value(json_object_get(doc, "host")));
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);

	if (rc != TA_OK) {
		snprintf(st->err, sizeof st->err, "cannot pack a document");
		return rc;
	}
	if ((rc = exec(st, "BEGIN IMMEDIATE")) != TA_OK) {
		free(blob);
		return rc;
	}
	q = prepare(st, "INSERT OR REPLACE INTO results (run, key, seq, host, port, ip, status, "
	                "doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	rc = q ? TA_OK : TA_ESYS;
	if (q) {
		sqlite3_bind_int64(q, 1, run);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)seq);
		sqlite3_bind_text(q, 4, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 5, json_integer_value(json_object_get(doc, "port")));
		sqlite3_bind_text(q, 6, ip ? ip : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 7, json_string_value(json_object_get(doc, "status")), -1,
		                  SQLITE_TRANSIENT);
		sqlite3_bind_blob(q, 8, blob, (int)len, SQLITE_TRANSIENT);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = failed(st, "cannot store a target");
		sqlite3_finalize(q);
	}
	free(blob);
	if (rc == TA_OK) {
		sqlite3_stmt *d = prepare(st, "DELETE FROM certs WHERE run = ? AND key = ?");

		rc = d ? TA_OK : TA_ESYS;
		if (d) {
			sqlite3_bind_int64(d, 1, run);
			sqlite3_bind_text(d, 2, key, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(d) != SQLITE_DONE)
				rc = failed(st, "cannot store a target");
			sqlite3_finalize(d);
		}
	}
	if (rc == TA_OK)
		rc = put_certs(st, run, key, doc);
	if (rc == TA_OK)
		return exec(st, "COMMIT");
	(void)exec(st, "ROLLBACK");
	return rc;
}

bool
ta_store_has(struct ta_store *st, int64_t run, const char *key, bool *is_error)
{
	sqlite3_stmt *q = prepare(st, "SELECT status FROM results WHERE run = ? AND key = ?");
	bool has = false;

	if (!q)
		return false;
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *status = sqlite3_column_text(q, 0);

		has = true;
		*is_error = status && strcmp((const char *)status, "error") == 0;
	}
	sqlite3_finalize(q);
	return has;
}

/* The document in column col of q; NULL with the reason in st->err. */
static json_t *
doc_col(struct ta_store *st, sqlite3_stmt *q, int col)
{
	const void *blob = sqlite3_column_blob(q, col);
	int len = sqlite3_column_bytes(q, col);
	char why[200];
	json_t *doc;

	if (!blob || len <= 0) {
		snprintf(st->err, sizeof st->err, "a stored document is empty");
		return NULL;
	}
	doc = ta_store_unpack(blob, (size_t)len, why, sizeof why);
	if (!doc)
		snprintf(st->err, sizeof st->err, "%s", why);
	return doc;
}

json_t *
ta_store_get(struct ta_store *st, int64_t run, const char *key)
{
	sqlite3_stmt *q = prepare(st, "SELECT doc FROM results WHERE run = ? AND key = ?");
	json_t *doc = NULL;

	if (!q)
		return NULL;
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW)
		doc = doc_col(st, q, 0);
	sqlite3_finalize(q);
	return doc;
}

int
ta_store_each(struct ta_store *st, int64_t run, int (*fn)(void *arg, const char *key, json_t *doc),
              void *arg)
{
	sqlite3_stmt *q =
	        prepare(st, "SELECT key, doc FROM results WHERE run = ? ORDER BY seq, key");
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	sqlite3_bind_int64(q, 1, run);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		json_t *doc = doc_col(st, q, 1);

		if (!doc) {
			rc = TA_EINVAL;
			break;
		}
		rc = fn(arg, (const char *)sqlite3_column_text(q, 0), doc);
		json_decref(doc);
		if (rc != TA_OK)
			break;
	}
	if (rc == TA_OK && step != SQLITE_DONE)
		rc = failed(st, "cannot read the run");
	sqlite3_finalize(q);
	return rc;
}

int
ta_store_history(struct ta_store *st, const char *match,
                 int (*fn)(void *arg, const struct ta_run_info *r, const char *key, json_t *doc),
                 void *arg)
{
	sqlite3_stmt *q = prepare(
	        st, "SELECT run, key, doc FROM results WHERE key = lower(?1) OR host = lower(?1) "
	            "ORDER BY run, seq, key");
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	sqlite3_bind_text(q, 1, match, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct ta_run_info r;
		json_t *doc;

		if ((rc = ta_store_run_get(st, sqlite3_column_int64(q, 0), &r)) != TA_OK)
			break;
		if (!(doc = doc_col(st, q, 2))) {
			rc = TA_EINVAL;
			break;
		}
		rc = fn(arg, &r, (const char *)sqlite3_column_text(q, 1), doc);
		json_decref(doc);
		if (rc != TA_OK)
			break;
	}
	if (rc == TA_OK && step != SQLITE_DONE)
		rc = failed(st, "cannot read the history");
	sqlite3_finalize(q);
	return rc;
}

int
ta_store_certs(struct ta_store *st, int64_t run, const char *before,
               int (*fn)(void *arg, const struct ta_cert_row *c), void *arg)
{
	sqlite3_stmt *q = prepare(
	        st, "SELECT key, chain, depth, subject, issuer, not_after, sha256 FROM certs "
	            "WHERE run = ?1 AND (?2 IS NULL OR not_after < ?2) "
	            "ORDER BY not_after, key, chain, depth");
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	sqlite3_bind_int64(q, 1, run);
	if (before)
		sqlite3_bind_text(q, 2, before, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct ta_cert_row c = {
		        .key = (const char *)sqlite3_column_text(q, 0),
		        .chain = (size_t)sqlite3_column_int64(q, 1),
		        .depth = (size_t)sqlite3_column_int64(q, 2),
		        .subject = (const char *)sqlite3_column_text(q, 3),
		        .issuer = (const char *)sqlite3_column_text(q, 4),
		        .not_after = (const char *)sqlite3_column_text(q, 5),
		        .sha256 = (const char *)sqlite3_column_text(q, 6),
		};

		if (!c.key || !c.subject || !c.issuer || !c.not_after || !c.sha256)
			continue; /* NULLs only in a damaged file: not ours */
		if ((rc = fn(arg, &c)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != SQLITE_DONE)
		rc = failed(st, "cannot read the certificates");
	sqlite3_finalize(q);
	return rc;
}

int
ta_store_inventory_put(struct ta_store *st, const char *const *rows, const char *const *keys,
                       size_t n, bool replace)
{
	sqlite3_stmt *q;
	long long base;
	int rc;

	TA_TRY(exec(st, "BEGIN IMMEDIATE"));
	rc = replace ? exec(st, "DELETE FROM inventory") : TA_OK;
	base = rc == TA_OK ? scalar(st, "SELECT coalesce(max(pos), -1) + 1 FROM inventory") : -1;
	q = base >= 0 ? prepare(st, "INSERT INTO inventory (key, pos, row) VALUES (?1, ?2, ?3) "
	                            "ON CONFLICT (key) DO UPDATE SET row = excluded.row")
	              : NULL;
	rc = q ? TA_OK : TA_ESYS;
	for (size_t i = 0; rc == TA_OK && i < n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, base + (long long)i);
		sqlite3_bind_text(q, 3, rows[i], -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) != SQLITE_DONE) {
			rc = failed(st, "cannot store the inventory");
			break;
		}
	}
	sqlite3_finalize(q);
	if (rc == TA_OK)
		return exec(st, "COMMIT");
	(void)exec(st, "ROLLBACK");
	return rc;
}

int
ta_store_inventory_each(struct ta_store *st, int (*fn)(void *arg, const char *key, const char *row),
                        void *arg)
{
	sqlite3_stmt *q;
	int step, rc = TA_OK;

	if (scalar(st, "SELECT count(*) FROM sqlite_master WHERE name = 'inventory'") != 1)
		return TA_OK; /* a store no inventory was imported into */
	if (!(q = prepare(st, "SELECT key, row FROM inventory ORDER BY pos")))
		return TA_ESYS;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		const char *text = (const char *)sqlite3_column_text(q, 1);

		if (!key || !text) {
			snprintf(st->err, sizeof st->err, "an inventory row is damaged");
			rc = TA_EINVAL;
			break;
		}
		if ((rc = fn(arg, key, text)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != SQLITE_DONE)
		rc = failed(st, "cannot read the inventory");
	sqlite3_finalize(q);
	return rc;
}

json_t *
ta_store_latest(struct ta_store *st, const char *host, unsigned port, const char *proto,
                char *started, size_t cap)
{
	char prefix[400];
	sqlite3_stmt *q;
	json_t *doc = NULL;

	snprintf(prefix, sizeof prefix, "%s|%u|%s|", host, port, proto);
	for (char *p = prefix; *p && *p != '|'; p++)
		*p = (char)tolower((unsigned char)*p);
	q = prepare(st, "SELECT r.doc, u.started FROM results r JOIN runs u ON u.id = r.run "
	                "WHERE r.host = lower(?1) AND r.port = ?2 AND substr(r.key, 1, ?4) = ?3 "
	                "ORDER BY r.run DESC, r.seq LIMIT 1");
	if (!q)
		return NULL;
	sqlite3_bind_text(q, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, port);
	sqlite3_bind_text(q, 3, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)strlen(prefix));
	if (sqlite3_step(q) == SQLITE_ROW) {
		doc = doc_col(st, q, 0);
		if (doc)
			text_col(q, 1, started, cap);
	}
	sqlite3_finalize(q);
	return doc;
}
