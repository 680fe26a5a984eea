/*
 * The store of runs (docs/store.md): one SQLite file (--db FILE), or a
 * PostgreSQL database (--db postgresql://...) that several machines share,
 * holding every run of tlsaudit scan --db, each target's document committed as it
 * finishes, so that a crash or a kill loses only the targets in flight and
 * an interrupted run can be resumed; a run renders again exactly as its
 * scan rendered it (tlsaudit export), and runs are compared over time
 * (runs, history, diff, certs).
 *
 * Documents are stored as compact JSON compressed with zlib (about a tenth
 * of their size); what is read back is hostile like any file and goes
 * through the same checks as a JSON report (report/reread.c).
 */
#ifndef TA_STORE_STORE_H
#define TA_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsaudit.h"

struct ta_store;

/* What a run records of itself. */
struct ta_run_info {
	int64_t id;
	char label[128];  /* --run-label, "" when none */
	char started[32]; /* ISO 8601 UTC */
	char ended[32];   /* "" while running or when it never ended */
	char status[16];  /* "running", "done", "interrupted" */
	char tool_version[32];
	char fingerprint[65]; /* sha256 of the targets and the options that change results */
	size_t ntargets;      /* documents stored */
	size_t nerrors;       /* of them with status "error" */
	unsigned nshards;     /* a run of --shard K/N: N; else 0 */
	unsigned shards_done; /* of them, those done */
};

/* How a store is opened: to read only (a missing or empty file is an
 * error), to write, or to write and create when missing. */
enum ta_store_mode { TA_STORE_READ, TA_STORE_WRITE, TA_STORE_CREATE };
/* Open the store at path (an SQLite file, or a postgresql:// URI); TA_EINVAL/TA_ESYS with a one-line reason in err.
 * A file that is not a tlsaudit store, or one of a newer schema, is
 * refused, never changed. */
int ta_store_open(const char *path, enum ta_store_mode mode, struct ta_store **out, char *err,
                  size_t errlen) TA_MUST_CHECK;
void ta_store_close(struct ta_store *st);
const char *ta_store_error(const struct ta_store *st); /* the last failure, one line */

/* A new run: header is the report's top level without targets and mail
 * (tool, version, report_time...); options the command line (JSON text);
 * fingerprint what --resume must find again. */
int ta_store_run_begin(struct ta_store *st, const json_t *header, const char *options,
                       const char *label, const char *fingerprint, int64_t *run) TA_MUST_CHECK;
/* The last run with this fingerprint (the same targets and options);
 * TA_EINVAL when there is none. */
int ta_store_run_last_of(struct ta_store *st, const char *fingerprint,
                         struct ta_run_info *info) TA_MUST_CHECK;
/* One shard of a run of several processes (--shard K/N with a label):
 * the newest run of that label is joined if it is not done, else a run
 * begins.  Refused (TA_EINVAL): a run of that label started with other
 * targets or options, or another N; a shard done; a shard started before
 * unless resume (then it is taken up: *resumed).  With resume, a shard
 * not started yet begins: a scheduler's retry can always pass it. */
struct ta_shard_join {
	const char *label, *fingerprint;
	unsigned shard, nshards; /* 0 <= shard < nshards */
	bool resume;
};
int ta_store_run_shard(struct ta_store *st, const json_t *header, const char *options,
                       const struct ta_shard_join *j, int64_t *run, bool *joined,
                       bool *resumed) TA_MUST_CHECK;
/* Mark a shard done or interrupted, now; the run is done with its last
 * shard, and interrupted when a shard is. */
int ta_store_shard_end(struct ta_store *st, int64_t run, unsigned shard,
                       const char *status) TA_MUST_CHECK;
/* Mark run done or interrupted, now. */
int ta_store_run_end(struct ta_store *st, int64_t run, const char *status) TA_MUST_CHECK;
/* One run (id 0: the last). TA_EINVAL when there is none. */
int ta_store_run_get(struct ta_store *st, int64_t id, struct ta_run_info *info) TA_MUST_CHECK;
/* Every run, oldest first. */
int ta_store_runs(struct ta_store *st, int (*fn)(void *arg, const struct ta_run_info *r),
                  void *arg) TA_MUST_CHECK;
/* The header a run stored (new reference), or NULL. */
json_t *ta_store_run_header(struct ta_store *st, int64_t run);

/* Store a target's document, committed before it returns.  key names the
 * endpoint as listed (host|port|proto|ip); seq orders the report. */
int ta_store_put(struct ta_store *st, int64_t run, uint64_t seq, const char *key,
                 const json_t *doc) TA_MUST_CHECK;
/* Does run hold key?  Whether its status is "error" in *is_error. */
bool ta_store_has(struct ta_store *st, int64_t run, const char *key, bool *is_error);
/* The document of key in run (new reference), or NULL. */
json_t *ta_store_get(struct ta_store *st, int64_t run, const char *key);
/* The documents of run in report order; fn returns nonzero to stop. */
int ta_store_each(struct ta_store *st, int64_t run,
                  int (*fn)(void *arg, const char *key, json_t *doc), void *arg) TA_MUST_CHECK;
/* The documents of one endpoint over every run that has it, oldest first:
 * match is a key, or a host (every key of that host). */
int ta_store_history(struct ta_store *st, const char *match,
                     int (*fn)(void *arg, const struct ta_run_info *r, const char *key,
                               json_t *doc),
                     void *arg) TA_MUST_CHECK;

/* A certificate as the store lists it (tlsaudit certs). */
struct ta_cert_row {
	const char *key, *subject, *issuer, *not_after, *sha256;
	size_t chain; /* which chain the server served (certificates[chain]) */
	size_t depth; /* 0: its leaf; 1...: the certificates served after it */
};
/* The certificates of run whose not_after is before `before` (ISO 8601;
 * NULL: all), soonest first. */
int ta_store_certs(struct ta_store *st, int64_t run, const char *before,
                   int (*fn)(void *arg, const struct ta_cert_row *c), void *arg) TA_MUST_CHECK;

/* The inventory (tlsaudit inventory): each row as the text of a one-row
 * inventory CSV file (read back through the inventory parser), by
 * endpoint key.  Put: in one transaction, each row replaces the row of its
 * key (replace: every other row goes too).  Each: in the order imported. */
int ta_store_inventory_put(struct ta_store *st, const char *const *rows, const char *const *keys,
                           size_t n, bool replace) TA_MUST_CHECK;
int ta_store_inventory_each(struct ta_store *st,
                            int (*fn)(void *arg, const char *key, const char *row),
                            void *arg) TA_MUST_CHECK;
/* Does the store have an inventory table (false for a store of schema 1)? */
bool ta_store_has_inventory(struct ta_store *st);
/* The row of endpoint key (malloc'd, as _each gives it), or NULL when the
 * inventory has none (or reading failed). */
char *ta_store_inventory_row(struct ta_store *st, const char *key);
/* The newest document of an endpoint (host, port, proto as listed; any
 * address), and the time of its run; NULL when none. */
json_t *ta_store_latest(struct ta_store *st, const char *host, unsigned port, const char *proto,
                        char *started, size_t cap);

/* Compression of a document (store/blob.c); exposed for the fuzz target. */
int ta_store_pack(const json_t *doc, unsigned char **out, size_t *outlen) TA_MUST_CHECK;
/* NULL with a reason in err when blob is not a document. */
json_t *ta_store_unpack(const unsigned char *blob, size_t len, char *err, size_t errlen);

#endif
