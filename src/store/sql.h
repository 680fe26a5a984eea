/*
 * The store's two databases behind one small interface (sql.c): an SQLite
 * file (sql_sqlite.c) or a PostgreSQL database (sql_pg.c, --db
 * postgresql://...), so that the store's queries (store.c, store_docs.c)
 * are written once.  A query names its parameters ?1, ?2... (the PostgreSQL
 * driver makes them $1, $2...) and uses only SQL both databases take:
 * INSERT ... ON CONFLICT, RETURNING, CAST(... AS TEXT).  Each driver owns
 * its schema: the tables it creates, how it marks a database as ours and
 * refuses one that is not.
 */
#ifndef TA_STORE_SQL_H
#define TA_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct ta_sql;
struct ta_sql_q;

enum { TA_SQL_ROW = 1, TA_SQL_DONE = 2, TA_SQL_ERR = 3 };
#define TA_SQL_MAX_PARAMS 12

struct ta_sql_ops {
	const char *name; /* "SQLite", "PostgreSQL" */
	/* connect, and check the schema (or, writing, create it) */
	int (*open)(const char *where, enum ta_store_mode mode, struct ta_sql **out, char *err,
	            size_t errlen);
	void (*close)(struct ta_sql *db);
	const char *(*errmsg)(struct ta_sql *db);
	int (*exec)(struct ta_sql *db, const char *sql);
	int (*begin)(struct ta_sql *db, bool exclusive);
	bool (*has_table)(struct ta_sql *db, const char *name);
	struct ta_sql_q *(*prepare)(struct ta_sql *db, const char *sql);
	void (*bind_text)(struct ta_sql_q *q, int i, const char *s);
	void (*bind_int)(struct ta_sql_q *q, int i, int64_t v);
	void (*bind_blob)(struct ta_sql_q *q, int i, const void *p, size_t len);
	int (*step)(struct ta_sql_q *q);
	const char *(*text)(struct ta_sql_q *q, int col); /* NULL for NULL */
	int64_t (*integer)(struct ta_sql_q *q, int col);
	const void *(*blob)(struct ta_sql_q *q, int col, size_t *len);
	void (*reset)(struct ta_sql_q *q); /* run again, with the bindings rebound */
	void (*finalize)(struct ta_sql_q *q);
};

/* What every connection starts with, for the calls below. */
struct ta_sql {
	const struct ta_sql_ops *ops;
};
struct ta_sql_q {
	struct ta_sql *db;
};

extern const struct ta_sql_ops ta_sql_sqlite;
extern const struct ta_sql_ops ta_sql_pg;

/* Is where a PostgreSQL connection URI (postgresql:// or postgres://)? */
bool ta_sql_is_pg(const char *where);

static inline const char *
ta_sql_errmsg(struct ta_sql *db)
{
	return db->ops->errmsg(db);
}
static inline int
ta_sql_exec(struct ta_sql *db, const char *sql)
{
	return db->ops->exec(db, sql);
}
static inline int
ta_sql_begin(struct ta_sql *db, bool exclusive)
{
	return db->ops->begin(db, exclusive);
}
static inline bool
ta_sql_has_table(struct ta_sql *db, const char *name)
{
	return db->ops->has_table(db, name);
}
static inline struct ta_sql_q *
ta_sql_prepare(struct ta_sql *db, const char *sql)
{
	return db->ops->prepare(db, sql);
}
static inline void
ta_sql_bind_text(struct ta_sql_q *q, int i, const char *s)
{
	q->db->ops->bind_text(q, i, s);
}
static inline void
ta_sql_bind_int(struct ta_sql_q *q, int i, int64_t v)
{
	q->db->ops->bind_int(q, i, v);
}
static inline void
ta_sql_bind_blob(struct ta_sql_q *q, int i, const void *p, size_t len)
{
	q->db->ops->bind_blob(q, i, p, len);
}
static inline int
ta_sql_step(struct ta_sql_q *q)
{
	return q->db->ops->step(q);
}
static inline const char *
ta_sql_text(struct ta_sql_q *q, int col)
{
	return q->db->ops->text(q, col);
}
static inline int64_t
ta_sql_int(struct ta_sql_q *q, int col)
{
	return q->db->ops->integer(q, col);
}
static inline const void *
ta_sql_blob(struct ta_sql_q *q, int col, size_t *len)
{
	return q->db->ops->blob(q, col, len);
}
static inline void
ta_sql_reset(struct ta_sql_q *q)
{
	q->db->ops->reset(q);
}
static inline void
ta_sql_finalize(struct ta_sql_q *q)
{
	if (q)
		q->db->ops->finalize(q);
}

#endif
