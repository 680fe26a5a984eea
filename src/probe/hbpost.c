/*
 * Heartbeats after the handshake (see hbpost.h).  Every record the server
 * sends is bounded (TA_RECORD_MAX plus expansion), the bytes read in all
 * are capped, and the wait is the exchange's.
 */
#include "probe/hbpost.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "net/conn.h"
#include "wire/tls.h"

#define MAX_FRAGMENT (16384 + 2048) /* RFC 5246 6.2.3 */

static int
append(uint8_t **out, size_t *outlen, const uint8_t *p, size_t n)
{
	uint8_t *b = realloc(*out, *outlen + n);

	if (!b)
		return TA_ENOMEM;
	memcpy(b + *outlen, p, n);
	*out = b;
	*outlen += n;
	return TA_OK;
}

int
ta_hb_start(struct ta_hb *hb, uint8_t **out, size_t *outlen, struct ta_response *r)
{
	/* type request, the declared length, then 16 bytes of padding only */
	uint8_t over[3 + HB_POST_PAYLOAD] = {1, HB_POST_DECLARED >> 8, HB_POST_DECLARED & 0xff};
	uint8_t honest[3 + 2 * HB_POST_PAYLOAD] = {1, 0, HB_POST_PAYLOAD};
	uint8_t rec[2][sizeof honest + TA_RP_OVERHEAD];
	size_t len[2];

	ta_recprot_name(&hb->rp, r->hb.protection, sizeof r->hb.protection);
	hb->pt = malloc(MAX_FRAGMENT);
	hb->in = malloc(5 + MAX_FRAGMENT);
	if (!hb->pt || !hb->in || RAND_bytes(over + 3, HB_POST_PAYLOAD) != 1 ||
	    RAND_bytes(hb->payload, sizeof hb->payload) != 1 ||
	    RAND_bytes(honest + 3 + HB_POST_PAYLOAD, HB_POST_PAYLOAD) != 1)
		return TA_ENOMEM;
	memcpy(honest + 3, hb->payload, HB_POST_PAYLOAD);
	if (ta_recprot_seal(&hb->rp, TA_CT_HEARTBEAT, over, sizeof over, rec[0], sizeof rec[0],
	                    &len[0]) != TA_OK ||
	    ta_recprot_seal(&hb->rp, TA_CT_HEARTBEAT, honest, sizeof honest, rec[1], sizeof rec[1],
	                    &len[1]) != TA_OK ||
	    append(out, outlen, rec[0], len[0]) != TA_OK ||
	    append(out, outlen, rec[1], len[1]) != TA_OK)
		return TA_EINTERNAL;
	r->hb.sent = true;
	r->hb.end = TA_FOLLOW_TIMEOUT; /* until something comes */
	return TA_OK;
}

/* A whole heartbeat message read: what was it? */
static bool
message_done(struct ta_hb *hb, struct ta_response *r)
{
	uint8_t type = hb->msg_head[0];
	uint16_t declared = (uint16_t)(hb->msg_head[1] << 8 | hb->msg_head[2]);

	if (type == 2 && declared == HB_POST_PAYLOAD &&
	    memcmp(hb->msg_head + 3, hb->payload, HB_POST_PAYLOAD) == 0) {
		r->hb.echoed = true;
		r->hb.end = TA_FOLLOW_RECORD;
		return true; /* it came after any answer to the overlong one */
	}
	if (type == 2 && declared == HB_POST_DECLARED && !r->hb.over_answered) {
		r->hb.over_answered = true;
		r->hb.over_declared = declared;
		r->hb.over_bytes = hb->msg_have;
	} else {
		r->hb.others++;
	}
	return false;
}

/* One record's plaintext (n bytes in hb->pt): true when the answer is in. */
static bool
on_record(struct ta_hb *hb, uint8_t type, size_t n, struct ta_response *r)
{
	switch (type) {
	case TA_CT_ALERT:
		r->hb.end = TA_FOLLOW_ALERT;
		if (n >= 2) {
			r->hb.alert.level = hb->pt[0];
			r->hb.alert.desc = hb->pt[1];
		}
		return true;
	case TA_CT_HEARTBEAT: {
		size_t head = sizeof hb->msg_head, take;

		if (hb->msg_have < head) {
			take = n < head - hb->msg_have ? n : head - hb->msg_have;
			memcpy(hb->msg_head + hb->msg_have, hb->pt, take);
		}
		hb->msg_have += n;
		/* a message ends with the record that completes its payload: the
		 * rest of that record is its padding (RFC 6520 4) */
		if (hb->msg_have >= 3 &&
		    hb->msg_have >= 3 + (size_t)(hb->msg_head[1] << 8 | hb->msg_head[2])) {
			bool done = message_done(hb, r);

			hb->msg_have = 0;
			memset(hb->msg_head, 0, sizeof hb->msg_head);
			return done;
		}
		return false;
	}
	default: /* application data, a HelloRequest: not the answer */
		r->hb.others++;
		return false;
	}
}

int
ta_hb_feed(struct ta_hb *hb, const uint8_t *in, size_t len, struct ta_response *r)
{
	size_t off = 0;
	bool done;

	if (hb->done)
		return TA_CONN_DONE;
	while (off < len || hb->inlen >= 5) {
		size_t want, n = len - off, frag;

		/* whole records only: the header, then its fragment */
		want = hb->inlen < 5 ? 5 : 5 + (size_t)(hb->in[3] << 8 | hb->in[4]);
		if (hb->inlen >= 5 && want - 5 > MAX_FRAGMENT) {
			r->hb.end = TA_FOLLOW_RECORD;
			r->hb.bad_record = true; /* not a record */
			break;
		}
		if (hb->inlen < want) {
			if (n == 0)
				return TA_CONN_MORE;
			if (n > want - hb->inlen)
				n = want - hb->inlen;
			memcpy(hb->in + hb->inlen, in + off, n);
			hb->inlen += n;
			off += n;
			hb->total += n;
			if (hb->total > HB_POST_MAX_READ) {
				r->hb.others++;
				break; /* enough: the answer was not among them */
			}
			continue;
		}
		frag = want - 5;
		if (ta_recprot_open(&hb->rp, hb->in[0], hb->in + 5, frag, hb->pt, MAX_FRAGMENT,
		                    &n) != TA_OK) {
			memset(hb->pt, 0, MAX_FRAGMENT);
			r->hb.end = TA_FOLLOW_RECORD;
			r->hb.bad_record = true;
			break;
		}
		hb->inlen = 0;
		done = on_record(hb, hb->in[0], n, r);
		memset(hb->pt, 0, n); /* nothing of the server's memory stays */
		if (done)
			break;
	}
	hb->done = true;
	return TA_CONN_DONE;
}

void
ta_hb_close(struct ta_hb *hb, uint8_t **out, size_t *outlen)
{
	static const uint8_t close_notify[2] = {1, 0};
	uint8_t rec[sizeof close_notify + TA_RP_OVERHEAD];
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (hb->rp.cipher && ta_recprot_seal(&hb->rp, TA_CT_ALERT, close_notify,
	                                     sizeof close_notify, rec, sizeof rec, &n) == TA_OK)
		(void)append(out, outlen, rec, n);
}

void
ta_hb_free(struct ta_hb *hb)
{
	if (hb->pt)
		memset(hb->pt, 0, MAX_FRAGMENT);
	free(hb->pt);
	free(hb->in);
	ta_recprot_free(&hb->rp);
	memset(hb, 0, sizeof *hb);
}
