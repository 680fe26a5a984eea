/*
 * The probe plan for one endpoint: which jobs run and when, and how their
 * results become the target's result.  The elimination kinds live in
 * suites.c, groups.c and schemes.c; what hellos offer in offer.c.
 *
 *   suites(SSLv3 .. TLS 1.2)  elimination over every IANA suite, popular
 *                             suites first; no FFDHE group offered, so the
 *                             DHE answers show the server's own DH prime
 *   suites(TLS 1.3)           elimination over the TLS 1.3 suites
 *   ssl2                      one SSLv2 hello: the server lists what it has
 *   groups13                  empty key_share: the HelloRetryRequest names
 *                             the server's choice among the offered groups
 *   groups12                  ECDHE suites; the ServerKeyExchange names the
 *                             curve
 *   ffdhe12                   DHE suites with only FFDHE groups (RFC 7919)
 *   sigalgs12, sigalgs13      the scheme chosen
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "probe/kinds.h"

/* ---- SSLv2: one hello, the server lists its kinds ---- */

struct ssl2_job {
	struct ta_job job;
};

static void
ssl2_on_answer(struct ta_job *job, const struct ta_response *r)
{
	struct ta_ver_result *v = &job->t->res.ver[TA_V_SSL2];

	v->tested = true;
	v->server_order = TA_UNKNOWN;
	v->chacha_priority = TA_UNKNOWN;
	if (r->outcome == TA_OUT_SSL2) {
		v->offered = true;
		for (size_t i = 0; i < r->nssl2_kinds && v->nsuites < TA_MAX_ACCEPT; i++)
			v->suites[v->nsuites++] = r->ssl2_kinds[i];
		if (r->nssl2_kinds == 0)
			ta_result_note(&job->t->res,
			               "SSLv2: the server speaks SSLv2 but offers no cipher");
	} else if (r->outcome == TA_OUT_TIMEOUT) {
		v->incomplete = true;
	}
	job->t->v_done[TA_V_SSL2] = true;
	ta_job_finish(job);
}

static void
ssl2_start(struct ta_job *job)
{
	uint32_t kinds[TA_SSL2_MAX_KINDS];
	uint8_t challenge[16], buf[512];
	struct ta_wr w;
	size_t n = 0;

	for (size_t i = 0; i < ta_ssl2_suites_count && n < TA_SSL2_MAX_KINDS; i++)
		kinds[n++] = ta_ssl2_suites[i].id;
	ta_random(challenge, sizeof challenge);
	ta_wr_init(&w, buf, sizeof buf);
	if (ta_hello_write_ssl2(TA_SSL2, kinds, n, challenge, &w) != TA_OK ||
	    ta_xchg_submit(job, buf, w.len, 0, ssl2_on_answer) != TA_OK) {
		job->t->res.ver[TA_V_SSL2].incomplete = true;
		ta_job_finish(job);
	}
}

static void
ssl2_free(struct ta_job *job)
{
	free(job);
}

static const struct ta_job_ops ssl2_ops = {"ssl2", ssl2_start, ssl2_free};

/* ---- planning ---- */

static struct ta_elim *
new_elim(struct ta_target *t, const struct ta_elim_kind *kind, int vidx, uint16_t version,
         const uint16_t *cand, size_t n, bool order, const uint16_t *extra, size_t nextra)
{
	struct ta_elim *e = ta_elim_new(kind, vidx, version, cand, n, order);

	if (!e) {
		ta_result_note(&t->res, "%s: out of memory", kind->name);
		return NULL;
	}
	if (extra && nextra) {
		memcpy(e->extra, extra, nextra * sizeof *extra);
		e->nextra = nextra;
	}
	e->chacha_test = kind == &ta_kind_suites || kind == &ta_kind_suites13;
	if (e->chacha_test)
		e->ctx = calloc(1, sizeof(struct suites_ctx)); /* NULL: no side facts */
	snprintf(e->job.label, sizeof e->job.label, "%s %s", kind->name, ta_ver_name(vidx));
	return e;
}

static void
add_elim(struct ta_target *t, const struct ta_elim_kind *kind, int vidx, uint16_t version,
         const uint16_t *cand, size_t n, bool order, const uint16_t *extra, size_t nextra)
{
	struct ta_elim *e = new_elim(t, kind, vidx, version, cand, n, order, extra, nextra);

	if (e)
		ta_target_add_job(t, &e->job);
}

/* The side facts of a version's suite hellos (NULL when there are none). */
static const struct suites_ctx *
suites_ctx_of(const struct ta_target *t, int vidx)
{
	for (const struct ta_job *j = t->jobs; j; j = j->next) {
		const struct ta_elim *e = (const struct ta_elim *)j;

		if (ta_job_is_elim(j) && e->kind == &ta_kind_suites && e->vidx == vidx)
			return e->ctx;
	}
	return NULL;
}

static void plan_finish(struct ta_target *t);

static void
plan_start(struct ta_target *t)
{
	uint16_t cand[TA_MAX_ACCEPT];
	struct ta_job *j;
	size_t n;

	t->res.groups_server_order = TA_UNKNOWN;
	t->res.hrr_seen = TA_UNKNOWN;
	t->g13_order = t->g12_order = t->gff_order = TA_UNKNOWN;
	t->res.groups13.vidx = t->res.groups12.vidx = -1;
	t->res.groups13.server_order = t->res.groups12.server_order = TA_UNKNOWN;
	for (int i = 0; i < TA_NVER; i++) {
		t->res.ver[i].server_order = TA_UNKNOWN;
		t->res.ver[i].chacha_priority = TA_UNKNOWN;
	}
	t->ng13_rem = t->ng13_all = ta_list_tls13_groups(t->g13_rem, TA_MAX_ACCEPT);
	/* hold the target open while the first jobs are being added */
	t->jobs_live++;
	n = ta_list_suites(TA_V_TLS13, cand, TA_MAX_ACCEPT, true);
	add_elim(t, &ta_kind_suites13, TA_V_TLS13, TA_TLS13, cand, n, true, NULL, 0);
	n = ta_list_suites(TA_V_TLS12, cand, TA_MAX_ACCEPT, true);
	add_elim(t, &ta_kind_suites, TA_V_TLS12, TA_TLS12, cand, n, true, NULL, 0);
	j = calloc(1, sizeof *j);
	if (j) {
		j->ops = &ssl2_ops;
		ta_target_add_job(t, j);
	}
	t->jobs_live--;
	if (t->jobs_live == 0 && !t->finished) {
		t->finished = true;
		plan_finish(t);
		ta_target_probes_done(t);
	}
}

/* Versions below TLS 1.2, once TLS 1.2 is known: what it accepts goes first. */
static void
start_lower(struct ta_target *t)
{
	static const int lower[] = {TA_V_TLS11, TA_V_TLS10, TA_V_SSL3};
	const struct ta_ver_result *v12 = &t->res.ver[TA_V_TLS12];

	for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++) {
		int v = lower[i];
		uint16_t cand[TA_MAX_ACCEPT], rest[TA_MAX_ACCEPT], known[TA_MAX_ACCEPT];
		size_t n = 0, nk = 0,
		       nr = ta_list_suites(v, rest, TA_MAX_ACCEPT, t->scan->cfg.exhaustive);
		struct ta_elim *e;

		for (size_t k = 0; k < v12->nsuites; k++)
			if (ta_u16_contains(rest, nr, (uint16_t)v12->suites[k]))
				known[nk++] = (uint16_t)v12->suites[k];
		for (size_t k = 0; k < nk; k++)
			cand[n++] = known[k];
		for (size_t k = 0; k < nr; k++)
			ta_u16_push(cand, &n, TA_MAX_ACCEPT, rest[k]);
		e = new_elim(t, &ta_kind_suites, v, (uint16_t)ta_ver_code(v), cand, n, true, known,
		             nk);
		if (!e)
			continue;
		/* offered in the reverse of the order TLS 1.2 found them in (the
		 * report keeps that order without server order): a server
		 * choosing by its own order then shows it at once (a choice
		 * skips an accepted suite listed before it), one taking the
		 * client's first shows it on the last offer */
		for (size_t k = 0; k < nk; k++)
			e->cand[k] = known[nk - 1 - k];
		/* a server without DH parameters: DHE needs the FFDHE groups
		 * at every version */
		if (t->dhe_needs_ffdhe && v != TA_V_SSL3)
			e->flags |= S12_FFDHE;
		ta_target_add_job(t, &e->job);
	}
}

static bool
legacy_done(const struct ta_target *t)
{
	for (int v = TA_V_SSL3; v <= TA_V_TLS12; v++)
		if (!t->v_done[v])
			return false;
	return true;
}

/* Highest version up to TLS 1.2 that is offered, or -1. */
static int
best_legacy(const struct ta_target *t)
{
	for (int v = TA_V_TLS12; v >= TA_V_SSL3; v--)
		if (t->res.ver[v].offered)
			return v;
	return -1;
}

static size_t
suites_where(const struct ta_ver_result *v, bool (*pred)(const struct ta_suite *), uint16_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nsuites && n < TA_MAX_ACCEPT; i++) {
		const struct ta_suite *s = ta_suite_find(v->suites[i]);

		if (s && pred(s))
			out[n++] = (uint16_t)s->id;
	}
	return n;
}

static bool
is_ecdhe(const struct ta_suite *s)
{
	return s->kx == TA_KX_ECDHE || s->kx == TA_KX_ECDH_ANON;
}

static bool
is_dhe(const struct ta_suite *s)
{
	return s->kx == TA_KX_DHE || s->kx == TA_KX_DH_ANON;
}

static bool
is_signed_ske(const struct ta_suite *s)
{
	return (s->kx == TA_KX_ECDHE || s->kx == TA_KX_DHE) &&
	       (s->auth == TA_AUTH_RSA || s->auth == TA_AUTH_ECDSA || s->auth == TA_AUTH_DSS);
}

static void
plan_after(struct ta_target *t, struct ta_job *job)
{
	uint16_t cand[TA_MAX_ACCEPT], extra[TA_MAX_ACCEPT];
	size_t n, nx;
	int best;

	(void)job;
	if (t->abort)
		return;
	if (t->v_done[TA_V_TLS13] && !t->g13_started) {
		t->g13_started = true;
		if (t->res.ver[TA_V_TLS13].offered) {
			const struct ta_ver_result *v = &t->res.ver[TA_V_TLS13];
			struct ta_elim *e;

			for (nx = 0; nx < v->nsuites; nx++)
				extra[nx] = (uint16_t)v->suites[nx];
			e = ta_elim_new(&ta_kind_groups13, TA_V_TLS13, TA_TLS13, t->g13_rem,
			                t->ng13_rem, true);
			if (e) {
				uint16_t all[TA_MAX_ACCEPT];
				size_t na = ta_list_tls13_groups(all, TA_MAX_ACCEPT);

				/* without server order, seeds and choices are
				 * reported in the order of the full list */
				(void)ta_elim_set_order(e, all, na);
				memcpy(e->extra, extra, nx * sizeof *extra);
				e->nextra = nx;
				for (size_t i = 0; i < t->ng13_seed; i++)
					ta_elim_seed(e, t->g13_seed[i], t->g13_seed_win[i],
					             t->g13_seed_nwin[i]);
				snprintf(e->job.label, sizeof e->job.label, "groups TLSv1.3");
				ta_target_add_job(t, &e->job);
			}
		} else {
			t->g13_done = true;
		}
	}
	if (t->v_done[TA_V_TLS13] && !t->sig13_started) {
		t->sig13_started = true;
		if (t->res.ver[TA_V_TLS13].offered) {
			n = ta_list_sigalgs13(cand, TA_MAX_ACCEPT);
			add_elim(t, &ta_kind_sigalgs13, TA_V_TLS13, TA_TLS13, cand, n, false, NULL,
			         0);
		}
	}
	if (t->v_done[TA_V_TLS12] && !t->lower_started) {
		t->lower_started = true;
		start_lower(t);
	}
	if (!legacy_done(t))
		return;
	if (t->v_done[TA_V_TLS13] && t->v_done[TA_V_SSL2] &&
	    (t->sig13_done || !t->res.ver[TA_V_TLS13].offered) && !t->features_started) {
		t->features_started = true;
		if (!t->scan->cfg.no_features)
			ta_features_start(t);
		if (!t->scan->cfg.no_vuln)
			ta_vulns_start(t);
	}
	best = best_legacy(t);
	if (!t->legacy_started) {
		t->legacy_started = true;
		if (best == TA_V_TLS12 &&
		    (nx = suites_where(&t->res.ver[best], is_signed_ske, extra)) > 0) {
			const struct suites_ctx *c = suites_ctx_of(t, best);
			uint16_t all[TA_MAX_ACCEPT];
			size_t na = ta_list_sigalgs(all, TA_MAX_ACCEPT, false);
			struct ta_elim *e;

			/* schemes the suite hellos saw are found already */
			n = 0;
			for (size_t i = 0; i < na; i++)
				if (!c || !ta_u16_contains(c->sig_seen, c->nsig_seen, all[i]))
					cand[n++] = all[i];
			e = new_elim(t, &ta_kind_sigalgs12, best, TA_TLS12, cand, n, false, extra,
			             nx);
			if (e) {
				(void)ta_elim_set_order(e, all, na);
				for (size_t i = 0; c && i < c->nsig_seen; i++)
					if (ta_u16_contains(all, na, c->sig_seen[i]))
						ta_elim_seed(e, c->sig_seen[i], &c->sig_seen[i], 1);
				ta_target_add_job(t, &e->job);
			}
		}
		if (best >= 0 && (nx = suites_where(&t->res.ver[best], is_dhe, extra)) > 0) {
			t->ffdhe_started = true;
			n = ta_list_ffdhe_groups(cand, TA_MAX_ACCEPT);
			add_elim(t, &ta_kind_ffdhe12, best, (uint16_t)ta_ver_code(best), cand, n,
			         true, extra, nx);
		}
	}
	if (t->g13_done && !t->g12_started) {
		t->g12_started = true;
		if (best >= 0 && (nx = suites_where(&t->res.ver[best], is_ecdhe, extra)) > 0) {
			const struct suites_ctx *c = suites_ctx_of(t, best);
			uint16_t all[TA_MAX_ACCEPT];
			size_t na = ta_list_ec_groups(all, TA_MAX_ACCEPT);
			struct ta_elim *e;

			/* every curve, with its own order: servers choose curves in
			 * TLS 1.2 by other rules than groups in TLS 1.3 (MariaDB
			 * and Erlang follow the client in TLS 1.2 only).  Curves
			 * the suite hellos saw are found already, with the lists
			 * they were chosen from (ordering facts); those TLS 1.3
			 * accepted are offered first (likely to be accepted). */
			n = 0;
			for (int pass = 0; pass < 2; pass++)
				for (size_t i = 0; i < na; i++)
					if (ta_u16_contains(t->g13, t->ng13, all[i]) ==
					            (pass == 0) &&
					    (!c || !ta_u16_contains(c->curve_seen, c->ncurve_seen,
					                            all[i])))
						cand[n++] = all[i];
			e = new_elim(t, &ta_kind_groups12, best, (uint16_t)ta_ver_code(best), cand,
			             n, true, extra, nx);
			if (e) {
				(void)ta_elim_set_order(e, all, na);
				for (size_t i = 0; c && i < c->ncseed; i++)
					if (ta_u16_contains(all, na, c->cseed[i].id))
						ta_elim_seed(e, c->cseed[i].id, c->cseed[i].win,
						             c->cseed[i].nwin);
				for (size_t i = 0; c && i < c->ncurve_seen; i++) {
					uint16_t g = c->curve_seen[i];

					if (ta_u16_contains(all, na, g) &&
					    !ta_u16_contains(e->acc, e->nacc, g))
						ta_elim_seed(e, g, &g, 1);
				}
				ta_target_add_job(t, &e->job);
			}
		}
	}
}

/* X.509 analysis of every served chain, against the name the client would
 * check: the SNI name, or the address for an address target. */
static void
analyse_chains(struct ta_target *t)
{
	struct ta_result *r = &t->res;

	if (!t->scan->certctx)
		return;
	for (size_t i = 0; i < r->nchains; i++) {
		struct ta_served_chain *sc = &r->chains[i];
		const uint8_t *der[TA_CHAIN_MAX_CERTS];
		struct ta_chain *ch = calloc(1, sizeof *ch);

		if (!ch)
			return;
		for (size_t k = 0; k < sc->n; k++)
			der[k] = sc->der + sc->off[k];
		if (ta_chain_analyse(t->scan->certctx, der, sc->len, sc->n,
		                     t->sni[0] ? t->sni : r->ip, ch) != TA_OK) {
			ta_result_note(r, "a certificate the server sent does not parse (%s)",
			               sc->how[0]);
			ta_chain_free(ch);
			free(ch);
			continue;
		}
		sc->analysis = ch;
	}
}

/* Two orders of one version (EC curves, FFDHE groups) or of two versions:
 * one answer when they agree, unknown when they do not. */
static int
same_order(int a, size_t na, int b, size_t nb)
{
	if (na < 2)
		return nb < 2 ? TA_UNKNOWN : b;
	if (nb < 2)
		return a;
	return a == b ? a : TA_UNKNOWN;
}

static void
finish_groups_result(struct ta_target *t)
{
	struct ta_result *r = &t->res;
	struct ta_version_groups *g13 = &r->groups13, *g12 = &r->groups12;

	g13->vidx = t->g13_started && t->res.ver[TA_V_TLS13].offered ? TA_V_TLS13 : -1;
	g13->n = 0;
	for (size_t i = 0; i < t->ng13; i++)
		ta_u16_push(g13->groups, &g13->n, TA_MAX_ACCEPT, t->g13[i]);
	g13->server_order = g13->n >= 2 ? t->g13_order : TA_UNKNOWN;
	g12->vidx = t->g12_started || t->ffdhe_started ? best_legacy(t) : -1;
	g12->n = 0;
	for (size_t i = 0; i < t->ng12; i++)
		ta_u16_push(g12->groups, &g12->n, TA_MAX_ACCEPT, t->g12[i]);
	for (size_t i = 0; i < t->ngff; i++)
		ta_u16_push(g12->groups, &g12->n, TA_MAX_ACCEPT, t->gff[i]);
	g12->server_order = same_order(t->g12_order, t->ng12, t->gff_order, t->ngff);
	r->ngroups = 0;
	for (size_t i = 0; i < g13->n; i++)
		ta_u16_push(r->groups, &r->ngroups, TA_MAX_ACCEPT, g13->groups[i]);
	for (size_t i = 0; i < g12->n; i++)
		ta_u16_push(r->groups, &r->ngroups, TA_MAX_ACCEPT, g12->groups[i]);
	r->groups_tested = t->g13_done || t->g12_started;
	r->groups_server_order = same_order(g13->server_order, g13->n, g12->server_order, g12->n);
	/* no prime of its own (GnuTLS without DH parameters): its DHE groups
	 * are the RFC 7919 ones it accepts, the weakest of them is its DH */
	if (t->dhe_needs_ffdhe && r->dh.bits == 0)
		for (size_t i = 0; i < t->ngff; i++) {
			const struct ta_group *g = ta_group_find(t->gff[i]);

			if (g && g->kind == TA_GROUP_FFDHE &&
			    (!r->dh.bits || g->bits < r->dh.bits)) {
				r->dh.bits = g->bits;
				snprintf(r->dh.group, sizeof r->dh.group, "%s", g->iana);
				r->dh.ffdhe_only = true;
			}
		}
}

static int
cmp_note(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* What jobs add as they end comes in the order they ended, which the
 * network decides: put it in an order of its own, so that two scans of
 * one server read the same. */
static void
settle_order(struct ta_result *r)
{
	r->nsigschemes = 0;
	for (size_t i = 0; i < r->nsig13; i++)
		ta_u16_push(r->sigschemes, &r->nsigschemes, TA_MAX_ACCEPT, r->sig13[i]);
	for (size_t i = 0; i < r->nsig12; i++)
		ta_u16_push(r->sigschemes, &r->nsigschemes, TA_MAX_ACCEPT, r->sig12[i]);
	qsort(r->notes, r->nnotes, sizeof r->notes[0], cmp_note);
}

/* A server whose only key exchange is DHE with an RFC 7919 group: OpenSSL
 * 3.0's client lists FFDHE groups only when TLS 1.3 is on, so its TLS 1.2
 * handshakes (resumption, renegotiation, tickets) are refused. */
static void
note_ffdhe_only(struct ta_target *t)
{
	struct ta_result *r = &t->res;

	if (!t->dhe_needs_ffdhe || r->ver[TA_V_TLS13].offered)
		return;
	for (int v = TA_V_SSL3; v <= TA_V_TLS12; v++)
		for (size_t i = 0; i < r->ver[v].nsuites; i++) {
			const struct ta_suite *s = ta_suite_find((uint16_t)r->ver[v].suites[i]);

			if (!s || !is_dhe(s))
				return;
		}
	ta_result_note(r, "the server's only key exchange is DHE with an RFC 7919 group the client "
	                  "offers; OpenSSL's client offers none in a TLS 1.2 handshake, so what "
	                  "tlsaudit tests through OpenSSL handshakes (session resumption, "
	                  "renegotiation, tickets) could not be tested");
}

static void
plan_finish(struct ta_target *t)
{
	struct ta_result *r = &t->res;
	bool any = false;

	finish_groups_result(t);
	for (int v = 0; v < TA_NVER; v++)
		any |= r->ver[v].offered;
	r->ok = true;
	if (!any) {
		r->ok = false;
		if (t->abort_reason) {
			r->nnotes = 0; /* per-probe notes about a dead target are noise */
			snprintf(r->error, sizeof r->error, "%s", t->abort_reason);
		} else if (t->violation)
			snprintf(r->error, sizeof r->error,
			         "the server's answers break the protocol (%s)", t->violation);
		else if (t->outcomes[TA_OUT_CONNECT] && !t->outcomes[TA_OUT_ALERT] &&
		         !t->outcomes[TA_OUT_GARBAGE])
			snprintf(r->error, sizeof r->error, "cannot connect");
		else if (t->outcomes[TA_OUT_GARBAGE])
			snprintf(r->error, sizeof r->error, "no TLS server answered (%s)",
			         t->last_detail ? t->last_detail : "not TLS");
		else if (t->outcomes[TA_OUT_TIMEOUT] && !t->outcomes[TA_OUT_ALERT])
			snprintf(r->error, sizeof r->error, "no answer within the timeout");
		else if (t->outcomes[TA_OUT_ALERT])
			snprintf(r->error, sizeof r->error,
			         "the server refused every protocol version and suite offered");
		else if (!t->st_ops && !t->proto[0] && !t->scan->starttls[0] &&
		         (r->nnotes = 0) == 0) /* the per-version notes about closes are noise */
			snprintf(r->error, sizeof r->error,
			         "the server closed every connection without answering; if it "
			         "speaks TLS only after a STARTTLS dialogue where the client "
			         "speaks first, name it: HOST:PORT/ldap, /postgres, /xmpp ...");
		else
			snprintf(r->error, sizeof r->error,
			         "the server closed every connection without answering");
	} else if (t->abort_reason)
		ta_result_note(r, "probing stopped early: %s", t->abort_reason);
	note_ffdhe_only(t);
	analyse_chains(t);
	settle_order(r);
	r->duration_ms = ta_loop_now(&t->scan->loop) - t->start_ms;
}

const struct ta_planner ta_probe_plan = {
        .start = plan_start,
        .after = plan_after,
        .finish = plan_finish,
};
