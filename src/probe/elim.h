/*
 * Elimination with preference ordering, generic over 16-bit code points
 * (cipher suites, groups, signature schemes).
 *
 * Offer up to `window` remaining candidates; the server's choice is removed
 * and recorded with the list it was chosen from; a refusal removes the whole
 * offer.  The connections needed grow with what the server accepts, not
 * with the registry.  Each choice also says "chosen over every other
 * accepted item in that offer", which under server preference is an
 * ordering fact.
 *
 * Three things keep the connections down:
 *  - a kind may rank the candidates (how likely each is to be accepted,
 *    given what was chosen so far); after every choice the rest is sorted
 *    by rank, so that accepted items share offers and their order under
 *    server preference comes free from the choices themselves;
 *  - while the server's order is unknown, an offer of unlikely candidates
 *    (the last, usually refused, ones) also carries two accepted items in
 *    the reverse of an order already seen: a client-order server then
 *    answers "client order" and "none of the rest" in one hello, a
 *    server-order server says so (and the rest is offered again);
 *  - the order phase uses the recorded facts with their transitive closure
 *    and then selection: each hello offers every item that nothing known
 *    beats, and the server's choice is the next in its order.
 */
#ifndef TA_PROBE_ELIM_H
#define TA_PROBE_ELIM_H

#include "probe/engine.h"

/* Candidates per hello.  testssl.sh tests suites in bundles of at most 128
 * because some servers (old Cisco ASAs) fail above that; 120 stays below
 * it with room for signalling suites.  A hello that fails is retried with
 * 64 and then 16 candidates. */
#define TA_ELIM_WINDOW 120

/* Ranks a kind gives candidates; a window whose candidates are all
 * TA_ELIM_UNLIKELY or worse may carry the order test. */
#define TA_ELIM_KNOWN    0u /* accepted elsewhere (another version) */
#define TA_ELIM_LIKELY   1u
#define TA_ELIM_UNLIKELY 2u

enum ta_judge {
	TA_J_PICK,        /* the server chose *id from the offer */
	TA_J_REJECT,      /* none of the offer is acceptable */
	TA_J_NOVERSION,   /* the protocol version itself is refused */
	TA_J_FAIL,        /* no usable answer (closed, timeout, garbage) */
	TA_J_UNREACHABLE, /* could not connect */
	TA_J_BROKEN,      /* the answer breaks the protocol: stop, say so */
};

struct ta_elim;

/* A choice and the offer it was made from, in the order offered. */
struct ta_elim_pick {
	uint16_t id;
	uint16_t *win;
	size_t nwin;
	unsigned flags; /* the kind's hello variant (built_flags) it was made in */
};

struct ta_elim_kind {
	const char *name;
	unsigned want; /* TA_WANT_* */
	size_t window; /* candidates per hello, 0: TA_ELIM_WINDOW */
	/* Optional: does a candidate count towards window?  A hello then
	 * carries `window` that count plus any that do not (up to
	 * TA_ELIM_WINDOW): what a server that reads only part of a list
	 * ignores anyway need not wait for a hello of its own. */
	bool (*counts)(struct ta_elim *e, uint16_t id);
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
	 * is known: stop eliminating).  e->pair_sent says whether the refused
	 * hello also carried two accepted items (the order test). */
	int (*on_reject)(struct ta_elim *e, const uint16_t *ids, size_t n);
	/* Optional: rank ids[0..n) into out[0..n) (TA_ELIM_*; lower is more
	 * likely to be accepted).  Only ever moves candidates around: what is
	 * found does not depend on it, only how many hellos it takes. */
	void (*rank)(struct ta_elim *e, const uint16_t *ids, size_t n, uint8_t *out);
	/* Store the outcome into the target's result. */
	void (*finish)(struct ta_elim *e);
	/* Optional: the class of a candidate (1..31), or 0 for none.  A
	 * server may choose among the candidates of one class only, picking
	 * the class by what else the hello offers (a server with an RSA and
	 * an ECDSA certificate serving the ECDSA one whenever an ECDSA suite
	 * is offered).  Hence: a hello never mixes candidates of a class
	 * already accepted with candidates of another class (classless ones
	 * go anywhere), and a choice is evidence of the server's order only
	 * over candidates of its own class. */
	uint8_t (*klass)(struct ta_elim *e, uint16_t id);
	/* Optional: could the hello of choice p have had `other` chosen?
	 * false when it lacked what `other` needs (see refill).  Facts are
	 * only drawn where it could. */
	bool (*comparable)(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other);
	/* Optional: the candidates have run out; the kind may put some back
	 * (and change what its hellos say) and return true to go on. */
	bool (*refill)(struct ta_elim *e);
};

enum { TA_R_DROP, TA_R_RESEND, TA_R_STOP };

struct ta_elim {
	struct ta_job job; /* first: a job pointer is an elim pointer */
	const struct ta_elim_kind *kind;
	int vidx; /* protocol version index, or -1 */
	uint16_t version;
	bool want_order;
	bool chacha_test;
	/* candidates */
	uint16_t *cand;
	size_t ncand, cand_cap;
	uint16_t *order0; /* the order results are reported in without server order */
	size_t norder0;
	size_t window, maxwindow;
	bool closed_is_reject;
	bool shrunk;
	/* the hello in flight: offer[0..noffer) are candidates, and when
	 * pair_sent offer[noffer], offer[noffer + 1] are pair_a, pair_p */
	uint16_t offer[TA_ELIM_WINDOW + 2];
	size_t noffer, offer_len;
	bool pair_sent;
	uint16_t pair_a, pair_p; /* pair_p was chosen over pair_a before */
	bool no_pair;            /* the order test may not ride on offers */
	/* results */
	uint16_t acc[TA_MAX_ACCEPT];
	size_t nacc;
	struct ta_elim_pick *picks; /* every choice, with its offer */
	size_t npicks;
	bool noversion;
	bool incomplete;
	unsigned fails;
	int last_outcome;
	const char *last_detail;
	/* order */
	int phase;
	int server_order; /* enum ta_tri */
	bool mixed_order; /* the choices follow neither the server's order nor the client's */
	int chacha;       /* enum ta_tri */
	int8_t *rel;      /* nacc x nacc: +1 row preferred over column */
	uint16_t sorted[TA_MAX_ACCEPT];
	size_t nsorted;
	bool *placed;     /* by acc index, during the order phase */
	bool select_full; /* the selection hello offered every candidate */
	uint16_t test_a, test_first;
	uint16_t test_pair[2]; /* the two items asked both ways (TEST2) */
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
	void *ctx;           /* kind-specific, one allocation (freed with free()) */
};

/* Create an elimination job over cand[0..n) (copied). */
struct ta_elim *ta_elim_new(const struct ta_elim_kind *kind, int vidx, uint16_t version,
                            const uint16_t *cand, size_t n, bool want_order);

/* Without server order, results are reported in the order of the initial
 * candidate list (the client's preference), however they were found; a
 * planner that seeds choices or reorders cand sets that list here (copied;
 * false when out of memory, and the order stays as it was). */
bool ta_elim_set_order(struct ta_elim *e, const uint16_t *list, size_t n);

/* Record a choice made elsewhere (from win[0..n), in the order offered) as
 * if this job saw it.  The same id may be recorded more than once (each
 * choice is an ordering fact); it is accepted once.  The caller removes it
 * from the candidates (or never puts it there). */
void ta_elim_seed(struct ta_elim *e, uint16_t id, const uint16_t *win, size_t n);

/* Is id among what the hello in flight offered? */
bool ta_elim_offered(const struct ta_elim *e, uint16_t id);

/* Is job an elimination job (so a struct ta_elim)? */
bool ta_job_is_elim(const struct ta_job *job);

/* Is id a ChaCha20 suite? */
bool ta_suite_is_chacha(uint16_t id);

#endif
