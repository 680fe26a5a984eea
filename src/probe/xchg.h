/*
 * One hello exchange (xchg.c reads the answer; target.c schedules the
 * exchanges of each target on the loop): private to the probe layer.
 */
#ifndef TA_PROBE_XCHG_H
#define TA_PROBE_XCHG_H

#include "probe/engine.h"
#include "probe/ossl.h"
#include "wire/starttls.h"

#define XCHG_IN_CAP (5 + TA_RECORD_MAX) /* input buffered per connection */

struct ta_xchg {
	struct ta_xchg *next;
	struct ta_xchg *live_prev, *live_next; /* every exchange of the target (target.c) */
	struct ta_job *job;
	ta_xchg_cb cb;
	unsigned want;
	unsigned attempt;
	uint8_t *hello;
	size_t hello_len;
	bool ssl2_hello;
	struct ta_conn *conn;
	/* handshake reassembly */
	uint8_t *hs;
	size_t hslen;
	size_t skip; /* bytes of an unwanted message still to drop */
	bool got_sh;
	struct ta_response resp;
	/* full handshake mode */
	bool use_ossl;
	struct ta_ossl_req req; /* strings owned here */
	struct ta_ossl *ossl;
	bool tickets_wait;
	bool hb_wait;                 /* heartbeats sent after the handshake (TA_OSSL_HEARTBEAT) */
	uint64_t hb_ms;               /* ... when */
	uint64_t finished_ms;         /* our Finished sent: the ticket wait starts */
	uint64_t hello_ms, answer_ms; /* hello sent, first answer bytes: the round trip */
	unsigned warnings;            /* warning alerts before the ServerHello */
	bool got_bytes;               /* the server sent something (after any STARTTLS) */
	/* STARTTLS: the dialogue runs first, the hello waits for it */
	struct ta_st st;
	bool st_active;
	/* a second flight after the ServerHelloDone (ta_xchg_submit_follow) */
	ta_follow_fn follow;
	unsigned follow_wait_ms;
	bool shd_seen;  /* the ServerHelloDone came */
	bool following; /* the second flight is sent: reading what comes */
	uint64_t follow_ms;
	unsigned busy_tries; /* busy answers retried for this exchange */
	uint64_t started_ms; /* when its connection was opened */
};

/* The connection's on_data: STARTTLS dialogue, then the server's answer
 * reduced into x->resp (the exchange is c->owner). */
int ta_xchg_on_data(struct ta_conn *c);
/* Free an exchange and what its response owns. */
void ta_xchg_free(struct ta_xchg *x);

#endif
