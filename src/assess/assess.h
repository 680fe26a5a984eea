/*
 * The assessment: between the probes' plain result and every report.  It
 * turns one finished target into its document — the facts, the judgements
 * (each suite's strength, certificate expiry against the report time) and
 * the evaluation against every profile, computed once — as the JSON tree
 * of docs/schema/scan.schema.json.  The writers (src/report) render that
 * tree and nothing else, and a stored report is the same tree read back.
 */
#ifndef TA_ASSESS_ASSESS_H
#define TA_ASSESS_ASSESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/result.h"
#include "tlsaudit.h"

struct ta_suite;
struct ta_profile_set;

/* The strength mark of a suite: weak (export, NULL, RC4, RC2, DES, 3DES,
 * anonymous, MD5, SSLv2), good (forward secret and AEAD) or ok (the rest);
 * NULL (an unknown suite) is weak. */
enum ta_strength { TA_ST_GOOD, TA_ST_OK, TA_ST_WEAK };
enum ta_strength ta_suite_strength(const struct ta_suite *s);

/* The facts of a result, or of a mail domain, as a document (doc.c);
 * NULL when out of memory. */
json_t *ta_doc_target(const struct ta_result *r);
json_t *ta_doc_mail(const struct ta_mail_result *m);

/* The profiles a run is judged against: the built-in ones plus files. */
struct ta_assess;
/* NULL with a reason in err when the built-in profiles do not load. */
struct ta_assess *ta_assess_new(char *err, size_t errlen);
void ta_assess_free(struct ta_assess *a);
int ta_assess_add_profile_file(struct ta_assess *a, const char *path, char *err,
                               size_t errlen) TA_MUST_CHECK;
bool ta_assess_has_profile(const struct ta_assess *a, const char *id);
const struct ta_profile_set *ta_assess_profiles(const struct ta_assess *a);
/* The client simulation's database (assess/clients.h). */
struct ta_clients;
const struct ta_clients *ta_assess_clients(const struct ta_assess *a);

/* The whole document of a finished target: its facts, under "profiles"
 * its evaluation against every profile, and under "vulnerabilities" the
 * known vulnerabilities (docs/vulnerabilities.md; a is not const: it
 * remembers the SSLv2 keys seen for DROWN) ("compliant" is null
 * for a target that could not be scanned: nothing was judged).  NULL when
 * out of memory. */
json_t *ta_assess_target(struct ta_assess *a, const struct ta_result *r);

/* A target document of the run that was not assessed here (a resumed
 * run's, read back from the store): what later targets compare with
 * (DROWN). */
int ta_assess_note(struct ta_assess *a, const json_t *doc) TA_MUST_CHECK;

/* The verdicts of the active vulnerability probes (vulns_active.c), as
 * objects of the document's "vulnerabilities"; NULL when out of memory. */
json_t *ta_vulns_active(const struct ta_result *r);

/* Does this target document comply with profile id?  false for a target
 * that was not scanned, or that the profile was not evaluated for. */
bool ta_doc_complies(const json_t *target, const char *id);

/* Judge certificate dates against now (the report time): days_left,
 * expired and not_yet_valid of every certificate of the target document,
 * from its not_before and not_after. */
void ta_doc_refresh_dates(json_t *target, time_t now);

/* The top level of a report document: tool, version, schema, report_time. */
json_t *ta_doc_meta(time_t now);

#endif
