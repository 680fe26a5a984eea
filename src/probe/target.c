/*
 * Scheduling the exchanges of each target on the loop: the per-target and
 * per-scan connection caps, retries, the holds of a busy server, the
 * liveness that gives a dead target up, the end of each job (the planner
 * is called through the scan's interface), and the restart of a target
 * whose server spoke another protocol first.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/pace.h"
#include "probe/xchg.h"
#include "wire/text.h"

static void xchg_start_conn(struct ta_xchg *x);
static void live_del(struct ta_target *t, struct ta_xchg *x);
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
		        "trace: %5llu ms %s:%u %-28s tag=0x%x outcome=%d alert=%d suite=0x%04x "
		        "group=%u ske=%d curve=%u sig=0x%04x\n",
		        (unsigned long long)(ta_loop_now(&t->scan->loop) - t->start_ms), t->res.ip,
		        t->res.port, job->label[0] ? job->label : job->ops->name,
		        (unsigned)x->resp.tag, x->resp.outcome,
		        x->resp.has_alert ? x->resp.alert.desc : -1, x->resp.sh.suite,
		        x->resp.sh.key_share_group, x->resp.has_ske, x->resp.curve,
		        x->resp.has_sigalg ? x->resp.sigalg : 0);
	if (t->scan->trace && x->resp.ossl) {
		/* ticket_wait: how long it waited after its Finished (0: no
		 * wait); ticket_at: when the first ticket came, after that */
		char at[32] = "-";

		if (x->resp.ossl_tickets)
			snprintf(at, sizeof at, "%ums", x->resp.ossl_ticket_ms);
		fprintf(stderr,
		        "trace:   openssl ok=%d version=0x%04x reused=%d tickets=%u "
		        "ticket_wait=%ums ticket_at=%s reneg=%d session=%d\n",
		        x->resp.ossl_ok, x->resp.ossl_version, x->resp.ossl_reused,
		        x->resp.ossl_tickets, x->resp.ossl_ticket_wait_ms, at, x->resp.ossl_reneg,
		        x->resp.ossl_session != NULL);
	}
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
	live_del(t, x);
	ta_xchg_free(x);
	pump_target(t);
	ta_scan_pump(t->scan);
}

static void
live_add(struct ta_target *t, struct ta_xchg *x)
{
	x->live_prev = NULL;
	x->live_next = t->live;
	if (t->live)
		t->live->live_prev = x;
	t->live = x;
}

static void
live_del(struct ta_target *t, struct ta_xchg *x)
{
	if (x->live_prev)
		x->live_prev->live_next = x->live_next;
	else
		t->live = x->live_next;
	if (x->live_next)
		x->live_next->live_prev = x->live_prev;
}

void
ta_target_drop_exchanges(struct ta_target *t)
{
	while (t->live) {
		struct ta_xchg *x = t->live;

		live_del(t, x);
		if (x->conn)
			ta_conn_abort(x->conn); /* no callback: the target is going away */
		ta_xchg_free(x);
	}
	t->qhead = t->qtail = NULL;
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
	x->shd_seen = x->following = x->hb_wait = false;
	x->warnings = 0;
	enqueue(t, x);
	pump_target(t);
	ta_scan_pump(t->scan);
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
	ta_scan_pump(t->scan);
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
	t->hold_since_ms = now;
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
	if (x->following && x->resp.follow.end == TA_FOLLOW_TIMEOUT && err != TA_ETIMEOUT &&
	    err != TA_OK) {
		x->resp.follow.end = c->reset ? TA_FOLLOW_RESET : TA_FOLLOW_CLOSED;
		x->resp.follow.ms = (unsigned)(ta_loop_now(c->loop) - x->follow_ms);
	}
	if (x->hb_wait && x->resp.hb.end == TA_FOLLOW_TIMEOUT) {
		if (err != TA_ETIMEOUT && err != TA_OK)
			x->resp.hb.end = c->reset ? TA_FOLLOW_RESET : TA_FOLLOW_CLOSED;
		x->resp.hb.ms = (unsigned)(ta_loop_now(c->loop) - x->hb_ms);
	}
	t->inflight--;
	s->inflight--;
	if (t->host)
		t->host->inflight--;
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
			/* connections opened before the last hold began say
			 * nothing new about the server: they wait with the rest */
			if (x->started_ms >= t->hold_since_ms || t->busy_streak == 0)
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
        .on_data = ta_xchg_on_data,
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
	x->started_ms = ta_loop_now(&s->loop);
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
	if (t->host)
		t->host->inflight++;
	t->res.connections++;
	s->nconns++;
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
		/* --max-conns is per address, whatever the targets on it
		 * (ports, protocols, names): wait for a slot of the scan or of
		 * the address, with the targets that wait for one */
		if (s->inflight >= s->cfg.max_conns_total ||
		    (t->host && t->host->inflight >= s->cfg.max_conns_per_host) ||
		    !ta_pace_take(s)) {
			if (!t->in_ready) {
				t->in_ready = true;
				t->ready_next = NULL;
				if (s->ready_tail)
					s->ready_tail->ready_next = t;
				else
					s->ready_head = t;
				s->ready_tail = t;
				s->nready++;
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

void
ta_scan_pump(struct ta_scan *s)
{
	/* each waiting target once: one that still waits goes to the back */
	for (size_t n = s->nready; n > 0 && s->ready_head && s->inflight < s->cfg.max_conns_total;
	     n--) {
		struct ta_target *t = s->ready_head;

		s->ready_head = t->ready_next;
		if (!s->ready_head)
			s->ready_tail = NULL;
		t->in_ready = false;
		s->nready--;
		pump_target(t);
	}
}

int
ta_xchg_submit(struct ta_job *job, const uint8_t *hello, size_t len, unsigned want, ta_xchg_cb cb)
{
	return ta_xchg_submit_follow(job, hello, len, want, NULL, 0, cb);
}

int
ta_xchg_submit_follow(struct ta_job *job, const uint8_t *hello, size_t len, unsigned want,
                      ta_follow_fn follow, unsigned wait_ms, ta_xchg_cb cb)
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
	x->want = follow ? want | TA_WANT_CERT : want; /* read on to the ServerHelloDone */
	x->follow = follow;
	x->follow_wait_ms = wait_ms;
	x->resp.tag = job->tag;
	x->resp.outcome = TA_OUT_CLOSED;
	live_add(t, x);
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
	live_add(t, x);
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
	t->scan->planner->start(t);
}

void
ta_job_finish(struct ta_job *job)
{
	struct ta_target *t = job->t;

	if (job->done)
		return;
	job->done = true;
	t->jobs_live--;
	t->scan->planner->after(t, job);
	if (t->jobs_live == 0 && !t->finished && t->restart_ops && !t->restarted) {
		restart_target(t);
		return;
	}
	if (t->jobs_live == 0 && !t->finished) {
		t->finished = true;
		t->scan->planner->finish(t);
		ta_target_probes_done(t);
	}
}
