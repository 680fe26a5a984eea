/*
 * What the two files of the store share (store.c: runs and shards;
 * store_docs.c: documents, certificates, the inventory).
 */
#ifndef TA_STORE_STORE_INT_H
#define TA_STORE_STORE_INT_H

#include <stdarg.h>
#include <stdbool.h>

#include "store/sql.h"

struct ta_store {
	struct ta_sql *db;
	bool has_shards; /* a file of schema 1 opened to read has no shards table */
	char err[256];
};

/* Keep "what: the database's message" as the store's error; TA_ESYS. */
int ta_store_failed(struct ta_store *st, const char *what);
/* A query; NULL (the error kept) when it cannot be prepared. */
struct ta_sql_q *ta_store_prepare(struct ta_store *st, const char *sql);
/* A query with its parameters bound: types has one letter per parameter,
 * 'i' an int64_t, 't' a string (NULL: SQL NULL). */
struct ta_sql_q *ta_store_query(struct ta_store *st, const char *sql, const char *types, ...);
struct ta_sql_q *ta_store_vquery(struct ta_store *st, const char *sql, const char *types,
                                 va_list ap);
/* Run a statement; TA_ESYS with "what: ..." kept when it fails. */
int ta_store_exec(struct ta_store *st, const char *what, const char *sql, const char *types, ...);
/* Commit when rc is TA_OK, else roll back; rc, or the commit's failure. */
int ta_store_finish(struct ta_store *st, int rc);
/* The current time, ISO 8601 UTC. */
void ta_store_now(char *buf, size_t cap);

#endif
