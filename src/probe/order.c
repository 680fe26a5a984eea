/*
 * The ordering phases of an elimination (elim.c runs the state machine):
 * TEST (server order or client order, when the choices did not tell),
 * SORT (full server order by selection over the known facts) and CHACHA
 * (does a client listing ChaCha20 first get it?), and the client order a
 * result without a server order is reported in.  The facts are the choices
 * the elimination recorded, read as elim.c says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/elim_int.h"

/* ---- ORDER ---- */

static int8_t *
rel_at(struct ta_elim *e, size_t a, size_t b)
{
	return &e->rel[a * e->nacc + b];
}

/* a is preferred over b, and so is everything preferred over a over
 * everything b is preferred over.  A fact contradicting one already known
 * is dropped (the first wins). */
static bool
relate(struct ta_elim *e, size_t a, size_t b)
{
	size_t n = e->nacc;

	if (a == b || *rel_at(e, a, b) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i != a && *rel_at(e, i, a) <= 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (k != b && *rel_at(e, b, k) <= 0)
				continue;
			if (i != k && *rel_at(e, i, k) == 0) {
				*rel_at(e, i, k) = 1;
				*rel_at(e, k, i) = -1;
			}
		}
	}
	return true;
}

/*
 * Under the server-order hypothesis each choice beat every other accepted
 * item it was offered with; enter those facts with their transitive
 * closure.  *server: some choice skipped an accepted item listed earlier
 * (proof of server order).  *client: two choices contradict each other
 * (impossible under server order).
 */
static void
build_relations(struct ta_elim *e, bool *server, bool *client)
{
	size_t n = e->nacc;

	*server = *client = false;
	for (size_t i = 0; i < e->npicks; i++) {
		const struct ta_elim_pick *p = &e->picks[i];
		int pi = ta_elim_acc_index(e, p->id);
		bool before = true;

		if (pi < 0)
			continue;
		for (size_t k = 0; k < p->nwin; k++) {
			int ai;

			if (p->win[k] == p->id) {
				before = false;
				continue;
			}
			ai = ta_elim_acc_index(e, p->win[k]);
			if (ai < 0 || ai == pi || !ta_elim_evidence(e, p, p->win[k]))
				continue;
			if (before)
				*server = true;
			if (*rel_at(e, (size_t)ai, (size_t)pi) > 0)
				*client = true;
			*rel_at(e, (size_t)pi, (size_t)ai) = 1;
			*rel_at(e, (size_t)ai, (size_t)pi) = -1;
		}
	}
	/* transitive closure (Warshall); a contradiction found here is one
	 * too */
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < n; i++) {
			if (*rel_at(e, i, k) <= 0)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (j == i || *rel_at(e, k, j) <= 0)
					continue;
				if (*rel_at(e, i, j) < 0)
					*client = true;
				else if (*rel_at(e, i, j) == 0) {
					*rel_at(e, i, j) = 1;
					*rel_at(e, j, i) = -1;
				}
			}
		}
	/* choices over items of another class: not evidence of an order of
	 * the server's own (it may have picked a certificate first), but
	 * what a client offering both gets; they only spare hellos when the
	 * order is sorted, and lose to any fact above */
	for (size_t i = 0; i < e->npicks; i++) {
		const struct ta_elim_pick *p = &e->picks[i];
		int pi = ta_elim_acc_index(e, p->id);

		for (size_t k = 0; pi >= 0 && k < p->nwin; k++) {
			int ai = ta_elim_acc_index(e, p->win[k]);

			if (ai >= 0 && ai != pi && ta_elim_comparable(e, p, p->win[k]) &&
			    !ta_elim_evidence(e, p, p->win[k]))
				(void)relate(e, (size_t)pi, (size_t)ai);
		}
	}
}

static void on_test(struct ta_job *job, const struct ta_response *r);

bool
ta_elim_offered(const struct ta_elim *e, uint16_t id)
{
	return ta_u16_contains(e->offer, e->offer_len, id);
}

void
ta_elim_start_order(struct ta_elim *e)
{
	bool server, client;

	e->ordering = true;
	e->pair_sent = false;
	e->rel = calloc(e->nacc * e->nacc, 1);
	e->placed = calloc(e->nacc, sizeof *e->placed);
	if (!e->rel || !e->placed) {
		e->incomplete = true;
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	build_relations(e, &server, &client);
	if (e->job.t->scan->trace) {
		size_t known = 0;

		for (size_t i = 0; i < e->nacc * e->nacc; i++)
			known += e->rel[i] > 0;
		fprintf(stderr,
		        "trace: order %s: %zu accepted, %zu choices, %zu of %zu pairs known, "
		        "server evidence %d, client evidence %d\n",
		        e->job.label, e->nacc, e->npicks, known, e->nacc * (e->nacc - 1) / 2,
		        server, client);
	}
	if (server && (client || e->server_order == TA_NO)) {
		/* a choice skipped an item the client listed first, and others
		 * contradict any order of the server's own: neither rule holds
		 * (wolfSSL takes the client's first curve of its preferred
		 * size); no order is claimed */
		e->mixed_order = true;
		e->server_order = TA_UNKNOWN;
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	if (e->server_order == TA_UNKNOWN && server != client)
		e->server_order = server ? TA_YES : TA_NO;
	if (e->server_order == TA_YES) {
		e->phase = PH_SORT;
		ta_elim_step(e);
		return;
	}
	if (e->server_order == TA_NO) {
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	/* a choice p offered together with a later accepted a: offer [a, p] */
	if (ta_elim_find_pair(e, &e->test_a, &e->test_first, -1)) {
		uint16_t offer[2] = {e->test_a, e->test_first};

		e->phase = PH_TEST;
		ta_elim_send_offer(e, offer, 2, on_test);
		return;
	}
	/* no pair ever shared an offer: ask both ways, with two items of one
	 * class when there are such */
	e->phase = PH_TEST2;
	e->test_pair[0] = e->acc[0];
	e->test_pair[1] = e->acc[1];
	for (size_t i = 0; i < e->nacc; i++)
		for (size_t k = i + 1; k < e->nacc; k++)
			if (ta_elim_klass(e, e->acc[i]) == ta_elim_klass(e, e->acc[k])) {
				e->test_pair[0] = e->acc[i];
				e->test_pair[1] = e->acc[k];
				goto found;
			}
found:
	ta_elim_send_offer(e, e->test_pair, 2, on_test);
}

static void
on_test(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	uint16_t id;

	if (e->kind->observe)
		e->kind->observe(e, r);
	if (e->kind->judge(e, r, &id) != TA_J_PICK || !ta_elim_offered(e, id)) {
		e->incomplete = true;
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	if (e->phase == PH_TEST2) {
		/* first answer to [x, y]; now ask [y, x] */
		uint16_t offer[2] = {e->test_pair[1], e->test_pair[0]};

		e->test_first = id;
		e->two_way = true;
		e->phase = PH_TEST;
		ta_elim_send_offer(e, offer, 2, on_test);
		return;
	}
	if (e->two_way) /* server order iff both answers agree */
		e->server_order = id == e->test_first ? TA_YES : TA_NO;
	else /* offered [a, p]: the client's first choice is a */
		e->server_order = id == e->test_a ? TA_NO : TA_YES;
	if (e->server_order == TA_YES) {
		uint16_t other = id == e->test_pair[0] ? e->test_pair[1] : e->test_pair[0];
		int iw = ta_elim_acc_index(e, id), il;

		if (!e->two_way)
			other = e->test_a;
		il = ta_elim_acc_index(e, other);
		if (iw >= 0 && il >= 0)
			(void)relate(e, (size_t)iw, (size_t)il);
		e->phase = PH_SORT;
	} else {
		e->phase = PH_DONE;
	}
	ta_elim_step(e);
}

static void on_select(struct ta_job *job, const struct ta_response *r);

static void
place(struct ta_elim *e, size_t i)
{
	e->placed[i] = true;
	e->sorted[e->nsorted++] = e->acc[i];
}

/* Selection: the items nothing unplaced is known to beat are the
 * candidates for the next place; one of them is free, several cost a hello
 * offering them all (the server's choice is the next in its order). */
void
ta_elim_sort_next(struct ta_elim *e)
{
	uint16_t offer[TA_ELIM_WINDOW];
	size_t n = e->nacc, nm, no;

	while (e->nsorted < n) {
		size_t first = n;

		nm = 0;
		for (size_t x = 0; x < n; x++) {
			bool beaten = false;

			if (e->placed[x])
				continue;
			for (size_t y = 0; y < n && !beaten; y++)
				beaten = !e->placed[y] && *rel_at(e, y, x) > 0;
			if (!beaten) {
				if (nm++ == 0)
					first = x;
			}
		}
		if (nm == 1) {
			place(e, first);
			continue;
		}
		/* offer them, ChaCha20 suites last (see chacha_not_first) */
		no = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t x = first; x < n && no < e->maxwindow && no < TA_ELIM_WINDOW;
			     x++) {
				bool beaten = false, late;

				if (e->placed[x])
					continue;
				for (size_t y = 0; y < n && !beaten; y++)
					beaten = !e->placed[y] && *rel_at(e, y, x) > 0;
				late = e->chacha_test && ta_suite_is_chacha(e->acc[x]);
				if (!beaten && late == (pass == 1))
					offer[no++] = e->acc[x];
			}
		if (no < 2) { /* cannot happen with nm >= 2; do not loop */
			e->incomplete = true;
			break;
		}
		e->select_full = no == nm;
		ta_elim_send_offer(e, offer, no, on_select);
		return;
	}
	e->phase = e->chacha_test ? PH_CHACHA : PH_DONE;
	ta_elim_step(e);
}

static void
on_select(struct ta_job *job, const struct ta_response *r)
{
	struct ta_elim *e = (struct ta_elim *)job;
	uint16_t id;
	int w;

	if (e->kind->observe)
		e->kind->observe(e, r);
	if (e->kind->judge(e, r, &id) != TA_J_PICK || !ta_elim_offered(e, id) ||
	    (w = ta_elim_acc_index(e, id)) < 0) {
		/* no usable answer: keep the order found so far out of the
		 * result (it is marked incomplete) */
		e->incomplete = true;
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	if (e->select_full) {
		place(e, (size_t)w); /* beats every candidate, so everything */
	} else {
		/* more candidates than one hello holds: it beats these */
		bool news = false;

		for (size_t k = 0; k < e->offer_len; k++) {
			int l = ta_elim_acc_index(e, e->offer[k]);

			if (l >= 0 && l != w && relate(e, (size_t)w, (size_t)l))
				news = true;
		}
		if (!news) { /* contradicts what is known: do not loop */
			e->incomplete = true;
			place(e, (size_t)w);
		}
	}
	ta_elim_sort_next(e);
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
	ta_elim_step(e);
}

void
ta_elim_chacha_start(struct ta_elim *e)
{
	uint16_t offer[2] = {0, e->sorted[0]};

	if (e->nsorted == 0 || ta_suite_is_chacha(e->sorted[0])) {
		e->phase = PH_DONE;
		ta_elim_step(e);
		return;
	}
	/* a ChaCha20 item of the first one's class when there is one */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < e->nsorted; i++)
			if (ta_suite_is_chacha(e->sorted[i]) &&
			    (pass == 1 ||
			     ta_elim_klass(e, e->sorted[i]) == ta_elim_klass(e, e->sorted[0]))) {
				offer[0] = e->sorted[i];
				ta_elim_send_offer(e, offer, 2, on_chacha);
				return;
			}
	e->phase = PH_DONE;
	ta_elim_step(e);
}

/* Without a server order, report in the order of order0 (stable; items
 * not in it stay behind, in the order found). */
void
ta_elim_client_order(struct ta_elim *e)
{
	uint16_t tmp[TA_MAX_ACCEPT];
	bool *used = calloc(e->nacc ? e->nacc : 1, sizeof *used);
	size_t k = 0;

	if (!used || !e->order0)
		goto out;
	for (size_t i = 0; i < e->norder0; i++) {
		int a = ta_elim_acc_index(e, e->order0[i]);

		if (a >= 0 && !used[a]) {
			used[a] = true;
			tmp[k++] = e->acc[a];
		}
	}
	for (size_t a = 0; a < e->nacc; a++)
		if (!used[a])
			tmp[k++] = e->acc[a];
	memcpy(e->acc, tmp, e->nacc * sizeof *tmp);
out:
	free(used);
}
