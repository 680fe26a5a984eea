/*
 * Heartbleed after the handshake (CVE-2014-0160; RFC 6520): on a session
 * OpenSSL has just set up, two encrypted heartbeat requests in one flight,
 * first one declaring HB_POST_DECLARED payload bytes and carrying none,
 * then a well-formed one.  A patched server drops the first (RFC 6520 4)
 * and echoes the second; a vulnerable one answers the first with its
 * memory.  The server's records are decrypted into one scratch buffer,
 * their heartbeat bytes counted and overwritten, never kept.
 */
#ifndef TA_PROBE_HBPOST_H
#define TA_PROBE_HBPOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/engine.h"
#include "probe/recprot.h"

#define HB_POST_DECLARED 256 /* what the overlong request declares */
#define HB_POST_PAYLOAD  16  /* the well-formed one's payload (and everyone's padding) */
#define HB_POST_MAX_READ (64 * 1024)

struct ta_hb {
	struct ta_recprot rp; /* set up by the caller */
	uint8_t payload[HB_POST_PAYLOAD];
	uint8_t *in; /* bytes of a record not yet whole */
	size_t inlen, total;
	uint8_t *pt; /* one record's plaintext, overwritten by the next */
	/* the heartbeat message being read (it may span records) */
	uint8_t msg_head[3 + HB_POST_PAYLOAD];
	size_t msg_have;
	bool done;
};

/* Seal both requests and append them to *out (*outlen bytes so far;
 * realloc'd).  TA_OK, or an error (nothing sent). */
int ta_hb_start(struct ta_hb *hb, uint8_t **out, size_t *outlen, struct ta_response *r);
/* Server bytes: TA_CONN_DONE once the answer is known (r->hb), else MORE. */
int ta_hb_feed(struct ta_hb *hb, const uint8_t *in, size_t len, struct ta_response *r);
/* An encrypted close_notify into *out (malloc'd), when the channel is still up. */
void ta_hb_close(struct ta_hb *hb, uint8_t **out, size_t *outlen);
void ta_hb_free(struct ta_hb *hb);

#endif
