/*
 * The elimination state machine; see elim.h.  Phases: ELIM (find what is
 * accepted; the order test may ride on its last offers), TEST (server order
 * or client order, when the choices did not tell), SORT (full server order
 * by selection over the known facts), CHACHA (does a client listing ChaCha20
 * first get it?), DONE.
 *
 * Ordering facts assume a server that either always chooses by its own
 * preference (then a choice beats every other accepted item it was offered
 * with) or always takes the first acceptable item the client listed.  A
 * choice that skipped an accepted item listed earlier proves the first; two
 * choices that contradict each other under it prove the second.
 *
 * This file owns the state machine, the facts and the ELIM phase; the
 * ordering phases are order.c's (they share elim_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/elim_int.h"

#define MID_WINDOW 64
#define MIN_WINDOW 16

bool
ta_suite_is_chacha(uint16_t id)
{
	const struct ta_suite *s = ta_suite_find(id);

	return s && s->cipher == TA_CIPHER_CHACHA20_POLY1305;
}

static void
elim_free(struct ta_job *job)
{
	struct ta_elim *e = (struct ta_elim *)job;

	for (size_t i = 0; i < e->npicks; i++)
		free(e->picks[i].win);
	free(e->picks);
	free(e->cand);
	free(e->order0);
	free(e->rel);
	free(e->placed);
	free(e->ctx);
	free(e);
}

int
ta_elim_acc_index(const struct ta_elim *e, uint16_t id)
{
	for (size_t i = 0; i < e->nacc; i++)
		if (e->acc[i] == id)
			return (int)i;
	return -1;
}

uint8_t
ta_elim_klass(struct ta_elim *e, uint16_t id)
{
	uint8_t c = e->kind->klass ? e->kind->klass(e, id) : 0;

	return c < 32 ? c : 0;
}

/* Classes with an accepted candidate, as a bit mask. */
static uint32_t
accepted_classes(struct ta_elim *e)
{
	uint32_t m = 0;

	for (size_t i = 0; e->kind->klass && i < e->nacc; i++) {
		uint8_t c = ta_elim_klass(e, e->acc[i]);

		if (c)
			m |= 1u << c;
	}
	return m;
}

/* Does choice p say that the server would rather have it than `other`? */
bool
ta_elim_comparable(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other)
{
	return !e->kind->comparable || e->kind->comparable(e, p, other);
}

/* ... and is that evidence of the server's own order (same class)? */
bool
ta_elim_evidence(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other)
{
	return ta_elim_comparable(e, p, other) &&
	       ta_elim_klass(e, p->id) == ta_elim_klass(e, other);
}

/* A server preferring ChaCha20 when the client lists it first (OpenSSL's
 * PRIORITIZE_CHACHA) would answer an offer that starts with a ChaCha20
 * suite by that rule, not by its order: lead with another suite when
 * there is one among the first `lead` items. */
static void
chacha_not_first(struct ta_elim *e, uint16_t *ids, size_t lead)
{
	size_t k;

	if (!e->chacha_test || lead < 2 || !ta_suite_is_chacha(ids[0]))
		return;
	for (k = 1; k < lead && ta_suite_is_chacha(ids[k]); k++)
		;
	if (k < lead) {
		uint16_t x = ids[k];

		memmove(ids + 1, ids, k * sizeof *ids);
		ids[0] = x;
	}
}

/* Queue a hello offering ids[0..n) (copied into e->offer first). */
void
ta_elim_send_offer(struct ta_elim *e, const uint16_t *ids, size_t n, ta_xchg_cb cb)
{
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	struct ta_wr w;
	int rc;

	if (ids != e->offer) {
		if (n > sizeof e->offer / sizeof e->offer[0])
			n = sizeof e->offer / sizeof e->offer[0];
		memmove(e->offer, ids, n * sizeof *ids);
	}
	e->offer_len = n;
	if (e->job.t->scan->trace) {
		fprintf(stderr, "trace: offer %s:", e->job.label);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %04x", e->offer[i]);
		fputc('\n', stderr);
	}
	if (e->kind->submit) {
		rc = e->kind->submit(e, e->offer, n, cb);
	} else {
		ta_wr_init(&w, buf, sizeof buf);
		rc = e->kind->build(e, e->offer, n, &w);
		if (rc == TA_OK)
			rc = ta_xchg_submit(&e->job, buf, w.len, e->kind->want, cb);
	}
	if (rc != TA_OK) {
		e->incomplete = true;
		e->last_detail = ta_strerror(rc);
		e->phase = PH_DONE;
		ta_elim_step(e);
	}
}

/* The server broke the protocol: stop, keep what is known, say why. */
static void
broken(struct ta_elim *e, const char *why)
{
	struct ta_target *t = e->job.t;

	e->incomplete = true;
	e->last_detail = why;
	if (!t->violation)
		t->violation = why;
	e->phase = PH_DONE;
	ta_elim_step(e);
}

/* ---- facts ---- */

static bool
add_pick(struct ta_elim *e, uint16_t id, const uint16_t *win, size_t n)
{
	struct ta_elim_pick *p = realloc(e->picks, (e->npicks + 1) * sizeof *p);

	if (!p)
		return false;
	e->picks = p;
	p = &e->picks[e->npicks];
	p->win = malloc((n ? n : 1) * sizeof *p->win);
	if (!p->win)
		return false;
	memcpy(p->win, win, n * sizeof *p->win);
	p->nwin = n;
	p->id = id;
	p->flags = e->built_flags;
	e->npicks++;
	return true;
}

static bool
listed_before(const struct ta_elim_pick *p, uint16_t x)
{
	for (size_t k = 0; k < p->nwin && p->win[k] != p->id; k++)
		if (p->win[k] == x)
			return true;
	return false;
}

/* The last choice recorded is x: did it skip an accepted item listed
 * before it, or did an earlier choice skip x, listed before it?  Then the
 * server uses its own order. */
static void
note_evidence(struct ta_elim *e, uint16_t x)
{
	const struct ta_elim_pick *last;

	if (!e->want_order || e->server_order != TA_UNKNOWN || e->npicks == 0)
		return;
	last = &e->picks[e->npicks - 1];
	for (size_t k = 0; last->id == x && k < last->nwin && last->win[k] != x; k++)
		if (ta_elim_acc_index(e, last->win[k]) >= 0 &&
		    ta_elim_evidence(e, last, last->win[k])) {
			e->server_order = TA_YES;
			return;
		}
	for (size_t i = 0; i + 1 < e->npicks; i++)
		if (e->picks[i].id != x && listed_before(&e->picks[i], x) &&
		    ta_elim_evidence(e, &e->picks[i], x)) {
			e->server_order = TA_YES;
			return;
		}
}

void
ta_elim_seed(struct ta_elim *e, uint16_t id, const uint16_t *win, size_t n)
{
	if (ta_elim_acc_index(e, id) < 0) {
		if (e->nacc >= TA_MAX_ACCEPT)
			return;
		e->acc[e->nacc++] = id;
	}
	if (add_pick(e, id, win, n))
		note_evidence(e, id);
}

/* ---- ELIM ---- */

static void on_elim(struct ta_job *job, const struct ta_response *r);

/* A choice p offered together with an accepted a listed after it, both of
 * class want (any class when want < 0). */
bool
ta_elim_find_pair(struct ta_elim *e, uint16_t *a, uint16_t *p, int want)
{
	for (size_t i = 0; i < e->npicks; i++) {
		const struct ta_elim_pick *pk = &e->picks[i];
		bool after = false;

		if (want >= 0 && ta_elim_klass(e, pk->id) != want)
			continue;
		for (size_t k = 0; k < pk->nwin; k++) {
			if (pk->win[k] == pk->id) {
				after = true;
				continue;
			}
			if (after && ta_elim_acc_index(e, pk->win[k]) >= 0 &&
			    ta_elim_evidence(e, pk, pk->win[k])) {
				*a = pk->win[k];
				*p = pk->id;
				return true;
			}
		}
	}
	return false;
}

#define WCLASS_UNACCEPTED (-1)

/*
 * Put the candidates the next hello may offer first (stable) and return
 * how many there are: with classes, a hello offers either one accepted
 * class or only classes not accepted yet, plus classless candidates
 * (see elim.h).  *wclass: the accepted class, WCLASS_UNACCEPTED, or 0
 * when the candidates have no class.
 */
static size_t
gather(struct ta_elim *e, int *wclass)
{
	uint32_t acc = accepted_classes(e);
	uint16_t *rest;
	size_t k = 0, nrest = 0;
	bool accepted_left = false;

	*wclass = 0;
	if (!e->kind->klass)
		return e->ncand;
	for (size_t i = 0; i < e->ncand && *wclass == 0; i++) {
		uint8_t c = ta_elim_klass(e, e->cand[i]);

		if (c)
			*wclass = acc & (1u << c) ? c : WCLASS_UNACCEPTED;
	}
	if (*wclass == 0 || !(rest = malloc(e->ncand * sizeof *rest)))
		return e->ncand;
	/* classless candidates go with an accepted class while one has
	 * candidates left: sharing offers with accepted items gives the
	 * choices that order them (an offer of unaccepted classes is
	 * usually refused whole, and orders nothing) */
	for (size_t i = 0; i < e->ncand && !accepted_left; i++) {
		uint8_t c = ta_elim_klass(e, e->cand[i]);

		accepted_left = c != 0 && (acc & (1u << c)) != 0;
	}
	for (size_t i = 0; i < e->ncand; i++) {
		uint8_t c = ta_elim_klass(e, e->cand[i]);
		bool fits = c == 0 ? *wclass != WCLASS_UNACCEPTED || !accepted_left
		            : *wclass == WCLASS_UNACCEPTED ? !(acc & (1u << c))
		                                           : c == *wclass;

		if (fits)
			e->cand[k++] = e->cand[i];
		else
			rest[nrest++] = e->cand[i];
	}
	memcpy(e->cand + k, rest, nrest * sizeof *rest);
	free(rest);
	return k;
}

/* Should the order test ride on an offer of cand[0..n)?  Only while the
 * order is open and only on unlikely candidates: a server-order server
 * would choose the known item over a likely new one and waste the hello.
 * Only an accepted pair of the offer's own class may ride (a pair of
 * another class could make the server switch certificates). */
static bool
want_pair(struct ta_elim *e, size_t n, int wclass)
{
	uint8_t rank[TA_ELIM_WINDOW];

	if (!e->want_order || e->server_order != TA_UNKNOWN || e->no_pair || e->nacc < 2 ||
	    n == 0 || n > TA_ELIM_WINDOW || wclass == WCLASS_UNACCEPTED)
		return false;
	if (e->kind->rank) {
		e->kind->rank(e, e->cand, n, rank);
		for (size_t i = 0; i < n; i++)
			if (rank[i] < TA_ELIM_UNLIKELY)
				return false;
	}
	return ta_elim_find_pair(e, &e->pair_a, &e->pair_p, wclass > 0 ? wclass : -1);
}

/* How many of cand[0..avail) one hello offers: window of those that count
 * (elim.h), and no more than TA_ELIM_WINDOW in all. */
static size_t
take(struct ta_elim *e, size_t avail, size_t window)
{
	size_t n = 0, counted = 0;

	if (!e->kind->counts || e->shrunk) /* a smaller hello: smaller in all */
		return avail < window ? avail : window;
	while (n < avail && n < TA_ELIM_WINDOW) {
		bool c = e->kind->counts(e, e->cand[n]);

		if (c && counted == window)
			break;
		counted += c;
		n++;
	}
	return n;
}

static void
elim_next(struct ta_elim *e)
{
	int wclass;
	size_t avail = gather(e, &wclass);
	size_t n = take(e, avail, e->window);
	size_t n2 = take(e, avail, e->window - 2);

	e->pair_sent = e->window > 2 && want_pair(e, n2, wclass);
	if (e->pair_sent)
		n = n2;
	memcpy(e->offer, e->cand, n * sizeof *e->cand);
	chacha_not_first(e, e->offer, n);
	e->noffer = n;
	if (e->pair_sent) {
		e->offer[n] = e->pair_a;
		e->offer[n + 1] = e->pair_p;
	}
	ta_elim_send_offer(e, e->offer, n + (e->pair_sent ? 2 : 0), on_elim);
}

/* Sort the remaining candidates by the kind's rank (stable). */
static void
rerank(struct ta_elim *e)
{
	uint8_t *rank;
	uint16_t *tmp;
	size_t k = 0;

	if (!e->kind->rank || e->ncand < 2)
		return;
	rank = malloc(e->ncand);
	tmp = malloc(e->ncand * sizeof *tmp);
	if (rank && tmp) {
		e->kind->rank(e, e->cand, e->ncand, rank);
		for (uint8_t r = 0; r <= TA_ELIM_UNLIKELY; r++)
			for (size_t i = 0; i < e->ncand; i++)
				if (rank[i] == r || (r == TA_ELIM_UNLIKELY && rank[i] > r))
					tmp[k++] = e->cand[i];
		memcpy(e->cand, tmp, e->ncand * sizeof *tmp);
	}
	free(rank);
	free(tmp);
}

static void
drop_cands(struct ta_elim *e, size_t n)
{
	memmove(e->cand, e->cand + n, (e->ncand - n) * sizeof *e->cand);
	e->ncand -= n;
}

static void
remove_cand(struct ta_elim *e, uint16_t id)
{
	for (size_t k = 0; k < e->ncand; k++)
		if (e->cand[k] == id) {
			memmove(e->cand + k, e->cand + k + 1, (e->ncand - k - 1) * sizeof *e->cand);
			e->ncand--;
			return;
		}
}

static void
on_elim(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	size_t n = e->noffer;
	uint16_t id = 0;
	int j;

	e->last_outcome = r->outcome;
	if (r->detail)
		e->last_detail = r->detail;
	if (e->kind->observe)
		e->kind->observe(e, r);
	j = e->kind->judge(e, r, &id);
	if (j == TA_J_PICK) {
		if (ta_u16_contains(e->offer, n, id)) {
			ta_elim_seed(e, id, e->offer, e->offer_len);
			remove_cand(e, id);
			rerank(e);
		} else if (e->pair_sent && id == e->pair_a) {
			/* pair_p was chosen over pair_a before, so a server with
			 * an order of its own would not take pair_a now: it takes
			 * the first acceptable item listed, and none listed before
			 * pair_a is acceptable */
			e->server_order = TA_NO;
			drop_cands(e, n);
		} else if (e->pair_sent && id == e->pair_p) {
			/* pair_a was listed first and not taken: server order; the
			 * candidates offered are still open */
			e->server_order = TA_YES;
			(void)add_pick(e, id, e->offer, e->offer_len);
		} else {
			/* chose something never offered: a broken or hostile server */
			broken(e, "the server chose something that was not offered");
			return;
		}
		if (e->shrunk)
			e->maxwindow = e->window; /* the small hello worked */
		e->shrunk = false;
		e->fails = 0;
	} else if (j == TA_J_REJECT) {
		int what = e->kind->on_reject ? e->kind->on_reject(e, e->cand, n) : TA_R_DROP;

		if (what == TA_R_RESEND) {
			elim_next(e);
			return;
		}
		if (e->pair_sent) {
			/* items accepted before were refused with them: do not
			 * trust this refusal; offer the candidates alone */
			e->no_pair = true;
			elim_next(e);
			return;
		}
		if (what == TA_R_STOP) {
			e->stopped_early = true;
			e->stop_untried = e->ncand > n ? e->ncand - n : 0;
			e->ncand = 0;
		} else {
			drop_cands(e, n);
		}
		e->shrunk = false;
		e->fails = 0;
		e->window = e->maxwindow;
	} else if (j == TA_J_NOVERSION) {
		if (e->nacc == 0) {
			e->noversion = true;
			e->ncand = 0;
		} else {
			drop_cands(e, n);
		}
	} else if (j == TA_J_BROKEN) {
		broken(e, e->why      ? e->why
		          : r->detail ? r->detail
		                      : "the server broke the protocol");
		return;
	} else if (j == TA_J_UNREACHABLE) {
		e->incomplete = true;
		e->job.t->abort = true;
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	} else { /* TA_J_FAIL */
		/* once the server is known to close instead of alerting, a close
		 * is its refusal, not a failure: a one-suite server (GnuTLS,
		 * Dovecot) closes on every window of the registry */
		if (!(e->closed_is_reject && r->outcome == TA_OUT_CLOSED))
			e->fails++;
		if (r->outcome == TA_OUT_GARBAGE && n <= MIN_WINDOW) {
			/* garbage for a small hello too: not intolerance */
			broken(e, r->detail ? r->detail : "the answer is not valid TLS");
			return;
		}
		if (e->closed_is_reject) {
			drop_cands(e, n);
		} else if (n > MIN_WINDOW) {
			/* maybe intolerant of large hellos: try a smaller one */
			e->shrunk = true;
			e->window = n > MID_WINDOW ? MID_WINDOW : MIN_WINDOW;
		} else {
			/* small hellos fail too: this server closes instead of
			 * alerting when nothing is acceptable */
			e->closed_is_reject = true;
			e->shrunk = false;
			e->window = e->maxwindow;
			drop_cands(e, n);
		}
		if (e->fails >= 8) {
			e->incomplete = true;
			e->ncand = 0;
		}
	}
	if (e->ncand == 0 && !(e->kind->refill && e->kind->refill(e))) {
		e->phase = PH_TEST;
		ta_elim_step(e);
		return;
	}
	elim_next(e);
}

void
ta_elim_step(struct ta_elim *e)
{
	switch (e->phase) {
	case PH_ELIM:
		if (e->ncand == 0 && !(e->kind->refill && e->kind->refill(e))) {
			e->phase = PH_TEST;
			ta_elim_step(e);
			return;
		}
		elim_next(e);
		return;
	case PH_TEST:
	case PH_TEST2:
		if (!e->want_order || e->nacc < 2 || e->incomplete) {
			e->phase = PH_DONE;
			ta_elim_step(e);
			return;
		}
		ta_elim_start_order(e);
		return;
	case PH_SORT:
		ta_elim_sort_next(e);
		return;
	case PH_CHACHA:
		ta_elim_chacha_start(e);
		return;
	default:
		if (e->incomplete && !e->ordering)
			e->server_order = TA_UNKNOWN; /* no order claims on half a list */
		if (e->server_order == TA_YES && e->nsorted == e->nacc)
			memcpy(e->acc, e->sorted, e->nacc * sizeof *e->acc);
		else if (e->want_order && e->server_order != TA_YES)
			ta_elim_client_order(e);
		e->kind->finish(e);
		ta_job_finish(&e->job);
		return;
	}
}

static void
elim_start(struct ta_job *job)
{
	ta_elim_step((struct ta_elim *)job);
}

static const struct ta_job_ops elim_ops = {
        .name = "elim",
        .start = elim_start,
        .free = elim_free,
};

bool
ta_elim_set_order(struct ta_elim *e, const uint16_t *list, size_t n)
{
	uint16_t *o = malloc((n ? n : 1) * sizeof *o);

	if (!o)
		return false;
	memcpy(o, list, n * sizeof *o);
	free(e->order0);
	e->order0 = o;
	e->norder0 = n;
	return true;
}

bool
ta_job_is_elim(const struct ta_job *job)
{
	return job && job->ops == &elim_ops;
}

struct ta_elim *
ta_elim_new(const struct ta_elim_kind *kind, int vidx, uint16_t version, const uint16_t *cand,
            size_t n, bool want_order)
{
	struct ta_elim *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->cand = malloc((n ? n : 1) * sizeof *e->cand);
	if (!e->cand) {
		free(e);
		return NULL;
	}
	memcpy(e->cand, cand, n * sizeof *cand);
	e->ncand = e->cand_cap = n;
	(void)ta_elim_set_order(e, cand, n); /* NULL order0: found order */
	e->job.ops = &elim_ops;
	e->kind = kind;
	e->vidx = vidx;
	e->version = version;
	e->want_order = want_order;
	e->window = e->maxwindow =
	        kind->window && kind->window < TA_ELIM_WINDOW ? kind->window : TA_ELIM_WINDOW;
	e->server_order = TA_UNKNOWN;
	e->chacha = TA_UNKNOWN;
	e->phase = PH_ELIM;
	return e;
}
