/*
 * The store's documents (store.h): one transaction per target document,
 * with the certificates it served listed beside it for tlsaudit certs; the
 * documents read back, checked like any file (ta_store_unpack); and the
 * inventory's rows.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "wire/rd.h" /* TA_TRY */

/* One certificate row: chain (which served chain) and depth (0 the leaf). */
static int
put_cert(struct ta_store *st, struct ta_sql_q *q, int64_t run, const char *key, size_t chain,
         size_t depth, const json_t *c)
{
	const char *f[4] = {json_string_value(json_object_get(c, "subject")),
	                    json_string_value(json_object_get(c, "issuer")),
	                    json_string_value(json_object_get(c, "not_after")),
	                    json_string_value(json_object_get(c, "sha256_fingerprint"))};

	ta_sql_reset(q);
	ta_sql_bind_int(q, 1, run);
	ta_sql_bind_text(q, 2, key);
	ta_sql_bind_int(q, 3, (int64_t)chain);
	ta_sql_bind_int(q, 4, (int64_t)depth);
	for (int k = 0; k < 4; k++)
		ta_sql_bind_text(q, 5 + k, f[k] ? f[k] : "");
	return ta_sql_step(q) != TA_SQL_ERR ? TA_OK
	                                    : ta_store_failed(st, "cannot store a certificate");
}

/* Every certificate of doc (each served chain, leaf and the certificates
 * after it), in the transaction of the doc. */
static int
put_certs(struct ta_store *st, int64_t run, const char *key, const json_t *doc)
{
	struct ta_sql_q *q = ta_store_prepare(
	        st,
	        "INSERT INTO certs (run, key, chain, depth, subject, issuer, not_after, sha256) "
	        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING");
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
	ta_sql_finalize(q);
	return rc;
}

static int
put_result(struct ta_store *st, int64_t run, uint64_t seq, const char *key, const json_t *doc,
           const unsigned char *blob, size_t len)
{
	const char *ip = json_string_value(json_object_get(doc, "ip"));
	const char *status = json_string_value(json_object_get(doc, "status"));
	struct ta_sql_q *q = ta_store_prepare(
	        st, "INSERT INTO results (run, key, seq, host, port, ip, status, doc) "
	            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (run, key) DO UPDATE SET "
	            "seq = excluded.seq, host = excluded.host, port = excluded.port, "
	            "ip = excluded.ip, status = excluded.status, doc = excluded.doc");
	char host[256];
	int rc;

	/* names are matched without case (tlsaudit history) */
	snprintf(host, sizeof host, "%s", json_string_value(json_object_get(doc, "host")));
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!q)
		return TA_ESYS;
	ta_sql_bind_int(q, 1, run);
	ta_sql_bind_text(q, 2, key);
	ta_sql_bind_int(q, 3, (int64_t)seq);
	ta_sql_bind_text(q, 4, host);
	ta_sql_bind_int(q, 5, json_integer_value(json_object_get(doc, "port")));
	ta_sql_bind_text(q, 6, ip ? ip : "");
	ta_sql_bind_text(q, 7, status ? status : "");
	ta_sql_bind_blob(q, 8, blob, len);
	rc = ta_sql_step(q) != TA_SQL_ERR ? TA_OK : ta_store_failed(st, "cannot store a target");
	ta_sql_finalize(q);
	return rc;
}

int
ta_store_put(struct ta_store *st, int64_t run, uint64_t seq, const char *key, const json_t *doc)
{
	unsigned char *blob;
	size_t len;
	int rc = ta_store_pack(doc, &blob, &len);

	if (rc != TA_OK) {
		snprintf(st->err, sizeof st->err, "cannot pack a document");
		return rc;
	}
	if (ta_sql_begin(st->db, false) != TA_OK) {
		free(blob);
		return ta_store_failed(st, "begin");
	}
	rc = put_result(st, run, seq, key, doc, blob, len);
	free(blob);
	if (rc == TA_OK)
		rc = ta_store_exec(st, "cannot store a target",
		                   "DELETE FROM certs WHERE run = ?1 AND key = ?2", "it", run, key);
	if (rc == TA_OK)
		rc = put_certs(st, run, key, doc);
	return ta_store_finish(st, rc);
}

bool
ta_store_has(struct ta_store *st, int64_t run, const char *key, bool *is_error)
{
	struct ta_sql_q *q = ta_store_query(
	        st, "SELECT status FROM results WHERE run = ?1 AND key = ?2", "it", run, key);
	bool has = false;

	if (!q)
		return false;
	if (ta_sql_step(q) == TA_SQL_ROW) {
		const char *status = ta_sql_text(q, 0);

		has = true;
		*is_error = status && strcmp(status, "error") == 0;
	}
	ta_sql_finalize(q);
	return has;
}

/* The document in column col of q; NULL with the reason in st->err. */
static json_t *
doc_col(struct ta_store *st, struct ta_sql_q *q, int col)
{
	size_t len = 0;
	const void *blob = ta_sql_blob(q, col, &len);
	char why[200];
	json_t *doc;

	if (!blob || len == 0) {
		snprintf(st->err, sizeof st->err, "a stored document is empty");
		return NULL;
	}
	doc = ta_store_unpack(blob, len, why, sizeof why);
	if (!doc)
		snprintf(st->err, sizeof st->err, "%s", why);
	return doc;
}

json_t *
ta_store_get(struct ta_store *st, int64_t run, const char *key)
{
	struct ta_sql_q *q = ta_store_query(
	        st, "SELECT doc FROM results WHERE run = ?1 AND key = ?2", "it", run, key);
	json_t *doc = NULL;

	if (!q)
		return NULL;
	if (ta_sql_step(q) == TA_SQL_ROW)
		doc = doc_col(st, q, 0);
	ta_sql_finalize(q);
	return doc;
}

/* Documents are read a page at a time: PostgreSQL hands a query's whole
 * result over at once, and a run of 10,000 targets is 100 MB. */
#define PAGE 128

int
ta_store_each(struct ta_store *st, int64_t run, int (*fn)(void *arg, const char *key, json_t *doc),
              void *arg)
{
	int64_t seq = -1;
	char key[400] = "";
	int rc = TA_OK;

	for (;;) {
		struct ta_sql_q *q = ta_store_query(
		        st,
		        "SELECT key, doc, seq FROM results WHERE run = ?1 AND (seq > ?2 OR "
		        "(seq = ?2 AND key > CAST(?3 AS TEXT))) ORDER BY seq, key LIMIT ?4",
		        "iiti", run, seq, key, (int64_t)PAGE);
		int step, rows = 0;

		if (!q)
			return TA_ESYS;
		while ((step = ta_sql_step(q)) == TA_SQL_ROW) {
			const char *k = ta_sql_text(q, 0);
			json_t *doc = k && strlen(k) < sizeof key ? doc_col(st, q, 1) : NULL;

			if (!doc) {
				if (!k || strlen(k) >= sizeof key)
					snprintf(st->err, sizeof st->err,
					         "a stored key is damaged");
				rc = TA_EINVAL;
				break;
			}
			rows++;
			seq = ta_sql_int(q, 2);
			snprintf(key, sizeof key, "%s", k);
			rc = fn(arg, k, doc);
			json_decref(doc);
			if (rc != TA_OK)
				break;
		}
		if (rc == TA_OK && step != TA_SQL_DONE)
			rc = ta_store_failed(st, "cannot read the run");
		ta_sql_finalize(q);
		if (rc != TA_OK || rows < PAGE)
			return rc;
	}
}

int
ta_store_history(struct ta_store *st, const char *match,
                 int (*fn)(void *arg, const struct ta_run_info *r, const char *key, json_t *doc),
                 void *arg)
{
	struct ta_sql_q *q = ta_store_query(st,
	                                    "SELECT run, key, doc FROM results "
	                                    "WHERE key = lower(CAST(?1 AS TEXT)) "
	                                    "OR host = lower(CAST(?1 AS TEXT)) "
	                                    "ORDER BY run, seq, key",
	                                    "t", match);
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	/* the runs are read apart: one query at a time on a connection */
	while ((step = ta_sql_step(q)) == TA_SQL_ROW) {
		struct ta_run_info r;
		json_t *doc;

		if ((rc = ta_store_run_get(st, ta_sql_int(q, 0), &r)) != TA_OK)
			break;
		if (!(doc = doc_col(st, q, 2))) {
			rc = TA_EINVAL;
			break;
		}
		rc = fn(arg, &r, ta_sql_text(q, 1), doc);
		json_decref(doc);
		if (rc != TA_OK)
			break;
	}
	if (rc == TA_OK && step != TA_SQL_DONE)
		rc = ta_store_failed(st, "cannot read the history");
	ta_sql_finalize(q);
	return rc;
}

int
ta_store_certs(struct ta_store *st, int64_t run, const char *before,
               int (*fn)(void *arg, const struct ta_cert_row *c), void *arg)
{
	struct ta_sql_q *q = ta_store_query(
	        st,
	        "SELECT key, chain, depth, subject, issuer, not_after, sha256 FROM certs "
	        "WHERE run = ?1 AND (CAST(?2 AS TEXT) IS NULL OR not_after < CAST(?2 AS TEXT)) "
	        "ORDER BY not_after, key, chain, depth",
	        "it", run, before);
	int step, rc = TA_OK;

	if (!q)
		return TA_ESYS;
	while ((step = ta_sql_step(q)) == TA_SQL_ROW) {
		struct ta_cert_row c = {
		        .key = ta_sql_text(q, 0),
		        .chain = (size_t)ta_sql_int(q, 1),
		        .depth = (size_t)ta_sql_int(q, 2),
		        .subject = ta_sql_text(q, 3),
		        .issuer = ta_sql_text(q, 4),
		        .not_after = ta_sql_text(q, 5),
		        .sha256 = ta_sql_text(q, 6),
		};

		if (!c.key || !c.subject || !c.issuer || !c.not_after || !c.sha256)
			continue; /* NULLs only in a damaged file: not ours */
		if ((rc = fn(arg, &c)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != TA_SQL_DONE)
		rc = ta_store_failed(st, "cannot read the certificates");
	ta_sql_finalize(q);
	return rc;
}

int
ta_store_inventory_put(struct ta_store *st, const char *const *rows, const char *const *keys,
                       size_t n, bool replace)
{
	struct ta_sql_q *q = NULL;
	int64_t base = -1;
	int rc;

	TA_TRY(ta_sql_begin(st->db, true) == TA_OK ? TA_OK : ta_store_failed(st, "begin"));
	rc = replace ? ta_store_exec(st, "cannot store the inventory", "DELETE FROM inventory", "")
	             : TA_OK;
	if (rc == TA_OK &&
	    (q = ta_store_query(st, "SELECT coalesce(max(pos), -1) + 1 FROM inventory", "")) &&
	    ta_sql_step(q) == TA_SQL_ROW)
		base = ta_sql_int(q, 0);
	ta_sql_finalize(q);
	q = base >= 0 ? ta_store_prepare(st, "INSERT INTO inventory (key, pos, row) "
	                                     "VALUES (?1, ?2, ?3) ON CONFLICT (key) "
	                                     "DO UPDATE SET row = excluded.row")
	              : NULL;
	if (rc == TA_OK && !q)
		rc = ta_store_failed(st, "cannot store the inventory");
	for (size_t i = 0; rc == TA_OK && i < n; i++) {
		ta_sql_reset(q);
		ta_sql_bind_text(q, 1, keys[i]);
		ta_sql_bind_int(q, 2, base + (int64_t)i);
		ta_sql_bind_text(q, 3, rows[i]);
		if (ta_sql_step(q) == TA_SQL_ERR)
			rc = ta_store_failed(st, "cannot store the inventory");
	}
	ta_sql_finalize(q);
	return ta_store_finish(st, rc);
}

bool
ta_store_has_inventory(struct ta_store *st)
{
	return ta_sql_has_table(st->db, "inventory");
}

char *
ta_store_inventory_row(struct ta_store *st, const char *key)
{
	struct ta_sql_q *q =
	        ta_store_query(st, "SELECT row FROM inventory WHERE key = ?1", "t", key);
	char *row = NULL;

	if (!q)
		return NULL;
	if (ta_sql_step(q) == TA_SQL_ROW && ta_sql_text(q, 0))
		row = strdup(ta_sql_text(q, 0));
	ta_sql_finalize(q);
	return row;
}

int
ta_store_inventory_each(struct ta_store *st, int (*fn)(void *arg, const char *key, const char *row),
                        void *arg)
{
	struct ta_sql_q *q;
	int step, rc = TA_OK;

	if (!ta_sql_has_table(st->db, "inventory"))
		return TA_OK; /* a store of schema 1 no inventory was imported into */
	if (!(q = ta_store_query(st, "SELECT key, row FROM inventory ORDER BY pos", "")))
		return TA_ESYS;
	while ((step = ta_sql_step(q)) == TA_SQL_ROW) {
		const char *key = ta_sql_text(q, 0);
		const char *text = ta_sql_text(q, 1);

		if (!key || !text) {
			snprintf(st->err, sizeof st->err, "an inventory row is damaged");
			rc = TA_EINVAL;
			break;
		}
		if ((rc = fn(arg, key, text)) != TA_OK)
			break;
	}
	if (rc == TA_OK && step != TA_SQL_DONE)
		rc = ta_store_failed(st, "cannot read the inventory");
	ta_sql_finalize(q);
	return rc;
}

json_t *
ta_store_latest(struct ta_store *st, const char *host, unsigned port, const char *proto,
                char *started, size_t cap)
{
	char prefix[400];
	struct ta_sql_q *q;
	json_t *doc = NULL;

	snprintf(prefix, sizeof prefix, "%s|%u|%s|", host, port, proto);
	for (char *p = prefix; *p && *p != '|'; p++)
		*p = (char)tolower((unsigned char)*p);
	q = ta_store_query(st,
	                   "SELECT r.doc, u.started FROM results r JOIN runs u ON u.id = r.run "
	                   "WHERE r.host = lower(CAST(?1 AS TEXT)) AND r.port = ?2 "
	                   "AND substr(r.key, 1, ?4) = ?3 ORDER BY r.run DESC, r.seq LIMIT 1",
	                   "titi", host, (int64_t)port, prefix, (int64_t)strlen(prefix));
	if (!q)
		return NULL;
	if (ta_sql_step(q) == TA_SQL_ROW) {
		doc = doc_col(st, q, 0);
		if (doc)
			snprintf(started, cap, "%s", ta_sql_text(q, 1) ? ta_sql_text(q, 1) : "");
	}
	ta_sql_finalize(q);
	return doc;
}
