/*
 * The elimination state machine; see elim.h.  Phases: ELIM (find what is
 * accepted), TEST (server order or client order?), SORT (full server
 * order by binary insertion), CHACHA (does a client listing ChaCha20 first
 * get it?), DONE.
 */
#include <stdlib.h>
#include <string.h>

#include "probe/elim.h"

enum { PH_ELIM, PH_TEST, PH_TEST2, PH_SORT, PH_CHACHA, PH_DONE };

#define MIN_WINDOW 16

static void step(struct ta_elim *e);

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
	free(e->rel);
	free(e->ctx);
	free(e);
}

static int
acc_index(const struct ta_elim *e, uint16_t id)
{
	for (size_t i = 0; i < e->nacc; i++)
		if (e->acc[i] == id)
			return (int)i;
	return -1;
}

static void
send_offer(struct ta_elim *e, const uint16_t *ids, size_t n, ta_xchg_cb cb)
{
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	struct ta_wr w;
	int rc;

	if (e->kind->submit) {
		rc = e->kind->submit(e, ids, n, cb);
	} else {
		ta_wr_init(&w, buf, sizeof buf);
		rc = e->kind->build(e, ids, n, &w);
		if (rc == TA_OK)
			rc = ta_xchg_submit(&e->job, buf, w.len, e->kind->want, cb);
	}
	if (rc != TA_OK) {
		e->incomplete = true;
		e->last_detail = ta_strerror(rc);
		e->phase = PH_DONE;
		step(e);
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
	step(e);
}

/* ---- ELIM ---- */

static void on_elim(struct ta_job *job, const struct ta_response *r);

static void
elim_next(struct ta_elim *e)
{
	size_t n = e->ncand < e->window ? e->ncand : e->window;

	send_offer(e, e->cand, n, on_elim);
}

static void
drop_cands(struct ta_elim *e, size_t n)
{
	memmove(e->cand, e->cand + n, (e->ncand - n) * sizeof *e->cand);
	e->ncand -= n;
}

static void
on_elim(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	size_t n = e->ncand < e->window ? e->ncand : e->window;
	uint16_t id = 0;
	int j;

	e->last_outcome = r->outcome;
	if (r->detail)
		e->last_detail = r->detail;
	if (e->kind->observe)
		e->kind->observe(e, r);
	j = e->kind->judge(e, r, &id);
	if (j == TA_J_PICK) {
		size_t k;

		for (k = 0; k < n && e->cand[k] != id; k++)
			;
		if (k == n) {
			/* chose something never offered: a broken or hostile server */
			broken(e, "the server chose something that was not offered");
			return;
		}
		ta_elim_seed(e, id, e->cand, n);
		memmove(e->cand + k, e->cand + k + 1, (e->ncand - k - 1) * sizeof *e->cand);
		e->ncand--;
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
		step(e);
		return;
	} else { /* TA_J_FAIL */
		e->fails++;
		if (r->outcome == TA_OUT_GARBAGE && (e->shrunk || n <= MIN_WINDOW)) {
			/* garbage for a small hello too: not intolerance */
			broken(e, r->detail ? r->detail : "the answer is not valid TLS");
			return;
		}
		if (e->closed_is_reject) {
			drop_cands(e, n);
		} else if (!e->shrunk && n > MIN_WINDOW) {
			/* maybe intolerant of large hellos: try a small one */
			e->shrunk = true;
			e->window = MIN_WINDOW;
		} else if (e->shrunk || n <= MIN_WINDOW) {
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
	if (e->ncand == 0) {
		e->phase = PH_TEST;
		step(e);
		return;
	}
	elim_next(e);
}

void
ta_elim_seed(struct ta_elim *e, uint16_t id, const uint16_t *win, size_t n)
{
	struct ta_elim_pick *p;

	if (e->nacc >= TA_MAX_ACCEPT || acc_index(e, id) >= 0)
		return;
	e->acc[e->nacc++] = id;
	p = realloc(e->picks, (e->npicks + 1) * sizeof *p);
	if (!p)
		return;
	e->picks = p;
	p = &e->picks[e->npicks];
	p->win = malloc((n ? n : 1) * sizeof *p->win);
	if (!p->win)
		return;
	memcpy(p->win, win, n * sizeof *p->win);
	p->nwin = n;
	p->id = id;
	e->npicks++;
}

/* ---- ORDER ---- */

static int8_t *
rel_at(struct ta_elim *e, size_t a, size_t b)
{
	return &e->rel[a * e->nacc + b];
}

/* Under the server-order hypothesis, each pick beat every other accepted
 * item it was offered with.  Returns true when some pick skipped an
 * accepted item the client listed earlier: evidence of server order. */
static bool
build_relations(struct ta_elim *e)
{
	bool evidence = false;

	for (size_t i = 0; i < e->npicks; i++) {
		const struct ta_elim_pick *p = &e->picks[i];
		int pi = acc_index(e, p->id);
		bool before = true;

		if (pi < 0)
			continue;
		for (size_t k = 0; k < p->nwin; k++) {
			int ai;

			if (p->win[k] == p->id) {
				before = false;
				continue;
			}
			ai = acc_index(e, p->win[k]);
			if (ai < 0)
				continue;
			if (before)
				evidence = true;
			*rel_at(e, (size_t)pi, (size_t)ai) = 1;
			*rel_at(e, (size_t)ai, (size_t)pi) = -1;
		}
	}
	return evidence;
}

static void on_test(struct ta_job *job, const struct ta_response *r);
static void sort_next(struct ta_elim *e);

bool
ta_elim_offered(const struct ta_elim *e, uint16_t id)
{
	size_t n = e->ncand < e->window ? e->ncand : e->window;

	for (size_t i = 0; i < n; i++)
		if (e->cand[i] == id)
			return true;
	return false;
}

static void
start_order(struct ta_elim *e)
{
	e->ordering = true;
	e->rel = calloc(e->nacc * e->nacc, 1);
	if (!e->rel) {
		e->phase = PH_DONE;
		step(e);
		return;
	}
	if (build_relations(e)) {
		e->server_order = TA_YES;
		e->phase = PH_SORT;
		step(e);
		return;
	}
	/* a pick p offered together with a later accepted a: offer [a, p] */
	for (size_t i = 0; i < e->npicks; i++) {
		const struct ta_elim_pick *p = &e->picks[i];

		for (size_t k = 0; k < p->nwin; k++) {
			if (p->win[k] != p->id && acc_index(e, p->win[k]) >= 0) {
				uint16_t offer[2] = {p->win[k], p->id};

				e->test_a = p->win[k];
				e->phase = PH_TEST;
				send_offer(e, offer, 2, on_test);
				return;
			}
		}
	}
	/* no pair ever shared an offer: ask both ways */
	e->phase = PH_TEST2;
	uint16_t offer[2] = {e->acc[0], e->acc[1]};
	send_offer(e, offer, 2, on_test);
}

static void
on_test(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	uint16_t id;

	if (e->kind->observe)
		e->kind->observe(e, r);
	if (e->kind->judge(e, r, &id) != TA_J_PICK) {
		e->incomplete = true;
		e->phase = PH_DONE;
		step(e);
		return;
	}
	if (e->phase == PH_TEST2) {
		/* first answer to [acc0, acc1]; now ask [acc1, acc0] */
		uint16_t offer[2] = {e->acc[1], e->acc[0]};

		e->test_first = id;
		e->two_way = true;
		e->phase = PH_TEST;
		send_offer(e, offer, 2, on_test);
		return;
	}
	if (e->two_way) /* server order iff both answers agree */
		e->server_order = id == e->test_first ? TA_YES : TA_NO;
	else /* offered [a, p]: the client's first choice is a */
		e->server_order = id == e->test_a ? TA_NO : TA_YES;
	if (e->server_order == TA_YES) {
		uint16_t other = id == e->acc[0] ? e->acc[1] : e->acc[0];
		int iw = acc_index(e, id), il;

		if (!e->two_way)
			other = e->test_a;
		il = acc_index(e, other);
		if (iw >= 0 && il >= 0 && iw != il) {
			*rel_at(e, (size_t)iw, (size_t)il) = 1;
			*rel_at(e, (size_t)il, (size_t)iw) = -1;
		}
		e->phase = PH_SORT;
	} else {
		e->phase = PH_DONE;
	}
	step(e);
}

static void on_compare(struct ta_job *job, const struct ta_response *r);

static void
sort_insert(struct ta_elim *e, size_t pos)
{
	memmove(e->sorted + pos + 1, e->sorted + pos, (e->nsorted - pos) * sizeof *e->sorted);
	e->sorted[pos] = e->acc[e->ins];
	e->nsorted++;
	e->ins++;
	e->lo = 0;
	e->hi = e->nsorted;
}

/* Binary insertion; known relations are free, unknown ones cost a hello. */
static void
sort_next(struct ta_elim *e)
{
	while (e->ins < e->nacc) {
		if (e->lo >= e->hi) {
			sort_insert(e, e->lo);
			continue;
		}
		size_t mid = (e->lo + e->hi) / 2;
		int x = (int)e->ins, y = acc_index(e, e->sorted[mid]);
		int8_t known = *rel_at(e, (size_t)x, (size_t)y);

		if (known > 0) {
			e->hi = mid;
		} else if (known < 0) {
			e->lo = mid + 1;
		} else {
			uint16_t offer[2] = {e->sorted[mid], e->acc[e->ins]};

			send_offer(e, offer, 2, on_compare);
			return;
		}
	}
	e->phase = e->chacha_test ? PH_CHACHA : PH_DONE;
	step(e);
}

static void
on_compare(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	size_t mid = (e->lo + e->hi) / 2;
	int x = (int)e->ins, y = acc_index(e, e->sorted[mid]);
	uint16_t id;

	if (e->kind->observe)
		e->kind->observe(e, r);
	if (e->kind->judge(e, r, &id) != TA_J_PICK || (id != e->acc[x] && id != e->sorted[mid])) {
		e->incomplete = true;
		id = e->sorted[mid]; /* keep going; the order is marked incomplete */
	}
	int8_t v = id == e->acc[x] ? 1 : -1;
	*rel_at(e, (size_t)x, (size_t)y) = v;
	*rel_at(e, (size_t)y, (size_t)x) = (int8_t)-v;
	sort_next(e);
}

static void
on_chacha(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	uint16_t id;

	if (e->kind->observe)
		e->kind->observe(e, r);
	if (e->kind->judge(e, r, &id) == TA_J_PICK)
		e->chacha = ta_suite_is_chacha(id) ? TA_YES : TA_NO;
	e->phase = PH_DONE;
	step(e);
}

static void
chacha_start(struct ta_elim *e)
{
	uint16_t offer[2] = {0, e->sorted[0]};

	if (e->nsorted == 0 || ta_suite_is_chacha(e->sorted[0])) {
		e->phase = PH_DONE;
		step(e);
		return;
	}
	for (size_t i = 0; i < e->nsorted; i++)
		if (ta_suite_is_chacha(e->sorted[i])) {
			offer[0] = e->sorted[i];
			send_offer(e, offer, 2, on_chacha);
			return;
		}
	e->phase = PH_DONE;
	step(e);
}

static void
step(struct ta_elim *e)
{
	switch (e->phase) {
	case PH_ELIM:
		if (e->ncand == 0) {
			e->phase = PH_TEST;
			step(e);
			return;
		}
		elim_next(e);
		return;
	case PH_TEST:
	case PH_TEST2:
		if (!e->want_order || e->nacc < 2 || e->incomplete) {
			e->phase = PH_DONE;
			step(e);
			return;
		}
		start_order(e);
		return;
	case PH_SORT:
		sort_next(e);
		return;
	case PH_CHACHA:
		chacha_start(e);
		return;
	default:
		if (e->server_order == TA_YES && e->nsorted == e->nacc)
			memcpy(e->acc, e->sorted, e->nacc * sizeof *e->acc);
		e->kind->finish(e);
		ta_job_finish(&e->job);
		return;
	}
}

static void
elim_start(struct ta_job *job)
{
	step((struct ta_elim *)job);
}

static const struct ta_job_ops elim_ops = {
        .name = "elim",
        .start = elim_start,
        .free = elim_free,
};

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
	e->ncand = n;
	e->job.ops = &elim_ops;
	e->kind = kind;
	e->vidx = vidx;
	e->version = version;
	e->want_order = want_order;
	e->window = e->maxwindow = 64;
	e->server_order = TA_UNKNOWN;
	e->chacha = TA_UNKNOWN;
	e->phase = PH_ELIM;
	return e;
}
