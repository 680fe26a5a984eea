/*
 * Known vulnerabilities derived from the facts a target document already
 * holds (issue 15, part 2): POODLE, SWEET32, FREAK, Logjam, DROWN, BEAST,
 * LUCKY13, RC4, CRIME, BREACH, NULL and anonymous suites, and the verdicts
 * on renegotiation and TLS_FALLBACK_SCSV measured by the features probe.
 * Pure functions over the JSON tree of docs/schema/scan.schema.json: no
 * I/O, no probe, and the document may come from a stored report, so every
 * member is read as hostile (any type, any size).  The rules, their
 * statuses and their sources are in docs/vulnerabilities.md; the active
 * probes (Heartbleed, ROBOT ...) are not here.
 */
#ifndef TA_ASSESS_VULNS_H
#define TA_ASSESS_VULNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tlsaudit.h"

#define TA_VULN_MAX_KEYS     4096 /* keys remembered across a run (DROWN) */
#define TA_VULN_ENDPOINT_LEN 96   /* "host:port (ip)" as evidence, cut to fit */

/* A certificate key seen on an endpoint that offers SSLv2. */
struct ta_vuln_key {
	/* "spki:" + the SHA-256 of the SubjectPublicKeyInfo (public_key_sha256,
	 * when the document has it), or "cert:" + the certificate's
	 * sha256_fingerprint: 64 lower-case hex digits either way */
	char id[72];
	char endpoint[TA_VULN_ENDPOINT_LEN]; /* printable ASCII */
};

/* What a run knows beyond one target: the RSA keys of the endpoints that
 * offer SSLv2 (DROWN, CVE-2016-0800, reaches every server sharing such a
 * key).  Filled by the api layer with ta_vuln_ctx_note() for every target
 * document as it finishes; zero it (ta_vuln_ctx_init) before the first. */
struct ta_vuln_ctx {
	struct ta_vuln_key *keys; /* owned */
	size_t nkeys, cap;
	size_t dropped;    /* keys not kept past TA_VULN_MAX_KEYS */
	size_t noted;      /* target documents noted */
	size_t unfinished; /* set by the caller: endpoints of the run not noted yet */
};

void ta_vuln_ctx_init(struct ta_vuln_ctx *c);
void ta_vuln_ctx_free(struct ta_vuln_ctx *c); /* NULL is fine */

/* Count target, and when it offers SSLv2 remember the keys of its RSA
 * certificates (those whose "served" names SSLv2 when any does, else every
 * RSA leaf: a server answers SSLv2 with its RSA key).  A document of any
 * shape is accepted; TA_ENOMEM when a key cannot be kept. */
int ta_vuln_ctx_note(struct ta_vuln_ctx *c, const json_t *target) TA_MUST_CHECK;

/* The derived verdicts of a target document, as the array of issue 15: one
 * object per check id, in a fixed order (client-renegotiation,
 * insecure-renegotiation, fallback-scsv, poodle, sweet32, freak, logjam,
 * drown, beast, lucky13, rc4, crime, breach, null-anon), each with id, cve
 * (array), status (vulnerable|not_vulnerable|not_applicable|
 * could_not_test), severity (critical|high|medium|low|info: "info" unless
 * vulnerable), evidence (array of strings, each a fact of the document the
 * verdict rests on, printable ASCII) and fix (one sentence).  ctx may be
 * NULL: then no other endpoint is compared for DROWN.  A target that is not
 * an object, or that failed, gets could_not_test everywhere.  NULL when
 * out of memory. */
json_t *ta_vulns_derive(const json_t *target, const struct ta_vuln_ctx *ctx);

/* ta_vulns_derive(target, ctx) put into target as its "vulnerabilities":
 * with the verdicts already there (the active probes'), each check in the
 * order of issue 15 (heartbleed ... intolerance, then the derived ones
 * from poodle on; ids it does not know last), a derived verdict replacing
 * one of the same id.  TA_EINVAL when target is not an object, TA_ENOMEM
 * (target unchanged) when out of memory. */
int ta_vulns_attach(json_t *target, const struct ta_vuln_ctx *ctx) TA_MUST_CHECK;

/* ---- Between vulns.c and vulns_rules.c only ------------------------------
 * The view of a document the rules read, a verdict being made, and the
 * table row of a check. */

#include "model/result.h" /* TA_V_*, TA_NVER, ta_ver_name() */

struct ta_suite;

enum ta_vuln_status { TA_VST_VULN, TA_VST_OK, TA_VST_NA, TA_VST_CNT };
enum ta_vuln_sev { TA_VSEV_CRIT, TA_VSEV_HIGH, TA_VSEV_MED, TA_VSEV_LOW, TA_VSEV_INFO };

#define TA_VULN_EV_LEN 480 /* one evidence string */
#define TA_VULN_V(i)   (1u << (i))
#define TA_VULN_LEGACY                                                                             \
	(TA_VULN_V(TA_V_SSL3) | TA_VULN_V(TA_V_TLS10) | TA_VULN_V(TA_V_TLS11) |                    \
	 TA_VULN_V(TA_V_TLS12))

struct ta_vuln_ver {
	int offered;               /* TA_YES, TA_NO (tested and complete), TA_UNKNOWN */
	bool complete;             /* its suite list is all the probe would find */
	size_t listed;             /* suites read from the document's list */
	const struct ta_suite **s; /* those the registry knows, in order (owned) */
	size_t n;
};

struct ta_vuln_view {
	const json_t *t;
	bool ok; /* "status": "ok" */
	struct ta_vuln_ver v[TA_NVER];
	const json_t *features; /* the object, or NULL: not tested */
	char service[24];       /* printable */
};

struct ta_vuln_verdict {
	enum ta_vuln_status st;
	enum ta_vuln_sev sev; /* when vulnerable: the row's unless the rule says */
	json_t *ev;           /* evidence strings */
	bool oom;
};

struct ta_vuln_row;
typedef void ta_vuln_rule(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                          const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d);
typedef bool ta_vuln_pred(const struct ta_suite *s);

struct ta_vuln_row {
	const char *id;
	const char *cve[3];
	enum ta_vuln_sev sev; /* of a vulnerable verdict */
	ta_vuln_rule *rule;
	/* suite checks: the versions looked at, which suites, their name */
	unsigned versions;
	ta_vuln_pred *pred;
	const char *label;
	const char *fix; /* one sentence */
};

/* s as printable ASCII in buf (other bytes '?'), cut to fit; buf. */
const char *ta_vuln_clean(char *buf, size_t cap, const char *s);
/* One evidence string (cut at TA_VULN_EV_LEN); d->oom when it cannot be kept. */
void ta_vuln_ev(struct ta_vuln_verdict *d, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Append an item to the comma-separated list in buf; cut when full. */
void ta_vuln_list_add(char *buf, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* o.key as TA_YES, TA_NO or TA_UNKNOWN (absent, null, not a boolean). */
int ta_vuln_tri(const json_t *o, const char *key);
/* TA_YES when a version of mask is offered, TA_NO when none is and all
 * were measured, else TA_UNKNOWN. */
int ta_vuln_any_offered(const struct ta_vuln_view *w, unsigned mask);
/* The versions of mask whose offered is the given one, comma-separated. */
void ta_vuln_versions(const struct ta_vuln_view *w, unsigned mask, int offered, char *buf,
                      size_t cap);
/* "A, B, C and 4 more": the registry's names of v's suites pred picks. */
void ta_vuln_suite_list(const struct ta_vuln_ver *v, ta_vuln_pred *pred, char *buf, size_t cap);
bool ta_vuln_is_any(const struct ta_suite *s);

/* vulns_rules.c */
ta_vuln_rule ta_vuln_rule_client_reneg, ta_vuln_rule_insecure_reneg, ta_vuln_rule_fallback,
        ta_vuln_rule_crime, ta_vuln_rule_breach, ta_vuln_rule_drown;

#endif
