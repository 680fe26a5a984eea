/*
 * Inside the evaluator (src/profile/eval*.c), private to it:
 *   eval.c          rules in, results out: the text builder, the items, the
 *                   facts read from the scan, the kinds table, the accessors
 *   eval_lists.c    list classification and the list kinds (versions,
 *                   suites, groups, signature schemes, DH)
 *   eval_cert.c     the certificate kinds
 *   eval_feature.c  handshake features (texts keyed by model/facts.h) and
 *                   server cipher order
 *   eval_web.c      HSTS, HTTP->HTTPS redirect, CSP, CAA
 *   eval_json.c     a profile's verdict as the document holds it
 *
 * Every kind writes three things for its rule: the verdict, the texts
 * (evidence, remediation, deviation) and the items it judged, each with
 * its own verdict (docs/profiles.md, "Items and requirements").
 */
#ifndef TA_PROFILE_EVAL_INT_H
#define TA_PROFILE_EVAL_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "profile/rule.h"

/* ---- bounded string building (at most TA_EVAL_TEXT_MAX) ---- */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

void ev_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A space between sentences (nothing before the first). */
void ev_sep(struct sb *b);
/* Move a builder's text into *dst ("" when empty); *oom set on failure. */
void ev_take(struct sb *b, char **dst, bool *oom);

/* ---- items: what a rule judged, one by one ---- */

/* JSON "kind" of an item: ta_item_kind_names[]. */
enum ta_item_kind {
	IK_VERSION,   /* a protocol version: "TLSv1.2" */
	IK_SUITE,     /* a cipher suite (IANA), per version */
	IK_GROUP,     /* a key-exchange group (IANA) */
	IK_SIGSCHEME, /* a signature scheme (IANA) */
	IK_DH,        /* the DH group of DHE suites: "ffdhe2048", "custom" ... */
	IK_CERT,      /* a leaf certificate: its SHA-256 fingerprint */
	IK_FEATURE,   /* a handshake feature: its key under "features" */
	IK_PROTOCOL,  /* a per-version fact: its key under "protocols" -> version */
	IK_HTTP,      /* an HTTP fact: its key under "http" */
	IK_DNS,       /* a DNS fact: its key under "dns" */
	IK_VULN,      /* a known vulnerability: its id under "vulnerabilities" */
	IK_N,
};

extern const char *const ta_item_kind_names[IK_N];

enum ta_item_value { IV_NONE, IV_INT, IV_STR };

struct ta_item {
	uint8_t kind;      /* enum ta_item_kind */
	int8_t ver;        /* enum ta_ver_idx when the item is per version, else -1 */
	int8_t present;    /* enum ta_tri: on the target (yes), not (no), unknown */
	uint8_t vtype;     /* enum ta_item_value */
	uint8_t verdict;   /* enum ta_verdict */
	const char *level; /* static: what the profile says of it */
	char id[96];
	long long ival;
	char sval[64];
};

/* ---- one rule's result ---- */

struct ta_rres {
	const struct ta_rule *rule;
	enum ta_verdict v;
	char *evidence, *remediation, *deviation; /* malloc'd; deviation may be NULL */
	const char *rating;                       /* static or the rule's, or NULL */
	struct ta_item *items;                    /* malloc'd, nitems of them */
	size_t nitems;
	bool oom;
};

/* Evaluation context. */
struct ta_ectx {
	const struct ta_result *r;
	bool https;
	const json_t *vulns; /* the document's "vulnerabilities", or NULL */
};

/* Evaluation output under construction. */
struct ta_out {
	enum ta_verdict v;
	struct sb ev, fix, dev;
	const char *rating;
	struct ta_item *items;
	size_t nitems, capitems;
	bool items_oom;
};

static inline void
worsen(struct ta_out *o, enum ta_verdict v)
{
	if (v > o->v)
		o->v = v;
}

/*
 * Add an item (id is copied, cut at 95 bytes; level must be static).
 * Returns it for ev_item_int/_str, or NULL when out of memory (the rule's
 * result is then an allocation failure).
 */
struct ta_item *ev_item(struct ta_out *o, enum ta_item_kind kind, const char *id, int present,
                        const char *level, enum ta_verdict v);
void ev_item_int(struct ta_item *it, long long v);
void ev_item_str(struct ta_item *it, const char *s);

/* ---- facts from the scan ---- */

/* Whether a version is offered is known. */
static inline bool
ver_known(const struct ta_result *r, int i)
{
	const struct ta_ver_result *v = &r->ver[i];

	return v->tested && (v->offered || !v->incomplete);
}

static inline bool
ver_offered(const struct ta_result *r, int i)
{
	return r->ver[i].tested && r->ver[i].offered;
}

/* Some version in [lo, hi] offered: 1 yes, 0 no, -1 unknown. */
int ev_some_offered(const struct ta_result *r, int lo, int hi);

/* IANA names, or UNKNOWN_0x.... written into buf. */
const char *ev_suite_name(uint32_t id, char *buf, size_t len);
const char *ev_group_name(uint16_t id, char *buf, size_t len);
const char *ev_sigscheme_name(uint16_t id, char *buf, size_t len);

/* ---- sets of names ---- */

static inline bool
in_list(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* Distinct item names, in first-seen order. */
struct items {
	char (*v)[80];
	size_t n, cap;
	bool oom;
	/* req_set: whether each required item is offered is known on its own
	 * (req_known), whatever else of the list is unknown: a version tested
	 * and not offered is missing for sure, though SSLv2 went untested */
	bool req_set, req_known;
};

void ev_items_add(struct items *it, const char *s);
bool ev_items_has(const struct items *it, const char *s);

/* ---- list classification (eval_lists.c) ---- */

/* The rule rates (good/sufficient lists): NCSC-NL style labels. */
static inline bool
rated(const struct ta_rule *ru)
{
	return ru->lv[LV_GOOD].n || ru->lv[LV_SUFFICIENT].n;
}

/* Level of an item (enum ta_level), or LV_N when unlisted. */
int ev_level_of(const struct ta_rule *ru, const char *s);
/* Verdict of an item at that level; of an unlisted one: `other`. */
enum ta_verdict ev_level_verdict(const struct ta_rule *ru, int l);
enum ta_verdict ev_unlisted_verdict(const struct ta_rule *ru);
/* The item's "level" token for that level (docs/profiles.md). */
const char *ev_level_token(const struct ta_rule *ru, int l);
/* Add a seen item judged by the lists: its level and verdict. */
struct ta_item *ev_list_item(struct ta_out *o, const struct ta_rule *ru, enum ta_item_kind kind,
                             const char *name, int ver);

/*
 * Judge the items seen against the rule's lists.  what: "TLSv1.2 cipher
 * suites"; complete: the items are all there is (else missing required
 * items and an all-pass list are "could not test"); cert: the items are
 * certificate properties (replace the certificate, not disable the item).
 * A required item not seen becomes an item of kind ikind (none when ikind
 * is IK_N); the caller adds the items seen.
 */
void ev_classify(const struct ta_rule *ru, const struct items *it, const char *what, bool complete,
                 bool cert, enum ta_item_kind ikind, struct ta_out *o);

/* ---- the kinds ---- */

void ev_versions(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_vulnerabilities(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_suites(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_groups(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_sigschemes(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_dh(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_cert_key_type(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_cert_rsa_bits(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_cert_curve(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_cert_signature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_cert_lifetime(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_feature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_server_order(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_hsts(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_https_redirect(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_csp(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);
void ev_caa(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o);

/* The condition a feature rule applies under (the rule's, else the feature's). */
enum ta_cond ev_feature_when(const struct ta_rule *ru);

/* ---- reading results (eval.c) ---- */

struct ta_eval {
	const struct ta_profile *p;
	struct ta_rres *rr;
	size_t n;
};

#endif
