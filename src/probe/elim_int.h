/*
 * Inside the elimination (probe/elim.h is the interface): elim.c runs the
 * state machine, keeps the facts and eliminates (phase ELIM); order.c runs
 * the ordering phases (TEST, SORT, CHACHA) over those facts.  Not for the
 * kinds.
 */
#ifndef TA_PROBE_ELIM_INT_H
#define TA_PROBE_ELIM_INT_H

#include "probe/elim.h"

enum { PH_ELIM, PH_TEST, PH_TEST2, PH_SORT, PH_CHACHA, PH_DONE };

/* elim.c */

/* Go on from e->phase (each phase hands over by setting the next). */
void ta_elim_step(struct ta_elim *e);
/* Queue a hello offering ids[0..n) (copied into e->offer first). */
void ta_elim_send_offer(struct ta_elim *e, const uint16_t *ids, size_t n, ta_xchg_cb cb);
/* The index of id among the accepted items, or -1. */
int ta_elim_acc_index(const struct ta_elim *e, uint16_t id);
/* The kind's class of id (0: none). */
uint8_t ta_elim_klass(struct ta_elim *e, uint16_t id);
/* Does choice p say that the server would rather have it than `other`? */
bool ta_elim_comparable(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other);
/* ... and is that evidence of the server's own order (same class)? */
bool ta_elim_evidence(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other);
/* A choice p offered together with an accepted a listed after it, both of
 * class want (any class when want < 0). */
bool ta_elim_find_pair(struct ta_elim *e, uint16_t *a, uint16_t *p, int want);

/* order.c */

/* TEST: the facts known when the elimination is over; then SORT or DONE. */
void ta_elim_start_order(struct ta_elim *e);
/* SORT: the next place of the server's order (a hello when it costs one). */
void ta_elim_sort_next(struct ta_elim *e);
/* CHACHA: does a client listing a ChaCha20 suite first get it? */
void ta_elim_chacha_start(struct ta_elim *e);
/* Without a server order, the accepted items in the client's order. */
void ta_elim_client_order(struct ta_elim *e);

#endif
