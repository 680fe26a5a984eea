/*
 * Inside src/profile: a parsed profile and its rules, shared by the parser
 * (profile.c), the evaluator (eval*.c, private header eval_int.h),
 * `profiles show` (src/report/profile_show.c) and the configuration
 * generator (src/confgen/policy.c).  Rule kinds are a table
 * (eval.c): each names the keys it accepts, how list items are validated,
 * and the function that judges a scan result.
 */
#ifndef TA_PROFILE_RULE_H
#define TA_PROFILE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/facts.h"
#include "profile/profile.h"

#define TA_PROFILE_MAX_BYTES (1u << 20) /* a profile file */
#define TA_PROFILE_MAX_RULES 128
#define TA_PROFILE_MAX_LIST  512 /* items in one list */
#define TA_PROFILE_MAX_STR   2048
#define TA_EVAL_TEXT_MAX     (64u << 10) /* evidence or remediation of one rule */

/* Classification levels of list items, in match order. */
enum ta_level {
	LV_ALLOWED,
	LV_GOOD,
	LV_SUFFICIENT,
	LV_TOLERATED,
	LV_PHASE_OUT,
	LV_FORBIDDEN,
	LV_N,
};

/* What a list's items name; checked at parse time. */
enum ta_item_type { IT_FREE, IT_VERSION, IT_SUITE, IT_GROUP, IT_SIGSCHEME };

/* Conditions under which a feature rule applies. */
enum ta_cond {
	COND_DEFAULT = -1,
	COND_ALWAYS,
	COND_TLS12_OR_BELOW,  /* some version SSLv3..TLSv1.2 offered */
	COND_TLS13,           /* TLSv1.3 offered */
	COND_TWO_VERSIONS,    /* at least two versions SSLv3..TLSv1.3 offered */
	COND_LEGACY_NO_TLS13, /* SSLv3..TLSv1.1 offered and TLSv1.3 not */
	COND_N,
};

struct strlist {
	char **v;
	size_t n;
};

struct ta_rule;
struct ta_out;
struct ta_ectx;

struct ta_kind {
	const char *name;
	unsigned keys;     /* K_* flags this kind accepts beyond the common ones */
	unsigned required; /* K_* flags it needs */
	enum ta_item_type items;
	void (*eval)(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *out);
};

/*
 * What the evaluator says of a handshake feature.  The features themselves
 * (key, where the value lives, which answer is good) are the yes/no facts
 * of model/facts.h: name is the fact's key, and every yes/no fact has one
 * entry here (tests/profile/test_profile.c checks both ways).
 */
struct ta_feature {
	const char *name;    /* key of a TA_FACT_TRI fact in ta_feature_facts[] */
	enum ta_cond when;   /* default condition */
	const char *label;   /* subject of the evidence sentence "<label>: yes." */
	const char *fix_on;  /* remediation when it should be on */
	const char *fix_off; /* ... and off */
};

/* Key flags: which optional keys a rule kind accepts. */
enum {
	K_LISTS = 1u << 0, /* allowed good sufficient tolerated tolerated_note phase_out
			    * forbidden other required required_any */
	K_PROTOCOLS = 1u << 1,
	K_MIN_BITS = 1u << 2,
	K_WARN_BELOW = 1u << 3,
	K_MAX_DAYS = 1u << 4,
	K_WARN_DAYS = 1u << 5,
	K_FEATURE = 1u << 6,
	K_EXPECT = 1u << 7,
	K_OTHERWISE = 1u << 8,
	K_WHEN = 1u << 9,
	K_MIN_AGE = 1u << 10,
	K_UNLESS_ONLY = 1u << 11,
};

struct ta_rule {
	char *id, *title, *clause, *document, *version, *note, *advice, *tolerated_note;
	char trust; /* 'R', 'S', 'I' */
	const struct ta_kind *kind;
	enum ta_verdict severity; /* TA_VERDICT_FAIL, or _WARN: failures are capped */
	int other;                /* verdict for unlisted items; -1: default */
	int otherwise;            /* feature/server order not as expected; -1: fail */
	struct strlist lv[LV_N], required, required_any, protocols, unless_only;
	unsigned vmask; /* protocols as 1 << enum ta_ver_idx */
	long min_bits, warn_below_bits, max_days, warn_days, min_age; /* -1: unset */
	int expect;                                                   /* -1 unset */
	/* feature kind: the evaluator's texts, and the fact (model/facts.h) */
	const struct ta_feature *feature;
	const struct ta_fact *fact;
	int when;                          /* enum ta_cond */
	char *rating[TA_VERDICT_FAIL + 1]; /* NCSC-NL rating per verdict, or NULL */
};

struct ta_profile {
	char *id, *title, *document, *version, *url;
	bool ratings;
	struct strlist provenance;
	struct ta_rule *rules;
	size_t nrules;
};

extern const struct ta_kind ta_kinds[];
extern const size_t ta_kinds_count;
extern const struct ta_feature ta_features_tab[];
extern const size_t ta_features_count;

/*
 * The feature a rule names: the yes/no fact with this key and the
 * evaluator's texts for it; NULL (and *fact NULL) when there is none.
 */
const struct ta_feature *ta_feature_lookup(const char *key, const struct ta_fact **fact);

extern const char *const ta_cond_names[COND_N];
extern const char *const ta_level_keys[LV_N];

/* "good", "sufficient", "phase_out", "insufficient" or NULL. */
bool ta_rating_valid(const char *s);

/* Version index for "TLSv1.2" etc., or -1. */
int ta_ver_index(const char *name);

/* The rule's source as one line: "document version, clause". */
void ta_rule_source(const struct ta_rule *ru, char *buf, size_t len);

#endif
