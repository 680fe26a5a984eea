/*
 * Profiles: published TLS guidelines as data (profiles/NN-*.json, embedded at
 * build time, or files the user names), and the evaluator that judges one
 * scan result against one profile, rule by rule.
 *
 * This module owns the profile file format (docs/profiles.md), the rule
 * kinds and their verdicts.  It reads only struct ta_result (src/probe) and
 * the chains' struct ta_chain (src/cert); it never touches sockets.  Facts
 * the scan does not have (HTTP headers: HSTS) are "could not test", never
 * "pass".
 */
#ifndef TA_PROFILE_PROFILE_H
#define TA_PROFILE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "model/result.h"
#include "tlsaudit.h"

struct ta_profile;
struct ta_profile_set;
struct ta_eval;

/* Verdict of one rule.  Ordered: a higher value dominates when combined. */
enum ta_verdict {
	TA_VERDICT_NA,   /* not applicable: the rule's subject is absent */
	TA_VERDICT_PASS, /* checked, satisfied (possibly with a note) */
	TA_VERDICT_WARN, /* a "should" not met, or rated "phase out" */
	TA_VERDICT_CNT,  /* could not test: the scan lacks the facts */
	TA_VERDICT_FAIL,
};

/* "pass", "fail", "warning", "not_applicable", "could_not_test". */
const char *ta_verdict_name(enum ta_verdict v);

/*
 * The built-in profiles (profiles/NN-*.json, in file name order).  *out must
 * be freed with ta_profiles_free().  Returns 0, or nonzero with a one-line
 * message in err (a built-in profile that does not parse is a build bug).
 */
int ta_profiles_builtin(struct ta_profile_set **out, char *err, size_t errlen) TA_MUST_CHECK;

/*
 * Parse a profile file and add it to the set.  The parser is strict: an
 * unknown key, a wrong type, an unknown suite/group/version name or a
 * duplicate id is an error.  Returns 0, or nonzero with a one-line message
 * naming the file and the problem in err.
 */
int ta_profiles_add_file(struct ta_profile_set *set, const char *path, char *err,
                         size_t errlen) TA_MUST_CHECK;

/* The same for a profile already in memory; name is used in messages. */
int ta_profiles_add_buffer(struct ta_profile_set *set, const char *name, const char *buf,
                           size_t len, char *err, size_t errlen) TA_MUST_CHECK;

/* An empty set (for user-only profiles and the fuzz target); NULL on OOM. */
struct ta_profile_set *ta_profiles_new(void);
void ta_profiles_free(struct ta_profile_set *set);
size_t ta_profiles_count(const struct ta_profile_set *set);
const struct ta_profile *ta_profiles_get(const struct ta_profile_set *set, size_t i);
const struct ta_profile *ta_profiles_find(const struct ta_profile_set *set, const char *id);

const char *ta_profile_id(const struct ta_profile *p);
const char *ta_profile_title(const struct ta_profile *p);

/*
 * Judge r against p.  https: the target is an HTTPS endpoint (web-only
 * rules apply).  *out is freed with ta_eval_free().  Returns 0, or
 * TA_ENOMEM.  A failed scan (r->ok
 * false) makes every rule "could not test".
 */
int ta_profile_evaluate(const struct ta_profile *p, const struct ta_result *r, bool https,
                        struct ta_eval **out) TA_MUST_CHECK;
/* The same, with the target's known vulnerabilities (the document's
 * "vulnerabilities" array; NULL: none known), which rules of the kind
 * "vulnerabilities" judge. */
int ta_profile_evaluate_vulns(const struct ta_profile *p, const struct ta_result *r, bool https,
                              const json_t *vulns, struct ta_eval **out) TA_MUST_CHECK;
void ta_eval_free(struct ta_eval *e);

/* No rule failed.  Warnings and "could not test" do not make it false. */
bool ta_eval_compliant(const struct ta_eval *e);
/* No rule was "could not test". */
bool ta_eval_complete(const struct ta_eval *e);
const struct ta_profile *ta_eval_profile(const struct ta_eval *e);
size_t ta_eval_count(const struct ta_eval *e, enum ta_verdict v);

/* Rule results, in profile order. */
size_t ta_eval_nrules(const struct ta_eval *e);
const char *ta_eval_rule_id(const struct ta_eval *e, size_t i);
enum ta_verdict ta_eval_rule_verdict(const struct ta_eval *e, size_t i);
const char *ta_eval_rule_evidence(const struct ta_eval *e, size_t i);
const char *ta_eval_rule_remediation(const struct ta_eval *e, size_t i);

/*
 * {"compliant": bool, "complete": bool, "title": s, "rules": [{"id",
 * "result", "evidence", "remediation", "source", "trust", "note"?,
 * "deviation"?, "rating"?, "kind", "items": [{"kind", "id", "version"?,
 * "present", "level", "verdict", "value"?}], "requires": {lists and
 * limits}}]} (docs/profiles.md, "Items and requirements").  New
 * reference; NULL on allocation failure.
 */
json_t *ta_eval_json(const struct ta_eval *e);

/*
 * The facts of a server configured exactly to profile p, as the keys of a
 * target document the client simulation reads (protocols,
 * groups_by_version, signature_schemes_by_version, dh, certificates), plus
 * "assumptions": what the profile does not say and was assumed
 * (facts.c, docs/clients.md).  New reference; NULL when out of memory.
 */
json_t *ta_profile_facts(const struct ta_profile *p);

#endif
