/*
 * The state of a scan's reports (output.c) and of its store (store.c),
 * shared by the two files of the api layer.
 */
#ifndef TA_API_OUTPUT_INT_H
#define TA_API_OUTPUT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "probe/scan_internal.h"

#define TA_MAX_SINKS      4
#define PENDING_IN_MEMORY 16

struct ta_store;

/* A target's document until it is written: in memory, at off in the
 * spill file, or in the store (a resumed run's, under key). */
struct pending {
	json_t *doc;
	long off;
	size_t len;
	bool spilled;
	char *key; /* in the store: not scanned again */
};

struct ta_output {
	struct ta_scan *scan;
	struct ta_assess *assess;
	char err[200]; /* why the built-in profiles did not load */
	/* the report being written */
	struct ta_sink *sink[TA_MAX_SINKS]; /* the report, and any copies (--save) */
	size_t nsinks;
	bool started; /* report time and counters set */
	time_t now;
	struct pending *pending; /* documents by target index, waiting for those before */
	size_t npending, next;
	size_t nmemory;  /* documents waiting in memory */
	size_t nspilled; /* documents waiting in the spill file */
	FILE *spill;     /* tmpfile(), from the first spill */
	bool trace;      /* TLSAUDIT_TRACE: say when documents are spilled */
	size_t nseen;
	long *noncompliant;            /* by profile, over the targets seen */
	int write_err;                 /* the first TA_E* of writing */
	char *require[TA_REQUIRE_MAX]; /* --require: the JUnit reports' profiles */
	size_t nrequire;
	/* the store (store.c), or NULL */
	struct ta_store *store;
	int64_t run;
	bool resumed;
	bool sharded;        /* one shard of a run of several (--shard) */
	int inventory;       /* the store has an inventory: -1 not known yet, 0, 1 */
	char store_err[300]; /* the first failure of the store, for ta_scan_store_error */
};

/* output.c */
int ta_output_start(struct ta_output *o);    /* report time and counters, once */
void ta_output_install(struct ta_output *o); /* the scan's consumer */
struct ta_output *ta_output_of(const struct ta_scan *s);
/* Make room for index in o->pending; false (write_err set) when out of memory. */
bool ta_output_slot(struct ta_output *o, size_t index);
void ta_output_flush(struct ta_output *o);

/* store.c */
/* The store's key of an endpoint: host (lower case)|port|proto|ip. */
void ta_store_key(const struct ta_endpoint *e, char *buf, size_t cap);
int ta_output_have(void *arg, size_t index, const struct ta_endpoint *e);
/* doc of endpoint e finished: its target profile added from the store's
 * inventory ("target_profile": the row's profile, when the inventory lists
 * e and gives one), then stored (the failure kept in store_err). */
void ta_output_store(struct ta_output *o, const struct ta_endpoint *e, json_t *doc);
/* A resumed document, read back for its turn; NULL (store_err) when it cannot be. */
json_t *ta_output_stored(struct ta_output *o, struct pending *p);
void ta_output_store_end(struct ta_output *o);
void ta_output_store_free(struct ta_output *o);

#endif
