/*
 * The elimination kinds of the probe plan (suites.c, groups.c, schemes.c),
 * what their hellos offer (offer.c), and the side facts the suite hellos
 * pass on to the planner (plan.c).
 */
#ifndef TA_PROBE_KINDS_H
#define TA_PROBE_KINDS_H

#include "probe/elim.h"

extern const struct ta_elim_kind ta_kind_suites, ta_kind_suites13, ta_kind_groups13,
        ta_kind_groups12, ta_kind_ffdhe12, ta_kind_sigalgs12, ta_kind_sigalgs13;

/* What the suite hellos of one version saw on the side (the job's ctx). */
#define SEEDS_MAX 32
struct suites_ctx {
	/* TLS <= 1.2: schemes and curves seen in a ServerKeyExchange */
	uint16_t sig_seen[64], curve_seen[64];
	size_t nsig_seen, ncurve_seen;
	/* ... and the lists the hello in flight offered them in */
	uint16_t sig_list[96], grp_list[96];
	size_t nsig_list, ngrp_list;
	/* each curve choice with the list it was chosen from (for the order) */
	struct {
		uint16_t id;
		uint16_t win[64];
		size_t nwin;
	} cseed[SEEDS_MAX];
	size_t ncseed;
	/* TLS 1.3: the group list of a hello offering every group */
	uint16_t g13_list[96];
	size_t ng13_list;
	/* TLS <= 1.2: the second pass over DHE suites with FFDHE groups */
	bool ffdhe_pass;
	bool dhe_needs_ffdhe; /* DHE was only accepted in that pass */
};

/* flags of the TLS 1.3 suite hellos */
#define S13_ALL_GROUPS 0x1u /* offer every group, not just the unknown ones */
#define S13_SHARES     0x2u /* send real key shares */
/* flags of the TLS <= 1.2 suite hellos (kept from hello to hello) */
#define S12_FFDHE 0x4u /* offer the RFC 7919 FFDHE groups too */

/* Lists offered (offer.c): popular suites first, common groups and a core
 * of signature schemes in front (see docs/probing.md, "Short reads"). */
extern const uint16_t ta_popular_suites[], ta_preferred_groups[], ta_core_sigalgs[];
extern const size_t ta_npopular_suites, ta_npreferred_groups, ta_ncore_sigalgs;
size_t ta_list_ffdhe_groups(uint16_t *out, size_t cap);
/* Suites to try at a version; suites defined for TLS 1.2 only are left
 * out below it unless all is set. */
size_t ta_list_suites(int vidx, uint16_t *out, size_t cap, bool all);
/* TLS 1.3 schemes OpenSSL can offer. */
size_t ta_list_sigalgs13(uint16_t *out, size_t cap);

/* The common part of every raw hello of an elimination at version. */
void ta_kind_base_hello(struct ta_elim *e, uint16_t version, struct ta_hello *h);
/* Answers every kind judges alike: alerts, closes, unreachable. */
int ta_kind_judge_common(const struct ta_response *r);

#endif
