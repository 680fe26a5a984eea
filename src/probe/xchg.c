/*
 * Hello exchanges and per-target scheduling.  An exchange owns one
 * connection: it sends the hello, reassembles handshake messages from
 * records into a capped buffer (skipping a Certificate it does not need,
 * however large), and reduces the answer to a struct ta_response.  Server
 * bytes are never trusted: every length is checked by the wire parsers and
 * every buffer is capped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/engine.h"
#include "probe/ossl.h"
#include "wire/starttls.h"
#include "wire/text.h"

#define XCHG_IN_CAP        (5 + TA_RECORD_MAX)
#define XCHG_HS_CAP        (64 * 1024)
#define XCHG_HS_CAP_CERT   (256 * 1024) /* when the chain is wanted */
#define MAX_WARNING_ALERTS 5
#define TICKET_WAIT_MIN_MS 100
#define TICKET_WAIT_MAX_MS 1000

struct ta_xchg {
	struct ta_xchg *next;
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
	uint64_t hello_ms, answer_ms; /* hello sent, first answer bytes: the round trip */
	unsigned warnings;            /* warning alerts before the ServerHello */
	bool got_bytes;               /* the server sent something (after any STARTTLS) */
	/* STARTTLS: the dialogue runs first, the hello waits for it */
	struct ta_st st;
	bool st_active;
	unsigned busy_tries; /* busy answers retried for this exchange */
};

static void pump_target(struct ta_target *t);

/* Append to the target's queue of exchanges waiting for a connection. */
static void
enqueue(struct ta_target *t, struct ta_xchg *x)
{
	x->next = NULL;
	if (t->qtail)
		t->qtail->next = x;
	else
		t->qhead = x;
	t->qtail = x;
}
static void pump_scan(struct ta_scan *s);

static void
xchg_free(struct ta_xchg *x)
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

static int
ossl_on_data(struct ta_xchg *x, struct ta_conn *c)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	int verdict = ta_ossl_feed(x->ossl, c->in, c->inlen, &out, &outlen, &x->resp);

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
	if (verdict == TA_CONN_MORE && ta_ossl_waiting_tickets(x->ossl) && !x->tickets_wait) {
		/* tickets come one round trip after our Finished, or not at
		 * all: wait a few round trips as this handshake measured them
		 * (hello to first answer, which includes the server's work) */
		uint64_t rtt = x->answer_ms > x->hello_ms ? x->answer_ms - x->hello_ms : 0;
		uint64_t wait = 3 * rtt + 50;

		x->tickets_wait = true;
		ta_conn_rearm(c, wait < TICKET_WAIT_MIN_MS   ? TICKET_WAIT_MIN_MS
		                 : wait > TICKET_WAIT_MAX_MS ? TICKET_WAIT_MAX_MS
		                                             : (unsigned)wait);
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

static int
xchg_on_data(struct ta_conn *c)
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
	return verdict;
}

static void xchg_start_conn(struct ta_xchg *x);

/*
 * A target that has never answered like a TLS server and keeps timing out
 * or sending garbage is given up after a few tries, so a dead or non-TLS
 * port costs seconds, not minutes.  Once it has answered properly, a
 * timeout is just data about that one hello.
 */
#define DEAD_STREAK_LIMIT 3

static void
note_liveness(struct ta_target *t, const struct ta_response *r)
{
	switch (r->outcome) {
	case TA_OUT_HELLO:
	case TA_OUT_HRR:
	case TA_OUT_ALERT:
	case TA_OUT_SSL2:
	case TA_OUT_SSL2_ERROR:
		t->alive = true;
		t->dead_streak = 0;
		return;
	case TA_OUT_TIMEOUT:
	case TA_OUT_GARBAGE:
		if (t->alive || t->abort)
			return;
		if (++t->dead_streak >= DEAD_STREAK_LIMIT) {
			t->abort = true;
			if (!r->detail) {
				t->abort_reason =
				        r->outcome == TA_OUT_TIMEOUT
				                ? "no answer within the timeout"
				                : "the server does not answer like a TLS server";
			} else {
				snprintf(t->abort_buf, sizeof t->abort_buf,
				         r->outcome == TA_OUT_TIMEOUT
				                 ? "%s"
				                 : "the server does not answer like a TLS server "
				                   "(%s)",
				         r->detail);
				t->abort_reason = t->abort_buf;
			}
		}
		return;
	case TA_OUT_CONNECT:
		if (!t->alive && !t->abort) {
			t->abort = true;
			t->abort_reason = "cannot connect";
		}
		return;
	default:
		return;
	}
}

/*
 * A STARTTLS dialogue failed for good: the service does not offer TLS, or
 * refuses it, or stayed busy through every retry.  Nothing more can be
 * learnt from this target; what was found so far is kept and the result
 * says why it stopped.  To the probes it is an unreachable target.
 */
static void
st_final(struct ta_target *t, struct ta_xchg *x)
{
	struct ta_starttls_result *sr = &t->res.starttls;
	const char *label = x->st.ops ? x->st.ops->label : "STARTTLS";

	if (x->st.fail == TA_STF_NOT_OFFERED && sr->offered != TA_YES)
		sr->offered = TA_NO;
	if (!sr->error[0])
		snprintf(sr->error, sizeof sr->error, "%s", x->st.detail);
	if (!t->abort) {
		t->abort = true;
		if (x->st.fail == TA_STF_BUSY)
			snprintf(t->abort_buf, sizeof t->abort_buf,
			         "the %s server kept refusing connections (%.200s)", label,
			         x->st.detail);
		else
			snprintf(t->abort_buf, sizeof t->abort_buf, "%s: %.200s", label,
			         x->st.detail);
		t->abort_reason = t->abort_buf;
	}
	x->resp.outcome = TA_OUT_CONNECT;
	x->resp.detail = t->abort_reason;
}

static void
xchg_complete(struct ta_xchg *x)
{
	struct ta_job *job = x->job;
	struct ta_target *t = job->t;

	if (x->resp.outcome == TA_OUT_STARTTLS)
		st_final(t, x);
	else if (x->st.ops && !x->st_active && x->resp.outcome != TA_OUT_CONNECT)
		t->busy_streak = 0; /* a dialogue went through */
	if (x->resp.outcome >= 0 && x->resp.outcome <= TA_OUT_INTERNAL)
		t->outcomes[x->resp.outcome]++;
	if (t->scan->trace)
		fprintf(stderr,
		        "trace: %5llu ms %s:%u %-28s outcome=%d alert=%d suite=0x%04x group=%u "
		        "ske=%d curve=%u sig=0x%04x\n",
		        (unsigned long long)(ta_loop_now(&t->scan->loop) - t->start_ms), t->res.ip,
		        t->res.port, job->label[0] ? job->label : job->ops->name, x->resp.outcome,
		        x->resp.has_alert ? x->resp.alert.desc : -1, x->resp.sh.suite,
		        x->resp.sh.key_share_group, x->resp.has_ske, x->resp.curve,
		        x->resp.has_sigalg ? x->resp.sigalg : 0);
	if (t->scan->trace && x->resp.ossl)
		fprintf(stderr,
		        "trace:   openssl ok=%d version=0x%04x reused=%d tickets=%u reneg=%d "
		        "session=%d\n",
		        x->resp.ossl_ok, x->resp.ossl_version, x->resp.ossl_reused,
		        x->resp.ossl_tickets, x->resp.ossl_reneg, x->resp.ossl_session != NULL);
	if (x->resp.detail)
		t->last_detail = x->resp.detail;
	if (x->resp.outcome == TA_OUT_HELLO && x->resp.sh.dup_extension)
		ta_result_note(&t->res,
		               "the ServerHello repeats the same extension (a protocol violation, "
		               "RFC 8446 4.2 / RFC 5246 7.4.1.4)");
	note_liveness(t, &x->resp);
	x->cb(job, &x->resp);
	if (t->abort && t->alive && !t->res.incomplete) {
		t->res.incomplete = true;
		snprintf(t->res.incomplete_reason, sizeof t->res.incomplete_reason, "%s",
		         t->abort_reason ? t->abort_reason : "a connection failed");
	}
	xchg_free(x);
	pump_target(t);
	pump_scan(t->scan);
}

/* Queue x again (back of the queue: other work goes on meanwhile). */
static void
requeue(struct ta_xchg *x)
{
	struct ta_target *t = x->job->t;
	uint32_t tag = x->resp.tag;

	free(x->resp.chain);
	free(x->resp.ocsp);
	ta_ossl_session_free(x->resp.ossl_session);
	memset(&x->resp, 0, sizeof x->resp);
	x->resp.tag = tag;
	x->resp.outcome = TA_OUT_CLOSED;
	x->hslen = 0;
	x->skip = 0;
	x->got_sh = false;
	x->got_bytes = false;
	x->warnings = 0;
	enqueue(t, x);
	pump_target(t);
	pump_scan(t->scan);
}

/*
 * A busy server (421, a reset in the dialogue): one connection at a time
 * from now on, and none for a while, doubling up to 16 s.  Mail servers
 * rate-limit; a scan that slows down gets a complete answer.
 */
#define BUSY_RETRIES    4
#define SHED_PAUSE_MS   200
#define BUSY_STREAK_MAX 8 /* busy answers in a row before the target is given up */

static void
on_hold_over(struct ta_timer *tm)
{
	struct ta_target *t =
	        (struct ta_target *)((char *)tm - offsetof(struct ta_target, hold_timer));

	pump_target(t);
	pump_scan(t->scan);
}

/*
 * A refusal after dialogues that went through: the server limits the
 * sessions it runs at once (Exim: 20, each counted for half a second
 * after the client has gone), so halve the connections kept open and
 * pause briefly.  Refusals in a row (nothing went through in between) are
 * a busy server: one connection at a time, and a pause of 1, 2, 4, 8,
 * 16 s.
 */
static void
hold_target(struct ta_target *t)
{
	struct ta_scan *s = t->scan;
	uint64_t now = ta_loop_now(&s->loop), delay;
	unsigned cap = t->conn_cap ? t->conn_cap : s->cfg.max_conns_per_host;

	if (t->busy_streak == 0 && t->alive && cap > 1) {
		t->conn_cap = cap / 2;
		delay = SHED_PAUSE_MS;
	} else {
		unsigned shift = t->busy_streak < 4 ? t->busy_streak : 4;

		delay = t->busy_streak == 0 && t->alive ? SHED_PAUSE_MS * 2 : 1000ull << shift;
		t->conn_cap = 1;
	}
	t->busy_streak++;
	t->hold_until_ms = now + delay;
	/* never ta_timer_init() an armed timer: it would sit in the heap twice */
	t->hold_timer.cb = on_hold_over;
	(void)ta_timer_start(&s->loop, &t->hold_timer, delay);
}

static void
xchg_on_end(struct ta_conn *c, int err)
{
	struct ta_xchg *x = c->owner;
	struct ta_target *t = x->job->t;
	struct ta_scan *s = t->scan;

	x->conn = NULL;
	t->inflight--;
	s->inflight--;
	if (x->st_active && err != TA_OK && err != TA_ECONNECT &&
	    x->resp.outcome == TA_OUT_CLOSED) {
		/* the dialogue did not finish: silence is a dead or tarpitting
		 * server, a close or reset mid-dialogue is how busy servers
		 * shed connections */
		if (err == TA_ETIMEOUT) {
			x->resp.outcome = TA_OUT_TIMEOUT;
			snprintf(t->st_msg, sizeof t->st_msg, "no %s %s within the timeout",
			         x->st.ops->label, x->st.step == 0 ? "greeting" : "reply");
			x->resp.detail = t->st_msg;
		} else {
			x->resp.outcome = TA_OUT_STARTTLS;
			x->st.fail = TA_STF_BUSY;
			snprintf(x->st.detail, sizeof x->st.detail,
			         "the server closed the connection during the %s dialogue",
			         x->st.ops->label);
		}
	}
	if (err != TA_OK && !x->got_sh && x->resp.outcome == TA_OUT_CLOSED) {
		switch (err) {
		case TA_ECONNECT:
			x->resp.outcome = TA_OUT_CONNECT;
			break;
		case TA_ETIMEOUT:
			x->resp.outcome = TA_OUT_TIMEOUT;
			break;
		case TA_ENOSPC:
			x->resp.outcome = TA_OUT_GARBAGE;
			x->resp.detail = "answer larger than a record";
			break;
		default:
			x->resp.outcome = TA_OUT_CLOSED;
		}
		if (x->got_bytes && (err == TA_ECLOSED || err == TA_ETIMEOUT)) {
			/* it began an answer and never finished it */
			x->resp.outcome = TA_OUT_GARBAGE;
			x->resp.detail =
			        err == TA_ECLOSED
			                ? "connection closed in the middle of an answer"
			                : "an answer began and did not finish within the timeout";
		}
	}
	if (x->resp.outcome == TA_OUT_CONNECT || x->resp.outcome == TA_OUT_TIMEOUT)
		t->res.failed_connections++;
	if (x->resp.outcome == TA_OUT_STARTTLS && x->st.fail == TA_STF_BUSY) {
		t->res.failed_connections++; /* refused (421 ...): it cost a connection */
		t->res.starttls.busy++;
		/* a server that has never let a dialogue through gets
		 * BUSY_RETRIES in all, not per exchange */
		if (x->busy_tries < BUSY_RETRIES && !t->abort &&
		    (t->alive || t->res.starttls.busy <= BUSY_RETRIES) &&
		    t->busy_streak < BUSY_STREAK_MAX) {
			x->busy_tries++;
			hold_target(t);
			requeue(x);
			return;
		}
	}
	if ((x->resp.outcome == TA_OUT_CONNECT || x->resp.outcome == TA_OUT_TIMEOUT) &&
	    x->attempt < s->cfg.retries && !t->abort) {
		x->attempt++;
		requeue(x);
		return;
	}
	xchg_complete(x);
}

static const struct ta_conn_ops xchg_ops = {
        .on_data = xchg_on_data,
        .on_end = xchg_on_end,
};

static void
xchg_start_conn(struct ta_xchg *x)
{
	struct ta_target *t = x->job->t;
	struct ta_scan *s = t->scan;
	int rc;

	if (x->use_ossl) {
		/* a fresh session per attempt: its first flight is the hello */
		ta_ossl_free(x->ossl);
		free(x->hello);
		x->hello = NULL;
		x->ossl = ta_ossl_new(&x->req, t->sni, &x->hello, &x->hello_len);
		if (!x->ossl) {
			x->resp.outcome = TA_OUT_INTERNAL;
			x->resp.detail = "OpenSSL could not start a session";
			xchg_complete(x);
			return;
		}
	}
	rc = ta_conn_start(&s->loop, (const struct sockaddr *)&t->addr, t->addrlen, &xchg_ops, x,
	                   s->cfg.connect_timeout_ms, s->cfg.read_timeout_ms, XCHG_IN_CAP,
	                   &x->conn);
	if (rc == TA_OK && t->st_ops) {
		ta_st_init(&x->st, t->st_ops, t->sni[0] ? t->sni : t->res.host);
		ta_st_begin(&x->st);
		x->st_active = true;
		if (x->st.outlen)
			rc = ta_conn_send(x->conn, x->st.out, x->st.outlen);
	} else if (rc == TA_OK) {
		/* sent once connected: the round trip includes the connect */
		x->hello_ms = ta_loop_now(&s->loop);
		rc = ta_conn_send(x->conn, x->hello, x->hello_len);
	}
	if (rc != TA_OK) {
		if (x->conn)
			ta_conn_abort(x->conn);
		x->conn = NULL;
		x->resp.outcome = rc == TA_ECONNECT ? TA_OUT_CONNECT : TA_OUT_INTERNAL;
		x->resp.detail = ta_strerror(rc);
		xchg_complete(x);
		return;
	}
	t->inflight++;
	s->inflight++;
	t->res.connections++;
}

/* Start queued exchanges while this target and the scan have slots. */
static void
pump_target(struct ta_target *t)
{
	struct ta_scan *s = t->scan;

	unsigned cap = s->cfg.max_conns_per_host;

	if (t->conn_cap && t->conn_cap < cap)
		cap = t->conn_cap;
	if (t->qhead && !t->abort && t->hold_until_ms > ta_loop_now(&s->loop)) {
		/* held back: the hold timer pumps again */
		if (t->hold_timer.idx == SIZE_MAX) {
			t->hold_timer.cb = on_hold_over;
			(void)ta_timer_start(&s->loop, &t->hold_timer,
			                     t->hold_until_ms - ta_loop_now(&s->loop));
		}
		return;
	}
	if (!t->qhead && t->inflight == 0)
		ta_timer_stop(&s->loop, &t->hold_timer); /* nothing left to hold back */
	while (t->qhead && t->inflight < cap) {
		struct ta_xchg *x = t->qhead;

		if (t->abort) {
			t->qhead = x->next;
			if (!t->qhead)
				t->qtail = NULL;
			x->resp.outcome = TA_OUT_CONNECT;
			x->resp.detail = "target unreachable";
			xchg_complete(x);
			continue;
		}
		if (s->inflight >= s->cfg.max_conns_total) {
			if (!t->in_ready) {
				t->in_ready = true;
				t->ready_next = NULL;
				if (s->ready_tail)
					s->ready_tail->ready_next = t;
				else
					s->ready_head = t;
				s->ready_tail = t;
			}
			return;
		}
		t->qhead = x->next;
		if (!t->qhead)
			t->qtail = NULL;
		x->next = NULL;
		xchg_start_conn(x);
	}
}

static void
pump_scan(struct ta_scan *s)
{
	while (s->ready_head && s->inflight < s->cfg.max_conns_total) {
		struct ta_target *t = s->ready_head;

		s->ready_head = t->ready_next;
		if (!s->ready_head)
			s->ready_tail = NULL;
		t->in_ready = false;
		pump_target(t);
	}
}

int
ta_xchg_submit(struct ta_job *job, const uint8_t *hello, size_t len, unsigned want, ta_xchg_cb cb)
{
	struct ta_target *t = job->t;
	struct ta_xchg *x = calloc(1, sizeof *x);

	if (!x || !(x->hello = malloc(len))) {
		free(x);
		return TA_ENOMEM;
	}
	memcpy(x->hello, hello, len);
	x->hello_len = len;
	x->job = job;
	x->cb = cb;
	x->want = want;
	x->resp.tag = job->tag;
	x->resp.outcome = TA_OUT_CLOSED;
	enqueue(t, x);
	pump_target(t);
	return TA_OK;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
ta_xchg_submit_ossl(struct ta_job *job, const struct ta_ossl_req *req, ta_xchg_cb cb)
{
	struct ta_target *t = job->t;
	struct ta_xchg *x = calloc(1, sizeof *x);

	if (!x)
		return TA_ENOMEM;
	x->use_ossl = true;
	x->req = *req;
	x->req.sigalgs = dup_or_null(req->sigalgs);
	x->req.groups = dup_or_null(req->groups);
	x->req.ciphers = dup_or_null(req->ciphers);
	x->req.ciphersuites = dup_or_null(req->ciphersuites);
	x->req.alpn = dup_or_null(req->alpn);
	x->job = job;
	x->cb = cb;
	x->resp.tag = job->tag;
	x->resp.outcome = TA_OUT_CLOSED;
	enqueue(t, x);
	pump_target(t);
	return TA_OK;
}

void
ta_target_add_job(struct ta_target *t, struct ta_job *job)
{
	job->t = t;
	job->next = t->jobs;
	job->done = false;
	t->jobs = job;
	t->jobs_live++;
	job->ops->start(job);
}

/*
 * Start a target again through the dialogue its greeting named: every job
 * has ended, so what they learnt is dropped (it was learnt from a server
 * that was not speaking TLS); the connections made so far still count.
 */
static void
restart_target(struct ta_target *t)
{
	struct ta_result *r = &t->res, keep = t->res;
	const struct ta_st_ops *ops = t->restart_ops;
	struct ta_job *j = t->jobs;
	char greeting[sizeof t->greeting];

	while (j) {
		struct ta_job *next = j->next;

		j->ops->free(j);
		j = next;
	}
	t->jobs = NULL;
	for (size_t i = 0; i < t->ng13_seed; i++)
		free(t->g13_seed_win[i]);
	memcpy(greeting, t->greeting, sizeof greeting);
	/* the planning state, between the first and the last of its fields */
	memset(&t->v_done, 0,
	       (size_t)((char *)&t->dead_streak + sizeof t->dead_streak - (char *)&t->v_done));
	memset(r, 0, sizeof *r);
	memcpy(r->host, keep.host, sizeof r->host);
	memcpy(r->ip, keep.ip, sizeof r->ip);
	r->port = keep.port;
	r->connections = keep.connections;
	r->failed_connections = keep.failed_connections;
	r->groups13.vidx = r->groups12.vidx = -1;
	r->groups13.server_order = r->groups12.server_order = TA_UNKNOWN;
	r->groups_server_order = TA_UNKNOWN;
	t->restarted = true;
	t->st_ops = ops;
	snprintf(r->service, sizeof r->service, "%s", ops->name);
	snprintf(r->starttls.proto, sizeof r->starttls.proto, "%s", ops->name);
	r->starttls.offered = TA_UNKNOWN;
	ta_result_note(r,
	               "no protocol was named (HOST:PORT/PROTO) and the server spoke first "
	               "(%s%s%s%s): scanned through %s STARTTLS",
	               ops->label, greeting[0] ? ": \"" : "", greeting, greeting[0] ? "\"" : "",
	               ops->label);
	ta_plan_start(t);
}

void
ta_job_finish(struct ta_job *job)
{
	struct ta_target *t = job->t;

	if (job->done)
		return;
	job->done = true;
	t->jobs_live--;
	ta_plan_after(t, job);
	if (t->jobs_live == 0 && !t->finished && t->restart_ops && !t->restarted) {
		restart_target(t);
		return;
	}
	if (t->jobs_live == 0 && !t->finished) {
		t->finished = true;
		ta_plan_finish(t);
		t->scan->targets_live--;
	}
}
