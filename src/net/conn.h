/*
 * One TCP connection driven by the loop: non-blocking connect, write the
 * queued bytes, read into a capped buffer and hand it to the owner until the
 * owner says it has what it wants.  Every wait has a deadline.  The owner
 * gets exactly one end callback; after it the connection is gone.
 */
#ifndef TA_NET_CONN_H
#define TA_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/loop.h"

enum ta_conn_verdict { TA_CONN_MORE = 0, TA_CONN_DONE = 1 };

struct ta_conn;

struct ta_conn_ops {
	/* New bytes are in c->in[0..c->inlen).  Return TA_CONN_MORE or
	 * TA_CONN_DONE; may call ta_conn_send() to write more and ta_conn_consume()
	 * to drop parsed bytes. */
	int (*on_data)(struct ta_conn *c);
	/* err: TA_OK when on_data said DONE, else TA_ECONNECT, TA_ETIMEOUT,
	 * TA_ECLOSED (peer closed: c->in may still hold bytes), TA_ENOSPC
	 * (input cap reached), TA_ESYS. */
	void (*on_end)(struct ta_conn *c, int err);
};

struct ta_conn {
	struct ta_loop *loop;
	struct ta_watch watch;
	struct ta_timer timer;
	const struct ta_conn_ops *ops;
	void *owner;
	bool connected;
	bool reset;    /* ended by RST rather than FIN */
	bool rearmed;  /* the owner set its own deadline in on_data */
	bool graceful; /* end with FIN after flushing what is queued, not RST */
	unsigned read_timeout_ms;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	uint8_t *in;
	size_t inlen, incap;
	uint64_t started_ms;
};

/*
 * Start connecting to addr.  in_cap bounds what will be buffered from the
 * peer.  On success the connection lives until on_end has been called.
 */
int ta_conn_start(struct ta_loop *loop, const struct sockaddr *addr, socklen_t addrlen,
                  const struct ta_conn_ops *ops, void *owner, unsigned connect_timeout_ms,
                  unsigned read_timeout_ms, size_t in_cap, struct ta_conn **out);

/* Queue bytes to send (copied). */
int ta_conn_send(struct ta_conn *c, const void *buf, size_t len);

/* Drop the first n buffered input bytes. */
void ta_conn_consume(struct ta_conn *c, size_t n);

/* Restart the current wait with a deadline of ms from now. */
void ta_conn_rearm(struct ta_conn *c, unsigned ms);

/* Close now without calling on_end (owner is going away). */
void ta_conn_abort(struct ta_conn *c);

#endif
