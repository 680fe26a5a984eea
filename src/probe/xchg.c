/*
 * Reading one hello exchange's answer.  An exchange owns one connection:
 * it sends the hello, reassembles handshake messages from records into a
 * capped buffer (skipping a Certificate it does not need, however large),
 * and reduces the answer to a struct ta_response.  Server bytes are never
 * trusted: every length is checked by the wire parsers and every buffer is
 * capped.  Scheduling is target.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/xchg.h"
#include "wire/text.h"

#define XCHG_HS_CAP         (64 * 1024)
#define XCHG_HS_CAP_CERT    (256 * 1024) /* when the chain is wanted */
#define MAX_WARNING_ALERTS  5
#define TICKET_WAIT_MIN_MS  100
#define TICKET_WAIT_MAX_MS  1000
#define HB_WAIT_MS          3000 /* for the answer to heartbeats after a handshake */
#define TICKET_WAIT_LONG_MS 600  /* at least, when asked again (TA_OSSL_TICKETS_LONG) */

void
ta_xchg_free(struct ta_xchg *x)
{
	if (!x)
		return;
	free(x->resp.chain);
	free(x->resp.ocsp);
	ta_ossl_session_free(x->resp.ossl_session);
	ta_ossl_free(x->ossl);
	free((char *)x->req.sigalgs);
	free((char *)x->req.groups);
	free((char *)x->req.ciphers);
	free((char *)x->req.ciphersuites);
	free((char *)x->req.alpn);
	free(x->hello);
	free(x->hs);
	free(x);
}

static const struct ta_suite *
chosen_suite(const struct ta_xchg *x)
{
	return ta_suite_find(x->resp.sh.suite);
}

static bool
suite_has_ske(const struct ta_suite *s)
{
	if (!s)
		return false;
	switch (s->kx) {
	case TA_KX_DHE:
	case TA_KX_DH_ANON:
	case TA_KX_ECDHE:
	case TA_KX_ECDH_ANON:
	case TA_KX_DHE_PSK:
	case TA_KX_ECDHE_PSK:
	case TA_KX_RSA_EXPORT:
		return true;
	default:
		return false;
	}
}

static void
keep_chain(struct ta_response *r, struct ta_rd body)
{
	struct ta_cert_list cl;
	size_t total = 0, off = 0;

	if (r->chain || ta_certificate_parse(body, false, &cl) != TA_OK || cl.n == 0)
		return;
	for (size_t i = 0; i < cl.n && i < TA_RESP_MAX_CERTS; i++)
		total += ta_rd_left(&cl.der[i]);
	r->chain = malloc(total ? total : 1);
	if (!r->chain)
		return;
	for (size_t i = 0; i < cl.n && i < TA_RESP_MAX_CERTS; i++) {
		size_t n = ta_rd_left(&cl.der[i]);

		memcpy(r->chain + off, cl.der[i].p, n);
		r->cert_off[i] = off;
		r->cert_len[i] = n;
		off += n;
		r->ncerts++;
	}
}

static void
keep_status(struct ta_response *r, struct ta_rd body)
{
	struct ta_rd resp;
	uint8_t type;

	r->status_message = true;
	if (ta_rd_u8(&body, &type) != TA_OK || type != 1 || ta_rd_vec(&body, 3, &resp) != TA_OK ||
	    r->ocsp)
		return;
	r->ocsp_len = ta_rd_left(&resp);
	r->ocsp = malloc(r->ocsp_len ? r->ocsp_len : 1);
	if (r->ocsp)
		memcpy(r->ocsp, resp.p, r->ocsp_len);
	else
		r->ocsp_len = 0;
}

/* Printable copy of a protocol name (server bytes: escape the rest). */
static void
append_name(char *dst, size_t cap, struct ta_rd name)
{
	size_t len = strlen(dst);

	if (len && len + 1 < cap)
		dst[len++] = ',';
	while (ta_rd_left(&name) > 0 && len + 5 < cap) {
		uint8_t c = *name.p++;

		if (c >= 0x20 && c < 0x7f && c != ',' && c != '\\') {
			dst[len++] = (char)c;
		} else {
			snprintf(dst + len, cap - len, "\\x%02x", c);
			len += 4;
		}
	}
	dst[len] = '\0';
}

static void
keep_protocols(struct ta_response *r)
{
	if (r->sh.has_alpn)
		append_name(r->alpn, sizeof r->alpn, r->sh.alpn);
	if (r->sh.has_npn) {
		struct ta_rd list = r->sh.npn, name;

		while (ta_rd_left(&list) > 0 && ta_rd_vec(&list, 1, &name) == TA_OK)
			append_name(r->npn, sizeof r->npn, name);
	}
}

/* Handle one complete handshake message; returns TA_CONN_DONE when the
 * exchange has what it wants. */
static int
on_message(struct ta_xchg *x, uint8_t type, struct ta_rd body)
{
	struct ta_response *r = &x->resp;

	if (!x->got_sh) {
		if (type != TA_HS_SERVER_HELLO) {
			r->outcome = TA_OUT_GARBAGE;
			r->detail = "first handshake message is not a ServerHello";
			return TA_CONN_DONE;
		}
		if (ta_server_hello_parse(body, &r->sh) != TA_OK) {
			r->outcome = TA_OUT_GARBAGE;
			r->detail = "malformed ServerHello";
			return TA_CONN_DONE;
		}
		x->got_sh = true;
		if (r->sh.hrr) {
			r->outcome = TA_OUT_HRR;
			if (r->sh.has_cookie && ta_rd_left(&r->sh.cookie) <= sizeof r->cookie) {
				r->cookie_len = ta_rd_left(&r->sh.cookie);
				memcpy(r->cookie, r->sh.cookie.p, r->cookie_len);
			}
			return TA_CONN_DONE;
		}
		r->outcome = TA_OUT_HELLO;
		keep_protocols(r);
		if (r->sh.version >= TA_TLS13)
			return TA_CONN_DONE; /* the rest is encrypted */
		if (x->want & (TA_WANT_CERT | TA_WANT_STATUS))
			return TA_CONN_MORE; /* on to ServerHelloDone */
		if (!(x->want & TA_WANT_SKE) || !suite_has_ske(chosen_suite(x)))
			return TA_CONN_DONE;
		return TA_CONN_MORE;
	}
	switch (type) {
	case TA_HS_CERTIFICATE:
		r->cert_count++;
		if (x->want & TA_WANT_CERT)
			keep_chain(r, body);
		return TA_CONN_MORE;
	case TA_HS_CERTIFICATE_STATUS:
		if (x->want & TA_WANT_STATUS)
			keep_status(r, body);
		return TA_CONN_MORE;
	case TA_HS_SERVER_KEY_EXCHANGE: {
		const struct ta_suite *s = chosen_suite(x);
		struct ta_ske ske;

		if (!s || ta_ske_parse(body, s->kx, s->auth, r->sh.version, &ske) != TA_OK) {
			r->detail = "malformed ServerKeyExchange";
			return TA_CONN_DONE;
		}
		r->has_ske = true;
		r->ske_kind = ske.kind;
		r->curve = ske.curve;
		r->has_sigalg = ske.has_sigalg;
		r->sigalg = ske.sigalg;
		if (ske.kind == TA_SKE_DH) {
			size_t n = ta_rd_left(&ske.p);

			if (n > sizeof r->dh_p)
				n = sizeof r->dh_p;
			memcpy(r->dh_p, ske.p.p, n);
			r->dh_p_len = n;
		}
		return (x->want & (TA_WANT_CERT | TA_WANT_STATUS)) ? TA_CONN_MORE : TA_CONN_DONE;
	}
	case TA_HS_SERVER_HELLO_DONE:
		x->shd_seen = true;
		return TA_CONN_DONE;
	default:
		return TA_CONN_MORE; /* CertificateStatus, CertificateRequest ... */
	}
}

/* Feed handshake record bytes into the reassembly buffer. */
static int
on_handshake_bytes(struct ta_xchg *x, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (x->skip) {
			size_t k = n < x->skip ? n : x->skip;

			x->skip -= k;
			p += k;
			n -= k;
			continue;
		}
		size_t cap = (x->want & TA_WANT_CERT) ? XCHG_HS_CAP_CERT : XCHG_HS_CAP;

		if (!x->hs && !(x->hs = malloc(cap))) {
			x->resp.outcome = TA_OUT_INTERNAL;
			return TA_CONN_DONE;
		}
		size_t room = cap - x->hslen;
		size_t k = n < room ? n : room;

		memcpy(x->hs + x->hslen, p, k);
		x->hslen += k;
		p += k;
		n -= k;
		for (;;) {
			struct ta_rd r, body;
			uint8_t type;
			int rc;

			ta_rd_init(&r, x->hs, x->hslen);
			rc = ta_handshake_parse(&r, &type, &body);
			if (rc == TA_ENOSPC) {
				uint32_t len;

				if (x->hslen < 4)
					break;
				len = ((uint32_t)x->hs[1] << 16) | ((uint32_t)x->hs[2] << 8) |
				      x->hs[3];
				if (len + 4 <= cap)
					break;
				/* Too large to keep: only a Certificate may be skipped. */
				if (x->got_sh && x->hs[0] == TA_HS_CERTIFICATE) {
					x->resp.cert_count++;
					x->skip = len + 4 - x->hslen;
					x->hslen = 0;
					break;
				}
				x->resp.outcome = x->got_sh ? x->resp.outcome : TA_OUT_GARBAGE;
				x->resp.detail = "handshake message larger than the cap";
				return TA_CONN_DONE;
			}
			if (rc != TA_OK)
				break;
			if (on_message(x, type, body) == TA_CONN_DONE)
				return TA_CONN_DONE;
			size_t used = (size_t)(r.p - x->hs);
			memmove(x->hs, x->hs + used, x->hslen - used);
			x->hslen -= used;
		}
	}
	return TA_CONN_MORE;
}

static int
on_data_ssl2(struct ta_xchg *x, struct ta_conn *c)
{
	struct ta_ssl2_server_hello sh;
	struct ta_rd r;
	int rc;

	ta_rd_init(&r, c->in, c->inlen);
	rc = ta_ssl2_server_hello_parse(&r, &sh);
	if (rc == TA_ENOSPC)
		return TA_CONN_MORE;
	if (rc == TA_EPROTO) {
		x->resp.outcome = TA_OUT_SSL2_ERROR;
		return TA_CONN_DONE;
	}
	if (rc != TA_OK) {
		x->resp.outcome = TA_OUT_GARBAGE;
		x->resp.detail = "malformed SSLv2 SERVER-HELLO";
		return TA_CONN_DONE;
	}
	x->resp.outcome = TA_OUT_SSL2;
	x->resp.cert_count = ta_rd_left(&sh.cert) ? 1 : 0;
	x->resp.nssl2_kinds = sh.nkinds;
	memcpy(x->resp.ssl2_kinds, sh.kinds, sh.nkinds * sizeof sh.kinds[0]);
	return TA_CONN_DONE;
}

/*
 * How long to wait for TLS 1.3 tickets after our Finished.  They come one
 * round trip after it, or with the server's Finished (already read), or
 * not at all: a few round trips as this handshake measured them (hello to
 * first answer, which includes the server's work), 100 ms to 1 s.  A
 * server whose CPU is busy can be later than that, so a handshake that saw
 * none is asked again with TA_OSSL_TICKETS_LONG: at least 600 ms, ten round
 * trips when those are longer, never past the read timeout.
 */
static unsigned
ticket_wait_ms(const struct ta_xchg *x, const struct ta_conn *c)
{
	uint64_t rtt = x->answer_ms > x->hello_ms ? x->answer_ms - x->hello_ms : 0;
	uint64_t wait = 3 * rtt + 50;

	if (x->req.flags & TA_OSSL_TICKETS_LONG)
		wait = 10 * rtt > TICKET_WAIT_LONG_MS ? 10 * rtt : TICKET_WAIT_LONG_MS;
	else if (wait < TICKET_WAIT_MIN_MS)
		wait = TICKET_WAIT_MIN_MS;
	else if (wait > TICKET_WAIT_MAX_MS)
		wait = TICKET_WAIT_MAX_MS;
	if (c->read_timeout_ms && wait > c->read_timeout_ms)
		wait = c->read_timeout_ms;
	return (unsigned)wait;
}

static int
ossl_on_data(struct ta_xchg *x, struct ta_conn *c)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	unsigned had = ta_ossl_tickets(x->ossl);
	int verdict = ta_ossl_feed(x->ossl, c->in, c->inlen, &out, &outlen, &x->resp);

	if (had == 0 && ta_ossl_tickets(x->ossl) > 0 && x->tickets_wait)
		x->resp.ossl_ticket_ms = (unsigned)(ta_loop_now(c->loop) - x->finished_ms);
	ta_conn_consume(c, c->inlen);
	if (outlen && ta_conn_send(c, out, outlen) != TA_OK) {
		x->resp.outcome = TA_OUT_INTERNAL;
		verdict = TA_CONN_DONE;
	}
	free(out);
	if (verdict == TA_CONN_DONE && x->resp.ossl_ok) {
		/* close properly, or the server forgets the session */
		ta_ossl_close(x->ossl, &out, &outlen);
		if (outlen)
			(void)ta_conn_send(c, out, outlen);
		free(out);
		c->graceful = true;
	}
	if (x->resp.outcome == TA_OUT_HELLO || x->resp.outcome == TA_OUT_ALERT)
		x->got_sh = true;
	if (verdict == TA_CONN_MORE && ta_ossl_waiting_heartbeats(x->ossl) && !x->hb_wait) {
		x->hb_wait = true;
		x->hb_ms = ta_loop_now(c->loop);
		ta_conn_rearm(c, HB_WAIT_MS);
	}
	if (x->hb_wait)
		x->resp.hb.ms = (unsigned)(ta_loop_now(c->loop) - x->hb_ms);
	if (verdict == TA_CONN_MORE && ta_ossl_waiting_tickets(x->ossl) && !x->tickets_wait) {
		x->tickets_wait = true;
		x->finished_ms = ta_loop_now(c->loop);
		x->resp.ossl_ticket_wait_ms = ticket_wait_ms(x, c);
		ta_conn_rearm(c, x->resp.ossl_ticket_wait_ms);
	}
	return verdict;
}

/* The STARTTLS dialogue: feed it, send what it says, and send the hello
 * once the server agrees. */
static int
st_on_data(struct ta_xchg *x, struct ta_conn *c)
{
	struct ta_target *t = x->job->t;
	size_t used = 0;
	int v = ta_st_feed(&x->st, c->in, c->inlen, &used);

	ta_conn_consume(c, used);
	if (x->st.outlen && ta_conn_send(c, x->st.out, x->st.outlen) != TA_OK) {
		x->resp.outcome = TA_OUT_INTERNAL;
		return TA_CONN_DONE;
	}
	/* the greeting of a dialogue that went through beats a refusal's */
	if (x->st.banner[0] &&
	    (!t->res.starttls.banner[0] || (v == TA_ST_READY && !t->st_banner_ok))) {
		snprintf(t->res.starttls.banner, sizeof t->res.starttls.banner, "%s", x->st.banner);
		t->st_banner_ok = v == TA_ST_READY;
	}
	if (v == TA_ST_MORE)
		return TA_CONN_MORE;
	if (v == TA_ST_FAIL) {
		x->resp.outcome = TA_OUT_STARTTLS;
		return TA_CONN_DONE;
	}
	x->st_active = false;
	t->res.starttls.offered = TA_YES;
	x->hello_ms = ta_loop_now(c->loop);
	if (ta_conn_send(c, x->hello, x->hello_len) != TA_OK) {
		x->resp.outcome = TA_OUT_INTERNAL;
		return TA_CONN_DONE;
	}
	return TA_CONN_MORE;
}

/*
 * A target named without /PROTO (and without --starttls) whose server
 * speaks first: its greeting arrives instead of a ServerHello.  When it is
 * one a dialogue knows, the target stops and starts again through that
 * dialogue once its jobs have ended (restart_target).
 */
static bool
sniff_greeting(struct ta_xchg *x, struct ta_conn *c)
{
	struct ta_target *t = x->job->t;
	const struct ta_st_ops *ops;

	if (t->alive || t->st_ops || t->restarted || t->proto[0] || t->scan->starttls[0] ||
	    c->inlen < 5 || (c->in[0] >= 0x14 && c->in[0] <= 0x18) || c->in[0] >= 0x80)
		return false;
	ops = ta_st_recognise(c->in, c->inlen);
	if (!ops)
		return false;
	if (!t->restart_ops) {
		size_t len = 0;

		while (len < c->inlen && len < 80 && c->in[len] != '\r' && c->in[len] != '\n')
			len++;
		if (strcmp(ops->name, "mysql") == 0)
			len = 0; /* binary: named, not quoted */
		(void)ta_text_printable(t->greeting, sizeof t->greeting, c->in, len);
		t->restart_ops = ops;
	}
	if (!t->abort) {
		t->abort = true;
		t->abort_reason = "a plaintext greeting instead of TLS";
	}
	x->resp.outcome = TA_OUT_GARBAGE;
	x->resp.detail = "a plaintext greeting instead of TLS";
	return true;
}

/* What the server sent after the second flight: its first record is the
 * answer; a heartbeat message is read on over the records it spans (a
 * 16 KiB payload and its padding take two), its bytes counted, never kept. */
static int
on_follow_data(struct ta_xchg *x, struct ta_conn *c)
{
	struct ta_response *r = &x->resp;
	struct ta_rd rd;
	struct ta_record rec;
	int rc;

	ta_rd_init(&rd, c->in, c->inlen);
	for (;;) {
		rc = ta_record_parse(&rd, &rec);
		if (rc == TA_ENOSPC)
			break;
		r->follow.ms = (unsigned)(ta_loop_now(c->loop) - x->follow_ms);
		if (rc != TA_OK ||
		    (r->follow.end == TA_FOLLOW_RECORD && rec.type != r->follow.type)) {
			if (r->follow.end != TA_FOLLOW_RECORD) {
				r->follow.end = TA_FOLLOW_RECORD;
				r->follow.bytes = c->inlen;
			}
			return TA_CONN_DONE;
		}
		if (rec.type == TA_CT_ALERT && r->follow.end != TA_FOLLOW_RECORD) {
			if (ta_alert_parse(rec.body, &r->follow.alert) == TA_OK)
				r->follow.end = TA_FOLLOW_ALERT;
			else
				r->follow.end = TA_FOLLOW_RECORD;
			return TA_CONN_DONE;
		}
		if (r->follow.end != TA_FOLLOW_RECORD) { /* the first record of the answer */
			uint32_t hb_type = 0, hb_len = 0;
			struct ta_rd body = rec.body;

			r->follow.end = TA_FOLLOW_RECORD;
			r->follow.type = rec.type;
			if (rec.type == TA_CT_HEARTBEAT &&
			    ta_rd_uint(&body, 1, &hb_type) == TA_OK &&
			    ta_rd_uint(&body, 2, &hb_len) == TA_OK) {
				r->follow.hb_type = (uint8_t)hb_type;
				r->follow.hb_length = (uint16_t)hb_len;
			}
		}
		r->follow.bytes += ta_rd_left(&rec.body);
		/* type, length, payload and 16 bytes of padding (RFC 6520 4) */
		if (rec.type != TA_CT_HEARTBEAT ||
		    r->follow.bytes >= 3 + (size_t)r->follow.hb_length + 16 ||
		    r->follow.bytes > 4 * TA_RECORD_MAX)
			return TA_CONN_DONE;
	}
	ta_conn_consume(c, (size_t)(rd.p - c->in));
	return TA_CONN_MORE;
}

/* The server's flight ended: send the second flight, if there is one. */
static int
start_follow(struct ta_xchg *x, struct ta_conn *c)
{
	uint8_t out[4096];
	size_t len = 0;

	x->follow(x->job, &x->resp, out, sizeof out, &len);
	if (len == 0 || len > sizeof out || ta_conn_send(c, out, len) != TA_OK)
		return TA_CONN_DONE;
	x->following = true;
	x->resp.follow.sent = true;
	x->resp.follow.end = TA_FOLLOW_TIMEOUT; /* until something comes */
	x->follow_ms = ta_loop_now(c->loop);
	ta_conn_rearm(c, x->follow_wait_ms);
	return c->inlen ? on_follow_data(x, c) : TA_CONN_MORE;
}

int
ta_xchg_on_data(struct ta_conn *c)
{
	struct ta_xchg *x = c->owner;
	struct ta_rd r;
	size_t used = 0;
	int verdict = TA_CONN_MORE;

	if (x->st_active) {
		verdict = st_on_data(x, c);
		if (verdict != TA_CONN_MORE || x->st_active || c->inlen == 0)
			return verdict;
		/* bytes after the go-ahead and before our hello: whatever
		 * they are, they are what the TLS parser now sees */
	}
	if (c->inlen && !x->got_bytes) {
		x->got_bytes = true;
		x->answer_ms = ta_loop_now(c->loop);
	}
	if (!x->got_sh && sniff_greeting(x, c))
		return TA_CONN_DONE;
	if (x->use_ossl)
		return ossl_on_data(x, c);
	if (x->following)
		return on_follow_data(x, c);

	if (!x->got_sh && !x->resp.has_alert && ta_looks_ssl2(c->in, c->inlen))
		return on_data_ssl2(x, c);
	ta_rd_init(&r, c->in, c->inlen);
	while (verdict == TA_CONN_MORE) {
		struct ta_record rec;
		int rc = ta_record_parse(&r, &rec);

		if (rc == TA_ENOSPC)
			break;
		if (rc != TA_OK) {
			if (!x->got_sh) {
				x->resp.outcome = TA_OUT_GARBAGE;
				x->resp.detail = "not a TLS record";
			}
			verdict = TA_CONN_DONE;
			break;
		}
		switch (rec.type) {
		case TA_CT_ALERT: {
			struct ta_alert a;

			if (ta_alert_parse(rec.body, &a) == TA_OK && a.level == 1 &&
			    a.desc != TA_ALERT_CLOSE_NOTIFY && !x->got_sh) {
				/* a warning (unrecognized_name ...): the answer may follow;
				 * like OpenSSL, give up after a few */
				if (++x->warnings <= MAX_WARNING_ALERTS)
					break;
				x->resp.outcome = TA_OUT_GARBAGE;
				x->resp.detail = "endless warning alerts";
				verdict = TA_CONN_DONE;
				break;
			}
			if (ta_alert_parse(rec.body, &x->resp.alert) == TA_OK)
				x->resp.has_alert = true;
			if (!x->got_sh)
				x->resp.outcome = x->resp.has_alert ? TA_OUT_ALERT : TA_OUT_GARBAGE;
			verdict = TA_CONN_DONE;
			break;
		}
		case TA_CT_HANDSHAKE:
			verdict = on_handshake_bytes(x, rec.body.p, ta_rd_left(&rec.body));
			break;
		case TA_CT_CCS:
			if (!x->got_sh) {
				x->resp.outcome = TA_OUT_GARBAGE;
				x->resp.detail = "ChangeCipherSpec before ServerHello";
			}
			verdict = TA_CONN_DONE;
			break;
		default:
			if (!x->got_sh) {
				x->resp.outcome = TA_OUT_GARBAGE;
				x->resp.detail = "unexpected record type before ServerHello";
			}
			verdict = TA_CONN_DONE;
			break;
		}
	}
	used = (size_t)(r.p - c->in);
	ta_conn_consume(c, used);
	if (verdict == TA_CONN_DONE && x->follow && x->shd_seen && !x->following)
		return start_follow(x, c);
	return verdict;
}
