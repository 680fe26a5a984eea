/*
 * Elimination with preference ordering, generic over 16-bit code points
 * (cipher suites, groups, signature schemes).
 *
 * Offer up to `window` remaining candidates; the server's choice is removed
 * and recorded with the list it was chosen from; a refusal removes the whole
 * offer.  The connections needed grow with what the server accepts, not
 * with the registry.  Each choice also says "chosen over every other
 * accepted item in that offer", which under server preference is an
 * ordering fact; the order phase uses those facts first and spends a
 * connection only on comparisons they do not settle (binary insertion).
 */
#ifndef TA_PROBE_ELIM_H
#define TA_PROBE_ELIM_H

#include "probe/engine.h"

enum ta_judge {
	TA_J_PICK,        /* the server chose *id from the offer */
	TA_J_REJECT,      /* none of the offer is acceptable */
	TA_J_NOVERSION,   /* the protocol version itself is refused */
	TA_J_FAIL,        /* no usable answer (closed, timeout, garbage) */
	TA_J_UNREACHABLE, /* could not connect */
	TA_J_BROKEN,      /* the answer breaks the protocol: stop, say so */
};

struct ta_elim;

struct ta_elim_kind {
	const char *name;
	unsigned want; /* TA_WANT_* */
	/* Build a hello offering ids[0..n). */
	int (*build)(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w);
	/* Optional, instead of build: queue the exchange itself (full
	 * handshakes through OpenSSL). */
	int (*submit)(struct ta_elim *e, const uint16_t *ids, size_t n, ta_xchg_cb cb);
	/* Reduce an answer to a verdict; on TA_J_PICK set *id. */
	int (*judge)(struct ta_elim *e, const struct ta_response *r, uint16_t *id);
	/* Optional: look at every answer for side facts (DH, curves). */
	void (*observe)(struct ta_elim *e, const struct ta_response *r);
	/* Optional: a refusal of ids[0..n) during elimination.  Return
	 * TA_R_DROP (the usual: drop them), TA_R_RESEND (the kind changed what
	 * its next hello says; offer the same ids again) or TA_R_STOP (enough
	 * is known: stop eliminating). */
	int (*on_reject)(struct ta_elim *e, const uint16_t *ids, size_t n);
	/* Store the outcome into the target's result. */
	void (*finish)(struct ta_elim *e);
};

enum { TA_R_DROP, TA_R_RESEND, TA_R_STOP };

struct ta_elim_pick {
	uint16_t id;
	uint16_t *win;
	size_t nwin;
};

struct ta_elim {
	struct ta_job job; /* first: a job pointer is an elim pointer */
	const struct ta_elim_kind *kind;
	int vidx; /* protocol version index, or -1 */
	uint16_t version;
	bool want_order;
	bool chacha_test;
	/* candidates */
	uint16_t *cand;
	size_t ncand;
	size_t window, maxwindow;
	bool closed_is_reject;
	bool shrunk;
	/* results */
	uint16_t acc[TA_MAX_ACCEPT];
	size_t nacc;
	struct ta_elim_pick *picks;
	size_t npicks;
	bool noversion;
	bool incomplete;
	unsigned fails;
	int last_outcome;
	const char *last_detail;
	/* order */
	int phase;
	int server_order; /* enum ta_tri */
	int chacha;       /* enum ta_tri */
	int8_t *rel;      /* nacc x nacc: +1 row preferred over column */
	uint16_t sorted[TA_MAX_ACCEPT];
	size_t nsorted;
	size_t ins, lo, hi;
	uint16_t test_a, test_first;
	bool two_way;
	/* kind-specific parameters */
	uint16_t extra[TA_MAX_ACCEPT];
	size_t nextra;
	unsigned flags, built_flags; /* kind-specific hello variants */
	bool stopped_early;          /* on_reject said TA_R_STOP */
	bool ordering;               /* past elimination: offers hold accepted items only */
	bool pending_groups_check;
	const char *why; /* set by a judge that returns TA_J_BROKEN */
	bool shares_tried;
	size_t stop_untried; /* candidates left untried then */
	void *ctx;
};

/* Create an elimination job over cand[0..n) (copied). */
struct ta_elim *ta_elim_new(const struct ta_elim_kind *kind, int vidx, uint16_t version,
                            const uint16_t *cand, size_t n, bool want_order);

/* Record a choice made elsewhere (from win[0..n)) as if this job saw it. */
void ta_elim_seed(struct ta_elim *e, uint16_t id, const uint16_t *win, size_t n);

/* Is id among the candidates the current elimination hello offered? */
bool ta_elim_offered(const struct ta_elim *e, uint16_t id);

/* Is id a ChaCha20 suite? */
bool ta_suite_is_chacha(uint16_t id);

#endif
