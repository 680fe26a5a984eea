/*
 * Internal to the diff (diff.c, diff_cmp.c, diff_cert.c, diff_text.c):
 * the list of changes being built and the comparisons of each category.
 * The interface is report/diff.h.
 */
#ifndef TA_REPORT_DIFF_INT_H
#define TA_REPORT_DIFF_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tlsaudit.h" /* TA_E* */

/* The changes of one endpoint, appended to as they are found; err is
 * sticky (out of memory), checked once at the end. */
struct ta_dchg {
	json_t *list;
	int err;
};

/* One run's side of a comparison: the document and the run's report time
 * (certificate expiry is judged against it). */
struct ta_dside {
	const json_t *doc;
	int64_t time;
	bool has_time;
};

enum { TA_DREG_NEUTRAL = -1, TA_DREG_BETTER = 0, TA_DREG_WORSE = 1 };

#define TA_DIFF_TEXT_MAX  400 /* bytes of a change's text; longer is cut at a character */
#define TA_DIFF_MAX_CERTS 16  /* leaf certificates compared per endpoint */
#define TA_DIFF_MAX_CHAIN 16  /* chain certificates compared per leaf */

/* Append a change.  before and after are new references the list takes
 * (NULL: JSON null); scope may be NULL; reg is TA_DREG_*; the text is
 * printf'd and cut at TA_DIFF_TEXT_MAX on a character boundary. */
void ta_dchg_add(struct ta_dchg *c, const char *category, const char *scope, const char *item,
                 json_t *before, json_t *after, int reg, const char *fmt, ...)
        __attribute__((format(printf, 8, 9)));

/* ---- reading a hostile document: every value's type checked ---- */

/* The string under key, or NULL. */
const char *ta_dstr(const json_t *o, const char *key);
/* The string under key, or "" (for texts). */
const char *ta_dstr0(const json_t *o, const char *key);
/* Is key present in o (an object) at all? */
bool ta_dhas(const json_t *o, const char *key);
/* 1 true, 0 false, -1 null or anything else. */
int ta_dtri(const json_t *o, const char *key);
/* "yes", "no", "unknown" for a ta_dtri value. */
const char *ta_dtri_text(int v);
/* A new JSON true/false/null for a ta_dtri value. */
json_t *ta_dtri_json(int v);
/* A new reference to the value under key, or JSON null. */
json_t *ta_dget(const json_t *o, const char *key);
/* "a, b, c" of the strings of arr into buf (cut with "..."). */
const char *ta_djoin(char *buf, size_t cap, const json_t *arr);
/* A new object used as a set: each string of arr a key. NULL when out of
 * memory or arr is no array (then an empty set is meant). */
json_t *ta_dset(const json_t *arr);
bool ta_din(const json_t *set, const json_t *str);

/* "YYYY-MM-DDTHH:MM:SSZ" to seconds since the epoch; false when not. */
bool ta_dparse_time(const char *s, int64_t *out);

/* The digest of a target document kept of run A (diff_digest.c): the
 * fields compared, as compact JSON text (malloc'd); NULL when out of
 * memory. */
char *ta_diff_digest(const json_t *target);

/* ---- the categories (diff_cmp.c, diff_cert.c) ---- */

void ta_dcmp_versions(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_suites(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_groups(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_dh(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_schemes(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_features(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_http(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_dns(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_verdicts(struct ta_dchg *c, const json_t *a, const json_t *b);
void ta_dcmp_certs(struct ta_dchg *c, const struct ta_dside *a, const struct ta_dside *b);

/* The protocol versions of the document, oldest first. */
extern const char *const ta_dversions[6];

#endif
