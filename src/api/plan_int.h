/*
 * Inside `tlsaudit plan` (docs/plan.md): plan.c loads the documents and the
 * inventory and assembles one JSON item per endpoint; plan_rank.c judges an
 * endpoint (target profile, gaps, priority, contingency, progress) from its
 * document and inventory row alone, so it can be tested without a store;
 * plan_out.c writes the plan as text, JSON or CSV.
 */
#ifndef TA_API_PLAN_INT_H
#define TA_API_PLAN_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "inventory/inventory.h"
#include "tlsaudit.h"

/* The priority classes, most urgent first (docs/plan.md, Priority). */
enum ta_plan_class { TA_PC_P1, TA_PC_P2, TA_PC_P3, TA_PC_ACCEPTED, TA_PC_P4, TA_PC_COUNT };
const char *ta_plan_class_name(int c);

/* The profile an endpoint must meet when its inventory row names none:
 * *why says which default applied. */
const char *ta_plan_default_profile(const char *proto, unsigned port, const char **why);

/* One endpoint's plan item (a new JSON object, docs/plan.md "JSON") from its
 * document (NULL: not in the run), its inventory row (NULL: none), and the
 * ids of its gaps in the previous run (NULL: not in it), judged at now
 * (host, port and protocol come from the row when there is one). */
json_t *ta_plan_item(const json_t *doc, const struct ta_inv_row *row, const json_t *prev_ids,
                     time_t now);
/* The ids of a document's gaps (what ta_plan_item lists), for the next run
 * to compare with. */
json_t *ta_plan_gap_ids(const json_t *doc, const struct ta_inv_row *row);

/* The item's target profile id and whether its document complies with it
 * (-1: not judged), for the progress over runs. */
int ta_plan_compliance(const json_t *doc, const struct ta_inv_row *row);

/* Sort the items by priority and give them their rank. */
void ta_plan_rank(json_t *items);

/* plan_fix.c: the generated configurations and the client impact of the
 * items of one plan (shared state: what was made once is reused). */
struct ta_plan_fix;
struct ta_plan_fix *ta_plan_fix_new(void);
void ta_plan_fix_free(struct ta_plan_fix *f);
/* Add fix.config (the row's software, when config knows it), the proxy's
 * config to a contingency, and impact (doc's clients against its target
 * profile's); doc NULL: not scanned, no impact. */
void ta_plan_fix_item(struct ta_plan_fix *f, json_t *item, const json_t *doc,
                      const struct ta_inv_row *row);

/* The plan as one JSON object (ta_plan without the writing). */
int ta_plan_build(const struct ta_plan_opts *o, json_t **plan, char *err, size_t errlen);
/* The same from o->db's store that the caller has open as st (not closed
 * here): `tlsaudit report --db` reads the run's documents for the plan
 * with the store it then reads them again from, for the page (the plan
 * comes first on the page, and the documents are never all in memory). */
struct ta_store;
int ta_plan_build_open(const struct ta_plan_opts *o, struct ta_store *st, json_t **plan, char *err,
                       size_t errlen);

/* Writers: the whole plan object. */
int ta_plan_write(const json_t *plan, enum ta_format fmt, FILE *out);

#endif
